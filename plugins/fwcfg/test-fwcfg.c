/*
 * Unit tests of fw-cfg: items through the port interface, the file
 * directory, DMA reads (including past an item's end), and hostile DMA
 * commands (writes, unmapped addresses, DMA into its own registers), the
 * IRQ0 override file, and the interface the core hands the kernel loader's
 * data through.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "harness.h"
#include "main/runstate.h"

#define RAM_BASE 0x10000
static MemoryRegion ram;

/* An MMIO page well past RAM, across a gap of unassigned space, counting
 * the writes that reach it. */
#define BEYOND_BASE 0x200000
static MemoryRegion beyond;
static unsigned beyond_writes;

static uint64_t beyond_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void beyond_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    beyond_writes++;
}

static const MemoryRegionOps beyond_ops = {
    .read = beyond_read,
    .write = beyond_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

static uint64_t read_item(uint16_t key, int n)
{
    cpu_outw(0x510, key);
    uint64_t v = 0;
    for (int i = 0; i < n; i++) {
        v |= (uint64_t)cpu_inb(0x511) << (8 * i);
    }
    return v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* Write a DMA command at RAM_BASE and start it; returns its control word
 * after completion. */
static uint32_t dma(uint32_t control, uint32_t length, uint64_t addr)
{
    uint8_t cmd[16];
    put_be32(cmd, control);
    put_be32(cmd + 4, length);
    put_be32(cmd + 8, (uint32_t)(addr >> 32));
    put_be32(cmd + 12, (uint32_t)addr);
    address_space_write(address_space_memory(), RAM_BASE, cmd, sizeof(cmd));
    /* The 64-bit address register is big-endian: high half first. */
    cpu_outl(0x514, 0);
    cpu_outl(0x518, __builtin_bswap32(RAM_BASE));
    uint8_t back[4];
    address_space_read(address_space_memory(), RAM_BASE, back, 4);
    return get_be32(back);
}

static int setup(void **state)
{
    harness_init();
    memory_region_init_ram(&ram, NULL, "test-ram", 0x100000, &error_abort);
    memory_region_add_subregion(memory_get_system_memory(), 0, &ram);
    memory_region_init_io(&beyond, NULL, &beyond_ops, NULL, "beyond", 0x1000);
    memory_region_add_subregion(memory_get_system_memory(), BEYOND_BASE, &beyond);
    board_set_ram_size(64 << 20);
    harness_load_plugin("fwcfg");
    harness_create("fw-cfg", "fwcfg", NULL, (const char *[]){ "cpus=1", NULL });
    return 0;
}

static void test_port_items(void **state)
{
    assert_int_equal(read_item(0x0000, 4), 0x554d4551);      /* "QEMU" */
    assert_int_equal(read_item(0x0001, 4), 3);               /* port + DMA */
    assert_int_equal(read_item(0x0003, 8), 64 << 20);
    assert_int_equal(read_item(0x0005, 2), 1);
    assert_int_equal(read_item(0x000f, 2), 1);
    /* Unknown items and reads past an item's end are zeros. */
    assert_int_equal(read_item(0x1234, 4), 0);
    cpu_outw(0x510, 0x0005);
    cpu_inb(0x511);
    cpu_inb(0x511);
    assert_int_equal(cpu_inb(0x511), 0);
    /* The DMA register reads back "QEMU CFG". */
    assert_int_equal(cpu_inl(0x514), __builtin_bswap32(0x51454d55));
}

static void test_file_directory_and_dma(void **state)
{
    /* Read the directory by DMA and find etc/e820. */
    uint8_t dir[4 + 64];
    assert_int_equal(dma((0x19 << 16) | 0x08 | 0x02, sizeof(dir), RAM_BASE + 0x100), 0);
    address_space_read(address_space_memory(), RAM_BASE + 0x100, dir, sizeof(dir));
    assert_int_equal(get_be32(dir), 1);
    assert_int_equal(get_be32(dir + 4), 20);
    assert_string_equal((char *)dir + 12, "etc/e820");
    uint16_t select = dir[8] << 8 | dir[9];
    /* Read the file with 4 bytes to spare: the spare bytes become zeros. */
    uint8_t buf[24];
    memset(buf, 0xaa, sizeof(buf));
    address_space_write(address_space_memory(), RAM_BASE + 0x200, buf, sizeof(buf));
    assert_int_equal(dma(((uint32_t)select << 16) | 0x08 | 0x02, 24, RAM_BASE + 0x200), 0);
    address_space_read(address_space_memory(), RAM_BASE + 0x200, buf, sizeof(buf));
    uint64_t len = 0;
    memcpy(&len, buf + 8, 8);
    assert_int_equal(len, 64 << 20);
    assert_int_equal(buf[16], 1);
    for (int i = 20; i < 24; i++) {
        assert_int_equal(buf[i], 0);
    }
}

/* irq0-override=on adds etc/irq0-override, a 32-bit 1, after etc/e820. */
static void test_irq0_override(void **state)
{
    DeviceState *d = harness_create("fw-cfg", "fwcfg2", NULL,
                                    (const char *[]){ "iobase=0x600", "dma=off",
                                                      "irq0-override=on", NULL });
    uint8_t dir[4 + 2 * 64];
    cpu_outw(0x600, 0x19);
    for (size_t i = 0; i < sizeof(dir); i++) {
        dir[i] = cpu_inb(0x601);
    }
    assert_int_equal(get_be32(dir), 2);
    const uint8_t *f = dir + 4 + 64;
    assert_int_equal(get_be32(f), 4);
    assert_string_equal((char *)f + 8, "etc/irq0-override");
    cpu_outw(0x600, f[4] << 8 | f[5]);
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        v |= (uint32_t)cpu_inb(0x601) << (8 * i);
    }
    assert_int_equal(v, 1);
    harness_destroy(d);
}

static void test_hostile_dma(void **state)
{
    /* Writes are refused with the error bit. */
    assert_int_equal(dma((0x03 << 16) | 0x08 | 0x10, 8, RAM_BASE + 0x300), 1);
    /* A read into unassigned space reports an error, nothing crashes. */
    assert_int_equal(dma((0x03 << 16) | 0x08 | 0x02, 8, 0xf0000000ULL), 1);
    /* A huge length past the item's end fills what is mapped up to the
     * first page that is not, and stops there with the error bit: the
     * memory a page after that gap is never written, however long the
     * request (it was, after seconds of bus errors through the gap). */
    assert_int_equal(dma((0x00 << 16) | 0x08 | 0x02, 0xffffffffu, 0xfff00ULL), 1);
    uint8_t tail[4];
    address_space_read(address_space_memory(), 0xffffc, tail, 4);
    assert_memory_equal(tail, "\0\0\0\0", 4);
    assert_int_equal(beyond_writes, 0);
    /* The device's registers are ports, not memory: a command aimed at
     * memory address 0x510 just lands in RAM there. */
    assert_int_equal(dma((0x00 << 16) | 0x08 | 0x02, 4, 0x510), 0);
    uint8_t sig[4];
    address_space_read(address_space_memory(), 0x510, sig, 4);
    assert_memory_equal(sig, "QEMU", 4);
    /* Skip advances without writing. */
    cpu_outw(0x510, 0x0000);
    assert_int_equal(dma(0x04, 2, 0), 0);
    assert_int_equal(cpu_inb(0x511), 'M');
}

/* The core's side (include/cardcage/fwcfg.h): the loader's items and
 * files, and what it may not do. */
static void test_core_interface(void **state)
{
    Object *fw = fw_cfg_find();
    assert_non_null(fw);
    Error *err = NULL;
    assert_true(fw_cfg_set_item(fw, FW_CFG_KERNEL_DATA, "abcd", 4, &error_abort));
    assert_int_equal(read_item(FW_CFG_KERNEL_DATA, 4), 0x64636261);
    /* The signature and the directory are the device's own. */
    assert_false(fw_cfg_set_item(fw, 0x0000, "EVIL", 4, &err));
    error_free(err);
    err = NULL;
    assert_false(fw_cfg_set_item(fw, 0x19, "EVIL", 4, &err));
    error_free(err);
    err = NULL;
    assert_int_equal(read_item(0x0000, 4), 0x554d4551);
    assert_true(fw_cfg_add_file(fw, "genroms/x.bin", "rom", 3, &error_abort));
    assert_false(fw_cfg_add_file(fw, "genroms/x.bin", "rom", 3, &err));
    assert_non_null(strstr(error_get_pretty(err), "already"));
    error_free(err);
    err = NULL;
    char longname[80];
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = 0;
    assert_false(fw_cfg_add_file(fw, longname, "x", 1, &err));
    assert_non_null(strstr(error_get_pretty(err), "longer"));
    error_free(err);
    err = NULL;
    /* Fill the directory: e820 and x.bin are there, 30 more fit. */
    int added = 0;
    for (int i = 0; i < 40; i++) {
        char name[32];
        snprintf(name, sizeof(name), "opt/f%d", i);
        if (!fw_cfg_add_file(fw, name, name, strlen(name), &err)) {
            assert_non_null(strstr(error_get_pretty(err), "no room"));
            error_free(err);
            err = NULL;
            break;
        }
        added++;
    }
    assert_int_equal(added, 30);
    cpu_outw(0x510, 0x19);
    uint8_t count[4];
    for (int i = 0; i < 4; i++) {
        count[i] = cpu_inb(0x511);
    }
    assert_int_equal(get_be32(count), 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_port_items),
        cmocka_unit_test(test_file_directory_and_dma),
        cmocka_unit_test(test_irq0_override),
        cmocka_unit_test(test_hostile_dma),
        cmocka_unit_test(test_core_interface),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
