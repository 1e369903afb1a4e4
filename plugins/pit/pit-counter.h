/*
 * One counter of an Intel 8254, as a pure function of its input clock.
 *
 * The counter is not ticked.  Time is the index of the last CLK rising edge
 * (a "tick"; the PC feeds 1.193182 MHz), and the counting element (CE) and
 * OUT are computed from the number of clocks since the CE was loaded.  The
 * device (pit.c) turns virtual-clock nanoseconds into ticks and asks when
 * OUT next changes, to arm a timer only where an interrupt depends on it.
 *
 * Datasheet references are to the Intel 8254 Programmable Interval Timer
 * datasheet (order number 231164), "Operation" and "Modes" sections.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef PIT_COUNTER_H
#define PIT_COUNTER_H

#include <stdbool.h>
#include <stdint.h>

/* No further OUT change (returned by pit_counter_next_change). */
#define PIT_NEVER INT64_MAX

/* The PC's counter input clock: 14.31818 MHz / 12 (IBM PC Technical
 * Reference, system board timer). */
#define PIT_FREQ_HZ 1193182u
#define PIT_NS_PER_S 1000000000u

/* The last CLK edge at or before time ns (ticks count from time 0). */
static inline int64_t pit_tick_at(int64_t ns)
{
    if (ns <= 0) {
        return 0;
    }
    return (int64_t)((unsigned __int128)ns * PIT_FREQ_HZ / PIT_NS_PER_S);
}

/* The time of CLK edge `tick`, rounded up so that pit_tick_at gives tick
 * back. */
static inline int64_t pit_ns_of_tick(int64_t tick)
{
    unsigned __int128 p = (unsigned __int128)tick * PIT_NS_PER_S;
    return (int64_t)((p + PIT_FREQ_HZ - 1) / PIT_FREQ_HZ);
}

typedef struct PITCounter {
    /* Programming, from the last control word. */
    uint8_t ctrl_mode;      /* M2..M0 as written, reported in the status byte */
    uint8_t mode;           /* effective mode 0..5 (modes 6/7 are 2/3) */
    uint8_t rw;             /* RW1..RW0: 1 LSB only, 2 MSB only, 3 LSB then MSB */
    bool bcd;

    /* Access state. */
    bool write_msb_next;    /* rw 3: the next write is the MSB */
    uint8_t write_lsb;      /* rw 3: the LSB waiting for its MSB */
    bool read_msb_next;     /* rw 3: the next unlatched read returns the MSB */
    uint8_t latch_state;    /* 0 none, 1 LSB then done, 2 MSB then done, 3 LSB, MSB */
    uint16_t latched_count;
    bool status_latched;
    uint8_t latched_status;

    /* The count register: the last complete count written. */
    uint32_t cr;            /* 1..65536 binary, 1..10000 BCD (0 means the maximum) */
    bool cr_valid;

    /* The counting element. */
    bool gate;
    bool loaded;            /* the CE holds (or is about to take) a count */
    bool frozen;            /* counting suspended: k stands at frozen_k */
    int64_t frozen_k;
    uint32_t n;             /* the count in the CE */
    uint32_t phase;         /* mode 3: clocks into the cycle at k = 0 */
    int64_t start;          /* tick at which the CE took n (k = 0) */
    uint32_t ce_hold;       /* CE value before the load (k < 0) or with nothing loaded */
    bool pre_out;           /* OUT before the load (k < 0) or with nothing loaded */

    /* A new count written during counting in modes 2 and 3, which the CE
     * takes at the end of the current period (half-cycle in mode 3). */
    bool pending;
    uint32_t pending_n;
    uint32_t pending_phase;
    int64_t pending_start;

    /* Null count (status bit 6) reads 1 while tick < null_until. */
    int64_t null_until;
} PITCounter;

/* Power-on state: no count loaded, mode 0, LSB-then-MSB, OUT low. */
void pit_counter_reset(PITCounter *c, bool gate);

/* A control word with RW != 00 (not a latch command): bits 5..0. */
void pit_counter_write_control(PITCounter *c, uint8_t val, int64_t tick);
/* Counter Latch Command.  Ignored while a latched count is unread. */
void pit_counter_latch_count(PITCounter *c, int64_t tick);
/* Read-Back Command, status part.  Ignored while a status is unread. */
void pit_counter_latch_status(PITCounter *c, int64_t tick);

/* A byte written to / read from the counter's port. */
void pit_counter_write(PITCounter *c, uint8_t val, int64_t tick);
uint8_t pit_counter_read(PITCounter *c, int64_t tick);

void pit_counter_set_gate(PITCounter *c, bool level, int64_t tick);

/* OUT at tick, and the first tick after it at which OUT differs (or may
 * differ), PIT_NEVER when it stays as it is until the guest acts.  These
 * queries do not change the counter, and may ask about any tick from the
 * last change (a write, a gate edge) on. */
bool pit_counter_out(const PITCounter *c, int64_t tick);
int64_t pit_counter_next_change(const PITCounter *c, int64_t tick);
/* The CE as a number (0..65535 binary, 0..9999 BCD, not BCD-encoded). */
uint32_t pit_counter_value(const PITCounter *c, int64_t tick);

#endif
