/*
 * x87 arithmetic and comparison instructions: the D8/DA/DC/DE arithmetic
 * group, FCOM family, FCOMI family, FCMOVcc, and the D9 E0..FF group
 * (FCHS .. FCOS).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stddef.h>
#include "x87-internal.h"

/* The eight operations of the arithmetic groups by modrm reg field (SDM
 * vol. 2A table A-7): 0 add, 1 mul, 2 com, 3 comp, 4 sub, 5 subr, 6 div,
 * 7 divr; "d op s" with d the destination, s the source. */
static floatx80 arith_op(Fx80Env *e, unsigned op, floatx80 d, floatx80 s)
{
    switch (op) {
    case 0:
        return fx80_add(e, d, s);
    case 1:
        return fx80_mul(e, d, s);
    case 4:
        return fx80_sub(e, d, s);
    case 5:
        return fx80_sub(e, s, d);
    case 6:
        return fx80_div(e, d, s);
    default:
        return fx80_div(e, s, d);
    }
}

/* Condition codes of a comparison (SDM vol. 2A FCOM table): C3 C2 C0. */
static uint16_t cmp_cc(FxCmp r)
{
    static const uint16_t cc[4] = {
        [FX_CMP_LT] = FSW_C0,
        [FX_CMP_EQ] = FSW_C3,
        [FX_CMP_GT] = 0,
        [FX_CMP_UN] = FSW_C3 | FSW_C2 | FSW_C0,
    };
    return cc[r];
}

/* dst = dst op src, then pop when asked.  src_ok false: the source is an
 * empty register. */
static X87Result arith(X87Ctx *c, unsigned op, unsigned dst, floatx80 src,
                       bool src_ok, bool src_denormal, bool pop)
{
    X87State *s = c->s;
    Fx80Env e = x87_env(s);
    floatx80 r;

    if (!src_ok || x87_empty(s, dst)) {
        if (!x87_underflow(s)) {
            return X87_OK;
        }
        r = fx80_default_nan();
    } else {
        e.src_denormal = src_denormal;
        r = arith_op(&e, op, x87_st(s, dst), src);
        if (!x87_deliver(s, &e)) {
            return X87_OK;
        }
    }
    x87_set_st(s, dst, r);
    if (pop) {
        x87_pop(s);
    }
    return X87_OK;
}

/* Compare a (ST(0)) with b; pops 0, 1 or 2 registers. */
static X87Result compare(X87Ctx *c, floatx80 b, bool b_ok, bool b_denormal,
                         bool quiet, unsigned pops)
{
    X87State *s = c->s;
    Fx80Env e = x87_env(s);
    FxCmp r;

    if (!b_ok || x87_empty(s, 0)) {
        x87_underflow(s);
        e.flags = FX_IE;
        r = FX_CMP_UN;
    } else {
        e.src_denormal = b_denormal;
        r = fx80_compare(&e, x87_st(s, 0), b, quiet);
        x87_raise(s, e.flags);
        x87_set_c1(s, false);
    }
    /* The condition codes are written even when the exception is unmasked
     * (measured); an unmasked one suppresses the pops. */
    s->fsw = (uint16_t)((s->fsw & ~(FSW_C0 | FSW_C2 | FSW_C3)) | cmp_cc(r));
    if (e.flags & ~e.masks & (FX_IE | FX_DE)) {
        return X87_OK;
    }
    while (pops--) {
        x87_pop(s);
    }
    return X87_OK;
}

/* A memory operand of the arithmetic groups as an extended value: D8
 * m32real, DA m32int, DC m64real, DE m16int. */
static floatx80 read_operand(X87Ctx *c, bool *denormal)
{
    *denormal = false;
    switch (c->insn->opcode) {
    case 0xd8:
        return fx80_from_f32((uint32_t)x87_read(c, 0, 4), denormal);
    case 0xda:
        return fx80_from_int((int32_t)x87_read(c, 0, 4));
    case 0xdc:
        return fx80_from_f64(x87_read(c, 0, 8), denormal);
    default:
        return fx80_from_int((int16_t)x87_read(c, 0, 2));
    }
}

X87Result x87_arith_mem(X87Ctx *c)
{
    bool den;
    floatx80 v = read_operand(c, &den);

    if (c->reg == 2 || c->reg == 3) {
        return compare(c, v, true, den, false, c->reg - 2);
    }
    return arith(c, c->reg, 0, v, true, den, false);
}

