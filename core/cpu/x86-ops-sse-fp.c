/*
 * SSE/SSE2/SSE3 floating point: arithmetic, square root, min/max,
 * comparisons, approximations and conversions on single (binary32) and
 * double (binary64) elements.
 *
 * The arithmetic itself is the host's IEEE 754 arithmetic through C, with
 * the rounding mode and the overflow/underflow/inexact flags taken through
 * <fenv.h>.  Everything where x86 goes beyond or departs from plain IEEE is
 * explicit here (SDM vol. 1, 4.8.3, 4.9, 10.2.3 and 11.5):
 *  - NaN operands: the result is the first NaN operand (destination first),
 *    quieted; an SNaN raises IE (table 4-7);
 *  - invalid operations return the "QNaN floating-point indefinite"
 *    (sign set, quiet bit set, nothing else: 4.8.3.7);
 *  - DAZ turns denormal operands to zero of the same sign before anything
 *    else (no DE); otherwise a denormal operand raises DE (10.2.3.4);
 *  - FTZ with UE masked flushes a tiny result to zero and sets UE and PE
 *    (10.2.3.3); tininess is detected after rounding, as the host does;
 *  - exceptions are gathered as pre-computation (IE, DE, ZE) and post-
 *    computation (OE, UE, PE) flags over all elements; an unmasked
 *    pre-computation one stops the instruction before the post-computation
 *    flags are looked at (11.5.1), and any unmasked one leaves the
 *    destination unchanged (x86-sse-state.c);
 *  - MIN/MAX return the second operand when either is a NaN or both are
 *    zero, and raise IE for a QNaN too; the "signalling" compare predicates
 *    raise IE for QNaNs too (CMPPS, COMISS);
 *  - conversions to integers give the "integer indefinite" 80000000H for
 *    NaNs and out-of-range values, with IE.
 *
 * SPDX-License-Identifier: MIT
 */
#include <fenv.h>
#include <math.h>
#include "cpu/x86-sse.h"

/* ---- formats ------------------------------------------------------------ */

typedef struct FpFmt {
    uint64_t sign, exp, frac, quiet;
    bool dbl;
} FpFmt;

static const FpFmt F32 = { 0x80000000u, 0x7f800000u, 0x007fffffu, 0x00400000u, false };
static const FpFmt F64 = { 0x8000000000000000ull, 0x7ff0000000000000ull,
                           0x000fffffffffffffull, 0x0008000000000000ull, true };

static inline bool fp_nan(const FpFmt *f, uint64_t v)
{
    return (v & f->exp) == f->exp && (v & f->frac);
}

static inline bool fp_snan(const FpFmt *f, uint64_t v)
{
    return fp_nan(f, v) && !(v & f->quiet);
}

static inline bool fp_denormal(const FpFmt *f, uint64_t v)
{
    return !(v & f->exp) && (v & f->frac);
}

static inline bool fp_zero(const FpFmt *f, uint64_t v)
{
    return !(v & ~f->sign);
}

static inline bool fp_inf(const FpFmt *f, uint64_t v)
{
    return (v & ~f->sign) == f->exp;
}

/* The QNaN floating-point indefinite (SDM vol. 1, table 4-3). */
static inline uint64_t fp_indefinite(const FpFmt *f)
{
    return f->sign | f->exp | f->quiet;
}

static inline uint64_t fp_daz(CPUX86State *env, const FpFmt *f, uint64_t v)
{
    if ((env->mxcsr & MXCSR_DAZ) && fp_denormal(f, v)) {
        return v & f->sign;
    }
    return v;
}

static inline bool masked(CPUX86State *env, uint32_t flag)
{
    return env->mxcsr & (flag << MXCSR_MASK_SHIFT);
}

/* A NaN result from NaN operands (table 4-7): a first, quieted. */
static uint64_t nan_result(CPUX86State *env, const FpFmt *f, uint64_t a, uint64_t b,
                           bool two)
{
    if (fp_snan(f, a) || (two && fp_snan(f, b))) {
        env->sse_pre |= MXCSR_IE;
    }
    return (fp_nan(f, a) ? a : b) | f->quiet;
}

/* ---- the host's arithmetic --------------------------------------------- */

/* Keep the compiler from moving the arithmetic across the <fenv.h> calls:
 * the operands are read after, and the result written before, a barrier. */
