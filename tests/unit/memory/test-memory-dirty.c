/*
 * Dirty tracking per client: DMA writes, devices' own writes, the CPU's
 * stores through the interpreter's and the compiled code's TLB fast paths,
 * and the independence of the clients.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "mem-test-util.h"
#include "cpu/x86-internal.h"
#include "cpu/x86-model.h"

#define PAGE MEMORY_DIRTY_PAGE_SIZE

/* The pages of [0, size) of mr the client sees dirty, as a bit mask (the
 * tests use at most 64 pages); clears them. */
static uint64_t take(MemoryRegion *mr, hwaddr size, MemoryDirtyClient c)
{
    uint64_t bits = 0;
    uint64_t n = memory_region_dirty_snapshot_and_clear(mr, 0, size, c, &bits);
    assert_int_equal(n, __builtin_popcountll(bits));
    return bits;
}

/* ---- DMA and device writes ---- */

static void test_dma_writes_mark(void **state)
{
    (void)state;
    TestSpace *ts = test_space_new();
    MemoryRegion ram, alias;
    assert_true(memory_region_init_ram(&ram, NULL, "ram", 16 * PAGE, NULL));
    memory_region_init_alias(&alias, NULL, "ram-alias", &ram, 8 * PAGE, 8 * PAGE);
    memory_region_add_subregion(&ts->root, 0, &ram);
    /* Over pages 8..15 of ram: the same bytes seen through the alias. */
    memory_region_add_subregion_overlap(&ts->root, 0x8000, &alias, 1);

    memory_dirty_start(MEMORY_DIRTY_MIGRATION);
    /* Never looked: everything dirty. */
    assert_int_equal(take(&ram, 16 * PAGE, MEMORY_DIRTY_MIGRATION), 0xffff);
    assert_int_equal(take(&ram, 16 * PAGE, MEMORY_DIRTY_MIGRATION), 0);

    uint8_t buf[2] = { 1, 2 };
    address_space_write(ts->as, 1 * PAGE + 5, buf, 1);           /* page 1 */
    address_space_write(ts->as, 3 * PAGE - 1, buf, 2);           /* pages 2 and 3 */
    address_space_st(ts->as, 5 * PAGE, 0x1234, 2, NULL);          /* page 5 */
    address_space_set(ts->as, 6 * PAGE + 8, 0xaa, 16);             /* page 6 */
    address_space_write(ts->as, 0x8000 + 2 * PAGE, buf, 1);       /* alias: region page 10 */
    /* Reads mark nothing. */
    address_space_read(ts->as, 12 * PAGE, buf, 2);
    assert_int_equal(take(&ram, 16 * PAGE, MEMORY_DIRTY_MIGRATION),
                     (1u << 1) | (1u << 2) | (1u << 3) | (1u << 5) | (1u << 6) | (1u << 10));

    /* Mapped for writing: marked at unmap, by the length accessed. */
    hwaddr len = 3 * PAGE;
    uint8_t *p = address_space_map(ts->as, 4 * PAGE, &len, true);
    assert_non_null(p);
    memset(p, 0x11, PAGE + 1);
    address_space_unmap(ts->as, p, len, true, PAGE + 1);
    /* Mapped for reading: nothing. */
    len = PAGE;
    p = address_space_map(ts->as, 9 * PAGE, &len, false);
    address_space_unmap(ts->as, p, len, false, len);
    assert_int_equal(take(&ram, 16 * PAGE, MEMORY_DIRTY_MIGRATION), (1u << 4) | (1u << 5));

    /* A device that wrote through its host pointer says so. */
    memory_region_set_dirty(&ram, 15 * PAGE + 100, 1);
    memory_region_set_dirty(&ram, 20 * PAGE, PAGE);              /* past the end: ignored */
    assert_true(memory_region_dirty_get(&ram, 15 * PAGE + 4095, MEMORY_DIRTY_MIGRATION));
    assert_false(memory_region_dirty_get(&ram, 14 * PAGE, MEMORY_DIRTY_MIGRATION));
    assert_int_equal(take(&ram, 16 * PAGE, MEMORY_DIRTY_MIGRATION), 1u << 15);

    memory_dirty_stop(MEMORY_DIRTY_MIGRATION);
    memory_region_finalize(&alias);
    memory_region_finalize(&ram);
    test_space_free(ts);
}

