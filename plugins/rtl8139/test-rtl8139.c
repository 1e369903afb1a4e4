/*
 * Unit tests of the rtl8139 card, driven as a driver would through its
 * memory BAR, with a capture netdev on the other end (a hub between the
 * card's netdev and the test's client): the EEPROM, C-mode receive and
 * transmit, C+ rings, checksum offload and large send; and hostile
 * input: descriptors with lengths past every buffer, rings and buffers in
 * the card's own registers, rings without an end, headers whose lengths
 * lie.  None may crash, hang or write outside what the guest gave.
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
#define MMIO     0xfebf0000u
#define RX_RING  (RAM_BASE + 0x10000u)   /* C mode: 8K + 16 (+ wrap room) */
#define TXBUF    (RAM_BASE + 0x20000u)
#define CP_TXR   (RAM_BASE + 0x30000u)   /* C+ TX descriptor ring */
#define CP_RXR   (RAM_BASE + 0x31000u)   /* C+ RX descriptor ring */
#define CP_RXB   (RAM_BASE + 0x32000u)   /* C+ RX buffers, 2 KiB each */
#define CP_TXB   (RAM_BASE + 0x40000u)   /* C+ TX buffers */

static DeviceState *dev;
static const uint8_t our_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

/* ---- access helpers ---- */

static uint32_t rd(unsigned off, unsigned size)
{
    return (uint32_t)address_space_ld(address_space_memory(), MMIO + off, size, NULL);
}

static void wr(unsigned off, uint32_t v, unsigned size)
{
    address_space_st(address_space_memory(), MMIO + off, v, size, NULL);
}

static void mem_write(uint64_t a, const void *buf, size_t len)
{
    address_space_write(address_space_memory(), a, buf, len);
}

static void mem_read(uint64_t a, void *buf, size_t len)
{
    address_space_read(address_space_memory(), a, buf, len);
}

static void put_desc(uint64_t at, uint32_t opts1, uint32_t opts2, uint64_t addr)
{
    uint8_t d[16];
    cc_st_le32(d, opts1);
    cc_st_le32(d + 4, opts2);
    cc_st_le64(d + 8, addr);
    mem_write(at, d, sizeof(d));
}

static uint32_t desc_opts1(uint64_t at)
{
    uint8_t d[4];
    mem_read(at, d, 4);
    return cc_ld_le32(d);
}

#define inject harness_net_inject                /* harness-net.h */

/* An Ethernet frame to the card's default MAC, len bytes in all. */
static size_t make_frame(uint8_t *f, size_t len, uint8_t fill)
{
    return harness_net_make_frame(f, len, our_mac, fill);
}

/* ---- setup ---- */

/* No option ROM: the harness searches no firmware directories. */
static const char *const props[] = { "netdev=cap", "romfile=", NULL };

static int group_setup(void **state)
{
    harness_load_plugin("rtl8139");
    harness_net_setup(RAM_BASE, RAM_SIZE);
    dev = harness_create("rtl8139", "nic", NULL, props);
    return 0;
}

