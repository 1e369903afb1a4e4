/*
 * The net layer inside the core: clients, queues, backends, hubs, dumps.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_NET_NET_INTERNAL_H
#define CORE_NET_NET_INTERNAL_H

#include <stdio.h>
#include <cardcage/net.h>
#include <cardcage/timer.h>
#include "util/keyval.h"

typedef struct NetDump NetDump;

struct NetClient {
    const NetClientInfo *info;
    NetClient *peer;
    char *name;                  /* netdev id, or MODEL.N for a card */
    char *model;                 /* "user", "socket", "hubport", a card's type */
    char *info_str;              /* what info network says after the model */
    DeviceState *dev;            /* the card (nic clients) */
    Object *claimed_by;          /* the card that took this netdev */
    MACAddr mac;
    void *opaque;
    bool link_down;
    bool is_nic;
    GQueue queue;                /* NetPacket * waiting for this client */
    Timer *icount_timer;         /* -icount: the next delivery point */
    GSList *dumps;               /* NetDump * recording this client */
    uint64_t dropped;            /* packets refused (queue full, link down, too big) */
    bool flushing;
    NetRxFilterQuery *rx_filter_query;   /* cards that answer query-rx-filter */
};

/* A backend client (not a card): name is its id. */
NetClient *net_client_new(const NetClientInfo *info, const char *model, const char *name,
                          void *opaque);
void net_client_free(NetClient *nc);
void net_client_set_info(NetClient *nc, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
NetClient *net_client_find(const char *name);
/* The clients, in creation order (borrowed). */
GList *net_client_list(void);
/* Whether the peer would take a packet now without queueing past the
 * limit: a backend that can hold its input back reads only then. */
bool net_client_peer_has_room(NetClient *nc);

/* Netdevs by id (-netdev, -nic, -net): the backend side of a pair. */
NetClient *net_netdev_find(const char *id);
bool net_netdev_claim(NetClient *nc, Object *owner, Error **errp);
void net_netdev_release(NetClient *nc, Object *owner);

/* Backends: each parses its KEY=VALUE list and creates the client. */
typedef struct NetBackend {
    const char *type;
    const char *help;
    const char *const *keys;     /* allowed keys besides type and id */
    NetClient *(*create)(const char *id, KeyVal *kv, Error **errp);
} NetBackend;
extern const NetBackend net_backend_user;
extern const NetBackend net_backend_socket;
extern const NetBackend net_backend_tap;
extern const NetBackend net_backend_hubport;

/* Create a netdev from "-netdev TYPE,id=ID,..." (opt names the option). */
NetClient *net_netdev_add(const char *opt, const char *spec, Error **errp);
void net_print_backends(FILE *out);

/* Hubs (hub.c): port N of hub hubid, created on first use. */
NetClient *net_hub_add_port(int hubid, const char *name, Error **errp);

/* filter-dump (dump.c) */
bool net_dump_add(const char *spec, Error **errp);
void net_dump_packet(NetClient *nc, const uint8_t *buf, size_t len);
void net_dump_close_all(void);

/* info network */
void net_info(GString *out);
/* query-rx-filter: every card's filter, or the one named (card name). */
struct json_object *net_query_rx_filter(const char *name, Error **errp);
bool net_set_link(const char *name, bool up, Error **errp);
void net_cleanup_all(void);

#endif
