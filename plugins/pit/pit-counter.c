/*
 * One 8254 counter computed from its input clock (see pit-counter.h).
 *
 * Notation: k is the number of CLK pulses since the CE was loaded (k = 0 is
 * the load pulse, which does not decrement), n the count in the CE.  From
 * the datasheet's mode descriptions:
 *
 *   mode 0  CE = n - k (wrapping); OUT low until k = n, then high.
 *   mode 1  as mode 0, started by a GATE rising edge instead of the write.
 *   mode 2  CE = n - k mod n; OUT low for the one clock where CE = 1.
 *   mode 3  CE counts down by two; OUT high for ceil(n/2) clocks, low for
 *           floor(n/2) (the datasheet's "odd counts" paragraph).
 *   mode 4  CE = n - k (wrapping); OUT low for the one clock at k = n.
 *   mode 5  as mode 4, started by a GATE rising edge.
 *
 * SPDX-License-Identifier: MIT
 */
#include "pit-counter.h"

/* The CE wraps from 0 to its maximum: 16 bits, or four BCD decades. */
static int64_t ce_modulus(const PITCounter *c)
{
    return c->bcd ? 10000 : 65536;
}

/* A written count as the number of clocks it stands for: 0 is the
 * maximum, 2^16 in binary and 10^4 in BCD (datasheet, "Write Operations").
 * Nibbles above 9 in BCD are taken at face value; the result stays small. */
static uint32_t count_from_raw(const PITCounter *c, uint16_t raw)
{
    uint32_t n;
    if (c->bcd) {
        n = (raw >> 12) * 1000 + ((raw >> 8) & 15) * 100 + ((raw >> 4) & 15) * 10 + (raw & 15);
        return n ? n : 10000;
    }
    return raw ? raw : 65536;
}

static uint16_t encode_ce(const PITCounter *c, uint32_t v)
{
    if (!c->bcd) {
        return (uint16_t)v;
    }
    v %= 10000;
    return (uint16_t)((v / 1000) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | (v % 10));
}

/* Mode 3: clocks with OUT high in one cycle. */
static int64_t mode3_high(uint32_t n)
{
    return (n + 1) / 2;
}

/* Let a pending mid-count reload take effect once its tick has come. */
static void settle(PITCounter *c, int64_t tick)
{
    if (c->pending && tick >= c->pending_start) {
        c->pending = false;
        c->n = c->pending_n;
        c->phase = c->pending_phase;
        c->start = c->pending_start;
    }
}

/* Clocks since the load, or a negative number before it. */
static int64_t elapsed(const PITCounter *c, int64_t tick)
{
    return c->frozen ? c->frozen_k : tick - c->start;
}

static uint32_t ce_at(const PITCounter *c, int64_t k)
{
    int64_t n = c->n, v;
    switch (c->mode) {
    case 2:
        v = n - k % n;
        break;
    case 3: {
        int64_t p = (k + c->phase) % n, h = mode3_high(c->n);
        int64_t into = p < h ? p : p - h;
        v = (n & 1 ? n - 1 : n) - 2 * into;
        break;
    }
    default:
        v = (n - k) % ce_modulus(c);
        if (v < 0) {
            v += ce_modulus(c);
        }
        break;
    }
    return (uint32_t)(v % ce_modulus(c));
}

static bool out_at(const PITCounter *c, int64_t k)
{
    switch (c->mode) {
    case 0:
    case 1:
        return k >= c->n;
    case 2:
        return k % c->n != c->n - 1;
    case 3:
        return (k + c->phase) % c->n < mode3_high(c->n);
    default:            /* 4, 5 */
        return k != c->n;
    }
}

/* Clocks after k at which OUT next changes, or -1 for never. */
static int64_t next_change_after(const PITCounter *c, int64_t k)
{
    int64_t n = c->n;
    switch (c->mode) {
    case 0:
    case 1:
        return k < n ? n - k : -1;
    case 2: {
        if (n == 1) {
            return -1;  /* an illegal count (minimum 2): OUT stays low */
        }
        int64_t q = k % n;
        return q < n - 1 ? n - 1 - q : 1;
    }
    case 3: {
        int64_t h = mode3_high(c->n), p = (k + c->phase) % n;
        if (h == n) {
            return -1;  /* n = 1, illegal: OUT stays high */
        }
        return p < h ? h - p : n - p;
    }
    default:            /* 4, 5 */
        return k < n ? n - k : (k == n ? 1 : -1);
    }
}

