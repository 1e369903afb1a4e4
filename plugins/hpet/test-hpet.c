/*
 * Unit tests of the HPET: the capability registers, the main counter at
 * 100 MHz (halted, running, written), one-shot and periodic timers on the
 * hand-driven virtual clock (VAL_SET, the minimum period), 32-bit mode and
 * its wrap, level interrupts with write-1-to-clear status, the legacy
 * replacement route with the PIT standing down, the properties' bounds, a
 * hostile guest, and the state description.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "harness.h"
#include "harness-acpi.h"

#define BASE 0xfed00000u

/* Registers (IA-PC HPET Specification 1.0a, 2.3). */
#define CAP      0x000
#define CFG      0x010
#define ISR      0x020
#define COUNTER  0x0f0
#define TCFG(n)  (0x100 + 0x20 * (n))
#define TCMP(n)  (0x108 + 0x20 * (n))
#define TFSB(n)  (0x110 + 0x20 * (n))

#define CFG_ENABLE  0x1
#define CFG_LEGACY  0x2
#define T_LEVEL     (1u << 1)
#define T_ENB       (1u << 2)
#define T_PERIODIC  (1u << 3)
#define T_VAL_SET   (1u << 6)
#define T_32MODE    (1u << 8)
#define T_ROUTE(r)  ((uint32_t)(r) << 9)

#define US 1000
#define MS 1000000

static DeviceState *hpet;

static uint32_t rd(unsigned reg)
{
    MemTxResult r;
    uint64_t v = address_space_ld(address_space_memory(), BASE + reg, 4, &r);
    assert_int_equal(r, MEMTX_OK);
    return (uint32_t)v;
}

static uint64_t rd64(unsigned reg)
{
    MemTxResult r;
    uint64_t v = address_space_ld(address_space_memory(), BASE + reg, 8, &r);
    assert_int_equal(r, MEMTX_OK);
    return v;
}

static void wr(unsigned reg, uint32_t v)
{
    MemTxResult r;
    address_space_st(address_space_memory(), BASE + reg, v, 4, &r);
    assert_int_equal(r, MEMTX_OK);
}

static void wr64(unsigned reg, uint64_t v)
{
    MemTxResult r;
    address_space_st(address_space_memory(), BASE + reg, v, 8, &r);
    assert_int_equal(r, MEMTX_OK);
}

static DeviceState *make_hpet(const char *const *props)
{
    DeviceState *d = harness_create("hpet", "hpet", NULL, props);
    Error *err = NULL;
    assert_true(sysbus_mmio_map(SYS_BUS_DEVICE(d), 0, BASE, 0, &err));
    return d;
}

static int setup(void **state)
{
    harness_load_plugin("hpet");
    hpet = make_hpet(NULL);
    return 0;
}

static int teardown(void **state)
{
    harness_destroy(hpet);
    hpet = NULL;
    return 0;
}

static void test_capabilities(void **state)
{
    /* REV_ID 1, NUM_TIM_CAP 2, COUNT_SIZE_CAP, LEG_RT_CAP, vendor 8086h;
     * COUNTER_CLK_PERIOD 10^7 fs. */
    assert_int_equal(rd(CAP), 0x8086a201u);
    assert_int_equal(rd(CAP + 4), 10000000u);
    assert_true(rd64(CAP) == 0x009896808086a201ull);
    assert_int_equal(rd(CFG), 0);
    assert_int_equal(rd(ISR), 0);
    assert_int_equal(rd(COUNTER), 0);
    for (int n = 0; n < 3; n++) {
        /* Periodic- and 64-bit-capable, route capability 1 << 2. */
        assert_int_equal(rd(TCFG(n)), 0x30);
        assert_int_equal(rd(TCFG(n) + 4), 0x4);
        assert_true(rd64(TCMP(n)) == UINT64_MAX);
        assert_true(rd64(TFSB(n)) == 0);
    }
    /* Read-only: capabilities ignore writes. */
    wr64(CAP, 0);
    assert_int_equal(rd(CAP), 0x8086a201u);
}

