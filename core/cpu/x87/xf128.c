/*
 * 128-bit-significand arithmetic for the transcendental functions.
 *
 * SPDX-License-Identifier: MIT
 */
#include "xf128.h"
#include "fx-wide.h"

/* Computed to 500 bits with mpmath and truncated to 128: pi, pi/2, ln 2,
 * log2 e, and atan(j/8) for j = 0..8 (the argument-reduction table of
 * fx80_atan2). */
const Xf xf_pi = { false, 1, 0xc90fdaa22168c234ULL, 0xc4c6628b80dc1cd1ULL };
const Xf xf_pi_2 = { false, 0, 0xc90fdaa22168c234ULL, 0xc4c6628b80dc1cd1ULL };
const Xf xf_ln2 = { false, -1, 0xb17217f7d1cf79abULL, 0xc9e3b39803f2f6afULL };
const Xf xf_log2e = { false, 0, 0xb8aa3b295c17f0bbULL, 0xbe87fed0691d3e88ULL };
const Xf xf_atan_eighths[9] = {
    { false, 0, 0, 0 },
    { false, -4, 0xfeadd4d5617b6e32ULL, 0xc897989f3e888ef7ULL },
    { false, -3, 0xfadbafc96406eb15ULL, 0x6dc79ef5f7a217e5ULL },
    { false, -2, 0xb7b0ca0f26f78473ULL, 0x8aa32122dcfe4483ULL },
    { false, -2, 0xed63382b0dda7b45ULL, 0x6fe445ecbc3a8d03ULL },
    { false, -1, 0x8f005d5ef7f59f9bULL, 0x5c835e1665c43747ULL },
    { false, -1, 0xa4bc7d1934f70924ULL, 0x19a87f2a457dac9eULL },
    { false, -1, 0xb8053e2bc2319e73ULL, 0xcb2da55210a4443dULL },
    { false, -1, 0xc90fdaa22168c234ULL, 0xc4c6628b80dc1cd1ULL },
};

Xf xf_make(bool sign, int32_t exp, uint64_t hi, uint64_t lo)
{
    Xf r = { sign, exp, hi, lo };
    int sh;

    if (!hi) {
        if (!lo) {
            r.exp = 0;
            return r;
        }
        r.hi = lo;
        r.lo = 0;
        r.exp -= 64;
    }
    sh = fx_clz64(r.hi);
    fx_shl128(&r.hi, &r.lo, sh);
    r.exp -= sh;
    return r;
}

Xf xf_from_fx80(floatx80 a)
{
    FxUnp u;

    if (fx80_classify(a) == FXC_ZERO) {
        return xf_make(fx80_sign(a), 0, 0, 0);
    }
    u = fx80_unpack(a);
    return xf_make(u.sign, u.exp - FX_BIAS, u.sig, 0);
}

Xf xf_from_uint(uint64_t v)
{
    return xf_make(false, 63, v, 0);
}

Xf xf_add(Xf a, Xf b)
{
    Xf t;
    uint64_t hi, lo;
    int32_t d;

    if (xf_is_zero(a)) {
        return b;
    }
    if (xf_is_zero(b)) {
        return a;
    }
    if (a.exp < b.exp || (a.exp == b.exp && fx_lt128(a.hi, a.lo, b.hi, b.lo))) {
        t = a;
        a = b;
        b = t;
    }
    d = a.exp - b.exp;
    fx_shr128_jam(&b.hi, &b.lo, d);
    hi = a.hi;
    lo = a.lo;
    if (a.sign == b.sign) {
        fx_add128(&hi, &lo, b.hi, b.lo);
        if (fx_lt128(hi, lo, a.hi, a.lo)) {
            /* Carry out of bit 127. */
            fx_shr128_jam(&hi, &lo, 1);
            hi |= FX_INT_BIT;
            a.exp++;
        }
        return xf_make(a.sign, a.exp, hi, lo);
    }
    fx_sub128(&hi, &lo, b.hi, b.lo);
    return xf_make(a.sign, a.exp, hi, lo);
}

Xf xf_sub(Xf a, Xf b)
{
    return xf_add(a, xf_neg(b));
}

Xf xf_mul(Xf a, Xf b)
{
    uint64_t p3, p2, p1, p0, h, l;

    if (xf_is_zero(a) || xf_is_zero(b)) {
        return xf_make(a.sign ^ b.sign, 0, 0, 0);
    }
    /* Top 128 bits of the 256-bit product (the lowest partial product only
     * feeds a carry that truncation may drop: error below 2^-126). */
    fx_mul64(a.hi, b.hi, &p3, &p2);
    fx_mul64(a.hi, b.lo, &h, &l);
    p1 = l;
    fx_add128(&p3, &p2, 0, h);
    fx_mul64(a.lo, b.hi, &h, &l);
    p0 = p1 + l;
    fx_add128(&p3, &p2, 0, h + (p0 < l));
    /* p3:p2 is the product / 2^128 in [2^126, 2^128). */
    return xf_make(a.sign ^ b.sign, a.exp + b.exp + 1, p3, p2);
}

