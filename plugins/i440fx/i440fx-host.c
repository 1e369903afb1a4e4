/*
 * i440FX-pcihost: the host side of the 82441FX (datasheet 290549, 3.1):
 * it creates the PCI bus "pci.0" (property "bus-name") over the system memory and I/O spaces and
 * decodes configuration mechanism #1 (PCI 3.0, 3.2.2.3.2):
 *
 *   0xCF8  CONFIG_ADDRESS, DWORD accesses only: byte and word accesses to
 *          0xCF8-0xCFB are not configuration cycles (3.1.1) and pass on
 *          to PCI, where nothing but the reset control register answers;
 *   0xCF9  the reset control register (RC) of the PIIX3 (82371SB 4.1.1,
 *          I/O 0CF9h).  It lives here because one region must decode the
 *          whole of 0xCF8-0xCFB: the memory core splits an access that
 *          crosses from one region into another, so a DWORD write to 0xCF8
 *          would reach CONFIG_ADDRESS a byte at a time if a second device
 *          owned 0xCF9 (QEMU lets a higher priority 1-byte region win);
 *   0xCFC  CONFIG_DATA, every size at every offset of 0xCFC-0xCFF.
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
#define CONFIG_DATA_PORT    0xcfc

/* CONFIG_ADDRESS (PCI 3.0, figure 3-1): enable, bus, device, function,
 * register; bits 30:24 and 1:0 are reserved and read 0. */
#define CONFIG_ADDRESS_MASK 0x80fffffcu

/* The reset control register (82371SB 4.1.1): bit 2 RCPU, a 0->1
 * transition resets; bit 1 SRST chooses a hard (1) or soft (0) reset,
 * both of which reset the whole machine here, as on QEMU. */
#define RC_OFFSET           1       /* 0xCF9 in the 0xCF8 window */
#define RC_RCPU             0x04
#define RC_SRST             0x02

typedef struct I440FXHostState {
    SysBusDevice parent_obj;
    MemoryRegion addr_io, data_io;
    PCIBus *bus;
    uint32_t config_addr;
    uint8_t rc;
    char *bus_name;
} I440FXHostState;

OBJECT_DECLARE_SIMPLE_TYPE(I440FXHostState, I440FX_PCIHOST)

static uint64_t addr_read(void *opaque, hwaddr addr, unsigned size)
{
    I440FXHostState *s = opaque;
    if (addr == 0 && size == 4) {
        return s->config_addr;
    }
    if (addr == RC_OFFSET && size == 1) {
        return s->rc;
    }
    return ~0ull;               /* nothing on PCI claims it */
}

static void addr_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    I440FXHostState *s = opaque;
    if (addr == 0 && size == 4) {
        s->config_addr = (uint32_t)val & CONFIG_ADDRESS_MASK;
    } else if (addr == RC_OFFSET && size == 1) {
        if ((val & RC_RCPU) && !(s->rc & RC_RCPU)) {
            s->rc = 0;
            system_reset_request();
            return;
        }
        s->rc = val & (RC_RCPU | RC_SRST);
    }
}

static const MemoryRegionOps addr_ops = {
    .read = addr_read,
    .write = addr_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
};

static uint64_t data_read(void *opaque, hwaddr addr, unsigned size)
{
    I440FXHostState *s = opaque;
    return pci_host_config_read(s->bus, s->config_addr, (unsigned)addr, size);
}

static void data_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    I440FXHostState *s = opaque;
    pci_host_config_write(s->bus, s->config_addr, (unsigned)addr, (uint32_t)val, size);
}

static const MemoryRegionOps data_ops = {
    .read = data_read,
    .write = data_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
};

static void host_reset(DeviceState *dev)
{
    I440FXHostState *s = I440FX_PCIHOST(dev);
    s->config_addr = 0;
    s->rc = 0;
}

static bool host_realize(DeviceState *dev, Error **errp)
{
    I440FXHostState *s = I440FX_PCIHOST(dev);
    if (bus_find(s->bus_name)) {
        error_setg(errp, "a bus named '%s' exists already", s->bus_name);
        return false;
    }
    s->bus = pci_bus_new(dev, s->bus_name, memory_get_system_memory(),
                         memory_get_system_io());
    memory_region_init_io(&s->addr_io, OBJECT(dev), &addr_ops, s, "pci-conf-idx", 4);
    memory_region_init_io(&s->data_io, OBJECT(dev), &data_ops, s, "pci-conf-data", 4);
    memory_region_add_subregion(memory_get_system_io(), CONFIG_ADDRESS_PORT, &s->addr_io);
    memory_region_add_subregion(memory_get_system_io(), CONFIG_DATA_PORT, &s->data_io);
    return true;
}

static void host_unrealize(DeviceState *dev)
{
    I440FXHostState *s = I440FX_PCIHOST(dev);
    memory_region_finalize(&s->addr_io);
    memory_region_finalize(&s->data_io);
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

static const Property host_properties[] = {
    DEFINE_PROP_STRING("bus-name", I440FXHostState, bus_name, "pci.0",
                       "name of the PCI bus it creates (devices name it in \"bus\")"),
    DEFINE_PROP_END_OF_LIST(),
};

static const VMStateDescription vmstate_i440fx_pcihost = {
    .name = TYPE_I440FX_PCIHOST,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(config_addr, I440FXHostState),
        VMSTATE_UINT8(rc, I440FXHostState),
        VMSTATE_END_OF_LIST()
    },
};

static void host_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    AcpiDeviceClass *ac = (AcpiDeviceClass *)object_class_dynamic_cast(klass,
                                                                       TYPE_ACPI_DEVICE_IF);
    dc->desc = "i440FX host bridge: PCI bus pci.0, configuration mechanism #1, reset "
               "control at 0xCF9";
    dc->category = DEVICE_CATEGORY_BRIDGE;
    dc->vmsd = &vmstate_i440fx_pcihost;
    dc->realize = host_realize;
    dc->unrealize = host_unrealize;
    dc->reset = host_reset;
    device_class_set_props(dc, host_properties);
    ac->pci_host_info = host_pci_info;
}

static const TypeInfo i440fx_host_types[] = {
    {
        .name = TYPE_I440FX_PCIHOST,
        .parent = TYPE_SYS_BUS_DEVICE,
        .instance_size = sizeof(I440FXHostState),
        .class_init = host_class_init,
        .interfaces = (const InterfaceInfo[]) { { TYPE_ACPI_DEVICE_IF }, { NULL } },
    },
};

DEFINE_TYPES(i440fx_host_types)

CARDCAGE_PLUGIN(.name = "i440fx", .version = "1.0",
                .description = "Intel 82441FX PMC: PCI host bridge, RAM map, PAM, SMRAM",
                .license = "MIT");
