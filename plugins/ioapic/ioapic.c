/*
 * ioapic: the Intel 82093AA I/O APIC (datasheet 290566-001, "82093AA I/O
 * Advanced Programmable Interrupt Controller (IOAPIC)", May 1996).
 *
 * Twenty-four interrupt inputs, each with a 64-bit redirection entry that
 * turns the input into a message on the APIC bus (<cardcage/apic-bus.h>):
 * vector, delivery mode, destination.  Edge-triggered entries send on the
 * rising edge of the asserted signal; level-triggered fixed and lowest
 * priority entries send while the signal is asserted and set Remote IRR
 * until a local APIC's EOI of their vector comes back over the bus, then
 * send again if the input is still asserted (datasheet 3.2.4).
 *
 * Wiring and properties:
 *   inputs "in[0..23]"  the interrupt pins INTIN0-23.  A PC wires ISA IRQ n
 *                       to pin n, except IRQ0 (the PIT), which goes to pin
 *                       2 (the ISA-to-I/O APIC override of the MP
 *                       specification 1.4, 5.3 and ACPI's MADT).
 *   MMIO region 0       the 4 KiB register window; the board maps it at
 *                       0xFEC00000, the 82093AA's default (datasheet 3.0).
 *   "id" (0)            the I/O APIC ID after reset (4 bits), 0 as on
 *                       QEMU's pc (ACPI_BUILD_IOAPIC_ID in its MADT).  On a
 *                       real P6 APIC bus the IDs must differ from the
 *                       CPUs', and the firmware or the OS writes a free one
 *                       (Linux does for local APICs older than the xAPIC,
 *                       version below 0x14); this bus does not arbitrate
 *                       by ID, so a clash breaks nothing here.
 *
 * Registers are reached indirectly (datasheet 3.0): the guest writes the
 * register's index to IOREGSEL (offset 0x00) and reads or writes it through
 * IOWIN (offset 0x10), both 32-bit.  Other offsets, other sizes at IOWIN
 * and unknown indexes are logged under -d guest_errors (reads give 0).
 *
 * Delivery is immediate, so the delivery status bit (12) reads 1 only for
 * an interrupt that no local APIC accepted: it stays pending and is sent
 * again when its entry is next written (a new destination, say).
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/cardcage.h>
#include <cardcage/acpi.h>

#define TYPE_IOAPIC "ioapic"

#define IOAPIC_PINS      24
#define IOAPIC_WINDOW    0x1000

/* Direct registers (datasheet 3.0, table 2). */
enum { IOREGSEL = 0x00, IOWIN = 0x10 };

/* Indirect registers (datasheet 3.1, table 3). */
enum { REG_ID = 0x00, REG_VER = 0x01, REG_ARB = 0x02, REG_REDTBL = 0x10 };
#define REG_REDTBL_END   (REG_REDTBL + 2 * IOAPIC_PINS)

/* IOAPICID and IOAPICARB: the ID in bits 27:24 (3.2.1, 3.2.3). */
#define ID_SHIFT         24
#define ID_MASK          0x0f

/* IOAPICVER (3.2.2): version 0x11 in bits 7:0, the highest redirection
 * entry index (entries - 1) in bits 23:16. */
#define IOAPIC_VERSION   (0x11u | ((IOAPIC_PINS - 1u) << 16))

/* Redirection entry fields (3.2.4, table 4). */
#define RTE_VECTOR       0x00000000000000ffull
#define RTE_DM_SHIFT     8
#define RTE_DEST_LOGICAL (1ull << 11)
#define RTE_DELIVS       (1ull << 12)       /* read-only: send pending */
#define RTE_ACTIVE_LOW   (1ull << 13)
#define RTE_REMOTE_IRR   (1ull << 14)       /* read-only */
#define RTE_LEVEL        (1ull << 15)
#define RTE_MASKED       (1ull << 16)
#define RTE_DEST_SHIFT   56
/* Bits 17-55 are reserved. */
#define RTE_WRITABLE     (0xff00000000000000ull | RTE_MASKED | RTE_LEVEL | RTE_ACTIVE_LOW | \
                          RTE_DEST_LOGICAL | (7ull << RTE_DM_SHIFT) | RTE_VECTOR)

typedef struct IOAPICState {
    SysBusDevice parent_obj;
    MemoryRegion mmio;
    bool listening;                 /* on the bus's EOI broadcast */

    /* properties */
    uint8_t id_prop;

    /* registers */
    uint8_t ioregsel;
    uint8_t id;
    uint8_t arb;
    uint64_t redtbl[IOAPIC_PINS];   /* without the delivery status bit */

    uint32_t lines;                 /* input levels, one bit a pin */
    uint32_t pending;               /* sent, and not accepted: delivery status */
} IOAPICState;

