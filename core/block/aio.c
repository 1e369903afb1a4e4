/*
 * Asynchronous requests of backends.
 *
 * A request is checked (medium, range, read-only), then handed to the
 * executor; its completion is delivered on the main loop by a virtual
 * timer armed when it was issued: at once in real-time mode, after
 * BLK_ICOUNT_LATENCY_NS under -icount (and in the test harness, whose
 * clock is an instruction count), so completions land at instruction
 * counts that depend only on the guest.  The device's callback never runs
 * inside the call that issued the request.
 *
 * On completion the backend's error policy runs first: report hands the
 * errno to the device, ignore pretends success, stop holds the request,
 * pauses the machine and emits BLOCK_IO_ERROR; `cont` re-executes the held
 * requests (blk_resume_stopped).
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <string.h>
#include <cardcage/timer.h>
#include "block/aio.h"
#include "timer/clock-internal.h"

typedef struct AIOReq {
    BlockAIOCB acb;              /* first: the device's handle */
    Timer *timer;
} AIOReq;

/* acb->flags: refused before execution (no error policy). */
#define ACB_REFUSED (1 << 30)

static void execute(BlockAIOCB *acb);
static void complete(BlockAIOCB *acb);

static int64_t host_ns(void)
{
    return clock_get_ns(CC_CLOCK_REALTIME);
}

static bool is_write_type(BlockAIOType t)
{
    return t == BLK_AIO_WRITE || t == BLK_AIO_WRITE_ZEROES || t == BLK_AIO_DISCARD ||
           t == BLK_AIO_FLUSH;
}

/* ---- execution (synchronous on the node tree) ---- */

static void execute(BlockAIOCB *acb)
{
    BlockBackend *blk = acb->blk;
    BlockDriverState *bs = blk->root;
    int ret;
    if (!bs) {
        acb->ret = -ENOMEDIUM;
        acb->done = true;
        return;
    }
    switch (acb->type) {
    case BLK_AIO_READ:
        ret = bdrv_preadv(bs, acb->offset, acb->bytes, acb->iov, acb->niov, 0);
        break;
    case BLK_AIO_WRITE:
        ret = bdrv_pwritev(bs, acb->offset, acb->bytes, acb->iov, acb->niov,
                           acb->flags & ~BDRV_REQ_FUA);
        /* Write-through (cache=writethrough/directsync, or the guest turned
         * its write cache off), or a FUA write: stable before completion. */
        if (ret >= 0 && (blk->writethrough || !blk->wce || (acb->flags & BDRV_REQ_FUA))) {
            ret = bdrv_flush(bs);
        }
        break;
    case BLK_AIO_FLUSH:
        ret = bdrv_flush(bs);
        break;
    case BLK_AIO_DISCARD:
        ret = bdrv_pdiscard(bs, acb->offset, acb->bytes);
        break;
    case BLK_AIO_WRITE_ZEROES:
        ret = bdrv_pwrite_zeroes(bs, acb->offset, acb->bytes, acb->flags);
        if (ret >= 0 && (blk->writethrough || !blk->wce)) {
            ret = bdrv_flush(bs);
        }
        break;
    default:
        ret = -EINVAL;
    }
    acb->ret = ret < 0 ? ret : 0;
    acb->done = true;
}

/* ---- submission ---- */

static void timer_cb(void *opaque)
{
    BlockAIOCB *acb = opaque;
    if (!acb->done && !acb->cancelled) {
        execute(acb);
    }
    complete(acb);
}

static void schedule(BlockAIOCB *acb)
{
    AIOReq *r = (AIOReq *)acb;
    int64_t latency = clock_icount_enabled() ? BLK_ICOUNT_LATENCY_NS : 0;
    if (!r->timer) {
        r->timer = timer_new_ns(CC_CLOCK_VIRTUAL, timer_cb, acb);
    }
    timer_mod_ns(r->timer, clock_get_ns(CC_CLOCK_VIRTUAL) + latency);
}

static int check_request(BlockBackend *blk, BlockAIOType type, uint64_t offset,
                         uint64_t bytes)
{
    if (!blk->root) {
        return -ENOMEDIUM;
    }
    if (is_write_type(type) && type != BLK_AIO_FLUSH && blk_is_read_only(blk)) {
        return -EROFS;
    }
    if (type != BLK_AIO_FLUSH) {
        int64_t len = bdrv_getlength(blk->root);
        if (len < 0) {
            return (int)len;
        }
        if (offset > (uint64_t)len || bytes > (uint64_t)len - offset) {
            return -EIO;
        }
    }
    return 0;
}

