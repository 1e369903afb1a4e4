/*
 * cardcage plugin SDK: the block layer.
 *
 * Two audiences use this header:
 *
 *  - block DRIVERS (file, raw, qcow2, iscsi, nbd, ...), which describe an
 *    image format or a storage protocol in a BlockDriver and register it
 *    from a block_init() function (module.h), in the core or in a plugin;
 *  - DEVICES (IDE disks, CD-ROMs, ...), which take a BlockBackend from a
 *    DEFINE_PROP_DRIVE property and send it asynchronous requests.
 *
 * The picture:
 *
 *     device --drive=ID--> BlockBackend ---> node "qcow2" --file--> node "file"
 *                          (werror, stats,        |
 *                           media, cache)         +--backing--> node "raw" --file--> ...
 *
 * A node (BlockDriverState) is one driver instance.  A format node reads
 * and writes its image through its "file" child, a protocol node talks to
 * the host (a file, a socket).  Backing chains are nodes too.
 *
 * THREADS.  Device calls (blk_*) are made on the main-loop thread, from a
 * device's handlers or timers, and their completion callbacks run on the
 * main loop too, never inside the caller (so never inside the CPU's access
 * handler that issued them).  A driver's callbacks are plain blocking
 * functions; the layer may call them from a worker thread, but never two
 * at a time for one tree of nodes under a backend: a driver needs no locks
 * for its own state.  Drivers call the bdrv_* I/O helpers on their children
 * from inside their callbacks (synchronously).
 *
 * ERRORS.  Functions that open or configure take Error **errp (error.h).
 * I/O returns 0 (or a byte count where stated) on success and a negative
 * errno on failure: -EIO, -ENOSPC, -EROFS, -EINVAL, ...
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_BLOCK_H
#define CARDCAGE_BLOCK_H

#include <sys/uio.h>
#include <cardcage/compiler.h>
#include <cardcage/error.h>
#include <cardcage/module.h>

#define BDRV_SECTOR_BITS 9
#define BDRV_SECTOR_SIZE (1u << BDRV_SECTOR_BITS)   /* 512: the unit of sector counts */

typedef struct BlockDriver BlockDriver;
typedef struct BlockDriverState BlockDriverState;
typedef struct BlockBackend BlockBackend;
typedef struct BlockOpts BlockOpts;
typedef struct DeviceState DeviceState;

/* ======================================================================
 * Options: a flat dictionary of string keys and values
 * ====================================================================== */

/*
 * Everything a node is opened with is in a BlockOpts: the keys of -blockdev
 * and -drive ("driver", "filename", "cache.direct", ...), children's options
 * under a dotted prefix ("file.filename", "backing.driver").  A driver's
 * open() reads the keys it understands with block_opts_get*; each read marks
 * the key as used.  Keys left unread after open() are an error naming the
 * key and the driver ("raw does not support the option 'foo'"), so a typo
 * never passes silently.
 */
CC_API BlockOpts *block_opts_new(void);
CC_API void block_opts_free(BlockOpts *opts);
/* Replace or add a key. */
CC_API void block_opts_set(BlockOpts *opts, const char *key, const char *value);
/* Parse KEY=VALUE,... (",," a literal comma), as on the command line, into
 * opts (added to what it has; a later key replaces an earlier one). */
CC_API bool block_opts_parse(BlockOpts *opts, const char *text, Error **errp);
/* Is the key there?  Does not mark it used. */
CC_API bool block_opts_has(const BlockOpts *opts, const char *key);
/* The value (NULL when absent) and mark the key as used. */
CC_API const char *block_opts_get(BlockOpts *opts, const char *key);
/* on/off/true/false/yes/no; def when absent; an error names the key. */
CC_API bool block_opts_get_bool(BlockOpts *opts, const char *key, bool def, bool *out,
                                Error **errp);
/* A byte count with an optional suffix k/K, M, G, T (powers of 1024). */
CC_API bool block_opts_get_size(BlockOpts *opts, const char *key, uint64_t def,
                                uint64_t *out, Error **errp);
