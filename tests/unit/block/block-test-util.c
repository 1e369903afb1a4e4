/*
 * The block tests' temporary directory (block-test-util.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <glib/gstdio.h>
#include "block-test-util.h"

static char *tmpdir;

bool block_test_tmpdir_create(void)
{
    tmpdir = g_dir_make_tmp("cardcage-block-XXXXXX", NULL);
    return tmpdir != NULL;
}

bool block_test_tmpdir_remove(void)
{
    GDir *d = g_dir_open(tmpdir, 0, NULL);
    const char *name;
    bool ok = d != NULL;
    while (d && (name = g_dir_read_name(d))) {
        char *p = g_build_filename(tmpdir, name, NULL);
        ok &= g_unlink(p) == 0;
        g_free(p);
    }
    if (d) {
        g_dir_close(d);
    }
    ok &= g_rmdir(tmpdir) == 0;
    g_free(tmpdir);
    tmpdir = NULL;
    return ok;
}

char *block_test_image(const char *name, size_t size, uint8_t fill)
{
    char *path = g_build_filename(tmpdir, name, NULL);
    uint8_t *buf = g_malloc(size);
    for (size_t i = 0; i < size; i++) {
        buf[i] = (uint8_t)(fill + i / 512);
    }
    g_assert(g_file_set_contents(path, (char *)buf, size, NULL));
    g_free(buf);
    return path;
}

void block_test_done(void *opaque, int ret)
{
    BlockTestDone *d = opaque;
    d->calls++;
    d->ret = ret;
}
