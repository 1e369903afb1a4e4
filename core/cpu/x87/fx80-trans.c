/*
 * The x87 transcendental instructions: F2XM1, FYL2X, FYL2XP1, FPATAN,
 * FSIN, FCOS, FSINCOS, FPTAN.
 *
 * Method: every function is evaluated in the 128-bit working format (see
 * xf128.h) by argument reduction and a Taylor series, then rounded once to
 * 64 bits per the rounding control.  The working error is a few units of
 * 2^-120, so results are the correctly rounded value of the mathematical
 * function except when it lies within ~2^-56 ulp of a rounding boundary.
 * Series are summed as leading term + separately accumulated tail, so a
 * correction below the working precision (sin x for tiny x) still rounds
 * in the right direction and reports inexact.
 *
 * Measured (tests/unit/x87): 2099 of 2099 mpmath-referenced arguments
 * correctly rounded.  Against the host's x87 (an AMD Zen), about 99.4% of
 * results over random operands are bit-identical and the rest differ by
 * 1 ulp; in each of 48 such cases checked with mpmath (4000 bits, all
 * rounding modes) the result here was the correctly rounded one.  Like hardware, results are always reported
 * inexact (SDM vol. 1 8.5.6), and C1 follows our (correct) rounding.
 *
 * FSIN/FCOS/FSINCOS/FPTAN reduce their argument modulo pi/2 using pi
 * truncated to 66 significant bits, as the x87 does (Intel SDM vol. 1
 * 8.3.10: the FPU's internal pi has a 66-bit significand).  Results are
 * thus correctly rounded values of sin(x * pi / pi66) etc., which matches
 * hardware for large arguments rather than the true sine.
 *
 * SPDX-License-Identifier: MIT
 */
#include "fx80.h"
#include "fx-wide.h"
#include "xf128.h"

/* Series stop once a term is this many binary orders below their sum. */
#define XF_SERIES_BITS 130

/* Series are summed as first term + tail, the tail accumulated on its own
 * to full relative precision.  Adding the tail once at the end leaves a
 * sticky bit on the correct side when it falls below the working
 * precision, so directed rounding and the inexact flag come out right even
 * for tiny arguments (sin x just below x).  Returns true when done. */
static bool series_step(Xf *tail, Xf term)
{
    bool done = xf_is_zero(term) ||
                (!xf_is_zero(*tail) && term.exp < tail->exp - XF_SERIES_BITS);

    *tail = xf_add(*tail, term);
    return done;
}

static Xf xf_one(void)
{
    return xf_from_uint(1);
}

/* Floating-point validity checks shared by the one-operand functions:
 * unsupported -> IE, NaN -> propagated, denormal -> DE.  Returns true when
 * *res is final (or, for an unmasked DE, the operation stops). */
static bool unary_prologue(Fx80Env *e, floatx80 a, floatx80 *res)
{
    FxClass c = fx80_classify(a);

    if (fx80_check_nan(e, 1, a, a, res)) {
        return true;
    }
    if (c == FXC_DENORMAL && fx80_check_denormal(e, c, c)) {
        *res = a;
        return true;
    }
    return false;
}

/* --- 2^x - 1 ----------------------------------------------------------- */

/* expm1(y) for |y| < 2^-8: y + y^2/2! + y^3/3! + ... */
static Xf expm1_series(Xf y)
{
    Xf tail = xf_make(false, 0, 0, 0), term = y;
    uint32_t n;

    for (n = 2; n < 60; n++) {
        term = xf_div_small(xf_mul(term, y), n);
        if (series_step(&tail, term)) {
            break;
        }
    }
    return xf_add(y, tail);
}

