/*
 * Fuzz the QMP framing, parser and dispatcher: QMP_FUZZ_ITERS (default
 * 20000) streams, each a few valid messages (to the core's own commands and
 * to test commands of every argument type) mutated byte-wise, spliced,
 * truncated, nested or inflated, fed in random pieces to a fresh session.
 * Every output line must be one JSON object that is a reply ("return" or
 * an "error" with a string class and desc), an event or the greeting; no
 * crash, no sanitizer report; and a session must work again afterwards.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <cardcage/module.h>
#include "qmp/qmp-internal.h"

#define FUZZ_SEED 0x51a9c0de

static json_object *echo(json_object *args, Error **errp)
{
    return json_object_get(args);
}

static const QmpCommandInfo fuzz_cmds[] = {
    { "x-echo", "s:str i:int ?b:bool ?n:number ?o:object ?a:array ?v:any", NULL, echo },
    { "x-ping", NULL, NULL, echo },
};

/* Commands of the core that need no machine, and the test commands. */
static const char *const seeds[] = {
    "{\"execute\": \"qmp_capabilities\"}",
    "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"oob\"]}}",
    "{\"execute\": \"query-version\", \"id\": 1}",
    "{\"execute\": \"query-commands\"}",
    "{\"execute\": \"query-qmp-schema\", \"id\": \"x\"}",
    "{\"execute\": \"query-name\"}",
    "{\"execute\": \"query-status\"}",
    "{\"execute\": \"query-chardev\"}",
    "{\"execute\": \"query-cpus-fast\"}",
    "{\"execute\": \"qom-list\", \"arguments\": {\"path\": \"/\"}}",
    "{\"execute\": \"qom-get\", \"arguments\": {\"path\": \"/chardevs\", \"property\": \"type\"}}",
    "{\"execute\": \"qom-list-types\", \"arguments\": {\"implements\": \"chardev\", \"abstract\": true}}",
    "{\"execute\": \"device-list-properties\", \"arguments\": {\"typename\": \"chardev\"}}",
    "{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"help\"}}",
    "{\"execute\": \"x-echo\", \"arguments\": {\"s\": \"\\u00e9\\n\", \"i\": -9223372036854775808, "
    "\"b\": false, \"n\": 1e300, \"o\": {\"k\": [1, {}]}, \"a\": [[], \"\"], \"v\": null}}",
    "{\"execute\": \"x-echo\", \"arguments\": {\"s\": \"\", \"i\": 18446744073709551615}, \"id\": [1]}",
    "{\"execute\": \"x-ping\", \"id\": {\"a\": {\"b\": 1.5}}}",
    "[{\"execute\": \"x-ping\"}]",
    "\"x\"",
    "{\"execute\": \"x-nope\"}",
};

/* Bytes that matter to a JSON lexer. */
static const char interesting[] = "{}[]\",:\\ \n\r\t0123456789.eE+-tfnu\x00\xff\xc3";

typedef struct Check {
    GString *out;
    unsigned lines;
} Check;

static void collect(void *opaque, const char *text, size_t len)
{
    g_string_append_len(((Check *)opaque)->out, text, (gssize)len);
}

static bool is_string_member(json_object *o, const char *name)
{
    json_object *v;
    return json_object_object_get_ex(o, name, &v) && json_object_is_type(v, json_type_string);
}

/* Every line of out is a well-formed QMP message. */
static void check_output(Check *c)
{
    char **lines = g_strsplit(c->out->str, "\r\n", -1);
    for (char **l = lines; *l; l++) {
        if (!**l) {
            continue;
        }
        c->lines++;
        json_object *j = json_tokener_parse(*l);
        if (!j || !json_object_is_type(j, json_type_object)) {
            fail_msg("not a JSON object: %s", *l);
        }
        json_object *e;
        bool ok = json_object_object_get_ex(j, "return", NULL) ||
                  json_object_object_get_ex(j, "QMP", NULL) || is_string_member(j, "event") ||
                  (json_object_object_get_ex(j, "error", &e) && is_string_member(e, "class") &&
                   is_string_member(e, "desc"));
        if (!ok) {
            fail_msg("not a QMP message: %s", *l);
        }
        json_object_put(j);
    }
    g_strfreev(lines);
    g_string_truncate(c->out, 0);
}

