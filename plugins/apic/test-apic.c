/*
 * Unit tests of the local APIC: the reset state, IA32_APIC_BASE (reserved
 * bits, relocation, global disable), the ESR's write-before-read rule, IRR
 * and ISR with EOI and priority classes, TPR masking, IPIs to self and to
 * no one, the timer in one-shot and periodic mode on the hand-driven clock,
 * the 8259's way to the CPU (through mode and ExtINT), the APIC bus
 * (IPIs to and messages from another APIC, TMR and the EOI broadcast,
 * lowest priority by TPR, INIT, NMI and ExtINT messages), and a hostile
 * guest hitting every offset with every access size.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "harness.h"
#include "fake-apic.h"

#define BASE 0xfee00000u

static DeviceState *apic, *pic;
static IRQProbe *intr, *nmi, *init;

static uint32_t rd(unsigned reg)
{
    MemTxResult r;
    uint64_t v = address_space_ld(address_space_memory(), BASE + reg, 4, &r);
    assert_int_equal(r, MEMTX_OK);
    return (uint32_t)v;
}

static void wr(unsigned reg, uint32_t v)
{
    MemTxResult r;
    address_space_st(address_space_memory(), BASE + reg, v, 4, &r);
    assert_int_equal(r, MEMTX_OK);
}

static uint64_t get_base(void)
{
    uint64_t v = 0;
    assert_true(local_apic_get_base(OBJECT(apic), &v));
    return v;
}

static int ack(void)
{
    return interrupt_ack(OBJECT(apic));
}

static void self_ipi(int vector)
{
    wr(0x300, 0x00044000u | (uint32_t)vector);   /* shorthand self, fixed, assert */
}

static bool irr_has(int v)
{
    return rd(0x200 + (v / 32) * 0x10) & (1u << (v % 32));
}

static bool isr_has(int v)
{
    return rd(0x100 + (v / 32) * 0x10) & (1u << (v % 32));
}

static int group_setup(void **state)
{
    harness_load_plugin("pic");
    harness_load_plugin("apic");
    pic = harness_create("i8259", "pic", NULL, NULL);
    char *path = object_get_canonical_path(OBJECT(pic));
    char *link = g_strdup_printf("extint=%s", path ? path : "pic");
    apic = harness_create("apic", "lapic", NULL, (const char *[]){ link, NULL });
    g_free(link);
    g_free(path);
    assert_true(device_connect_gpio_out_named(pic, "intr", 0,
                                              device_get_gpio_in_named(apic, "lint", 0),
                                              NULL));
    intr = harness_probe_output(apic, "intr", 0);
    nmi = harness_probe_output(apic, "nmi", 0);
    init = harness_probe_output(apic, "init", 0);
    return 0;
}

static int setup(void **state)
{
    for (int i = 0; i < 16; i++) {
        IRQState *in = device_get_gpio_in_named(pic, "in", i);
        irq_set(in, 0);
    }
    device_cold_reset(pic);
    device_cold_reset(apic);
    harness_probe_reset(intr);
    harness_probe_reset(nmi);
    harness_probe_reset(init);
    return 0;
}

static void enable(void)
{
    wr(0xf0, 0x1ff);
}

/* SDM vol. 3A, 10.4.7.1, and the P6 version register (10.4.8). */
static void test_reset_state(void **state)
{
    assert_int_equal(get_base(), 0xfee00900u);
    assert_int_equal(rd(0x20), 0);
    assert_int_equal(rd(0x30), 0x00040011);
    assert_int_equal(rd(0x80), 0);
    assert_int_equal(rd(0xd0), 0);
    assert_int_equal(rd(0xe0), 0xffffffffu);
    assert_int_equal(rd(0xf0), 0xff);
    for (unsigned r = 0x320; r <= 0x370; r += 0x10) {
        if (r != 0x330) {
            assert_int_equal(rd(r), 0x10000);
        }
    }
    assert_int_equal(rd(0x380), 0);
    assert_int_equal(rd(0x390), 0);
    assert_int_equal(rd(0x3e0), 0);
    assert_int_equal(intr->level, 0);
}

