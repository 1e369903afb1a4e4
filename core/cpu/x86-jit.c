/*
 * A template code generator for x86-64 hosts: the backend behind the
 * X86TB.host_code seam (see docs/architecture.md, "The x86 CPU").
 *
 * A block that has run JIT_THRESHOLD times is compiled from its decoded
 * instructions.  The common forms in flat protected mode (MOV, the ALU
 * operations and TEST of every size, LEA, MOVZX/MOVSX, IMUL, NOT/NEG,
 * shifts by an immediate or CL, INC/DEC, SETcc/CMOVcc, BT with an
 * immediate, PUSH/POP, LEAVE, CALL/RET, JMP, Jcc; see docs/architecture.md,
 * "The translator", for the exact list) become inline host code: guest
 * registers and the lazy-flag fields stay in env (rbx), memory operands
 * take the TLB fast path inline and call the C slow paths out of line.
 * Every other instruction calls its interpreter handler, told to stop after
 * itself (blk_end), so the whole instruction set is covered and the
 * semantics stay in one place.
 *
 * The contract is the interpreter's: env->cur names the instruction that
 * may fault (set before every call out), a code write or a yielding REP
 * ends the block after the instruction (smc_hit/rep_restart), the taken
 * branch leaves env->eip and env->exit_slot, and the block ends through
 * x86_block_end, so chaining works the same.
 *
 * On hosts other than x86-64, or when no executable memory can be had,
 * nothing is compiled and the interpreter runs everything.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE             /* dladdr, for the fallback statistics */
#endif
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "cpu/x86-ops.h"

#if defined(__x86_64__) && !defined(CARDCAGE_NO_JIT)

#define JIT_BUFFER_SIZE (64u << 20)
#define JIT_MAX_BLOCK_CODE 16384       /* room one block may need at most */

/* Host registers (x86-64 encoding). */
enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };
#define ENV RBX

/* The callee-saved host registers that may hold guest registers across a
 * block (the emitters use RAX, RCX, RDX, RSI, RDI and R8 as scratch; RBX
 * is env).  Being callee-saved, they survive every call out to C. */
static const int guest_hregs[] = { RBP, R12, R13, R14, R15 };
#define MAX_GUEST_HREGS ((int)(sizeof(guest_hregs) / sizeof(guest_hregs[0])))

typedef struct JitBuffer {
    uint8_t *base;
    size_t size, used;
    bool failed;
} JitBuffer;

/* Each CPU's code cache has its own buffer: flushing one CPU's blocks
 * must not take the host code of another's. */
static JitBuffer *jit_buffer(CPUX86State *env)
{
    void **slot = x86_code_cache_jit_slot(env);
    if (!*slot) {
        *slot = g_new0(JitBuffer, 1);
    }
    return *slot;
}

/* An out-of-line slow path to emit after the block's code. */
typedef struct SlowPath {
    uint8_t *jcc_patch;       /* rel32 of the jump into it */
    uint8_t *seg_patch[2];    /* SLOW_LD_SEG: the segment limit checks' jumps */
    uint8_t *resume;          /* where to continue */
    const X86Insn *in;
    int kind;                 /* SLOW_LD / SLOW_ST */
    int size;
    int val_reg;              /* SLOW_ST: register holding the value */
    int dst_reg;              /* SLOW_LD: register to receive the value */
    uint8_t dirty;            /* guest registers to write back before the call */
    uint8_t reload;           /* SLOW_INSN: guest registers the handler writes */
} SlowPath;

/* SLOW_INSN: the whole instruction through its interpreter handler (a
 * read-modify-write whose operand is not on the fast path).  SLOW_LD_SEG:
 * a load through a segment that is not flat, from its offset (the
 * segment checks may have failed, so there is no linear address). */
enum { SLOW_LD, SLOW_ST, SLOW_INSN, SLOW_LD_SEG };

#define MAX_SLOW 512

typedef struct Jit {
    uint8_t *p, *end;
    X86TB *tb;
    int nslow;
    uint8_t *exit_stop;       /* common exit: return to the loop (env->cur set) */
    /* What set the flags last, when known at translation time. */
    int cc_known;             /* CC_OP_* or -1 */
    uint32_t cs_limit;        /* CS limit the block is compiled for */
    bool exits_done;          /* the last instruction emitted the block's exits */
    int32_t exit_req_off;     /* cs->exit_request, relative to env */
    bool overflow;
    /* The flags an instruction writes are needed by a later reader, an
     * exit or a possible fault (see flag_liveness). */
    bool flags_live;
    bool rest_live;           /* the flags but CF are (INC/DEC keep CF) */
    /* A block whose last instruction may branch to its own start: where
     * the back edge continues, with every guest register of a host
     * register loaded (emit_self_loop), else NULL. */
    uint8_t *loop_head;
    uint8_t live_after[TB_MAX_INSNS];
    /* Register allocation (see "guest registers in host registers"):
     * hreg_of[r] is the host register guest register r lives in for the
     * whole block, or -1 (it stays in env).  At each point of the main
     * line, `loaded` says which of them the host register holds (else env
     * has the only copy), `dirty` which of those env does not have yet. */
    int8_t hreg_of[8];
    uint8_t loaded, dirty;
    int nsaved;               /* host registers given to guest registers and cf_tmp */
    int cf_tmp;               /* callee-saved register for ADC/SBB's carry-in, or -1 */
    int saved[MAX_GUEST_HREGS];
    SlowPath slow[MAX_SLOW];  /* last: not cleared between blocks */
} Jit;

/* ---- emitting ---- */

static void e8(Jit *j, uint8_t b)
{
    if (j->p < j->end) {
        *j->p++ = b;
    } else {
        j->overflow = true;
    }
}

static void e32(Jit *j, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        e8(j, (uint8_t)(v >> (8 * i)));
    }
}

static void e64(Jit *j, uint64_t v)
{
    e32(j, (uint32_t)v);
    e32(j, (uint32_t)(v >> 32));
}

static void rex(Jit *j, bool w, int reg, int index, int base)
{
    uint8_t r = 0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((index & 8) ? 2 : 0) |
                ((base & 8) ? 1 : 0);
    if (r != 0x40) {
        e8(j, r);
    }
}

/* ModRM + displacement for [base + disp32] (base is never RSP/R12 here). */
static void modrm_mem(Jit *j, int reg, int base, int32_t disp)
{
    if (disp >= -128 && disp <= 127) {
        e8(j, 0x40 | ((reg & 7) << 3) | (base & 7));
        e8(j, (uint8_t)disp);
    } else {
        e8(j, 0x80 | ((reg & 7) << 3) | (base & 7));
        e32(j, (uint32_t)disp);
    }
}

/* op reg, [base + disp] / op [base + disp], reg with a one- or two-byte opcode. */
static void op_mem(Jit *j, bool w, uint32_t opcode, int reg, int base, int32_t disp)
{
    rex(j, w, reg, 0, base);
    if (opcode > 0xff) {
        e8(j, opcode >> 8);
    }
    e8(j, opcode & 0xff);
    modrm_mem(j, reg, base, disp);
}

static void op_rr(Jit *j, bool w, uint32_t opcode, int reg, int rm)
{
    rex(j, w, reg, 0, rm);
    if (opcode > 0xff) {
        e8(j, opcode >> 8);
    }
    e8(j, opcode & 0xff);
    e8(j, 0xc0 | ((reg & 7) << 3) | (rm & 7));
}

#define ENV_OFF(field) ((int32_t)offsetof(CPUX86State, field))
#define REG_OFF(r) ((int32_t)(offsetof(CPUX86State, regs) + 4 * (r)))

static void ld32(Jit *j, int hreg, int32_t off)   /* mov hreg32, [env + off] */
{
    op_mem(j, false, 0x8b, hreg, ENV, off);
}

static void st32(Jit *j, int32_t off, int hreg)   /* mov [env + off], hreg32 */
{
    op_mem(j, false, 0x89, hreg, ENV, off);
}

static void st32i(Jit *j, int32_t off, uint32_t imm)   /* mov dword [env + off], imm */
{
    op_mem(j, false, 0xc7, 0, ENV, off);
    e32(j, imm);
}

static void st8i(Jit *j, int32_t off, uint8_t imm)     /* mov byte [env + off], imm */
{
    op_mem(j, false, 0xc6, 0, ENV, off);
    e8(j, imm);
}

static void st64(Jit *j, int32_t off, int hreg)
{
    op_mem(j, true, 0x89, hreg, ENV, off);
}

static void mov_ri(Jit *j, int hreg, uint32_t imm)
{
    rex(j, false, 0, 0, hreg);
    e8(j, 0xb8 + (hreg & 7));
    e32(j, imm);
}

static void mov_ri64(Jit *j, int hreg, uint64_t imm)
{
    rex(j, true, 0, 0, hreg);
    e8(j, 0xb8 + (hreg & 7));
    e64(j, imm);
}

static void mov_rr(Jit *j, int dst, int src)
{
    op_rr(j, false, 0x89, src, dst);
}

/* ALU op (0..7 as in x86) reg32, reg32 / reg32, imm32 */
static void alu_rr(Jit *j, int op, int dst, int src)
{
    op_rr(j, false, (op << 3) | 1, src, dst);
}

static void alu_ri(Jit *j, int op, int dst, uint32_t imm)
{
    rex(j, false, 0, 0, dst);
    if ((int32_t)imm >= -128 && (int32_t)imm <= 127) {
        e8(j, 0x83);
        e8(j, 0xc0 | (op << 3) | (dst & 7));
        e8(j, (uint8_t)imm);
    } else {
        e8(j, 0x81);
        e8(j, 0xc0 | (op << 3) | (dst & 7));
        e32(j, imm);
    }
}

static void call_abs(Jit *j, const void *fn)
{
    mov_ri64(j, RAX, (uintptr_t)fn);
    e8(j, 0xff);
    e8(j, 0xd0);                     /* call rax */
}

/* jcc rel32 to be patched; returns the patch location. */
static uint8_t *jcc32(Jit *j, int cc)
{
    e8(j, 0x0f);
    e8(j, 0x80 | cc);
    uint8_t *at = j->p;
    e32(j, 0);
    return at;
}

static uint8_t *jmp32(Jit *j)
{
    e8(j, 0xe9);
    uint8_t *at = j->p;
    e32(j, 0);
    return at;
}

static void patch32(Jit *j, uint8_t *at, uint8_t *target)
{
    if (!at || j->overflow) {
        return;
    }
    int32_t rel = (int32_t)(target - (at + 4));
    memcpy(at, &rel, 4);
}

/* env->cur = in */
static void set_cur(Jit *j, const X86Insn *in)
{
    mov_ri64(j, RAX, (uintptr_t)in);
    st64(j, ENV_OFF(cur), RAX);
}

/* Host condition codes. */
enum { HC_O, HC_NO, HC_B, HC_AE, HC_E, HC_NE, HC_BE, HC_A, HC_S, HC_NS, HC_P, HC_NP,
       HC_L, HC_GE, HC_LE, HC_G };

/* ---- guest registers in host registers ----
 *
 * A block keeps the guest registers it uses most in callee-saved host
 * registers (choose_hregs).  Each is loaded from env on its first use
 * (lazily, so only in the straight-line main code: a load inside a branch
 * arm would leave the other arm believing it done) and written back only
 * where something may read env: before every call that may fault or runs
 * an interpreter handler (env->cur's contract: a fault sees the guest
 * registers in env), and at every exit.  An interpreter handler may write
 * any guest register, so after one every register is reloaded from env on
 * its next use. */

#define REGS_OFF ((int32_t)offsetof(CPUX86State, regs))

/* The host register holding guest register r (loaded if it is not yet),
 * or -1 when r stays in env. */
static int gh(Jit *j, int r)
{
    if (r >= 8 || j->hreg_of[r] < 0) {
        return -1;
    }
    int h = j->hreg_of[r];
    if (!(j->loaded & (1u << r))) {
        ld32(j, h, REG_OFF(r));
        j->loaded |= (uint8_t)(1u << r);
    }
    return h;
}

static void mark_dirty(Jit *j, int r)
{
    j->loaded |= (uint8_t)(1u << r);
    j->dirty |= (uint8_t)(1u << r);
}

/* hreg = guest register r */
static void ldg(Jit *j, int hreg, int r)
{
    int h = gh(j, r);
    if (h < 0) {
        ld32(j, hreg, REG_OFF(r));
    } else if (h != hreg) {
        mov_rr(j, hreg, h);
    }
}

/* guest register r = hreg */
static void stg(Jit *j, int r, int hreg)
{
    if (r >= 8 || j->hreg_of[r] < 0) {
        st32(j, REG_OFF(r), hreg);
        return;
    }
    int h = j->hreg_of[r];
    if (h != hreg) {
        mov_rr(j, h, hreg);
    }
    mark_dirty(j, r);
}

static void stgi(Jit *j, int r, uint32_t imm)
{
    if (r >= 8 || j->hreg_of[r] < 0) {
        st32i(j, REG_OFF(r), imm);
        return;
    }
    mov_ri(j, j->hreg_of[r], imm);
    mark_dirty(j, r);
}

/* `opc hreg, guest r` for an opcode of the `reg, r/m` form (MOV 8B, the
 * ALU ops 03..3B, MOVZX 0FB7, ...). */
static void opg(Jit *j, uint32_t opc, int hreg, int r)
{
    int h = gh(j, r);
    if (h < 0) {
        op_mem(j, false, opc, hreg, ENV, REG_OFF(r));
    } else {
        op_rr(j, false, opc, hreg, h);
    }
}

/* `opc /digit guest r` that writes r (SHL C1 /4, ADD 83 /0, ...); the
 * caller emits the immediate that follows. */
static void rmwg(Jit *j, uint32_t opc, int digit, int r)
{
    int h = gh(j, r);
    if (h < 0) {
        op_mem(j, false, opc, digit, ENV, REG_OFF(r));
    } else {
        op_rr(j, false, opc, digit, h);
        mark_dirty(j, r);
    }
}

/* A register-register operation on byte registers: always with a REX
 * prefix, so that encodings 4..7 name SPL..DIL rather than AH..BH. */
static void op_rr_b(Jit *j, uint32_t opcode, int reg, int rm)
{
    e8(j, 0x40 | ((reg & 8) ? 4 : 0) | ((rm & 8) ? 1 : 0));
    if (opcode > 0xff) {
        e8(j, opcode >> 8);
    }
    e8(j, opcode & 0xff);
    e8(j, 0xc0 | ((reg & 7) << 3) | (rm & 7));
}

/* hreg = byte register at byte offset o of env->regs (AL=0, AH=1, ...),
 * zero-extended. */
static void ldb(Jit *j, int hreg, int o)
{
    int h = gh(j, o >> 2);
    if (h < 0) {
        op_mem(j, false, 0x0fb6, hreg, ENV, REGS_OFF + o);
        return;
    }
    if (o & 1) {
        mov_rr(j, hreg, h);
        rex(j, false, 0, 0, hreg);
        e8(j, 0xc1); e8(j, 0xe8 | (hreg & 7)); e8(j, 8);   /* shr hreg, 8 */
        op_rr_b(j, 0x0fb6, hreg, hreg);
    } else {
        op_rr_b(j, 0x0fb6, hreg, h);
    }
}

/* byte register at byte offset o = low byte of hreg (clobbers RCX for a
 * high byte held in a host register; hreg must not be RCX then). */
static void stb(Jit *j, int o, int hreg)
{
    int h = gh(j, o >> 2);
    if (h < 0) {
        e8(j, 0x40 | ((hreg & 8) ? 4 : 0));         /* REX: SIL/DIL, not DH/BH */
        e8(j, 0x88);
        modrm_mem(j, hreg, ENV, REGS_OFF + o);
        return;
    }
    if (o & 1) {
        op_rr_b(j, 0x0fb6, RCX, hreg);                    /* movzx ecx, hreg8 */
        e8(j, 0xc1); e8(j, 0xe1); e8(j, 8);               /* shl ecx, 8 */
        alu_ri(j, 4, h, 0xffff00ffu);
        alu_rr(j, 1, h, RCX);
    } else {
        op_rr_b(j, 0x88, hreg, h);                        /* mov h8, hreg8 */
    }
    mark_dirty(j, o >> 2);
}

/* low word of guest register r = low word of hreg */
static void stw(Jit *j, int r, int hreg)
{
    int h = gh(j, r);
    e8(j, 0x66);
    if (h < 0) {
        op_mem(j, false, 0x89, hreg, ENV, REG_OFF(r));
    } else {
        op_rr(j, false, 0x89, hreg, h);              /* mov h16, hreg16 */
        mark_dirty(j, r);
    }
}

/* Store the guest registers in `mask` from their host registers to env
 * (they must be loaded there). */
static void emit_writeback(Jit *j, uint8_t mask)
{
    for (int r = 0; r < 8; r++) {
        if (mask & (1u << r)) {
            st32(j, REG_OFF(r), j->hreg_of[r]);
        }
    }
}

