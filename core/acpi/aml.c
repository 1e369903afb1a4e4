/*
 * The AML encoder (include/cardcage/acpi.h): name strings, data objects,
 * blocks with package lengths, and the statements and expressions the
 * board's DSDT needs.  Section numbers are of the ACPI 6.4 specification,
 * chapter 20 "ACPI Machine Language Specification".
 *
 * A node is the bytes that precede its package length (an opcode, empty
 * for plain data), and its body.  A plain node's encoding is its body; a
 * block's is opcode, PkgLength, body, computed when it is serialized, which
 * is when it is appended to its parent: the body is final by then.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <string.h>
#include <cardcage/acpi.h>
#include "acpi/aml-internal.h"

/* Opcodes (20.3 "AML Byte Stream Byte Values"). */
enum {
    ZERO_OP = 0x00, ONE_OP = 0x01, NAME_OP = 0x08, BYTE_PREFIX = 0x0a, WORD_PREFIX = 0x0b,
    DWORD_PREFIX = 0x0c, STRING_PREFIX = 0x0d, QWORD_PREFIX = 0x0e, SCOPE_OP = 0x10,
    BUFFER_OP = 0x11, PACKAGE_OP = 0x12, METHOD_OP = 0x14, DUAL_NAME_PREFIX = 0x2e,
    MULTI_NAME_PREFIX = 0x2f, EXT_OP_PREFIX = 0x5b, ROOT_CHAR = 0x5c, PARENT_PREFIX = 0x5e,
    LOCAL0_OP = 0x60, ARG0_OP = 0x68, STORE_OP = 0x70, ADD_OP = 0x72, SHIFT_LEFT_OP = 0x79,
    SHIFT_RIGHT_OP = 0x7a, AND_OP = 0x7b, OR_OP = 0x7d, NOTIFY_OP = 0x86,
    CREATE_DWORD_FIELD_OP = 0x8a, LNOT_OP = 0x92, LEQUAL_OP = 0x93, LGREATER_OP = 0x94,
    LLESS_OP = 0x95, IF_OP = 0xa0, ELSE_OP = 0xa1, RETURN_OP = 0xa4, ONES_OP = 0xff,
    /* after EXT_OP_PREFIX */
    OP_REGION_OP = 0x80, FIELD_OP = 0x81, DEVICE_OP = 0x82, PROCESSOR_OP = 0x83,
};

typedef enum AmlKind {
    AML_PLAIN,        /* body only */
    AML_BLOCK,        /* op PkgLength body */
    AML_PACKAGE,      /* op PkgLength NumElements body */
    AML_BUFFER,       /* op PkgLength BufferSize body */
    AML_RESOURCES,    /* a buffer whose body ends with the End Tag */
} AmlKind;

struct Aml {
    AmlKind kind;
    GByteArray *op;
    GByteArray *body;
    unsigned count;   /* package elements */
};

static Aml *aml_new(AmlKind kind)
{
    Aml *a = g_new0(Aml, 1);
    a->kind = kind;
    a->op = g_byte_array_new();
    a->body = g_byte_array_new();
    return a;
}

void aml_free(Aml *aml)
{
    if (aml) {
        g_byte_array_unref(aml->op);
        g_byte_array_unref(aml->body);
        g_free(aml);
    }
}

static void put_byte(GByteArray *b, uint8_t v)
{
    g_byte_array_append(b, &v, 1);
}

static void put_le(GByteArray *b, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        put_byte(b, v >> (8 * i));
    }
}

/* PkgLength (20.2.4): bits 7:6 of the lead byte count the bytes that
 * follow; a one-byte length holds 0-63 in bits 5:0, longer ones hold the
 * low nibble in bits 3:0 and eight more bits in each following byte. */
void aml_encode_pkglen(GByteArray *b, uint32_t value)
{
    g_assert(value < (1u << 28));
    if (value < 0x40) {
        put_byte(b, value);
        return;
    }
    int extra = value < (1u << 12) ? 1 : value < (1u << 20) ? 2 : 3;
    put_byte(b, (extra << 6) | (value & 0x0f));
    for (int i = 0; i < extra; i++) {
        put_byte(b, value >> (4 + 8 * i));
    }
}

/* A block's PkgLength counts itself: the smallest encoding that still
 * fits once its own bytes are added. */
void aml_encode_block_len(GByteArray *b, uint32_t body_len)
{
    uint32_t total = body_len + 1;
    if (total >= 0x40) {
        total = body_len + 2;
        if (total >= (1u << 12)) {
            total = body_len + 3;
            if (total >= (1u << 20)) {
                total = body_len + 4;
            }
        }
    }
    aml_encode_pkglen(b, total);
}

