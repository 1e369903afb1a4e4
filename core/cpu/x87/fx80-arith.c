/*
 * x87 basic arithmetic: add, subtract, multiply, divide, square root.  Each
 * computes the exact result to 128 bits plus a sticky bit and rounds once
 * at the precision-control width (SDM vol. 1 8.1.5.2: PC applies to exactly
 * these operations).
 *
 * SPDX-License-Identifier: MIT
 */
#include "fx80.h"
#include "fx-wide.h"

/* Zero results of an exact cancellation are +0, or -0 when rounding down
 * (SDM vol. 1 4.8.3.3 / IEEE 754 6.3). */
static floatx80 cancel_zero(const Fx80Env *e)
{
    return fx80_zero(e->rc == FX_RC_DOWN);
}

/* The sum of two nonzero finite unpacked values. */
static floatx80 add_core(Fx80Env *e, FxUnp ua, FxUnp ub)
{
    uint64_t ahi, alo, bhi, blo;
    int32_t exp;
    bool sign;

    /* Make a the operand of larger magnitude. */
    if (ua.exp < ub.exp || (ua.exp == ub.exp && ua.sig < ub.sig)) {
        FxUnp t = ua;
        ua = ub;
        ub = t;
    }
    sign = ua.sign;
    exp = ua.exp;
    ahi = ua.sig;
    alo = 0;
    bhi = ub.sig;
    blo = 0;
    fx_shr128_jam(&bhi, &blo, (int64_t)ua.exp - ub.exp);
    if (ua.sign == ub.sign) {
        fx_add128(&ahi, &alo, bhi, blo);
        if (ahi < ua.sig) {
            /* Carry out of bit 127: shift it back in. */
            fx_shr128_jam(&ahi, &alo, 1);
            ahi |= FX_INT_BIT;
            exp++;
        }
    } else {
        fx_sub128(&ahi, &alo, bhi, blo);
        if (ahi == 0 && alo == 0) {
            return cancel_zero(e);
        }
    }
    return fx80_norm_round_pack(e, false, sign, exp, ahi, alo);
}

static floatx80 add_sub(Fx80Env *e, floatx80 a, floatx80 b, bool negate_b)
{
    FxClass ca, cb;
    bool sb = fx80_sign(b) ^ negate_b;
    floatx80 res;
    FxUnp ua, ub;

    if (fx80_is_normal(a) && fx80_is_normal(b) && !e->src_denormal) {
        FxUnp fa = { fx80_sign(a), fx80_exp(a), a.mant };
        FxUnp fb = { sb, fx80_exp(b), b.mant };
        return add_core(e, fa, fb);
    }
    ca = fx80_classify(a);
    cb = fx80_classify(b);
    if (fx80_check_nan(e, 2, a, b, &res)) {
        return res;
    }
    if (ca == FXC_INF || cb == FXC_INF) {
        if (ca == FXC_INF && cb == FXC_INF && fx80_sign(a) != sb) {
            return fx80_invalid(e);     /* inf - inf (SDM vol. 1 8.5.1.2) */
        }
        if (fx80_check_denormal(e, ca, cb)) {
            return a;
        }
        return fx80_inf(ca == FXC_INF ? fx80_sign(a) : sb);
    }
    if (fx80_check_denormal(e, ca, cb)) {
        return a;
    }
    if (ca == FXC_ZERO && cb == FXC_ZERO) {
        return fx80_sign(a) == sb ? fx80_zero(sb) : cancel_zero(e);
    }
    ua = fx80_unpack(a);
    ub = fx80_unpack(b);
    ub.sign = sb;
    if (ca == FXC_ZERO) {
        return fx80_round_pack(e, false, ub.sign, ub.exp, ub.sig, 0);
    }
    if (cb == FXC_ZERO) {
        return fx80_round_pack(e, false, ua.sign, ua.exp, ua.sig, 0);
    }
    return add_core(e, ua, ub);
}

floatx80 fx80_add(Fx80Env *e, floatx80 a, floatx80 b)
{
    return add_sub(e, a, b, false);
}

floatx80 fx80_sub(Fx80Env *e, floatx80 a, floatx80 b)
{
    return add_sub(e, a, b, true);
}

floatx80 fx80_mul(Fx80Env *e, floatx80 a, floatx80 b)
{
    FxClass ca, cb;
    bool sign = fx80_sign(a) ^ fx80_sign(b);
    floatx80 res;
    FxUnp ua, ub;
    uint64_t hi, lo;

    if (fx80_is_normal(a) && fx80_is_normal(b) && !e->src_denormal) {
        fx_mul64(a.mant, b.mant, &hi, &lo);
        return fx80_norm_round_pack(e, false, sign, fx80_exp(a) + fx80_exp(b) - FX_BIAS + 1,
                                    hi, lo);
    }
    ca = fx80_classify(a);
    cb = fx80_classify(b);
    if (fx80_check_nan(e, 2, a, b, &res)) {
        return res;
    }
    if ((ca == FXC_INF && cb == FXC_ZERO) || (ca == FXC_ZERO && cb == FXC_INF)) {
        return fx80_invalid(e);         /* 0 * inf (SDM vol. 1 8.5.1.2) */
    }
    if (fx80_check_denormal(e, ca, cb)) {
        return a;
    }
    if (ca == FXC_INF || cb == FXC_INF) {
        return fx80_inf(sign);
    }
    if (ca == FXC_ZERO || cb == FXC_ZERO) {
        return fx80_zero(sign);
    }
    ua = fx80_unpack(a);
    ub = fx80_unpack(b);
    fx_mul64(ua.sig, ub.sig, &hi, &lo);
    /* Product of two [2^63, 2^64) significands lies in [2^126, 2^128). */
    return fx80_norm_round_pack(e, false, sign, ua.exp + ub.exp - FX_BIAS + 1, hi, lo);
}

