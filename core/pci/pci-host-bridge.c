/*
 * The PCI host bridge base type: the PCI bus it creates and configuration
 * mechanism #1 (PCI 3.0, 3.2.2.3.2) at 0xCF8-0xCFF, which every chipset
 * plugin (i440fx, the test host) subclasses instead of decoding it again.
 *
 *   0xCF8  CONFIG_ADDRESS: only a DWORD access at 0xCF8 is one; byte and
 *          word accesses in 0xCF8-0xCFB go to the subclass's hooks (one
 *          region decodes the whole window: the memory core splits an
 *          access that crosses regions, so a second device at 0xCF9 would
 *          turn a DWORD write to 0xCF8 into byte writes)
 *   0xCFC  CONFIG_DATA: every size at every offset, through
 *          pci_host_config_read/write (pci-host.c)
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/module.h>
#include "pci/pci-internal.h"

#define CONFIG_ADDRESS_PORT 0xcf8
#define CONFIG_DATA_PORT    0xcfc
#define CONFIG_PORT_PRIORITY 2

/* CONFIG_ADDRESS (PCI 3.0, figure 3-1): enable, bus, device, function,
 * register; bits 30:24 and 1:0 are reserved and read 0. */
#define CONFIG_ADDRESS_MASK 0x80fffffcu

static uint64_t conf_addr_read(void *opaque, hwaddr addr, unsigned size)
{
    PCIHostState *s = opaque;
    PCIHostClass *hc = PCI_HOST_BRIDGE_GET_CLASS(s);
    if (addr == 0 && size == 4) {
        return s->config_addr;
    }
    return hc->conf_addr_other_read ? hc->conf_addr_other_read(s, (unsigned)addr, size)
                                    : ~0ull;    /* nothing on PCI claims it */
}

static void conf_addr_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PCIHostState *s = opaque;
    PCIHostClass *hc = PCI_HOST_BRIDGE_GET_CLASS(s);
    if (addr == 0 && size == 4) {
        s->config_addr = (uint32_t)val & CONFIG_ADDRESS_MASK;
    } else if (hc->conf_addr_other_write) {
        hc->conf_addr_other_write(s, (unsigned)addr, val, size);
    }
}

static const MemoryRegionOps conf_addr_ops = {
    .read = conf_addr_read,
    .write = conf_addr_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
};

static uint64_t conf_data_read(void *opaque, hwaddr addr, unsigned size)
{
    PCIHostState *s = opaque;
    return pci_host_config_read(s->bus, s->config_addr, (unsigned)addr, size);
}

static void conf_data_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PCIHostState *s = opaque;
    pci_host_config_write(s->bus, s->config_addr, (unsigned)addr, (uint32_t)val, size);
}

static const MemoryRegionOps conf_data_ops = {
    .read = conf_data_read,
    .write = conf_data_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
};

static void host_bridge_reset(DeviceState *dev)
{
    PCIHostState *s = PCI_HOST_BRIDGE(dev);
    PCIHostClass *hc = PCI_HOST_BRIDGE_GET_CLASS(s);
    s->config_addr = 0;
    if (hc->reset) {
        hc->reset(s);
    }
}

static bool host_bridge_realize(DeviceState *dev, Error **errp)
{
    PCIHostState *s = PCI_HOST_BRIDGE(dev);
    PCIHostClass *hc = PCI_HOST_BRIDGE_GET_CLASS(s);
    if (bus_find(s->bus_name)) {
        error_setg(errp, "a bus named '%s' exists already", s->bus_name);
        return false;
    }
    s->bus = pci_bus_new(dev, s->bus_name, memory_get_system_memory(),
                         memory_get_system_io());
    memory_region_init_io(&s->conf_addr_io, OBJECT(dev), &conf_addr_ops, s, "pci-conf-idx", 4);
    memory_region_init_io(&s->conf_data_io, OBJECT(dev), &conf_data_ops, s, "pci-conf-data",
                          4);
    /* The host bridge claims its ports before anything on the bus (an I/O
     * BAR moved onto them is hidden: pci-bar.c's priorities). */
    memory_region_add_subregion_overlap(memory_get_system_io(), CONFIG_ADDRESS_PORT,
                                        &s->conf_addr_io, CONFIG_PORT_PRIORITY);
    memory_region_add_subregion_overlap(memory_get_system_io(), CONFIG_DATA_PORT,
                                        &s->conf_data_io, CONFIG_PORT_PRIORITY);
    return !hc->realize || hc->realize(s, errp);
}

static void host_bridge_unrealize(DeviceState *dev)
{
    PCIHostState *s = PCI_HOST_BRIDGE(dev);
    memory_region_finalize(&s->conf_addr_io);
    memory_region_finalize(&s->conf_data_io);
}

static const Property host_bridge_properties[] = {
    DEFINE_PROP_STRING("bus-name", PCIHostState, bus_name, "pci.0",
                       "name of the PCI bus it creates (devices name it in \"bus\")"),
    DEFINE_PROP_END_OF_LIST(),
};

const VMStateDescription vmstate_pci_host = {
    .name = TYPE_PCI_HOST_BRIDGE,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(config_addr, PCIHostState),
        VMSTATE_END_OF_LIST()
    },
};

static void host_bridge_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->category = DEVICE_CATEGORY_BRIDGE;
    dc->vmsd = &vmstate_pci_host;
    dc->realize = host_bridge_realize;
    dc->unrealize = host_bridge_unrealize;
    dc->reset = host_bridge_reset;
    device_class_set_props(dc, host_bridge_properties);
}

static const TypeInfo pci_host_bridge_types[] = {
    {
        .name = TYPE_PCI_HOST_BRIDGE,
        .parent = TYPE_SYS_BUS_DEVICE,
        .abstract = true,
        .instance_size = sizeof(PCIHostState),
        .class_size = sizeof(PCIHostClass),
        .class_init = host_bridge_class_init,
    },
};

DEFINE_TYPES(pci_host_bridge_types)
