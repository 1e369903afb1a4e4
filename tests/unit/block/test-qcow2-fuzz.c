/*
 * A mutation fuzzer over qcow2 metadata: seed images (v2 and v3, small
 * and large clusters, a snapshot, compressed clusters, a 1-bit refcount
 * width) are made with the driver itself, then each iteration mutates a
 * few fields of the header, the header extensions, the L1 table, L2
 * tables, the refcount table and blocks or the snapshot table, and the
 * mutant is opened, read, written, checked, repaired and snapshotted.
 * Every step may fail with a clear error; none may crash, hang or touch
 * memory out of bounds (run under ASan/UBSan too).
 *
 * QCOW2_FUZZ_ITERS overrides the count (default 10000), QCOW2_FUZZ_SEED
 * the random seed (default fixed, so a failure is reproducible).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <cardcage/block.h>
#include <cardcage/testing.h>

typedef struct Region { uint64_t off, len; } Region;

typedef struct Seed {
    uint8_t *data;
    gsize len;
    Region regions[64];
    int nregions;
} Seed;

static char *tmpdir;
static uint64_t opened, refused, io_errors;

static uint64_t be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}
static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void add_region(Seed *s, uint64_t off, uint64_t len)
{
    if (s->nregions < 64 && off < s->len && len) {
        s->regions[s->nregions++] = (Region){ off, MIN(len, s->len - off) };
    }
}

/* A seed image made by the driver, with its metadata regions found. */
static void make_seed(Seed *s, const char *opts, bool snapshot, bool compressed)
{
    char *path = g_build_filename(tmpdir, "seed.qcow2", NULL);
    BlockOpts *o = block_opts_new();
    Error *err = NULL;
    block_opts_set(o, "size", "1M");
    g_assert(block_opts_parse(o, opts, &err));
    if (!bdrv_create("qcow2", path, o, &err)) {
        fprintf(stderr, "create %s: %s\n", opts, error_get_pretty(err));
        abort();
    }
    block_opts_free(o);
    BlockDriverState *bs = bdrv_open(path, "qcow2", NULL, BDRV_O_RDWR, &err);
    g_assert(bs);
    uint8_t buf[8192];
    for (int i = 0; i < 6; i++) {
        memset(buf, 0x30 + i, sizeof(buf));
        g_assert(bdrv_pwrite(bs, (uint64_t)i * 150000, buf, sizeof(buf)) == 0);
    }
    if (snapshot) {
        BlockSnapshotInfo sn = { 0 };
        strcpy(sn.name, "fuzz");
        g_assert(bdrv_driver(bs)->save_vmstate(bs, buf, 0, 3000) == 3000);
        sn.vm_state_size = 3000;
        g_assert(bdrv_driver(bs)->snapshot_create(bs, &sn, &err));
        g_assert(bdrv_pwrite(bs, 1000, buf, 5000) == 0);
    }
    if (compressed) {
        BlockDriverInfo bdi;
        bdrv_get_info(bs, &bdi);
        uint8_t *c = g_malloc0(bdi.cluster_size);
        memset(c, 0x77, bdi.cluster_size / 2);
        for (int i = 0; i < 4; i++) {
            struct iovec iov = { c, bdi.cluster_size };
            g_assert(bdrv_pwritev(bs, 600000 + (uint64_t)i * bdi.cluster_size, bdi.cluster_size,
                                  &iov, 1, BDRV_REQ_WRITE_COMPRESSED) == 0);
        }
        g_free(c);
    }
    bdrv_unref(bs);
    g_assert(g_file_get_contents(path, (char **)&s->data, &s->len, NULL));
    g_free(path);

    /* Regions: the header cluster, L1, the L2 tables it names, the
     * refcount table and blocks, the snapshot table and snapshot L1s. */
    uint32_t cb = be32(s->data + 20);
    uint64_t cs = 1ull << cb;
    add_region(s, 0, MIN(cs, 1024));
    uint64_t l1 = be64(s->data + 40), l1n = be32(s->data + 36);
    add_region(s, l1, l1n * 8);
    for (uint64_t i = 0; i < l1n && l1 + 8 * i + 8 <= s->len; i++) {
        uint64_t l2 = be64(s->data + l1 + 8 * i) & 0x00fffffffffffe00ull;
        add_region(s, l2, cs);
    }
    uint64_t rt = be64(s->data + 48);
    add_region(s, rt, cs);
    for (uint64_t i = 0; i < 8 && rt + 8 * i + 8 <= s->len; i++) {
        add_region(s, be64(s->data + rt + 8 * i), cs);
    }
    uint64_t sn = be64(s->data + 64);
    if (be32(s->data + 60)) {
        add_region(s, sn, 256);
        if (sn + 12 <= s->len) {
            add_region(s, be64(s->data + sn), 64);
        }
    }
}