#define FP_BARRIER(x) __asm__ volatile("" : "+m"(x) : : "memory")

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_SQRT, OP_TO_F32, OP_TO_F64, OP_FROM_I32 };

static const int host_rc[4] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };

/* One operation in the guest's rounding mode; *fe gets the host flags.
 * For OP_TO_F32 the operand is a double, for OP_FROM_I32 an int32 in b. */
static uint64_t host_op(CPUX86State *env, const FpFmt *f, int op, uint64_t a, uint64_t b,
                        int *fe)
{
    uint64_t res;
    fesetround(host_rc[(env->mxcsr >> MXCSR_RC_SHIFT) & 3]);
    feclearexcept(FE_ALL_EXCEPT);
    if (op == OP_TO_F32) {
        double x;
        memcpy(&x, &b, 8);
        FP_BARRIER(x);
        float r = (float)x;
        FP_BARRIER(r);
        uint32_t u;
        memcpy(&u, &r, 4);
        res = u;
    } else if (op == OP_FROM_I32) {
        int32_t i = (int32_t)b;
        FP_BARRIER(i);
        if (f->dbl) {
            double r = (double)i;
            FP_BARRIER(r);
            memcpy(&res, &r, 8);
        } else {
            float r = (float)i;
            FP_BARRIER(r);
            uint32_t u;
            memcpy(&u, &r, 4);
            res = u;
        }
    } else if (f->dbl) {
        double x, y, r;
        memcpy(&x, &a, 8);
        memcpy(&y, &b, 8);
        FP_BARRIER(x);
        FP_BARRIER(y);
        switch (op) {
        case OP_ADD: r = x + y; break;
        case OP_SUB: r = x - y; break;
        case OP_MUL: r = x * y; break;
        case OP_DIV: r = x / y; break;
        default: r = sqrt(y); break;
        }
        FP_BARRIER(r);
        memcpy(&res, &r, 8);
    } else {
        float x, y, r;
        uint32_t ua = (uint32_t)a, ub = (uint32_t)b, u;
        memcpy(&x, &ua, 4);
        memcpy(&y, &ub, 4);
        FP_BARRIER(x);
        FP_BARRIER(y);
        switch (op) {
        case OP_ADD: r = x + y; break;
        case OP_SUB: r = x - y; break;
        case OP_MUL: r = x * y; break;
        case OP_DIV: r = x / y; break;
        default: r = sqrtf(y); break;
        }
        FP_BARRIER(r);
        memcpy(&u, &r, 4);
        res = u;
    }
    *fe = fetestexcept(FE_ALL_EXCEPT);
    fesetround(FE_TONEAREST);
    return res;
}

/* The value of a non-NaN element as a double (exact for both formats). */
static double fp_value(const FpFmt *f, uint64_t v)
{
    if (f->dbl) {
        double x;
        memcpy(&x, &v, 8);
        return x;
    }
    uint32_t u = (uint32_t)v;
    float x;
    memcpy(&x, &u, 4);
    return x;
}

static uint64_t to_bits(const FpFmt *f, double x)
{
    if (f->dbl) {
        uint64_t u;
        memcpy(&u, &x, 8);
        return u;
    }
    float y = (float)x;
    uint32_t u;
    memcpy(&u, &y, 4);
    return u;
}

/* Whether rounding the exact result of a op b to the format's precision
 * with an unbounded exponent range loses bits.  With an unmasked overflow
 * or underflow no result is delivered, and PE then tells whether the
 * significand was rounded (SDM vol. 1, 4.9.1.5 and 4.9.1.6 describe the
 * same for the x87's adjusted result); the significands are computed here
 * apart from the exponents (frexp), where nothing overflows. */
static bool inexact_unbounded(CPUX86State *env, const FpFmt *f, int op, uint64_t a,
                              uint64_t b)
{
    int ea, eb, fe;
    if (op == OP_TO_F32) {
        double x;
        memcpy(&x, &b, 8);
        double m = frexp(x, &eb);
        return (double)(float)m != m;
    }
    double ma = frexp(fp_value(f, a), &ea), mb = frexp(fp_value(f, b), &eb);
    if (op == OP_ADD || op == OP_SUB) {
        if (ma == 0 || mb == 0) {
            return false;
        }
        /* Align the smaller to the larger; far below the larger's last
         * bit, a nonzero operand only makes the sum inexact. */
        if (ea < eb) {
            if (eb - ea > 60) {
                return true;
            }
            ma = ldexp(ma, ea - eb);
        } else {
            if (ea - eb > 60) {
                return true;
            }
            mb = ldexp(mb, eb - ea);
        }
    }
    host_op(env, f, op, to_bits(f, ma), to_bits(f, mb), &fe);
    return (fe & FE_INEXACT) != 0;
}

