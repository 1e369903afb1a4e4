/*
 * Devices as sections of a state stream, and the whole machine's device
 * state: every realized device, in device-tree order from the system bus.
 *
 * A machine load is all or nothing: the section headers are parsed and
 * matched to devices before any device changes, every device's current
 * state is kept, and when one device refuses its section all devices
 * loaded so far are put back.
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <string.h>
#include <cardcage/device.h>
#include "migration/vmstate-internal.h"

#define SECTION_END    0
#define SECTION_DEVICE 1

const VMStateDescription *vmstate_device_vmsd(DeviceState *dev)
{
    return DEVICE_GET_CLASS(dev)->vmsd;
}

char *vmstate_device_section_id(DeviceState *dev)
{
    char *path = object_get_canonical_path(OBJECT(dev));
    if (path) {
        return path;
    }
    return g_strdup(dev->id ? dev->id : object_get_typename(OBJECT(dev)));
}

/* ---- one device ---- */

bool vmstate_save_device(VMStateStream *s, DeviceState *dev, Error **errp)
{
    const VMStateDescription *vmsd = vmstate_device_vmsd(dev);
    char *id = vmstate_device_section_id(dev);
    bool ok = false;
    if (!vmsd) {
        error_setg(errp, "device '%s' (%s) has no state description", id,
                   object_get_typename(OBJECT(dev)));
        goto out;
    }
    VMStateStream *payload = vmstate_stream_new_buffer();
    size_t len;
    ok = vmstate_save(payload, vmsd, dev, errp);
    const uint8_t *data = vmstate_stream_data(payload, &len);
    ok = ok && vmstate_stream_put_u8(s, SECTION_DEVICE, errp) &&
         vmstate_stream_put_str(s, object_get_typename(OBJECT(dev)), errp) &&
         vmstate_stream_put_str(s, id, errp) &&
         vmstate_stream_put_u32(s, 0, errp) &&
         vmstate_stream_put_u32(s, (uint32_t)vmsd->version_id, errp) &&
         vmstate_stream_put_u32(s, (uint32_t)len, errp) &&
         vmstate_stream_put_bytes(s, data, len, errp);
    vmstate_stream_free(payload);
    if (!ok) {
        error_prepend(errp, "saving device '%s': ", id);
    }
out:
    g_free(id);
    return ok;
}

/* A section header and its payload, parsed but not applied. */
typedef struct Section {
    char *type;
    char *id;
    uint32_t instance;
    uint32_t version;
    const uint8_t *payload;
    uint32_t len;
    DeviceState *dev;             /* the device it belongs to (machine load) */
} Section;

static void section_clear(Section *sec)
{
    g_free(sec->type);
    g_free(sec->id);
    memset(sec, 0, sizeof(*sec));
}

/* Parse a section after its tag. */
static bool section_parse(VMStateStream *s, Section *sec, Error **errp)
{
    if (!vmstate_stream_get_str(s, &sec->type, errp) ||
        !vmstate_stream_get_str(s, &sec->id, errp) ||
        !vmstate_stream_get_u32(s, &sec->instance, errp) ||
        !vmstate_stream_get_u32(s, &sec->version, errp) ||
        !vmstate_stream_get_u32(s, &sec->len, errp)) {
        error_prepend(errp, "section header%s%s%s: ", sec->id ? " of '" : "",
                      sec->id ? sec->id : "", sec->id ? "'" : "");
        return false;
    }
    if (sec->instance != 0) {
        error_setg(errp, "section '%s': instance id %u (this build writes 0)", sec->id,
                   sec->instance);
        return false;
    }
    sec->payload = vmstate_stream_get_span(s, sec->len, errp);
    if (!sec->payload) {
        error_prepend(errp, "section '%s' (%s): payload: ", sec->id, sec->type);
        return false;
    }
    return true;
}

static bool section_matches(const Section *sec, DeviceState *dev, Error **errp)
{
    const char *type = object_get_typename(OBJECT(dev));
    if (strcmp(sec->type, type)) {
        error_setg(errp, "section '%s' holds a '%s', but the device is a '%s'", sec->id,
                   sec->type, type);
        return false;
    }
    if (sec->version > INT32_MAX) {
        error_setg(errp, "section '%s' (%s): version %u", sec->id, sec->type, sec->version);
        return false;
    }
    return true;
}

