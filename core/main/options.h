/*
 * The command line, in QEMU's conventions.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_MAIN_OPTIONS_H
#define CORE_MAIN_OPTIONS_H

#include <stdio.h>
#include <cardcage/error.h>

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

typedef struct Options {
    bool help, version, list_plugins;
    char *machine;               /* -M; NULL: "pc" */
    uint64_t ram_size;           /* -m; 0: the board's */
    char *cpu;                   /* -cpu MODEL[,features] */
    GPtrArray *edits;            /* BoardEdit * */
    GPtrArray *globals;          /* char *: TYPE.PROP=VALUE */
    GPtrArray *lib_dirs;         /* -L */
    char *bios, *kernel, *initrd, *append;
    bool kernel_via_firmware;    /* -boot kernel=firmware */
    bool nographic;
    char *serial[MAX_SERIAL_PORTS];
    int nb_serial;
    GPtrArray *chardevs;         /* -chardev specs */
    char *monitor;               /* -monitor SPEC */
    char *debugcon;              /* -debugcon SPEC */
    GPtrArray *mons;             /* MonitorOpt *: -qmp, -qmp-pretty, -mon */
    char *log_items;             /* -d ITEMS, parsed once the plugins are loaded */
    char *log_file;
    bool start_stopped;          /* -S */
    char *gdb;                   /* -gdb SPEC, -s */
    bool no_reboot;
    int icount_shift;            /* -1: real-time */
    char *rtc_base;              /* -rtc base=... */
    char *incoming;              /* -incoming URI|defer */
    /* Help requests that need the plugins loaded first. */
    bool machine_help, device_help, cpu_help, log_help;
    char *device_type_help;      /* -device TYPE,help */
} Options;

void options_init(Options *o);
void options_free(Options *o);
/* Parse argv.  Errors name the option and what it expected. */
bool options_parse(Options *o, int argc, char **argv, Error **errp);
void options_print_help(FILE *out);

#endif
