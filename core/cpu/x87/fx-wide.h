/*
 * Wide unsigned integer helpers for the x87 soft float: 64x64->128
 * multiplication, 128/64 division, 128-bit shifts with a sticky bit.
 * Portable C on uint64_t pairs (no __int128, no host FPU).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_CPU_X87_FX_WIDE_H
#define CORE_CPU_X87_FX_WIDE_H

#include <stdbool.h>
#include <stdint.h>

/* Number of leading zero bits; 64 for 0. */
static inline int fx_clz64(uint64_t x)
{
    return x ? __builtin_clzll(x) : 64;
}

/* (hi:lo) = a * b, full 128-bit product from four 32x32 partial products. */
static inline void fx_mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
    *lo = (mid << 32) | (uint32_t)ll;
    *hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

static inline void fx_add128(uint64_t *hi, uint64_t *lo, uint64_t bhi, uint64_t blo)
{
    uint64_t l = *lo + blo;
    *hi += bhi + (l < blo);
    *lo = l;
}

static inline void fx_sub128(uint64_t *hi, uint64_t *lo, uint64_t bhi, uint64_t blo)
{
    uint64_t l = *lo - blo;
    *hi -= bhi + (*lo < blo);
    *lo = l;
}

static inline bool fx_lt128(uint64_t ahi, uint64_t alo, uint64_t bhi, uint64_t blo)
{
    return ahi < bhi || (ahi == bhi && alo < blo);
}

/* Shift left by 0 <= n < 128. */
static inline void fx_shl128(uint64_t *hi, uint64_t *lo, int n)
{
    if (n == 0) {
        return;
    }
    if (n >= 64) {
        *hi = *lo << (n - 64);
        *lo = 0;
    } else {
        *hi = (*hi << n) | (*lo >> (64 - n));
        *lo <<= n;
    }
}

/* Shift right by n >= 0, OR-ing every bit shifted out into bit 0 ("jamming"),
 * so a later rounding still sees that the value was inexact. */
static inline void fx_shr128_jam(uint64_t *hi, uint64_t *lo, int64_t n)
{
    uint64_t h = *hi, l = *lo;
    if (n <= 0) {
        return;
    }
    if (n < 64) {
        *lo = (h << (64 - n)) | (l >> n) | ((l << (64 - n)) != 0);
        *hi = h >> n;
    } else if (n == 64) {
        *lo = h | (l != 0);
        *hi = 0;
    } else if (n < 128) {
        *lo = (h >> (n - 64)) | (((h << (128 - n)) | l) != 0);
        *hi = 0;
    } else {
        *lo = (h | l) != 0;
        *hi = 0;
    }
}

/* One base-2^32 quotient digit of (u << 32 | next) / v, where u < v and v
 * is normalized: estimate from v's top digit, then correct (at most twice)
 * against the low digit (Knuth TAOCP vol. 2, 4.3.1 algorithm D, step D3).
 * Returns the digit; *u becomes the remainder. */
static inline uint64_t fx_div_digit(uint64_t *u, uint32_t next, uint64_t v)
{
    const uint64_t b = 1ULL << 32;
    uint64_t vh = v >> 32, vl = (uint32_t)v;
    uint64_t q = *u / vh, r = *u - q * vh;

    while (q >= b || q * vl > ((r << 32) | next)) {
        q--;
        r += vh;
        if (r >= b) {
            break;
        }
    }
    /* The true remainder is below v < 2^64: wrapping arithmetic is exact. */
    *u = (*u << 32) + next - q * v;
    return q;
}

/* q = (uhi:ulo) / v, *rem = remainder; requires v normalized (bit 63 set) and
 * uhi < v so the quotient fits in 64 bits.  Schoolbook division with two
 * base-2^32 digits. */
static inline uint64_t fx_div128(uint64_t uhi, uint64_t ulo, uint64_t v, uint64_t *rem)
{
    uint64_t u = uhi, q1, q0;

    q1 = fx_div_digit(&u, (uint32_t)(ulo >> 32), v);
    q0 = fx_div_digit(&u, (uint32_t)ulo, v);
    if (rem) {
        *rem = u;
    }
    return (q1 << 32) | q0;
}

#endif
