/*
 * Conversions between the extended format and the x87's memory formats:
 * single and double real, 16/32/64-bit integers, 18-digit packed BCD, and
 * the built-in constants (SDM vol. 1 4.2, 4.7, 8.3.4).
 *
 * SPDX-License-Identifier: MIT
 */
#include "fx80.h"
#include "fx-wide.h"

/* IEEE binary formats with 'fbits' fraction bits and exponent bias 'bias':
 * single 23/127, double 52/1023 (SDM vol. 1 table 4-3). */
static floatx80 from_ieee(uint64_t v, int fbits, int ebits, bool *denormal)
{
    int bias = (1 << (ebits - 1)) - 1;
    bool sign = (v >> (fbits + ebits)) & 1;
    int exp = (int)((v >> fbits) & ((1u << ebits) - 1));
    uint64_t frac = v & ((1ULL << fbits) - 1);
    int sh;

    *denormal = false;
    if (exp == (1 << ebits) - 1) {
        /* Infinity or NaN: the quiet bit lands on mant bit 62, so SNaNs stay
         * signalling for the operation that consumes them. */
        return fx80_make(sign, FX_EXP_MAX, FX_INT_BIT | (frac << (63 - fbits)));
    }
    if (exp == 0) {
        if (frac == 0) {
            return fx80_zero(sign);
        }
        *denormal = true;
        sh = fx_clz64(frac);
        return fx80_make(sign, FX_BIAS + 63 + 1 - bias - fbits - sh, frac << sh);
    }
    return fx80_make(sign, exp - bias + FX_BIAS, FX_INT_BIT | (frac << (63 - fbits)));
}

floatx80 fx80_from_f32(uint32_t v, bool *denormal)
{
    return from_ieee(v, 23, 8, denormal);
}

floatx80 fx80_from_f64(uint64_t v, bool *denormal)
{
    return from_ieee(v, 52, 11, denormal);
}

/* An exact integer magnitude with a sign (zero keeps its sign). */
static floatx80 from_mag(bool sign, uint64_t mag)
{
    int sh = fx_clz64(mag);

    if (mag == 0) {
        return fx80_zero(sign);
    }
    return fx80_make(sign, FX_BIAS + 63 - sh, mag << sh);
}

floatx80 fx80_from_int(int64_t v)
{
    return from_mag(v < 0, v < 0 ? -(uint64_t)v : (uint64_t)v);
}

/* Store to an IEEE format.  NaNs keep the top fraction bits of their
 * payload and are quieted (SNaN: IE); unsupported operands are invalid and
 * store the format's indefinite (SDM vol. 2A FST/FSTP). */
static uint64_t to_ieee(Fx80Env *e, floatx80 a, const FxFormat *f, int fbits, int ebits)
{
    int bias = (1 << (ebits - 1)) - 1;
    uint64_t sign = (uint64_t)fx80_sign(a) << (fbits + ebits);
    uint64_t expmax = ((1ULL << ebits) - 1) << fbits;
    uint64_t quiet = 1ULL << (fbits - 1);
    FxClass c = fx80_classify(a);
    FxUnp u;
    bool inf;

    switch (c) {
    case FXC_UNSUPPORTED:
        e->flags |= FX_IE;
        return (1ULL << (fbits + ebits)) | expmax | quiet;
    case FXC_SNAN:
        e->flags |= FX_IE;
        /* fall through */
    case FXC_QNAN:
        return sign | expmax | quiet | ((a.mant << 1) >> (64 - fbits));
    case FXC_INF:
        return sign | expmax;
    case FXC_ZERO:
        return sign;
    default:
        break;
    }
    u = fx80_unpack(a);
    u = fx_round(e, f, u.sign, u.exp, u.sig, 0, &inf);
    if (inf) {
        return sign | expmax;
    }
    if (!(u.sig & FX_INT_BIT)) {
        /* Denormal or zero: exponent field 0, value sig * 2^(emin...). */
        return sign | (u.sig >> (63 - fbits));
    }
    return sign | ((uint64_t)(u.exp - FX_BIAS + bias) << fbits) |
           ((u.sig << 1) >> (64 - fbits));
}

uint32_t fx80_to_f32(Fx80Env *e, floatx80 a)
{
    return (uint32_t)to_ieee(e, a, &fx_fmt_f32, 23, 8);
}

uint64_t fx80_to_f64(Fx80Env *e, floatx80 a)
{
    return to_ieee(e, a, &fx_fmt_f64, 52, 11);
}

/* Round a finite value to an integer per env->rc.  Returns false when the
 * magnitude does not fit in 64 bits.  Raises PE/round_up only when asked
 * (commit), so a caller that then finds the value out of range reports IE
 * alone. */
static bool round_to_uint(Fx80Env *e, floatx80 a, uint64_t *mag)
{
    FxUnp u = fx80_unpack(a);
    int32_t sh = FX_BIAS + 63 - u.exp;      /* fraction bits */
    uint64_t ip, frac;
    bool inc = false;

    if (fx80_classify(a) == FXC_ZERO) {
        *mag = 0;
        e->round_up = false;
        return true;
    }
    if (sh < 0) {
        return false;
    }
    if (sh == 0) {
        ip = u.sig;
        frac = 0;
    } else if (sh < 64) {
        ip = u.sig >> sh;
        frac = u.sig << (64 - sh);
    } else if (sh == 64) {
        ip = 0;
        frac = u.sig;
    } else {
        ip = 0;
        frac = 1;                        /* below one half, but inexact */
    }
    switch (e->rc) {
    case FX_RC_NEAREST:
        inc = frac > FX_INT_BIT || (frac == FX_INT_BIT && (ip & 1));
        break;
    case FX_RC_DOWN:
        inc = frac && u.sign;
        break;
    case FX_RC_UP:
        inc = frac && !u.sign;
        break;
    default:
        break;
    }
    ip += inc;
    if (inc && ip == 0) {
        return false;
    }
    *mag = ip;
    e->round_up = inc;
    if (frac) {
        e->flags |= FX_PE;
    }
    return true;
}

