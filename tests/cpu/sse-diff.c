/*
 * sse-diff: differential test of the MMX, SSE, SSE2 and SSE3 instructions
 * against the host CPU (x86-64 hosts only).
 *
 * Every encoding of the instruction table (core/cpu/x86-sse-table.c), in
 * register and memory forms, runs on random states: XMM and MMX registers
 * and memory filled with special and random single and double values
 * (zeros, denormals, NaNs of both kinds with payloads, infinities, values
 * near the overflow and underflow limits, integers) or random integers,
 * MXCSR with every rounding mode, DAZ, FTZ, masked and unmasked exceptions
 * and sticky flags, random x87 TOP and tags (the MMX transition), aligned
 * and misaligned memory operands.  The host runs the instruction between
 * FXRSTOR and FXSAVE (sse-diff-host.S); cardcage's CPU runs FXRSTOR, the
 * instruction, FXSAVE in 32-bit protected mode.  Compared: the exception
 * taken (#XM, #UD, #GP), the x87/MMX state (FCW, FSW, FTW, the registers),
 * MXCSR, XMM0..7, the general registers, the arithmetic flags and the data
 * memory.  Not compared, for stated reasons:
 *  - FOP/FIP/FDP (the host runs other code at other addresses);
 *  - RCPPS/RCPSS/RSQRTPS/RSQRTSS results: the SDM bounds their relative
 *    error (1.5 * 2^-12) and each CPU has its own tables; a lane that
 *    differs must be within that bound of the host's (counted apart).
 *
 *   sse-diff [--count N] [--seed N] [--only NAME] [--verbose]
 *
 * Exit 0 when there is no mismatch, 1 otherwise, 77 on a host that cannot
 * run the test.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include "cpu/x86-sse.h"
#include "cpu/x86-model.h"
#include "flat32.h"

#define MEM_SIZE   (1u << 20)
#define CODE_ADDR  0x10000u
#define DATA_ADDR  0x20000u
#define DATA_SIZE  0x1000u
#define DATA_MID   0x800u        /* ESI points here */
#define FX_ADDR    0x22000u
#define STACK_TOP  0x30000u

static uint32_t rng_state;

static uint32_t rnd(void)
{
    return flat32_xorshift32(&rng_state);
}

static uint64_t rnd64(void)
{
    return (uint64_t)rnd() << 32 | rnd();
}

/* ---- values --------------------------------------------------------------- */

static uint32_t rnd_int32(void)
{
    static const uint32_t special[] = { 0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
                                        0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe,
                                        0x00ff00ff, 0x8000ffff };
    uint32_t r = rnd();
    if ((r & 3) == 0) {
        return special[(r >> 2) % CC_ARRAY_SIZE(special)];
    }
    if ((r & 3) == 1) {
        return (uint32_t)((int32_t)(rnd() % 2001) - 1000);
    }
    return rnd();
}

/* A binary32 or binary64 value (ebits exponent bits, fbits fraction bits). */
static uint64_t rnd_float(int ebits, int fbits)
{
    uint64_t emax = (1ull << ebits) - 1, bias = emax >> 1;
    uint64_t sign = (uint64_t)(rnd() & 1) << (ebits + fbits);
    uint64_t fmask = (1ull << fbits) - 1;
    uint64_t frac = rnd64() & fmask, exp;
    switch (rnd() % 16) {
    case 0: return sign;                                       /* zero */
    case 1: return sign | (frac ? frac : 1);                   /* denormal */
    case 2: return sign | emax << fbits;                       /* infinity */
    case 3: return sign | emax << fbits | (frac ? frac : 1);   /* NaN */
    case 4: return sign | emax << fbits | 1ull << (fbits - 1) | (rnd() & 1 ? frac : 0);
    case 5: exp = 1 + rnd() % 3; break;                        /* near underflow */
    case 6: exp = emax - 1 - rnd() % 3; break;                 /* near overflow */
    case 7: exp = bias + rnd() % 32; frac &= ~((1ull << (fbits - 8)) - 1); break;
    case 8: frac = (rnd() & 1) ? fmask : 0; exp = bias - 2 + rnd() % 4; break;
    case 9: exp = 1 + rnd() % (emax - 1); break;
    case 10: exp = bias - 8 + rnd() % 40; frac &= ~((1ull << (fbits / 2)) - 1); break;
    default: exp = bias - 10 + rnd() % 20; break;
    }
    return sign | exp << fbits | frac;
}

