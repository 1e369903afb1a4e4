/*
 * kvm-diff: differential testing of the x86 CPU against the host CPU.
 *
 * Generates short random instruction sequences (integer instructions of
 * the i686: ALU, shifts and rotates, multiply/divide, bit operations,
 * BCD, moves and exchanges, the stack, string instructions, conditional
 * moves/sets/jumps), runs each in 32-bit flat protected mode both on the
 * host through /dev/kvm (the KVM ioctl API, no other library) and on
 * cardcage's CPU, and compares the general registers, EIP, EFLAGS, the
 * data and stack memory, and the exception taken, if any.  Flags an
 * instruction leaves undefined (SDM vol. 2 for each instruction) are
 * masked, since they differ between vendors; sequences never read a flag
 * while it is undefined.
 *
 *   kvm-diff [--count N] [--len N] [--seed N] [--only TEMPLATE] [--verbose]
 *
 * Prints the number of sequences and instructions run and every mismatch
 * (the sequence, disassembled by template name, and both states).  Exit 0
 * when none, 1 otherwise, 77 when /dev/kvm cannot be used.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <cardcage/module.h>
#include "cpu/x86-internal.h"
#include "cpu/x86-model.h"
#include "flat32.h"

/* Guest memory map (identical for both CPUs). */
#define MEM_SIZE   (4u << 20)
#define GDT_ADDR   FLAT32_GDT
#define IDT_ADDR   FLAT32_IDT
#define STUB_ADDR  FLAT32_STUBS  /* 32 exception stubs of 16 bytes: HLT */
#define CODE_ADDR  0x10000u
#define DATA_ADDR  0x20000u      /* 4 KiB, EBP points to its middle */
#define DATA_SIZE  0x1000u
#define STACK_TOP  0x30000u
#define STACK_LOW  (STACK_TOP - 0x1000u)
#define ESP_START  (STACK_TOP - 0x200u)

#define FLAGS_ARITH (CC_C | CC_P | CC_A | CC_Z | CC_S | CC_O)

static uint32_t rng_state;

static uint32_t rnd(void)
{
    return flat32_xorshift32(&rng_state);
}

static uint32_t rnd_val(void)
{
    /* Mix small, boundary and random values. */
    static const uint32_t special[] = { 0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
                                        0x7fffffff, 0x80000000, 0xffffffff, 0x10, 0x1f, 9 };
    uint32_t r = rnd();
    if ((r & 3) == 0) {
        return special[(r >> 2) % CC_ARRAY_SIZE(special)];
    }
    return rnd();
}

/* ---- the sequence generator ---- */

typedef struct Seq {
    uint8_t code[512];
    unsigned len;
    const char *names[128];
    uint16_t start[128];     /* code offset of each instruction */
    uint32_t undef_at[128];  /* flags undefined before or after it */
    unsigned ninsns;
    uint32_t undef;          /* flags currently undefined */
    uint32_t w, u;           /* the instruction being generated: flags it
                              * defines and leaves undefined (a generator
                              * narrows its template's defaults) */
    int depth;               /* dwords pushed */
} Seq;

static void emit1(Seq *s, uint8_t b)
{
    s->code[s->len++] = b;
}

static void emit4(Seq *s, uint32_t v)
{
    memcpy(s->code + s->len, &v, 4);
    s->len += 4;
}

/* Registers random instructions may write: EAX ECX EDX EBX ESI EDI (not
 * ESP, nor EBP, the data pointer). */
static int rreg(void)
{
    static const int r[] = { 0, 1, 2, 3, 6, 7 };
    return r[rnd() % 6];
}

/* Any register as a source. */
static int sreg(void)
{
    return rnd() % 8;
}

/* Byte registers AL CL DL BL AH CH DH BH: all writable (parts of EAX..EBX). */
static int breg(void)
{
    return rnd() % 8;
}

static uint8_t modrm_rr(int reg, int rm)
{
    return 0xc0 | (reg << 3) | rm;
}

/* [ebp + disp8]: an aligned or unaligned address in the data area. */
static void emit_mem(Seq *s, int reg)
{
    emit1(s, 0x45 | (reg << 3));
    emit1(s, (uint8_t)(rnd() % 0xf0 - 0x78));
}

typedef struct Template {
    const char *name;
    uint32_t reads;          /* flags read */
    uint32_t writes;         /* flags given a defined value */
    uint32_t undef;          /* flags left undefined */
    void (*gen)(Seq *s);
} Template;

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

static int alu_op_for(Seq *s)
{
    /* ADC/SBB read CF: only when it is defined. */
    for (;;) {
        int op = rnd() % 8;
        if ((op == ALU_ADC || op == ALU_SBB) && (s->undef & CC_C)) {
            continue;
        }
        return op;
    }
}

/* AND, OR and XOR leave AF undefined (SDM vol. 2A, AND/OR/XOR). */
static int alu_op_flags(Seq *s)
{
    int op = alu_op_for(s);
    if (op == ALU_AND || op == ALU_OR || op == ALU_XOR) {
        s->w &= ~CC_A;
        s->u |= CC_A;
    }
    return op;
}

static void g_alu_rr(Seq *s)
{
    emit1(s, (alu_op_flags(s) << 3) | 1);
    emit1(s, modrm_rr(sreg(), rreg()));
}

static void g_alu_rr8(Seq *s)
{
    emit1(s, (alu_op_flags(s) << 3) | 0);
    emit1(s, modrm_rr(breg(), breg()));
}

static void g_alu_rr16(Seq *s)
{
    emit1(s, 0x66);
    emit1(s, (alu_op_flags(s) << 3) | 1);
    emit1(s, modrm_rr(sreg(), rreg()));
}

static void g_alu_ri(Seq *s)
{
    int op = alu_op_flags(s);
    if (rnd() & 1) {
        emit1(s, 0x81);
        emit1(s, modrm_rr(op, rreg()));
        emit4(s, rnd_val());
    } else {
        emit1(s, 0x83);
        emit1(s, modrm_rr(op, rreg()));
        emit1(s, (uint8_t)rnd_val());
    }
}

static void g_alu_mr(Seq *s)
{
    emit1(s, (alu_op_flags(s) << 3) | 1);
    emit_mem(s, sreg());
}

