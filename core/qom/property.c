/*
 * Object properties: typed values with ranges, set from typed values or
 * from the text a board file or the command line gives.
 *
 * Range and kind checks happen here, once, before a property's setter runs,
 * so every way of setting a property reports the same error.
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <string.h>
#include <cardcage/object.h>
#include "qom/object-internal.h"

static const char *kind_name(PropKind kind)
{
    switch (kind) {
    case PROP_KIND_BOOL:   return "bool";
    case PROP_KIND_INT:    return "int";
    case PROP_KIND_UINT:   return "uint";
    case PROP_KIND_SIZE:   return "size";
    case PROP_KIND_STRING: return "string";
    case PROP_KIND_ENUM:   return "enum";
    case PROP_KIND_LINK:   return "link";
    case PROP_KIND_CHILD:  return "child";
    }
    return "?";
}

static void property_free(ObjectProperty *prop)
{
    g_free(prop->name);
    g_free(prop->description);
    g_free(prop->type_name);
    g_free(prop->default_text);
    g_free(prop);
}

static ObjectProperty *property_new(const ObjectPropertyInfo *info)
{
    ObjectProperty *prop = g_new0(ObjectProperty, 1);
    prop->name = g_strdup(info->name);
    prop->kind = info->kind;
    prop->description = g_strdup(info->description);
    prop->type_name = g_strdup(info->type_name);
    prop->enum_names = info->enum_names;
    prop->default_text = g_strdup(info->default_text);
    prop->get = info->get;
    prop->set = info->set;
    prop->release = info->release;
    prop->opaque = info->opaque;
    prop->min_i = INT64_MIN;
    prop->max_i = INT64_MAX;
    prop->min_u = 0;
    prop->max_u = UINT64_MAX;
    if (info->has_range) {
        prop->min_i = info->min_i;
        prop->max_i = info->max_i;
        prop->min_u = info->min_u;
        prop->max_u = info->max_u;
    }
    return prop;
}

ObjectProperty *object_class_property_find(ObjectClass *klass, const char *name)
{
    for (; klass; klass = object_class_get_parent(klass)) {
        ObjectProperty *prop = g_hash_table_lookup(klass->properties, name);
        if (prop) {
            return prop;
        }
    }
    return NULL;
}

ObjectProperty *object_property_find(Object *obj, const char *name)
{
    ObjectProperty *prop = g_hash_table_lookup(obj->properties, name);
    return prop ? prop : object_class_property_find(obj->klass, name);
}

ObjectProperty *object_property_add_full(Object *obj, const ObjectPropertyInfo *info,
                                         Error **errp)
{
    if (object_property_find(obj, info->name)) {
        error_setg(errp, "property '%s' already exists on '%s'", info->name,
                   object_get_typename(obj));
        return NULL;
    }
    ObjectProperty *prop = property_new(info);
    g_hash_table_insert(obj->properties, prop->name, prop);
    return prop;
}

ObjectProperty *object_class_property_add_full(ObjectClass *klass,
                                               const ObjectPropertyInfo *info, Error **errp)
{
    if (object_class_property_find(klass, info->name)) {
        error_setg(errp, "property '%s' already exists on class '%s'", info->name,
                   object_class_get_name(klass));
        return NULL;
    }
    ObjectProperty *prop = property_new(info);
    g_hash_table_insert(klass->properties, prop->name, prop);
    return prop;
}

static void property_release_and_free(Object *obj, ObjectProperty *prop)
{
    if (prop->release) {
        prop->release(obj, prop);
    }
    property_free(prop);
}

void object_property_del(Object *obj, const char *name)
{
    ObjectProperty *prop = g_hash_table_lookup(obj->properties, name);
    if (prop) {
        g_hash_table_steal(obj->properties, name);
        property_release_and_free(obj, prop);
    }
}

void object_property_del_all(Object *obj)
{
    /* Releasing a child may drop the last reference of an object that
     * refers back, so take properties out one at a time. */
    GHashTableIter iter;
    gpointer key, value;
    while (g_hash_table_size(obj->properties)) {
        g_hash_table_iter_init(&iter, obj->properties);
        g_hash_table_iter_next(&iter, &key, &value);
        g_hash_table_iter_steal(&iter);
        property_release_and_free(obj, value);
    }
}

