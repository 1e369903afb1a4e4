/*
 * qcow2 cluster mapping: a guest offset splits into an L1 index, an L2
 * index and an offset in the cluster (qcow2.txt "Cluster mapping").  L2
 * tables are cached (a few tables, least recently used out); the L1 table
 * is held whole.
 *
 * The L2 cache is write-back: a guest write that allocates clusters
 * raises their refcounts on disk, writes the data, and only marks the
 * entries dirty.  A dirty table is written when it leaves the cache, on
 * a flush, and before anything reads tables from disk (snapshots, check),
 * each time after a flush of the refcount writes (the refcount barrier),
 * so that no entry on disk ever names a cluster whose refcount is not
 * there: a kill leaves at worst leaks, and whatever the guest flushed is
 * on disk.  An entry that drops a reference to an old cluster is written
 * at once, before the refcount goes down.  Without this every allocating
 * write cost an fdatasync (docs/qcow2.md "Write order").
 *
 * Order of writes for a new or copied L2 table: its cluster's refcount,
 * flush, the table, flush, then the L1 entry; the old table's refcount is
 * dropped last.  A kill at any point leaves the old mapping or the new
 * one, and at worst a leaked cluster.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <string.h>
#include <zlib.h>
#include "block/block-internal.h"
#include "block/qcow2.h"

int qcow2_l2_writeback(Qcow2State *s, int slot)
{
    Qcow2L2Cache *c = &s->l2_cache[slot];
    if (!c->dirty_hi) {
        return 0;
    }
    int ret = qcow2_refcount_barrier(s);
    if (ret >= 0) {
        ret = bdrv_pwrite(s->file, c->offset + 8ull * c->dirty_lo,
                          (uint8_t *)c->table + 8ull * c->dirty_lo,
                          8ull * (c->dirty_hi - c->dirty_lo));
    }
    if (ret >= 0) {
        c->dirty_lo = c->dirty_hi = 0;
    }
    return ret;
}

int qcow2_l2_writeback_all(Qcow2State *s)
{
    int ret = 0;
    for (int i = 0; i < QCOW2_L2_CACHE_SIZE && ret >= 0; i++) {
        if (s->l2_cache[i].offset) {
            ret = qcow2_l2_writeback(s, i);
        }
    }
    return ret;
}

int qcow2_l2_cache_drop(Qcow2State *s)
{
    int ret = qcow2_l2_writeback_all(s);
    for (int i = 0; i < QCOW2_L2_CACHE_SIZE; i++) {
        s->l2_cache[i].offset = 0;
        s->l2_cache[i].dirty_lo = s->l2_cache[i].dirty_hi = 0;
    }
    return ret;
}

int qcow2_l2_load(Qcow2State *s, uint64_t l2_offset)
{
    int victim = 0;
    for (int i = 0; i < QCOW2_L2_CACHE_SIZE; i++) {
        Qcow2L2Cache *c = &s->l2_cache[i];
        if (c->offset == l2_offset) {
            c->lru = ++s->l2_lru_clock;
            return i;
        }
        if (c->lru < s->l2_cache[victim].lru) {
            victim = i;
        }
    }
    Qcow2L2Cache *c = &s->l2_cache[victim];
    if (!c->table) {
        c->table = g_malloc(s->cluster_size);
    }
    if (c->offset) {
        int ret = qcow2_l2_writeback(s, victim);
        if (ret < 0) {
            return ret;
        }
    }
    c->offset = 0;
    int ret = bdrv_pread(s->file, l2_offset, c->table, s->cluster_size);
    if (ret < 0) {
        return ret;
    }
    c->offset = l2_offset;
    c->lru = ++s->l2_lru_clock;
    return victim;
}

static uint64_t l2_get(Qcow2State *s, int slot, uint32_t i)
{
    return qcow2_be64((uint8_t *)s->l2_cache[slot].table + 8 * i);
}

int qcow2_l2_store(Qcow2State *s, int slot, uint32_t first, uint32_t n)
{
    Qcow2L2Cache *c = &s->l2_cache[slot];
    if (!n) {
        return 0;
    }
    if (!c->dirty_hi) {
        c->dirty_lo = first;
        c->dirty_hi = first + n;
    } else {
        c->dirty_lo = MIN(c->dirty_lo, first);
        c->dirty_hi = MAX(c->dirty_hi, first + n);
    }
    return 0;
}

int qcow2_get_l2_entry(Qcow2State *s, uint64_t off, uint64_t *entry)
{
    uint64_t l1i = qcow2_l1_index(s, off);
    *entry = 0;
    if (l1i >= s->l1_size) {
        return 0;
    }
    uint64_t l2off = s->l1_table[l1i] & L1E_OFFSET_MASK;
    if (!l2off) {
        return 0;
    }
    if (l2off & s->cluster_mask) {
        return -EIO;
    }
    int slot = qcow2_l2_load(s, l2off);
    if (slot < 0) {
        return slot;
    }
    *entry = l2_get(s, slot, qcow2_l2_index(s, off));
    return 0;
}

int qcow2_write_l1_entry(Qcow2State *s, uint32_t idx)
{
    uint8_t b[8];
    qcow2_st64(b, s->l1_table[idx]);
    return bdrv_pwrite(s->file, s->l1_table_offset + 8ull * idx, b, 8);
}

int qcow2_grow_l1(Qcow2State *s, uint64_t min_size)
{
    if (min_size <= s->l1_size) {
        return 0;
    }
    uint64_t new_size = MAX(min_size, (uint64_t)s->l1_size + s->l1_size / 2);
    if (new_size * 8 > QCOW2_MAX_L1_BYTES) {
        new_size = min_size;
    }
    if (new_size * 8 > QCOW2_MAX_L1_BYTES) {
        return -EFBIG;
    }
    uint64_t bytes = qcow2_align_up(s, new_size * 8);
    int64_t off = qcow2_alloc_clusters(s, bytes >> s->cluster_bits);
    if (off < 0) {
        return (int)off;
    }
    uint8_t *raw = g_malloc0(bytes);
    for (uint32_t i = 0; i < s->l1_size; i++) {
        qcow2_st64(raw + 8 * i, s->l1_table[i]);
    }
    int ret = bdrv_flush(s->file);
    if (ret >= 0) {
        ret = bdrv_pwrite_sync(s->file, off, raw, bytes);
    }
    g_free(raw);
    if (ret < 0) {
        return ret;
    }
    /* Size and offset in one write (header bytes 36-47). */
    uint8_t h[12];
    qcow2_st32(h, (uint32_t)new_size);
    qcow2_st64(h + 4, (uint64_t)off);
    ret = bdrv_pwrite_sync(s->file, HDR_L1_SIZE, h, sizeof(h));
    if (ret < 0) {
        return ret;
    }
    uint64_t old_off = s->l1_table_offset, old_bytes = qcow2_align_up(s, s->l1_size * 8ull);
    s->l1_table = g_renew(uint64_t, s->l1_table, new_size);
    memset(s->l1_table + s->l1_size, 0, (new_size - s->l1_size) * 8);
    s->l1_size = (uint32_t)new_size;
    s->l1_table_offset = (uint64_t)off;
    return old_bytes && old_off ? qcow2_update_refcount(s, old_off, old_bytes, -1) : 0;
}

