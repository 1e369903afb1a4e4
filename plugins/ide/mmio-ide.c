/*
 * mmio-ide: one IDE channel on the system bus, for boards without an IDE
 * controller: MMIO region 0 is the command block (eight registers, each
 * 1 << shift bytes apart), region 1 the device control / alternate status
 * register; one interrupt output.  No DMA.
 *
 * Properties: shift (register stride 2^shift bytes, 0..4), drive-bus (the
 * -drive if=ide bus it takes, default 0; -1: none), bus-name.
 *
 * SPDX-License-Identifier: MIT
 */
#include "ide.h"

#define TYPE_MMIO_IDE "mmio-ide"

typedef struct MMIOIDEState {
    SysBusDevice parent_obj;
    IDEChannel ch;
    MemoryRegion cmd_mem, ctl_mem;
    IRQState *irq;
    uint32_t shift;
    int32_t drive_bus;
    char *bus_name;
} MMIOIDEState;

#define MMIO_IDE(obj) OBJECT_CHECK(MMIOIDEState, (obj), TYPE_MMIO_IDE)

static uint64_t cmd_read(void *opaque, hwaddr addr, unsigned size)
{
    MMIOIDEState *s = opaque;
    return ide_ioport_read(&s->ch, (addr >> s->shift) & 7, size);
}

static void cmd_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    MMIOIDEState *s = opaque;
    ide_ioport_write(&s->ch, (addr >> s->shift) & 7, val, size);
}

static const MemoryRegionOps mmio_cmd_ops = {
    .read = cmd_read,
    .write = cmd_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

static uint64_t ctl_read(void *opaque, hwaddr addr, unsigned size)
{
    MMIOIDEState *s = opaque;
    return ide_altstatus_read(&s->ch);
}

static void ctl_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    MMIOIDEState *s = opaque;
    ide_devctl_write(&s->ch, val);
}

static const MemoryRegionOps mmio_ctl_ops = {
    .read = ctl_read,
    .write = ctl_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

static void mmio_ide_irq(void *opaque, int level)
{
    irq_set(((MMIOIDEState *)opaque)->irq, level);
}

static void mmio_ide_reset(DeviceState *dev)
{
    ide_channel_reset(&MMIO_IDE(dev)->ch);
}

static bool mmio_ide_realize(DeviceState *dev, Error **errp)
{
    MMIOIDEState *s = MMIO_IDE(dev);
    if (s->shift > 4) {
        error_setg(errp, "mmio-ide: shift %u: the register stride is 1 << shift, shift 0..4",
                   s->shift);
        return false;
    }
    if (s->drive_bus < -1 || s->drive_bus >= 2) {
        error_setg(errp, "mmio-ide: drive-bus %d: IDE drives are on bus 0 or 1 (-1: none)",
                   s->drive_bus);
        return false;
    }
    g_autofree char *name = ide_bus_name(s->bus_name, s->drive_bus);
    if (bus_find(name)) {
        error_setg(errp, "mmio-ide: a bus named '%s' exists already (set bus-name)", name);
        return false;
    }
    ide_channel_init(&s->ch, dev, name, mmio_ide_irq, s);
    memory_region_init_io(&s->cmd_mem, OBJECT(dev), &mmio_cmd_ops, s, "mmio-ide-cmd",
                          8u << s->shift);
    memory_region_init_io(&s->ctl_mem, OBJECT(dev), &mmio_ctl_ops, s, "mmio-ide-ctl",
                          1u << s->shift);
    sysbus_init_mmio(SYS_BUS_DEVICE(dev), &s->cmd_mem);
    sysbus_init_mmio(SYS_BUS_DEVICE(dev), &s->ctl_mem);
    return ide_channel_add_drives(&s->ch, s->drive_bus, errp);
}

static void mmio_ide_unrealize(DeviceState *dev)
{
    MMIOIDEState *s = MMIO_IDE(dev);
    memory_region_finalize(&s->cmd_mem);
    memory_region_finalize(&s->ctl_mem);
}

static void mmio_ide_init(Object *obj)
{
    sysbus_init_irq(SYS_BUS_DEVICE(obj), &MMIO_IDE(obj)->irq);
}

static const Property mmio_ide_props[] = {
    DEFINE_PROP_UINT32("shift", MMIOIDEState, shift, 0, "register stride: 1 << shift bytes"),
    DEFINE_PROP_INT32("drive-bus", MMIOIDEState, drive_bus, 0,
                      "the -drive if=ide bus whose drives it takes (-1: none)"),
    DEFINE_PROP_STRING("bus-name", MMIOIDEState, bus_name, NULL,
                       "name of its IDE bus (default ide.<drive-bus>, or the first free ide.N)"),
    DEFINE_PROP_END_OF_LIST(),
};

static const VMStateDescription vmstate_mmio_ide = {
    .name = TYPE_MMIO_IDE,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT(ch, MMIOIDEState, vmstate_ide_channel, IDEChannel),
        VMSTATE_END_OF_LIST()
    },
};

static void mmio_ide_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->desc = "IDE channel on the system bus (MMIO registers 1 << shift apart)";
    dc->category = DEVICE_CATEGORY_STORAGE;
    dc->realize = mmio_ide_realize;
    dc->unrealize = mmio_ide_unrealize;
    dc->reset = mmio_ide_reset;
    dc->vmsd = &vmstate_mmio_ide;
    device_class_set_props(dc, mmio_ide_props);
}

static const TypeInfo mmio_ide_types[] = {
    {
        .name = TYPE_MMIO_IDE,
        .parent = TYPE_SYS_BUS_DEVICE,
        .instance_size = sizeof(MMIOIDEState),
        .instance_init = mmio_ide_init,
        .class_init = mmio_ide_class_init,
    },
};

DEFINE_TYPES(mmio_ide_types)

CARDCAGE_PLUGIN(.name = "ide", .version = "1.0",
                .description = "IDE: ATA disks, ATAPI CD-ROMs, PIIX3/ISA/MMIO controllers",
                .license = "MIT");
