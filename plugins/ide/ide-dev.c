/*
 * The "IDE" bus and the devices on it: ide-hd (an ATA disk) and ide-cd
 * (an ATAPI CD-ROM drive).  A device takes a drive and a position
 * (unit=0 master, 1 slave; default the first free one) on a channel's
 * bus; its registers and transfer state live in the channel (ide.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/fwcfg.h>
#include "ide.h"

static int serial_counter;

static char *bus_get_dev_path(DeviceState *dev)
{
    return g_strdup_printf("unit %d", IDE_DEVICE(dev)->unit);
}

static void ide_bus_class_init(ObjectClass *klass, void *data)
{
    BusClass *bc = BUS_CLASS(klass);
    bc->get_dev_path = bus_get_dev_path;
}

/* ---- removable media ---- */

static void cd_change_media(void *opaque, bool load)
{
    atapi_media_changed(opaque, load);
}

static void cd_eject_request(void *opaque, bool force)
{
    atapi_eject_request(opaque, force);
}

static bool cd_is_tray_open(void *opaque)
{
    return ((IDEUnit *)opaque)->tray_open;
}

static bool cd_is_locked(void *opaque)
{
    return ((IDEUnit *)opaque)->tray_locked;
}

static const BlockDevOps cd_dev_ops = {
    .change_media_cb = cd_change_media,
    .eject_request_cb = cd_eject_request,
    .is_tray_open = cd_is_tray_open,
    .is_medium_locked = cd_is_locked,
};

/* ---- realize ---- */

/* A CHS geometry for IDENTIFY words 1/3/6: the -drive hint, else 16 heads
 * and 63 sectors per track (the largest an ATA CHS address takes, ATA-6
 * 6.2.2), cylinders up to 16383 (word 1's limit for disks over 8 GB). */
static void guess_geometry(IDEDevice *d)
{
    BlockGeometry g;
    if (d->cyls && d->heads && d->secs) {
        return;
    }
    if (blk_get_geometry_hint(d->blk, &g) && g.cyls && g.heads && g.secs) {
        d->cyls = MIN(g.cyls, 65535);
        d->heads = MIN(g.heads, 16);
        d->secs = MIN(g.secs, 255);
        return;
    }
    uint64_t n = blk_nb_sectors(d->blk);
    d->heads = 16;
    d->secs = 63;
    d->cyls = MAX(MIN(n / (16 * 63), 16383), 1);
}

static bool ide_dev_realize(DeviceState *dev, Error **errp)
{
    IDEDevice *d = IDE_DEVICE(dev);
    BusState *bus = dev->parent_bus;
    if (!bus || !object_dynamic_cast(OBJECT(bus), TYPE_IDE_BUS)) {
        error_setg(errp, "%s must be on an IDE bus (bus=ide.0, ...)",
                   object_get_typename(OBJECT(dev)));
        return false;
    }
    IDEChannel *ch = IDE_BUS(bus)->ch;
    if (d->unit < 0) {
        d->unit = ch->unit[0].dev ? 1 : 0;
    }
    if (d->unit > 1) {
        error_setg(errp, "unit %d: an IDE bus has units 0 (master) and 1 (slave)", d->unit);
        return false;
    }
    if (ch->unit[d->unit].dev) {
        error_setg(errp, "IDE unit %d of %s is already taken", d->unit, bus->name);
        return false;
    }
    if (!d->blk) {
        if (d->kind == IDE_HD) {
            error_setg(errp, "ide-hd needs drive=ID");
            return false;
        }
    }
    if (d->kind == IDE_HD && !blk_is_inserted(d->blk)) {
        error_setg(errp, "ide-hd: drive '%s' has no medium", blk_name(d->blk));
        return false;
    }
    if (!d->blk) {
        error_setg(errp, "ide-cd needs drive=ID (an empty drive: -drive if=none,id=cd,media=cdrom)");
        return false;
    }
    if (!d->serial) {
        const char *hint = blk_get_serial(d->blk);
        d->serial = hint ? g_strdup(hint) : g_strdup_printf("CC%05d", ++serial_counter);
    }
    if (!d->model) {
        d->model = g_strdup(d->kind == IDE_CD ? "CARDCAGE CD-ROM" : "CARDCAGE HARDDISK");
    }
    if (d->kind == IDE_HD) {
        guess_geometry(d);
    }
    IDEUnit *u = &ch->unit[d->unit];
    d->u = u;
    u->dev = d;
    u->cur_heads = d->kind == IDE_HD ? d->heads : 0;
    u->cur_secs = d->kind == IDE_HD ? d->secs : 0;
    d->wce_default = blk_enable_write_cache(d->blk);
    u->wce = d->wce_default;
    if (d->kind == IDE_CD) {
        u->tray_open = false;
        blk_set_dev_ops(d->blk, &cd_dev_ops, u);
    }
    ide_unit_reset_signature(u);
    return true;
}

