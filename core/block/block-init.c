/*
 * The core's own block drivers, registered from the BLOCK module list
 * like a plugin's would be.
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/module.h>
#include "block/block-internal.h"

static void block_builtin_init(void)
{
    bdrv_file_register();
    bdrv_raw_register();
    bdrv_tmp_overlay_register();
    bdrv_qcow2_register();
}
block_init(block_builtin_init)
