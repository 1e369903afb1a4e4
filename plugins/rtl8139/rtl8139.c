/*
 * rtl8139: the Realtek RTL8139C+ Fast Ethernet card as QEMU presents it
 * (PCI 10ec:8139, revision 0x20, so Linux binds 8139cp), on the same
 * registers in both BARs: BAR0 256 bytes of I/O ports, BAR1 256 bytes of
 * memory.  Its option ROM is iPXE's pxe-rtl8139.rom.
 *
 * This file: the register file, interrupts, the TCTR timer, the EEPROM
 * and MII glue, reset and the PCI function.  The receive and transmit
 * paths are in rtl8139-normal.c (C mode) and rtl8139-cplus.c (C+ mode).
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "rtl8139.h"

/* TCR's hardware version bits for the RTL8139C+ (datasheet 6, TCR bits
 * 30:26 and 23:22 = 11101 11): drivers identify the chip by them. */
#define TCR_HWVERID_8139CPLUS 0x74800000u
#define TCR_HWVERID_MASK      0x7cc00000u
/* The PCI clock TCTR counts (datasheet 6, TCTR). */
#define TCTR_HZ 33000000ull
/* MII status: 100BASE-TX full/half, 10BASE-T full/half, auto-negotiation
 * able, extended capabilities (IEEE 802.3 22.2.4.2), plus link up and
 * negotiation complete. */
#define BMSR_CAPS         0x7809
#define BMSR_LINK         0x0004
#define BMSR_ANEG_DONE    0x0020
#define BMCR_RESET        0x8000
#define BMCR_ANEG_RESTART 0x0200
/* Link partner: 100/10 full and half duplex, 802.3 selector (22.2.4.3). */
#define ANLPAR_PARTNER    0x05e1
/* MSR: LINKB is 1 while the link is down (datasheet 6, MSR bit 2). */
#define MSR_LINKB         0x04

/* ---- register storage ---- */

uint32_t rtl_reg32(RTL8139State *s, unsigned off)
{
    return cc_ld_le32(s->regs + off);
}

uint16_t rtl_reg16(RTL8139State *s, unsigned off)
{
    return cc_ld_le16(s->regs + off);
}

void rtl_set_reg32(RTL8139State *s, unsigned off, uint32_t v)
{
    cc_st_le32(s->regs + off, v);
}

bool rtl_cplus_mode(RTL8139State *s)
{
    return rtl_reg16(s, RTL_CPCR) & (CPCR_TX_ENB | CPCR_RX_ENB);
}

/* ---- interrupts ---- */

static void update_irq(RTL8139State *s)
{
    pci_set_irq(PCI_DEVICE(s), (s->isr & rtl_reg16(s, RTL_IMR)) != 0);
}

void rtl_raise(RTL8139State *s, uint16_t bits)
{
    s->isr |= bits;
    update_irq(s);
}

/* ---- the timer (TCTR counts at 33 MHz; TimerInt != 0 raises TimeOut
 * when TCTR reaches it) ---- */

static uint32_t tctr_now(RTL8139State *s)
{
    int64_t dt = clock_get_ns(CC_CLOCK_VIRTUAL) - s->tctr_base_ns;
    return (uint32_t)((uint64_t)dt * TCTR_HZ / 1000000000ull);
}

static void timer_arm(RTL8139State *s)
{
    uint32_t target = rtl_reg32(s, RTL_TIMERINT);
    if (!target) {
        timer_del(s->timer);
        return;
    }
    uint32_t now = tctr_now(s);
    /* Ticks until TCTR next equals target (modulo the 32-bit wrap). */
    uint64_t ticks = (uint32_t)(target - now);
    if (!ticks) {
        ticks = 1ull << 32;
    }
    int64_t ns = (int64_t)((ticks * 1000000000ull + TCTR_HZ - 1) / TCTR_HZ);
    timer_mod_ns(s->timer, clock_get_ns(CC_CLOCK_VIRTUAL) + ns);
}

static void timer_fire(void *opaque)
{
    RTL8139State *s = opaque;
    rtl_raise(s, INT_TIMEOUT);
    timer_arm(s);
}

/* ---- the receive side the net layer sees ---- */

static bool nic_can_receive(NetClient *nc)
{
    RTL8139State *s = net_client_opaque(nc);
    return rtl_cplus_mode(s) ? rtl_cplus_can_receive(s) : rtl_normal_can_receive(s);
}

