/*
 * Unit tests of the i8254 PIT: each mode's OUT waveform and counts over
 * virtual time, latching and read-back, BCD, byte sequencing, counter 2's
 * gate through port 0x61, reprogramming while counting, and counter 0's
 * interrupt edges at the right virtual times.
 *
 * Expected values come from the Intel 8254 datasheet's mode descriptions
 * (see pit-counter.c for the notation): a count written at tick T is loaded
 * at T + 1 and the CE then decrements once per tick.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "harness.h"
#include "timer/clock-internal.h"
#include "pit-counter.h"

#define CTRL 0x43

static DeviceState *pit;

/* Counter 0's interrupt line, with the tick of every change. */
typedef struct EdgeLog {
    int level;
    int count;
    int64_t tick[256];
    int64_t ns[256];
    int to[256];
} EdgeLog;

static EdgeLog edges;

static int64_t now_tick(void)
{
    return pit_tick_at(harness_now_ns());
}

static void edge_handler(void *opaque, int n, int level)
{
    EdgeLog *e = opaque;
    level = level != 0;
    if (level != e->level && e->count < 256) {
        e->tick[e->count] = now_tick();
        e->ns[e->count] = harness_now_ns();
        e->to[e->count] = level;
        e->count++;
    }
    e->level = level;
}

static void goto_tick(int64_t t)
{
    int64_t target = pit_ns_of_tick(t);
    assert_true(target >= harness_now_ns());
    harness_advance_ns(target - harness_now_ns());
    assert_int_equal(now_tick(), t);
}

/* Move to the start of the next tick and return it. */
static int64_t fresh_tick(void)
{
    int64_t t = now_tick() + 1;
    goto_tick(t);
    return t;
}

static void write16(uint16_t port, uint16_t v)
{
    cpu_outb(port, v & 0xff);
    cpu_outb(port, v >> 8);
}

/* At the start of a fresh tick, write a control word and a count (LSB then
 * MSB) to the counter it selects; forget the edges so far.  Returns the
 * tick of the writes. */
static int64_t start_counter(uint8_t control, uint16_t count)
{
    int64_t t = fresh_tick();
    cpu_outb(CTRL, control);
    write16(0x40 + (control >> 6), count);
    edges.count = 0;
    return t;
}

/* Counter Latch Command, then LSB and MSB (counters in LSB-then-MSB mode). */
static unsigned latch_read(int ch)
{
    cpu_outb(CTRL, (uint8_t)(ch << 6));
    unsigned lo = cpu_inb(0x40 + ch);
    return lo | cpu_inb(0x40 + ch) << 8;
}

static unsigned status_of(int ch)
{
    cpu_outb(CTRL, 0xe0 | (2 << ch));   /* read-back, status only */
    return cpu_inb(0x40 + ch);
}

static bool out2(void)
{
    return cpu_inb(0x61) & 0x20;
}

static int group_setup(void **state)
{
    harness_load_plugin("pit");
    /* The waveform to the clock: no minimum period on the line. */
    pit = harness_create("i8254", "pit", NULL, (const char *[]){ "min-period-ns=0", NULL });
    Error *err = NULL;
    IRQState *in = irq_allocate(edge_handler, &edges, 0);
    if (!device_connect_gpio_out_named(pit, "irq", 0, in, &err)) {
        fail_msg("%s", error_get_pretty(err));
    }
    return 0;
}

static int setup(void **state)
{
    device_cold_reset(pit);
    memset(&edges, 0, sizeof(edges));
    return 0;
}

static void assert_edge(int i, int64_t tick, int to)
{
    assert_true(edges.count > i);
    assert_int_equal(edges.tick[i], tick);
    assert_int_equal(edges.ns[i], pit_ns_of_tick(tick));   /* at the edge, not later */
    assert_int_equal(edges.to[i], to);
}

/* ---- the modes on counter 0 ---- */

