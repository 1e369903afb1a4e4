/*
 * apic: the local xAPIC of a P6-family processor (Intel SDM vol. 3A,
 * chapter 10 "Advanced Programmable Interrupt Controller (APIC)"), for one
 * CPU.
 *
 * It sits between the CPU and the rest of the board: it drives the CPU's
 * INTR, NMI and INIT lines, answers the CPU's interrupt acknowledge
 * (TYPE_INTERRUPT_ACK) and holds the IA32_APIC_BASE MSR
 * (TYPE_LOCAL_APIC_IF), which the CPU's RDMSR/WRMSR of MSR 0x1B reach
 * through its "intc" link.
 *
 * Wiring and properties:
 *   inputs "lint[0..1]"  the LINT0 and LINT1 pins.  A PC wires the 8259's
 *                        INTR to LINT0 (virtual-wire mode: LVT LINT0 in
 *                        ExtINT mode) and NMI sources to LINT1.
 *   outputs "intr", "nmi", "init", "sipi"  to the CPU's inputs of those
 *                        names; "sipi" carries 0x100 | the start-up vector
 *   link "extint"        the 8259 pair, asked for the vector when an ExtINT
 *                        interrupt is acknowledged
 *   "cpu-index" (0)      the CPU it serves (the board sets it for each
 *                        copy of a per-CPU device): the APIC ID unless
 *                        "id" says otherwise, and the BSP flag for CPU 0
 *   "id" (cpu-index)     the APIC ID: 4 bits on the P6 family; 8 bits (the
 *                        xAPIC's, SDM vol. 3A, 10.4.6) on a board of more
 *                        than 15 CPUs, as QEMU's APIC has
 *   "bsp" (on)           IA32_APIC_BASE.BSP, for the APIC of CPU 0
 *   "timer-hz" (100 MHz) the timer's input clock, the processor's bus
 *                        clock (100 MHz on a Pentium II Deschutes)
 *   "min-period-ns" (20 us) the periodic timer interrupts at most once per
 *                        this much virtual time, however short its period
 *
 * The 4 KiB register page is mapped into system memory by the device itself
 * at the base IA32_APIC_BASE names (0xFEE00000 after reset), above RAM and
 * ROM, and moves when the guest relocates it.  With several CPUs each sees
 * its own APIC there, but they share one memory bus: the first APIC maps
 * the page and every access goes to the APIC of the CPU that makes it
 * (cpu_current_index), as QEMU's APIC page does.  The page follows the
 * first APIC's base; the others' relocation is not modelled.
 *
 * Disabled APIC.  While the APIC is globally disabled (IA32_APIC_BASE[11]
 * = 0) the processor behaves as one without an APIC: LINT0 and LINT1 are
 * its INTR and NMI pins (SDM vol. 3A, 10.4.3) and the register page is not
 * decoded.  While it is software disabled (SVR[8] = 0, the state after
 * reset) the LVT entries are masked (10.4.7.2); this model then also passes
 * LINT0 and LINT1 straight through, as QEMU and the firmware written for it
 * expect, so that a guest that never programs the APIC (a DOS, an ISA-era
 * BIOS, a real-mode test) still gets its 8259 interrupts.  Once software
 * enabled, the 8259 reaches the CPU only through LVT LINT0 in ExtINT mode.
 *
 * The APIC bus (<cardcage/apic-bus.h>).  The APIC attaches to the core's
 * APIC bus when realized: the IPIs it sends from its ICR, the I/O APIC's
 * redirected interrupts and MSI writes all reach the local APICs they
 * address through it.  An IPI that no APIC accepts is reported as a send
 * accept error (ESR bit 2, as the P6 APIC bus does) and logged under
 * -d guest_errors.  The EOI of a vector whose TMR bit is set (a
 * level-triggered interrupt) is broadcast on the bus, so that the I/O APICs
 * clear their Remote IRR (10.8.5).
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <string.h>
#include <cardcage/cardcage.h>

LOG_CATEGORY(apic_log, "apic", "local APIC: timer arming and expiries, acknowledges, EOIs");

#define TYPE_APIC "apic"

/* IA32_APIC_BASE: bits 12-35 are the base on a P6 (36-bit physical
 * addresses); bits 0-7, 9, 10 (x2APIC, not on a P6) and 36-63 are reserved
 * (SDM vol. 3A, figure 10-5). */
#define BASE_DEFAULT     0xfee00000ull
#define BASE_ADDR_MASK   0x0000000ffffff000ull
#define BASE_WRITABLE    (BASE_ADDR_MASK | LOCAL_APIC_BASE_ENABLE | LOCAL_APIC_BASE_BSP)
#define APIC_PAGE        0x1000

/* Register offsets (SDM vol. 3A, table 10-1). */
enum {
    REG_ID = 0x20, REG_VERSION = 0x30, REG_TPR = 0x80, REG_APR = 0x90, REG_PPR = 0xa0,
    REG_EOI = 0xb0, REG_LDR = 0xd0, REG_DFR = 0xe0, REG_SVR = 0xf0,
    REG_ISR = 0x100, REG_TMR = 0x180, REG_IRR = 0x200, REG_ESR = 0x280,
    REG_ICR_LO = 0x300, REG_ICR_HI = 0x310,
    REG_LVT_TIMER = 0x320, REG_LVT_PERF = 0x340, REG_LVT_LINT0 = 0x350,
    REG_LVT_LINT1 = 0x360, REG_LVT_ERROR = 0x370,
    REG_TIMER_INIT = 0x380, REG_TIMER_CUR = 0x390, REG_TIMER_DCR = 0x3e0,
};

/* The P6 family's LVT: timer, performance counter, LINT0, LINT1, error.
 * (The thermal sensor entry at 0x330 came with the Pentium 4.) */
