/*
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <string.h>
#include "x87-test-util.h"

static bool tmem_check(TestMem *m, uint32_t off, unsigned size)
{
    if ((uint64_t)off + size > TMEM_SIZE) {
        m->out_of_range = true;
        return false;
    }
    return true;
}

static uint64_t tmem_read(void *cpu, uint32_t off, unsigned size)
{
    TestMem *m = cpu;

    m->reads++;
    if (!tmem_check(m, off, size)) {
        return 0;
    }
    return le_get(m->bytes + off, size);
}

static void tmem_fault(TestMem *m, uint32_t off)
{
    if (m->fault_at >= 0 && off >= (uint32_t)m->fault_at && m->fault_jmp) {
        longjmp(*(jmp_buf *)m->fault_jmp, 1);
    }
}

static void tmem_write(void *cpu, uint32_t off, uint64_t val, unsigned size)
{
    TestMem *m = cpu;

    if (m->probes == 0) {
        m->wrote_before_probe = true;
    }
    tmem_fault(m, off + size - 1);
    m->writes++;
    if (tmem_check(m, off, size)) {
        le_put(m->bytes + off, val, size);
    }
}

static void tmem_probe(void *cpu, uint32_t off, unsigned size)
{
    TestMem *m = cpu;

    m->probes++;
    if (size > m->probed_len) {
        m->probed_len = size;
    }
    tmem_fault(m, off + size - 1);
    tmem_check(m, off, size);
}

void tmem_init(TestMem *m)
{
    memset(m, 0, sizeof(*m));
    m->ops.cpu = m;
    m->ops.read = tmem_read;
    m->ops.write = tmem_write;
    m->ops.probe_write = tmem_probe;
    m->fault_at = -1;
}

uint64_t rng_next(Rng *r)
{
    /* xorshift64* (Vigna 2014) */
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1DULL;
}

