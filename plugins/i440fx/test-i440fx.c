/*
 * Unit tests of the i440FX: its identity through configuration mechanism
 * #1, the access sizes of 0xCF8 and 0xCFC, the RAM map, every PAM mode
 * over a stand-in BIOS ROM and over empty PCI space, SMRAM's D_OPEN and
 * D_LCK, and the reset control register at 0xCF9.
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
#include "main/runstate.h"

#define RAM_SIZE  (2u << 20)
#define ROM_BASE  0xe0000u      /* the board's BIOS alias: 0xE0000-0xFFFFF */
#define ROM_SIZE  0x20000u

#define PAM0      0x59
#define PAM1      0x5a
#define SMRAM     0x72

static DeviceState *host, *pmc;
static MemoryRegion ram, rom;
static uint8_t *ram_ptr;

/* Function 00.0's configuration space. */
static uint32_t cfg_read(uint32_t reg, unsigned len)
{
    return harness_pci_cfg_read(0, reg, len);
}

static void cfg_writeb(uint32_t reg, uint8_t val)
{
    harness_pci_cfg_write(0, reg, val, 1);
}

static uint8_t mem_b(hwaddr a)
{
    return (uint8_t)address_space_ld(address_space_memory(), a, 1, NULL);
}

static void mem_wb(hwaddr a, uint8_t v)
{
    address_space_st(address_space_memory(), a, v, 1, NULL);
}

static int group_setup(void **state)
{
    harness_init();
    harness_load_plugin("i440fx");
    /* What the board builds before the chipset: RAM at 0, the BIOS image
     * above it at priority 1 (core/board). */
    assert_true(memory_region_init_ram(&ram, NULL, "ram", RAM_SIZE, &error_abort));
    memory_region_add_subregion(memory_get_system_memory(), 0, &ram);
    assert_true(memory_region_init_rom(&rom, NULL, "rom:bios", ROM_SIZE, &error_abort));
    uint8_t *r = memory_region_get_ram_ptr(&rom);
    for (unsigned i = 0; i < ROM_SIZE; i++) {
        r[i] = (uint8_t)(0xa5 ^ i);
    }
    memory_region_add_subregion_overlap(memory_get_system_memory(), ROM_BASE, &rom, 1);
    ram_ptr = memory_region_get_ram_ptr(&ram);
    host = harness_create("i440FX-pcihost", "i440fx", NULL, NULL);
    static const char *const pmc_props[] = { "addr=0", NULL };
    pmc = harness_create("i440FX", "pmc", bus_find("pci.0"), pmc_props);
    return 0;
}

static int reset_all(void **state)
{
    device_cold_reset(host);
    device_cold_reset(pmc);
    memset(ram_ptr, 0, RAM_SIZE);
    return 0;
}

static void test_ids(void **state)
{
    assert_int_equal(cfg_read(0x00, 4), 0x12378086);
    assert_int_equal(cfg_read(0x08, 1), 0x02);                 /* revision */
    assert_int_equal(cfg_read(0x0a, 2), 0x0600);               /* host bridge */
    assert_int_equal(cfg_read(0x0e, 1), 0x00);                 /* single function */
    assert_int_equal(cfg_read(PAM0, 1), 0x00);
    assert_int_equal(cfg_read(SMRAM, 1), 0x02);
    /* Nothing at 00.1 or on bus 1. */
    cpu_outl(0xcf8, 0x80000100u);
    assert_int_equal(cpu_inl(0xcfc), 0xffffffffu);
    cpu_outl(0xcf8, 0x80010000u);
    assert_int_equal(cpu_inl(0xcfc), 0xffffffffu);
}