enum { LVT_TIMER, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

/* Version register: an integrated APIC (version 1xH) with five LVT entries
 * (Max LVT Entry = entries - 1 = 4 on the P6 family; SDM vol. 3A, 10.4.8,
 * figure 10-7). */
#define APIC_VERSION     (0x11u | ((LVT_COUNT - 1u) << 16))

/* LVT and ICR fields (SDM vol. 3A, figures 10-8 and 10-12). */
#define LVT_VECTOR       0x000000ffu
#define LVT_DM_MASK      0x00000700u
#define LVT_DM_SHIFT     8
#define LVT_POLARITY     (1u << 13)
#define LVT_REMOTE_IRR   (1u << 14)
#define LVT_LEVEL        (1u << 15)
#define LVT_MASKED       (1u << 16)
#define LVT_PERIODIC     (1u << 17)

/* Delivery modes (ICR and LVT). */
enum { DM_FIXED = 0, DM_LOWEST = 1, DM_SMI = 2, DM_REMOTE_READ = 3, DM_NMI = 4,
       DM_INIT = 5, DM_SIPI = 6, DM_EXTINT = 7 };

/* Writable bits of each LVT entry on the P6 family (figure 10-8): the
 * timer has no delivery mode, LINT0/1 have polarity and trigger mode, the
 * error entry only a vector and the mask. */
static const uint32_t lvt_writable[LVT_COUNT] = {
    [LVT_TIMER] = LVT_VECTOR | LVT_MASKED | LVT_PERIODIC,
    [LVT_PERF]  = LVT_VECTOR | LVT_DM_MASK | LVT_MASKED,
    [LVT_LINT0] = LVT_VECTOR | LVT_DM_MASK | LVT_POLARITY | LVT_LEVEL | LVT_MASKED,
    [LVT_LINT1] = LVT_VECTOR | LVT_DM_MASK | LVT_POLARITY | LVT_LEVEL | LVT_MASKED,
    [LVT_ERROR] = LVT_VECTOR | LVT_MASKED,
};

#define ICR_VECTOR       0x000000ffu
#define ICR_DEST_LOGICAL (1u << 11)
#define ICR_ASSERT       (1u << 14)
#define ICR_LEVEL        (1u << 15)
#define ICR_SHORTHAND_SHIFT 18
#define ICR_LO_WRITABLE  0x000ccfffu     /* all but delivery status and reserved */
#define ICR_HI_WRITABLE  0xff000000u
enum { SH_NONE, SH_SELF, SH_ALL, SH_OTHERS };

/* SVR: vector, APIC software enable (8), focus processor checking
 * disabled (9).  "For the P6 family and Pentium processors, bits 0 through
 * 3 of the spurious vector are hard-wired to 1" (SDM vol. 3A, 10.9). */
#define SVR_ENABLE       (1u << 8)
#define SVR_WRITABLE     0x000003f0u
#define SVR_HARDWIRED    0x0000000fu

/* ESR bits of the P6 family (SDM vol. 3A, 10.5.3, figure 10-9). */
#define ESR_SEND_ACCEPT  (1u << 2)
#define ESR_SEND_ILLEGAL (1u << 5)
#define ESR_RECV_ILLEGAL (1u << 6)
#define ESR_ILLEGAL_REG  (1u << 7)

/* DFR: bits 28-31 the model (1111 flat, 0000 cluster), 0-27 read as ones
 * (figure 10-14).  LDR: the logical ID in bits 24-31 (figure 10-13).  APIC
 * ID: bits 24-27 on the P6 family (figure 10-6), 0xF the physical
 * broadcast. */
#define DFR_RESERVED     0x0fffffffu
#define DFR_FLAT         0xf0000000u
#define LDR_WRITABLE     0xff000000u
/* A P6 APIC ID has 4 bits and physical destination 0xF broadcasts; the
 * xAPIC's have 8 and 0xFF (SDM vol. 3A, 10.4.6, 10.6.2.1). */
#define ID_MASK_P6       0x0f
#define ID_MASK_XAPIC    0xff
#define ID_MASK          (s->id_mask)
#define PHYS_BROADCAST   (s->id_mask)

/* The lowest vector that is not reserved for exceptions: 0-15 are illegal
 * in APIC messages (SDM vol. 3A, 10.5.2). */
#define FIRST_LEGAL_VECTOR 16

typedef struct APICState {
    SysBusDevice parent_obj;
    MemoryRegion mmio;
    bool mapped;

    /* wiring */
    Object *extint;                 /* link: the 8259 pair */
    IRQState *intr_out, *nmi_out, *init_out, *sipi_out;
    Timer *timer;

    /* properties */
    int32_t id_prop;                /* -1: cpu_index */
    bool bsp_prop;                  /* and cpu_index == 0 */
    uint32_t cpu_index;
    uint8_t id_mask;
    bool bsp;
    uint32_t timer_hz;
    uint32_t min_period_ns;

    /* registers */
    uint64_t base;                  /* IA32_APIC_BASE */
    uint8_t id;
    uint8_t tpr;
    uint32_t ldr, dfr, svr;
    uint32_t irr[8], isr[8], tmr[8];
    uint32_t esr;                   /* what ESR reads */
    uint32_t esr_pending;           /* errors since the last ESR write */
    uint32_t icr_lo, icr_hi;
    uint32_t lvt[LVT_COUNT];
    uint32_t timer_initial;
    uint32_t timer_dcr;
    int64_t timer_start;            /* virtual ns at which the count was initial */

    bool lint[2];                   /* levels of the LINT pins */
    bool extint_msg;                /* an ExtINT message waits for the INTA */
    int intr_level;                 /* what "intr" is driven with */
} APICState;

OBJECT_DECLARE_SIMPLE_TYPE(APICState, APIC)

static bool hw_enabled(const APICState *s)
{
    return s->base & LOCAL_APIC_BASE_ENABLE;
}

static bool sw_enabled(const APICState *s)
{
    return hw_enabled(s) && (s->svr & SVR_ENABLE);
}

/* ---- the 256-bit registers ---- */

static void bit_set(uint32_t *r, int v)
{
    r[v >> 5] |= 1u << (v & 31);
}

static void bit_clear(uint32_t *r, int v)
{
    r[v >> 5] &= ~(1u << (v & 31));
}

static bool bit_test(const uint32_t *r, int v)
{
    return r[v >> 5] & (1u << (v & 31));
}

/* The highest set bit, or -1. */
static int highest(const uint32_t *r)
{
    for (int i = 7; i >= 0; i--) {
        if (r[i]) {
            return i * 32 + 31 - __builtin_clz(r[i]);
        }
    }
    return -1;
}

/* ---- priorities (SDM vol. 3A, 10.8.3.1) ---- */

static uint8_t ppr(const APICState *s)
{
    int isrv = highest(s->isr);
    if (isrv < 0 || (s->tpr >> 4) >= (isrv >> 4)) {
        return s->tpr;
    }
    return (uint8_t)(isrv & 0xf0);
}

/* The arbitration priority (P6 family, 10.8.3.1 "Arbitration priority"):
 * the TPR if it is at least the highest IRR's class and above the highest
 * ISR's class, else the highest of the three classes. */
static uint8_t apr(const APICState *s)
{
    int irrv = MAX(highest(s->irr), 0), isrv = MAX(highest(s->isr), 0);
    if ((s->tpr >> 4) >= (irrv >> 4) && (s->tpr >> 4) > (isrv >> 4)) {
        return s->tpr;
    }
    return (uint8_t)(MAX(MAX(s->tpr & 0xf0, irrv & 0xf0), isrv & 0xf0));
}

/* A fixed interrupt the CPU may take now: the highest IRR vector whose
 * priority class is above the PPR's (10.8.3.1), or -1. */
static int deliverable_vector(const APICState *s)
{
    if (!sw_enabled(s)) {
        return -1;
    }
    int v = highest(s->irr);
    return v >= 0 && (v & 0xf0) > (ppr(s) & 0xf0) ? v : -1;
}

/* LINT0 reaches the CPU's INTR as an 8259 interrupt (see the header). */
static bool extint_passes(const APICState *s)
{
    if (!sw_enabled(s)) {
        return true;
    }
    uint32_t l = s->lvt[LVT_LINT0];
    return !(l & LVT_MASKED) && ((l & LVT_DM_MASK) >> LVT_DM_SHIFT) == DM_EXTINT;
}

/* An 8259 interrupt reaches the CPU through LINT0 or as an ExtINT message
 * from the APIC bus (an I/O APIC entry in ExtINT mode). */
static bool extint_pending(const APICState *s)
{
    return s->extint && ((s->lint[0] && extint_passes(s)) || s->extint_msg);
}

static void update_intr(APICState *s)
{
    int level = deliverable_vector(s) >= 0 || extint_pending(s);
    if (level != s->intr_level) {
        s->intr_level = level;
        irq_set(s->intr_out, level);
    }
}

/* ---- one page for every CPU's APIC ---- */

#define APIC_MAX_CPUS 256
static APICState *by_cpu[APIC_MAX_CPUS];

/* The APIC of the CPU making the access, or s (the one that maps the page)
 * when that CPU has none. */
static APICState *current_apic(APICState *s)
{
    int n = cpu_current_index();
    APICState *t = n >= 0 && n < APIC_MAX_CPUS ? by_cpu[n] : NULL;
    return t ? t : s;
}

/* ---- errors (SDM vol. 3A, 10.5.3) ---- */

static void accept_fixed(APICState *s, int vector, bool level);

static void apic_error(APICState *s, uint32_t bits)
{
    uint32_t fresh = bits & ~s->esr_pending;
    s->esr_pending |= bits;
    uint32_t lvt = s->lvt[LVT_ERROR];
    /* An error whose bit is already pending raises no new interrupt, which
     * also ends the loop of an error entry with an illegal vector. */
    if (fresh && !(lvt & LVT_MASKED)) {
        accept_fixed(s, lvt & LVT_VECTOR, false);
    }
}

/* A fixed interrupt arrives: vectors 0-15 are refused with a receive
 * illegal vector error (10.5.2, 10.5.3). */
static void accept_fixed(APICState *s, int vector, bool level)
{
    if (vector < FIRST_LEGAL_VECTOR) {
        log_mask(LOG_GUEST_ERROR, "apic: illegal vector %d received\n", vector);
        apic_error(s, ESR_RECV_ILLEGAL);
        return;
    }
    bit_set(s->irr, vector);
    if (level) {
        bit_set(s->tmr, vector);
    } else {
        bit_clear(s->tmr, vector);
    }
    update_intr(s);
}

/* Deliver a local interrupt of an LVT entry with the given delivery mode
 * (10.5.1).  Masked entries deliver nothing. */
static void deliver_lvt(APICState *s, int idx, int mode)
{
    uint32_t lvt = s->lvt[idx];
    if (lvt & LVT_MASKED) {
        return;
    }
    switch (mode) {
    case DM_FIXED:
        if (idx == LVT_LINT0 || idx == LVT_LINT1) {
            if (lvt & LVT_LEVEL) {
                /* Level-triggered: accepted once until the EOI clears the
                 * remote IRR flag. */
                if (lvt & LVT_REMOTE_IRR) {
                    return;
                }
                s->lvt[idx] |= LVT_REMOTE_IRR;
            }
            accept_fixed(s, lvt & LVT_VECTOR, lvt & LVT_LEVEL);
        } else {
            accept_fixed(s, lvt & LVT_VECTOR, false);
        }
        break;
    case DM_NMI:
        irq_pulse(s->nmi_out);
        break;
    case DM_INIT:
        irq_pulse(s->init_out);
        break;
    case DM_EXTINT:
        update_intr(s);
        break;
    default:
        log_mask(LOG_GUEST_ERROR, "apic: LVT entry %d: delivery mode %d not supported\n",
                 idx, mode);
        break;
    }
}

/* ---- the LINT pins ---- */

static void apic_lint_in(void *opaque, int n, int level)
{
    APICState *s = APIC(opaque);
    if (n < 0 || n > 1) {
        return;
    }
    bool old = s->lint[n];
    s->lint[n] = level != 0;
    if (!sw_enabled(s)) {
        /* Through mode: LINT0 is INTR, LINT1 is NMI. */
        if (n == 0) {
            update_intr(s);
        } else if (s->lint[1] && !old) {
            irq_pulse(s->nmi_out);
        }
        return;
    }
    int idx = n ? LVT_LINT1 : LVT_LINT0;
    uint32_t lvt = s->lvt[idx];
    int mode = (lvt & LVT_DM_MASK) >> LVT_DM_SHIFT;
    /* Polarity: active low inverts the pin (figure 10-8). */
    bool active = s->lint[n] != !!(lvt & LVT_POLARITY);
    bool was = old != !!(lvt & LVT_POLARITY);
    if (mode == DM_EXTINT) {
        update_intr(s);
    } else if (mode == DM_FIXED && (lvt & LVT_LEVEL)) {
        if (active) {
            deliver_lvt(s, idx, mode);
        }
    } else if (active && !was) {
        deliver_lvt(s, idx, mode);
    }
}

/* ---- the timer (SDM vol. 3A, 10.5.4) ---- */

/* Divide configuration: bits 0, 1 and 3; 0000 divides by 2 ... 1010 by
 * 128, 1011 by 1 (figure 10-10). */
static unsigned timer_divisor(const APICState *s)
{
    unsigned v = ((s->timer_dcr >> 1) & 4) | (s->timer_dcr & 3);
    return 1u << ((v + 1) & 7);
}

static uint64_t muldiv(uint64_t a, uint64_t b, uint64_t c)
{
    return (uint64_t)((unsigned __int128)a * b / c);
}

/* Ticks of the counter in ns nanoseconds, and back (rounded up: the
 * instant at which the tick has happened). */
static uint64_t ns_to_ticks(const APICState *s, uint64_t ns)
{
    return muldiv(ns, s->timer_hz, 1000000000ull * timer_divisor(s));
}

static uint64_t ticks_to_ns(const APICState *s, uint64_t ticks)
{
    unsigned __int128 num = (unsigned __int128)ticks * 1000000000ull * timer_divisor(s);
    unsigned __int128 r = (num + s->timer_hz - 1) / s->timer_hz;
    return r > INT64_MAX ? INT64_MAX : (uint64_t)r;
}

static uint64_t timer_elapsed(const APICState *s, int64_t now)
{
    /* timer_start may lie far before 0 (a slower divisor set mid-count
     * moves it back): the difference is taken unsigned, where it fits. */
    return now > s->timer_start ? ns_to_ticks(s, (uint64_t)now - (uint64_t)s->timer_start) : 0;
}

static uint32_t timer_current(const APICState *s, int64_t now)
{
    if (!s->timer_initial) {
        return 0;
    }
    uint64_t e = timer_elapsed(s, now);
    if (s->lvt[LVT_TIMER] & LVT_PERIODIC) {
        return s->timer_initial - (uint32_t)(e % s->timer_initial);
    }
    return e >= s->timer_initial ? 0 : s->timer_initial - (uint32_t)e;
}

/* Arm the host timer for the next time the count reaches zero, if that
 * interrupt can be seen: one event per expiry, none per tick.  `now` is
 * the instant the caller changed the timer at: reading the clock again
 * here could land after a short count's end (the host clock moves on
 * between two reads), and that expiry would be dropped as already past,
 * its interrupt never raised.  Linux then waits for it for good: it
 * re-arms its one-shot timer only from the interrupt. */
static void timer_rearm(APICState *s, int64_t now)
{
    if (!s->timer_initial || (s->lvt[LVT_TIMER] & LVT_MASKED)) {
        timer_del(s->timer);
        return;
    }
    uint64_t e = timer_elapsed(s, now);
    uint64_t target;
    if (s->lvt[LVT_TIMER] & LVT_PERIODIC) {
        target = (e / s->timer_initial + 1) * s->timer_initial;
    } else if (e < s->timer_initial) {
        target = s->timer_initial;
    } else {
        timer_del(s->timer);
        return;
    }
    /* off <= INT64_MAX, so only a start at or after 0 can overflow. */
    uint64_t off = ticks_to_ns(s, target);
    int64_t when = s->timer_start >= 0 && off > (uint64_t)(INT64_MAX - s->timer_start)
                       ? INT64_MAX
                       : s->timer_start + (int64_t)off;
    if ((s->lvt[LVT_TIMER] & LVT_PERIODIC) &&
        ticks_to_ns(s, s->timer_initial) < (uint64_t)s->min_period_ns &&
        when - now < s->min_period_ns) {
        /* A period shorter than the minimum: one interrupt per minimum
         * period (the IRR bit coalesces the others, as when the CPU does
         * not take them); the count reads as programmed. */
        when = now + s->min_period_ns;
    }
    log_mask(apic_log, "apic %u: timer armed for %" PRId64 " (now %" PRId64 ", count %u, lvt 0x%x)\n",
             s->id, when, now, s->timer_initial, s->lvt[LVT_TIMER]);
    timer_mod_ns(s->timer, when);
}

/* The count reached zero (at or before now). */
static void timer_fire(APICState *s, int64_t now)
{
    if (!s->timer_initial) {
        return;
    }
    bool periodic = s->lvt[LVT_TIMER] & LVT_PERIODIC;
    if (!periodic && timer_elapsed(s, now) < s->timer_initial) {
        timer_rearm(s, now);   /* the count was reloaded since arming */
        return;
    }
    log_mask(apic_log, "apic %u: timer expired at %" PRId64 " (lvt 0x%x, irr of vector %d %d)\n",
             s->id, now, s->lvt[LVT_TIMER], (int)(s->lvt[LVT_TIMER] & LVT_VECTOR),
             bit_test(s->irr, s->lvt[LVT_TIMER] & LVT_VECTOR));
    deliver_lvt(s, LVT_TIMER, DM_FIXED);
    if (periodic) {
        timer_rearm(s, now);
    }
}

static void timer_expired(void *opaque)
{
    timer_fire(opaque, clock_get_ns(CC_CLOCK_VIRTUAL));
}

/* An expiry that fell due while the CPU ran (its host timer waits for the
 * end of the slice) has happened by the time the guest changes the timer:
 * on the hardware the count reaching zero sets the IRR bit at once
 * (10.5.4).  Deliver it first, under the timer settings it fell due with,
 * so that a register write changing them (a new count, a mask, a divisor)
 * does not cancel it. */
static void timer_catch_up(APICState *s, int64_t now)
{
    if (timer_pending(s->timer) && timer_expire_time_ns(s->timer) <= now) {
        timer_del(s->timer);
        timer_fire(s, now);
    }
}

/* Keep the current count across a change of the divisor or the mode; a
 * one-shot count that reached zero stays there (the elapsed ticks at the
 * new divisor would otherwise bring it back to life). */
static void timer_restart_from(APICState *s, uint32_t current, int64_t now)
{
    s->timer_start = now - (int64_t)ticks_to_ns(s, s->timer_initial - current);
}

/* ---- IPIs (SDM vol. 3A, 10.6) ---- */

/* Does a destination field address this APIC (10.6.2)? */
static bool dest_matches(const APICState *s, uint8_t dest, bool logical)
{
    if (!logical) {
        return (dest & ID_MASK) == PHYS_BROADCAST || (dest & ID_MASK) == s->id;
    }
    uint8_t logical_id = s->ldr >> 24;
    if (dest == 0xff) {
        return true;
    }
    if ((s->dfr & DFR_FLAT) == DFR_FLAT) {
        return (dest & logical_id) != 0;
    }
    /* Cluster model: cluster address in the high nibble (15 broadcasts to
     * every cluster), one bit per APIC in the low one. */
    return ((dest >> 4) == 0xf || (dest >> 4) == (logical_id >> 4)) &&
           (dest & logical_id & 0xf) != 0;
}

static void apic_reset_registers(APICState *s);

/* A software-disabled APIC accepts only NMI, INIT, SMI and SIPI messages
 * (10.4.7.2). */
static bool taken_while_sw_disabled(int mode)
{
    return mode == DM_NMI || mode == DM_INIT || mode == DM_SMI || mode == DM_SIPI;
}

/* Take a message the APIC bus addresses to this APIC (10.6, 10.11). */
static void apic_bus_accept(Object *obj, const APICMessage *m)
{
    APICState *s = APIC(obj);
    if (!hw_enabled(s)) {
        return;             /* off the bus (a broadcast shorthand reached it) */
    }
    if (!sw_enabled(s) && !taken_while_sw_disabled(m->delivery_mode)) {
        log_mask(LOG_GUEST_ERROR, "apic: interrupt %d (delivery mode %d) to a "
                 "software-disabled APIC dropped\n", m->vector, m->delivery_mode);
        return;
    }
    switch (m->delivery_mode) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        /* The TMR records whether the vector was level-triggered, which
         * decides whether its EOI is broadcast (10.8.4). */
        accept_fixed(s, m->vector, m->level);
        break;
    case APIC_DM_NMI:
        irq_pulse(s->nmi_out);
        break;
    case APIC_DM_INIT:
        if (m->level && !m->assert) {
            /* INIT level de-assert: only resynchronises the arbitration
             * IDs (10.6.1), which this bus does not model. */
            return;
        }
        /* INIT resets the APIC (except its ID) and the CPU (10.4.7.3). */
        apic_reset_registers(s);
        irq_pulse(s->init_out);
        break;
    case APIC_DM_STARTUP:
        /* The CPU starts at vector:0000 in real mode if it waits for SIPI
         * (after RESET or INIT, not the BSP); otherwise it ignores it
         * (SDM vol. 3A, 8.4.4.1, 10.6.1). */
        irq_set(s->sipi_out, 0x100 | m->vector);
        irq_set(s->sipi_out, 0);
        break;
    case APIC_DM_EXTINT:
        /* The 8259 supplies the vector when the CPU acknowledges
         * (10.6.1, "ExtINT"); without one there is nothing to deliver. */
        if (!s->extint) {
            log_mask(LOG_GUEST_ERROR, "apic: ExtINT message without an 8259 dropped\n");
            return;
        }
        s->extint_msg = true;
        update_intr(s);
        break;
    default:
        log_mask(LOG_GUEST_ERROR, "apic: delivery mode %d not supported\n",
                 m->delivery_mode);
        break;
    }
}