static void test_clients_and_ranges(void **state)
{
    (void)state;
    TestSpace *ts = test_space_new();
    MemoryRegion ram;
    /* Not a whole number of pages: the last page is partial. */
    assert_true(memory_region_init_ram(&ram, NULL, "ram", 4 * PAGE + 16, NULL));
    memory_region_add_subregion(&ts->root, 0, &ram);

    assert_false(memory_dirty_tracking(MEMORY_DIRTY_DISPLAY));
    /* Not tracking: every page reported dirty, nothing to clear. */
    assert_true(memory_region_dirty_get(&ram, 0, MEMORY_DIRTY_DISPLAY));
    assert_int_equal(take(&ram, 4 * PAGE + 16, MEMORY_DIRTY_DISPLAY), 0x1f);

    memory_dirty_start(MEMORY_DIRTY_DISPLAY);
    memory_dirty_start(MEMORY_DIRTY_MIGRATION);
    assert_true(memory_dirty_tracking(MEMORY_DIRTY_DISPLAY));
    take(&ram, 4 * PAGE + 16, MEMORY_DIRTY_DISPLAY);
    take(&ram, 4 * PAGE + 16, MEMORY_DIRTY_MIGRATION);

    uint8_t b = 7;
    address_space_write(ts->as, 4 * PAGE + 3, &b, 1);            /* the partial page */
    address_space_write(ts->as, 1 * PAGE, &b, 1);
    /* Clearing one client leaves the other's bits. */
    assert_int_equal(take(&ram, 4 * PAGE + 16, MEMORY_DIRTY_DISPLAY), (1u << 1) | (1u << 4));
    assert_true(memory_region_dirty_get(&ram, PAGE, MEMORY_DIRTY_MIGRATION));
    assert_false(memory_region_dirty_get(&ram, PAGE, MEMORY_DIRTY_DISPLAY));

    /* A sub-range: bit 0 is the page holding offset; only it is cleared. */
    uint64_t bits = 0;
    assert_int_equal(memory_region_dirty_snapshot_and_clear(&ram, PAGE + 100, 10,
                                                            MEMORY_DIRTY_MIGRATION, &bits), 1);
    assert_int_equal(bits, 1);
    assert_true(memory_region_dirty_get(&ram, 4 * PAGE, MEMORY_DIRTY_MIGRATION));
    /* Past the end: nothing. */
    bits = 0;
    assert_int_equal(memory_region_dirty_snapshot_and_clear(&ram, 5 * PAGE, PAGE,
                                                            MEMORY_DIRTY_MIGRATION, &bits), 0);
    assert_int_equal(take(&ram, 4 * PAGE + 16, MEMORY_DIRTY_MIGRATION), 1u << 4);

    /* Stopping forgets; starting again begins all dirty. */
    memory_dirty_stop(MEMORY_DIRTY_DISPLAY);
    assert_false(memory_dirty_tracking(MEMORY_DIRTY_DISPLAY));
    address_space_write(ts->as, 2 * PAGE, &b, 1);
    memory_dirty_start(MEMORY_DIRTY_DISPLAY);
    assert_int_equal(take(&ram, 4 * PAGE + 16, MEMORY_DIRTY_DISPLAY), 0x1f);
    assert_int_equal(take(&ram, 4 * PAGE + 16, MEMORY_DIRTY_MIGRATION), 1u << 2);

    memory_dirty_stop(MEMORY_DIRTY_DISPLAY);
    memory_dirty_stop(MEMORY_DIRTY_MIGRATION);
    memory_region_finalize(&ram);
    test_space_free(ts);
}

