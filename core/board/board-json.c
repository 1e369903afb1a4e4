/*
 * Reading board files: JSON syntax, the structure of a board, `extend`
 * merging, and the command-line edits (-set, -device, -remove).
 *
 * Nothing is created here; the result is a Board that board-build.c turns
 * into a machine.  The reader is strict: an unknown key is an error (a
 * misspelt "prop" would otherwise be silently ignored), so is a value of the
 * wrong JSON type, and every message carries the file and JSON path.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <cardcage/object.h>
#include "board/board.h"
#include "util/keyval.h"

#define EXTEND_MAX_DEPTH 16

/* ---- errors ---- */

static char *origin_prefix(const BoardOrigin *o, const char *id)
{
    if (id) {
        return g_strdup_printf("%s: device '%s': %s: ", o->file, id, o->path);
    }
    return g_strdup_printf("%s: %s: ", o->file, o->path);
}

void board_error(Error **errp, const BoardOrigin *o, const char *id, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    char *prefix = origin_prefix(o, id);
    error_setg(errp, "%s%s", prefix, msg);
    g_free(prefix);
    g_free(msg);
}

void board_error_prepend(Error **errp, const BoardOrigin *o, const char *id)
{
    char *prefix = origin_prefix(o, id);
    error_prepend(errp, "%s", prefix);
    g_free(prefix);
}

static BoardOrigin origin_make(const char *file, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static BoardOrigin origin_make(const char *file, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    BoardOrigin o = { g_strdup(file), g_strdup_vprintf(fmt, ap) };
    va_end(ap);
    return o;
}

static BoardOrigin origin_copy(const BoardOrigin *o)
{
    BoardOrigin c = { g_strdup(o->file), g_strdup(o->path) };
    return c;
}

static void origin_clear(BoardOrigin *o)
{
    g_free(o->file);
    g_free(o->path);
    o->file = o->path = NULL;
}

static const char *json_kind(json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_null:    return "null";
    case json_type_boolean: return "boolean";
    case json_type_double:  return "number with a fraction";
    case json_type_int:     return "number";
    case json_type_object:  return "object";
    case json_type_array:   return "array";
    case json_type_string:  return "string";
    }
    return "value";
}

/* ---- free ---- */

static void prop_free(gpointer p)
{
    BoardProp *bp = p;
    g_free(bp->name);
    json_object_put(bp->value);
    origin_clear(&bp->origin);
    g_free(bp);
}

static void wire_free(gpointer p)
{
    BoardWire *w = p;
    g_free(w->output);
    g_free(w->target);
    origin_clear(&w->origin);
    g_free(w);
}

static void mapping_free(gpointer p)
{
    BoardMapping *m = p;
    origin_clear(&m->origin);
    g_free(m);
}

static BoardDevice *device_new_entry(const char *id, const BoardOrigin *origin)
{
    BoardDevice *d = g_new0(BoardDevice, 1);
    d->id = g_strdup(id);
    d->props = g_ptr_array_new_with_free_func(prop_free);
    d->wires = g_ptr_array_new_with_free_func(wire_free);
    d->mmio = g_ptr_array_new_with_free_func(mapping_free);
    d->origin = origin_copy(origin);
    return d;
}

static void device_entry_free(gpointer p)
{
    BoardDevice *d = p;
    if (!d) {
        return;
    }
    g_free(d->id);
    g_free(d->type);
    g_free(d->bus);
    origin_clear(&d->type_origin);
    origin_clear(&d->bus_origin);
    origin_clear(&d->origin);
    g_ptr_array_unref(d->props);
    g_ptr_array_unref(d->wires);
    g_ptr_array_unref(d->mmio);
    g_free(d);
}

static void firmware_free(gpointer p)
{
    BoardFirmware *f = p;
    g_free(f->id);
    g_free(f->file);
    g_array_unref(f->aliases);
    origin_clear(&f->origin);
    g_free(f);
}

static Board *board_new(void)
{
    Board *b = g_new0(Board, 1);
    b->firmware = g_ptr_array_new_with_free_func(firmware_free);
    b->devices = g_ptr_array_new_with_free_func(device_entry_free);
    b->globals = g_ptr_array_new_with_free_func(prop_free);
    b->serial_backends = g_ptr_array_new_with_free_func(g_free);
    b->cpu_count = 1;
    b->cpu_max = 1;
    b->ram_min = 1 << 20;
    b->ram_max = 3584ULL << 20;      /* below the PCI hole and the BIOS at 4 GiB */
    return b;
}

void board_free(Board *b)
{
    if (!b) {
        return;
    }
    g_free(b->file);
    g_free(b->dir);
    g_free(b->name);
    g_free(b->description);
    g_free(b->cpu_model);
    device_entry_free(b->cpu);
    origin_clear(&b->ram_origin);
    g_ptr_array_unref(b->firmware);
    g_ptr_array_unref(b->devices);
    g_ptr_array_unref(b->globals);
    g_ptr_array_unref(b->serial_backends);
    g_free(b->debugcon_backend);
    g_free(b->debugcon_device);
    g_free(b->rtc_type);
    g_free(b->hpet_device);
    g_free(b->vga_device);
    g_free(b->nic_model);
    g_free(b->nic_default);
    g_free(b);
}

/* ---- reading JSON ---- */

