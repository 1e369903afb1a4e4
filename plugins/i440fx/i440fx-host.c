/*
 * i440FX-pcihost: the host side of the 82441FX (datasheet 290549, 3.1), a
 * PCI host bridge (core/pci/pci-host-bridge.c: the bus "pci.0" and
 * configuration mechanism #1 at 0xCF8/0xCFC) with one register of its own:
 *
 *   0xCF9  the reset control register (RC) of the PIIX3 (82371SB 4.1.1,
 *          I/O 0CF9h).  It lives here because one region must decode the
 *          whole of 0xCF8-0xCFB: the memory core splits an access that
 *          crosses from one region into another, so a DWORD write to 0xCF8
 *          would reach CONFIG_ADDRESS a byte at a time if a second device
 *          owned 0xCF9 (QEMU lets a higher priority 1-byte region win).
 *
 * The PMC's function 00.0 is the "i440FX" device, which the board puts on
 * the bus at address 0.  INTx routing belongs to the PIIX3.
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/cardcage.h>
#include <cardcage/acpi.h>

#define TYPE_I440FX_PCIHOST "i440FX-pcihost"

#define CONFIG_ADDRESS_PORT 0xcf8

/* The reset control register (82371SB 4.1.1): bit 2 RCPU, a 0->1
 * transition resets; bit 1 SRST chooses a hard (1) or soft (0) reset,
 * both of which reset the whole machine here, as on QEMU. */
#define RC_OFFSET           1       /* 0xCF9 in the 0xCF8 window */
#define RC_RCPU             0x04
#define RC_SRST             0x02

typedef struct I440FXHostState {
    PCIHostState parent_obj;
    uint8_t rc;
} I440FXHostState;

OBJECT_DECLARE_SIMPLE_TYPE(I440FXHostState, I440FX_PCIHOST)

/* Byte accesses at 0xCF9 reach the reset control register; the other
 * non-DWORD accesses in 0xCF8-0xCFB find nothing on PCI. */
static uint64_t rc_read(PCIHostState *h, unsigned offset, unsigned size)
{
    return offset == RC_OFFSET && size == 1 ? I440FX_PCIHOST(h)->rc : ~0ull;
}

static void rc_write(PCIHostState *h, unsigned offset, uint64_t val, unsigned size)
{
    I440FXHostState *s = I440FX_PCIHOST(h);
    if (offset != RC_OFFSET || size != 1) {
        return;
    }
    if ((val & RC_RCPU) && !(s->rc & RC_RCPU)) {
        s->rc = 0;
        system_reset_request();
        return;
    }
    s->rc = val & (RC_RCPU | RC_SRST);
}

static void host_reset(PCIHostState *h)
{
    I440FX_PCIHOST(h)->rc = 0;
}

/* ---- ACPI ---- */

/* The I/O APIC's default address (82093AA 3.0): the PCI hole ends below
 * it, as on QEMU's pc. */
#define PCI_HOLE_END        0xfebfffffull
/* The i440FX's RAM ends at 3.5 GiB at most (i440fx.c); the hole starts at
 * the end of RAM. */
#define PCI_HOLE_MAX_START  0xe0000000ull

/* \_SB.PCI0's resources as QEMU's pc gives them: every bus number, the
 * I/O space but the configuration ports (the core adds 0xCF8-0xCFF as an
 * IO descriptor), the legacy VGA window 0xA0000-0xBFFFF and the PCI hole
 * from the end of RAM to the I/O APIC.  No RAM above 4 GiB, so no 64-bit
 * window. */
static void host_pci_info(Object *obj, AcpiPciHostInfo *info)
{
    uint64_t ram = board_ram_size();
    info->present = true;
    info->config_port = CONFIG_ADDRESS_PORT;
    info->bus_min = 0;
    info->bus_max = 0xff;
    info->io[0] = (AcpiWindow){ 0x0000, CONFIG_ADDRESS_PORT - 1 };
    info->io[1] = (AcpiWindow){ CONFIG_ADDRESS_PORT + 8, 0xffff };
    info->n_io = 2;
    info->mem[0] = (AcpiWindow){ 0xa0000, 0xbffff };
    info->mem[1] = (AcpiWindow){ MIN(ram, PCI_HOLE_MAX_START), PCI_HOLE_END };
    info->n_mem = 2;
}

static const VMStateDescription vmstate_i440fx_pcihost = {
    .name = TYPE_I440FX_PCIHOST,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT(parent_obj, I440FXHostState, vmstate_pci_host, PCIHostState),
        VMSTATE_UINT8(rc, I440FXHostState),
        VMSTATE_END_OF_LIST()
    },
};

static void host_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIHostClass *hc = PCI_HOST_BRIDGE_CLASS(klass);
    AcpiDeviceClass *ac = (AcpiDeviceClass *)object_class_dynamic_cast(klass,
                                                                       TYPE_ACPI_DEVICE_IF);
    dc->desc = "i440FX host bridge: PCI bus pci.0, configuration mechanism #1, reset "
               "control at 0xCF9";
    dc->vmsd = &vmstate_i440fx_pcihost;
    hc->conf_addr_other_read = rc_read;
    hc->conf_addr_other_write = rc_write;
    hc->reset = host_reset;
    ac->pci_host_info = host_pci_info;
}

static const TypeInfo i440fx_host_types[] = {
    {
        .name = TYPE_I440FX_PCIHOST,
        .parent = TYPE_PCI_HOST_BRIDGE,
        .instance_size = sizeof(I440FXHostState),
        .class_size = sizeof(PCIHostClass),
        .class_init = host_class_init,
        .interfaces = (const InterfaceInfo[]) { { TYPE_ACPI_DEVICE_IF }, { NULL } },
    },
};

DEFINE_TYPES(i440fx_host_types)

CARDCAGE_PLUGIN(.name = "i440fx", .version = "1.0",
                .description = "Intel 82441FX PMC: PCI host bridge, RAM map, PAM, SMRAM",
                .license = "MIT");