static void g_alu_rm(Seq *s)
{
    emit1(s, (alu_op_flags(s) << 3) | 3);
    emit_mem(s, rreg());
}

static void g_incdec(Seq *s)
{
    switch (rnd() % 3) {
    case 0: emit1(s, 0x40 + (rnd() & 8) + rreg()); break;
    case 1: emit1(s, 0x66); emit1(s, 0x40 + (rnd() & 8) + rreg()); break;
    default: emit1(s, 0xfe); emit1(s, modrm_rr(rnd() & 1, breg())); break;
    }
}

static void g_negnot(Seq *s)
{
    int op = 2 + (rnd() & 1);
    emit1(s, 0xf7);
    emit1(s, modrm_rr(op, rreg()));
    if (op == 2) {
        s->w = 0;           /* NOT changes no flag */
    }
}

static void g_shift1(Seq *s)
{
    /* Shifts (not rotates through carry) by one: every flag but AF
     * defined for SHL/SHR/SAR; ROL/ROR change only CF and OF. */
    static const int ops[] = { 0, 1, 4, 5, 7 };
    emit1(s, 0xd1);
    emit1(s, modrm_rr(ops[rnd() % 5], rreg()));
}

static void g_shift_imm(Seq *s)
{
    /* Counts 2..31: OF undefined; the template says so. */
    static const int ops[] = { 4, 5, 7 };
    emit1(s, 0xc1);
    emit1(s, modrm_rr(ops[rnd() % 3], rreg()));
    emit1(s, 2 + rnd() % 30);
}

static void g_rot_imm(Seq *s)
{
    emit1(s, 0xc1);
    emit1(s, modrm_rr(rnd() & 1, rreg()));
    emit1(s, 2 + rnd() % 30);
}

static void g_rcx1(Seq *s)
{
    emit1(s, 0xd1);
    emit1(s, modrm_rr(2 + (rnd() & 1), rreg()));
}

static void g_mul(Seq *s)
{
    emit1(s, 0xf7);
    emit1(s, modrm_rr(4 + (rnd() & 1), sreg()));
}

static void g_imul2(Seq *s)
{
    if (rnd() & 1) {
        emit1(s, 0x0f);
        emit1(s, 0xaf);
        emit1(s, modrm_rr(rreg(), sreg()));
    } else {
        emit1(s, 0x6b);
        emit1(s, modrm_rr(rreg(), sreg()));
        emit1(s, (uint8_t)rnd_val());
    }
}

static void g_div(Seq *s)
{
    /* May raise #DE: both CPUs must agree. */
    int r = rreg();
    if (rnd() & 1) {
        emit1(s, 0xf7);
        emit1(s, modrm_rr(6 + (rnd() & 1), r));
    } else {
        emit1(s, 0xf6);
        emit1(s, modrm_rr(6 + (rnd() & 1), breg()));
    }
}

static void g_mov(Seq *s)
{
    switch (rnd() % 5) {
    case 0: emit1(s, 0x89); emit1(s, modrm_rr(sreg(), rreg())); break;
    case 1: emit1(s, 0xb8 + rreg()); emit4(s, rnd_val()); break;
    case 2: emit1(s, 0x8b); emit_mem(s, rreg()); break;
    case 3: emit1(s, 0x89); emit_mem(s, sreg()); break;
    default: emit1(s, 0x88); emit_mem(s, breg()); break;
    }
}

static void g_movx(Seq *s)
{
    emit1(s, 0x0f);
    emit1(s, 0xb6 + (rnd() & 1) + ((rnd() & 1) << 3));
    if (rnd() & 1) {
        emit1(s, modrm_rr(rreg(), sreg()));
    } else {
        emit_mem(s, rreg());
    }
}

static void g_lea(Seq *s)
{
    emit1(s, 0x8d);
    emit1(s, 0x04 | (rreg() << 3) | 0x40);     /* [base + index*scale + disp8] */
    emit1(s, (rnd() & 0xc0) | (sreg() == 4 ? 0 : (rnd() % 8 == 4 ? 5 : rnd() % 8)) << 3 |
          sreg());
    emit1(s, (uint8_t)rnd());
}

static void g_xchg(Seq *s)
{
    switch (rnd() % 4) {
    case 0: emit1(s, 0x87); emit1(s, modrm_rr(rreg(), rreg())); s->w = 0; break;
    case 1: emit1(s, 0x0f); emit1(s, 0xc1); emit1(s, modrm_rr(rreg(), rreg())); break;
    case 2: emit1(s, 0x0f); emit1(s, 0xc8 + rreg()); s->w = 0; break;
    default: emit1(s, 0x87); emit_mem(s, rreg()); s->w = 0; break;
    }
}

static void g_cmpxchg(Seq *s)
{
    emit1(s, 0x0f);
    emit1(s, 0xb1);
    if (rnd() & 1) {
        emit1(s, modrm_rr(rreg(), rreg()));
    } else {
        emit_mem(s, rreg());
    }
}

static void g_bt(Seq *s)
{
    if (rnd() & 1) {
        emit1(s, 0x0f);
        emit1(s, 0xa3 + ((rnd() % 4) << 3));
        emit1(s, modrm_rr(rreg(), rreg()));
    } else {
        emit1(s, 0x0f);
        emit1(s, 0xba);
        emit1(s, modrm_rr(4 + rnd() % 4, rreg()));
        emit1(s, (uint8_t)rnd());
    }
}

static void g_bsf(Seq *s)
{
    /* A zero source leaves the destination undefined: make it non-zero. */
    int src = rreg(), dst = rreg();
    emit1(s, 0x81);
    emit1(s, modrm_rr(1, src));          /* or src, bit */
    emit4(s, 1u << (rnd() % 32));
    emit1(s, 0x0f);
    emit1(s, 0xbc + (rnd() & 1));
    emit1(s, modrm_rr(dst, src));
}

static void g_shld(Seq *s)
{
    emit1(s, 0x0f);
    emit1(s, 0xa4 + ((rnd() & 1) << 3));
    emit1(s, modrm_rr(sreg(), rreg()));
    emit1(s, 1 + rnd() % 31);
}

