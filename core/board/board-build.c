/*
 * Building a machine from a Board: RAM, firmware, the CPU, the devices and
 * their wiring.
 *
 * Devices are built in three passes so that a board may name devices in any
 * order in links and wiring:
 *   1. create every device (CPU first) and give it its place in the tree,
 *      /machine/<bus>/<id>, so that link properties can resolve any id;
 *   2. in file order: set properties, realize on the bus, map MMIO, check
 *      that no two regions overlap at the same priority;
 *   3. wire every GPIO/IRQ output to its inputs.
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <string.h>
#include <cardcage/cardcage.h>
#include "board/board.h"
#include "cpu/cpu.h"
#include "device/device-internal.h"
#include "main/runstate.h"
#include "module/plugin-loader.h"

typedef struct Built {
    BoardDevice *entry;
    DeviceState *dev;
} Built;

static CPUState *the_cpu;
static MemoryRegion *ram_region;

CPUState *board_get_cpu(void)
{
    return the_cpu;
}

/* ---- property values from JSON ---- */

static bool set_prop_json(Object *obj, const char *name, json_object *v, Error **errp)
{
    ObjectProperty *prop = object_property_find(obj, name);
    if (!prop) {
        GPtrArray *all = object_property_list(obj);
        GString *names = g_string_new(NULL);
        for (guint i = 0; i < all->len; i++) {
            ObjectProperty *p = g_ptr_array_index(all, i);
            if (p->set && p->kind != PROP_KIND_CHILD) {
                g_string_append_printf(names, "%s%s", names->len ? ", " : "", p->name);
            }
        }
        error_setg(errp, "'%s' has no property '%s' (its properties: %s)",
                   object_get_typename(obj), name, names->len ? names->str : "none");
        g_string_free(names, TRUE);
        g_ptr_array_unref(all);
        return false;
    }
    switch (json_object_get_type(v)) {
    case json_type_string:
        return object_property_parse(obj, name, json_object_get_string(v), errp);
    case json_type_int:
        if (prop->kind == PROP_KIND_INT || prop->kind == PROP_KIND_UINT ||
            prop->kind == PROP_KIND_SIZE) {
            return object_property_set_int(obj, name, json_object_get_int64(v), errp);
        }
        break;
    case json_type_boolean:
        if (prop->kind == PROP_KIND_BOOL) {
            return object_property_set_bool(obj, name, json_object_get_boolean(v), errp);
        }
        break;
    case json_type_null:
        if (prop->kind == PROP_KIND_LINK) {
            return object_property_set_link(obj, name, NULL, errp);
        }
        break;
    default:
        break;
    }
    char *want = object_property_type_text(prop);
    error_setg(errp, "property '%s' of '%s': expected %s, got %s", name,
               object_get_typename(obj), want, json_object_to_json_string(v));
    g_free(want);
    return false;
}

static bool set_props(DeviceState *dev, BoardDevice *d, Error **errp)
{
    for (guint i = 0; i < d->props->len; i++) {
        BoardProp *bp = g_ptr_array_index(d->props, i);
        if (!set_prop_json(OBJECT(dev), bp->name, bp->value, errp)) {
            board_error_prepend(errp, &bp->origin, d->id);
            return false;
        }
    }
    return true;
}

/* ---- RAM and firmware ---- */

static bool build_ram(Board *b, const BoardBuildOptions *opts, Error **errp)
{
    uint64_t size = opts->ram_size ? opts->ram_size : b->ram_size;
    if (!size) {
        size = 128 << 20;
    }
    if (size < b->ram_min || size > b->ram_max) {
        char *lo = cc_format_size(b->ram_min), *hi = cc_format_size(b->ram_max);
        char *want = cc_format_size(size);
        error_setg(errp, "%s RAM requested, but board '%s' takes from %s to %s", want,
                   b->name, lo, hi);
        g_free(lo);
        g_free(hi);
        g_free(want);
        return false;
    }
    if (size & 0xfff) {
        error_setg(errp, "RAM size %" PRIu64 " is not a multiple of 4 KiB", size);
        return false;
    }
    ram_region = g_new0(MemoryRegion, 1);
    if (!memory_region_init_ram(ram_region, NULL, "ram", size, errp)) {
        g_free(ram_region);
        ram_region = NULL;
        return false;
    }
    memory_region_add_subregion(memory_get_system_memory(), 0, ram_region);
    board_set_ram_size(size);
    return true;
}

