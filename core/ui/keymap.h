/*
 * Keyboard layouts (-k): which key, with which modifiers, types a
 * character on the guest's layout, for the front ends that receive
 * characters rather than keys (VNC's keysyms, the terminal's characters
 * under curses).  The SDL window sends physical keys and needs none.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_UI_KEYMAP_H
#define CORE_UI_KEYMAP_H

#include <stdio.h>
#include <cardcage/error.h>

/* Right Alt, which is AltGr on the European layouts, and the Shifts. */
#define KEYMAP_QNUM_ALTGR   0xb8
#define KEYMAP_QNUM_SHIFT_L 0x2a
#define KEYMAP_QNUM_SHIFT_R 0x36

typedef struct KeymapKey {
    int qnum;                    /* input.h's key number */
    bool shift, altgr;           /* modifiers the character needs on the layout */
} KeymapKey;

/* -k NAME: en-us (the default), de, fr, gb; false (errp set, naming the
 * layouts) for another. */
bool keymap_set_layout(const char *name, Error **errp);
const char *keymap_layout(void);
/* -k help: one line per layout. */
void keymap_print_layouts(FILE *out);

/* The key of an X keysym (X11 keysymdef.h: Latin-1 keysyms are the
 * character, 0x01000000 + U any Unicode character U, dead keys and the
 * function keys their own codes) on the current layout; false when no key
 * of it gives that keysym. */
bool keymap_from_keysym(uint32_t keysym, KeymapKey *key);
/* The key of a Unicode character on the current layout ('\n' is Return,
 * '\t' Tab, '\b' and 0x7f Backspace, 0x1b Escape). */
bool keymap_from_char(uint32_t ch, KeymapKey *key);

#endif
