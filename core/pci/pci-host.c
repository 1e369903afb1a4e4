/*
 * Configuration mechanism #1 (PCI 3.0, 3.2.2.3.2): the decoding a host
 * bridge does for CONFIG_DATA, given the CONFIG_ADDRESS it latched.
 *
 *   bit 31      enable
 *   bits 23:16  bus number
 *   bits 15:11  device number
 *   bits 10:8   function number
 *   bits 7:2    register (dword)
 *
 * SPDX-License-Identifier: MIT
 */
#include "pci/pci-internal.h"

#define PCI_CONFIG_ENABLE 0x80000000u

/* The function an access reaches, and the configuration offset. */
static PCIDevice *pci_host_target(PCIBus *bus, uint32_t config_addr, unsigned port,
                                   unsigned *len, uint32_t *reg)
{
    if (!(config_addr & PCI_CONFIG_ENABLE) || port > 3 || !*len) {
        return NULL;
    }
    /* Only the root bus (number 0) exists until PCI-to-PCI bridges do. */
    if ((config_addr >> 16) & 0xff) {
        return NULL;
    }
    if (*len > 4 - port) {
        *len = 4 - port;
    }
    int devfn = (config_addr >> 8) & 0xff;
    /* 6.2.1: software scans functions > 0 only when function 0 exists;
     * a function alone behind a missing function 0 is not seen. */
    if (PCI_FUNC(devfn) && !bus->devices[PCI_DEVFN(PCI_SLOT(devfn), 0)]) {
        return NULL;
    }
    *reg = (config_addr & 0xfc) | port;
    return bus->devices[devfn];
}

uint32_t pci_host_config_read(PCIBus *bus, uint32_t config_addr, unsigned port,
                              unsigned len)
{
    uint32_t reg;
    unsigned n = len;
    uint32_t ones = len >= 4 ? 0xffffffffu : (1u << (8 * len)) - 1;
    PCIDevice *d = pci_host_target(bus, config_addr, port, &n, &reg);
    if (!d) {
        /* A master abort: all ones (3.2.2.3.2). */
        return ones;
    }
    uint32_t v;
    if (n == 3) {
        v = pci_config_read(d, reg, 2) | (pci_config_read(d, reg + 2, 1) << 16);
    } else {
        v = pci_config_read(d, reg, n);
    }
    /* Bytes past the data window's end (a 4-byte read at 0xCFE) read as
     * all ones. */
    if (n < len) {
        v |= ones & ~((1u << (8 * n)) - 1);
    }
    return v & ones;
}

void pci_host_config_write(PCIBus *bus, uint32_t config_addr, unsigned port, uint32_t val,
                           unsigned len)
{
    uint32_t reg;
    PCIDevice *d = pci_host_target(bus, config_addr, port, &len, &reg);
    if (d) {
        if (len == 3) {
            pci_config_write(d, reg, val & 0xffff, 2);
            pci_config_write(d, reg + 2, (val >> 16) & 0xff, 1);
        } else {
            pci_config_write(d, reg, val, len);
        }
    }
}