static void test_mode0_interrupt_on_terminal_count(void **state)
{
    int64_t t = fresh_tick();
    cpu_outb(CTRL, 0x30);               /* counter 0, LSB then MSB, mode 0 */
    assert_int_equal(edges.level, 0);   /* OUT low after the control word */
    write16(0x40, 100);
    goto_tick(t + 1);
    assert_int_equal(latch_read(0), 100);   /* loaded, not yet decremented */
    goto_tick(t + 51);
    assert_int_equal(latch_read(0), 50);
    goto_tick(t + 100);
    assert_int_equal(latch_read(0), 1);
    assert_int_equal(edges.count, 0);
    goto_tick(t + 101);                 /* N + 1 clocks after the write */
    assert_int_equal(edges.count, 1);
    assert_edge(0, t + 101, 1);
    goto_tick(t + 102);
    assert_int_equal(latch_read(0), 0xffff);    /* the CE wraps and goes on */
    harness_advance_ns(200 * 1000 * 1000);
    assert_int_equal(edges.count, 1);           /* OUT stays high */
    assert_int_equal(edges.level, 1);
    /* Nothing observable is left to happen: no timer stays armed. */
    assert_int_equal(timers_deadline_ns(CC_CLOCK_VIRTUAL), -1);
}

static void test_mode2_rate_generator_edges(void **state)
{
    int64_t t = fresh_tick();
    cpu_outb(CTRL, 0x34);               /* counter 0, mode 2 */
    assert_int_equal(edges.level, 1);   /* high after the control word */
    write16(0x40, 10);
    goto_tick(t + 1);
    assert_int_equal(latch_read(0), 10);
    goto_tick(t + 5);
    assert_int_equal(latch_read(0), 6);
    goto_tick(t + 10);
    assert_int_equal(latch_read(0), 1);
    assert_int_equal(edges.level, 0);   /* low while the CE is 1 */
    goto_tick(t + 11);
    assert_int_equal(latch_read(0), 10);    /* reloaded */
    goto_tick(t + 45);
    /* Low for one clock at the end of every 10-clock period (the first
     * edge is the control word's rise). */
    assert_int_equal(edges.count, 9);
    assert_edge(0, t, 1);
    for (int p = 0; p < 4; p++) {
        assert_edge(1 + 2 * p, t + 10 + 10 * p, 0);
        assert_edge(2 + 2 * p, t + 11 + 10 * p, 1);
    }
}

static void test_mode3_square_wave_even_and_odd(void **state)
{
    int64_t t = start_counter(0x36, 10);   /* counter 0, mode 3 */
    /* Even count: CE counts 10, 8, .. 2 in each half, OUT high then low. */
    static const unsigned even[10] = { 10, 8, 6, 4, 2, 10, 8, 6, 4, 2 };
    for (int k = 0; k < 10; k++) {
        goto_tick(t + 1 + k);
        assert_int_equal(latch_read(0), even[k]);
        assert_int_equal(edges.level, k < 5);
    }
    goto_tick(t + 31);
    assert_int_equal(edges.count, 6);
    for (int p = 0; p < 3; p++) {
        assert_edge(2 * p, t + 6 + 10 * p, 0);
        assert_edge(2 * p + 1, t + 11 + 10 * p, 1);
    }

    /* Odd count 9: high for 5 clocks (CE 8, 6, 4, 2, 0), low for 4. */
    t = start_counter(0x36, 9);
    static const unsigned odd[9] = { 8, 6, 4, 2, 0, 8, 6, 4, 2 };
    for (int k = 0; k < 9; k++) {
        goto_tick(t + 1 + k);
        assert_int_equal(latch_read(0), odd[k]);
        assert_int_equal(edges.level, k < 5);
    }
    goto_tick(t + 1 + 18);
    assert_int_equal(edges.count, 4);
    assert_edge(0, t + 6, 0);
    assert_edge(1, t + 10, 1);
    assert_edge(2, t + 15, 0);
    assert_edge(3, t + 19, 1);
}

static void test_mode4_software_strobe(void **state)
{
    int64_t t = start_counter(0x38, 10);   /* counter 0, mode 4 */
    goto_tick(t + 30);
    assert_int_equal(edges.count, 2);
    assert_edge(0, t + 11, 0);          /* low for the clock at CE = 0 */
    assert_edge(1, t + 12, 1);
    assert_int_equal(latch_read(0), (10 - 29) & 0xffff);
    /* A new count restarts it: loaded on the next clock. */
    int64_t w = now_tick();
    write16(0x40, 3);
    goto_tick(w + 10);
    assert_int_equal(edges.count, 4);
    assert_edge(2, w + 4, 0);
    assert_edge(3, w + 5, 1);
}