/* Before an interpreter handler: env gets every dirty register... */
static void regs_sync(Jit *j)
{
    emit_writeback(j, j->dirty);
    j->dirty = 0;
}

/* ...and after it, env is the only copy. */
static void regs_forget(Jit *j)
{
    j->loaded = 0;
    j->dirty = 0;
}

/* Host stack frame: one for every block, so that a block may continue
 * into the next without leaving its frame (emit_enter jumps to the next
 * block's body, past its prologue): RBX (env) and every host register
 * that may hold a guest register are pushed, and 8 bytes of padding keep
 * the stack 16-byte aligned for calls out (the return address and six
 * pushes are 56 bytes). */
static void emit_prologue(Jit *j)
{
    e8(j, 0x53);                                     /* push rbx */
    for (int k = 0; k < MAX_GUEST_HREGS; k++) {
        rex(j, false, 0, 0, guest_hregs[k]);
        e8(j, 0x50 | (guest_hregs[k] & 7));          /* push */
    }
    e8(j, 0x48); e8(j, 0x83); e8(j, 0xec); e8(j, 8); /* sub rsp, 8 */
}

static void emit_epilogue(Jit *j)
{
    e8(j, 0x48); e8(j, 0x83); e8(j, 0xc4); e8(j, 8); /* add rsp, 8 */
    for (int k = MAX_GUEST_HREGS - 1; k >= 0; k--) {
        rex(j, false, 0, 0, guest_hregs[k]);
        e8(j, 0x58 | (guest_hregs[k] & 7));          /* pop */
    }
    e8(j, 0x5b);                                     /* pop rbx */
}

/* Where a block's body starts, from its host_code: past the prologue
 * (the pushes, sub rsp and mov rbx, rdi).  Every block has the same
 * prologue, so the offset is one constant (x86_jit_compile checks it). */
#define JIT_BODY_OFF (1 + 1 + 4 * 2 + 4 + 3)

static void spill_esi(Jit *j);
static void unspill(Jit *j, int hreg);

/* ---- guest operands ---- */

/* dst = effective address of a flat memory operand (dst is RAX or a
 * scratch register; clobbers RCX). */
static void emit_ea(Jit *j, const X86Insn *in, int dst)
{
    bool base = in->rm != 8, index = in->idx != 8;
    if (!base && !index) {
        mov_ri(j, dst, in->disp);
        return;
    }
    int hb = -1, hi = -1;
    if (base) {
        hb = gh(j, in->rm);
        if (hb < 0) {
            ld32(j, dst, REG_OFF(in->rm));
            hb = dst;
        }
    }
    if (index) {
        hi = gh(j, in->idx);
        if (hi < 0) {
            ld32(j, RCX, REG_OFF(in->idx));
            hi = RCX;
        }
    } else if (!in->disp) {
        if (hb != dst) {
            mov_rr(j, dst, hb);
        }
        return;
    }
    /* lea dst32, [base + index << scale + disp32]: always with a SIB byte
     * (index 100 without REX.X: none), so RBP/R12/R13 need no special case */
    rex(j, false, dst, hi >= 0 ? hi : 0, hb >= 0 ? hb : 0);
    e8(j, 0x8d);
    e8(j, (base ? 0x84 : 0x04) | ((dst & 7) << 3));
    e8(j, (index ? in->scale << 6 : 0) | ((hi >= 0 ? hi & 7 : 4) << 3) |
          (base ? hb & 7 : 5));
    e32(j, in->disp);
}

/*
 * The TLB fast path for a `size`-byte access at the linear address in EAX:
 * leaves the host pointer in RDX, or jumps to a slow path (recorded) that
 * performs the whole access through the C slow path and resumes after
 * `resume`.  Clobbers RCX, RDX.
 */
/* The index scaling below (shl 4) and the fields read (tag_read,
 * tag_write, addend): a TLB entry that grows must change it. */
_Static_assert(sizeof(X86TLBEntry) == 16, "emit_tlb scales the TLB index by 16");

static SlowPath *emit_tlb(Jit *j, const X86Insn *in, int size, bool write)
{
    if (j->nslow >= MAX_SLOW) {
        j->overflow = true;
        return &j->slow[0];
    }
    /* Between here and the slow path's resume point, the main line must
     * not change `loaded` or `dirty` (gh, stg): the slow path skips it. */
    SlowPath *sp = &j->slow[j->nslow++];
    sp->seg_patch[0] = sp->seg_patch[1] = NULL;
    sp->reload = 0;
    sp->in = in;
    sp->size = size;
    sp->dirty = j->dirty;
    /* rcx = &tlb_cur[(lin >> 12) & mask] */
    mov_rr(j, RCX, RAX);
    e8(j, 0xc1); e8(j, 0xe9); e8(j, 12);            /* shr ecx, 12 */
    alu_ri(j, 4, RCX, X86_TLB_SIZE - 1);             /* and ecx, mask */
    rex(j, true, 0, 0, RCX);
    e8(j, 0xc1); e8(j, 0xe1); e8(j, 4);             /* shl rcx, 4 */
    op_mem(j, true, 0x03, RCX, ENV, ENV_OFF(tlb_cur));   /* add rcx, [env+tlb_cur] */
    /* edx = lin & (page | size-1); cmp edx, tag */
    mov_rr(j, RDX, RAX);
    alu_ri(j, 4, RDX, 0xfffff000u | (size - 1));
    op_mem(j, false, 0x3b, RDX, RCX,
           write ? (int32_t)offsetof(X86TLBEntry, tag_write)
                 : (int32_t)offsetof(X86TLBEntry, tag_read));
    sp->jcc_patch = jcc32(j, HC_NE);
    /* rdx = addend + lin (rax holds the zero-extended linear address) */
    op_mem(j, true, 0x8b, RDX, RCX, (int32_t)offsetof(X86TLBEntry, addend));
    rex(j, true, RDX, 0, RAX);
    e8(j, 0x01); e8(j, 0xc2);                        /* add rdx, rax */
    return sp;
}

/* ecx/r? = load size bytes (zero-extended) at linear EAX into hreg. */
static void emit_load(Jit *j, const X86Insn *in, int size, int hreg)
{
    SlowPath *sp = emit_tlb(j, in, size, false);
    sp->kind = SLOW_LD;
    sp->dst_reg = hreg;
    /* mov/movzx hreg, [rdx] */
    if (size == 4) {
        op_mem(j, false, 0x8b, hreg, RDX, 0);
    } else {
        op_mem(j, false, size == 1 ? 0x0fb6 : 0x0fb7, hreg, RDX, 0);
    }
    sp->resume = j->p;
}

/* Store size bytes of hreg (not RAX, RCX, RDX) at linear EAX. */
static void emit_store(Jit *j, const X86Insn *in, int size, int hreg)
{
    SlowPath *sp = emit_tlb(j, in, size, true);
    sp->kind = SLOW_ST;
    sp->val_reg = hreg;
    if (size == 2) {
        e8(j, 0x66);
    }
    if (size == 1 && hreg < 8) {
        e8(j, 0x40);        /* REX, so that 6/7 mean SIL/DIL, not DH/BH */
    }
    op_mem(j, false, size == 1 ? 0x88 : 0x89, hreg, RDX, 0);
    sp->resume = j->p;
}

/* The slow path of emit_seg_load: the whole access as the handlers make
 * it (a segment limit violation faults here). */
static uint32_t jit_ld_seg(CPUX86State *env, const X86Insn *in, int size)
{
    return x86_ld(env, x86_ea_lin(env, in, MK_MEM, size, false), size);
}

#define SEG_OFF(seg, field) ((int32_t)(offsetof(CPUX86State, segs) + \
                                       (seg) * sizeof(SegmentCache) + \
                                       offsetof(SegmentCache, field)))

/* hreg = size bytes (zero-extended) of a memory operand with 32-bit
 * addressing in a segment that is not flat (FS, GS, an override): the
 * offset checked against the segment's readable range inline, as
 * x86_ea_lin_fast does, then the TLB fast path on base + offset.  A
 * failed check or a TLB miss goes to jit_ld_seg out of line. */
static void emit_seg_load(Jit *j, const X86Insn *in, int size, int hreg)
{
    emit_ea(j, in, RAX);
    op_mem(j, false, 0x3b, RAX, ENV, SEG_OFF(in->seg, rlo));   /* cmp eax, rlo */
    uint8_t *below = jcc32(j, HC_B);
    rex(j, true, RCX, 0, RAX);
    e8(j, 0x8d); e8(j, 0x48); e8(j, (uint8_t)(size - 1));      /* lea rcx, [rax + size-1] */
    op_mem(j, true, 0x3b, RCX, ENV, SEG_OFF(in->seg, rhi));    /* cmp rcx, rhi */
    uint8_t *above = jcc32(j, HC_A);
    op_mem(j, false, 0x03, RAX, ENV, SEG_OFF(in->seg, base));  /* add eax, base */
    SlowPath *sp = emit_tlb(j, in, size, false);
    sp->kind = SLOW_LD_SEG;
    sp->dst_reg = hreg;
    sp->seg_patch[0] = below;
    sp->seg_patch[1] = above;
    if (size == 4) {
        op_mem(j, false, 0x8b, hreg, RDX, 0);
    } else {
        op_mem(j, false, size == 1 ? 0x0fb6 : 0x0fb7, hreg, RDX, 0);
    }
    sp->resume = j->p;
}

/* The host pointer (RDX) for a read-modify-write of size bytes of a
 * memory operand: flat (MK_FLAT), or with 32-bit addressing through a
 * segment (MK_MEM: the offset checked against the segment's writable
 * range inline, as x86_ea_lin_fast does).  A failed check or a TLB miss
 * runs the whole instruction through its handler (SLOW_INSN), which
 * raises the fault if there is one. */
static SlowPath *emit_rmw_tlb(Jit *j, const X86Insn *in, int size, int mk)
{
    emit_ea(j, in, RAX);
    uint8_t *below = NULL, *above = NULL;
    if (mk == MK_MEM) {
        op_mem(j, false, 0x3b, RAX, ENV, SEG_OFF(in->seg, wlo));   /* cmp eax, wlo */
        below = jcc32(j, HC_B);
        rex(j, true, RCX, 0, RAX);
        e8(j, 0x8d); e8(j, 0x48); e8(j, (uint8_t)(size - 1));      /* lea rcx, [rax + size-1] */
        op_mem(j, true, 0x3b, RCX, ENV, SEG_OFF(in->seg, whi));    /* cmp rcx, whi */
        above = jcc32(j, HC_A);
        op_mem(j, false, 0x03, RAX, ENV, SEG_OFF(in->seg, base));  /* add eax, base */
    }
    SlowPath *sp = emit_tlb(j, in, size, true);
    sp->kind = SLOW_INSN;
    sp->seg_patch[0] = below;
    sp->seg_patch[1] = above;
    return sp;
}

/* Call in->fn(env, in), its interpreter handler, with blk_end = in + 1
 * and jit_fallback set, so its X86_NEXT returns here at once. */
static void emit_handler_call(Jit *j, const X86Insn *in)
{
    mov_ri64(j, RSI, (uintptr_t)(in + 1));
    st64(j, ENV_OFF(blk_end), RSI);
    st8i(j, ENV_OFF(jit_fallback), 1);
    op_rr(j, true, 0x89, ENV, RDI);
    mov_ri64(j, RSI, (uintptr_t)in);
    call_abs(j, (const void *)in->fn);
    st8i(j, ENV_OFF(jit_fallback), 0);
}

/* Run one instruction through its interpreter handler (env->cur = in,
 * env->blk_end = in + 1: its X86_NEXT ends in x86_block_end, which
 * returns at once while jit_fallback is set), then stop the block if it
 * wrote this block's code or is a REP that yields. */
static void emit_interp_call(Jit *j, const X86Insn *in, uint8_t dirty)
{
    emit_writeback(j, dirty);
    set_cur(j, in);
    emit_handler_call(j, in);
    op_mem(j, false, 0x0fb6, RAX, ENV, ENV_OFF(smc_hit));
    op_mem(j, false, 0x0a, RAX, ENV, ENV_OFF(rep_restart));   /* or al, [rep] */
    e8(j, 0x84); e8(j, 0xc0);
    patch32(j, jcc32(j, HC_NE), j->exit_stop);
}

static void emit_slow_paths(Jit *j)
{
    for (int i = 0; i < j->nslow; i++) {
        SlowPath *sp = &j->slow[i];
        patch32(j, sp->jcc_patch, j->p);
        for (int k = 0; k < 2; k++) {
            patch32(j, sp->seg_patch[k], j->p);
        }
        if (sp->kind == SLOW_LD_SEG) {
            emit_writeback(j, sp->dirty);            /* the access may fault */
            set_cur(j, sp->in);
            op_rr(j, true, 0x89, ENV, RDI);          /* mov rdi, rbx */
            mov_ri64(j, RSI, (uintptr_t)sp->in);
            mov_ri(j, RDX, sp->size);
            call_abs(j, (const void *)jit_ld_seg);
            if (sp->dst_reg != RAX) {
                mov_rr(j, sp->dst_reg, RAX);
            }
            patch32(j, jmp32(j), sp->resume);
            continue;
        }
        if (sp->kind == SLOW_INSN) {
            /* read-modify-write of memory: the host registers stay valid,
             * but for those the handler writes (XCHG, CMPXCHG), which the
             * main line holds in their host registers from here on */
            emit_interp_call(j, sp->in, sp->dirty);
            for (int r = 0; r < 8; r++) {
                if ((sp->reload & (1u << r)) && j->hreg_of[r] >= 0) {
                    ld32(j, j->hreg_of[r], REG_OFF(r));
                }
            }
            patch32(j, jmp32(j), sp->resume);
            continue;
        }
        emit_writeback(j, sp->dirty);                /* the access may fault */
        if (sp->kind == SLOW_ST) {
            mov_rr(j, RDX, sp->val_reg);             /* the value, before RSI is reused */
        }
        mov_rr(j, RSI, RAX);                         /* the linear address */
        set_cur(j, sp->in);                          /* the access may fault */
        op_rr(j, true, 0x89, ENV, RDI);              /* mov rdi, rbx */
        if (sp->kind == SLOW_LD) {
            mov_ri(j, RDX, sp->size);
            call_abs(j, (const void *)x86_ld_slow);
            if (sp->dst_reg != RAX) {
                mov_rr(j, sp->dst_reg, RAX);
            }
        } else {
            mov_ri(j, RCX, sp->size);
            call_abs(j, (const void *)x86_st_slow);
            /* A write to this block's own code ends it here. */
            op_mem(j, false, 0x80, 7, ENV, ENV_OFF(smc_hit));    /* cmp byte [], 0 */
            e8(j, 0);
            patch32(j, jcc32(j, HC_NE), j->exit_stop);
        }
        patch32(j, jmp32(j), sp->resume);
    }
}

/* ---- lazy flags ---- */

/* Flags of a 32-bit operation whose operands are in ESI (src1), EDI (src2)
 * and result in R8. */
static void emit_flags(Jit *j, int op)
{
    if (!j->flags_live) {
        j->cc_known = -1;
        return;
    }
    st32i(j, ENV_OFF(cc_op), op);
    st32(j, ENV_OFF(cc_dst), R8);
    if (op != CC_OP_LOGIC) {
        st32(j, ENV_OFF(cc_src1), RSI);
        st32(j, ENV_OFF(cc_src2), RDI);
    }
    j->cc_known = op;
}

/* ---- instruction forms ---- */

/* Memory operands the flat fast path may address when the handler is
 * not specialised by kind: 32-bit addressing of DS, ES or SS in a block
 * compiled under HF_FLAT (what the decoder's MK_FLAT means). */
static bool flat_operand(Jit *j, const X86Insn *in)
{
    return (j->tb->hflags & HF_FLAT) && !in->ashift &&
           (in->seg == R_DS || in->seg == R_ES || in->seg == R_SS);
}

static bool is_fn(const X86Insn *in, X86Handler h)
{
    return in->fn == h;
}

/* Which ALU op (ADD OR AND SUB XOR CMP) and form; -1 if not native. */
enum { F_EG_R, F_GE_R, F_EI_R, F_GE_M, F_EG_M, F_EI_M, F_EG_RMW, F_EI_RMW, F_GE_S, F_EG_S,
       F_EI_S };

