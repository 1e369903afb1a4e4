/*
 * Key names (QEMU's sendkey names) and the US-layout characters, as qnums.
 *
 * A qnum is the key's scan code set 1 make code, + 0x80 for the keys sent
 * with an 0xE0 prefix (see include/cardcage/input.h).  The codes are those
 * of the IBM PC/AT keyboard (IBM "Keyboard and Auxiliary Device
 * Controller" technical reference, scan code set 1) and the 101/104-key
 * additions.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "input-internal.h"
#include <cardcage/object.h>

typedef struct KeyName {
    const char *name;
    uint8_t qnum;
} KeyName;

static const KeyName key_names[] = {
    { "esc", 0x01 },
    { "1", 0x02 }, { "2", 0x03 }, { "3", 0x04 }, { "4", 0x05 }, { "5", 0x06 },
    { "6", 0x07 }, { "7", 0x08 }, { "8", 0x09 }, { "9", 0x0a }, { "0", 0x0b },
    { "minus", 0x0c }, { "equal", 0x0d }, { "backspace", 0x0e }, { "tab", 0x0f },
    { "q", 0x10 }, { "w", 0x11 }, { "e", 0x12 }, { "r", 0x13 }, { "t", 0x14 },
    { "y", 0x15 }, { "u", 0x16 }, { "i", 0x17 }, { "o", 0x18 }, { "p", 0x19 },
    { "bracket_left", 0x1a }, { "bracket_right", 0x1b }, { "ret", 0x1c },
    { "ctrl", 0x1d },
    { "a", 0x1e }, { "s", 0x1f }, { "d", 0x20 }, { "f", 0x21 }, { "g", 0x22 },
    { "h", 0x23 }, { "j", 0x24 }, { "k", 0x25 }, { "l", 0x26 },
    { "semicolon", 0x27 }, { "apostrophe", 0x28 }, { "grave_accent", 0x29 },
    { "shift", 0x2a }, { "backslash", 0x2b },
    { "z", 0x2c }, { "x", 0x2d }, { "c", 0x2e }, { "v", 0x2f }, { "b", 0x30 },
    { "n", 0x31 }, { "m", 0x32 }, { "comma", 0x33 }, { "dot", 0x34 }, { "slash", 0x35 },
    { "shift_r", 0x36 }, { "kp_multiply", 0x37 }, { "asterisk", 0x37 },
    { "alt", 0x38 }, { "spc", 0x39 }, { "caps_lock", 0x3a },
    { "f1", 0x3b }, { "f2", 0x3c }, { "f3", 0x3d }, { "f4", 0x3e }, { "f5", 0x3f },
    { "f6", 0x40 }, { "f7", 0x41 }, { "f8", 0x42 }, { "f9", 0x43 }, { "f10", 0x44 },
    { "num_lock", 0x45 }, { "scroll_lock", 0x46 },
    { "kp_7", 0x47 }, { "kp_8", 0x48 }, { "kp_9", 0x49 }, { "kp_subtract", 0x4a },
    { "kp_4", 0x4b }, { "kp_5", 0x4c }, { "kp_6", 0x4d }, { "kp_add", 0x4e },
    { "kp_1", 0x4f }, { "kp_2", 0x50 }, { "kp_3", 0x51 }, { "kp_0", 0x52 },
    { "kp_decimal", 0x53 }, { "sysrq", 0x54 }, { "less", 0x56 },
    { "f11", 0x57 }, { "f12", 0x58 }, { "kp_equals", 0x59 },
    { "kp_enter", 0x9c }, { "ctrl_r", 0x9d }, { "kp_divide", 0xb5 },
    { "print", 0xb7 }, { "alt_r", 0xb8 }, { "altgr", 0xb8 },
    { "pause", 0xc6 }, { "home", 0xc7 }, { "up", 0xc8 }, { "pgup", 0xc9 },
    { "left", 0xcb }, { "right", 0xcd }, { "end", 0xcf }, { "down", 0xd0 },
    { "pgdn", 0xd1 }, { "insert", 0xd2 }, { "delete", 0xd3 },
    { "meta_l", 0xdb }, { "meta_r", 0xdc }, { "menu", 0xdd },
};

int input_qnum_from_name(const char *name)
{
    if (!name) {
        return -1;
    }
    for (size_t i = 0; i < CC_ARRAY_SIZE(key_names); i++) {
        if (!strcmp(key_names[i].name, name)) {
            return key_names[i].qnum;
        }
    }
    /* QEMU's sendkey also takes a raw code: "0x1e". */
    uint64_t v;
    if (g_str_has_prefix(name, "0x") && cc_parse_uint64(name, &v) && v >= 1 && v <= 0xff) {
        return (int)v;
    }
    return -1;
}

const char *input_qnum_name(int qnum)
{
    for (size_t i = 0; i < CC_ARRAY_SIZE(key_names); i++) {
        if (key_names[i].qnum == qnum) {
            return key_names[i].name;
        }
    }
    return NULL;
}

/* ---- characters on a US layout ---- */

/* Punctuation: the unshifted and shifted character of each key. */
static const struct {
    char plain, shifted;
    uint8_t qnum;
} punct_keys[] = {
    { '`', '~', 0x29 }, { '-', '_', 0x0c }, { '=', '+', 0x0d },
    { '[', '{', 0x1a }, { ']', '}', 0x1b }, { '\\', '|', 0x2b },
    { ';', ':', 0x27 }, { '\'', '"', 0x28 }, { ',', '<', 0x33 },
    { '.', '>', 0x34 }, { '/', '?', 0x35 },
    /* The digit row: '1' is plain, '!' shifted, and so on. */
    { '1', '!', 0x02 }, { '2', '@', 0x03 }, { '3', '#', 0x04 }, { '4', '$', 0x05 },
    { '5', '%', 0x06 }, { '6', '^', 0x07 }, { '7', '&', 0x08 }, { '8', '*', 0x09 },
    { '9', '(', 0x0a }, { '0', ')', 0x0b },
    { ' ', 0, 0x39 }, { '\n', 0, 0x1c }, { '\t', 0, 0x0f }, { '\b', 0, 0x0e },
};

int input_qnum_for_char(char c, bool *shift)
{
    *shift = false;
    if (g_ascii_isalpha(c)) {
        char name[2] = { g_ascii_tolower(c), 0 };
        *shift = g_ascii_isupper(c);
        return input_qnum_from_name(name);
    }
    for (size_t i = 0; i < CC_ARRAY_SIZE(punct_keys); i++) {
        if (c == punct_keys[i].plain) {
            return punct_keys[i].qnum;
        }
        if (punct_keys[i].shifted && c == punct_keys[i].shifted) {
            *shift = true;
            return punct_keys[i].qnum;
        }
    }
    return -1;
}
