/*
 * Dispatch of accesses: splitting and widening to the handlers' sizes, byte
 * order, refusals, unassigned space, ROM, the re-entrancy guard and port
 * I/O.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "mem-test-util.h"

#define TYPE_TEST_MEMDEV "test-memdev"

static int setup(void **state)
{
    *state = test_space_new();
    return 0;
}

static int teardown(void **state)
{
    test_space_free(*state);
    log_capture_stop();
    return 0;
}

static TestDev *map_dev(TestSpace *ts, const char *name, hwaddr at, uint64_t size,
                        const MemoryRegionOps *tmpl)
{
    TestDev *d = g_new0(TestDev, 1);
    test_dev_init(d, NULL, name, size, tmpl);
    test_dev_fill(d);
    memory_region_add_subregion(&ts->root, at, &d->mr);
    return d;
}

static void unmap_dev(TestDev *d)
{
    memory_region_finalize(&d->mr);
    g_free(d);
}

static void assert_access(const TestDev *d, int i, bool is_write, hwaddr addr,
                          unsigned size, uint64_t val)
{
    assert_true(i < d->nlog);
    const TestAccess *a = &d->log[i];
    if (a->is_write != is_write || a->addr != addr || a->size != size || a->val != val) {
        fail_msg("access %d: got %s 0x%" PRIx64 "/%u = 0x%" PRIx64 ", expected %s 0x%"
                 PRIx64 "/%u = 0x%" PRIx64, i, a->is_write ? "write" : "read", a->addr,
                 a->size, a->val, is_write ? "write" : "read", addr, size, val);
    }
}

/* ---- splitting and combining ---- */

static void test_wide_read_of_byte_region_is_split(void **state)
{
    TestSpace *ts = *state;
    static const MemoryRegionOps bytes = { .impl.max_access_size = 1 };
    TestDev *d = map_dev(ts, "bytes", 0x100, 16, &bytes);
    MemTxResult r;

    assert_int_equal(address_space_ld(ts->as, 0x104, 4, &r), 0x17161514);
    assert_int_equal(r, MEMTX_OK);
    assert_int_equal(d->nlog, 4);
    for (int i = 0; i < 4; i++) {
        assert_access(d, i, false, 4 + i, 1, 0x14 + i);
    }

    d->nlog = 0;
    address_space_st(ts->as, 0x108, 0xaabbccdd, 4, &r);
    assert_int_equal(r, MEMTX_OK);
    assert_int_equal(d->nlog, 4);
    assert_access(d, 0, true, 8, 1, 0xdd);
    assert_access(d, 1, true, 9, 1, 0xcc);
    assert_access(d, 2, true, 10, 1, 0xbb);
    assert_access(d, 3, true, 11, 1, 0xaa);
    unmap_dev(d);
}

static void test_eight_bytes_in_two_words(void **state)
{
    TestSpace *ts = *state;
    static const MemoryRegionOps words = {
        .valid.max_access_size = 8, .impl.min_access_size = 4, .impl.max_access_size = 4,
    };
    TestDev *d = map_dev(ts, "words", 0x200, 16, &words);

    assert_int_equal(address_space_ld(ts->as, 0x200, 8, NULL), 0x1716151413121110ULL);
    assert_int_equal(d->nlog, 2);
    assert_access(d, 0, false, 0, 4, 0x13121110);
    assert_access(d, 1, false, 4, 4, 0x17161514);
    unmap_dev(d);
}

