/*
 * x-query-qtree: the device tree from the system bus down, each device
 * with its type, id and properties (as text, as -device takes them) and
 * the buses it provides.  The human monitor's info qtree prints it.
 * cardcage's own command: QEMU has none (its info qtree is HMP only).
 *
 * SPDX-License-Identifier: MIT
 */
#include <json-c/json.h>
#include <cardcage/device.h>
#include <cardcage/module.h>
#include <cardcage/qmp.h>
#include <cardcage/sysbus.h>

static json_object *bus_json(BusState *bus);

static int add_device(DeviceState *dev, void *opaque)
{
    json_object *d = json_object_new_object();
    json_object_object_add(d, "type", json_object_new_string(object_get_typename(OBJECT(dev))));
    json_object_object_add(d, "id", json_object_new_string(dev->id ? dev->id : ""));
    json_object *props = json_object_new_array();
    GPtrArray *list = object_property_list(OBJECT(dev));
    for (guint i = 0; i < list->len; i++) {
        ObjectProperty *p = g_ptr_array_index(list, i);
        if (p->kind == PROP_KIND_CHILD || !p->get) {
            continue;
        }
        char *v = object_property_print(OBJECT(dev), p->name, NULL);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(p->name));
        json_object_object_add(o, "value", v ? json_object_new_string(v) : NULL);
        json_object_array_add(props, o);
        g_free(v);
    }
    g_ptr_array_unref(list);
    json_object_object_add(d, "props", props);
    json_object *buses = json_object_new_array();
    for (GSList *l = dev->child_buses; l; l = l->next) {
        json_object_array_add(buses, bus_json(l->data));
    }
    json_object_object_add(d, "buses", buses);
    json_object_array_add(opaque, d);
    return 0;
}

static json_object *bus_json(BusState *bus)
{
    json_object *b = json_object_new_object();
    json_object_object_add(b, "name", json_object_new_string(bus->name));
    json_object_object_add(b, "type", json_object_new_string(object_get_typename(OBJECT(bus))));
    json_object *devices = json_object_new_array();
    bus_foreach_device(bus, add_device, devices);
    json_object_object_add(b, "devices", devices);
    return b;
}

static json_object *query_qtree(json_object *args, Error **errp)
{
    return bus_json(sysbus_get_default());
}

static const QmpCommandInfo qtree_command = {
    "x-query-qtree", NULL, "QtreeBus", query_qtree,
};

static void qtree_qmp_register(void)
{
    qmp_register_command(&qtree_command, &error_abort);
}
qapi_init(qtree_qmp_register)
