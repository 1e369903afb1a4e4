/*
 * Unit tests of the mc146818rtc: the start time, the time in BCD and
 * binary, 12- and 24-hour formats, rollovers, UIP timing, SET, the alarm
 * with don't-care bytes, the periodic rates, update-ended interrupts,
 * registers C and D, the PC memory-size bytes and checksum, index masking
 * and the NMI mask bit, and the start-time property.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "harness.h"
#include "main/runstate.h"
#include "rtc-time.h"

#define NS 1000000000LL
#define REG_A 0x0a
#define REG_B 0x0b
#define REG_C 0x0c
#define REG_D 0x0d
#define UIP_NS 244141           /* 8 cycles of 32.768 kHz, rounded */

static DeviceState *rtc;
static IRQProbe *nmi;

/* Rising edges of the RTC's interrupt, with their virtual times. */
static struct {
    int level;
    int rises;
    int64_t at[64];
} irq;

static void irq_handler(void *opaque, int n, int level)
{
    if (level && !irq.level && irq.rises < 64) {
        irq.at[irq.rises++] = harness_now_ns();
    }
    irq.level = level != 0;
}

static uint8_t rd_at(uint16_t base, uint8_t idx)
{
    cpu_outb(base, idx);
    return cpu_inb(base + 1);
}

static uint8_t rd(uint8_t idx)
{
    return rd_at(0x70, idx);
}

static void wr(uint8_t idx, uint8_t v)
{
    cpu_outb(0x70, idx);
    cpu_outb(0x71, v);
}

static void advance_to(int64_t ns)
{
    assert_true(ns >= harness_now_ns());
    harness_advance_ns(ns - harness_now_ns());
}

/* Put the divider chain through reset, periodic rate rs; the next update
 * comes half a second later, at the time returned. */
static int64_t restart_divider(uint8_t rs)
{
    wr(REG_A, 0x70 | rs);
    int64_t t = harness_now_ns();
    wr(REG_A, 0x20 | rs);
    return t + NS / 2;
}

/* Set the clock (values already in the format regb selects). */
static void set_time(uint8_t regb, uint8_t century, uint8_t year, uint8_t mon, uint8_t day,
                     uint8_t dow, uint8_t hour, uint8_t min, uint8_t sec)
{
    wr(REG_B, regb | 0x80);
    wr(0x32, century);
    wr(0x09, year);
    wr(0x08, mon);
    wr(0x07, day);
    wr(0x06, dow);
    wr(0x04, hour);
    wr(0x02, min);
    wr(0x00, sec);
    wr(REG_B, regb);
}

static void expect_time(uint8_t century, uint8_t year, uint8_t mon, uint8_t day, uint8_t dow,
                        uint8_t hour, uint8_t min, uint8_t sec)
{
    assert_int_equal(rd(0x00), sec);
    assert_int_equal(rd(0x02), min);
    assert_int_equal(rd(0x04), hour);
    assert_int_equal(rd(0x06), dow);
    assert_int_equal(rd(0x07), day);
    assert_int_equal(rd(0x08), mon);
    assert_int_equal(rd(0x09), year);
    assert_int_equal(rd(0x32), century);
}

static int group_setup(void **state)
{
    harness_load_plugin("rtc");
    board_set_ram_size(64 << 20);
    const char *props[] = { "base=2006-06-17T16:01:21", NULL };
    rtc = harness_create("mc146818rtc", "rtc", NULL, props);
    IRQState *in = irq_allocate(irq_handler, NULL, 0);
    Error *err = NULL;
    if (!device_connect_gpio_out_named(rtc, "irq", 0, in, &err)) {
        fail_msg("%s", error_get_pretty(err));
    }
    nmi = harness_probe_output(rtc, "nmi-mask", 0);
    return 0;
}

/* Each test starts with interrupts off, flags read and edges forgotten. */
static int setup(void **state)
{
    wr(REG_B, rd(REG_B) & 0x0f);
    rd(REG_C);
    memset(&irq, 0, sizeof(irq));
    return 0;
}

/* ---- reading the time ---- */

