/*
 * PIIX3: function 0 of the Intel 82371SB PCI ISA IDE Xcelerator
 * (datasheet 290550), the PCI-to-ISA bridge: it creates the ISA bus and
 * routes the PCI bus's four interrupt lines PIRQA#-PIRQD# to ISA IRQs
 * (PIRQRC[A:D], 2.2.15).  Its other functions: the IDE controller (01.1,
 * later) and, on QEMU's pc and here, the PIIX4's power management
 * function at 01.3 (PIIX4_PM, piix4-pm.c).
 *
 * The ELCR at 0x4D0/0x4D1 (82371SB 4.1, "ELCR1/ELCR2") is decoded by the board's
 * i8259, which holds the trigger modes it controls.  The reset control
 * register at 0xCF9 is decoded by the host bridge (see i440fx-host.c for
 * why).
 *
 * Wiring and properties:
 *   outputs "isa-irq[0..15]"  the ISA IRQ lines PIRQs are routed to, to
 *                             the 8259's inputs (only 3-7, 9-12, 14, 15
 *                             can be chosen)
 *   outputs "pirq[0..3]"      PIRQA#-PIRQD# themselves, for the I/O
 *                             APIC's inputs 16-19 as on QEMU's pc
 *   "isa-bus-name" ("isa")    the ISA bus it creates
 *   "multifunction" must be on (the board sets it): 01.3 follows.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/cardcage.h>
#include <cardcage/acpi.h>

#define TYPE_PIIX3 "PIIX3"

#define PIIX_NUM_PIRQS   4
#define ISA_NUM_IRQS     16

/* PIRQRC[A:D] (82371SB 2.2.15): bit 7 disables routing, bits 3:0 pick
 * the IRQ; reset value 80h. */
#define PIIX_PIRQRC      0x60
#define PIRQRC_DISABLE   0x80
#define PIRQRC_IRQ_MASK  0x0f
/* The IRQs bits 3:0 may choose; 0-2, 8 and 13 are reserved. */
#define PIRQ_VALID_IRQS  0xdef8

/* The registers of the 82371SB's function 0 the guest can write, with
 * their reset values (2.2, table "PCI Configuration Registers (ISA
 * Bridge)"), as QEMU's piix3 resets them. */
static const struct {
    uint8_t offset, reset, wmask;
} piix3_regs[] = {
    { 0x4c, 0x4d, 0xff },   /* IORT: ISA I/O recovery timer */
    { 0x4e, 0x03, 0xff },   /* XBCS: X-bus chip select (low) */
    { 0x4f, 0x00, 0xff },   /* XBCS (high) */
    { 0x60, PIRQRC_DISABLE, 0x8f },
    { 0x61, PIRQRC_DISABLE, 0x8f },
    { 0x62, PIRQRC_DISABLE, 0x8f },
    { 0x63, PIRQRC_DISABLE, 0x8f },
    { 0x69, 0x02, 0xff },   /* TOM: top of memory */
    { 0x6a, 0x00, 0xff },   /* MSTAT: miscellaneous status (low) */
    { 0x6b, 0x00, 0xff },
    { 0x70, 0x80, 0xff },   /* MBIRQ0: motherboard device IRQ route */
    { 0x76, 0x0c, 0xff },   /* MBDMA0 */
    { 0x77, 0x0c, 0xff },   /* MBDMA1 */
    { 0x78, 0x02, 0xff },   /* PCSC: programmable chip select (low) */
    { 0x79, 0x00, 0xff },
    { 0x80, 0x00, 0xff },   /* APICBASE */
    { 0x82, 0x00, 0xff },   /* DLC: deterministic latency control */
    { 0xa0, 0x08, 0xff },   /* SMICNTL */
    { 0xa2, 0x00, 0xff },   /* SMIEN */
    { 0xa3, 0x00, 0xff },
    { 0xa4, 0x00, 0xff },   /* SEE: system event enable */
    { 0xa5, 0x00, 0xff },
    { 0xa6, 0x00, 0xff },
    { 0xa7, 0x00, 0xff },
    { 0xa8, 0x0f, 0xff },   /* FTMR: fast off timer */
    { 0xaa, 0x00, 0xff },   /* SMIREQ */
    { 0xab, 0x00, 0xff },
    { 0xac, 0x00, 0xff },   /* CTLTMR */
    { 0xae, 0x00, 0xff },   /* CTHTMR */
};