static void test_count_zero_is_65536(void **state)
{
    int64_t t = start_counter(0x34, 0);
    goto_tick(t + 1);
    assert_int_equal(latch_read(0), 0);         /* 65536 reads as 0 */
    goto_tick(t + 2);
    assert_int_equal(latch_read(0), 0xffff);
    harness_advance_ns(60 * 1000 * 1000);       /* past one period (54.9 ms) */
    assert_int_equal(edges.count, 2);
    assert_edge(0, t + 65536, 0);
    assert_edge(1, t + 65537, 1);
    /* The period in time: 65536 / 1193182 Hz. */
    int64_t period_ns = pit_ns_of_tick(t + 65537) - pit_ns_of_tick(t + 1);
    assert_true(period_ns >= 54925000 && period_ns <= 54926000);
}

/* ---- reading and writing ---- */

static void test_bcd_counting(void **state)
{
    int64_t t = fresh_tick();
    cpu_outb(CTRL, 0x31);               /* counter 0, mode 0, BCD */
    write16(0x40, 0x0100);              /* 100 decimal */
    goto_tick(t + 2);
    assert_int_equal(latch_read(0), 0x0099);
    goto_tick(t + 101);
    assert_int_equal(edges.count, 1);
    assert_edge(0, t + 101, 1);
    goto_tick(t + 102);
    assert_int_equal(latch_read(0), 0x9999);    /* wraps through 0 to 9999 */

    t = fresh_tick();
    cpu_outb(CTRL, 0x31);
    write16(0x40, 0);                   /* 0 is 10^4 in BCD */
    goto_tick(t + 2);
    assert_int_equal(latch_read(0), 0x9999);
    goto_tick(t + 1 + 1234);
    assert_int_equal(latch_read(0), 0x8766);
}

static void test_lsb_only_msb_only_and_sequencing(void **state)
{
    int64_t t = fresh_tick();
    cpu_outb(CTRL, 0x10);               /* counter 0, LSB only, mode 0 */
    cpu_outb(0x40, 0x20);               /* count 0x0020 */
    goto_tick(t + 5);
    assert_int_equal(cpu_inb(0x40), 0x20 - 4);
    assert_int_equal(cpu_inb(0x40), 0x20 - 4); /* every read is the LSB */
    goto_tick(t + 33);
    assert_int_equal(edges.count, 1);
    assert_edge(0, t + 33, 1);

    t = fresh_tick();
    cpu_outb(CTRL, 0x20);               /* MSB only */
    cpu_outb(0x40, 0x02);               /* count 0x0200 */
    goto_tick(t + 1 + 0x100);
    assert_int_equal(cpu_inb(0x40), 0x01);     /* CE 0x0100: MSB */

    /* LSB then MSB: unlatched reads alternate; reads and writes keep
     * separate byte pointers (datasheet, "Read Operations"). */
    t = fresh_tick();
    cpu_outb(CTRL, 0x30);
    write16(0x40, 0x1234);
    goto_tick(t + 1);
    assert_int_equal(cpu_inb(0x40), 0x34);
    cpu_outb(0x40, 0x78);               /* LSB of a new count */
    assert_int_equal(cpu_inb(0x40), 0x12);
    t = now_tick();
    cpu_outb(0x40, 0x56);               /* MSB: count 0x5678 loads */
    goto_tick(t + 1);
    assert_int_equal(latch_read(0), 0x5678);
}

static void test_mode0_first_byte_stops_counting(void **state)
{
    int64_t t = fresh_tick();
    cpu_outb(CTRL, 0x30);
    write16(0x40, 20);
    goto_tick(t + 5);
    assert_int_equal(latch_read(0), 16);
    cpu_outb(0x40, 50);                 /* LSB only: counting stops */
    goto_tick(t + 40);
    assert_int_equal(latch_read(0), 16);
    assert_int_equal(edges.count, 0);   /* the old TC (t + 21) never came */
    int64_t w = now_tick();
    cpu_outb(0x40, 0);                  /* MSB: count 50 loads */
    goto_tick(w + 60);
    assert_int_equal(edges.count, 1);
    assert_edge(0, w + 51, 1);
}

