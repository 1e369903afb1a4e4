/*
 * e1000: the Intel 82540EM Gigabit Ethernet controller as QEMU's "e1000"
 * presents it (PCI 8086:100e, revision 3, subsystem 1af4:1100): registers
 * in BAR0 (128 KiB of memory) and reachable through BAR1 (I/O, IOADDR and
 * IODATA), the serial EEPROM (bit-banged through EECD, or read through
 * EERD) with the MAC address, the internal PHY behind MDIC, interrupts
 * with throttling (ITR) on the virtual clock, statistics.  Option ROM:
 * iPXE's pxe-e1000.rom.
 *
 * Receive is in e1000-rx.c, transmit in e1000-tx.c.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "e1000.h"

/* EEPROM map (SDM 5.6, table 5-2): the MAC address in words 0-2, the
 * initialization control words, the PCI ids, and word 0x3f chosen so that
 * words 0x00-0x3f add up to 0xbaba. */
#define EE_INIT_CTRL1   0x0a
#define EE_SUBSYS_ID    0x0b
#define EE_SUBSYS_VEND  0x0c
#define EE_DEVICE_ID    0x0d
#define EE_VENDOR_ID    0x0e
#define EE_INIT_CTRL2   0x0f
#define EE_CHECKSUM     0x3f
#define EE_CHECKSUM_SUM 0xbaba

/* Internal PHY registers (IEEE 802.3 clause 22, and the 82540EM's PHY
 * specific ones, SDM 13.5 "PHY registers"). */
enum {
    PHY_CTRL = 0x00,
    PHY_STATUS = 0x01,
    PHY_ID1 = 0x02,
    PHY_ID2 = 0x03,
    PHY_AUTONEG_ADV = 0x04,
    PHY_LP_ABILITY = 0x05,
    PHY_AUTONEG_EXP = 0x06,
    PHY_NEXT_PAGE = 0x07,
    PHY_1000T_CTRL = 0x09,
    PHY_1000T_STATUS = 0x0a,
    PHY_EXT_STATUS = 0x0f,
    PHY_SPEC_CTRL = 0x10,
    PHY_SPEC_STATUS = 0x11,
    PHY_EXT_SPEC_CTRL = 0x14,
};
#define MII_CR_RESET          0x8000
#define MII_CR_RESTART_ANEG   0x0200
/* Status: 100/10 full/half capable, extended status, preamble
 * suppression, auto-negotiation able, extended capabilities. */
#define MII_SR_CAPS           0x7949
#define MII_SR_LINK           0x0004
#define MII_SR_ANEG_DONE      0x0020
/* The 82540EM's PHY identifies as 0141:0c20 (Marvell OUI, M88E1011
 * compatible): Linux e1000 checks this id for the 82540. */
#define PHY_ID1_82540         0x0141
#define PHY_ID2_82540         0x0c20
/* Link partner: acknowledge, pause, 100/10 full/half, 802.3. */
#define LP_ABILITY_UP         0x45e1
/* 1000BASE-T status: local and remote receivers OK, partner 1000 full/half. */
#define GSTATUS_UP            0x3c00
/* PHY specific status: 1000 Mb/s, full duplex, resolved, link. */
#define SPEC_STATUS_UP        0xac00

/* ---- interrupts, with the throttle of ITR (SDM 13.4.18: at most one
 * assertion per ITR x 256 ns) ---- */

/* SDM 13.4.18: "the maximum observable interrupt rate from the Ethernet
 * controller must never exceed 7813 interrupts/sec", an interval of 500
 * (128 us).  While throttling is on (ITR not 0), a shorter interval the
 * driver asks for is taken as that one, as QEMU's e1000 does.  Linux's
 * driver asks for 20000/s (195) when it sees small bursts; an emulated
 * guest whose interrupt handling costs many times a real one's would then
 * take an interrupt per handful of frames (an e1000 bulk transfer to the
 * host ran at half the speed). */
#define ITR_MIN_INTERVAL 500