static char *firmware_search_text(void)
{
    GString *s = g_string_new(NULL);
    for (const char *const *d = board_firmware_dirs(); *d; d++) {
        g_string_append_printf(s, "%s%s", s->len ? ", " : "", *d);
    }
    return g_string_free(s, FALSE);
}

/* A writable image is copied in again at every reset: firmware that
 * shadows itself must start from its pristine image, as after power-on. */
typedef struct FirmwareReload {
    MemoryRegion *mr;
    GBytes *image;
} FirmwareReload;

static void firmware_reload(void *opaque)
{
    FirmwareReload *r = opaque;
    gsize len;
    const void *data = g_bytes_get_data(r->image, &len);
    memcpy(memory_region_get_ram_ptr(r->mr), data, len);
    memory_region_set_dirty(r->mr, 0, len);
}

static bool build_firmware(Board *b, BoardFirmware *f, const BoardBuildOptions *opts,
                           Error **errp)
{
    bool is_bios = f->id && !strcmp(f->id, "bios");
    const char *name = is_bios && opts->bios ? opts->bios : f->file;
    char *path = board_find_firmware(name);
    if (!path) {
        if (f->optional || (is_bios && opts->direct_kernel && !opts->bios)) {
            return true;
        }
        char *dirs = firmware_search_text();
        BoardOrigin o = { f->origin.file, g_strdup_printf("%s.file", f->origin.path) };
        board_error(errp, &o, NULL, "firmware file '%s' not found (searched: %s)", name,
                    dirs);
        g_free(o.path);
        g_free(dirs);
        return false;
    }
    gchar *data = NULL;
    gsize len = 0;
    GError *gerr = NULL;
    bool ok = g_file_get_contents(path, &data, &len, &gerr);
    if (!ok) {
        board_error(errp, &f->origin, NULL, "cannot read firmware: %s", gerr->message);
        g_error_free(gerr);
        g_free(path);
        return false;
    }
    uint64_t limit = f->max_size ? f->max_size : (16 << 20);
    if (len == 0 || len > limit || (f->at_top && (len & 0xfff))) {
        char *lim = cc_format_size(limit);
        board_error(errp, &f->origin, NULL, "firmware '%s' is %zu bytes: expected 1 byte to "
                    "%s%s", path, (size_t)len, lim,
                    f->at_top ? ", a multiple of 4 KiB" : "");
        g_free(lim);
        g_free(data);
        g_free(path);
        return false;
    }
    uint64_t addr = f->at_top ? (1ULL << 32) - len : f->addr;
    MemoryRegion *rom = g_new0(MemoryRegion, 1);
    char *rname = g_strdup_printf("rom:%s", f->id ? f->id : name);
    bool made = f->writable ? memory_region_init_ram(rom, NULL, rname, len, errp)
                            : memory_region_init_rom(rom, NULL, rname, len, errp);
    if (!made) {
        g_free(rname);
        g_free(data);
        g_free(path);
        return false;
    }
    memcpy(memory_region_get_ram_ptr(rom), data, len);
    if (f->writable) {
        FirmwareReload *r = g_new0(FirmwareReload, 1);
        r->mr = rom;
        r->image = g_bytes_new(data, len);
        system_add_reset_notifier(firmware_reload, r);
    }
    /* The image sits above RAM wherever both are mapped (the PC's BIOS
     * window); a writable image is RAM the firmware may shadow into. */
    memory_region_add_subregion_overlap(memory_get_system_memory(), addr, rom, 1);
    for (guint i = 0; i < f->aliases->len; i++) {
        BoardAlias *a = &g_array_index(f->aliases, BoardAlias, i);
        uint64_t size = MIN(a->size, (uint64_t)len);
        MemoryRegion *alias = g_new0(MemoryRegion, 1);
        char *aname = g_strdup_printf("%s-alias%u", rname, i);
        memory_region_init_alias(alias, NULL, aname, rom, len - size, size);
        memory_region_add_subregion_overlap(memory_get_system_memory(), a->end - size, alias,
                                            1);
        g_free(aname);
    }
    g_free(rname);
    g_free(data);
    g_free(path);
    return true;
}