static ssize_t nic_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    RTL8139State *s = net_client_opaque(nc);
    return rtl_cplus_mode(s) ? rtl_cplus_receive(s, buf, len) : rtl_normal_receive(s, buf, len);
}

static void nic_link_changed(NetClient *nc)
{
    rtl_raise(net_client_opaque(nc), INT_LINKCHG);
}

static const NetClientInfo rtl_nic_info = {
    .type = "nic",
    .can_receive = nic_can_receive,
    .receive = nic_receive,
    .link_status_changed = nic_link_changed,
};

/* The guest may have made room (CAPR moved, RX descriptors given back,
 * an interrupt acknowledged after a refill): deliver what waits. */
static void rx_room(RTL8139State *s)
{
    net_client_receive_ready(s->nic);
}

/* ---- register reads ---- */

static uint8_t read_byte(RTL8139State *s, unsigned off)
{
    bool link = net_client_link_up(s->nic);
    switch (off) {
    case RTL_CR:
        return (s->regs[RTL_CR] & (CR_TE | CR_RE)) | rtl_normal_cr_bufe(s);
    case RTL_CBR:
    case RTL_CBR + 1:
        return (uint8_t)(s->cbr >> 8 * (off - RTL_CBR));
    case RTL_ISR:
    case RTL_ISR + 1:
        return (uint8_t)(s->isr >> 8 * (off - RTL_ISR));
    case RTL_TCTR ... RTL_TCTR + 3:
        return (uint8_t)(tctr_now(s) >> 8 * (off - RTL_TCTR));
    case RTL_9346CR: {
        uint8_t v = s->regs[RTL_9346CR] & ~EE_DO;
        return v | (s->eeprom.dout ? EE_DO : 0);
    }
    case RTL_MSR:
        return link ? 0 : MSR_LINKB;
    case RTL_TSAD:
    case RTL_TSAD + 1: {
        uint16_t sum = 0;
        for (unsigned n = 0; n < 4; n++) {
            uint32_t tsd = rtl_reg32(s, RTL_TSD0 + 4 * n);
            sum |= (tsd & TSD_OWN ? 1u : 0) << n | (tsd & TSD_TABT ? 1u : 0) << (n + 4) |
                   (tsd & TSD_TUN ? 1u : 0) << (n + 8) | (tsd & TSD_TOK ? 1u : 0) << (n + 12);
        }
        return (uint8_t)(sum >> 8 * (off - RTL_TSAD));
    }
    case RTL_BMSR:
    case RTL_BMSR + 1: {
        uint16_t v = BMSR_CAPS | (link ? BMSR_LINK | BMSR_ANEG_DONE : 0);
        return (uint8_t)(v >> 8 * (off - RTL_BMSR));
    }
    case RTL_ANLPAR:
    case RTL_ANLPAR + 1:
        return link ? (uint8_t)(ANLPAR_PARTNER >> 8 * (off - RTL_ANLPAR)) : 0;
    case RTL_RSVD_DA ... RTL_RSVD_DF:
        /* Reserved (datasheet 6, register table): nothing is stored, so a
         * driver probing for the 8169's RMS register here (iPXE's realtek
         * driver writes it and reads it back) sees an 8139C+. */
        return 0;
    default:
        return s->regs[off];
    }
}

static uint64_t rtl_read(void *opaque, hwaddr addr, unsigned size)
{
    RTL8139State *s = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size && addr + i < RTL_REGS_SIZE; i++) {
        v |= (uint64_t)read_byte(s, (unsigned)addr + i) << (8 * i);
    }
    return v;
}

/* ---- register writes ---- */

static void soft_reset(RTL8139State *s);

static void write_eeprom_ctl(RTL8139State *s, uint8_t v)
{
    unsigned mode = v >> EE_MODE_SHIFT;
    s->regs[RTL_9346CR] = v & 0xce;
    if (mode == EE_MODE_PROGRAM) {
        eeprom93c46_set_pins(&s->eeprom, v & EE_CS, v & EE_SK, v & EE_DI);
    } else {
        eeprom93c46_set_pins(&s->eeprom, false, false, false);
    }
    if (mode == 1) {
        /* Auto-load: the MAC address comes back from the EEPROM (words
         * 7..9, low byte first), then the mode returns to normal. */
        for (int i = 0; i < 3; i++) {
            s->regs[RTL_IDR0 + 2 * i] = (uint8_t)s->eeprom.words[7 + i];
            s->regs[RTL_IDR0 + 2 * i + 1] = (uint8_t)(s->eeprom.words[7 + i] >> 8);
        }
        s->regs[RTL_9346CR] &= 0x3f;
    }
}

