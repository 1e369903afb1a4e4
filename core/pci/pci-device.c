/*
 * The PCI function base type: its configuration header at realize, reset,
 * the properties every card has, and the state every card saves.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/log.h>
#include <cardcage/module.h>
#include "pci/pci-internal.h"

static void pci_set_mask_word(uint8_t *mask, uint32_t addr, uint16_t v)
{
    pci_set_word(mask + addr, v);
}

/* The type 0 header as the class describes it (PCI 3.0, 6.2.1), and what
 * the guest may change in it. */
static void pci_init_header(PCIDevice *d, PCIDeviceClass *k)
{
    uint8_t *c = d->config;
    memset(c, 0, sizeof(d->config));
    memset(d->wmask, 0, sizeof(d->wmask));
    memset(d->w1cmask, 0, sizeof(d->w1cmask));
    memset(d->cmask, 0, sizeof(d->cmask));
    pci_set_word(c + PCI_VENDOR_ID, k->vendor_id);
    pci_set_word(c + PCI_DEVICE_ID, k->device_id);
    pci_set_byte(c + PCI_REVISION_ID, k->revision);
    pci_set_byte(c + PCI_CLASS_PROG, k->prog_if);
    pci_set_word(c + PCI_CLASS_DEVICE, k->class_id);
    pci_set_byte(c + PCI_HEADER_TYPE, k->header_type |
                 (d->multifunction ? PCI_HEADER_TYPE_MULTI_FUNCTION : 0));
    if (k->subsystem_vendor_id) {
        pci_set_word(c + PCI_SUBSYSTEM_VENDOR_ID, k->subsystem_vendor_id);
        pci_set_word(c + PCI_SUBSYSTEM_ID, k->subsystem_id);
    }
    /* The identity cannot change, not even through a saved state. */
    memset(d->cmask + PCI_VENDOR_ID, 0xff, 4);
    memset(d->cmask + PCI_REVISION_ID, 0xff, 4);
    d->cmask[PCI_HEADER_TYPE] = 0xff;
    memset(d->cmask + PCI_SUBSYSTEM_VENDOR_ID, 0xff, 4);
    /* 6.2.2: the command bits a simple target and master implements. */
    pci_set_mask_word(d->wmask, PCI_COMMAND,
                      PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
                      PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
    /* 6.2.3: the error bits are cleared by writing 1; the rest is
     * read-only (the interrupt status, the capability list bit). */
    pci_set_mask_word(d->w1cmask, PCI_STATUS,
                      PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT |
                      PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT |
                      PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY);
    /* 6.2.4: cache line size, latency timer and interrupt line are
     * read/write scratch for the system software. */
    d->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    d->wmask[PCI_LATENCY_TIMER] = 0xff;
    d->wmask[PCI_INTERRUPT_LINE] = 0xff;
    /* The card registers its BARs again at every realize. */
    memset(d->io_regions, 0, sizeof(d->io_regions));
    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        d->io_regions[i].addr = PCI_BAR_UNMAPPED;
    }
}

/* What realize built and unrealize (or a failed realize) takes down. */
static void pci_device_teardown(PCIDevice *d)
{
    pci_dma_destroy(d);
    if (d->rom.name) {
        memory_region_finalize(&d->rom);
    }
    d->bus->devices[d->devfn] = NULL;
    d->bus = NULL;
}

static void pci_device_reset(DeviceState *dev)
{
    PCIDevice *d = PCI_DEVICE(dev);
    PCIDeviceClass *k = PCI_DEVICE_GET_CLASS(d);
    /* 6.2.2: command 0 at reset (no decode, no mastering); the W1C
     * status bits, the scratch registers and the BARs go back to 0. */
    uint16_t cmd = pci_get_word(d->config + PCI_COMMAND);
    pci_set_word(d->config + PCI_COMMAND, cmd & ~pci_get_word(d->wmask + PCI_COMMAND));
    uint16_t st = pci_get_word(d->config + PCI_STATUS);
    pci_set_word(d->config + PCI_STATUS, st & ~pci_get_word(d->w1cmask + PCI_STATUS));
    d->config[PCI_CACHE_LINE_SIZE] = 0;
    d->config[PCI_LATENCY_TIMER] = 0;
    d->config[PCI_INTERRUPT_LINE] = 0;
    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        PCIIORegion *r = &d->io_regions[i];
        if (!r->size) {
            continue;
        }
        uint32_t off = i == PCI_ROM_SLOT ? PCI_ROM_ADDRESS : PCI_BASE_ADDRESS_0 + 4 * i;
        pci_set_long(d->config + off, i == PCI_ROM_SLOT ? 0 : r->type);
        if (r->type & PCI_BASE_ADDRESS_MEM_TYPE_64) {
            pci_set_long(d->config + off + 4, 0);
        }
    }
    msi_reset(d);
    d->intx_level = false;
    d->config[PCI_STATUS] &= ~PCI_STATUS_INTERRUPT;
    pci_intx_update(d, true);
    pci_update_mappings(d);
    pci_dma_update_master(d);
    if (k->reset) {
        k->reset(d);
    }
}

