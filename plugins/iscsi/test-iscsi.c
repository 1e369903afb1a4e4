/*
 * The iscsi plugin against a real target: tgtd (package tgt) started by
 * the test as root on a free port, with a LUN backed by a temporary file
 * (tgtadm).  The block layer, with the plugin loaded as a third-party
 * driver, reads the file's known pattern, writes a sector the host then
 * sees in the file, flushes, and fails cleanly on a dead portal or an
 * unknown target.  Skips, saying why, when not root or tgt is absent.
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
#include <sys/wait.h>
#include <glib/gstdio.h>
#include <cardcage/block.h>
#include <cardcage/testing.h>
#include "netblock-test.h"
#include "block/drive.h"

#define TARGET "iqn.2026-12.invalid.cardcage:test"
#define NSECTORS 128

static char *tmpdir;
static char *image;
static GPid tgtd = -1;
static int port, control;

static bool tgtadm(const char *args)
{
    g_autofree char *cmd = g_strdup_printf("tgtadm -C %d --lld iscsi %s", control, args);
    int status;
    g_autofree char *out = NULL, *err = NULL;   /* quiet while tgtd starts */
    if (!g_spawn_command_line_sync(cmd, &out, &err, &status, NULL)) {
        return false;
    }
    return g_spawn_check_wait_status(status, NULL);
}

static void test_read_write(void **state)
{
    g_autofree char *opts = g_strdup_printf(
        "file=iscsi://127.0.0.1:%d/" TARGET "/1,initiator-name=iqn.2026-12.invalid.cardcage:t",
        port);
    Error *err = NULL;
    BlockBackend *blk = netblock_add(opts, &err);
    if (err) {
        fail_msg("%s", error_get_pretty(err));
    }
    assert_int_equal(blk_getlength(blk), NSECTORS * 512);

    uint8_t buf[1024], want[512], host[512];
    assert_int_equal(netblock_wait(blk, blk_aio_pread(blk, 3 * 512, buf, 1024, netblock_io_done, NULL)), 0);
    memset(want, 0x43, sizeof(want));
    assert_memory_equal(buf, want, 512);
    memset(want, 0x44, sizeof(want));
    assert_memory_equal(buf + 512, want, 512);

    /* Unaligned: the layer does read-modify-write for a 512-byte block device. */
    for (int i = 0; i < 512; i++) {
        want[i] = (uint8_t)(i ^ 0x3c);
    }
    assert_int_equal(netblock_wait(blk, blk_aio_pwrite(blk, 5 * 512, want, 512, 0, netblock_io_done,
                                                 NULL)), 0);
    assert_int_equal(netblock_wait(blk, blk_aio_pwrite(blk, 9 * 512 + 100, want, 10, 0, netblock_io_done,
                                                 NULL)), 0);
    assert_int_equal(netblock_wait(blk, blk_aio_flush(blk, netblock_io_done, NULL)), 0);
    netblock_file_sector(image, 5, host);
    assert_memory_equal(host, want, 512);
    netblock_file_sector(image, 9, host);
    assert_memory_equal(host + 100, want, 10);
    assert_int_equal(host[99], 0x49);
    assert_int_equal(host[110], 0x49);

    /* A large request is split into several commands. */
    size_t big = NSECTORS * 512;
    uint8_t *all = g_malloc(big);
    assert_int_equal(netblock_wait(blk, blk_aio_pread(blk, 0, all, big, netblock_io_done, NULL)), 0);
    assert_int_equal(all[127 * 512], 0x40 + 127);
    g_free(all);
    /* Zeroes without a write-zeroes command: the layer's fallback. */
    assert_int_equal(netblock_wait(blk, blk_aio_pwrite_zeroes(blk, 20 * 512, 512, 0, netblock_io_done,
                                                        NULL)), 0);
    blk_drain(blk);
    netblock_file_sector(image, 20, host);
    memset(want, 0, sizeof(want));
    assert_memory_equal(host, want, 512);
    drive_del(blk);
}

static void test_errors(void **state)
{
    Error *err = NULL;
    gint64 t0 = g_get_monotonic_time();
    g_autofree char *dead = g_strdup_printf("file=iscsi://127.0.0.1:%d/" TARGET "/1",
                                            netblock_free_port());
    assert_null(netblock_add(dead, &err));
    assert_non_null(err);
    print_message("dead portal: %s\n", error_get_pretty(err));
    assert_null(strchr(error_get_pretty(err), '\n'));
    error_free(err);
    err = NULL;
    g_autofree char *wrong = g_strdup_printf("file=iscsi://127.0.0.1:%d/iqn.2026-12.invalid:nope/1",
                                             port);
    assert_null(netblock_add(wrong, &err));
    assert_non_null(err);
    print_message("unknown target: %s\n", error_get_pretty(err));
    error_free(err);
    err = NULL;
    assert_null(netblock_add("file=iscsi://127.0.0.1/no-lun", &err));
    assert_non_null(err);
    print_message("bad URL: %s\n", error_get_pretty(err));
    error_free(err);
    err = NULL;
    assert_true(g_get_monotonic_time() - t0 < 60 * G_USEC_PER_SEC);
}

/* A LUN the target marks read-only: refused for a writable drive, read
 * with readonly=on. */
