/*
 * cardcage plugin SDK: QMP commands and events.
 *
 * QMP is QEMU's machine protocol: JSON objects over a character backend
 * (-qmp, -mon mode=control).  Each part of the emulator registers the
 * commands it owns from a qapi_init() function (include/cardcage/module.h),
 * so the core's parts and plugins use the same mechanism, and the human
 * monitor calls the same commands and formats their results.
 *
 * A command is a name, an argument schema and a handler:
 *
 *   static struct json_object *qmp_frob(struct json_object *args, Error **errp)
 *   {
 *       int64_t n = json_object_get_int64(json_object_object_get(args, "count"));
 *       ...
 *       return result;            // NULL and *errp set on failure
 *   }
 *
 *   static const QmpCommandInfo frob_cmd = {
 *       .name = "x-frob", .args = "count:int ?verbose:bool", .returns = "FrobInfo",
 *       .handler = qmp_frob,
 *   };
 *
 *   static void frob_qapi(void)
 *   {
 *       qmp_register_command(&frob_cmd, &error_abort);
 *   }
 *   qapi_init(frob_qapi)
 *
 * The schema is a list of NAME:TYPE words separated by spaces; a leading
 * '?' marks an optional argument.  TYPE is one of
 *
 *   str      a JSON string
 *   int      a JSON integer
 *   bool     true or false
 *   number   an integer or a floating-point number
 *   object   a JSON object
 *   array    a JSON array
 *   any      any JSON value
 *
 * The dispatcher checks the arguments against the schema before the
 * handler runs: a missing, unexpected or ill-typed argument is answered
 * with a GenericError worded as QEMU words it, and the handler is not
 * called.  The handler gets a JSON object with the arguments (never NULL;
 * an empty object when there are none), which it must not free, and
 * returns the "return" value: a new reference the dispatcher takes over,
 * or NULL with *errp set.  A command with nothing to say returns an empty
 * object (qmp_ok()).  Handlers run on the main loop's thread, like device
 * code.
 *
 * Events are emitted with qmp_event_emit(name, data) and go to every QMP
 * client that has finished capabilities negotiation, with QEMU's timestamp.
 * Registering an event (qmp_register_event) lists it in query-qmp-schema.
 *
 * The handlers build results with json-c (<json-c/json.h>, the "json-c"
 * pkg-config package); this header only forward-declares its object type.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_QMP_H
#define CARDCAGE_QMP_H

#include <cardcage/compiler.h>
#include <cardcage/error.h>

struct json_object;

/* The "return" value or NULL with *errp set.  args is borrowed. */
typedef struct json_object *QmpCommandHandler(struct json_object *args, Error **errp);

typedef struct QmpCommandInfo {
    const char *name;           /* "query-status"; letters, digits, '-' and '_' */
    const char *args;           /* the schema above; NULL or "" for none */
    const char *returns;        /* a type name for query-qmp-schema, or NULL */
    QmpCommandHandler *handler;
} QmpCommandInfo;

/* Register a command.  info must stay valid for the life of the process
 * (a static const).  Fails when the name is taken or the schema does not
 * parse. */
CC_API bool qmp_register_command(const QmpCommandInfo *info, Error **errp);

/* True when a command of that name is registered. */
CC_API bool qmp_command_exists(const char *name);

/* Run a command as a QMP client would (the human monitor, tests).  args
 * is borrowed and may be NULL for none; the arguments are validated
 * against the schema first.  Returns the result (json_object_put it) or
 * NULL with *errp set. */
CC_API struct json_object *qmp_call(const char *name, struct json_object *args, Error **errp);

/* The result of a command with nothing to report: {}. */
CC_API struct json_object *qmp_ok(void);

/* QMP error classes other than GenericError (QEMU's ErrorClass). */
typedef enum QmpErrorClass {
    QMP_ERROR_GENERIC,
    QMP_ERROR_COMMAND_NOT_FOUND,
    QMP_ERROR_DEVICE_NOT_FOUND,
    QMP_ERROR_DEVICE_NOT_ACTIVE,
} QmpErrorClass;

/* error_setg with a QMP error class, for handlers whose failure QEMU
 * reports with a class other than GenericError. */
CC_API void qmp_error_setg(Error **errp, QmpErrorClass cls, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/* An event's data schema, in the format of command arguments, for
 * query-qmp-schema.  info must stay valid for the life of the process. */
typedef struct QmpEventInfo {
    const char *name;           /* "STOP", "SHUTDOWN" */
    const char *data;           /* NULL or "" when the event has no data */
} QmpEventInfo;

CC_API bool qmp_register_event(const QmpEventInfo *info, Error **errp);

/* Send {"event": name, "data": data, "timestamp": {...}} to every
 * negotiated QMP client.  data (may be NULL: no "data" member) is taken
 * over.  Safe to call when no client is connected. */
CC_API void qmp_event_emit(const char *name, struct json_object *data);

#endif
