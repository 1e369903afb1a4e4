/*
 * Unit tests of the ne2000 plugin, driven through the ports as a driver
 * would: an ne2k_isa at 0x300 wired to a capture client (a hub between the
 * card's netdev and the test's client), and an ne2k_pci for its PCI
 * identity.  The PROM, the register pages, remote DMA in byte and word
 * mode, receive into the ring with its wrap and its flow control,
 * transmit, the address filters; and hostile register values: rings
 * inverted, empty or outside the RAM, pointers out of the ring, remote DMA
 * counts past the memory and addresses wrapping, transmit buffers past the
 * RAM.  None may crash, hang or write outside the card's memory.
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

#define IO       0x300
#define PCI_IO   0xc100
/* DP8390 registers (page 0 unless noted) */
#define CR       0x00
#define PSTART   0x01
#define PSTOP    0x02
#define BNRY     0x03
#define TPSR     0x04
#define TSR      0x04
#define TBCR0    0x05
#define TBCR1    0x06
#define ISR      0x07
#define RSAR0    0x08
#define RSAR1    0x09
#define RBCR0    0x0a
#define RBCR1    0x0b
#define RCR      0x0c
#define TCR      0x0d
#define DCR      0x0e
#define IMR      0x0f
#define CNTR2    0x0f
#define CURR     0x07           /* page 1 */
#define DATA     0x10
#define RESET    0x1f

#define RING_START 0x4c         /* as Linux's ne drivers: 12 TX pages first */
#define RING_STOP  0x80

static DeviceState *isa, *pci;
static IRQProbe *irq;
static const uint8_t our_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

/* ---- access helpers ---- */

static uint8_t in8(unsigned r) { return (uint8_t)cpu_inb(IO + r); }
static void out8(unsigned r, uint8_t v) { cpu_outb(IO + r, v); }

static void page(int n)
{
    out8(CR, (uint8_t)((in8(CR) & 0x3f) | n << 6));
}

/* Remote DMA: len bytes to/from the card's memory at addr. */
static void rdma_setup(uint16_t addr, uint16_t len, uint8_t cmd)
{
    page(0);
    out8(RBCR0, (uint8_t)len);
    out8(RBCR1, (uint8_t)(len >> 8));
    out8(RSAR0, (uint8_t)addr);
    out8(RSAR1, (uint8_t)(addr >> 8));
    out8(CR, (uint8_t)((in8(CR) & 0x03) | cmd));
}

/* DCR, which page 0 does not read back (page 2 does). */
static bool word_mode(void)
{
    page(2);
    bool wts = in8(DCR) & 1;
    page(0);
    return wts;
}

static void card_write(uint16_t addr, const uint8_t *buf, uint16_t len)
{
    bool words = word_mode();
    rdma_setup(addr, len, 0x10);
    if (words) {
        for (uint16_t i = 0; i < len; i += 2) {
            cpu_outw(IO + DATA, buf[i] | (i + 1 < len ? buf[i + 1] << 8 : 0));
        }
    } else {
        for (uint16_t i = 0; i < len; i++) {
            out8(DATA, buf[i]);
        }
    }
}

static void card_read(uint16_t addr, uint8_t *buf, uint16_t len)
{
    rdma_setup(addr, len, 0x08);
    for (uint16_t i = 0; i < len; i++) {
        buf[i] = in8(DATA);                  /* byte mode only */
    }
}

/* Short names for the harness's helpers (harness-net.h). */
#define inject harness_net_inject
#define make_frame harness_net_make_frame

/* The initialisation of Linux's 8390 core (NS8390_init), byte mode. */
static void nic_start(uint8_t rcr)
{
    out8(CR, 0x21);                          /* stop, abort DMA, page 0 */
    out8(DCR, 0x48);                         /* byte wide, FIFO 8 */
    out8(RBCR0, 0);
    out8(RBCR1, 0);
    out8(RCR, rcr);
    out8(TCR, 0x02);                         /* loopback while setting up */
    out8(TPSR, 0x40);
    out8(PSTART, RING_START);
    out8(BNRY, RING_START);
    out8(PSTOP, RING_STOP);
    out8(ISR, 0xff);
    out8(IMR, 0x7f);
    out8(CR, 0x61);                          /* page 1 */
    for (int i = 0; i < 6; i++) {
        out8(0x01 + i, our_mac[i]);
    }
    out8(CURR, RING_START + 1);
    out8(CR, 0x22);                          /* start, page 0 */
    out8(TCR, 0x00);
}

