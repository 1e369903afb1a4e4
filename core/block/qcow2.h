/*
 * The qcow2 format driver's shared state (docs/qcow2.md explains the
 * design; the on-disk layout is QEMU's docs/interop/qcow2.txt).
 *
 * Files: qcow2.c (header, open, I/O, registration), qcow2-cluster.c
 * (L1/L2 mapping and its cache), qcow2-refcount.c (refcounts of any
 * width, cluster allocation, refcount table growth), qcow2-snapshot.c
 * (snapshot table, create/goto/delete/list, VM state), qcow2-check.c
 * (check and repair), qcow2-create.c (image creation, preallocation).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_BLOCK_QCOW2_H
#define CORE_BLOCK_QCOW2_H

#include <glib.h>
#include <cardcage/block.h>

#define QCOW2_MAGIC 0x514649fbu            /* "QFI\xfb" */
#define QCOW2_V2_HEADER_LEN 72
#define QCOW2_V3_HEADER_LEN 104            /* minimum for version 3 */
#define QCOW2_HEADER_LEN_WRITTEN 112       /* v3 with the compression type byte */
#define QCOW2_MIN_CLUSTER_BITS 9
#define QCOW2_MAX_CLUSTER_BITS 21
/* QEMU's limits (block/qcow2.h), so an image either tool opens the other
 * opens too, and a hostile header cannot make us allocate gigabytes. */
#define QCOW2_MAX_L1_BYTES       (32u << 20)
#define QCOW2_MAX_REFTABLE_BYTES (8u << 20)
#define QCOW2_MAX_SNAPSHOTS      65536u
#define QCOW2_MAX_SNAPSHOT_TABLE (64u << 20)
#define QCOW2_MAX_SN_EXTRA       1024u
#define QCOW2_MAX_BACKING_NAME   1023u

/* L1/L2 entry bits (qcow2.txt "Cluster mapping"). */
#define QCOW_OFLAG_COPIED     (1ull << 63)  /* refcount is exactly 1: writable in place */
#define QCOW_OFLAG_COMPRESSED (1ull << 62)
#define QCOW_OFLAG_ZERO       (1ull << 0)   /* v3: the cluster reads as zeroes */
#define L1E_OFFSET_MASK 0x00fffffffffffe00ull
#define L2E_OFFSET_MASK 0x00fffffffffffe00ull

/* Feature bits (qcow2.txt header bytes 72-95). */
#define QCOW2_INCOMPAT_DIRTY       (1ull << 0)
#define QCOW2_INCOMPAT_CORRUPT     (1ull << 1)
#define QCOW2_INCOMPAT_DATA_FILE   (1ull << 2)
#define QCOW2_INCOMPAT_COMPRESSION (1ull << 3)
#define QCOW2_INCOMPAT_EXTL2       (1ull << 4)
#define QCOW2_COMPAT_LAZY_REFCOUNTS (1ull << 0)

/* Header extension types (qcow2.txt "Header extensions"). */
#define QCOW2_EXT_END            0x00000000u
#define QCOW2_EXT_BACKING_FORMAT 0xe2792acau
#define QCOW2_EXT_FEATURE_TABLE  0x6803f857u
#define QCOW2_EXT_CRYPTO         0x0537be77u
#define QCOW2_EXT_BITMAPS        0x23852875u
#define QCOW2_EXT_DATA_FILE      0x44415441u

/* Header field offsets (qcow2.txt "Header"). */
enum {
    HDR_BACKING_OFFSET = 8, HDR_BACKING_SIZE = 16, HDR_CLUSTER_BITS = 20, HDR_SIZE = 24,
    HDR_CRYPT = 32, HDR_L1_SIZE = 36, HDR_L1_OFFSET = 40, HDR_RT_OFFSET = 48,
    HDR_RT_CLUSTERS = 56, HDR_NB_SNAPSHOTS = 60, HDR_SN_OFFSET = 64, HDR_INCOMPAT = 72,
    HDR_COMPAT = 80, HDR_AUTOCLEAR = 88, HDR_REFCOUNT_ORDER = 96, HDR_LENGTH = 100,
    HDR_COMPRESSION_TYPE = 104,
};

#define QCOW2_L2_CACHE_SIZE 16

typedef struct Qcow2L2Cache {
    uint64_t offset;       /* host offset of the table; 0: slot empty */
    uint64_t *table;       /* big-endian entries as on disk */
    uint64_t lru;
    /* Entries [dirty_lo, dirty_hi) changed since the table was last
     * written (write-back; dirty_hi 0: clean). */
    uint32_t dirty_lo, dirty_hi;
} Qcow2L2Cache;

