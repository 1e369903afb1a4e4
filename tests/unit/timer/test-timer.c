/*
 * Clocks and timers: deadline order, arming and cancelling from anywhere,
 * the no-hang rule, icount determinism, warps, and the virtual clock
 * standing still while the machine is stopped.
 *
 * Virtual time here comes from a fake instruction counter (icount mode),
 * so every expectation is exact; only the real-time-mode test reads the
 * host clock, and it asserts ordering, never durations.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <cardcage/timer.h>
#include "timer/clock-internal.h"

static uint64_t fake_insns;

static uint64_t fake_icount(void *opaque)
{
    return fake_insns;
}

/* icount with shift 0: virtual ns == instructions. */
static int setup_icount(void **state)
{
    fake_insns = 0;
    clock_configure(0);
    clock_set_icount_source(fake_icount, NULL);
    clock_vm_start();
    return 0;
}

static int teardown(void **state)
{
    /* Every test frees its timers: nothing may be left armed. */
    assert_int_equal(timers_deadline_ns(CC_CLOCK_VIRTUAL), -1);
    clock_vm_stop();
    return 0;
}

/* ---- a recorder of callback order ---- */

typedef struct Rec Rec;
typedef struct Probe {
    Rec *rec;
    int id;
    Timer *t;
    void (*then)(struct Probe *p);   /* extra work inside the callback */
    int64_t period;
    int64_t deadline;                /* periodic probes: the current one */
    Timer *victim;
} Probe;

#define REC_MAX 4096
struct Rec {
    int order[REC_MAX];
    int64_t when[REC_MAX];
    int n;
};

static void probe_cb(void *opaque)
{
    Probe *p = opaque;
    Rec *r = p->rec;
    assert_true(r->n < REC_MAX);
    r->order[r->n] = p->id;
    r->when[r->n] = clock_get_ns(CC_CLOCK_VIRTUAL);
    r->n++;
    if (p->then) {
        p->then(p);
    }
}

static Probe *probe_new(Rec *r, int id)
{
    Probe *p = g_new0(Probe, 1);
    p->rec = r;
    p->id = id;
    p->t = timer_new_ns(CC_CLOCK_VIRTUAL, probe_cb, p);
    return p;
}

static void probe_free(Probe *p)
{
    timer_free(p->t);
    g_free(p);
}

static void set_now(int64_t ns)
{
    fake_insns = (uint64_t)ns;
    assert_int_equal(clock_get_ns(CC_CLOCK_VIRTUAL), ns);
}

/* ---- ordering, arming, cancelling ---- */

static void test_deadline_order(void **state)
{
    static Rec r;
    r.n = 0;
    Probe *p[5];
    static const int64_t deadlines[5] = { 300, 100, 200, 100, 50 };

    for (int i = 0; i < 5; i++) {
        p[i] = probe_new(&r, i);
        timer_mod_ns(p[i]->t, deadlines[i]);
    }
    assert_int_equal(timers_deadline_ns(CC_CLOCK_VIRTUAL), 50);
    set_now(150);
    assert_int_equal(timers_deadline_ns(CC_CLOCK_VIRTUAL), 0);
    assert_true(timers_run_expired(CC_CLOCK_VIRTUAL));
    /* 50, then the two at 100 in the order they were armed. */
    assert_int_equal(r.n, 3);
    assert_int_equal(r.order[0], 4);
    assert_int_equal(r.order[1], 1);
    assert_int_equal(r.order[2], 3);
    assert_false(timer_pending(p[1]->t));
    assert_true(timer_pending(p[0]->t));
    assert_int_equal(timers_deadline_ns(CC_CLOCK_VIRTUAL), 50);

    set_now(1000);
    assert_true(timers_run_expired(CC_CLOCK_VIRTUAL));
    assert_int_equal(r.n, 5);
    assert_int_equal(r.order[3], 2);
    assert_int_equal(r.order[4], 0);
    assert_false(timers_run_expired(CC_CLOCK_VIRTUAL));

    for (int i = 0; i < 5; i++) {
        probe_free(p[i]);
    }
}