static void g_cmov(Seq *s)
{
    emit1(s, 0x0f);
    emit1(s, 0x40 + rnd() % 16);
    emit1(s, modrm_rr(rreg(), sreg()));
}

static void g_setcc(Seq *s)
{
    emit1(s, 0x0f);
    emit1(s, 0x90 + rnd() % 16);
    emit1(s, modrm_rr(0, breg()));
}

static void g_jcc(Seq *s)
{
    /* Jump over a MOV reg, imm32 (5 bytes) or not. */
    emit1(s, 0x70 + rnd() % 16);
    emit1(s, 5);
    emit1(s, 0xb8 + rreg());
    emit4(s, rnd_val());
}

static void g_cbw(Seq *s)
{
    if (rnd() & 1) {
        emit1(s, 0x66);
    }
    emit1(s, 0x98 + (rnd() & 1));
}

static void g_bcd(Seq *s)
{
    static const uint8_t ops[] = { 0x27, 0x2f, 0x37, 0x3f };
    int k = rnd() % 6;
    if (k < 4) {
        emit1(s, ops[k]);
    } else {
        emit1(s, 0xd4 + (k - 4));       /* AAM/AAD imm8, never 0 */
        emit1(s, 1 + rnd() % 255);
    }
}

static void g_flagops(Seq *s)
{
    static const uint8_t ops[] = { 0xf8, 0xf9, 0xf5 };
    int k = rnd() % 3;
    if (k == 2 && (s->undef & CC_C)) {
        k = 0;
    }
    emit1(s, ops[k]);
}

static void g_push(Seq *s)
{
    if (s->depth > 0 && (rnd() & 1)) {
        emit1(s, 0x58 + rreg());
        s->depth--;
    } else if (s->depth < 64) {
        if (rnd() & 1) {
            emit1(s, 0x50 + sreg());
        } else {
            emit1(s, 0x68);
            emit4(s, rnd_val());
        }
        s->depth++;
    }
}

static void g_string(Seq *s)
{
    /* ESI/EDI inside the data area, a short count, either direction. */
    emit1(s, 0xbe);
    emit4(s, DATA_ADDR + 0x400 + rnd() % 0x800);
    emit1(s, 0xbf);
    emit4(s, DATA_ADDR + 0x400 + rnd() % 0x800);
    uint32_t count = rnd() % 17;
    emit1(s, 0xb9);
    emit4(s, count);
    emit1(s, (rnd() & 1) ? 0xfc : 0xfd);
    static const uint8_t ops[] = { 0xa4, 0xa5, 0xaa, 0xab, 0xac, 0xad, 0xa6, 0xae };
    uint8_t op = ops[rnd() % CC_ARRAY_SIZE(ops)];
    if ((op != 0xa6 && op != 0xae) || count == 0) {
        s->w = 0;           /* only a comparison that runs sets flags */
    }
    if (op != 0xac && op != 0xad) {
        emit1(s, (op == 0xa6 || op == 0xae) ? ((rnd() & 1) ? 0xf3 : 0xf2) : 0xf3);
    }
    emit1(s, op);
    emit1(s, 0xfc);                      /* CLD */
}

static void g_xlat_misc(Seq *s)
{
    switch (rnd() % 3) {
    case 0:         /* LAHF after a defined-flags instruction: keep it simple */
        emit1(s, 0x90);
        break;
    case 1:
        emit1(s, 0x0f);                  /* BSWAP */
        emit1(s, 0xc8 + rreg());
        break;
    default:
        emit1(s, 0x66);                  /* MOV r16, imm16 */
        emit1(s, 0xb8 + rreg());
        emit1(s, (uint8_t)rnd());
        emit1(s, (uint8_t)rnd());
        break;
    }
}


/* ---- more forms: operand sizes, CL counts, memory operands ---- */

static void emit_mov_imm(Seq *s, int reg, uint32_t v)
{
    emit1(s, 0xb8 + reg);
    emit4(s, v);
}

/* Shifts and rotates of 8, 16 or 32 bits by CL (set just before, so the
 * flag outcome is known: SDM vol. 2B, SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR). */
static void g_shift_cl(Seq *s)
{
    int size = 1 << (rnd() % 3);
    int op = rnd() % 8;
    if ((op == 2 || op == 3) && (s->undef & CC_C)) {
        op = 4;
    }
    if (op == 6) {
        op = 4;                         /* SAL is SHL */
    }
    uint32_t count = rnd() % 40;
    emit1(s, 0xb1);                     /* MOV CL, imm8 */
    emit1(s, (uint8_t)count);
    if (size == 2) {
        emit1(s, 0x66);
    }
    emit1(s, size == 1 ? 0xd2 : 0xd3);
    int dst = size == 1 ? breg() : rreg();
    if (size == 1 && (dst & 3) == 1) {
        dst = 0;                        /* not CL/CH: the count lives there */
    }
    if (size != 1 && dst == 1) {
        dst = 0;
    }
    emit1(s, modrm_rr(op, dst));
    unsigned c = count & 31, bits = size * 8;
    if (c == 0) {
        s->w = 0;
        s->u = 0;
    } else if (op < 4) {
        /* rotates: CF and OF only; OF undefined unless the count is 1 */
        s->w = CC_C;
        s->u = c == 1 ? 0 : CC_O;
        if (c == 1) {
            s->w |= CC_O;
        }
    } else {
        s->w = CC_S | CC_Z | CC_P | CC_C | (c == 1 ? CC_O : 0);
        s->u = CC_A | (c == 1 ? 0 : CC_O);
        if (c >= bits && op != 7) {
            s->w &= ~CC_C;              /* SHL/SHR by the size or more */
            s->u |= CC_C;
        }
    }
}

static void g_shift_small(Seq *s)
{
    int size = (rnd() & 1) ? 1 : 2;
    static const int ops[] = { 4, 5, 7 };
    int op = ops[rnd() % 3];
    unsigned c = 1 + rnd() % (size * 8 - 1);
    if (size == 2) {
        emit1(s, 0x66);
    }
    emit1(s, size == 1 ? 0xc0 : 0xc1);
    emit1(s, modrm_rr(op, size == 1 ? breg() : rreg()));
    emit1(s, (uint8_t)c);
    s->w = CC_S | CC_Z | CC_P | CC_C | (c == 1 ? CC_O : 0);
    s->u = CC_A | (c == 1 ? 0 : CC_O);
}