static void test_start_time_in_every_format(void **state)
{
    /* 2006-06-17 was a Saturday (day 7, Sunday being 1). */
    assert_int_equal(rd(REG_B), 0x02);          /* BCD, 24-hour */
    assert_int_equal(rd(REG_A) & 0x7f, 0x26);
    expect_time(0x20, 0x06, 0x06, 0x17, 0x07, 0x16, 0x01, 0x21);
    wr(REG_B, 0x06);                            /* binary, 24-hour */
    expect_time(20, 6, 6, 17, 7, 16, 1, 21);
    wr(REG_B, 0x00);                            /* BCD, 12-hour: 4 PM */
    assert_int_equal(rd(0x04), 0x84);
    wr(REG_B, 0x04);                            /* binary, 12-hour */
    assert_int_equal(rd(0x04), 0x84);
    wr(REG_B, 0x02);
}

static void test_rollover_and_12_hour(void **state)
{
    int64_t b0 = restart_divider(0);
    set_time(0x02, 0x19, 0x99, 0x12, 0x31, 0x06, 0x23, 0x59, 0x58);
    advance_to(b0 - 1);
    assert_int_equal(rd(0x00), 0x58);
    advance_to(b0);
    assert_int_equal(rd(0x00), 0x59);
    advance_to(b0 + NS);
    expect_time(0x20, 0x00, 0x01, 0x01, 0x07, 0x00, 0x00, 0x00);
    wr(REG_B, 0x00);
    assert_int_equal(rd(0x04), 0x12);           /* midnight is 12 AM */
    wr(REG_B, 0x04);
    assert_int_equal(rd(0x04), 12);
    /* Writing the hour in 12-hour format: 1 PM. */
    wr(REG_B, 0x00);
    wr(0x04, 0x81);
    wr(REG_B, 0x02);
    assert_int_equal(rd(0x04), 0x13);
    /* Noon. */
    set_time(0x00, 0x20, 0x24, 0x02, 0x28, 0x04, 0x92, 0x00, 0x00);
    wr(REG_B, 0x02);
    assert_int_equal(rd(0x04), 0x12);
    /* 2024 is a leap year, 2100 is not (the full Gregorian calendar
     * through the century byte). */
    int64_t b = restart_divider(0);
    set_time(0x02, 0x20, 0x24, 0x02, 0x28, 0x04, 0x23, 0x59, 0x59);
    advance_to(b);
    expect_time(0x20, 0x24, 0x02, 0x29, 0x05, 0x00, 0x00, 0x00);
    b = restart_divider(0);
    set_time(0x02, 0x21, 0x00, 0x02, 0x28, 0x01, 0x23, 0x59, 0x59);
    advance_to(b);
    expect_time(0x21, 0x00, 0x03, 0x01, 0x02, 0x00, 0x00, 0x00);
    /* The day of week is the chip's own counter: whatever was written,
     * it steps at midnight and wraps from 7 to 1. */
    b = restart_divider(0);
    set_time(0x02, 0x20, 0x24, 0x05, 0x05, 0x07, 0x23, 0x59, 0x59);
    advance_to(b);
    assert_int_equal(rd(0x06), 0x01);
    assert_int_equal(rd(0x07), 0x06);
}

static void test_invalid_time_written_is_clamped(void **state)
{
    /* While SET holds the clock, registers read back as written. */
    wr(REG_B, 0x82);
    wr(0x00, 0x7a);
    wr(0x04, 0x25);
    assert_int_equal(rd(0x00), 0x7a);
    assert_int_equal(rd(0x04), 0x25);
    /* Once running, they count from the nearest valid time. */
    wr(REG_B, 0x02);
    assert_int_equal(rd(0x00), 0x59);
    assert_int_equal(rd(0x04), 0x23);
}

/* ---- the update cycle ---- */

static void test_uip_before_update(void **state)
{
    int64_t b0 = restart_divider(0);
    wr(REG_B, 0x06);
    advance_to(b0 - UIP_NS - 1);
    uint8_t s0 = rd(0x00);
    assert_int_equal(rd(REG_A) & 0x80, 0);
    advance_to(b0 - UIP_NS);
    assert_int_equal(rd(REG_A) & 0x80, 0x80);
    advance_to(b0 - 1);
    assert_int_equal(rd(REG_A) & 0x80, 0x80);
    assert_int_equal(rd(0x00), s0);             /* still the old second */
    advance_to(b0);
    assert_int_equal(rd(REG_A) & 0x80, 0);
    assert_int_equal(rd(0x00), (s0 + 1) % 60);
    /* Once a second. */
    advance_to(b0 + NS - UIP_NS);
    assert_int_equal(rd(REG_A) & 0x80, 0x80);
    /* Never while SET holds updates. */
    wr(REG_B, 0x86);
    assert_int_equal(rd(REG_A) & 0x80, 0);
    wr(REG_B, 0x06);
    /* Nor with the divider chain in reset, which stops the clock. */
    wr(REG_A, 0x70);
    uint8_t frozen = rd(0x00);
    for (int i = 0; i < 30; i++) {
        harness_advance_ns(NS / 10);
        assert_int_equal(rd(REG_A) & 0x80, 0);
    }
    assert_int_equal(rd(0x00), frozen);
    wr(REG_A, 0x26);
    wr(REG_B, 0x02);
}

