/*
 * The input commands of QMP (QEMU's qapi/ui.json): send-key and
 * input-send-event.  The human monitor's sendkey calls send-key.
 *
 * Keys are KeyValue objects: {"type": "qcode", "data": "ctrl"} (QEMU's
 * key names, input_qnum_from_name) or {"type": "number", "data": QNUM}.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <json-c/json.h>
#include <cardcage/module.h>
#include <cardcage/qmp.h>
#include <cardcage/timer.h>
#include "input/input-internal.h"

/* QEMU's default hold time of send-key, in ms. */
#define SEND_KEY_DEFAULT_HOLD_MS 100
#define SEND_KEY_MAX_HOLD_MS 10000
/* Largest qnum: an 0xE0-prefixed set 1 make code (include/cardcage/input.h). */
#define QNUM_MAX 0xff

static const char *member_str(json_object *o, const char *name)
{
    json_object *v;
    return json_object_object_get_ex(o, name, &v) && json_object_is_type(v, json_type_string)
           ? json_object_get_string(v) : NULL;
}

/* A KeyValue as a qnum, or -1 with errp set. */
static int key_value_qnum(json_object *kv, Error **errp)
{
    const char *type = json_object_is_type(kv, json_type_object) ? member_str(kv, "type")
                                                                 : NULL;
    json_object *data = NULL;
    if (type && json_object_object_get_ex(kv, "data", &data)) {
        if (!strcmp(type, "qcode") && json_object_is_type(data, json_type_string)) {
            int q = input_qnum_from_name(json_object_get_string(data));
            if (q < 0) {
                error_setg(errp, "Parameter 'data' does not accept value '%s'",
                           json_object_get_string(data));
            }
            return q;
        }
        if (!strcmp(type, "number") && json_object_is_type(data, json_type_int)) {
            int64_t q = json_object_get_int64(data);
            if (q <= 0 || q > QNUM_MAX) {
                error_setg(errp, "key number %" G_GINT64_FORMAT " is not a key code", q);
                return -1;
            }
            return (int)q;
        }
    }
    error_setg(errp, "Invalid parameter type for 'keys', expected: KeyValue "
               "({\"type\": \"qcode\", \"data\": NAME} or {\"type\": \"number\", \"data\": N})");
    return -1;
}

typedef struct KeyRelease {
    Timer *timer;
    int keys[INPUT_COMBO_MAX];
    int n;
} KeyRelease;

static void release_keys(void *opaque)
{
    KeyRelease *r = opaque;
    for (int i = r->n; i-- > 0;) {
        input_send_key(r->keys[i], false);
    }
    timer_free(r->timer);
    g_free(r);
}

/* Press the keys in order now, release them in reverse after hold-time ms
 * of host time. */
static json_object *send_key(json_object *args, Error **errp)
{
    json_object *keys = json_object_object_get(args, "keys");
    json_object *hold_arg = json_object_object_get(args, "hold-time");
    int64_t hold = hold_arg ? json_object_get_int64(hold_arg) : SEND_KEY_DEFAULT_HOLD_MS;
    size_t n = json_object_array_length(keys);
    if (n == 0 || n > INPUT_COMBO_MAX) {
        error_setg(errp, "Parameter 'keys' expects 1 to %d keys", INPUT_COMBO_MAX);
        return NULL;
    }
    if (hold < 0 || hold > SEND_KEY_MAX_HOLD_MS) {
        error_setg(errp, "Parameter 'hold-time' expects 0 to %d ms", SEND_KEY_MAX_HOLD_MS);
        return NULL;
    }
    KeyRelease *r = g_new0(KeyRelease, 1);
    for (size_t i = 0; i < n; i++) {
        int q = key_value_qnum(json_object_array_get_idx(keys, i), errp);
        if (q < 0) {
            g_free(r);
            return NULL;
        }
        r->keys[r->n++] = q;
    }
    for (int i = 0; i < r->n; i++) {
        input_send_key(r->keys[i], true);
    }
    r->timer = timer_new_ns(CC_CLOCK_REALTIME, release_keys, r);
    timer_mod_ns(r->timer, clock_get_ns(CC_CLOCK_REALTIME) + hold * 1000000);
    return qmp_ok();
}

/* ---- input-send-event ---- */

typedef struct MouseAcc {
    int dx, dy, dz;
    bool moved;
} MouseAcc;

static unsigned mouse_buttons;      /* held, as input-send-event left them */

