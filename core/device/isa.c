/*
 * The ISA bus, ISA devices, and the plain ISA bridge of an ISA-only PC.
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/isa.h>
#include <cardcage/sysbus.h>
#include "device/device-internal.h"

ISABus *isa_bus_new(DeviceState *parent, const char *name, MemoryRegion *mem,
                    MemoryRegion *io)
{
    ISABus *bus = ISA_BUS(bus_new(TYPE_ISA_BUS, parent, name ? name : "isa"));
    bus->address_space = mem;
    bus->address_space_io = io;
    return bus;
}

ISABus *isa_device_get_bus(ISADevice *dev)
{
    BusState *b = DEVICE(dev)->parent_bus;
    return b ? ISA_BUS(b) : NULL;
}

MemoryRegion *isa_address_space(ISADevice *dev)
{
    ISABus *bus = isa_device_get_bus(dev);
    return bus ? bus->address_space : memory_get_system_memory();
}

MemoryRegion *isa_address_space_io(ISADevice *dev)
{
    ISABus *bus = isa_device_get_bus(dev);
    return bus ? bus->address_space_io : memory_get_system_io();
}

bool isa_register_ioport(ISADevice *dev, MemoryRegion *io, uint32_t start, Error **errp)
{
    return device_map_region(DEVICE(dev), isa_address_space_io(dev), io, start, 0,
                             "I/O ports", errp);
}

bool isa_register_memory(ISADevice *dev, MemoryRegion *mr, hwaddr addr, Error **errp)
{
    return device_map_region(DEVICE(dev), isa_address_space(dev), mr, addr, 0, "addresses",
                             errp);
}

static char *isa_get_dev_path(DeviceState *dev)
{
    ObjectProperty *p = object_property_find(OBJECT(dev), "iobase");
    if (!p) {
        return NULL;
    }
    char *v = object_property_print(OBJECT(dev), "iobase", NULL);
    char *s = g_strdup_printf("iobase %s", v ? v : "?");
    g_free(v);
    return s;
}

/* ISA DMA (the 8237, bus masters) reaches the bus's memory space. */
static AddressSpace *isa_get_dma_as(BusState *b, DeviceState *dev)
{
    ISABus *bus = ISA_BUS(b);
    if (!bus->address_space || bus->address_space == memory_get_system_memory()) {
        return address_space_memory();
    }
    if (!bus->dma_as) {
        bus->dma_as = address_space_new(bus->address_space, b->name);
    }
    return bus->dma_as;
}

static void isa_bus_class_init(ObjectClass *klass, void *data)
{
    BUS_CLASS(klass)->get_dev_path = isa_get_dev_path;
    BUS_CLASS(klass)->get_dma_as = isa_get_dma_as;
}

static void isa_device_class_init(ObjectClass *klass, void *data)
{
    DEVICE_CLASS(klass)->bus_type = TYPE_ISA_BUS;
}

/* The bridge of an ISA-only PC: it owns the ISA bus and maps it onto the
 * system memory and I/O spaces one to one. */
typedef struct ISABridgeState {
    SysBusDevice parent_obj;
    char *bus_name;
} ISABridgeState;

static bool isa_bridge_realize(DeviceState *dev, Error **errp)
{
    ISABridgeState *s = (ISABridgeState *)dev;
    isa_bus_new(dev, s->bus_name, memory_get_system_memory(), memory_get_system_io());
    return true;
}

static const Property isa_bridge_properties[] = {
    DEFINE_PROP_STRING("bus-name", ISABridgeState, bus_name, "isa",
                       "name of the ISA bus it creates (devices name it in \"bus\")"),
    DEFINE_PROP_END_OF_LIST(),
};

/* The bridge only routes: nothing to keep. */
static const VMStateDescription vmstate_isa_bridge = {
    .name = TYPE_ISA_BRIDGE,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_END_OF_LIST()
    },
};

static void isa_bridge_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->desc = "ISA bus of an ISA-only PC, decoding the whole memory and I/O space";
    dc->vmsd = &vmstate_isa_bridge;
    dc->category = DEVICE_CATEGORY_BRIDGE;
    dc->realize = isa_bridge_realize;
    device_class_set_props(dc, isa_bridge_properties);
}

static const TypeInfo isa_types[] = {
    {
        .name = TYPE_ISA_BUS,
        .parent = TYPE_BUS,
        .instance_size = sizeof(ISABus),
        .class_init = isa_bus_class_init,
    }, {
        .name = TYPE_ISA_DEVICE,
        .parent = TYPE_DEVICE,
        .instance_size = sizeof(ISADevice),
        .abstract = true,
        .class_init = isa_device_class_init,
    }, {
        .name = TYPE_ISA_BRIDGE,
        .parent = TYPE_SYS_BUS_DEVICE,
        .instance_size = sizeof(ISABridgeState),
        .class_init = isa_bridge_class_init,
    },
};

DEFINE_TYPES(isa_types)
