/*
 * Bus mastering: each function reaches memory through its own address
 * space, a window onto system memory that is open only while the command
 * register's bus-master bit is set (PCI 3.0, 6.2.2: a function with the
 * bit clear must not generate transactions).  Writes to the MSI window
 * (Intel SDM vol. 3A, 10.11.1: 0xFEE00000-0xFEEFFFFF) are interrupt
 * messages, which the chipset passes to the APIC bus rather than to
 * memory.
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/apic-bus.h>
#include <cardcage/log.h>
#include "pci/pci-internal.h"

static uint64_t pci_msi_window_read(void *opaque, hwaddr addr, unsigned size)
{
    log_mask(LOG_GUEST_ERROR, "pci: %s read the MSI window at 0x%" PRIx64 "\n",
             object_get_typename(OBJECT(opaque)), (uint64_t)(APIC_MSI_BASE + addr));
    return 0;
}

static void pci_msi_window_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    if (!apic_bus_send_msi(APIC_MSI_BASE + addr, (uint32_t)data)) {
        log_mask(LOG_GUEST_ERROR, "pci: %s: MSI write 0x%x to 0x%" PRIx64 " refused\n",
                 object_get_typename(OBJECT(opaque)), (uint32_t)data,
                 (uint64_t)(APIC_MSI_BASE + addr));
    }
}

/* An MSI message is one DWORD write (PCI 3.0, 6.8.3.3); narrower writes
 * are widened with zeros, which is what a device would send. */
static const MemoryRegionOps pci_msi_window_ops = {
    .read = pci_msi_window_read,
    .write = pci_msi_window_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

void pci_dma_init(PCIDevice *dev)
{
    if (dev->dma_as) {
        return;
    }
    /* No owner: the re-entrancy guard must not refuse the MSI a device
     * sends from inside its own register handler. */
    memory_region_init(&dev->bm_root, NULL, "pci-bus-master", UINT64_MAX);
    memory_region_init_alias(&dev->bm_alias, NULL, "pci-bus-master-memory",
                             memory_get_system_memory(), 0, UINT64_MAX);
    memory_region_init_io(&dev->bm_msi, NULL, &pci_msi_window_ops, dev, "pci-msi",
                          APIC_MSI_SIZE);
    memory_region_set_enabled(&dev->bm_alias, false);
    memory_region_set_enabled(&dev->bm_msi, false);
    memory_region_add_subregion(&dev->bm_root, 0, &dev->bm_alias);
    memory_region_add_subregion_overlap(&dev->bm_root, APIC_MSI_BASE, &dev->bm_msi, 1);
    char *name = g_strdup_printf("%s bus master", object_get_typename(OBJECT(dev)));
    dev->dma_as = address_space_new(&dev->bm_root, name);
    g_free(name);
}

void pci_dma_update_master(PCIDevice *dev)
{
    if (!dev->dma_as) {
        return;
    }
    bool on = pci_get_word(dev->config + PCI_COMMAND) & PCI_COMMAND_MASTER;
    memory_region_transaction_begin();
    memory_region_set_enabled(&dev->bm_alias, on);
    memory_region_set_enabled(&dev->bm_msi, on);
    memory_region_transaction_commit();
}

void pci_dma_destroy(PCIDevice *dev)
{
    if (!dev->dma_as) {
        return;
    }
    address_space_destroy(dev->dma_as);
    dev->dma_as = NULL;
    memory_region_finalize(&dev->bm_msi);
    memory_region_finalize(&dev->bm_alias);
    memory_region_finalize(&dev->bm_root);
}

AddressSpace *pci_get_address_space(PCIDevice *dev)
{
    return dev->dma_as ? dev->dma_as : address_space_memory();
}

MemTxResult pci_dma_read(PCIDevice *dev, uint64_t addr, void *buf, uint64_t len)
{
    return address_space_read(pci_get_address_space(dev), addr, buf, len);
}

MemTxResult pci_dma_write(PCIDevice *dev, uint64_t addr, const void *buf, uint64_t len)
{
    return address_space_write(pci_get_address_space(dev), addr, buf, len);
}