static int alu_form(const X86Insn *in, int *op, int *size)
{
    for (int sz = 0; sz < 3; sz++) {
        for (int o = 0; o < 8; o++) {
            const X86Handler *row = x86_h_alu[o][sz];
            *op = o;
            *size = 1 << sz;
            if (in->fn == row[0]) return F_EG_R;
            if (in->fn == row[3]) return F_GE_R;
            if (in->fn == row[6]) return F_EI_R;
            if (in->fn == row[5]) return F_GE_M;
            if (o == 7 && in->fn == row[2]) return F_EG_M;      /* CMP [m], r: no write */
            if (o == 7 && in->fn == row[8]) return F_EI_M;
            if (o != 7 && in->fn == row[2]) return F_EG_RMW;    /* op [m], r */
            if (o != 7 && in->fn == row[8]) return F_EI_RMW;    /* op [m], imm */
            /* loads through a segment that is not flat (emit_seg_load) */
            if (sz == 2 && !in->ashift) {
                if (in->fn == row[4]) return F_GE_S;
                if (o == 7 && in->fn == row[1]) return F_EG_S;
                if (o == 7 && in->fn == row[7]) return F_EI_S;
            }
        }
    }
    return -1;
}

/* Operands narrower than 32 bits: the lazy flags hold them, and the
 * result, sign-extended to 32 bits (cc_set), so that the 32-bit formulas
 * of x86_compute_arith and the host compares of emit_cond give the
 * flags of the narrow operation. */

/* movsx hreg, low byte / word of hreg (size 1 or 2) */
static void sext_rr(Jit *j, int hreg, int size)
{
    if (size == 1) {
        op_rr_b(j, 0x0fbe, hreg, hreg);
    } else if (size == 2) {
        op_rr(j, false, 0x0fbf, hreg, hreg);
    }
}

/* hreg = guest register operand of the given size (r: a register index,
 * or a byte offset for size 1), sign-extended to 32 bits. */
static void ldsx(Jit *j, int hreg, int r, int size)
{
    if (size == 4) {
        ldg(j, hreg, r);
    } else if (size == 2) {
        opg(j, 0x0fbf, hreg, r);                     /* movsx hreg, r16 */
    } else {
        ldb(j, hreg, r);
        sext_rr(j, hreg, 1);
    }
}

/* guest register operand of the given size = low bits of hreg (not RCX) */
static void stsz(Jit *j, int r, int size, int hreg)
{
    if (size == 4) {
        stg(j, r, hreg);
    } else if (size == 2) {
        stw(j, r, hreg);
    } else {
        stb(j, r, hreg);
    }
}

/* An immediate truncated to the operand size and sign-extended. */
static uint32_t imm_sx(uint32_t imm, int size)
{
    return size == 1 ? (uint32_t)(int32_t)(int8_t)imm :
           size == 2 ? (uint32_t)(int32_t)(int16_t)imm : imm;
}

/* hreg = size bytes at linear EAX, sign-extended (as emit_load). */
static void emit_load_sx(Jit *j, const X86Insn *in, int size, int hreg)
{
    emit_load(j, in, size, hreg);
    sext_rr(j, hreg, size);
}

/* INC/DEC r32: CF comes from the flags before; ask the C side for it. */
static uint32_t jit_get_cf(CPUX86State *env)
{
    return x86_get_cf(env);
}

/* dst (RDI or a callee-saved register) = CF of flags set by an earlier
 * block or an interpreted instruction: the cases of x86_get_cf inline by
 * a dispatch on cc_op, the rest from the C side.  Clobbers RAX, RCX, RSI;
 * its branch arms load no guest register. */
static void emit_cf_dyn(Jit *j, int dst)
{
    uint8_t *done[5];
    int nd = 0;
    ld32(j, RAX, ENV_OFF(cc_op));
    ld32(j, RSI, ENV_OFF(cc_src1));
    alu_ri(j, 7, RAX, CC_OP_SUB);
    uint8_t *not_sub = jcc32(j, HC_NE);
    op_mem(j, false, 0x3b, RSI, ENV, ENV_OFF(cc_src2));   /* cmp src1, src2 */
    e8(j, 0x0f); e8(j, 0x92); e8(j, 0xc1);           /* setb cl */
    op_rr(j, false, 0x0fb6, dst, RCX);               /* movzx dst, cl */
    done[nd++] = jmp32(j);
    patch32(j, not_sub, j->p);
    alu_ri(j, 7, RAX, CC_OP_ADD);
    uint8_t *not_add = jcc32(j, HC_NE);
    op_mem(j, false, 0x39, RSI, ENV, ENV_OFF(cc_dst));    /* cmp dst, src1 */
    e8(j, 0x0f); e8(j, 0x92); e8(j, 0xc1);           /* setb cl */
    op_rr(j, false, 0x0fb6, dst, RCX);
    done[nd++] = jmp32(j);
    patch32(j, not_add, j->p);
    alu_ri(j, 7, RAX, CC_OP_INC);
    uint8_t *kept = jcc32(j, HC_E);
    alu_ri(j, 7, RAX, CC_OP_DEC);
    uint8_t *kept2 = jcc32(j, HC_E);
    alu_ri(j, 7, RAX, CC_OP_EFLAGS);
    uint8_t *not_eflags = jcc32(j, HC_NE);
    ld32(j, dst, ENV_OFF(eflags));                   /* CF is bit 0 */
    alu_ri(j, 4, dst, CC_C);
    done[nd++] = jmp32(j);
    patch32(j, not_eflags, j->p);
    alu_ri(j, 7, RAX, CC_OP_LOGIC);
    uint8_t *not_logic = jcc32(j, HC_NE);
    mov_ri(j, dst, 0);
    done[nd++] = jmp32(j);
    patch32(j, not_logic, j->p);
    op_rr(j, true, 0x89, ENV, RDI);
    call_abs(j, (const void *)jit_get_cf);
    mov_rr(j, dst, RAX);
    done[nd++] = jmp32(j);
    patch32(j, kept, j->p);
    patch32(j, kept2, j->p);
    ld32(j, dst, ENV_OFF(cc_src2));                  /* the CF INC/DEC kept */
    alu_ri(j, 4, dst, 1);
    for (int k = 0; k < nd; k++) {
        patch32(j, done[k], j->p);
    }
}

/* dst (RDI or a callee-saved register) = CF of the flags so far, 0 or 1:
 * inline when the producer is known in the block, else by emit_cf_dyn
 * (which may call out: emit it before anything else of the
 * instruction). */
static void emit_get_cf(Jit *j, int dst)
{
    switch (j->cc_known) {
    case CC_OP_SUB:
    case CC_OP_ADD:
        ld32(j, RSI, ENV_OFF(cc_src1));
        if (j->cc_known == CC_OP_SUB) {
            op_mem(j, false, 0x3b, RSI, ENV, ENV_OFF(cc_src2));   /* cmp esi, src2 */
        } else {
            op_mem(j, false, 0x39, RSI, ENV, ENV_OFF(cc_dst));    /* cmp dst, esi */
        }
        e8(j, 0x0f); e8(j, 0x92); e8(j, 0xc0);       /* setb al */
        op_rr(j, false, 0x0fb6, dst, RAX);           /* movzx dst, al */
        break;
    case CC_OP_LOGIC:
        mov_ri(j, dst, 0);
        break;
    case CC_OP_INC:
    case CC_OP_DEC:
        ld32(j, dst, ENV_OFF(cc_src2));              /* the CF INC/DEC kept */
        alu_ri(j, 4, dst, 1);
        break;
    default:
        emit_cf_dyn(j, dst);
        break;
    }
}

/* r8 = esi op edi, flags (ADC/SBB: plus/minus the carry in j->cf_tmp).
 * For a narrow size, ESI and EDI hold the operands sign-extended and R8
 * gets the result sign-extended. */
static void emit_alu_core(Jit *j, int op, int size)
{
    mov_rr(j, R8, RSI);
    if (op == 2 || op == 3) {
        int base = op == 2 ? 0 : 5;                  /* add / sub */
        alu_rr(j, base, R8, RDI);
        alu_rr(j, base, R8, j->cf_tmp);
        sext_rr(j, R8, size);
        if (j->flags_live) {
            /* CC_OP_ADC = CC_OP_ADD + 1, CC_OP_SBB = CC_OP_SUB + 1 */
            mov_rr(j, RCX, j->cf_tmp);
            alu_ri(j, 0, RCX, op == 2 ? CC_OP_ADD : CC_OP_SUB);
            st32(j, ENV_OFF(cc_op), RCX);
            st32(j, ENV_OFF(cc_dst), R8);
            st32(j, ENV_OFF(cc_src1), RSI);
            st32(j, ENV_OFF(cc_src2), RDI);
        }
        j->cc_known = -1;
        return;
    }
    alu_rr(j, op == 7 ? 5 : op, R8, RDI);
    if (op == 0 || op == 5 || op == 7) {
        sext_rr(j, R8, size);                        /* logic results stay sign-extended */
    }
    emit_flags(j, op == 0 ? CC_OP_ADD : (op == 5 || op == 7) ? CC_OP_SUB : CC_OP_LOGIC);
}

/* A memory source operand into reg, sign-extended to 64 bits: through a
 * segment that is not flat (its limit checked inline) or through the
 * flat TLB. */
static void emit_src_mem(Jit *j, const X86Insn *in, bool seg, int size, int reg)
{
    if (seg) {
        emit_seg_load(j, in, size, reg);
    } else {
        emit_ea(j, in, RAX);
        emit_load_sx(j, in, size, reg);
    }
}

/* The result (in R8) back to the destination register, unless the
 * operation is CMP (op 7), which only sets flags. */
static void alu_result(Jit *j, int op, int dst, int size)
{
    if (op != 7) {
        stsz(j, dst, size, R8);
    }
}

static bool emit_alu(Jit *j, const X86Insn *in)
{
    int op, size;
    int form = alu_form(in, &op, &size);
    if (form < 0 || ((op == 2 || op == 3) && j->cf_tmp < 0)) {
        return false;
    }
    if (op == 2 || op == 3) {
        emit_get_cf(j, j->cf_tmp);                  /* first: it may call out */
    }
    switch (form) {
    case F_EG_R:      /* rm = rm op reg */
        ldsx(j, RSI, in->rm, size);
        ldsx(j, RDI, in->reg, size);
        emit_alu_core(j, op, size);
        alu_result(j, op, in->rm, size);
        break;
    case F_GE_R:      /* reg = reg op rm */
        ldsx(j, RSI, in->reg, size);
        ldsx(j, RDI, in->rm, size);
        emit_alu_core(j, op, size);
        alu_result(j, op, in->reg, size);
        break;
    case F_EI_R:      /* rm = rm op imm */
        ldsx(j, RSI, in->rm, size);
        mov_ri(j, RDI, imm_sx(in->imm, size));
        emit_alu_core(j, op, size);
        alu_result(j, op, in->rm, size);
        break;
    case F_GE_M:      /* reg = reg op [m] */
    case F_GE_S:
        emit_src_mem(j, in, form == F_GE_S, size, RDI);
        ldsx(j, RSI, in->reg, size);
        emit_alu_core(j, op, size);
        alu_result(j, op, in->reg, size);
        break;
    case F_EG_M:      /* cmp [m], reg */
    case F_EG_S:
        emit_src_mem(j, in, form == F_EG_S, size, RSI);
        ldsx(j, RDI, in->reg, size);
        emit_alu_core(j, op, size);
        break;
    case F_EI_M:      /* cmp [m], imm */
    case F_EI_S:
        emit_src_mem(j, in, form == F_EI_S, size, RSI);
        mov_ri(j, RDI, imm_sx(in->imm, size));
        emit_alu_core(j, op, size);
        break;
    default: {        /* op [m], reg / imm: in place through the write TLB */
        /* The operand first: the slow path skips everything up to
         * `resume`, so no guest register may be loaded in between. */
        if (form == F_EG_RMW) {
            ldsx(j, RDI, in->reg, size);
        } else {
            mov_ri(j, RDI, imm_sx(in->imm, size));
        }
        emit_ea(j, in, RAX);
        SlowPath *sp = emit_tlb(j, in, size, true);
        sp->kind = SLOW_INSN;
        op_mem(j, false, size == 1 ? 0x0fbe : size == 2 ? 0x0fbf : 0x8b, RSI, RDX, 0);
        emit_alu_core(j, op, size);
        if (size == 2) {
            e8(j, 0x66);
        }
        op_mem(j, false, size == 1 ? 0x88 : 0x89, R8, RDX, 0);   /* mov [rdx], r8b/w/d */
        sp->resume = j->p;
        break;
    }
    }
    return true;
}

/* MOV at 16 and 8 bits (x86_h_mov[1] and [0]): register, immediate and
 * flat memory forms, as emit_mov's 32-bit ones. */
static bool emit_mov_narrow(Jit *j, const X86Insn *in)
{
    for (int w = 1; w >= 0; w--) {
        const X86Handler *k = x86_h_mov[w];
        int size = w ? 2 : 1;
        if (is_fn(in, k[0])) {                  /* r = r */
            ldsx(j, RSI, in->reg, size);
            stsz(j, in->rm, size, RSI);
        } else if (is_fn(in, k[1])) {           /* r = imm */
            mov_ri(j, RSI, in->imm);
            stsz(j, in->rm, size, RSI);
        } else if (is_fn(in, k[6])) {           /* r = [m] flat */
            emit_ea(j, in, RAX);
            emit_load(j, in, size, RSI);
            stsz(j, in->reg, size, RSI);
        } else if (is_fn(in, k[5])) {           /* [m] = r flat */
            emit_ea(j, in, RAX);
            ldsx(j, RSI, in->reg, size);
            emit_store(j, in, size, RSI);
        } else if (is_fn(in, k[7])) {           /* [m] = imm flat */
            emit_ea(j, in, RAX);
            mov_ri(j, RSI, in->imm);
            emit_store(j, in, size, RSI);
        } else {
            continue;
        }
        return true;
    }
    return false;
}

static bool emit_mov(Jit *j, const X86Insn *in)
{
    const X86Handler *m = x86_h_mov[2];
    if (is_fn(in, m[0])) {            /* rm = reg */
        ldg(j, RSI, in->reg);
        stg(j, in->rm, RSI);
    } else if (is_fn(in, m[1])) {     /* rm = imm */
        stgi(j, in->rm, in->imm);
    } else if (is_fn(in, m[6])) {     /* reg = [m] flat */
        emit_ea(j, in, RAX);
        emit_load(j, in, 4, RSI);
        stg(j, in->reg, RSI);
    } else if (is_fn(in, m[3]) && !in->ashift) {    /* reg = seg:[m] */
        emit_seg_load(j, in, 4, RSI);
        stg(j, in->reg, RSI);
    } else if (is_fn(in, m[5])) {     /* [m] = reg flat */
        emit_ea(j, in, RAX);
        ldg(j, RSI, in->reg);
        emit_store(j, in, 4, RSI);
    } else if (is_fn(in, m[7])) {     /* [m] = imm flat */
        emit_ea(j, in, RAX);
        mov_ri(j, RSI, in->imm);
        emit_store(j, in, 4, RSI);
    } else {
        return emit_mov_narrow(j, in);
    }
    return true;
}

static bool emit_movx(Jit *j, const X86Insn *in)
{
    for (int sx = 0; sx < 2; sx++) {
        for (int s16 = 0; s16 < 2; s16++) {
            const X86Handler *k = x86_h_movx[sx][s16][1];
            int ssz = s16 ? 2 : 1;
            uint32_t opc = sx ? (s16 ? 0x0fbf : 0x0fbe) : (s16 ? 0x0fb7 : 0x0fb6);
            if (is_fn(in, k[MK_REG])) {
                /* movzx/movsx esi, byte/word register */
                if (ssz == 1) {
                    ldb(j, RSI, in->rm);
                    if (sx) {
                        op_rr_b(j, 0x0fbe, RSI, RSI);
                    }
                } else {
                    opg(j, opc, RSI, in->rm);
                }
                stg(j, in->reg, RSI);
                return true;
            }
            if (is_fn(in, k[MK_FLAT])) {
                emit_ea(j, in, RAX);
                emit_load(j, in, ssz, RSI);      /* zero-extended */
                if (sx) {
                    if (ssz == 1) {
                        e8(j, 0x40);                 /* SIL, not DH */
                    }
                    op_rr(j, false, ssz == 1 ? 0x0fbe : 0x0fbf, RSI, RSI);
                }
                stg(j, in->reg, RSI);
                return true;
            }
        }
    }
    return false;
}

/* TEST forms: 0 r/m, reg; 1 r/m, imm (register); 2 and 3 the same on flat
 * memory; -1 others. */
static int test_form(const X86Insn *in, int *size)
{
    for (int sz = 0; sz < 3; sz++) {
        const X86Handler *t = x86_h_test[sz];
        *size = 1 << sz;
        if (is_fn(in, t[0])) return 0;
        if (is_fn(in, t[3])) return 1;
        if (is_fn(in, t[2])) return 2;
        if (is_fn(in, t[5])) return 3;
    }
    return -1;
}

