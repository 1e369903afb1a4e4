/*
 * The DP8390 NIC core of the NE2000 (National Semiconductor DP8390D
 * datasheet; the NE2000's ASIC around it: PROM, buffer RAM, data and
 * reset ports).
 *
 * Every register value comes from the guest and is checked where it is
 * used: the receive ring is used only when PSTART < PSTOP lie inside the
 * buffer RAM and CURR and BNRY inside the ring; remote DMA and transmit
 * touch only the PROM and the RAM, byte by byte or with checked bounds,
 * whatever RSAR, RBCR, TPSR and TBCR say.  No loop runs longer than the
 * frame it copies.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "ne2000.h"

/* The RTL8029AS's ID bytes at page 0 offsets 0x0A/0x0B ('P', 'C'; RTL8029AS
 * datasheet, "8029ID0/1"); QEMU answers them on both card types. */
#define RTL8029_ID0 0x50
#define RTL8029_ID1 0x43
/* The NE2000 PROM's word-mode signature (bytes 14 and 15 of the 16-byte
 * image, 'W'), by which NE2000 drivers tell it from an NE1000. */
#define NE2K_PROM_SIG 0x57

/* ---- interrupts ---- */

static void update_irq(NE2000State *s)
{
    s->set_irq(s->irq_opaque, (s->isr & s->imr & ISR_INTS) != 0);
}

static void raise_isr(NE2000State *s, uint8_t bits)
{
    s->isr |= bits;
    update_irq(s);
}

/* ---- local memory: PROM and buffer RAM; nothing else answers ---- */

static uint8_t mem_readb(NE2000State *s, uint32_t a)
{
    if (a < NE2K_PROM_SIZE) {
        return s->prom[a];
    }
    if (a >= NE2K_RAM_START && a < NE2K_RAM_END) {
        return s->ram[a - NE2K_RAM_START];
    }
    return 0xff;
}

static void mem_writeb(NE2000State *s, uint32_t a, uint8_t v)
{
    if (a >= NE2K_RAM_START && a < NE2K_RAM_END) {
        s->ram[a - NE2K_RAM_START] = v;
    }
}

/* The receive ring is usable: PSTART < PSTOP, both in the buffer RAM. */
static bool ring_valid(NE2000State *s)
{
    return s->pstart >= NE2K_PAGE_FIRST && s->pstart < s->pstop && s->pstop <= NE2K_PAGE_END;
}

/* BNRY as a ring page, or -1 when it is outside the ring.  PSTART - 1
 * counts as PSTOP - 1: Linux's 8390 core writes "next page - 1" without
 * wrapping, so after a frame that ended at PSTOP its BNRY is PSTART - 1. */
static int ring_bnry(NE2000State *s)
{
    if (s->bnry >= s->pstart && s->bnry < s->pstop) {
        return s->bnry;
    }
    if (s->bnry + 1u == s->pstart) {
        return s->pstop - 1;
    }
    return -1;
}

/* ---- remote DMA (datasheet, "Remote DMA") ---- */

static void rdma_step(NE2000State *s, unsigned n)
{
    s->rsar = (uint16_t)(s->rsar + n);
    /* The remote DMA address wraps from PSTOP to PSTART, as the local one
     * does, so a read of a frame that wraps continues at the ring start. */
    if (ring_valid(s) && s->rsar == (uint16_t)(s->pstop * NE2K_PAGE)) {
        s->rsar = (uint16_t)(s->pstart * NE2K_PAGE);
    }
    if (s->rbcr) {
        s->rbcr = n >= s->rbcr ? 0 : (uint16_t)(s->rbcr - n);
        if (!s->rbcr) {
            raise_isr(s, ISR_RDC);
        }
    }
}

/* One access of size bytes to the data port.  In word mode (DCR.WTS) the
 * DP8390 moves aligned words: a byte access moves one word and a dword
 * access two; in byte mode the access moves as many bytes as it is wide. */
