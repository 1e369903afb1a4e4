/*
 * Unit tests of the e1000 card, driven as a driver would through its
 * memory BAR (and its I/O window), with a capture netdev on the other end
 * (a hub between the card's netdev and the test's client): the EEPROM (by
 * EERD and bit-banged through EECD), the PHY, the link, interrupts and
 * their throttling, the receive filters and ring, transmit with legacy,
 * context and data descriptors, checksum offload and TSO, statistics, the
 * interrupt delays (RDTR, RADV, TIDV, TADV), RX checksum offload, what
 * query-rx-filter reports; and
 * hostile input: zero and huge lengths, heads and tails past the ring,
 * rings and buffers in the card's own registers, TSO contexts whose
 * offsets lie.  None may crash, hang or write outside what the guest gave.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "harness-net.h"

#define RAM_BASE 0x100000u
#define RAM_SIZE 0x80000u
#define MMIO     0xfebc0000u
#define IOBASE   0xc000u
#define RXR      (RAM_BASE + 0x10000u)   /* RX descriptor ring */
#define RXB      (RAM_BASE + 0x20000u)   /* RX buffers, 2 KiB each */
#define TXR      (RAM_BASE + 0x40000u)   /* TX descriptor ring */
#define TXB      (RAM_BASE + 0x50000u)   /* TX buffers */

/* Registers */
#define CTRL   0x0000
#define STATUS 0x0008
#define EECD   0x0010
#define EERD   0x0014
#define MDIC   0x0020
#define ICR    0x00c0
#define ITR    0x00c4
#define ICS    0x00c8
#define IMS    0x00d0
#define IMC    0x00d8
#define RCTL   0x0100
#define TCTL   0x0400
#define RDBAL  0x2800
#define RDBAH  0x2804
#define RDLEN  0x2808
#define RDH    0x2810
#define RDT    0x2818
#define RDTR   0x2820
#define RADV   0x282c
#define TDBAL  0x3800
#define TDBAH  0x3804
#define TDLEN  0x3808
#define TDH    0x3810
#define TDT    0x3818
#define TIDV   0x3820
#define TADV   0x382c
#define GPRC   0x4074
#define GPTC   0x4080
#define TPR    0x40d0
#define RXCSUM 0x5000
#define MTA    0x5200
#define RAL0   0x5400
#define RAH0   0x5404
#define VFTA   0x5600

static DeviceState *dev;

/* ---- access helpers ---- */

static uint32_t rd(unsigned off)
{
    return (uint32_t)address_space_ld(address_space_memory(), MMIO + off, 4, NULL);
}

static void wr(unsigned off, uint32_t v)
{
    address_space_st(address_space_memory(), MMIO + off, v, 4, NULL);
}

static void mem_write(uint64_t a, const void *buf, size_t len)
{
    address_space_write(address_space_memory(), a, buf, len);
}

static void mem_read(uint64_t a, void *buf, size_t len)
{
    address_space_read(address_space_memory(), a, buf, len);
}

static bool irq_asserted(void)
{
    return pci_config_read(PCI_DEVICE(dev), PCI_STATUS, 2) & PCI_STATUS_INTERRUPT;
}

static const uint8_t our_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

/* Short names for the harness's helpers (harness-net.h). */
#define inject harness_net_inject
#define make_frame harness_net_make_frame

/* ---- setup ---- */

static const char *const props[] = { "netdev=cap", "romfile=", NULL };

static int group_setup(void **state)
{
    harness_load_plugin("e1000");
    harness_net_setup(RAM_BASE, RAM_SIZE);
    dev = harness_create("e1000", "nic", NULL, props);
    return 0;
}

static int reset_card(void **state)
{
    device_cold_reset(dev);
    PCIDevice *pci = PCI_DEVICE(dev);
    pci_config_write(pci, PCI_BASE_ADDRESS_0, MMIO, 4);
    pci_config_write(pci, PCI_BASE_ADDRESS_0 + 4, IOBASE, 4);
    pci_config_write(pci, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER,
                     2);
    harness_net_reset();
    return 0;
}

/* ---- identity, EEPROM, PHY, link ---- */

static uint16_t eerd(unsigned addr)
{
    wr(EERD, addr << 8 | 1);
    uint32_t v = rd(EERD);
    assert_true(v & 0x10);                           /* DONE */
    return (uint16_t)(v >> 16);
}

/* Read a word by bit-banging EECD as Linux's e1000 does for the 82540's
 * microwire EEPROM: request, chip select, 110b + 6 address bits, 16 out. */
static uint16_t eecd_read_word(unsigned addr)
{
    const uint32_t req = 0x40, cs = 0x02, sk = 0x01, di = 0x04;
    wr(EECD, req);
    assert_true(rd(EECD) & 0x80);                    /* GNT */
    wr(EECD, req | cs);
    unsigned cmd = 6u << 6 | addr;
    for (int i = 8; i >= 0; i--) {
        uint32_t d = (cmd >> i) & 1 ? di : 0;
        wr(EECD, req | cs | d);
        wr(EECD, req | cs | d | sk);
        wr(EECD, req | cs | d);
    }
    uint16_t v = 0;
    for (int i = 0; i < 16; i++) {
        wr(EECD, req | cs | sk);
        v = (uint16_t)(v << 1 | ((rd(EECD) >> 3) & 1));
        wr(EECD, req | cs);
    }
    wr(EECD, 0);
    return v;
}

static uint16_t phy_read(unsigned reg)
{
    wr(MDIC, 1u << 21 | reg << 16 | 2u << 26);
    uint32_t v = rd(MDIC);
    assert_true(v & (1u << 28));                     /* ready */
    assert_false(v & (1u << 30));                    /* no error */
    return (uint16_t)v;
}

