/*
 * i8259: the PC/AT's two cascaded Intel 8259A interrupt controllers as one
 * device, with the edge/level control registers (ELCR) of later chipsets.
 *
 * Wiring and properties:
 *   inputs "in[0..15]"   ISA IRQ lines; in[0..7] go to the master's IR0..7,
 *                        in[8..15] to the slave's.  in[2] is the master's
 *                        cascade input, driven by the slave's INT inside
 *                        this device; a line wired there from outside is
 *                        ignored, as on a PC (IRQ2 devices sit on IRQ9).
 *   output "intr"        the master's INT, to the CPU's "intr" input
 *   interface            TYPE_INTERRUPT_ACK: the CPU's INTA cycles
 *   "iobase-master" (0x20), "iobase-slave" (0xa0): two ports each (A0)
 *   "elcr-base" (0x4d0)  ELCR1 (master) and ELCR2 (slave), a second pair of
 *                        regions; "elcr" (on) decodes them at all
 *
 * Acknowledge: the master resolves priority; when the winner is its
 * cascade input (ICW3) the slave whose id (its ICW3) matches supplies the
 * vector.  With nothing left to deliver by then, the chip answers with IR7
 * of its own base and sets no ISR bit: the spurious IRQ7 of the master or
 * the spurious IRQ15 of the slave (the master's IR2 stays in service, as on
 * the hardware).  The master's cascade input latches the rising edge of
 * the slave's INT like any edge-triggered input, so a slave request that
 * goes away before the CPU acknowledges ends as a spurious IRQ15.
 *
 * Power-on: the 8259A is undefined until initialised; both chips start
 * with every input masked and the PC's cascade wiring in ICW3.
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/cardcage.h>
#include "pic-chip.h"

#define TYPE_I8259 "i8259"

/* ELCR bits that can be set (Intel 82371 PIIX ELCR1/ELCR2): IRQ0, 1, 2,
 * 8 and 13 are always edge triggered. */
#define ELCR1_MASK 0xf8
#define ELCR2_MASK 0xde

/* The vector read when no slave answers the cascade address: the data
 * bus floats during the second INTA cycle. */
#define VECTOR_FLOATING 0xff

typedef struct PICState {
    ISADevice parent_obj;
    MemoryRegion io_master;
    MemoryRegion io_slave;
    MemoryRegion io_elcr;
    uint16_t iobase_master;
    uint16_t iobase_slave;
    uint16_t elcr_base;
    bool has_elcr;

    PICChip chip[2];        /* 0 master, 1 slave */
    IRQState *intr;
    int intr_level;
} PICState;

OBJECT_DECLARE_SIMPLE_TYPE(PICState, I8259)

LOG_CATEGORY(pic_log, "pic", "the INTR line and interrupt acknowledges");

/* The slave's INT drives the master's cascade input; the master's INT is
 * the CPU's INTR. */

static void pic_update(PICState *s)
{
    pic_chip_set_input(&s->chip[0], 2, pic_chip_pending(&s->chip[1]) >= 0);
    int level = pic_chip_pending(&s->chip[0]) >= 0;
    if (level != s->intr_level) {
        s->intr_level = level;
        log_mask(pic_log, "i8259: INTR %d\n", level);
        irq_set(s->intr, level);
    }
}

static void pic_set_irq(void *opaque, int n, int level)
{
    PICState *s = I8259(opaque);
    if (n == 2 || n < 0 || n > 15) {
        return;
    }
    pic_chip_set_input(&s->chip[n >> 3], n & 7, level);
    pic_update(s);
}

/* ---- interrupt acknowledge ---- */

static int pic_ack(Object *obj)
{
    PICState *s = I8259(obj);
    PICChip *m = &s->chip[0], *sl = &s->chip[1];
    int vector;
    int irq = pic_chip_pending(m);
    if (irq < 0) {
        vector = m->base | 7;                   /* spurious IRQ7 */
    } else {
        pic_chip_ack(m, irq);
        if (m->single || !(m->icw3 & (1u << irq))) {
            vector = m->base | irq;
        } else if ((sl->icw3 & 7) != irq) {
            vector = VECTOR_FLOATING;           /* no slave with that id */
        } else {
            int irq2 = pic_chip_pending(sl);
            if (irq2 < 0) {
                vector = sl->base | 7;          /* spurious IRQ15 */
            } else {
                pic_chip_ack(sl, irq2);
                vector = sl->base | irq2;
            }
        }
    }
    pic_update(s);
    log_mask(pic_log, "i8259: acknowledge: vector 0x%02x\n", vector);
    return vector;
}