static BlockAIOCB *submit(BlockBackend *blk, BlockAIOType type, uint64_t offset,
                          struct iovec *iov, int niov, uint64_t bytes, int flags,
                          BlockCompletionFunc *cb, void *opaque)
{
    AIOReq *r = g_new0(AIOReq, 1);
    BlockAIOCB *acb = &r->acb;
    acb->blk = blk;
    acb->type = type;
    acb->offset = offset;
    acb->bytes = bytes;
    if (niov > 0) {
        acb->iov = g_memdup2(iov, sizeof(*iov) * niov);
        acb->niov = niov;
    }
    acb->flags = flags;
    acb->cb = cb;
    acb->opaque = opaque;
    acb->submit_ns = host_ns();
    blk->refcnt++;
    g_ptr_array_add(blk->inflight, acb);
    int ret = check_request(blk, type, offset, bytes);
    if (ret < 0) {
        /* Refused without touching the image; still completes later, on
         * the main loop, and without the error policy (the guest asked
         * for something impossible, the host did not fail). */
        acb->ret = ret;
        acb->done = true;
        acb->flags |= ACB_REFUSED;
    }
    schedule(acb);
    return acb;
}

static uint64_t iov_bytes(const struct iovec *iov, int niov)
{
    uint64_t n = 0;
    for (int i = 0; i < niov; i++) {
        n += iov[i].iov_len;
    }
    return n;
}

BlockAIOCB *blk_aio_preadv(BlockBackend *blk, uint64_t offset, struct iovec *iov, int niov,
                           BlockCompletionFunc *cb, void *opaque)
{
    return submit(blk, BLK_AIO_READ, offset, iov, niov, iov_bytes(iov, niov), 0, cb, opaque);
}

BlockAIOCB *blk_aio_pwritev(BlockBackend *blk, uint64_t offset, struct iovec *iov, int niov,
                            int flags, BlockCompletionFunc *cb, void *opaque)
{
    return submit(blk, BLK_AIO_WRITE, offset, iov, niov, iov_bytes(iov, niov),
                  flags & BDRV_REQ_FUA, cb, opaque);
}

BlockAIOCB *blk_aio_pread(BlockBackend *blk, uint64_t offset, void *buf, uint64_t bytes,
                          BlockCompletionFunc *cb, void *opaque)
{
    struct iovec iov = { buf, bytes };
    return blk_aio_preadv(blk, offset, &iov, 1, cb, opaque);
}

BlockAIOCB *blk_aio_pwrite(BlockBackend *blk, uint64_t offset, const void *buf,
                           uint64_t bytes, int flags, BlockCompletionFunc *cb, void *opaque)
{
    struct iovec iov = { (void *)buf, bytes };
    return blk_aio_pwritev(blk, offset, &iov, 1, flags, cb, opaque);
}

BlockAIOCB *blk_aio_flush(BlockBackend *blk, BlockCompletionFunc *cb, void *opaque)
{
    return submit(blk, BLK_AIO_FLUSH, 0, NULL, 0, 0, 0, cb, opaque);
}

BlockAIOCB *blk_aio_pdiscard(BlockBackend *blk, uint64_t offset, uint64_t bytes,
                             BlockCompletionFunc *cb, void *opaque)
{
    return submit(blk, BLK_AIO_DISCARD, offset, NULL, 0, bytes, 0, cb, opaque);
}

BlockAIOCB *blk_aio_pwrite_zeroes(BlockBackend *blk, uint64_t offset, uint64_t bytes,
                                  int flags, BlockCompletionFunc *cb, void *opaque)
{
    return submit(blk, BLK_AIO_WRITE_ZEROES, offset, NULL, 0, bytes,
                  flags & (BDRV_REQ_MAY_UNMAP | BDRV_REQ_NO_FALLBACK), cb, opaque);
}

/* ---- completion ---- */

static void acb_free(BlockAIOCB *acb)
{
    AIOReq *r = (AIOReq *)acb;
    BlockBackend *blk = acb->blk;
    g_ptr_array_remove(blk->inflight, acb);
    if (r->timer) {
        timer_free(r->timer);
    }
    g_free(acb->iov);
    g_free(r);
    blk_unref(blk);
}

static BlockErrorAction action_for(BlockAIOCB *acb)
{
    BlockBackend *blk = acb->blk;
    bool w = is_write_type(acb->type);
    BlockErrorAction a = w ? blk->werror : blk->rerror;
    if (a == BLOCK_ERROR_ENOSPC) {
        a = acb->ret == -ENOSPC ? BLOCK_ERROR_STOP : BLOCK_ERROR_REPORT;
    }
    return a;
}

