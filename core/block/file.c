/*
 * The "file" protocol driver: a host file or block device, with pread/
 * pwrite (and O_DIRECT for cache=none).
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/fs.h>
#include "block/block-internal.h"
#include "block/file-lock.h"

typedef struct FileState {
    int fd;
    bool is_blockdev;
    FileLock lock;
} FileState;

static int errno_ret(void)
{
    return errno ? -errno : -EIO;
}

static bool file_open(BlockDriverState *bs, BlockOpts *opts, int flags, Error **errp)
{
    FileState *s = bdrv_opaque(bs);
    const char *path = block_opts_get(opts, "filename");
    const char *p2 = block_opts_get(opts, "path");   /* alias, as -blockdev file uses */
    if (!path || !*path) {
        path = p2;
    }
    if (!path || !*path) {
        error_setg(errp, "driver 'file' needs filename=");
        return false;
    }
    block_opts_get(opts, "aio");   /* threads|native|io_uring: the layer chooses */
    int oflags = O_CLOEXEC | ((flags & BDRV_O_RDWR) ? O_RDWR : O_RDONLY);
    if (flags & BDRV_O_NOCACHE) {
        oflags |= O_DIRECT;
    }
    s->fd = open(path, oflags);
    if (s->fd < 0 && (flags & BDRV_O_NOCACHE) && errno == EINVAL) {
        error_setg(errp, "'%s': the host filesystem does not support cache=none (O_DIRECT)",
                   path);
        return false;
    }
    if (s->fd < 0) {
        error_setg_errno(errp, errno, "could not open '%s'", path);
        return false;
    }
    struct stat st;
    if (fstat(s->fd, &st) < 0) {
        error_setg_errno(errp, errno, "could not stat '%s'", path);
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        error_setg(errp, "'%s' is a directory, not an image", path);
        goto fail;
    }
    s->is_blockdev = S_ISBLK(st.st_mode);
    if (!(flags & BDRV_O_NO_LOCK) &&
        !file_lock_take(&s->lock, s->fd, !!(flags & BDRV_O_RDWR), path, errp)) {
        goto fail;
    }
    if (flags & BDRV_O_NOCACHE) {
        /* O_DIRECT wants sector-aligned offsets, lengths and buffers; 4 KiB
         * satisfies both 512-byte and 4Kn logical-sector devices. */
        int ss = 0;
        uint32_t align = 4096;
        if (s->is_blockdev && ioctl(s->fd, BLKSSZGET, &ss) == 0 && ss > 0) {
            align = MAX(ss, 512);
        }
        bdrv_set_request_alignment(bs, align, align);
    }
    return true;
fail:
    close(s->fd);
    s->fd = -1;
    return false;
}

static void file_close(BlockDriverState *bs)
{
    FileState *s = bdrv_opaque(bs);
    file_lock_release(&s->lock);
    if (s->fd >= 0) {
        close(s->fd);
    }
    s->fd = -1;
}

/* Elements per preadv/pwritev call: Linux refuses more than IOV_MAX
 * (1024, <limits.h>). */
#define FILE_IOV_BATCH 1024

