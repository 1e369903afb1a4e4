/*
 * cardcage plugin SDK: network cards and the net layer.
 *
 * Every network endpoint is a net client.  Clients come in pairs: a card's
 * frontend (a "nic" client) is the peer of one backend (user, socket, a hub
 * port), created by -netdev, -nic or -net.  A packet one side sends is
 * delivered to its peer; when the peer cannot take it now (can_receive
 * says no, or its receive returns 0) the packet waits in the peer's queue,
 * in order, until the peer says it can take more with
 * net_client_receive_ready().  Nothing is dropped that the receiver could
 * take later, up to NET_QUEUE_MAX packets per client; backends that can
 * hold back (a socket) stop reading while their peer's queue is full.
 *
 * A card:
 *
 *     typedef struct MyNicState {
 *         PCIDevice parent_obj;
 *         NetClient *netdev;        DEFINE_PROP_NETDEV("netdev", ...)
 *         char *mac;                DEFINE_PROP_STRING("mac", ...)
 *         MACAddr macaddr;
 *         NetClient *nic;
 *     } MyNicState;
 *
 *     static const NetClientInfo my_nic_info = {
 *         .type = "nic",
 *         .can_receive = my_can_receive,       may be NULL: always
 *         .receive = my_receive,               a frame without its CRC
 *         .link_status_changed = my_link,      set_link reached the card
 *     };
 *
 *     realize:   if (!net_macaddr_parse(s->mac, &s->macaddr, errp)) return false;
 *                s->nic = nic_new(&my_nic_info, DEVICE(s), s->netdev, &s->macaddr, s);
 *     transmit:  net_client_send(s->nic, frame, len);
 *     RX room:   net_client_receive_ready(s->nic);   (the guest gave buffers back)
 *     exit:      nic_free(s->nic);
 *
 * All of this runs on the main loop's thread, as device code does.  Under
 * -icount, packets from host backends reach cards only at fixed points of
 * the virtual clock (every NET_ICOUNT_TICK_NS), so a run is repeatable
 * given the same host traffic at the same virtual times.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_NET_H
#define CARDCAGE_NET_H

#include <sys/types.h>
#include <cardcage/device.h>
#include <cardcage/property.h>

typedef struct NetClient NetClient;

/* Packets a client's queue holds before it refuses more. */
#define NET_QUEUE_MAX 1024
/* Ethernet frames handled by the layer: at most this many bytes (no CRC);
 * larger ones are dropped and counted. */
#define NET_FRAME_MAX 65536
/* Under -icount: host packets are delivered at multiples of this. */
#define NET_ICOUNT_TICK_NS 100000

typedef struct MACAddr {
    uint8_t a[6];
} MACAddr;

typedef struct NetClientInfo {
    const char *type;            /* "nic" for cards */
    /* Whether a packet can be taken now; NULL: always. */
    bool (*can_receive)(NetClient *nc);
    /* Take one frame.  Return len when it was taken (or deliberately
     * dropped, as a card filtering addresses does), 0 when it cannot be
     * taken now: it then waits in the queue until net_client_receive_ready. */
    ssize_t (*receive)(NetClient *nc, const uint8_t *buf, size_t len);
    /* set_link changed this client's link (net_client_link_up). */
    void (*link_status_changed)(NetClient *nc);
    /* Backends: the peer's queue drained, reading may resume. */
    void (*peer_ready)(NetClient *nc);
    /* Free the backend's own state (backends only). */
    void (*cleanup)(NetClient *nc);
} NetClientInfo;

/* A netdev named by id, in a device property: the field is a NetClient *
 * (the backend; NULL when none is given), claimed by one card. */
#define DEFINE_PROP_NETDEV(_n, _s, _f, _desc) \
    DEFINE_PROP_FIELD_(_n, _s, _f, PROP_FIELD_BACKEND, _desc, \
                       .backend_kind = PROP_BACKEND_NETDEV)

/* Parse "52:54:00:12:34:56" into mac; NULL or "" gives the next free
 * address of QEMU's range 52:54:00:12:34:56, :57, ...  A multicast or
 * malformed address is an error. */
CC_API bool net_macaddr_parse(const char *text, MACAddr *mac, Error **errp);

/* A card's client, peer of the backend peer (may be NULL: frames sent are
 * dropped).  Its name is MODEL.N with the device's type as model. */
CC_API NetClient *nic_new(const NetClientInfo *info, DeviceState *dev, NetClient *peer,
                          const MACAddr *mac, void *opaque);
CC_API void nic_free(NetClient *nc);
CC_API void *net_client_opaque(NetClient *nc);
CC_API const char *net_client_name(NetClient *nc);

/* Send a frame to the peer.  Returns len when delivered or queued, 0 when
 * dropped (empty or longer than NET_FRAME_MAX, link down, no peer, the
 * peer's queue full). */
CC_API ssize_t net_client_send(NetClient *nc, const uint8_t *buf, size_t len);
/* The client can take packets again: deliver what waits in its queue. */
CC_API void net_client_receive_ready(NetClient *nc);
/* Whether the link is up (set_link NAME on|off; both ends of a pair). */
CC_API bool net_client_link_up(NetClient *nc);

