/*
 * C+ mode (RTL8139C+ datasheet 9, "C+ Mode"): descriptor rings in guest
 * memory instead of the ring buffer and the four TX slots.
 *
 * A descriptor is 16 bytes: opts1 (OWN bit 31, EOR bit 30 = last of the
 * ring, FS bit 29 / LS bit 28 = first / last fragment of a frame, and the
 * buffer length), opts2 (VLAN), and the 64-bit buffer address.  TX ring at
 * TNPDS, kicked by TPPoll; RX ring at RDSAR.  TX descriptors also carry
 * LGSEN (bit 27, large send, MSS in bits 26:16) or IPCS/UDPCS/TCPCS (bits
 * 18:16, fill checksums).
 *
 * Bounds: an index never passes CP_RING_MAX, a TX pass handles at most one
 * ring's worth of descriptors, a gathered frame at most CP_TX_FRAME_MAX
 * bytes (longer: dropped, TER raised), an RX buffer takes only what its
 * descriptor says it holds (a frame that does not fit is dropped with the
 * error bit, as the driver expects no multi-descriptor frames), and DMA
 * that fails (bus mastering off, an address in the card's own registers)
 * drops the frame and raises SERR.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "rtl8139.h"

#define DESC_SIZE     16
#define DESC_OWN      0x80000000u
#define DESC_EOR      0x40000000u
#define DESC_FS       0x20000000u
#define DESC_LS       0x10000000u
#define TXD_LGSEN     0x08000000u
#define TXD_MSS_SHIFT 16
#define TXD_MSS_MASK  0x7ffu
#define TXD_IPCS      0x00040000u
#define TXD_UDPCS     0x00020000u
#define TXD_TCPCS     0x00010000u
#define TXD_LEN_MASK  0xffffu
/* A TX descriptor once sent (datasheet 9, "Transmit Status Descriptor"):
 * OWN clear, EOR/FS/LS and the length as given, and the status bits 25:16
 * (UNF, TES, OWC, LNKF, EXC, the collision count) filled in.  Those bits
 * are the LGSEN/MSS and checksum request bits of the command the driver
 * wrote, so they must be rewritten, not kept: Linux's 8139cp reads TES
 * (bit 23, set in MSS 1448) as a failed frame and counts it as an error
 * instead of a sent frame. */
#define TXS_KEEP      (DESC_EOR | DESC_FS | DESC_LS | TXD_LEN_MASK)
#define TXS_TES       0x00800000u    /* TX error summary */
#define RXD_LEN_MASK  0x1fffu
#define RXD_ERR       0x00100000u    /* RES: error summary */
#define RXD_MCAST     0x04000000u
/* Receive checksum offload (CPCR.RxChkSum): the protocol the card found
 * in bits 17:16 (1 TCP/IP, 2 UDP/IP, 3 other IPv4, 0 not IP; the values
 * Linux's 8139cp driver reads as RxProtoTCP/UDP/IP) and what failed. */
#define RXD_PID_SHIFT 16
#define RXD_PID_TCP   1u
#define RXD_PID_UDP   2u
#define RXD_PID_IP    3u
#define RXD_IPF       0x00008000u    /* IP header checksum wrong */
#define RXD_UDPF      0x00004000u    /* UDP checksum wrong */
#define RXD_TCPF      0x00002000u    /* TCP checksum wrong */
#define ETH_HDR       14
#define IP_PROTO_TCP  6
#define ETH_CRC       4
#define ETH_ZLEN      60
/* The tally counters block the driver asks for (DTCCR): 64 bytes. */
#define TALLY_SIZE    64

typedef struct CpDesc {
    uint32_t opts1, opts2;
    uint64_t addr;
} CpDesc;

static bool desc_read(RTL8139State *s, uint64_t at, CpDesc *d)
{
    uint8_t raw[DESC_SIZE];
    if (pci_dma_read(PCI_DEVICE(s), at, raw, DESC_SIZE) != MEMTX_OK) {
        return false;
    }
    d->opts1 = cc_ld_le32(raw);
    d->opts2 = cc_ld_le32(raw + 4);
    d->addr = cc_ld_le64(raw + 8);
    return true;
}

