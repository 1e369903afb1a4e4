/*
 * The transmit side (SDM 3.3): the TX descriptor ring from TDH to TDT,
 * processed when the guest moves TDT.
 *
 * Three kinds of 16-byte descriptors, told apart by DEXT (bit 5 of the
 * command byte, byte 11) and DTYP (bits 23:20 of the third dword):
 *   legacy (SDM 3.3.3):  buffer address, length, CSO, CMD, STA, CSS, special
 *   context (3.3.6):     IPCSS, IPCSO, IPCSE, TUCSS, TUCSO, TUCSE, PAYLEN,
 *                        TUCMD, STA, HDRLEN, MSS: how to offload what follows
 *   data (3.3.7):        buffer address, length, DCMD, STA, POPTS, special
 * A frame is the buffers of descriptors up to one with EOP.  With TSE it is
 * a TCP (or UDP) segmentation job: HDRLEN bytes of headers and a payload
 * cut into MSS-byte segments (3.5), each with its headers fixed up; POPTS
 * IXSM / TXSM fill the IP and TCP/UDP checksums at the offsets the
 * context names (3.3.6, 3.5.1).
 *
 * Bounds: one pass handles at most one ring's worth of descriptors; a head
 * or tail outside the ring, or a ring of zero descriptors, moves nothing;
 * a frame gathers at most E1000_TX_FRAME_MAX bytes (longer: dropped at
 * its EOP); every checksum and header offset is checked against the frame
 * and the header length; DMA goes through pci_dma_read/write, which refuse
 * the card's own registers, and a TX started while one runs (a descriptor
 * write landing in the registers) is not entered again.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "e1000.h"

/* Command byte (legacy CMD, data DCMD, context TUCMD: SDM 3.3.3.1, 3.3.7.1) */
#define TXD_CMD_EOP  0x01
#define TXD_CMD_IFCS 0x02
#define TXD_CMD_IC   0x04        /* legacy: insert checksum */
#define TXD_CMD_TSE  0x04        /* data: TCP segmentation */
#define TXD_CMD_RS   0x08        /* report status */
#define TXD_CMD_RPS  0x10
#define TXD_CMD_DEXT 0x20
#define TXD_CMD_VLE  0x40        /* insert the VLAN tag */
#define TXD_CMD_IDE  0x80        /* delay the interrupt (TIDV, TADV) */
#define TUCMD_TCP    0x01        /* context: TCP (else UDP) */
#define TUCMD_IP     0x02        /* context: IPv4 (else IPv6) */
#define TUCMD_TSE    0x04
#define TXD_STAT_DD  0x01
#define TXD_DTYP_CONTEXT 0
#define TXD_DTYP_DATA    1
#define POPTS_IXSM   0x01
#define POPTS_TXSM   0x02
#define TXD_LEN_MASK 0xfffffu    /* data/context: 20 bits */
#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_PSH 0x08
#define IPV6_HLEN    40

void e1000_tx_reset(E1000State *s)
{
    memset(&s->ctx, 0, sizeof(s->ctx));
    s->tx_len = 0;
    s->tx_popts = 0;
    s->tx_cmd = 0;
    s->tx_vlan = 0;
    s->tx_legacy = false;
    s->tx_css = s->tx_cso = 0;
    s->tx_bad = false;
}

/* ---- one frame out ---- */

static void count_tx(E1000State *s, const uint8_t *f, size_t len)
{
    size_t total = len + ETH_FCS_LEN;
    e1000_stat_add(s, E1000_GPTC, 1);
    e1000_stat_add(s, E1000_TPT, 1);
    e1000_stat_add64(s, E1000_GOTCL, total);
    e1000_stat_add64(s, E1000_TOTL, total);
    e1000_stat_add(s, E1000_PTC64 + e1000_size_bucket(total), 1);
    if (f[0] & 1) {
        static const uint8_t bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
        e1000_stat_add(s, memcmp(f, bcast, ETH_ALEN) ? E1000_MPTC : E1000_BPTC, 1);
    }
}

