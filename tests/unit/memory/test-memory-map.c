/*
 * The region tree and its flat views: priorities, transparent containers,
 * aliases, enable/disable, removal, moving, transactions, overlap checks
 * and the `info mtree` printout.
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

static MemoryRegion *new_io(const char *name, uint64_t size)
{
    static const MemoryRegionOps none = { 0 };
    MemoryRegion *mr = g_new0(MemoryRegion, 1);
    memory_region_init_io(mr, NULL, &none, NULL, name, size);
    return mr;
}

static void free_region(MemoryRegion *mr)
{
    memory_region_finalize(mr);
    g_free(mr);
}

static void assert_at(AddressSpace *as, hwaddr addr, const char *name, hwaddr offset)
{
    hwaddr off = ~(hwaddr)0;
    const char *got = flat_name_at(as, addr, &off);
    if (!name) {
        if (got) {
            fail_msg("0x%" PRIx64 ": expected unassigned, found '%s'", addr, got);
        }
        return;
    }
    if (!got || strcmp(got, name) != 0) {
        fail_msg("0x%" PRIx64 ": expected '%s', found '%s'", addr, name, got ? got : "(none)");
    }
    assert_int_equal(off, offset);
}

static void test_higher_priority_wins(void **state)
{
    TestSpace *ts = *state;
    MemoryRegion *low = new_io("low", 0x1000);
    MemoryRegion *high = new_io("high", 0x100);

    memory_region_add_subregion_overlap(&ts->root, 0x800, high, 1);
    memory_region_add_subregion_overlap(&ts->root, 0, low, 0);

    assert_at(ts->as, 0x7ff, "low", 0x7ff);
    assert_at(ts->as, 0x800, "high", 0);
    assert_at(ts->as, 0x8ff, "high", 0xff);
    assert_at(ts->as, 0x900, "low", 0x900);
    assert_at(ts->as, 0x1000, NULL, 0);
    assert_int_equal(ts->as->current_map->nr, 3);

    /* Negative priorities sit below 0. */
    MemoryRegion *under = new_io("under", 0x2000);
    memory_region_add_subregion_overlap(&ts->root, 0, under, -5);
    assert_at(ts->as, 0x10, "low", 0x10);
    assert_at(ts->as, 0x1800, "under", 0x1800);

    free_region(under);
    free_region(high);
    free_region(low);
    assert_int_equal(ts->as->current_map->nr, 0);
}

static void test_equal_priority_later_added_wins(void **state)
{
    TestSpace *ts = *state;
    MemoryRegion *a = new_io("a", 0x100);
    MemoryRegion *b = new_io("b", 0x100);

    memory_region_add_subregion(&ts->root, 0x0, a);
    memory_region_add_subregion(&ts->root, 0x80, b);
    assert_at(ts->as, 0x7f, "a", 0x7f);
    assert_at(ts->as, 0x80, "b", 0);
    assert_at(ts->as, 0x17f, "b", 0xff);

    /* Re-adding a makes it the later one. */
    memory_region_del_subregion(&ts->root, a);
    memory_region_add_subregion(&ts->root, 0x0, a);
    assert_at(ts->as, 0x80, "a", 0x80);
    assert_at(ts->as, 0x100, "b", 0x80);

    free_region(a);
    free_region(b);
}

static void test_containers_are_transparent(void **state)
{
    TestSpace *ts = *state;
    MemoryRegion *ram = g_new0(MemoryRegion, 1);
    MemoryRegion *box = g_new0(MemoryRegion, 1);
    MemoryRegion *dev = new_io("dev", 0x10);

    assert_true(memory_region_init_ram(ram, NULL, "ram", 0x1000, NULL));
    memory_region_init(box, NULL, "box", 0x1000);
    memory_region_add_subregion(box, 0x100, dev);
    memory_region_add_subregion_overlap(&ts->root, 0, box, 1);
    memory_region_add_subregion_overlap(&ts->root, 0, ram, 0);

    assert_at(ts->as, 0x0, "ram", 0);
    assert_at(ts->as, 0x100, "dev", 0);
    assert_at(ts->as, 0x10f, "dev", 0xf);
    assert_at(ts->as, 0x110, "ram", 0x110);
    assert_at(ts->as, 0xfff, "ram", 0xfff);

    /* A subregion sticking out of its container is clipped to it. */
    MemoryRegion *wide = new_io("wide", 0x200);
    memory_region_add_subregion(box, 0xf00, wide);
    assert_at(ts->as, 0xf00, "wide", 0);
    assert_at(ts->as, 0xfff, "wide", 0xff);
    assert_at(ts->as, 0x1000, NULL, 0);

    free_region(wide);
    free_region(dev);
    free_region(box);
    free_region(ram);
}

