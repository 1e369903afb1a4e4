/*
 * Base address registers (PCI 3.0, 6.2.5): their sizes as the guest
 * discovers them, their mapping into the bus's I/O and memory spaces, and
 * the expansion ROM (6.2.5.2) with the option ROM image behind it.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/log.h>
#include <cardcage/system.h>
#include "pci/pci-internal.h"

/* Where a BAR lands among what else decodes the same addresses (every
 * system region is at priority 0):
 *  - a memory BAR below everything: the host bridge never forwards DRAM
 *    below the top of memory to PCI (82441FX 3.3), and the CPU's local
 *    APIC and the chipset's own windows (I/O APIC, HPET) answer before the
 *    bus, so a BAR moved onto RAM or onto them is hidden (as on QEMU, whose
 *    whole PCI space sits under the system map);
 *  - an I/O BAR above the ISA devices: the PCI-to-ISA bridge decodes
 *    subtractively (82371SB 2.1), only what no PCI function claimed; but
 *    below the host bridge's configuration ports (pci-host-bridge.c).
 * Between two BARs the memory API picks one, as bus arbitration would. */
#define PCI_MEM_BAR_PRIORITY (-1)
#define PCI_IO_BAR_PRIORITY  1

static uint32_t bar_offset(int n)
{
    return n == PCI_ROM_SLOT ? PCI_ROM_ADDRESS : PCI_BASE_ADDRESS_0 + 4 * n;
}

static uint64_t pow2_ceil(uint64_t v)
{
    uint64_t p = 1;
    while (p < v && p) {
        p <<= 1;
    }
    return p ? p : v;
}

void pci_register_bar(PCIDevice *dev, int n, uint8_t type, MemoryRegion *mr)
{
    bool is64 = !(type & PCI_BASE_ADDRESS_SPACE_IO) && (type & PCI_BASE_ADDRESS_MEM_TYPE_64);
    g_return_if_fail(n >= 0 && n < PCI_NUM_REGIONS && mr);
    g_return_if_fail(!is64 || n < PCI_ROM_SLOT - 1);
    g_return_if_fail(!dev->io_regions[n].size);
    PCIIORegion *r = &dev->io_regions[n];
    /* 6.2.5.1: at least 4 bytes of I/O and 16 of memory; 6.2.5.2: at
     * least 2 KiB of expansion ROM. */
    uint64_t min = n == PCI_ROM_SLOT ? 2048 : (type & PCI_BASE_ADDRESS_SPACE_IO) ? 4 : 16;
    uint64_t size = pow2_ceil(MAX(memory_region_size(mr), min));
    r->size = size;
    r->type = n == PCI_ROM_SLOT ? 0 : type;
    r->memory = mr;
    r->addr = PCI_BAR_UNMAPPED;
    r->address_space = (type & PCI_BASE_ADDRESS_SPACE_IO) && n != PCI_ROM_SLOT
                       ? dev->bus->address_space_io : dev->bus->address_space_mem;
    uint32_t off = bar_offset(n);
    uint64_t wmask = ~(size - 1);
    if (n == PCI_ROM_SLOT) {
        pci_set_long(dev->config + off, 0);
        pci_set_long(dev->wmask + off, (uint32_t)wmask | PCI_ROM_ADDRESS_ENABLE);
    } else {
        pci_set_long(dev->config + off, r->type);
        if (is64) {
            pci_set_quad(dev->wmask + off, wmask);
        } else {
            pci_set_long(dev->wmask + off, (uint32_t)wmask);
        }
    }
}

uint64_t pci_get_bar_addr(PCIDevice *dev, int n)
{
    return n >= 0 && n < PCI_NUM_REGIONS ? dev->io_regions[n].addr : PCI_BAR_UNMAPPED;
}

/* Where BAR n decodes given config space, or PCI_BAR_UNMAPPED: its space
 * is disabled in the command register, the address is 0 (unprogrammed),
 * or the window runs past the space (all ones during sizing, an I/O BAR
 * past 64 KiB, a 32-bit BAR reaching 4 GiB, or past the bus's space). */
