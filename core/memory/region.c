/*
 * Memory regions: construction, mapping into containers, transactions and
 * simple queries.  Rendering into flat views lives in flatview.c, guest
 * accesses in dispatch.c.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include "memory-internal.h"

/* ---- construction ---- */

static void region_init_common(MemoryRegion *mr, Object *owner, const char *name,
                               uint64_t size, MemoryRegionKind kind)
{
    memset(mr, 0, sizeof(*mr));
    mr->kind = kind;
    mr->owner = owner;
    mr->name = g_strdup(name ? name : "anonymous");
    mr->size = size;
    mr->enabled = true;
    g_queue_init(&mr->subregions);
}

void memory_region_init(MemoryRegion *mr, Object *owner, const char *name, uint64_t size)
{
    region_init_common(mr, owner, name, size, MR_KIND_CONTAINER);
}

void memory_region_init_io(MemoryRegion *mr, Object *owner, const MemoryRegionOps *ops,
                           void *opaque, const char *name, uint64_t size)
{
    region_init_common(mr, owner, name, size, MR_KIND_IO);
    mr->ops = ops;
    mr->opaque = opaque;
}

/* Every region with host backing (RAM and ROM), newest first: what a
 * migration stream must carry (memory_foreach_ram_region). */
static GList *ram_regions;

int memory_foreach_ram_region(int (*fn)(MemoryRegion *mr, void *opaque), void *opaque)
{
    /* Oldest first: the order regions were created in is the board's. */
    for (GList *l = g_list_last(ram_regions); l; l = l->prev) {
        int r = fn(l->data, opaque);
        if (r) {
            return r;
        }
    }
    return 0;
}

/*
 * Anonymous private mappings are page aligned and zero filled by the
 * kernel, and pages the guest never touches cost nothing.  No
 * MAP_NORESERVE: a request the host cannot honour fails here, as a value,
 * instead of killing the emulator on first touch.
 */
static bool region_alloc_backing(MemoryRegion *mr, Error **errp)
{
    uint64_t bytes = mr->size ? mr->size : 1;

    if (mr->size == UINT64_MAX || bytes > (uint64_t)SIZE_MAX / 2) {
        error_setg(errp, "cannot allocate %" PRIu64 " bytes for memory region '%s'",
                   mr->size, mr->name);
        return false;
    }
    /* Regions of 2 MiB and more start on a 2 MiB boundary, so that the
     * host can back them with huge pages (below): map 2 MiB more than
     * needed and give back the unaligned head and the tail. */
    const size_t huge = 2u << 20;
    size_t slack = bytes >= huge ? huge : 0;
    uint8_t *p = mmap(NULL, (size_t)bytes + slack, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        error_setg_errno(errp, errno, "cannot allocate %" PRIu64
                         " bytes for memory region '%s'", mr->size, mr->name);
        return false;
    }
    if (slack) {
        size_t head = (huge - ((uintptr_t)p & (huge - 1))) & (huge - 1);
        if (head) {
            munmap(p, head);
        }
        if (slack - head) {
            munmap(p + head + bytes, slack - head);
        }
        p += head;
    }
#ifdef MADV_HUGEPAGE
    /* Transparent huge pages where the host allows them (as QEMU asks for
     * guest RAM): one fault maps 2 MiB instead of 4 KiB, which is most of
     * the cost of filling RAM on a restore or a kernel load.  Advice only:
     * a host that refuses it runs the same with small pages. */
    if (slack) {
        madvise(p, (size_t)bytes, MADV_HUGEPAGE);
    }
#endif
    mr->ram = p;
    mr->ram_owned = true;
    ram_regions = g_list_prepend(ram_regions, mr);
    return true;
}

static void region_free_backing(MemoryRegion *mr)
{
    ram_regions = g_list_remove(ram_regions, mr);
    if (mr->ram && mr->ram_owned) {
        munmap(mr->ram, (size_t)(mr->size ? mr->size : 1));
    }
    mr->ram = NULL;
    mr->ram_owned = false;
}

bool memory_region_init_ram(MemoryRegion *mr, Object *owner, const char *name,
                            uint64_t size, Error **errp)
{
    region_init_common(mr, owner, name, size, MR_KIND_RAM);
    return region_alloc_backing(mr, errp);
}

void memory_region_init_ram_ptr(MemoryRegion *mr, Object *owner, const char *name,
                                uint64_t size, void *ptr)
{
    region_init_common(mr, owner, name, size, MR_KIND_RAM);
    mr->ram = ptr;
    ram_regions = g_list_prepend(ram_regions, mr);
}

bool memory_region_init_rom(MemoryRegion *mr, Object *owner, const char *name,
                            uint64_t size, Error **errp)
{
    region_init_common(mr, owner, name, size, MR_KIND_ROM);
    return region_alloc_backing(mr, errp);
}

bool memory_region_init_rom_device(MemoryRegion *mr, Object *owner,
                                   const MemoryRegionOps *ops, void *opaque,
                                   const char *name, uint64_t size, Error **errp)
{
    region_init_common(mr, owner, name, size, MR_KIND_ROM);
    mr->rom_device = true;
    mr->ops = ops;
    mr->opaque = opaque;
    return region_alloc_backing(mr, errp);
}

void memory_region_init_alias(MemoryRegion *mr, Object *owner, const char *name,
                              MemoryRegion *orig, hwaddr offset, uint64_t size)
{
    region_init_common(mr, owner, name, size, MR_KIND_ALIAS);
    mr->alias = orig;
    mr->alias_offset = offset;
}

