/*
 * The MultiProcessor Specification's tables (Intel MP spec 1.4, chapter 4)
 * for a kernel started directly: what SeaBIOS would have left in the F
 * segment, for a guest that boots with acpi=off (or predates ACPI) and
 * still wants its CPUs, its I/O APIC and the ISA interrupt routing.  They
 * are made from the MADT the core built, so the two never disagree: one
 * processor entry per local APIC entry (the first is the boot processor),
 * one I/O APIC entry per I/O APIC, with IDs after the processors' (an
 * MP-table kernel insists that they differ, as on the P6 APIC bus, and
 * programs the I/O APIC's ID register to what the table says; the MADT's
 * ID 0 is QEMU's), ISA IRQ n on pin n but where an
 * interrupt source override says otherwise (IRQ0 on pin 2; the override's
 * MPS INTI flags are the MP spec's I/O interrupt flags, ACPI 6.4 5.2.12.5),
 * and the 8259 on LINT0 (ExtINT) and NMI on LINT1 of every local APIC, as
 * in virtual-wire mode (MP spec 3.6.2.2, 5.1).
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/acpi.h>
#include "acpi/acpi-internal.h"

/* MADT (ACPI 6.4 5.2.12): header, local APIC address, flags, entries. */
enum { MADT_HEADER = 36, MADT_LAPIC_ADDR = 36, MADT_FIRST = 44 };
enum { MADT_LAPIC = 0, MADT_IOAPIC = 1, MADT_ISO = 2 };

/* MP configuration table entry types and fields (MP spec 4.3). */
enum { MP_PROC = 0, MP_BUS = 1, MP_IOAPIC = 2, MP_IOINT = 3, MP_LINT = 4 };
enum { MP_INT = 0, MP_NMI = 1, MP_EXTINT = 3 };
#define MP_PROC_EN 0x01
#define MP_PROC_BP 0x02
#define MP_SPEC_REV 4                  /* 1.4 */
#define MP_HEADER 44
#define MP_CHECKSUM 7
#define MP_COUNT 34
#define MP_LENGTH 4
/* A P6 family processor: signature family 6 (MP spec table 4-5), and the
 * features that matter to the table's reader: FPU and APIC (CPUID.1:EDX
 * bits 0 and 9). */
#define MP_CPU_SIGNATURE 0x00000600u
#define MP_CPU_FEATURES  0x00000201u
#define MP_APIC_VERSION  0x11

static void put_u16_at(GByteArray *t, guint at, uint16_t v)
{
    t->data[at] = v & 0xff;
    t->data[at + 1] = v >> 8;
}

static uint32_t get_u32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The pin of ISA IRQ irq, and its flags, from the MADT's overrides. */
static unsigned isa_pin(const uint8_t *madt, uint32_t len, unsigned irq, uint16_t *flags)
{
    *flags = 0;
    for (uint32_t at = MADT_FIRST; at + 2 <= len && madt[at + 1] >= 2; at += madt[at + 1]) {
        if (madt[at] == MADT_ISO && at + 10 <= len && madt[at + 3] == irq) {
            *flags = madt[at + 8] | madt[at + 9] << 8;
            return get_u32(madt + at + 4);
        }
    }
    return irq;
}

