/*
 * `info mtree`: the region tree as data (x-query-mtree) and in human form,
 * and the flat views.
 *
 * SPDX-License-Identifier: MIT
 */
#include <json-c/json.h>
#include <cardcage/module.h>
#include <cardcage/qmp.h>
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

/* One region and, to MTREE_MAX_DEPTH, its subregions, at absolute
 * addresses. */
static json_object *region_json(const MemoryRegion *mr, u128 base, unsigned depth)
{
    u128 start = base + mr->addr;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(mr->name ? mr->name : ""));
    json_object_object_add(o, "kind", json_object_new_string(region_kind_name(mr)));
    json_object_object_add(o, "start", json_object_new_uint64((uint64_t)start));
    json_object_object_add(o, "last", json_object_new_uint64(last_byte(start, mr->size)));
    json_object_object_add(o, "priority", json_object_new_int(mr->priority));
    json_object_object_add(o, "enabled", json_object_new_boolean(mr->enabled));
    if (mr->kind == MR_KIND_ALIAS && mr->alias) {
        json_object *a = json_object_new_object();
        json_object_object_add(a, "name", json_object_new_string(mr->alias->name));
        json_object_object_add(a, "start", json_object_new_uint64(mr->alias_offset));
        json_object_object_add(a, "last",
                               json_object_new_uint64(last_byte(mr->alias_offset, mr->size)));
        json_object_object_add(o, "alias", a);
    }
    json_object *subs = json_object_new_array();
    for (GList *l = mr->subregions.head; l && depth < MTREE_MAX_DEPTH; l = l->next) {
        json_object_array_add(subs, region_json(l->data, start, depth + 1));
    }
    json_object_object_add(o, "subregions", subs);
    return o;
}

json_object *memory_region_tree_json(MemoryRegion *root)
{
    return root ? region_json(root, 0, 0) : NULL;
}

static uint64_t member_u64(json_object *o, const char *name)
{
    return json_object_get_uint64(json_object_object_get(o, name));
}

static const char *member_str(json_object *o, const char *name)
{
    return json_object_get_string(json_object_object_get(o, name));
}

static void format_region(FILE *out, json_object *r, unsigned depth)
{
    fprintf(out, "%*s%016" PRIx64 "-%016" PRIx64 " (prio %d, %s): %s", (int)(depth * 2 + 2),
            "", member_u64(r, "start"), member_u64(r, "last"),
            json_object_get_int(json_object_object_get(r, "priority")), member_str(r, "kind"),
            member_str(r, "name"));
    json_object *alias = json_object_object_get(r, "alias");
    if (alias) {
        fprintf(out, " @%s %016" PRIx64 "-%016" PRIx64, member_str(alias, "name"),
                member_u64(alias, "start"), member_u64(alias, "last"));
    }
    if (!json_object_get_boolean(json_object_object_get(r, "enabled"))) {
        fprintf(out, " [disabled]");
    }
    fputc('\n', out);
    json_object *subs = json_object_object_get(r, "subregions");
    for (size_t i = 0; i < json_object_array_length(subs); i++) {
        format_region(out, json_object_array_get_idx(subs, i), depth + 1);
    }
}

void memory_format_tree(FILE *out, json_object *tree)
{
    if (tree) {
        format_region(out, tree, 0);
    }
}

void memory_print_tree(FILE *out, MemoryRegion *root)
{
    json_object *tree = memory_region_tree_json(root);
    memory_format_tree(out, tree);
    json_object_put(tree);
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

/* x-query-mtree: cardcage's own (QEMU's info mtree is HMP only). */
static json_object *query_mtree(json_object *args, Error **errp)
{
    static const struct { const char *name; MemoryRegion *(*root)(void); } spaces[] = {
        { "memory", memory_get_system_memory }, { "I/O", memory_get_system_io },
    };
    json_object *list = json_object_new_array();
    for (size_t i = 0; i < CC_ARRAY_SIZE(spaces); i++) {
        json_object *as = json_object_new_object();
        json_object_object_add(as, "name", json_object_new_string(spaces[i].name));
        json_object_object_add(as, "root", memory_region_tree_json(spaces[i].root()));
        json_object_array_add(list, as);
    }
    return list;
}

static const QmpCommandInfo mtree_command = {
    "x-query-mtree", NULL, "[AddressSpaceTree]", query_mtree,
};

static void mtree_qmp_register(void)
{
    qmp_register_command(&mtree_command, &error_abort);
}
qapi_init(mtree_qmp_register)