/* A globally disabled APIC is off the bus: the processor behaves as one
 * without an APIC (10.4.3). */
static bool apic_bus_matches(Object *obj, uint8_t dest, bool logical)
{
    APICState *s = APIC(obj);
    return hw_enabled(s) && dest_matches(s, dest, logical);
}

static int apic_bus_arb_priority(Object *obj)
{
    return apr(APIC(obj));
}

/* Send the message in the ICR on the APIC bus (10.6.1). */
static void send_ipi(APICState *s)
{
    uint32_t lo = s->icr_lo;
    APICMessage m = {
        .vector = lo & ICR_VECTOR,
        .delivery_mode = (lo >> 8) & 7,
        .dest = s->icr_hi >> 24,
        .dest_logical = lo & ICR_DEST_LOGICAL,
        .level = lo & ICR_LEVEL,
        .assert = lo & ICR_ASSERT,
        .shorthand = (lo >> ICR_SHORTHAND_SHIFT) & 3,
        .source = OBJECT(s),
    };
    if ((m.delivery_mode == DM_FIXED || m.delivery_mode == DM_LOWEST) &&
        m.vector < FIRST_LEGAL_VECTOR) {
        log_mask(LOG_GUEST_ERROR, "apic: IPI with illegal vector %d not sent\n", m.vector);
        apic_error(s, ESR_SEND_ILLEGAL);
        return;
    }
    if (m.delivery_mode == DM_REMOTE_READ) {
        /* Remote read (P6 only) returns a register of another APIC;
         * nothing models it, and nobody answers (10.6.1). */
        log_mask(LOG_GUEST_ERROR, "apic: remote read IPI not supported\n");
        return;
    }
    if (!apic_bus_send(&m)) {
        log_mask(LOG_GUEST_ERROR, "apic: IPI (ICR %08x:%08x) accepted by no APIC\n",
                 s->icr_hi, lo);
        apic_error(s, ESR_SEND_ACCEPT);
    }
}

