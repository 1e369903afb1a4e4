/*
 * port92: the PS/2 "System Control Port A" at I/O port 0x92: fast A20 gate
 * and fast CPU reset.
 *
 * Wiring: property "iobase" (0x92); GPIO output "a20" (to the CPU's "a20"
 * input, beside the 8042's).  Bit 0 going from 0 to 1 resets the CPU
 * (system_reset_request()); bit 1 is the A20 gate.  The other bits are
 * kept and read back as written (bit 3 is the CMOS lock, bits 6-7 the
 * activity light on real systems; nothing here acts on them).  Source:
 * IBM PS/2 Hardware Interface Technical Reference, "System Control Port
 * A"; Intel PIIX/ICH datasheets, "Port 92h".
 *
 * The register resets to 0 (Intel's documented default).  On a PC the A20
 * line is the OR of this gate and the 8042's; the board wires both outputs
 * to the CPU's one input, so the last one that changes wins.  To keep that
 * from undoing the 8042, this port drives "a20" only when a write changes
 * bit 1, and never at reset.
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/cardcage.h>

#define TYPE_PORT92 "port92"

#define PORT92_RESET 0x01       /* 0 -> 1: fast reset */
#define PORT92_A20   0x02

typedef struct Port92State {
    ISADevice parent_obj;
    MemoryRegion io;
    IRQState *a20;
    uint16_t iobase;
    uint8_t value;
} Port92State;

OBJECT_DECLARE_SIMPLE_TYPE(Port92State, PORT92)

/* ---- guest access ---- */

static uint64_t port92_read(void *opaque, hwaddr addr, unsigned size)
{
    return PORT92(opaque)->value;
}

static void port92_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    Port92State *s = PORT92(opaque);
    uint8_t old = s->value;
    s->value = (uint8_t)data;
    if ((old ^ s->value) & PORT92_A20) {
        irq_set(s->a20, !!(s->value & PORT92_A20));
    }
    if ((s->value & PORT92_RESET) && !(old & PORT92_RESET)) {
        system_reset_request();
    }
}

static const MemoryRegionOps port92_ops = {
    .read = port92_read,
    .write = port92_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* ---- reset ---- */

static void port92_reset(DeviceState *dev)
{
    PORT92(dev)->value = 0;
}

/* ---- realize ---- */

static bool port92_realize(DeviceState *dev, Error **errp)
{
    Port92State *s = PORT92(dev);
    memory_region_init_io(&s->io, OBJECT(dev), &port92_ops, s, "port92", 1);
    return isa_register_ioport(ISA_DEVICE(dev), &s->io, s->iobase, errp);
}

static void port92_unrealize(DeviceState *dev)
{
    memory_region_finalize(&PORT92(dev)->io);
}

static void port92_instance_init(Object *obj)
{
    device_init_gpio_out_named(DEVICE(obj), &PORT92(obj)->a20, "a20", 1);
}

/* ---- properties and type ---- */

static const Property port92_properties[] = {
    DEFINE_PROP_UINT16("iobase", Port92State, iobase, 0x92, "I/O port of the register"),
    DEFINE_PROP_END_OF_LIST(),
};

/* ---- state ---- */

/* The A20 output's level is kept by whoever it drives (the CPU). */
static const VMStateDescription vmstate_port92 = {
    .name = TYPE_PORT92,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(value, Port92State),
        VMSTATE_END_OF_LIST()
    },
};

static void port92_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->desc = "System Control Port A: fast A20 gate and CPU reset";
    dc->vmsd = &vmstate_port92;
    dc->category = DEVICE_CATEGORY_MISC;
    dc->realize = port92_realize;
    dc->unrealize = port92_unrealize;
    dc->reset = port92_reset;
    device_class_set_props(dc, port92_properties);
}

static const TypeInfo port92_types[] = {
    {
        .name = TYPE_PORT92,
        .parent = TYPE_ISA_DEVICE,
        .instance_size = sizeof(Port92State),
        .instance_init = port92_instance_init,
        .class_init = port92_class_init,
    },
};

DEFINE_TYPES(port92_types)

CARDCAGE_PLUGIN(
    .name = TYPE_PORT92,
    .version = "1.0",
    .description = "port92: fast A20 gate and reset (System Control Port A)",
    .license = "MIT",
);
