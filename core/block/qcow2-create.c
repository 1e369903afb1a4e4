/*
 * qcow2 image creation (cardcage-img create, -snapshot overlays, tests):
 * a header cluster, a one-cluster refcount table and one refcount block;
 * the L1 table is then sized by opening the image and growing it to the
 * requested size, so the same code that grows images at run time lays
 * out new ones.  Preallocation: metadata (every L2 table and data cluster
 * allocated, the file sparse), falloc and full (the file's blocks
 * reserved or written as well).
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <string.h>
#include "block/block-internal.h"
#include "block/qcow2.h"

const char *const qcow2_create_opts[] = {
    "size", "cluster_size", "compat", "refcount_bits", "backing_file", "backing_fmt",
    "lazy_refcounts", "preallocation", NULL,
};
const char *const qcow2_create_opts_help[] = {
    "virtual disk size",
    "qcow2 cluster size (512 to 2M, a power of two; default 64k)",
    "compatibility level (v2 or 0.10, v3 or 1.1; default v3)",
    "width of a reference count entry in bits (1 to 64, a power of two; default 16)",
    "file name of a base image",
    "image format of the base image",
    "postpone refcount updates (v3 only)",
    "preallocation mode (off, metadata, falloc, full)",
    NULL,
};

/* The names QEMU's feature name table carries (qcow2.txt), so tools show
 * a name for a bit they do not know. */
static const struct { uint8_t type, bit; const char *name; } feature_names[] = {
    { 0, 0, "dirty bit" }, { 0, 1, "corrupt bit" }, { 0, 2, "external data file" },
    { 0, 3, "compression type" }, { 0, 4, "extended L2 entries" },
    { 1, 0, "lazy refcounts" }, { 2, 0, "bitmaps" }, { 2, 1, "raw external data" },
};

static size_t put_ext(uint8_t *p, uint32_t type, const void *data, uint32_t len)
{
    qcow2_st32(p, type);
    qcow2_st32(p + 4, len);
    memcpy(p + 8, data, len);
    return 8 + ((len + 7u) & ~7u);
}

typedef struct CreateParams {
    uint64_t size, cluster_size, refcount_bits;
    int version;
    bool lazy;
    const char *backing_file, *backing_fmt, *prealloc;
} CreateParams;

