/*
 * x87 operations with exact results: partial remainder (FPREM/FPREM1),
 * FSCALE, FXTRACT and comparison.
 *
 * SPDX-License-Identifier: MIT
 */
#include "fx80.h"
#include "fx-wide.h"

/* Condition-code bits of the status word (SDM vol. 1 8.1.3.1). */
#define CC_C0 0x0100
#define CC_C1 0x0200
#define CC_C2 0x0400
#define CC_C3 0x4000

/* Exponent differences of 64 and more are reduced in steps (C2 = 1).  The
 * step leaves a difference that is a multiple of 32: N = 32 + (D mod 32) in
 * the notation of SDM vol. 2A FPREM ("an implementation-dependent number
 * between 32 and 63"), as measured on hardware. */
static int32_t partial_bits(int32_t d)
{
    return 32 + (d & 31);
}

floatx80 fx80_rem(Fx80Env *e, floatx80 a, floatx80 b, bool ieee, uint16_t *cc)
{
    /* *cc: C2 and the quotient bits when a remainder was computed; for a
     * NaN or invalid result only C2 = 0 and C0/C3 keep their value
     * (measured): reported as CC_KEEP_C0C3. */
    FxClass ca = fx80_classify(a), cb = fx80_classify(b);
    floatx80 res;
    FxUnp ua, ub;
    uint64_t rhi, rlo, q = 0;
    int32_t d, steps, i;
    bool sign = fx80_sign(a), partial;

    *cc = FX_REM_KEEP_C0C3;
    if (fx80_check_nan(e, 2, a, b, &res)) {
        return res;
    }
    /* inf rem x and x rem 0 are invalid (SDM vol. 2A FPREM table). */
    if (ca == FXC_INF || cb == FXC_ZERO) {
        return fx80_invalid(e);
    }
    if (fx80_check_denormal(e, ca, cb)) {
        return a;
    }
    *cc = 0;
    if (ca == FXC_ZERO) {
        return a;
    }
    ua = fx80_unpack(a);
    ub = fx80_unpack(b);
    d = ua.exp - ub.exp;
    if (cb == FXC_INF || d < (ieee ? -1 : 0)) {
        /* |a| < |b| (or < |b|/2 for FPREM1): the remainder is a itself. */
        return fx80_round_pack(e, true, sign, ua.exp, ua.sig, 0);
    }
    partial = d >= 64;
    steps = partial ? partial_bits(d) : d;
    /* Long division of a's significand by b's, one quotient bit per step;
     * the running remainder stays below 2 * divisor < 2^65. */
    rhi = 0;
    rlo = ua.sig;
    if (steps < 0) {
        /* FPREM1 with d = -1: no quotient bit; rounding below decides. */
        steps = 0;
    }
    for (i = 0; i <= steps; i++) {
        q <<= 1;
        if (d >= 0 && !fx_lt128(rhi, rlo, 0, ub.sig)) {
            fx_sub128(&rhi, &rlo, 0, ub.sig);
            q |= 1;
        }
        if (i < steps) {
            fx_shl128(&rhi, &rlo, 1);
        }
    }
    /* The remainder is rlo * 2^(e_r - BIAS - 63), e_r = b's exponent plus
     * the reduction not yet done; d = -1 keeps a's own scale. */
    int32_t er = d >= 0 ? ub.exp + (d - steps) : ua.exp;
    if (ieee && !partial) {
        /* Round the quotient to nearest-even: compare 2 * rem with the
         * divisor (a's scale is half of b's when d = -1). */
        uint64_t dhi = 0, dlo = ub.sig, thi = rhi, tlo = rlo;
        if (d >= 0) {
            fx_shl128(&thi, &tlo, 1);
        }
        if (fx_lt128(dhi, dlo, thi, tlo) ||
            (thi == dhi && tlo == dlo && (q & 1))) {
            q++;
            /* rem := divisor - rem, at the remainder's scale. */
            dhi = 0;
            dlo = ub.sig;
            if (d < 0) {
                fx_shl128(&dhi, &dlo, 1);
            }
            fx_sub128(&dhi, &dlo, rhi, rlo);
            rhi = dhi;
            rlo = dlo;
            sign = !sign;
        }
    }
    if (partial) {
        *cc = CC_C2;
    } else {
        *cc = ((q & 4) ? CC_C0 : 0) | ((q & 2) ? CC_C3 : 0) | ((q & 1) ? CC_C1 : 0);
    }
    if (rhi == 0 && rlo == 0) {
        return fx80_zero(fx80_sign(a));
    }
    return fx80_norm_round_pack(e, true, sign, er + 64, rhi, rlo);
}

