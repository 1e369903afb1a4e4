/*
 * The qcow2 format driver: header and open, guest reads and writes, and
 * registration.  The layout is QEMU's (docs/interop/qcow2.txt in QEMU's
 * tree); docs/qcow2.md explains this implementation and its write order.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "block/block-internal.h"
#include "block/qcow2.h"

/* ------------------------------------------------------------------ */
/* Header                                                               */
/* ------------------------------------------------------------------ */

int qcow2_write_header_u64(Qcow2State *s, int field, uint64_t v)
{
    uint8_t b[8];
    qcow2_st64(b, v);
    return bdrv_pwrite_sync(s->file, (uint64_t)field, b, 8);
}

int qcow2_write_header_u32(Qcow2State *s, int field, uint32_t v)
{
    uint8_t b[4];
    qcow2_st32(b, v);
    return bdrv_pwrite_sync(s->file, (uint64_t)field, b, 4);
}

int qcow2_set_incompat(Qcow2State *s, uint64_t incompat)
{
    if (s->version < 3 || incompat == s->incompat) {
        return 0;
    }
    int ret = qcow2_write_header_u64(s, HDR_INCOMPAT, incompat);
    if (ret >= 0) {
        s->incompat = incompat;
    }
    return ret;
}

int qcow2_refcount_barrier(Qcow2State *s)
{
    /* With lazy refcounts the dirty bit covers stale refcounts: no
     * barrier needed, a dirty image is repaired on open. */
    if (!s->refcounts_unflushed || s->lazy_refcounts) {
        return 0;
    }
    s->refcounts_unflushed = false;
    return bdrv_flush(s->file);
}

static int mark_dirty(Qcow2State *s)
{
    if (!s->lazy_refcounts || s->dirty_set) {
        return 0;
    }
    int ret = qcow2_set_incompat(s, s->incompat | QCOW2_INCOMPAT_DIRTY);
    if (ret >= 0) {
        s->dirty_set = true;
    }
    return ret;
}

static int probe(const uint8_t *buf, int buf_size, const char *filename)
{
    if (buf_size >= 8 && qcow2_be32(buf) == QCOW2_MAGIC &&
        (qcow2_be32(buf + 4) == 2 || qcow2_be32(buf + 4) == 3)) {
        return 100;
    }
    return 0;
}

/* Known names of feature bits, for messages when the image's own
 * feature name table lacks them (qcow2.txt "Feature name table"). */
static const char *feature_name(const uint8_t *table, uint32_t n, int type, int bit)
{
    static __thread char name[47];
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = table + 48 * i;
        if (e[0] == type && e[1] == bit) {
            memcpy(name, e + 2, 46);
            name[46] = 0;
            return name;
        }
    }
    if (type == 0) {
        static const char *const incompat[] = { "dirty bit", "corrupt bit",
                                                "external data file", "compression type",
                                                "extended L2 entries" };
        if (bit < (int)G_N_ELEMENTS(incompat)) {
            return incompat[bit];
        }
    }
    return NULL;
}

typedef struct HeaderExts {
    char *backing_fmt;
    uint8_t *features;
    uint32_t nb_features;
    bool crypto, data_file;
} HeaderExts;

static bool read_extensions(Qcow2State *s, const uint8_t *cl, uint64_t end, HeaderExts *x,
                            Error **errp)
{
    uint64_t pos = s->header_length;
    while (pos + 8 <= end) {
        uint32_t type = qcow2_be32(cl + pos), len = qcow2_be32(cl + pos + 4);
        pos += 8;
        if (type == QCOW2_EXT_END) {
            return true;
        }
        if (len > end - pos) {
            error_setg(errp, "qcow2: header extension 0x%08x of %u bytes runs past the "
                       "first cluster", type, len);
            return false;
        }
        const uint8_t *d = cl + pos;
        switch (type) {
        case QCOW2_EXT_BACKING_FORMAT:
            if (len >= 32) {
                error_setg(errp, "qcow2: backing format name of %u bytes is too long", len);
                return false;
            }
            g_free(x->backing_fmt);
            x->backing_fmt = g_strndup((const char *)d, len);
            break;
        case QCOW2_EXT_FEATURE_TABLE:
            g_free(x->features);
            x->nb_features = len / 48;
            x->features = g_memdup2(d, (gsize)x->nb_features * 48);
            break;
        case QCOW2_EXT_CRYPTO:
            x->crypto = true;
            break;
        case QCOW2_EXT_DATA_FILE:
            x->data_file = true;
            break;
        default:
            break;      /* unknown extensions are ignored (qcow2.txt) */
        }
        pos += (len + 7ull) & ~7ull;
    }
    return true;
}