/* An unsigned integer (decimal or 0x hex). */
CC_API bool block_opts_get_uint(BlockOpts *opts, const char *key, uint64_t def,
                                uint64_t *out, Error **errp);
/* Move every "PREFIX.rest" key into a new dictionary as "rest"; never NULL
 * (empty when none).  bdrv_open_child uses it for "file." and "backing.". */
CC_API BlockOpts *block_opts_extract_prefix(BlockOpts *opts, const char *prefix);
/* The number of keys, and the i-th key and value, in insertion order. */
CC_API unsigned block_opts_count(const BlockOpts *opts);
CC_API const char *block_opts_key(const BlockOpts *opts, unsigned i);
CC_API const char *block_opts_value(const BlockOpts *opts, unsigned i);
CC_API BlockOpts *block_opts_copy(const BlockOpts *opts);

/* ======================================================================
 * Drivers
 * ====================================================================== */

/* Open flags (the int flags argument of BlockDriver.open and bdrv_open). */
enum {
    BDRV_O_RDWR       = 1 << 0,  /* writable; otherwise read-only */
    BDRV_O_NOCACHE    = 1 << 1,  /* bypass the host page cache (O_DIRECT) */
    BDRV_O_NO_FLUSH   = 1 << 2,  /* cache=unsafe: flushes succeed doing nothing */
    BDRV_O_NO_BACKING = 1 << 3,  /* do not open the backing file */
    BDRV_O_NO_LOCK    = 1 << 4,  /* file.locking=off: take no image lock */
    BDRV_O_PROBE_ONLY = 1 << 5,  /* opened for a tool's info/check: allow a dirty image */
};

/* Request flags. */
enum {
    BDRV_REQ_FUA          = 1 << 0,  /* write: on stable storage at completion */
    BDRV_REQ_MAY_UNMAP    = 1 << 1,  /* write_zeroes: may deallocate */
    BDRV_REQ_NO_FALLBACK  = 1 << 2,  /* write_zeroes: fail (-ENOTSUP) rather than write
                                        a buffer of zeroes */
    BDRV_REQ_WRITE_COMPRESSED = 1 << 3,  /* write: store compressed where the format can
                                            (qcow2, whole aligned clusters: convert -c);
                                            ignored by other drivers */
};

/* block_status results (ORed). */
enum {
    BDRV_BLOCK_DATA         = 1 << 0,  /* reads come from this node or below */
    BDRV_BLOCK_ZERO         = 1 << 1,  /* reads as zeroes */
    BDRV_BLOCK_OFFSET_VALID = 1 << 2,  /* *map is the offset in *file */
    BDRV_BLOCK_ALLOCATED    = 1 << 3,  /* this node (not its backing) decides */
    BDRV_BLOCK_COMPRESSED   = 1 << 4,
};

/* What `cardcage-img info` and query-block show beyond the size. */
typedef struct BlockDriverInfo {
    uint32_t cluster_size;       /* 0: not a clustered format */
    bool is_dirty;               /* qcow2 dirty bit / lazy refcounts pending */
    bool has_backing_fmt;
    char format_specific[256];   /* "compat: 1.1, lazy refcounts: false" or "" */
} BlockDriverInfo;

/* `check`: counts of what was found and what was repaired. */
typedef struct BlockCheckResult {
    int corruptions, leaks, check_errors;
    int corruptions_fixed, leaks_fixed;
    int64_t image_end_offset;
    int64_t allocated_clusters, total_clusters, fragmented_clusters, compressed_clusters;
} BlockCheckResult;
enum { BDRV_FIX_LEAKS = 1, BDRV_FIX_ERRORS = 2 };

/* An internal snapshot (qcow2).  vm_state_size is the bytes of machine
 * state stored with it (0: disk only). */
typedef struct BlockSnapshotInfo {
    char id_str[128];
    char name[256];
    uint64_t vm_state_size;
    uint32_t date_sec, date_nsec;
    uint64_t vm_clock_nsec;
    uint32_t icount_valid;       /* nonzero: icount below is meaningful */
    uint64_t icount;
} BlockSnapshotInfo;

