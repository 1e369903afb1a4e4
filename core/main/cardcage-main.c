/*
 * cardcage_main: start-up in the classic order.
 *
 *   module_call_init(QOM) -> options -> plugins -> module_call_init(MACHINE)
 *   -> machine selection -> module_call_init(BLOCK) -> machine init from the
 *   board -> init-done notifiers -> system reset -> main loop
 *
 * Every failure before the main loop is reported with one message and exit
 * status 1.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>
#include <cardcage/cardcage.h>
#include <cardcage/embed.h>
#include "cardcage-config.h"
#include "board/board.h"
#include "boot/boot.h"
#include "chardev/chardev-internal.h"
#include "cpu/cpu.h"
#include "device/device-internal.h"
#include "gdbstub/gdbstub.h"
#include "main/main-loop.h"
#include "main/options.h"
#include "main/runstate.h"
#include "memory/memory-internal.h"
#include "migration/migration.h"
#include "module/plugin-loader.h"
#include "monitor/monitor.h"
#include "qmp/qmp-internal.h"
#include "timer/clock-internal.h"
#include "util/log-internal.h"

/* Firmware shipped by Debian packages that boards commonly name. */
static const char *const system_firmware_dirs[] = {
    "/usr/share/seabios",
    "/usr/lib/ipxe/qemu",
    "/usr/share/qemu",
};

static void print_cpu_help(FILE *out)
{
    GSList *list = object_class_get_list(TYPE_CPU, true);
    bool any = false;
    for (GSList *l = list; l; l = l->next) {
        CPUClass *cc = CPU_CLASS(l->data);
        /* Each CPU family prints its models and features once, from its
         * abstract base class. */
        if (object_class_is_abstract(l->data) && cc->list &&
            object_class_get_parent(l->data) == object_class_by_name(TYPE_CPU)) {
            cc->list(out);
            any = true;
        }
    }
    if (!any) {
        fprintf(out, "No CPU models are available.\n");
    }
    g_slist_free(list);
}

static bool setup_firmware_dirs(const Options *o, const Board *b)
{
    for (guint i = 0; i < o->lib_dirs->len; i++) {
        board_add_firmware_dir(g_ptr_array_index(o->lib_dirs, i));
    }
    if (b) {
        board_add_firmware_dir(b->dir);
    }
    board_add_firmware_dir(CARDCAGE_FIRMWARE_DIR);
    for (size_t i = 0; i < CC_ARRAY_SIZE(system_firmware_dirs); i++) {
        board_add_firmware_dir(system_firmware_dirs[i]);
    }
    return true;
}

/* serial0..3, debugcon and monitor exist whatever the options, so boards
 * can always name them. */
static bool setup_chardevs(const Options *o, Error **errp)
{
    for (guint i = 0; i < o->chardevs->len; i++) {
        if (!chardev_new_from_opts(g_ptr_array_index(o->chardevs, i), errp)) {
            error_prepend(errp, "-chardev %s: ", (char *)g_ptr_array_index(o->chardevs, i));
            return false;
        }
    }
    for (int i = 0; i < MAX_SERIAL_PORTS; i++) {
        char id[16];
        snprintf(id, sizeof(id), "serial%d", i);
        const char *spec = i < o->nb_serial ? o->serial[i] : NULL;
        if (!spec) {
            /* There is no display yet: the first port goes to stdio, shared
             * with the monitor (Ctrl-A c) as QEMU's -nographic does, unless
             * -monitor said where the monitor goes. */
            bool stdio_free = (!o->monitor || strcmp(o->monitor, "stdio")) &&
                              !qmp_specs_use_stdio(o->mons);
            spec = i > 0 || !stdio_free ? "null"
                   : o->monitor || o->mons->len ? "stdio" : "mon:stdio";
        } else if (!strcmp(spec, "none")) {
            spec = "null";
        }
        if (!chardev_find(id) && !chardev_new_from_spec(id, spec, errp)) {
            error_prepend(errp, "-serial %s: ", spec);
            return false;
        }
    }
    if (!chardev_find("debugcon") &&
        !chardev_new_from_spec("debugcon", o->debugcon ? o->debugcon : "null", errp)) {
        error_prepend(errp, "-debugcon %s: ", o->debugcon);
        return false;
    }
    if (o->monitor && !chardev_new_from_spec("monitor", o->monitor, errp)) {
        error_prepend(errp, "-monitor %s: ", o->monitor);
        return false;
    }
    return true;
}

