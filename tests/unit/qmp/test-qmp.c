/*
 * QMP without a machine: schemas and their checks, error classes, the
 * session's greeting, negotiation, framing (pieces, several messages in one
 * read, garbage, oversized messages), the id echo, and events reaching only
 * negotiated sessions.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <cardcage/module.h>
#include "chardev/chardev-internal.h"
#include "qmp/qmp-internal.h"

/* ---- commands the tests register ---- */

static int handler_calls;

static json_object *echo_args(json_object *args, Error **errp)
{
    handler_calls++;
    return json_object_get(args);
}

static json_object *fail_not_found(json_object *args, Error **errp)
{
    handler_calls++;
    qmp_error_setg(errp, QMP_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found",
                   json_object_get_string(json_object_object_get(args, "id")));
    return NULL;
}

static const QmpCommandInfo echo_cmd = {
    "x-echo", "s:str i:int ?b:bool ?n:number ?o:object ?a:array ?v:any", NULL, echo_args,
};
static const QmpCommandInfo fail_cmd = { "x-fail", "id:str", NULL, fail_not_found };

static void register_once(void)
{
    static bool done;
    if (!done) {
        done = true;
        assert_true(qmp_register_command(&echo_cmd, NULL));
        assert_true(qmp_register_command(&fail_cmd, NULL));
    }
}

/* ---- a session writing into a buffer ---- */

typedef struct Out {
    GString *text;
} Out;

static void out_write(void *opaque, const char *text, size_t len)
{
    g_string_append_len(((Out *)opaque)->text, text, (gssize)len);
}

/* Take the first line of the output, parsed. */
static json_object *next_msg(Out *o)
{
    char *nl = strstr(o->text->str, "\r\n");
    if (!nl) {
        return NULL;
    }
    size_t n = (size_t)(nl - o->text->str);
    char *line = g_strndup(o->text->str, n);
    g_string_erase(o->text, 0, (gssize)(n + 2));
    json_object *j = json_tokener_parse(line);
    g_free(line);
    assert_non_null(j);
    return j;
}

static const char *desc_of(json_object *r)
{
    json_object *e = json_object_object_get(r, "error");
    return e ? json_object_get_string(json_object_object_get(e, "desc")) : NULL;
}

static const char *class_of(json_object *r)
{
    json_object *e = json_object_object_get(r, "error");
    return e ? json_object_get_string(json_object_object_get(e, "class")) : NULL;
}

static void session_new(QmpSession *s, Out *o, bool negotiate)
{
    register_once();
    o->text = g_string_new(NULL);
    qmp_session_init(s, out_write, o, false);
    qmp_session_start(s);
    json_object *g = next_msg(o);
    assert_non_null(json_object_object_get(g, "QMP"));
    json_object_put(g);
    if (negotiate) {
        qmp_session_feed(s, "{\"execute\":\"qmp_capabilities\"}", 30);
        json_object *r = next_msg(o);
        assert_non_null(json_object_object_get(r, "return"));
        json_object_put(r);
    }
}

static void session_free(QmpSession *s, Out *o)
{
    qmp_session_destroy(s);
    g_string_free(o->text, TRUE);
}

/* Feed text and return the one reply it must produce. */
static json_object *ask(QmpSession *s, Out *o, const char *text)
{
    qmp_session_feed(s, text, strlen(text));
    json_object *r = next_msg(o);
    assert_non_null(r);
    assert_null(strstr(o->text->str, "\r\n"));     /* exactly one */
    return r;
}

/* ---- tests ---- */

static void test_schema_errors(void **state)
{
    static const QmpCommandInfo bad_type = { "x-bad1", "a:float", NULL, echo_args };
    static const QmpCommandInfo bad_word = { "x-bad2", "a", NULL, echo_args };
    static const QmpCommandInfo twice = { "x-bad3", "a:int a:str", NULL, echo_args };
    static const QmpCommandInfo bad_name = { "x bad", NULL, NULL, echo_args };
    static const QmpCommandInfo no_handler = { "x-bad4", NULL, NULL, NULL };
    Error *err = NULL;
    register_once();
    assert_false(qmp_register_command(&bad_type, &err));
    assert_non_null(strstr(error_get_pretty(err), "bad schema item 'a:float'"));
    error_free(err);
    err = NULL;
    assert_false(qmp_register_command(&bad_word, NULL));
    assert_false(qmp_register_command(&twice, &err));
    assert_non_null(strstr(error_get_pretty(err), "argument 'a' twice"));
    error_free(err);
    assert_false(qmp_register_command(&bad_name, NULL));
    assert_false(qmp_register_command(&no_handler, NULL));
    assert_false(qmp_register_command(&echo_cmd, NULL));   /* taken */
    assert_false(qmp_command_exists("x-bad1"));
    assert_true(qmp_command_exists("x-echo"));
}

