/*
 * Input routing, key names, combos and the paced typing queue.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "input/input-internal.h"
#include "timer/clock-internal.h"

typedef struct Sink {
    int keys[256];
    bool downs[256];
    int nkeys;
    int mouse_calls;
    int dx, dy, dz;
    unsigned buttons;
} Sink;

static void sink_key(void *opaque, int qnum, bool down)
{
    Sink *s = opaque;
    assert_true(s->nkeys < 256);
    s->keys[s->nkeys] = qnum;
    s->downs[s->nkeys++] = down;
}

static void sink_mouse(void *opaque, int dx, int dy, int dz, unsigned buttons)
{
    Sink *s = opaque;
    s->mouse_calls++;
    s->dx = dx;
    s->dy = dy;
    s->dz = dz;
    s->buttons = buttons;
}

static const InputHandler kbd_handler = { .name = "kbd", .key = sink_key };
static const InputHandler mouse_handler = { .name = "mouse", .mouse = sink_mouse };
static const InputHandler both_handler = { .name = "both", .key = sink_key,
                                           .mouse = sink_mouse };

static uint64_t fake_insns;

static uint64_t fake_icount(void *opaque)
{
    return fake_insns;
}

static int setup(void **state)
{
    clock_configure(0);
    clock_set_icount_source(fake_icount, NULL);
    clock_vm_start();
    return 0;
}

static void test_routing_latest_handler_wins(void **state)
{
    Sink a = { 0 }, b = { 0 }, m = { 0 };
    void *ha = input_register(&both_handler, &a);
    void *hm = input_register(&mouse_handler, &m);
    void *hb = input_register(&kbd_handler, &b);
    input_send_key(0x1e, true);
    /* b is the newest with a key callback; m the newest with a mouse one. */
    assert_int_equal(b.nkeys, 1);
    assert_int_equal(a.nkeys, 0);
    input_send_mouse(3, -4, 1, INPUT_BUTTON_LEFT);
    assert_int_equal(m.mouse_calls, 1);
    assert_int_equal(a.mouse_calls, 0);
    assert_int_equal(m.dx, 3);
    assert_int_equal(m.dy, -4);
    assert_int_equal(m.dz, 1);
    assert_int_equal(m.buttons, INPUT_BUTTON_LEFT);
    /* Out-of-range qnums go nowhere. */
    input_send_key(0, true);
    input_send_key(0x100, true);
    input_send_key(-5, true);
    assert_int_equal(b.nkeys, 1);
    input_unregister(hb);
    input_unregister(hm);
    input_send_key(0x1e, false);
    input_send_mouse(1, 1, 0, 0);
    assert_int_equal(a.nkeys, 1);
    assert_int_equal(a.mouse_calls, 1);
    input_unregister(ha);
    /* With nobody registered, events vanish. */
    input_send_key(0x1e, true);
    input_send_mouse(1, 1, 0, 0);
    assert_int_equal(a.nkeys, 1);
    /* Unregistering a stale handle is harmless. */
    input_unregister(ha);
}

static void test_key_names(void **state)
{
    assert_int_equal(input_qnum_from_name("a"), 0x1e);
    assert_int_equal(input_qnum_from_name("ret"), 0x1c);
    assert_int_equal(input_qnum_from_name("spc"), 0x39);
    assert_int_equal(input_qnum_from_name("esc"), 0x01);
    assert_int_equal(input_qnum_from_name("backspace"), 0x0e);
    assert_int_equal(input_qnum_from_name("tab"), 0x0f);
    assert_int_equal(input_qnum_from_name("shift"), 0x2a);
    assert_int_equal(input_qnum_from_name("ctrl"), 0x1d);
    assert_int_equal(input_qnum_from_name("ctrl_r"), 0x9d);
    assert_int_equal(input_qnum_from_name("alt"), 0x38);
    assert_int_equal(input_qnum_from_name("f1"), 0x3b);
    assert_int_equal(input_qnum_from_name("f10"), 0x44);
    assert_int_equal(input_qnum_from_name("f11"), 0x57);
    assert_int_equal(input_qnum_from_name("f12"), 0x58);
    assert_int_equal(input_qnum_from_name("up"), 0xc8);
    assert_int_equal(input_qnum_from_name("left"), 0xcb);
    assert_int_equal(input_qnum_from_name("right"), 0xcd);
    assert_int_equal(input_qnum_from_name("down"), 0xd0);
    assert_int_equal(input_qnum_from_name("delete"), 0xd3);
    assert_int_equal(input_qnum_from_name("pause"), 0xc6);
    assert_int_equal(input_qnum_from_name("0x2c"), 0x2c);
    assert_int_equal(input_qnum_from_name("0x100"), -1);
    assert_int_equal(input_qnum_from_name("0x0"), -1);
    assert_int_equal(input_qnum_from_name("nosuchkey"), -1);
    assert_int_equal(input_qnum_from_name(""), -1);
    assert_int_equal(input_qnum_from_name(NULL), -1);
    /* A combo is not a single key. */
    assert_int_equal(input_qnum_from_name("ctrl-alt-delete"), -1);
    assert_string_equal(input_qnum_name(0x1c), "ret");
    assert_null(input_qnum_name(0x7f));
}

