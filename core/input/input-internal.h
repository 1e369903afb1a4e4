/*
 * Keyboard and mouse input: the core's side (the SDK side is
 * include/cardcage/input.h), for the monitor, the command line and tests.
 *
 * Conventions of the SDK calls, as the PS/2 models read them:
 *   input_send_key     qnum as in input.h; down true for a press.
 *   input_send_mouse   dx > 0 moves right, dy > 0 moves down (screen
 *                      coordinates), dz > 0 turns the wheel towards the
 *                      user (scrolling down); buttons is the INPUT_BUTTON_*
 *                      set held now.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_INPUT_INTERNAL_H
#define CORE_INPUT_INTERNAL_H

#include <cardcage/input.h>
#include <cardcage/error.h>

/* Longest combo input_send_combo takes ("ctrl-alt-delete" is 3). */
#define INPUT_COMBO_MAX 16
/* Events input_type_text may have waiting. */
#define INPUT_QUEUE_MAX 4096
/* Guest time between two queued events (10 ms: a brisk typist, and well
 * within what a PS/2 keyboard's 16-byte buffer absorbs). */
#define INPUT_QUEUE_INTERVAL_NS 10000000

/* Parse "ctrl-alt-delete" (names joined by '-', as QEMU's sendkey takes
 * them) into qnums; returns the count or -1 with errp set. */
int input_parse_combo(const char *combo, int *qnums, int max, Error **errp);

/* Press the keys of a combo in order, then release them in reverse, at
 * once.  Nothing is sent when a name is unknown. */
bool input_send_combo(const char *combo, Error **errp);

/* Type ASCII text on a US layout (letters, digits, punctuation, space,
 * '\n' as Return, '\t' as Tab, '\b' as Backspace; Shift is pressed around
 * characters that need it).  The events are queued and handed to the
 * keyboard one per INPUT_QUEUE_INTERVAL_NS of guest time, so a long text
 * does not overflow the keyboard's buffer.  Fails, sending nothing, on a
 * character with no key or when the queue would overflow. */
bool input_type_text(const char *text, Error **errp);
/* Queue one key event behind those (for front ends that receive many
 * keys at once, as a terminal's pasted text); false, dropping it, when
 * the queue is full. */
bool input_queue_key(int qnum, bool down);
/* Events still waiting in that queue. */
int input_queue_pending(void);

/* The qnum and Shift state that type c on a US layout; -1 when no key. */
int input_qnum_for_char(char c, bool *shift);

/* The name of a qnum (the first in the table), or NULL. */
const char *input_qnum_name(int qnum);

#endif
