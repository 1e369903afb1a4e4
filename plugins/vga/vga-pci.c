/*
 * VGA: the standard VGA as a PCI function, as QEMU's "VGA" (its
 * docs/specs/standard-vga.rst): ids 1234:1111, class 0300 (VGA-compatible
 * display controller), the legacy ports 0x3B0-0x3DF and 0x1CE-0x1D0 and
 * the 0xA0000 window decoded as any PCI VGA does (the PCI-to-PCI bridge
 * VGA enable of the PCI spec aside, a VGA on bus 0 answers there), and
 *
 *   BAR0  prefetchable memory: VRAM, the VBE linear framebuffer
 *   BAR2  memory, 4 KiB: the registers without index/data ports
 *           0x000-0x07f  the monitor's EDID block (edid=on; vga-edid.c)
 *           0x400-0x41f  the ports 0x3C0-0x3DF
 *           0x500-0x515  the DISPI registers, register n at 0x500 + 2n
 *           0x600-0x607  QEMU's extended registers: 0x600 their size (8),
 *                        0x604 framebuffer byte order (0x1e1e1e1e: little)
 *   ROM   vgabios-stdvga.bin (SeaBIOS's VGA BIOS for this card)
 *
 * SPDX-License-Identifier: MIT
 */
#include "vga-edid.h"
#include "vga-int.h"

#define TYPE_PCI_VGA "VGA"
#define MMIO_SIZE 0x1000
#define MMIO_PORTS 0x400
#define MMIO_DISPI 0x500
#define MMIO_QEXT 0x600
#define QEXT_SIZE 8
#define QEXT_LITTLE_ENDIAN 0x1e1e1e1eu

typedef struct PCIVGAState {
    PCIDevice parent_obj;
    VGAState vga;
    MemoryRegion mmio;
    bool mapped;
    bool edid_on;                   /* properties: edid, xres, yres */
    uint32_t edid_xres, edid_yres;
    uint8_t edid[VGA_EDID_SIZE];
} PCIVGAState;

OBJECT_DECLARE_SIMPLE_TYPE(PCIVGAState, PCI_VGA)

static uint64_t mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    PCIVGAState *s = opaque;
    if (addr < VGA_EDID_SIZE) {
        /* edid=off leaves zeros, whose header Linux's bochs driver rejects */
        uint64_t v = 0;
        for (unsigned i = 0; i < size && addr + i < VGA_EDID_SIZE; i++) {
            v |= (uint64_t)(s->edid_on ? s->edid[addr + i] : 0) << (8 * i);
        }
        return v;
    }
    if (addr >= MMIO_PORTS && addr < MMIO_PORTS + 0x20) {
        uint64_t v = 0;
        for (unsigned i = 0; i < size && addr + i < MMIO_PORTS + 0x20; i++) {
            v |= (uint64_t)vga_port_read(&s->vga, 0x3c0 + (uint32_t)(addr + i - MMIO_PORTS))
                 << (8 * i);
        }
        return v;
    }
    if (addr >= MMIO_DISPI && addr < MMIO_DISPI + 2 * VBE_REG_COUNT) {
        s->vga.vbe_index = (addr - MMIO_DISPI) / 2;
        return vbe_data_read(&s->vga);
    }
    if (addr == MMIO_QEXT) {
        return QEXT_SIZE;
    }
    if (addr == MMIO_QEXT + 4) {
        return QEXT_LITTLE_ENDIAN;
    }
    return 0;
}

static void mmio_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PCIVGAState *s = opaque;
    if (addr >= MMIO_PORTS && addr < MMIO_PORTS + 0x20) {
        for (unsigned i = 0; i < size && addr + i < MMIO_PORTS + 0x20; i++) {
            vga_port_write(&s->vga, 0x3c0 + (uint32_t)(addr + i - MMIO_PORTS),
                           (val >> (8 * i)) & 0xff);
        }
    } else if (addr >= MMIO_DISPI && addr < MMIO_DISPI + 2 * VBE_REG_COUNT) {
        s->vga.vbe_index = (addr - MMIO_DISPI) / 2;
        vbe_data_write(&s->vga, (uint32_t)val);
    }
    /* the extended registers are read-only (little-endian only) */
}

