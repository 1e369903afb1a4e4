/*
 * The PCI functions' part of the firmware's boot order: the functions a
 * user gave bootindex=N, as the device paths of the fw_cfg file
 * "bootorder" that SeaBIOS reads (its src/boot.c builds the same kind of
 * path for each of its boot entries and globs it against each line; a
 * line's place is the entry's priority).
 *
 * A path follows the Open Firmware PCI bus binding (IEEE 1275): the host
 * bridge as "pci@i0cf8" (it decodes configuration mechanism #1 at I/O
 * port 0xcf8, PCI 3.0 3.2.2.3.2), then NAME@SLOT[,FUNC] with the unit
 * address in hex and FUNC left out when 0, as QEMU writes them.  SeaBIOS
 * matches any NAME ("*" in its pattern); the names here are the binding's
 * generic ones for the classes a boot entry can come from, and
 * "pciVVVV,DDDD" (vendor, device) for the rest.
 *
 * Devices below a function (IDE disks and CD-ROMs on a PCI IDE
 * controller) take part through TYPE_BOOT_DEVICE_IF: the function's path,
 * then theirs ("/pci@i0cf8/ide@1,1/drive@1/disk@0").  SeaBIOS finds boot
 * entries by bootindex only on PCI: such a device with no PCI function
 * above it is left out, with a warning.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <cardcage/object.h>
#include <cardcage/fwcfg.h>
#include "pci/pci-internal.h"

static const struct {
    uint16_t class_id;           /* class << 8 | subclass */
    const char *name;
} pci_fw_names[] = {
    { 0x0100, "scsi" },          /* mass storage: SCSI */
    { 0x0101, "ide" },           /* mass storage: IDE */
    { 0x0106, "sata" },          /* mass storage: SATA */
    { 0x0200, "ethernet" },      /* network: Ethernet */
    { 0x0300, "display" },       /* display: VGA compatible */
};

typedef struct BootEntry {
    int32_t bootindex;
    DeviceState *dev;
    char *path;
} BootEntry;

/* The nearest PCI function above dev (through the buses), or NULL. */
static PCIDevice *pci_parent(DeviceState *dev)
{
    for (BusState *b = dev->parent_bus; b && b->parent; b = b->parent->parent_bus) {
        Object *o = object_dynamic_cast(OBJECT(b->parent), TYPE_PCI_DEVICE);
        if (o) {
            return PCI_DEVICE(o);
        }
    }
    return NULL;
}

static char *device_label(DeviceState *dev);

static int collect(Object *obj, void *opaque)
{
    GArray *list = opaque;
    Object *o = object_dynamic_cast(obj, TYPE_PCI_DEVICE);
    if (o) {
        PCIDevice *d = PCI_DEVICE(o);
        if (d->bootindex >= 0 && d->devfn >= 0) {
            BootEntry e = { d->bootindex, DEVICE(d), pci_device_fw_path(d) };
            g_array_append_val(list, e);
        }
        return 0;
    }
    BootDeviceClass *bc = (BootDeviceClass *)object_class_dynamic_cast(object_get_class(obj),
                                                                       TYPE_BOOT_DEVICE_IF);
    if (!bc || !object_dynamic_cast(obj, TYPE_DEVICE) || !DEVICE(obj)->realized) {
        return 0;
    }
    char *suffix = NULL;
    int32_t index = bc->boot_index(obj, &suffix);
    PCIDevice *pci = index >= 0 ? pci_parent(DEVICE(obj)) : NULL;
    if (index >= 0 && pci && pci->devfn >= 0) {
        char *base = pci_device_fw_path(pci);
        BootEntry e = { index, DEVICE(obj), g_strdup_printf("%s/%s", base, suffix) };
        g_array_append_val(list, e);
        g_free(base);
    } else if (index >= 0) {
        char *label = device_label(DEVICE(obj));
        warn_report("bootindex=%d of %s is ignored: the firmware orders boot devices "
                    "only on PCI", index, label);
        g_free(label);
    }
    g_free(suffix);
    return 0;
}

static int by_bootindex(const void *a, const void *b)
{
    const BootEntry *x = a, *y = b;
    return (x->bootindex > y->bootindex) - (x->bootindex < y->bootindex);
}

char *pci_device_fw_path(PCIDevice *dev)
{
    uint16_t class_id = pci_get_word(dev->config + PCI_CLASS_DEVICE);
    char *name = NULL;
    for (size_t i = 0; i < G_N_ELEMENTS(pci_fw_names); i++) {
        if (pci_fw_names[i].class_id == class_id) {
            name = g_strdup(pci_fw_names[i].name);
        }
    }
    if (!name) {
        name = g_strdup_printf("pci%04x,%04x", pci_get_word(dev->config + PCI_VENDOR_ID),
                               pci_get_word(dev->config + PCI_DEVICE_ID));
    }
    int slot = PCI_SLOT(dev->devfn), fn = PCI_FUNC(dev->devfn);
    char *path = fn ? g_strdup_printf("/pci@i0cf8/%s@%x,%x", name, slot, fn)
                    : g_strdup_printf("/pci@i0cf8/%s@%x", name, slot);
    g_free(name);
    return path;
}

static char *device_label(DeviceState *dev)
{
    if (dev->id) {
        return g_strdup_printf("'%s'", dev->id);
    }
    Object *o = object_dynamic_cast(OBJECT(dev), TYPE_PCI_DEVICE);
    if (o) {
        PCIDevice *d = PCI_DEVICE(o);
        return g_strdup_printf("%s at %02x.%x", object_get_typename(o),
                               PCI_SLOT(d->devfn), PCI_FUNC(d->devfn));
    }
    char *path = object_get_canonical_path(OBJECT(dev));
    char *label = g_strdup_printf("%s %s", object_get_typename(OBJECT(dev)), path);
    g_free(path);
    return label;
}

bool pci_boot_order(GString *out, Error **errp)
{
    GArray *list = g_array_new(FALSE, FALSE, sizeof(BootEntry));
    object_child_foreach_recursive(object_get_root(), collect, list);
    g_array_sort(list, by_bootindex);
    bool ok = true;
    for (guint i = 0; i < list->len && ok; i++) {
        BootEntry *e = &g_array_index(list, BootEntry, i);
        if (i > 0 && g_array_index(list, BootEntry, i - 1).bootindex == e->bootindex) {
            char *a = device_label(g_array_index(list, BootEntry, i - 1).dev);
            char *b = device_label(e->dev);
            error_setg(errp, "bootindex=%d is given to both %s and %s: each boot device "
                       "needs its own", e->bootindex, a, b);
            g_free(a);
            g_free(b);
            ok = false;
            break;
        }
        g_string_append_printf(out, "%s\n", e->path);
    }
    for (guint i = 0; i < list->len; i++) {
        g_free(g_array_index(list, BootEntry, i).path);
    }
    g_array_free(list, TRUE);
    return ok;
}
