/*
 * What the network block driver tests (plugins/nbd, plugins/iscsi) share:
 * a free loopback port, an image whose sectors hold known bytes, the host's
 * view of a sector, and a device-style asynchronous request waited for.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef NETBLOCK_TEST_H
#define NETBLOCK_TEST_H

#include <stdint.h>
#include <cardcage/block.h>

/* A TCP port on 127.0.0.1 nobody listens on (just now). */
int netblock_free_port(void);
/* Write path: nsectors of 512 bytes, sector n holding 0x40 + n. */
void netblock_make_image(const char *path, unsigned nsectors);
/* Read sector n of the host file into out[512]. */
void netblock_file_sector(const char *path, uint64_t n, uint8_t *out);
/* The completion callback to pass with the request netblock_wait takes. */
void netblock_io_done(void *opaque, int ret);
/* Drain blk and return the request's result (it must have completed). */
int netblock_wait(BlockBackend *blk, BlockAIOCB *acb);
/* drive_add(OPTS,if=none,id=<unique>). */
BlockBackend *netblock_add(const char *opts, Error **errp);

#endif