static void test_latch_holds_value(void **state)
{
    int64_t t = fresh_tick();
    cpu_outb(CTRL, 0x34);
    write16(0x40, 1000);
    goto_tick(t + 11);
    cpu_outb(CTRL, 0x00);               /* latch: CE = 990 */
    goto_tick(t + 200);
    cpu_outb(CTRL, 0x00);               /* ignored: a count is latched */
    assert_int_equal(cpu_inb(0x40), 990 & 0xff);
    goto_tick(t + 300);
    assert_int_equal(cpu_inb(0x40), 990 >> 8);
    /* Read out: the next read is live again (LSB, since the live byte
     * pointer did not move). */
    assert_int_equal(cpu_inb(0x40), (1000 - 299) & 0xff);
    /* A control word drops an unread latch. */
    cpu_outb(CTRL, 0x00);
    cpu_outb(CTRL, 0x34);
    write16(0x40, 7);
    goto_tick(now_tick() + 1);
    assert_int_equal(latch_read(0), 7);
}

static void test_read_back_status_and_count(void **state)
{
    int64_t t = fresh_tick();
    cpu_outb(CTRL, 0x34);
    /* OUT high, null count (nothing loaded), LSB/MSB, mode 2, binary. */
    assert_int_equal(status_of(0), 0x80 | 0x40 | 0x30 | 0x04);
    write16(0x40, 100);
    assert_int_equal(status_of(0), 0xf4);       /* still null until the load */
    goto_tick(t + 1);
    assert_int_equal(status_of(0), 0xb4);
    goto_tick(t + 10);                  /* CE = 91 */
    /* Count and status together: status first, then the count. */
    cpu_outb(CTRL, 0xc2);
    goto_tick(t + 50);
    assert_int_equal(cpu_inb(0x40), 0xb4);
    assert_int_equal(cpu_inb(0x40), 91);
    assert_int_equal(cpu_inb(0x40), 0);
    /* A second status latch before reading is ignored. */
    goto_tick(t + 100);                 /* OUT low: CE = 1 */
    cpu_outb(CTRL, 0xe2);
    goto_tick(t + 101);
    cpu_outb(CTRL, 0xe2);
    assert_int_equal(cpu_inb(0x40), 0x34);      /* OUT 0 from the first */
    /* Read-back of all three: each counter gets its own latch. */
    cpu_outb(CTRL, 0xb6);               /* counter 2, mode 3, binary */
    cpu_outb(CTRL, 0x7a);               /* counter 1, mode 5 */
    cpu_outb(CTRL, 0xce);
    assert_int_equal(cpu_inb(0x41) & 0x3f, 0x3a);
    assert_int_equal(cpu_inb(0x42) & 0x3f, 0x36);
    /* Mode 6 is reported as written and counts as mode 2. */
    t = fresh_tick();
    cpu_outb(CTRL, 0x3c);
    write16(0x40, 4);
    goto_tick(t + 4);
    assert_int_equal(status_of(0), 0x3c);      /* OUT low at CE = 1 */
    goto_tick(t + 5);
    assert_int_equal(status_of(0), 0xbc);
}

static void test_control_port_reads_float(void **state)
{
    assert_int_equal(cpu_inb(CTRL), 0xff);
    cpu_outb(CTRL, 0x34);
    assert_int_equal(cpu_inb(CTRL), 0xff);
}

/* ---- reprogramming while counting ---- */

static void test_mode2_new_count_at_end_of_period(void **state)
{
    int64_t t = start_counter(0x34, 10);
    goto_tick(t + 4);
    write16(0x40, 20);
    assert_int_equal(status_of(0) & 0x40, 0x40);    /* null count until taken */
    goto_tick(t + 10);
    assert_int_equal(latch_read(0), 1);             /* the old period runs out */
    goto_tick(t + 11);
    assert_int_equal(status_of(0) & 0x40, 0);
    assert_int_equal(latch_read(0), 20);
    goto_tick(t + 60);
    assert_int_equal(edges.count, 6);
    assert_edge(0, t + 10, 0);
    assert_edge(1, t + 11, 1);
    assert_edge(2, t + 30, 0);
    assert_edge(3, t + 31, 1);
    assert_edge(4, t + 50, 0);
    assert_edge(5, t + 51, 1);
}

