/*
 * The engine behind state descriptions: one walk over a VMStateDescription
 * writes a structure into a stream, another reads it back and checks every
 * value against the description (array lengths, counts and indices against
 * their bounds, enums and ranges, bools, timers) before it is stored.
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <string.h>
#include <cardcage/timer.h>
#include "migration/vmstate-internal.h"

/* Subsection records in a payload (see the encoding in vmstate.h). */
#define SUBSECTION_END  0
#define SUBSECTION_NEXT 1

static bool type_is_signed(VMStateType t)
{
    return t == VMSTATE_TYPE_I8 || t == VMSTATE_TYPE_I16 || t == VMSTATE_TYPE_I32 ||
           t == VMSTATE_TYPE_I64;
}

static bool type_is_integer(VMStateType t)
{
    return t >= VMSTATE_TYPE_U8 && t <= VMSTATE_TYPE_BOOL;
}

/* The integer at p, of size bytes, as raw bits (sign-extended when signed). */
static uint64_t int_get(const void *p, size_t size, bool is_signed)
{
    switch (size) {
    case 1: { uint8_t v; memcpy(&v, p, 1); return is_signed ? (uint64_t)(int8_t)v : v; }
    case 2: { uint16_t v; memcpy(&v, p, 2); return is_signed ? (uint64_t)(int16_t)v : v; }
    case 4: { uint32_t v; memcpy(&v, p, 4); return is_signed ? (uint64_t)(int32_t)v : v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

static void int_put(void *p, size_t size, uint64_t v)
{
    switch (size) {
    case 1: { uint8_t b = (uint8_t)v; memcpy(p, &b, 1); break; }
    case 2: { uint16_t b = (uint16_t)v; memcpy(p, &b, 2); break; }
    case 4: { uint32_t b = (uint32_t)v; memcpy(p, &b, 4); break; }
    default: memcpy(p, &v, 8); break;
    }
}

static bool stream_put_sized(VMStateStream *s, size_t size, uint64_t v, Error **errp)
{
    switch (size) {
    case 1: return vmstate_stream_put_u8(s, (uint8_t)v, errp);
    case 2: return vmstate_stream_put_u16(s, (uint16_t)v, errp);
    case 4: return vmstate_stream_put_u32(s, (uint32_t)v, errp);
    default: return vmstate_stream_put_u64(s, v, errp);
    }
}

static bool stream_get_sized(VMStateStream *s, size_t size, uint64_t *v, Error **errp)
{
    bool ok;
    switch (size) {
    case 1: { uint8_t b; ok = vmstate_stream_get_u8(s, &b, errp); *v = b; break; }
    case 2: { uint16_t b; ok = vmstate_stream_get_u16(s, &b, errp); *v = b; break; }
    case 4: { uint32_t b; ok = vmstate_stream_get_u32(s, &b, errp); *v = b; break; }
    default: ok = vmstate_stream_get_u64(s, v, errp); break;
    }
    return ok;
}

/* The number of elements a field covers now (save) or after its count
 * field was loaded (load); -1 with errp set when the count is past the
 * bound. */
static int64_t field_count(const VMStateDescription *vmsd, const VMStateField *f,
                           const void *opaque, Error **errp)
{
    if (f->flags & VMSTATE_F_ARRAY) {
        return f->num;
    }
    if (!(f->flags & VMSTATE_F_VARRAY)) {
        return 1;
    }
    size_t csize = f->count_type == VMSTATE_TYPE_U8 ? 1 : f->count_type == VMSTATE_TYPE_U16 ? 2 : 4;
    int64_t n = (int64_t)int_get((const char *)opaque + f->count_offset, csize,
                                 type_is_signed(f->count_type));
    if (n < 0 || n > f->num) {
        const char *cname = "?";
        for (const VMStateField *c = vmsd->fields; c->type != VMSTATE_TYPE_END; c++) {
            if (c->offset == f->count_offset && !(c->flags & (VMSTATE_F_ARRAY | VMSTATE_F_VARRAY))) {
                cname = c->name;
                break;
            }
        }
        error_setg(errp, "element count %" PRId64 " (field '%s') is past the bound %u",
                   n, cname, f->num);
        return -1;
    }
    return n;
}

static bool field_in_version(const VMStateField *f, int version_id)
{
    return f->version_id <= version_id;
}

/* ---- save ---- */

static bool save_struct(VMStateStream *s, const VMStateDescription *vmsd, void *opaque,
                        Error **errp);

static bool save_element(VMStateStream *s, const VMStateField *f, void *p, Error **errp)
{
    switch (f->type) {
    case VMSTATE_TYPE_BOOL: {
        /* Read as a byte: a device that stored garbage in a bool must not
         * make the save undefined. */
        uint8_t b;
        memcpy(&b, p, 1);
        return vmstate_stream_put_u8(s, b ? 1 : 0, errp);
    }
    case VMSTATE_TYPE_BUFFER:
        return vmstate_stream_put_u32(s, (uint32_t)f->size, errp) &&
               vmstate_stream_put_bytes(s, p, f->size, errp);
    case VMSTATE_TYPE_STRUCT:
        return save_struct(s, f->vmsd, p, errp);
    case VMSTATE_TYPE_TIMER: {
        Timer *t = *(Timer **)p;
        bool armed = t && timer_pending(t);
        return vmstate_stream_put_u8(s, armed, errp) &&
               vmstate_stream_put_u64(s, armed ? (uint64_t)timer_expire_time_ns(t) : 0, errp);
    }
    default:
        return stream_put_sized(s, f->size, int_get(p, f->size, false), errp);
    }
}

static bool save_field(VMStateStream *s, const VMStateDescription *vmsd,
                       const VMStateField *f, void *opaque, Error **errp)
{
    int64_t n = field_count(vmsd, f, opaque, errp);
    if (n < 0) {
        return false;
    }
    if ((f->flags & VMSTATE_F_ARRAY) && !vmstate_stream_put_u32(s, (uint32_t)n, errp)) {
        return false;
    }
    if (f->type == VMSTATE_TYPE_STRUCT &&
        !vmstate_stream_put_u32(s, (uint32_t)f->vmsd->version_id, errp)) {
        return false;
    }
    for (int64_t i = 0; i < n; i++) {
        if (!save_element(s, f, (char *)opaque + f->offset + i * f->size, errp)) {
            return false;
        }
    }
    return true;
}

static bool save_subsections(VMStateStream *s, const VMStateDescription *vmsd, void *opaque,
                             Error **errp)
{
    for (const VMStateSubsection *sub = vmsd->subsections; sub && sub->vmsd; sub++) {
        if (sub->needed && !sub->needed(opaque)) {
            continue;
        }
        VMStateStream *payload = vmstate_stream_new_buffer();
        size_t len;
        bool ok = save_struct(payload, sub->vmsd, opaque, errp);
        const uint8_t *data = vmstate_stream_data(payload, &len);
        ok = ok && vmstate_stream_put_u8(s, SUBSECTION_NEXT, errp) &&
             vmstate_stream_put_str(s, sub->vmsd->name, errp) &&
             vmstate_stream_put_u32(s, (uint32_t)sub->vmsd->version_id, errp) &&
             vmstate_stream_put_u32(s, (uint32_t)len, errp) &&
             vmstate_stream_put_bytes(s, data, len, errp);
        vmstate_stream_free(payload);
        if (!ok) {
            return false;
        }
    }
    return vmstate_stream_put_u8(s, SUBSECTION_END, errp);
}

static bool save_struct(VMStateStream *s, const VMStateDescription *vmsd, void *opaque,
                        Error **errp)
{
    if (vmsd->pre_save) {
        vmsd->pre_save(opaque);
    }
    for (const VMStateField *f = vmsd->fields; f && f->type != VMSTATE_TYPE_END; f++) {
        if (!save_field(s, vmsd, f, opaque, errp)) {
            error_prepend(errp, "%s.%s: ", vmsd->name, f->name);
            return false;
        }
    }
    return save_subsections(s, vmsd, opaque, errp);
}

bool vmstate_save(VMStateStream *s, const VMStateDescription *vmsd, void *opaque,
                  Error **errp)
{
    return save_struct(s, vmsd, opaque, errp);
}

/* ---- load ---- */

static bool load_struct(VMStateStream *s, const VMStateDescription *vmsd, void *opaque,
                        int version_id, Error **errp);
static bool check_version(const VMStateDescription *vmsd, int version_id, Error **errp);

static bool load_integer(VMStateStream *s, const VMStateField *f, void *p, Error **errp)
{
    uint64_t raw;
    if (!stream_get_sized(s, f->size, &raw, errp)) {
        return false;
    }
    /* The value as the field's type sees it: sign-extend signed types. */
    uint64_t v = raw;
    if (type_is_signed(f->type)) {
        v = f->size == 1 ? (uint64_t)(int8_t)raw
          : f->size == 2 ? (uint64_t)(int16_t)raw
          : f->size == 4 ? (uint64_t)(int32_t)raw : raw;
    }
    if (f->type == VMSTATE_TYPE_BOOL) {
        if (v > 1) {
            error_setg(errp, "bool value %" PRIu64 " is neither 0 nor 1", v);
            return false;
        }
        *(bool *)p = v;
        return true;
    }
    if (f->flags & VMSTATE_F_RANGE) {
        if (type_is_signed(f->type)) {
            int64_t sv = (int64_t)v;
            if (sv < f->min || sv > f->max) {
                error_setg(errp, "value %" PRId64 " is outside [%" PRId64 ", %" PRId64 "]",
                           sv, f->min, f->max);
                return false;
            }
        } else if (v > f->umax) {
            error_setg(errp, "value %" PRIu64 " is past the bound %" PRIu64, v, f->umax);
            return false;
        }
    }
    int_put(p, f->size, v);
    return true;
}

static bool load_timer(VMStateStream *s, void *p, Error **errp)
{
    uint8_t armed;
    uint64_t expire;
    if (!vmstate_stream_get_u8(s, &armed, errp) || !vmstate_stream_get_u64(s, &expire, errp)) {
        return false;
    }
    if (armed > 1) {
        error_setg(errp, "timer armed flag %u is neither 0 nor 1", armed);
        return false;
    }
    if (armed && (int64_t)expire < 0) {
        error_setg(errp, "timer deadline %" PRId64 " is negative", (int64_t)expire);
        return false;
    }
    if (!armed && expire) {
        error_setg(errp, "a timer that is not armed has a deadline");
        return false;
    }
    Timer *t = *(Timer **)p;
    if (!t) {
        if (armed) {
            error_setg(errp, "an armed timer for a device that has none");
            return false;
        }
        return true;
    }
    if (armed) {
        timer_mod_ns(t, (int64_t)expire);
    } else {
        timer_del(t);
    }
    return true;
}

static bool load_element(VMStateStream *s, const VMStateField *f, void *p, int version_id,
                         Error **errp)
{
    switch (f->type) {
    case VMSTATE_TYPE_BUFFER: {
        uint32_t len;
        if (!vmstate_stream_get_u32(s, &len, errp)) {
            return false;
        }
        if (len != f->size) {
            error_setg(errp, "buffer of %u bytes, expected %zu", len, f->size);
            return false;
        }
        return vmstate_stream_get_bytes(s, p, f->size, errp);
    }
    case VMSTATE_TYPE_STRUCT:
        return load_struct(s, f->vmsd, p, version_id, errp);
    case VMSTATE_TYPE_TIMER:
        return load_timer(s, p, errp);
    default:
        if (!type_is_integer(f->type)) {
            error_setg(errp, "field of unknown type %d in the description", f->type);
            return false;
        }
        return load_integer(s, f, p, errp);
    }
}

static bool load_field(VMStateStream *s, const VMStateDescription *vmsd,
                       const VMStateField *f, void *opaque, int version_id, Error **errp)
{
    if (f->flags & VMSTATE_F_ARRAY) {
        uint32_t n;
        if (!vmstate_stream_get_u32(s, &n, errp)) {
            return false;
        }
        if (n != f->num) {
            error_setg(errp, "array of %u elements, expected %u", n, f->num);
            return false;
        }
    }
    if (f->type == VMSTATE_TYPE_STRUCT) {
        /* A nested structure is read at the version it was written in. */
        uint32_t v;
        if (!vmstate_stream_get_u32(s, &v, errp)) {
            return false;
        }
        version_id = (int)MIN(v, (uint32_t)INT32_MAX);
        if (!check_version(f->vmsd, version_id, errp)) {
            return false;
        }
    }
    int64_t n = field_count(vmsd, f, opaque, errp);
    if (n < 0) {
        return false;
    }
    for (int64_t i = 0; i < n; i++) {
        if (!load_element(s, f, (char *)opaque + f->offset + i * f->size, version_id, errp)) {
            if (n > 1) {
                error_prepend(errp, "[%" PRId64 "]: ", i);
            }
            return false;
        }
    }
    return true;
}

static const VMStateSubsection *find_subsection(const VMStateDescription *vmsd,
                                                const char *name)
{
    for (const VMStateSubsection *sub = vmsd->subsections; sub && sub->vmsd; sub++) {
        if (!strcmp(sub->vmsd->name, name)) {
            return sub;
        }
    }
    return NULL;
}

static bool load_one_subsection(VMStateStream *s, const VMStateDescription *vmsd,
                                void *opaque, GHashTable *seen, Error **errp)
{
    char *name = NULL;
    uint32_t version, len;
    bool ok = false;
    if (!vmstate_stream_get_str(s, &name, errp) || !vmstate_stream_get_u32(s, &version, errp) ||
        !vmstate_stream_get_u32(s, &len, errp)) {
        goto out;
    }
    const VMStateSubsection *sub = find_subsection(vmsd, name);
    if (!sub) {
        error_setg(errp, "unknown subsection '%s'", name);
        goto out;
    }
    if (g_hash_table_contains(seen, sub)) {
        error_setg(errp, "subsection '%s' appears twice", name);
        goto out;
    }
    g_hash_table_add(seen, (gpointer)sub);
    const uint8_t *payload = vmstate_stream_get_span(s, len, errp);
    if (!payload) {
        error_prepend(errp, "subsection '%s': ", name);
        goto out;
    }
    VMStateStream *sub_s = vmstate_stream_new_reader(payload, len);
    ok = vmstate_load_exact(sub_s, sub->vmsd, opaque, (int)MIN(version, (uint32_t)INT32_MAX),
                            errp);
    vmstate_stream_free(sub_s);
out:
    g_free(name);
    return ok;
}

static bool load_subsections(VMStateStream *s, const VMStateDescription *vmsd, void *opaque,
                             Error **errp)
{
    GHashTable *seen = g_hash_table_new(NULL, NULL);
    bool ok = false;
    for (;;) {
        uint8_t tag;
        if (!vmstate_stream_get_u8(s, &tag, errp)) {
            error_prepend(errp, "%s: subsection list: ", vmsd->name);
            break;
        }
        if (tag == SUBSECTION_END) {
            ok = true;
            break;
        }
        if (tag != SUBSECTION_NEXT) {
            error_setg(errp, "%s: bad subsection tag %u", vmsd->name, tag);
            break;
        }
        if (!load_one_subsection(s, vmsd, opaque, seen, errp)) {
            error_prepend(errp, "%s: ", vmsd->name);
            break;
        }
    }
    g_hash_table_destroy(seen);
    return ok;
}

static bool load_struct(VMStateStream *s, const VMStateDescription *vmsd, void *opaque,
                        int version_id, Error **errp)
{
    if (vmsd->pre_load) {
        vmsd->pre_load(opaque);
    }
    for (const VMStateField *f = vmsd->fields; f && f->type != VMSTATE_TYPE_END; f++) {
        if (!field_in_version(f, version_id)) {
            continue;
        }
        if (!load_field(s, vmsd, f, opaque, version_id, errp)) {
            error_prepend(errp, "%s.%s: ", vmsd->name, f->name);
            return false;
        }
    }
    if (!load_subsections(s, vmsd, opaque, errp)) {
        return false;
    }
    if (vmsd->post_load && !vmsd->post_load(opaque, version_id, errp)) {
        error_prepend(errp, "%s: state refused: ", vmsd->name);
        return false;
    }
    return true;
}

static bool check_version(const VMStateDescription *vmsd, int version_id, Error **errp)
{
    if (version_id > vmsd->version_id || version_id < vmsd->minimum_version_id) {
        error_setg(errp, "%s: stream version %d, this build loads versions %d to %d",
                   vmsd->name, version_id, vmsd->minimum_version_id, vmsd->version_id);
        return false;
    }
    return true;
}

bool vmstate_load_exact(VMStateStream *s, const VMStateDescription *vmsd, void *opaque,
                        int version_id, Error **errp)
{
    if (!check_version(vmsd, version_id, errp)) {
        return false;
    }
    if (!load_struct(s, vmsd, opaque, version_id, errp)) {
        return false;
    }
    if (vmstate_stream_remaining(s)) {
        error_setg(errp, "%s: %zu bytes left over after the last field", vmsd->name,
                   vmstate_stream_remaining(s));
        return false;
    }
    return true;
}

bool vmstate_load_raw(VMStateStream *s, const VMStateDescription *vmsd, void *opaque,
                      int version_id, Error **errp)
{
    if (!check_version(vmsd, version_id, errp)) {
        return false;
    }
    return load_struct(s, vmsd, opaque, version_id, errp);
}

/* Put opaque back as backup (written by vmstate_save) says.  That state
 * came from this build, so failing is a bug in the description. */
void vmstate_restore_backup(const VMStateDescription *vmsd, void *opaque,
                            VMStateStream *backup)
{
    size_t len;
    const uint8_t *data = vmstate_stream_data(backup, &len);
    VMStateStream *r = vmstate_stream_new_reader(data, len);
    Error *err = NULL;
    if (!vmstate_load_exact(r, vmsd, opaque, vmsd->version_id, &err)) {
        g_critical("%s: restoring the state before a failed load: %s", vmsd->name,
                   error_get_pretty(err));
        error_free(err);
    }
    vmstate_stream_free(r);
}

bool vmstate_load_guarded(VMStateStream *s, const VMStateDescription *vmsd, void *opaque,
                          int version_id, bool exact, Error **errp)
{
    VMStateStream *backup = vmstate_stream_new_buffer();
    if (!vmstate_save(backup, vmsd, opaque, errp)) {
        vmstate_stream_free(backup);
        return false;
    }
    bool ok = exact ? vmstate_load_exact(s, vmsd, opaque, version_id, errp)
                    : vmstate_load_raw(s, vmsd, opaque, version_id, errp);
    if (!ok) {
        vmstate_restore_backup(vmsd, opaque, backup);
    }
    vmstate_stream_free(backup);
    return ok;
}

bool vmstate_load(VMStateStream *s, const VMStateDescription *vmsd, void *opaque,
                  int version_id, Error **errp)
{
    return vmstate_load_guarded(s, vmsd, opaque, version_id, false, errp);
}