static void test_counter(void **state)
{
    harness_advance_ns(MS);
    assert_int_equal(rd(COUNTER), 0);           /* halted */
    wr(CFG, CFG_ENABLE);
    harness_advance_ns(MS);
    assert_int_equal(rd(COUNTER), 100000);      /* 100 MHz */
    harness_advance_ns(15);
    assert_int_equal(rd(COUNTER), 100001);      /* whole 10 ns periods */
    harness_advance_ns(5);
    assert_int_equal(rd(COUNTER), 100002);
    wr(COUNTER, 5);                             /* ignored while running */
    assert_int_equal(rd(COUNTER), 100002);
    wr(CFG, 0);
    harness_advance_ns(MS);
    assert_int_equal(rd(COUNTER), 100002);      /* halted where it stood */
    wr(COUNTER, 0x9abcdef0u);
    wr(COUNTER + 4, 0x12345678u);
    assert_true(rd64(COUNTER) == 0x123456789abcdef0ull);
    wr(CFG, CFG_ENABLE);
    harness_advance_ns(10 * US);
    assert_true(rd64(COUNTER) == 0x123456789abcdef0ull + 1000);
    /* The counter carries from the low half into the high half. */
    wr(CFG, 0);
    wr64(COUNTER, 0xffffffffull - 9);
    wr(CFG, CFG_ENABLE);
    harness_advance_ns(200);
    assert_int_equal(rd(COUNTER + 4), 1);
    assert_int_equal(rd(COUNTER), 10);
}

static void test_one_shot(void **state)
{
    IRQProbe *p = harness_probe_output(hpet, "irq", 2);
    wr(TCFG(2), T_ENB | T_ROUTE(2));
    assert_int_equal(rd(TCFG(2)) & 0x3e06, T_ENB | T_ROUTE(2));
    wr64(TCMP(2), 1000);
    harness_advance_ns(MS);
    assert_int_equal(p->rising, 0);             /* the counter is halted */
    wr(CFG, CFG_ENABLE);
    harness_advance_ns(10 * US - 10);
    assert_int_equal(p->rising, 0);
    harness_advance_ns(10);
    assert_int_equal(p->rising, 1);             /* at counter 1000, 10 us */
    assert_int_equal(p->level, 0);              /* an edge: a pulse */
    harness_advance_ns(100 * MS);
    assert_int_equal(p->rising, 1);             /* one-shot, 64-bit: once */
    assert_true(rd64(TCMP(2)) == 1000);

    /* A long one: 10 s away, exact to the period. */
    uint64_t now = rd64(COUNTER);
    wr64(TCMP(2), now + 1000000000ull);
    harness_advance_ns(10ll * NANOSECONDS_PER_SECOND - 10);
    assert_int_equal(p->rising, 1);
    harness_advance_ns(10);
    assert_int_equal(p->rising, 2);

    /* A comparator in the past does not match until the counter comes
     * round (2^64 periods away for a 64-bit timer). */
    wr64(TCMP(2), rd64(COUNTER) - 5);
    harness_advance_ns(MS);
    assert_int_equal(p->rising, 2);

    /* INT_ENB clear: the timer runs, but no interrupt. */
    wr(TCFG(2), T_ROUTE(2));
    wr64(TCMP(2), rd64(COUNTER) + 10);
    harness_advance_ns(US);
    assert_int_equal(p->rising, 2);
    assert_int_equal(rd(ISR), 0);               /* edge timers have no status */
}

