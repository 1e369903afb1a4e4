/*
 * The whole machine of the real "pc" board (which extends "isapc"): every
 * device it builds, the CPU included, has a state description; the
 * machine's device state saves, reloads to the same bytes, and a hostile
 * stream leaves it as it was.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "harness-vmstate.h"
#include "board/board.h"
#include "chardev/chardev-internal.h"

static bool load_machine(GBytes *b, Error **errp)
{
    return harness_vmstate_load_machine(g_bytes_get_data(b, NULL), g_bytes_get_size(b), errp);
}

/* Where name occurs in b. */
static size_t find_bytes(GBytes *b, const char *name)
{
    gsize len;
    const uint8_t *d = g_bytes_get_data(b, &len);
    const uint8_t *p = memmem(d, len, name, strlen(name));
    assert_non_null(p);
    return (size_t)(p - d);
}

static void test_pc_board(void **state)
{
    harness_init();
    assert_true(harness_load_build_plugins() >= 13);
    char *file = g_build_filename(g_getenv("CARDCAGE_SOURCE_ROOT"), "machines", "pc.json", NULL);
    Error *err = NULL;
    /* The backends the board's serial ports and debug console name. */
    static const char *const backends[] = { "serial0", "serial1", "serial2", "serial3",
                                            "debugcon" };
    for (size_t i = 0; i < CC_ARRAY_SIZE(backends); i++) {
        assert_non_null(chardev_new_from_spec(backends[i], "null", &error_abort));
    }
    Board *b = board_load(file, &err);
    BoardBuildOptions opts = { .direct_kernel = true };
    if (!b || !board_build(b, &opts, &err)) {
        fail_msg("%s", error_get_pretty(err));
    }
    board_free(b);
    harness_clock_reclaim();
    g_free(file);
    assert_true(vmstate_machine_check(&err));

    GBytes *s0 = harness_vmstate_save_machine();
    /* Sections are named by the board's ids. */
    find_bytes(s0, "/machine/isa/pit");
    find_bytes(s0, "/lapic");
    find_bytes(s0, "/machine/cpu");
    /* The guest programs the PIT, the PICs' masks and the CMOS index. */
    cpu_outb(0x43, 0x34);
    cpu_outb(0x40, 0x9c);
    cpu_outb(0x40, 0x2e);
    cpu_outb(0x21, 0xb8);
    cpu_outb(0xa1, 0x8f);
    cpu_outb(0x70, 0x0b);
    harness_advance_ns(3000000);
    GBytes *s1 = harness_vmstate_save_machine();
    assert_false(g_bytes_equal(s0, s1));

    /* Back and forth: each load gives exactly the state saved. */
    assert_true(load_machine(s0, &err));
    GBytes *now = harness_vmstate_save_machine();
    assert_true(g_bytes_equal(now, s0));
    g_bytes_unref(now);
    assert_int_equal(cpu_inb(0x21), 0);         /* the mask after reset */
    assert_true(load_machine(s1, &err));
    now = harness_vmstate_save_machine();
    assert_true(g_bytes_equal(now, s1));
    g_bytes_unref(now);
    assert_int_equal(cpu_inb(0x21), 0xb8);
    assert_int_equal(cpu_inb(0xa1), 0x8f);

    /* A stream from another board: a device it does not have. */
    gsize len;
    const uint8_t *good = g_bytes_get_data(s0, &len);
    uint8_t *bad = g_memdup2(good, len);
    size_t at = find_bytes(s0, "/lapic");
    memcpy(bad + at, "/lapix", 6);
    GBytes *other = g_bytes_new_take(bad, len);
    assert_false(load_machine(other, &err));
    assert_non_null(strstr(error_get_pretty(err), "/lapix' (apic): no such device in this "
                           "machine"));
    error_free(err);
    err = NULL;
    /* A stream cut inside the last device: nothing changed. */
    GBytes *cut = g_bytes_new_from_bytes(s0, 0, len - 3);
    assert_false(load_machine(cut, &err));
    assert_non_null(strstr(error_get_pretty(err), "truncated"));
    error_free(err);
    now = harness_vmstate_save_machine();
    assert_true(g_bytes_equal(now, s1));
    g_bytes_unref(now);
    g_bytes_unref(cut);
    g_bytes_unref(other);
    g_bytes_unref(s0);
    g_bytes_unref(s1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pc_board),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
