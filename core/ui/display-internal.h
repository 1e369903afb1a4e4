/*
 * The display layer's internals shared by its files (not the SDK).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_UI_DISPLAY_INTERNAL_H
#define CORE_UI_DISPLAY_INTERNAL_H

#include <cardcage/display.h>

int console_index(DisplayConsole *con);
DeviceState *console_device(DisplayConsole *con);
int console_count(void);
int display_listener_count(void);
/* Text mode: the cursor cell (-1, -1 when hidden or not in text mode). */
void console_get_cursor(DisplayConsole *con, int *x, int *y);

/* -display none|...: the front end the command line asked for. */
bool display_set_frontend(const char *name, Error **errp);
const char *display_frontend(void);

#endif
