/*
 * Device-layer internals shared by the files of core/device and the board
 * loader.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_DEVICE_INTERNAL_H
#define CORE_DEVICE_INTERNAL_H

#include <stdio.h>
#include <cardcage/device.h>
#include <cardcage/memory.h>
#include <cardcage/module.h>

/* bus.c */
void bus_attach_child(BusState *bus, DeviceState *dev);
void bus_detach_child(BusState *bus, DeviceState *dev);

/* gpio.c */
void device_gpio_free_all(DeviceState *dev);
/* -device TYPE,help: "  IRQ/GPIO inputs: in[0..15] (16 lines)" and the
 * outputs, as the device has them once created. */
void device_gpio_print(FILE *out, DeviceState *dev);

/* static-property.c: write each static property's default into its field. */
void device_static_props_set_defaults(DeviceState *dev);
/* Free string fields and drop link references of static properties. */
void device_static_props_finalize(DeviceState *dev);
/* The Property behind a static class property, or NULL. */
const Property *device_static_prop_of(const ObjectProperty *prop);
/* Call fn on each static property of dev (its class and parents) whose
 * field type is field, until fn returns false; returns false then. */
typedef bool DevicePropFn(Object *obj, const Property *p, void *opaque);
bool device_static_props_foreach(DeviceState *dev, PropFieldType field, DevicePropFn *fn,
                                 void *opaque);

/* backend-prop.c: PROP_FIELD_BACKEND properties, by id. */
const char *device_backend_kind_name(const Property *p);
char *device_backend_prop_get(Object *obj, const Property *p);
bool device_backend_prop_set(Object *obj, const Property *p, const char *id, Error **errp);
/* Realize: claim every backend the device's properties name (errp: the
 * first that is in use); unrealize: give them up; finalize: drop the
 * references. */
bool device_backend_props_claim(DeviceState *dev, Error **errp);
void device_backend_props_release(DeviceState *dev);
void device_backend_props_finalize(DeviceState *dev);

/* globals.c: apply -global settings to a new device; false (errp naming the
 * global) when one does not apply. */
bool device_apply_globals(DeviceState *dev, Error **errp);
void device_globals_clear(void);
/* A global with the option that asked for it ("-rtc base=utc"); NULL:
 * "-global TYPE.PROP=VALUE". */
void device_register_global(const char *typename, const char *prop, const char *value,
                            const char *origin);
/* The options whose globals applied to dev, comma-separated; NULL: none. */
char *device_globals_origins(DeviceState *dev);

/* map.c: map mr at addr of space at priority, or refuse (errp naming dev
 * and the device that owns what is there); what is "I/O ports" or
 * "memory", for the message. */
bool device_map_region(DeviceState *dev, MemoryRegion *space, MemoryRegion *mr, hwaddr addr,
                       int priority, const char *what, Error **errp);

/* help.c */
void device_print_type_list(FILE *out);
/* -device TYPE,help; false when the type is unknown. */
bool device_print_type_help(FILE *out, const char *typename, Error **errp);
const char *device_category_name(DeviceCategory cat);

#endif
