/*
 * Objects: creation, reference counts, checked casts and the composition
 * tree that gives every object a path.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cardcage/object.h>
#include "qom/type-internal.h"
#include "qom/object-internal.h"

static void object_init_with_type(Object *obj, Type ti, size_t size)
{
    memset(obj, 0, size);
    obj->klass = type_get_class(ti);
    obj->ref = 1;
    obj->properties = g_hash_table_new(g_str_hash, g_str_equal);
    type_run_instance_init(ti, obj);
    type_run_instance_post_init(ti, obj);
}

static Type type_for_new(const char *typename, Error **errp)
{
    Type ti = type_get_by_name(typename);
    if (!ti) {
        error_setg(errp, "unknown type '%s'", typename);
        return NULL;
    }
    if (!type_prepare(ti)) {
        error_setg(errp, "type '%s' cannot be built: a parent type or interface is missing",
                   typename);
        return NULL;
    }
    if (type_is_abstract(ti)) {
        error_setg(errp, "type '%s' is abstract and cannot be instantiated", typename);
        return NULL;
    }
    return ti;
}

void object_initialize(void *data, size_t size, const char *typename)
{
    Type ti = type_for_new(typename, &error_abort);
    g_assert(size >= type_object_size(ti));
    object_init_with_type(data, ti, size);
}

bool object_initialize_child(Object *parent, const char *name, void *child, size_t size,
                             const char *typename, Error **errp)
{
    object_initialize(child, size, typename);
    bool ok = object_property_add_child(parent, name, child, errp);
    object_unref(child);    /* the parent's reference is now the only one */
    return ok;
}

Object *object_new_checked(const char *typename, Error **errp)
{
    Type ti = type_for_new(typename, errp);
    if (!ti) {
        return NULL;
    }
    size_t size = type_object_size(ti);
    Object *obj = g_malloc(size);
    object_init_with_type(obj, ti, size);
    obj->free = g_free;
    return obj;
}

Object *object_new(const char *typename)
{
    return object_new_checked(typename, &error_abort);
}

Object *object_ref(void *opaque)
{
    Object *obj = opaque;
    if (obj) {
        g_assert(obj->ref > 0);
        obj->ref++;
    }
    return obj;
}

static void object_finalize(Object *obj)
{
    object_property_del_all(obj);
    type_run_instance_finalize(obj->klass->type, obj);
    g_hash_table_unref(obj->properties);
    if (obj->children) {
        g_hash_table_unref(obj->children);
    }
    g_free(obj->name);
    if (obj->free) {
        obj->free(obj);
    }
}

void object_unref(void *opaque)
{
    Object *obj = opaque;
    if (!obj) {
        return;
    }
    g_assert(obj->ref > 0);
    if (--obj->ref == 0) {
        object_finalize(obj);
    }
}

ObjectClass *object_get_class(Object *obj)
{
    return obj->klass;
}

const char *object_get_typename(const Object *obj)
{
    return obj->klass->type ? type_get_name(obj->klass->type) : "?";
}

Object *object_dynamic_cast(Object *obj, const char *typename)
{
    if (obj && object_class_dynamic_cast(obj->klass, typename)) {
        return obj;
    }
    return NULL;
}

Object *object_dynamic_cast_assert(Object *obj, const char *typename, const char *file,
                                   int line, const char *func)
{
    if (obj && !object_class_dynamic_cast(obj->klass, typename)) {
        fprintf(stderr, "cardcage: %s:%d:%s: object of type '%s' is not an instance of '%s'\n",
                file, line, func, object_get_typename(obj), typename);
        abort();
    }
    return obj;
}

/* ---- composition tree ---- */

static const TypeInfo container_info = {
    .name = TYPE_CONTAINER,
    .parent = TYPE_OBJECT,
};

static Object *root_object;

Object *object_get_root(void)
{
    if (!root_object) {
        root_object = object_new(TYPE_CONTAINER);
    }
    return root_object;
}

static bool child_get(Object *obj, ObjectProperty *prop, PropValue *out, Error **errp)
{
    out->kind = PROP_KIND_CHILD;
    out->obj = prop->opaque;
    return true;
}

static void child_release(Object *obj, ObjectProperty *prop)
{
    Object *child = prop->opaque;
    g_hash_table_remove(obj->children, child->name);
    child->parent = NULL;
    if (child->klass->unparent) {
        child->klass->unparent(child);
    }
    object_unref(child);
}

bool object_property_add_child(Object *parent, const char *name, Object *child, Error **errp)
{
    if (child->parent) {
        error_setg(errp, "object '%s' already has a parent", name);
        return false;
    }
    if (!*name || strchr(name, '/')) {
        error_setg(errp, "'%s' is not a valid child name", name);
        return false;
    }
    ObjectPropertyInfo info = {
        .name = name,
        .kind = PROP_KIND_CHILD,
        .type_name = object_get_typename(child),
        .description = "composition child",
        .get = child_get,
        .release = child_release,
        .opaque = child,
    };
    if (!object_property_add_full(parent, &info, errp)) {
        return false;
    }
    if (!parent->children) {
        parent->children = g_hash_table_new(g_str_hash, g_str_equal);
    }
    object_ref(child);
    child->parent = parent;
    g_free(child->name);
    child->name = g_strdup(name);
    g_hash_table_insert(parent->children, child->name, child);
    return true;
}

