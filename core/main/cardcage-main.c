/*
 * cardcage_main: start-up in the classic order, one function per phase:
 *
 *   module_call_init(QOM) -> options -> phase_logging -> phase_plugins
 *   (plugins, MACHINE, QAPI) -> phase_help -> phase_select_machine (board
 *   file, BLOCK) -> phase_edit_board (command-line edits, the netdevs and
 *   cards of -netdev/-nic/-net, globals) ->
 *   phase_backends (chardevs) -> phase_build -> phase_boot (-kernel) ->
 *   phase_monitors -> phase_run (init-done notifiers, system reset, main
 *   loop)
 *
 * The core names no plugin type: what -serial, -debugcon and -rtc reach is
 * the board's "options" (docs/board-format.md).
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
#include "acpi/acpi-internal.h"
#include "board/board.h"
#include "boot/boot.h"
#include "chardev/chardev-internal.h"
#include "block/drive.h"
#include "cpu/cpu.h"
#include "device/device-internal.h"
#include "gdbstub/gdbstub.h"
#include "main/main-loop.h"
#include "main/options.h"
#include "main/runstate.h"
#include "memory/memory-internal.h"
#include "migration/migration.h"
#include "net/net-cli.h"
#include "net/net-internal.h"
#include "migration/savevm.h"
#include "module/plugin-loader.h"
#include "monitor/monitor.h"
#include "qmp/qmp-internal.h"
#include "timer/clock-internal.h"
#include "ui/vnc.h"
#include "util/keyval.h"
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

/* ---- start-up phases, in order (run() below) ---- */

/* Phase 1: logging, from -d and -D: the core's categories now (-d plugin
 * shows the loading); all of them, the plugins' included, once the plugins
 * are loaded (phase_plugins). */
static bool phase_logging(const Options *o, Error **errp)
{
    log_enabled_mask = o->log_items ? log_parse_known(o->log_items) : 0;
    return !o->log_file || log_set_file(o->log_file, errp);
}

/* Phase 2: plugins from the built-in directory, CARDCAGE_PLUGIN_PATH and
 * -L; then the machine types (one per board file) and the QAPI modules. */
static bool phase_plugins(const Options *o, int64_t t0, Error **errp)
{
    plugin_add_default_dirs();
    for (guint i = 0; i < o->lib_dirs->len; i++) {
        plugin_add_dir(g_ptr_array_index(o->lib_dirs, i));
    }
    plugin_load_all(false);
    log_mask(LOG_STARTUP, "startup: plugins loaded after %" G_GINT64_FORMAT " us\n",
             (host_monotonic_ns() - t0) / 1000);
    module_call_init(MODULE_INIT_MACHINE);
    module_call_init(MODULE_INIT_QAPI);
    return o->log_help || !o->log_items ||
           log_parse_mask(o->log_items, &log_enabled_mask, errp);
}

/* Phase 3: the help outputs that need the plugins.  Returns the exit
 * status, or -1 when no help was asked for. */
static int phase_help(const Options *o, Error **errp)
{
    int which;
    if (o->log_help) {
        log_list_categories(stdout);
    } else if (o->list_plugins) {
        plugin_print_list(stdout);
    } else if (o->machine_help) {
        board_print_list(stdout);
    } else if (o->device_help) {
        device_print_type_list(stdout);
    } else if (o->device_type_help) {
        return device_print_type_help(stdout, o->device_type_help, errp) ? 0 : 1;
    } else if (o->cpu_help) {
        print_cpu_help(stdout);
    } else if (o->block_format_help) {
        module_call_init(MODULE_INIT_BLOCK);
        drive_print_formats(stdout);
    } else if (net_options_want_help(&o->net, &which)) {
        net_print_help(stdout, which);
    } else {
        return -1;
    }
    return 0;
}