static void test_registers(void **state)
{
    enable();
    wr(0x20, 0x0f000000);
    assert_int_equal(rd(0x20), 0x0f000000);
    wr(0x20, 0xf3000000);                       /* 4-bit ID on a P6 */
    assert_int_equal(rd(0x20), 0x03000000);
    wr(0xd0, 0x12345678);
    assert_int_equal(rd(0xd0), 0x12000000);
    wr(0xe0, 0x0);
    assert_int_equal(rd(0xe0), 0x0fffffff);     /* cluster model */
    wr(0xf0, 0x3ff);
    assert_int_equal(rd(0xf0), 0x3ff);
    wr(0xf0, 0x120);                            /* bits 0-3 hard-wired to 1 */
    assert_int_equal(rd(0xf0), 0x12f);
    wr(0x30, 0);                                /* read-only */
    assert_int_equal(rd(0x30), 0x00040011);
    wr(0x350, 0xffffffff);
    assert_int_equal(rd(0x350), 0x1a7ff);       /* no remote IRR, no status */
    wr(0x320, 0xffffffff);
    assert_int_equal(rd(0x320), 0x300ff);
    wr(0x370, 0xffffffff);
    assert_int_equal(rd(0x370), 0x100ff);
    wr(0x310, 0xffffffff);
    assert_int_equal(rd(0x310), 0xff000000);
    wr(0x3e0, 0xffffffff);
    assert_int_equal(rd(0x3e0), 0xb);
    /* Software disable masks the LVT, and masks cannot be cleared. */
    wr(0xf0, 0xff);
    assert_int_equal(rd(0x350) & 0x10000, 0x10000);
    wr(0x350, 0x700);
    assert_int_equal(rd(0x350), 0x10700);
}

static void test_apic_base(void **state)
{
    /* Reserved: bits 0-7, 9, 10 (x2APIC) and 36-63. */
    assert_false(local_apic_set_base(OBJECT(apic), 0xfee00900u | (1u << 10)));
    assert_false(local_apic_set_base(OBJECT(apic), 0xfee00901u));
    assert_false(local_apic_set_base(OBJECT(apic), 0xfee00900u | (1ull << 36)));
    assert_int_equal(get_base(), 0xfee00900u);
    /* BSP is read-only. */
    assert_true(local_apic_set_base(OBJECT(apic), 0xfee00800u));
    assert_int_equal(get_base(), 0xfee00900u);

    /* Relocation. */
    enable();
    assert_true(local_apic_set_base(OBJECT(apic), 0xfec01800u));
    MemTxResult r;
    assert_int_equal(address_space_ld(address_space_memory(), 0xfec01030, 4, &r), 0x00040011);
    assert_int_equal(r, MEMTX_OK);
    address_space_ld(address_space_memory(), BASE + 0x30, 4, &r);
    assert_int_not_equal(r, MEMTX_OK);

    /* Global disable: the page is gone and the state is as after reset. */
    assert_true(local_apic_set_base(OBJECT(apic), 0xfee00000u));
    address_space_ld(address_space_memory(), BASE + 0x30, 4, &r);
    assert_int_not_equal(r, MEMTX_OK);
    assert_true(local_apic_set_base(OBJECT(apic), 0xfee00800u));
    assert_int_equal(rd(0xf0), 0xff);
    assert_int_equal(get_base(), 0xfee00900u);

    /* Not a local APIC: the CPU's MSR access fails (#GP). */
    uint64_t v;
    assert_false(local_apic_get_base(OBJECT(pic), &v));
    assert_false(local_apic_set_base(OBJECT(pic), 0));
    assert_false(local_apic_get_base(NULL, &v));
}

/* 10.5.3: errors appear in ESR only after a write. */
static void test_esr(void **state)
{
    enable();
    self_ipi(5);
    assert_int_equal(rd(0x280), 0);
    assert_false(irr_has(5));
    wr(0x280, 0);
    assert_int_equal(rd(0x280), 0x20);          /* send illegal vector */
    wr(0x280, 0);
    assert_int_equal(rd(0x280), 0);

    /* An illegal vector in an LVT entry: receive illegal vector. */
    wr(0x3e0, 0xb);
    wr(0x320, 0x0003);
    wr(0x380, 10);
    harness_advance_ns(1000);
    wr(0x280, 0);
    assert_int_equal(rd(0x280), 0x40);

    /* A reserved register, and the error interrupt. */
    wr(0x370, 0x33);
    rd(0x0c0);
    assert_true(irr_has(0x33));
    wr(0x280, 0);
    assert_int_equal(rd(0x280), 0x80);

    /* An error LVT with an illegal vector does not loop. */
    wr(0x370, 0x02);
    rd(0x3f0);
    wr(0x280, 0);
    assert_int_equal(rd(0x280), 0xc0);
}