floatx80 fx80_f2xm1(Fx80Env *e, floatx80 a)
{
    FxClass c = fx80_classify(a);
    floatx80 res;
    Xf y, m, two;
    int32_t k, i;

    if (unary_prologue(e, a, &res)) {
        return res;
    }
    if (c == FXC_ZERO) {
        return a;
    }
    if (c == FXC_INF) {
        /* 2^-inf - 1 = -1 (SDM vol. 2A F2XM1 table). */
        return fx80_sign(a) ? fx80_from_int(-1) : a;
    }
    /* The defined domain is |x| <= 1; larger arguments (undefined on
     * hardware) are evaluated the same way, clamped to |x| <= 2^15 beyond
     * which the result saturates to overflow or -1. */
    y = xf_from_fx80(a);
    if (y.exp > 15) {
        y.exp = 15;
        y.hi = FX_INT_BIT;
        y.lo = 0;
    }
    y = xf_mul(y, xf_ln2);
    /* expm1(y) = expm1(y / 2^k) doubled k times: e(2t) = e(t) * (e(t) + 2). */
    k = y.exp + 9 > 0 ? y.exp + 9 : 0;
    m = expm1_series(xf_ldexp(y, -k));
    two = xf_from_uint(2);
    for (i = 0; i < k; i++) {
        m = xf_mul(m, xf_add(m, two));
    }
    return xf_to_fx80(e, m);
}

/* --- logarithms -------------------------------------------------------- */

/* ln((1 + s) / (1 - s)) = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), for
 * |s| <= 3 - 2 sqrt(2) ~ 0.1716, where each term gains 5 bits. */
static Xf ln_ratio_series(Xf s)
{
    Xf s2 = xf_mul(s, s), pow = s, tail = xf_make(false, 0, 0, 0), term;
    uint32_t n;

    for (n = 3; n < 300; n += 2) {
        pow = xf_mul(pow, s2);
        term = xf_div_small(pow, n);
        if (series_step(&tail, term)) {
            break;
        }
    }
    return xf_ldexp(xf_add(s, tail), 1);
}

/* log2 of a positive working value: x = m * 2^k with m in [sqrt(2)/2,
 * sqrt(2)), ln m = 2 atanh((m - 1) / (m + 1)). */
static Xf xf_log2(Xf x)
{
    /* sqrt(2) * 2^63, truncated. */
    const uint64_t sqrt2 = 0xb504f333f9de6484ULL;
    int32_t k = x.exp;
    Xf m = x, one = xf_one(), ln_m, kx;

    m.exp = 0;
    if (m.hi > sqrt2) {
        m.exp = -1;
        k++;
    }
    ln_m = ln_ratio_series(xf_div(xf_sub(m, one), xf_add(m, one)));
    kx = xf_make(k < 0, 63, k < 0 ? -(uint64_t)k : (uint64_t)k, 0);
    return xf_add(kx, xf_mul(ln_m, xf_log2e));
}

/* y * L where L is log2 of something, known to be zero, infinite or
 * finite (lclass FXC_ZERO/FXC_INF/FXC_NORMAL, sign lneg): the IEEE product
 * rules, with 0 * inf invalid. */
static floatx80 scale_log(Fx80Env *e, floatx80 y, FxClass lclass, bool lneg, Xf l)
{
    FxClass cy = fx80_classify(y);
    bool sign = fx80_sign(y) ^ lneg;

    if ((cy == FXC_ZERO && lclass == FXC_INF) || (cy == FXC_INF && lclass == FXC_ZERO)) {
        return fx80_invalid(e);
    }
    if (cy == FXC_INF || lclass == FXC_INF) {
        return fx80_inf(sign);
    }
    if (cy == FXC_ZERO || lclass == FXC_ZERO) {
        return fx80_zero(sign);
    }
    /* Transcendental results are reported inexact even when they are not
     * (log2 of a power of two): SDM vol. 1 8.5.6, measured. */
    e->force_inexact = true;
    return xf_to_fx80(e, xf_mul(xf_from_fx80(y), l));
}

floatx80 fx80_yl2x(Fx80Env *e, floatx80 x, floatx80 y)
{
    FxClass cx = fx80_classify(x), cy = fx80_classify(y);
    floatx80 res;
    Xf l = { 0 };
    FxClass lc = FXC_NORMAL;

    if (fx80_check_nan(e, 2, x, y, &res)) {
        return res;
    }
    if (fx80_sign(x) && cx != FXC_ZERO) {
        return fx80_invalid(e);         /* log of a negative number */
    }
    if (cx == FXC_ZERO) {
        /* log2(0) = -inf: y * -inf, a division by zero for finite y (SDM
         * vol. 2A FYL2X table). */
        if (cy == FXC_ZERO) {
            return fx80_invalid(e);
        }
        if (cy != FXC_INF) {
            e->flags |= FX_ZE;
        }
        return fx80_inf(!fx80_sign(y));
    }
    if (fx80_check_denormal(e, cx, cy)) {
        return y;
    }
    if (cx == FXC_INF) {
        lc = FXC_INF;
    } else {
        l = xf_log2(xf_from_fx80(x));
        if (xf_is_zero(l)) {
            lc = FXC_ZERO;
        }
    }
    return scale_log(e, y, lc, l.sign, l);
}

