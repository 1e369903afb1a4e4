/*
 * One QMP client's side of the protocol (QEMU's docs/interop/qmp-spec):
 * the greeting, capabilities negotiation, and turning each JSON object the
 * client sends into exactly one reply.
 *
 * Framing: json-c's tokener parses the byte stream incrementally, so a
 * message may arrive in pieces and several may arrive at once.  Input that
 * is not JSON gets one error reply and parsing resumes at the next '{'
 * (a command is an object), so a burst of garbage costs one reply, not one
 * per byte.  A message larger than QMP_MAX_MESSAGE gets an error reply and
 * the rest of it is skipped up to the next newline, which is where every
 * QMP client ends its messages.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "qmp/qmp-internal.h"

static json_object *error_reply(const char *cls, const char *desc)
{
    json_object *e = json_object_new_object();
    json_object_object_add(e, "class", json_object_new_string(cls));
    json_object_object_add(e, "desc", json_object_new_string(desc));
    json_object *r = json_object_new_object();
    json_object_object_add(r, "error", e);
    return r;
}

void qmp_session_init(QmpSession *s, QmpWriteFn *write, void *opaque, bool pretty)
{
    memset(s, 0, sizeof(*s));
    s->tok = json_tokener_new_ex(QMP_MAX_DEPTH);
    json_tokener_set_flags(s->tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS);
    s->write = write;
    s->opaque = opaque;
    s->pretty = pretty;
}

void qmp_session_destroy(QmpSession *s)
{
    if (s->tok) {
        json_tokener_free(s->tok);
        s->tok = NULL;
    }
}

void qmp_session_send(QmpSession *s, json_object *obj)
{
    int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
                (s->pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN);
    size_t len;
    const char *text = json_object_to_json_string_length(obj, flags, &len);
    s->write(s->opaque, text, len);
    s->write(s->opaque, "\r\n", 2);
}

static json_object *greeting(void)
{
    json_object *version = qmp_version_info();
    json_object *qmp = json_object_new_object();
    json_object_object_add(qmp, "version", version);
    /* No optional capability (QEMU offers "oob"): commands run in order. */
    json_object_object_add(qmp, "capabilities", json_object_new_array());
    json_object *g = json_object_new_object();
    json_object_object_add(g, "QMP", qmp);
    return g;
}

void qmp_session_start(QmpSession *s)
{
    json_tokener_reset(s->tok);
    s->pending = 0;
    s->negotiated = false;
    s->discarding = false;
    json_object *g = greeting();
    qmp_session_send(s, g);
    json_object_put(g);
}

/* qmp_capabilities: the only command before negotiation, and not after. */
static json_object *negotiate(QmpSession *s, json_object *args)
{
    json_object *enable = NULL;
    if (args) {
        json_object_object_foreach(args, key, val) {
            if (strcmp(key, "enable")) {
                char *msg = g_strdup_printf("Parameter '%s' is unexpected", key);
                json_object *r = error_reply("GenericError", msg);
                g_free(msg);
                return r;
            }
            enable = val;
        }
    }
    if (enable && !json_object_is_type(enable, json_type_array)) {
        return error_reply("GenericError", "Invalid parameter type for 'enable', expected: array");
    }
    for (size_t i = 0; enable && i < json_object_array_length(enable); i++) {
        json_object *cap = json_object_array_get_idx(enable, i);
        char *msg = g_strdup_printf("Capability '%s' not available",
                                    json_object_is_type(cap, json_type_string)
                                    ? json_object_get_string(cap) : "?");
        json_object *r = error_reply("GenericError", msg);
        g_free(msg);
        return r;
    }
    s->negotiated = true;
    json_object *r = json_object_new_object();
    json_object_object_add(r, "return", json_object_new_object());
    return r;
}

/* The request's shape, checked as QEMU checks it. */
static const char *check_request(json_object *req, const char **name, json_object **args)
{
    if (!json_object_is_type(req, json_type_object)) {
        return "QMP input must be a JSON object";
    }
    json_object *exec = NULL;
    *args = NULL;
    json_object_object_foreach(req, key, val) {
        if (!strcmp(key, "execute")) {
            exec = val;
            if (!json_object_is_type(val, json_type_string)) {
                return "QMP input member 'execute' must be a string";
            }
        } else if (!strcmp(key, "arguments")) {
            if (!json_object_is_type(val, json_type_object)) {
                return "QMP input member 'arguments' must be an object";
            }
            *args = val;
        } else if (strcmp(key, "id")) {
            return NULL;    /* reported by the caller, which can name the member */
        }
    }
    if (!exec) {
        return "QMP input lacks member 'execute'";
    }
    *name = json_object_get_string(exec);
    return NULL;
}

