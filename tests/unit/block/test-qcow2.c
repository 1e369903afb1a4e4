/*
 * The qcow2 driver through the SDK: every refcount width and small
 * clusters (so the refcount table and blocks grow many times) reading
 * back what was written and checking clean; zero clusters and
 * block_status; COW over a backing file; snapshots with a VM state; the
 * snapshot/check calls on a format without them; bad create options;
 * counts a killed writer left past the end of the file; copied flags that
 * disagree with the counts.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cardcage/block.h>
#include <cardcage/testing.h>

static char *tmpdir;

static char *create(const char *name, const char *opts)
{
    char *path = g_build_filename(tmpdir, name, NULL);
    BlockOpts *o = block_opts_new();
    Error *err = NULL;
    assert_true(block_opts_parse(o, opts, &err));
    if (!bdrv_create("qcow2", path, o, &err)) {
        fail_msg("create %s: %s", opts, error_get_pretty(err));
    }
    block_opts_free(o);
    return path;
}

static BlockDriverState *open_rw(const char *path)
{
    Error *err = NULL;
    BlockDriverState *bs = bdrv_open(path, NULL, NULL, BDRV_O_RDWR, &err);
    if (!bs) {
        fail_msg("open %s: %s", path, error_get_pretty(err));
    }
    return bs;
}

static void fill(uint8_t *b, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        b[i] = (uint8_t)((i * 31 + seed) ^ (i >> 9));
    }
}

static void assert_clean(BlockDriverState *bs)
{
    BlockCheckResult r;
    assert_int_equal(bdrv_check(bs, &r, 0), 0);
    assert_int_equal(r.corruptions, 0);
    assert_int_equal(r.leaks, 0);
    assert_int_equal(r.check_errors, 0);
}

static void test_refcount_widths(void **state)
{
    for (int bits = 1; bits <= 64; bits *= 2) {
        char opts[96], name[32];
        snprintf(opts, sizeof(opts), "size=4M,cluster_size=512,refcount_bits=%d", bits);
        snprintf(name, sizeof(name), "rc%d.qcow2", bits);
        char *path = create(name, opts);
        BlockDriverState *bs = open_rw(path);
        size_t n = 3u << 20;
        uint8_t *w = g_malloc(n), *r = g_malloc(n);
        fill(w, n, (uint32_t)bits);
        /* odd offsets and lengths: partial clusters at both ends */
        assert_int_equal(bdrv_pwrite(bs, 777, w, n - 1000), 0);
        bdrv_unref(bs);
        bs = open_rw(path);
        assert_int_equal(bdrv_pread(bs, 777, r, n - 1000), 0);
        assert_memory_equal(w, r, n - 1000);
        assert_clean(bs);
        bdrv_unref(bs);
        g_free(w);
        g_free(r);
        g_free(path);
    }
}

static void test_zero_and_status(void **state)
{
    char *path = create("z.qcow2", "size=1M,cluster_size=4096");
    BlockDriverState *bs = open_rw(path);
    uint8_t b[8192];
    memset(b, 0x5a, sizeof(b));
    assert_int_equal(bdrv_pwrite(bs, 0, b, sizeof(b)), 0);
    uint64_t pnum, map;
    BlockDriverState *file;
    int st = bdrv_block_status(bs, 0, 1 << 20, &pnum, &map, &file);
    assert_true(st & BDRV_BLOCK_DATA);
    assert_int_equal(pnum, 8192);
    assert_int_equal(bdrv_pwrite_zeroes(bs, 4096, 4096, 0), 0);
    st = bdrv_block_status(bs, 4096, 4096, &pnum, &map, &file);
    assert_true(st & BDRV_BLOCK_ZERO);
    assert_int_equal(bdrv_pread(bs, 0, b, sizeof(b)), 0);
    assert_int_equal(b[4095], 0x5a);
    assert_int_equal(b[4096], 0);
    st = bdrv_block_status(bs, 65536, 4096, &pnum, &map, &file);
    assert_true(st & BDRV_BLOCK_ZERO);
    assert_false(st & BDRV_BLOCK_ALLOCATED);
    assert_clean(bs);
    bdrv_unref(bs);
    g_free(path);
}

static void test_backing_cow(void **state)
{
    char *base = create("base.qcow2", "size=1M,compat=v2");
    BlockDriverState *bs = open_rw(base);
    uint8_t b[65536], r[65536];
    fill(b, sizeof(b), 1);
    assert_int_equal(bdrv_pwrite(bs, 0, b, sizeof(b)), 0);
    bdrv_unref(bs);
    char *top = create("top.qcow2", "backing_file=base.qcow2,backing_fmt=qcow2");
    bs = open_rw(top);
    assert_int_equal(bdrv_getlength(bs), 1 << 20);
    uint8_t x[100];
    memset(x, 0xee, sizeof(x));
    assert_int_equal(bdrv_pwrite(bs, 1000, x, sizeof(x)), 0);
    memcpy(b + 1000, x, sizeof(x));
    assert_int_equal(bdrv_pread(bs, 0, r, sizeof(r)), 0);
    assert_memory_equal(b, r, sizeof(r));
    assert_clean(bs);
    bdrv_unref(bs);
    g_free(base);
    g_free(top);
}