static void test_mode3_new_count_at_end_of_half_cycle(void **state)
{
    int64_t t = start_counter(0x36, 10);
    goto_tick(t + 3);
    write16(0x40, 20);
    goto_tick(t + 30);
    /* The high half (5 clocks) completes, then the new count's low half
     * (10 clocks), then its high half. */
    assert_int_equal(edges.count, 3);
    assert_edge(0, t + 6, 0);
    assert_edge(1, t + 16, 1);
    assert_edge(2, t + 26, 0);
}

static void test_mode0_new_count_restarts(void **state)
{
    int64_t t = fresh_tick();
    cpu_outb(CTRL, 0x30);
    write16(0x40, 100);
    goto_tick(t + 50);
    int64_t w = now_tick();
    write16(0x40, 10);
    goto_tick(t + 150);
    assert_int_equal(edges.count, 1);
    assert_edge(0, w + 11, 1);
}

/* ---- counter 2 through port 0x61 ---- */

static void test_port61_bits(void **state)
{
    cpu_outb(0x61, 0xff);
    uint8_t v = cpu_inb(0x61);
    assert_int_equal(v & 0x0f, 0x0f);           /* writable bits */
    assert_int_equal(v & 0xc0, 0);              /* no NMI source */
    cpu_outb(0x61, 0x02);
    assert_int_equal(cpu_inb(0x61) & 0x0f, 0x02);
    /* Bit 4 toggles every 18 clocks. */
    int64_t t = fresh_tick();
    int64_t base = t - t % 18 + 18;
    goto_tick(base);
    int first = cpu_inb(0x61) & 0x10;
    goto_tick(base + 17);
    assert_int_equal(cpu_inb(0x61) & 0x10, first);
    goto_tick(base + 18);
    assert_int_equal(cpu_inb(0x61) & 0x10, first ^ 0x10);
}

static void test_gate2_mode0_suspends(void **state)
{
    cpu_outb(0x61, 0x00);               /* gate low */
    int64_t t = fresh_tick();
    cpu_outb(CTRL, 0xb0);               /* counter 2, mode 0 */
    write16(0x42, 10);
    goto_tick(t + 100);
    assert_false(out2());
    assert_int_equal(latch_read(2), 10);        /* loaded, not counting */
    int64_t g = now_tick();
    cpu_outb(0x61, 0x01);
    goto_tick(g + 4);
    assert_int_equal(latch_read(2), 6);
    cpu_outb(0x61, 0x00);               /* pause at 6 */
    goto_tick(g + 500);
    assert_int_equal(latch_read(2), 6);
    assert_false(out2());
    int64_t r = now_tick();
    cpu_outb(0x61, 0x01);
    goto_tick(r + 5);
    assert_false(out2());
    goto_tick(r + 6);
    assert_true(out2());
}

static void test_gate2_mode1_one_shot_retrigger(void **state)
{
    cpu_outb(0x61, 0x00);
    cpu_outb(CTRL, 0xb2);               /* counter 2, mode 1 */
    write16(0x42, 5);
    harness_advance_ns(10000);
    assert_true(out2());                /* waits for a trigger */
    int64_t g = fresh_tick();
    cpu_outb(0x61, 0x01);               /* rising edge */
    assert_true(out2());
    goto_tick(g + 1);
    assert_false(out2());
    goto_tick(g + 3);
    cpu_outb(0x61, 0x00);
    cpu_outb(0x61, 0x01);               /* retrigger at g + 3 */
    goto_tick(g + 8);
    assert_false(out2());               /* the first shot would have ended at g + 6 */
    goto_tick(g + 9);
    assert_true(out2());
    /* A new count waits for the next trigger. */
    write16(0x42, 2);
    goto_tick(g + 50);
    assert_true(out2());
    assert_int_equal(status_of(2) & 0x40, 0x40);
    int64_t h = now_tick();
    cpu_outb(0x61, 0x00);
    cpu_outb(0x61, 0x01);
    goto_tick(h + 2);
    assert_false(out2());
    goto_tick(h + 3);
    assert_true(out2());
}

