/*
 * cardcage plugin SDK: device state descriptions and state streams.
 *
 * A device describes the state it must keep across save and restore with a
 * VMStateDescription on its class (DeviceClass.vmsd): a list of fields with
 * their type, offset and size, array bounds, the ranges of enums and indices,
 * timers, nested structures, optional subsections and hooks.  The core saves
 * and loads every realized device that has one; the same description drives
 * both directions, so they cannot drift apart.
 *
 *     static const VMStateDescription vmstate_my_device = {
 *         .name = "my-device",
 *         .version_id = 1,
 *         .minimum_version_id = 1,
 *         .post_load = my_post_load,
 *         .fields = (const VMStateField[]) {
 *             VMSTATE_UINT8(status, MyDeviceState),
 *             VMSTATE_UINT8_ARRAY(fifo, MyDeviceState, 16),
 *             VMSTATE_UINT8_INDEX(head, MyDeviceState, 16),   head < 16
 *             VMSTATE_TIMER(timer, MyDeviceState),
 *             VMSTATE_END_OF_LIST()
 *         },
 *     };
 *     ...  dc->vmsd = &vmstate_my_device;
 *
 * Loading is hostile input: every value is read through a bounds-checked
 * stream, every array length, index and enum is checked against the
 * description, and an error names the device and the field.  A failed load
 * leaves the device as it was (vmstate_load restores what it overwrote).
 *
 * Stream encoding (all integers big-endian).  A device's payload is its
 * fields in description order: integers in their size, bools as one byte
 * 0/1, fixed buffers and fixed arrays preceded by a u32 element count that
 * must equal the described one, variable arrays as exactly as many elements
 * as their (already loaded, bound-checked) count field says, timers as one
 * byte armed 0/1 and an i64 absolute deadline on their clock.  A nested
 * structure field (one or an array) starts with the u32 version of its own
 * description, after the element count if any: the nested fields are
 * versioned by that, not by the parent, because one description (the PCI
 * function's, an IDE channel's) is nested in parents of different
 * versions.  After the
 * fields come the subsections: for each needed one, byte 1, its name (u8
 * length + bytes), a u32 version, a u32 payload length and the payload; a
 * byte 0 ends the list.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_VMSTATE_H
#define CARDCAGE_VMSTATE_H

#include <inttypes.h>
#include <cardcage/compiler.h>
#include <cardcage/error.h>

typedef struct DeviceState DeviceState;
typedef struct VMStateDescription VMStateDescription;
typedef struct VMStateField VMStateField;

/* ==== Streams ==== */

/*
 * A byte stream: a writer into a growable memory buffer or a (buffered)
 * file descriptor, or a reader over a memory buffer.  Every read is
 * bounds-checked: reading past the end fails with an Error ("truncated")
 * and reads nothing.  Multi-byte values are big-endian.
 */
typedef struct VMStateStream VMStateStream;

/* A writer into a growable buffer (vmstate_stream_data gives the bytes). */
CC_API VMStateStream *vmstate_stream_new_buffer(void);
/* A writer into fd (not closed by vmstate_stream_free; flush first). */
CC_API VMStateStream *vmstate_stream_new_fd(int fd);
/* A reader over data[0..len) (borrowed: it must outlive the stream). */
CC_API VMStateStream *vmstate_stream_new_reader(const uint8_t *data, size_t len);
CC_API void vmstate_stream_free(VMStateStream *s);

/* Buffer writer: the bytes written so far.  Reader: the whole input. */
CC_API const uint8_t *vmstate_stream_data(const VMStateStream *s, size_t *len);
/* Bytes written (writers) or consumed (readers) so far. */
CC_API uint64_t vmstate_stream_tell(const VMStateStream *s);
/* Reader: bytes left to read. */
CC_API size_t vmstate_stream_remaining(const VMStateStream *s);
CC_API bool vmstate_stream_is_reader(const VMStateStream *s);
/* fd writer: write out what is buffered.  Others: true. */
CC_API bool vmstate_stream_flush(VMStateStream *s, Error **errp);

/* Writers.  A failure (fd writer: a write error) makes the stream sticky-
 * failed: later writes fail too, with the first error. */
CC_API bool vmstate_stream_put_bytes(VMStateStream *s, const void *buf, size_t len,
                                     Error **errp);