static void test_alias_offset_and_clipping(void **state)
{
    TestSpace *ts = *state;
    MemoryRegion *ram = g_new0(MemoryRegion, 1);
    MemoryRegion *win = g_new0(MemoryRegion, 1);

    assert_true(memory_region_init_ram(ram, NULL, "ram", 0x1000, NULL));
    uint8_t *p = memory_region_get_ram_ptr(ram);
    for (int i = 0; i < 0x1000; i++) {
        p[i] = (uint8_t)(i * 7);
    }
    /* The RAM itself is not mapped: only the window onto it. */
    memory_region_init_alias(win, NULL, "win", ram, 0x400, 0x100);
    memory_region_add_subregion(&ts->root, 0x8000, win);
    assert_at(ts->as, 0x7fff, NULL, 0);
    assert_at(ts->as, 0x8000, "ram", 0x400);
    assert_at(ts->as, 0x80ff, "ram", 0x4ff);
    assert_at(ts->as, 0x8100, NULL, 0);
    assert_int_equal(address_space_ld(ts->as, 0x8010, 1, NULL), (uint8_t)(0x410 * 7));

    /* Moving the window. */
    memory_region_set_alias_offset(win, 0xf80);
    assert_at(ts->as, 0x8000, "ram", 0xf80);
    /* The window reaches past the end of the RAM: only 0x80 bytes show. */
    assert_at(ts->as, 0x807f, "ram", 0xfff);
    assert_at(ts->as, 0x8080, NULL, 0);
    uint8_t buf[4];
    assert_int_equal(address_space_read(ts->as, 0x807e, buf, 4), MEMTX_DECODE_ERROR);
    assert_int_equal(buf[0], (uint8_t)(0xffe * 7));
    assert_int_equal(buf[1], (uint8_t)(0xfff * 7));
    assert_int_equal(buf[2], 0xff);
    assert_int_equal(buf[3], 0xff);

    free_region(win);
    free_region(ram);
}

static void test_nested_alias_and_alias_of_container(void **state)
{
    TestSpace *ts = *state;
    MemoryRegion *box = g_new0(MemoryRegion, 1);
    MemoryRegion *x = new_io("x", 0x100);
    MemoryRegion *y = new_io("y", 0x100);
    MemoryRegion *outer = g_new0(MemoryRegion, 1);
    MemoryRegion *inner = g_new0(MemoryRegion, 1);

    /* box: x at 0x100, y at 0x300, nothing between. */
    memory_region_init(box, NULL, "box", 0x1000);
    memory_region_add_subregion(box, 0x100, x);
    memory_region_add_subregion(box, 0x300, y);
    /* inner shows box from 0x80; outer shows inner from 0x100, so outer
     * offset 0 is box offset 0x180. */
    memory_region_init_alias(inner, NULL, "inner", box, 0x80, 0x800);
    memory_region_init_alias(outer, NULL, "outer", inner, 0x100, 0x400);
    memory_region_add_subregion(&ts->root, 0x2000, outer);

    assert_at(ts->as, 0x2000, "x", 0x80);
    assert_at(ts->as, 0x207f, "x", 0xff);
    assert_at(ts->as, 0x2080, NULL, 0);          /* the container's hole */
    assert_at(ts->as, 0x2180, "y", 0);
    assert_at(ts->as, 0x227f, "y", 0xff);
    assert_at(ts->as, 0x2280, NULL, 0);

    /* The container's own placement does not move what the alias shows. */
    memory_region_add_subregion(&ts->root, 0x5000, box);
    assert_at(ts->as, 0x5100, "x", 0);
    assert_at(ts->as, 0x2000, "x", 0x80);

    /* Disabling the target hides it through the alias too. */
    memory_region_set_enabled(x, false);
    assert_at(ts->as, 0x2000, NULL, 0);
    memory_region_set_enabled(x, true);

    free_region(outer);
    free_region(inner);
    free_region(y);
    free_region(x);
    free_region(box);
}