static void test_rearm_and_cancel(void **state)
{
    static Rec r;
    r.n = 0;
    Probe *a = probe_new(&r, 1);
    Probe *b = probe_new(&r, 2);

    assert_false(timer_pending(a->t));
    assert_int_equal(timer_expire_time_ns(a->t), -1);
    timer_mod_ns(a->t, 100);
    timer_mod_ns(a->t, 500);            /* re-arm later */
    assert_int_equal(timer_expire_time_ns(a->t), 500);
    timer_mod_ns(b->t, 200);
    timer_mod_ns(b->t, 40);             /* re-arm earlier */
    assert_int_equal(timers_deadline_ns(CC_CLOCK_VIRTUAL), 40);

    timer_del(b->t);
    assert_false(timer_pending(b->t));
    assert_int_equal(timer_expire_time_ns(b->t), -1);
    timer_del(b->t);                    /* twice is fine */
    assert_int_equal(timers_deadline_ns(CC_CLOCK_VIRTUAL), 500);

    set_now(400);
    assert_false(timers_run_expired(CC_CLOCK_VIRTUAL));
    set_now(500);
    assert_true(timers_run_expired(CC_CLOCK_VIRTUAL));
    assert_int_equal(r.n, 1);
    assert_int_equal(r.order[0], 1);
    assert_int_equal(r.when[0], 500);

    /* A deadline in the past (even before 0) fires at the next run. */
    timer_mod_ns(b->t, -20);
    assert_true(timer_pending(b->t));
    assert_int_equal(timers_deadline_ns(CC_CLOCK_VIRTUAL), 0);
    assert_true(timers_run_expired(CC_CLOCK_VIRTUAL));
    assert_int_equal(r.order[1], 2);

    probe_free(a);
    probe_free(b);
}

static void test_mod_earlier(void **state)
{
    static Rec r;
    r.n = 0;
    Probe *a = probe_new(&r, 1);

    timer_mod_ns_earlier(a->t, 300);    /* not armed: arms */
    assert_int_equal(timer_expire_time_ns(a->t), 300);
    timer_mod_ns_earlier(a->t, 400);    /* later: ignored */
    assert_int_equal(timer_expire_time_ns(a->t), 300);
    timer_mod_ns_earlier(a->t, 250);
    assert_int_equal(timer_expire_time_ns(a->t), 250);
    set_now(260);
    assert_true(timers_run_expired(CC_CLOCK_VIRTUAL));
    assert_int_equal(r.n, 1);
    probe_free(a);
}

/* ---- work inside callbacks ---- */

static void rearm_periodic(Probe *p)
{
    p->deadline += p->period;
    timer_mod_ns(p->t, p->deadline);
}

/* A periodic timer: the next deadline is the last one plus the period,
 * however late the last one ran. */
static void arm_periodic(Probe *p, int64_t first)
{
    p->then = rearm_periodic;
    p->deadline = first;
    timer_mod_ns(p->t, first);
}


static void test_rearm_from_callback(void **state)
{
    static Rec r;
    Probe *p = probe_new(&r, 1);
    p->period = 100;
    r.n = 0;

    arm_periodic(p, 100);
    set_now(100);
    assert_true(timers_run_expired(CC_CLOCK_VIRTUAL));
    assert_int_equal(r.n, 1);
    assert_int_equal(timer_expire_time_ns(p->t), 200);

    /* Far behind: one period per call, never all the missed ones at once
     * (each re-armed time is already due, so it waits for the next call). */
    set_now(450);
    assert_true(timers_run_expired(CC_CLOCK_VIRTUAL));
    assert_int_equal(r.n, 2);
    assert_int_equal(timer_expire_time_ns(p->t), 300);
    assert_true(timers_run_expired(CC_CLOCK_VIRTUAL));
    assert_int_equal(r.n, 3);
    assert_int_equal(timer_expire_time_ns(p->t), 400);
    assert_true(timers_run_expired(CC_CLOCK_VIRTUAL));
    assert_int_equal(timer_expire_time_ns(p->t), 500);
    assert_false(timers_run_expired(CC_CLOCK_VIRTUAL));
    assert_int_equal(r.n, 4);

    probe_free(p);
}

