/*
 * QMP monitors: a session on each character backend given to -qmp or
 * -mon mode=control, and the broadcast of events to every client that has
 * negotiated.  Each backend carries one client at a time (a socket server
 * accepts the next when the current one goes); several backends give
 * several clients at once, each with its own negotiation.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>
#include "chardev/chardev-internal.h"
#include "qmp/qmp-internal.h"

/* Bytes taken from the backend per read call. */
#define QMP_READ_CHUNK 4096
/* Output a client may leave unread.  A reply is never cut: the monitor
 * reads no further command while any output is pending (a client that
 * pipelines without reading stalls, as QEMU's monitor suspends), so only
 * events pile up here, and an event that does not fit is dropped whole,
 * never half a message. */
#define QMP_OUTQ_MAX (16 * 1024 * 1024)

typedef struct QmpMonitor {
    Chardev *chr;
    QmpSession session;
    bool open;               /* a client is connected and was greeted */
    bool dropping;           /* the message being written did not fit */
    uint64_t events_dropped;
} QmpMonitor;

static GPtrArray *monitors;      /* QmpMonitor * */

static void monitor_write(void *opaque, const char *text, size_t len)
{
    QmpMonitor *m = opaque;
    /* Each message comes as its text, then its "\r\n". */
    bool terminator = len == 2 && !memcmp(text, "\r\n", 2);
    if (terminator && m->dropping) {
        m->dropping = false;
        return;
    }
    if (!terminator && chardev_output_pending(m->chr) + len > QMP_OUTQ_MAX) {
        if (!m->events_dropped++) {
            fprintf(stderr, "cardcage: QMP client on '%s' is not reading its "
                    "output: events dropped\n", chardev_get_id(m->chr));
        }
        m->dropping = true;
        return;
    }
    while (len > 0) {
        int n = (int)MIN(len, (size_t)G_MAXINT);
        chardev_write(m->chr, (const uint8_t *)text, n);
        text += n;
        len -= (size_t)n;
    }
}

static int monitor_can_read(void *opaque)
{
    QmpMonitor *m = opaque;
    /* The replies to what it sent come first (see QMP_OUTQ_MAX). */
    return chardev_output_pending(m->chr) ? 0 : QMP_READ_CHUNK;
}

static void monitor_read(void *opaque, const uint8_t *buf, int size)
{
    QmpMonitor *m = opaque;
    if (m->open && size > 0) {
        qmp_session_feed(&m->session, (const char *)buf, (size_t)size);
    }
}

static void monitor_event(void *opaque, ChardevEvent event)
{
    QmpMonitor *m = opaque;
    switch (event) {
    case CHARDEV_EVENT_OPENED:
        m->open = true;
        qmp_session_start(&m->session);
        break;
    case CHARDEV_EVENT_CLOSED:
        /* A half-sent message dies with its client. */
        m->open = false;
        m->session.negotiated = false;
        json_tokener_reset(m->session.tok);
        m->session.pending = 0;
        m->dropping = false;
        m->events_dropped = 0;
        break;
    default:
        break;
    }
}

bool qmp_monitor_start(const char *chardev_id, bool pretty, Error **errp)
{
    Chardev *chr = chardev_find(chardev_id);
    if (!chr) {
        error_setg(errp, "QMP monitor: no character backend '%s'", chardev_id);
        return false;
    }
    QmpMonitor *m = g_new0(QmpMonitor, 1);
    m->chr = chr;
    qmp_session_init(&m->session, monitor_write, m, pretty);
    if (!monitors) {
        monitors = g_ptr_array_new();
    }
    g_ptr_array_add(monitors, m);
    chardev_set_output_limit(chr, QMP_OUTQ_MAX);
    if (!chardev_attach(chr, monitor_can_read, monitor_read, monitor_event, m, errp)) {
        g_ptr_array_remove(monitors, m);
        qmp_session_destroy(&m->session);
        g_free(m);
        return false;
    }
    return true;
}

json_object *qmp_timestamp_now(void)
{
    gint64 us = g_get_real_time();
    json_object *t = json_object_new_object();
    json_object_object_add(t, "seconds", json_object_new_int64(us / G_USEC_PER_SEC));
    json_object_object_add(t, "microseconds", json_object_new_int64(us % G_USEC_PER_SEC));
    return t;
}

void qmp_event_emit(const char *name, json_object *data)
{
    json_object *ev = NULL;
    for (guint i = 0; monitors && i < monitors->len; i++) {
        QmpMonitor *m = g_ptr_array_index(monitors, i);
        if (!m->open || !m->session.negotiated) {
            continue;
        }
        if (!ev) {
            /* QEMU's member order: event, data, timestamp. */
            ev = json_object_new_object();
            json_object_object_add(ev, "event", json_object_new_string(name));
            if (data) {
                json_object_object_add(ev, "data", json_object_get(data));
            }
            json_object_object_add(ev, "timestamp", qmp_timestamp_now());
        }
        qmp_session_send(&m->session, ev);
    }
    json_object_put(ev);
    json_object_put(data);
}