/* Phase 4: the board file (-M NAME or -M FILE.json; default pc). */
static Board *phase_select_machine(const Options *o, Error **errp)
{
    const char *name = o->machine ? o->machine : "pc";
    bool by_path = strchr(name, '/') || g_str_has_suffix(name, ".json");
    const char *file = by_path ? name : machine_find_board_file(name);
    if (!file) {
        error_setg(errp, "-M %s: no such board (-M help lists the boards)", name);
        return NULL;
    }
    Board *board = board_load(file, errp);
    module_call_init(MODULE_INIT_BLOCK);
    return board;
}

/* -debugcon's device, where the board's "options" name one (QEMU's
 * isa-debugcon at port 0xE9 on the PC boards). */
static bool add_debugcon_device(Board *b, const Options *o, Error **errp)
{
    if (!o->debugcon) {
        return true;
    }
    if (!b->debugcon_backend) {
        error_setg(errp, "-debugcon %s: board '%s' has no debug console", o->debugcon,
                   b->name);
        return false;
    }
    if (b->debugcon_device && !board_add_device_spec(b, b->debugcon_device, 0, errp)) {
        error_prepend(errp, "-debugcon %s: ", o->debugcon);
        return false;
    }
    return true;
}

/* -rtc base=X sets the "base" property of the board's RTC type. */
static bool add_rtc_globals(const Board *b, Options *o, Error **errp)
{
    if (!o->rtc) {
        return true;
    }
    if (!b->rtc_type) {
        error_setg(errp, "-rtc %s: board '%s' has no RTC for -rtc to set", o->rtc, b->name);
        return false;
    }
    KeyVal *kv = options_parse_list("rtc", o->rtc, NULL, 0, NULL, errp);
    if (!kv) {
        return false;
    }
    char *origin = g_strdup_printf("-rtc %s", o->rtc);
    options_add_global(o, b->rtc_type, "base", keyval_get(kv, "base"), origin);
    g_free(origin);
    keyval_free(kv);
    return true;
}

/* -boot order= and once= set the "boot-order" and "boot-once" properties
 * of the board's RTC, which writes them into its CMOS at reset. */
static bool add_boot_globals(const Board *b, Options *o, Error **errp)
{
    if (!o->boot_order && !o->boot_once) {
        return true;
    }
    if (!b->rtc_type) {
        error_setg(errp, "-boot %s: board '%s' has no RTC to keep the boot order in",
                   o->boot_order ? o->boot_order : o->boot_once, b->name);
        return false;
    }
    if (o->boot_order) {
        options_add_global(o, b->rtc_type, "boot-order", o->boot_order, "-boot order=");
    }
    if (o->boot_once) {
        options_add_global(o, b->rtc_type, "boot-once", o->boot_once, "-boot once=");
    }
    return true;
}

/* -no-hpet drops the device the board's "options" name (QEMU's pc: its
 * HPET); on a board without one it has nothing to do, as on QEMU's isapc. */
static bool remove_hpet(Board *b, const Options *o, Error **errp)
{
    if (!o->no_hpet || !b->hpet_device) {
        return true;
    }
    return board_remove_device(b, b->hpet_device, "command line", "-no-hpet", errp);
}

/* -vga none and -nodefaults drop the display adapter the board's "options"
 * name, as QEMU's leave out the default VGA; -vga std and -vga cirrus put
 * that card in the board's display slot (its id, bus and address kept):
 * the PCI card on a PCI slot, the ISA one on an ISA slot, as QEMU picks. */
typedef struct VgaCard {
    const char *name, *pci_type, *isa_type;
} VgaCard;

static const VgaCard vga_cards[] = {
    { "std", "VGA", "isa-vga" },
    { "cirrus", "cirrus-vga", "isa-cirrus-vga" },
};

