/*
 * pci-testhost: the smallest PCI host bridge, for tests and for boards
 * without a chipset plugin.  It owns a PCI bus (default "pci.0") over the
 * system memory and I/O spaces, decodes configuration mechanism #1 at
 * 0xCF8/0xCFC (PCI 3.0, 3.2.2.3.2), and drives its four PIRQ lines on the
 * outputs "pirq[0..3]" (the standard swizzle, PCI-to-PCI Bridge
 * Architecture 9.1).  It has no configuration header of its own.
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/cardcage.h>

#define TYPE_PCI_TESTHOST "pci-testhost"

#define CONFIG_ADDRESS_PORT 0xcf8
#define CONFIG_DATA_PORT    0xcfc
#define TESTHOST_PIRQS      4

typedef struct PCITestHostState {
    SysBusDevice parent_obj;
    MemoryRegion addr_io, data_io;
    IRQState *pirq[TESTHOST_PIRQS];
    PCIBus *bus;
    uint32_t config_addr;
    char *bus_name;
} PCITestHostState;

OBJECT_DECLARE_SIMPLE_TYPE(PCITestHostState, PCI_TESTHOST)

/* CONFIG_ADDRESS: only DWORD accesses reach it (3.2.2.3.2); bits 1:0 and
 * 30:24 are reserved and read 0. */
static uint64_t addr_read(void *opaque, hwaddr addr, unsigned size)
{
    return PCI_TESTHOST(opaque)->config_addr;
}

static void addr_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PCI_TESTHOST(opaque)->config_addr = (uint32_t)val & 0x80fffffcu;
}

static const MemoryRegionOps addr_ops = {
    .read = addr_read,
    .write = addr_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

static uint64_t data_read(void *opaque, hwaddr addr, unsigned size)
{
    PCITestHostState *s = opaque;
    return pci_host_config_read(s->bus, s->config_addr, (unsigned)addr, size);
}

static void data_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PCITestHostState *s = opaque;
    pci_host_config_write(s->bus, s->config_addr, (unsigned)addr, (uint32_t)val, size);
}

/* Every size at every offset of the window (0xCFD with 2 bytes too). */
static const MemoryRegionOps data_ops = {
    .read = data_read,
    .write = data_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
};

static void testhost_set_pirq(void *opaque, int pirq, int level)
{
    PCITestHostState *s = opaque;
    if (pirq >= 0 && pirq < TESTHOST_PIRQS) {
        irq_set(s->pirq[pirq], level);
    }
}

static void testhost_reset(DeviceState *dev)
{
    PCI_TESTHOST(dev)->config_addr = 0;
}

static void testhost_init(Object *obj)
{
    device_init_gpio_out_named(DEVICE(obj), PCI_TESTHOST(obj)->pirq, "pirq", TESTHOST_PIRQS);
}

static bool testhost_realize(DeviceState *dev, Error **errp)
{
    PCITestHostState *s = PCI_TESTHOST(dev);
    if (bus_find(s->bus_name)) {
        error_setg(errp, "a bus named '%s' exists already", s->bus_name);
        return false;
    }
    s->bus = pci_bus_new(dev, s->bus_name, memory_get_system_memory(),
                         memory_get_system_io());
    pci_bus_set_irq_route(s->bus, NULL, testhost_set_pirq, s, TESTHOST_PIRQS);
    memory_region_init_io(&s->addr_io, OBJECT(dev), &addr_ops, s, "pci-conf-addr", 4);
    memory_region_init_io(&s->data_io, OBJECT(dev), &data_ops, s, "pci-conf-data", 4);
    memory_region_add_subregion(memory_get_system_io(), CONFIG_ADDRESS_PORT, &s->addr_io);
    memory_region_add_subregion(memory_get_system_io(), CONFIG_DATA_PORT, &s->data_io);
    return true;
}

static void testhost_unrealize(DeviceState *dev)
{
    PCITestHostState *s = PCI_TESTHOST(dev);
    memory_region_finalize(&s->addr_io);
    memory_region_finalize(&s->data_io);
}

static const Property testhost_properties[] = {
    DEFINE_PROP_STRING("bus-name", PCITestHostState, bus_name, "pci.0",
                       "name of the PCI bus it creates (devices name it in \"bus\")"),
    DEFINE_PROP_END_OF_LIST(),
};

static const VMStateDescription vmstate_pci_testhost = {
    .name = TYPE_PCI_TESTHOST,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(config_addr, PCITestHostState),
        VMSTATE_END_OF_LIST()
    },
};

static void testhost_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->desc = "minimal PCI host bridge: configuration mechanism #1, 4 PIRQ outputs";
    dc->category = DEVICE_CATEGORY_BRIDGE;
    dc->vmsd = &vmstate_pci_testhost;
    dc->realize = testhost_realize;
    dc->unrealize = testhost_unrealize;
    dc->reset = testhost_reset;
    device_class_set_props(dc, testhost_properties);
}

static const TypeInfo pci_testhost_types[] = {
    {
        .name = TYPE_PCI_TESTHOST,
        .parent = TYPE_SYS_BUS_DEVICE,
        .instance_size = sizeof(PCITestHostState),
        .instance_init = testhost_init,
        .class_init = testhost_class_init,
    },
};

DEFINE_TYPES(pci_testhost_types)

CARDCAGE_PLUGIN(.name = "pci-testdev", .version = "1.0",
                .description = "a PCI test function and a minimal PCI host bridge",
                .license = "MIT");