static int reset_card(void **state)
{
    device_cold_reset(dev);
    PCIDevice *pci = PCI_DEVICE(dev);
    pci_config_write(pci, PCI_BASE_ADDRESS_0 + 4, MMIO, 4);
    pci_config_write(pci, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
    harness_net_reset();
    return 0;
}

/* ---- identity, EEPROM, MII ---- */

/* Read EEPROM word addr by bit-banging 9346CR as 8139too/8139cp do. */
static uint16_t eeprom_read(unsigned addr)
{
    const unsigned enb = 0x80 | 0x08;
    unsigned cmd = addr | (6u << 6);                 /* start bit, READ, 6-bit address */
    wr(0x50, 0x80, 1);
    wr(0x50, enb, 1);
    for (int i = 8; i >= 0; i--) {
        unsigned di = (cmd >> i) & 1 ? 0x02 : 0;
        wr(0x50, enb | di, 1);
        wr(0x50, enb | di | 0x04, 1);
    }
    wr(0x50, enb, 1);
    uint16_t v = 0;
    for (int i = 0; i < 16; i++) {
        wr(0x50, enb | 0x04, 1);
        v = (uint16_t)(v << 1 | (rd(0x50, 1) & 1));
        wr(0x50, enb, 1);
    }
    wr(0x50, 0, 1);
    return v;
}

static void test_identity(void **state)
{
    PCIDevice *pci = PCI_DEVICE(dev);
    assert_int_equal(pci_config_read(pci, PCI_VENDOR_ID, 4), 0x813910ec);
    assert_int_equal(pci_config_read(pci, PCI_REVISION_ID, 1), 0x20);
    assert_int_equal(rd(0x00, 4), 0x12005452);
    assert_int_equal(rd(0x04, 2), 0x5634);
    assert_int_equal(eeprom_read(0), 0x8129);
    assert_int_equal(eeprom_read(7), 0x5452);
    assert_int_equal(eeprom_read(8), 0x1200);
    assert_int_equal(eeprom_read(9), 0x5634);
    /* The link is up: BMSR link status, MSR LINKB clear. */
    assert_true(rd(0x64, 2) & 0x0004);
    assert_false(rd(0x58, 1) & 0x04);
    /* set_link off reaches the card: link change interrupt, BMSR. */
    assert_true(net_set_link("cap", false, &error_abort));
    assert_false(rd(0x64, 2) & 0x0004);
    assert_true(rd(0x3e, 2) & 0x0020);
    assert_true(net_set_link("cap", true, &error_abort));
    assert_true(rd(0x64, 2) & 0x0004);
    /* 0xda-0xdf are reserved on the 8139C+: a write to the 8169's RMS
     * there does not read back (iPXE's realtek driver tells the chips
     * apart by it), while the C+ command register keeps its bits. */
    wr(0xda, 0x1000, 2);
    assert_int_equal(rd(0xda, 2), 0);
    wr(0xe0, 0x0003, 2);
    assert_int_equal(rd(0xe0, 2), 0x0003);
    wr(0xe0, 0, 2);
}

/* ---- C mode ---- */

static void c_mode_start(uint32_t rcr)
{
    wr(0x37, 0x10, 1);                               /* reset */
    wr(0x30, RX_RING, 4);
    wr(0x44, rcr, 4);
    wr(0x3c, 0xffff, 2);
    wr(0x37, 0x0c, 1);                               /* RX and TX on */
}

static void test_c_mode_rx_ring(void **state)
{
    c_mode_start(0x0f);                              /* 8K ring, no WRAP, all modes */
    assert_true(rd(0x37, 1) & 0x01);                 /* empty */
    uint8_t f[1514];
    /* Fill the ring: 1000-byte frames take 1008 bytes each; the ninth
     * does not fit in 8K and must wait, not be lost. */
    for (int i = 0; i < 10; i++) {
        inject(f, make_frame(f, 1000, (uint8_t)i));
    }
    assert_false(rd(0x37, 1) & 0x01);
    assert_true(rd(0x3e, 2) & 0x0001);               /* ROK */
    /* The driver reads them in order; each header says ROK and length. */
    uint32_t cur = 0;
    for (int i = 0; i < 10; i++) {
        assert_false(rd(0x37, 1) & 0x01);
        uint8_t hdr[4], data[1004];
        uint32_t off = cur % 8192;
        mem_read(RX_RING + off, hdr, 4);
        assert_int_equal(hdr[0] & 1, 1);
        assert_int_equal(cc_ld_le16(hdr + 2), 1004);
        /* A frame that reached the end continued at the start. */
        uint32_t first = MIN(1004u, 8192 - (off + 4) % 8192);
        mem_read(RX_RING + (off + 4) % 8192, data, first);
        mem_read(RX_RING, data + first, 1004 - first);
        assert_int_equal(data[20], i);
        cur = (cur + 1004 + 4 + 3) & ~3u;
        wr(0x38, (uint16_t)(cur - 16), 2);           /* CAPR */
    }
    assert_true(rd(0x37, 1) & 0x01);
    /* Nothing waits any more in the card's queue. */
    assert_int_equal(net_netdev_find("cap")->peer->queue.length, 0);
}

static void test_c_mode_tx(void **state)
{
    c_mode_start(0x0f);
    uint8_t f[100];
    mem_write(TXBUF, f, make_frame(f, 100, 0xaa));
    wr(0x20, TXBUF, 4);
    wr(0x10, 100, 4);                                /* OWN clear: send */
    assert_int_equal(net_nframes, 1);
    assert_int_equal(net_frames[0].len, 100);
    assert_int_equal(rd(0x10, 4) & 0xa000, 0xa000); /* OWN and TOK */
    /* A size past the 1792 bytes a slot moves: aborted, nothing sent. */
    wr(0x24, TXBUF, 4);
    wr(0x14, 0x1fff, 4);
    assert_int_equal(net_nframes, 1);
    assert_true(rd(0x14, 4) & 0x40000000);
    /* A buffer in the card's own registers: refused, no recursion. */
    wr(0x28, MMIO, 4);
    wr(0x18, 64, 4);
    assert_int_equal(net_nframes, 1);
    assert_true(rd(0x3e, 2) & 0x0008);               /* TER */
}

/* ---- C+ mode ---- */

static void cplus_start(void)
{
    wr(0x37, 0x10, 1);
    wr(0xe0, 0x0003, 2);                             /* C+ RX and TX */
    wr(0x20, CP_TXR, 4);
    wr(0x24, 0, 4);
    wr(0xe4, CP_RXR, 4);
    wr(0xe8, 0, 4);
    wr(0x44, 0x0f, 4);
    wr(0x37, 0x0c, 1);
    wr(0x3c, 0xffff, 2);
}

static void test_cplus_rx(void **state)
{
    cplus_start();
    for (int i = 0; i < 4; i++) {
        put_desc(CP_RXR + 16 * i, 0x80000000u | (i == 3 ? 0x40000000u : 0) | 1536, 0,
                 CP_RXB + 2048 * i);
    }
    uint8_t f[1514];
    for (int i = 0; i < 6; i++) {
        inject(f, make_frame(f, 600, (uint8_t)(0x10 + i)));
    }
    /* Four taken, two wait for descriptors (RDU raised). */
    for (int i = 0; i < 4; i++) {
        uint32_t o = desc_opts1(CP_RXR + 16 * i);
        assert_false(o & 0x80000000u);
        assert_int_equal(o & 0x1fff, 604);
        assert_int_equal(o & 0x30000000u, 0x30000000u);
    }
    assert_true(rd(0x3e, 2) & 0x0010);
    /* The driver refills and unmasks: the waiting frames arrive. */
    put_desc(CP_RXR, 0x80000000u | 1536, 0, CP_RXB);
    put_desc(CP_RXR + 16, 0x80000000u | 1536, 0, CP_RXB + 2048);
    wr(0x3c, 0xffff, 2);
    harness_advance_ns(NET_ICOUNT_TICK_NS);
    uint8_t got[32];
    mem_read(CP_RXB + 2048 + 20, got, 1);
    assert_int_equal(got[0], 0x15);
    /* A frame larger than the buffer: error bit, nothing written past it. */
    put_desc(CP_RXR + 32, 0x80000000u | 100, 0, CP_RXB + 4096);
    uint8_t canary = 0x5a;
    mem_write(CP_RXB + 4096 + 100, &canary, 1);
    inject(f, make_frame(f, 1000, 0x77));
    assert_true(desc_opts1(CP_RXR + 32) & 0x00100000u);
    mem_read(CP_RXB + 4096 + 100, got, 1);
    assert_int_equal(got[0], 0x5a);
}

static void test_cplus_tx_checksum(void **state)
{
    cplus_start();
    /* A UDP/IPv4 frame with zeroed checksums; IPCS and UDPCS asked. */
    uint8_t f[60];
    make_frame(f, 60, 0);
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    ip[3] = 46;                                      /* 20 + 8 + 18 */
    ip[8] = 64;
    ip[9] = 17;
    memcpy(ip + 12, "\x0a\x00\x02\x0f\x0a\x00\x02\x02", 8);
    ip[20 + 1] = 7;
    ip[20 + 3] = 9;
    ip[20 + 5] = 26;
    mem_write(CP_TXB, f, 60);
    put_desc(CP_TXR, 0xf0000000u | 0x00060000u | 60, 0, CP_TXB);
    wr(0xd9, 0x40, 1);
    assert_int_equal(net_nframes, 1);
    const uint8_t *o = net_frames[0].data + 14;
    /* A checksum over a header holding its right checksum is 0. */
    assert_int_equal(net_checksum_finish(net_checksum_add(0, o, 20)), 0);
    assert_int_not_equal(cc_ld_le16(o + 26), 0);
    assert_false(desc_opts1(CP_TXR) & 0x80000000u);
    /* The same with a total length that lies (past the frame): sent as it is. */
    ip[3] = 200;
    mem_write(CP_TXB, f, 60);
    put_desc(CP_TXR, 0xf0000000u | 0x00060000u | 60, 0, CP_TXB);  /* EOR: index 0 again */
    wr(0xd9, 0x40, 1);
    assert_int_equal(net_nframes, 2);
    assert_int_equal(net_frames[1].data[14 + 10], 0);
}

/* An IPv4/TCP frame with payload bytes of data. */
static size_t make_tcp(uint8_t *f, size_t payload, unsigned ihl_words, unsigned doff_words)
{
    size_t len = 14 + 20 + 20 + payload;
    make_frame(f, len, 0);
    uint8_t *ip = f + 14, *t = f + 34;
    ip[0] = (uint8_t)(0x40 | ihl_words);
    ip[2] = (uint8_t)((len - 14) >> 8);
    ip[3] = (uint8_t)(len - 14);
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, "\x0a\x00\x02\x0f\x0a\x00\x02\x02", 8);
    t[0] = 0x30;
    t[3] = 80;
    t[7] = 1;                                        /* seq 1 */
    t[12] = (uint8_t)(doff_words << 4);
    t[13] = 0x18;                                    /* PSH ACK */
    for (size_t i = 0; i < payload; i++) {
        f[54 + i] = (uint8_t)i;
    }
    return len;
}

