/*
 * Configuration space accesses and the capability list (PCI 3.0, 6.1 and
 * 6.7).
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/log.h>
#include "pci/pci-internal.h"

static bool ranges_overlap(uint32_t a, unsigned alen, uint32_t b, unsigned blen)
{
    return a < b + blen && b < a + alen;
}

uint32_t pci_default_read_config(PCIDevice *dev, uint32_t addr, unsigned len)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < len && addr + i < PCI_CONFIG_SPACE_SIZE; i++) {
        v |= (uint32_t)dev->config[addr + i] << (8 * i);
    }
    return v;
}

void pci_default_write_config(PCIDevice *dev, uint32_t addr, uint32_t val, unsigned len)
{
    uint16_t old_cmd = pci_get_word(dev->config + PCI_COMMAND);
    for (unsigned i = 0; i < len && addr + i < PCI_CONFIG_SPACE_SIZE; i++) {
        uint8_t b = val >> (8 * i);
        uint8_t wm = dev->wmask[addr + i], w1c = dev->w1cmask[addr + i];
        dev->config[addr + i] = (dev->config[addr + i] & ~wm) | (b & wm);
        dev->config[addr + i] &= ~(b & w1c);
    }
    uint16_t cmd = pci_get_word(dev->config + PCI_COMMAND);
    /* A BAR, the ROM BAR or a decode enable changed: remap. */
    if (ranges_overlap(addr, len, PCI_BASE_ADDRESS_0, 24) ||
        ranges_overlap(addr, len, PCI_ROM_ADDRESS, 4) ||
        ((old_cmd ^ cmd) & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY))) {
        pci_update_mappings(dev);
    }
    if ((old_cmd ^ cmd) & PCI_COMMAND_MASTER) {
        pci_dma_update_master(dev);
    }
    if ((old_cmd ^ cmd) & PCI_COMMAND_INTX_DISABLE) {
        pci_intx_update(dev, true);
    }
    if (dev->msi_cap && ranges_overlap(addr, len, dev->msi_cap, 0x18)) {
        msi_write_config(dev, addr, val, len);
    }
}

static bool pci_config_access_ok(PCIDevice *dev, uint32_t addr, unsigned len)
{
    if ((len != 1 && len != 2 && len != 4) || addr >= PCI_CONFIG_SPACE_SIZE ||
        len > PCI_CONFIG_SPACE_SIZE - addr) {
        log_mask(LOG_GUEST_ERROR, "%s: configuration access of %u bytes at 0x%x is past the "
                 "256-byte space\n", object_get_typename(OBJECT(dev)), len, addr);
        return false;
    }
    return true;
}

uint32_t pci_config_read(PCIDevice *dev, uint32_t addr, unsigned len)
{
    if (!pci_config_access_ok(dev, addr, len)) {
        return len >= 4 ? 0xffffffffu : (1u << (8 * len)) - 1;
    }
    PCIDeviceClass *k = PCI_DEVICE_GET_CLASS(dev);
    return (k->config_read ? k->config_read : pci_default_read_config)(dev, addr, len);
}

void pci_config_write(PCIDevice *dev, uint32_t addr, uint32_t val, unsigned len)
{
    if (!pci_config_access_ok(dev, addr, len)) {
        return;
    }
    PCIDeviceClass *k = PCI_DEVICE_GET_CLASS(dev);
    (k->config_write ? k->config_write : pci_default_write_config)(dev, addr, val, len);
}

/* ---- the capability list (6.7): a chain of [id, next] from 0x34 ---- */

/* Walks at most the 48 dwords after the header, so a loop in the list
 * (which a device, not the guest, would have built) ends. */
uint8_t pci_find_capability(PCIDevice *dev, uint8_t cap_id)
{
    if (!(pci_get_word(dev->config + PCI_STATUS) & PCI_STATUS_CAP_LIST)) {
        return 0;
    }
    uint8_t off = dev->config[PCI_CAPABILITY_LIST] & ~3;
    for (int n = 0; off >= PCI_CONFIG_HEADER_SIZE && n < 48; n++) {
        if (dev->config[off] == cap_id) {
            return off;
        }
        off = dev->config[off + 1] & ~3;
    }
    return 0;
}

/* The list does not say how long each capability is, so the bytes they
 * take are marked in cmask (past the header it means "in use"). */
uint8_t pci_add_capability(PCIDevice *dev, uint8_t cap_id, uint8_t offset, uint8_t size,
                           Error **errp)
{
    if (size < 2) {
        error_setg(errp, "capability 0x%02x: size %u is too small", cap_id, size);
        return 0;
    }
    if (!offset) {
        /* The first dword-aligned gap of size bytes after the header. */
        for (unsigned o = PCI_CONFIG_HEADER_SIZE; o + size <= PCI_CONFIG_SPACE_SIZE; o += 4) {
            bool free = true;
            for (unsigned i = 0; i < size && free; i++) {
                free = !dev->cmask[o + i];
            }
            if (free) {
                offset = o;
                break;
            }
        }
        if (!offset) {
            error_setg(errp, "capability 0x%02x of %u bytes does not fit in configuration "
                       "space", cap_id, size);
            return 0;
        }
    }
    if (offset < PCI_CONFIG_HEADER_SIZE || (offset & 3) ||
        offset + size > PCI_CONFIG_SPACE_SIZE) {
        error_setg(errp, "capability 0x%02x at 0x%02x (%u bytes) is outside 0x40-0xff or not "
                   "dword aligned", cap_id, offset, size);
        return 0;
    }
    for (unsigned i = 0; i < size; i++) {
        if (dev->cmask[offset + i]) {
            error_setg(errp, "capability 0x%02x at 0x%02x (%u bytes) overlaps another one at "
                       "0x%02x", cap_id, offset, size, offset + i);
            return 0;
        }
    }
    uint8_t *c = dev->config;
    c[offset] = cap_id;
    c[offset + 1] = c[PCI_CAPABILITY_LIST];
    c[PCI_CAPABILITY_LIST] = offset;
    pci_set_word(c + PCI_STATUS, pci_get_word(c + PCI_STATUS) | PCI_STATUS_CAP_LIST);
    for (unsigned i = 0; i < size; i++) {
        dev->cmask[offset + i] = 0xff;
    }
    /* The id and the link are the device's: read-only to the guest. */
    dev->wmask[offset] = dev->wmask[offset + 1] = 0;
    return offset;
}
