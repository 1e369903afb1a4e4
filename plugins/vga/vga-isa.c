/*
 * isa-vga: the standard VGA on the ISA bus, as QEMU's isa-vga for the
 * isapc machine: the ports 0x3B0-0x3DF and 0x1CE-0x1D0, the 0xA0000
 * window, no linear framebuffer (VBE modes through the banked window).
 *
 * Its VGA BIOS (romfile, vgabios-isavga.bin) reaches 0xC0000 the way
 * QEMU's does (vga-isa-rom.c).
 *
 * SPDX-License-Identifier: MIT
 */
#include "vga-int.h"

#define TYPE_ISA_VGA "isa-vga"
#define VGA_ROM_DEFAULT "vgabios-isavga.bin"

typedef struct ISAVGAState {
    ISADevice parent_obj;
    VGAState vga;
    char *romfile;
    VGAISARom rom;
    bool window_mapped;
} ISAVGAState;

OBJECT_DECLARE_SIMPLE_TYPE(ISAVGAState, ISA_VGA)

static void isa_vga_reset(DeviceState *dev)
{
    vga_common_reset(&ISA_VGA(dev)->vga);
}

static void isa_vga_unrealize(DeviceState *dev);

static bool isa_vga_realize(DeviceState *dev, Error **errp)
{
    ISAVGAState *s = ISA_VGA(dev);
    ISADevice *isa = ISA_DEVICE(dev);
    if (!vga_common_init(&s->vga, OBJECT(s), errp)) {
        return false;
    }
    if (!isa_register_ioport(isa, &s->vga.ports, VGA_PORT_BASE, errp) ||
        !isa_register_ioport(isa, &s->vga.vbe_ports, VBE_PORT_BASE, errp)) {
        vga_common_finalize(&s->vga);
        return false;
    }
    /* Over the RAM of an ISA PC, which fills 0-640 KiB and beyond. */
    memory_region_add_subregion_overlap(isa_address_space(isa), VGA_WINDOW_BASE,
                                        &s->vga.window, 1);
    s->window_mapped = true;
    if (!vga_isa_rom_load(&s->rom, isa, s->romfile, VGA_ROM_DEFAULT, errp)) {
        isa_vga_unrealize(dev);         /* the core unmaps the ports */
        return false;
    }
    return true;
}

static void isa_vga_unrealize(DeviceState *dev)
{
    ISAVGAState *s = ISA_VGA(dev);
    ISADevice *isa = ISA_DEVICE(dev);
    vga_isa_rom_unload(&s->rom, isa);
    if (s->window_mapped) {
        memory_region_del_subregion(isa_address_space(isa), &s->vga.window);
        s->window_mapped = false;
    }
    vga_common_finalize(&s->vga);
}

static const Property isa_vga_properties[] = {
    DEFINE_PROP_UINT32("vgamem_mb", ISAVGAState, vga.vram_size_mb, 8,
                       "video memory in MiB (a power of two, 1 to 256)"),
    DEFINE_PROP_STRING("romfile", ISAVGAState, romfile, VGA_ROM_DEFAULT,
                       "VGA BIOS image, handed to the firmware (\"\": none)"),
    DEFINE_PROP_END_OF_LIST(),
};

static const VMStateDescription vmstate_isa_vga = {
    .name = TYPE_ISA_VGA,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT(vga, ISAVGAState, vmstate_vga_common, VGAState),
        VMSTATE_END_OF_LIST()
    },
};

static void isa_vga_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->desc = "standard VGA with the Bochs VBE extension (ISA)";
    dc->category = DEVICE_CATEGORY_DISPLAY;
    dc->vmsd = &vmstate_isa_vga;
    dc->realize = isa_vga_realize;
    dc->unrealize = isa_vga_unrealize;
    dc->reset = isa_vga_reset;
    device_class_set_props(dc, isa_vga_properties);
}

static const TypeInfo isa_vga_types[] = {
    {
        .name = TYPE_ISA_VGA,
        .parent = TYPE_ISA_DEVICE,
        .instance_size = sizeof(ISAVGAState),
        .class_init = isa_vga_class_init,
    },
};

DEFINE_TYPES(isa_vga_types)
