/*
 * Checksum and TCP segmentation offload for cards (net.h): the work a card
 * does on a frame the guest handed over with "fill in the checksums" or
 * "segment this" (RFC 791 for the IPv4 header, RFC 793 and RFC 768 for the
 * TCP and UDP checksums with their pseudo-header).
 *
 * Every guest-written length is checked against the frame: the IPv4
 * header length, the total length and the TCP data offset may lie.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "net/net-internal.h"

#define ETH_HLEN        14
#define ETH_P_IPV4      0x0800
#define IP_PROTO_TCP    6
#define IP_PROTO_UDP    17
#define TCP_FLAG_FIN    0x01
#define TCP_FLAG_PSH    0x08

typedef struct IpFrame {
    size_t ihl;                  /* IPv4 header length */
    size_t l4_off;               /* where TCP/UDP starts in the frame */
    size_t l4_len;               /* its length (header + data) */
    uint8_t proto;
} IpFrame;

static uint16_t ld_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void st_be16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = (uint8_t)v;
}

/* The IPv4 header of frame, checked against len.  With whole_frame the
 * IP datagram is the rest of the frame whatever its total length says (a
 * frame to segment may carry 0 or a truncated 16-bit value there). */
static bool parse_ipv4(const uint8_t *frame, size_t len, IpFrame *f, bool whole_frame)
{
    if (len < ETH_HLEN + 20 || ld_be16(frame + 12) != ETH_P_IPV4) {
        return false;
    }
    const uint8_t *ip = frame + ETH_HLEN;
    if (ip[0] >> 4 != 4) {
        return false;
    }
    f->ihl = (size_t)(ip[0] & 0xf) * 4;
    size_t total = whole_frame ? len - ETH_HLEN : ld_be16(ip + 2);
    if (f->ihl < 20 || total < f->ihl || ETH_HLEN + total > len) {
        return false;
    }
    f->proto = ip[9];
    f->l4_off = ETH_HLEN + f->ihl;
    f->l4_len = total - f->ihl;
    return true;
}

static void fill_ip_checksum(uint8_t *ip, size_t ihl)
{
    st_be16(ip + 10, 0);
    st_be16(ip + 10, net_checksum_finish(net_checksum_add(0, ip, ihl)));
}

/* The checksum of a TCP or UDP segment with the pseudo-header. */
static uint16_t l4_checksum(const uint8_t *ip, uint8_t proto, const uint8_t *l4, size_t l4_len)
{
    uint8_t pseudo[12];
    memcpy(pseudo, ip + 12, 8);          /* source and destination */
    pseudo[8] = 0;
    pseudo[9] = proto;
    st_be16(pseudo + 10, (uint16_t)l4_len);
    uint32_t sum = net_checksum_add(0, pseudo, sizeof(pseudo));
    return net_checksum_finish(net_checksum_add(sum, l4, l4_len));
}

bool net_frame_fill_checksums(uint8_t *frame, size_t len, bool ip, bool l4)
{
    IpFrame f;
    if (!parse_ipv4(frame, len, &f, false)) {
        return false;
    }
    uint8_t *iph = frame + ETH_HLEN;
    uint8_t *seg = frame + f.l4_off;
    if (l4) {
        size_t csum_at = f.proto == IP_PROTO_TCP ? 16 : f.proto == IP_PROTO_UDP ? 6 : 0;
        size_t min_len = f.proto == IP_PROTO_TCP ? 20 : 8;
        if (!csum_at || f.l4_len < min_len) {
            return false;
        }
        st_be16(seg + csum_at, 0);
        uint16_t c = l4_checksum(iph, f.proto, seg, f.l4_len);
        /* UDP sends a computed 0 as all ones (RFC 768). */
        if (f.proto == IP_PROTO_UDP && c == 0) {
            c = 0xffff;
        }
        st_be16(seg + csum_at, c);
    }
    if (ip) {
        fill_ip_checksum(iph, f.ihl);
    }
    return true;
}

bool net_frame_tso(const uint8_t *frame, size_t len, unsigned mss, NetSegmentEmit *emit,
                   void *opaque)
{
    IpFrame f;
    if (!mss || !parse_ipv4(frame, len, &f, true) || f.proto != IP_PROTO_TCP || f.l4_len < 20) {
        return false;
    }
    const uint8_t *tcp = frame + f.l4_off;
    size_t thl = (size_t)(tcp[12] >> 4) * 4;
    if (thl < 20 || thl > f.l4_len) {
        return false;
    }
    size_t hdr = f.l4_off + thl;
    size_t payload = f.l4_len - thl;
    if (mss > NET_FRAME_MAX - hdr) {
        mss = (unsigned)(NET_FRAME_MAX - hdr);
    }
    uint8_t *seg = g_malloc(hdr + MIN((size_t)mss, payload));
    uint16_t id = ld_be16(frame + ETH_HLEN + 4);
    uint32_t seq = (uint32_t)tcp[4] << 24 | tcp[5] << 16 | tcp[6] << 8 | tcp[7];
    size_t off = 0;
    unsigned n = 0;
    do {
        size_t chunk = MIN((size_t)mss, payload - off);
        bool last = off + chunk >= payload;
        memcpy(seg, frame, hdr);
        memcpy(seg + hdr, frame + hdr + off, chunk);
        uint8_t *ip = seg + ETH_HLEN, *t = seg + f.l4_off;
        st_be16(ip + 2, (uint16_t)(f.ihl + thl + chunk));
        st_be16(ip + 4, (uint16_t)(id + n));
        uint32_t s = seq + (uint32_t)off;
        t[4] = s >> 24;
        t[5] = s >> 16;
        t[6] = s >> 8;
        t[7] = (uint8_t)s;
        if (!last) {
            t[13] &= (uint8_t)~(TCP_FLAG_FIN | TCP_FLAG_PSH);
        }
        st_be16(t + 16, 0);
        st_be16(t + 16, l4_checksum(ip, IP_PROTO_TCP, t, thl + chunk));
        fill_ip_checksum(ip, f.ihl);
        emit(opaque, seg, hdr + chunk);
        off += chunk;
        n++;
    } while (off < payload);
    g_free(seg);
    return true;
}

void net_frame_check_checksums(const uint8_t *frame, size_t len, size_t l3_off,
                               NetRxChecksums *out)
{
    memset(out, 0, sizeof(*out));
    if (l3_off < ETH_HLEN || l3_off > len || len - l3_off < 20 ||
        ld_be16(frame + l3_off - 2) != ETH_P_IPV4) {
        return;
    }
    const uint8_t *ip = frame + l3_off;
    size_t ihl = (size_t)(ip[0] & 0xf) * 4, total = ld_be16(ip + 2);
    if (ip[0] >> 4 != 4 || ihl < 20 || total < ihl || total > len - l3_off) {
        return;
    }
    out->ipv4 = true;
    out->ip_bad = net_checksum_finish(net_checksum_add(0, ip, ihl)) != 0;
    uint8_t proto = ip[9];
    size_t l4_len = total - ihl;
    bool fragment = ld_be16(ip + 6) & 0x3fff;          /* MF or an offset */
    if (fragment || !((proto == IP_PROTO_TCP && l4_len >= 20) ||
                      (proto == IP_PROTO_UDP && l4_len >= 8))) {
        return;
    }
    out->l4_proto = proto;
    const uint8_t *l4 = ip + ihl;
    if (proto == IP_PROTO_UDP && !ld_be16(l4 + 6)) {
        return;                                         /* no checksum sent */
    }
    /* A segment with its checksum field in place sums to zero. */
    out->l4_bad = l4_checksum(ip, proto, l4, l4_len) != 0;
}
