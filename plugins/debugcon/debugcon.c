/*
 * isa-debugcon: the Bochs/QEMU debug console port.  Each byte written goes
 * to a character backend; a read returns a fixed value, so a guest can
 * tell the port is there (QEMU's device answers 0xe9, and SeaBIOS and
 * other firmware check for it).
 *
 * Wiring: properties "iobase" (0xe9; boards set 0x402 for SeaBIOS's debug
 * output), "chardev" (the backend id; none: output is discarded) and
 * "readback" (the value reads return).  No interrupt.
 *
 * Wider accesses are split by the memory core into byte accesses at
 * consecutive ports, so only the byte at iobase reaches the console.
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/cardcage.h>

#define TYPE_ISA_DEBUGCON "isa-debugcon"

typedef struct DebugconState {
    ISADevice parent_obj;
    MemoryRegion io;
    /* properties */
    Chardev *chr;                /* "chardev": output only, the core attaches it */
    uint16_t iobase;
    uint8_t readback;
} DebugconState;

OBJECT_DECLARE_SIMPLE_TYPE(DebugconState, ISA_DEBUGCON)

/* ---- guest access ---- */

static uint64_t debugcon_read(void *opaque, hwaddr addr, unsigned size)
{
    return ISA_DEBUGCON(opaque)->readback;
}

static void debugcon_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    DebugconState *s = ISA_DEBUGCON(opaque);
    uint8_t byte = (uint8_t)val;
    chardev_write(s->chr, &byte, 1);
}

static const MemoryRegionOps debugcon_ops = {
    .read = debugcon_read,
    .write = debugcon_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* ---- realize ---- */

static bool debugcon_realize(DeviceState *dev, Error **errp)
{
    DebugconState *s = ISA_DEBUGCON(dev);
    memory_region_init_io(&s->io, OBJECT(dev), &debugcon_ops, s, "isa-debugcon", 1);
    return isa_register_ioport(ISA_DEVICE(dev), &s->io, s->iobase, errp);
}

static void debugcon_unrealize(DeviceState *dev)
{
    memory_region_finalize(&ISA_DEBUGCON(dev)->io);
}

/* ---- properties and type ---- */

static const Property debugcon_properties[] = {
    DEFINE_PROP_UINT16("iobase", DebugconState, iobase, 0xe9,
                       "I/O port (0xe9; 0x402 for SeaBIOS debug output)"),
    DEFINE_PROP_CHARDEV("chardev", DebugconState, chr,
                        "id of the character backend (none: output is discarded)"),
    DEFINE_PROP_UINT8("readback", DebugconState, readback, 0xe9,
                      "value a read of the port returns"),
    DEFINE_PROP_END_OF_LIST(),
};

/* ---- state ---- */

/* Bytes go straight to the backend and "readback" is a property: nothing
 * to keep. */
static const VMStateDescription vmstate_debugcon = {
    .name = TYPE_ISA_DEBUGCON,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_END_OF_LIST()
    },
};

static void debugcon_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->desc = "debug console port: bytes written go to a character backend";
    dc->vmsd = &vmstate_debugcon;
    dc->category = DEVICE_CATEGORY_DEBUG;
    dc->realize = debugcon_realize;
    dc->unrealize = debugcon_unrealize;
    device_class_set_props(dc, debugcon_properties);
}

static const TypeInfo debugcon_types[] = {
    {
        .name = TYPE_ISA_DEBUGCON,
        .parent = TYPE_ISA_DEVICE,
        .instance_size = sizeof(DebugconState),
        .class_init = debugcon_class_init,
    },
};

DEFINE_TYPES(debugcon_types)

CARDCAGE_PLUGIN(
    .name = "debugcon",
    .version = "1.0",
    .description = "isa-debugcon: debug console port to a character backend",
    .license = "MIT",
);
