/*
 * QMP query-pci: every PCI bus and function, in the shape QEMU returns
 * (its PciInfo / PciDeviceInfo), so that clients and `info pci` read the
 * same thing on both.
 *
 * SPDX-License-Identifier: MIT
 */
#include <json-c/json.h>
#include <cardcage/module.h>
#include <cardcage/qmp.h>
#include "pci/pci-internal.h"

/* The class names QEMU gives (the PCI Code and ID Assignment
 * Specification's class/subclass pairs); other classes print as
 * "Class NNNN", the class in decimal. */
static const struct {
    uint16_t class_id;
    const char *desc;
} pci_class_names[] = {
    { 0x0001, "VGA controller" },
    { 0x0100, "SCSI controller" }, { 0x0101, "IDE controller" },
    { 0x0102, "Floppy controller" }, { 0x0103, "IPI controller" },
    { 0x0104, "RAID controller" }, { 0x0106, "SATA controller" },
    { 0x0107, "SAS controller" }, { 0x0180, "Storage controller" },
    { 0x0200, "Ethernet controller" }, { 0x0201, "Token Ring controller" },
    { 0x0202, "FDDI controller" }, { 0x0203, "ATM controller" },
    { 0x0280, "Network controller" },
    { 0x0300, "VGA controller" }, { 0x0301, "XGA controller" },
    { 0x0302, "3D controller" }, { 0x0380, "Display controller" },
    { 0x0400, "Video controller" }, { 0x0401, "Audio controller" },
    { 0x0402, "Phone" }, { 0x0403, "Audio controller" },
    { 0x0480, "Multimedia controller" },
    { 0x0500, "RAM controller" }, { 0x0501, "Flash controller" },
    { 0x0580, "Memory controller" },
    { 0x0600, "Host bridge" }, { 0x0601, "ISA bridge" }, { 0x0602, "EISA bridge" },
    { 0x0603, "MC bridge" }, { 0x0604, "PCI bridge" }, { 0x0605, "PCMCIA bridge" },
    { 0x0606, "NUBUS bridge" }, { 0x0607, "CARDBUS bridge" },
    { 0x0608, "RACEWAY bridge" }, { 0x0680, "Bridge" },
    { 0x0700, "Serial port" }, { 0x0701, "Parallel port" },
    { 0x0800, "Interrupt controller" }, { 0x0801, "DMA controller" },
    { 0x0802, "Timer" }, { 0x0803, "RTC" },
    { 0x0900, "Keyboard" }, { 0x0901, "Pen" }, { 0x0902, "Mouse" },
    { 0x0a00, "Dock station" }, { 0x0b00, "i386 cpu" },
    { 0x0c00, "Firewire controller" }, { 0x0c01, "Access bus controller" },
    { 0x0c02, "SSA controller" }, { 0x0c03, "USB controller" },
    { 0x0c04, "Fibre channel controller" }, { 0x0c05, "SMBus" },
};

static json_object *jint(int64_t v)
{
    return json_object_new_int64(v);
}

static json_object *region_json(PCIDevice *d, int n)
{
    PCIIORegion *r = &d->io_regions[n];
    json_object *o = json_object_new_object();
    bool io = n != PCI_ROM_SLOT && (r->type & PCI_BASE_ADDRESS_SPACE_IO);
    json_object_object_add(o, "bar", jint(n));
    json_object_object_add(o, "type", json_object_new_string(io ? "io" : "memory"));
    /* QEMU gives an unmapped BAR's address as all ones, a uint64. */
    json_object_object_add(o, "address", json_object_new_uint64(r->addr));
    json_object_object_add(o, "size", jint((int64_t)r->size));
    if (!io) {
        json_object_object_add(o, "prefetch",
                               json_object_new_boolean(r->type & PCI_BASE_ADDRESS_MEM_PREFETCH));
        json_object_object_add(o, "mem_type_64",
                               json_object_new_boolean(r->type & PCI_BASE_ADDRESS_MEM_TYPE_64));
    }
    return o;
}

static json_object *device_json(PCIDevice *d, int bus_nr)
{
    json_object *o = json_object_new_object();
    const uint8_t *c = d->config;
    json_object_object_add(o, "bus", jint(bus_nr));
    json_object_object_add(o, "slot", jint(PCI_SLOT(d->devfn)));
    json_object_object_add(o, "function", jint(PCI_FUNC(d->devfn)));
    json_object *cls = json_object_new_object();
    uint16_t class_id = pci_get_word(c + PCI_CLASS_DEVICE);
    for (size_t i = 0; i < G_N_ELEMENTS(pci_class_names); i++) {
        if (pci_class_names[i].class_id == class_id) {
            json_object_object_add(cls, "desc", json_object_new_string(pci_class_names[i].desc));
            break;
        }
    }
    json_object_object_add(cls, "class", jint(class_id));
    json_object_object_add(o, "class_info", cls);
    json_object *id = json_object_new_object();
    json_object_object_add(id, "device", jint(pci_get_word(c + PCI_DEVICE_ID)));
    json_object_object_add(id, "vendor", jint(pci_get_word(c + PCI_VENDOR_ID)));
    json_object_object_add(id, "subsystem", jint(pci_get_word(c + PCI_SUBSYSTEM_ID)));
    json_object_object_add(id, "subsystem-vendor",
                           jint(pci_get_word(c + PCI_SUBSYSTEM_VENDOR_ID)));
    json_object_object_add(o, "id", id);
    if (c[PCI_INTERRUPT_PIN]) {
        json_object_object_add(o, "irq", jint(c[PCI_INTERRUPT_LINE]));
    }
    json_object_object_add(o, "irq_pin", jint(c[PCI_INTERRUPT_PIN]));
    const char *qid = device_get_id(DEVICE(d));
    json_object_object_add(o, "qdev_id", json_object_new_string(qid ? qid : ""));
    json_object *regions = json_object_new_array();
    for (int n = 0; n < PCI_NUM_REGIONS; n++) {
        if (d->io_regions[n].size) {
            json_object_array_add(regions, region_json(d, n));
        }
    }
    json_object_object_add(o, "regions", regions);
    return o;
}

/* Every PCI bus in the device tree, depth first, numbered in that order
 * (the root bus is 0 as long as bridges do not exist). */
static void collect_buses(BusState *bus, json_object *out)
{
    if (object_dynamic_cast(OBJECT(bus), TYPE_PCI_BUS)) {
        PCIBus *pb = PCI_BUS(bus);
        int nr = (int)json_object_array_length(out);
        json_object *b = json_object_new_object();
        json_object_object_add(b, "bus", jint(nr));
        json_object *devs = json_object_new_array();
        for (int devfn = 0; devfn < PCI_SLOT_MAX * PCI_FUNC_MAX; devfn++) {
            if (pb->devices[devfn]) {
                json_object_array_add(devs, device_json(pb->devices[devfn], nr));
            }
        }
        json_object_object_add(b, "devices", devs);
        json_object_array_add(out, b);
    }
    for (GList *l = bus->children.head; l; l = l->next) {
        for (GSList *c = ((DeviceState *)l->data)->child_buses; c; c = c->next) {
            collect_buses(c->data, out);
        }
    }
}

static json_object *query_pci(json_object *args, Error **errp)
{
    json_object *out = json_object_new_array();
    collect_buses(sysbus_get_default(), out);
    return out;
}

static const QmpCommandInfo query_pci_command = {
    "query-pci", NULL, "[PciInfo]", query_pci,
};

static void pci_qmp_register(void)
{
    qmp_register_command(&query_pci_command, &error_abort);
}
qapi_init(pci_qmp_register)
