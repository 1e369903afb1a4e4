/*
 * The integer core's side of the x87: the escape opcodes D8..DF and FWAIT,
 * the CR0.EM/MP/TS checks (#NM), pending-exception reporting (#MF with
 * CR0.NE=1, the FERR# output otherwise: SDM vol. 1, 8.7 and D.2), memory
 * operands through segmentation and paging, and FXSAVE/FXRSTOR.  The FPU
 * itself is core/cpu/x87.
 *
 * SPDX-License-Identifier: MIT
 */
#include "cpu/x86-sse.h"

typedef struct FpuMemCtx {
    CPUX86State *env;
    int seg;
    uint32_t ea;
    uint32_t amask;
} FpuMemCtx;

static uint32_t fpu_lin(FpuMemCtx *c, uint32_t offset, unsigned size, bool write)
{
    uint32_t off = (c->ea + offset) & c->amask;
    return write ? x86_lin_wr(c->env, c->seg, off, size) : x86_lin_rd(c->env, c->seg, off, size);
}

static uint64_t fpu_read(void *opaque, uint32_t offset, unsigned size)
{
    FpuMemCtx *c = opaque;
    if (size == 8) {
        uint32_t lin = fpu_lin(c, offset, 8, false);
        uint64_t lo = x86_ld(c->env, lin, 4);
        uint64_t hi = x86_ld(c->env, lin + 4, 4);
        return lo | (hi << 32);
    }
    return x86_ld(c->env, fpu_lin(c, offset, size, false), size);
}

static void fpu_write(void *opaque, uint32_t offset, uint64_t val, unsigned size)
{
    FpuMemCtx *c = opaque;
    if (size == 8) {
        uint32_t lin = fpu_lin(c, offset, 8, true);
        x86_probe_write(c->env, lin, 8);
        x86_st(c->env, lin, (uint32_t)val, 4);
        x86_st(c->env, lin + 4, (uint32_t)(val >> 32), 4);
        return;
    }
    x86_st(c->env, fpu_lin(c, offset, size, true), (uint32_t)val, size);
}

static void fpu_probe_write(void *opaque, uint32_t offset, unsigned size)
{
    FpuMemCtx *c = opaque;
    uint32_t lin = fpu_lin(c, offset, size, true);
    x86_probe_write(c->env, lin, size);
}

void x86_set_ferr(CPUX86State *env, bool level)
{
    if (env->ferr != level) {
        env->ferr = level;
        if (env->ferr_irq) {
            irq_set(env->ferr_irq, level);
        }
    }
}

/* A waiting instruction found an unmasked exception pending. */
static void fpu_report_pending(CPUX86State *env)
{
    if (env->cr[0] & CR0_NE) {
        x86_raise(env, EXCP_MF);
    }
    /* MS-DOS compatibility mode: signal FERR# (IRQ13 on a PC) and go on;
     * the handler clears the exception (SDM vol. 1, D.2.1). */
    if (!env->ignne) {
        x86_set_ferr(env, true);
    }
}

void x86_fpu_check_pending(CPUX86State *env)
{
    if (env->fpu_present && x87_exception_pending(&env->fpu)) {
        fpu_report_pending(env);
    }
}

X86_HANDLER(x86_op_fwait)
{
    if ((env->cr[0] & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS)) {
        x86_raise(env, EXCP_NM);
    }
    if (env->fpu_present && x87_exception_pending(&env->fpu)) {
        fpu_report_pending(env);
    }
}

