/*
 * Backend properties: a device property that names a host backend by id
 * (DEFINE_PROP_CHARDEV; drives and netdevs later).  The core resolves the
 * id, attaches the backend to the device and reports the errors in one
 * place, so no device does it itself:
 *
 *   set        resolve the id (unknown: an error naming the property); the
 *              field holds a reference to the backend
 *   realize    before the device's realize, claim each backend for the
 *              device (in use: an error naming the device that has it);
 *              the device then gives its handlers (chardev_set_handlers)
 *   unrealize  after the device's unrealize, give each backend up, so
 *              nothing calls into a device that is not running
 *   finalize   drop the references
 *
 * Each backend kind is one row of backend_kinds; a new kind (a drive, a
 * netdev) adds a row and its PropBackendKind, nothing else.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/device.h>
#include "chardev/chardev-internal.h"
#include "device/device-internal.h"
#include "block/block-backend.h"
#include "net/net-internal.h"

typedef struct BackendKind {
    const char *name;                    /* "chardev": messages and -device TYPE,help */
    const char *what;                    /* "character backend" */
    void *(*find)(const char *id);       /* a new reference, or NULL */
    void (*unref)(void *backend);
    const char *(*id_of)(void *backend);
    bool (*claim)(void *backend, Object *owner, Error **errp);
    void (*release)(void *backend, Object *owner);
} BackendKind;

static void *chardev_kind_find(const char *id)
{
    Chardev *chr = chardev_find(id);
    return chr ? object_ref(chr) : NULL;
}

static void chardev_kind_unref(void *backend)
{
    object_unref(backend);
}

static const char *chardev_kind_id(void *backend)
{
    return chardev_get_id(backend);
}

static bool chardev_kind_claim(void *backend, Object *owner, Error **errp)
{
    return chardev_claim(backend, owner, errp);
}

static void chardev_kind_release(void *backend, Object *owner)
{
    chardev_release(backend, owner);
}

static void *drive_kind_find(const char *id)
{
    BlockBackend *blk = blk_by_name_or_node(id);
    if (blk) {
        blk->refcnt++;
    }
    return blk;
}

static void drive_kind_unref(void *backend)
{
    blk_unref(backend);
}

static const char *drive_kind_id(void *backend)
{
    return blk_name(backend);
}

static bool drive_kind_claim(void *backend, Object *owner, Error **errp)
{
    return blk_attach_dev(backend, (DeviceState *)owner, errp);
}

static void drive_kind_release(void *backend, Object *owner)
{
    blk_detach_dev(backend, (DeviceState *)owner);
}

/* Netdevs live as long as the process: no references to count. */
static void *netdev_kind_find(const char *id)
{
    return net_netdev_find(id);
}

static void netdev_kind_unref(void *backend)
{
}

static const char *netdev_kind_id(void *backend)
{
    return net_client_name(backend);
}

static bool netdev_kind_claim(void *backend, Object *owner, Error **errp)
{
    return net_netdev_claim(backend, owner, errp);
}

static void netdev_kind_release(void *backend, Object *owner)
{
    net_netdev_release(backend, owner);
}

static const BackendKind backend_kinds[PROP_BACKEND__MAX] = {
    [PROP_BACKEND_CHARDEV] = {
        .name = "chardev", .what = "character backend",
        .find = chardev_kind_find, .unref = chardev_kind_unref, .id_of = chardev_kind_id,
        .claim = chardev_kind_claim, .release = chardev_kind_release,
    },
    [PROP_BACKEND_DRIVE] = {
        .name = "drive", .what = "drive or block node",
        .find = drive_kind_find, .unref = drive_kind_unref, .id_of = drive_kind_id,
        .claim = drive_kind_claim, .release = drive_kind_release,
    },
    [PROP_BACKEND_NETDEV] = {
        .name = "netdev", .what = "netdev",
        .find = netdev_kind_find, .unref = netdev_kind_unref, .id_of = netdev_kind_id,
        .claim = netdev_kind_claim, .release = netdev_kind_release,
    },
};

static const BackendKind *kind_of(const Property *p)
{
    return (unsigned)p->backend_kind < PROP_BACKEND__MAX ? &backend_kinds[p->backend_kind]
                                                         : NULL;
}

static void **backend_field(Object *obj, const Property *p)
{
    return (void **)((char *)obj + p->offset);
}

const char *device_backend_kind_name(const Property *p)
{
    const BackendKind *k = kind_of(p);
    return k ? k->name : "backend";
}

char *device_backend_prop_get(Object *obj, const Property *p)
{
    void *b = *backend_field(obj, p);
    const BackendKind *k = kind_of(p);
    return g_strdup(b && k ? k->id_of(b) : "");
}

bool device_backend_prop_set(Object *obj, const Property *p, const char *id, Error **errp)
{
    const BackendKind *k = kind_of(p);
    void **field = backend_field(obj, p);
    void *b = NULL;
    if (!k) {
        error_setg(errp, "unknown backend kind %d", p->backend_kind);
        return false;
    }
    if (id && *id) {
        b = k->find(id);
        if (!b) {
            error_setg(errp, "no %s '%s'", k->what, id);
            return false;
        }
    }
    if (*field) {
        k->unref(*field);
    }
    *field = b;
    return true;
}

static bool claim_one(Object *obj, const Property *p, void *opaque)
{
    const BackendKind *k = kind_of(p);
    void *b = *backend_field(obj, p);
    return !b || !k || k->claim(b, obj, opaque);
}

static bool release_one(Object *obj, const Property *p, void *opaque)
{
    const BackendKind *k = kind_of(p);
    void *b = *backend_field(obj, p);
    if (b && k) {
        k->release(b, obj);
    }
    return true;
}

static bool unref_one(Object *obj, const Property *p, void *opaque)
{
    const BackendKind *k = kind_of(p);
    void **field = backend_field(obj, p);
    if (*field && k) {
        k->unref(*field);
    }
    *field = NULL;
    return true;
}

bool device_backend_props_claim(DeviceState *dev, Error **errp)
{
    if (device_static_props_foreach(dev, PROP_FIELD_BACKEND, claim_one, errp)) {
        return true;
    }
    /* Give up the ones claimed before the failure (releasing a backend
     * the device does not hold is harmless). */
    device_backend_props_release(dev);
    return false;
}

void device_backend_props_release(DeviceState *dev)
{
    device_static_props_foreach(dev, PROP_FIELD_BACKEND, release_one, NULL);
}

void device_backend_props_finalize(DeviceState *dev)
{
    device_static_props_foreach(dev, PROP_FIELD_BACKEND, unref_one, NULL);
}
