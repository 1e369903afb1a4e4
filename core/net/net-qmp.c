/*
 * QMP commands of the net layer: set_link.
 *
 * SPDX-License-Identifier: MIT
 */
#include <json-c/json.h>
#include <cardcage/module.h>
#include <cardcage/qmp.h>
#include "net/net-internal.h"

/* set_link {"name": NETDEV-OR-CARD, "up": bool}: the card reports the
 * change to the guest (as a cable pulled or plugged). */
static struct json_object *qmp_set_link(struct json_object *args, Error **errp)
{
    const char *name = json_object_get_string(json_object_object_get(args, "name"));
    bool up = json_object_get_boolean(json_object_object_get(args, "up"));
    return net_set_link(name, up, errp) ? qmp_ok() : NULL;
}

static const QmpCommandInfo set_link_cmd = {
    .name = "set_link", .args = "name:str up:bool", .handler = qmp_set_link,
};

static void net_qapi(void)
{
    qmp_register_command(&set_link_cmd, &error_abort);
}
qapi_init(net_qapi)