/* ---- setup ---- */

static int group_setup(void **state)
{
    harness_load_plugin("ne2000");
    harness_net_setup(0, 0);
    static const char *const isa_props[] = { "netdev=cap", "irq=-1", NULL };
    isa = harness_create("ne2k_isa", "nic", NULL, isa_props);
    irq = harness_probe_output(isa, "irq", 0);
    static const char *const pci_props[] = { "romfile=", "mac=52:54:00:00:00:99", NULL };
    pci = harness_create("ne2k_pci", "nicp", NULL, pci_props);
    return 0;
}

static int reset_card(void **state)
{
    device_cold_reset(isa);
    /* Frames a test left waiting reach the stopped card, which drops them. */
    net_client_receive_ready(net_netdev_find("cap")->peer);
    harness_net_reset();
    return 0;
}

/* ---- identity, PROM, reset ---- */

static void test_pci_identity(void **state)
{
    PCIDevice *d = PCI_DEVICE(pci);
    assert_int_equal(pci_config_read(d, PCI_VENDOR_ID, 4), 0x802910ec);
    assert_int_equal(pci_config_read(d, PCI_CLASS_DEVICE, 2), 0x0200);
    assert_int_equal(pci_config_read(d, PCI_INTERRUPT_PIN, 1), 1);
    /* BAR0: 256 bytes of I/O. */
    pci_config_write(d, PCI_BASE_ADDRESS_0, 0xffffffff, 4);
    assert_int_equal(pci_config_read(d, PCI_BASE_ADDRESS_0, 4), 0xffffff01);
    pci_config_write(d, PCI_BASE_ADDRESS_0, PCI_IO, 4);
    pci_config_write(d, PCI_COMMAND, PCI_COMMAND_IO, 2);
    /* The PROM through the BAR: the MAC, each byte twice. */
    cpu_outb(PCI_IO + RBCR0, 12);
    cpu_outb(PCI_IO + RBCR1, 0);
    cpu_outb(PCI_IO + RSAR0, 0);
    cpu_outb(PCI_IO + RSAR1, 0);
    cpu_outb(PCI_IO + CR, 0x0a);
    static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x99 };
    for (int i = 0; i < 12; i++) {
        assert_int_equal(cpu_inb(PCI_IO + DATA), mac[i / 2]);
    }
    /* Past the 32 decoded ports the window reads 0xFF. */
    assert_int_equal(cpu_inb(PCI_IO + 0x80), 0xff);
}

static void test_prom_and_reset(void **state)
{
    /* After a reset port read: stopped, ISR.RST. */
    out8(RESET, in8(RESET));
    assert_int_equal(in8(ISR) & 0x80, 0x80);
    assert_int_equal(in8(CR) & 0x01, 0x01);
    /* The RTL8029 ID bytes. */
    assert_int_equal(in8(0x0a), 0x50);
    assert_int_equal(in8(0x0b), 0x43);
    /* Byte-mode PROM read, as Linux's ne probes it: 32 bytes, doubled. */
    out8(DCR, 0x48);
    uint8_t prom[32];
    card_read(0, prom, 32);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(prom[2 * i], our_mac[i]);
        assert_int_equal(prom[2 * i + 1], our_mac[i]);
    }
    assert_int_equal(prom[28], 0x57);
    assert_int_equal(prom[31], 0x57);
    assert_true(in8(ISR) & 0x40);            /* RDC */
    /* Word mode: a byte read moves a word (ne2k-pci reads the MAC so). */
    out8(DCR, 0x49);
    rdma_setup(0, 12, 0x08);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(in8(DATA), our_mac[i]);
    }
    /* Nothing answers between the PROM and the RAM. */
    out8(DCR, 0x48);
    card_read(0x1000, prom, 4);
    assert_int_equal(prom[0], 0xff);
}

/* ---- remote DMA ---- */