static void test_eoi_priorities(void **state)
{
    enable();
    self_ipi(0x40);
    self_ipi(0x80);
    assert_true(irr_has(0x40) && irr_has(0x80));
    assert_int_equal(intr->level, 1);
    assert_int_equal(ack(), 0x80);
    assert_true(isr_has(0x80));
    assert_false(irr_has(0x80));
    assert_int_equal(rd(0xa0), 0x80);           /* PPR */
    assert_int_equal(intr->level, 0);           /* 0x40 is of a lower class */
    self_ipi(0x85);                             /* same class: held */
    assert_int_equal(intr->level, 0);
    self_ipi(0x95);                             /* higher: nests */
    assert_int_equal(intr->level, 1);
    assert_int_equal(ack(), 0x95);
    wr(0xb0, 0);                                /* EOI: 0x95 */
    assert_false(isr_has(0x95));
    assert_true(isr_has(0x80));
    assert_int_equal(intr->level, 0);
    wr(0xb0, 0);                                /* EOI: 0x80 */
    assert_int_equal(rd(0xa0), 0);
    assert_int_equal(intr->level, 1);
    assert_int_equal(ack(), 0x85);
    wr(0xb0, 0);
    assert_int_equal(ack(), 0x40);
    wr(0xb0, 0);
    assert_int_equal(intr->level, 0);
    /* Nothing pending: the spurious vector, no ISR bit. */
    assert_int_equal(ack(), 0xff);
    assert_int_equal(rd(0x100) | rd(0x110) | rd(0x170), 0);
    wr(0xb0, 0);                                /* EOI with nothing in service */
}

static void test_tpr(void **state)
{
    enable();
    wr(0x80, 0x50);
    self_ipi(0x45);
    assert_int_equal(intr->level, 0);
    assert_int_equal(rd(0xa0), 0x50);
    self_ipi(0x55);                             /* same class as TPR: held */
    assert_int_equal(intr->level, 0);
    assert_int_equal(rd(0x90), 0x50);           /* APR = TPR */
    self_ipi(0x65);
    assert_int_equal(intr->level, 1);
    assert_int_equal(rd(0x90), 0x60);           /* APR: the IRR's class */
    /* Raised between INTR and INTA: spurious. */
    wr(0x80, 0x70);
    assert_int_equal(intr->level, 0);
    assert_int_equal(ack(), 0xff);
    wr(0x80, 0x00);
    assert_int_equal(ack(), 0x65);
    assert_int_equal(ack(), 0xff);              /* PPR 0x60 now */
    wr(0xb0, 0);
    assert_int_equal(ack(), 0x55);
    wr(0xb0, 0);
    assert_int_equal(ack(), 0x45);
    wr(0xb0, 0);
}

static void test_ipi(void **state)
{
    enable();
    /* Physical destination 0 is this APIC; 0xF broadcasts. */
    wr(0x310, 0);
    wr(0x300, 0x4031);
    assert_true(irr_has(0x31));
    wr(0x310, 0x0f000000);
    wr(0x300, 0x4032);
    assert_true(irr_has(0x32));
    /* Another ID: no one accepts it. */
    wr(0x310, 0x01000000);
    wr(0x300, 0x4033);
    assert_false(irr_has(0x33));
    wr(0x280, 0);
    assert_int_equal(rd(0x280), 0x04);
    /* All but self: dropped; all including self: delivered. */
    wr(0x300, 0xc4034);
    assert_false(irr_has(0x34));
    wr(0x300, 0x84035);
    assert_true(irr_has(0x35));
    /* Logical, flat model. */
    wr(0xd0, 0x02000000);
    wr(0x310, 0x02000000);
    wr(0x300, 0x4836);
    assert_true(irr_has(0x36));
    wr(0x310, 0x01000000);
    wr(0x300, 0x4837);
    assert_false(irr_has(0x37));
    /* Cluster model: cluster 1, member bit 1. */
    wr(0xe0, 0x0fffffff);
    wr(0xd0, 0x12000000);
    wr(0x310, 0x12000000);
    wr(0x300, 0x4838);
    assert_true(irr_has(0x38));
    wr(0x310, 0x22000000);
    wr(0x300, 0x4839);
    assert_false(irr_has(0x39));
    wr(0x310, 0xf2000000);
    wr(0x300, 0x483a);
    assert_true(irr_has(0x3a));
    /* NMI to self. */
    wr(0x310, 0);
    wr(0x300, 0x4400);
    assert_int_equal(nmi->rising, 1);
    assert_int_equal(nmi->level, 0);
    /* INIT level de-assert does nothing; INIT resets the APIC and the CPU. */
    wr(0x300, 0x8500);
    assert_int_equal(init->rising, 0);
    wr(0x20, 0x02000000);
    wr(0x300, 0x44500);
    assert_int_equal(init->rising, 1);
    assert_int_equal(rd(0xf0), 0xff);
    assert_int_equal(rd(0x20), 0x02000000);     /* the ID survives INIT */
    assert_false(irr_has(0x31));
    /* A software-disabled APIC takes no fixed IPIs. */
    self_ipi(0x40);
    assert_false(irr_has(0x40));
}

