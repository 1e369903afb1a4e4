/*
 * The MMX/SSE state as instructions reach it: the checks an MMX or SSE
 * instruction makes before it runs (CR0.EM, CR4.OSFXSR, CR0.TS, a pending
 * x87 exception), the SIMD floating-point exception (#XM or #UD), MXCSR
 * (LDMXCSR, STMXCSR), EMMS, and the generic handler that fetches the
 * operands of a table entry (x86-sse-table.c), calls its operation and
 * writes the result back.
 *
 * SPDX-License-Identifier: MIT
 */
#include "cpu/x86-sse.h"

/* CR0.EM: #UD; CR4.OSFXSR clear: #UD; CR0.TS: #NM.  The order is the one of
 * the exception tables of SDM vol. 2A, 2.4 ("Exceptions Type 4"): the #UD
 * conditions come first. */
void x86_sse_check(CPUX86State *env)
{
    if ((env->cr[0] & CR0_EM) || !(env->cr[4] & CR4_OSFXSR)) {
        x86_raise(env, EXCP_UD);
    }
    if (env->cr[0] & CR0_TS) {
        x86_raise(env, EXCP_NM);
    }
}

/* MMX instructions (SDM vol. 3B, 22.25.3, "Exception conditions for
 * legacy SIMD/MMX instructions"): #UD with CR0.EM (and, for those with an
 * XMM operand, without CR4.OSFXSR), #NM with CR0.TS; the caller then
 * checks for a pending x87 exception (#MF). */
static void mmx_check(CPUX86State *env, bool fxsr)
{
    if (env->cr[0] & CR0_EM) {
        x86_raise(env, EXCP_UD);
    }
    if (fxsr && !(env->cr[4] & CR4_OSFXSR)) {
        x86_raise(env, EXCP_UD);
    }
    if (env->cr[0] & CR0_TS) {
        x86_raise(env, EXCP_NM);
    }
}

X86_NORETURN void x86_sse_raise_fp(CPUX86State *env)
{
    /* Without CR4.OSXMMEXCPT an unmasked SIMD floating-point exception is
     * #UD (SDM vol. 3A, 2.5, CR4.OSXMMEXCPT; 6.15 interrupt 19). */
    x86_raise(env, (env->cr[4] & CR4_OSXMMEXCPT) ? EXCP_XM : EXCP_UD);
}

/* ---- operands ---------------------------------------------------------- */

static void read_reg(CPUX86State *env, int kind, int r, X86Xmm *v)
{
    switch (kind) {
    case K_XMM:
        *v = env->xmm[r];
        break;
    case K_MM:
        v->q[0] = x86_mmx_get(env, r);
        v->q[1] = 0;
        break;
    case K_GPR:
        v->q[1] = 0;
        v->q[0] = env->regs[r];
        break;
    default:
        memset(v, 0, sizeof(*v));
        break;
    }
}

static void write_reg(CPUX86State *env, int kind, int r, const X86Xmm *v)
{
    switch (kind) {
    case K_XMM:
        env->xmm[r] = *v;
        break;
    case K_MM:
        x86_mmx_set(env, r, v->q[0]);
        break;
    case K_GPR:
        env->regs[r] = v->d[0];
        break;
    default:
        break;
    }
}

/* The linear address of the memory operand, with the segment check for
 * size bytes and, for aligned forms, #GP(0) when it is not on a 16-byte
 * boundary (SDM vol. 1, 4.1.1 and each instruction's "Protected Mode
 * Exceptions"). */
static uint32_t mem_lin(CPUX86State *env, const X86Insn *in, unsigned size, bool align,
                        bool write)
{
    uint32_t off = x86_ea(env, in);
    if (align && ((env->segs[in->seg].base + off) & 15)) {
        x86_raise_err(env, EXCP_GP, 0);
    }
    return write ? x86_lin_wr(env, in->seg, off, size) : x86_lin_rd(env, in->seg, off, size);
}

static void load_mem(CPUX86State *env, uint32_t lin, unsigned size, X86Xmm *v)
{
    memset(v, 0, sizeof(*v));
    if (size < 4) {
        v->d[0] = x86_ld(env, lin, size);
        return;
    }
    for (unsigned i = 0; i < size / 4; i++) {
        v->d[i] = x86_ld(env, lin + 4 * i, 4);
    }
}