CC_API bool vmstate_stream_put_u8(VMStateStream *s, uint8_t v, Error **errp);
CC_API bool vmstate_stream_put_u16(VMStateStream *s, uint16_t v, Error **errp);
CC_API bool vmstate_stream_put_u32(VMStateStream *s, uint32_t v, Error **errp);
CC_API bool vmstate_stream_put_u64(VMStateStream *s, uint64_t v, Error **errp);
/* A string of at most 255 bytes of printable ASCII: u8 length + bytes. */
CC_API bool vmstate_stream_put_str(VMStateStream *s, const char *str, Error **errp);

/* Readers: fail with "truncated ..." when fewer bytes are left. */
CC_API bool vmstate_stream_get_bytes(VMStateStream *s, void *buf, size_t len,
                                     Error **errp);
CC_API bool vmstate_stream_get_u8(VMStateStream *s, uint8_t *v, Error **errp);
CC_API bool vmstate_stream_get_u16(VMStateStream *s, uint16_t *v, Error **errp);
CC_API bool vmstate_stream_get_u32(VMStateStream *s, uint32_t *v, Error **errp);
CC_API bool vmstate_stream_get_u64(VMStateStream *s, uint64_t *v, Error **errp);
/* A string written by vmstate_stream_put_str into a g_malloc'd,
 * NUL-terminated copy; one with a byte that is not printable ASCII is
 * refused (names are type names and QOM paths). */
CC_API bool vmstate_stream_get_str(VMStateStream *s, char **str, Error **errp);
/* Reader: a borrowed pointer to the next len bytes, which are consumed
 * (NULL and errp set when fewer are left). */
CC_API const uint8_t *vmstate_stream_get_span(VMStateStream *s, size_t len, Error **errp);
/* Reader: skip len bytes. */
CC_API bool vmstate_stream_skip(VMStateStream *s, size_t len, Error **errp);

/* ==== Descriptions ==== */

typedef enum VMStateType {
    VMSTATE_TYPE_END = 0,         /* terminates a field list */
    VMSTATE_TYPE_U8,
    VMSTATE_TYPE_U16,
    VMSTATE_TYPE_U32,
    VMSTATE_TYPE_U64,
    VMSTATE_TYPE_I8,
    VMSTATE_TYPE_I16,
    VMSTATE_TYPE_I32,
    VMSTATE_TYPE_I64,
    VMSTATE_TYPE_BOOL,
    VMSTATE_TYPE_BUFFER,          /* size opaque bytes */
    VMSTATE_TYPE_STRUCT,          /* a nested structure described by vmsd */
    VMSTATE_TYPE_TIMER,           /* a Timer * field: armed + deadline */
} VMStateType;

/* VMStateField.flags */
#define VMSTATE_F_ARRAY   0x01u   /* num elements of size bytes each */
#define VMSTATE_F_VARRAY  0x02u   /* count_offset names the element count
                                   * (a field loaded earlier); at most num */
#define VMSTATE_F_RANGE   0x04u   /* each value within [min, max] */

struct VMStateField {
    const char *name;
    VMStateType type;
    size_t offset;                /* of the field (its first element) */
    size_t size;                  /* one element, in bytes */
    uint32_t num;                 /* ARRAY: count; VARRAY: capacity (the bound) */
    size_t count_offset;          /* VARRAY: offset of the count field */
    VMStateType count_type;       /* VARRAY: its type (U8/U16/U32/I32) */
    int64_t min, max;             /* RANGE (signed types) */
    uint64_t umax;                /* RANGE (unsigned types and bools): 0..umax */
    unsigned flags;               /* VMSTATE_F_* */
    const VMStateDescription *vmsd;   /* STRUCT */
    int version_id;               /* the field is in streams from this version */
};

typedef struct VMStateSubsection {
    const VMStateDescription *vmsd;
    /* Saved only when this returns true (NULL: always).  On load a
     * subsection is optional: absent ones leave the fields as they are, so
     * pre_load should put them in their default state. */
    bool (*needed)(void *opaque);
} VMStateSubsection;

struct VMStateDescription {
    const char *name;             /* checked on load against the stream */
    int version_id;               /* the version this build writes */
    int minimum_version_id;       /* the oldest version it can load */
    /* Hooks; opaque is the structure the fields are offsets into.  Any of
     * them may be NULL.  post_load may refuse the state (a combination
     * of values that no guest can produce) with an Error: the load fails
     * and the device is restored. */
    void (*pre_save)(void *opaque);
    void (*pre_load)(void *opaque);
    bool (*post_load)(void *opaque, int version_id, Error **errp);
    const VMStateField *fields;   /* ends with VMSTATE_END_OF_LIST() */
    const VMStateSubsection *subsections;   /* ends with { NULL } */
};

