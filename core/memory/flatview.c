/*
 * Flat views: the region tree of an address space rendered into a sorted
 * array of non-overlapping ranges, so that a lookup is a binary search.
 * Views are rebuilt only when the map changes (memory_region_map_changed).
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "memory-internal.h"

/* Rendering works in 128-bit signed arithmetic: region sizes reach 2^64
 * and an alias with a large offset places its target's origin below 0. */
typedef __int128 i128;
#define SPACE_END ((i128)1 << 64)

/* Aliases can point anywhere, including at themselves or their own
 * containers; beyond this depth a tree is considered cyclic.  Two such
 * aliases side by side would still cost 2^depth visits, so the whole
 * rendering also has a budget of region visits (far above any board). */
#define RENDER_MAX_DEPTH 64
#define RENDER_MAX_VISITS 1000000

typedef struct Span {
    i128 start, end;       /* [start, end) */
} Span;

typedef struct Builder {
    FlatRange *r;
    Span *span;            /* the 128-bit extent of each r[] entry */
    unsigned nr, cap;
    unsigned visits;
    bool cycle_reported;
} Builder;

static i128 region_size128(const MemoryRegion *mr)
{
    return mr->size == UINT64_MAX ? SPACE_END : (i128)mr->size;
}

static i128 max128(i128 a, i128 b) { return a > b ? a : b; }
static i128 min128(i128 a, i128 b) { return a < b ? a : b; }

/* FlatRange.size of [start, end): UINT64_MAX stands for "to 2^64". */
static uint64_t span_size(i128 start, i128 end)
{
    return end == SPACE_END ? UINT64_MAX : (uint64_t)(end - start);
}

static MemReentrancyGuard *region_guard(const MemoryRegion *mr)
{
    if (!mr->owner || (mr->kind != MR_KIND_IO && !mr->rom_device)) {
        return NULL;
    }
    Object *dev = object_dynamic_cast(mr->owner, TYPE_DEVICE);
    return dev ? &((DeviceState *)dev)->mem_reentrancy_guard : NULL;
}

static void builder_insert(Builder *b, unsigned at, MemoryRegion *mr, i128 origin,
                           i128 start, i128 end, bool readonly)
{
    if (b->nr == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->r = g_renew(FlatRange, b->r, b->cap);
        b->span = g_renew(Span, b->span, b->cap);
    }
    memmove(&b->r[at + 1], &b->r[at], (b->nr - at) * sizeof(b->r[0]));
    memmove(&b->span[at + 1], &b->span[at], (b->nr - at) * sizeof(b->span[0]));
    b->nr++;

    FlatRange *fr = &b->r[at];
    fr->start = (hwaddr)start;
    fr->size = span_size(start, end);
    fr->mr = mr;
    fr->offset_in_region = (hwaddr)(start - origin);
    fr->readonly = mr->kind == MR_KIND_ROM || mr->readonly || readonly;
    fr->host = mr->ram ? mr->ram + fr->offset_in_region : NULL;
    fr->guard = region_guard(mr);
    b->span[at] = (Span){ start, end };
}

/* Fill the parts of [start, end) not yet covered with region mr (whose
 * offset 0 is at origin).  Ranges already present came from higher
 * priority regions and keep precedence. */
static void builder_fill_gaps(Builder *b, MemoryRegion *mr, i128 origin, i128 start,
                              i128 end, bool readonly)
{
    /* First range that ends after start (binary search). */
    unsigned lo = 0, hi = b->nr;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (b->span[mid].end <= start) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    unsigned i = lo;
    i128 cur = start;
    while (cur < end) {
        if (i < b->nr && b->span[i].start <= cur) {
            cur = max128(cur, b->span[i].end);
            i++;
            continue;
        }
        i128 gap_end = i < b->nr ? min128(b->span[i].start, end) : end;
        builder_insert(b, i, mr, origin, cur, gap_end, readonly);
        i++;
        cur = gap_end;
    }
}

/* Render mr, whose offset 0 sits at absolute address origin, clipped to
 * [clip_start, clip_end).  readonly: an alias on the way here was made
 * read-only, so the window it opens is (a chipset's write-protected
 * shadow RAM), as in QEMU. */
static void render_region(Builder *b, MemoryRegion *mr, i128 origin, i128 clip_start,
                          i128 clip_end, unsigned depth, bool readonly)
{
    if (!mr->enabled) {
        return;
    }
    i128 start = max128(origin, clip_start);
    i128 end = min128(origin + region_size128(mr), clip_end);
    if (start >= end) {
        return;
    }
    if (depth > RENDER_MAX_DEPTH || ++b->visits > RENDER_MAX_VISITS) {
        if (!b->cycle_reported) {
            b->cycle_reported = true;
            warn_report("memory region '%s' nests too deep or too wide (an alias cycle?);"
                        " rendering of it stopped", mr->name);
        }
        return;
    }
    if (mr->kind == MR_KIND_ALIAS) {
        if (mr->alias) {
            render_region(b, mr->alias, origin - (i128)mr->alias_offset, start, end,
                          depth + 1, readonly || mr->readonly);
        }
        return;
    }
    for (GList *l = mr->subregions.head; l; l = l->next) {
        MemoryRegion *sub = l->data;
        render_region(b, sub, origin + (i128)sub->addr, start, end, depth + 1, readonly);
    }
    if (mr->kind != MR_KIND_CONTAINER) {
        builder_fill_gaps(b, mr, origin, start, end, readonly);
    }
}

