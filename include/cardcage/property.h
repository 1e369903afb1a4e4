/*
 * cardcage plugin SDK: static properties of a device, backed by fields of its
 * state struct.
 *
 *     static const Property pit_properties[] = {
 *         DEFINE_PROP_UINT16("iobase", PITState, iobase, 0x40,
 *                            "first I/O port of the four the 8254 decodes"),
 *         DEFINE_PROP_END_OF_LIST(),
 *     };
 *     ...  device_class_set_props(dc, pit_properties);
 *
 * Each becomes a class property with that description and default; the
 * default is written into the field when the object is created.  Setting a
 * static property after the device is realized fails.  Values from a board
 * file, -device, -set and -global all go through the same checks.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_PROPERTY_H
#define CARDCAGE_PROPERTY_H

#include <cardcage/object.h>

typedef enum PropFieldType {
    PROP_FIELD_BOOL,
    PROP_FIELD_U8, PROP_FIELD_U16, PROP_FIELD_U32, PROP_FIELD_U64,
    PROP_FIELD_I8, PROP_FIELD_I16, PROP_FIELD_I32, PROP_FIELD_I64,
    PROP_FIELD_SIZE,     /* uint64_t */
    PROP_FIELD_STRING,   /* char *, g_strdup'd; freed with the object */
    PROP_FIELD_ENUM,     /* int */
    PROP_FIELD_LINK,     /* Object * (any pointer to a struct with Object first) */
    PROP_FIELD_BACKEND,  /* a host backend named by id, of kind backend_kind */
} PropFieldType;

/* The kinds of host backend a device property can name.  The field's C
 * type follows the kind: Chardev * for a character backend, BlockBackend *
 * for a drive (block.h), NetClient * for a netdev (net.h). */
typedef enum PropBackendKind {
    PROP_BACKEND_CHARDEV,
    PROP_BACKEND_DRIVE,          /* ABI 2.2 */
    PROP_BACKEND_NETDEV,         /* ABI 2.2 */
    PROP_BACKEND__MAX,
} PropBackendKind;

typedef struct Property {
    const char *name;
    PropFieldType field;
    size_t offset;
    const char *description;
    /* Default: defval_i for signed/enum/bool, defval_u for unsigned/size,
     * defval_str for strings. */
    int64_t defval_i;
    uint64_t defval_u;
    const char *defval_str;
    bool has_range;
    int64_t min_i, max_i;
    uint64_t min_u, max_u;
    const char *const *enum_names;  /* ENUM: NULL-terminated */
    const char *enum_type_name;     /* ENUM: e.g. "OnOffAuto" */
    const char *link_type;          /* LINK: the target's type */
    PropBackendKind backend_kind;   /* BACKEND */
} Property;

#define DEFINE_PROP_FIELD_(_n, _s, _f, _ft, _desc, ...)                     \
    { .name = (_n), .field = (_ft), .offset = offsetof(_s, _f),             \
      .description = (_desc), __VA_ARGS__ }

#define DEFINE_PROP_BOOL(_n, _s, _f, _d, _desc) \
    DEFINE_PROP_FIELD_(_n, _s, _f, PROP_FIELD_BOOL, _desc, .defval_i = (_d))
#define DEFINE_PROP_UINT8(_n, _s, _f, _d, _desc) \
    DEFINE_PROP_FIELD_(_n, _s, _f, PROP_FIELD_U8, _desc, .defval_u = (_d))
#define DEFINE_PROP_UINT16(_n, _s, _f, _d, _desc) \
    DEFINE_PROP_FIELD_(_n, _s, _f, PROP_FIELD_U16, _desc, .defval_u = (_d))
#define DEFINE_PROP_UINT32(_n, _s, _f, _d, _desc) \
    DEFINE_PROP_FIELD_(_n, _s, _f, PROP_FIELD_U32, _desc, .defval_u = (_d))
#define DEFINE_PROP_UINT64(_n, _s, _f, _d, _desc) \
    DEFINE_PROP_FIELD_(_n, _s, _f, PROP_FIELD_U64, _desc, .defval_u = (_d))
