/*
 * DMA and the CPU's view: address_space_map/unmap (direct RAM and the
 * bounce buffer), page information for the TLB, the code-write hook and
 * map listeners.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "mem-test-util.h"

static int setup(void **state)
{
    *state = test_space_new();
    return 0;
}

static int teardown(void **state)
{
    test_space_free(*state);
    return 0;
}

/* ---- map / unmap ---- */

static void test_map_ram_direct(void **state)
{
    TestSpace *ts = *state;
    MemoryRegion ram, ram2;
    assert_true(memory_region_init_ram(&ram, NULL, "ram", 0x1000, NULL));
    assert_true(memory_region_init_ram(&ram2, NULL, "ram2", 0x1000, NULL));
    memory_region_add_subregion(&ts->root, 0x1000, &ram);
    memory_region_add_subregion(&ts->root, 0x2000, &ram2);   /* adjacent, other memory */
    uint8_t *p = memory_region_get_ram_ptr(&ram);

    hwaddr len = 0x100;
    uint8_t *m = address_space_map(ts->as, 0x1080, &len, true);
    assert_ptr_equal(m, p + 0x80);
    assert_int_equal(len, 0x100);
    memset(m, 0x5c, len);
    address_space_unmap(ts->as, m, len, true, len);
    assert_int_equal(address_space_ld(ts->as, 0x10ff, 1, NULL), 0x5c);

    /* Clipped to the contiguous RAM, not running into ram2. */
    len = 0x400;
    m = address_space_map(ts->as, 0x1f00, &len, false);
    assert_ptr_equal(m, p + 0xf00);
    assert_int_equal(len, 0x100);
    address_space_unmap(ts->as, m, len, false, len);

    /* Zero length maps nothing. */
    len = 0;
    assert_null(address_space_map(ts->as, 0x1000, &len, false));

    memory_region_finalize(&ram2);
    memory_region_finalize(&ram);
}

static void test_map_bounce_buffer(void **state)
{
    TestSpace *ts = *state;
    TestDev *d = g_new0(TestDev, 1);
    test_dev_init(d, NULL, "fifo", 64, NULL);
    test_dev_fill(d);
    memory_region_add_subregion(&ts->root, 0x4000, &d->mr);

    /* Read: the contents are fetched at map time. */
    hwaddr len = 8;
    uint8_t *m = address_space_map(ts->as, 0x4008, &len, false);
    assert_non_null(m);
    assert_int_equal(len, 8);
    assert_int_equal(m[0], 0x18);
    assert_int_equal(m[7], 0x1f);
    int reads = d->nlog;
    assert_true(reads > 0);

    /* One bounce buffer per address space. */
    hwaddr len2 = 4;
    assert_null(address_space_map(ts->as, 0x4000, &len2, false));
    assert_int_equal(len2, 0);
    address_space_unmap(ts->as, m, len, false, len);

    /* Write: nothing reaches the device before unmap, and only what was
     * accessed is written out. */
    len = 16;
    m = address_space_map(ts->as, 0x4020, &len, true);
    assert_non_null(m);
    assert_int_equal(d->nlog, reads);
    memset(m, 0xee, 16);
    address_space_unmap(ts->as, m, len, true, 6);
    assert_int_equal(d->regs[0x20], 0xee);
    assert_int_equal(d->regs[0x25], 0xee);
    assert_int_equal(d->regs[0x26], 0x10 + 0x26);

    /* The bounce buffer has a bounded size. */
    len = 1 << 20;
    m = address_space_map(ts->as, 0x8000, &len, false);
    assert_non_null(m);
    assert_int_equal(len, MEMORY_BOUNCE_MAX);
    address_space_unmap(ts->as, m, len, false, 0);

    memory_region_finalize(&d->mr);
    g_free(d);
}

static void test_map_rom_for_write_bounces(void **state)
{
    TestSpace *ts = *state;
    MemoryRegion rom;
    assert_true(memory_region_init_rom(&rom, NULL, "rom", 0x1000, NULL));
    memory_region_add_subregion(&ts->root, 0x0, &rom);
    uint8_t *p = memory_region_get_ram_ptr(&rom);
    p[0] = 0x42;

    hwaddr len = 16;
    uint8_t *m = address_space_map(ts->as, 0, &len, false);
    assert_ptr_equal(m, p);                  /* reading ROM is direct */
    address_space_unmap(ts->as, m, len, false, len);

    len = 16;
    m = address_space_map(ts->as, 0, &len, true);
    assert_non_null(m);
    assert_ptr_not_equal(m, p);
    memset(m, 0, 16);
    address_space_unmap(ts->as, m, len, true, len);
    assert_int_equal(p[0], 0x42);            /* the write was dropped */

    memory_region_finalize(&rom);
}

/* ---- page information ---- */

