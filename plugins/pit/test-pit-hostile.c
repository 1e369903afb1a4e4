/*
 * Hostile guest against the i8254: a few hundred thousand random port
 * writes and reads (counters, control word, port 0x61) between random
 * advances of the virtual clock.  Nothing may crash or hang, counter 0's
 * interrupt timer may never be armed in the past, and the interrupt line
 * may move at most as often as OUT can (twice per clock at the very most).
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "harness.h"
#include "timer/clock-internal.h"
#include "pit-counter.h"

static const uint16_t ports[] = { 0x40, 0x41, 0x42, 0x43, 0x61 };

static void test_random_port_traffic(void **state)
{
    harness_load_plugin("pit");
    DeviceState *pit = harness_create("i8254", "pit", NULL, NULL);
    IRQProbe *irq = harness_probe_output(pit, "irq", 0);
    GRand *rng = g_rand_new_with_seed(0x8254);

    for (int i = 0; i < 300000; i++) {
        uint16_t port = ports[g_rand_int_range(rng, 0, CC_ARRAY_SIZE(ports))];
        uint32_t op = g_rand_int_range(rng, 0, 100);
        if (op < 55) {
            /* Bias towards small counts so that OUT moves a lot. */
            uint32_t v = g_rand_boolean(rng) ? g_rand_int_range(rng, 0, 4)
                                             : g_rand_int_range(rng, 0, 256);
            cpu_outb(port, v);
        } else if (op < 90) {
            uint32_t v = cpu_inb(port);
            assert_true(v <= 0xff);
            if (port == 0x43) {
                assert_int_equal(v, 0xff);
            }
        } else {
            int64_t before = harness_now_ns();
            int64_t ticks_before = pit_tick_at(before);
            int calls = irq->calls;
            harness_advance_ns(g_rand_int_range(rng, 0, 20000));
            int64_t ticks = pit_tick_at(harness_now_ns()) - ticks_before;
            assert_true(irq->calls - calls <= 2 * ticks + 2);
            int64_t d = timers_deadline_ns(CC_CLOCK_VIRTUAL);
            assert_true(d != 0);    /* nothing due is left behind */
        }
        if ((i & 0xffff) == 0) {
            device_cold_reset(pit);
        }
    }
    /* The traffic did reach the counters: counter 0's line moved a lot. */
    assert_true(irq->calls > 1000);
    /* Still a working timer afterwards. */
    cpu_outb(0x43, 0x34);
    cpu_outb(0x40, 100);
    cpu_outb(0x40, 0);
    harness_probe_reset(irq);
    harness_advance_ns(pit_ns_of_tick(1000) + 1);
    assert_true(irq->rising >= 9 && irq->rising <= 11);
    g_rand_free(rng);
}

/* Counter 0 at the fastest rate a guest can ask (mode 2, count 2: a
 * 1.7 us period) moves the interrupt line only once per minimum period
 * (20 us by default), in rising and falling pairs, however far behind the
 * timer runs; counts reads still give the programmed rate. */
static void test_min_period(void **state)
{
    DeviceState *pit = harness_create("i8254", "pit-min", NULL,
                                      (const char *[]){ "iobase=0x48", "port61=off", NULL });
    IRQProbe *irq = harness_probe_output(pit, "irq", 0);
    cpu_outb(0x4b, 0x34);           /* counter 0, LSB then MSB, mode 2 */
    cpu_outb(0x48, 2);
    cpu_outb(0x48, 0);
    harness_probe_reset(irq);
    for (int i = 0; i < 1000; i++) {            /* 1 ms in 1 us steps */
        harness_advance_ns(1000);
        assert_true(irq->level == 0 || irq->level == 1);
    }
    /* 1 ms / 20 us = 50 periods, one rising edge each (not 596). */
    assert_in_range(irq->rising, 45, 55);
    assert_in_range(irq->calls, 2 * 45, 2 * 55 + 1);
    /* The counter still counts 2, 1, 2, 1... */
    cpu_outb(0x4b, 0x00);           /* latch counter 0 */
    unsigned v = cpu_inb(0x48) | cpu_inb(0x48) << 8;
    assert_true(v == 1 || v == 2);
    /* Mode 0 (one-shot) is not stretched: count 2 ends 3 clocks on. */
    cpu_outb(0x4b, 0x30);
    cpu_outb(0x48, 2);
    cpu_outb(0x48, 0);
    harness_probe_reset(irq);
    harness_advance_ns(pit_ns_of_tick(pit_tick_at(harness_now_ns()) + 4) - harness_now_ns());
    assert_int_equal(irq->rising, 1);
    device_cold_reset(pit);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_port_traffic),
        cmocka_unit_test(test_min_period),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