static void update_irq(E1000State *s)
{
    PCIDevice *pci = PCI_DEVICE(s);
    bool want = (e1000_reg(s, E1000_ICR) & e1000_reg(s, E1000_IMS)) != 0;
    if (!want) {
        if (s->irq_level) {
            s->irq_level = false;
            pci_set_irq(pci, 0);
        }
        return;
    }
    if (s->irq_level) {
        return;
    }
    int64_t now = clock_get_ns(CC_CLOCK_VIRTUAL);
    if (now < s->itr_next_ns) {
        timer_mod_ns(s->itr_timer, s->itr_next_ns);
        return;
    }
    s->irq_level = true;
    pci_set_irq(pci, 1);
    uint32_t itr = e1000_reg(s, E1000_ITR) & 0xffff;
    s->itr_next_ns = itr ? now + (int64_t)MAX(itr, ITR_MIN_INTERVAL) * 256 : 0;
}

static void itr_fire(void *opaque)
{
    update_irq(opaque);
}

void e1000_raise(E1000State *s, uint32_t bits)
{
    e1000_set_reg(s, E1000_ICR, e1000_reg(s, E1000_ICR) | (bits & ICR_ALL));
    update_irq(s);
}

/* ---- interrupt delays (SDM 3.2.7.1: the RX packet timer RDTR, restarted
 * by every frame, and the absolute timer RADV, started by the first frame
 * and not restarted; 13.4.41 and 13.4.44: their TX twins TIDV and TADV,
 * for descriptors with IDE).  The expiry of either timer of a direction
 * raises its cause and stops the other, which a later frame starts again.
 * A zero RDTR means no delay at all (RADV then does nothing); a zero RADV
 * or TADV disables the absolute timer. ---- */

static int64_t delay_ns(E1000State *s, unsigned reg)
{
    return (int64_t)(e1000_reg(s, reg) & E1000_DELAY_MASK) * E1000_DELAY_UNIT_NS;
}

static void rx_delay_expired(void *opaque)
{
    E1000State *s = opaque;
    timer_del(s->rdtr_timer);
    timer_del(s->radv_timer);
    e1000_raise(s, ICR_RXT0);
}

static void tx_delay_stop(E1000State *s)
{
    timer_del(s->tidv_timer);
    timer_del(s->tadv_timer);
}

static void tx_delay_expired(void *opaque)
{
    E1000State *s = opaque;
    tx_delay_stop(s);
    e1000_raise(s, ICR_TXDW);
}

/* Start a direction's packet timer again and its absolute timer if idle. */
static void delay_arm(E1000State *s, Timer *packet, unsigned packet_reg, Timer *absolute,
                      unsigned absolute_reg)
{
    int64_t now = clock_get_ns(CC_CLOCK_VIRTUAL);
    timer_mod_ns(packet, now + delay_ns(s, packet_reg));
    if (delay_ns(s, absolute_reg) && !timer_pending(absolute)) {
        timer_mod_ns(absolute, now + delay_ns(s, absolute_reg));
    }
}

bool e1000_rx_delay(E1000State *s)
{
    if (!delay_ns(s, E1000_RDTR)) {
        return false;                    /* nothing can be running either */
    }
    delay_arm(s, s->rdtr_timer, E1000_RDTR, s->radv_timer, E1000_RADV);
    return true;
}

bool e1000_tx_delay(E1000State *s, bool wanted)
{
    /* A zero TIDV is not allowed (SDM 13.4.41): taken as no delay.  An
     * immediate TXDW halts the delays, or they would raise a second one. */
    if (!wanted || !delay_ns(s, E1000_TIDV)) {
        tx_delay_stop(s);
        return false;
    }
    delay_arm(s, s->tidv_timer, E1000_TIDV, s->tadv_timer, E1000_TADV);
    return true;
}

/* A write of RDTR or TIDV with FPD: what waits for the delay is reported now. */
static void delay_flush(E1000State *s, Timer *packet, Timer *absolute,
                        void (*expired)(void *))
{
    if (timer_pending(packet) || timer_pending(absolute)) {
        expired(s);
    }
}

static void delay_timers_stop(E1000State *s)
{
    timer_del(s->rdtr_timer);
    timer_del(s->radv_timer);
    timer_del(s->tidv_timer);
    timer_del(s->tadv_timer);
}

/* ---- rings ---- */

uint64_t e1000_ring_base(E1000State *s, unsigned bal)
{
    /* The low 4 bits of xDBAL are ignored: rings are 16-byte aligned
     * (SDM 13.4.26). */
    return (uint64_t)e1000_reg(s, bal + 4) << 32 | (e1000_reg(s, bal) & ~0xfu);
}

