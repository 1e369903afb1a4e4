/*
 * Named GPIO (IRQ) lines of devices, and wiring outputs to inputs.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>
#include <cardcage/device.h>
#include "device/device-internal.h"

struct NamedGPIOList {
    char *name;                  /* NULL for the default lines */
    IRQState **in;               /* inputs we allocated */
    int num_in;
    GPtrArray *out;              /* IRQState **: the device's output pointers */
    GSList *splitters;           /* IRQState * splitters we made for fan-out */
};

static NamedGPIOList *gpio_list_find(DeviceState *dev, const char *name)
{
    for (GSList *l = dev->gpios; l; l = l->next) {
        NamedGPIOList *ngl = l->data;
        if (!g_strcmp0(ngl->name, name)) {
            return ngl;
        }
    }
    return NULL;
}

static NamedGPIOList *gpio_list_get(DeviceState *dev, const char *name)
{
    NamedGPIOList *ngl = gpio_list_find(dev, name);
    if (!ngl) {
        ngl = g_new0(NamedGPIOList, 1);
        ngl->name = g_strdup(name);
        ngl->out = g_ptr_array_new();
        dev->gpios = g_slist_append(dev->gpios, ngl);
    }
    return ngl;
}

void device_init_gpio_in_named(DeviceState *dev, IRQHandler handler, const char *name, int n)
{
    NamedGPIOList *ngl = gpio_list_get(dev, name);
    ngl->in = g_renew(IRQState *, ngl->in, ngl->num_in + n);
    for (int i = 0; i < n; i++) {
        ngl->in[ngl->num_in + i] = irq_allocate(handler, dev, ngl->num_in + i);
    }
    ngl->num_in += n;
}

void device_init_gpio_out_named(DeviceState *dev, IRQState **pins, const char *name, int n)
{
    NamedGPIOList *ngl = gpio_list_get(dev, name);
    for (int i = 0; i < n; i++) {
        g_ptr_array_add(ngl->out, &pins[i]);
    }
}

IRQState *device_get_gpio_in_named(DeviceState *dev, const char *name, int n)
{
    NamedGPIOList *ngl = gpio_list_find(dev, name);
    if (!ngl || n < 0 || n >= ngl->num_in) {
        return NULL;
    }
    return ngl->in[n];
}

static const char *line_name(const char *name, bool is_out)
{
    return name ? name : (is_out ? "gpio-out" : "gpio-in");
}

bool device_connect_gpio_out_named(DeviceState *dev, const char *name, int n,
                                   IRQState *input, Error **errp)
{
    NamedGPIOList *ngl = gpio_list_find(dev, name);
    if (!ngl || n < 0 || n >= (int)ngl->out->len) {
        char *have = device_gpio_describe(dev, true);
        error_setg(errp, "'%s' has no output %s[%d] (outputs: %s)",
                   dev->id ? dev->id : object_get_typename(OBJECT(dev)),
                   line_name(name, true), n, have);
        g_free(have);
        return false;
    }
    IRQState **pin = g_ptr_array_index(ngl->out, n);
    if (!*pin) {
        *pin = input;
    } else if (g_slist_find(ngl->splitters, *pin)) {
        irq_split_add(*pin, input);
    } else {
        /* A second connection of the same output: fan out. */
        IRQState *targets[2] = { *pin, input };
        *pin = irq_split(targets, 2);
        ngl->splitters = g_slist_prepend(ngl->splitters, *pin);
    }
    return true;
}

int device_gpio_count(DeviceState *dev, const char *name, bool is_out)
{
    NamedGPIOList *ngl = gpio_list_find(dev, name);
    if (!ngl) {
        return -1;
    }
    int n = is_out ? (int)ngl->out->len : ngl->num_in;
    return n ? n : -1;
}

char *device_gpio_describe(DeviceState *dev, bool is_out)
{
    GString *s = g_string_new(NULL);
    for (GSList *l = dev->gpios; l; l = l->next) {
        NamedGPIOList *ngl = l->data;
        int n = is_out ? (int)ngl->out->len : ngl->num_in;
        if (!n) {
            continue;
        }
        if (s->len) {
            g_string_append(s, ", ");
        }
        g_string_append(s, line_name(ngl->name, is_out));
        if (n > 1) {
            g_string_append_printf(s, "[0..%d]", n - 1);
        }
    }
    if (!s->len) {
        g_string_append(s, "none");
    }
    return g_string_free(s, FALSE);
}

void device_gpio_print(FILE *out, DeviceState *dev)
{
    for (int is_out = 0; is_out < 2; is_out++) {
        bool any = false;
        fprintf(out, "  %s:", is_out ? "IRQ/GPIO outputs" : "IRQ/GPIO inputs");
        for (GSList *l = dev->gpios; l; l = l->next) {
            NamedGPIOList *ngl = l->data;
            int n = is_out ? (int)ngl->out->len : ngl->num_in;
            if (n) {
                fprintf(out, "%s %s", any ? "," : "", line_name(ngl->name, is_out));
                if (n > 1) {
                    fprintf(out, "[0..%d]", n - 1);
                }
                fprintf(out, " (%d line%s)", n, n > 1 ? "s" : "");
                any = true;
            }
        }
        fprintf(out, "%s\n", any ? "" : " none");
    }
}

bool device_parse_gpio_ref(const char *text, char **name, int *n, Error **errp)
{
    const char *bracket = strchr(text, '[');
    *n = 0;
    if (bracket) {
        char *end;
        long v = strtol(bracket + 1, &end, 10);
        if (end == bracket + 1 || *end != ']' || end[1] || v < 0 || v > 1 << 20) {
            error_setg(errp, "'%s' is not a line reference: expected NAME or NAME[N]", text);
            return false;
        }
        *n = (int)v;
    }
    size_t len = bracket ? (size_t)(bracket - text) : strlen(text);
    *name = len ? g_strndup(text, len) : NULL;
    return true;
}

void device_gpio_free_all(DeviceState *dev)
{
    for (GSList *l = dev->gpios; l; l = l->next) {
        NamedGPIOList *ngl = l->data;
        irq_free_array(ngl->in, ngl->num_in);
        for (GSList *s = ngl->splitters; s; s = s->next) {
            irq_free(s->data);
        }
        g_slist_free(ngl->splitters);
        g_ptr_array_unref(ngl->out);
        g_free(ngl->name);
        g_free(ngl);
    }
    g_slist_free(dev->gpios);
    dev->gpios = NULL;
}