static uint32_t data_read(NE2000State *s, unsigned size)
{
    uint32_t v = 0;
    if (s->dcr & DCR_WTS) {
        unsigned words = size == 4 ? 2 : 1;
        s->rsar &= ~1u;
        for (unsigned i = 0; i < words; i++) {
            uint32_t w = mem_readb(s, s->rsar) | (uint32_t)mem_readb(s, s->rsar + 1u) << 8;
            v |= w << (16 * i);
            rdma_step(s, 2);
        }
    } else {
        for (unsigned i = 0; i < size; i++) {
            v |= (uint32_t)mem_readb(s, s->rsar) << (8 * i);
            rdma_step(s, 1);
        }
    }
    return v;
}

static void data_write(NE2000State *s, uint32_t v, unsigned size)
{
    if (s->dcr & DCR_WTS) {
        unsigned words = size == 4 ? 2 : 1;
        s->rsar &= ~1u;
        for (unsigned i = 0; i < words; i++) {
            uint32_t w = v >> (16 * i);
            mem_writeb(s, s->rsar, (uint8_t)w);
            mem_writeb(s, s->rsar + 1u, (uint8_t)(w >> 8));
            rdma_step(s, 2);
        }
    } else {
        for (unsigned i = 0; i < size; i++) {
            mem_writeb(s, s->rsar, (uint8_t)(v >> (8 * i)));
            rdma_step(s, 1);
        }
    }
}

/* ---- receive (datasheet, "Packet Reception", "Buffer Ring Overflow") ---- */

/* The address filter (datasheet, "Address Recognition Logic"): PRO takes
 * everything, broadcast needs AB, multicast AM and its bit in MAR (the
 * top 6 bits of the destination's CRC), unicast must match PAR0-5. */
static bool rx_accept(NE2000State *s, const uint8_t *frame)
{
    static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    if (s->rcr & RCR_PRO) {
        return true;
    }
    if (!memcmp(frame, broadcast, 6)) {
        return s->rcr & RCR_AB;
    }
    if (frame[0] & 1) {
        if (!(s->rcr & RCR_AM)) {
            return false;
        }
        unsigned bit = net_crc32_be(frame, 6) >> 26;
        return s->mar[bit >> 3] & (1u << (bit & 7));
    }
    return !memcmp(frame, s->par, 6);
}

/* query-rx-filter: what rx_accept takes, from the same registers.  PRO
 * takes every frame, so it opens the multicast and broadcast ways too. */
static void ne2k_query_rx_filter(NetClient *nc, NetRxFilter *f)
{
    NE2000State *s = net_client_opaque(nc);
    bool pro = s->rcr & RCR_PRO;
    f->promiscuous = pro;
    f->unicast = pro ? NET_RX_ALL : NET_RX_NORMAL;
    f->multicast = pro ? NET_RX_ALL :
                   (s->rcr & RCR_AM) ? net_rx_hash_mode(s->mar, sizeof(s->mar)) : NET_RX_NONE;
    f->broadcast_allowed = pro || (s->rcr & RCR_AB);
    f->vlan = NET_RX_ALL;                /* the DP8390 knows no VLANs */
    memcpy(f->main_mac.a, s->par, 6);
}

/* A frame the card had to miss: the missed-packet tally (CNTR2), RSR.MPA,
 * and OVW, the chip's word for "the ring could not take it". */
static void rx_missed(NE2000State *s)
{
    if (s->cntr[2] < 0xff) {
        s->cntr[2]++;
    }
    s->rsr = RSR_MPA;
    raise_isr(s, ISR_OVW | (s->cntr[2] & 0x80 ? ISR_CNT : 0));
}

/* Store one frame in the ring.  Returns len when it was stored or dropped
 * on purpose, 0 when the ring has no room now (the frame waits in the net
 * layer's queue until BNRY moves: unread frames are never overwritten). */