static bool apply_edits(Board *b, const Options *o, Error **errp)
{
    for (guint i = 0; i < o->edits->len; i++) {
        BoardEdit *e = g_ptr_array_index(o->edits, i);
        bool ok = true;
        switch (e->kind) {
        case EDIT_SET:
            ok = board_apply_set(b, e->spec, errp);
            break;
        case EDIT_DEVICE:
            ok = board_add_device_spec(b, e->spec, (int)i, errp);
            break;
        case EDIT_REMOVE: {
            char *path = g_strdup_printf("-remove %s", e->spec);
            ok = board_remove_device(b, e->spec, "command line", path, errp);
            g_free(path);
            break;
        }
        }
        if (!ok) {
            return false;
        }
    }
    return true;
}

static bool register_globals(const Options *o, Error **errp)
{
    for (guint i = 0; i < o->globals->len; i++) {
        const char *g = g_ptr_array_index(o->globals, i);
        const char *dot = strchr(g, '.');
        const char *eq = strchr(g, '=');
        char *type = g_strndup(g, dot - g);
        char *prop = g_strndup(dot + 1, eq - dot - 1);
        object_register_global(type, prop, eq + 1);
        g_free(type);
        g_free(prop);
    }
    if (o->rtc_base) {
        object_register_global("mc146818rtc", "base", o->rtc_base);
    }
    return object_check_globals(errp);
}

/* -incoming: load the saved machine over the one just built and reset
 * ("defer" waits, stopped, for migrate-incoming). */
static bool start_incoming(const Options *o, Error **errp)
{
    if (!o->incoming) {
        return true;
    }
    migration_set_incoming_uri(o->incoming, !o->start_stopped);
    if (!strcmp(o->incoming, "defer")) {
        runstate_set_stopped_state("inmigrate");
        return true;
    }
    if (!migration_incoming(o->incoming, errp)) {
        error_prepend(errp, "-incoming %s: ", o->incoming);
        return false;
    }
    return true;
}