uint32_t e1000_ring_count(E1000State *s, unsigned len_reg)
{
    return (e1000_reg(s, len_reg) & E1000_RING_LEN_MASK) / E1000_DESC_SIZE;
}

unsigned e1000_size_bucket(size_t len)
{
    static const size_t upper[] = { 64, 127, 255, 511, 1023 };
    unsigned i = 0;
    while (i < G_N_ELEMENTS(upper) && len > upper[i]) {
        i++;
    }
    return 4 * i;
}

/* ---- the PHY ---- */

static void phy_update_link(E1000State *s)
{
    bool up = net_client_link_up(s->nic);
    uint16_t *p = s->phy;
    p[PHY_STATUS] = MII_SR_CAPS | (up ? MII_SR_LINK | MII_SR_ANEG_DONE : 0);
    p[PHY_LP_ABILITY] = up ? LP_ABILITY_UP : 0;
    p[PHY_1000T_STATUS] = up ? GSTATUS_UP : 0;
    p[PHY_SPEC_STATUS] = up ? SPEC_STATUS_UP : 0;
}

static void phy_reset(E1000State *s)
{
    uint16_t *p = s->phy;
    memset(p, 0, sizeof(s->phy));
    p[PHY_CTRL] = 0x1140;                /* auto-negotiation on, full duplex, 1000 */
    p[PHY_ID1] = PHY_ID1_82540;
    p[PHY_ID2] = PHY_ID2_82540;
    p[PHY_AUTONEG_ADV] = 0x0de1;         /* pause, 100/10 full/half, 802.3 */
    p[PHY_AUTONEG_EXP] = 0x0001;         /* the partner negotiates */
    p[PHY_NEXT_PAGE] = 0x2001;
    p[PHY_1000T_CTRL] = 0x0e00;          /* advertise 1000 full/half */
    p[PHY_EXT_STATUS] = 0x3000;          /* 1000BASE-T full/half capable */
    p[PHY_SPEC_CTRL] = 0x0360;
    p[PHY_EXT_SPEC_CTRL] = 0x0c60;
    phy_update_link(s);
}

static bool phy_writable(unsigned reg)
{
    switch (reg) {
    case PHY_CTRL:
    case PHY_AUTONEG_ADV:
    case PHY_NEXT_PAGE:
    case PHY_1000T_CTRL:
    case PHY_SPEC_CTRL:
    case PHY_EXT_SPEC_CTRL:
    case 0x16:                           /* page select */
    case 0x1d:                           /* debug address */
    case 0x1e:                           /* debug data */
        return true;
    default:
        return false;
    }
}

/* An MDIC write: one PHY access, complete at once (SDM 13.4.7). */
static void mdic_write(E1000State *s, uint32_t val)
{
    unsigned phy = (val >> MDIC_PHY_SHIFT) & 0x1f;
    unsigned reg = (val >> MDIC_REG_SHIFT) & 0x1f;
    uint32_t op = val & (3u << 26);
    uint32_t out = val & ~(MDIC_READY | MDIC_ERROR);
    if (phy != E1000_PHY_ADDR || (op != MDIC_OP_READ && op != MDIC_OP_WRITE)) {
        out |= MDIC_ERROR;
    } else if (op == MDIC_OP_READ) {
        out = (out & ~MDIC_DATA_MASK) | s->phy[reg];
    } else if (phy_writable(reg)) {
        uint16_t data = val & MDIC_DATA_MASK;
        if (reg == PHY_CTRL) {
            if (data & MII_CR_RESET) {
                phy_reset(s);
            }
            /* Reset and a restart of auto-negotiation finish at once; the
             * link partner is always there while the link is up. */
            data &= ~(MII_CR_RESET | MII_CR_RESTART_ANEG);
        }
        s->phy[reg] = data;
    }
    e1000_set_reg(s, E1000_MDIC, out | MDIC_READY);
    if (val & MDIC_INT_EN) {
        e1000_raise(s, ICR_MDAC);
    }
}

/* ---- the link ---- */

static void nic_link_changed(NetClient *nc)
{
    E1000State *s = net_client_opaque(nc);
    phy_update_link(s);
    e1000_raise(s, ICR_LSC);
}

static const NetClientInfo e1000_nic_info = {
    .type = "nic",
    .can_receive = e1000_can_receive,
    .receive = e1000_receive,
    .link_status_changed = nic_link_changed,
};

