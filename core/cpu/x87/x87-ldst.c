/*
 * x87 loads and stores: FLD/FILD/FBLD, FST(P)/FIST(P)/FBSTP to memory,
 * FLD/FST(P) ST(i), FXCH, FFREE(P).
 *
 * SPDX-License-Identifier: MIT
 */
#include "x87-internal.h"

/* Packed BCD and extended reals are 10 bytes: 8 then 2. */
static void read80(X87Ctx *c, uint64_t *lo, uint16_t *hi)
{
    *lo = x87_read(c, 0, 8);
    *hi = (uint16_t)x87_read(c, 8, 2);
}

static void write80(X87Ctx *c, uint64_t lo, uint16_t hi)
{
    c->mem->probe_write(c->mem->cpu, 0, 10);
    x87_write(c, 0, lo, 8);
    x87_write(c, 8, hi, 2);
}

X87Result x87_load_mem(X87Ctx *c)
{
    X87State *s = c->s;
    Fx80Env e = x87_env(s);
    unsigned key = ((c->insn->opcode & 7) << 3) | c->reg;
    bool den = false, ieee = false;
    floatx80 v;
    uint8_t bcd[10];
    uint64_t lo;
    uint16_t hi;
    int i;

    switch (key) {
    case (1 << 3) | 0:                  /* D9 /0 FLD m32real */
        v = fx80_from_f32((uint32_t)x87_read(c, 0, 4), &den);
        ieee = true;
        break;
    case (5 << 3) | 0:                  /* DD /0 FLD m64real */
        v = fx80_from_f64(x87_read(c, 0, 8), &den);
        ieee = true;
        break;
    case (3 << 3) | 5:                  /* DB /5 FLD m80real: loaded as is */
        read80(c, &lo, &hi);
        v.mant = lo;
        v.sign_exp = hi;
        break;
    case (7 << 3) | 0:                  /* DF /0 FILD m16int */
        v = fx80_from_int((int16_t)x87_read(c, 0, 2));
        break;
    case (3 << 3) | 0:                  /* DB /0 FILD m32int */
        v = fx80_from_int((int32_t)x87_read(c, 0, 4));
        break;
    case (7 << 3) | 5:                  /* DF /5 FILD m64int */
        v = fx80_from_int((int64_t)x87_read(c, 0, 8));
        break;
    default:                            /* DF /4 FBLD */
        read80(c, &lo, &hi);
        for (i = 0; i < 8; i++) {
            bcd[i] = (uint8_t)(lo >> (8 * i));
        }
        bcd[8] = (uint8_t)hi;
        bcd[9] = (uint8_t)(hi >> 8);
        v = fx80_from_bcd(bcd);
        break;
    }
    if (x87_push_overflows(s)) {
        return X87_OK;
    }
    if (ieee) {
        /* Single/double sources: SNaN is invalid and loads quieted; a
         * denormal raises DE (SDM vol. 2A FLD) but, normalized, is loaded
         * even when DE is unmasked (measured). */
        if (fx80_classify(v) == FXC_SNAN) {
            e.flags |= FX_IE;
            v.mant |= FX_QUIET_BIT;
        } else if (den) {
            e.flags |= FX_DE;
        }
    }
    x87_raise(s, e.flags);
    x87_set_c1(s, false);
    if (!(e.flags & ~e.masks & FX_IE)) {
        x87_push(s, v);
    }
    return X87_OK;
}