/* ---- guest access ---- */

static uint64_t pic_read(PICState *s, int chip, hwaddr addr)
{
    uint8_t v = pic_chip_read(&s->chip[chip], addr & 1);
    pic_update(s);  /* a poll read acknowledges */
    return v;
}

static void pic_write(PICState *s, int chip, hwaddr addr, uint64_t val)
{
    pic_chip_write(&s->chip[chip], addr & 1, (uint8_t)val);
    pic_update(s);
}

static uint64_t pic_master_read(void *opaque, hwaddr addr, unsigned size)
{
    return pic_read(opaque, 0, addr);
}

static void pic_master_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    pic_write(opaque, 0, addr, val);
}

static uint64_t pic_slave_read(void *opaque, hwaddr addr, unsigned size)
{
    return pic_read(opaque, 1, addr);
}

static void pic_slave_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    pic_write(opaque, 1, addr, val);
}

static const MemoryRegionOps pic_master_ops = {
    .read = pic_master_read,
    .write = pic_master_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static const MemoryRegionOps pic_slave_ops = {
    .read = pic_slave_read,
    .write = pic_slave_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static uint64_t elcr_read(void *opaque, hwaddr addr, unsigned size)
{
    PICState *s = opaque;
    return s->chip[addr & 1].elcr;
}

static void elcr_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PICState *s = opaque;
    pic_chip_write_elcr(&s->chip[addr & 1], (uint8_t)val);
    pic_update(s);
}

static const MemoryRegionOps elcr_ops = {
    .read = elcr_read,
    .write = elcr_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 2 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* ---- reset ---- */

static void pic_reset(DeviceState *dev)
{
    PICState *s = I8259(dev);
    for (int i = 0; i < 2; i++) {
        uint8_t input = s->chip[i].input;
        pic_chip_reset(&s->chip[i]);
        s->chip[i].input = input;   /* the lines keep their levels */
    }
    s->intr_level = 0;
    irq_set(s->intr, 0);
    pic_update(s);
}

/* ---- realize ---- */

static bool pic_realize(DeviceState *dev, Error **errp)
{
    PICState *s = I8259(dev);
    s->chip[0] = (PICChip) { .is_master = true, .elcr_mask = ELCR1_MASK };
    s->chip[1] = (PICChip) { .is_master = false, .elcr_mask = ELCR2_MASK };

    memory_region_init_io(&s->io_master, OBJECT(dev), &pic_master_ops, s, "i8259-master", 2);
    memory_region_init_io(&s->io_slave, OBJECT(dev), &pic_slave_ops, s, "i8259-slave", 2);
    if (s->has_elcr) {
        memory_region_init_io(&s->io_elcr, OBJECT(dev), &elcr_ops, s, "i8259-elcr", 2);
    }
    if (!isa_register_ioport(ISA_DEVICE(dev), &s->io_master, s->iobase_master, errp) ||
        !isa_register_ioport(ISA_DEVICE(dev), &s->io_slave, s->iobase_slave, errp) ||
        (s->has_elcr &&
         !isa_register_ioport(ISA_DEVICE(dev), &s->io_elcr, s->elcr_base, errp))) {
        return false;
    }
    return true;
}

/* The lines exist from creation, so -device i8259,help can list them. */
static void pic_instance_init(Object *obj)
{
    device_init_gpio_in_named(DEVICE(obj), pic_set_irq, "in", 16);
    device_init_gpio_out_named(DEVICE(obj), &I8259(obj)->intr, "intr", 1);
}

static void pic_unrealize(DeviceState *dev)
{
    PICState *s = I8259(dev);
    memory_region_finalize(&s->io_master);
    memory_region_finalize(&s->io_slave);
    if (s->has_elcr) {
        memory_region_finalize(&s->io_elcr);
    }
}

/* ---- properties and type ---- */

static const Property pic_properties[] = {
    DEFINE_PROP_UINT16("iobase-master", PICState, iobase_master, 0x20,
                       "ports of the master 8259A (two)"),
    DEFINE_PROP_UINT16("iobase-slave", PICState, iobase_slave, 0xa0,
                       "ports of the slave 8259A (two)"),
    DEFINE_PROP_UINT16("elcr-base", PICState, elcr_base, 0x4d0,
                       "ports of ELCR1 and ELCR2 (edge/level control)"),
    DEFINE_PROP_BOOL("elcr", PICState, has_elcr, true,
                     "decode the edge/level control registers"),
    DEFINE_PROP_END_OF_LIST(),
};

/* ---- state ---- */

static const VMStateDescription vmstate_pic_chip = {
    .name = "i8259-chip",
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(irr, PICChip),
        VMSTATE_UINT8(isr, PICChip),
        VMSTATE_UINT8(imr, PICChip),
        VMSTATE_UINT8(input, PICChip),
        VMSTATE_UINT8(elcr, PICChip),
        VMSTATE_UINT8(base, PICChip),
        VMSTATE_UINT8(icw3, PICChip),
        VMSTATE_UINT8_INDEX(priority_add, PICChip, 8),   /* an IR number */
        VMSTATE_UINT8_MAX(init_state, PICChip, 4),       /* 0, or the next ICW (2..4) */
        VMSTATE_BOOL(icw4_needed, PICChip),
        VMSTATE_BOOL(single, PICChip),
        VMSTATE_BOOL(ltim, PICChip),
        VMSTATE_BOOL(auto_eoi, PICChip),
        VMSTATE_BOOL(sfnm, PICChip),
        VMSTATE_BOOL(rotate_on_aeoi, PICChip),
        VMSTATE_BOOL(special_mask, PICChip),
        VMSTATE_BOOL(poll, PICChip),
        VMSTATE_BOOL(read_isr, PICChip),
        VMSTATE_END_OF_LIST()
    },
};

static bool pic_post_load(void *opaque, int version_id, Error **errp)
{
    PICState *s = opaque;
    for (int i = 0; i < 2; i++) {
        PICChip *p = &s->chip[i];
        if (p->init_state == 1) {
            error_setg(errp, "chip %d: initialization state 1 does not exist", i);
            return false;
        }
        if (p->elcr & ~p->elcr_mask) {
            error_setg(errp, "chip %d: ELCR 0x%02x sets bits outside 0x%02x", i, p->elcr,
                       p->elcr_mask);
            return false;
        }
    }
    return true;
}

/* elcr_mask and is_master are the wiring, set by realize.  The INTR
 * output's level is kept by the device it drives; intr_level is our copy. */
static const VMStateDescription vmstate_pic = {
    .name = TYPE_I8259,
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = pic_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT_ARRAY(chip, PICState, 2, vmstate_pic_chip, PICChip),
        VMSTATE_INT_RANGE(intr_level, PICState, 0, 1),
        VMSTATE_END_OF_LIST()
    },
};

static void pic_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->desc = "two cascaded Intel 8259A interrupt controllers with ELCR";
    dc->vmsd = &vmstate_pic;
    dc->category = DEVICE_CATEGORY_INTC;
    dc->realize = pic_realize;
    dc->unrealize = pic_unrealize;
    dc->reset = pic_reset;
    device_class_set_props(dc, pic_properties);
    InterruptAckClass *iac = OBJECT_CLASS_CHECK(InterruptAckClass, klass, TYPE_INTERRUPT_ACK);
    iac->ack = pic_ack;
}

static const TypeInfo pic_types[] = {
    {
        .name = TYPE_I8259,
        .parent = TYPE_ISA_DEVICE,
        .instance_size = sizeof(PICState),
        .instance_init = pic_instance_init,
        .class_init = pic_class_init,
        .interfaces = (const InterfaceInfo[]) {
            { TYPE_INTERRUPT_ACK },
            { NULL },
        },
    },
};

DEFINE_TYPES(pic_types)

CARDCAGE_PLUGIN(
    .name = "pic",
    .version = "1.0",
    .description = "i8259: the PC/AT's cascaded 8259A pair with ELCR",
    .license = "MIT",
);
