/*
 * Backends: what a device holds.  A backend has a name (the -drive id or
 * the -blockdev node-name), a root node (none: no medium), the device's
 * view (media, geometry, write cache, tray) and the asynchronous request
 * path: a request is executed off the device's call (aio.c), and its
 * completion runs on the main loop, where werror/rerror decide what the
 * device sees.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <string.h>
#include <cardcage/device.h>
#include <cardcage/timer.h>
#include "block/block-backend.h"
#include "block/aio.h"

static GPtrArray *backends;   /* BlockBackend *, in creation order */

GPtrArray *blk_all(void)
{
    if (!backends) {
        backends = g_ptr_array_new();
    }
    return backends;
}

BlockBackend *blk_by_name(const char *name)
{
    for (guint i = 0; name && backends && i < backends->len; i++) {
        BlockBackend *blk = g_ptr_array_index(backends, i);
        if (!strcmp(blk->name, name)) {
            return blk;
        }
    }
    return NULL;
}

BlockBackend *blk_by_name_or_node(const char *name)
{
    BlockBackend *blk = blk_by_name(name);
    if (blk) {
        return blk;
    }
    BlockDriverState *bs = bdrv_find_node(name);
    if (!bs) {
        return NULL;
    }
    blk = blk_new(name, bdrv_ref(bs), NULL);
    if (blk) {
        blk->is_blockdev = true;
        blk->iftype = IF_NONE;
    }
    return blk;
}

BlockBackend *blk_new(const char *name, BlockDriverState *root, Error **errp)
{
    if (name && blk_by_name(name)) {
        error_setg(errp, "a drive with id '%s' exists already", name);
        return NULL;
    }
    BlockBackend *blk = g_new0(BlockBackend, 1);
    blk->refcnt = 1;
    blk->name = g_strdup(name);
    blk->root = root;
    blk->wce = true;
    blk->read_only = root ? bdrv_is_read_only(root) : false;
    blk->open_flags = root ? bdrv_open_flags(root) : BDRV_O_RDWR;
    blk->werror = BLOCK_ERROR_ENOSPC;
    blk->rerror = BLOCK_ERROR_REPORT;
    blk->inflight = g_ptr_array_new();
    blk->bus = blk->unit = -1;
    g_mutex_init(&blk->tree_lock);
    blk_update_length(blk);
    g_ptr_array_add(blk_all(), blk);
    return blk;
}

void blk_unref(BlockBackend *blk)
{
    if (!blk || --blk->refcnt > 0) {
        return;
    }
    blk_drain(blk);
    blk_worker_free(blk);
    g_ptr_array_remove(blk_all(), blk);
    bdrv_unref(blk->root);
    g_mutex_clear(&blk->tree_lock);
    g_ptr_array_unref(blk->inflight);
    g_free(blk->name);
    g_free(blk->serial);
    g_free(blk);
}

/* ---- device attachment (DEFINE_PROP_DRIVE) ---- */

bool blk_attach_dev(BlockBackend *blk, DeviceState *dev, Error **errp)
{
    if (blk->dev && blk->dev != dev) {
        const char *id = device_get_id(blk->dev);
        error_setg(errp, "drive '%s' is in use by device '%s'", blk->name,
                   id ? id : object_get_typename((Object *)blk->dev));
        return false;
    }
    blk->dev = dev;
    return true;
}

void blk_detach_dev(BlockBackend *blk, DeviceState *dev)
{
    if (blk->dev == dev) {
        blk_drain(blk);
        blk->dev = NULL;
        blk->dev_ops = NULL;
        blk->dev_opaque = NULL;
    }
}

DeviceState *blk_get_attached_dev(BlockBackend *blk)
{
    return blk ? blk->dev : NULL;
}

/* ---- what the device shows ---- */

const char *blk_name(const BlockBackend *blk)
{
    return blk && blk->name ? blk->name : "";
}

void blk_update_length(BlockBackend *blk)
{
    int64_t len = 0;
    if (blk->root) {
        g_mutex_lock(&blk->tree_lock);
        len = bdrv_getlength(blk->root);
        g_mutex_unlock(&blk->tree_lock);
    }
    blk->length = len < 0 ? 0 : len;
}

