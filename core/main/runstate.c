/*
 * Reset and shutdown requests, notifiers, and the board values devices may
 * ask for (include/cardcage/system.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <signal.h>
#include <string.h>
#include <glib-unix.h>
#include <json-c/json.h>
#include <cardcage/device.h>
#include <cardcage/qmp.h>
#include <cardcage/sysbus.h>
#include <cardcage/system.h>
#include "block/block-backend.h"
#include "main/runstate.h"
#include "cpu/cpu.h"
#include "timer/clock-internal.h"

static bool reset_requested;
static ShutdownCause reset_cause;
static bool shutdown_requested;
static ShutdownCause shutdown_cause;
static int shutdown_code;
static bool no_reboot;

typedef struct Notifier {
    void (*fn)(void *opaque);
    void *opaque;
} Notifier;

static GArray *init_done_notifiers;
static GArray *reset_notifiers;
static GArray *powerdown_notifiers;
static GArray *change_notifiers;     /* the run state's name changed */

static void add_notifier(GArray **list, void (*fn)(void *), void *opaque)
{
    if (!*list) {
        *list = g_array_new(FALSE, FALSE, sizeof(Notifier));
    }
    Notifier n = { fn, opaque };
    g_array_append_val(*list, n);
}

static void run_notifiers(GArray *list)
{
    for (guint i = 0; list && i < list->len; i++) {
        Notifier *n = &g_array_index(list, Notifier, i);
        n->fn(n->opaque);
    }
}

static void kick_cpus(void)
{
    for (CPUState *cpu = cpu_first(); cpu; cpu = cpu_next(cpu)) {
        cpu_interrupt(cpu, CPU_INTERRUPT_EXIT);
    }
}

const char *shutdown_cause_name(ShutdownCause cause)
{
    static const char *const names[] = {
        [SHUTDOWN_CAUSE_NONE] = "none",
        [SHUTDOWN_CAUSE_HOST_ERROR] = "host-error",
        [SHUTDOWN_CAUSE_HOST_QMP_QUIT] = "host-qmp-quit",
        [SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET] = "host-qmp-system-reset",
        [SHUTDOWN_CAUSE_HOST_SIGNAL] = "host-signal",
        [SHUTDOWN_CAUSE_HOST_UI] = "host-ui",
        [SHUTDOWN_CAUSE_GUEST_SHUTDOWN] = "guest-shutdown",
        [SHUTDOWN_CAUSE_GUEST_RESET] = "guest-reset",
        [SHUTDOWN_CAUSE_GUEST_PANIC] = "guest-panic",
        [SHUTDOWN_CAUSE_SUBSYSTEM_RESET] = "subsystem-reset",
    };
    return (unsigned)cause < CC_ARRAY_SIZE(names) ? names[cause] : "none";
}

static bool cause_is_guest(ShutdownCause cause)
{
    return cause >= SHUTDOWN_CAUSE_GUEST_SHUTDOWN && cause <= SHUTDOWN_CAUSE_GUEST_PANIC;
}

void runstate_reset_request(ShutdownCause cause)
{
    if (no_reboot) {
        /* -no-reboot: a reset ends the emulator successfully. */
        runstate_shutdown_request(0, cause);
        return;
    }
    reset_requested = true;
    reset_cause = cause;
    kick_cpus();
}

void runstate_shutdown_request(int exit_code, ShutdownCause cause)
{
    if (!shutdown_requested) {
        shutdown_requested = true;
        shutdown_code = exit_code;
        shutdown_cause = cause;
    }
    kick_cpus();
}

/* SIGTERM and SIGHUP end the emulator as QEMU does: an orderly shutdown
 * (output flushed, the terminal restored, SHUTDOWN with reason
 * host-signal sent) and exit status 0.  GLib turns the signal into a main
 * loop event, so nothing runs in the handler itself. */
static gboolean on_terminating_signal(gpointer opaque)
{
    int sig = GPOINTER_TO_INT(opaque);
    error_report("terminating on signal %d", sig);
    runstate_shutdown_request(0, SHUTDOWN_CAUSE_HOST_SIGNAL);
    return G_SOURCE_CONTINUE;
}