/* ---- EOI (SDM vol. 3A, 10.8.5) ---- */

static void apic_eoi(APICState *s)
{
    int v = highest(s->isr);
    if (v < 0) {
        return;
    }
    bit_clear(s->isr, v);
    log_mask(apic_log, "apic %u: EOI of vector %d\n", s->id, v);
    bool level = bit_test(s->tmr, v);
    if (level) {
        /* A level-triggered LINT interrupt may be taken again. */
        for (int idx = LVT_LINT0; idx <= LVT_LINT1; idx++) {
            if ((s->lvt[idx] & LVT_VECTOR) == (uint32_t)v) {
                s->lvt[idx] &= ~LVT_REMOTE_IRR;
            }
        }
    }
    update_intr(s);
    /* A level-triggered LINT pin still asserted requests again. */
    for (int n = 0; n < 2; n++) {
        int idx = n ? LVT_LINT1 : LVT_LINT0;
        uint32_t lvt = s->lvt[idx];
        if (sw_enabled(s) && (lvt & LVT_LEVEL) && !(lvt & LVT_REMOTE_IRR) &&
            ((lvt & LVT_DM_MASK) >> LVT_DM_SHIFT) == DM_FIXED &&
            (s->lint[n] != !!(lvt & LVT_POLARITY))) {
            deliver_lvt(s, idx, DM_FIXED);
        }
    }
    if (level) {
        /* The I/O APICs clear the Remote IRR of entries with this vector
         * (10.8.5; 82093AA 3.2.4). */
        apic_bus_broadcast_eoi((uint8_t)v);
    }
}

