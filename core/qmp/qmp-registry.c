/*
 * QMP commands and events by name, their argument schemas, and the checks
 * a request's arguments pass before a handler runs.
 *
 * A schema is the compact text of include/cardcage/qmp.h ("path:str
 * ?value:any"), parsed once at registration into an array of QmpArg.  The
 * error texts follow QEMU's, so that clients written for QEMU understand
 * them.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <string.h>
#include "qmp/qmp-internal.h"

typedef enum QmpType {
    QMP_TYPE_STR, QMP_TYPE_INT, QMP_TYPE_BOOL, QMP_TYPE_NUMBER,
    QMP_TYPE_OBJECT, QMP_TYPE_ARRAY, QMP_TYPE_ANY, QMP_TYPE_COUNT
} QmpType;

/* Schema name, the JSON type QEMU's introspection reports, and the word
 * its "Invalid parameter type" error uses. */
static const struct {
    const char *name;
    const char *json_type;
    const char *expected;
} qmp_types[QMP_TYPE_COUNT] = {
    [QMP_TYPE_STR] = { "str", "string", "string" },
    [QMP_TYPE_INT] = { "int", "int", "integer" },
    [QMP_TYPE_BOOL] = { "bool", "boolean", "boolean" },
    [QMP_TYPE_NUMBER] = { "number", "number", "number" },
    [QMP_TYPE_OBJECT] = { "object", "object", "object" },
    [QMP_TYPE_ARRAY] = { "array", "array", "array" },
    [QMP_TYPE_ANY] = { "any", "value", "value" },
};

typedef struct QmpArg {
    char *name;
    QmpType type;
    bool optional;
} QmpArg;

typedef struct QmpSchema {
    QmpArg *args;
    int nargs;
} QmpSchema;

struct QmpCommand {
    const QmpCommandInfo *info;
    QmpSchema schema;
};

typedef struct QmpEvent {
    const QmpEventInfo *info;
    QmpSchema schema;
} QmpEvent;

static GPtrArray *commands;      /* QmpCommand *, in registration order */
static GHashTable *command_index;
static GPtrArray *events;        /* QmpEvent * */

/* ---- schemas ---- */

static bool valid_name(const char *name)
{
    if (!name || !*name) {
        return false;
    }
    for (const char *p = name; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_') {
            return false;
        }
    }
    return true;
}

static bool schema_parse(const char *text, QmpSchema *out, Error **errp)
{
    out->args = NULL;
    out->nargs = 0;
    if (!text) {
        return true;
    }
    char **words = g_strsplit_set(text, " \t", -1);
    GArray *args = g_array_new(FALSE, TRUE, sizeof(QmpArg));
    bool ok = true;
    for (char **w = words; *w && ok; w++) {
        if (!**w) {
            continue;
        }
        QmpArg a = { .optional = **w == '?' };
        const char *word = *w + a.optional;
        const char *colon = strchr(word, ':');
        char *name = colon ? g_strndup(word, colon - word) : NULL;
        int type = -1;
        for (int t = 0; colon && t < QMP_TYPE_COUNT; t++) {
            if (!strcmp(colon + 1, qmp_types[t].name)) {
                type = t;
            }
        }
        if (!name || !valid_name(name) || type < 0) {
            error_setg(errp, "bad schema item '%s' (expected [?]NAME:TYPE with TYPE one of "
                       "str, int, bool, number, object, array, any)", *w);
            g_free(name);
            ok = false;
            break;
        }
        for (guint i = 0; i < args->len; i++) {
            if (!strcmp(g_array_index(args, QmpArg, i).name, name)) {
                error_setg(errp, "schema names argument '%s' twice", name);
                ok = false;
            }
        }
        a.name = name;
        a.type = type;
        g_array_append_val(args, a);
    }
    g_strfreev(words);
    out->nargs = (int)args->len;
    out->args = (QmpArg *)g_array_free(args, FALSE);
    return ok;
}

static void schema_free(QmpSchema *s)
{
    for (int i = 0; i < s->nargs; i++) {
        g_free(s->args[i].name);
    }
    g_free(s->args);
}