static void test_periodic_val_set(void **state)
{
    IRQProbe *p = harness_probe_output(hpet, "irq", 2);
    wr(CFG, CFG_ENABLE);
    harness_advance_ns(US);                     /* counter 100 */
    /* Linux's sequence: VAL_SET, the first deadline, then the step. */
    wr(TCFG(0), T_ENB | T_PERIODIC | T_VAL_SET | T_ROUTE(2));
    wr64(TCMP(0), 100 + 5000);
    assert_int_equal(rd(TCFG(0)) & T_VAL_SET, 0);     /* clears itself */
    wr64(TCMP(0), 10000);                       /* the step: 100 us */
    assert_true(rd64(TCMP(0)) == 5100);         /* the comparator kept */
    harness_advance_ns(50 * US - 10);
    assert_int_equal(p->rising, 0);
    harness_advance_ns(10);
    assert_int_equal(p->rising, 1);             /* at 5100 */
    assert_true(rd64(TCMP(0)) == 15100);        /* grew by the step */
    harness_advance_ns(100 * US - 10);
    assert_int_equal(p->rising, 1);
    harness_advance_ns(10);
    assert_int_equal(p->rising, 2);
    harness_advance_ns(10 * MS);
    assert_int_equal(p->rising, 102);
    assert_true(rd64(TCMP(0)) == 15100 + 101 * 10000ull);

    /* Halting the counter stops the timer; starting it again resumes. */
    wr(CFG, 0);
    harness_advance_ns(10 * MS);
    assert_int_equal(p->rising, 102);
    wr(CFG, CFG_ENABLE);
    harness_advance_ns(MS);
    assert_int_equal(p->rising, 112);
}

/* The guest writes another timer's comparator at the instant timer 0's
 * periodic match falls due, before the HPET's own event for it runs (as
 * when the CPU's slice runs past the match): race_cb is armed first for
 * the same deadline. */
static void race_cb(void *opaque)
{
    wr64(TCMP(1), 0x12345678);
}

/* A match that is due has happened, whatever the guest writes next: a
 * write re-arming the timers from the counter's present value must not
 * take the comparator just reached for one a full wrap away, which would
 * stop the periodic timer for good. */
static void test_due_before_access(void **state)
{
    IRQProbe *p = harness_probe_output(hpet, "irq", 2);
    Timer *t = timer_new_ns(CC_CLOCK_VIRTUAL, race_cb, NULL);
    timer_mod_ns(t, harness_now_ns() + 100 * US);
    wr(TCFG(0), T_ENB | T_PERIODIC | T_VAL_SET | T_ROUTE(2));
    wr64(TCMP(0), 10000);                       /* first match at 100 us */
    wr64(TCMP(0), 10000);                       /* then every 100 us */
    wr(CFG, CFG_ENABLE);
    harness_advance_ns(100 * US);
    assert_int_equal(p->rising, 1);
    assert_true(rd64(TCMP(0)) == 20000);
    harness_advance_ns(MS);
    assert_int_equal(p->rising, 11);
    timer_free(t);
}

static void test_min_period(void **state)
{
    IRQProbe *p = harness_probe_output(hpet, "irq", 2);
    wr(CFG, CFG_ENABLE);
    /* A step of one period (100 MHz) interrupts at most every 20 us. */
    wr(TCFG(0), T_ENB | T_PERIODIC | T_VAL_SET | T_ROUTE(2));
    wr64(TCMP(0), 10);
    wr64(TCMP(0), 1);
    harness_advance_ns(MS);
    assert_in_range(p->rising, 45, 51);
    /* A step of 0: a match only when the counter comes round; with a
     * 64-bit comparator, never again. */
    harness_probe_reset(p);
    wr(TCFG(0), T_ENB | T_PERIODIC | T_VAL_SET | T_ROUTE(2));
    wr64(TCMP(0), rd64(COUNTER) + 100);
    wr64(TCMP(0), 0);
    harness_advance_ns(10 * MS);
    assert_int_equal(p->rising, 1);
    /* In 32-bit mode: once per 2^32 periods (42.9 s). */
    harness_probe_reset(p);
    wr(TCFG(0), T_ENB | T_PERIODIC | T_VAL_SET | T_32MODE | T_ROUTE(2));
    wr(TCMP(0), rd(COUNTER) + 100);
    wr(TCMP(0), 0);
    harness_advance_ns(50ll * NANOSECONDS_PER_SECOND);
    assert_int_equal(p->rising, 2);
}

