/*
 * qcow2 refcounts: a refcount table of 64-bit offsets of refcount
 * blocks, each block an array of 2^refcount_order-bit counts, one per
 * host cluster (qcow2.txt "Host cluster management").  Sub-byte widths
 * are packed from the least significant bit of each byte, wider ones are
 * big-endian.
 *
 * Crash consistency: a refcount is raised (and written) before anything
 * points at the cluster and lowered only after nothing does, so a process
 * killed in between leaves at worst a leak.  New refcount blocks are
 * written before the table entry naming them, a new table before the
 * header naming it, each step flushed.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <string.h>
#include "block/block-internal.h"
#include "block/qcow2.h"

uint64_t qcow2_refblock_get(Qcow2State *s, const uint8_t *blk, uint64_t idx)
{
    switch (s->refcount_order) {
    case 0: return (blk[idx / 8] >> (idx % 8)) & 1;
    case 1: return (blk[idx / 4] >> (2 * (idx % 4))) & 3;
    case 2: return (blk[idx / 2] >> (4 * (idx % 2))) & 15;
    case 3: return blk[idx];
    case 4: return qcow2_be16(blk + 2 * idx);
    case 5: return qcow2_be32(blk + 4 * idx);
    default: return qcow2_be64(blk + 8 * idx);
    }
}

void qcow2_refblock_set(Qcow2State *s, uint8_t *blk, uint64_t idx, uint64_t v)
{
    unsigned bits = s->refcount_bits;
    if (bits < 8) {
        unsigned per = 8 / bits, sh = (unsigned)(idx % per) * bits;
        uint8_t mask = (uint8_t)(((1u << bits) - 1) << sh);
        blk[idx / per] = (uint8_t)((blk[idx / per] & ~mask) | ((v << sh) & mask));
        return;
    }
    switch (bits) {
    case 8: blk[idx] = (uint8_t)v; break;
    case 16: qcow2_st16(blk + 2 * idx, (uint16_t)v); break;
    case 32: qcow2_st32(blk + 4 * idx, (uint32_t)v); break;
    default: qcow2_st64(blk + 8 * idx, v); break;
    }
}

bool qcow2_refcount_init(Qcow2State *s, Error **errp)
{
    uint64_t bytes = (uint64_t)s->refcount_table_clusters << s->cluster_bits;
    if (bytes > QCOW2_MAX_REFTABLE_BYTES || bytes == 0) {
        error_setg(errp, "qcow2: refcount table of %u clusters is %s",
                   s->refcount_table_clusters, bytes ? "too large" : "empty");
        return false;
    }
    if (s->refcount_table_offset & s->cluster_mask) {
        error_setg(errp, "qcow2: refcount table offset 0x%" G_GINT64_MODIFIER "x is not "
                   "cluster-aligned", s->refcount_table_offset);
        return false;
    }
    s->refcount_table_entries = (uint32_t)(bytes / 8);
    uint8_t *raw = g_malloc(bytes);
    int ret = bdrv_pread(s->file, s->refcount_table_offset, raw, bytes);
    if (ret < 0) {
        g_free(raw);
        error_setg_errno(errp, -ret, "qcow2: reading the refcount table");
        return false;
    }
    s->refcount_table = g_new(uint64_t, s->refcount_table_entries);
    for (uint32_t i = 0; i < s->refcount_table_entries; i++) {
        s->refcount_table[i] = qcow2_be64(raw + 8 * i);
    }
    g_free(raw);
    s->rb_cache = g_malloc(s->cluster_size);
    s->rb_cache_offset = 0;
    return true;
}

void qcow2_rb_cache_drop(Qcow2State *s)
{
    s->rb_cache_offset = 0;
}

/* The refcount block holding cluster's count in the cache; 0 and *have
 * false when the table has none. */
static int load_refblock(Qcow2State *s, uint64_t cluster, bool *have)
{
    uint64_t ti = cluster >> s->refblock_bits;
    *have = false;
    if (ti >= s->refcount_table_entries) {
        return 0;
    }
    uint64_t off = s->refcount_table[ti] & ~0x1ffull;
    if (!off) {
        return 0;
    }
    if (off & s->cluster_mask) {
        return -EIO;    /* a misaligned refcount block: corrupt image */
    }
    *have = true;
    if (s->rb_cache_offset == off) {
        return 0;
    }
    s->rb_cache_offset = 0;
    int ret = bdrv_pread(s->file, off, s->rb_cache, s->cluster_size);
    if (ret < 0) {
        return ret;
    }
    s->rb_cache_offset = off;
    return 0;
}

