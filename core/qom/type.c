/*
 * The type table: registration by name, lazy class construction, casts.
 *
 * A type names its parent by name, so registration order does not matter
 * and a plugin may derive from a type another plugin provides.  The class
 * is built the first time it is needed: the parent class first, then a
 * copy of the parent's class bytes, the interface classes, every ancestor's
 * class_base_init, and finally the type's own class_init.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cardcage/object.h>
#include "qom/type-internal.h"

struct TypeImpl {
    const char *name;
    const char *parent_name;
    struct TypeImpl *parent;        /* resolved when the class is built */
    size_t class_size;
    size_t instance_size;
    void (*class_init)(ObjectClass *klass, void *data);
    void (*class_base_init)(ObjectClass *klass, void *data);
    void *class_data;
    void (*instance_init)(Object *obj);
    void (*instance_post_init)(Object *obj);
    void (*instance_finalize)(Object *obj);
    bool abstract;
    GPtrArray *interface_names;     /* const char *, borrowed from the TypeInfo */
    ObjectClass *klass;
    char *owner;                    /* registering plugin, NULL for the core */
    bool is_interface_impl;         /* a hidden "<class>::<interface>" type */
    bool initializing;              /* its class is being built (loop guard) */
};

static GHashTable *type_table;      /* name -> struct TypeImpl * */
static char *registration_owner;
static Error *registration_error;

static GHashTable *table(void)
{
    if (!type_table) {
        type_table = g_hash_table_new(g_str_hash, g_str_equal);
    }
    return type_table;
}

Type type_get_by_name(const char *name)
{
    return name ? g_hash_table_lookup(table(), name) : NULL;
}

void type_registration_begin(const char *owner)
{
    g_free(registration_owner);
    registration_owner = g_strdup(owner);
    error_free(registration_error);
    registration_error = NULL;
}

bool type_registration_end(Error **errp)
{
    g_free(registration_owner);
    registration_owner = NULL;
    if (registration_error) {
        error_propagate(errp, registration_error);
        registration_error = NULL;
        return false;
    }
    return true;
}

Type type_register_checked(const TypeInfo *info, Error **errp)
{
    if (!info->name || !*info->name) {
        error_setg(errp, "a type without a name cannot be registered");
        return NULL;
    }
    if (!info->parent && strcmp(info->name, TYPE_OBJECT) && strcmp(info->name, TYPE_INTERFACE)) {
        error_setg(errp, "type '%s' has no parent type", info->name);
        return NULL;
    }
    Type existing = type_get_by_name(info->name);
    if (existing) {
        error_setg(errp, "type '%s' is already registered by %s", info->name,
                   existing->owner ? existing->owner : "the core");
        return NULL;
    }
    Type ti = g_new0(struct TypeImpl, 1);
    ti->name = info->name;
    ti->parent_name = info->parent;
    ti->class_size = info->class_size;
    ti->instance_size = info->instance_size;
    ti->class_init = info->class_init;
    ti->class_base_init = info->class_base_init;
    ti->class_data = info->class_data;
    ti->instance_init = info->instance_init;
    ti->instance_post_init = info->instance_post_init;
    ti->instance_finalize = info->instance_finalize;
    ti->abstract = info->abstract;
    ti->interface_names = g_ptr_array_new();
    for (const InterfaceInfo *ii = info->interfaces; ii && ii->type; ii++) {
        g_ptr_array_add(ti->interface_names, (gpointer)ii->type);
    }
    ti->owner = g_strdup(registration_owner);
    g_hash_table_insert(table(), (gpointer)ti->name, ti);
    return ti;
}

Type type_register_static(const TypeInfo *info)
{
    Error *err = NULL;
    Type ti = type_register_checked(info, &err);
    if (!ti) {
        if (registration_owner) {
            /* The loader reports it and refuses the whole plugin. */
            error_propagate(&registration_error, err);
        } else {
            error_report_err(err);
        }
    }
    return ti;
}

void type_register_static_array(const TypeInfo *infos, int nr)
{
    for (int i = 0; i < nr; i++) {
        type_register_static(&infos[i]);
    }
}

bool type_exists(const char *name)
{
    return type_get_by_name(name) != NULL;
}

const char *type_get_name(Type type)
{
    return type->name;
}

static Type type_resolve_parent(Type ti)
{
    if (!ti->parent && ti->parent_name) {
        ti->parent = type_get_by_name(ti->parent_name);
    }
    return ti->parent;
}

Type type_get_parent(Type type)
{
    return type_resolve_parent(type);
}

const char *type_get_plugin(Type type)
{
    return type->owner ? type->owner : "core";
}