/* ---- interrupt acknowledge ---- */

static int apic_ack(Object *obj)
{
    APICState *s = APIC(obj);
    int v = deliverable_vector(s);
    if (v >= 0) {
        bit_clear(s->irr, v);
        bit_set(s->isr, v);
        update_intr(s);
        log_mask(apic_log, "apic %u: acknowledge of vector %d\n", s->id, v);
        return v;
    }
    if (extint_pending(s)) {
        /* ExtINT: the 8259 supplies the vector; no IRR/ISR bit (10.5.1).
         * An ExtINT message is consumed by its acknowledge. */
        s->extint_msg = false;
        v = interrupt_ack(s->extint);
        update_intr(s);
        if (v >= 0) {
            return v;
        }
    }
    /* The request went away (TPR raised) between INTR and INTA: the
     * spurious vector, with no ISR bit set (10.9). */
    update_intr(s);
    return s->svr & 0xff;
}

/* ---- registers ---- */

static void set_svr(APICState *s, uint32_t val, int64_t now)
{
    s->svr = (val & SVR_WRITABLE) | SVR_HARDWIRED;
    if (!(s->svr & SVR_ENABLE)) {
        /* Software disable masks every LVT entry (10.4.7.2). */
        for (int i = 0; i < LVT_COUNT; i++) {
            s->lvt[i] |= LVT_MASKED;
        }
        timer_rearm(s, now);
    }
}