/* Receive one frame into descriptor 0 (EOR) and return its status. */
static uint32_t rx_one(const uint8_t *f, size_t len)
{
    put_desc(CP_RXR, 0x80000000u | 0x40000000u | 1536, 0, CP_RXB);
    wr(0xe4, CP_RXR, 4);
    inject(f, len);
    uint32_t o = desc_opts1(CP_RXR);
    assert_false(o & 0x80000000u);
    return o;
}

/* C+ receive checksum offload (CPCR bit 5): the protocol in bits 17:16
 * (1 TCP, 2 UDP, 3 IP) and the failure bits IPF 15, UDPF 14, TCPF 13,
 * as Linux's 8139cp reads them. */
static void test_cplus_rx_checksum(void **state)
{
    cplus_start();
    uint8_t f[200];
    size_t len = make_tcp(f, 40, 5, 5);
    assert_true(net_frame_fill_checksums(f, len, true, true));
    /* Off: no indication. */
    assert_int_equal(rx_one(f, len) & 0x3e000u, 0);
    wr(0xe0, 0x0023, 2);
    assert_int_equal(rx_one(f, len) & 0x3e000u, 1u << 16);
    f[60] ^= 0x55;                                   /* payload damaged */
    assert_int_equal(rx_one(f, len) & 0x3e000u, 1u << 16 | 0x2000u);
    f[60] ^= 0x55;
    f[14 + 8] ^= 1;                                  /* TTL: the IP header's sum is wrong */
    assert_int_equal(rx_one(f, len) & 0x3e000u, 1u << 16 | 0x8000u);
    f[14 + 8] ^= 1;
    /* UDP: protocol 2; a zero checksum is "none sent", good. */
    f[14 + 9] = 17;
    f[34 + 4] = 0;
    f[34 + 5] = (uint8_t)(len - 34);
    assert_true(net_frame_fill_checksums(f, len, true, true));
    assert_int_equal(rx_one(f, len) & 0x3e000u, 2u << 16);
    f[34 + 6] = f[34 + 7] = 0;
    f[60] ^= 0x55;
    assert_int_equal(rx_one(f, len) & 0x3e000u, 2u << 16);
    /* A fragment: only the IP header is checked (protocol 3). */
    f[14 + 6] = 0x20;                                /* MF */
    assert_true(net_frame_fill_checksums(f, len, true, false));
    assert_int_equal(rx_one(f, len) & 0x3e000u, 3u << 16);
    /* Lengths that lie (past the frame, or a header under 20 bytes) and
     * frames that are not IPv4: nothing is claimed. */
    f[14 + 2] = 0x7f;
    assert_int_equal(rx_one(f, len) & 0x3e000u, 0);
    f[14 + 2] = 0;
    f[14] = 0x44;
    assert_int_equal(rx_one(f, len) & 0x3e000u, 0);
    f[14] = 0x45;
    f[12] = 0x86;
    f[13] = 0xdd;
    assert_int_equal(rx_one(f, len) & 0x3e000u, 0);
    assert_int_equal(rx_one(f, 20) & 0x3e000u, 0);   /* a runt */
}