/*
 * A driver.  Everything but format_name, instance_size and open is
 * optional; a NULL I/O callback fails that request with -ENOTSUP (flush:
 * succeeds, forwarded to the file child if there is one).  bs's private
 * state (instance_size bytes, zeroed) is bdrv_opaque(bs).
 *
 * Offsets and lengths are in bytes.  The layer only calls preadv/pwritev
 * with offset and length multiples of the node's request alignment
 * (bdrv_set_request_alignment, default 1), doing read-modify-write for
 * unaligned guest requests, and never past the end of the node for reads
 * (the tail past the end reads as zeroes).  The iovec's buffers are host
 * memory valid for the call; under cache=none they are aligned to the
 * node's memory alignment (bdrv_set_request_alignment).
 */
struct BlockDriver {
    const char *format_name;     /* "raw", "qcow2", "file": -drive format=, driver= */
    size_t instance_size;
    const char *description;     /* one line, for -drive format=help */

    /* A protocol driver opens a host resource by "filename" and has no
     * file child.  protocol_name is the URL scheme it takes
     * ("iscsi" for iscsi://..., "nbd"); NULL: plain paths (only "file"). */
    bool is_protocol;
    const char *protocol_name;
    /* The format can have a backing file (bdrv_open_backing). */
    bool supports_backing;

    /* Format probing (format= not given): a score 0..100 for the first
     * bytes of the image (buf_size may be less than 2048 for a small
     * file).  The highest wins; "raw" scores 1.  NULL: never probed. */
    int (*probe)(const uint8_t *buf, int buf_size, const char *filename);

    /* Open bs.  A format driver opens its image with
     * bdrv_open_child(bs, opts, "file", errp) and reads the options it
     * takes from opts.  Failure: set errp (one line, naming the image and
     * what is wrong), release what was taken, return false. */
    bool (*open)(BlockDriverState *bs, BlockOpts *opts, int flags, Error **errp);
    void (*close)(BlockDriverState *bs);

    int (*preadv)(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                  struct iovec *iov, int niov, int flags);
    int (*pwritev)(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                   struct iovec *iov, int niov, int flags);
    /* Make completed writes stable (the format's metadata and its file:
     * call bdrv_flush(bdrv_file(bs)) at the end). */
    int (*flush)(BlockDriverState *bs);
    int (*pdiscard)(BlockDriverState *bs, uint64_t offset, uint64_t bytes);
    int (*pwrite_zeroes)(BlockDriverState *bs, uint64_t offset, uint64_t bytes, int flags);

    /* The guest-visible size in bytes, or a negative errno. */
    int64_t (*getlength)(BlockDriverState *bs);
    /* Bytes the node takes on the host (du), or a negative errno. */
    int64_t (*get_allocated_size)(BlockDriverState *bs);
    /* Resize (block_resize, cardcage-img resize).  prealloc: "off" or NULL,
     * "metadata", "falloc", "full". */
    bool (*truncate)(BlockDriverState *bs, uint64_t offset, const char *prealloc,
                     Error **errp);

    /* What the range [offset, offset+bytes) is: BDRV_BLOCK_* flags, the
     * length *pnum (> 0, <= bytes) the answer holds for, and with
     * OFFSET_VALID the offset *map in node *file.  NULL: all DATA,
     * ALLOCATED (and OFFSET_VALID in itself for a protocol). */
    int (*block_status)(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                        uint64_t *pnum, uint64_t *map, BlockDriverState **file);

    /* Create an image (cardcage-img create, -snapshot overlays).  opts
     * holds "size" and the format's -o options ("cluster_size", "compat",
     * "backing_file", "backing_fmt", "preallocation", ...); a format driver
     * creates its file with bdrv_create_file and opens it with bdrv_open. */
    bool (*create)(const char *filename, BlockOpts *opts, Error **errp);
    /* The -o options create takes, NULL-terminated, for `create -o help`
     * ("cluster_size", ...), with one line of help each in create_opts_help. */
    const char *const *create_opts;
    const char *const *create_opts_help;

