/*
 * qcow2 check and repair: count every reference to every host cluster
 * (header, L1 tables, L2 tables, data, refcount table and blocks,
 * snapshot table) and compare with the stored refcounts.  A stored count
 * above the real one is a leak (harmless, repaired with BDRV_FIX_LEAKS);
 * below it is a corruption (a write could overwrite shared data; repaired
 * with BDRV_FIX_ERRORS).  The copied flags of the active tables must say
 * whether the count is exactly 1, as qemu-img check demands; -r all
 * rewrites them.  Used by `check` and, with both fixes, when a dirty image
 * (lazy refcounts, killed) is opened.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <string.h>
#include "block/block-internal.h"
#include "block/qcow2.h"

/* 16M host clusters (64 MiB of counts): 8 GiB of 512-byte clusters, 1 TiB
 * of 64 KiB ones. */
#define QCOW2_CHECK_MAX_CLUSTERS (1ull << 24)

typedef struct CheckCtx {
    Qcow2State *s;
    BlockCheckResult *res;
    uint32_t *refs;
    uint64_t nb;
    uint8_t *tbl;
} CheckCtx;

static void inc(CheckCtx *c, uint64_t off, uint64_t len)
{
    if (!len) {
        return;
    }
    uint64_t first = off >> c->s->cluster_bits;
    uint64_t last = (off + len - 1) >> c->s->cluster_bits;
    for (uint64_t i = first; i <= last; i++) {
        if (i >= c->nb) {
            c->res->corruptions++;   /* a reference past the end of the file */
            return;
        }
        if (c->refs[i] < UINT32_MAX) {
            c->refs[i]++;
        }
    }
}

static void walk_l1(CheckCtx *c, const uint64_t *l1, uint32_t size, bool active)
{
    Qcow2State *s = c->s;
    for (uint32_t i = 0; i < size; i++) {
        uint64_t l2off = l1[i] & L1E_OFFSET_MASK;
        if (!l2off) {
            continue;
        }
        if (l2off & s->cluster_mask) {
            c->res->corruptions++;
            continue;
        }
        inc(c, l2off, s->cluster_size);
        if (bdrv_pread(s->file, l2off, c->tbl, s->cluster_size) < 0) {
            c->res->check_errors++;
            continue;
        }
        /* Fragmentation as qemu-img check reports it: within one L2 table,
         * a data cluster not right after the previous one in the file is
         * fragmented (the first of each table is not), and a compressed
         * cluster always is (it shares sectors with its neighbours). */
        uint64_t next_contig = 0;
        for (uint32_t j = 0; j < s->l2_size; j++) {
            uint64_t e = qcow2_be64(c->tbl + 8 * j);
            if (e & QCOW_OFLAG_COMPRESSED) {
                uint64_t coff, csize;
                qcow2_compressed_range(s, e, &coff, &csize);
                inc(c, coff, csize);
                if (active) {
                    c->res->compressed_clusters++;
                    c->res->allocated_clusters++;
                    c->res->fragmented_clusters++;
                }
                continue;
            }
            uint64_t off = e & L2E_OFFSET_MASK;
            if (!off) {
                continue;
            }
            if (off & s->cluster_mask) {
                c->res->corruptions++;
                continue;
            }
            inc(c, off, s->cluster_size);
            if (active) {
                c->res->allocated_clusters++;
                if (next_contig && off != next_contig) {
                    c->res->fragmented_clusters++;
                }
                next_contig = off + s->cluster_size;
            }
        }
    }
}