static void test_set_freezes_updates(void **state)
{
    int64_t b0 = restart_divider(0);
    set_time(0x06, 20, 6, 6, 17, 7, 10, 0, 0);
    advance_to(b0 + 2 * NS + 100);
    assert_int_equal(rd(0x00), 3);
    wr(REG_B, 0x96);                    /* SET with UIE: UIE is cleared */
    assert_int_equal(rd(REG_B), 0x86);
    advance_to(b0 + 7 * NS + 100);
    assert_int_equal(rd(0x00), 3);      /* no updates */
    wr(0x00, 40);
    wr(REG_B, 0x06);                    /* run from 10:00:40 */
    assert_int_equal(rd(0x00), 40);
    /* The divider chain kept its phase: the next update is on time. */
    advance_to(b0 + 8 * NS - 1);
    assert_int_equal(rd(0x00), 40);
    advance_to(b0 + 8 * NS);
    assert_int_equal(rd(0x00), 41);
    assert_int_equal(rd(0x02), 0);
    wr(REG_B, 0x02);
}

/* ---- interrupts ---- */

static void test_update_ended_interrupt(void **state)
{
    int64_t b0 = restart_divider(0);
    rd(REG_C);
    wr(REG_B, 0x12);                    /* UIE */
    advance_to(b0 + NS / 2);
    assert_int_equal(irq.rises, 1);
    assert_int_equal(irq.at[0], b0);
    assert_int_equal(irq.level, 1);     /* held until C is read */
    assert_int_equal(rd(REG_C), 0x90);  /* IRQF, UF */
    assert_int_equal(irq.level, 0);
    advance_to(b0 + 3 * NS / 2);
    assert_int_equal(irq.rises, 2);
    assert_int_equal(irq.at[1], b0 + NS);
    /* Not read: the line stays up and no edge follows. */
    advance_to(b0 + 4 * NS);
    assert_int_equal(irq.rises, 2);
    assert_int_equal(rd(REG_C), 0x90);
    /* Without UIE the flag is set but the line stays low. */
    wr(REG_B, 0x02);
    advance_to(b0 + 5 * NS + 1);
    assert_int_equal(rd(REG_C), 0x10);
    assert_int_equal(irq.rises, 3 - 1);
    /* Enabling UIE with UF already set raises the line at once. */
    advance_to(b0 + 6 * NS + 1);
    wr(REG_B, 0x12);
    assert_int_equal(irq.level, 1);
    wr(REG_B, 0x02);                    /* IRQF = UF.UIE: disabling drops it */
    assert_int_equal(irq.level, 0);
    assert_int_equal(rd(REG_C), 0x10);
    assert_int_equal(rd(REG_C), 0x00);  /* cleared by the read */
}

static void test_periodic_rates(void **state)
{
    static const uint8_t rates[] = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 1, 2 };
    for (size_t i = 0; i < CC_ARRAY_SIZE(rates); i++) {
        uint8_t rs = rates[i];
        int shift = (rs <= 2 ? rs + 7 : rs) - 1;
        int64_t t = restart_divider(rs) - NS / 2;
        rd(REG_C);
        memset(&irq, 0, sizeof(irq));
        wr(REG_B, 0x42);                /* PIE */
        /* The chain restarted at t: edges every 2^shift cycles of 32768 Hz. */
        for (int k = 1; k <= 3; k++) {
            int64_t cyc = (int64_t)k << shift;
            int64_t edge = t + (cyc * NS + 32767) / 32768;
            advance_to(edge);
            assert_int_equal(irq.rises, k);
            assert_int_equal(irq.at[k - 1], edge);
            assert_int_equal(rd(REG_C) & 0xc0, 0xc0);
        }
        wr(REG_B, 0x02);
    }
    /* Spot checks in plain units: 1024 Hz, 2 Hz, 256 Hz. */
    int64_t t = restart_divider(6) - NS / 2;
    rd(REG_C);
    memset(&irq, 0, sizeof(irq));
    wr(REG_B, 0x42);
    advance_to(t + 976563);
    assert_int_equal(irq.rises, 1);
    wr(REG_B, 0x02);
    /* Rate 0: no periodic flag at all. */
    restart_divider(0);
    rd(REG_C);
    harness_advance_ns(NS / 4);
    assert_int_equal(rd(REG_C) & 0x40, 0);
    wr(REG_A, 0x26);
}

