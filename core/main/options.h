/*
 * The command line, in QEMU's conventions.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_MAIN_OPTIONS_H
#define CORE_MAIN_OPTIONS_H

#include <stdio.h>
#include <cardcage/error.h>
#include "net/net-cli.h"

#define MAX_SERIAL_PORTS 4

/* Board edits keep their command-line order. */
typedef enum { EDIT_SET, EDIT_DEVICE, EDIT_REMOVE } BoardEditKind;
typedef struct BoardEdit {
    BoardEditKind kind;
    char *spec;
} BoardEdit;

/* A monitor of -qmp SPEC (a new backend) or -mon chardev=ID (an existing
 * one): QMP (control) or the human monitor. */
typedef struct MonitorOpt {
    char *chardev_spec;          /* -qmp: the backend to create */
    char *chardev_id;            /* -mon: the backend to use */
    bool control;                /* mode=control: QMP */
    bool pretty;
} MonitorOpt;
/* -global TYPE.PROP=VALUE, and the globals other options imply (-rtc):
 * origin is the option as written, for the messages. */
typedef struct OptionGlobal {
    char *type, *prop, *value, *origin;
} OptionGlobal;

/* A disk option, kept in command-line order (a -drive may name a
 * -blockdev node given before it). */
typedef struct DriveOpt {
    bool blockdev;               /* -blockdev; else -drive (and its shorthands) */
    char *spec;                  /* the -drive/-blockdev argument */
    char *origin;                /* the option as written, for messages */
} DriveOpt;

typedef struct Options {
    bool help, version, list_plugins;
    char *machine;               /* -M; NULL: "pc" */
    uint64_t ram_size;           /* -m; 0: the board's */
    char *cpu;                   /* -cpu MODEL[,features] */
    int smp_cpus, smp_max;       /* -smp; 0: the board's count */
    int smp_sockets, smp_cores, smp_threads;
    GPtrArray *edits;            /* BoardEdit * */
    GPtrArray *globals;          /* OptionGlobal * */
    GPtrArray *lib_dirs;         /* -L */
    char *bios, *kernel, *initrd, *append;
    bool kernel_via_firmware;    /* -boot kernel=firmware */
    char *boot_order, *boot_once; /* -boot order=, once=: drive letters; NULL: the RTC's */
    bool boot_menu, boot_strict; /* -boot menu=, strict= */
    int boot_splash_time;        /* -boot splash-time= in ms; -1: not given */
    int boot_reboot_timeout;     /* -boot reboot-timeout= in ms; -1: never (QEMU's default) */
    bool nographic;
    char *serial[MAX_SERIAL_PORTS];
    int nb_serial;
    GPtrArray *chardevs;         /* -chardev specs */
    GPtrArray *drives;           /* DriveOpt *: -drive, -hda.., -cdrom, -blockdev, in order */
    bool snapshot;               /* -snapshot */
    char *monitor;               /* -monitor SPEC */
    char *debugcon;              /* -debugcon SPEC */
    GPtrArray *mons;             /* MonitorOpt *: -qmp, -qmp-pretty, -mon */
    char *log_items;             /* -d ITEMS, parsed once the plugins are loaded */
    char *log_file;
    bool start_stopped;          /* -S */
    char *gdb;                   /* -gdb SPEC, -s */
    bool no_reboot;
    int icount_shift;            /* -1: real-time */
    char *rtc;                   /* -rtc base=... as written */
    char *name;                  /* -name */
    bool no_defaults;            /* -nodefaults: no default serial or monitor backend */
    bool no_acpi;                /* -no-acpi, -M acpi=off: no ACPI tables */
    char *vga;                   /* -vga std|none; NULL: the board's default */
    bool no_hpet;                /* -no-hpet: the board's HPET removed, if it has one */
    char *incoming;              /* -incoming URI|defer */
    NetOptions net;              /* -netdev, -nic, -net, -object */
    char *loadvm;                /* -loadvm NAME */
    /* Help requests that need the plugins loaded first. */
    bool machine_help, device_help, cpu_help, log_help;
    bool block_format_help;      /* -drive format=help */
    bool keymap_help;            /* -k help */
    char *device_type_help;      /* -device TYPE,help */
} Options;

typedef bool OptionHandler(Options *o, const char *arg, Error **errp);

/* options-boot.c: -boot, and the fw_cfg items it sets once the board is
 * built. */
bool options_parse_boot(Options *o, const char *arg, Error **errp);
bool boot_options_apply(const Options *o, Error **errp);

/* options-smp.c: -smp with QEMU's topology rules. */
bool options_parse_smp(Options *o, const char *arg, Error **errp);

/* One option: its name without the dash, its argument's syntax (NULL: it
 * takes none), its handler and its line in -h (NULL: not listed). */
typedef struct OptionDef {
    const char *name;
    const char *arg;
    OptionHandler *handler;
    const char *help;
} OptionDef;

/* options-habits.c: the options QEMU scripts pass by habit, accepted where
 * they ask for what cardcage does anyway; and the QEMU options of features
 * cardcage lacks yet, refused with what is missing. */
const OptionDef *options_find_habit(const char *name);
/* True, with the message in errp, when name is such an option. */
bool options_refuse_lacking(const char *name, Error **errp);
void options_print_habits(FILE *out);

/* Parse -OPT ARG as a KEY=VALUE list (util/keyval.h); allowed, if not
 * NULL, lists the keys it takes.  Errors name the option. */
typedef struct KeyVal KeyVal;
KeyVal *options_parse_list(const char *opt, const char *arg, const char *implied,
                           unsigned flags, const char *const *allowed, Error **errp);
/* accel=tcg is what cardcage does; kvm and the others are refused. */
bool options_check_accel(const char *opt, const char *accel, Error **errp);
void options_add_global(Options *o, const char *type, const char *prop, const char *value,
                        const char *origin);

void options_init(Options *o);
void options_free(Options *o);
/* Parse argv.  Errors name the option and what it expected. */
bool options_parse(Options *o, int argc, char **argv, Error **errp);
void options_print_help(FILE *out);

#endif
