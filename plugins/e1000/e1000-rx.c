/*
 * The receive side (SDM 3.2): which frames the filters take, and the RX
 * descriptor ring they are written to.
 *
 * Legacy RX descriptor (SDM 3.2.3, 16 bytes): buffer address (8), length
 * (2), packet checksum (2), status (1), errors (1), special (2: the VLAN
 * tag).  The guest owns descriptors from RDT up to RDH; the card fills
 * them from RDH on, one buffer of RCTL.BSIZE bytes each, a frame spanning
 * as many as it needs (EOP on its last).
 *
 * Bounds: a ring of zero descriptors or whose head or tail lies outside
 * it takes nothing (the frame is dropped and counted missed); a frame
 * waits in the net layer's queue while the ring has fewer free
 * descriptors than it needs; every write goes through pci_dma_write,
 * which refuses the card's own registers; frames larger than the card
 * takes (1522 bytes, 16 KiB with RCTL.LPE) are dropped and counted.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "e1000.h"

#define RXD_STAT_DD   0x01       /* descriptor done */
#define RXD_STAT_EOP  0x02       /* end of packet */
#define RXD_STAT_IXSM 0x04       /* ignore checksum indication */
#define RXD_STAT_VP   0x08       /* the VLAN tag was stripped into special */
#define RXD_STAT_TCPCS 0x20      /* TCP/UDP checksum checked */
#define RXD_STAT_IPCS 0x40       /* IPv4 header checksum checked */
#define RXD_ERR_TCPE  0x20       /* ... and found wrong */
#define RXD_ERR_IPE   0x40
#define RXD_ERR_RXE   0x80       /* RX data error: the buffer could not be written */

/* ---- the filters (SDM 3.2.1, 13.4.22, 13.5) ---- */

static bool mta_match(E1000State *s, const uint8_t *dest)
{
    /* RCTL.MO picks which 12 bits of the address index the 4096-bit table:
     * bits 47:36, 46:35, 45:34 or 43:32 (SDM 13.5.1). */
    static const unsigned shift[4] = { 4, 3, 2, 0 };
    unsigned mo = (e1000_reg(s, E1000_RCTL) >> RCTL_MO_SHIFT) & 3;
    unsigned hash = ((dest[4] >> shift[mo]) | ((unsigned)dest[5] << (8 - shift[mo]))) & 0xfff;
    return (e1000_reg(s, E1000_MTA + 4 * (hash >> 5)) >> (hash & 31)) & 1;
}

static bool ra_match(E1000State *s, const uint8_t *dest)
{
    for (unsigned i = 0; i < 16; i++) {
        uint32_t ral = e1000_reg(s, E1000_RA + 8 * i);
        uint32_t rah = e1000_reg(s, E1000_RA + 8 * i + 4);
        if (!(rah & RAH_AV)) {
            continue;
        }
        uint8_t a[ETH_ALEN] = { (uint8_t)ral, (uint8_t)(ral >> 8), (uint8_t)(ral >> 16),
                                (uint8_t)(ral >> 24), (uint8_t)rah, (uint8_t)(rah >> 8) };
        if (!memcmp(a, dest, ETH_ALEN)) {
            return true;
        }
    }
    return false;
}

bool e1000_rx_accept(E1000State *s, const uint8_t *buf, size_t len)
{
    uint32_t rctl = e1000_reg(s, E1000_RCTL);
    if (len < ETH_HLEN) {
        return false;
    }
    /* The VLAN filter: a tagged frame whose VLAN id's bit in VFTA is
     * clear is dropped (SDM 13.4.22 VFE, 13.5.3). */
    if ((rctl & RCTL_VFE) && len >= ETH_HLEN + VLAN_HLEN &&
        cc_ld_be16(buf + 12) == (e1000_reg(s, E1000_VET) & 0xffff)) {
        unsigned vid = cc_ld_be16(buf + 14) & 0xfff;
        if (!((e1000_reg(s, E1000_VFTA + 4 * (vid >> 5)) >> (vid & 31)) & 1)) {
            return false;
        }
    }
    static const uint8_t bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    bool multicast = buf[0] & 1;
    if (!memcmp(buf, bcast, ETH_ALEN) && (rctl & RCTL_BAM)) {
        return true;
    }
    if (multicast ? (rctl & RCTL_MPE) : (rctl & RCTL_UPE)) {
        return true;
    }
    if (ra_match(s, buf)) {
        return true;
    }
    return multicast && mta_match(s, buf);
}