int qcow2_l2_writable(Qcow2State *s, uint64_t off)
{
    uint64_t l1i = qcow2_l1_index(s, off);
    int ret = qcow2_grow_l1(s, l1i + 1);
    if (ret < 0) {
        return ret;
    }
    uint64_t l1e = s->l1_table[l1i];
    uint64_t old = l1e & L1E_OFFSET_MASK;
    if (old & s->cluster_mask) {
        return -EIO;
    }
    if (old && (l1e & QCOW_OFLAG_COPIED)) {
        return qcow2_l2_load(s, old);
    }
    int slot = -1;
    if (old) {
        slot = qcow2_l2_load(s, old);
        if (slot < 0) {
            return slot;
        }
    }
    int64_t noff = qcow2_alloc_clusters(s, 1);
    if (noff < 0) {
        return (int)noff;
    }
    if (old) {
        /* The allocation may have reloaded the cache slot's neighbours,
         * never the slot itself; reload to be sure it is still there. */
        slot = qcow2_l2_load(s, old);
        if (slot >= 0) {
            /* Changes pending for the shared table stay with it. */
            int wret = qcow2_l2_writeback(s, slot);
            slot = wret < 0 ? wret : slot;
        }
        if (slot < 0) {
            return slot;
        }
    } else {
        slot = qcow2_l2_load(s, (uint64_t)noff);   /* fills a slot; zeroed below */
        if (slot < 0) {
            return slot;
        }
        memset(s->l2_cache[slot].table, 0, s->cluster_size);
    }
    for (int i = 0; i < QCOW2_L2_CACHE_SIZE; i++) {
        if (i != slot && s->l2_cache[i].offset == (uint64_t)noff) {
            s->l2_cache[i].offset = 0;   /* a stale copy of a freed table */
        }
    }
    Qcow2L2Cache *c = &s->l2_cache[slot];
    c->offset = (uint64_t)noff;
    ret = bdrv_flush(s->file);
    if (ret >= 0) {
        ret = bdrv_pwrite_sync(s->file, (uint64_t)noff, c->table, s->cluster_size);
    }
    if (ret < 0) {
        c->offset = 0;
        c->dirty_lo = c->dirty_hi = 0;
        return ret;
    }
    c->dirty_lo = c->dirty_hi = 0;     /* written whole */
    s->refcounts_unflushed = false;
    s->l1_table[l1i] = (uint64_t)noff | QCOW_OFLAG_COPIED;
    ret = qcow2_write_l1_entry(s, (uint32_t)l1i);
    if (ret >= 0 && old) {
        ret = qcow2_update_refcount(s, old, s->cluster_size, -1);
    }
    return ret < 0 ? ret : slot;
}