int64_t blk_getlength(BlockBackend *blk)
{
    return blk && blk->root ? blk->length : 0;
}

uint64_t blk_nb_sectors(BlockBackend *blk)
{
    return (uint64_t)blk_getlength(blk) >> BDRV_SECTOR_BITS;
}

bool blk_is_read_only(BlockBackend *blk)
{
    return blk && (blk->read_only || (blk->root && bdrv_is_read_only(blk->root)));
}

bool blk_is_inserted(BlockBackend *blk)
{
    return blk && blk->root;
}

BlockMedia blk_get_media(BlockBackend *blk)
{
    return blk ? blk->media : BLOCK_MEDIA_DISK;
}

bool blk_get_geometry_hint(BlockBackend *blk, BlockGeometry *geo)
{
    if (!blk || !blk->has_geo) {
        memset(geo, 0, sizeof(*geo));
        if (blk) {
            geo->trans = blk->geo.trans;
        }
        return false;
    }
    *geo = blk->geo;
    return true;
}

bool blk_enable_write_cache(BlockBackend *blk)
{
    return blk && blk->wce;
}

void blk_set_enable_write_cache(BlockBackend *blk, bool wce)
{
    if (blk) {
        blk->wce = wce;
    }
}

const char *blk_get_serial(BlockBackend *blk)
{
    return blk ? blk->serial : NULL;
}

const char *blk_get_filename(BlockBackend *blk)
{
    return blk && blk->root ? bdrv_filename(blk->root) : "";
}

/* ---- removable media ---- */

void blk_set_dev_ops(BlockBackend *blk, const BlockDevOps *ops, void *opaque)
{
    if (blk) {
        blk->dev_ops = ops;
        blk->dev_opaque = opaque;
    }
}

void blk_remove_medium(BlockBackend *blk)
{
    if (!blk->root) {
        return;
    }
    blk_drain(blk);
    bdrv_unref(blk->root);
    blk->root = NULL;
    blk->length = 0;
    if (blk->dev_ops && blk->dev_ops->change_media_cb) {
        blk->dev_ops->change_media_cb(blk->dev_opaque, false);
    }
}

bool blk_insert_medium(BlockBackend *blk, BlockDriverState *bs, Error **errp)
{
    if (blk->root) {
        error_setg(errp, "drive '%s' already has a medium", blk->name);
        return false;
    }
    blk->root = bs;
    blk_update_length(blk);
    if (blk->dev_ops && blk->dev_ops->change_media_cb) {
        blk->dev_ops->change_media_cb(blk->dev_opaque, true);
    }
    return true;
}

void blk_notify_tray_moved(BlockBackend *blk, bool open)
{
    if (!blk || blk->tray_open == open) {
        return;
    }
    blk->tray_open = open;
    blk_emit_tray_moved(blk, open);
    if (open && blk->eject_pending) {
        blk->eject_pending = false;
        blk_remove_medium(blk);
    }
}

void blk_notify_medium_locked(BlockBackend *blk, bool locked)
{
    if (blk) {
        blk->locked = locked;
    }
}

/* ---- error actions ---- */

static const char *const action_names[] = {
    [BLOCK_ERROR_REPORT] = "report", [BLOCK_ERROR_IGNORE] = "ignore",
    [BLOCK_ERROR_STOP] = "stop", [BLOCK_ERROR_ENOSPC] = "enospc",
};

const char *blk_error_action_name(BlockErrorAction a)
{
    return (unsigned)a < G_N_ELEMENTS(action_names) ? action_names[a] : "?";
}

bool blk_parse_error_action(const char *text, bool is_write, BlockErrorAction *out)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(action_names); i++) {
        /* enospc is a werror policy only (reads never see ENOSPC). */
        if (!strcmp(text, action_names[i]) && (is_write || i != BLOCK_ERROR_ENOSPC)) {
            *out = i;
            return true;
        }
    }
    return false;
}