static gint prop_name_cmp(gconstpointer a, gconstpointer b)
{
    const ObjectProperty *pa = *(ObjectProperty *const *)a;
    const ObjectProperty *pb = *(ObjectProperty *const *)b;
    return strcmp(pa->name, pb->name);
}

static void list_class_props(ObjectClass *klass, GPtrArray *out, GHashTable *seen)
{
    for (; klass; klass = object_class_get_parent(klass)) {
        GHashTableIter iter;
        gpointer key, value;
        g_hash_table_iter_init(&iter, klass->properties);
        while (g_hash_table_iter_next(&iter, &key, &value)) {
            if (!g_hash_table_contains(seen, key)) {
                g_hash_table_add(seen, key);
                g_ptr_array_add(out, value);
            }
        }
    }
}

GPtrArray *object_class_property_list(ObjectClass *klass)
{
    GPtrArray *out = g_ptr_array_new();
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    list_class_props(klass, out, seen);
    g_hash_table_unref(seen);
    g_ptr_array_sort(out, prop_name_cmp);
    return out;
}

GPtrArray *object_property_list(Object *obj)
{
    GPtrArray *out = g_ptr_array_new();
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    GHashTableIter iter;
    gpointer key, value;
    g_hash_table_iter_init(&iter, obj->properties);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        g_hash_table_add(seen, key);
        g_ptr_array_add(out, value);
    }
    list_class_props(obj->klass, out, seen);
    g_hash_table_unref(seen);
    g_ptr_array_sort(out, prop_name_cmp);
    return out;
}

/* ---- setting and getting ---- */

static ObjectProperty *find_or_fail(Object *obj, const char *name, Error **errp)
{
    ObjectProperty *prop = object_property_find(obj, name);
    if (!prop) {
        error_setg(errp, "'%s' has no property '%s'", object_get_typename(obj), name);
    }
    return prop;
}

static int enum_count(const ObjectProperty *prop)
{
    int n = 0;
    while (prop->enum_names && prop->enum_names[n]) {
        n++;
    }
    return n;
}

static char *enum_choices(const ObjectProperty *prop)
{
    return prop->enum_names ? g_strjoinv("|", (char **)prop->enum_names) : g_strdup("");
}

/* The natural range of a C integer type named in type_name, so that help
 * shows a range only where the property narrows it. */
static void natural_range(const char *type_name, int64_t *min_i, int64_t *max_i,
                          uint64_t *max_u)
{
    static const struct { const char *name; int64_t min_i, max_i; uint64_t max_u; } t[] = {
        { "uint8", 0, 0, UINT8_MAX }, { "uint16", 0, 0, UINT16_MAX },
        { "uint32", 0, 0, UINT32_MAX }, { "int8", INT8_MIN, INT8_MAX, 0 },
        { "int16", INT16_MIN, INT16_MAX, 0 }, { "int32", INT32_MIN, INT32_MAX, 0 },
    };
    *min_i = INT64_MIN;
    *max_i = INT64_MAX;
    *max_u = UINT64_MAX;
    for (size_t i = 0; type_name && i < CC_ARRAY_SIZE(t); i++) {
        if (!strcmp(t[i].name, type_name)) {
            *min_i = t[i].min_i;
            *max_i = t[i].max_i;
            *max_u = t[i].max_u;
        }
    }
}