    bool (*get_info)(BlockDriverState *bs, BlockDriverInfo *bdi);
    int (*check)(BlockDriverState *bs, BlockCheckResult *res, int fix);
    /* Rewrite the image's backing file name (rebase, commit). */
    bool (*change_backing_file)(BlockDriverState *bs, const char *backing_file,
                                const char *backing_fmt, Error **errp);
    /* Empty the image (commit's -d not given): all clusters unallocated. */
    int (*make_empty)(BlockDriverState *bs);

    /* Internal snapshots.  list returns the count and a g_new'd array. */
    bool (*snapshot_create)(BlockDriverState *bs, BlockSnapshotInfo *sn, Error **errp);
    bool (*snapshot_goto)(BlockDriverState *bs, const char *id_or_name, Error **errp);
    bool (*snapshot_delete)(BlockDriverState *bs, const char *id_or_name, Error **errp);
    int (*snapshot_list)(BlockDriverState *bs, BlockSnapshotInfo **list);
    /* Machine state stored with a snapshot (savevm): pos counts from 0 in
     * the VM state area; returns bytes moved or a negative errno. */
    int64_t (*save_vmstate)(BlockDriverState *bs, const uint8_t *buf, int64_t pos,
                            int64_t size);
    int64_t (*load_vmstate)(BlockDriverState *bs, uint8_t *buf, int64_t pos, int64_t size);

    /* Reserved for later minor ABI additions; leave zero. */
    void *reserved[8];
};

/* Register a driver (from a block_init function).  The struct must stay
 * valid while the program runs.  A name already taken is refused with a
 * warning; false then. */
CC_API bool bdrv_register(BlockDriver *drv);
/* NULL when no driver has that name. */
CC_API BlockDriver *bdrv_find_format(const char *format_name);

/* ---- a node, for drivers ---- */

CC_API void *bdrv_opaque(BlockDriverState *bs);
CC_API BlockDriver *bdrv_driver(BlockDriverState *bs);
/* The name given to open it: a path or URL for a protocol node, the
 * image's file's name for a format node. */
CC_API const char *bdrv_filename(BlockDriverState *bs);
/* -blockdev node-name=, or a generated "#blockN". */
CC_API const char *bdrv_node_name(BlockDriverState *bs);
CC_API bool bdrv_is_read_only(BlockDriverState *bs);
CC_API int bdrv_open_flags(BlockDriverState *bs);
/* The file and backing children, or NULL. */
CC_API BlockDriverState *bdrv_file(BlockDriverState *bs);
CC_API BlockDriverState *bdrv_backing(BlockDriverState *bs);
/* The backing file's name as stored in the image (set by the format driver
 * with bdrv_open_backing), or "". */
CC_API const char *bdrv_backing_filename(BlockDriverState *bs);
CC_API const char *bdrv_backing_format(BlockDriverState *bs);

/* Alignment the driver needs: request offsets and lengths multiples of
 * `request` bytes, buffers aligned to `memory` bytes (powers of two).  Set
 * in open(); the layer aligns and bounces for it. */
CC_API void bdrv_set_request_alignment(BlockDriverState *bs, uint32_t request,
                                       uint32_t memory);
CC_API uint32_t bdrv_request_alignment(BlockDriverState *bs);
CC_API uint32_t bdrv_memory_alignment(BlockDriverState *bs);

/* Open the "file" child (child == "file") or another named one: from the
 * "CHILD." options of opts, a "CHILD" option naming an existing node, or
 * (for "file") the "filename" option, opened with the protocol its
 * scheme names, else "file".  The child is read-only if bs is. */
CC_API BlockDriverState *bdrv_open_child(BlockDriverState *bs, BlockOpts *opts,
                                         const char *child, Error **errp);
/* A format driver found a backing file name (and format, "" or NULL:
 * probe) in its header: record it and, unless BDRV_O_NO_BACKING or a
 * "backing" option says otherwise ("backing=" or "backing=null": none;
 * "backing=NODE": that node; "backing.KEY=..."), open it read-only.  A
 * relative name is relative to the directory of bdrv_filename(bs).  A
 * backing chain that loops or is deeper than 64 is refused. */