static const uint64_t interesting[] = {
    0, 1, 0x200, 0x1ff, 0x10000, 0xffffffff, 0x80000000, 0x7fffffffffffffffull,
    0xffffffffffffffffull, 0x8000000000000000ull, 0x4000000000000000ull, 0x100000000ull,
    0x00fffffffffffe00ull, 0xc000000000000000ull,
};

static void mutate(Seed *s, uint8_t *img, GRand *r)
{
    int n = g_rand_int_range(r, 1, 6);
    for (int i = 0; i < n; i++) {
        Region *rg = &s->regions[g_rand_int_range(r, 0, s->nregions)];
        uint64_t pos = rg->off + (uint64_t)g_rand_int_range(r, 0, (gint32)rg->len);
        switch (g_rand_int_range(r, 0, 5)) {
        case 0:   /* bit flip */
            img[pos] ^= (uint8_t)(1u << g_rand_int_range(r, 0, 8));
            break;
        case 1:   /* random byte */
            img[pos] = (uint8_t)g_rand_int(r);
            break;
        case 2: { /* an interesting 64-bit big-endian value at an aligned spot */
            pos &= ~7ull;
            uint64_t v = interesting[g_rand_int_range(r, 0, G_N_ELEMENTS(interesting))];
            for (int b = 7; b >= 0 && pos + b < s->len; b--, v >>= 8) {
                img[pos + b] = (uint8_t)v;
            }
            break;
        }
        case 3: { /* an offset somewhere in (or just past) the file */
            pos &= ~7ull;
            uint64_t v = (uint64_t)g_rand_int_range(r, 0, (gint32)(s->len + 65536));
            if (g_rand_boolean(r)) {
                v &= ~0x1ffull;
            }
            v |= (uint64_t)g_rand_int_range(r, 0, 4) << 62;
            for (int b = 7; b >= 0 && pos + b < s->len; b--, v >>= 8) {
                img[pos + b] = (uint8_t)v;
            }
            break;
        }
        default: { /* a 32-bit header field set to a small or huge count */
            pos = (uint64_t)g_rand_int_range(r, 0, 26) * 4;
            uint32_t v = g_rand_boolean(r) ? (uint32_t)g_rand_int_range(r, 0, 70)
                                           : g_rand_int(r);
            for (int b = 3; b >= 0; b--, v >>= 8) {
                img[pos + b] = (uint8_t)v;
            }
            break;
        }
        }
    }
}