char *object_property_type_text(const ObjectProperty *prop)
{
    int64_t nmin_i, nmax_i;
    uint64_t nmax_u;
    natural_range(prop->type_name, &nmin_i, &nmax_i, &nmax_u);
    bool full_i = prop->min_i == nmin_i && prop->max_i == nmax_i;
    bool full_u = prop->min_u == 0 && prop->max_u == nmax_u;
    const char *base = prop->type_name ? prop->type_name : kind_name(prop->kind);
    switch (prop->kind) {
    case PROP_KIND_INT:
        return full_i ? g_strdup(base)
                      : g_strdup_printf("%s (%" PRId64 "..%" PRId64 ")", base, prop->min_i,
                                        prop->max_i);
    case PROP_KIND_UINT:
        return full_u ? g_strdup(base)
                      : g_strdup_printf("%s (%" PRIu64 "..%" PRIu64 ")", base, prop->min_u,
                                        prop->max_u);
    case PROP_KIND_SIZE:
        if (full_u) {
            return g_strdup("size");
        } else {
            char *lo = cc_format_size(prop->min_u), *hi = cc_format_size(prop->max_u);
            char *t = g_strdup_printf("size (%s..%s)", lo, hi);
            g_free(lo);
            g_free(hi);
            return t;
        }
    case PROP_KIND_ENUM: {
        char *choices = enum_choices(prop);
        char *t = g_strdup_printf("enum (%s)", choices);
        g_free(choices);
        return t;
    }
    case PROP_KIND_LINK:
        return g_strdup_printf("link<%s>", prop->type_name ? prop->type_name : TYPE_OBJECT);
    case PROP_KIND_CHILD:
        return g_strdup_printf("child<%s>", prop->type_name ? prop->type_name : TYPE_OBJECT);
    default:
        return g_strdup(kind_name(prop->kind));
    }
}

/* Convert v to the property's kind (integers between signed and unsigned
 * kinds) and check the range.  Fills *out. */
static bool check_value(Object *obj, ObjectProperty *prop, const PropValue *v, PropValue *out,
                        Error **errp)
{
    *out = *v;
    out->kind = prop->kind;
    bool is_unsigned = prop->kind == PROP_KIND_UINT || prop->kind == PROP_KIND_SIZE;
    bool v_unsigned = v->kind == PROP_KIND_UINT || v->kind == PROP_KIND_SIZE;

    if (prop->kind == PROP_KIND_INT && (v->kind == PROP_KIND_INT || v_unsigned)) {
        if (v_unsigned) {
            if (v->u > INT64_MAX) {
                goto out_of_range_u;
            }
            out->i = (int64_t)v->u;
        }
        if (out->i < prop->min_i || out->i > prop->max_i) {
            error_setg(errp, "property '%s' of '%s': %" PRId64 " is out of range: expected "
                       "an integer from %" PRId64 " to %" PRId64, prop->name,
                       object_get_typename(obj), out->i, prop->min_i, prop->max_i);
            return false;
        }
        return true;
    }
    if (is_unsigned && (v_unsigned || v->kind == PROP_KIND_INT)) {
        if (v->kind == PROP_KIND_INT) {
            if (v->i < 0) {
                error_setg(errp, "property '%s' of '%s': %" PRId64 " is out of range: "
                           "expected an integer from %" PRIu64 " to %" PRIu64, prop->name,
                           object_get_typename(obj), v->i, prop->min_u, prop->max_u);
                return false;
            }
            out->u = (uint64_t)v->i;
        }
        if (out->u < prop->min_u || out->u > prop->max_u) {
            goto out_of_range_u;
        }
        return true;
    }
    if (v->kind != prop->kind) {
        char *want = object_property_type_text(prop);
        error_setg(errp, "property '%s' of '%s': expected a value of type %s, got a %s",
                   prop->name, object_get_typename(obj), want, kind_name(v->kind));
        g_free(want);
        return false;
    }
    if (prop->kind == PROP_KIND_ENUM && (v->e < 0 || v->e >= enum_count(prop))) {
        error_setg(errp, "property '%s' of '%s': enum index %d is out of range",
                   prop->name, object_get_typename(obj), v->e);
        return false;
    }
    if (prop->kind == PROP_KIND_LINK && v->obj && prop->type_name &&
        !object_dynamic_cast(v->obj, prop->type_name)) {
        error_setg(errp, "property '%s' of '%s': expected an object of type '%s', got '%s'",
                   prop->name, object_get_typename(obj), prop->type_name,
                   object_get_typename(v->obj));
        return false;
    }
    return true;

out_of_range_u:
    error_setg(errp, "property '%s' of '%s': %" PRIu64 " is out of range: expected an "
               "integer from %" PRIu64 " to %" PRIu64, prop->name, object_get_typename(obj),
               v_unsigned ? v->u : (uint64_t)v->i, prop->min_u, prop->max_u);
    return false;
}