static void count_ram(MemoryRegion *mr, void *opaque)
{
    (void)mr;
    (*(int *)opaque)++;
}

static void test_foreach_ram(void **state)
{
    (void)state;
    TestSpace *ts = test_space_new();
    MemoryRegion ram, ram2, alias, rom;
    assert_true(memory_region_init_ram(&ram, NULL, "ram", PAGE, NULL));
    assert_true(memory_region_init_ram(&ram2, NULL, "ram2", PAGE, NULL));
    assert_true(memory_region_init_rom(&rom, NULL, "rom", PAGE, NULL));
    memory_region_init_alias(&alias, NULL, "alias", &ram, 0, PAGE);
    memory_region_add_subregion(&ts->root, 0, &ram);
    memory_region_add_subregion(&ts->root, 2 * PAGE, &alias);
    memory_region_add_subregion(&ts->root, 4 * PAGE, &ram2);
    memory_region_add_subregion(&ts->root, 6 * PAGE, &rom);
    int n = 0;
    memory_foreach_ram(ts->as, count_ram, &n);
    assert_int_equal(n, 2);
    memory_region_finalize(&rom);
    memory_region_finalize(&alias);
    memory_region_finalize(&ram2);
    memory_region_finalize(&ram);
    test_space_free(ts);
}

/* ---- the CPU ---- */

#define RAM_SIZE (1u << 20)
#define CODE_ADDR 0x10000u
#define DATA_PAGE0 0x20u    /* the guest writes pages 0x20..0x23 */

/*
 * Real mode at 1000:0000:
 *         mov ax, 0x2000      b8 00 20
 *         mov ds, ax          8e d8
 *         xor bx, bx          31 db
 * again:  mov [bx], al        88 07
 *         add bx, 0x1000      81 c3 00 10
 *         cmp bx, 0x4000      81 fb 00 40
 *         jne again           75 f4
 *         hlt                 f4
 * The loop block runs four times a pass, so after a few passes it is
 * compiled (JIT_THRESHOLD) and its store takes the inline TLB path.
 */
static const uint8_t guest_code[] = {
    0xb8, 0x00, 0x20, 0x8e, 0xd8, 0x31, 0xdb, 0x88, 0x07, 0x81, 0xc3, 0x00, 0x10,
    0x81, 0xfb, 0x00, 0x40, 0x75, 0xf4, 0xf4,
};

typedef struct CpuRig {
    MemoryRegion ram;
    X86CPU *cpu;
} CpuRig;

static int cpu_setup(void **state)
{
    CpuRig *r = g_new0(CpuRig, 1);
    memory_init();
    assert_true(memory_region_init_ram(&r->ram, NULL, "ram", RAM_SIZE, NULL));
    memory_region_add_subregion(memory_get_system_memory(), 0, &r->ram);
    memcpy((uint8_t *)memory_region_get_ram_ptr(&r->ram) + CODE_ADDR, guest_code,
           sizeof(guest_code));
    r->cpu = X86_CPU(object_new(X86_DEFAULT_MODEL X86_CPU_MODEL_SUFFIX));
    /* Realized: the CPU installs its memory hooks (the dirty-clear one). */
    Error *err = NULL;
    assert_true(device_realize(DEVICE(r->cpu), NULL, &err));
    *state = r;
    return 0;
}

static int cpu_teardown(void **state)
{
    CpuRig *r = *state;
    device_unrealize(DEVICE(r->cpu));
    object_unref(OBJECT(r->cpu));
    memory_region_finalize(&r->ram);
    g_free(r);
    return 0;
}

static void run_pass(CpuRig *r)
{
    CPUX86State *env = &r->cpu->env;
    CPUState *cs = CPU(r->cpu);
    x86_load_seg_real(env, R_CS, CODE_ADDR >> 4);
    env->eip = 0;
    cs->halted = false;
    for (int i = 0; i < 100 && !cs->halted; i++) {
        x86_cpu_exec(env, 1000);
    }
    assert_true(cs->halted);
    assert_int_equal(env->regs[R_EBX] & 0xffff, 0x4000);
}