static void test_remote_dma(void **state)
{
    nic_start(0x04);
    uint8_t buf[300], back[300];
    for (int i = 0; i < 300; i++) {
        buf[i] = (uint8_t)(i * 7 + 1);
    }
    /* Byte mode. */
    card_write(0x4100, buf, 300);
    assert_true(in8(ISR) & 0x40);
    assert_int_equal(irq->level, 1);         /* RDC is unmasked */
    out8(ISR, 0x40);
    assert_int_equal(irq->level, 0);
    card_read(0x4100, back, 300);
    assert_memory_equal(buf, back, 300);
    /* CRDA follows the transfer. */
    assert_int_equal(in8(0x08) | in8(0x09) << 8, 0x4100 + 300);
    /* Word mode, 16- and 32-bit accesses. */
    out8(DCR, 0x49);
    card_write(0x5000, buf, 300);
    rdma_setup(0x5000, 300, 0x08);
    for (int i = 0; i < 300; i += 4) {
        uint32_t v = cpu_inl(IO + DATA);
        for (int k = 0; k < 4 && i + k < 300; k++) {
            assert_int_equal((uint8_t)(v >> 8 * k), buf[i + k]);
        }
    }
    /* An odd address in word mode is aligned down. */
    rdma_setup(0x5001, 2, 0x08);
    assert_int_equal(cpu_inw(IO + DATA), buf[0] | buf[1] << 8);
    /* A count of 0: the remote DMA completes at once. */
    out8(ISR, 0xff);
    rdma_setup(0x5000, 0, 0x08);
    assert_true(in8(ISR) & 0x40);
    /* The remote DMA address wraps from PSTOP to PSTART. */
    out8(DCR, 0x48);
    uint8_t two[2] = { 0xaa, 0xbb };
    card_write(0x7fff, two, 2);
    card_read(0x7fff, back, 1);
    assert_int_equal(back[0], 0xaa);
    card_read(RING_START << 8, back, 1);
    assert_int_equal(back[0], 0xbb);
}

static void test_remote_dma_hostile(void **state)
{
    nic_start(0x04);
    /* A count past the whole memory from the top of the address space:
     * RSAR wraps at 0xFFFF, the PROM is not written, RAM outside the ring
     * is, and nothing else. */
    out8(PSTART, 0);                          /* no ring: no PSTOP wrap */
    out8(PSTOP, 0);
    rdma_setup(0xfff0, 0xffff, 0x10);
    for (int i = 0; i < 70000; i++) {
        out8(DATA, 0x5a);
    }
    uint8_t prom[2];
    card_read(0, prom, 2);
    assert_int_equal(prom[0], our_mac[0]);
    uint8_t ram[1];
    card_read(0x4000, ram, 1);
    assert_int_equal(ram[0], 0x5a);
    /* A read of the same length: ends, RDC raised once RBCR reaches 0. */
    out8(ISR, 0xff);
    rdma_setup(0x8000, 0xffff, 0x08);
    for (int i = 0; i < 0xffff; i++) {
        (void)in8(DATA);
    }
    assert_true(in8(ISR) & 0x40);
    /* Word accesses in word mode at 0xFFFE: wrap to 0. */
    out8(DCR, 0x49);
    rdma_setup(0xfffe, 4, 0x08);
    assert_int_equal(cpu_inw(IO + DATA), 0xffff);
    assert_int_equal(cpu_inw(IO + DATA), our_mac[0] | our_mac[0] << 8);
    /* Send packet with BNRY pointing outside the RAM: reads 0xFF. */
    out8(BNRY, 0x10);
    out8(CR, 0x1a);
    assert_int_equal(in8(DATA), 0xff);
}

/* ---- receive ---- */

/* Read the frame at the driver's read point (BNRY + 1), as Linux does,
 * handling the wrap; returns its length or -1 when the ring is empty. */
static int read_frame(uint8_t *out, uint8_t *status)
{
    page(1);
    uint8_t curr = in8(CURR);
    page(0);
    uint8_t this = (uint8_t)(in8(BNRY) + 1);
    if (this >= RING_STOP || this < RING_START) {
        this = RING_START;
    }
    if (this == curr) {
        return -1;
    }
    uint8_t hdr[4];
    card_read((uint16_t)(this << 8), hdr, 4);
    *status = hdr[0];
    int len = (hdr[2] | hdr[3] << 8) - 4;
    uint32_t start = (this << 8) + 4u, end = RING_STOP << 8;
    uint16_t first = (uint16_t)MIN((uint32_t)len, end - start);
    card_read((uint16_t)start, out, first);
    if (first < len) {
        card_read(RING_START << 8, out + first, (uint16_t)(len - first));
    }
    /* As Linux: next - 1 without wrapping (PSTART - 1 after the end). */
    out8(BNRY, (uint8_t)(hdr[1] - 1));
    return len;
}