floatx80 fx80_yl2xp1(Fx80Env *e, floatx80 x, floatx80 y)
{
    FxClass cx = fx80_classify(x), cy = fx80_classify(y);
    floatx80 res;
    Xf xv, l;

    if (fx80_check_nan(e, 2, x, y, &res)) {
        return res;
    }
    if (cx == FXC_INF && fx80_sign(x)) {
        return fx80_invalid(e);         /* before DE: priority 3 vs 4 */
    }
    if (fx80_check_denormal(e, cx, cy)) {
        return y;
    }
    if (cx == FXC_ZERO) {
        return scale_log(e, y, FXC_ZERO, fx80_sign(x), xf_one());
    }
    if (cx == FXC_INF) {
        return scale_log(e, y, FXC_INF, false, xf_one());
    }
    xv = xf_from_fx80(x);
    if (xv.exp < -2) {
        /* |x| < 1/4, inside the defined domain |x| < 1 - sqrt(2)/2: use
         * s = x / (x + 2) so 1 + x is never rounded. */
        l = xf_mul(ln_ratio_series(xf_div(xv, xf_add(xv, xf_from_uint(2)))), xf_log2e);
    } else {
        /* Outside or at the edge of the domain (hardware results are
         * undefined there): log2 of 1 + x, invalid for x <= -1. */
        Xf onep = xf_add(xv, xf_one());
        if (onep.sign || xf_is_zero(onep)) {
            return fx80_invalid(e);
        }
        l = xf_log2(onep);
    }
    return scale_log(e, y, xf_is_zero(l) ? FXC_ZERO : FXC_NORMAL, l.sign, l);
}

/* --- arctangent -------------------------------------------------------- */

/* atan(u) = u - u^3/3 + u^5/5 - ..., for |u| <= 1/16 (8 bits per term). */
static Xf atan_series(Xf u)
{
    Xf u2 = xf_mul(u, u), pow = u, tail = xf_make(false, 0, 0, 0), term;
    uint32_t n;

    for (n = 3; n < 100; n += 2) {
        pow = xf_neg(xf_mul(pow, u2));
        term = xf_div_small(pow, n);
        if (series_step(&tail, term)) {
            break;
        }
    }
    return xf_add(u, tail);
}

/* atan(t) for 0 <= t <= 1: with c = j/8 nearest to t,
 * atan(t) = atan(c) + atan((t - c) / (1 + t c)). */
static Xf atan_unit(Xf t)
{
    uint32_t j = 0;
    Xf c, u;

    if (!xf_is_zero(t) && t.exp >= -4) {
        /* j = round(8 t) = (floor(16 t) + 1) / 2, and 16 t = hi * 2^(t.exp - 59):
         * for -4 <= t.exp <= 0 the shift is 59..63. */
        j = (uint32_t)(((t.hi >> (59 - t.exp)) + 1) >> 1);
        if (j > 8) {
            j = 8;
        }
    }
    if (j == 0) {
        return atan_series(t);
    }
    c = xf_div_small(xf_from_uint(j), 8);
    u = xf_div(xf_sub(t, c), xf_add(xf_one(), xf_mul(t, c)));
    return xf_add(xf_atan_eighths[j], atan_series(u));
}