/* Post-computation flags and FTZ for the rounded result r of a op b. */
static uint64_t finish(CPUX86State *env, const FpFmt *f, uint64_t r, int fe, int op,
                       uint64_t a, uint64_t b)
{
    bool tiny = (fe & FE_UNDERFLOW) || fp_denormal(f, r);
    bool ue_masked = masked(env, MXCSR_UE);
    if (tiny && ue_masked && (env->mxcsr & MXCSR_FZ)) {
        env->sse_post |= MXCSR_UE | MXCSR_PE;
        return r & f->sign;
    }
    uint32_t flags = 0;
    if (fe & FE_OVERFLOW) {
        flags |= MXCSR_OE;
    }
    if (ue_masked ? (fe & FE_UNDERFLOW) != 0 : tiny) {
        flags |= MXCSR_UE;
    }
    if (((flags & MXCSR_OE) && !masked(env, MXCSR_OE)) || ((flags & MXCSR_UE) && !ue_masked)) {
        if (inexact_unbounded(env, f, op, a, b)) {
            flags |= MXCSR_PE;
        }
    } else if (fe & FE_INEXACT) {
        flags |= MXCSR_PE;
    }
    env->sse_post |= flags;
    return r;
}

/* ---- element operations ------------------------------------------------ */

/* a op b (a the destination element), or sqrt(b). */
static uint64_t fp_arith(CPUX86State *env, const FpFmt *f, int op, uint64_t a, uint64_t b)
{
    b = fp_daz(env, f, b);
    if (op == OP_SQRT) {
        if (fp_nan(f, b)) {
            return nan_result(env, f, b, b, false);
        }
        if ((b & f->sign) && !fp_zero(f, b)) {
            env->sse_pre |= MXCSR_IE;
            return fp_indefinite(f);
        }
        if (fp_denormal(f, b)) {
            env->sse_pre |= MXCSR_DE;
        }
    } else {
        a = fp_daz(env, f, a);
        if (fp_nan(f, a) || fp_nan(f, b)) {
            return nan_result(env, f, a, b, true);
        }
        bool invalid;
        uint64_t sb = op == OP_SUB ? b ^ f->sign : b;
        switch (op) {
        case OP_ADD:
        case OP_SUB:
            invalid = fp_inf(f, a) && fp_inf(f, sb) && ((a ^ sb) & f->sign);
            break;
        case OP_MUL:
            invalid = (fp_inf(f, a) && fp_zero(f, b)) || (fp_zero(f, a) && fp_inf(f, b));
            break;
        default:
            invalid = (fp_zero(f, a) && fp_zero(f, b)) || (fp_inf(f, a) && fp_inf(f, b));
            break;
        }
        if (invalid) {
            env->sse_pre |= MXCSR_IE;
            return fp_indefinite(f);
        }
        /* Division by zero ranks above a denormal dividend (SDM vol. 1,
         * 4.9.2): ZE alone. */
        if (op == OP_DIV && fp_zero(f, b) && !fp_inf(f, a)) {
            env->sse_pre |= MXCSR_ZE;
            return ((a ^ b) & f->sign) | f->exp;
        }
        if (fp_denormal(f, a) || fp_denormal(f, b)) {
            env->sse_pre |= MXCSR_DE;
        }
    }
    int fe;
    uint64_t r = host_op(env, f, op, a, b, &fe);
    return finish(env, f, r, fe, op, a, b);
}

/* MINPS/MAXPS and friends: dest < src ? dest : src (and >). */
static uint64_t fp_minmax(CPUX86State *env, const FpFmt *f, bool max, uint64_t a, uint64_t b)
{
    a = fp_daz(env, f, a);
    b = fp_daz(env, f, b);
    if (fp_nan(f, a) || fp_nan(f, b)) {
        env->sse_pre |= MXCSR_IE;
        return b;
    }
    if (fp_denormal(f, a) || fp_denormal(f, b)) {
        env->sse_pre |= MXCSR_DE;
    }
    double x = fp_value(f, a), y = fp_value(f, b);
    return (max ? x > y : x < y) ? a : b;
}