void qcow2_compressed_range(Qcow2State *s, uint64_t entry, uint64_t *off, uint64_t *nb)
{
    unsigned x = 62 - (s->cluster_bits - 8);
    uint64_t coff = entry & ((1ull << x) - 1);
    uint64_t sectors = ((entry >> x) & ((1ull << (s->cluster_bits - 8)) - 1)) + 1;
    *off = coff;
    *nb = sectors * 512 - (coff & 511);   /* bytes, as qcow2.txt defines */
}

int qcow2_read_compressed(Qcow2State *s, uint64_t entry, uint8_t *out)
{
    if (s->cluster_buf_entry == entry && entry) {
        memcpy(out, s->cluster_buf, s->cluster_size);
        return 0;
    }
    uint64_t coff, csize;
    qcow2_compressed_range(s, entry, &coff, &csize);
    if (!s->cluster_cbuf) {
        s->cluster_cbuf = g_malloc(2ull * s->cluster_size);
        s->cluster_buf = g_malloc(s->cluster_size);
    }
    int ret = bdrv_pread(s->file, coff, s->cluster_cbuf, csize);
    if (ret < 0) {
        return ret;
    }
    z_stream z = { 0 };
    /* Raw deflate with a 4 KiB window (qcow2.txt "Compressed Clusters"). */
    if (inflateInit2(&z, -12) != Z_OK) {
        return -ENOMEM;
    }
    z.next_in = s->cluster_cbuf;
    z.avail_in = (uInt)csize;
    z.next_out = s->cluster_buf;
    z.avail_out = s->cluster_size;
    int zr = inflate(&z, Z_FINISH);
    bool ok = (zr == Z_STREAM_END || zr == Z_BUF_ERROR) && z.avail_out == 0;
    inflateEnd(&z);
    s->cluster_buf_entry = 0;
    if (!ok) {
        return -EIO;
    }
    s->cluster_buf_entry = entry;
    memcpy(out, s->cluster_buf, s->cluster_size);
    return 0;
}

int qcow2_free_entry(Qcow2State *s, uint64_t entry)
{
    if (entry & QCOW_OFLAG_COMPRESSED) {
        uint64_t coff, csize;
        qcow2_compressed_range(s, entry, &coff, &csize);
        return qcow2_update_refcount(s, coff, csize, -1);
    }
    uint64_t off = entry & L2E_OFFSET_MASK;
    return off ? qcow2_update_refcount(s, off, s->cluster_size, -1) : 0;
}

int qcow2_l2_replace(Qcow2State *s, int slot, uint32_t first, uint32_t n, const uint64_t *old)
{
    int ret = qcow2_l2_store(s, slot, first, n);
    bool frees = false;
    for (uint32_t i = 0; i < n; i++) {
        frees |= (old[i] & L2E_OFFSET_MASK) != 0;
    }
    if (!frees || ret < 0) {
        return ret;
    }
    /* The new entries reach the disk before any reference goes: a kill in
     * between leaks the old clusters rather than leaving an entry that
     * names a cluster counted as free (or shared but marked COPIED). */
    ret = qcow2_l2_writeback(s, slot);
    if (ret >= 0) {
        ret = bdrv_flush(s->file);
    }
    for (uint32_t i = 0; i < n && ret >= 0; i++) {
        ret = qcow2_free_entry(s, old[i]);
    }
    return ret;
}

