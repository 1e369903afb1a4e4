/*
 * A bare x86 CPU on a RAM-only address space for the differential CPU
 * tests (kvm-diff, sse-diff): the flat 32-bit protected-mode memory map
 * both use (a GDT with flat code 0x08 and data 0x10, an IDT of 32
 * interrupt gates to HLT stubs, so an exception ends the run with EIP just
 * past the stub of its vector), and running until HLT.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef TESTS_CPU_FLAT32_H
#define TESTS_CPU_FLAT32_H

#include "cpu/x86-internal.h"

#define FLAT32_GDT   0x1000u
#define FLAT32_IDT   0x2000u
#define FLAT32_STUBS 0x3000u     /* 32 stubs of 16 bytes: HLT */

typedef struct Flat32 {
    X86CPU *cpu;
    CPUX86State *env;
    uint8_t *mem;
    uint32_t mem_size;
} Flat32;

/* A CPU of the default model on mem_size bytes of RAM at 0. */
void flat32_open(Flat32 *e, uint32_t mem_size);
/* Write the GDT, IDT and stubs (the rest of memory is the caller's). */
void flat32_tables(uint8_t *mem);
/* The vector whose stub the CPU halted in (eip just past the HLT), or -1. */
int flat32_vector_of(uint32_t eip);
/* Start at eip in flat 32-bit protected mode with CR0.NE, CR4 and these
 * registers (EAX..EDI) and EFLAGS, after dropping translations of the
 * first max_code bytes of memory; run until HLT (at most 100000
 * instructions). */
void flat32_run(Flat32 *e, uint32_t eip, const uint32_t regs[8], uint32_t eflags,
                uint32_t cr4, uint32_t max_code);

/* The tests' random source: xorshift32 (Marsaglia, "Xorshift RNGs", 2003,
 * shifts 13, 17, 5), reproducible from a seed on every host. */
static inline uint32_t flat32_xorshift32(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

#endif