X87Result x87_arith_reg(X87Ctx *c)
{
    unsigned op = c->reg, i = c->rm;
    floatx80 v;

    if (c->insn->opcode == 0xd8) {
        /* ST(0) = ST(0) op ST(i) */
        return arith(c, op, 0, x87_st(c->s, i), !x87_empty(c->s, i), false, false);
    }
    /* DC/DE: ST(i) = ST(i) op ST(0); the encodings of sub/subr and
     * div/divr swap relative to D8 (SDM vol. 2A FSUB: DC E8+i is FSUB
     * ST(i),ST(0)). */
    if (op >= 4) {
        op ^= 1;
    }
    v = x87_st(c->s, 0);
    return arith(c, op, i, v, !x87_empty(c->s, 0), false, c->insn->opcode == 0xde);
}

X87Result x87_compare_reg(X87Ctx *c)
{
    floatx80 v = x87_st(c->s, c->rm);
    bool ok = !x87_empty(c->s, c->rm);

    switch (c->insn->opcode) {
    case 0xdd:
        /* DD E0 FUCOM, DD E8 FUCOMP */
        return compare(c, v, ok, false, true, c->reg == 5);
    case 0xde:
        /* DE D0+i: FCOMP alias (FCOMP5) */
        return compare(c, v, ok, false, false, 1);
    default:
        /* D8/DC D0 FCOM, D8/DC D8 FCOMP */
        return compare(c, v, ok, false, false, c->reg == 3);
    }
}

X87Result x87_compare_pp(X87Ctx *c)
{
    /* DE D9 FCOMPP, DA E9 FUCOMPP: compare ST(0) with ST(1), pop twice. */
    return compare(c, x87_st(c->s, 1), !x87_empty(c->s, 1), false,
                   c->insn->opcode == 0xda, 2);
}

/* EFLAGS bits (SDM vol. 1 3.4.3). */
#define EFL_CF 0x0001
#define EFL_PF 0x0004
#define EFL_AF 0x0010
#define EFL_ZF 0x0040
#define EFL_SF 0x0080
#define EFL_OF 0x0800

X87Result x87_comi(X87Ctx *c)
{
    /* DB E8 FUCOMI, DB F0 FCOMI, DF E8 FUCOMIP, DF F0 FCOMIP (SDM vol. 2A
     * FCOMI: ZF PF CF = 000 >, 001 <, 100 =, 111 unordered). */
    static const uint32_t fl[4] = {
        [FX_CMP_LT] = EFL_CF,
        [FX_CMP_EQ] = EFL_ZF,
        [FX_CMP_GT] = 0,
        [FX_CMP_UN] = EFL_ZF | EFL_PF | EFL_CF,
    };
    X87State *s = c->s;
    X87Insn *in = c->insn;
    Fx80Env e = x87_env(s);
    bool pop = in->opcode == 0xdf;
    FxCmp r;

    if (x87_empty(s, 0) || x87_empty(s, c->rm)) {
        x87_underflow(s);
        e.flags = FX_IE;
        r = FX_CMP_UN;
    } else {
        /* C1 is left alone unless the stack underflows (SDM vol. 2A FCOMI). */
        r = fx80_compare(&e, x87_st(s, 0), x87_st(s, c->rm), c->reg == 5);
        x87_raise(s, e.flags);
    }
    /* EFLAGS are written even when the exception is unmasked (measured). */
    in->eflags_out = (in->eflags & ~(uint32_t)(EFL_CF | EFL_PF | EFL_AF | EFL_ZF |
                                               EFL_SF | EFL_OF)) | fl[r];
    in->eflags_written = true;
    if (pop && !(e.flags & ~e.masks & (FX_IE | FX_DE))) {
        x87_pop(s);
    }
    return X87_OK;
}

X87Result x87_fcmov(X87Ctx *c)
{
    /* DA C0 B, C8 E, D0 BE, D8 U; DB: the negations (SDM vol. 2A FCMOVcc). */
    uint32_t f = c->insn->eflags;
    bool cond;
    X87State *s = c->s;

    switch (c->reg) {
    case 0:
        cond = f & EFL_CF;
        break;
    case 1:
        cond = f & EFL_ZF;
        break;
    case 2:
        cond = f & (EFL_CF | EFL_ZF);
        break;
    default:
        cond = f & EFL_PF;
        break;
    }
    if (c->insn->opcode == 0xdb) {
        cond = !cond;
    }
    if (x87_empty(s, 0) || x87_empty(s, c->rm)) {
        if (x87_underflow(s)) {
            x87_set_st(s, 0, fx80_default_nan());
        }
        return X87_OK;
    }
    if (cond) {
        x87_set_st(s, 0, x87_st(s, c->rm));
    }
    return X87_OK;
}

/* --- D9 E0..FF -------------------------------------------------------- */