static json_object *parse_json_file(const char *file, Error **errp)
{
    char *text = NULL;
    gsize len = 0;
    GError *gerr = NULL;
    if (!g_file_get_contents(file, &text, &len, &gerr)) {
        error_setg(errp, "cannot read board file: %s", gerr->message);
        g_error_free(gerr);
        return NULL;
    }
    if (len > 16 << 20) {
        error_setg(errp, "%s: board file is too large (%zu bytes; the limit is 16 MiB)",
                   file, (size_t)len);
        g_free(text);
        return NULL;
    }
    json_tokener *tok = json_tokener_new();
    json_object *root = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t offset = json_tokener_get_parse_end(tok);
    if (!root && jerr == json_tokener_continue) {
        jerr = json_tokener_error_parse_eof;
        offset = len;
    }
    if (root) {
        /* Only white space may follow the value. */
        for (size_t i = offset; i < len; i++) {
            if (!g_ascii_isspace(text[i])) {
                jerr = json_tokener_error_parse_unexpected;
                offset = i;
                json_object_put(root);
                root = NULL;
                break;
            }
        }
    }
    bool trailing = false;
    if (!root && offset > 0 && offset <= len) {
        /* Did a complete value end before the bad text? */
        json_tokener *tok2 = json_tokener_new();
        json_object *prefix = json_tokener_parse_ex(tok2, text, (int)offset);
        trailing = prefix && json_tokener_get_error(tok2) == json_tokener_success;
        json_object_put(prefix);
        json_tokener_free(tok2);
    }
    if (!root) {
        int line = 1, col = 1;
        for (size_t i = 0; i < offset && i < len; i++) {
            if (text[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        error_setg(errp, "%s:%d:%d: malformed JSON: %s", file, line, col,
                   jerr == json_tokener_success || trailing
                   ? "unexpected text after the board object" : json_tokener_error_desc(jerr));
    }
    json_tokener_free(tok);
    g_free(text);
    return root;
}

/* Check that obj has only the allowed keys. */
static bool check_keys(json_object *obj, const char *const *allowed, const char *file,
                       const char *path, const char *id, Error **errp)
{
    json_object_object_foreach(obj, key, val) {
        (void)val;
        bool ok = false;
        for (const char *const *a = allowed; *a; a++) {
            if (!strcmp(*a, key)) {
                ok = true;
                break;
            }
        }
        if (!ok) {
            char *list = g_strjoinv(", ", (char **)allowed);
            BoardOrigin o = origin_make(file, "%s%s%s", path, *path ? "." : "", key);
            board_error(errp, &o, id, "unknown key '%s' (expected one of: %s)", key, list);
            origin_clear(&o);
            g_free(list);
            return false;
        }
    }
    return true;
}

static bool want_type(json_object *v, json_type type, const char *what, const char *file,
                      const char *path, const char *id, Error **errp)
{
    if (json_object_get_type(v) == type) {
        return true;
    }
    BoardOrigin o = origin_make(file, "%s", path);
    board_error(errp, &o, id, "expected %s, got a %s", what, json_kind(v));
    origin_clear(&o);
    return false;
}

/* A size or address: a JSON number, or a string parsed as a size ("128M",
 * "0xfec00000", "4G"). */
static bool get_u64(json_object *v, uint64_t *out, const char *what, const char *file,
                    const char *path, const char *id, Error **errp)
{
    if (json_object_get_type(v) == json_type_int) {
        int64_t i = json_object_get_int64(v);
        if (i >= 0) {
            *out = (uint64_t)i;
            return true;
        }
    } else if (json_object_get_type(v) == json_type_string &&
               cc_parse_size(json_object_get_string(v), out)) {
        return true;
    }
    BoardOrigin o = origin_make(file, "%s", path);
    board_error(errp, &o, id, "expected %s (a number, or a string such as \"0xf0000\" or "
                "\"128M\"), got %s", what, json_object_to_json_string(v));
    origin_clear(&o);
    return false;
}

static bool valid_id(const char *id)
{
    if (!*id || strlen(id) > 64) {
        return false;
    }
    for (const char *p = id; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_') {
            return false;
        }
    }
    return true;
}

/* ---- pieces of a board ---- */

static bool read_props(BoardDevice *d, json_object *props, const char *file, const char *path,
                       Error **errp)
{
    if (!want_type(props, json_type_object, "an object of property values", file, path,
                   d->id, errp)) {
        return false;
    }
    json_object_object_foreach(props, key, val) {
        json_type t = json_object_get_type(val);
        BoardOrigin o = origin_make(file, "%s.%s", path, key);
        if (t == json_type_object || t == json_type_array) {
            board_error(errp, &o, d->id, "expected a string, number or boolean, got an %s",
                        json_kind(val));
            origin_clear(&o);
            return false;
        }
        /* A later value for the same property replaces the earlier one. */
        for (guint i = 0; i < d->props->len; i++) {
            BoardProp *old = g_ptr_array_index(d->props, i);
            if (!strcmp(old->name, key)) {
                g_ptr_array_remove_index(d->props, i);
                break;
            }
        }
        BoardProp *bp = g_new0(BoardProp, 1);
        bp->name = g_strdup(key);
        bp->value = json_object_get(val);
        bp->origin = o;
        g_ptr_array_add(d->props, bp);
    }
    return true;
}

static void add_wire(BoardDevice *d, const char *output, const char *target,
                     const BoardOrigin *o)
{
    BoardWire *w = g_new0(BoardWire, 1);
    w->output = g_strdup(output);
    w->target = g_strdup(target);
    w->origin = origin_copy(o);
    g_ptr_array_add(d->wires, w);
}

static void drop_wires_of(BoardDevice *d, const char *output)
{
    for (guint i = d->wires->len; i-- > 0;) {
        BoardWire *w = g_ptr_array_index(d->wires, i);
        if (!strcmp(w->output, output)) {
            g_ptr_array_remove_index(d->wires, i);
        }
    }
}

static bool read_irq(BoardDevice *d, json_object *irq, const char *file, const char *path,
                     Error **errp)
{
    if (!want_type(irq, json_type_object, "an object mapping outputs to inputs", file, path,
                   d->id, errp)) {
        return false;
    }
    json_object_object_foreach(irq, out, val) {
        char *opath = g_strdup_printf("%s.%s", path, out);
        /* Redefining an output in an extending board replaces its wiring. */
        drop_wires_of(d, out);
        bool ok = true;
        if (json_object_get_type(val) == json_type_string) {
            BoardOrigin o = { (char *)file, opath };
            add_wire(d, out, json_object_get_string(val), &o);
        } else if (json_object_get_type(val) == json_type_array) {
            for (size_t i = 0; ok && i < json_object_array_length(val); i++) {
                json_object *t = json_object_array_get_idx(val, i);
                char *tpath = g_strdup_printf("%s[%zu]", opath, i);
                ok = want_type(t, json_type_string, "an input such as \"pic.in[4]\"", file,
                               tpath, d->id, errp);
                if (ok) {
                    BoardOrigin o = { (char *)file, tpath };
                    add_wire(d, out, json_object_get_string(t), &o);
                }
                g_free(tpath);
            }
        } else if (json_object_get_type(val) == json_type_null) {
            /* null: leave the output unconnected (undoes a parent's wiring). */
        } else {
            BoardOrigin o = { (char *)file, opath };
            board_error(errp, &o, d->id, "expected an input such as \"pic.in[4]\" or a list "
                        "of them, got a %s", json_kind(val));
            ok = false;
        }
        g_free(opath);
        if (!ok) {
            return false;
        }
    }
    return true;
}

static bool read_mmio(BoardDevice *d, json_object *mmio, const char *file, const char *path,
                      Error **errp)
{
    if (!want_type(mmio, json_type_array, "a list of addresses", file, path, d->id, errp)) {
        return false;
    }
    g_ptr_array_set_size(d->mmio, 0);
    for (size_t i = 0; i < json_object_array_length(mmio); i++) {
        json_object *e = json_object_array_get_idx(mmio, i);
        char *epath = g_strdup_printf("%s[%zu]", path, i);
        BoardMapping *m = g_new0(BoardMapping, 1);
        m->index = (int)i;
        m->origin = origin_make(file, "%s", epath);
        g_ptr_array_add(d->mmio, m);
        bool ok;
        if (json_object_get_type(e) == json_type_object) {
            static const char *const keys[] = { "addr", "index", "priority", NULL };
            json_object *v;
            ok = check_keys(e, keys, file, epath, d->id, errp);
            if (ok && !json_object_object_get_ex(e, "addr", &v)) {
                board_error(errp, &m->origin, d->id, "missing \"addr\"");
                ok = false;
            }
            char *apath = g_strdup_printf("%s.addr", epath);
            ok = ok && get_u64(v, &m->addr, "an address", file, apath, d->id, errp);
            g_free(apath);
            if (ok && json_object_object_get_ex(e, "index", &v)) {
                char *ipath = g_strdup_printf("%s.index", epath);
                ok = want_type(v, json_type_int, "a region index", file, ipath, d->id, errp);
                if (ok && (json_object_get_int64(v) < 0 || json_object_get_int64(v) > 31)) {
                    BoardOrigin o = origin_make(file, "%s", ipath);
                    board_error(errp, &o, d->id, "region index %" PRId64 " is out of range "
                                "0..31", json_object_get_int64(v));
                    origin_clear(&o);
                    ok = false;
                }
                m->index = (int)json_object_get_int64(v);
                g_free(ipath);
            }
            if (ok && json_object_object_get_ex(e, "priority", &v)) {
                char *ppath = g_strdup_printf("%s.priority", epath);
                ok = want_type(v, json_type_int, "an integer priority", file, ppath, d->id,
                               errp);
                m->priority = (int)json_object_get_int64(v);
                g_free(ppath);
            }
        } else {
            ok = get_u64(e, &m->addr, "an address", file, epath, d->id, errp);
        }
        g_free(epath);
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* The CPU section's "count" (CPUs the board has unless -smp says otherwise)
 * and "max" (the most it can take: -smp's maxcpus may not exceed it). */
static bool read_cpu_counts(Board *b, json_object *e, const char *file, const char *path,
                            Error **errp)
{
    static const char *const names[] = { "count", "max" };
    int64_t val[2] = { b->cpu_count, b->cpu_max };
    for (int i = 0; i < 2; i++) {
        json_object *v;
        if (!json_object_object_get_ex(e, names[i], &v)) {
            continue;
        }
        char *cpath = g_strdup_printf("%s.%s", path, names[i]);
        bool ok = want_type(v, json_type_int, "a CPU count", file, cpath, "cpu", errp);
        if (ok && (json_object_get_int64(v) < 1 || json_object_get_int64(v) > BOARD_CPUS_MAX)) {
            BoardOrigin o = origin_make(file, "%s", cpath);
            board_error(errp, &o, "cpu", "%" PRId64 " CPUs: expected 1 to %d",
                        json_object_get_int64(v), BOARD_CPUS_MAX);
            origin_clear(&o);
            ok = false;
        }
        g_free(cpath);
        if (!ok) {
            return false;
        }
        val[i] = json_object_get_int64(v);
    }
    if (val[0] > val[1]) {
        BoardOrigin o = origin_make(file, "%s.count", path);
        board_error(errp, &o, "cpu", "%" PRId64 " CPUs, but at most %" PRId64 " (\"max\")",
                    val[0], val[1]);
        origin_clear(&o);
        return false;
    }
    b->cpu_count = (int)val[0];
    b->cpu_max = (int)val[1];
    return true;
}

static bool read_device(Board *b, json_object *e, const char *file, const char *path,
                        bool is_cpu, GHashTable *ids_here, Error **errp)
{
    static const char *const keys[] = { "type", "id", "bus", "props", "irq", "mmio",
                                        "per-cpu", "comment", NULL };
    static const char *const cpu_keys[] = { "model", "count", "max", "props", "irq",
                                            "comment", NULL };
    if (!want_type(e, json_type_object, is_cpu ? "an object such as {\"model\": "
                   "\"pentium2\"}" : "an object describing a device", file, path, NULL,
                   errp)) {
        return false;
    }
    const char *id = NULL;
    json_object *v;
    if (is_cpu) {
        id = "cpu";
    } else if (json_object_object_get_ex(e, "id", &v)) {
        char *ipath = g_strdup_printf("%s.id", path);
        bool ok = want_type(v, json_type_string, "a string id", file, ipath, NULL, errp);
        if (ok && !valid_id(json_object_get_string(v))) {
            BoardOrigin o = origin_make(file, "%s", ipath);
            board_error(errp, &o, NULL, "'%s' is not a valid device id (letters, digits, "
                        "'-' and '_', at most 64)", json_object_get_string(v));
            origin_clear(&o);
            ok = false;
        }
        g_free(ipath);
        if (!ok) {
            return false;
        }
        id = json_object_get_string(v);
    } else {
        BoardOrigin o = origin_make(file, "%s", path);
        board_error(errp, &o, NULL, "the device has no \"id\" (every board device needs "
                    "one, so that others can wire to it and boards can extend it)");
        origin_clear(&o);
        return false;
    }
    if (!check_keys(e, is_cpu ? cpu_keys : keys, file, path, id, errp)) {
        return false;
    }
    if (!is_cpu) {
        const char *first = g_hash_table_lookup(ids_here, id);
        if (first) {
            BoardOrigin o = origin_make(file, "%s.id", path);
            board_error(errp, &o, id, "duplicate device id '%s' (first used at %s)", id,
                        first);
            origin_clear(&o);
            return false;
        }
        g_hash_table_insert(ids_here, g_strdup(id), g_strdup(path));
    }

    BoardOrigin eo = origin_make(file, "%s", path);
    BoardDevice *d = is_cpu ? b->cpu : board_find_device(b, id);
    bool is_new = !d;
    if (is_new) {
        d = device_new_entry(id, &eo);
    } else {
        origin_clear(&d->origin);
        d->origin = origin_copy(&eo);
    }
    bool ok = true;
    if (is_cpu && json_object_object_get_ex(e, "model", &v)) {
        char *mpath = g_strdup_printf("%s.model", path);
        ok = want_type(v, json_type_string, "a CPU model name", file, mpath, id, errp);
        if (ok) {
            g_free(b->cpu_model);
            b->cpu_model = g_strdup(json_object_get_string(v));
            origin_clear(&d->type_origin);
            d->type_origin = origin_make(file, "%s", mpath);
        }
        g_free(mpath);
    }
    if (ok && is_cpu) {
        ok = read_cpu_counts(b, e, file, path, errp);
    }
    if (ok && !is_cpu && json_object_object_get_ex(e, "per-cpu", &v)) {
        char *cpath = g_strdup_printf("%s.per-cpu", path);
        ok = want_type(v, json_type_boolean, "true or false", file, cpath, id, errp);
        if (ok) {
            d->per_cpu = json_object_get_boolean(v);
        }
        g_free(cpath);
    }
    if (ok && !is_cpu && json_object_object_get_ex(e, "type", &v)) {
        char *tpath = g_strdup_printf("%s.type", path);
        ok = want_type(v, json_type_string, "a device type name", file, tpath, id, errp);
        if (ok) {
            g_free(d->type);
            d->type = g_strdup(json_object_get_string(v));
            origin_clear(&d->type_origin);
            d->type_origin = origin_make(file, "%s", tpath);
        }
        g_free(tpath);
    } else if (ok && !is_cpu && is_new) {
        board_error(errp, &eo, id, "the device has no \"type\"");
        ok = false;
    }
    if (ok && json_object_object_get_ex(e, "bus", &v)) {
        char *bpath = g_strdup_printf("%s.bus", path);
        ok = want_type(v, json_type_string, "a bus name such as \"isa\"", file, bpath, id,
                       errp);
        if (ok) {
            g_free(d->bus);
            d->bus = g_strdup(json_object_get_string(v));
            origin_clear(&d->bus_origin);
            d->bus_origin = origin_make(file, "%s", bpath);
        }
        g_free(bpath);
    }
    if (ok && json_object_object_get_ex(e, "props", &v)) {
        char *ppath = g_strdup_printf("%s.props", path);
        ok = read_props(d, v, file, ppath, errp);
        g_free(ppath);
    }
    if (ok && json_object_object_get_ex(e, "irq", &v)) {
        char *ipath = g_strdup_printf("%s.irq", path);
        ok = read_irq(d, v, file, ipath, errp);
        g_free(ipath);
    }
    if (ok && json_object_object_get_ex(e, "mmio", &v)) {
        char *mpath = g_strdup_printf("%s.mmio", path);
        ok = read_mmio(d, v, file, mpath, errp);
        g_free(mpath);
    }
    origin_clear(&eo);
    if (!ok) {
        if (is_new) {
            device_entry_free(d);
        }
        return false;
    }
    if (is_new) {
        if (is_cpu) {
            b->cpu = d;
        } else {
            g_ptr_array_add(b->devices, d);
        }
    }
    return true;
}

static bool read_ram(Board *b, json_object *v, const char *file, Error **errp)
{
    origin_clear(&b->ram_origin);
    b->ram_origin = origin_make(file, "ram");
    if (json_object_get_type(v) != json_type_object) {
        return get_u64(v, &b->ram_size, "a RAM size", file, "ram", NULL, errp);
    }
    static const char *const keys[] = { "size", "min", "max", "comment", NULL };
    if (!check_keys(v, keys, file, "ram", NULL, errp)) {
        return false;
    }
    json_object *f;
    if (json_object_object_get_ex(v, "size", &f) &&
        !get_u64(f, &b->ram_size, "a RAM size", file, "ram.size", NULL, errp)) {
        return false;
    }
    if (json_object_object_get_ex(v, "min", &f) &&
        !get_u64(f, &b->ram_min, "a RAM size", file, "ram.min", NULL, errp)) {
        return false;
    }
    if (json_object_object_get_ex(v, "max", &f) &&
        !get_u64(f, &b->ram_max, "a RAM size", file, "ram.max", NULL, errp)) {
        return false;
    }
    return true;
}

static bool read_firmware_entry(Board *b, json_object *e, const char *file, const char *path,
                                Error **errp)
{
    static const char *const keys[] = { "id", "file", "at", "max-size", "aliases", "optional",
                                        "writable", "comment", NULL };
    if (!want_type(e, json_type_object, "an object describing a firmware image", file, path,
                   NULL, errp) ||
        !check_keys(e, keys, file, path, NULL, errp)) {
        return false;
    }
    json_object *v;
    BoardFirmware *f = g_new0(BoardFirmware, 1);
    f->aliases = g_array_new(FALSE, TRUE, sizeof(BoardAlias));
    f->origin = origin_make(file, "%s", path);
    bool ok = true;
    char *sub = NULL;
#define SUBPATH(k) (g_free(sub), sub = g_strdup_printf("%s.%s", path, (k)))
    if (json_object_object_get_ex(e, "id", &v)) {
        ok = want_type(v, json_type_string, "a string id", file, SUBPATH("id"), NULL, errp);
        f->id = g_strdup(json_object_get_string(v));
    }
    if (ok && json_object_object_get_ex(e, "file", &v)) {
        ok = want_type(v, json_type_string, "a file name", file, SUBPATH("file"), NULL, errp);
        f->file = g_strdup(json_object_get_string(v));
    } else if (ok) {
        board_error(errp, &f->origin, NULL, "missing \"file\"");
        ok = false;
    }
    if (ok && json_object_object_get_ex(e, "at", &v)) {
        if (json_object_get_type(v) == json_type_string &&
            !strcmp(json_object_get_string(v), "top")) {
            f->at_top = true;
        } else {
            ok = get_u64(v, &f->addr, "an address or \"top\"", file, SUBPATH("at"), NULL,
                         errp);
        }
    } else if (ok) {
        board_error(errp, &f->origin, NULL, "missing \"at\" (an address, or \"top\" for an "
                    "image that ends at 4 GiB)");
        ok = false;
    }
    if (ok && json_object_object_get_ex(e, "max-size", &v)) {
        ok = get_u64(v, &f->max_size, "a size", file, SUBPATH("max-size"), NULL, errp);
    }
    if (ok && json_object_object_get_ex(e, "optional", &v)) {
        ok = want_type(v, json_type_boolean, "true or false", file, SUBPATH("optional"), NULL,
                       errp);
        f->optional = json_object_get_boolean(v);
    }
    if (ok && json_object_object_get_ex(e, "writable", &v)) {
        ok = want_type(v, json_type_boolean, "true or false", file, SUBPATH("writable"), NULL,
                       errp);
        f->writable = json_object_get_boolean(v);
    }
    if (ok && json_object_object_get_ex(e, "aliases", &v)) {
        ok = want_type(v, json_type_array, "a list of aliases", file, SUBPATH("aliases"),
                       NULL, errp);
        for (size_t i = 0; ok && i < json_object_array_length(v); i++) {
            json_object *a = json_object_array_get_idx(v, i);
            char *apath = g_strdup_printf("%s.aliases[%zu]", path, i);
            static const char *const akeys[] = { "end", "size", NULL };
            BoardAlias al = { 0 };
            json_object *x;
            ok = want_type(a, json_type_object, "an object {\"end\": ..., \"size\": ...}",
                           file, apath, NULL, errp) &&
                 check_keys(a, akeys, file, apath, NULL, errp);
            if (ok && (!json_object_object_get_ex(a, "end", &x) ||
                       !json_object_object_get_ex(a, "size", &x))) {
                BoardOrigin o = origin_make(file, "%s", apath);
                board_error(errp, &o, NULL, "an alias needs both \"end\" and \"size\"");
                origin_clear(&o);
                ok = false;
            }
            if (ok) {
                json_object_object_get_ex(a, "end", &x);
                char *p2 = g_strdup_printf("%s.end", apath);
                ok = get_u64(x, &al.end, "an address", file, p2, NULL, errp);
                g_free(p2);
            }
            if (ok) {
                json_object_object_get_ex(a, "size", &x);
                char *p2 = g_strdup_printf("%s.size", apath);
                ok = get_u64(x, &al.size, "a size", file, p2, NULL, errp);
                g_free(p2);
            }
            if (ok && (al.size == 0 || al.size > al.end)) {
                BoardOrigin o = origin_make(file, "%s", apath);
                board_error(errp, &o, NULL, "an alias of size 0x%" PRIx64 " cannot end at "
                            "0x%" PRIx64, al.size, al.end);
                origin_clear(&o);
                ok = false;
            }
            g_array_append_val(f->aliases, al);
            g_free(apath);
        }
    }
#undef SUBPATH
    g_free(sub);
    if (!ok) {
        firmware_free(f);
        return false;
    }
    /* An entry with the id of an inherited one replaces it. */
    for (guint i = 0; f->id && i < b->firmware->len; i++) {
        BoardFirmware *old = g_ptr_array_index(b->firmware, i);
        if (!g_strcmp0(old->id, f->id)) {
            b->firmware->pdata[i] = f;
            firmware_free(old);
            return true;
        }
    }
    g_ptr_array_add(b->firmware, f);
    return true;
}

static bool read_globals(Board *b, json_object *v, const char *file, Error **errp)
{
    if (!want_type(v, json_type_object, "an object of \"type.property\": value",
                   file, "globals", NULL, errp)) {
        return false;
    }
    json_object_object_foreach(v, key, val) {
        BoardOrigin o = origin_make(file, "globals.%s", key);
        const char *dot = strchr(key, '.');
        if (!dot || dot == key || !dot[1]) {
            board_error(errp, &o, NULL, "expected a key of the form \"TYPE.PROPERTY\"");
            origin_clear(&o);
            return false;
        }
        json_type t = json_object_get_type(val);
        if (t == json_type_object || t == json_type_array || t == json_type_null) {
            board_error(errp, &o, NULL, "expected a string, number or boolean");
            origin_clear(&o);
            return false;
        }
        BoardProp *bp = g_new0(BoardProp, 1);
        bp->name = g_strdup(key);
        bp->value = json_object_get(val);
        bp->origin = o;
        g_ptr_array_add(b->globals, bp);
    }
    return true;
}

/* A string value into *field (replacing what an extended board said). */
static bool read_string(json_object *v, const char *what, const char *file, const char *path,
                        char **field, Error **errp)
{
    if (!want_type(v, json_type_string, what, file, path, NULL, errp)) {
        return false;
    }
    g_free(*field);
    *field = g_strdup(json_object_get_string(v));
    return true;
}

/* "-nic": {"model": TYPE, "default": NETDEV-SPEC}: the card -nic and -net
 * nic add without model=, and the netdev of the card the board has unless
 * the command line names its own network (QEMU's default NIC). */
static bool read_nic_option(Board *b, json_object *e, const char *file, Error **errp)
{
    static const char *const nkeys[] = { "model", "default", "comment", NULL };
    json_object *v;
    if (!want_type(e, json_type_object, "an object", file, "options.-nic", NULL, errp) ||
        !check_keys(e, nkeys, file, "options.-nic", NULL, errp)) {
        return false;
    }
    if (!json_object_object_get_ex(e, "model", &v)) {
        BoardOrigin o = { (char *)file, "options.-nic" };
        board_error(errp, &o, NULL, "expected \"model\": the card type -nic adds");
        return false;
    }
    if (!read_string(v, "a network card type", file, "options.-nic.model", &b->nic_model,
                     errp)) {
        return false;
    }
    g_free(b->nic_default);
    b->nic_default = NULL;
    return !json_object_object_get_ex(e, "default", &v) ||
           read_string(v, "a netdev spec (as -nic TYPE,...)", file, "options.-nic.default",
                       &b->nic_default, errp);
}

/* "options": {"-serial": [IDS], "-debugcon": {"chardev": ID, "device": SPEC},
 * "-rtc": TYPE, "-no-hpet": ID, "-vga": ID, "-nic": {...}}; each key replaces what an
 * extended board said. */
static bool read_options(Board *b, json_object *v, const char *file, Error **errp)
{
    static const char *const keys[] = { "-serial", "-debugcon", "-rtc", "-no-hpet", "-vga",
                                        "-nic", "comment", NULL };
    static const char *const dkeys[] = { "chardev", "device", "comment", NULL };
    json_object *e;
    if (!want_type(v, json_type_object, "an object", file, "options", NULL, errp) ||
        !check_keys(v, keys, file, "options", NULL, errp)) {
        return false;
    }
    if (json_object_object_get_ex(v, "-serial", &e)) {
        if (!want_type(e, json_type_array, "a list of chardev ids", file, "options.-serial",
                       NULL, errp)) {
            return false;
        }
        g_ptr_array_set_size(b->serial_backends, 0);
        for (size_t i = 0; i < json_object_array_length(e); i++) {
            json_object *id = json_object_array_get_idx(e, i);
            char *p = g_strdup_printf("options.-serial[%zu]", i);
            bool ok = want_type(id, json_type_string, "a chardev id", file, p, NULL, errp);
            g_free(p);
            if (!ok) {
                return false;
            }
            g_ptr_array_add(b->serial_backends, g_strdup(json_object_get_string(id)));
        }
    }
    if (json_object_object_get_ex(v, "-debugcon", &e)) {
        json_object *chr, *dev = NULL;
        if (!want_type(e, json_type_object, "an object", file, "options.-debugcon", NULL,
                       errp) ||
            !check_keys(e, dkeys, file, "options.-debugcon", NULL, errp)) {
            return false;
        }
        if (!json_object_object_get_ex(e, "chardev", &chr)) {
            BoardOrigin o = { (char *)file, "options.-debugcon" };
            board_error(errp, &o, NULL, "expected \"chardev\": the chardev id -debugcon fills");
            return false;
        }
        if (!want_type(chr, json_type_string, "a chardev id", file,
                       "options.-debugcon.chardev", NULL, errp) ||
            (json_object_object_get_ex(e, "device", &dev) &&
             !want_type(dev, json_type_string, "a -device spec", file,
                        "options.-debugcon.device", NULL, errp))) {
            return false;
        }
        g_free(b->debugcon_backend);
        g_free(b->debugcon_device);
        b->debugcon_backend = g_strdup(json_object_get_string(chr));
        b->debugcon_device = dev ? g_strdup(json_object_get_string(dev)) : NULL;
    }
    if (json_object_object_get_ex(v, "-no-hpet", &e) &&
        !read_string(e, "the device id -no-hpet removes", file, "options.-no-hpet",
                     &b->hpet_device, errp)) {
        return false;
    }
    if (json_object_object_get_ex(v, "-vga", &e) &&
        !read_string(e, "the device id -vga none removes", file, "options.-vga",
                     &b->vga_device, errp)) {
        return false;
    }
    if (json_object_object_get_ex(v, "-nic", &e) && !read_nic_option(b, e, file, errp)) {
        return false;
    }
    return !json_object_object_get_ex(v, "-rtc", &e) ||
           read_string(e, "the device type -rtc sets", file, "options.-rtc", &b->rtc_type,
                       errp);
}

/* ---- board files and extend ---- */

static const char *const top_keys[] = {
    "name", "description", "extend", "cpu", "ram", "firmware", "devices", "remove",
    "globals", "options", "acpi", "comment", NULL,
};

static char *resolve_extend(const char *base_dir, const char *ref)
{
    if (g_path_is_absolute(ref)) {
        return g_strdup(ref);
    }
    if (strchr(ref, '/') || g_str_has_suffix(ref, ".json")) {
        char *p = g_build_filename(base_dir, ref, NULL);
        if (g_file_test(p, G_FILE_TEST_EXISTS)) {
            return p;
        }
        g_free(p);
        return NULL;
    }
    /* A bare name: a sibling NAME.json first, then the board directories. */
    char *sib = g_strdup_printf("%s/%s.json", base_dir, ref);
    if (g_file_test(sib, G_FILE_TEST_EXISTS)) {
        return sib;
    }
    g_free(sib);
    return board_find_file(ref);
}

static bool load_into(Board *b, const char *file, GPtrArray *chain, Error **errp);

static bool load_extend(Board *b, json_object *v, const char *file, GPtrArray *chain,
                        Error **errp)
{
    BoardOrigin o = origin_make(file, "extend");
    bool ok = false;
    if (!want_type(v, json_type_string, "the name or file of the board to extend", file,
                   "extend", NULL, errp)) {
        goto out;
    }
    char *dir = g_path_get_dirname(file);
    char *parent = resolve_extend(dir, json_object_get_string(v));
    g_free(dir);
    if (!parent) {
        board_error(errp, &o, NULL, "no board '%s' to extend", json_object_get_string(v));
        goto out;
    }
    char *real = realpath(parent, NULL);
    for (guint i = 0; real && i < chain->len; i++) {
        if (!strcmp(g_ptr_array_index(chain, i), real)) {
            GString *cycle = g_string_new(NULL);
            for (guint j = i; j < chain->len; j++) {
                g_string_append_printf(cycle, "%s -> ", (char *)g_ptr_array_index(chain, j));
            }
            g_string_append(cycle, real);
            board_error(errp, &o, NULL, "boards extend each other in a cycle: %s",
                        cycle->str);
            g_string_free(cycle, TRUE);
            free(real);
            g_free(parent);
            goto out;
        }
    }
    free(real);
    if (chain->len >= EXTEND_MAX_DEPTH) {
        board_error(errp, &o, NULL, "boards extend each other more than %d deep",
                    EXTEND_MAX_DEPTH);
        g_free(parent);
        goto out;
    }
    ok = load_into(b, parent, chain, errp);
    g_free(parent);
out:
    origin_clear(&o);
    return ok;
}

static bool load_into(Board *b, const char *file, GPtrArray *chain, Error **errp)
{
    json_object *root = parse_json_file(file, errp);
    if (!root) {
        return false;
    }
    bool ok = false;
    char *real = realpath(file, NULL);
    g_ptr_array_add(chain, real ? real : g_strdup(file));
    GHashTable *ids_here = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    json_object *v;

    if (json_object_get_type(root) != json_type_object) {
        error_setg(errp, "%s: a board file holds one JSON object, not a %s", file,
                   json_kind(root));
        goto out;
    }
    if (!check_keys(root, top_keys, file, "", NULL, errp)) {
        goto out;
    }
    if (json_object_object_get_ex(root, "extend", &v) && !load_extend(b, v, file, chain, errp)) {
        goto out;
    }
    if (json_object_object_get_ex(root, "name", &v) &&
        !read_string(v, "a board name", file, "name", &b->name, errp)) {
        goto out;
    }
    if (json_object_object_get_ex(root, "description", &v) &&
        !read_string(v, "a one-line description", file, "description", &b->description,
                     errp)) {
        goto out;
    }
    if (json_object_object_get_ex(root, "cpu", &v)) {
        if (json_object_get_type(v) == json_type_string) {
            /* "cpu": "pentium2" is short for {"model": "pentium2"}. */
            json_object *wrapped = json_object_new_object();
            json_object_object_add(wrapped, "model", json_object_get(v));
            bool cpu_ok = read_device(b, wrapped, file, "cpu", true, ids_here, errp);
            json_object_put(wrapped);
            if (!cpu_ok) {
                goto out;
            }
        } else if (!read_device(b, v, file, "cpu", true, ids_here, errp)) {
            goto out;
        }
    }
    if (json_object_object_get_ex(root, "ram", &v) && !read_ram(b, v, file, errp)) {
        goto out;
    }
    if (json_object_object_get_ex(root, "firmware", &v)) {
        if (!want_type(v, json_type_array, "a list of firmware images", file, "firmware",
                       NULL, errp)) {
            goto out;
        }
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            char *p = g_strdup_printf("firmware[%zu]", i);
            bool fok = read_firmware_entry(b, json_object_array_get_idx(v, i), file, p, errp);
            g_free(p);
            if (!fok) {
                goto out;
            }
        }
    }
    if (json_object_object_get_ex(root, "remove", &v)) {
        if (!want_type(v, json_type_array, "a list of device ids", file, "remove", NULL,
                       errp)) {
            goto out;
        }
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            json_object *e = json_object_array_get_idx(v, i);
            char *p = g_strdup_printf("remove[%zu]", i);
            bool rok = want_type(e, json_type_string, "a device id", file, p, NULL, errp) &&
                       board_remove_device(b, json_object_get_string(e), file, p, errp);
            g_free(p);
            if (!rok) {
                goto out;
            }
        }
    }
    if (json_object_object_get_ex(root, "devices", &v)) {
        if (!want_type(v, json_type_array, "a list of devices", file, "devices", NULL, errp)) {
            goto out;
        }
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            char *p = g_strdup_printf("devices[%zu]", i);
            bool dok = read_device(b, json_object_array_get_idx(v, i), file, p, false,
                                   ids_here, errp);
            g_free(p);
            if (!dok) {
                goto out;
            }
        }
    }
    if (json_object_object_get_ex(root, "globals", &v) && !read_globals(b, v, file, errp)) {
        goto out;
    }
    if (json_object_object_get_ex(root, "options", &v) && !read_options(b, v, file, errp)) {
        goto out;
    }
    /* "acpi": true builds ACPI tables for the firmware (core/acpi); an
     * extending board inherits the switch unless it gives its own. */
    if (json_object_object_get_ex(root, "acpi", &v)) {
        if (!want_type(v, json_type_boolean, "true or false", file, "acpi", NULL, errp)) {
            goto out;
        }
        b->acpi = json_object_get_boolean(v);
    }
    ok = true;
out:
    g_hash_table_unref(ids_here);
    g_free(g_ptr_array_steal_index(chain, chain->len - 1));
    json_object_put(root);
    return ok;
}

Board *board_load(const char *name_or_path, Error **errp)
{
    char *file;
    if (strchr(name_or_path, '/') || g_str_has_suffix(name_or_path, ".json")) {
        file = g_strdup(name_or_path);
    } else {
        file = board_find_file(name_or_path);
        if (!file) {
            error_setg(errp, "no board named '%s' (-M help lists the boards)", name_or_path);
            return NULL;
        }
    }
    Board *b = board_new();
    b->file = file;
    b->dir = g_path_get_dirname(file);
    GPtrArray *chain = g_ptr_array_new_with_free_func(g_free);
    bool ok = load_into(b, file, chain, errp);
    g_ptr_array_unref(chain);
    if (!ok) {
        board_free(b);
        return NULL;
    }
    if (!b->name) {
        char *base = g_path_get_basename(file);
        if (g_str_has_suffix(base, ".json")) {
            base[strlen(base) - 5] = '\0';
        }
        b->name = base;
    }
    return b;
}

/* ---- edits from the command line ---- */

BoardDevice *board_find_device(Board *b, const char *id)
{
    if (b->cpu && !strcmp(id, b->cpu->id)) {
        return b->cpu;
    }
    for (guint i = 0; i < b->devices->len; i++) {
        BoardDevice *d = g_ptr_array_index(b->devices, i);
        if (!strcmp(d->id, id)) {
            return d;
        }
    }
    return NULL;
}

bool board_remove_device(Board *b, const char *id, const char *origin_file,
                         const char *origin_path, Error **errp)
{
    for (guint i = 0; i < b->devices->len; i++) {
        BoardDevice *d = g_ptr_array_index(b->devices, i);
        if (!strcmp(d->id, id)) {
            g_ptr_array_remove_index(b->devices, i);
            return true;
        }
    }
    BoardOrigin o = { (char *)origin_file, (char *)origin_path };
    board_error(errp, &o, NULL, "no device '%s' to remove", id);
    return false;
}

static void set_prop_text(BoardDevice *d, const char *name, const char *value,
                          const BoardOrigin *o)
{
    for (guint i = 0; i < d->props->len; i++) {
        BoardProp *old = g_ptr_array_index(d->props, i);
        if (!strcmp(old->name, name)) {
            g_ptr_array_remove_index(d->props, i);
            break;
        }
    }
    BoardProp *bp = g_new0(BoardProp, 1);
    bp->name = g_strdup(name);
    bp->value = json_object_new_string(value);
    bp->origin = origin_copy(o);
    g_ptr_array_add(d->props, bp);
}

/* Apply one KEY=VALUE of -set or -device to d. */
static bool apply_key(Board *b, BoardDevice *d, const char *key, const char *value,
                      const BoardOrigin *o, Error **errp)
{
    if (!strcmp(key, "type")) {
        if (d == b->cpu) {
            g_free(b->cpu_model);
            b->cpu_model = g_strdup(value);
        } else {
            g_free(d->type);
            d->type = g_strdup(value);
        }
        origin_clear(&d->type_origin);
        d->type_origin = origin_copy(o);
        return true;
    }
    if (!strcmp(key, "bus")) {
        g_free(d->bus);
        d->bus = g_strdup(value);
        origin_clear(&d->bus_origin);
        d->bus_origin = origin_copy(o);
        return true;
    }
    if (g_str_has_prefix(key, "irq.") && key[4]) {
        drop_wires_of(d, key + 4);
        if (*value) {
            add_wire(d, key + 4, value, o);
        }
        return true;
    }
    if (g_str_has_prefix(key, "mmio.") && key[5]) {
        uint64_t idx, addr;
        if (!cc_parse_uint64(key + 5, &idx) || idx > 31 || !cc_parse_size(value, &addr)) {
            board_error(errp, o, d->id, "expected mmio.N=ADDRESS with N from 0 to 31");
            return false;
        }
        BoardMapping *m = g_new0(BoardMapping, 1);
        m->index = (int)idx;
        m->addr = addr;
        m->origin = origin_copy(o);
        g_ptr_array_add(d->mmio, m);
        return true;
    }
    set_prop_text(d, key, value, o);
    return true;
}

/* One ID.PROP=VALUE of -set. */
static bool apply_set_pair(Board *b, const char *key, const char *value, const BoardOrigin *o,
                           Error **errp)
{
    const char *dot = strchr(key, '.');
    if (!dot || dot == key || !dot[1]) {
        board_error(errp, o, NULL, "expected -set ID.PROPERTY=VALUE (or ID.type=TYPE)");
        return false;
    }
    char *id = g_strndup(key, dot - key);
    BoardDevice *d = board_find_device(b, id);
    bool ok = false;
    if (!d) {
        board_error(errp, o, NULL, "the board has no device '%s'", id);
    } else {
        ok = apply_key(b, d, dot + 1, value, o, errp);
    }
    g_free(id);
    return ok;
}

/* The message of a keyval error followed by what was expected. */
static void board_syntax_error(Error **errp, const BoardOrigin *o, Error *local,
                               const char *expected)
{
    board_error(errp, o, NULL, "%s%s%s", local ? error_get_pretty(local) : "",
                local ? "; " : "", expected);
    error_free(local);
}

/* -set ID.PROP=VALUE[,ID.PROP=VALUE...] (a comma in a value is ",,"). */
bool board_apply_set(Board *b, const char *spec, Error **errp)
{
    BoardOrigin o = { "command line", g_strdup_printf("-set %s", spec) };
    Error *local = NULL;
    KeyVal *kv = keyval_parse(spec, NULL, 0, &local);
    bool ok = kv != NULL;
    if (!kv) {
        board_syntax_error(errp, &o, local, "expected -set ID.PROPERTY=VALUE (or ID.type=TYPE)");
    }
    for (guint i = 0; ok && i < keyval_count(kv); i++) {
        ok = apply_set_pair(b, keyval_key(kv, i), keyval_value(kv, i), &o, errp);
    }
    keyval_free(kv);
    g_free(o.path);
    return ok;
}

bool board_add_device_spec(Board *b, const char *spec, int index, Error **errp)
{
    BoardOrigin o = { "command line", g_strdup_printf("-device %s", spec) };
    Error *local = NULL;
    KeyVal *kv = keyval_parse(spec, "type", 0, &local);
    bool ok = false;
    const char *type = keyval_get(kv, "type");
    char *auto_id = NULL;
    if (!kv || !type || !*type) {
        board_syntax_error(errp, &o, local,
                           "expected -device TYPE[,id=ID][,bus=BUS][,PROP=VALUE...]");
        goto out;
    }
    const char *id = keyval_get(kv, "id");
    if (id && !valid_id(id)) {
        board_error(errp, &o, NULL, "'%s' is not a valid device id (letters, digits, '-' "
                    "and '_')", id);
        goto out;
    }
    if (id && board_find_device(b, id)) {
        board_error(errp, &o, NULL, "a device with id '%s' already exists (use -set %s.PROP="
                    "VALUE to change it)", id, id);
        goto out;
    }
    if (!id) {
        for (int n = index;; n++) {
            g_free(auto_id);
            auto_id = g_strdup_printf("%s-%d", type, n);
            if (!board_find_device(b, auto_id)) {
                break;
            }
        }
        id = auto_id;
    }
    BoardDevice *d = device_new_entry(id, &o);
    ok = true;
    for (guint i = 0; ok && i < keyval_count(kv); i++) {
        if (strcmp(keyval_key(kv, i), "id")) {
            ok = apply_key(b, d, keyval_key(kv, i), keyval_value(kv, i), &o, errp);
        }
    }
    if (ok) {
        g_ptr_array_add(b->devices, d);
    } else {
        device_entry_free(d);
    }
out:
    g_free(auto_id);
    keyval_free(kv);
    g_free(o.path);
    return ok;
}