uint64_t le_get(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    unsigned i;

    for (i = 0; i < n; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

void le_put(uint8_t *p, uint64_t v, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

/* Significand with structured low bits: ties and near-ties at the 24-,
 * 53- and 64-bit rounding positions. */
static uint64_t gen_mant(Rng *r)
{
    uint64_t m = rng_next(r) | (1ULL << 63);
    static const unsigned pos[3] = { 40, 11, 0 };
    unsigned p;

    switch (rng_below(r, 8)) {
    case 0:
        p = pos[rng_below(r, 3)];
        /* exactly half an ulp at position p, or just around it */
        if (p) {
            m &= ~((1ULL << p) - 1);
            m |= 1ULL << (p - 1);
            m += rng_below(r, 3) - 1;
        }
        return m | (1ULL << 63);
    case 1:
        return (1ULL << 63) | (rng_below(r, 2) ? 0 : rng_below(r, 16));
    case 2:
        return ~0ULL - rng_below(r, 4);
    case 3:
        /* short significand: exact in 24 bits */
        return m & ~((1ULL << 40) - 1);
    default:
        return m;
    }
}

static floatx80 mk(bool sign, uint16_t exp, uint64_t mant)
{
    floatx80 v = { mant, (uint16_t)((sign ? 0x8000 : 0) | (exp & 0x7fff)) };
    return v;
}

floatx80 gen_fx80(Rng *r)
{
    bool sign = rng_below(r, 2);
    uint64_t m = gen_mant(r);

    switch (rng_below(r, 24)) {
    case 0:
        return mk(sign, 0, 0);                                  /* zero */
    case 1:
        return mk(sign, 0, m >> (1 + rng_below(r, 63)));        /* denormal */
    case 2:
        return mk(sign, 0, m | (1ULL << 63));                   /* pseudo-denormal */
    case 3:
        return mk(sign, 0x7fff, 1ULL << 63);                    /* infinity */
    case 4:
        return mk(sign, 0x7fff, (m | (3ULL << 62)));            /* QNaN */
    case 5:
        return mk(sign, 0x7fff, ((m & ~(1ULL << 62)) | (1ULL << 63) | 1)); /* SNaN */
    case 6:
        return mk(true, 0x7fff, 0xC000000000000000ULL);         /* indefinite */
    case 7:
        /* unsupported: unnormal, pseudo-infinity or pseudo-NaN */
        return rng_below(r, 2) ? mk(sign, 1 + rng_below(r, 0x7ffe), m >> 1)
                               : mk(sign, 0x7fff, (m >> 1) & (rng_below(r, 2) ? ~0ULL : 0));
    case 8:
        return mk(sign, 0x7ffe - rng_below(r, 70), m);          /* near overflow */
    case 9:
        return mk(sign, 1 + rng_below(r, 70), m);               /* near underflow */
    case 10:
    case 11:
        /* small integers and halves */
        return mk(sign, 16383 + rng_below(r, 20), m & ~((1ULL << (63 - rng_below(r, 20))) - 1));
    case 12:
        return mk(sign, 16383 - 16 + rng_below(r, 32), m);      /* around 1 */
    case 13:
        /* around the float/double ranges (store overflow/underflow) */
        return mk(sign, (rng_below(r, 2) ? 16383 + 1023 : 16383 - 1022) + rng_below(r, 60) - 30, m);
    case 14:
        return mk(sign, (rng_below(r, 2) ? 16383 + 127 : 16383 - 126) + rng_below(r, 60) - 30, m);
    case 15:
        return mk(sign, 16383 + 10 + rng_below(r, 60), m);      /* integer range */
    default:
        return mk(sign, 16383 - 80 + rng_below(r, 160), m);
    }
}

floatx80 gen_fx80_near(Rng *r, floatx80 near)
{
    floatx80 v = near;
    int32_t exp = near.sign_exp & 0x7fff;

    if (exp == 0 || exp == 0x7fff) {
        return gen_fx80(r);
    }
    switch (rng_below(r, 4)) {
    case 0:
        v.mant = near.mant + rng_below(r, 5) - 2;       /* nearly equal */
        break;
    case 1:
        v.sign_exp ^= 0x8000;                           /* nearly opposite */
        v.mant = near.mant - rng_below(r, 3);
        break;
    case 2:
        exp += (int)rng_below(r, 140) - 70;             /* overlapping ranges */
        if (exp < 1 || exp > 0x7ffe) {
            exp = near.sign_exp & 0x7fff;
        }
        v.sign_exp = (uint16_t)((near.sign_exp & 0x8000) | exp);
        v.mant = gen_mant(r);
        break;
    default:
        v.mant = gen_mant(r);
        break;
    }
    if (!(v.mant >> 63)) {
        v.mant |= 1ULL << 63;
    }
    return v;
}

/* IEEE single/double encodings with the same class bias. */
static uint64_t gen_ieee(Rng *r, int fbits, int ebits)
{
    uint64_t sign = (uint64_t)rng_below(r, 2) << (fbits + ebits);
    uint64_t fmask = (1ULL << fbits) - 1, emax = (1ULL << ebits) - 1;
    uint64_t frac = rng_next(r) & fmask;
    uint64_t exp;

    switch (rng_below(r, 10)) {
    case 0:
        return sign;
    case 1:
        return sign | (frac ? frac : 1);                         /* denormal */
    case 2:
        return sign | (emax << fbits);                           /* infinity */
    case 3:
        return sign | (emax << fbits) | (frac | (1ULL << (fbits - 1)));  /* QNaN */
    case 4:
        return sign | (emax << fbits) | (((frac & (fmask >> 1))) | 1);    /* SNaN */
    case 5:
        exp = rng_below(r, 2) ? 1 : emax - 1;
        break;
    default:
        exp = (emax >> 1) - 40 + rng_below(r, 80);
        break;
    }
    return sign | (exp << fbits) | frac;
}

uint32_t gen_f32(Rng *r)
{
    return (uint32_t)gen_ieee(r, 23, 8);
}

uint64_t gen_f64(Rng *r)
{
    return gen_ieee(r, 52, 11);
}

uint64_t gen_int(Rng *r, int bits)
{
    uint64_t mask = bits == 64 ? ~0ULL : (1ULL << bits) - 1;

    switch (rng_below(r, 6)) {
    case 0:
        return 0;
    case 1:
        return (1ULL << (bits - 1)) & mask;                     /* most negative */
    case 2:
        return ((1ULL << (bits - 1)) - 1) & mask;               /* most positive */
    case 3:
        return (uint64_t)((int64_t)rng_below(r, 2001) - 1000) & mask;
    default:
        return rng_next(r) & mask;
    }
}

void gen_bcd(Rng *r, uint8_t out[10])
{
    unsigned i, ndig = rng_below(r, 19);

    memset(out, 0, 10);
    for (i = 0; i < ndig; i++) {
        unsigned d = rng_below(r, 10);
        out[i / 2] |= (uint8_t)(d << (4 * (i & 1)));
    }
    if (rng_below(r, 16) == 0) {
        out[rng_below(r, 9)] |= 0xaa;                           /* invalid digits */
    }
    out[9] = rng_below(r, 2) ? 0x80 : 0;
    if (rng_below(r, 16) == 0) {
        out[9] |= (uint8_t)rng_below(r, 128);                   /* ignored bits */
    }
}

void image_from_state(const X87State *s, uint8_t img[FSAVE32_SIZE])
{
    unsigned top = (s->fsw >> 11) & 7, i;

    memset(img, 0, FSAVE32_SIZE);
    le_put(img + 0, s->fcw, 2);
    le_put(img + 4, s->fsw, 2);
    le_put(img + 8, s->ftw, 2);
    le_put(img + 12, s->fip, 4);
    le_put(img + 16, s->fcs, 2);
    le_put(img + 18, s->fop, 2);
    le_put(img + 20, s->fdp, 4);
    le_put(img + 24, s->fds, 2);
    for (i = 0; i < 8; i++) {
        const floatx80 *v = &s->regs[(top + i) & 7];
        le_put(img + 28 + 10 * i, v->mant, 8);
        le_put(img + 36 + 10 * i, v->sign_exp, 2);
    }
}

void state_from_image(X87State *s, const uint8_t img[FSAVE32_SIZE])
{
    unsigned top, i;

    memset(s, 0, sizeof(*s));
    s->fcw = (uint16_t)le_get(img + 0, 2);
    s->fsw = (uint16_t)le_get(img + 4, 2);
    s->ftw = (uint16_t)le_get(img + 8, 2);
    s->fip = (uint32_t)le_get(img + 12, 4);
    s->fcs = (uint16_t)le_get(img + 16, 2);
    s->fop = (uint16_t)(le_get(img + 18, 2) & 0x7ff);
    s->fdp = (uint32_t)le_get(img + 20, 4);
    s->fds = (uint16_t)le_get(img + 24, 2);
    top = (s->fsw >> 11) & 7;
    for (i = 0; i < 8; i++) {
        floatx80 *v = &s->regs[(top + i) & 7];
        v->mant = le_get(img + 28 + 10 * i, 8);
        v->sign_exp = (uint16_t)le_get(img + 36 + 10 * i, 2);
    }
}

unsigned test_tag_of(floatx80 v)
{
    unsigned exp = v.sign_exp & 0x7fff;

    if (exp == 0 && v.mant == 0) {
        return 1;
    }
    if (exp == 0 || exp == 0x7fff || !(v.mant >> 63)) {
        return 2;
    }
    return 0;
}

uint64_t fx80_ulp_distance(floatx80 a, floatx80 b)
{
    int32_t ea = a.sign_exp & 0x7fff, eb = b.sign_exp & 0x7fff;
    uint64_t fa = a.mant & ~(1ULL << 63), fb = b.mant & ~(1ULL << 63);

    if (a.sign_exp == b.sign_exp && a.mant == b.mant) {
        return 0;
    }
    if (((a.sign_exp ^ b.sign_exp) & 0x8000) || ea == 0x7fff || eb == 0x7fff) {
        return UINT64_MAX;
    }
    /* Each binade holds 2^63 values, and the denormals (exponent 0) sit
     * right below the first: neighbours across one boundary are
     * (2^63 - lower fraction) + upper fraction apart. */
    if (ea == eb) {
        return fa > fb ? fa - fb : fb - fa;
    }
    if (ea == eb + 1) {
        return ((1ULL << 63) - fb) + fa;
    }
    if (eb == ea + 1) {
        return ((1ULL << 63) - fa) + fb;
    }
    return UINT64_MAX;
}
