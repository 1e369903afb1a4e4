/*
 * Unit tests of the RTC's CMOS file: created when missing, written through
 * on every guest change (so nothing waits for the exit), saved whole at
 * unrealize, loaded at the next start, locked against a second user, and
 * refused with a clear error when it is short, long or not a file.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include "harness.h"
#include "main/runstate.h"

static char *dir;

static uint8_t rd(uint8_t idx)
{
    cpu_outb(0x70, idx);
    return cpu_inb(0x71);
}

static void wr(uint8_t idx, uint8_t v)
{
    cpu_outb(0x70, idx);
    cpu_outb(0x71, v);
}

static DeviceState *create(const char *path, Error **errp)
{
    char *file = g_strdup_printf("file=%s", path);
    const char *props[] = { file, "base=2006-06-17T16:01:21", NULL };
    DeviceState *d = harness_try_create("mc146818rtc", NULL, NULL, props, errp);
    g_free(file);
    return d;
}

static GBytes *contents(const char *path)
{
    gchar *data;
    gsize len;
    assert_true(g_file_get_contents(path, &data, &len, NULL));
    return g_bytes_new_take(data, len);
}

static int group_setup(void **state)
{
    harness_load_plugin("rtc");
    board_set_ram_size(32 << 20);
    dir = g_dir_make_tmp("cc-rtc-XXXXXX", NULL);
    assert_non_null(dir);
    return 0;
}

static int group_teardown(void **state)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        char *p = g_build_filename(dir, name, NULL);
        g_remove(p);
        g_free(p);
    }
    if (d) {
        g_dir_close(d);
    }
    g_rmdir(dir);
    g_free(dir);
    return 0;
}

static void test_round_trip(void **state)
{
    char *path = g_build_filename(dir, "cmos.bin", NULL);
    Error *err = NULL;
    DeviceState *d = create(path, &err);
    assert_non_null(d);

    /* Created at once, 128 bytes, with the memory-size bytes of reset. */
    GBytes *b = contents(path);
    gsize len;
    const uint8_t *p = g_bytes_get_data(b, &len);
    assert_int_equal(len, 128);
    assert_int_equal(p[0x15] | p[0x16] << 8, 640);
    assert_int_equal(p[0x17] | p[0x18] << 8, 31 * 1024);
    g_bytes_unref(b);

    /* A guest write reaches the file without waiting for the exit. */
    wr(0x40, 0x77);
    wr(0x7f, 0x12);
    wr(0x0b, 0x06);                     /* binary mode persists too */
    b = contents(path);
    p = g_bytes_get_data(b, &len);
    assert_int_equal(p[0x40], 0x77);
    assert_int_equal(p[0x7f], 0x12);
    assert_int_equal(p[0x0b], 0x06);
    g_bytes_unref(b);

    /* A second emulator may not use it meanwhile. */
    char *file = g_strdup_printf("file=%s", path);
    const char *props[] = { "iobase=0x270", file, NULL };
    assert_null(harness_try_create("mc146818rtc", NULL, NULL, props, &err));
    assert_non_null(strstr(error_get_pretty(err), "in use"));
    error_free(err);
    err = NULL;
    g_free(file);

    /* Unrealize saves the clock registers as they stand. */
    harness_advance_ns(3 * 1000000000LL);
    device_unrealize(d);
    b = contents(path);
    p = g_bytes_get_data(b, &len);
    assert_int_equal(p[0x00], 24);      /* 16:01:24, in binary */
    assert_int_equal(p[0x04], 16);
    g_bytes_unref(b);

    /* The next start loads it: RAM and format, with the clock from base. */
    d = create(path, &err);
    assert_non_null(d);
    assert_int_equal(rd(0x40), 0x77);
    assert_int_equal(rd(0x7f), 0x12);
    assert_int_equal(rd(0x0b), 0x06);
    assert_int_equal(rd(0x00), 21);
    assert_int_equal(rd(0x07), 17);
    device_unrealize(d);
    g_free(path);
}

static void expect_refused(const char *path, const char *what)
{
    Error *err = NULL;
    assert_null(create(path, &err));
    assert_non_null(err);
    if (!strstr(error_get_pretty(err), what)) {
        fail_msg("error \"%s\" does not say \"%s\"", error_get_pretty(err), what);
    }
    assert_non_null(strstr(error_get_pretty(err), path));
    error_free(err);
}

static void test_bad_files(void **state)
{
    char *path = g_build_filename(dir, "short.bin", NULL);
    uint8_t junk[200];
    memset(junk, 0xab, sizeof(junk));
    assert_true(g_file_set_contents(path, (char *)junk, 100, NULL));
    expect_refused(path, "is 100 bytes long; a CMOS image is exactly 128 bytes");
    /* The refused file is left as it was. */
    GBytes *b = contents(path);
    assert_int_equal(g_bytes_get_size(b), 100);
    g_bytes_unref(b);

    assert_true(g_file_set_contents(path, (char *)junk, 0, NULL));
    expect_refused(path, "is 0 bytes long");
    assert_true(g_file_set_contents(path, (char *)junk, 129, NULL));
    expect_refused(path, "is 129 bytes long");
    g_free(path);

    expect_refused(dir, "Is a directory");
    expect_refused("/dev/null", "not a regular file");
    path = g_build_filename(dir, "no-such-dir", "cmos.bin", NULL);
    expect_refused(path, "No such file or directory");
    g_free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_bad_files),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
