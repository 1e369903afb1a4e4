/*
 * Unit tests of the PIIX functions on an i440FX host's bus: PIIX3's
 * identity and PIRQ routing of a pci-testdev's INTA# to the programmed
 * ISA IRQ, the ELCR of the 8259 behind it, and PIIX4_PM's PM I/O block:
 * the PM timer's rate, its overflow SCI, S5 power-off, the power button,
 * the APM port's ACPI enable, the SMBus host and the SMM marker.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>
#include "harness.h"
#include "harness-vmstate.h"
#include "harness-acpi.h"

#define PIIX3_DEVFN   PCI_DEVFN(1, 0)
#define PM_DEVFN      PCI_DEVFN(1, 3)
#define TESTDEV_DEVFN PCI_DEVFN(3, 0)   /* INTA# on PIRQC# (slot 3 - 1 + 0) */
#define PM_BASE       0x600             /* SeaBIOS's */
#define SMB_BASE      0xb100
#define TESTDEV_IO    0xc000

static DeviceState *host, *piix3, *pm, *testdev, *pic;
static IRQProbe *irq10, *irq11, *pirqc, *sci;

static uint32_t cfg_read(int devfn, uint32_t reg, unsigned len)
{
    return harness_pci_cfg_read(devfn, reg, len);
}

static void cfg_write(int devfn, uint32_t reg, uint32_t val, unsigned len)
{
    harness_pci_cfg_write(devfn, reg, val, len);
}

static int group_setup(void **state)
{
    harness_init();
    harness_load_plugin("i440fx");
    harness_load_plugin("piix");
    harness_load_plugin("pci-testdev");
    harness_load_plugin("pic");
    host = harness_create("i440FX-pcihost", "i440fx", NULL, NULL);
    BusState *pci = bus_find("pci.0");
    static const char *const piix3_props[] = { "addr=1.0", "multifunction=on", NULL };
    static const char *const pm_props[] = { "addr=1.3", NULL };
    static const char *const testdev_props[] = { "addr=3", NULL };
    piix3 = harness_create("PIIX3", "piix3", pci, piix3_props);
    pm = harness_create("PIIX4_PM", "pm", pci, pm_props);
    testdev = harness_create("pci-testdev", "testdev", pci, testdev_props);
    pic = harness_create("i8259", "pic", bus_find("isa"), NULL);
    irq10 = harness_probe_output(piix3, "isa-irq", 10);
    irq11 = harness_probe_output(piix3, "isa-irq", 11);
    pirqc = harness_probe_output(piix3, "pirq", 2);
    sci = harness_probe_output(pm, "sci", 0);
    return 0;
}

static int reset_all(void **state)
{
    device_cold_reset(host);
    device_cold_reset(piix3);
    device_cold_reset(pm);
    device_cold_reset(testdev);
    device_cold_reset(pic);
    harness_probe_reset(irq10);
    harness_probe_reset(irq11);
    harness_probe_reset(pirqc);
    harness_probe_reset(sci);
    testing_take_shutdown_request(NULL);
    return 0;
}

static void test_ids(void **state)
{
    assert_int_equal(cfg_read(PIIX3_DEVFN, 0x00, 4), 0x70008086);
    assert_int_equal(cfg_read(PIIX3_DEVFN, 0x0a, 2), 0x0601);
    assert_int_equal(cfg_read(PIIX3_DEVFN, 0x0e, 1), 0x80);     /* multi-function */
    assert_int_equal(cfg_read(PIIX3_DEVFN, 0x60, 4), 0x80808080);
    assert_int_equal(cfg_read(PM_DEVFN, 0x00, 4), 0x71138086);
    assert_int_equal(cfg_read(PM_DEVFN, 0x08, 1), 0x03);
    assert_int_equal(cfg_read(PM_DEVFN, 0x0a, 2), 0x0680);
    assert_int_equal(cfg_read(PM_DEVFN, 0x40, 4), 0x00000001);  /* PMBA: I/O */
    assert_int_equal(cfg_read(PM_DEVFN, 0x90, 4), 0x00000001);  /* SMBBA: I/O */
    /* No SMM: APMC_EN reads set, so SeaBIOS skips its SMM set-up. */
    assert_int_equal(cfg_read(PM_DEVFN, 0x5b, 1), 0x02);
    /* 01.1 (IDE, later) is free. */
    assert_int_equal(cfg_read(PCI_DEVFN(1, 1), 0x00, 4), 0xffffffffu);
}