/* NameSeg (20.2.2): a lead character A-Z or '_', then A-Z, 0-9 or '_',
 * padded with '_' to four characters. */
static bool put_name_seg(GByteArray *b, const char *s, size_t len)
{
    if (len < 1 || len > 4 || !(g_ascii_isupper(s[0]) || s[0] == '_')) {
        return false;
    }
    char seg[4] = { '_', '_', '_', '_' };
    for (size_t i = 0; i < len; i++) {
        if (!(g_ascii_isupper(s[i]) || g_ascii_isdigit(s[i]) || s[i] == '_')) {
            return false;
        }
        seg[i] = s[i];
    }
    g_byte_array_append(b, (const uint8_t *)seg, 4);
    return true;
}

/* NameString (20.2.2): '\' or '^'s, then one segment, a DualNamePath, a
 * MultiNamePath (count byte) or NullName.  Names come from the code that
 * builds tables, never from the guest: a malformed one is a bug. */
void aml_encode_name(GByteArray *b, const char *name)
{
    const char *p = name;
    if (*p == '\\') {
        put_byte(b, ROOT_CHAR);
        p++;
    } else {
        while (*p == '^') {
            put_byte(b, PARENT_PREFIX);
            p++;
        }
    }
    if (!*p) {
        put_byte(b, ZERO_OP);    /* NullName */
        return;
    }
    gchar **segs = g_strsplit(p, ".", -1);
    guint n = g_strv_length(segs);
    if (n > 255) {
        g_error("AML name '%s' has more than 255 segments", name);
    }
    if (n == 2) {
        put_byte(b, DUAL_NAME_PREFIX);
    } else if (n > 2) {
        put_byte(b, MULTI_NAME_PREFIX);
        put_byte(b, n);
    }
    for (guint i = 0; i < n; i++) {
        if (!put_name_seg(b, segs[i], strlen(segs[i]))) {
            g_error("AML name '%s' is not a valid ACPI name string", name);
        }
    }
    g_strfreev(segs);
}

/* The node's bytes appended to out; the node is freed. */
static void aml_emit(GByteArray *out, Aml *a)
{
    switch (a->kind) {
    case AML_PLAIN:
        g_byte_array_append(out, a->body->data, a->body->len);
        break;
    case AML_BLOCK:
        g_byte_array_append(out, a->op->data, a->op->len);
        aml_encode_block_len(out, a->body->len);
        g_byte_array_append(out, a->body->data, a->body->len);
        break;
    case AML_PACKAGE:
        /* NumElements is a byte (20.2.5.4): a longer list needs
         * VarPackage, which nothing here builds. */
        g_assert(a->count <= 255);
        g_byte_array_append(out, a->op->data, a->op->len);
        aml_encode_block_len(out, a->body->len + 1);
        put_byte(out, a->count);
        g_byte_array_append(out, a->body->data, a->body->len);
        break;
    case AML_RESOURCES:
        /* End Tag (6.4.2.9): small item 0xF, length 1; checksum 0. */
        put_byte(a->body, 0x79);
        put_byte(a->body, 0x00);
        /* fall through */
    case AML_BUFFER: {
        Aml *size = aml_int(a->body->len);
        GByteArray *inner = g_byte_array_new();
        aml_emit(inner, size);
        g_byte_array_append(inner, a->body->data, a->body->len);
        g_byte_array_append(out, a->op->data, a->op->len);
        aml_encode_block_len(out, inner->len);
        g_byte_array_append(out, inner->data, inner->len);
        g_byte_array_unref(inner);
        break;
    }
    }
    aml_free(a);
}

void aml_append(Aml *parent, Aml *child)
{
    parent->count++;
    aml_emit(parent->body, child);
}

GByteArray *aml_serialize(Aml *aml)
{
    GByteArray *out = g_byte_array_new();
    aml_emit(out, aml);
    return out;
}

/* ---- Data objects (20.2.3) ---- */

static Aml *aml_bytes1(uint8_t v)
{
    Aml *a = aml_new(AML_PLAIN);
    put_byte(a->body, v);
    return a;
}

Aml *aml_zero(void)
{
    return aml_bytes1(ZERO_OP);
}

Aml *aml_one(void)
{
    return aml_bytes1(ONE_OP);
}

Aml *aml_ones(void)
{
    return aml_bytes1(ONES_OP);
}