/* The compare predicates of CMPPS (imm8 0..7: EQ LT LE UNORD NEQ NLT NLE
 * ORD); LT, LE, NLT, NLE signal on QNaNs. */
static bool fp_compare(CPUX86State *env, const FpFmt *f, int pred, uint64_t a, uint64_t b)
{
    a = fp_daz(env, f, a);
    b = fp_daz(env, f, b);
    bool unord = fp_nan(f, a) || fp_nan(f, b);
    bool signalling = (pred & 3) == 1 || (pred & 3) == 2;
    if (fp_snan(f, a) || fp_snan(f, b) || (unord && signalling)) {
        env->sse_pre |= MXCSR_IE;
    }
    if (unord) {
        /* UNORD, NEQ, NLT, NLE are true; EQ, LT, LE, ORD false. */
        return (pred & 3) == 3 ? !(pred & 4) : (pred & 4) != 0;
    }
    if (fp_denormal(f, a) || fp_denormal(f, b)) {
        env->sse_pre |= MXCSR_DE;
    }
    double x = fp_value(f, a), y = fp_value(f, b);
    bool r;
    switch (pred & 3) {
    case 0: r = x == y; break;
    case 1: r = x < y; break;
    case 2: r = x <= y; break;
    default: r = false; break;      /* UNORD (ORD with bit 2) */
    }
    return (pred & 4) ? !r : r;
}

/* COMISS/UCOMISS: ZF PF CF as 111 unordered, 000 greater, 001 less, 100
 * equal; OF SF AF cleared. */
static uint32_t fp_comi(CPUX86State *env, const FpFmt *f, bool signalling, uint64_t a,
                        uint64_t b)
{
    a = fp_daz(env, f, a);
    b = fp_daz(env, f, b);
    if (fp_nan(f, a) || fp_nan(f, b)) {
        if (signalling || fp_snan(f, a) || fp_snan(f, b)) {
            env->sse_pre |= MXCSR_IE;
        }
        return CC_Z | CC_P | CC_C;
    }
    if (fp_denormal(f, a) || fp_denormal(f, b)) {
        env->sse_pre |= MXCSR_DE;
    }
    double x = fp_value(f, a), y = fp_value(f, b);
    return x == y ? CC_Z : x < y ? CC_C : 0;
}

/* To int32, rounded by MXCSR.RC or truncated. */
static uint32_t fp_to_i32(CPUX86State *env, const FpFmt *f, uint64_t v, bool chop)
{
    v = fp_daz(env, f, v);
    if (fp_nan(f, v)) {
        env->sse_pre |= MXCSR_IE;
        return 0x80000000u;
    }
    double x = fp_value(f, v), r;
    if (chop) {
        r = trunc(x);
    } else {
        fesetround(host_rc[(env->mxcsr >> MXCSR_RC_SHIFT) & 3]);
        FP_BARRIER(x);
        r = nearbyint(x);
        FP_BARRIER(r);
        fesetround(FE_TONEAREST);
    }
    if (!(r >= -2147483648.0 && r < 2147483648.0)) {
        env->sse_pre |= MXCSR_IE;
        return 0x80000000u;
    }
    if (r != x) {
        env->sse_post |= MXCSR_PE;
    }
    return (uint32_t)(int32_t)r;
}

/* binary32 -> binary64: exact; a NaN keeps its payload, quieted. */
static uint64_t f32_to_f64(CPUX86State *env, uint32_t v)
{
    v = (uint32_t)fp_daz(env, &F32, v);
    if (fp_nan(&F32, v)) {
        if (fp_snan(&F32, v)) {
            env->sse_pre |= MXCSR_IE;
        }
        return (uint64_t)(v & 0x80000000u) << 32 | F64.exp | F64.quiet |
               (uint64_t)(v & 0x003fffffu) << 29;
    }
    if (fp_denormal(&F32, v)) {
        env->sse_pre |= MXCSR_DE;
    }
    double x = fp_value(&F32, v);
    uint64_t r;
    memcpy(&r, &x, 8);
    return r;
}

