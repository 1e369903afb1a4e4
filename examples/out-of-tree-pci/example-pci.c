/*
 * example-pci: a minimal PCI card built outside the cardcage tree.
 *
 * Ids 1234:0001 (vendor 0x1234 is the made-up vendor QEMU's emulated
 * cards use; no real card has it), class 0x0880 ("other system
 * peripheral").  One 16-byte memory BAR:
 *
 *   0x0  reads 0xc0ffee00 | the number of doorbells rung so far (low byte)
 *   0x4  doorbell: any write counts and asserts INTA#
 *   0x8  any write acknowledges: deasserts INTA#
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/cardcage.h>

#define TYPE_EXAMPLE_PCI "example-pci"

typedef struct ExamplePCIState {
    PCIDevice parent_obj;            /* the PCI function comes first */
    MemoryRegion mmio;
    uint8_t rings;
    bool pending;
} ExamplePCIState;

OBJECT_DECLARE_SIMPLE_TYPE(ExamplePCIState, EXAMPLE_PCI)

static uint64_t example_read(void *opaque, hwaddr addr, unsigned size)
{
    ExamplePCIState *s = opaque;
    return addr == 0 ? 0xc0ffee00u | s->rings : 0;
}

static void example_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    ExamplePCIState *s = opaque;
    if (addr == 4) {
        s->rings++;
        s->pending = true;
    } else if (addr == 8) {
        s->pending = false;
    } else {
        log_mask(LOG_GUEST_ERROR, "example-pci: write to 0x%x\n", (unsigned)addr);
        return;
    }
    pci_set_irq(PCI_DEVICE(s), s->pending);
}

static const MemoryRegionOps example_ops = {
    .read = example_read,
    .write = example_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

/* The function's own reset; the core has already reset its config space. */
static void example_reset(PCIDevice *pci)
{
    ExamplePCIState *s = EXAMPLE_PCI(pci);
    s->rings = 0;
    s->pending = false;
}

static bool example_realize(PCIDevice *pci, Error **errp)
{
    ExamplePCIState *s = EXAMPLE_PCI(pci);
    pci->config[PCI_INTERRUPT_PIN] = 1;                   /* INTA# */
    memory_region_init_io(&s->mmio, OBJECT(s), &example_ops, s, "example-pci", 16);
    pci_register_bar(pci, 0, PCI_BASE_ADDRESS_SPACE_MEMORY, &s->mmio);
    return true;
}

/* After the core took the BAR off the bus. */
static void example_exit(PCIDevice *pci)
{
    memory_region_finalize(&EXAMPLE_PCI(pci)->mmio);
}

/* The function's configuration space comes first, then the card's own. */
static const VMStateDescription vmstate_example_pci = {
    .name = TYPE_EXAMPLE_PCI,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, ExamplePCIState),
        VMSTATE_UINT8(rings, ExamplePCIState),
        VMSTATE_BOOL(pending, ExamplePCIState),
        VMSTATE_END_OF_LIST()
    },
};

static void example_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
    dc->desc = "example PCI card: a doorbell that raises INTA#";
    dc->vmsd = &vmstate_example_pci;
    k->vendor_id = 0x1234;
    k->device_id = 0x0001;
    k->class_id = 0x0880;
    k->realize = example_realize;
    k->exit = example_exit;
    k->reset = example_reset;
}

static const TypeInfo example_types[] = {
    {
        .name = TYPE_EXAMPLE_PCI,
        .parent = TYPE_PCI_DEVICE,
        .instance_size = sizeof(ExamplePCIState),
        .class_init = example_class_init,
    },
};

DEFINE_TYPES(example_types)

CARDCAGE_PLUGIN(.name = "example-pci", .version = "1.0",
                .description = "a minimal out-of-tree PCI card", .license = "MIT");
