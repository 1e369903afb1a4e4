/*
 * qcow2 internal snapshots (qcow2.txt "Snapshots"): a table of entries,
 * each naming a copy of the L1 table; every cluster reachable from an L1
 * table (the active one and each snapshot's) counts one reference, so a
 * shared cluster has a refcount above 1 and is copied before a write.
 *
 * The VM state of a snapshot lives in the active image past the disk
 * (from the first L1 entry past the disk size on, as QEMU places it); it
 * is captured by the snapshot's L1 copy and then dropped from the active
 * table.
 *
 * Order: refcounts are raised before the new table (and header) name a
 * snapshot and lowered after they no longer do: a crash leaks at worst.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "block/block-internal.h"
#include "block/qcow2.h"

#define SN_HEADER_LEN 40   /* fixed part of a snapshot table entry */
#define SN_EXTRA_LEN  24   /* vm_state_size_large, disk_size, icount */

void qcow2_free_snapshots(Qcow2State *s)
{
    for (uint32_t i = 0; i < s->nb_snapshots && s->snapshots; i++) {
        g_free(s->snapshots[i].id_str);
        g_free(s->snapshots[i].name);
        g_free(s->snapshots[i].extra_unknown);
    }
    g_free(s->snapshots);
    s->snapshots = NULL;
}

bool qcow2_read_snapshots(Qcow2State *s, Error **errp)
{
    if (s->nb_snapshots > QCOW2_MAX_SNAPSHOTS) {
        error_setg(errp, "qcow2: %u snapshots are too many", s->nb_snapshots);
        s->nb_snapshots = 0;
        return false;
    }
    if (!s->nb_snapshots) {
        s->snapshots_size = 0;
        return true;
    }
    if (s->snapshots_offset & s->cluster_mask || !s->snapshots_offset) {
        error_setg(errp, "qcow2: snapshot table offset 0x%" G_GINT64_MODIFIER "x is invalid",
                   s->snapshots_offset);
        s->nb_snapshots = 0;
        return false;
    }
    uint32_t nb = s->nb_snapshots;
    s->nb_snapshots = 0;
    s->snapshots = g_new0(Qcow2Snapshot, nb);
    uint64_t pos = s->snapshots_offset;
    for (uint32_t i = 0; i < nb; i++) {
        uint8_t h[SN_HEADER_LEN];
        if (pos - s->snapshots_offset > QCOW2_MAX_SNAPSHOT_TABLE - SN_HEADER_LEN) {
            error_setg(errp, "qcow2: snapshot table is larger than 64 MiB");
            return false;
        }
        int ret = bdrv_pread(s->file, pos, h, sizeof(h));
        if (ret < 0) {
            error_setg_errno(errp, -ret, "qcow2: reading the snapshot table");
            return false;
        }
        Qcow2Snapshot *sn = &s->snapshots[i];
        s->nb_snapshots = i + 1;
        sn->l1_table_offset = qcow2_be64(h);
        sn->l1_size = qcow2_be32(h + 8);
        uint16_t id_len = qcow2_be16(h + 12), name_len = qcow2_be16(h + 14);
        sn->date_sec = qcow2_be32(h + 16);
        sn->date_nsec = qcow2_be32(h + 20);
        sn->vm_clock_nsec = qcow2_be64(h + 24);
        sn->vm_state_size = qcow2_be32(h + 32);
        uint32_t extra = qcow2_be32(h + 36);
        if (extra > QCOW2_MAX_SN_EXTRA) {
            error_setg(errp, "qcow2: snapshot %u has %u bytes of extra data (at most %u)", i,
                       extra, QCOW2_MAX_SN_EXTRA);
            return false;
        }
        if ((uint64_t)sn->l1_size * 8 > QCOW2_MAX_L1_BYTES ||
            (sn->l1_table_offset & s->cluster_mask)) {
            error_setg(errp, "qcow2: snapshot %u has an invalid L1 table", i);
            return false;
        }
        uint64_t len = SN_HEADER_LEN + (uint64_t)extra + id_len + name_len;
        uint8_t *b = g_malloc(len);
        ret = bdrv_pread(s->file, pos, b, len);
        if (ret < 0) {
            g_free(b);
            error_setg_errno(errp, -ret, "qcow2: reading the snapshot table");
            return false;
        }
        const uint8_t *x = b + SN_HEADER_LEN;
        sn->extra_size = extra;
        sn->disk_size = s->size;
        sn->icount = UINT64_MAX;
        if (extra >= 8) {
            sn->vm_state_size = qcow2_be64(x);
        }
        if (extra >= 16) {
            sn->disk_size = qcow2_be64(x + 8);
        }
        if (extra >= 24) {
            sn->icount = qcow2_be64(x + 16);
        }
        if (extra > SN_EXTRA_LEN) {
            sn->extra_unknown = g_memdup2(x + SN_EXTRA_LEN, extra - SN_EXTRA_LEN);
        }
        sn->id_str = g_strndup((const char *)x + extra, id_len);
        sn->name = g_strndup((const char *)x + extra + id_len, name_len);
        g_free(b);
        pos += (len + 7) & ~7ull;
    }
    s->snapshots_size = pos - s->snapshots_offset;
    return true;
}