typedef struct PIIX3State {
    PCIDevice parent_obj;
    ISABus *isa;
    IRQState *isa_irq[ISA_NUM_IRQS];
    IRQState *pirq[PIIX_NUM_PIRQS];
    uint16_t isa_level;     /* the levels isa_irq were last driven with */
    char *isa_bus_name;
} PIIX3State;

OBJECT_DECLARE_SIMPLE_TYPE(PIIX3State, PIIX3)

/* The ISA IRQ PIRQ line pirq is routed to, or -1. */
static int pirq_target(PIIX3State *s, int pirq)
{
    uint8_t rc = PCI_DEVICE(s)->config[PIIX_PIRQRC + pirq];
    int irq = rc & PIRQRC_IRQ_MASK;
    if ((rc & PIRQRC_DISABLE) || !(PIRQ_VALID_IRQS & (1u << irq))) {
        return -1;
    }
    return irq;
}

/* Which ISA IRQs the asserted PIRQs drive now. */
static uint16_t piix3_isa_levels(PIIX3State *s)
{
    PCIBus *bus = PCI_DEVICE(s)->bus;
    uint16_t levels = 0;
    for (int p = 0; p < PIIX_NUM_PIRQS; p++) {
        int irq = pirq_target(s, p);
        if (irq >= 0 && pci_bus_irq_level(bus, p)) {
            levels |= 1u << irq;
        }
    }
    return levels;
}

/* Drive the ISA lines whose level changed (several PIRQs may share one:
 * it stays high while any of them is). */
static void piix3_update_isa(PIIX3State *s)
{
    uint16_t levels = piix3_isa_levels(s);
    uint16_t changed = levels ^ s->isa_level;
    s->isa_level = levels;
    for (int irq = 0; irq < ISA_NUM_IRQS; irq++) {
        if (changed & (1u << irq)) {
            irq_set(s->isa_irq[irq], (levels >> irq) & 1);
        }
    }
}

/* The board's INTx wiring, QEMU's pc (and SeaBIOS's PIRQ table, which
 * describes it): slot S's pin P (0 = INTA#) is on PIRQ (S - 1 + P) % 4,
 * so slot 1's INTA# is PIRQA#.  The ACPI _PRT says the same. */
static int piix3_slot_pirq(int slot, int pin)
{
    return (slot - 1 + pin) & (PIIX_NUM_PIRQS - 1);
}

static int piix3_map_irq(PCIDevice *dev, int pin)
{
    return piix3_slot_pirq(PCI_SLOT(dev->devfn), pin);
}

static void piix3_set_pirq(void *opaque, int pirq, int level)
{
    PIIX3State *s = opaque;
    if (pirq >= 0 && pirq < PIIX_NUM_PIRQS) {
        irq_set(s->pirq[pirq], level);
        piix3_update_isa(s);
    }
}

static void piix3_config_write(PCIDevice *d, uint32_t addr, uint32_t val, unsigned len)
{
    pci_default_write_config(d, addr, val, len);
    if (addr < PIIX_PIRQRC + PIIX_NUM_PIRQS && addr + len > PIIX_PIRQRC) {
        piix3_update_isa(PIIX3(d));
    }
}

static void piix3_reset(PCIDevice *d)
{
    for (size_t i = 0; i < G_N_ELEMENTS(piix3_regs); i++) {
        d->config[piix3_regs[i].offset] = piix3_regs[i].reset;
    }
    piix3_update_isa(PIIX3(d));
}

static void piix3_init(Object *obj)
{
    PIIX3State *s = PIIX3(obj);
    device_init_gpio_out_named(DEVICE(obj), s->isa_irq, "isa-irq", ISA_NUM_IRQS);
    device_init_gpio_out_named(DEVICE(obj), s->pirq, "pirq", PIIX_NUM_PIRQS);
}

static bool piix3_realize(PCIDevice *d, Error **errp)
{
    PIIX3State *s = PIIX3(d);
    if (bus_find(s->isa_bus_name)) {
        error_setg(errp, "a bus named '%s' exists already", s->isa_bus_name);
        return false;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(piix3_regs); i++) {
        d->wmask[piix3_regs[i].offset] = piix3_regs[i].wmask;
    }
    s->isa = isa_bus_new(DEVICE(d), s->isa_bus_name, memory_get_system_memory(),
                         memory_get_system_io());
    /* PIRQA#-PIRQD# are the bus's four lines. */
    pci_bus_set_irq_route(d->bus, piix3_map_irq, piix3_set_pirq, s, PIIX_NUM_PIRQS);
    return true;
}

