/*
 * Helpers shared by the x87 unit tests: a fake X87Mem over a byte buffer,
 * a deterministic random generator, operand generators biased towards the
 * special classes, and the 108-byte 32-bit protected-mode FSAVE image.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef TESTS_UNIT_X87_TEST_UTIL_H
#define TESTS_UNIT_X87_TEST_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include "x87.h"

/* --- fake memory --------------------------------------------------------- */

#define TMEM_SIZE 512

typedef struct TestMem {
    X87Mem ops;
    uint8_t bytes[TMEM_SIZE];
    unsigned reads, writes, probes;
    unsigned probed_len;            /* largest probe_write size */
    bool wrote_before_probe;        /* a write came before any probe */
    bool out_of_range;              /* an access fell outside bytes[] */
    /* When >= 0: probe_write/write at or after this offset "fault" by
     * longjmp to fault_jmp (set by the test). */
    int fault_at;
    void *fault_jmp;                /* jmp_buf * */
} TestMem;

void tmem_init(TestMem *m);

/* --- random -------------------------------------------------------------- */

typedef struct Rng {
    uint64_t s;
} Rng;

uint64_t rng_next(Rng *r);
static inline uint32_t rng_below(Rng *r, uint32_t n)
{
    return (uint32_t)(rng_next(r) % n);
}

/* Operands biased towards zeros, denormals, pseudo-denormals, unnormals,
 * infinities, NaNs, extremes and values near rounding boundaries. */
floatx80 gen_fx80(Rng *r);
/* A value related to 'near' (same or close exponent, small difference),
 * to exercise cancellation and ties. */
floatx80 gen_fx80_near(Rng *r, floatx80 near);
uint32_t gen_f32(Rng *r);
uint64_t gen_f64(Rng *r);
uint64_t gen_int(Rng *r, int bits);
void gen_bcd(Rng *r, uint8_t out[10]);

/* --- FSAVE image (SDM vol. 1 figure 8-9 + registers) ---------------------- */

#define FSAVE32_SIZE 108

void image_from_state(const X87State *s, uint8_t img[FSAVE32_SIZE]);
void state_from_image(X87State *s, const uint8_t img[FSAVE32_SIZE]);

/* Little-endian accessors. */
uint64_t le_get(const uint8_t *p, unsigned n);
void le_put(uint8_t *p, uint64_t v, unsigned n);

/* The tag of a non-empty register (SDM vol. 1 figure 8-7), computed here
 * independently of the implementation: 0 valid, 1 zero, 2 special. */
unsigned test_tag_of(floatx80 v);

/* Distance in units in the last place between two finite extended values of
 * the same sign (UINT64_MAX when not comparable). */
uint64_t fx80_ulp_distance(floatx80 a, floatx80 b);

#endif
