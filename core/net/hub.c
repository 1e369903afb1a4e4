/*
 * Hubs: -netdev hubport,id=ID,hubid=N, and the hub behind the old -net
 * options.  A frame a port receives from its peer goes out of every other
 * port of the same hub, as on a repeater.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "net/net-internal.h"

typedef struct NetHub {
    int id;
    GPtrArray *ports;            /* NetClient * */
} NetHub;

typedef struct HubPort {
    NetHub *hub;
} HubPort;

static GPtrArray *hubs;

static NetHub *hub_get(int id)
{
    for (guint i = 0; hubs && i < hubs->len; i++) {
        NetHub *h = g_ptr_array_index(hubs, i);
        if (h->id == id) {
            return h;
        }
    }
    if (!hubs) {
        hubs = g_ptr_array_new();
    }
    NetHub *h = g_new0(NetHub, 1);
    h->id = id;
    h->ports = g_ptr_array_new();
    g_ptr_array_add(hubs, h);
    return h;
}

static ssize_t hubport_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    HubPort *hp = nc->opaque;
    for (guint i = 0; i < hp->hub->ports->len; i++) {
        NetClient *other = g_ptr_array_index(hp->hub->ports, i);
        if (other != nc) {
            net_client_send(other, buf, len);
        }
    }
    return (ssize_t)len;
}

/* Every other port's peer drained: one frame held back anywhere may move. */
static void hubport_peer_ready(NetClient *nc)
{
    HubPort *hp = nc->opaque;
    for (guint i = 0; i < hp->hub->ports->len; i++) {
        NetClient *other = g_ptr_array_index(hp->hub->ports, i);
        if (other != nc && other->peer && other->peer->info->peer_ready) {
            other->peer->info->peer_ready(other->peer);
        }
    }
}

static void hubport_cleanup(NetClient *nc)
{
    HubPort *hp = nc->opaque;
    g_ptr_array_remove(hp->hub->ports, nc);
    g_free(hp);
}

static const NetClientInfo hubport_info = {
    .type = "hubport",
    .receive = hubport_receive,
    .peer_ready = hubport_peer_ready,
    .cleanup = hubport_cleanup,
};

NetClient *net_hub_add_port(int hubid, const char *name, Error **errp)
{
    NetHub *hub = hub_get(hubid);
    HubPort *hp = g_new0(HubPort, 1);
    hp->hub = hub;
    char *auto_name = name ? NULL : g_strdup_printf("hub%dport%u", hubid, hub->ports->len);
    NetClient *nc = net_client_new(&hubport_info, "hubport", name ? name : auto_name, hp);
    g_free(auto_name);
    net_client_set_info(nc, "hub=%d", hubid);
    g_ptr_array_add(hub->ports, nc);
    return nc;
}

static NetClient *hubport_create(const char *id, KeyVal *kv, Error **errp)
{
    const char *hubid = keyval_get(kv, "hubid");
    int64_t n;
    if (!hubid || !cc_parse_int64(hubid, &n) || n < 0 || n > G_MAXINT) {
        error_setg(errp, "hubport needs hubid=N (a number from 0)");
        return NULL;
    }
    return net_hub_add_port((int)n, id, errp);
}

static const char *const hubport_keys[] = { "hubid", NULL };

const NetBackend net_backend_hubport = {
    .type = "hubport",
    .help = "a port of hub hubid=N: frames go out of every other port of that hub",
    .keys = hubport_keys,
    .create = hubport_create,
};