static void test_snapshots(void **state)
{
    char *path = create("sn.qcow2", "size=2M,cluster_size=1024,refcount_bits=4");
    BlockDriverState *bs = open_rw(path);
    uint8_t a[4096], b[4096], r[4096], vm[5000], vr[5000];
    fill(a, sizeof(a), 2);
    fill(b, sizeof(b), 3);
    fill(vm, sizeof(vm), 4);
    Error *err = NULL;
    assert_int_equal(bdrv_pwrite(bs, 0, a, sizeof(a)), 0);
    assert_int_equal(bdrv_save_vmstate(bs, vm, 0, sizeof(vm)), sizeof(vm));
    BlockSnapshotInfo sn = { .vm_state_size = sizeof(vm) };
    strcpy(sn.name, "one");
    assert_true(bdrv_snapshot_create(bs, &sn, &err));
    assert_string_equal(sn.id_str, "1");
    assert_false(bdrv_snapshot_create(bs, &sn, &err));   /* the name is taken */
    assert_non_null(strstr(error_get_pretty(err), "already exists"));
    error_free(err);
    err = NULL;
    assert_int_equal(bdrv_pwrite(bs, 0, b, sizeof(b)), 0);
    assert_clean(bs);
    assert_true(bdrv_snapshot_goto(bs, "one", &err));
    assert_int_equal(bdrv_pread(bs, 0, r, sizeof(r)), 0);
    assert_memory_equal(a, r, sizeof(r));
    assert_int_equal(bdrv_load_vmstate(bs, vr, 0, sizeof(vr)), sizeof(vr));
    assert_memory_equal(vm, vr, sizeof(vr));
    BlockSnapshotInfo *l = NULL;
    assert_int_equal(bdrv_snapshot_list(bs, &l), 1);
    assert_int_equal(l[0].vm_state_size, sizeof(vm));
    g_free(l);
    assert_true(bdrv_snapshot_delete(bs, "1", &err));
    assert_false(bdrv_snapshot_goto(bs, "one", &err));
    error_free(err);
    assert_clean(bs);
    bdrv_unref(bs);
    g_free(path);
}

static void test_api_errors(void **state)
{
    char *raw = g_build_filename(tmpdir, "r.img", NULL);
    assert_true(g_file_set_contents(raw, "0123456789", 10, NULL));
    Error *err = NULL;
    BlockDriverState *bs = bdrv_open(raw, "raw", NULL, BDRV_O_RDWR, &err);
    assert_non_null(bs);
    BlockSnapshotInfo sn = { 0 };
    assert_false(bdrv_snapshot_create(bs, &sn, &err));
    assert_non_null(strstr(error_get_pretty(err), "raw does not support"));
    error_free(err);
    err = NULL;
    BlockCheckResult r;
    assert_int_equal(bdrv_check(bs, &r, 0), -ENOTSUP);
    assert_int_equal(bdrv_save_vmstate(bs, (const uint8_t *)"x", 0, 1), -ENOTSUP);
    bdrv_unref(bs);
    static const char *const bad[] = {
        "size=1M,cluster_size=3000", "size=1M,cluster_size=4M", "size=1M,refcount_bits=3",
        "size=1M,compat=v2,refcount_bits=8", "size=1M,compat=v2,lazy_refcounts=on",
        "size=1M,preallocation=sometimes", "size=1M,compat=2.0", "backing_fmt=raw,size=1M",
        "size=1M,frobnicate=1",
    };
    char *path = g_build_filename(tmpdir, "bad.qcow2", NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        BlockOpts *o = block_opts_new();
        assert_true(block_opts_parse(o, bad[i], &err));
        assert_false(bdrv_create("qcow2", path, o, &err));
        assert_non_null(err);
        error_free(err);
        err = NULL;
        block_opts_free(o);
    }
    g_free(path);
    g_free(raw);
}

/* Byte offsets of a qcow2 v3 header (qcow2.txt "Header"). */
#define HDR_REFTABLE_OFFSET 48

static uint64_t get_be64(FILE *f, long at)
{
    uint8_t b[8];
    assert_int_equal(fseek(f, at, SEEK_SET), 0);
    assert_int_equal(fread(b, 1, 8, f), 8);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        v = v << 8 | b[i];
    }
    return v;
}

/* Set the 16-bit refcount of host cluster c of an image of 512-byte
 * clusters whose first refcount block covers it, as a writer would have
 * left it; returns the file's length in clusters. */
