/*
 * Unit tests of the 82093AA I/O APIC: the ID, version and arbitration
 * registers, the reset state of the redirection table, edge and level
 * triggering, polarity, masking, Remote IRR with the EOI broadcast and
 * redelivery, every delivery mode, the delivery status of an interrupt no
 * APIC accepts, a real local APIC receiving, and a hostile guest hitting
 * the window with every size and index.  The messages are caught by a fake
 * local APIC (ID 1, logical bit 1; tests/harness/fake-apic.h) beside a
 * real one (ID 0).
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "harness.h"
#include "fake-apic.h"
#include "harness-acpi.h"

#define IOAPIC_BASE 0xfec00000u
#define LAPIC_BASE 0xfee00000u

static DeviceState *ioapic, *lapic;
static FakeAPIC *fake;

static uint32_t mmio_rd(hwaddr addr, unsigned size)
{
    MemTxResult r;
    uint64_t v = address_space_ld(address_space_memory(), addr, size, &r);
    assert_int_equal(r, MEMTX_OK);
    return (uint32_t)v;
}

static void mmio_wr(hwaddr addr, uint32_t v, unsigned size)
{
    MemTxResult r;
    address_space_st(address_space_memory(), addr, v, size, &r);
    assert_int_equal(r, MEMTX_OK);
}

static uint32_t rd(uint8_t index)
{
    mmio_wr(IOAPIC_BASE, index, 4);
    return mmio_rd(IOAPIC_BASE + 0x10, 4);
}

static void wr(uint8_t index, uint32_t v)
{
    mmio_wr(IOAPIC_BASE, index, 4);
    mmio_wr(IOAPIC_BASE + 0x10, v, 4);
}

/* Program pin's redirection entry: low dword, destination byte. */
static void entry(int pin, uint32_t lo, uint8_t dest)
{
    wr(0x10 + 2 * pin + 1, (uint32_t)dest << 24);
    wr(0x10 + 2 * pin, lo);
}

static uint32_t entry_lo(int pin)
{
    return rd(0x10 + 2 * pin);
}

static void line(int pin, int level)
{
    irq_set(device_get_gpio_in_named(ioapic, "in", pin), level);
}

#define LEVEL      (1u << 15)
#define ACTIVE_LOW (1u << 13)
#define MASKED     (1u << 16)
#define REMOTE_IRR (1u << 14)
#define DELIVS     (1u << 12)
#define LOGICAL    (1u << 11)

static int group_setup(void **state)
{
    harness_load_plugin("apic");
    harness_load_plugin("ioapic");
    lapic = harness_create("apic", "lapic", NULL, NULL);
    ioapic = harness_create("ioapic", "ioapic", NULL, NULL);
    Error *err = NULL;
    assert_true(sysbus_mmio_map(SYS_BUS_DEVICE(ioapic), 0, IOAPIC_BASE, 0, &err));
    fake = fake_apic_new(1, 0x02, 0x10);
    return 0;
}

static int setup(void **state)
{
    for (int i = 0; i < 24; i++) {
        line(i, 0);
    }
    device_cold_reset(ioapic);
    device_cold_reset(lapic);
    fake_apic_clear(fake);
    return 0;
}

/* 82093AA 3.2.1-3.2.4. */
static void test_registers(void **state)
{
    assert_int_equal(rd(0x00), 0);
    assert_int_equal(rd(0x01), 0x00170011);
    assert_int_equal(rd(0x02), 0);
    for (int pin = 0; pin < 24; pin++) {
        assert_int_equal(rd(0x10 + 2 * pin), MASKED);
        assert_int_equal(rd(0x11 + 2 * pin), 0);
    }
    /* The ID has 4 bits and loads the arbitration ID. */
    wr(0x00, 0xff000000);
    assert_int_equal(rd(0x00), 0x0f000000);
    assert_int_equal(rd(0x02), 0x0f000000);
    wr(0x00, 0x02000000);
    assert_int_equal(rd(0x00), 0x02000000);
    assert_int_equal(rd(0x02), 0x02000000);
    /* Version and arbitration are read-only. */
    wr(0x01, 0);
    wr(0x02, 0x05000000);
    assert_int_equal(rd(0x01), 0x00170011);
    assert_int_equal(rd(0x02), 0x02000000);
    /* IOREGSEL reads back its byte. */
    mmio_wr(IOAPIC_BASE, 0x1234, 4);
    assert_int_equal(mmio_rd(IOAPIC_BASE, 4), 0x34);
    /* Entries: reserved, delivery status and Remote IRR bits stay 0. */
    wr(0x12, 0xffffffff);
    assert_int_equal(rd(0x12), 0x0001afff);
    wr(0x13, 0xffffffff);
    assert_int_equal(rd(0x13), 0xff000000);
    /* The property sets the ID after reset. */
    DeviceState *other = harness_create("ioapic", "ioapic2", NULL,
                                        (const char *[]){ "id=9", NULL });
    harness_destroy(other);
    Error *err = NULL;
    assert_null(harness_try_create("ioapic", "ioapic3", NULL, (const char *[]){ "id=16", NULL },
                                   &err));
    assert_non_null(err);
    error_free(err);
}