static void test_read_only_lun(void **state)
{
    g_autofree char *img2 = g_build_filename(tmpdir, "ro.img", NULL);
    netblock_make_image(img2, 8);
    g_autofree char *lun = g_strdup_printf("--op new --mode logicalunit --tid 1 --lun 2 -b %s",
                                           img2);
    assert_true(tgtadm(lun));
    assert_true(tgtadm("--op update --mode logicalunit --tid 1 --lun 2 --params readonly=1"));
    g_autofree char *url = g_strdup_printf("file=iscsi://127.0.0.1:%d/" TARGET "/2", port);
    Error *err = NULL;
    assert_null(netblock_add(url, &err));
    assert_non_null(err);
    print_message("read-only LUN: %s\n", error_get_pretty(err));
    assert_non_null(strstr(error_get_pretty(err), "write-protected"));
    error_free(err);
    err = NULL;
    g_autofree char *ro = g_strdup_printf("%s,readonly=on", url);
    BlockBackend *blk = netblock_add(ro, &err);
    assert_null(err);
    uint8_t buf[512];
    assert_int_equal(netblock_wait(blk, blk_aio_pread(blk, 7 * 512, buf, 512, netblock_io_done,
                                                      NULL)), 0);
    assert_int_equal(buf[0], 0x47);
    drive_del(blk);
}

static void stop_tgtd(void);

/* Last: the target goes away under an open drive; requests fail, none
 * hangs (libiscsi's reconnects are bounded). */
static void test_target_dies(void **state)
{
    g_autofree char *opts = g_strdup_printf("file=iscsi://127.0.0.1:%d/" TARGET "/1", port);
    Error *err = NULL;
    BlockBackend *blk = netblock_add(opts, &err);
    assert_null(err);
    stop_tgtd();
    gint64 t0 = g_get_monotonic_time();
    uint8_t buf[512];
    assert_int_not_equal(netblock_wait(blk, blk_aio_pread(blk, 0, buf, 512, netblock_io_done, NULL)), 0);
    print_message("read after the target died: failed after %.1f s\n",
                  (g_get_monotonic_time() - t0) / 1e6);
    assert_true(g_get_monotonic_time() - t0 < 60 * G_USEC_PER_SEC);
}

static void stop_tgtd(void)
{
    if (tgtd > 0) {
        /* tgtd ignores SIGTERM while it has targets; nothing to save. */
        kill(tgtd, SIGKILL);
        waitpid(tgtd, NULL, 0);
        tgtd = -1;
    }
}

static int setup(void **state)
{
    testing_init();
    Error *err = NULL;
    if (!testing_load_plugin(ISCSI_PLUGIN_PATH, &err)) {
        print_message("loading %s: %s\n", ISCSI_PLUGIN_PATH, error_get_pretty(err));
        return -1;
    }
    tmpdir = g_dir_make_tmp("cardcage-iscsi-XXXXXX", NULL);
    if (!tmpdir) {
        return -1;
    }
    image = g_build_filename(tmpdir, "lun.img", NULL);
    netblock_make_image(image, NSECTORS);
    port = netblock_free_port();
    /* A control socket of our own (/var/run/tgtd/socket.N), beside any
     * system tgtd on socket.0. */
    control = 1000 + getpid() % 30000;
    g_autofree char *portal = g_strdup_printf("portal=127.0.0.1:%d", port);
    g_autofree char *ctl = g_strdup_printf("%d", control);
    const char *argv[] = { "tgtd", "-f", "-C", ctl, "--iscsi", portal, NULL };
    if (!g_spawn_async(NULL, (char **)argv, NULL,
                       G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                       G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                       NULL, NULL, &tgtd, NULL)) {
        return -1;
    }
    g_autofree char *lun = g_strdup_printf("--op new --mode logicalunit --tid 1 --lun 1 -b %s",
                                           image);
    for (int i = 0; i < 100 && !tgtadm("--op new --mode target --tid 1 -T " TARGET); i++) {
        g_usleep(100000);   /* up to 10 s for tgtd to take commands */
    }
    if (!tgtadm(lun) || !tgtadm("--op bind --mode target --tid 1 -I ALL")) {
        print_message("tgtadm could not set up the target\n");
        stop_tgtd();
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    stop_tgtd();
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    char *prog = g_find_program_in_path("tgtd");
    char *adm = g_find_program_in_path("tgtadm");
    if (!prog && g_file_test("/usr/sbin/tgtd", G_FILE_TEST_IS_EXECUTABLE)) {
        prog = g_strdup("/usr/sbin/tgtd");
    }
    bool have = prog && (adm || g_file_test("/usr/sbin/tgtadm", G_FILE_TEST_IS_EXECUTABLE));
    g_free(prog);
    g_free(adm);
    if (!have) {
        printf("tgtd is not installed (package tgt): skipped\n");
        return 77;
    }
    if (geteuid() != 0) {
        printf("tgtd needs root (its control socket is under /var/run): skipped\n");
        return 77;
    }
    /* tgt lives in /usr/sbin, not always on a test's PATH. */
    const char *path = g_getenv("PATH");
    g_autofree char *newpath = g_strdup_printf("%s:/usr/sbin:/sbin", path ? path : "/usr/bin");
    g_setenv("PATH", newpath, true);
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_write),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_read_only_lun),
        cmocka_unit_test(test_target_dies),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