static void test_timer_oneshot(void **state)
{
    enable();
    wr(0x3e0, 0xb);                             /* divide by 1: 100 MHz */
    wr(0x320, 0x30);
    wr(0x380, 1000);                            /* 10 us */
    assert_int_equal(rd(0x390), 1000);
    harness_advance_ns(5000);
    assert_int_equal(rd(0x390), 500);
    assert_false(irr_has(0x30));
    harness_advance_ns(4990);
    assert_int_equal(rd(0x390), 1);
    assert_false(irr_has(0x30));
    harness_advance_ns(10);
    assert_int_equal(rd(0x390), 0);
    assert_true(irr_has(0x30));
    assert_int_equal(intr->level, 1);
    assert_int_equal(ack(), 0x30);
    wr(0xb0, 0);
    harness_advance_ns(100000);
    assert_false(irr_has(0x30));
    assert_int_equal(rd(0x390), 0);

    /* Divide by 16 (0011): 1000 ticks take 160 us. */
    wr(0x3e0, 0x3);
    wr(0x380, 1000);
    harness_advance_ns(80000);
    assert_int_equal(rd(0x390), 500);
    /* Changing the divisor keeps the count: by 2 now, 500 ticks = 10 us. */
    wr(0x3e0, 0x0);
    assert_int_equal(rd(0x390), 500);
    harness_advance_ns(10000);
    assert_true(irr_has(0x30));
    assert_int_equal(ack(), 0x30);
    wr(0xb0, 0);

    /* Masked: counts, no interrupt; writing 0 stops it. */
    wr(0x320, 0x10030);
    wr(0x380, 100);
    harness_advance_ns(10000);
    assert_int_equal(rd(0x390), 0);
    assert_false(irr_has(0x30));
    wr(0x380, 0);
    assert_int_equal(rd(0x390), 0);
}

static void test_timer_periodic(void **state)
{
    enable();
    wr(0x3e0, 0x0);                             /* divide by 2: 50 MHz */
    wr(0x320, 0x20031);
    wr(0x380, 1000);                            /* 20 us, the minimum period */
    for (int i = 0; i < 5; i++) {
        harness_advance_ns(10000);
        assert_int_equal(rd(0x390), 500);
        assert_false(irr_has(0x31));
        harness_advance_ns(10000);
        assert_true(irr_has(0x31));
        assert_int_equal(rd(0x390), 1000);
        assert_int_equal(ack(), 0x31);
        wr(0xb0, 0);
    }
    /* Several periods while the CPU does not take it: one IRR bit. */
    harness_advance_ns(200000);
    assert_int_equal(ack(), 0x31);
    assert_int_equal(ack(), 0xff);
    wr(0xb0, 0);
    /* Switching to one-shot keeps the count, and stops after zero. */
    harness_advance_ns(10000);
    wr(0x320, 0x31);
    harness_advance_ns(10000);
    assert_int_equal(ack(), 0x31);
    wr(0xb0, 0);
    harness_advance_ns(100000);
    assert_false(irr_has(0x31));
    wr(0x380, 0);
}

/* A periodic timer at divide by 1 and a count of 1 (10 ns) interrupts at
 * most once per minimum period (20 us by default), so that a guest cannot
 * make timer events all the machine does; the count still reads as
 * programmed. */
static void test_timer_min_period(void **state)
{
    enable();
    wr(0x3e0, 0xb);                             /* divide by 1 */
    wr(0x320, 0x20032);                         /* periodic, vector 0x32 */
    wr(0x380, 1);
    int taken = 0;
    for (int i = 0; i < 1000; i++) {            /* 1 ms in 1 us steps */
        harness_advance_ns(1000);
        if (irr_has(0x32)) {
            assert_int_equal(ack(), 0x32);
            wr(0xb0, 0);
            taken++;
        }
        assert_int_equal(rd(0x390), 1);
    }
    assert_in_range(taken, 1000000 / 20000 - 1, 1000000 / 20000 + 1);
    /* A one-shot count is not stretched: 10 ns is 10 ns. */
    wr(0x320, 0x32);
    wr(0x380, 1);
    harness_advance_ns(10);
    assert_true(irr_has(0x32));
    assert_int_equal(ack(), 0x32);
    wr(0xb0, 0);
    wr(0x380, 0);
}

/* The divisor made slower mid-count moves the count's start far before
 * time 0 (UBSan found the signed overflow this once caused in the
 * arithmetic of the deadline): the count is kept and the interrupt comes
 * when the remaining ticks at the new divisor have passed, not before. */