static void test_rx_ring(void **state)
{
    nic_start(0x04);
    uint8_t f[1514], got[1600], st;
    /* 52 pages of ring, 1000-byte frames take 4 pages each: 12 fit
     * (one page stays free), the rest wait, unread frames are kept. */
    for (int i = 0; i < 20; i++) {
        inject(f, make_frame(f, 1000, our_mac, (uint8_t)i));
    }
    assert_true(in8(ISR) & 0x01);
    assert_int_equal(irq->level, 1);
    for (int i = 0; i < 20; i++) {
        int len = read_frame(got, &st);
        assert_int_equal(len, 1000);
        assert_int_equal(st & 0x01, 1);
        assert_int_equal(got[20], i);
        assert_memory_equal(got, our_mac, 6);
        harness_advance_ns(NET_ICOUNT_TICK_NS);
    }
    assert_int_equal(read_frame(got, &st), -1);
    assert_int_equal(net_netdev_find("cap")->peer->queue.length, 0);
    /* A runt is padded to 60 bytes. */
    inject(f, make_frame(f, 20, our_mac, 0x33));
    assert_int_equal(read_frame(got, &st), 60);
    assert_int_equal(got[19], 0x33);
    assert_int_equal(got[59], 0);
}

static void test_rx_full_prx_stays(void **state)
{
    nic_start(0x04);
    uint8_t f[1514];
    for (int i = 0; i < 16; i++) {
        inject(f, make_frame(f, 1500, our_mac, (uint8_t)i));
    }
    /* A frame waits: acknowledging PRX brings it back (frames are unread),
     * the line dropping first, so an edge-triggered IRQ fires again. */
    harness_probe_reset(irq);
    out8(ISR, 0x01);
    assert_true(in8(ISR) & 0x01);
    assert_false(in8(ISR) & 0x10);           /* no overwrite happened */
    assert_int_equal(irq->falling, 1);
    assert_int_equal(irq->level, 1);
    /* Read one frame (room now, the waiting frame comes in), acknowledge:
     * unread frames remain, PRX again; read them all: PRX stays clear. */
    uint8_t got[1600], st;
    assert_int_equal(read_frame(got, &st), 1500);
    out8(ISR, 0x01);
    assert_true(in8(ISR) & 0x01);
    for (int i = 1; i < 16; i++) {
        assert_int_equal(read_frame(got, &st), 1500);
        assert_int_equal(got[20], i);
    }
    assert_int_equal(read_frame(got, &st), -1);
    out8(ISR, 0xff);                         /* PRX and the reads' RDC */
    assert_false(in8(ISR) & 0x01);
    assert_int_equal(irq->level, 0);
}

static void test_rx_filters(void **state)
{
    static const uint8_t other[6] = { 0x52, 0x54, 0x00, 0x99, 0x99, 0x99 };
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
    uint8_t f[100], got[200], st;
    nic_start(0x00);                         /* physical only */
    inject(f, make_frame(f, 100, other, 1));
    inject(f, make_frame(f, 100, bcast, 2));
    inject(f, make_frame(f, 100, mcast, 3));
    assert_int_equal(read_frame(got, &st), -1);
    inject(f, make_frame(f, 100, our_mac, 4));
    assert_int_equal(read_frame(got, &st), 100);
    assert_int_equal(st & 0x20, 0);
    out8(RCR, 0x04);                         /* + broadcast */
    inject(f, make_frame(f, 100, bcast, 5));
    assert_int_equal(read_frame(got, &st), 100);
    assert_int_equal(st & 0x20, 0x20);       /* PHY: a group address */
    /* Multicast: the hash of 01:00:5e:00:00:01 is bit 0x1f, MAR3 bit 7
     * (the top six bits of its CRC, as Linux computes them). */
    out8(RCR, 0x08);
    inject(f, make_frame(f, 100, mcast, 6));
    assert_int_equal(read_frame(got, &st), -1);
    page(1);
    for (int i = 0; i < 8; i++) {
        out8(0x08 + i, i == 3 ? 0x80 : 0);
    }
    page(0);
    inject(f, make_frame(f, 100, mcast, 7));
    assert_int_equal(read_frame(got, &st), 100);
    assert_int_equal(got[20], 7);
    out8(RCR, 0x10);                         /* promiscuous */
    inject(f, make_frame(f, 100, other, 8));
    assert_int_equal(read_frame(got, &st), 100);
    /* Stopped: nothing is taken, nothing waits. */
    out8(CR, 0x21);
    inject(f, make_frame(f, 100, our_mac, 9));
    out8(CR, 0x22);
    assert_int_equal(read_frame(got, &st), -1);
}

