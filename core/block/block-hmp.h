/*
 * The human monitor's block commands (block-hmp.c), text views of the
 * QMP ones in QEMU's layout.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_BLOCK_HMP_H
#define CORE_BLOCK_HMP_H

#include <glib.h>

bool hmp_info_block(const char *args, GString *out);
bool hmp_info_blockstats(const char *args, GString *out);
/* eject [-f] DEVICE */
bool hmp_eject(const char *args, GString *out);
/* change DEVICE FILE [FORMAT] */
bool hmp_change(const char *args, GString *out);
/* block_resize DEVICE SIZE */
bool hmp_block_resize(const char *args, GString *out);

#endif
