/*
 * Character backends: the abstract type, the registry by id and the
 * options (the frontend side is char-frontend.c).
 *
 * Backends live under the container /chardevs, named by their id, so
 * chardev_find is a lookup in the composition tree and `info qtree`-style
 * tools see them.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "chardev-internal.h"

/* How long chardev_cleanup_all waits for a slow reader, per backend. */
#define CHARDEV_EXIT_FLUSH_MS 1000

static Object *chardev_container(void)
{
    return container_get(object_get_root(), "chardevs");
}

/* ---- creation and lookup ---- */

/* QEMU's rule for ids: a letter, then letters, digits, '-', '.', '_'. */
static bool chardev_id_valid(const char *id)
{
    if (!id || !g_ascii_isalpha(id[0])) {
        return false;
    }
    for (const char *p = id; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '.' && *p != '_') {
            return false;
        }
    }
    return true;
}

static bool chardev_check_opts(ChardevClass *cc, const char *backend,
                               const ChardevOpts *opts, Error **errp)
{
    for (guint i = 0; opts && i < opts->keys->len; i++) {
        const char *key = g_ptr_array_index(opts->keys, i);
        bool known = !strcmp(key, "id");
        for (const char *const *n = cc->opt_names; n && *n && !known; n++) {
            known = !strcmp(*n, key);
        }
        if (!known) {
            char *list = cc->opt_names ? g_strjoinv(", ", (char **)cc->opt_names) : NULL;
            error_setg(errp, "chardev backend '%s' has no option '%s'", backend, key);
            error_append_hint(errp, "its options: %s\n", list && *list ? list : "none");
            g_free(list);
            return false;
        }
    }
    return true;
}

Chardev *chardev_new(const char *id, const char *backend, const ChardevOpts *opts,
                     Error **errp)
{
    if (!chardev_id_valid(id)) {
        error_setg(errp, "chardev id '%s' is not valid", id ? id : "");
        error_append_hint(errp, "an id starts with a letter, followed by letters, "
                          "digits, '-', '.' or '_'\n");
        return NULL;
    }
    if (chardev_find(id)) {
        error_setg(errp, "chardev id '%s' is already in use", id);
        return NULL;
    }
    char *type = g_strdup_printf("chardev-%s", backend);
    ObjectClass *oc = object_class_by_name(type);
    if (!oc || !object_class_dynamic_cast(oc, TYPE_CHARDEV) || object_class_is_abstract(oc)) {
        error_setg(errp, "unknown chardev backend '%s'", backend);
        error_append_hint(errp, "backends: null, stdio, file, socket, pty, ringbuf\n");
        g_free(type);
        return NULL;
    }
    ChardevClass *cc = CHARDEV_CLASS(oc);
    if (!chardev_check_opts(cc, backend, opts, errp)) {
        g_free(type);
        return NULL;
    }
    Chardev *chr = CHARDEV(object_new(type));
    g_free(type);
    chr->id = g_strdup(id);
    if (cc->open && !cc->open(chr, opts, errp)) {
        error_prepend(errp, "chardev '%s': ", id);
        object_unref(chr);
        return NULL;
    }
    object_property_add_child(chardev_container(), id, OBJECT(chr), &error_abort);
    object_unref(chr);   /* the container holds it now */
    return chr;
}

Chardev *chardev_find(const char *id)
{
    if (!id) {
        return NULL;
    }
    Object *obj = object_resolve_path_component(chardev_container(), id);
    return obj ? (Chardev *)object_dynamic_cast(obj, TYPE_CHARDEV) : NULL;
}

const char *chardev_get_id(Chardev *chr)
{
    return chr->id;
}

bool chardev_delete(const char *id, Error **errp)
{
    Chardev *chr = chardev_find(id);
    if (!chr) {
        error_setg(errp, "no chardev with id '%s'", id ? id : "");
        return false;
    }
    if (chr->nfe > 0) {
        error_setg(errp, "chardev '%s' is in use by a device", id);
        return false;
    }
    object_unparent(OBJECT(chr));
    return true;
}

uint64_t chardev_dropped_bytes(Chardev *chr)
{
    return chr->dropped;
}

size_t chardev_output_pending(Chardev *chr)
{
    ChardevClass *cc = CHARDEV_GET_CLASS(chr);
    return cc->pending ? cc->pending(chr) : 0;
}

void chardev_set_output_limit(Chardev *chr, size_t max)
{
    chr->outq_max = MAX(max, (size_t)CHARDEV_OUTQ_MAX);
}

static int chardev_collect(Object *child, void *opaque)
{
    Chardev *chr = (Chardev *)object_dynamic_cast(child, TYPE_CHARDEV);
    if (chr) {
        g_ptr_array_add(opaque, chr);
    }
    return 0;
}

GSList *chardev_list_mux_ids(void)
{
    Object *container = object_resolve_path_component(object_get_root(), "chardevs");
    GPtrArray *all = g_ptr_array_new();
    if (container) {
        object_child_foreach(container, chardev_collect, all);
    }
    GSList *ids = NULL;
    for (guint i = 0; i < all->len; i++) {
        Chardev *chr = g_ptr_array_index(all, i);
        if (chr->mux) {
            ids = g_slist_insert_sorted(ids, g_strdup(chr->id), (GCompareFunc)strcmp);
        }
    }
    g_ptr_array_free(all, TRUE);
    return ids;
}

void chardev_cleanup_all(void)
{
    Object *container = object_resolve_path_component(object_get_root(), "chardevs");
    if (!container) {
        return;
    }
    GPtrArray *all = g_ptr_array_new();
    object_child_foreach(container, chardev_collect, all);
    for (guint i = 0; i < all->len; i++) {
        Chardev *chr = g_ptr_array_index(all, i);
        ChardevClass *cc = CHARDEV_GET_CLASS(chr);
        if (cc->flush) {
            cc->flush(chr, CHARDEV_EXIT_FLUSH_MS);
        }
    }
    /* Unparenting finalizes each backend: fds closed, terminal restored. */
    for (guint i = 0; i < all->len; i++) {
        Chardev *chr = g_ptr_array_index(all, i);
        chardev_detach(chr);
        object_unparent(OBJECT(chr));
    }
    g_ptr_array_free(all, TRUE);
}

/* ---- type ---- */

static void chardev_finalize(Object *obj)
{
    g_free(CHARDEV(obj)->id);
}

static const TypeInfo chardev_types[] = {
    {
        .name = TYPE_CHARDEV,
        .parent = TYPE_OBJECT,
        .abstract = true,
        .instance_size = sizeof(Chardev),
        .instance_finalize = chardev_finalize,
        .class_size = sizeof(ChardevClass),
    },
};

DEFINE_TYPES(chardev_types)