static void test_narrow_access_to_word_region_is_widened(void **state)
{
    TestSpace *ts = *state;
    static const MemoryRegionOps words = {
        .impl.min_access_size = 4, .impl.max_access_size = 4,
    };
    TestDev *d = map_dev(ts, "words", 0x300, 16, &words);

    /* A byte write is passed zero-extended, as one 4-byte write. */
    address_space_st(ts->as, 0x304, 0x5a, 1, NULL);
    assert_int_equal(d->nlog, 1);
    assert_access(d, 0, true, 4, 4, 0x5a);

    /* A byte read extracts its byte from the word containing it. */
    d->nlog = 0;
    test_dev_fill(d);
    assert_int_equal(address_space_ld(ts->as, 0x30a, 1, NULL), 0x1a);
    assert_int_equal(d->nlog, 1);
    assert_access(d, 0, false, 8, 4, 0x1b1a1918);

    /* A 2-byte write at offset 2 lands in the upper half of the word. */
    d->nlog = 0;
    address_space_st(ts->as, 0x30e, 0xbeef, 2, NULL);
    assert_int_equal(d->nlog, 1);
    assert_access(d, 0, true, 12, 4, 0xbeef0000);
    unmap_dev(d);
}

static void test_unaligned_accesses(void **state)
{
    TestSpace *ts = *state;
    /* The guest may access unaligned; the handler only aligned words. */
    static const MemoryRegionOps aligned_impl = {
        .valid.unaligned = true, .impl.min_access_size = 4, .impl.max_access_size = 4,
    };
    static const MemoryRegionOps unaligned_impl = {
        .valid.unaligned = true, .impl.unaligned = true,
    };
    TestDev *a = map_dev(ts, "aligned", 0x400, 16, &aligned_impl);
    TestDev *u = map_dev(ts, "unaligned", 0x500, 16, &unaligned_impl);

    assert_int_equal(address_space_ld(ts->as, 0x401, 4, NULL), 0x14131211);
    assert_int_equal(a->nlog, 2);
    assert_access(a, 0, false, 0, 4, 0x13121110);
    assert_access(a, 1, false, 4, 4, 0x17161514);

    a->nlog = 0;
    address_space_st(ts->as, 0x403, 0xa1b2, 2, NULL);
    assert_int_equal(a->nlog, 2);
    assert_access(a, 0, true, 0, 4, 0xb2000000);
    assert_access(a, 1, true, 4, 4, 0x000000a1);

    assert_int_equal(address_space_ld(ts->as, 0x501, 4, NULL), 0x14131211);
    assert_int_equal(u->nlog, 1);
    assert_access(u, 0, false, 1, 4, 0x14131211);

    unmap_dev(u);
    unmap_dev(a);
}

static void test_access_crossing_two_regions(void **state)
{
    TestSpace *ts = *state;
    TestDev *lo = map_dev(ts, "lo", 0x600, 2, NULL);
    TestDev *hi = map_dev(ts, "hi", 0x602, 2, NULL);
    MemTxResult r;

    assert_int_equal(address_space_ld(ts->as, 0x600, 4, &r), 0x11101110);
    assert_int_equal(r, MEMTX_OK);
    assert_int_equal(lo->nlog, 1);
    assert_int_equal(hi->nlog, 1);
    assert_access(lo, 0, false, 0, 2, 0x1110);
    assert_access(hi, 0, false, 0, 2, 0x1110);

    address_space_st(ts->as, 0x601, 0x332211, 4, &r);
    /* Byte 0 to lo at 1, bytes 1-2 to hi at 0, byte 3 unassigned. */
    assert_int_equal(r, MEMTX_DECODE_ERROR);
    assert_access(lo, 1, true, 1, 1, 0x11);
    assert_access(hi, 1, true, 0, 2, 0x3322);

    /* RAM next to I/O. */
    MemoryRegion ram;
    assert_true(memory_region_init_ram(&ram, NULL, "ram", 0x100, NULL));
    memory_region_add_subregion(&ts->root, 0x700, &ram);
    TestDev *after = map_dev(ts, "after", 0x800, 4, NULL);
    uint8_t *p = memory_region_get_ram_ptr(&ram);
    p[0xfe] = 0xaa;
    p[0xff] = 0xbb;
    assert_int_equal(address_space_ld(ts->as, 0x7fe, 4, NULL), 0x1110bbaa);
    address_space_st(ts->as, 0x7ff, 0x44332211, 4, NULL);
    assert_int_equal(p[0xff], 0x11);
    assert_access(after, 1, true, 0, 2, 0x3322);
    assert_access(after, 2, true, 2, 1, 0x44);

    unmap_dev(after);
    memory_region_finalize(&ram);
    unmap_dev(hi);
    unmap_dev(lo);
}

