/*
 * Asynchronous requests of backends.
 *
 * A request is checked (medium, range, read-only) on the caller's thread,
 * then queued to the backend's worker thread, which runs it on the node
 * tree (blocking host I/O: pread, fdatasync) while the CPU goes on.  Its
 * completion is delivered on the main loop, never inside the call that
 * issued it:
 *
 *  - in real-time mode as soon as the worker is done: it queues the request
 *    on a completion list and writes an eventfd that the main loop's GLib
 *    context watches (so the I/O watcher kicks a running CPU at once);
 *  - under -icount (and in the test harness, whose clock is an instruction
 *    count) by a virtual timer armed at issue time + BLK_ICOUNT_LATENCY_NS:
 *    when it fires, the main loop waits for the worker if it is not done,
 *    so completions land at instruction counts that depend only on the
 *    guest, however fast the host disk is.  The worker then reads and
 *    writes a staging buffer of the request's own, not the caller's
 *    memory (which may be guest RAM a device mapped for DMA): a write's
 *    data is taken at issue, a read's lands at the completion, so what
 *    the guest sees of its memory does not depend on host timing either.
 *
 * One worker per backend executes its requests in order, so a driver
 * never sees two calls at once on a tree (block.h's promise); the
 * backend's tree_lock is held around each execution, and the main thread
 * takes it for its own rare direct uses of the tree.
 *
 * On completion the backend's error policy runs first: report hands the
 * errno to the device, ignore pretends success, stop holds the request,
 * pauses the machine and emits BLOCK_IO_ERROR; `cont` queues the held
 * requests again (blk_resume_stopped).
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <glib-unix.h>
#include <cardcage/timer.h>
#include "block/aio.h"
#include "timer/clock-internal.h"

/* acb->flags: refused before execution (no error policy); written
 * through (the cache mode or the guest's write-cache setting at issue
 * time, so the worker reads nothing the main thread may change). */
#define ACB_REFUSED (1 << 30)
#define ACB_WRITETHROUGH (1 << 29)

enum {
    AIO_QUEUED,      /* waiting for the worker */
    AIO_RUNNING,     /* the worker is executing it */
    AIO_DONE,        /* executed (or refused, or cancelled before it ran) */
};

typedef struct AIOReq {
    BlockAIOCB acb;              /* first: the device's handle */
    Timer *timer;                /* timed delivery (icount) */
    bool timed;
    /* Timed reads and writes: acb.iov is one element over stage; the
     * caller's elements are kept here. */
    uint8_t *stage;
    struct iovec *user_iov;
    int user_niov;
} AIOReq;

typedef struct BlockWorker {
    GThread *thread;
    GMutex lock;
    GCond cond;                  /* work queued, or a request done */
    GQueue queue;                /* BlockAIOCB *, AIO_QUEUED */
    bool quit;
} BlockWorker;

/* Real-time mode: requests the workers finished, for the main loop. */
static struct {
    GMutex lock;
    GQueue done;                 /* BlockAIOCB * */
    int fd;                      /* eventfd, or -1 when polled */
    guint source;
    bool ready;
} completions = { .fd = -1 };

/* Without an eventfd (the process is out of descriptors) the main loop
 * looks at the list on a short timer instead: slower, never lost. */
#define COMPLETIONS_POLL_MS 1

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

/* Deliver completions by virtual time?  Decided per request at issue. */
static bool timed_mode(void)
{
    return clock_icount_enabled();
}

/* ---- execution (on the worker, or the main thread for a drain) ---- */

static int execute_on_tree(BlockBackend *blk, BlockAIOCB *acb)
{
    BlockDriverState *bs = blk->root;
    int ret;
    if (!bs) {
        return -ENOMEDIUM;
    }
    bool through = acb->flags & ACB_WRITETHROUGH;
    switch (acb->type) {
    case BLK_AIO_READ:
        return bdrv_preadv(bs, acb->offset, acb->bytes, acb->iov, acb->niov, 0);
    case BLK_AIO_WRITE:
        ret = bdrv_pwritev(bs, acb->offset, acb->bytes, acb->iov, acb->niov, 0);
        /* Write-through (cache=writethrough/directsync, or the guest turned
         * its write cache off), or a FUA write: stable before completion. */
        if (ret >= 0 && (through || (acb->flags & BDRV_REQ_FUA))) {
            ret = bdrv_flush(bs);
        }
        return ret;
    case BLK_AIO_FLUSH:
        return bdrv_flush(bs);
    case BLK_AIO_DISCARD:
        return bdrv_pdiscard(bs, acb->offset, acb->bytes);
    case BLK_AIO_WRITE_ZEROES:
        ret = bdrv_pwrite_zeroes(bs, acb->offset, acb->bytes,
                                 acb->flags & (BDRV_REQ_MAY_UNMAP | BDRV_REQ_NO_FALLBACK));
        if (ret >= 0 && through) {
            ret = bdrv_flush(bs);
        }
        return ret;
    default:
        return -EINVAL;
    }
}

