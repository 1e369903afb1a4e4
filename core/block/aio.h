/*
 * The request path between backends and nodes (aio.c), and the events
 * the block layer emits (block-qmp.c).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_BLOCK_AIO_H
#define CORE_BLOCK_AIO_H

#include "block/block-backend.h"

/* Under -icount a request completes this long (virtual ns) after it was
 * issued: a fixed latency keeps a run with disk I/O reproducible. */
#define BLK_ICOUNT_LATENCY_NS BLOCK_ICOUNT_LATENCY_NS

/* BLOCK_IO_ERROR and DEVICE_TRAY_MOVED. */
void blk_emit_io_error(BlockBackend *blk, bool is_write, BlockErrorAction action, int err);
void blk_emit_tray_moved(BlockBackend *blk, bool open);
/* Pause the machine for a stopped request (runstate "io-error"). */
void blk_vm_stop_for_error(void);

#endif
