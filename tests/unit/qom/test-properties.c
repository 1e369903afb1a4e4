/*
 * Properties: every kind (bool, signed and unsigned integers with ranges,
 * size, string, enum, link), from typed values and from text, defaults,
 * descriptions, printing, -global, and the realize lock.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include <cardcage/cardcage.h>
#include "device/device-internal.h"

#define TYPE_PROPDEV "test-propdev"

typedef struct PropDev {
    SysBusDevice parent_obj;
    bool flag;
    int32_t level;
    int64_t offset;
    uint8_t small;
    uint16_t port;
    uint32_t word;
    uint64_t big;
    uint64_t size;
    char *label;
    int mode;
    Object *peer;
} PropDev;

static const char *const modes[] = { "off", "on", "auto", NULL };

static const Property propdev_props[] = {
    DEFINE_PROP_BOOL("flag", PropDev, flag, true, "a flag"),
    DEFINE_PROP_INT_RANGE("level", PropDev, level, PROP_FIELD_I32, -3, -10, 10, "a level"),
    DEFINE_PROP_INT64("offset", PropDev, offset, 0, "an offset"),
    DEFINE_PROP_UINT8("small", PropDev, small, 7, "a byte"),
    DEFINE_PROP_UINT16("port", PropDev, port, 0x3f8, "a port"),
    DEFINE_PROP_UINT_RANGE("word", PropDev, word, PROP_FIELD_U32, 100, 10, 1000, "a word"),
    DEFINE_PROP_UINT64("big", PropDev, big, 0, "a big number"),
    DEFINE_PROP_SIZE("size", PropDev, size, 64 << 20, "a size"),
    DEFINE_PROP_STRING("label", PropDev, label, "hello", "a label"),
    DEFINE_PROP_ENUM("mode", PropDev, mode, 2, modes, "Mode", "a mode"),
    DEFINE_PROP_LINK("peer", PropDev, peer, TYPE_PROPDEV, "another propdev"),
    DEFINE_PROP_END_OF_LIST(),
};

static void propdev_class_init(ObjectClass *k, void *data)
{
    device_class_set_props(DEVICE_CLASS(k), propdev_props);
    DEVICE_CLASS(k)->desc = "property test device";
}

static const TypeInfo propdev_info = {
    .name = TYPE_PROPDEV,
    .parent = TYPE_SYS_BUS_DEVICE,
    .instance_size = sizeof(PropDev),
    .class_init = propdev_class_init,
};

static PropDev *new_dev(void)
{
    return (PropDev *)device_new(TYPE_PROPDEV);
}

/* Takes errp, not the Error, because the argument would be read before the
 * call that sets it. */
static void expect_error(bool ok, Error **errp, const char *msg)
{
    assert_false(ok);
    assert_non_null(*errp);
    assert_string_equal(error_get_pretty(*errp), msg);
    error_free(*errp);
    *errp = NULL;
}

static int setup(void **state)
{
    module_call_init(MODULE_INIT_QOM);
    type_register_static(&propdev_info);
    return 0;
}

static void test_defaults(void **state)
{
    PropDev *d = new_dev();
    assert_true(d->flag);
    assert_int_equal(d->level, -3);
    assert_int_equal(d->small, 7);
    assert_int_equal(d->port, 0x3f8);
    assert_int_equal(d->word, 100);
    assert_int_equal(d->size, 64 << 20);
    assert_string_equal(d->label, "hello");
    assert_int_equal(d->mode, 2);
    assert_null(d->peer);
    ObjectProperty *p = object_property_find(OBJECT(d), "port");
    assert_string_equal(p->description, "a port");
    assert_string_equal(p->default_text, "0x3f8");
    assert_string_equal(object_property_find(OBJECT(d), "size")->default_text, "64M");
    assert_string_equal(object_property_find(OBJECT(d), "mode")->default_text, "auto");
    object_unref(d);
}

static void test_bool(void **state)
{
    PropDev *d = new_dev();
    static const char *const off[] = { "off", "false", "no", "OFF" };
    for (size_t i = 0; i < CC_ARRAY_SIZE(off); i++) {
        d->flag = true;
        assert_true(object_property_parse(OBJECT(d), "flag", off[i], &error_abort));
        assert_false(d->flag);
    }
    assert_true(object_property_parse(OBJECT(d), "flag", "yes", &error_abort));
    assert_true(d->flag);
    assert_true(object_property_set_bool(OBJECT(d), "flag", false, &error_abort));
    assert_false(object_property_get_bool(OBJECT(d), "flag", &error_abort));
    Error *err = NULL;
    expect_error(object_property_parse(OBJECT(d), "flag", "maybe", &err), &err,
                 "property 'flag' of 'test-propdev': 'maybe' is not valid: expected on/off, "
                 "true/false or yes/no");
    err = NULL;
    expect_error(object_property_set_int(OBJECT(d), "flag", 1, &err), &err,
                 "property 'flag' of 'test-propdev': expected a value of type bool, got a int");
    object_unref(d);
}

