/*
 * The main loop: one thread that runs the CPU in slices, runs the timers
 * that fall due, and services host I/O through GLib's default main context.
 *
 * Why one thread: devices, timers and host I/O then never race, so device
 * models need no locks and an -icount run is reproducible bit for bit.  The
 * price is that host I/O is only looked at between CPU slices; slices are
 * therefore bounded to about a millisecond of host time.
 *
 * Several CPUs run in turn, round robin, as QEMU's single-threaded TCG
 * runs them: each runnable CPU gets a slice (at most SMP_SLICE_INSNS
 * instructions, so that the others make progress), a halted one is passed
 * over, and one that spins on PAUSE gives up the rest of its slice.  Which
 * CPU runs when depends only on instruction counts and the virtual clock,
 * so -icount runs stay reproducible.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <cardcage/log.h>
#include <cardcage/timer.h>
#include "cpu/cpu.h"
#include "main/io-watch.h"
#include "main/main-loop.h"
#include "main/runstate.h"
#include "migration/migration.h"
#include "timer/clock-internal.h"

/* Host time between two looks at host I/O while the CPU is busy. */
#define HOST_POLL_INTERVAL_NS 1000000
/* Bounds of a real-time slice, in instructions. */
#define SLICE_MIN_INSNS 256
#define SLICE_MAX_INSNS (8 << 20)
/* A CPU's turn while other CPUs are runnable. */
#define SMP_SLICE_INSNS (64 << 10)

static double insns_per_ns = 0.1;    /* running estimate, real-time mode */
static bool first_insn_logged;
static int64_t startup_t0;

void main_loop_set_startup_time(int64_t t0)
{
    startup_t0 = t0;
}

/* Poll the GLib default context's sources, waiting at most timeout_ns
 * (-1: until something happens), and dispatch what is ready.  With
 * busy_cpu, the CPU runs next: the input watcher then looks out for the
 * same descriptors meanwhile. */
static void poll_host(int64_t timeout_ns, CPUState *busy_cpu)
{
    GMainContext *ctx = g_main_context_default();
    static GPollFD *fds;
    static gint nfds_alloc;
    gint max_priority, glib_timeout;

    if (!g_main_context_acquire(ctx)) {
        return;
    }
    g_main_context_prepare(ctx, &max_priority);
    gint n;
    while ((n = g_main_context_query(ctx, max_priority, &glib_timeout, fds, nfds_alloc)) >
           nfds_alloc) {
        nfds_alloc = n;
        fds = g_renew(GPollFD, fds, nfds_alloc);
    }
    if (glib_timeout >= 0) {
        int64_t g_ns = (int64_t)glib_timeout * 1000000;
        if (timeout_ns < 0 || g_ns < timeout_ns) {
            timeout_ns = g_ns;
        }
    }
    struct timespec ts, *tsp = NULL;
    if (timeout_ns >= 0) {
        ts.tv_sec = timeout_ns / NANOSECONDS_PER_SECOND;
        ts.tv_nsec = timeout_ns % NANOSECONDS_PER_SECOND;
        tsp = &ts;
    }
    /* GPollFD has the layout of struct pollfd on Linux. */
    G_STATIC_ASSERT(sizeof(GPollFD) == sizeof(struct pollfd));
    if (n || tsp) {
        if (ppoll((struct pollfd *)fds, n, tsp, NULL) < 0 && errno != EINTR) {
            n = 0;
        }
    }
    if (g_main_context_check(ctx, max_priority, fds, n)) {
        g_main_context_dispatch(ctx);
    }
    g_main_context_release(ctx);
    if (busy_cpu) {
        io_watch_arm(busy_cpu, fds, n);
    }
}

void main_loop_poll_host(int64_t timeout_ns)
{
    poll_host(timeout_ns, NULL);
}

/* Instructions to run before the next look at timers and I/O. */
static int64_t slice_budget(void)
{
    int64_t deadline = timers_deadline_ns(CC_CLOCK_VIRTUAL);
    if (clock_icount_enabled()) {
        /* Exactly up to the next deadline, so timers fire at exact
         * instruction counts. */
        if (deadline < 0) {
            return SLICE_MAX_INSNS;
        }
        int64_t n = deadline >> clock_icount_shift();
        return n > 0 ? MIN(n, (int64_t)SLICE_MAX_INSNS) : 1;
    }
    int64_t ns = HOST_POLL_INTERVAL_NS;
    if (deadline >= 0 && deadline < ns) {
        ns = deadline;
    }
    int64_t n = (int64_t)(ns * insns_per_ns);
    return CLAMP(n, SLICE_MIN_INSNS, SLICE_MAX_INSNS);
}

/* The CPU that runs now (NULL between slices). */
static CPUState *running_cpu;

