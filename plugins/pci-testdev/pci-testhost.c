/*
 * pci-testhost: the smallest PCI host bridge, for tests and for boards
 * without a chipset plugin.  The base type (core/pci/pci-host-bridge.c)
 * gives it its PCI bus (default "pci.0") and configuration mechanism #1 at
 * 0xCF8/0xCFC (PCI 3.0, 3.2.2.3.2); it drives its four PIRQ lines on the
 * outputs "pirq[0..3]" (the standard swizzle, PCI-to-PCI Bridge
 * Architecture 9.1).  It has no configuration header of its own.
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/cardcage.h>

#define TYPE_PCI_TESTHOST "pci-testhost"

#define TESTHOST_PIRQS      4

typedef struct PCITestHostState {
    PCIHostState parent_obj;
    IRQState *pirq[TESTHOST_PIRQS];
} PCITestHostState;

OBJECT_DECLARE_SIMPLE_TYPE(PCITestHostState, PCI_TESTHOST)

static void testhost_set_pirq(void *opaque, int pirq, int level)
{
    PCITestHostState *s = opaque;
    if (pirq >= 0 && pirq < TESTHOST_PIRQS) {
        irq_set(s->pirq[pirq], level);
    }
}

static void testhost_init(Object *obj)
{
    device_init_gpio_out_named(DEVICE(obj), PCI_TESTHOST(obj)->pirq, "pirq", TESTHOST_PIRQS);
}

static bool testhost_realize(PCIHostState *h, Error **errp)
{
    pci_bus_set_irq_route(h->bus, NULL, testhost_set_pirq, h, TESTHOST_PIRQS);
    return true;
}

static const VMStateDescription vmstate_pci_testhost = {
    .name = TYPE_PCI_TESTHOST,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT(parent_obj, PCITestHostState, vmstate_pci_host, PCIHostState),
        VMSTATE_END_OF_LIST()
    },
};

static void testhost_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIHostClass *hc = PCI_HOST_BRIDGE_CLASS(klass);
    dc->desc = "minimal PCI host bridge: configuration mechanism #1, 4 PIRQ outputs";
    dc->vmsd = &vmstate_pci_testhost;
    hc->realize = testhost_realize;
}

static const TypeInfo pci_testhost_types[] = {
    {
        .name = TYPE_PCI_TESTHOST,
        .parent = TYPE_PCI_HOST_BRIDGE,
        .instance_size = sizeof(PCITestHostState),
        .class_size = sizeof(PCIHostClass),
        .instance_init = testhost_init,
        .class_init = testhost_class_init,
    },
};

DEFINE_TYPES(pci_testhost_types)

CARDCAGE_PLUGIN(.name = "pci-testdev", .version = "1.0",
                .description = "a PCI test function and a minimal PCI host bridge",
                .license = "MIT");
