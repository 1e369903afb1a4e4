/*
 * The block layer's QMP commands: query-block, query-blockstats,
 * query-named-block-nodes, block_resize, eject, blockdev-change-medium,
 * blockdev-open-tray/-close-tray, blockdev-add.  Result members follow
 * QEMU's BlockInfo, BlockStats and BlockDeviceInfo.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <string.h>
#include <json-c/json.h>
#include <cardcage/device.h>
#include <cardcage/qmp.h>
#include "block/aio.h"
#include "block/drive.h"

#define ADD(o, k, v) json_object_object_add((o), (k), (v))

/* ---- building results ---- */

static int backing_depth(BlockDriverState *bs)
{
    int d = 0;
    for (BlockDriverState *b = bdrv_backing(bs); b; b = bdrv_backing(b)) {
        d++;
    }
    return d;
}

/* Format nodes are what the user opened; walk to the image's format
 * node's info (ImageInfo). */
static json_object *image_info(BlockDriverState *bs)
{
    json_object *img = json_object_new_object();
    ADD(img, "filename", json_object_new_string(bdrv_filename(bs)));
    ADD(img, "format", json_object_new_string(bdrv_driver(bs)->format_name));
    int64_t len = bdrv_getlength(bs);
    ADD(img, "virtual-size", json_object_new_int64(len < 0 ? 0 : len));
    int64_t alloc = bdrv_get_allocated_size(bs);
    if (alloc >= 0) {
        ADD(img, "actual-size", json_object_new_int64(alloc));
    }
    ADD(img, "dirty-flag", json_object_new_boolean(false));
    BlockDriverInfo bdi;
    if (bdrv_get_info(bs, &bdi)) {
        if (bdi.cluster_size) {
            ADD(img, "cluster-size", json_object_new_int64(bdi.cluster_size));
        }
        ADD(img, "dirty-flag", json_object_new_boolean(bdi.is_dirty));
    }
    if (*bdrv_backing_filename(bs)) {
        ADD(img, "backing-filename", json_object_new_string(bdrv_backing_filename(bs)));
        if (*bdrv_backing_format(bs)) {
            ADD(img, "backing-filename-format",
                json_object_new_string(bdrv_backing_format(bs)));
        }
    }
    if (bdrv_backing(bs)) {
        ADD(img, "full-backing-filename", json_object_new_string(bdrv_filename(bdrv_backing(bs))));
        ADD(img, "backing-image", image_info(bdrv_backing(bs)));
    }
    return img;
}

static json_object *node_info(BlockDriverState *bs, BlockBackend *blk)
{
    json_object *n = json_object_new_object();
    int flags = bdrv_open_flags(bs);
    ADD(n, "file", json_object_new_string(bdrv_filename(bs)));
    ADD(n, "node-name", json_object_new_string(bdrv_node_name(bs)));
    ADD(n, "ro", json_object_new_boolean(bdrv_is_read_only(bs)));
    ADD(n, "drv", json_object_new_string(bdrv_driver(bs)->format_name));
    if (bdrv_backing(bs)) {
        ADD(n, "backing_file", json_object_new_string(bdrv_filename(bdrv_backing(bs))));
    }
    ADD(n, "backing_file_depth", json_object_new_int(backing_depth(bs)));
    ADD(n, "encrypted", json_object_new_boolean(false));
    ADD(n, "detect_zeroes", json_object_new_string("off"));
    static const char *const zero_limits[] = {
        "bps", "bps_rd", "bps_wr", "iops", "iops_rd", "iops_wr",
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(zero_limits); i++) {
        ADD(n, zero_limits[i], json_object_new_int(0));   /* no I/O throttling */
    }
    ADD(n, "write_threshold", json_object_new_int(0));
    json_object *cache = json_object_new_object();
    ADD(cache, "writeback", json_object_new_boolean(blk ? !blk->writethrough : true));
    ADD(cache, "direct", json_object_new_boolean(!!(flags & BDRV_O_NOCACHE)));
    ADD(cache, "no-flush", json_object_new_boolean(!!(flags & BDRV_O_NO_FLUSH)));
    ADD(n, "cache", cache);
    ADD(n, "image", image_info(bs));
    return n;
}

