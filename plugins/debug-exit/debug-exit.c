/*
 * isa-debug-exit: a port that ends the emulator, for tests.
 *
 * A write of value V to the port makes cardcage exit with status
 * (V << 1) | 1, the convention QEMU's device of the same name uses and that
 * test suites (kvm-unit-tests among them) rely on: an odd status can never
 * be mistaken for a clean exit (0) of the emulator itself.  Reads return 0.
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/cardcage.h>

#define TYPE_ISA_DEBUG_EXIT "isa-debug-exit"

typedef struct DebugExitState {
    ISADevice parent_obj;
    MemoryRegion io;
    uint16_t iobase;
    uint8_t iosize;
} DebugExitState;

OBJECT_DECLARE_SIMPLE_TYPE(DebugExitState, ISA_DEBUG_EXIT)

/* ---- guest access ---- */

static uint64_t debug_exit_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void debug_exit_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    system_shutdown_request((int)((val << 1) | 1));
}

static const MemoryRegionOps debug_exit_ops = {
    .read = debug_exit_read,
    .write = debug_exit_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

/* ---- realize ---- */

static bool debug_exit_realize(DeviceState *dev, Error **errp)
{
    DebugExitState *s = ISA_DEBUG_EXIT(dev);
    memory_region_init_io(&s->io, OBJECT(dev), &debug_exit_ops, s, "isa-debug-exit",
                          s->iosize);
    return isa_register_ioport(ISA_DEVICE(dev), &s->io, s->iobase, errp);
}

static void debug_exit_unrealize(DeviceState *dev)
{
    memory_region_finalize(&ISA_DEBUG_EXIT(dev)->io);
}

/* ---- properties and type ---- */

static const Property debug_exit_properties[] = {
    DEFINE_PROP_UINT16("iobase", DebugExitState, iobase, 0x501,
                       "I/O port to write the exit value to"),
    DEFINE_PROP_UINT_RANGE("iosize", DebugExitState, iosize, PROP_FIELD_U8, 2, 1, 4,
                           "number of ports decoded (1 to 4)"),
    DEFINE_PROP_END_OF_LIST(),
};

/* ---- state ---- */

/* Writes have no lasting effect: nothing to keep. */
static const VMStateDescription vmstate_debug_exit = {
    .name = TYPE_ISA_DEBUG_EXIT,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_END_OF_LIST()
    },
};

static void debug_exit_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->desc = "exits the emulator with status (value << 1) | 1 when written";
    dc->vmsd = &vmstate_debug_exit;
    dc->category = DEVICE_CATEGORY_DEBUG;
    dc->realize = debug_exit_realize;
    dc->unrealize = debug_exit_unrealize;
    device_class_set_props(dc, debug_exit_properties);
}

static const TypeInfo debug_exit_types[] = {
    {
        .name = TYPE_ISA_DEBUG_EXIT,
        .parent = TYPE_ISA_DEVICE,
        .instance_size = sizeof(DebugExitState),
        .class_init = debug_exit_class_init,
    },
};

DEFINE_TYPES(debug_exit_types)

CARDCAGE_PLUGIN(
    .name = "debug-exit",
    .version = "1.0",
    .description = "isa-debug-exit: ends the emulator with a chosen status, for tests",
    .license = "MIT",
);