void xf_udiv128(uint64_t nhi, uint64_t nlo, uint64_t dhi, uint64_t dlo,
                uint64_t *qhi, uint64_t *qlo, uint64_t *rhi, uint64_t *rlo)
{
    uint64_t rh = 0, rl = 0, qh = 0, ql = 0;
    int i;

    /* Restoring binary long division, one quotient bit per step. */
    for (i = 127; i >= 0; i--) {
        bool top = rh >> 63;
        fx_shl128(&rh, &rl, 1);
        rl |= (i >= 64 ? nhi >> (i - 64) : nlo >> i) & 1;
        fx_shl128(&qh, &ql, 1);
        if (top || !fx_lt128(rh, rl, dhi, dlo)) {
            fx_sub128(&rh, &rl, dhi, dlo);
            ql |= 1;
        }
    }
    *qhi = qh;
    *qlo = ql;
    *rhi = rh;
    *rlo = rl;
}

Xf xf_div(Xf a, Xf b)
{
    uint64_t rh = a.hi, rl = a.lo, fh = 0, fl = 0;
    int32_t exp = a.exp - b.exp;
    bool top;
    int i;

    if (xf_is_zero(a)) {
        return xf_make(a.sign ^ b.sign, 0, 0, 0);
    }
    /* Both significands lie in [2^127, 2^128).  The quotient's integer bit
     * is 1 once the dividend is doubled when smaller than the divisor; then
     * 127 fraction bits by restoring long division of the remainder. */
    if (fx_lt128(rh, rl, b.hi, b.lo)) {
        exp--;
        fx_shl128(&rh, &rl, 1);         /* 2a - b < b: the wrap is harmless */
    }
    fx_sub128(&rh, &rl, b.hi, b.lo);
    for (i = 0; i < 127; i++) {
        top = rh >> 63;
        fx_shl128(&rh, &rl, 1);
        fx_shl128(&fh, &fl, 1);
        if (top || !fx_lt128(rh, rl, b.hi, b.lo)) {
            fx_sub128(&rh, &rl, b.hi, b.lo);
            fl |= 1;
        }
    }
    return xf_make(a.sign ^ b.sign, exp, fh | FX_INT_BIT, fl | ((rh | rl) != 0));
}

Xf xf_mul_small(Xf a, uint32_t k)
{
    uint64_t h1, l1, h0, l0;

    /* (hi:lo) * k as a 160-bit value; keep the top 128 bits. */
    fx_mul64(a.lo, k, &h0, &l0);
    fx_mul64(a.hi, k, &h1, &l1);
    l1 += h0;
    h1 += l1 < h0;
    /* h1:l1:l0 ; normalize so that h1 becomes zero. */
    {
        int sh = fx_clz64(h1);
        uint64_t hi, lo;
        if (h1 == 0) {
            return xf_make(a.sign, a.exp, l1, l0);
        }
        hi = (h1 << sh) | (sh ? l1 >> (64 - sh) : 0);
        lo = (l1 << sh) | (sh ? l0 >> (64 - sh) : 0);
        return xf_make(a.sign, a.exp + 64 - sh, hi, lo);
    }
}

Xf xf_div_small(Xf a, uint32_t k)
{
    uint64_t r = 0, q[4];
    uint32_t w[4] = { (uint32_t)(a.hi >> 32), (uint32_t)a.hi,
                      (uint32_t)(a.lo >> 32), (uint32_t)a.lo };
    int i;

    /* Short division in base 2^32, most significant digit first. */
    for (i = 0; i < 4; i++) {
        uint64_t cur = (r << 32) | w[i];
        q[i] = cur / k;
        r = cur % k;
    }
    return xf_make(a.sign, a.exp, (q[0] << 32) | q[1], ((q[2] << 32) | q[3]) | (r != 0));
}

floatx80 xf_to_fx80(Fx80Env *e, Xf a)
{
    if (xf_is_zero(a)) {
        return fx80_zero(a.sign);
    }
    /* Clamp far-out exponents: beyond these the rounding saturates anyway
     * and the int32 arithmetic in fx_round must not overflow. */
    if (a.exp > 0x10000) {
        a.exp = 0x10000;
    } else if (a.exp < -0x10000) {
        a.exp = -0x10000;
    }
    return fx80_round_pack(e, true, a.sign, a.exp + FX_BIAS, a.hi, a.lo);
}