static bool emit_test(Jit *j, const X86Insn *in)
{
    int size;
    int form = test_form(in, &size);
    if (form < 0) {
        return false;
    }
    /* operands sign-extended, so their AND is too (see ldsx) */
    if (form >= 2) {
        emit_ea(j, in, RAX);
        emit_load_sx(j, in, size, R8);
    } else {
        ldsx(j, R8, in->rm, size);
    }
    if (form & 1) {
        alu_ri(j, 4, R8, imm_sx(in->imm, size));
    } else if (size == 4) {
        opg(j, 0x23, R8, in->reg);                   /* and r8d, reg */
    } else {
        ldsx(j, RSI, in->reg, size);
        alu_rr(j, 4, R8, RSI);
    }
    emit_flags(j, CC_OP_LOGIC);
    return true;
}

static bool emit_lea(Jit *j, const X86Insn *in)
{
    if (!is_fn(in, x86_h_lea[1]) || in->ashift) {
        return false;
    }
    emit_ea(j, in, RAX);
    stg(j, in->reg, RAX);
    return true;
}

static bool emit_imul(Jit *j, const X86Insn *in)
{
    bool imm;
    int mk;
    if (is_fn(in, x86_h_imul[0][1][MK_REG])) { imm = false; mk = MK_REG; }
    else if (is_fn(in, x86_h_imul[0][1][MK_FLAT])) { imm = false; mk = MK_FLAT; }
    else if (is_fn(in, x86_h_imul[1][1][MK_REG])) { imm = true; mk = MK_REG; }
    else if (is_fn(in, x86_h_imul[1][1][MK_FLAT])) { imm = true; mk = MK_FLAT; }
    else {
        return false;
    }
    if (mk == MK_FLAT) {
        emit_ea(j, in, RAX);
        emit_load(j, in, 4, RDI);
    } else {
        ldg(j, RDI, in->rm);
    }
    if (imm) {
        mov_ri(j, RSI, in->imm);
    } else {
        ldg(j, RSI, in->reg);
    }
    /* 64-bit product of the sign-extended operands; CF=OF when it does not
     * fit in 32 bits. */
    op_rr(j, true, 0x63, RSI, RSI);                  /* movsxd rsi, esi */
    op_rr(j, true, 0x63, RDI, RDI);
    op_rr(j, true, 0x0faf, RSI, RDI);                /* imul rsi, rdi */
    op_rr(j, true, 0x63, R8, RSI);                   /* movsxd r8, esi */
    op_rr(j, true, 0x39, RSI, R8);                   /* cmp r8, rsi */
    e8(j, 0x0f); e8(j, 0x95); e8(j, 0xc1);            /* setne cl */
    op_rr(j, false, 0x0fb6, RCX, RCX);               /* movzx ecx, cl */
    /* ecx * (CF|OF) = ecx * 0x801 */
    rex(j, false, RCX, 0, RCX);
    e8(j, 0x69); e8(j, 0xc9); e32(j, CC_C | CC_O);    /* imul ecx, ecx, 0x801 */
    stg(j, in->reg, RSI);
    if (j->flags_live) {
        st32i(j, ENV_OFF(cc_op), CC_OP_DSTF);
        st32(j, ENV_OFF(cc_dst), RSI);
        st32(j, ENV_OFF(cc_src1), RCX);
    }
    j->cc_known = -1;
    return true;
}

/* SHL/SHR/SAR r32, imm (count known, 1..31). */
static bool emit_shift(Jit *j, const X86Insn *in)
{
    int op = -1;
    static const int ops[] = { 4, 5, 7 };
    for (unsigned k = 0; k < 3; k++) {
        if (is_fn(in, x86_h_shift[ops[k]][2][MK_REG][0])) {
            op = ops[k];
        }
    }
    if (op < 0) {
        return false;
    }
    unsigned c = in->imm & 31;
    if (c == 0) {
        return true;                                 /* nothing, not even flags */
    }
    if (!j->flags_live) {
        /* shl/shr/sar dword [env + rm], c */
        rmwg(j, 0xc1, op, in->rm);
        e8(j, (uint8_t)c);
        j->cc_known = -1;
        return true;
    }
    ldg(j, RSI, in->rm);
    /* CF: the last bit shifted out; computed on a copy. */
    mov_rr(j, RCX, RSI);
    if (op == 4) {
        /* CF = bit (32 - c) of a */
        e8(j, 0xc1); e8(j, 0xe9); e8(j, (uint8_t)(32 - c));      /* shr ecx, 32-c */
    } else if (op == 5) {
        if (c > 1) { e8(j, 0xc1); e8(j, 0xe9); e8(j, (uint8_t)(c - 1)); }
    } else {
        if (c > 1) { e8(j, 0xc1); e8(j, 0xf9); e8(j, (uint8_t)(c - 1)); }   /* sar ecx */
    }
    /* edx = bit after shift by c-1: MSB for SHR's OF */
    mov_rr(j, RDX, RCX);
    alu_ri(j, 4, RCX, 1);                            /* ecx = CF */
    /* result */
    rex(j, false, 0, 0, RSI);
    e8(j, 0xc1); e8(j, 0xc0 | ((op == 4 ? 4 : op) << 3) | (RSI & 7)); e8(j, (uint8_t)c);
    stg(j, in->rm, RSI);
    if (op == 4) {
        /* OF = MSB(result) ^ CF */
        mov_rr(j, RDX, RSI);
        e8(j, 0xc1); e8(j, 0xea); e8(j, 31);         /* shr edx, 31 */
        alu_rr(j, 6, RDX, RCX);                      /* xor edx, ecx */
    } else if (op == 5) {
        e8(j, 0xc1); e8(j, 0xea); e8(j, 31);         /* OF = MSB before the last step */
    } else {
        alu_rr(j, 6, RDX, RDX);                      /* SAR: OF = 0 */
    }
    /* src1 = CF | OF << 11 */
    e8(j, 0xc1); e8(j, 0xe2); e8(j, 11);             /* shl edx, 11 */
    alu_rr(j, 1, RCX, RDX);                          /* or ecx, edx */
    st32i(j, ENV_OFF(cc_op), CC_OP_DSTF);
    st32(j, ENV_OFF(cc_dst), RSI);
    st32(j, ENV_OFF(cc_src1), RCX);
    j->cc_known = -1;
    return true;
}

/* SHL/SHR/SAR by an immediate of a byte or word register, or of a byte,
 * word or dword in flat memory (emit_shift has r32), with a count below
 * the operand's width (the rest, and a zero count, which still reads
 * memory, go to the handler). */
static bool shift_imm_form(const X86Insn *in, int *op, int *size, int *mk)
{
    static const int ops[] = { 4, 5, 6, 7 };
    for (int sz = 0; sz < 3; sz++) {
        for (int kind = MK_REG; kind <= MK_FLAT; kind += MK_FLAT - MK_REG) {
            for (unsigned k = 0; k < CC_ARRAY_SIZE(ops); k++) {
                if ((sz < 2 || kind == MK_FLAT) &&
                    is_fn(in, x86_h_shift[ops[k]][sz][kind][0])) {
                    unsigned c = in->imm & 31;
                    *op = ops[k] == 6 ? 4 : ops[k];  /* SAL is SHL */
                    *size = 1 << sz;
                    *mk = kind;
                    return c && c < 8u << sz;
                }
            }
        }
    }
    return false;
}

static bool emit_shift_narrow(Jit *j, const X86Insn *in)
{
    int op, size, mk;
    if (!shift_imm_form(in, &op, &size, &mk)) {
        return false;
    }
    unsigned c = in->imm & 31, bits = 8u * (unsigned)size;
    SlowPath *sp = NULL;
    /* esi = the operand, sign-extended for SAR, else zero-extended */
    if (mk == MK_REG) {
        ldsx(j, RSI, in->rm, size);
        if (op != 7) {
            alu_ri(j, 4, RSI, size == 1 ? 0xff : 0xffff);
        }
    } else {
        /* in place through the write TLB; a miss runs the handler */
        emit_ea(j, in, RAX);
        sp = emit_tlb(j, in, size, true);
        sp->kind = SLOW_INSN;
        uint32_t ld = size == 4 ? 0x8b : op == 7 ? (size == 1 ? 0x0fbe : 0x0fbf) :
                      (size == 1 ? 0x0fb6 : 0x0fb7);
        op_mem(j, false, ld, RSI, RDX, 0);
    }
    /* The flags as shift_calc gives them: CF the last bit shifted out, OF
     * what the last 1-bit step sets. */
    mov_rr(j, RAX, RSI);
    if (op == 4) {
        e8(j, 0xc1); e8(j, 0xe8); e8(j, (uint8_t)(bits - c));      /* shr eax, bits-c */
    } else if (c > 1) {
        e8(j, 0xc1); e8(j, op == 7 ? 0xf8 : 0xe8); e8(j, (uint8_t)(c - 1));   /* sar/shr */
    }
    mov_rr(j, RDI, RAX);
    alu_ri(j, 4, RDI, 1);                            /* edi = CF */
    if (op == 5) {
        e8(j, 0xc1); e8(j, 0xe8); e8(j, (uint8_t)(bits - 1));      /* OF = MSB before */
        alu_ri(j, 4, RAX, 1);
    } else if (op == 7) {
        alu_rr(j, 6, RAX, RAX);                      /* SAR: OF = 0 */
    }
    rex(j, false, 0, 0, RSI);
    e8(j, 0xc1); e8(j, 0xc0 | (op << 3) | (RSI & 7)); e8(j, (uint8_t)c);
    sext_rr(j, RSI, size);                           /* the result as cc_dst holds it */
    if (op == 4) {
        mov_rr(j, RAX, RSI);
        e8(j, 0xc1); e8(j, 0xe8); e8(j, 31);         /* shr eax, 31 */
        alu_rr(j, 6, RAX, RDI);                      /* OF = MSB(result) ^ CF */
    }
    e8(j, 0xc1); e8(j, 0xe0); e8(j, 11);             /* shl eax, 11: OF */
    alu_rr(j, 1, RAX, RDI);
    if (sp) {
        if (size == 2) {
            e8(j, 0x66);
        } else if (size == 1) {
            e8(j, 0x40);                             /* SIL, not DH */
        }
        op_mem(j, false, size == 1 ? 0x88 : 0x89, RSI, RDX, 0);
    } else {
        stsz(j, in->rm, size, RSI);
    }
    if (j->flags_live) {
        st32i(j, ENV_OFF(cc_op), CC_OP_DSTF);
        st32(j, ENV_OFF(cc_dst), RSI);
        st32(j, ENV_OFF(cc_src1), RAX);
    }
    if (sp) {
        sp->resume = j->p;
    }
    j->cc_known = -1;
    return true;
}

/* SHL/SHR/SAR r32, CL: the count is known only at run time; a zero count
 * changes no flag, so the flags are recorded only for a non-zero one. */
static int shift_cl_op(const X86Insn *in)
{
    static const int ops[] = { 4, 5, 6, 7 };
    for (unsigned k = 0; k < CC_ARRAY_SIZE(ops); k++) {
        if (is_fn(in, x86_h_shift[ops[k]][2][MK_REG][1])) {
            return ops[k] == 6 ? 4 : ops[k];         /* SAL is SHL */
        }
    }
    return -1;
}

static bool emit_shift_cl(Jit *j, const X86Insn *in)
{
    int op = shift_cl_op(in);
    if (op < 0) {
        return false;
    }
    ldg(j, RCX, R_ECX);
    alu_ri(j, 4, RCX, 31);                           /* and ecx, 31 */
    ldg(j, RSI, in->rm);
    mov_rr(j, RDX, RSI);                             /* rdx = the operand, zero-extended */
    rex(j, false, 0, 0, RSI);
    e8(j, 0xd3); e8(j, 0xc0 | (op << 3) | (RSI & 7));    /* shl/shr/sar esi, cl */
    stg(j, in->rm, RSI);
    j->cc_known = -1;
    if (!j->flags_live) {
        return true;
    }
    e8(j, 0x85); e8(j, 0xc9);                        /* test ecx, ecx */
    uint8_t *zero = jcc32(j, HC_E);
    /* The flags as shift_calc gives them, from a 64-bit copy: CF is the
     * last bit shifted out, OF what the last 1-bit step would set. */
    if (op == 4) {
        e8(j, 0x48); e8(j, 0xd3); e8(j, 0xe2);       /* shl rdx, cl: CF = bit 32 */
        e8(j, 0x48); e8(j, 0x89); e8(j, 0xd0);       /* mov rax, rdx */
        e8(j, 0x48); e8(j, 0xc1); e8(j, 0xe8); e8(j, 32);   /* shr rax, 32 */
        alu_ri(j, 4, RAX, 1);
        mov_rr(j, RDX, RSI);
        e8(j, 0xc1); e8(j, 0xea); e8(j, 31);         /* shr edx, 31 */
        alu_rr(j, 6, RDX, RAX);                      /* OF = MSB(result) ^ CF */
    } else {
        if (op == 7) {
            e8(j, 0x48); e8(j, 0x63); e8(j, 0xd2);   /* movsxd rdx, edx */
        }
        e8(j, 0x48); e8(j, 0x01); e8(j, 0xd2);       /* add rdx, rdx */
        e8(j, 0x48); e8(j, 0xd3); e8(j, op == 7 ? 0xfa : 0xea);   /* sar/shr rdx, cl */
        mov_rr(j, RAX, RDX);
        alu_ri(j, 4, RAX, 1);                        /* CF = bit count-1 of a */
        if (op == 5) {
            /* OF = MSB of a >> (count - 1): bit 31 of rdx */
            e8(j, 0x48); e8(j, 0xc1); e8(j, 0xea); e8(j, 31);   /* shr rdx, 31 */
            alu_ri(j, 4, RDX, 1);
        } else {
            alu_rr(j, 6, RDX, RDX);                  /* SAR: OF = 0 */
        }
    }
    e8(j, 0xc1); e8(j, 0xe2); e8(j, 11);             /* shl edx, 11: OF */
    alu_rr(j, 1, RAX, RDX);
    st32i(j, ENV_OFF(cc_op), CC_OP_DSTF);
    st32(j, ENV_OFF(cc_dst), RSI);
    st32(j, ENV_OFF(cc_src1), RAX);
    patch32(j, zero, j->p);
    return true;
}

/* Make env->eflags hold every flag: out of line only when it does not. */
static void emit_materialize(Jit *j)
{
    op_mem(j, false, 0x83, 7, ENV, ENV_OFF(cc_op));  /* cmp dword cc_op, EFLAGS */
    e8(j, CC_OP_EFLAGS);
    uint8_t *done = jcc32(j, HC_E);
    op_rr(j, true, 0x89, ENV, RDI);
    call_abs(j, (const void *)x86_flags_materialize);
    patch32(j, done, j->p);
}

/* BT/BTS/BTR/BTC r/m32, imm8 (0F BA /4../7): CF = the bit, the other
 * flags kept (EFLAGS materialized, as bit_test does).  An immediate bit
 * offset stays within the operand. */
static bool emit_bt_imm(Jit *j, const X86Insn *in)
{
    if (!is_fn(in, x86_op_bt_i) || in->osz != 4 ||
        ((in->flags & IF_MEM) && !flat_operand(j, in))) {
        return false;
    }
    int op = in->imm2 & 3;                           /* BT BTS BTR BTC */
    unsigned bit = in->imm & 31;
    emit_materialize(j);                             /* first: a call */
    SlowPath *sp = NULL;
    if (!(in->flags & IF_MEM)) {
        ldg(j, RSI, in->rm);
    } else if (!op) {
        emit_ea(j, in, RAX);
        emit_load(j, in, 4, RSI);
    } else {
        /* in place through the write TLB; a miss runs the handler */
        emit_ea(j, in, RAX);
        sp = emit_tlb(j, in, 4, true);
        sp->kind = SLOW_INSN;
        op_mem(j, false, 0x8b, RSI, RDX, 0);        /* mov esi, [rdx] */
    }
    mov_rr(j, RDI, RSI);
    e8(j, 0xc1); e8(j, 0xef); e8(j, (uint8_t)bit);   /* shr edi, bit */
    alu_ri(j, 4, RDI, 1);                            /* edi = CF */
    if (op) {
        static const int alu[] = { 0, 1, 4, 6 };     /* -, or, and, xor */
        mov_ri(j, R8, op == 2 ? ~(1u << bit) : 1u << bit);
        alu_rr(j, alu[op], RSI, R8);
        if (sp) {
            op_mem(j, false, 0x89, RSI, RDX, 0);    /* mov [rdx], esi */
        }
    }
    op_mem(j, false, 0x83, 4, ENV, ENV_OFF(eflags)); /* and eflags, ~CF */
    e8(j, (uint8_t)~CC_C);
    op_mem(j, false, 0x09, RDI, ENV, ENV_OFF(eflags));   /* or eflags, edi */
    if (sp) {
        sp->resume = j->p;
    } else if (op) {
        stg(j, in->rm, RSI);
    }
    j->cc_known = -1;
    return true;
}