static const char *unexpected_member(json_object *req)
{
    json_object_object_foreach(req, key, val) {
        (void)val;
        if (strcmp(key, "execute") && strcmp(key, "arguments") && strcmp(key, "id")) {
            return key;
        }
    }
    return NULL;
}

static json_object *dispatch(QmpSession *s, json_object *req)
{
    const char *name = NULL;
    json_object *args = NULL;
    const char *bad = check_request(req, &name, &args);
    if (bad) {
        return error_reply("GenericError", bad);
    }
    const char *extra = unexpected_member(req);
    if (extra) {
        char *msg = g_strdup_printf("QMP input member '%s' is unexpected", extra);
        json_object *r = error_reply("GenericError", msg);
        g_free(msg);
        return r;
    }
    if (!strcmp(name, "qmp_capabilities")) {
        if (s->negotiated) {
            return error_reply("CommandNotFound",
                               "Capabilities negotiation is already complete, command ignored");
        }
        return negotiate(s, args);
    }
    if (!s->negotiated) {
        return error_reply("CommandNotFound",
                           "Expecting capabilities negotiation with 'qmp_capabilities'");
    }
    const QmpCommand *cmd = qmp_find_command(name);
    if (!cmd) {
        char *msg = g_strdup_printf("The command %s has not been found", name);
        json_object *r = error_reply("CommandNotFound", msg);
        g_free(msg);
        return r;
    }
    Error *err = NULL;
    json_object *ret = qmp_run_command(cmd, args, &err);
    if (err) {
        json_object_put(ret);
        json_object *r = error_reply(qmp_error_class_name(err), error_get_pretty(err));
        error_free(err);
        return r;
    }
    json_object *r = json_object_new_object();
    json_object_object_add(r, "return", ret ? ret : json_object_new_object());
    return r;
}

json_object *qmp_session_dispatch(QmpSession *s, json_object *req)
{
    json_object *r = dispatch(s, req);
    json_object *id;
    if (json_object_is_type(req, json_type_object) &&
        json_object_object_get_ex(req, "id", &id)) {
        json_object_object_add(r, "id", json_object_get(id));
    }
    return r;
}

static void reply_and_free(QmpSession *s, json_object *r)
{
    if (r) {
        qmp_session_send(s, r);
        json_object_put(r);
    }
}

/* Where to resume after bad input at buf[from]: the next '{'. */
static size_t resync(const char *buf, size_t from, size_t len)
{
    while (from < len && buf[from] != '{') {
        from++;
    }
    return from;
}

void qmp_session_feed(QmpSession *s, const char *buf, size_t len)
{
    size_t pos = 0;
    while (pos < len) {
        if (s->discarding) {
            const char *nl = memchr(buf + pos, '\n', len - pos);
            if (!nl) {
                return;
            }
            s->discarding = false;
            pos = nl - buf + 1;
            continue;
        }
        size_t chunk = len - pos;
        if (chunk > QMP_MAX_MESSAGE - s->pending) {
            chunk = QMP_MAX_MESSAGE - s->pending;
        }
        json_object *obj = json_tokener_parse_ex(s->tok, buf + pos, (int)chunk);
        enum json_tokener_error jerr = json_tokener_get_error(s->tok);
        size_t used = json_tokener_get_parse_end(s->tok);
        if (jerr == json_tokener_continue) {
            s->pending += chunk;
            pos += chunk;
            if (s->pending >= QMP_MAX_MESSAGE) {
                char *msg = g_strdup_printf("JSON message exceeds %d bytes", QMP_MAX_MESSAGE);
                reply_and_free(s, error_reply("GenericError", msg));
                g_free(msg);
                json_tokener_reset(s->tok);
                s->pending = 0;
                s->discarding = true;
            }
            continue;
        }
        json_tokener_reset(s->tok);
        s->pending = 0;
        if (jerr != json_tokener_success) {
            char *msg = g_strdup_printf("JSON parse error, %s", json_tokener_error_desc(jerr));
            reply_and_free(s, error_reply("GenericError", msg));
            g_free(msg);
            /* The byte at fault is consumed even when it is a '{'. */
            pos = resync(buf, pos + MAX(used, 1), len);
            continue;
        }
        pos += MAX(used, 1);
        reply_and_free(s, qmp_session_dispatch(s, obj));
        json_object_put(obj);
    }
}