static bool property_set(Object *obj, ObjectProperty *prop, const PropValue *v, Error **errp)
{
    if (!prop->set) {
        error_setg(errp, "property '%s' of '%s' is read-only", prop->name,
                   object_get_typename(obj));
        return false;
    }
    PropValue checked;
    if (!check_value(obj, prop, v, &checked, errp)) {
        return false;
    }
    return prop->set(obj, prop, &checked, errp);
}

bool object_property_set(Object *obj, const char *name, const PropValue *v, Error **errp)
{
    ObjectProperty *prop = find_or_fail(obj, name, errp);
    return prop && property_set(obj, prop, v, errp);
}

bool object_property_get(Object *obj, const char *name, PropValue *out, Error **errp)
{
    ObjectProperty *prop = find_or_fail(obj, name, errp);
    if (!prop) {
        return false;
    }
    if (!prop->get) {
        error_setg(errp, "property '%s' of '%s' is write-only", name, object_get_typename(obj));
        return false;
    }
    memset(out, 0, sizeof(*out));
    out->kind = prop->kind;
    return prop->get(obj, prop, out, errp);
}

bool object_property_set_bool(Object *obj, const char *name, bool v, Error **errp)
{
    PropValue pv = { .kind = PROP_KIND_BOOL, .b = v };
    return object_property_set(obj, name, &pv, errp);
}

bool object_property_set_int(Object *obj, const char *name, int64_t v, Error **errp)
{
    PropValue pv = { .kind = PROP_KIND_INT, .i = v };
    return object_property_set(obj, name, &pv, errp);
}

bool object_property_set_uint(Object *obj, const char *name, uint64_t v, Error **errp)
{
    PropValue pv = { .kind = PROP_KIND_UINT, .u = v };
    return object_property_set(obj, name, &pv, errp);
}

bool object_property_set_link(Object *obj, const char *name, Object *v, Error **errp)
{
    PropValue pv = { .kind = PROP_KIND_LINK, .obj = v };
    return object_property_set(obj, name, &pv, errp);
}

bool object_property_set_str(Object *obj, const char *name, const char *v, Error **errp)
{
    ObjectProperty *prop = find_or_fail(obj, name, errp);
    if (!prop) {
        return false;
    }
    if (prop->kind != PROP_KIND_STRING) {
        /* A string for another kind is text to parse (an enum name, a
         * size with a suffix, a link path). */
        return object_property_parse(obj, name, v, errp);
    }
    PropValue pv = { .kind = PROP_KIND_STRING, .str = (char *)v };
    return property_set(obj, prop, &pv, errp);
}

static bool get_of_kind(Object *obj, const char *name, PropKind kind, PropValue *out,
                        Error **errp)
{
    if (!object_property_get(obj, name, out, errp)) {
        return false;
    }
    bool ok = out->kind == kind ||
              ((kind == PROP_KIND_UINT || kind == PROP_KIND_INT) &&
               (out->kind == PROP_KIND_UINT || out->kind == PROP_KIND_SIZE ||
                out->kind == PROP_KIND_INT || out->kind == PROP_KIND_ENUM)) ||
              (kind == PROP_KIND_LINK && out->kind == PROP_KIND_CHILD);
    if (!ok) {
        error_setg(errp, "property '%s' of '%s' is a %s, not a %s", name,
                   object_get_typename(obj), kind_name(out->kind), kind_name(kind));
        if (out->kind == PROP_KIND_STRING) {
            g_free(out->str);
        }
    }
    return ok;
}

