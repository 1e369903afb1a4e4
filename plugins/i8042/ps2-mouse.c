/*
 * The PS/2 mouse: commands from the controller, movement from the host
 * (see ps2.h).
 *
 * Commands, the status bytes and the packet format follow the IBM PS/2
 * Hardware Interface Technical Reference, "Pointing Device": 3-byte
 * packets (buttons and sign bits, X, Y; Y grows upwards), stream and
 * remote modes, wrap (echo) mode, scaling 1:1 and 2:1, resolution and
 * sample rate.  Microsoft's wheel extensions are detected as the
 * IntelliMouse specifications describe: sample rates 200, 100, 80 in a row
 * make an IntelliMouse (ID 3, 4-byte packets with the wheel), then 200,
 * 200, 80 an IntelliMouse Explorer (ID 4, wheel in the low nibble).
 *
 * The movement counters are 9-bit two's complement (-256..255); movement
 * beyond that saturates them and sets the packet's overflow bit, as on the
 * real device.  The wheel counter holds -8..7.  Each packet reports and
 * clears the counters.  Stream-mode packets are sent as soon as movement
 * arrives rather than paced by the sample rate.  Any sample rate byte is
 * accepted; resolutions above 3 are refused.  A command byte (0xE6 and up)
 * where a parameter was expected runs as a command.
 *
 * SPDX-License-Identifier: MIT
 */
#include "ps2.h"

enum {
    MOUSE_CMD_SCALING_1_1 = 0xe6,
    MOUSE_CMD_SCALING_2_1 = 0xe7,
    MOUSE_CMD_SET_RESOLUTION = 0xe8,
    MOUSE_CMD_STATUS_REQUEST = 0xe9,
    MOUSE_CMD_SET_STREAM = 0xea,
    MOUSE_CMD_READ_DATA = 0xeb,
    MOUSE_CMD_RESET_WRAP = 0xec,
    MOUSE_CMD_SET_WRAP = 0xee,
    MOUSE_CMD_SET_REMOTE = 0xf0,
    MOUSE_CMD_GET_ID = 0xf2,
    MOUSE_CMD_SET_SAMPLE_RATE = 0xf3,
    MOUSE_CMD_ENABLE = 0xf4,
    MOUSE_CMD_DISABLE = 0xf5,
    MOUSE_CMD_SET_DEFAULTS = 0xf6,
    MOUSE_CMD_RESEND = 0xfe,
    MOUSE_CMD_RESET = 0xff,
};

/* Status byte 1 of the Status Request (and our mode bits). */
#define MOUSE_STATUS_REMOTE  0x40
#define MOUSE_STATUS_ENABLED 0x20
#define MOUSE_STATUS_SCALING 0x10
#define MOUSE_STATUS_LEFT    0x04
#define MOUSE_STATUS_MIDDLE  0x02
#define MOUSE_STATUS_RIGHT   0x01

/* Packet byte 0. */
#define PKT_LEFT    0x01
#define PKT_RIGHT   0x02
#define PKT_MIDDLE  0x04
#define PKT_ALWAYS1 0x08
#define PKT_X_SIGN  0x10
#define PKT_Y_SIGN  0x20
#define PKT_X_OVF   0x40
#define PKT_Y_OVF   0x80

#define MOUSE_DEFAULT_RATE 100
#define MOUSE_DEFAULT_RESOLUTION 2     /* 4 counts per mm */
#define MOUSE_COUNTER_MIN (-256)       /* 9-bit two's complement */
#define MOUSE_COUNTER_MAX 255
#define MOUSE_WHEEL_MIN (-8)           /* 4-bit two's complement */
#define MOUSE_WHEEL_MAX 7

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static void mouse_clear_counters(PS2Mouse *m)
{
    m->dx = m->dy = m->dz = 0;
    m->overflow = 0;
}

static void mouse_defaults(PS2Mouse *m)
{
    m->mode = 0;                        /* stream, disabled, 1:1 */
    m->sample_rate = MOUSE_DEFAULT_RATE;
    m->resolution = MOUSE_DEFAULT_RESOLUTION;
    m->wrap = false;
    m->param_cmd = 0;
    mouse_clear_counters(m);
    m->reported_buttons = m->buttons;
}

void ps2_mouse_reset(PS2Mouse *m)
{
    m->buttons = 0;
    mouse_defaults(m);
    m->type = 0;
    for (int i = 0; i < 3; i++) {
        m->rate_history[i] = 0;
    }
    ps2_queue_clear(&m->q);
    m->q.last_sent = 0;
}