/* ROL/ROR r32, imm.  They change only CF and OF (SDM vol. 2B, ROL/ROR),
 * so with live flags EFLAGS is materialized first (out of line when the
 * lazy fields hold them) and CF/OF are set in it as the interpreter does
 * (shift_calc: OF as the last 1-bit step would set it). */
static bool emit_rotate(Jit *j, const X86Insn *in)
{
    int op;
    if (is_fn(in, x86_h_shift[0][2][MK_REG][0])) {
        op = 0;
    } else if (is_fn(in, x86_h_shift[1][2][MK_REG][0])) {
        op = 1;
    } else {
        return false;
    }
    unsigned c = in->imm & 31;
    if (!c) {
        return true;                                 /* no change, not even flags */
    }
    if (!j->flags_live) {
        rmwg(j, 0xc1, op, in->rm);                   /* rol/ror rm, c */
        e8(j, (uint8_t)c);
        return true;
    }
    emit_materialize(j);
    ldg(j, RSI, in->rm);
    rex(j, false, 0, 0, RSI);
    e8(j, 0xc1); e8(j, 0xc0 | (op << 3) | (RSI & 7)); e8(j, (uint8_t)c);   /* rol/ror esi, c */
    stg(j, in->rm, RSI);
    mov_rr(j, RCX, RSI);
    mov_rr(j, RDX, RSI);
    if (op == 0) {
        /* CF = bit 0, OF = bit 31 ^ CF */
        alu_ri(j, 4, RCX, 1);
        e8(j, 0xc1); e8(j, 0xea); e8(j, 31);         /* shr edx, 31 */
        alu_rr(j, 6, RDX, RCX);
    } else {
        /* CF = bit 31, OF = bit 31 ^ bit 30 */
        e8(j, 0xc1); e8(j, 0xe9); e8(j, 31);         /* shr ecx, 31 */
        alu_rr(j, 0, RDX, RDX);                      /* edx = r << 1 */
        alu_rr(j, 6, RDX, RSI);
        e8(j, 0xc1); e8(j, 0xea); e8(j, 31);         /* shr edx, 31 */
    }
    e8(j, 0xc1); e8(j, 0xe2); e8(j, 11);             /* shl edx, 11: OF */
    alu_rr(j, 1, RCX, RDX);
    op_mem(j, false, 0x81, 4, ENV, ENV_OFF(eflags)); /* and eflags, ~(CF|OF) */
    e32(j, ~(uint32_t)(CC_C | CC_O));
    op_mem(j, false, 0x09, RCX, ENV, ENV_OFF(eflags));   /* or eflags, ecx */
    j->cc_known = -1;
    return true;
}

/* Which INC/DEC form: *size, *dec, *mk (MK_REG, MK_FLAT, or MK_MEM with
 * 32-bit addressing); false if none. */
static bool incdec_form(const X86Insn *in, int *size, int *dec, int *mk)
{
    for (int sz = 0; sz < 3; sz++) {
        for (int d = 0; d < 2; d++) {
            const X86Handler *k = x86_h_unary[d][sz];
            *size = 1 << sz;
            *dec = d;
            if (is_fn(in, k[MK_REG])) {
                *mk = MK_REG;
                return true;
            }
            if (is_fn(in, k[MK_FLAT])) {
                *mk = MK_FLAT;
                return true;
            }
            if (is_fn(in, k[MK_MEM]) && !in->ashift) {
                *mk = MK_MEM;              /* through a segment: emit_rmw_tlb */
                return true;
            }
        }
    }
    return false;
}

/* edi = the CF INC/DEC keep (0 or 1).  Touches no guest register (its
 * branch arms load none). */
static void emit_kept_cf(Jit *j)
{
    emit_get_cf(j, RDI);
}

/* Flags of INC/DEC: esi = operand, edi = kept CF, r8 = result, both
 * sign-extended. */
static void emit_incdec_flags(Jit *j, int dec)
{
    st32(j, ENV_OFF(cc_src1), RSI);
    st32(j, ENV_OFF(cc_src2), RDI);
    st32(j, ENV_OFF(cc_dst), R8);
    st32i(j, ENV_OFF(cc_op), dec ? CC_OP_DEC : CC_OP_INC);
}

static bool emit_incdec(Jit *j, const X86Insn *in)
{
    int size, dec, mk;
    if (!incdec_form(in, &size, &dec, &mk)) {
        return false;
    }
    /* The flags INC/DEC write (all but CF) unread: none stored, and the
     * lazy fields keep describing the CF they leave as it was (cc_known
     * stays, but for a memory operand, whose slow path's handler stores
     * them). */
    bool live = j->rest_live;
    if (mk == MK_REG && size == 4 && !live) {
        /* add/sub r32, 1 in place */
        rmwg(j, 0x83, dec ? 5 : 0, in->rm);
        e8(j, 1);
        return true;
    }
    if (live) {
        emit_kept_cf(j);                             /* first: it may call out */
    }
    if (mk == MK_REG) {
        ldsx(j, RSI, in->rm, size);
        mov_rr(j, R8, RSI);
        alu_ri(j, dec ? 5 : 0, R8, 1);
        sext_rr(j, R8, size);
        stsz(j, in->rm, size, R8);
    } else {
        /* in place through the write TLB; a miss runs the whole
         * instruction through its handler (flags included) */
        SlowPath *sp = emit_rmw_tlb(j, in, size, mk);
        op_mem(j, false, size == 1 ? 0x0fbe : size == 2 ? 0x0fbf : 0x8b, RSI, RDX, 0);
        mov_rr(j, R8, RSI);
        alu_ri(j, dec ? 5 : 0, R8, 1);
        if (size == 2) {
            e8(j, 0x66);
        }
        op_mem(j, false, size == 1 ? 0x88 : 0x89, R8, RDX, 0);   /* mov [rdx], r8b/w/d */
        if (live) {
            sext_rr(j, R8, size);
            emit_incdec_flags(j, dec);
        }
        sp->resume = j->p;
        j->cc_known = live ? (dec ? CC_OP_DEC : CC_OP_INC) : -1;
        return true;
    }
    if (live) {
        emit_incdec_flags(j, dec);
        j->cc_known = dec ? CC_OP_DEC : CC_OP_INC;
    }
    return true;
}

/* NOT r32 (no flags) and NEG r32 (the flags of 0 - r). */
static bool emit_notneg(Jit *j, const X86Insn *in)
{
    bool neg;
    if (is_fn(in, x86_h_unary[2][2][MK_REG])) {
        neg = false;
    } else if (is_fn(in, x86_h_unary[3][2][MK_REG])) {
        neg = true;
    } else {
        return false;
    }
    if (!neg || !j->flags_live) {
        rmwg(j, 0xf7, neg ? 3 : 2, in->rm);          /* not/neg rm */
        if (neg) {
            j->cc_known = -1;
        }
        return true;
    }
    ldg(j, RDI, in->rm);
    alu_rr(j, 6, RSI, RSI);                          /* esi = 0 */
    emit_alu_core(j, 5, 4);                          /* r8 = 0 - edi, flags of SUB */
    stg(j, in->rm, R8);
    return true;
}

/* PUSH/POP on the flat 32-bit stack.  ESP changes only after the memory
 * access, so a fault there leaves it as it was. */
static void emit_esp_adjust(Jit *j, int8_t delta)
{
    rmwg(j, 0x83, 0, R_ESP);                         /* add esp, delta */
    e8(j, (uint8_t)delta);
}

/* Push the value in hreg (not RAX, RCX, RDX). */
static void emit_push_value(Jit *j, const X86Insn *in, int hreg)
{
    ldg(j, RAX, R_ESP);
    alu_ri(j, 5, RAX, 4);
    emit_store(j, in, 4, hreg);
    emit_esp_adjust(j, -4);
}

static bool emit_stack(Jit *j, const X86Insn *in)
{
    if (is_fn(in, x86_h_push_reg[2])) {
        int h = gh(j, in->rm);
        if (h < 0) {
            ldg(j, RSI, in->rm);
            h = RSI;
        }
        emit_push_value(j, in, h);
        return true;
    }
    if (is_fn(in, x86_h_push_imm[2])) {
        mov_ri(j, RSI, in->imm);
        emit_push_value(j, in, RSI);
        return true;
    }
    if (is_fn(in, x86_h_pop_reg[2])) {
        ldg(j, RAX, R_ESP);
        emit_load(j, in, 4, RSI);
        emit_esp_adjust(j, 4);
        stg(j, in->rm, RSI);                         /* POP ESP: the value wins */
        return true;
    }
    if (!(j->tb->hflags & HF_FLAT) || in->osz != 4) {
        return false;                                /* below: the flat 32-bit stack */
    }
    if (is_fn(in, x86_op_push_rm) &&
        (!(in->flags & IF_MEM) || flat_operand(j, in))) {
        /* PUSH r/m32: the operand is read with ESP as it was */
        if (in->flags & IF_MEM) {
            emit_ea(j, in, RAX);
            emit_load(j, in, 4, RSI);
        } else {
            ldg(j, RSI, in->rm);
        }
        emit_push_value(j, in, RSI);
        return true;
    }
    if (is_fn(in, x86_op_leave)) {
        /* LEAVE: EBP = [EBP], ESP = EBP + 4; nothing changes if the
         * load faults */
        ldg(j, RAX, R_EBP);
        emit_load(j, in, 4, RSI);
        ldg(j, RDI, R_EBP);                          /* the slow path reuses RAX */
        alu_ri(j, 0, RDI, 4);
        stg(j, R_ESP, RDI);
        stg(j, R_EBP, RSI);
        return true;
    }
    return false;
}

/* ---- multiplication, division, exchanges, double shifts ---- */

/* The 8 bytes of padding at the bottom of the frame (emit_prologue): a
 * value kept across a call out, which clobbers every scratch register. */
static void spill_esi(Jit *j)
{
    e8(j, 0x89); e8(j, 0x34); e8(j, 0x24);           /* mov [rsp], esi */
}

static void unspill(Jit *j, int hreg)
{
    rex(j, false, hreg, 0, 0);
    e8(j, 0x8b); e8(j, 0x04 | ((hreg & 7) << 3)); e8(j, 0x24);   /* mov hreg, [rsp] */
}

/* A 32-bit r/m source operand of a register or of flat memory into hreg
 * (RSI, RDI or R8); false when the operand is in another segment. */
static bool rm32_ok(Jit *j, const X86Insn *in)
{
    return in->osz == 4 && (!(in->flags & IF_MEM) || flat_operand(j, in));
}

static void emit_rm32_load(Jit *j, const X86Insn *in, int hreg)
{
    if (in->flags & IF_MEM) {
        emit_ea(j, in, RAX);
        emit_load(j, in, 4, hreg);
    } else {
        ldg(j, hreg, in->rm);
    }
}

/* ecx = CF|OF (0x801) when the host's CF is set, else 0 */
static void emit_cfof_from_host(Jit *j)
{
    e8(j, 0x0f); e8(j, 0x92); e8(j, 0xc1);            /* setb cl */
    op_rr(j, false, 0x0fb6, RCX, RCX);               /* movzx ecx, cl */
    rex(j, false, RCX, 0, RCX);
    e8(j, 0x69); e8(j, 0xc9); e32(j, CC_C | CC_O);    /* imul ecx, ecx, 0x801 */
}

/* MUL, IMUL and DIV r/m32 (F7 /4, /5, /6) on EDX:EAX.  MUL and IMUL set
 * CF = OF when the high half is significant (the host's multiply says
 * so the same way), ZF/SF/PF from the low half as x86_op_mul does.  DIV
 * changes no flag; a zero divisor or a quotient beyond 32 bits (EDX >=
 * the divisor) runs the handler, which raises #DE for this instruction. */
static bool emit_muldiv(Jit *j, const X86Insn *in)
{
    int digit;
    if (is_fn(in, x86_op_mul)) {
        digit = 4;
    } else if (is_fn(in, x86_op_imul1)) {
        digit = 5;
    } else if (is_fn(in, x86_op_div)) {
        digit = 6;
    } else {
        return false;
    }
    if (!rm32_ok(j, in)) {
        return false;
    }
    emit_rm32_load(j, in, RDI);
    ldg(j, RAX, R_EAX);
    if (digit == 6) {
        ldg(j, RDX, R_EDX);
        /* the registers the fault path reads must be in env as they are */
        gh(j, R_EAX);
        gh(j, R_EDX);
        e8(j, 0x85); e8(j, 0xff);                    /* test edi, edi */
        uint8_t *zero = jcc32(j, HC_E);
        alu_rr(j, 7, RDX, RDI);                      /* cmp edx, edi */
        uint8_t *big = jcc32(j, HC_AE);
        uint8_t *go = jmp32(j);
        patch32(j, zero, j->p);
        patch32(j, big, j->p);
        emit_writeback(j, j->dirty);
        set_cur(j, in);
        emit_handler_call(j, in);                    /* raises #DE */
        patch32(j, jmp32(j), j->exit_stop);
        patch32(j, go, j->p);
    }
    rex(j, false, 0, 0, RDI);
    e8(j, 0xf7); e8(j, 0xc0 | (digit << 3) | (RDI & 7));   /* mul/imul/div edi */
    if (digit != 6) {
        emit_cfof_from_host(j);
    }
    stg(j, R_EAX, RAX);
    stg(j, R_EDX, RDX);
    if (digit != 6) {
        st32i(j, ENV_OFF(cc_op), CC_OP_DSTF);
        st32(j, ENV_OFF(cc_dst), RAX);
        st32(j, ENV_OFF(cc_src1), RCX);
        j->cc_known = -1;
    }
    return true;
}

/* XCHG r32, r/m32 (flat memory in place through the write TLB; a miss
 * runs the handler, whose register write the slow path reloads). */
static bool emit_xchg(Jit *j, const X86Insn *in)
{
    if (!is_fn(in, x86_op_xchg) || !rm32_ok(j, in)) {
        return false;
    }
    if (!(in->flags & IF_MEM)) {
        ldg(j, RSI, in->reg);
        ldg(j, RDI, in->rm);
        stg(j, in->rm, RSI);
        stg(j, in->reg, RDI);
        return true;
    }
    ldg(j, RSI, in->reg);
    gh(j, in->reg);                                  /* loaded before the slow path's skip */
    emit_ea(j, in, RAX);
    SlowPath *sp = emit_tlb(j, in, 4, true);
    sp->kind = SLOW_INSN;
    sp->reload = (uint8_t)(1u << in->reg);
    op_mem(j, false, 0x8b, RDI, RDX, 0);             /* mov edi, [rdx] */
    op_mem(j, false, 0x89, RSI, RDX, 0);             /* mov [rdx], esi */
    stg(j, in->reg, RDI);
    sp->resume = j->p;
    return true;
}

/* CMPXCHG r/m32, r32: the flags of CMP EAX, dest; dest = src when equal,
 * else EAX = dest (EAX = dest holds in both cases, first, so that a
 * destination that is EAX ends as the source).  Memory is always
 * written, as the handler does. */
static bool emit_cmpxchg(Jit *j, const X86Insn *in)
{
    if (!is_fn(in, x86_op_cmpxchg) || !rm32_ok(j, in)) {
        return false;
    }
    ldg(j, R9, in->reg);                             /* the source */
    SlowPath *sp = NULL;
    if (in->flags & IF_MEM) {
        gh(j, R_EAX);                                /* loaded before the skip */
        emit_ea(j, in, RAX);
        sp = emit_tlb(j, in, 4, true);
        sp->kind = SLOW_INSN;
        sp->reload = 1u << R_EAX;
        op_mem(j, false, 0x8b, RDI, RDX, 0);         /* mov edi, [rdx] */
    } else {
        ldg(j, RDI, in->rm);
    }
    ldg(j, RSI, R_EAX);
    mov_rr(j, R10, RDI);
    alu_rr(j, 7, RSI, RDI);                          /* cmp eax, dest */
    op_rr(j, false, 0x0f44, R10, R9);                /* cmove r10d, r9d */
    if (sp) {
        op_mem(j, false, 0x89, R10, RDX, 0);         /* mov [rdx], r10d */
    }
    stg(j, R_EAX, RDI);
    if (!sp) {
        stg(j, in->rm, R10);
    }
    mov_rr(j, R8, RSI);
    alu_rr(j, 5, R8, RDI);                           /* r8 = eax - dest */
    bool live = j->flags_live;
    j->flags_live = true;                            /* the slow path's handler sets them */
    emit_flags(j, CC_OP_SUB);
    j->flags_live = live;
    if (sp) {
        sp->resume = j->p;
    }
    return true;
}

/* SHLD/SHRD r/m32, r32, imm8/CL (0F A4/A5/AC/AD): the host's double
 * shift gives the result and CF; OF as x86_op_shxd has it (the MSB
 * changed).  A zero count changes nothing, not even the flags; by an
 * immediate zero on memory (which still checks the access) the handler
 * runs. */
