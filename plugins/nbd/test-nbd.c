/*
 * The nbd plugin against a real server: qemu-nbd (package qemu-utils)
 * serves a raw file; the block layer, with the plugin loaded as a
 * third-party driver, reads the file's known pattern through it, writes a
 * sector the host then sees in the file, zeroes a range, and fails cleanly
 * (an error, no hang) with a read-only export or a dead server.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <glib/gstdio.h>
#include <cardcage/block.h>
#include <cardcage/testing.h>
#include "netblock-test.h"
#include "block/block-backend.h"
#include "block/drive.h"

static char *tmpdir;
static char *image;
static GPid servers[8];     /* every qemu-nbd started and not yet stopped */
static int nservers;

/* A fresh image (a new file: a server started earlier keeps the old one). */
static void make_image(void)
{
    g_free(image);
    image = g_build_filename(tmpdir, "disk.img", NULL);
    netblock_make_image(image, 16);
}

static bool can_connect_tcp(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(fd);
    return ok;
}

/* qemu-nbd -t (persistent) on a unix socket (port 0) or a TCP port. */
static void start_server(const char *sock, int port, const char *export, bool ro)
{
    g_autofree char *portstr = g_strdup_printf("%d", port);
    const char *argv[20];
    int n = 0;
    argv[n++] = "qemu-nbd";
    argv[n++] = "-t";
    argv[n++] = "-e";         /* several clients at once (the default is one) */
    argv[n++] = "8";
    argv[n++] = "-f";
    argv[n++] = "raw";
    argv[n++] = "-x";
    argv[n++] = export;
    if (ro) {
        argv[n++] = "-r";
    }
    if (sock) {
        argv[n++] = "-k";
        argv[n++] = sock;
    } else {
        argv[n++] = "-b";
        argv[n++] = "127.0.0.1";
        argv[n++] = "-p";
        argv[n++] = portstr;
    }
    argv[n++] = image;
    argv[n] = NULL;
    GError *err = NULL;
    assert_true(nservers < (int)G_N_ELEMENTS(servers));
    assert_true(g_spawn_async(NULL, (char **)argv, NULL,
                              G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                              &servers[nservers++], &err));
    for (int i = 0; i < 200; i++) {   /* up to 10 s for it to listen */
        if (sock ? g_file_test(sock, G_FILE_TEST_EXISTS) : can_connect_tcp(port)) {
            return;
        }
        g_usleep(50000);
    }
    fail_msg("qemu-nbd did not start listening");
}