/* One byte written at off; val is the byte. */
static void write_byte(RTL8139State *s, unsigned off, uint8_t val)
{
    switch (off) {
    case RTL_CR:
        if (val & CR_RST) {
            soft_reset(s);
            return;
        }
        s->regs[RTL_CR] = val & (CR_TE | CR_RE);
        if (!(val & CR_TE)) {
            s->cp_tx_index = 0;
        }
        if (!(val & CR_RE)) {
            s->cp_rx_index = 0;
        } else {
            rx_room(s);
        }
        return;
    case RTL_CBR:
    case RTL_CBR + 1:
    case RTL_MSR:
    case RTL_TSAD:
    case RTL_TSAD + 1:
    case RTL_BMSR:
    case RTL_BMSR + 1:
    case RTL_ANLPAR:
    case RTL_ANLPAR + 1:
    case RTL_RSVD_DA ... RTL_RSVD_DF:
        return;                              /* read only, or reserved */
    case RTL_ISR:
    case RTL_ISR + 1:
        /* Write 1 to clear (datasheet 6, ISR). */
        s->isr &= (uint16_t)~((uint16_t)val << 8 * (off - RTL_ISR));
        update_irq(s);
        rx_room(s);
        return;
    case RTL_TCTR ... RTL_TCTR + 3:
        /* Any write restarts the count from 0. */
        s->tctr_base_ns = clock_get_ns(CC_CLOCK_VIRTUAL);
        timer_arm(s);
        return;
    case RTL_MPC ... RTL_MPC + 3:
        rtl_set_reg32(s, RTL_MPC, 0);        /* any write clears it */
        return;
    case RTL_9346CR:
        write_eeprom_ctl(s, val);
        return;
    case RTL_TCR + 3:
        /* Keep the hardware version bits. */
        s->regs[off] = (val & ~(TCR_HWVERID_MASK >> 24)) | (uint8_t)(TCR_HWVERID_8139CPLUS >> 24);
        return;
    case RTL_TCR + 2:
        s->regs[off] = (val & ~(uint8_t)(TCR_HWVERID_MASK >> 16)) |
                       (uint8_t)(TCR_HWVERID_8139CPLUS >> 16);
        return;
    default:
        s->regs[off] = val;
        return;
    }
}

/* A register of several bytes has its effect once it is whole. */
static void write_done(RTL8139State *s, unsigned off, unsigned size)
{
    unsigned end = off + size;
#define TOUCHES(reg, width) ((reg) < end && off < (reg) + (width))
    if (!rtl_cplus_mode(s)) {
        for (unsigned n = 0; n < 4; n++) {
            /* Writing a TSD with OWN clear hands the buffer to the card. */
            if (TOUCHES(RTL_TSD0 + 4 * n, 4) &&
                !(rtl_reg32(s, RTL_TSD0 + 4 * n) & TSD_OWN)) {
                rtl_normal_transmit(s, n);
            }
        }
    } else if (TOUCHES(RTL_DTCCR, 4) && (s->regs[RTL_DTCCR] & 0x08)) {
        rtl_cplus_dump_tally(s);
    }
    if (TOUCHES(RTL_CAPR, 2)) {
        rx_room(s);
    }
    if (TOUCHES(RTL_IMR, 2)) {
        cc_st_le16(s->regs + RTL_IMR, rtl_reg16(s, RTL_IMR) & INT_ALL);
        update_irq(s);
        rx_room(s);
    }
    if (TOUCHES(RTL_TIMERINT, 4)) {
        timer_arm(s);
    }
    if (TOUCHES(RTL_TPPOLL, 1)) {
        /* NPQ (bit 6): the normal-priority ring has work; the high-
         * priority one (bit 7) is not used by drivers and shares it. */
        if (s->regs[RTL_TPPOLL] & 0xc0) {
            s->regs[RTL_TPPOLL] = 0;
            rtl_cplus_transmit(s);
        }
    }
    if (TOUCHES(RTL_RDSAR, 8)) {
        s->cp_rx_index = 0;
        rx_room(s);
    }
    if (TOUCHES(RTL_TNPDS, 8) && rtl_cplus_mode(s)) {
        s->cp_tx_index = 0;
    }
    if (TOUCHES(RTL_CPCR, 2)) {
        rx_room(s);
    }
    if (TOUCHES(RTL_BMCR, 2)) {
        /* Reset and restart-negotiation complete at once. */
        uint16_t bmcr = rtl_reg16(s, RTL_BMCR) & ~(BMCR_RESET | BMCR_ANEG_RESTART);
        cc_st_le16(s->regs + RTL_BMCR, bmcr);
    }
#undef TOUCHES
}