/* Edge: one message per rising edge, none while the line stays high. */
static void test_edge(void **state)
{
    entry(4, 0x34, 1);
    line(4, 1);
    assert_int_equal(fake->count, 1);
    const APICMessage *m = fake_apic_last(fake);
    assert_int_equal(m->vector, 0x34);
    assert_int_equal(m->delivery_mode, APIC_DM_FIXED);
    assert_int_equal(m->dest, 1);
    assert_false(m->dest_logical);
    assert_false(m->level);
    assert_null(m->source);
    line(4, 1);
    assert_int_equal(fake->count, 1);
    line(4, 0);
    assert_int_equal(fake->count, 1);
    line(4, 1);
    assert_int_equal(fake->count, 2);
    /* No Remote IRR for edge entries. */
    assert_int_equal(entry_lo(4), 0x34);
    /* Pins beyond 23 do not exist. */
    IRQState *none = device_get_gpio_in_named(ioapic, "in", 24);
    assert_null(none);
}

/* Level: Remote IRR set on acceptance, cleared by the EOI of its vector,
 * then sent again while the line is asserted (3.2.4, bit 14). */
static void test_level_remote_irr(void **state)
{
    entry(9, LEVEL | 0x39, 1);
    line(9, 1);
    assert_int_equal(fake->count, 1);
    assert_true(fake_apic_last(fake)->level);
    assert_int_equal(entry_lo(9), LEVEL | REMOTE_IRR | 0x39);
    line(9, 1);
    assert_int_equal(fake->count, 1);
    apic_bus_broadcast_eoi(0x38);           /* another vector */
    assert_int_equal(fake->count, 1);
    assert_true(entry_lo(9) & REMOTE_IRR);
    apic_bus_broadcast_eoi(0x39);           /* still asserted: again */
    assert_int_equal(fake->count, 2);
    assert_true(entry_lo(9) & REMOTE_IRR);
    line(9, 0);
    apic_bus_broadcast_eoi(0x39);
    assert_int_equal(fake->count, 2);
    assert_int_equal(entry_lo(9), LEVEL | 0x39);
    /* Remote IRR is read-only. */
    line(9, 1);
    assert_int_equal(fake->count, 3);
    wr(0x10 + 18, LEVEL | 0x39);
    assert_true(entry_lo(9) & REMOTE_IRR);
    assert_int_equal(fake->count, 3);
    /* Switching to edge clears it. */
    wr(0x10 + 18, 0x39);
    assert_int_equal(entry_lo(9), 0x39);
}

/* Mask (3.2.4, bit 16): edges while masked are lost; a level asserted
 * while masked is sent when unmasked. */
static void test_mask(void **state)
{
    entry(3, MASKED | 0x33, 1);
    line(3, 1);
    assert_int_equal(fake->count, 0);
    entry(3, 0x33, 1);
    assert_int_equal(fake->count, 0);
    line(3, 0);
    line(3, 1);
    assert_int_equal(fake->count, 1);

    entry(10, MASKED | LEVEL | 0x3a, 1);
    line(10, 1);
    assert_int_equal(fake->count, 1);
    entry(10, LEVEL | 0x3a, 1);
    assert_int_equal(fake->count, 2);
    assert_int_equal(fake_apic_last(fake)->vector, 0x3a);
    /* Masked while awaiting the EOI: the EOI sends nothing. */
    entry(10, MASKED | LEVEL | 0x3a, 1);
    apic_bus_broadcast_eoi(0x3a);
    assert_int_equal(fake->count, 2);
    assert_false(entry_lo(10) & REMOTE_IRR);
    entry(10, LEVEL | 0x3a, 1);
    assert_int_equal(fake->count, 3);
}

/* Polarity (3.2.4, bit 13): active low inverts the input. */
static void test_polarity(void **state)
{
    /* A low line is asserted for an active-low level entry. */
    entry(11, ACTIVE_LOW | LEVEL | 0x3b, 1);
    assert_int_equal(fake->count, 1);
    line(11, 1);                            /* de-asserted */
    apic_bus_broadcast_eoi(0x3b);
    assert_int_equal(fake->count, 1);
    line(11, 0);
    assert_int_equal(fake->count, 2);
    /* Active-low edge: the falling edge of the line sends. */
    entry(12, ACTIVE_LOW | 0x3c, 1);
    line(12, 1);
    assert_int_equal(fake->count, 2);
    line(12, 0);
    assert_int_equal(fake->count, 3);
    assert_int_equal(fake_apic_last(fake)->vector, 0x3c);
}