static void test_timer_divisor_change_mid_count(void **state)
{
    enable();
    wr(0x3e0, 0xb);                             /* divide by 1: 10 ns a tick */
    wr(0x320, 0x33);
    wr(0x380, 0xffffffffu);
    harness_advance_ns(1000000);                /* 100000 ticks */
    uint32_t cur = rd(0x390);
    assert_int_equal(cur, 0xffffffffu - 100000);
    wr(0x3e0, 0xa);                             /* divide by 128: 1280 ns a tick */
    assert_int_equal(rd(0x390), cur);
    harness_advance_ns(1280 * 1000);
    assert_int_equal(rd(0x390), cur - 1000);
    assert_false(irr_has(0x33));
    /* Back to divide by 1: 10 ns a tick again, still no interrupt yet. */
    wr(0x3e0, 0xb);
    assert_int_equal(rd(0x390), cur - 1000);
    harness_advance_ns((uint64_t)(cur - 1000 - 1) * 10);
    assert_false(irr_has(0x33));
    harness_advance_ns(10);
    assert_true(irr_has(0x33));
    assert_int_equal(ack(), 0x33);
    wr(0xb0, 0);
    wr(0x380, 0);
}

/* What the guest does in race_cb, run at the instant a count ends but
 * before the APIC's own timer event (armed later for the same deadline):
 * as when the CPU's slice runs past the deadline and the guest touches the
 * APIC before the main loop runs the timers. */
enum { RACE_NEW_COUNT, RACE_MASK, RACE_DIVISOR };
static int race_action;
static bool race_irr;

static void race_cb(void *opaque)
{
    switch (race_action) {
    case RACE_NEW_COUNT:
        wr(0x380, 1000);
        break;
    case RACE_MASK:
        wr(0x320, 0x10034);
        break;
    default:
        wr(0x3e0, 0x3);                         /* divide by 16 */
        break;
    }
    race_irr = irr_has(0x34);
}

/* The count reaching zero sets the IRR bit at once (10.5.4): an expiry
 * that is due has happened, whatever the guest writes next.  Linux hung
 * when a new count written right at the end of the old one (its minimum
 * delta, 15 ticks) cancelled the old one's interrupt: it re-arms its
 * one-shot timer only from that interrupt. */
static void test_timer_due_before_access(void **state)
{
    Timer *t = timer_new_ns(CC_CLOCK_VIRTUAL, race_cb, NULL);
    enable();
    for (race_action = RACE_NEW_COUNT; race_action <= RACE_DIVISOR; race_action++) {
        wr(0x3e0, 0xb);                         /* divide by 1: 10 ns a tick */
        wr(0x320, 0x34);
        timer_mod_ns(t, harness_now_ns() + 10000);
        wr(0x380, 1000);                        /* ends in 10 us, with t */
        race_irr = false;
        harness_advance_ns(10000);
        assert_true(race_irr);
        assert_int_equal(ack(), 0x34);
        wr(0xb0, 0);
        switch (race_action) {
        case RACE_NEW_COUNT:
            /* The new count runs on: one more interrupt 10 us later. */
            harness_advance_ns(9990);
            assert_false(irr_has(0x34));
            harness_advance_ns(10);
            assert_true(irr_has(0x34));
            assert_int_equal(ack(), 0x34);
            wr(0xb0, 0);
            break;
        case RACE_MASK:
            harness_advance_ns(100000);
            assert_false(irr_has(0x34));
            break;
        default:
            assert_int_equal(rd(0x390), 0);
            harness_advance_ns(100000);
            assert_false(irr_has(0x34));
            break;
        }
        wr(0x380, 0);
    }
    timer_free(t);
}

static void pic_init(void)
{
    static const uint8_t seq[][2] = {
        { 0x20, 0x11 }, { 0x21, 0x08 }, { 0x21, 0x04 }, { 0x21, 0x01 },
        { 0xa0, 0x11 }, { 0xa1, 0x70 }, { 0xa1, 0x02 }, { 0xa1, 0x01 },
        { 0x21, 0x00 }, { 0xa1, 0x00 },
    };
    for (size_t i = 0; i < CC_ARRAY_SIZE(seq); i++) {
        cpu_outb(seq[i][0], seq[i][1]);
    }
}

static void test_extint(void **state)
{
    pic_init();
    IRQState *irq3 = device_get_gpio_in_named(pic, "in", 3);
    /* After reset (software disabled), the 8259 goes straight through. */
    irq_set(irq3, 1);
    assert_int_equal(intr->level, 1);
    assert_int_equal(ack(), 0x0b);
    assert_int_equal(intr->level, 0);
    cpu_outb(0x20, 0x20);
    irq_set(irq3, 0);

    /* Enabled with LINT0 masked: the 8259 is cut off. */
    enable();
    irq_set(irq3, 1);
    assert_int_equal(intr->level, 0);
    /* Virtual wire: LINT0 in ExtINT mode. */
    wr(0x350, 0x700);
    assert_int_equal(intr->level, 1);
    /* APIC interrupts come first, then the 8259's. */
    self_ipi(0x50);
    assert_int_equal(ack(), 0x50);
    assert_int_equal(ack(), 0x0b);
    assert_false(isr_has(0x0b));
    wr(0xb0, 0);
    cpu_outb(0x20, 0x20);
    irq_set(irq3, 0);
    assert_int_equal(intr->level, 0);

    /* Globally disabled: through again. */
    assert_true(local_apic_set_base(OBJECT(apic), 0xfee00000u));
    irq_set(irq3, 1);
    assert_int_equal(intr->level, 1);
    assert_int_equal(ack(), 0x0b);
    cpu_outb(0x20, 0x20);
    irq_set(irq3, 0);
}