/* One descriptor (FS, LS, EOR) asking for large send with mss. */
static void send_large(const uint8_t *f, size_t len, unsigned mss)
{
    mem_write(CP_TXB, f, len);
    put_desc(CP_TXR, 0xf8000000u | 0x40000000u | (mss << 16) | (uint32_t)len, 0, CP_TXB);
    wr(0x20, CP_TXR, 4);                             /* back to descriptor 0 */
    wr(0xd9, 0x40, 1);
}

static void test_cplus_tso(void **state)
{
    static uint8_t f[8192];
    cplus_start();
    size_t len = make_tcp(f, 3000, 5, 5);
    send_large(f, len, 1000);
    assert_int_equal(net_nframes, 3);
    for (int i = 0; i < 3; i++) {
        const uint8_t *ip = net_frames[i].data + 14, *t = ip + 20;
        assert_int_equal(net_frames[i].len, 54 + 1000);
        assert_int_equal(ip[2] << 8 | ip[3], 1040);
        assert_int_equal(t[7], 1 + 1000 * i - (1000 * i / 256) * 256);
        assert_int_equal(net_checksum_finish(net_checksum_add(0, ip, 20)), 0);
        /* PSH only on the last segment. */
        assert_int_equal(t[13] & 0x08, i == 2 ? 0x08 : 0);
        assert_int_equal(t[20], (uint8_t)(1000 * i));
    }
    /* The descriptor comes back with its status, not the LGSEN/MSS bits
     * the driver wrote over the same bits: MSS 1000 has bit 23, TES, which
     * Linux's 8139cp would count as a failed frame. */
    uint32_t o = desc_opts1(CP_TXR);
    assert_int_equal(o & 0xfbff0000u, 0x70000000u);  /* EOR FS LS; no OWN, no status */
    assert_int_equal(o & 0xffffu, len);
    /* Lies: IHL past the frame, a TCP data offset past it, MSS 0. */
    net_nframes = 0;
    len = make_tcp(f, 10, 15, 5);
    f[14] = 0x4f;
    send_large(f, 60, 100);
    len = make_tcp(f, 10, 5, 15);
    send_large(f, 14 + 20 + 20, 100);
    len = make_tcp(f, 3000, 5, 5);
    send_large(f, len, 0);
    assert_int_equal(net_nframes, 0);
    assert_true(rd(0x3e, 2) & 0x0008);               /* TER */
    assert_true(desc_opts1(CP_TXR) & 0x00800000u);   /* and TES in its status */
}