/* The guest gave RX descriptors or enabled the receiver: deliver what waits. */
static void rx_room(E1000State *s)
{
    s->rx_stalled = false;
    net_client_receive_ready(s->nic);
}

/* ---- the EEPROM ---- */

static void eeprom_fill(E1000State *s)
{
    uint16_t *w = s->eeprom.words;
    memset(w, 0, sizeof(s->eeprom.words));
    for (int i = 0; i < 3; i++) {
        w[i] = (uint16_t)(s->macaddr.a[2 * i] | s->macaddr.a[2 * i + 1] << 8);
    }
    PCIDeviceClass *k = PCI_DEVICE_GET_CLASS(s);
    w[EE_INIT_CTRL1] = 0x0000;
    w[EE_SUBSYS_ID] = k->subsystem_id;
    w[EE_SUBSYS_VEND] = k->subsystem_vendor_id;
    w[EE_DEVICE_ID] = k->device_id;
    w[EE_VENDOR_ID] = k->vendor_id;
    w[EE_INIT_CTRL2] = 0x3000;           /* pause frames both ways (bits 13:12) */
    uint16_t sum = 0;
    for (int i = 0; i < EE_CHECKSUM; i++) {
        sum = (uint16_t)(sum + w[i]);
    }
    w[EE_CHECKSUM] = (uint16_t)(EE_CHECKSUM_SUM - sum);
}

static uint32_t eecd_read(E1000State *s)
{
    uint32_t v = e1000_reg(s, E1000_EECD) & (EECD_SK | EECD_CS | EECD_DI | EECD_FWE | EECD_REQ);
    v |= EECD_PRES;
    if (v & EECD_REQ) {
        v |= EECD_GNT;                   /* no firmware competes for it */
    }
    if (s->eeprom.dout) {
        v |= EECD_DO;
    }
    return v;
}

static void eecd_write(E1000State *s, uint32_t val)
{
    e1000_set_reg(s, E1000_EECD, val & (EECD_SK | EECD_CS | EECD_DI | EECD_FWE | EECD_REQ));
    eeprom93c46_set_pins(&s->eeprom, val & EECD_CS, val & EECD_SK, val & EECD_DI);
}

static void eerd_write(E1000State *s, uint32_t val)
{
    if (!(val & EERD_START)) {
        e1000_set_reg(s, E1000_EERD, val & ~EERD_DONE);
        return;
    }
    unsigned addr = (val >> 8) & 0xff;
    uint32_t data = addr < EEPROM_WORDS ? s->eeprom.words[addr] : 0;
    e1000_set_reg(s, E1000_EERD, (val & 0xff00) | EERD_DONE | data << 16);
}

/* ---- register access ---- */

static void e1000_reset_regs(E1000State *s);

static uint32_t reg_read(E1000State *s, unsigned off)
{
    if (off >= E1000_REGS_SIZE) {
        return 0;
    }
    switch (off) {
    case E1000_CTRL:
        return e1000_reg(s, off) & ~CTRL_RST;
    case E1000_STATUS:
        return STATUS_FD | STATUS_SPEED_1000 | STATUS_ASDV_1000 | STATUS_GIO_MASTER |
               (net_client_link_up(s->nic) ? STATUS_LU : 0);
    case E1000_EECD:
        return eecd_read(s);
    case E1000_ICR: {
        /* Read to clear (SDM 13.4.17). */
        uint32_t v = e1000_reg(s, off);
        e1000_set_reg(s, off, 0);
        update_irq(s);
        return v;
    }
    case E1000_ICS:
    case E1000_IMC:
        return 0;                        /* write only */
    case E1000_STATS ... E1000_STATS_END - 1: {
        /* Statistics clear when read (SDM 13.7). */
        uint32_t v = e1000_reg(s, off);
        e1000_set_reg(s, off, 0);
        return v;
    }
    default:
        return e1000_reg(s, off);
    }
}

