/*
 * The heart of the x87 soft float: operand classes, the single rounding
 * routine every result goes through, and the NaN/invalid rules.
 *
 * SPDX-License-Identifier: MIT
 */
#include "fx80.h"
#include "fx-wide.h"

/* Normal ranges as biased extended exponents: single emin -126 emax 127,
 * double emin -1022 emax 1023, extended 1..0x7FFE (SDM vol. 1 table 4-3). */
const FxFormat fx_fmt_f32 = { 24, false, FX_BIAS - 126, FX_BIAS + 127 };
const FxFormat fx_fmt_f64 = { 53, false, FX_BIAS - 1022, FX_BIAS + 1023 };
const FxFormat fx_fmt_f80 = { 64, true, 1, FX_EXP_MAX - 1 };

FxUnp fx80_unpack(floatx80 a)
{
    FxUnp u = { fx80_sign(a), fx80_exp(a), a.mant };

    if (u.exp == 0) {
        /* Denormals and pseudo-denormals use the exponent of 1 (SDM vol. 1
         * 4.8.3.2); normalize the significand. */
        int sh = fx_clz64(u.sig);
        u.exp = 1 - sh;
        u.sig <<= sh & 63;
        if (!a.mant) {
            u.exp = 0;
        }
    }
    return u;
}

floatx80 fx80_default_nan(void)
{
    /* The real indefinite: negative QNaN, significand 1.1000...0 (SDM
     * vol. 1 4.8.3.7, table 4-3). */
    return fx80_make(true, FX_EXP_MAX, 0xC000000000000000ULL);
}

floatx80 fx80_zero(bool sign)
{
    return fx80_make(sign, 0, 0);
}

floatx80 fx80_inf(bool sign)
{
    return fx80_make(sign, FX_EXP_MAX, FX_INT_BIT);
}

floatx80 fx80_invalid(Fx80Env *e)
{
    e->flags |= FX_IE;
    return fx80_default_nan();
}

/* Round (sig:ext) at the significand width 'prec', in place.  Returns true
 * when the kept part was incremented; *inexact reports discarded bits. */
static bool round_sig(int rc, bool sign, unsigned prec, uint64_t *sig,
                      uint64_t ext, bool *inexact)
{
    unsigned drop = 64 - prec;
    uint64_t mask = drop ? (1ULL << drop) - 1 : 0;
    uint64_t lost = *sig & mask;
    bool inc = false;

    *inexact = lost || ext;
    switch (rc) {
    case FX_RC_NEAREST:
        if (drop == 0) {
            inc = ext > FX_INT_BIT || (ext == FX_INT_BIT && (*sig & 1));
        } else {
            uint64_t half = 1ULL << (drop - 1);
            inc = lost > half ||
                  (lost == half && (ext || (*sig & (mask + 1))));
        }
        break;
    case FX_RC_DOWN:
        inc = *inexact && sign;
        break;
    case FX_RC_UP:
        inc = *inexact && !sign;
        break;
    default:
        break;
    }
    *sig &= ~mask;
    if (inc) {
        *sig += mask + 1;
    }
    return inc;
}

FxUnp fx_round(Fx80Env *e, const FxFormat *f, bool sign, int32_t exp,
               uint64_t sig, uint64_t ext, bool *inf)
{
    FxUnp r = { sign, exp, sig };
    bool tiny = exp < f->emin, inexact, inc;

    *inf = false;
    if (tiny && exp == f->emin - 1) {
        /* Tininess is detected after rounding (as on all x86; measured):
         * a value that rounds, at the destination precision with an
         * unbounded exponent, up to the smallest normal is not tiny. */
        uint64_t s2 = sig;
        bool ix;
        if (round_sig(e->rc, sign, f->prec, &s2, ext, &ix) && s2 == 0) {
            tiny = false;
        }
    }
    if (tiny && !(e->masks & FX_UE)) {
        /* Unmasked underflow: signalled on tininess alone; a register
         * result is delivered scaled up by 2^24576 (SDM vol. 1 8.5.5). */
        e->flags |= FX_UE;
        if (f->bias_adjust) {
            exp += FX_BIAS_ADJUST;
            if (exp < f->emin) {
                /* Out of the adjustment's reach (only FSCALE gets here):
                 * a zero, as measured on hardware. */
                e->flags |= FX_PE;
                e->round_up = false;
                r.exp = f->emin;
                r.sig = 0;
                return r;
            }
            tiny = false;
        }
    }
    if (tiny) {
        fx_shr128_jam(&sig, &ext, (int64_t)f->emin - exp);
        exp = f->emin;
    }
    inc = round_sig(e->rc, sign, f->prec, &sig, ext, &inexact);
    inexact |= e->force_inexact;
    if (inc && sig == 0) {
        /* Carry out of the significand: 1.111.. rounded to 10.000.. */
        sig = FX_INT_BIT;
        exp++;
    }
    e->round_up = inc;
    if (inexact) {
        e->flags |= FX_PE;
        if (tiny) {
            e->flags |= FX_UE;
        }
    }
    if (exp > f->emax) {
        e->flags |= FX_OE;
        if (f->bias_adjust && !(e->masks & FX_OE)) {
            /* Unmasked overflow: exponent scaled down (SDM vol. 1 8.5.4).
             * Beyond the reach of the adjustment (only FSCALE gets there)
             * the result is an infinity whatever the rounding (measured). */
            exp -= FX_BIAS_ADJUST;
            if (exp > f->emax) {
                e->flags |= FX_PE;
                e->round_up = true;
                *inf = true;
                exp = f->emax + 1;
                sig = FX_INT_BIT;
            }
        } else {
            /* Masked overflow: infinity or the largest finite number,
             * depending on the rounding direction (SDM vol. 1 table 4-10). */
            bool to_inf = e->rc == FX_RC_NEAREST ||
                          (e->rc == FX_RC_UP && !sign) ||
                          (e->rc == FX_RC_DOWN && sign);
            e->flags |= FX_PE;
            e->round_up = to_inf;
            if (to_inf) {
                *inf = true;
                exp = f->emax + 1;
                sig = FX_INT_BIT;
            } else {
                exp = f->emax;
                sig = ~0ULL << (64 - f->prec);
            }
        }
    }
    if (!f->bias_adjust && (e->flags & ~e->masks & (FX_OE | FX_UE))) {
        /* A store to memory that faults delivers nothing, so nothing is
         * inexact (measured). */
        e->flags &= (uint8_t)~FX_PE;
    }
    r.exp = exp;
    r.sig = sig;
    return r;
}

