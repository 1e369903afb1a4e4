/*
 * The QOM commands of QMP (QEMU's qapi/qom.json and the introspection of
 * qapi/qdev.json): qom-list, qom-get, qom-set, qom-list-types and
 * device-list-properties.  Values travel as JSON of the property's kind:
 * booleans, integers, strings (enums by name, links and children as
 * canonical paths).
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <json-c/json.h>
#include <cardcage/device.h>
#include <cardcage/module.h>
#include <cardcage/qmp.h>

static const char *arg_str(json_object *args, const char *name)
{
    json_object *v = json_object_object_get(args, name);
    return v ? json_object_get_string(v) : NULL;
}

/* The type QEMU's introspection shows for a property. */
static char *property_type_name(const ObjectProperty *p)
{
    switch (p->kind) {
    case PROP_KIND_BOOL:
        return g_strdup("bool");
    case PROP_KIND_INT:
        return g_strdup(p->type_name ? p->type_name : "int");
    case PROP_KIND_UINT:
        return g_strdup(p->type_name ? p->type_name : "uint64");
    case PROP_KIND_SIZE:
        return g_strdup("size");
    case PROP_KIND_STRING:
        return g_strdup("str");
    case PROP_KIND_ENUM:
        return g_strdup(p->type_name ? p->type_name : "str");
    case PROP_KIND_LINK:
    case PROP_KIND_CHILD:
        return object_property_type_text(p);
    }
    return g_strdup("any");
}

static Object *find_object(const char *path, Error **errp)
{
    bool ambiguous = false;
    Object *obj = object_resolve_path(path, &ambiguous);
    if (!obj) {
        if (ambiguous) {
            error_setg(errp, "Path '%s' is ambiguous", path);
        } else {
            qmp_error_setg(errp, QMP_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found", path);
        }
    }
    return obj;
}

static ObjectProperty *find_property(Object *obj, const char *name, Error **errp)
{
    ObjectProperty *p = object_property_find(obj, name);
    if (!p) {
        error_setg(errp, "Property '%s.%s' not found", object_get_typename(obj), name);
    }
    return p;
}

static json_object *property_info(const ObjectProperty *p)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(p->name));
    char *type = property_type_name(p);
    json_object_object_add(o, "type", json_object_new_string(type));
    g_free(type);
    if (p->description) {
        json_object_object_add(o, "description", json_object_new_string(p->description));
    }
    return o;
}

static json_object *qom_list(json_object *args, Error **errp)
{
    Object *obj = find_object(arg_str(args, "path"), errp);
    if (!obj) {
        return NULL;
    }
    json_object *list = json_object_new_array();
    GPtrArray *props = object_property_list(obj);
    for (guint i = 0; i < props->len; i++) {
        json_object_array_add(list, property_info(g_ptr_array_index(props, i)));
    }
    g_ptr_array_unref(props);
    return list;
}

static json_object *object_path_value(Object *target)
{
    if (!target) {
        return json_object_new_string("");
    }
    char *path = object_get_canonical_path(target);
    json_object *v = json_object_new_string(path ? path : "");
    g_free(path);
    return v;
}

static json_object *qom_get(json_object *args, Error **errp)
{
    Object *obj = find_object(arg_str(args, "path"), errp);
    const char *name = arg_str(args, "property");
    ObjectProperty *p = obj ? find_property(obj, name, errp) : NULL;
    PropValue v;
    if (!p || !object_property_get(obj, name, &v, errp)) {
        return NULL;
    }
    switch (v.kind) {
    case PROP_KIND_BOOL:
        return json_object_new_boolean(v.b);
    case PROP_KIND_INT:
        return json_object_new_int64(v.i);
    case PROP_KIND_UINT:
    case PROP_KIND_SIZE:
        return json_object_new_uint64(v.u);
    case PROP_KIND_STRING: {
        json_object *s = json_object_new_string(v.str ? v.str : "");
        g_free(v.str);
        return s;
    }
    case PROP_KIND_ENUM: {
        int n = 0;
        while (p->enum_names && p->enum_names[n]) {
            n++;
        }
        return json_object_new_string(v.e >= 0 && v.e < n ? p->enum_names[v.e] : "");
    }
    case PROP_KIND_LINK:
    case PROP_KIND_CHILD:
        return object_path_value(v.obj);
    }
    return NULL;
}