/* 16 bytes of one kind: singles, doubles, integers or random bits. */
static void rnd_vec(uint8_t *p)
{
    switch (rnd() % 4) {
    case 0:
        for (int i = 0; i < 4; i++) {
            uint32_t v = (uint32_t)rnd_float(8, 23);
            memcpy(p + 4 * i, &v, 4);
        }
        break;
    case 1:
        for (int i = 0; i < 2; i++) {
            uint64_t v = rnd_float(11, 52);
            memcpy(p + 8 * i, &v, 8);
        }
        break;
    case 2:
        for (int i = 0; i < 4; i++) {
            uint32_t v = rnd_int32();
            memcpy(p + 4 * i, &v, 4);
        }
        break;
    default:
        for (int i = 0; i < 4; i++) {
            uint32_t v = rnd();
            memcpy(p + 4 * i, &v, 4);
        }
        break;
    }
}

/* ---- cases ---------------------------------------------------------------- */

typedef struct Case {
    const X86SseOp *op;
    uint8_t code[16];
    unsigned len;
    uint8_t fx[512];
    uint32_t gpr[8];
    uint32_t eflags;
    uint32_t edi_off;           /* EDI = data + this (MASKMOVQ/MASKMOVDQU) */
    bool edi_data;
    uint8_t data[DATA_SIZE];
} Case;

typedef struct Result {
    int vector;
    uint8_t fx[512];
    uint32_t gpr[8];
    uint32_t eflags;
    uint8_t data[DATA_SIZE];
} Result;

static bool host_daz;

static const uint8_t gprs[] = { R_EAX, R_ECX, R_EDX, R_EBX, R_EDI };

static void gen_case(Case *c, const X86SseOp *op)
{
    static const uint8_t pfx_byte[] = { 0, 0x66, 0xf3, 0xf2 };
    memset(c, 0, sizeof(*c));
    c->op = op;
    /* State. */
    c->fx[0] = 0x7f;                                  /* FCW 037F */
    c->fx[1] = 0x03;
    c->fx[3] = (uint8_t)((rnd() & 7) << 3);           /* TOP, no exception */
    c->fx[4] = (uint8_t)rnd();                        /* abridged tags */
    uint32_t mxcsr = (rnd() & 3) << MXCSR_RC_SHIFT;
    if (rnd() % 4 == 0) {
        mxcsr |= MXCSR_FZ;
    }
    if (host_daz && rnd() % 4 == 0) {
        mxcsr |= MXCSR_DAZ;
    }
    mxcsr |= (rnd() % 4 ? 0x3fu : rnd() & 0x3f) << MXCSR_MASK_SHIFT;
    mxcsr |= rnd() % 2 ? 0 : rnd() & MXCSR_FLAGS;
    memcpy(c->fx + 24, &mxcsr, 4);
    for (int i = 0; i < 8; i++) {
        uint64_t m = rnd() % 2 ? rnd64() : (uint64_t)rnd_int32() << 32 | rnd_int32();
        if (rnd() % 4 == 0) {
            m = rnd_float(8, 23) << 32 | rnd_float(8, 23);
        }
        memcpy(c->fx + 32 + 16 * i, &m, 8);
        uint16_t se = (uint16_t)rnd();
        memcpy(c->fx + 40 + 16 * i, &se, 2);
        rnd_vec(c->fx + 160 + 16 * i);
    }
    for (int i = 0; i < 8; i++) {
        c->gpr[i] = rnd_int32();
    }
    c->eflags = 0x2 | (rnd() & CC_ARITH);
    for (unsigned i = 0; i < DATA_SIZE; i += 16) {
        rnd_vec(c->data + i);
    }
    /* The instruction. */
    uint8_t *p = c->code;
    if (op->pfx) {
        *p++ = pfx_byte[op->pfx];
    }
    *p++ = 0x0f;
    *p++ = op->opc;
    bool mem = (op->flags & OPF_MEMONLY) || (!(op->flags & OPF_REGONLY) && rnd() % 3 == 0);
    int reg = op->sub >= 0 ? op->sub : op->gk == K_GPR ? gprs[rnd() % 5] : (int)(rnd() % 8);
    if (mem) {
        int disp;
        if (rnd() % 8) {
            disp = (int)(rnd() % 8) * 16 - 64;
        } else {
            disp = (int)(rnd() % 128) - 64;
        }
        *p++ = (uint8_t)(0x40 | reg << 3 | R_ESI);
        *p++ = (uint8_t)disp;
    } else {
        int rm = op->rk == K_GPR ? gprs[rnd() % 5] : (int)(rnd() % 8);
        *p++ = (uint8_t)(0xc0 | reg << 3 | rm);
    }
    if (op->flags & OPF_IMM) {
        uint8_t imm = (uint8_t)rnd();
        if ((op->flags & OPF_RMDST) && rnd() % 2) {
            imm %= 72;
        }
        /* CMPPS/CMPPD/CMPSS/CMPSD: only predicates 0..7 exist without VEX
         * (SDM vol. 2A, CMPPS: imm8[7:3] reserved); hosts differ for the
         * others (AMD's apply the VEX predicates 8..31). */
        if (op->opc == 0xc2) {
            imm &= 7;
        }
        *p++ = imm;
    }
    c->len = p - c->code;
    if (op->fn == sse_maskmov) {
        c->edi_data = true;
        c->edi_off = DATA_MID - 64 + rnd() % 112;
    }
}