static bool read_header(Qcow2State *s, BlockDriverState *bs, BlockOpts *opts, int flags,
                        Error **errp)
{
    uint8_t h[QCOW2_HEADER_LEN_WRITTEN] = { 0 };
    int ret = bdrv_pread(s->file, 0, h, sizeof(h));
    if (ret < 0) {
        error_setg_errno(errp, -ret, "qcow2: reading the header of '%s'", bdrv_filename(bs));
        return false;
    }
    if (qcow2_be32(h) != QCOW2_MAGIC) {
        error_setg(errp, "'%s' is not a qcow2 image", bdrv_filename(bs));
        return false;
    }
    s->version = qcow2_be32(h + 4);
    if (s->version != 2 && s->version != 3) {
        error_setg(errp, "qcow2: unsupported version %u in '%s'", s->version,
                   bdrv_filename(bs));
        return false;
    }
    s->cluster_bits = qcow2_be32(h + HDR_CLUSTER_BITS);
    if (s->cluster_bits < QCOW2_MIN_CLUSTER_BITS || s->cluster_bits > QCOW2_MAX_CLUSTER_BITS) {
        error_setg(errp, "qcow2: cluster size 2^%u is not between 512 bytes and 2 MiB",
                   s->cluster_bits);
        return false;
    }
    s->cluster_size = 1u << s->cluster_bits;
    s->cluster_mask = s->cluster_size - 1;
    s->l2_bits = s->cluster_bits - 3;
    s->l2_size = 1u << s->l2_bits;
    s->size = qcow2_be64(h + HDR_SIZE);
    if (s->size > (1ull << 62)) {
        error_setg(errp, "qcow2: image size %" G_GUINT64_FORMAT " is too large", s->size);
        return false;
    }
    if (s->version == 3) {
        s->incompat = qcow2_be64(h + HDR_INCOMPAT);
        s->compat = qcow2_be64(h + HDR_COMPAT);
        s->autoclear = qcow2_be64(h + HDR_AUTOCLEAR);
        s->refcount_order = qcow2_be32(h + HDR_REFCOUNT_ORDER);
        s->header_length = qcow2_be32(h + HDR_LENGTH);
        if (s->header_length < QCOW2_V3_HEADER_LEN || s->header_length > s->cluster_size) {
            error_setg(errp, "qcow2: header length %u is invalid", s->header_length);
            return false;
        }
    } else {
        s->refcount_order = 4;
        s->header_length = QCOW2_V2_HEADER_LEN;
    }
    if (s->refcount_order > 6) {
        error_setg(errp, "qcow2: refcount width 2^%u bits is invalid (at most 64)",
                   s->refcount_order);
        return false;
    }
    s->refcount_bits = 1u << s->refcount_order;
    s->refcount_max = s->refcount_bits == 64 ? UINT64_MAX : (1ull << s->refcount_bits) - 1;
    s->refblock_bits = s->cluster_bits + 3 - s->refcount_order;

    /* The whole first cluster: header extensions and the backing name. */
    uint8_t *cl = g_malloc0(s->cluster_size);
    ret = bdrv_pread(s->file, 0, cl, s->cluster_size);
    HeaderExts x = { 0 };
    bool ok = ret >= 0;
    if (!ok) {
        error_setg_errno(errp, -ret, "qcow2: reading the header cluster");
    }
    uint64_t bf_off = qcow2_be64(h + HDR_BACKING_OFFSET);
    uint32_t bf_size = qcow2_be32(h + HDR_BACKING_SIZE);
    /* Extensions end where the backing file name starts. */
    uint64_t ext_end = bf_off && bf_off < s->cluster_size ? bf_off : s->cluster_size;
    ok = ok && read_extensions(s, cl, ext_end, &x, errp);
    if (ok && qcow2_be32(h + HDR_CRYPT)) {
        error_setg(errp, "qcow2: '%s' is encrypted (method %u); encrypted images are not "
                   "supported", bdrv_filename(bs), qcow2_be32(h + HDR_CRYPT));
        ok = false;
    }
    if (ok && (x.data_file || (s->incompat & QCOW2_INCOMPAT_DATA_FILE))) {
        error_setg(errp, "qcow2: '%s' has an external data file; external data files are "
                   "not supported", bdrv_filename(bs));
        ok = false;
    }
    if (ok && x.crypto) {
        error_setg(errp, "qcow2: '%s' has an encryption header; encrypted images are not "
                   "supported", bdrv_filename(bs));
        ok = false;
    }
    uint64_t unknown = s->incompat & ~(QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT);
    if (ok && unknown) {
        GString *names = g_string_new(NULL);
        for (int b = 0; b < 64; b++) {
            if (unknown & (1ull << b)) {
                const char *n = feature_name(x.features, x.nb_features, 0, b);
                g_string_append_printf(names, "%s%s", names->len ? ", " : "",
                                       n ? n : "");
                if (!n) {
                    g_string_append_printf(names, "unknown incompatible feature bit %d", b);
                }
            }
        }
        error_setg(errp, "qcow2: '%s' uses features not supported: %s", bdrv_filename(bs),
                   names->str);
        g_string_free(names, TRUE);
        ok = false;
    }
    if (ok && (s->incompat & QCOW2_INCOMPAT_CORRUPT) && (flags & BDRV_O_RDWR)) {
        error_setg(errp, "qcow2: '%s' is marked corrupt; it can be opened read-only or "
                   "repaired with check -r all", bdrv_filename(bs));
        ok = false;
    }
    if (ok && bf_off) {
        if (bf_size > QCOW2_MAX_BACKING_NAME || bf_off > s->cluster_size ||
            bf_size > s->cluster_size - bf_off) {
            error_setg(errp, "qcow2: backing file name (%u bytes at %" G_GUINT64_FORMAT
                       ") is too long or outside the header cluster", bf_size, bf_off);
            ok = false;
        } else {
            s->backing_file = g_strndup((const char *)cl + bf_off, bf_size);
        }
    }
    if (ok) {
        s->backing_format = x.backing_fmt;
        x.backing_fmt = NULL;
    }
    g_free(x.backing_fmt);
    g_free(x.features);
    g_free(cl);
    if (!ok) {
        return false;
    }

    s->l1_size = qcow2_be32(h + HDR_L1_SIZE);
    s->l1_table_offset = qcow2_be64(h + HDR_L1_OFFSET);
    s->refcount_table_offset = qcow2_be64(h + HDR_RT_OFFSET);
    s->refcount_table_clusters = qcow2_be32(h + HDR_RT_CLUSTERS);
    s->nb_snapshots = qcow2_be32(h + HDR_NB_SNAPSHOTS);
    s->snapshots_offset = qcow2_be64(h + HDR_SN_OFFSET);
    uint64_t shift = s->cluster_bits + s->l2_bits;
    uint64_t need = (s->size + (1ull << shift) - 1) >> shift;
    s->l1_vm_state_index = (uint32_t)need;
    /* Tables start inside the file: one past the end comes from a corrupt
     * header, and writing it would grow the file without bound. */
    int64_t flen = bdrv_getlength(s->file);
    struct { const char *what; uint64_t off; bool used; } t[] = {
        { "L1 table", s->l1_table_offset, s->l1_size > 0 },
        { "refcount table", s->refcount_table_offset, true },
        { "snapshot table", s->snapshots_offset, s->nb_snapshots > 0 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(t) && flen >= 0; i++) {
        if (t[i].used && t[i].off >= (uint64_t)flen) {
            error_setg(errp, "qcow2: %s offset 0x%" G_GINT64_MODIFIER "x is past the end of "
                       "'%s'", t[i].what, t[i].off, bdrv_filename(bs));
            return false;
        }
    }
    if ((uint64_t)s->l1_size * 8 > QCOW2_MAX_L1_BYTES || need > s->l1_size) {
        error_setg(errp, "qcow2: L1 table of %u entries is %s", s->l1_size,
                   need > s->l1_size ? "too small for the image size" : "too large");
        return false;
    }
    if (s->l1_size && (s->l1_table_offset & s->cluster_mask)) {
        error_setg(errp, "qcow2: L1 table offset 0x%" G_GINT64_MODIFIER "x is not "
                   "cluster-aligned", s->l1_table_offset);
        return false;
    }
    s->l1_table = g_new0(uint64_t, MAX(s->l1_size, 1u));
    if (s->l1_size) {
        uint8_t *raw = g_malloc(s->l1_size * 8ull);
        ret = bdrv_pread(s->file, s->l1_table_offset, raw, s->l1_size * 8ull);
        for (uint32_t i = 0; ret >= 0 && i < s->l1_size; i++) {
            s->l1_table[i] = qcow2_be64(raw + 8 * i);
        }
        g_free(raw);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "qcow2: reading the L1 table");
            return false;
        }
    }
    return qcow2_refcount_init(s, errp) && qcow2_read_snapshots(s, errp);
}