int qcow2_write_compressed_cluster(Qcow2State *s, uint64_t off, const uint8_t *buf)
{
    uint8_t *out = g_malloc(s->cluster_size);
    z_stream z = { 0 };
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -12, 9, Z_DEFAULT_STRATEGY)
        != Z_OK) {
        g_free(out);
        return -ENOMEM;
    }
    z.next_in = (uint8_t *)buf;
    z.avail_in = s->cluster_size;
    z.next_out = out;
    z.avail_out = s->cluster_size;
    int zr = deflate(&z, Z_FINISH);
    uint64_t csize = s->cluster_size - z.avail_out;
    deflateEnd(&z);
    if (zr != Z_STREAM_END || csize >= s->cluster_size) {
        g_free(out);
        /* Does not shrink: stored as a normal cluster, as QEMU does. */
        return qcow2_write_guest(s, off, buf, s->cluster_size);
    }
    int ret = 0;
    int64_t host;
    uint64_t cur = s->compressed_cursor;
    if (cur && (cur & s->cluster_mask) && (cur & s->cluster_mask) + csize <= s->cluster_size) {
        /* Packed after the previous compressed cluster in the same host
         * cluster, which gains a reference (qcow2.txt counts each). */
        host = (int64_t)cur;
        ret = qcow2_update_refcount(s, cur, 1, 1);
    } else {
        host = qcow2_alloc_clusters(s, 1);
        if (host < 0) {
            ret = (int)host;
        }
    }
    if (ret >= 0) {
        uint64_t next = ((uint64_t)host + csize + 511) & ~511ull;
        s->compressed_cursor = (next & s->cluster_mask) ? next : 0;
    }
    if (ret >= 0) {
        ret = bdrv_pwrite(s->file, (uint64_t)host, out, csize);
    }
    int slot = ret >= 0 ? qcow2_l2_writable(s, off) : ret;
    ret = slot < 0 ? slot : ret;
    if (ret >= 0) {
        unsigned x = 62 - (s->cluster_bits - 8);
        uint64_t sectors = (((uint64_t)host + csize + 511) >> 9) - ((uint64_t)host >> 9);
        uint64_t entry = QCOW_OFLAG_COMPRESSED | ((sectors - 1) << x) | (uint64_t)host;
        uint32_t i = qcow2_l2_index(s, off);
        uint64_t old = l2_get(s, slot, i);
        qcow2_st64((uint8_t *)s->l2_cache[slot].table + 8 * i, entry);
        ret = qcow2_l2_replace(s, slot, i, 1, &old);
    }
    g_free(out);
    return ret;
}

int qcow2_fix_copied(Qcow2State *s)
{
    int ret = 0;
    for (uint32_t i = 0; i < s->l1_size && ret >= 0; i++) {
        uint64_t l2off = s->l1_table[i] & L1E_OFFSET_MASK;
        if (!l2off) {
            continue;
        }
        uint64_t rc;
        ret = qcow2_get_refcount(s, l2off >> s->cluster_bits, &rc);
        if (ret < 0) {
            break;
        }
        uint64_t want = (s->l1_table[i] & ~QCOW_OFLAG_COPIED) | (rc == 1 ? QCOW_OFLAG_COPIED : 0);
        if (want != s->l1_table[i]) {
            s->l1_table[i] = want;
            ret = qcow2_write_l1_entry(s, i);
        }
        if (ret < 0) {
            break;
        }
        int slot = qcow2_l2_load(s, l2off);
        if (slot < 0) {
            return slot;
        }
        bool changed = false;
        for (uint32_t j = 0; j < s->l2_size; j++) {
            uint64_t e = l2_get(s, slot, j);
            uint64_t off = e & L2E_OFFSET_MASK;
            if ((e & QCOW_OFLAG_COMPRESSED) || !off) {
                continue;
            }
            ret = qcow2_get_refcount(s, off >> s->cluster_bits, &rc);
            if (ret < 0) {
                return ret;
            }
            uint64_t w = (e & ~QCOW_OFLAG_COPIED) | (rc == 1 ? QCOW_OFLAG_COPIED : 0);
            if (w != e) {
                qcow2_st64((uint8_t *)s->l2_cache[slot].table + 8 * j, w);
                changed = true;
            }
        }
        if (changed) {
            ret = qcow2_l2_store(s, slot, 0, s->l2_size);
        }
    }
    return ret;
}

int qcow2_update_tree_refcount(Qcow2State *s, const uint64_t *l1, uint32_t l1_size,
                               int delta)
{
    /* The walk reads the tables from disk: cached changes go first. */
    int ret = qcow2_l2_writeback_all(s);
    if (ret < 0) {
        return ret;
    }
    uint8_t *tbl = g_malloc(s->cluster_size);
    for (uint32_t i = 0; i < l1_size && ret >= 0; i++) {
        uint64_t l2off = l1[i] & L1E_OFFSET_MASK;
        if (!l2off) {
            continue;
        }
        if (l2off & s->cluster_mask) {
            ret = -EIO;
            break;
        }
        ret = bdrv_pread(s->file, l2off, tbl, s->cluster_size);
        for (uint32_t j = 0; j < s->l2_size && ret >= 0; j++) {
            uint64_t e = qcow2_be64(tbl + 8 * j);
            if (e & QCOW_OFLAG_COMPRESSED) {
                uint64_t coff, csize;
                qcow2_compressed_range(s, e, &coff, &csize);
                ret = qcow2_update_refcount(s, coff, csize, delta);
            } else if (e & L2E_OFFSET_MASK) {
                ret = qcow2_update_refcount(s, e & L2E_OFFSET_MASK, s->cluster_size, delta);
            }
        }
        if (ret >= 0) {
            ret = qcow2_update_refcount(s, l2off, s->cluster_size, delta);
        }
    }
    g_free(tbl);
    return ret;
}
