/*
 * What the parts of core/pci share and plugins do not see.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_PCI_INTERNAL_H
#define CORE_PCI_INTERNAL_H

#include <cardcage/pci.h>

/* pci-bar.c: rebuild every BAR's mapping from config space and the
 * command register; free the ROM image. */
void pci_update_mappings(PCIDevice *dev);
void pci_unmap_all_bars(PCIDevice *dev);
bool pci_load_romfile(PCIDevice *dev, Error **errp);

/* pci-irq.c: put the INTx contribution in line with the level and the
 * command register's INTx disable; drop it (unplug). */
/* notify: tell the bus's set_irq when a PIRQ changes (false only while
 * loading state). */
void pci_intx_update(PCIDevice *dev, bool notify);
/* pci-dma.c: the bus-master address space of a new function, its gate,
 * and its teardown. */
void pci_dma_init(PCIDevice *dev);
void pci_dma_update_master(PCIDevice *dev);
void pci_dma_destroy(PCIDevice *dev);
/* pci-msi.c: a config write that touched the MSI capability. */
void msi_write_config(PCIDevice *dev, uint32_t addr, uint32_t val, unsigned len);
/* pci-msi.c: the capability's state at reset (disabled, nothing pending). */
void msi_reset(PCIDevice *dev);

/* pci-bus.c: parse the addr property ("SLOT" or "SLOT.FN", hex). */
bool pci_parse_devfn(const char *text, int *devfn, Error **errp);

/* pci-boot.c: the bootorder path of a plugged function
 * ("/pci@i0cf8/ethernet@3"; g_free it), and the paths of the functions
 * with a bootindex, lowest first, a line each, appended to out (fails when
 * two share a bootindex). */
char *pci_device_fw_path(PCIDevice *dev);
bool pci_boot_order(GString *out, Error **errp);

#endif
