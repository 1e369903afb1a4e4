/*
 * hpet: the IA-PC High Precision Event Timer (Intel, "IA-PC HPET (High
 * Precision Event Timers) Specification", revision 1.0a, October 2004), as
 * the ICH/PIIX-era PC has it and QEMU's "hpet" device models it.
 *
 * Wiring and properties:
 *   MMIO 0             the register block (1 KiB; 0xFED00000 on a PC)
 *   output "irq"[0..31]  the I/O APIC inputs a timer's Tn_INT_ROUTE_CNF names
 *                      (a PC wires 0..23 to ioapic.in[0..23])
 *   output "legacy-irq"[0], [1]  timer 0 and timer 1 under the legacy
 *                      replacement route: IRQ0 (pic.in[0] and ioapic.in[2])
 *                      and IRQ8 (pic.in[8] and ioapic.in[8])
 *   output "pit-enable" high while the PIT and the RTC may interrupt; low
 *                      while the legacy replacement route has taken IRQ0 and
 *                      IRQ8 over (spec, General Configuration Register,
 *                      LEG_RT_CNF).  Wire it to i8254's "enable" and
 *                      mc146818rtc's "irq-enable" inputs.
 *   "timers"   (3)     number of timers, 3..32 (NUM_TIM_CAP)
 *   "hpet-intcap" (0x4)  Tn_INT_ROUTE_CAP of every timer: which "irq"
 *                      outputs a timer may route to.  QEMU's pc (PIIX) board
 *                      gives 1 << 2, its q35 board 0x00ff0104.
 *   "msi"      (off)   FSB (MSI) delivery; not modelled, so "on" is refused
 *   "min-period-ns" (20 us) the shortest interval at which a periodic timer
 *                      interrupts (see hpet_timer_fire)
 *
 * Time: the main counter runs at 100 MHz (a period of 10 ns, 10^7 fs, as in
 * QEMU) and is computed from the virtual clock while ENABLE_CNF is set,
 * never ticked: it is `counter` plus the 10 ns periods since `enable_ns`.
 * Each timer arms one virtual-clock timer for its next event, at the exact
 * nanosecond the counter reaches the value, whatever the distance.
 *
 * Comparator matches are equality matches, as in the spec (Timer N
 * Comparator Value Register: "When the main counter equals the value last
 * written to this register"): a comparator written in the past fires when
 * the counter comes round to it again (after 2^32 periods, 43 s, for a
 * 32-bit timer; never in practice for a 64-bit one).  Software that writes
 * a deadline checks the counter after it, as Linux's
 * hpet_clkevt_set_next_event does.  QEMU fires such a timer at once
 * instead.
 *
 * Every timer is 64-bit and periodic-capable, as in QEMU (the ICH makes
 * timers 1 and 2 32-bit and one-shot; Linux uses only timer 0's periodic
 * mode).  A timer in 32-bit mode compares the counter's low 32 bits, and
 * in one-shot mode also interrupts when they wrap to 0 (ICH datasheets,
 * "Non-Periodic Mode": "they generate another interrupt when the main
 * counter wraps").
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <cardcage/cardcage.h>
#include <cardcage/acpi.h>

#define TYPE_HPET "hpet"

#define HPET_MIN_TIMERS   3     /* the spec's minimum per block */
#define HPET_MAX_TIMERS   32    /* NUM_TIM_CAP is 5 bits */
#define HPET_NUM_IRQS     32    /* Tn_INT_ROUTE_CNF is 5 bits */
#define HPET_WINDOW       0x400 /* the spec's register block: 1 KiB */
#define HPET_TIMER_BASE   0x100 /* spec, register map: timer N at 0x100 + 0x20 * N */
#define HPET_TIMER_STRIDE 0x20

/* Main counter period: 10 ns.  COUNTER_CLK_PERIOD is in femtoseconds. */
#define HPET_PERIOD_NS    10
#define HPET_PERIOD_FS    10000000u

/* General registers (spec, register map). */
#define HPET_REG_CAP      0x000
#define HPET_REG_CFG      0x010
#define HPET_REG_ISR      0x020
#define HPET_REG_COUNTER  0x0f0

/* General Capabilities and ID Register. */
#define CAP_REV_ID        0x01                 /* bits 7:0 */
#define CAP_NUM_TIM_SHIFT 8                    /* bits 12:8: timers - 1 */
#define CAP_COUNT_SIZE    (1u << 13)           /* 64-bit main counter */
#define CAP_LEG_RT        (1u << 15)           /* legacy replacement route */
#define CAP_VENDOR_SHIFT  16                   /* bits 31:16 */
#define CAP_VENDOR_INTEL  0x8086
#define CAP_PERIOD_SHIFT  32                   /* bits 63:32 */