OBJECT_DECLARE_SIMPLE_TYPE(IOAPICState, IOAPIC)

#define ALL_PINS         ((1u << IOAPIC_PINS) - 1)

static int delivery_mode(uint64_t e)
{
    return (e >> RTE_DM_SHIFT) & 7;
}

/* Remote IRR and level sensing apply to fixed and lowest-priority entries
 * only: SMI, NMI, INIT and ExtINT are edge-triggered whatever the trigger
 * mode bit says (3.2.4, delivery mode table). */
static bool level_triggered(uint64_t e)
{
    int dm = delivery_mode(e);
    return (e & RTE_LEVEL) && (dm == APIC_DM_FIXED || dm == APIC_DM_LOWEST);
}

/* The input as the entry sees it: active low inverts the pin (3.2.4,
 * bit 13). */
static bool asserted(const IOAPICState *s, int pin)
{
    bool line = (s->lines >> pin) & 1;
    return line != !!(s->redtbl[pin] & RTE_ACTIVE_LOW);
}

/* ---- delivery ---- */

static void send(IOAPICState *s, int pin)
{
    uint64_t e = s->redtbl[pin];
    int dm = delivery_mode(e);
    if (dm == 3 || dm == APIC_DM_STARTUP) {
        /* 011 and 110 are reserved in redirection entries. */
        log_mask(LOG_GUEST_ERROR, "ioapic: pin %d: reserved delivery mode %d, nothing sent\n",
                 pin, dm);
        return;
    }
    bool level = level_triggered(e);
    APICMessage m = {
        .vector = e & RTE_VECTOR,
        .delivery_mode = dm,
        .dest = e >> RTE_DEST_SHIFT,
        .dest_logical = e & RTE_DEST_LOGICAL,
        .level = level,
        .assert = true,
        .shorthand = APIC_SH_NONE,
    };
    if (!apic_bus_send(&m)) {
        log_mask(LOG_GUEST_ERROR, "ioapic: pin %d: no APIC accepts %s destination 0x%02x\n",
                 pin, m.dest_logical ? "logical" : "physical", m.dest);
        s->pending |= 1u << pin;
        return;
    }
    s->pending &= ~(1u << pin);
    if (level) {
        /* Set when a local APIC accepts the level interrupt, cleared by
         * its EOI (3.2.4, bit 14). */
        s->redtbl[pin] |= RTE_REMOTE_IRR;
    }
}

/* A level entry sends while its input is asserted and no EOI is awaited;
 * an edge entry sends on a rising edge (was: the input before the change).
 * A masked entry ignores its input (3.2.4, bit 16). */
static void service(IOAPICState *s, int pin, bool was)
{
    uint64_t e = s->redtbl[pin];
    if ((e & RTE_MASKED) || !asserted(s, pin)) {
        return;
    }
    if (level_triggered(e)) {
        if (!(e & RTE_REMOTE_IRR)) {
            send(s, pin);
        }
    } else if (!was) {
        send(s, pin);
    }
}

static void ioapic_set_irq(void *opaque, int pin, int level)
{
    IOAPICState *s = IOAPIC(opaque);
    if (pin < 0 || pin >= IOAPIC_PINS) {
        return;
    }
    bool was = asserted(s, pin);
    if (level) {
        s->lines |= 1u << pin;
    } else {
        s->lines &= ~(1u << pin);
    }
    service(s, pin, was);
}

/* A local APIC's EOI of a level-triggered vector (SDM vol. 3A, 10.8.5):
 * the entries with that vector may send again. */
static void ioapic_eoi(void *opaque, uint8_t vector)
{
    IOAPICState *s = opaque;
    for (int pin = 0; pin < IOAPIC_PINS; pin++) {
        uint64_t e = s->redtbl[pin];
        if ((e & RTE_REMOTE_IRR) && (e & RTE_VECTOR) == vector) {
            s->redtbl[pin] &= ~RTE_REMOTE_IRR;
            service(s, pin, true);
        }
    }
}

/* ---- registers ---- */

