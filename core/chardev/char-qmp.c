/*
 * query-chardev (QEMU's qapi/char.json): every backend with its label,
 * a QEMU-style filename and whether a frontend uses it.  The human
 * monitor's info chardev prints the same list.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <json-c/json.h>
#include <cardcage/qmp.h>
#include "chardev-internal.h"

/* "stdio", "null", "pty:/dev/pts/3", "tcp:127.0.0.1:4444,server=on",
 * "disconnected:unix:/tmp/s,server=on" (QEMU marks a server without a
 * client so). */
static char *chardev_filename(Chardev *chr)
{
    const char *type = object_get_typename(OBJECT(chr));
    const char *backend = g_str_has_prefix(type, "chardev-") ? type + 8 : type;
    if (chardev_pty_path(chr)) {
        return g_strdup_printf("pty:%s", chardev_pty_path(chr));
    }
    char *listen = chardev_socket_listen_address(chr);
    if (listen) {
        char *f = g_strdup_printf("%s%s,server=on",
                                  chardev_is_connected(chr) ? "" : "disconnected:", listen);
        g_free(listen);
        return f;
    }
    return g_strdup(backend);
}

static int add_chardev(Object *child, void *opaque)
{
    Chardev *chr = (Chardev *)object_dynamic_cast(child, TYPE_CHARDEV);
    if (!chr) {
        return 0;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "frontend-open", json_object_new_boolean(chr->nfe > 0));
    char *filename = chardev_filename(chr);
    json_object_object_add(o, "filename", json_object_new_string(filename));
    g_free(filename);
    json_object_object_add(o, "label", json_object_new_string(chardev_get_id(chr)));
    json_object_array_add(opaque, o);
    return 0;
}

static json_object *query_chardev(json_object *args, Error **errp)
{
    json_object *list = json_object_new_array();
    object_child_foreach(container_get(object_get_root(), "chardevs"), add_chardev, list);
    return list;
}

static const QmpCommandInfo chardev_commands[] = {
    { "query-chardev", NULL, "[ChardevInfo]", query_chardev },
};

static void chardev_qmp_register(void)
{
    qmp_register_command(&chardev_commands[0], &error_abort);
}
qapi_init(chardev_qmp_register)
