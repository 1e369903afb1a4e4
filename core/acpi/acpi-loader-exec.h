/*
 * Running QEMU's linker/loader commands without firmware.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_ACPI_LOADER_EXEC_H
#define CORE_ACPI_LOADER_EXEC_H

#include "acpi/acpi-internal.h"

/* A file the commands may name, and where ALLOCATE placed it. */
typedef struct AcpiLoaderFile {
    const char *name;
    const uint8_t *data;
    uint32_t size;
    uint64_t addr;      /* guest address, once allocated */
    uint8_t *host;      /* the placed copy, once allocated */
} AcpiLoaderFile;

/* Where ALLOCATE puts a file: size bytes aligned to align in zone; the
 * guest address in *addr and a host pointer to those bytes, or NULL with
 * errp set when there is no room. */
typedef struct AcpiLoaderTarget {
    uint8_t *(*allocate)(void *opaque, const char *file, uint32_t size, uint32_t align,
                         uint8_t zone, uint64_t *addr, Error **errp);
    void *opaque;
} AcpiLoaderTarget;

/* Run the commands over files, in order; false with errp set at the first
 * command that names an unknown or unallocated file, or reaches outside
 * one. */
bool acpi_loader_execute(const uint8_t *cmds, size_t len, AcpiLoaderFile *files, unsigned n,
                         const AcpiLoaderTarget *t, Error **errp);

#endif