static void testdev_intx(int level)
{
    cfg_write(TESTDEV_DEVFN, PCI_BASE_ADDRESS_0, TESTDEV_IO, 4);
    cfg_write(TESTDEV_DEVFN, PCI_COMMAND, PCI_COMMAND_IO, 2);
    cpu_outl(TESTDEV_IO + 4, level);
}

static void test_pirq_routing(void **state)
{
    /* Disabled routing (reset): the PIRQ moves, no ISA line does. */
    testdev_intx(1);
    assert_int_equal(pirqc->level, 1);
    assert_int_equal(irq11->level, 0);
    testdev_intx(0);
    assert_int_equal(pirqc->level, 0);
    /* PIRQC# -> IRQ11. */
    cfg_write(PIIX3_DEVFN, 0x62, 0x0b, 1);
    testdev_intx(1);
    assert_int_equal(irq11->level, 1);
    assert_int_equal(irq10->calls, 0);
    /* Rerouted while asserted: IRQ11 drops, IRQ10 rises. */
    cfg_write(PIIX3_DEVFN, 0x62, 0x0a, 1);
    assert_int_equal(irq11->level, 0);
    assert_int_equal(irq10->level, 1);
    /* Disabled by bit 7. */
    cfg_write(PIIX3_DEVFN, 0x62, 0x8a, 1);
    assert_int_equal(irq10->level, 0);
    /* A reserved IRQ (13) routes nowhere; bits 6:4 are read-only. */
    cfg_write(PIIX3_DEVFN, 0x62, 0x7d, 1);
    assert_int_equal(cfg_read(PIIX3_DEVFN, 0x62, 1), 0x0d);
    assert_int_equal(irq10->level, 0);
    assert_int_equal(irq11->level, 0);
    /* Another PIRQ's route leaves PIRQC# alone. */
    cfg_write(PIIX3_DEVFN, 0x62, 0x0b, 1);
    cfg_write(PIIX3_DEVFN, 0x60, 0x0b, 1);
    assert_int_equal(irq11->level, 1);
    testdev_intx(0);
    assert_int_equal(irq11->level, 0);
}

static void test_elcr(void **state)
{
    /* The 8259 on the PIIX3's ISA bus decodes ELCR1/ELCR2: IRQ0-2, 8
     * and 13 are edge only. */
    cpu_outb(0x4d0, 0xff);
    cpu_outb(0x4d1, 0xff);
    assert_int_equal(cpu_inb(0x4d0), 0xf8);
    assert_int_equal(cpu_inb(0x4d1), 0xde);
    cpu_outb(0x4d1, 0x0c);                  /* IRQ10 and IRQ11 level */
    assert_int_equal(cpu_inb(0x4d1), 0x0c);
}

static void pm_enable(void)
{
    cfg_write(PM_DEVFN, 0x40, PM_BASE | 1, 4);
    cfg_write(PM_DEVFN, 0x80, 0x01, 1);
}

static void test_pm_io_enable(void **state)
{
    cfg_write(PM_DEVFN, 0x40, PM_BASE | 1, 4);
    assert_int_equal(cfg_read(PM_DEVFN, 0x40, 4), PM_BASE | 1);
    assert_int_equal(cpu_inl(PM_BASE + 8), 0xffffffffu);   /* not decoded yet */
    cfg_write(PM_DEVFN, 0x80, 0x01, 1);
    assert_int_equal(cpu_inl(PM_BASE + 8) >> 24, 0);
    /* Moved: the old ports are free again. */
    cfg_write(PM_DEVFN, 0x40, 0x0701, 4);
    assert_int_equal(cpu_inl(PM_BASE + 8), 0xffffffffu);
    assert_int_equal(cpu_inl(0x708) >> 24, 0);
}