void object_unparent(Object *obj)
{
    if (obj->parent) {
        object_property_del(obj->parent, obj->name);
    }
}

const char *object_get_canonical_path_component(const Object *obj)
{
    return obj->parent ? obj->name : NULL;
}

char *object_get_canonical_path(const Object *obj)
{
    Object *root = object_get_root();
    if (obj == root) {
        return g_strdup("/");
    }
    GString *path = g_string_new(NULL);
    for (; obj != root; obj = obj->parent) {
        if (!obj->parent) {
            g_string_free(path, TRUE);
            return NULL;
        }
        g_string_prepend(path, obj->name);
        g_string_prepend_c(path, '/');
    }
    return g_string_free(path, FALSE);
}

Object *object_resolve_path_component(Object *parent, const char *name)
{
    return parent->children ? g_hash_table_lookup(parent->children, name) : NULL;
}

static gint child_name_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(((const Object *)a)->name, ((const Object *)b)->name);
}

static GList *sorted_children(Object *obj)
{
    if (!obj->children) {
        return NULL;
    }
    return g_list_sort(g_hash_table_get_values(obj->children), child_name_cmp);
}

int object_child_foreach(Object *obj, int (*fn)(Object *child, void *opaque), void *opaque)
{
    GList *children = sorted_children(obj);
    int ret = 0;
    for (GList *l = children; l && !ret; l = l->next) {
        ret = fn(l->data, opaque);
    }
    g_list_free(children);
    return ret;
}

int object_child_foreach_recursive(Object *obj, int (*fn)(Object *child, void *opaque),
                                   void *opaque)
{
    GList *children = sorted_children(obj);
    int ret = 0;
    for (GList *l = children; l && !ret; l = l->next) {
        ret = fn(l->data, opaque);
        if (!ret) {
            ret = object_child_foreach_recursive(l->data, fn, opaque);
        }
    }
    g_list_free(children);
    return ret;
}

static Object *resolve_relative(Object *from, char **parts)
{
    Object *obj = from;
    for (char **p = parts; obj && *p; p++) {
        if (**p) {
            obj = object_resolve_path_component(obj, *p);
        }
    }
    return obj;
}

/* A partial path "a/b" names the objects reached by walking "a/b" down from
 * any object of the tree; it resolves when exactly one object (of the wanted
 * type) is reached that way. */
typedef struct PartialSearch {
    char **parts;
    const char *typename;
    Object *found;
    bool ambiguous;
} PartialSearch;

static int partial_visit(Object *obj, void *opaque)
{
    PartialSearch *s = opaque;
    Object *hit = resolve_relative(obj, s->parts);
    if (hit && hit != object_get_root() &&
        (!s->typename || object_dynamic_cast(hit, s->typename)) && hit != s->found) {
        if (s->found) {
            s->ambiguous = true;
            return 1;
        }
        s->found = hit;
    }
    return 0;
}

Object *object_resolve_path_type(const char *path, const char *typename, bool *ambiguousp)
{
    bool ambiguous = false;
    Object *obj;
    char **parts = g_strsplit(path, "/", -1);
    if (path[0] == '/') {
        obj = resolve_relative(object_get_root(), parts + 1);
        if (obj && typename && !object_dynamic_cast(obj, typename)) {
            obj = NULL;
        }
    } else {
        PartialSearch search = { .parts = parts, .typename = typename };
        if (!partial_visit(object_get_root(), &search)) {
            object_child_foreach_recursive(object_get_root(), partial_visit, &search);
        }
        ambiguous = search.ambiguous;
        obj = search.found;
    }
    g_strfreev(parts);
    if (ambiguousp) {
        *ambiguousp = ambiguous;
    }
    return ambiguous ? NULL : obj;
}

Object *object_resolve_path(const char *path, bool *ambiguous)
{
    return object_resolve_path_type(path, NULL, ambiguous);
}

Object *container_get(Object *parent, const char *path)
{
    Object *obj = parent;
    char **parts = g_strsplit(path, "/", -1);
    for (char **p = parts; *p; p++) {
        if (!**p) {
            continue;
        }
        Object *child = object_resolve_path_component(obj, *p);
        if (!child) {
            child = object_new(TYPE_CONTAINER);
            object_property_add_child(obj, *p, child, &error_abort);
            object_unref(child);
        }
        obj = child;
    }
    g_strfreev(parts);
    return obj;
}

static void register_container(void)
{
    type_register_static(&container_info);
}

static void __attribute__((constructor(102))) object_types_init(void)
{
    register_container();
}