static void rtl_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    RTL8139State *s = opaque;
    for (unsigned i = 0; i < size && addr + i < RTL_REGS_SIZE; i++) {
        write_byte(s, (unsigned)addr + i, (uint8_t)(val >> (8 * i)));
    }
    write_done(s, (unsigned)addr, size);
}

static const MemoryRegionOps rtl_ops = {
    .read = rtl_read,
    .write = rtl_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

/* ---- reset ---- */

static void soft_reset(RTL8139State *s)
{
    /* A software reset (CR RST) clears the rings, the interrupts and the
     * C+ mode but keeps the MAC, MAR and configuration (datasheet 6, CR). */
    uint8_t keep[RTL_REGS_SIZE];
    memcpy(keep, s->regs, sizeof(keep));
    memset(s->regs + RTL_TSD0, 0, RTL_CONFIG0 - RTL_TSD0);
    for (unsigned n = 0; n < 4; n++) {
        rtl_set_reg32(s, RTL_TSD0 + 4 * n, TSD_OWN);
    }
    memcpy(s->regs + RTL_9346CR, keep + RTL_9346CR, 1);
    rtl_set_reg32(s, RTL_TCR, TCR_HWVERID_8139CPLUS);
    /* CAPR starts 16 below the read point, where the driver keeps it. */
    cc_st_le16(s->regs + RTL_CAPR, 0xfff0);
    cc_st_le16(s->regs + RTL_CPCR, 0);
    memset(s->regs + RTL_RDSAR, 0, 8);
    s->cbr = 0;
    s->isr = 0;
    s->cp_tx_index = s->cp_rx_index = 0;
    s->tx_frame_len = 0;
    s->tx_frame_bad = false;
    s->rx_stalled = false;
    update_irq(s);
}

static void rtl_reset(PCIDevice *pci)
{
    RTL8139State *s = RTL8139(pci);
    memset(s->regs, 0, sizeof(s->regs));
    memcpy(s->regs + RTL_IDR0, s->macaddr.a, 6);
    s->regs[RTL_CONFIG0] = 0x00;
    /* Config1: LED/driver-loaded clear, power management enabled bit 0
     * left off; Config3: fast back-to-back off; Config4: the defaults. */
    s->regs[RTL_CONFIG1] = 0x00;
    s->regs[RTL_CONFIG3] = 0x00;
    s->regs[RTL_CONFIG4] = 0x00;
    cc_st_le16(s->regs + RTL_BMCR, 0x1000);          /* auto-negotiation enabled */
    cc_st_le16(s->regs + RTL_ANAR, ANLPAR_PARTNER);
    cc_st_le16(s->regs + RTL_ANER, 0x0001);          /* partner negotiates */
    soft_reset(s);
    s->tctr_base_ns = clock_get_ns(CC_CLOCK_VIRTUAL);
    timer_del(s->timer);
    eeprom93c46_reset(&s->eeprom);
}

/* ---- realize ---- */

/* The EEPROM contents QEMU's card has: the 8129 signature word, the PCI
 * ids, then the MAC address at words 7..9 (low byte first), which drivers
 * read at probe (8139too/8139cp read_eeprom). */
static void eeprom_fill(RTL8139State *s)
{
    uint16_t *w = s->eeprom.words;
    memset(w, 0, sizeof(s->eeprom.words));
    w[0] = 0x8129;
    w[1] = 0x10ec;
    w[2] = 0x8139;
    for (int i = 0; i < 3; i++) {
        w[7 + i] = (uint16_t)(s->macaddr.a[2 * i] | s->macaddr.a[2 * i + 1] << 8);
    }
}

static bool rtl_realize(PCIDevice *pci, Error **errp)
{
    RTL8139State *s = RTL8139(pci);
    if (!net_macaddr_parse(s->mac_prop, &s->macaddr, errp)) {
        return false;
    }
    pci->config[PCI_INTERRUPT_PIN] = 1;              /* INTA# */
    memory_region_init_io(&s->io, OBJECT(s), &rtl_ops, s, "rtl8139-io", RTL_REGS_SIZE);
    memory_region_init_io(&s->mmio, OBJECT(s), &rtl_ops, s, "rtl8139-mmio", RTL_REGS_SIZE);
    pci_register_bar(pci, 0, PCI_BASE_ADDRESS_SPACE_IO, &s->io);
    pci_register_bar(pci, 1, PCI_BASE_ADDRESS_SPACE_MEMORY, &s->mmio);
    eeprom_fill(s);
    s->tx_frame = g_malloc(CP_TX_FRAME_MAX);
    s->timer = timer_new_ns(CC_CLOCK_VIRTUAL, timer_fire, s);
    s->nic = nic_new(&rtl_nic_info, DEVICE(s), s->netdev, &s->macaddr, s);
    nic_set_rx_filter_query(s->nic, rtl_query_rx_filter);
    return true;
}

static void rtl_exit(PCIDevice *pci)
{
    RTL8139State *s = RTL8139(pci);
    nic_free(s->nic);
    s->nic = NULL;
    timer_free(s->timer);
    g_free(s->tx_frame);
    memory_region_finalize(&s->io);
    memory_region_finalize(&s->mmio);
}

/* ---- properties, state, type ---- */

static const Property rtl_properties[] = {
    DEFINE_PROP_NETDEV("netdev", RTL8139State, netdev, "the netdev (-netdev id) it is wired to"),
    DEFINE_PROP_STRING("mac", RTL8139State, mac_prop, NULL,
                       "MAC address (default 52:54:00:12:34:56, then counting up)"),
    DEFINE_PROP_END_OF_LIST(),
};

/* The timer and the interrupt line follow from the registers; a C+ frame
 * half gathered is not kept (the driver's descriptors still hold it). */
static bool rtl_post_load(void *opaque, int version_id, Error **errp)
{
    RTL8139State *s = opaque;
    s->tx_frame_len = 0;
    s->tx_frame_flags = 0;
    s->tx_frame_bad = false;
    s->isr &= INT_ALL;
    timer_arm(s);
    update_irq(s);
    return true;
}

static const VMStateDescription vmstate_rtl8139 = {
    .name = TYPE_RTL8139,
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = rtl_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, RTL8139State),
        VMSTATE_UINT8_ARRAY(regs, RTL8139State, RTL_REGS_SIZE),
        VMSTATE_UINT16(isr, RTL8139State),
        VMSTATE_UINT32_MAX(cbr, RTL8139State, (8192u << 3) + 16),
        VMSTATE_UINT32_INDEX(cp_tx_index, RTL8139State, CP_RING_MAX),
        VMSTATE_UINT32_INDEX(cp_rx_index, RTL8139State, CP_RING_MAX),
        VMSTATE_INT64(tctr_base_ns, RTL8139State),
        VMSTATE_UINT16_ARRAY(eeprom.words, RTL8139State, EEPROM_WORDS),
        VMSTATE_END_OF_LIST()
    },
};

