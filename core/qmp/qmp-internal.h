/*
 * QMP: the core's side (the SDK side is include/cardcage/qmp.h).
 *
 *   qmp-registry.c  commands and events by name, argument schemas, qmp_call
 *   qmp-session.c   one client's protocol state: framing, negotiation,
 *                   dispatch of one request into one reply
 *   qmp-monitor.c   sessions on character backends, event broadcast
 *   qmp-cmds.c      the protocol's own commands (query-commands,
 *                   query-qmp-schema, query-version, human-monitor-command)
 *   qmp-options.c   -qmp and -mon at start-up
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_QMP_INTERNAL_H
#define CORE_QMP_INTERNAL_H

#include <json-c/json.h>
#include <cardcage/qmp.h>

/* A message larger than this is refused (bytes of one JSON object). */
#define QMP_MAX_MESSAGE (1024 * 1024)
/* Deepest nesting of arrays and objects accepted in a message. */
#define QMP_MAX_DEPTH 64

/* ---- registry ---- */

typedef struct QmpCommand QmpCommand;

/* NULL when no command has that name. */
const QmpCommand *qmp_find_command(const char *name);
/* Check args (an object, or NULL for none) against the command's schema,
 * then run it.  The reply value or NULL with *errp set. */
json_object *qmp_run_command(const QmpCommand *cmd, json_object *args, Error **errp);
/* The QMP class of an error a handler returned ("GenericError", ...). */
const char *qmp_error_class_name(const Error *err);

/* Commands in registration order, for query-commands. */
json_object *qmp_list_commands(void);
/* QEMU-shaped SchemaInfo list of every command, event and type used. */
json_object *qmp_list_schema(void);

/* ---- sessions ---- */

typedef void QmpWriteFn(void *opaque, const char *text, size_t len);

typedef struct QmpSession {
    json_tokener *tok;
    size_t pending;          /* bytes of the message in progress */
    bool negotiated;         /* qmp_capabilities has run */
    bool discarding;         /* after an oversized message: skip to a newline */
    bool pretty;
    QmpWriteFn *write;
    void *opaque;
} QmpSession;

void qmp_session_init(QmpSession *s, QmpWriteFn *write, void *opaque, bool pretty);
void qmp_session_destroy(QmpSession *s);
/* A new client: forget the old one's state and send the greeting. */
void qmp_session_start(QmpSession *s);
/* Bytes from the client: every complete message is answered in order. */
void qmp_session_feed(QmpSession *s, const char *buf, size_t len);
/* Send one JSON value (a reply, an event) as a line. */
void qmp_session_send(QmpSession *s, json_object *obj);
/* The reply to one parsed message (NULL: nothing to send, never happens
 * today but keeps the door open for asynchronous commands). */
json_object *qmp_session_dispatch(QmpSession *s, json_object *req);

/* ---- monitors on backends ---- */

/* Serve QMP on the backend with this id. */
bool qmp_monitor_start(const char *chardev_id, bool pretty, Error **errp);

/* query-version's answer, also sent in the greeting. */
json_object *qmp_version_info(void);

/* The standard event timestamp, now. */
json_object *qmp_timestamp_now(void);

/* Start the monitors of -qmp, -qmp-pretty and -mon (MonitorOpt *, in
 * command-line order), after the board is built.  Backends of -qmp are
 * created here, with ids "qmp0", "qmp1", ... */
bool qmp_start_from_options(GPtrArray *mons, Error **errp);
/* True when a -qmp takes stdio (then the first serial port must not). */
bool qmp_specs_use_stdio(GPtrArray *mons);

#endif
