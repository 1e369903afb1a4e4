/*
 * A 128-bit-significand working format for the x87 transcendental
 * functions: enough guard bits (64 beyond the extended format) that
 * series evaluation errors (a few units of 2^-127) almost never change the
 * final 64-bit rounding.  Operations truncate; none raise exceptions.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_CPU_X87_XF128_H
#define CORE_CPU_X87_XF128_H

#include <stdbool.h>
#include <stdint.h>
#include "fx80.h"

/* (-1)^sign * (hi:lo) / 2^127 * 2^exp; hi bit 63 set unless zero
 * (hi == lo == 0). */
typedef struct Xf {
    bool sign;
    int32_t exp;
    uint64_t hi, lo;
} Xf;

static inline bool xf_is_zero(Xf a)
{
    return (a.hi | a.lo) == 0;
}

static inline Xf xf_neg(Xf a)
{
    a.sign = !a.sign;
    return a;
}

static inline Xf xf_ldexp(Xf a, int32_t n)
{
    a.exp += n;
    return a;
}

Xf xf_make(bool sign, int32_t exp, uint64_t hi, uint64_t lo);  /* normalizes */
Xf xf_from_fx80(floatx80 a);            /* finite values only */
Xf xf_from_uint(uint64_t v);
Xf xf_add(Xf a, Xf b);
Xf xf_sub(Xf a, Xf b);
Xf xf_mul(Xf a, Xf b);
Xf xf_div(Xf a, Xf b);                  /* b != 0 */
Xf xf_mul_small(Xf a, uint32_t k);
Xf xf_div_small(Xf a, uint32_t k);      /* k != 0 */
/* Round to the extended format at full precision (64 bits), per env. */
floatx80 xf_to_fx80(Fx80Env *e, Xf a);
/* Unsigned 128-by-128 long division (d != 0): quotient and remainder. */
void xf_udiv128(uint64_t nhi, uint64_t nlo, uint64_t dhi, uint64_t dlo,
                uint64_t *qhi, uint64_t *qlo, uint64_t *rhi, uint64_t *rlo);

/* 128-bit constants (xf128.c). */
extern const Xf xf_pi, xf_pi_2, xf_ln2, xf_log2e, xf_atan_eighths[9];

#endif
