/*
 * Hostile guest against the mc146818rtc: a few hundred thousand random
 * index and data writes and reads (every register, every format, SET and
 * divider changes, absurd time values) between random advances of the
 * virtual clock.  Nothing may crash or hang; register D always reads 0x80;
 * reading register C always drops the interrupt; no timer is left due.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "harness.h"
#include "main/runstate.h"
#include "timer/clock-internal.h"

static void test_random_traffic(void **state)
{
    harness_load_plugin("rtc");
    board_set_ram_size(16 << 20);
    const char *props[] = { "base=2099-12-31T23:59:50", NULL };
    DeviceState *rtc = harness_create("mc146818rtc", "rtc", NULL, props);
    IRQProbe *irq = harness_probe_output(rtc, "irq", 0);
    GRand *rng = g_rand_new_with_seed(0x146818);

    for (int i = 0; i < 300000; i++) {
        uint32_t op = g_rand_int_range(rng, 0, 100);
        /* Favour the clock and status registers. */
        uint8_t idx = g_rand_boolean(rng) ? g_rand_int_range(rng, 0, 0x0e)
                                          : g_rand_int_range(rng, 0, 256);
        if (op < 45) {
            cpu_outb(0x70, idx);
            cpu_outb(0x71, g_rand_int_range(rng, 0, 256));
        } else if (op < 85) {
            cpu_outb(0x70, idx);
            uint32_t v = cpu_inb(0x71);
            assert_true(v <= 0xff);
            if ((idx & 0x7f) == 0x0d) {
                assert_int_equal(v, 0x80);
            }
            if ((idx & 0x7f) == 0x0c) {
                assert_int_equal(irq->level, 0);
            }
        } else {
            harness_advance_ns(g_rand_int_range(rng, 0, 3000000));
            assert_true(timers_deadline_ns(CC_CLOCK_VIRTUAL) != 0);
        }
    }

    /* Still a working clock afterwards. */
    cpu_outb(0x70, 0x0a);
    cpu_outb(0x71, 0x26);
    cpu_outb(0x70, 0x0b);
    cpu_outb(0x71, 0x86);
    cpu_outb(0x70, 0x00);
    cpu_outb(0x71, 0x10);
    cpu_outb(0x70, 0x0b);
    cpu_outb(0x71, 0x06);
    harness_advance_ns(2500000000LL);
    cpu_outb(0x70, 0x00);
    uint32_t sec = cpu_inb(0x71);
    assert_true(sec == 18 || sec == 19);     /* 16 + 2.5 s, phase unknown */
    g_rand_free(rng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_traffic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
