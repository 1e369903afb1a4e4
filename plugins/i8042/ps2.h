/*
 * The PS/2 keyboard and mouse inside the i8042 plugin (not QOM types of
 * their own: the board creates only "i8042", which owns one of each).
 *
 * Each device talks to the controller through a byte queue: the device
 * pushes what it sends (acknowledgements, scan codes, packets), the
 * controller pops a byte into its output buffer when that is free and the
 * device's interface is enabled.  Bytes from the controller to a device go
 * through ps2_kbd_write / ps2_mouse_write.
 *
 * Bounds: a queue holds PS2_QUEUE_SIZE bytes; input events (keys, mouse
 * packets) may fill at most PS2_EVENT_LIMIT of them, so the answer to a
 * command always fits.  A key event that does not fit is dropped (the
 * keyboard queues its overrun code once, as a real keyboard does); mouse
 * motion that does not fit stays in the mouse's 9-bit counters (which
 * saturate, flagging overflow) and is reported once there is room.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef PLUGINS_I8042_PS2_H
#define PLUGINS_I8042_PS2_H

#include <cardcage/cardcage.h>

#define PS2_QUEUE_SIZE 256
#define PS2_EVENT_LIMIT (PS2_QUEUE_SIZE - 16)

/* Replies common to both devices (IBM PS/2 Hardware Interface Technical
 * Reference, "Keyboard/Auxiliary Device Controller"). */
#define PS2_ACK    0xfa
#define PS2_RESEND 0xfe
#define PS2_BAT_OK 0xaa

typedef struct PS2Queue {
    uint8_t data[PS2_QUEUE_SIZE];
    unsigned head;
    unsigned count;
    uint8_t last_sent;       /* for the resend command */
} PS2Queue;

static inline unsigned ps2_queue_room(const PS2Queue *q)
{
    return PS2_QUEUE_SIZE - q->count;
}

/* Room left for input events (keys, packets). */
static inline unsigned ps2_queue_event_room(const PS2Queue *q)
{
    return q->count >= PS2_EVENT_LIMIT ? 0 : PS2_EVENT_LIMIT - q->count;
}

/* A reply to a command: dropped only if the whole queue is full, which
 * the event limit leaves room to avoid. */
static inline void ps2_queue_push(PS2Queue *q, uint8_t b)
{
    if (q->count < PS2_QUEUE_SIZE) {
        q->data[(q->head + q->count) % PS2_QUEUE_SIZE] = b;
        q->count++;
    }
}

static inline uint8_t ps2_queue_pop(PS2Queue *q)
{
    uint8_t b = q->data[q->head];
    q->head = (q->head + 1) % PS2_QUEUE_SIZE;
    q->count--;
    q->last_sent = b;
    return b;
}

static inline void ps2_queue_clear(PS2Queue *q)
{
    q->head = 0;
    q->count = 0;
}

/* ---- keyboard (ps2-kbd.c) ---- */

typedef struct PS2Kbd {
    PS2Queue q;
    uint8_t scancode_set;     /* 1, 2 or 3 */
    bool scanning;            /* keys are reported */
    bool overrun;             /* the overrun code is in the queue */
    uint8_t leds;             /* bit 0 Scroll, 1 Num, 2 Caps Lock */
    uint8_t typematic;        /* rate and delay byte of command 0xF3 */
    uint8_t param_cmd;        /* command waiting for its parameter, or 0 */
} PS2Kbd;

/* Power-on state: set 2, scanning, default typematic, empty queue. */
void ps2_kbd_reset(PS2Kbd *k);
/* A byte from the controller. */
void ps2_kbd_write(PS2Kbd *k, uint8_t val);
/* A key press or release (qnum as in include/cardcage/input.h). */
void ps2_kbd_key(PS2Kbd *k, int qnum, bool down);

/* ---- mouse (ps2-mouse.c) ---- */

typedef struct PS2Mouse {
    PS2Queue q;
    uint8_t mode;             /* status byte bits: remote, enabled, scaling */
    uint8_t resolution;       /* 0..3: 1, 2, 4, 8 counts per mm */
    uint8_t sample_rate;
    uint8_t type;             /* 0 standard, 3 IntelliMouse, 4 Explorer */
    bool wrap;                /* echo mode */
    uint8_t param_cmd;
    uint8_t rate_history[3];  /* the last sample rates set, newest last */
    int dx, dy, dz;           /* movement not yet reported (PS/2 axes) */
    uint8_t overflow;         /* packet byte 0 overflow bits latched */
    unsigned buttons;         /* INPUT_BUTTON_* held now */
    unsigned reported_buttons;
} PS2Mouse;

void ps2_mouse_reset(PS2Mouse *m);
void ps2_mouse_write(PS2Mouse *m, uint8_t val);
/* Host movement (screen axes, see core/input) and buttons. */
void ps2_mouse_event(PS2Mouse *m, int dx, int dy, int dz, unsigned buttons);
/* Report pending movement if stream mode and the queue allow; the
 * controller calls it after taking a byte. */
void ps2_mouse_poll(PS2Mouse *m);

/* ---- scan codes (scancodes.c) ---- */

/* The longest sequence one key event makes (Pause in set 1 or 2). */
#define PS2_KEY_SEQ_MAX 8

/* The bytes a key press or release sends in scan code set `set`; 0 when
 * the key has no code in that set (or sends nothing on release). */
int ps2_key_sequence(int set, int qnum, bool down, uint8_t *out);
/* The 8042's set 2 -> set 1 translation of one byte (not 0xF0). */
uint8_t ps2_translate(uint8_t code);

#endif
