/*
 * The x86-64 code generator's private header: the state of one block's
 * translation (Jit), its slow paths, the host registers and offsets into
 * env, the low-level instruction encoders (inline), and the emitters one
 * part of the generator calls in another.  The parts: x86-jit-mem.c
 * (guest registers in host registers, memory operands and their slow
 * paths), x86-jit-alu.c (data operations), x86-jit-ctl.c (conditions,
 * chaining and control transfers), x86-jit.c (fall-backs, flag liveness,
 * register choice and the block).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_X86_JIT_INT_H
#define CARDCAGE_X86_JIT_INT_H

#include <stddef.h>
#include "cpu/x86-ops.h"

#if defined(__x86_64__) && !defined(CARDCAGE_NO_JIT)
#define X86_JIT_HOST 1

#define JIT_BUFFER_SIZE (64u << 20)
#define JIT_MAX_BLOCK_CODE 16384       /* room one block may need at most */

/* Host registers (x86-64 encoding). */
enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };
#define ENV RBX

/* The callee-saved host registers that may hold guest registers across a
 * block (the emitters use RAX, RCX, RDX, RSI, RDI and R8 as scratch; RBX
 * is env).  Being callee-saved, they survive every call out to C. */
extern const int guest_hregs[5];
#define MAX_GUEST_HREGS 5

/* The exit stubs every block of a buffer calls (x86-jit-ctl.c,
 * emit_exit_stubs): they sit at the start of the buffer and survive its
 * flushes (used never goes below stubs_end). */
typedef struct JitStubs {
    uint8_t *exit_stop;       /* return to the loop (Jit.exit_stop) */
    uint8_t *chain;           /* leave by chain slot EDI */
    uint8_t *indirect;        /* leave after a near indirect transfer */
    uint8_t *interp;          /* leave after an interpreted instruction */
    uint8_t *link_fail;       /* a linked jump's checks failed (emit_link_entry) */
} JitStubs;

/* A buffer has two regions: the blocks' main lines from the start (after
 * the stubs) up to cold_start, and their slow paths from cold_start on,
 * so that code that rarely runs does not share the host's cache lines
 * and pages with code that runs all the time. */
typedef struct JitBuffer {
    uint8_t *base;
    size_t size, used;
    size_t cold_start, cold_used;
    size_t stubs_end;         /* 0: the stubs are not emitted yet */
    JitStubs stubs;
    bool failed;
} JitBuffer;

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
    uint8_t *exit_stop;       /* common exit (a stub): return to the loop (env->cur set) */
    /* What set the flags last, when known at translation time. */
    int cc_known;             /* CC_OP_* or -1 */
    /* Where emit_flags ended: while nothing else has been emitted (j->p is
     * still there), ESI, EDI and R8 hold cc_src1, cc_src2 and cc_dst. */
    const uint8_t *cc_regs_at;
    uint32_t cs_limit;        /* CS limit the block is compiled for */
    bool exits_done;          /* the last instruction emitted the block's exits */
    int32_t exit_req_off;     /* cs->exit_request, relative to env */
    const JitStubs *stubs;    /* of the buffer the block goes into */
    bool overflow;
    /* The flags an instruction writes are needed by a later reader, an
     * exit or a possible fault (see flag_liveness). */
    bool flags_live;
    bool rest_live;           /* the flags but CF are (INC/DEC keep CF) */
    /* A block whose last instruction may branch to its own start: where
     * the back edge continues, with every guest register of a host
     * register loaded (emit_self_loop), else NULL. */
    uint8_t *loop_head;
    /* The rel32 of each chain slot's patchable jump (X86TB.jit_site). */
    uint8_t *site[2];
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

#define REGS_OFF ((int32_t)offsetof(CPUX86State, regs))


#define SEG_OFF(seg, field) ((int32_t)(offsetof(CPUX86State, segs) + \
                                       (seg) * sizeof(SegmentCache) + \
                                       offsetof(SegmentCache, field)))

#define CS_OFF(field) ((int32_t)(offsetof(CPUX86State, segs) + R_CS * sizeof(SegmentCache) + \
                                   offsetof(SegmentCache, field)))

/* The flag groups of the liveness pass (x86-jit.c, flag_liveness): CF,
 * and all the others. */
enum { FL_CF = 1, FL_REST = 2, FL_ALL = 3 };

/* ---- emitting ---- */

static inline void e8(Jit *j, uint8_t b)
{
    if (j->p < j->end) {
        *j->p++ = b;
    } else {
        j->overflow = true;
    }
}

