/*
 * -global TYPE.PROP=VALUE: defaults for every device of a type.
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/device.h>
#include "device/device-internal.h"

typedef struct GlobalProp {
    char *typename;
    char *prop;
    char *value;
    char *origin;        /* the option that asked for it, for the messages */
} GlobalProp;

static GPtrArray *globals;

void device_register_global(const char *typename, const char *prop, const char *value,
                            const char *origin)
{
    if (!globals) {
        globals = g_ptr_array_new();
    }
    GlobalProp *g = g_new0(GlobalProp, 1);
    g->typename = g_strdup(typename);
    g->prop = g_strdup(prop);
    g->value = g_strdup(value);
    g->origin = origin ? g_strdup(origin)
                       : g_strdup_printf("-global %s.%s=%s", typename, prop, value);
    g_ptr_array_add(globals, g);
}

void object_register_global(const char *typename, const char *prop, const char *value)
{
    device_register_global(typename, prop, value, NULL);
}

char *device_globals_origins(DeviceState *dev)
{
    GString *s = NULL;
    for (guint i = 0; globals && i < globals->len; i++) {
        GlobalProp *g = g_ptr_array_index(globals, i);
        if (object_dynamic_cast(OBJECT(dev), g->typename)) {
            s = s ? g_string_append(s, ", ") : g_string_new(NULL);
            g_string_append(s, g->origin);
        }
    }
    return s ? g_string_free(s, FALSE) : NULL;
}

void device_globals_clear(void)
{
    if (!globals) {
        return;
    }
    for (guint i = 0; i < globals->len; i++) {
        GlobalProp *g = g_ptr_array_index(globals, i);
        g_free(g->typename);
        g_free(g->prop);
        g_free(g->value);
        g_free(g->origin);
        g_free(g);
    }
    g_ptr_array_set_size(globals, 0);
}

bool object_check_globals(Error **errp)
{
    for (guint i = 0; globals && i < globals->len; i++) {
        GlobalProp *g = g_ptr_array_index(globals, i);
        ObjectClass *oc = object_class_by_name(g->typename);
        if (!oc) {
            error_setg(errp, "%s: unknown type '%s'", g->origin, g->typename);
            return false;
        }
        if (!object_class_dynamic_cast(oc, TYPE_DEVICE)) {
            error_setg(errp, "%s: '%s' is not a device type", g->origin, g->typename);
            return false;
        }
        if (!object_class_property_find(oc, g->prop)) {
            error_setg(errp, "%s: device type '%s' has no property '%s'", g->origin,
                       g->typename, g->prop);
            return false;
        }
    }
    return true;
}

bool device_apply_globals(DeviceState *dev, Error **errp)
{
    for (guint i = 0; globals && i < globals->len; i++) {
        GlobalProp *g = g_ptr_array_index(globals, i);
        if (!object_dynamic_cast(OBJECT(dev), g->typename)) {
            continue;
        }
        Error *err = NULL;
        if (!object_property_parse(OBJECT(dev), g->prop, g->value, &err)) {
            error_propagate(errp, err);
            error_prepend(errp, "%s: ", g->origin);
            return false;
        }
    }
    return true;
}