floatx80 fx80_round_pack(Fx80Env *e, bool full, bool sign, int32_t exp,
                         uint64_t sig, uint64_t ext)
{
    FxFormat f = fx_fmt_f80;
    bool inf;
    FxUnp r;

    if (!full) {
        f.prec = e->prec;
    }
    r = fx_round(e, &f, sign, exp, sig, ext, &inf);
    if (inf) {
        return fx80_inf(sign);
    }
    /* A result left without its integer bit is a denormal (or zero): its
     * exponent field is 0. */
    return fx80_make(sign, (r.sig & FX_INT_BIT) ? r.exp : 0, r.sig);
}

floatx80 fx80_norm_round_pack(Fx80Env *e, bool full, bool sign, int32_t exp,
                              uint64_t sig, uint64_t ext)
{
    int sh;

    if (sig == 0) {
        if (ext == 0) {
            return fx80_zero(sign);
        }
        sig = ext;
        ext = 0;
        exp -= 64;
    }
    sh = fx_clz64(sig);
    fx_shl128(&sig, &ext, sh);
    return fx80_round_pack(e, full, sign, exp - sh, sig, ext);
}

/* Pick the NaN result of an operation with two operands, at least one a
 * NaN (SDM vol. 1 table 4-7, x87 column): a QNaN operand wins over an SNaN,
 * otherwise the larger significand; the result is quieted. */
static floatx80 pick_nan(floatx80 a, floatx80 b)
{
    bool an = fx80_is_nan(a), bn = fx80_is_nan(b);
    floatx80 r;

    if (an && bn) {
        bool aq = (a.mant & FX_QUIET_BIT) != 0, bq = (b.mant & FX_QUIET_BIT) != 0;
        if (aq != bq) {
            r = aq ? a : b;
        } else if (a.mant != b.mant) {
            r = a.mant > b.mant ? a : b;
        } else {
            /* Equal significands: the positive one. */
            r = fx80_sign(a) ? b : a;
        }
    } else {
        r = an ? a : b;
    }
    r.mant |= FX_QUIET_BIT;
    return r;
}

bool fx80_check_nan(Fx80Env *e, int nargs, floatx80 a, floatx80 b, floatx80 *res)
{
    FxClass ca = fx80_classify(a);
    FxClass cb = nargs > 1 ? fx80_classify(b) : FXC_ZERO;

    if (ca == FXC_UNSUPPORTED || cb == FXC_UNSUPPORTED) {
        *res = fx80_invalid(e);
        return true;
    }
    if (ca == FXC_SNAN || cb == FXC_SNAN) {
        e->flags |= FX_IE;
    }
    if (ca == FXC_QNAN || ca == FXC_SNAN || cb == FXC_QNAN || cb == FXC_SNAN) {
        *res = nargs > 1 ? pick_nan(a, b) : pick_nan(a, a);
        return true;
    }
    return false;
}

bool fx80_check_denormal(Fx80Env *e, FxClass ca, FxClass cb)
{
    if (ca == FXC_DENORMAL || cb == FXC_DENORMAL || e->src_denormal) {
        e->flags |= FX_DE;
        return !(e->masks & FX_DE);
    }
    return false;
}