static void test_identity(void **state)
{
    PCIDevice *pci = PCI_DEVICE(dev);
    assert_int_equal(pci_config_read(pci, PCI_VENDOR_ID, 4), 0x100e8086);
    assert_int_equal(pci_config_read(pci, PCI_SUBSYSTEM_VENDOR_ID, 4), 0x11001af4);
    assert_int_equal(pci_config_read(pci, PCI_CLASS_DEVICE, 2), 0x0200);
    /* The MAC address in EEPROM words 0-2 and in receive address 0. */
    assert_int_equal(eerd(0), 0x5452);
    assert_int_equal(eerd(1), 0x1200);
    assert_int_equal(eerd(2), 0x5634);
    assert_int_equal(rd(RAL0), 0x12005452);
    assert_int_equal(rd(RAH0), 0x80005634);
    /* Words 0-0x3f add up to 0xbaba (what drivers check). */
    uint16_t sum = 0;
    for (unsigned i = 0; i < 64; i++) {
        sum = (uint16_t)(sum + eerd(i));
    }
    assert_int_equal(sum, 0xbaba);
    /* The same words bit-banged. */
    assert_int_equal(eecd_read_word(0), 0x5452);
    assert_int_equal(eecd_read_word(2), 0x5634);
    assert_int_equal(eecd_read_word(0x3f), eerd(0x3f));
    /* BAR1: IOADDR/IODATA reach the same registers. */
    cpu_outl(IOBASE, RAL0);
    assert_int_equal(cpu_inl(IOBASE + 4), 0x12005452);
    cpu_outl(IOBASE, MTA + 8);
    cpu_outl(IOBASE + 4, 0xdeadbeef);
    assert_int_equal(rd(MTA + 8), 0xdeadbeef);
    /* The PHY: id, link up and auto-negotiation complete. */
    assert_int_equal(phy_read(2), 0x0141);
    assert_int_equal(phy_read(3), 0x0c20);
    assert_int_equal(phy_read(1) & 0x0024, 0x0024);
    /* A PHY address other than 1: error. */
    wr(MDIC, 2u << 21 | 1u << 16 | 2u << 26);
    assert_true(rd(MDIC) & (1u << 30));
    /* Restarting auto-negotiation completes at once. */
    wr(MDIC, 1u << 21 | 0u << 16 | 1u << 26 | 0x1340);
    assert_int_equal(phy_read(0) & 0x0200, 0);
    assert_true(rd(STATUS) & 0x2);                   /* LU */
}

static void test_link(void **state)
{
    wr(IMS, 0x04);                                   /* LSC */
    assert_false(irq_asserted());
    assert_true(net_set_link("cap", false, &error_abort));
    assert_false(rd(STATUS) & 0x2);
    assert_true(irq_asserted());
    assert_int_equal(rd(ICR) & 0x04, 0x04);          /* read clears */
    assert_false(irq_asserted());
    assert_int_equal(rd(ICR), 0);
    assert_int_equal(phy_read(1) & 0x0004, 0);
    assert_true(net_set_link("cap", true, &error_abort));
    assert_true(rd(STATUS) & 0x2);
    assert_true(rd(ICR) & 0x04);
    assert_true(phy_read(1) & 0x0004);
}

static void test_interrupts(void **state)
{
    wr(ICS, 0x80);                                   /* masked: pending only */
    assert_false(irq_asserted());
    wr(IMS, 0x80);
    assert_true(irq_asserted());
    wr(IMC, 0x80);
    assert_false(irq_asserted());
    assert_int_equal(rd(IMS), 0);
    wr(IMS, 0x80);
    wr(ICR, 0x80);                                   /* write 1 clears */
    assert_false(irq_asserted());
    /* ITR 1000 x 256 ns: after one assertion, the next waits 256 us. */
    wr(ITR, 1000);
    wr(ICS, 0x80);
    assert_true(irq_asserted());
    rd(ICR);
    assert_false(irq_asserted());
    harness_advance_ns(100000);
    wr(ICS, 0x80);
    assert_false(irq_asserted());                    /* throttled */
    harness_advance_ns(100000);
    assert_false(irq_asserted());
    harness_advance_ns(60000);
    assert_true(irq_asserted());                     /* 256 us after the first */
    rd(ICR);
    /* ITR 195 (Linux's 20000/s) is held to the SDM's floor of 500: 128 us. */
    wr(ITR, 195);
    harness_advance_ns(300000);
    wr(ICS, 0x80);
    assert_true(irq_asserted());
    rd(ICR);
    harness_advance_ns(60000);                       /* past 195 x 256 ns */
    wr(ICS, 0x80);
    assert_false(irq_asserted());
    harness_advance_ns(60000);
    assert_false(irq_asserted());
    harness_advance_ns(10000);
    assert_true(irq_asserted());                     /* 128 us after the last */
    rd(ICR);
    /* ITR 0: no throttle. */
    wr(ITR, 0);
    wr(ICS, 0x80);
    assert_true(irq_asserted());
    rd(ICR);
    /* A software reset clears everything and keeps the MAC. */
    wr(ICS, 0x80);
    wr(CTRL, 1u << 26);
    assert_false(irq_asserted());
    assert_int_equal(rd(IMS), 0);
    assert_int_equal(rd(RAL0), 0x12005452);
    assert_false(rd(CTRL) & (1u << 26));
}

/* ---- receive ---- */

static void put_rx_desc(unsigned i, uint64_t buf)
{
    uint8_t d[16] = { 0 };
    cc_st_le64(d, buf);
    mem_write(RXR + 16 * i, d, 16);
}

static void rx_desc(unsigned i, uint16_t *len, uint8_t *status, uint8_t *errors,
                    uint16_t *special)
{
    uint8_t d[16];
    mem_read(RXR + 16 * i, d, 16);
    *len = cc_ld_le16(d + 8);
    *status = d[12];
    *errors = d[13];
    *special = cc_ld_le16(d + 14);
}

/* 8 descriptors with 2 KiB buffers; RDT = tail. */
static void rx_start(uint32_t rctl, unsigned tail)
{
    for (unsigned i = 0; i < 8; i++) {
        put_rx_desc(i, RXB + 2048 * i);
    }
    wr(RDBAL, RXR);
    wr(RDBAH, 0);
    wr(RDLEN, 8 * 16 + 0x7f);                        /* low 7 bits ignored */
    wr(RDH, 0);
    wr(RDT, tail);
    wr(IMS, 0x9d);
    wr(RCTL, rctl | 0x2);
}

