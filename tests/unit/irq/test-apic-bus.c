/*
 * The APIC bus (core/irq/apic-bus.c): routing by physical, logical and
 * broadcast destination, lowest-priority arbitration, the ICR's
 * shorthands, MSI decoding, EOI listeners, and attach/detach.  The local
 * APICs are fakes (tests/harness/fake-apic.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "harness.h"
#include "fake-apic.h"

static FakeAPIC *a0, *a1, *a2;

static int setup(void **state)
{
    harness_init();
    a0 = fake_apic_new(0, 0x01, 0x00);
    a1 = fake_apic_new(1, 0x02, 0x00);
    a2 = fake_apic_new(2, 0x04, 0x00);
    return 0;
}

static int teardown(void **state)
{
    fake_apic_free(a0);
    fake_apic_free(a1);
    fake_apic_free(a2);
    assert_int_equal(apic_bus_count(), 0);
    return 0;
}

static const TypeInfo plain_info = { .name = "plain-object", .parent = TYPE_OBJECT };

static APICMessage msg(uint8_t mode, uint8_t dest, bool logical)
{
    return (APICMessage){ .vector = 0x41, .delivery_mode = mode, .dest = dest,
                          .dest_logical = logical, .assert = true };
}

static void test_attach(void **state)
{
    assert_int_equal(apic_bus_count(), 3);
    /* Attaching twice keeps one entry. */
    assert_true(apic_bus_attach(OBJECT(a0), NULL));
    assert_int_equal(apic_bus_count(), 3);
    /* An object that is not a client is refused. */
    if (!object_class_by_name(plain_info.name)) {
        type_register_static(&plain_info);
    }
    Object *o = object_new(plain_info.name);
    Error *err = NULL;
    assert_false(apic_bus_attach(o, &err));
    assert_non_null(err);
    error_free(err);
    object_unref(o);
    assert_false(apic_bus_attach(NULL, NULL));
    apic_bus_detach(OBJECT(a1));
    assert_int_equal(apic_bus_count(), 2);
    APICMessage m = msg(APIC_DM_FIXED, 1, false);
    assert_int_equal(apic_bus_send(&m), 0);
    assert_true(apic_bus_attach(OBJECT(a1), NULL));
    assert_int_equal(apic_bus_send(&m), 1);
    assert_int_equal(a1->count, 1);
}

static void test_physical(void **state)
{
    APICMessage m = msg(APIC_DM_FIXED, 2, false);
    m.level = true;
    assert_int_equal(apic_bus_send(&m), 1);
    assert_int_equal(a0->count + a1->count, 0);
    assert_int_equal(a2->count, 1);
    assert_int_equal(fake_apic_last(a2)->vector, 0x41);
    assert_true(fake_apic_last(a2)->level);
    m.dest = 7;
    assert_int_equal(apic_bus_send(&m), 0);
    m.dest = 0xff;                      /* broadcast */
    assert_int_equal(apic_bus_send(&m), 3);
    assert_int_equal(a0->count, 1);
    assert_int_equal(a1->count, 1);
    assert_int_equal(a2->count, 2);
}

static void test_logical(void **state)
{
    APICMessage m = msg(APIC_DM_FIXED, 0x05, true);   /* APICs 0 and 2 */
    assert_int_equal(apic_bus_send(&m), 2);
    assert_int_equal(a0->count, 1);
    assert_int_equal(a1->count, 0);
    assert_int_equal(a2->count, 1);
    m.dest = 0;
    assert_int_equal(apic_bus_send(&m), 0);
}

static void test_lowest_priority(void **state)
{
    a0->prio = 0x40;
    a1->prio = 0x20;
    a2->prio = 0x10;
    APICMessage m = msg(APIC_DM_LOWEST, 0x03, true);  /* APICs 0 and 1 */
    assert_int_equal(apic_bus_send(&m), 1);
    assert_int_equal(a1->count, 1);
    assert_int_equal(a0->count + a2->count, 0);
    /* A tie goes to the first attached. */
    a1->prio = 0x40;
    assert_int_equal(apic_bus_send(&m), 1);
    assert_int_equal(a0->count, 1);
    /* Only the addressed take part. */
    m.dest = 0x04;
    assert_int_equal(apic_bus_send(&m), 1);
    assert_int_equal(a2->count, 1);
    m.dest = 0x08;
    assert_int_equal(apic_bus_send(&m), 0);
    /* Physical broadcast, lowest priority: the lowest of all. */
    m = msg(APIC_DM_LOWEST, 0xff, false);
    assert_int_equal(apic_bus_send(&m), 1);
    assert_int_equal(a2->count, 2);
}