static void test_page_info(void **state)
{
    TestSpace *ts = *state;
    MemoryRegion ram, rom, roram, win, romd;
    TestDev *dev = g_new0(TestDev, 1);
    MemoryPageInfo info;

    assert_true(memory_region_init_ram(&ram, NULL, "ram", 0x3000, NULL));
    assert_true(memory_region_init_rom(&rom, NULL, "rom", 0x1000, NULL));
    assert_true(memory_region_init_ram(&roram, NULL, "roram", 0x1000, NULL));
    test_dev_init(dev, NULL, "mmio", 0x100, NULL);
    assert_true(memory_region_init_rom_device(&romd, NULL, &dev->ops, dev, "romd", 0x1000,
                                              NULL));
    memory_region_set_readonly(&roram, true);
    memory_region_init_alias(&win, NULL, "win", &ram, 0x2000, 0x1000);

    memory_region_add_subregion(&ts->root, 0x0000, &ram);           /* 0x0000-0x2fff */
    memory_region_add_subregion_overlap(&ts->root, 0x1800, &dev->mr, 1);
    memory_region_add_subregion(&ts->root, 0x4000, &rom);
    memory_region_add_subregion(&ts->root, 0x5000, &roram);
    memory_region_add_subregion(&ts->root, 0x6000, &win);
    memory_region_add_subregion(&ts->root, 0x7800, &romd);          /* 0x7800-0x87ff */
    uint8_t *pram = memory_region_get_ram_ptr(&ram);

    address_space_page_info(ts->as, 0x0000, 0x1000, &info);
    assert_ptr_equal(info.host_read, pram);
    assert_ptr_equal(info.host_write, pram);
    address_space_page_info(ts->as, 0x2000, 0x1000, &info);
    assert_ptr_equal(info.host_read, pram + 0x2000);

    /* A page with MMIO in it. */
    address_space_page_info(ts->as, 0x1000, 0x1000, &info);
    assert_null(info.host_read);
    assert_null(info.host_write);
    /* ...but its RAM-only quarter pages are fine with a smaller page. */
    address_space_page_info(ts->as, 0x1000, 0x400, &info);
    assert_ptr_equal(info.host_read, pram + 0x1000);

    address_space_page_info(ts->as, 0x4000, 0x1000, &info);
    assert_ptr_equal(info.host_read, memory_region_get_ram_ptr(&rom));
    assert_null(info.host_write);
    address_space_page_info(ts->as, 0x5000, 0x1000, &info);
    assert_ptr_equal(info.host_read, memory_region_get_ram_ptr(&roram));
    assert_null(info.host_write);

    /* An alias resolves to the RAM behind it. */
    address_space_page_info(ts->as, 0x6000, 0x1000, &info);
    assert_ptr_equal(info.host_read, pram + 0x2000);
    assert_ptr_equal(info.host_write, pram + 0x2000);

    /* Unassigned, and a page only partly covered. */
    address_space_page_info(ts->as, 0x3000, 0x1000, &info);
    assert_null(info.host_read);
    address_space_page_info(ts->as, 0x7000, 0x1000, &info);
    assert_null(info.host_read);
    assert_null(info.host_write);
    /* A ROM device reads directly and writes through its ops. */
    address_space_page_info(ts->as, 0x8000, 0x800, &info);
    assert_ptr_equal(info.host_read, (uint8_t *)memory_region_get_ram_ptr(&romd) + 0x800);
    assert_null(info.host_write);
    /* The page of the MMIO region itself. */
    address_space_page_info(ts->as, 0x1800, 0x100, &info);
    assert_null(info.host_read);

    memory_region_finalize(&romd);
    memory_region_finalize(&win);
    memory_region_finalize(&dev->mr);
    memory_region_finalize(&roram);
    memory_region_finalize(&rom);
    memory_region_finalize(&ram);
    g_free(dev);
}

/* ---- code-write hook ---- */

typedef struct HookLog {
    hwaddr addr[16];
    hwaddr len[16];
    int n;
} HookLog;

static void record_code_write(void *opaque, hwaddr addr, hwaddr len)
{
    HookLog *h = opaque;
    assert_true(h->n < 16);
    h->addr[h->n] = addr;
    h->len[h->n] = len;
    h->n++;
}

static void assert_hook(const HookLog *h, int i, hwaddr addr, hwaddr len)
{
    assert_true(i < h->n);
    if (h->addr[i] != addr || h->len[i] != len) {
        fail_msg("hook call %d: got 0x%" PRIx64 "+0x%" PRIx64 ", expected 0x%" PRIx64
                 "+0x%" PRIx64, i, h->addr[i], h->len[i], addr, len);
    }
}

