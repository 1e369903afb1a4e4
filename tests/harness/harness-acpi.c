/*
 * The machine's ACPI tables for plugin tests: the core's own builder run
 * over the devices that exist, its tables file walked by header lengths
 * (the FACS first, 64 bytes, then every table back to back; see
 * core/acpi/acpi-build.c).
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/bswap.h>
#include "harness-acpi.h"
#include "acpi/acpi-internal.h"

/* ACPI 6.4 5.2.6: the signature, then the length, in every header; the
 * FACS has the same two fields first (5.2.10). */
#define HDR_LENGTH 4

GByteArray *harness_acpi_table(const char *signature, unsigned nth)
{
    AcpiMachineInfo info;
    acpi_gather(&info);
    AcpiBuilder *b = acpi_builder_new();
    acpi_build_all(b, &info);
    GByteArray *found = NULL;
    const GByteArray *t = b->tables;
    for (guint at = 0; !found && at + 8 <= t->len;) {
        uint32_t len = cc_ld_le32(t->data + at + HDR_LENGTH);
        g_assert(len >= 8 && len <= t->len - at);
        if (!memcmp(t->data + at, signature, 4) && nth-- == 0) {
            found = g_byte_array_new();
            g_byte_array_append(found, t->data + at, len);
        }
        at += len;
    }
    acpi_builder_free(b);
    acpi_machine_info_clear(&info);
    return found;
}

bool harness_acpi_contains(const GByteArray *table, const void *needle, size_t len)
{
    return len <= table->len && memmem(table->data, table->len, needle, len) != NULL;
}
