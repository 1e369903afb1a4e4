/*
 * Static device properties: class properties backed by fields of the
 * device's state struct (DEFINE_PROP_* in include/cardcage/property.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <string.h>
#include <cardcage/device.h>
#include "device/device-internal.h"

static void *field_ptr(Object *obj, const Property *p)
{
    return (char *)obj + p->offset;
}

static PropKind field_kind(PropFieldType f)
{
    switch (f) {
    case PROP_FIELD_BOOL:   return PROP_KIND_BOOL;
    case PROP_FIELD_U8: case PROP_FIELD_U16: case PROP_FIELD_U32: case PROP_FIELD_U64:
        return PROP_KIND_UINT;
    case PROP_FIELD_I8: case PROP_FIELD_I16: case PROP_FIELD_I32: case PROP_FIELD_I64:
        return PROP_KIND_INT;
    case PROP_FIELD_SIZE:   return PROP_KIND_SIZE;
    case PROP_FIELD_STRING: return PROP_KIND_STRING;
    case PROP_FIELD_ENUM:   return PROP_KIND_ENUM;
    case PROP_FIELD_LINK:   return PROP_KIND_LINK;
    case PROP_FIELD_BACKEND: return PROP_KIND_STRING;   /* the backend's id */
    }
    return PROP_KIND_INT;
}

/* The C type's name and natural range. */
static const char *field_type_name(PropFieldType f, int64_t *min_i, int64_t *max_i,
                                   uint64_t *max_u)
{
    switch (f) {
    case PROP_FIELD_U8:  *max_u = UINT8_MAX;  return "uint8";
    case PROP_FIELD_U16: *max_u = UINT16_MAX; return "uint16";
    case PROP_FIELD_U32: *max_u = UINT32_MAX; return "uint32";
    case PROP_FIELD_U64: *max_u = UINT64_MAX; return "uint64";
    case PROP_FIELD_I8:  *min_i = INT8_MIN;  *max_i = INT8_MAX;  return "int8";
    case PROP_FIELD_I16: *min_i = INT16_MIN; *max_i = INT16_MAX; return "int16";
    case PROP_FIELD_I32: *min_i = INT32_MIN; *max_i = INT32_MAX; return "int32";
    case PROP_FIELD_I64: *min_i = INT64_MIN; *max_i = INT64_MAX; return "int64";
    case PROP_FIELD_SIZE: *max_u = UINT64_MAX; return NULL;
    default: return NULL;
    }
}

static bool static_get(Object *obj, ObjectProperty *prop, PropValue *out, Error **errp)
{
    const Property *p = prop->opaque;
    void *f = field_ptr(obj, p);
    switch (p->field) {
    case PROP_FIELD_BOOL:   out->b = *(bool *)f; break;
    case PROP_FIELD_U8:     out->u = *(uint8_t *)f; break;
    case PROP_FIELD_U16:    out->u = *(uint16_t *)f; break;
    case PROP_FIELD_U32:    out->u = *(uint32_t *)f; break;
    case PROP_FIELD_U64:
    case PROP_FIELD_SIZE:   out->u = *(uint64_t *)f; break;
    case PROP_FIELD_I8:     out->i = *(int8_t *)f; break;
    case PROP_FIELD_I16:    out->i = *(int16_t *)f; break;
    case PROP_FIELD_I32:    out->i = *(int32_t *)f; break;
    case PROP_FIELD_I64:    out->i = *(int64_t *)f; break;
    case PROP_FIELD_STRING: out->str = g_strdup(*(char **)f); break;
    case PROP_FIELD_ENUM:   out->e = *(int *)f; break;
    case PROP_FIELD_LINK:   out->obj = *(Object **)f; break;
    case PROP_FIELD_BACKEND: out->str = device_backend_prop_get(obj, p); break;
    }
    return true;
}

/* Values arrive range-checked (property.c) against the field's range. */
static void store(Object *obj, const Property *p, const PropValue *in)
{
    void *f = field_ptr(obj, p);
    switch (p->field) {
    case PROP_FIELD_BOOL:   *(bool *)f = in->b; break;
    case PROP_FIELD_U8:     *(uint8_t *)f = (uint8_t)in->u; break;
    case PROP_FIELD_U16:    *(uint16_t *)f = (uint16_t)in->u; break;
    case PROP_FIELD_U32:    *(uint32_t *)f = (uint32_t)in->u; break;
    case PROP_FIELD_U64:
    case PROP_FIELD_SIZE:   *(uint64_t *)f = in->u; break;
    case PROP_FIELD_I8:     *(int8_t *)f = (int8_t)in->i; break;
    case PROP_FIELD_I16:    *(int16_t *)f = (int16_t)in->i; break;
    case PROP_FIELD_I32:    *(int32_t *)f = (int32_t)in->i; break;
    case PROP_FIELD_I64:    *(int64_t *)f = in->i; break;
    case PROP_FIELD_STRING:
        g_free(*(char **)f);
        *(char **)f = g_strdup(in->str);
        break;
    case PROP_FIELD_ENUM:   *(int *)f = in->e; break;
    case PROP_FIELD_LINK: {
        Object *old = *(Object **)f;
        *(Object **)f = object_ref(in->obj);
        object_unref(old);
        break;
    }
    case PROP_FIELD_BACKEND:
        break;                   /* device_backend_prop_set, which can fail */
    }
}