static bool emit_shxd(Jit *j, const X86Insn *in)
{
    if (!is_fn(in, x86_op_shxd) || !rm32_ok(j, in)) {
        return false;
    }
    bool right = in->opc >= 0xac, by_cl = in->opc & 1;
    unsigned c = in->imm & 31;
    if (!by_cl && !c) {
        if (in->flags & IF_MEM) {
            return false;
        }
        return true;
    }
    if (by_cl) {
        ldg(j, RCX, R_ECX);
        alu_ri(j, 4, RCX, 31);                       /* and ecx, 31 */
    }
    ldg(j, RDI, in->reg);
    SlowPath *sp = NULL;
    if (in->flags & IF_MEM) {
        mov_rr(j, R9, RCX);                          /* emit_tlb clobbers RCX */
        emit_ea(j, in, RAX);
        sp = emit_tlb(j, in, 4, true);
        sp->kind = SLOW_INSN;
        mov_rr(j, RCX, R9);
        op_mem(j, false, 0x8b, RSI, RDX, 0);         /* mov esi, [rdx] */
    } else {
        ldg(j, RSI, in->rm);
    }
    uint8_t *zero = NULL;
    if (by_cl) {
        e8(j, 0x85); e8(j, 0xc9);                    /* test ecx, ecx */
        zero = jcc32(j, HC_E);
    }
    mov_rr(j, R8, RSI);                              /* the operand before */
    /* shld/shrd esi, edi, imm8 / cl */
    op_rr(j, false, (right ? 0x0fac : 0x0fa4) | by_cl, RDI, RSI);
    if (!by_cl) {
        e8(j, (uint8_t)c);
    }
    e8(j, 0x0f); e8(j, 0x92); e8(j, 0xc0);           /* setb al */
    op_rr(j, false, 0x0fb6, RAX, RAX);               /* movzx eax, al: CF */
    alu_rr(j, 6, R8, RSI);                           /* the bits changed */
    e8(j, 0x41); e8(j, 0xc1); e8(j, 0xe8); e8(j, 31);   /* shr r8d, 31 */
    e8(j, 0x41); e8(j, 0xc1); e8(j, 0xe0); e8(j, 11);   /* shl r8d, 11: OF */
    alu_rr(j, 1, RAX, R8);
    if (sp) {
        op_mem(j, false, 0x89, RSI, RDX, 0);         /* mov [rdx], esi */
    } else {
        stg(j, in->rm, RSI);
    }
    st32i(j, ENV_OFF(cc_op), CC_OP_DSTF);
    st32(j, ENV_OFF(cc_dst), RSI);
    st32(j, ENV_OFF(cc_src1), RAX);
    if (zero) {
        patch32(j, zero, j->p);
    }
    if (sp) {
        sp->resume = j->p;
    }
    j->cc_known = -1;
    return true;
}

/* PUSHFD on the flat 32-bit stack outside virtual-8086 mode (where IOPL
 * would matter): EFLAGS materialized (a call out only when the lazy
 * fields hold the flags), the image without VM and RF as x86_op_pushf
 * pushes it. */
static bool emit_pushf(Jit *j, const X86Insn *in)
{
    if (!is_fn(in, x86_op_pushf) || in->osz != 4 || !(j->tb->hflags & HF_FLAT) ||
        (j->tb->hflags & HF_VM)) {
        return false;
    }
    emit_materialize(j);
    ld32(j, RSI, ENV_OFF(eflags));
    alu_ri(j, 4, RSI, ~(uint32_t)(VM_MASK | RF_MASK));
    emit_push_value(j, in, RSI);
    j->cc_known = -1;
    return true;
}

/* Guest register r += the step of a string instruction of `size` bytes:
 * +size, or -size when EFLAGS.DF is set (DF is always in env->eflags). */
static void emit_str_step(Jit *j, int r, int size)
{
    ld32(j, RCX, ENV_OFF(eflags));
    e8(j, 0xc1); e8(j, 0xe9); e8(j, 10);             /* shr ecx, 10: DF */
    alu_ri(j, 4, RCX, 1);
    rex(j, false, 0, 0, RCX);
    e8(j, 0xf7); e8(j, 0xd9);                        /* neg ecx: 0 or -1 */
    alu_ri(j, 4, RCX, (uint32_t)(-2 * size));        /* 0 or -2 * size */
    alu_ri(j, 0, RCX, (uint32_t)size);               /* +size or -size */
    rmwg(j, 0x01, RCX, r);                           /* add r, ecx */
}

/* Single (not REP) MOVS, STOS and LODS with 32-bit addressing of flat
 * segments: the element through the TLB fast path, then ESI/EDI stepped
 * by DF (a fault leaves them as they were). */
static bool emit_string(Jit *j, const X86Insn *in)
{
    bool movs = is_fn(in, x86_op_movs), stos = is_fn(in, x86_op_stos),
         lods = is_fn(in, x86_op_lods);
    if ((!movs && !stos && !lods) || (in->flags & (IF_REP | IF_REPNE)) ||
        !(in->flags & IF_ASZ32) || !(j->tb->hflags & HF_FLAT) ||
        (!stos && in->seg != R_DS && in->seg != R_ES && in->seg != R_SS)) {
        return false;
    }
    int size = in->osz;
    if (!stos) {
        ldg(j, RAX, R_ESI);
        emit_load(j, in, size, RSI);
    } else if (size == 1) {
        ldb(j, RSI, 0);
    } else {
        ldg(j, RSI, R_EAX);
    }
    if (lods) {
        stsz(j, size == 1 ? 0 : R_EAX, size, RSI);
        emit_str_step(j, R_ESI, size);
        return true;
    }
    ldg(j, RAX, R_EDI);
    emit_store(j, in, size, RSI);
    if (movs) {
        emit_str_step(j, R_ESI, size);
    }
    emit_str_step(j, R_EDI, size);
    return true;
}

/* NOP (90, 0F 1F /0): nothing.  PAUSE (F3 90) is another handler. */
static bool emit_nop(Jit *j, const X86Insn *in)
{
    (void)j;
    return is_fn(in, x86_op_nop);
}

/* ---- control transfers (the block's last instruction) ---- */

/* A branch target beyond CS's limit raises #GP on the branch: leave those
 * to the interpreter.  Compiled blocks run only under the CS they were
 * compiled for (x86_jit_compile records the limit it assumed). */
static bool target_ok(Jit *j, uint32_t target)
{
    return target <= j->cs_limit;
}

/* Evaluate a condition into the host flags and return the host condition
 * for "taken", or -1 if it must ask the C side. */
static int emit_cond(Jit *j, int cond)
{
    int base = cond & ~1, neg = cond & 1;
    int hc = -1;
    switch (j->cc_known) {
    case CC_OP_SUB:
        switch (base) {
        case CC_COND_Z: hc = HC_E; break;
        case CC_COND_S: hc = HC_S; break;
        case CC_COND_B: hc = HC_B; break;
        case CC_COND_BE: hc = HC_BE; break;
        case CC_COND_L: hc = HC_L; break;
        case CC_COND_LE: hc = HC_LE; break;
        default: break;
        }
        if (hc >= 0) {
            if (base == CC_COND_Z || base == CC_COND_S) {
                ld32(j, RSI, ENV_OFF(cc_dst));
                op_rr(j, false, 0x85, RSI, RSI);     /* test esi, esi */
            } else {
                ld32(j, RSI, ENV_OFF(cc_src1));
                op_mem(j, false, 0x3b, RSI, ENV, ENV_OFF(cc_src2));
            }
        }
        break;
    case CC_OP_LOGIC:
    case CC_OP_ADD:
    case CC_OP_INC:
    case CC_OP_DEC:
        if (base == CC_COND_Z || base == CC_COND_S ||
            (j->cc_known == CC_OP_LOGIC && (base == CC_COND_LE || base == CC_COND_L))) {
            ld32(j, RSI, ENV_OFF(cc_dst));
            op_rr(j, false, 0x85, RSI, RSI);
            hc = base == CC_COND_Z ? HC_E : base == CC_COND_S ? HC_S :
                 base == CC_COND_LE ? HC_LE : HC_L;
        }
        break;
    default:
        break;
    }
    if (hc < 0) {
        return -1;
    }
    return hc ^ neg;
}

static bool jit_cond_helper(CPUX86State *env, int cond)
{
    return x86_cond(env, cond);
}

/*
 * A condition whose producer is not known at translation time (it ran in
 * an earlier block or an interpreted instruction): dispatch on cc_op at
 * run time for the common cases, as x86_cond evaluates them (a SUB/CMP
 * producer; ZF/SF from cc_dst for every lazy producer; the flags already
 * in EFLAGS), and ask the C side for the rest.  Emits jumps to "taken"
 * (taken[]) and "not taken" (skip[]); at most 3 of each.
 */
static void emit_cond_dyn(Jit *j, int cond, uint8_t **taken, int *nt, uint8_t **skip, int *ns)
{
    int base = cond & ~1, neg = cond & 1;
    uint8_t *helper[2] = { NULL, NULL };
    int nh = 0;
    /* EFLAGS: the conditions on one flag or an OR of flags */
    uint32_t mask = base == CC_COND_O ? CC_O : base == CC_COND_B ? CC_C :
                    base == CC_COND_Z ? CC_Z : base == CC_COND_BE ? (CC_C | CC_Z) :
                    base == CC_COND_S ? CC_S : base == CC_COND_P ? CC_P : 0;
    ld32(j, RAX, ENV_OFF(cc_op));
    if (base == CC_COND_Z || base == CC_COND_S) {
        alu_ri(j, 7, RAX, CC_OP_EFLAGS);
        uint8_t *eflags = jcc32(j, HC_E);
        ld32(j, RSI, ENV_OFF(cc_dst));
        op_rr(j, false, 0x85, RSI, RSI);             /* test esi, esi */
        taken[(*nt)++] = jcc32(j, (base == CC_COND_Z ? HC_E : HC_S) ^ neg);
        skip[(*ns)++] = jmp32(j);
        patch32(j, eflags, j->p);
    } else if (base == CC_COND_B || base == CC_COND_BE || base == CC_COND_L ||
               base == CC_COND_LE) {
        alu_ri(j, 7, RAX, CC_OP_SUB);
        helper[nh++] = jcc32(j, HC_NE);
        ld32(j, RSI, ENV_OFF(cc_src1));
        op_mem(j, false, 0x3b, RSI, ENV, ENV_OFF(cc_src2));   /* cmp src1, src2 */
        int hc = base == CC_COND_B ? HC_B : base == CC_COND_BE ? HC_BE :
                 base == CC_COND_L ? HC_L : HC_LE;
        taken[(*nt)++] = jcc32(j, hc ^ neg);
        skip[(*ns)++] = jmp32(j);
    }
    if (mask && (base == CC_COND_Z || base == CC_COND_S)) {
        /* here cc_op is CC_OP_EFLAGS */
        op_mem(j, false, 0xf7, 0, ENV, ENV_OFF(eflags));     /* test eflags, mask */
        e32(j, mask);
        taken[(*nt)++] = jcc32(j, HC_NE ^ neg);
        skip[(*ns)++] = jmp32(j);
    } else if (mask) {
        for (int k = 0; k < nh; k++) {
            patch32(j, helper[k], j->p);
        }
        nh = 0;
        alu_ri(j, 7, RAX, CC_OP_EFLAGS);
        helper[nh++] = jcc32(j, HC_NE);
        op_mem(j, false, 0xf7, 0, ENV, ENV_OFF(eflags));
        e32(j, mask);
        taken[(*nt)++] = jcc32(j, HC_NE ^ neg);
        skip[(*ns)++] = jmp32(j);
    }
    for (int k = 0; k < nh; k++) {
        patch32(j, helper[k], j->p);
    }
    if (base != CC_COND_Z && base != CC_COND_S) {
        op_rr(j, true, 0x89, ENV, RDI);
        mov_ri(j, RSI, cond);
        call_abs(j, (const void *)jit_cond_helper);
        e8(j, 0x84); e8(j, 0xc0);                    /* test al, al */
        skip[(*ns)++] = jcc32(j, HC_E);
        taken[(*nt)++] = jmp32(j);
    }
}

/* eax = condition cond (0 or 1) of the flags so far: one host compare
 * when the producer is known, else the run-time dispatch of Jcc.  Its
 * branch arms load no guest register. */
static void emit_cond_value(Jit *j, int cond)
{
    int hc = emit_cond(j, cond);
    if (hc >= 0) {
        e8(j, 0x0f); e8(j, 0x90 | hc); e8(j, 0xc0);  /* setcc al */
        op_rr(j, false, 0x0fb6, RAX, RAX);           /* movzx eax, al */
        return;
    }
    uint8_t *taken[4], *skip[4];
    int nt = 0, ns = 0;
    emit_cond_dyn(j, cond, taken, &nt, skip, &ns);
    for (int k = 0; k < nt; k++) {
        patch32(j, taken[k], j->p);
    }
    mov_ri(j, RAX, 1);
    uint8_t *join = jmp32(j);
    for (int k = 0; k < ns; k++) {
        patch32(j, skip[k], j->p);
    }
    mov_ri(j, RAX, 0);
    patch32(j, join, j->p);
}

/* SETcc r/m8 (register or flat memory), CMOVcc r32, r32: *cond, and
 * whether it is SETcc; false if none. */
static bool cc_use_form(const X86Insn *in, int *cond, bool *set)
{
    for (int c = 0; c < 16; c++) {
        *cond = c;
        *set = true;
        if (is_fn(in, x86_h_setcc[c][MK_REG]) || is_fn(in, x86_h_setcc[c][MK_FLAT])) {
            return true;
        }
        *set = false;
        if (is_fn(in, x86_h_cmov[c][1][MK_REG]) || is_fn(in, x86_h_cmov[c][1][MK_FLAT])) {
            return true;
        }
    }
    return false;
}

static bool emit_cc_use(Jit *j, const X86Insn *in)
{
    int cond;
    bool set;
    if (!cc_use_form(in, &cond, &set)) {
        return false;
    }
    if (!set && (in->flags & IF_MEM)) {
        /* CMOVcc r32, [m]: the source is read whatever the condition (a
         * fault comes first), and kept across the condition's call out */
        emit_ea(j, in, RAX);
        emit_load(j, in, 4, RSI);
        spill_esi(j);
        emit_cond_value(j, cond);
        unspill(j, RSI);
        ldg(j, RDI, in->reg);
        e8(j, 0x85); e8(j, 0xc0);                    /* test eax, eax */
        op_rr(j, false, 0x0f45, RDI, RSI);           /* cmovne edi, esi */
        stg(j, in->reg, RDI);
        return true;
    }
    emit_cond_value(j, cond);
    if (set && (in->flags & IF_MEM)) {
        mov_rr(j, RSI, RAX);
        emit_ea(j, in, RAX);
        emit_store(j, in, 1, RSI);
    } else if (set) {
        stb(j, in->rm, RAX);
    } else {
        ldg(j, RSI, in->rm);
        ldg(j, RDI, in->reg);
        e8(j, 0x85); e8(j, 0xc0);                    /* test eax, eax */
        op_rr(j, false, 0x0f45, RDI, RSI);           /* cmovne edi, esi */
        stg(j, in->reg, RDI);
    }
    return true;
}

#define CS_OFF(field) ((int32_t)(offsetof(CPUX86State, segs) + R_CS * sizeof(SegmentCache) + \
                                   offsetof(SegmentCache, field)))

/* Continue straight into the compiled block whose X86TB is in RAX when it
 * is valid, compiled for this CS, no request is pending and the budgets
 * allow (what x86_jit_next checks); every failing check jumps to a
 * location recorded in fails[] for the caller to patch. */