/* General Configuration Register. */
#define CFG_ENABLE        (1u << 0)
#define CFG_LEGACY        (1u << 1)
#define CFG_WRITABLE      (CFG_ENABLE | CFG_LEGACY)

/* Timer N registers, from the timer's base (spec, register map). */
#define TN_REG_CONFIG     0x00
#define TN_REG_CMP        0x08
#define TN_REG_FSB        0x10

/* Timer N Configuration and Capabilities Register. */
#define TN_INT_TYPE_LEVEL (1u << 1)
#define TN_INT_ENB        (1u << 2)
#define TN_TYPE_PERIODIC  (1u << 3)
#define TN_PER_INT_CAP    (1u << 4)   /* RO */
#define TN_SIZE_CAP       (1u << 5)   /* RO: 64-bit comparator */
#define TN_VAL_SET        (1u << 6)
#define TN_32MODE         (1u << 8)
#define TN_ROUTE_SHIFT    9           /* bits 13:9 */
#define TN_ROUTE_MASK     (0x1fu << TN_ROUTE_SHIFT)
#define TN_FSB_EN         (1u << 14)
#define TN_FSB_CAP        (1u << 15)  /* RO */
#define TN_ROUTE_CAP_SHIFT 32         /* bits 63:32, RO */
#define TN_WRITABLE       (TN_INT_TYPE_LEVEL | TN_INT_ENB | TN_TYPE_PERIODIC | TN_VAL_SET | \
                           TN_32MODE | TN_ROUTE_MASK)

/* Where a timer's interrupt goes: "irq"[0..31], or the legacy lines. */
#define LINE_LEGACY0      HPET_NUM_IRQS
#define LINE_LEGACY1      (HPET_NUM_IRQS + 1)
#define LINE_COUNT        (HPET_NUM_IRQS + 2)

LOG_CATEGORY(hpet_log, "hpet", "HPET timer events and routing");

typedef struct HPETState HPETState;

typedef struct HPETTimer {
    HPETState *s;           /* not state: set in realize */
    uint8_t tn;             /* not state: the timer's number */
    uint64_t config;        /* Tn_CONF_CAP: writable bits and capabilities */
    uint64_t cmp;           /* Tn_COMPARATOR */
    uint64_t period;        /* periodic mode: the last value written (the accumulator step) */
    Timer *timer;
    /* What the timer is armed for: the counter value of the next event,
     * and whether it is the 32-bit wrap rather than a comparator match. */
    uint64_t event_count;
    bool event_is_wrap;
} HPETTimer;

struct HPETState {
    SysBusDevice parent_obj;
    MemoryRegion mmio;
    uint32_t num_timers;
    uint32_t intcap;
    bool msi;
    uint32_t min_period_ns;

    uint64_t config;        /* General Configuration */
    uint64_t isr;           /* General Interrupt Status (level timers) */
    uint64_t counter;       /* the main counter at enable_ns (or while halted) */
    int64_t enable_ns;      /* when ENABLE_CNF was last set */
    HPETTimer timer[HPET_MAX_TIMERS];

    IRQState *irq[HPET_NUM_IRQS];
    IRQState *legacy[2];
    IRQState *pit_enable;
    uint64_t line_level;    /* our copy of the level on each line, bit per LINE_* */
    int pit_enabled;        /* our copy of "pit-enable" */
};

OBJECT_DECLARE_SIMPLE_TYPE(HPETState, HPET)

/* ---- the main counter ---- */

static bool hpet_running(const HPETState *s)
{
    return s->config & CFG_ENABLE;
}

static bool hpet_legacy_route(const HPETState *s)
{
    /* General Configuration Register, LEG_RT_CNF: the route applies when
     * both bits are set. */
    return (s->config & (CFG_ENABLE | CFG_LEGACY)) == (CFG_ENABLE | CFG_LEGACY);
}

/* Nanoseconds the counter has run since it was started.  A restored
 * enable_ns later than the clock (a stream from elsewhere) counts as
 * just started rather than as a counter running backwards. */
static int64_t hpet_run_ns(const HPETState *s, int64_t now)
{
    return now > s->enable_ns ? now - s->enable_ns : 0;
}

static uint64_t hpet_counter_at(const HPETState *s, int64_t now)
{
    if (!hpet_running(s)) {
        return s->counter;
    }
    return s->counter + (uint64_t)(hpet_run_ns(s, now) / HPET_PERIOD_NS);
}

static uint64_t hpet_counter_now(const HPETState *s)
{
    return hpet_counter_at(s, clock_get_ns(CC_CLOCK_VIRTUAL));
}

/* ---- interrupt lines ---- */

static bool timer_is_periodic(const HPETTimer *t)
{
    return t->config & TN_TYPE_PERIODIC;
}