static void test_pm_timer_rate(void **state)
{
    pm_enable();
    uint32_t t0 = cpu_inl(PM_BASE + 8);
    harness_advance_ns(1000000000);
    uint32_t t1 = cpu_inl(PM_BASE + 8);
    uint32_t ticks = (t1 - t0) & 0xffffff;
    assert_in_range(ticks, 3579545 - 1, 3579545 + 1);
    /* Read-only. */
    cpu_outl(PM_BASE + 8, 0);
    assert_in_range((cpu_inl(PM_BASE + 8) - t1) & 0xffffff, 0, 1);
}

static void test_pm_timer_overflow_sci(void **state)
{
    pm_enable();
    cpu_outw(PM_BASE + 2, 0x0001);          /* TMROF_EN */
    cpu_outw(PM_BASE + 4, 0x0001);          /* SCI_EN */
    /* Bit 23 toggles every 2^23 ticks: 2.34 s. */
    harness_advance_ns(2400000000ll);
    assert_true(cpu_inw(PM_BASE) & 0x0001);
    assert_int_equal(sci->level, 1);
    cpu_outw(PM_BASE, 0x0001);              /* write 1 to clear */
    assert_int_equal(cpu_inw(PM_BASE) & 0x0001, 0);
    assert_int_equal(sci->level, 0);
}

static void test_pm_s5(void **state)
{
    int code = -1;
    pm_enable();
    cpu_outw(PM_BASE + 4, 0x0400);          /* SLP_TYP 1 without SLP_EN */
    assert_false(testing_take_shutdown_request(&code));
    cpu_outw(PM_BASE + 4, 0x2400);          /* S3 (type 1): not implemented */
    assert_false(testing_take_shutdown_request(&code));
    assert_int_equal(cpu_inw(PM_BASE + 4), 0x0400);   /* SLP_EN reads 0 */
    cpu_outw(PM_BASE + 4, 0x2000);          /* S5: type 0 with SLP_EN */
    assert_true(testing_take_shutdown_request(&code));
    assert_int_equal(code, 0);
}

static void test_power_button(void **state)
{
    pm_enable();
    /* Without PWRBTN_EN the status is set but no SCI. */
    system_powerdown_request();
    assert_int_equal(cpu_inw(PM_BASE) & 0x0100, 0x0100);
    assert_int_equal(sci->level, 0);
    cpu_outw(PM_BASE + 2, 0x0100);          /* PWRBTN_EN */
    assert_int_equal(sci->level, 0);        /* SCI_EN still clear */
    cpu_outb(0xb2, 0xf1);                   /* the OS's ACPI enable */
    assert_int_equal(cpu_inw(PM_BASE + 4) & 1, 1);
    assert_int_equal(sci->level, 1);
    cpu_outw(PM_BASE, 0x0100);
    assert_int_equal(sci->level, 0);
    system_powerdown_request();
    assert_int_equal(sci->level, 1);
    cpu_outb(0xb2, 0xf0);                   /* ACPI disable */
    assert_int_equal(sci->level, 0);
}

static void test_smbus(void **state)
{
    assert_int_equal(cpu_inb(SMB_BASE), 0xff);
    cfg_write(PM_DEVFN, 0x90, SMB_BASE | 1, 4);
    cfg_write(PM_DEVFN, 0xd2, 0x09, 1);
    assert_int_equal(cpu_inb(SMB_BASE), 0x00);
    cpu_outb(SMB_BASE + 4, 0xa1);           /* address 0x50, read */
    assert_int_equal(cpu_inb(SMB_BASE + 4), 0xa1);
    cpu_outb(SMB_BASE + 2, 0x48);           /* START, byte data */
    assert_int_equal(cpu_inb(SMB_BASE) & 0x04, 0x04);   /* DEV_ERR: nobody */
    cpu_outb(SMB_BASE, 0x04);
    assert_int_equal(cpu_inb(SMB_BASE), 0x00);
}

