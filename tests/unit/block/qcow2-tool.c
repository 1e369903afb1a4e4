/*
 * A small driver of the block layer's qcow2 code for the functional tests
 * (tests/functional/qcow2.py) and bench/qcow2.  cardcage-img (tools/img)
 * is the user's tool; this one keeps what only tests need: pattern writes,
 * snapshots with a VM state, the crash writer and its verifier, seqbench:
 *
 *   qcow2-tool create FILE SIZE [KEY=VALUE,...]
 *   qcow2-tool to-raw IMAGE RAW            whole guest view into a raw file
 *   qcow2-tool from-raw IMAGE RAW [-c]     raw file into the image (-c: compressed)
 *   qcow2-tool write IMAGE OFFSET LEN SEED pattern write, then flush
 *   qcow2-tool snapshot IMAGE -c|-a|-d NAME [VMSTATE-BYTES] | -l
 *   qcow2-tool check IMAGE [leaks|all]     prints counts; exit 2 on corruption
 *   qcow2-tool crash-writer IMAGE LOG      writes/flushes forever, logging flushed writes
 *   qcow2-tool verify IMAGE LOG            every logged write is there
 *   qcow2-tool seqbench IMAGE MIB [write|read]  sequential 1 MiB requests (for bench/qcow2)
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cardcage/block.h>
#include <cardcage/testing.h>

#define CHUNK (1u << 20)

static void die(const char *what, Error *err)
{
    fprintf(stderr, "qcow2-tool: %s: %s\n", what, err ? error_get_pretty(err) : "failed");
    exit(1);
}

static BlockDriverState *open_img(const char *path, int flags)
{
    Error *err = NULL;
    BlockDriverState *bs = bdrv_open(path, NULL, NULL, flags, &err);
    if (!bs) {
        die(path, err);
    }
    return bs;
}

static void pattern(uint8_t *buf, uint64_t len, uint64_t offset, uint32_t seed)
{
    for (uint64_t i = 0; i < len; i += 8) {
        uint64_t v = (offset + i) * 0x9e3779b97f4a7c15ull ^ seed;
        memcpy(buf + i, &v, MIN(8, len - i));
    }
}

static int cmd_create(int argc, char **argv)
{
    BlockOpts *o = block_opts_new();
    Error *err = NULL;
    block_opts_set(o, "size", argv[3]);
    if (argc > 4 && !block_opts_parse(o, argv[4], &err)) {
        die("options", err);
    }
    if (!bdrv_create("qcow2", argv[2], o, &err)) {
        die("create", err);
    }
    block_opts_free(o);
    return 0;
}

static int cmd_to_raw(char **argv)
{
    BlockDriverState *bs = open_img(argv[2], 0);
    int64_t len = bdrv_getlength(bs);
    FILE *f = fopen(argv[3], "wb");
    uint8_t *buf = g_malloc(CHUNK);
    for (int64_t off = 0; f && off < len; off += CHUNK) {
        uint64_t n = MIN((uint64_t)CHUNK, (uint64_t)(len - off));
        int ret = bdrv_pread(bs, (uint64_t)off, buf, n);
        if (ret < 0) {
            fprintf(stderr, "qcow2-tool: read at %" PRId64 ": %s\n", off, strerror(-ret));
            return 1;
        }
        if (fwrite(buf, 1, n, f) != n) {
            return 1;
        }
    }
    fclose(f);
    g_free(buf);
    bdrv_unref(bs);
    return 0;
}

static int cmd_from_raw(int argc, char **argv)
{
    BlockDriverState *bs = open_img(argv[2], BDRV_O_RDWR);
    bool compress = argc > 4 && !strcmp(argv[4], "-c");
    FILE *f = fopen(argv[3], "rb");
    BlockDriverInfo bdi;
    bdrv_get_info(bs, &bdi);
    uint64_t step = compress ? bdi.cluster_size : CHUNK;
    uint8_t *buf = g_malloc(step), *zero = g_malloc0(step);
    uint64_t off = 0;
    size_t n;
    while (f && (n = fread(buf, 1, step, f)) > 0) {
        int ret = 0;
        if (!memcmp(buf, zero, n)) {
            /* holes stay unallocated, as qemu-img convert leaves them */
        } else {
            ret = bdrv_pwritev(bs, off, n, &(struct iovec){ buf, n }, 1,
                               compress && n == step ? BDRV_REQ_WRITE_COMPRESSED : 0);
        }
        if (ret < 0) {
            fprintf(stderr, "qcow2-tool: write: %s\n", strerror(-ret));
            return 1;
        }
        off += n;
    }
    fclose(f);
    g_free(buf);
    g_free(zero);
    bdrv_unref(bs);
    return 0;
}