/* The "irq-enable" input (an HPET's legacy replacement route takes IRQ8
 * over): low holds the pin low while the flags stay as they are; high
 * again shows IRQF on the pin. */
static void test_irq_enable_input(void **state)
{
    IRQState *enable = device_get_gpio_in_named(rtc, "irq-enable", 0);
    int64_t t = restart_divider(6) - NS / 2;   /* 1024 Hz */
    rd(REG_C);
    memset(&irq, 0, sizeof(irq));
    irq_set(enable, 0);
    wr(REG_B, 0x42);                    /* PIE */
    advance_to(t + 976563 * 3);
    assert_int_equal(irq.rises, 0);
    assert_int_equal(irq.level, 0);
    irq_set(enable, 1);
    assert_int_equal(irq.rises, 1);     /* IRQF was set all along */
    assert_int_equal(rd(REG_C) & 0xc0, 0xc0);
    assert_int_equal(irq.level, 0);     /* reading C clears IRQF */
    wr(REG_B, 0x02);
}

static void test_alarm(void **state)
{
    int64_t b0 = restart_divider(0);
    set_time(0x06, 20, 6, 6, 17, 7, 10, 0, 0);
    wr(0x05, 10);
    wr(0x03, 0);
    wr(0x01, 5);
    rd(REG_C);
    wr(REG_B, 0x26);                    /* AIE, binary, 24-hour */
    advance_to(b0 + 10 * NS);
    assert_int_equal(irq.rises, 1);
    assert_int_equal(irq.at[0], b0 + 4 * NS);  /* when the clock turned 10:00:05 */
    assert_int_equal(rd(REG_C) & 0xb0, 0xb0);  /* IRQF, AF (and UF) */
    advance_to(b0 + 200 * NS);
    assert_int_equal(irq.rises, 1);     /* not again today */

    /* Don't care hours and minutes: at :30 of every minute. */
    wr(0x05, 0xc0);
    wr(0x03, 0xff);
    wr(0x01, 30);
    rd(REG_C);
    memset(&irq, 0, sizeof(irq));
    /* The clock reads 10:00:00 + n from b0 + (n - 1) s: 10:03:30 is n = 210. */
    advance_to(b0 + 209 * NS - 1);
    assert_int_equal(irq.rises, 0);
    advance_to(b0 + 209 * NS);
    assert_int_equal(irq.rises, 1);
    rd(REG_C);
    advance_to(b0 + 269 * NS);
    assert_int_equal(irq.rises, 2);

    /* All don't care: every second, even with AIE off as a flag. */
    wr(REG_B, 0x06);
    wr(0x01, 0xff);
    rd(REG_C);
    harness_advance_ns(NS);
    assert_int_equal(rd(REG_C) & 0x20, 0x20);
    harness_advance_ns(NS);
    assert_int_equal(rd(REG_C) & 0x20, 0x20);

    /* Matching in 12-hour BCD: 10 PM is 0x90. */
    b0 = restart_divider(0);
    set_time(0x00, 0x20, 0x06, 0x06, 0x17, 0x07, 0x90, 0x00, 0x00);
    wr(0x05, 0x90);
    wr(0x03, 0x00);
    wr(0x01, 0x02);
    rd(REG_C);
    memset(&irq, 0, sizeof(irq));
    wr(REG_B, 0x20);
    advance_to(b0 + 3 * NS);
    assert_int_equal(irq.rises, 1);
    assert_int_equal(irq.at[0], b0 + NS);
    /* An alarm byte no time can match never fires. */
    wr(REG_B, 0x02);
    wr(0x01, 0x75);
    rd(REG_C);
    memset(&irq, 0, sizeof(irq));
    wr(REG_B, 0x22);
    harness_advance_ns(70 * NS);
    assert_int_equal(irq.rises, 0);
    wr(REG_B, 0x02);
}