static ssize_t rx_frame(NE2000State *s, const uint8_t *buf, size_t len)
{
    if ((s->cr & CR_STP) || len < 6 || len > NE2K_FRAME_MAX || !rx_accept(s, buf)) {
        return (ssize_t)len;
    }
    if (s->rcr & RCR_MON) {
        /* Monitor mode: recognised, counted, not buffered. */
        rx_missed(s);
        s->rsr |= RSR_DIS;
        return (ssize_t)len;
    }
    unsigned npages = s->pstop - s->pstart;
    int bnry = ring_valid(s) ? ring_bnry(s) : -1;
    if (bnry < 0 || s->curr < s->pstart || s->curr >= s->pstop) {
        rx_missed(s);
        return (ssize_t)len;
    }
    size_t flen = MAX(len, (size_t)NE2K_FRAME_MIN);
    unsigned total = (unsigned)flen + NE2K_RX_HDR;
    /* The chip stores the frame's 4-byte CRC after it (not counted here,
     * the net layer's frames have none); the pages include its room, so
     * the next-page pointer is where drivers (Linux's 8390 core) expect it. */
    unsigned pages = (total + NE2K_CRC_LEN + NE2K_PAGE - 1) / NE2K_PAGE;
    if (pages >= npages) {
        rx_missed(s);                        /* never fits this ring */
        return (ssize_t)len;
    }
    /* Free pages from CURR up to BNRY; CURR == BNRY is an empty ring.  The
     * frame must leave at least one page free, so CURR never catches up
     * with BNRY, whichever of the two conventions the driver keeps (BNRY
     * at the next unread page, or one page behind it). */
    unsigned free_pages = (unsigned)(bnry - s->curr + (int)npages) % npages;
    if (!free_pages) {
        free_pages = npages;
    }
    if (pages >= free_pages) {
        s->rx_waiting = true;
        return 0;
    }
    unsigned next = s->curr + pages;
    if (next >= s->pstop) {
        next -= npages;
    }
    uint32_t ring_start = s->pstart * NE2K_PAGE - NE2K_RAM_START;
    uint32_t ring_end = s->pstop * NE2K_PAGE - NE2K_RAM_START;
    uint32_t at = s->curr * NE2K_PAGE - NE2K_RAM_START;
    uint8_t status = RSR_PRX | (buf[0] & 1 ? RSR_PHY : 0);
    s->ram[at] = status;
    s->ram[at + 1] = (uint8_t)next;
    s->ram[at + 2] = (uint8_t)total;
    s->ram[at + 3] = (uint8_t)(total >> 8);
    at += NE2K_RX_HDR;                        /* still inside the page */
    for (size_t done = 0; done < flen;) {
        if (at >= ring_end) {
            at = ring_start;
        }
        size_t chunk = MIN(flen - done, (size_t)(ring_end - at));
        for (size_t i = 0; i < chunk; i++) {
            s->ram[at + i] = done + i < len ? buf[done + i] : 0;   /* pad runts */
        }
        done += chunk;
        at += (uint32_t)chunk;
    }
    s->curr = (uint8_t)next;
    s->rsr = status;
    s->rx_waiting = false;
    raise_isr(s, ISR_PRX);
    return (ssize_t)len;
}

static bool nic_can_receive(NetClient *nc)
{
    (void)nc;
    return true;                             /* rx_frame says 0 when it is full */
}

static ssize_t nic_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    NE2000State *s = net_client_opaque(nc);
    /* In loopback the receiver is cut from the wire (TCR LB1..LB0). */
    if (s->tcr & TCR_LB) {
        return (ssize_t)len;
    }
    return rx_frame(s, buf, len);
}

static const NetClientInfo ne2k_nic_info = {
    .type = "nic",
    .can_receive = nic_can_receive,
    .receive = nic_receive,
};

/* Frames are in the ring past the driver's read point, whichever of the
 * two conventions it keeps (BNRY at the next unread page, or one page
 * behind it): CURR is neither BNRY nor the page after it. */
static bool rx_unread(NE2000State *s)
{
    int bnry = ring_valid(s) ? ring_bnry(s) : -1;
    if (bnry < 0 || s->curr < s->pstart || s->curr >= s->pstop) {
        return false;
    }
    unsigned after = (unsigned)bnry + 1u == s->pstop ? s->pstart : (unsigned)bnry + 1u;
    return s->curr != bnry && s->curr != after;
}

/* The driver may have made room (BNRY moved, the ring or the receiver
 * changed): deliver what waits. */
static void rx_room(NE2000State *s)
{
    net_client_receive_ready(s->nic);
}

/* ---- transmit (datasheet, "Packet Transmission") ---- */