void memory_region_finalize(MemoryRegion *mr)
{
    bool visible = mr->container != NULL || !g_queue_is_empty(&mr->subregions);

    memory_region_transaction_begin();
    if (mr->container) {
        memory_region_del_subregion(mr->container, mr);
    }
    for (GList *l = mr->subregions.head; l; l = l->next) {
        MemoryRegion *sub = l->data;
        sub->container = NULL;
        sub->mapped = false;
    }
    g_queue_clear(&mr->subregions);
    region_free_backing(mr);
    memory_dirty_free(mr);
    g_free(mr->name);
    mr->name = NULL;
    if (visible) {
        memory_region_map_changed();
    }
    memory_region_transaction_commit();
}

/* ---- transactions ---- */

static unsigned transaction_depth;
static bool rebuild_pending;

void memory_region_transaction_begin(void)
{
    transaction_depth++;
}

void memory_region_transaction_commit(void)
{
    g_return_if_fail(transaction_depth > 0);
    if (transaction_depth > 1) {
        transaction_depth--;
        return;
    }
    /* Still "inside" while rebuilding, so that a map listener that changes
     * the map queues one more rebuild instead of nesting one. */
    while (rebuild_pending) {
        rebuild_pending = false;
        address_spaces_rebuild_all();
    }
    transaction_depth--;
}

void memory_region_map_changed(void)
{
    memory_region_transaction_begin();
    rebuild_pending = true;
    memory_region_transaction_commit();
}

/* ---- mapping ---- */

static bool region_is_ancestor(const MemoryRegion *maybe_ancestor, const MemoryRegion *mr)
{
    for (const MemoryRegion *c = mr; c; c = c->container) {
        if (c == maybe_ancestor) {
            return true;
        }
    }
    return false;
}

/* Subregions are kept highest priority first; a newcomer goes before the
 * first sibling whose priority it equals or beats, so among equals the
 * later-added one comes first and wins in rendering. */
static void subregion_insert_sorted(MemoryRegion *mr, MemoryRegion *sub)
{
    for (GList *l = mr->subregions.head; l; l = l->next) {
        MemoryRegion *other = l->data;
        if (sub->priority >= other->priority) {
            g_queue_insert_before(&mr->subregions, l, sub);
            return;
        }
    }
    g_queue_push_tail(&mr->subregions, sub);
}

static void add_subregion_common(MemoryRegion *mr, hwaddr offset, MemoryRegion *sub,
                                 int priority)
{
    g_return_if_fail(mr && sub);
    g_return_if_fail(sub->container == NULL);
    /* A region inside itself would make rendering recurse forever. */
    g_return_if_fail(!region_is_ancestor(sub, mr));

    sub->container = mr;
    sub->addr = offset;
    sub->priority = priority;
    sub->mapped = true;
    subregion_insert_sorted(mr, sub);
    memory_region_map_changed();
}

void memory_region_add_subregion(MemoryRegion *mr, hwaddr offset, MemoryRegion *subregion)
{
    add_subregion_common(mr, offset, subregion, 0);
}

void memory_region_add_subregion_overlap(MemoryRegion *mr, hwaddr offset,
                                         MemoryRegion *subregion, int priority)
{
    add_subregion_common(mr, offset, subregion, priority);
}

void memory_region_del_subregion(MemoryRegion *mr, MemoryRegion *subregion)
{
    g_return_if_fail(mr && subregion && subregion->container == mr);
    g_queue_remove(&mr->subregions, subregion);
    subregion->container = NULL;
    subregion->mapped = false;
    memory_region_map_changed();
}

void memory_region_set_address(MemoryRegion *mr, hwaddr addr)
{
    if (mr->addr == addr) {
        return;
    }
    mr->addr = addr;
    if (mr->container) {
        memory_region_map_changed();
    }
}

void memory_region_set_enabled(MemoryRegion *mr, bool enabled)
{
    if (mr->enabled == enabled) {
        return;
    }
    mr->enabled = enabled;
    memory_region_map_changed();
}

void memory_region_set_readonly(MemoryRegion *mr, bool readonly)
{
    if (mr->readonly == readonly) {
        return;
    }
    mr->readonly = readonly;
    memory_region_map_changed();
}

void memory_region_set_size(MemoryRegion *mr, uint64_t size)
{
    /* The backing of RAM and ROM was allocated for the old size: growing
     * the region would let the guest reach past it. */
    g_return_if_fail(mr->kind != MR_KIND_RAM && mr->kind != MR_KIND_ROM);
    if (mr->size == size) {
        return;
    }
    mr->size = size;
    memory_region_map_changed();
}

void memory_region_set_alias_offset(MemoryRegion *mr, hwaddr offset)
{
    g_return_if_fail(mr->kind == MR_KIND_ALIAS);
    if (mr->alias_offset == offset) {
        return;
    }
    mr->alias_offset = offset;
    memory_region_map_changed();
}

/* ---- queries ---- */

const char *memory_region_name(const MemoryRegion *mr)
{
    return mr->name;
}

uint64_t memory_region_size(const MemoryRegion *mr)
{
    return mr->size;
}

bool memory_region_is_ram(const MemoryRegion *mr)
{
    return mr->kind == MR_KIND_RAM;
}

bool memory_region_is_rom(const MemoryRegion *mr)
{
    return mr->kind == MR_KIND_ROM;
}

void *memory_region_get_ram_ptr(MemoryRegion *mr)
{
    return (mr->kind == MR_KIND_RAM || mr->kind == MR_KIND_ROM) ? mr->ram : NULL;
}

void memory_region_set_dirty(MemoryRegion *mr, hwaddr addr, hwaddr size)
{
    if (!mr->ram || addr >= mr->size || size == 0) {
        return;
    }
    if (size > mr->size - addr) {
        size = mr->size - addr;
    }
    memory_notify_region_write(mr, addr, size);
}
