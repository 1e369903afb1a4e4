/*
 * Unit tests of post-port.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "harness.h"
#include "chardev/chardev-internal.h"
#include "main/runstate.h"

static int setup(void **state)
{
    harness_load_plugin("postcode");
    return 0;
}

static void test_codes_are_latched_and_logged(void **state)
{
    Chardev *chr = chardev_new_from_spec("post-log", "ringbuf", &error_abort);
    const char *props[] = { "iobase=0x190", "chardev=post-log", NULL };
    harness_create("post-port", "post", NULL, props);
    cpu_outb(0x190, 0x0a);
    cpu_outw(0x190, 0x1b2c);     /* a card latches the low byte */
    assert_int_equal(cpu_inb(0x190), 0x2c);
    char buf[64] = { 0 };
    size_t n = chardev_ringbuf_read(chr, (uint8_t *)buf, sizeof(buf) - 1);
    assert_int_equal(n, 16);
    assert_string_equal(buf, "POST 0A\nPOST 2C\n");
    int code;
    assert_false(runstate_take_shutdown_request(&code));
}

static void test_exit_on_code(void **state)
{
    const char *props[] = { "iobase=0x80", "exit-on=255", NULL };
    harness_create("post-port", "post80", NULL, props);
    int code = -1;
    cpu_outb(0x80, 0xfe);
    assert_false(runstate_take_shutdown_request(&code));
    cpu_outb(0x80, 0xff);
    assert_true(runstate_take_shutdown_request(&code));
    assert_int_equal(code, 0);
}

static void test_unknown_backend_is_refused(void **state)
{
    const char *props[] = { "iobase=0x81", "chardev=nowhere", NULL };
    Error *err = NULL;
    assert_null(harness_try_create("post-port", "bad", NULL, props, &err));
    assert_string_equal(error_get_pretty(err), "no character backend 'nowhere'");
    error_free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes_are_latched_and_logged),
        cmocka_unit_test(test_exit_on_code),
        cmocka_unit_test(test_unknown_backend_is_refused),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