static void test_cplus_hostile(void **state)
{
    cplus_start();
    /* A ring of owned descriptors without an end: one pass stops after
     * the ring's maximum, each fragment 0xffff bytes: the gathered frame
     * would pass 64 KiB: dropped with TER. */
    for (int i = 0; i < 64; i++) {
        put_desc(CP_TXR + 16 * i, 0x80000000u | (i == 0 ? 0x20000000u : 0) | 0xffff, 0,
                 RAM_BASE);
    }
    wr(0xd9, 0x40, 1);
    assert_int_equal(net_nframes, 0);
    /* The TX ring in the card's own registers: DMA refused, SERR. */
    wr(0x37, 0x10, 1);
    cplus_start();
    wr(0x20, MMIO, 4);
    wr(0xd9, 0x40, 1);
    assert_true(rd(0x3e, 2) & 0x8000);
    /* A descriptor whose buffer is the card's registers. */
    cplus_start();
    put_desc(CP_TXR, 0xf0000000u | 0x40000000u | 64, 0, MMIO);
    wr(0xd9, 0x40, 1);
    assert_int_equal(net_nframes, 0);
    /* The RX ring in the card's registers: the frame is dropped. */
    cplus_start();
    wr(0xe4, MMIO, 4);
    uint8_t f[100];
    inject(f, make_frame(f, 100, 1));
    /* A ring address past 4 GiB where nothing is. */
    wr(0xe8, 0xffffffff, 4);
    inject(f, make_frame(f, 100, 2));
    /* Bus mastering off: nothing moves. */
    cplus_start();
    pci_config_write(PCI_DEVICE(dev), PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    put_desc(CP_TXR, 0xf0000000u | 64, 0, CP_TXB);
    wr(0xd9, 0x40, 1);
    assert_int_equal(net_nframes, 0);
}

/* Random writes to every register, then frames both ways: no crash. */
static void test_register_fuzz(void **state)
{
    uint32_t x = 0x2545f491;
    uint8_t f[1514];
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        unsigned off = x & 0xff, size = 1u << ((x >> 8) % 3);
        if (x & 0x100000) {
            wr(off & ~(size - 1), x >> 3, size);
        } else {
            rd(off & ~(size - 1), size);
        }
        if ((i & 1023) == 0) {
            inject(f, make_frame(f, 60 + (x % 1400), (uint8_t)i));
        }
    }
}

