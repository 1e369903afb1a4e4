/*
 * The block layer's own view of nodes and backends (the SDK side is
 * include/cardcage/block.h; docs/block.md explains the design).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_BLOCK_INTERNAL_H
#define CORE_BLOCK_INTERNAL_H

#include <glib.h>
#include <cardcage/block.h>
#include <cardcage/object.h>

/* Backing chains deeper than this are refused (a loop shows up as one). */
#define BDRV_MAX_BACKING_DEPTH 64
/* Bytes read from an image for format probing. */
#define BDRV_PROBE_SIZE 2048

struct BlockDriverState {
    int refcnt;
    BlockDriver *drv;
    void *opaque;
    char *filename;
    char *node_name;
    bool node_name_user;         /* given with node-name=, not generated */
    int open_flags;
    uint32_t request_alignment;  /* >= 1, power of two */
    uint32_t memory_alignment;   /* >= 1, power of two */
    BlockDriverState *file;
    BlockDriverState *backing;
    char *backing_file;          /* as stored in the image */
    char *backing_format;
    int backing_depth;           /* 0 for a node with no backing parent */
    bool probed_raw;             /* format probed as raw: guard sector 0 */
    /* Statistics of the bytes the node's driver was asked for. */
    uint64_t rd_bytes, wr_bytes;
};

/* ---- block.c ---- */
BlockDriverState *bdrv_open_opts(const char *filename, const char *format, BlockOpts *opts,
                                 int flags, int backing_depth, Error **errp);
/* Every open node, for query-named-block-nodes (borrowed pointers). */
GPtrArray *bdrv_all_nodes(void);
/* Registered drivers, for format=help. */
GPtrArray *bdrv_all_drivers(void);
/* The scheme of "iscsi://..." ("iscsi"), g_strdup'd, or NULL for a path. */
char *bdrv_url_scheme(const char *filename);
/* Make a generated node name ("#block3"). */
char *bdrv_new_node_name(void);

/* Copy bytes between a flat buffer and an iovec from byte skip of the
 * iovec on (to_iov: into the iovec). */
void bdrv_iov_copy(const struct iovec *iov, int niov, uint64_t skip, void *buf,
                   uint64_t bytes, bool to_iov);
/* The part [skip, skip + bytes) of an iovec as elements of its own in out
 * (which has room for niov elements; the iovec holds skip + bytes at
 * least): the count of elements written. */
int bdrv_iov_slice(const struct iovec *iov, int niov, uint64_t skip, uint64_t bytes,
                   struct iovec *out);
/* Zero bytes of an iovec from byte skip on. */
void bdrv_iov_zero(const struct iovec *iov, int niov, uint64_t skip, uint64_t bytes);

/* ---- opts.c ---- */
/* The first key nobody read, or NULL. */
const char *block_opts_first_unused(const BlockOpts *opts);
/* A new dictionary of the keys nobody read (the node's options of a
 * -drive, once the drive's own keys are read). */
BlockOpts *block_opts_unused(const BlockOpts *opts);
/* KEY becomes NEW_KEY (value and mark kept), unless NEW_KEY is there already. */
void block_opts_rename(BlockOpts *opts, const char *key, const char *new_key);
/* Mark a key as read without reading it. */
void block_opts_mark_used(BlockOpts *opts, const char *key);
bool block_opts_check_all_used(const BlockOpts *opts, const char *what, Error **errp);

/* ---- built-in drivers ---- */
void bdrv_file_register(void);
void bdrv_raw_register(void);
void bdrv_tmp_overlay_register(void);
void bdrv_qcow2_register(void);

#endif
