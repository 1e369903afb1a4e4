/*
 * The display's QMP commands: screendump (QEMU's qapi/ui.json: filename,
 * ?device, ?head, ?format "ppm"|"png"), query-display-options (QEMU's: the
 * front end in use) and query-consoles (cardcage's: every console, its
 * card, picture size, text mode and watchers).  The human monitor's
 * screendump calls the first.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <json-c/json.h>
#include <cardcage/module.h>
#include <cardcage/qmp.h>
#include "ui/display-internal.h"

static const char *member_str(json_object *o, const char *name)
{
    json_object *v;
    return json_object_object_get_ex(o, name, &v) ? json_object_get_string(v) : NULL;
}

static json_object *qmp_screendump(json_object *args, Error **errp)
{
    const char *file = member_str(args, "filename");
    const char *dev = member_str(args, "device");
    const char *format = member_str(args, "format");
    json_object *head;
    DisplayImageFormat fmt = DISPLAY_IMAGE_PPM;
    if (format && !strcmp(format, "png")) {
        fmt = DISPLAY_IMAGE_PNG;
    } else if (format && strcmp(format, "ppm")) {
        error_setg(errp, "Parameter 'format' does not accept value '%s'", format);
        return NULL;
    }
    if (json_object_object_get_ex(args, "head", &head) && json_object_get_int64(head) != 0) {
        error_setg(errp, "head %" PRId64 ": the console has only head 0",
                   json_object_get_int64(head));
        return NULL;
    }
    DisplayConsole *con = dev ? console_find_by_device(dev) : console_find(0);
    if (!con) {
        if (dev) {
            qmp_error_setg(errp, QMP_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found", dev);
        } else {
            error_setg(errp, "There is no console to take a screendump from");
        }
        return NULL;
    }
    return display_screendump(con, file, fmt, errp) ? qmp_ok() : NULL;
}

static json_object *qmp_query_display_options(json_object *args, Error **errp)
{
    json_object *r = json_object_new_object();
    json_object_object_add(r, "type", json_object_new_string(display_frontend()));
    return r;
}

static const char *format_name(DisplayPixelFormat f)
{
    switch (f) {
    case DISPLAY_FMT_XRGB8888: return "xrgb8888";
    case DISPLAY_FMT_RGB888: return "rgb888";
    case DISPLAY_FMT_RGB565: return "rgb565";
    case DISPLAY_FMT_XRGB1555: return "xrgb1555";
    }
    return "?";
}

static json_object *qmp_query_consoles(json_object *args, Error **errp)
{
    json_object *list = json_object_new_array();
    for (int i = 0; i < console_count(); i++) {
        DisplayConsole *con = console_find(i);
        DeviceState *dev = console_device(con);
        DisplaySurface *s = console_surface(con);
        json_object *c = json_object_new_object();
        int cols, rows;
        json_object_object_add(c, "index", json_object_new_int(i));
        if (dev && device_get_id(dev)) {
            json_object_object_add(c, "device", json_object_new_string(device_get_id(dev)));
        }
        if (dev) {
            json_object_object_add(c, "type",
                                   json_object_new_string(object_get_typename(OBJECT(dev))));
        }
        json_object_object_add(c, "width", json_object_new_int(s ? s->width : 0));
        json_object_object_add(c, "height", json_object_new_int(s ? s->height : 0));
        if (s) {
            json_object_object_add(c, "format", json_object_new_string(format_name(s->format)));
        }
        if (console_get_text(con, &cols, &rows)) {
            json_object_object_add(c, "text-cols", json_object_new_int(cols));
            json_object_object_add(c, "text-rows", json_object_new_int(rows));
        }
        json_object_array_add(list, c);
    }
    json_object *r = json_object_new_object();
    json_object_object_add(r, "consoles", list);
    json_object_object_add(r, "refresh-rate", json_object_new_int(display_refresh_hz()));
    json_object_object_add(r, "listeners", json_object_new_int(display_listener_count()));
    return r;
}

static const QmpCommandInfo display_cmds[] = {
    { .name = "screendump", .args = "filename:str ?device:str ?head:int ?format:str",
      .handler = qmp_screendump },
    { .name = "query-display-options", .returns = "DisplayOptions",
      .handler = qmp_query_display_options },
    { .name = "query-consoles", .returns = "ConsolesInfo", .handler = qmp_query_consoles },
};

static void display_qapi(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(display_cmds); i++) {
        qmp_register_command(&display_cmds[i], &error_abort);
    }
}
qapi_init(display_qapi)
