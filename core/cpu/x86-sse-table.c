/*
 * The MMX/SSE/SSE2/SSE3 part of the two-byte opcode map (SDM vol. 2B,
 * appendix A, table A-3, with the mandatory prefixes of its rows "66",
 * "F3", "F2"): one entry per encoding, giving the operands, the memory
 * operand's size and alignment, the feature it needs and the operation.
 * Encodings that are not here are #UD.
 *
 * SPDX-License-Identifier: MIT
 */
#include "cpu/x86-sse.h"

#define X K_XMM
#define M K_MM
#define G K_GPR
#define N K_NONE
#define P0 PFX_NONE
#define P66 PFX_66
#define PF3 PFX_F3
#define PF2 PFX_F2
#define A OPF_ALIGN
#define ST OPF_STORE
#define I OPF_IMM
#define MO OPF_MEMONLY
#define RO OPF_REGONLY

#define E(opc, pfx, gk, rk, msize, feat, flags, fn) \
    { #fn, opc, pfx, -1, gk, rk, msize, feat, flags, fn }
#define EG(opc, pfx, sub, rk, feat, fn) \
    { #fn, opc, pfx, sub, N, rk, 0, feat, OPF_RMDST | OPF_IMM | RO, fn }

/* The four forms of an FP arithmetic opcode: PS, PD (66), SS (F3), SD
 * (F2). */
#define FP4(opc, name)                                                       \
    E(opc, P0, X, X, 16, SF_SSE, A, sse_##name##ps),                         \
    E(opc, P66, X, X, 16, SF_SSE2, A, sse_##name##pd),                       \
    E(opc, PF3, X, X, 4, SF_SSE, 0, sse_##name##ss),                         \
    E(opc, PF2, X, X, 8, SF_SSE2, 0, sse_##name##sd)

/* A packed integer opcode: the MMX form (feature mm) and the SSE2 form. */
#define PI(opc, mmfeat, fn)                                                  \
    E(opc, P0, M, M, 8, mmfeat, 0, fn),                                      \
    E(opc, P66, X, X, 16, SF_SSE2, A, fn)

const X86SseOp x86_sse_ops[] = {
    /* 0F 10..17: moves */
    E(0x10, P0, X, X, 16, SF_SSE, 0, sse_mov),                 /* MOVUPS */
    E(0x10, P66, X, X, 16, SF_SSE2, 0, sse_mov),               /* MOVUPD */
    E(0x10, PF3, X, X, 4, SF_SSE, 0, sse_movss),
    E(0x10, PF2, X, X, 8, SF_SSE2, 0, sse_movsd),
    E(0x11, P0, X, X, 16, SF_SSE, ST, sse_mov),
    E(0x11, P66, X, X, 16, SF_SSE2, ST, sse_mov),
    E(0x11, PF3, X, X, 4, SF_SSE, ST, sse_movss),
    E(0x11, PF2, X, X, 8, SF_SSE2, ST, sse_movsd),
    E(0x12, P0, X, X, 8, SF_SSE, MO, sse_movlo),               /* MOVLPS */
    E(0x12, P0, X, X, 8, SF_SSE, RO, sse_movhi_st),            /* MOVHLPS */
    E(0x12, P66, X, X, 8, SF_SSE2, MO, sse_movlo),             /* MOVLPD */
    E(0x12, PF3, X, X, 16, SF_SSE3, A, sse_movsldup),
    E(0x12, PF2, X, X, 8, SF_SSE3, 0, sse_movddup),
    E(0x13, P0, X, X, 8, SF_SSE, ST | MO, sse_movlo),
    E(0x13, P66, X, X, 8, SF_SSE2, ST | MO, sse_movlo),
    E(0x14, P0, X, X, 16, SF_SSE, A, sse_punpckldq),          /* UNPCKLPS */
    E(0x14, P66, X, X, 16, SF_SSE2, A, sse_punpcklqdq),       /* UNPCKLPD */
    E(0x15, P0, X, X, 16, SF_SSE, A, sse_punpckhdq),          /* UNPCKHPS */
    E(0x15, P66, X, X, 16, SF_SSE2, A, sse_punpckhqdq),       /* UNPCKHPD */
    E(0x16, P0, X, X, 8, SF_SSE, 0, sse_movhi_ld),             /* MOVHPS, MOVLHPS */
    E(0x16, P66, X, X, 8, SF_SSE2, MO, sse_movhi_ld),          /* MOVHPD */
    E(0x16, PF3, X, X, 16, SF_SSE3, A, sse_movshdup),
    E(0x17, P0, X, X, 8, SF_SSE, ST | MO, sse_movhi_st),
    E(0x17, P66, X, X, 8, SF_SSE2, ST | MO, sse_movhi_st),
    /* 0F 28..2F */
    E(0x28, P0, X, X, 16, SF_SSE, A, sse_mov),                 /* MOVAPS */
    E(0x28, P66, X, X, 16, SF_SSE2, A, sse_mov),               /* MOVAPD */
    E(0x29, P0, X, X, 16, SF_SSE, A | ST, sse_mov),
    E(0x29, P66, X, X, 16, SF_SSE2, A | ST, sse_mov),
    E(0x2a, P0, X, M, 8, SF_SSE, 0, sse_cvtpi2ps),
    E(0x2a, P66, X, M, 8, SF_SSE2, 0, sse_cvtpi2pd),
    E(0x2a, PF3, X, G, 4, SF_SSE, 0, sse_cvtsi2ss),
    E(0x2a, PF2, X, G, 4, SF_SSE2, 0, sse_cvtsi2sd),
    E(0x2b, P0, X, X, 16, SF_SSE, A | ST | MO, sse_mov),       /* MOVNTPS */
    E(0x2b, P66, X, X, 16, SF_SSE2, A | ST | MO, sse_mov),     /* MOVNTPD */
    E(0x2c, P0, M, X, 8, SF_SSE, 0, sse_cvttps2pi),
    E(0x2c, P66, M, X, 16, SF_SSE2, A, sse_cvttpd2pi),
    E(0x2c, PF3, G, X, 4, SF_SSE, 0, sse_cvttss2si),
    E(0x2c, PF2, G, X, 8, SF_SSE2, 0, sse_cvttsd2si),
    E(0x2d, P0, M, X, 8, SF_SSE, 0, sse_cvtps2pi),
    E(0x2d, P66, M, X, 16, SF_SSE2, A, sse_cvtpd2pi),
    E(0x2d, PF3, G, X, 4, SF_SSE, 0, sse_cvtss2si),
    E(0x2d, PF2, G, X, 8, SF_SSE2, 0, sse_cvtsd2si),
    E(0x2e, P0, X, X, 4, SF_SSE, OPF_EFLAGS, sse_ucomiss),
    E(0x2e, P66, X, X, 8, SF_SSE2, OPF_EFLAGS, sse_ucomisd),
    E(0x2f, P0, X, X, 4, SF_SSE, OPF_EFLAGS, sse_comiss),
    E(0x2f, P66, X, X, 8, SF_SSE2, OPF_EFLAGS, sse_comisd),
    /* 0F 50..5F */
    E(0x50, P0, G, X, 0, SF_SSE, RO, sse_movmskps),
    E(0x50, P66, G, X, 0, SF_SSE2, RO, sse_movmskpd),
    E(0x51, P0, X, X, 16, SF_SSE, A, sse_sqrtps),
    E(0x51, P66, X, X, 16, SF_SSE2, A, sse_sqrtpd),
    E(0x51, PF3, X, X, 4, SF_SSE, 0, sse_sqrtss),
    E(0x51, PF2, X, X, 8, SF_SSE2, 0, sse_sqrtsd),
    E(0x52, P0, X, X, 16, SF_SSE, A, sse_rsqrtps),
    E(0x52, PF3, X, X, 4, SF_SSE, 0, sse_rsqrtss),
    E(0x53, P0, X, X, 16, SF_SSE, A, sse_rcpps),
    E(0x53, PF3, X, X, 4, SF_SSE, 0, sse_rcpss),
    E(0x54, P0, X, X, 16, SF_SSE, A, sse_pand),                /* ANDPS */
    E(0x54, P66, X, X, 16, SF_SSE2, A, sse_pand),
    E(0x55, P0, X, X, 16, SF_SSE, A, sse_pandn),               /* ANDNPS */
    E(0x55, P66, X, X, 16, SF_SSE2, A, sse_pandn),
    E(0x56, P0, X, X, 16, SF_SSE, A, sse_por),                 /* ORPS */
    E(0x56, P66, X, X, 16, SF_SSE2, A, sse_por),
    E(0x57, P0, X, X, 16, SF_SSE, A, sse_pxor),                /* XORPS */
    E(0x57, P66, X, X, 16, SF_SSE2, A, sse_pxor),
    FP4(0x58, add),
    FP4(0x59, mul),
    E(0x5a, P0, X, X, 8, SF_SSE2, 0, sse_cvtps2pd),
    E(0x5a, P66, X, X, 16, SF_SSE2, A, sse_cvtpd2ps),
    E(0x5a, PF3, X, X, 4, SF_SSE2, 0, sse_cvtss2sd),
    E(0x5a, PF2, X, X, 8, SF_SSE2, 0, sse_cvtsd2ss),
    E(0x5b, P0, X, X, 16, SF_SSE2, A, sse_cvtdq2ps),
    E(0x5b, P66, X, X, 16, SF_SSE2, A, sse_cvtps2dq),
    E(0x5b, PF3, X, X, 16, SF_SSE2, A, sse_cvttps2dq),
    FP4(0x5c, sub),
    FP4(0x5d, min),
    FP4(0x5e, div),
    FP4(0x5f, max),
    /* 0F 60..7F */
    PI(0x60, SF_MMX, sse_punpcklbw),
    PI(0x61, SF_MMX, sse_punpcklwd),
    PI(0x62, SF_MMX, sse_punpckldq),
    PI(0x63, SF_MMX, sse_packsswb),
    PI(0x64, SF_MMX, sse_pcmpgtb),
    PI(0x65, SF_MMX, sse_pcmpgtw),
    PI(0x66, SF_MMX, sse_pcmpgtd),
    PI(0x67, SF_MMX, sse_packuswb),
    PI(0x68, SF_MMX, sse_punpckhbw),
    PI(0x69, SF_MMX, sse_punpckhwd),
    PI(0x6a, SF_MMX, sse_punpckhdq),
    PI(0x6b, SF_MMX, sse_packssdw),
    E(0x6c, P66, X, X, 16, SF_SSE2, A, sse_punpcklqdq),
    E(0x6d, P66, X, X, 16, SF_SSE2, A, sse_punpckhqdq),
    E(0x6e, P0, M, G, 4, SF_MMX, 0, sse_movd),
    E(0x6e, P66, X, G, 4, SF_SSE2, 0, sse_movd),
    E(0x6f, P0, M, M, 8, SF_MMX, 0, sse_movlo),                /* MOVQ */
    E(0x6f, P66, X, X, 16, SF_SSE2, A, sse_mov),               /* MOVDQA */
    E(0x6f, PF3, X, X, 16, SF_SSE2, 0, sse_mov),               /* MOVDQU */
    E(0x70, P0, M, M, 8, SF_SSE, I, sse_pshufw),
    E(0x70, P66, X, X, 16, SF_SSE2, A | I, sse_pshufd),
    E(0x70, PF3, X, X, 16, SF_SSE2, A | I, sse_pshufhw),
    E(0x70, PF2, X, X, 16, SF_SSE2, A | I, sse_pshuflw),
    EG(0x71, P0, 2, M, SF_MMX, sse_psrlw),
    EG(0x71, P0, 4, M, SF_MMX, sse_psraw),
    EG(0x71, P0, 6, M, SF_MMX, sse_psllw),
    EG(0x71, P66, 2, X, SF_SSE2, sse_psrlw),
    EG(0x71, P66, 4, X, SF_SSE2, sse_psraw),
    EG(0x71, P66, 6, X, SF_SSE2, sse_psllw),
    EG(0x72, P0, 2, M, SF_MMX, sse_psrld),
    EG(0x72, P0, 4, M, SF_MMX, sse_psrad),
    EG(0x72, P0, 6, M, SF_MMX, sse_pslld),
    EG(0x72, P66, 2, X, SF_SSE2, sse_psrld),
    EG(0x72, P66, 4, X, SF_SSE2, sse_psrad),
    EG(0x72, P66, 6, X, SF_SSE2, sse_pslld),
    EG(0x73, P0, 2, M, SF_MMX, sse_psrlq),
    EG(0x73, P0, 6, M, SF_MMX, sse_psllq),
    EG(0x73, P66, 2, X, SF_SSE2, sse_psrlq),
    EG(0x73, P66, 3, X, SF_SSE2, sse_psrldq),
    EG(0x73, P66, 6, X, SF_SSE2, sse_psllq),
    EG(0x73, P66, 7, X, SF_SSE2, sse_pslldq),
    PI(0x74, SF_MMX, sse_pcmpeqb),
    PI(0x75, SF_MMX, sse_pcmpeqw),
    PI(0x76, SF_MMX, sse_pcmpeqd),
    E(0x7c, P66, X, X, 16, SF_SSE3, A, sse_haddpd),
    E(0x7c, PF2, X, X, 16, SF_SSE3, A, sse_haddps),
    E(0x7d, P66, X, X, 16, SF_SSE3, A, sse_hsubpd),
    E(0x7d, PF2, X, X, 16, SF_SSE3, A, sse_hsubps),
    E(0x7e, P0, M, G, 4, SF_MMX, ST, sse_movd),
    E(0x7e, P66, X, G, 4, SF_SSE2, ST, sse_movd),
    E(0x7e, PF3, X, X, 8, SF_SSE2, 0, sse_movq_zx),            /* MOVQ xmm, xmm/m64 */
    E(0x7f, P0, M, M, 8, SF_MMX, ST, sse_movlo),               /* MOVQ */
    E(0x7f, P66, X, X, 16, SF_SSE2, A | ST, sse_mov),          /* MOVDQA */
    E(0x7f, PF3, X, X, 16, SF_SSE2, ST, sse_mov),              /* MOVDQU */
    /* 0F C2..C6 */
    E(0xc2, P0, X, X, 16, SF_SSE, A | I, sse_cmpps),
    E(0xc2, P66, X, X, 16, SF_SSE2, A | I, sse_cmppd),
    E(0xc2, PF3, X, X, 4, SF_SSE, I, sse_cmpss),
    E(0xc2, PF2, X, X, 8, SF_SSE2, I, sse_cmpsd),
    E(0xc3, P0, G, G, 4, SF_SSE2, ST | MO, sse_movd),          /* MOVNTI */
    E(0xc4, P0, M, G, 2, SF_SSE, I, sse_pinsrw),
    E(0xc4, P66, X, G, 2, SF_SSE2, I, sse_pinsrw),
    E(0xc5, P0, G, M, 0, SF_SSE, I | RO, sse_pextrw),
    E(0xc5, P66, G, X, 0, SF_SSE2, I | RO, sse_pextrw),
    E(0xc6, P0, X, X, 16, SF_SSE, A | I, sse_shufps),
    E(0xc6, P66, X, X, 16, SF_SSE2, A | I, sse_shufpd),
    /* 0F D0..FF */
    E(0xd0, P66, X, X, 16, SF_SSE3, A, sse_addsubpd),
    E(0xd0, PF2, X, X, 16, SF_SSE3, A, sse_addsubps),
    PI(0xd1, SF_MMX, sse_psrlw),
    PI(0xd2, SF_MMX, sse_psrld),
    PI(0xd3, SF_MMX, sse_psrlq),
    PI(0xd4, SF_SSE2, sse_paddq),
    PI(0xd5, SF_MMX, sse_pmullw),
    E(0xd6, P66, X, X, 8, SF_SSE2, ST, sse_movq_zx),           /* MOVQ xmm/m64, xmm */
    E(0xd6, PF3, X, M, 0, SF_SSE2, RO, sse_movq_zx),           /* MOVQ2DQ */
    E(0xd6, PF2, M, X, 0, SF_SSE2, RO, sse_movlo),             /* MOVDQ2Q */
    E(0xd7, P0, G, M, 0, SF_SSE, RO, sse_pmovmskb),
    E(0xd7, P66, G, X, 0, SF_SSE2, RO, sse_pmovmskb),
    PI(0xd8, SF_MMX, sse_psubusb),
    PI(0xd9, SF_MMX, sse_psubusw),
    PI(0xda, SF_SSE, sse_pminub),
    PI(0xdb, SF_MMX, sse_pand),
    PI(0xdc, SF_MMX, sse_paddusb),
    PI(0xdd, SF_MMX, sse_paddusw),
    PI(0xde, SF_SSE, sse_pmaxub),
    PI(0xdf, SF_MMX, sse_pandn),
    PI(0xe0, SF_SSE, sse_pavgb),
    PI(0xe1, SF_MMX, sse_psraw),
    PI(0xe2, SF_MMX, sse_psrad),
    PI(0xe3, SF_SSE, sse_pavgw),
    PI(0xe4, SF_SSE, sse_pmulhuw),
    PI(0xe5, SF_MMX, sse_pmulhw),
    E(0xe6, P66, X, X, 16, SF_SSE2, A, sse_cvttpd2dq),
    E(0xe6, PF3, X, X, 8, SF_SSE2, 0, sse_cvtdq2pd),
    E(0xe6, PF2, X, X, 16, SF_SSE2, A, sse_cvtpd2dq),
    E(0xe7, P0, M, M, 8, SF_SSE, ST | MO, sse_movlo),          /* MOVNTQ */
    E(0xe7, P66, X, X, 16, SF_SSE2, A | ST | MO, sse_mov),     /* MOVNTDQ */
    PI(0xe8, SF_MMX, sse_psubsb),
    PI(0xe9, SF_MMX, sse_psubsw),
    PI(0xea, SF_SSE, sse_pminsw),
    PI(0xeb, SF_MMX, sse_por),
    PI(0xec, SF_MMX, sse_paddsb),
    PI(0xed, SF_MMX, sse_paddsw),
    PI(0xee, SF_SSE, sse_pmaxsw),
    PI(0xef, SF_MMX, sse_pxor),
    E(0xf0, PF2, X, X, 16, SF_SSE3, MO, sse_mov),              /* LDDQU */
    PI(0xf1, SF_MMX, sse_psllw),
    PI(0xf2, SF_MMX, sse_pslld),
    PI(0xf3, SF_MMX, sse_psllq),
    PI(0xf4, SF_SSE2, sse_pmuludq),
    PI(0xf5, SF_MMX, sse_pmaddwd),
    PI(0xf6, SF_SSE, sse_psadbw),
    E(0xf7, P0, M, M, 0, SF_SSE, RO | OPF_NOWRITE, sse_maskmov),
    E(0xf7, P66, X, X, 0, SF_SSE2, RO | OPF_NOWRITE, sse_maskmov),
    PI(0xf8, SF_MMX, sse_psubb),
    PI(0xf9, SF_MMX, sse_psubw),
    PI(0xfa, SF_MMX, sse_psubd),
    PI(0xfb, SF_SSE2, sse_psubq),
    PI(0xfc, SF_MMX, sse_paddb),
    PI(0xfd, SF_MMX, sse_paddw),
    PI(0xfe, SF_MMX, sse_paddd),
};

const unsigned x86_sse_nops = CC_ARRAY_SIZE(x86_sse_ops);

bool x86_sse_opcode(uint8_t opc)
{
    return (opc >= 0x10 && opc <= 0x17) || (opc >= 0x28 && opc <= 0x2f) ||
           (opc >= 0x50 && opc <= 0x76) || (opc >= 0x7c && opc <= 0x7f) ||
           (opc >= 0xc2 && opc <= 0xc6) || opc >= 0xd0;
}

static bool has_feature(CPUX86State *env, int feat)
{
    switch (feat) {
    case SF_MMX: return env->cpuid_features & CPUID_EDX_MMX;
    case SF_SSE: return env->cpuid_features & CPUID_EDX_SSE;
    case SF_SSE2: return env->cpuid_features & CPUID_EDX_SSE2;
    default: return env->cpuid_ext_features & CPUID_ECX_SSE3;
    }
}

const X86SseOp *x86_sse_lookup(CPUX86State *env, uint8_t opc, int pfx, int modrm_reg,
                               bool mem)
{
    for (unsigned i = 0; i < x86_sse_nops; i++) {
        const X86SseOp *op = &x86_sse_ops[i];
        if (op->opc != opc || op->pfx != pfx || (op->sub >= 0 && op->sub != modrm_reg)) {
            continue;
        }
        if ((mem && (op->flags & OPF_REGONLY)) || (!mem && (op->flags & OPF_MEMONLY))) {
            continue;
        }
        return has_feature(env, op->feat) ? op : NULL;
    }
    return NULL;
}