/* Send f (len bytes; room for a VLAN tag after it), inserting the tag
 * when the frame asked for it and CTRL.VME allows (SDM 3.3.3.1 VLE). */
static void emit(E1000State *s, uint8_t *f, size_t len)
{
    static uint8_t tagged[E1000_TX_FRAME_MAX + VLAN_HLEN];
    if (len < ETH_HLEN) {
        return;
    }
    uint8_t *out = f;
    if ((s->tx_cmd & TXD_CMD_VLE) && (e1000_reg(s, E1000_CTRL) & CTRL_VME)) {
        memcpy(tagged, f, 12);
        cc_st_be16(tagged + 12, (uint16_t)e1000_reg(s, E1000_VET));
        cc_st_be16(tagged + 14, s->tx_vlan);
        memcpy(tagged + 16, f + 12, len - 12);
        out = tagged;
        len += VLAN_HLEN;
    }
    count_tx(s, out, len);
    net_client_send(s->nic, out, len);
}

/* Store the ones' complement checksum of f[start..end] (end inclusive, 0:
 * the frame's end), plus add, at f[at]; false when the offsets do not fit
 * the frame (nothing written). */
static bool put_checksum(uint8_t *f, size_t len, unsigned start, unsigned at, unsigned end,
                         uint32_t add, bool zero_first)
{
    if (start >= len || (size_t)at + 2 > len) {
        return false;
    }
    size_t stop = end ? MIN((size_t)end + 1, len) : len;
    if (stop <= start) {
        return false;
    }
    if (zero_first) {
        cc_st_be16(f + at, 0);
    }
    uint32_t sum = net_checksum_add(add, f + start, stop - start);
    cc_st_be16(f + at, net_checksum_finish(sum));
    return true;
}

static void bad_offsets(const char *what)
{
    log_mask(LOG_GUEST_ERROR, "e1000: %s offsets outside the frame: not filled\n", what);
}

/* TCP segmentation (SDM 3.5): the headers are ctx.hdrlen bytes; each
 * segment gets at most ctx.mss bytes of payload. */
static void tso(E1000State *s, uint8_t *f, size_t len)
{
    static uint8_t seg[E1000_TX_FRAME_MAX];
    const E1000TxContext *c = &s->ctx;
    size_t hdr = c->hdrlen;
    bool ipv4 = c->tucmd & TUCMD_IP, tcp = c->tucmd & TUCMD_TCP;
    /* Every field the fix-ups touch must lie in the headers. */
    bool ok = hdr >= ETH_HLEN && hdr <= len && c->mss &&
              (size_t)c->ipcss + 6 <= hdr &&
              (size_t)c->tucss + (tcp ? 14 : 6) <= hdr &&
              (!(s->tx_popts & POPTS_IXSM) || (size_t)c->ipcso + 2 <= hdr) &&
              (!(s->tx_popts & POPTS_TXSM) || (size_t)c->tucso + 2 <= hdr);
    if (!ok) {
        log_mask(LOG_GUEST_ERROR, "e1000: TSO context with header length %zu, MSS %u and "
                 "offsets that do not fit a %zu-byte frame: dropped\n", hdr, c->mss, len);
        return;
    }
    size_t payload = len - hdr;
    uint16_t ip_id = cc_ld_be16(f + c->ipcss + 4);
    uint32_t seq = tcp ? cc_ld_be32(f + c->tucss + 4) : 0;
    size_t off = 0;
    for (unsigned k = 0;; k++) {
        size_t chunk = MIN((size_t)c->mss, payload - off);
        bool last = off + chunk >= payload;
        size_t seglen = hdr + chunk;
        memcpy(seg, f, hdr);
        memcpy(seg + hdr, f + hdr + off, chunk);
        if (ipv4) {
            cc_st_be16(seg + c->ipcss + 2, (uint16_t)(seglen - c->ipcss));
            cc_st_be16(seg + c->ipcss + 4, (uint16_t)(ip_id + k));
        } else if (seglen >= (size_t)c->ipcss + IPV6_HLEN) {
            cc_st_be16(seg + c->ipcss + 4, (uint16_t)(seglen - c->ipcss - IPV6_HLEN));
        }
        if (tcp) {
            cc_st_be32(seg + c->tucss + 4, seq + (uint32_t)off);
            if (!last) {
                seg[c->tucss + 13] &= ~(TCP_FLAG_FIN | TCP_FLAG_PSH);
            }
        } else {
            cc_st_be16(seg + c->tucss + 4, (uint16_t)(seglen - c->tucss));
        }
        if (s->tx_popts & POPTS_IXSM) {
            put_checksum(seg, seglen, c->ipcss, c->ipcso, c->ipcse, 0, true);
        }
        if (s->tx_popts & POPTS_TXSM) {
            /* The checksum field holds the pseudo-header sum without the
             * length; the card adds each segment's (SDM 3.5.1). */
            put_checksum(seg, seglen, c->tucss, c->tucso, c->tucse,
                         (uint32_t)(seglen - c->tucss), false);
        }
        emit(s, seg, seglen);
        off += chunk;
        if (last) {
            break;
        }
    }
    e1000_stat_add(s, E1000_TSCTC, 1);
}