static void rtl_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
    dc->desc = "Realtek RTL8139C+ Fast Ethernet (Linux: 8139cp)";
    dc->category = DEVICE_CATEGORY_NETWORK;
    dc->vmsd = &vmstate_rtl8139;
    device_class_set_props(dc, rtl_properties);
    k->vendor_id = 0x10ec;               /* Realtek */
    k->device_id = 0x8139;
    k->class_id = 0x0200;                /* network, Ethernet */
    k->revision = 0x20;                  /* C+: 8139too leaves it to 8139cp */
    k->subsystem_vendor_id = 0x1af4;     /* as QEMU's card */
    k->subsystem_id = 0x1100;
    k->romfile = "pxe-rtl8139.rom";
    k->realize = rtl_realize;
    k->exit = rtl_exit;
    k->reset = rtl_reset;
}

static const TypeInfo rtl8139_types[] = {
    {
        .name = TYPE_RTL8139,
        .parent = TYPE_PCI_DEVICE,
        .instance_size = sizeof(RTL8139State),
        .class_init = rtl_class_init,
    },
};

DEFINE_TYPES(rtl8139_types)

CARDCAGE_PLUGIN(
    .name = "rtl8139",
    .version = "1.0",
    .description = "rtl8139: Realtek RTL8139C+ Fast Ethernet (C and C+ modes)",
    .license = "MIT",
);