static void test_shorthands(void **state)
{
    APICMessage m = msg(APIC_DM_FIXED, 2, false);     /* the field is ignored */
    m.source = OBJECT(a1);
    m.shorthand = APIC_SH_SELF;
    assert_int_equal(apic_bus_send(&m), 1);
    assert_int_equal(a1->count, 1);
    assert_int_equal(a2->count, 0);
    m.shorthand = APIC_SH_ALL;
    assert_int_equal(apic_bus_send(&m), 3);
    m.shorthand = APIC_SH_OTHERS;
    assert_int_equal(apic_bus_send(&m), 2);
    assert_int_equal(a0->count, 2);
    assert_int_equal(a1->count, 2);
    assert_int_equal(a2->count, 2);
    /* All excluding self, lowest priority: one of the others. */
    m.delivery_mode = APIC_DM_LOWEST;
    a0->prio = 0x30;
    a1->prio = 0;
    a2->prio = 0x20;
    fake_apic_clear(a0);
    fake_apic_clear(a1);
    fake_apic_clear(a2);
    assert_int_equal(apic_bus_send(&m), 1);
    assert_int_equal(a0->count, 0);
    assert_int_equal(a1->count, 0);
    assert_int_equal(a2->count, 1);
}

static void test_msi(void **state)
{
    /* Destination 2 physical; vector 0x51, fixed, edge. */
    assert_true(apic_bus_send_msi(0xfee02000u, 0x0051));
    assert_int_equal(a2->count, 1);
    const APICMessage *m = fake_apic_last(a2);
    assert_int_equal(m->vector, 0x51);
    assert_int_equal(m->delivery_mode, APIC_DM_FIXED);
    assert_false(m->dest_logical);
    assert_false(m->level);
    /* Logical 0x03, lowest priority, level-triggered (bit 15), NMI etc. */
    a0->prio = 0x50;
    a1->prio = 0x10;
    assert_true(apic_bus_send_msi(0xfee03004u, 0x8162));
    assert_int_equal(a1->count, 1);
    m = fake_apic_last(a1);
    assert_int_equal(m->vector, 0x62);
    assert_int_equal(m->delivery_mode, APIC_DM_LOWEST);
    assert_true(m->dest_logical);
    assert_true(m->level);
    assert_true(apic_bus_send_msi(0xfee00000u, 0x0400));      /* NMI to 0 */
    assert_int_equal(fake_apic_last(a0)->delivery_mode, APIC_DM_NMI);
    /* Outside the window: not an MSI. */
    assert_false(apic_bus_send_msi(0xfed00000u, 0x0051));
    assert_false(apic_bus_send_msi(0xfef00000u, 0x0051));
    assert_false(apic_bus_send_msi(0x1fee00000ull, 0x0051));
    /* Reserved delivery modes (3, 6) are consumed but reach no one. */
    fake_apic_clear(a0);
    assert_true(apic_bus_send_msi(0xfee00000u, 0x0351));
    assert_true(apic_bus_send_msi(0xfee00000u, 0x0651));
    assert_int_equal(a0->count, 0);
    /* To no one: consumed (logged). */
    assert_true(apic_bus_send_msi(0xfee09000u, 0x0051));
}

typedef struct Heard {
    int calls;
    int vector;
} Heard;

static void listener(void *opaque, uint8_t vector)
{
    Heard *h = opaque;
    h->calls++;
    h->vector = vector;
}

static void test_eoi_listeners(void **state)
{
    Heard h1 = { 0 }, h2 = { 0 };
    apic_bus_broadcast_eoi(0x30);       /* no listener: nothing */
    apic_bus_add_eoi_listener(listener, &h1);
    apic_bus_add_eoi_listener(listener, &h2);
    apic_bus_broadcast_eoi(0x31);
    assert_int_equal(h1.calls, 1);
    assert_int_equal(h1.vector, 0x31);
    assert_int_equal(h2.calls, 1);
    apic_bus_remove_eoi_listener(listener, &h1);
    apic_bus_broadcast_eoi(0x32);
    assert_int_equal(h1.calls, 1);
    assert_int_equal(h2.calls, 2);
    assert_int_equal(h2.vector, 0x32);
    apic_bus_remove_eoi_listener(listener, &h2);
    apic_bus_remove_eoi_listener(listener, &h2);      /* not there: harmless */
    apic_bus_broadcast_eoi(0x33);
    assert_int_equal(h2.calls, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_attach, setup, teardown),
        cmocka_unit_test_setup_teardown(test_physical, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logical, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lowest_priority, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shorthands, setup, teardown),
        cmocka_unit_test_setup_teardown(test_msi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eoi_listeners, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
