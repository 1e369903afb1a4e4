/*
 * ne2000: the NE2000 network card in its two forms, on the DP8390 core of
 * ne2000-core.c:
 *
 *   ne2k_pci  the Realtek RTL8029AS as QEMU presents it: PCI 10ec:8029,
 *             the NE2000 port window in BAR0 (256 bytes of I/O), INTA#,
 *             iPXE's pxe-ne2k_pci.rom as option ROM (Linux: ne2k-pci)
 *   ne2k_isa  the ISA card as QEMU's ne2k_isa: 32 ports at iobase
 *             (default 0x300) and ISA IRQ irq (default 9) (Linux: ne with
 *             io=0x300 irq=9)
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "ne2000.h"

#define TYPE_NE2K_PCI "ne2k_pci"
#define TYPE_NE2K_ISA "ne2k_isa"

/* The PCI card's BAR0: QEMU's size for it (the RTL8029AS decodes 32
 * ports; the rest of the window reads 0xFF). */
#define NE2K_PCI_BAR_SIZE 0x100
/* ISA IRQs an 8259 pair has. */
#define ISA_NUM_IRQS 16

/* ---- ne2k_pci ---- */

typedef struct NE2KPCIState {
    PCIDevice parent_obj;
    MemoryRegion io;
    NetClient *netdev;
    char *mac_prop;
    NE2000State ne2k;
} NE2KPCIState;

#define NE2K_PCI(obj) OBJECT_CHECK(NE2KPCIState, (obj), TYPE_NE2K_PCI)

static void pci_irq(void *opaque, int level)
{
    pci_set_irq(PCI_DEVICE(opaque), level);
}

static bool ne2k_pci_realize(PCIDevice *pci, Error **errp)
{
    NE2KPCIState *s = NE2K_PCI(pci);
    if (!net_macaddr_parse(s->mac_prop, &s->ne2k.macaddr, errp)) {
        return false;
    }
    pci->config[PCI_INTERRUPT_PIN] = 1;              /* INTA# */
    s->ne2k.set_irq = pci_irq;
    s->ne2k.irq_opaque = s;
    memory_region_init_io(&s->io, OBJECT(s), &ne2k_io_ops, &s->ne2k, "ne2k_pci-io",
                          NE2K_PCI_BAR_SIZE);
    pci_register_bar(pci, 0, PCI_BASE_ADDRESS_SPACE_IO, &s->io);
    ne2k_core_init(&s->ne2k, DEVICE(s), s->netdev);
    return true;
}

static void ne2k_pci_exit(PCIDevice *pci)
{
    NE2KPCIState *s = NE2K_PCI(pci);
    ne2k_core_cleanup(&s->ne2k);
    memory_region_finalize(&s->io);
}

static void ne2k_pci_reset(PCIDevice *pci)
{
    ne2k_core_reset(&NE2K_PCI(pci)->ne2k);
}

static const Property ne2k_pci_properties[] = {
    DEFINE_PROP_NETDEV("netdev", NE2KPCIState, netdev, "the netdev (-netdev id) it is wired to"),
    DEFINE_PROP_STRING("mac", NE2KPCIState, mac_prop, NULL,
                       "MAC address (default 52:54:00:12:34:56, then counting up)"),
    DEFINE_PROP_END_OF_LIST(),
};

static bool ne2k_pci_post_load(void *opaque, int version_id, Error **errp)
{
    ne2k_core_post_load(&NE2K_PCI(opaque)->ne2k);
    return true;
}

static const VMStateDescription vmstate_ne2k_pci = {
    .name = TYPE_NE2K_PCI,
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = ne2k_pci_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, NE2KPCIState),
        VMSTATE_STRUCT(ne2k, NE2KPCIState, vmstate_ne2000_core, NE2000State),
        VMSTATE_END_OF_LIST()
    },
};

static void ne2k_pci_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
    dc->desc = "Realtek RTL8029AS, an NE2000 on PCI (Linux: ne2k-pci)";
    dc->category = DEVICE_CATEGORY_NETWORK;
    dc->vmsd = &vmstate_ne2k_pci;
    device_class_set_props(dc, ne2k_pci_properties);
    k->vendor_id = 0x10ec;               /* Realtek */
    k->device_id = 0x8029;               /* RTL8029(AS) */
    k->class_id = 0x0200;                /* network, Ethernet */
    k->subsystem_vendor_id = 0x1af4;     /* as QEMU's card */
    k->subsystem_id = 0x1100;
    k->romfile = "pxe-ne2k_pci.rom";
    k->realize = ne2k_pci_realize;
    k->exit = ne2k_pci_exit;
    k->reset = ne2k_pci_reset;
}

/* ---- ne2k_isa ---- */

typedef struct NE2KISAState {
    ISADevice parent_obj;
    MemoryRegion io;
    IRQState *irq;
    NetClient *netdev;
    char *mac_prop;
    uint16_t iobase;
    int32_t isa_irq;
    NE2000State ne2k;
} NE2KISAState;

#define NE2K_ISA(obj) OBJECT_CHECK(NE2KISAState, (obj), TYPE_NE2K_ISA)

static void isa_irq(void *opaque, int level)
{
    NE2KISAState *s = opaque;
    irq_set(s->irq, level);
}

