/*
 * Configuration check: two enabled siblings that overlap at the same
 * priority have no defined winner the board author intended (the later one
 * wins, silently), so the board loader refuses them, and a bus refuses to
 * map a device's region over another's (memory_region_find_overlap).
 *
 * SPDX-License-Identifier: MIT
 */
#include "memory-internal.h"

typedef unsigned __int128 u128;

/* Deeper than any sane board; subregion cycles are refused when mapping,
 * this only bounds the walk. */
#define OVERLAP_MAX_DEPTH 64

static u128 region_end(const MemoryRegion *mr)
{
    u128 size = mr->size == UINT64_MAX ? (u128)1 << 64 : mr->size;
    return (u128)mr->addr + size;
}

static bool regions_overlap(const MemoryRegion *a, const MemoryRegion *b)
{
    if (a->size == 0 || b->size == 0) {
        return false;
    }
    return (u128)a->addr < region_end(b) && (u128)b->addr < region_end(a);
}

/* " of device 'com1'": the owner's name in the composition tree, so that
 * the message names both devices, not just two region names. */
static char *owner_text(const MemoryRegion *mr)
{
    const char *name = mr->owner ? object_get_canonical_path_component(mr->owner) : NULL;
    return name ? g_strdup_printf(" of device '%s'", name) : g_strdup("");
}

static void report_overlap(const MemoryRegion *a, const MemoryRegion *b, Error **errp)
{
    char *oa = owner_text(a), *ob = owner_text(b);
    error_setg(errp, "region '%s'%s [0x%" PRIx64 "-0x%" PRIx64 "] overlaps region '%s'%s"
               " [0x%" PRIx64 "-0x%" PRIx64 "] at priority %d",
               a->name, oa, a->addr, (uint64_t)(region_end(a) - 1),
               b->name, ob, b->addr, (uint64_t)(region_end(b) - 1), a->priority);
    g_free(oa);
    g_free(ob);
}

static bool check_children(const MemoryRegion *mr, unsigned depth, Error **errp)
{
    if (depth > OVERLAP_MAX_DEPTH) {
        return true;
    }
    /* Subregions are sorted highest priority first and, among equals,
     * newest first.  Walking from the tail pairs each region with the ones
     * added after it, so the message names the older one first. */
    for (GList *la = mr->subregions.tail; la; la = la->prev) {
        const MemoryRegion *a = la->data;
        if (!a->enabled) {
            continue;
        }
        for (GList *lb = la->prev; lb; lb = lb->prev) {
            const MemoryRegion *b = lb->data;
            if (b->priority != a->priority) {
                break;
            }
            if (b->enabled && regions_overlap(a, b)) {
                report_overlap(a, b, errp);
                return false;
            }
        }
    }
    for (GList *l = mr->subregions.tail; l; l = l->prev) {
        const MemoryRegion *sub = l->data;
        if (sub->enabled && !check_children(sub, depth + 1, errp)) {
            return false;
        }
    }
    return true;
}

bool memory_region_check_overlaps(MemoryRegion *root, Error **errp)
{
    return root ? check_children(root, 0, errp) : true;
}

MemoryRegion *memory_region_find_overlap(MemoryRegion *container, hwaddr addr, uint64_t size,
                                         int priority)
{
    if (size == 0) {
        return NULL;
    }
    u128 end = (u128)addr + (size == UINT64_MAX ? (u128)1 << 64 : size);
    for (GList *l = container->subregions.tail; l; l = l->prev) {
        MemoryRegion *b = l->data;
        if (b->enabled && b->priority == priority && b->size != 0 &&
            (u128)addr < region_end(b) && (u128)b->addr < end) {
            return b;
        }
    }
    return NULL;
}

/* Unmap every region of owner found in the tree under mr. */
static void unmap_owned(MemoryRegion *mr, Object *owner, unsigned depth)
{
    if (depth > OVERLAP_MAX_DEPTH) {
        return;
    }
    for (GList *l = mr->subregions.head; l;) {
        MemoryRegion *sub = l->data;
        l = l->next;
        if (sub->owner == owner) {
            memory_region_del_subregion(mr, sub);
        } else {
            unmap_owned(sub, owner, depth + 1);
        }
    }
}

void memory_unmap_owned(Object *owner)
{
    memory_region_transaction_begin();
    unmap_owned(memory_get_system_memory(), owner, 0);
    unmap_owned(memory_get_system_io(), owner, 0);
    memory_region_transaction_commit();
}