/* Apply sec to its device (no backup: the caller keeps one). */
static bool section_apply(const Section *sec, bool guarded, Error **errp)
{
    const VMStateDescription *vmsd = vmstate_device_vmsd(sec->dev);
    VMStateStream *r = vmstate_stream_new_reader(sec->payload, sec->len);
    bool ok = guarded ? vmstate_load_guarded(r, vmsd, sec->dev, (int)sec->version, true, errp)
                      : vmstate_load_exact(r, vmsd, sec->dev, (int)sec->version, errp);
    vmstate_stream_free(r);
    if (!ok) {
        error_prepend(errp, "device '%s' (%s): ", sec->id, sec->type);
    }
    return ok;
}

bool vmstate_load_device(VMStateStream *s, DeviceState *dev, Error **errp)
{
    Section sec = { 0 };
    uint8_t tag;
    bool ok = false;
    if (!vmstate_device_vmsd(dev)) {
        error_setg(errp, "device '%s' (%s) has no state description",
                   dev->id ? dev->id : "?", object_get_typename(OBJECT(dev)));
        return false;
    }
    if (!vmstate_stream_get_u8(s, &tag, errp)) {
        error_prepend(errp, "device section: ");
        return false;
    }
    if (tag != SECTION_DEVICE) {
        error_setg(errp, "device section: bad tag %u", tag);
        return false;
    }
    if (section_parse(s, &sec, errp) && section_matches(&sec, dev, errp)) {
        sec.dev = dev;
        ok = section_apply(&sec, true, errp);
    }
    section_clear(&sec);
    return ok;
}

/* ---- the machine ---- */

static void collect_bus(BusState *bus, GPtrArray *out);

static void collect_device(DeviceState *dev, GPtrArray *out)
{
    if (dev->realized) {
        g_ptr_array_add(out, dev);
    }
    for (GSList *l = dev->child_buses; l; l = l->next) {
        collect_bus(l->data, out);
    }
}

static void collect_bus(BusState *bus, GPtrArray *out)
{
    for (GList *l = bus->children.head; l; l = l->next) {
        collect_device(l->data, out);
    }
}

/* Every realized device, in tree order from the system bus. */
static GPtrArray *machine_devices(void)
{
    GPtrArray *devs = g_ptr_array_new();
    collect_bus(sysbus_get_default(), devs);
    return devs;
}

bool vmstate_machine_check(Error **errp)
{
    GPtrArray *devs = machine_devices();
    GString *missing = g_string_new(NULL);
    for (guint i = 0; i < devs->len; i++) {
        DeviceState *dev = devs->pdata[i];
        if (!vmstate_device_vmsd(dev)) {
            char *id = vmstate_device_section_id(dev);
            g_string_append_printf(missing, "%s%s (%s)", missing->len ? ", " : "", id,
                                   object_get_typename(OBJECT(dev)));
            g_free(id);
        }
    }
    bool ok = !missing->len;
    if (!ok) {
        error_setg(errp, "cannot save the machine: these devices have no state description: %s",
                   missing->str);
    }
    g_string_free(missing, TRUE);
    g_ptr_array_free(devs, TRUE);
    return ok;
}

bool vmstate_save_machine(VMStateStream *s, Error **errp)
{
    if (!vmstate_machine_check(errp) ||
        !vmstate_stream_put_u32(s, VMSTATE_STREAM_MAGIC, errp) ||
        !vmstate_stream_put_u32(s, VMSTATE_STREAM_VERSION, errp)) {
        return false;
    }
    GPtrArray *devs = machine_devices();
    bool ok = true;
    for (guint i = 0; ok && i < devs->len; i++) {
        ok = vmstate_save_device(s, devs->pdata[i], errp);
    }
    g_ptr_array_free(devs, TRUE);
    return ok && vmstate_stream_put_u8(s, SECTION_END, errp);
}

static bool machine_read_header(VMStateStream *s, Error **errp)
{
    uint32_t magic, version;
    if (!vmstate_stream_get_u32(s, &magic, errp) || !vmstate_stream_get_u32(s, &version, errp)) {
        error_prepend(errp, "device state header: ");
        return false;
    }
    if (magic != VMSTATE_STREAM_MAGIC) {
        error_setg(errp, "device state: bad magic 0x%08x (expected 0x%08x, \"CCDS\")", magic,
                   VMSTATE_STREAM_MAGIC);
        return false;
    }
    if (version != VMSTATE_STREAM_VERSION) {
        error_setg(errp, "device state: format version %u, this build reads version %u",
                   version, VMSTATE_STREAM_VERSION);
        return false;
    }
    return true;
}