/* query-rx-filter: the same registers seen whole.  RA[0] is the main
 * address; the other valid receive addresses are the exact tables. */
void e1000_query_rx_filter(NetClient *nc, NetRxFilter *f)
{
    E1000State *s = net_client_opaque(nc);
    uint32_t rctl = e1000_reg(s, E1000_RCTL);
    bool any_mc_ra = false;
    for (unsigned i = 0; i < 16; i++) {
        uint32_t ral = e1000_reg(s, E1000_RA + 8 * i);
        uint32_t rah = e1000_reg(s, E1000_RA + 8 * i + 4);
        if (!(rah & RAH_AV)) {
            continue;
        }
        MACAddr a = { { (uint8_t)ral, (uint8_t)(ral >> 8), (uint8_t)(ral >> 16),
                        (uint8_t)(ral >> 24), (uint8_t)rah, (uint8_t)(rah >> 8) } };
        if (i == 0) {
            f->main_mac = a;
        } else if (a.a[0] & 1) {
            f->multicast_table[f->n_multicast++] = a;
            any_mc_ra = true;
        } else {
            f->unicast_table[f->n_unicast++] = a;
        }
    }
    f->promiscuous = rctl & RCTL_UPE;
    f->unicast = (rctl & RCTL_UPE) ? NET_RX_ALL : NET_RX_NORMAL;
    NetRxMode mta = net_rx_hash_mode(&s->regs[E1000_MTA / 4], 128 * 4);
    f->multicast = (rctl & RCTL_MPE) ? NET_RX_ALL :
                   (mta == NET_RX_NONE && any_mc_ra) ? NET_RX_NORMAL : mta;
    f->broadcast_allowed = (rctl & RCTL_BAM) || (rctl & RCTL_MPE);
    f->vlan = (rctl & RCTL_VFE) ? NET_RX_NORMAL : NET_RX_ALL;
    memcpy(f->vlan_table, &s->regs[E1000_VFTA / 4], sizeof(f->vlan_table));
}

/* ---- RX checksum offload (RXCSUM.IPOFL, TUOFL; the status bits IPCS,
 * TCPCS and error bits IPE, TCPE of the descriptor, SDM 3.2.3.1) ---- */

/* Check the checksums the guest asked the card to check, of the frame as
 * stored (len bytes, no FCS).  Only IPv4 (the 82540EM knows no other),
 * past a VLAN tag left in the frame; a header whose lengths point past
 * the frame, and fragments for TCP/UDP, get no indication at all: the
 * driver checks those itself. */
static void rx_checksum(E1000State *s, const uint8_t *f, size_t len, uint8_t *status,
                        uint8_t *errors)
{
    uint32_t rxcsum = e1000_reg(s, E1000_RXCSUM);
    size_t l3 = ETH_HLEN;
    if (len >= ETH_HLEN + VLAN_HLEN && cc_ld_be16(f + 12) == (e1000_reg(s, E1000_VET) & 0xffff)) {
        l3 += VLAN_HLEN;
    }
    NetRxChecksums c;
    net_frame_check_checksums(f, len, l3, &c);
    if (!c.ipv4) {
        return;
    }
    if (rxcsum & RXCSUM_IPOFL) {
        *status |= RXD_STAT_IPCS;
        if (c.ip_bad) {
            *errors |= RXD_ERR_IPE;
        }
    }
    if ((rxcsum & RXCSUM_TUOFL) && c.l4_proto) {
        *status |= RXD_STAT_TCPCS;
        if (c.l4_bad) {
            *errors |= RXD_ERR_TCPE;
        }
    }
}

/* ---- the ring ---- */

/* RCTL.BSIZE with BSEX: 2048, 1024, 512, 256, or x16 (SDM 13.4.22). */
static uint32_t rx_buffer_size(E1000State *s)
{
    uint32_t rctl = e1000_reg(s, E1000_RCTL);
    unsigned bsize = (rctl >> RCTL_BSIZE_SHIFT) & 3;
    if (rctl & RCTL_BSEX) {
        return bsize ? 16384u >> (bsize - 1) : 2048;   /* 00 is reserved: 2048 */
    }
    return 2048u >> bsize;
}

