/*
 * The KEY=VALUE,... parser behind every list-taking option (util/keyval.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "util/keyval.h"

/* Parse, expecting success; the pairs must be exactly want (key, value,
 * ..., NULL) in this order. */
static void expect_pairs(const char *text, const char *implied, unsigned flags, ...)
{
    KeyVal *kv = keyval_parse(text, implied, flags, &error_abort);
    assert_non_null(kv);
    va_list ap;
    va_start(ap, flags);
    guint i = 0;
    for (const char *k; (k = va_arg(ap, const char *)); i++) {
        const char *v = va_arg(ap, const char *);
        assert_true(i < keyval_count(kv));
        assert_string_equal(keyval_key(kv, i), k);
        assert_string_equal(keyval_value(kv, i), v);
    }
    va_end(ap);
    assert_int_equal(keyval_count(kv), i);
    keyval_free(kv);
}

/* Parse, expecting an error whose message contains want. */
static void expect_error(const char *text, const char *implied, unsigned flags,
                         const char *want)
{
    Error *err = NULL;
    KeyVal *kv = keyval_parse(text, implied, flags, &err);
    assert_null(kv);
    assert_non_null(err);
    if (!strstr(error_get_pretty(err), want)) {
        fail_msg("'%s': error '%s' lacks '%s'", text, error_get_pretty(err), want);
    }
    error_free(err);
}

static void test_plain(void **state)
{
    expect_pairs("a=1", NULL, 0, "a", "1", NULL);
    expect_pairs("a=1,b=two,c=3", NULL, 0, "a", "1", "b", "two", "c", "3", NULL);
    /* Split at the first '=': a value may hold '='. */
    expect_pairs("append=console=ttyS0", NULL, 0, "append", "console=ttyS0", NULL);
}

static void test_escaping(void **state)
{
    expect_pairs("path=a,,b", NULL, 0, "path", "a,b", NULL);
    expect_pairs("path=a,,,,b,c=1", NULL, 0, "path", "a,,b", "c", "1", NULL);
    /* Three commas: a literal comma, then the separator. */
    expect_pairs("a=1,,,b=2", NULL, 0, "a", "1,", "b", "2", NULL);
    expect_pairs("a=,,", NULL, 0, "a", ",", NULL);
    /* In a key too, and in the implied first item. */
    expect_pairs("x,,y=1", NULL, 0, "x,y", "1", NULL);
    expect_pairs("file,,name,id=f", "backend", 0, "backend", "file,name", "id", "f", NULL);
}

static void test_empty_values(void **state)
{
    expect_pairs("a=", NULL, 0, "a", "", NULL);
    expect_pairs("a=,b=", NULL, 0, "a", "", "b", "", NULL);
    expect_error("", NULL, 0, "empty item");
    expect_error("a=1,", NULL, 0, "empty item");
    expect_error(",a=1", NULL, 0, "empty item");
    expect_error("=1", NULL, 0, "no key before '='");
    expect_error("a=1,=2", NULL, 0, "no key before '='");
}

static void test_duplicates(void **state)
{
    expect_error("a=1,a=2", NULL, 0, "'a' is given twice");
    /* The implied key counts as given. */
    expect_error("isa-serial,type=i8254", "type", 0, "'type' is given twice");
    expect_error("tcp,server,server=off", "backend", KEYVAL_BARE_FLAGS,
                 "'server' is given twice");
    expect_pairs("a=1,b=2,a=3", NULL, KEYVAL_LAST_WINS, "a", "3", "b", "2", NULL);
}

static void test_implied_key(void **state)
{
    expect_pairs("isa-serial,id=com3,iobase=0x3e8", "type", 0,
                 "type", "isa-serial", "id", "com3", "iobase", "0x3e8", NULL);
    /* A first item with '=' is an ordinary pair. */
    expect_pairs("id=com3,type=isa-serial", "type", 0,
                 "id", "com3", "type", "isa-serial", NULL);
    /* Only the first item may be bare. */
    expect_error("isa-serial,com3", "type", 0, "'com3' is not KEY=VALUE");
    expect_error("isa-serial", NULL, 0, "'isa-serial' is not KEY=VALUE");
}

static void test_bare_words(void **state)
{
    expect_pairs(":4444,server,nowait", "addr", KEYVAL_BARE_FLAGS,
                 "addr", ":4444", "server", "on", "nowait", "on", NULL);
    expect_pairs("i8254,help", "type", KEYVAL_HELP, "type", "i8254", "help", "on", NULL);
    expect_pairs("i8254,?", "type", KEYVAL_HELP, "type", "i8254", "help", "on", NULL);
    /* help alone does not make other bare words flags. */
    expect_error("i8254,verbose", "type", KEYVAL_HELP, "'verbose' is not KEY=VALUE");
}

static void test_accessors(void **state)
{
    KeyVal *kv = keyval_parse("server=on,wait=off,port=4", NULL, 0, &error_abort);
    bool b;
    assert_true(keyval_get_bool(kv, "server", false, &b, &error_abort) && b);
    assert_true(keyval_get_bool(kv, "wait", true, &b, &error_abort) && !b);
    assert_true(keyval_get_bool(kv, "absent", true, &b, &error_abort) && b);
    Error *err = NULL;
    assert_false(keyval_get_bool(kv, "port", false, &b, &err));
    assert_non_null(strstr(error_get_pretty(err), "takes on or off, not '4'"));
    error_free(err);
    static const char *const known[] = { "server", "wait", NULL };
    assert_string_equal(keyval_find_unknown(kv, known), "port");
    assert_true(keyval_remove(kv, "port"));
    assert_false(keyval_remove(kv, "port"));
    assert_null(keyval_find_unknown(kv, known));
    keyval_set(kv, "server", "off");
    assert_string_equal(keyval_get(kv, "server"), "off");
    assert_int_equal(keyval_count(kv), 2);
    assert_null(keyval_get(NULL, "server"));
    keyval_free(kv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_empty_values),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_implied_key),
        cmocka_unit_test(test_bare_words),
        cmocka_unit_test(test_accessors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
