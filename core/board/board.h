/*
 * JSON boards: the machine description a user edits.
 *
 * A board file is read into a Board (board-json.c: syntax, structure,
 * `extend` merging, command-line -set/-device edits), then built into a
 * running machine (board-build.c).  Every value keeps where it came from
 * (file and JSON path), so every error names the file, the device id and
 * the JSON path, e.g.
 *
 *   machines/isapc.json: device 'pit': devices[3].props.iobase: ...
 *
 * The format is documented in docs/board-format.md.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_BOARD_H
#define CORE_BOARD_H

#include <stdio.h>
#include <json-c/json.h>
#include <cardcage/object.h>

#define TYPE_MACHINE "machine"

/* Where a value came from: "machines/isapc.json" and "devices[3].props.iobase",
 * or "command line" and "-set pit.iobase". */
typedef struct BoardOrigin {
    char *file;
    char *path;
} BoardOrigin;

typedef struct BoardProp {
    char *name;
    json_object *value;          /* a JSON value, or a string from the command line */
    BoardOrigin origin;
} BoardProp;

typedef struct BoardWire {
    char *output;                /* "out", "irq", "out[1]" */
    char *target;                /* "pic.in[0]" */
    BoardOrigin origin;
} BoardWire;

typedef struct BoardMapping {
    int index;                   /* sysbus MMIO index */
    uint64_t addr;
    int priority;
    BoardOrigin origin;
} BoardMapping;

typedef struct BoardDevice {
    char *id;
    char *type;
    BoardOrigin type_origin;
    char *bus;                   /* NULL: chosen by type */
    BoardOrigin bus_origin;
    GPtrArray *props;            /* BoardProp * */
    GPtrArray *wires;            /* BoardWire * */
    GPtrArray *mmio;             /* BoardMapping * */
    BoardOrigin origin;          /* the entry itself: "devices[3]" */
    bool per_cpu;                /* "per-cpu": one copy for each CPU (a local APIC) */
} BoardDevice;

typedef struct BoardFirmware {
    char *id;                    /* "bios" is replaced by -bios and optional with -kernel */
    char *file;
    bool optional;
    bool writable;               /* RAM holding the image, not ROM (BIOS shadowing) */
    bool at_top;                 /* "at": "top": ends at 4 GiB */
    uint64_t addr;
    uint64_t max_size;           /* 0: no limit */
    GArray *aliases;             /* BoardAlias */
    BoardOrigin origin;
} BoardFirmware;

typedef struct BoardAlias {
    uint64_t end;                /* the alias ends here (exclusive) */
    uint64_t size;               /* the image's last `size` bytes, or all of it if smaller */
} BoardAlias;

/* The most CPUs any board may have: the xAPIC's 8-bit IDs, 0xFF being the
 * physical broadcast (Intel SDM vol. 3A, 10.6.2.1). */
#define BOARD_CPUS_MAX 255

typedef struct Board {
    char *file;                  /* the file named on the command line */
    char *dir;                   /* its directory (firmware is searched there) */
    char *name;
    char *description;
    /* CPU */
    char *cpu_model;             /* NULL: no CPU (test boards) */
    int cpu_count;               /* "cpu": {"count"}: CPUs built unless -smp says */
    int cpu_max;                 /* "cpu": {"max"}: the most -smp may ask for */
    BoardDevice *cpu;            /* the CPU as a device entry (id "cpu", props, wires) */
    /* RAM */
    uint64_t ram_size;
    uint64_t ram_min, ram_max;
    BoardOrigin ram_origin;
    GPtrArray *firmware;         /* BoardFirmware * */
    GPtrArray *devices;          /* BoardDevice *, in build order */
    GPtrArray *globals;          /* BoardProp *: name is "type.prop" */
    /* "options": what the command line's device-shaped options reach. */
    GPtrArray *serial_backends;  /* char *: the chardev ids -serial fills, in order */
    char *debugcon_backend;      /* the chardev -debugcon fills; NULL: no -debugcon */
    char *debugcon_device;       /* a -device spec -debugcon adds, or NULL */
    char *rtc_type;              /* the device type -rtc's keys set; NULL: no -rtc */
    char *hpet_device;           /* the device id -no-hpet removes; NULL: none */
    char *vga_device;            /* the device id -vga none and -nodefaults remove */
    char *nic_model;             /* the card -nic/-net nic add without model=; NULL: rtl8139 */
    char *nic_default;           /* the netdev the board's default card gets (QEMU's default
                                    NIC) when no -nic/-net/-netdev or -nodefaults; NULL: none */
    bool acpi;                   /* "acpi": build ACPI tables (core/acpi) */
} Board;

/* Read a board file, following `extend`.  name_or_path is a path (contains
 * a '/' or ends in .json) or a board name looked up in the board
 * directories. */
Board *board_load(const char *name_or_path, Error **errp);
void board_free(Board *board);

/* Command-line edits, applied in order before the build:
 *   -set ID.PROP=VALUE    change a property (ID.type=TYPE swaps the model,
 *                         ID.bus=BUS moves it)
 *   -device TYPE,id=ID,bus=BUS,PROP=VALUE,irq.OUT=DEV.IN[N],mmio.N=ADDR
 *   -remove ID            (cardcage's own: drop a device from the board) */
bool board_apply_set(Board *board, const char *spec, Error **errp);
bool board_add_device_spec(Board *board, const char *spec, int index, Error **errp);
bool board_remove_device(Board *board, const char *id, const char *origin_file,
                         const char *origin_path, Error **errp);
BoardDevice *board_find_device(Board *board, const char *id);

/* The directories searched for board names: built-in, then
 * $CARDCAGE_MACHINE_PATH (colon-separated). */
const GPtrArray *board_dirs(void);
/* Full path of NAME.json in the board directories, or NULL. */
char *board_find_file(const char *name);
/* -M help. */
void board_print_list(FILE *out);

/* Options of the build that come from elsewhere on the command line. */
typedef struct BoardBuildOptions {
    uint64_t ram_size;           /* -m; 0: the board's */
    const char *bios;            /* -bios */
    const char *cpu_model;       /* -cpu MODEL (features in cpu_features) */
    const char *const *cpu_features; /* "+pse", "family=6"...; NULL-ended, or NULL */
    bool direct_kernel;          /* -kernel started directly: the "bios" entry is optional */
    int smp_cpus;                /* -smp: CPUs; 0: the board's "count" */
    int smp_max;                 /* -smp maxcpus; 0: as many as smp_cpus */
} BoardBuildOptions;

/* Build the machine: RAM, firmware, the CPU, every device (create, set
 * properties, realize, map, check overlaps), then the IRQ/GPIO wiring. */
bool board_build(Board *board, const BoardBuildOptions *opts, Error **errp);

/* The CPU the board created (NULL before board_build or without one). */
struct CPUState *board_get_cpu(void);

/* Machine types: one per board file found, registered from the MACHINE
 * module list as "<name>-machine" (abstract parent TYPE_MACHINE). */
typedef struct MachineClass {
    ObjectClass parent_class;
    char *board_name;
    char *board_file;
    char *description;
} MachineClass;

/* The board file behind -M NAME: a machine type's file, or NULL. */
const char *machine_find_board_file(const char *name);

/* Report an error at a place in a board: "<file>: device '<id>': <path>: ".
 * id may be NULL. */
void board_error(Error **errp, const BoardOrigin *origin, const char *id, const char *fmt,
                 ...) G_GNUC_PRINTF(4, 5);
/* Same, prefixing an existing error. */
void board_error_prepend(Error **errp, const BoardOrigin *origin, const char *id);

#endif
