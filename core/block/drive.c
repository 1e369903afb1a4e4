/*
 * Drives: -drive, -hda..-hdd, -cdrom and -blockdev turned into backends,
 * and the (interface, bus, unit) table controllers look their drives up
 * in (board_drive_get).
 *
 * -drive takes its own keys (DRIVE_KEYS below); every other key is an
 * option of the image's node ("file.locking=off", "cache.direct=on",
 * "node-name=..."), and one that no driver reads is an error naming it.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <string.h>
#include <cardcage/module.h>
#include "block/block-backend.h"
#include "block/drive.h"

static const char *const if_names[IF__MAX] = {
    [IF_NONE] = "none", [IF_IDE] = "ide", [IF_FLOPPY] = "floppy",
    [IF_SCSI] = "scsi", [IF_VIRTIO] = "virtio",
};

/* Units per bus and buses per interface (IDE: master and slave on the
 * primary and secondary channel). */
static const int if_units[IF__MAX] = { [IF_IDE] = 2, [IF_FLOPPY] = 2, [IF_SCSI] = 7,
                                       [IF_VIRTIO] = 1 };
static const int if_max_bus[IF__MAX] = { [IF_IDE] = 2, [IF_FLOPPY] = 1, [IF_SCSI] = 1,
                                         [IF_VIRTIO] = 32 };

static bool snapshot_all;    /* -snapshot */

void drive_set_snapshot_all(bool on)
{
    snapshot_all = on;
}

const char *drive_if_name(BlockInterfaceType t)
{
    return (unsigned)t < IF__MAX ? if_names[t] : "?";
}

int board_drive_units_per_bus(BlockInterfaceType type)
{
    return (unsigned)type < IF__MAX && if_units[type] ? if_units[type] : 1;
}

BlockBackend *board_drive_get(BlockInterfaceType type, int bus, int unit)
{
    GPtrArray *all = blk_all();
    for (guint i = 0; i < all->len; i++) {
        BlockBackend *blk = g_ptr_array_index(all, i);
        if (blk->iftype == type && type != IF_NONE && blk->bus == bus && blk->unit == unit) {
            return blk;
        }
    }
    return NULL;
}

int board_drive_get_max_bus(BlockInterfaceType type)
{
    int max = -1;
    GPtrArray *all = blk_all();
    for (guint i = 0; i < all->len; i++) {
        BlockBackend *blk = g_ptr_array_index(all, i);
        if (blk->iftype == type && type != IF_NONE && blk->bus > max) {
            max = blk->bus;
        }
    }
    return max;
}

static bool parse_cache(const char *mode, BlockBackend *blk, int *flags, Error **errp)
{
    /* QEMU's cache modes: which of (guest-visible write cache, host page
     * cache bypass, flushes honoured) each means. */
    static const struct {
        const char *name;
        bool wce, direct, no_flush;
    } modes[] = {
        { "writeback", true, false, false },
        { "none", true, true, false },
        { "writethrough", false, false, false },
        { "directsync", false, true, false },
        { "unsafe", true, false, true },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(modes); i++) {
        if (!strcmp(mode, modes[i].name)) {
            blk->wce = modes[i].wce;
            blk->writethrough = !modes[i].wce;
            *flags = (*flags & ~(BDRV_O_NOCACHE | BDRV_O_NO_FLUSH)) |
                     (modes[i].direct ? BDRV_O_NOCACHE : 0) |
                     (modes[i].no_flush ? BDRV_O_NO_FLUSH : 0);
            return true;
        }
    }
    error_setg(errp, "option 'cache': '%s' is not one of writeback, none, writethrough, "
               "directsync, unsafe", mode);
    return false;
}

static bool parse_enum(const char *key, const char *v, const char *const *names, int n,
                       int *out, Error **errp)
{
    for (int i = 0; i < n; i++) {
        if (names[i] && !strcmp(v, names[i])) {
            *out = i;
            return true;
        }
    }
    GString *all = g_string_new("");
    for (int i = 0; i < n; i++) {
        if (names[i]) {
            g_string_append_printf(all, "%s%s", all->len ? ", " : "", names[i]);
        }
    }
    error_setg(errp, "option '%s': '%s' is not one of %s", key, v, all->str);
    g_string_free(all, TRUE);
    return false;
}

static bool get_int(BlockOpts *o, const char *key, int min, int max, int *out, Error **errp)
{
    uint64_t v;
    if (!block_opts_has(o, key)) {
        return true;
    }
    if (!block_opts_get_uint(o, key, 0, &v, errp)) {
        return false;
    }
    if ((int64_t)v < min || v > (uint64_t)max) {
        error_setg(errp, "option '%s': %" G_GUINT64_FORMAT " is out of range %d..%d", key, v,
                   min, max);
        return false;
    }
    *out = (int)v;
    return true;
}