static bool set_from_json(Object *obj, ObjectProperty *p, json_object *value, Error **errp)
{
    PropValue v = { .kind = p->kind };
    const char *expected = NULL;
    switch (p->kind) {
    case PROP_KIND_BOOL:
        if (!json_object_is_type(value, json_type_boolean)) {
            expected = "bool";
            break;
        }
        v.b = json_object_get_boolean(value);
        return object_property_set(obj, p->name, &v, errp);
    case PROP_KIND_INT:
        if (!json_object_is_type(value, json_type_int)) {
            expected = "integer";
            break;
        }
        v.i = json_object_get_int64(value);
        return object_property_set(obj, p->name, &v, errp);
    case PROP_KIND_UINT:
    case PROP_KIND_SIZE:
        /* json-c keeps integers above INT64_MAX as unsigned. */
        if (!json_object_is_type(value, json_type_int) ||
            (json_object_get_int64(value) < 0 && json_object_get_uint64(value) == 0)) {
            expected = "uint64";
            break;
        }
        v.u = json_object_get_uint64(value);
        return object_property_set(obj, p->name, &v, errp);
    case PROP_KIND_STRING:
    case PROP_KIND_ENUM:
    case PROP_KIND_LINK:
        if (!json_object_is_type(value, json_type_string)) {
            expected = "string";
            break;
        }
        /* Enums by name and links by path: the text parser knows both. */
        return object_property_parse(obj, p->name, json_object_get_string(value), errp);
    case PROP_KIND_CHILD:
        error_setg(errp, "Property '%s.%s' is a child and cannot be set",
                   object_get_typename(obj), p->name);
        return false;
    }
    error_setg(errp, "Invalid parameter type for '%s', expected: %s", p->name,
               expected ? expected : "value");
    return false;
}

static json_object *qom_set(json_object *args, Error **errp)
{
    Object *obj = find_object(arg_str(args, "path"), errp);
    ObjectProperty *p = obj ? find_property(obj, arg_str(args, "property"), errp) : NULL;
    if (!p) {
        return NULL;
    }
    if (!p->set) {
        error_setg(errp, "Property '%s.%s' is read-only", object_get_typename(obj), p->name);
        return NULL;
    }
    json_object *value = json_object_object_get(args, "value");
    return set_from_json(obj, p, value, errp) ? qmp_ok() : NULL;
}

static json_object *qom_list_types(json_object *args, Error **errp)
{
    const char *implements = arg_str(args, "implements");
    json_object *abs = json_object_object_get(args, "abstract");
    bool include_abstract = abs && json_object_get_boolean(abs);
    if (implements && !object_class_by_name(implements)) {
        return json_object_new_array();
    }
    GSList *classes = object_class_get_list(implements ? implements : TYPE_OBJECT,
                                            include_abstract);
    json_object *list = json_object_new_array();
    for (GSList *l = classes; l; l = l->next) {
        ObjectClass *oc = l->data;
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(object_class_get_name(oc)));
        /* As QEMU: "abstract" only when true, "parent" when there is one. */
        if (object_class_is_abstract(oc)) {
            json_object_object_add(o, "abstract", json_object_new_boolean(true));
        }
        ObjectClass *parent = object_class_get_parent(oc);
        if (parent) {
            json_object_object_add(o, "parent",
                                   json_object_new_string(object_class_get_name(parent)));
        }
        json_object_array_add(list, o);
    }
    g_slist_free(classes);
    return list;
}

/* The default as the JSON of the property's kind, as QEMU gives it. */
static json_object *default_value(const ObjectProperty *p)
{
    bool b;
    int64_t i;
    uint64_t u;
    switch (p->kind) {
    case PROP_KIND_BOOL:
        if (cc_parse_bool(p->default_text, &b)) {
            return json_object_new_boolean(b);
        }
        break;
    case PROP_KIND_INT:
        if (cc_parse_int64(p->default_text, &i)) {
            return json_object_new_int64(i);
        }
        break;
    case PROP_KIND_UINT:
    case PROP_KIND_SIZE:
        if (cc_parse_size(p->default_text, &u)) {
            return json_object_new_uint64(u);
        }
        break;
    default:
        break;
    }
    return json_object_new_string(p->default_text);
}

static json_object *device_list_properties(json_object *args, Error **errp)
{
    const char *name = arg_str(args, "typename");
    ObjectClass *oc = object_class_by_name(name);
    if (!oc) {
        qmp_error_setg(errp, QMP_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found", name);
        return NULL;
    }
    if (!object_class_dynamic_cast(oc, TYPE_DEVICE)) {
        error_setg(errp, "Parameter 'typename' expects device");
        return NULL;
    }
    if (object_class_is_abstract(oc)) {
        error_setg(errp, "Parameter 'typename' expects a non-abstract device type");
        return NULL;
    }
    json_object *list = json_object_new_array();
    GPtrArray *props = object_class_property_list(oc);
    for (guint i = 0; i < props->len; i++) {
        const ObjectProperty *p = g_ptr_array_index(props, i);
        if (p->kind == PROP_KIND_CHILD) {
            continue;
        }
        json_object *o = property_info(p);
        if (p->default_text) {
            json_object_object_add(o, "default-value", default_value(p));
        }
        json_object_array_add(list, o);
    }
    g_ptr_array_unref(props);
    return list;
}

static const QmpCommandInfo qom_commands[] = {
    { "qom-list", "path:str", "[ObjectPropertyInfo]", qom_list },
    { "qom-get", "path:str property:str", "any", qom_get },
    { "qom-set", "path:str property:str value:any", NULL, qom_set },
    { "qom-list-types", "?implements:str ?abstract:bool", "[ObjectTypeInfo]", qom_list_types },
    { "device-list-properties", "typename:str", "[ObjectPropertyInfo]",
      device_list_properties },
};

static void qom_qmp_register(void)
{
    for (size_t i = 0; i < CC_ARRAY_SIZE(qom_commands); i++) {
        qmp_register_command(&qom_commands[i], &error_abort);
    }
}
qapi_init(qom_qmp_register)