static void test_combo(void **state)
{
    Sink s = { 0 };
    void *h = input_register(&kbd_handler, &s);
    assert_true(input_send_combo("ctrl-alt-delete", &error_abort));
    int want[] = { 0x1d, 0x38, 0xd3, 0xd3, 0x38, 0x1d };
    bool down[] = { true, true, true, false, false, false };
    assert_int_equal(s.nkeys, 6);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(s.keys[i], want[i]);
        assert_int_equal(s.downs[i], down[i]);
    }
    /* An unknown name sends nothing at all. */
    Error *err = NULL;
    assert_false(input_send_combo("ctrl-alt-bogus", &err));
    assert_non_null(strstr(error_get_pretty(err), "bogus"));
    error_free(err);
    err = NULL;
    assert_false(input_send_combo("", &err));
    error_free(err);
    err = NULL;
    GString *many = g_string_new("a");
    for (int i = 0; i < INPUT_COMBO_MAX; i++) {
        g_string_append(many, "-b");
    }
    assert_false(input_send_combo(many->str, &err));
    assert_non_null(strstr(error_get_pretty(err), "more than"));
    error_free(err);
    g_string_free(many, TRUE);
    assert_int_equal(s.nkeys, 6);
    input_unregister(h);
}

static void advance(int64_t ns)
{
    int64_t target = clock_get_ns(CC_CLOCK_VIRTUAL) + ns;
    while (clock_get_ns(CC_CLOCK_VIRTUAL) < target) {
        fake_insns += 1000000;   /* 1 ms steps */
        timers_run_expired(CC_CLOCK_VIRTUAL);
    }
}

static void test_type_text_is_paced(void **state)
{
    Sink s = { 0 };
    void *h = input_register(&kbd_handler, &s);
    assert_true(input_type_text("aB\n", &error_abort));
    /* a: 2 events; B: shift around it, 4; Return: 2. */
    assert_int_equal(input_queue_pending(), 8);
    assert_int_equal(s.nkeys, 0);
    timers_run_expired(CC_CLOCK_VIRTUAL);
    assert_int_equal(s.nkeys, 1);
    advance(INPUT_QUEUE_INTERVAL_NS / 2);
    assert_int_equal(s.nkeys, 1);
    advance(INPUT_QUEUE_INTERVAL_NS * 10);
    assert_int_equal(s.nkeys, 8);
    assert_int_equal(input_queue_pending(), 0);
    int want[] = { 0x1e, 0x1e, 0x2a, 0x30, 0x30, 0x2a, 0x1c, 0x1c };
    bool down[] = { true, false, true, true, false, false, true, false };
    for (int i = 0; i < 8; i++) {
        assert_int_equal(s.keys[i], want[i]);
        assert_int_equal(s.downs[i], down[i]);
    }
    /* Nothing armed once the queue is empty. */
    assert_int_equal(timers_deadline_ns(CC_CLOCK_VIRTUAL), -1);
    input_unregister(h);
}

static void test_type_text_rejects(void **state)
{
    Error *err = NULL;
    assert_false(input_type_text("ok\x01", &err));
    assert_non_null(strstr(error_get_pretty(err), "\\001"));
    error_free(err);
    assert_int_equal(input_queue_pending(), 0);
    /* More than the queue holds is refused whole. */
    char *big = g_strnfill(INPUT_QUEUE_MAX, 'x');
    err = NULL;
    assert_false(input_type_text(big, &err));
    assert_non_null(strstr(error_get_pretty(err), "queue full"));
    error_free(err);
    assert_int_equal(input_queue_pending(), 0);
    g_free(big);
}

static void test_chars(void **state)
{
    bool shift;
    assert_int_equal(input_qnum_for_char('z', &shift), 0x2c);
    assert_false(shift);
    assert_int_equal(input_qnum_for_char('Z', &shift), 0x2c);
    assert_true(shift);
    assert_int_equal(input_qnum_for_char('|', &shift), 0x2b);
    assert_true(shift);
    assert_int_equal(input_qnum_for_char('0', &shift), 0x0b);
    assert_false(shift);
    assert_int_equal(input_qnum_for_char(')', &shift), 0x0b);
    assert_true(shift);
    assert_int_equal(input_qnum_for_char(' ', &shift), 0x39);
    assert_int_equal(input_qnum_for_char('\x7f', &shift), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routing_latest_handler_wins),
        cmocka_unit_test(test_key_names),
        cmocka_unit_test(test_combo),
        cmocka_unit_test(test_type_text_is_paced),
        cmocka_unit_test(test_type_text_rejects),
        cmocka_unit_test(test_chars),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