X87Result x87_store_mem(X87Ctx *c)
{
    X87State *s = c->s;
    Fx80Env e = x87_env(s);
    unsigned key = ((c->insn->opcode & 7) << 3) | c->reg;
    /* Odd reg fields pop (FSTP, FISTP, FSTP m80, FISTP m64); so does FBSTP. */
    bool pop = (c->reg & 1) || key == ((7 << 3) | 6);
    floatx80 v = x87_st(s, 0);
    uint8_t bcd[10];
    uint64_t lo = 0;
    int i;

    /* FISTTP (SSE3, DB/DD/DF /1) converts with truncation whatever the
     * rounding control (SDM vol. 2A, FISTTP). */
    if (c->reg == 1) {
        e.rc = FX_RC_ZERO;
    }
    if (x87_empty(s, 0)) {
        if (!x87_underflow(s)) {
            return X87_OK;
        }
        /* Masked: store the indefinite in the destination format; the
         * conversion below raises IE again, which is already set. */
        v = fx80_default_nan();
    }
    switch (key) {
    case (1 << 3) | 2:                  /* D9 /2 /3 FST(P) m32real */
    case (1 << 3) | 3:
        lo = fx80_to_f32(&e, v);
        break;
    case (5 << 3) | 2:                  /* DD /2 /3 FST(P) m64real */
    case (5 << 3) | 3:
        lo = fx80_to_f64(&e, v);
        break;
    case (7 << 3) | 1:                  /* DF /1 FISTTP m16int */
    case (7 << 3) | 2:                  /* DF /2 /3 FIST(P) m16int */
    case (7 << 3) | 3:
        lo = (uint16_t)fx80_to_int(&e, v, 16);
        break;
    case (3 << 3) | 1:                  /* DB /1 FISTTP m32int */
    case (3 << 3) | 2:                  /* DB /2 /3 FIST(P) m32int */
    case (3 << 3) | 3:
        lo = (uint32_t)fx80_to_int(&e, v, 32);
        break;
    case (5 << 3) | 1:                  /* DD /1 FISTTP m64int */
    case (7 << 3) | 7:                  /* DF /7 FISTP m64int */
        lo = (uint64_t)fx80_to_int(&e, v, 64);
        break;
    case (7 << 3) | 6:                  /* DF /6 FBSTP */
        fx80_to_bcd(&e, v, bcd);
        break;
    default:                            /* DB /7 FSTP m80real: as is */
        break;
    }
    /* Unmasked invalid, overflow or underflow: nothing is stored and the
     * stack is not popped (SDM vol. 1 8.5.1.2, 8.5.4, 8.5.5). */
    x87_raise(s, e.flags);
    if (e.flags & ~e.masks & (FX_IE | FX_DE | FX_ZE | FX_OE | FX_UE)) {
        x87_set_c1(s, false);
        return X87_OK;
    }
    x87_set_c1(s, e.round_up);
    switch (key) {
    case (1 << 3) | 2:
    case (1 << 3) | 3:
    case (3 << 3) | 1:
    case (3 << 3) | 2:
    case (3 << 3) | 3:
        x87_write(c, 0, lo, 4);
        break;
    case (5 << 3) | 1:
    case (5 << 3) | 2:
    case (5 << 3) | 3:
    case (7 << 3) | 7:
        x87_write(c, 0, lo, 8);
        break;
    case (7 << 3) | 1:
    case (7 << 3) | 2:
    case (7 << 3) | 3:
        x87_write(c, 0, lo, 2);
        break;
    case (7 << 3) | 6:
        for (i = 0; i < 8; i++) {
            lo |= (uint64_t)bcd[i] << (8 * i);
        }
        write80(c, lo, (uint16_t)(bcd[8] | (bcd[9] << 8)));
        break;
    default:
        write80(c, v.mant, v.sign_exp);
        break;
    }
    if (pop) {
        x87_pop(s);
    }
    return X87_OK;
}

X87Result x87_fld_st(X87Ctx *c)
{
    X87State *s = c->s;
    floatx80 v = x87_st(s, c->rm);

    if (x87_empty(s, c->rm)) {
        /* An empty source is reported (C1 = 0) ahead of a full stack, and
         * the indefinite is pushed regardless (measured). */
        if (x87_underflow(s)) {
            x87_set_top(s, x87_top(s) - 1);
            x87_set_st(s, 0, fx80_default_nan());
        }
        return X87_OK;
    }
    if (!x87_push_overflows(s)) {
        x87_push(s, v);
        x87_set_c1(s, false);
    }
    return X87_OK;
}

X87Result x87_fst_st(X87Ctx *c)
{
    /* DD D0 FST ST(i); DD D8 FSTP ST(i) and its aliases D9 D8 (FSTP1),
     * DF D0 and DF D8 (FSTP8, FSTP9). */
    X87State *s = c->s;
    bool pop = !(c->insn->opcode == 0xdd && c->reg == 2);
    floatx80 v = x87_st(s, 0);

    if (x87_empty(s, 0)) {
        if (!x87_underflow(s)) {
            return X87_OK;
        }
        v = fx80_default_nan();
    } else {
        x87_set_c1(s, false);
    }
    x87_set_st(s, c->rm, v);
    if (pop) {
        x87_pop(s);
    }
    return X87_OK;
}

X87Result x87_fxch(X87Ctx *c)
{
    /* D9 C8+i, and the aliases DD C8+i (FXCH4), DF C8+i (FXCH7). */
    X87State *s = c->s;
    floatx80 a = x87_st(s, 0), b = x87_st(s, c->rm);

    if (x87_empty(s, 0) || x87_empty(s, c->rm)) {
        if (!x87_underflow(s)) {
            return X87_OK;
        }
        /* Masked: an empty operand takes part as the indefinite. */
        if (x87_empty(s, 0)) {
            a = fx80_default_nan();
        }
        if (x87_empty(s, c->rm)) {
            b = fx80_default_nan();
        }
    } else {
        x87_set_c1(s, false);
    }
    x87_set_st(s, 0, b);
    x87_set_st(s, c->rm, a);
    return X87_OK;
}

X87Result x87_ffree(X87Ctx *c)
{
    /* DD C0+i FFREE; DF C0+i FFREEP (free, then pop). */
    X87State *s = c->s;

    x87_set_tag(s, x87_phys(s, c->rm), TAG_EMPTY);
    x87_set_c1(s, false);
    if (c->insn->opcode == 0xdf) {
        x87_pop(s);
    }
    return X87_OK;
}
