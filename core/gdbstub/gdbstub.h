/*
 * The gdb remote stub (gdbstub.c).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_GDBSTUB_H
#define CORE_GDBSTUB_H

#include <cardcage/error.h>

struct CPUState;

/* Listen for gdb on the character backend SPEC ("tcp::1234",
 * "unix:PATH", a port number alone; sockets become servers that do not
 * wait) and debug cpu through it. */
bool gdbstub_start(const char *spec, struct CPUState *cpu, Error **errp);

/* The backend spec a -gdb argument stands for (g_free it). */
char *gdbstub_normalize_spec(const char *spec);

#endif
