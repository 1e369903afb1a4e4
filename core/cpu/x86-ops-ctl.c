/*
 * Control transfers: Jcc, JMP, CALL, RET, LOOP/JCXZ, the far forms, INT n,
 * INT3, INTO, INT1, IRET, HLT and BOUND.  Each of these ends its block; the
 * handler leaves the next EIP in env->eip (the loop preset it to the
 * fall-through address) and says in env->exit_slot whether the successor
 * may be chained (SDM vol. 2 for the semantics).
 *
 * SPDX-License-Identifier: MIT
 */
#include "cpu/x86-ops.h"

/* A near transfer: the target must be within the CS limit (#GP(0)). */
X86_ALWAYS_INLINE void check_target(CPUX86State *env, uint32_t target)
{
    if (cc_unlikely(target > env->segs[R_CS].limit)) {
        x86_raise_err(env, EXCP_GP, 0);
    }
}

X86_ALWAYS_INLINE uint32_t next_eip(const X86Insn *in)
{
    uint32_t n = in->eip + in->len;
    return (in->flags & IF_OSZ32) ? n : (n & 0xffff);
}

/* ---- Jcc, JMP ---- */

X86_ALWAYS_INLINE void jcc(CPUX86State *env, const X86Insn *in, int cond)
{
    if (x86_cond(env, cond)) {
        check_target(env, in->imm);
        env->eip = in->imm;
        env->exit_slot = EXIT_TAKEN;
    }
}

#define JCC_DEF(c) X86_SHANDLER(jcc_##c) { jcc(env, in, c); }
JCC_DEF(0) JCC_DEF(1) JCC_DEF(2) JCC_DEF(3) JCC_DEF(4) JCC_DEF(5) JCC_DEF(6) JCC_DEF(7)
JCC_DEF(8) JCC_DEF(9) JCC_DEF(10) JCC_DEF(11) JCC_DEF(12) JCC_DEF(13) JCC_DEF(14) JCC_DEF(15)

const X86Handler x86_h_jcc[16] = {
    jcc_0, jcc_1, jcc_2, jcc_3, jcc_4, jcc_5, jcc_6, jcc_7,
    jcc_8, jcc_9, jcc_10, jcc_11, jcc_12, jcc_13, jcc_14, jcc_15,
};

X86_HANDLER(x86_op_jmp)
{
    check_target(env, in->imm);
    env->eip = in->imm;
    env->exit_slot = EXIT_TAKEN;
}

static uint32_t rm_value(CPUX86State *env, const X86Insn *in, int size)
{
    if (in->flags & IF_MEM) {
        return x86_ld_seg(env, in->seg, x86_ea(env, in), size);
    }
    return rd_reg(env, in->rm, size);
}

X86_HANDLER(x86_op_jmp_ind)
{
    uint32_t target = rm_value(env, in, in->osz);
    check_target(env, target);
    env->eip = target;
    env->exit_slot = EXIT_INDIRECT;
}

/* ---- CALL, RET ---- */

X86_ALWAYS_INLINE void call_near(CPUX86State *env, const X86Insn *in, uint32_t target, int size)
{
    check_target(env, target);
    x86_push(env, next_eip(in), size);
    env->eip = target;
}

X86_SHANDLER(call_rel2)
{
    call_near(env, in, in->imm, 2);
    env->exit_slot = EXIT_TAKEN;
}

X86_SHANDLER(call_rel4)
{
    call_near(env, in, in->imm, 4);
    env->exit_slot = EXIT_TAKEN;
}

X86_ALWAYS_INLINE bool call_flat_fast(CPUX86State *env, const X86Insn *in)
{
    uint32_t esp = env->regs[R_ESP] - 4;
    uint8_t *p = x86_tlb_ptr(env, esp, 4, true);
    if (!p || in->imm > env->segs[R_CS].limit) {
        return false;
    }
    x86_host_st(p, in->eip + in->len, 4);
    env->regs[R_ESP] = esp;
    env->eip = in->imm;
    env->exit_slot = EXIT_TAKEN;
    return true;
}

X86_FAST_HANDLER(call_rel4f, call_flat_fast(env, in),
                 check_target(env, in->imm); x86_push_flat(env, in->eip + in->len);
                 env->eip = in->imm; env->exit_slot = EXIT_TAKEN)

/* [16-bit, 32-bit, 32-bit on a flat stack] */
const X86Handler x86_h_call_rel[3] = { call_rel2, call_rel4, call_rel4f };

X86_HANDLER(x86_op_call_ind)
{
    uint32_t target = rm_value(env, in, in->osz);
    call_near(env, in, target, in->osz);
    env->exit_slot = EXIT_INDIRECT;
}

X86_ALWAYS_INLINE void ret_near(CPUX86State *env, const X86Insn *in, int size, uint32_t extra)
{
    uint32_t esp = env->regs[R_ESP];
    uint32_t target = x86_ld_seg(env, R_SS, esp & env->sp_mask, size);
    check_target(env, target);
    env->regs[R_ESP] = (esp & ~env->sp_mask) | ((esp + size + extra) & env->sp_mask);
    env->eip = target;
    env->exit_slot = EXIT_INDIRECT;
}

X86_SHANDLER(ret2)
{
    ret_near(env, in, 2, 0);
}

X86_SHANDLER(ret4)
{
    ret_near(env, in, 4, 0);
}

X86_SHANDLER(ret_imm2)
{
    ret_near(env, in, 2, in->imm);
}

X86_SHANDLER(ret_imm4)
{
    ret_near(env, in, 4, in->imm);
}

