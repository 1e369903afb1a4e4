/*
 * A fake local APIC on the APIC bus for unit tests (fake-apic.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "fake-apic.h"

static bool fake_matches(Object *obj, uint8_t dest, bool logical)
{
    FakeAPIC *f = (FakeAPIC *)obj;
    if (logical) {
        return (dest & f->logical) != 0;
    }
    return dest == 0xff || dest == f->id;
}

static void fake_accept(Object *obj, const APICMessage *m)
{
    FakeAPIC *f = (FakeAPIC *)obj;
    if (f->count < FAKE_APIC_LOG) {
        f->log[f->count] = *m;
    }
    f->count++;
}

static int fake_arb_priority(Object *obj)
{
    return ((FakeAPIC *)obj)->prio;
}

static void fake_class_init(ObjectClass *klass, void *data)
{
    APICBusClientClass *c = OBJECT_CLASS_CHECK(APICBusClientClass, klass,
                                               TYPE_APIC_BUS_CLIENT);
    c->matches = fake_matches;
    c->accept = fake_accept;
    c->arb_priority = fake_arb_priority;
}

static const TypeInfo fake_apic_info = {
    .name = TYPE_FAKE_APIC,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(FakeAPIC),
    .class_init = fake_class_init,
    .interfaces = (const InterfaceInfo[]) { { TYPE_APIC_BUS_CLIENT }, { NULL } },
};

FakeAPIC *fake_apic_new(uint8_t id, uint8_t logical, int prio)
{
    if (!object_class_by_name(TYPE_FAKE_APIC)) {
        type_register_static(&fake_apic_info);
    }
    FakeAPIC *f = (FakeAPIC *)object_new(TYPE_FAKE_APIC);
    f->id = id;
    f->logical = logical;
    f->prio = prio;
    assert_true(apic_bus_attach(OBJECT(f), NULL));
    return f;
}

void fake_apic_free(FakeAPIC *f)
{
    apic_bus_detach(OBJECT(f));
    object_unref(OBJECT(f));
}

void fake_apic_clear(FakeAPIC *f)
{
    f->count = 0;
    memset(f->log, 0, sizeof(f->log));
}

const APICMessage *fake_apic_last(const FakeAPIC *f)
{
    assert_true(f->count > 0);
    return &f->log[MIN(f->count, FAKE_APIC_LOG) - 1];
}