static void mouse_reply(PS2Mouse *m, uint8_t b)
{
    ps2_queue_push(&m->q, b);
}

/* Scaling 2:1 (Technical Reference, "Scaling"): 1->1, 2->1, 3->3, 4->6,
 * 5->9, then double, within the counter's range. */
static int scale_2_1(int v)
{
    static const int small[6] = { 0, 1, 1, 3, 6, 9 };
    int a = v < 0 ? -v : v;
    int s = a < 6 ? small[a] : 2 * a;
    return clamp(v < 0 ? -s : s, MOUSE_COUNTER_MIN, MOUSE_COUNTER_MAX);
}

static unsigned packet_size(const PS2Mouse *m)
{
    return m->type ? 4 : 3;
}

/* Queue one packet reporting the counters, and clear them. */
static void mouse_send_packet(PS2Mouse *m, bool stream)
{
    int dx = m->dx, dy = m->dy;
    if (stream && (m->mode & MOUSE_STATUS_SCALING)) {
        dx = scale_2_1(dx);
        dy = scale_2_1(dy);
    }
    uint8_t b0 = PKT_ALWAYS1 | m->overflow;
    b0 |= (m->buttons & INPUT_BUTTON_LEFT) ? PKT_LEFT : 0;
    b0 |= (m->buttons & INPUT_BUTTON_RIGHT) ? PKT_RIGHT : 0;
    b0 |= (m->buttons & INPUT_BUTTON_MIDDLE) ? PKT_MIDDLE : 0;
    b0 |= dx < 0 ? PKT_X_SIGN : 0;
    b0 |= dy < 0 ? PKT_Y_SIGN : 0;
    mouse_reply(m, b0);
    mouse_reply(m, (uint8_t)dx);
    mouse_reply(m, (uint8_t)dy);
    if (m->type == 3) {
        mouse_reply(m, (uint8_t)m->dz);
    } else if (m->type == 4) {
        mouse_reply(m, (uint8_t)(m->dz & 0x0f));
    }
    mouse_clear_counters(m);
    m->reported_buttons = m->buttons;
}

void ps2_mouse_poll(PS2Mouse *m)
{
    if ((m->mode & (MOUSE_STATUS_ENABLED | MOUSE_STATUS_REMOTE)) != MOUSE_STATUS_ENABLED ||
        m->wrap) {
        return;
    }
    if ((m->dx || m->dy || m->dz || m->overflow || m->buttons != m->reported_buttons) &&
        ps2_queue_event_room(&m->q) >= packet_size(m)) {
        mouse_send_packet(m, true);
    }
}

/* Add movement to a counter, saturating it; returns true on overflow. */
static bool mouse_count(int *counter, int64_t delta, int lo, int hi)
{
    int64_t v = *counter + delta;
    *counter = (int)(v < lo ? lo : v > hi ? hi : v);
    return v < lo || v > hi;
}

void ps2_mouse_event(PS2Mouse *m, int dx, int dy, int dz, unsigned buttons)
{
    /* Host dy grows downwards; PS/2 Y grows upwards.  The wheel needs the
     * extension, or it is not reported at all. */
    if (mouse_count(&m->dx, dx, MOUSE_COUNTER_MIN, MOUSE_COUNTER_MAX)) {
        m->overflow |= PKT_X_OVF;
    }
    if (mouse_count(&m->dy, -(int64_t)dy, MOUSE_COUNTER_MIN, MOUSE_COUNTER_MAX)) {
        m->overflow |= PKT_Y_OVF;
    }
    if (m->type) {
        mouse_count(&m->dz, dz, MOUSE_WHEEL_MIN, MOUSE_WHEEL_MAX);
    }
    m->buttons = buttons & (INPUT_BUTTON_LEFT | INPUT_BUTTON_RIGHT | INPUT_BUTTON_MIDDLE);
    ps2_mouse_poll(m);
}

/* The wheel detection sequences look at the last three sample rates. */
static void mouse_note_rate(PS2Mouse *m, uint8_t rate)
{
    m->rate_history[0] = m->rate_history[1];
    m->rate_history[1] = m->rate_history[2];
    m->rate_history[2] = rate;
    const uint8_t *h = m->rate_history;
    if (h[0] == 200 && h[1] == 100 && h[2] == 80 && m->type == 0) {
        m->type = 3;
    } else if (h[0] == 200 && h[1] == 200 && h[2] == 80 && m->type == 3) {
        m->type = 4;
    }
}