/* ---- the host ------------------------------------------------------------- */

typedef struct __attribute__((aligned(16))) SseHostCtx {
    uint8_t fx[512];
    uint64_t gpr[8];
    uint64_t rflags;
    void *code;
    uint64_t pad[2];
    uint8_t host_fx[512];
} SseHostCtx;

_Static_assert(offsetof(SseHostCtx, rflags) == 576, "layout of sse-diff-host.S");
_Static_assert(offsetof(SseHostCtx, code) == 584, "layout of sse-diff-host.S");
_Static_assert(offsetof(SseHostCtx, host_fx) == 608, "layout of sse-diff-host.S");

void sse_host_run(SseHostCtx *ctx);

static SseHostCtx *host_ctx;
static uint8_t *host_code, *host_data;
static sigjmp_buf host_jb;
static volatile int host_vector;

static void host_signal(int sig, siginfo_t *info, void *uctx)
{
    ucontext_t *uc = uctx;
    (void)info;
    memcpy(host_ctx->fx, uc->uc_mcontext.fpregs, 512);
    static const int map[8] = { REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI,
                                REG_RDI };
    for (int i = 0; i < 8; i++) {
        host_ctx->gpr[i] = uc->uc_mcontext.gregs[map[i]];
    }
    host_ctx->rflags = uc->uc_mcontext.gregs[REG_EFL];
    host_vector = sig == SIGFPE ? EXCP_XM : sig == SIGILL ? EXCP_UD : EXCP_GP;
    siglongjmp(host_jb, 1);
}

static void host_run(const Case *c, Result *r)
{
    SseHostCtx *ctx = host_ctx;
    memcpy(ctx->fx, c->fx, 512);
    for (int i = 0; i < 8; i++) {
        ctx->gpr[i] = c->gpr[i];
    }
    ctx->gpr[R_ESI] = (uint64_t)(uintptr_t)(host_data + DATA_MID);
    if (c->edi_data) {
        ctx->gpr[R_EDI] = (uint64_t)(uintptr_t)(host_data + c->edi_off);
    }
    ctx->rflags = c->eflags;
    memcpy(host_code, c->code, c->len);
    host_code[c->len] = 0xc3;
    ctx->code = host_code;
    memcpy(host_data, c->data, DATA_SIZE);
    host_vector = -1;
    if (sigsetjmp(host_jb, 1)) {
        __asm__ volatile("fxrstor %0" : : "m"(*ctx->host_fx));
    } else {
        sse_host_run(ctx);
    }
    r->vector = host_vector;
    memcpy(r->fx, ctx->fx, 512);
    for (int i = 0; i < 8; i++) {
        r->gpr[i] = (uint32_t)ctx->gpr[i];
    }
    r->eflags = (uint32_t)ctx->rflags;
    memcpy(r->data, host_data, DATA_SIZE);
}

