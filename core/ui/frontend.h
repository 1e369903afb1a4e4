/*
 * The display front ends of -display (sdl, curses, none) and the default
 * choice, for the start-up code.  VNC (vnc.h) runs beside any of them.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_UI_FRONTEND_H
#define CORE_UI_FRONTEND_H

#include <cardcage/error.h>

/* Start the front end -display named; without -display (and without
 * -nographic), the SDL window when a desktop is there ($DISPLAY or
 * $WAYLAND_DISPLAY set), as QEMU chooses, falling back to none with a
 * warning when no window can be opened.  false (errp set) when the named
 * front end cannot start. */
bool display_frontend_start(bool nographic, Error **errp);
void display_frontend_cleanup(void);
/* -display curses draws on the terminal: stdio is not free for a serial
 * port or the monitor. */
bool display_frontend_owns_terminal(void);

/* The front ends (each built when its library is there). */
bool sdl_display_start(Error **errp);
void sdl_display_cleanup(void);
bool curses_display_start(Error **errp);
void curses_display_cleanup(void);

#endif
