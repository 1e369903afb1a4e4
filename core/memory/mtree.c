/*
 * `info mtree`: the region tree and the flat views in human form.
 *
 * SPDX-License-Identifier: MIT
 */
#include "memory-internal.h"

typedef unsigned __int128 u128;

#define MTREE_MAX_DEPTH 64

static const char *region_kind_name(const MemoryRegion *mr)
{
    switch (mr->kind) {
    case MR_KIND_CONTAINER: return "container";
    case MR_KIND_RAM:       return mr->readonly ? "ram, readonly" : "ram";
    case MR_KIND_ROM:       return mr->rom_device ? "romd" : "rom";
    case MR_KIND_IO:        return "i/o";
    case MR_KIND_ALIAS:     return "alias";
    }
    return "?";
}

/* Last byte of [start, start+size) with size UINT64_MAX meaning 2^64,
 * saturated at the top of the 64-bit space. */
static uint64_t last_byte(u128 start, uint64_t size)
{
    u128 end = start + (size == UINT64_MAX ? (u128)1 << 64 : (u128)size);
    if (size == 0) {
        return (uint64_t)start;
    }
    return end - 1 > UINT64_MAX ? UINT64_MAX : (uint64_t)(end - 1);
}

static void print_region(FILE *out, const MemoryRegion *mr, u128 base, unsigned depth)
{
    u128 start = base + mr->addr;

    fprintf(out, "%*s%016" PRIx64 "-%016" PRIx64 " (prio %d, %s): %s", (int)(depth * 2 + 2),
            "", (uint64_t)start, last_byte(start, mr->size), mr->priority,
            region_kind_name(mr), mr->name);
    if (mr->kind == MR_KIND_ALIAS && mr->alias) {
        fprintf(out, " @%s %016" PRIx64 "-%016" PRIx64, mr->alias->name, mr->alias_offset,
                last_byte(mr->alias_offset, mr->size));
    }
    if (!mr->enabled) {
        fprintf(out, " [disabled]");
    }
    fputc('\n', out);
    if (depth >= MTREE_MAX_DEPTH) {
        return;
    }
    for (GList *l = mr->subregions.head; l; l = l->next) {
        print_region(out, l->data, start, depth + 1);
    }
}

void memory_print_tree(FILE *out, MemoryRegion *root)
{
    if (root) {
        print_region(out, root, 0, 0);
    }
}

void memory_print_flatview(FILE *out, AddressSpace *as)
{
    const FlatView *fv = as->current_map;

    fprintf(out, "FlatView for address-space: %s (%u ranges)\n", as->name, fv->nr);
    for (unsigned i = 0; i < fv->nr; i++) {
        const FlatRange *fr = &fv->ranges[i];
        fprintf(out, "  %016" PRIx64 "-%016" PRIx64 " (%s): %s", fr->start,
                last_byte(fr->start, fr->size), region_kind_name(fr->mr), fr->mr->name);
        if (fr->offset_in_region) {
            fprintf(out, " @%016" PRIx64, fr->offset_in_region);
        }
        fputc('\n', out);
    }
}
