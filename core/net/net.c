/*
 * Net clients: pairs of a card and a backend, the queues between them,
 * link status, and the MAC addresses cards get by default.
 *
 * Delivery: net_client_send(from) hands the frame to from->peer.  If the
 * peer's queue is empty and it can receive, its receive runs at once;
 * otherwise the frame joins the peer's queue (at most NET_QUEUE_MAX) and
 * waits for net_client_receive_ready(peer).  When a queue drains, the
 * sender side hears peer_ready, so a backend that stopped reading (its
 * peer was full) reads again: no loop polls a card that is not ready.
 *
 * Under -icount, a frame from a backend to a card always waits in the
 * card's queue until the next multiple of NET_ICOUNT_TICK_NS of the
 * virtual clock, when a virtual timer delivers the queue.
 *
 * SPDX-License-Identifier: MIT
 */
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <zlib.h>
#include <cardcage/log.h>
#include "net/net-internal.h"
#include "timer/clock-internal.h"

typedef struct NetPacket {
    size_t len;
    uint8_t data[];
} NetPacket;

static GList *clients;           /* NetClient *, in creation order */
static unsigned next_mac_index;

/* ---- MAC addresses ---- */

bool net_macaddr_parse(const char *text, MACAddr *mac, Error **errp)
{
    if (!text || !*text) {
        /* QEMU's defaults: 52:54:00:12:34:56 for the first card, then
         * counting up in the last byte (locally administered, unicast). */
        static const uint8_t base[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
        memcpy(mac->a, base, 6);
        mac->a[5] = (uint8_t)(base[5] + next_mac_index++);
        return true;
    }
    unsigned v[6];
    char tail;
    if (strlen(text) != 17 ||
        sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
               &tail) != 6) {
        error_setg(errp, "MAC address '%s': expected six hex bytes as 52:54:00:12:34:56",
                   text);
        return false;
    }
    for (int i = 0; i < 6; i++) {
        mac->a[i] = (uint8_t)v[i];
    }
    /* Bit 0 of the first byte marks a group address (IEEE 802.3, 3.2.3). */
    if (mac->a[0] & 1) {
        error_setg(errp, "MAC address '%s' is a multicast address; a card needs a unicast "
                   "one", text);
        return false;
    }
    return true;
}

/* ---- clients ---- */

static NetClient *client_alloc(const NetClientInfo *info, const char *model,
                               const char *name, void *opaque)
{
    NetClient *nc = g_new0(NetClient, 1);
    nc->info = info;
    nc->model = g_strdup(model);
    nc->name = g_strdup(name);
    nc->opaque = opaque;
    g_queue_init(&nc->queue);
    clients = g_list_append(clients, nc);
    return nc;
}

NetClient *net_client_new(const NetClientInfo *info, const char *model, const char *name,
                          void *opaque)
{
    return client_alloc(info, model, name, opaque);
}

static void queue_purge(NetClient *nc)
{
    NetPacket *p;
    while ((p = g_queue_pop_head(&nc->queue))) {
        g_free(p);
    }
}

void net_client_free(NetClient *nc)
{
    if (!nc) {
        return;
    }
    if (nc->peer) {
        nc->peer->peer = NULL;
        nc->peer = NULL;
    }
    if (nc->info->cleanup) {
        nc->info->cleanup(nc);
    }
    if (nc->icount_timer) {
        timer_free(nc->icount_timer);
    }
    queue_purge(nc);
    g_slist_free(nc->dumps);
    clients = g_list_remove(clients, nc);
    g_free(nc->name);
    g_free(nc->model);
    g_free(nc->info_str);
    g_free(nc);
}