static bool timer_is_32bit(const HPETTimer *t)
{
    return t->config & TN_32MODE;
}

static bool timer_is_level(const HPETTimer *t)
{
    return t->config & TN_INT_TYPE_LEVEL;
}

static unsigned timer_line(const HPETTimer *t)
{
    if (t->tn <= 1 && hpet_legacy_route(t->s)) {
        return t->tn == 0 ? LINE_LEGACY0 : LINE_LEGACY1;
    }
    return (t->config & TN_ROUTE_MASK) >> TN_ROUTE_SHIFT;
}

static IRQState *hpet_line(HPETState *s, unsigned line)
{
    return line >= HPET_NUM_IRQS ? s->legacy[line - HPET_NUM_IRQS] : s->irq[line];
}

static void hpet_set_line(HPETState *s, unsigned line, bool level)
{
    uint64_t bit = UINT64_C(1) << line;
    if (!!(s->line_level & bit) == level) {
        return;
    }
    s->line_level ^= bit;
    irq_set(hpet_line(s, line), level);
}

/* The levels the level-triggered timers hold: a line is high while any
 * enabled timer routed to it has its status bit set (General Interrupt
 * Status Register).  The interrupts are off while the counter is halted
 * (General Configuration Register, ENABLE_CNF). */
static uint64_t hpet_wanted_levels(const HPETState *s)
{
    uint64_t want = 0;
    if (!hpet_running(s)) {
        return 0;
    }
    for (uint32_t i = 0; i < s->num_timers; i++) {
        const HPETTimer *t = &s->timer[i];
        if (timer_is_level(t) && (t->config & TN_INT_ENB) && (s->isr & (UINT64_C(1) << i))) {
            want |= UINT64_C(1) << timer_line(t);
        }
    }
    return want;
}

static void hpet_update_lines(HPETState *s)
{
    uint64_t want = hpet_wanted_levels(s);
    for (unsigned line = 0; line < LINE_COUNT; line++) {
        hpet_set_line(s, line, want & (UINT64_C(1) << line));
    }
    int pit = !hpet_legacy_route(s);
    if (pit != s->pit_enabled) {
        s->pit_enabled = pit;
        log_mask(hpet_log, "hpet: PIT and RTC interrupts %s\n", pit ? "enabled" : "replaced");
        irq_set(s->pit_enable, pit);
    }
}

/* A timer event: level timers set their status bit (even with INT_ENB
 * clear: Timer N Configuration Register, Tn_INT_ENB_CNF), edge timers
 * pulse their line unless a level timer holds it high already. */
static void hpet_timer_interrupt(HPETTimer *t)
{
    HPETState *s = t->s;
    if (timer_is_level(t)) {
        s->isr |= UINT64_C(1) << t->tn;
        hpet_update_lines(s);
        return;
    }
    if (!(t->config & TN_INT_ENB)) {
        return;
    }
    unsigned line = timer_line(t);
    if (!(s->line_level & (UINT64_C(1) << line))) {
        irq_pulse(hpet_line(s, line));
    }
}

/* ---- timers ---- */

/* Periods from counter value cur to t's next event after it, which is a
 * comparator match or (a 32-bit one-shot) the low half wrapping to 0;
 * 0 for none within the 64-bit counter's range. */
static uint64_t hpet_timer_distance(const HPETTimer *t, uint64_t cur, bool *is_wrap)
{
    *is_wrap = false;
    if (timer_is_32bit(t)) {
        uint64_t d = (uint32_t)(t->cmp - cur);
        if (d == 0) {
            d = UINT64_C(1) << 32;     /* matched now: next time round */
        }
        if (!timer_is_periodic(t)) {
            uint64_t w = (UINT64_C(1) << 32) - (uint32_t)cur;
            if (w < d) {
                d = w;
                *is_wrap = true;
            }
        }
        return d;
    }
    return t->cmp - cur;    /* 0: a full 2^64 periods away */
}

/* Arm t's virtual-clock timer for its next event after counter value cur
 * (the counter at time now), or stop it while the counter is halted. */
static void hpet_timer_arm(HPETTimer *t, uint64_t cur, int64_t now)
{
    HPETState *s = t->s;
    bool wrap;
    uint64_t d;

    if (!hpet_running(s) || (d = hpet_timer_distance(t, cur, &wrap)) == 0) {
        timer_del(t->timer);
        return;
    }
    /* The counter reaches cur + d at the start of the period that many
     * periods after the one now is in. */
    int64_t period_start = now - hpet_run_ns(s, now) % HPET_PERIOD_NS;
    if (d > (uint64_t)(INT64_MAX - period_start) / HPET_PERIOD_NS) {
        timer_del(t->timer);     /* past the end of the virtual clock */
        return;
    }
    t->event_count = cur + d;
    t->event_is_wrap = wrap;
    timer_mod_ns(t->timer, period_start + (int64_t)d * HPET_PERIOD_NS);
}