Aml *aml_int(uint64_t v)
{
    if (v == 0) {
        return aml_zero();
    }
    if (v == 1) {
        return aml_one();
    }
    if (v == UINT64_MAX) {
        return aml_ones();
    }
    Aml *a = aml_new(AML_PLAIN);
    if (v <= 0xff) {
        put_byte(a->body, BYTE_PREFIX);
        put_le(a->body, v, 1);
    } else if (v <= 0xffff) {
        put_byte(a->body, WORD_PREFIX);
        put_le(a->body, v, 2);
    } else if (v <= 0xffffffff) {
        put_byte(a->body, DWORD_PREFIX);
        put_le(a->body, v, 4);
    } else {
        put_byte(a->body, QWORD_PREFIX);
        put_le(a->body, v, 8);
    }
    return a;
}

Aml *aml_string(const char *s)
{
    Aml *a = aml_new(AML_PLAIN);
    put_byte(a->body, STRING_PREFIX);
    g_byte_array_append(a->body, (const uint8_t *)s, strlen(s) + 1);
    return a;
}

/* EISA ids (19.6.35): bit 31 zero, each letter as 5 bits (A = 1) in bits
 * 30:16, the product number in 15:0; the dword is stored big-endian, so its
 * integer is byte-swapped. */
Aml *aml_eisaid(const char *id)
{
    if (strlen(id) != 7) {
        return NULL;
    }
    uint32_t v = 0;
    for (int i = 0; i < 3; i++) {
        if (!g_ascii_isupper(id[i])) {
            return NULL;
        }
        v = (v << 5) | (uint32_t)(id[i] - 'A' + 1);
    }
    for (int i = 3; i < 7; i++) {
        if (!g_ascii_isxdigit(id[i])) {
            return NULL;
        }
        v = (v << 4) | (uint32_t)g_ascii_xdigit_value(id[i]);
    }
    return aml_int(GUINT32_SWAP_LE_BE(v));
}

Aml *aml_name(const char *name)
{
    Aml *a = aml_new(AML_PLAIN);
    aml_encode_name(a->body, name);
    return a;
}

Aml *aml_arg(int n)
{
    g_assert(n >= 0 && n <= 6);
    return aml_bytes1(ARG0_OP + n);
}

Aml *aml_local(int n)
{
    g_assert(n >= 0 && n <= 7);
    return aml_bytes1(LOCAL0_OP + n);
}

/* ---- Blocks ---- */

static Aml *aml_block(uint8_t op, bool ext, const char *name)
{
    Aml *a = aml_new(AML_BLOCK);
    if (ext) {
        put_byte(a->op, EXT_OP_PREFIX);
    }
    put_byte(a->op, op);
    if (name) {
        aml_encode_name(a->body, name);
    }
    return a;
}

Aml *aml_scope(const char *name)
{
    return aml_block(SCOPE_OP, false, name);
}

Aml *aml_device(const char *name)
{
    return aml_block(DEVICE_OP, true, name);
}

/* MethodFlags (20.2.5.2): ArgCount in bits 2:0, SerializeFlag bit 3,
 * SyncLevel 0. */
Aml *aml_method(const char *name, int nargs, bool serialized)
{
    g_assert(nargs >= 0 && nargs <= 7);
    Aml *a = aml_block(METHOD_OP, false, name);
    put_byte(a->body, nargs | (serialized ? 0x08 : 0));
    return a;
}

Aml *aml_if(Aml *predicate)
{
    Aml *a = aml_block(IF_OP, false, NULL);
    aml_emit(a->body, predicate);
    return a;
}

Aml *aml_else(void)
{
    return aml_block(ELSE_OP, false, NULL);
}

Aml *aml_processor(const char *name, uint8_t id, uint32_t pblk, uint8_t pblk_len)
{
    Aml *a = aml_block(PROCESSOR_OP, true, name);
    put_byte(a->body, id);
    put_le(a->body, pblk, 4);
    put_byte(a->body, pblk_len);
    return a;
}

Aml *aml_package(void)
{
    Aml *a = aml_new(AML_PACKAGE);
    put_byte(a->op, PACKAGE_OP);
    return a;
}

Aml *aml_buffer(const uint8_t *data, size_t len)
{
    Aml *a = aml_new(AML_BUFFER);
    put_byte(a->op, BUFFER_OP);
    if (len) {
        g_byte_array_append(a->body, data, len);
    }
    return a;
}

Aml *aml_resource_template(void)
{
    Aml *a = aml_buffer(NULL, 0);
    a->kind = AML_RESOURCES;
    return a;
}

/* ---- Named objects, statements, expressions ---- */

static Aml *aml_op(uint8_t op, Aml *a, Aml *b, Aml *c)
{
    Aml *n = aml_bytes1(op);
    Aml *args[] = { a, b, c };
    for (int i = 0; i < 3; i++) {
        if (args[i]) {
            aml_emit(n->body, args[i]);
        }
    }
    return n;
}