static void test_32bit_mode(void **state)
{
    IRQProbe *p = harness_probe_output(hpet, "irq", 2);
    wr64(COUNTER, 0x1ffffff00ull);              /* low half 0x100 before its wrap */
    wr(TCFG(1), T_ENB | T_32MODE | T_ROUTE(2));
    wr64(TCMP(1), 0xab00000200ull);
    assert_true(rd64(TCMP(1)) == 0x200);        /* the high half is dropped */
    wr(TCMP(1) + 4, 0x55);
    assert_int_equal(rd(TCMP(1) + 4), 0);
    wr(CFG, CFG_ENABLE);
    harness_advance_ns(0x100 * 10 - 10);
    assert_int_equal(p->rising, 0);
    harness_advance_ns(10);
    assert_int_equal(p->rising, 1);             /* the low half wrapped */
    harness_advance_ns(0x200 * 10 - 10);
    assert_int_equal(p->rising, 1);
    harness_advance_ns(10);
    assert_int_equal(p->rising, 2);             /* the low half matched 0x200 */
    assert_true(rd64(COUNTER) == 0x200000200ull);

    /* Periodic in 32-bit mode: the comparator wraps through 0. */
    harness_probe_reset(p);
    wr(CFG, 0);
    wr64(COUNTER, 0xfffff000u);
    wr(TCFG(1), T_ENB | T_PERIODIC | T_VAL_SET | T_32MODE | T_ROUTE(2));
    wr(TCMP(1), 0xfffff000u + 10000);
    wr(TCMP(1), 10000);
    wr(CFG, CFG_ENABLE);
    harness_advance_ns(100 * US);
    assert_int_equal(p->rising, 1);
    assert_int_equal(rd(TCMP(1)), (uint32_t)(0xfffff000u + 20000));
    harness_advance_ns(100 * US);
    assert_int_equal(p->rising, 2);
}

static void test_level_status(void **state)
{
    IRQProbe *p = harness_probe_output(hpet, "irq", 2);
    wr(TCFG(2), T_LEVEL | T_ENB | T_ROUTE(2));
    wr64(TCMP(2), 100);
    wr(CFG, CFG_ENABLE);
    harness_advance_ns(US);
    assert_int_equal(p->level, 1);
    assert_int_equal(rd(ISR), 1u << 2);
    harness_advance_ns(MS);
    assert_int_equal(p->level, 1);              /* held */
    wr(ISR, 1u << 1);                           /* another bit: no effect */
    assert_int_equal(p->level, 1);
    wr(ISR, 1u << 2);                           /* write 1 to clear */
    assert_int_equal(p->level, 0);
    assert_int_equal(rd(ISR), 0);

    /* Halting the counter takes the line down, the status stays. */
    wr64(TCMP(2), rd64(COUNTER) + 100);
    harness_advance_ns(US);
    assert_int_equal(p->level, 1);
    wr(CFG, 0);
    assert_int_equal(p->level, 0);
    assert_int_equal(rd(ISR), 1u << 2);
    wr(CFG, CFG_ENABLE);
    assert_int_equal(p->level, 1);

    /* With INT_ENB clear the status bit is set, the line stays low. */
    wr(ISR, 1u << 2);
    wr(TCFG(2), T_LEVEL | T_ROUTE(2));
    wr64(TCMP(2), rd64(COUNTER) + 100);
    harness_advance_ns(US);
    assert_int_equal(p->level, 0);
    assert_int_equal(rd(ISR), 1u << 2);
    wr(TCFG(2), T_LEVEL | T_ENB | T_ROUTE(2));
    assert_int_equal(p->level, 1);
    /* Turning the timer to edge drops its status and the line. */
    wr(TCFG(2), T_ENB | T_ROUTE(2));
    assert_int_equal(p->level, 0);
    assert_int_equal(rd(ISR), 0);
}