/* ---- byte order ---- */

static void test_big_endian_region(void **state)
{
    TestSpace *ts = *state;
    static const MemoryRegionOps be = { .endianness = DEVICE_BIG_ENDIAN };
    static const MemoryRegionOps be_bytes = {
        .endianness = DEVICE_BIG_ENDIAN, .impl.max_access_size = 1,
    };
    static const MemoryRegionOps be_halves = {
        .endianness = DEVICE_BIG_ENDIAN, .impl.max_access_size = 2,
    };
    static const MemoryRegionOps be_words = {
        .endianness = DEVICE_BIG_ENDIAN, .impl.min_access_size = 4,
    };
    TestDev *d = map_dev(ts, "be", 0x100, 16, &be);
    TestDev *b = map_dev(ts, "be-bytes", 0x200, 16, &be_bytes);
    TestDev *h = map_dev(ts, "be-halves", 0x300, 16, &be_halves);
    TestDev *w = map_dev(ts, "be-words", 0x400, 16, &be_words);

    /* The handler sees the value byte-swapped as a whole... */
    address_space_st(ts->as, 0x100, 0x11223344, 4, NULL);
    assert_access(d, 0, true, 0, 4, 0x44332211);
    /* ...so the byte at each address is the same in both views. */
    assert_int_equal(d->regs[0], 0x44);
    assert_int_equal(d->regs[3], 0x11);
    assert_int_equal(address_space_ld(ts->as, 0x100, 4, NULL), 0x11223344);
    assert_int_equal(address_space_ld(ts->as, 0x100, 1, NULL), 0x44);
    assert_int_equal(address_space_ld(ts->as, 0x102, 2, NULL), 0x1122);
    assert_access(d, 3, false, 2, 2, 0x2211);

    /* Split into bytes: byte i of the value goes to address i. */
    address_space_st(ts->as, 0x200, 0x11223344, 4, NULL);
    assert_int_equal(b->nlog, 4);
    assert_access(b, 0, true, 0, 1, 0x44);
    assert_access(b, 1, true, 1, 1, 0x33);
    assert_access(b, 2, true, 2, 1, 0x22);
    assert_access(b, 3, true, 3, 1, 0x11);
    assert_int_equal(address_space_ld(ts->as, 0x200, 4, NULL), 0x11223344);

    /* Split into big-endian halves. */
    address_space_st(ts->as, 0x300, 0x11223344, 4, NULL);
    assert_int_equal(h->nlog, 2);
    assert_access(h, 0, true, 0, 2, 0x4433);
    assert_access(h, 1, true, 2, 2, 0x2211);
    assert_int_equal(address_space_ld(ts->as, 0x300, 4, NULL), 0x11223344);

    /* Widened: the byte at the word's first address is its top byte. */
    address_space_st(ts->as, 0x400, 0xab, 1, NULL);
    assert_access(w, 0, true, 0, 4, 0xab000000);
    address_space_st(ts->as, 0x405, 0xcd, 1, NULL);
    assert_access(w, 1, true, 4, 4, 0x00cd0000);
    test_dev_fill(w);
    assert_int_equal(address_space_ld(ts->as, 0x401, 1, NULL), 0x11);

    unmap_dev(w);
    unmap_dev(h);
    unmap_dev(b);
    unmap_dev(d);
}

/* ---- refusals, unassigned, ROM ---- */