/* ---- the CPU ---- */

static ObjectClass *find_cpu_class(const char *model)
{
    ObjectClass *found = NULL;
    GSList *list = object_class_get_list(TYPE_CPU, false);
    for (GSList *l = list; l && !found; l = l->next) {
        CPUClass *cc = CPU_CLASS(l->data);
        const char *name = object_class_get_name(l->data);
        char *full = g_strconcat(model, cc->model_suffix ? cc->model_suffix : "", NULL);
        if (!strcmp(name, full) || !strcmp(name, model)) {
            found = l->data;
        }
        g_free(full);
    }
    g_slist_free(list);
    return found;
}

static DeviceState *create_cpu(Board *b, const BoardBuildOptions *opts, const char *id,
                               Error **errp)
{
    const char *model = opts->cpu_model ? opts->cpu_model : b->cpu_model;
    ObjectClass *oc = find_cpu_class(model);
    if (!oc) {
        if (opts->cpu_model) {
            error_setg(errp, "-cpu: unknown CPU model '%s' (-cpu help lists them)", model);
        } else {
            board_error(errp, &b->cpu->type_origin, NULL, "unknown CPU model '%s' (-cpu "
                        "help lists them)", model);
        }
        return NULL;
    }
    DeviceState *dev = device_new_checked(object_class_get_name(oc), errp);
    if (!dev) {
        return NULL;
    }
    device_set_id(dev, id);
    object_property_add_child(container_get(object_get_root(), "/machine"), id,
                              OBJECT(dev), &error_abort);
    object_unref(dev);
    if (opts->cpu_features && opts->cpu_features[0]) {
        CPUClass *cc = CPU_CLASS(oc);
        if (!cc->parse_feature) {
            error_setg(errp, "-cpu: CPU model '%s' takes no features", model);
            return NULL;
        }
        for (const char *const *it = opts->cpu_features; *it; it++) {
            if (!cc->parse_feature(CPU(dev), *it, errp)) {
                error_prepend(errp, "-cpu %s: ", *it);
                return NULL;
            }
        }
    }
    return dev;
}

/* ---- devices ---- */

static const char *default_bus_container(DeviceState *dev)
{
    DeviceClass *dc = DEVICE_GET_CLASS(dev);
    if (!dc->bus_type || !strcmp(dc->bus_type, TYPE_SYSTEM_BUS)) {
        return "sysbus";
    }
    return !strcmp(dc->bus_type, TYPE_ISA_BUS) ? "isa" : "peripheral";
}

static char *edit_distance_hint(const char *wanted)
{
    GSList *classes = object_class_get_list(TYPE_DEVICE, false);
    const char *best = NULL;
    guint best_d = 3;
    for (GSList *l = classes; l; l = l->next) {
        const char *name = object_class_get_name(l->data);
        /* Levenshtein distance, small strings only. */
        size_t n = strlen(wanted), m = strlen(name);
        if (n > 64 || m > 64) {
            continue;
        }
        guint row[65];
        for (size_t j = 0; j <= m; j++) {
            row[j] = j;
        }
        for (size_t i = 1; i <= n; i++) {
            guint prev = row[0];
            row[0] = i;
            for (size_t j = 1; j <= m; j++) {
                guint cur = row[j];
                guint cost = wanted[i - 1] != name[j - 1];
                row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), prev + cost);
                prev = cur;
            }
        }
        if (row[m] < best_d) {
            best_d = row[m];
            best = name;
        }
    }
    char *hint = best ? g_strdup_printf("; did you mean '%s'?", best) : g_strdup("");
    g_slist_free(classes);
    return hint;
}

