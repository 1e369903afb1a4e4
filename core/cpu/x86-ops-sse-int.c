/*
 * Packed integer operations (SDM vol. 2, each instruction's "Operation"),
 * shared by the 64-bit MMX forms (n = 8 bytes) and the 128-bit SSE2 forms
 * (n = 16): the element loops run over n bytes of d and s.  The shifts take
 * their count from s->q[0] (a register, memory or imm8: a count above the
 * element width clears, or fills with the sign).
 *
 * SPDX-License-Identifier: MIT
 */
#include "cpu/x86-sse.h"

static inline int8_t sat8(int v)
{
    return v > 127 ? 127 : v < -128 ? -128 : (int8_t)v;
}

static inline uint8_t satu8(int v)
{
    return v > 255 ? 255 : v < 0 ? 0 : (uint8_t)v;
}

static inline int16_t sat16(int32_t v)
{
    return v > 32767 ? 32767 : v < -32768 ? -32768 : (int16_t)v;
}

static inline uint16_t satu16(int32_t v)
{
    return v > 65535 ? 65535 : v < 0 ? 0 : (uint16_t)v;
}

/* An element-wise operation: d.F[i] = EXPR(d.F[i], s.F[i]) with a and b
 * the operands. */
#define ELEMWISE(name, F, EXPR)                                              \
    SSE_FN(name)                                                             \
    {                                                                        \
        (void)env; (void)in;                                                 \
        for (unsigned i = 0; i < n / sizeof(d->F[0]); i++) {                 \
            __typeof__(d->F[0]) a = d->F[i], b = s->F[i];                    \
            d->F[i] = (EXPR);                                                \
        }                                                                    \
    }

ELEMWISE(sse_paddb, b, a + b)
ELEMWISE(sse_paddw, w, a + b)
ELEMWISE(sse_paddd, d, a + b)
ELEMWISE(sse_paddq, q, a + b)
ELEMWISE(sse_psubb, b, a - b)
ELEMWISE(sse_psubw, w, a - b)
ELEMWISE(sse_psubd, d, a - b)
ELEMWISE(sse_psubq, q, a - b)
ELEMWISE(sse_paddsb, sb, sat8(a + b))
ELEMWISE(sse_paddsw, sw, sat16(a + b))
ELEMWISE(sse_psubsb, sb, sat8(a - b))
ELEMWISE(sse_psubsw, sw, sat16(a - b))
ELEMWISE(sse_paddusb, b, satu8(a + b))
ELEMWISE(sse_paddusw, w, satu16(a + b))
ELEMWISE(sse_psubusb, b, satu8(a - b))
ELEMWISE(sse_psubusw, w, satu16(a - b))
ELEMWISE(sse_pmullw, w, (uint16_t)((uint32_t)a * b))
ELEMWISE(sse_pmulhw, sw, (int16_t)(((int32_t)a * b) >> 16))
ELEMWISE(sse_pmulhuw, w, (uint16_t)(((uint32_t)a * b) >> 16))
ELEMWISE(sse_pavgb, b, (uint8_t)((a + b + 1) >> 1))
ELEMWISE(sse_pavgw, w, (uint16_t)(((uint32_t)a + b + 1) >> 1))
ELEMWISE(sse_pminub, b, a < b ? a : b)
ELEMWISE(sse_pmaxub, b, a > b ? a : b)
ELEMWISE(sse_pminsw, sw, a < b ? a : b)
ELEMWISE(sse_pmaxsw, sw, a > b ? a : b)
ELEMWISE(sse_pand, q, a & b)
ELEMWISE(sse_pandn, q, ~a & b)
ELEMWISE(sse_por, q, a | b)
ELEMWISE(sse_pxor, q, a ^ b)
ELEMWISE(sse_pcmpeqb, b, a == b ? 0xff : 0)
ELEMWISE(sse_pcmpeqw, w, a == b ? 0xffff : 0)
ELEMWISE(sse_pcmpeqd, d, a == b ? 0xffffffffu : 0)
ELEMWISE(sse_pcmpgtb, sb, a > b ? -1 : 0)
ELEMWISE(sse_pcmpgtw, sw, a > b ? -1 : 0)
ELEMWISE(sse_pcmpgtd, sd, a > b ? -1 : 0)