static void test_valid_sizes_refuse(void **state)
{
    TestSpace *ts = *state;
    static const MemoryRegionOps halves = {
        .valid.min_access_size = 2, .valid.max_access_size = 2,
    };
    TestDev *d = map_dev(ts, "halves", 0x100, 16, &halves);
    MemTxResult r;

    log_capture_start(LOG_GUEST_ERROR);
    assert_int_equal(address_space_ld(ts->as, 0x100, 4, &r), 0xffffffff);
    assert_int_equal(r, MEMTX_ACCESS_ERROR);
    assert_int_equal(address_space_ld(ts->as, 0x100, 1, &r), 0xff);
    assert_int_equal(r, MEMTX_ACCESS_ERROR);
    assert_int_equal(address_space_ld(ts->as, 0x101, 2, &r), 0xffff);  /* unaligned */
    assert_int_equal(r, MEMTX_ACCESS_ERROR);
    address_space_st(ts->as, 0x104, 0x1234, 1, &r);
    assert_int_equal(r, MEMTX_ACCESS_ERROR);
    assert_int_equal(d->nlog, 0);
    assert_int_equal(d->regs[4], 0x14);

    char *log = log_capture_take();
    assert_non_null(strstr(log, "test: invalid read of size 4 at 0x100 (region 'halves'"
                                " offset 0x0) refused\n"));
    assert_non_null(strstr(log, "test: invalid write of size 1 at 0x104"));
    g_free(log);

    assert_int_equal(address_space_ld(ts->as, 0x102, 2, &r), 0x1312);
    assert_int_equal(r, MEMTX_OK);
    unmap_dev(d);
}

static void test_unassigned(void **state)
{
    TestSpace *ts = *state;
    MemTxResult r;
    uint8_t buf[16];

    log_capture_start(LOG_UNASSIGNED);
    assert_int_equal(address_space_ld(ts->as, 0x5000, 4, &r), 0xffffffff);
    assert_int_equal(r, MEMTX_DECODE_ERROR);
    address_space_st(ts->as, 0x5004, 0xab, 1, &r);
    assert_int_equal(r, MEMTX_DECODE_ERROR);
    memset(buf, 0, sizeof(buf));
    assert_int_equal(address_space_read(ts->as, 0x6000, buf, sizeof(buf)),
                     MEMTX_DECODE_ERROR);
    for (unsigned i = 0; i < sizeof(buf); i++) {
        assert_int_equal(buf[i], 0xff);
    }
    char *log = log_capture_take();
    assert_non_null(strstr(log, "test: unassigned read addr 0x5000 size 4 value 0xffffffff\n"));
    assert_non_null(strstr(log, "test: unassigned write addr 0x5004 size 1 value 0xab\n"));
    assert_non_null(strstr(log, "test: unassigned read addr 0x6000 size 16\n"));
    g_free(log);

    /* Writes are dropped: nothing appears there afterwards, and nothing is
     * logged when the category is off. */
    log_capture_start(0);
    assert_int_equal(address_space_ld(ts->as, 0x5004, 1, &r), 0xff);
    log = log_capture_take();
    assert_string_equal(log, "");
    g_free(log);

    /* An I/O region without ops behaves the same. */
    MemoryRegion hole;
    memory_region_init_io(&hole, NULL, NULL, NULL, "hole", 4);
    memory_region_add_subregion(&ts->root, 0x7000, &hole);
    assert_int_equal(address_space_ld(ts->as, 0x7000, 2, &r), 0xffff);
    assert_int_equal(r, MEMTX_DECODE_ERROR);
    memory_region_finalize(&hole);
}