/* Save opaque as vmsd describes (version vmsd->version_id), running
 * pre_save first.  Fails only when the stream does. */
CC_API bool vmstate_save(VMStateStream *s, const VMStateDescription *vmsd, void *opaque,
                         Error **errp);
/* Load opaque from a payload of version version_id written by
 * vmstate_save.  Runs pre_load, reads and checks every field, the
 * subsections, then post_load.  On any error the fields of opaque are
 * restored to what they were (the error names vmsd->name and the field). */
CC_API bool vmstate_load(VMStateStream *s, const VMStateDescription *vmsd, void *opaque,
                         int version_id, Error **errp);

/* ==== Devices and the whole machine ==== */

/* The description of dev's class (inherited from a parent class when the
 * class sets none), or NULL. */
CC_API const VMStateDescription *vmstate_device_vmsd(DeviceState *dev);
/* The name a device's section carries: its canonical QOM path (stable
 * across runs of the same board), e.g. "/machine/pit". g_free it. */
CC_API char *vmstate_device_section_id(DeviceState *dev);

/*
 * One device as a section: u8 tag 1, type name (str), section id (str),
 * u32 instance id (0: the id names the device), u32 version, u32 payload
 * length, payload.  Load checks the tag, that the type name and id are
 * dev's, the version range and that the payload is consumed exactly.
 */
CC_API bool vmstate_save_device(VMStateStream *s, DeviceState *dev, Error **errp);
CC_API bool vmstate_load_device(VMStateStream *s, DeviceState *dev, Error **errp);

/*
 * The whole machine's device state: magic "CCDS", u32 format version
 * (VMSTATE_STREAM_VERSION), then one section per realized device with a
 * description, in device-tree order from the system bus (CPUs included),
 * then a u8 0.  Load parses and matches every section header to a device
 * first (unknown device, wrong type, duplicate, missing device: an error
 * before anything changes), then loads the devices in order; if one fails,
 * every device already loaded is restored, so the machine is as it was.
 * Devices that are realized but have no description fail the save
 * (vmstate_machine_check lists them).
 */
#define VMSTATE_STREAM_MAGIC   0x43434453u     /* "CCDS" */
/* 2: nested structures carry their own version (1 had none). */
#define VMSTATE_STREAM_VERSION 2u
CC_API bool vmstate_save_machine(VMStateStream *s, Error **errp);
CC_API bool vmstate_load_machine(VMStateStream *s, Error **errp);
/* Fail, naming them, when realized devices have no description. */
CC_API bool vmstate_machine_check(Error **errp);

/* ==== Field macros ==== */

/* A compile-time check that a field has the type the macro claims. */
#define vmstate_type_check_(t1, t2) \
    (0 * sizeof(char[__builtin_types_compatible_p(t1, t2) ? 1 : -1]))
#define vmstate_member_(st, f) (((st *)0)->f)
#define vmstate_elem_size_(st, f) sizeof(vmstate_member_(st, f)[0])

#define VMSTATE_SCALAR_V_(f, st, vtype, ctype, v) {                          \
    .name = #f, .type = (vtype), .version_id = (v),                           \
    .offset = offsetof(st, f) + vmstate_type_check_(ctype, typeof(vmstate_member_(st, f))), \
    .size = sizeof(ctype) }