/* PMULUDQ: the low dword of each quadword, unsigned, to a quadword. */
SSE_FN(sse_pmuludq)
{
    (void)env; (void)in;
    for (unsigned i = 0; i < n / 8; i++) {
        d->q[i] = (uint64_t)d->d[2 * i] * s->d[2 * i];
    }
}

/* PMADDWD: pairs of signed word products added to dwords (0x8000 *
 * 0x8000 twice wraps to 0x80000000, as the SDM's Operation shows). */
SSE_FN(sse_pmaddwd)
{
    (void)env; (void)in;
    for (unsigned i = 0; i < n / 4; i++) {
        int64_t v = (int32_t)d->sw[2 * i] * s->sw[2 * i] +
                    (int64_t)((int32_t)d->sw[2 * i + 1] * s->sw[2 * i + 1]);
        d->d[i] = (uint32_t)v;
    }
}

/* PSADBW: the sum of absolute byte differences of each quadword. */
SSE_FN(sse_psadbw)
{
    (void)env; (void)in;
    for (unsigned i = 0; i < n / 8; i++) {
        unsigned sum = 0;
        for (unsigned j = 0; j < 8; j++) {
            int v = d->b[8 * i + j] - s->b[8 * i + j];
            sum += v < 0 ? -v : v;
        }
        d->q[i] = sum;
    }
}

/* Packs: the destination's elements first, then the source's. */
SSE_FN(sse_packsswb)
{
    (void)env; (void)in;
    X86Xmm r;
    unsigned h = n / 2;
    for (unsigned i = 0; i < h; i++) {
        r.sb[i] = sat8(d->sw[i]);
        r.sb[h + i] = sat8(s->sw[i]);
    }
    memcpy(d, &r, n);
}

SSE_FN(sse_packuswb)
{
    (void)env; (void)in;
    X86Xmm r;
    unsigned h = n / 2;
    for (unsigned i = 0; i < h; i++) {
        r.b[i] = satu8(d->sw[i]);
        r.b[h + i] = satu8(s->sw[i]);
    }
    memcpy(d, &r, n);
}

SSE_FN(sse_packssdw)
{
    (void)env; (void)in;
    X86Xmm r;
    unsigned h = n / 4;
    for (unsigned i = 0; i < h; i++) {
        r.sw[i] = sat16(d->sd[i]);
        r.sw[h + i] = sat16(s->sd[i]);
    }
    memcpy(d, &r, n);
}

/* Unpacks interleave the low (or high) halves, destination first. */
static void unpack(X86Xmm *d, const X86Xmm *s, unsigned n, unsigned esize, bool high)
{
    X86Xmm r;
    unsigned count = n / 2 / esize, base = high ? n / 2 : 0;
    for (unsigned i = 0; i < count; i++) {
        memcpy(r.b + 2 * i * esize, d->b + base + i * esize, esize);
        memcpy(r.b + (2 * i + 1) * esize, s->b + base + i * esize, esize);
    }
    memcpy(d, &r, n);
}

#define UNPACK(name, esize, high)                                            \
    SSE_FN(name)                                                             \
    {                                                                        \
        (void)env; (void)in;                                                 \
        unpack(d, s, n, esize, high);                                        \
    }
UNPACK(sse_punpcklbw, 1, false)
UNPACK(sse_punpcklwd, 2, false)
UNPACK(sse_punpckldq, 4, false)
UNPACK(sse_punpcklqdq, 8, false)
UNPACK(sse_punpckhbw, 1, true)
UNPACK(sse_punpckhwd, 2, true)
UNPACK(sse_punpckhdq, 4, true)
UNPACK(sse_punpckhqdq, 8, true)

/* Shifts: the count is the whole 64-bit source (SDM vol. 2B, PSLLW: "if
 * the value specified by the count operand is greater than 15 ..."). */
#define SHIFT(name, F, BITS, EXPR, OVER)                                     \
    SSE_FN(name)                                                             \
    {                                                                        \
        (void)env; (void)in;                                                 \
        uint64_t c = s->q[0];                                                \
        for (unsigned i = 0; i < n / sizeof(d->F[0]); i++) {                 \
            __typeof__(d->F[0]) a = d->F[i];                                 \
            d->F[i] = c > (BITS) - 1 ? (OVER) : (EXPR);                      \
        }                                                                    \
    }