bool object_property_get_bool(Object *obj, const char *name, Error **errp)
{
    PropValue v;
    return get_of_kind(obj, name, PROP_KIND_BOOL, &v, errp) && v.b;
}

int64_t object_property_get_int(Object *obj, const char *name, Error **errp)
{
    PropValue v;
    if (!get_of_kind(obj, name, PROP_KIND_INT, &v, errp)) {
        return -1;
    }
    return v.kind == PROP_KIND_ENUM ? v.e : v.i;
}

uint64_t object_property_get_uint(Object *obj, const char *name, Error **errp)
{
    PropValue v;
    if (!get_of_kind(obj, name, PROP_KIND_UINT, &v, errp)) {
        return 0;
    }
    return v.kind == PROP_KIND_ENUM ? (uint64_t)v.e : v.u;
}

char *object_property_get_str(Object *obj, const char *name, Error **errp)
{
    ObjectProperty *prop = find_or_fail(obj, name, errp);
    if (!prop) {
        return NULL;
    }
    if (prop->kind != PROP_KIND_STRING) {
        return object_property_print(obj, name, errp);
    }
    PropValue v;
    return get_of_kind(obj, name, PROP_KIND_STRING, &v, errp) ? v.str : NULL;
}

Object *object_property_get_link(Object *obj, const char *name, Error **errp)
{
    PropValue v;
    return get_of_kind(obj, name, PROP_KIND_LINK, &v, errp) ? v.obj : NULL;
}

/* ---- text ---- */

static bool parse_link(ObjectProperty *prop, const char *text, Object **out, Error **errp)
{
    if (!*text) {
        *out = NULL;
        return true;
    }
    bool ambiguous = false;
    Object *target = object_resolve_path_type(text, prop->type_name, &ambiguous);
    if (ambiguous) {
        error_setg(errp, "property '%s': path '%s' is ambiguous: give the full path",
                   prop->name, text);
        return false;
    }
    if (!target) {
        Object *any = object_resolve_path(text, NULL);
        if (any) {
            error_setg(errp, "property '%s': '%s' is a '%s', expected a '%s'", prop->name,
                       text, object_get_typename(any), prop->type_name);
        } else {
            error_setg(errp, "property '%s': no object '%s'", prop->name, text);
        }
        return false;
    }
    *out = target;
    return true;
}

bool object_property_parse(Object *obj, const char *name, const char *text, Error **errp)
{
    ObjectProperty *prop = find_or_fail(obj, name, errp);
    if (!prop) {
        return false;
    }
    PropValue v = { .kind = prop->kind };
    bool ok = true;
    const char *expected = NULL;
    switch (prop->kind) {
    case PROP_KIND_BOOL:
        ok = cc_parse_bool(text, &v.b);
        expected = "on/off, true/false or yes/no";
        break;
    case PROP_KIND_INT:
        ok = cc_parse_int64(text, &v.i);
        expected = "an integer";
        break;
    case PROP_KIND_UINT:
        ok = cc_parse_uint64(text, &v.u);
        expected = "a non-negative integer";
        break;
    case PROP_KIND_SIZE:
        ok = cc_parse_size(text, &v.u);
        expected = "a size such as 4096, 64K, 128M or 4G";
        break;
    case PROP_KIND_STRING:
        v.str = (char *)text;
        break;
    case PROP_KIND_ENUM: {
        ok = false;
        for (int i = 0; prop->enum_names && prop->enum_names[i]; i++) {
            if (!strcmp(prop->enum_names[i], text)) {
                v.e = i;
                ok = true;
            }
        }
        if (!ok) {
            char *choices = enum_choices(prop);
            error_setg(errp, "property '%s' of '%s': '%s' is not one of %s", name,
                       object_get_typename(obj), text, choices);
            g_free(choices);
            return false;
        }
        break;
    }
    case PROP_KIND_LINK:
        if (!parse_link(prop, text, &v.obj, errp)) {
            return false;
        }
        break;
    case PROP_KIND_CHILD:
        error_setg(errp, "property '%s' of '%s' is a child and cannot be set", name,
                   object_get_typename(obj));
        return false;
    }
    if (!ok) {
        error_setg(errp, "property '%s' of '%s': '%s' is not valid: expected %s", name,
                   object_get_typename(obj), text, expected);
        return false;
    }
    return property_set(obj, prop, &v, errp);
}