static bool type_is_ancestor(Type ti, Type target)
{
    for (; ti; ti = type_resolve_parent(ti)) {
        if (ti == target) {
            return true;
        }
    }
    return false;
}

/* Interface types can never be instantiated, whatever their TypeInfo says. */
static bool type_is_interface(Type ti)
{
    Type iface = type_get_by_name(TYPE_INTERFACE);
    return iface && type_is_ancestor(ti, iface);
}

static size_t type_class_size(Type ti)
{
    for (; ti; ti = type_resolve_parent(ti)) {
        if (ti->class_size) {
            return ti->class_size;
        }
    }
    return sizeof(ObjectClass);
}

size_t type_object_size(Type ti)
{
    for (; ti; ti = type_resolve_parent(ti)) {
        if (ti->instance_size) {
            return ti->instance_size;
        }
    }
    return sizeof(Object);
}

static bool type_initialize(Type ti);

/* Give klass its own copy of an interface class: copied from the parent
 * class's implementation when inherited (so the parent's methods carry
 * over), else from the interface type's class. */
static void class_add_interface(ObjectClass *klass, Type iface, InterfaceClass *from)
{
    Type impl = g_new0(struct TypeImpl, 1);
    char *name = g_strdup_printf("%s::%s", klass->type->name, iface->name);
    impl->name = g_intern_string(name);
    g_free(name);
    impl->parent = iface;
    impl->parent_name = iface->name;
    impl->is_interface_impl = true;
    size_t size = type_class_size(iface);
    InterfaceClass *ic = g_malloc0(size);
    memcpy(ic, from ? (void *)from : (void *)iface->klass, size);
    ic->parent_class.type = impl;
    ic->parent_class.interfaces = NULL;
    ic->parent_class.properties = g_hash_table_new(g_str_hash, g_str_equal);
    ic->concrete_class = klass;
    ic->interface_type = iface;
    impl->klass = &ic->parent_class;
    klass->interfaces = g_slist_append(klass->interfaces, ic);
}

static InterfaceClass *class_find_interface(ObjectClass *klass, Type iface)
{
    for (GSList *l = klass->interfaces; l; l = l->next) {
        InterfaceClass *ic = l->data;
        if (type_is_ancestor(ic->interface_type, iface)) {
            return ic;
        }
    }
    return NULL;
}

static void run_base_inits(Type ti, ObjectClass *klass)
{
    Type parent = type_resolve_parent(ti);
    if (parent) {
        run_base_inits(parent, klass);
    }
    if (ti->class_base_init) {
        ti->class_base_init(klass, ti->class_data);
    }
}

/* Build ti's class (and its ancestors').  False when an ancestor or an
 * interface is missing. */
static bool type_initialize(Type ti)
{
    if (ti->klass) {
        return true;
    }
    Type parent = type_resolve_parent(ti);
    if (ti->parent_name && !parent) {
        return false;
    }
    /* A loop or a too-small struct is refused when a plugin loads
     * (type_check_ancestry); a type that escaped that check still must not
     * recurse forever or overflow its class. */
    if (ti->initializing) {
        return false;
    }
    ti->initializing = true;
    bool parent_ok = !parent || type_initialize(parent);
    ti->initializing = false;
    if (!parent_ok || (parent && (type_class_size(ti) < type_class_size(parent) ||
                                  type_object_size(ti) < type_object_size(parent)))) {
        return false;
    }
    for (guint i = 0; i < ti->interface_names->len; i++) {
        Type iface = type_get_by_name(g_ptr_array_index(ti->interface_names, i));
        if (!iface || !type_initialize(iface)) {
            return false;
        }
    }

    size_t size = type_class_size(ti);
    ObjectClass *klass = g_malloc0(size);
    if (parent) {
        memcpy(klass, parent->klass, type_class_size(parent));
    }
    klass->type = ti;
    klass->properties = g_hash_table_new(g_str_hash, g_str_equal);
    klass->interfaces = NULL;

    if (parent) {
        for (GSList *l = parent->klass->interfaces; l; l = l->next) {
            InterfaceClass *pic = l->data;
            class_add_interface(klass, pic->interface_type, pic);
        }
    }
    for (guint i = 0; i < ti->interface_names->len; i++) {
        Type iface = type_get_by_name(g_ptr_array_index(ti->interface_names, i));
        if (!class_find_interface(klass, iface)) {
            class_add_interface(klass, iface, NULL);
        }
    }

    /* Published before class_init so that class_init may cast klass. */
    ti->klass = klass;
    run_base_inits(ti, klass);
    if (ti->class_init) {
        ti->class_init(klass, ti->class_data);
    }
    return true;
}