static void mutate(GString *s, GRand *r)
{
    int kind = g_rand_int_range(r, 0, 8);
    gint len = (gint)s->len;
    gint at = len ? g_rand_int_range(r, 0, len) : 0;
    switch (kind) {
    case 0:     /* flip a byte */
        if (len) {
            s->str[at] ^= (char)(1 << g_rand_int_range(r, 0, 8));
        }
        break;
    case 1:     /* an interesting byte in */
        g_string_insert_c(s, at, interesting[g_rand_int_range(r, 0, sizeof(interesting) - 1)]);
        break;
    case 2:     /* a range out */
        if (len) {
            g_string_erase(s, at, g_rand_int_range(r, 1, MIN(len - at, 16) + 1));
        }
        break;
    case 3: {   /* a range repeated */
        gint n = len ? g_rand_int_range(r, 1, MIN(len - at, 32) + 1) : 0;
        char *dup = g_strndup(s->str + at, n);
        for (int k = g_rand_int_range(r, 1, 20); k > 0; k--) {
            g_string_insert_len(s, at, dup, n);
        }
        g_free(dup);
        break;
    }
    case 4:     /* truncated */
        g_string_truncate(s, at);
        break;
    case 5: {   /* deep nesting */
        int depth = g_rand_int_range(r, 1, 3 * QMP_MAX_DEPTH);
        for (int k = 0; k < depth; k++) {
            g_string_insert_c(s, at, g_rand_boolean(r) ? '[' : '{');
        }
        break;
    }
    case 6:     /* another seed spliced in */
        g_string_insert(s, at, seeds[g_rand_int_range(r, 0, CC_ARRAY_SIZE(seeds))]);
        break;
    default: {  /* a long string */
        gint n = g_rand_int_range(r, 1, 70000);
        char *fill = g_strnfill(n, 'A' + g_rand_int_range(r, 0, 26));
        g_string_insert(s, at, fill);
        g_free(fill);
        break;
    }
    }
}

static void test_fuzz(void **state)
{
    const char *env = getenv("QMP_FUZZ_ITERS");
    long iters = env ? strtol(env, NULL, 10) : 20000;
    GRand *r = g_rand_new_with_seed(FUZZ_SEED);
    Check c = { g_string_new(NULL), 0 };
    QmpSession s;
    qmp_session_init(&s, collect, &c, false);
    GString *stream = g_string_new(NULL);
    for (long i = 0; i < iters; i++) {
        qmp_session_start(&s);
        if (g_rand_boolean(r)) {
            qmp_session_feed(&s, seeds[0], strlen(seeds[0]));
        }
        g_string_truncate(stream, 0);
        for (int m = g_rand_int_range(r, 1, 5); m > 0; m--) {
            GString *msg = g_string_new(seeds[g_rand_int_range(r, 0, CC_ARRAY_SIZE(seeds))]);
            for (int k = g_rand_int_range(r, 0, 4); k > 0; k--) {
                mutate(msg, r);
            }
            g_string_append_len(stream, msg->str, msg->len);
            if (g_rand_boolean(r)) {
                g_string_append_c(stream, '\n');
            }
            g_string_free(msg, TRUE);
        }
        for (gsize pos = 0; pos < stream->len;) {
            gsize n = MIN(stream->len - pos, (gsize)g_rand_int_range(r, 1, 4096));
            qmp_session_feed(&s, stream->str + pos, n);
            pos += n;
        }
        check_output(&c);
    }
    /* The session still works. */
    qmp_session_start(&s);
    const char *ok = "{\"execute\":\"qmp_capabilities\"}{\"execute\":\"x-ping\",\"id\":9}";
    qmp_session_feed(&s, ok, strlen(ok));
    assert_non_null(strstr(c.out->str, "{\"return\":{},\"id\":9}\r\n"));
    check_output(&c);
    print_message("%ld streams, %u replies checked\n", iters, c.lines);
    assert_true(c.lines >= (unsigned)iters);
    g_string_free(stream, TRUE);
    g_string_free(c.out, TRUE);
    qmp_session_destroy(&s);
    g_rand_free(r);
}

int main(void)
{
    module_call_init(MODULE_INIT_QOM);
    module_call_init(MODULE_INIT_QAPI);
    for (size_t i = 0; i < CC_ARRAY_SIZE(fuzz_cmds); i++) {
        qmp_register_command(&fuzz_cmds[i], &error_abort);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