static void test_lint_modes(void **state)
{
    IRQState *lint1 = device_get_gpio_in_named(apic, "lint", 1);
    /* Software disabled: LINT1 is the NMI pin. */
    irq_set(lint1, 1);
    irq_set(lint1, 0);
    assert_int_equal(nmi->rising, 1);
    enable();
    /* Masked: nothing. */
    irq_pulse(lint1);
    assert_int_equal(nmi->rising, 1);
    wr(0x360, 0x400);                           /* NMI */
    irq_pulse(lint1);
    assert_int_equal(nmi->rising, 2);
    wr(0x360, 0x2400);                          /* NMI, active low */
    irq_set(lint1, 1);
    irq_set(lint1, 0);
    assert_int_equal(nmi->rising, 3);
    irq_set(lint1, 1);
    /* Fixed, level-triggered: remote IRR until EOI, then again while
     * asserted. */
    wr(0x360, 0x8044);
    irq_set(lint1, 0);
    irq_set(lint1, 1);
    assert_true(irr_has(0x44));
    assert_int_equal(rd(0x360) & 0x4000, 0x4000);
    assert_int_equal(ack(), 0x44);
    irq_set(lint1, 1);
    assert_false(irr_has(0x44));
    wr(0xb0, 0);
    assert_true(irr_has(0x44));
    assert_true(rd(0x180 + 0x20) & (1u << 4));  /* TMR bit 0x44 */
    irq_set(lint1, 0);
    assert_int_equal(ack(), 0x44);
    wr(0xb0, 0);
    assert_false(irr_has(0x44));
    assert_int_equal(rd(0x360) & 0x4000, 0);
}

/* A hostile guest: every offset with every size, reads and writes of
 * random values; nothing may crash, and a reset gives a working APIC. */
static void test_hostile(void **state)
{
    GRand *rng = g_rand_new_with_seed(0xfee0);
    AddressSpace *as = address_space_memory();
    static const unsigned sizes[] = { 1, 2, 4, 8 };
    for (int round = 0; round < 4; round++) {
        for (unsigned off = 0; off < 0x1000; off++) {
            for (size_t i = 0; i < CC_ARRAY_SIZE(sizes); i++) {
                MemTxResult r;
                uint64_t v = address_space_ld(as, BASE + off, sizes[i], &r);
                (void)v;
                uint64_t w = ((uint64_t)g_rand_int(rng) << 32) | g_rand_int(rng);
                /* Keep the page mapped and the timer slow enough. */
                if ((off & ~3u) == 0x380 || (off & ~3u) == 0x3e0) {
                    w &= 0xff;
                }
                address_space_st(as, BASE + off, w, sizes[i], &r);
                if (g_rand_int_range(rng, 0, 64) == 0) {
                    int a = interrupt_ack(OBJECT(apic));
                    assert_true(a >= 0 && a <= 255);
                }
                if (g_rand_int_range(rng, 0, 256) == 0) {
                    harness_advance_ns(g_rand_int_range(rng, 0, 5000));
                }
                if (g_rand_int_range(rng, 0, 512) == 0) {
                    irq_set(device_get_gpio_in_named(apic, "lint", g_rand_int_range(rng, 0, 2)),
                            g_rand_boolean(rng));
                }
            }
        }
        /* Random MSR values: reserved bits are refused. */
        for (int i = 0; i < 1000; i++) {
            uint64_t b = ((uint64_t)g_rand_int(rng) << 32) | g_rand_int(rng);
            bool ok = local_apic_set_base(OBJECT(apic), b);
            assert_int_equal(ok, (b & ~0x0000000ffffff900ull) == 0);
        }
        local_apic_set_base(OBJECT(apic), 0xfee00800u);
        assert_true(intr->level == 0 || intr->level == 1);
    }
    for (int n = 0; n < 2; n++) {
        irq_set(device_get_gpio_in_named(apic, "lint", n), 0);
    }
    device_cold_reset(apic);
    assert_int_equal(rd(0x30), 0x00040011);
    enable();
    self_ipi(0x77);
    assert_int_equal(ack(), 0x77);
    wr(0xb0, 0);
    g_rand_free(rng);
}