typedef struct Qcow2Snapshot {
    uint64_t l1_table_offset;
    uint32_t l1_size;
    char *id_str;
    char *name;
    uint32_t date_sec, date_nsec;
    uint64_t vm_clock_nsec;
    uint64_t vm_state_size;
    uint64_t disk_size;
    uint64_t icount;           /* UINT64_MAX: unknown */
    uint32_t extra_size;       /* as read; we write 24 */
    uint8_t *extra_unknown;    /* extra data past what we know, kept verbatim */
} Qcow2Snapshot;

typedef struct Qcow2State {
    BlockDriverState *bs;
    BlockDriverState *file;
    uint32_t version;
    uint32_t cluster_bits, cluster_size, l2_bits, l2_size;
    uint64_t cluster_mask;     /* cluster_size - 1 */
    uint64_t size;             /* guest-visible bytes */
    uint32_t header_length;
    uint64_t incompat, compat, autoclear;

    uint64_t *l1_table;        /* host-endian entries */
    uint32_t l1_size;
    uint64_t l1_table_offset;
    uint32_t l1_vm_state_index;

    uint32_t refcount_order, refcount_bits;
    uint64_t refcount_max;
    uint32_t refblock_bits;    /* log2(entries per refcount block) */
    uint64_t *refcount_table;  /* host-endian */
    uint32_t refcount_table_entries;    /* capacity: clusters * cluster_size / 8 */
    uint64_t refcount_table_offset;
    uint32_t refcount_table_clusters;
    uint64_t free_cluster_index;
    uint64_t alloc_end;        /* clusters allocated this session end here */
    uint64_t compressed_cursor;        /* free bytes for compressed data start here (0: none) */
    bool refcounts_unflushed;  /* refcount writes not yet flushed (barrier before L2) */

    Qcow2L2Cache l2_cache[QCOW2_L2_CACHE_SIZE];
    uint64_t l2_lru_clock;
    uint8_t *rb_cache;         /* one refcount block, write-through */
    uint64_t rb_cache_offset;

    uint8_t *cluster_buf;      /* decompressed cluster cache */
    uint64_t cluster_buf_entry;        /* its L2 entry; 0: empty */
    uint8_t *cluster_cbuf;

    Qcow2Snapshot *snapshots;
    uint32_t nb_snapshots;
    uint64_t snapshots_offset;
    uint64_t snapshots_size;

    char *backing_file;
    char *backing_format;
    bool lazy_refcounts;
    bool dirty_set;            /* we set the dirty bit this session */
    bool read_only;
} Qcow2State;

static inline uint64_t qcow2_be64(const uint8_t *p)
{
    return ((uint64_t)p[0] << 56) | ((uint64_t)p[1] << 48) | ((uint64_t)p[2] << 40) |
           ((uint64_t)p[3] << 32) | ((uint64_t)p[4] << 24) | ((uint64_t)p[5] << 16) |
           ((uint64_t)p[6] << 8) | p[7];
}
static inline uint32_t qcow2_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline uint16_t qcow2_be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}
static inline void qcow2_st64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8) {
        p[i] = (uint8_t)v;
    }
}
static inline void qcow2_st32(uint8_t *p, uint32_t v)
{
    for (int i = 3; i >= 0; i--, v >>= 8) {
        p[i] = (uint8_t)v;
    }
}
static inline void qcow2_st16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline uint64_t qcow2_align_up(Qcow2State *s, uint64_t v)
{
    return (v + s->cluster_mask) & ~s->cluster_mask;
}
static inline uint64_t qcow2_l1_index(Qcow2State *s, uint64_t off)
{
    return off >> (s->cluster_bits + s->l2_bits);
}
static inline uint32_t qcow2_l2_index(Qcow2State *s, uint64_t off)
{
    return (uint32_t)((off >> s->cluster_bits) & (s->l2_size - 1));
}
static inline uint64_t qcow2_vm_state_offset(Qcow2State *s)
{
    return (uint64_t)s->l1_vm_state_index << (s->cluster_bits + s->l2_bits);
}

/* ---- qcow2.c ---- */
/* Rewrite header fields in place and flush (barrier for what follows). */
int qcow2_write_header_u64(Qcow2State *s, int field, uint64_t v);
int qcow2_write_header_u32(Qcow2State *s, int field, uint32_t v);
int qcow2_set_incompat(Qcow2State *s, uint64_t incompat);
/* Flush the file when refcount writes are pending (barrier before L2). */
int qcow2_refcount_barrier(Qcow2State *s);
/* Guest range read of the current view (COW source), any range. */
int qcow2_read_guest(Qcow2State *s, uint64_t offset, uint8_t *buf, uint64_t bytes);
int qcow2_write_guest(Qcow2State *s, uint64_t offset, const uint8_t *buf, uint64_t bytes);

