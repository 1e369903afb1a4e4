/*
 * -device help and -device TYPE,help.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/device.h>
#include "device/device-internal.h"
#include "module/plugin-loader.h"

const char *device_category_name(DeviceCategory cat)
{
    static const char *const names[DEVICE_CATEGORY_MAX] = {
        [DEVICE_CATEGORY_MISC] = "Misc devices",
        [DEVICE_CATEGORY_BRIDGE] = "Controller/Bridge/Hub devices",
        [DEVICE_CATEGORY_CPU] = "CPU devices",
        [DEVICE_CATEGORY_INTC] = "Interrupt controllers",
        [DEVICE_CATEGORY_TIMER] = "Timers",
        [DEVICE_CATEGORY_INPUT] = "Input devices",
        [DEVICE_CATEGORY_SERIAL] = "Serial and console devices",
        [DEVICE_CATEGORY_STORAGE] = "Storage devices",
        [DEVICE_CATEGORY_NETWORK] = "Network devices",
        [DEVICE_CATEGORY_DISPLAY] = "Display devices",
        [DEVICE_CATEGORY_SOUND] = "Sound devices",
        [DEVICE_CATEGORY_DEBUG] = "Debug and test devices",
    };
    return (unsigned)cat < DEVICE_CATEGORY_MAX && names[cat] ? names[cat] : "Misc devices";
}

static const char *type_origin(const char *typename)
{
    const LoadedPlugin *p = plugin_find_by_type(typename);
    return p ? p->name : "core";
}

void device_print_type_list(FILE *out)
{
    GSList *classes = object_class_get_list(TYPE_DEVICE, false);
    for (int cat = 0; cat < DEVICE_CATEGORY_MAX; cat++) {
        bool header = false;
        for (GSList *l = classes; l; l = l->next) {
            DeviceClass *dc = DEVICE_CLASS(l->data);
            if ((int)dc->category != cat || !dc->user_creatable) {
                continue;
            }
            if (!header) {
                fprintf(out, "%s%s:\n", cat ? "\n" : "", device_category_name(cat));
                header = true;
            }
            const char *name = object_class_get_name(l->data);
            fprintf(out, "  %-22s [%s, bus %s]  %s\n", name, type_origin(name),
                    dc->bus_type ? dc->bus_type : "system-bus", dc->desc ? dc->desc : "");
        }
    }
    g_slist_free(classes);
}

bool device_print_type_help(FILE *out, const char *typename, Error **errp)
{
    ObjectClass *oc = object_class_by_name(typename);
    if (!oc || !object_class_dynamic_cast(oc, TYPE_DEVICE)) {
        error_setg(errp, "'%s' is not a known device type (-device help lists them)",
                   typename);
        return false;
    }
    DeviceClass *dc = DEVICE_CLASS(oc);
    fprintf(out, "%s: %s\n  from %s, plugs into %s%s\n", typename,
            dc->desc ? dc->desc : "(no description)", type_origin(typename),
            dc->bus_type ? dc->bus_type : "system-bus",
            object_class_is_abstract(oc) ? " (abstract)" : "");
    GPtrArray *props = object_class_property_list(oc);
    if (!props->len) {
        fprintf(out, "  (no properties)\n");
    }
    for (guint i = 0; i < props->len; i++) {
        ObjectProperty *p = g_ptr_array_index(props, i);
        char *type = object_property_type_text(p);
        fprintf(out, "  %s=<%s>", p->name, type);
        if (p->default_text) {
            fprintf(out, " (default: %s)", p->default_text);
        }
        if (p->description) {
            fprintf(out, "\n      %s", p->description);
        }
        fputc('\n', out);
        g_free(type);
    }
    g_ptr_array_unref(props);
    /* The lines a device has from creation (board "irq" keys and -device
     * irq.OUT=DEV.IN[N] name them); a scratch instance shows them. */
    DeviceState *dev = object_class_is_abstract(oc) ? NULL
                                                    : device_new_checked(typename, NULL);
    if (dev) {
        device_gpio_print(out, dev);
        object_unref(dev);
    }
    return true;
}
