/*
 * IRQ lines: delivery to handlers, arrays, splitters, inverters, NULL.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <cardcage/irq.h>

typedef struct Sink {
    int calls;
    int last_n;
    int last_level;
    int history[16];
} Sink;

static void sink_handler(void *opaque, int n, int level)
{
    Sink *s = opaque;
    if (s->calls < 16) {
        s->history[s->calls] = level;
    }
    s->calls++;
    s->last_n = n;
    s->last_level = level;
}

static void test_set_calls_handler_every_time(void **state)
{
    Sink s = { 0 };
    IRQState *irq = irq_allocate(sink_handler, &s, 7);

    irq_set(irq, 1);
    irq_set(irq, 1);       /* unchanged level: still delivered */
    assert_int_equal(s.calls, 2);
    assert_int_equal(s.last_n, 7);
    assert_int_equal(s.last_level, 1);
    assert_int_equal(irq_get_level(irq), 1);

    irq_lower(irq);
    assert_int_equal(s.last_level, 0);
    assert_int_equal(irq_get_level(irq), 0);

    s.calls = 0;
    irq_pulse(irq);
    assert_int_equal(s.calls, 2);
    assert_int_equal(s.history[0], 1);
    assert_int_equal(s.history[1], 0);
    assert_int_equal(irq_get_level(irq), 0);

    irq_raise(irq);
    assert_int_equal(irq_get_level(irq), 1);
    irq_free(irq);
}

static void test_array_numbers_lines(void **state)
{
    Sink s = { 0 };
    IRQState **irqs = irq_allocate_array(sink_handler, &s, 4);

    for (int i = 0; i < 4; i++) {
        irq_set(irqs[i], i + 10);
        assert_int_equal(s.last_n, i);
        assert_int_equal(s.last_level, i + 10);
    }
    assert_int_equal(s.calls, 4);
    irq_free_array(irqs, 4);
}

static void test_splitter_fans_out(void **state)
{
    Sink a = { 0 }, b = { 0 }, c = { 0 };
    IRQState *ia = irq_allocate(sink_handler, &a, 0);
    IRQState *ib = irq_allocate(sink_handler, &b, 1);
    IRQState *ic = irq_allocate(sink_handler, &c, 2);
    IRQState *targets[] = { ia, ib };

    IRQState *split = irq_split(targets, 2);
    assert_true(irq_is_split(split));
    assert_false(irq_is_split(ia));
    assert_false(irq_is_split(NULL));

    irq_raise(split);
    assert_int_equal(a.last_level, 1);
    assert_int_equal(b.last_level, 1);
    assert_int_equal(b.last_n, 1);
    assert_int_equal(c.calls, 0);

    /* Grow it well past its first allocation. */
    irq_split_add(split, ic);
    for (int i = 0; i < 10; i++) {
        irq_split_add(split, ia);
    }
    irq_lower(split);
    assert_int_equal(c.last_level, 0);
    assert_int_equal(c.last_n, 2);
    assert_int_equal(a.calls, 1 + 11);
    assert_int_equal(b.calls, 2);
    assert_int_equal(irq_get_level(split), 0);
    assert_int_equal(irq_get_level(ic), 0);

    irq_free(split);
    irq_free(ia);
    irq_free(ib);
    irq_free(ic);
}

static void test_inverter(void **state)
{
    Sink s = { 0 };
    IRQState *line = irq_allocate(sink_handler, &s, 3);
    IRQState *inv = irq_invert(line);

    irq_raise(inv);
    assert_int_equal(s.last_level, 0);
    irq_lower(inv);
    assert_int_equal(s.last_level, 1);
    irq_set(inv, 5);       /* any non-zero level is "high" */
    assert_int_equal(s.last_level, 0);
    assert_int_equal(s.last_n, 3);

    /* An inverter in a splitter, next to a straight line. */
    Sink t = { 0 };
    IRQState *straight = irq_allocate(sink_handler, &t, 0);
    IRQState *targets[] = { inv, straight };
    IRQState *split = irq_split(targets, 2);
    irq_raise(split);
    assert_int_equal(s.last_level, 0);
    assert_int_equal(t.last_level, 1);

    irq_free(split);
    irq_free(straight);
    irq_free(inv);
    irq_free(line);
}

static void test_null_lines(void **state)
{
    Sink s = { 0 };
    /* An unconnected output: driving it does nothing. */
    irq_set(NULL, 1);
    irq_pulse(NULL);
    assert_int_equal(irq_get_level(NULL), 0);

    /* A splitter with an unconnected target still reaches the others. */
    IRQState *line = irq_allocate(sink_handler, &s, 0);
    IRQState *targets[] = { NULL, line };
    IRQState *split = irq_split(targets, 2);
    irq_raise(split);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.last_level, 1);

    /* A line without a handler only records its level. */
    IRQState *bare = irq_allocate(NULL, NULL, 0);
    irq_raise(bare);
    assert_int_equal(irq_get_level(bare), 1);

    irq_free(bare);
    irq_free(split);
    irq_free(line);
    irq_free(NULL);
    irq_free_array(NULL, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_calls_handler_every_time),
        cmocka_unit_test(test_array_numbers_lines),
        cmocka_unit_test(test_splitter_fans_out),
        cmocka_unit_test(test_inverter),
        cmocka_unit_test(test_null_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