/* Periodic mode (Timer N Comparator Value Register): on a match the comparator grows by the
 * last value written.  A timer that ran late (the host fell behind, or the
 * minimum period below) moves on to the first match after `after`,
 * dropping the ones in between, as a busy PC drops ticks.  A step of 0
 * leaves the comparator where it is: the next match is a full counter
 * wrap away. */
static void hpet_timer_advance(HPETTimer *t, uint64_t after)
{
    uint64_t mask = timer_is_32bit(t) ? UINT32_MAX : UINT64_MAX;
    uint64_t behind = (after - t->cmp) & mask;
    if (t->period == 0) {
        return;
    }
    /* behind < 2^64 and the step >= 1: at most behind + period, which the
     * mask brings back into the comparator's width. */
    uint64_t n = behind / t->period + 1;
    t->cmp = (t->cmp + n * t->period) & mask;
}

/* t's event, due at or before now. */
static void hpet_timer_fire_at(HPETTimer *t, int64_t now)
{
    HPETState *s = t->s;
    uint64_t cur = hpet_counter_at(s, now);

    if (!hpet_running(s)) {
        return;
    }
    log_mask(hpet_log, "hpet: timer %u %s at counter 0x%" PRIx64 "\n", t->tn,
             t->event_is_wrap ? "wraps" : "matches", t->event_count);
    hpet_timer_interrupt(t);
    if (timer_is_periodic(t) && !t->event_is_wrap) {
        /* A short period interrupts no more often than once per
         * min-period-ns, as the PIT's and the local APIC's periodic timers
         * (their min-period-ns): the host could not take 100 million
         * interrupts a second and run the guest too. */
        uint64_t min_ticks = s->min_period_ns / HPET_PERIOD_NS;
        uint64_t after = cur;
        if (t->period < min_ticks) {
            after = cur + min_ticks - 1;
        }
        hpet_timer_advance(t, after);
        hpet_timer_arm(t, after, now + (int64_t)(after - cur) * HPET_PERIOD_NS);
        return;
    }
    hpet_timer_arm(t, cur, now);
}

static void hpet_timer_fire(void *opaque)
{
    hpet_timer_fire_at(opaque, clock_get_ns(CC_CLOCK_VIRTUAL));
}

/* Events that fell due while the CPU ran (their virtual-clock timers wait
 * for the end of its slice) have happened by the time the guest writes
 * to the HPET: run them first, under the settings they fell due with.
 * Otherwise an access that re-arms the timers from the counter's present
 * value (any timer or configuration write) would take a comparator just
 * passed for the next wrap, 2^32 or 2^64 periods away, and lose the
 * event: a periodic timer would stop for good. */
static void hpet_catch_up(HPETState *s, int64_t now)
{
    for (uint32_t i = 0; i < s->num_timers; i++) {
        HPETTimer *t = &s->timer[i];
        if (timer_pending(t->timer) && timer_expire_time_ns(t->timer) <= now) {
            timer_del(t->timer);
            hpet_timer_fire_at(t, now);
        }
    }
}

/* At the instant of the write that changed the timers: a second clock
 * read could fall after a match and arm for the next wrap instead. */
static void hpet_rearm_all(HPETState *s, int64_t now)
{
    uint64_t cur = hpet_counter_at(s, now);
    for (uint32_t i = 0; i < s->num_timers; i++) {
        hpet_timer_arm(&s->timer[i], cur, now);
    }
}

/* ---- guest access: timer registers ---- */

/* Bits written under mask: a 32-bit access covers half of a register. */
static uint64_t merge(uint64_t old, uint64_t val, uint64_t mask)
{
    return (old & ~mask) | (val & mask);
}

