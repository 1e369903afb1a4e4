/*
 * cardcage plugin SDK: the type table and objects.
 *
 * Types are registered by name (type_register_static) from a type_init()
 * function.  A type names its parent by name, so a plugin may register a
 * type whose parent another plugin provides: parents are resolved when the
 * class is first needed, not at registration.  Classes are built lazily,
 * parents first; a type without class_size or instance_size takes its
 * parent's.
 *
 * Objects are reference counted (object_new returns one reference).  Each
 * object may be a child of another ("composition"), which gives it a path
 * such as /machine/isa/pit; a child holds a reference that its parent drops
 * on object_unparent.
 *
 * Casts: OBJECT_CHECK(Type, obj, "name") and friends check the type at run
 * time and abort with a message naming both types on a mismatch (a cast is a
 * programming assertion, not input validation).  object_dynamic_cast returns
 * NULL instead.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_OBJECT_H
#define CARDCAGE_OBJECT_H

#include <cardcage/compiler.h>
#include <cardcage/error.h>

typedef struct TypeImpl *Type;
typedef struct ObjectClass ObjectClass;
typedef struct Object Object;
typedef struct ObjectProperty ObjectProperty;
typedef struct InterfaceClass InterfaceClass;

#define TYPE_OBJECT    "object"
#define TYPE_INTERFACE "interface"
#define TYPE_CONTAINER "container"

typedef struct InterfaceInfo {
    const char *type;
} InterfaceInfo;

typedef struct TypeInfo {
    const char *name;
    const char *parent;              /* NULL only for TYPE_OBJECT/TYPE_INTERFACE */

    size_t instance_size;            /* 0: the parent's */
    void (*instance_init)(Object *obj);       /* parents' run first */
    void (*instance_post_init)(Object *obj);  /* after every instance_init; parents' first */
    void (*instance_finalize)(Object *obj);   /* children's run first */

    bool abstract;                   /* object_new refuses abstract types */
    size_t class_size;               /* 0: the parent's */
    void (*class_init)(ObjectClass *klass, void *data);
    /* Run for this class and, before their class_init, for every subclass. */
    void (*class_base_init)(ObjectClass *klass, void *data);
    void *class_data;

    const InterfaceInfo *interfaces; /* terminated by { NULL } */
} TypeInfo;

struct ObjectClass {
    Type type;
    GSList *interfaces;              /* InterfaceClass * this class implements */
    GHashTable *properties;          /* name -> ObjectProperty*, class-level */
    void (*unparent)(Object *obj);
};

struct Object {
    ObjectClass *klass;
    GHashTable *properties;          /* name -> ObjectProperty*, instance-level */
    uint32_t ref;
    Object *parent;                  /* composition parent, or NULL */
    char *name;                      /* name within parent ("pit"), or NULL */
    GHashTable *children;            /* name -> Object*, or NULL when none */
    void (*free)(void *obj);         /* g_free for object_new, NULL when embedded */
};

struct InterfaceClass {
    ObjectClass parent_class;
    ObjectClass *concrete_class;     /* the class that implements it */
    Type interface_type;
};

/* ------------------------------------------------------------------ */
/* Type registration                                                    */

/* Register a type.  Fails (returning NULL) if the name is taken, is empty,
 * or the info is malformed; the message names the type and, when a plugin
 * is loading, that plugin.  The TypeInfo must stay valid (static). */
CC_API Type type_register_static(const TypeInfo *info);
/* Same, reporting why through errp. */
CC_API Type type_register_checked(const TypeInfo *info, Error **errp);
/* Register an array of types (the usual end of a plugin file). */
CC_API void type_register_static_array(const TypeInfo *infos, int nr);

CC_API bool type_exists(const char *name);
CC_API const char *type_get_name(Type type);
CC_API Type type_get_parent(Type type);
/* Name of the plugin that registered the type ("core" for the core). */
CC_API const char *type_get_plugin(Type type);