CC_API bool bdrv_open_backing(BlockDriverState *bs, BlockOpts *opts, const char *filename,
                              const char *format, Error **errp);

/* ---- I/O on a node (drivers on their children, tools) ---- */

/* Synchronous; return 0 or a negative errno.  Any offset and length: the
 * layer aligns for the node.  Reads past the end return zeroes. */
CC_API int bdrv_preadv(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                       struct iovec *iov, int niov, int flags);
CC_API int bdrv_pwritev(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                        struct iovec *iov, int niov, int flags);
CC_API int bdrv_pread(BlockDriverState *bs, uint64_t offset, void *buf, uint64_t bytes);
CC_API int bdrv_pwrite(BlockDriverState *bs, uint64_t offset, const void *buf,
                       uint64_t bytes);
/* Write and flush (a header update a later write depends on). */
CC_API int bdrv_pwrite_sync(BlockDriverState *bs, uint64_t offset, const void *buf,
                            uint64_t bytes);
CC_API int bdrv_pwrite_zeroes(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                              int flags);
CC_API int bdrv_pdiscard(BlockDriverState *bs, uint64_t offset, uint64_t bytes);
CC_API int bdrv_flush(BlockDriverState *bs);
CC_API int64_t bdrv_getlength(BlockDriverState *bs);
CC_API int64_t bdrv_get_allocated_size(BlockDriverState *bs);
CC_API bool bdrv_truncate(BlockDriverState *bs, uint64_t offset, const char *prealloc,
                          Error **errp);
CC_API int bdrv_block_status(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                             uint64_t *pnum, uint64_t *map, BlockDriverState **file);

/* ---- whole nodes (tools, overlays) ---- */

/* For a tool (cardcage-img): load the plugins of the emulator's plugin
 * directories (the built-in one and $CARDCAGE_PLUGIN_PATH), once, so that
 * the block drivers they register (nbd, iscsi) open URLs as in cardcage.
 * Plugins that are refused are skipped silently.  Returns the number
 * loaded.  (ABI 2.4) */
CC_API int bdrv_load_plugins(void);

/* Open an image (a tool such as cardcage-img may call it first thing: the
 * BLOCK module list is run if it has not been): format NULL probes it (format drivers' probe, else raw;
 * a probed raw image cannot be written at sector 0 with a format's magic,
 * as in QEMU).  options (may be NULL) are the -blockdev keys besides the
 * filename and driver; they are consumed (not freed).  Returns a node
 * with one reference. */
CC_API BlockDriverState *bdrv_open(const char *filename, const char *format,
                                   BlockOpts *options, int flags, Error **errp);
CC_API BlockDriverState *bdrv_ref(BlockDriverState *bs);
/* Drop a reference; the last closes the node (flushing it) and its
 * children. */
CC_API void bdrv_unref(BlockDriverState *bs);
/* Create a host file of size bytes (empty, or truncated), for a format's
 * create. */
CC_API bool bdrv_create_file(const char *filename, uint64_t size, Error **errp);
/* Create an image with driver drv_name ("raw", "qcow2"). */
CC_API bool bdrv_create(const char *drv_name, const char *filename, BlockOpts *opts,
                        Error **errp);
CC_API bool bdrv_get_info(BlockDriverState *bs, BlockDriverInfo *bdi);
/* Rewrite the backing file name (and format; NULL or "": none) stored in
 * the image (rebase, commit).  The open backing node is not changed. */
CC_API bool bdrv_change_backing_file(BlockDriverState *bs, const char *backing_file,
                                     const char *backing_fmt, Error **errp);
/* Make every cluster of the image unallocated (commit, unless -d): reads
 * then come from the backing file.  0, -ENOTSUP, or a negative errno. */