static void hpet_timer_write_config(HPETTimer *t, uint64_t val, uint64_t mask)
{
    HPETState *s = t->s;
    uint64_t old = t->config;
    uint64_t writable = TN_WRITABLE;
    if (!(old & TN_PER_INT_CAP)) {
        writable &= ~TN_TYPE_PERIODIC;
    }
    if (!(old & TN_SIZE_CAP)) {
        writable &= ~TN_32MODE;     /* a 32-bit timer is always in 32-bit mode */
    }
    uint64_t want = merge(old, val, mask & writable);
    /* Tn_INT_ROUTE_CNF: a route outside Tn_INT_ROUTE_CAP is not
     * taken (it does not read back); the timer keeps its route. */
    unsigned route = (want & TN_ROUTE_MASK) >> TN_ROUTE_SHIFT;
    if (!(s->intcap & (1u << route))) {
        if ((want ^ old) & TN_ROUTE_MASK) {
            log_mask(LOG_GUEST_ERROR, "hpet: timer %u: route %u is not in the capability "
                     "mask 0x%08" PRIx32 ", ignored\n", t->tn, route, s->intcap);
        }
        want = (want & ~(uint64_t)TN_ROUTE_MASK) | (old & TN_ROUTE_MASK);
    }
    if ((mask & val & TN_FSB_EN) != 0) {
        log_mask(LOG_UNIMP, "hpet: timer %u: FSB delivery is not supported\n", t->tn);
    }
    t->config = want;
    if (timer_is_32bit(t)) {
        t->cmp = (uint32_t)t->cmp;
        t->period = (uint32_t)t->period;
    }
    if ((old & TN_INT_TYPE_LEVEL) && !timer_is_level(t)) {
        s->isr &= ~(UINT64_C(1) << t->tn);   /* an edge timer has no status */
    }
    hpet_update_lines(s);
}

/* Timer N Comparator Value Register: one-shot writes set the comparator; in periodic mode a write
 * with Tn_VAL_SET_CNF set sets the comparator directly and a write sets the
 * step the comparator grows by on each match.  As in QEMU and Bochs, the
 * write that sets the comparator sets the step too (Linux writes the
 * deadline with VAL_SET, then the step without).  VAL_SET clears itself. */
static void hpet_timer_write_cmp(HPETTimer *t, uint64_t val, uint64_t mask)
{
    if (timer_is_32bit(t)) {
        mask &= UINT32_MAX;
    }
    if (!timer_is_periodic(t) || (t->config & TN_VAL_SET)) {
        t->cmp = merge(t->cmp, val, mask);
    }
    if (timer_is_periodic(t)) {
        t->period = merge(t->period, val, mask);
    }
    t->config &= ~(uint64_t)TN_VAL_SET;
}

static uint64_t hpet_timer_read(HPETTimer *t, hwaddr reg)
{
    switch (reg) {
    case TN_REG_CONFIG:
        return t->config;
    case TN_REG_CMP:
        return t->cmp;
    default:
        return 0;   /* TN_REG_FSB: no FSB delivery; the rest is reserved */
    }
}

static void hpet_timer_write(HPETTimer *t, hwaddr reg, uint64_t val, uint64_t mask,
                             int64_t now)
{
    switch (reg) {
    case TN_REG_CONFIG:
        hpet_timer_write_config(t, val, mask);
        break;
    case TN_REG_CMP:
        hpet_timer_write_cmp(t, val, mask);
        break;
    default:
        return;     /* FSB route and reserved: read as zero, writes dropped */
    }
    hpet_rearm_all(t->s, now);
}

/* ---- guest access: general registers ---- */

static uint64_t hpet_capabilities(const HPETState *s)
{
    return CAP_REV_ID | ((uint64_t)(s->num_timers - 1) << CAP_NUM_TIM_SHIFT) | CAP_COUNT_SIZE |
           CAP_LEG_RT | ((uint64_t)CAP_VENDOR_INTEL << CAP_VENDOR_SHIFT) |
           ((uint64_t)HPET_PERIOD_FS << CAP_PERIOD_SHIFT);
}

static void hpet_write_config(HPETState *s, uint64_t val, uint64_t mask, int64_t now)
{
    uint64_t old = s->config;
    s->config = merge(old, val, mask & CFG_WRITABLE);
    if (!(old & CFG_ENABLE) && (s->config & CFG_ENABLE)) {
        s->enable_ns = now;             /* the counter starts from `counter` */
    } else if ((old & CFG_ENABLE) && !(s->config & CFG_ENABLE)) {
        /* Halted where it stood. */
        s->counter += (uint64_t)(hpet_run_ns(s, now) / HPET_PERIOD_NS);
    }
    hpet_update_lines(s);
    hpet_rearm_all(s, now);
}

static void hpet_write_counter(HPETState *s, uint64_t val, uint64_t mask)
{
    /* Main Counter Value Register: software writes it only while halted. */
    if (hpet_running(s)) {
        log_mask(LOG_GUEST_ERROR, "hpet: main counter written while running, ignored\n");
        return;
    }
    s->counter = merge(s->counter, val, mask);
}

static uint64_t hpet_reg_read(HPETState *s, hwaddr reg)
{
    if (reg >= HPET_TIMER_BASE) {
        hwaddr n = (reg - HPET_TIMER_BASE) / HPET_TIMER_STRIDE;
        if (n >= s->num_timers) {
            return 0;
        }
        return hpet_timer_read(&s->timer[n], (reg - HPET_TIMER_BASE) % HPET_TIMER_STRIDE);
    }
    switch (reg) {
    case HPET_REG_CAP:
        return hpet_capabilities(s);
    case HPET_REG_CFG:
        return s->config;
    case HPET_REG_ISR:
        return s->isr;
    case HPET_REG_COUNTER:
        return hpet_counter_now(s);
    default:
        return 0;   /* reserved */
    }
}