/* What a card's receive filter lets through, for QMP query-rx-filter (the
 * fields of QEMU's RxFilterInfo).  Modes: NONE takes no frame of the kind,
 * NORMAL those the card's tables name, ALL every one. */
typedef enum NetRxMode {
    NET_RX_NORMAL,
    NET_RX_NONE,
    NET_RX_ALL,
} NetRxMode;

#define NET_RX_FILTER_TABLE_MAX 16
typedef struct NetRxFilter {
    bool promiscuous;
    bool broadcast_allowed;
    NetRxMode unicast, multicast, vlan;
    /* Exact-match tables beside the main address.  A hash filter (the
     * multicast hash tables of these cards) cannot name the addresses it
     * takes: its mode is NORMAL (some bits set), NONE (none) or ALL (all),
     * its table empty.  *_overflow: more addresses than the table held. */
    bool unicast_overflow, multicast_overflow;
    unsigned n_unicast, n_multicast;
    MACAddr unicast_table[NET_RX_FILTER_TABLE_MAX];
    MACAddr multicast_table[NET_RX_FILTER_TABLE_MAX];
    MACAddr main_mac;
    /* With vlan NORMAL: bit v set when VLAN id v is taken (0..4095). */
    uint32_t vlan_table[4096 / 32];
} NetRxFilter;

/* (ABI 2.4) A card that can say what its filter takes: fill f (zeroed,
 * main_mac already the card's configured address) from the registers. */
typedef void NetRxFilterQuery(NetClient *nc, NetRxFilter *f);
CC_API void nic_set_rx_filter_query(NetClient *nc, NetRxFilterQuery *query);
/* The mode of a multicast hash table of bytes bytes: NONE when no bit is
 * set, ALL when every one is, else NORMAL. */
CC_API NetRxMode net_rx_hash_mode(const void *table, size_t bytes);

/* The Internet checksum (RFC 1071) of len bytes, folded into 16 bits but
 * not complemented, added to sum; for cards with checksum offload. */
CC_API uint32_t net_checksum_add(uint32_t sum, const uint8_t *buf, size_t len);
CC_API uint16_t net_checksum_finish(uint32_t sum);

/* (ABI 2.6) The Ethernet CRC-32 (IEEE 802.3 3.2.9) of len bytes.
 * net_crc32_le: the frame check sequence as it goes on the wire, least
 * significant byte first (the value zlib's and Linux's crc32_le give,
 * complemented).  net_crc32_be: the same CRC as the hardware's shift
 * register holds it, shifted most significant bit first and not
 * complemented (Linux's ether_crc); the multicast hash filters of the
 * 8390 and the RTL8139 index their 64-bit table with its top 6 bits. */
CC_API uint32_t net_crc32_le(const uint8_t *buf, size_t len);
CC_API uint32_t net_crc32_be(const uint8_t *buf, size_t len);

/* Offload for cards, on an Ethernet II frame carrying IPv4 (no VLAN tag).
 * Every length is taken from the frame as it is: header lengths that
 * point past its end make the call refuse (false, nothing changed).
 * Fill the IPv4 header checksum (ip) and the TCP or UDP one (l4). */
CC_API bool net_frame_fill_checksums(uint8_t *frame, size_t len, bool ip, bool l4);
/* TCP segmentation: cut the TCP payload of frame into segments of at most
 * mss bytes, each with the headers copied and fixed up (IPv4 total length,
 * identification + n, TCP sequence, FIN/PSH only on the last, both
 * checksums), and hand each to emit.  False, nothing emitted, when the
 * frame is not IPv4/TCP with sane header lengths or mss is 0. */
typedef void NetSegmentEmit(void *opaque, const uint8_t *seg, size_t len);
CC_API bool net_frame_tso(const uint8_t *frame, size_t len, unsigned mss,
                          NetSegmentEmit *emit, void *opaque);

/* (ABI 2.7) Receive checksum offload: what a card that checks the
 * checksums of a received frame finds.  The IPv4 header starts at l3_off
 * (past the Ethernet header and any VLAN tag left in the frame; the
 * EtherType is the two bytes before it).  Only an IPv4 header whose
 * lengths fit the frame is checked (ipv4); TCP or UDP only when the
 * datagram is not a fragment and holds at least their header (l4_proto 6
 * or 17, else 0).  A UDP datagram without a checksum (0, RFC 768) is
 * checked and good. */
typedef struct NetRxChecksums {
    bool ipv4;                   /* an IPv4 header was checked */
    bool ip_bad;                 /* ... and its checksum is wrong */
    uint8_t l4_proto;            /* 6 (TCP), 17 (UDP): its checksum was checked */
    bool l4_bad;                 /* ... and is wrong */
} NetRxChecksums;
CC_API void net_frame_check_checksums(const uint8_t *frame, size_t len, size_t l3_off,
                                      NetRxChecksums *out);

#endif
