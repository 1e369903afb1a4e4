/*
 * Helpers of the network block driver tests (netblock-test.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <glib.h>
#include "netblock-test.h"

static int done_ret;
static bool done;
static int drive_seq;

int netblock_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t l = sizeof(a);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &l), 0);
    close(fd);
    return ntohs(a.sin_port);
}

void netblock_make_image(const char *path, unsigned nsectors)
{
    size_t size = (size_t)nsectors * 512;
    uint8_t *buf = g_malloc(size);
    for (size_t i = 0; i < size; i++) {
        buf[i] = (uint8_t)(0x40 + i / 512);
    }
    assert_true(g_file_set_contents(path, (char *)buf, size, NULL));
    g_free(buf);
}

void netblock_file_sector(const char *path, uint64_t n, uint8_t *out)
{
    gchar *data;
    gsize len;
    assert_true(g_file_get_contents(path, &data, &len, NULL));
    assert_true(len >= (n + 1) * 512);
    memcpy(out, data + n * 512, 512);
    g_free(data);
}

void netblock_io_done(void *opaque, int ret)
{
    done = true;
    done_ret = ret;
}

int netblock_wait(BlockBackend *blk, BlockAIOCB *acb)
{
    assert_non_null(acb);
    blk_drain(blk);
    assert_true(done);
    done = false;
    return done_ret;
}

BlockBackend *netblock_add(const char *opts, Error **errp)
{
    g_autofree char *s = g_strdup_printf("%s,if=none,id=netblock%d", opts, drive_seq++);
    return drive_add(s, errp);
}