/* binary64 -> binary32, rounded. */
static uint32_t f64_to_f32(CPUX86State *env, uint64_t v)
{
    v = fp_daz(env, &F64, v);
    if (fp_nan(&F64, v)) {
        if (fp_snan(&F64, v)) {
            env->sse_pre |= MXCSR_IE;
        }
        return (uint32_t)(v >> 32 & 0x80000000u) | 0x7fc00000u |
               (uint32_t)(v >> 29 & 0x003fffffu);
    }
    if (fp_denormal(&F64, v)) {
        env->sse_pre |= MXCSR_DE;
    }
    int fe;
    uint64_t r = host_op(env, &F32, OP_TO_F32, 0, v, &fe);
    return (uint32_t)finish(env, &F32, r, fe, OP_TO_F32, 0, v);
}

static uint64_t i32_to_fp(CPUX86State *env, const FpFmt *f, uint32_t i)
{
    int fe;
    uint64_t r = host_op(env, f, OP_FROM_I32, 0, i, &fe);
    if (fe & FE_INEXACT) {
        env->sse_post |= MXCSR_PE;
    }
    return r;
}

/* RCPPS/RSQRTPS: the SDM only bounds the relative error (1.5 * 2^-12);
 * this gives the correctly rounded value, tiny results flushed to zero
 * and denormal operands taken as zero, with no flags (SDM vol. 2B, RCPPS,
 * RSQRTPS). */
static uint32_t f32_approx(uint32_t v, bool rsqrt)
{
    uint32_t sign = v & 0x80000000u;
    if (fp_nan(&F32, v)) {
        return v | 0x00400000u;
    }
    if (fp_zero(&F32, v) || fp_denormal(&F32, v)) {
        return sign | 0x7f800000u;
    }
    if (rsqrt && sign) {
        return (uint32_t)fp_indefinite(&F32);
    }
    if (fp_inf(&F32, v)) {
        return sign;
    }
    double x = fp_value(&F32, v);
    float r = (float)(rsqrt ? 1.0 / sqrt(x) : 1.0 / x);
    uint32_t u;
    memcpy(&u, &r, 4);
    if (fp_denormal(&F32, u)) {
        u &= 0x80000000u;
    }
    return u;
}

/* ---- the instructions ---------------------------------------------------- */

static uint64_t el_get(const FpFmt *f, const X86Xmm *v, unsigned i)
{
    return f->dbl ? v->q[i] : v->d[i];
}

static void el_set(const FpFmt *f, X86Xmm *v, unsigned i, uint64_t x)
{
    if (f->dbl) {
        v->q[i] = x;
    } else {
        v->d[i] = (uint32_t)x;
    }
}

/* Packed (all elements) or scalar (element 0) arithmetic. */
static void arith(CPUX86State *env, X86Xmm *d, const X86Xmm *s, const FpFmt *f, int op,
                  bool scalar)
{
    unsigned count = scalar ? 1 : f->dbl ? 2 : 4;
    X86Xmm r = *d;
    for (unsigned i = 0; i < count; i++) {
        el_set(f, &r, i, fp_arith(env, f, op, el_get(f, d, i), el_get(f, s, i)));
    }
    *d = r;
}