static uint32_t reg_read(APICState *s, unsigned reg)
{
    int64_t now = clock_get_ns(CC_CLOCK_VIRTUAL);
    switch (reg) {
    case REG_ID: return (uint32_t)s->id << 24;
    case REG_VERSION: return APIC_VERSION;
    case REG_TPR: return s->tpr;
    case REG_APR: return apr(s);
    case REG_PPR: return ppr(s);
    case REG_EOI: return 0;
    case REG_LDR: return s->ldr;
    case REG_DFR: return s->dfr | DFR_RESERVED;
    case REG_SVR: return s->svr;
    case REG_ESR: return s->esr;
    case REG_ICR_LO: return s->icr_lo;       /* delivery status: always idle */
    case REG_ICR_HI: return s->icr_hi;
    case REG_LVT_TIMER: return s->lvt[LVT_TIMER];
    case REG_LVT_PERF: return s->lvt[LVT_PERF];
    case REG_LVT_LINT0: return s->lvt[LVT_LINT0];
    case REG_LVT_LINT1: return s->lvt[LVT_LINT1];
    case REG_LVT_ERROR: return s->lvt[LVT_ERROR];
    case REG_TIMER_INIT: return s->timer_initial;
    case REG_TIMER_CUR: return timer_current(s, now);
    case REG_TIMER_DCR: return s->timer_dcr;
    default:
        break;
    }
    if (reg >= REG_ISR && reg < REG_ISR + 0x80) {
        return s->isr[(reg - REG_ISR) >> 4];
    }
    if (reg >= REG_TMR && reg < REG_TMR + 0x80) {
        return s->tmr[(reg - REG_TMR) >> 4];
    }
    if (reg >= REG_IRR && reg < REG_IRR + 0x80) {
        return s->irr[(reg - REG_IRR) >> 4];
    }
    log_mask(LOG_GUEST_ERROR, "apic: read of reserved register 0x%03x\n", reg);
    apic_error(s, ESR_ILLEGAL_REG);
    return 0;
}

static void write_lvt(APICState *s, int idx, uint32_t val, int64_t now)
{
    uint32_t keep = s->lvt[idx] & LVT_REMOTE_IRR;
    uint32_t v = (val & lvt_writable[idx]) | keep;
    if (!sw_enabled(s)) {
        v |= LVT_MASKED;    /* cannot be cleared while disabled (10.4.7.2) */
    }
    if (!(v & LVT_LEVEL)) {
        v &= ~LVT_REMOTE_IRR;
    }
    if (idx == LVT_TIMER) {
        uint32_t cur = timer_current(s, now);
        s->lvt[idx] = v;
        if (s->timer_initial) {
            timer_restart_from(s, cur, now);
        }
        timer_rearm(s, now);
        return;
    }
    s->lvt[idx] = v;
    if (idx == LVT_LINT0 || idx == LVT_LINT1) {
        update_intr(s);
    }
}

static void reg_write(APICState *s, unsigned reg, uint32_t val)
{
    int64_t now = clock_get_ns(CC_CLOCK_VIRTUAL);
    if (reg == REG_TIMER_INIT || reg == REG_TIMER_DCR || reg == REG_LVT_TIMER ||
        reg == REG_SVR) {
        /* Only before a change of the timer: at every access (an EOI) a
         * periodic timer with a period shorter than a CPU slice would
         * be due again each time and leave the guest no instruction. */
        timer_catch_up(s, now);
    }
    switch (reg) {
    case REG_ID:
        s->id = (val >> 24) & ID_MASK;
        return;
    case REG_TPR:
        s->tpr = (uint8_t)val;
        update_intr(s);
        return;
    case REG_EOI:
        apic_eoi(s);
        return;
    case REG_LDR:
        s->ldr = val & LDR_WRITABLE;
        return;
    case REG_DFR:
        s->dfr = (val & DFR_FLAT) | DFR_RESERVED;
        return;
    case REG_SVR:
        set_svr(s, val, now);
        update_intr(s);
        return;
    case REG_ESR:
        /* A write latches the errors seen since the previous write and
         * clears them (10.5.3). */
        s->esr = s->esr_pending;
        s->esr_pending = 0;
        return;
    case REG_ICR_LO:
        s->icr_lo = val & ICR_LO_WRITABLE;
        send_ipi(s);
        return;
    case REG_ICR_HI:
        s->icr_hi = val & ICR_HI_WRITABLE;
        return;
    case REG_LVT_TIMER:
        log_mask(apic_log, "apic %u: timer LVT 0x%x written\n", s->id, val);
        write_lvt(s, LVT_TIMER, val, now);
        return;
    case REG_LVT_PERF: write_lvt(s, LVT_PERF, val, now); return;
    case REG_LVT_LINT0: write_lvt(s, LVT_LINT0, val, now); return;
    case REG_LVT_LINT1: write_lvt(s, LVT_LINT1, val, now); return;
    case REG_LVT_ERROR: write_lvt(s, LVT_ERROR, val, now); return;
    case REG_TIMER_INIT:
        /* Writing the initial count reloads the counter; 0 stops it. */
        log_mask(apic_log, "apic %u: initial count 0x%x written at %" PRId64 " (lvt 0x%x)\n",
                 s->id, val, now, s->lvt[LVT_TIMER]);
        s->timer_initial = val;
        s->timer_start = now;
        timer_rearm(s, now);
        return;
    case REG_TIMER_DCR: {
        uint32_t cur = timer_current(s, now);
        s->timer_dcr = val & 0xb;
        if (s->timer_initial) {
            timer_restart_from(s, cur, now);
        }
        timer_rearm(s, now);
        return;
    }
    case REG_VERSION:
    case REG_APR:
    case REG_PPR:
    case REG_TIMER_CUR:
        return;             /* read-only */
    default:
        break;
    }
    if (reg >= REG_ISR && reg < REG_IRR + 0x80) {
        return;             /* ISR, TMR, IRR: read-only */
    }
    log_mask(LOG_GUEST_ERROR, "apic: write of 0x%08x to reserved register 0x%03x\n", val,
             reg);
    apic_error(s, ESR_ILLEGAL_REG);
}