static uint64_t sn_entry_len(const Qcow2Snapshot *sn)
{
    uint32_t extra = MAX(sn->extra_size, (uint32_t)SN_EXTRA_LEN);
    return (SN_HEADER_LEN + extra + strlen(sn->id_str) + strlen(sn->name) + 7) & ~7ull;
}

/* Write the in-memory table to new clusters, point the header at it (one
 * write of nb_snapshots and the offset, header bytes 60-71), free the old. */
static int write_snapshot_table(Qcow2State *s)
{
    uint64_t size = 0;
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        size += sn_entry_len(&s->snapshots[i]);
    }
    if (size > QCOW2_MAX_SNAPSHOT_TABLE) {
        return -EFBIG;
    }
    int64_t off = 0;
    int ret = 0;
    if (size) {
        uint8_t *b = g_malloc0(size);
        uint64_t p = 0;
        for (uint32_t i = 0; i < s->nb_snapshots; i++) {
            Qcow2Snapshot *sn = &s->snapshots[i];
            uint32_t extra = MAX(sn->extra_size, (uint32_t)SN_EXTRA_LEN);
            size_t il = strlen(sn->id_str), nl = strlen(sn->name);
            uint8_t *e = b + p;
            qcow2_st64(e, sn->l1_table_offset);
            qcow2_st32(e + 8, sn->l1_size);
            qcow2_st16(e + 12, (uint16_t)il);
            qcow2_st16(e + 14, (uint16_t)nl);
            qcow2_st32(e + 16, sn->date_sec);
            qcow2_st32(e + 20, sn->date_nsec);
            qcow2_st64(e + 24, sn->vm_clock_nsec);
            qcow2_st32(e + 32, sn->vm_state_size > UINT32_MAX ? 0 : (uint32_t)sn->vm_state_size);
            qcow2_st32(e + 36, extra);
            qcow2_st64(e + 40, sn->vm_state_size);
            qcow2_st64(e + 48, sn->disk_size);
            qcow2_st64(e + 56, sn->icount);
            if (sn->extra_unknown) {
                memcpy(e + 40 + SN_EXTRA_LEN, sn->extra_unknown, extra - SN_EXTRA_LEN);
            }
            memcpy(e + SN_HEADER_LEN + extra, sn->id_str, il);
            memcpy(e + SN_HEADER_LEN + extra + il, sn->name, nl);
            p += sn_entry_len(sn);
        }
        off = qcow2_alloc_clusters(s, qcow2_align_up(s, size) >> s->cluster_bits);
        if (off < 0) {
            ret = (int)off;
        }
        if (ret >= 0) {
            ret = bdrv_flush(s->file);
        }
        if (ret >= 0) {
            ret = bdrv_pwrite_sync(s->file, (uint64_t)off, b, size);
        }
        g_free(b);
    }
    if (ret < 0) {
        return ret;
    }
    uint8_t h[12];
    qcow2_st32(h, s->nb_snapshots);
    qcow2_st64(h + 4, (uint64_t)off);
    ret = bdrv_pwrite_sync(s->file, HDR_NB_SNAPSHOTS, h, sizeof(h));
    if (ret < 0) {
        return ret;
    }
    uint64_t old_off = s->snapshots_offset, old_size = s->snapshots_size;
    s->snapshots_offset = (uint64_t)off;
    s->snapshots_size = size;
    if (old_off && old_size) {
        ret = qcow2_update_refcount(s, old_off, qcow2_align_up(s, old_size), -1);
    }
    return ret;
}

