/*
 * The PS/2 keyboard: commands from the controller and key events from the
 * host (see ps2.h).
 *
 * Commands and replies follow the IBM PS/2 Hardware Interface Technical
 * Reference, "Keyboards (101- and 102-Key)", "Commands from the System":
 * every command but Echo (0xEE) and Resend (0xFE) is acknowledged with
 * 0xFA; an unknown command or a bad parameter is answered with Resend.  A
 * command byte (0xED and up) sent where a parameter was expected aborts the
 * pending command and runs instead.
 *
 * Typematic repeat is not generated (the host's own key repeat arrives as
 * repeated presses); the rate byte is kept.  The set 3 key-type commands
 * (0xF7-0xFD) are acknowledged, their key lists consumed, and every key
 * stays make/break.
 *
 * SPDX-License-Identifier: MIT
 */
#include "ps2.h"

/* Command bytes. */
enum {
    KBD_CMD_SET_LEDS = 0xed,
    KBD_CMD_ECHO = 0xee,
    KBD_CMD_SCANCODE_SET = 0xf0,
    KBD_CMD_IDENTIFY = 0xf2,
    KBD_CMD_TYPEMATIC = 0xf3,
    KBD_CMD_ENABLE = 0xf4,
    KBD_CMD_DEFAULT_DISABLE = 0xf5,
    KBD_CMD_SET_DEFAULT = 0xf6,
    KBD_CMD_ALL_TYPEMATIC = 0xf7,      /* 0xF7-0xFA: set 3, all keys */
    KBD_CMD_ALL_MAKE_BREAK_TYPEMATIC = 0xfa,
    KBD_CMD_KEY_TYPEMATIC = 0xfb,      /* 0xFB-0xFD: set 3, listed keys */
    KBD_CMD_KEY_MAKE = 0xfd,
    KBD_CMD_RESEND = 0xfe,
    KBD_CMD_RESET = 0xff,
    KBD_CMD_FIRST = KBD_CMD_SET_LEDS,
};

/* Keyboard ID of an MF2 keyboard (Identify command). */
#define KBD_ID_0 0xab
#define KBD_ID_1 0x83
/* Default typematic: 10.9 characters/s after 500 ms. */
#define KBD_DEFAULT_TYPEMATIC 0x2b

static void kbd_defaults(PS2Kbd *k)
{
    k->scancode_set = 2;
    k->typematic = KBD_DEFAULT_TYPEMATIC;
    k->leds = 0;
    k->param_cmd = 0;
}

void ps2_kbd_reset(PS2Kbd *k)
{
    kbd_defaults(k);
    k->scanning = true;
    k->overrun = false;
    ps2_queue_clear(&k->q);
    k->q.last_sent = 0;
}

static void kbd_reply(PS2Kbd *k, uint8_t b)
{
    ps2_queue_push(&k->q, b);
}

/* Commands that clear the output buffer do so before acknowledging. */
static void kbd_flush(PS2Kbd *k)
{
    ps2_queue_clear(&k->q);
    k->overrun = false;
}

static void kbd_parameter(PS2Kbd *k, uint8_t val)
{
    uint8_t cmd = k->param_cmd;
    switch (cmd) {
    case KBD_CMD_SET_LEDS:
        k->leds = val & 0x07;
        k->param_cmd = 0;
        kbd_reply(k, PS2_ACK);
        break;
    case KBD_CMD_TYPEMATIC:
        k->typematic = val & 0x7f;
        k->param_cmd = 0;
        kbd_reply(k, PS2_ACK);
        break;
    case KBD_CMD_SCANCODE_SET:
        if (val > 3) {
            kbd_reply(k, PS2_RESEND);   /* the parameter is still awaited */
            break;
        }
        k->param_cmd = 0;
        kbd_reply(k, PS2_ACK);
        if (val == 0) {
            kbd_reply(k, k->scancode_set);
        } else {
            k->scancode_set = val;
        }
        break;
    default:
        /* A set 3 key list: each key is acknowledged until a command. */
        kbd_reply(k, PS2_ACK);
        break;
    }
}

void ps2_kbd_write(PS2Kbd *k, uint8_t val)
{
    if (k->param_cmd && val < KBD_CMD_FIRST) {
        kbd_parameter(k, val);
        return;
    }
    k->param_cmd = 0;
    switch (val) {
    case KBD_CMD_SET_LEDS:
    case KBD_CMD_TYPEMATIC:
    case KBD_CMD_SCANCODE_SET:
        k->param_cmd = val;
        kbd_reply(k, PS2_ACK);
        break;
    case KBD_CMD_ECHO:
        kbd_reply(k, KBD_CMD_ECHO);
        break;
    case KBD_CMD_IDENTIFY:
        kbd_reply(k, PS2_ACK);
        kbd_reply(k, KBD_ID_0);
        kbd_reply(k, KBD_ID_1);
        break;
    case KBD_CMD_ENABLE:
        kbd_flush(k);
        k->scanning = true;
        kbd_reply(k, PS2_ACK);
        break;
    case KBD_CMD_DEFAULT_DISABLE:
        kbd_flush(k);
        kbd_defaults(k);
        k->scanning = false;
        kbd_reply(k, PS2_ACK);
        break;
    case KBD_CMD_SET_DEFAULT:
        kbd_flush(k);
        kbd_defaults(k);
        k->scanning = true;
        kbd_reply(k, PS2_ACK);
        break;
    case KBD_CMD_ALL_TYPEMATIC ... KBD_CMD_ALL_MAKE_BREAK_TYPEMATIC:
        kbd_reply(k, PS2_ACK);
        break;
    case KBD_CMD_KEY_TYPEMATIC ... KBD_CMD_KEY_MAKE:
        k->param_cmd = val;
        kbd_reply(k, PS2_ACK);
        break;
    case KBD_CMD_RESEND:
        kbd_reply(k, k->q.last_sent);
        break;
    case KBD_CMD_RESET:
        kbd_flush(k);
        kbd_defaults(k);
        k->scanning = true;
        kbd_reply(k, PS2_ACK);
        kbd_reply(k, PS2_BAT_OK);   /* basic assurance test passed */
        break;
    default:
        kbd_reply(k, PS2_RESEND);
        break;
    }
}

void ps2_kbd_key(PS2Kbd *k, int qnum, bool down)
{
    if (!k->scanning) {
        return;
    }
    uint8_t seq[PS2_KEY_SEQ_MAX];
    int n = ps2_key_sequence(k->scancode_set, qnum, down, seq);
    if (n <= 0) {
        return;
    }
    if ((unsigned)n > ps2_queue_event_room(&k->q)) {
        /* Buffer overrun: the keyboard sends its overrun code once in
         * place of the lost keys (0xFF in set 1, 0x00 in sets 2 and 3). */
        if (!k->overrun && ps2_queue_room(&k->q) >= 1) {
            kbd_reply(k, k->scancode_set == 1 ? 0xff : 0x00);
            k->overrun = true;
        }
        return;
    }
    k->overrun = false;
    for (int i = 0; i < n; i++) {
        ps2_queue_push(&k->q, seq[i]);
    }
}
