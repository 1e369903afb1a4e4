/*
 * Unit tests of isa-debug-exit.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "harness.h"
#include "main/runstate.h"

static int setup(void **state)
{
    harness_load_plugin("debug-exit");
    return 0;
}

static void test_write_exits_with_odd_status(void **state)
{
    const char *props[] = { "iobase=0xf4", "iosize=4", NULL };
    harness_create("isa-debug-exit", "dbgexit", NULL, props);
    int code = -1;
    assert_false(runstate_take_shutdown_request(&code));
    cpu_outb(0xf4, 3);
    assert_true(runstate_take_shutdown_request(&code));
    assert_int_equal(code, 7);
    /* A 32-bit write within the decoded range exits too. */
    cpu_outl(0xf4, 0);
    assert_true(runstate_take_shutdown_request(&code));
    assert_int_equal(code, 1);
    /* A port past iosize is not decoded. */
    cpu_outb(0xf8, 1);
    assert_false(runstate_take_shutdown_request(&code));
}

static void test_iosize_out_of_range_is_refused(void **state)
{
    const char *props[] = { "iobase=0x600", "iosize=5", NULL };
    Error *err = NULL;
    assert_null(harness_try_create("isa-debug-exit", "bad", NULL, props, &err));
    assert_non_null(err);
    assert_non_null(strstr(error_get_pretty(err), "out of range"));
    error_free(err);
}

static void test_range_past_io_space_is_refused(void **state)
{
    const char *props[] = { "iobase=0xffff", "iosize=4", NULL };
    Error *err = NULL;
    assert_null(harness_try_create("isa-debug-exit", "bad2", NULL, props, &err));
    assert_string_equal(error_get_pretty(err), "I/O ports 0xffff-0x10002 (region "
                        "'isa-debug-exit') run past the end of the bus, 0xffff");
    error_free(err);
}

static void test_overlap_names_both_devices(void **state)
{
    const char *first[] = { "iobase=0x700", "iosize=4", NULL };
    const char *second[] = { "iobase=0x702", "iosize=4", NULL };
    harness_create("isa-debug-exit", "first", NULL, first);
    Error *err = NULL;
    assert_null(harness_try_create("isa-debug-exit", "second", NULL, second, &err));
    assert_string_equal(error_get_pretty(err),
                        "I/O ports 0x702-0x705 of device 'second' (isa-debug-exit) overlap "
                        "I/O ports 0x700-0x703 of device 'first' (isa-debug-exit) (region "
                        "'isa-debug-exit')");
    error_free(err);
    /* The refused device mapped nothing: 0x705 is still unassigned, and
     * the first device still decodes its ports. */
    int code = -1;
    cpu_outb(0x705, 1);
    assert_false(runstate_take_shutdown_request(&code));
    cpu_outb(0x703, 0);
    assert_true(runstate_take_shutdown_request(&code));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_exits_with_odd_status),
        cmocka_unit_test(test_iosize_out_of_range_is_refused),
        cmocka_unit_test(test_range_past_io_space_is_refused),
        cmocka_unit_test(test_overlap_names_both_devices),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
