/*
 * INTx: each function's interrupt pin, through the bus's map to the host
 * bridge's PIRQ lines.  PCI interrupts are level-sensitive, active low and
 * shared (PCI 3.0, 2.2.6): a PIRQ stays asserted while any function
 * driving it asserts its pin, so the bus counts the asserting functions.
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/log.h>
#include "pci/pci-internal.h"

int pci_swizzle_map_irq(PCIDevice *dev, int pin)
{
    return (PCI_SLOT(dev->devfn) + pin) % 4;
}

void pci_bus_set_irq_route(PCIBus *bus, PCIMapIRQFunc map_irq, PCISetIRQFunc set_irq,
                           void *opaque, int nirq)
{
    g_return_if_fail(nirq >= 1 && nirq <= PCI_BUS_MAX_IRQS);
    bus->map_irq = map_irq ? map_irq : pci_swizzle_map_irq;
    bus->set_irq = set_irq;
    bus->irq_opaque = opaque;
    bus->nirq = nirq;
}

int pci_bus_irq_level(PCIBus *bus, int pirq)
{
    return pirq >= 0 && pirq < bus->nirq && bus->irq_count[pirq] > 0;
}

static void pci_bus_change_irq(PCIBus *bus, int pirq, int delta, bool notify)
{
    int old = bus->irq_count[pirq];
    bus->irq_count[pirq] += delta;
    if (notify && bus->set_irq && (old == 0) != (bus->irq_count[pirq] == 0)) {
        bus->set_irq(bus->irq_opaque, pirq, bus->irq_count[pirq] > 0);
    }
}

void pci_intx_update(PCIDevice *dev, bool notify)
{
    PCIBus *bus = dev->bus;
    if (!bus) {
        return;
    }
    uint8_t pin = dev->config[PCI_INTERRUPT_PIN];
    bool want = dev->intx_level && pin >= 1 && pin <= 4 &&
                !(pci_get_word(dev->config + PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE);
    if (want == dev->intx_asserted) {
        return;
    }
    if (want) {
        int pirq = bus->map_irq(dev, pin - 1);
        if (pirq < 0 || pirq >= bus->nirq) {
            log_mask(LOG_GUEST_ERROR, "pci: %s INT%c# maps to PIRQ %d of %d\n",
                     object_get_typename(OBJECT(dev)), 'A' + pin - 1, pirq, bus->nirq);
            return;
        }
        dev->intx_pirq = pirq;
        dev->intx_asserted = true;
        pci_bus_change_irq(bus, pirq, 1, notify);
    } else {
        dev->intx_asserted = false;
        pci_bus_change_irq(bus, dev->intx_pirq, -1, notify);
    }
}

void pci_set_irq(PCIDevice *dev, int level)
{
    dev->intx_level = level != 0;
    /* 6.2.3: status bit 3 shows the pin's state whatever the command
     * register's INTx disable says. */
    uint16_t st = pci_get_word(dev->config + PCI_STATUS) & ~PCI_STATUS_INTERRUPT;
    pci_set_word(dev->config + PCI_STATUS, st | (dev->intx_level ? PCI_STATUS_INTERRUPT : 0));
    pci_intx_update(dev, true);
}