#define VMSTATE_UINT8_V(f, st, v)  VMSTATE_SCALAR_V_(f, st, VMSTATE_TYPE_U8, uint8_t, v)
#define VMSTATE_UINT16_V(f, st, v) VMSTATE_SCALAR_V_(f, st, VMSTATE_TYPE_U16, uint16_t, v)
#define VMSTATE_UINT32_V(f, st, v) VMSTATE_SCALAR_V_(f, st, VMSTATE_TYPE_U32, uint32_t, v)
#define VMSTATE_UINT64_V(f, st, v) VMSTATE_SCALAR_V_(f, st, VMSTATE_TYPE_U64, uint64_t, v)
#define VMSTATE_INT8_V(f, st, v)   VMSTATE_SCALAR_V_(f, st, VMSTATE_TYPE_I8, int8_t, v)
#define VMSTATE_INT16_V(f, st, v)  VMSTATE_SCALAR_V_(f, st, VMSTATE_TYPE_I16, int16_t, v)
#define VMSTATE_INT32_V(f, st, v)  VMSTATE_SCALAR_V_(f, st, VMSTATE_TYPE_I32, int32_t, v)
#define VMSTATE_INT64_V(f, st, v)  VMSTATE_SCALAR_V_(f, st, VMSTATE_TYPE_I64, int64_t, v)
#define VMSTATE_BOOL_V(f, st, v)   VMSTATE_SCALAR_V_(f, st, VMSTATE_TYPE_BOOL, bool, v)
/* An `int` field (saved as i32). */
#define VMSTATE_INT_V(f, st, v)    VMSTATE_SCALAR_V_(f, st, VMSTATE_TYPE_I32, int, v)

#define VMSTATE_UINT8(f, st)  VMSTATE_UINT8_V(f, st, 0)
#define VMSTATE_UINT16(f, st) VMSTATE_UINT16_V(f, st, 0)
#define VMSTATE_UINT32(f, st) VMSTATE_UINT32_V(f, st, 0)
#define VMSTATE_UINT64(f, st) VMSTATE_UINT64_V(f, st, 0)
#define VMSTATE_INT8(f, st)   VMSTATE_INT8_V(f, st, 0)
#define VMSTATE_INT16(f, st)  VMSTATE_INT16_V(f, st, 0)
#define VMSTATE_INT32(f, st)  VMSTATE_INT32_V(f, st, 0)
#define VMSTATE_INT64(f, st)  VMSTATE_INT64_V(f, st, 0)
#define VMSTATE_BOOL(f, st)   VMSTATE_BOOL_V(f, st, 0)
#define VMSTATE_INT(f, st)    VMSTATE_INT_V(f, st, 0)

/* Unsigned values checked to lie in [0, max] on load: an enum whose last
 * valid value is max, or a count that may equal its bound. */
#define VMSTATE_URANGE_(f, st, vtype, ctype, max_) {                         \
    .name = #f, .type = (vtype), .flags = VMSTATE_F_RANGE, .umax = (max_),   \
    .offset = offsetof(st, f) + vmstate_type_check_(ctype, typeof(vmstate_member_(st, f))), \
    .size = sizeof(ctype) }
#define VMSTATE_UINT8_MAX(f, st, max)  VMSTATE_URANGE_(f, st, VMSTATE_TYPE_U8, uint8_t, max)
#define VMSTATE_UINT16_MAX(f, st, max) VMSTATE_URANGE_(f, st, VMSTATE_TYPE_U16, uint16_t, max)
#define VMSTATE_UINT32_MAX(f, st, max) VMSTATE_URANGE_(f, st, VMSTATE_TYPE_U32, uint32_t, max)
#define VMSTATE_UINT64_MAX(f, st, max) VMSTATE_URANGE_(f, st, VMSTATE_TYPE_U64, uint64_t, max)
/* An index into an array of bound elements: [0, bound - 1]. */
#define VMSTATE_UINT8_INDEX(f, st, bound)  VMSTATE_UINT8_MAX(f, st, (bound) - 1)
#define VMSTATE_UINT16_INDEX(f, st, bound) VMSTATE_UINT16_MAX(f, st, (bound) - 1)
#define VMSTATE_UINT32_INDEX(f, st, bound) VMSTATE_UINT32_MAX(f, st, (bound) - 1)
/* Signed values (and `int` enums) checked to lie in [min, max]. */
#define VMSTATE_SRANGE_(f, st, vtype, ctype, min_, max_) {                   \
    .name = #f, .type = (vtype), .flags = VMSTATE_F_RANGE,                   \
    .min = (min_), .max = (max_),                                            \
    .offset = offsetof(st, f) + vmstate_type_check_(ctype, typeof(vmstate_member_(st, f))), \
    .size = sizeof(ctype) }