CC_API int bdrv_make_empty(BlockDriverState *bs);
/* ---- internal snapshots, VM state, check (qcow2; savevm/loadvm, tools) ----
 * Each fails with -ENOTSUP / an error naming the format when the node's
 * driver has no such callback.  bdrv_snapshot_create fills in sn->id_str
 * (when empty) and the date (when zero).  The VM state is machine state
 * kept in the image with the next snapshot created: write it with
 * bdrv_save_vmstate first, then create the snapshot with vm_state_size
 * set; after bdrv_snapshot_goto, bdrv_load_vmstate reads it back. */
CC_API bool bdrv_snapshot_create(BlockDriverState *bs, BlockSnapshotInfo *sn, Error **errp);
CC_API bool bdrv_snapshot_goto(BlockDriverState *bs, const char *id_or_name, Error **errp);
CC_API bool bdrv_snapshot_delete(BlockDriverState *bs, const char *id_or_name, Error **errp);
/* The count (>= 0) and a g_new'd array in *list (g_free it), or -ENOTSUP. */
CC_API int bdrv_snapshot_list(BlockDriverState *bs, BlockSnapshotInfo **list);
CC_API int64_t bdrv_save_vmstate(BlockDriverState *bs, const uint8_t *buf, int64_t pos,
                                 int64_t size);
CC_API int64_t bdrv_load_vmstate(BlockDriverState *bs, uint8_t *buf, int64_t pos,
                                 int64_t size);
/* check (fix: BDRV_FIX_LEAKS | BDRV_FIX_ERRORS, or 0 to only look); a
 * repair needs a node opened read-write.  0 or a negative errno; *res
 * holds what was found and fixed. */
CC_API int bdrv_check(BlockDriverState *bs, BlockCheckResult *res, int fix);

/* NULL when there is none.  node-name lookup for -blockdev references. */
CC_API BlockDriverState *bdrv_find_node(const char *node_name);

/* ======================================================================
 * Devices: the backend
 * ====================================================================== */

/* The field of a DEFINE_PROP_DRIVE property (property.h) is a
 * BlockBackend *, NULL when the device has no drive.  Its value is the
 * id of -drive id=... or the node-name of -blockdev; the core claims the
 * backend for the device before its realize (one device per backend) and
 * releases it after unrealize. */

typedef enum BlockMedia {
    BLOCK_MEDIA_DISK,
    BLOCK_MEDIA_CDROM,
} BlockMedia;

typedef enum BlockInterfaceType {
    IF_NONE,
    IF_IDE,
    IF_FLOPPY,
    IF_SCSI,
    IF_VIRTIO,
    IF__MAX,
} BlockInterfaceType;

typedef enum BlockErrorAction {
    BLOCK_ERROR_REPORT,   /* the request fails with its errno */
    BLOCK_ERROR_IGNORE,   /* the request completes as if it had worked */
    BLOCK_ERROR_STOP,     /* the VM pauses (BLOCK_IO_ERROR); `cont` retries */
    BLOCK_ERROR_ENOSPC,   /* werror=enospc: stop on ENOSPC, report others */
} BlockErrorAction;

/* CHS translation hint (-drive trans=). */
typedef enum BlockTranslation {
    BLOCK_TRANS_AUTO,
    BLOCK_TRANS_NONE,
    BLOCK_TRANS_LBA,
    BLOCK_TRANS_LARGE,
} BlockTranslation;

/* -drive cyls=,heads=,secs=,trans=: zeroes when not given. */
typedef struct BlockGeometry {
    uint32_t cyls, heads, secs;
    BlockTranslation trans;
} BlockGeometry;

/* The fixed virtual latency of a request under -icount: 100 us, the order
 * of a fast disk's command overhead. */
#define BLOCK_ICOUNT_LATENCY_NS 100000

/* ret: 0 on success, a negative errno on failure. */
typedef void BlockCompletionFunc(void *opaque, int ret);
/* An in-flight request, for blk_aio_cancel. */
typedef struct BlockAIOCB BlockAIOCB;