static bool parse(const char *filename, BlockOpts *opts, CreateParams *p, Error **errp)
{
    const char *compat = block_opts_get(opts, "compat");
    p->backing_file = block_opts_get(opts, "backing_file");
    p->backing_fmt = block_opts_get(opts, "backing_fmt");
    p->prealloc = block_opts_get(opts, "preallocation");
    if (!block_opts_get_size(opts, "size", 0, &p->size, errp) ||
        !block_opts_get_size(opts, "cluster_size", 65536, &p->cluster_size, errp) ||
        !block_opts_get_uint(opts, "refcount_bits", 16, &p->refcount_bits, errp) ||
        !block_opts_get_bool(opts, "lazy_refcounts", false, &p->lazy, errp) ||
        !block_opts_check_all_used(opts, "qcow2", errp)) {
        return false;
    }
    if (!compat || !strcmp(compat, "1.1") || !strcmp(compat, "v3")) {
        p->version = 3;
    } else if (!strcmp(compat, "0.10") || !strcmp(compat, "v2")) {
        p->version = 2;
    } else {
        error_setg(errp, "qcow2: compat '%s' is not one of 0.10, v2, 1.1, v3", compat);
        return false;
    }
    if (p->cluster_size < 512 || p->cluster_size > (2u << 20) ||
        (p->cluster_size & (p->cluster_size - 1))) {
        error_setg(errp, "qcow2: cluster size %" G_GUINT64_FORMAT " is not a power of two "
                   "between 512 and 2M", p->cluster_size);
        return false;
    }
    if (!p->refcount_bits || p->refcount_bits > 64 ||
        (p->refcount_bits & (p->refcount_bits - 1))) {
        error_setg(errp, "qcow2: refcount_bits %" G_GUINT64_FORMAT " is not a power of two "
                   "up to 64", p->refcount_bits);
        return false;
    }
    if (p->version == 2 && p->refcount_bits != 16) {
        error_setg(errp, "qcow2: compat 0.10 (v2) images have 16-bit refcounts only");
        return false;
    }
    if (p->version == 2 && p->lazy) {
        error_setg(errp, "qcow2: lazy refcounts need compat 1.1 (v3)");
        return false;
    }
    if (p->prealloc && strcmp(p->prealloc, "off") && strcmp(p->prealloc, "metadata") &&
        strcmp(p->prealloc, "falloc") && strcmp(p->prealloc, "full")) {
        error_setg(errp, "qcow2: preallocation '%s' is not one of off, metadata, falloc, "
                   "full", p->prealloc);
        return false;
    }
    if (p->prealloc && strcmp(p->prealloc, "off") && p->backing_file) {
        error_setg(errp, "qcow2: a backing file and preallocation cannot be used together");
        return false;
    }
    if (p->backing_fmt && !p->backing_file) {
        error_setg(errp, "qcow2: backing_fmt needs backing_file");
        return false;
    }
    if (p->backing_file && strlen(p->backing_file) > QCOW2_MAX_BACKING_NAME) {
        error_setg(errp, "qcow2: backing file name is longer than %u bytes",
                   QCOW2_MAX_BACKING_NAME);
        return false;
    }
    if (!block_opts_has(opts, "size") || (!p->size && p->backing_file)) {
        if (!p->backing_file) {
            error_setg(errp, "qcow2: creating '%s' needs a size", filename);
            return false;
        }
        /* The base image's size, its name relative to the new image. */
        char *dir = g_path_get_dirname(filename);
        char *path = g_path_is_absolute(p->backing_file)
                     ? g_strdup(p->backing_file)
                     : g_build_filename(dir, p->backing_file, NULL);
        BlockDriverState *b = bdrv_open(path, p->backing_fmt, NULL, BDRV_O_NO_LOCK, errp);
        g_free(dir);
        g_free(path);
        if (!b) {
            return false;
        }
        int64_t len = bdrv_getlength(b);
        bdrv_unref(b);
        if (len < 0) {
            error_setg_errno(errp, (int)-len, "qcow2: size of the backing file");
            return false;
        }
        p->size = (uint64_t)len;
    }
    return true;
}

/* The header cluster, the refcount table (cluster 1) and the refcount
 * block (cluster 2) counting the three. */
static bool write_skeleton(const char *filename, CreateParams *p, Error **errp)
{
    uint32_t cs = (uint32_t)p->cluster_size;
    uint32_t order = (uint32_t)__builtin_ctzll(p->refcount_bits);
    uint8_t *img = g_malloc0(3ull * cs);
    uint8_t *h = img;
    qcow2_st32(h, QCOW2_MAGIC);
    qcow2_st32(h + 4, (uint32_t)p->version);
    qcow2_st32(h + HDR_CLUSTER_BITS, (uint32_t)__builtin_ctzll(cs));
    qcow2_st64(h + HDR_RT_OFFSET, cs);
    qcow2_st32(h + HDR_RT_CLUSTERS, 1);
    size_t pos = QCOW2_V2_HEADER_LEN;
    if (p->version == 3) {
        qcow2_st64(h + HDR_COMPAT, p->lazy ? QCOW2_COMPAT_LAZY_REFCOUNTS : 0);
        qcow2_st32(h + HDR_REFCOUNT_ORDER, order);
        qcow2_st32(h + HDR_LENGTH, QCOW2_HEADER_LEN_WRITTEN);
        pos = QCOW2_HEADER_LEN_WRITTEN;
    }
    size_t blen = p->backing_file ? strlen(p->backing_file) : 0;
    size_t flen = p->backing_fmt ? strlen(p->backing_fmt) : 0;
    if (p->backing_fmt) {
        pos += put_ext(h + pos, QCOW2_EXT_BACKING_FORMAT, p->backing_fmt, (uint32_t)flen);
    }
    size_t table = sizeof(feature_names) / sizeof(feature_names[0]) * 48;
    if (pos + 8 + table + 8 + blen <= cs) {
        uint8_t t[sizeof(feature_names) / sizeof(feature_names[0]) * 48] = { 0 };
        for (size_t i = 0; i < G_N_ELEMENTS(feature_names); i++) {
            t[48 * i] = feature_names[i].type;
            t[48 * i + 1] = feature_names[i].bit;
            memcpy(t + 48 * i + 2, feature_names[i].name, strlen(feature_names[i].name));
        }
        pos += put_ext(h + pos, QCOW2_EXT_FEATURE_TABLE, t, (uint32_t)table);
    }
    pos += 8;   /* end of extensions */
    if (pos + blen > cs) {
        g_free(img);
        error_setg(errp, "qcow2: the header does not fit in a %u-byte cluster", cs);
        return false;
    }
    if (blen) {
        qcow2_st64(h + HDR_BACKING_OFFSET, pos);
        qcow2_st32(h + HDR_BACKING_SIZE, (uint32_t)blen);
        memcpy(h + pos, p->backing_file, blen);
    }
    qcow2_st64(img + cs, 2ull * cs);
    Qcow2State tmp = { .refcount_order = order, .refcount_bits = 1u << order };
    for (int i = 0; i < 3; i++) {
        qcow2_refblock_set(&tmp, img + 2ull * cs, (uint64_t)i, 1);
    }
    bool ok = bdrv_create_file(filename, 0, errp);
    BlockDriverState *f = ok ? bdrv_open(filename, "file", NULL, BDRV_O_RDWR, errp) : NULL;
    if (f) {
        int ret = bdrv_pwrite(f, 0, img, 3ull * cs);
        if (ret >= 0) {
            ret = bdrv_flush(f);
        }
        if (ret < 0) {
            error_setg_errno(errp, -ret, "qcow2: writing '%s'", filename);
        }
        ok = ret >= 0;
        bdrv_unref(f);
    } else {
        ok = false;
    }
    g_free(img);
    return ok;
}