static void send_frame(E1000State *s)
{
    uint8_t *f = s->tx_frame;
    size_t len = s->tx_len;
    if (!s->tx_legacy && (s->tx_cmd & TXD_CMD_TSE)) {
        tso(s, f, len);
        return;
    }
    if (s->tx_legacy) {
        /* Legacy IC: the checksum from CSS to the end, stored at CSO. */
        if ((s->tx_cmd & TXD_CMD_IC) && !put_checksum(f, len, s->tx_css, s->tx_cso, 0, 0, false)) {
            bad_offsets("legacy checksum");
        }
    } else {
        const E1000TxContext *c = &s->ctx;
        if ((s->tx_popts & POPTS_IXSM) &&
            !put_checksum(f, len, c->ipcss, c->ipcso, c->ipcse, 0, true)) {
            bad_offsets("IP checksum");
        }
        if ((s->tx_popts & POPTS_TXSM) &&
            !put_checksum(f, len, c->tucss, c->tucso, c->tucse, 0, false)) {
            bad_offsets("TCP/UDP checksum");
        }
    }
    emit(s, f, len);
}

/* ---- descriptors ---- */

static void read_context(E1000State *s, const uint8_t *d)
{
    E1000TxContext *c = &s->ctx;
    c->ipcss = d[0];
    c->ipcso = d[1];
    c->ipcse = cc_ld_le16(d + 2);
    c->tucss = d[4];
    c->tucso = d[5];
    c->tucse = cc_ld_le16(d + 6);
    c->paylen = cc_ld_le32(d + 8) & TXD_LEN_MASK;
    c->tucmd = d[11];
    c->hdrlen = d[13];
    c->mss = cc_ld_le16(d + 14);
}

/* Append one buffer to the frame being gathered. */
static void gather(E1000State *s, uint64_t addr, uint32_t blen)
{
    if (s->tx_bad || !blen) {
        return;
    }
    if (blen > E1000_TX_FRAME_MAX - s->tx_len) {
        log_mask(LOG_GUEST_ERROR, "e1000: TX frame longer than %u bytes: dropped\n",
                 E1000_TX_FRAME_MAX);
        s->tx_bad = true;
    } else if (pci_dma_read(PCI_DEVICE(s), addr, s->tx_frame + s->tx_len, blen) != MEMTX_OK) {
        log_mask(LOG_GUEST_ERROR, "e1000: TX buffer at 0x%" PRIx64 " unreadable: frame "
                 "dropped\n", addr);
        s->tx_bad = true;
    } else {
        s->tx_len += blen;
    }
}