/* Bus and unit from bus=/unit=/index=, or the first free unit. */
static bool place_drive(BlockOpts *o, BlockInterfaceType iftype, int *pbus, int *punit,
                        Error **errp)
{
    int upb = board_drive_units_per_bus(iftype);
    int maxbus = if_max_bus[iftype] ? if_max_bus[iftype] : 1;
    int bus = -1, unit = -1, index = -1;
    if (!get_int(o, "bus", 0, maxbus - 1, &bus, errp) ||
        !get_int(o, "unit", 0, upb - 1, &unit, errp) ||
        !get_int(o, "index", 0, maxbus * upb - 1, &index, errp)) {
        return false;
    }
    if (index >= 0) {
        if (bus >= 0 || unit >= 0) {
            error_setg(errp, "index= cannot be used with bus= or unit=");
            return false;
        }
        bus = index / upb;
        unit = index % upb;
    }
    if (iftype == IF_NONE) {
        *pbus = *punit = -1;
        return true;
    }
    if (unit < 0) {
        for (int u = (bus < 0 ? 0 : bus * upb); u < maxbus * upb; u++) {
            if (bus >= 0 && u / upb != bus) {
                break;
            }
            if (!board_drive_get(iftype, u / upb, u % upb)) {
                bus = u / upb;
                unit = u % upb;
                break;
            }
        }
        if (unit < 0) {
            error_setg(errp, "no free %s unit left", if_names[iftype]);
            return false;
        }
    }
    if (bus < 0) {
        bus = 0;
    }
    if (board_drive_get(iftype, bus, unit)) {
        error_setg(errp, "%s bus %d unit %d is already taken by drive '%s'", if_names[iftype],
                   bus, unit, blk_name(board_drive_get(iftype, bus, unit)));
        return false;
    }
    *pbus = bus;
    *punit = unit;
    return true;
}

static char *default_id(BlockInterfaceType t, int bus, int unit, BlockMedia media)
{
    /* QEMU's names: ide0-hd0, ide1-cd0. */
    if (t == IF_IDE || t == IF_SCSI) {
        return g_strdup_printf("%s%d-%s%d", if_names[t], bus,
                               media == BLOCK_MEDIA_CDROM ? "cd" : "hd", unit);
    }
    return g_strdup_printf("%s%d", if_names[t], bus * board_drive_units_per_bus(t) + unit);
}

static bool parse_geometry(BlockOpts *o, BlockBackend *blk, Error **errp)
{
    static const char *const trans_names[] = { "auto", "none", "lba", "large" };
    int c = 0, h = 0, s = 0, trans = BLOCK_TRANS_AUTO;
    if (!get_int(o, "cyls", 1, 65535, &c, errp) || !get_int(o, "heads", 1, 16, &h, errp) ||
        !get_int(o, "secs", 1, 255, &s, errp)) {
        return false;
    }
    const char *t = block_opts_get(o, "trans");
    if (t && !parse_enum("trans", t, trans_names, 4, &trans, errp)) {
        return false;
    }
    if ((c || h || s) && !(c && h && s)) {
        error_setg(errp, "cyls=, heads= and secs= go together");
        return false;
    }
    blk->has_geo = c != 0;
    blk->geo = (BlockGeometry){ c, h, s, trans };
    return true;
}