static void test_rx_hostile(void **state)
{
    uint8_t f[1514], got[1600], st;
    static const uint8_t bad_rings[][4] = {
        /* PSTART, PSTOP, CURR, BNRY */
        { 0x60, 0x60, 0x60, 0x60 },          /* empty ring */
        { 0x70, 0x50, 0x60, 0x60 },          /* inverted */
        { 0x00, 0x20, 0x01, 0x00 },          /* below the RAM */
        { 0x60, 0xff, 0x61, 0x60 },          /* past the RAM */
        { 0x4c, 0x80, 0x90, 0x4c },          /* CURR outside the ring */
        { 0x4c, 0x80, 0x4d, 0x10 },          /* BNRY outside the ring */
        { 0x4c, 0x4e, 0x4c, 0x4c },          /* a ring smaller than the frame */
    };
    for (size_t r = 0; r < sizeof(bad_rings) / sizeof(bad_rings[0]); r++) {
        nic_start(0x04);
        out8(CR, 0x21);
        out8(PSTART, bad_rings[r][0]);
        out8(PSTOP, bad_rings[r][1]);
        out8(BNRY, bad_rings[r][3]);
        page(1);
        out8(CURR, bad_rings[r][2]);
        out8(CR, 0x22);
        (void)in8(CNTR2);
        out8(ISR, 0xff);
        inject(f, make_frame(f, 1000, our_mac, (uint8_t)r));
        /* Missed, not stored, nothing waiting. */
        assert_true(in8(ISR) & 0x10);
        assert_int_equal(in8(CNTR2), 1);
        assert_int_equal(net_netdev_find("cap")->peer->queue.length, 0);
    }
    /* Frames too long for any buffer, and too short for an address. */
    nic_start(0x14);
    inject(f, make_frame(f, 1514, our_mac, 1));
    static uint8_t big[9000];
    memcpy(big, our_mac, 6);
    inject(big, sizeof(big));
    inject(f, 3);
    assert_int_equal(read_frame(got, &st), 1514);
    assert_int_equal(read_frame(got, &st), -1);
}

/* ---- transmit ---- */

static void test_tx(void **state)
{
    nic_start(0x04);
    uint8_t f[1514];
    static const uint8_t dest[6] = { 0x02, 0, 0, 0, 0, 1 };
    card_write(0x4000, f, (uint16_t)make_frame(f, 200, dest, 0x42));
    out8(TBCR0, 200);
    out8(TBCR1, 0);
    out8(TPSR, 0x40);
    out8(ISR, 0xff);
    out8(CR, 0x26);
    assert_int_equal(net_nframes, 1);
    assert_int_equal(net_frames[0].len, 200);
    assert_int_equal(net_frames[0].data[100], 0x42);
    assert_int_equal(in8(ISR) & 0x0a, 0x02);  /* PTX */
    assert_int_equal(in8(TSR) & 0x01, 0x01);
    assert_int_equal(in8(CR) & 0x04, 0);      /* TXP done */
    /* A buffer past the RAM, one in the PROM, an empty one: aborted. */
    static const uint8_t bad[][3] = { { 0x7f, 0x00, 0x02 }, { 0x00, 60, 0 }, { 0x40, 0, 0 },
                                      { 0xff, 0xff, 0xff } };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        out8(TPSR, bad[i][0]);
        out8(TBCR0, bad[i][1]);
        out8(TBCR1, bad[i][2]);
        out8(ISR, 0xff);
        out8(CR, 0x26);
        assert_int_equal(in8(ISR) & 0x0a, 0x08);   /* TXE */
        assert_int_equal(in8(TSR) & 0x08, 0x08);   /* ABT */
    }
    assert_int_equal(net_nframes, 1);
    /* Stopped: TXP does nothing. */
    out8(TPSR, 0x40);
    out8(TBCR0, 200);
    out8(CR, 0x21);
    out8(CR, 0x25);
    assert_int_equal(net_nframes, 1);
    /* Loopback: the frame comes back to our own ring, not the wire. */
    nic_start(0x04);
    card_write(0x4000, f, (uint16_t)make_frame(f, 100, our_mac, 0x77));
    out8(TCR, 0x02);
    out8(TBCR0, 100);
    out8(TBCR1, 0);
    out8(CR, 0x26);
    assert_int_equal(net_nframes, 1);
    uint8_t got[200], st;
    assert_int_equal(read_frame(got, &st), 100);
    assert_int_equal(got[50], 0x77);
}