static void exercise(const char *path)
{
    Error *err = NULL;
    BlockOpts *o = block_opts_new();
    block_opts_set(o, "locking", "off");
    /* backing files named by a mutated header must not be opened */
    block_opts_set(o, "backing", "");
    BlockDriverState *bs = bdrv_open(path, "qcow2", o, BDRV_O_RDWR | BDRV_O_NO_LOCK | BDRV_O_NO_FLUSH, &err);
    block_opts_free(o);
    if (!bs) {
        g_assert(err && strlen(error_get_pretty(err)) > 0);
        error_free(err);
        refused++;
        return;
    }
    opened++;
    BlockDriver *drv = bdrv_driver(bs);
    int64_t len = bdrv_getlength(bs);
    uint64_t span = len > 0 ? MIN((uint64_t)len, 2u << 20) : 0;
    uint8_t *buf = g_malloc(65536);
    for (uint64_t off = 0; off < span; off += 65536) {
        io_errors += bdrv_pread(bs, off, buf, MIN(65536, span - off)) < 0;
    }
    memset(buf, 0xab, 65536);
    if (span > 70000) {
        io_errors += bdrv_pwrite(bs, 1234, buf, 5000) < 0;
        io_errors += bdrv_pwrite(bs, span - 70000, buf, 65536) < 0;
        io_errors += bdrv_pwrite_zeroes(bs, 0, 65536, 0) < 0;
        io_errors += bdrv_pread(bs, 0, buf, 65536) < 0;
    }
    BlockSnapshotInfo *list = NULL;
    int n = drv->snapshot_list(bs, &list);
    if (n > 0) {
        Error *e2 = NULL;
        if (drv->snapshot_goto(bs, list[0].id_str, &e2)) {
            if (list[0].vm_state_size) {
                io_errors += drv->load_vmstate(bs, buf,
                                               0, MIN(list[0].vm_state_size, 65536)) < 0;
            }
        } else {
            error_free(e2);
        }
    }
    g_free(list);
    BlockCheckResult res;
    drv->check(bs, &res, 0);
    drv->check(bs, &res, BDRV_FIX_LEAKS | BDRV_FIX_ERRORS);
    BlockSnapshotInfo sn = { 0 };
    strcpy(sn.name, "after");
    Error *e3 = NULL;
    if (drv->snapshot_create(bs, &sn, &e3)) {
        drv->snapshot_delete(bs, "after", &e3);
    }
    if (e3) {
        error_free(e3);
    }
    g_free(buf);
    bdrv_unref(bs);
}

int main(void)
{
    testing_init();
    tmpdir = g_dir_make_tmp("cardcage-qcow2-fuzz-XXXXXX", NULL);
    const char *it = getenv("QCOW2_FUZZ_ITERS");
    const char *sd = getenv("QCOW2_FUZZ_SEED");
    long iters = it ? atol(it) : 10000;
    GRand *r = g_rand_new_with_seed(sd ? (guint32)atol(sd) : 20261206u);
    static const struct { const char *opts; bool snap, comp; } seeds[] = {
        { "cluster_size=512", true, true },
        { "cluster_size=4096,compat=v2", true, false },
        { "cluster_size=65536,refcount_bits=1", false, true },
        { "cluster_size=1024,refcount_bits=64,lazy_refcounts=on", true, true },
    };
    Seed s[G_N_ELEMENTS(seeds)];
    memset(s, 0, sizeof(s));
    for (size_t i = 0; i < G_N_ELEMENTS(seeds); i++) {
        make_seed(&s[i], seeds[i].opts, seeds[i].snap, seeds[i].comp);
    }
    char *path = g_build_filename(tmpdir, "mutant.qcow2", NULL);
    for (long i = 0; i < iters; i++) {
        Seed *seed = &s[i % G_N_ELEMENTS(seeds)];
        uint8_t *img = g_memdup2(seed->data, seed->len);
        mutate(seed, img, r);
        FILE *f = fopen(path, "wb");   /* not g_file_set_contents: it fsyncs */
        g_assert(f && fwrite(img, 1, seed->len, f) == seed->len);
        fclose(f);
        g_free(img);
        gint64 t0 = g_get_monotonic_time();
        if (getenv("QCOW2_FUZZ_ONLY") && atol(getenv("QCOW2_FUZZ_ONLY")) != i) {
            continue;
        }
        exercise(path);
        if (getenv("QCOW2_FUZZ_VERBOSE")) {
            printf("%ld %" G_GINT64_FORMAT " us\n", i, g_get_monotonic_time() - t0);
            fflush(stdout);
        }
    }
    printf("%ld mutants: %" G_GUINT64_FORMAT " opened, %" G_GUINT64_FORMAT " refused, %"
           G_GUINT64_FORMAT " I/O errors, no crash\n", iters, opened, refused, io_errors);
    unlink(path);
    g_free(path);
    for (size_t i = 0; i < G_N_ELEMENTS(seeds); i++) {
        g_free(s[i].data);
    }
    g_rand_free(r);
    path = g_build_filename(tmpdir, "seed.qcow2", NULL);
    unlink(path);
    g_free(path);
    rmdir(tmpdir);
    g_free(tmpdir);
    return opened > 0 && refused > 0 ? 0 : 1;
}