static void piix3_exit(PCIDevice *d)
{
    pci_bus_set_irq_route(d->bus, NULL, NULL, NULL, PIIX_NUM_PIRQS);
}

/* The ISA levels follow from the restored routing and PIRQ counts; the
 * interrupt controller restored its own inputs. */
static bool piix3_post_load(void *opaque, int version_id, Error **errp)
{
    PIIX3State *s = opaque;
    s->isa_level = piix3_isa_levels(s);
    return true;
}

/* ---- ACPI ---- */

/* The IRQs QEMU's pc offers the links (its DSDT's _PRS, and the ones
 * SeaBIOS picks from): free on a PC, unlike 3, 4, 7 (ports), 9 (SCI). */
static const uint32_t piix3_link_irqs[] = { 5, 10, 11 };

/* LNKA..LNKD over PIRQRC[A:D]: the router's function and registers, the
 * IRQs, and every slot's INTA#-INTD# by the swizzle the bus uses. */
static void piix3_pirq_info(Object *obj, AcpiPirqInfo *info)
{
    PCIDevice *d = PCI_DEVICE(obj);
    info->present = true;
    info->devfn = d->devfn;
    info->route_reg = PIIX_PIRQRC;
    memcpy(info->irqs, piix3_link_irqs, sizeof(piix3_link_irqs));
    info->n_irqs = G_N_ELEMENTS(piix3_link_irqs);
    for (int slot = 0; slot < 32; slot++) {
        for (int pin = 0; pin < 4; pin++) {
            info->link_of[slot][pin] = (uint8_t)piix3_slot_pirq(slot, pin);
        }
    }
}

static const Property piix3_properties[] = {
    DEFINE_PROP_STRING("isa-bus-name", PIIX3State, isa_bus_name, "isa",
                       "name of the ISA bus it creates (devices name it in \"bus\")"),
    DEFINE_PROP_END_OF_LIST(),
};

static const VMStateDescription vmstate_piix3 = {
    .name = TYPE_PIIX3,
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = piix3_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, PIIX3State),
        VMSTATE_END_OF_LIST()
    },
};

static void piix3_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
    AcpiDeviceClass *ac = (AcpiDeviceClass *)object_class_dynamic_cast(klass,
                                                                       TYPE_ACPI_DEVICE_IF);
    dc->desc = "Intel 82371SB PIIX3 function 0: PCI-to-ISA bridge, PIRQ routing";
    dc->category = DEVICE_CATEGORY_BRIDGE;
    dc->vmsd = &vmstate_piix3;
    device_class_set_props(dc, piix3_properties);
    /* 290550 2.2.1-2.2.5: VID 8086h, DID 7000h, class 06h/01h (ISA
     * bridge); QEMU reports revision 0. */
    k->vendor_id = 0x8086;
    k->device_id = 0x7000;
    k->class_id = 0x0601;
    /* QEMU's subsystem ids on every function (Red Hat/Qumranet 1AF4h,
     * 1100h): SeaBIOS tells QEMU's i440FX by them (qemu_detect). */
    k->subsystem_vendor_id = 0x1af4;
    k->subsystem_id = 0x1100;
    k->realize = piix3_realize;
    k->exit = piix3_exit;
    k->reset = piix3_reset;
    k->config_write = piix3_config_write;
    ac->pirq_info = piix3_pirq_info;
}

static const TypeInfo piix3_types[] = {
    {
        .name = TYPE_PIIX3,
        .parent = TYPE_PCI_DEVICE,
        .instance_size = sizeof(PIIX3State),
        .instance_init = piix3_init,
        .class_init = piix3_class_init,
        .interfaces = (const InterfaceInfo[]) { { TYPE_ACPI_DEVICE_IF }, { NULL } },
    },
};

DEFINE_TYPES(piix3_types)

CARDCAGE_PLUGIN(.name = "piix", .version = "1.0",
                .description = "Intel PIIX3 ISA bridge and PIIX4 power management",
                .license = "MIT");