static uint32_t reg_read(IOAPICState *s, uint8_t index)
{
    switch (index) {
    case REG_ID:
        return (uint32_t)s->id << ID_SHIFT;
    case REG_VER:
        return IOAPIC_VERSION;
    case REG_ARB:
        return (uint32_t)s->arb << ID_SHIFT;
    default:
        break;
    }
    if (index >= REG_REDTBL && index < REG_REDTBL_END) {
        int pin = (index - REG_REDTBL) / 2;
        uint64_t e = s->redtbl[pin] | ((s->pending >> pin) & 1 ? RTE_DELIVS : 0);
        return index & 1 ? (uint32_t)(e >> 32) : (uint32_t)e;
    }
    log_mask(LOG_GUEST_ERROR, "ioapic: read of unknown register 0x%02x\n", index);
    return 0;
}

static void write_entry(IOAPICState *s, int pin, bool high, uint32_t val)
{
    uint64_t e = s->redtbl[pin];
    if (high) {
        e = (e & 0xffffffffull) | ((uint64_t)val << 32);
    } else {
        e = (e & ~0xffffffffull) | val;
    }
    /* Delivery status and Remote IRR are read-only (3.2.4). */
    e = (e & RTE_WRITABLE) | (s->redtbl[pin] & RTE_REMOTE_IRR);
    if (!level_triggered(e)) {
        /* Remote IRR has no meaning for edge entries; a stale one would
         * block the entry once it is made level-triggered again. */
        e &= ~RTE_REMOTE_IRR;
    }
    s->redtbl[pin] = e;
    if ((s->pending >> pin) & 1) {
        /* A pending interrupt is sent again, to the new destination. */
        if (!(e & RTE_MASKED)) {
            send(s, pin);
        }
        return;
    }
    /* An asserted level input that the entry now lets through; an edge
     * needs a new edge (those seen while masked are lost, 3.2.4 bit 16). */
    service(s, pin, true);
}

static void reg_write(IOAPICState *s, uint8_t index, uint32_t val)
{
    switch (index) {
    case REG_ID:
        s->id = (val >> ID_SHIFT) & ID_MASK;
        /* IOAPICARB is loaded from the ID when the ID is written
         * (3.2.3). */
        s->arb = s->id;
        return;
    case REG_VER:
    case REG_ARB:
        log_mask(LOG_GUEST_ERROR, "ioapic: write of 0x%08x to read-only register 0x%02x "
                 "ignored\n", val, index);
        return;
    default:
        break;
    }
    if (index >= REG_REDTBL && index < REG_REDTBL_END) {
        write_entry(s, (index - REG_REDTBL) / 2, index & 1, val);
        return;
    }
    log_mask(LOG_GUEST_ERROR, "ioapic: write of 0x%08x to unknown register 0x%02x\n", val,
             index);
}

/*
 * IOREGSEL's index is its low byte (bits 31:8 are reserved, 3.1.1); it
 * takes any access that starts at its first byte.  IOWIN takes aligned
 * 32-bit accesses only (3.0: "accessed as 32-bit quantities").
 */
static uint64_t ioapic_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    IOAPICState *s = IOAPIC(opaque);
    if (addr == IOREGSEL) {
        return s->ioregsel;
    }
    if (addr == IOWIN && size == 4) {
        return reg_read(s, s->ioregsel);
    }
    log_mask(LOG_GUEST_ERROR, "ioapic: %u-byte read at offset 0x%03x ignored\n", size,
             (unsigned)addr);
    return 0;
}

static void ioapic_mmio_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    IOAPICState *s = IOAPIC(opaque);
    if (addr == IOREGSEL) {
        s->ioregsel = (uint8_t)val;
        return;
    }
    if (addr == IOWIN && size == 4) {
        reg_write(s, s->ioregsel, (uint32_t)val);
        return;
    }
    log_mask(LOG_GUEST_ERROR, "ioapic: %u-byte write of 0x%" PRIx64 " at offset 0x%03x "
             "ignored\n", size, val, (unsigned)addr);
}

static const MemoryRegionOps ioapic_mmio_ops = {
    .read = ioapic_mmio_read,
    .write = ioapic_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
};

/* ---- reset ---- */

/* After reset every entry is masked; the other fields are undefined
 * (3.2.4) and read as 0 here.  The inputs keep their levels: the devices
 * that drive them keep driving. */
static void ioapic_reset(DeviceState *dev)
{
    IOAPICState *s = IOAPIC(dev);
    s->ioregsel = 0;
    s->id = s->id_prop;
    s->arb = s->id;
    for (int pin = 0; pin < IOAPIC_PINS; pin++) {
        s->redtbl[pin] = RTE_MASKED;
    }
    s->pending = 0;
}

/* ---- realize ---- */

static void ioapic_init(Object *obj)
{
    device_init_gpio_in_named(DEVICE(obj), ioapic_set_irq, "in", IOAPIC_PINS);
}