static int cmd_write(char **argv)
{
    BlockDriverState *bs = open_img(argv[2], BDRV_O_RDWR);
    uint64_t off = strtoull(argv[3], NULL, 0), len = strtoull(argv[4], NULL, 0);
    uint8_t *buf = g_malloc(len);
    pattern(buf, len, off, (uint32_t)strtoul(argv[5], NULL, 0));
    int ret = bdrv_pwrite(bs, off, buf, len);
    if (ret >= 0) {
        ret = bdrv_flush(bs);
    }
    g_free(buf);
    bdrv_unref(bs);
    if (ret < 0) {
        fprintf(stderr, "qcow2-tool: write: %s\n", strerror(-ret));
    }
    return ret < 0;
}

static int cmd_snapshot(int argc, char **argv)
{
    BlockDriverState *bs = open_img(argv[2], !strcmp(argv[3], "-l") ? 0 : BDRV_O_RDWR);
    Error *err = NULL;
    bool ok = true;
    if (!strcmp(argv[3], "-l")) {
        BlockSnapshotInfo *l = NULL;
        int n = bdrv_snapshot_list(bs, &l);
        for (int i = 0; i < n; i++) {
            printf("%s\t%s\t%" PRIu64 "\n", l[i].id_str, l[i].name, l[i].vm_state_size);
        }
        g_free(l);
    } else if (!strcmp(argv[3], "-c")) {
        BlockSnapshotInfo sn = { 0 };
        g_strlcpy(sn.name, argv[4], sizeof(sn.name));
        if (argc > 5) {
            /* A VM state of the given size, a pattern the test checks. */
            int64_t vs = strtoll(argv[5], NULL, 0);
            uint8_t *b = g_malloc(vs);
            pattern(b, vs, 0, 77);
            if (bdrv_save_vmstate(bs, b, 0, vs) != vs) {
                fprintf(stderr, "qcow2-tool: save_vmstate failed\n");
                return 1;
            }
            g_free(b);
            sn.vm_state_size = vs;
        }
        ok = bdrv_snapshot_create(bs, &sn, &err);
    } else if (!strcmp(argv[3], "-a")) {
        ok = bdrv_snapshot_goto(bs, argv[4], &err);
        if (ok && argc > 5) {
            int64_t vs = strtoll(argv[5], NULL, 0);
            uint8_t *b = g_malloc(vs), *want = g_malloc(vs);
            pattern(want, vs, 0, 77);
            if (bdrv_load_vmstate(bs, b, 0, vs) != vs || memcmp(b, want, vs)) {
                fprintf(stderr, "qcow2-tool: VM state differs\n");
                return 1;
            }
            g_free(b);
            g_free(want);
        }
    } else if (!strcmp(argv[3], "-d")) {
        ok = bdrv_snapshot_delete(bs, argv[4], &err);
    }
    if (!ok) {
        die("snapshot", err);
    }
    bdrv_unref(bs);
    return 0;
}