/*
 * Registers sit at 16-byte aligned offsets and are accessed with aligned
 * 32-bit loads and stores (10.4.1).  Narrower reads return the bytes of the
 * register they hit; bytes 4-15 of each slot read 0.  Other writes than an
 * aligned dword are ignored (and logged).
 */
static uint64_t apic_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    APICState *s = current_apic(APIC(opaque));
    unsigned off = addr & 0xf;
    if (addr >= APIC_PAGE || off + size > 4) {
        return 0;
    }
    uint32_t v = reg_read(s, (unsigned)(addr & 0xff0));
    v >>= off * 8;
    return size >= 4 ? v : v & ((1u << (size * 8)) - 1);
}

static void apic_mmio_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    APICState *s = current_apic(APIC(opaque));
    if (addr >= APIC_PAGE || (addr & 0xf) || size != 4) {
        log_mask(LOG_GUEST_ERROR, "apic: %u-byte write at offset 0x%03x ignored (registers "
                 "take aligned 32-bit writes)\n", size, (unsigned)(addr & 0xfff));
        return;
    }
    reg_write(s, (unsigned)addr, (uint32_t)val);
}

static const MemoryRegionOps apic_mmio_ops = {
    .read = apic_mmio_read,
    .write = apic_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

/* ---- IA32_APIC_BASE ---- */

/* Map the register page where the base says, or not at all while the APIC
 * is globally disabled. */
static void apic_update_map(APICState *s)
{
    if (!s->mapped) {
        return;         /* another CPU's APIC maps the shared page */
    }
    bool want = hw_enabled(s);
    hwaddr at = s->base & BASE_ADDR_MASK;
    memory_region_transaction_begin();
    memory_region_set_address(&s->mmio, at);
    memory_region_set_enabled(&s->mmio, want);
    memory_region_transaction_commit();
}

static uint64_t apic_get_base(Object *obj)
{
    return APIC(obj)->base;
}

static bool apic_set_base(Object *obj, uint64_t val)
{
    APICState *s = APIC(obj);
    if (val & ~BASE_WRITABLE) {
        return false;
    }
    bool was = hw_enabled(s);
    /* BSP is fixed by the hardware. */
    s->base = (val & ~(uint64_t)LOCAL_APIC_BASE_BSP) | (s->base & LOCAL_APIC_BASE_BSP);
    if (was && !hw_enabled(s)) {
        /* Globally disabled: the APIC is as after reset, software
         * disabled, and out of the way (10.4.3). */
        uint64_t base = s->base;
        apic_reset_registers(s);
        s->base = base;
    }
    apic_update_map(s);
    update_intr(s);
    return true;
}

/* ---- reset ---- */

/* The register state after power-up, RESET or INIT (10.4.7.1): everything
 * zero except DFR (all ones), SVR (0xFF) and the LVT masks; the ID and the
 * base are kept (the callers set them). */
static void apic_reset_registers(APICState *s)
{
    s->tpr = 0;
    s->ldr = 0;
    s->dfr = DFR_FLAT | DFR_RESERVED;
    s->svr = 0xff;
    memset(s->irr, 0, sizeof(s->irr));
    memset(s->isr, 0, sizeof(s->isr));
    memset(s->tmr, 0, sizeof(s->tmr));
    s->esr = s->esr_pending = 0;
    s->extint_msg = false;
    s->icr_lo = s->icr_hi = 0;
    for (int i = 0; i < LVT_COUNT; i++) {
        s->lvt[i] = LVT_MASKED;
    }
    s->timer_initial = 0;
    s->timer_dcr = 0;
    s->timer_start = clock_get_ns(CC_CLOCK_VIRTUAL);
    if (s->timer) {
        timer_del(s->timer);
    }
    update_intr(s);
}

static void apic_reset(DeviceState *dev)
{
    APICState *s = APIC(dev);
    s->id = (s->id_prop >= 0 ? (uint32_t)s->id_prop : s->cpu_index) & ID_MASK;
    s->base = BASE_DEFAULT | LOCAL_APIC_BASE_ENABLE | (s->bsp ? LOCAL_APIC_BASE_BSP : 0);
    s->intr_level = -1;     /* drive "intr" once */
    apic_reset_registers(s);
    apic_update_map(s);
}

/* ---- realize ---- */

static void apic_init(Object *obj)
{
    APICState *s = APIC(obj);
    device_init_gpio_in_named(DEVICE(obj), apic_lint_in, "lint", 2);
    device_init_gpio_out_named(DEVICE(obj), &s->intr_out, "intr", 1);
    device_init_gpio_out_named(DEVICE(obj), &s->nmi_out, "nmi", 1);
    device_init_gpio_out_named(DEVICE(obj), &s->init_out, "init", 1);
    device_init_gpio_out_named(DEVICE(obj), &s->sipi_out, "sipi", 1);
}

static bool apic_realize(DeviceState *dev, Error **errp)
{
    APICState *s = APIC(dev);
    s->id_mask = board_cpu_max() > ID_MASK_P6 ? ID_MASK_XAPIC : ID_MASK_P6;
    int64_t id = s->id_prop >= 0 ? s->id_prop : (int64_t)s->cpu_index;
    if (id >= s->id_mask) {
        error_setg(errp, "APIC ID %" PRId64 ": the IDs of this board's APICs go from 0 to %u "
                   "(%u is the broadcast)", id, s->id_mask - 1u, s->id_mask);
        return false;
    }
    s->bsp = s->bsp_prop && s->cpu_index == 0;
    if (s->timer_hz == 0) {
        error_setg(errp, "timer-hz must not be 0");
        return false;
    }
    memory_region_init_io(&s->mmio, OBJECT(dev), &apic_mmio_ops, s, "apic", APIC_PAGE);
    bool page_mapped = false;
    for (int i = 0; i < APIC_MAX_CPUS; i++) {
        page_mapped |= by_cpu[i] && by_cpu[i]->mapped;
    }
    if (!page_mapped) {
        /* Above RAM and firmware (priority 1), as the page is decoded
         * inside the processor before the access reaches the bus. */
        memory_region_add_subregion_overlap(memory_get_system_memory(), BASE_DEFAULT,
                                            &s->mmio, 2);
        s->mapped = true;
    }
    if (s->cpu_index < APIC_MAX_CPUS && !by_cpu[s->cpu_index]) {
        by_cpu[s->cpu_index] = s;
    }
    s->timer = timer_new_ns(CC_CLOCK_VIRTUAL, timer_expired, s);
    if (!apic_bus_attach(OBJECT(dev), errp)) {
        return false;
    }
    apic_reset(dev);
    return true;
}

static void apic_unrealize(DeviceState *dev)
{
    APICState *s = APIC(dev);
    apic_bus_detach(OBJECT(dev));
    for (int i = 0; i < APIC_MAX_CPUS; i++) {
        if (by_cpu[i] == s) {
            by_cpu[i] = NULL;
        }
    }
    if (s->timer) {
        timer_free(s->timer);
        s->timer = NULL;
    }
    if (s->mapped) {
        memory_region_del_subregion(memory_get_system_memory(), &s->mmio);
        s->mapped = false;
    }
    memory_region_finalize(&s->mmio);
}

/* ---- properties and type ---- */

static const Property apic_properties[] = {
    DEFINE_PROP_UINT32("cpu-index", APICState, cpu_index, 0,
                       "the CPU it serves (set by the board for each CPU)"),
    DEFINE_PROP_INT32("id", APICState, id_prop, -1,
                      "the APIC ID (-1: cpu-index; 0-14, or 0-254 on a board of more "
                      "than 15 CPUs)"),
    DEFINE_PROP_BOOL("bsp", APICState, bsp_prop, true,
                     "the bootstrap processor's APIC (IA32_APIC_BASE.BSP), if it serves "
                     "CPU 0"),
    DEFINE_PROP_UINT32("timer-hz", APICState, timer_hz, 100000000,
                       "the timer's input clock (the bus clock), in Hz"),
    /* The hardware counts down at the bus clock, 10 ns per tick at divide
     * by 1, and a periodic timer could interrupt that often; an emulator
     * cannot keep up and the guest would run nothing else.  KVM limits
     * periodic LAPIC and i8254 timers the same way (its min_timer_period_us,
     * 200 us by default); 20 us keeps any sane guest rate. */
    DEFINE_PROP_UINT32("min-period-ns", APICState, min_period_ns, 20000,
                       "shortest period of the periodic timer, in ns (0: none)"),
    DEFINE_PROP_LINK("extint", APICState, extint, TYPE_INTERRUPT_ACK,
                     "the 8259 that supplies ExtINT vectors (LINT0 in virtual-wire mode)"),
    DEFINE_PROP_END_OF_LIST(),
};

/* ---- state ---- */

static bool apic_post_load(void *opaque, int version_id, Error **errp)
{
    APICState *s = opaque;
    if (s->base & ~BASE_WRITABLE) {
        error_setg(errp, "IA32_APIC_BASE 0x%" PRIx64 " sets reserved bits", s->base);
        return false;
    }
    /* The divide configuration has bits 0, 1 and 3 (SDM vol. 3A, figure
     * 10-10). */
    if (s->timer_dcr & ~0xbu) {
        error_setg(errp, "timer divide configuration 0x%x sets reserved bits", s->timer_dcr);
        return false;
    }
    apic_update_map(s);
    return true;
}

/* Virtual times stay far inside +-2^62 ns, which keeps the timer
 * arithmetic free of overflow. */
#define APIC_NS_LIMIT (INT64_C(1) << 62)

/* The outputs' levels are kept by the devices they drive (intr_level is
 * our copy, -1 until first driven). */
static const VMStateDescription vmstate_apic = {
    .name = TYPE_APIC,
    .version_id = 2,
    .minimum_version_id = 1,
    .post_load = apic_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(base, APICState),
        VMSTATE_UINT8_MAX(id, APICState, ID_MASK_XAPIC),
        VMSTATE_UINT8(tpr, APICState),
        VMSTATE_UINT32(ldr, APICState),
        VMSTATE_UINT32(dfr, APICState),
        VMSTATE_UINT32(svr, APICState),
        VMSTATE_UINT32_ARRAY(irr, APICState, 8),
        VMSTATE_UINT32_ARRAY(isr, APICState, 8),
        VMSTATE_UINT32_ARRAY(tmr, APICState, 8),
        VMSTATE_UINT32(esr, APICState),
        VMSTATE_UINT32(esr_pending, APICState),
        VMSTATE_UINT32(icr_lo, APICState),
        VMSTATE_UINT32(icr_hi, APICState),
        VMSTATE_UINT32_ARRAY(lvt, APICState, LVT_COUNT),
        VMSTATE_UINT32(timer_initial, APICState),
        VMSTATE_UINT32(timer_dcr, APICState),
        VMSTATE_INT64_RANGE(timer_start, APICState, -APIC_NS_LIMIT, APIC_NS_LIMIT),
        VMSTATE_BOOL_ARRAY(lint, APICState, 2),
        VMSTATE_BOOL_V(extint_msg, APICState, 2),
        VMSTATE_INT_RANGE(intr_level, APICState, -1, 1),
        VMSTATE_TIMER(timer, APICState),
        VMSTATE_END_OF_LIST()
    },
};