static DeviceState *create_device(BoardDevice *d, Error **errp)
{
    Error *err = NULL;
    DeviceState *dev = device_new_checked(d->type, &err);
    if (!dev) {
        if (!object_class_by_name(d->type)) {
            char *dirs = plugin_dirs_text();
            char *hint = edit_distance_hint(d->type);
            board_error(errp, &d->type_origin, d->id, "unknown device type '%s' (plugin "
                        "directories searched: %s)%s", d->type, dirs, hint);
            g_free(hint);
            g_free(dirs);
            error_free(err);
        } else {
            error_propagate(errp, err);
            board_error_prepend(errp, &d->type_origin, d->id);
        }
        return NULL;
    }
    device_set_id(dev, d->id);
    const char *where = d->bus ? d->bus : default_bus_container(dev);
    char *cpath = g_strdup_printf("/machine/%s", where);
    Object *container = container_get(object_get_root(), cpath);
    g_free(cpath);
    if (!object_property_add_child(container, d->id, OBJECT(dev), &err)) {
        error_propagate(errp, err);
        board_error_prepend(errp, &d->origin, d->id);
        object_unref(dev);
        return NULL;
    }
    object_unref(dev);
    return dev;
}

typedef struct BusSearch {
    const char *type;
    BusState *found;
} BusSearch;

static int find_bus_of_type(DeviceState *dev, void *opaque)
{
    BusSearch *s = opaque;
    for (GSList *l = dev->child_buses; l && !s->found; l = l->next) {
        if (object_dynamic_cast(l->data, s->type)) {
            s->found = l->data;
        }
        if (!s->found) {
            bus_foreach_device(l->data, find_bus_of_type, s);
        }
    }
    return s->found != NULL;
}

static int list_bus_names(DeviceState *dev, void *opaque)
{
    GString *s = opaque;
    for (GSList *l = dev->child_buses; l; l = l->next) {
        g_string_append_printf(s, ", %s", BUS(l->data)->name);
        bus_foreach_device(l->data, list_bus_names, s);
    }
    return 0;
}

static BusState *choose_bus(BoardDevice *d, DeviceState *dev, Error **errp)
{
    DeviceClass *dc = DEVICE_GET_CLASS(dev);
    const char *want = dc->bus_type ? dc->bus_type : TYPE_SYSTEM_BUS;
    if (d->bus) {
        BusState *bus = bus_find(d->bus);
        if (!bus) {
            GString *names = g_string_new("sysbus");
            bus_foreach_device(sysbus_get_default(), list_bus_names, names);
            board_error(errp, &d->bus_origin, d->id, "no bus named '%s' (buses so far: %s; "
                        "a bus exists once the device that provides it is listed before)",
                        d->bus, names->str);
            g_string_free(names, TRUE);
        }
        return bus;
    }
    if (!strcmp(want, TYPE_SYSTEM_BUS)) {
        return sysbus_get_default();
    }
    BusSearch s = { .type = want };
    bus_foreach_device(sysbus_get_default(), find_bus_of_type, &s);
    if (!s.found) {
        board_error(errp, &d->origin, d->id, "a '%s' plugs into a bus of type '%s', and no "
                    "device listed before it provides one (an ISA device needs an "
                    "'isa-bridge' earlier in the board)", d->type, want);
    }
    return s.found;
}

static bool map_and_check(BoardDevice *d, DeviceState *dev, Error **errp)
{
    for (guint i = 0; i < d->mmio->len; i++) {
        BoardMapping *m = g_ptr_array_index(d->mmio, i);
        if (!object_dynamic_cast(OBJECT(dev), TYPE_SYS_BUS_DEVICE)) {
            board_error(errp, &m->origin, d->id, "only system-bus devices have MMIO regions "
                        "to map; a '%s' maps its own", d->type);
            return false;
        }
        if (!sysbus_mmio_map(SYS_BUS_DEVICE(dev), m->index, m->addr, m->priority, errp)) {
            board_error_prepend(errp, &m->origin, d->id);
            return false;
        }
    }
    Error *err = NULL;
    if (!memory_region_check_overlaps(memory_get_system_memory(), &err) ||
        !memory_region_check_overlaps(memory_get_system_io(), &err)) {
        error_propagate(errp, err);
        board_error_prepend(errp, &d->origin, d->id);
        return false;
    }
    return true;
}