static void transmit(NE2000State *s)
{
    uint32_t start = s->tpsr * NE2K_PAGE;
    uint32_t len = s->tbcr;
    s->cr &= ~CR_TXP;
    if (start < NE2K_RAM_START || !len || start + len > NE2K_RAM_END) {
        /* A buffer outside the RAM or empty: aborted, nothing sent. */
        s->tsr = TSR_ABT;
        raise_isr(s, ISR_TXE);
        return;
    }
    const uint8_t *frame = s->ram + (start - NE2K_RAM_START);
    if (s->tcr & TCR_LB) {
        /* Loopback: the frame comes back to our own receiver.  Copied, as
         * receiving may overwrite the transmit buffer's pages. */
        uint8_t copy[NE2K_FRAME_MAX];
        if (len <= sizeof(copy)) {
            memcpy(copy, frame, len);
            rx_frame(s, copy, len);
        }
    } else {
        net_client_send(s->nic, frame, len);
    }
    s->ncr = 0;
    s->tsr = TSR_PTX;
    raise_isr(s, ISR_PTX);
}

/* ---- registers (datasheet, "Register Descriptions"; page by CR.PS) ---- */

static void write_cr(NE2000State *s, uint8_t v)
{
    bool was_running = !(s->cr & CR_STP) && (s->cr & CR_STA);
    s->cr = (uint8_t)(v & ~CR_TXP);       /* TXP reads 1 only while sending */
    if (v & CR_STP) {
        s->cr = (uint8_t)(s->cr & ~CR_STA);
        s->isr |= ISR_RST;
    } else if (v & CR_STA) {
        s->isr &= ~ISR_RST;
    }
    unsigned rd = v & CR_RD_MASK;
    if (rd == CR_RD_SEND) {
        /* Send packet: remote read of the frame at BNRY, its length taken
         * from the frame's header. */
        uint32_t a = s->bnry * NE2K_PAGE;
        s->rsar = (uint16_t)a;
        s->rbcr = (uint16_t)(mem_readb(s, a + 2) | mem_readb(s, a + 3) << 8);
    }
    if ((rd == CR_RD_READ || rd == CR_RD_WRITE || rd == CR_RD_SEND) && !s->rbcr) {
        s->isr |= ISR_RDC;                   /* nothing to move: complete at once */
    }
    if ((v & CR_TXP) && !(s->cr & CR_STP)) {
        transmit(s);
    }
    update_irq(s);
    if (!was_running && !(s->cr & CR_STP) && (s->cr & CR_STA)) {
        rx_room(s);
    }
}

static uint8_t reg_read(NE2000State *s, unsigned off)
{
    if (off == 0) {
        return s->cr;
    }
    uint8_t v;
    switch ((s->cr >> CR_PS_SHIFT) << 4 | off) {
    case 0x01: return 0;                                    /* CLDA0: page aligned */
    case 0x02: return s->curr;                              /* CLDA1 */
    case 0x03: return s->bnry;
    case 0x04: return s->tsr;
    case 0x05: return s->ncr;
    case 0x06: return 0;                                    /* FIFO */
    case 0x07: return s->isr;
    case 0x08: return (uint8_t)s->rsar;                     /* CRDA0 */
    case 0x09: return (uint8_t)(s->rsar >> 8);              /* CRDA1 */
    case 0x0a: return RTL8029_ID0;
    case 0x0b: return RTL8029_ID1;
    case 0x0c: return s->rsr;
    case 0x0d: case 0x0e: case 0x0f:
        /* The tallies clear when read. */
        v = s->cntr[off - 0x0d];
        s->cntr[off - 0x0d] = 0;
        return v;
    case 0x11 ... 0x16: return s->par[off - 1];
    case 0x17: return s->curr;
    case 0x18 ... 0x1f: return s->mar[off - 8];
    case 0x21: return s->pstart;
    case 0x22: return s->pstop;
    case 0x23: return s->bnry;                              /* remote next packet pointer */
    case 0x24: return s->tpsr;
    case 0x25: return s->curr;                              /* local next packet pointer */
    case 0x26: return s->curr;                              /* address counter upper */
    case 0x27: return 0;                                    /* address counter lower */
    case 0x2c: return s->rcr | 0xc0;                        /* unused bits read 1 */
    case 0x2d: return s->tcr | 0xe0;
    case 0x2e: return s->dcr | 0x80;
    case 0x2f: return s->imr | 0x80;
    case 0x30 ... 0x3f: return s->page3[off];
    default: return 0xff;
    }
}