static bool ioapic_realize(DeviceState *dev, Error **errp)
{
    IOAPICState *s = IOAPIC(dev);
    if (s->id_prop > ID_MASK) {
        error_setg(errp, "id %u: an 82093AA ID has 4 bits (0-15)", s->id_prop);
        return false;
    }
    memory_region_init_io(&s->mmio, OBJECT(dev), &ioapic_mmio_ops, s, "ioapic",
                          IOAPIC_WINDOW);
    sysbus_init_mmio(SYS_BUS_DEVICE(dev), &s->mmio);
    apic_bus_add_eoi_listener(ioapic_eoi, s);
    s->listening = true;
    ioapic_reset(dev);
    return true;
}

static void ioapic_unrealize(DeviceState *dev)
{
    IOAPICState *s = IOAPIC(dev);
    if (s->listening) {
        apic_bus_remove_eoi_listener(ioapic_eoi, s);
        s->listening = false;
    }
    memory_region_finalize(&s->mmio);
}

/* ---- properties ---- */

static const Property ioapic_properties[] = {
    DEFINE_PROP_UINT8("id", IOAPICState, id_prop, 0, "the I/O APIC ID after reset (0-15)"),
    DEFINE_PROP_END_OF_LIST(),
};

/* ---- state ---- */

static bool ioapic_post_load(void *opaque, int version_id, Error **errp)
{
    IOAPICState *s = opaque;
    for (int pin = 0; pin < IOAPIC_PINS; pin++) {
        if (s->redtbl[pin] & ~(RTE_WRITABLE | RTE_REMOTE_IRR)) {
            error_setg(errp, "redirection entry %d (0x%016" PRIx64 ") sets reserved bits",
                       pin, s->redtbl[pin]);
            return false;
        }
    }
    if ((s->lines | s->pending) & ~ALL_PINS) {
        error_setg(errp, "input or pending bits beyond pin %d", IOAPIC_PINS - 1);
        return false;
    }
    return true;
}

static const VMStateDescription vmstate_ioapic = {
    .name = TYPE_IOAPIC,
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = ioapic_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(ioregsel, IOAPICState),
        VMSTATE_UINT8_MAX(id, IOAPICState, ID_MASK),
        VMSTATE_UINT8_MAX(arb, IOAPICState, ID_MASK),
        VMSTATE_UINT64_ARRAY(redtbl, IOAPICState, IOAPIC_PINS),
        VMSTATE_UINT32(lines, IOAPICState),
        VMSTATE_UINT32(pending, IOAPICState),
        VMSTATE_END_OF_LIST()
    },
};

/* ---- ACPI ---- */

/* Its MADT entry (ACPI 6.4 5.2.12.3): the ID it has after reset, the
 * address the board mapped it at, and GSI base 0, as the only I/O APIC of
 * a PC (ISA IRQ n is GSI n, QEMU's pc has the same).  One the board left
 * unmapped (or that failed to realize) is not there for the OS. */
static void ioapic_build_madt(Object *obj, GByteArray *madt)
{
    IOAPICState *s = IOAPIC(obj);
    if (!s->mmio.container) {
        return;
    }
    acpi_madt_add_ioapic(madt, s->id_prop, (uint32_t)s->mmio.addr, 0);
}

static void ioapic_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    AcpiDeviceClass *ac = (AcpiDeviceClass *)object_class_dynamic_cast(klass,
                                                                       TYPE_ACPI_DEVICE_IF);
    dc->desc = "Intel 82093AA I/O APIC: 24 inputs to the APIC bus";
    dc->vmsd = &vmstate_ioapic;
    dc->category = DEVICE_CATEGORY_INTC;
    dc->realize = ioapic_realize;
    dc->unrealize = ioapic_unrealize;
    dc->reset = ioapic_reset;
    device_class_set_props(dc, ioapic_properties);
    ac->build_madt = ioapic_build_madt;
}

static const TypeInfo ioapic_types[] = {
    {
        .name = TYPE_IOAPIC,
        .parent = TYPE_SYS_BUS_DEVICE,
        .instance_size = sizeof(IOAPICState),
        .instance_init = ioapic_init,
        .class_init = ioapic_class_init,
        .interfaces = (const InterfaceInfo[]) { { TYPE_ACPI_DEVICE_IF }, { NULL } },
    },
};

DEFINE_TYPES(ioapic_types)

CARDCAGE_PLUGIN(
    .name = "ioapic",
    .version = "1.0",
    .description = "the Intel 82093AA I/O APIC",
    .license = "MIT",
);