static void expect_call_error(const char *args_json, const char *want)
{
    json_object *args = json_tokener_parse(args_json);
    Error *err = NULL;
    int calls = handler_calls;
    json_object *r = qmp_call("x-echo", args, &err);
    assert_null(r);
    assert_non_null(err);
    assert_string_equal(error_get_pretty(err), want);
    assert_int_equal(handler_calls, calls);     /* the handler never ran */
    error_free(err);
    json_object_put(args);
}

static void test_argument_checks(void **state)
{
    register_once();
    expect_call_error("{\"i\": 1}", "Parameter 's' is missing");
    expect_call_error("{\"s\": \"x\", \"i\": 1, \"zz\": 0}", "Parameter 'zz' is unexpected");
    expect_call_error("{\"s\": 1, \"i\": 1}", "Invalid parameter type for 's', expected: string");
    expect_call_error("{\"s\": \"x\", \"i\": 1.5}",
                      "Invalid parameter type for 'i', expected: integer");
    expect_call_error("{\"s\": \"x\", \"i\": \"1\"}",
                      "Invalid parameter type for 'i', expected: integer");
    expect_call_error("{\"s\": \"x\", \"i\": null}",
                      "Invalid parameter type for 'i', expected: integer");
    expect_call_error("{\"s\": \"x\", \"i\": 1, \"b\": 0}",
                      "Invalid parameter type for 'b', expected: boolean");
    expect_call_error("{\"s\": \"x\", \"i\": 1, \"o\": []}",
                      "Invalid parameter type for 'o', expected: object");
    expect_call_error("{\"s\": \"x\", \"i\": 1, \"a\": {}}",
                      "Invalid parameter type for 'a', expected: array");
    expect_call_error("{\"s\": \"x\", \"i\": 1, \"n\": true}",
                      "Invalid parameter type for 'n', expected: number");

    /* Every type accepted, null for an absent optional, any takes anything. */
    json_object *args = json_tokener_parse(
        "{\"s\": \"x\", \"i\": -3, \"b\": true, \"n\": 2.5, \"o\": {}, \"a\": [1], "
        "\"v\": [null], \"n\": 4}");
    json_object *r = qmp_call("x-echo", args, NULL);
    assert_non_null(r);
    assert_int_equal(json_object_get_int64(json_object_object_get(r, "i")), -3);
    json_object_put(r);
    json_object_put(args);
    args = json_tokener_parse("{\"s\": \"x\", \"i\": 0, \"b\": null}");
    r = qmp_call("x-echo", args, NULL);
    assert_non_null(r);
    json_object_put(r);
    json_object_put(args);

    Error *err = NULL;
    assert_null(qmp_call("x-nothing", NULL, &err));
    assert_string_equal(error_get_pretty(err), "The command x-nothing has not been found");
    error_free(err);
}