ObjectClass *object_class_by_name(const char *typename)
{
    Type ti = type_get_by_name(typename);
    if (!ti || !type_initialize(ti)) {
        return NULL;
    }
    return ti->klass;
}

const char *object_class_get_name(ObjectClass *klass)
{
    return klass->type->name;
}

ObjectClass *object_class_get_parent(ObjectClass *klass)
{
    Type parent = type_resolve_parent(klass->type);
    if (!parent || !type_initialize(parent)) {
        return NULL;
    }
    return parent->klass;
}

bool object_class_is_abstract(ObjectClass *klass)
{
    return type_is_abstract(klass->type);
}

ObjectClass *object_class_dynamic_cast(ObjectClass *klass, const char *typename)
{
    if (!klass) {
        return NULL;
    }
    /* Fast path: walk the ancestry comparing names (no hashing). */
    for (Type ti = klass->type; ti; ti = type_resolve_parent(ti)) {
        if (ti->name == typename || !strcmp(ti->name, typename)) {
            return klass;
        }
    }
    if (klass->interfaces) {
        Type target = type_get_by_name(typename);
        if (target) {
            InterfaceClass *ic = class_find_interface(klass, target);
            if (ic) {
                return &ic->parent_class;
            }
        }
    }
    return NULL;
}

ObjectClass *object_class_dynamic_cast_assert(ObjectClass *klass, const char *typename,
                                              const char *file, int line, const char *func)
{
    ObjectClass *ret = object_class_dynamic_cast(klass, typename);
    if (!ret && klass) {
        fprintf(stderr, "cardcage: %s:%d:%s: class '%s' is not a subclass of '%s'\n",
                file, line, func, klass->type->name, typename);
        abort();
    }
    return ret;
}

typedef struct ClassListData {
    Type target;
    bool include_abstract;
    GSList *list;
} ClassListData;

static void class_list_add(gpointer key, gpointer value, gpointer opaque)
{
    ClassListData *d = opaque;
    Type ti = value;
    /* Built first: a type whose class cannot be built is not walked. */
    if (ti->is_interface_impl || !type_initialize(ti) ||
        (type_is_abstract(ti) && !d->include_abstract)) {
        return;
    }
    if (!d->target || type_is_ancestor(ti, d->target) ||
        class_find_interface(ti->klass, d->target)) {
        d->list = g_slist_prepend(d->list, ti->klass);
    }
}

static gint class_name_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(((const ObjectClass *)a)->type->name, ((const ObjectClass *)b)->type->name);
}

GSList *object_class_get_list(const char *typename, bool include_abstract)
{
    ClassListData d = { .include_abstract = include_abstract };
    if (typename) {
        d.target = type_get_by_name(typename);
        if (!d.target) {
            return NULL;
        }
    }
    g_hash_table_foreach(table(), class_list_add, &d);
    return g_slist_sort(d.list, class_name_cmp);
}

/* ---- ownership, for the plugin loader ---- */

/* A refused plugin's types go with it: their names and TypeInfo data live
 * in the plugin's .so, which is closed.  They go before any object of them
 * exists; a class already built for one (a type list walked meanwhile) is
 * freed with it. */
static void type_free(Type ti)
{
    if (ti->klass) {
        g_hash_table_destroy(ti->klass->properties);
        g_slist_free(ti->klass->interfaces);
        g_free(ti->klass);
    }
    g_ptr_array_unref(ti->interface_names);
    g_free(ti->owner);
    g_free(ti);
}

static gboolean owned_by_free(gpointer key, gpointer value, gpointer owner)
{
    Type ti = value;
    if (g_strcmp0(ti->owner, owner) != 0) {
        return FALSE;
    }
    type_free(ti);
    return TRUE;
}

void type_unregister_owner(const char *owner)
{
    g_hash_table_foreach_steal(table(), owned_by_free, (gpointer)owner);
}

static void collect_owned(gpointer key, gpointer value, gpointer opaque)
{
    GPtrArray *a = opaque;
    Type ti = value;
    if (!ti->is_interface_impl && !g_strcmp0(ti->owner, g_ptr_array_index(a, 0))) {
        g_ptr_array_add(a, (gpointer)ti->name);
    }
}

static gint str_ptr_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

GPtrArray *type_list_owned_by(const char *owner)
{
    GPtrArray *a = g_ptr_array_new();
    g_ptr_array_add(a, (gpointer)owner);
    g_hash_table_foreach(table(), collect_owned, a);
    g_ptr_array_remove_index(a, 0);
    g_ptr_array_sort(a, str_ptr_cmp);
    return a;
}