static bool select_vga(Board *b, const Options *o, Error **errp)
{
    bool remove = o->vga ? !strcmp(o->vga, "none") : o->no_defaults;
    if (o->vga && !remove) {
        const VgaCard *card = NULL;
        for (size_t i = 0; i < CC_ARRAY_SIZE(vga_cards); i++) {
            if (!strcmp(vga_cards[i].name, o->vga)) {
                card = &vga_cards[i];
            }
        }
        BoardDevice *d = b->vga_device ? board_find_device(b, b->vga_device) : NULL;
        if (!card || !d) {
            error_setg(errp, "-vga %s: board '%s' has no display adapter slot (add one with "
                       "-device VGA, -device cirrus-vga or -device isa-vga)", o->vga, b->name);
            return false;
        }
        bool isa = !strncmp(d->type, "isa-", 4);
        const char *type = isa ? card->isa_type : card->pci_type;
        if (!type) {
            error_setg(errp, "-vga %s: board '%s' has an ISA display slot, and the %s card "
                       "is PCI only in cardcage", o->vga, b->name, o->vga);
            return false;
        }
        if (strcmp(d->type, type)) {
            char *spec = g_strdup_printf("%s.type=%s", d->id, type);
            bool ok = board_apply_set(b, spec, errp);
            g_free(spec);
            return ok;
        }
        return true;
    }
    if (!remove || !b->vga_device) {
        return true;
    }
    return board_remove_device(b, b->vga_device, "command line",
                               o->vga ? "-vga none" : "-nodefaults", errp);
}

/* Phase 5: the command line's edits of the board (-no-hpet, -debugcon's device, then
 * -set, -device and -remove in their order) and the globals (-global,
 * -rtc), checked against the type table. */
static bool phase_edit_board(Board *b, Options *o, Error **errp)
{
    if (!remove_hpet(b, o, errp) || !select_vga(b, o, errp) ||
        !add_debugcon_device(b, o, errp)) {
        return false;
    }
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
    o->net.no_defaults = o->no_defaults;
    if (!add_rtc_globals(b, o, errp) || !add_boot_globals(b, o, errp) ||
        !net_setup(b, &o->net, errp)) {
        return false;
    }
    for (guint i = 0; i < o->globals->len; i++) {
        OptionGlobal *g = g_ptr_array_index(o->globals, i);
        device_register_global(g->type, g->prop, g->value, g->origin);
    }
    return object_check_globals(errp);
}

static bool spec_is_stdio(const char *spec)
{
    return spec && (!strcmp(spec, "stdio") || !strcmp(spec, "mon:stdio"));
}

/* The backend of the board's serial port i: -serial's, or by default
 * (as QEMU's -nographic) the first port on stdio shared with the monitor.
 * A -monitor stdio joins the serial port on stdio (Ctrl-A c switches)
 * instead of taking the terminal from it. */
static const char *serial_spec(const Options *o, int i, bool *monitor_joins)
{
    const char *spec = i < o->nb_serial ? o->serial[i] : NULL;
    bool monitor_stdio = o->monitor && !strcmp(o->monitor, "stdio");
    if (spec && !strcmp(spec, "none")) {
        return "null";
    }
    if (!spec) {
        bool stdio_taken = spec_is_stdio(o->debugcon) || qmp_specs_use_stdio(o->mons);
        for (int j = 0; j < o->nb_serial; j++) {
            stdio_taken |= spec_is_stdio(o->serial[j]);
        }
        if (i > 0 || o->no_defaults || stdio_taken) {
            return "null";
        }
        spec = (o->monitor && !monitor_stdio) || o->mons->len ? "stdio" : "mon:stdio";
    }
    if (monitor_stdio && spec_is_stdio(spec)) {
        *monitor_joins = true;
        return "mon:stdio";
    }
    return spec;
}

/* Phase 6: the character backends: -chardev, then the ones the board's
 * "options" name (-serial's, -debugcon's; null when not given), then the
 * monitor's. */