static void test_config_access_sizes(void **state)
{
    /* CONFIG_ADDRESS: DWORD only; reserved bits read 0. */
    cpu_outl(0xcf8, 0xfffffffbu);
    assert_int_equal(cpu_inl(0xcf8), 0x80fffff8u);
    cpu_outl(0xcf8, 0x80000000u);
    cpu_outb(0xcf8, 0x12);
    cpu_outw(0xcfa, 0x3456);
    cpu_outb(0xcfb, 0x00);                 /* mechanism #2's probe */
    assert_int_equal(cpu_inl(0xcf8), 0x80000000u);
    assert_int_equal(cpu_inb(0xcf8), 0xff);
    assert_int_equal(cpu_inw(0xcfa), 0xffff);
    /* CONFIG_DATA: every size at every offset. */
    harness_pci_cfg_select(0, 0x00);
    assert_int_equal(cpu_inb(0xcfc), 0x86);
    assert_int_equal(cpu_inb(0xcfd), 0x80);
    assert_int_equal(cpu_inb(0xcfe), 0x37);
    assert_int_equal(cpu_inb(0xcff), 0x12);
    assert_int_equal(cpu_inw(0xcfc), 0x8086);
    assert_int_equal(cpu_inw(0xcfd), 0x3780);
    assert_int_equal(cpu_inw(0xcfe), 0x1237);
    /* A byte write lands in its byte only, through the write mask. */
    harness_pci_cfg_select(0, PAM1);
    cpu_outb(0xcfe, 0xff);                  /* PAM1 is 0x5A: byte 2 of 0x58 */
    assert_int_equal(cfg_read(PAM1, 1), 0x33);
    assert_int_equal(cfg_read(PAM0, 1), 0x00);
    cpu_outl(0xcfc, 0xffffffffu);           /* 0x58..0x5B */
    assert_int_equal(cfg_read(0x58, 4), 0x33333000u);
    /* The identity is read-only. */
    harness_pci_cfg_select(0, 0x00);
    cpu_outl(0xcfc, 0);
    assert_int_equal(cfg_read(0x00, 4), 0x12378086);
}

static void test_ram_map(void **state)
{
    /* Low RAM and RAM above 1 MiB are RAM; 0xA0000-0xBFFFF is PCI. */
    mem_wb(0x9ffff, 0x11);
    mem_wb(0x100000, 0x22);
    mem_wb(RAM_SIZE - 1, 0x33);
    assert_int_equal(ram_ptr[0x9ffff], 0x11);
    assert_int_equal(ram_ptr[0x100000], 0x22);
    assert_int_equal(ram_ptr[RAM_SIZE - 1], 0x33);
    ram_ptr[0xa0000] = 0x44;
    ram_ptr[0xc0000] = 0x55;
    assert_int_equal(mem_b(0xa0000), 0xff);
    assert_int_equal(mem_b(0xc0000), 0xff);
    /* PAM 0: the BIOS ROM answers at 0xE0000-0xFFFFF, not RAM. */
    ram_ptr[0xf0000] = 0x66;
    assert_int_equal(mem_b(0xf0000), (uint8_t)(0xa5 ^ 0x10000));
    assert_int_equal(mem_b(0xe0000), 0xa5);
}

/* One segment through every mode: seg is its base, pci what PCI shows
 * there (ROM bytes or 0xff), set(mode) programs its nibble. */
static void check_pam_modes(hwaddr seg, uint8_t pci, void (*set)(unsigned mode))
{
    hwaddr a = seg + 0x123;
    /* WE only: writes reach RAM, reads still come from PCI. */
    set(0x2);
    mem_wb(a, 0x5a);
    assert_int_equal(ram_ptr[a], 0x5a);
    assert_int_equal(mem_b(a), pci);
    /* RE only: reads come from RAM, writes are dropped. */
    set(0x1);
    assert_int_equal(mem_b(a), 0x5a);
    mem_wb(a, 0x77);
    assert_int_equal(mem_b(a), 0x5a);
    assert_int_equal(ram_ptr[a], 0x5a);
    /* RE|WE: plain RAM. */
    set(0x3);
    mem_wb(a, 0x78);
    assert_int_equal(mem_b(a), 0x78);
    assert_int_equal(ram_ptr[a], 0x78);
    /* Off: PCI again, writes do not reach RAM. */
    set(0x0);
    assert_int_equal(mem_b(a), pci);
    mem_wb(a, 0x79);
    assert_int_equal(ram_ptr[a], 0x78);
}

static void set_pam0_hi(unsigned mode)
{
    cfg_writeb(PAM0, (uint8_t)(mode << 4));
}

static void set_pam1_lo(unsigned mode)
{
    cfg_writeb(PAM1, (uint8_t)mode);
}

static void set_pam6_hi(unsigned mode)
{
    cfg_writeb(PAM0 + 6, (uint8_t)(mode << 4));
}