/* The FADT from PIIX4_PM (ACPI 1.0b 5.2.5, table 5-7): SCI 9, the APM
 * port with F1h/F0h, PM1a event and control and the timer at SeaBIOS's
 * 0x600, no GPE0; and \_S5 with SLP_TYP 0 in the DSDT. */
static void test_acpi_fadt(void **state)
{
    GByteArray *f = harness_acpi_table("FACP", 0);
    assert_non_null(f);
    assert_int_equal(cc_ld_le16(f->data + 46), 9);          /* SCI_INT */
    assert_int_equal(cc_ld_le32(f->data + 48), 0xb2);       /* SMI_CMD */
    assert_int_equal(f->data[52], 0xf1);                    /* ACPI_ENABLE */
    assert_int_equal(f->data[53], 0xf0);                    /* ACPI_DISABLE */
    assert_int_equal(cc_ld_le32(f->data + 56), PM_BASE);    /* PM1a_EVT_BLK */
    assert_int_equal(cc_ld_le32(f->data + 64), PM_BASE + 4); /* PM1a_CNT_BLK */
    assert_int_equal(cc_ld_le32(f->data + 76), PM_BASE + 8); /* PM_TMR_BLK */
    assert_int_equal(cc_ld_le32(f->data + 80), 0);          /* GPE0_BLK */
    assert_int_equal(f->data[88], 4);                       /* PM1_EVT_LEN */
    assert_int_equal(f->data[89], 2);                       /* PM1_CNT_LEN */
    assert_int_equal(f->data[91], 4);                       /* PM_TM_LEN */
    assert_int_equal(cc_ld_le32(f->data + 112) & (1u << 8), 0);   /* 24-bit timer */
    g_byte_array_free(f, TRUE);
    /* Name (_S5, Package (0x04) { Zero, Zero, Zero, Zero }) */
    GByteArray *dsdt = harness_acpi_table("DSDT", 0);
    static const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12 };
    assert_true(harness_acpi_contains(dsdt, s5, sizeof(s5)));
    g_byte_array_free(dsdt, TRUE);
    /* What the FADT says works: the OS's enable through SMI_CMD, then
     * the timer and SLP_TYP 0 with SLP_EN at the control block. */
    pm_enable();
    cpu_outb(0xb2, 0xf1);
    assert_int_equal(cpu_inw(PM_BASE + 4) & 1, 1);
    int code = -1;
    cpu_outw(PM_BASE + 4, 0x2000 | 1);
    assert_true(testing_take_shutdown_request(&code));
    assert_int_equal(code, 0);
}

/* pm-preset: reset leaves PMBA and the PM I/O enable as the firmware
 * would (for a kernel started without one); a misaligned pm-base is
 * refused. */
static void test_pm_preset(void **state)
{
    BusState *pci = bus_find("pci.0");
    static const char *const props[] = { "addr=4.0", "pm-preset=on", "pm-base=0x700", NULL };
    DeviceState *pm2 = harness_create("PIIX4_PM", "pm2", pci, props);
    assert_int_equal(cfg_read(PCI_DEVFN(4, 0), 0x40, 4), 0x701);
    assert_int_equal(cfg_read(PCI_DEVFN(4, 0), 0x80, 1), 0x01);
    assert_int_equal(cpu_inw(0x700 + 4) & ~1u, 0);      /* PMCNTRL answers */
    harness_destroy(pm2);
    static const char *const bad[] = { "addr=4.0", "pm-base=0x720", NULL };
    Error *err = NULL;
    assert_null(harness_try_create("PIIX4_PM", "pm3", pci, bad, &err));
    assert_non_null(err);
    error_free(err);
}