static void test_negotiation_and_errors(void **state)
{
    QmpSession s;
    Out o;
    session_new(&s, &o, false);
    json_object *r = ask(&s, &o, "{\"execute\": \"x-echo\", \"arguments\": {\"s\": \"a\", \"i\": 1}}");
    assert_string_equal(class_of(r), "CommandNotFound");
    assert_string_equal(desc_of(r), "Expecting capabilities negotiation with 'qmp_capabilities'");
    json_object_put(r);
    r = ask(&s, &o, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"x\": 1}}");
    assert_string_equal(desc_of(r), "Parameter 'x' is unexpected");
    json_object_put(r);
    r = ask(&s, &o, "{\"execute\": \"qmp_capabilities\", \"id\": \"neg\"}");
    assert_non_null(json_object_object_get(r, "return"));
    assert_string_equal(json_object_get_string(json_object_object_get(r, "id")), "neg");
    json_object_put(r);
    r = ask(&s, &o, "{\"execute\": \"qmp_capabilities\"}");
    assert_string_equal(class_of(r), "CommandNotFound");
    json_object_put(r);

    r = ask(&s, &o, "{\"execute\": \"x-fail\", \"arguments\": {\"id\": \"d0\"}, \"id\": 5}");
    assert_string_equal(class_of(r), "DeviceNotFound");
    assert_string_equal(desc_of(r), "Device 'd0' not found");
    assert_int_equal(json_object_get_int64(json_object_object_get(r, "id")), 5);
    json_object_put(r);
    /* The class was the handler's: a later GenericError is generic. */
    r = ask(&s, &o, "{\"execute\": \"x-fail\", \"arguments\": {}}");
    assert_string_equal(class_of(r), "GenericError");
    json_object_put(r);
    r = ask(&s, &o, "{\"execute\": \"x-nope\"}");
    assert_string_equal(desc_of(r), "The command x-nope has not been found");
    json_object_put(r);
    r = ask(&s, &o, "\"just a string\"");
    assert_string_equal(desc_of(r), "QMP input must be a JSON object");
    json_object_put(r);
    r = ask(&s, &o, "null ");
    assert_string_equal(desc_of(r), "QMP input must be a JSON object");
    json_object_put(r);
    /* A burst of garbage, however split, costs one reply. */
    r = ask(&s, &o, "{{{{{{{{ ]]]] xyz {\"a\"::} \x01\xff {[{[");
    assert_non_null(strstr(desc_of(r), "JSON parse error"));
    json_object_put(r);
    qmp_session_feed(&s, "{{ ]] ,,{", 9);
    assert_null(next_msg(&o));
    r = ask(&s, &o, "{\"execute\": \"x-nope\"}");      /* parsed: errors speak again */
    assert_string_equal(class_of(r), "CommandNotFound");
    json_object_put(r);
    r = ask(&s, &o, "{'execute': 'x'}");      /* strict JSON: no single quotes */
    assert_non_null(strstr(desc_of(r), "JSON parse error"));
    json_object_put(r);
    session_free(&s, &o);
}

static void test_framing(void **state)
{
    QmpSession s;
    Out o;
    session_new(&s, &o, true);
    /* One byte at a time. */
    const char *msg = "{\"execute\": \"x-echo\", \"arguments\": {\"s\": \"\\u00e9{\", \"i\": 7}}";
    for (const char *p = msg; *p; p++) {
        qmp_session_feed(&s, p, 1);
    }
    json_object *r = next_msg(&o);
    json_object *ret = json_object_object_get(r, "return");
    assert_string_equal(json_object_get_string(json_object_object_get(ret, "s")), "\xc3\xa9{");
    json_object_put(r);

    /* Three in one read, garbage between: replies in order. */
    const char *three = "{\"execute\":\"x-echo\",\"arguments\":{\"s\":\"1\",\"i\":1}} xyz "
                        "{\"execute\":\"x-echo\",\"arguments\":{\"s\":\"2\",\"i\":2}}\n";
    qmp_session_feed(&s, three, strlen(three));
    r = next_msg(&o);
    assert_int_equal(json_object_get_int64(json_object_object_get(
        json_object_object_get(r, "return"), "i")), 1);
    json_object_put(r);
    r = next_msg(&o);
    assert_non_null(strstr(desc_of(r), "JSON parse error"));
    json_object_put(r);
    r = next_msg(&o);
    assert_int_equal(json_object_get_int64(json_object_object_get(
        json_object_object_get(r, "return"), "i")), 2);
    json_object_put(r);
    assert_null(next_msg(&o));

    /* An oversized message: one error, the rest skipped to the newline,
     * then the session works again. */
    char *big = g_malloc(QMP_MAX_MESSAGE + 100);
    memset(big, ' ', QMP_MAX_MESSAGE + 100);
    static const char head[] = "{\"execute\": \"x-echo\", \"arguments\": {\"s\": \"";
    memcpy(big, head, strlen(head));
    memset(big + strlen(head), 'a', QMP_MAX_MESSAGE);
    big[QMP_MAX_MESSAGE + 99] = '\n';
    qmp_session_feed(&s, big, QMP_MAX_MESSAGE / 2);
    assert_null(next_msg(&o));
    qmp_session_feed(&s, big + QMP_MAX_MESSAGE / 2, QMP_MAX_MESSAGE + 100 - QMP_MAX_MESSAGE / 2);
    r = next_msg(&o);
    assert_non_null(strstr(desc_of(r), "exceeds"));
    json_object_put(r);
    assert_null(next_msg(&o));
    g_free(big);
    r = ask(&s, &o, "{\"execute\":\"x-echo\",\"arguments\":{\"s\":\"ok\",\"i\":3}}");
    assert_non_null(json_object_object_get(r, "return"));
    json_object_put(r);

    /* Nesting deeper than QMP_MAX_DEPTH is a parse error. */
    GString *deep = g_string_new("{\"execute\":\"x-echo\",\"arguments\":{\"s\":\"x\",\"i\":1,\"v\":");
    for (int i = 0; i < QMP_MAX_DEPTH + 1; i++) {
        g_string_append_c(deep, '[');
    }
    for (int i = 0; i < QMP_MAX_DEPTH + 1; i++) {
        g_string_append_c(deep, ']');
    }
    g_string_append(deep, "}}\n");
    qmp_session_feed(&s, deep->str, deep->len);
    r = next_msg(&o);
    assert_non_null(strstr(desc_of(r), "JSON parse error"));
    json_object_put(r);
    g_string_free(deep, TRUE);
    session_free(&s, &o);
}

