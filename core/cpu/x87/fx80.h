/*
 * Software arithmetic on the x87 80-bit extended format ("fx80"), with the
 * x87's rounding, precision control, exception and NaN rules.  Internal to
 * core/cpu/x87; the x87 instruction layer (x87-*.c) is its only user.
 *
 * Conventions used by every function here:
 *  - An operation takes an Fx80Env carrying the rounding control, the
 *    precision of register results and the exception masks, and reports
 *    the exceptions it raised in env->flags (status-word bit layout) and
 *    whether rounding increased the magnitude in env->round_up (the C1
 *    "rounded up" indication, Intel SDM vol. 1 8.1.3.1).
 *  - When an unmasked invalid-operation, zero-divide or denormal-operand
 *    exception is raised the returned value is meaningless: the caller
 *    must leave the destination alone (SDM vol. 1 4.9.2, 8.5).  An unmasked
 *    overflow/underflow on a register result returns the result with its
 *    exponent adjusted by 24576 (SDM vol. 1 8.5.4, 8.5.5).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_CPU_X87_FX80_H
#define CORE_CPU_X87_FX80_H

#include <stdbool.h>
#include <stdint.h>
#include "x87.h"

/* Exception flags in the bit positions of the status word (SDM vol. 1
 * 8.1.3, figure 8-4); FX_SF is the stack-fault bit that accompanies IE. */
enum {
    FX_IE = 0x01,
    FX_DE = 0x02,
    FX_ZE = 0x04,
    FX_OE = 0x08,
    FX_UE = 0x10,
    FX_PE = 0x20,
    FX_SF = 0x40,
    FX_ALL_EXC = 0x3f,
};

/* Rounding control, FCW bits 11..10 (SDM vol. 1 table 4-8). */
enum {
    FX_RC_NEAREST = 0,
    FX_RC_DOWN = 1,
    FX_RC_UP = 2,
    FX_RC_ZERO = 3,
};

/* Extended format: bias 16383, exponent 0x7FFF for infinities and NaNs
 * (SDM vol. 1 4.2.2, table 4-3). */
#define FX_BIAS 16383
#define FX_EXP_MAX 0x7fff
#define FX_INT_BIT (1ULL << 63)
#define FX_QUIET_BIT (1ULL << 62)
/* Exponent adjustment for unmasked overflow/underflow on register results
 * (SDM vol. 1 8.5.4 and 8.5.5: 3 * 2^13). */
#define FX_BIAS_ADJUST 24576

typedef struct Fx80Env {
    uint8_t rc;           /* FX_RC_* */
    uint8_t prec;         /* significand bits of register results: 24, 53, 64 */
    uint8_t masks;        /* FX_IE..FX_PE set = masked (FCW bits 5..0) */
    uint8_t flags;        /* out: FX_* raised by the operation */
    bool round_up;        /* out: rounding increased the magnitude (C1) */
    bool src_denormal;    /* in: a memory operand was a denormal in its own
                             format (m32/m64), so the operation raises DE */
    bool force_inexact;   /* in: report PE (and UE if tiny) even when the
                             rounding was exact (transcendentals) */
} Fx80Env;

/* Operand classes.  FXC_DENORMAL includes pseudo-denormals (exponent 0 with
 * the integer bit set); FXC_UNSUPPORTED is an unnormal, pseudo-infinity or
 * pseudo-NaN, invalid operands since the 80387 (SDM vol. 1 8.2.2,
 * table 8-3). */
typedef enum FxClass {
    FXC_ZERO,
    FXC_DENORMAL,
    FXC_NORMAL,
    FXC_INF,
    FXC_QNAN,
    FXC_SNAN,
    FXC_UNSUPPORTED,
} FxClass;

/* A finite value unpacked: (-1)^sign * sig * 2^(exp - FX_BIAS - 63), sig
 * normalized (bit 63 set) unless the value is zero.  exp may lie outside
 * the format's range (denormals normalize to exp < 1). */
typedef struct FxUnp {
    bool sign;
    int32_t exp;
    uint64_t sig;
} FxUnp;