static void g_muldiv_small(Seq *s)
{
    switch (rnd() % 4) {
    case 0:         /* MUL/IMUL r/m8 */
        emit1(s, 0xf6);
        emit1(s, modrm_rr(4 + (rnd() & 1), breg()));
        break;
    case 1:         /* MUL/IMUL r/m16 */
        emit1(s, 0x66);
        emit1(s, 0xf7);
        emit1(s, modrm_rr(4 + (rnd() & 1), rreg()));
        break;
    case 2:         /* IMUL r16, r/m16 */
        emit1(s, 0x66);
        emit1(s, 0x0f);
        emit1(s, 0xaf);
        emit1(s, modrm_rr(rreg(), sreg()));
        break;
    default:        /* DIV/IDIV r/m16 (may #DE) */
        emit1(s, 0x66);
        emit1(s, 0xf7);
        emit1(s, modrm_rr(6 + (rnd() & 1), rreg()));
        s->w = 0;
        s->u = FLAGS_ARITH;
        break;
    }
}

/* Read-modify-write of memory: INC DEC NOT NEG, ADC SBB, XADD, shifts. */
static void g_rmw(Seq *s)
{
    switch (rnd() % 5) {
    case 0:
        emit1(s, 0xff);
        emit_mem(s, rnd() & 1);         /* INC/DEC m32 */
        s->w = FLAGS_ARITH & ~CC_C;
        break;
    case 1:
        emit1(s, 0xf7);
        emit_mem(s, 2 + (rnd() & 1));   /* NOT/NEG m32 */
        s->w = 0;
        s->u = 0;
        break;
    case 2:
        if (s->undef & CC_C) {
            emit1(s, 0x01);             /* ADD m32, r32 */
        } else {
            emit1(s, (rnd() & 1) ? 0x11 : 0x19);  /* ADC/SBB m32, r32 */
        }
        emit_mem(s, sreg());
        break;
    case 3:
        emit1(s, 0x0f);
        emit1(s, 0xc1);                 /* XADD m32, r32 */
        emit_mem(s, rreg());
        break;
    default:
        emit1(s, 0xd1);                 /* SHL/SHR/SAR m32, 1 */
        emit_mem(s, 4 + (rnd() & 1));
        s->w = CC_C | CC_O | CC_S | CC_Z | CC_P;
        s->u = CC_A;
        break;
    }
}

/* BT/BTS/BTR/BTC with a register bit offset into a memory bit string: the
 * offset is signed and may reach outside the addressed dword (SDM vol. 2A,
 * BT, "bit string"). */
static void g_bt_mem(Seq *s)
{
    int r = rreg();
    emit_mov_imm(s, r, (uint32_t)((int32_t)(rnd() % 4096) - 2048));
    emit1(s, 0x0f);
    emit1(s, 0xa3 + ((rnd() % 4) << 3));
    emit_mem(s, r);
}

static void g_cmpxchg8b(Seq *s)
{
    /* Sometimes make EDX:EAX equal to the memory operand first. */
    int8_t disp = (int8_t)(rnd() % 0xe0 - 0x70);
    if (rnd() & 1) {
        emit1(s, 0x8b); emit1(s, 0x45); emit1(s, (uint8_t)disp);        /* mov eax,[ebp+d] */
        emit1(s, 0x8b); emit1(s, 0x55); emit1(s, (uint8_t)(disp + 4));  /* mov edx,[ebp+d+4] */
    }
    emit1(s, 0x0f);
    emit1(s, 0xc7);
    emit1(s, 0x4d);                     /* /1, [ebp+disp8] */
    emit1(s, (uint8_t)disp);
}

static void g_loop(Seq *s)
{
    /* mov ecx, n; 1: inc eax/dec ebx; loop/loope/loopne 1b; or jecxz over */
    emit_mov_imm(s, 1, 1 + rnd() % 5);     /* never 0: LOOP would run 2^32 times */
    int k = rnd() % 4;
    if (k == 3) {
        emit1(s, 0xe3);                 /* JECXZ +2 */
        emit1(s, 2);
        emit1(s, 0x40);                 /* inc eax */
        emit1(s, 0x43);                 /* inc ebx */
        s->w = 0;
        s->u = CC_O | CC_S | CC_Z | CC_A | CC_P;
        return;
    }
    emit1(s, 0x40 + (rnd() & 8));       /* inc/dec eax */
    emit1(s, 0xe2 - k);                 /* LOOP, LOOPE, LOOPNE */
    emit1(s, (uint8_t)-3);
    s->w = 0;
    s->u = CC_O | CC_S | CC_Z | CC_A | CC_P;
}

static void g_enter(Seq *s)
{
    /* ENTER size, level; LEAVE: a balanced pair (EBP restored). */
    emit1(s, 0xc8);
    emit1(s, (uint8_t)(rnd() & 0x3c));
    emit1(s, 0);
    emit1(s, rnd() % 4);
    emit1(s, 0xc9);
}

static void g_pusha(Seq *s)
{
    emit1(s, 0x60);                     /* PUSHA */
    emit_mov_imm(s, rreg(), rnd_val());
    emit1(s, 0x61);                     /* POPA */
    if (rnd() & 1) {
        emit1(s, 0x66);
        emit1(s, 0x60);                 /* PUSHA (16-bit) */
        emit1(s, 0x66);
        emit1(s, 0x61);
    }
}

static void g_pushpop_mem(Seq *s)
{
    int8_t d = (int8_t)(rnd() % 0xe0 - 0x70);
    emit1(s, 0xff); emit1(s, 0x75); emit1(s, (uint8_t)d);               /* push [ebp+d] */
    emit1(s, 0x8f); emit1(s, 0x45); emit1(s, (uint8_t)(d + 8));         /* pop [ebp+d+8] */
}

static void g_flags_mem(Seq *s)
{
    if (rnd() & 1) {
        emit1(s, 0x0f);
        emit1(s, 0x90 + rnd() % 16);    /* SETcc m8 */
        emit_mem(s, 0);
    } else {
        emit1(s, 0x0f);
        emit1(s, 0x40 + rnd() % 16);    /* CMOVcc r32, m32 */
        emit_mem(s, rreg());
    }
}

