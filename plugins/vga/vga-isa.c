/*
 * isa-vga: the standard VGA on the ISA bus, as QEMU's isa-vga for the
 * isapc machine: the ports 0x3B0-0x3DF and 0x1CE-0x1D0, the 0xA0000
 * window, no linear framebuffer (VBE modes through the banked window).
 *
 * Its VGA BIOS (romfile, vgabios-isavga.bin) reaches 0xC0000 the way
 * QEMU's does: as the fw_cfg file "vgaroms/<name>", which SeaBIOS copies
 * there and runs before the other option ROMs.  A board without fw_cfg
 * gets the image as a ROM at 0xC0000 for firmware that scans for it.
 * fw_cfg must come before the card in the board's device list.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "vga-int.h"

#define TYPE_ISA_VGA "isa-vga"
#define VGA_ROM_BASE 0xc0000
#define VGA_ROM_MAX  0x20000        /* the 128 KiB of 0xC0000-0xDFFFF */
#define VGA_ROM_DEFAULT "vgabios-isavga.bin"

typedef struct ISAVGAState {
    ISADevice parent_obj;
    VGAState vga;
    char *romfile;
    MemoryRegion rom;
    bool rom_mapped;
    bool window_mapped;
} ISAVGAState;

OBJECT_DECLARE_SIMPLE_TYPE(ISAVGAState, ISA_VGA)

static bool load_bios(ISAVGAState *s, Error **errp)
{
    if (!s->romfile || !*s->romfile) {
        return true;
    }
    char *path = board_find_firmware(s->romfile);
    if (!path && !board_firmware_dirs()[0] && !strcmp(s->romfile, VGA_ROM_DEFAULT)) {
        return true;            /* no firmware directories at all: a device test */
    }
    if (!path) {
        error_setg(errp, "romfile '%s' not found", s->romfile);
        return false;
    }
    gchar *data = NULL;
    gsize len = 0;
    GError *gerr = NULL;
    bool ok = g_file_get_contents(path, &data, &len, &gerr);
    if (!ok) {
        error_from_gerror(errp, gerr);
    } else if (len == 0 || len > VGA_ROM_MAX) {
        error_setg(errp, "romfile '%s' is %zu bytes: expected 1 byte to 128 KiB", path,
                   (size_t)len);
        ok = false;
    }
    Object *fw = ok ? fw_cfg_find() : NULL;
    if (ok && fw) {
        char *name = g_strdup_printf("vgaroms/%s", s->romfile);
        ok = fw_cfg_add_file(fw, name, data, len, errp);
        g_free(name);
    } else if (ok) {
        ok = memory_region_init_rom(&s->rom, OBJECT(s), "vga.rom", VGA_ROM_MAX, errp);
        if (ok) {
            memcpy(memory_region_get_ram_ptr(&s->rom), data, len);
            memory_region_add_subregion_overlap(isa_address_space(ISA_DEVICE(s)),
                                                VGA_ROM_BASE, &s->rom, 1);
            s->rom_mapped = true;
        }
    }
    g_free(data);
    g_free(path);
    return ok;
}

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
    if (!load_bios(s, errp)) {
        isa_vga_unrealize(dev);         /* the core unmaps the ports */
        return false;
    }
    return true;
}

static void isa_vga_unrealize(DeviceState *dev)
{
    ISAVGAState *s = ISA_VGA(dev);
    ISADevice *isa = ISA_DEVICE(dev);
    if (s->rom_mapped) {
        memory_region_del_subregion(isa_address_space(isa), &s->rom);
        memory_region_finalize(&s->rom);
        s->rom_mapped = false;
    }
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
