/*
 * The SDK's internal-snapshot, VM-state and check calls (block.h): thin
 * checks around the node's driver callbacks, for savevm/loadvm and
 * cardcage-img.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <string.h>
#include "block/block-internal.h"

static BlockDriver *drv_or_error(BlockDriverState *bs, bool has, const char *what,
                                 Error **errp)
{
    if (!bs || !bs->drv) {
        error_setg(errp, "no medium");
        return NULL;
    }
    if (!has) {
        error_setg(errp, "format %s does not support %s", bs->drv->format_name, what);
        return NULL;
    }
    return bs->drv;
}

bool bdrv_snapshot_create(BlockDriverState *bs, BlockSnapshotInfo *sn, Error **errp)
{
    BlockDriver *d = drv_or_error(bs, bs && bs->drv && bs->drv->snapshot_create,
                                  "internal snapshots", errp);
    return d && d->snapshot_create(bs, sn, errp);
}

bool bdrv_snapshot_goto(BlockDriverState *bs, const char *id_or_name, Error **errp)
{
    BlockDriver *d = drv_or_error(bs, bs && bs->drv && bs->drv->snapshot_goto,
                                  "internal snapshots", errp);
    return d && d->snapshot_goto(bs, id_or_name, errp);
}

bool bdrv_snapshot_delete(BlockDriverState *bs, const char *id_or_name, Error **errp)
{
    BlockDriver *d = drv_or_error(bs, bs && bs->drv && bs->drv->snapshot_delete,
                                  "internal snapshots", errp);
    return d && d->snapshot_delete(bs, id_or_name, errp);
}

int bdrv_snapshot_list(BlockDriverState *bs, BlockSnapshotInfo **list)
{
    *list = NULL;
    if (!bs || !bs->drv || !bs->drv->snapshot_list) {
        return -ENOTSUP;
    }
    return bs->drv->snapshot_list(bs, list);
}

int64_t bdrv_save_vmstate(BlockDriverState *bs, const uint8_t *buf, int64_t pos, int64_t size)
{
    if (!bs || !bs->drv || !bs->drv->save_vmstate) {
        return -ENOTSUP;
    }
    if (bdrv_is_read_only(bs)) {
        return -EROFS;
    }
    return bs->drv->save_vmstate(bs, buf, pos, size);
}

int64_t bdrv_load_vmstate(BlockDriverState *bs, uint8_t *buf, int64_t pos, int64_t size)
{
    if (!bs || !bs->drv || !bs->drv->load_vmstate) {
        return -ENOTSUP;
    }
    return bs->drv->load_vmstate(bs, buf, pos, size);
}

int bdrv_check(BlockDriverState *bs, BlockCheckResult *res, int fix)
{
    memset(res, 0, sizeof(*res));
    if (!bs || !bs->drv || !bs->drv->check) {
        return -ENOTSUP;
    }
    if (fix && bdrv_is_read_only(bs)) {
        return -EROFS;
    }
    return bs->drv->check(bs, res, fix);
}