/*
 * Asynchronous requests.  Each returns at once; cb runs later, on the main
 * loop, exactly once (unless the request is cancelled), with the buffers
 * filled (read) or taken (write).  The buffers must stay valid and
 * unchanged until then.  Requests of one backend may complete in any order;
 * a device that needs an order waits for a completion.  A flush completes
 * after every write that completed before it was issued is on stable
 * storage (fdatasync), unless cache=unsafe.
 *
 * Under -icount a request completes BLOCK_ICOUNT_LATENCY_NS of virtual time
 * after it was issued (in the test harness too: advance the clock by that
 * much, or call blk_drain), so a run with disk I/O is reproducible (as long as the guest
 * cannot see the buffers before the completion: DMA into guest memory in
 * the callback, or from a bounce buffer).
 *
 * blk must be a backend (a device without a drive does not issue requests:
 * its DEFINE_PROP_DRIVE field is NULL). 
 *
 * Range errors (past the end, a write to a read-only drive, no medium)
 * complete with -EIO / -EROFS / -ENOMEDIUM, through cb as well.  werror and
 * rerror are applied before cb: a stopped request is retried by `cont` and
 * completes only then.
 */
CC_API BlockAIOCB *blk_aio_preadv(BlockBackend *blk, uint64_t offset, struct iovec *iov,
                                  int niov, BlockCompletionFunc *cb, void *opaque);
CC_API BlockAIOCB *blk_aio_pwritev(BlockBackend *blk, uint64_t offset, struct iovec *iov,
                                   int niov, int flags, BlockCompletionFunc *cb,
                                   void *opaque);
/* One flat buffer. */
CC_API BlockAIOCB *blk_aio_pread(BlockBackend *blk, uint64_t offset, void *buf,
                                 uint64_t bytes, BlockCompletionFunc *cb, void *opaque);
CC_API BlockAIOCB *blk_aio_pwrite(BlockBackend *blk, uint64_t offset, const void *buf,
                                  uint64_t bytes, int flags, BlockCompletionFunc *cb,
                                  void *opaque);
CC_API BlockAIOCB *blk_aio_flush(BlockBackend *blk, BlockCompletionFunc *cb, void *opaque);
CC_API BlockAIOCB *blk_aio_pdiscard(BlockBackend *blk, uint64_t offset, uint64_t bytes,
                                    BlockCompletionFunc *cb, void *opaque);
CC_API BlockAIOCB *blk_aio_pwrite_zeroes(BlockBackend *blk, uint64_t offset,
                                         uint64_t bytes, int flags,
                                         BlockCompletionFunc *cb, void *opaque);
/* Cancel (device reset): cb is not called.  The host I/O may still happen
 * (a cancelled write may or may not reach the disk); the buffers are not
 * touched after this returns. */
CC_API void blk_aio_cancel(BlockAIOCB *acb);
/* Wait for every request of blk and run their completions now. */
CC_API void blk_drain(BlockBackend *blk);
CC_API void blk_drain_all(void);

/* Synchronous, for firmware-time work and tests (never from a guest
 * access handler: it blocks the CPU).  0 or a negative errno; no
 * werror/rerror handling. */
CC_API int blk_pread(BlockBackend *blk, uint64_t offset, void *buf, uint64_t bytes);
CC_API int blk_pwrite(BlockBackend *blk, uint64_t offset, const void *buf, uint64_t bytes,
                      int flags);
CC_API int blk_flush(BlockBackend *blk);

/* ---- what the device shows the guest ---- */

/* -drive id= or -blockdev node-name=. */
CC_API const char *blk_name(const BlockBackend *blk);
/* The size in bytes (0 with no medium), and in 512-byte sectors. */
CC_API int64_t blk_getlength(BlockBackend *blk);
CC_API uint64_t blk_nb_sectors(BlockBackend *blk);
CC_API bool blk_is_read_only(BlockBackend *blk);
/* A medium is inserted (always, for a disk). */
CC_API bool blk_is_inserted(BlockBackend *blk);
CC_API BlockMedia blk_get_media(BlockBackend *blk);
/* false when -drive gave no geometry; geo is then zeroed. */
CC_API bool blk_get_geometry_hint(BlockBackend *blk, BlockGeometry *geo);
/* The write cache is enabled for the guest (cache=writeback/none/unsafe),
 * as IDENTIFY reports it; a device may toggle it (SET FEATURES), which
 * makes every write write-through while off. */