static void completions_push(BlockAIOCB *acb)
{
    g_mutex_lock(&completions.lock);
    g_queue_push_tail(&completions.done, acb);
    g_mutex_unlock(&completions.lock);
    uint64_t one = 1;
    /* The counter cannot overflow in practice; a failed write only delays
     * the completion to the next look at the list. */
    if (completions.fd >= 0 && write(completions.fd, &one, sizeof(one)) < 0) {
        return;
    }
}

static gpointer worker_thread(gpointer opaque)
{
    BlockBackend *blk = opaque;
    BlockWorker *w = blk->worker;
    g_mutex_lock(&w->lock);
    for (;;) {
        while (!w->quit && g_queue_is_empty(&w->queue)) {
            g_cond_wait(&w->cond, &w->lock);
        }
        if (w->quit) {
            break;
        }
        BlockAIOCB *acb = g_queue_pop_head(&w->queue);
        AIOReq *r = (AIOReq *)acb;
        acb->state = AIO_RUNNING;
        g_mutex_unlock(&w->lock);

        g_mutex_lock(&blk->tree_lock);
        int ret = execute_on_tree(blk, acb);
        g_mutex_unlock(&blk->tree_lock);

        g_mutex_lock(&w->lock);
        acb->ret = ret < 0 ? ret : 0;
        acb->state = AIO_DONE;
        g_cond_broadcast(&w->cond);
        if (!r->timed) {
            completions_push(acb);
        }
    }
    g_mutex_unlock(&w->lock);
    return NULL;
}

static void completions_run(void)
{
    for (;;) {
        g_mutex_lock(&completions.lock);
        BlockAIOCB *acb = g_queue_pop_head(&completions.done);
        g_mutex_unlock(&completions.lock);
        if (!acb) {
            break;
        }
        complete(acb);
    }
}

static gboolean completions_dispatch(gint fd, GIOCondition cond, gpointer opaque)
{
    uint64_t n;
    (void)cond;
    (void)opaque;
    /* EAGAIN: already drained by a previous look; the list is the truth. */
    if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN) {
        return G_SOURCE_CONTINUE;
    }
    completions_run();
    return G_SOURCE_CONTINUE;
}

static gboolean completions_poll(gpointer opaque)
{
    (void)opaque;
    completions_run();
    return G_SOURCE_CONTINUE;
}

static void completions_init(void)
{
    if (completions.ready) {
        return;
    }
    completions.ready = true;
    g_mutex_init(&completions.lock);
    g_queue_init(&completions.done);
    completions.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (completions.fd >= 0) {
        completions.source = g_unix_fd_add(completions.fd, G_IO_IN, completions_dispatch, NULL);
    } else {
        g_warning("block: no eventfd (%s): completions polled every %d ms",
                  g_strerror(errno), COMPLETIONS_POLL_MS);
        completions.source = g_timeout_add(COMPLETIONS_POLL_MS, completions_poll, NULL);
    }
}

static BlockWorker *worker_get(BlockBackend *blk)
{
    if (!blk->worker) {
        BlockWorker *w = g_new0(BlockWorker, 1);
        g_mutex_init(&w->lock);
        g_cond_init(&w->cond);
        g_queue_init(&w->queue);
        blk->worker = w;
        char *name = g_strdup_printf("blk-%s", blk_name(blk));
        w->thread = g_thread_new(name, worker_thread, blk);
        g_free(name);
    }
    return blk->worker;
}

void blk_worker_free(BlockBackend *blk)
{
    BlockWorker *w = blk->worker;
    if (!w) {
        return;
    }
    g_mutex_lock(&w->lock);
    w->quit = true;
    g_cond_broadcast(&w->cond);
    g_mutex_unlock(&w->lock);
    g_thread_join(w->thread);
    g_mutex_clear(&w->lock);
    g_cond_clear(&w->cond);
    g_free(w);
    blk->worker = NULL;
}

/* Wait until the worker has finished with acb (it may not have started). */
static void wait_done(BlockAIOCB *acb)
{
    BlockWorker *w = acb->blk->worker;
    if (!w) {
        return;
    }
    g_mutex_lock(&w->lock);
    while (acb->state != AIO_DONE) {
        g_cond_wait(&w->cond, &w->lock);
    }
    g_mutex_unlock(&w->lock);
}

/* ---- submission ---- */

static void timer_cb(void *opaque)
{
    BlockAIOCB *acb = opaque;
    wait_done(acb);
    complete(acb);
}