static void test_code_write_hook(void **state)
{
    TestSpace *ts = *state;
    AddressSpace *sys = address_space_memory();
    MemoryRegion ram, high, win;
    TestDev *dev = g_new0(TestDev, 1);
    HookLog h = { 0 };

    assert_true(memory_region_init_ram(&ram, NULL, "ram", 0x10000, NULL));
    memory_region_add_subregion(memory_get_system_memory(), 0x100000, &ram);
    test_dev_init(dev, NULL, "mmio", 0x100, NULL);
    memory_region_add_subregion(memory_get_system_memory(), 0x200000, &dev->mr);
    memory_set_code_write_hook(record_code_write, &h);

    uint8_t buf[32] = { 0 };
    address_space_write(sys, 0x100010, buf, 32);
    assert_int_equal(h.n, 1);
    assert_hook(&h, 0, 0x100010, 32);

    address_space_st(sys, 0x100100, 0x1234, 2, NULL);
    assert_hook(&h, 1, 0x100100, 2);
    address_space_set(sys, 0x100200, 0, 0x300);
    assert_hook(&h, 2, 0x100200, 0x300);

    /* Reads, and writes to I/O, are not code writes. */
    address_space_read(sys, 0x100010, buf, 32);
    address_space_st(sys, 0x200000, 1, 1, NULL);
    assert_int_equal(h.n, 3);

    /* A DMA mapping reports what was written when it is unmapped. */
    hwaddr len = 0x80;
    void *m = address_space_map(sys, 0x101000, &len, true);
    assert_int_equal(h.n, 3);
    address_space_unmap(sys, m, len, true, 0x20);
    assert_hook(&h, 3, 0x101000, 0x20);
    len = 0x80;
    m = address_space_map(sys, 0x101000, &len, false);
    address_space_unmap(sys, m, len, false, len);
    assert_int_equal(h.n, 4);

    /* A device that wrote through the host pointer says so. */
    memory_region_set_dirty(&ram, 0x40, 0x10);
    assert_hook(&h, 4, 0x100040, 0x10);
    /* Out-of-range dirtying is clipped to the region. */
    memory_region_set_dirty(&ram, 0xfff8, 0x100);
    assert_hook(&h, 5, 0x10fff8, 8);
    memory_region_set_dirty(&ram, 0x10000, 1);
    assert_int_equal(h.n, 6);

    /* RAM seen at two addresses is reported at both. */
    memory_region_init_alias(&win, NULL, "win", &ram, 0x8000, 0x1000);
    memory_region_add_subregion(memory_get_system_memory(), 0x300000, &win);
    memory_region_set_dirty(&ram, 0x8010, 4);
    assert_int_equal(h.n, 8);
    assert_hook(&h, 6, 0x108010, 4);
    assert_hook(&h, 7, 0x300010, 4);

    /* So is a DMA write at either address: code may have run from the
     * other one. */
    address_space_write(sys, 0x300100, buf, 2);
    assert_int_equal(h.n, 10);
    assert_hook(&h, 8, 0x108100, 2);
    assert_hook(&h, 9, 0x300100, 2);

    /* A write through another address space lands in system RAM: it is
     * reported at the system addresses. */
    memory_region_init_alias(&high, NULL, "dma-window", &ram, 0x8000, 0x100);
    memory_region_add_subregion(&ts->root, 0x0, &high);
    address_space_st(ts->as, 0x20, 0xff, 1, NULL);
    assert_int_equal(h.n, 12);
    assert_hook(&h, 10, 0x108020, 1);
    assert_hook(&h, 11, 0x300020, 1);

    memory_set_code_write_hook(NULL, NULL);
    address_space_write(sys, 0x100010, buf, 4);
    assert_int_equal(h.n, 12);

    memory_region_finalize(&high);
    memory_region_finalize(&win);
    memory_region_finalize(&dev->mr);
    memory_region_finalize(&ram);
    g_free(dev);
}

/* ---- map listeners ---- */

typedef struct ListenerState {
    int calls;
    unsigned nr_ranges_seen;
} ListenerState;

static void on_map_change(void *opaque)
{
    ListenerState *ls = opaque;
    ls->calls++;
    ls->nr_ranges_seen = address_space_memory()->current_map->nr;
}

static void test_map_listener_sees_new_view(void **state)
{
    ListenerState ls = { 0 };
    unsigned before = address_space_memory()->current_map->nr;
    void *handle = memory_add_map_listener(on_map_change, &ls);
    MemoryRegion ram;

    assert_true(memory_region_init_ram(&ram, NULL, "ram", 0x1000, NULL));
    memory_region_add_subregion(memory_get_system_memory(), 0x500000, &ram);
    assert_int_equal(ls.calls, 1);
    assert_int_equal(ls.nr_ranges_seen, before + 1);

    memory_region_set_address(&ram, 0x600000);
    assert_int_equal(ls.calls, 2);

    memory_remove_map_listener(handle);
    memory_region_finalize(&ram);
    assert_int_equal(ls.calls, 2);
    assert_int_equal(address_space_memory()->current_map->nr, before);
}

int main(void)
{
    module_call_init(MODULE_INIT_QOM);
    memory_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_map_ram_direct, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_bounce_buffer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_rom_for_write_bounces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_info, setup, teardown),
        cmocka_unit_test_setup_teardown(test_code_write_hook, setup, teardown),
        cmocka_unit_test(test_map_listener_sees_new_view),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