static void test_gate2_mode2_and_mode5(void **state)
{
    cpu_outb(0x61, 0x01);
    int64_t t = fresh_tick();
    cpu_outb(CTRL, 0xb4);               /* counter 2, mode 2 */
    write16(0x42, 8);
    goto_tick(t + 8);
    assert_false(out2());               /* CE = 1 */
    cpu_outb(0x61, 0x00);
    assert_true(out2());                /* gate low forces OUT high */
    goto_tick(t + 100);
    assert_true(out2());
    int64_t g = now_tick();
    cpu_outb(0x61, 0x01);               /* restart: reload on the next clock */
    goto_tick(g + 1);
    assert_int_equal(latch_read(2), 8);
    goto_tick(g + 8);
    assert_false(out2());
    goto_tick(g + 9);
    assert_true(out2());

    cpu_outb(0x61, 0x00);
    cpu_outb(CTRL, 0xba);               /* counter 2, mode 5 */
    write16(0x42, 4);
    goto_tick(now_tick() + 20);
    assert_true(out2());
    g = now_tick();
    cpu_outb(0x61, 0x01);
    goto_tick(g + 4);
    assert_true(out2());
    goto_tick(g + 5);
    assert_false(out2());               /* strobe at CE = 0 */
    goto_tick(g + 6);
    assert_true(out2());
}

/* What Linux's PIT calibration does: gate counter 2 on, speaker off, mode
 * 0 with a 50 ms count, then poll OUT2 in port 0x61. */
static void test_linux_style_calibration(void **state)
{
    enum { LATCH = 1193182 / 20 };
    cpu_outb(0x61, (cpu_inb(0x61) & ~0x02) | 0x01);
    int64_t t = fresh_tick();
    cpu_outb(CTRL, 0xb0);
    write16(0x42, LATCH);
    int64_t polls = 0;
    while (!out2()) {
        harness_advance_ns(1000);
        polls++;
        assert_true(polls < 100000);
    }
    /* OUT2 rose LATCH + 1 clocks after the write: 50 ms give or take a
     * poll interval. */
    int64_t rose = now_tick();
    assert_true(rose >= t + LATCH + 1 && rose <= t + LATCH + 3);
    assert_true(harness_now_ns() - pit_ns_of_tick(t) >= 49999000);
    assert_true(harness_now_ns() - pit_ns_of_tick(t) <= 50002000);
    /* Counter 2 has no interrupt: no timer runs for it. */
    cpu_outb(CTRL, 0xb6);
    write16(0x42, 2);
    assert_int_equal(timers_deadline_ns(CC_CLOCK_VIRTUAL), -1);
}

/* Run every timer that is due, as the main loop would over several turns. */
static void run_due_timers(void)
{
    for (int i = 0; i < 1000 && timers_run_expired(CC_CLOCK_VIRTUAL); i++) {
    }
}

static void test_late_timer_loses_no_edge(void **state)
{
    int64_t t = start_counter(0x34, 10);        /* mode 2: low one clock in ten */
    /* The host falls behind: time jumps 35 clocks with no timer run. */
    clock_icount_warp(pit_ns_of_tick(t + 35) - harness_now_ns());
    run_due_timers();
    /* Every one-clock pulse still reached the line, late but in order. */
    assert_int_equal(edges.count, 6);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(edges.to[i], i & 1);
    }
    assert_int_equal(edges.level, 1);
    /* And the waveform goes on at its own times. */
    goto_tick(t + 51);
    assert_int_equal(edges.count, 10);
    assert_edge(6, t + 40, 0);
    assert_edge(7, t + 41, 1);
    assert_edge(8, t + 50, 0);
    assert_edge(9, t + 51, 1);

    /* Far behind (over 100 ms), the line skips ahead instead of replaying
     * thousands of edges. */
    t = start_counter(0x34, 100);
    clock_icount_warp(pit_ns_of_tick(t + 1193182 / 5) - harness_now_ns());
    run_due_timers();
    assert_true(edges.count <= 4);
    int64_t k = now_tick() - (t + 1);
    int64_t next_fall = t + 1 + (k / 100 + 1) * 100 - 1;
    int before = edges.count;
    goto_tick(next_fall + 1);
    assert_int_equal(edges.count, before + 2);
    assert_edge(before, next_fall, 0);
    assert_edge(before + 1, next_fall + 1, 1);
}

