/*
 * A plugin that uses the QMP SDK as a third-party plugin would: it
 * registers a command with a schema and an event from its qapi_init
 * function, and puts an object with a property settable at any time under
 * /objects for qom-set and qom-get (tests/functional/qmp.py).
 *
 *   x-test-echo {"text": str, "count"?: int}  returns {"text", "count"}
 *                                             and emits X-TEST-ECHOED
 *   /objects/qmp-test.counter                 a uint64, read and written
 *
 * SPDX-License-Identifier: MIT
 */
#include <json-c/json.h>
#include <cardcage/cardcage.h>

#define TYPE_QMP_TEST_OBJECT "qmp-test-object"

typedef struct QmpTestObject {
    Object parent_obj;
    uint64_t counter;
} QmpTestObject;

static void qmp_test_object_init(Object *obj)
{
    QmpTestObject *s = (QmpTestObject *)obj;
    object_property_add_uint64_ptr(obj, "counter", &s->counter, "a number the tests set");
}

static struct json_object *test_echo(struct json_object *args, Error **errp)
{
    json_object *count = json_object_object_get(args, "count");
    json_object *r = json_object_new_object();
    json_object_object_add(r, "text", json_object_get(json_object_object_get(args, "text")));
    json_object_object_add(r, "count", json_object_new_int64(count ? json_object_get_int64(count)
                                                                   : 1));
    json_object *data = json_object_new_object();
    json_object_object_add(data, "text", json_object_get(json_object_object_get(args, "text")));
    qmp_event_emit("X-TEST-ECHOED", data);
    return r;
}

static const QmpCommandInfo echo_cmd = {
    .name = "x-test-echo", .args = "text:str ?count:int", .returns = "any",
    .handler = test_echo,
};

static const QmpEventInfo echoed_event = { .name = "X-TEST-ECHOED", .data = "text:str" };

static void qmp_test_register(void)
{
    Error *err = NULL;
    if (!qmp_register_command(&echo_cmd, &err) || !qmp_register_event(&echoed_event, &err)) {
        error_report_err(err);
        return;
    }
    Object *obj = object_new(TYPE_QMP_TEST_OBJECT);
    object_property_add_child(container_get(object_get_root(), "/objects"), "qmp-test", obj,
                              &error_abort);
    object_unref(obj);
}
qapi_init(qmp_test_register)

static const TypeInfo qmp_test_types[] = {
    {
        .name = TYPE_QMP_TEST_OBJECT,
        .parent = TYPE_OBJECT,
        .instance_size = sizeof(QmpTestObject),
        .instance_init = qmp_test_object_init,
    },
};

DEFINE_TYPES(qmp_test_types)

CARDCAGE_PLUGIN(
    .name = "qmp-test",
    .version = "0.1",
    .description = "a QMP command, an event and a settable property for the QMP tests",
    .license = "MIT",
);