static void test_enable_disable_and_del(void **state)
{
    TestSpace *ts = *state;
    MemoryRegion *low = new_io("low", 0x100);
    MemoryRegion *high = new_io("high", 0x100);

    memory_region_add_subregion(&ts->root, 0x100, low);
    memory_region_add_subregion_overlap(&ts->root, 0x100, high, 2);
    assert_at(ts->as, 0x150, "high", 0x50);

    memory_region_set_enabled(high, false);
    assert_at(ts->as, 0x150, "low", 0x50);
    memory_region_set_enabled(high, true);
    assert_at(ts->as, 0x150, "high", 0x50);

    memory_region_del_subregion(&ts->root, high);
    assert_at(ts->as, 0x150, "low", 0x50);
    assert_null(high->container);
    memory_region_del_subregion(&ts->root, low);
    assert_at(ts->as, 0x150, NULL, 0);

    /* A removed region can be mapped again elsewhere. */
    memory_region_add_subregion(&ts->root, 0x4000, low);
    assert_at(ts->as, 0x4000, "low", 0);
    memory_region_set_address(low, 0x6000);
    assert_at(ts->as, 0x4000, NULL, 0);
    assert_at(ts->as, 0x60ff, "low", 0xff);
    memory_region_set_size(low, 0x10);
    assert_at(ts->as, 0x600f, "low", 0xf);
    assert_at(ts->as, 0x6010, NULL, 0);

    free_region(low);
    free_region(high);
}

static int listener_calls;

static void count_listener(void *opaque)
{
    listener_calls++;
}

static void test_transactions_rebuild_once(void **state)
{
    TestSpace *ts = *state;
    MemoryRegion *r[4];
    void *h = memory_add_map_listener(count_listener, NULL);

    listener_calls = 0;
    memory_region_transaction_begin();
    memory_region_transaction_begin();
    for (int i = 0; i < 4; i++) {
        char name[8];
        snprintf(name, sizeof(name), "r%d", i);
        r[i] = new_io(name, 0x10);
        memory_region_add_subregion(&ts->root, 0x100 * i, r[i]);
    }
    memory_region_transaction_commit();
    /* Still inside the outer transaction: nothing rebuilt yet. */
    assert_int_equal(listener_calls, 0);
    assert_at(ts->as, 0x100, NULL, 0);
    memory_region_transaction_commit();
    assert_int_equal(listener_calls, 1);
    assert_at(ts->as, 0x100, "r1", 0);
    assert_at(ts->as, 0x300, "r3", 0);

    /* A change outside a transaction rebuilds at once. */
    memory_region_set_enabled(r[2], false);
    assert_int_equal(listener_calls, 2);
    assert_at(ts->as, 0x200, NULL, 0);

    /* A change no view can see does not disturb the listeners. */
    MemoryRegion *loose = new_io("loose", 0x10);
    memory_region_set_enabled(loose, false);
    assert_int_equal(listener_calls, 2);

    memory_remove_map_listener(h);
    memory_region_set_enabled(r[2], true);
    assert_int_equal(listener_calls, 2);

    free_region(loose);
    for (int i = 0; i < 4; i++) {
        free_region(r[i]);
    }
}

static void expect_overlap(MemoryRegion *root, const char *message)
{
    Error *err = NULL;
    bool ok = memory_region_check_overlaps(root, &err);
    if (!message) {
        if (!ok) {
            fail_msg("unexpected overlap: %s", error_get_pretty(err));
        }
        assert_null(err);
        return;
    }
    assert_false(ok);
    assert_non_null(err);
    assert_string_equal(error_get_pretty(err), message);
    error_free(err);
}