static uint64_t poke_refcount(const char *path, uint64_t c, uint16_t rc)
{
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    uint64_t clusters = (uint64_t)ftell(f) / 512;
    uint64_t block = get_be64(f, (long)get_be64(f, HDR_REFTABLE_OFFSET)) & ~0x1ffull;
    assert_true(block != 0);
    assert_true(c < 256);                   /* 512 bytes of 16-bit counts */
    uint8_t b[2] = { (uint8_t)(rc >> 8), (uint8_t)rc };
    assert_int_equal(fseek(f, (long)(block + 2 * c), SEEK_SET), 0);
    assert_int_equal(fwrite(b, 1, 2, f), 2);
    fclose(f);
    return clusters;
}

/* A writer killed after counting new clusters past the end of the file
 * and before writing them (the count goes first) leaves them counted: the
 * next writer must not hand them out again (their count would be 2, the
 * tables' copied flags would be wrong: qemu-img check says corrupt).  The
 * old counts are leaks, which -r leaks releases. */
static void test_killed_allocation(void **state)
{
    char *path = create("killed.qcow2", "size=1M,cluster_size=512");
    BlockDriverState *bs = open_rw(path);
    uint8_t w1[512], w2[512], r[512];
    fill(w1, sizeof(w1), 1);
    fill(w2, sizeof(w2), 2);
    assert_int_equal(bdrv_pwrite(bs, 0, w1, sizeof(w1)), 0);
    bdrv_unref(bs);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    uint64_t end = (uint64_t)st.st_size / 512;
    poke_refcount(path, end, 1);
    poke_refcount(path, end + 1, 1);

    bs = open_rw(path);
    /* Guest offset 64 KiB: a new L2 table and a data cluster. */
    assert_int_equal(bdrv_pwrite(bs, 65536, w2, sizeof(w2)), 0);
    BlockCheckResult res;
    assert_int_equal(bdrv_check(bs, &res, 0), 0);
    assert_int_equal(res.corruptions, 0);
    assert_int_equal(res.leaks, 2);
    assert_int_equal(bdrv_check(bs, &res, BDRV_FIX_LEAKS), 0);
    assert_int_equal(res.leaks_fixed, 2);
    assert_clean(bs);
    assert_int_equal(bdrv_pread(bs, 0, r, sizeof(r)), 0);
    assert_memory_equal(r, w1, sizeof(r));
    assert_int_equal(bdrv_pread(bs, 65536, r, sizeof(r)), 0);
    assert_memory_equal(r, w2, sizeof(r));
    bdrv_unref(bs);
    g_free(path);
}

/* A data cluster counted twice but named once with the copied flag: a
 * leak to the counts and a corruption of the flag (qemu-img check's
 * "ERROR OFLAG_COPIED"); -r leaks fixes both, -r all rewrites the flag. */
static void test_check_copied_flag(void **state)
{
    for (int fix = BDRV_FIX_LEAKS; fix <= BDRV_FIX_ERRORS; fix <<= 1) {
        char *path = create("copied.qcow2", "size=1M,cluster_size=512");
        BlockDriverState *bs = open_rw(path);
        uint8_t w[512];
        fill(w, sizeof(w), 3);
        assert_int_equal(bdrv_pwrite(bs, 0, w, sizeof(w)), 0);
        bdrv_unref(bs);
        /* The data cluster is the last one written: the file's end. */
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        poke_refcount(path, (uint64_t)st.st_size / 512 - 1, 2);
        bs = open_rw(path);
        BlockCheckResult res;
        assert_int_equal(bdrv_check(bs, &res, 0), 0);
        assert_int_equal(res.leaks, 1);
        assert_int_equal(res.corruptions, 1);
        assert_int_equal(bdrv_check(bs, &res, fix), 0);
        if (fix == BDRV_FIX_LEAKS) {
            assert_int_equal(res.leaks_fixed, 1);
            assert_clean(bs);
        } else {
            /* The count stays 2; the flag now says so. */
            assert_int_equal(res.corruptions, 1);
            assert_int_equal(res.corruptions_fixed, 1);
            assert_int_equal(bdrv_check(bs, &res, 0), 0);
            assert_int_equal(res.corruptions, 0);
            assert_int_equal(res.leaks, 1);
        }
        bdrv_unref(bs);
        unlink(path);
        g_free(path);
    }
}

static int setup(void **state)
{
    testing_init();
    tmpdir = g_dir_make_tmp("cardcage-qcow2-XXXXXX", NULL);
    return tmpdir ? 0 : -1;
}

static int teardown(void **state)
{
    char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);
    int r = system(cmd);
    g_free(cmd);
    g_free(tmpdir);
    return r == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refcount_widths),
        cmocka_unit_test(test_zero_and_status),
        cmocka_unit_test(test_backing_cow),
        cmocka_unit_test(test_snapshots),
        cmocka_unit_test(test_api_errors),
        cmocka_unit_test(test_killed_allocation),
        cmocka_unit_test(test_check_copied_flag),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