/* ------------------------------------------------------------------ */
/* Open and close                                                       */
/* ------------------------------------------------------------------ */

static void qcow2_free_state(Qcow2State *s)
{
    for (int i = 0; i < QCOW2_L2_CACHE_SIZE; i++) {
        g_free(s->l2_cache[i].table);
        s->l2_cache[i].table = NULL;
    }
    g_free(s->l1_table);
    g_free(s->refcount_table);
    g_free(s->rb_cache);
    g_free(s->cluster_buf);
    g_free(s->cluster_cbuf);
    g_free(s->backing_file);
    g_free(s->backing_format);
    qcow2_free_snapshots(s);
}

static bool qcow2_open(BlockDriverState *bs, BlockOpts *opts, int flags, Error **errp)
{
    Qcow2State *s = bdrv_opaque(bs);
    s->bs = bs;
    s->file = bdrv_open_child(bs, opts, "file", errp);
    if (!s->file) {
        return false;
    }
    s->read_only = !(flags & BDRV_O_RDWR);
    if (!read_header(s, bs, opts, flags, errp)) {
        qcow2_free_state(s);
        return false;
    }
    s->lazy_refcounts = s->version == 3 && (s->compat & QCOW2_COMPAT_LAZY_REFCOUNTS);
    if (!s->read_only) {
        int ret = 0;
        if ((s->incompat & QCOW2_INCOMPAT_DIRTY) && !(flags & BDRV_O_PROBE_ONLY)) {
            /* Killed with lazy refcounts pending: rebuild them, as QEMU does. */
            BlockCheckResult res = { 0 };
            ret = qcow2_check_state(s, &res, BDRV_FIX_LEAKS | BDRV_FIX_ERRORS);
            if (ret >= 0 && res.corruptions - res.corruptions_fixed > 0) {
                ret = -EIO;
            }
            if (ret >= 0) {
                ret = bdrv_flush(s->file);
            }
            if (ret >= 0) {
                ret = qcow2_set_incompat(s, s->incompat & ~QCOW2_INCOMPAT_DIRTY);
            }
        }
        if (ret >= 0) {
            qcow2_refcount_note_tail(s);
        }
        /* Autoclear bits name extensions we would not keep up to date
         * (bitmaps): clear them so their users know (qcow2.txt). */
        if (ret >= 0 && s->autoclear) {
            ret = qcow2_write_header_u64(s, HDR_AUTOCLEAR, 0);
            s->autoclear = 0;
        }
        if (ret < 0) {
            error_setg_errno(errp, -ret, "qcow2: repairing '%s' after an unclean shutdown",
                             bdrv_filename(bs));
            qcow2_free_state(s);
            return false;
        }
    }
    if (s->backing_file &&
        !bdrv_open_backing(bs, opts, s->backing_file, s->backing_format, errp)) {
        qcow2_free_state(s);
        return false;
    }
    if (!s->backing_file && !bdrv_open_backing(bs, opts, NULL, NULL, errp)) {
        qcow2_free_state(s);
        return false;
    }
    return true;
}