static void test_rom_writes_ignored(void **state)
{
    TestSpace *ts = *state;
    MemoryRegion rom, ram;
    MemTxResult r;

    assert_true(memory_region_init_rom(&rom, NULL, "bios", 0x1000, NULL));
    uint8_t *p = memory_region_get_ram_ptr(&rom);
    p[0x10] = 0xea;
    memory_region_add_subregion(&ts->root, 0xf000, &rom);
    assert_true(memory_region_is_rom(&rom));
    assert_false(memory_region_is_ram(&rom));

    log_capture_start(LOG_GUEST_ERROR);
    address_space_st(ts->as, 0xf010, 0x90, 1, &r);
    assert_int_equal(r, MEMTX_OK);
    assert_int_equal(p[0x10], 0xea);
    assert_int_equal(address_space_ld(ts->as, 0xf010, 1, NULL), 0xea);
    uint8_t junk[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    address_space_write(ts->as, 0xf00c, junk, sizeof(junk));
    assert_int_equal(p[0x10], 0xea);
    char *log = log_capture_take();
    assert_non_null(strstr(log, "test: write of 1 bytes at 0xf010 to read-only region"
                                " 'bios' ignored\n"));
    g_free(log);

    /* RAM made read-only behaves like ROM until made writable again. */
    assert_true(memory_region_init_ram(&ram, NULL, "ram", 0x100, NULL));
    memory_region_add_subregion(&ts->root, 0x100, &ram);
    memory_region_set_readonly(&ram, true);
    address_space_st(ts->as, 0x100, 0x55, 1, NULL);
    assert_int_equal(address_space_ld(ts->as, 0x100, 1, NULL), 0);
    memory_region_set_readonly(&ram, false);
    address_space_st(ts->as, 0x100, 0x55, 1, NULL);
    assert_int_equal(address_space_ld(ts->as, 0x100, 1, NULL), 0x55);

    memory_region_finalize(&ram);
    memory_region_finalize(&rom);
}

static void test_rom_device(void **state)
{
    TestSpace *ts = *state;
    TestDev *d = g_new0(TestDev, 1);
    MemoryRegion flash;

    /* TestDev supplies the ops; the ROM device region uses them for writes. */
    test_dev_init(d, NULL, "unused", 16, NULL);
    assert_true(memory_region_init_rom_device(&flash, NULL, &d->ops, d, "flash", 0x100,
                                              NULL));
    uint8_t *p = memory_region_get_ram_ptr(&flash);
    p[4] = 0x77;
    memory_region_add_subregion(&ts->root, 0x2000, &flash);

    assert_int_equal(address_space_ld(ts->as, 0x2004, 1, NULL), 0x77);
    assert_int_equal(d->nlog, 0);
    address_space_st(ts->as, 0x2008, 0xf0, 1, NULL);
    assert_int_equal(d->nlog, 1);
    assert_access(d, 0, true, 8, 1, 0xf0);
    assert_int_equal(p[8], 0);

    memory_region_finalize(&flash);
    memory_region_finalize(&d->mr);
    g_free(d);
}

/* ---- re-entrancy ---- */

typedef struct Reentry {
    AddressSpace *as;
    hwaddr target;
    MemTxResult inner;
    int depth, max_depth;
} Reentry;

static void dma_into(TestDev *d, bool is_write, hwaddr addr)
{
    Reentry *re = d->user;
    if (!is_write || re->depth >= re->max_depth) {
        return;
    }
    re->depth++;
    uint8_t b = 0x99;
    re->inner = address_space_write(re->as, re->target, &b, 1);
    re->depth--;
}

static void test_reentrancy_guard(void **state)
{
    TestSpace *ts = *state;
    Object *owner = object_new(TYPE_TEST_MEMDEV);
    Object *other_owner = object_new(TYPE_TEST_MEMDEV);
    DeviceState *dev = (DeviceState *)owner;
    TestDev *d = g_new0(TestDev, 1);
    TestDev *other = g_new0(TestDev, 1);
    Reentry re = { .as = ts->as, .target = 0x100, .max_depth = 5 };

    test_dev_init(d, owner, "selfdma", 16, NULL);
    d->on_access = dma_into;
    d->user = &re;
    memory_region_add_subregion(&ts->root, 0x100, &d->mr);
    test_dev_init(other, other_owner, "other", 16, NULL);
    memory_region_add_subregion(&ts->root, 0x200, &other->mr);

    log_capture_start(LOG_GUEST_ERROR);
    MemTxResult r;
    address_space_st(ts->as, 0x104, 0x12, 1, &r);
    assert_int_equal(r, MEMTX_OK);
    assert_int_equal(re.inner, MEMTX_ACCESS_ERROR);
    assert_int_equal(d->nlog, 1);                  /* no recursion */
    assert_int_equal(d->regs[0], 0);               /* the DMA did not land */
    assert_false(dev->mem_reentrancy_guard.engaged_in_io);
    char *log = log_capture_take();
    assert_non_null(strstr(log, "DMA re-entrancy blocked"));
    assert_non_null(strstr(log, "'selfdma'"));
    g_free(log);

    /* Another device's registers are fine from inside the handler. */
    re.target = 0x200;
    address_space_st(ts->as, 0x104, 0x12, 1, &r);
    assert_int_equal(re.inner, MEMTX_OK);
    assert_int_equal(other->nlog, 1);
    assert_int_equal(other->regs[0], 0x99);

    /* A region without a device owner is not guarded: it recurses (here
     * up to the test's own limit). */
    TestDev *plain = g_new0(TestDev, 1);
    Reentry re2 = { .as = ts->as, .target = 0x300, .max_depth = 3 };
    test_dev_init(plain, NULL, "plain", 16, NULL);
    plain->on_access = dma_into;
    plain->user = &re2;
    memory_region_add_subregion(&ts->root, 0x300, &plain->mr);
    address_space_st(ts->as, 0x300, 1, 1, NULL);
    assert_int_equal(plain->nlog, 4);
    assert_int_equal(re2.inner, MEMTX_OK);

    memory_region_finalize(&plain->mr);
    memory_region_finalize(&other->mr);
    memory_region_finalize(&d->mr);
    g_free(plain);
    g_free(other);
    g_free(d);
    object_unref(other_owner);
    object_unref(owner);
}

/* ---- the map changing under an access ---- */

static void disable_self(TestDev *d, bool is_write, hwaddr addr)
{
    memory_region_set_enabled(&d->mr, false);
}

static void test_handler_changes_map_mid_access(void **state)
{
    TestSpace *ts = *state;
    static const MemoryRegionOps bytes = { .valid.max_access_size = 1 };
    TestDev *d = map_dev(ts, "vanishing", 0x100, 16, &bytes);
    d->on_access = disable_self;
    uint8_t buf[4] = { 1, 2, 3, 4 };

    log_capture_start(LOG_UNASSIGNED);
    assert_int_equal(address_space_write(ts->as, 0x100, buf, 4), MEMTX_DECODE_ERROR);
    assert_int_equal(d->nlog, 1);
    char *log = log_capture_take();
    assert_non_null(strstr(log, "test: unassigned write addr 0x101 size 3 value 0x40302\n"));
    g_free(log);
    unmap_dev(d);
}

/* ---- RAM and ports ---- */

static void test_ram_little_endian(void **state)
{
    TestSpace *ts = *state;
    MemoryRegion ram;
    assert_true(memory_region_init_ram(&ram, NULL, "ram", 0x1000, NULL));
    memory_region_add_subregion(&ts->root, 0x1000, &ram);
    uint8_t *p = memory_region_get_ram_ptr(&ram);

    /* Fresh RAM is zero and page aligned. */
    assert_int_equal((uintptr_t)p % 4096, 0);
    for (int i = 0; i < 0x1000; i++) {
        assert_int_equal(p[i], 0);
    }
    address_space_st(ts->as, 0x1010, 0x1122334455667788ULL, 8, NULL);
    assert_int_equal(p[0x10], 0x88);
    assert_int_equal(p[0x17], 0x11);
    assert_int_equal(address_space_ld(ts->as, 0x1012, 2, NULL), 0x5566);
    assert_int_equal(address_space_set(ts->as, 0x1020, 0xcc, 0x10), MEMTX_OK);
    assert_int_equal(address_space_ld(ts->as, 0x102c, 4, NULL), 0xcccccccc);
    assert_int_equal(p[0x30], 0);

    /* RAM over caller memory. */
    static uint8_t mine[64];
    MemoryRegion ptr;
    memory_region_init_ram_ptr(&ptr, NULL, "mine", sizeof(mine), mine);
    memory_region_add_subregion(&ts->root, 0x3000, &ptr);
    address_space_st(ts->as, 0x3004, 0xdeadbeef, 4, NULL);
    assert_int_equal(mine[4], 0xef);
    memory_region_finalize(&ptr);
    assert_int_equal(mine[7], 0xde);    /* not freed */

    memory_region_finalize(&ram);
}

static void test_port_io_shorthands(void **state)
{
    TestDev *d = g_new0(TestDev, 1);
    test_dev_init(d, NULL, "com1", 8, NULL);
    test_dev_fill(d);
    memory_region_add_subregion(memory_get_system_io(), 0x3f8, &d->mr);

    cpu_outb(0x3f9, 0x1ab);        /* only the low byte goes out */
    assert_access(d, 0, true, 1, 1, 0xab);
    assert_int_equal(cpu_inb(0x3f9), 0xab);
    assert_int_equal(cpu_inw(0x3fa), 0x1312);
    cpu_outl(0x3fc, 0x04030201);
    assert_int_equal(cpu_inl(0x3fc), 0x04030201);
    cpu_outw(0x3f8, 0x2211);
    assert_int_equal(d->regs[0], 0x11);
    assert_int_equal(d->regs[1], 0x22);

    /* The port space ends at 0xffff. */
    assert_int_equal(cpu_inw(0xffff), 0xffff);
    assert_int_equal(cpu_inb(0x3f0), 0xff);

    memory_region_finalize(&d->mr);
    g_free(d);
}

static void test_lookup_cache_follows_map(void **state)
{
    TestSpace *ts = *state;
    TestDev *a = map_dev(ts, "a", 0x40, 4, NULL);
    TestDev *b = map_dev(ts, "b", 0x60, 4, NULL);

    for (int i = 0; i < 4; i++) {
        address_space_st(ts->as, i % 2 ? 0x60 : 0x40, i, 1, NULL);
    }
    assert_int_equal(a->nlog, 2);
    assert_int_equal(b->nlog, 2);
    assert_access(b, 1, true, 0, 1, 3);

    /* Move a over b's place at a higher priority: the cache must not keep
     * sending accesses to b. */
    memory_region_del_subregion(&ts->root, &a->mr);
    memory_region_add_subregion_overlap(&ts->root, 0x60, &a->mr, 1);
    address_space_st(ts->as, 0x61, 0x77, 1, NULL);
    assert_int_equal(b->nlog, 2);
    assert_access(a, 2, true, 1, 1, 0x77);
    assert_int_equal(address_space_ld(ts->as, 0x40, 1, NULL), 0xff);

    unmap_dev(b);
    unmap_dev(a);
}

static const TypeInfo test_memdev_info = {
    .name = TYPE_TEST_MEMDEV,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(DeviceState),
};

int main(void)
{
    module_call_init(MODULE_INIT_QOM);
    type_register_static(&test_memdev_info);
    memory_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_wide_read_of_byte_region_is_split, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_eight_bytes_in_two_words, setup, teardown),
        cmocka_unit_test_setup_teardown(test_narrow_access_to_word_region_is_widened, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unaligned_accesses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_access_crossing_two_regions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_big_endian_region, setup, teardown),
        cmocka_unit_test_setup_teardown(test_valid_sizes_refuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unassigned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rom_writes_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rom_device, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reentrancy_guard, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handler_changes_map_mid_access, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ram_little_endian, setup, teardown),
        cmocka_unit_test(test_port_io_shorthands),
        cmocka_unit_test_setup_teardown(test_lookup_cache_follows_map, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