static void test_overlap_detection(void **state)
{
    TestSpace *ts = *state;
    MemoryRegion *serial = new_io("serial", 8);
    MemoryRegion *serial2 = new_io("serial2", 8);
    MemoryRegion *next = new_io("next", 8);

    memory_region_add_subregion(&ts->root, 0x3f8, serial);
    memory_region_add_subregion(&ts->root, 0x400, next);    /* adjacent: fine */
    expect_overlap(&ts->root, NULL);

    memory_region_add_subregion(&ts->root, 0x3f8, serial2);
    expect_overlap(&ts->root, "region 'serial' [0x3f8-0x3ff] overlaps region 'serial2'"
                              " [0x3f8-0x3ff] at priority 0");

    /* Disabled regions do not count; different priorities do not clash. */
    memory_region_set_enabled(serial2, false);
    expect_overlap(&ts->root, NULL);
    memory_region_set_enabled(serial2, true);
    memory_region_del_subregion(&ts->root, serial2);
    memory_region_add_subregion_overlap(&ts->root, 0x3fc, serial2, 1);
    expect_overlap(&ts->root, NULL);

    /* Inside a nested container, partly overlapping, at priority -3. */
    MemoryRegion *box = g_new0(MemoryRegion, 1);
    MemoryRegion *p = new_io("p", 0x10);
    MemoryRegion *q = new_io("q", 0x10);
    memory_region_init(box, NULL, "box", 0x1000);
    memory_region_add_subregion(&ts->root, 0x8000, box);
    memory_region_add_subregion_overlap(box, 0x20, p, -3);
    memory_region_add_subregion_overlap(box, 0x2f, q, -3);
    expect_overlap(&ts->root, "region 'p' [0x20-0x2f] overlaps region 'q' [0x2f-0x3e]"
                              " at priority -3");

    free_region(q);
    free_region(p);
    free_region(box);
    free_region(serial2);
    free_region(next);
    free_region(serial);
}

static void test_flat_view_merges_and_sorts(void **state)
{
    TestSpace *ts = *state;
    MemoryRegion *ram = g_new0(MemoryRegion, 1);
    MemoryRegion *hole = new_io("hole", 0x100);

    assert_true(memory_region_init_ram(ram, NULL, "ram", 0x4000, NULL));
    memory_region_add_subregion(&ts->root, 0, ram);
    memory_region_add_subregion_overlap(&ts->root, 0x1000, hole, 1);
    const FlatView *fv = ts->as->current_map;
    assert_int_equal(fv->nr, 3);
    for (unsigned i = 1; i < fv->nr; i++) {
        assert_int_equal(fv->ranges[i - 1].start + fv->ranges[i - 1].size,
                         fv->ranges[i].start);
    }
    assert_int_equal(fv->ranges[2].offset_in_region, 0x1100);
    assert_ptr_equal(fv->ranges[2].host, (uint8_t *)memory_region_get_ram_ptr(ram) + 0x1100);

    /* With the hole gone the two pieces of RAM are one range again. */
    memory_region_set_enabled(hole, false);
    fv = ts->as->current_map;
    assert_int_equal(fv->nr, 1);
    assert_int_equal(fv->ranges[0].size, 0x4000);

    free_region(hole);
    free_region(ram);
}

static void test_system_roots(void **state)
{
    MemoryRegion *sys = memory_get_system_memory();
    MemoryRegion *io = memory_get_system_io();

    assert_int_equal(memory_region_size(sys), UINT64_MAX);
    assert_int_equal(memory_region_size(io), 0x10000);
    assert_string_equal(address_space_memory()->name, "memory");
    assert_string_equal(address_space_io()->name, "io");
    assert_ptr_equal(address_space_memory()->root, sys);

    /* The very top of the 64-bit space is reachable. */
    TestDev *top = g_new0(TestDev, 1);
    test_dev_init(top, NULL, "top", 0x10, NULL);
    test_dev_fill(top);
    memory_region_add_subregion(sys, UINT64_MAX - 0xf, &top->mr);
    MemTxResult r;
    assert_int_equal(address_space_ld(address_space_memory(), UINT64_MAX - 3, 4, &r),
                     0x1f1e1d1c);
    assert_int_equal(r, MEMTX_OK);
    /* An access running off the end reads ones for the missing bytes. */
    uint8_t buf[4];
    assert_int_equal(address_space_read(address_space_memory(), UINT64_MAX - 1, buf, 4),
                     MEMTX_DECODE_ERROR);
    assert_int_equal(buf[0], 0x1e);
    assert_int_equal(buf[1], 0x1f);
    assert_int_equal(buf[2], 0xff);
    assert_int_equal(buf[3], 0xff);

    memory_region_finalize(&top->mr);
    g_free(top);
}

