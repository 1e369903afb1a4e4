/*
 * C mode, the classic RTL8139 (datasheet 5, "Transmit and Receive
 * Operations"):
 *
 * Receive: one ring buffer at RBSTART of 8K << RCR.RBLEN bytes (plus 16).
 * Each frame is written at CBR as a 4-byte header (status, then length
 * including the 4-byte CRC), the frame, its CRC, and padding to a dword.
 * With RCR.WRAP clear a frame that reaches the end continues at the start;
 * with WRAP set it runs on past the end (the driver allocated room there).
 * The driver reads from CAPR + 16 and moves CAPR; the ring is empty when
 * CAPR + 16 equals CBR.  A frame that does not fit waits in the net
 * layer's queue until CAPR moves.
 *
 * Transmit: four descriptors, each a start address (TSAD) and status
 * (TSD); writing a TSD with OWN clear sends SIZE bytes from TSAD, after
 * which OWN and TOK are set and TOK is raised.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "rtl8139.h"

/* RX header status bits (datasheet 5.1, "Receive Status Register in RX
 * packet header"). */
#define RXS_ROK   0x0001
#define RXS_BAR   0x2000         /* broadcast */
#define RXS_PAM   0x4000         /* physical address matched */
#define RXS_MAR   0x8000         /* multicast */
#define RX_HDR    4
#define ETH_CRC   4
#define ETH_ZLEN  60             /* minimum frame without CRC */

static uint32_t rx_buf_len(RTL8139State *s)
{
    return 8192u << ((rtl_reg32(s, RTL_RCR) >> RCR_RBLEN_SHIFT) & 3);
}

/* Where the driver reads next, as a ring offset. */
static uint32_t rx_read_ptr(RTL8139State *s)
{
    return (uint32_t)(uint16_t)(rtl_reg16(s, RTL_CAPR) + 16) % rx_buf_len(s);
}

static uint32_t rx_free(RTL8139State *s)
{
    uint32_t len = rx_buf_len(s), rd = rx_read_ptr(s), wr = s->cbr % len;
    return rd > wr ? rd - wr : len - (wr - rd);
}

uint8_t rtl_normal_cr_bufe(RTL8139State *s)
{
    return rx_read_ptr(s) == s->cbr % rx_buf_len(s) ? CR_BUFE : 0;
}

static bool rx_enabled(RTL8139State *s)
{
    return s->regs[RTL_CR] & CR_RE;
}

bool rtl_normal_can_receive(RTL8139State *s)
{
    /* A stopped receiver drops frames (receive does); a full ring makes
     * them wait. */
    return !rx_enabled(s) || rx_free(s) > RX_HDR + ETH_ZLEN + ETH_CRC + 3;
}

/* Write len bytes at ring offset off, wrapping at the ring's end unless
 * WRAP lets it run on.  Returns the offset after them. */
static uint32_t rx_write(RTL8139State *s, uint32_t off, const uint8_t *data, uint32_t len)
{
    PCIDevice *pci = PCI_DEVICE(s);
    uint32_t base = rtl_reg32(s, RTL_RBSTART), ring = rx_buf_len(s);
    bool wrap_past = rtl_reg32(s, RTL_RCR) & RCR_WRAP;
    while (len) {
        uint32_t chunk = len;
        if (!wrap_past && off + chunk > ring) {
            chunk = ring - off;
        }
        pci_dma_write(pci, (uint64_t)base + off, data, chunk);
        data += chunk;
        len -= chunk;
        off += chunk;
        if (off >= ring && (!wrap_past || !len)) {
            off %= ring;
        }
    }
    return off;
}

ssize_t rtl_normal_receive(RTL8139State *s, const uint8_t *buf, size_t len)
{
    if (!rx_enabled(s) || !rtl_rx_accept(s, buf, len)) {
        return (ssize_t)len;             /* dropped, as the hardware does */
    }
    if (len > RX_FRAME_MAX) {
        rtl_raise(s, INT_RER);
        return (ssize_t)len;
    }
    uint8_t frame[RX_FRAME_MAX + ETH_CRC];
    size_t flen = MAX(len, (size_t)ETH_ZLEN);
    memset(frame, 0, flen + ETH_CRC);
    memcpy(frame, buf, len);
    uint32_t total = (uint32_t)(flen + ETH_CRC);
    uint32_t need = (RX_HDR + total + 3) & ~3u;
    if (rx_free(s) <= need) {
        return 0;                        /* wait for CAPR to move */
    }
    uint16_t status = RXS_ROK;
    if (buf[0] & 1) {
        status |= memcmp(buf, "\xff\xff\xff\xff\xff\xff", 6) ? RXS_MAR : RXS_BAR;
    } else if (!memcmp(buf, s->regs + RTL_IDR0, 6)) {
        status |= RXS_PAM;
    }
    uint8_t hdr[RX_HDR] = { (uint8_t)status, status >> 8, (uint8_t)total, total >> 8 };
    uint32_t off = s->cbr % rx_buf_len(s);
    off = rx_write(s, off, hdr, RX_HDR);
    rx_write(s, off, frame, total);
    s->cbr = (s->cbr % rx_buf_len(s) + need) % rx_buf_len(s);
    rtl_raise(s, INT_ROK);
    return (ssize_t)len;
}

void rtl_normal_transmit(RTL8139State *s, unsigned n)
{
    uint32_t tsd = rtl_reg32(s, RTL_TSD0 + 4 * n);
    uint32_t size = tsd & TSD_SIZE_MASK;
    if (!(s->regs[RTL_CR] & CR_TE)) {
        return;                          /* sent when the transmitter is enabled */
    }
    if (size > C_TX_FRAME_MAX) {
        log_mask(LOG_GUEST_ERROR, "rtl8139: TX descriptor %u of %u bytes (at most %u)\n", n,
                 size, C_TX_FRAME_MAX);
        rtl_set_reg32(s, RTL_TSD0 + 4 * n, tsd | TSD_OWN | TSD_TABT);
        rtl_raise(s, INT_TER);
        return;
    }
    uint8_t frame[C_TX_FRAME_MAX];
    /* Taken by DMA first: a buffer in the card's own registers reads
     * nothing (the memory core refuses a device's DMA into itself). */
    if (pci_dma_read(PCI_DEVICE(s), rtl_reg32(s, RTL_TSAD0 + 4 * n), frame, size) != MEMTX_OK) {
        rtl_set_reg32(s, RTL_TSD0 + 4 * n, tsd | TSD_OWN | TSD_TABT);
        rtl_raise(s, INT_TER);
        return;
    }
    rtl_set_reg32(s, RTL_TSD0 + 4 * n, tsd | TSD_OWN);
    if (size) {
        net_client_send(s->nic, frame, size);
    }
    rtl_set_reg32(s, RTL_TSD0 + 4 * n, rtl_reg32(s, RTL_TSD0 + 4 * n) | TSD_TOK);
    rtl_raise(s, INT_TOK);
}