static void start(BlockAIOCB *acb)
{
    AIOReq *r = (AIOReq *)acb;
    BlockBackend *blk = acb->blk;
    r->timed = timed_mode();
    if (r->timed) {
        if (!r->timer) {
            r->timer = timer_new_ns(CC_CLOCK_VIRTUAL, timer_cb, acb);
        }
        timer_mod_ns(r->timer, clock_get_ns(CC_CLOCK_VIRTUAL) + BLK_ICOUNT_LATENCY_NS);
    } else {
        completions_init();
    }
    BlockWorker *w = worker_get(blk);
    g_mutex_lock(&w->lock);
    if (acb->state == AIO_DONE) {
        /* Refused at issue: straight to completion. */
        if (!r->timed) {
            completions_push(acb);
        }
    } else {
        acb->state = AIO_QUEUED;
        g_queue_push_tail(&w->queue, acb);
        g_cond_broadcast(&w->cond);
    }
    g_mutex_unlock(&w->lock);
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
    if (type != BLK_AIO_FLUSH &&
        (offset > (uint64_t)blk->length || bytes > (uint64_t)blk->length - offset)) {
        return -EIO;
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
    acb->flags = flags | (blk->writethrough || !blk->wce ? ACB_WRITETHROUGH : 0);
    acb->cb = cb;
    acb->opaque = opaque;
    acb->submit_ns = host_ns();
    acb->state = AIO_QUEUED;
    blk->refcnt++;
    g_ptr_array_add(blk->inflight, acb);
    int ret = check_request(blk, type, offset, bytes);
    if (ret == 0 && timed_mode() && niov > 0 && bytes &&
        (type == BLK_AIO_READ || type == BLK_AIO_WRITE)) {
        r->stage = g_malloc(bytes);
        if (type == BLK_AIO_WRITE) {
            bdrv_iov_copy(acb->iov, acb->niov, 0, r->stage, bytes, false);
        }
        r->user_iov = acb->iov;
        r->user_niov = acb->niov;
        acb->iov = g_new(struct iovec, 1);
        acb->iov[0] = (struct iovec){ r->stage, bytes };
        acb->niov = 1;
    }
    if (ret < 0) {
        /* Refused without touching the image; still completes later, on
         * the main loop, and without the error policy (the guest asked
         * for something impossible, the host did not fail). */
        acb->ret = ret;
        acb->state = AIO_DONE;
        acb->flags |= ACB_REFUSED;
    }
    start(acb);
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
    g_free(r->user_iov);
    g_free(r->stage);
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
    /* A failed read the error policy ignores leaves the caller's memory
     * as it was (the staging buffer holds nothing it may see). */
    if (acb->ret >= 0 && t == BLK_AIO_READ && ((AIOReq *)acb)->stage) {
        AIOReq *r = (AIOReq *)acb;
        bdrv_iov_copy(r->user_iov, r->user_niov, 0, r->stage, acb->bytes, true);
    }
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
    BlockWorker *w = acb->blk->worker;
    acb->cancelled = true;
    if (!w) {
        return;
    }
    g_mutex_lock(&w->lock);
    if (acb->state == AIO_QUEUED) {
        /* Not started: it never touches the buffers. */
        g_queue_remove(&w->queue, acb);
        acb->state = AIO_DONE;
        acb->ret = -ECANCELED;
        if (!((AIOReq *)acb)->timed) {
            completions_push(acb);
        }
    }
    /* Running: wait, so the buffers are not touched after we return. */
    while (acb->state != AIO_DONE) {
        g_cond_wait(&w->cond, &w->lock);
    }
    g_mutex_unlock(&w->lock);
    /* It is freed where it completes (its timer or the completion list). */
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
            if (a->cancelled) {
                /* The device was reset meanwhile: the request is dropped,
                 * not run again behind its back. */
                g_ptr_array_add(blk->inflight, a);
                acb_free(a);
                continue;
            }
            a->ret = 0;
            a->state = AIO_QUEUED;
            g_ptr_array_add(blk->inflight, a);
            start(a);
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
        wait_done(acb);
        if (r->timed) {
            timer_del(r->timer);
            complete(acb);
        } else {
            /* It is on the completion list (or about to be): run the list. */
            completions_run();
        }
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
    if (ret < 0) {
        return ret;
    }
    g_mutex_lock(&blk->tree_lock);
    ret = bdrv_pread(blk->root, offset, buf, bytes);
    g_mutex_unlock(&blk->tree_lock);
    return ret;
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
    g_mutex_lock(&blk->tree_lock);
    ret = bdrv_pwrite(blk->root, offset, buf, bytes);
    if (ret >= 0 && (blk->writethrough || !blk->wce || (flags & BDRV_REQ_FUA))) {
        ret = bdrv_flush(blk->root);
    }
    g_mutex_unlock(&blk->tree_lock);
    return ret;
}

int blk_flush(BlockBackend *blk)
{
    if (!blk || !blk->root) {
        return 0;
    }
    g_mutex_lock(&blk->tree_lock);
    int ret = bdrv_flush(blk->root);
    g_mutex_unlock(&blk->tree_lock);
    return ret;
}
