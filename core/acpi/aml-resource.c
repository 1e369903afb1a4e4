/*
 * Resource descriptors for ResourceTemplate (include/cardcage/acpi.h).
 * Layouts and flag bits are those of ACPI 6.4 section 6.4 "Resource Data
 * Types for ACPI": small items carry their tag and length in one byte,
 * large items a tag byte and a 16-bit length.
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/acpi.h>
#include "acpi/aml-internal.h"

static void put_le(GByteArray *b, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        uint8_t c = v >> (8 * i);
        g_byte_array_append(b, &c, 1);
    }
}

static Aml *take(GByteArray *b)
{
    Aml *a = aml_raw(b->data, b->len);
    g_byte_array_unref(b);
    return a;
}

/* Small item tag byte (6.4.2): bits 6:3 the item name, 2:0 its length. */
static GByteArray *small_item(uint8_t name, uint8_t len)
{
    GByteArray *b = g_byte_array_new();
    put_le(b, (name << 3) | len, 1);
    return b;
}

/* I/O Port Descriptor (6.4.2.5): decode bit 0 set: 16-bit decode. */
Aml *aml_io(uint16_t min, uint16_t max, uint8_t align, uint8_t len)
{
    GByteArray *b = small_item(0x8, 7);
    put_le(b, 0x01, 1);
    put_le(b, min, 2);
    put_le(b, max, 2);
    put_le(b, align, 1);
    put_le(b, len, 1);
    return take(b);
}

/* Fixed Location I/O Port Descriptor (6.4.2.6): 10-bit base. */
Aml *aml_fixed_io(uint16_t base, uint8_t len)
{
    GByteArray *b = small_item(0x9, 3);
    put_le(b, base & 0x3ff, 2);
    put_le(b, len, 1);
    return take(b);
}

/* IRQ Descriptor (6.4.2.1) without its flags byte: a mask of IRQs 0-15,
 * edge-triggered, active high. */
Aml *aml_irq_no_flags(uint8_t irq)
{
    g_assert(irq < 16);
    GByteArray *b = small_item(0x4, 2);
    put_le(b, 1u << irq, 2);
    return take(b);
}

/* 32-Bit Fixed Memory Range Descriptor (6.4.3.4): tag 0x86, length 9,
 * information bit 0 read-write (else read-only), base, length. */
Aml *aml_memory32_fixed(uint32_t base, uint32_t len, bool read_write)
{
    GByteArray *b = g_byte_array_new();
    put_le(b, 0x86, 1);
    put_le(b, 9, 2);
    put_le(b, read_write ? 0x01 : 0x00, 1);
    put_le(b, base, 4);
    put_le(b, len, 4);
    return take(b);
}

/* Extended Interrupt Descriptor (6.4.3.6): tag 0x89; flags bit 0
 * consumer, bit 1 edge (else level), bit 2 active low, bit 3 shared;
 * a count and the interrupt numbers. */
Aml *aml_interrupt(bool level, bool active_low, bool shared, const uint32_t *irqs, unsigned n)
{
    g_assert(n >= 1 && n <= 255);
    GByteArray *b = g_byte_array_new();
    put_le(b, 0x89, 1);
    put_le(b, 2 + 4 * n, 2);
    put_le(b, 0x01 | (level ? 0 : 0x02) | (active_low ? 0x04 : 0) | (shared ? 0x08 : 0), 1);
    put_le(b, n, 1);
    for (unsigned i = 0; i < n; i++) {
        put_le(b, irqs[i], 4);
    }
    return take(b);
}

/* Address Space Descriptors (6.4.3.5.1-3): tag, length, resource type
 * (0 memory, 1 I/O, 2 bus numbers), general flags (bit 3 MaxFixed, bit 2
 * MinFixed, bit 1 subtractive decode, bit 0 consumer: here a producer with
 * fixed bounds, 0x0c), type-specific flags, then granularity, minimum,
 * maximum, translation offset and length, each `width` bytes. */
enum { RES_MEMORY = 0, RES_IO = 1, RES_BUS = 2 };

static Aml *address_space(uint8_t tag, int width, uint8_t type, uint8_t type_flags,
                          uint64_t min, uint64_t max)
{
    GByteArray *b = g_byte_array_new();
    put_le(b, tag, 1);
    put_le(b, 3 + 5 * width, 2);
    put_le(b, type, 1);
    put_le(b, 0x0c, 1);
    put_le(b, type_flags, 1);
    put_le(b, 0, width);                 /* granularity */
    put_le(b, min, width);
    put_le(b, max, width);
    put_le(b, 0, width);                 /* translation offset */
    put_le(b, max - min + 1, width);
    return take(b);
}

Aml *aml_word_bus_number(uint16_t min, uint16_t max)
{
    return address_space(0x88, 2, RES_BUS, 0, min, max);
}

/* I/O type-specific flags (6.4.3.5.5 "Resource Type Specific Flags"):
 * _RNG 3, entire range. */
Aml *aml_word_io(uint16_t min, uint16_t max)
{
    return address_space(0x88, 2, RES_IO, 0x03, min, max);
}

/* Memory type-specific flags (6.4.3.5.5): bit 0 read-write, bits 2:1
 * _MEM (0 non-cacheable, 1 cacheable). */
static uint8_t mem_flags(bool cacheable)
{
    return 0x01 | (cacheable ? 0x02 : 0);
}

Aml *aml_dword_memory(uint32_t min, uint32_t max, bool cacheable)
{
    return address_space(0x87, 4, RES_MEMORY, mem_flags(cacheable), min, max);
}

Aml *aml_qword_memory(uint64_t min, uint64_t max, bool cacheable)
{
    return address_space(0x8a, 8, RES_MEMORY, mem_flags(cacheable), min, max);
}