static void test_pam_bios(void **state)
{
    /* 0xF0000-0xFFFFF over the BIOS ROM (PAM0[5:4]). */
    check_pam_modes(0xf0000, (uint8_t)(0xa5 ^ 0x10123), set_pam0_hi);
    /* The whole 64 KiB follow: the last byte too. */
    set_pam0_hi(0x3);
    mem_wb(0xfffff, 0xee);
    assert_int_equal(ram_ptr[0xfffff], 0xee);
    set_pam0_hi(0x0);
    assert_int_equal(mem_b(0xfffff), (uint8_t)(0xa5 ^ 0x1ffff));
}

static void test_pam_expansion(void **state)
{
    /* 0xC0000-0xC3FFF over empty PCI space (PAM1[1:0]) ... */
    check_pam_modes(0xc0000, 0xff, set_pam1_lo);
    /* ... and it alone: 0xC4000 (PAM1[5:4]) stays PCI. */
    set_pam1_lo(0x3);
    mem_wb(0xc4000, 0x01);
    assert_int_equal(ram_ptr[0xc4000], 0);
    /* 0xEC000-0xEFFFF over the ROM (PAM6[5:4]). */
    check_pam_modes(0xec000, (uint8_t)(0xa5 ^ 0xc123), set_pam6_hi);
}

/* SeaBIOS's shadowing (src/fw/shadow.c): run from the ROM while copying
 * it into RAM, then write-protect the copy. */
static void test_pam_shadowing(void **state)
{
    harness_pci_cfg_select(0, PAM0 & ~3);
    cpu_outl(0xcfc, 0x00003000u);           /* PAM0 (0x59) = 0x30 */
    harness_pci_cfg_select(0, PAM0 + 3);
    cpu_outl(0xcfc, 0x33333333u);           /* PAM3..PAM6 (0x5C-0x5F) */
    cfg_writeb(PAM1, 0x33);
    cfg_writeb(PAM1 + 1, 0x33);
    for (hwaddr a = 0xe0000; a < 0x100000; a += 0x1000) {
        mem_wb(a, (uint8_t)(0xa5 ^ (a - ROM_BASE)) ^ 0xff);
    }
    cfg_writeb(PAM0, 0x10);
    assert_int_equal(mem_b(0xf0000), (uint8_t)~(0xa5 ^ 0x10000));
    mem_wb(0xf0000, 0);
    assert_int_equal(mem_b(0xf0000), (uint8_t)~(0xa5 ^ 0x10000));
    /* Reset puts the ROM back. */
    device_cold_reset(pmc);
    assert_int_equal(mem_b(0xf0000), (uint8_t)(0xa5 ^ 0x10000));
    assert_int_equal(mem_b(0xe0000), 0xa5);
}

static void test_smram(void **state)
{
    ram_ptr[0xa0000] = 0x44;
    assert_int_equal(mem_b(0xa0000), 0xff);
    cfg_writeb(SMRAM, 0x4a);                /* D_OPEN | G_SMRAME */
    assert_int_equal(cfg_read(SMRAM, 1), 0x4a);
    assert_int_equal(mem_b(0xa0000), 0x44);
    mem_wb(0xbffff, 0x45);
    assert_int_equal(ram_ptr[0xbffff], 0x45);
    /* The base segment is fixed at 010. */
    cfg_writeb(SMRAM, 0x07);
    assert_int_equal(cfg_read(SMRAM, 1), 0x02);
    assert_int_equal(mem_b(0xa0000), 0xff);
    /* D_LCK: D_OPEN reads 0 and cannot be set, nor D_LCK cleared. */
    cfg_writeb(SMRAM, 0x1a);
    cfg_writeb(SMRAM, 0x4a);
    assert_int_equal(cfg_read(SMRAM, 1), 0x1a);
    assert_int_equal(mem_b(0xa0000), 0xff);
    device_cold_reset(pmc);
    assert_int_equal(cfg_read(SMRAM, 1), 0x02);
}