/* Allocate every L2 table and data cluster (preallocation=metadata and
 * up): one contiguous run of data per L2 table. */
static int prealloc_metadata(Qcow2State *s)
{
    uint64_t span = (uint64_t)s->l2_size << s->cluster_bits;
    for (uint64_t off = 0; off < s->size; off += span) {
        int slot = qcow2_l2_writable(s, off);
        if (slot < 0) {
            return slot;
        }
        uint64_t n = (MIN(span, s->size - off) + s->cluster_mask) >> s->cluster_bits;
        uint64_t l2off = s->l2_cache[slot].offset;
        int64_t host = qcow2_alloc_clusters(s, n);
        if (host < 0) {
            return (int)host;
        }
        int ret = qcow2_refcount_barrier(s);
        slot = ret >= 0 ? qcow2_l2_load(s, l2off) : ret;
        if (slot < 0) {
            return slot;
        }
        uint8_t *t = (uint8_t *)s->l2_cache[slot].table;
        for (uint64_t i = 0; i < n; i++) {
            qcow2_st64(t + 8 * i, ((uint64_t)host + (i << s->cluster_bits)) | QCOW_OFLAG_COPIED);
        }
        ret = qcow2_l2_store(s, slot, 0, (uint32_t)n);
        if (ret < 0) {
            return ret;
        }
    }
    return 0;
}

bool qcow2_create(const char *filename, BlockOpts *opts, Error **errp)
{
    CreateParams p = { 0 };
    if (!parse(filename, opts, &p, errp) || !write_skeleton(filename, &p, errp)) {
        return false;
    }
    BlockDriverState *bs = bdrv_open(filename, "qcow2", NULL,
                                     BDRV_O_RDWR | BDRV_O_NO_BACKING, errp);
    if (!bs) {
        return false;
    }
    bool ok = bdrv_truncate(bs, p.size, NULL, errp);
    if (ok && p.prealloc && strcmp(p.prealloc, "off")) {
        Qcow2State *s = bdrv_opaque(bs);
        int ret = prealloc_metadata(s);
        uint64_t end = MAX(s->alloc_end, s->free_cluster_index) << s->cluster_bits;
        if (ret < 0) {
            error_setg_errno(errp, -ret, "qcow2: preallocating '%s'", filename);
            ok = false;
        } else if (bdrv_getlength(s->file) < (int64_t)end) {
            /* metadata: a sparse file up to the last cluster; falloc and
             * full reserve (or write) the blocks too. */
            ok = bdrv_truncate(s->file, end,
                               strcmp(p.prealloc, "metadata") ? p.prealloc : "off", errp);
        }
    }
    bdrv_unref(bs);
    return ok;
}