static Qcow2Snapshot *find_snapshot(Qcow2State *s, const char *id_or_name, uint32_t *idx)
{
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < s->nb_snapshots; i++) {
            const char *k = pass == 0 ? s->snapshots[i].id_str : s->snapshots[i].name;
            if (!strcmp(k, id_or_name)) {
                *idx = i;
                return &s->snapshots[i];
            }
        }
    }
    return NULL;
}

static uint64_t *read_l1(Qcow2State *s, uint64_t off, uint32_t size, int *ret)
{
    uint8_t *raw = g_malloc(size * 8ull + 8);
    uint64_t *l1 = g_new0(uint64_t, size + 1);
    *ret = size ? bdrv_pread(s->file, off, raw, size * 8ull) : 0;
    for (uint32_t i = 0; *ret >= 0 && i < size; i++) {
        l1[i] = qcow2_be64(raw + 8 * i);
    }
    g_free(raw);
    return l1;
}

static int64_t write_l1_copy(Qcow2State *s, const uint64_t *l1, uint32_t size)
{
    uint64_t bytes = qcow2_align_up(s, size * 8ull);
    if (!bytes) {
        return 0;
    }
    int64_t off = qcow2_alloc_clusters(s, bytes >> s->cluster_bits);
    if (off < 0) {
        return off;
    }
    uint8_t *raw = g_malloc0(bytes);
    for (uint32_t i = 0; i < size; i++) {
        qcow2_st64(raw + 8 * i, l1[i] & ~QCOW_OFLAG_COPIED);
    }
    int ret = bdrv_flush(s->file);
    if (ret >= 0) {
        ret = bdrv_pwrite_sync(s->file, (uint64_t)off, raw, bytes);
    }
    g_free(raw);
    return ret < 0 ? ret : off;
}

bool qcow2_snapshot_create(BlockDriverState *bs, BlockSnapshotInfo *info, Error **errp)
{
    Qcow2State *s = bdrv_opaque(bs);
    uint32_t idx;
    if (s->read_only) {
        error_setg(errp, "qcow2: '%s' is read-only", bdrv_filename(bs));
        return false;
    }
    if (info->name[0] && find_snapshot(s, info->name, &idx) &&
        !strcmp(s->snapshots[idx].name, info->name)) {
        error_setg(errp, "qcow2: a snapshot named '%s' already exists", info->name);
        return false;
    }
    if (s->nb_snapshots >= QCOW2_MAX_SNAPSHOTS) {
        error_setg(errp, "qcow2: too many snapshots");
        return false;
    }
    if (!info->id_str[0]) {
        unsigned long max = 0;
        for (uint32_t i = 0; i < s->nb_snapshots; i++) {
            max = MAX(max, strtoul(s->snapshots[i].id_str, NULL, 10));
        }
        snprintf(info->id_str, sizeof(info->id_str), "%lu", max + 1);
    } else if (find_snapshot(s, info->id_str, &idx) &&
               !strcmp(s->snapshots[idx].id_str, info->id_str)) {
        error_setg(errp, "qcow2: a snapshot with id '%s' already exists", info->id_str);
        return false;
    }
    if (!info->date_sec) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        info->date_sec = (uint32_t)ts.tv_sec;
        info->date_nsec = (uint32_t)ts.tv_nsec;
    }
    /* Every cluster reachable from the active L1 gains the snapshot's
     * reference first (a crash from here on leaks, never loses). */
    int ret = qcow2_update_tree_refcount(s, s->l1_table, s->l1_size, 1);
    if (ret >= 0) {
        ret = qcow2_fix_copied(s);   /* now shared: copy before writing */
    }
    int64_t l1off = ret >= 0 ? write_l1_copy(s, s->l1_table, s->l1_size) : ret;
    if (l1off < 0) {
        error_setg_errno(errp, (int)-l1off, "qcow2: creating snapshot '%s'%s", info->name,
                         l1off == -ERANGE ? " (refcount overflow: refcount_bits too small)"
                                          : "");
        return false;
    }
    s->snapshots = g_renew(Qcow2Snapshot, s->snapshots, s->nb_snapshots + 1);
    Qcow2Snapshot *sn = &s->snapshots[s->nb_snapshots++];
    memset(sn, 0, sizeof(*sn));
    sn->l1_table_offset = (uint64_t)l1off;
    sn->l1_size = s->l1_size;
    sn->id_str = g_strdup(info->id_str);
    sn->name = g_strdup(info->name);
    sn->date_sec = info->date_sec;
    sn->date_nsec = info->date_nsec;
    sn->vm_clock_nsec = info->vm_clock_nsec;
    sn->vm_state_size = info->vm_state_size;
    sn->disk_size = s->size;
    sn->icount = info->icount_valid ? info->icount : UINT64_MAX;
    sn->extra_size = SN_EXTRA_LEN;
    ret = write_snapshot_table(s);
    if (ret < 0) {
        s->nb_snapshots--;
        g_free(sn->id_str);
        g_free(sn->name);
        error_setg_errno(errp, -ret, "qcow2: writing the snapshot table");
        return false;
    }
    /* The VM state now belongs to the snapshot: drop it from the active
     * table so the next snapshot does not copy it (QEMU does the same). */
    for (uint32_t i = s->l1_vm_state_index; i < s->l1_size && ret >= 0; i++) {
        uint64_t e = s->l1_table[i];
        if (!(e & L1E_OFFSET_MASK)) {
            continue;
        }
        s->l1_table[i] = 0;
        ret = qcow2_write_l1_entry(s, i);
        if (ret >= 0) {
            ret = bdrv_flush(s->file);
        }
        if (ret >= 0) {
            ret = qcow2_update_tree_refcount(s, &e, 1, -1);
        }
    }
    if (ret >= 0) {
        ret = qcow2_fix_copied(s);
    }
    int dret = qcow2_l2_cache_drop(s);
    ret = ret < 0 ? ret : dret;
    if (ret < 0) {
        error_setg_errno(errp, -ret, "qcow2: snapshot '%s' created, dropping its VM state",
                         info->name);
        return false;
    }
    return true;
}

