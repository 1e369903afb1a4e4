/*
 * Hostile guest against the i8259 pair: a few hundred thousand random
 * writes and reads of every port (command, data, ELCR), random input
 * levels and random interrupt acknowledges.  Nothing may crash or hang,
 * every vector is a byte, and afterwards a clean initialisation still
 * gives a working controller.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "harness.h"

static const uint16_t ports[] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1 };

static void test_random_traffic(void **state)
{
    harness_load_plugin("pic");
    DeviceState *pic = harness_create("i8259", "pic", NULL, NULL);
    IRQProbe *intr = harness_probe_output(pic, "intr", 0);
    GRand *rng = g_rand_new_with_seed(0x8259);

    for (int i = 0; i < 300000; i++) {
        uint32_t op = g_rand_int_range(rng, 0, 100);
        uint16_t port = ports[g_rand_int_range(rng, 0, CC_ARRAY_SIZE(ports))];
        if (op < 40) {
            cpu_outb(port, g_rand_int_range(rng, 0, 256));
        } else if (op < 60) {
            assert_true(cpu_inb(port) <= 0xff);
        } else if (op < 90) {
            int n = g_rand_int_range(rng, -2, 18);
            IRQState *in = device_get_gpio_in_named(pic, "in", n);
            if (n < 0 || n > 15) {
                assert_null(in);
            } else {
                irq_set(in, g_rand_boolean(rng));
            }
        } else {
            int v = interrupt_ack(OBJECT(pic));
            assert_true(v >= 0 && v <= 255);
        }
        assert_true(intr->level == 0 || intr->level == 1);
    }

    /* A clean start still works. */
    for (int n = 0; n < 16; n++) {
        irq_set(device_get_gpio_in_named(pic, "in", n), 0);
    }
    cpu_outb(0x4d0, 0);
    cpu_outb(0x4d1, 0);
    static const uint8_t init[][2] = {
        { 0x20, 0x11 }, { 0x21, 0x20 }, { 0x21, 0x04 }, { 0x21, 0x01 },
        { 0xa0, 0x11 }, { 0xa1, 0x28 }, { 0xa1, 0x02 }, { 0xa1, 0x01 },
        { 0x21, 0x00 }, { 0xa1, 0x00 },
    };
    for (size_t i = 0; i < CC_ARRAY_SIZE(init); i++) {
        cpu_outb(init[i][0], init[i][1]);
    }
    assert_int_equal(intr->level, 0);
    irq_set(device_get_gpio_in_named(pic, "in", 14), 1);
    assert_int_equal(intr->level, 1);
    assert_int_equal(interrupt_ack(OBJECT(pic)), 0x2e);
    g_rand_free(rng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_traffic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