static bool phase_backends(const Board *b, const Options *o, Error **errp)
{
    for (guint i = 0; i < o->chardevs->len; i++) {
        if (!chardev_new_from_opts(g_ptr_array_index(o->chardevs, i), errp)) {
            error_prepend(errp, "-chardev %s: ", (char *)g_ptr_array_index(o->chardevs, i));
            return false;
        }
    }
    if (o->nb_serial > (int)b->serial_backends->len) {
        error_setg(errp, "-serial %s: board '%s' takes at most %u -serial options",
                   o->serial[b->serial_backends->len], b->name, b->serial_backends->len);
        return false;
    }
    bool monitor_joins = false;
    for (guint i = 0; i < b->serial_backends->len; i++) {
        const char *id = g_ptr_array_index(b->serial_backends, i);
        const char *spec = serial_spec(o, (int)i, &monitor_joins);
        if (!chardev_find(id) && !chardev_new_from_spec(id, spec, errp)) {
            error_prepend(errp, "-serial %s: ", spec);
            return false;
        }
    }
    if (b->debugcon_backend && !chardev_find(b->debugcon_backend) &&
        !chardev_new_from_spec(b->debugcon_backend, o->debugcon ? o->debugcon : "null",
                               errp)) {
        error_prepend(errp, "-debugcon %s: ", o->debugcon);
        return false;
    }
    if (o->monitor && !monitor_joins && !chardev_new_from_spec("monitor", o->monitor, errp)) {
        error_prepend(errp, "-monitor %s: ", o->monitor);
        return false;
    }
    return true;
}

/* Phase 6b: the drives and block nodes, in command-line order. */
static bool phase_drives(const Options *o, Error **errp)
{
    drive_set_snapshot_all(o->snapshot);
    for (guint i = 0; i < o->drives->len; i++) {
        const DriveOpt *d = g_ptr_array_index(o->drives, i);
        bool ok = d->blockdev ? blockdev_add(d->spec, errp) : drive_add(d->spec, errp) != NULL;
        if (!ok) {
            error_prepend(errp, "%s: ", d->origin);
            return false;
        }
    }
    return true;
}

/* Phase 7: the machine, from the board and -m, -bios, -cpu. */
static bool phase_build(Board *board, const Options *o, Error **errp)
{
    setup_firmware_dirs(o, board);
    clock_configure(o->icount_shift);
    memory_init();
    runstate_set_no_reboot(o->no_reboot);
    runstate_set_guest_name(o->name);
    /* -cpu MODEL,+feat,-feat,feat=on,prop=value: the common KEY=VALUE
     * parser (",," escapes a comma), a bare +feat or -feat being a flag. */
    KeyVal *cpu = NULL;
    GPtrArray *features = g_ptr_array_new_with_free_func(g_free);
    if (o->cpu) {
        cpu = options_parse_list("cpu", o->cpu, "model", KEYVAL_BARE_FLAGS, NULL, errp);
        if (!cpu) {
            g_ptr_array_free(features, TRUE);
            return false;
        }
        for (guint i = 0; i < keyval_count(cpu); i++) {
            const char *k = keyval_key(cpu, i), *v = keyval_value(cpu, i);
            if (!strcmp(k, "model")) {
                continue;
            }
            bool flag = (k[0] == '+' || k[0] == '-') && !strcmp(v, "on");
            g_ptr_array_add(features, flag ? g_strdup(k) : g_strdup_printf("%s=%s", k, v));
        }
    }
    g_ptr_array_add(features, NULL);
    BoardBuildOptions bopts = {
        .ram_size = o->ram_size,
        .bios = o->bios,
        .cpu_model = keyval_get(cpu, "model"),
        .cpu_features = (const char *const *)features->pdata,
        .direct_kernel = o->kernel != NULL && !o->kernel_via_firmware,
        .smp_cpus = o->smp_cpus,
        .smp_max = o->smp_max,
    };
    board_set_cpu_topology(o->smp_cores, o->smp_threads);
    bool built = board_build(board, &bopts, errp);
    if (built && board->acpi && !o->no_acpi) {
        acpi_setup(bopts.direct_kernel);
    }
    keyval_free(cpu);
    g_ptr_array_free(features, TRUE);
    return built;
}

/* Phase 8: -kernel, -initrd, -append, and -boot's fw_cfg items. */
static bool phase_boot(const Options *o, CPUState *cpu, Error **errp)
{
    if (o->kernel) {
        BootOptions boot = {
            .kernel = o->kernel, .initrd = o->initrd, .cmdline = o->append,
            .via_firmware = o->kernel_via_firmware,
        };
        return boot_prepare(&boot, cpu, errp) && boot_options_apply(o, errp);
    }
    if (o->initrd || o->append) {
        error_setg(errp, "%s needs -kernel", o->initrd ? "-initrd" : "-append");
        return false;
    }
    return boot_options_apply(o, errp);
}