/* Merge neighbours that continue the same region at the next offset, so
 * that a page is never split needlessly (the CPU's TLB wants whole pages). */
static void builder_simplify(Builder *b)
{
    unsigned out = 0;
    for (unsigned i = 0; i < b->nr; i++) {
        if (out > 0) {
            FlatRange *prev = &b->r[out - 1];
            Span *ps = &b->span[out - 1];
            const FlatRange *cur = &b->r[i];
            if (prev->mr == cur->mr && ps->end == b->span[i].start &&
                prev->readonly == cur->readonly &&
                (i128)prev->offset_in_region + (ps->end - ps->start) ==
                    (i128)cur->offset_in_region) {
                ps->end = b->span[i].end;
                prev->size = span_size(ps->start, ps->end);
                continue;
            }
        }
        b->r[out] = b->r[i];
        b->span[out] = b->span[i];
        out++;
    }
    b->nr = out;
}

FlatView *flatview_render(MemoryRegion *root)
{
    Builder b = { 0 };
    if (root) {
        render_region(&b, root, 0, 0, SPACE_END, 0, false);
    }
    builder_simplify(&b);

    FlatView *fv = g_new0(FlatView, 1);
    if (b.nr) {
        fv->ranges = g_renew(FlatRange, b.r, b.nr);
    } else {
        g_free(b.r);
    }
    fv->nr = b.nr;
    fv->ref = 1;
    g_free(b.span);
    return fv;
}

void flatview_ref(FlatView *fv)
{
    fv->ref++;
}

void flatview_unref(FlatView *fv)
{
    if (fv && --fv->ref == 0) {
        g_free(fv->ranges);
        g_free(fv);
    }
}

static bool flatview_equal(const FlatView *a, const FlatView *b)
{
    if (!a || !b || a->nr != b->nr) {
        return false;
    }
    for (unsigned i = 0; i < a->nr; i++) {
        const FlatRange *x = &a->ranges[i], *y = &b->ranges[i];
        if (x->start != y->start || x->size != y->size || x->mr != y->mr ||
            x->offset_in_region != y->offset_in_region || x->readonly != y->readonly ||
            x->host != y->host || x->guard != y->guard) {
            return false;
        }
    }
    return true;
}

/* ---- lookup ---- */

static inline bool flat_range_contains(const FlatRange *fr, hwaddr addr)
{
    return addr >= fr->start && (fr->size == UINT64_MAX || addr - fr->start < fr->size);
}

uint64_t flat_range_remaining(const FlatRange *fr, hwaddr addr)
{
    if (fr->size == UINT64_MAX) {
        return addr == 0 ? UINT64_MAX : (uint64_t)0 - addr;
    }
    return fr->size - (addr - fr->start);
}

unsigned flatview_next_index(const FlatView *fv, hwaddr addr)
{
    unsigned lo = 0, hi = fv->nr;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (fv->ranges[mid].start <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

const FlatRange *flatview_lookup(const FlatView *fv, hwaddr addr)
{
    unsigned i = flatview_next_index(fv, addr);
    if (i == 0) {
        return NULL;
    }
    const FlatRange *fr = &fv->ranges[i - 1];
    return flat_range_contains(fr, addr) ? fr : NULL;
}

const FlatRange *flatview_lookup_cached(FlatView *fv, hwaddr addr)
{
    if (fv->last_hit < fv->nr && flat_range_contains(&fv->ranges[fv->last_hit], addr)) {
        return &fv->ranges[fv->last_hit];
    }
    const FlatRange *fr = flatview_lookup(fv, addr);
    if (fr) {
        fv->last_hit = (unsigned)(fr - fv->ranges);
    }
    return fr;
}

/* ---- address spaces and map listeners ---- */

static GPtrArray *address_spaces;

typedef struct MapListener {
    void (*fn)(void *opaque);
    void *opaque;
} MapListener;

static GPtrArray *map_listeners;

void address_space_register(AddressSpace *as)
{
    if (!address_spaces) {
        address_spaces = g_ptr_array_new();
    }
    g_ptr_array_add(address_spaces, as);
}

void address_space_unregister(AddressSpace *as)
{
    if (address_spaces) {
        g_ptr_array_remove(address_spaces, as);
    }
}

void address_spaces_rebuild_all(void)
{
    bool changed = false;

    for (guint i = 0; address_spaces && i < address_spaces->len; i++) {
        AddressSpace *as = g_ptr_array_index(address_spaces, i);
        FlatView *fv = flatview_render(as->root);
        if (flatview_equal(fv, as->current_map)) {
            flatview_unref(fv);
            continue;
        }
        FlatView *old = as->current_map;
        as->current_map = fv;
        flatview_unref(old);
        changed = true;
    }
    /* Iterate by index: a listener may remove itself (or add others). */
    for (guint i = 0; changed && map_listeners && i < map_listeners->len; i++) {
        MapListener *ml = g_ptr_array_index(map_listeners, i);
        ml->fn(ml->opaque);
    }
}

void *memory_add_map_listener(void (*fn)(void *opaque), void *opaque)
{
    MapListener *ml = g_new(MapListener, 1);
    ml->fn = fn;
    ml->opaque = opaque;
    if (!map_listeners) {
        map_listeners = g_ptr_array_new();
    }
    g_ptr_array_add(map_listeners, ml);
    return ml;
}

void memory_remove_map_listener(void *handle)
{
    if (map_listeners && g_ptr_array_remove(map_listeners, handle)) {
        g_free(handle);
    }
}