static void rearm_in_the_past(Probe *p)
{
    timer_mod_ns(p->t, 0);
}

static void test_no_hang_rule(void **state)
{
    static Rec r;
    r.n = 0;
    Probe *hog = probe_new(&r, 1);
    Probe *other = probe_new(&r, 2);
    hog->then = rearm_in_the_past;

    timer_mod_ns(hog->t, 10);
    timer_mod_ns(other->t, 20);
    set_now(30);
    assert_true(timers_run_expired(CC_CLOCK_VIRTUAL));
    /* The hog ran once and did not starve the other timer. */
    assert_int_equal(r.n, 2);
    assert_int_equal(r.order[0], 1);
    assert_int_equal(r.order[1], 2);
    assert_true(timer_pending(hog->t));
    assert_int_equal(timers_deadline_ns(CC_CLOCK_VIRTUAL), 0);

    assert_true(timers_run_expired(CC_CLOCK_VIRTUAL));
    assert_int_equal(r.n, 3);
    assert_true(timer_pending(hog->t));

    probe_free(hog);
    probe_free(other);
}

static void delete_victim(Probe *p)
{
    timer_del(p->victim);
}

static void free_victim(Probe *p)
{
    timer_free(p->victim);
    p->victim = NULL;
}

static void free_self(Probe *p)
{
    timer_free(p->t);
    p->t = NULL;
}

static void test_delete_and_free_from_callback(void **state)
{
    static Rec r;
    r.n = 0;
    Probe *killer = probe_new(&r, 1);
    Probe *victim = probe_new(&r, 2);
    Probe *freer = probe_new(&r, 3);
    Probe *freed = probe_new(&r, 4);
    Probe *selfish = probe_new(&r, 5);

    killer->then = delete_victim;
    killer->victim = victim->t;
    freer->then = free_victim;
    freer->victim = freed->t;
    selfish->then = free_self;

    /* All due together; each callback removes a later one. */
    timer_mod_ns(killer->t, 10);
    timer_mod_ns(victim->t, 11);
    timer_mod_ns(freer->t, 12);
    timer_mod_ns(freed->t, 13);
    timer_mod_ns(selfish->t, 14);
    set_now(100);
    assert_true(timers_run_expired(CC_CLOCK_VIRTUAL));
    assert_int_equal(r.n, 3);
    assert_int_equal(r.order[0], 1);
    assert_int_equal(r.order[1], 3);
    assert_int_equal(r.order[2], 5);
    assert_false(timer_pending(victim->t));
    assert_null(selfish->t);

    freed->t = NULL;
    probe_free(freed);
    probe_free(selfish);
    probe_free(freer);
    probe_free(victim);
    probe_free(killer);
}

static void test_free_armed_timer(void **state)
{
    static Rec r;
    r.n = 0;
    Probe *a = probe_new(&r, 1);
    Probe *b = probe_new(&r, 2);
    timer_mod_ns(a->t, 10);
    timer_mod_ns(b->t, 20);
    timer_free(a->t);
    a->t = NULL;
    set_now(30);
    assert_true(timers_run_expired(CC_CLOCK_VIRTUAL));
    assert_int_equal(r.n, 1);
    assert_int_equal(r.order[0], 2);
    probe_free(a);
    probe_free(b);
}

