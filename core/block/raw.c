/*
 * The "raw" format driver: the guest sees its file child byte for byte,
 * optionally a window of it (offset=, size=).
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <string.h>
#include "block/block-internal.h"

typedef struct RawState {
    uint64_t offset;
    uint64_t size;      /* 0: to the end of the file */
    bool has_size;
} RawState;

static bool raw_open(BlockDriverState *bs, BlockOpts *opts, int flags, Error **errp)
{
    RawState *s = bdrv_opaque(bs);
    if (!block_opts_get_size(opts, "offset", 0, &s->offset, errp)) {
        return false;
    }
    s->has_size = block_opts_has(opts, "size");
    if (!block_opts_get_size(opts, "size", 0, &s->size, errp)) {
        return false;
    }
    BlockDriverState *file = bdrv_open_child(bs, opts, "file", errp);
    if (!file) {
        return false;
    }
    int64_t len = bdrv_getlength(file);
    if (len >= 0 && (s->offset > (uint64_t)len ||
                     (s->has_size && s->size > (uint64_t)len - s->offset))) {
        error_setg(errp, "raw: offset %" G_GUINT64_FORMAT " + size %" G_GUINT64_FORMAT
                   " is past the end of '%s' (%" G_GINT64_FORMAT " bytes)",
                   s->offset, s->size, bdrv_filename(file), len);
        return false;
    }
    bdrv_set_request_alignment(bs, bdrv_request_alignment(file), bdrv_memory_alignment(file));
    return true;
}

static int64_t raw_getlength(BlockDriverState *bs)
{
    RawState *s = bdrv_opaque(bs);
    if (s->has_size) {
        return s->size;
    }
    int64_t len = bdrv_getlength(bdrv_file(bs));
    if (len < 0) {
        return len;
    }
    return (uint64_t)len > s->offset ? len - (int64_t)s->offset : 0;
}

static int raw_preadv(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                      struct iovec *iov, int niov, int flags)
{
    RawState *s = bdrv_opaque(bs);
    return bdrv_preadv(bdrv_file(bs), s->offset + offset, bytes, iov, niov, flags);
}

/* A raw image whose format was probed must not get another format's
 * header written into its first sector: at the next start it would be
 * probed as that format, and its "backing file" could name any host file
 * (QEMU refuses these writes for the same reason).  format=raw given
 * explicitly lifts the guard. */
static bool raw_write_would_change_format(BlockDriverState *bs, uint64_t offset,
                                          uint64_t bytes, struct iovec *iov, int niov)
{
    if (!bs->probed_raw || offset >= BDRV_PROBE_SIZE) {
        return false;
    }
    uint8_t head[BDRV_PROBE_SIZE];
    /* The sector-0 area as it would be after the write. */
    if (bdrv_pread(bdrv_file(bs), 0, head, sizeof(head)) < 0) {
        return false;
    }
    uint64_t n = MIN(bytes, sizeof(head) - offset);
    bdrv_iov_copy(iov, niov, 0, head + offset, n, false);
    GPtrArray *drivers = bdrv_all_drivers();
    for (guint i = 0; i < drivers->len; i++) {
        BlockDriver *drv = g_ptr_array_index(drivers, i);
        if (drv->probe && !drv->is_protocol && drv != bs->drv &&
            drv->probe(head, sizeof(head), bdrv_filename(bs)) > 1) {
            return true;
        }
    }
    return false;
}

static int raw_pwritev(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                       struct iovec *iov, int niov, int flags)
{
    RawState *s = bdrv_opaque(bs);
    if (raw_write_would_change_format(bs, s->offset + offset, bytes, iov, niov)) {
        return -EPERM;
    }
    if (s->has_size && (offset > s->size || bytes > s->size - offset)) {
        return -EIO;
    }
    return bdrv_pwritev(bdrv_file(bs), s->offset + offset, bytes, iov, niov, flags);
}

static int raw_pdiscard(BlockDriverState *bs, uint64_t offset, uint64_t bytes)
{
    RawState *s = bdrv_opaque(bs);
    return bdrv_pdiscard(bdrv_file(bs), s->offset + offset, bytes);
}

static int raw_pwrite_zeroes(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                             int flags)
{
    RawState *s = bdrv_opaque(bs);
    return bdrv_pwrite_zeroes(bdrv_file(bs), s->offset + offset, bytes, flags);
}

static bool raw_truncate(BlockDriverState *bs, uint64_t offset, const char *prealloc,
                         Error **errp)
{
    RawState *s = bdrv_opaque(bs);
    if (s->has_size || s->offset) {
        error_setg(errp, "a raw image with offset= or size= cannot be resized");
        return false;
    }
    return bdrv_truncate(bdrv_file(bs), offset, prealloc, errp);
}

static int raw_block_status(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                            uint64_t *pnum, uint64_t *map, BlockDriverState **file)
{
    RawState *s = bdrv_opaque(bs);
    int ret = bdrv_block_status(bdrv_file(bs), s->offset + offset, bytes, pnum, map, file);
    return ret < 0 ? ret : ret | BDRV_BLOCK_ALLOCATED;
}

static bool raw_create(const char *filename, BlockOpts *opts, Error **errp)
{
    return bdrv_create("file", filename, opts, errp);
}

static int raw_probe(const uint8_t *buf, int buf_size, const char *filename)
{
    return 1;   /* anything is raw, if nothing better claims it */
}

static const char *const raw_create_opts[] = { "size", "preallocation", NULL };
static const char *const raw_create_help[] = {
    "virtual disk size", "off, falloc or full", NULL,
};

static BlockDriver bdrv_raw = {
    .format_name = "raw",
    .description = "the guest's disk byte for byte",
    .instance_size = sizeof(RawState),
    .probe = raw_probe,
    .open = raw_open,
    .preadv = raw_preadv,
    .pwritev = raw_pwritev,
    .pdiscard = raw_pdiscard,
    .pwrite_zeroes = raw_pwrite_zeroes,
    .getlength = raw_getlength,
    .truncate = raw_truncate,
    .block_status = raw_block_status,
    .create = raw_create,
    .create_opts = raw_create_opts,
    .create_opts_help = raw_create_help,
};

void bdrv_raw_register(void)
{
    bdrv_register(&bdrv_raw);
}