/* A rounding target: significand bits and the normal exponent range,
 * expressed as biased extended exponents.  bias_adjust: a register
 * destination, where unmasked OE/UE deliver an exponent-adjusted result. */
typedef struct FxFormat {
    uint8_t prec;
    bool bias_adjust;
    int32_t emin, emax;
} FxFormat;

extern const FxFormat fx_fmt_f32, fx_fmt_f64, fx_fmt_f80;

/* Comparison outcomes. */
typedef enum FxCmp {
    FX_CMP_LT,
    FX_CMP_EQ,
    FX_CMP_GT,
    FX_CMP_UN,
} FxCmp;

static inline bool fx80_sign(floatx80 a)
{
    return a.sign_exp >> 15;
}

static inline int32_t fx80_exp(floatx80 a)
{
    return a.sign_exp & FX_EXP_MAX;
}

static inline floatx80 fx80_make(bool sign, int32_t exp, uint64_t mant)
{
    floatx80 r = { .mant = mant, .sign_exp = (uint16_t)((sign ? 0x8000 : 0) | (exp & FX_EXP_MAX)) };
    return r;
}

/* Inline: on every operation's path. */
static inline FxClass fx80_classify(floatx80 a)
{
    int32_t exp = fx80_exp(a);

    if (exp == 0) {
        return a.mant ? FXC_DENORMAL : FXC_ZERO;
    }
    if (!(a.mant & FX_INT_BIT)) {
        /* Unnormal, pseudo-infinity, pseudo-NaN (SDM vol. 1 8.2.2). */
        return FXC_UNSUPPORTED;
    }
    if (exp == FX_EXP_MAX) {
        if ((a.mant << 1) == 0) {
            return FXC_INF;
        }
        return (a.mant & FX_QUIET_BIT) ? FXC_QNAN : FXC_SNAN;
    }
    return FXC_NORMAL;
}

/* A normal finite value: the fast path of the arithmetic. */
static inline bool fx80_is_normal(floatx80 a)
{
    return (uint32_t)fx80_exp(a) - 1 < FX_EXP_MAX - 1 && (a.mant & FX_INT_BIT);
}

static inline bool fx80_is_nan(floatx80 a)
{
    FxClass c = fx80_classify(a);
    return c == FXC_QNAN || c == FXC_SNAN;
}

/* fx80-core.c: unpacking, rounding, NaNs */
FxUnp fx80_unpack(floatx80 a);
floatx80 fx80_default_nan(void);
floatx80 fx80_zero(bool sign);
floatx80 fx80_inf(bool sign);
/* Round the exact value (-1)^sign * (sig + ext/2^64) * 2^(exp - FX_BIAS - 63)
 * (sig normalized, not zero) to format f, raising UE/OE/PE as the x87 does
 * (tininess detected after rounding, SDM vol. 1 4.9.1.5).  Returns the
 * result unpacked (a denormal has exp == f->emin and bit 63 clear, zero has
 * sig 0); *inf set when the result is an infinity. */
FxUnp fx_round(Fx80Env *e, const FxFormat *f, bool sign, int32_t exp,
               uint64_t sig, uint64_t ext, bool *inf);
/* fx_round to a register (precision env->prec, or 64 when full is set)
 * and pack. */
floatx80 fx80_round_pack(Fx80Env *e, bool full, bool sign, int32_t exp,
                         uint64_t sig, uint64_t ext);
/* Normalize an exact nonzero (sig:ext) and round it to a register. */
floatx80 fx80_norm_round_pack(Fx80Env *e, bool full, bool sign, int32_t exp,
                              uint64_t sig, uint64_t ext);
/* Checks shared by every arithmetic operation, in the x87 priority order
 * (SDM vol. 1 4.9.2): an unsupported operand is invalid (result: the real
 * indefinite), then NaNs propagate (SNaN invalid).  nargs is 1 or 2; b is
 * ignored for 1.  Returns true when *res is the final result. */