static int compare(CheckCtx *c, int fix)
{
    Qcow2State *s = c->s;
    BlockCheckResult *res = c->res;
    int ret = 0;
    for (uint64_t i = 0; i < c->nb; i++) {
        uint64_t rc;
        if (qcow2_get_refcount(s, i, &rc) < 0) {
            res->check_errors++;
            continue;
        }
        uint64_t want = c->refs[i];
        if (rc == want) {
            continue;
        }
        bool leak = rc > want;
        if (leak) {
            res->leaks++;
        } else {
            res->corruptions++;
        }
        if ((leak && (fix & BDRV_FIX_LEAKS)) || (!leak && (fix & BDRV_FIX_ERRORS))) {
            ret = qcow2_set_refcount(s, i, want);
            if (ret < 0) {
                res->check_errors++;
                return ret;
            }
            if (leak) {
                res->leaks_fixed++;
            } else {
                res->corruptions_fixed++;
            }
        }
    }
    /* Counts past the end of the file in the last refcount blocks: clusters
     * allocated by a writer killed before it wrote them. */
    uint64_t rbe = 1ull << s->refblock_bits;
    uint64_t last_block = (c->nb >> s->refblock_bits) + 1;
    for (uint64_t b = c->nb >> s->refblock_bits; b <= last_block; b++) {
        if (b >= s->refcount_table_entries || !(s->refcount_table[b] & ~0x1ffull)) {
            continue;
        }
        for (uint64_t i = MAX(b * rbe, c->nb); i < (b + 1) * rbe; i++) {
            uint64_t rc;
            if (qcow2_get_refcount(s, i, &rc) < 0) {
                res->check_errors++;
                break;
            }
            if (rc) {
                res->leaks++;
                if (fix & BDRV_FIX_LEAKS) {
                    ret = qcow2_set_refcount(s, i, 0);
                    if (ret < 0) {
                        return ret;
                    }
                    res->leaks_fixed++;
                }
            }
        }
    }
    return 0;
}

/* Is the copied flag of entry e (bit 63: the cluster's refcount is exactly
 * 1, so a write may go in place; qcow2.txt "Cluster mapping") wrong for the
 * stored count of the cluster at off?  An offset past the end of the file
 * was counted as a corruption already. */
static bool copied_wrong(CheckCtx *c, uint64_t e, uint64_t off)
{
    uint64_t rc;
    if ((off >> c->s->cluster_bits) >= c->nb) {
        return false;
    }
    if (qcow2_get_refcount(c->s, off >> c->s->cluster_bits, &rc) < 0) {
        c->res->check_errors++;
        return false;
    }
    return (rc == 1) != !!(e & QCOW_OFLAG_COPIED);
}

/* Copied flags of the active L1 and L2 tables that disagree with the
 * stored counts (after any repair of the counts): qemu-img check's
 * "ERROR OFLAG_COPIED", corruptions.  A refcount of 2 on a cluster one
 * table names is only a leak to the counts, but a writer trusting the
 * flag and one trusting the count would disagree about writing in
 * place. */
static void count_copied(CheckCtx *c)
{
    Qcow2State *s = c->s;
    for (uint32_t i = 0; i < s->l1_size; i++) {
        uint64_t l2off = s->l1_table[i] & L1E_OFFSET_MASK;
        if (!l2off || (l2off & s->cluster_mask)) {
            continue;
        }
        c->res->corruptions += copied_wrong(c, s->l1_table[i], l2off);
        if ((l2off >> s->cluster_bits) >= c->nb ||
            bdrv_pread(s->file, l2off, c->tbl, s->cluster_size) < 0) {
            continue;
        }
        for (uint32_t j = 0; j < s->l2_size; j++) {
            uint64_t e = qcow2_be64(c->tbl + 8 * j);
            uint64_t off = e & L2E_OFFSET_MASK;
            if ((e & QCOW_OFLAG_COMPRESSED) || !off || (off & s->cluster_mask)) {
                continue;
            }
            c->res->corruptions += copied_wrong(c, e, off);
        }
    }
}

