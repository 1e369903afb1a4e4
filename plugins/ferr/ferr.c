/*
 * isa-ferr-latch: the PC/AT's x87 error logic around port 0xF0.
 *
 * In PC-compatible x87 error reporting (CR0.NE = 0; Intel SDM vol. 1,
 * appendix D, "Guidelines for Writing x87 FPU Exception Handlers", D.2.1),
 * the CPU's FERR# output is latched by the chipset onto IRQ13.  The
 * interrupt handler writes any value to port 0xF0, which clears the latch
 * (lowering IRQ13) and asserts the CPU's IGNNE# input, so that the handler
 * can run x87 instructions while the error is still pending; IGNNE# is
 * released when FERR# goes inactive (the handler's FNCLEX or FNINIT).
 *
 * Lines:  in  "ferr"   from the CPU's ferr output
 *         out "irq"    the latch, to pic.in[13]
 *         out "ignne"  to the CPU's ignne input
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/cardcage.h>

#define TYPE_ISA_FERR_LATCH "isa-ferr-latch"

typedef struct FerrLatchState {
    ISADevice parent_obj;
    MemoryRegion io;
    IRQState *irq;
    IRQState *ignne;
    bool ferr;            /* FERR# as the CPU drives it (active high here) */
    bool latched;         /* IRQ13 request */
    bool ignne_level;
    uint16_t iobase;
} FerrLatchState;

OBJECT_DECLARE_SIMPLE_TYPE(FerrLatchState, ISA_FERR_LATCH)

static void ferr_update(FerrLatchState *s)
{
    irq_set(s->irq, s->latched);
    irq_set(s->ignne, s->ignne_level);
}

/* ---- lines and guest access ---- */

static void ferr_input(void *opaque, int n, int level)
{
    FerrLatchState *s = ISA_FERR_LATCH(opaque);
    bool now = level != 0;
    if (now && !s->ferr) {
        s->latched = true;          /* the latch takes the rising edge */
    }
    if (!now) {
        s->ignne_level = false;     /* the error was cleared: stop ignoring */
    }
    s->ferr = now;
    ferr_update(s);
}

static uint64_t ferr_read(void *opaque, hwaddr addr, unsigned size)
{
    /* Port 0xF0 is write-only on the AT; reads float. */
    return 0xff;
}

static void ferr_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    FerrLatchState *s = opaque;
    s->latched = false;
    s->ignne_level = s->ferr;
    ferr_update(s);
}

static const MemoryRegionOps ferr_ops = {
    .read = ferr_read,
    .write = ferr_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* ---- reset, realize, type ---- */

static void ferr_reset(DeviceState *dev)
{
    FerrLatchState *s = ISA_FERR_LATCH(dev);
    s->latched = false;
    s->ignne_level = false;
    ferr_update(s);
}

static void ferr_init(Object *obj)
{
    FerrLatchState *s = ISA_FERR_LATCH(obj);
    device_init_gpio_in_named(DEVICE(obj), ferr_input, "ferr", 1);
    device_init_gpio_out_named(DEVICE(obj), &s->irq, "irq", 1);
    device_init_gpio_out_named(DEVICE(obj), &s->ignne, "ignne", 1);
}

static bool ferr_realize(DeviceState *dev, Error **errp)
{
    FerrLatchState *s = ISA_FERR_LATCH(dev);
    memory_region_init_io(&s->io, OBJECT(dev), &ferr_ops, s, "ferr-latch", 1);
    return isa_register_ioport(ISA_DEVICE(dev), &s->io, s->iobase, errp);
}

static void ferr_unrealize(DeviceState *dev)
{
    memory_region_finalize(&ISA_FERR_LATCH(dev)->io);
}

static const Property ferr_properties[] = {
    DEFINE_PROP_UINT16("iobase", FerrLatchState, iobase, 0xf0,
                       "the port that clears the latch and asserts IGNNE#"),
    DEFINE_PROP_END_OF_LIST(),
};

/* ---- state ---- */

/* The output lines' levels are kept by the devices they drive. */
static const VMStateDescription vmstate_ferr_latch = {
    .name = TYPE_ISA_FERR_LATCH,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_BOOL(ferr, FerrLatchState),
        VMSTATE_BOOL(latched, FerrLatchState),
        VMSTATE_BOOL(ignne_level, FerrLatchState),
        VMSTATE_END_OF_LIST()
    },
};

static void ferr_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->desc = "x87 FERR#/IGNNE# latch of a PC/AT (IRQ13, port 0xF0)";
    dc->vmsd = &vmstate_ferr_latch;
    dc->category = DEVICE_CATEGORY_INTC;
    dc->realize = ferr_realize;
    dc->unrealize = ferr_unrealize;
    dc->reset = ferr_reset;
    device_class_set_props(dc, ferr_properties);
}

static const TypeInfo ferr_types[] = {
    {
        .name = TYPE_ISA_FERR_LATCH,
        .parent = TYPE_ISA_DEVICE,
        .instance_size = sizeof(FerrLatchState),
        .instance_init = ferr_init,
        .class_init = ferr_class_init,
    },
};

DEFINE_TYPES(ferr_types)

CARDCAGE_PLUGIN(
    .name = "ferr",
    .version = "1.0",
    .description = "isa-ferr-latch: the PC's x87 error latch (IRQ13 and port 0xF0)",
    .license = "MIT",
);