/* ST(0) = f(ST(0)) for FCHS, FABS, FSQRT, FRNDINT, F2XM1. */
static X87Result unary(X87Ctx *c, unsigned low)
{
    X87State *s = c->s;
    Fx80Env e = x87_env(s);
    floatx80 a = x87_st(s, 0), r;

    if (x87_empty(s, 0)) {
        if (x87_underflow(s)) {
            x87_set_st(s, 0, fx80_default_nan());
        }
        return X87_OK;
    }
    switch (low) {
    case 0xe0:                          /* FCHS: sign only, no exceptions */
        a.sign_exp ^= 0x8000;
        x87_set_c1(s, false);
        x87_set_st(s, 0, a);
        return X87_OK;
    case 0xe1:                          /* FABS */
        a.sign_exp &= 0x7fff;
        x87_set_c1(s, false);
        x87_set_st(s, 0, a);
        return X87_OK;
    case 0xfa:
        r = fx80_sqrt(&e, a);
        break;
    case 0xfc:
        r = fx80_round_int(&e, a);
        break;
    default:
        r = fx80_f2xm1(&e, a);
        break;
    }
    if (x87_deliver(s, &e)) {
        x87_set_st(s, 0, r);
    }
    return X87_OK;
}

/* ST(1) = f(ST(0), ST(1)), pop: FYL2X, FYL2XP1, FPATAN.  FSCALE, FPREM and
 * FPREM1 write ST(0) instead and do not pop. */
static X87Result binary(X87Ctx *c, unsigned low)
{
    X87State *s = c->s;
    Fx80Env e = x87_env(s);
    floatx80 a = x87_st(s, 0), b = x87_st(s, 1), r;
    bool to_st1 = low == 0xf1 || low == 0xf9 || low == 0xf3;
    uint16_t cc = 0;

    if (x87_empty(s, 0) || x87_empty(s, 1)) {
        if (low == 0xf8 || low == 0xf5) {
            /* FPREM/FPREM1 clear C2, keep C0/C3 (measured). */
            s->fsw &= (uint16_t)~FSW_C2;
        }
        if (!x87_underflow(s)) {
            return X87_OK;
        }
        r = fx80_default_nan();
    } else {
        switch (low) {
        case 0xf1:
            r = fx80_yl2x(&e, a, b);
            break;
        case 0xf9:
            r = fx80_yl2xp1(&e, a, b);
            break;
        case 0xf3:
            r = fx80_atan2(&e, b, a);
            break;
        case 0xfd:
            r = fx80_scale(&e, a, b);
            break;
        default:
            r = fx80_rem(&e, a, b, low == 0xf5, &cc);
            break;
        }
        if (low == 0xf8 || low == 0xf5) {
            if (cc == FX_REM_KEEP_C0C3) {
                s->fsw &= (uint16_t)~FSW_C2;
                e.round_up = false;
            } else {
                x87_set_cc(s, cc);
                e.round_up = (cc & FSW_C1) != 0;    /* C1 is Q0 */
            }
        }
        if (!x87_deliver(s, &e)) {
            return X87_OK;
        }
    }
    if (to_st1) {
        x87_set_st(s, 1, r);
        x87_pop(s);
    } else {
        x87_set_st(s, 0, r);
    }
    return X87_OK;
}

/* FSIN, FCOS, FSINCOS, FPTAN: C2 = 1 and no change for |x| >= 2^63. */
static X87Result trig(X87Ctx *c, unsigned low)
{
    X87State *s = c->s;
    Fx80Env e = x87_env(s);
    floatx80 a = x87_st(s, 0), r0 = a, r1 = a;
    bool pushes = low == 0xf2 || low == 0xfb;
    bool in_range;

    /* C2 = 1 only for an out-of-range operand, and is cleared even when
     * a stack fault stops the instruction (measured); C0 and C3 stay. */
    s->fsw &= (uint16_t)~FSW_C2;
    if (x87_empty(s, 0)) {
        if (!x87_underflow(s)) {
            return X87_OK;
        }
        x87_set_st(s, 0, fx80_default_nan());
        if (pushes) {
            x87_push(s, fx80_default_nan());
        }
        return X87_OK;
    }
    if (pushes && !x87_empty(s, 7)) {
        /* The second result has nowhere to go: stack overflow. */
        x87_raise(s, FX_IE | FX_SF);
        x87_set_c1(s, true);
        if (s->fcw & FX_IE) {
            x87_set_st(s, 0, fx80_default_nan());
            x87_set_top(s, x87_top(s) - 1);
            x87_set_st(s, 0, fx80_default_nan());
        }
        return X87_OK;
    }
    switch (low) {
    case 0xf2:                          /* FPTAN: tan, then push 1.0 */
        in_range = fx80_tan(&e, a, &r0);
        r1 = fx80_from_int(1);
        break;
    case 0xfb:                          /* FSINCOS: sin in ST(1), cos on top */
        in_range = fx80_sincos(&e, a, &r0, &r1);
        break;
    case 0xfe:
        in_range = fx80_sincos(&e, a, &r0, NULL);
        break;
    default:
        in_range = fx80_sincos(&e, a, NULL, &r0);
        break;
    }
    if (!in_range) {
        x87_set_cc(s, (s->fsw & ~FSW_C1 & FSW_CC) | FSW_C2);
        return X87_OK;
    }
    if (!x87_deliver(s, &e)) {
        return X87_OK;
    }
    x87_set_st(s, 0, r0);
    if (pushes) {
        /* For a NaN or invalid operand both results are that NaN (FPTAN
         * pushes it instead of 1.0; measured). */
        x87_set_top(s, x87_top(s) - 1);
        x87_set_st(s, 0, fx80_is_nan(r0) ? r0 : r1);
    }
    return X87_OK;
}

