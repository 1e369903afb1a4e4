/*
 * cardcage-img convert: the guest view of one or more images
 * (concatenated) into a new image.  Ranges the block status says are zero
 * are skipped, and so is every 4 KiB block of data that is all zeroes, so
 * the output is sparse; data moves in IMG_BUF_SIZE (2 MiB, as qemu-img) requests.  The target
 * is written without flushes (cache=unsafe, qemu-img convert's default
 * too); -t writeback (or another safe mode) flushes it once at the end.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "img.h"

/* The zero-detection granularity (qemu-img convert's default -S 4k). */
#define SPARSE_BLOCK 4096u

typedef struct Target {
    BlockDriverState *bs;
    bool compress, fresh;       /* fresh: created by us, reads as zeroes */
    uint32_t cluster;           /* compression unit */
} Target;

/* Write buf (n bytes at off): whole zero SPARSE_BLOCKs (zero[i] for the
 * i-th, worked out by the reader thread) are skipped on a fresh target,
 * written as zeroes on an existing one. */
static int write_sparse(Target *t, uint64_t off, const uint8_t *buf, uint64_t n,
                        const bool *zero)
{
    uint64_t i = 0;
    while (i < n) {
        bool z = zero[i / SPARSE_BLOCK];
        uint64_t j = i + SPARSE_BLOCK;
        while (j < n && zero[j / SPARSE_BLOCK] == z) {
            j += SPARSE_BLOCK;
        }
        j = MIN(j, n);
        int r = 0;
        if (!z) {
            r = bdrv_pwrite(t->bs, off + i, buf + i, j - i);
        } else if (!t->fresh) {
            r = bdrv_pwrite_zeroes(t->bs, off + i, j - i, BDRV_REQ_MAY_UNMAP);
        }
        if (r < 0) {
            return r;
        }
        i = j;
    }
    return 0;
}

