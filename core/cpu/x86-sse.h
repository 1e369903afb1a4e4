/*
 * MMX, SSE, SSE2 and SSE3 (Intel SDM vol. 1, chapters 9 to 12): the
 * instruction table the decoder consults for the 0F map with its mandatory
 * prefixes (x86-sse-table.c), the generic operand handling and the state
 * checks (x86-sse-state.c), and the operations themselves: packed integer
 * (x86-ops-sse-int.c, shared by the 64-bit MMX and 128-bit SSE2 forms),
 * data movement and shuffles (x86-ops-sse-mov.c) and floating point
 * (x86-ops-sse-fp.c).  Internal to core/cpu/.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_CPU_X86_SSE_H
#define CORE_CPU_X86_SSE_H

#include "cpu/x86-ops.h"

/* CPUID.1:EDX and ECX feature bits (SDM vol. 2A, CPUID, tables 3-10 and
 * 3-11). */
#define CPUID_EDX_MMX  (1u << 23)
#define CPUID_EDX_FXSR (1u << 24)
#define CPUID_EDX_SSE  (1u << 25)
#define CPUID_EDX_SSE2 (1u << 26)
#define CPUID_ECX_SSE3 (1u << 0)

/* What an operand field names. */
enum { K_NONE, K_XMM, K_MM, K_GPR };

/* Which feature an encoding needs. */
enum { SF_MMX, SF_SSE, SF_SSE2, SF_SSE3 };

/* Mandatory prefixes (SDM vol. 2A, 2.1.2): F2/F3 win over 66. */
enum { PFX_NONE, PFX_66, PFX_F3, PFX_F2 };

/* X86SseOp.flags */
enum {
    OPF_ALIGN   = 1 << 0,   /* a 16-byte memory operand must be aligned: #GP(0) */
    OPF_STORE   = 1 << 1,   /* the r/m operand is the destination */
    OPF_IMM     = 1 << 2,   /* an imm8 follows */
    OPF_MEMONLY = 1 << 3,   /* register form: #UD (or another entry) */
    OPF_REGONLY = 1 << 4,   /* memory form: #UD (or another entry) */
    OPF_NOWRITE = 1 << 5,   /* no register result (flags, or stores of its own) */
    OPF_RMDST   = 1 << 6,   /* shift by imm8: the r/m register is source and destination */
    OPF_EFLAGS  = 1 << 7,   /* (U)COMISx: the result's d[0] is EFLAGS' arithmetic flags */
};

typedef void (*SseFn)(CPUX86State *env, X86Xmm *d, const X86Xmm *s, const X86Insn *in,
                      unsigned n);

typedef struct X86SseOp {
    const char *name;
    uint8_t opc;            /* second opcode byte (0F xx) */
    uint8_t pfx;            /* PFX_* */
    int8_t sub;             /* ModRM.reg for a group opcode, else -1 */
    uint8_t gk, rk;         /* K_*: the ModRM.reg and ModRM.r/m operands */
    uint8_t msize;          /* bytes of the memory operand */
    uint8_t feat;           /* SF_* */
    uint16_t flags;         /* OPF_* */
    SseFn fn;
} X86SseOp;

extern const X86SseOp x86_sse_ops[];
extern const unsigned x86_sse_nops;

/* The entry for an encoding, or NULL (#UD): features are the CPU's. */
const X86SseOp *x86_sse_lookup(CPUX86State *env, uint8_t opc, int pfx, int modrm_reg,
                               bool mem);
/* True when 0F opc belongs to the MMX/SSE map (all have a ModRM byte). */
bool x86_sse_opcode(uint8_t opc);

/* The handler of every table entry: in->imm is the entry's index << 8 |
 * imm8. */
void x86_op_sse(CPUX86State *env, const X86Insn *in);
/* 0F 77 EMMS, 0F AE /2 LDMXCSR, /3 STMXCSR, the fences. */
void x86_op_emms(CPUX86State *env, const X86Insn *in);
void x86_op_ldmxcsr(CPUX86State *env, const X86Insn *in);
void x86_op_stmxcsr(CPUX86State *env, const X86Insn *in);

/* The checks before an SSE instruction (SDM vol. 3A, 13.1; vol. 2A, 2.4
 * "Exceptions Type 4"): #UD with CR0.EM or without CR4.OSFXSR, #NM with
 * CR0.TS. */
void x86_sse_check(CPUX86State *env);
/* Raise the SIMD floating-point exception for unmasked flags (#XM with
 * CR4.OSXMMEXCPT, #UD without): SDM vol. 3A, 6.15 "Interrupt 19". */
X86_NORETURN void x86_sse_raise_fp(CPUX86State *env);

/* MMX registers alias the x87 significands (SDM vol. 1, 9.5). */
static inline uint64_t x86_mmx_get(CPUX86State *env, int i)
{
    return env->fpu.regs[i & 7].mant;
}

static inline void x86_mmx_set(CPUX86State *env, int i, uint64_t v)
{
    env->fpu.regs[i & 7].mant = v;
    env->fpu.regs[i & 7].sign_exp = 0xffff;
}

/* The x87 -> MMX transition of every MMX instruction (SDM vol. 1, 9.5.1):
 * TOP 0 and every tag valid. */
static inline void x86_mmx_enter(CPUX86State *env)
{
    env->fpu.fsw &= ~0x3800u;
    env->fpu.ftw = 0;
}

/* The x87's pending-exception check of the waiting instructions (#MF or
 * FERR#), which MMX instructions make too (x86-ops-fpu.c). */
void x86_fpu_check_pending(CPUX86State *env);

/* Floating point helpers shared by the FP operations (x86-ops-sse-fp.c):
 * commit the MXCSR flags the current instruction gathered (sse_pre,
 * sse_post), raising when one is unmasked. */
void x86_sse_fp_end(CPUX86State *env);

/* The operation functions, by file (named after the instruction). */
#define SSE_FN(name) void name(CPUX86State *env, X86Xmm *d, const X86Xmm *s, \
                               const X86Insn *in, unsigned n)
#include "cpu/x86-sse-fns.h"   /* the list, one line each */

#endif