static void test_registers_c_and_d(void **state)
{
    assert_int_equal(rd(REG_D), 0x80);
    wr(REG_D, 0x00);
    assert_int_equal(rd(REG_D), 0x80);
    harness_advance_ns(2 * NS);
    wr(REG_C, 0x00);                    /* read-only: the flags stay */
    assert_int_equal(rd(REG_C) & 0x10, 0x10);
    assert_int_equal(rd(REG_C), 0);
}

/* ---- CMOS RAM ---- */

static void expect_word(uint8_t idx, unsigned v)
{
    assert_int_equal(rd(idx) | rd(idx + 1) << 8, v);
}

static void expect_checksum(void)
{
    unsigned sum = 0;
    for (int i = 0x10; i <= 0x2d; i++) {
        sum += rd(i);
    }
    expect_word(0x2e, ((sum & 0xff) << 8) | (sum >> 8));   /* 2Eh is the high byte */
}

static void test_memory_size_bytes(void **state)
{
    /* 64 MiB: 640 KiB base, 63 MiB extended, 48 MiB above 16 MiB. */
    expect_word(0x15, 640);
    expect_word(0x17, 63 * 1024);
    expect_word(0x30, 63 * 1024);
    expect_word(0x34, 48 * 16);
    assert_int_equal(rd(0x2e), 0x01);
    assert_int_equal(rd(0x2f), 0x7e);
    expect_checksum();

    board_set_ram_size(128 << 20);
    device_cold_reset(rtc);
    expect_word(0x17, 0xffff);                  /* capped */
    expect_word(0x30, 0xffff);
    expect_word(0x34, 112 * 16);
    expect_checksum();

    board_set_ram_size(3584ull << 20);
    device_cold_reset(rtc);
    expect_word(0x34, (3584 - 16) * 16);
    expect_checksum();

    board_set_ram_size(512 << 10);
    device_cold_reset(rtc);
    expect_word(0x15, 512);
    expect_word(0x17, 0);
    expect_word(0x34, 0);
    expect_checksum();
    board_set_ram_size(64 << 20);
    device_cold_reset(rtc);
}

static void test_index_masking_and_nmi_mask(void **state)
{
    cpu_outb(0x70, 0x80 | 0x3f);
    assert_int_equal(nmi->level, 1);
    cpu_outb(0x71, 0x5a);
    cpu_outb(0x70, 0x3f);
    assert_int_equal(nmi->level, 0);
    assert_int_equal(cpu_inb(0x71), 0x5a);
    cpu_outb(0x70, 0xff);                       /* index 0x7f */
    cpu_outb(0x71, 0xa5);
    assert_int_equal(nmi->level, 1);
    assert_int_equal(rd(0x7f), 0xa5);
    assert_int_equal(cpu_inb(0x70), 0xff);      /* the index port is write-only */
    /* Every RAM byte holds what is written. */
    for (int i = 0x0e; i < 0x80; i++) {
        if (i != 0x32) {
            wr(i, i ^ 0x5a);
        }
    }
    for (int i = 0x0e; i < 0x80; i++) {
        if (i != 0x32) {
            assert_int_equal(rd(i), i ^ 0x5a);
        }
    }
    device_cold_reset(rtc);                     /* memory-size bytes back */
}

static void test_reset_clears_enables_and_flags(void **state)
{
    wr(REG_B, 0x72);
    harness_advance_ns(2 * NS);
    assert_int_equal(irq.level, 1);
    device_cold_reset(rtc);
    assert_int_equal(irq.level, 0);
    assert_int_equal(rd(REG_B), 0x02);          /* PIE, AIE, UIE off; format kept */
    assert_int_equal(rd(REG_C), 0);
}

/* ---- the boot order ---- */

/* CMOS 3Dh: first device in bits 3-0, second in 7-4; 38h: third in bits
 * 7-4, bit 0 set skips the floppy signature check (SeaBIOS src/boot.c;
 * codes 1 floppy, 2 disk, 3 CD, 4 network). */
