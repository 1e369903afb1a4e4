/*
 * The human monitor: a command line on a character backend (-monitor),
 * in the manner of QEMU's HMP.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_MONITOR_H
#define CORE_MONITOR_H

#include <stdio.h>
#include <cardcage/error.h>

/* Attach a monitor to the backend with this id. */
bool monitor_start(const char *chardev_id, Error **errp);

/* Free the monitors at exit, once their backends are closed. */
void monitor_cleanup_all(void);

/* Run one command line, writing the answer to out (for tests).  Returns
 * false for an unknown command or bad arguments (the message is in out). */
bool monitor_execute(const char *line, GString *out);

#endif
