/*
 * Run one x87 instruction on the host's own FPU (x86-64 Linux only): load
 * a 108-byte FSAVE image with FRSTOR, set EFLAGS, execute the instruction
 * bytes with RSI pointing at a memory operand, then capture EFLAGS, RAX and
 * the FPU with FNSAVE (which never waits, so unmasked exceptions do not
 * trap).  The stub is generated into an executable page per call.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef TESTS_UNIT_X87_HOST_X87_H
#define TESTS_UNIT_X87_HOST_X87_H

#include <stdbool.h>
#include <stdint.h>

typedef struct HostRun {
    uint8_t mem[512] __attribute__((aligned(16)));  /* operand at [rsi] */
    uint8_t in[108];
    uint8_t out[108];
    uint64_t flags_in, flags_out, rax_out;
} HostRun;

/* False on hosts without an x87 we can drive (not x86-64, or no
 * executable memory). */
bool host_x87_available(void);
/* 0 when the instruction ran, else the signal it raised (SIGILL = #UD). */
int host_x87_run(HostRun *run, const uint8_t *insn, unsigned len);

#endif