X86_ALWAYS_INLINE bool ret_flat_fast(CPUX86State *env)
{
    uint32_t esp = env->regs[R_ESP];
    uint8_t *p = x86_tlb_ptr(env, esp, 4, false);
    if (!p) {
        return false;
    }
    uint32_t target = x86_host_ld(p, 4);
    if (target > env->segs[R_CS].limit) {
        return false;
    }
    env->regs[R_ESP] = esp + 4;
    env->eip = target;
    env->exit_slot = EXIT_INDIRECT;
    return true;
}

X86_FAST_HANDLER(ret4f, ret_flat_fast(env), ret_near(env, in, 4, 0))

/* [imm][16-bit, 32-bit, 32-bit on a flat stack (no imm form)] */
const X86Handler x86_h_ret[2][3] = { { ret2, ret4, ret4f }, { ret_imm2, ret_imm4, ret_imm4 } };

/* ---- LOOP, LOOPE, LOOPNE, JCXZ (E0..E3) ---- */

X86_HANDLER(x86_op_loop)
{
    uint32_t amask = (in->flags & IF_ASZ32) ? 0xffffffffu : 0xffffu;
    uint32_t ecx = env->regs[R_ECX];
    uint32_t count = ecx & amask;
    bool take;
    if (in->opc == 0xe3) {
        take = count == 0;
    } else {
        count = (count - 1) & amask;
        take = count != 0;
        if (in->opc == 0xe1) {
            take = take && x86_cond(env, CC_COND_Z);
        } else if (in->opc == 0xe0) {
            take = take && x86_cond(env, CC_COND_NZ);
        }
    }
    if (take) {
        check_target(env, in->imm);
        env->eip = in->imm;
        env->exit_slot = EXIT_TAKEN;
    }
    env->regs[R_ECX] = (ecx & ~amask) | count;
}

/* ---- far transfers ---- */

X86_HANDLER(x86_op_jmp_far)
{
    x86_far_jmp(env, in->imm2, in->imm, next_eip(in));
    env->exit_slot = EXIT_NOCHAIN;
}

X86_HANDLER(x86_op_call_far)
{
    x86_far_call(env, in->imm2, in->imm, in->flags & IF_OSZ32, next_eip(in));
    env->exit_slot = EXIT_NOCHAIN;
}

/* FF /3 and /5: a far pointer in memory (offset, then selector). */
static void far_ptr(CPUX86State *env, const X86Insn *in, uint16_t *sel, uint32_t *off)
{
    int size = in->osz;
    uint32_t lin = x86_lin_rd(env, in->seg, x86_ea(env, in), size + 2);
    *off = x86_ld(env, lin, size);
    *sel = x86_ld(env, lin + size, 2);
}

X86_HANDLER(x86_op_jmp_far_ind)
{
    uint16_t sel;
    uint32_t off;
    far_ptr(env, in, &sel, &off);
    x86_far_jmp(env, sel, off, next_eip(in));
    env->exit_slot = EXIT_NOCHAIN;
}

X86_HANDLER(x86_op_call_far_ind)
{
    uint16_t sel;
    uint32_t off;
    far_ptr(env, in, &sel, &off);
    x86_far_call(env, sel, off, in->flags & IF_OSZ32, next_eip(in));
    env->exit_slot = EXIT_NOCHAIN;
}

X86_HANDLER(x86_op_retf)
{
    x86_far_ret(env, in->flags & IF_OSZ32, in->opc == 0xca ? in->imm : 0);
    env->exit_slot = EXIT_NOCHAIN;
}

X86_HANDLER(x86_op_iret)
{
    x86_iret(env, in->flags & IF_OSZ32);
    env->exit_slot = EXIT_NOCHAIN;
    /* IF may have been set, and NMIs unblocked: look again. */
    if (env->cs->interrupt_request) {
        env->cs->exit_request = 1;
    }
}

/* ---- software interrupts ---- */

X86_HANDLER(x86_op_int)
{
    /* INT n is IOPL-sensitive in virtual-8086 mode (SDM vol. 3A, 20.2.7). */
    if ((env->eflags & VM_MASK) && ((env->eflags & IOPL_MASK) >> IOPL_SHIFT) != 3) {
        x86_raise_err(env, EXCP_GP, 0);
    }
    x86_do_interrupt(env, in->imm & 0xff, true, false, 0, next_eip(in));
    env->exit_slot = EXIT_NOCHAIN;
}

X86_HANDLER(x86_op_int3)
{
    x86_do_interrupt(env, EXCP_BP, true, false, 0, next_eip(in));
    env->exit_slot = EXIT_NOCHAIN;
}

X86_HANDLER(x86_op_into)
{
    if (x86_cond(env, CC_COND_O)) {
        x86_do_interrupt(env, EXCP_OF, true, false, 0, next_eip(in));
    }
    env->exit_slot = EXIT_NOCHAIN;
}

X86_HANDLER(x86_op_int1)
{
    /* ICEBP: a #DB trap delivered like an external event (no DPL check). */
    env->dr[6] |= 0x8000;
    x86_do_interrupt(env, EXCP_DB, false, false, 0, next_eip(in));
    env->exit_slot = EXIT_NOCHAIN;
}

X86_HANDLER(x86_op_hlt)
{
    if (env->cpl != 0) {
        x86_raise_err(env, EXCP_GP, 0);
    }
    env->cs->halted = true;
    env->exit_slot = EXIT_NOCHAIN;
}

X86_HANDLER(x86_op_bound)
{
    int size = in->osz;
    uint32_t lin = x86_lin_rd(env, in->seg, x86_ea(env, in), size * 2);
    int32_t lo = x86_sext(x86_ld(env, lin, size), size);
    int32_t hi = x86_sext(x86_ld(env, lin + size, size), size);
    int32_t v = x86_sext(rd_reg(env, in->reg, size), size);
    if (v < lo || v > hi) {
        x86_raise(env, EXCP_BR);
    }
}