static void qcow2_close(BlockDriverState *bs)
{
    Qcow2State *s = bdrv_opaque(bs);
    if (!s->read_only) {
        int ret = qcow2_l2_writeback_all(s);
        s->refcounts_unflushed = false;
        if (ret >= 0 && bdrv_flush(s->file) >= 0 && s->dirty_set) {
            qcow2_set_incompat(s, s->incompat & ~QCOW2_INCOMPAT_DIRTY);
        }
    }
    qcow2_free_state(s);
}

/* ------------------------------------------------------------------ */
/* Reads                                                                */
/* ------------------------------------------------------------------ */

/* Guest bytes [offset, offset + bytes) into the iovec (which holds that
 * many).  Each run of clusters contiguous in the image file is one
 * vectored read of the file straight into the caller's buffers (guest RAM
 * of a DMA request): no bounce buffer, no copy. */
static int read_guest_iov(Qcow2State *s, uint64_t offset, uint64_t bytes,
                          const struct iovec *iov, int niov)
{
    BlockDriverState *backing = bdrv_backing(s->bs);
    /* A slice of the iovec never has more elements than the iovec. */
    struct iovec *sub = g_new(struct iovec, niov);
    uint64_t run_host = 0, run_len = 0, run_pos = 0, pos = 0;
    int ret = 0;
    while (pos < bytes && ret >= 0) {
        uint64_t off = offset + pos;
        uint64_t in = off & s->cluster_mask;
        uint64_t n = MIN(bytes - pos, s->cluster_size - in);
        uint64_t e;
        ret = qcow2_get_l2_entry(s, off, &e);
        if (ret < 0) {
            break;
        }
        uint64_t host = e & L2E_OFFSET_MASK;
        bool normal = !(e & (QCOW_OFLAG_COMPRESSED | QCOW_OFLAG_ZERO)) && host;
        if (normal && (host & s->cluster_mask)) {
            ret = -EIO;   /* a misaligned data cluster: corrupt L2 entry */
            break;
        }
        if (run_len && (!normal || run_host + run_len != host + in)) {
            int k = bdrv_iov_slice(iov, niov, run_pos, run_len, sub);
            ret = bdrv_preadv(s->file, run_host, run_len, sub, k, 0);
            run_len = 0;
            if (ret < 0) {
                break;
            }
        }
        if (normal) {
            if (!run_len) {
                run_host = host + in;
                run_pos = pos;
            }
            run_len += n;
        } else if (e & QCOW_OFLAG_COMPRESSED) {
            uint8_t *c = g_malloc(s->cluster_size);
            ret = qcow2_read_compressed(s, e, c);
            if (ret >= 0) {
                bdrv_iov_copy(iov, niov, pos, c + in, n, true);
            }
            g_free(c);
        } else if ((e & QCOW_OFLAG_ZERO) && s->version == 3) {
            bdrv_iov_zero(iov, niov, pos, n);
        } else if (backing && off < s->size) {
            int k = bdrv_iov_slice(iov, niov, pos, n, sub);
            ret = bdrv_preadv(backing, off, n, sub, k, 0);
        } else {
            bdrv_iov_zero(iov, niov, pos, n);
        }
        pos += n;
    }
    if (ret >= 0 && run_len) {
        int k = bdrv_iov_slice(iov, niov, run_pos, run_len, sub);
        ret = bdrv_preadv(s->file, run_host, run_len, sub, k, 0);
    }
    g_free(sub);
    return ret < 0 ? ret : 0;
}

int qcow2_read_guest(Qcow2State *s, uint64_t offset, uint8_t *buf, uint64_t bytes)
{
    struct iovec iov = { buf, bytes };
    return read_guest_iov(s, offset, bytes, &iov, 1);
}

static int qcow2_preadv(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                        struct iovec *iov, int niov, int flags)
{
    return read_guest_iov(bdrv_opaque(bs), offset, bytes, iov, niov);
}

/* ------------------------------------------------------------------ */
/* Writes                                                               */
/* ------------------------------------------------------------------ */

static bool in_place(Qcow2State *s, uint64_t e)
{
    return (e & QCOW_OFLAG_COPIED) && !(e & (QCOW_OFLAG_COMPRESSED | QCOW_OFLAG_ZERO)) &&
           (e & L2E_OFFSET_MASK) && !(e & L2E_OFFSET_MASK & s->cluster_mask);
}

/* Clusters [first, first+n) of the L2 table in slot, all needing a new
 * host cluster: copy-on-write of the partial head and tail from the
 * current view, one contiguous allocation and write, then the L2
 * entries, then the old clusters freed. */