static X87Result ftst_fxam(X87Ctx *c, unsigned low)
{
    X87State *s = c->s;
    floatx80 a = x87_st(s, 0);
    uint16_t cc;

    if (low == 0xe4) {
        return compare(c, fx80_zero(false), true, false, false, 0);
    }
    /* FXAM: C3 C2 C0 class, C1 sign (SDM vol. 2A FXAM table). */
    if (x87_empty(s, 0)) {
        cc = FSW_C3 | FSW_C0;
    } else {
        switch (fx80_classify(a)) {
        case FXC_UNSUPPORTED:
            cc = 0;
            break;
        case FXC_QNAN:
        case FXC_SNAN:
            cc = FSW_C0;
            break;
        case FXC_NORMAL:
            cc = FSW_C2;
            break;
        case FXC_INF:
            cc = FSW_C2 | FSW_C0;
            break;
        case FXC_ZERO:
            cc = FSW_C3;
            break;
        default:
            cc = FSW_C3 | FSW_C2;
            break;
        }
    }
    if (fx80_sign(a)) {
        cc |= FSW_C1;
    }
    x87_set_cc(s, cc);
    return X87_OK;
}

/* FXTRACT: ST(0) = exponent, then push the significand. */
static X87Result fxtract(X87Ctx *c)
{
    X87State *s = c->s;
    Fx80Env e = x87_env(s);
    floatx80 sig, exp;

    if (x87_empty(s, 0)) {
        if (x87_underflow(s)) {
            /* Both results are the indefinite. */
            x87_set_st(s, 0, fx80_default_nan());
            x87_set_top(s, x87_top(s) - 1);
            x87_set_st(s, 0, fx80_default_nan());
        }
        return X87_OK;
    }
    if (x87_push_overflows(s)) {
        if (s->fcw & FX_IE) {
            /* Both results are the indefinite. */
            x87_set_st(s, 1, fx80_default_nan());
        }
        return X87_OK;
    }
    sig = fx80_xtract(&e, x87_st(s, 0), &exp);
    if (!x87_deliver(s, &e)) {
        return X87_OK;
    }
    x87_set_st(s, 0, exp);
    x87_push(s, sig);
    return X87_OK;
}

/* Constants D9 E8..EE: FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ. */
static X87Result fld_const(X87Ctx *c, unsigned low)
{
    X87State *s = c->s;
    Fx80Env e = x87_env(s);
    floatx80 v = fx80_const(&e, (int)(low - 0xe8));

    if (!x87_push_overflows(s)) {
        x87_push(s, v);
        x87_set_c1(s, false);
    }
    return X87_OK;
}

X87Result x87_d9_group(X87Ctx *c)
{
    unsigned low = c->insn->modrm;
    X87State *s = c->s;

    switch (low) {
    case 0xe0:
    case 0xe1:
    case 0xf0:
    case 0xfa:
    case 0xfc:
        return unary(c, low);
    case 0xe4:
    case 0xe5:
        return ftst_fxam(c, low);
    case 0xe8: case 0xe9: case 0xea: case 0xeb: case 0xec: case 0xed: case 0xee:
        return fld_const(c, low);
    case 0xf1:
    case 0xf3:
    case 0xf5:
    case 0xf8:
    case 0xf9:
    case 0xfd:
        return binary(c, low);
    case 0xf2:
    case 0xfb:
    case 0xfe:
    case 0xff:
        return trig(c, low);
    case 0xf4:
        return fxtract(c);
    default:                            /* F6 FDECSTP, F7 FINCSTP */
        x87_set_top(s, x87_top(s) + (low == 0xf7 ? 1 : 7));
        x87_set_c1(s, false);
        return X87_OK;
    }
}