static void test_rx_ring(void **state)
{
    rx_start(0x8000, 7);                             /* BAM; 7 free descriptors */
    uint8_t f[1514];
    for (int i = 0; i < 9; i++) {
        inject(f, make_frame(f, 1000, our_mac, (uint8_t)i));
    }
    assert_true(irq_asserted());
    assert_true(rd(ICR) & 0x80);                     /* RXT0 */
    assert_int_equal(rd(RDH), 7);
    for (unsigned i = 0; i < 7; i++) {
        uint16_t len, special;
        uint8_t status, errors, data[1004];
        rx_desc(i, &len, &status, &errors, &special);
        assert_int_equal(len, 1004);                 /* with the FCS */
        assert_int_equal(status & 0x03, 0x03);       /* DD EOP */
        assert_int_equal(errors, 0);
        mem_read(RXB + 2048 * i, data, 1004);
        assert_int_equal(data[20], i);
    }
    /* Two wait; the driver gives back descriptors 7, 0, 1 and they come
     * in order, the ring wrapping. */
    put_rx_desc(0, RXB);
    wr(RDT, 2);
    harness_advance_ns(NET_ICOUNT_TICK_NS);
    assert_int_equal(rd(RDH), 1);
    uint8_t b[32];
    mem_read(RXB + 2048 * 7 + 20, b, 1);
    assert_int_equal(b[0], 7);
    mem_read(RXB + 20, b, 1);
    assert_int_equal(b[0], 8);
    assert_int_equal(net_netdev_find("cap")->peer->queue.length, 0);
    assert_int_equal(rd(GPRC), 9);
    assert_int_equal(rd(GPRC), 0);                   /* clear on read */
    /* A short frame is padded to 60 bytes, plus the FCS. */
    wr(RDT, 5);
    inject(f, make_frame(f, 42, our_mac, 0x33));
    uint16_t len, special;
    uint8_t status, errors;
    rx_desc(1, &len, &status, &errors, &special);
    assert_int_equal(len, 64);
    /* With SECRC, no FCS. */
    wr(RCTL, rd(RCTL) | (1u << 26));
    inject(f, make_frame(f, 100, our_mac, 0x34));
    rx_desc(2, &len, &status, &errors, &special);
    assert_int_equal(len, 100);
}

static void test_rx_multi_buffer(void **state)
{
    /* BSIZE 256: a 1000-byte frame takes 4 descriptors, EOP on the last. */
    rx_start(0x8000 | 3u << 16, 7);
    uint8_t f[1514];
    inject(f, make_frame(f, 1000, our_mac, 0x44));
    assert_int_equal(rd(RDH), 4);
    for (unsigned i = 0; i < 4; i++) {
        uint16_t len, special;
        uint8_t status, errors;
        rx_desc(i, &len, &status, &errors, &special);
        assert_int_equal(len, i < 3 ? 256 : 1004 - 768);
        assert_int_equal(status & 0x03, i < 3 ? 0x01 : 0x03);
    }
    /* A frame needing more than the ring has free waits (no partial write). */
    inject(f, make_frame(f, 1000, our_mac, 0x45));
    assert_int_equal(rd(RDH), 4);
    assert_true(rd(ICR) & 0x40);                     /* RXO */
    /* Longer than 1522 without LPE: dropped, counted. */
    wr(RDT, 3);
    static uint8_t big[16000];
    inject(big, make_frame(big, 1600, our_mac, 1));
    assert_int_equal(rd(0x40ac), 1);                 /* ROC */
    /* With LPE, a frame needing more 256-byte buffers than the 8-entry ring
     * can ever hold free: dropped, not left blocking the queue. */
    wr(RCTL, rd(RCTL) | 0x20);
    inject(big, make_frame(big, 9000, our_mac, 2));
    assert_int_equal(rd(0x40ac), 1);
    assert_int_equal(net_netdev_find("cap")->peer->queue.length, 0);
    /* The ring still works: the frame that waited arrives once RDT moves. */
    wr(RDT, 0);
    harness_advance_ns(NET_ICOUNT_TICK_NS);
    assert_int_equal(rd(RDH), 0);
}