/* The snapshot to apply or delete, in an image we may change. */
static Qcow2Snapshot *find_writable_snapshot(Qcow2State *s, const char *id_or_name,
                                             uint32_t *idx, Error **errp)
{
    Qcow2Snapshot *sn = find_snapshot(s, id_or_name, idx);
    if (!sn) {
        error_setg(errp, "qcow2: no snapshot '%s' in '%s'", id_or_name,
                   bdrv_filename(s->bs));
        return NULL;
    }
    if (s->read_only) {
        error_setg(errp, "qcow2: '%s' is read-only", bdrv_filename(s->bs));
        return NULL;
    }
    return sn;
}

bool qcow2_snapshot_goto(BlockDriverState *bs, const char *id_or_name, Error **errp)
{
    Qcow2State *s = bdrv_opaque(bs);
    uint32_t idx;
    Qcow2Snapshot *sn = find_writable_snapshot(s, id_or_name, &idx, errp);
    if (!sn) {
        return false;
    }
    int ret;
    uint64_t *l1 = read_l1(s, sn->l1_table_offset, sn->l1_size, &ret);
    uint32_t sn_size = sn->l1_size;
    uint64_t sn_disk = sn->disk_size;
    uint64_t shift = s->cluster_bits + s->l2_bits;
    uint64_t need = (sn_disk + (1ull << shift) - 1) >> shift;
    if (ret >= 0 && need > sn_size) {
        ret = -EIO;   /* the snapshot's L1 does not cover its disk */
    }
    if (ret >= 0) {
        ret = qcow2_grow_l1(s, sn_size);
    }
    if (ret >= 0) {
        ret = qcow2_update_tree_refcount(s, l1, sn_size, 1);
    }
    uint64_t *old = NULL;
    uint32_t old_size = s->l1_size;
    if (ret >= 0) {
        old = g_memdup2(s->l1_table, old_size * 8ull);
        uint8_t *raw = g_malloc0(old_size * 8ull);
        for (uint32_t i = 0; i < old_size; i++) {
            s->l1_table[i] = i < sn_size ? l1[i] & ~QCOW_OFLAG_COPIED : 0;
            qcow2_st64(raw + 8 * i, s->l1_table[i]);
        }
        ret = bdrv_flush(s->file);
        if (ret >= 0) {
            ret = bdrv_pwrite_sync(s->file, s->l1_table_offset, raw, old_size * 8ull);
        }
        g_free(raw);
    }
    if (ret >= 0 && sn_disk != s->size) {
        ret = qcow2_write_header_u64(s, HDR_SIZE, sn_disk);
        if (ret >= 0) {
            s->size = sn_disk;
            s->l1_vm_state_index = (uint32_t)need;
        }
    }
    if (ret >= 0) {
        ret = qcow2_update_tree_refcount(s, old, old_size, -1);
    }
    /* Nothing was cached since the tree walks wrote the cache back. */
    int dret = qcow2_l2_cache_drop(s);
    ret = ret < 0 ? ret : dret;
    s->cluster_buf_entry = 0;
    if (ret >= 0) {
        ret = qcow2_fix_copied(s);
    }
    g_free(old);
    g_free(l1);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "qcow2: applying snapshot '%s'", id_or_name);
        return false;
    }
    return true;
}