static void reg_write(NE2000State *s, unsigned off, uint8_t v)
{
    if (off == 0) {
        write_cr(s, v);
        return;
    }
    switch ((s->cr >> CR_PS_SHIFT) << 4 | off) {
    case 0x01: s->pstart = v; rx_room(s); return;
    case 0x02: s->pstop = v; rx_room(s); return;
    case 0x03: s->bnry = v; rx_room(s); return;
    case 0x04: s->tpsr = v; return;
    case 0x05: s->tbcr = (uint16_t)((s->tbcr & 0xff00) | v); return;
    case 0x06: s->tbcr = (uint16_t)((s->tbcr & 0x00ff) | v << 8); return;
    case 0x07: {
        /* Write 1 to clear; RST is status only. */
        uint8_t clear = v & ISR_INTS;
        s->isr &= (uint8_t)~clear;
        update_irq(s);
        rx_room(s);
        /* PRX acknowledged while the ring still holds unread frames (or a
         * frame waits for room): PRX comes back, with the line dropped
         * first so an edge-triggered IRQ sees it again.  Drivers that read
         * a bounded number of frames per interrupt (Linux's 8390 core: 10)
         * would otherwise wait for a next frame, which cannot come while
         * the ring is full. */
        if ((clear & ISR_PRX) && !(s->isr & ISR_PRX) && (s->rx_waiting || rx_unread(s))) {
            s->isr |= ISR_PRX;
            update_irq(s);
        }
        return;
    }
    case 0x08: s->rsar = (uint16_t)((s->rsar & 0xff00) | v); return;
    case 0x09: s->rsar = (uint16_t)((s->rsar & 0x00ff) | v << 8); return;
    case 0x0a: s->rbcr = (uint16_t)((s->rbcr & 0xff00) | v); return;
    case 0x0b: s->rbcr = (uint16_t)((s->rbcr & 0x00ff) | v << 8); return;
    case 0x0c: s->rcr = v & 0x3f; return;
    case 0x0d: s->tcr = v & 0x1f; rx_room(s); return;
    case 0x0e: s->dcr = v & 0x7f; return;
    case 0x0f: s->imr = v & ISR_INTS; update_irq(s); return;
    case 0x11 ... 0x16: s->par[off - 1] = v; return;
    case 0x17: s->curr = v; rx_room(s); return;
    case 0x18 ... 0x1f: s->mar[off - 8] = v; return;
    case 0x30 ... 0x3f: s->page3[off] = v; return;
    default: return;                      /* page 2 is read-only in use */
    }
}

/* ---- the port window ---- */

/* The reset port: reading it pulses the DP8390's reset (NE2000 design;
 * drivers read it and write the value back, the write does nothing). */
static void reset_port(NE2000State *s)
{
    s->cr = CR_STP | CR_RD_ABORT;
    s->isr = ISR_RST;
    s->imr = 0;
    s->rbcr = 0;
    update_irq(s);
}

uint64_t ne2k_io_read(NE2000State *s, unsigned addr, unsigned size)
{
    if (addr >= NE2K_DATA_PORT && addr < NE2K_RESET_PORT) {
        return data_read(s, size);
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        unsigned a = addr + i;
        uint8_t b = 0xff;
        if (a < NE2K_DATA_PORT) {
            b = reg_read(s, a);
        } else if (a < NE2K_RESET_PORT) {
            b = (uint8_t)data_read(s, 1);
        } else if (a < NE2K_IO_SIZE) {
            reset_port(s);
            b = 0;
        }
        v |= (uint64_t)b << (8 * i);
    }
    return v;
}

void ne2k_io_write(NE2000State *s, unsigned addr, uint64_t val, unsigned size)
{
    if (addr >= NE2K_DATA_PORT && addr < NE2K_RESET_PORT) {
        data_write(s, (uint32_t)val, size);
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        unsigned a = addr + i;
        uint8_t b = (uint8_t)(val >> (8 * i));
        if (a < NE2K_DATA_PORT) {
            reg_write(s, a, b);
        } else if (a < NE2K_RESET_PORT) {
            data_write(s, b, 1);
        }
    }
}