/* ---- query-rx-filter ---- */

static void test_query_rx_filter(void **state)
{
    struct json_object *o = harness_net_rx_filter("nic");
    assert_string_equal(harness_json_str(o, "name"), "rtl8139.0");
    assert_string_equal(harness_json_str(o, "main-mac"), "52:54:00:12:34:56");
    assert_false(harness_json_bool(o, "promiscuous"));
    assert_false(harness_json_bool(o, "broadcast-allowed"));
    assert_string_equal(harness_json_str(o, "unicast"), "none");
    assert_string_equal(harness_json_str(o, "multicast"), "none");
    assert_string_equal(harness_json_str(o, "vlan"), "all");
    json_object_put(o);
    /* As 8139too sets it up: APM, AB, AM with one MAR bit; a new IDR. */
    wr(0x44, 0x0e, 4);
    wr(0x09, 0x40, 1);
    wr(0x00, 0x44332211, 4);
    wr(0x04, 0x6655, 2);
    o = harness_net_rx_filter("nic");
    assert_string_equal(harness_json_str(o, "main-mac"), "11:22:33:44:55:66");
    assert_true(harness_json_bool(o, "broadcast-allowed"));
    assert_string_equal(harness_json_str(o, "unicast"), "normal");
    assert_string_equal(harness_json_str(o, "multicast"), "normal");
    json_object_put(o);
    /* IFF_PROMISC: AAP and every MAR bit. */
    wr(0x44, 0x0f, 4);
    wr(0x08, 0xffffffff, 4);
    wr(0x0c, 0xffffffff, 4);
    o = harness_net_rx_filter("nic");
    assert_true(harness_json_bool(o, "promiscuous"));
    assert_string_equal(harness_json_str(o, "unicast"), "all");
    assert_string_equal(harness_json_str(o, "multicast"), "all");
    json_object_put(o);
}

int main(void)
{
    harness_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_identity, reset_card),
        cmocka_unit_test_setup(test_c_mode_rx_ring, reset_card),
        cmocka_unit_test_setup(test_c_mode_tx, reset_card),
        cmocka_unit_test_setup(test_cplus_rx, reset_card),
        cmocka_unit_test_setup(test_cplus_tx_checksum, reset_card),
        cmocka_unit_test_setup(test_cplus_rx_checksum, reset_card),
        cmocka_unit_test_setup(test_cplus_tso, reset_card),
        cmocka_unit_test_setup(test_cplus_hostile, reset_card),
        cmocka_unit_test_setup(test_register_fuzz, reset_card),
        cmocka_unit_test_setup(test_query_rx_filter, reset_card),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