bool fx80_check_nan(Fx80Env *e, int nargs, floatx80 a, floatx80 b, floatx80 *res);
/* Denormal-operand check (priority 4): raises DE when either class is a
 * denormal or env->src_denormal; returns true when DE is unmasked and the
 * operation must stop. */
bool fx80_check_denormal(Fx80Env *e, FxClass ca, FxClass cb);
/* Raise IE and return the real indefinite (SDM vol. 1 4.8.3.7). */
floatx80 fx80_invalid(Fx80Env *e);

/* fx80-arith.c: basic arithmetic, correctly rounded at env->prec */
floatx80 fx80_add(Fx80Env *e, floatx80 a, floatx80 b);
floatx80 fx80_sub(Fx80Env *e, floatx80 a, floatx80 b);
floatx80 fx80_mul(Fx80Env *e, floatx80 a, floatx80 b);
floatx80 fx80_div(Fx80Env *e, floatx80 a, floatx80 b);
floatx80 fx80_sqrt(Fx80Env *e, floatx80 a);

/* fx80-misc.c: operations that are exact or round to an integer */
/* FPREM (ieee = false) / FPREM1 (ieee = true): *cc receives the condition
 * codes C3..C0 in their FSW positions (bits 14, 10, 9, 8), or
 * FX_REM_KEEP_C0C3 when the result is a NaN (C2 = C1 = 0, C0 and C3
 * unchanged). */
#define FX_REM_KEEP_C0C3 0x8000
floatx80 fx80_rem(Fx80Env *e, floatx80 a, floatx80 b, bool ieee, uint16_t *cc);
floatx80 fx80_round_int(Fx80Env *e, floatx80 a);                 /* FRNDINT */
floatx80 fx80_scale(Fx80Env *e, floatx80 a, floatx80 b);         /* FSCALE */
/* FXTRACT: *exp_out = exponent as a value, return the significand. */
floatx80 fx80_xtract(Fx80Env *e, floatx80 a, floatx80 *exp_out);
FxCmp fx80_compare(Fx80Env *e, floatx80 a, floatx80 b, bool quiet);

/* fx80-conv.c: conversions */
floatx80 fx80_from_f32(uint32_t v, bool *denormal);
floatx80 fx80_from_f64(uint64_t v, bool *denormal);
floatx80 fx80_from_int(int64_t v);
uint32_t fx80_to_f32(Fx80Env *e, floatx80 a);
uint64_t fx80_to_f64(Fx80Env *e, floatx80 a);
/* To a signed integer of 'bits' (16, 32, 64) rounding per env->rc; out of
 * range, NaN, infinity or unsupported: IE and the integer indefinite. */
int64_t fx80_to_int(Fx80Env *e, floatx80 a, int bits);
/* Packed BCD (SDM vol. 1 4.7): 10 bytes, 18 digits and a sign byte. */
floatx80 fx80_from_bcd(const uint8_t bcd[10]);
void fx80_to_bcd(Fx80Env *e, floatx80 a, uint8_t bcd[10]);
/* The constants of FLD1..FLDZ, rounded per env->rc (SDM vol. 2A FLD1...). */
floatx80 fx80_const(Fx80Env *e, int which);

/* fx80-trans.c: transcendental instructions (accuracy: see that file) */
floatx80 fx80_f2xm1(Fx80Env *e, floatx80 a);
floatx80 fx80_yl2x(Fx80Env *e, floatx80 x, floatx80 y);
floatx80 fx80_yl2xp1(Fx80Env *e, floatx80 x, floatx80 y);
floatx80 fx80_atan2(Fx80Env *e, floatx80 y, floatx80 x);
/* FSIN/FCOS/FSINCOS/FPTAN: returns false (C2 = 1, nothing changes) when
 * |a| >= 2^63.  Results that are not requested may be NULL. */
bool fx80_sincos(Fx80Env *e, floatx80 a, floatx80 *sin_out, floatx80 *cos_out);
bool fx80_tan(Fx80Env *e, floatx80 a, floatx80 *tan_out);

#endif