static void test_rx_filters(void **state)
{
    static const uint8_t other[6] = { 0x52, 0x54, 0x00, 0x99, 0x99, 0x99 };
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
    uint8_t f[200];
    rx_start(0, 7);                                  /* no BAM, no promiscuity */
    inject(f, make_frame(f, 100, other, 1));
    inject(f, make_frame(f, 100, bcast, 2));
    inject(f, make_frame(f, 100, mcast, 3));
    assert_int_equal(rd(RDH), 0);
    inject(f, make_frame(f, 100, our_mac, 4));
    assert_int_equal(rd(RDH), 1);
    /* A second receive address. */
    wr(RAL0 + 8, 0x99005452);
    wr(RAH0 + 8, 0x80009999);
    inject(f, make_frame(f, 100, other, 5));
    assert_int_equal(rd(RDH), 2);
    /* The multicast table, MO 0: bits 47:36 of 01:00:5e:00:00:fb index it. */
    unsigned hash = (mcast[4] >> 4 | mcast[5] << 4) & 0xfff;
    wr(MTA + 4 * (hash >> 5), 1u << (hash & 31));
    inject(f, make_frame(f, 100, mcast, 6));
    assert_int_equal(rd(RDH), 3);
    /* BAM, then UPE. */
    wr(RCTL, rd(RCTL) | 0x8000);
    inject(f, make_frame(f, 100, bcast, 7));
    assert_int_equal(rd(RDH), 4);
    static const uint8_t stranger[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
    inject(f, make_frame(f, 100, stranger, 8));
    assert_int_equal(rd(RDH), 4);
    wr(RCTL, rd(RCTL) | 0x8);
    inject(f, make_frame(f, 100, stranger, 9));
    assert_int_equal(rd(RDH), 5);
    /* VLAN: with VFE a tag whose VFTA bit is clear is dropped; with VME
     * the tag moves into the descriptor. */
    wr(RCTL, (rd(RCTL) & ~0x8u) | (1u << 18));
    make_frame(f, 100, our_mac, 10);
    f[12] = 0x81;
    f[13] = 0x00;
    f[14] = 0x00;
    f[15] = 0x05;                                    /* VID 5 */
    inject(f, 100);
    assert_int_equal(rd(RDH), 5);
    wr(VFTA, 1u << 5);
    wr(CTRL, rd(CTRL) | (1u << 30));
    inject(f, 100);
    assert_int_equal(rd(RDH), 6);
    uint16_t len, special;
    uint8_t status, errors;
    rx_desc(5, &len, &status, &errors, &special);
    assert_int_equal(special, 5);
    assert_true(status & 0x08);                      /* VP */
    assert_int_equal(len, 100 - 4 + 4);
}

/* ---- transmit ---- */

static void put_tx(unsigned i, uint64_t addr, uint32_t dw2, uint32_t dw3)
{
    uint8_t d[16];
    cc_st_le64(d, addr);
    cc_st_le32(d + 8, dw2);
    cc_st_le32(d + 12, dw3);
    mem_write(TXR + 16 * i, d, 16);
}

static uint8_t tx_status(unsigned i)
{
    uint8_t b;
    mem_read(TXR + 16 * i + 12, &b, 1);
    return b;
}

static void tx_start(unsigned ndesc)
{
    wr(TDBAL, TXR);
    wr(TDBAH, 0);
    wr(TDLEN, ndesc * 16);
    wr(TDH, 0);
    wr(TDT, 0);
    wr(IMS, 0x03);
    wr(TCTL, 0x2 | 0x8);
}

/* Legacy descriptor: length, CMD. */
#define LEG(len, cmd) ((uint32_t)(len) | (uint32_t)(cmd) << 24)

static void test_tx_legacy(void **state)
{
    tx_start(8);
    uint8_t f[300];
    mem_write(TXB, f, make_frame(f, 300, our_mac, 0xaa));
    /* A frame in two buffers, RS on the last. */
    put_tx(0, TXB, LEG(100, 0x02), 0);
    put_tx(1, TXB + 100, LEG(200, 0x0b), 0);
    wr(TDT, 2);
    assert_int_equal(net_nframes, 1);
    assert_int_equal(net_frames[0].len, 300);
    assert_int_equal(memcmp(net_frames[0].data, f, 300), 0);
    assert_int_equal(rd(TDH), 2);
    assert_int_equal(tx_status(1) & 1, 1);           /* DD */
    assert_int_equal(rd(ICR) & 0x3, 0x3);            /* TXDW TXQE */
    assert_int_equal(rd(GPTC), 1);
    /* The ring wraps: descriptors 2..7 then 0. */
    for (unsigned i = 2; i < 8; i++) {
        put_tx(i, TXB, LEG(60, 0x0b), 0);
    }
    put_tx(0, TXB, LEG(60, 0x0b), 0);
    wr(TDT, 1);
    assert_int_equal(net_nframes, 8);
    assert_int_equal(rd(TDH), 1);
    /* Zero-length descriptors: nothing sent, the ring still moves. */
    put_tx(1, TXB, LEG(0, 0x0b), 0);
    wr(TDT, 2);
    assert_int_equal(net_nframes, 8);
    assert_int_equal(rd(TDH), 2);
    assert_int_equal(tx_status(1) & 1, 1);
    /* Legacy IC: the checksum from CSS to the end at CSO. */
    uint8_t g[64];
    make_frame(g, 64, our_mac, 0);
    for (int i = 14; i < 64; i++) {
        g[i] = (uint8_t)i;
    }
    g[20] = g[21] = 0;
    mem_write(TXB, g, 64);
    put_tx(2, TXB, LEG(64, 0x0f) | 20u << 16, 14u << 8);
    wr(TDT, 3);
    assert_int_equal(net_nframes, 9);
    assert_int_equal(net_checksum_finish(net_checksum_add(0, net_frames[8].data + 14, 50)), 0);
}

/* Extended descriptors. */
#define CTX_DW2(paylen, tucmd) ((uint32_t)(paylen) | 0u << 20 | (uint32_t)((tucmd) | 0x20) << 24)
#define DATA_DW2(len, dcmd) ((uint32_t)(len) | 1u << 20 | (uint32_t)((dcmd) | 0x20) << 24)

static void put_ctx(unsigned i, uint8_t ipcss, uint8_t ipcso, uint16_t ipcse, uint8_t tucss,
                    uint8_t tucso, uint16_t tucse, uint32_t paylen, uint8_t tucmd,
                    uint8_t hdrlen, uint16_t mss)
{
    uint8_t d[16];
    d[0] = ipcss;
    d[1] = ipcso;
    cc_st_le16(d + 2, ipcse);
    d[4] = tucss;
    d[5] = tucso;
    cc_st_le16(d + 6, tucse);
    cc_st_le32(d + 8, CTX_DW2(paylen, tucmd));
    d[12] = 0;
    d[13] = hdrlen;
    cc_st_le16(d + 14, mss);
    mem_write(TXR + 16 * i, d, 16);
}

/* An IPv4/TCP frame with payload bytes: total length 0 and the TCP
 * checksum holding the pseudo-header sum without length, as Linux's
 * e1000 prepares a TSO frame. */
static size_t make_tso_frame(uint8_t *f, size_t payload)
{
    size_t len = 54 + payload;
    make_frame(f, len, our_mac, 0);
    uint8_t *ip = f + 14, *t = f + 34;
    ip[0] = 0x45;
    ip[4] = 0x12;
    ip[5] = 0x34;                                    /* id 0x1234 */
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, "\x0a\x00\x02\x0f\x0a\x00\x02\x02", 8);
    t[1] = 80;
    t[3] = 80;
    t[7] = 1;                                        /* seq 1 */
    t[12] = 5 << 4;
    t[13] = 0x19;                                    /* FIN PSH ACK */
    uint8_t pseudo[12];
    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 6;
    pseudo[10] = pseudo[11] = 0;
    cc_st_be16(t + 16, (uint16_t)~net_checksum_finish(net_checksum_add(0, pseudo, 12)));
    for (size_t i = 0; i < payload; i++) {
        f[54 + i] = (uint8_t)(i * 7);
    }
    return len;
}

/* The TCP checksum of an IPv4 frame verifies. */
static bool tcp_ok(const uint8_t *frame, size_t len)
{
    const uint8_t *ip = frame + 14;
    size_t l4 = len - 34;
    uint8_t pseudo[12];
    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 6;
    cc_st_be16(pseudo + 10, (uint16_t)l4);
    uint32_t sum = net_checksum_add(0, pseudo, 12);
    return net_checksum_finish(net_checksum_add(sum, frame + 34, l4)) == 0;
}