static json_object *block_info(BlockBackend *blk)
{
    json_object *b = json_object_new_object();
    ADD(b, "device", json_object_new_string(blk->is_blockdev ? "" : blk->name));
    if (blk->dev) {
        char *path = object_get_canonical_path((Object *)blk->dev);
        ADD(b, "qdev", json_object_new_string(path ? path : ""));
        g_free(path);
    }
    bool removable = blk->media == BLOCK_MEDIA_CDROM;
    ADD(b, "type", json_object_new_string("unknown"));
    ADD(b, "removable", json_object_new_boolean(removable));
    bool locked = blk->locked;
    if (blk->dev_ops && blk->dev_ops->is_medium_locked) {
        locked = blk->dev_ops->is_medium_locked(blk->dev_opaque);
    }
    ADD(b, "locked", json_object_new_boolean(locked));
    if (removable) {
        bool open = blk->tray_open;
        if (blk->dev_ops && blk->dev_ops->is_tray_open) {
            open = blk->dev_ops->is_tray_open(blk->dev_opaque);
        }
        ADD(b, "tray_open", json_object_new_boolean(open));
    }
    ADD(b, "io-status", json_object_new_string(blk->stopped ? "failed" : "ok"));
    if (blk->root) {
        g_mutex_lock(&blk->tree_lock);
        ADD(b, "inserted", node_info(blk->root, blk));
        g_mutex_unlock(&blk->tree_lock);
    }
    return b;
}

static json_object *stats_json(BlockBackend *blk)
{
    const BlockAcctStats *s = &blk->stats;
    json_object *st = json_object_new_object();
    static const struct {
        const char *name;
        BlockAIOType t;
    } kinds[] = {
        { "rd", BLK_AIO_READ }, { "wr", BLK_AIO_WRITE }, { "flush", BLK_AIO_FLUSH },
        { "unmap", BLK_AIO_DISCARD }, { "zone_append", BLK_AIO__MAX },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(kinds); i++) {
        BlockAIOType t = kinds[i].t;
        bool real = t < BLK_AIO__MAX;
        char *k;
        if (t != BLK_AIO_FLUSH) {
            k = g_strdup_printf("%s_bytes", kinds[i].name);
            ADD(st, k, json_object_new_int64(real ? s->bytes[t] : 0));
            g_free(k);
        }
        k = g_strdup_printf("%s_operations", kinds[i].name);
        ADD(st, k, json_object_new_int64(real ? s->ops[t] : 0));
        g_free(k);
        k = g_strdup_printf("%s_total_time_ns", kinds[i].name);
        ADD(st, k, json_object_new_int64(real ? s->total_time_ns[t] : 0));
        g_free(k);
        k = g_strdup_printf("failed_%s_operations", kinds[i].name);
        ADD(st, k, json_object_new_int64(real ? s->failed_ops[t] : 0));
        g_free(k);
        k = g_strdup_printf("invalid_%s_operations", kinds[i].name);
        ADD(st, k, json_object_new_int64(0));
        g_free(k);
    }
    /* Write-zeroes count as writes, as in QEMU's accounting. */
    json_object_object_add(st, "wr_operations",
                           json_object_new_int64(s->ops[BLK_AIO_WRITE] +
                                                 s->ops[BLK_AIO_WRITE_ZEROES]));
    ADD(st, "rd_merged", json_object_new_int(0));
    ADD(st, "wr_merged", json_object_new_int(0));
    ADD(st, "unmap_merged", json_object_new_int(0));
    ADD(st, "wr_highest_offset", json_object_new_int64(blk->wr_highest_offset));
    ADD(st, "account_invalid", json_object_new_boolean(true));
    ADD(st, "account_failed", json_object_new_boolean(true));
    ADD(st, "timed_stats", json_object_new_array());
    return st;
}

/* ---- commands ---- */

static json_object *query_block(json_object *args, Error **errp)
{
    json_object *a = json_object_new_array();
    GPtrArray *all = blk_all();
    for (guint i = 0; i < all->len; i++) {
        json_object_array_add(a, block_info(g_ptr_array_index(all, i)));
    }
    return a;
}

static json_object *query_blockstats(json_object *args, Error **errp)
{
    json_object *a = json_object_new_array();
    GPtrArray *all = blk_all();
    for (guint i = 0; i < all->len; i++) {
        BlockBackend *blk = g_ptr_array_index(all, i);
        json_object *e = json_object_new_object();
        ADD(e, "device", json_object_new_string(blk->is_blockdev ? "" : blk->name));
        if (blk->root) {
            ADD(e, "node-name", json_object_new_string(bdrv_node_name(blk->root)));
        }
        if (blk->dev) {
            char *path = object_get_canonical_path((Object *)blk->dev);
            ADD(e, "qdev", json_object_new_string(path ? path : ""));
            g_free(path);
        }
        ADD(e, "stats", stats_json(blk));
        json_object_array_add(a, e);
    }
    return a;
}

