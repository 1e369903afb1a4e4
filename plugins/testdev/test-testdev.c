/*
 * Unit tests of pc-testdev: the scratch ports as realmode.flat and
 * emulator.flat use them, the IRQ line ports, and the MMIO memory with
 * 1-8 byte and unaligned accesses, its edges, and a storm.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "harness.h"

#define IOMEM 0xff000000ull

static DeviceState *dev;

static int group_setup(void **state)
{
    harness_load_plugin("testdev");
    dev = harness_create("pc-testdev", "testdev", NULL, NULL);
    return 0;
}

static uint64_t mem_ld(hwaddr a, unsigned size)
{
    MemTxResult r;
    uint64_t v = address_space_ld(address_space_memory(), a, size, &r);
    assert_int_equal(r, MEMTX_OK);
    return v;
}

static void mem_st(hwaddr a, uint64_t v, unsigned size)
{
    MemTxResult r;
    address_space_st(address_space_memory(), a, v, size, &r);
    assert_int_equal(r, MEMTX_OK);
}

/* realmode.c test_io: out then in, at each width. */
static void test_pio_round_trip(void **state)
{
    cpu_outb(0xe0, 0xff);
    assert_int_equal(cpu_inb(0xe0), 0xff);
    cpu_outw(0xe0, 0xffff);
    assert_int_equal(cpu_inw(0xe0), 0xffff);
    cpu_outl(0xe0, 0xffffffff);
    assert_int_equal(cpu_inl(0xe0), 0xffffffff);
    /* A narrower write replaces the whole register. */
    cpu_outb(0xe0, 0x12);
    assert_int_equal(cpu_inl(0xe0), 0x12);
    cpu_outl(0xe0, 0xdeadbeef);
    assert_int_equal(cpu_inw(0xe0), 0xbeef);
    cpu_outb(0xe8, 0x77);
    assert_int_equal(cpu_inb(0xe8), 0x77);
    assert_int_equal(cpu_inl(0xe0), 0xdeadbeef);
}

/* emulator.c test_stringio / test_string_io_mmio. */
static void test_string_io(void **state)
{
    const char *st1 = "abcdefghijklmnop";
    for (const char *p = st1; *p; p++) {
        cpu_outb(0xe0, (uint8_t)*p);
    }
    assert_int_equal(cpu_inb(0xe0), 'p');
    cpu_outw(0xe0, 0x9999);
    for (int i = 0; i < 1024; i++) {
        assert_int_equal(cpu_inb(0xe0), 0x99);
    }
}

static void test_irq_lines(void **state)
{
    IRQProbe *p3 = harness_probe_output(dev, "irq", 3);
    IRQProbe *p23 = harness_probe_output(dev, "irq", 23);
    cpu_outb(0x2003, 1);
    assert_int_equal(p3->level, 1);
    cpu_outb(0x2003, 0);
    assert_int_equal(p3->level, 0);
    assert_int_equal(p3->rising, 1);
    cpu_outb(0x2017, 0x80);
    assert_int_equal(p23->level, 1);
    cpu_outb(0x2017, 0);
    /* Past line 23 nothing is decoded. */
    assert_int_equal(cpu_inb(0x2018), 0xff);
    assert_int_equal(device_gpio_count(dev, "irq", true), 24);
}

static void test_iomem(void **state)
{
    mem_st(IOMEM, 0x1122334455667788ull, 8);
    assert_int_equal(mem_ld(IOMEM, 1), 0x88);
    assert_int_equal(mem_ld(IOMEM + 1, 2), 0x6677);
    assert_int_equal(mem_ld(IOMEM + 4, 4), 0x11223344);
    assert_int_equal(mem_ld(IOMEM, 8), 0x1122334455667788ull);
    /* Unaligned, across a page boundary inside the region. */
    mem_st(IOMEM + 4095, 0x88aa, 2);
    assert_int_equal(mem_ld(IOMEM + 4095, 1), 0xaa);
    assert_int_equal(mem_ld(IOMEM + 4096, 1), 0x88);
    /* The last bytes, and a buffer copy through the MMIO path. */
    mem_st(IOMEM + 0xfff8, 0x0102030405060708ull, 8);
    assert_int_equal(mem_ld(IOMEM + 0xffff, 1), 0x01);
    uint8_t buf[64], back[64];
    for (int i = 0; i < 64; i++) {
        buf[i] = (uint8_t)(i * 7);
    }
    assert_int_equal(address_space_write(address_space_memory(), IOMEM + 100, buf, 64),
                     MEMTX_OK);
    assert_int_equal(address_space_read(address_space_memory(), IOMEM + 100, back, 64),
                     MEMTX_OK);
    assert_memory_equal(buf, back, 64);
    /* Reset clears it. */
    device_cold_reset(dev);
    assert_int_equal(mem_ld(IOMEM, 8), 0);
}

static void test_bad_configuration(void **state)
{
    Error *err = NULL;
    const char *past[] = { "iobase=0xfffa", "irq-port=0x3000", "iomem-base=0xfe000000", NULL };
    assert_null(harness_try_create("pc-testdev", NULL, NULL, past, &err));
    error_free(err);
    err = NULL;
    const char *unaligned[] = { "iobase=0x600", "irq-port=0x3000", "iomem-base=0xfe000800",
                                NULL };
    assert_null(harness_try_create("pc-testdev", NULL, NULL, unaligned, &err));
    assert_non_null(strstr(error_get_pretty(err), "aligned"));
    error_free(err);
}

static void test_storm(void **state)
{
    GRand *r = g_rand_new_with_seed(0xe0);
    static const unsigned sizes[] = { 1, 2, 4, 8 };
    for (int i = 0; i < 200000; i++) {
        unsigned size = sizes[g_rand_int_range(r, 0, 4)];
        hwaddr off = (hwaddr)g_rand_int_range(r, 0, 0x10000);
        uint64_t v = ((uint64_t)g_rand_int(r) << 32) | g_rand_int(r);
        MemTxResult res;
        switch (g_rand_int_range(r, 0, 4)) {
        case 0:
            address_space_st(address_space_memory(), IOMEM + off, v, size, &res);
            break;
        case 1:
            address_space_ld(address_space_memory(), IOMEM + off, size, &res);
            break;
        case 2:
            cpu_outb((uint16_t)(0x2000 + g_rand_int_range(r, 0, 32)), (uint8_t)v);
            break;
        default:
            cpu_outl((uint16_t)(0xe0 + g_rand_int_range(r, 0, 12)), (uint32_t)v);
            break;
        }
    }
    /* Still sane. */
    cpu_outl(0xe0, 0xcafe);
    assert_int_equal(cpu_inl(0xe0), 0xcafe);
    g_rand_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pio_round_trip),
        cmocka_unit_test(test_string_io),
        cmocka_unit_test(test_irq_lines),
        cmocka_unit_test(test_iomem),
        cmocka_unit_test(test_bad_configuration),
        cmocka_unit_test(test_storm),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
