/*
 * Running the linker/loader commands (etc/table-loader) the way SeaBIOS's
 * src/fw/romfile_loader.c does, for the core's own use: placing the tables
 * in guest memory when no firmware runs them, and checking them in tests.
 * Every field of a command is checked against the files it names, so a
 * malformed command list is refused, not obeyed.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "acpi/acpi-loader-exec.h"

static uint32_t get_le(const uint8_t *p, int bytes)
{
    uint32_t v = 0;
    for (int i = 0; i < bytes; i++) {
        v |= (uint32_t)p[i] << (8 * i);
    }
    return v;
}

/* The file a command names: NUL-terminated within its 56 bytes. */
static AcpiLoaderFile *find_file(AcpiLoaderFile *files, unsigned n, const uint8_t *field,
                                 Error **errp)
{
    if (!memchr(field, 0, ACPI_LOADER_FILESZ)) {
        error_setg(errp, "table-loader: a file name is not terminated");
        return NULL;
    }
    for (unsigned i = 0; i < n; i++) {
        if (!strcmp(files[i].name, (const char *)field)) {
            return &files[i];
        }
    }
    error_setg(errp, "table-loader: no file '%s'", (const char *)field);
    return NULL;
}

static AcpiLoaderFile *find_placed(AcpiLoaderFile *files, unsigned n, const uint8_t *field,
                                   Error **errp)
{
    AcpiLoaderFile *f = find_file(files, n, field, errp);
    if (f && !f->host) {
        error_setg(errp, "table-loader: '%s' is used before it is allocated", f->name);
        return NULL;
    }
    return f;
}

static bool run_allocate(const uint8_t *e, AcpiLoaderFile *files, unsigned n,
                         const AcpiLoaderTarget *t, Error **errp)
{
    AcpiLoaderFile *f = find_file(files, n, e + 4, errp);
    uint32_t align = get_le(e + 4 + ACPI_LOADER_FILESZ, 4);
    uint8_t zone = e[8 + ACPI_LOADER_FILESZ];
    if (!f) {
        return false;
    }
    if (f->host) {
        error_setg(errp, "table-loader: '%s' is allocated twice", f->name);
        return false;
    }
    if (!align || (align & (align - 1))) {
        error_setg(errp, "table-loader: '%s': alignment %u is not a power of two", f->name,
                   align);
        return false;
    }
    if (zone != ACPI_LOADER_ZONE_HIGH && zone != ACPI_LOADER_ZONE_FSEG) {
        error_setg(errp, "table-loader: '%s': unknown zone %u", f->name, zone);
        return false;
    }
    f->host = t->allocate(t->opaque, f->name, f->size, align, zone, &f->addr, errp);
    if (!f->host) {
        return false;
    }
    memcpy(f->host, f->data, f->size);
    return true;
}

static bool run_add_pointer(const uint8_t *e, AcpiLoaderFile *files, unsigned n,
                            Error **errp)
{
    AcpiLoaderFile *dst = find_placed(files, n, e + 4, errp);
    AcpiLoaderFile *src = dst ? find_placed(files, n, e + 4 + ACPI_LOADER_FILESZ, errp) : NULL;
    if (!src) {
        return false;
    }
    uint32_t offset = get_le(e + 4 + 2 * ACPI_LOADER_FILESZ, 4);
    uint8_t size = e[8 + 2 * ACPI_LOADER_FILESZ];
    if ((size != 1 && size != 2 && size != 4 && size != 8) || offset > dst->size ||
        size > dst->size - offset) {
        error_setg(errp, "table-loader: pointer of %u bytes at %u outside '%s' (%u bytes)",
                   size, offset, dst->name, dst->size);
        return false;
    }
    uint64_t v = 0;
    for (int i = 0; i < size; i++) {
        v |= (uint64_t)dst->host[offset + i] << (8 * i);
    }
    v += src->addr;
    for (int i = 0; i < size; i++) {
        dst->host[offset + i] = v >> (8 * i);
    }
    return true;
}

static bool run_add_checksum(const uint8_t *e, AcpiLoaderFile *files, unsigned n,
                             Error **errp)
{
    AcpiLoaderFile *f = find_placed(files, n, e + 4, errp);
    if (!f) {
        return false;
    }
    uint32_t offset = get_le(e + 4 + ACPI_LOADER_FILESZ, 4);
    uint32_t start = get_le(e + 8 + ACPI_LOADER_FILESZ, 4);
    uint32_t length = get_le(e + 12 + ACPI_LOADER_FILESZ, 4);
    if (offset >= f->size || start > f->size || length > f->size - start) {
        error_setg(errp, "table-loader: checksum outside '%s'", f->name);
        return false;
    }
    /* The byte is adjusted by the sum so far: it must be zero before. */
    uint8_t sum = 0;
    for (uint32_t i = 0; i < length; i++) {
        sum += f->host[start + i];
    }
    f->host[offset] -= sum;
    return true;
}

bool acpi_loader_execute(const uint8_t *cmds, size_t len, AcpiLoaderFile *files, unsigned n,
                         const AcpiLoaderTarget *t, Error **errp)
{
    if (len % ACPI_LOADER_ENTRY_SIZE) {
        error_setg(errp, "table-loader: %zu bytes is not a whole number of commands", len);
        return false;
    }
    for (size_t at = 0; at < len; at += ACPI_LOADER_ENTRY_SIZE) {
        const uint8_t *e = cmds + at;
        bool ok = true;
        switch (get_le(e, 4)) {
        case ACPI_LOADER_ALLOCATE:
            ok = run_allocate(e, files, n, t, errp);
            break;
        case ACPI_LOADER_ADD_POINTER:
            ok = run_add_pointer(e, files, n, errp);
            break;
        case ACPI_LOADER_ADD_CHECKSUM:
            ok = run_add_checksum(e, files, n, errp);
            break;
        default:
            /* SeaBIOS skips commands it does not know (newer QEMUs add
             * some); so do we. */
            break;
        }
        if (!ok) {
            return false;
        }
    }
    return true;
}