/* Round to an integer of at most max_pos (positive) / max_pos + 1
 * (negative) magnitude.  Returns false on IE (NaN, infinity, unsupported,
 * out of range), raising it; on success sets PE and round_up. */
static bool to_bounded_int(Fx80Env *e, floatx80 a, uint64_t max_pos, uint64_t max_neg,
                           uint64_t *mag)
{
    FxClass c = fx80_classify(a);
    Fx80Env t = *e;

    if (c == FXC_ZERO || c == FXC_DENORMAL || c == FXC_NORMAL) {
        t.flags = 0;
        if (round_to_uint(&t, a, mag) && *mag <= (fx80_sign(a) ? max_neg : max_pos)) {
            e->flags |= t.flags;
            e->round_up = t.round_up;
            return true;
        }
    }
    e->flags |= FX_IE;
    return false;
}

int64_t fx80_to_int(Fx80Env *e, floatx80 a, int bits)
{
    uint64_t max_pos = (1ULL << (bits - 1)) - 1, mag;

    if (!to_bounded_int(e, a, max_pos, max_pos + 1, &mag)) {
        /* The integer indefinite: the most negative value (SDM vol. 1
         * 4.2.2, table 4-2). */
        return -(int64_t)max_pos - 1;
    }
    return fx80_sign(a) ? (int64_t)(0 - mag) : (int64_t)mag;
}

/* 10^18: packed BCD holds 18 decimal digits (SDM vol. 1 4.7). */
#define BCD_LIMIT 1000000000000000000ULL

floatx80 fx80_from_bcd(const uint8_t bcd[10])
{
    uint64_t v = 0;
    int i;

    /* Digits from the most significant (byte 8, high nibble) down.  Nibbles
     * above 9 are not valid BCD (the result is undefined, SDM FBLD); they
     * are weighted like digits. */
    for (i = 8; i >= 0; i--) {
        v = v * 10 + (bcd[i] >> 4);
        v = v * 10 + (bcd[i] & 15);
    }
    return from_mag((bcd[9] & 0x80) != 0, v);
}

void fx80_to_bcd(Fx80Env *e, floatx80 a, uint8_t bcd[10])
{
    uint64_t mag;
    int i;

    if (!to_bounded_int(e, a, BCD_LIMIT - 1, BCD_LIMIT - 1, &mag)) {
        /* Packed BCD indefinite: FFFF C000 0000 0000 0000 (SDM vol. 1
         * table 4-9). */
        for (i = 0; i < 10; i++) {
            bcd[i] = 0;
        }
        bcd[7] = 0xc0;
        bcd[8] = 0xff;
        bcd[9] = 0xff;
        return;
    }
    for (i = 0; i < 9; i++) {
        bcd[i] = (uint8_t)(mag % 10);
        mag /= 10;
        bcd[i] |= (uint8_t)((mag % 10) << 4);
        mag /= 10;
    }
    bcd[9] = fx80_sign(a) ? 0x80 : 0;
}

/* The constants as 128-bit significands (high, low), exponent unbiased,
 * computed to 400 bits with mpmath and truncated: log2(10), log2(e), pi,
 * log10(2), ln(2).  Index = FLD1..FLDZ order of D9 E8..EE. */
static const struct {
    int exp;
    uint64_t hi, lo;
} fx_consts[7] = {
    { 0, 0x8000000000000000ULL, 0 },                                 /* 1.0 */
    { 1, 0xd49a784bcd1b8afeULL, 0x492bf6ff4dafdb4cULL },             /* log2(10) */
    { 0, 0xb8aa3b295c17f0bbULL, 0xbe87fed0691d3e88ULL },             /* log2(e) */
    { 1, 0xc90fdaa22168c234ULL, 0xc4c6628b80dc1cd1ULL },             /* pi */
    { -2, 0x9a209a84fbcff798ULL, 0x8f8959ac0b7c9178ULL },            /* log10(2) */
    { -1, 0xb17217f7d1cf79abULL, 0xc9e3b39803f2f6afULL },            /* ln(2) */
    { 0, 0, 0 },                                                     /* +0.0 */
};

floatx80 fx80_const(Fx80Env *e, int which)
{
    Fx80Env t = *e;
    floatx80 r;

    if (which < 0 || which > 6) {
        return fx80_default_nan();
    }
    if (which == 6) {
        return fx80_zero(false);
    }
    /* Rounded per RC at full precision; the load signals no precision
     * exception (SDM vol. 2A FLD1/FLDL2T/...: "C1 ... otherwise 0", and
     * vol. 1 8.3.8). */
    r = fx80_round_pack(&t, true, false, fx_consts[which].exp + FX_BIAS,
                        fx_consts[which].hi, fx_consts[which].lo);
    e->round_up = false;
    return r;
}

floatx80 fx80_round_int(Fx80Env *e, floatx80 a)
{
    FxClass ca = fx80_classify(a);
    floatx80 res;
    uint64_t mag;

    if (fx80_check_nan(e, 1, a, a, &res)) {
        return res;
    }
    if (ca == FXC_ZERO || ca == FXC_INF) {
        return a;
    }
    if (fx80_check_denormal(e, ca, ca)) {
        return a;
    }
    if (fx80_exp(a) >= FX_BIAS + 63) {
        return a;                       /* no fraction bits left */
    }
    /* Below 2^63 the rounded magnitude fits in 64 bits. */
    round_to_uint(e, a, &mag);
    return from_mag(fx80_sign(a), mag);
}
