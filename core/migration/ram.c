/*
 * RAM in the migration stream: a table of every region with host backing
 * (RAM, ROM, BIOS shadow RAM), then runs of pages.  Zero pages are not
 * written at all in the first pass, because the receiver clears its RAM
 * first; a later pass that finds a page zeroed since sends it as a zero
 * run of a few bytes.
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "memory/memory-internal.h"
#include "migration/migration.h"

/* Pages per record: large enough that record headers cost nothing, small
 * enough that a record is a bounded piece of work. */
#define RUN_MAX_PAGES 256u

/* A region's name in the stream: its owner's QOM path, if any, and its
 * own name ("ram", "/machine/vga/vram"). */
static char *region_id(MemoryRegion *mr)
{
    if (mr->owner) {
        char *path = object_get_canonical_path(mr->owner);
        char *id = g_strdup_printf("%s/%s", path ? path : "?", mr->name);
        g_free(path);
        return id;
    }
    return g_strdup(mr->name);
}

static int collect_region(MemoryRegion *mr, void *opaque)
{
    g_ptr_array_add(opaque, mr);
    return 0;
}

static GPtrArray *ram_regions(void)
{
    GPtrArray *a = g_ptr_array_new();
    memory_foreach_ram_region(collect_region, a);
    return a;
}

uint64_t migration_ram_total(void)
{
    GPtrArray *a = ram_regions();
    uint64_t total = 0;
    for (guint i = 0; i < a->len; i++) {
        total += memory_region_size(g_ptr_array_index(a, i));
    }
    g_ptr_array_free(a, TRUE);
    return total;
}

/* The dirty bitmaps count pages of the same size as the stream. */
G_STATIC_ASSERT(MIGRATION_PAGE_SIZE == MEMORY_DIRTY_PAGE_SIZE);

static uint64_t region_pages(const MemoryRegion *mr)
{
    return (mr->size + MIGRATION_PAGE_SIZE - 1) / MIGRATION_PAGE_SIZE;
}

/* Bytes of page p of mr (the last page of an odd-sized region is short). */
static size_t page_len(const MemoryRegion *mr, uint64_t p)
{
    uint64_t off = p * MIGRATION_PAGE_SIZE;
    return (size_t)MIN((uint64_t)MIGRATION_PAGE_SIZE, mr->size - off);
}

bool migration_ram_save_table(VMStateStream *s, Error **errp)
{
    GPtrArray *a = ram_regions();
    bool ok = vmstate_stream_put_u8(s, MIG_REC_RAM_TABLE, errp) &&
              vmstate_stream_put_u32(s, a->len, errp);
    for (guint i = 0; ok && i < a->len; i++) {
        MemoryRegion *mr = g_ptr_array_index(a, i);
        char *id = region_id(mr);
        ok = vmstate_stream_put_str(s, id, errp) &&
             vmstate_stream_put_u64(s, mr->size, errp);
        g_free(id);
    }
    g_ptr_array_free(a, TRUE);
    return ok;
}

static bool page_is_zero(const uint8_t *p, size_t len)
{
    const uint64_t *w = (const uint64_t *)p;
    size_t n = len / 8;
    uint64_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= w[i];
        /* Most non-zero pages differ early: stop at the first word group. */
        if ((i & 63) == 63 && acc) {
            return false;
        }
    }
    for (size_t i = n * 8; i < len; i++) {
        acc |= p[i];
    }
    return acc == 0;
}

static bool put_run_header(VMStateStream *s, int tag, uint32_t region, uint64_t first,
                           uint32_t count, Error **errp)
{
    return vmstate_stream_put_u8(s, (uint8_t)tag, errp) &&
           vmstate_stream_put_u32(s, region, errp) &&
           vmstate_stream_put_u64(s, first, errp) &&
           vmstate_stream_put_u32(s, count, errp);
}

