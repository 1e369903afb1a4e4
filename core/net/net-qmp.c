/*
 * QMP commands of the net layer: set_link, query-rx-filter.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
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

/* ---- query-rx-filter ---- */

static const char *rx_mode_name(NetRxMode m)
{
    return m == NET_RX_NONE ? "none" : m == NET_RX_ALL ? "all" : "normal";
}

static struct json_object *mac_string(const MACAddr *m)
{
    char buf[18];
    g_snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m->a[0], m->a[1], m->a[2],
               m->a[3], m->a[4], m->a[5]);
    return json_object_new_string(buf);
}

static struct json_object *mac_table(const MACAddr *t, unsigned n)
{
    struct json_object *a = json_object_new_array();
    for (unsigned i = 0; i < n && i < NET_RX_FILTER_TABLE_MAX; i++) {
        json_object_array_add(a, mac_string(&t[i]));
    }
    return a;
}

/* One card's RxFilterInfo, with QEMU's member names. */
static struct json_object *rx_filter_info(NetClient *nc)
{
    NetRxFilter f;
    memset(&f, 0, sizeof(f));
    f.main_mac = nc->mac;
    nc->rx_filter_query(nc, &f);
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(nc->name));
    json_object_object_add(o, "promiscuous", json_object_new_boolean(f.promiscuous));
    json_object_object_add(o, "multicast", json_object_new_string(rx_mode_name(f.multicast)));
    json_object_object_add(o, "unicast", json_object_new_string(rx_mode_name(f.unicast)));
    json_object_object_add(o, "vlan", json_object_new_string(rx_mode_name(f.vlan)));
    json_object_object_add(o, "broadcast-allowed",
                           json_object_new_boolean(f.broadcast_allowed));
    json_object_object_add(o, "multicast-overflow",
                           json_object_new_boolean(f.multicast_overflow));
    json_object_object_add(o, "unicast-overflow", json_object_new_boolean(f.unicast_overflow));
    json_object_object_add(o, "main-mac", mac_string(&f.main_mac));
    /* As QEMU lists a VLAN bitmap: highest id first. */
    struct json_object *vlans = json_object_new_array();
    for (int v = 4095; v >= 0; v--) {
        if (f.vlan_table[v / 32] & (1u << (v % 32))) {
            json_object_array_add(vlans, json_object_new_int(v));
        }
    }
    json_object_object_add(o, "vlan-table", vlans);
    json_object_object_add(o, "unicast-table", mac_table(f.unicast_table, f.n_unicast));
    json_object_object_add(o, "multicast-table", mac_table(f.multicast_table, f.n_multicast));
    return o;
}

static bool client_named(NetClient *nc, const char *name)
{
    const char *id = nc->dev ? device_get_id(nc->dev) : NULL;
    return !strcmp(nc->name, name) || (id && !strcmp(id, name));
}

/* query-rx-filter {"name": CARD}?: the filters of the cards that can say
 * (QEMU's errors for a name that is no client, no card, or a card that
 * cannot). */
struct json_object *net_query_rx_filter(const char *name, Error **errp)
{
    struct json_object *list = json_object_new_array();
    bool found = false;
    for (GList *l = net_client_list(); l; l = l->next) {
        NetClient *nc = l->data;
        if (name && !client_named(nc, name)) {
            continue;
        }
        found = true;
        if (!nc->is_nic) {
            if (name) {
                error_setg(errp, "net client(%s) isn't a NIC", name);
                json_object_put(list);
                return NULL;
            }
            continue;
        }
        if (!nc->rx_filter_query) {
            if (name) {
                error_setg(errp, "net client(%s) doesn't support rx-filter querying", name);
                json_object_put(list);
                return NULL;
            }
            continue;
        }
        json_object_array_add(list, rx_filter_info(nc));
        if (name) {
            break;
        }
    }
    if (name && !found) {
        error_setg(errp, "invalid net client name: %s", name);
        json_object_put(list);
        return NULL;
    }
    return list;
}

static struct json_object *qmp_query_rx_filter(struct json_object *args, Error **errp)
{
    struct json_object *n = args ? json_object_object_get(args, "name") : NULL;
    return net_query_rx_filter(n ? json_object_get_string(n) : NULL, errp);
}

static const QmpCommandInfo query_rx_filter_cmd = {
    .name = "query-rx-filter", .args = "?name:str", .returns = "RxFilterInfo",
    .handler = qmp_query_rx_filter,
};

static const QmpCommandInfo set_link_cmd = {
    .name = "set_link", .args = "name:str up:bool", .handler = qmp_set_link,
};

static void net_qapi(void)
{
    qmp_register_command(&set_link_cmd, &error_abort);
    qmp_register_command(&query_rx_filter_cmd, &error_abort);
}
qapi_init(net_qapi)