static void g_lahf(Seq *s)
{
    /* LAHF reads SF ZF AF PF CF (all defined here); SAHF writes them. */
    if (rnd() & 1) {
        emit1(s, 0x9f);
    } else {
        emit1(s, 0x9e);
    }
}

static void g_string16(Seq *s)
{
    emit1(s, 0xbe);
    emit4(s, DATA_ADDR + 0x400 + rnd() % 0x800);
    emit1(s, 0xbf);
    emit4(s, DATA_ADDR + 0x400 + rnd() % 0x800);
    uint32_t count = rnd() % 9;
    emit1(s, 0xb9);
    emit4(s, count);
    emit1(s, (rnd() & 1) ? 0xfc : 0xfd);
    static const uint8_t ops[] = { 0xa5, 0xab, 0xad, 0xa7, 0xaf };
    uint8_t op = ops[rnd() % CC_ARRAY_SIZE(ops)];
    emit1(s, 0x66);
    if (op != 0xad) {
        emit1(s, (op == 0xa7 || op == 0xaf) ? ((rnd() & 1) ? 0xf3 : 0xf2) : 0xf3);
    }
    emit1(s, op);
    emit1(s, 0xfc);
    if ((op != 0xa7 && op != 0xaf) || count == 0) {
        s->w = 0;
    }
}

static void g_xlat(Seq *s)
{
    emit_mov_imm(s, 3, DATA_ADDR + 0x400 + rnd() % 0x400);
    emit1(s, 0xd7);
}

static void g_shxd16(Seq *s)
{
    /* 16-bit SHLD/SHRD, counts 1..15 (above 15 the result is undefined) */
    unsigned c = 1 + rnd() % 15;
    emit1(s, 0x66);
    emit1(s, 0x0f);
    emit1(s, 0xa4 + ((rnd() & 1) << 3));
    emit1(s, modrm_rr(sreg(), rreg()));
    emit1(s, (uint8_t)c);
    s->w = CC_C | CC_S | CC_Z | CC_P | (c == 1 ? CC_O : 0);
    s->u = CC_A | (c == 1 ? 0 : CC_O);
}

/* Exceptions other than #DE.  (#UD cannot be compared here: KVM
 * intercepts it on AMD hosts and reports an emulation failure.) */
static void g_int3(Seq *s)
{
    emit1(s, 0xcc);                     /* a trap: EIP after it */
}

static void g_into(Seq *s)
{
    emit1(s, 0xce);
}

static void g_bound(Seq *s)
{
    emit1(s, 0x62);
    emit_mem(s, rreg());
}

static void g_push16(Seq *s)
{
    int r = rreg();
    emit1(s, 0x66); emit1(s, 0x50 + sreg());     /* push r16 */
    emit1(s, 0x66); emit1(s, 0x58 + r);          /* pop r16 */
    emit1(s, 0x1e);                              /* push ds */
    emit1(s, 0x07);                              /* pop es */
    emit1(s, 0x66); emit1(s, 0x6a); emit1(s, (uint8_t)rnd());  /* push imm8 (16-bit) */
    emit1(s, 0x66); emit1(s, 0x58 + r);
}

#define A FLAGS_ARITH
static const Template templates[] = {
    /* name        reads            writes                       undefined */
    { "alu r,r",   CC_C, A, 0, g_alu_rr },
    { "alu r8,r8", CC_C, A, 0, g_alu_rr8 },
    { "alu r16,r16", CC_C, A, 0, g_alu_rr16 },
    { "alu r,imm", CC_C, A, 0, g_alu_ri },
    { "alu m,r",   CC_C, A, 0, g_alu_mr },
    { "alu r,m",   CC_C, A, 0, g_alu_rm },
    { "inc/dec",   0, A & ~CC_C, 0, g_incdec },
    { "neg/not",   0, A, 0, g_negnot },
    /* Shift by 1: AF undefined; ROL/ROR by 1 change only CF and OF. */
    { "shift 1",   0, CC_C | CC_O, CC_A, g_shift1 },
    { "shift imm", 0, CC_C | CC_S | CC_Z | CC_P, CC_O | CC_A, g_shift_imm },
    { "rotate imm", 0, CC_C, CC_O, g_rot_imm },
    { "rcl/rcr 1", CC_C, CC_C | CC_O, 0, g_rcx1 },
    /* MUL/IMUL: CF OF defined, SF ZF AF PF undefined. */
    { "mul",       0, CC_C | CC_O, CC_S | CC_Z | CC_A | CC_P, g_mul },
    { "imul 2/3",  0, CC_C | CC_O, CC_S | CC_Z | CC_A | CC_P, g_imul2 },
    { "div",       0, 0, A, g_div },
    { "mov",       0, 0, 0, g_mov },
    { "movzx/sx",  0, 0, 0, g_movx },
    { "lea",       0, 0, 0, g_lea },
    { "xchg/xadd/bswap", 0, A, 0, g_xchg },
    { "cmpxchg",   0, A, 0, g_cmpxchg },
    /* BT*: CF defined, ZF unchanged, OF SF AF PF undefined. */
    { "bt",        0, CC_C, CC_O | CC_S | CC_A | CC_P, g_bt },
    /* BSF/BSR: ZF defined, the rest undefined (after the OR, all set). */
    { "bsf/bsr",   0, CC_Z, CC_C | CC_O | CC_S | CC_A | CC_P, g_bsf },
    /* SHLD/SHRD by 1..31: OF undefined unless 1, AF undefined. */
    { "shld/shrd", 0, CC_C | CC_S | CC_Z | CC_P, CC_O | CC_A, g_shld },
    { "cmovcc",    A, 0, 0, g_cmov },
    { "setcc",     A, 0, 0, g_setcc },
    { "jcc",       A, 0, 0, g_jcc },
    { "cbw/cwd",   0, 0, 0, g_cbw },
    /* DAA/DAS: OF undefined; AAA/AAS: OF SF ZF PF undefined; AAM/AAD:
     * OF AF CF undefined.  The union, and AF/CF read by all of them. */
    { "bcd",       CC_A | CC_C, CC_S | CC_Z | CC_P | CC_A | CC_C, CC_O | CC_A | CC_C | CC_S |
                                                                  CC_Z | CC_P, g_bcd },
    { "clc/stc/cmc", 0, CC_C, 0, g_flagops },
    { "push/pop",  0, 0, 0, g_push },
    { "string",    0, A, 0, g_string },
    { "misc",      0, 0, 0, g_xlat_misc },
    /* Generators below set their exact flag effect themselves. */
    { "shift cl",  CC_C, 0, 0, g_shift_cl },
    { "shift 8/16", 0, 0, 0, g_shift_small },
    { "mul/div 8/16", 0, CC_C | CC_O, CC_S | CC_Z | CC_A | CC_P, g_muldiv_small },
    { "rmw mem",   CC_C, A, 0, g_rmw },
    { "bt mem",    0, CC_C, CC_O | CC_S | CC_A | CC_P, g_bt_mem },
    { "cmpxchg8b", 0, CC_Z, 0, g_cmpxchg8b },
    { "loop/jecxz", A, 0, 0, g_loop },
    { "enter/leave", 0, 0, 0, g_enter },
    { "pusha/popa", 0, 0, 0, g_pusha },
    { "push/pop mem", 0, 0, 0, g_pushpop_mem },
    { "setcc/cmovcc mem", A, 0, 0, g_flags_mem },
    { "lahf/sahf", CC_S | CC_Z | CC_A | CC_P | CC_C, CC_S | CC_Z | CC_A | CC_P | CC_C, 0,
      g_lahf },
    { "string16",  0, A, 0, g_string16 },
    { "xlat",      0, 0, 0, g_xlat },
    { "shld/shrd 16", 0, 0, 0, g_shxd16 },
    { "int3",      0, 0, 0, g_int3 },
    { "into",      CC_O, 0, 0, g_into },
    { "bound",     0, 0, 0, g_bound },
    { "push16/sreg", 0, 0, 0, g_push16 },
};
#undef A