/* Phase 9: the monitors: -monitor's, and one on each multiplexed serial
 * backend (mon:SPEC, the default console); then the VNC server, whose
 * clients see the machine just built. */
static bool phase_monitors(const Options *o, Error **errp)
{
    if (chardev_find("monitor") && !monitor_start("monitor", errp)) {
        return false;
    }
    GSList *muxed = chardev_list_mux_ids();
    bool ok = true;
    for (GSList *l = muxed; ok && l; l = l->next) {
        ok = monitor_start(l->data, errp);
    }
    g_slist_free_full(muxed, g_free);
    if (ok && !qmp_start_from_options(o->mons, errp)) {
        return false;
    }
    if (ok && !vnc_start(errp)) {
        return false;
    }
    runstate_catch_signals();
    return ok;
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

/* -loadvm NAME: the machine of a savevm snapshot in the qcow2 disks. */
static bool start_loadvm(const Options *o, Error **errp)
{
    if (!o->loadvm) {
        return true;
    }
    if (o->incoming) {
        error_setg(errp, "-loadvm and -incoming cannot be used together");
        return false;
    }
    if (!savevm_load(o->loadvm, errp)) {
        error_prepend(errp, "-loadvm %s: ", o->loadvm);
        return false;
    }
    return true;
}

/* Phase 10: reset, -incoming's saved machine, then run (or stay stopped
 * under -S or -incoming defer); gdb attaches after the run state is set,
 * since its attaching pauses the machine. */
static int phase_run(const Options *o, CPUState *cpu, int64_t t0, Error **errp)
{
    runstate_run_init_done_notifiers();
    runstate_system_reset();
    if (!start_incoming(o, errp) || !start_loadvm(o, errp)) {
        return -1;
    }
    if (cpu && (o->start_stopped || migration_incoming_pending() ||
                (o->incoming && !migration_incoming_autostart()))) {
        cpu->stopped = true;
    } else {
        if (cpu) {
            cpu->stopped = false;
        }
        clock_vm_start();
    }
    if (o->gdb && !gdbstub_start(o->gdb, cpu, errp)) {
        return -1;
    }
    log_mask(LOG_STARTUP, "startup: machine built after %" G_GINT64_FORMAT " us\n",
             (host_monotonic_ns() - t0) / 1000);
    if (!cpu) {
        warn_report("board '%s' has no CPU: nothing to run", board_get_name());
    }
    return main_loop_run(cpu);
}

/* Start-up after option parsing; returns the exit status. */
static int run(Options *o, int64_t t0)
{
    Error *err = NULL;
    if (!phase_logging(o, &err)) {
        goto fail;
    }
    if (!phase_plugins(o, t0, &err)) {
        goto fail;
    }
    int status = phase_help(o, &err);
    if (status >= 0) {
        goto done;
    }
    Board *board = phase_select_machine(o, &err);
    if (!board) {
        goto fail;
    }
    bool ok = phase_edit_board(board, o, &err) && phase_backends(board, o, &err) &&
              phase_drives(o, &err) && phase_build(board, o, &err) &&
              drive_check_orphans(&err);
    board_free(board);
    if (!ok) {
        goto fail;
    }
    CPUState *cpu = board_get_cpu();
    if (!phase_boot(o, cpu, &err) || !phase_monitors(o, &err)) {
        goto fail;
    }
    status = phase_run(o, cpu, t0, &err);
    if (status >= 0) {
        return status;
    }
fail:
    status = 1;
done:
    if (err) {
        error_report_err(err);
    }
    return status;
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
    block_cleanup_all();
    chardev_cleanup_all();
    monitor_cleanup_all();
    vnc_cleanup();
    net_cleanup_all();
    fflush(stdout);
    return status;
}