static int write_compressed(Target *t, uint64_t off, const uint8_t *buf, uint64_t n)
{
    for (uint64_t i = 0; i < n; i += t->cluster) {
        uint64_t c = MIN((uint64_t)t->cluster, n - i);
        if (img_is_zero(buf + i, c)) {
            if (!t->fresh) {
                int r = bdrv_pwrite_zeroes(t->bs, off + i, c, 0);
                if (r < 0) {
                    return r;
                }
            }
            continue;
        }
        /* Whole clusters compress; a partial last one is written as is. */
        int flags = c == t->cluster && (off + i) % t->cluster == 0
                    ? BDRV_REQ_WRITE_COMPRESSED : 0;
        int r = bdrv_pwritev(t->bs, off + i, c, &(struct iovec){ (void *)(buf + i), c }, 1,
                             flags);
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

/* What the reader thread hands the writer. */
enum { CHUNK_DATA, CHUNK_ZERO, CHUNK_ERROR, CHUNK_END };
#define CONVERT_BUFFERS 6

typedef struct Chunk {
    int kind;
    uint64_t off, len;        /* in the output */
    int err, src;             /* CHUNK_ERROR: -errno, the input's index */
    const char *what;
    uint8_t *buf;             /* IMG_BUF_SIZE bytes */
    bool zero[IMG_BUF_SIZE / SPARSE_BLOCK];     /* CHUNK_DATA: which blocks are zero */
} Chunk;

typedef struct ConvertReader {
    BlockDriverState **in;
    int nin;
    char **names;
    bool compress;
    uint32_t cluster;
    GAsyncQueue *full, *free;
    int stop;                 /* the writer failed: end early */
} ConvertReader;

static gpointer reader_main(gpointer opaque)
{
    ConvertReader *rd = opaque;
    uint64_t base = 0;
    for (int i = 0; i < rd->nin; i++) {
        uint64_t len = IMG_ROUND_SECTOR(bdrv_getlength(rd->in[i]));
        for (uint64_t off = 0; off < len;) {
            Chunk *ck = g_async_queue_pop(rd->free);
            if (g_atomic_int_get(&rd->stop)) {
                ck->kind = CHUNK_END;
                g_async_queue_push(rd->full, ck);
                return NULL;
            }
            uint64_t n = MIN(len - off, (uint64_t)IMG_BUF_SIZE), m;
            int d;
            BlockDriverState *fl;
            int st = img_status_above(rd->in[i], NULL, off, n, &n, &d, &m, &fl);
            ck->off = base + off;
            ck->src = i;
            if (st >= 0 && (st & BDRV_BLOCK_ZERO)) {
                ck->kind = CHUNK_ZERO;
            } else if (st >= 0) {
                if (rd->compress && n < IMG_BUF_SIZE && off + n < len) {
                    /* Keep compressed chunks cluster-aligned. */
                    uint64_t aligned = (off + n + rd->cluster - 1) / rd->cluster * rd->cluster;
                    n = MIN(MIN(aligned, len) - off, (uint64_t)IMG_BUF_SIZE);
                }
                st = bdrv_pread(rd->in[i], off, ck->buf, n);
                ck->kind = CHUNK_DATA;
                ck->what = "read";
                /* Zero detection here, so the writer only writes. */
                for (uint64_t b = 0; st >= 0 && !rd->compress && b < n; b += SPARSE_BLOCK) {
                    ck->zero[b / SPARSE_BLOCK] = img_is_zero(ck->buf + b,
                                                             MIN((uint64_t)SPARSE_BLOCK, n - b));
                }
            } else {
                ck->what = "block status";
            }
            ck->len = n;
            if (st < 0) {
                ck->kind = CHUNK_ERROR;
                ck->err = st;
                ck->off = off;
                g_async_queue_push(rd->full, ck);
                ck = g_async_queue_pop(rd->free);
                ck->kind = CHUNK_END;
                g_async_queue_push(rd->full, ck);
                return NULL;
            }
            g_async_queue_push(rd->full, ck);
            off += n;
        }
        base += len;
    }
    Chunk *ck = g_async_queue_pop(rd->free);
    ck->kind = CHUNK_END;
    g_async_queue_push(rd->full, ck);
    return NULL;
}

typedef struct ConvertWriter {
    Target t;
    ConvertReader *rd;
    const char *out;
    ImgProgress *pr;          /* the main writer draws the progress bar */
    uint64_t total;
} ConvertWriter;

static guint64 convert_done;  /* bytes handled by all writers */

/* Write the chunks the reader hands over until its end mark (which is put
 * back for the other writer).  A failure sets rd->stop: the reader ends
 * early and the writers drain what is queued without writing it. */
static gpointer writer_main(gpointer opaque)
{
    ConvertWriter *w = opaque;
    ConvertReader *rd = w->rd;
    for (;;) {
        Chunk *ck = g_async_queue_pop(rd->full);
        if (ck->kind == CHUNK_END) {
            g_async_queue_push(rd->full, ck);
            break;
        }
        int r = 0;
        bool failed = g_atomic_int_get(&rd->stop);
        if (ck->kind == CHUNK_ERROR) {
            img_error("%s: %s at %" PRIu64 ": %s", rd->names[ck->src], ck->what, ck->off,
                      g_strerror(-ck->err));
            g_atomic_int_set(&rd->stop, 1);
        } else if (!failed && ck->kind == CHUNK_ZERO) {
            r = w->t.fresh ? 0 : bdrv_pwrite_zeroes(w->t.bs, ck->off, ck->len,
                                                    BDRV_REQ_MAY_UNMAP);
        } else if (!failed) {
            r = w->t.compress ? write_compressed(&w->t, ck->off, ck->buf, ck->len)
                              : write_sparse(&w->t, ck->off, ck->buf, ck->len, ck->zero);
        }
        if (r < 0) {
            img_error("%s: write at %" PRIu64 ": %s", w->out, ck->off, g_strerror(-r));
            g_atomic_int_set(&rd->stop, 1);
        }
        guint64 done = __atomic_add_fetch(&convert_done, ck->len, __ATOMIC_RELAXED);
        g_async_queue_push(rd->free, ck);
        if (w->pr) {
            img_progress(w->pr, done, w->total);
        }
    }
    return NULL;
}

static int run_convert(int argc, char **argv)
{
    const char *fmt = NULL, *out_fmt = "raw";
    GPtrArray *otexts = g_ptr_array_new();
    bool compress = false, progress = false, quiet = false, no_create = false;
    bool flush_at_end = false;
    static const struct option longopts[] = {
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    int c, ret = 1;
    while ((c = getopt_long(argc, argv, ":f:O:o:t:cpqnU", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'O': out_fmt = optarg; break;
        case 'o': g_ptr_array_add(otexts, optarg); break;
        case 'c': compress = true; break;
        case 'p': progress = true; break;
        case 'q': quiet = true; break;
        case 'n': no_create = true; break;
        case 't':
            if (strcmp(optarg, "unsafe") && strcmp(optarg, "writeback") &&
                strcmp(optarg, "writethrough") && strcmp(optarg, "none") &&
                strcmp(optarg, "directsync")) {
                img_error("convert: -t: unknown cache mode '%s'", optarg);
                g_ptr_array_free(otexts, TRUE);
                return 1;
            }
            flush_at_end = strcmp(optarg, "unsafe") != 0;
            break;
        case 'U': img_force_share = true; break;
        default:
            g_ptr_array_free(otexts, TRUE);
            return img_bad_option(&img_verb_convert, argc, argv);
        }
    }
    for (guint i = 0; i < otexts->len; i++) {
        /* -o help needs no images, as in qemu-img. */
        if (!strcmp(otexts->pdata[i], "help") || !strcmp(otexts->pdata[i], "?")) {
            module_call_init(MODULE_INIT_BLOCK);
            BlockDriver *d = bdrv_find_format(out_fmt);
            bool listed = false;
            int r = d && d->create && img_parse_create_opts(d, otexts->pdata[i], NULL,
                                                            &listed) ? 0 : 1;
            if (r) {
                img_error("convert: unknown output format '%s'", out_fmt);
            }
            g_ptr_array_free(otexts, TRUE);
            return r;
        }
    }
    int nin = argc - optind - 1;
    if (nin < 1) {
        g_ptr_array_free(otexts, TRUE);
        return img_usage(&img_verb_convert, false);
    }
    const char *out = argv[argc - 1];
    BlockDriverState **in = g_new0(BlockDriverState *, nin);
    Target t = { .compress = compress, .fresh = !no_create };
    BlockOpts *copts = block_opts_new();
    uint64_t total = 0;
    module_call_init(MODULE_INIT_BLOCK);
    BlockDriver *drv = bdrv_find_format(out_fmt);
    if (!drv || !drv->create) {
        img_error("convert: unknown output format '%s' (raw and qcow2 can be written)",
                  out_fmt);
        goto out;
    }
    if (compress && strcmp(out_fmt, "qcow2")) {
        img_error("convert: -c needs -O qcow2 (%s cannot store compressed data)", out_fmt);
        goto out;
    }
    for (int i = 0; i < nin; i++) {
        const char *src = argv[optind + i];
        /* Creating the output would truncate an input (or a file of its
         * backing chain): refuse before anything is touched. */
        if (img_same_file(src, out)) {
            img_error("%s: convert onto the input image itself is refused", out);
            goto out;
        }
        in[i] = img_open(src, fmt, NULL, 0);
        if (!in[i]) {
            goto out;
        }
        for (BlockDriverState *b = bdrv_backing(in[i]); b; b = bdrv_backing(b)) {
            BlockDriverState *leaf = bdrv_file(b) ? bdrv_file(b) : b;
            if (img_same_file(bdrv_filename(leaf), out)) {
                img_error("%s: the output is in the backing chain of '%s'", out, src);
                goto out;
            }
        }
        int64_t len = bdrv_getlength(in[i]);
        if (len < 0) {
            img_error("%s: cannot get the image size: %s", src, g_strerror((int)-len));
            goto out;
        }
        total += IMG_ROUND_SECTOR(len);
    }
    for (guint i = 0; i < otexts->len; i++) {
        bool listed;
        if (!img_parse_create_opts(drv, otexts->pdata[i], copts, &listed)) {
            goto out;
        }
        if (listed) {
            ret = 0;
            goto out;
        }
    }
    if (block_opts_has(copts, "size")) {
        img_error("-o: convert takes the size from the input, not from size=");
        goto out;
    }
    if (!no_create) {
        char *s = g_strdup_printf("%" G_GUINT64_FORMAT, total);
        block_opts_set(copts, "size", s);
        g_free(s);
        if (!img_create_image(out, drv, copts, true)) {
            goto out;
        }
    }
    BlockOpts *oo = block_opts_new();
    block_opts_set(oo, "cache.no-flush", "on");
    t.bs = img_open(out, out_fmt, oo, BDRV_O_RDWR | BDRV_O_NO_BACKING);
    if (!t.bs) {
        goto out;
    }
    if (no_create && (uint64_t)bdrv_getlength(t.bs) < total) {
        img_error("%s: the output (%" G_GINT64_FORMAT " bytes) is smaller than the input "
                  "(%" G_GUINT64_FORMAT ")", out, bdrv_getlength(t.bs), total);
        goto out;
    }
    if (compress) {
        BlockDriverInfo bdi;
        bdrv_get_info(t.bs, &bdi);
        t.cluster = bdi.cluster_size ? bdi.cluster_size : 65536;
    }
    /* The inputs are read on a thread of their own while this one writes
     * (two distinct trees of nodes: the layer allows it), through
     * CONVERT_BUFFERS buffers of IMG_BUF_SIZE.  A raw output gets a second
     * writer with a node of its own on the same file (raw has no metadata:
     * disjoint ranges written through two descriptors cannot conflict), so
     * both cores copy into the page cache, as qemu-img's thread pool does. */
    ConvertReader rd = {
        .in = in, .nin = nin, .names = argv + optind, .compress = compress,
        .cluster = t.cluster, .full = g_async_queue_new(), .free = g_async_queue_new(),
    };
    Chunk *chunks = g_new0(Chunk, CONVERT_BUFFERS);
    for (int i = 0; i < CONVERT_BUFFERS; i++) {
        chunks[i].buf = g_malloc(IMG_BUF_SIZE);
        g_async_queue_push(rd.free, &chunks[i]);
    }
    ImgProgress pr;
    img_progress_start(&pr, progress && !quiet);
    ConvertWriter w[2] = {
        { .t = t, .rd = &rd, .out = out, .pr = &pr, .total = total },
    };
    int nw = 1;
    if (!strcmp(out_fmt, "raw") && !compress) {
        BlockOpts *o2 = block_opts_new();
        block_opts_set(o2, "cache.no-flush", "on");
        w[1] = w[0];
        w[1].pr = NULL;
        /* The first node holds the lock; this one shares it. */
        w[1].t.bs = img_open(out, out_fmt, o2, BDRV_O_RDWR | BDRV_O_NO_BACKING |
                                              BDRV_O_NO_LOCK);
        nw = w[1].t.bs ? 2 : 1;
    }
    GThread *th = g_thread_new("convert-reader", reader_main, &rd);
    GThread *wth = nw > 1 ? g_thread_new("convert-writer", writer_main, &w[1]) : NULL;
    writer_main(&w[0]);
    if (wth) {
        g_thread_join(wth);
        bdrv_unref(w[1].t.bs);
    }
    bool failed = g_atomic_int_get(&rd.stop);
    g_thread_join(th);
    for (int i = 0; i < CONVERT_BUFFERS; i++) {
        g_free(chunks[i].buf);
    }
    g_free(chunks);
    g_async_queue_unref(rd.full);
    g_async_queue_unref(rd.free);
    if (failed) {
        goto out;
    }
    img_progress_end(&pr);
    ret = 0;
out:
    if (t.bs) {
        bdrv_unref(t.bs);
        if (!ret && flush_at_end) {
            /* The target ran without flushes: make it stable once. */
            int fd = open(out, O_RDONLY | O_CLOEXEC);
            if (fd < 0 || fdatasync(fd) < 0) {
                img_error("%s: flush: %s", out, g_strerror(errno));
                ret = 1;
            }
            if (fd >= 0) {
                close(fd);
            }
        }
    }
    for (int i = 0; i < nin; i++) {
        if (in[i]) {
            bdrv_unref(in[i]);
        }
    }
    g_free(in);
    block_opts_free(copts);
    g_ptr_array_free(otexts, TRUE);
    return ret;
}

const ImgVerb img_verb_convert = {
    "convert", run_convert,
    "convert [-q] [-p] [-c] [-n] [-t CACHE] [-f FMT] [-O OUTPUT_FMT] [-o OPTIONS] FILE... OUTPUT",
    "  -O OUTPUT_FMT    raw (default) or qcow2\n"
    "  -o OPTIONS       the output format's creation options (as for create)\n"
    "  -c               compress the output's clusters (qcow2)\n"
    "  -n               write into an existing OUTPUT instead of creating it\n"
    "  -t CACHE         unsafe (default: no flush) or writeback, writethrough, none,\n"
    "                   directsync (the output is flushed to the disk at the end)\n"
    "  -p               progress bar\n"
    "  Several inputs are joined one after the other.  Zero areas are not written.\n",
};
