/*
 * i8254: the Intel 8254 programmable interval timer of the PC, with the
 * PC's port 0x61 (counter 2's gate and output, the speaker enable, the
 * refresh toggle).
 *
 * Wiring and properties:
 *   "iobase"  (0x40)   counters 0..2 at iobase+0..2, control word at iobase+3
 *   "port61"  (on)     also decode port 0x61, a second I/O region of this
 *                      device: on the PC it is glue logic around counter 2
 *                      (the 8255 port B of the XT, the AT's "NMI status and
 *                      control" port), so it lives where counter 2 lives
 *   output "irq"       counter 0's OUT (the board wires it to pic.in[0])
 *   input "enable"     high (the default, and while unwired): "irq" follows
 *                      OUT; low: "irq" is held low and counter 0 arms no
 *                      timer.  An HPET's "pit-enable" drives it: under the
 *                      HPET's legacy replacement route its timer 0 takes
 *                      IRQ0 over (IA-PC HPET Specification 1.0a, LEG_RT_CNF),
 *                      a multiplexer in the chipset.  The counters keep
 *                      counting either way.
 *   "min-period-ns" (20 us) the shortest period at which counter 0 moves
 *                      "irq" in the periodic modes (see pit_spaced_edge)
 * Counters 0 and 1 have GATE tied high, as on the PC; counter 2's GATE is
 * bit 0 of port 0x61.
 *
 * Time: the counters run on a 1.193182 MHz clock derived from the virtual
 * clock (CC_CLOCK_VIRTUAL) and are computed, never ticked (pit-counter.c).
 * The only timer follows counter 0's OUT, and only while the "irq" output
 * is wired: it fires at the next change of OUT, when the interrupt line has
 * to move.  A timer runs a little after its deadline, and in modes 2, 4
 * and 5 OUT is low for a single clock (838 ns), so the callback works out
 * OUT at the tick it was armed for, not at the present: each change
 * reaches the line in order, late rather than never.  Once more than
 * MAX_LAG_TICKS behind (the host could not keep up), a periodic waveform
 * (modes 2 and 3) jumps to the present and the edges in between are
 * dropped, as a busy PC drops ticks; a one-shot edge (modes 0, 1, 4, 5)
 * is still delivered, since nothing would ever replace it.
 *
 * Reads of the control word register (iobase+3): the 8254 does not decode
 * them (datasheet Table 1, "A1 A0 = 11, RD low: No-Operation (3-State)"),
 * so the data bus floats and an ISA PC reads 0xFF.  QEMU returns 0; we
 * return 0xFF, what a floating bus gives and what unassigned ports return
 * here.
 *
 * Power-on: the datasheet leaves the counters undefined until programmed;
 * we start them unprogrammed (mode 0, no count, OUT low, no interrupt),
 * which a BIOS or a kernel then programs.
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <cardcage/cardcage.h>
#include "pit-counter.h"

#define TYPE_I8254 "i8254"

/* Port 0x61 (IBM PC AT Technical Reference, "I/O Port 61h"). */
#define P61_GATE2        0x01   /* R/W: counter 2 GATE */
#define P61_SPEAKER      0x02   /* R/W: speaker data enable */
#define P61_PARITY_OFF   0x04   /* R/W: disable RAM parity check (no effect here) */
#define P61_IOCHK_OFF    0x08   /* R/W: disable I/O channel check (no effect here) */
#define P61_WRITABLE     (P61_GATE2 | P61_SPEAKER | P61_PARITY_OFF | P61_IOCHK_OFF)
#define P61_REFRESH      0x10   /* RO: toggles with each memory refresh request */
#define P61_OUT2         0x20   /* RO: counter 2 OUT */
/* Bits 6 (IOCHK) and 7 (parity error) report NMI sources; there are none. */

/* How far the interrupt line may trail the counter before skipping ahead:
 * 100 ms of clocks. */
#define MAX_LAG_TICKS    (PIT_FREQ_HZ / 10)

/* The AT BIOS programs counter 1 for a refresh request every 18 clocks
 * (15.085 us); software that times delays with bit 4 relies on that rate,
 * so it is produced here whatever counter 1 is doing. */
#define REFRESH_TICKS    18

typedef struct PITState {
    ISADevice parent_obj;
    MemoryRegion io;
    MemoryRegion io61;
    uint16_t iobase;
    bool port61;
    uint32_t min_period_ns;

    PITCounter counter[3];
    uint8_t p61;            /* the writable bits of port 0x61 */
    IRQState *irq;          /* counter 0 OUT */
    int irq_level;
    bool irq_enabled;       /* the "enable" input */
    Timer *timer;
    int64_t timer_tick;     /* the tick the timer is armed for */
} PITState;