#define ARITH4(NAME, OP)                                                            \
    SSE_FN(sse_##NAME##ps) { (void)in; (void)n; arith(env, d, s, &F32, OP, false); } \
    SSE_FN(sse_##NAME##ss) { (void)in; (void)n; arith(env, d, s, &F32, OP, true); }  \
    SSE_FN(sse_##NAME##pd) { (void)in; (void)n; arith(env, d, s, &F64, OP, false); } \
    SSE_FN(sse_##NAME##sd) { (void)in; (void)n; arith(env, d, s, &F64, OP, true); }
ARITH4(add, OP_ADD)
ARITH4(sub, OP_SUB)
ARITH4(mul, OP_MUL)
ARITH4(div, OP_DIV)
ARITH4(sqrt, OP_SQRT)

static void minmax(CPUX86State *env, X86Xmm *d, const X86Xmm *s, const FpFmt *f, bool max,
                   bool scalar)
{
    unsigned count = scalar ? 1 : f->dbl ? 2 : 4;
    for (unsigned i = 0; i < count; i++) {
        el_set(f, d, i, fp_minmax(env, f, max, el_get(f, d, i), el_get(f, s, i)));
    }
}

#define MINMAX4(NAME, MAX)                                                           \
    SSE_FN(sse_##NAME##ps) { (void)in; (void)n; minmax(env, d, s, &F32, MAX, false); } \
    SSE_FN(sse_##NAME##ss) { (void)in; (void)n; minmax(env, d, s, &F32, MAX, true); }  \
    SSE_FN(sse_##NAME##pd) { (void)in; (void)n; minmax(env, d, s, &F64, MAX, false); } \
    SSE_FN(sse_##NAME##sd) { (void)in; (void)n; minmax(env, d, s, &F64, MAX, true); }
MINMAX4(min, false)
MINMAX4(max, true)

static void cmp(CPUX86State *env, X86Xmm *d, const X86Xmm *s, const FpFmt *f, int pred,
                bool scalar)
{
    unsigned count = scalar ? 1 : f->dbl ? 2 : 4;
    for (unsigned i = 0; i < count; i++) {
        bool r = fp_compare(env, f, pred, el_get(f, d, i), el_get(f, s, i));
        el_set(f, d, i, r ? UINT64_MAX : 0);
    }
}

SSE_FN(sse_cmpps) { (void)n; cmp(env, d, s, &F32, in->imm & 7, false); }
SSE_FN(sse_cmpss) { (void)n; cmp(env, d, s, &F32, in->imm & 7, true); }
SSE_FN(sse_cmppd) { (void)n; cmp(env, d, s, &F64, in->imm & 7, false); }
SSE_FN(sse_cmpsd) { (void)n; cmp(env, d, s, &F64, in->imm & 7, true); }

SSE_FN(sse_comiss) { (void)in; (void)n; d->d[0] = fp_comi(env, &F32, true, d->d[0], s->d[0]); }
SSE_FN(sse_ucomiss) { (void)in; (void)n; d->d[0] = fp_comi(env, &F32, false, d->d[0], s->d[0]); }
SSE_FN(sse_comisd) { (void)in; (void)n; d->d[0] = fp_comi(env, &F64, true, d->q[0], s->q[0]); }
SSE_FN(sse_ucomisd) { (void)in; (void)n; d->d[0] = fp_comi(env, &F64, false, d->q[0], s->q[0]); }

SSE_FN(sse_rcpps)
{
    (void)env; (void)in; (void)n;
    for (unsigned i = 0; i < 4; i++) {
        d->d[i] = f32_approx(s->d[i], false);
    }
}

SSE_FN(sse_rcpss) { (void)env; (void)in; (void)n; d->d[0] = f32_approx(s->d[0], false); }

SSE_FN(sse_rsqrtps)
{
    (void)env; (void)in; (void)n;
    for (unsigned i = 0; i < 4; i++) {
        d->d[i] = f32_approx(s->d[i], true);
    }
}

SSE_FN(sse_rsqrtss) { (void)env; (void)in; (void)n; d->d[0] = f32_approx(s->d[0], true); }

/* SSE3: horizontal add/subtract and the alternating ADDSUB. */
static void hop(CPUX86State *env, X86Xmm *d, const X86Xmm *s, const FpFmt *f, int op)
{
    X86Xmm r;
    unsigned half = f->dbl ? 1 : 2;
    for (unsigned i = 0; i < half; i++) {
        el_set(f, &r, i, fp_arith(env, f, op, el_get(f, d, 2 * i), el_get(f, d, 2 * i + 1)));
    }
    for (unsigned i = 0; i < half; i++) {
        el_set(f, &r, half + i,
               fp_arith(env, f, op, el_get(f, s, 2 * i), el_get(f, s, 2 * i + 1)));
    }
    *d = r;
}

SSE_FN(sse_haddps) { (void)in; (void)n; hop(env, d, s, &F32, OP_ADD); }
SSE_FN(sse_haddpd) { (void)in; (void)n; hop(env, d, s, &F64, OP_ADD); }
SSE_FN(sse_hsubps) { (void)in; (void)n; hop(env, d, s, &F32, OP_SUB); }
SSE_FN(sse_hsubpd) { (void)in; (void)n; hop(env, d, s, &F64, OP_SUB); }

static void addsub(CPUX86State *env, X86Xmm *d, const X86Xmm *s, const FpFmt *f)
{
    unsigned count = f->dbl ? 2 : 4;
    for (unsigned i = 0; i < count; i++) {
        el_set(f, d, i, fp_arith(env, f, (i & 1) ? OP_ADD : OP_SUB, el_get(f, d, i),
                                 el_get(f, s, i)));
    }
}

SSE_FN(sse_addsubps) { (void)in; (void)n; addsub(env, d, s, &F32); }
SSE_FN(sse_addsubpd) { (void)in; (void)n; addsub(env, d, s, &F64); }

/* Conversions.  The int32 -> float forms and CVTSS2SD/CVTSD2SS change only
 * the low elements they name; the packed forms to fewer elements clear the
 * rest of an XMM destination. */
SSE_FN(sse_cvtpi2ps)
{
    (void)in; (void)n;
    d->d[0] = (uint32_t)i32_to_fp(env, &F32, s->d[0]);
    d->d[1] = (uint32_t)i32_to_fp(env, &F32, s->d[1]);
}

SSE_FN(sse_cvtsi2ss) { (void)in; (void)n; d->d[0] = (uint32_t)i32_to_fp(env, &F32, s->d[0]); }
SSE_FN(sse_cvtsi2sd) { (void)in; (void)n; d->q[0] = i32_to_fp(env, &F64, s->d[0]); }

SSE_FN(sse_cvtpi2pd)
{
    (void)in; (void)n;
    uint32_t a = s->d[0], b = s->d[1];
    d->q[0] = i32_to_fp(env, &F64, a);
    d->q[1] = i32_to_fp(env, &F64, b);
}

SSE_FN(sse_cvtdq2ps)
{
    (void)in; (void)n;
    for (unsigned i = 0; i < 4; i++) {
        d->d[i] = (uint32_t)i32_to_fp(env, &F32, s->d[i]);
    }
}

/* To int32: "t" truncates.  d is an MMX register (two results), a general
 * register (one) or an XMM register (four, or two and zeros). */
#define TO_I32(NAME, F, COUNT, T, CLEAR)                                           \
    SSE_FN(sse_##NAME)                                                             \
    {                                                                              \
        (void)in; (void)n;                                                         \
        X86Xmm r = *d;                                                             \
        if (CLEAR) {                                                               \
            memset(&r, 0, sizeof(r));                                              \
        }                                                                          \
        for (unsigned i = 0; i < (COUNT); i++) {                                   \
            r.d[i] = fp_to_i32(env, &F, el_get(&F, s, i), T);                      \
        }                                                                          \
        *d = r;                                                                    \
    }
TO_I32(cvtps2pi, F32, 2, false, false)
TO_I32(cvttps2pi, F32, 2, true, false)
TO_I32(cvtss2si, F32, 1, false, true)
TO_I32(cvttss2si, F32, 1, true, true)
TO_I32(cvtpd2pi, F64, 2, false, false)
TO_I32(cvttpd2pi, F64, 2, true, false)
TO_I32(cvtsd2si, F64, 1, false, true)
TO_I32(cvttsd2si, F64, 1, true, true)
TO_I32(cvtps2dq, F32, 4, false, false)
TO_I32(cvttps2dq, F32, 4, true, false)
TO_I32(cvtpd2dq, F64, 2, false, true)
TO_I32(cvttpd2dq, F64, 2, true, true)

SSE_FN(sse_cvtdq2pd)
{
    (void)in; (void)n;
    uint32_t a = s->d[0], b = s->d[1];
    d->q[0] = i32_to_fp(env, &F64, a);
    d->q[1] = i32_to_fp(env, &F64, b);
}

SSE_FN(sse_cvtps2pd)
{
    (void)in; (void)n;
    uint32_t a = s->d[0], b = s->d[1];
    d->q[0] = f32_to_f64(env, a);
    d->q[1] = f32_to_f64(env, b);
}

SSE_FN(sse_cvtpd2ps)
{
    (void)in; (void)n;
    X86Xmm r = { 0 };
    r.d[0] = f64_to_f32(env, s->q[0]);
    r.d[1] = f64_to_f32(env, s->q[1]);
    *d = r;
}

SSE_FN(sse_cvtss2sd) { (void)in; (void)n; d->q[0] = f32_to_f64(env, s->d[0]); }
SSE_FN(sse_cvtsd2ss) { (void)in; (void)n; d->d[0] = f64_to_f32(env, s->q[0]); }

/* ---- MXCSR flags of the instruction ------------------------------------ */

void x86_sse_fp_end(CPUX86State *env)
{
    uint32_t masks = (env->mxcsr >> MXCSR_MASK_SHIFT) & MXCSR_FLAGS;
    if (env->sse_pre & ~masks) {
        env->mxcsr |= env->sse_pre;
        x86_sse_raise_fp(env);
    }
    uint32_t all = env->sse_pre | env->sse_post;
    env->mxcsr |= all;
    if (all & ~masks) {
        x86_sse_raise_fp(env);
    }
}