static void mouse_parameter(PS2Mouse *m, uint8_t val)
{
    if (m->param_cmd == MOUSE_CMD_SET_RESOLUTION) {
        if (val > 3) {
            mouse_reply(m, PS2_RESEND);
            return;
        }
        m->resolution = val;
    } else {
        m->sample_rate = val;
        mouse_note_rate(m, val);
    }
    m->param_cmd = 0;
    mouse_reply(m, PS2_ACK);
}

static void mouse_status(PS2Mouse *m)
{
    uint8_t s = m->mode;
    s |= (m->buttons & INPUT_BUTTON_LEFT) ? MOUSE_STATUS_LEFT : 0;
    s |= (m->buttons & INPUT_BUTTON_MIDDLE) ? MOUSE_STATUS_MIDDLE : 0;
    s |= (m->buttons & INPUT_BUTTON_RIGHT) ? MOUSE_STATUS_RIGHT : 0;
    mouse_reply(m, PS2_ACK);
    mouse_reply(m, s);
    mouse_reply(m, m->resolution);
    mouse_reply(m, m->sample_rate);
}

void ps2_mouse_write(PS2Mouse *m, uint8_t val)
{
    if (m->wrap && val != MOUSE_CMD_RESET_WRAP && val != MOUSE_CMD_RESET) {
        mouse_reply(m, val);        /* wrap mode echoes everything else */
        return;
    }
    if (m->param_cmd && val < MOUSE_CMD_SCALING_1_1) {
        mouse_parameter(m, val);
        return;
    }
    m->param_cmd = 0;
    switch (val) {
    case MOUSE_CMD_SCALING_1_1:
        m->mode &= (uint8_t)~MOUSE_STATUS_SCALING;
        mouse_reply(m, PS2_ACK);
        break;
    case MOUSE_CMD_SCALING_2_1:
        m->mode |= MOUSE_STATUS_SCALING;
        mouse_reply(m, PS2_ACK);
        break;
    case MOUSE_CMD_SET_RESOLUTION:
    case MOUSE_CMD_SET_SAMPLE_RATE:
        m->param_cmd = val;
        mouse_reply(m, PS2_ACK);
        break;
    case MOUSE_CMD_STATUS_REQUEST:
        mouse_status(m);
        break;
    case MOUSE_CMD_SET_STREAM:
        m->mode &= (uint8_t)~MOUSE_STATUS_REMOTE;
        mouse_clear_counters(m);
        mouse_reply(m, PS2_ACK);
        break;
    case MOUSE_CMD_READ_DATA:
        mouse_reply(m, PS2_ACK);
        mouse_send_packet(m, false);
        break;
    case MOUSE_CMD_RESET_WRAP:
        m->wrap = false;
        mouse_reply(m, PS2_ACK);
        break;
    case MOUSE_CMD_SET_WRAP:
        m->wrap = true;
        mouse_reply(m, PS2_ACK);
        break;
    case MOUSE_CMD_SET_REMOTE:
        m->mode |= MOUSE_STATUS_REMOTE;
        mouse_clear_counters(m);
        mouse_reply(m, PS2_ACK);
        break;
    case MOUSE_CMD_GET_ID:
        mouse_reply(m, PS2_ACK);
        mouse_reply(m, m->type);
        break;
    case MOUSE_CMD_ENABLE:
        m->mode |= MOUSE_STATUS_ENABLED;
        mouse_clear_counters(m);
        mouse_reply(m, PS2_ACK);
        break;
    case MOUSE_CMD_DISABLE:
        m->mode &= (uint8_t)~MOUSE_STATUS_ENABLED;
        mouse_clear_counters(m);
        mouse_reply(m, PS2_ACK);
        break;
    case MOUSE_CMD_SET_DEFAULTS:
        mouse_defaults(m);
        mouse_reply(m, PS2_ACK);
        break;
    case MOUSE_CMD_RESEND:
        mouse_reply(m, m->q.last_sent);
        break;
    case MOUSE_CMD_RESET:
        ps2_queue_clear(&m->q);
        mouse_defaults(m);
        m->type = 0;
        mouse_reply(m, PS2_ACK);
        mouse_reply(m, PS2_BAT_OK);
        mouse_reply(m, 0x00);       /* device ID: standard mouse */
        break;
    default:
        mouse_reply(m, PS2_RESEND);
        break;
    }
}
