/*
 * The host input watcher (io-watch.c): kicks a running CPU back to the
 * main loop when host input arrives.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_MAIN_IO_WATCH_H
#define CORE_MAIN_IO_WATCH_H

#include <glib.h>

struct CPUState;

/* Watch these descriptors (GLib's, as g_main_context_query gave them) for
 * input until one is ready, then kick cpu once.  Called by the main loop
 * each time it looked at host I/O while the CPU is busy. */
void io_watch_arm(struct CPUState *cpu, const GPollFD *fds, int n);
/* True (once) when the watcher kicked the CPU since the last call. */
bool io_watch_take_fired(void);

#endif