/* The queries below work on a settled copy, so that they are pure
 * functions of the state and the tick: the device may ask about a tick in
 * the past (its timer runs late) after a later access settled the state. */
static PITCounter settled(const PITCounter *c, int64_t tick)
{
    PITCounter v = *c;
    settle(&v, tick);
    return v;
}

uint32_t pit_counter_value(const PITCounter *cs, int64_t tick)
{
    PITCounter v = settled(cs, tick), *c = &v;
    int64_t k = elapsed(c, tick);
    if (!c->loaded || k < 0) {
        return c->ce_hold;
    }
    return ce_at(c, k);
}

bool pit_counter_out(const PITCounter *cs, int64_t tick)
{
    PITCounter v = settled(cs, tick), *c = &v;
    if (!c->loaded) {
        return c->pre_out;
    }
    if (c->frozen && (c->mode == 2 || c->mode == 3)) {
        return true;    /* GATE low forces OUT high in modes 2 and 3 */
    }
    int64_t k = elapsed(c, tick);
    return k < 0 ? c->pre_out : out_at(c, k);
}

int64_t pit_counter_next_change(const PITCounter *cs, int64_t tick)
{
    PITCounter v = settled(cs, tick), *c = &v;
    int64_t when = PIT_NEVER;
    if (c->loaded && !c->frozen) {
        int64_t k = tick - c->start;
        if (k < 0) {
            if (out_at(c, 0) != c->pre_out) {
                when = c->start;
            } else {
                int64_t d = next_change_after(c, 0);
                when = d < 0 ? PIT_NEVER : c->start + d;
            }
        } else {
            int64_t d = next_change_after(c, k);
            when = d < 0 ? PIT_NEVER : tick + d;
        }
    }
    if (c->pending && c->pending_start < when) {
        when = c->pending_start;
    }
    return when;
}

/* ---- loading the CE ---- */

/* The CE takes n on the next CLK pulse (datasheet: "the initial count is
 * loaded on the next CLK pulse"), OUT keeping its level until then. */
static void load(PITCounter *c, uint32_t n, int64_t tick)
{
    c->ce_hold = pit_counter_value(c, tick);
    c->pre_out = pit_counter_out(c, tick);
    c->loaded = true;
    c->frozen = false;
    c->pending = false;
    c->n = n;
    c->phase = 0;
    c->start = tick + 1;
    c->null_until = tick + 1;
}

static void freeze(PITCounter *c, int64_t tick)
{
    if (c->loaded && !c->frozen) {
        int64_t k = tick - c->start;
        c->frozen_k = k < 0 ? 0 : k;
        c->frozen = true;
    }
}

/* Modes 2 and 3: a count written while counting is taken at the end of
 * the current period (mode 2) or half-cycle (mode 3). */
static void reload_at_cycle_end(PITCounter *c, uint32_t n, int64_t tick)
{
    int64_t k = tick - c->start;
    if (k < 0) {
        c->n = n;       /* the previous load has not happened yet */
        return;
    }
    int64_t d;
    uint32_t phase = 0;
    if (c->mode == 2) {
        d = c->n - k % c->n;
    } else {
        int64_t h = mode3_high(c->n), p = (k + c->phase) % c->n;
        if (p < h) {
            d = h - p;
            phase = (uint32_t)mode3_high(n);   /* the new count starts low */
        } else {
            d = c->n - p;
        }
    }
    c->pending = true;
    c->pending_n = n;
    c->pending_phase = phase;
    c->pending_start = tick + d;
    c->null_until = c->pending_start;
}

static void write_count(PITCounter *c, uint16_t raw, int64_t tick)
{
    uint32_t n = count_from_raw(c, raw);
    settle(c, tick);
    c->cr = n;
    c->cr_valid = true;
    c->null_until = PIT_NEVER;
    switch (c->mode) {
    case 0:
        /* OUT goes low at once; the count loads on the next clock. */
        c->loaded = false;
        c->pre_out = false;
        /* fall through */
    case 4:
        load(c, n, tick);
        if (!c->gate) {
            freeze(c, c->start);
        }
        break;
    case 1:
    case 5:
        break;          /* taken at the next GATE trigger */
    default:            /* 2, 3 */
        if (!c->loaded) {
            load(c, n, tick);
            if (!c->gate) {
                freeze(c, c->start);
            }
        } else if (!c->frozen) {
            reload_at_cycle_end(c, n, tick);
        }
        /* frozen: taken when GATE rises */
        break;
    }
}

/* ---- guest accesses ---- */