static DeviceState *find_built(GArray *built, const char *id)
{
    for (guint i = 0; i < built->len; i++) {
        Built *b = &g_array_index(built, Built, i);
        if (!strcmp(b->entry->id, id)) {
            return b->dev;
        }
    }
    return NULL;
}

static bool wire_one(GArray *built, BoardDevice *d, DeviceState *dev, BoardWire *w,
                     Error **errp)
{
    char *out_name = NULL, *in_name = NULL;
    int out_n, in_n;
    bool ok = false;
    if (!device_parse_gpio_ref(w->output, &out_name, &out_n, errp)) {
        goto fail;
    }
    const char *dot = strchr(w->target, '.');
    if (!dot || dot == w->target) {
        error_setg(errp, "'%s' is not an input: expected DEVICE.INPUT or DEVICE.INPUT[N], "
                   "such as \"pic.in[4]\"", w->target);
        goto fail;
    }
    char *target_id = g_strndup(w->target, dot - w->target);
    DeviceState *target = find_built(built, target_id);
    if (!target) {
        error_setg(errp, "'%s': no device '%s' to wire to", w->target, target_id);
        g_free(target_id);
        goto fail;
    }
    g_free(target_id);
    if (!device_parse_gpio_ref(dot + 1, &in_name, &in_n, errp)) {
        goto fail;
    }
    IRQState *input = device_get_gpio_in_named(target, in_name, in_n);
    if (!input) {
        char *have = device_gpio_describe(target, false);
        error_setg(errp, "'%s': '%s' has no input %s[%d] (its inputs: %s)", w->target,
                   target->id, in_name ? in_name : "gpio-in", in_n, have);
        g_free(have);
        goto fail;
    }
    ok = device_connect_gpio_out_named(dev, out_name, out_n, input, errp);
fail:
    if (!ok) {
        board_error_prepend(errp, &w->origin, d->id);
    }
    g_free(out_name);
    g_free(in_name);
    return ok;
}

static bool apply_board_globals(Board *b, Error **errp)
{
    for (guint i = 0; i < b->globals->len; i++) {
        BoardProp *g = g_ptr_array_index(b->globals, i);
        const char *dot = strchr(g->name, '.');
        char *type = g_strndup(g->name, dot - g->name);
        json_object *v = g->value;
        const char *text = json_object_get_type(v) == json_type_string
                           ? json_object_get_string(v) : json_object_to_json_string(v);
        object_register_global(type, dot + 1, text);
        g_free(type);
    }
    Error *err = NULL;
    if (!object_check_globals(&err)) {
        error_propagate(errp, err);
        return false;
    }
    return true;
}

/* ---- several CPUs ---- */

/* How many CPUs to build: -smp within the board's "max". */
static bool cpu_counts(Board *b, const BoardBuildOptions *opts, int *count, int *max,
                       Error **errp)
{
    *count = opts->smp_cpus ? opts->smp_cpus : b->cpu_count;
    *max = opts->smp_max ? opts->smp_max : *count;
    if (*max > b->cpu_max) {
        error_setg(errp, "-smp: %d CPUs requested, but board '%s' takes at most %d", *max,
                   b->name, b->cpu_max);
        return false;
    }
    return true;
}

static bool is_per_cpu_id(Board *b, const char *id)
{
    if (b->cpu && !strcmp(id, b->cpu->id)) {
        return true;
    }
    BoardDevice *d = board_find_device(b, id);
    return d && d->per_cpu;
}

