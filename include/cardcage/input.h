/*
 * cardcage plugin SDK: keyboard and mouse input.
 *
 * Keys travel as "qnum" numbers: the PC XT scan code (set 1) of the key's
 * make code, with 0x80 added for keys that are sent with an 0xE0 prefix
 * (right Ctrl = 0x9d, the arrow keys 0xc8/0xcb/0xcd/0xd0).  Pause, which
 * has no single make code, is 0xc6.  A keyboard model converts them to the
 * scan code set the guest selected.
 *
 * Mouse motion is relative, in screen coordinates: dx > 0 moves right,
 * dy > 0 moves down, dz > 0 turns the wheel towards the user; buttons is
 * the set of INPUT_BUTTON_* held.  A PS/2 mouse model flips dy, as PS/2
 * reports up as positive.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_INPUT_H
#define CARDCAGE_INPUT_H

#include <cardcage/compiler.h>

enum {
    INPUT_BUTTON_LEFT   = 1 << 0,
    INPUT_BUTTON_RIGHT  = 1 << 1,
    INPUT_BUTTON_MIDDLE = 1 << 2,
};

typedef struct InputHandler {
    const char *name;
    void (*key)(void *opaque, int qnum, bool down);
    void (*mouse)(void *opaque, int dx, int dy, int dz, unsigned buttons);
} InputHandler;

/* The latest registered handler that has a key (mouse) callback receives
 * keyboard (mouse) events.  Returns a handle for input_unregister. */
CC_API void *input_register(const InputHandler *handler, void *opaque);
CC_API void input_unregister(void *handle);

CC_API void input_send_key(int qnum, bool down);
CC_API void input_send_mouse(int dx, int dy, int dz, unsigned buttons);
/* "a", "ret", "shift", "ctrl-alt-delete" style names, as QEMU's sendkey
 * takes them; -1 for an unknown name. */
CC_API int input_qnum_from_name(const char *name);

#endif