static int write_alloc(Qcow2State *s, uint64_t l2off, uint64_t gstart, uint64_t n,
                       uint64_t offset, const struct iovec *data, int ndata, uint64_t bytes)
{
    uint64_t total = n << s->cluster_bits;
    uint64_t head = offset - gstart, tail = gstart + total - (offset + bytes);
    /* Only the partial head and tail clusters are read into buffers of
     * their own; the caller's data (data: ndata elements holding bytes) is
     * written from where it is, in one vectored request, not copied:
     * whole-cluster writes (convert, big guest writes, DMA over guest RAM)
     * cost no memcpy. */
    uint8_t *hb = head ? g_malloc(head) : NULL, *tb = tail ? g_malloc(tail) : NULL;
    int ret = 0;
    if (head) {
        ret = qcow2_read_guest(s, gstart, hb, head);
    }
    if (ret >= 0 && tail) {
        ret = qcow2_read_guest(s, offset + bytes, tb, tail);
    }
    int64_t host = ret >= 0 ? qcow2_alloc_clusters(s, n) : ret;
    if (host < 0) {
        g_free(hb);
        g_free(tb);
        return (int)host;
    }
    struct iovec *iov = g_new(struct iovec, ndata + 2);
    int niov = 0;
    if (head) {
        iov[niov++] = (struct iovec){ hb, head };
    }
    memcpy(iov + niov, data, sizeof(*data) * ndata);
    niov += ndata;
    if (tail) {
        iov[niov++] = (struct iovec){ tb, tail };
    }
    ret = bdrv_pwritev(s->file, (uint64_t)host, total, iov, niov, 0);
    g_free(iov);
    g_free(hb);
    g_free(tb);
    int slot = ret >= 0 ? qcow2_l2_load(s, l2off) : ret;
    if (slot < 0) {
        return slot;
    }
    uint32_t first = qcow2_l2_index(s, gstart);
    uint8_t *tbl = (uint8_t *)s->l2_cache[slot].table;
    uint64_t *old = g_new(uint64_t, n);
    for (uint64_t i = 0; i < n; i++) {
        old[i] = qcow2_be64(tbl + 8 * (first + i));
        qcow2_st64(tbl + 8 * (first + i),
                   ((uint64_t)host + (i << s->cluster_bits)) | QCOW_OFLAG_COPIED);
    }
    ret = qcow2_l2_replace(s, slot, first, (uint32_t)n, old);
    g_free(old);
    return ret;
}

/* Guest bytes [offset, offset + bytes) from the iovec (which holds that
 * many), each run of clusters one vectored write from the caller's
 * buffers. */
static int write_guest_iov(Qcow2State *s, uint64_t offset, uint64_t bytes,
                           const struct iovec *iov, int niov)
{
    int ret = mark_dirty(s);
    /* Data clusters lie inside the file (or were just allocated): an entry
     * pointing far past it is corrupt, and writing there would grow the
     * file without bound. */
    int64_t flen = bdrv_getlength(s->file);
    uint64_t limit = MAX(flen > 0 ? (uint64_t)flen : 0, s->alloc_end << s->cluster_bits);
    /* A slice of the iovec never has more elements than the iovec. */
    struct iovec *sub = g_new(struct iovec, niov);
    uint64_t done = 0;   /* bytes of the iovec before offset */
    while (bytes && ret >= 0) {
        /* One L2 table's worth at most. */
        uint64_t span = (uint64_t)s->l2_size << s->cluster_bits;
        uint64_t chunk = MIN(bytes, span - (offset & (span - 1)));
        int slot = qcow2_l2_writable(s, offset);
        if (slot < 0) {
            ret = slot;
            break;
        }
        uint64_t l2off = s->l2_cache[slot].offset;
        uint64_t pos = offset, end = offset + chunk;
        while (pos < end && ret >= 0) {
            slot = qcow2_l2_load(s, l2off);
            if (slot < 0) {
                ret = slot;
                break;
            }
            uint64_t cstart = pos & ~s->cluster_mask;
            uint64_t e = qcow2_be64((uint8_t *)s->l2_cache[slot].table +
                                    8 * qcow2_l2_index(s, pos));
            bool inpl = in_place(s, e);
            /* The run of clusters of the same kind (and, in place,
             * contiguous on the host). */
            uint64_t c = cstart + s->cluster_size, n = 1;
            uint64_t host0 = e & L2E_OFFSET_MASK;
            while (c < end) {
                uint64_t e2 = qcow2_be64((uint8_t *)s->l2_cache[slot].table +
                                         8 * qcow2_l2_index(s, c));
                if (in_place(s, e2) != inpl ||
                    (inpl && (e2 & L2E_OFFSET_MASK) != host0 + (n << s->cluster_bits)) ||
                    n >= 4096) {
                    break;
                }
                c += s->cluster_size;
                n++;
            }
            uint64_t run_end = MIN(end, c);
            int k = bdrv_iov_slice(iov, niov, done + (pos - offset), run_end - pos, sub);
            if (inpl && host0 + (n << s->cluster_bits) > limit) {
                ret = -EIO;
            } else if (inpl) {
                ret = bdrv_pwritev(s->file, host0 + (pos - cstart), run_end - pos, sub, k, 0);
            } else {
                ret = write_alloc(s, l2off, cstart, n, pos, sub, k, run_end - pos);
            }
            pos = run_end;
        }
        done += chunk;
        offset += chunk;
        bytes -= chunk;
    }
    g_free(sub);
    return ret;
}