static void desc_write_status(RTL8139State *s, uint64_t at, uint32_t opts1, uint32_t opts2)
{
    uint8_t raw[8];
    cc_st_le32(raw, opts1);
    cc_st_le32(raw + 4, opts2);
    pci_dma_write(PCI_DEVICE(s), at, raw, sizeof(raw));
}

static uint64_t reg64(RTL8139State *s, unsigned off)
{
    return cc_ld_le64(s->regs + off);
}

static uint32_t next_index(uint32_t i, uint32_t opts1)
{
    return (opts1 & DESC_EOR) || i + 1 >= CP_RING_MAX ? 0 : i + 1;
}

/* ---- receive ---- */

static bool rx_enabled(RTL8139State *s)
{
    return (s->regs[RTL_CR] & CR_RE) && (rtl_reg16(s, RTL_CPCR) & CPCR_RX_ENB);
}

/* The checksum status bits of a received frame (len bytes, no CRC). */
static uint32_t rx_checksum_status(const uint8_t *frame, size_t len)
{
    NetRxChecksums c;
    net_frame_check_checksums(frame, len, ETH_HDR, &c);
    if (!c.ipv4) {
        return 0;
    }
    uint32_t st = c.ip_bad ? RXD_IPF : 0;
    if (!c.l4_proto) {
        return st | RXD_PID_IP << RXD_PID_SHIFT;
    }
    if (c.l4_proto == IP_PROTO_TCP) {
        return st | RXD_PID_TCP << RXD_PID_SHIFT | (c.l4_bad ? RXD_TCPF : 0);
    }
    return st | RXD_PID_UDP << RXD_PID_SHIFT | (c.l4_bad ? RXD_UDPF : 0);
}

bool rtl_cplus_can_receive(RTL8139State *s)
{
    /* Always: receive itself finds out whether a descriptor is free, and
     * raises RDU when there is none (the driver's cue to refill). */
    return true;
}

ssize_t rtl_cplus_receive(RTL8139State *s, const uint8_t *buf, size_t len)
{
    if (!rx_enabled(s) || !rtl_rx_accept(s, buf, len)) {
        return (ssize_t)len;
    }
    CpDesc d;
    uint64_t at = reg64(s, RTL_RDSAR) + (uint64_t)s->cp_rx_index * DESC_SIZE;
    if (!desc_read(s, at, &d)) {
        rtl_raise(s, INT_SERR);
        return (ssize_t)len;
    }
    if (!(d.opts1 & DESC_OWN)) {
        /* No buffer: tell the driver (RDU, once per stall), keep the
         * frame queued until it gives descriptors back. */
        if (!s->rx_stalled) {
            s->rx_stalled = true;
            rtl_raise(s, INT_RXOVW);
        }
        return 0;
    }
    s->rx_stalled = false;
    uint32_t bufsize = d.opts1 & RXD_LEN_MASK;
    size_t flen = MAX(len, (size_t)ETH_ZLEN);
    uint32_t total = (uint32_t)(flen + ETH_CRC);
    uint32_t status = (d.opts1 & DESC_EOR) | DESC_FS | DESC_LS;
    if (len > RX_FRAME_MAX || total > bufsize) {
        status |= RXD_ERR;
        desc_write_status(s, at, status, 0);
        s->cp_rx_index = next_index(s->cp_rx_index, d.opts1);
        rtl_raise(s, INT_RER);
        return (ssize_t)len;
    }
    uint8_t frame[RX_FRAME_MAX + ETH_CRC];
    memset(frame, 0, total);
    memcpy(frame, buf, len);
    if (pci_dma_write(PCI_DEVICE(s), d.addr, frame, total) != MEMTX_OK) {
        rtl_raise(s, INT_SERR);
        return (ssize_t)len;
    }
    if (buf[0] & 1) {
        status |= RXD_MCAST;
    }
    if (rtl_reg16(s, RTL_CPCR) & CPCR_RX_CHKSUM) {
        status |= rx_checksum_status(buf, len);
    }
    desc_write_status(s, at, status | total, 0);
    s->cp_rx_index = next_index(s->cp_rx_index, d.opts1);
    rtl_raise(s, INT_ROK);
    return (ssize_t)len;
}

/* ---- transmit ---- */

static void emit_segment(void *opaque, const uint8_t *seg, size_t len)
{
    RTL8139State *s = opaque;
    net_client_send(s->nic, seg, len);
}

