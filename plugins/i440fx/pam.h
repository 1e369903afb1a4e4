/*
 * PAM: one programmable attribute map segment of the 82441FX (datasheet
 * 290549, 3.2.18), the 16 KiB or 64 KiB window of 0xC0000-0xFFFFF whose
 * reads and writes each go to DRAM or to PCI (where the BIOS ROM and
 * option ROMs answer), as its attribute nibble says.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef I440FX_PAM_H
#define I440FX_PAM_H

#include <cardcage/cardcage.h>

/* The two bits of a nibble (3.2.18, table "Attribute Bit Assignment"). */
#define PAM_RE 0x1          /* reads go to DRAM */
#define PAM_WE 0x2          /* writes go to DRAM */

typedef struct PAMSegment {
    MemoryRegion *ram;      /* the machine's RAM, from offset 0 */
    MemoryRegion *space;    /* where the window sits (system memory) */
    hwaddr start;
    uint64_t size;
    unsigned mode;          /* PAM_RE | PAM_WE */
    MemoryRegion ram_rw;    /* RE|WE: the RAM itself */
    MemoryRegion ram_ro;    /* RE: the RAM, write-protected */
    MemoryRegion wo;        /* WE: reads from a copy of PCI, writes to RAM */
} PAMSegment;

/* Set up the windows of a segment (all off: reads and writes go to PCI,
 * the regions under it in space). */
bool pam_segment_init(PAMSegment *p, Object *owner, MemoryRegion *ram, MemoryRegion *space,
                      hwaddr start, uint64_t size, Error **errp);
void pam_segment_set_mode(PAMSegment *p, unsigned mode);
void pam_segment_finalize(PAMSegment *p);

#endif