static uint64_t io_read(void *opaque, hwaddr addr, unsigned size)
{
    return ne2k_io_read(opaque, (unsigned)addr, size);
}

static void io_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    ne2k_io_write(opaque, (unsigned)addr, val, size);
}

const MemoryRegionOps ne2k_io_ops = {
    .read = io_read,
    .write = io_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

/* ---- reset, creation ---- */

void ne2k_core_reset(NE2000State *s)
{
    s->pstart = s->pstop = s->bnry = s->curr = 0;
    s->tpsr = 0;
    s->tbcr = s->rsar = s->rbcr = 0;
    s->rcr = s->tcr = s->dcr = 0;
    s->tsr = s->rsr = s->ncr = 0;
    memset(s->cntr, 0, sizeof(s->cntr));
    memcpy(s->par, s->macaddr.a, 6);
    memset(s->mar, 0, sizeof(s->mar));
    memset(s->page3, 0, sizeof(s->page3));
    memset(s->ram, 0, sizeof(s->ram));
    s->rx_waiting = false;
    reset_port(s);
}

void ne2k_core_init(NE2000State *s, DeviceState *owner, NetClient *peer)
{
    s->owner = owner;
    /* The PROM's 16 bytes (MAC address, reserved, the 'W' signature), each
     * on both bytes of a word, as the NE2000 wires its 8-bit PROM to the
     * 16-bit bus: a byte-mode read sees every byte twice. */
    uint8_t image[NE2K_PROM_SIZE / 2] = { 0 };
    memcpy(image, s->macaddr.a, 6);
    image[14] = image[15] = NE2K_PROM_SIG;
    for (unsigned i = 0; i < sizeof(image); i++) {
        s->prom[2 * i] = s->prom[2 * i + 1] = image[i];
    }
    s->nic = nic_new(&ne2k_nic_info, owner, peer, &s->macaddr, s);
    nic_set_rx_filter_query(s->nic, ne2k_query_rx_filter);
}

void ne2k_core_cleanup(NE2000State *s)
{
    nic_free(s->nic);
    s->nic = NULL;
}

void ne2k_core_post_load(NE2000State *s)
{
    s->rx_waiting = false;               /* the queue is not migrated */
    s->imr &= ISR_INTS;
    update_irq(s);
}

/* Every field is a register the guest could have written itself; each is
 * checked where it is used, so any loaded value is safe. */
const VMStateDescription vmstate_ne2000_core = {
    .name = "ne2000-core",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(cr, NE2000State),
        VMSTATE_UINT8(pstart, NE2000State),
        VMSTATE_UINT8(pstop, NE2000State),
        VMSTATE_UINT8(bnry, NE2000State),
        VMSTATE_UINT8(curr, NE2000State),
        VMSTATE_UINT8(tpsr, NE2000State),
        VMSTATE_UINT16(tbcr, NE2000State),
        VMSTATE_UINT16(rsar, NE2000State),
        VMSTATE_UINT16(rbcr, NE2000State),
        VMSTATE_UINT8(isr, NE2000State),
        VMSTATE_UINT8(imr, NE2000State),
        VMSTATE_UINT8(rcr, NE2000State),
        VMSTATE_UINT8(tcr, NE2000State),
        VMSTATE_UINT8(dcr, NE2000State),
        VMSTATE_UINT8(tsr, NE2000State),
        VMSTATE_UINT8(rsr, NE2000State),
        VMSTATE_UINT8(ncr, NE2000State),
        VMSTATE_UINT8_ARRAY(cntr, NE2000State, 3),
        VMSTATE_UINT8_ARRAY(par, NE2000State, 6),
        VMSTATE_UINT8_ARRAY(mar, NE2000State, 8),
        VMSTATE_UINT8_ARRAY(page3, NE2000State, 16),
        VMSTATE_UINT8_ARRAY(prom, NE2000State, NE2K_PROM_SIZE),
        VMSTATE_UINT8_ARRAY(ram, NE2000State, NE2K_RAM_SIZE),
        VMSTATE_END_OF_LIST()
    },
};