bool acpi_mptable_from_madt(const uint8_t *madt, uint32_t len, uint32_t base, GByteArray *out)
{
    if (len < MADT_FIRST || memcmp(madt, "APIC", 4)) {
        return false;
    }
    /* The floating pointer structure (4.1), then the table at base + 16. */
    g_byte_array_append(out, (const uint8_t *)"_MP_", 4);
    acpi_append_u32(out, base + 16);
    acpi_append_u8(out, 1);            /* length in 16-byte units */
    acpi_append_u8(out, MP_SPEC_REV);
    acpi_append_u8(out, 0);            /* checksum, below */
    for (int i = 0; i < 5; i++) {
        acpi_append_u8(out, 0);        /* a configuration table; no IMCR */
    }
    out->data[10] = acpi_checksum(out->data, 16);

    GByteArray *t = g_byte_array_new();
    g_byte_array_append(t, (const uint8_t *)"PCMP", 4);
    acpi_append_u16(t, 0);             /* base table length, below */
    acpi_append_u8(t, MP_SPEC_REV);
    acpi_append_u8(t, 0);              /* checksum, below */
    g_byte_array_append(t, (const uint8_t *)"CARDCAGE", 8);
    g_byte_array_append(t, (const uint8_t *)"PC          ", 12);
    acpi_append_u32(t, 0);             /* no OEM table */
    acpi_append_u16(t, 0);
    acpi_append_u16(t, 0);             /* entry count, below */
    acpi_append_u32(t, get_u32(madt + MADT_LAPIC_ADDR));
    acpi_append_u16(t, 0);             /* no extended table */
    acpi_append_u8(t, 0);
    acpi_append_u8(t, 0);
    unsigned count = 0, nproc = 0;
    bool first = true;
    int ioapic_id = -1;
    for (uint32_t at = MADT_FIRST; at + 2 <= len && madt[at + 1] >= 2; at += madt[at + 1]) {
        if (madt[at] == MADT_LAPIC && at + 8 <= len && (get_u32(madt + at + 4) & 1)) {
            acpi_append_u8(t, MP_PROC);
            acpi_append_u8(t, madt[at + 3]);
            acpi_append_u8(t, MP_APIC_VERSION);
            acpi_append_u8(t, MP_PROC_EN | (first ? MP_PROC_BP : 0));
            acpi_append_u32(t, MP_CPU_SIGNATURE);
            acpi_append_u32(t, MP_CPU_FEATURES);
            acpi_append_u32(t, 0);
            acpi_append_u32(t, 0);
            first = false;
            count++;
            nproc++;
        }
    }
    unsigned next_id = nproc;
    acpi_append_u8(t, MP_BUS);
    acpi_append_u8(t, 0);
    g_byte_array_append(t, (const uint8_t *)"ISA   ", 6);
    count++;
    for (uint32_t at = MADT_FIRST; at + 2 <= len && madt[at + 1] >= 2; at += madt[at + 1]) {
        if (madt[at] == MADT_IOAPIC && at + 12 <= len) {
            unsigned id = next_id++ & 0xff;
            acpi_append_u8(t, MP_IOAPIC);
            acpi_append_u8(t, id);
            acpi_append_u8(t, MP_APIC_VERSION);
            acpi_append_u8(t, 1);      /* enabled */
            acpi_append_u32(t, get_u32(madt + at + 4));
            if (ioapic_id < 0 && get_u32(madt + at + 8) == 0) {
                ioapic_id = id;        /* the one whose pins start at GSI 0 */
            }
            count++;
        }
    }
    if (ioapic_id >= 0) {
        uint32_t used = 0;
        for (unsigned irq = 0; irq < 16; irq++) {
            uint16_t flags;
            unsigned pin = isa_pin(madt, len, irq, &flags);
            /* IRQ2 is the 8259 cascade; a pin another IRQ took is not
             * reused (IRQ0's pin 2). */
            if (irq == 2 || pin >= 24 || (used & (1u << pin))) {
                continue;
            }
            used |= 1u << pin;
            acpi_append_u8(t, MP_IOINT);
            acpi_append_u8(t, MP_INT);
            acpi_append_u16(t, flags);
            acpi_append_u8(t, 0);      /* the ISA bus */
            acpi_append_u8(t, irq);
            acpi_append_u8(t, ioapic_id);
            acpi_append_u8(t, pin);
            count++;
        }
    }
    static const uint8_t lints[2][2] = { { MP_EXTINT, 0 }, { MP_NMI, 1 } };
    for (int i = 0; i < 2; i++) {
        acpi_append_u8(t, MP_LINT);
        acpi_append_u8(t, lints[i][0]);
        acpi_append_u16(t, 0);
        acpi_append_u8(t, 0);
        acpi_append_u8(t, 0);
        acpi_append_u8(t, 0xff);       /* every local APIC */
        acpi_append_u8(t, lints[i][1]);
        count++;
    }
    put_u16_at(t, MP_LENGTH, (uint16_t)t->len);
    put_u16_at(t, MP_COUNT, (uint16_t)count);
    t->data[MP_CHECKSUM] = acpi_checksum(t->data, t->len);
    g_byte_array_append(out, t->data, t->len);
    g_byte_array_free(t, TRUE);
    return true;
}
