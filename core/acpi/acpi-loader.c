/*
 * The commands of QEMU's BIOS linker/loader (etc/table-loader), which
 * SeaBIOS executes to place the tables (src/fw/romfile_loader.c): allocate
 * a fw_cfg file in guest memory, add a file's address to a field of
 * another, and fix a checksum.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "acpi/acpi-internal.h"

static uint8_t *new_entry(GByteArray *loader, uint32_t command)
{
    guint at = loader->len;
    g_byte_array_set_size(loader, at + ACPI_LOADER_ENTRY_SIZE);
    uint8_t *e = loader->data + at;
    memset(e, 0, ACPI_LOADER_ENTRY_SIZE);
    for (int i = 0; i < 4; i++) {
        e[i] = command >> (8 * i);
    }
    return e;
}

static void put_name(uint8_t *field, const char *file)
{
    size_t n = strlen(file);
    /* The names are the core's constants: the terminating NUL must fit. */
    g_assert(n < ACPI_LOADER_FILESZ);
    memcpy(field, file, n);
}

static void put_le(uint8_t *field, uint32_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        field[i] = v >> (8 * i);
    }
}

void acpi_loader_allocate(GByteArray *loader, const char *file, uint32_t align, uint8_t zone)
{
    uint8_t *e = new_entry(loader, ACPI_LOADER_ALLOCATE);
    put_name(e + 4, file);
    put_le(e + 4 + ACPI_LOADER_FILESZ, align, 4);
    e[8 + ACPI_LOADER_FILESZ] = zone;
}

void acpi_loader_add_pointer(GByteArray *loader, const char *dest, uint32_t offset,
                             uint8_t size, const char *src)
{
    uint8_t *e = new_entry(loader, ACPI_LOADER_ADD_POINTER);
    put_name(e + 4, dest);
    put_name(e + 4 + ACPI_LOADER_FILESZ, src);
    put_le(e + 4 + 2 * ACPI_LOADER_FILESZ, offset, 4);
    e[8 + 2 * ACPI_LOADER_FILESZ] = size;
}

void acpi_loader_add_checksum(GByteArray *loader, const char *file, uint32_t offset,
                              uint32_t start, uint32_t length)
{
    uint8_t *e = new_entry(loader, ACPI_LOADER_ADD_CHECKSUM);
    put_name(e + 4, file);
    put_le(e + 4 + ACPI_LOADER_FILESZ, offset, 4);
    put_le(e + 8 + ACPI_LOADER_FILESZ, start, 4);
    put_le(e + 12 + ACPI_LOADER_FILESZ, length, 4);
}