/* Write pages [first, first+count) of region idx as one data record. */
static bool put_data_run(VMStateStream *s, uint32_t idx, MemoryRegion *mr, uint64_t first,
                         uint32_t count, MigrationStats *st, Error **errp)
{
    uint64_t off = first * MIGRATION_PAGE_SIZE;
    uint64_t len = MIN((uint64_t)count * MIGRATION_PAGE_SIZE, mr->size - off);
    if (!put_run_header(s, MIG_REC_RAM_PAGES, idx, first, count, errp) ||
        !vmstate_stream_put_bytes(s, mr->ram + off, (size_t)len, errp)) {
        return false;
    }
    st->normal += count;
    st->normal_bytes += len;
    return true;
}

/*
 * Whether untouched pages of RAM can be recognised without reading them.
 * A page of a private anonymous mapping that is not resident was never
 * written (it reads as zero), unless it was swapped out.  Reading such a
 * page to check it costs a page fault each, which made scanning mostly
 * empty RAM the slowest part of a save; so while the host has no swap,
 * mincore() answers for those pages.
 */
static bool host_has_swap(void)
{
    static int cached = -1;
    if (cached < 0) {
        gchar *text = NULL;
        /* /proc/swaps has a header line and one line per swap area. */
        cached = !g_file_get_contents("/proc/swaps", &text, NULL, NULL) ||
                 strchr(text, '\n') != strrchr(text, '\n');
        g_free(text);
    }
    return cached;
}

/* For pages [first, end) of mr: resident[i] bit 0 clear when page first+i
 * is known to be zero without reading it.  NULL: read every page. */
static unsigned char *residency(MemoryRegion *mr, uint64_t first, uint64_t end)
{
    if (!mr->ram_owned || host_has_swap() || sysconf(_SC_PAGESIZE) != MIGRATION_PAGE_SIZE) {
        return NULL;
    }
    size_t n = (size_t)(end - first);
    unsigned char *vec = g_malloc(n);
    uint64_t off = first * MIGRATION_PAGE_SIZE;
    size_t len = (size_t)MIN((uint64_t)n * MIGRATION_PAGE_SIZE, mr->size - off);
    if (mincore(mr->ram + off, len, vec) != 0) {
        g_free(vec);
        return NULL;
    }
    return vec;
}

static bool page_zero(MemoryRegion *mr, uint64_t p, const unsigned char *res, uint64_t first)
{
    if (res && !(res[p - first] & 1)) {
        return true;
    }
    return page_is_zero(mr->ram + p * MIGRATION_PAGE_SIZE, page_len(mr, p));
}

/*
 * Pages [first, end) of region idx, split into runs of data pages (written)
 * and zero pages (written as a zero run only when send_zero: in the first
 * pass the receiver's RAM is zero already).
 */
static bool save_range(VMStateStream *s, uint32_t idx, MemoryRegion *mr, uint64_t first,
                       uint64_t end, bool send_zero, MigrationStats *st, Error **errp)
{
    unsigned char *res = residency(mr, first, end);
    bool ok = true;
    uint64_t p = first;
    while (ok && p < end) {
        bool zero = page_zero(mr, p, res, first);
        uint64_t q = p + 1;
        while (q < end && q - p < RUN_MAX_PAGES && page_zero(mr, q, res, first) == zero) {
            q++;
        }
        uint32_t count = (uint32_t)(q - p);
        if (zero) {
            st->duplicate += count;
            if (send_zero) {
                ok = put_run_header(s, MIG_REC_RAM_ZERO, idx, p, count, errp);
            }
        } else {
            ok = put_data_run(s, idx, mr, p, count, st, errp);
        }
        p = q;
    }
    g_free(res);
    return ok;
}

bool migration_ram_save_all(VMStateStream *s, MigrationStats *st, Error **errp)
{
    GPtrArray *a = ram_regions();
    bool ok = true;
    for (guint i = 0; ok && i < a->len; i++) {
        MemoryRegion *mr = g_ptr_array_index(a, i);
        ok = save_range(s, i, mr, 0, region_pages(mr), false, st, errp);
    }
    st->dirty_sync_count++;
    g_ptr_array_free(a, TRUE);
    return ok;
}

