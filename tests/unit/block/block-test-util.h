/*
 * What the block layer's unit tests share: a temporary directory of
 * images, removed at the end.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef BLOCK_TEST_UTIL_H
#define BLOCK_TEST_UTIL_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* Create the directory (false on failure) / remove it with its files. */
bool block_test_tmpdir_create(void);
bool block_test_tmpdir_remove(void);
/* A size-byte image in the directory whose sector n holds fill + n in
 * every byte; the path is g_free'd by the caller. */
char *block_test_image(const char *name, size_t size, uint8_t fill);

/* An asynchronous request's completion as a test sees it: how many times
 * the callback ran and its last result.  block_test_done is the callback,
 * with a BlockTestDone as opaque. */
typedef struct BlockTestDone {
    int calls;
    int ret;
} BlockTestDone;

void block_test_done(void *opaque, int ret);

#endif
