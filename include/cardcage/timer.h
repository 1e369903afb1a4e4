/*
 * cardcage plugin SDK: clocks and timers.
 *
 * CC_CLOCK_VIRTUAL is guest time in nanoseconds.  It starts at 0 when the
 * machine is created and stands still while the machine is paused.  In the
 * default real-time mode it follows the host's monotonic clock while the
 * machine runs; with -icount shift=N it is (instructions executed) << N, so a
 * run is reproducible.  Device models use this clock and nothing else for
 * guest-visible time (counters, periodic interrupts); they compute counter
 * values from it instead of ticking.
 *
 * CC_CLOCK_REALTIME is the host monotonic clock (for host-side work such as
 * display refresh); CC_CLOCK_HOST is host wall-clock time (nanoseconds since
 * the Unix epoch), used to seed the RTC.
 *
 * Timers belong to one clock, fire in deadline order from the main loop
 * (never from inside a device's I/O handler), and may be re-armed or
 * cancelled from anywhere, including their own callback.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_TIMER_H
#define CARDCAGE_TIMER_H

#include <cardcage/compiler.h>

typedef enum {
    CC_CLOCK_VIRTUAL,
    CC_CLOCK_REALTIME,
    CC_CLOCK_HOST,
    CC_CLOCK_MAX
} ClockType;

#define NANOSECONDS_PER_SECOND 1000000000LL

typedef struct Timer Timer;
typedef void TimerCallback(void *opaque);

CC_API int64_t clock_get_ns(ClockType type);
static inline int64_t clock_get_ms(ClockType type)
{
    return clock_get_ns(type) / 1000000;
}

CC_API Timer *timer_new_ns(ClockType type, TimerCallback *cb, void *opaque);
/* Cancel (if armed) and free. */
CC_API void timer_free(Timer *t);
/* Arm (or re-arm) to fire when the clock reaches expire_ns.  A time in the
 * past fires at the next opportunity. */
CC_API void timer_mod_ns(Timer *t, int64_t expire_ns);
/* Arm only if not armed, or armed later than expire_ns. */
CC_API void timer_mod_ns_earlier(Timer *t, int64_t expire_ns);
CC_API void timer_del(Timer *t);
CC_API bool timer_pending(const Timer *t);
/* The deadline of an armed timer, or -1. */
CC_API int64_t timer_expire_time_ns(const Timer *t);

/* Multiply a 64-bit value by a/b without overflow (counter <-> ns maths). */
static inline uint64_t muldiv64(uint64_t v, uint32_t a, uint32_t b)
{
    return (uint64_t)(((unsigned __int128)v * a) / b);
}

#endif
