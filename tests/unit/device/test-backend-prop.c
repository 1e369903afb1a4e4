/*
 * Backend properties (DEFINE_PROP_CHARDEV): the core resolves the id,
 * attaches the backend at realize, reports unknown ids and backends in use
 * by another device, detaches at unrealize and lets go at finalize.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include <cardcage/cardcage.h>
#include "chardev/chardev-internal.h"
#include "device/device-internal.h"

#define TYPE_CHRDEV "test-chrdev"

typedef struct ChrDev {
    SysBusDevice parent_obj;
    Chardev *chr;
    GString *got;                /* bytes the backend delivered */
    int opened;
} ChrDev;

static int chrdev_can_read(void *opaque)
{
    return 16;
}

static void chrdev_read(void *opaque, const uint8_t *buf, int size)
{
    g_string_append_len(((ChrDev *)opaque)->got, (const char *)buf, size);
}

static void chrdev_event(void *opaque, ChardevEvent event)
{
    ((ChrDev *)opaque)->opened += event == CHARDEV_EVENT_OPENED;
}

static bool chrdev_realize(DeviceState *dev, Error **errp)
{
    ChrDev *s = (ChrDev *)dev;
    chardev_set_handlers(s->chr, dev, chrdev_can_read, chrdev_read, chrdev_event, s);
    return true;
}

static void chrdev_init(Object *obj)
{
    ((ChrDev *)obj)->got = g_string_new(NULL);
}

static void chrdev_finalize(Object *obj)
{
    g_string_free(((ChrDev *)obj)->got, TRUE);
}

static const Property chrdev_props[] = {
    DEFINE_PROP_CHARDEV("chardev", ChrDev, chr, "the backend"),
    DEFINE_PROP_END_OF_LIST(),
};

static void chrdev_class_init(ObjectClass *k, void *data)
{
    device_class_set_props(DEVICE_CLASS(k), chrdev_props);
    DEVICE_CLASS(k)->realize = chrdev_realize;
}

static const TypeInfo chrdev_info = {
    .name = TYPE_CHRDEV,
    .parent = TYPE_SYS_BUS_DEVICE,
    .instance_size = sizeof(ChrDev),
    .instance_init = chrdev_init,
    .instance_finalize = chrdev_finalize,
    .class_init = chrdev_class_init,
};

static int setup(void **state)
{
    module_call_init(MODULE_INIT_QOM);
    type_register_static(&chrdev_info);
    return 0;
}

/* A device named id, parented so that messages can name it. */
static ChrDev *new_dev(const char *id)
{
    DeviceState *dev = device_new(TYPE_CHRDEV);
    device_set_id(dev, id);
    object_property_add_child(container_get(object_get_root(), "/machine/test"), id,
                              OBJECT(dev), &error_abort);
    object_unref(dev);
    return (ChrDev *)dev;
}

static void test_attach_and_input(void **state)
{
    Chardev *chr = chardev_new_from_spec("rb1", "ringbuf", &error_abort);
    ChrDev *d = new_dev("d1");
    assert_true(object_property_parse(OBJECT(d), "chardev", "rb1", &error_abort));
    assert_ptr_equal(d->chr, chr);
    char *id = object_property_print(OBJECT(d), "chardev", NULL);
    assert_string_equal(id, "rb1");
    g_free(id);
    /* The property holds a reference; the frontend comes with realize. */
    assert_int_equal(chr->nfe, 0);
    assert_true(device_realize(DEVICE(d), NULL, &error_abort));
    assert_int_equal(chr->nfe, 1);
    assert_int_equal(d->opened, 1);
    assert_int_equal(chardev_ringbuf_inject(chr, (const uint8_t *)"hi", 2), 2);
    assert_string_equal(d->got->str, "hi");
    /* Unrealize detaches: input goes nowhere, and the backend is free. */
    device_unrealize(DEVICE(d));
    assert_int_equal(chr->nfe, 0);
    chardev_ringbuf_inject(chr, (const uint8_t *)"x", 1);
    assert_string_equal(d->got->str, "hi");
    object_unparent(OBJECT(d));
    assert_true(chardev_delete("rb1", &error_abort));
}

static void test_errors(void **state)
{
    chardev_new_from_spec("rb2", "ringbuf", &error_abort);
    ChrDev *a = new_dev("first");
    ChrDev *b = new_dev("second");
    Error *err = NULL;
    /* An unknown id fails when the property is set. */
    assert_false(object_property_parse(OBJECT(a), "chardev", "nowhere", &err));
    assert_non_null(strstr(error_get_pretty(err), "no character backend 'nowhere'"));
    error_free(err);
    err = NULL;
    assert_null(a->chr);
    /* Two devices on one backend: the second's realize names the first. */
    assert_true(object_property_parse(OBJECT(a), "chardev", "rb2", &error_abort));
    assert_true(object_property_parse(OBJECT(b), "chardev", "rb2", &error_abort));
    assert_true(device_realize(DEVICE(a), NULL, &error_abort));
    assert_false(device_realize(DEVICE(b), NULL, &err));
    assert_string_equal(error_get_pretty(err),
                        "chardev 'rb2' is already in use by device 'first'");
    error_free(err);
    err = NULL;
    /* Once realized, the property is locked. */
    assert_false(object_property_parse(OBJECT(a), "chardev", "", &err));
    error_free(err);
    err = NULL;
    /* A backend in use cannot be deleted; after the first device is gone
     * the second can have it. */
    assert_false(chardev_delete("rb2", &err));
    error_free(err);
    err = NULL;
    device_unrealize(DEVICE(a));
    object_unparent(OBJECT(a));
    assert_true(device_realize(DEVICE(b), NULL, &error_abort));
    device_unrealize(DEVICE(b));
    /* "" clears the property. */
    assert_true(object_property_parse(OBJECT(b), "chardev", "", &error_abort));
    assert_null(b->chr);
    object_unparent(OBJECT(b));
    assert_true(chardev_delete("rb2", &error_abort));
}

static void test_shared_mux_backend(void **state)
{
    /* A multiplexed backend takes several devices. */
    chardev_new_from_spec("mx", "mon:ringbuf", &error_abort);
    ChrDev *a = new_dev("mux-a");
    ChrDev *b = new_dev("mux-b");
    assert_true(object_property_parse(OBJECT(a), "chardev", "mx", &error_abort));
    assert_true(object_property_parse(OBJECT(b), "chardev", "mx", &error_abort));
    assert_true(device_realize(DEVICE(a), NULL, &error_abort));
    assert_true(device_realize(DEVICE(b), NULL, &error_abort));
    assert_int_equal(chardev_find("mx")->nfe, 2);
    device_unrealize(DEVICE(a));
    device_unrealize(DEVICE(b));
    assert_int_equal(chardev_find("mx")->nfe, 0);
    object_unparent(OBJECT(a));
    object_unparent(OBJECT(b));
    assert_true(chardev_delete("mx", &error_abort));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attach_and_input),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_shared_mux_backend),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
