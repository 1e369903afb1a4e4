/*
 * The x87 FPU, as the x86 core drives it.
 *
 * The integer core decodes an escape opcode (D8..DF), checks CR0.EM/TS
 * (#NM) and, for a waiting instruction, a pending unmasked exception (#MF
 * with CR0.NE=1, FERR otherwise), computes the effective address of a
 * memory operand and calls x87_execute.  Everything else about the x87 (the
 * register stack, tags, control and status words, rounding and precision
 * control, exceptions, every arithmetic, comparison, load/store, BCD and
 * transcendental instruction, FNSTENV/FLDENV/FNSAVE/FRSTOR) lives behind
 * this interface, in portable software floating point: no host FPU is used.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_CPU_X87_H
#define CORE_CPU_X87_H

#include <stdbool.h>
#include <stdint.h>

/* An 80-bit extended-precision value: explicit integer bit in mant[63]. */
typedef struct floatx80 {
    uint64_t mant;
    uint16_t sign_exp;       /* sign in bit 15, biased exponent in 14..0 */
} floatx80;

typedef struct X87State {
    floatx80 regs[8];        /* physical registers R0..R7 (ST(i) = R[(TOP+i)&7]) */
    uint16_t fcw;            /* control word */
    uint16_t fsw;            /* status word, TOP in bits 13..11 */
    uint16_t ftw;            /* full tag word, 2 bits per physical register */
    uint16_t fop;            /* last non-control opcode (11 bits) */
    uint32_t fip, fdp;       /* last instruction / data pointer (offsets) */
    uint16_t fcs, fds;       /* their selectors */
} X87State;

/* Access to the memory operand of the instruction being executed.  offset is
 * added to the effective address (the core wraps it by the address size and
 * applies the segment); read/write may not return (the core raises #GP/#PF
 * by longjmp), so x87_execute changes no state until its loads are done and
 * calls probe_write for the whole destination before the first store of a
 * multi-part store (FNSAVE, FSTP m80, FBSTP). */
typedef struct X87Mem {
    void *cpu;
    uint64_t (*read)(void *cpu, uint32_t offset, unsigned size);  /* size 1,2,4,8 */
    void (*write)(void *cpu, uint32_t offset, uint64_t val, unsigned size);
    void (*probe_write)(void *cpu, uint32_t offset, unsigned size);
} X87Mem;

typedef struct X87Insn {
    /* in */
    uint8_t opcode;          /* D8..DF */
    uint8_t modrm;
    bool opsize32;           /* operand-size attribute (FNSTENV/FNSAVE layouts) */
    bool protected_mode;     /* CR0.PE and not virtual-8086 (environment layout) */
    uint32_t ip;             /* offset of the instruction (FIP) */
    uint16_t cs;
    uint32_t dp;             /* effective address offset of the memory operand (FDP) */
    uint16_t ds;             /* its segment selector */
    uint32_t eflags;         /* current EFLAGS (FCMOVcc reads CF/ZF/PF) */
    bool sse3;               /* FISTTP (DB/DD/DF /1) exists; else #UD */
    /* out */
    uint32_t eflags_out;     /* FCOMI/FUCOMI(P): EFLAGS with ZF/PF/CF set, OF/SF/AF clear */
    bool eflags_written;
    uint16_t ax_out;         /* FNSTSW AX */
    bool ax_written;
} X87Insn;

typedef enum {
    X87_OK,                  /* done */
    X87_UD,                  /* invalid encoding: the core raises #UD */
    X87_FAULT_PENDING,       /* done, and an unmasked exception is now pending
                                (FSW.ES set): the core signals FERR (CR0.NE=0)
                                or raises #MF at the next waiting instruction */
} X87Result;

/* Power-on / FNINIT state: FCW 0x037F, FSW 0, all tags empty, pointers 0. */
void x87_init(X87State *s);
X87Result x87_execute(X87State *s, X87Insn *insn, const X87Mem *mem);
/* FNINIT, FNCLEX, FNSTSW, FNSTCW, FNSTENV, FNSAVE (and FNOP-style no-wait
 * forms) do not check for pending exceptions. */
bool x87_is_nowait(uint8_t opcode, uint8_t modrm);
/* FSW.ES: an unmasked exception is pending. */
bool x87_exception_pending(const X87State *s);
/* The x87 part of the FXSAVE image: bytes 0..23 (FCW, FSW, abridged FTW,
 * FOP, FIP/FCS, FDP/FDS) and 32..159 (ST0..ST7), as in Intel SDM vol. 2A
 * "FXSAVE".  Bytes 24..31 (MXCSR) belong to the core. */
void x87_fxsave(const X87State *s, uint8_t area[160], bool opsize32);
void x87_fxrstor(X87State *s, const uint8_t area[160], bool opsize32);
/* One-line state dump for -d cpu. */
void x87_dump(const X87State *s, void *file /* FILE * */);

#endif