void net_client_set_info(NetClient *nc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_free(nc->info_str);
    nc->info_str = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

NetClient *net_client_find(const char *name)
{
    for (GList *l = clients; l; l = l->next) {
        NetClient *nc = l->data;
        if (!strcmp(nc->name, name)) {
            return nc;
        }
    }
    return NULL;
}

GList *net_client_list(void)
{
    return clients;
}

void *net_client_opaque(NetClient *nc)
{
    return nc->opaque;
}

const char *net_client_name(NetClient *nc)
{
    return nc->name;
}

bool net_client_link_up(NetClient *nc)
{
    return nc && !nc->link_down;
}

/* ---- cards ---- */

static void icount_deliver(void *opaque)
{
    net_client_receive_ready(opaque);
}

NetClient *nic_new(const NetClientInfo *info, DeviceState *dev, NetClient *peer,
                   const MACAddr *mac, void *opaque)
{
    const char *model = object_get_typename(OBJECT(dev));
    unsigned n = 0;
    for (GList *l = clients; l; l = l->next) {
        NetClient *c = l->data;
        n += c->is_nic && !strcmp(c->model, model);
    }
    char *name = g_strdup_printf("%s.%u", model, n);
    NetClient *nc = client_alloc(info, model, name, opaque);
    g_free(name);
    nc->is_nic = true;
    nc->dev = dev;
    nc->mac = *mac;
    nc->icount_timer = timer_new_ns(CC_CLOCK_VIRTUAL, icount_deliver, nc);
    net_client_set_info(nc, "model=%s,macaddr=%02x:%02x:%02x:%02x:%02x:%02x", model,
                        mac->a[0], mac->a[1], mac->a[2], mac->a[3], mac->a[4], mac->a[5]);
    if (peer) {
        nc->peer = peer;
        peer->peer = nc;
    }
    return nc;
}

void nic_set_rx_filter_query(NetClient *nc, NetRxFilterQuery *query)
{
    nc->rx_filter_query = query;
}

NetRxMode net_rx_hash_mode(const void *table, size_t bytes)
{
    const uint8_t *p = table;
    bool any = false, all = true;
    for (size_t i = 0; i < bytes; i++) {
        any |= p[i] != 0;
        all &= p[i] == 0xff;
    }
    return all && bytes ? NET_RX_ALL : any ? NET_RX_NORMAL : NET_RX_NONE;
}

void nic_free(NetClient *nc)
{
    net_client_free(nc);
}

/* ---- delivery ---- */

static bool can_take(NetClient *nc)
{
    return !nc->info->can_receive || nc->info->can_receive(nc);
}

bool net_client_peer_has_room(NetClient *nc)
{
    return nc->peer && nc->peer->queue.length < NET_QUEUE_MAX;
}

static bool must_wait_for_tick(NetClient *from, NetClient *to)
{
    return to->is_nic && !from->is_nic && clock_icount_enabled();
}

static void arm_icount_tick(NetClient *to)
{
    if (!timer_pending(to->icount_timer)) {
        int64_t now = clock_get_ns(CC_CLOCK_VIRTUAL);
        timer_mod_ns(to->icount_timer, (now / NET_ICOUNT_TICK_NS + 1) * NET_ICOUNT_TICK_NS);
    }
}

static void enqueue(NetClient *to, const uint8_t *buf, size_t len)
{
    NetPacket *p = g_malloc(sizeof(*p) + len);
    p->len = len;
    memcpy(p->data, buf, len);
    g_queue_push_tail(&to->queue, p);
}
/* Hand a frame to a client.  For a card, its DMA of the frame happens
 * here, outside any of its register accesses, where the memory core's
 * re-entrancy guard is not engaged: engage it, so that a ring or buffer
 * the guest placed over the card's own registers is refused instead of
 * reaching a register that delivers the next frame from inside this one. */
static ssize_t deliver(NetClient *to, const uint8_t *buf, size_t len)
{
    if (!to->dev) {
        return to->info->receive(to, buf, len);
    }
    MemReentrancyGuard *guard = &to->dev->mem_reentrancy_guard;
    bool engaged = guard->engaged_in_io;
    guard->engaged_in_io = true;
    ssize_t r = to->info->receive(to, buf, len);
    guard->engaged_in_io = engaged;
    return r;
}


ssize_t net_client_send(NetClient *nc, const uint8_t *buf, size_t len)
{
    NetClient *to = nc->peer;
    /* An empty frame is no frame; and a receiver's 0 means "not now", so
     * one would wait at the head of the queue for ever, holding back all
     * behind it (a socket peer can send one). */
    if (!len || len > NET_FRAME_MAX || nc->link_down || !to || to->link_down) {
        nc->dropped++;
        return 0;
    }
    net_dump_packet(nc, buf, len);
    if (must_wait_for_tick(nc, to)) {
        if (to->queue.length >= NET_QUEUE_MAX) {
            to->dropped++;
            return 0;
        }
        enqueue(to, buf, len);
        arm_icount_tick(to);
        return (ssize_t)len;
    }
    if (!to->queue.length && !to->flushing && can_take(to)) {
        net_dump_packet(to, buf, len);
        if (deliver(to, buf, len) > 0) {
            return (ssize_t)len;
        }
        /* It could not take it after all: keep it (dumped once already). */
        enqueue(to, buf, len);
        return (ssize_t)len;
    }
    if (to->queue.length >= NET_QUEUE_MAX) {
        to->dropped++;
        return 0;
    }
    enqueue(to, buf, len);
    return (ssize_t)len;
}

void net_client_receive_ready(NetClient *nc)
{
    if (!nc || nc->flushing) {
        return;
    }
    bool was_full = nc->queue.length >= NET_QUEUE_MAX;
    nc->flushing = true;
    NetPacket *p;
    while ((p = g_queue_peek_head(&nc->queue))) {
        if (nc->link_down) {
            g_queue_pop_head(&nc->queue);
            g_free(p);
            nc->dropped++;
            continue;
        }
        if (!can_take(nc) || deliver(nc, p->data, p->len) == 0) {
            break;
        }
        g_queue_pop_head(&nc->queue);
        g_free(p);
    }
    nc->flushing = false;
    if (nc->peer && nc->queue.length < NET_QUEUE_MAX && nc->peer->info->peer_ready &&
        (was_full || !nc->queue.length)) {
        nc->peer->info->peer_ready(nc->peer);
    }
}

/* ---- link status ---- */

static void set_link_one(NetClient *nc, bool up)
{
    if (nc->link_down == !up) {
        return;
    }
    nc->link_down = !up;
    if (nc->info->link_status_changed) {
        nc->info->link_status_changed(nc);
    }
}

bool net_set_link(const char *name, bool up, Error **errp)
{
    NetClient *nc = net_client_find(name);
    if (!nc) {
        /* A card's device id names its client too. */
        for (GList *l = clients; l && !nc; l = l->next) {
            NetClient *c = l->data;
            const char *id = c->dev ? device_get_id(c->dev) : NULL;
            if (id && !strcmp(id, name)) {
                nc = c;
            }
        }
    }
    if (!nc) {
        error_setg(errp, "Device '%s' not found", name);
        return false;
    }
    /* As QEMU: both ends of the pair see the change, so the card reports
     * it to the guest whichever end was named. */
    set_link_one(nc, up);
    if (nc->peer) {
        set_link_one(nc->peer, up);
    }
    return true;
}

/* ---- info network ---- */

static void info_client(GString *out, NetClient *nc, const char *indent)
{
    g_string_append_printf(out, "%s%s: index=0,type=%s,%s%s\n", indent, nc->name,
                           nc->is_nic ? "nic" : nc->model, nc->info_str ? nc->info_str : "",
                           nc->link_down ? " (link down)" : "");
}

void net_info(GString *out)
{
    for (GList *l = clients; l; l = l->next) {
        NetClient *nc = l->data;
        if (nc->is_nic) {
            info_client(out, nc, "");
            if (nc->peer) {
                info_client(out, nc->peer, " \\ ");
            }
        }
    }
    for (GList *l = clients; l; l = l->next) {
        NetClient *nc = l->data;
        if (!nc->is_nic && (!nc->peer || !nc->peer->is_nic)) {
            info_client(out, nc, "");
        }
    }
}

void net_cleanup_all(void)
{
    net_dump_close_all();
    while (clients) {
        NetClient *nc = clients->data;
        if (nc->is_nic) {
            /* The card frees it; forget it here. */
            clients = g_list_remove(clients, nc);
            continue;
        }
        net_client_free(nc);
    }
}

/* ---- checksums (RFC 1071) ---- */

uint32_t net_checksum_add(uint32_t sum, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += (uint32_t)buf[i] << 8 | buf[i + 1];
        if (sum & 0x80000000u) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
    }
    if (len & 1) {
        sum += (uint32_t)buf[len - 1] << 8;
    }
    return sum;
}

uint16_t net_checksum_finish(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

/* ---- the Ethernet CRC-32 ---- */

uint32_t net_crc32_le(const uint8_t *buf, size_t len)
{
    /* zlib's crc32 is this CRC (reflected, preset to ones, complemented);
     * it takes at most UINT_MAX bytes a call. */
    uLong crc = crc32(0L, Z_NULL, 0);
    while (len) {
        uInt chunk = len > UINT_MAX ? UINT_MAX : (uInt)len;
        crc = crc32(crc, buf, chunk);
        buf += chunk;
        len -= chunk;
    }
    return (uint32_t)crc;
}

uint32_t net_crc32_be(const uint8_t *buf, size_t len)
{
    /* The register shifted MSB first holds the bit reversal of the
     * reflected one, before the final complement. */
    uint32_t r = ~net_crc32_le(buf, len), v = 0;
    for (int i = 0; i < 32; i++, r >>= 1) {
        v = v << 1 | (r & 1);
    }
    return v;
}