/* Linux's tickless PIT clock event is mode 4 (control word 0x38): one
 * strobe per programmed count.  A host that falls far behind (over the
 * 100 ms after which periodic edges are skipped) must still deliver it,
 * or the guest waits for that interrupt for ever. */
static void test_late_one_shot_strobe_is_delivered(void **state)
{
    int64_t t = start_counter(0x38, 100);       /* mode 4 */
    clock_icount_warp(pit_ns_of_tick(t + 1193182 / 4) - harness_now_ns());
    run_due_timers();
    assert_int_equal(edges.count, 2);
    assert_int_equal(edges.to[0], 0);
    assert_int_equal(edges.to[1], 1);
    assert_int_equal(edges.level, 1);
    /* Nothing more until the guest writes a new count. */
    goto_tick(now_tick() + 1000);
    assert_int_equal(edges.count, 2);

    /* Mode 0's terminal count, as late, still raises the line. */
    t = start_counter(0x30, 100);
    int before = edges.count;
    clock_icount_warp(pit_ns_of_tick(t + 1193182 / 4) - harness_now_ns());
    run_due_timers();
    assert_int_equal(edges.level, 1);
    assert_int_equal(edges.to[edges.count - 1], 1);
    assert_true(edges.count > before);
}

static void test_reset_stops_counter0(void **state)
{
    cpu_outb(CTRL, 0x34);
    write16(0x40, 100);
    harness_advance_ns(1000000);
    assert_true(edges.count > 0);
    device_cold_reset(pit);
    assert_int_equal(edges.level, 0);
    assert_int_equal(timers_deadline_ns(CC_CLOCK_VIRTUAL), -1);
    int before = edges.count;
    harness_advance_ns(100000000);
    assert_int_equal(edges.count, before);
}

/* The "enable" input (an HPET's legacy replacement route takes IRQ0
 * over): low holds the line low and arms no timer while the counter goes
 * on counting; high again gives the line back to OUT. */
static void test_enable_input_holds_line_low(void **state)
{
    IRQState *enable = device_get_gpio_in_named(pit, "enable", 0);
    int64_t t = fresh_tick();
    cpu_outb(CTRL, 0x34);               /* counter 0, mode 2 */
    write16(0x40, 10);
    goto_tick(t + 25);
    assert_int_equal(edges.count, 5);   /* the rise, then two periods */
    irq_set(enable, 0);
    assert_edge(5, t + 25, 0);
    assert_int_equal(timers_deadline_ns(CC_CLOCK_VIRTUAL), -1);
    goto_tick(t + 103);
    assert_int_equal(edges.count, 6);
    assert_int_equal(latch_read(0), 8);     /* still counting */
    irq_set(enable, 1);
    assert_edge(6, t + 103, 1);         /* OUT is high: the line follows */
    goto_tick(t + 111);
    assert_edge(7, t + 110, 0);
    assert_edge(8, t + 111, 1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup(fn, setup)
    const struct CMUnitTest tests[] = {
        T(test_mode0_interrupt_on_terminal_count),
        T(test_mode2_rate_generator_edges),
        T(test_mode3_square_wave_even_and_odd),
        T(test_mode4_software_strobe),
        T(test_count_zero_is_65536),
        T(test_bcd_counting),
        T(test_lsb_only_msb_only_and_sequencing),
        T(test_mode0_first_byte_stops_counting),
        T(test_latch_holds_value),
        T(test_read_back_status_and_count),
        T(test_control_port_reads_float),
        T(test_mode2_new_count_at_end_of_period),
        T(test_mode3_new_count_at_end_of_half_cycle),
        T(test_mode0_new_count_restarts),
        T(test_port61_bits),
        T(test_gate2_mode0_suspends),
        T(test_gate2_mode1_one_shot_retrigger),
        T(test_gate2_mode2_and_mode5),
        T(test_linux_style_calibration),
        T(test_late_timer_loses_no_edge),
        T(test_late_one_shot_strobe_is_delivered),
        T(test_reset_stops_counter0),
        T(test_enable_input_holds_line_low),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
