/*
 * isa-cirrus-vga: the CL-GD5446 on the ISA bus, as QEMU's isa-cirrus-vga
 * for the isapc machine: the VGA ports 0x3B0-0x3DF and the 0xA0000 window
 * (banked video memory, and the BLT registers at 0xB8000 when SR17 bit 2
 * is set: cirrus-vga.c's window handlers), no linear framebuffer and no
 * MMIO BAR, which need PCI.  Its VGA BIOS is vgabios-cirrus.bin, handed to
 * SeaBIOS as QEMU's is (plugins/vga/vga-isa-rom.c).
 *
 * SPDX-License-Identifier: MIT
 */
#include "cirrus-int.h"

#define TYPE_ISA_CIRRUS_VGA "isa-cirrus-vga"
#define CIRRUS_ROM_DEFAULT  "vgabios-cirrus.bin"

typedef struct ISACirrusState {
    ISADevice parent_obj;
    CirrusState cirrus;
    char *romfile;
    VGAISARom rom;
    bool mapped;
} ISACirrusState;

OBJECT_DECLARE_SIMPLE_TYPE(ISACirrusState, ISA_CIRRUS_VGA)

static void isa_cirrus_reset(DeviceState *dev)
{
    cirrus_reset(&ISA_CIRRUS_VGA(dev)->cirrus);
}

static void isa_cirrus_unrealize(DeviceState *dev)
{
    ISACirrusState *s = ISA_CIRRUS_VGA(dev);
    ISADevice *isa = ISA_DEVICE(dev);
    vga_isa_rom_unload(&s->rom, isa);
    if (s->mapped) {            /* the ISA core unmaps the ports */
        memory_region_del_subregion(isa_address_space(isa), &s->cirrus.window);
        s->mapped = false;
    }
    cirrus_finalize(&s->cirrus);
}

static bool isa_cirrus_realize(DeviceState *dev, Error **errp)
{
    ISACirrusState *s = ISA_CIRRUS_VGA(dev);
    ISADevice *isa = ISA_DEVICE(dev);
    /* no linear framebuffer to switch between fast and slow paths: the
     * core's default memory hook does nothing */
    if (!cirrus_init(&s->cirrus, OBJECT(s), errp)) {
        return false;
    }
    if (!isa_register_ioport(isa, &s->cirrus.ports, VGA_PORT_BASE, errp)) {
        cirrus_finalize(&s->cirrus);
        return false;
    }
    /* Over the RAM of an ISA PC, which fills 0-640 KiB and beyond. */
    memory_region_add_subregion_overlap(isa_address_space(isa), VGA_WINDOW_BASE,
                                        &s->cirrus.window, 1);
    s->mapped = true;
    if (!vga_isa_rom_load(&s->rom, isa, s->romfile, CIRRUS_ROM_DEFAULT, errp)) {
        isa_cirrus_unrealize(dev);
        return false;
    }
    return true;
}

static const Property isa_cirrus_properties[] = {
    DEFINE_PROP_UINT32("vgamem_mb", ISACirrusState, cirrus.vga.vram_size_mb, 4,
                       "video memory in MiB (4, 8 or 16; the chip addresses 4)"),
    DEFINE_PROP_STRING("romfile", ISACirrusState, romfile, CIRRUS_ROM_DEFAULT,
                       "VGA BIOS image, handed to the firmware (\"\": none)"),
    DEFINE_PROP_END_OF_LIST(),
};

static const VMStateDescription vmstate_isa_cirrus = {
    .name = TYPE_ISA_CIRRUS_VGA,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT(cirrus, ISACirrusState, vmstate_cirrus, CirrusState),
        VMSTATE_END_OF_LIST()
    },
};

static void isa_cirrus_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->desc = "Cirrus Logic CL-GD5446 (ISA)";
    dc->category = DEVICE_CATEGORY_DISPLAY;
    dc->vmsd = &vmstate_isa_cirrus;
    dc->realize = isa_cirrus_realize;
    dc->unrealize = isa_cirrus_unrealize;
    dc->reset = isa_cirrus_reset;
    device_class_set_props(dc, isa_cirrus_properties);
}

static const TypeInfo isa_cirrus_types[] = {
    {
        .name = TYPE_ISA_CIRRUS_VGA,
        .parent = TYPE_ISA_DEVICE,
        .instance_size = sizeof(ISACirrusState),
        .class_init = isa_cirrus_class_init,
    },
};

DEFINE_TYPES(isa_cirrus_types)