/* Arithmetic takes a Target; none is the NullName (20.2.2 SuperName). */
static Aml *aml_op_target(uint8_t op, Aml *a, Aml *b, Aml *target)
{
    return aml_op(op, a, b, target ? target : aml_bytes1(ZERO_OP));
}

Aml *aml_name_decl(const char *name, Aml *value)
{
    Aml *n = aml_bytes1(NAME_OP);
    aml_encode_name(n->body, name);
    aml_emit(n->body, value);
    return n;
}

Aml *aml_return(Aml *value)
{
    return aml_op(RETURN_OP, value, NULL, NULL);
}

Aml *aml_store(Aml *value, Aml *target)
{
    return aml_op(STORE_OP, value, target, NULL);
}

Aml *aml_add(Aml *a, Aml *b, Aml *target)
{
    return aml_op_target(ADD_OP, a, b, target);
}

Aml *aml_and(Aml *a, Aml *b, Aml *target)
{
    return aml_op_target(AND_OP, a, b, target);
}

Aml *aml_or(Aml *a, Aml *b, Aml *target)
{
    return aml_op_target(OR_OP, a, b, target);
}

Aml *aml_shiftleft(Aml *a, Aml *count, Aml *target)
{
    return aml_op_target(SHIFT_LEFT_OP, a, count, target);
}

Aml *aml_shiftright(Aml *a, Aml *count, Aml *target)
{
    return aml_op_target(SHIFT_RIGHT_OP, a, count, target);
}

Aml *aml_lequal(Aml *a, Aml *b)
{
    return aml_op(LEQUAL_OP, a, b, NULL);
}

Aml *aml_lless(Aml *a, Aml *b)
{
    return aml_op(LLESS_OP, a, b, NULL);
}

Aml *aml_lgreater(Aml *a, Aml *b)
{
    return aml_op(LGREATER_OP, a, b, NULL);
}

Aml *aml_lnot(Aml *a)
{
    return aml_op(LNOT_OP, a, NULL, NULL);
}

Aml *aml_notify(Aml *object, Aml *value)
{
    return aml_op(NOTIFY_OP, object, value, NULL);
}

Aml *aml_create_dword_field(Aml *buffer, Aml *index, const char *name)
{
    Aml *n = aml_op(CREATE_DWORD_FIELD_OP, buffer, index, NULL);
    aml_encode_name(n->body, name);
    return n;
}

Aml *aml_operation_region(const char *name, AmlRegionSpace space, Aml *offset, Aml *len)
{
    Aml *n = aml_bytes1(EXT_OP_PREFIX);
    put_byte(n->body, OP_REGION_OP);
    aml_encode_name(n->body, name);
    put_byte(n->body, space);
    aml_emit(n->body, offset);
    aml_emit(n->body, len);
    return n;
}

/* FieldFlags (20.2.5.2): AccessType bits 3:0, LockRule bit 4, UpdateRule
 * bits 6:5. */
Aml *aml_field(const char *region, AmlAccessType access, bool lock, AmlUpdateRule update)
{
    Aml *a = aml_block(FIELD_OP, true, region);
    put_byte(a->body, access | (lock ? 0x10 : 0) | (update << 5));
    return a;
}

/* FieldElement (20.2.5.2): a NamedField is NameSeg and its width in bits
 * as a PkgLength (not counting itself); a ReservedField is 0x00 and the
 * bits skipped. */
Aml *aml_named_field(const char *name, unsigned bits)
{
    Aml *n = aml_new(AML_PLAIN);
    if (!put_name_seg(n->body, name, strlen(name))) {
        g_error("AML field name '%s' is not a valid NameSeg", name);
    }
    aml_encode_pkglen(n->body, bits);
    return n;
}

Aml *aml_reserved_field(unsigned bits)
{
    Aml *n = aml_bytes1(0x00);
    aml_encode_pkglen(n->body, bits);
    return n;
}

Aml *aml_list(void)
{
    return aml_new(AML_PLAIN);
}

/* MethodInvocation (20.2.5.4): the name, then the arguments. */
Aml *aml_call(const char *method, int nargs, ...)
{
    g_assert(nargs >= 0 && nargs <= 7);
    Aml *n = aml_name(method);
    va_list ap;
    va_start(ap, nargs);
    for (int i = 0; i < nargs; i++) {
        aml_emit(n->body, va_arg(ap, Aml *));
    }
    va_end(ap);
    return n;
}

/* Used by the resource descriptors (aml-resource.c). */
Aml *aml_raw(const uint8_t *data, size_t len)
{
    Aml *a = aml_new(AML_PLAIN);
    if (len) {
        g_byte_array_append(a->body, data, len);
    }
    return a;
}
