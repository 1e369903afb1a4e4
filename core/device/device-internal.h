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
#include <cardcage/module.h>

/* bus.c */
void bus_attach_child(BusState *bus, DeviceState *dev);
void bus_detach_child(BusState *bus, DeviceState *dev);

/* gpio.c */
void device_gpio_free_all(DeviceState *dev);

/* static-property.c: write each static property's default into its field. */
void device_static_props_set_defaults(DeviceState *dev);
/* Free string fields and drop link references of static properties. */
void device_static_props_finalize(DeviceState *dev);
/* The Property behind a static class property, or NULL. */
const Property *device_static_prop_of(const ObjectProperty *prop);

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

/* help.c */
void device_print_type_list(FILE *out);
/* -device TYPE,help; false when the type is unknown. */
bool device_print_type_help(FILE *out, const char *typename, Error **errp);
const char *device_category_name(DeviceCategory cat);

#endif