SHIFT(sse_psrlw, w, 16, a >> c, 0)
SHIFT(sse_psrld, d, 32, a >> c, 0)
SHIFT(sse_psrlq, q, 64, a >> c, 0)
SHIFT(sse_psllw, w, 16, (uint16_t)(a << c), 0)
SHIFT(sse_pslld, d, 32, a << c, 0)
SHIFT(sse_psllq, q, 64, a << c, 0)
SHIFT(sse_psraw, sw, 16, a >> c, a >> 15)
SHIFT(sse_psrad, sd, 32, a >> c, a >> 31)

/* PSRLDQ/PSLLDQ: whole-register byte shifts by imm8 (above 15: zero). */
SSE_FN(sse_psrldq)
{
    (void)env; (void)in; (void)n;
    unsigned c = s->q[0] > 16 ? 16 : (unsigned)s->q[0];
    X86Xmm r = { 0 };
    memcpy(r.b, d->b + c, 16 - c);
    *d = r;
}

SSE_FN(sse_pslldq)
{
    (void)env; (void)in; (void)n;
    unsigned c = s->q[0] > 16 ? 16 : (unsigned)s->q[0];
    X86Xmm r = { 0 };
    memcpy(r.b + c, d->b, 16 - c);
    *d = r;
}

/* Shuffles by imm8: two bits select each element. */
SSE_FN(sse_pshufw)
{
    (void)env; (void)n;
    uint8_t o = in->imm;
    X86Xmm r = { 0 };
    for (unsigned i = 0; i < 4; i++) {
        r.w[i] = s->w[(o >> (2 * i)) & 3];
    }
    *d = r;
}

SSE_FN(sse_pshufd)
{
    (void)env; (void)n;
    uint8_t o = in->imm;
    X86Xmm r;
    for (unsigned i = 0; i < 4; i++) {
        r.d[i] = s->d[(o >> (2 * i)) & 3];
    }
    *d = r;
}

SSE_FN(sse_pshuflw)
{
    (void)env; (void)n;
    uint8_t o = in->imm;
    X86Xmm r = *s;
    for (unsigned i = 0; i < 4; i++) {
        r.w[i] = s->w[(o >> (2 * i)) & 3];
    }
    *d = r;
}

SSE_FN(sse_pshufhw)
{
    (void)env; (void)n;
    uint8_t o = in->imm;
    X86Xmm r = *s;
    for (unsigned i = 0; i < 4; i++) {
        r.w[4 + i] = s->w[4 + ((o >> (2 * i)) & 3)];
    }
    *d = r;
}

/* PINSRW: the word of a register or m16 into the element imm8 selects. */
SSE_FN(sse_pinsrw)
{
    (void)env;
    d->w[in->imm & (n / 2 - 1)] = s->w[0];
}

/* PEXTRW r32: the element, zero-extended. */
SSE_FN(sse_pextrw)
{
    (void)env;
    uint16_t v = s->w[in->imm & (n / 2 - 1)];
    memset(d, 0, sizeof(*d));
    d->d[0] = v;
}

/* PMOVMSKB r32: the sign bit of each byte (n is the source's size). */
SSE_FN(sse_pmovmskb)
{
    (void)env; (void)in;
    uint32_t m = 0;
    unsigned bytes = n == 16 ? 16 : 8;
    for (unsigned i = 0; i < bytes; i++) {
        m |= (uint32_t)(s->b[i] >> 7) << i;
    }
    memset(d, 0, sizeof(*d));
    d->d[0] = m;
}

/* MASKMOVQ / MASKMOVDQU: the bytes of the register operand (d) whose mask
 * byte (s, the r/m register) has its top bit set, stored at DS:(E)DI
 * (segment override allowed).  Bytes are checked before any is stored. */
SSE_FN(sse_maskmov)
{
    uint32_t amask = (in->flags & IF_ASZ32) ? 0xffffffffu : 0xffffu;
    int seg = (in->flags & IF_SEGOVR) ? in->seg : R_DS;
    uint32_t off = env->regs[R_EDI] & amask;
    uint32_t lin = x86_lin_wr(env, seg, off, n);
    bool any = false;
    for (unsigned i = 0; i < n; i++) {
        any |= s->b[i] >> 7;
    }
    if (!any) {
        return;
    }
    x86_probe_write(env, lin, n);
    for (unsigned i = 0; i < n; i++) {
        if (s->b[i] & 0x80) {
            x86_st(env, lin + i, d->b[i], 1);
        }
    }
}