CC_API bool blk_enable_write_cache(BlockBackend *blk);
CC_API void blk_set_enable_write_cache(BlockBackend *blk, bool wce);
/* A serial number hint (-drive serial=), or NULL. */
CC_API const char *blk_get_serial(BlockBackend *blk);
/* The device the backend is attached to, or NULL. */
CC_API DeviceState *blk_get_attached_dev(BlockBackend *blk);
/* The image's file name ("" with no medium), for messages. */
CC_API const char *blk_get_filename(BlockBackend *blk);

/* ---- removable media ---- */

/*
 * A device with removable media gives these in realize.  The layer calls:
 *  - change_media_cb(opaque, load): the medium was removed (false: the tray
 *    is open and empty) or a medium is in and the tray closed (true:
 *    blockdev-change-medium, blockdev-close-tray); the device reports UNIT
 *    ATTENTION and calls blk_notify_tray_moved for its tray.
 *  - eject_request_cb(opaque, force): the user asked to open the tray
 *    (eject, blockdev-change-medium).  The device opens it unless the
 *    guest locked it (then it records the request for the guest to see);
 *    with force it opens anyway.
 *  - is_tray_open, is_medium_locked: the device's state, for the monitor.
 *  - resize_cb: block_resize changed the size.
 * All but change_media_cb may be NULL.
 */
typedef struct BlockDevOps {
    void (*change_media_cb)(void *opaque, bool load);
    void (*eject_request_cb)(void *opaque, bool force);
    bool (*is_tray_open)(void *opaque);
    bool (*is_medium_locked)(void *opaque);
    void (*resize_cb)(void *opaque);
} BlockDevOps;
CC_API void blk_set_dev_ops(BlockBackend *blk, const BlockDevOps *ops, void *opaque);
/* The device's tray moved (the guest's START STOP UNIT, or an eject
 * request it honoured): emits DEVICE_TRAY_MOVED and, when it opened, lets
 * the layer finish a pending monitor eject. */
CC_API void blk_notify_tray_moved(BlockBackend *blk, bool open);
/* The guest locked or unlocked the medium (PREVENT ALLOW MEDIUM REMOVAL). */
CC_API void blk_notify_medium_locked(BlockBackend *blk, bool locked);

/* ======================================================================
 * Boards and controllers: the drives of -drive if=ide,...
 * ====================================================================== */

/* The backend of `-drive if=TYPE,bus=B,unit=U` (or index=, -hda..-hdd,
 * -cdrom), or NULL.  A controller plugin calls it in realize for each of
 * its units and creates a device with drive=blk_name(blk) for each one
 * found (ide-hd or ide-cd by blk_get_media), skipping a drive a -device
 * already took (blk_get_attached_dev).  A drive no device takes is an
 * error at start-up naming it.  IDE: 2 units per bus; -hda is bus 0
 * unit 0, -hdb 0/1, -hdc 1/0 (-cdrom), -hdd 1/1. */
CC_API BlockBackend *board_drive_get(BlockInterfaceType type, int bus, int unit);
/* The highest bus number used with type, or -1. */
CC_API int board_drive_get_max_bus(BlockInterfaceType type);
/* Units per bus for an interface (IDE: 2). */
CC_API int board_drive_units_per_bus(BlockInterfaceType type);

/* Add a drive as -drive would, from its option string
 * ("file=d.img,format=raw,if=none,id=d0"): for test harnesses and
 * hot-plug.  Returns the backend (owned by the drive list). */
CC_API BlockBackend *drive_add(const char *optstr, Error **errp);
/* Remove a drive no device holds. */
CC_API void drive_del(BlockBackend *blk);
/* The backend named by id (-drive id= or -blockdev node-name=), or NULL. */
CC_API BlockBackend *blk_by_name(const char *name);

#endif