static bool static_set(Object *obj, ObjectProperty *prop, const PropValue *in, Error **errp)
{
    DeviceState *dev = DEVICE(obj);
    if (dev->realized) {
        error_setg(errp, "property '%s' of '%s' cannot be changed once the device is "
                   "realized", prop->name, dev->id ? dev->id : object_get_typename(obj));
        return false;
    }
    const Property *p = prop->opaque;
    if (p->field == PROP_FIELD_BACKEND) {
        return device_backend_prop_set(obj, p, in->str, errp);
    }
    store(obj, p, in);
    return true;
}

const Property *device_static_prop_of(const ObjectProperty *prop)
{
    return prop->set == static_set ? prop->opaque : NULL;
}

static char *default_text(const Property *p)
{
    switch (field_kind(p->field)) {
    case PROP_KIND_BOOL:
        return g_strdup(p->defval_i ? "on" : "off");
    case PROP_KIND_UINT:
        return g_strdup_printf(p->defval_u > 9 ? "0x%" PRIx64 : "%" PRIu64, p->defval_u);
    case PROP_KIND_INT:
        return g_strdup_printf("%" PRId64, p->defval_i);
    case PROP_KIND_SIZE:
        return cc_format_size(p->defval_u);
    case PROP_KIND_STRING:
        return p->defval_str ? g_strdup(p->defval_str) : NULL;
    case PROP_KIND_ENUM:
        return p->enum_names ? g_strdup(p->enum_names[p->defval_i]) : NULL;
    default:
        return NULL;
    }
}

void device_class_set_props(DeviceClass *dc, const Property *props)
{
    for (const Property *p = props; p->name; p++) {
        int64_t min_i = INT64_MIN, max_i = INT64_MAX;
        uint64_t max_u = UINT64_MAX;
        const char *tname = field_type_name(p->field, &min_i, &max_i, &max_u);
        char *def = default_text(p);
        ObjectPropertyInfo info = {
            .name = p->name,
            .kind = field_kind(p->field),
            .description = p->description,
            .type_name = p->field == PROP_FIELD_LINK ? p->link_type
                         : p->field == PROP_FIELD_ENUM ? p->enum_type_name
                         : p->field == PROP_FIELD_BACKEND ? device_backend_kind_name(p) : tname,
            .enum_names = p->enum_names,
            .has_range = true,
            .min_i = p->has_range ? MAX(p->min_i, min_i) : min_i,
            .max_i = p->has_range ? MIN(p->max_i, max_i) : max_i,
            .min_u = p->has_range ? p->min_u : 0,
            .max_u = p->has_range ? MIN(p->max_u, max_u) : max_u,
            .default_text = def,
            .get = static_get,
            .set = static_set,
            .opaque = (void *)p,
        };
        object_class_property_add_full(OBJECT_CLASS(dc), &info, &error_abort);
        g_free(def);
    }
    dc->props_ = props;
}

static void set_defaults_of_class(Object *obj, ObjectClass *klass)
{
    GHashTableIter iter;
    gpointer key, value;
    g_hash_table_iter_init(&iter, klass->properties);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        const Property *p = device_static_prop_of(value);
        if (!p || p->field == PROP_FIELD_BACKEND) {
            continue;            /* no backend until the property is set */
        }
        PropValue v = { .kind = field_kind(p->field) };
        switch (v.kind) {
        case PROP_KIND_BOOL:   v.b = p->defval_i != 0; break;
        case PROP_KIND_INT:    v.i = p->defval_i; break;
        case PROP_KIND_UINT:
        case PROP_KIND_SIZE:   v.u = p->defval_u; break;
        case PROP_KIND_STRING: v.str = (char *)p->defval_str; break;
        case PROP_KIND_ENUM:   v.e = (int)p->defval_i; break;
        default:               v.obj = NULL; break;
        }
        store(obj, p, &v);
    }
}

void device_static_props_set_defaults(DeviceState *dev)
{
    /* Parents first, so a subclass's own default for a field wins. */
    GSList *chain = NULL;
    for (ObjectClass *k = object_get_class(OBJECT(dev)); k; k = object_class_get_parent(k)) {
        chain = g_slist_prepend(chain, k);
    }
    for (GSList *l = chain; l; l = l->next) {
        set_defaults_of_class(OBJECT(dev), l->data);
    }
    g_slist_free(chain);
}

bool device_static_props_foreach(DeviceState *dev, PropFieldType field, DevicePropFn *fn,
                                 void *opaque)
{
    for (ObjectClass *k = object_get_class(OBJECT(dev)); k; k = object_class_get_parent(k)) {
        GHashTableIter iter;
        gpointer key, value;
        g_hash_table_iter_init(&iter, k->properties);
        while (g_hash_table_iter_next(&iter, &key, &value)) {
            const Property *p = device_static_prop_of(value);
            if (p && p->field == field && !fn(OBJECT(dev), p, opaque)) {
                return false;
            }
        }
    }
    return true;
}

static bool free_string(Object *obj, const Property *p, void *opaque)
{
    char **f = field_ptr(obj, p);
    g_free(*f);
    *f = NULL;
    return true;
}

static bool drop_link(Object *obj, const Property *p, void *opaque)
{
    Object **f = field_ptr(obj, p);
    object_unref(*f);
    *f = NULL;
    return true;
}

void device_static_props_finalize(DeviceState *dev)
{
    device_static_props_foreach(dev, PROP_FIELD_STRING, free_string, NULL);
    device_static_props_foreach(dev, PROP_FIELD_LINK, drop_link, NULL);
    device_backend_props_finalize(dev);
}