#define DEFINE_PROP_INT32(_n, _s, _f, _d, _desc) \
    DEFINE_PROP_FIELD_(_n, _s, _f, PROP_FIELD_I32, _desc, .defval_i = (_d))
#define DEFINE_PROP_INT64(_n, _s, _f, _d, _desc) \
    DEFINE_PROP_FIELD_(_n, _s, _f, PROP_FIELD_I64, _desc, .defval_i = (_d))
/* Unsigned with an inclusive range. */
#define DEFINE_PROP_UINT_RANGE(_n, _s, _f, _ft, _d, _min, _max, _desc)        \
    DEFINE_PROP_FIELD_(_n, _s, _f, _ft, _desc, .defval_u = (_d),            \
                       .has_range = true, .min_u = (_min), .max_u = (_max))
#define DEFINE_PROP_INT_RANGE(_n, _s, _f, _ft, _d, _min, _max, _desc)         \
    DEFINE_PROP_FIELD_(_n, _s, _f, _ft, _desc, .defval_i = (_d),            \
                       .has_range = true, .min_i = (_min), .max_i = (_max))
#define DEFINE_PROP_SIZE(_n, _s, _f, _d, _desc) \
    DEFINE_PROP_FIELD_(_n, _s, _f, PROP_FIELD_SIZE, _desc, .defval_u = (_d))
#define DEFINE_PROP_STRING(_n, _s, _f, _d, _desc) \
    DEFINE_PROP_FIELD_(_n, _s, _f, PROP_FIELD_STRING, _desc, .defval_str = (_d))
#define DEFINE_PROP_ENUM(_n, _s, _f, _d, _names, _tname, _desc)              \
    DEFINE_PROP_FIELD_(_n, _s, _f, PROP_FIELD_ENUM, _desc, .defval_i = (_d), \
                       .enum_names = (_names), .enum_type_name = (_tname))
#define DEFINE_PROP_LINK(_n, _s, _f, _ltype, _desc) \
    DEFINE_PROP_FIELD_(_n, _s, _f, PROP_FIELD_LINK, _desc, .link_type = (_ltype))
/* A character backend, set by its id (see chardev.h); the field is a
 * Chardev *, NULL when none is given ("" clears it).  The core checks the
 * id, claims the backend for the device (one device per backend unless it
 * is multiplexed), detaches it at unrealize and releases it with the
 * device; the device only calls chardev_set_handlers in realize. */
#define DEFINE_PROP_CHARDEV(_n, _s, _f, _desc) \
    DEFINE_PROP_FIELD_(_n, _s, _f, PROP_FIELD_BACKEND, _desc, \
                       .backend_kind = PROP_BACKEND_CHARDEV)
/* A drive (block.h), set by the id of -drive id=... or the node-name of
 * -blockdev; the field is a BlockBackend *, NULL when none is given.  The
 * core checks the name, claims the drive for the device before its
 * realize (one device per drive), drains and releases it after unrealize;
 * the device only calls blk_set_dev_ops (removable media) in realize. */
#define DEFINE_PROP_DRIVE(_n, _s, _f, _desc) \
    DEFINE_PROP_FIELD_(_n, _s, _f, PROP_FIELD_BACKEND, _desc, \
                       .backend_kind = PROP_BACKEND_DRIVE)
#define DEFINE_PROP_END_OF_LIST() { .name = NULL }

/* Install props (terminated by DEFINE_PROP_END_OF_LIST) as class properties.
 * The array must stay valid (static).  Called from class_init. */
typedef struct DeviceClass DeviceClass;
CC_API void device_class_set_props(DeviceClass *dc, const Property *props);

/* -global TYPE.PROP=VALUE: applied to every new instance of TYPE or of its
 * subtypes, after instance_init and before any other setting. */
CC_API void object_register_global(const char *typename, const char *prop,
                                   const char *value);
/* Check the globals against the type table (unknown type or property) once
 * all plugins are loaded. */
CC_API bool object_check_globals(Error **errp);

#endif