char *object_property_print(Object *obj, const char *name, Error **errp)
{
    PropValue v;
    if (!object_property_get(obj, name, &v, errp)) {
        return NULL;
    }
    ObjectProperty *prop = object_property_find(obj, name);
    switch (v.kind) {
    case PROP_KIND_BOOL:
        return g_strdup(v.b ? "on" : "off");
    case PROP_KIND_INT:
        return g_strdup_printf("%" PRId64, v.i);
    case PROP_KIND_UINT:
        return g_strdup_printf("%" PRIu64, v.u);
    case PROP_KIND_SIZE:
        return cc_format_size(v.u);
    case PROP_KIND_STRING:
        return v.str ? v.str : g_strdup("");
    case PROP_KIND_ENUM:
        return g_strdup(v.e >= 0 && v.e < enum_count(prop) ? prop->enum_names[v.e] : "?");
    case PROP_KIND_LINK:
    case PROP_KIND_CHILD:
        return v.obj ? object_get_canonical_path(v.obj) : g_strdup("");
    }
    return NULL;
}

/* ---- field-backed convenience properties ---- */

static bool bool_ptr_get(Object *obj, ObjectProperty *prop, PropValue *out, Error **errp)
{
    out->b = *(bool *)prop->opaque;
    return true;
}

static bool bool_ptr_set(Object *obj, ObjectProperty *prop, const PropValue *in, Error **errp)
{
    *(bool *)prop->opaque = in->b;
    return true;
}

ObjectProperty *object_property_add_bool_ptr(Object *obj, const char *name, bool *ptr,
                                             const char *description)
{
    ObjectPropertyInfo info = {
        .name = name, .kind = PROP_KIND_BOOL, .description = description,
        .get = bool_ptr_get, .set = bool_ptr_set, .opaque = ptr,
    };
    return object_property_add_full(obj, &info, &error_abort);
}

static bool u64_ptr_get(Object *obj, ObjectProperty *prop, PropValue *out, Error **errp)
{
    out->u = *(uint64_t *)prop->opaque;
    return true;
}

static bool u64_ptr_set(Object *obj, ObjectProperty *prop, const PropValue *in, Error **errp)
{
    *(uint64_t *)prop->opaque = in->u;
    return true;
}

ObjectProperty *object_property_add_uint64_ptr(Object *obj, const char *name, uint64_t *ptr,
                                               const char *description)
{
    ObjectPropertyInfo info = {
        .name = name, .kind = PROP_KIND_UINT, .type_name = "uint64",
        .description = description, .get = u64_ptr_get, .set = u64_ptr_set, .opaque = ptr,
    };
    return object_property_add_full(obj, &info, &error_abort);
}

static bool link_get(Object *obj, ObjectProperty *prop, PropValue *out, Error **errp)
{
    out->obj = *(Object **)prop->opaque;
    return true;
}

static bool link_set(Object *obj, ObjectProperty *prop, const PropValue *in, Error **errp)
{
    Object **targetp = prop->opaque;
    Object *old = *targetp;
    *targetp = object_ref(in->obj);
    object_unref(old);
    return true;
}

static void link_release(Object *obj, ObjectProperty *prop)
{
    Object **targetp = prop->opaque;
    object_unref(*targetp);
    *targetp = NULL;
}

ObjectProperty *object_property_add_link(Object *obj, const char *name, const char *type_name,
                                         Object **targetp, const char *description)
{
    ObjectPropertyInfo info = {
        .name = name, .kind = PROP_KIND_LINK, .type_name = type_name,
        .description = description, .get = link_get, .set = link_set,
        .release = link_release, .opaque = targetp,
    };
    return object_property_add_full(obj, &info, &error_abort);
}