static void complete(BlockAIOCB *acb)
{
    BlockBackend *blk = acb->blk;
    int ret = acb->ret;
    if (acb->cancelled) {
        acb_free(acb);
        return;
    }
    if (ret < 0 && !(acb->flags & ACB_REFUSED)) {
        BlockErrorAction a = action_for(acb);
        blk_emit_io_error(blk, is_write_type(acb->type), a, -ret);
        if (a == BLOCK_ERROR_STOP) {
            /* Hold it: `cont` runs it again.  Completions of other
             * requests still arrive (they may stop too). */
            g_ptr_array_remove(blk->inflight, acb);
            acb->next_stopped = blk->stopped;
            blk->stopped = acb;
            blk_vm_stop_for_error();
            return;
        }
        if (a == BLOCK_ERROR_IGNORE) {
            ret = 0;
        }
    }
    BlockAIOType t = acb->type;
    if (ret < 0) {
        blk->stats.failed_ops[t]++;
    } else {
        blk->stats.ops[t]++;
        blk->stats.bytes[t] += t == BLK_AIO_FLUSH ? 0 : acb->bytes;
        if (t == BLK_AIO_WRITE && (int64_t)(acb->offset + acb->bytes) > blk->wr_highest_offset) {
            blk->wr_highest_offset = acb->offset + acb->bytes;
        }
    }
    blk->stats.total_time_ns[t] += host_ns() - acb->submit_ns;
    BlockCompletionFunc *cb = acb->cb;
    void *opaque = acb->opaque;
    acb_free(acb);
    if (cb) {
        cb(opaque, ret);
    }
}

void blk_aio_cancel(BlockAIOCB *acb)
{
    if (!acb || acb->cancelled) {
        return;
    }
    acb->cancelled = true;
    /* The request was not executed yet, or its execution has finished:
     * nothing touches the buffers any more.  It is freed by its timer. */
}

void blk_resume_stopped(void)
{
    GPtrArray *all = blk_all();
    for (guint i = 0; i < all->len; i++) {
        BlockBackend *blk = g_ptr_array_index(all, i);
        /* Oldest first: the list is newest first. */
        GSList *order = NULL;
        for (BlockAIOCB *a = blk->stopped; a; a = a->next_stopped) {
            order = g_slist_prepend(order, a);
        }
        blk->stopped = NULL;
        for (GSList *l = order; l; l = l->next) {
            BlockAIOCB *a = l->data;
            a->next_stopped = NULL;
            a->done = false;
            a->ret = 0;
            g_ptr_array_add(blk->inflight, a);
            schedule(a);
        }
        g_slist_free(order);
    }
}

/* ---- draining and synchronous helpers ---- */

void blk_drain(BlockBackend *blk)
{
    if (!blk) {
        return;
    }
    blk->refcnt++;
    while (blk->inflight->len) {
        BlockAIOCB *acb = g_ptr_array_index(blk->inflight, 0);
        AIOReq *r = (AIOReq *)acb;
        if (r->timer) {
            timer_del(r->timer);
        }
        timer_cb(acb);
    }
    blk->refcnt--;
}

void blk_drain_all(void)
{
    GPtrArray *all = blk_all();
    for (guint i = 0; i < all->len; i++) {
        blk_drain(g_ptr_array_index(all, i));
    }
}

int blk_pread(BlockBackend *blk, uint64_t offset, void *buf, uint64_t bytes)
{
    if (!blk) {
        return -ENOMEDIUM;
    }
    int ret = check_request(blk, BLK_AIO_READ, offset, bytes);
    return ret < 0 ? ret : bdrv_pread(blk->root, offset, buf, bytes);
}

int blk_pwrite(BlockBackend *blk, uint64_t offset, const void *buf, uint64_t bytes,
               int flags)
{
    if (!blk) {
        return -ENOMEDIUM;
    }
    int ret = check_request(blk, BLK_AIO_WRITE, offset, bytes);
    if (ret < 0) {
        return ret;
    }
    ret = bdrv_pwrite(blk->root, offset, buf, bytes);
    if (ret >= 0 && (blk->writethrough || !blk->wce || (flags & BDRV_REQ_FUA))) {
        ret = bdrv_flush(blk->root);
    }
    return ret;
}

int blk_flush(BlockBackend *blk)
{
    return blk && blk->root ? bdrv_flush(blk->root) : 0;
}