static void test_signed_ranges(void **state)
{
    PropDev *d = new_dev();
    assert_true(object_property_parse(OBJECT(d), "level", "-10", &error_abort));
    assert_int_equal(d->level, -10);
    assert_true(object_property_parse(OBJECT(d), "level", "0xa", &error_abort));
    assert_int_equal(d->level, 10);
    Error *err = NULL;
    expect_error(object_property_parse(OBJECT(d), "level", "11", &err), &err,
                 "property 'level' of 'test-propdev': 11 is out of range: expected an "
                 "integer from -10 to 10");
    assert_int_equal(d->level, 10);   /* unchanged */
    err = NULL;
    expect_error(object_property_parse(OBJECT(d), "level", "ten", &err), &err,
                 "property 'level' of 'test-propdev': 'ten' is not valid: expected an integer");
    assert_true(object_property_set_int(OBJECT(d), "offset", INT64_MIN, &error_abort));
    assert_int_equal(object_property_get_int(OBJECT(d), "offset", &error_abort), INT64_MIN);
    char *type = object_property_type_text(object_property_find(OBJECT(d), "level"));
    assert_string_equal(type, "int32 (-10..10)");
    g_free(type);
    object_unref(d);
}

static void test_unsigned_ranges(void **state)
{
    PropDev *d = new_dev();
    Error *err = NULL;
    assert_true(object_property_parse(OBJECT(d), "small", "255", &error_abort));
    assert_int_equal(d->small, 255);
    expect_error(object_property_parse(OBJECT(d), "small", "256", &err), &err,
                 "property 'small' of 'test-propdev': 256 is out of range: expected an "
                 "integer from 0 to 255");
    err = NULL;
    expect_error(object_property_set_int(OBJECT(d), "port", -1, &err), &err,
                 "property 'port' of 'test-propdev': -1 is out of range: expected an "
                 "integer from 0 to 65535");
    err = NULL;
    expect_error(object_property_parse(OBJECT(d), "port", "-1", &err), &err,
                 "property 'port' of 'test-propdev': '-1' is not valid: expected a "
                 "non-negative integer");
    err = NULL;
    expect_error(object_property_set_uint(OBJECT(d), "word", 9, &err), &err,
                 "property 'word' of 'test-propdev': 9 is out of range: expected an "
                 "integer from 10 to 1000");
    assert_true(object_property_parse(OBJECT(d), "big", "18446744073709551615",
                                      &error_abort));
    assert_int_equal(d->big, UINT64_MAX);
    err = NULL;
    expect_error(object_property_parse(OBJECT(d), "big", "18446744073709551616", &err), &err,
                 "property 'big' of 'test-propdev': '18446744073709551616' is not valid: "
                 "expected a non-negative integer");
    assert_true(object_property_parse(OBJECT(d), "port", "0x2f8", &error_abort));
    char *s = object_property_print(OBJECT(d), "port", &error_abort);
    assert_string_equal(s, "760");
    g_free(s);
    object_unref(d);
}

static void test_size(void **state)
{
    PropDev *d = new_dev();
    static const struct { const char *text; uint64_t value; } ok[] = {
        { "4096", 4096 }, { "64K", 64 << 10 }, { "128M", 128 << 20 },
        { "4G", 4ULL << 30 }, { "1T", 1ULL << 40 }, { "2m", 2 << 20 }, { "16MiB", 16 << 20 },
    };
    for (size_t i = 0; i < CC_ARRAY_SIZE(ok); i++) {
        assert_true(object_property_parse(OBJECT(d), "size", ok[i].text, &error_abort));
        assert_int_equal(d->size, ok[i].value);
    }
    char *s = object_property_print(OBJECT(d), "size", &error_abort);
    assert_string_equal(s, "16M");
    g_free(s);
    Error *err = NULL;
    expect_error(object_property_parse(OBJECT(d), "size", "12Q", &err), &err,
                 "property 'size' of 'test-propdev': '12Q' is not valid: expected a size such "
                 "as 4096, 64K, 128M or 4G");
    err = NULL;
    expect_error(object_property_parse(OBJECT(d), "size", "99999999999T", &err), &err,
                 "property 'size' of 'test-propdev': '99999999999T' is not valid: expected a "
                 "size such as 4096, 64K, 128M or 4G");
    object_unref(d);
}

static void test_string_and_enum(void **state)
{
    PropDev *d = new_dev();
    assert_true(object_property_set_str(OBJECT(d), "label", "world", &error_abort));
    assert_string_equal(d->label, "world");
    char *s = object_property_get_str(OBJECT(d), "label", &error_abort);
    assert_string_equal(s, "world");
    g_free(s);
    assert_true(object_property_parse(OBJECT(d), "mode", "on", &error_abort));
    assert_int_equal(d->mode, 1);
    /* A string set on an enum is parsed as its name. */
    assert_true(object_property_set_str(OBJECT(d), "mode", "off", &error_abort));
    assert_int_equal(d->mode, 0);
    Error *err = NULL;
    expect_error(object_property_parse(OBJECT(d), "mode", "sideways", &err), &err,
                 "property 'mode' of 'test-propdev': 'sideways' is not one of off|on|auto");
    char *type = object_property_type_text(object_property_find(OBJECT(d), "mode"));
    assert_string_equal(type, "enum (off|on|auto)");
    g_free(type);
    object_unref(d);
}

