/*
 * The QEMU options that scripts and muscle memory pass by habit.
 *
 * Each is accepted where it asks for what cardcage does anyway
 * (-accel tcg, -vga std, ...) and refused, naming what it asks
 * for, where it asks for more (-enable-kvm).  The options of
 * features cardcage lacks yet (a floppy, a display front end, USB, sound)
 * say so instead of "unknown option".
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "main/options.h"
#include "ui/display-internal.h"
#include "util/keyval.h"

bool options_check_accel(const char *opt, const char *accel, Error **errp)
{
    if (!strcmp(accel, "tcg")) {
        return true;
    }
    error_setg(errp, "%s: cardcage runs guests on its own CPU emulator only (accel=tcg); "
               "'%s' is not available", opt, accel);
    return false;
}

/* -accel tcg[,thread=single] */
static bool habit_accel(Options *o, const char *arg, Error **errp)
{
    static const char *const allowed[] = { "accel", "thread", NULL };
    KeyVal *kv = options_parse_list("accel", arg, "accel", 0, allowed, errp);
    const char *thread = keyval_get(kv, "thread");
    char *opt = g_strdup_printf("-accel %s", arg);
    bool ok = kv && options_check_accel(opt, keyval_get(kv, "accel") ?
                                        keyval_get(kv, "accel") : "", errp);
    g_free(opt);
    if (ok && thread && strcmp(thread, "single")) {
        error_setg(errp, "-accel %s: cardcage runs one CPU thread (thread=single)", arg);
        ok = false;
    }
    keyval_free(kv);
    return ok;
}

static bool habit_enable_kvm(Options *o, const char *arg, Error **errp)
{
    return options_check_accel("-enable-kvm", "kvm", errp);
}

/* Options whose only accepted value is "none": the device they would
 * configure does not exist, which is what "none" asks for. */
typedef struct NoneOption {
    const char *name;
    const char *lacks;           /* what another value would ask for */
} NoneOption;

static const NoneOption none_options[] = {
    { "parallel", "parallel port" },
    { "audio", "sound" },
};

static bool habit_none(const char *name, const char *arg, Error **errp)
{
    for (size_t i = 0; i < CC_ARRAY_SIZE(none_options); i++) {
        if (!strcmp(none_options[i].name, name)) {
            if (strcmp(arg, "none")) {
                error_setg(errp, "-%s %s: cardcage has no %s yet (only -%s none is accepted)",
                           name, arg, none_options[i].lacks, name);
                return false;
            }
            return true;
        }
    }
    return true;
}

/* -vga std|cirrus|none: the board's display adapter kept, swapped or
 * removed (phase 5); the other cards of QEMU's list are refused by name. */
static bool habit_vga(Options *o, const char *arg, Error **errp)
{
    static const char *const later[] = { "vmware", "qxl", "virtio", "tcx", "cg3",
                                         "xenfb", NULL };
    if (!strcmp(arg, "std") || !strcmp(arg, "cirrus") || !strcmp(arg, "none")) {
        g_free(o->vga);
        o->vga = g_strdup(arg);
        return true;
    }
    for (const char *const *l = later; *l; l++) {
        if (!strcmp(*l, arg)) {
            error_setg(errp, "-vga %s: that card is not available in cardcage yet "
                       "(available: std, cirrus, none)", arg);
            return false;
        }
    }
    error_setg(errp, "-vga %s: unknown card (available: std, cirrus, none)", arg);
    return false;
}

static bool habit_parallel(Options *o, const char *arg, Error **errp)
{
    return habit_none("parallel", arg, errp);
}

static bool habit_audio(Options *o, const char *arg, Error **errp)
{
    return habit_none("audio", arg, errp);
}

/* -name GUEST[,debug-threads=on]: kept for the monitor and QMP. */
static bool habit_name(Options *o, const char *arg, Error **errp)
{
    static const char *const allowed[] = { "guest", "process", "debug-threads", NULL };
    KeyVal *kv = options_parse_list("name", arg, "guest", 0, allowed, errp);
    if (!kv) {
        return false;
    }
    g_free(o->name);
    o->name = g_strdup(keyval_get(kv, "guest"));
    keyval_free(kv);
    return true;
}

static bool habit_nodefaults(Options *o, const char *arg, Error **errp)
{
    o->no_defaults = true;
    return true;
}