static void hpet_reg_write(HPETState *s, hwaddr reg, uint64_t val, uint64_t mask)
{
    int64_t now = clock_get_ns(CC_CLOCK_VIRTUAL);
    if (reg != HPET_REG_ISR) {
        /* Only before the writes that re-arm the timers: at every access
         * (a status write in a level interrupt's handler) a timer with a
         * period shorter than a CPU slice would be due each time and
         * leave the guest no instruction. */
        hpet_catch_up(s, now);
    }
    if (reg >= HPET_TIMER_BASE) {
        hwaddr n = (reg - HPET_TIMER_BASE) / HPET_TIMER_STRIDE;
        if (n >= s->num_timers) {
            log_mask(LOG_GUEST_ERROR, "hpet: write to timer %u, which does not exist\n",
                     (unsigned)n);
            return;
        }
        hpet_timer_write(&s->timer[n], (reg - HPET_TIMER_BASE) % HPET_TIMER_STRIDE, val, mask,
                         now);
        return;
    }
    switch (reg) {
    case HPET_REG_CFG:
        hpet_write_config(s, val, mask, now);
        break;
    case HPET_REG_ISR:
        /* General Interrupt Status Register: writing 1 clears a level
         * timer's status bit. */
        s->isr &= ~(val & mask);
        hpet_update_lines(s);
        break;
    case HPET_REG_COUNTER:
        hpet_write_counter(s, val, mask);
        hpet_rearm_all(s, now);
        break;
    default:
        break;      /* capabilities are read-only; the rest is reserved */
    }
}

/* The registers are 64 bits wide; a 32-bit access reads or writes one half
 * (the spec allows 32- and 64-bit accesses, naturally aligned; the bus refuses
 * other sizes and unaligned ones). */
static uint64_t hpet_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    uint64_t v = hpet_reg_read(opaque, addr & ~(hwaddr)7);
    if (size == 8) {
        return v;
    }
    return (uint32_t)(v >> ((addr & 4) * 8));
}

static void hpet_mmio_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    unsigned shift = size == 8 ? 0 : (addr & 4) * 8;
    uint64_t mask = size == 8 ? UINT64_MAX : (uint64_t)UINT32_MAX << shift;
    hpet_reg_write(opaque, addr & ~(hwaddr)7, val << shift, mask);
}