static int file_rw(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                   struct iovec *iov, int niov, bool write)
{
    FileState *s = bdrv_opaque(bs);
    /* One vectored call per batch of elements (a guest's scatter-gather
     * list in one system call), going on from where a short transfer (a
     * signal, a large request) stopped: element i, skip bytes into it. */
    struct iovec batch[FILE_IOV_BATCH];
    int i = 0;
    uint64_t skip = 0;
    while (bytes && i < niov) {
        int n = 0;
        uint64_t want = 0;
        for (int j = i; j < niov && n < FILE_IOV_BATCH && want < bytes; j++) {
            uint64_t from = j == i ? skip : 0;
            uint64_t len = MIN(iov[j].iov_len - from, bytes - want);
            if (len) {
                batch[n++] = (struct iovec){ (uint8_t *)iov[j].iov_base + from, len };
                want += len;
            }
        }
        if (!n) {
            break;
        }
        ssize_t r = write ? pwritev(s->fd, batch, n, offset) : preadv(s->fd, batch, n, offset);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno_ret();
        }
        if (r == 0) {
            if (write) {
                return -ENOSPC;
            }
            /* Past the end of the file: zeroes (a file shorter than its
             * aligned size). */
            for (int k = 0; k < n; k++) {
                memset(batch[k].iov_base, 0, batch[k].iov_len);
            }
            r = (ssize_t)want;
        }
        offset += r;
        bytes -= r;
        for (uint64_t left = r; left && i < niov;) {
            uint64_t rest = iov[i].iov_len - skip;
            if (left >= rest) {
                left -= rest;
                i++;
                skip = 0;
            } else {
                skip += left;
                left = 0;
            }
        }
    }
    return 0;
}

static int file_preadv(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                       struct iovec *iov, int niov, int flags)
{
    return file_rw(bs, offset, bytes, iov, niov, false);
}

static int file_pwritev(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                        struct iovec *iov, int niov, int flags)
{
    return file_rw(bs, offset, bytes, iov, niov, true);
}

static int file_flush(BlockDriverState *bs)
{
    FileState *s = bdrv_opaque(bs);
    if (bdrv_open_flags(bs) & BDRV_O_NO_FLUSH) {
        return 0;
    }
    return fdatasync(s->fd) < 0 ? errno_ret() : 0;
}

static int file_pdiscard(BlockDriverState *bs, uint64_t offset, uint64_t bytes)
{
    FileState *s = bdrv_opaque(bs);
    if (s->is_blockdev) {
        return 0;
    }
    if (fallocate(s->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, bytes) < 0) {
        /* Discard is advisory. */
        return 0;
    }
    return 0;
}

static int file_pwrite_zeroes(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                              int flags)
{
    FileState *s = bdrv_opaque(bs);
    if (s->is_blockdev) {
        return -ENOTSUP;
    }
    int mode = (flags & BDRV_REQ_MAY_UNMAP) ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
                                            : FALLOC_FL_ZERO_RANGE;
    if (fallocate(s->fd, mode, offset, bytes) == 0) {
        return 0;
    }
    return errno == ENOSPC ? -ENOSPC : -ENOTSUP;
}

static int64_t file_getlength(BlockDriverState *bs)
{
    FileState *s = bdrv_opaque(bs);
    if (s->is_blockdev) {
        uint64_t size;
        if (ioctl(s->fd, BLKGETSIZE64, &size) < 0) {
            return errno_ret();
        }
        return size;
    }
    struct stat st;
    if (fstat(s->fd, &st) < 0) {
        return errno_ret();
    }
    return st.st_size;
}

static int64_t file_get_allocated_size(BlockDriverState *bs)
{
    FileState *s = bdrv_opaque(bs);
    struct stat st;
    if (fstat(s->fd, &st) < 0) {
        return errno_ret();
    }
    return (int64_t)st.st_blocks * 512;   /* st_blocks counts 512-byte units (POSIX) */
}

static bool file_truncate(BlockDriverState *bs, uint64_t offset, const char *prealloc,
                          Error **errp)
{
    FileState *s = bdrv_opaque(bs);
    if (s->is_blockdev) {
        int64_t len = file_getlength(bs);
        if (len >= 0 && (uint64_t)len >= offset) {
            return true;
        }
        error_setg(errp, "cannot grow block device '%s'", bdrv_filename(bs));
        return false;
    }
    int64_t old = file_getlength(bs);
    if (ftruncate(s->fd, offset) < 0) {
        error_setg_errno(errp, errno, "could not resize '%s'", bdrv_filename(bs));
        return false;
    }
    if (prealloc && old >= 0 && (uint64_t)old < offset &&
        (!strcmp(prealloc, "falloc") || !strcmp(prealloc, "full"))) {
        int r = posix_fallocate(s->fd, old, offset - old);
        if (r) {
            error_setg_errno(errp, r, "could not preallocate '%s'", bdrv_filename(bs));
            return false;
        }
    } else if (prealloc && strcmp(prealloc, "off")) {
        error_setg(errp, "preallocation '%s' is not one of off, falloc, full", prealloc);
        return false;
    }
    return true;
}