/* The boards have no HPET and read no configuration
 * files: these ask for what is already so. */
static bool habit_nothing(Options *o, const char *arg, Error **errp)
{
    return true;
}

static bool habit_no_hpet(Options *o, const char *arg, Error **errp)
{
    o->no_hpet = true;
    return true;
}

static bool habit_no_acpi(Options *o, const char *arg, Error **errp)
{
    o->no_acpi = true;
    return true;
}

/* QEMU's old spellings of -display sdl and -display curses. */
static bool habit_sdl(Options *o, const char *arg, Error **errp)
{
    return display_set_frontend("sdl", errp);
}

static bool habit_curses(Options *o, const char *arg, Error **errp)
{
    return display_set_frontend("curses", errp);
}

static const OptionDef habit_defs[] = {
    { "accel", "tcg", habit_accel, "cardcage's own CPU emulator (as -machine accel=tcg)" },
    { "enable-kvm", NULL, habit_enable_kvm, NULL },
    { "vga", "std|cirrus|none", habit_vga,
      "display adapter: std (the board's standard VGA, the default) or none" },
    { "parallel", "none", habit_parallel, "no parallel port" },
    { "audio", "none", habit_audio, NULL },
    { "name", "NAME", habit_name, "the guest's name (query-name, info name)" },
    { "nodefaults", NULL, habit_nodefaults,
      "no default devices: serial ports without -serial and the monitor go nowhere, no VGA" },
    { "no-hpet", NULL, habit_no_hpet,
      "no HPET: the device the board's options name is removed (none: nothing to do)" },
    { "no-acpi", NULL, habit_no_acpi, "no ACPI tables (as -machine acpi=off)" },
    { "no-user-config", NULL, habit_nothing, NULL },
    { "sdl", NULL, habit_sdl, "the SDL window (as -display sdl)" },
    { "curses", NULL, habit_curses, "the terminal's text screen (as -display curses)" },
    { "nodefconfig", NULL, habit_nothing, NULL },
};

/* QEMU options of features to come. */
typedef struct LackingOption {
    const char *name;
    const char *feature;
} LackingOption;

static const LackingOption lacking_options[] = {
    { "fda", "floppy disks" }, { "fdb", "floppy disks" }, { "pflash", "flash memory" },
    { "mtdblock", "flash memory" }, { "sd", "SD cards" },
    { "spice", "display" }, { "full-screen", "display" },
    { "usb", "USB" }, { "usbdevice", "USB" },
    { "soundhw", "sound" }, { "audiodev", "sound" },
    { "virtfs", "shared folders" }, { "fsdev", "shared folders" },
{ "numa", "NUMA" },
    { "fw_cfg", "fw_cfg files from the command line" },
    { "option-rom", "option ROMs from the command line" },
    { "smbios", "SMBIOS tables" }, { "acpitable", "ACPI tables" },
    { "mem-path", "file-backed RAM" }, { "mem-prealloc", "file-backed RAM" },
    { "daemonize", "running as a daemon" },
    { "plugin", "TCG plugins (its devices are plugins: see -device help)" },
};

const OptionDef *options_find_habit(const char *name)
{
    for (size_t i = 0; i < CC_ARRAY_SIZE(habit_defs); i++) {
        if (!strcmp(habit_defs[i].name, name)) {
            return &habit_defs[i];
        }
    }
    return NULL;
}

bool options_refuse_lacking(const char *name, Error **errp)
{
    for (size_t i = 0; i < CC_ARRAY_SIZE(lacking_options); i++) {
        if (!strcmp(lacking_options[i].name, name)) {
            error_setg(errp, "-%s: cardcage has no %s yet", name, lacking_options[i].feature);
            return true;
        }
    }
    return false;
}

void options_print_habits(FILE *out)
{
    fprintf(out, "\nAccepted as QEMU scripts pass them, where they ask for what cardcage "
                 "does:\n");
    for (size_t i = 0; i < CC_ARRAY_SIZE(habit_defs); i++) {
        const OptionDef *d = &habit_defs[i];
        if (d->help) {
            char *left = g_strdup_printf("-%s%s%s", d->name, d->arg ? " " : "",
                                         d->arg ? d->arg : "");
            fprintf(out, "  %-26s %s\n", left, d->help);
            g_free(left);
        }
    }
}
