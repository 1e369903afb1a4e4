/*
 * Keyboard and mouse routing: handlers register, the latest one with a key
 * (mouse) callback gets the key (mouse) events.  Also combos for the
 * monitor and a paced queue for typing text (input-internal.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "input-internal.h"
#include <cardcage/log.h>
#include <cardcage/timer.h>

LOG_CATEGORY(input_log, "input", "key and mouse events on their way to the keyboard and mouse");

typedef struct InputEntry {
    const InputHandler *handler;
    void *opaque;
} InputEntry;

/* Newest first. */
static GList *input_handlers;

void *input_register(const InputHandler *handler, void *opaque)
{
    InputEntry *e = g_new0(InputEntry, 1);
    e->handler = handler;
    e->opaque = opaque;
    input_handlers = g_list_prepend(input_handlers, e);
    return e;
}

void input_unregister(void *handle)
{
    GList *link = g_list_find(input_handlers, handle);
    if (link) {
        input_handlers = g_list_delete_link(input_handlers, link);
        g_free(handle);
    }
}

void input_send_key(int qnum, bool down)
{
    if (qnum <= 0 || qnum > 0xff) {
        return;
    }
    log_mask(input_log, "input: key 0x%02x %s\n", qnum, down ? "down" : "up");
    for (GList *l = input_handlers; l; l = l->next) {
        InputEntry *e = l->data;
        if (e->handler->key) {
            e->handler->key(e->opaque, qnum, down);
            return;
        }
    }
}

void input_send_mouse(int dx, int dy, int dz, unsigned buttons)
{
    log_mask(input_log, "input: mouse %d %d %d buttons 0x%x\n", dx, dy, dz, buttons);
    for (GList *l = input_handlers; l; l = l->next) {
        InputEntry *e = l->data;
        if (e->handler->mouse) {
            e->handler->mouse(e->opaque, dx, dy, dz, buttons);
            return;
        }
    }
}

/* ---- combos ---- */

int input_parse_combo(const char *combo, int *qnums, int max, Error **errp)
{
    if (!combo || !*combo) {
        error_setg(errp, "no key given");
        return -1;
    }
    char **names = g_strsplit(combo, "-", -1);
    int n = 0;
    for (char **p = names; *p; p++) {
        int q = input_qnum_from_name(*p);
        if (q < 0) {
            error_setg(errp, "unknown key '%s'", *p);
            n = -1;
            break;
        }
        if (n >= max) {
            error_setg(errp, "more than %d keys in '%s'", max, combo);
            n = -1;
            break;
        }
        qnums[n++] = q;
    }
    g_strfreev(names);
    return n;
}

bool input_send_combo(const char *combo, Error **errp)
{
    int q[INPUT_COMBO_MAX];
    int n = input_parse_combo(combo, q, INPUT_COMBO_MAX, errp);
    if (n < 0) {
        return false;
    }
    for (int i = 0; i < n; i++) {
        input_send_key(q[i], true);
    }
    for (int i = n; i-- > 0;) {
        input_send_key(q[i], false);
    }
    return true;
}

/* ---- the paced queue for typing ---- */

typedef struct QueuedKey {
    uint8_t qnum;
    bool down;
} QueuedKey;

static GQueue input_queue = G_QUEUE_INIT;
static Timer *input_queue_timer;

static void input_queue_tick(void *opaque)
{
    QueuedKey *k = g_queue_pop_head(&input_queue);
    if (k) {
        input_send_key(k->qnum, k->down);
        g_free(k);
    }
    if (!g_queue_is_empty(&input_queue)) {
        timer_mod_ns(input_queue_timer,
                     clock_get_ns(CC_CLOCK_VIRTUAL) + INPUT_QUEUE_INTERVAL_NS);
    }
}

static void input_queue_push(int qnum, bool down)
{
    QueuedKey *k = g_new(QueuedKey, 1);
    k->qnum = (uint8_t)qnum;
    k->down = down;
    g_queue_push_tail(&input_queue, k);
}

static void input_queue_start(void)
{
    if (!input_queue_timer) {
        input_queue_timer = timer_new_ns(CC_CLOCK_VIRTUAL, input_queue_tick, NULL);
    }
    if (!g_queue_is_empty(&input_queue) && !timer_pending(input_queue_timer)) {
        timer_mod_ns(input_queue_timer, clock_get_ns(CC_CLOCK_VIRTUAL));
    }
}

bool input_queue_key(int qnum, bool down)
{
    if (qnum <= 0 || qnum > 0xff || input_queue_pending() >= INPUT_QUEUE_MAX) {
        return false;
    }
    input_queue_push(qnum, down);
    input_queue_start();
    return true;
}

int input_queue_pending(void)
{
    return (int)g_queue_get_length(&input_queue);
}

bool input_type_text(const char *text, Error **errp)
{
    enum { SHIFT = 0x2a };
    int events = 0;
    for (const char *c = text; *c; c++) {
        bool shift;
        if (input_qnum_for_char(*c, &shift) < 0) {
            char one[2] = { *c, 0 };
            char *esc = g_strescape(one, NULL);
            error_setg(errp, "no key types '%s'", esc);
            g_free(esc);
            return false;
        }
        events += shift ? 4 : 2;
    }
    if (input_queue_pending() + events > INPUT_QUEUE_MAX) {
        error_setg(errp, "typing queue full (%d events waiting, at most %d)",
                   input_queue_pending(), INPUT_QUEUE_MAX);
        return false;
    }
    for (const char *c = text; *c; c++) {
        bool shift;
        int q = input_qnum_for_char(*c, &shift);
        if (shift) {
            input_queue_push(SHIFT, true);
        }
        input_queue_push(q, true);
        input_queue_push(q, false);
        if (shift) {
            input_queue_push(SHIFT, false);
        }
    }
    input_queue_start();
    return true;
}