/* ---- cardcage ------------------------------------------------------------- */

static void emu_run(Flat32 *e, const Case *c, Result *r)
{
    CPUX86State *env = e->env;
    uint8_t *mem = e->mem;
    memset(mem, 0, STACK_TOP);
    flat32_tables(mem);
    /* FXRSTOR [FX_ADDR]; the instruction; FXSAVE [FX_ADDR]; HLT */
    uint8_t *p = mem + CODE_ADDR;
    *p++ = 0x0f, *p++ = 0xae, *p++ = 0x0d;
    memcpy(p, &(uint32_t){ FX_ADDR }, 4);
    p += 4;
    memcpy(p, c->code, c->len);
    p += c->len;
    *p++ = 0x0f, *p++ = 0xae, *p++ = 0x05;
    memcpy(p, &(uint32_t){ FX_ADDR }, 4);
    p += 4;
    *p = 0xf4;
    memcpy(mem + FX_ADDR, c->fx, 512);
    memcpy(mem + DATA_ADDR, c->data, DATA_SIZE);
    uint32_t regs[8];
    memcpy(regs, c->gpr, sizeof(regs));
    regs[R_ESP] = STACK_TOP - 0x100;
    regs[R_ESI] = DATA_ADDR + DATA_MID;
    if (c->edi_data) {
        regs[R_EDI] = DATA_ADDR + c->edi_off;
    }
    flat32_run(e, CODE_ADDR, regs, c->eflags, CR4_OSFXSR | CR4_OSXMMEXCPT, STACK_TOP);
    r->vector = flat32_vector_of(env->eip);
    if (r->vector >= 0) {
        /* Stopped in the exception's stub: the state as it is. */
        x87_fxsave(&env->fpu, r->fx, true);
        memcpy(r->fx + 24, &env->mxcsr, 4);
        memcpy(r->fx + 160, env->xmm, sizeof(env->xmm));
    } else {
        memcpy(r->fx, mem + FX_ADDR, 512);
    }
    memcpy(r->gpr, env->regs, sizeof(r->gpr));
    r->eflags = x86_get_eflags(env);
    memcpy(r->data, mem + DATA_ADDR, DATA_SIZE);
}

/* ---- comparison ----------------------------------------------------------- */

typedef struct Stats {
    unsigned long runs, bad, exc, approx;
} Stats;

static bool is_approx(const X86SseOp *op)
{
    return op->fn == sse_rcpps || op->fn == sse_rcpss || op->fn == sse_rsqrtps ||
           op->fn == sse_rsqrtss;
}

/* An approximation lane: within twice the SDM's bound of the host's. */
static bool approx_ok(uint32_t h, uint32_t e)
{
    float fh, fe;
    memcpy(&fh, &h, 4);
    memcpy(&fe, &e, 4);
    if ((h ^ e) & 0x80000000u) {
        return false;
    }
    double dh = fh, de = fe;
    if (dh == 0 || de == 0 || dh != dh || de != de || dh - dh != 0 || de - de != 0) {
        return false;
    }
    double rel = (de - dh) / dh;
    return rel < 0 ? -rel <= 3.0 / 4096 : rel <= 3.0 / 4096;
}

static void dump_case(const Case *c, const Result *h, const Result *e)
{
    printf("  bytes:");
    for (unsigned i = 0; i < c->len; i++) {
        printf(" %02x", c->code[i]);
    }
    uint32_t mx;
    memcpy(&mx, c->fx + 24, 4);
    printf("\n  MXCSR in %08x; exception: host %d, cardcage %d\n", mx, h->vector, e->vector);
}