static void test_legacy_route(void **state)
{
    IRQProbe *irq2 = harness_probe_output(hpet, "irq", 2);
    IRQProbe *leg0 = harness_probe_output(hpet, "legacy-irq", 0);
    IRQProbe *leg1 = harness_probe_output(hpet, "legacy-irq", 1);
    IRQProbe *pit = harness_probe_output(hpet, "pit-enable", 0);
    device_cold_reset(hpet);
    assert_int_equal(pit->level, 1);

    wr(TCFG(0), T_ENB | T_PERIODIC | T_VAL_SET | T_ROUTE(2));
    wr64(TCMP(0), 100000);
    wr64(TCMP(0), 100000);                      /* 1 ms */
    wr(TCFG(1), T_ENB | T_ROUTE(2));
    wr64(TCMP(1), 50000);
    wr(CFG, CFG_LEGACY);                        /* not yet: the counter is off */
    assert_int_equal(pit->level, 1);
    wr(CFG, CFG_LEGACY | CFG_ENABLE);
    assert_int_equal(pit->level, 0);            /* the PIT and RTC stand down */
    harness_advance_ns(10 * MS);
    assert_int_equal(leg0->rising, 10);         /* timer 0 on IRQ0 */
    assert_int_equal(leg1->rising, 1);          /* timer 1 on IRQ8 */
    assert_int_equal(irq2->rising, 0);          /* not on their own routes */

    wr(CFG, CFG_ENABLE);                        /* back to the routes */
    assert_int_equal(pit->level, 1);
    harness_advance_ns(10 * MS);
    assert_int_equal(leg0->rising, 10);
    assert_int_equal(irq2->rising, 10);
}

/* The PIT stands down while the legacy route is on: its counter 0 no
 * longer moves IRQ0. */
static void test_legacy_pit_stand_down(void **state)
{
    harness_load_plugin("pit");
    DeviceState *pit = harness_create("i8254", "pit", NULL, NULL);
    assert_true(device_connect_gpio_out_named(hpet, "pit-enable", 0,
                                              device_get_gpio_in_named(pit, "enable", 0), NULL));
    IRQProbe *irq0 = harness_probe_output(pit, "irq", 0);
    device_cold_reset(hpet);
    cpu_outb(0x43, 0x34);                       /* counter 0, mode 2, lsb/msb */
    cpu_outb(0x40, 0xa9);
    cpu_outb(0x40, 0x04);                       /* 1193: 1 ms */
    harness_advance_ns(10 * MS);
    assert_in_range(irq0->rising, 9, 11);
    harness_probe_reset(irq0);
    wr(CFG, CFG_LEGACY | CFG_ENABLE);
    harness_advance_ns(10 * MS);
    assert_int_equal(irq0->rising, 0);
    wr(CFG, CFG_ENABLE);
    harness_advance_ns(10 * MS);
    assert_in_range(irq0->rising, 9, 11);
    harness_destroy(pit);
}

static void test_properties(void **state)
{
    Error *err = NULL;
    harness_destroy(hpet);
    assert_null(harness_try_create("hpet", "h2", NULL, (const char *[]){ "timers=2", NULL },
                                   &err));
    error_free(err);
    err = NULL;
    assert_null(harness_try_create("hpet", "h2", NULL, (const char *[]){ "timers=33", NULL },
                                   &err));
    error_free(err);
    err = NULL;
    assert_null(harness_try_create("hpet", "h2", NULL, (const char *[]){ "msi=on", NULL },
                                   &err));
    error_free(err);
    hpet = make_hpet((const char *[]){ "timers=32", "hpet-intcap=0x00ff0104", NULL });
    assert_int_equal((rd(CAP) >> 8) & 0x1f, 31);
    assert_int_equal(rd(TCFG(31) + 4), 0x00ff0104);
    /* Timer 31 lies past the first KiB, in the window all the same. */
    wr(TCFG(31), T_ENB | T_ROUTE(17));
    assert_int_equal(rd(TCFG(31)) & 0x3e00, T_ROUTE(17));
    IRQProbe *p = harness_probe_output(hpet, "irq", 17);
    wr64(TCMP(31), 10);
    wr(CFG, CFG_ENABLE);
    harness_advance_ns(US);
    assert_int_equal(p->rising, 1);
}