static inline void e32(Jit *j, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        e8(j, (uint8_t)(v >> (8 * i)));
    }
}

static inline void e64(Jit *j, uint64_t v)
{
    e32(j, (uint32_t)v);
    e32(j, (uint32_t)(v >> 32));
}

static inline void rex(Jit *j, bool w, int reg, int index, int base)
{
    uint8_t r = 0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((index & 8) ? 2 : 0) |
                ((base & 8) ? 1 : 0);
    if (r != 0x40) {
        e8(j, r);
    }
}

/* ModRM + displacement for [base + disp32] (base is never RSP/R12 here). */
static inline void modrm_mem(Jit *j, int reg, int base, int32_t disp)
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
static inline void op_mem(Jit *j, bool w, uint32_t opcode, int reg, int base, int32_t disp)
{
    rex(j, w, reg, 0, base);
    if (opcode > 0xff) {
        e8(j, opcode >> 8);
    }
    e8(j, opcode & 0xff);
    modrm_mem(j, reg, base, disp);
}

static inline void op_rr(Jit *j, bool w, uint32_t opcode, int reg, int rm)
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

static inline void ld32(Jit *j, int hreg, int32_t off)   /* mov hreg32, [env + off] */
{
    op_mem(j, false, 0x8b, hreg, ENV, off);
}

static inline void st32(Jit *j, int32_t off, int hreg)   /* mov [env + off], hreg32 */
{
    op_mem(j, false, 0x89, hreg, ENV, off);
}

static inline void st32i(Jit *j, int32_t off, uint32_t imm)   /* mov dword [env + off], imm */
{
    op_mem(j, false, 0xc7, 0, ENV, off);
    e32(j, imm);
}

static inline void st8i(Jit *j, int32_t off, uint8_t imm)     /* mov byte [env + off], imm */
{
    op_mem(j, false, 0xc6, 0, ENV, off);
    e8(j, imm);
}

static inline void st64(Jit *j, int32_t off, int hreg)
{
    op_mem(j, true, 0x89, hreg, ENV, off);
}

static inline void mov_ri(Jit *j, int hreg, uint32_t imm)
{
    rex(j, false, 0, 0, hreg);
    e8(j, 0xb8 + (hreg & 7));
    e32(j, imm);
}

static inline void mov_ri64(Jit *j, int hreg, uint64_t imm)
{
    rex(j, true, 0, 0, hreg);
    e8(j, 0xb8 + (hreg & 7));
    e64(j, imm);
}

static inline void mov_rr(Jit *j, int dst, int src)
{
    op_rr(j, false, 0x89, src, dst);
}

/* ALU op (0..7 as in x86) reg32, reg32 / reg32, imm32 */
static inline void alu_rr(Jit *j, int op, int dst, int src)
{
    op_rr(j, false, (op << 3) | 1, src, dst);
}

static inline void alu_ri(Jit *j, int op, int dst, uint32_t imm)
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

/* cmp dword [base + disp], imm */
static inline void cmp_mi(Jit *j, int base, int32_t disp, uint32_t imm)
{
    bool small = (int32_t)imm >= -128 && (int32_t)imm <= 127;
    op_mem(j, false, small ? 0x83 : 0x81, 7, base, disp);
    if (small) {
        e8(j, (uint8_t)imm);
    } else {
        e32(j, imm);
    }
}

static inline void call_abs(Jit *j, const void *fn)
{
    mov_ri64(j, RAX, (uintptr_t)fn);
    e8(j, 0xff);
    e8(j, 0xd0);                     /* call rax */
}

/* jcc rel32 to be patched; returns the patch location. */
static inline uint8_t *jcc32(Jit *j, int cc)
{
    e8(j, 0x0f);
    e8(j, 0x80 | cc);
    uint8_t *at = j->p;
    e32(j, 0);
    return at;
}

static inline uint8_t *jmp32(Jit *j)
{
    e8(j, 0xe9);
    uint8_t *at = j->p;
    e32(j, 0);
    return at;
}

static inline void patch32(Jit *j, uint8_t *at, uint8_t *target)
{
    if (!at || j->overflow) {
        return;
    }
    int32_t rel = (int32_t)(target - (at + 4));
    memcpy(at, &rel, 4);
}

/* call rel32 to code in the same buffer (the exit stubs). */
static inline void call_rel(Jit *j, const uint8_t *target)
{
    e8(j, 0xe8);
    uint8_t *at = j->p;
    e32(j, 0);
    patch32(j, at, (uint8_t *)target);
}