int qcow2_write_guest(Qcow2State *s, uint64_t offset, const uint8_t *buf, uint64_t bytes)
{
    struct iovec iov = { (void *)buf, bytes };
    return write_guest_iov(s, offset, bytes, &iov, 1);
}

static int qcow2_pwritev(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                         struct iovec *iov, int niov, int flags)
{
    Qcow2State *s = bdrv_opaque(bs);
    bool compress = (flags & BDRV_REQ_WRITE_COMPRESSED) && !(offset & s->cluster_mask) &&
                    !(bytes & s->cluster_mask);
    if (!compress) {
        return write_guest_iov(s, offset, bytes, iov, niov);
    }
    /* Compression works on whole clusters in one buffer. */
    uint8_t *b = g_malloc(bytes);
    bdrv_iov_copy(iov, niov, 0, b, bytes, false);
    int ret = mark_dirty(s);
    for (uint64_t done = 0; done < bytes && ret >= 0; done += s->cluster_size) {
        ret = qcow2_write_compressed_cluster(s, offset + done, b + done);
    }
    g_free(b);
    return ret;
}

/* Replace the L2 entry of the cluster at guest offset off with e (a zero
 * cluster or 0: unallocated) and release what the old entry held. */
static int set_l2_entry(Qcow2State *s, uint64_t off, uint64_t e)
{
    int slot = qcow2_l2_writable(s, off);
    if (slot < 0) {
        return slot;
    }
    uint32_t i = qcow2_l2_index(s, off);
    uint8_t *tbl = (uint8_t *)s->l2_cache[slot].table;
    uint64_t old = qcow2_be64(tbl + 8 * i);
    int ret = 0;
    if (old != e) {
        qcow2_st64(tbl + 8 * i, e);
        ret = qcow2_l2_replace(s, slot, i, 1, &old);
    }
    return ret;
}

/* Make the whole clusters of [start, end) (cluster-aligned) unallocated
 * (commit's emptying, shrinking), one L2 table at a time: the new entries
 * of a table reach the disk (one flush) before its old clusters are
 * released.  A table with no entry in the range is left alone, so none is
 * allocated or copied for nothing. */
static int unallocate_range(Qcow2State *s, uint64_t start, uint64_t end)
{
    int ret = mark_dirty(s);
    uint64_t per_l2 = (uint64_t)s->l2_size << s->cluster_bits;
    for (uint64_t off = start; off < end && ret >= 0;) {
        uint64_t l2end = MIN(end, (off / per_l2 + 1) * per_l2);
        bool any = false;
        for (uint64_t o = off; o < l2end && ret >= 0 && !any; o += s->cluster_size) {
            uint64_t e;
            ret = qcow2_get_l2_entry(s, o, &e);
            any = ret >= 0 && e;
        }
        if (ret >= 0 && any) {
            int slot = qcow2_l2_writable(s, off);
            if (slot < 0) {
                return slot;
            }
            uint32_t first = qcow2_l2_index(s, off);
            uint32_t n = (uint32_t)((l2end - off) >> s->cluster_bits);
            uint8_t *tbl = (uint8_t *)s->l2_cache[slot].table;
            uint64_t *old = g_new(uint64_t, n);
            for (uint32_t i = 0; i < n; i++) {
                old[i] = qcow2_be64(tbl + 8 * (first + i));
                qcow2_st64(tbl + 8 * (first + i), 0);
            }
            ret = qcow2_l2_replace(s, slot, first, n, old);
            g_free(old);
        }
        off = l2end;
    }
    return ret;
}

/* Whole clusters of [offset, offset+bytes) become zero clusters (v3) or,
 * with no backing file, unallocated; partial ones are written. */
static int qcow2_pwrite_zeroes(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                               int flags)
{
    Qcow2State *s = bdrv_opaque(bs);
    bool backing = bdrv_backing(bs) != NULL;
    int ret = mark_dirty(s);
    while (bytes && ret >= 0) {
        uint64_t in = offset & s->cluster_mask;
        uint64_t n = MIN(bytes, s->cluster_size - in);
        if (n < s->cluster_size || (s->version < 3 && backing)) {
            uint8_t *z = g_malloc0(n);
            ret = qcow2_write_guest(s, offset, z, n);
            g_free(z);
        } else {
            ret = set_l2_entry(s, offset, s->version >= 3 ? QCOW_OFLAG_ZERO : 0);
        }
        offset += n;
        bytes -= n;
    }
    return ret;
}

static int qcow2_pdiscard(BlockDriverState *bs, uint64_t offset, uint64_t bytes)
{
    Qcow2State *s = bdrv_opaque(bs);
    /* Only whole clusters can be given back. */
    uint64_t start = qcow2_align_up(s, offset);
    uint64_t end = (offset + bytes) & ~s->cluster_mask;
    if (end <= start) {
        return 0;
    }
    return qcow2_pwrite_zeroes(bs, start, end - start, BDRV_REQ_MAY_UNMAP);
}

static int qcow2_flush(BlockDriverState *bs)
{
    Qcow2State *s = bdrv_opaque(bs);
    int ret = qcow2_l2_writeback_all(s);
    if (ret < 0) {
        return ret;
    }
    s->refcounts_unflushed = false;
    return bdrv_flush(s->file);
}