static bool type_matches(QmpType type, json_object *v)
{
    switch (type) {
    case QMP_TYPE_STR:
        return json_object_is_type(v, json_type_string);
    case QMP_TYPE_INT:
        return json_object_is_type(v, json_type_int);
    case QMP_TYPE_BOOL:
        return json_object_is_type(v, json_type_boolean);
    case QMP_TYPE_NUMBER:
        return json_object_is_type(v, json_type_int) ||
               json_object_is_type(v, json_type_double);
    case QMP_TYPE_OBJECT:
        return json_object_is_type(v, json_type_object);
    case QMP_TYPE_ARRAY:
        return json_object_is_type(v, json_type_array);
    case QMP_TYPE_ANY:
    case QMP_TYPE_COUNT:
        break;
    }
    return true;
}

/* QEMU's checks, in its order: each member must be known and well typed,
 * then every mandatory one present. */
static bool schema_check(const QmpSchema *s, json_object *args, Error **errp)
{
    json_object_object_foreach(args, key, val) {
        const QmpArg *a = NULL;
        for (int i = 0; i < s->nargs; i++) {
            if (!strcmp(s->args[i].name, key)) {
                a = &s->args[i];
            }
        }
        if (!a) {
            error_setg(errp, "Parameter '%s' is unexpected", key);
            return false;
        }
        /* null stands for an absent optional argument, as in QEMU. */
        if (!val && a->optional) {
            continue;
        }
        if (!val || !type_matches(a->type, val)) {
            error_setg(errp, "Invalid parameter type for '%s', expected: %s", key,
                       qmp_types[a->type].expected);
            return false;
        }
    }
    for (int i = 0; i < s->nargs; i++) {
        if (!s->args[i].optional && !json_object_object_get_ex(args, s->args[i].name, NULL)) {
            error_setg(errp, "Parameter '%s' is missing", s->args[i].name);
            return false;
        }
    }
    return true;
}

/* ---- registration ---- */

bool qmp_register_command(const QmpCommandInfo *info, Error **errp)
{
    if (!info || !valid_name(info->name) || !info->handler) {
        error_setg(errp, "QMP command '%s': a command needs a name of letters, digits, "
                   "'-' and '_', and a handler", info && info->name ? info->name : "");
        return false;
    }
    if (!command_index) {
        commands = g_ptr_array_new();
        command_index = g_hash_table_new(g_str_hash, g_str_equal);
    }
    if (g_hash_table_contains(command_index, info->name)) {
        error_setg(errp, "QMP command '%s' is already registered", info->name);
        return false;
    }
    QmpCommand *cmd = g_new0(QmpCommand, 1);
    cmd->info = info;
    if (!schema_parse(info->args, &cmd->schema, errp)) {
        error_prepend(errp, "QMP command '%s': ", info->name);
        schema_free(&cmd->schema);
        g_free(cmd);
        return false;
    }
    g_ptr_array_add(commands, cmd);
    g_hash_table_insert(command_index, (gpointer)info->name, cmd);
    return true;
}

bool qmp_register_event(const QmpEventInfo *info, Error **errp)
{
    if (!info || !valid_name(info->name)) {
        error_setg(errp, "QMP event: a name of letters, digits, '-' and '_' is needed");
        return false;
    }
    if (!events) {
        events = g_ptr_array_new();
    }
    for (guint i = 0; i < events->len; i++) {
        if (!strcmp(((QmpEvent *)g_ptr_array_index(events, i))->info->name, info->name)) {
            error_setg(errp, "QMP event '%s' is already registered", info->name);
            return false;
        }
    }
    QmpEvent *ev = g_new0(QmpEvent, 1);
    ev->info = info;
    if (!schema_parse(info->data, &ev->schema, errp)) {
        error_prepend(errp, "QMP event '%s': ", info->name);
        schema_free(&ev->schema);
        g_free(ev);
        return false;
    }
    g_ptr_array_add(events, ev);
    return true;
}

const QmpCommand *qmp_find_command(const char *name)
{
    return command_index && name ? g_hash_table_lookup(command_index, name) : NULL;
}

bool qmp_command_exists(const char *name)
{
    return qmp_find_command(name) != NULL;
}

/* ---- running ---- */

/* Classes of errors handlers set with qmp_error_setg, looked up (and
 * forgotten) when the dispatcher turns the error into a reply. */
static GHashTable *error_classes;

void qmp_error_setg(Error **errp, QmpErrorClass cls, const char *fmt, ...)
{
    if (!errp || (*errp && errp != &error_abort)) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    error_setg(errp, "%s", msg);
    g_free(msg);
    if (!error_classes) {
        error_classes = g_hash_table_new(NULL, NULL);
    }
    g_hash_table_insert(error_classes, *errp, GINT_TO_POINTER(cls));
}

