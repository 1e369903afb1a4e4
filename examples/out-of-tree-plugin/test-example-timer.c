/*
 * Unit test of example-timer, built like the plugin against the installed
 * SDK only: <cardcage/harness.h> from cardcage-harness.pc, and cmocka.
 * The plugin's path is the first argument.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <cardcage/harness.h>
#include <cardcage/harness-vmstate.h>

#define IOBASE 0x2a0

static const char *plugin_path;

static void test_ticks_and_reset(void **state)
{
    (void)state;
    DeviceState *d = harness_create("example-timer", "tick", NULL,
                                    (const char *[]){ "period=0", NULL });
    IRQProbe *irq = harness_probe_output(d, "irq", 0);

    cpu_outb(IOBASE, 2);                    /* a tick every 2 ms */
    assert_int_equal(cpu_inb(IOBASE + 1), 2);
    harness_advance_ns(1900000);
    assert_int_equal(irq->rising, 0);
    harness_advance_ns(5000000);            /* 6.9 ms: ticks at 2, 4 and 6 */
    assert_int_equal(irq->level, 1);
    assert_int_equal(cpu_inb(IOBASE), 3);   /* reading acknowledges */
    assert_int_equal(irq->level, 0);

    /* Reset restores the period property (0: stopped). */
    device_cold_reset(d);
    harness_advance_ns(10000000);
    assert_int_equal(cpu_inb(IOBASE), 0);
    /* The device asked the machine for nothing. */
    int code;
    assert_false(testing_take_reset_request());
    assert_false(testing_take_shutdown_request(&code));
    harness_destroy(d);
}

/* Every type the plugin registers describes its state, and a driven
 * instance survives save, load into a fresh one and save again. */
static void test_state_description(void **state)
{
    (void)state;
    assert_int_equal(harness_vmstate_check_plugin("example-timer", 1), 1);
}

static int load_plugin(void **state)
{
    (void)state;
    harness_load_plugin(plugin_path);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        return 2;
    }
    plugin_path = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ticks_and_reset),
        cmocka_unit_test(test_state_description),
    };
    return cmocka_run_group_tests(tests, load_plugin, NULL);
}