static void test_many_timers_stay_ordered(void **state)
{
    enum { N = 2000 };
    static Rec r;
    r.n = 0;
    Probe *p[N];
    int64_t expect_prev = -1;
    GRand *rand = g_rand_new_with_seed(1234);

    for (int i = 0; i < N; i++) {
        p[i] = probe_new(&r, i);
        timer_mod_ns(p[i]->t, g_rand_int_range(rand, 0, 100000));
    }
    /* Shuffle: re-arm some, cancel others. */
    for (int i = 0; i < N; i += 3) {
        timer_mod_ns(p[i]->t, g_rand_int_range(rand, 0, 100000));
    }
    for (int i = 1; i < N; i += 7) {
        timer_del(p[i]->t);
    }
    /* Run in slices and check the firing times never go down. */
    int fired = 0;
    for (int64_t now = 0; now <= 100000; now += 997) {
        set_now(now);
        r.n = 0;
        timers_run_expired(CC_CLOCK_VIRTUAL);
        for (int k = 0; k < r.n; k++) {
            int64_t e = r.when[k];
            assert_true(e >= expect_prev);
            expect_prev = e;
            assert_true(r.order[k] % 7 != 1);
        }
        fired += r.n;
    }
    set_now(100001);
    r.n = 0;
    timers_run_expired(CC_CLOCK_VIRTUAL);
    fired += r.n;
    int cancelled = 0;
    for (int i = 1; i < N; i += 7) {
        cancelled++;
    }
    assert_int_equal(fired, N - cancelled);
    for (int i = 0; i < N; i++) {
        probe_free(p[i]);
    }
    g_rand_free(rand);
}

static void test_order_uses_deadline_not_run_time(void **state)
{
    static Rec r;
    r.n = 0;
    Probe *a = probe_new(&r, 1);
    Probe *b = probe_new(&r, 2);

    /* Both are due when the run starts: the earlier deadline goes first
     * even though it was armed second. */
    timer_mod_ns(a->t, 90);
    timer_mod_ns(b->t, 80);
    set_now(100);
    timers_run_expired(CC_CLOCK_VIRTUAL);
    assert_int_equal(r.order[0], 2);
    assert_int_equal(r.order[1], 1);
    probe_free(a);
    probe_free(b);
}

/* ---- the virtual clock ---- */

static void test_icount_clock(void **state)
{
    clock_vm_stop();
    clock_configure(3);
    assert_true(clock_icount_enabled());
    assert_int_equal(clock_icount_shift(), 3);
    fake_insns = 0;

    /* Frozen at 0 before the machine starts. */
    fake_insns = 50;
    assert_int_equal(clock_get_ns(CC_CLOCK_VIRTUAL), 0);
    clock_vm_start();
    assert_true(clock_vm_running());
    assert_int_equal(clock_get_ns(CC_CLOCK_VIRTUAL), 0);
    fake_insns = 60;
    assert_int_equal(clock_get_ns(CC_CLOCK_VIRTUAL), 80);     /* 10 << 3 */

    /* Warp moves it forward while the CPU idles; never backward. */
    clock_icount_warp(1000);
    assert_int_equal(clock_get_ns(CC_CLOCK_VIRTUAL), 1080);
    clock_icount_warp(-500);
    assert_int_equal(clock_get_ns(CC_CLOCK_VIRTUAL), 1080);
    fake_insns = 61;
    assert_int_equal(clock_get_ns(CC_CLOCK_VIRTUAL), 1088);

    /* Stopped: frozen even if the counter moves; resumes continuously. */
    clock_vm_stop();
    assert_false(clock_vm_running());
    fake_insns = 100;
    assert_int_equal(clock_get_ns(CC_CLOCK_VIRTUAL), 1088);
    clock_vm_start();
    assert_int_equal(clock_get_ns(CC_CLOCK_VIRTUAL), 1088);
    fake_insns = 101;
    assert_int_equal(clock_get_ns(CC_CLOCK_VIRTUAL), 1096);

    /* A counter that steps back does not take the clock with it. */
    fake_insns = 90;
    assert_int_equal(clock_get_ns(CC_CLOCK_VIRTUAL), 1096);

    /* Swapping the source keeps time continuous. */
    clock_set_icount_source(NULL, NULL);
    assert_int_equal(clock_get_ns(CC_CLOCK_VIRTUAL), 1096);
    clock_set_icount_source(fake_icount, NULL);
    fake_insns = 95;
    assert_int_equal(clock_get_ns(CC_CLOCK_VIRTUAL), 1096 + 5 * 8);

    /* Back to the fixture's configuration. */
    clock_vm_stop();
    setup_icount(NULL);
}