static uint64_t bar_decode_address(PCIDevice *dev, int n)
{
    PCIIORegion *r = &dev->io_regions[n];
    uint16_t cmd = pci_get_word(dev->config + PCI_COMMAND);
    uint32_t off = bar_offset(n);
    uint64_t addr, max_last;   /* the highest last byte that decodes */
    if (n == PCI_ROM_SLOT) {
        uint32_t v = pci_get_long(dev->config + off);
        if (!(cmd & PCI_COMMAND_MEMORY) || !(v & PCI_ROM_ADDRESS_ENABLE)) {
            return PCI_BAR_UNMAPPED;
        }
        addr = v & PCI_ROM_ADDRESS_MASK & ~(r->size - 1);
        max_last = 0xfffffffeu;
    } else if (r->type & PCI_BASE_ADDRESS_SPACE_IO) {
        if (!(cmd & PCI_COMMAND_IO)) {
            return PCI_BAR_UNMAPPED;
        }
        addr = pci_get_long(dev->config + off) & PCI_BASE_ADDRESS_IO_MASK & ~(r->size - 1);
        max_last = 0xffff;
    } else {
        if (!(cmd & PCI_COMMAND_MEMORY)) {
            return PCI_BAR_UNMAPPED;
        }
        if (r->type & PCI_BASE_ADDRESS_MEM_TYPE_64) {
            addr = pci_get_quad(dev->config + off);
            max_last = UINT64_MAX - 1;
        } else {
            addr = pci_get_long(dev->config + off);
            max_last = 0xfffffffeu;
        }
        addr &= ~(uint64_t)0xf & ~(r->size - 1);
    }
    uint64_t last = addr + r->size - 1;
    uint64_t space = memory_region_size(r->address_space);
    if (!addr || last < addr || last > max_last ||
        (space != UINT64_MAX && last >= space)) {
        return PCI_BAR_UNMAPPED;
    }
    return addr;
}

void pci_update_mappings(PCIDevice *dev)
{
    memory_region_transaction_begin();
    for (int n = 0; n < PCI_NUM_REGIONS; n++) {
        PCIIORegion *r = &dev->io_regions[n];
        if (!r->size) {
            continue;
        }
        uint64_t addr = bar_decode_address(dev, n);
        if (addr == r->addr) {
            continue;
        }
        if (r->addr != PCI_BAR_UNMAPPED) {
            memory_region_del_subregion(r->address_space, r->memory);
        }
        r->addr = addr;
        if (addr != PCI_BAR_UNMAPPED) {
            memory_region_add_subregion_overlap(r->address_space, addr, r->memory,
                                                (r->type & PCI_BASE_ADDRESS_SPACE_IO)
                                                ? PCI_IO_BAR_PRIORITY
                                                : PCI_MEM_BAR_PRIORITY);
        }
    }
    memory_region_transaction_commit();
}

void pci_unmap_all_bars(PCIDevice *dev)
{
    memory_region_transaction_begin();
    for (int n = 0; n < PCI_NUM_REGIONS; n++) {
        PCIIORegion *r = &dev->io_regions[n];
        if (r->size && r->addr != PCI_BAR_UNMAPPED) {
            memory_region_del_subregion(r->address_space, r->memory);
        }
        r->addr = PCI_BAR_UNMAPPED;
    }
    memory_region_transaction_commit();
}

/* The option ROM: the file, in a ROM region of the next power of two
 * (the rest reads 0), behind the expansion ROM BAR.  Option ROMs are at
 * most 16 MiB (the ROM BAR's 24-bit size field, 6.2.5.2, is far larger,
 * but nothing real is). */
#define PCI_ROM_MAX_SIZE (16u << 20)

