/*
 * The system bus (root of the device tree) and its devices, which export
 * MMIO regions by index and interrupt outputs.
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/sysbus.h>
#include "device/device-internal.h"

static BusState *main_system_bus;

BusState *sysbus_get_default(void)
{
    if (!main_system_bus) {
        main_system_bus = bus_new(TYPE_SYSTEM_BUS, NULL, "sysbus");
        Object *unattached = container_get(object_get_root(), "/machine/unattached");
        object_property_add_child(unattached, "sysbus", OBJECT(main_system_bus), &error_abort);
        object_unref(main_system_bus);
        main_system_bus->realized = true;
    }
    return main_system_bus;
}

void sysbus_init_mmio(SysBusDevice *dev, MemoryRegion *mr)
{
    g_assert(dev->num_mmio < SYSBUS_MMIO_MAX);
    int n = dev->num_mmio++;
    dev->mmio[n].addr = (hwaddr)-1;
    dev->mmio[n].memory = mr;
}

int sysbus_mmio_count(SysBusDevice *dev)
{
    return dev->num_mmio;
}

MemoryRegion *sysbus_mmio_get_region(SysBusDevice *dev, int n)
{
    return n >= 0 && n < dev->num_mmio ? dev->mmio[n].memory : NULL;
}

bool sysbus_mmio_map(SysBusDevice *dev, int n, hwaddr addr, int priority, Error **errp)
{
    if (n < 0 || n >= dev->num_mmio) {
        DeviceState *d = DEVICE(dev);
        error_setg(errp, "'%s' has no MMIO region %d (it has %d)",
                   d->id ? d->id : object_get_typename(OBJECT(dev)), n, dev->num_mmio);
        return false;
    }
    MemoryRegion *sysmem = memory_get_system_memory();
    if (dev->mmio[n].addr != (hwaddr)-1) {
        memory_region_del_subregion(sysmem, dev->mmio[n].memory);
    }
    dev->mmio[n].addr = (hwaddr)-1;
    if (!device_map_region(DEVICE(dev), sysmem, dev->mmio[n].memory, addr, priority,
                           "addresses", errp)) {
        return false;
    }
    dev->mmio[n].addr = addr;
    return true;
}

void sysbus_init_irq(SysBusDevice *dev, IRQState **p)
{
    device_init_gpio_out_named(DEVICE(dev), p, SYSBUS_IRQ_NAME, 1);
    dev->num_irq++;
}

static const TypeInfo sysbus_types[] = {
    {
        .name = TYPE_SYSTEM_BUS,
        .parent = TYPE_BUS,
        .instance_size = sizeof(BusState),
    }, {
        .name = TYPE_SYS_BUS_DEVICE,
        .parent = TYPE_DEVICE,
        .instance_size = sizeof(SysBusDevice),
        .abstract = true,
    },
};

DEFINE_TYPES(sysbus_types)