static void run_icount_scenario(Rec *r)
{
    Probe *a = probe_new(r, 1);
    Probe *b = probe_new(r, 2);
    a->period = 37;
    b->period = 53;
    arm_periodic(a, 37);
    arm_periodic(b, 53);
    /* "Execute" in uneven slices sized by the deadline, as the main loop
     * does in icount mode. */
    for (int slice = 0; slice < 40; slice++) {
        int64_t d = timers_deadline_ns(CC_CLOCK_VIRTUAL);
        fake_insns += (uint64_t)(d > 0 ? d : 1);
        timers_run_expired(CC_CLOCK_VIRTUAL);
    }
    probe_free(a);
    probe_free(b);
}

static void test_icount_runs_are_reproducible(void **state)
{
    static Rec first, second;

    run_icount_scenario(&first);
    clock_vm_stop();
    setup_icount(NULL);
    run_icount_scenario(&second);

    assert_true(first.n > 20);
    assert_int_equal(first.n, second.n);
    assert_memory_equal(first.order, second.order, sizeof(first.order));
    assert_memory_equal(first.when, second.when, sizeof(first.when));
    /* Deadlines were met exactly: every firing is a multiple of a period. */
    for (int i = 0; i < first.n; i++) {
        int64_t period = first.order[i] == 1 ? 37 : 53;
        assert_int_equal(first.when[i] % period, 0);
    }
}

static void test_timers_wait_while_stopped(void **state)
{
    static Rec r;
    r.n = 0;
    Probe *a = probe_new(&r, 1);
    timer_mod_ns(a->t, 100);
    clock_vm_stop();
    fake_insns = 500;
    assert_false(timers_run_expired(CC_CLOCK_VIRTUAL));
    assert_int_equal(timers_deadline_ns(CC_CLOCK_VIRTUAL), 100);
    clock_vm_start();
    fake_insns = 600;
    assert_true(timers_run_expired(CC_CLOCK_VIRTUAL));
    assert_int_equal(r.when[0], 100);
    probe_free(a);
}

static void test_realtime_mode_stop_start(void **state)
{
    clock_vm_stop();
    clock_configure(-1);
    assert_false(clock_icount_enabled());
    assert_true(clock_icount_shift() < 0);

    /* Frozen at 0 until started, however long the host waits. */
    g_usleep(2000);
    assert_int_equal(clock_get_ns(CC_CLOCK_VIRTUAL), 0);
    clock_vm_start();
    g_usleep(2000);
    int64_t running = clock_get_ns(CC_CLOCK_VIRTUAL);
    assert_true(running > 0);

    clock_vm_stop();
    int64_t frozen = clock_get_ns(CC_CLOCK_VIRTUAL);
    assert_true(frozen >= running);
    g_usleep(2000);
    assert_int_equal(clock_get_ns(CC_CLOCK_VIRTUAL), frozen);

    /* Resumes from where it stopped: the virtual time gained since can be
     * no more than the host time that passed after the start call began
     * (the 2 ms spent stopped do not count). */
    int64_t h1 = host_monotonic_ns();
    clock_vm_start();
    int64_t resumed = clock_get_ns(CC_CLOCK_VIRTUAL);
    int64_t h2 = host_monotonic_ns();
    assert_true(resumed >= frozen);
    assert_true(resumed - frozen <= h2 - h1);
    int64_t prev = resumed;
    for (int i = 0; i < 1000; i++) {
        int64_t v = clock_get_ns(CC_CLOCK_VIRTUAL);
        assert_true(v >= prev);
        prev = v;
    }
    /* Warping is an icount-only operation. */
    int64_t before = clock_get_ns(CC_CLOCK_VIRTUAL);
    clock_icount_warp(NANOSECONDS_PER_SECOND);
    assert_true(clock_get_ns(CC_CLOCK_VIRTUAL) - before < NANOSECONDS_PER_SECOND / 2);

    clock_vm_stop();
    setup_icount(NULL);
}