BlockBackend *drive_add(const char *optstr, Error **errp)
{
    module_call_init(MODULE_INIT_BLOCK);
    BlockOpts *o = block_opts_new();
    BlockBackend *blk = NULL;
    BlockDriverState *bs = NULL;
    if (!block_opts_parse(o, optstr, errp)) {
        goto out;
    }
    int iftype = IF_IDE, media = BLOCK_MEDIA_DISK;
    static const char *const media_names[] = { "disk", "cdrom" };
    const char *v;
    if ((v = block_opts_get(o, "if")) && !parse_enum("if", v, if_names, IF__MAX, &iftype, errp)) {
        goto out;
    }
    if ((v = block_opts_get(o, "media")) &&
        !parse_enum("media", v, media_names, 2, &media, errp)) {
        goto out;
    }
    int bus, unit;
    if (!place_drive(o, iftype, &bus, &unit, errp)) {
        goto out;
    }
    const char *id = block_opts_get(o, "id");
    char *gen_id = NULL;
    if (!id || !*id) {
        if (iftype == IF_NONE) {
            error_setg(errp, "if=none needs id=");
            goto out;
        }
        id = gen_id = default_id(iftype, bus, unit, media);
    }
    /* The backend first (it holds the device-side settings), its medium
     * after. */
    blk = blk_new(id, NULL, errp);
    g_free(gen_id);
    if (!blk) {
        goto out;
    }
    blk->iftype = iftype;
    blk->bus = bus;
    blk->unit = unit;
    blk->media = media;
    int flags = BDRV_O_RDWR;
    bool ro = media == BLOCK_MEDIA_CDROM, snapshot = snapshot_all;
    if (!block_opts_get_bool(o, "readonly", ro, &ro, errp) ||
        !block_opts_get_bool(o, "snapshot", snapshot, &snapshot, errp)) {
        goto fail;
    }
    if (ro) {
        flags &= ~BDRV_O_RDWR;
    }
    if ((v = block_opts_get(o, "cache")) && !parse_cache(v, blk, &flags, errp)) {
        goto fail;
    }
    if ((v = block_opts_get(o, "werror")) && !blk_parse_error_action(v, true, &blk->werror)) {
        error_setg(errp, "option 'werror': '%s' is not one of report, ignore, stop, enospc", v);
        goto fail;
    }
    if ((v = block_opts_get(o, "rerror")) && !blk_parse_error_action(v, false, &blk->rerror)) {
        error_setg(errp, "option 'rerror': '%s' is not one of report, ignore, stop", v);
        goto fail;
    }
    if ((v = block_opts_get(o, "serial"))) {
        blk->serial = g_strdup(v);
    }
    if (!parse_geometry(o, blk, errp)) {
        goto fail;
    }
    if ((v = block_opts_get(o, "aio")) && strcmp(v, "threads") && strcmp(v, "native") &&
        strcmp(v, "io_uring")) {
        error_setg(errp, "option 'aio': '%s' is not one of threads, native, io_uring", v);
        goto fail;
    }
    /* Discard requests always reach the driver (which may ignore them). */
    if ((v = block_opts_get(o, "discard")) && strcmp(v, "ignore") && strcmp(v, "off") &&
        strcmp(v, "unmap") && strcmp(v, "on")) {
        error_setg(errp, "option 'discard': '%s' is not one of ignore, unmap", v);
        goto fail;
    }
    blk->read_only = ro;
    blk->open_flags = flags;
    const char *file = block_opts_get(o, "file");
    const char *format = block_opts_get(o, "format");
    if (format && !strcmp(format, "help")) {
        error_setg(errp, "formats: %s", drive_format_list());
        goto fail;
    }
    if (file && *file) {
        /* Under snapshot=on the image itself is only read. */
        BlockOpts *node = block_opts_unused(o);
        bs = bdrv_open(file, format, node, snapshot ? flags & ~BDRV_O_RDWR : flags, errp);
        block_opts_free(node);
        if (!bs) {
            goto fail;
        }
        if (snapshot && !ro && !(bs = drive_snapshot_overlay(bs, errp))) {
            goto fail;
        }
        blk->root = bs;
        blk_update_length(blk);
    } else if (media != BLOCK_MEDIA_CDROM) {
        error_setg(errp, "a disk drive needs file= (only media=cdrom may be empty)");
        goto fail;
    } else if (!block_opts_check_all_used(o, "-drive", errp)) {
        goto fail;
    }
    goto out;
fail:
    blk_unref(blk);
    blk = NULL;
out:
    block_opts_free(o);
    return blk;
}

void drive_del(BlockBackend *blk)
{
    if (blk && !blk->dev) {
        blk_unref(blk);
    }
}

char *drive_format_list(void)
{
    GPtrArray *d = bdrv_all_drivers();
    GString *s = g_string_new("");
    for (guint i = 0; i < d->len; i++) {
        BlockDriver *drv = g_ptr_array_index(d, i);
        g_string_append_printf(s, "%s%s", s->len ? " " : "", drv->format_name);
    }
    return g_string_free(s, FALSE);
}

void drive_print_formats(FILE *out)
{
    char *list = drive_format_list();
    fprintf(out, "Supported formats: %s\n", list);
    g_free(list);
    GPtrArray *d = bdrv_all_drivers();
    for (guint i = 0; i < d->len; i++) {
        BlockDriver *drv = g_ptr_array_index(d, i);
        fprintf(out, "  %-14s %s\n", drv->format_name, drv->description ? drv->description : "");
    }
}

bool drive_check_orphans(Error **errp)
{
    GPtrArray *all = blk_all();
    for (guint i = 0; i < all->len; i++) {
        BlockBackend *blk = g_ptr_array_index(all, i);
        if (blk->iftype != IF_NONE && !blk->dev) {
            error_setg(errp, "drive '%s' (if=%s bus %d unit %d): no device of this board "
                       "takes it (is the %s controller plugin loaded?)", blk->name,
                       if_names[blk->iftype], blk->bus, blk->unit, if_names[blk->iftype]);
            return false;
        }
    }
    return true;
}

void block_cleanup_all(void)
{
    blk_drain_all();
    GPtrArray *n = bdrv_all_nodes();
    for (guint i = 0; i < n->len; i++) {
        BlockDriverState *bs = g_ptr_array_index(n, i);
        if (!bdrv_is_read_only(bs)) {
            bdrv_flush(bs);
        }
    }
}