static void emit_enter(Jit *j, uint8_t **fails, int *nf)
{
    op_mem(j, false, 0x80, 7, RAX, (int32_t)offsetof(X86TB, valid));
    e8(j, 0);
    fails[(*nf)++] = jcc32(j, HC_E);
    op_mem(j, true, 0x8b, RCX, RAX, (int32_t)offsetof(X86TB, host_code));
    e8(j, 0x48); e8(j, 0x85); e8(j, 0xc9);           /* test rcx, rcx */
    fails[(*nf)++] = jcc32(j, HC_E);
    op_mem(j, false, 0x83, 7, ENV, j->exit_req_off); /* cmp dword exit_request, 0 */
    e8(j, 0);
    fails[(*nf)++] = jcc32(j, HC_NE);
    /* a store of this block into its own code ends the run here */
    op_mem(j, false, 0x80, 7, ENV, ENV_OFF(smc_hit));
    e8(j, 0);
    fails[(*nf)++] = jcc32(j, HC_NE);
    /* -d exec/-d cpu/jit-verify set the budget to 0: every block through
     * the loop */
    op_mem(j, false, 0x83, 7, ENV, ENV_OFF(chain_budget));
    e8(j, 0);
    fails[(*nf)++] = jcc32(j, HC_LE);
    op_mem(j, false, 0x8b, RDX, RAX, (int32_t)offsetof(X86TB, jit_cs_limit));
    op_mem(j, false, 0x3b, RDX, ENV, CS_OFF(limit));
    fails[(*nf)++] = jcc32(j, HC_NE);
    /* budget: insns_base + this block + the next <= exec_limit */
    op_mem(j, false, 0x0fb7, RDX, RAX, (int32_t)offsetof(X86TB, ninsns));
    op_mem(j, true, 0x03, RDX, ENV, ENV_OFF(insns_base));
    e8(j, 0x48); e8(j, 0x81); e8(j, 0xc2); e32(j, j->tb->ninsns);   /* add rdx, n */
    op_mem(j, true, 0x3b, RDX, ENV, ENV_OFF(exec_limit));
    fails[(*nf)++] = jcc32(j, HC_A);
    /* commit: count this block, switch to the next */
    op_mem(j, true, 0x8b, RDX, ENV, ENV_OFF(insns_base));
    e8(j, 0x48); e8(j, 0x81); e8(j, 0xc2); e32(j, j->tb->ninsns);
    st64(j, ENV_OFF(insns_base), RDX);
    st64(j, ENV_OFF(cur_tb), RAX);
    /* into the body: the frame and env in RBX stay as they are */
    rex(j, true, 0, 0, RCX);
    e8(j, 0x83); e8(j, 0xc1); e8(j, JIT_BODY_OFF);   /* add rcx, JIT_BODY_OFF */
    e8(j, 0xff); e8(j, 0xe1);                        /* jmp rcx */
}

/*
 * The jump-cache probe of x86_jmp_cache_lookup, inline: RAX = the block
 * for CS.base + env->eip in env->jmp_cache when its key matches (pc,
 * CS base, hflags); a miss jumps to a location recorded in fails[].  The
 * jump cache is emptied with the TLB, so a hit is a block whose pages are
 * mapped as they were when it was translated: safe to enter from any page.
 */
static void emit_jmp_cache_probe(Jit *j, uint8_t **fails, int *nf)
{
    ld32(j, RDX, CS_OFF(base));
    op_mem(j, false, 0x03, RDX, ENV, ENV_OFF(eip));  /* edx = pc */
    e8(j, 0x69); e8(j, 0xca); e32(j, X86_JMP_CACHE_MUL);   /* imul ecx, edx, MUL */
    e8(j, 0xc1); e8(j, 0xe9); e8(j, 32 - X86_JMP_CACHE_BITS); /* shr ecx, 32 - BITS */
    /* mov rax, [rbx + rcx * 8 + jmp_cache] */
    e8(j, 0x48); e8(j, 0x8b); e8(j, 0x84); e8(j, 0xcb); e32(j, (uint32_t)ENV_OFF(jmp_cache));
    e8(j, 0x48); e8(j, 0x85); e8(j, 0xc0);           /* test rax, rax */
    fails[(*nf)++] = jcc32(j, HC_E);
    op_mem(j, false, 0x3b, RDX, RAX, (int32_t)offsetof(X86TB, pc));
    fails[(*nf)++] = jcc32(j, HC_NE);
    ld32(j, RCX, CS_OFF(base));
    op_mem(j, false, 0x3b, RCX, RAX, (int32_t)offsetof(X86TB, cs_base));
    fails[(*nf)++] = jcc32(j, HC_NE);
    ld32(j, RCX, ENV_OFF(hflags));
    op_mem(j, false, 0x3b, RCX, RAX, (int32_t)offsetof(X86TB, hflags));
    fails[(*nf)++] = jcc32(j, HC_NE);
}

/* The taken branch of a block to its own start (a loop in one block):
 * when the block may run again (what emit_enter checks of a successor;
 * the same block needs no check of its host code or CS limit, which
 * nothing inside it changes), count it and continue at loop_head with
 * the guest registers still in their host registers (dirty ones written
 * back, those not loaded loaded: the state the loop head assumes).
 * Otherwise fall through to the ordinary exit that follows. */
static void emit_chain_exit(Jit *j, int slot);

static void emit_self_loop(Jit *j)
{
    const X86TB *tb = j->tb;
    uint8_t *fails[8];
    int nf = 0;
    mov_ri64(j, RAX, (uintptr_t)tb);
    op_mem(j, false, 0x80, 7, RAX, (int32_t)offsetof(X86TB, valid));
    e8(j, 0);
    fails[nf++] = jcc32(j, HC_E);
    op_mem(j, false, 0x83, 7, ENV, j->exit_req_off); /* cmp dword exit_request, 0 */
    e8(j, 0);
    fails[nf++] = jcc32(j, HC_NE);
    op_mem(j, false, 0x80, 7, ENV, ENV_OFF(smc_hit));
    e8(j, 0);
    fails[nf++] = jcc32(j, HC_NE);
    op_mem(j, false, 0x83, 7, ENV, ENV_OFF(chain_budget));
    e8(j, 0);
    fails[nf++] = jcc32(j, HC_LE);
    /* budget: insns_base + this block twice <= exec_limit */
    op_mem(j, true, 0x8b, RDX, ENV, ENV_OFF(insns_base));
    e8(j, 0x48); e8(j, 0x81); e8(j, 0xc2); e32(j, 2u * tb->ninsns);   /* add rdx, 2n */
    op_mem(j, true, 0x3b, RDX, ENV, ENV_OFF(exec_limit));
    fails[nf++] = jcc32(j, HC_A);
    e8(j, 0x48); e8(j, 0x81); e8(j, 0xea); e32(j, tb->ninsns);        /* sub rdx, n */
    st64(j, ENV_OFF(insns_base), RDX);
    emit_writeback(j, j->dirty);
    for (int r = 0; r < 8; r++) {
        if (j->hreg_of[r] >= 0 && !(j->loaded & (1u << r))) {
            ld32(j, j->hreg_of[r], REG_OFF(r));
        }
    }
    patch32(j, jmp32(j), j->loop_head);
    for (int k = 0; k < nf; k++) {
        patch32(j, fails[k], j->p);
    }
}

/* A taken direct branch to target: to the block's own start without
 * leaving it when it may (emit_self_loop), else by chain slot EXIT_TAKEN. */
static void emit_taken_exit(Jit *j, uint32_t target)
{
    if (j->loop_head && target == j->tb->insns[0].eip) {
        emit_self_loop(j);
    }
    st32i(j, ENV_OFF(eip), target);
    emit_chain_exit(j, EXIT_TAKEN);
}

/* The block is done and leaves by chain slot `slot` (env->eip stored):
 * continue straight into the chained block's host code when it exists,
 * or else into the block the jump cache has for the new EIP (a block on
 * another page, never chained), when it may run; otherwise return to the
 * loop, saying which slot was taken. */
static void emit_chain_exit(Jit *j, int slot)
{
    const X86TB *tb = j->tb;
    uint8_t *fails[24];
    int nf = 0;
    emit_writeback(j, j->dirty);
    mov_ri64(j, RAX, (uintptr_t)&tb->jmp[slot]);
    op_mem(j, true, 0x8b, RAX, RAX, 0);              /* rax = tb->jmp[slot] */
    e8(j, 0x48); e8(j, 0x85); e8(j, 0xc0);           /* test rax, rax */
    uint8_t *chained = jcc32(j, HC_NE);
    emit_jmp_cache_probe(j, fails, &nf);
    patch32(j, chained, j->p);
    emit_enter(j, fails, &nf);
    for (int k = 0; k < nf; k++) {
        patch32(j, fails[k], j->p);
    }
    st32i(j, ENV_OFF(exit_slot), (uint32_t)slot);
    set_cur(j, &tb->insns[tb->ninsns - 1]);
    emit_epilogue(j);
    e8(j, 0xc3);                                     /* ret */
}

/* The block is done and left by an indirect transfer or an interpreted
 * instruction (env->eip and env->exit_slot set): the next block comes from
 * the jump cache, probed inline, for a near indirect transfer
 * (`indirect`: known to be one at translation time), else from
 * x86_jit_next. */
static void emit_dyn_exit(Jit *j, bool indirect)
{
    emit_writeback(j, j->dirty);
    set_cur(j, &j->tb->insns[j->tb->ninsns - 1]);
    {
        uint8_t *fails[24];
        int nf = 0;
        if (!indirect) {
            /* an interpreted last instruction: a near indirect transfer
             * says so in exit_slot */
            op_mem(j, false, 0x83, 7, ENV, ENV_OFF(exit_slot));
            e8(j, (uint8_t)EXIT_INDIRECT);
            fails[nf++] = jcc32(j, HC_NE);
        }
        emit_jmp_cache_probe(j, fails, &nf);
        emit_enter(j, fails, &nf);
        for (int k = 0; k < nf; k++) {
            patch32(j, fails[k], j->p);
        }
    }
    op_rr(j, true, 0x89, ENV, RDI);                  /* mov rdi, rbx */
    call_abs(j, (const void *)x86_jit_next);
    e8(j, 0x48); e8(j, 0x85); e8(j, 0xc0);           /* test rax, rax */
    patch32(j, jcc32(j, HC_E), j->exit_stop);
    rex(j, true, 0, 0, RAX);
    e8(j, 0x83); e8(j, 0xc0); e8(j, JIT_BODY_OFF);   /* add rax, JIT_BODY_OFF */
    e8(j, 0xff); e8(j, 0xe0);                        /* jmp rax */
}

/* Which Jcc rel (its condition), or -1. */
static int jcc_cond(const X86Insn *in)
{
    for (int c = 0; c < 16; c++) {
        if (is_fn(in, x86_h_jcc[c])) {
            return c;
        }
    }
    return -1;
}

static bool emit_jcc(Jit *j, const X86Insn *in)
{
    int cond = jcc_cond(in);
    if (cond < 0 || !target_ok(j, in->imm)) {
        return false;
    }
    int hc = emit_cond(j, cond);
    uint8_t *skip[4], *taken[4];
    int ns = 0, nt = 0;
    if (hc >= 0) {
        skip[ns++] = jcc32(j, hc ^ 1);              /* not taken: skip */
    } else {
        emit_cond_dyn(j, cond, taken, &nt, skip, &ns);
    }
    for (int k = 0; k < nt; k++) {
        patch32(j, taken[k], j->p);
    }
    emit_taken_exit(j, in->imm);
    for (int k = 0; k < ns; k++) {
        patch32(j, skip[k], j->p);
    }
    st32i(j, ENV_OFF(eip), j->tb->next_eip);
    emit_chain_exit(j, EXIT_NEXT);
    j->exits_done = true;
    return true;
}

/* The end of a near indirect transfer whose target is in ESI and was
 * found within CS's limit (else `bad` jumps here with the registers in
 * `dirty_at_bad` not yet written back): EIP = target, then on through the
 * jump cache.  Out of the limit, the interpreter's handler raises #GP. */
static void emit_indirect_exit(Jit *j, const X86Insn *in, uint8_t *bad, uint8_t dirty_at_bad)
{
    st32(j, ENV_OFF(eip), RSI);
    st32i(j, ENV_OFF(exit_slot), (uint32_t)EXIT_INDIRECT);
    emit_dyn_exit(j, true);
    patch32(j, bad, j->p);
    emit_writeback(j, dirty_at_bad);
    set_cur(j, in);
    op_rr(j, true, 0x89, ENV, RDI);
    mov_ri64(j, RSI, (uintptr_t)in);
    call_abs(j, (const void *)in->fn);
    regs_forget(j);
    emit_dyn_exit(j, false);
    j->exits_done = true;
}

static bool emit_branch(Jit *j, const X86Insn *in)
{
    if (is_fn(in, x86_op_jmp) && target_ok(j, in->imm)) {
        emit_taken_exit(j, in->imm);
        j->exits_done = true;
        return true;
    }
    if (is_fn(in, x86_h_call_rel[2]) && target_ok(j, in->imm)) {
        mov_ri(j, RSI, in->eip + in->len);
        emit_push_value(j, in, RSI);
        st32i(j, ENV_OFF(eip), in->imm);
        emit_chain_exit(j, EXIT_TAKEN);
        j->exits_done = true;
        return true;
    }
    if (is_fn(in, x86_h_ret[0][2])) {
        ldg(j, RAX, R_ESP);
        emit_load(j, in, 4, RSI);
        /* The target must be within CS's limit; out of it, the
         * interpreter's RET raises #GP. */
        op_mem(j, false, 0x3b, RSI, ENV, (int32_t)(offsetof(CPUX86State, segs) +
                                                    R_CS * sizeof(SegmentCache) +
                                                    offsetof(SegmentCache, limit)));
        uint8_t *bad = jcc32(j, HC_A);
        uint8_t dirty_at_bad = j->dirty;
        emit_esp_adjust(j, 4);
        emit_indirect_exit(j, in, bad, dirty_at_bad);
        return true;
    }
    if (is_fn(in, x86_op_loop) && in->opc == 0xe2 && (in->flags & IF_ASZ32) &&
        target_ok(j, in->imm)) {
        /* LOOP: ECX - 1, taken while not zero; no flag changes */
        rmwg(j, 0x83, 5, R_ECX);                     /* sub ecx, 1 */
        e8(j, 1);
        uint8_t *skip = jcc32(j, HC_E);
        emit_taken_exit(j, in->imm);
        patch32(j, skip, j->p);
        st32i(j, ENV_OFF(eip), j->tb->next_eip);
        emit_chain_exit(j, EXIT_NEXT);
        j->exits_done = true;
        return true;
    }
    if (is_fn(in, x86_op_call_ind) && (j->tb->hflags & HF_FLAT) && rm32_ok(j, in)) {
        /* CALL r/m32 on the flat stack: the target checked against CS's
         * limit before the push (out of it, the handler raises #GP with
         * nothing pushed), kept across the push's slow path */
        emit_rm32_load(j, in, RSI);
        op_mem(j, false, 0x3b, RSI, ENV, CS_OFF(limit));   /* cmp esi, CS limit */
        uint8_t *bad = jcc32(j, HC_A);
        uint8_t dirty_at_bad = j->dirty;
        spill_esi(j);
        mov_ri(j, RDI, in->eip + in->len);
        emit_push_value(j, in, RDI);
        unspill(j, RSI);
        emit_indirect_exit(j, in, bad, dirty_at_bad);
        return true;
    }
    if (is_fn(in, x86_op_jmp_ind) && in->osz == 4 &&
        (!(in->flags & IF_MEM) || flat_operand(j, in))) {
        if (in->flags & IF_MEM) {
            emit_ea(j, in, RAX);
            emit_load(j, in, 4, RSI);
        } else {
            ldg(j, RSI, in->rm);
        }
        op_mem(j, false, 0x3b, RSI, ENV, CS_OFF(limit));   /* cmp esi, CS limit */
        uint8_t *bad = jcc32(j, HC_A);
        emit_indirect_exit(j, in, bad, j->dirty);
        return true;
    }
    return false;
}

/* ---- the fall-back: one interpreted instruction ---- */

/*
 * Fallback statistics: with CARDCAGE_JIT_STATS set in the environment,
 * every interpreted instruction of a compiled block counts a run of its
 * handler, and the handlers run most are printed on stderr at exit
 * (which forms to compile next), as file and offset for `addr2line -f -e
 * FILE OFFSET`.  The counts are approximate with more
 * than one CPU (no atomic increments).
 */
#define JIT_STATS_SLOTS 1024

typedef struct JitStat {
    X86Handler fn;
    uint64_t runs;
} JitStat;

static JitStat jit_stats[JIT_STATS_SLOTS];
static int jit_stats_on = -1;

static int jit_stat_cmp(const void *a, const void *b)
{
    uint64_t x = ((const JitStat *)a)->runs, y = ((const JitStat *)b)->runs;
    return x < y ? 1 : x > y ? -1 : 0;
}

static void jit_stats_print(void)
{
    static JitStat sorted[JIT_STATS_SLOTS];
    uint64_t total = 0;
    memcpy(sorted, jit_stats, sizeof(sorted));
    qsort(sorted, JIT_STATS_SLOTS, sizeof(JitStat), jit_stat_cmp);
    for (int k = 0; k < JIT_STATS_SLOTS; k++) {
        total += sorted[k].runs;
    }
    fprintf(stderr, "x86-jit: %llu interpreted instructions in compiled blocks\n",
            (unsigned long long)total);
    for (int k = 0; k < 40 && sorted[k].runs; k++) {
        /* the handlers are not exported: file and offset, for addr2line -f */
        Dl_info info;
        if (dladdr((void *)sorted[k].fn, &info) && info.dli_fname) {
            fprintf(stderr, "  %12llu  %s 0x%tx\n", (unsigned long long)sorted[k].runs,
                    info.dli_fname, (char *)sorted[k].fn - (char *)info.dli_fbase);
        }
    }
}