static int64_t qcow2_getlength(BlockDriverState *bs)
{
    return (int64_t)((Qcow2State *)bdrv_opaque(bs))->size;
}

static bool qcow2_truncate(BlockDriverState *bs, uint64_t offset, const char *prealloc,
                           Error **errp)
{
    Qcow2State *s = bdrv_opaque(bs);
    if (s->nb_snapshots) {
        error_setg(errp, "qcow2: cannot resize an image with internal snapshots");
        return false;
    }
    uint64_t shift = s->cluster_bits + s->l2_bits;
    uint64_t need = (offset + (1ull << shift) - 1) >> shift;
    int ret;
    if (offset < s->size) {
        /* Shrinking: the clusters wholly past the new end are given back
         * (the L1 table keeps its size; a partial last cluster stays). */
        ret = unallocate_range(s, qcow2_align_up(s, offset), qcow2_align_up(s, s->size));
    } else {
        ret = qcow2_grow_l1(s, need);
    }
    if (ret >= 0) {
        ret = qcow2_write_header_u64(s, HDR_SIZE, offset);
    }
    if (ret < 0) {
        error_setg_errno(errp, -ret, "qcow2: resizing '%s'", bdrv_filename(bs));
        return false;
    }
    s->size = offset;
    s->l1_vm_state_index = (uint32_t)need;
    return true;
}

static int qcow2_block_status(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                              uint64_t *pnum, uint64_t *map, BlockDriverState **file)
{
    Qcow2State *s = bdrv_opaque(bs);
    uint64_t e;
    int ret = qcow2_get_l2_entry(s, offset, &e);
    if (ret < 0) {
        return ret;
    }
    uint64_t in = offset & s->cluster_mask;
    uint64_t host = e & L2E_OFFSET_MASK;
    int st;
    if (e & QCOW_OFLAG_COMPRESSED) {
        st = BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED | BDRV_BLOCK_COMPRESSED;
    } else if ((e & QCOW_OFLAG_ZERO) && s->version == 3) {
        st = BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED;
    } else if (host) {
        st = BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED | BDRV_BLOCK_OFFSET_VALID;
        *map = host + in;
        *file = s->file;
    } else {
        st = bdrv_backing(bs) ? 0 : BDRV_BLOCK_ZERO;
    }
    /* Extend over following clusters of the same kind. */
    uint64_t n = MIN(bytes, s->cluster_size - in);
    while (n < bytes && !(st & BDRV_BLOCK_COMPRESSED)) {
        uint64_t e2;
        if (qcow2_get_l2_entry(s, offset + n, &e2) < 0) {
            break;
        }
        uint64_t h2 = e2 & L2E_OFFSET_MASK;
        bool same;
        if (st & BDRV_BLOCK_OFFSET_VALID) {
            same = !(e2 & (QCOW_OFLAG_COMPRESSED | QCOW_OFLAG_ZERO)) &&
                   h2 == host + in + n;
        } else if (st & BDRV_BLOCK_ALLOCATED) {
            same = (e2 & QCOW_OFLAG_ZERO) && !(e2 & QCOW_OFLAG_COMPRESSED);
        } else {
            same = !(e2 & (QCOW_OFLAG_COMPRESSED | QCOW_OFLAG_ZERO)) && !h2;
        }
        if (!same) {
            break;
        }
        n = MIN(bytes, n + s->cluster_size);
    }
    *pnum = n;
    return st;
}

static int qcow2_make_empty(BlockDriverState *bs)
{
    Qcow2State *s = bdrv_opaque(bs);
    if (s->read_only) {
        return -EROFS;
    }
    return unallocate_range(s, 0, qcow2_align_up(s, s->size));
}

/* Rebuild the header cluster with a new backing file name and format:
 * the header as it is, the backing format extension (when given), the
 * other extensions verbatim, the end marker, then the name (qcow2.txt
 * "Header extensions"), written in one request and flushed. */