/* The templates whose flag writes depend on which variant was emitted are
 * described by their widest effect: "writes" are flags that certainly get
 * a defined value, "undef" those that may not. */
static const char *only_template;
static bool excluded[64];           /* templates KVM cannot run here */

static void gen_sequence(Seq *s, unsigned n)
{
    memset(s, 0, sizeof(*s));
    /* Start from defined flags: the initial EFLAGS are set by both. */
    for (unsigned i = 0; i < n && s->len < sizeof(s->code) - 64; i++) {
        const Template *t;
        do {
            t = &templates[rnd() % CC_ARRAY_SIZE(templates)];
        } while ((only_template && strcmp(t->name, only_template)) ||
                 excluded[t - templates]);
        if (t->reads & s->undef) {
            /* It reads a flag that is undefined now: define them all first
             * with a CMP that changes no register. */
            s->start[s->ninsns] = s->len;
            s->undef_at[s->ninsns] = s->undef;
            emit1(s, 0x39);
            emit1(s, modrm_rr(sreg(), sreg()));
            s->names[s->ninsns++] = "cmp (defines flags)";
            s->undef = 0;
        }
        s->w = t->writes;
        s->u = t->undef;
        s->start[s->ninsns] = s->len;
        t->gen(s);
        /* A fault leaves the flags of before the instruction, or, where
         * they are undefined, whatever the CPU made of them. */
        s->undef_at[s->ninsns] = s->undef | s->u;
        s->names[s->ninsns++] = t->name;
        s->undef = (s->undef & ~s->w) | s->u;
    }
    emit1(s, 0xf4);     /* HLT */
}

/* ---- machine state ---- */

typedef struct State {
    uint32_t regs[8];
    uint32_t eip, eflags;
    uint8_t data[DATA_SIZE];
    uint8_t stack[STACK_TOP - STACK_LOW];
} State;

static void build_memory(uint8_t *mem, const Seq *s)
{
    memset(mem, 0, MEM_SIZE);
    flat32_tables(mem);
    memcpy(mem + CODE_ADDR, s->code, s->len);
}

static void random_state(State *st)
{
    for (int r = 0; r < 8; r++) {
        st->regs[r] = rnd_val();
    }
    st->regs[R_ESP] = ESP_START;
    st->regs[R_EBP] = DATA_ADDR + 0x800;
    st->eip = CODE_ADDR;
    /* Random arithmetic flags and DF clear; IF clear. */
    st->eflags = 0x2 | (rnd() & FLAGS_ARITH);
    for (unsigned i = 0; i < DATA_SIZE; i++) {
        st->data[i] = (uint8_t)rnd();
    }
    memset(st->stack, 0, sizeof(st->stack));
}

/* ---- KVM ---- */

typedef struct Kvm {
    int kvm, vm, vcpu;
    struct kvm_run *run;
    uint8_t *mem;
} Kvm;