static void reg_write(E1000State *s, unsigned off, uint32_t val)
{
    if (off >= E1000_REGS_SIZE) {
        return;
    }
    switch (off) {
    case E1000_CTRL:
        if (val & CTRL_RST) {
            /* A software reset: everything but the PCI function and the
             * EEPROM returns to its power-up state (SDM 13.4.1). */
            e1000_reset_regs(s);
            return;
        }
        if ((val & CTRL_PHY_RST) && !(e1000_reg(s, off) & CTRL_PHY_RST)) {
            phy_reset(s);
        }
        e1000_set_reg(s, off, val);
        return;
    case E1000_STATUS:
    case E1000_STATS ... E1000_STATS_END - 1:
        return;                          /* read only */
    case E1000_EECD:
        eecd_write(s, val);
        return;
    case E1000_EERD:
        eerd_write(s, val);
        return;
    case E1000_MDIC:
        mdic_write(s, val);
        return;
    case E1000_ICR:
        e1000_set_reg(s, off, e1000_reg(s, off) & ~val);
        update_irq(s);
        rx_room(s);
        return;
    case E1000_ICS:
        e1000_raise(s, val);
        return;
    case E1000_IMS:
        e1000_set_reg(s, off, e1000_reg(s, off) | (val & ICR_ALL));
        update_irq(s);
        return;
    case E1000_IMC:
        e1000_set_reg(s, E1000_IMS, e1000_reg(s, E1000_IMS) & ~val);
        update_irq(s);
        return;
    case E1000_ITR:
        e1000_set_reg(s, off, val & 0xffff);
        if (!(val & 0xffff)) {
            s->itr_next_ns = 0;
            timer_del(s->itr_timer);
            update_irq(s);
        }
        return;
    case E1000_RCTL:
        e1000_set_reg(s, off, val);
        if (val & RCTL_EN) {
            rx_room(s);
        }
        return;
    case E1000_RDH:
    case E1000_TDH:
        e1000_set_reg(s, off, val & 0xffff);
        return;
    case E1000_RDT:
        e1000_set_reg(s, off, val & 0xffff);
        rx_room(s);
        return;
    case E1000_RDLEN:
    case E1000_TDLEN:
        e1000_set_reg(s, off, val & E1000_RING_LEN_MASK);
        return;
    case E1000_TDT:
        e1000_set_reg(s, off, val & 0xffff);
        e1000_transmit(s);
        return;
    case E1000_TCTL:
        e1000_set_reg(s, off, val);
        e1000_transmit(s);
        return;
    case E1000_VET:
        e1000_set_reg(s, off, val & 0xffff);
        return;
    case E1000_RDTR:
    case E1000_TIDV:
        /* FPD is self-clearing: it reads 0 (SDM 13.4.30). */
        e1000_set_reg(s, off, val & E1000_DELAY_MASK);
        if (val & E1000_DELAY_FPD) {
            if (off == E1000_RDTR) {
                delay_flush(s, s->rdtr_timer, s->radv_timer, rx_delay_expired);
            } else {
                delay_flush(s, s->tidv_timer, s->tadv_timer, tx_delay_expired);
            }
        }
        return;
    case E1000_RADV:
    case E1000_TADV:
        e1000_set_reg(s, off, val & E1000_DELAY_MASK);
        return;
    default:
        e1000_set_reg(s, off, val);
        return;
    }
}

/* A register's stored value, without the side effects of reading it. */
static uint32_t reg_read_plain(E1000State *s, unsigned off)
{
    switch (off) {
    case E1000_EECD:
        return eecd_read(s);
    case E1000_STATS ... E1000_STATS_END - 1:
        return 0;
    default:
        return e1000_reg(s, off);
    }
}

/* BAR0: 32-bit registers; narrower accesses read or merge into the whole
 * register (drivers use 32 bits; firmware may not). */
static uint64_t mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    E1000State *s = opaque;
    unsigned shift = (addr & 3) * 8;
    uint32_t v = reg_read(s, (unsigned)(addr & ~3ull));
    return size == 4 ? v : (v >> shift) & ((1u << (size * 8)) - 1);
}

static void mmio_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    E1000State *s = opaque;
    unsigned off = (unsigned)(addr & ~3ull);
    uint32_t v = (uint32_t)val;
    if (size < 4) {
        unsigned shift = (addr & 3) * 8;
        uint32_t mask = ((1u << (size * 8)) - 1) << shift;
        /* Registers whose bits are commands (write 1 to clear, set or
         * mask) take only the bytes written; the others keep the rest. */
        bool command = off == E1000_ICR || off == E1000_ICS || off == E1000_IMS ||
                       off == E1000_IMC;
        uint32_t old = !command && off < E1000_REGS_SIZE ? reg_read_plain(s, off) : 0;
        v = (old & ~mask) | ((v << shift) & mask);
    }
    reg_write(s, off, v);
}