/* The parts of start-up after option parsing; returns the exit status. */
static int run(Options *o, int64_t t0)
{
    Error *err = NULL;

    /* The core's categories now (-d plugin shows the loading); all of
     * them, the plugins' included, once the plugins are loaded. */
    log_enabled_mask = o->log_items ? log_parse_known(o->log_items) : 0;
    if (o->log_file && !log_set_file(o->log_file, &err)) {
        goto fail;
    }

    plugin_add_default_dirs();
    for (guint i = 0; i < o->lib_dirs->len; i++) {
        plugin_add_dir(g_ptr_array_index(o->lib_dirs, i));
    }
    plugin_load_all(false);
    log_mask(LOG_STARTUP, "startup: plugins loaded after %" G_GINT64_FORMAT " us\n",
             (host_monotonic_ns() - t0) / 1000);
    if (o->log_help) {
        log_list_categories(stdout);
        return 0;
    }
    if (o->log_items && !log_parse_mask(o->log_items, &log_enabled_mask, &err)) {
        goto fail;
    }

    module_call_init(MODULE_INIT_MACHINE);
    module_call_init(MODULE_INIT_QAPI);

    if (o->list_plugins) {
        plugin_print_list(stdout);
        return 0;
    }
    if (o->machine_help) {
        board_print_list(stdout);
        return 0;
    }
    if (o->device_help) {
        device_print_type_list(stdout);
        return 0;
    }
    if (o->device_type_help) {
        if (!device_print_type_help(stdout, o->device_type_help, &err)) {
            goto fail;
        }
        return 0;
    }
    if (o->cpu_help) {
        print_cpu_help(stdout);
        return 0;
    }

    /* Machine selection. */
    const char *name = o->machine ? o->machine : "pc";
    bool by_path = strchr(name, '/') || g_str_has_suffix(name, ".json");
    const char *file = by_path ? name : machine_find_board_file(name);
    if (!file) {
        error_setg(&err, "-M %s: no such board (-M help lists the boards)", name);
        goto fail;
    }
    Board *board = board_load(file, &err);
    if (!board) {
        goto fail;
    }
    module_call_init(MODULE_INIT_BLOCK);

    if (!apply_edits(board, o, &err) || !register_globals(o, &err)) {
        board_free(board);
        goto fail;
    }
    setup_firmware_dirs(o, board);
    clock_configure(o->icount_shift);
    memory_init();
    runstate_set_no_reboot(o->no_reboot);
    if (!setup_chardevs(o, &err)) {
        board_free(board);
        goto fail;
    }

    char *model = NULL, *features = NULL;
    if (o->cpu) {
        const char *comma = strchr(o->cpu, ',');
        model = comma ? g_strndup(o->cpu, comma - o->cpu) : g_strdup(o->cpu);
        features = comma ? g_strdup(comma + 1) : NULL;
    }
    BoardBuildOptions bopts = {
        .ram_size = o->ram_size,
        .bios = o->bios,
        .cpu_model = model,
        .cpu_features = features,
        .direct_kernel = o->kernel != NULL && !o->kernel_via_firmware,
    };
    bool built = board_build(board, &bopts, &err);
    g_free(model);
    g_free(features);
    board_free(board);
    if (!built) {
        goto fail;
    }
    CPUState *cpu = board_get_cpu();

    if (o->kernel) {
        BootOptions boot = {
            .kernel = o->kernel, .initrd = o->initrd, .cmdline = o->append,
            .via_firmware = o->kernel_via_firmware,
        };
        if (!boot_prepare(&boot, cpu, &err)) {
            goto fail;
        }
    } else if (o->initrd || o->append) {
        error_setg(&err, "%s needs -kernel", o->initrd ? "-initrd" : "-append");
        goto fail;
    }
    if (o->monitor && !monitor_start("monitor", &err)) {
        goto fail;
    }
    /* A monitor on each serial port given as mon:SPEC. */
    for (int i = 0; i < MAX_SERIAL_PORTS; i++) {
        char id[16];
        snprintf(id, sizeof(id), "serial%d", i);
        if (chardev_is_mux(chardev_find(id)) && !monitor_start(id, &err)) {
            goto fail;
        }
    }
    if (!qmp_start_from_options(o->mons, &err)) {
        goto fail;
    }
    runstate_catch_signals();

    runstate_run_init_done_notifiers();
    runstate_system_reset();
    if (!start_incoming(o, &err)) {
        goto fail;
    }
    if (cpu && (o->start_stopped || migration_incoming_pending())) {
        cpu->stopped = true;
    } else {
        if (cpu) {
            cpu->stopped = false;
        }
        clock_vm_start();
    }
    /* After the run state is set: gdb attaching pauses the machine. */
    if (o->gdb && !gdbstub_start(o->gdb, cpu, &err)) {
        goto fail;
    }
    log_mask(LOG_STARTUP, "startup: machine built after %" G_GINT64_FORMAT " us\n",
             (host_monotonic_ns() - t0) / 1000);
    if (!cpu) {
        warn_report("board '%s' has no CPU: nothing to run", board_get_name());
    }
    return main_loop_run(cpu);

fail:
    error_report_err(err);
    return 1;
}

int cardcage_main(int argc, char **argv)
{
    int64_t t0 = host_monotonic_ns();
    main_loop_set_startup_time(t0);
    module_call_init(MODULE_INIT_QOM);

    Options o;
    options_init(&o);
    Error *err = NULL;
    int status;
    if (!options_parse(&o, argc, argv, &err)) {
        error_report_err(err);
        status = 1;
    } else if (o.help) {
        options_print_help(stdout);
        status = 0;
    } else if (o.version) {
        printf("cardcage %s (plugin ABI %d.%d)\n", CARDCAGE_VERSION, CARDCAGE_ABI_MAJOR,
               CARDCAGE_ABI_MINOR);
        status = 0;
    } else {
        status = run(&o, t0);
    }
    options_free(&o);
    chardev_cleanup_all();
    monitor_cleanup_all();
    fflush(stdout);
    return status;
}
