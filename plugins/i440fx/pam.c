/*
 * PAM segments (82441FX datasheet 290549, 3.2.18).  Each mode is a region
 * laid over the window at a priority above the firmware's (1):
 *
 *   0      nothing: the regions below answer (the BIOS ROM's alias, PCI
 *          option ROMs, or nothing);
 *   RE|WE  an alias of the RAM;
 *   RE     the same alias made read-only (writes are dropped: they would
 *          go to PCI, where the ROM ignores them);
 *   WE     reads from PCI, writes to RAM: the one mode a single window
 *          cannot give.  It is a ROM device whose image is a copy of what
 *          PCI shows in the window when the mode is chosen (the firmware
 *          ROM does not change; an option ROM BAR moved while the segment
 *          is in this mode is not seen) and whose writes are stored into
 *          the RAM behind the window.  The CPU can still run code there,
 *          which is what BIOS shadowing does while it copies itself.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "pam.h"

#define PAM_PRIORITY 2      /* above the firmware images (priority 1) */

static void pam_wo_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PAMSegment *p = opaque;
    /* impl: one byte at a time, inside the window. */
    if (addr >= p->size) {
        return;
    }
    uint8_t *ram = memory_region_get_ram_ptr(p->ram);
    ram[p->start + addr] = (uint8_t)val;
    memory_region_set_dirty(p->ram, p->start + addr, 1);
}

static const MemoryRegionOps pam_wo_ops = {
    .write = pam_wo_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

bool pam_segment_init(PAMSegment *p, Object *owner, MemoryRegion *ram, MemoryRegion *space,
                      hwaddr start, uint64_t size, Error **errp)
{
    char *name = g_strdup_printf("pam-%05" PRIx64, (uint64_t)start);
    p->ram = ram;
    p->space = space;
    p->start = start;
    p->size = size;
    p->mode = 0;
    memory_region_init_alias(&p->ram_rw, owner, name, ram, start, size);
    memory_region_init_alias(&p->ram_ro, owner, name, ram, start, size);
    memory_region_set_readonly(&p->ram_ro, true);
    bool ok = memory_region_init_rom_device(&p->wo, owner, &pam_wo_ops, p, name, size, errp);
    g_free(name);
    if (!ok) {
        memory_region_finalize(&p->ram_rw);
        memory_region_finalize(&p->ram_ro);
        return false;
    }
    MemoryRegion *all[] = { &p->ram_rw, &p->ram_ro, &p->wo };
    for (size_t i = 0; i < G_N_ELEMENTS(all); i++) {
        memory_region_set_enabled(all[i], false);
        memory_region_add_subregion_overlap(space, start, all[i], PAM_PRIORITY);
    }
    return true;
}

void pam_segment_set_mode(PAMSegment *p, unsigned mode)
{
    mode &= PAM_RE | PAM_WE;
    memory_region_set_enabled(&p->ram_rw, false);
    memory_region_set_enabled(&p->ram_ro, false);
    memory_region_set_enabled(&p->wo, false);
    if (mode == PAM_WE) {
        /* What PCI shows now, with this segment's windows out of the way. */
        address_space_read(address_space_memory(), p->start,
                           memory_region_get_ram_ptr(&p->wo), p->size);
        memory_region_set_dirty(&p->wo, 0, p->size);
    }
    memory_region_set_enabled(&p->ram_rw, mode == (PAM_RE | PAM_WE));
    memory_region_set_enabled(&p->ram_ro, mode == PAM_RE);
    memory_region_set_enabled(&p->wo, mode == PAM_WE);
    p->mode = mode;
}

void pam_segment_finalize(PAMSegment *p)
{
    MemoryRegion *all[] = { &p->ram_rw, &p->ram_ro, &p->wo };
    for (size_t i = 0; i < G_N_ELEMENTS(all); i++) {
        memory_region_finalize(all[i]);     /* unmaps it too */
    }
}
