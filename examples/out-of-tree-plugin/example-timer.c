/*
 * example-timer: a periodic interrupt source, as a third party would write
 * one, built against the installed cardcage SDK.
 *
 * Registers (two 8-bit ports at "iobase"):
 *   +0  read:  number of ticks since the last read (saturates at 255);
 *              reading also lowers the interrupt line
 *       write: period in milliseconds (0 stops the timer)
 *   +1  read:  the period; write: ignored
 * Output "irq" rises at every tick.
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/cardcage.h>

#define TYPE_EXAMPLE_TIMER "example-timer"

typedef struct ExampleTimerState {
    ISADevice parent_obj;
    MemoryRegion io;
    Timer *timer;
    IRQState *irq;
    uint8_t period_ms;
    uint8_t ticks;
    int64_t next_ns;
    /* properties */
    uint16_t iobase;
    uint8_t initial_period_ms;
} ExampleTimerState;

OBJECT_DECLARE_SIMPLE_TYPE(ExampleTimerState, EXAMPLE_TIMER)

/* ---- guest access ---- */

static void example_timer_arm(ExampleTimerState *s)
{
    if (!s->period_ms) {
        timer_del(s->timer);
        return;
    }
    s->next_ns = clock_get_ns(CC_CLOCK_VIRTUAL) + s->period_ms * 1000000LL;
    timer_mod_ns(s->timer, s->next_ns);
}

static void example_timer_tick(void *opaque)
{
    ExampleTimerState *s = opaque;
    if (s->ticks < 255) {
        s->ticks++;
    }
    irq_raise(s->irq);
    /* Re-arm from the previous deadline, so ticks do not drift. */
    s->next_ns += s->period_ms * 1000000LL;
    timer_mod_ns(s->timer, s->next_ns);
}

static uint64_t example_timer_read(void *opaque, hwaddr addr, unsigned size)
{
    ExampleTimerState *s = opaque;
    if (addr == 1) {
        return s->period_ms;
    }
    uint8_t ticks = s->ticks;
    s->ticks = 0;
    irq_lower(s->irq);
    return ticks;
}

static void example_timer_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    ExampleTimerState *s = opaque;
    if (addr == 0) {
        s->period_ms = (uint8_t)val;
        example_timer_arm(s);
    }
}

static const MemoryRegionOps example_timer_ops = {
    .read = example_timer_read,
    .write = example_timer_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* ---- reset and realize ---- */

static void example_timer_reset(DeviceState *dev)
{
    ExampleTimerState *s = EXAMPLE_TIMER(dev);
    s->ticks = 0;
    s->period_ms = s->initial_period_ms;
    irq_lower(s->irq);
    example_timer_arm(s);
}

static void example_timer_init(Object *obj)
{
    ExampleTimerState *s = EXAMPLE_TIMER(obj);
    device_init_gpio_out_named(DEVICE(obj), &s->irq, "irq", 1);
}

static bool example_timer_realize(DeviceState *dev, Error **errp)
{
    ExampleTimerState *s = EXAMPLE_TIMER(dev);
    memory_region_init_io(&s->io, OBJECT(dev), &example_timer_ops, s, "example-timer", 2);
    if (!isa_register_ioport(ISA_DEVICE(dev), &s->io, s->iobase, errp)) {
        return false;
    }
    s->timer = timer_new_ns(CC_CLOCK_VIRTUAL, example_timer_tick, s);
    return true;
}

static void example_timer_unrealize(DeviceState *dev)
{
    ExampleTimerState *s = EXAMPLE_TIMER(dev);
    timer_free(s->timer);
    memory_region_finalize(&s->io);
}

/* ---- properties ---- */

static const Property example_timer_properties[] = {
    DEFINE_PROP_UINT16("iobase", ExampleTimerState, iobase, 0x2a0,
                       "first of the two I/O ports"),
    DEFINE_PROP_UINT8("period", ExampleTimerState, initial_period_ms, 0,
                      "tick period in ms after reset (0: stopped)"),
    DEFINE_PROP_END_OF_LIST(),
};

/* ---- state (saved and restored with the machine) ---- */

/* The timer is saved as armed/deadline and re-armed on load; next_ns is
 * the deadline it re-arms from.  The IRQ line's level is kept by the
 * device it drives. */
static const VMStateDescription vmstate_example_timer = {
    .name = TYPE_EXAMPLE_TIMER,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(period_ms, ExampleTimerState),
        VMSTATE_UINT8(ticks, ExampleTimerState),
        VMSTATE_INT64(next_ns, ExampleTimerState),
        VMSTATE_TIMER(timer, ExampleTimerState),
        VMSTATE_END_OF_LIST()
    },
};

static void example_timer_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->desc = "example out-of-tree plugin: a periodic interrupt source";
    dc->vmsd = &vmstate_example_timer;
    dc->category = DEVICE_CATEGORY_TIMER;
    dc->realize = example_timer_realize;
    dc->unrealize = example_timer_unrealize;
    dc->reset = example_timer_reset;
    device_class_set_props(dc, example_timer_properties);
}

static const TypeInfo example_timer_types[] = {
    {
        .name = TYPE_EXAMPLE_TIMER,
        .parent = TYPE_ISA_DEVICE,
        .instance_size = sizeof(ExampleTimerState),
        .instance_init = example_timer_init,
        .class_init = example_timer_class_init,
    },
};

DEFINE_TYPES(example_timer_types)

CARDCAGE_PLUGIN(
    .name = "example-timer",
    .version = "1.0",
    .description = "example of a plugin built outside the cardcage tree",
    .license = "MIT",
);