/* Parse every section and match it to a device: nothing is applied. */
static bool machine_parse(VMStateStream *s, GArray *secs, Error **errp)
{
    GPtrArray *devs = machine_devices();
    GHashTable *by_id = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GHashTable *loaded = g_hash_table_new(NULL, NULL);
    bool ok = false;
    for (guint i = 0; i < devs->len; i++) {
        g_hash_table_insert(by_id, vmstate_device_section_id(devs->pdata[i]), devs->pdata[i]);
    }
    for (;;) {
        uint8_t tag;
        if (!vmstate_stream_get_u8(s, &tag, errp)) {
            error_prepend(errp, "device state: section list: ");
            goto out;
        }
        if (tag == SECTION_END) {
            break;
        }
        if (tag != SECTION_DEVICE) {
            error_setg(errp, "device state: bad section tag %u at offset %" PRIu64, tag,
                       vmstate_stream_tell(s) - 1);
            goto out;
        }
        Section sec = { 0 };
        g_array_append_val(secs, sec);
        Section *p = &g_array_index(secs, Section, secs->len - 1);
        if (!section_parse(s, p, errp)) {
            goto out;
        }
        p->dev = g_hash_table_lookup(by_id, p->id);
        if (!p->dev) {
            error_setg(errp, "section '%s' (%s): no such device in this machine", p->id, p->type);
            goto out;
        }
        if (!section_matches(p, p->dev, errp)) {
            goto out;
        }
        if (!vmstate_device_vmsd(p->dev)) {
            error_setg(errp, "section '%s' (%s): the device has no state description", p->id,
                       p->type);
            goto out;
        }
        if (g_hash_table_contains(loaded, p->dev)) {
            error_setg(errp, "section '%s' (%s) appears twice", p->id, p->type);
            goto out;
        }
        g_hash_table_add(loaded, p->dev);
    }
    for (guint i = 0; i < devs->len; i++) {
        DeviceState *dev = devs->pdata[i];
        if (vmstate_device_vmsd(dev) && !g_hash_table_contains(loaded, dev)) {
            char *id = vmstate_device_section_id(dev);
            error_setg(errp, "device '%s' (%s) has no section in the stream", id,
                       object_get_typename(OBJECT(dev)));
            g_free(id);
            goto out;
        }
    }
    ok = true;
out:
    g_hash_table_destroy(loaded);
    g_hash_table_destroy(by_id);
    g_ptr_array_free(devs, TRUE);
    return ok;
}

bool vmstate_load_machine(VMStateStream *s, Error **errp)
{
    GArray *secs = g_array_new(FALSE, TRUE, sizeof(Section));
    GPtrArray *backups = g_ptr_array_new_with_free_func((GDestroyNotify)vmstate_stream_free);
    bool ok = machine_read_header(s, errp) && machine_parse(s, secs, errp);
    /* Keep every device's state, then apply the sections in order. */
    for (guint i = 0; ok && i < secs->len; i++) {
        Section *sec = &g_array_index(secs, Section, i);
        VMStateStream *b = vmstate_stream_new_buffer();
        g_ptr_array_add(backups, b);
        ok = vmstate_save(b, vmstate_device_vmsd(sec->dev), sec->dev, errp);
    }
    guint applied = 0;
    for (; ok && applied < secs->len; applied++) {
        ok = section_apply(&g_array_index(secs, Section, applied), false, errp);
    }
    if (!ok) {
        /* applied is the failing section's index + 1 here, or 0. */
        for (guint i = 0; i < applied && i < backups->len; i++) {
            Section *sec = &g_array_index(secs, Section, i);
            vmstate_restore_backup(vmstate_device_vmsd(sec->dev), sec->dev, backups->pdata[i]);
        }
    }
    for (guint i = 0; i < secs->len; i++) {
        section_clear(&g_array_index(secs, Section, i));
    }
    g_array_free(secs, TRUE);
    g_ptr_array_free(backups, TRUE);
    return ok;
}
