/*
 * The main loop (see main-loop.c for why it is single-threaded).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_MAIN_LOOP_H
#define CORE_MAIN_LOOP_H

#include <stdint.h>

struct CPUState;

/* Run the machine until a shutdown request; returns the exit status. */
int main_loop_run(struct CPUState *cpu);
/* Look at host I/O once, waiting at most timeout_ns (-1: no limit). */
void main_loop_poll_host(int64_t timeout_ns);
/* When start-up began (host monotonic ns), for -d startup. */
void main_loop_set_startup_time(int64_t t0);

#endif