static void test_tx_tso(void **state)
{
    static uint8_t f[8192];
    tx_start(16);
    size_t len = make_tso_frame(f, 3000);
    mem_write(TXB, f, len);
    /* Context: IP 14..33, TCP from 34 (checksum at 50), TSE, header 54,
     * MSS 1000; then the frame in two data descriptors, IXSM|TXSM. */
    put_ctx(0, 14, 24, 33, 34, 50, 0, 3000, 0x07, 54, 1000);
    put_tx(1, TXB, DATA_DW2(54, 0x04), 0x03u << 8);
    put_tx(2, TXB + 54, DATA_DW2(3000, 0x0d), 0x03u << 8);
    wr(TDT, 3);
    assert_int_equal(net_nframes, 3);
    for (int i = 0; i < 3; i++) {
        const uint8_t *o = net_frames[i].data, *ip = o + 14, *t = o + 34;
        assert_int_equal(net_frames[i].len, 1054);
        assert_int_equal(cc_ld_be16(ip + 2), 1040);
        assert_int_equal(cc_ld_be16(ip + 4), 0x1234 + i);
        assert_int_equal(cc_ld_be32(t + 4), 1 + 1000 * i);
        assert_int_equal(net_checksum_finish(net_checksum_add(0, ip, 20)), 0);
        assert_true(tcp_ok(o, net_frames[i].len));
        assert_int_equal(t[13], i == 2 ? 0x19 : 0x10);   /* FIN/PSH on the last only */
        assert_int_equal(o[54 + 5], (uint8_t)((1000 * i + 5) * 7));
    }
    assert_int_equal(tx_status(2) & 1, 1);
    /* Checksum offload without TSE: a 200-byte TCP frame whose pseudo
     * sum includes the length, as for CHECKSUM_PARTIAL. */
    net_nframes = 0;
    len = make_tso_frame(f, 146);
    cc_st_be16(f + 16, 186);
    uint8_t pseudo[12];
    memcpy(pseudo, f + 26, 8);
    pseudo[8] = 0;
    pseudo[9] = 6;
    cc_st_be16(pseudo + 10, 166);
    cc_st_be16(f + 50, (uint16_t)~net_checksum_finish(net_checksum_add(0, pseudo, 12)));
    mem_write(TXB, f, len);
    put_ctx(3, 14, 24, 33, 34, 50, 0, 0, 0x03, 0, 0);
    put_tx(4, TXB, DATA_DW2(len, 0x0b), 0x03u << 8);
    wr(TDT, 5);
    assert_int_equal(net_nframes, 1);
    assert_int_equal(net_frames[0].len, 200);
    assert_true(tcp_ok(net_frames[0].data, 200));
    assert_int_equal(net_checksum_finish(net_checksum_add(0, net_frames[0].data + 14, 20)), 0);
    /* VLAN insertion with VME and VLE. */
    wr(CTRL, rd(CTRL) | (1u << 30));
    put_tx(5, TXB, DATA_DW2(100, 0x4b), 0x0007u << 16);
    wr(TDT, 6);
    assert_int_equal(net_nframes, 2);
    assert_int_equal(net_frames[1].len, 104);
    assert_int_equal(cc_ld_be16(net_frames[1].data + 12), 0x8100);
    assert_int_equal(cc_ld_be16(net_frames[1].data + 14), 7);
}

