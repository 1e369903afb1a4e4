/*
 * Hostile configuration accesses to the whole chipset (i440FX-pcihost,
 * i440FX, PIIX3, PIIX4_PM over RAM and a stand-in BIOS ROM): random
 * CONFIG_ADDRESS values and CONFIG_DATA accesses of every size, random
 * accesses to wherever the guest moved the PM and SMBus blocks, random PAM
 * and SMRAM settings.  Nothing may crash or abort; RAM outside the windows
 * the chipset controls keeps its contents; a reset gives back the reset
 * state (identities, every PAM segment on PCI, the BIOS ROM readable).
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

#define RAM_SIZE   (4u << 20)
#define ROM_BASE   0xe0000u
#define ROM_SIZE   0x20000u
#define ROUNDS     200000

static DeviceState *devs[4];
static MemoryRegion ram, rom;

static int group_setup(void **state)
{
    harness_init();
    harness_load_plugin("i440fx");
    harness_load_plugin("piix");
    assert_true(memory_region_init_ram(&ram, NULL, "ram", RAM_SIZE, &error_abort));
    memory_region_add_subregion(memory_get_system_memory(), 0, &ram);
    assert_true(memory_region_init_rom(&rom, NULL, "rom:bios", ROM_SIZE, &error_abort));
    memset(memory_region_get_ram_ptr(&rom), 0x5e, ROM_SIZE);
    memory_region_add_subregion_overlap(memory_get_system_memory(), ROM_BASE, &rom, 1);
    devs[0] = harness_create("i440FX-pcihost", "i440fx", NULL, NULL);
    BusState *pci = bus_find("pci.0");
    static const char *const pmc_props[] = { "addr=0", NULL };
    static const char *const piix3_props[] = { "addr=1.0", "multifunction=on", NULL };
    static const char *const pm_props[] = { "addr=1.3", NULL };
    devs[1] = harness_create("i440FX", "pmc", pci, pmc_props);
    devs[2] = harness_create("PIIX3", "piix3", pci, piix3_props);
    devs[3] = harness_create("PIIX4_PM", "pm", pci, pm_props);
    return 0;
}

static void random_port(GRand *rng, uint16_t port)
{
    uint32_t v = g_rand_int(rng);
    switch (g_rand_int_range(rng, 0, 6)) {
    case 0: cpu_inb(port); break;
    case 1: cpu_inw(port); break;
    case 2: cpu_inl(port); break;
    case 3: cpu_outb(port, v); break;
    case 4: cpu_outw(port, v); break;
    default: cpu_outl(port, v); break;
    }
}

static void test_hostile_config(void **state)
{
    uint8_t *r = memory_region_get_ram_ptr(&ram);
    for (unsigned i = 0; i < RAM_SIZE; i++) {
        r[i] = (uint8_t)(i * 7);
    }
    GRand *rng = g_rand_new_with_seed(0x1440f);
    for (int n = 0; n < ROUNDS; n++) {
        int what = g_rand_int_range(rng, 0, 10);
        if (what < 3) {
            /* Anything in CONFIG_ADDRESS, mostly our functions. */
            uint32_t a = g_rand_int(rng);
            if (what < 2) {
                a = 0x80000000u | (a & 0xfc) |
                    (g_rand_boolean(rng) ? PCI_DEVFN(1, g_rand_int_range(rng, 0, 8)) : 0) << 8;
            }
            cpu_outl(0xcf8, a);
        } else if (what < 7) {
            random_port(rng, 0xcfc + g_rand_int_range(rng, 0, 4));
        } else if (what < 8) {
            /* 0xCF8-0xCFB at odd sizes, never the reset bit at 0xCF9. */
            uint16_t port = 0xcf8 + g_rand_int_range(rng, 0, 4);
            if (port == 0xcf9) {
                cpu_inb(port);
            } else {
                random_port(rng, port);
            }
        } else if (what < 9) {
            /* Wherever PMBA and SMBBA may point (the ports below 0x100
             * are other devices' on a PC: none here). */
            uint16_t port = g_rand_int_range(rng, 0x100, 0x10000) & ~0x3f;
            port += g_rand_int_range(rng, 0, 64);
            /* Never SLP_EN (PMCNTRL bit 13): it powers off, by design. */
            uint32_t v = g_rand_int(rng) & ~0x20002000u;
            cpu_outl(port & ~3, v);
            cpu_inl(port & ~3);
        } else {
            /* The PAM windows and SMRAM, as data. */
            hwaddr a = 0xa0000 + g_rand_int_range(rng, 0, 0x60000);
            address_space_st(address_space_memory(), a, g_rand_int(rng), 1, NULL);
            address_space_ld(address_space_memory(), a, 4, NULL);
        }
        testing_take_reset_request();
        testing_take_shutdown_request(NULL);
    }
    g_rand_free(rng);
    /* RAM outside 0xA0000-0xFFFFF is what it was, and seen as RAM. */
    for (hwaddr a = 0; a < RAM_SIZE; a += 0x1000) {
        if (a >= 0xa0000 && a < 0x100000) {
            continue;
        }
        assert_int_equal(address_space_ld(address_space_memory(), a + 3, 1, NULL),
                         (uint8_t)((a + 3) * 7));
    }
    /* The fuzz reached the registers that matter. */
    cpu_outl(0xcf8, 0x8000005cu);
    uint32_t pam = cpu_inl(0xcfc);
    cpu_outl(0xcf8, 0x80000860u);
    uint32_t pirq = cpu_inl(0xcfc);
    assert_true(pam != 0 && pirq != 0x80808080u);
    /* Reset: everything back. */
    for (int i = 0; i < 4; i++) {
        device_cold_reset(devs[i]);
    }
    cpu_outl(0xcf8, 0x80000000u);
    assert_int_equal(cpu_inl(0xcfc), 0x12378086);
    cpu_outl(0xcf8, 0x80000858u);
    assert_int_equal(cpu_inl(0xcfc), 0x00000000);          /* PAM0..PAM2 */
    cpu_outl(0xcf8, 0x80000b00u);
    assert_int_equal(cpu_inl(0xcfc), 0x71138086);
    cpu_outl(0xcf8, 0x80000860u);
    assert_int_equal(cpu_inl(0xcfc), 0x80808080u);
    for (hwaddr a = 0xe0000; a < 0x100000; a += 0x4000) {
        assert_int_equal(address_space_ld(address_space_memory(), a, 1, NULL), 0x5e);
    }
    assert_int_equal(address_space_ld(address_space_memory(), 0xc0000, 1, NULL), 0xff);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_config),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
