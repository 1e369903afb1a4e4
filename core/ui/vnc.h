/*
 * The VNC front end (vnc.c): -vnc's parsing, start and shutdown, for the
 * start-up code.  The QMP and monitor commands are vnc.c's own.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_UI_VNC_H
#define CORE_UI_VNC_H

#include <cardcage/error.h>

/* -vnc SPEC: ":N", "HOST:N", "unix:PATH" or "none", then ",password=on|off".
 * Checks the syntax only (nothing listens yet); false (errp set) on a bad
 * spec or a second -vnc. */
bool vnc_configure(const char *spec, Error **errp);
/* Listen as configured (nothing when -vnc was not given or is "none");
 * false (errp set) when the address cannot be had (port in use, bad
 * host, path taken). */
bool vnc_start(Error **errp);
/* Disconnect every client, close the sockets and free everything. */
void vnc_cleanup(void);

#endif