/* ---- the APIC bus ---- */

static bool tmr_has(int v)
{
    return rd(0x180 + (v / 32) * 0x10) & (1u << (v % 32));
}

static int bus_send(uint8_t mode, uint8_t vector, uint8_t dest, bool level)
{
    APICMessage m = { .vector = vector, .delivery_mode = mode, .dest = dest,
                      .level = level, .assert = true };
    return apic_bus_send(&m);
}

/* 10.6.1: IPIs leave through the bus; one that no APIC accepts is a send
 * accept error. */
static void test_bus_ipi(void **state)
{
    FakeAPIC *f = fake_apic_new(1, 0x02, 0);
    assert_int_equal(apic_bus_count(), 2);
    enable();
    wr(0x310, 0x01000000);
    wr(0x300, 0xc031);                          /* fixed, level, assert */
    assert_int_equal(f->count, 1);
    const APICMessage *m = fake_apic_last(f);
    assert_int_equal(m->vector, 0x31);
    assert_int_equal(m->delivery_mode, APIC_DM_FIXED);
    assert_true(m->level);
    assert_true(m->assert);
    assert_ptr_equal(m->source, OBJECT(apic));
    assert_false(irr_has(0x31));
    wr(0x280, 0);
    assert_int_equal(rd(0x280), 0);
    /* Logical, flat: this APIC (bit 0) and the fake (bit 1). */
    wr(0xd0, 0x01000000);
    wr(0x310, 0x03000000);
    wr(0x300, 0x4832);
    assert_true(irr_has(0x32));
    assert_int_equal(f->count, 2);
    /* All excluding self reaches the other APIC only. */
    wr(0x300, 0xc4033);
    assert_false(irr_has(0x33));
    assert_int_equal(f->count, 3);
    assert_int_equal(fake_apic_last(f)->shorthand, APIC_SH_OTHERS);
    /* SIPI to the other CPU travels with its start page. */
    wr(0x310, 0x01000000);
    wr(0x300, 0x4690);
    assert_int_equal(fake_apic_last(f)->delivery_mode, APIC_DM_STARTUP);
    assert_int_equal(fake_apic_last(f)->vector, 0x90);
    /* Physical ID 2: no one. */
    wr(0x310, 0x02000000);
    wr(0x300, 0x4034);
    wr(0x280, 0);
    assert_int_equal(rd(0x280), 0x04);
    fake_apic_free(f);
}

/* 10.8.4, 10.8.5: a level-triggered message sets the TMR bit, and its EOI
 * is broadcast to the I/O APICs; an edge one's is not. */
typedef struct EOIHeard {
    int calls;
    int vector;
} EOIHeard;

static void eoi_heard(void *opaque, uint8_t vector)
{
    EOIHeard *h = opaque;
    h->calls++;
    h->vector = vector;
}

static void test_bus_level_eoi(void **state)
{
    EOIHeard h = { 0 };
    apic_bus_add_eoi_listener(eoi_heard, &h);
    enable();
    assert_int_equal(bus_send(APIC_DM_FIXED, 0x45, 0, true), 1);
    assert_true(irr_has(0x45));
    assert_true(tmr_has(0x45));
    assert_int_equal(intr->level, 1);
    assert_int_equal(ack(), 0x45);
    assert_int_equal(h.calls, 0);
    wr(0xb0, 0);
    assert_int_equal(h.calls, 1);
    assert_int_equal(h.vector, 0x45);
    /* Edge: the TMR bit clears and the EOI stays local. */
    assert_int_equal(bus_send(APIC_DM_FIXED, 0x45, 0, false), 1);
    assert_false(tmr_has(0x45));
    assert_int_equal(ack(), 0x45);
    wr(0xb0, 0);
    assert_int_equal(h.calls, 1);
    apic_bus_remove_eoi_listener(eoi_heard, &h);
}

/* 10.4.7.2: a software-disabled APIC takes NMI and INIT but no fixed or
 * ExtINT interrupts; 10.4.7.3: INIT resets it. */
