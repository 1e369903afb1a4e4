/*
 * The commands QMP itself owns: negotiation (listed here; the session
 * runs it), introspection, the version, the guest name, and the human
 * monitor reached through QMP.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <cardcage/module.h>
#include "cardcage-config.h"
#include "monitor/monitor.h"
#include "qmp/qmp-internal.h"
#include "main/runstate.h"

json_object *qmp_version_info(void)
{
    unsigned major = 0, minor = 0, micro = 0;
    sscanf(CARDCAGE_VERSION, "%u.%u.%u", &major, &minor, &micro);
    /* QEMU's VersionInfo: the numbers are the emulator's, under "qemu"
     * because that is where clients look for them. */
    json_object *qemu = json_object_new_object();
    json_object_object_add(qemu, "micro", json_object_new_int64(micro));
    json_object_object_add(qemu, "minor", json_object_new_int64(minor));
    json_object_object_add(qemu, "major", json_object_new_int64(major));
    json_object *v = json_object_new_object();
    json_object_object_add(v, "qemu", qemu);
    json_object_object_add(v, "package", json_object_new_string("cardcage " CARDCAGE_VERSION));
    return v;
}

/* Reached only through qmp_call or after negotiation: a session answers
 * the real negotiation itself. */
static json_object *qmp_capabilities(json_object *args, Error **errp)
{
    qmp_error_setg(errp, QMP_ERROR_COMMAND_NOT_FOUND,
                   "Capabilities negotiation is already complete, command ignored");
    return NULL;
}

static json_object *query_commands(json_object *args, Error **errp)
{
    return qmp_list_commands();
}

static json_object *query_qmp_schema(json_object *args, Error **errp)
{
    return qmp_list_schema();
}

static json_object *query_version(json_object *args, Error **errp)
{
    return qmp_version_info();
}

/* There is no -name option: QEMU answers {} when none was given. */
/* As QEMU: {"name": ...} with -name, an empty object without. */
static json_object *query_name(json_object *args, Error **errp)
{
    json_object *r = json_object_new_object();
    const char *name = runstate_guest_name();
    if (name) {
        json_object_object_add(r, "name", json_object_new_string(name));
    }
    return r;
}

static json_object *human_monitor_command(json_object *args, Error **errp)
{
    const char *line = json_object_get_string(json_object_object_get(args, "command-line"));
    GString *out = g_string_new(NULL);
    /* As in QEMU, a failing monitor command is not a QMP error: its
     * message is the output. */
    monitor_execute(line, out);
    json_object *r = json_object_new_string_len(out->str, (int)out->len);
    g_string_free(out, TRUE);
    return r;
}

static const QmpCommandInfo qmp_own_commands[] = {
    { "qmp_capabilities", "?enable:array", NULL, qmp_capabilities },
    { "query-commands", NULL, "[CommandInfo]", query_commands },
    { "query-qmp-schema", NULL, "[SchemaInfo]", query_qmp_schema },
    { "query-version", NULL, "VersionInfo", query_version },
    { "query-name", NULL, "NameInfo", query_name },
    { "human-monitor-command", "command-line:str ?cpu-index:int", "str",
      human_monitor_command },
};

static void qmp_cmds_register(void)
{
    for (size_t i = 0; i < CC_ARRAY_SIZE(qmp_own_commands); i++) {
        qmp_register_command(&qmp_own_commands[i], &error_abort);
    }
}
qapi_init(qmp_cmds_register)