/* ---- qcow2-cluster.c ---- */
/* The entry for guest offset off (0 if no L2 table); -EIO on a bad table. */
int qcow2_get_l2_entry(Qcow2State *s, uint64_t off, uint64_t *entry);
/* The L2 table covering off, writable (allocated or copied), loaded in
 * the cache; returns the slot (>= 0) or a negative errno. */
int qcow2_l2_writable(Qcow2State *s, uint64_t off);
int qcow2_l2_load(Qcow2State *s, uint64_t l2_offset);
/* Entries [first, first+n) of a cached table changed: written back
 * later (write-back cache), after the refcounts they depend on. */
int qcow2_l2_store(Qcow2State *s, int slot, uint32_t first, uint32_t n);
/* Write a slot's (or every slot's) changed entries now, the refcount
 * barrier first. */
int qcow2_l2_writeback(Qcow2State *s, int slot);
int qcow2_l2_writeback_all(Qcow2State *s);
/* Entries [first, first+n) of slot changed from old[]: stored, and the
 * clusters old[] named released once the new entries are on disk. */
int qcow2_l2_replace(Qcow2State *s, int slot, uint32_t first, uint32_t n, const uint64_t *old);
/* Write back, then forget every cached table. */
int qcow2_l2_cache_drop(Qcow2State *s);
int qcow2_grow_l1(Qcow2State *s, uint64_t min_size);
int qcow2_write_l1_entry(Qcow2State *s, uint32_t idx);
/* Host clusters a compressed entry occupies: first offset and count. */
void qcow2_compressed_range(Qcow2State *s, uint64_t entry, uint64_t *off, uint64_t *nb);
int qcow2_read_compressed(Qcow2State *s, uint64_t entry, uint8_t *out);
/* Release the clusters an L2 entry references (refcount -1). */
int qcow2_free_entry(Qcow2State *s, uint64_t entry);
int qcow2_write_compressed_cluster(Qcow2State *s, uint64_t off, const uint8_t *buf);
/* Recompute the COPIED flags of the active L1/L2 tables from refcounts. */
int qcow2_fix_copied(Qcow2State *s);
/* Walk an L1 table adding delta to the refcount of every L2 table and
 * data cluster it reaches (snapshots). */
int qcow2_update_tree_refcount(Qcow2State *s, const uint64_t *l1, uint32_t l1_size,
                               int delta);

/* ---- qcow2-refcount.c ---- */
bool qcow2_refcount_init(Qcow2State *s, Error **errp);
int qcow2_get_refcount(Qcow2State *s, uint64_t cluster, uint64_t *rc);
int qcow2_update_refcount(Qcow2State *s, uint64_t offset, uint64_t length, int64_t delta);
int qcow2_set_refcount(Qcow2State *s, uint64_t cluster, uint64_t rc);
/* Allocate n contiguous clusters (refcount 1), returning the host offset
 * or a negative errno. */
int64_t qcow2_alloc_clusters(Qcow2State *s, uint64_t n);
uint64_t qcow2_refblock_get(Qcow2State *s, const uint8_t *blk, uint64_t idx);
void qcow2_refblock_set(Qcow2State *s, uint8_t *blk, uint64_t idx, uint64_t v);
/* At open for writing: clusters past the end of the file that a killed
 * writer counted are not handed out again. */
void qcow2_refcount_note_tail(Qcow2State *s);
/* Make sure clusters [0, end) have refcount blocks. */
int qcow2_refcount_cover(Qcow2State *s, uint64_t end_cluster);
void qcow2_rb_cache_drop(Qcow2State *s);

/* ---- qcow2-snapshot.c ---- */
bool qcow2_read_snapshots(Qcow2State *s, Error **errp);
void qcow2_free_snapshots(Qcow2State *s);
bool qcow2_snapshot_create(BlockDriverState *bs, BlockSnapshotInfo *sn, Error **errp);
bool qcow2_snapshot_goto(BlockDriverState *bs, const char *id_or_name, Error **errp);
bool qcow2_snapshot_delete(BlockDriverState *bs, const char *id_or_name, Error **errp);
int qcow2_snapshot_list(BlockDriverState *bs, BlockSnapshotInfo **list);
int64_t qcow2_save_vmstate(BlockDriverState *bs, const uint8_t *buf, int64_t pos,
                           int64_t size);
int64_t qcow2_load_vmstate(BlockDriverState *bs, uint8_t *buf, int64_t pos, int64_t size);

/* ---- qcow2-check.c ---- */
int qcow2_check(BlockDriverState *bs, BlockCheckResult *res, int fix);
int qcow2_check_state(Qcow2State *s, BlockCheckResult *res, int fix);

/* ---- qcow2-create.c ---- */
bool qcow2_create(const char *filename, BlockOpts *opts, Error **errp);
extern const char *const qcow2_create_opts[];
extern const char *const qcow2_create_opts_help[];

#endif