static void test_hostile(void **state)
{
    MemTxResult r;
    AddressSpace *as = address_space_memory();
    /* Bytes, halves and unaligned accesses are refused by the bus. */
    address_space_ld(as, BASE + CAP, 1, &r);
    assert_int_not_equal(r, MEMTX_OK);
    address_space_st(as, BASE + CFG, 0xff, 2, &r);
    assert_int_not_equal(r, MEMTX_OK);
    address_space_st(as, BASE + CFG + 2, 0xffffffff, 4, &r);
    assert_int_not_equal(r, MEMTX_OK);
    assert_int_equal(rd(CFG), 0);

    /* A route outside the capability is not taken. */
    wr(TCFG(0), T_ROUTE(5));
    assert_int_equal(rd(TCFG(0)) & 0x3e00, 0);
    wr(TCFG(0), T_ROUTE(2));
    wr(TCFG(0), T_ROUTE(31) | T_ENB);
    assert_int_equal(rd(TCFG(0)) & 0x3e04, T_ROUTE(2) | T_ENB);
    /* Read-only capability bits and FSB delivery stay as they are. */
    wr64(TCFG(0), ~0ull);
    assert_int_equal(rd(TCFG(0) + 4), 0x4);
    assert_int_equal(rd(TCFG(0)) & ((1u << 14) | (1u << 15)), 0);
    wr64(TFSB(0), ~0ull);
    assert_true(rd64(TFSB(0)) == 0);

    /* A periodic comparator of 0 in 64-bit mode does not spin. */
    wr(CFG, CFG_ENABLE);
    wr(TCFG(0), T_ENB | T_PERIODIC | T_VAL_SET | T_ROUTE(2));
    wr64(TCMP(0), 0);
    wr64(TCMP(0), 0);
    harness_advance_ns(10 * MS);

    /* Every register, every value: nothing breaks, and the clock runs on. */
    for (unsigned off = 0; off < 0x400; off += 4) {
        wr(off, 0xffffffffu);
        wr(off, 0);
        wr(off, 0x5a5a5a5au);
        (void)rd(off);
    }
    for (unsigned off = 0; off < 0x400; off += 8) {
        wr64(off, 1);
    }
    wr(CFG, CFG_ENABLE);
    for (unsigned n = 0; n < 3; n++) {
        wr(TCFG(n), T_ENB | T_PERIODIC | T_VAL_SET | T_ROUTE(2));
        wr64(TCMP(n), 1);
        wr64(TCMP(n), 1);
    }
    harness_advance_ns(100 * MS);
    assert_true(rd64(COUNTER) > 10000000);
}

/* Save a running HPET and load it into a fresh one: the counter and a
 * periodic timer carry on where they were.  (The state-description walk
 * over every type, tests/unit/migration, drives another.) */
static void test_save_restore(void **state)
{
    wr(TCFG(0), T_ENB | T_PERIODIC | T_VAL_SET | T_ROUTE(2));
    wr64(TCMP(0), 3000);
    wr64(TCMP(0), 10000);
    wr(TCFG(2), T_LEVEL | T_ENB | T_ROUTE(2));
    wr64(TCMP(2), 2000);
    wr(CFG, CFG_ENABLE);
    harness_advance_ns(25 * US);                /* counter 2500: timer 2 fired */
    VMStateStream *w = vmstate_stream_new_buffer();
    assert_true(vmstate_save_device(w, hpet, &error_abort));
    harness_destroy(hpet);

    hpet = make_hpet(NULL);
    IRQProbe *p = harness_probe_output(hpet, "irq", 2);
    size_t len;
    const uint8_t *data = vmstate_stream_data(w, &len);
    VMStateStream *r = vmstate_stream_new_reader(data, len);
    assert_true(vmstate_load_device(r, hpet, &error_abort));
    vmstate_stream_free(r);
    vmstate_stream_free(w);

    assert_int_equal(rd(COUNTER), 2500);
    assert_int_equal(rd(ISR), 1u << 2);
    wr(ISR, 1u << 2);
    harness_advance_ns(5 * US - 10);
    assert_int_equal(p->rising, 0);
    harness_advance_ns(10);
    assert_int_equal(p->rising, 1);             /* timer 0 at 3000 */
    harness_advance_ns(100 * US);
    assert_int_equal(p->rising, 2);             /* and at 13000 */
    assert_int_equal(rd(TCMP(0)), 23000);
}

