/*
 * The memory bus, as seen from inside the core (the CPU's TLB, the board
 * loader, `info mtree`).  Not part of the plugin SDK.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_MEMORY_INTERNAL_H
#define CORE_MEMORY_INTERNAL_H

#include <cardcage/memory.h>

/* One contiguous piece of the flattened map: [start, start+size) shows
 * region mr from offset_in_region on. */
typedef struct FlatRange {
    hwaddr start;
    uint64_t size;
    MemoryRegion *mr;               /* a RAM, ROM or I/O region (never a container/alias) */
    hwaddr offset_in_region;
    bool readonly;                  /* ROM, or RAM set read-only */
} FlatRange;

struct FlatView {
    FlatRange *ranges;              /* sorted by start, non-overlapping */
    unsigned nr;
    unsigned ref;
};

struct AddressSpace {
    char *name;
    MemoryRegion *root;
    FlatView *current_map;
    void *bounce_buffer;            /* address_space_map's single bounce buffer */
    bool bounce_in_use;
    hwaddr bounce_addr;
    hwaddr bounce_len;
};

/* The range containing addr, or NULL (O(log n)). */
const FlatRange *flatview_lookup(const FlatView *fv, hwaddr addr);

/*
 * What the CPU's software TLB needs to know about one guest-physical page
 * (page_size bytes, a power of two, page-aligned addr).
 *
 *  host_read   non-NULL when every byte of the page reads directly from
 *              host memory (RAM or ROM) in one range; the pointer is to the
 *              first byte of the page.
 *  host_write  non-NULL when every byte of the page is writable RAM.
 * Anything else (MMIO, unassigned, a page split between regions, writes to
 * ROM) goes through address_space_ld/st.
 */
typedef struct MemoryPageInfo {
    uint8_t *host_read;
    uint8_t *host_write;
} MemoryPageInfo;

void address_space_page_info(AddressSpace *as, hwaddr addr, uint64_t page_size,
                             MemoryPageInfo *info);

/* Called after every rebuild of any flat view (the CPU flushes its TLB and
 * re-checks its code pages).  Returns a handle for removal. */
void *memory_add_map_listener(void (*fn)(void *opaque), void *opaque);
void memory_remove_map_listener(void *handle);

/* Called when RAM [addr, addr+len) of the system address space is written
 * by anything but the CPU's own fast path (DMA via address_space_write/map,
 * memory_region_set_dirty), so translated code there can be dropped.
 * One hook; the CPU installs it. */
void memory_set_code_write_hook(void (*fn)(void *opaque, hwaddr addr, hwaddr len),
                                void *opaque);

/* Print the region tree and the flat views, as `info mtree` does. */
void memory_print_tree(FILE *out, MemoryRegion *root);
void memory_print_flatview(FILE *out, AddressSpace *as);

/* Create the system memory and I/O roots (idempotent). */
void memory_init(void);

#endif