static void stop_server(void)
{
    while (nservers) {
        GPid pid = servers[--nservers];
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
}

static void check_read_write(BlockBackend *blk)
{
    uint8_t buf[512], want[512], host[512];
    assert_int_equal(blk_getlength(blk), 16 * 512);
    assert_int_equal(netblock_wait(blk, blk_aio_pread(blk, 3 * 512, buf, 512, netblock_io_done, NULL)), 0);
    memset(want, 0x43, sizeof(want));
    assert_memory_equal(buf, want, 512);

    for (int i = 0; i < 512; i++) {
        want[i] = (uint8_t)(i ^ 0xa5);
    }
    assert_int_equal(netblock_wait(blk, blk_aio_pwrite(blk, 5 * 512, want, 512, 0, netblock_io_done,
                                                 NULL)), 0);
    assert_int_equal(netblock_wait(blk, blk_aio_flush(blk, netblock_io_done, NULL)), 0);
    netblock_file_sector(image, 5, host);
    assert_memory_equal(host, want, 512);

    assert_int_equal(netblock_wait(blk, blk_aio_pwrite_zeroes(blk, 6 * 512, 1024, 0, netblock_io_done,
                                                        NULL)), 0);
    assert_int_equal(netblock_wait(blk, blk_aio_pdiscard(blk, 8 * 512, 512, netblock_io_done, NULL)), 0);
    assert_int_equal(netblock_wait(blk, blk_aio_flush(blk, netblock_io_done, NULL)), 0);
    memset(want, 0, sizeof(want));
    netblock_file_sector(image, 7, host);
    assert_memory_equal(host, want, 512);
    memset(want, 0x49, sizeof(want));
    netblock_file_sector(image, 9, host);
    assert_memory_equal(host, want, 512);   /* untouched beyond the range */
}

static void test_unix_url(void **state)
{
    make_image();
    g_autofree char *sock = g_build_filename(tmpdir, "nbd.sock", NULL);
    start_server(sock, 0, "disk", false);
    g_autofree char *opts = g_strdup_printf("file=nbd+unix:///disk?socket=%s", sock);
    Error *err = NULL;
    BlockBackend *blk = netblock_add(opts, &err);
    assert_null(err);
    check_read_write(blk);
    drive_del(blk);
    /* raw over nbd, as a format over a protocol */
    g_autofree char *opts2 = g_strdup_printf("file=nbd+unix:///disk?socket=%s,format=raw",
                                             sock);
    blk = netblock_add(opts2, &err);
    assert_null(err);
    uint8_t buf[512];
    assert_int_equal(netblock_wait(blk, blk_aio_pread(blk, 0, buf, 512, netblock_io_done, NULL)), 0);
    assert_int_equal(buf[0], 0x40);
    drive_del(blk);
    stop_server();
    g_unlink(sock);
}

static void test_tcp_url_and_blockdev(void **state)
{
    make_image();
    int port = netblock_free_port();
    start_server(NULL, port, "exp1", false);
    g_autofree char *opts = g_strdup_printf("file=nbd://127.0.0.1:%d/exp1", port);
    Error *err = NULL;
    BlockBackend *blk = netblock_add(opts, &err);
    assert_null(err);
    check_read_write(blk);
    drive_del(blk);

    /* (the same image: the server holds the file open) */
    g_autofree char *spec = g_strdup_printf(
        "driver=nbd,node-name=bd0,server.type=inet,server.host=127.0.0.1,"
        "server.port=%d,export=exp1", port);
    assert_true(blockdev_add(spec, &err));
    assert_null(err);
    blk = blk_by_name_or_node("bd0");
    assert_non_null(blk);
    check_read_write(blk);

    /* A wrong export name is a clear error. */
    g_autofree char *bad = g_strdup_printf(
        "driver=nbd,node-name=bd1,server.host=127.0.0.1,server.port=%d,export=nope", port);
    assert_false(blockdev_add(bad, &err));
    assert_non_null(err);
    print_message("wrong export: %s\n", error_get_pretty(err));
    error_free(err);
    err = NULL;
    stop_server();
}

static void test_read_only_export(void **state)
{
    make_image();
    g_autofree char *sock = g_build_filename(tmpdir, "ro.sock", NULL);
    start_server(sock, 0, "ro", true);
    g_autofree char *url = g_strdup_printf("file=nbd+unix:///ro?socket=%s", sock);
    Error *err = NULL;
    assert_null(netblock_add(url, &err));
    assert_non_null(err);
    assert_non_null(strstr(error_get_pretty(err), "read-only"));
    error_free(err);
    err = NULL;

    g_autofree char *ro = g_strdup_printf("%s,readonly=on", url);
    BlockBackend *blk = netblock_add(ro, &err);
    assert_null(err);
    assert_true(blk_is_read_only(blk));
    uint8_t buf[512];
    assert_int_equal(netblock_wait(blk, blk_aio_pread(blk, 512, buf, 512, netblock_io_done, NULL)), 0);
    assert_int_equal(buf[511], 0x41);
    assert_int_not_equal(netblock_wait(blk, blk_aio_pwrite(blk, 0, buf, 512, 0, netblock_io_done, NULL)),
                         0);
    drive_del(blk);
    stop_server();
    g_unlink(sock);
}

static void test_dead_server(void **state)
{
    Error *err = NULL;
    gint64 t0 = g_get_monotonic_time();
    /* Nobody listens on the port, nobody on the socket. */
    g_autofree char *tcp = g_strdup_printf("file=nbd://127.0.0.1:%d/x", netblock_free_port());
    assert_null(netblock_add(tcp, &err));
    assert_non_null(err);
    print_message("refused: %s\n", error_get_pretty(err));
    error_free(err);
    err = NULL;
    g_autofree char *sock = g_build_filename(tmpdir, "none.sock", NULL);
    g_autofree char *unx = g_strdup_printf("file=nbd+unix:///x?socket=%s", sock);
    assert_null(netblock_add(unx, &err));
    assert_non_null(err);
    error_free(err);
    err = NULL;
    /* A listener that never answers: the connect deadline ends it. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t l = sizeof(a);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, 1), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &l), 0);
    g_autofree char *mute = g_strdup_printf("file=nbd://127.0.0.1:%d/x,connect-timeout=1",
                                            ntohs(a.sin_port));
    assert_null(netblock_add(mute, &err));
    assert_non_null(err);
    print_message("mute: %s\n", error_get_pretty(err));
    error_free(err);
    err = NULL;
    close(fd);
    assert_true(g_get_monotonic_time() - t0 < 10 * G_USEC_PER_SEC);

    /* The server dies under an open drive: requests fail, none hangs. */
    make_image();
    g_autofree char *sock2 = g_build_filename(tmpdir, "dies.sock", NULL);
    start_server(sock2, 0, "d", false);
    g_autofree char *url = g_strdup_printf("file=nbd+unix:///d?socket=%s", sock2);
    BlockBackend *blk = netblock_add(url, &err);
    assert_null(err);
    stop_server();
    uint8_t buf[512];
    assert_int_not_equal(netblock_wait(blk, blk_aio_pread(blk, 0, buf, 512, netblock_io_done, NULL)), 0);
    g_unlink(sock2);
}

static int setup(void **state)
{
    testing_init();
    Error *err = NULL;
    if (!testing_load_plugin(NBD_PLUGIN_PATH, &err)) {
        print_message("loading %s: %s\n", NBD_PLUGIN_PATH, error_get_pretty(err));
        return -1;
    }
    tmpdir = g_dir_make_tmp("cardcage-nbd-XXXXXX", NULL);
    return tmpdir ? 0 : -1;
}

static int teardown(void **state)
{
    stop_server();
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    char *qemu_nbd = g_find_program_in_path("qemu-nbd");
    if (!qemu_nbd) {
        printf("qemu-nbd is not installed (package qemu-utils): skipped\n");
        return 77;
    }
    g_free(qemu_nbd);
    /* A write to a dead server's socket must be an error, not a signal. */
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unix_url),
        cmocka_unit_test(test_tcp_url_and_blockdev),
        cmocka_unit_test(test_read_only_export),
        cmocka_unit_test(test_dead_server),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