floatx80 fx80_atan2(Fx80Env *e, floatx80 y, floatx80 x)
{
    FxClass cx = fx80_classify(x), cy = fx80_classify(y);
    bool sy = fx80_sign(y), sx = fx80_sign(x), swapped;
    floatx80 res;
    Xf ax, ay, r;

    if (fx80_check_nan(e, 2, x, y, &res)) {
        return res;
    }
    if (fx80_check_denormal(e, cx, cy)) {
        return y;
    }
    if (cy == FXC_ZERO || cx == FXC_INF || cy == FXC_INF) {
        /* Signed zeros and infinities (SDM vol. 2A FPATAN table): results
         * are 0, pi/4, pi/2, 3pi/4 or pi with the sign of y. */
        int quarters;                   /* multiples of pi/4 */
        if (cy == FXC_INF) {
            quarters = cx == FXC_INF ? (sx ? 3 : 1) : 2;
        } else if (cx == FXC_INF || cy == FXC_ZERO) {
            quarters = sx ? 4 : 0;
        } else {
            quarters = 2;
        }
        if (quarters == 0) {
            return fx80_zero(sy);
        }
        r = xf_div_small(xf_mul_small(xf_pi, (uint32_t)quarters), 4);
        r.sign = sy;
        return xf_to_fx80(e, r);
    }
    if (cx == FXC_ZERO) {
        r = xf_pi_2;
        r.sign = sy;
        return xf_to_fx80(e, r);
    }
    ax = xf_from_fx80(x);
    ay = xf_from_fx80(y);
    ax.sign = ay.sign = false;
    swapped = ay.exp > ax.exp || (ay.exp == ax.exp && fx_lt128(ax.hi, ax.lo, ay.hi, ay.lo));
    r = swapped ? atan_unit(xf_div(ax, ay)) : atan_unit(xf_div(ay, ax));
    if (swapped) {
        r = xf_sub(xf_pi_2, r);
    }
    if (sx) {
        r = xf_sub(xf_pi, r);
    }
    r.sign = sy;
    return xf_to_fx80(e, r);
}

/* --- sine, cosine, tangent -------------------------------------------- */

/* pi truncated to 66 significant bits (pi ~ P66 * 2^-64): the x87's
 * internal constant for argument reduction. */
#define PI66_HI 3ULL
#define PI66_LO ((0xc90fdaa22168c234ULL << 2) | 3)

/* Reduce finite |x| < 2^63 to r = x - k * (pi66 / 2), |r| <= pi66/4,
 * exactly; *quadrant = k mod 4. */
static Xf reduce(floatx80 a, unsigned *quadrant)
{
    FxUnp u = fx80_unpack(a);
    int32_t sh = u.exp - FX_BIAS + 2;   /* x * 2^65 = sig * 2^sh */
    uint64_t nhi, nlo, qhi, qlo, rhi, rlo, thi, tlo;
    Xf x = xf_make(false, u.exp - FX_BIAS, u.sig, 0);

    *quadrant = 0;
    if (sh < 1) {
        return x;                       /* |x| < 1/2 < pi/4 */
    }
    nhi = 0;
    nlo = u.sig;
    fx_shl128(&nhi, &nlo, sh);
    xf_udiv128(nhi, nlo, PI66_HI, PI66_LO, &qhi, &qlo, &rhi, &rlo);
    /* Round the quotient to nearest: remainder above half the divisor. */
    thi = rhi;
    tlo = rlo;
    fx_shl128(&thi, &tlo, 1);
    if (fx_lt128(PI66_HI, PI66_LO, thi, tlo)) {
        qlo++;
        thi = PI66_HI;
        tlo = PI66_LO;
        fx_sub128(&thi, &tlo, rhi, rlo);
        *quadrant = qlo & 3;
        return xf_make(true, 62, thi, tlo);      /* units of 2^-65 */
    }
    *quadrant = qlo & 3;
    return xf_make(false, 62, rhi, rlo);
}

/* sin r and cos r for |r| <= pi/4 by their Taylor series. */
static Xf sin_series(Xf r)
{
    Xf r2 = xf_mul(r, r), term = r, tail = xf_make(false, 0, 0, 0);
    uint32_t n;

    for (n = 1; n < 40; n++) {
        term = xf_neg(xf_div_small(xf_mul(term, r2), (2 * n) * (2 * n + 1)));
        if (series_step(&tail, term)) {
            break;
        }
    }
    return xf_add(r, tail);
}

static Xf cos_series(Xf r)
{
    Xf r2 = xf_mul(r, r), term = xf_one(), tail = xf_make(false, 0, 0, 0);
    uint32_t n;

    for (n = 1; n < 40; n++) {
        term = xf_neg(xf_div_small(xf_mul(term, r2), (2 * n - 1) * (2 * n)));
        if (series_step(&tail, term)) {
            break;
        }
    }
    return xf_add(xf_one(), tail);
}