/* Send the gathered frame; false when it had to be dropped. */
static bool tx_send_frame(RTL8139State *s)
{
    uint32_t flags = s->tx_frame_flags;
    uint32_t len = s->tx_frame_len;
    uint8_t *f = s->tx_frame;
    if (len < ETH_ZLEN) {
        memset(f + len, 0, ETH_ZLEN - len);      /* the MAC pads short frames */
        len = ETH_ZLEN;
    }
    if (flags & TXD_LGSEN) {
        unsigned mss = (flags >> TXD_MSS_SHIFT) & TXD_MSS_MASK;
        if (!net_frame_tso(f, len, mss, emit_segment, s)) {
            log_mask(LOG_GUEST_ERROR, "rtl8139: large send of a frame without valid "
                     "IPv4/TCP headers or with MSS 0: dropped\n");
            return false;
        }
        return true;
    }
    if (flags & (TXD_IPCS | TXD_UDPCS | TXD_TCPCS)) {
        /* A frame whose headers lie goes out unchanged. */
        net_frame_fill_checksums(f, len, flags & TXD_IPCS, flags & (TXD_UDPCS | TXD_TCPCS));
    }
    net_client_send(s->nic, f, len);
    return true;
}

void rtl_cplus_transmit(RTL8139State *s)
{
    if (!(s->regs[RTL_CR] & CR_TE) || !(rtl_reg16(s, RTL_CPCR) & CPCR_TX_ENB) || s->in_tx) {
        return;
    }
    s->in_tx = true;
    bool sent = false;
    for (unsigned n = 0; n < CP_RING_MAX; n++) {
        CpDesc d;
        uint64_t at = reg64(s, RTL_TNPDS) + (uint64_t)s->cp_tx_index * DESC_SIZE;
        if (!desc_read(s, at, &d)) {
            rtl_raise(s, INT_SERR);
            break;
        }
        if (!(d.opts1 & DESC_OWN)) {
            break;
        }
        uint32_t blen = d.opts1 & TXD_LEN_MASK;
        if (d.opts1 & DESC_FS) {
            s->tx_frame_len = 0;
            s->tx_frame_flags = d.opts1;
            s->tx_frame_bad = false;
        } else if (!s->tx_frame_len && !s->tx_frame_flags) {
            s->tx_frame_bad = true;      /* a fragment without its first */
        }
        if (!s->tx_frame_bad) {
            if (blen > CP_TX_FRAME_MAX - s->tx_frame_len) {
                log_mask(LOG_GUEST_ERROR, "rtl8139: C+ TX frame longer than %u bytes\n",
                         CP_TX_FRAME_MAX);
                s->tx_frame_bad = true;
            } else if (pci_dma_read(PCI_DEVICE(s), d.addr, s->tx_frame + s->tx_frame_len,
                                    blen) != MEMTX_OK) {
                s->tx_frame_bad = true;
                rtl_raise(s, INT_SERR);
            } else {
                s->tx_frame_len += blen;
            }
        }
        /* Give the descriptor back: OWN clear, the status of the frame
         * on its last one. */
        uint32_t status = d.opts1 & TXS_KEEP;
        s->cp_tx_index = next_index(s->cp_tx_index, d.opts1);
        if (d.opts1 & DESC_LS) {
            if (!s->tx_frame_bad && tx_send_frame(s)) {
                sent = true;
            } else {
                status |= TXS_TES;
                rtl_raise(s, INT_TER);
            }
            s->tx_frame_len = 0;
            s->tx_frame_flags = 0;
            s->tx_frame_bad = false;
        }
        desc_write_status(s, at, status, d.opts2);
    }
    s->in_tx = false;
    if (sent) {
        rtl_raise(s, INT_TOK);
    }
}

/* DTCCR with bit 3: write the tally counters (all zero: not kept) to the
 * 64-byte aligned address, then clear the bit (datasheet 9, DTCCR). */
void rtl_cplus_dump_tally(RTL8139State *s)
{
    uint64_t addr = reg64(s, RTL_DTCCR) & ~(uint64_t)(TALLY_SIZE - 1);
    uint8_t zero[TALLY_SIZE] = { 0 };
    pci_dma_write(PCI_DEVICE(s), addr, zero, sizeof(zero));
    s->regs[RTL_DTCCR] &= ~0x08;
}
