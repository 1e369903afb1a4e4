/*
 * Reset and shutdown requests, notifiers, and the board values devices may
 * ask for (include/cardcage/system.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/device.h>
#include <cardcage/sysbus.h>
#include <cardcage/system.h>
#include "main/runstate.h"
#include "cpu/cpu.h"
#include "timer/clock-internal.h"

static bool reset_requested;
static bool shutdown_requested;
static int shutdown_code;
static bool no_reboot;

typedef struct Notifier {
    void (*fn)(void *opaque);
    void *opaque;
} Notifier;

static GArray *init_done_notifiers;
static GArray *reset_notifiers;

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

void system_reset_request(void)
{
    if (no_reboot) {
        /* -no-reboot: a guest reset ends the emulator successfully. */
        system_shutdown_request(0);
        return;
    }
    reset_requested = true;
    kick_cpus();
}

void system_shutdown_request(int exit_code)
{
    if (!shutdown_requested) {
        shutdown_requested = true;
        shutdown_code = exit_code;
    }
    kick_cpus();
}

bool runstate_take_reset_request(void)
{
    bool r = reset_requested;
    reset_requested = false;
    return r;
}

bool runstate_take_shutdown_request(int *exit_code)
{
    bool r = shutdown_requested;
    if (r && exit_code) {
        *exit_code = shutdown_code;
    }
    shutdown_requested = false;
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

void runstate_vm_stop(CPUState *cpu)
{
    if (cpu && !cpu->stopped) {
        cpu->stopped = true;
        cpu_interrupt(cpu, CPU_INTERRUPT_EXIT);
        clock_vm_stop();
    }
}

void runstate_vm_start(CPUState *cpu)
{
    if (cpu && cpu->stopped) {
        cpu->stopped = false;
        clock_vm_start();
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
