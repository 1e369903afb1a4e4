/*
 * Real-time completions when the process has no descriptor left for the
 * block layer's eventfd: the requests still complete, on the main loop,
 * through the polled fallback, and nothing exits.  A program of its own
 * because the completion channel is made once per process.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <cardcage/block.h>
#include <cardcage/testing.h>
#include "block-test-util.h"
#include "block/drive.h"
#include "timer/clock-internal.h"

/* Low enough that filling the table takes a few dozen dup()s. */
#define FD_LIMIT 64

static void test_completion_without_eventfd(void **state)
{
    (void)state;
    char *path = block_test_image("nofd.img", 8192, 0x30);
    char *spec = g_strdup_printf("file=%s,format=raw,if=none,id=nofd", path);
    Error *err = NULL;
    BlockBackend *blk = drive_add(spec, &err);
    assert_non_null(blk);
    clock_configure(-1);
    clock_vm_start();
    /* The main context's own wakeup descriptor exists before the table
     * is full, as it does in the emulator. */
    g_main_context_iteration(NULL, FALSE);

    struct rlimit old, low;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    low = old;
    low.rlim_cur = FD_LIMIT;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    int fds[FD_LIMIT], n = 0;
    while (n < FD_LIMIT) {
        int fd = dup(0);
        if (fd < 0) {
            assert_int_equal(errno, EMFILE);
            break;
        }
        fds[n++] = fd;
    }

    uint8_t buf[512];
    BlockTestDone d = { 0 };
    blk_aio_pread(blk, 512, buf, sizeof(buf), block_test_done, &d);
    assert_int_equal(d.calls, 0);
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    while (!d.calls && g_get_monotonic_time() < deadline) {
        g_main_context_iteration(NULL, TRUE);
    }
    while (n > 0) {
        close(fds[--n]);
    }
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.ret, 0);
    /* Sector 1 of the image holds fill + 1 in every byte. */
    for (size_t i = 0; i < sizeof(buf); i++) {
        assert_int_equal(buf[i], 0x31);
    }
    drive_del(blk);
    g_free(spec);
    g_free(path);
}

static int setup(void **state)
{
    (void)state;
    testing_init();
    return block_test_tmpdir_create() ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return block_test_tmpdir_remove() ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_completion_without_eventfd),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