/* A stream with a route outside the capability is refused. */
static void test_load_refuses(void **state)
{
    wr(TCFG(1), T_ROUTE(2));
    VMStateStream *w = vmstate_stream_new_buffer();
    assert_true(vmstate_save_device(w, hpet, &error_abort));
    harness_destroy(hpet);
    hpet = make_hpet((const char *[]){ "hpet-intcap=0x100", NULL });
    size_t len;
    const uint8_t *data = vmstate_stream_data(w, &len);
    VMStateStream *r = vmstate_stream_new_reader(data, len);
    Error *err = NULL;
    assert_false(vmstate_load_device(r, hpet, &err));
    assert_non_null(err);
    error_free(err);
    vmstate_stream_free(r);
    vmstate_stream_free(w);
}

/* The HPET description table (IA-PC HPET spec 1.0a, 3.2.4): the block
 * ID is the capabilities register's low half (what the guest reads), the
 * base a system-memory GAS, sequence 0, the minimum periodic tick
 * min-period-ns in 10 ns periods; with more timers the ID says so. */
static void check_hpet_table(uint32_t timers, uint16_t min_tick)
{
    GByteArray *t = harness_acpi_table("HPET", 0);
    assert_non_null(t);
    assert_int_equal(t->len, 56);
    assert_int_equal(t->data[8], 1);                        /* revision */
    assert_int_equal(cc_ld_le32(t->data + 36), rd(CAP));
    assert_int_equal(cc_ld_le32(t->data + 36), 0x8086a001 | ((timers - 1) << 8));
    static const uint8_t gas[12] = { 0, 64, 0, 0, 0x00, 0x00, 0xd0, 0xfe, 0, 0, 0, 0 };
    assert_memory_equal(t->data + 40, gas, sizeof(gas));
    assert_int_equal(t->data[52], 0);                       /* HPET number */
    assert_int_equal(cc_ld_le16(t->data + 53), min_tick);
    assert_int_equal(t->data[55], 0);                       /* page protection */
    assert_null(harness_acpi_table("HPET", 1));
    g_byte_array_free(t, TRUE);
}

static void test_acpi_table(void **state)
{
    check_hpet_table(3, 2000);
    harness_destroy(hpet);
    hpet = make_hpet((const char *[]){ "timers=8", "min-period-ns=0", NULL });
    check_hpet_table(8, 0);
}

/* \_SB.HPET in the DSDT: PNP0103 (its EISA id compressed: "AHO" 0x0103,
 * ACPI 6.4 19.6.35) and Memory32Fixed (ReadOnly, 0xFED00000, 0x400). */
static void test_acpi_dsdt(void **state)
{
    GByteArray *dsdt = harness_acpi_table("DSDT", 0);
    assert_non_null(dsdt);
    static const uint8_t hid[] = { 0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x01, 0x03 };
    static const uint8_t crs[] = { 0x86, 0x09, 0x00, 0x00, 0x00, 0x00, 0xd0, 0xfe,
                                   0x00, 0x04, 0x00, 0x00 };
    assert_true(harness_acpi_contains(dsdt, "HPET", 4));
    assert_true(harness_acpi_contains(dsdt, hid, sizeof(hid)));
    assert_true(harness_acpi_contains(dsdt, crs, sizeof(crs)));
    g_byte_array_free(dsdt, TRUE);
}

/* Not mapped: neither the table nor the device. */
static void test_acpi_unmapped(void **state)
{
    harness_destroy(hpet);
    hpet = harness_create("hpet", "hpet", NULL, NULL);
    assert_null(harness_acpi_table("HPET", 0));
    GByteArray *dsdt = harness_acpi_table("DSDT", 0);
    assert_false(harness_acpi_contains(dsdt, "HPET", 4));
    g_byte_array_free(dsdt, TRUE);
}

int main(void)
{
    harness_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_capabilities, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_shot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_periodic_val_set, setup, teardown),
        cmocka_unit_test_setup_teardown(test_due_before_access, setup, teardown),
        cmocka_unit_test_setup_teardown(test_min_period, setup, teardown),
        cmocka_unit_test_setup_teardown(test_32bit_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_level_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_legacy_route, setup, teardown),
        cmocka_unit_test_setup_teardown(test_legacy_pit_stand_down, setup, teardown),
        cmocka_unit_test_setup_teardown(test_properties, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_save_restore, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_acpi_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_acpi_dsdt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_acpi_unmapped, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