#define DEFINE_TYPES(type_array)                                           \
    static void do_cc_register_types_##type_array(void)                    \
    {                                                                      \
        type_register_static_array(type_array, CC_ARRAY_SIZE(type_array)); \
    }                                                                      \
    type_init(do_cc_register_types_##type_array)

/* ------------------------------------------------------------------ */
/* Classes                                                              */

CC_API ObjectClass *object_class_by_name(const char *typename);
CC_API const char *object_class_get_name(ObjectClass *klass);
CC_API ObjectClass *object_class_get_parent(ObjectClass *klass);
CC_API bool object_class_is_abstract(ObjectClass *klass);
/* klass itself if it is (or implements) typename, else NULL. For an
 * interface name, returns the InterfaceClass. */
CC_API ObjectClass *object_class_dynamic_cast(ObjectClass *klass, const char *typename);
CC_API ObjectClass *object_class_dynamic_cast_assert(ObjectClass *klass, const char *typename,
                                                     const char *file, int line,
                                                     const char *func);
/* Every class that is typename or a subclass of it; include_abstract
 * selects abstract ones too.  Free with g_slist_free. Sorted by name. */
CC_API GSList *object_class_get_list(const char *typename, bool include_abstract);

/* ------------------------------------------------------------------ */
/* Objects                                                              */

/* A new instance with one reference; NULL (and errp set) for an unknown or
 * abstract type. */
CC_API Object *object_new_checked(const char *typename, Error **errp);
/* Same, for a type the caller knows exists (aborts otherwise). */
CC_API Object *object_new(const char *typename);
/* Initialise an object embedded in a larger struct (size bytes at data,
 * at least the type's instance_size).  Its memory is not freed with it. */
CC_API void object_initialize(void *data, size_t size, const char *typename);
/* object_initialize + object_property_add_child (the child holds the only
 * reference). */
CC_API bool object_initialize_child(Object *parent, const char *name, void *child,
                                    size_t size, const char *typename, Error **errp);
CC_API Object *object_ref(void *obj);
CC_API void object_unref(void *obj);

CC_API ObjectClass *object_get_class(Object *obj);
CC_API const char *object_get_typename(const Object *obj);
CC_API Object *object_dynamic_cast(Object *obj, const char *typename);
CC_API Object *object_dynamic_cast_assert(Object *obj, const char *typename,
                                          const char *file, int line, const char *func);

#define OBJECT(obj) ((Object *)(obj))
#define OBJECT_CLASS(klass) ((ObjectClass *)(klass))

#define OBJECT_CHECK(type, obj, name) \
    ((type *)object_dynamic_cast_assert(OBJECT(obj), (name), __FILE__, __LINE__, __func__))
#define OBJECT_CLASS_CHECK(class_type, klass, name) \
    ((class_type *)object_class_dynamic_cast_assert(OBJECT_CLASS(klass), (name), \
                                                    __FILE__, __LINE__, __func__))
#define OBJECT_GET_CLASS(class_type, obj, name) \
    OBJECT_CLASS_CHECK(class_type, object_get_class(OBJECT(obj)), name)

/*
 * Declares the cast helpers for a type, in the manner of QEMU's
 * OBJECT_DECLARE_TYPE:  OBJECT_DECLARE_TYPE(PITState, PITClass, PIT)
 * gives PIT(obj), PIT_CLASS(klass) and PIT_GET_CLASS(obj) checked against
 * TYPE_PIT.  OBJECT_DECLARE_SIMPLE_TYPE gives only the instance cast.
 */
#define OBJECT_DECLARE_TYPE(InstanceType, ClassType, MODULE_OBJ_NAME)           \
    typedef struct InstanceType InstanceType;                                   \
    typedef struct ClassType ClassType;                                         \
    G_GNUC_UNUSED static inline InstanceType *MODULE_OBJ_NAME(const void *obj)  \
    { return OBJECT_CHECK(InstanceType, obj, TYPE_##MODULE_OBJ_NAME); }         \
    G_GNUC_UNUSED static inline ClassType *MODULE_OBJ_NAME##_CLASS(const void *klass) \
    { return OBJECT_CLASS_CHECK(ClassType, klass, TYPE_##MODULE_OBJ_NAME); }    \
    G_GNUC_UNUSED static inline ClassType *MODULE_OBJ_NAME##_GET_CLASS(const void *obj) \
    { return OBJECT_GET_CLASS(ClassType, obj, TYPE_##MODULE_OBJ_NAME); }

#define OBJECT_DECLARE_SIMPLE_TYPE(InstanceType, MODULE_OBJ_NAME)               \
    typedef struct InstanceType InstanceType;                                   \
    G_GNUC_UNUSED static inline InstanceType *MODULE_OBJ_NAME(const void *obj)  \
    { return OBJECT_CHECK(InstanceType, obj, TYPE_##MODULE_OBJ_NAME); }

/* ------------------------------------------------------------------ */
/* Composition tree                                                     */

/* The root container "/". */
CC_API Object *object_get_root(void);
/* Add child under parent with a name; takes a new reference on child.
 * Fails if the name is taken or child already has a parent. */
CC_API bool object_property_add_child(Object *parent, const char *name, Object *child,
                                      Error **errp);
/* Remove obj from its parent, dropping the parent's reference. */
CC_API void object_unparent(Object *obj);
/* "/machine/isa/pit"; g_free the result.  "/" for the root; NULL for an
 * object outside the tree. */
CC_API char *object_get_canonical_path(const Object *obj);
CC_API const char *object_get_canonical_path_component(const Object *obj);
/* Resolve an absolute path ("/machine/isa/pit") or a partial one ("pit":
 * the unique object of that name anywhere in the tree).  *ambiguous (may be
 * NULL) is set when a partial path matches more than one object. */
CC_API Object *object_resolve_path(const char *path, bool *ambiguous);
CC_API Object *object_resolve_path_type(const char *path, const char *typename,
                                        bool *ambiguous);
CC_API Object *object_resolve_path_component(Object *parent, const char *name);
/* The child container "name" of parent, created when missing. */
CC_API Object *container_get(Object *parent, const char *path);
/* Call fn for each direct child (in name order); stops at a non-zero return,
 * which it returns. */
CC_API int object_child_foreach(Object *obj, int (*fn)(Object *child, void *opaque),
                                void *opaque);
/* Same, depth first over the whole subtree. */
CC_API int object_child_foreach_recursive(Object *obj,
                                          int (*fn)(Object *child, void *opaque),
                                          void *opaque);

/* ------------------------------------------------------------------ */
/* Properties                                                           */

typedef enum PropKind {
    PROP_KIND_BOOL,
    PROP_KIND_INT,       /* signed, with [min, max] */
    PROP_KIND_UINT,      /* unsigned, with [min, max] */
    PROP_KIND_SIZE,      /* unsigned byte count; text accepts 64K, 128M, 4G, 1T */
    PROP_KIND_STRING,
    PROP_KIND_ENUM,      /* one of a fixed list of names; value is the index */
    PROP_KIND_LINK,      /* a reference to another object of a given type */
    PROP_KIND_CHILD,     /* a composition child (read-only) */
} PropKind;

/* A property value in transit.  For PROP_KIND_STRING, str is owned by whoever
 * filled it in a get (caller frees) and borrowed in a set. */
typedef struct PropValue {
    PropKind kind;
    union {
        bool b;
        int64_t i;
        uint64_t u;      /* UINT and SIZE */
        char *str;       /* STRING */
        int e;           /* ENUM index */
        Object *obj;     /* LINK and CHILD */
    };
} PropValue;

typedef bool ObjectPropertyGet(Object *obj, ObjectProperty *prop, PropValue *out,
                               Error **errp);
typedef bool ObjectPropertySet(Object *obj, ObjectProperty *prop, const PropValue *in,
                               Error **errp);
typedef void ObjectPropertyRelease(Object *obj, ObjectProperty *prop);

struct ObjectProperty {
    char *name;
    PropKind kind;
    char *description;
    char *type_name;         /* LINK/CHILD: the target type; ENUM: the enum's name */
    const char *const *enum_names;  /* ENUM: NULL-terminated */
    int64_t min_i, max_i;    /* INT range */
    uint64_t min_u, max_u;   /* UINT/SIZE range */
    char *default_text;      /* the default, as text (for help), or NULL */
    ObjectPropertyGet *get;  /* NULL: write-only */
    ObjectPropertySet *set;  /* NULL: read-only */
    ObjectPropertyRelease *release;
    void *opaque;
};

/* Describes a property to add.  Only name, kind and get/set are required;
 * ranges default to the full range of the kind. */
typedef struct ObjectPropertyInfo {
    const char *name;
    PropKind kind;
    const char *description;
    const char *type_name;
    const char *const *enum_names;
    int64_t min_i, max_i;
    uint64_t min_u, max_u;
    bool has_range;          /* use the min/max fields */
    const char *default_text;
    ObjectPropertyGet *get;
    ObjectPropertySet *set;
    ObjectPropertyRelease *release;
    void *opaque;
} ObjectPropertyInfo;

CC_API ObjectProperty *object_property_add_full(Object *obj, const ObjectPropertyInfo *info,
                                                Error **errp);
CC_API ObjectProperty *object_class_property_add_full(ObjectClass *klass,
                                                      const ObjectPropertyInfo *info,
                                                      Error **errp);
CC_API void object_property_del(Object *obj, const char *name);

/* Convenience: properties backed by a field of the instance. */
CC_API ObjectProperty *object_property_add_bool_ptr(Object *obj, const char *name,
                                                    bool *ptr, const char *description);
CC_API ObjectProperty *object_property_add_uint64_ptr(Object *obj, const char *name,
                                                      uint64_t *ptr, const char *description);
/* A link property whose value is stored in *targetp (no reference is taken
 * beyond the one the link holds while set). */
CC_API ObjectProperty *object_property_add_link(Object *obj, const char *name,
                                                const char *type_name, Object **targetp,
                                                const char *description);

/* Lookup: instance properties first, then the class and its parents. */
CC_API ObjectProperty *object_property_find(Object *obj, const char *name);
CC_API ObjectProperty *object_class_property_find(ObjectClass *klass, const char *name);
/* All properties of an object (instance and class), sorted by name.
 * g_ptr_array_unref the result (its elements are borrowed). */
CC_API GPtrArray *object_property_list(Object *obj);
CC_API GPtrArray *object_class_property_list(ObjectClass *klass);

/* Typed set/get.  A set checks the property's kind and range and fails with a
 * message naming the property, the value and what was expected. */
CC_API bool object_property_set(Object *obj, const char *name, const PropValue *v,
                                Error **errp);
CC_API bool object_property_get(Object *obj, const char *name, PropValue *out,
                                Error **errp);
CC_API bool object_property_set_bool(Object *obj, const char *name, bool v, Error **errp);
CC_API bool object_property_set_int(Object *obj, const char *name, int64_t v, Error **errp);
CC_API bool object_property_set_uint(Object *obj, const char *name, uint64_t v, Error **errp);
CC_API bool object_property_set_str(Object *obj, const char *name, const char *v,
                                    Error **errp);
CC_API bool object_property_set_link(Object *obj, const char *name, Object *v,
                                     Error **errp);
CC_API bool object_property_get_bool(Object *obj, const char *name, Error **errp);
CC_API int64_t object_property_get_int(Object *obj, const char *name, Error **errp);
CC_API uint64_t object_property_get_uint(Object *obj, const char *name, Error **errp);
/* g_free the result. */
CC_API char *object_property_get_str(Object *obj, const char *name, Error **errp);
CC_API Object *object_property_get_link(Object *obj, const char *name, Error **errp);

/* Set a property from text, as a board file or the command line gives it:
 *   bool   on/off, true/false, yes/no
 *   int    decimal, 0x hex, 0 octal, with an optional sign; range checked
 *   uint   same, no sign
 *   size   a number with an optional K, M, G, T suffix (powers of 1024)
 *   enum   one of the names
 *   link   an object path or a partial path / id ("pic")
 */
CC_API bool object_property_parse(Object *obj, const char *name, const char *text,
                                  Error **errp);
/* The current value as text (g_free it); NULL if the property can't be read. */
CC_API char *object_property_print(Object *obj, const char *name, Error **errp);

/* Human-readable type of a property: "bool", "int32 (0..65535)", "size",
 * "string", "enum (ttl|cmos)", "link<isa-device>".  g_free the result. */
CC_API char *object_property_type_text(const ObjectProperty *prop);

/* Parsing helpers shared with the board loader and command line. */
CC_API bool cc_parse_bool(const char *text, bool *out);
CC_API bool cc_parse_int64(const char *text, int64_t *out);
CC_API bool cc_parse_uint64(const char *text, uint64_t *out);
/* "128M" -> 134217728.  No suffix means bytes. */
CC_API bool cc_parse_size(const char *text, uint64_t *out);
/* 134217728 -> "128M" when exact, else the byte count.  g_free the result. */
CC_API char *cc_format_size(uint64_t size);

#endif
