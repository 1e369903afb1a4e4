/*
 * Drives from the command line (drive.c, blockdev.c, snapshot.c).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_BLOCK_DRIVE_H
#define CORE_BLOCK_DRIVE_H

#include <stdio.h>
#include "block/block-backend.h"

/* -snapshot: every drive gets snapshot=on unless it says otherwise. */
void drive_set_snapshot_all(bool on);
const char *drive_if_name(BlockInterfaceType t);
/* The registered formats, space-separated (g_free). */
char *drive_format_list(void);
/* -drive format=help: QEMU's "Supported formats:" line, then one line per
 * driver with its description. */
void drive_print_formats(FILE *out);
/* After the board is built: every if=ide/... drive has a device. */
bool drive_check_orphans(Error **errp);
/* -blockdev KEY=VALUE,... or a JSON object. */
bool blockdev_add(const char *spec, Error **errp);
/* Put a temporary overlay over bs (-snapshot); takes bs's reference,
 * returns the overlay or NULL (bs released). */
BlockDriverState *drive_snapshot_overlay(BlockDriverState *bs, Error **errp);

/* At exit: finish every request and flush every node. */
void block_cleanup_all(void);

#endif