static void test_boot_order(void **state)
{
    /* The default is QEMU's pc: c, a, d. */
    assert_int_equal(rd(0x3d), 0x12);
    assert_int_equal(rd(0x38), 0x30);

    const char *props[] = { "iobase=0x270", "boot-order=dc", "boot-once=nab",
                            "fd-bootchk=off", NULL };
    /* harness_create resets it once, as the machine's start does: once=. */
    DeviceState *d = harness_create("mc146818rtc", NULL, NULL, props);
    assert_int_equal(rd_at(0x270, 0x3d), 0x14);
    assert_int_equal(rd_at(0x270, 0x38), 0x11);
    device_cold_reset(d);                       /* the guest's reboot: order= again */
    assert_int_equal(rd_at(0x270, 0x3d), 0x23);
    assert_int_equal(rd_at(0x270, 0x38), 0x01);
    device_cold_reset(d);
    assert_int_equal(rd_at(0x270, 0x3d), 0x23);
    device_unrealize(d);

    static const char *const bad[] = {
        "boot-order=x", "boot-order=cc", "boot-order=abcd", "boot-once=cdz",
    };
    for (size_t i = 0; i < CC_ARRAY_SIZE(bad); i++) {
        const char *p[] = { "iobase=0x270", bad[i], NULL };
        Error *err = NULL;
        assert_null(harness_try_create("mc146818rtc", NULL, NULL, p, &err));
        assert_non_null(strstr(error_get_pretty(err), "boot-"));
        error_free(err);
    }
}

/* ---- the start time ---- */

static int64_t read_clock_at(uint16_t base)
{
    RTCFields f = { 0 };
    uint8_t regs[128] = { 0 };
    static const uint8_t idx[] = { 0, 2, 4, 6, 7, 8, 9, 0x32 };
    for (size_t i = 0; i < CC_ARRAY_SIZE(idx); i++) {
        regs[idx[i]] = rd_at(base, idx[i]);
    }
    rtc_regs_to_fields(regs, rd_at(base, REG_B), &f);
    return rtc_fields_to_sec(&f);
}

static void test_base_property(void **state)
{
    static const char *const bad[] = {
        "base=bogus", "base=2006-13-01", "base=2006-02-30T00:00:00",
        "base=2006-06-17T24:00:00", "base=2006-06-17 16:01:21", "base=+006-06-17",
    };
    for (size_t i = 0; i < CC_ARRAY_SIZE(bad); i++) {
        const char *props[] = { "iobase=0x270", bad[i], NULL };
        Error *err = NULL;
        assert_null(harness_try_create("mc146818rtc", NULL, NULL, props, &err));
        assert_non_null(strstr(error_get_pretty(err), "is not utc, localtime or a date"));
        error_free(err);
    }

    const char *date_only[] = { "iobase=0x270", "base=2006-06-17", NULL };
    DeviceState *d = harness_create("mc146818rtc", NULL, NULL, date_only);
    assert_int_equal(rd_at(0x270, 0x04), 0x00);
    assert_int_equal(rd_at(0x270, 0x07), 0x17);
    device_unrealize(d);

    int64_t host = g_get_real_time() / G_USEC_PER_SEC;
    const char *utc[] = { "iobase=0x270", "base=utc", NULL };
    d = harness_create("mc146818rtc", NULL, NULL, utc);
    int64_t got = read_clock_at(0x270);
    assert_true(got >= host - 2 && got <= host + 5);
    device_unrealize(d);

    GDateTime *now = g_date_time_new_now_local();
    int64_t offset = g_date_time_get_utc_offset(now) / G_TIME_SPAN_SECOND;
    g_date_time_unref(now);
    const char *local[] = { "iobase=0x270", "base=localtime", NULL };
    d = harness_create("mc146818rtc", NULL, NULL, local);
    got = read_clock_at(0x270);
    assert_true(got >= host + offset - 2 && got <= host + offset + 5);
    device_unrealize(d);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup(fn, setup)
    const struct CMUnitTest tests[] = {
        T(test_start_time_in_every_format),     /* first: no time has passed */
        T(test_rollover_and_12_hour),
        T(test_invalid_time_written_is_clamped),
        T(test_uip_before_update),
        T(test_set_freezes_updates),
        T(test_update_ended_interrupt),
        T(test_periodic_rates),
        T(test_irq_enable_input),
        T(test_alarm),
        T(test_registers_c_and_d),
        T(test_memory_size_bytes),
        T(test_index_masking_and_nmi_mask),
        T(test_boot_order),
        T(test_reset_clears_enables_and_flags),
        T(test_base_property),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