static bool compare(const Case *c, const Result *h, const Result *e, Stats *st, bool verbose)
{
    char msg[4096];
    int n = 0;
    bool approx_used = false;
    if (h->vector != e->vector) {
        n += snprintf(msg + n, sizeof(msg) - n, "  vector differs\n");
    }
    /* FCW FSW FTW, MXCSR, ST0..7 (10 bytes each), XMM0..7. */
    static const struct { unsigned off, len; const char *what; } parts[] = {
        { 0, 2, "FCW" }, { 2, 2, "FSW" }, { 4, 1, "FTW" }, { 24, 4, "MXCSR" },
    };
    for (unsigned i = 0; i < CC_ARRAY_SIZE(parts); i++) {
        if (memcmp(h->fx + parts[i].off, e->fx + parts[i].off, parts[i].len)) {
            uint32_t hv = 0, ev = 0;
            memcpy(&hv, h->fx + parts[i].off, parts[i].len);
            memcpy(&ev, e->fx + parts[i].off, parts[i].len);
            n += snprintf(msg + n, sizeof(msg) - n, "  %s: host %x, cardcage %x\n",
                          parts[i].what, hv, ev);
        }
    }
    for (int i = 0; i < 8 && n < 3000; i++) {
        const uint8_t *hp = h->fx + 32 + 16 * i, *ep = e->fx + 32 + 16 * i;
        if (memcmp(hp, ep, 10)) {
            uint64_t hm, em;
            uint16_t hs, es;
            memcpy(&hm, hp, 8), memcpy(&em, ep, 8), memcpy(&hs, hp + 8, 2), memcpy(&es, ep + 8, 2);
            n += snprintf(msg + n, sizeof(msg) - n, "  ST%d/MM: host %04x:%016llx, cardcage "
                          "%04x:%016llx\n", i, hs, (unsigned long long)hm, es,
                          (unsigned long long)em);
        }
    }
    for (int i = 0; i < 8 && n < 3000; i++) {
        const uint8_t *hp = h->fx + 160 + 16 * i, *ep = e->fx + 160 + 16 * i;
        if (!memcmp(hp, ep, 16)) {
            continue;
        }
        if (is_approx(c->op)) {
            bool ok = true;
            for (int l = 0; l < 4; l++) {
                uint32_t hl, el;
                memcpy(&hl, hp + 4 * l, 4);
                memcpy(&el, ep + 4 * l, 4);
                ok &= hl == el || approx_ok(hl, el);
            }
            if (ok) {
                approx_used = true;
                continue;
            }
        }
        n += snprintf(msg + n, sizeof(msg) - n, "  XMM%d: host", i);
        for (int l = 3; l >= 0; l--) {
            uint32_t v;
            memcpy(&v, hp + 4 * l, 4);
            n += snprintf(msg + n, sizeof(msg) - n, " %08x", v);
        }
        n += snprintf(msg + n, sizeof(msg) - n, ", cardcage");
        for (int l = 3; l >= 0; l--) {
            uint32_t v;
            memcpy(&v, ep + 4 * l, 4);
            n += snprintf(msg + n, sizeof(msg) - n, " %08x", v);
        }
        n += snprintf(msg + n, sizeof(msg) - n, "\n");
    }
    for (int i = 0; i < 8 && n < 3000; i++) {
        /* ESP, EBP: not loaded; ESI (and EDI for MASKMOV*): pointers, which
         * differ by construction and which no instruction here writes. */
        bool ptr = i == R_ESI || (i == R_EDI && c->edi_data);
        if (i != R_ESP && i != R_EBP && !ptr && h->gpr[i] != e->gpr[i]) {
            n += snprintf(msg + n, sizeof(msg) - n, "  reg %d: host %08x, cardcage %08x\n", i,
                          h->gpr[i], e->gpr[i]);
        }
    }
    if ((h->eflags ^ e->eflags) & CC_ARITH) {
        n += snprintf(msg + n, sizeof(msg) - n, "  eflags: host %08x, cardcage %08x\n",
                      h->eflags, e->eflags);
    }
    for (unsigned i = 0; i < DATA_SIZE && n < 3000; i++) {
        if (h->data[i] != e->data[i]) {
            n += snprintf(msg + n, sizeof(msg) - n, "  data[%03x]: host %02x, cardcage %02x\n",
                          i, h->data[i], e->data[i]);
        }
    }
    st->runs++;
    st->exc += h->vector >= 0;
    if (n == 0) {
        st->approx += approx_used;
        return true;
    }
    st->bad++;
    if (verbose || st->bad <= 3) {
        printf("MISMATCH %s\n", c->op->name);
        dump_case(c, h, e);
        fputs(msg, stdout);
    }
    return false;
}