static int cmd_check(int argc, char **argv)
{
    int fix = 0;
    if (argc > 3) {
        fix = !strcmp(argv[3], "all") ? BDRV_FIX_LEAKS | BDRV_FIX_ERRORS : BDRV_FIX_LEAKS;
    }
    BlockDriverState *bs = open_img(argv[2], (fix ? BDRV_O_RDWR : 0) | BDRV_O_PROBE_ONLY);
    BlockCheckResult r = { 0 };
    int ret = bdrv_check(bs, &r, fix);
    printf("corruptions=%d leaks=%d check_errors=%d corruptions_fixed=%d leaks_fixed=%d\n",
           r.corruptions, r.leaks, r.check_errors, r.corruptions_fixed, r.leaks_fixed);
    bdrv_unref(bs);
    if (ret < 0) {
        fprintf(stderr, "qcow2-tool: check: %s\n", strerror(-ret));
        return 1;
    }
    return r.corruptions - r.corruptions_fixed > 0 || r.check_errors ? 2 : 0;
}

/* Random writes of 4 KiB blocks: "W offset len seed" goes to the log
 * before each write and "F" after each flush completes, so the verifier
 * knows which writes were flushed (they must be there) and which were in
 * flight at the kill (either version is fine). */
static int cmd_crash_writer(char **argv)
{
    BlockDriverState *bs = open_img(argv[2], BDRV_O_RDWR);
    FILE *log = fopen(argv[3], "a");
    uint64_t blocks = (uint64_t)bdrv_getlength(bs) / 4096;
    srand((unsigned)getpid());
    fprintf(log, "S\n");   /* a new writer: the last one's unflushed writes may be lost */
    fflush(log);
    for (uint32_t seq = 1;; seq++) {
        uint64_t b = (uint64_t)rand() % blocks;
        uint32_t len = 4096u * (1 + rand() % 8);
        if (b + len / 4096 > blocks) {
            len = 4096;
        }
        uint8_t *buf = g_malloc(len);
        uint32_t seed = seq * 2654435761u;
        pattern(buf, len, b * 4096, seed);
        fprintf(log, "W %" PRIu64 " %u %u\n", b * 4096, len, seed);
        fflush(log);
        if (bdrv_pwrite(bs, b * 4096, buf, len) < 0) {
            return 1;
        }
        g_free(buf);
        if (seq % 4 == 0) {
            if (bdrv_flush(bs) < 0) {
                return 1;
            }
            fprintf(log, "F\n");
            fflush(log);
        }
    }
}

typedef struct BlockLog {
    bool committed;
    uint32_t seed;
    GArray *pending;    /* seeds written after the last flush */
    GArray *maybe;      /* seeds a killed writer had not flushed */
} BlockLog;

static void block_log_free(gpointer p)
{
    BlockLog *l = p;
    g_array_free(l->pending, TRUE);
    g_array_free(l->maybe, TRUE);
    g_free(l);
}