static void store_mem(CPUX86State *env, uint32_t lin, unsigned size, const X86Xmm *v)
{
    if (size < 4) {
        x86_st(env, lin, v->d[0], size);
        return;
    }
    if (size > 4) {
        /* Nothing is written unless all of it may be. */
        x86_probe_write(env, lin, size);
    }
    for (unsigned i = 0; i < size / 4; i++) {
        x86_st(env, lin + 4 * i, v->d[i], 4);
    }
}

void x86_op_sse(CPUX86State *env, const X86Insn *in)
{
    const X86SseOp *op = &x86_sse_ops[in->imm >> 8];
    bool mem = in->flags & IF_MEM;
    bool xmm = op->gk == K_XMM || op->rk == K_XMM;
    bool mmx = op->gk == K_MM || (op->rk == K_MM && !mem);
    mmx_check(env, xmm);
    if (mmx) {
        x86_fpu_check_pending(env);
    }
    unsigned n = (op->gk == K_MM || op->rk == K_MM) ? 8 : 16;
    X86Xmm d, s;
    env->sse_pre = env->sse_post = 0;
    if (op->flags & OPF_RMDST) {
        if (mmx) {
            x86_mmx_enter(env);
        }
        read_reg(env, op->rk, in->rm, &d);
        memset(&s, 0, sizeof(s));
        s.q[0] = in->imm & 0xff;
        op->fn(env, &d, &s, in, n);
        write_reg(env, op->rk, in->rm, &d);
    } else if (op->flags & OPF_STORE) {
        read_reg(env, op->gk, in->reg, &s);
        uint32_t lin = 0;
        if (mem) {
            lin = mem_lin(env, in, op->msize, op->flags & OPF_ALIGN, true);
            memset(&d, 0, sizeof(d));
        } else {
            read_reg(env, op->rk, in->rm, &d);
        }
        op->fn(env, &d, &s, in, n);
        if (mem) {
            store_mem(env, lin, op->msize, &d);
        }
        if (mmx) {
            x86_mmx_enter(env);
        }
        if (!mem) {
            write_reg(env, op->rk, in->rm, &d);
        }
    } else {
        if (mem) {
            load_mem(env, mem_lin(env, in, op->msize, op->flags & OPF_ALIGN, false),
                     op->msize, &s);
        } else {
            read_reg(env, op->rk, in->rm, &s);
        }
        /* The x87 -> MMX transition comes after the memory operand's faults
         * but before the SIMD floating-point exceptions (as the host CPUs
         * of sse-diff do: CVTPD2PI m128 misaligned leaves the x87 alone,
         * CVTPI2PS with #XM does not). */
        if (mmx) {
            x86_mmx_enter(env);
        }
        read_reg(env, op->gk, in->reg, &d);
        op->fn(env, &d, &s, in, n);
        if (env->sse_pre | env->sse_post) {
            x86_sse_fp_end(env);
        }
        if (op->flags & OPF_EFLAGS) {
            x86_set_eflags(env, d.d[0], CC_ARITH);
        } else if (!(op->flags & OPF_NOWRITE)) {
            write_reg(env, op->gk, in->reg, &d);
        }
    }
    X86_NEXT(env, in);
}

/* ---- MXCSR and EMMS ---------------------------------------------------- */

/* 0F AE /2 LDMXCSR m32: reserved bits set is #GP(0) (SDM vol. 2A,
 * LDMXCSR; 11.6.6). */
X86_HANDLER(x86_op_ldmxcsr)
{
    x86_sse_check(env);
    uint32_t v = x86_ld_seg(env, in->seg, x86_ea(env, in), 4);
    if (v & ~MXCSR_VALID) {
        x86_raise_err(env, EXCP_GP, 0);
    }
    env->mxcsr = v;
}

/* 0F AE /3 STMXCSR m32. */
X86_HANDLER(x86_op_stmxcsr)
{
    x86_sse_check(env);
    x86_st_seg(env, in->seg, x86_ea(env, in), env->mxcsr, 4);
}

/* 0F 77 EMMS: every x87 tag empty (SDM vol. 2A, EMMS). */
X86_HANDLER(x86_op_emms)
{
    mmx_check(env, false);
    x86_fpu_check_pending(env);
    env->fpu.ftw = 0xffff;
}
