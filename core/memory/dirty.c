/*
 * Dirty tracking of RAM, one bitmap per client and per RAM region.
 *
 * A client (the translator, a display, migration) starts tracking, then
 * repeatedly takes a snapshot of the pages written since its last look and
 * clears them.  Every path that writes RAM reports here: DMA through
 * address_space_write/map (dispatch.c, dma.c), devices that wrote behind
 * the bus's back (memory_region_set_dirty), and the CPU (its slow store
 * path marks; its TLB only holds a write tag for pages that are already
 * dirty for every tracking client, so the inline fast path needs no mark).
 *
 * Bitmaps are made lazily: a region's bitmap for a client is (re)built the
 * first time it is needed after the client started, all ones ("never
 * looked, so everything may have changed").  That needs no list of RAM
 * regions, and starting costs nothing until a page is touched or asked for.
 *
 * Single-threaded, like the rest of the memory API: call from the main loop.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "memory-internal.h"

#define BITS_PER_WORD 64u

struct MemoryDirtyMap {
    uint64_t npages;
    uint64_t *bits[MEMORY_DIRTY_CLIENTS];
    /* The start generation each bitmap belongs to; a bitmap from an older
     * generation of its client is stale and rebuilt all dirty. */
    unsigned gen[MEMORY_DIRTY_CLIENTS];
};

unsigned memory_dirty_clients;
static unsigned client_gen[MEMORY_DIRTY_CLIENTS];

static void (*dirty_clear_hook)(void *opaque);
static void *dirty_clear_opaque;

static bool client_valid(MemoryDirtyClient client)
{
    return (unsigned)client < MEMORY_DIRTY_CLIENTS;
}

static uint64_t region_pages(const MemoryRegion *mr)
{
    return mr->size / MEMORY_DIRTY_PAGE_SIZE + (mr->size % MEMORY_DIRTY_PAGE_SIZE != 0);
}

static uint64_t bitmap_words(uint64_t npages)
{
    return npages / BITS_PER_WORD + (npages % BITS_PER_WORD != 0);
}

/* The client's current bitmap of mr, made (all dirty) when missing or stale;
 * NULL when mr is not RAM or the host has no memory for it. */
static uint64_t *client_bitmap(MemoryRegion *mr, MemoryDirtyClient client)
{
    if (mr->kind != MR_KIND_RAM || !mr->ram || mr->size == UINT64_MAX) {
        return NULL;
    }
    MemoryDirtyMap *d = mr->dirty;
    if (!d) {
        d = mr->dirty = g_new0(MemoryDirtyMap, 1);
        d->npages = region_pages(mr);
    }
    if (!d->bits[client] || d->gen[client] != client_gen[client]) {
        uint64_t words = bitmap_words(d->npages);
        g_free(d->bits[client]);
        d->bits[client] = g_try_new(uint64_t, words);
        if (!d->bits[client]) {
            return NULL;
        }
        memset(d->bits[client], 0xff, words * sizeof(uint64_t));
        d->gen[client] = client_gen[client];
    }
    return d->bits[client];
}

void memory_set_dirty_clear_hook(void (*fn)(void *opaque), void *opaque)
{
    dirty_clear_hook = fn;
    dirty_clear_opaque = opaque;
}

void memory_dirty_start(MemoryDirtyClient client)
{
    if (!client_valid(client) || (memory_dirty_clients & (1u << client))) {
        return;
    }
    /* Every bitmap of the client starts all dirty, so the CPU's write tags
     * (set only for pages dirty for every tracking client) stay valid. */
    client_gen[client]++;
    memory_dirty_clients |= 1u << client;
}

void memory_dirty_stop(MemoryDirtyClient client)
{
    if (!client_valid(client)) {
        return;
    }
    /* Stale bitmaps are freed when the region next needs one, or with it. */
    memory_dirty_clients &= ~(1u << client);
    client_gen[client]++;
}

bool memory_dirty_tracking(MemoryDirtyClient client)
{
    return client_valid(client) && (memory_dirty_clients & (1u << client));
}

