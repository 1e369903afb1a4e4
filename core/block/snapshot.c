/*
 * -snapshot: the drive's writes go to a temporary overlay and the image
 * is opened read-only.  With a qcow2 driver registered, the overlay is a
 * temporary qcow2 image backed by the image's node (as QEMU does it);
 * without one, it is the built-in "tmp-overlay" driver below: a deleted
 * temporary file holding the written clusters at their own offsets
 * (sparse), and a bitmap of which clusters it has.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "block/drive.h"

/* Copy-on-write granularity: a page, small enough that a 512-byte guest
 * write copies little, large enough to keep the bitmap small. */
#define OVERLAY_CLUSTER 4096u

typedef struct OverlayState {
    BlockDriverState *tmp;       /* the temporary file's node */
    uint8_t *bitmap;             /* 1 bit per cluster: in tmp */
    uint64_t nb_clusters;
    uint64_t length;
} OverlayState;

static bool overlay_has(OverlayState *s, uint64_t c)
{
    return c < s->nb_clusters && (s->bitmap[c / 8] >> (c % 8)) & 1;
}

static bool overlay_open(BlockDriverState *bs, BlockOpts *opts, int flags, Error **errp)
{
    OverlayState *s = bdrv_opaque(bs);
    if (!bdrv_open_backing(bs, opts, NULL, NULL, errp)) {
        return false;
    }
    if (!bdrv_backing(bs)) {
        error_setg(errp, "tmp-overlay needs backing=NODE");
        return false;
    }
    int64_t len = bdrv_getlength(bdrv_backing(bs));
    if (len < 0) {
        error_setg_errno(errp, (int)-len, "tmp-overlay: size of the backing image");
        return false;
    }
    char *path = NULL;
    GError *gerr = NULL;
    int fd = g_file_open_tmp("cardcage-snapshot-XXXXXX", &path, &gerr);
    if (fd < 0) {
        error_from_gerror(errp, gerr);
        return false;
    }
    close(fd);
    BlockOpts *o = block_opts_new();
    block_opts_set(o, "locking", "off");
    s->tmp = bdrv_open(path, "file", o, BDRV_O_RDWR | BDRV_O_NO_FLUSH, errp);
    block_opts_free(o);
    /* Deleted at once: the overlay lives as long as its descriptor. */
    unlink(path);
    g_free(path);
    if (!s->tmp) {
        return false;
    }
    s->length = len;
    s->nb_clusters = (len + OVERLAY_CLUSTER - 1) / OVERLAY_CLUSTER;
    s->bitmap = g_malloc0(s->nb_clusters / 8 + 1);
    return true;
}

static void overlay_close(BlockDriverState *bs)
{
    OverlayState *s = bdrv_opaque(bs);
    bdrv_unref(s->tmp);
    g_free(s->bitmap);
}

static int64_t overlay_getlength(BlockDriverState *bs)
{
    return ((OverlayState *)bdrv_opaque(bs))->length;
}

/* One cluster-bounded piece at a time, through a cluster buffer. */
static int overlay_rw(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                      struct iovec *iov, int niov, bool write)
{
    OverlayState *s = bdrv_opaque(bs);
    uint8_t *buf = g_malloc(OVERLAY_CLUSTER);
    uint64_t done = 0;
    int ret = 0;
    while (done < bytes && ret >= 0) {
        uint64_t pos = offset + done;
        uint64_t c = pos / OVERLAY_CLUSTER, in = pos % OVERLAY_CLUSTER;
        uint64_t n = MIN(bytes - done, OVERLAY_CLUSTER - in);
        uint64_t cstart = c * OVERLAY_CLUSTER;
        uint64_t clen = MIN((uint64_t)OVERLAY_CLUSTER, s->length - cstart);
        if (!write) {
            ret = bdrv_pread(overlay_has(s, c) ? s->tmp : bdrv_backing(bs), pos, buf, n);
            if (ret >= 0) {
                bdrv_iov_copy(iov, niov, done, buf, n, true);
            }
        } else if (overlay_has(s, c)) {
            bdrv_iov_copy(iov, niov, done, buf, n, false);
            ret = bdrv_pwrite(s->tmp, pos, buf, n);
        } else {
            /* First write to the cluster: copy the rest from the image. */
            if (in || n < clen) {
                ret = bdrv_pread(bdrv_backing(bs), cstart, buf, clen);
            }
            if (ret >= 0) {
                bdrv_iov_copy(iov, niov, done, buf + in, n, false);
                ret = bdrv_pwrite(s->tmp, cstart, buf, clen);
            }
            if (ret >= 0) {
                s->bitmap[c / 8] |= 1u << (c % 8);
            }
        }
        done += n;
    }
    g_free(buf);
    return ret < 0 ? ret : 0;
}

static int overlay_preadv(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                          struct iovec *iov, int niov, int flags)
{
    return overlay_rw(bs, offset, bytes, iov, niov, false);
}

static int overlay_pwritev(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                           struct iovec *iov, int niov, int flags)
{
    return overlay_rw(bs, offset, bytes, iov, niov, true);
}

static int overlay_flush(BlockDriverState *bs)
{
    return 0;   /* the overlay is thrown away at exit: nothing to make stable */
}

static BlockDriver bdrv_tmp_overlay = {
    .format_name = "tmp-overlay",
    .description = "-snapshot's temporary overlay (when no qcow2 driver is loaded)",
    .instance_size = sizeof(OverlayState),
    .supports_backing = true,
    .open = overlay_open,
    .close = overlay_close,
    .preadv = overlay_preadv,
    .pwritev = overlay_pwritev,
    .flush = overlay_flush,
    .getlength = overlay_getlength,
};

void bdrv_tmp_overlay_register(void)
{
    bdrv_register(&bdrv_tmp_overlay);
}

static BlockDriverState *qcow2_overlay(BlockDriverState *base, BlockDriver *qcow2,
                                       Error **errp)
{
    char *path = NULL;
    GError *gerr = NULL;
    int fd = g_file_open_tmp("cardcage-snapshot-XXXXXX.qcow2", &path, &gerr);
    if (fd < 0) {
        error_from_gerror(errp, gerr);
        return NULL;
    }
    close(fd);
    BlockOpts *c = block_opts_new();
    char *size = g_strdup_printf("%" G_GINT64_FORMAT, bdrv_getlength(base));
    block_opts_set(c, "size", size);
    g_free(size);
    BlockDriverState *ov = NULL;
    if (qcow2->create(path, c, errp)) {
        BlockOpts *o = block_opts_new();
        block_opts_set(o, "backing", bdrv_node_name(base));
        ov = bdrv_open(path, "qcow2", o, BDRV_O_RDWR | BDRV_O_NO_FLUSH, errp);
        block_opts_free(o);
    }
    block_opts_free(c);
    unlink(path);
    g_free(path);
    return ov;
}

BlockDriverState *drive_snapshot_overlay(BlockDriverState *bs, Error **errp)
{
    BlockDriver *qcow2 = bdrv_find_format("qcow2");
    BlockDriverState *ov;
    if (qcow2 && qcow2->create) {
        ov = qcow2_overlay(bs, qcow2, errp);
    } else {
        BlockOpts *o = block_opts_new();
        block_opts_set(o, "backing", bdrv_node_name(bs));
        ov = bdrv_open(NULL, "tmp-overlay", o, BDRV_O_RDWR | BDRV_O_NO_FLUSH, errp);
        block_opts_free(o);
    }
    /* The overlay took its own reference on bs (its backing). */
    bdrv_unref(bs);
    return ov;
}