static void per_cpu_entry_free(gpointer p)
{
    BoardDevice *d = p;
    g_free(d->id);
    for (guint i = 0; i < d->props->len; i++) {
        BoardProp *bp = g_ptr_array_index(d->props, i);
        json_object_put(bp->value);
        g_free(bp);
    }
    for (guint i = 0; i < d->wires->len; i++) {
        BoardWire *w = g_ptr_array_index(d->wires, i);
        g_free(w->target);
        g_free(w);
    }
    g_ptr_array_free(d->props, TRUE);
    g_ptr_array_free(d->wires, TRUE);
    g_ptr_array_free(d->mmio, TRUE);
    g_free(d);
}

/*
 * The entry of CPU n's copy of a per-CPU device (or of the CPU): id
 * "<id><n>", its links and wires to the other per-CPU devices redirected to
 * CPU n's copies, and its wires to shared devices dropped (the 8259's INTR,
 * FERR#, A20 stay with the first CPU, the boot processor, as in an MP
 * system: MP specification 1.4, 3.6.2 and appendix B.3).  Its strings
 * point into the original, which outlives the build.
 */
static BoardDevice *per_cpu_entry(Board *b, BoardDevice *d, int n)
{
    BoardDevice *c = g_new0(BoardDevice, 1);
    c->id = g_strdup_printf("%s%d", d->id, n);
    c->type = d->type;
    c->type_origin = d->type_origin;
    c->bus = d->bus;
    c->bus_origin = d->bus_origin;
    c->origin = d->origin;
    c->per_cpu = true;
    c->props = g_ptr_array_new();
    c->wires = g_ptr_array_new();
    c->mmio = g_ptr_array_new();
    for (guint i = 0; i < d->props->len; i++) {
        BoardProp *bp = g_ptr_array_index(d->props, i);
        BoardProp *cp = g_new0(BoardProp, 1);
        *cp = *bp;
        const char *text = json_object_get_type(bp->value) == json_type_string
                           ? json_object_get_string(bp->value) : NULL;
        if (text && is_per_cpu_id(b, text)) {
            char *own = g_strdup_printf("%s%d", text, n);
            cp->value = json_object_new_string(own);
            g_free(own);
        } else {
            cp->value = json_object_get(bp->value);
        }
        g_ptr_array_add(c->props, cp);
    }
    for (guint i = 0; i < d->wires->len; i++) {
        BoardWire *w = g_ptr_array_index(d->wires, i);
        const char *dot = strchr(w->target, '.');
        char *target_id = dot ? g_strndup(w->target, dot - w->target) : NULL;
        if (target_id && is_per_cpu_id(b, target_id)) {
            BoardWire *cw = g_new0(BoardWire, 1);
            *cw = *w;
            cw->target = g_strdup_printf("%s%d%s", target_id, n, dot);
            g_ptr_array_add(c->wires, cw);
        }
        g_free(target_id);
    }
    return c;
}

/* A per-CPU device that has a "cpu-index" property learns which CPU it
 * serves (a local APIC takes it as its APIC ID). */
static bool set_cpu_index(DeviceState *dev, int n, Error **errp)
{
    if (!object_property_find(OBJECT(dev), "cpu-index")) {
        return true;
    }
    return object_property_set_int(OBJECT(dev), "cpu-index", n, errp);
}

/* Create the copies of entry d for CPUs 1..count-1 after it in built. */
static bool create_copies(Board *b, BoardDevice *d, const BoardBuildOptions *opts,
                          int count, GArray *built, GPtrArray *copies, Error **errp)
{
    for (int n = 1; n < count; n++) {
        BoardDevice *c = per_cpu_entry(b, d, n);
        g_ptr_array_add(copies, c);
        if (board_find_device(b, c->id)) {
            board_error(errp, &d->origin, d->id, "the copy of '%s' for CPU %d would be "
                        "'%s', which the board already uses", d->id, n, c->id);
            return false;
        }
        DeviceState *dev = d == b->cpu ? create_cpu(b, opts, c->id, errp)
                                       : create_device(c, errp);
        if (!dev || !set_cpu_index(dev, n, errp)) {
            return false;
        }
        Built e = { c, dev };
        g_array_append_val(built, e);
    }
    return true;
}