static bool button_event(json_object *data, MouseAcc *m, Error **errp)
{
    static const struct { const char *name; unsigned bit; int dz; } buttons[] = {
        { "left", INPUT_BUTTON_LEFT, 0 }, { "right", INPUT_BUTTON_RIGHT, 0 },
        { "middle", INPUT_BUTTON_MIDDLE, 0 },
        /* The wheel: one notch per press (dz > 0 is towards the user). */
        { "wheel-up", 0, -1 }, { "wheel-down", 0, 1 },
    };
    const char *name = member_str(data, "button");
    json_object *down;
    if (!name || !json_object_object_get_ex(data, "down", &down) ||
        !json_object_is_type(down, json_type_boolean)) {
        error_setg(errp, "a btn event needs 'button' and 'down'");
        return false;
    }
    for (size_t i = 0; i < CC_ARRAY_SIZE(buttons); i++) {
        if (!strcmp(buttons[i].name, name)) {
            bool d = json_object_get_boolean(down);
            mouse_buttons = d ? mouse_buttons | buttons[i].bit : mouse_buttons & ~buttons[i].bit;
            m->dz += d ? buttons[i].dz : 0;
            m->moved = true;
            return true;
        }
    }
    error_setg(errp, "Parameter 'button' does not accept value '%s'", name);
    return false;
}

static bool rel_event(json_object *data, MouseAcc *m, Error **errp)
{
    const char *axis = member_str(data, "axis");
    json_object *value;
    if (!axis || !json_object_object_get_ex(data, "value", &value) ||
        !json_object_is_type(value, json_type_int)) {
        error_setg(errp, "a rel event needs 'axis' and an integer 'value'");
        return false;
    }
    /* Bound each step so the sums cannot overflow an int. */
    int64_t v = CLAMP(json_object_get_int64(value), -65536, 65536);
    if (!strcmp(axis, "x")) {
        m->dx += (int)v;
    } else if (!strcmp(axis, "y")) {
        m->dy += (int)v;
    } else {
        error_setg(errp, "Parameter 'axis' does not accept value '%s'", axis);
        return false;
    }
    m->moved = true;
    return true;
}

/* One InputEvent: a key press or release is sent at once; mouse motion
 * and buttons are summed into one report at the end. */
static bool input_event(json_object *ev, MouseAcc *m, Error **errp)
{
    const char *type = json_object_is_type(ev, json_type_object) ? member_str(ev, "type")
                                                                 : NULL;
    json_object *data;
    if (!type || !json_object_object_get_ex(ev, "data", &data) ||
        !json_object_is_type(data, json_type_object)) {
        error_setg(errp, "Invalid parameter type for 'events', expected: InputEvent");
        return false;
    }
    if (!strcmp(type, "key")) {
        json_object *down, *key;
        if (!json_object_object_get_ex(data, "down", &down) ||
            !json_object_is_type(down, json_type_boolean) ||
            !json_object_object_get_ex(data, "key", &key)) {
            error_setg(errp, "a key event needs 'key' and 'down'");
            return false;
        }
        int q = key_value_qnum(key, errp);
        if (q < 0) {
            return false;
        }
        input_send_key(q, json_object_get_boolean(down));
        return true;
    }
    if (!strcmp(type, "btn")) {
        return button_event(data, m, errp);
    }
    if (!strcmp(type, "rel")) {
        return rel_event(data, m, errp);
    }
    error_setg(errp, "input event type '%s' is not supported (key, btn and rel are: the "
               "PS/2 mouse has no absolute axes)", type);
    return false;
}

static json_object *input_send_event(json_object *args, Error **errp)
{
    json_object *events = json_object_object_get(args, "events");
    size_t n = json_object_array_length(events);
    MouseAcc m = { 0 };
    for (size_t i = 0; i < n; i++) {
        if (!input_event(json_object_array_get_idx(events, i), &m, errp)) {
            return NULL;
        }
    }
    if (m.moved) {
        input_send_mouse(m.dx, m.dy, m.dz, mouse_buttons);
    }
    return qmp_ok();
}

static const QmpCommandInfo input_commands[] = {
    { "send-key", "keys:array ?hold-time:int", NULL, send_key },
    { "input-send-event", "events:array ?device:str ?head:int", NULL, input_send_event },
};

static void input_qmp_register(void)
{
    for (size_t i = 0; i < CC_ARRAY_SIZE(input_commands); i++) {
        qmp_register_command(&input_commands[i], &error_abort);
    }
}
qapi_init(input_qmp_register)