static const MemoryRegionOps hpet_mmio_ops = {
    .read = hpet_mmio_read,
    .write = hpet_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

/* ---- reset ---- */

/* The registers' reset values, also set at realize: a state saved (or
 * kept to roll a failed load back) before the first reset must carry the
 * timers' capabilities too. */
static void hpet_reset_registers(HPETState *s)
{
    s->config = 0;
    s->isr = 0;
    s->counter = 0;
    s->enable_ns = 0;
    for (uint32_t i = 0; i < HPET_MAX_TIMERS; i++) {
        HPETTimer *t = &s->timer[i];
        /* Timer N Configuration Register: interrupts off, edge, one-shot,
         * 64-bit, route 0. */
        t->config = TN_PER_INT_CAP | TN_SIZE_CAP | ((uint64_t)s->intcap << TN_ROUTE_CAP_SHIFT);
        t->cmp = UINT64_MAX;    /* as the ICH's power-on value (and QEMU's) */
        t->period = 0;
        t->event_count = 0;
        t->event_is_wrap = false;
        timer_del(t->timer);
    }
}

static void hpet_reset(DeviceState *dev)
{
    HPETState *s = HPET(dev);
    hpet_reset_registers(s);
    for (unsigned line = 0; line < LINE_COUNT; line++) {
        hpet_set_line(s, line, false);
    }
    s->pit_enabled = 1;
    irq_set(s->pit_enable, 1);
}

/* ---- realize ---- */

static bool hpet_realize(DeviceState *dev, Error **errp)
{
    HPETState *s = HPET(dev);
    if (s->num_timers < HPET_MIN_TIMERS || s->num_timers > HPET_MAX_TIMERS) {
        error_setg(errp, "hpet: timers=%" PRIu32 " is outside %d..%d", s->num_timers,
                   HPET_MIN_TIMERS, HPET_MAX_TIMERS);
        return false;
    }
    if (s->msi) {
        error_setg(errp, "hpet: msi=on: FSB interrupt delivery is not supported");
        return false;
    }
    if (s->intcap == 0) {
        error_setg(errp, "hpet: hpet-intcap=0 leaves the timers no interrupt route");
        return false;
    }
    /* Timers past the 24th lie beyond 1 KiB (0x100 + 0x20 * 24 = 0x400). */
    uint64_t size = MAX(HPET_WINDOW, HPET_TIMER_BASE + HPET_TIMER_STRIDE * s->num_timers);
    memory_region_init_io(&s->mmio, OBJECT(dev), &hpet_mmio_ops, s, "hpet", size);
    sysbus_init_mmio(SYS_BUS_DEVICE(dev), &s->mmio);
    for (uint32_t i = 0; i < HPET_MAX_TIMERS; i++) {
        s->timer[i].s = s;
        s->timer[i].tn = (uint8_t)i;
        s->timer[i].timer = timer_new_ns(CC_CLOCK_VIRTUAL, hpet_timer_fire, &s->timer[i]);
    }
    hpet_reset_registers(s);
    return true;
}

static void hpet_unrealize(DeviceState *dev)
{
    HPETState *s = HPET(dev);
    for (uint32_t i = 0; i < HPET_MAX_TIMERS; i++) {
        timer_free(s->timer[i].timer);
        s->timer[i].timer = NULL;
    }
    memory_region_finalize(&s->mmio);
}

/* The lines exist from creation, so -device hpet,help can list them. */
static void hpet_instance_init(Object *obj)
{
    HPETState *s = HPET(obj);
    for (int i = 0; i < HPET_NUM_IRQS; i++) {
        sysbus_init_irq(SYS_BUS_DEVICE(obj), &s->irq[i]);
    }
    device_init_gpio_out_named(DEVICE(obj), s->legacy, "legacy-irq", 2);
    device_init_gpio_out_named(DEVICE(obj), &s->pit_enable, "pit-enable", 1);
}

/* ---- properties ---- */

static const Property hpet_properties[] = {
    DEFINE_PROP_UINT32("timers", HPETState, num_timers, 3, "number of timers (3..32)"),
    DEFINE_PROP_UINT32("hpet-intcap", HPETState, intcap, 1u << 2,
                       "Tn_INT_ROUTE_CAP: the irq outputs a timer may route to (bit mask)"),
    DEFINE_PROP_BOOL("msi", HPETState, msi, false, "FSB (MSI) delivery (not supported)"),
    DEFINE_PROP_UINT32("min-period-ns", HPETState, min_period_ns, 20000,
                       "shortest interval between a periodic timer's interrupts, in ns "
                       "(0: none)"),
    DEFINE_PROP_END_OF_LIST(),
};

/* ---- state ---- */

static const VMStateDescription vmstate_hpet_timer = {
    .name = "hpet-timer",
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(config, HPETTimer),
        VMSTATE_UINT64(cmp, HPETTimer),
        VMSTATE_UINT64(period, HPETTimer),
        VMSTATE_TIMER(timer, HPETTimer),
        VMSTATE_UINT64(event_count, HPETTimer),
        VMSTATE_BOOL(event_is_wrap, HPETTimer),
        VMSTATE_END_OF_LIST()
    },
};

static bool hpet_post_load(void *opaque, int version_id, Error **errp)
{
    HPETState *s = opaque;
    uint64_t caps = TN_PER_INT_CAP | TN_SIZE_CAP | ((uint64_t)s->intcap << TN_ROUTE_CAP_SHIFT);
    if (s->config & ~(uint64_t)CFG_WRITABLE) {
        error_setg(errp, "configuration 0x%" PRIx64 " has reserved bits set", s->config);
        return false;
    }
    if (s->num_timers < HPET_MAX_TIMERS && (s->isr >> s->num_timers)) {
        error_setg(errp, "interrupt status 0x%" PRIx64 " names timers past %" PRIu32,
                   s->isr, s->num_timers);
        return false;
    }
    for (uint32_t i = 0; i < HPET_MAX_TIMERS; i++) {
        const HPETTimer *t = &s->timer[i];
        unsigned route = (t->config & TN_ROUTE_MASK) >> TN_ROUTE_SHIFT;
        if ((t->config & ~(uint64_t)TN_WRITABLE) != caps) {
            error_setg(errp, "timer %" PRIu32 ": configuration 0x%" PRIx64 " does not carry "
                       "this HPET's capabilities", i, t->config);
            return false;
        }
        /* Route 0 is the reset value, whatever the capability says. */
        if (route != 0 && !(s->intcap & (1u << route))) {
            error_setg(errp, "timer %" PRIu32 ": route %u is not in hpet-intcap", i, route);
            return false;
        }
        if (timer_is_32bit(t) && ((t->cmp | t->period) >> 32)) {
            error_setg(errp, "timer %" PRIu32 ": 32-bit mode with a 64-bit comparator", i);
            return false;
        }
    }
    /* Our copies of the lines follow the registers; the outputs themselves
     * are kept by the devices they drive. */
    s->line_level = hpet_wanted_levels(s);
    s->pit_enabled = !hpet_legacy_route(s);
    return true;
}

