/*
 * Clocks and timer lists, as the main loop and the CPU see them.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_CLOCK_INTERNAL_H
#define CORE_CLOCK_INTERNAL_H

#include <cardcage/timer.h>

/* Real-time mode (icount_shift < 0) or deterministic mode (virtual ns =
 * bias + instructions << shift).  Called once, before any clock is read;
 * calling it again resets the virtual clock to 0, stopped (tests do).
 * A shift above CLOCK_ICOUNT_MAX_SHIFT is clamped to it (with a warning):
 * at 2^10 ns per instruction a guest already runs at under 1 MIPS. */
#define CLOCK_ICOUNT_MAX_SHIFT 10
void clock_configure(int icount_shift);
bool clock_icount_enabled(void);
int clock_icount_shift(void);

/* The source of the instruction count in icount mode (the CPU); in
 * real-time mode it paces the clock, and counts the elements of REP
 * string instructions too (x86_icount_source). */
void clock_set_icount_source(uint64_t (*get_insns)(void *opaque), void *opaque);
/* What that source counts now (0 without one): the CPUs' work. */
uint64_t clock_insns_count(void);

/* The virtual clock runs only while the machine runs. */
void clock_vm_start(void);
void clock_vm_stop(void);
bool clock_vm_running(void);
/* Real-time mode: whether a CPU is runnable (the main loop says).  While
 * one is, the virtual clock advances by at most a bounded time per
 * instruction between two reads, so that a stall of the host is not seen
 * by a guest comparing clocks in a loop; when none is, it follows the
 * host's time again at once (clock.c).  No effect in icount mode. */
void clock_set_paced(bool cpu_runnable);
/* Set the stopped virtual clock to ns (an incoming migration restores the
 * source's guest time; it may go backwards from the fresh machine's). */
void clock_set_virtual_ns(int64_t ns);

/* Nanoseconds of the given clock until its earliest timer fires: 0 when one
 * is due, -1 when none is armed. */
int64_t timers_deadline_ns(ClockType type);
/* Run every timer of that clock that was due when the call began, in
 * deadline order.  A timer that a callback re-arms for a time that is
 * already due runs at the next call, not in this one, so a device cannot
 * hang the loop.  Returns true if any ran. */
bool timers_run_expired(ClockType type);

/* Called when a timer becomes the earliest of its clock (armed for a time
 * before every other), so the main loop can cut the CPU's current slice
 * short: in icount mode the slice was sized to the old deadline.  One
 * hook; the main loop installs it. */
void timers_set_deadline_notify(void (*fn)(void *opaque, ClockType type), void *opaque);

/* icount mode with the CPU idle: jump virtual time forward by ns (to the
 * next deadline), as the hardware would have reached it by waiting. */
void clock_icount_warp(int64_t ns);

/* Host monotonic nanoseconds (CLOCK_MONOTONIC). */
int64_t host_monotonic_ns(void);

#endif