int qcow2_get_refcount(Qcow2State *s, uint64_t cluster, uint64_t *rc)
{
    bool have;
    int ret = load_refblock(s, cluster, &have);
    if (ret < 0) {
        return ret;
    }
    *rc = have ? qcow2_refblock_get(s, s->rb_cache, cluster & ((1ull << s->refblock_bits) - 1))
               : 0;
    return 0;
}

/* Does [off, off+len) touch the header or the tables we hold in memory?
 * Such a cluster is never handed out, whatever a corrupt refcount says. */
static bool overlaps_metadata(Qcow2State *s, uint64_t off, uint64_t len)
{
    struct { uint64_t o, l; } m[] = {
        { 0, s->cluster_size },
        { s->l1_table_offset, (uint64_t)s->l1_size * 8 },
        { s->refcount_table_offset, (uint64_t)s->refcount_table_clusters << s->cluster_bits },
        { s->snapshots_offset, s->snapshots_size },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(m); i++) {
        if (m[i].l && off < m[i].o + m[i].l && m[i].o < off + len) {
            return true;
        }
    }
    return false;
}

/* Where new clusters past everything in use start (in clusters). */
static uint64_t image_end_cluster(Qcow2State *s)
{
    int64_t len = bdrv_getlength(s->file);
    uint64_t end = len > 0 ? qcow2_align_up(s, (uint64_t)len) >> s->cluster_bits : 1;
    return MAX(MAX(end, s->free_cluster_index), s->alloc_end);
}

static bool table_has(Qcow2State *s, uint64_t i)
{
    return i < s->refcount_table_entries && (s->refcount_table[i] & ~0x1ffull);
}

void qcow2_refcount_note_tail(Qcow2State *s)
{
    /* A cluster's count is written before the data or table that extends
     * the file to it (so that no reference ever lacks its count): a
     * writer killed in between leaves counts past the end of the file.
     * Those clusters are leaked, not free; handing one out again would
     * count it twice.  New allocations start past the last of them.  One
     * allocation spans at most a few thousand clusters: counts far past
     * the end, and blocks that cannot be read, come from a corrupt image
     * and are left to check (an allocation meeting them fails). */
    int64_t len = bdrv_getlength(s->file);
    if (len < 0) {
        return;
    }
    uint64_t eof = qcow2_align_up(s, (uint64_t)len) >> s->cluster_bits;
    uint64_t rbe = 1ull << s->refblock_bits, end = eof, limit = eof + (1u << 16);
    for (uint64_t b = eof >> s->refblock_bits; b < s->refcount_table_entries &&
         b * rbe < limit; b++) {
        if (!table_has(s, b)) {
            continue;
        }
        for (uint64_t i = MAX(b * rbe, eof); i < MIN((b + 1) * rbe, limit); i++) {
            uint64_t rc;
            if (qcow2_get_refcount(s, i, &rc) < 0) {
                break;
            }
            if (rc) {
                end = i + 1;
            }
        }
    }
    s->alloc_end = MAX(s->alloc_end, end);
}