static void test_links(void **state)
{
    Object *container = container_get(object_get_root(), "/machine/links");
    PropDev *a = new_dev(), *b = new_dev();
    object_property_add_child(container, "devb", OBJECT(b), &error_abort);
    Object *plain = object_new(TYPE_CONTAINER);
    object_property_add_child(container, "plain", plain, &error_abort);
    /* By partial path (an id), by absolute path, and to nothing. */
    assert_true(object_property_parse(OBJECT(a), "peer", "devb", &error_abort));
    assert_ptr_equal(a->peer, b);
    assert_int_equal(OBJECT(b)->ref, 3);   /* ours, the tree's, the link's */
    assert_true(object_property_parse(OBJECT(a), "peer", "/machine/links/devb", &error_abort));
    assert_ptr_equal(object_property_get_link(OBJECT(a), "peer", &error_abort), b);
    char *s = object_property_print(OBJECT(a), "peer", &error_abort);
    assert_string_equal(s, "/machine/links/devb");
    g_free(s);
    assert_true(object_property_parse(OBJECT(a), "peer", "", &error_abort));
    assert_null(a->peer);
    assert_int_equal(OBJECT(b)->ref, 2);
    Error *err = NULL;
    expect_error(object_property_parse(OBJECT(a), "peer", "nowhere", &err), &err,
                 "property 'peer': no object 'nowhere'");
    err = NULL;
    expect_error(object_property_parse(OBJECT(a), "peer", "plain", &err), &err,
                 "property 'peer': 'plain' is a 'container', expected a 'test-propdev'");
    err = NULL;
    expect_error(object_property_set_link(OBJECT(a), "peer", plain, &err), &err,
                 "property 'peer' of 'test-propdev': expected an object of type "
                 "'test-propdev', got 'container'");
    char *type = object_property_type_text(object_property_find(OBJECT(a), "peer"));
    assert_string_equal(type, "link<test-propdev>");
    g_free(type);
    object_unref(a);
    object_unref(b);
    object_unref(plain);
}

static void test_unknown_and_realized(void **state)
{
    PropDev *d = new_dev();
    Error *err = NULL;
    expect_error(object_property_parse(OBJECT(d), "colour", "red", &err), &err,
                 "'test-propdev' has no property 'colour'");
    device_set_id(DEVICE(d), "pd1");
    assert_true(device_realize(DEVICE(d), NULL, &error_abort));
    err = NULL;
    expect_error(object_property_parse(OBJECT(d), "port", "1", &err), &err,
                 "property 'port' of 'pd1' cannot be changed once the device is realized");
    device_unrealize(DEVICE(d));
    object_unref(d);
}

static void test_globals(void **state)
{
    object_register_global(TYPE_PROPDEV, "port", "0x2e8");
    object_register_global(TYPE_SYS_BUS_DEVICE, "nonexistent", "1");
    Error *err = NULL;
    expect_error(object_check_globals(&err), &err,
                 "-global sys-bus-device.nonexistent=1: device type 'sys-bus-device' has no "
                 "property 'nonexistent'");
    device_globals_clear();
    object_register_global(TYPE_PROPDEV, "port", "0x2e8");
    assert_true(object_check_globals(&error_abort));
    PropDev *d = new_dev();
    assert_int_equal(d->port, 0x2e8);
    object_unref(d);
    device_globals_clear();
    object_register_global(TYPE_PROPDEV, "small", "300");
    err = NULL;
    assert_null(device_new_checked(TYPE_PROPDEV, &err));
    assert_string_equal(error_get_pretty(err), "-global test-propdev.small=300: property "
                        "'small' of 'test-propdev': 300 is out of range: expected an integer "
                        "from 0 to 255");
    error_free(err);
    device_globals_clear();
}

static void test_help_lists_properties(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_true(device_print_type_help(f, TYPE_PROPDEV, &error_abort));
    fclose(f);
    assert_non_null(strstr(buf, "test-propdev: property test device"));
    assert_non_null(strstr(buf, "  port=<uint16> (default: 0x3f8)\n      a port"));
    assert_non_null(strstr(buf, "  level=<int32 (-10..10)> (default: -3)"));
    assert_non_null(strstr(buf, "  mode=<enum (off|on|auto)> (default: auto)"));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_bool),
        cmocka_unit_test(test_signed_ranges),
        cmocka_unit_test(test_unsigned_ranges),
        cmocka_unit_test(test_size),
        cmocka_unit_test(test_string_and_enum),
        cmocka_unit_test(test_links),
        cmocka_unit_test(test_unknown_and_realized),
        cmocka_unit_test(test_globals),
        cmocka_unit_test(test_help_lists_properties),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