bool board_build(Board *b, const BoardBuildOptions *opts, Error **errp)
{
    board_set_name(b->name);
    if (!apply_board_globals(b, errp) || !build_ram(b, opts, errp)) {
        return false;
    }
    for (guint i = 0; i < b->firmware->len; i++) {
        if (!build_firmware(b, g_ptr_array_index(b->firmware, i), opts, errp)) {
            return false;
        }
    }

    int count = 1, max = 1;
    if (!b->cpu_model && !opts->cpu_model && (opts->smp_cpus > 1 || opts->smp_max > 1)) {
        error_setg(errp, "-smp: board '%s' has no CPU", b->name);
        return false;
    }
    if ((b->cpu_model || opts->cpu_model) && !cpu_counts(b, opts, &count, &max, errp)) {
        return false;
    }
    GArray *built = g_array_new(FALSE, TRUE, sizeof(Built));
    GPtrArray *copies = g_ptr_array_new_with_free_func(per_cpu_entry_free);
    bool ok = false;
    if (b->cpu_model || opts->cpu_model) {
        if (!b->cpu) {
            BoardOrigin o = { "command line", "-cpu" };
            b->cpu = g_new0(BoardDevice, 1);
            b->cpu->id = g_strdup("cpu");
            b->cpu->props = g_ptr_array_new();
            b->cpu->wires = g_ptr_array_new();
            b->cpu->mmio = g_ptr_array_new();
            b->cpu->origin = (BoardOrigin){ g_strdup(o.file), g_strdup(o.path) };
        }
        DeviceState *cpu = create_cpu(b, opts, b->cpu->id, errp);
        if (!cpu) {
            goto out;
        }
        Built e = { b->cpu, cpu };
        g_array_append_val(built, e);
        if (!create_copies(b, b->cpu, opts, count, built, copies, errp)) {
            goto out;
        }
        board_set_cpu_counts(count, max);
    }
    /* Pass 1: create everything so links and wiring can name any device. */
    for (guint i = 0; i < b->devices->len; i++) {
        BoardDevice *d = g_ptr_array_index(b->devices, i);
        DeviceState *dev = create_device(d, errp);
        if (!dev) {
            goto out;
        }
        Built e = { d, dev };
        g_array_append_val(built, e);
        if (d->per_cpu && (!set_cpu_index(dev, 0, errp) ||
                           !create_copies(b, d, opts, count, built, copies, errp))) {
            goto out;
        }
    }
    /* Pass 2: properties, realize, mapping, overlaps, in board order. */
    for (guint i = 0; i < built->len; i++) {
        Built *e = &g_array_index(built, Built, i);
        if (!set_props(e->dev, e->entry, errp)) {
            goto out;
        }
        BusState *bus = choose_bus(e->entry, e->dev, errp);
        if (!bus) {
            goto out;
        }
        if (!device_realize(e->dev, bus, errp)) {
            board_error_prepend(errp, &e->entry->origin, e->entry->id);
            /* A global from the command line may be the cause: name it. */
            char *globals = device_globals_origins(e->dev);
            if (globals) {
                error_prepend(errp, "%s: ", globals);
                g_free(globals);
            }
            goto out;
        }
        if (!map_and_check(e->entry, e->dev, errp)) {
            goto out;
        }
    }
    /* Pass 3: wiring. */
    for (guint i = 0; i < built->len; i++) {
        Built *e = &g_array_index(built, Built, i);
        for (guint j = 0; j < e->entry->wires->len; j++) {
            if (!wire_one(built, e->entry, e->dev, g_ptr_array_index(e->entry->wires, j),
                          errp)) {
                goto out;
            }
        }
    }
    if (built->len && b->cpu && g_array_index(built, Built, 0).entry == b->cpu) {
        the_cpu = CPU(g_array_index(built, Built, 0).dev);
    }
    ok = true;
out:
    g_array_unref(built);
    g_ptr_array_unref(copies);
    return ok;
}