int qcow2_refcount_cover(Qcow2State *s, uint64_t end_cluster)
{
    uint64_t rbe = 1ull << s->refblock_bits;
    uint64_t need = (end_cluster + rbe - 1) >> s->refblock_bits;
    uint64_t i;
    /* Allocations end at most a few thousand clusters past the image's
     * end; a count far beyond it comes from a corrupt table entry. */
    if (end_cluster > image_end_cluster(s) + (1u << 16) ||
        need > QCOW2_MAX_REFTABLE_BYTES / 8) {
        return -EIO;
    }
    for (i = 0; i < need && table_has(s, i); i++) {
    }
    if (i == need) {
        return 0;
    }
    uint64_t E = MAX(image_end_cluster(s), end_cluster);
    uint64_t nb = 0, tbl = 0, R = 0;
    for (int iter = 0; iter < 16; iter++) {
        uint64_t T = E + nb + tbl;
        R = (T + rbe - 1) >> s->refblock_bits;
        uint64_t new_nb = 0;
        for (i = 0; i < R; i++) {
            new_nb += !table_has(s, i);
        }
        /* A bigger table gets room to spare, so it moves rarely. */
        uint64_t new_tbl = R > s->refcount_table_entries
                           ? qcow2_align_up(s, (R + R / 4 + 1) * 8) >> s->cluster_bits : 0;
        if (new_nb == nb && new_tbl == tbl) {
            break;
        }
        nb = new_nb;
        tbl = new_tbl;
    }
    if (((tbl ? tbl : s->refcount_table_clusters) << s->cluster_bits) >
        QCOW2_MAX_REFTABLE_BYTES) {
        return -EFBIG;
    }
    if (nb > (1u << 16)) {
        return -EIO;    /* a hole of millions of clusters: a corrupt offset grew the file */
    }
    uint64_t new_entries = tbl ? (tbl << s->cluster_bits) / 8 : s->refcount_table_entries;
    uint64_t *nt = g_new0(uint64_t, new_entries);
    memcpy(nt, s->refcount_table, s->refcount_table_entries * 8);
    uint8_t **blocks = g_new0(uint8_t *, nb ? nb : 1);
    uint64_t *block_idx = g_new0(uint64_t, nb ? nb : 1);
    uint64_t j = 0;
    for (i = 0; i < R; i++) {
        if (!table_has(s, i)) {
            nt[i] = (E + j) << s->cluster_bits;
            block_idx[j] = i;
            blocks[j++] = g_malloc0(s->cluster_size);
        }
    }
    int ret = 0;
    /* Count the new metadata clusters: in the new blocks' buffers, or in
     * the existing blocks (written first: an early count is a leak at
     * worst). */
    for (uint64_t m = E; m < E + nb + tbl && ret >= 0; m++) {
        uint64_t ti = m >> s->refblock_bits;
        if (table_has(s, ti)) {
            ret = qcow2_update_refcount(s, m << s->cluster_bits, 1, 1);
            continue;
        }
        for (j = 0; j < nb; j++) {
            if (block_idx[j] == ti) {
                qcow2_refblock_set(s, blocks[j], m & (rbe - 1), 1);
            }
        }
    }
    for (j = 0; j < nb && ret >= 0; j++) {
        ret = bdrv_pwrite(s->file, (E + j) << s->cluster_bits, blocks[j], s->cluster_size);
    }
    if (ret >= 0) {
        ret = bdrv_flush(s->file);
    }
    uint64_t old_off = s->refcount_table_offset, old_clusters = s->refcount_table_clusters;
    if (ret >= 0) {
        uint8_t *raw = g_malloc(new_entries * 8);
        for (i = 0; i < new_entries; i++) {
            qcow2_st64(raw + 8 * i, nt[i]);
        }
        if (tbl) {
            uint64_t toff = (E + nb) << s->cluster_bits;
            ret = bdrv_pwrite_sync(s->file, toff, raw, new_entries * 8);
            if (ret >= 0) {
                /* Offset and cluster count in one write (header bytes 48-59). */
                uint8_t h[12];
                qcow2_st64(h, toff);
                qcow2_st32(h + 8, (uint32_t)tbl);
                ret = bdrv_pwrite_sync(s->file, HDR_RT_OFFSET, h, sizeof(h));
            }
            if (ret >= 0) {
                g_free(s->refcount_table);
                s->refcount_table = nt;
                nt = NULL;
                s->refcount_table_entries = (uint32_t)new_entries;
                s->refcount_table_offset = toff;
                s->refcount_table_clusters = (uint32_t)tbl;
                ret = qcow2_update_refcount(s, old_off, old_clusters << s->cluster_bits, -1);
            }
        } else {
            uint64_t lo = block_idx[0], hi = block_idx[nb - 1] + 1;
            ret = bdrv_pwrite_sync(s->file, s->refcount_table_offset + lo * 8, raw + lo * 8,
                                   (hi - lo) * 8);
            if (ret >= 0) {
                memcpy(s->refcount_table, nt, new_entries * 8);
            }
        }
        g_free(raw);
    }
    if (ret >= 0 && E + nb + tbl > s->free_cluster_index) {
        /* Nothing below E was touched; the allocator continues past. */
        s->alloc_end = MAX(s->alloc_end, E + nb + tbl);
    }
    for (j = 0; j < nb; j++) {
        g_free(blocks[j]);
    }
    g_free(blocks);
    g_free(block_idx);
    g_free(nt);
    return ret;
}