static const MemoryRegionOps mmio_ops = {
    .read = mmio_read,
    .write = mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

static void pci_vga_reset(PCIDevice *pci)
{
    vga_common_reset(&PCI_VGA(pci)->vga);
}

static bool pci_vga_realize(PCIDevice *pci, Error **errp)
{
    PCIVGAState *s = PCI_VGA(pci);
    if (s->edid_on) {
        if (!vga_edid_check(s->edid_xres, s->edid_yres, errp)) {
            return false;
        }
        vga_edid_build(s->edid, s->edid_xres, s->edid_yres);
    }
    if (!vga_common_init(&s->vga, OBJECT(s), errp)) {
        return false;
    }
    memory_region_init_io(&s->mmio, OBJECT(s), &mmio_ops, s, "vga.mmio", MMIO_SIZE);
    pci_register_bar(pci, 0, PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_PREFETCH,
                     &s->vga.vram);
    pci_register_bar(pci, 2, PCI_BASE_ADDRESS_SPACE_MEMORY, &s->mmio);
    /* The legacy window over the RAM below (priority 1; the i440FX's
     * SMRAM open window, at 2, still wins). */
    memory_region_transaction_begin();
    memory_region_add_subregion_overlap(memory_get_system_memory(), VGA_WINDOW_BASE,
                                        &s->vga.window, 1);
    memory_region_add_subregion(memory_get_system_io(), VGA_PORT_BASE, &s->vga.ports);
    memory_region_add_subregion(memory_get_system_io(), VBE_PORT_BASE, &s->vga.vbe_ports);
    memory_region_transaction_commit();
    s->mapped = true;
    return true;
}

static void pci_vga_exit(PCIDevice *pci)
{
    PCIVGAState *s = PCI_VGA(pci);
    if (s->mapped) {
        memory_region_transaction_begin();
        memory_region_del_subregion(memory_get_system_memory(), &s->vga.window);
        memory_region_del_subregion(memory_get_system_io(), &s->vga.ports);
        memory_region_del_subregion(memory_get_system_io(), &s->vga.vbe_ports);
        memory_region_transaction_commit();
        s->mapped = false;
    }
    memory_region_finalize(&s->mmio);
    vga_common_finalize(&s->vga);
}

static const Property pci_vga_properties[] = {
    DEFINE_PROP_UINT32("vgamem_mb", PCIVGAState, vga.vram_size_mb, 16,
                       "video memory in MiB (a power of two, 1 to 256)"),
    /* QEMU's defaults: a monitor whose preferred mode is 1280x800 */
    DEFINE_PROP_BOOL("edid", PCIVGAState, edid_on, true,
                     "an EDID block in BAR2 describing the monitor"),
    DEFINE_PROP_UINT32("xres", PCIVGAState, edid_xres, 1280,
                       "the monitor's preferred width in the EDID (640 to 3935)"),
    DEFINE_PROP_UINT32("yres", PCIVGAState, edid_yres, 800,
                       "the monitor's preferred height in the EDID (480 to 4000)"),
    DEFINE_PROP_END_OF_LIST(),
};

static const VMStateDescription vmstate_pci_vga = {
    .name = TYPE_PCI_VGA,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, PCIVGAState),
        VMSTATE_STRUCT(vga, PCIVGAState, vmstate_vga_common, VGAState),
        VMSTATE_END_OF_LIST()
    },
};

static void pci_vga_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
    dc->desc = "standard VGA with the Bochs VBE extension (PCI)";
    dc->category = DEVICE_CATEGORY_DISPLAY;
    dc->vmsd = &vmstate_pci_vga;
    device_class_set_props(dc, pci_vga_properties);
    k->vendor_id = 0x1234;          /* as QEMU's standard VGA */
    k->device_id = 0x1111;
    k->class_id = 0x0300;           /* display controller, VGA-compatible */
    k->revision = 2;                /* QEMU's: has the MMIO BAR */
    k->subsystem_vendor_id = 0x1af4;
    k->subsystem_id = 0x1100;
    k->romfile = "vgabios-stdvga.bin";
    k->realize = pci_vga_realize;
    k->exit = pci_vga_exit;
    k->reset = pci_vga_reset;
}

static const TypeInfo pci_vga_types[] = {
    {
        .name = TYPE_PCI_VGA,
        .parent = TYPE_PCI_DEVICE,
        .instance_size = sizeof(PCIVGAState),
        .class_init = pci_vga_class_init,
    },
};

DEFINE_TYPES(pci_vga_types)

CARDCAGE_PLUGIN(
    .name = "vga",
    .version = "1.0",
    .description = "VGA (PCI) and isa-vga: the standard VGA with the Bochs VBE extension",
    .license = "MIT",
);