/* One descriptor; returns whether its status is to be written back. */
static bool process(E1000State *s, const uint8_t *d)
{
    uint8_t cmd = d[11];
    bool first = !s->tx_len && !s->tx_bad;
    if (!(cmd & TXD_CMD_DEXT)) {
        if (first) {
            s->tx_legacy = true;
        }
        gather(s, cc_ld_le64(d), cc_ld_le16(d + 8));
        s->tx_cso = d[10];
        s->tx_css = d[13];
        s->tx_vlan = cc_ld_le16(d + 14);
        s->tx_cmd = cmd;
    } else {
        unsigned dtyp = (cc_ld_le32(d + 8) >> 20) & 0xf;
        if (dtyp == TXD_DTYP_CONTEXT) {
            read_context(s, d);
            return cmd & TXD_CMD_RS;
        }
        if (dtyp != TXD_DTYP_DATA) {
            log_mask(LOG_GUEST_ERROR, "e1000: TX descriptor of type %u skipped\n", dtyp);
            return cmd & TXD_CMD_RS;
        }
        if (first) {
            s->tx_legacy = false;
            s->tx_popts = d[13];
            s->tx_cmd = cmd;
        }
        gather(s, cc_ld_le64(d), cc_ld_le32(d + 8) & TXD_LEN_MASK);
        /* VLE and the tag count on the last descriptor (SDM 3.3.7.1). */
        s->tx_cmd = (uint8_t)((s->tx_cmd & ~TXD_CMD_VLE) | (cmd & TXD_CMD_VLE));
        s->tx_vlan = cc_ld_le16(d + 14);
    }
    if (cmd & TXD_CMD_EOP) {
        if (!s->tx_bad && s->tx_len) {
            send_frame(s);
        }
        s->tx_len = 0;
        s->tx_bad = false;
    }
    return cmd & (TXD_CMD_RS | TXD_CMD_RPS);
}

void e1000_transmit(E1000State *s)
{
    if (!(e1000_reg(s, E1000_TCTL) & TCTL_EN) || s->in_tx) {
        return;
    }
    uint32_t n = e1000_ring_count(s, E1000_TDLEN);
    uint32_t head = e1000_reg(s, E1000_TDH), tail = e1000_reg(s, E1000_TDT);
    if (head == tail) {
        return;
    }
    if (!n || head >= n || tail >= n) {
        log_mask(LOG_GUEST_ERROR, "e1000: TX ring of %u descriptors with head %u, tail %u: "
                 "nothing sent\n", n, head, tail);
        return;
    }
    s->in_tx = true;
    PCIDevice *pci = PCI_DEVICE(s);
    uint64_t base = e1000_ring_base(s, E1000_TDBAL);
    bool written = false, immediate = false;
    for (uint32_t i = 0; i < n && head != tail; i++) {
        uint64_t at = base + (uint64_t)head * E1000_DESC_SIZE;
        uint8_t d[E1000_DESC_SIZE];
        if (pci_dma_read(pci, at, d, sizeof(d)) != MEMTX_OK) {
            log_mask(LOG_GUEST_ERROR, "e1000: TX descriptor at 0x%" PRIx64 " unreadable\n", at);
            break;
        }
        if (process(s, d)) {
            uint8_t sta = d[12] | TXD_STAT_DD;
            pci_dma_write(pci, at + 12, &sta, 1);
            written = true;
            immediate |= !(d[11] & TXD_CMD_IDE);
        }
        head = (head + 1) % n;
        e1000_set_reg(s, E1000_TDH, head);
        /* The guest may have moved TDT or disabled TX from a callback. */
        tail = e1000_reg(s, E1000_TDT);
        if (tail >= n || !(e1000_reg(s, E1000_TCTL) & TCTL_EN)) {
            break;
        }
    }
    s->in_tx = false;
    uint32_t bits = head == tail ? ICR_TXQE : 0;
    /* One descriptor without IDE makes the interrupt immediate. */
    if (written && !e1000_tx_delay(s, !immediate)) {
        bits |= ICR_TXDW;
    }
    if (bits) {
        e1000_raise(s, bits);
    }
}
