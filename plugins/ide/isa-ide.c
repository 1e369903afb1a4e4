/*
 * isa-ide: one IDE channel on the ISA bus, without DMA, as on an ISA PC
 * (isapc has two: 1F0h/3F6h on IRQ14 and 170h/376h on IRQ15, the AT's
 * primary and secondary ports).
 *
 * Properties: iobase (command block, 8 ports), iobase2 (device control /
 * alternate status), drive-bus (the -drive if=ide bus it takes, -1: none),
 * bus-name (default "ide.<drive-bus>").  GPIO output "irq".
 *
 * SPDX-License-Identifier: MIT
 */
#include "ide.h"

#define TYPE_ISA_IDE "isa-ide"

typedef struct ISAIDEState {
    ISADevice parent_obj;
    IDEChannel ch;
    MemoryRegion cmd_io, ctl_io;
    IRQState *irq;
    uint16_t iobase, iobase2;
    int32_t drive_bus;
    char *bus_name;
} ISAIDEState;

#define ISA_IDE(obj) OBJECT_CHECK(ISAIDEState, (obj), TYPE_ISA_IDE)

static void isa_ide_irq(void *opaque, int level)
{
    ISAIDEState *s = opaque;
    irq_set(s->irq, level);
}

static void isa_ide_reset(DeviceState *dev)
{
    ide_channel_reset(&ISA_IDE(dev)->ch);
}

static bool isa_ide_realize(DeviceState *dev, Error **errp)
{
    ISAIDEState *s = ISA_IDE(dev);
    if (s->drive_bus < -1 || s->drive_bus >= 2) {
        error_setg(errp, "isa-ide: drive-bus %d: IDE drives are on bus 0 or 1 (-1: none)",
                   s->drive_bus);
        return false;
    }
    g_autofree char *name = ide_bus_name(s->bus_name, s->drive_bus);
    if (bus_find(name)) {
        error_setg(errp, "isa-ide: a bus named '%s' exists already (set bus-name)", name);
        return false;
    }
    ide_channel_init(&s->ch, dev, name, isa_ide_irq, s);
    memory_region_init_io(&s->cmd_io, OBJECT(dev), &ide_cmd_ops, &s->ch, "isa-ide-cmd", 8);
    memory_region_init_io(&s->ctl_io, OBJECT(dev), &ide_ctl_ops, &s->ch, "isa-ide-ctl", 1);
    return isa_register_ioport(ISA_DEVICE(dev), &s->cmd_io, s->iobase, errp) &&
           isa_register_ioport(ISA_DEVICE(dev), &s->ctl_io, s->iobase2, errp) &&
           ide_channel_add_drives(&s->ch, s->drive_bus, errp);
}

static void isa_ide_unrealize(DeviceState *dev)
{
    ISAIDEState *s = ISA_IDE(dev);
    memory_region_finalize(&s->cmd_io);
    memory_region_finalize(&s->ctl_io);
}

static void isa_ide_init(Object *obj)
{
    device_init_gpio_out_named(DEVICE(obj), &ISA_IDE(obj)->irq, "irq", 1);
}

static const Property isa_ide_props[] = {
    DEFINE_PROP_UINT16("iobase", ISAIDEState, iobase, 0x1f0, "command block (8 ports)"),
    DEFINE_PROP_UINT16("iobase2", ISAIDEState, iobase2, 0x3f6,
                       "device control / alternate status port"),
    DEFINE_PROP_INT32("drive-bus", ISAIDEState, drive_bus, -1,
                      "the -drive if=ide bus whose drives it takes (0, 1; -1: none)"),
    DEFINE_PROP_STRING("bus-name", ISAIDEState, bus_name, NULL,
                       "name of its IDE bus (default ide.<drive-bus>, or the first free ide.N)"),
    DEFINE_PROP_END_OF_LIST(),
};

static const VMStateDescription vmstate_isa_ide = {
    .name = TYPE_ISA_IDE,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT(ch, ISAIDEState, vmstate_ide_channel, IDEChannel),
        VMSTATE_END_OF_LIST()
    },
};

static void isa_ide_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->desc = "IDE channel on the ISA bus (PIO only)";
    dc->category = DEVICE_CATEGORY_STORAGE;
    dc->realize = isa_ide_realize;
    dc->unrealize = isa_ide_unrealize;
    dc->reset = isa_ide_reset;
    dc->vmsd = &vmstate_isa_ide;
    device_class_set_props(dc, isa_ide_props);
}

static const TypeInfo isa_ide_types[] = {
    {
        .name = TYPE_ISA_IDE,
        .parent = TYPE_ISA_DEVICE,
        .instance_size = sizeof(ISAIDEState),
        .instance_init = isa_ide_init,
        .class_init = isa_ide_class_init,
    },
};

DEFINE_TYPES(isa_ide_types)