static void test_reset_control(void **state)
{
    assert_false(testing_take_reset_request());
    cpu_outb(0xcf9, 0x02);                  /* choose a hard reset */
    assert_int_equal(cpu_inb(0xcf9), 0x02);
    assert_false(testing_take_reset_request());
    cpu_outb(0xcf9, 0x06);                  /* RCPU 0 -> 1 */
    assert_true(testing_take_reset_request());
    cpu_outb(0xcf9, 0x04);                  /* a soft reset resets too */
    assert_true(testing_take_reset_request());
    /* A DWORD write to 0xCF8 is CONFIG_ADDRESS, not a reset. */
    cpu_outl(0xcf8, 0x80000400u);
    assert_false(testing_take_reset_request());
}

static void test_vmstate_restores_pam(void **state)
{
    cfg_writeb(PAM0, 0x30);
    mem_wb(0xf0000, 0x99);
    cfg_writeb(PAM0, 0x10);
    GBytes *saved = harness_vmstate_save_machine();
    device_cold_reset(pmc);
    assert_int_equal(mem_b(0xf0000), (uint8_t)(0xa5 ^ 0x10000));
    gsize len;
    const uint8_t *d = g_bytes_get_data(saved, &len);
    assert_true(harness_vmstate_load_machine(d, len, &error_abort));
    assert_int_equal(cfg_read(PAM0, 1), 0x10);
    assert_int_equal(mem_b(0xf0000), 0x99);
    g_bytes_unref(saved);
}

static void test_unrealize_gives_ram_back(void **state)
{
    harness_destroy(pmc);
    ram_ptr[0xc0000] = 0x42;
    assert_int_equal(mem_b(0xc0000), 0x42);
    static const char *const pmc_props[] = { "addr=0", NULL };
    pmc = harness_create("i440FX", "pmc", bus_find("pci.0"), pmc_props);
    assert_int_equal(mem_b(0xc0000), 0xff);
}

/* \_SB.PCI0's _CRS from the host bridge: every bus number, the I/O space
 * on both sides of the configuration ports, the VGA window and the PCI
 * hole from the end of RAM to the I/O APIC (0xFEBFFFFF), as QEMU's pc;
 * with 3.5 GiB, the most the i440FX maps, the hole starts at 0xE0000000. */
static void check_crs(uint32_t hole_start)
{
    GByteArray *dsdt = harness_acpi_table("DSDT", 0);
    assert_non_null(dsdt);
    assert_true(harness_acpi_contains(dsdt, "PCI0", 4));
    Aml *want[] = {
        aml_word_bus_number(0, 0xff), aml_io(0xcf8, 0xcf8, 1, 8),
        aml_word_io(0, 0xcf7), aml_word_io(0xd00, 0xffff),
        aml_dword_memory(0xa0000, 0xbffff, true),
        aml_dword_memory(hole_start, 0xfebfffff, true),
    };
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
        GByteArray *enc = aml_serialize(want[i]);
        assert_true(harness_acpi_contains(dsdt, enc->data, enc->len));
        g_byte_array_unref(enc);
    }
    /* Nothing above 4 GiB: no QWordMemory (tag 0x8A, length 43). */
    static const uint8_t qword[] = { 0x8a, 43, 0 };
    assert_false(harness_acpi_contains(dsdt, qword, sizeof(qword)));
    g_byte_array_free(dsdt, TRUE);
}

static void test_acpi_pci_crs(void **state)
{
    board_set_ram_size(RAM_SIZE);
    check_crs(RAM_SIZE);
    board_set_ram_size(3584ull << 20);
    check_crs(0xe0000000u);
    board_set_ram_size(RAM_SIZE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_ids, reset_all),
        cmocka_unit_test_setup(test_config_access_sizes, reset_all),
        cmocka_unit_test_setup(test_ram_map, reset_all),
        cmocka_unit_test_setup(test_pam_bios, reset_all),
        cmocka_unit_test_setup(test_pam_expansion, reset_all),
        cmocka_unit_test_setup(test_pam_shadowing, reset_all),
        cmocka_unit_test_setup(test_smram, reset_all),
        cmocka_unit_test_setup(test_reset_control, reset_all),
        cmocka_unit_test_setup(test_vmstate_restores_pam, reset_all),
        cmocka_unit_test_setup(test_unrealize_gives_ram_back, reset_all),
        cmocka_unit_test_setup(test_acpi_pci_crs, reset_all),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