int qcow2_update_refcount(Qcow2State *s, uint64_t offset, uint64_t length, int64_t delta)
{
    if (!length) {
        return 0;
    }
    uint64_t first = offset >> s->cluster_bits;
    uint64_t last = (offset + length - 1) >> s->cluster_bits;
    uint64_t cc = s->compressed_cursor >> s->cluster_bits;
    if (delta < 0 && s->compressed_cursor && cc >= first && cc <= last) {
        s->compressed_cursor = 0;   /* never pack into a cluster that may be reused */
    }
    uint64_t rbe_mask = (1ull << s->refblock_bits) - 1;
    int ret = 0;
    uint64_t covered_at = UINT64_MAX;
    for (uint64_t c = first; c <= last && ret >= 0;) {
        bool have;
        ret = load_refblock(s, c, &have);
        if (ret < 0) {
            break;
        }
        if (!have) {
            if (delta < 0 || covered_at == c) {
                return -EIO;    /* freeing a cluster nobody counted: corrupt */
            }
            covered_at = c;
            ret = qcow2_refcount_cover(s, last + 1);
            continue;
        }
        /* The clusters of [c, last] this block holds, written together. */
        uint64_t blk_off = s->rb_cache_offset;
        uint64_t end = MIN(last, c | rbe_mask);
        uint64_t lo_byte = ((c & rbe_mask) << s->refcount_order) / 8;
        uint64_t hi_byte = ((((end & rbe_mask) + 1) << s->refcount_order) + 7) / 8;
        for (; c <= end; c++) {
            uint64_t idx = c & rbe_mask;
            uint64_t v = qcow2_refblock_get(s, s->rb_cache, idx);
            if ((delta < 0 && v < (uint64_t)-delta) ||
                (delta > 0 && s->refcount_max - v < (uint64_t)delta)) {
                ret = delta < 0 ? -EIO : -ERANGE;
                break;
            }
            v += delta;
            qcow2_refblock_set(s, s->rb_cache, idx, v);
            if (v == 0 && c < s->free_cluster_index) {
                s->free_cluster_index = c;
            }
        }
        int wret = bdrv_pwrite(s->file, blk_off + lo_byte, s->rb_cache + lo_byte,
                               hi_byte - lo_byte);
        s->refcounts_unflushed = true;
        if (ret >= 0) {
            ret = wret;
        }
    }
    return ret;
}

int qcow2_set_refcount(Qcow2State *s, uint64_t cluster, uint64_t rc)
{
    uint64_t cur;
    int ret = qcow2_get_refcount(s, cluster, &cur);
    if (ret < 0 || cur == rc) {
        return ret;
    }
    if (rc > s->refcount_max) {
        return -ERANGE;
    }
    return qcow2_update_refcount(s, cluster << s->cluster_bits, 1,
                                 rc > cur ? (int64_t)(rc - cur) : -(int64_t)(cur - rc));
}

int64_t qcow2_alloc_clusters(Qcow2State *s, uint64_t n)
{
    uint64_t start = s->free_cluster_index, run = 0;
    uint64_t c = start;
    /* The first run of n free clusters; the search ends at the image's
     * end, past which everything is free. */
    uint64_t end = image_end_cluster(s);
    while (run < n) {
        if (c >= end) {
            if (!run) {
                start = c;  /* the rest is past the end: free */
            }
            break;
        }
        uint64_t rc;
        int ret = qcow2_get_refcount(s, c, &rc);
        if (ret < 0) {
            return ret;
        }
        if (rc == 0 && !overlaps_metadata(s, c << s->cluster_bits, s->cluster_size)) {
            if (!run) {
                start = c;
            }
            run++;
        } else {
            run = 0;
            if (start == s->free_cluster_index && c == start) {
                s->free_cluster_index = c + 1;
            }
            start = c + 1;
        }
        c++;
    }
    if (start + n > (1ull << (56 - s->cluster_bits))) {
        return -EFBIG;   /* past what an L2 entry can hold (56-bit offsets) */
    }
    int ret = qcow2_refcount_cover(s, start + n);
    if (ret < 0) {
        return ret;
    }
    ret = qcow2_update_refcount(s, start << s->cluster_bits, n << s->cluster_bits, 1);
    if (ret < 0) {
        return ret;
    }
    if (start == s->free_cluster_index) {
        s->free_cluster_index = start + n;
    }
    s->alloc_end = MAX(s->alloc_end, start + n);
    return (int64_t)(start << s->cluster_bits);
}
