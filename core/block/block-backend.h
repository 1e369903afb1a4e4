/*
 * Backends: the core's side (devices see include/cardcage/block.h).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_BLOCK_BACKEND_H
#define CORE_BLOCK_BACKEND_H

#include "block/block-internal.h"

typedef enum BlockAIOType {
    BLK_AIO_READ,
    BLK_AIO_WRITE,
    BLK_AIO_FLUSH,
    BLK_AIO_DISCARD,
    BLK_AIO_WRITE_ZEROES,
    BLK_AIO__MAX,
} BlockAIOType;

/* Per-backend counters (query-blockstats), index by BlockAIOType. */
typedef struct BlockAcctStats {
    uint64_t bytes[BLK_AIO__MAX];
    uint64_t ops[BLK_AIO__MAX];
    uint64_t failed_ops[BLK_AIO__MAX];
    uint64_t total_time_ns[BLK_AIO__MAX];
} BlockAcctStats;

struct BlockAIOCB {
    BlockBackend *blk;
    BlockAIOType type;
    uint64_t offset, bytes;
    struct iovec *iov;           /* a copy of the caller's array */
    int niov;
    int flags;
    BlockCompletionFunc *cb;
    void *opaque;
    int ret;
    bool done;                   /* the host I/O has finished (ret is valid) */
    bool cancelled;
    int64_t submit_ns;           /* CC_CLOCK_REALTIME, for the statistics */
    int state;                   /* AIO_* of aio.c, under the worker's lock */
    BlockAIOCB *next_stopped;    /* on blk->stopped while the VM is paused for it */
};

struct BlockBackend {
    int refcnt;
    char *name;
    BlockDriverState *root;      /* NULL: no medium */
    BlockInterfaceType iftype;
    int bus, unit;
    BlockMedia media;
    BlockGeometry geo;
    bool has_geo;
    char *serial;
    bool read_only;
    bool wce;                    /* guest-visible write cache */
    bool writethrough;           /* cache=writethrough/directsync: flush after writes */
    int open_flags;              /* for reopening a changed medium */
    BlockErrorAction werror, rerror;
    bool is_blockdev;            /* -blockdev (named by node-name) vs -drive */
    DeviceState *dev;
    const BlockDevOps *dev_ops;
    void *dev_opaque;
    bool tray_open, locked;
    bool eject_pending;          /* a monitor eject waits for the tray */
    GPtrArray *inflight;         /* BlockAIOCB * */
    struct BlockWorker *worker;  /* the thread executing requests (aio.c) */
    /* Held while a request runs on the node tree, and by the main thread
     * around its own direct use of the tree (resize, the synchronous
     * helpers): the driver never sees two callers at once. */
    GMutex tree_lock;
    int64_t length;              /* cached size (the CPU never waits for an fstat) */
    BlockAIOCB *stopped;         /* requests held by werror/rerror=stop */
    BlockAcctStats stats;
    int64_t wr_highest_offset;
};

/* The drive list. */
GPtrArray *blk_all(void);
BlockBackend *blk_new(const char *name, BlockDriverState *root, Error **errp);
void blk_unref(BlockBackend *blk);
void blk_remove_medium(BlockBackend *blk);
bool blk_insert_medium(BlockBackend *blk, BlockDriverState *bs, Error **errp);
/* A -drive by id, or a -blockdev node by node-name (its backend is made
 * on first use); NULL when neither exists. */
BlockBackend *blk_by_name_or_node(const char *name);
/* DEFINE_PROP_DRIVE's claim and release. */
bool blk_attach_dev(BlockBackend *blk, DeviceState *dev, Error **errp);
void blk_detach_dev(BlockBackend *blk, DeviceState *dev);
/* Refresh blk->length from the root node (after open, insert, resize). */
void blk_update_length(BlockBackend *blk);
/* Stop the backend's worker thread (the backend is going away). */
void blk_worker_free(BlockBackend *blk);
/* `cont`: resubmit the requests werror/rerror=stop held. */
void blk_resume_stopped(void);
const char *blk_error_action_name(BlockErrorAction a);
bool blk_parse_error_action(const char *text, bool is_write, BlockErrorAction *out);

#endif