void memory_dirty_mark_slow(MemoryRegion *mr, hwaddr offset, uint64_t len)
{
    if (len == 0 || offset >= mr->size) {
        return;
    }
    len = MIN(len, mr->size - offset);
    uint64_t first = offset / MEMORY_DIRTY_PAGE_SIZE;
    uint64_t last = (offset + (len - 1)) / MEMORY_DIRTY_PAGE_SIZE;
    for (unsigned c = 0; c < MEMORY_DIRTY_CLIENTS; c++) {
        if (!(memory_dirty_clients & (1u << c))) {
            continue;
        }
        uint64_t *bits = client_bitmap(mr, c);
        if (!bits) {
            continue;
        }
        for (uint64_t p = first; p <= last; p++) {
            bits[p / BITS_PER_WORD] |= 1ull << (p % BITS_PER_WORD);
        }
    }
}

static bool page_dirty(MemoryRegion *mr, uint64_t page, MemoryDirtyClient client)
{
    uint64_t *bits = client_bitmap(mr, client);
    /* No bitmap (not RAM, or out of host memory): report it dirty, the
     * safe answer for every client. */
    return !bits || (bits[page / BITS_PER_WORD] >> (page % BITS_PER_WORD)) & 1;
}

bool memory_dirty_page_all_slow(MemoryRegion *mr, hwaddr offset)
{
    if (offset >= mr->size) {
        return true;
    }
    for (unsigned c = 0; c < MEMORY_DIRTY_CLIENTS; c++) {
        if ((memory_dirty_clients & (1u << c)) &&
            !page_dirty(mr, offset / MEMORY_DIRTY_PAGE_SIZE, c)) {
            return false;
        }
    }
    return true;
}

bool memory_region_dirty_get(MemoryRegion *mr, hwaddr offset, MemoryDirtyClient client)
{
    if (!client_valid(client) || !memory_dirty_tracking(client) || offset >= mr->size) {
        return true;
    }
    return page_dirty(mr, offset / MEMORY_DIRTY_PAGE_SIZE, client);
}

uint64_t memory_region_dirty_snapshot_and_clear(MemoryRegion *mr, hwaddr offset, hwaddr size,
                                                MemoryDirtyClient client, uint64_t *bitmap)
{
    if (size == 0 || offset >= mr->size || !client_valid(client)) {
        return 0;
    }
    size = MIN(size, mr->size - offset);
    uint64_t first = offset / MEMORY_DIRTY_PAGE_SIZE;
    uint64_t n = (offset + (size - 1)) / MEMORY_DIRTY_PAGE_SIZE - first + 1;
    uint64_t *bits = memory_dirty_tracking(client) ? client_bitmap(mr, client) : NULL;
    uint64_t count = 0;

    memset(bitmap, 0, bitmap_words(n) * sizeof(uint64_t));
    for (uint64_t k = 0; k < n; k++) {
        uint64_t p = first + k;
        uint64_t bit = 1ull << (p % BITS_PER_WORD);
        if (bits && !(bits[p / BITS_PER_WORD] & bit)) {
            continue;
        }
        if (bits) {
            bits[p / BITS_PER_WORD] &= ~bit;
        }
        bitmap[k / BITS_PER_WORD] |= 1ull << (k % BITS_PER_WORD);
        count++;
    }
    /* Pages just made clean must take the CPU's marking slow path again. */
    if (bits && count && dirty_clear_hook) {
        dirty_clear_hook(dirty_clear_opaque);
    }
    return count;
}

void memory_foreach_ram(AddressSpace *as, void (*fn)(MemoryRegion *mr, void *opaque),
                        void *opaque)
{
    const FlatView *fv = as->current_map;
    GHashTable *seen = g_hash_table_new(NULL, NULL);
    for (unsigned i = 0; i < fv->nr; i++) {
        MemoryRegion *mr = fv->ranges[i].mr;
        if (mr->kind == MR_KIND_RAM && g_hash_table_add(seen, mr)) {
            fn(mr, opaque);
        }
    }
    g_hash_table_destroy(seen);
}

void memory_dirty_free(MemoryRegion *mr)
{
    if (mr->dirty) {
        for (unsigned c = 0; c < MEMORY_DIRTY_CLIENTS; c++) {
            g_free(mr->dirty->bits[c]);
        }
        g_free(mr->dirty);
        mr->dirty = NULL;
    }
}