#define VMSTATE_INT8_RANGE(f, st, min, max)  VMSTATE_SRANGE_(f, st, VMSTATE_TYPE_I8, int8_t, min, max)
#define VMSTATE_INT16_RANGE(f, st, min, max) VMSTATE_SRANGE_(f, st, VMSTATE_TYPE_I16, int16_t, min, max)
#define VMSTATE_INT32_RANGE(f, st, min, max) VMSTATE_SRANGE_(f, st, VMSTATE_TYPE_I32, int32_t, min, max)
#define VMSTATE_INT64_RANGE(f, st, min, max) VMSTATE_SRANGE_(f, st, VMSTATE_TYPE_I64, int64_t, min, max)
#define VMSTATE_INT_RANGE(f, st, min, max)   VMSTATE_SRANGE_(f, st, VMSTATE_TYPE_I32, int, min, max)
/* A C enum stored in an enum-typed field (4 bytes on every ABI cardcage
 * builds for), checked to lie in [0, max]. */
#define VMSTATE_ENUM(f, st, max_) {                                          \
    .name = #f, .type = VMSTATE_TYPE_I32, .flags = VMSTATE_F_RANGE,          \
    .min = 0, .max = (max_),                                                 \
    .offset = offsetof(st, f) + 0 * sizeof(char[sizeof(vmstate_member_(st, f)) == 4 ? 1 : -1]), \
    .size = 4 }

/* Fixed arrays: f is ctype f[n]. */
#define VMSTATE_ARRAY_V_(f, st, n, vtype, ctype, v) {                        \
    .name = #f, .type = (vtype), .flags = VMSTATE_F_ARRAY, .num = (n),        \
    .version_id = (v),                                                       \
    .offset = offsetof(st, f) + vmstate_type_check_(ctype[n], typeof(vmstate_member_(st, f))), \
    .size = sizeof(ctype) }
#define VMSTATE_UINT8_ARRAY(f, st, n)  VMSTATE_ARRAY_V_(f, st, n, VMSTATE_TYPE_U8, uint8_t, 0)
#define VMSTATE_UINT16_ARRAY(f, st, n) VMSTATE_ARRAY_V_(f, st, n, VMSTATE_TYPE_U16, uint16_t, 0)
#define VMSTATE_UINT32_ARRAY(f, st, n) VMSTATE_ARRAY_V_(f, st, n, VMSTATE_TYPE_U32, uint32_t, 0)
#define VMSTATE_UINT64_ARRAY(f, st, n) VMSTATE_ARRAY_V_(f, st, n, VMSTATE_TYPE_U64, uint64_t, 0)
#define VMSTATE_INT32_ARRAY(f, st, n)  VMSTATE_ARRAY_V_(f, st, n, VMSTATE_TYPE_I32, int32_t, 0)
#define VMSTATE_INT64_ARRAY(f, st, n)  VMSTATE_ARRAY_V_(f, st, n, VMSTATE_TYPE_I64, int64_t, 0)
#define VMSTATE_BOOL_ARRAY(f, st, n)   VMSTATE_ARRAY_V_(f, st, n, VMSTATE_TYPE_BOOL, bool, 0)
#define VMSTATE_INT_ARRAY(f, st, n)    VMSTATE_ARRAY_V_(f, st, n, VMSTATE_TYPE_I32, int, 0)
#define VMSTATE_UINT8_ARRAY_V(f, st, n, v)  VMSTATE_ARRAY_V_(f, st, n, VMSTATE_TYPE_U8, uint8_t, v)
#define VMSTATE_UINT32_ARRAY_V(f, st, n, v) VMSTATE_ARRAY_V_(f, st, n, VMSTATE_TYPE_U32, uint32_t, v)
#define VMSTATE_UINT64_ARRAY_V(f, st, n, v) VMSTATE_ARRAY_V_(f, st, n, VMSTATE_TYPE_U64, uint64_t, v)

/* Opaque bytes: f is a byte array of any element type; saved as its
 * sizeof with a u32 length that must match. */
#define VMSTATE_BUFFER_V(f, st, v) {                                         \
    .name = #f, .type = VMSTATE_TYPE_BUFFER, .version_id = (v),               \
    .offset = offsetof(st, f), .size = sizeof(vmstate_member_(st, f)) }
#define VMSTATE_BUFFER(f, st) VMSTATE_BUFFER_V(f, st, 0)

/* A variable array: elements [0, count) of array f (capacity n, which is
 * its bound), where count is the integer field count_f of type ctype_count
 * that appears earlier in the field list.  Load refuses count > n. */