void pit_counter_reset(PITCounter *c, bool gate)
{
    *c = (PITCounter) {
        .rw = 3,
        .gate = gate,
        .null_until = PIT_NEVER,
    };
}

void pit_counter_write_control(PITCounter *c, uint8_t val, int64_t tick)
{
    uint32_t ce = pit_counter_value(c, tick);
    bool gate = c->gate;
    pit_counter_reset(c, gate);
    c->rw = (val >> 4) & 3;
    c->ctrl_mode = (val >> 1) & 7;
    c->mode = c->ctrl_mode > 5 ? c->ctrl_mode - 4 : c->ctrl_mode;
    c->bcd = val & 1;
    /* "When a Control Word is written to a Counter, all Control Logic is
     * immediately reset and OUT goes to a known initial state": low in
     * mode 0, high otherwise.  The CE keeps whatever it held. */
    c->ce_hold = (uint32_t)(ce % ce_modulus(c));
    c->pre_out = c->mode != 0;
}

void pit_counter_latch_count(PITCounter *c, int64_t tick)
{
    if (c->latch_state) {
        return;         /* an unread latched count stays (datasheet, Counter Latch) */
    }
    c->latched_count = encode_ce(c, pit_counter_value(c, tick));
    c->latch_state = c->rw;
}

void pit_counter_latch_status(PITCounter *c, int64_t tick)
{
    if (c->status_latched) {
        return;
    }
    /* Status byte (datasheet, Read-Back Command): OUT, NULL COUNT, RW1 RW0,
     * M2 M1 M0, BCD. */
    c->latched_status = (uint8_t)(pit_counter_out(c, tick) << 7 | (tick < c->null_until) << 6 |
                                  c->rw << 4 | c->ctrl_mode << 1 | c->bcd);
    c->status_latched = true;
}

void pit_counter_write(PITCounter *c, uint8_t val, int64_t tick)
{
    switch (c->rw) {
    case 1:
        write_count(c, val, tick);
        break;
    case 2:
        write_count(c, (uint16_t)(val << 8), tick);
        break;
    default:
        if (!c->write_msb_next) {
            c->write_lsb = val;
            c->write_msb_next = true;
            if (c->mode == 0) {
                /* Mode 0: "writing the first byte disables counting" and
                 * sets OUT low at once. */
                c->ce_hold = pit_counter_value(c, tick);
                c->loaded = false;
                c->pending = false;
                c->pre_out = false;
            }
        } else {
            c->write_msb_next = false;
            write_count(c, (uint16_t)(c->write_lsb | val << 8), tick);
        }
        break;
    }
}

uint8_t pit_counter_read(PITCounter *c, int64_t tick)
{
    if (c->status_latched) {
        c->status_latched = false;
        return c->latched_status;
    }
    if (c->latch_state) {
        uint16_t v = c->latched_count;
        switch (c->latch_state) {
        case 1:
            c->latch_state = 0;
            return v & 0xff;
        case 2:
            c->latch_state = 0;
            return v >> 8;
        default:
            c->latch_state = 2;
            return v & 0xff;
        }
    }
    uint16_t v = encode_ce(c, pit_counter_value(c, tick));
    switch (c->rw) {
    case 1:
        return v & 0xff;
    case 2:
        return v >> 8;
    default:
        c->read_msb_next = !c->read_msb_next;
        return c->read_msb_next ? v & 0xff : v >> 8;
    }
}

void pit_counter_set_gate(PITCounter *c, bool level, int64_t tick)
{
    if (level == c->gate) {
        return;
    }
    settle(c, tick);
    c->gate = level;
    switch (c->mode) {
    case 0:
    case 4:
        /* GATE low suspends counting; high resumes where it stood. */
        if (!level) {
            freeze(c, tick);
        } else if (c->loaded && c->frozen) {
            c->start = tick - c->frozen_k;
            c->frozen = false;
        }
        break;
    case 1:
    case 5:
        /* A rising edge triggers: the CE takes the count register. */
        if (level && c->cr_valid) {
            load(c, c->cr, tick);
        }
        break;
    default:            /* 2, 3 */
        if (!level) {
            /* OUT high at once, counting stops; a count written before
             * the end of the cycle is taken at the next rising edge. */
            freeze(c, tick);
            if (c->pending) {
                c->pending = false;
                c->null_until = PIT_NEVER;
            }
        } else if (c->cr_valid) {
            load(c, c->cr, tick);   /* OUT stays high until the cycle runs */
        }
        break;
    }
}