/* ---- main ----------------------------------------------------------------- */

int main(int argc, char **argv)
{
    long count = 200000;
    uint32_t seed = 1;
    const char *only = NULL;
    bool verbose = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--count") && i + 1 < argc) {
            count = atol(argv[++i]);
        } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            seed = strtoul(argv[++i], NULL, 0);
        } else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
            only = argv[++i];
        } else if (!strcmp(argv[i], "--verbose")) {
            verbose = true;
        } else {
            fprintf(stderr, "usage: sse-diff [--count N] [--seed N] [--only NAME] [--verbose]\n");
            return 2;
        }
    }
    rng_state = seed ? seed : 1;
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("sse3")) {
        printf("SKIP: the host has no SSE3\n");
        return 77;
    }
    host_ctx = aligned_alloc(16, sizeof(SseHostCtx));    /* FXSAVE areas: 16-byte aligned */
    host_code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    host_data = mmap(NULL, DATA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!host_ctx || host_code == MAP_FAILED || host_data == MAP_FAILED) {
        printf("SKIP: no executable memory for the host's side\n");
        return 77;
    }
    /* Whether the host has DAZ (MXCSR_MASK bit 6, SDM vol. 1, 11.6.6). */
    __asm__ volatile("fxsave %0" : "=m"(*host_ctx->host_fx));
    uint32_t host_mask;
    memcpy(&host_mask, host_ctx->host_fx + 28, 4);
    host_daz = host_mask & MXCSR_DAZ;
    struct sigaction sa = { .sa_sigaction = host_signal, .sa_flags = SA_SIGINFO | SA_NODEFER };
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);

    Flat32 e;
    flat32_open(&e, MEM_SIZE);
    for (const char *f = "+mmx,+sse,+sse2,+sse3"; *f; ) {
        const char *end = strchr(f, ',');
        char item[16];
        size_t len = end ? (size_t)(end - f) : strlen(f);
        memcpy(item, f, len);
        item[len] = 0;
        if (!x86_cpu_parse_feature_item(e.env, item, NULL)) {
            printf("FAIL: cannot enable %s\n", item);
            return 1;
        }
        f += len + (end != NULL);
    }

    const X86SseOp *ops[512];
    unsigned nops = 0;
    for (unsigned i = 0; i < x86_sse_nops; i++) {
        if (!only || !strcmp(x86_sse_ops[i].name, only)) {
            ops[nops++] = &x86_sse_ops[i];
        }
    }
    if (!nops) {
        printf("FAIL: no instruction named %s\n", only);
        return 1;
    }
    static Stats stats[512];
    unsigned long bad = 0, exc = 0, approx = 0;
    static Case c;
    static Result hr, er;
    for (long i = 0; i < count; i++) {
        unsigned k = rnd() % nops;
        gen_case(&c, ops[k]);
        host_run(&c, &hr);
        emu_run(&e, &c, &er);
        if (!compare(&c, &hr, &er, &stats[k], verbose)) {
            bad++;
        }
        exc += hr.vector >= 0;
    }
    for (unsigned k = 0; k < nops; k++) {
        approx += stats[k].approx;
        if (stats[k].bad || verbose) {
            printf("  %-14s opc %02x pfx %d: %lu runs, %lu mismatches, %lu exceptions\n",
                   ops[k]->name, ops[k]->opc, ops[k]->pfx, stats[k].runs, stats[k].bad,
                   stats[k].exc);
        }
    }
    printf("sse-diff: %ld cases over %u encodings, %lu passed, %lu mismatches; %lu ended by "
           "an exception on the host, %lu approximations (RCP/RSQRT) within tolerance\n",
           count, nops, count - bad, bad, exc, approx);
    return bad ? 1 : 0;
}