/* An option ROM built for several cards (iPXE's pxe-ne2k_pci.rom names
 * 0000:0000 in its PCI data structure) is given the card's vendor and
 * device ids there, as QEMU does, or the BIOS would not run it for this
 * card (PCI Firmware 3.0, 5.1.2: the structure's ids must match the
 * function's).  The change in the byte sum goes to byte 6, iPXE's
 * checksum byte, as QEMU does, so a checksum that was right stays right. */
static void pci_patch_rom_ids(PCIDevice *dev, uint8_t *rom, size_t len)
{
    if (len < 0x1a || rom[0] != 0x55 || rom[1] != 0xaa) {
        return;
    }
    size_t pcir = rom[0x18] | (size_t)rom[0x19] << 8;
    if (pcir + 8 > len || memcmp(rom + pcir, "PCIR", 4)) {
        return;
    }
    uint8_t want[4];
    memcpy(want, dev->config + PCI_VENDOR_ID, 4);     /* vendor, device: little endian */
    int delta = 0;
    for (int i = 0; i < 4; i++) {
        delta += rom[pcir + 4 + i] - want[i];
        rom[pcir + 4 + i] = want[i];
    }
    rom[6] = (uint8_t)(rom[6] + delta);
}

bool pci_load_romfile(PCIDevice *dev, Error **errp)
{
    PCIDeviceClass *k = PCI_DEVICE_GET_CLASS(dev);
    const char *name = dev->romfile ? dev->romfile : k->romfile;
    if (!name || !*name || !dev->rombar) {
        return true;
    }
    if (dev->io_regions[PCI_ROM_SLOT].size) {
        error_setg(errp, "romfile '%s': the card already has an expansion ROM", name);
        return false;
    }
    char *path = board_find_firmware(name);
    if (!path && !dev->romfile) {
        /* The class's default ROM (a VGA BIOS, network boot firmware from a
         * distribution package) is a nicety: the card works without it, as
         * it does for a kernel started directly.  QEMU refuses to start; say
         * what is missing (unless no firmware directory is set up at all, as
         * in the device test harness) and go on.  A named romfile is an
         * error. */
        if (board_firmware_dirs()[0]) {
            warn_report("%s: option ROM '%s' not found (romfile= names another, romfile= "
                        "with nothing turns this off); the card has no expansion ROM",
                        object_get_typename(OBJECT(dev)), name);
        }
        return true;
    }
    if (!path) {
        GString *dirs = g_string_new(NULL);
        for (const char *const *d = board_firmware_dirs(); *d; d++) {
            g_string_append_printf(dirs, "%s%s", dirs->len ? ", " : "", *d);
        }
        error_setg(errp, "romfile '%s' not found (searched: %s)", name,
                   dirs->len ? dirs->str : "the current directory");
        g_string_free(dirs, TRUE);
        return false;
    }
    gchar *data = NULL;
    gsize len = 0;
    GError *gerr = NULL;
    if (!g_file_get_contents(path, &data, &len, &gerr)) {
        error_setg(errp, "romfile '%s': %s", path, gerr->message);
        g_error_free(gerr);
        g_free(path);
        return false;
    }
    if (len == 0 || len > PCI_ROM_MAX_SIZE) {
        error_setg(errp, "romfile '%s' is %zu bytes: expected 1 byte to 16 MiB", path,
                   (size_t)len);
        g_free(data);
        g_free(path);
        return false;
    }
    uint64_t size = pow2_ceil(MAX(len, 2048));
    char *rname = g_strdup_printf("%s.rom", device_get_id(DEVICE(dev)) ?
                                  device_get_id(DEVICE(dev)) : object_get_typename(OBJECT(dev)));
    bool ok = memory_region_init_rom(&dev->rom, OBJECT(dev), rname, size, errp);
    g_free(rname);
    if (ok) {
        memcpy(memory_region_get_ram_ptr(&dev->rom), data, len);
        pci_patch_rom_ids(dev, memory_region_get_ram_ptr(&dev->rom), len);
        pci_register_bar(dev, PCI_ROM_SLOT, 0, &dev->rom);
    }
    g_free(data);
    g_free(path);
    return ok;
}
