/*
 * Message signalled interrupts: the MSI capability (PCI 3.0, 6.8.1) and
 * the message a function sends (6.8.3.3).
 *
 * Capability layout from its offset: 0 id, 1 next, 2 message control,
 * 4 message address (low), then for a 64-bit capability 8 the address
 * high and 0xc the data, else 8 the data; with per-vector masking the
 * mask and pending registers follow the data's dword (0x10/0x14 for
 * 64-bit, 0xc/0x10 for 32-bit).
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/log.h>
#include "pci/pci-internal.h"

static uint16_t msi_flags(PCIDevice *dev)
{
    return pci_get_word(dev->config + dev->msi_cap + PCI_MSI_FLAGS);
}

static unsigned msi_data_off(uint16_t flags)
{
    return flags & PCI_MSI_FLAGS_64BIT ? 0x0c : 0x08;
}

static unsigned msi_mask_off(uint16_t flags)
{
    return flags & PCI_MSI_FLAGS_64BIT ? 0x10 : 0x0c;
}

/* The capability's length for its flags. */
static uint8_t msi_cap_size(uint16_t flags)
{
    if (flags & PCI_MSI_FLAGS_MASKBIT) {
        return flags & PCI_MSI_FLAGS_64BIT ? 0x18 : 0x14;
    }
    return flags & PCI_MSI_FLAGS_64BIT ? 0x0e : 0x0a;
}

bool msi_init(PCIDevice *dev, uint8_t offset, unsigned nvectors, bool is_64bit,
              bool per_vector_mask, Error **errp)
{
    if (nvectors < 1 || nvectors > 32 || (nvectors & (nvectors - 1))) {
        error_setg(errp, "MSI: %u vectors: expected 1, 2, 4, 8, 16 or 32", nvectors);
        return false;
    }
    if (dev->msi_cap) {
        error_setg(errp, "MSI: the function already has an MSI capability");
        return false;
    }
    uint16_t flags = (is_64bit ? PCI_MSI_FLAGS_64BIT : 0) |
                     (per_vector_mask ? PCI_MSI_FLAGS_MASKBIT : 0);
    uint8_t cap = pci_add_capability(dev, PCI_CAP_ID_MSI, offset, msi_cap_size(flags), errp);
    if (!cap) {
        return false;
    }
    unsigned log2n = 0;
    while ((1u << log2n) < nvectors) {
        log2n++;
    }
    flags |= (uint16_t)(log2n << 1);
    uint8_t *c = dev->config + cap;
    pci_set_word(c + PCI_MSI_FLAGS, flags);
    pci_set_word(dev->wmask + cap + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
    /* The address is DWORD aligned: bits 1:0 read 0 (6.8.1.4). */
    pci_set_long(dev->wmask + cap + PCI_MSI_ADDRESS_LO, 0xfffffffc);
    if (is_64bit) {
        pci_set_long(dev->wmask + cap + 0x08, 0xffffffff);
    }
    pci_set_word(dev->wmask + cap + msi_data_off(flags), 0xffff);
    if (per_vector_mask) {
        uint32_t used = nvectors == 32 ? 0xffffffffu : (1u << nvectors) - 1;
        pci_set_long(dev->wmask + cap + msi_mask_off(flags), used);
        /* The pending bits are the device's: read-only (6.8.1.8). */
    }
    dev->msi_cap = cap;
    return true;
}

void msi_reset(PCIDevice *dev)
{
    if (!dev->msi_cap) {
        return;
    }
    uint16_t f = msi_flags(dev) & ~(PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
    pci_set_word(dev->config + dev->msi_cap + PCI_MSI_FLAGS, f);
    /* Address and data are undefined after reset (zero is what firmware
     * expects); mask and pending bits reset to 0 (6.8.1.7, 6.8.1.8). */
    memset(dev->config + dev->msi_cap + PCI_MSI_ADDRESS_LO, 0,
           msi_cap_size(f) - PCI_MSI_ADDRESS_LO);
}

bool msi_enabled(PCIDevice *dev)
{
    return dev->msi_cap && (msi_flags(dev) & PCI_MSI_FLAGS_ENABLE);
}

/* The number of vectors the guest enabled (6.8.1.3: multiple message
 * enable, never more than the capable count). */
static unsigned msi_nr_vectors(uint16_t flags)
{
    unsigned cap = 1u << ((flags & PCI_MSI_FLAGS_QMASK) >> 1);
    unsigned en = 1u << ((flags & PCI_MSI_FLAGS_QSIZE) >> 4);
    return en < cap ? en : cap;
}

static void msi_send(PCIDevice *dev, unsigned vector)
{
    uint16_t flags = msi_flags(dev);
    uint8_t *c = dev->config + dev->msi_cap;
    uint64_t addr = pci_get_long(c + PCI_MSI_ADDRESS_LO);
    if (flags & PCI_MSI_FLAGS_64BIT) {
        addr |= (uint64_t)pci_get_long(c + 0x08) << 32;
    }
    unsigned n = msi_nr_vectors(flags);
    /* 6.8.3.3: the function modifies the low bits of the data for the
     * vector it sends. */
    uint32_t data = pci_get_word(c + msi_data_off(flags));
    data = (data & ~(n - 1)) | vector;
    uint8_t buf[4];
    cc_st_le32(buf, data);
    if (pci_dma_write(dev, addr, buf, 4) != MEMTX_OK) {
        log_mask(LOG_GUEST_ERROR, "pci: %s: MSI write to 0x%" PRIx64 " failed (bus master "
                 "%s)\n", object_get_typename(OBJECT(dev)), addr,
                 pci_get_word(dev->config + PCI_COMMAND) & PCI_COMMAND_MASTER ? "on" : "off");
    }
}

void msi_notify(PCIDevice *dev, unsigned vector)
{
    if (!msi_enabled(dev)) {
        return;
    }
    uint16_t flags = msi_flags(dev);
    if (vector >= msi_nr_vectors(flags)) {
        log_mask(LOG_GUEST_ERROR, "pci: %s: MSI vector %u, but only %u enabled\n",
                 object_get_typename(OBJECT(dev)), vector, msi_nr_vectors(flags));
        return;
    }
    if (flags & PCI_MSI_FLAGS_MASKBIT) {
        uint8_t *m = dev->config + dev->msi_cap + msi_mask_off(flags);
        if (pci_get_long(m) & (1u << vector)) {
            pci_set_long(m + 4, pci_get_long(m + 4) | (1u << vector));
            return;
        }
    }
    msi_send(dev, vector);
}

/* After a write to the capability: a vector unmasked while pending is
 * sent now (6.8.3.4). */
void msi_write_config(PCIDevice *dev, uint32_t addr, uint32_t val, unsigned len)
{
    uint16_t flags = msi_flags(dev);
    if (!(flags & PCI_MSI_FLAGS_MASKBIT) || !(flags & PCI_MSI_FLAGS_ENABLE)) {
        return;
    }
    uint8_t *m = dev->config + dev->msi_cap + msi_mask_off(flags);
    uint32_t ready = pci_get_long(m + 4) & ~pci_get_long(m);
    unsigned n = msi_nr_vectors(flags);
    for (unsigned v = 0; v < n; v++) {
        if (ready & (1u << v)) {
            pci_set_long(m + 4, pci_get_long(m + 4) & ~(1u << v));
            msi_send(dev, v);
        }
    }
}
