/*
 * Unit tests of port92: A20 gate, reset on the 0 -> 1 edge of bit 0,
 * read-back, reset value, and a storm of writes.
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

static DeviceState *dev;
static IRQProbe *a20;

static int group_setup(void **state)
{
    harness_load_plugin("port92");
    dev = harness_create("port92", "p92", NULL, NULL);
    a20 = harness_probe_output(dev, "a20", 0);
    return 0;
}

static void test_reset_value_and_readback(void **state)
{
    assert_int_equal(cpu_inb(0x92), 0x00);
    /* Reset does not drive the A20 line (the 8042 owns its reset state). */
    assert_int_equal(a20->calls, 0);
    cpu_outb(0x92, 0xc8);
    assert_int_equal(cpu_inb(0x92), 0xc8);
    assert_int_equal(a20->calls, 0);
    device_cold_reset(dev);
    assert_int_equal(cpu_inb(0x92), 0x00);
}

static void test_a20_gate(void **state)
{
    device_cold_reset(dev);
    harness_probe_reset(a20);
    cpu_outb(0x92, 0x02);
    assert_int_equal(a20->level, 1);
    assert_int_equal(a20->rising, 1);
    /* Rewriting the same bit 1 leaves the line alone. */
    cpu_outb(0x92, 0x42);
    assert_int_equal(a20->calls, 1);
    cpu_outb(0x92, 0x40);
    assert_int_equal(a20->level, 0);
    assert_int_equal(a20->calls, 2);
    assert_false(runstate_take_reset_request());
}

static void test_fast_reset_on_rising_bit0(void **state)
{
    device_cold_reset(dev);
    cpu_outb(0x92, 0x03);
    assert_true(runstate_take_reset_request());
    assert_int_equal(cpu_inb(0x92), 0x03);
    /* Bit 0 already set: no new edge, no reset. */
    cpu_outb(0x92, 0x03);
    assert_false(runstate_take_reset_request());
    cpu_outb(0x92, 0x02);
    cpu_outb(0x92, 0x03);
    assert_true(runstate_take_reset_request());
    /* The system reset clears the register, so the next write resets again. */
    device_cold_reset(dev);
    cpu_outb(0x92, 0x01);
    assert_true(runstate_take_reset_request());
}

static void test_other_ports_untouched_and_storm(void **state)
{
    device_cold_reset(dev);
    assert_int_equal(cpu_inb(0x93), 0xff);      /* unassigned */
    GRand *r = g_rand_new_with_seed(92);
    int resets = 0;
    uint8_t prev = 0;
    for (int i = 0; i < 100000; i++) {
        uint8_t v = (uint8_t)g_rand_int(r);
        cpu_outb(0x92, v);
        bool want = (v & 1) && !(prev & 1);
        assert_int_equal(runstate_take_reset_request(), want);
        resets += want;
        assert_int_equal(cpu_inb(0x92), v);
        assert_int_equal(a20->level, (v >> 1) & 1);
        prev = v;
    }
    assert_true(resets > 10000);
    g_rand_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reset_value_and_readback),
        cmocka_unit_test(test_a20_gate),
        cmocka_unit_test(test_fast_reset_on_rising_bit0),
        cmocka_unit_test(test_other_ports_untouched_and_storm),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
