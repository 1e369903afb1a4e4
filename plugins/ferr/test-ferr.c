/*
 * Unit tests of isa-ferr-latch: FERR# latched onto IRQ13, cleared by a
 * write to port 0xF0, which asserts IGNNE# until FERR# goes away.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "harness.h"

static void test_latch_and_ignne(void **state)
{
    harness_load_plugin("ferr");
    DeviceState *d = harness_create("isa-ferr-latch", "ferr", NULL, NULL);
    IRQProbe *irq = harness_probe_output(d, "irq", 0);
    IRQProbe *ignne = harness_probe_output(d, "ignne", 0);
    IRQState *ferr = device_get_gpio_in_named(d, "ferr", 0);

    irq_set(ferr, 1);                     /* an unmasked x87 error */
    assert_int_equal(irq->level, 1);
    assert_int_equal(ignne->level, 0);
    cpu_outb(0xf0, 0);                    /* the IRQ13 handler's write */
    assert_int_equal(irq->level, 0);
    assert_int_equal(ignne->level, 1);
    irq_set(ferr, 1);                     /* still pending: no new request */
    assert_int_equal(irq->level, 0);
    irq_set(ferr, 0);                     /* FNCLEX */
    assert_int_equal(ignne->level, 0);
    irq_set(ferr, 1);                     /* the next error latches again */
    assert_int_equal(irq->level, 1);
    assert_int_equal(irq->rising, 2);
    /* A write with no error pending clears the latch, asserts nothing. */
    irq_set(ferr, 0);
    cpu_outb(0xf0, 0);
    assert_int_equal(irq->level, 0);
    assert_int_equal(ignne->level, 0);
    assert_int_equal(cpu_inb(0xf0), 0xff);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_latch_and_ignne),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