/* ---- events ---- */

/* Everything the ringbuf backend holds, as text. */
static char *ring_text(Chardev *chr)
{
    GString *t = g_string_new(NULL);
    uint8_t buf[4096];
    size_t n;
    while ((n = chardev_ringbuf_read(chr, buf, sizeof(buf))) > 0) {
        g_string_append_len(t, (const char *)buf, (gssize)n);
    }
    return g_string_free(t, FALSE);
}

static void test_events_reach_negotiated_monitors(void **state)
{
    register_once();
    ChardevOpts *opts = keyval_new();
    Chardev *c1 = chardev_new("qmp-r1", "ringbuf", opts, &error_abort);
    Chardev *c2 = chardev_new("qmp-r2", "ringbuf", opts, &error_abort);
    keyval_free(opts);
    assert_true(qmp_monitor_start("qmp-r1", false, NULL));
    assert_true(qmp_monitor_start("qmp-r2", true, NULL));
    Error *err = NULL;
    assert_false(qmp_monitor_start("qmp-none", false, &err));
    assert_non_null(strstr(error_get_pretty(err), "no character backend 'qmp-none'"));
    error_free(err);

    char *g1 = ring_text(c1), *g2 = ring_text(c2);
    assert_true(g_str_has_prefix(g1, "{\"QMP\":{\"version\":"));
    assert_true(g_str_has_suffix(g1, "}\r\n"));
    assert_non_null(strchr(g2, '\n'));
    assert_true(strchr(g2, '\n') < g2 + strlen(g2) - 1);   /* pretty: several lines */
    g_free(g1);
    g_free(g2);

    const char *neg = "{\"execute\": \"qmp_capabilities\"}";
    chardev_ringbuf_inject(c1, (const uint8_t *)neg, strlen(neg));
    char *r1 = ring_text(c1);
    assert_string_equal(r1, "{\"return\":{}}\r\n");
    g_free(r1);

    json_object *data = json_object_new_object();
    json_object_object_add(data, "n", json_object_new_int(42));
    qmp_event_emit("X-TEST", data);
    char *e1 = ring_text(c1), *e2 = ring_text(c2);
    json_object *ev = json_tokener_parse(e1);
    assert_non_null(ev);
    assert_string_equal(json_object_get_string(json_object_object_get(ev, "event")), "X-TEST");
    assert_int_equal(json_object_get_int(json_object_object_get(
        json_object_object_get(ev, "data"), "n")), 42);
    json_object *ts = json_object_object_get(ev, "timestamp");
    int64_t sec = json_object_get_int64(json_object_object_get(ts, "seconds"));
    int64_t usec = json_object_get_int64(json_object_object_get(ts, "microseconds"));
    assert_true(sec > 1600000000 && usec >= 0 && usec < 1000000);
    json_object_put(ev);
    assert_string_equal(e2, "");      /* not negotiated: no events */
    g_free(e1);
    g_free(e2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_errors),
        cmocka_unit_test(test_argument_checks),
        cmocka_unit_test(test_negotiation_and_errors),
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_events_reach_negotiated_monitors),
    };
    module_call_init(MODULE_INIT_QOM);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