static void test_host_clocks(void **state)
{
    int64_t a = clock_get_ns(CC_CLOCK_REALTIME);
    int64_t b = clock_get_ns(CC_CLOCK_REALTIME);
    assert_true(b >= a);
    assert_true(host_monotonic_ns() >= b);

    /* Wall clock: nanoseconds since the epoch, agreeing with GLib's. */
    int64_t wall = clock_get_ns(CC_CLOCK_HOST);
    int64_t glib_us = g_get_real_time();
    assert_true(wall / 1000 > glib_us - 1000000 && wall / 1000 < glib_us + 1000000);
    assert_int_equal(clock_get_ms(CC_CLOCK_VIRTUAL), clock_get_ns(CC_CLOCK_VIRTUAL) / 1000000);
}

static int notified;
static ClockType notified_type;

static void on_deadline(void *opaque, ClockType type)
{
    notified++;
    notified_type = type;
}

static void test_deadline_notify(void **state)
{
    static Rec r;
    r.n = 0;
    Probe *a = probe_new(&r, 1);
    Probe *b = probe_new(&r, 2);
    notified = 0;
    timers_set_deadline_notify(on_deadline, NULL);

    timer_mod_ns(a->t, 500);          /* first: the new earliest */
    assert_int_equal(notified, 1);
    assert_int_equal(notified_type, CC_CLOCK_VIRTUAL);
    timer_mod_ns(b->t, 800);          /* later: no news */
    assert_int_equal(notified, 1);
    timer_mod_ns(b->t, 300);          /* earlier than a */
    assert_int_equal(notified, 2);

    timers_set_deadline_notify(NULL, NULL);
    probe_free(a);
    probe_free(b);
}

static void test_muldiv64(void **state)
{
    /* 8254 input clock 1.193182 MHz: one second of ticks. */
    assert_int_equal(muldiv64(NANOSECONDS_PER_SECOND, 1193182, NANOSECONDS_PER_SECOND),
                     1193182);
    /* No overflow in the intermediate product. */
    assert_int_equal(muldiv64(UINT64_MAX / 2, 4, 8), UINT64_MAX / 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_deadline_order, setup_icount, teardown),
        cmocka_unit_test_setup_teardown(test_rearm_and_cancel, setup_icount, teardown),
        cmocka_unit_test_setup_teardown(test_mod_earlier, setup_icount, teardown),
        cmocka_unit_test_setup_teardown(test_rearm_from_callback, setup_icount, teardown),
        cmocka_unit_test_setup_teardown(test_no_hang_rule, setup_icount, teardown),
        cmocka_unit_test_setup_teardown(test_delete_and_free_from_callback, setup_icount,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_free_armed_timer, setup_icount, teardown),
        cmocka_unit_test_setup_teardown(test_many_timers_stay_ordered, setup_icount, teardown),
        cmocka_unit_test_setup_teardown(test_order_uses_deadline_not_run_time, setup_icount,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_icount_clock, setup_icount, teardown),
        cmocka_unit_test_setup_teardown(test_icount_runs_are_reproducible, setup_icount,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_timers_wait_while_stopped, setup_icount, teardown),
        cmocka_unit_test_setup_teardown(test_realtime_mode_stop_start, setup_icount, teardown),
        cmocka_unit_test_setup_teardown(test_host_clocks, setup_icount, teardown),
        cmocka_unit_test_setup_teardown(test_deadline_notify, setup_icount, teardown),
        cmocka_unit_test(test_muldiv64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
