/*
 * The machine's ACPI tables inside the core: the builder that collects
 * them with the loader commands that install them, and the steps of the
 * board's tables.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_ACPI_INTERNAL_H
#define CORE_ACPI_INTERNAL_H

#include <cardcage/acpi.h>
#include <cardcage/error.h>

/* The fw_cfg files, as QEMU names them (hw/acpi/bios-linker-loader.c). */
#define ACPI_TABLES_FILE "etc/acpi/tables"
#define ACPI_RSDP_FILE "etc/acpi/rsdp"
#define ACPI_LOADER_FILE "etc/table-loader"

/* QEMU's BIOS linker/loader (as SeaBIOS's src/fw/romfile_loader.c runs
 * it): 128-byte little-endian commands, a 32-bit command number then its
 * fields; file names are NUL-padded in 56 bytes. */
#define ACPI_LOADER_ENTRY_SIZE 128
#define ACPI_LOADER_FILESZ 56
enum {
    ACPI_LOADER_ALLOCATE = 1,      /* file[56], align u32, zone u8 */
    ACPI_LOADER_ADD_POINTER = 2,   /* dest[56], src[56], offset u32, size u8 */
    ACPI_LOADER_ADD_CHECKSUM = 3,  /* file[56], offset u32, start u32, length u32 */
};
enum {
    ACPI_LOADER_ZONE_HIGH = 1,     /* anywhere in RAM the firmware reserves */
    ACPI_LOADER_ZONE_FSEG = 2,     /* 0xE0000-0xFFFFF, where the OS scans for the RSDP */
};

void acpi_loader_allocate(GByteArray *loader, const char *file, uint32_t align, uint8_t zone);
void acpi_loader_add_pointer(GByteArray *loader, const char *dest, uint32_t offset,
                             uint8_t size, const char *src);
void acpi_loader_add_checksum(GByteArray *loader, const char *file, uint32_t offset,
                              uint32_t start, uint32_t length);

struct AcpiBuilder {
    GByteArray *tables;            /* etc/acpi/tables */
    GByteArray *rsdp;              /* etc/acpi/rsdp */
    GByteArray *loader;            /* etc/table-loader */
    GArray *rsdt;                  /* uint32_t: offsets of the tables the RSDT lists */
};

AcpiBuilder *acpi_builder_new(void);
void acpi_builder_free(AcpiBuilder *b);
/* Add a table at the end of the tables file: its length and checksum (a
 * loader command), after pointer commands for the 32-bit fields at
 * ptr_offsets (table offsets that hold offsets into the tables file).
 * Listed in the RSDT when in_rsdt.  Returns its offset; the table is
 * consumed. */
uint32_t acpi_builder_add(AcpiBuilder *b, GByteArray *table, const uint32_t *ptr_offsets,
                          unsigned n_ptrs, bool in_rsdt);

/* What the devices told (every AcpiDeviceClass hook gathered). */
typedef struct AcpiMachineInfo {
    GPtrArray *devices;            /* Object *: those implementing the interface */
    AcpiFadtInfo fadt;
    AcpiPciHostInfo pci;
    AcpiPirqInfo pirq;
} AcpiMachineInfo;

/* acpi-dsdt.c: the DSDT's AML. */
Aml *acpi_build_dsdt_aml(const AcpiMachineInfo *info);
/* acpi-build.c: every table of the machine into b. */
void acpi_build_all(AcpiBuilder *b, const AcpiMachineInfo *info);
void acpi_gather(AcpiMachineInfo *info);
void acpi_machine_info_clear(AcpiMachineInfo *info);

/* acpi-direct.c: run the loader commands into 0xF0000-0xFFFFF, now and at
 * every reset, for a kernel started without firmware. */
bool acpi_place_direct(const AcpiBuilder *b, Error **errp);
/* mptable.c: the MP spec's floating pointer and configuration table for
 * the machine the MADT madt (len bytes) describes, the pointer at physical
 * address base and the table right after it, appended to out; false when
 * madt is no MADT. */
bool acpi_mptable_from_madt(const uint8_t *madt, uint32_t len, uint32_t base, GByteArray *out);

/* Build the machine's tables once it is complete and hand them to its
 * firmware (fw_cfg) or, for a kernel started directly, place them in
 * memory; called by start-up when the board asks for ACPI. */
void acpi_setup(bool direct_kernel);

#endif
