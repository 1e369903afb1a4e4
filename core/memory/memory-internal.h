/*
 * The memory bus, as seen from inside the core (the CPU's TLB, the board
 * loader, `info mtree`).  Not part of the plugin SDK.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_MEMORY_INTERNAL_H
#define CORE_MEMORY_INTERNAL_H

#include <inttypes.h>
#include <stdio.h>
#include <cardcage/device.h>
#include <cardcage/memory.h>

/* One contiguous piece of the flattened map: [start, start+size) shows
 * region mr from offset_in_region on.  size UINT64_MAX means "up to the end
 * of the 64-bit space" (a range that starts at 0 covers all 2^64 bytes). */
typedef struct FlatRange {
    hwaddr start;
    uint64_t size;
    MemoryRegion *mr;               /* a RAM, ROM or I/O region (never a container/alias) */
    hwaddr offset_in_region;
    bool readonly;                  /* ROM, or RAM set read-only */
    /* Cached at rebuild so that dispatch needs no lookups: */
    uint8_t *host;                  /* RAM/ROM backing at offset_in_region, else NULL */
    MemReentrancyGuard *guard;      /* the owning device's guard (I/O, ROM device), or NULL */
} FlatRange;

struct FlatView {
    FlatRange *ranges;              /* sorted by start, non-overlapping */
    unsigned nr;
    unsigned ref;
    unsigned last_hit;              /* index of the range the last cached lookup found */
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
/* Same, trying the range of the previous lookup first (port polling hits
 * the same few ranges over and over). */
const FlatRange *flatview_lookup_cached(FlatView *fv, hwaddr addr);
/* Index of the first range that starts above addr (fv->nr when none). */
unsigned flatview_next_index(const FlatView *fv, hwaddr addr);
/* Bytes from addr to the end of fr (2^64 - addr saturates to UINT64_MAX). */
uint64_t flat_range_remaining(const FlatRange *fr, hwaddr addr);

/* Render the region tree under root into a new view (ref 1). */
FlatView *flatview_render(MemoryRegion *root);
void flatview_ref(FlatView *fv);
void flatview_unref(FlatView *fv);

/* The region map changed: rebuild every address space now, or at the
 * outermost memory_region_transaction_commit. */
void memory_region_map_changed(void);
/* Re-render every registered address space; call the map listeners when
 * any view actually changed. */
void address_spaces_rebuild_all(void);
/* Track address spaces so that map changes rebuild them. */
void address_space_register(AddressSpace *as);
void address_space_unregister(AddressSpace *as);

/* A loader's write: into RAM and into ROM alike (the image behind a ROM
 * mapping, as firmware loading fills it), never into I/O regions, which
 * are skipped.  MEMTX_DECODE_ERROR when part of the range is not RAM or
 * ROM. */
MemTxResult address_space_write_rom(AddressSpace *as, hwaddr addr, const void *buf,
                                    hwaddr len);

/* Report a write by something other than the CPU into RAM region mr at
 * [offset, offset+len) to the code-write hook, once for every place the
 * system address space shows it. */
void memory_notify_region_write(MemoryRegion *mr, hwaddr offset, uint64_t len);
/* The same for a write into as at [addr, addr+len) that landed in RAM
 * range fr. */
void memory_notify_ram_write(AddressSpace *as, const FlatRange *fr, hwaddr addr,
                             uint64_t len);

/*
 * What the CPU's software TLB needs to know about one guest-physical page
 * (page_size bytes, a power of two, page-aligned addr).
 *
 *  host_read   non-NULL when every byte of the page reads directly from
 *              host memory (RAM or ROM) in one range; the pointer is to the
 *              first byte of the page.
 *  host_write  non-NULL when every byte of the page is writable RAM; the
 *              CPU then marks what it stores with memory_dirty_mark.
 * Anything else (MMIO, unassigned, a page split between regions, writes to
 * ROM) goes through address_space_ld/st.
 */
typedef struct MemoryPageInfo {
    uint8_t *host_read;
    uint8_t *host_write;
    MemoryRegion *mr;       /* with host_write: the RAM region and the page's */
    hwaddr offset;          /* offset in it, for dirty tracking */
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

/* The first enabled subregion of container at priority that overlaps
 * [addr, addr+size) (size UINT64_MAX: to the end), or NULL. */
MemoryRegion *memory_region_find_overlap(MemoryRegion *container, hwaddr addr, uint64_t size,
                                         int priority);
/* Unmap every region owner mapped into system memory or I/O space (a device
 * whose realize failed half-way). */
void memory_unmap_owned(Object *owner);

/* ---- dirty tracking (dirty.c) ---- */

/* Bit c set while client c tracks. */
extern unsigned memory_dirty_clients;

void memory_dirty_mark_slow(MemoryRegion *mr, hwaddr offset, uint64_t len);
bool memory_dirty_page_all_slow(MemoryRegion *mr, hwaddr offset);

/* Mark RAM region mr [offset, offset+len) dirty for every tracking client. */
static inline void memory_dirty_mark(MemoryRegion *mr, hwaddr offset, uint64_t len)
{
    if (cc_unlikely(memory_dirty_clients)) {
        memory_dirty_mark_slow(mr, offset, len);
    }
}

/* Whether the page holding offset of mr is dirty for every tracking client
 * (true when none tracks): only then may the CPU's TLB let stores through
 * without marking. */
static inline bool memory_dirty_page_all(MemoryRegion *mr, hwaddr offset)
{
    return cc_likely(!memory_dirty_clients) || memory_dirty_page_all_slow(mr, offset);
}

/* Called when a snapshot cleared dirty bits, so that the CPU drops the
 * write tags of its TLB.  One hook; the CPU installs it. */
void memory_set_dirty_clear_hook(void (*fn)(void *opaque), void *opaque);

/* Free mr's bitmaps (memory_region_finalize). */
void memory_dirty_free(MemoryRegion *mr);

/* Print the region tree and the flat views, as `info mtree` does. */
void memory_print_tree(FILE *out, MemoryRegion *root);
/* The tree as x-query-mtree gives it ({"name", "kind", "start", "last",
 * "priority", "enabled", "alias"?, "subregions"}; NULL for no root), and
 * its human form. */
struct json_object *memory_region_tree_json(MemoryRegion *root);
void memory_format_tree(FILE *out, struct json_object *tree);
void memory_print_flatview(FILE *out, AddressSpace *as);

/* Create the system memory and I/O roots (idempotent).  The address spaces
 * are named "memory" and "io" (the names unassigned-access logs print). */
void memory_init(void);

/* Call fn for every region with host backing (RAM, ROM, ROM devices), in
 * the order they were created, until it returns non-zero (returned). */
int memory_foreach_ram_region(int (*fn)(MemoryRegion *mr, void *opaque), void *opaque);

/* Largest bounce buffer address_space_map hands out (see dma.c). */
#define MEMORY_BOUNCE_MAX (64 * 1024)

#endif
