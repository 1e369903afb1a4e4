/*
 * Buses: the places devices plug into, and the tree walks over them.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/device.h>
#include <cardcage/sysbus.h>
#include "device/device-internal.h"

BusState *bus_new(const char *typename, DeviceState *parent, const char *name)
{
    BusState *bus = BUS(object_new(typename));
    if (name) {
        bus->name = g_strdup(name);
    } else if (parent && parent->id) {
        bus->name = g_strdup_printf("%s.0", parent->id);
    } else {
        bus->name = g_strdup_printf("%s.0", typename);
    }
    bus->parent = parent;
    if (parent) {
        parent->child_buses = g_slist_append(parent->child_buses, bus);
        /* The device's child holds the only reference. */
        object_property_add_child(OBJECT(parent), bus->name, OBJECT(bus), &error_abort);
        object_unref(bus);
    }
    return bus;
}

void bus_attach_child(BusState *bus, DeviceState *dev)
{
    dev->parent_bus = bus;
    g_queue_push_tail(&bus->children, dev);
}

void bus_detach_child(BusState *bus, DeviceState *dev)
{
    g_queue_remove(&bus->children, dev);
    dev->parent_bus = NULL;
}

void bus_cold_reset(BusState *bus)
{
    for (GList *l = bus->children.head; l; l = l->next) {
        device_cold_reset(l->data);
    }
}

int bus_foreach_device(BusState *bus, int (*fn)(DeviceState *dev, void *opaque),
                       void *opaque)
{
    for (GList *l = bus->children.head; l; l = l->next) {
        int ret = fn(l->data, opaque);
        if (ret) {
            return ret;
        }
    }
    return 0;
}

DeviceState *bus_find_device(BusState *bus, const char *id)
{
    for (GList *l = bus->children.head; l; l = l->next) {
        DeviceState *dev = l->data;
        if (dev->id && !strcmp(dev->id, id)) {
            return dev;
        }
    }
    return NULL;
}

/* Depth-first search of the device tree below bus. */
static BusState *find_bus_below(BusState *bus, const char *name)
{
    if (!strcmp(bus->name, name)) {
        return bus;
    }
    for (GList *l = bus->children.head; l; l = l->next) {
        DeviceState *dev = l->data;
        for (GSList *b = dev->child_buses; b; b = b->next) {
            BusState *found = find_bus_below(b->data, name);
            if (found) {
                return found;
            }
        }
    }
    return NULL;
}

BusState *bus_find(const char *name)
{
    return find_bus_below(sysbus_get_default(), name);
}

static DeviceState *find_device_below(BusState *bus, const char *id)
{
    DeviceState *dev = bus_find_device(bus, id);
    if (dev) {
        return dev;
    }
    for (GList *l = bus->children.head; l; l = l->next) {
        for (GSList *b = ((DeviceState *)l->data)->child_buses; b; b = b->next) {
            dev = find_device_below(b->data, id);
            if (dev) {
                return dev;
            }
        }
    }
    return NULL;
}

DeviceState *device_find_by_id(const char *id)
{
    return find_device_below(sysbus_get_default(), id);
}

static void bus_instance_finalize(Object *obj)
{
    BusState *bus = BUS(obj);
    g_queue_clear(&bus->children);
    g_free(bus->name);
}

static const TypeInfo bus_type_info = {
    .name = TYPE_BUS,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(BusState),
    .instance_finalize = bus_instance_finalize,
    .abstract = true,
    .class_size = sizeof(BusClass),
};

static void bus_register_types(void)
{
    type_register_static(&bus_type_info);
}

type_init(bus_register_types)