static bool file_create(const char *filename, BlockOpts *opts, Error **errp)
{
    uint64_t size;
    if (!block_opts_get_size(opts, "size", 0, &size, errp)) {
        return false;
    }
    const char *prealloc = block_opts_get(opts, "preallocation");
    if (size > INT64_MAX) {
        error_setg(errp, "size %" G_GUINT64_FORMAT " is too large", size);
        return false;
    }
    int fd = open(filename, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        error_setg_errno(errp, errno, "could not create '%s'", filename);
        return false;
    }
    bool ok = true;
    if (ftruncate(fd, 0) < 0 || ftruncate(fd, size) < 0) {
        error_setg_errno(errp, errno, "could not resize '%s'", filename);
        ok = false;
    } else if (prealloc && (!strcmp(prealloc, "falloc") || !strcmp(prealloc, "full")) &&
               size) {
        int r = posix_fallocate(fd, 0, size);
        if (r) {
            error_setg_errno(errp, r, "could not preallocate '%s'", filename);
            ok = false;
        }
    } else if (prealloc && strcmp(prealloc, "off")) {
        error_setg(errp, "preallocation '%s' is not one of off, falloc, full", prealloc);
        ok = false;
    }
    close(fd);
    return ok && block_opts_check_all_used(opts, "file", errp);
}

static int file_block_status(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                             uint64_t *pnum, uint64_t *map, BlockDriverState **file)
{
    FileState *s = bdrv_opaque(bs);
    *map = offset;
    *file = bs;
    *pnum = bytes;
    /* SEEK_DATA/SEEK_HOLE: a hole reads as zeroes. */
    off_t data = lseek(s->fd, offset, SEEK_DATA);
    if (data < 0) {
        if (errno == ENXIO) {   /* only a hole up to the end */
            return BDRV_BLOCK_ZERO | BDRV_BLOCK_OFFSET_VALID | BDRV_BLOCK_ALLOCATED;
        }
        return BDRV_BLOCK_DATA | BDRV_BLOCK_OFFSET_VALID | BDRV_BLOCK_ALLOCATED;
    }
    if ((uint64_t)data > offset) {
        *pnum = MIN(bytes, (uint64_t)data - offset);
        return BDRV_BLOCK_ZERO | BDRV_BLOCK_OFFSET_VALID | BDRV_BLOCK_ALLOCATED;
    }
    off_t hole = lseek(s->fd, offset, SEEK_HOLE);
    if (hole > (off_t)offset) {
        *pnum = MIN(bytes, (uint64_t)hole - offset);
    }
    return BDRV_BLOCK_DATA | BDRV_BLOCK_OFFSET_VALID | BDRV_BLOCK_ALLOCATED;
}

static BlockDriver bdrv_file_driver = {
    .format_name = "file",
    .description = "a host file or block device",
    .instance_size = sizeof(FileState),
    .is_protocol = true,
    .open = file_open,
    .close = file_close,
    .preadv = file_preadv,
    .pwritev = file_pwritev,
    .flush = file_flush,
    .pdiscard = file_pdiscard,
    .pwrite_zeroes = file_pwrite_zeroes,
    .getlength = file_getlength,
    .get_allocated_size = file_get_allocated_size,
    .truncate = file_truncate,
    .create = file_create,
    .block_status = file_block_status,
};

void bdrv_file_register(void)
{
    bdrv_register(&bdrv_file_driver);
}
