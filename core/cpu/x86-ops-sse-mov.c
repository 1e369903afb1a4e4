/*
 * Data movement and shuffles of MMX/SSE/SSE2/SSE3 (SDM vol. 2, each
 * instruction): whole-register and partial moves, the moves between the
 * register files, sign masks, and the floating-point shuffles.  A memory
 * source arrives in s zero-extended from its size; a memory destination
 * gets the first msize bytes of d (x86-sse-state.c).
 *
 * SPDX-License-Identifier: MIT
 */
#include "cpu/x86-sse.h"

/* MOVAPS, MOVUPS, MOVAPD, MOVUPD, MOVDQA, MOVDQU, LDDQU, MOVNTx. */
SSE_FN(sse_mov)
{
    (void)env; (void)in;
    memcpy(d, s, n);
}

/* MOVSS/MOVSD: a memory source clears the rest of the register, a
 * register source keeps it. */
SSE_FN(sse_movss)
{
    (void)env; (void)n;
    if (in->flags & IF_MEM) {
        memset(d, 0, sizeof(*d));
    }
    d->d[0] = s->d[0];
}

SSE_FN(sse_movsd)
{
    (void)env; (void)n;
    if (in->flags & IF_MEM) {
        memset(d, 0, sizeof(*d));
    }
    d->q[0] = s->q[0];
}

/* The low quadword, the rest kept: MOVLPS/MOVLPD, MOVQ mm, MOVDQ2Q. */
SSE_FN(sse_movlo)
{
    (void)env; (void)in; (void)n;
    d->q[0] = s->q[0];
}

/* MOVHPS/MOVHPD m64 -> high quadword; MOVLHPS. */
SSE_FN(sse_movhi_ld)
{
    (void)env; (void)in; (void)n;
    d->q[1] = s->q[0];
}

/* MOVHPS/MOVHPD high quadword -> m64; MOVHLPS (the source's high half to
 * the destination's low half). */
SSE_FN(sse_movhi_st)
{
    (void)env; (void)in; (void)n;
    d->q[0] = s->q[1];
}

/* MOVD (to and from r/m32), MOVNTI: the dword, zero-extended. */
SSE_FN(sse_movd)
{
    (void)env; (void)in; (void)n;
    uint32_t v = s->d[0];
    memset(d, 0, sizeof(*d));
    d->d[0] = v;
}

/* MOVQ xmm (F3 0F 7E, 66 0F D6), MOVQ2DQ: the quadword, zero-extended. */
SSE_FN(sse_movq_zx)
{
    (void)env; (void)in; (void)n;
    uint64_t v = s->q[0];
    memset(d, 0, sizeof(*d));
    d->q[0] = v;
}

/* MOVMSKPS/MOVMSKPD r32: the sign bit of each element. */
SSE_FN(sse_movmskps)
{
    (void)env; (void)in; (void)n;
    uint32_t m = 0;
    for (unsigned i = 0; i < 4; i++) {
        m |= (s->d[i] >> 31) << i;
    }
    memset(d, 0, sizeof(*d));
    d->d[0] = m;
}

SSE_FN(sse_movmskpd)
{
    (void)env; (void)in; (void)n;
    uint32_t m = (uint32_t)(s->q[0] >> 63) | (uint32_t)(s->q[1] >> 63) << 1;
    memset(d, 0, sizeof(*d));
    d->d[0] = m;
}

/* SHUFPS: two elements of the destination, then two of the source. */
SSE_FN(sse_shufps)
{
    (void)env; (void)n;
    uint8_t o = in->imm;
    X86Xmm r;
    r.d[0] = d->d[o & 3];
    r.d[1] = d->d[(o >> 2) & 3];
    r.d[2] = s->d[(o >> 4) & 3];
    r.d[3] = s->d[(o >> 6) & 3];
    *d = r;
}

SSE_FN(sse_shufpd)
{
    (void)env; (void)n;
    uint8_t o = in->imm;
    X86Xmm r;
    r.q[0] = d->q[o & 1];
    r.q[1] = s->q[(o >> 1) & 1];
    *d = r;
}

/* SSE3 duplicating moves. */
SSE_FN(sse_movsldup)
{
    (void)env; (void)in; (void)n;
    X86Xmm r;
    r.d[0] = r.d[1] = s->d[0];
    r.d[2] = r.d[3] = s->d[2];
    *d = r;
}

SSE_FN(sse_movshdup)
{
    (void)env; (void)in; (void)n;
    X86Xmm r;
    r.d[0] = r.d[1] = s->d[1];
    r.d[2] = r.d[3] = s->d[3];
    *d = r;
}

SSE_FN(sse_movddup)
{
    (void)env; (void)in; (void)n;
    X86Xmm r;
    r.q[0] = r.q[1] = s->q[0];
    *d = r;
}
