/*
 * Lazy evaluation of the arithmetic flags.
 *
 * Most instructions that set flags only record their operands and result
 * (cc_op, cc_src1, cc_src2, cc_dst, see x86-internal.h); the flags are
 * worked out here when something reads them.  All values are sign-extended
 * to 32 bits, so one formula serves the 8-, 16- and 32-bit forms: the carry
 * of an addition is "result below the first operand" and the borrow of a
 * subtraction is "first operand below the second", both unsigned, and sign
 * extension preserves unsigned order.  The bit-level definitions are those
 * of the SDM vol. 1, 3.4.3.1 and appendix A.
 *
 * SPDX-License-Identifier: MIT
 */
#include "cpu/x86-internal.h"

static inline uint32_t parity_flag(uint32_t v)
{
    /* PF is set when the low byte has an even number of 1 bits. */
    return __builtin_parity(v & 0xff) ? 0 : CC_P;
}

uint32_t x86_compute_cf(CPUX86State *env)
{
    uint32_t s1 = env->cc_src1, s2 = env->cc_src2, d = env->cc_dst;
    switch (env->cc_op) {
    case CC_OP_EFLAGS:
        return env->eflags & CC_C;
    case CC_OP_ADD:
        return d < s1;
    case CC_OP_ADC:
        return d <= s1;
    case CC_OP_SUB:
        return s1 < s2;
    case CC_OP_SBB:
        return s1 <= s2;
    case CC_OP_INC:
    case CC_OP_DEC:
        return s2 & 1;
    case CC_OP_DSTF:
        return s1 & CC_C;
    default:
        return 0;
    }
}

uint32_t x86_compute_arith(CPUX86State *env)
{
    uint32_t s1 = env->cc_src1, s2 = env->cc_src2, d = env->cc_dst;
    uint32_t f;
    switch (env->cc_op) {
    case CC_OP_EFLAGS:
        return env->eflags & CC_ARITH;
    case CC_OP_ADD:
    case CC_OP_ADC:
        f = (env->cc_op == CC_OP_ADD ? d < s1 : d <= s1) ? CC_C : 0;
        f |= (((s1 ^ d) & (s2 ^ d)) >> 31) ? CC_O : 0;
        f |= (s1 ^ s2 ^ d) & CC_A;
        break;
    case CC_OP_INC:
        f = (s2 & 1) ? CC_C : 0;
        f |= (((s1 ^ d) & (1 ^ d)) >> 31) ? CC_O : 0;
        f |= (s1 ^ 1 ^ d) & CC_A;
        break;
    case CC_OP_SUB:
    case CC_OP_SBB:
        f = (env->cc_op == CC_OP_SUB ? s1 < s2 : s1 <= s2) ? CC_C : 0;
        f |= (((s1 ^ s2) & (s1 ^ d)) >> 31) ? CC_O : 0;
        f |= (s1 ^ s2 ^ d) & CC_A;
        break;
    case CC_OP_DEC:
        f = (s2 & 1) ? CC_C : 0;
        f |= (((s1 ^ 1) & (s1 ^ d)) >> 31) ? CC_O : 0;
        f |= (s1 ^ 1 ^ d) & CC_A;
        break;
    case CC_OP_LOGIC:
        f = 0;
        break;
    case CC_OP_DSTF:
        f = s1 & (CC_C | CC_O | CC_A);
        break;
    default:
        f = 0;
        break;
    }
    f |= d == 0 ? CC_Z : 0;
    f |= (d >> 31) ? CC_S : 0;
    f |= parity_flag(d);
    return f;
}

bool x86_cond_slow(CPUX86State *env, int cond)
{
    uint32_t f = x86_compute_arith(env);
    bool r;
    switch (cond >> 1) {
    case CC_COND_O >> 1:
        r = f & CC_O;
        break;
    case CC_COND_B >> 1:
        r = f & CC_C;
        break;
    case CC_COND_Z >> 1:
        r = f & CC_Z;
        break;
    case CC_COND_BE >> 1:
        r = f & (CC_C | CC_Z);
        break;
    case CC_COND_S >> 1:
        r = f & CC_S;
        break;
    case CC_COND_P >> 1:
        r = f & CC_P;
        break;
    case CC_COND_L >> 1:
        r = !!(f & CC_S) != !!(f & CC_O);
        break;
    default: /* LE */
        r = (f & CC_Z) || (!!(f & CC_S) != !!(f & CC_O));
        break;
    }
    return r ^ (cond & 1);
}

void x86_flags_materialize(CPUX86State *env)
{
    if (env->cc_op != CC_OP_EFLAGS) {
        env->eflags = (env->eflags & ~CC_ARITH) | x86_compute_arith(env);
        env->cc_op = CC_OP_EFLAGS;
    }
}

uint32_t x86_get_eflags(CPUX86State *env)
{
    uint32_t f = env->eflags & ~CC_ARITH;
    return f | x86_compute_arith(env);
}

void x86_set_eflags(CPUX86State *env, uint32_t val, uint32_t mask)
{
    x86_flags_materialize(env);
    uint32_t old = env->eflags;
    /* Bit 1 always reads 1; bits 3, 5 and 15 always 0 (SDM vol. 1, 3.4.3). */
    env->eflags = ((old & ~mask) | (val & mask) | 0x2) & ~0x8028u;
    if ((old ^ env->eflags) & (TF_MASK | VM_MASK)) {
        x86_update_hflags(env);
    }
}