/* The links from PIIX3: its function and route registers in the router
 * device, LNKA..LNKD offering IRQs 5, 10 and 11 (level, active high,
 * shared), and _PRT following the bus's swizzle: slot 3's INTA# is PIRQC#
 * (LNKC), slot 1's INTB# PIRQB#, slot 0's INTA# PIRQD#. */
static void test_acpi_pirq(void **state)
{
    GByteArray *dsdt = harness_acpi_table("DSDT", 0);
    assert_non_null(dsdt);
    static const uint32_t irqs[] = { 5, 10, 11 };
    GByteArray *prs = aml_serialize(aml_interrupt(true, false, true, irqs, 3));
    assert_true(harness_acpi_contains(dsdt, prs->data, prs->len));
    g_byte_array_unref(prs);
    for (int l = 0; l < 4; l++) {
        char name[5] = { 'L', 'N', 'K', (char)('A' + l), 0 };
        assert_true(harness_acpi_contains(dsdt, name, 4));
    }
    /* Package { 0x0003FFFF, Zero, LNKC, Zero } */
    static const uint8_t slot3[] = { 0x0c, 0xff, 0xff, 0x03, 0x00, 0x00, 'L', 'N', 'K', 'C',
                                     0x00 };
    /* Package { 0x0001FFFF, One, LNKB, Zero } */
    static const uint8_t slot1[] = { 0x0c, 0xff, 0xff, 0x01, 0x00, 0x01, 'L', 'N', 'K', 'B',
                                     0x00 };
    /* Package { 0xFFFF, Zero, LNKD, Zero } */
    static const uint8_t slot0[] = { 0x0b, 0xff, 0xff, 0x00, 'L', 'N', 'K', 'D', 0x00 };
    assert_true(harness_acpi_contains(dsdt, slot3, sizeof(slot3)));
    assert_true(harness_acpi_contains(dsdt, slot1, sizeof(slot1)));
    assert_true(harness_acpi_contains(dsdt, slot0, sizeof(slot0)));
    /* The router: _ADR 0x00010000 (01.0) and its region at 0x60. */
    static const uint8_t adr[] = { 0x08, '_', 'A', 'D', 'R', 0x0c, 0x00, 0x00, 0x01, 0x00 };
    assert_true(harness_acpi_contains(dsdt, adr, sizeof(adr)));
    g_byte_array_free(dsdt, TRUE);
    /* What the links drive: PIRQC# (slot 3's INTA#) routed to IRQ 11 as
     * _SRS would write it reaches isa-irq[11]. */
    cfg_write(PIIX3_DEVFN, 0x62, 11, 1);
    testdev_intx(1);
    assert_int_equal(irq11->level, 1);
    testdev_intx(0);
    assert_int_equal(irq11->level, 0);
}

static void test_vmstate_check(void **state)
{
    static const char *const piix3_props[] = { "isa-bus-name=isa-vmstate",
                                               "multifunction=on", NULL };
    harness_vmstate_set_props("PIIX3", piix3_props);
    assert_int_equal(harness_vmstate_check_plugin("piix", 0x9c2), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_ids, reset_all),
        cmocka_unit_test_setup(test_pirq_routing, reset_all),
        cmocka_unit_test_setup(test_elcr, reset_all),
        cmocka_unit_test_setup(test_pm_io_enable, reset_all),
        cmocka_unit_test_setup(test_pm_timer_rate, reset_all),
        cmocka_unit_test_setup(test_pm_timer_overflow_sci, reset_all),
        cmocka_unit_test_setup(test_pm_s5, reset_all),
        cmocka_unit_test_setup(test_power_button, reset_all),
        cmocka_unit_test_setup(test_smbus, reset_all),
        cmocka_unit_test_setup(test_acpi_fadt, reset_all),
        cmocka_unit_test_setup(test_acpi_pirq, reset_all),
        cmocka_unit_test_setup(test_pm_preset, reset_all),
        cmocka_unit_test_setup(test_vmstate_check, reset_all),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
