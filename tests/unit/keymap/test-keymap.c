/*
 * Keyboard layouts (-k, ui/keymap.c): keysyms and characters to the key
 * and modifiers of each layout, checked against the key caps of the
 * national layouts (the scan codes are the US key in the same place:
 * 0x15 is US 'y', 0x2c US 'z', 0x10 US 'q', 0x1e US 'a').
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "ui/keymap.h"

typedef struct Expect {
    uint32_t keysym;
    int qnum;
    bool shift, altgr;
} Expect;

/* The key alone, with Shift, with AltGr. */
#define K(ks, q) { (ks), (q), false, false }
#define S(ks, q) { (ks), (q), true, false }
#define G(ks, q) { (ks), (q), false, true }

static void check_layout(const char *name, const Expect *e, size_t n)
{
    Error *err = NULL;
    assert_true(keymap_set_layout(name, &err));
    assert_string_equal(keymap_layout(), name);
    for (size_t i = 0; i < n; i++) {
        KeymapKey k = { 0 };
        bool found = keymap_from_keysym(e[i].keysym, &k);
        if (!found || k.qnum != e[i].qnum || k.shift != e[i].shift || k.altgr != e[i].altgr) {
            fail_msg("%s: keysym 0x%x: got %s qnum 0x%x shift %d altgr %d, expected 0x%x %d %d",
                     name, e[i].keysym, found ? "found" : "none", k.qnum, k.shift, k.altgr,
                     e[i].qnum, e[i].shift, e[i].altgr);
        }
    }
}

static void test_en_us(void **state)
{
    static const Expect e[] = {
        K('a', 0x1e), K('z', 0x2c), S('Z', 0x2c), S('@', 0x03),
        K('\\', 0x2b), S('|', 0x2b), S('"', 0x28), K(' ', 0x39),
        K(0xff0d, 0x1c), K(0xff52, 0xc8), K(0xffbe, 0x3b),
        S(0xfe52, 0x07),          /* dead_circumflex: '^' is Shift+6 */
    };
    check_layout("en-us", e, G_N_ELEMENTS(e));
    KeymapKey k;
    assert_false(keymap_from_keysym(0xe4, &k));      /* no key types 'ä' */
    assert_false(keymap_from_keysym(0x20ac, &k));    /* nor the euro sign */
}

static void test_de(void **state)
{
    static const Expect e[] = {
        K('z', 0x15), K('y', 0x2c), S('Y', 0x2c), K(0xf6, 0x27),  /* ö */
        K(0xe4, 0x28), K(0xfc, 0x1a), K(0xdf, 0x0c), S(0xdc, 0x1a),
        G('@', 0x10), G(0x20ac, 0x12),           /* € */
        K('-', 0x35), S('/', 0x08), S('"', 0x03), K('#', 0x2b),
        K('<', 0x56), G('|', 0x56), G('{', 0x08),
        G('\\', 0x0c), G('~', 0x1b), G(0xb5, 0x32),
        K(0xfe52, 0x29), K('^', 0x29),  /* dead circumflex, its only key */
        K(0xfe51, 0x0d), S(0xfe50, 0x0d),
        G(0x10020ac, 0x12),  /* € as a Unicode keysym */
    };
    check_layout("de", e, G_N_ELEMENTS(e));
}

static void test_fr(void **state)
{
    static const Expect e[] = {
        K('a', 0x10), K('q', 0x1e), K('z', 0x11), K('w', 0x2c), K('m', 0x27),
        S('1', 0x02), K('&', 0x02), K(0xe9, 0x03), K(0xe0, 0x0b),      /* é, à */
        G('@', 0x0b), K(',', 0x32), K('!', 0x35), K(0xf9, 0x28),  /* ù */
        G('^', 0x0a),       /* AltGr+9; the dead ^ key is not it */
        K(0xfe52, 0x1a), S(0xfe57, 0x1a),
    };
    check_layout("fr", e, G_N_ELEMENTS(e));
}

static void test_gb(void **state)
{
    static const Expect e[] = {
        K('z', 0x2c), S('"', 0x03), S('@', 0x28), S(0xa3, 0x04),  /* £ */
        K('#', 0x2b), S('~', 0x2b), K('\\', 0x56), S('|', 0x56),
        G(0x20ac, 0x05), S(0xac, 0x29),
    };
    check_layout("gb", e, G_N_ELEMENTS(e));
}

static void test_unknown(void **state)
{
    Error *err = NULL;
    assert_true(keymap_set_layout("de", &err));
    assert_false(keymap_set_layout("xx", &err));
    assert_non_null(err);
    assert_non_null(strstr(error_get_pretty(err), "en-us"));
    error_free(err);
    assert_string_equal(keymap_layout(), "de");    /* unchanged */
    assert_true(keymap_set_layout("us", NULL));
    assert_string_equal(keymap_layout(), "en-us");
    /* Characters (curses): control keys and the layout's characters. */
    KeymapKey k;
    assert_true(keymap_from_char('\r', &k) && k.qnum == 0x1c);
    assert_true(keymap_from_char(0x7f, &k) && k.qnum == 0x0e);
    assert_false(keymap_from_keysym(0x12345, &k));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_en_us),
        cmocka_unit_test(test_de),
        cmocka_unit_test(test_fr),
        cmocka_unit_test(test_gb),
        cmocka_unit_test(test_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