/* ---- loading ---- */

struct MigrationRamTable {
    GPtrArray *regions;     /* MemoryRegion *, in the stream's order */
};

void migration_ram_table_free(MigrationRamTable *t)
{
    if (t) {
        g_ptr_array_free(t->regions, TRUE);
        g_free(t);
    }
}

/* The stream's table must name exactly this machine's regions, each with
 * its size: anything else is another board or another configuration. */
MigrationRamTable *migration_ram_load_table(VMStateStream *s, Error **errp)
{
    GPtrArray *local = ram_regions();
    GHashTable *by_id = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint i = 0; i < local->len; i++) {
        MemoryRegion *mr = g_ptr_array_index(local, i);
        g_hash_table_insert(by_id, region_id(mr), mr);
    }
    MigrationRamTable *t = g_new0(MigrationRamTable, 1);
    t->regions = g_ptr_array_new();
    uint32_t n;
    bool ok = vmstate_stream_get_u32(s, &n, errp);
    if (ok && n != local->len) {
        error_setg(errp, "the stream has %u RAM regions, this machine %u", n, local->len);
        ok = false;
    }
    for (uint32_t i = 0; ok && i < n; i++) {
        char *id = NULL;
        uint64_t size;
        ok = vmstate_stream_get_str(s, &id, errp) && vmstate_stream_get_u64(s, &size, errp);
        MemoryRegion *mr = ok ? g_hash_table_lookup(by_id, id) : NULL;
        if (ok && !mr) {
            error_setg(errp, "the stream has RAM region '%s', which this machine lacks", id);
            ok = false;
        } else if (ok && mr->size != size) {
            error_setg(errp, "RAM region '%s' has %" PRIu64 " bytes in the stream, %"
                       PRIu64 " here", id, size, mr->size);
            ok = false;
        } else if (ok) {
            /* Seen twice: the second lookup must fail. */
            g_hash_table_remove(by_id, id);
            g_ptr_array_add(t->regions, mr);
        }
        g_free(id);
    }
    g_hash_table_destroy(by_id);
    g_ptr_array_free(local, TRUE);
    if (!ok) {
        migration_ram_table_free(t);
        return NULL;
    }
    return t;
}

bool migration_ram_load_record(VMStateStream *s, int tag, MigrationRamTable *t, bool apply,
                               Error **errp)
{
    uint32_t idx, count;
    uint64_t first;
    if (!vmstate_stream_get_u32(s, &idx, errp) || !vmstate_stream_get_u64(s, &first, errp) ||
        !vmstate_stream_get_u32(s, &count, errp)) {
        return false;
    }
    if (idx >= t->regions->len) {
        error_setg(errp, "RAM record for region %u; the table has %u", idx, t->regions->len);
        return false;
    }
    MemoryRegion *mr = g_ptr_array_index(t->regions, idx);
    uint64_t pages = region_pages(mr);
    if (count == 0 || count > RUN_MAX_PAGES || first >= pages || count > pages - first) {
        error_setg(errp, "RAM record for pages %" PRIu64 "+%u of region '%s' (%" PRIu64
                   " pages) is out of bounds", first, count, mr->name, pages);
        return false;
    }
    if (tag == MIG_REC_RAM_ZERO) {
        if (apply) {
            memset(mr->ram + first * MIGRATION_PAGE_SIZE, 0,
                   (size_t)MIN((uint64_t)count * MIGRATION_PAGE_SIZE,
                               mr->size - first * MIGRATION_PAGE_SIZE));
        }
        return true;
    }
    uint64_t off = first * MIGRATION_PAGE_SIZE;
    size_t len = (size_t)MIN((uint64_t)count * MIGRATION_PAGE_SIZE, mr->size - off);
    const uint8_t *data = vmstate_stream_get_span(s, len, errp);
    if (!data) {
        return false;
    }
    if (apply) {
        memcpy(mr->ram + off, data, len);
    }
    return true;
}