/* Virtual-clock times are far inside 2^62 ns (146 years), which keeps
 * the differences free of overflow. */
#define HPET_TIME_LIMIT (INT64_C(1) << 62)

/* The counter is kept as its value at enable_ns, the virtual-clock time it
 * was last started, which the restored clock carries on from. */
static const VMStateDescription vmstate_hpet = {
    .name = TYPE_HPET,
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = hpet_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(config, HPETState),
        VMSTATE_UINT64(isr, HPETState),
        VMSTATE_UINT64(counter, HPETState),
        VMSTATE_INT64_RANGE(enable_ns, HPETState, 0, HPET_TIME_LIMIT),
        VMSTATE_STRUCT_ARRAY(timer, HPETState, HPET_MAX_TIMERS, vmstate_hpet_timer, HPETTimer),
        VMSTATE_END_OF_LIST()
    },
};

/* ---- ACPI ---- */

/* The HPET description table (IA-PC HPET spec 1.0a, 3.2.4, table 3):
 * the event timer block ID (the low half of the capabilities register, as
 * the spec asks), the base as a Generic Address in system memory, the
 * sequence number 0, the main counter minimum clock tick in periodic mode
 * (min-period-ns in 10 ns periods: interrupts closer than that are
 * merged, see hpet_timer_fire) and no page protection.  Nothing while the
 * board has not mapped it. */
static void hpet_build_tables(Object *obj, AcpiBuilder *b)
{
    HPETState *s = HPET(obj);
    if (!s->mmio.container) {
        return;
    }
    GByteArray *t = acpi_table_begin("HPET", 1);
    acpi_append_u32(t, (uint32_t)hpet_capabilities(s));
    acpi_append_gas(t, 0, 64, 0, 0, s->mmio.addr);
    acpi_append_u8(t, 0);
    acpi_append_u16(t, (uint16_t)MIN(s->min_period_ns / HPET_PERIOD_NS, 0xffffu));
    acpi_append_u8(t, 0);
    acpi_builder_add_table(b, t);
}

/* \_SB.HPET as QEMU's pc has it: PNP0103 (the HPET's EISA id, spec 3.2.5)
 * with its register block in _CRS, so the OS reserves the range. */
static void hpet_build_aml(Object *obj, Aml *sb)
{
    HPETState *s = HPET(obj);
    if (!s->mmio.container) {
        return;
    }
    Aml *dev = aml_device("HPET");
    aml_append(dev, aml_name_decl("_HID", aml_eisaid("PNP0103")));
    aml_append(dev, aml_name_decl("_UID", aml_zero()));
    Aml *sta = aml_method("_STA", 0, false);
    aml_append(sta, aml_return(aml_int(0x0f)));   /* present, enabled, shown, working */
    aml_append(dev, sta);
    Aml *crs = aml_resource_template();
    aml_append(crs, aml_memory32_fixed((uint32_t)s->mmio.addr,
                                       (uint32_t)memory_region_size(&s->mmio), false));
    aml_append(dev, aml_name_decl("_CRS", crs));
    aml_append(sb, dev);
}

/* ---- type ---- */

static void hpet_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    AcpiDeviceClass *ac = (AcpiDeviceClass *)object_class_dynamic_cast(klass,
                                                                       TYPE_ACPI_DEVICE_IF);
    dc->desc = "IA-PC High Precision Event Timer (3 timers, 100 MHz)";
    dc->vmsd = &vmstate_hpet;
    dc->category = DEVICE_CATEGORY_TIMER;
    dc->realize = hpet_realize;
    dc->unrealize = hpet_unrealize;
    dc->reset = hpet_reset;
    device_class_set_props(dc, hpet_properties);
    ac->build_tables = hpet_build_tables;
    ac->build_aml = hpet_build_aml;
}

static const TypeInfo hpet_types[] = {
    {
        .name = TYPE_HPET,
        .parent = TYPE_SYS_BUS_DEVICE,
        .instance_size = sizeof(HPETState),
        .instance_init = hpet_instance_init,
        .class_init = hpet_class_init,
        .interfaces = (const InterfaceInfo[]) { { TYPE_ACPI_DEVICE_IF }, { NULL } },
    },
};

DEFINE_TYPES(hpet_types)

CARDCAGE_PLUGIN(
    .name = "hpet",
    .version = "1.0",
    .description = "IA-PC High Precision Event Timer",
    .license = "MIT",
);
