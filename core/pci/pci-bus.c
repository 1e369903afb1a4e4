/*
 * The PCI bus: slots and functions, the address a device plugs in at, and
 * what the bus gives its devices (their DMA view, their path in `info
 * qtree`).
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cardcage/module.h>
#include "pci/pci-internal.h"

PCIBus *pci_bus_new(DeviceState *parent, const char *name, MemoryRegion *mem,
                    MemoryRegion *io)
{
    PCIBus *bus = PCI_BUS(bus_new(TYPE_PCI_BUS, parent, name ? name : "pci.0"));
    bus->address_space_mem = mem ? mem : memory_get_system_memory();
    bus->address_space_io = io ? io : memory_get_system_io();
    return bus;
}

PCIDevice *pci_bus_find_device(PCIBus *bus, int devfn)
{
    if (devfn < 0 || devfn >= PCI_SLOT_MAX * PCI_FUNC_MAX) {
        return NULL;
    }
    return bus->devices[devfn];
}

/* "SLOT" or "SLOT.FN", the slot in hex as QEMU reads its addr property
 * ("addr=1f.2"); an optional 0x prefix is accepted. */
bool pci_parse_devfn(const char *text, int *devfn, Error **errp)
{
    const char *p = text;
    if (!g_ascii_strncasecmp(p, "0x", 2)) {
        p += 2;
    }
    char *end;
    errno = 0;
    unsigned long slot = strtoul(p, &end, 16);
    if (end == p || errno || *p == '-' || *p == '+') {
        error_setg(errp, "PCI address '%s' is not valid: expected SLOT or SLOT.FUNCTION "
                   "(hex slot 0-1f, function 0-7)", text);
        return false;
    }
    unsigned long fn = 0;
    if (*end == '.') {
        const char *f = end + 1;
        if (*f < '0' || *f > '9') {
            error_setg(errp, "PCI address '%s' is not valid: expected a function 0-7 after "
                       "the '.'", text);
            return false;
        }
        fn = strtoul(f, &end, 10);
    }
    if (*end) {
        error_setg(errp, "PCI address '%s' is not valid: expected SLOT or SLOT.FUNCTION "
                   "(hex slot 0-1f, function 0-7)", text);
        return false;
    }
    if (slot >= PCI_SLOT_MAX) {
        error_setg(errp, "PCI slot 0x%lx of address '%s' is out of range: a bus has slots "
                   "0 to 0x1f", slot, text);
        return false;
    }
    if (fn >= PCI_FUNC_MAX) {
        error_setg(errp, "PCI function %lu of address '%s' is out of range: 0 to 7", fn,
                   text);
        return false;
    }
    *devfn = (int)PCI_DEVFN(slot, fn);
    return true;
}

static const char *dev_name(PCIDevice *d)
{
    const char *id = device_get_id(DEVICE(d));
    return id ? id : object_get_typename(OBJECT(d));
}

/* The first slot with no function in use. */
static int pci_free_slot(PCIBus *bus)
{
    for (int slot = 0; slot < PCI_SLOT_MAX; slot++) {
        bool free = true;
        for (int fn = 0; fn < PCI_FUNC_MAX; fn++) {
            free = free && !bus->devices[PCI_DEVFN(slot, fn)];
        }
        if (free) {
            return slot;
        }
    }
    return -1;
}

/* Before realize: choose or check the address.  A function > 0 needs
 * function 0 to be a multi-function device (PCI 3.0, 6.2.1: header type
 * bit 7), so both orders of plugging are checked. */
static bool pci_bus_check_address(BusState *b, DeviceState *dev, Error **errp)
{
    PCIBus *bus = PCI_BUS(b);
    PCIDevice *d = PCI_DEVICE(dev);
    int devfn;
    if (d->addr_prop && *d->addr_prop) {
        if (!pci_parse_devfn(d->addr_prop, &devfn, errp)) {
            return false;
        }
    } else {
        int slot = pci_free_slot(bus);
        if (slot < 0) {
            error_setg(errp, "PCI bus '%s' has no free slot for '%s'", b->name, dev_name(d));
            return false;
        }
        devfn = PCI_DEVFN(slot, 0);
    }
    int slot = PCI_SLOT(devfn), fn = PCI_FUNC(devfn);
    PCIDevice *other = bus->devices[devfn];
    if (other) {
        error_setg(errp, "PCI slot %02x.%x of bus '%s' is already in use by '%s'", slot, fn,
                   b->name, dev_name(other));
        return false;
    }
    if (fn) {
        PCIDevice *f0 = bus->devices[PCI_DEVFN(slot, 0)];
        if (f0 && !f0->multifunction) {
            error_setg(errp, "'%s' at PCI %02x.%x: function 0 of slot %02x ('%s') is not a "
                       "multi-function device (set multifunction=on on it)", dev_name(d),
                       slot, fn, slot, dev_name(f0));
            return false;
        }
    } else if (!d->multifunction) {
        for (int f = 1; f < PCI_FUNC_MAX; f++) {
            PCIDevice *o = bus->devices[PCI_DEVFN(slot, f)];
            if (o) {
                error_setg(errp, "'%s' at PCI %02x.0 must be a multi-function device "
                           "(multifunction=on): slot %02x already has function %d ('%s')",
                           dev_name(d), slot, slot, f, dev_name(o));
                return false;
            }
        }
    }
    d->devfn = devfn;
    return true;
}

static char *pci_bus_get_dev_path(DeviceState *dev)
{
    PCIDevice *d = PCI_DEVICE(dev);
    return g_strdup_printf("addr %02x.%x", PCI_SLOT(d->devfn), PCI_FUNC(d->devfn));
}

static AddressSpace *pci_bus_get_dma_as(BusState *b, DeviceState *dev)
{
    return pci_get_address_space(PCI_DEVICE(dev));
}

static void pci_bus_instance_init(Object *obj)
{
    PCIBus *bus = PCI_BUS(obj);
    bus->map_irq = pci_swizzle_map_irq;
    bus->nirq = 4;
}

static void pci_bus_class_init(ObjectClass *klass, void *data)
{
    BusClass *bc = BUS_CLASS(klass);
    bc->check_address = pci_bus_check_address;
    bc->get_dev_path = pci_bus_get_dev_path;
    bc->get_dma_as = pci_bus_get_dma_as;
}

static const TypeInfo pci_bus_type = {
    .name = TYPE_PCI_BUS,
    .parent = TYPE_BUS,
    .instance_size = sizeof(PCIBus),
    .instance_init = pci_bus_instance_init,
    .class_init = pci_bus_class_init,
};

static void pci_bus_register_types(void)
{
    type_register_static(&pci_bus_type);
}

type_init(pci_bus_register_types)
