/*
 * The three clocks.  CC_CLOCK_VIRTUAL is the guest's time: 0 when the
 * machine is created, frozen while it is stopped, and while it runs either
 * host monotonic time plus an offset (real-time mode) or
 * bias + (instructions << shift) (icount mode).  It never goes backwards.
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

static int64_t icount_ns(void)
{
    uint64_t insns = icount_source ? icount_source(icount_source_opaque) : 0;
    return (int64_t)(insns << icount_shift);
}

/* The running clock as its mode computes it, before the monotonic clamp. */
static int64_t vclock_running_raw(void)
{
    return icount_shift >= 0 ? icount_bias + icount_ns()
                             : host_monotonic_ns() + realtime_offset;
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
}

bool clock_icount_enabled(void)
{
    return icount_shift >= 0;
}

int clock_icount_shift(void)
{
    return icount_shift;
}

void clock_set_icount_source(uint64_t (*get_insns)(void *opaque), void *opaque)
{
    int64_t now = vm_running ? vclock_now() : 0;
    icount_source = get_insns;
    icount_source_opaque = opaque;
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