static const MemoryRegionOps mmio_ops = {
    .read = mmio_read,
    .write = mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

/* BAR1: IOADDR at 0 names a register, IODATA at 4 reads or writes it
 * (SDM 13.2.1); the rest of the window is reserved. */
static uint64_t io_read(void *opaque, hwaddr addr, unsigned size)
{
    E1000State *s = opaque;
    if (addr == 0 && size == 4) {
        return s->ioaddr;
    }
    if (addr == 4 && size == 4) {
        return reg_read(s, s->ioaddr & (E1000_MMIO_SIZE - 4));
    }
    return 0;
}

static void io_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    E1000State *s = opaque;
    if (addr == 0 && size == 4) {
        s->ioaddr = (uint32_t)val & (E1000_MMIO_SIZE - 1);
    } else if (addr == 4 && size == 4) {
        reg_write(s, s->ioaddr & (E1000_MMIO_SIZE - 4), (uint32_t)val);
    }
}

static const MemoryRegionOps io_ops = {
    .read = io_read,
    .write = io_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

/* ---- reset ---- */

static void e1000_reset_regs(E1000State *s)
{
    memset(s->regs, 0, sizeof(s->regs));
    /* Power-up values (SDM 13.4): full duplex, link up set by the driver's
     * SLU; VLAN ethertype 0x8100; LED control; 48 KiB of RX packet buffer. */
    e1000_set_reg(s, E1000_CTRL, 0x00000001 | CTRL_SLU | (2u << 8));
    e1000_set_reg(s, E1000_VET, 0x8100);
    e1000_set_reg(s, E1000_LEDCTL, 0x07068302);
    e1000_set_reg(s, E1000_PBA, 0x00100030);
    e1000_set_reg(s, E1000_MDIC, MDIC_READY);
    /* The MAC address from the EEPROM into receive address 0, valid. */
    const uint16_t *w = s->eeprom.words;
    e1000_set_reg(s, E1000_RA, (uint32_t)w[0] | (uint32_t)w[1] << 16);
    e1000_set_reg(s, E1000_RA + 4, w[2] | RAH_AV);
    s->irq_level = false;
    pci_set_irq(PCI_DEVICE(s), 0);
    s->itr_next_ns = 0;
    timer_del(s->itr_timer);
    delay_timers_stop(s);
    s->rx_stalled = false;
    e1000_tx_reset(s);
    phy_reset(s);
}

static void e1000_reset(PCIDevice *pci)
{
    E1000State *s = E1000(pci);
    eeprom_fill(s);
    eeprom93c46_reset(&s->eeprom);
    s->ioaddr = 0;
    e1000_reset_regs(s);
}

/* ---- realize ---- */

static bool e1000_realize(PCIDevice *pci, Error **errp)
{
    E1000State *s = E1000(pci);
    if (!net_macaddr_parse(s->mac_prop, &s->macaddr, errp)) {
        return false;
    }
    pci->config[PCI_CACHE_LINE_SIZE] = 0x10;
    pci->config[PCI_INTERRUPT_PIN] = 1;  /* INTA# */
    memory_region_init_io(&s->mmio, OBJECT(s), &mmio_ops, s, "e1000-mmio", E1000_MMIO_SIZE);
    memory_region_init_io(&s->io, OBJECT(s), &io_ops, s, "e1000-io", E1000_IO_SIZE);
    pci_register_bar(pci, 0, PCI_BASE_ADDRESS_SPACE_MEMORY, &s->mmio);
    pci_register_bar(pci, 1, PCI_BASE_ADDRESS_SPACE_IO, &s->io);
    eeprom_fill(s);
    s->tx_frame = g_malloc(E1000_TX_FRAME_MAX);
    s->itr_timer = timer_new_ns(CC_CLOCK_VIRTUAL, itr_fire, s);
    s->rdtr_timer = timer_new_ns(CC_CLOCK_VIRTUAL, rx_delay_expired, s);
    s->radv_timer = timer_new_ns(CC_CLOCK_VIRTUAL, rx_delay_expired, s);
    s->tidv_timer = timer_new_ns(CC_CLOCK_VIRTUAL, tx_delay_expired, s);
    s->tadv_timer = timer_new_ns(CC_CLOCK_VIRTUAL, tx_delay_expired, s);
    s->nic = nic_new(&e1000_nic_info, DEVICE(s), s->netdev, &s->macaddr, s);
    nic_set_rx_filter_query(s->nic, e1000_query_rx_filter);
    return true;
}

static void e1000_exit(PCIDevice *pci)
{
    E1000State *s = E1000(pci);
    nic_free(s->nic);
    s->nic = NULL;
    timer_free(s->itr_timer);
    timer_free(s->rdtr_timer);
    timer_free(s->radv_timer);
    timer_free(s->tidv_timer);
    timer_free(s->tadv_timer);
    g_free(s->tx_frame);
    memory_region_finalize(&s->mmio);
    memory_region_finalize(&s->io);
}

/* ---- properties, state, type ---- */

static const Property e1000_properties[] = {
    DEFINE_PROP_NETDEV("netdev", E1000State, netdev, "the netdev (-netdev id) it is wired to"),
    DEFINE_PROP_STRING("mac", E1000State, mac_prop, NULL,
                       "MAC address (default 52:54:00:12:34:56, then counting up)"),
    DEFINE_PROP_END_OF_LIST(),
};

/* The interrupt line and its throttle follow from the registers; a frame
 * half gathered is not kept (the driver's descriptors still hold it). */
static bool e1000_post_load(void *opaque, int version_id, Error **errp)
{
    E1000State *s = opaque;
    e1000_tx_reset(s);
    s->irq_level = false;
    s->itr_next_ns = 0;
    pci_set_irq(PCI_DEVICE(s), 0);
    update_irq(s);
    return true;
}

static const VMStateDescription vmstate_e1000 = {
    .name = TYPE_E1000,
    .version_id = 2,
    .minimum_version_id = 1,
    .post_load = e1000_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, E1000State),
        VMSTATE_UINT32_ARRAY(regs, E1000State, E1000_REGS_SIZE / 4),
        VMSTATE_UINT16_ARRAY(phy, E1000State, 32),
        VMSTATE_UINT16_ARRAY(eeprom.words, E1000State, EEPROM_WORDS),
        VMSTATE_UINT32(ioaddr, E1000State),
        VMSTATE_UINT8(ctx.ipcss, E1000State),
        VMSTATE_UINT8(ctx.ipcso, E1000State),
        VMSTATE_UINT16(ctx.ipcse, E1000State),
        VMSTATE_UINT8(ctx.tucss, E1000State),
        VMSTATE_UINT8(ctx.tucso, E1000State),
        VMSTATE_UINT16(ctx.tucse, E1000State),
        VMSTATE_UINT32(ctx.paylen, E1000State),
        VMSTATE_UINT8(ctx.tucmd, E1000State),
        VMSTATE_UINT8(ctx.hdrlen, E1000State),
        VMSTATE_UINT16(ctx.mss, E1000State),
        /* Version 2: the interrupt delays that were running. */
        VMSTATE_TIMER_V(rdtr_timer, E1000State, 2),
        VMSTATE_TIMER_V(radv_timer, E1000State, 2),
        VMSTATE_TIMER_V(tidv_timer, E1000State, 2),
        VMSTATE_TIMER_V(tadv_timer, E1000State, 2),
        VMSTATE_END_OF_LIST()
    },
};

static void e1000_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
    dc->desc = "Intel 82540EM Gigabit Ethernet (Linux: e1000)";
    dc->category = DEVICE_CATEGORY_NETWORK;
    dc->vmsd = &vmstate_e1000;
    device_class_set_props(dc, e1000_properties);
    k->vendor_id = 0x8086;               /* Intel */
    k->device_id = 0x100e;               /* 82540EM desktop */
    k->class_id = 0x0200;                /* network, Ethernet */
    k->revision = 0x03;
    k->subsystem_vendor_id = 0x1af4;     /* as QEMU's card */
    k->subsystem_id = 0x1100;
    k->romfile = "pxe-e1000.rom";
    k->realize = e1000_realize;
    k->exit = e1000_exit;
    k->reset = e1000_reset;
}

static const TypeInfo e1000_types[] = {
    {
        .name = TYPE_E1000,
        .parent = TYPE_PCI_DEVICE,
        .instance_size = sizeof(E1000State),
        .class_init = e1000_class_init,
    },
};

DEFINE_TYPES(e1000_types)

CARDCAGE_PLUGIN(
    .name = "e1000",
    .version = "1.0",
    .description = "e1000: Intel 82540EM Gigabit Ethernet",
    .license = "MIT",
);
