/*
 * -boot kernel=firmware: the prepared image is not copied at reset but
 * handed to the board's firmware, as QEMU does for every -kernel: the
 * image goes into fw_cfg item FW_CFG_KERNEL_DATA and cardcage's boot ROM
 * (rom/boot-rom.asm) into the fw_cfg file "genroms/cardcage-boot.bin",
 * which SeaBIOS runs as an option ROM.  After POST the ROM's bootstrap
 * entry copies the image into RAM and starts it in the same state as the
 * direct boot, on a platform the BIOS has set up (8259s programmed, the
 * PIT ticking, the interrupt vector table filled), which some guests
 * (kvm-unit-tests' realmode) count on.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/cardcage.h>
#include "boot/boot.h"

extern const uint8_t boot_rom[];
extern const size_t boot_rom_size;

#define BOOT_ITEM_MAGIC 0x54424343u     /* "CCBT" little-endian */

static void put32(GByteArray *b, uint32_t v)
{
    uint8_t x[4];
    cc_st_le32(x, v);
    g_byte_array_append(b, x, 4);
}

bool boot_via_firmware(const BootOptions *opts, const BootImage *img, Error **errp)
{
    Object *fwcfg = fw_cfg_find();
    if (!fwcfg) {
        error_setg(errp, "-boot kernel=firmware: board '%s' has no fw-cfg device to hand "
                   "the kernel to its firmware", board_get_name());
        return false;
    }
    /* The layout rom/boot-rom.asm reads. */
    GByteArray *b = g_byte_array_new();
    put32(b, BOOT_ITEM_MAGIC);
    put32(b, img->entry);
    for (int i = 0; i < 8; i++) {
        put32(b, img->regs[i]);
    }
    put32(b, img->chunks->len);
    for (guint i = 0; i < img->chunks->len; i++) {
        const BootChunk *c = &g_array_index(img->chunks, BootChunk, i);
        gsize len = 0;
        const uint8_t *p = c->data ? g_bytes_get_data(c->data, &len) : NULL;
        put32(b, (uint32_t)c->addr);
        put32(b, (uint32_t)len);
        put32(b, (uint32_t)c->fill);
        if (len) {
            g_byte_array_append(b, p, (guint)len);
        }
    }
    uint8_t size[4];
    cc_st_le32(size, b->len);
    bool ok = fw_cfg_set_item(fwcfg, FW_CFG_KERNEL_DATA, b->data, b->len, errp) &&
              fw_cfg_set_item(fwcfg, FW_CFG_KERNEL_SIZE, size, sizeof(size), errp) &&
              fw_cfg_add_file(fwcfg, "genroms/cardcage-boot.bin", boot_rom, boot_rom_size,
                              errp);
    g_byte_array_unref(b);
    if (!ok) {
        error_prepend(errp, "-kernel %s: ", opts->kernel);
    }
    return ok;
}