floatx80 fx80_scale(Fx80Env *e, floatx80 a, floatx80 b)
{
    FxClass ca = fx80_classify(a), cb = fx80_classify(b);
    floatx80 res;
    FxUnp ua, ub;
    int32_t n;

    if (fx80_check_nan(e, 2, a, b, &res)) {
        return res;
    }
    /* Invalid: 0 * 2^+inf and inf * 2^-inf (SDM vol. 2A FSCALE table). */
    if (cb == FXC_INF && ((ca == FXC_ZERO && !fx80_sign(b)) ||
                          (ca == FXC_INF && fx80_sign(b)))) {
        return fx80_invalid(e);
    }
    if (fx80_check_denormal(e, ca, cb)) {
        return a;
    }
    if (ca == FXC_ZERO || ca == FXC_INF) {
        return a;
    }
    if (cb == FXC_INF) {
        return fx80_sign(b) ? fx80_zero(fx80_sign(a)) : fx80_inf(fx80_sign(a));
    }
    ua = fx80_unpack(a);
    n = 0;
    if (cb != FXC_ZERO) {
        ub = fx80_unpack(b);
        if (ub.exp >= FX_BIAS + 17) {
            /* |n| >= 2^17 over- or underflows any operand (the exponent
             * range is 2^15 wide plus 63 for denormals): clamp. */
            n = 1 << 17;
        } else if (ub.exp >= FX_BIAS) {
            n = (int32_t)(ub.sig >> (FX_BIAS + 63 - ub.exp));  /* truncate */
        }
        if (ub.sign) {
            n = -n;
        }
    }
    return fx80_round_pack(e, true, ua.sign, ua.exp + n, ua.sig, 0);
}

floatx80 fx80_xtract(Fx80Env *e, floatx80 a, floatx80 *exp_out)
{
    FxClass ca = fx80_classify(a);
    floatx80 res;
    FxUnp ua;

    if (fx80_check_nan(e, 1, a, a, &res)) {
        *exp_out = res;
        return res;
    }
    if (ca == FXC_ZERO) {
        /* Exponent of zero: -inf, with a divide-by-zero exception (SDM
         * vol. 2A FXTRACT). */
        e->flags |= FX_ZE;
        *exp_out = fx80_inf(true);
        return a;
    }
    if (ca == FXC_INF) {
        *exp_out = fx80_inf(false);
        return a;
    }
    if (fx80_check_denormal(e, ca, ca)) {
        *exp_out = a;
        return a;
    }
    ua = fx80_unpack(a);
    *exp_out = fx80_from_int(ua.exp - FX_BIAS);
    return fx80_make(ua.sign, FX_BIAS, ua.sig);
}

FxCmp fx80_compare(Fx80Env *e, floatx80 a, floatx80 b, bool quiet)
{
    FxClass ca = fx80_classify(a), cb = fx80_classify(b);
    FxUnp ua, ub;
    bool less;

    if (ca == FXC_UNSUPPORTED || cb == FXC_UNSUPPORTED || ca == FXC_SNAN ||
        cb == FXC_SNAN) {
        e->flags |= FX_IE;
        return FX_CMP_UN;
    }
    if (ca == FXC_QNAN || cb == FXC_QNAN) {
        /* FCOM treats any NaN as invalid, FUCOM only an SNaN (SDM vol. 2A
         * FUCOM). */
        if (!quiet) {
            e->flags |= FX_IE;
        }
        return FX_CMP_UN;
    }
    fx80_check_denormal(e, ca, cb);
    if (ca == FXC_ZERO && cb == FXC_ZERO) {
        return FX_CMP_EQ;
    }
    ua = fx80_unpack(a);
    ub = fx80_unpack(b);
    if (ca == FXC_INF) {
        ua.exp = INT32_MAX;
    } else if (ca == FXC_ZERO) {
        ua.exp = INT32_MIN;
    }
    if (cb == FXC_INF) {
        ub.exp = INT32_MAX;
    } else if (cb == FXC_ZERO) {
        ub.exp = INT32_MIN;
    }
    if (ua.sign != ub.sign) {
        return ua.sign ? FX_CMP_LT : FX_CMP_GT;
    }
    if (ua.exp == ub.exp && ua.sig == ub.sig) {
        return FX_CMP_EQ;
    }
    less = ua.exp < ub.exp || (ua.exp == ub.exp && ua.sig < ub.sig);
    return less != ua.sign ? FX_CMP_LT : FX_CMP_GT;
}