static json_object *query_named_block_nodes(json_object *args, Error **errp)
{
    json_object *a = json_object_new_array();
    GPtrArray *nodes = bdrv_all_nodes();
    for (guint i = 0; i < nodes->len; i++) {
        json_object_array_add(a, node_info(g_ptr_array_index(nodes, i), NULL));
    }
    return a;
}

static const char *arg_str(json_object *args, const char *name)
{
    json_object *v = json_object_object_get(args, name);
    return v ? json_object_get_string(v) : NULL;
}

/* A backend by "device" (drive id) or "id" (the device's qdev id) or, for
 * block_resize, "node-name". */
static BlockBackend *find_backend(json_object *args, Error **errp)
{
    const char *dev = arg_str(args, "device"), *id = arg_str(args, "id");
    if (dev && *dev) {
        BlockBackend *blk = blk_by_name(dev);
        if (!blk) {
            qmp_error_setg(errp, QMP_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found", dev);
        }
        return blk;
    }
    if (id && *id) {
        GPtrArray *all = blk_all();
        for (guint i = 0; i < all->len; i++) {
            BlockBackend *blk = g_ptr_array_index(all, i);
            if (blk->dev && device_get_id(blk->dev) && !strcmp(device_get_id(blk->dev), id)) {
                return blk;
            }
        }
        qmp_error_setg(errp, QMP_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found", id);
        return NULL;
    }
    error_setg(errp, "Need exactly one of 'device' and 'id'");
    return NULL;
}

static json_object *block_resize(json_object *args, Error **errp)
{
    const char *node = arg_str(args, "node-name");
    int64_t size = json_object_get_int64(json_object_object_get(args, "size"));
    BlockBackend *blk = NULL;
    BlockDriverState *bs = NULL;
    if (node) {
        bs = bdrv_find_node(node);
        if (!bs) {
            error_setg(errp, "Cannot find node %s", node);
            return NULL;
        }
        GPtrArray *all = blk_all();
        for (guint i = 0; i < all->len; i++) {
            BlockBackend *b = g_ptr_array_index(all, i);
            if (b->root == bs) {
                blk = b;
            }
        }
    } else {
        blk = find_backend(args, errp);
        if (!blk) {
            return NULL;
        }
        bs = blk->root;
        if (!bs) {
            error_setg(errp, "Device '%s' has no medium", blk->name);
            return NULL;
        }
    }
    if (size < 0) {
        error_setg(errp, "Parameter 'size' expects a >0 size");
        return NULL;
    }
    if (blk) {
        blk_drain(blk);
        g_mutex_lock(&blk->tree_lock);
    }
    bool ok = bdrv_truncate(bs, size, NULL, errp);
    if (blk) {
        g_mutex_unlock(&blk->tree_lock);
        blk_update_length(blk);
        if (ok && blk->dev_ops && blk->dev_ops->resize_cb) {
            blk->dev_ops->resize_cb(blk->dev_opaque);
        }
    }
    return ok ? qmp_ok() : NULL;
}

static bool removable(BlockBackend *blk, Error **errp)
{
    if (blk->media != BLOCK_MEDIA_CDROM) {
        error_setg(errp, "Device '%s' is not removable", blk->name);
        return false;
    }
    return true;
}

static bool medium_locked(BlockBackend *blk)
{
    if (blk->dev_ops && blk->dev_ops->is_medium_locked) {
        return blk->dev_ops->is_medium_locked(blk->dev_opaque);
    }
    return blk->locked;
}

static bool tray_is_open(BlockBackend *blk)
{
    if (blk->dev_ops && blk->dev_ops->is_tray_open) {
        return blk->dev_ops->is_tray_open(blk->dev_opaque);
    }
    return blk->tray_open;
}

/* Open the tray (QEMU's do_open_tray): a locked medium without force
 * only gets the guest asked, and an error. */
static bool open_tray(BlockBackend *blk, bool force, Error **errp)
{
    if (!removable(blk, errp)) {
        return false;
    }
    if (tray_is_open(blk)) {
        return true;
    }
    bool locked = medium_locked(blk);
    if (blk->dev_ops && blk->dev_ops->eject_request_cb) {
        blk->dev_ops->eject_request_cb(blk->dev_opaque, force);
    }
    if (locked && !force) {
        error_setg(errp, "Device '%s' is locked and force was not specified, wait for tray "
                   "to open and try again", blk->name);
        return false;
    }
    if (!tray_is_open(blk) && !(blk->dev_ops && blk->dev_ops->is_tray_open)) {
        /* A device that does not track its tray: the layer does. */
        blk_notify_tray_moved(blk, true);
    }
    return true;
}

static json_object *eject(json_object *args, Error **errp)
{
    BlockBackend *blk = find_backend(args, errp);
    json_object *f = json_object_object_get(args, "force");
    bool force = f && json_object_get_boolean(f);
    if (!blk || !open_tray(blk, force, errp)) {
        return NULL;
    }
    blk_remove_medium(blk);
    return qmp_ok();
}

static json_object *open_tray_cmd(json_object *args, Error **errp)
{
    BlockBackend *blk = find_backend(args, errp);
    json_object *f = json_object_object_get(args, "force");
    if (!blk || !open_tray(blk, f && json_object_get_boolean(f), errp)) {
        return NULL;
    }
    return qmp_ok();
}

static json_object *close_tray_cmd(json_object *args, Error **errp)
{
    BlockBackend *blk = find_backend(args, errp);
    if (!blk || !removable(blk, errp)) {
        return NULL;
    }
    if (blk->dev_ops && blk->dev_ops->change_media_cb && tray_is_open(blk)) {
        /* change_media_cb(true) is "tray closed, look at the medium". */
        blk->dev_ops->change_media_cb(blk->dev_opaque, true);
    }
    if (!(blk->dev_ops && blk->dev_ops->is_tray_open)) {
        blk_notify_tray_moved(blk, false);
    }
    return qmp_ok();
}

static json_object *change_medium(json_object *args, Error **errp)
{
    BlockBackend *blk = find_backend(args, errp);
    if (!blk) {
        return NULL;
    }
    const char *filename = arg_str(args, "filename");
    const char *format = arg_str(args, "format");
    const char *mode = arg_str(args, "read-only-mode");
    int flags = blk->open_flags;
    if (mode && !strcmp(mode, "read-only")) {
        flags &= ~BDRV_O_RDWR;
    } else if (mode && !strcmp(mode, "read-write")) {
        flags |= BDRV_O_RDWR;
    } else if (mode && strcmp(mode, "retain")) {
        error_setg(errp, "read-only-mode: '%s' is not one of retain, read-only, read-write",
                   mode);
        return NULL;
    }
    if (!open_tray(blk, false, errp)) {
        return NULL;
    }
    BlockDriverState *bs = bdrv_open(filename, format, NULL, flags, errp);
    if (!bs) {
        return NULL;
    }
    blk_remove_medium(blk);
    if (!blk_insert_medium(blk, bs, errp)) {
        bdrv_unref(bs);
        return NULL;
    }
    blk->read_only = bdrv_is_read_only(bs);
    if (!(blk->dev_ops && blk->dev_ops->is_tray_open)) {
        blk_notify_tray_moved(blk, false);
    }
    return qmp_ok();
}

static json_object *blockdev_add_cmd(json_object *args, Error **errp)
{
    const char *spec = json_object_to_json_string_ext(args, JSON_C_TO_STRING_PLAIN);
    return blockdev_add(spec, errp) ? qmp_ok() : NULL;
}

static const QmpCommandInfo block_commands[] = {
    { "query-block", NULL, "[BlockInfo]", query_block },
    { "query-blockstats", "?query-nodes:bool", "[BlockStats]", query_blockstats },
    { "query-named-block-nodes", "?flat:bool", "[BlockDeviceInfo]", query_named_block_nodes },
    { "block_resize", "?device:str ?node-name:str size:int", NULL, block_resize },
    { "eject", "?device:str ?id:str ?force:bool", NULL, eject },
    { "blockdev-open-tray", "?device:str ?id:str ?force:bool", NULL, open_tray_cmd },
    { "blockdev-close-tray", "?device:str ?id:str", NULL, close_tray_cmd },
    { "blockdev-change-medium", "?device:str ?id:str filename:str ?format:str "
                                "?force:bool ?read-only-mode:str", NULL, change_medium },
    /* The -blockdev keys in JSON form; nested objects for children. */
    { "blockdev-add", "driver:str node-name:str ?file:any ?filename:str ?backing:any "
                      "?read-only:bool ?auto-read-only:bool ?force-share:bool ?cache:object "
                      "?locking:str ?aio:str ?discard:str ?detect-zeroes:str ?offset:int "
                      "?size:int", NULL, blockdev_add_cmd },
};

static void block_qapi(void)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(block_commands); i++) {
        qmp_register_command(&block_commands[i], &error_abort);
    }
}
qapi_init(block_qapi)