static void count_all(CheckCtx *c)
{
    Qcow2State *s = c->s;
    memset(c->refs, 0, c->nb * sizeof(uint32_t));
    inc(c, 0, s->cluster_size);
    inc(c, s->l1_table_offset, s->l1_size * 8ull);
    walk_l1(c, s->l1_table, s->l1_size, true);
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        Qcow2Snapshot *sn = &s->snapshots[i];
        inc(c, sn->l1_table_offset, sn->l1_size * 8ull);
        uint8_t *raw = g_malloc(sn->l1_size * 8ull + 8);
        if (bdrv_pread(s->file, sn->l1_table_offset, raw, sn->l1_size * 8ull) < 0) {
            c->res->check_errors++;
        } else {
            uint64_t *l1 = g_new(uint64_t, sn->l1_size + 1);
            for (uint32_t j = 0; j < sn->l1_size; j++) {
                l1[j] = qcow2_be64(raw + 8 * j);
            }
            walk_l1(c, l1, sn->l1_size, false);
            g_free(l1);
        }
        g_free(raw);
    }
    inc(c, s->snapshots_offset, s->snapshots_size);
    inc(c, s->refcount_table_offset, (uint64_t)s->refcount_table_clusters << s->cluster_bits);
    for (uint32_t i = 0; i < s->refcount_table_entries; i++) {
        uint64_t off = s->refcount_table[i] & ~0x1ffull;
        if (!off) {
            continue;
        }
        if (off & s->cluster_mask) {
            c->res->corruptions++;
            continue;
        }
        inc(c, off, s->cluster_size);
    }
}

int qcow2_check_state(Qcow2State *s, BlockCheckResult *res, int fix)
{
    memset(res, 0, sizeof(*res));
    /* The check reads every table from disk: cached changes go first. */
    int dret = qcow2_l2_cache_drop(s);
    if (dret < 0) {
        return dret;
    }
    int64_t flen = bdrv_getlength(s->file);
    if (flen < 0) {
        return (int)flen;
    }
    CheckCtx c = { .s = s, .res = res };
    c.nb = qcow2_align_up(s, (uint64_t)flen) >> s->cluster_bits;
    if (c.nb > QCOW2_CHECK_MAX_CLUSTERS) {
        return -EFBIG;   /* the count array would not fit in memory */
    }
    c.refs = g_new0(uint32_t, c.nb + 1);
    c.tbl = g_malloc(s->cluster_size);
    count_all(&c);
    int ret = 0;
    if (fix) {
        /* Repairs may add refcount blocks: a second pass counts them
         * (and repairs what the first pass's own changes left). */
        ret = compare(&c, fix);
        if (ret >= 0) {
            int64_t flen2 = bdrv_getlength(s->file);
            uint64_t nb2 = flen2 > 0 ? qcow2_align_up(s, (uint64_t)flen2) >> s->cluster_bits : 0;
            if (nb2 > c.nb && nb2 <= QCOW2_CHECK_MAX_CLUSTERS) {
                c.refs = g_renew(uint32_t, c.refs, nb2 + 1);
                c.nb = nb2;
            }
            BlockCheckResult after = { 0 };
            c.res = &after;
            count_all(&c);
            ret = compare(&c, fix);
            c.res = res;
            res->leaks += after.leaks_fixed;
            res->leaks_fixed += after.leaks_fixed;
            res->corruptions += after.corruptions_fixed;
            res->corruptions_fixed += after.corruptions_fixed;
        }
        if (ret >= 0 && (fix & BDRV_FIX_ERRORS)) {
            BlockCheckResult flags = { 0 };
            c.res = &flags;
            count_copied(&c);
            c.res = res;
            ret = qcow2_fix_copied(s);
            res->check_errors += flags.check_errors;
            if (ret >= 0) {
                res->corruptions += flags.corruptions;
                res->corruptions_fixed += flags.corruptions;
            }
        } else if (ret >= 0) {
            count_copied(&c);
        }
    } else {
        ret = compare(&c, 0);
        count_copied(&c);
    }
    res->image_end_offset = (int64_t)(c.nb << s->cluster_bits);
    uint64_t span = s->cluster_size;
    res->total_clusters = (int64_t)((s->size + span - 1) / span);
    g_free(c.refs);
    g_free(c.tbl);
    return ret;
}