OBJECT_DECLARE_SIMPLE_TYPE(PITState, I8254)

/* ---- time ---- */

static int64_t pit_now(void)
{
    return pit_tick_at(clock_get_ns(CC_CLOCK_VIRTUAL));
}

LOG_CATEGORY(pit_log, "pit", "changes of counter 0's output (the timer interrupt)");

/* In modes 2 and 3 with a period under the minimum (counts down to 2, a
 * 600 kHz rate, on the real part) the line moves only every half minimum
 * period: `next`, the change after tick, is put off to the first change at
 * least that far on that moves the line the other way, so every rising
 * edge still comes with its falling one.  The counter itself (what a
 * read gives) keeps its programmed rate. */
static int64_t pit_spaced_edge(const PITState *s, int64_t tick, int64_t next)
{
    const PITCounter *c = &s->counter[0];
    int64_t min_ticks = pit_tick_at(s->min_period_ns), half = min_ticks / 2;
    if (next == PIT_NEVER || next - tick >= half || !c->loaded ||
        (c->mode != 2 && c->mode != 3) || c->n >= min_ticks) {
        return next;
    }
    next = pit_counter_next_change(c, tick + half - 1);
    /* Mode 2's pulse and mode 3's halves alternate: at most two changes
     * until the line's other level. */
    for (int i = 0; i < 2 && next != PIT_NEVER && pit_counter_out(c, next) == s->irq_level; i++) {
        next = pit_counter_next_change(c, next);
    }
    return next;
}

/* Bring counter 0's interrupt line to OUT and arm the timer for OUT's
 * next change.  Without a wired output there is nothing to watch. */
static void pit_update_irq(PITState *s, int64_t tick)
{
    PITCounter *c = &s->counter[0];
    if (!s->irq_enabled) {
        if (s->irq_level) {
            s->irq_level = 0;
            irq_set(s->irq, 0);
        }
        timer_del(s->timer);
        return;
    }
    int level = pit_counter_out(c, tick);
    if (level != s->irq_level) {
        s->irq_level = level;
        log_mask(pit_log, "i8254: counter 0 OUT %d at tick %" PRId64 "\n", level, tick);
        irq_set(s->irq, level);
    }
    int64_t next = s->irq ? pit_counter_next_change(c, tick) : PIT_NEVER;
    next = pit_spaced_edge(s, tick, next);
    if (next == PIT_NEVER) {
        timer_del(s->timer);
    } else {
        s->timer_tick = next;
        timer_mod_ns(s->timer, pit_ns_of_tick(next));
    }
}

/* The "enable" input (see the top of the file). */
static void pit_enable_in(void *opaque, int n, int level)
{
    PITState *s = opaque;
    if (s->irq_enabled != !!level) {
        s->irq_enabled = level;
        pit_update_irq(s, pit_now());
    }
}

/* Whether counter 0's OUT repeats by itself (modes 2 and 3): only then do
 * later edges stand in for the ones skipped. */
static bool pit_out_periodic(const PITState *s)
{
    const PITCounter *c = &s->counter[0];
    return c->mode == 2 || c->mode == 3;
}

static void pit_timer_cb(void *opaque)
{
    PITState *s = opaque;
    int64_t now = pit_now();
    /* Skipping ahead drops edges: harmless for a periodic waveform (a busy
     * PC drops ticks), fatal for a one-shot one.  Mode 4's strobe is low
     * for a single clock and never comes back: evaluated at the present it
     * is gone, the interrupt is lost, and a tickless guest that armed it
     * waits for it for ever.  A one-shot edge is delivered however late. */
    bool skip = pit_out_periodic(s) && now - s->timer_tick > MAX_LAG_TICKS;
    pit_update_irq(s, skip ? now : s->timer_tick);
}

/* ---- guest access: counters and control word ---- */

/* The control word register (datasheet, "Control Word Format" and
 * "Read-Back Command"). */
static void pit_write_control(PITState *s, uint8_t val, int64_t tick)
{
    unsigned sc = val >> 6;
    if (sc == 3) {
        /* Read-Back: bit 5 low latches counts, bit 4 low latches status,
         * bits 1..3 select counters 0..2; bit 0 is reserved. */
        for (unsigned i = 0; i < 3; i++) {
            if (!(val & (2u << i))) {
                continue;
            }
            if (!(val & 0x20)) {
                pit_counter_latch_count(&s->counter[i], tick);
            }
            if (!(val & 0x10)) {
                pit_counter_latch_status(&s->counter[i], tick);
            }
        }
        return;
    }
    if (((val >> 4) & 3) == 0) {
        pit_counter_latch_count(&s->counter[sc], tick);     /* Counter Latch Command */
        return;
    }
    pit_counter_write_control(&s->counter[sc], val, tick);
}