/* Free descriptors: those from RDH up to (not including) RDT. */
static uint32_t rx_free(uint32_t head, uint32_t tail, uint32_t n)
{
    return (tail + n - head) % n;
}

bool e1000_can_receive(NetClient *nc)
{
    /* Always: receive finds out whether there is room, drops what the
     * card would drop, and keeps the rest waiting. */
    return true;
}

static void count_rx(E1000State *s, const uint8_t *frame, size_t total)
{
    e1000_stat_add(s, E1000_GPRC, 1);
    e1000_stat_add(s, E1000_TPR, 1);
    e1000_stat_add64(s, E1000_GORCL, total);
    e1000_stat_add64(s, E1000_TORL, total);
    e1000_stat_add(s, E1000_PRC64 + e1000_size_bucket(total), 1);
    if (frame[0] & 1) {
        static const uint8_t bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
        e1000_stat_add(s, memcmp(frame, bcast, ETH_ALEN) ? E1000_MPRC : E1000_BPRC, 1);
    }
}

static void rx_drop(E1000State *s, unsigned counter)
{
    e1000_stat_add(s, E1000_MPC, 1);
    if (counter) {
        e1000_stat_add(s, counter, 1);
    }
}

static ssize_t receive(E1000State *s, const uint8_t *buf, size_t len)
{
    PCIDevice *pci = PCI_DEVICE(s);
    uint32_t rctl = e1000_reg(s, E1000_RCTL);
    if (!(rctl & RCTL_EN) || !e1000_rx_accept(s, buf, len)) {
        return (ssize_t)len;
    }
    size_t max = (rctl & RCTL_LPE) ? E1000_RX_LONG_MAX - ETH_FCS_LEN : ETH_MAX_VLAN_FRAME;
    if (len > max) {
        rx_drop(s, E1000_ROC);
        return (ssize_t)len;
    }
    uint32_t n = e1000_ring_count(s, E1000_RDLEN);
    uint32_t head = e1000_reg(s, E1000_RDH), tail = e1000_reg(s, E1000_RDT);
    if (!n || head >= n || tail >= n) {
        log_mask(LOG_GUEST_ERROR, "e1000: RX ring of %u descriptors with head %u, tail %u: "
                 "frame dropped\n", n, head, tail);
        rx_drop(s, E1000_RNBC);
        e1000_raise(s, ICR_RXO);
        return (ssize_t)len;
    }

    /* The frame as the card stores it: the VLAN tag stripped into the
     * descriptor when CTRL.VME says so (SDM 3.2.6), padded to the minimum
     * frame, with its FCS unless RCTL.SECRC. */
    static uint8_t frame[E1000_RX_LONG_MAX + ETH_ZLEN];
    uint8_t status = RXD_STAT_IXSM;
    uint16_t special = 0;
    size_t flen;
    if ((e1000_reg(s, E1000_CTRL) & CTRL_VME) && len >= ETH_HLEN + VLAN_HLEN &&
        cc_ld_be16(buf + 12) == (e1000_reg(s, E1000_VET) & 0xffff)) {
        special = cc_ld_be16(buf + 14);
        status |= RXD_STAT_VP;
        memcpy(frame, buf, 12);
        memcpy(frame + 12, buf + 16, len - 16);
        flen = len - VLAN_HLEN;
    } else {
        memcpy(frame, buf, len);
        flen = len;
    }
    if (flen < ETH_ZLEN) {
        memset(frame + flen, 0, ETH_ZLEN - flen);
        flen = ETH_ZLEN;
    }
    if (!(rctl & RCTL_SECRC)) {
        cc_st_le32(frame + flen, net_crc32_le(frame, flen));
        flen += ETH_FCS_LEN;
    }

    uint32_t bsize = rx_buffer_size(s);
    uint32_t needed = (uint32_t)((flen + bsize - 1) / bsize);
    if (needed > n - 1) {
        /* More buffers than the ring can ever hold free (one descriptor
         * always stays between tail and head): waiting would block every
         * frame behind it. */
        log_mask(LOG_GUEST_ERROR, "e1000: a %zu-byte frame needs %u buffers of %u bytes, "
                 "the ring holds %u: dropped\n", flen, needed, bsize, n);
        rx_drop(s, E1000_ROC);
        return (ssize_t)len;
    }
    if (needed > rx_free(head, tail, n)) {
        /* No room: the frame waits in the queue until RDT moves; tell the
         * driver once (overrun, descriptors below the threshold). */
        if (!s->rx_stalled) {
            s->rx_stalled = true;
            e1000_stat_add(s, E1000_RNBC, 1);
            e1000_raise(s, ICR_RXO | ICR_RXDMT0);
        }
        return 0;
    }

    /* The checksum offloads, on the frame without its FCS; the guest that
     * asked for none gets "ignore checksum indication" as before. */
    uint8_t csum_errors = 0;
    if (e1000_reg(s, E1000_RXCSUM) & (RXCSUM_IPOFL | RXCSUM_TUOFL)) {
        status &= (uint8_t)~RXD_STAT_IXSM;
        rx_checksum(s, frame, (rctl & RCTL_SECRC) ? flen : flen - ETH_FCS_LEN, &status,
                    &csum_errors);
    }

    /* The packet checksum the descriptor reports: the ones' complement sum
     * from RXCSUM.PCSS to the end (SDM 3.2.3.1). */
    unsigned pcss = e1000_reg(s, E1000_RXCSUM) & RXCSUM_PCSS_MASK;
    uint16_t csum = 0;
    if (pcss < flen) {
        csum = (uint16_t)~net_checksum_finish(net_checksum_add(0, frame + pcss, flen - pcss));
    }

    uint64_t base = e1000_ring_base(s, E1000_RDBAL);
    size_t done = 0;
    while (done < flen) {
        uint64_t at = base + (uint64_t)head * E1000_DESC_SIZE;
        uint8_t desc[E1000_DESC_SIZE];
        if (pci_dma_read(pci, at, desc, sizeof(desc)) != MEMTX_OK) {
            log_mask(LOG_GUEST_ERROR, "e1000: RX descriptor at 0x%" PRIx64 " unreadable\n", at);
            rx_drop(s, 0);
            return (ssize_t)len;
        }
        size_t chunk = MIN((size_t)bsize, flen - done);
        bool last = done + chunk == flen;
        uint8_t errors = last ? csum_errors : 0;
        if (pci_dma_write(pci, cc_ld_le64(desc), frame + done, chunk) != MEMTX_OK) {
            log_mask(LOG_GUEST_ERROR, "e1000: RX buffer at 0x%" PRIx64 " unwritable\n",
                     cc_ld_le64(desc));
            errors = RXD_ERR_RXE;
        }
        cc_st_le16(desc + 8, (uint16_t)chunk);
        cc_st_le16(desc + 10, csum);
        desc[12] = status | RXD_STAT_DD | (last ? RXD_STAT_EOP : 0);
        desc[13] = errors;
        cc_st_le16(desc + 14, special);
        pci_dma_write(pci, at + 8, desc + 8, 8);
        done += chunk;
        head = (head + 1) % n;
    }
    e1000_set_reg(s, E1000_RDH, head);
    count_rx(s, frame, flen + (rctl & RCTL_SECRC ? ETH_FCS_LEN : 0));

    /* RXT0 now, or when the delay timers expire. */
    uint32_t bits = e1000_rx_delay(s) ? 0 : ICR_RXT0;
    unsigned rdmts = (rctl >> RCTL_RDMTS_SHIFT) & 3;
    if (rdmts < 3 && rx_free(head, tail, n) <= n >> (rdmts + 1)) {
        bits |= ICR_RXDMT0;              /* free descriptors down to 1/2, 1/4, 1/8 */
    }
    if (bits) {
        e1000_raise(s, bits);
    }
    return (ssize_t)len;
}

/* A frame from the net layer, which engages the card's re-entrancy guard
 * around the call: DMA into the card's own registers (a ring or buffer the
 * guest put there) is refused instead of reaching RDT and delivering the
 * next frame from inside this one. */
ssize_t e1000_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    return receive(net_client_opaque(nc), buf, len);
}