void migration_ram_clear_all(MigrationRamTable *t)
{
    for (guint i = 0; i < t->regions->len; i++) {
        MemoryRegion *mr = g_ptr_array_index(t->regions, i);
        size_t len = (size_t)(mr->size ? mr->size : 1);
        /* A private anonymous mapping reads as zeroes again after
         * MADV_DONTNEED, and gives its memory back; other backing is
         * cleared by hand. */
        if (!mr->ram_owned || madvise(mr->ram, len, MADV_DONTNEED) != 0) {
            memset(mr->ram, 0, len);
        }
    }
}

/* ---- live passes ----
 *
 * While the guest runs, RAM is sent in passes: the first sends every
 * non-zero page, each later one the pages the guest wrote since the pass
 * before (memory dirty tracking, client MIGRATION).  Tracking starts
 * before the first pass, so nothing written during it is missed.  Each
 * call does a bounded amount of work, so the guest and the monitor keep
 * running between calls.
 */

struct MigrationRamLive {
    GPtrArray *regions;         /* every backed region, in table order */
    uint64_t **bitmaps;         /* per region: the pass's dirty pages (RAM only) */
    guint region;               /* cursor: region and page */
    uint64_t page;
    bool first_pass;
    bool in_pass;               /* a dirty pass is under way */
    uint64_t pass_dirty;        /* pages the current dirty pass started with */
};

static bool region_tracked(const MemoryRegion *mr)
{
    return mr->kind == MR_KIND_RAM;
}

static uint64_t snapshot_region(MemoryRegion *mr, uint64_t *bitmap)
{
    return memory_region_dirty_snapshot_and_clear(mr, 0, mr->size, MEMORY_DIRTY_MIGRATION,
                                                  bitmap);
}

MigrationRamLive *migration_ram_live_start(void)
{
    MigrationRamLive *l = g_new0(MigrationRamLive, 1);
    l->regions = ram_regions();
    l->bitmaps = g_new0(uint64_t *, l->regions->len);
    memory_dirty_start(MEMORY_DIRTY_MIGRATION);
    for (guint i = 0; i < l->regions->len; i++) {
        MemoryRegion *mr = g_ptr_array_index(l->regions, i);
        if (region_tracked(mr)) {
            l->bitmaps[i] = g_new0(uint64_t, (region_pages(mr) + 63) / 64);
            /* Tracking starts with every page dirty; the first pass sends
             * them all anyway, so start from clean. */
            snapshot_region(mr, l->bitmaps[i]);
        }
    }
    l->first_pass = true;
    return l;
}

void migration_ram_live_free(MigrationRamLive *l)
{
    if (!l) {
        return;
    }
    memory_dirty_stop(MEMORY_DIRTY_MIGRATION);
    for (guint i = 0; i < l->regions->len; i++) {
        g_free(l->bitmaps[i]);
    }
    g_free(l->bitmaps);
    g_ptr_array_free(l->regions, TRUE);
    g_free(l);
}

/* Take every tracked region's dirty bits for a new pass; the number of
 * pages to send. */
static uint64_t begin_dirty_pass(MigrationRamLive *l, MigrationStats *st)
{
    uint64_t n = 0;
    for (guint i = 0; i < l->regions->len; i++) {
        MemoryRegion *mr = g_ptr_array_index(l->regions, i);
        if (l->bitmaps[i]) {
            n += snapshot_region(mr, l->bitmaps[i]);
        }
    }
    l->region = 0;
    l->page = 0;
    l->in_pass = true;
    l->pass_dirty = n;
    st->dirty_sync_count++;
    st->remaining = n * MIGRATION_PAGE_SIZE;
    return n;
}

static bool bit_set(const uint64_t *bm, uint64_t p)
{
    return bm[p / 64] >> (p % 64) & 1;
}

/* Send the dirty pages of region i from page p on, up to max_pages of
 * them; returns the page where it stopped (the region's page count when
 * it reached the end). */
