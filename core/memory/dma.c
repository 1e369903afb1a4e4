/*
 * What devices and the CPU need beyond single accesses: mapping guest
 * memory for DMA, page information for the CPU's TLB, and telling the CPU
 * when RAM changed behind its back (so it drops translated code there) and
 * the dirty trackers (dirty.c) that it changed.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "memory-internal.h"

/* ---- code-write notification ---- */

static void (*code_write_hook)(void *opaque, hwaddr addr, hwaddr len);
static void *code_write_opaque;

void memory_set_code_write_hook(void (*fn)(void *opaque, hwaddr addr, hwaddr len),
                                void *opaque)
{
    code_write_hook = fn;
    code_write_opaque = opaque;
}

/* Every place in the system address space where mr [offset, offset+len)
 * shows (RAM may be aliased at several addresses). */
void memory_notify_region_write(MemoryRegion *mr, hwaddr offset, uint64_t len)
{
    if (len == 0) {
        return;
    }
    memory_dirty_mark(mr, offset, len);
    if (!code_write_hook) {
        return;
    }
    const FlatView *fv = address_space_memory()->current_map;
    hwaddr last = offset + (len - 1);
    for (unsigned i = 0; i < fv->nr; i++) {
        const FlatRange *fr = &fv->ranges[i];
        if (fr->mr != mr) {
            continue;
        }
        hwaddr fr_last = fr->offset_in_region + (flat_range_remaining(fr, fr->start) - 1);
        hwaddr lo = MAX(offset, fr->offset_in_region);
        hwaddr hi = MIN(last, fr_last);
        if (lo <= hi) {
            code_write_hook(code_write_opaque, fr->start + (lo - fr->offset_in_region),
                            hi - lo + 1);
        }
    }
}

void memory_notify_ram_write(AddressSpace *as, const FlatRange *fr, hwaddr addr,
                             uint64_t len)
{
    if (cc_likely(!code_write_hook && !memory_dirty_clients)) {
        return;
    }
    /* Even for the system address space, report by region: the same RAM
     * may show at other addresses too (aliases), and code may have run
     * from any of them.  Only DMA comes here, never the CPU's stores. */
    memory_notify_region_write(fr->mr, fr->offset_in_region + (addr - fr->start), len);
}

/* ---- map / unmap ---- */

/*
 * The bounce buffer holds at most MEMORY_BOUNCE_MAX (64 KiB): one whole
 * block of the 8237 DMA controller on an 8-bit channel (its word count
 * register is 16 bits wide, Intel 8237A datasheet, "Base and Current Word
 * Count Registers") and a round number of disk sectors.  Callers loop over
 * shorter mappings anyway, as the header asks of them.
 */

void *address_space_map(AddressSpace *as, hwaddr addr, hwaddr *plen, bool is_write)
{
    hwaddr len = *plen;
    const FlatView *fv = as->current_map;
    const FlatRange *fr = flatview_lookup(fv, addr);

    if (len == 0) {
        return NULL;
    }
    if (fr && fr->host && (!is_write || !fr->readonly)) {
        /* Direct: as far as the same host memory continues.  Adjacent
         * ranges of one region are merged when the view is built, so the
         * range itself is the contiguous part. */
        *plen = MIN(len, flat_range_remaining(fr, addr));
        return fr->host + (addr - fr->start);
    }
    if (as->bounce_in_use) {
        *plen = 0;
        return NULL;
    }
    if (!as->bounce_buffer) {
        as->bounce_buffer = g_try_malloc(MEMORY_BOUNCE_MAX);
        if (!as->bounce_buffer) {
            *plen = 0;
            return NULL;
        }
    }
    len = MIN(len, (hwaddr)MEMORY_BOUNCE_MAX);
    as->bounce_in_use = true;
    as->bounce_addr = addr;
    as->bounce_len = len;
    if (!is_write) {
        address_space_read(as, addr, as->bounce_buffer, len);
    }
    *plen = len;
    return as->bounce_buffer;
}

void *address_space_map_direct(AddressSpace *as, hwaddr addr, hwaddr *plen, bool is_write)
{
    const FlatRange *fr = flatview_lookup(as->current_map, addr);
    if (*plen == 0 || !fr || !fr->host || (is_write && fr->readonly)) {
        *plen = 0;
        return NULL;
    }
    *plen = MIN(*plen, flat_range_remaining(fr, addr));
    return fr->host + (addr - fr->start);
}

/* The range of as whose host memory holds p, or NULL. */
static const FlatRange *range_of_host_ptr(const AddressSpace *as, const uint8_t *p)
{
    const FlatView *fv = as->current_map;
    for (unsigned i = 0; i < fv->nr; i++) {
        const FlatRange *fr = &fv->ranges[i];
        if (fr->host && p >= fr->host &&
            (uint64_t)(p - fr->host) < flat_range_remaining(fr, fr->start)) {
            return fr;
        }
    }
    return NULL;
}

void address_space_unmap(AddressSpace *as, void *buffer, hwaddr len, bool is_write,
                         hwaddr access_len)
{
    if (!buffer) {
        return;
    }
    access_len = MIN(access_len, len);
    if (as->bounce_in_use && buffer == as->bounce_buffer) {
        if (is_write) {
            address_space_write(as, as->bounce_addr, buffer,
                                MIN(access_len, as->bounce_len));
        }
        as->bounce_in_use = false;
        return;
    }
    if (is_write && access_len > 0 && (code_write_hook || memory_dirty_clients)) {
        const FlatRange *fr = range_of_host_ptr(as, buffer);
        if (fr) {
            hwaddr offset = fr->offset_in_region + (hwaddr)((uint8_t *)buffer - fr->host);
            memory_notify_region_write(fr->mr, offset, access_len);
        }
    }
}

/* ---- the CPU's TLB ---- */

void address_space_page_info(AddressSpace *as, hwaddr addr, uint64_t page_size,
                             MemoryPageInfo *info)
{
    info->host_read = NULL;
    info->host_write = NULL;
    info->mr = NULL;
    info->offset = 0;
    if (page_size == 0) {
        return;
    }
    const FlatRange *fr = flatview_lookup(as->current_map, addr);
    if (!fr || !fr->host || flat_range_remaining(fr, addr) < page_size) {
        return;
    }
    uint8_t *p = fr->host + (addr - fr->start);
    info->host_read = p;
    if (!fr->readonly) {
        info->host_write = p;
        info->mr = fr->mr;
        info->offset = fr->offset_in_region + (addr - fr->start);
    }
}