static bool pci_device_realize(DeviceState *dev, Error **errp)
{
    PCIDevice *d = PCI_DEVICE(dev);
    PCIDeviceClass *k = PCI_DEVICE_GET_CLASS(d);
    if (DEVICE_GET_CLASS(dev)->reset != pci_device_reset) {
        error_setg(errp, "PCI device type '%s' sets DeviceClass.reset: a PCI card puts its "
                   "reset in PCIDeviceClass.reset, so that the function's reset runs too",
                   object_get_typename(OBJECT(dev)));
        return false;
    }
    d->bus = PCI_BUS(dev->parent_bus);
    d->bus->devices[d->devfn] = d;
    pci_init_header(d, k);
    pci_dma_init(d);
    if (k->realize && !k->realize(d, errp)) {
        goto fail;
    }
    if (!pci_load_romfile(d, errp)) {
        if (k->exit) {
            k->exit(d);
        }
        goto fail;
    }
    return true;

fail:
    pci_unmap_all_bars(d);
    pci_device_teardown(d);
    return false;
}

static void pci_device_unrealize(DeviceState *dev)
{
    PCIDevice *d = PCI_DEVICE(dev);
    PCIDeviceClass *k = PCI_DEVICE_GET_CLASS(d);
    /* The BARs leave the bus before the card frees what is behind them. */
    pci_unmap_all_bars(d);
    if (k->exit) {
        k->exit(d);
    }
    d->intx_level = false;
    pci_intx_update(d, true);
    pci_device_teardown(d);
}

static void pci_device_instance_init(Object *obj)
{
    PCI_DEVICE(obj)->devfn = -1;
}

static const Property pci_device_properties[] = {
    DEFINE_PROP_STRING("addr", PCIDevice, addr_prop, NULL,
                       "slot on the bus, SLOT or SLOT.FUNCTION in hex (1f.2); unset: the "
                       "first free slot"),
    DEFINE_PROP_BOOL("multifunction", PCIDevice, multifunction, false,
                     "function 0 of a slot whose other functions are in use"),
    DEFINE_PROP_STRING("romfile", PCIDevice, romfile, NULL,
                       "option ROM image (searched like firmware: -L, the firmware "
                       "directories); unset: the card's default; \"\": none"),
    DEFINE_PROP_BOOL("rombar", PCIDevice, rombar, true,
                     "expose the option ROM through the expansion ROM BAR"),
    /* The firmware orders the boot entries of the function's option ROM
     * (a network card's PXE ROM) by it: the fw_cfg bootorder file. */
    DEFINE_PROP_INT_RANGE("bootindex", PCIDevice, bootindex, PROP_FIELD_I32, -1, -1,
                          INT32_MAX,
                          "place in the firmware's boot order, lowest first (the option "
                          "ROM's boot entry); -1: none, the -boot order decides"),
    DEFINE_PROP_END_OF_LIST(),
};

/* ---- state ---- */

/* A stream is hostile: the identity bytes (cmask) must be the ones this
 * device was built with, or the state is another card's. */
static bool pci_device_post_load(void *opaque, int version_id, Error **errp)
{
    PCIDevice *d = opaque;
    static PCIDevice ref;
    ref.multifunction = d->multifunction;
    pci_init_header(&ref, PCI_DEVICE_GET_CLASS(d));
    for (int i = 0; i < PCI_CONFIG_HEADER_SIZE; i++) {
        if (d->cmask[i] && d->config[i] != ref.config[i]) {
            error_setg(errp, "configuration byte 0x%02x is 0x%02x, but this %s has 0x%02x",
                       i, d->config[i], object_get_typename(OBJECT(d)), ref.config[i]);
            return false;
        }
    }
    pci_update_mappings(d);
    pci_dma_update_master(d);
    /* The bus's count follows; the PIRQ's listener keeps its own input
     * state in its own saved state, so it is not driven from here. */
    pci_intx_update(d, false);
    return true;
}

const VMStateDescription vmstate_pci_device = {
    .name = "pci-device",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = pci_device_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_BUFFER(config, PCIDevice),
        VMSTATE_BOOL(intx_level, PCIDevice),
        VMSTATE_END_OF_LIST()
    },
};

static void pci_device_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->bus_type = TYPE_PCI_BUS;
    dc->realize = pci_device_realize;
    dc->unrealize = pci_device_unrealize;
    dc->reset = pci_device_reset;
    dc->vmsd = &vmstate_pci_device;
    device_class_set_props(dc, pci_device_properties);
}

static const TypeInfo pci_device_type = {
    .name = TYPE_PCI_DEVICE,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(PCIDevice),
    .instance_init = pci_device_instance_init,
    .abstract = true,
    .class_size = sizeof(PCIDeviceClass),
    .class_init = pci_device_class_init,
};

static void pci_device_register_types(void)
{
    type_register_static(&pci_device_type);
}

type_init(pci_device_register_types)