static uint64_t pit_read(void *opaque, hwaddr addr, unsigned size)
{
    PITState *s = opaque;
    if (addr >= 3) {
        return 0xff;    /* control word register: not decoded for reads */
    }
    return pit_counter_read(&s->counter[addr], pit_now());
}

static void pit_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PITState *s = opaque;
    int64_t tick = pit_now();
    if (addr >= 3) {
        pit_write_control(s, (uint8_t)val, tick);
    } else {
        pit_counter_write(&s->counter[addr], (uint8_t)val, tick);
    }
    pit_update_irq(s, tick);
}

static const MemoryRegionOps pit_ops = {
    .read = pit_read,
    .write = pit_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* ---- guest access: port 0x61 ---- */

static uint64_t port61_read(void *opaque, hwaddr addr, unsigned size)
{
    PITState *s = opaque;
    int64_t tick = pit_now();
    uint8_t v = s->p61;
    if ((tick / REFRESH_TICKS) & 1) {
        v |= P61_REFRESH;
    }
    if (pit_counter_out(&s->counter[2], tick)) {
        v |= P61_OUT2;
    }
    return v;
}

static void port61_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PITState *s = opaque;
    s->p61 = val & P61_WRITABLE;
    pit_counter_set_gate(&s->counter[2], val & P61_GATE2, pit_now());
}

static const MemoryRegionOps port61_ops = {
    .read = port61_read,
    .write = port61_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* ---- reset ---- */

static void pit_reset(DeviceState *dev)
{
    PITState *s = I8254(dev);
    for (int i = 0; i < 3; i++) {
        pit_counter_reset(&s->counter[i], i != 2);
    }
    s->p61 = 0;
    timer_del(s->timer);
    s->irq_level = 0;
    irq_set(s->irq, 0);
}

/* ---- realize ---- */

static bool pit_realize(DeviceState *dev, Error **errp)
{
    PITState *s = I8254(dev);
    memory_region_init_io(&s->io, OBJECT(dev), &pit_ops, s, "i8254", 4);
    if (!isa_register_ioport(ISA_DEVICE(dev), &s->io, s->iobase, errp)) {
        return false;
    }
    if (s->port61) {
        memory_region_init_io(&s->io61, OBJECT(dev), &port61_ops, s, "i8254-port61", 1);
        if (!isa_register_ioport(ISA_DEVICE(dev), &s->io61, 0x61, errp)) {
            return false;
        }
    }
    s->timer = timer_new_ns(CC_CLOCK_VIRTUAL, pit_timer_cb, s);
    return true;
}

static void pit_unrealize(DeviceState *dev)
{
    PITState *s = I8254(dev);
    timer_free(s->timer);
    s->timer = NULL;
    memory_region_finalize(&s->io);
    if (s->port61) {
        memory_region_finalize(&s->io61);
    }
}

/* ---- properties and type ---- */

static const Property pit_properties[] = {
    DEFINE_PROP_UINT16("iobase", PITState, iobase, 0x40,
                       "first of the four ports (counters 0-2, control word)"),
    DEFINE_PROP_BOOL("port61", PITState, port61, true,
                     "also decode port 0x61 (counter 2 gate and output, speaker, refresh)"),
    /* The emulator cannot take an interrupt per 838 ns clock and run the
     * guest too; KVM limits periodic i8254 (and LAPIC) timers likewise
     * (its min_timer_period_us, 200 us by default).  20 us (50 kHz) keeps
     * what PC software asked of counter 0, PC-speaker sample playback
     * included. */
    DEFINE_PROP_UINT32("min-period-ns", PITState, min_period_ns, 20000,
                       "shortest period at which counter 0 moves the irq line in modes 2 "
                       "and 3, in ns (0: none)"),
    DEFINE_PROP_END_OF_LIST(),
};

/* The line exists from creation, so -device i8254,help can list it. */
static void pit_instance_init(Object *obj)
{
    device_init_gpio_out_named(DEVICE(obj), &I8254(obj)->irq, "irq", 1);
    device_init_gpio_in_named(DEVICE(obj), pit_enable_in, "enable", 1);
    /* Not reset: the input's level is the driving device's to set. */
    I8254(obj)->irq_enabled = true;
}

/* ---- state ---- */

/* Times are ticks of the virtual clock's CLK; any real one is far inside
 * +-2^62, which keeps the tick arithmetic free of overflow. */
#define PIT_TICK_LIMIT (INT64_C(1) << 62)

static const VMStateDescription vmstate_pit_counter = {
    .name = "i8254-counter",
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8_MAX(ctrl_mode, PITCounter, 7),
        VMSTATE_UINT8_MAX(mode, PITCounter, 5),
        VMSTATE_UINT8_MAX(rw, PITCounter, 3),
        VMSTATE_BOOL(bcd, PITCounter),
        VMSTATE_BOOL(write_msb_next, PITCounter),
        VMSTATE_UINT8(write_lsb, PITCounter),
        VMSTATE_BOOL(read_msb_next, PITCounter),
        VMSTATE_UINT8_MAX(latch_state, PITCounter, 3),
        VMSTATE_UINT16(latched_count, PITCounter),
        VMSTATE_BOOL(status_latched, PITCounter),
        VMSTATE_UINT8(latched_status, PITCounter),
        VMSTATE_UINT32_MAX(cr, PITCounter, 65536),
        VMSTATE_BOOL(cr_valid, PITCounter),
        VMSTATE_BOOL(gate, PITCounter),
        VMSTATE_BOOL(loaded, PITCounter),
        VMSTATE_BOOL(frozen, PITCounter),
        VMSTATE_INT64_RANGE(frozen_k, PITCounter, 0, PIT_TICK_LIMIT),
        VMSTATE_UINT32_MAX(n, PITCounter, 65536),
        VMSTATE_UINT32_MAX(phase, PITCounter, 65536),
        VMSTATE_INT64_RANGE(start, PITCounter, -PIT_TICK_LIMIT, PIT_TICK_LIMIT),
        VMSTATE_UINT32_MAX(ce_hold, PITCounter, 65535),
        VMSTATE_BOOL(pre_out, PITCounter),
        VMSTATE_BOOL(pending, PITCounter),
        VMSTATE_UINT32_MAX(pending_n, PITCounter, 65536),
        VMSTATE_UINT32_MAX(pending_phase, PITCounter, 65536),
        VMSTATE_INT64_RANGE(pending_start, PITCounter, -PIT_TICK_LIMIT, PIT_TICK_LIMIT),
        VMSTATE_INT64_RANGE(null_until, PITCounter, -PIT_TICK_LIMIT, PIT_NEVER),
        VMSTATE_END_OF_LIST()
    },
};