/* env->cur = in */
static inline void set_cur(Jit *j, const X86Insn *in)
{
    mov_ri64(j, RAX, (uintptr_t)in);
    st64(j, ENV_OFF(cur), RAX);
}

/* Host condition codes. */
enum { HC_O, HC_NO, HC_B, HC_AE, HC_E, HC_NE, HC_BE, HC_A, HC_S, HC_NS, HC_P, HC_NP,
       HC_L, HC_GE, HC_LE, HC_G };

/* ---- emitters shared between the parts ---- */

int gh(Jit *j, int r);
void ldg(Jit *j, int hreg, int r);
void stg(Jit *j, int r, int hreg);
void stgi(Jit *j, int r, uint32_t imm);
void opg(Jit *j, uint32_t opc, int hreg, int r);
void rmwg(Jit *j, uint32_t opc, int digit, int r);
void op_rr_b(Jit *j, uint32_t opcode, int reg, int rm);
void ldb(Jit *j, int hreg, int o);
void stb(Jit *j, int o, int hreg);
void stw(Jit *j, int r, int hreg);
void emit_writeback(Jit *j, uint8_t mask);
void regs_sync(Jit *j);
void regs_forget(Jit *j);
void emit_link_entry(Jit *j);
void emit_prologue(Jit *j);
void emit_epilogue(Jit *j);
void emit_ea(Jit *j, const X86Insn *in, int dst);
SlowPath *emit_tlb(Jit *j, const X86Insn *in, int size, bool write);
void emit_load(Jit *j, const X86Insn *in, int size, int hreg);
void emit_store(Jit *j, const X86Insn *in, int size, int hreg);
void emit_seg_load(Jit *j, const X86Insn *in, int size, int hreg);
SlowPath *emit_rmw_tlb(Jit *j, const X86Insn *in, int size, int mk);
void emit_handler_call(Jit *j, const X86Insn *in);
void emit_slow_paths(Jit *j);
void emit_flags(Jit *j, int op);
bool flat_operand(Jit *j, const X86Insn *in);
bool is_fn(const X86Insn *in, X86Handler h);
int alu_form(const X86Insn *in, int *op, int *size);
bool emit_alu(Jit *j, const X86Insn *in);
bool emit_mov(Jit *j, const X86Insn *in);
bool emit_movx(Jit *j, const X86Insn *in);
int test_form(const X86Insn *in, int *size);
bool emit_test(Jit *j, const X86Insn *in);
bool emit_lea(Jit *j, const X86Insn *in);
bool emit_imul(Jit *j, const X86Insn *in);
bool emit_shift(Jit *j, const X86Insn *in);
bool shift_imm_form(const X86Insn *in, int *op, int *size, int *mk);
bool emit_shift_narrow(Jit *j, const X86Insn *in);
int shift_cl_op(const X86Insn *in);
bool emit_shift_cl(Jit *j, const X86Insn *in);
bool emit_bt_imm(Jit *j, const X86Insn *in);
bool emit_rotate(Jit *j, const X86Insn *in);
bool incdec_form(const X86Insn *in, int *size, int *dec, int *mk);
bool emit_incdec(Jit *j, const X86Insn *in);
bool emit_notneg(Jit *j, const X86Insn *in);
void emit_esp_adjust(Jit *j, int8_t delta);
void emit_push_value(Jit *j, const X86Insn *in, int hreg);
bool emit_stack(Jit *j, const X86Insn *in);
void spill_esi(Jit *j);
void unspill(Jit *j, int hreg);
bool rm32_ok(Jit *j, const X86Insn *in);
void emit_rm32_load(Jit *j, const X86Insn *in, int hreg);
bool emit_muldiv(Jit *j, const X86Insn *in);
bool emit_xchg(Jit *j, const X86Insn *in);
bool emit_cmpxchg(Jit *j, const X86Insn *in);
bool emit_shxd(Jit *j, const X86Insn *in);
bool emit_pushf(Jit *j, const X86Insn *in);
bool emit_string(Jit *j, const X86Insn *in);
bool emit_nop(Jit *j, const X86Insn *in);
bool cc_use_form(const X86Insn *in, int *cond, bool *set);
bool emit_cc_use(Jit *j, const X86Insn *in);
void emit_exit_stubs(Jit *j, JitStubs *stubs);
void emit_chain_exit(Jit *j, int slot);
void emit_dyn_exit(Jit *j, bool indirect);
int jcc_cond(const X86Insn *in);
bool emit_jcc(Jit *j, const X86Insn *in);
bool emit_branch(Jit *j, const X86Insn *in);

#endif

#endif