static void test_mtree_printout(void **state)
{
    TestSpace *ts = *state;
    MemoryRegion *ram = g_new0(MemoryRegion, 1);
    MemoryRegion *win = g_new0(MemoryRegion, 1);
    MemoryRegion *dev = new_io("uart", 8);

    assert_true(memory_region_init_ram(ram, NULL, "ram", 0x1000, NULL));
    memory_region_init_alias(win, NULL, "win", ram, 0x800, 0x100);
    memory_region_add_subregion(&ts->root, 0, ram);
    memory_region_add_subregion_overlap(&ts->root, 0x3000, win, 2);
    memory_region_add_subregion(&ts->root, 0x3f8, dev);
    memory_region_set_enabled(dev, false);

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    memory_print_tree(f, &ts->root);
    memory_print_flatview(f, ts->as);
    fclose(f);

    assert_non_null(strstr(text, "0000000000000000-000000000000ffff (prio 0, container): root\n"));
    assert_non_null(strstr(text, "    0000000000003000-00000000000030ff (prio 2, alias): win @ram"
                                 " 0000000000000800-00000000000008ff\n"));
    assert_non_null(strstr(text, "00000000000003f8-00000000000003ff (prio 0, i/o): uart [disabled]\n"));
    assert_non_null(strstr(text, "FlatView for address-space: test (2 ranges)\n"));
    assert_non_null(strstr(text, "  0000000000003000-00000000000030ff (ram): ram @0000000000000800\n"));
    free(text);

    free_region(dev);
    free_region(win);
    free_region(ram);
}

static void test_alias_cycle_does_not_hang(void **state)
{
    TestSpace *ts = *state;
    MemoryRegion *box = g_new0(MemoryRegion, 1);
    MemoryRegion *loop = g_new0(MemoryRegion, 1);
    MemoryRegion *loop2 = g_new0(MemoryRegion, 1);
    MemoryRegion *dev = new_io("dev", 0x10);

    memory_region_init(box, NULL, "box", 0x1000);
    memory_region_add_subregion(box, 0, dev);
    /* Two aliases inside box that show box itself at the same place: each
     * level of rendering would visit both, 2^depth times over. */
    memory_region_init_alias(loop, NULL, "loop", box, 0, 0x1000);
    memory_region_init_alias(loop2, NULL, "loop2", box, 0, 0x1000);
    memory_region_add_subregion_overlap(box, 0, loop, 1);
    memory_region_add_subregion_overlap(box, 0, loop2, 1);
    memory_region_add_subregion(&ts->root, 0, box);

    /* Rendering gave up on the cycle; the plain part is intact. */
    assert_at(ts->as, 0x0, "dev", 0);
    assert_at(ts->as, 0x10, NULL, 0);

    free_region(loop2);
    free_region(loop);
    free_region(dev);
    free_region(box);
}

static void test_ram_allocation_failure_is_an_error(void **state)
{
    MemoryRegion mr;
    Error *err = NULL;

    /* 2^62 bytes: more than any host can map. */
    assert_false(memory_region_init_ram(&mr, NULL, "huge", UINT64_C(1) << 62, &err));
    assert_non_null(err);
    assert_non_null(strstr(error_get_pretty(err), "'huge'"));
    error_free(err);
    memory_region_finalize(&mr);

    err = NULL;
    assert_false(memory_region_init_rom(&mr, NULL, "all", UINT64_MAX, &err));
    assert_non_null(err);
    error_free(err);
    memory_region_finalize(&mr);
}

int main(void)
{
    module_call_init(MODULE_INIT_QOM);
    memory_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_higher_priority_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_equal_priority_later_added_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_containers_are_transparent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alias_offset_and_clipping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nested_alias_and_alias_of_container, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_enable_disable_and_del, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transactions_rebuild_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlap_detection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flat_view_merges_and_sorts, setup, teardown),
        cmocka_unit_test(test_system_roots),
        cmocka_unit_test_setup_teardown(test_mtree_printout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alias_cycle_does_not_hang, setup, teardown),
        cmocka_unit_test(test_ram_allocation_failure_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