static const X86TLBEntry *tlb_entry_of(CpuRig *r, uint32_t lin)
{
    return &r->cpu->env.tlb[0][(lin >> 12) & (X86_TLB_SIZE - 1)];
}

static void test_cpu_stores_mark(void **state)
{
    CpuRig *r = *state;
    CPUX86State *env = &r->cpu->env;
    uint64_t bits[RAM_SIZE / PAGE / 64];
    const uint32_t data_lin = DATA_PAGE0 << 12;

    /* Nobody tracks: the first store fills a TLB entry with a write tag,
     * so every later store is the one-compare fast path. */
    run_pass(r);
    assert_int_equal(tlb_entry_of(r, data_lin)->tag_write, data_lin);

    memory_dirty_start(MEMORY_DIRTY_MIGRATION);
    /* Started all dirty, so the tag may stay... */
    assert_int_equal(tlb_entry_of(r, data_lin)->tag_write, data_lin);
    memory_region_dirty_snapshot_and_clear(&r->ram, 0, RAM_SIZE, MEMORY_DIRTY_MIGRATION, bits);
    /* ...until a snapshot cleans the page: then stores must mark again. */
    assert_int_equal(tlb_entry_of(r, data_lin)->tag_write, TLB_INVALID);

    /* The first passes interpret the loop, the later ones run it compiled;
     * every pass dirties exactly pages 0x20..0x23 (bits 32..35 of word 0). */
    for (int pass = 0; pass < 20; pass++) {
        if (pass & 1) {
            /* Refilled entries (a CR3 load would do this) must not get a
             * write tag for a clean page either. */
            x86_tlb_flush(env);
        }
        run_pass(r);
        assert_int_equal(memory_region_dirty_snapshot_and_clear(&r->ram, 0, RAM_SIZE,
                                                                MEMORY_DIRTY_MIGRATION, bits),
                         4);
        assert_int_equal(bits[0], 0xfull << DATA_PAGE0);
        for (size_t w = 1; w < CC_ARRAY_SIZE(bits); w++) {
            assert_int_equal(bits[w], 0);
        }
        /* The store marked the page and re-armed the fast path. */
        run_pass(r);
        assert_int_equal(tlb_entry_of(r, data_lin)->tag_write, data_lin);
        memory_region_dirty_snapshot_and_clear(&r->ram, 0, RAM_SIZE, MEMORY_DIRTY_MIGRATION,
                                               bits);
    }
#if defined(__x86_64__) && !defined(CARDCAGE_NO_JIT)
    /* The loop's block (at 1000:0007) was compiled: its inline TLB path
     * was what the later passes used. */
    env->eip = 7;
    X86TB *tb = x86_tb_find(env);
    assert_non_null(tb->host_code);
#endif

    /* The page-table walker's own stores (accessed and dirty bits). */
    x86_phys_st32(env, 0x30000, 0x12345678);
    assert_true(memory_region_dirty_get(&r->ram, 0x30000, MEMORY_DIRTY_MIGRATION));
    assert_false(memory_region_dirty_get(&r->ram, 0x31000, MEMORY_DIRTY_MIGRATION));

    /* Stopped: back to filling write tags on the first store. */
    memory_dirty_stop(MEMORY_DIRTY_MIGRATION);
    memory_region_dirty_snapshot_and_clear(&r->ram, 0, RAM_SIZE, MEMORY_DIRTY_MIGRATION, bits);
    x86_tlb_flush(env);
    run_pass(r);
    assert_int_equal(tlb_entry_of(r, data_lin)->tag_write, data_lin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dma_writes_mark),
        cmocka_unit_test(test_clients_and_ranges),
        cmocka_unit_test(test_foreach_ram),
        cmocka_unit_test_setup_teardown(test_cpu_stores_mark, cpu_setup, cpu_teardown),
    };
    module_call_init(MODULE_INIT_QOM);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