static void ide_dev_unrealize(DeviceState *dev)
{
    IDEDevice *d = IDE_DEVICE(dev);
    if (d->u) {
        ide_cancel(d->u);
        d->u->dev = NULL;
        d->u = NULL;
    }
}

static void hd_init(Object *obj)
{
    IDE_DEVICE(obj)->kind = IDE_HD;
}

/* The firmware's path below the controller, as SeaBIOS builds it for
 * every ATA and ATAPI drive (src/boot.c: the channel as drive@N, the
 * position as disk@N, for disks and CD-ROMs alike). */
static int32_t ide_boot_index(Object *obj, char **suffix)
{
    IDEDevice *d = IDE_DEVICE(obj);
    if (d->bootindex >= 0 && d->u) {
        *suffix = g_strdup_printf("drive@%x/disk@%x", d->u->ch->index, d->unit);
        return d->bootindex;
    }
    return -1;
}

static void cd_init(Object *obj)
{
    IDE_DEVICE(obj)->kind = IDE_CD;
}

static const Property ide_dev_props[] = {
    DEFINE_PROP_DRIVE("drive", IDEDevice, blk, "the disk or CD drive"),
    DEFINE_PROP_INT32("unit", IDEDevice, unit, -1, "0 master, 1 slave (-1: the first free)"),
    DEFINE_PROP_STRING("serial", IDEDevice, serial, NULL, "IDENTIFY serial number"),
    DEFINE_PROP_STRING("model", IDEDevice, model, NULL, "IDENTIFY model number"),
    DEFINE_PROP_STRING("ver", IDEDevice, ver, "1.0", "IDENTIFY firmware revision"),
    DEFINE_PROP_UINT32("cyls", IDEDevice, cyls, 0, "CHS geometry: cylinders"),
    DEFINE_PROP_UINT32("heads", IDEDevice, heads, 0, "CHS geometry: heads (at most 16)"),
    DEFINE_PROP_UINT32("secs", IDEDevice, secs, 0, "CHS geometry: sectors per track"),
    DEFINE_PROP_INT_RANGE("bootindex", IDEDevice, bootindex, PROP_FIELD_I32, -1, -1, INT32_MAX,
                          "place in the firmware's boot order, lowest first, ahead of the "
                          "-boot order; -1: none"),
    DEFINE_PROP_END_OF_LIST(),
};

/* The device's own state: where it sits; the registers and the transfer
 * are saved with the controller's channel (vmstate_ide_channel). */
static const VMStateDescription vmstate_ide_dev = {
    .name = "ide-device",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_INT32_RANGE(unit, IDEDevice, 0, 1),
        VMSTATE_END_OF_LIST()
    },
};

static void ide_dev_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->bus_type = TYPE_IDE_BUS;
    dc->category = DEVICE_CATEGORY_STORAGE;
    dc->realize = ide_dev_realize;
    dc->unrealize = ide_dev_unrealize;
    dc->vmsd = &vmstate_ide_dev;
    device_class_set_props(dc, ide_dev_props);
    BootDeviceClass *bc = (BootDeviceClass *)object_class_dynamic_cast(klass,
                                                                       TYPE_BOOT_DEVICE_IF);
    bc->boot_index = ide_boot_index;
}

static void hd_class_init(ObjectClass *klass, void *data)
{
    DEVICE_CLASS(klass)->desc = "ATA hard disk (drive=ID, unit=0|1 on bus=ide.N)";
}

static void cd_class_init(ObjectClass *klass, void *data)
{
    DEVICE_CLASS(klass)->desc = "ATAPI CD-ROM drive (drive=ID, unit=0|1 on bus=ide.N)";
}

static const TypeInfo ide_dev_types[] = {
    {
        .name = TYPE_IDE_BUS,
        .parent = TYPE_BUS,
        .instance_size = sizeof(IDEBus),
        .class_init = ide_bus_class_init,
    },
    {
        .name = TYPE_IDE_DEVICE,
        .parent = TYPE_DEVICE,
        .abstract = true,
        .instance_size = sizeof(IDEDevice),
        .class_init = ide_dev_class_init,
        .interfaces = (const InterfaceInfo[]) { { TYPE_BOOT_DEVICE_IF }, { NULL } },
    },
    {
        .name = TYPE_IDE_HD,
        .parent = TYPE_IDE_DEVICE,
        .instance_size = sizeof(IDEDevice),
        .instance_init = hd_init,
        .class_init = hd_class_init,
    },
    {
        .name = TYPE_IDE_CD,
        .parent = TYPE_IDE_DEVICE,
        .instance_size = sizeof(IDEDevice),
        .instance_init = cd_init,
        .class_init = cd_class_init,
    },
};

DEFINE_TYPES(ide_dev_types)