/* The counter of in->fn's runs, or NULL when statistics are off (or the
 * table is full). */
static uint64_t *jit_stat_slot(const X86Insn *in)
{
    if (jit_stats_on < 0) {
        jit_stats_on = getenv("CARDCAGE_JIT_STATS") != NULL;
        if (jit_stats_on) {
            atexit(jit_stats_print);
        }
    }
    if (!jit_stats_on) {
        return NULL;
    }
    unsigned h = (unsigned)(((uintptr_t)in->fn >> 4) * 0x9e3779b1u) % JIT_STATS_SLOTS;
    for (unsigned n = 0; n < JIT_STATS_SLOTS; n++, h = (h + 1) % JIT_STATS_SLOTS) {
        if (jit_stats[h].fn == in->fn || !jit_stats[h].fn) {
            jit_stats[h].fn = in->fn;
            return &jit_stats[h].runs;
        }
    }
    return NULL;
}

/* Count a run of in's handler when statistics are on. */
static void emit_stat(Jit *j, const X86Insn *in)
{
    uint64_t *slot = jit_stat_slot(in);
    if (slot) {
        mov_ri64(j, RAX, (uintptr_t)slot);
        e8(j, 0x48); e8(j, 0xff); e8(j, 0x00);       /* inc qword [rax] */
    }
}

static void emit_fallback(Jit *j, const X86Insn *in, bool last)
{
    /* env->cur = in; env->blk_end = in + 1: the handler runs alone; its
     * X86_NEXT ends in x86_block_end, which returns at once while
     * jit_fallback is set. */
    regs_sync(j);
    emit_stat(j, in);
    set_cur(j, in);
    if (last) {
        /* What the loop presets for interpreted blocks: a branch handler
         * overwrites them. */
        st32i(j, ENV_OFF(eip), j->tb->next_eip);
        st32i(j, ENV_OFF(exit_slot), (uint32_t)EXIT_NEXT);
    }
    emit_handler_call(j, in);
    regs_forget(j);
    if (!last) {
        /* Stop here if the instruction wrote this block's code or is a
         * REP that yields. */
        op_mem(j, false, 0x0fb6, RAX, ENV, ENV_OFF(smc_hit));
        op_mem(j, false, 0x0a, RAX, ENV, ENV_OFF(rep_restart));   /* or al, [rep] */
        e8(j, 0x84); e8(j, 0xc0);
        patch32(j, jcc32(j, HC_NE), j->exit_stop);
    }
    j->cc_known = -1;
}

/* An interpreted instruction that only reads and writes registers, flags
 * and memory (no I/O, no mode, no control transfer): -d jit-verify may
 * run a block holding it twice. */
static bool in_table(const X86Insn *in, const X86Handler *t, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (in->fn == t[k]) {
            return true;
        }
    }
    return false;
}

static bool data_only(const X86Insn *in)
{
#define IN_TABLE(t) in_table(in, (const X86Handler *)(t), sizeof(t) / sizeof(X86Handler))
    return IN_TABLE(x86_h_alu) || IN_TABLE(x86_h_test) || IN_TABLE(x86_h_unary) ||
           IN_TABLE(x86_h_shift) || IN_TABLE(x86_h_imul) || IN_TABLE(x86_h_mov) ||
           IN_TABLE(x86_h_movx) || IN_TABLE(x86_h_cmov) || IN_TABLE(x86_h_setcc) ||
           IN_TABLE(x86_h_push_reg) || IN_TABLE(x86_h_pop_reg) || IN_TABLE(x86_h_push_imm);
#undef IN_TABLE
}

/* ---- the block ---- */

static bool emit_insn(Jit *j, const X86Insn *in)
{
    return emit_mov(j, in) || emit_alu(j, in) || emit_movx(j, in) || emit_test(j, in) ||
           emit_lea(j, in) || emit_stack(j, in) || emit_imul(j, in) || emit_shift(j, in) ||
           emit_incdec(j, in) || emit_notneg(j, in) || emit_cc_use(j, in) ||
           emit_shift_cl(j, in) || emit_shift_narrow(j, in) || emit_bt_imm(j, in) ||
           emit_rotate(j, in) || emit_nop(j, in) || emit_muldiv(j, in) || emit_xchg(j, in) ||
           emit_cmpxchg(j, in) || emit_shxd(j, in) || emit_pushf(j, in) ||
           emit_string(j, in) || emit_jcc(j, in) || emit_branch(j, in);
}

/*
 * Flag liveness over the block.  Which flags an instruction needs (R),
 * writes whole (W: CF, or all the others, as two groups) and whether it may
 * fault or leave the block in the middle (then every flag must be right
 * before it: a fault delivers EFLAGS, the loop resumes from env).  This
 * mirrors what emit_insn compiles inline; anything else is an interpreted
 * instruction, which may read every flag and fault.
 */
enum { FL_CF = 1, FL_REST = 2, FL_ALL = 3 };

static void flag_use(const X86Insn *in, int live_after, int *w, int *r, bool *fault)
{
    int op, size;
    const X86Handler *m = x86_h_mov[2];
    *w = 0;
    *r = 0;
    *fault = (in->flags & IF_MEM) != 0;
    if (alu_form(in, &op, &size) >= 0 && (op == 2 || op == 3)) {
        *w = FL_ALL;
        *r = FL_CF;
        return;
    }
    if (alu_form(in, &op, &size) >= 0 || test_form(in, &size) >= 0 ||
        is_fn(in, x86_h_imul[0][1][MK_REG]) || is_fn(in, x86_h_imul[0][1][MK_FLAT]) ||
        is_fn(in, x86_h_imul[1][1][MK_REG]) || is_fn(in, x86_h_imul[1][1][MK_FLAT])) {
        *w = FL_ALL;
        return;
    }
    for (int k = 4; k <= 7; k++) {
        if (k != 6 && is_fn(in, x86_h_shift[k][2][MK_REG][0])) {
            *w = (in->imm & 31) ? FL_ALL : 0;
            return;
        }
    }
    int kind;
    if (shift_imm_form(in, &op, &size, &kind)) {
        *w = FL_ALL;
        return;
    }
    if (is_fn(in, x86_h_shift[0][2][MK_REG][0]) || is_fn(in, x86_h_shift[1][2][MK_REG][0])) {
        /* with live flags, the others are kept: EFLAGS is materialized */
        *r = live_after && (in->imm & 31) ? FL_ALL : 0;
        return;
    }
    int dec, mk;
    if (incdec_form(in, &size, &dec, &mk)) {
        *w = FL_REST;
        *r = FL_CF;
        return;
    }
    if (is_fn(in, x86_h_unary[2][2][MK_REG])) {
        return;                                      /* NOT: no flags */
    }
    int cond;
    bool set;
    if (cc_use_form(in, &cond, &set)) {
        *r = FL_ALL;
        return;
    }
    if (shift_cl_op(in) >= 0) {
        return;             /* a zero count keeps them all: writes none for sure */
    }
    if (is_fn(in, x86_op_bt_i) && in->osz == 4) {
        *r = FL_ALL;        /* EFLAGS materialized: the others kept */
        return;
    }
    if (is_fn(in, x86_h_unary[3][2][MK_REG])) {
        *w = FL_ALL;
        return;
    }
    if (is_fn(in, m[0]) || is_fn(in, m[1]) || is_fn(in, m[5]) || is_fn(in, m[6]) ||
        is_fn(in, m[7]) || is_fn(in, x86_h_mov[0][5]) || is_fn(in, x86_h_mov[0][6]) ||
        is_fn(in, x86_h_mov[0][0]) || is_fn(in, x86_h_mov[0][1]) ||
        is_fn(in, x86_h_mov[0][7]) || is_fn(in, x86_h_mov[1][0]) ||
        is_fn(in, x86_h_mov[1][1]) || is_fn(in, x86_h_mov[1][5]) ||
        is_fn(in, x86_h_mov[1][6]) || is_fn(in, x86_h_mov[1][7]) ||
        (is_fn(in, m[3]) && !in->ashift) ||
        (is_fn(in, x86_h_lea[1]) && !in->ashift)) {
        return;
    }
    for (int sx = 0; sx < 2; sx++) {
        for (int s16 = 0; s16 < 2; s16++) {
            const X86Handler *k = x86_h_movx[sx][s16][1];
            if (is_fn(in, k[MK_REG]) || is_fn(in, k[MK_FLAT])) {
                return;
            }
        }
    }
    if (is_fn(in, x86_h_push_reg[2]) || is_fn(in, x86_h_push_imm[2]) ||
        is_fn(in, x86_h_pop_reg[2])) {
        *fault = true;
        return;
    }
    if (is_fn(in, x86_op_nop)) {
        *fault = false;
        return;
    }
    *r = FL_ALL;
    *fault = true;
}

static void flag_liveness(Jit *j)
{
    const X86TB *tb = j->tb;
    int live = FL_ALL;              /* the successor may read any flag */
    for (int i = tb->ninsns - 1; i >= 0; i--) {
        int w, r;
        bool fault;
        j->live_after[i] = (uint8_t)live;
        flag_use(&tb->insns[i], live, &w, &r, &fault);
        live = fault ? FL_ALL : (live & ~w) | r;
    }
}

/*
 * Which guest registers live in host registers: those the block names at
 * least twice, the most used first, as many as there are host registers
 * for them.  The count is a heuristic (a byte register counts for its
 * dword; an instruction without a ModRM may count a register it does not
 * use): a wrong guess costs speed, never correctness, since every access
 * goes through gh/ldg/stg/ldb/stb.
 */
static void choose_hregs(Jit *j)
{
    const X86TB *tb = j->tb;
    int uses[8] = { 0 };
    bool carry_in = false;
    for (unsigned i = 0; i < tb->ninsns; i++) {
        const X86Insn *in = &tb->insns[i];
        int op, size;
        if (alu_form(in, &op, &size) >= 0 && (op == 2 || op == 3)) {
            carry_in = true;
        }
        int shift = in->osz == 1 ? 2 : 0;
        if (((unsigned)in->reg >> shift) < 8) {
            uses[in->reg >> shift]++;
        }
        if (in->flags & IF_MEM) {
            if (in->rm < 8) {
                uses[in->rm]++;
            }
            if (in->idx < 8) {
                uses[in->idx]++;
            }
        } else if (((unsigned)in->rm >> shift) < 8) {
            uses[in->rm >> shift]++;
        }
        if (is_fn(in, x86_h_push_reg[2]) || is_fn(in, x86_h_push_imm[2]) ||
            is_fn(in, x86_h_pop_reg[2]) || is_fn(in, x86_h_call_rel[2]) ||
            is_fn(in, x86_h_ret[0][2])) {
            uses[R_ESP] += 2;
        }
    }
    for (int r = 0; r < 8; r++) {
        j->hreg_of[r] = -1;
    }
    j->nsaved = 0;
    /* ADC/SBB keep their carry-in across the memory access in the last
     * of them */
    int nguest = carry_in ? MAX_GUEST_HREGS - 1 : MAX_GUEST_HREGS;
    while (j->nsaved < nguest) {
        int best = -1;
        for (int r = 0; r < 8; r++) {
            if (j->hreg_of[r] < 0 && uses[r] >= 2 && (best < 0 || uses[r] > uses[best])) {
                best = r;
            }
        }
        if (best < 0) {
            break;
        }
        int h = guest_hregs[j->nsaved];
        j->hreg_of[best] = (int8_t)h;
        j->saved[j->nsaved++] = h;
    }
    j->cf_tmp = -1;
    if (carry_in) {
        j->cf_tmp = guest_hregs[j->nsaved];
        j->saved[j->nsaved++] = j->cf_tmp;
    }
    j->loaded = 0;
    j->dirty = 0;
}

static bool jit_buffer_init(JitBuffer *jb)
{
    if (jb->base || jb->failed) {
        return jb->base != NULL;
    }
    void *p = mmap(NULL, JIT_BUFFER_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        log_mask(LOG_UNIMP, "x86: no executable memory for the code generator: "
                 "interpreting everything\n");
        jb->failed = true;
        return false;
    }
    jb->base = p;
    jb->size = JIT_BUFFER_SIZE;
    jb->used = 0;
    return true;
}

void x86_jit_reset(CPUX86State *env)
{
    JitBuffer *jb = *x86_code_cache_jit_slot(env);
    if (jb) {
        jb->used = 0;
    }
}

void x86_jit_free(void *buf)
{
    JitBuffer *jb = buf;
    if (jb && jb->base) {
        munmap(jb->base, jb->size);
    }
    g_free(jb);
}

bool x86_jit_compile(CPUX86State *env, X86TB *tb)
{
    JitBuffer *jb = jit_buffer(env);
    if (!jit_buffer_init(jb) || tb->special) {
        return false;
    }
    if (jb->size - jb->used < JIT_MAX_BLOCK_CODE + (size_t)tb->ninsns * 512) {
        return false;       /* full until the next flush of the code cache */
    }
    static Jit jit;
    Jit *j = &jit;
    memset(j, 0, offsetof(Jit, slow));
    j->nslow = 0;
    j->tb = tb;
    j->cs_limit = env->segs[R_CS].limit;
    /* exit_request is read at a fixed distance from env: the CPU state
     * must be the one embedded in its X86CPU. */
    if (env->cs != CPU(x86_env_cpu(env))) {
        return false;
    }
    j->exit_req_off = (int32_t)offsetof(CPUState, exit_request) -
                      (int32_t)offsetof(X86CPU, env);
    tb->jit_cs_limit = j->cs_limit;
    j->p = jb->base + jb->used;
    j->end = jb->base + jb->size;
    j->cc_known = -1;
    uint8_t *start = j->p;

    /* The common early exit, jumped to with env->cur set and the guest
     * registers in env: back to the loop, which works out where the block
     * stopped.  It comes first, so that the body follows the prologue. */
    choose_hregs(j);
    j->exit_stop = j->p;
    emit_epilogue(j);
    e8(j, 0xc3);                                     /* ret */
    /* Prologue: env in rbx; the guest registers chosen are loaded into
     * their host registers on first use. */
    uint8_t *entry = j->p;
    emit_prologue(j);
    op_rr(j, true, 0x89, RDI, ENV);                  /* mov rbx, rdi */
    if (j->p - entry != JIT_BODY_OFF) {
        /* a changed prologue without its JIT_BODY_OFF: chaining would
         * land inside it, so compile nothing */
        log_mask(LOG_UNIMP, "x86: the code generator's body offset is %td, not %d: "
                 "interpreting everything\n", j->p - entry, JIT_BODY_OFF);
        jb->failed = true;
        return false;
    }

    /* A block that may loop to its own start loads its guest registers
     * at once: the back edge (emit_self_loop) keeps them loaded. */
    const X86Insn *last_in = &tb->insns[tb->ninsns - 1];
    if (last_in->imm == tb->insns[0].eip &&
        (is_fn(last_in, x86_op_jmp) || is_fn(last_in, x86_op_loop) || jcc_cond(last_in) >= 0)) {
        for (int r = 0; r < 8; r++) {
            if (j->hreg_of[r] >= 0) {
                ld32(j, j->hreg_of[r], REG_OFF(r));
                j->loaded |= (uint8_t)(1u << r);
            }
        }
        j->loop_head = j->p;
    }

    flag_liveness(j);
    bool last_native = false, pure = true;
    for (unsigned i = 0; i < tb->ninsns && !j->overflow; i++) {
        const X86Insn *in = &tb->insns[i];
        bool last = i + 1 == tb->ninsns;
        j->flags_live = j->live_after[i] != 0;
        j->rest_live = (j->live_after[i] & FL_REST) != 0;
        last_native = emit_insn(j, in);
        if (!last_native) {
            pure = pure && data_only(in);
            emit_fallback(j, in, last);
        }
    }
    if (!j->exits_done) {
        if (last_native) {
            /* The block ended for its size or a page end: fall through. */
            st32i(j, ENV_OFF(eip), tb->next_eip);
            emit_chain_exit(j, EXIT_NEXT);
        } else {
            emit_dyn_exit(j, false);
        }
    }
    emit_slow_paths(j);
    if (j->overflow) {
        return false;
    }
    jb->used += (size_t)(j->p - start);
    jb->used = (jb->used + 15) & ~(size_t)15;
    tb->host_code = (void (*)(CPUX86State *, X86TB *))entry;
    tb->jit_pure = pure;
    if (log_enabled(LOG_IN_ASM)) {
        log_printf("x86: compiled block %08x: %u insns, %zu bytes of host code\n", tb->pc,
                   tb->ninsns, (size_t)(j->p - start));
    }
    return true;
}

#else

bool x86_jit_compile(CPUX86State *env, X86TB *tb)
{
    return false;
}

void x86_jit_reset(CPUX86State *env)
{
}

void x86_jit_free(void *buf)
{
}

#endif
