/*
 * The three clocks.  CC_CLOCK_VIRTUAL is the guest's time: 0 when the
 * machine is created, frozen while it is stopped, and while it runs either
 * host monotonic time plus an offset (real-time mode) or
 * bias + (instructions << shift) (icount mode).  It never goes backwards.
 *
 * Real-time mode, paced: while a CPU runs, the guest may see the clock
 * advance by at most RT_MAX_NS_PER_INSN per instruction run since it last
 * looked.  Why: the host may stop this process for milliseconds at any
 * point (a loaded host, a page fault, a slow host call), and a guest that
 * compares two clocks in a tight loop would see that gap land between its
 * two reads.  Linux's checks do exactly this: its PM timer rate check
 * (counts PM timer ticks until the PIT's counter 2 reaches terminal count,
 * about 55 ms, and refuses the PM timer when the count is off by 5 %) and
 * its fast TSC calibration (brackets each change of the PIT's MSB between
 * two TSC reads and gives up when a bracket is wider than 1/2048 of the
 * run).  A stall of the host is then folded into a lag: between two reads
 * the clock advances by the host time between them or by
 * RT_MAX_NS_PER_INSN per instruction run, whichever is less.  The lag is
 * made up smoothly while the guest runs (the clock runs an eighth faster
 * than the host until it has caught up), or at once when the guest idles
 * (every CPU halted): it sees time jump only while it waits, as it would on
 * hardware.  The lag is bounded by RT_MAX_LAG_NS so that a guest
 * that never idles and is slow for real (long REP instructions count as
 * one) does not drift from the host's time for good.
 *
 * SPDX-License-Identifier: MIT
 */
#include <time.h>
#include "clock-internal.h"

static int icount_shift = -1;                /* < 0: real-time mode */
static uint64_t (*icount_source)(void *opaque);
static void *icount_source_opaque;

static bool vm_running;
static int64_t vclock_frozen;                /* the virtual clock while stopped */
static int64_t realtime_offset;              /* real-time mode: vclock - host monotonic */
static int64_t icount_bias;                  /* icount mode: vclock - (insns << shift) */
static int64_t vclock_last;                  /* the largest value returned so far */

/* A microsecond per instruction: a floor of 1 MIPS, well below the
 * emulator's slowest build, so ordinary running never lags. */
#define RT_MAX_NS_PER_INSN 1000
#define RT_MAX_LAG_NS (1000 * 1000 * 1000)
static bool rt_paced;                        /* real-time mode and a CPU is runnable */
static uint64_t rt_insns_seen;               /* the instruction count at the last read */
static int64_t rt_host_seen;                 /* host monotonic time at the last read */

static int64_t timespec_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * NANOSECONDS_PER_SECOND + ts.tv_nsec;
}

int64_t host_monotonic_ns(void)
{
    return timespec_ns(CLOCK_MONOTONIC);
}

static uint64_t insns_now(void)
{
    return icount_source ? icount_source(icount_source_opaque) : 0;
}

static int64_t icount_ns(void)
{
    return (int64_t)(insns_now() << icount_shift);
}

/* Real-time mode: host time, paced by instructions while a CPU runs (see
 * the top of the file). */
static int64_t vclock_realtime(void)
{
    int64_t host = host_monotonic_ns();
    int64_t target = host + realtime_offset;
    if (!rt_paced) {
        rt_host_seen = host;
        return target;
    }
    uint64_t insns = insns_now();
    uint64_t ran = insns - rt_insns_seen;
    int64_t host_dt = host - rt_host_seen;
    rt_insns_seen = insns;
    rt_host_seen = host;
    int64_t step = ran < (uint64_t)(RT_MAX_LAG_NS / RT_MAX_NS_PER_INSN)
                       ? (int64_t)ran * RT_MAX_NS_PER_INSN : RT_MAX_LAG_NS;
    if (host_dt < step) {
        step = host_dt;
    }
    int64_t v = vclock_last + step;
    /* Make up a lag by running an eighth faster than the host: smooth,
     * so that two clocks compared in a loop still agree. */
    int64_t lag = target - v;
    if (lag > 0) {
        v += MIN(lag, step >> 3);
    }
    if (target - v > RT_MAX_LAG_NS) {
        v = target - RT_MAX_LAG_NS;
    }
    return MIN(v, target);
}

/* The running clock as its mode computes it, before the monotonic clamp. */
static int64_t vclock_running_raw(void)
{
    return icount_shift >= 0 ? icount_bias + icount_ns() : vclock_realtime();
}

static int64_t vclock_now(void)
{
    int64_t v = vm_running ? vclock_running_raw() : vclock_frozen;
    /* A source that steps back (a clock_set_icount_source swap, a host
     * clock quirk) must not make guest time run backwards. */
    if (v < vclock_last) {
        v = vclock_last;
    }
    vclock_last = v;
    return v;
}

/* Re-base the running mode so that it continues from v. */
static void vclock_rebase(int64_t v)
{
    if (icount_shift >= 0) {
        icount_bias = v - icount_ns();
    } else {
        realtime_offset = v - host_monotonic_ns();
    }
}

int64_t clock_get_ns(ClockType type)
{
    switch (type) {
    case CC_CLOCK_VIRTUAL:
        return vclock_now();
    case CC_CLOCK_REALTIME:
        return host_monotonic_ns();
    case CC_CLOCK_HOST:
        return timespec_ns(CLOCK_REALTIME);
    default:
        g_return_val_if_reached(0);
    }
}

void clock_configure(int shift)
{
    if (shift > CLOCK_ICOUNT_MAX_SHIFT) {
        g_warning("icount shift %d is too large; using %d", shift, CLOCK_ICOUNT_MAX_SHIFT);
        shift = CLOCK_ICOUNT_MAX_SHIFT;
    }
    icount_shift = shift < 0 ? -1 : shift;
    vm_running = false;
    vclock_frozen = 0;
    vclock_last = 0;
    icount_bias = 0;
    realtime_offset = 0;
    rt_paced = false;
}

void clock_set_paced(bool running)
{
    running = running && icount_shift < 0;
    if (running && !rt_paced) {
        rt_insns_seen = insns_now();
        rt_host_seen = host_monotonic_ns();
    }
    rt_paced = running;
}

bool clock_icount_enabled(void)
{
    return icount_shift >= 0;
}

int clock_icount_shift(void)
{
    return icount_shift;
}

uint64_t clock_insns_count(void)
{
    return insns_now();
}

void clock_set_icount_source(uint64_t (*get_insns)(void *opaque), void *opaque)
{
    int64_t now = vm_running ? vclock_now() : 0;
    icount_source = get_insns;
    icount_source_opaque = opaque;
    rt_insns_seen = insns_now();
    if (vm_running) {
        vclock_rebase(now);
    }
}

void clock_vm_start(void)
{
    if (vm_running) {
        return;
    }
    vclock_rebase(vclock_frozen);
    vm_running = true;
}

void clock_vm_stop(void)
{
    if (!vm_running) {
        return;
    }
    vclock_frozen = vclock_now();
    vm_running = false;
}

void clock_set_virtual_ns(int64_t ns)
{
    g_return_if_fail(!vm_running);
    vclock_frozen = ns;
    vclock_last = ns;
}

bool clock_vm_running(void)
{
    return vm_running;
}

void clock_icount_warp(int64_t ns)
{
    if (icount_shift < 0 || ns <= 0) {
        return;
    }
    if (vm_running) {
        icount_bias += ns;
    } else {
        vclock_frozen += ns;
    }
}