static bool qcow2_change_backing_file(BlockDriverState *bs, const char *backing_file,
                                      const char *backing_fmt, Error **errp)
{
    Qcow2State *s = bdrv_opaque(bs);
    if (s->read_only) {
        error_setg(errp, "qcow2: '%s' is read-only", bdrv_filename(bs));
        return false;
    }
    size_t blen = backing_file ? strlen(backing_file) : 0;
    size_t flen = backing_fmt && blen ? strlen(backing_fmt) : 0;
    if (blen > QCOW2_MAX_BACKING_NAME || flen >= 32) {
        error_setg(errp, "qcow2: backing file name or format of '%s' is too long",
                   bdrv_filename(bs));
        return false;
    }
    uint8_t *cl = g_malloc0(s->cluster_size), *nb = g_malloc0(s->cluster_size);
    int ret = bdrv_pread(s->file, 0, cl, s->cluster_size);
    uint64_t bf_off = qcow2_be64(cl + HDR_BACKING_OFFSET);
    uint64_t ext_end = bf_off && bf_off < s->cluster_size ? bf_off : s->cluster_size;
    uint64_t pos = s->header_length, out = s->header_length;
    bool fits = true;
    memcpy(nb, cl, s->header_length);
    if (flen) {
        qcow2_st32(nb + out, QCOW2_EXT_BACKING_FORMAT);
        qcow2_st32(nb + out + 4, (uint32_t)flen);
        memcpy(nb + out + 8, backing_fmt, flen);
        out += 8 + ((flen + 7) & ~7ull);
    }
    while (ret >= 0 && pos + 8 <= ext_end) {
        uint32_t type = qcow2_be32(cl + pos), len = qcow2_be32(cl + pos + 4);
        uint64_t step = 8 + ((len + 7ull) & ~7ull);
        if (type == QCOW2_EXT_END || step > ext_end - pos) {
            break;
        }
        if (type != QCOW2_EXT_BACKING_FORMAT) {
            fits = fits && out + step <= s->cluster_size;
            if (fits) {
                memcpy(nb + out, cl + pos, step);
                out += step;
            }
        }
        pos += step;
    }
    out += 8;   /* the end marker: zeroes */
    fits = fits && out + blen <= s->cluster_size;
    if (fits) {
        qcow2_st64(nb + HDR_BACKING_OFFSET, blen ? out : 0);
        qcow2_st32(nb + HDR_BACKING_SIZE, (uint32_t)blen);
        if (blen) {
            memcpy(nb + out, backing_file, blen);
        }
    }
    if (ret >= 0 && fits) {
        ret = bdrv_pwrite_sync(s->file, 0, nb, s->cluster_size);
    }
    g_free(cl);
    g_free(nb);
    if (!fits) {
        error_setg(errp, "qcow2: the backing file name does not fit in the header "
                   "cluster of '%s'", bdrv_filename(bs));
        return false;
    }
    if (ret < 0) {
        error_setg_errno(errp, -ret, "qcow2: rewriting the header of '%s'",
                         bdrv_filename(bs));
        return false;
    }
    g_free(s->backing_file);
    g_free(s->backing_format);
    s->backing_file = blen ? g_strdup(backing_file) : NULL;
    s->backing_format = flen ? g_strdup(backing_fmt) : NULL;
    return true;
}

static bool qcow2_get_info(BlockDriverState *bs, BlockDriverInfo *bdi)
{
    Qcow2State *s = bdrv_opaque(bs);
    bdi->cluster_size = s->cluster_size;
    bdi->is_dirty = (s->incompat & QCOW2_INCOMPAT_DIRTY) != 0;
    bdi->has_backing_fmt = s->backing_format != NULL;
    /* The fields and order of qemu-img info's "Format specific
     * information" (v2 images have only the first three there). */
    if (s->version == 2) {
        snprintf(bdi->format_specific, sizeof(bdi->format_specific),
                 "compat: 0.10, compression type: zlib, refcount bits: %u",
                 s->refcount_bits);
    } else {
        snprintf(bdi->format_specific, sizeof(bdi->format_specific),
                 "compat: 1.1, compression type: zlib, lazy refcounts: %s, "
                 "refcount bits: %u, corrupt: %s, extended l2: false",
                 s->lazy_refcounts ? "true" : "false", s->refcount_bits,
                 (s->incompat & QCOW2_INCOMPAT_CORRUPT) ? "true" : "false");
    }
    return true;
}

static int64_t qcow2_get_allocated_size(BlockDriverState *bs)
{
    return bdrv_get_allocated_size(((Qcow2State *)bdrv_opaque(bs))->file);
}

int qcow2_check(BlockDriverState *bs, BlockCheckResult *res, int fix)
{
    Qcow2State *s = bdrv_opaque(bs);
    if (fix && s->read_only) {
        return -EROFS;
    }
    int ret = qcow2_check_state(s, res, fix);
    if (ret >= 0 && fix) {
        ret = bdrv_flush(s->file);
        if (ret >= 0 && (s->incompat & QCOW2_INCOMPAT_DIRTY) && !s->dirty_set &&
            res->corruptions == res->corruptions_fixed) {
            ret = qcow2_set_incompat(s, s->incompat & ~QCOW2_INCOMPAT_DIRTY);
        }
    }
    return ret;
}

static BlockDriver bdrv_qcow2 = {
    .format_name = "qcow2",
    .description = "QEMU copy-on-write image, versions 2 and 3",
    .instance_size = sizeof(Qcow2State),
    .supports_backing = true,
    .probe = probe,
    .open = qcow2_open,
    .close = qcow2_close,
    .preadv = qcow2_preadv,
    .pwritev = qcow2_pwritev,
    .flush = qcow2_flush,
    .pdiscard = qcow2_pdiscard,
    .pwrite_zeroes = qcow2_pwrite_zeroes,
    .getlength = qcow2_getlength,
    .get_allocated_size = qcow2_get_allocated_size,
    .truncate = qcow2_truncate,
    .block_status = qcow2_block_status,
    .create = qcow2_create,
    .create_opts = qcow2_create_opts,
    .create_opts_help = qcow2_create_opts_help,
    .get_info = qcow2_get_info,
    .check = qcow2_check,
    .change_backing_file = qcow2_change_backing_file,
    .make_empty = qcow2_make_empty,
    .snapshot_create = qcow2_snapshot_create,
    .snapshot_goto = qcow2_snapshot_goto,
    .snapshot_delete = qcow2_snapshot_delete,
    .snapshot_list = qcow2_snapshot_list,
    .save_vmstate = qcow2_save_vmstate,
    .load_vmstate = qcow2_load_vmstate,
};

void bdrv_qcow2_register(void)
{
    bdrv_register(&bdrv_qcow2);
}