/* Delivery modes (3.2.4, bits 10:8) and logical destinations. */
static void test_delivery_modes(void **state)
{
    static const struct { uint32_t dm; bool sent; } modes[] = {
        { APIC_DM_FIXED, true }, { APIC_DM_LOWEST, true }, { APIC_DM_SMI, true },
        { 3, false }, { APIC_DM_NMI, true }, { APIC_DM_INIT, true },
        { APIC_DM_STARTUP, false }, { APIC_DM_EXTINT, true },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(modes); i++) {
        fake_apic_clear(fake);
        /* Level-triggered in the entry; only fixed and lowest priority
         * honour it. */
        entry(5, LEVEL | LOGICAL | (modes[i].dm << 8) | 0x45, 0x02);
        line(5, 1);
        assert_int_equal(fake->count, modes[i].sent);
        if (modes[i].sent) {
            const APICMessage *m = fake_apic_last(fake);
            bool lvl = modes[i].dm <= APIC_DM_LOWEST;
            assert_int_equal(m->delivery_mode, modes[i].dm);
            assert_true(m->dest_logical);
            assert_int_equal(m->dest, 0x02);
            assert_int_equal(m->level, lvl);
            assert_int_equal(!!(entry_lo(5) & REMOTE_IRR), lvl);
            if (!lvl) {
                /* Edge semantics: a second edge is needed. */
                line(5, 1);
                assert_int_equal(fake->count, 1);
            }
        }
        line(5, 0);
        apic_bus_broadcast_eoi(0x45);
    }
}

/* Delivery status (3.2.4, bit 12): an interrupt that no APIC accepts
 * stays pending until the entry names one. */
static void test_delivery_status(void **state)
{
    entry(6, 0x46, 7);                      /* no APIC 7 */
    line(6, 1);
    assert_int_equal(fake->count, 0);
    assert_int_equal(entry_lo(6), DELIVS | 0x46);
    wr(0x10 + 13, 1u << 24);                /* destination 1: sent */
    assert_int_equal(fake->count, 1);
    wr(0x10 + 12, 0x46);
    assert_int_equal(fake->count, 1);
    assert_int_equal(entry_lo(6), 0x46);
    /* Reset clears it. */
    entry(6, 0x46, 7);
    line(6, 0);
    line(6, 1);
    assert_true(entry_lo(6) & DELIVS);
    device_cold_reset(ioapic);
    assert_int_equal(entry_lo(6), MASKED);
}

/* A real local APIC: the vector reaches its IRR and TMR; its EOI comes
 * back over the bus and the still-asserted line is sent again. */
static void test_real_apic(void **state)
{
    mmio_wr(LAPIC_BASE + 0xf0, 0x1ff, 4);   /* software enable */
    entry(1, LEVEL | 0x51, 0);
    line(1, 1);
    assert_true(mmio_rd(LAPIC_BASE + 0x220, 4) & (1u << (0x51 - 64)));    /* IRR */
    assert_true(mmio_rd(LAPIC_BASE + 0x1a0, 4) & (1u << (0x51 - 64)));    /* TMR */
    assert_int_equal(interrupt_ack(OBJECT(lapic)), 0x51);
    assert_false(mmio_rd(LAPIC_BASE + 0x220, 4) & (1u << (0x51 - 64)));
    mmio_wr(LAPIC_BASE + 0xb0, 0, 4);       /* EOI */
    assert_true(mmio_rd(LAPIC_BASE + 0x220, 4) & (1u << (0x51 - 64)));
    assert_true(entry_lo(1) & REMOTE_IRR);
    assert_int_equal(interrupt_ack(OBJECT(lapic)), 0x51);
    line(1, 0);
    mmio_wr(LAPIC_BASE + 0xb0, 0, 4);
    assert_false(entry_lo(1) & REMOTE_IRR);
    assert_false(mmio_rd(LAPIC_BASE + 0x220, 4) & (1u << (0x51 - 64)));
    /* Physical broadcast (0xF on the P6): both APICs. */
    entry(2, 0x52, 0x0f);
    line(2, 1);
    assert_true(mmio_rd(LAPIC_BASE + 0x220, 4) & (1u << (0x52 - 64)));
    assert_int_equal(fake->count, 0);       /* the fake's broadcast is 0xFF */
    entry(2, 0x52, 0xff);
    line(2, 0);
    line(2, 1);
    assert_int_equal(fake->count, 1);
}