/* The quotient of two nonzero finite unpacked values. */
static floatx80 div_core(Fx80Env *e, bool sign, FxUnp ua, FxUnp ub)
{
    uint64_t nhi, nlo, q, q2, rem;
    int32_t exp;

    /* Scale the dividend so the 64-bit quotient is normalized. */
    if (ua.sig >= ub.sig) {
        nhi = ua.sig >> 1;
        nlo = ua.sig << 63;
        exp = ua.exp - ub.exp + FX_BIAS;
    } else {
        nhi = ua.sig;
        nlo = 0;
        exp = ua.exp - ub.exp + FX_BIAS - 1;
    }
    q = fx_div128(nhi, nlo, ub.sig, &rem);
    q2 = fx_div128(rem, 0, ub.sig, &rem);
    return fx80_round_pack(e, false, sign, exp, q, q2 | (rem != 0));
}

floatx80 fx80_div(Fx80Env *e, floatx80 a, floatx80 b)
{
    FxClass ca, cb;
    bool sign = fx80_sign(a) ^ fx80_sign(b);
    floatx80 res;

    if (fx80_is_normal(a) && fx80_is_normal(b) && !e->src_denormal) {
        FxUnp fa = { false, fx80_exp(a), a.mant }, fb = { false, fx80_exp(b), b.mant };
        return div_core(e, sign, fa, fb);
    }
    ca = fx80_classify(a);
    cb = fx80_classify(b);
    if (fx80_check_nan(e, 2, a, b, &res)) {
        return res;
    }
    if ((ca == FXC_INF && cb == FXC_INF) || (ca == FXC_ZERO && cb == FXC_ZERO)) {
        return fx80_invalid(e);         /* inf/inf, 0/0 (SDM vol. 1 8.5.1.2) */
    }
    if (cb == FXC_ZERO && ca != FXC_INF) {
        /* Divide by zero (SDM vol. 1 8.5.3), higher priority than DE. */
        e->flags |= FX_ZE;
        return fx80_inf(sign);
    }
    if (fx80_check_denormal(e, ca, cb)) {
        return a;
    }
    if (ca == FXC_INF || cb == FXC_ZERO) {
        return fx80_inf(sign);
    }
    if (ca == FXC_ZERO || cb == FXC_INF) {
        return fx80_zero(sign);
    }
    return div_core(e, sign, fx80_unpack(a), fx80_unpack(b));
}

/* Integer square root of the 128-bit m: the 64-bit root, and whether the
 * exact root is above root + 1/2 (*above_half) or inexact at all. */
static uint64_t isqrt128(uint64_t mhi, uint64_t mlo, bool *above_half, bool *inexact)
{
    uint64_t rhi = 0, rlo = 0, root = 0;
    int i;

    /* Digit-by-digit (restoring) square root, two radicand bits per step. */
    for (i = 63; i >= 0; i--) {
        uint64_t two = i >= 32 ? (mhi >> ((i - 32) * 2)) & 3 : (mlo >> (i * 2)) & 3;
        uint64_t thi = root >> 62, tlo = (root << 2) | 1;

        fx_shl128(&rhi, &rlo, 2);
        rlo |= two;
        root <<= 1;
        if (!fx_lt128(rhi, rlo, thi, tlo)) {
            fx_sub128(&rhi, &rlo, thi, tlo);
            root |= 1;
        }
    }
    /* Remainder R = m - root^2; the root is above root + 1/2 iff
     * R > root (exactly half is impossible). */
    *inexact = rhi || rlo;
    *above_half = rhi || rlo > root;
    return root;
}

floatx80 fx80_sqrt(Fx80Env *e, floatx80 a)
{
    FxClass ca = fx80_classify(a);
    floatx80 res;
    FxUnp ua;
    uint64_t mhi, mlo, root;
    bool above, inexact;
    int32_t k;

    if (fx80_check_nan(e, 1, a, a, &res)) {
        return res;
    }
    if (ca == FXC_ZERO) {
        return a;                       /* sqrt(-0) = -0 (SDM FSQRT table) */
    }
    if (fx80_sign(a)) {
        return fx80_invalid(e);
    }
    if (fx80_check_denormal(e, ca, ca)) {
        return a;
    }
    if (ca == FXC_INF) {
        return a;
    }
    ua = fx80_unpack(a);
    /* a = (sig / 2^63) * 2^k.  For even k the root's significand is
     * sqrt(sig * 2^63); for odd k, sqrt(sig * 2^64) with the exponent
     * floor(k / 2).  Either way a 64-bit root in [2^63, 2^64). */
    k = ua.exp - FX_BIAS;
    if (k & 1) {
        mhi = ua.sig;
        mlo = 0;
    } else {
        mhi = ua.sig >> 1;
        mlo = ua.sig << 63;
    }
    root = isqrt128(mhi, mlo, &above, &inexact);
    return fx80_round_pack(e, false, false, (k - (k & 1)) / 2 + FX_BIAS, root,
                           above ? FX_INT_BIT | 1 : (uint64_t)inexact);
}