void runstate_catch_signals(void)
{
    g_unix_signal_add(SIGTERM, on_terminating_signal, GINT_TO_POINTER(SIGTERM));
    g_unix_signal_add(SIGHUP, on_terminating_signal, GINT_TO_POINTER(SIGHUP));
}

void system_reset_request(void)
{
    runstate_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
}

void system_shutdown_request(int exit_code)
{
    runstate_shutdown_request(exit_code, SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
}

/* RESET and SHUTDOWN carry the same data (QEMU's qapi/run-state.json). */
static void emit_cause_event(const char *name, ShutdownCause cause)
{
    json_object *data = json_object_new_object();
    json_object_object_add(data, "guest", json_object_new_boolean(cause_is_guest(cause)));
    json_object_object_add(data, "reason", json_object_new_string(shutdown_cause_name(cause)));
    qmp_event_emit(name, data);
}

bool runstate_take_reset_request(void)
{
    bool r = reset_requested;
    reset_requested = false;
    if (r) {
        emit_cause_event("RESET", reset_cause);
    }
    return r;
}

bool runstate_take_shutdown_request(int *exit_code)
{
    bool r = shutdown_requested;
    if (r && exit_code) {
        *exit_code = shutdown_code;
    }
    shutdown_requested = false;
    if (r) {
        emit_cause_event("SHUTDOWN", shutdown_cause);
    }
    return r;
}

bool runstate_request_pending(void)
{
    return reset_requested || shutdown_requested;
}

void runstate_set_no_reboot(bool value)
{
    no_reboot = value;
}

static char *guest_name;

void runstate_set_guest_name(const char *name)
{
    g_free(guest_name);
    guest_name = g_strdup(name);
}

const char *runstate_guest_name(void)
{
    return guest_name;
}

/* For query-status: whether the machine ever ran (-S keeps it in
 * "prelaunch" until cont) and whether the debugger stopped it. */
static bool vm_started;
static bool vm_debug_stopped;

/* A stop with a reason QEMU names (inmigrate, postmigrate), until the
 * machine runs again. */
static const char *stopped_state;

void runstate_set_stopped_state(const char *name)
{
    stopped_state = name;
    run_notifiers(change_notifiers);
}

/* The machine's run state is the first CPU's "stopped": with -smp the
 * others follow it, whichever CPU a caller names. */
static CPUState *machine_cpu(CPUState *cpu)
{
    return cpu && cpu_first() ? cpu_first() : cpu;
}

const char *runstate_status_name(CPUState *cpu)
{
    cpu = machine_cpu(cpu);
    if (cpu && cpu->stopped) {
        if (stopped_state) {
            return stopped_state;
        }
        return vm_debug_stopped ? "debug" : vm_started ? "paused" : "prelaunch";
    }
    return "running";
}

void runstate_vm_stop(CPUState *cpu)
{
    cpu = machine_cpu(cpu);
    if (cpu && !cpu->stopped) {
        vm_started = true;
        vm_debug_stopped = false;
        cpu->stopped = true;
        kick_cpus();
        clock_vm_stop();
        qmp_event_emit("STOP", NULL);
        run_notifiers(change_notifiers);
    }
}

void runstate_vm_start(CPUState *cpu)
{
    cpu = machine_cpu(cpu);
    if (cpu && cpu->stopped) {
        vm_started = true;
        vm_debug_stopped = false;
        stopped_state = NULL;
        cpu->stopped = false;
        clock_vm_start();
        qmp_event_emit("RESUME", NULL);
        /* Requests werror/rerror=stop held are retried now. */
        blk_resume_stopped();
        run_notifiers(change_notifiers);
    }
}

static RunstateDebugHandler *debug_handler;

void runstate_set_debug_handler(RunstateDebugHandler *fn)
{
    debug_handler = fn;
}

void runstate_debug_stopped(CPUState *cpu)
{
    runstate_vm_stop(cpu);
    vm_debug_stopped = cpu != NULL;
    run_notifiers(change_notifiers);
    if (debug_handler) {
        debug_handler(cpu);
    }
}

void system_add_init_done_notifier(void (*fn)(void *opaque), void *opaque)
{
    add_notifier(&init_done_notifiers, fn, opaque);
}

void system_add_reset_notifier(void (*fn)(void *opaque), void *opaque)
{
    add_notifier(&reset_notifiers, fn, opaque);
}

void system_add_powerdown_notifier(void (*fn)(void *opaque), void *opaque)
{
    add_notifier(&powerdown_notifiers, fn, opaque);
}

static void remove_notifier(GArray *list, void (*fn)(void *), void *opaque)
{
    for (guint i = 0; list && i < list->len; i++) {
        Notifier *n = &g_array_index(list, Notifier, i);
        if (n->fn == fn && n->opaque == opaque) {
            g_array_remove_index(list, i);
            return;
        }
    }
}

void system_remove_powerdown_notifier(void (*fn)(void *opaque), void *opaque)
{
    remove_notifier(powerdown_notifiers, fn, opaque);
}

void runstate_add_change_notifier(void (*fn)(void *opaque), void *opaque)
{
    add_notifier(&change_notifiers, fn, opaque);
}

void runstate_remove_change_notifier(void (*fn)(void *opaque), void *opaque)
{
    remove_notifier(change_notifiers, fn, opaque);
}

void system_powerdown_request(void)
{
    run_notifiers(powerdown_notifiers);
}

void runstate_run_init_done_notifiers(void)
{
    run_notifiers(init_done_notifiers);
}

void runstate_system_reset(void)
{
    bus_cold_reset(sysbus_get_default());
    run_notifiers(reset_notifiers);
}

/* ---- board values ---- */

static uint64_t ram_size;
static char *board_name;
static GPtrArray *firmware_dirs;

void board_set_ram_size(uint64_t size)
{
    ram_size = size;
}

uint64_t board_ram_size(void)
{
    return ram_size;
}

static int cpu_count = 1, cpu_max = 1;

void board_set_cpu_counts(int count, int max)
{
    cpu_count = count;
    cpu_max = max;
}

static int topo_cores, topo_threads;

void board_set_cpu_topology(int cores, int threads)
{
    topo_cores = cores;
    topo_threads = threads;
}

void board_get_cpu_topology(int *cores, int *threads)
{
    *threads = topo_threads > 0 ? topo_threads : 1;
    *cores = topo_cores > 0 ? topo_cores : MAX(cpu_max / *threads, 1);
}

int board_cpu_count(void)
{
    return cpu_count;
}

int board_cpu_max(void)
{
    return cpu_max;
}

void board_set_name(const char *name)
{
    g_free(board_name);
    board_name = g_strdup(name);
}

const char *board_get_name(void)
{
    return board_name ? board_name : "none";
}

void board_add_firmware_dir(const char *dir)
{
    if (!firmware_dirs) {
        firmware_dirs = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(firmware_dirs, NULL);
    }
    for (guint i = 0; i + 1 < firmware_dirs->len; i++) {
        if (!g_strcmp0(g_ptr_array_index(firmware_dirs, i), dir)) {
            return;
        }
    }
    /* Keep the array NULL-terminated for board_firmware_dirs. */
    g_ptr_array_insert(firmware_dirs, firmware_dirs->len - 1, g_strdup(dir));
}

const char *const *board_firmware_dirs(void)
{
    static const char *const none[] = { NULL };
    return firmware_dirs ? (const char *const *)firmware_dirs->pdata : none;
}

char *board_find_firmware(const char *name)
{
    if (g_path_is_absolute(name) || strchr(name, '/')) {
        return g_file_test(name, G_FILE_TEST_IS_REGULAR) ? g_strdup(name) : NULL;
    }
    /* A file named on the command line is found where the user is, as in
     * QEMU; then the firmware directories. */
    if (g_file_test(name, G_FILE_TEST_IS_REGULAR)) {
        return g_strdup(name);
    }
    for (const char *const *d = board_firmware_dirs(); *d; d++) {
        char *path = g_build_filename(*d, name, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
            return path;
        }
        g_free(path);
    }
    return NULL;
}