/* A hostile guest: every offset of the window with every size, indexes
 * past the table, narrow IOWIN accesses; nothing changes, nothing breaks. */
static void test_hostile(void **state)
{
    entry(7, 0x47, 1);
    /* Narrow and unaligned IOWIN accesses are ignored. */
    mmio_wr(IOAPIC_BASE, 0x1e, 4);
    mmio_wr(IOAPIC_BASE + 0x10, 0xff, 1);
    mmio_wr(IOAPIC_BASE + 0x12, 0xffff, 2);
    mmio_wr(IOAPIC_BASE + 0x11, 0xffffffff, 4);
    assert_int_equal(entry_lo(7), 0x47);
    mmio_wr(IOAPIC_BASE, 0x1e, 1);
    assert_int_equal(mmio_rd(IOAPIC_BASE + 0x10, 1), 0);
    assert_int_equal(mmio_rd(IOAPIC_BASE + 0x10, 4), 0x47);
    /* Unknown indexes read 0 and take no writes. */
    for (unsigned i = 0x03; i < 0x100; i++) {
        if (i >= 0x10 && i < 0x40) {
            continue;
        }
        wr((uint8_t)i, 0xffffffff);
        assert_int_equal(rd((uint8_t)i), 0);
    }
    assert_int_equal(entry_lo(7), 0x47);
    /* Random accesses everywhere (except writes through IOWIN, which may
     * legitimately program entries). */
    GRand *rng = g_rand_new_with_seed(82093);
    static const unsigned sizes[] = { 1, 2, 4, 8 };
    for (int i = 0; i < 20000; i++) {
        hwaddr off = g_rand_int_range(rng, 0, 0x1000);
        unsigned size = sizes[g_rand_int_range(rng, 0, 4)];
        uint32_t v = g_rand_int(rng);
        MemTxResult r;
        if (g_rand_boolean(rng)) {
            address_space_ld(address_space_memory(), IOAPIC_BASE + off, size, &r);
        } else if ((off & ~0xfu) != 0x10) {
            address_space_st(address_space_memory(), IOAPIC_BASE + off, v, size, &r);
        }
    }
    g_rand_free(rng);
    assert_int_equal(rd(0x01), 0x00170011);
    assert_int_equal(entry_lo(7), 0x47);
}

/* Its MADT entry (ACPI 6.4 5.2.12.3, type 1, 12 bytes) in the machine's
 * tables: ID 0, its address, GSI base 0; the ID property and another
 * address give another entry, and an unmapped one gives none. */
static void test_acpi_madt(void **state)
{
    static const uint8_t want[12] = { 1, 12, 0, 0, 0x00, 0x00, 0xc0, 0xfe, 0, 0, 0, 0 };
    static const uint8_t want2[12] = { 1, 12, 2, 0, 0x00, 0x10, 0xc0, 0xfe, 0, 0, 0, 0 };
    DeviceState *other = harness_create("ioapic", "ioapic4", NULL,
                                        (const char *[]){ "id=2", NULL });
    DeviceState *unmapped = harness_create("ioapic", "ioapic5", NULL,
                                           (const char *[]){ "id=3", NULL });
    Error *err = NULL;
    assert_true(sysbus_mmio_map(SYS_BUS_DEVICE(other), 0, 0xfec01000, 0, &err));
    GByteArray *madt = harness_acpi_table("APIC", 0);
    assert_non_null(madt);
    assert_true(harness_acpi_contains(madt, want, sizeof(want)));
    assert_true(harness_acpi_contains(madt, want2, sizeof(want2)));
    /* Two I/O APIC entries only: the unmapped one is left out. */
    unsigned n = 0;
    for (guint at = 44; at + 2 <= madt->len; at += madt->data[at + 1]) {
        assert_true(madt->data[at + 1] >= 2);
        n += madt->data[at] == 1;
    }
    assert_int_equal(n, 2);
    g_byte_array_free(madt, TRUE);
    harness_destroy(other);
    harness_destroy(unmapped);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_registers, setup),
        cmocka_unit_test_setup(test_edge, setup),
        cmocka_unit_test_setup(test_level_remote_irr, setup),
        cmocka_unit_test_setup(test_mask, setup),
        cmocka_unit_test_setup(test_polarity, setup),
        cmocka_unit_test_setup(test_delivery_modes, setup),
        cmocka_unit_test_setup(test_delivery_status, setup),
        cmocka_unit_test_setup(test_real_apic, setup),
        cmocka_unit_test_setup(test_hostile, setup),
        cmocka_unit_test_setup(test_acpi_madt, setup),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
