/*
 * Machine run state: pending reset and shutdown requests, notifiers.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_MAIN_RUNSTATE_H
#define CORE_MAIN_RUNSTATE_H

#include <cardcage/system.h>

/* Why the machine resets or shuts down: QEMU's ShutdownCause, reported in
 * the RESET and SHUTDOWN events. */
typedef enum ShutdownCause {
    SHUTDOWN_CAUSE_NONE,
    SHUTDOWN_CAUSE_HOST_ERROR,         /* an error in the emulator */
    SHUTDOWN_CAUSE_HOST_QMP_QUIT,      /* quit */
    SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET, /* system_reset */
    SHUTDOWN_CAUSE_HOST_SIGNAL,        /* SIGINT, SIGTERM, SIGHUP */
    SHUTDOWN_CAUSE_HOST_UI,            /* the multiplexer's Ctrl-A x */
    SHUTDOWN_CAUSE_GUEST_SHUTDOWN,     /* the guest asked (isa-debug-exit, ...) */
    SHUTDOWN_CAUSE_GUEST_RESET,        /* the guest reset the machine */
    SHUTDOWN_CAUSE_GUEST_PANIC,
    SHUTDOWN_CAUSE_SUBSYSTEM_RESET,
} ShutdownCause;

/* QEMU's spelling of a cause: "host-qmp-quit". */
const char *shutdown_cause_name(ShutdownCause cause);
/* system_reset_request and system_shutdown_request with a cause other
 * than the guest's. */
void runstate_reset_request(ShutdownCause cause);
void runstate_shutdown_request(int exit_code, ShutdownCause cause);
/* SIGTERM and SIGHUP request a shutdown (host-signal) instead of killing
 * the process; for the main loop's start. */
void runstate_catch_signals(void);

/* Take a pending request (clearing it), emitting the RESET or SHUTDOWN
 * event.  The main loop polls these. */
bool runstate_take_reset_request(void);
bool runstate_take_shutdown_request(int *exit_code);
/* Peek without clearing (the CPU leaves its loop when either is set). */
bool runstate_request_pending(void);

void runstate_set_no_reboot(bool no_reboot);
/* The guest's name (-name), for query-name and info name; NULL: none. */
void runstate_set_guest_name(const char *name);
const char *runstate_guest_name(void);

struct CPUState;
/* Pause the machine (the CPU leaves its loop at the next block boundary,
 * the virtual clock stops) or let it run again; no-ops when it already
 * is.  The monitor's stop/cont and the debugger use these. */
void runstate_vm_stop(struct CPUState *cpu);
void runstate_vm_start(struct CPUState *cpu);
/* Name the stopped machine's state for query-status ("inmigrate",
 * "postmigrate"; a static string) until it runs again; NULL: the usual
 * names. */
void runstate_set_stopped_state(const char *name);
/* QEMU's RunState name for query-status: "running", "paused", "prelaunch"
 * (-S, never started) or "debug" (stopped by the debugger). */
const char *runstate_status_name(struct CPUState *cpu);
/* fn(opaque) runs on the main thread after each change of what
 * runstate_status_name says (a window's title follows it). */
void runstate_add_change_notifier(void (*fn)(void *opaque), void *opaque);
void runstate_remove_change_notifier(void (*fn)(void *opaque), void *opaque);

/* Called by the main loop when the CPU stopped for the debugger (a
 * breakpoint, the end of a single step), after the machine paused. */
typedef void RunstateDebugHandler(struct CPUState *cpu);
void runstate_set_debug_handler(RunstateDebugHandler *fn);
void runstate_debug_stopped(struct CPUState *cpu);

/* Reset every device (walking the tree from the system bus), then run the
 * reset notifiers. */
void runstate_system_reset(void);
void runstate_run_init_done_notifiers(void);

/* The board's values, set by the board loader. */
void board_set_ram_size(uint64_t size);
void board_set_cpu_counts(int count, int max);
/* -smp's cores per socket and threads per core (0: all CPUs in one socket,
 * one thread each), for query-cpus-fast's topology. */
void board_set_cpu_topology(int cores, int threads);
void board_get_cpu_topology(int *cores, int *threads);
void board_set_name(const char *name);
void board_add_firmware_dir(const char *dir);   /* searched in order added */

#endif