bool qcow2_snapshot_delete(BlockDriverState *bs, const char *id_or_name, Error **errp)
{
    Qcow2State *s = bdrv_opaque(bs);
    uint32_t idx;
    Qcow2Snapshot *sn = find_writable_snapshot(s, id_or_name, &idx, errp);
    if (!sn) {
        return false;
    }
    Qcow2Snapshot gone = *sn;
    memmove(sn, sn + 1, (s->nb_snapshots - idx - 1) * sizeof(*sn));
    s->nb_snapshots--;
    int ret = write_snapshot_table(s);
    if (ret < 0) {
        /* Put it back: the image still lists it. */
        memmove(s->snapshots + idx + 1, s->snapshots + idx,
                (s->nb_snapshots - idx) * sizeof(*sn));
        s->snapshots[idx] = gone;
        s->nb_snapshots++;
        error_setg_errno(errp, -ret, "qcow2: writing the snapshot table");
        return false;
    }
    uint64_t *l1 = read_l1(s, gone.l1_table_offset, gone.l1_size, &ret);
    if (ret >= 0) {
        ret = qcow2_update_tree_refcount(s, l1, gone.l1_size, -1);
    }
    if (ret >= 0 && gone.l1_size) {
        ret = qcow2_update_refcount(s, gone.l1_table_offset,
                                    qcow2_align_up(s, gone.l1_size * 8ull), -1);
    }
    if (ret >= 0) {
        ret = qcow2_fix_copied(s);
    }
    g_free(l1);
    g_free(gone.id_str);
    g_free(gone.name);
    g_free(gone.extra_unknown);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "qcow2: snapshot '%s' deleted, freeing its clusters "
                         "(check -r leaks repairs)", id_or_name);
        return false;
    }
    return true;
}

int qcow2_snapshot_list(BlockDriverState *bs, BlockSnapshotInfo **list)
{
    Qcow2State *s = bdrv_opaque(bs);
    BlockSnapshotInfo *l = g_new0(BlockSnapshotInfo, MAX(s->nb_snapshots, 1u));
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        Qcow2Snapshot *sn = &s->snapshots[i];
        g_strlcpy(l[i].id_str, sn->id_str, sizeof(l[i].id_str));
        g_strlcpy(l[i].name, sn->name, sizeof(l[i].name));
        l[i].vm_state_size = sn->vm_state_size;
        l[i].date_sec = sn->date_sec;
        l[i].date_nsec = sn->date_nsec;
        l[i].vm_clock_nsec = sn->vm_clock_nsec;
        l[i].icount_valid = sn->icount != UINT64_MAX;
        l[i].icount = l[i].icount_valid ? sn->icount : 0;
    }
    *list = l;
    return (int)s->nb_snapshots;
}

int64_t qcow2_save_vmstate(BlockDriverState *bs, const uint8_t *buf, int64_t pos,
                           int64_t size)
{
    Qcow2State *s = bdrv_opaque(bs);
    if (pos < 0 || size < 0) {
        return -EINVAL;
    }
    int ret = qcow2_write_guest(s, qcow2_vm_state_offset(s) + (uint64_t)pos, buf,
                                (uint64_t)size);
    return ret < 0 ? ret : size;
}

int64_t qcow2_load_vmstate(BlockDriverState *bs, uint8_t *buf, int64_t pos, int64_t size)
{
    Qcow2State *s = bdrv_opaque(bs);
    if (pos < 0 || size < 0) {
        return -EINVAL;
    }
    int ret = qcow2_read_guest(s, qcow2_vm_state_offset(s) + (uint64_t)pos, buf,
                               (uint64_t)size);
    return ret < 0 ? ret : size;
}