static void run_cpu_slice(CPUState *cpu, bool others_runnable)
{
    int64_t budget = cpu->singlestep ? 1 : slice_budget();
    if (others_runnable && budget > SMP_SLICE_INSNS) {
        budget = SMP_SLICE_INSNS;
    }
    if (!first_insn_logged) {
        first_insn_logged = true;
        int64_t now = host_monotonic_ns();
        log_mask(LOG_STARTUP, "startup: first guest instruction at monotonic %" G_GINT64_FORMAT
                 " ns, %" G_GINT64_FORMAT " us after start-up began\n", now,
                 (now - startup_t0) / 1000);
    }
    /* exit_request is left as it is: an interrupt raised between slices
     * (by a timer, or host input) set it, and the CPU must see it at its
     * first block boundary; the CPU clears it when it handles events.
     * But a request to end the slice (CPU_INTERRUPT_EXIT) made before it
     * began is spent: the loop has run the timers and taken the reset and
     * shutdown requests since, and this slice is sized afresh.  Keeping it
     * would end the slice before its first block, and a timer that falls
     * due at every turn (re-armed in the past, or at a period shorter than
     * a turn) would then stop the CPU for good. */
    cpu_reset_interrupt(cpu, CPU_INTERRUPT_EXIT);
    int64_t t0 = host_monotonic_ns();
    uint64_t work0 = clock_insns_count();
    running_cpu = cpu;
    cpu_set_current(cpu);
    CPU_GET_CLASS(cpu)->exec(cpu, budget);
    cpu_set_current(NULL);
    running_cpu = NULL;
    int64_t dt = host_monotonic_ns() - t0;
    /* The rate is of the work the clock counts: instructions, and in
     * real-time mode the elements of REP string instructions, which also
     * end a slice when they reach its budget; so a guest that spends its
     * time in long REPs gets slices of the same host length as any. */
    uint64_t ran = clock_insns_count() - work0;
    if (ran > 1000 && dt > 1000) {
        /* A slow-moving average keeps one odd slice from skewing it. */
        insns_per_ns = insns_per_ns * 0.75 + ((double)ran / dt) * 0.25;
    }
}

/* A device armed a virtual timer earlier than any before: the CPU slice in
 * progress was sized for the old deadline, so end it at the next block
 * boundary and size the next one afresh. */
static void deadline_moved(void *opaque, ClockType type)
{
    if (type == CC_CLOCK_VIRTUAL && running_cpu) {
        cpu_interrupt(running_cpu, CPU_INTERRUPT_EXIT);
    }
}

/* The machine's run state is the first CPU's "stopped" (runstate.c);
 * the others follow it. */
static bool machine_runnable(CPUState *first, CPUState *cpu)
{
    if (!cpu || first->stopped) {
        return false;
    }
    return !cpu->halted || CPU_GET_CLASS(cpu)->has_work(cpu);
}

static CPUState *next_cpu(CPUState *first, CPUState *cpu)
{
    CPUState *n = cpu ? cpu_next(cpu) : NULL;
    return n ? n : first;
}

/* Run the next runnable CPU after the one that ran last for one slice
 * (then the loop runs the timers and looks at requests, as between two
 * slices of one CPU). */
static void run_next_cpu(CPUState *first, CPUState **last)
{
    CPUState *cpu = next_cpu(first, *last);
    CPUState *stop = cpu;
    do {
        if (machine_runnable(first, cpu)) {
            bool others = false;
            for (CPUState *o = first; o && !others; o = cpu_next(o)) {
                others = o != cpu && machine_runnable(first, o);
            }
            run_cpu_slice(cpu, others);
            *last = cpu;
            if (cpu->debug_stop) {
                cpu->debug_stop = false;
                runstate_debug_stopped(cpu);
            }
            return;
        }
        cpu = next_cpu(first, cpu);
    } while (cpu != stop);
}

static bool any_runnable(CPUState *first)
{
    for (CPUState *c = first; c; c = cpu_next(c)) {
        if (machine_runnable(first, c)) {
            return true;
        }
    }
    return false;
}

int main_loop_run(CPUState *cpu)
{
    int64_t last_poll = host_monotonic_ns();
    CPUState *last = NULL;
    if (cpu) {
        timers_set_deadline_notify(deadline_moved, NULL);
    }
    for (;;) {
        int code;
        if (runstate_take_shutdown_request(&code)) {
            return code;
        }
        if (runstate_take_reset_request()) {
            runstate_system_reset();
        }
        if (cpu) {
            /* The guest's clock is paced by its instructions while it runs
             * (clock.c): a stall of this process between two of its
             * reads must not look like time passing for it. */
            clock_set_paced(any_runnable(cpu));
            run_next_cpu(cpu, &last);
        }
        timers_run_expired(CC_CLOCK_VIRTUAL);
        timers_run_expired(CC_CLOCK_REALTIME);
        timers_run_expired(CC_CLOCK_HOST);
        /* A live migration sends a bounded piece of RAM per turn. */
        bool migrating = migration_iterate();
        if (runstate_request_pending()) {
            continue;
        }

        int64_t now = host_monotonic_ns();
        if (cpu && any_runnable(cpu)) {
            if (now - last_poll >= HOST_POLL_INTERVAL_NS || io_watch_take_fired()) {
                poll_host(0, next_cpu(cpu, last));
                last_poll = now;
            }
            continue;
        }

        /* Idle: the CPU is halted or stopped, and its clock follows the
         * host's again. */
        clock_set_paced(false);
        int64_t vdl = clock_vm_running() ? timers_deadline_ns(CC_CLOCK_VIRTUAL) : -1;
        if (clock_icount_enabled() && vdl > 0 && cpu && !cpu->stopped) {
            /* Nothing runs until that deadline: jump there. */
            clock_icount_warp(vdl);
            main_loop_poll_host(0);
            continue;
        }
        int64_t timeout = clock_icount_enabled() && vdl > 0 ? -1 : vdl;
        if (migrating) {
            timeout = 0;
        }
        int64_t rdl = timers_deadline_ns(CC_CLOCK_REALTIME);
        if (rdl >= 0 && (timeout < 0 || rdl < timeout)) {
            timeout = rdl;
        }
        int64_t hdl = timers_deadline_ns(CC_CLOCK_HOST);
        if (hdl >= 0 && (timeout < 0 || hdl < timeout)) {
            timeout = hdl;
        }
        main_loop_poll_host(timeout);
        last_poll = host_monotonic_ns();
    }
}
