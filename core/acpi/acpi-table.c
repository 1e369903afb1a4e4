/*
 * Table helpers (include/cardcage/acpi.h) and the builder that gathers
 * the tables into QEMU's etc/acpi/tables file.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "acpi/acpi-internal.h"

/* System Description Table Header (ACPI 6.4 5.2.6, Table 5.4). */
enum {
    HDR_LENGTH = 4, HDR_CHECKSUM = 9,
};
#define ACPI_CREATOR_ID "CRDC"
#define ACPI_CREATOR_REVISION 1

void acpi_append_u8(GByteArray *t, uint8_t v)
{
    g_byte_array_append(t, &v, 1);
}

void acpi_append_u16(GByteArray *t, uint16_t v)
{
    acpi_append_u8(t, v);
    acpi_append_u8(t, v >> 8);
}

void acpi_append_u32(GByteArray *t, uint32_t v)
{
    acpi_append_u16(t, v);
    acpi_append_u16(t, v >> 16);
}

void acpi_append_u64(GByteArray *t, uint64_t v)
{
    acpi_append_u32(t, v);
    acpi_append_u32(t, v >> 32);
}

static void append_padded(GByteArray *t, const char *s, size_t width)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < width; i++) {
        acpi_append_u8(t, i < n ? (uint8_t)s[i] : ' ');
    }
}

GByteArray *acpi_table_begin(const char *signature, uint8_t revision)
{
    g_assert(strlen(signature) == 4);
    GByteArray *t = g_byte_array_new();
    g_byte_array_append(t, (const uint8_t *)signature, 4);
    acpi_append_u32(t, 0);                    /* length: when added */
    acpi_append_u8(t, revision);
    acpi_append_u8(t, 0);                     /* checksum: when added */
    append_padded(t, ACPI_OEM_ID, 6);
    append_padded(t, ACPI_OEM_TABLE_ID, 8);
    acpi_append_u32(t, 1);                    /* OEM revision */
    append_padded(t, ACPI_CREATOR_ID, 4);
    acpi_append_u32(t, ACPI_CREATOR_REVISION);
    g_assert(t->len == ACPI_TABLE_HEADER_SIZE);
    return t;
}

void acpi_append_gas(GByteArray *t, uint8_t space, uint8_t bit_width, uint8_t bit_offset,
                     uint8_t access_size, uint64_t address)
{
    acpi_append_u8(t, space);
    acpi_append_u8(t, bit_width);
    acpi_append_u8(t, bit_offset);
    acpi_append_u8(t, access_size);
    acpi_append_u64(t, address);
}

void acpi_append_aml(GByteArray *t, Aml *aml)
{
    GByteArray *bytes = aml_serialize(aml);
    g_byte_array_append(t, bytes->data, bytes->len);
    g_byte_array_unref(bytes);
}

uint8_t acpi_checksum(const uint8_t *data, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++) {
        sum += data[i];
    }
    return -sum;
}

/* Interrupt Controller Structures (ACPI 6.4 5.2.12.3, 5.2.12.5): type,
 * length, then the fields. */
void acpi_madt_add_ioapic(GByteArray *madt, uint8_t id, uint32_t address, uint32_t gsi_base)
{
    acpi_append_u8(madt, 1);
    acpi_append_u8(madt, 12);
    acpi_append_u8(madt, id);
    acpi_append_u8(madt, 0);
    acpi_append_u32(madt, address);
    acpi_append_u32(madt, gsi_base);
}

void acpi_madt_add_irq_override(GByteArray *madt, uint8_t source, uint32_t gsi,
                                uint16_t flags)
{
    acpi_append_u8(madt, 2);
    acpi_append_u8(madt, 10);
    acpi_append_u8(madt, 0);                  /* bus: ISA */
    acpi_append_u8(madt, source);
    acpi_append_u32(madt, gsi);
    acpi_append_u16(madt, flags);
}

/* ---- the builder ---- */

AcpiBuilder *acpi_builder_new(void)
{
    AcpiBuilder *b = g_new0(AcpiBuilder, 1);
    b->tables = g_byte_array_new();
    b->rsdp = g_byte_array_new();
    b->loader = g_byte_array_new();
    b->rsdt = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    return b;
}

void acpi_builder_free(AcpiBuilder *b)
{
    if (b) {
        g_byte_array_unref(b->tables);
        g_byte_array_unref(b->rsdp);
        g_byte_array_unref(b->loader);
        g_array_unref(b->rsdt);
        g_free(b);
    }
}

static void put_u32_at(GByteArray *t, uint32_t off, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        t->data[off + i] = v >> (8 * i);
    }
}

uint32_t acpi_builder_add(AcpiBuilder *b, GByteArray *table, const uint32_t *ptr_offsets,
                          unsigned n_ptrs, bool in_rsdt)
{
    g_assert(table->len >= ACPI_TABLE_HEADER_SIZE);
    uint32_t at = b->tables->len;
    put_u32_at(table, HDR_LENGTH, table->len);
    table->data[HDR_CHECKSUM] = 0;
    g_byte_array_append(b->tables, table->data, table->len);
    /* The pointers first: the checksum is computed when its command runs,
     * over the patched bytes. */
    for (unsigned i = 0; i < n_ptrs; i++) {
        acpi_loader_add_pointer(b->loader, ACPI_TABLES_FILE, at + ptr_offsets[i], 4,
                                ACPI_TABLES_FILE);
    }
    acpi_loader_add_checksum(b->loader, ACPI_TABLES_FILE, at + HDR_CHECKSUM, at, table->len);
    if (in_rsdt) {
        g_array_append_val(b->rsdt, at);
    }
    g_byte_array_unref(table);
    return at;
}

void acpi_builder_add_table(AcpiBuilder *b, GByteArray *table)
{
    acpi_builder_add(b, table, NULL, 0, true);
}