static void test_bus_modes(void **state)
{
    assert_int_equal(bus_send(APIC_DM_FIXED, 0x46, 0, false), 1);
    assert_false(irr_has(0x46));
    assert_int_equal(bus_send(APIC_DM_NMI, 0, 0, false), 1);
    assert_int_equal(nmi->rising, 1);
    enable();
    wr(0x80, 0x20);
    assert_int_equal(bus_send(APIC_DM_INIT, 0, 0x0f, false), 1);    /* broadcast */
    assert_int_equal(init->rising, 1);
    assert_int_equal(rd(0x80), 0);
    assert_int_equal(rd(0xf0), 0xff);
    /* INIT level de-assert changes nothing. */
    enable();
    APICMessage m = { .delivery_mode = APIC_DM_INIT, .level = true, .assert = false };
    assert_int_equal(apic_bus_send(&m), 1);
    assert_int_equal(init->rising, 1);
    assert_int_equal(rd(0xf0), 0x1ff);
    /* SIPI: logged and ignored with one CPU. */
    assert_int_equal(bus_send(APIC_DM_STARTUP, 0x10, 0, false), 1);
    assert_int_equal(init->rising, 1);
    assert_int_equal(rd(0xf0), 0x1ff);
    /* Illegal vector: receive illegal vector error. */
    assert_int_equal(bus_send(APIC_DM_FIXED, 0x05, 0, false), 1);
    wr(0x280, 0);
    assert_int_equal(rd(0x280), 0x40);
}

/* ExtINT message (an I/O APIC pin in ExtINT mode): the 8259 supplies the
 * vector, as for LINT0 in ExtINT mode. */
static void test_bus_extint(void **state)
{
    pic_init();
    enable();                                   /* LINT0 stays masked */
    IRQState *irq3 = device_get_gpio_in_named(pic, "in", 3);
    irq_set(irq3, 1);
    assert_int_equal(intr->level, 0);
    assert_int_equal(bus_send(APIC_DM_EXTINT, 0, 0, false), 1);
    assert_int_equal(intr->level, 1);
    assert_int_equal(ack(), 0x0b);
    assert_int_equal(intr->level, 0);
    assert_false(isr_has(0x0b));
    cpu_outb(0x20, 0x20);
    irq_set(irq3, 0);
}

/* 10.6.2.4: lowest priority goes to the APIC of lowest arbitration
 * priority, which follows the TPR. */
static void test_bus_lowest_priority(void **state)
{
    FakeAPIC *f = fake_apic_new(1, 0x02, 0x20);
    enable();
    wr(0xd0, 0x01000000);
    wr(0x80, 0x40);
    assert_int_equal(rd(0x90), 0x40);
    APICMessage m = { .vector = 0x61, .delivery_mode = APIC_DM_LOWEST, .dest = 0x03,
                      .dest_logical = true, .assert = true };
    assert_int_equal(apic_bus_send(&m), 1);
    assert_int_equal(f->count, 1);
    assert_false(irr_has(0x61));
    wr(0x80, 0x10);
    assert_int_equal(apic_bus_send(&m), 1);
    assert_int_equal(f->count, 1);
    assert_true(irr_has(0x61));
    fake_apic_free(f);
}

/* The APIC is on the bus while realized. */
static void test_bus_attach(void **state)
{
    assert_int_equal(apic_bus_count(), 1);
    DeviceState *other = harness_create("apic", "lapic1", NULL,
                                        (const char *[]){ "id=1", "bsp=off", NULL });
    assert_int_equal(apic_bus_count(), 2);
    harness_destroy(other);
    assert_int_equal(apic_bus_count(), 1);
    assert_int_equal(bus_send(APIC_DM_NMI, 0, 1, false), 0);
    /* Globally disabled: off the bus (10.4.3). */
    assert_true(local_apic_set_base(OBJECT(apic), 0xfee00000u));
    assert_int_equal(bus_send(APIC_DM_NMI, 0, 0, false), 0);
    assert_int_equal(nmi->rising, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_reset_state, setup),
        cmocka_unit_test_setup(test_registers, setup),
        cmocka_unit_test_setup(test_apic_base, setup),
        cmocka_unit_test_setup(test_esr, setup),
        cmocka_unit_test_setup(test_eoi_priorities, setup),
        cmocka_unit_test_setup(test_tpr, setup),
        cmocka_unit_test_setup(test_ipi, setup),
        cmocka_unit_test_setup(test_timer_oneshot, setup),
        cmocka_unit_test_setup(test_timer_periodic, setup),
        cmocka_unit_test_setup(test_timer_min_period, setup),
        cmocka_unit_test_setup(test_timer_divisor_change_mid_count, setup),
        cmocka_unit_test_setup(test_timer_due_before_access, setup),
        cmocka_unit_test_setup(test_extint, setup),
        cmocka_unit_test_setup(test_lint_modes, setup),
        cmocka_unit_test_setup(test_hostile, setup),
        cmocka_unit_test_setup(test_bus_ipi, setup),
        cmocka_unit_test_setup(test_bus_level_eoi, setup),
        cmocka_unit_test_setup(test_bus_modes, setup),
        cmocka_unit_test_setup(test_bus_extint, setup),
        cmocka_unit_test_setup(test_bus_lowest_priority, setup),
        cmocka_unit_test_setup(test_bus_attach, setup),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