const char *qmp_error_class_name(const Error *err)
{
    static const char *const names[] = {
        [QMP_ERROR_GENERIC] = "GenericError",
        [QMP_ERROR_COMMAND_NOT_FOUND] = "CommandNotFound",
        [QMP_ERROR_DEVICE_NOT_FOUND] = "DeviceNotFound",
        [QMP_ERROR_DEVICE_NOT_ACTIVE] = "DeviceNotActive",
    };
    int cls = error_classes ? GPOINTER_TO_INT(g_hash_table_lookup(error_classes, err)) : 0;
    return cls >= 0 && cls < (int)CC_ARRAY_SIZE(names) ? names[cls] : names[0];
}

json_object *qmp_run_command(const QmpCommand *cmd, json_object *args, Error **errp)
{
    json_object *empty = NULL;
    if (!args) {
        args = empty = json_object_new_object();
    }
    json_object *ret = NULL;
    if (schema_check(&cmd->schema, args, errp)) {
        /* Stale entries of errors freed elsewhere must not name a later
         * error that happens to reuse the address. */
        if (error_classes) {
            g_hash_table_remove_all(error_classes);
        }
        ret = cmd->info->handler(args, errp);
    }
    json_object_put(empty);
    return ret;
}

json_object *qmp_call(const char *name, json_object *args, Error **errp)
{
    const QmpCommand *cmd = qmp_find_command(name);
    if (!cmd) {
        error_setg(errp, "The command %s has not been found", name);
        return NULL;
    }
    if (args && !json_object_is_type(args, json_type_object)) {
        error_setg(errp, "QMP input member 'arguments' must be an object");
        return NULL;
    }
    return qmp_run_command(cmd, args, errp);
}

json_object *qmp_ok(void)
{
    return json_object_new_object();
}

/* ---- introspection ---- */

json_object *qmp_list_commands(void)
{
    json_object *list = json_object_new_array();
    for (guint i = 0; commands && i < commands->len; i++) {
        const QmpCommand *cmd = g_ptr_array_index(commands, i);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(cmd->info->name));
        json_object_array_add(list, o);
    }
    return list;
}

static json_object *schema_entry(const char *name, const char *meta)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(name));
    json_object_object_add(o, "meta-type", json_object_new_string(meta));
    return o;
}

/* The arguments as an object type named "<what>-arg" (QEMU names them by
 * number; names read better and are as opaque to clients). */
static const char *schema_add_args(json_object *list, const char *what, const QmpSchema *s)
{
    char *name = g_strdup_printf("%s-arg", what);
    json_object *o = schema_entry(name, "object");
    json_object *members = json_object_new_array();
    for (int i = 0; i < s->nargs; i++) {
        json_object *m = json_object_new_object();
        json_object_object_add(m, "name", json_object_new_string(s->args[i].name));
        json_object_object_add(m, "type", json_object_new_string(qmp_types[s->args[i].type].name));
        if (s->args[i].optional) {
            json_object_object_add(m, "default", NULL);
        }
        json_object_array_add(members, m);
    }
    json_object_object_add(o, "members", members);
    json_object_array_add(list, o);
    const char *interned = g_intern_string(name);
    g_free(name);
    return interned;
}

json_object *qmp_list_schema(void)
{
    json_object *list = json_object_new_array();
    for (guint i = 0; commands && i < commands->len; i++) {
        const QmpCommand *cmd = g_ptr_array_index(commands, i);
        json_object *o = schema_entry(cmd->info->name, "command");
        const char *arg = schema_add_args(list, cmd->info->name, &cmd->schema);
        json_object_object_add(o, "arg-type", json_object_new_string(arg));
        json_object_object_add(o, "ret-type", json_object_new_string(
                                   cmd->info->returns ? cmd->info->returns : "any"));
        json_object_object_add(o, "allow-oob", json_object_new_boolean(false));
        json_object_array_add(list, o);
    }
    for (guint i = 0; events && i < events->len; i++) {
        const QmpEvent *ev = g_ptr_array_index(events, i);
        json_object *o = schema_entry(ev->info->name, "event");
        const char *arg = schema_add_args(list, ev->info->name, &ev->schema);
        json_object_object_add(o, "arg-type", json_object_new_string(arg));
        json_object_array_add(list, o);
    }
    for (int t = 0; t < QMP_TYPE_COUNT; t++) {
        json_object *o = schema_entry(qmp_types[t].name, "builtin");
        json_object_object_add(o, "json-type", json_object_new_string(qmp_types[t].json_type));
        json_object_array_add(list, o);
    }
    return list;
}
