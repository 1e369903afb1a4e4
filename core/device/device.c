/*
 * The device base type: life cycle (realize, unrealize, reset) and ids.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/device.h>
#include <cardcage/sysbus.h>
#include "device/device-internal.h"
#include "memory/memory-internal.h"

DeviceState *device_new_checked(const char *typename, Error **errp)
{
    ObjectClass *oc = object_class_by_name(typename);
    if (!oc) {
        error_setg(errp, "unknown device type '%s'", typename);
        return NULL;
    }
    if (!object_class_dynamic_cast(oc, TYPE_DEVICE)) {
        error_setg(errp, "'%s' is not a device type", typename);
        return NULL;
    }
    if (object_class_is_abstract(oc)) {
        error_setg(errp, "device type '%s' is abstract and cannot be instantiated",
                   typename);
        return NULL;
    }
    Object *obj = object_new_checked(typename, errp);
    if (!obj) {
        return NULL;
    }
    if (!device_apply_globals(DEVICE(obj), errp)) {
        object_unref(obj);
        return NULL;
    }
    return DEVICE(obj);
}

DeviceState *device_new(const char *typename)
{
    return device_new_checked(typename, &error_abort);
}

const char *device_get_id(const DeviceState *dev)
{
    return dev->id;
}

void device_set_id(DeviceState *dev, const char *id)
{
    g_free(dev->id);
    dev->id = g_strdup(id);
}

/* A device without a place in the tree goes under /machine/unattached. */
static void device_ensure_parented(DeviceState *dev)
{
    Object *obj = OBJECT(dev);
    if (obj->parent) {
        return;
    }
    static unsigned counter;
    Object *unattached = container_get(object_get_root(), "/machine/unattached");
    char *name = g_strdup_printf("device[%u]", counter++);
    object_property_add_child(unattached, name, obj, &error_abort);
    g_free(name);
}

AddressSpace *device_dma_address_space(DeviceState *dev)
{
    BusState *bus = dev->parent_bus;
    BusClass *bc = bus ? BUS_GET_CLASS(bus) : NULL;
    AddressSpace *as = bc && bc->get_dma_as ? bc->get_dma_as(bus, dev) : NULL;
    return as ? as : address_space_memory();
}

bool device_realize(DeviceState *dev, BusState *bus, Error **errp)
{
    DeviceClass *dc = DEVICE_GET_CLASS(dev);
    if (dev->realized) {
        error_setg(errp, "device '%s' is already realized",
                   dev->id ? dev->id : object_get_typename(OBJECT(dev)));
        return false;
    }
    if (!bus) {
        bus = sysbus_get_default();
    }
    const char *want = dc->bus_type ? dc->bus_type : TYPE_SYSTEM_BUS;
    if (!object_dynamic_cast(OBJECT(bus), want)) {
        error_setg(errp, "device type '%s' plugs into a bus of type '%s', but bus '%s' is "
                   "a '%s'", object_get_typename(OBJECT(dev)), want, bus->name,
                   object_get_typename(OBJECT(bus)));
        return false;
    }
    BusClass *bc = BUS_GET_CLASS(bus);
    if (bc->check_address && !bc->check_address(bus, dev, errp)) {
        return false;
    }
    bus_attach_child(bus, dev);
    device_ensure_parented(dev);
    if (!device_backend_props_claim(dev, errp)) {
        bus_detach_child(bus, dev);
        return false;
    }
    if (dc->realize && !dc->realize(dev, errp)) {
        /* What it mapped before failing must not outlive it. */
        memory_unmap_owned(OBJECT(dev));
        device_backend_props_release(dev);
        bus_detach_child(bus, dev);
        return false;
    }
    dev->realized = true;
    for (GSList *l = dev->child_buses; l; l = l->next) {
        BUS(l->data)->realized = true;
    }
    return true;
}

void device_unrealize(DeviceState *dev)
{
    if (!dev->realized) {
        return;
    }
    for (GSList *l = dev->child_buses; l; l = l->next) {
        BusState *bus = l->data;
        GList *children = g_list_copy(bus->children.head);
        for (GList *c = children; c; c = c->next) {
            device_unrealize(c->data);
        }
        g_list_free(children);
        bus->realized = false;
    }
    DeviceClass *dc = DEVICE_GET_CLASS(dev);
    if (dc->unrealize) {
        dc->unrealize(dev);
    }
    device_backend_props_release(dev);
    dev->realized = false;
    if (dev->parent_bus) {
        bus_detach_child(dev->parent_bus, dev);
    }
}

void device_cold_reset(DeviceState *dev)
{
    DeviceClass *dc = DEVICE_GET_CLASS(dev);
    if (dc->reset) {
        dc->reset(dev);
    }
    for (GSList *l = dev->child_buses; l; l = l->next) {
        bus_cold_reset(l->data);
    }
}

static void device_instance_init(Object *obj)
{
    device_static_props_set_defaults(DEVICE(obj));
}

static void device_instance_finalize(Object *obj)
{
    DeviceState *dev = DEVICE(obj);
    device_gpio_free_all(dev);
    device_static_props_finalize(dev);
    g_slist_free(dev->child_buses);
    g_free(dev->id);
}

static void device_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->user_creatable = true;
}

static const TypeInfo device_type_info = {
    .name = TYPE_DEVICE,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(DeviceState),
    .instance_init = device_instance_init,
    .instance_finalize = device_instance_finalize,
    .abstract = true,
    .class_size = sizeof(DeviceClass),
    .class_init = device_class_init,
};

static void device_register_types(void)
{
    type_register_static(&device_type_info);
}

type_init(device_register_types)
