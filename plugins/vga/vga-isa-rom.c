/*
 * The VGA BIOS of an ISA card (isa-vga, isa-cirrus-vga).  An ISA card has
 * no expansion ROM BAR: its BIOS reaches 0xC0000 the way QEMU's does, as
 * the fw_cfg file "vgaroms/<name>", which SeaBIOS copies there and runs
 * before the other option ROMs.  A board without fw_cfg gets the image as a
 * ROM at 0xC0000 for firmware that scans for it.  fw_cfg must come before
 * the card in the board's device list.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "vga-int.h"

#define VGA_ROM_BASE 0xc0000
#define VGA_ROM_MAX  0x20000        /* the 128 KiB of 0xC0000-0xDFFFF */

bool vga_isa_rom_load(VGAISARom *r, ISADevice *dev, const char *romfile,
                      const char *default_romfile, Error **errp)
{
    if (!romfile || !*romfile) {
        return true;
    }
    char *path = board_find_firmware(romfile);
    if (!path && !board_firmware_dirs()[0] && !strcmp(romfile, default_romfile)) {
        return true;            /* no firmware directories at all: a device test */
    }
    if (!path) {
        error_setg(errp, "romfile '%s' not found", romfile);
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
        char *name = g_strdup_printf("vgaroms/%s", romfile);
        ok = fw_cfg_add_file(fw, name, data, len, errp);
        g_free(name);
    } else if (ok) {
        ok = memory_region_init_rom(&r->rom, OBJECT(dev), "vga.rom", VGA_ROM_MAX, errp);
        if (ok) {
            memcpy(memory_region_get_ram_ptr(&r->rom), data, len);
            memory_region_add_subregion_overlap(isa_address_space(dev), VGA_ROM_BASE, &r->rom,
                                                1);
            r->mapped = true;
        }
    }
    g_free(data);
    g_free(path);
    return ok;
}

void vga_isa_rom_unload(VGAISARom *r, ISADevice *dev)
{
    if (r->mapped) {
        memory_region_del_subregion(isa_address_space(dev), &r->rom);
        memory_region_finalize(&r->rom);
        r->mapped = false;
    }
}