/* irq=N wires the card to ISA IRQ N as QEMU's isa_get_irq does: the
 * board's 8259 ("pic", input N) and, where the board has one, the I/O
 * APIC ("ioapic", pin N), the two inputs every ISA IRQ of cardcage's pc
 * and isapc reaches.  irq=-1 leaves the "irq" output to the board. */
static bool wire_isa_irq(NE2KISAState *s, Error **errp)
{
    if (s->isa_irq == -1) {
        return true;
    }
    if (s->isa_irq < 0 || s->isa_irq >= ISA_NUM_IRQS) {
        error_setg(errp, "ne2k_isa: irq=%d: an ISA IRQ is 0 to 15 (-1: wired by the board)",
                   s->isa_irq);
        return false;
    }
    DeviceState *pic = device_find_by_id("pic");
    IRQState *in = pic ? device_get_gpio_in_named(pic, "in", s->isa_irq) : NULL;
    if (!in) {
        error_setg(errp, "ne2k_isa: irq=%d: the board has no 8259 'pic' to wire it to "
                   "(set irq=-1 and wire the \"irq\" output with irq.irq=...)", s->isa_irq);
        return false;
    }
    if (!device_connect_gpio_out_named(DEVICE(s), "irq", 0, in, errp)) {
        return false;
    }
    DeviceState *ioapic = device_find_by_id("ioapic");
    IRQState *pin = ioapic ? device_get_gpio_in_named(ioapic, "in", s->isa_irq) : NULL;
    return !pin || device_connect_gpio_out_named(DEVICE(s), "irq", 0, pin, errp);
}

static bool ne2k_isa_realize(DeviceState *dev, Error **errp)
{
    NE2KISAState *s = NE2K_ISA(dev);
    if (!net_macaddr_parse(s->mac_prop, &s->ne2k.macaddr, errp)) {
        return false;
    }
    s->ne2k.set_irq = isa_irq;
    s->ne2k.irq_opaque = s;
    memory_region_init_io(&s->io, OBJECT(s), &ne2k_io_ops, &s->ne2k, "ne2k_isa-io", NE2K_IO_SIZE);
    if (!isa_register_ioport(ISA_DEVICE(dev), &s->io, s->iobase, errp) ||
        !wire_isa_irq(s, errp)) {
        return false;
    }
    ne2k_core_init(&s->ne2k, dev, s->netdev);
    return true;
}

static void ne2k_isa_unrealize(DeviceState *dev)
{
    NE2KISAState *s = NE2K_ISA(dev);
    ne2k_core_cleanup(&s->ne2k);
    memory_region_finalize(&s->io);
}

static void ne2k_isa_reset(DeviceState *dev)
{
    ne2k_core_reset(&NE2K_ISA(dev)->ne2k);
}

static void ne2k_isa_init(Object *obj)
{
    device_init_gpio_out_named(DEVICE(obj), &NE2K_ISA(obj)->irq, "irq", 1);
}

static const Property ne2k_isa_properties[] = {
    DEFINE_PROP_NETDEV("netdev", NE2KISAState, netdev, "the netdev (-netdev id) it is wired to"),
    DEFINE_PROP_STRING("mac", NE2KISAState, mac_prop, NULL,
                       "MAC address (default 52:54:00:12:34:56, then counting up)"),
    DEFINE_PROP_UINT16("iobase", NE2KISAState, iobase, 0x300, "first of its 32 I/O ports"),
    DEFINE_PROP_INT32("irq", NE2KISAState, isa_irq, 9,
                      "ISA IRQ (0-15), wired to the board's pic (and ioapic); -1: the board "
                      "wires the \"irq\" output"),
    DEFINE_PROP_END_OF_LIST(),
};

static bool ne2k_isa_post_load(void *opaque, int version_id, Error **errp)
{
    ne2k_core_post_load(&NE2K_ISA(opaque)->ne2k);
    return true;
}

static const VMStateDescription vmstate_ne2k_isa = {
    .name = TYPE_NE2K_ISA,
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = ne2k_isa_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT(ne2k, NE2KISAState, vmstate_ne2000_core, NE2000State),
        VMSTATE_END_OF_LIST()
    },
};

static void ne2k_isa_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->desc = "NE2000 on the ISA bus (Linux: ne io=0x300 irq=9)";
    dc->category = DEVICE_CATEGORY_NETWORK;
    dc->realize = ne2k_isa_realize;
    dc->unrealize = ne2k_isa_unrealize;
    dc->reset = ne2k_isa_reset;
    dc->vmsd = &vmstate_ne2k_isa;
    device_class_set_props(dc, ne2k_isa_properties);
}

/* ---- types ---- */

static const TypeInfo ne2000_types[] = {
    {
        .name = TYPE_NE2K_PCI,
        .parent = TYPE_PCI_DEVICE,
        .instance_size = sizeof(NE2KPCIState),
        .class_init = ne2k_pci_class_init,
    },
    {
        .name = TYPE_NE2K_ISA,
        .parent = TYPE_ISA_DEVICE,
        .instance_size = sizeof(NE2KISAState),
        .instance_init = ne2k_isa_init,
        .class_init = ne2k_isa_class_init,
    },
};

DEFINE_TYPES(ne2000_types)

CARDCAGE_PLUGIN(
    .name = "ne2000",
    .version = "1.0",
    .description = "ne2000: NE2000 network cards (ne2k_pci: RTL8029AS; ne2k_isa)",
    .license = "MIT",
);