static void test_tx_hostile(void **state)
{
    static uint8_t f[8192];
    tx_start(16);
    size_t len = make_tso_frame(f, 3000);
    mem_write(TXB, f, len);
    /* TSO contexts that lie: header longer than the frame, MSS 0, the TCP
     * header past the header length, checksum offsets past it. */
    put_ctx(0, 14, 24, 33, 34, 50, 0, 3000, 0x07, 255, 1000);
    put_tx(1, TXB, DATA_DW2(100, 0x0d), 0x03u << 8);
    put_ctx(2, 14, 24, 33, 34, 50, 0, 3000, 0x07, 54, 0);
    put_tx(3, TXB, DATA_DW2(len, 0x0d), 0x03u << 8);
    put_ctx(4, 14, 24, 33, 250, 50, 0, 3000, 0x07, 54, 100);
    put_tx(5, TXB, DATA_DW2(len, 0x0d), 0x03u << 8);
    put_ctx(6, 14, 240, 33, 34, 251, 0, 3000, 0x07, 54, 100);
    put_tx(7, TXB, DATA_DW2(len, 0x0d), 0x03u << 8);
    wr(TDT, 8);
    assert_int_equal(net_nframes, 0);
    assert_int_equal(rd(TDH), 8);
    /* Checksum offsets past a small frame: sent unchanged. */
    put_ctx(8, 14, 250, 0, 200, 240, 0, 0, 0x03, 0, 0);
    put_tx(9, TXB, DATA_DW2(60, 0x0b), 0x03u << 8);
    wr(TDT, 10);
    assert_int_equal(net_nframes, 1);
    assert_int_equal(memcmp(net_frames[0].data, f, 60), 0);
    /* Huge lengths: buffers adding up past 64 KiB are dropped whole. */
    for (unsigned i = 10; i < 15; i++) {
        put_tx(i, RAM_BASE, DATA_DW2(0xfffff, i == 14 ? 0x09 : 0x00), 0);
    }
    wr(TDT, 15);
    assert_int_equal(net_nframes, 1);
    assert_int_equal(rd(TDH), 15);
    /* A buffer in the card's own registers: refused, nothing recursed. */
    put_tx(15, MMIO + TDT, LEG(64, 0x0b), 0);
    wr(TDT, 0);
    assert_int_equal(net_nframes, 1);
    assert_int_equal(rd(TDH), 0);
    /* The ring itself in the registers. */
    wr(TDBAL, MMIO);
    wr(TDT, 3);
    assert_int_equal(net_nframes, 1);
    /* Tail past the ring, head past the ring, a zero-length ring. */
    tx_start(8);
    put_tx(0, TXB, LEG(60, 0x0b), 0);
    wr(TDT, 100);
    assert_int_equal(net_nframes, 1);
    wr(TDT, 0);
    wr(TDH, 50);
    wr(TDT, 1);
    assert_int_equal(net_nframes, 1);
    wr(TDLEN, 0);
    wr(TDH, 0);
    wr(TDT, 1);
    assert_int_equal(net_nframes, 1);
    /* A TDLEN not a multiple of 128 counts whole 8-descriptor blocks. */
    wr(TDLEN, 16 * 9);
    assert_int_equal(rd(TDLEN), 128);
    wr(TDH, 0);
    wr(TDT, 0);
    wr(TDT, 1);
    assert_int_equal(net_nframes, 2);
    /* Bus mastering off: nothing moves. */
    pci_config_write(PCI_DEVICE(dev), PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    put_tx(1, TXB, LEG(60, 0x0b), 0);
    wr(TDT, 2);
    assert_int_equal(net_nframes, 2);
}

static void test_rx_hostile(void **state)
{
    uint8_t f[200];
    /* Ring in the card's registers: frames dropped, no recursion. */
    rx_start(0x8008, 7);
    wr(RDBAL, MMIO + RDT);
    inject(f, make_frame(f, 100, our_mac, 1));
    assert_int_equal(rd(RDT), 7);
    /* Buffers in the registers: the descriptor says error, no write. */
    wr(RDBAL, RXR);
    put_rx_desc(0, MMIO + RCTL);
    uint32_t rctl = rd(RCTL);
    inject(f, make_frame(f, 100, our_mac, 2));
    assert_int_equal(rd(RCTL), rctl);
    uint16_t len, special;
    uint8_t status, errors;
    rx_desc(0, &len, &status, &errors, &special);
    assert_int_equal(errors & 0x80, 0x80);
    /* Head or tail past the ring, a zero-length ring: dropped, counted. */
    wr(RDH, 50);
    inject(f, make_frame(f, 100, our_mac, 3));
    wr(RDH, 0);
    wr(RDT, 60);
    inject(f, make_frame(f, 100, our_mac, 4));
    wr(RDLEN, 0);
    wr(RDT, 1);
    inject(f, make_frame(f, 100, our_mac, 5));
    assert_int_equal(rd(0x4010), 4);                 /* MPC: these three and the first */
    assert_int_equal(net_netdev_find("cap")->peer->queue.length, 0);
    /* Ring base past 4 GiB where nothing is. */
    wr(RDLEN, 128);
    wr(RDBAH, 0xffffffff);
    inject(f, make_frame(f, 100, our_mac, 6));
}

/* Random writes to the registers, then frames both ways: no crash. */
static void test_register_fuzz(void **state)
{
    static const unsigned offs[] = { CTRL, EECD, EERD, MDIC, ICR, ITR, ICS, IMS, IMC, RCTL, TCTL,
                                     RDBAL, RDBAH, RDLEN, RDH, RDT, TDBAL, TDBAH, TDLEN, TDH, TDT,
                                     MTA, RAL0, RAH0, VFTA, 0x5000, 0x4000 };
    uint32_t x = 0x2545f491;
    uint8_t f[1514];
    rx_start(0x801a, 7);
    tx_start(8);
    for (int i = 0; i < 100000; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        unsigned off = offs[x % G_N_ELEMENTS(offs)];
        uint32_t v = x >> 3;
        if (off == RDBAL || off == TDBAL) {
            v = RAM_BASE + (v & (RAM_SIZE - 1));
        } else if (off == RDBAH || off == TDBAH) {
            v &= (x & 0x10000) ? 1 : 0;
        } else if (off == CTRL) {
            v &= ~(1u << 26);
        }
        if (x & 0x100000) {
            wr(off, v);
        } else {
            rd(off);
        }
        if ((i & 255) == 0) {
            inject(f, make_frame(f, 60 + (x % 1400), our_mac, (uint8_t)i));
            harness_advance_ns(x & 0xffff);
        }
    }
}

/* ---- interrupt delays (SDM 3.2.7.1, 13.4.30-31, 13.4.41-44) ---- */

#define US(n) ((int64_t)(n) * 1000)

/* To the net layer's next delivery point: a frame injected then arrives
 * exactly when inject returns. */
static void align_clock(void)
{
    int64_t now = clock_get_ns(CC_CLOCK_VIRTUAL);
    if (now % NET_ICOUNT_TICK_NS) {
        harness_advance_ns(NET_ICOUNT_TICK_NS - now % NET_ICOUNT_TICK_NS);
    }
}

/* Receive with only RXT0 unmasked (not RXDMT0, which comes at once). */
static void rx_start_rxt0(uint32_t rctl)
{
    rx_start(rctl, 7);
    wr(IMC, ~0x80u);
    align_clock();
}

static void test_rx_delays(void **state)
{
    rx_start_rxt0(0x8000);
    uint8_t f[200];
    /* RDTR 200 (204.8 us): restarted by every frame. */
    wr(RDTR, 200);
    inject(f, make_frame(f, 100, our_mac, 1));
    assert_false(irq_asserted());
    inject(f, make_frame(f, 100, our_mac, 2));       /* 100 us after the first */
    assert_int_equal(rd(RDH), 2);                    /* both written */
    harness_advance_ns(US(150));                     /* 250 us after the first */
    assert_false(irq_asserted());                    /* the timer restarted */
    harness_advance_ns(US(60));
    assert_true(irq_asserted());
    assert_int_equal(rd(ICR) & 0x80, 0x80);          /* RXT0 */
    assert_false(irq_asserted());
    /* RADV 250 (256 us): not restarted, it ends a stream of frames. */
    wr(RADV, 250);
    inject(f, make_frame(f, 100, our_mac, 3));
    inject(f, make_frame(f, 100, our_mac, 4));
    inject(f, make_frame(f, 100, our_mac, 5));       /* 200 us after the first */
    assert_false(irq_asserted());
    harness_advance_ns(US(60));                      /* 260 us: RADV expired */
    assert_true(irq_asserted());
    assert_int_equal(rd(ICR) & 0x80, 0x80);
    /* RADV's expiry stopped the packet timer: no second RXT0. */
    harness_advance_ns(US(400));
    assert_false(irq_asserted());
    assert_int_equal(rd(ICR) & 0x80, 0);
    /* FPD: the delay expires at once; it reads back 0. */
    wr(RDT, 0);
    inject(f, make_frame(f, 100, our_mac, 6));
    assert_false(irq_asserted());
    wr(RDTR, 200u | 1u << 31);
    assert_true(irq_asserted());
    assert_int_equal(rd(RDTR), 200);
    rd(ICR);
    /* RDTR 0: no delay, RADV does nothing. */
    wr(RDTR, 0);
    inject(f, make_frame(f, 100, our_mac, 7));
    assert_true(irq_asserted());
    rd(ICR);
    /* The delays stop at a software reset. */
    wr(RDTR, 200);
    inject(f, make_frame(f, 100, our_mac, 8));
    wr(CTRL, 1u << 26);
    harness_advance_ns(US(500));
    assert_int_equal(rd(ICR), 0);
}

static void test_tx_delays(void **state)
{
    tx_start(8);
    align_clock();
    wr(IMC, 0x02);                                   /* TXDW only, not TXQE */
    uint8_t f[60];
    mem_write(TXB, f, make_frame(f, 60, our_mac, 0xbb));
    /* TIDV 100 (102.4 us) for descriptors with IDE (0x80) and RS. */
    wr(TIDV, 100);
    put_tx(0, TXB, LEG(60, 0x8b), 0);
    wr(TDT, 1);
    assert_int_equal(net_nframes, 1);
    assert_int_equal(tx_status(0) & 1, 1);           /* written back at once */
    assert_false(irq_asserted());
    harness_advance_ns(US(90));
    put_tx(1, TXB, LEG(60, 0x8b), 0);
    wr(TDT, 2);                                      /* restarts TIDV */
    harness_advance_ns(US(90));
    assert_false(irq_asserted());
    harness_advance_ns(US(20));
    assert_true(irq_asserted());
    assert_int_equal(rd(ICR) & 1, 1);
    /* TADV 150 (153.6 us) ends a stream. */
    wr(TIDV, 200);
    wr(TADV, 150);
    for (unsigned i = 2; i < 5; i++) {
        put_tx(i, TXB, LEG(60, 0x8b), 0);
        wr(TDT, i + 1);
        assert_false(irq_asserted());
        harness_advance_ns(US(70));
    }
    assert_true(irq_asserted());                     /* 154 us after the first */
    rd(ICR);
    harness_advance_ns(US(400));
    assert_int_equal(rd(ICR) & 1, 0);                /* no second TXDW */
    /* A descriptor without IDE: TXDW now, and the delay started by an
     * earlier one is halted. */
    put_tx(5, TXB, LEG(60, 0x8b), 0);
    wr(TDT, 6);
    assert_false(irq_asserted());
    put_tx(6, TXB, LEG(60, 0x0b), 0);
    wr(TDT, 7);
    assert_true(irq_asserted());
    rd(ICR);
    harness_advance_ns(US(400));
    assert_int_equal(rd(ICR) & 1, 0);
    /* FPD on TIDV reports what waits. */
    put_tx(7, TXB, LEG(60, 0x8b), 0);
    wr(TDT, 0);
    assert_false(irq_asserted());
    wr(TIDV, 200u | 1u << 31);
    assert_true(irq_asserted());
    assert_int_equal(rd(TIDV), 200);
    assert_int_equal(net_nframes, 8);
}

/* ITR's throttle and the delays together: a delayed RXT0 still waits for
 * ITR's interval after the previous assertion. */
static void test_delays_with_itr(void **state)
{
    rx_start_rxt0(0x8000);
    wr(ITR, 1000);                                   /* 256 us between assertions */
    wr(ICS, 0x80);
    assert_true(irq_asserted());
    rd(ICR);
    wr(RDTR, 10);                                    /* 10.24 us */
    uint8_t f[100];
    inject(f, make_frame(f, 100, our_mac, 1));       /* 100 us after the assertion */
    harness_advance_ns(US(20));
    assert_false(irq_asserted());                    /* RXT0 pending, throttled */
    harness_advance_ns(US(140));
    assert_true(irq_asserted());
}

/* ---- RX checksum offload (RXCSUM IPOFL/TUOFL; IPCS, TCPCS, IPE, TCPE) ---- */

#define STAT_IXSM  0x04
#define STAT_TCPCS 0x20
#define STAT_IPCS  0x40
#define ERR_TCPE   0x20
#define ERR_IPE    0x40

/* An IPv4 frame with TCP (proto 6) or UDP (17) and right checksums. */
static size_t make_ip_frame(uint8_t *f, size_t payload, unsigned proto)
{
    size_t len = make_tso_frame(f, payload);
    uint8_t *ip = f + 14;
    ip[9] = (uint8_t)proto;
    cc_st_be16(ip + 2, (uint16_t)(len - 14));
    if (proto == 17) {
        cc_st_be16(f + 34 + 4, (uint16_t)(len - 34));
    }
    assert_true(net_frame_fill_checksums(f, len, true, true));
    return len;
}

static void ip_header_checksum(uint8_t *f)
{
    cc_st_be16(f + 14 + 10, 0);
    cc_st_be16(f + 14 + 10, net_checksum_finish(net_checksum_add(0, f + 14, 20)));
}

static void rx_one(const uint8_t *f, size_t len, unsigned i, uint8_t *status, uint8_t *errors)
{
    uint16_t dlen, special;
    inject(f, len);
    assert_int_equal(rd(RDH), (i + 1) % 8);
    rx_desc(i, &dlen, status, errors, &special);
}

static void test_rx_checksum(void **state)
{
    rx_start(0x8000 | 1u << 26, 7);                  /* SECRC */
    uint8_t f[1514], status, errors;
    /* No offload asked: "ignore checksum indication". */
    size_t len = make_ip_frame(f, 200, 6);
    rx_one(f, len, 0, &status, &errors);
    assert_int_equal(status & (STAT_IXSM | STAT_IPCS | STAT_TCPCS), STAT_IXSM);
    assert_int_equal(errors, 0);
    /* Both offloads: a good TCP frame. */
    wr(RXCSUM, 3u << 8);
    rx_one(f, len, 1, &status, &errors);
    assert_int_equal(status & (STAT_IXSM | STAT_IPCS | STAT_TCPCS), STAT_IPCS | STAT_TCPCS);
    assert_int_equal(errors, 0);
    /* A payload byte changed: TCPE; the IP header still good. */
    f[100] ^= 0x55;
    rx_one(f, len, 2, &status, &errors);
    assert_int_equal(status & (STAT_IPCS | STAT_TCPCS), STAT_IPCS | STAT_TCPCS);
    assert_int_equal(errors, ERR_TCPE);
    /* A header byte changed (TTL): IPE (and TCP still right). */
    f[100] ^= 0x55;
    f[14 + 8] ^= 1;
    rx_one(f, len, 3, &status, &errors);
    assert_int_equal(errors, ERR_IPE);
    f[14 + 8] ^= 1;
    /* IPOFL only: no TCP indication. */
    wr(RXCSUM, 1u << 8);
    rx_one(f, len, 4, &status, &errors);
    assert_int_equal(status & (STAT_IPCS | STAT_TCPCS), STAT_IPCS);
    /* TUOFL only, UDP; and UDP without a checksum (0) is good. */
    wr(RXCSUM, 1u << 9);
    len = make_ip_frame(f, 100, 17);
    rx_one(f, len, 5, &status, &errors);
    assert_int_equal(status & (STAT_IPCS | STAT_TCPCS), STAT_TCPCS);
    assert_int_equal(errors, 0);
    cc_st_be16(f + 34 + 6, 0);
    rx_one(f, len, 6, &status, &errors);
    assert_int_equal(status & STAT_TCPCS, STAT_TCPCS);
    assert_int_equal(errors, 0);
    wr(RDT, 6);
    /* A fragment: the IP header checked, TCP not (it is not all here). */
    wr(RXCSUM, 3u << 8);
    len = make_ip_frame(f, 100, 6);
    f[14 + 6] = 0x20;                                /* MF */
    ip_header_checksum(f);
    rx_one(f, len, 7, &status, &errors);
    assert_int_equal(status & (STAT_IPCS | STAT_TCPCS), STAT_IPCS);
    assert_int_equal(errors, 0);
    /* Lying lengths: a total length past the frame, an IHL below 5, a
     * total length below the header: no indication, no error, nothing
     * read past. */
    static const struct { unsigned off; uint8_t v; } lies[] = {
        { 14 + 2, 0xff }, { 14 + 0, 0x41 }, { 14 + 3, 10 },
    };
    for (unsigned k = 0; k < G_N_ELEMENTS(lies); k++) {
        len = make_ip_frame(f, 100, 6);
        f[lies[k].off] = lies[k].v;
        rx_one(f, len, k, &status, &errors);
        assert_int_equal(status & (STAT_IPCS | STAT_TCPCS), 0);
        assert_int_equal(errors, 0);
    }
    /* A TCP header cut short (8 bytes): the IP header alone is checked. */
    len = make_ip_frame(f, 0, 6);
    cc_st_be16(f + 14 + 2, 20 + 8);
    ip_header_checksum(f);
    rx_one(f, len, 3, &status, &errors);
    assert_int_equal(status & (STAT_IPCS | STAT_TCPCS), STAT_IPCS);
    /* A VLAN tag left in the frame (CTRL.VME off): checked past it. */
    len = make_ip_frame(f, 100, 6);
    memmove(f + 16, f + 12, len - 12);
    f[12] = 0x81;
    f[13] = 0x00;
    f[14] = 0x00;
    f[15] = 0x05;
    rx_one(f, len + 4, 4, &status, &errors);
    assert_int_equal(status & (STAT_IPCS | STAT_TCPCS), STAT_IPCS | STAT_TCPCS);
    assert_int_equal(errors, 0);
}

/* An empty frame from the wire is dropped by the net layer: the card's 0
 * ("not now") for it would hold every frame behind it in the queue. */
static void test_empty_frame(void **state)
{
    rx_start(0x8000, 7);
    uint8_t f[100];
    inject(f, 0);
    inject(f, make_frame(f, 100, our_mac, 1));
    assert_int_equal(rd(RDH), 1);
    assert_int_equal(net_netdev_find("cap")->peer->queue.length, 0);
}

/* ---- query-rx-filter ---- */

static struct json_object *rx_filter(void)
{
    return harness_net_rx_filter("nic");
}

#define jstr harness_json_str
#define jbool harness_json_bool

static void test_query_rx_filter(void **state)
{
    struct json_object *o = rx_filter();
    assert_string_equal(jstr(o, "name"), "e1000.0");
    assert_string_equal(jstr(o, "main-mac"), "52:54:00:12:34:56");
    assert_false(jbool(o, "promiscuous"));
    assert_false(jbool(o, "broadcast-allowed"));
    assert_string_equal(jstr(o, "unicast"), "normal");
    assert_string_equal(jstr(o, "multicast"), "none");
    assert_string_equal(jstr(o, "vlan"), "all");
    assert_int_equal(json_object_array_length(json_object_object_get(o, "vlan-table")), 0);
    json_object_put(o);
    /* A driver's settings: BAM, one MTA bit, VLAN filter with ids 5 and
     * 100, a second unicast and a multicast receive address, a new main
     * address. */
    wr(RCTL, 0x8000 | 1u << 18);
    wr(MTA + 4 * 3, 0x10);
    wr(VFTA, 1u << 5);
    wr(VFTA + 4 * 3, 1u << 4);
    wr(RAL0, 0x44332211);
    wr(RAH0, 0x6655 | 1u << 31);
    wr(RAL0 + 8, 0x0300a002);
    wr(RAH0 + 8, 0x0504 | 1u << 31);
    wr(RAL0 + 16, 0x005e0001);
    wr(RAH0 + 16, 0x0100 | 1u << 31);
    o = rx_filter();
    assert_string_equal(jstr(o, "main-mac"), "11:22:33:44:55:66");
    assert_true(jbool(o, "broadcast-allowed"));
    assert_string_equal(jstr(o, "multicast"), "normal");
    assert_string_equal(jstr(o, "vlan"), "normal");
    struct json_object *v = json_object_object_get(o, "vlan-table");
    assert_int_equal(json_object_array_length(v), 2);
    assert_int_equal(json_object_get_int(json_object_array_get_idx(v, 0)), 100);
    assert_int_equal(json_object_get_int(json_object_array_get_idx(v, 1)), 5);
    struct json_object *u = json_object_object_get(o, "unicast-table");
    assert_int_equal(json_object_array_length(u), 1);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(u, 0)),
                        "02:a0:00:03:04:05");
    struct json_object *m = json_object_object_get(o, "multicast-table");
    assert_int_equal(json_object_array_length(m), 1);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(m, 0)),
                        "01:00:5e:00:00:01");
    json_object_put(o);
    /* Promiscuous both ways. */
    wr(RCTL, 0x18);
    o = rx_filter();
    assert_true(jbool(o, "promiscuous"));
    assert_string_equal(jstr(o, "unicast"), "all");
    assert_string_equal(jstr(o, "multicast"), "all");
    json_object_put(o);
    /* QEMU's errors for names that are no card, or no client. */
    Error *err = NULL;
    assert_null(net_query_rx_filter("cap", &err));
    assert_string_equal(error_get_pretty(err), "net client(cap) isn't a NIC");
    error_free(err);
    err = NULL;
    assert_null(net_query_rx_filter("nosuch", &err));
    assert_string_equal(error_get_pretty(err), "invalid net client name: nosuch");
    error_free(err);
}

int main(void)
{
    harness_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_identity, reset_card),
        cmocka_unit_test_setup(test_link, reset_card),
        cmocka_unit_test_setup(test_interrupts, reset_card),
        cmocka_unit_test_setup(test_rx_ring, reset_card),
        cmocka_unit_test_setup(test_rx_multi_buffer, reset_card),
        cmocka_unit_test_setup(test_rx_filters, reset_card),
        cmocka_unit_test_setup(test_tx_legacy, reset_card),
        cmocka_unit_test_setup(test_tx_tso, reset_card),
        cmocka_unit_test_setup(test_tx_hostile, reset_card),
        cmocka_unit_test_setup(test_rx_hostile, reset_card),
        cmocka_unit_test_setup(test_register_fuzz, reset_card),
        cmocka_unit_test_setup(test_rx_delays, reset_card),
        cmocka_unit_test_setup(test_tx_delays, reset_card),
        cmocka_unit_test_setup(test_delays_with_itr, reset_card),
        cmocka_unit_test_setup(test_rx_checksum, reset_card),
        cmocka_unit_test_setup(test_empty_frame, reset_card),
        cmocka_unit_test_setup(test_query_rx_filter, reset_card),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