/* The parent chain of ti must end (at "object" or "interface"): a loop
 * would hang every walk up the chain. */
static bool check_no_loop(Type ti, Error **errp)
{
    GHashTable *seen = g_hash_table_new(NULL, NULL);
    bool ok = true;
    for (Type t = ti; t; t = type_resolve_parent(t)) {
        if (!g_hash_table_add(seen, t)) {
            GString *path = g_string_new(ti->name);
            for (Type u = type_resolve_parent(ti); ; u = type_resolve_parent(u)) {
                g_string_append_printf(path, " -> %s", u->name);
                if (u == t) {
                    break;
                }
            }
            error_setg(errp, "the parent chain of type '%s' loops (%s)", ti->name, path->str);
            g_string_free(path, TRUE);
            ok = false;
            break;
        }
    }
    g_hash_table_destroy(seen);
    return ok;
}

/* A type's instance and class structs begin with its parent's: declaring
 * them smaller than the parent's would make object_new and the class
 * copy write past the allocation. */
static bool check_sizes(Type ti, Error **errp)
{
    for (Type t = ti; t; t = type_resolve_parent(t)) {
        Type p = type_resolve_parent(t);
        if (!p) {
            break;
        }
        if (t->instance_size && t->instance_size < type_object_size(p)) {
            error_setg(errp, "type '%s' declares an instance size of %zu bytes, smaller "
                       "than the %zu of its parent '%s'", t->name, t->instance_size,
                       type_object_size(p), p->name);
            return false;
        }
        if (t->class_size && t->class_size < type_class_size(p)) {
            error_setg(errp, "type '%s' declares a class size of %zu bytes, smaller than "
                       "the %zu of its parent '%s'", t->name, t->class_size,
                       type_class_size(p), p->name);
            return false;
        }
    }
    return true;
}

bool type_check_ancestry(const char *owner, Error **errp)
{
    GPtrArray *names = type_list_owned_by(owner);
    bool ok = true;
    for (guint i = 0; ok && i < names->len; i++) {
        Type ti = type_get_by_name(g_ptr_array_index(names, i));
        if (!check_no_loop(ti, errp)) {
            ok = false;
            break;
        }
        for (Type t = ti; t; t = type_resolve_parent(t)) {
            if (t->parent_name && !type_resolve_parent(t)) {
                error_setg(errp, "type '%s' derives from '%s', which no loaded plugin "
                           "or the core provides", ti->name, t->parent_name);
                ok = false;
                break;
            }
            for (guint j = 0; ok && j < t->interface_names->len; j++) {
                const char *iname = g_ptr_array_index(t->interface_names, j);
                if (!type_get_by_name(iname)) {
                    error_setg(errp, "type '%s' implements interface '%s', which no "
                               "loaded plugin or the core provides", ti->name, iname);
                    ok = false;
                }
            }
            if (!ok) {
                break;
            }
        }
        ok = ok && check_sizes(ti, errp);
    }
    g_ptr_array_unref(names);
    return ok;
}

/* ---- object construction helpers used by object.c ---- */

bool type_prepare(Type ti)
{
    return type_initialize(ti);
}

void type_run_instance_init(Type ti, Object *obj)
{
    Type parent = type_resolve_parent(ti);
    if (parent) {
        type_run_instance_init(parent, obj);
    }
    if (ti->instance_init) {
        ti->instance_init(obj);
    }
}

void type_run_instance_post_init(Type ti, Object *obj)
{
    Type parent = type_resolve_parent(ti);
    if (parent) {
        type_run_instance_post_init(parent, obj);
    }
    if (ti->instance_post_init) {
        ti->instance_post_init(obj);
    }
}

void type_run_instance_finalize(Type ti, Object *obj)
{
    for (; ti; ti = type_resolve_parent(ti)) {
        if (ti->instance_finalize) {
            ti->instance_finalize(obj);
        }
    }
}

bool type_is_abstract(Type ti)
{
    return ti->abstract || type_is_interface(ti);
}

ObjectClass *type_get_class(Type ti)
{
    return ti->klass;
}

static void register_base_types(void)
{
    static const TypeInfo base_types[] = {
        {
            .name = TYPE_OBJECT,
            .instance_size = sizeof(Object),
            .class_size = sizeof(ObjectClass),
            .abstract = true,
        }, {
            .name = TYPE_INTERFACE,
            .class_size = sizeof(InterfaceClass),
            .abstract = true,
        },
    };
    type_register_static_array(base_types, CC_ARRAY_SIZE(base_types));
}

/* The root types exist before any type_init entry runs. */
static void __attribute__((constructor(101))) type_table_init(void)
{
    register_base_types();
}