X86_HANDLER(x86_op_fpu)
{
    if (env->cr[0] & (CR0_EM | CR0_TS)) {
        x86_raise(env, EXCP_NM);
    }
    if (!env->fpu_present) {
        /* No coprocessor and EM clear: the escape does nothing. */
        return;
    }
    uint8_t modrm = in->imm2 & 0xff;
    if (!x87_is_nowait(in->opc, modrm) && x87_exception_pending(&env->fpu)) {
        fpu_report_pending(env);
    }
    FpuMemCtx ctx = {
        .env = env,
        .seg = in->seg,
        .ea = (in->flags & IF_MEM) ? x86_ea(env, in) : 0,
        .amask = (in->flags & IF_ASZ32) ? 0xffffffffu : 0xffffu,
    };
    X87Mem mem = { .cpu = &ctx, .read = fpu_read, .write = fpu_write,
                   .probe_write = fpu_probe_write };
    X87Insn xi = {
        .opcode = in->opc,
        .modrm = modrm,
        .opsize32 = in->flags & IF_OSZ32,
        .protected_mode = (env->cr[0] & CR0_PE) && !(env->eflags & VM_MASK),
        .ip = in->eip,
        .cs = env->segs[R_CS].sel,
        .dp = ctx.ea,
        .ds = env->segs[in->seg].sel,
        .eflags = x86_get_eflags(env),
        .sse3 = env->cpuid_ext_features & CPUID_ECX_SSE3,
    };
    X87Result r = x87_execute(&env->fpu, &xi, &mem);
    if (r == X87_UD) {
        x86_raise(env, EXCP_UD);
    }
    if (xi.eflags_written) {
        x86_set_eflags(env, xi.eflags_out, CC_ARITH);
    }
    if (xi.ax_written) {
        wr_reg(env, R_EAX, 2, xi.ax_out);
    }
    if (!x87_exception_pending(&env->fpu)) {
        x86_set_ferr(env, false);
    }
}

/* 0F AE /0 FXSAVE, /1 FXRSTOR (SDM vol. 2A, FXSAVE, table 3-53): a
 * 512-byte, 16-byte aligned area; the x87 part is the FPU's, MXCSR and
 * MXCSR_MASK (bytes 24..31) and XMM0..7 (bytes 160..287) ours.  Bytes 288
 * and up are reserved or free for software: never written.  Without SSE
 * (a P6 with FXSR only) the XMM part is not there and MXCSR_MASK is 0. */
#define FX_AREA_SIZE 288
X86_HANDLER(x86_op_fxsave)
{
    if (env->cr[0] & CR0_EM) {
        x86_raise(env, EXCP_UD);
    }
    if (env->cr[0] & CR0_TS) {
        x86_raise(env, EXCP_NM);
    }
    uint32_t off = x86_ea(env, in);
    uint32_t lin0 = env->segs[in->seg].base + off;
    if (lin0 & 15) {
        x86_raise_err(env, EXCP_GP, 0);
    }
    bool restore = in->imm2 == 1;
    bool sse = env->cpuid_features & CPUID_EDX_SSE;
    unsigned size = sse ? FX_AREA_SIZE : 160;
    uint32_t lin = restore ? x86_lin_rd(env, in->seg, off, 512)
                           : x86_lin_wr(env, in->seg, off, 512);
    uint8_t area[FX_AREA_SIZE];
    if (restore) {
        for (unsigned i = 0; i < size; i += 4) {
            uint32_t v = x86_ld(env, lin + i, 4);
            memcpy(area + i, &v, 4);
        }
        uint32_t mxcsr;
        memcpy(&mxcsr, area + 24, 4);
        /* Reserved MXCSR bits: #GP(0), and nothing is loaded (SDM vol. 2A,
         * FXRSTOR, "Protected Mode Exceptions"). */
        if (sse && (mxcsr & ~MXCSR_VALID)) {
            x86_raise_err(env, EXCP_GP, 0);
        }
        x87_fxrstor(&env->fpu, area, in->flags & IF_OSZ32);
        env->mxcsr = sse ? mxcsr : (mxcsr & 0xffff);
        if (sse) {
            memcpy(env->xmm, area + 160, sizeof(env->xmm));
        }
        if (!x87_exception_pending(&env->fpu)) {
            x86_set_ferr(env, false);
        }
    } else {
        x86_probe_write(env, lin, size);
        x87_fxsave(&env->fpu, area, in->flags & IF_OSZ32);
        uint32_t mask = sse ? MXCSR_VALID : 0;
        memcpy(area + 24, &env->mxcsr, 4);
        memcpy(area + 28, &mask, 4);
        if (sse) {
            memcpy(area + 160, env->xmm, sizeof(env->xmm));
        }
        for (unsigned i = 0; i < size; i += 4) {
            uint32_t v;
            memcpy(&v, area + i, 4);
            x86_st(env, lin + i, v, 4);
        }
    }
}