static int cmd_verify(char **argv)
{
    BlockDriverState *bs = open_img(argv[2], 0);
    FILE *f = fopen(argv[3], "r");
    GHashTable *map = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                            block_log_free);
    GPtrArray *dirty = g_ptr_array_new();
    char line[128];
    while (f && fgets(line, sizeof(line), f)) {
        uint64_t off;
        unsigned len, seed;
        if (line[0] == 'S') {
            for (guint i = 0; i < dirty->len; i++) {
                BlockLog *l = dirty->pdata[i];
                g_array_append_vals(l->maybe, l->pending->data, l->pending->len);
                g_array_set_size(l->pending, 0);
            }
            g_ptr_array_set_size(dirty, 0);
        } else if (line[0] == 'F') {
            for (guint i = 0; i < dirty->len; i++) {
                BlockLog *l = dirty->pdata[i];
                l->committed = true;
                l->seed = g_array_index(l->pending, uint32_t, l->pending->len - 1);
                g_array_set_size(l->pending, 0);
                g_array_set_size(l->maybe, 0);
            }
            g_ptr_array_set_size(dirty, 0);
        } else if (sscanf(line, "W %" SCNu64 " %u %u", &off, &len, &seed) == 3) {
            for (unsigned i = 0; i < len; i += 4096) {
                int64_t key = (int64_t)(off + i);
                BlockLog *l = g_hash_table_lookup(map, &key);
                if (!l) {
                    l = g_new0(BlockLog, 1);
                    l->pending = g_array_new(FALSE, FALSE, sizeof(uint32_t));
                    l->maybe = g_array_new(FALSE, FALSE, sizeof(uint32_t));
                    g_hash_table_insert(map, g_memdup2(&key, sizeof(key)), l);
                }
                if (!l->pending->len) {
                    g_ptr_array_add(dirty, l);
                }
                g_array_append_val(l->pending, seed);
            }
        }
    }
    GHashTableIter it;
    gpointer k, v;
    uint8_t got[4096], want[4096];
    int bad = 0, n = 0;
    g_hash_table_iter_init(&it, map);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        BlockLog *l = v;
        uint64_t blk = (uint64_t)*(int64_t *)k;
        if (!l->committed) {
            continue;
        }
        if (bdrv_pread(bs, blk, got, 4096) < 0) {
            bad++;
            continue;
        }
        bool ok = false;
        guint np = l->pending->len, nm = l->maybe->len;
        for (guint i = 0; i <= np + nm && !ok; i++) {
            uint32_t sd = i == np + nm ? l->seed
                        : i < np ? g_array_index(l->pending, uint32_t, i)
                                 : g_array_index(l->maybe, uint32_t, i - np);
            pattern(want, 4096, blk, sd);
            ok = !memcmp(got, want, 4096);
        }
        bad += !ok;
        n++;
    }
    printf("verified=%d bad=%d\n", n, bad);
    g_hash_table_destroy(map);
    g_ptr_array_free(dirty, TRUE);
    bdrv_unref(bs);
    return bad ? 1 : 0;
}

/* seqbench IMAGE MIB [write|read]: 1 MiB requests; the caller times the
 * whole process (open and the closing flush included, as for qemu-img). */
static int cmd_seqbench(int argc, char **argv)
{
    const char *mode = argc > 4 ? argv[4] : "write";
    bool wr = !strcmp(mode, "write");
    BlockDriverState *bs = open_img(argv[2], wr ? BDRV_O_RDWR : 0);
    uint64_t total = strtoull(argv[3], NULL, 0) << 20;
    uint8_t *buf = g_malloc(CHUNK);
    pattern(buf, CHUNK, 0, 1);
    for (uint64_t off = 0; off < total; off += CHUNK) {
        if ((wr ? bdrv_pwrite(bs, off, buf, CHUNK) : bdrv_pread(bs, off, buf, CHUNK)) < 0) {
            return 1;
        }
    }
    g_free(buf);
    bdrv_unref(bs);
    return 0;
}

int main(int argc, char **argv)
{
    testing_init();
    if (argc < 3) {
        fprintf(stderr, "usage: see the comment at the top of qcow2-tool.c\n");
        return 1;
    }
    const char *c = argv[1];
    if (!strcmp(c, "create") && argc >= 4) {
        return cmd_create(argc, argv);
    } else if (!strcmp(c, "to-raw") && argc >= 4) {
        return cmd_to_raw(argv);
    } else if (!strcmp(c, "from-raw") && argc >= 4) {
        return cmd_from_raw(argc, argv);
    } else if (!strcmp(c, "write") && argc >= 6) {
        return cmd_write(argv);
    } else if (!strcmp(c, "snapshot") && argc >= 4) {
        return cmd_snapshot(argc, argv);
    } else if (!strcmp(c, "check")) {
        return cmd_check(argc, argv);
    } else if (!strcmp(c, "crash-writer") && argc >= 4) {
        return cmd_crash_writer(argv);
    } else if (!strcmp(c, "verify") && argc >= 4) {
        return cmd_verify(argv);
    } else if (!strcmp(c, "seqbench") && argc >= 4) {
        return cmd_seqbench(argc, argv);
    }
    fprintf(stderr, "qcow2-tool: bad command '%s'\n", c);
    return 1;
}