static void apic_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->desc = "P6-family local xAPIC: timer, LINT0/1, IPIs on the APIC bus";
    dc->vmsd = &vmstate_apic;
    dc->category = DEVICE_CATEGORY_INTC;
    dc->realize = apic_realize;
    dc->unrealize = apic_unrealize;
    dc->reset = apic_reset;
    device_class_set_props(dc, apic_properties);
    InterruptAckClass *iac = OBJECT_CLASS_CHECK(InterruptAckClass, klass, TYPE_INTERRUPT_ACK);
    iac->ack = apic_ack;
    LocalAPICClass *lac = OBJECT_CLASS_CHECK(LocalAPICClass, klass, TYPE_LOCAL_APIC_IF);
    lac->get_base = apic_get_base;
    lac->set_base = apic_set_base;
    APICBusClientClass *bcc = OBJECT_CLASS_CHECK(APICBusClientClass, klass,
                                                 TYPE_APIC_BUS_CLIENT);
    bcc->matches = apic_bus_matches;
    bcc->accept = apic_bus_accept;
    bcc->arb_priority = apic_bus_arb_priority;
}

static const TypeInfo apic_types[] = {
    {
        .name = TYPE_APIC,
        .parent = TYPE_SYS_BUS_DEVICE,
        .instance_size = sizeof(APICState),
        .instance_init = apic_init,
        .class_init = apic_class_init,
        .interfaces = (const InterfaceInfo[]) {
            { TYPE_INTERRUPT_ACK },
            { TYPE_LOCAL_APIC_IF },
            { TYPE_APIC_BUS_CLIENT },
            { NULL },
        },
    },
};

DEFINE_TYPES(apic_types)

CARDCAGE_PLUGIN(
    .name = "apic",
    .version = "1.0",
    .description = "the P6 family's local xAPIC",
    .license = "MIT",
);