/* tan r = r + r^3/3 + 2 r^5/15 + 17 r^7/315 + ... for |r| < 2^-20, where
 * the terms shown reach 2^-160 relative: summed as r + tail so that, like
 * the other series, a correction below the working precision still tells
 * the rounding its direction (sin/cos would cancel it in the division). */
static Xf tan_small(Xf r)
{
    Xf r2 = xf_mul(r, r), r3 = xf_mul(r, r2), r5 = xf_mul(r3, r2), r7 = xf_mul(r5, r2);
    Xf tail = xf_add(xf_div_small(r3, 3),
                     xf_add(xf_div_small(xf_mul_small(r5, 2), 15),
                            xf_div_small(xf_mul_small(r7, 17), 315)));

    return xf_add(r, tail);
}

/* Common entry of the trigonometric instructions.  Returns 0: *res final
 * (NaN, invalid, unmasked DE); 1: operand out of range (|x| >= 2^63, C2);
 * 2: *r / *quadrant hold the reduced |x| and neg its sign. */
static int trig_prologue(Fx80Env *e, floatx80 a, floatx80 *res, Xf *r,
                         unsigned *quadrant, bool *neg)
{
    FxClass c = fx80_classify(a);

    if (unary_prologue(e, a, res)) {
        return 0;
    }
    if (c == FXC_INF) {
        *res = fx80_invalid(e);
        return 0;
    }
    if (c != FXC_ZERO && fx80_exp(a) >= FX_BIAS + 63) {
        return 1;
    }
    *neg = fx80_sign(a);
    *r = c == FXC_ZERO ? xf_make(false, 0, 0, 0) : reduce(a, quadrant);
    if (c == FXC_ZERO) {
        *quadrant = 0;
    }
    return 2;
}

bool fx80_sincos(Fx80Env *e, floatx80 a, floatx80 *sin_out, floatx80 *cos_out)
{
    floatx80 res;
    unsigned q = 0;
    bool neg = false;
    Xf r, s, c, sv, cv;
    int st = trig_prologue(e, a, &res, &r, &q, &neg);

    if (st == 1) {
        return false;
    }
    if (st == 0) {
        if (sin_out) {
            *sin_out = res;
        }
        if (cos_out) {
            *cos_out = res;
        }
        return true;
    }
    s = sin_series(r);
    c = cos_series(r);
    /* sin(x + k pi/2) and cos(x + k pi/2) by quadrant. */
    switch (q) {
    case 0:
        sv = s;
        cv = c;
        break;
    case 1:
        sv = c;
        cv = xf_neg(s);
        break;
    case 2:
        sv = xf_neg(s);
        cv = xf_neg(c);
        break;
    default:
        sv = xf_neg(c);
        cv = s;
        break;
    }
    if (neg) {
        sv = xf_neg(sv);
    }
    if (xf_is_zero(sv)) {
        sv.sign = neg;                  /* sin(-0) = -0 */
    }
    if (sin_out) {
        *sin_out = xf_to_fx80(e, sv);
    }
    if (cos_out) {
        *cos_out = xf_to_fx80(e, cv);
    }
    return true;
}

bool fx80_tan(Fx80Env *e, floatx80 a, floatx80 *tan_out)
{
    floatx80 res;
    unsigned q = 0;
    bool neg = false;
    Xf r, t;
    int st = trig_prologue(e, a, &res, &r, &q, &neg);

    if (st == 1) {
        return false;
    }
    if (st == 0) {
        *tan_out = res;
        return true;
    }
    if (xf_is_zero(r)) {
        *tan_out = a;                   /* tan(+-0) = +-0 */
        return true;
    }
    /* tan(r + k pi/2) = tan r (k even) or -1/tan r (k odd). */
    if (!(q & 1) && r.exp < -20) {
        t = tan_small(r);
    } else if (q & 1) {
        t = xf_neg(xf_div(cos_series(r), sin_series(r)));
    } else {
        t = xf_div(sin_series(r), cos_series(r));
    }
    if (neg) {
        t = xf_neg(t);
    }
    *tan_out = xf_to_fx80(e, t);
    return true;
}