static bool send_dirty(VMStateStream *s, MigrationRamLive *l, guint i, uint64_t *page,
                       uint64_t *budget, MigrationStats *st, Error **errp)
{
    MemoryRegion *mr = g_ptr_array_index(l->regions, i);
    uint64_t pages = region_pages(mr);
    const uint64_t *bm = l->bitmaps[i];
    uint64_t p = *page;
    while (p < pages && *budget) {
        if (!(bm[p / 64] >> (p % 64))) {
            p = (p / 64 + 1) * 64;       /* no dirty page left in this word */
            continue;
        }
        if (!bit_set(bm, p)) {
            p++;
            continue;
        }
        uint64_t q = p + 1;
        while (q < pages && q - p < RUN_MAX_PAGES && bit_set(bm, q)) {
            q++;
        }
        if (!save_range(s, i, mr, p, q, true, st, errp)) {
            return false;
        }
        uint64_t sent = q - p;
        *budget = sent >= *budget ? 0 : *budget - sent;
        st->remaining = st->remaining >= sent * MIGRATION_PAGE_SIZE
                        ? st->remaining - sent * MIGRATION_PAGE_SIZE : 0;
        p = q;
    }
    *page = MIN(p, pages);
    return true;
}

/* Up to budget pages of work; *pass_done when a pass has just ended.  A
 * dirty pass the caller has not begun (migration_ram_live_next_pass) is
 * begun here. */
bool migration_ram_live_step(VMStateStream *s, MigrationRamLive *l, uint64_t budget,
                             bool *pass_done, MigrationStats *st, Error **errp)
{
    *pass_done = false;
    if (!l->first_pass && !l->in_pass) {
        begin_dirty_pass(l, st);
    }
    while (budget && l->region < l->regions->len) {
        MemoryRegion *mr = g_ptr_array_index(l->regions, l->region);
        uint64_t pages = region_pages(mr);
        if (l->first_pass) {
            uint64_t end = MIN(pages, l->page + MIN(budget, (uint64_t)RUN_MAX_PAGES * 16));
            if (!save_range(s, l->region, mr, l->page, end, false, st, errp)) {
                return false;
            }
            budget = end - l->page >= budget ? 0 : budget - (end - l->page);
            l->page = end;
        } else if (l->bitmaps[l->region]) {
            if (!send_dirty(s, l, l->region, &l->page, &budget, st, errp)) {
                return false;
            }
        } else {
            l->page = pages;        /* ROM: sent whole in the first pass */
        }
        if (l->page >= pages) {
            l->region++;
            l->page = 0;
        }
    }
    if (l->region >= l->regions->len) {
        if (l->first_pass) {
            st->dirty_sync_count++;
        }
        l->first_pass = false;
        l->in_pass = false;
        l->region = 0;
        l->page = 0;
        *pass_done = true;
    }
    return true;
}

uint64_t migration_ram_live_next_pass(MigrationRamLive *l, MigrationStats *st)
{
    return begin_dirty_pass(l, st);
}

/* With the guest stopped: the last dirty pass, whole, and the ROMs again
 * (a ROM device may have changed its contents through its own ops). */
bool migration_ram_live_finish(VMStateStream *s, MigrationRamLive *l, MigrationStats *st,
                               Error **errp)
{
    bool done = false;
    if (l->first_pass || l->in_pass) {
        /* Finish the pass under way first. */
        while (!done) {
            if (!migration_ram_live_step(s, l, UINT64_MAX, &done, st, errp)) {
                return false;
            }
        }
    }
    done = false;
    while (!done) {
        if (!migration_ram_live_step(s, l, UINT64_MAX, &done, st, errp)) {
            return false;
        }
    }
    for (guint i = 0; i < l->regions->len; i++) {
        MemoryRegion *mr = g_ptr_array_index(l->regions, i);
        if (!region_tracked(mr) &&
            !save_range(s, i, mr, 0, region_pages(mr), true, st, errp)) {
            return false;
        }
    }
    st->remaining = 0;
    return true;
}