static bool pit_post_load(void *opaque, int version_id, Error **errp)
{
    PITState *s = opaque;
    for (int i = 0; i < 3; i++) {
        const PITCounter *c = &s->counter[i];
        /* The count is a divisor once loaded (0 stands for the maximum
         * and is never stored). */
        if ((c->loaded && c->n == 0) || (c->pending && c->pending_n == 0)) {
            error_setg(errp, "counter %d: count %u, pending count %u: not a state an 8254 "
                       "can be in", i, c->n, c->pending_n);
            return false;
        }
    }
    if (s->p61 & ~P61_WRITABLE) {
        error_setg(errp, "port 0x61 bits 0x%02x are read-only", s->p61 & ~P61_WRITABLE);
        return false;
    }
    return true;
}

/* The IRQ output's level is kept by the device it drives; irq_level is
 * our copy. */
static const VMStateDescription vmstate_pit = {
    .name = TYPE_I8254,
    .version_id = 2,
    .minimum_version_id = 1,
    .post_load = pit_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT_ARRAY(counter, PITState, 3, vmstate_pit_counter, PITCounter),
        VMSTATE_UINT8(p61, PITState),
        VMSTATE_INT_RANGE(irq_level, PITState, 0, 1),
        VMSTATE_TIMER(timer, PITState),
        VMSTATE_INT64_RANGE(timer_tick, PITState, -PIT_TICK_LIMIT, PIT_TICK_LIMIT),
        VMSTATE_BOOL_V(irq_enabled, PITState, 2),
        VMSTATE_END_OF_LIST()
    },
};

static void pit_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->desc = "Intel 8254 programmable interval timer and the PC's port 0x61";
    dc->vmsd = &vmstate_pit;
    dc->category = DEVICE_CATEGORY_TIMER;
    dc->realize = pit_realize;
    dc->unrealize = pit_unrealize;
    dc->reset = pit_reset;
    device_class_set_props(dc, pit_properties);
}

static const TypeInfo pit_types[] = {
    {
        .name = TYPE_I8254,
        .parent = TYPE_ISA_DEVICE,
        .instance_size = sizeof(PITState),
        .instance_init = pit_instance_init,
        .class_init = pit_class_init,
    },
};

DEFINE_TYPES(pit_types)

CARDCAGE_PLUGIN(
    .name = "pit",
    .version = "1.0",
    .description = "Intel 8254 PIT (i8254) with the PC's port 0x61",
    .license = "MIT",
);