/* Random writes to every port, frames now and then: no crash, no hang. */
static void test_register_fuzz(void **state)
{
    uint32_t x = 0x2545f491;
    uint8_t f[1514];
    for (int i = 0; i < 300000; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        unsigned off = x & 0x1f, size = 1u << ((x >> 8) % 3);
        uint16_t port = (uint16_t)(IO + (off & ~(size - 1)));
        if (x & 0x100000) {
            if (size == 1) {
                cpu_outb(port, x >> 3);
            } else if (size == 2) {
                cpu_outw(port, x >> 3);
            } else {
                cpu_outl(port, x >> 3);
            }
        } else {
            size == 1 ? cpu_inb(port) : size == 2 ? cpu_inw(port) : cpu_inl(port);
        }
        if ((i & 1023) == 0) {
            inject(f, make_frame(f, 60 + (x % 1400), our_mac, (uint8_t)i));
        }
    }
}

/* ---- query-rx-filter ---- */

static void test_query_rx_filter(void **state)
{
    /* Reset: RCR 0, PAR still the address the PROM gave (QEMU's reset
     * keeps it; drivers copy the PROM there anyway). */
    nic_start(0x00);
    struct json_object *o = harness_net_rx_filter("nic");
    assert_string_equal(harness_json_str(o, "name"), "ne2k_isa.0");
    assert_string_equal(harness_json_str(o, "main-mac"), "52:54:00:12:34:56");
    assert_false(harness_json_bool(o, "promiscuous"));
    assert_false(harness_json_bool(o, "broadcast-allowed"));
    assert_string_equal(harness_json_str(o, "unicast"), "normal");
    assert_string_equal(harness_json_str(o, "multicast"), "none");
    assert_string_equal(harness_json_str(o, "vlan"), "all");
    json_object_put(o);
    /* AB and AM with one MAR bit. */
    out8(RCR, 0x0c);
    page(1);
    out8(0x08 + 2, 0x80);
    page(0);
    o = harness_net_rx_filter("nic");
    assert_true(harness_json_bool(o, "broadcast-allowed"));
    assert_string_equal(harness_json_str(o, "multicast"), "normal");
    json_object_put(o);
    /* PRO takes everything. */
    out8(RCR, 0x10);
    o = harness_net_rx_filter("nic");
    assert_true(harness_json_bool(o, "promiscuous"));
    assert_true(harness_json_bool(o, "broadcast-allowed"));
    assert_string_equal(harness_json_str(o, "unicast"), "all");
    assert_string_equal(harness_json_str(o, "multicast"), "all");
    json_object_put(o);
    /* The PCI card answers under its own name. */
    o = harness_net_rx_filter("nicp");
    assert_string_equal(harness_json_str(o, "name"), "ne2k_pci.0");
    json_object_put(o);
}

int main(void)
{
    harness_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_pci_identity, reset_card),
        cmocka_unit_test_setup(test_prom_and_reset, reset_card),
        cmocka_unit_test_setup(test_remote_dma, reset_card),
        cmocka_unit_test_setup(test_remote_dma_hostile, reset_card),
        cmocka_unit_test_setup(test_rx_ring, reset_card),
        cmocka_unit_test_setup(test_rx_full_prx_stays, reset_card),
        cmocka_unit_test_setup(test_rx_filters, reset_card),
        cmocka_unit_test_setup(test_rx_hostile, reset_card),
        cmocka_unit_test_setup(test_tx, reset_card),
        cmocka_unit_test_setup(test_register_fuzz, reset_card),
        cmocka_unit_test_setup(test_query_rx_filter, reset_card),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