static int kvm_open(Kvm *k)
{
    k->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (k->kvm < 0) {
        printf("SKIP: /dev/kvm: %s\n", strerror(errno));
        return 77;
    }
    if (ioctl(k->kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
        printf("SKIP: unexpected KVM API version\n");
        return 77;
    }
    k->vm = ioctl(k->kvm, KVM_CREATE_VM, 0);
    if (k->vm < 0) {
        printf("SKIP: KVM_CREATE_VM: %s\n", strerror(errno));
        return 77;
    }
    /* Needed on Intel hosts for real/protected mode without paging. */
    ioctl(k->vm, KVM_SET_TSS_ADDR, 0xfffbd000ul);
    k->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (k->mem == MAP_FAILED) {
        printf("SKIP: no memory for the guest\n");
        return 77;
    }
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = MEM_SIZE,
        .userspace_addr = (uintptr_t)k->mem,
    };
    if (ioctl(k->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
        printf("SKIP: KVM_SET_USER_MEMORY_REGION: %s\n", strerror(errno));
        return 77;
    }
    k->vcpu = ioctl(k->vm, KVM_CREATE_VCPU, 0);
    if (k->vcpu < 0) {
        printf("SKIP: KVM_CREATE_VCPU: %s\n", strerror(errno));
        return 77;
    }
    int sz = ioctl(k->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    k->run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, k->vcpu, 0);
    if (k->run == MAP_FAILED) {
        printf("SKIP: cannot map the vCPU\n");
        return 77;
    }
    return 0;
}

static void flat_seg(struct kvm_segment *seg, uint16_t sel, uint8_t type)
{
    memset(seg, 0, sizeof(*seg));
    seg->base = 0;
    seg->limit = 0xffffffff;
    seg->selector = sel;
    seg->type = type;
    seg->present = 1;
    seg->dpl = 0;
    seg->db = 1;
    seg->s = 1;
    seg->g = 1;
}

static bool kvm_quiet;

static bool kvm_run_seq(Kvm *k, const Seq *seq, const State *in, State *out)
{
    build_memory(k->mem, seq);
    memcpy(k->mem + DATA_ADDR, in->data, DATA_SIZE);
    memcpy(k->mem + STACK_LOW, in->stack, sizeof(in->stack));
    struct kvm_sregs sregs;
    if (ioctl(k->vcpu, KVM_GET_SREGS, &sregs) < 0) {
        return false;
    }
    flat_seg(&sregs.cs, 0x08, 0xb);
    flat_seg(&sregs.ds, 0x10, 0x3);
    sregs.es = sregs.ss = sregs.fs = sregs.gs = sregs.ds;
    /* A busy 32-bit TSS and an empty LDT, as after LTR/LLDT. */
    memset(&sregs.tr, 0, sizeof(sregs.tr));
    sregs.tr.limit = 0x67;
    sregs.tr.type = 11;
    sregs.tr.present = 1;
    memset(&sregs.ldt, 0, sizeof(sregs.ldt));
    sregs.ldt.limit = 0xffff;
    sregs.ldt.type = 2;
    sregs.ldt.present = 1;
    sregs.gdt.base = GDT_ADDR;
    sregs.gdt.limit = 3 * 8 - 1;
    sregs.idt.base = IDT_ADDR;
    sregs.idt.limit = 32 * 8 - 1;
    sregs.cr0 = CR0_PE | CR0_ET | CR0_NE;
    sregs.cr4 = 0;
    sregs.efer = 0;
    if (ioctl(k->vcpu, KVM_SET_SREGS, &sregs) < 0) {
        return false;
    }
    struct kvm_regs regs = {
        .rax = in->regs[R_EAX], .rcx = in->regs[R_ECX], .rdx = in->regs[R_EDX],
        .rbx = in->regs[R_EBX], .rsp = in->regs[R_ESP], .rbp = in->regs[R_EBP],
        .rsi = in->regs[R_ESI], .rdi = in->regs[R_EDI], .rip = in->eip,
        .rflags = in->eflags,
    };
    if (ioctl(k->vcpu, KVM_SET_REGS, &regs) < 0) {
        return false;
    }
    for (int tries = 0; tries < 4; tries++) {
        if (ioctl(k->vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        if (k->run->exit_reason == KVM_EXIT_HLT) {
            break;
        }
        if (k->run->exit_reason != KVM_EXIT_INTR) {
            if (kvm_quiet) {
                return false;
            }
            struct kvm_regs dbg;
            ioctl(k->vcpu, KVM_GET_REGS, &dbg);
            fprintf(stderr, "kvm-diff: unexpected KVM exit %u (suberror %u) at eip %08llx\n",
                    k->run->exit_reason, k->run->exit_reason == KVM_EXIT_INTERNAL_ERROR ?
                    k->run->internal.suberror : 0, (unsigned long long)dbg.rip);
            if (k->run->exit_reason == KVM_EXIT_INTERNAL_ERROR) {
                for (unsigned j = 0; j < k->run->internal.ndata && j < 8; j++) {
                    fprintf(stderr, "  data[%u] = %llx\n", j,
                            (unsigned long long)k->run->internal.data[j]);
                }
            }
            return false;
        }
    }
    if (ioctl(k->vcpu, KVM_GET_REGS, &regs) < 0) {
        return false;
    }
    out->regs[R_EAX] = regs.rax;
    out->regs[R_ECX] = regs.rcx;
    out->regs[R_EDX] = regs.rdx;
    out->regs[R_EBX] = regs.rbx;
    out->regs[R_ESP] = regs.rsp;
    out->regs[R_EBP] = regs.rbp;
    out->regs[R_ESI] = regs.rsi;
    out->regs[R_EDI] = regs.rdi;
    out->eip = regs.rip;
    out->eflags = regs.rflags;
    memcpy(out->data, k->mem + DATA_ADDR, DATA_SIZE);
    memcpy(out->stack, k->mem + STACK_LOW, sizeof(out->stack));
    return true;
}

/* ---- cardcage ---- */

static void emu_run_seq(Flat32 *e, const Seq *seq, const State *in, State *out)
{
    CPUX86State *env = e->env;
    build_memory(e->mem, seq);
    memcpy(e->mem + DATA_ADDR, in->data, DATA_SIZE);
    memcpy(e->mem + STACK_LOW, in->stack, sizeof(in->stack));
    flat32_run(e, in->eip, in->regs, in->eflags, 0, 0x40000);
    memcpy(out->regs, env->regs, sizeof(out->regs));
    out->eip = env->eip;
    out->eflags = x86_get_eflags(env);
    memcpy(out->data, e->mem + DATA_ADDR, DATA_SIZE);
    memcpy(out->stack, e->mem + STACK_LOW, sizeof(out->stack));
}

/* ---- comparison ---- */

static int vector_of(uint32_t eip)
{
    return flat32_vector_of(eip);
}

static void print_seq(const Seq *s)
{
    printf("  sequence:");
    for (unsigned i = 0; i < s->ninsns; i++) {
        printf(" %s;", s->names[i]);
    }
    printf("\n  bytes:");
    for (unsigned i = 0; i < s->len; i++) {
        printf(" %02x", s->code[i]);
    }
    printf("\n");
}

static bool compare(const Seq *seq, const State *in, const State *k, const State *c,
                    long index)
{
    static const char *const names[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi",
                                          "edi" };
    uint32_t undef = seq->undef;
    bool ok = true;
    int kv = vector_of(k->eip), cv = vector_of(c->eip);
    if (kv >= 0) {
        /* The EIP the exception pushed names the faulting instruction. */
        uint32_t fault_eip;
        memcpy(&fault_eip, k->stack + (k->regs[R_ESP] - STACK_LOW), 4);
        for (unsigned i = 0; i < seq->ninsns; i++) {
            if (CODE_ADDR + seq->start[i] == fault_eip) {
                undef = seq->undef_at[i];
            }
        }
    }
    uint32_t fmask = ~(undef & FLAGS_ARITH) & 0x003f7fd7u & ~RF_MASK;
    char msg[4096];
    int n = 0;
    if (kv != cv) {
        n += snprintf(msg + n, sizeof(msg) - n, "  exception: host %d, cardcage %d\n", kv, cv);
        ok = false;
    } else {
        for (int r = 0; r < 8; r++) {
            if (k->regs[r] != c->regs[r]) {
                n += snprintf(msg + n, sizeof(msg) - n, "  %s: host %08x, cardcage %08x\n",
                              names[r], k->regs[r], c->regs[r]);
                ok = false;
            }
        }
        if (k->eip != c->eip) {
            n += snprintf(msg + n, sizeof(msg) - n, "  eip: host %08x, cardcage %08x\n",
                          k->eip, c->eip);
            ok = false;
        }
        if ((k->eflags & fmask) != (c->eflags & fmask)) {
            n += snprintf(msg + n, sizeof(msg) - n,
                          "  eflags: host %08x, cardcage %08x (compared %08x)\n", k->eflags,
                          c->eflags, fmask);
            ok = false;
        }
        for (unsigned i = 0; i < DATA_SIZE && n < 3000; i++) {
            if (k->data[i] != c->data[i]) {
                n += snprintf(msg + n, sizeof(msg) - n, "  data[%03x]: host %02x, cardcage %02x\n",
                              i, k->data[i], c->data[i]);
                ok = false;
            }
        }
        for (unsigned i = 0; i < sizeof(k->stack) && n < 3000; i++) {
            uint32_t addr = STACK_LOW + i;
            bool flags_byte = kv >= 0 && addr >= c->regs[R_ESP] + 8 && addr < c->regs[R_ESP] + 12;
            uint8_t m = flags_byte ? (uint8_t)(fmask >> (8 * (addr - c->regs[R_ESP] - 8))) : 0xff;
            if ((k->stack[i] & m) != (c->stack[i] & m)) {
                n += snprintf(msg + n, sizeof(msg) - n,
                              "  stack[%05x]: host %02x, cardcage %02x\n", addr, k->stack[i],
                              c->stack[i]);
                ok = false;
            }
        }
    }
    if (!ok) {
        printf("MISMATCH in sequence %ld:\n", index);
        print_seq(seq);
        printf("  initial: eax=%08x ecx=%08x edx=%08x ebx=%08x esi=%08x edi=%08x eflags=%08x\n",
               in->regs[0], in->regs[1], in->regs[2], in->regs[3], in->regs[6], in->regs[7],
               in->eflags);
        fputs(msg, stdout);
    }
    return ok;
}

int main(int argc, char **argv)
{
    long count = 20000;
    unsigned len = 12;
    uint32_t seed = 1;
    bool verbose = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--count") && i + 1 < argc) {
            count = atol(argv[++i]);
        } else if (!strcmp(argv[i], "--len") && i + 1 < argc) {
            len = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            seed = strtoul(argv[++i], NULL, 0);
        } else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
            only_template = argv[++i];
        } else if (!strcmp(argv[i], "--verbose")) {
            verbose = true;
        } else {
            fprintf(stderr, "usage: kvm-diff [--count N] [--len N] [--seed N] [--only TEMPLATE] "
                    "[--verbose]\n");
            return 2;
        }
    }
    if (len < 1 || len > 60) {
        len = 12;
    }
    rng_state = seed ? seed : 1;
    Kvm k;
    int r = kvm_open(&k);
    if (r) {
        return r;
    }
    /* Some KVM setups cannot run some instructions at all: KVM reports an
     * emulation failure (seen under nested virtualization on AMD hosts for
     * DAA/DAS/AAA/AAS and ENTER).  Probe each template alone and leave
     * out those it cannot run, saying so (SingleStepTests and the guest
     * tests cover them). */
    kvm_quiet = true;
    for (unsigned t = 0; t < CC_ARRAY_SIZE(templates); t++) {
        for (int tries = 0; tries < 32 && !excluded[t]; tries++) {
            Seq probe;
            State in, out;
            memset(&probe, 0, sizeof(probe));
            probe.w = templates[t].writes;
            probe.u = templates[t].undef;
            templates[t].gen(&probe);
            emit1(&probe, 0xf4);
            random_state(&in);
            in.eflags |= tries & 1 ? CC_O : 0;      /* INTO both ways */
            if (!kvm_run_seq(&k, &probe, &in, &out)) {
                printf("note: KVM on this host cannot run '%s': left out\n",
                       templates[t].name);
                excluded[t] = true;
            }
        }
    }
    kvm_quiet = false;
    Flat32 e;
    flat32_open(&e, MEM_SIZE);
    long mismatches = 0, insns = 0, exceptions = 0, host_failed = 0;
    for (long i = 0; i < count; i++) {
        Seq seq;
        State in, ks, cs;
        gen_sequence(&seq, len);
        random_state(&in);
        kvm_quiet = !verbose;
        if (!kvm_run_seq(&k, &seq, &in, &ks)) {
            /* KVM itself gave up on an instruction (an emulation failure,
             * seen for ENTER with a nesting level under nested
             * virtualization): nothing to compare against. */
            host_failed++;
            if (verbose) {
                printf("note: KVM could not run sequence %ld\n", i);
                print_seq(&seq);
            }
            continue;
        }
        emu_run_seq(&e, &seq, &in, &cs);
        insns += seq.ninsns;
        exceptions += vector_of(ks.eip) >= 0;
        if (!compare(&seq, &in, &ks, &cs, i)) {
            mismatches++;
            if (mismatches >= 20 && !verbose) {
                printf("(stopping after 20 mismatches)\n");
                break;
            }
        }
    }
    printf("kvm-diff: %ld sequences compared (%ld instructions, %ld ended by an exception), "
           "%ld mismatches; %ld sequences KVM could not run\n", count - host_failed, insns,
           exceptions, mismatches, host_failed);
    return mismatches ? 1 : 0;
}