#define VMSTATE_VARRAY_(f, st, count_f, count_vt, count_ct, vtype, ctype) {  \
    .name = #f, .type = (vtype), .flags = VMSTATE_F_VARRAY,                  \
    .num = sizeof(vmstate_member_(st, f)) / sizeof(ctype)                    \
           + vmstate_type_check_(ctype, typeof(vmstate_member_(st, f)[0])),   \
    .count_offset = offsetof(st, count_f)                                    \
        + vmstate_type_check_(count_ct, typeof(vmstate_member_(st, count_f))), \
    .count_type = (count_vt),                                                \
    .offset = offsetof(st, f), .size = sizeof(ctype) }
#define VMSTATE_UINT8_VARRAY_UINT32(f, st, count_f) \
    VMSTATE_VARRAY_(f, st, count_f, VMSTATE_TYPE_U32, uint32_t, VMSTATE_TYPE_U8, uint8_t)
#define VMSTATE_UINT8_VARRAY_UINT16(f, st, count_f) \
    VMSTATE_VARRAY_(f, st, count_f, VMSTATE_TYPE_U16, uint16_t, VMSTATE_TYPE_U8, uint8_t)
#define VMSTATE_UINT8_VARRAY_UINT8(f, st, count_f) \
    VMSTATE_VARRAY_(f, st, count_f, VMSTATE_TYPE_U8, uint8_t, VMSTATE_TYPE_U8, uint8_t)
#define VMSTATE_UINT8_VARRAY_INT(f, st, count_f) \
    VMSTATE_VARRAY_(f, st, count_f, VMSTATE_TYPE_I32, int, VMSTATE_TYPE_U8, uint8_t)
#define VMSTATE_UINT16_VARRAY_UINT32(f, st, count_f) \
    VMSTATE_VARRAY_(f, st, count_f, VMSTATE_TYPE_U32, uint32_t, VMSTATE_TYPE_U16, uint16_t)
#define VMSTATE_UINT32_VARRAY_UINT32(f, st, count_f) \
    VMSTATE_VARRAY_(f, st, count_f, VMSTATE_TYPE_U32, uint32_t, VMSTATE_TYPE_U32, uint32_t)

/* A nested structure of type stype described by sub_vmsd (its own fields,
 * hooks and version: its _V fields count in sub_vmsd's versions, which the
 * stream records).  v gates the whole field by the parent's version. */
#define VMSTATE_STRUCT_V(f, st, sub_vmsd, stype, v) {                        \
    .name = #f, .type = VMSTATE_TYPE_STRUCT, .vmsd = &(sub_vmsd),            \
    .version_id = (v),                                                       \
    .offset = offsetof(st, f) + vmstate_type_check_(stype, typeof(vmstate_member_(st, f))), \
    .size = sizeof(stype) }
#define VMSTATE_STRUCT(f, st, sub_vmsd, stype) VMSTATE_STRUCT_V(f, st, sub_vmsd, stype, 0)
/* A fixed array of n nested structures. */
#define VMSTATE_STRUCT_ARRAY(f, st, n, sub_vmsd, stype) {                    \
    .name = #f, .type = VMSTATE_TYPE_STRUCT, .vmsd = &(sub_vmsd),            \
    .flags = VMSTATE_F_ARRAY, .num = (n),                                    \
    .offset = offsetof(st, f) + vmstate_type_check_(stype[n], typeof(vmstate_member_(st, f))), \
    .size = sizeof(stype) }

/* A `Timer *` field (created in realize): saved as armed and deadline;
 * load re-arms it on its clock (or cancels it). */
struct Timer;
#define VMSTATE_TIMER_V(f, st, v) {                                          \
    .name = #f, .type = VMSTATE_TYPE_TIMER, .version_id = (v),                \
    .offset = offsetof(st, f)                                                \
        + vmstate_type_check_(struct Timer *, typeof(vmstate_member_(st, f))), \
    .size = sizeof(struct Timer *) }
#define VMSTATE_TIMER(f, st) VMSTATE_TIMER_V(f, st, 0)
/* An array of n `Timer *`. */
#define VMSTATE_TIMER_ARRAY(f, st, n) {                                      \
    .name = #f, .type = VMSTATE_TYPE_TIMER, .flags = VMSTATE_F_ARRAY, .num = (n), \
    .offset = offsetof(st, f)                                                \
        + vmstate_type_check_(struct Timer *[n], typeof(vmstate_member_(st, f))), \
    .size = sizeof(struct Timer *) }

#define VMSTATE_END_OF_LIST() { .name = NULL, .type = VMSTATE_TYPE_END }

#endif
