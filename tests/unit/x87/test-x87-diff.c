/*
 * Differential test of the x87 against the host's own FPU.
 *
 * Every encoding of D8..DF (register and memory forms, including the
 * undocumented aliases and the #UD holes), FXSAVE/FXRSTOR and the 16-bit
 * environment forms runs on many generated states: random and special
 * operands (zeros, denormals, pseudo-denormals, unsupported formats,
 * infinities, NaNs, extremes, rounding ties), every rounding and precision
 * control, masked and unmasked exceptions, empty and full stacks.  The same
 * state goes through x87_execute and through the host (FRSTOR, the
 * instruction, FNSAVE); the complete FPU state, the memory operand, EFLAGS
 * and AX must agree.  Differences the architecture leaves open are
 * excluded and counted, each for a stated reason:
 *  - FIP/FCS/FOP/FDP/FDS: the host runs 64-bit code at other addresses;
 *  - transcendental results may differ by 1 ulp, and their C1 (the
 *    direction of the host's own approximation) is not compared; their
 *    arguments outside the documented domains (F2XM1 |x| > 1, FYL2XP1
 *    |x| >= 1 - sqrt(2)/2) give undefined results: skipped;
 *  - FISTTP (SSE3) is #UD in the emulated CPU, executed by the host;
 *  - FSTP1 (D9 D8+i) with ST(0) empty: AMD hosts just pop (see
 *    amd_fstp1_quirk); counted with the skipped cases.
 * Runs: X87_DIFF_RUNS (default 400000), X87_BOUNDARY_RUNS per boundary
 * form (default 20000), seed X87_DIFF_SEED; X87_DIFF_ONLY=name
 * runs one instruction only, X87_DIFF_SHOW_ULP=1 prints the 1-ulp cases
 * (debugging).  The host part
 * is skipped on hosts that are not x86-64.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "host-x87.h"
#include "x87-test-util.h"

typedef enum MemFmt {
    MF_NONE, MF_F32, MF_F64, MF_F80, MF_I16, MF_I32, MF_I64, MF_BCD,
    MF_ENV, MF_SAVE, MF_CW, MF_FX,
} MemFmt;

enum {
    EF_TRANS = 1,           /* 1-ulp tolerance */
    EF_F2XM1 = 2,           /* domain |x| <= 1 */
    EF_YL2XP1 = 4,          /* domain |x| < 1 - sqrt(2)/2 */
    EF_NOWAIT = 8,          /* may run with an exception pending */
    EF_ENV_IMAGE = 16,      /* memory holds FIP/FDP fields */
    EF_SAVE_IMAGE = 32,
    EF_FXSAVE = 64,
    EF_FXRSTOR = 128,
    EF_AX = 256,
    EF_O16 = 512,
};

typedef struct Enc {
    char name[24];
    uint8_t bytes[4];
    uint8_t len;
    uint8_t opcode, modrm;
    MemFmt fmt;
    unsigned flags;
    /* statistics */
    unsigned long runs, exact, ulp1, skipped, ud, bad;
} Enc;

#define MAX_ENC 700
static Enc encs[MAX_ENC];
static unsigned n_encs;
static unsigned long rcpc_runs[4][4], rcpc_bad[4][4];
static unsigned long total_bad, total_runs;
static unsigned printed;

/* --- the encodings ----------------------------------------------------- */

static const char *const arith_names[8] = {
    "FADD", "FMUL", "FCOM", "FCOMP", "FSUB", "FSUBR", "FDIV", "FDIVR",
};

static void mem_form(uint8_t op, unsigned reg, char *name, MemFmt *fmt, unsigned *flags)
{
    static const MemFmt arith_fmt[8] = {
        [0] = MF_F32, [2] = MF_I32, [4] = MF_F64, [6] = MF_I16,
    };
    static const char *const arith_sfx[8] = {
        [0] = " m32", [2] = " m32int", [4] = " m64", [6] = " m16int",
    };
    unsigned o = op & 7;

    *flags = 0;
    if (!(o & 1)) {
        snprintf(name, 24, "%s%s%s", o == 2 || o == 6 ? "FI" : "F",
                 arith_names[reg] + 1, arith_sfx[o]);
        *fmt = arith_fmt[o];
        return;
    }
    switch ((o << 3) | reg) {
    case (1 << 3) | 0: strcpy(name, "FLD m32"); *fmt = MF_F32; break;
    case (1 << 3) | 2: strcpy(name, "FST m32"); *fmt = MF_F32; break;
    case (1 << 3) | 3: strcpy(name, "FSTP m32"); *fmt = MF_F32; break;
    case (1 << 3) | 4: strcpy(name, "FLDENV"); *fmt = MF_ENV; break;
    case (1 << 3) | 5: strcpy(name, "FLDCW"); *fmt = MF_CW; break;
    case (1 << 3) | 6: strcpy(name, "FNSTENV"); *fmt = MF_ENV; *flags = EF_NOWAIT | EF_ENV_IMAGE; break;
    case (1 << 3) | 7: strcpy(name, "FNSTCW"); *fmt = MF_CW; *flags = EF_NOWAIT; break;
    case (3 << 3) | 0: strcpy(name, "FILD m32"); *fmt = MF_I32; break;
    case (3 << 3) | 2: strcpy(name, "FIST m32"); *fmt = MF_I32; break;
    case (3 << 3) | 3: strcpy(name, "FISTP m32"); *fmt = MF_I32; break;
    case (3 << 3) | 5: strcpy(name, "FLD m80"); *fmt = MF_F80; break;
    case (3 << 3) | 7: strcpy(name, "FSTP m80"); *fmt = MF_F80; break;
    case (5 << 3) | 0: strcpy(name, "FLD m64"); *fmt = MF_F64; break;
    case (5 << 3) | 2: strcpy(name, "FST m64"); *fmt = MF_F64; break;
    case (5 << 3) | 3: strcpy(name, "FSTP m64"); *fmt = MF_F64; break;
    case (5 << 3) | 4: strcpy(name, "FRSTOR"); *fmt = MF_SAVE; break;
    case (5 << 3) | 6: strcpy(name, "FNSAVE"); *fmt = MF_SAVE; *flags = EF_NOWAIT | EF_SAVE_IMAGE; break;
    case (5 << 3) | 7: strcpy(name, "FNSTSW m16"); *fmt = MF_CW; *flags = EF_NOWAIT; break;
    case (7 << 3) | 0: strcpy(name, "FILD m16"); *fmt = MF_I16; break;
    case (7 << 3) | 2: strcpy(name, "FIST m16"); *fmt = MF_I16; break;
    case (7 << 3) | 3: strcpy(name, "FISTP m16"); *fmt = MF_I16; break;
    case (7 << 3) | 4: strcpy(name, "FBLD"); *fmt = MF_BCD; break;
    case (7 << 3) | 5: strcpy(name, "FILD m64"); *fmt = MF_I64; break;
    case (7 << 3) | 6: strcpy(name, "FBSTP"); *fmt = MF_BCD; break;
    case (7 << 3) | 7: strcpy(name, "FISTP m64"); *fmt = MF_I64; break;
    default: snprintf(name, 24, "UD %02X /%u", op, reg); *fmt = MF_F80; break;
    }
}

static const char *const d9_names[32] = {
    "FCHS", "FABS", "UD", "UD", "FTST", "FXAM", "UD", "UD",
    "FLD1", "FLDL2T", "FLDL2E", "FLDPI", "FLDLG2", "FLDLN2", "FLDZ", "UD",
    "F2XM1", "FYL2X", "FPTAN", "FPATAN", "FXTRACT", "FPREM1", "FDECSTP", "FINCSTP",
    "FPREM", "FYL2XP1", "FSQRT", "FSINCOS", "FRNDINT", "FSCALE", "FSIN", "FCOS",
};

static void reg_form(uint8_t op, uint8_t modrm, char *name, unsigned *flags)
{
    unsigned reg = (modrm >> 3) & 7, o = op & 7;
    static const char *const fcmov[8] = {
        "FCMOVB", "FCMOVE", "FCMOVBE", "FCMOVU", "FCMOVNB", "FCMOVNE", "FCMOVNBE", "FCMOVNU",
    };

    *flags = 0;
    switch (o) {
    case 0:
        snprintf(name, 24, "%s ST0,STi", arith_names[reg]);
        return;
    case 4:
    case 6:
        /* DC/DE: ST(i) = ST(i) op ST(0), sub/subr and div/divr swapped. */
        if (reg == 2 || reg == 3) {
            strcpy(name, o == 4 ? (reg == 2 ? "FCOM2" : "FCOMP3")
                                : (reg == 2 ? "FCOMP5" : modrm == 0xd9 ? "FCOMPP" : "UD DE"));
            return;
        }
        snprintf(name, 24, "%s%s STi,ST0", arith_names[reg >= 4 ? reg ^ 1 : reg],
                 o == 6 ? "P" : "");
        return;
    case 1:
        if (reg >= 4) {
            const char *n = d9_names[modrm - 0xe0];
            strcpy(name, n);
            if (!strcmp(n, "F2XM1")) {
                *flags = EF_TRANS | EF_F2XM1;
            } else if (!strcmp(n, "FYL2XP1")) {
                *flags = EF_TRANS | EF_YL2XP1;
            } else if (!strcmp(n, "FYL2X") || !strcmp(n, "FPTAN") || !strcmp(n, "FPATAN") ||
                       !strcmp(n, "FSINCOS") || !strcmp(n, "FSIN") || !strcmp(n, "FCOS")) {
                *flags = EF_TRANS;
            }
            return;
        }
        strcpy(name, (const char *[]){ "FLD STi", "FXCH", "FNOP", "FSTP1" }[reg]);
        return;
    case 2:
        strcpy(name, reg < 4 ? fcmov[reg] : modrm == 0xe9 ? "FUCOMPP" : "UD DA");
        return;
    case 3:
        if (reg < 4) {
            strcpy(name, fcmov[reg + 4]);
        } else if (reg == 4) {
            strcpy(name, (const char *[]){ "FNENI", "FNDISI", "FNCLEX", "FNINIT", "FNSETPM",
                                           "UD DB", "UD DB", "UD DB" }[modrm & 7]);
            *flags = EF_NOWAIT;
        } else {
            strcpy(name, reg == 5 ? "FUCOMI" : reg == 6 ? "FCOMI" : "UD DB");
        }
        return;
    case 5:
        strcpy(name, (const char *[]){ "FFREE", "FXCH4", "FST STi", "FSTP STi", "FUCOM",
                                       "FUCOMP", "UD DD", "UD DD" }[reg]);
        return;
    default:
        strcpy(name, (const char *[]){ "FFREEP", "FXCH7", "FSTP8", "FSTP9", "FNSTSW AX",
                                       "FUCOMIP", "FCOMIP", "UD DF" }[reg]);
        if (reg == 4) {
            if (modrm == 0xe0) {
                *flags = EF_NOWAIT | EF_AX;
            } else {
                strcpy(name, "UD DF");
            }
        }
        return;
    }
}

static void add_enc(const char *name, const uint8_t *bytes, unsigned len, uint8_t opcode,
                    uint8_t modrm, MemFmt fmt, unsigned flags)
{
    Enc *e = &encs[n_encs++];

    memset(e, 0, sizeof(*e));
    snprintf(e->name, sizeof(e->name), "%s", name);
    memcpy(e->bytes, bytes, len);
    e->len = (uint8_t)len;
    e->opcode = opcode;
    e->modrm = modrm;
    e->fmt = fmt;
    e->flags = flags;
}

static void build_encodings(void)
{
    unsigned op, reg, m;
    char name[24];
    MemFmt fmt;
    unsigned flags;

    n_encs = 0;
    for (op = 0xd8; op <= 0xdf; op++) {
        for (reg = 0; reg < 8; reg++) {
            uint8_t b[2] = { (uint8_t)op, (uint8_t)((reg << 3) | 6) };   /* [rsi] */
            if (reg == 1 && (op == 0xdb || op == 0xdd || op == 0xdf)) {
                continue;       /* FISTTP: SSE3, #UD here but not on the host */
            }
            mem_form((uint8_t)op, reg, name, &fmt, &flags);
            add_enc(name, b, 2, b[0], b[1], fmt, flags);
        }
        for (m = 0xc0; m <= 0xff; m++) {
            uint8_t b[2] = { (uint8_t)op, (uint8_t)m };
            reg_form((uint8_t)op, (uint8_t)m, name, &flags);
            add_enc(name, b, 2, b[0], b[1], MF_NONE, flags);
        }
    }
    /* 16-bit environment and state images (operand-size prefix). */
    {
        static const uint8_t o16[4][3] = {
            { 0x66, 0xd9, 0x26 }, { 0x66, 0xd9, 0x36 }, { 0x66, 0xdd, 0x26 }, { 0x66, 0xdd, 0x36 },
        };
        static const char *const names[4] = { "FLDENV o16", "FNSTENV o16", "FRSTOR o16", "FNSAVE o16" };
        static const unsigned fl[4] = {
            EF_O16, EF_O16 | EF_NOWAIT | EF_ENV_IMAGE, EF_O16, EF_O16 | EF_NOWAIT | EF_SAVE_IMAGE,
        };
        for (m = 0; m < 4; m++) {
            add_enc(names[m], o16[m], 3, o16[m][1], o16[m][2], m < 2 ? MF_ENV : MF_SAVE, fl[m]);
        }
    }
    {
        static const uint8_t fxsave[3] = { 0x0f, 0xae, 0x06 }, fxrstor[3] = { 0x0f, 0xae, 0x0e };
        add_enc("FXSAVE", fxsave, 3, 0, 0, MF_FX, EF_FXSAVE);
        add_enc("FXRSTOR", fxrstor, 3, 0, 0, MF_FX, EF_FXRSTOR);
    }
}

/* --- generated states -------------------------------------------------- */

static void gen_state(Rng *r, X87State *s, const Enc *e)
{
    unsigned i, top = rng_below(r, 8), nempty;
    uint16_t masks;

    memset(s, 0, sizeof(*s));
    /* Control word: masks (mostly all masked), PC including the reserved
     * 01, RC; bit 6 reads as 1 after FNINIT; sometimes the infinity bit. */
    masks = rng_below(r, 3) ? 0x3f : (uint16_t)(rng_next(r) & 0x3f);
    s->fcw = (uint16_t)(masks | 0x40 | (rng_next(r) & 0xf00) | (rng_below(r, 8) ? 0 : 0x1000));
    /* Status: TOP, condition codes, sticky flags; only masked flags unless
     * the instruction does not wait (else it would trap before running). */
    s->fsw = (uint16_t)((top << 11) | (rng_next(r) & 0x4700));
    if (rng_below(r, 2)) {
        uint16_t f = (uint16_t)(rng_next(r) & 0x3f);
        if (!(e->flags & EF_NOWAIT)) {
            f &= masks;
        }
        s->fsw |= f;
        if ((f & 1) && rng_below(r, 2)) {
            s->fsw |= 0x40;
        }
        if (f & ~masks & 0x3f) {
            s->fsw |= 0x8080;
        }
    }
    /* Registers: a mix of empty and full stacks. */
    nempty = rng_below(r, 4) == 0 ? rng_below(r, 9) : rng_below(r, 3);
    s->ftw = 0;
    for (i = 0; i < 8; i++) {
        floatx80 v = (i > 0 && rng_below(r, 3) == 0) ? gen_fx80_near(r, s->regs[(top) & 7])
                                                     : gen_fx80(r);
        unsigned p = (top + i) & 7;
        s->regs[p] = v;
    }
    for (i = 0; i < 8; i++) {
        unsigned p = (top + i) & 7;
        unsigned tag = rng_below(r, 8) < nempty ? 3 : test_tag_of(s->regs[p]);
        s->ftw |= (uint16_t)(tag << (2 * p));
    }
    s->fip = (uint32_t)rng_next(r);
    s->fdp = (uint32_t)rng_next(r);
    s->fcs = (uint16_t)rng_next(r);
    s->fds = (uint16_t)rng_next(r);
    s->fop = (uint16_t)(rng_next(r) & 0x7ff);
}

static void gen_memory(Rng *r, uint8_t *mem, const Enc *e, const X87State *st)
{
    unsigned i;
    X87State other;
    uint8_t img[FSAVE32_SIZE];

    for (i = 0; i < 512; i += 8) {
        le_put(mem + i, rng_next(r), 8);
    }
    switch (e->fmt) {
    case MF_F32:
        le_put(mem, gen_f32(r), 4);
        break;
    case MF_F64:
        le_put(mem, gen_f64(r), 8);
        break;
    case MF_F80: {
        floatx80 v = rng_below(r, 3) ? gen_fx80(r) : gen_fx80_near(r, st->regs[(st->fsw >> 11) & 7]);
        le_put(mem, v.mant, 8);
        le_put(mem + 8, v.sign_exp, 2);
        break;
    }
    case MF_I16:
        le_put(mem, gen_int(r, 16), 2);
        break;
    case MF_I32:
        le_put(mem, gen_int(r, 32), 4);
        break;
    case MF_I64:
        le_put(mem, gen_int(r, 64), 8);
        break;
    case MF_BCD:
        gen_bcd(r, mem);
        break;
    case MF_CW:
        le_put(mem, (rng_next(r) & 0x0f3f) | 0x40 | (rng_below(r, 8) ? 0 : rng_next(r) & 0xf080), 2);
        break;
    case MF_ENV:
    case MF_SAVE:
        gen_state(r, &other, e);
        /* Tags in the image are random for non-empty registers: the FPU
         * recomputes them. */
        for (i = 0; i < 8; i++) {
            if (((other.ftw >> (2 * i)) & 3) != 3 && rng_below(r, 2)) {
                other.ftw = (uint16_t)((other.ftw & ~(3u << (2 * i))) | (rng_below(r, 3) << (2 * i)));
            }
        }
        image_from_state(&other, img);
        if (e->flags & EF_O16) {
            /* 16-bit protected-mode layout: 14-byte environment. */
            memset(mem, 0, 14);
            le_put(mem + 0, other.fcw, 2);
            le_put(mem + 2, other.fsw, 2);
            le_put(mem + 4, other.ftw, 2);
            le_put(mem + 6, other.fip, 2);
            le_put(mem + 8, other.fcs, 2);
            le_put(mem + 10, other.fdp, 2);
            le_put(mem + 12, other.fds, 2);
            memcpy(mem + 14, img + 28, 80);
        } else {
            memcpy(mem, img, FSAVE32_SIZE);
        }
        break;
    case MF_FX:
        gen_state(r, &other, e);
        image_from_state(&other, img);
        le_put(mem + 0, other.fcw, 2);
        le_put(mem + 2, other.fsw, 2);
        mem[4] = (uint8_t)rng_next(r);
        for (i = 0; i < 8; i++) {
            memcpy(mem + 32 + 16 * i, img + 28 + 10 * i, 10);
        }
        le_put(mem + 24, 0x1f80, 4);    /* MXCSR: the default, as the host uses */
        break;
    default:
        break;
    }
}

/* --- comparison ------------------------------------------------------------ */

static bool in_domain(const Enc *e, const X87State *s)
{
    floatx80 x = s->regs[(s->fsw >> 11) & 7];
    unsigned top = (s->fsw >> 11) & 7;
    int32_t exp = x.sign_exp & 0x7fff;

    if (((s->ftw >> (2 * top)) & 3) == 3) {
        return true;                    /* stack fault: defined */
    }
    if (e->flags & EF_F2XM1) {
        /* |x| <= 1, or a special value */
        return exp < 16383 || exp == 0x7fff || (exp == 16383 && x.mant == (1ULL << 63));
    }
    if (e->flags & EF_YL2XP1) {
        /* |x| < 1 - sqrt(2)/2 = 0.2928932188134524...: below 0.25 is inside */
        return exp < 16381 || exp == 0x7fff ||
               (exp == 16381 && x.mant < 0x95f619980c4336f7ULL);
    }
    return true;
}

/* D9 D8+i (FSTP1, an undocumented alias of FSTP ST(i)) with ST(0) empty:
 * AMD processors only pop, without a stack fault and without storing; the
 * emulated P6 treats the alias as FSTP (stack underflow, indefinite
 * stored), as DD D8+i does on both. */
static bool amd_fstp1_quirk(const Enc *e, const X87State *s)
{
    unsigned top = (s->fsw >> 11) & 7;

    return e->opcode == 0xd9 && (e->modrm & 0xf8) == 0xd8 &&
           ((s->ftw >> (2 * top)) & 3) == 3;
}

/* Bytes of a memory image that hold FIP/FCS/FOP/FDP/FDS (differ with the
 * host's addresses), or MXCSR/XMM (not the x87's). */
static bool mem_byte_masked(const Enc *e, unsigned i)
{
    if (e->flags & (EF_ENV_IMAGE | EF_SAVE_IMAGE)) {
        return (e->flags & EF_O16) ? (i >= 6 && i < 14) : (i >= 12 && i < 28);
    }
    if (e->flags & EF_FXSAVE) {
        return (i >= 6 && i < 32) || i >= 160;
    }
    return false;
}

static void dump_case(const Enc *e, const X87State *in, const HostRun *run,
                      const X87State *hs, const X87State *ms, const char *what)
{
    unsigned i;

    if (printed++ >= 40) {
        return;
    }
    fprintf(stderr, "MISMATCH %s [%02x %02x %02x] (%s): FCW=%04x FSW=%04x FTW=%04x\n", e->name,
            e->bytes[0], e->bytes[1], e->len > 2 ? e->bytes[2] : 0, what, in->fcw, in->fsw, in->ftw);
    for (i = 0; i < 8; i++) {
        unsigned p = (((in->fsw >> 11) & 7) + i) & 7;
        fprintf(stderr, "  in ST%u %04x:%016llx tag %u", i, in->regs[p].sign_exp,
                (unsigned long long)in->regs[p].mant, (in->ftw >> (2 * p)) & 3);
        p = (((hs->fsw >> 11) & 7) + i) & 7;
        fprintf(stderr, " | host %04x:%016llx", hs->regs[p].sign_exp,
                (unsigned long long)hs->regs[p].mant);
        p = (((ms->fsw >> 11) & 7) + i) & 7;
        fprintf(stderr, " | mine %04x:%016llx\n", ms->regs[p].sign_exp,
                (unsigned long long)ms->regs[p].mant);
    }
    fprintf(stderr, "  mem ");
    for (i = 0; i < 16; i++) {
        fprintf(stderr, "%02x", run->mem[i]);
    }
    fprintf(stderr, " host FCW=%04x FSW=%04x FTW=%04x  mine FCW=%04x FSW=%04x FTW=%04x  "
            "EFL in %03llx host %03llx\n",
            hs->fcw, hs->fsw, hs->ftw, ms->fcw, ms->fsw, ms->ftw,
            (unsigned long long)run->flags_in & 0x8d5, (unsigned long long)run->flags_out & 0x8d5);
}

/* Run the state 'in' and memory 'mem0' through both FPUs and compare. */
static void compare_case(Enc *e, const X87State *inp, const uint8_t *mem0, uint64_t eflags)
{
    static HostRun run;
    X87State in = *inp, ms, hs;
    TestMem tm;
    X87Insn insn;
    X87Result res = X87_OK;
    unsigned i, rc, pc;
    int sig;
    bool ulp1 = false, bad = false;
    const char *what = "";
    uint64_t my_flags;

    rc = (in.fcw >> 10) & 3;
    pc = (in.fcw >> 8) & 3;

    memcpy(run.mem, mem0, 512);
    image_from_state(&in, run.in);
    run.flags_in = eflags;
    sig = host_x87_run(&run, e->bytes, e->len);

    tmem_init(&tm);
    memcpy(tm.bytes, mem0, 512);
    ms = in;
    memset(&insn, 0, sizeof(insn));
    insn.opcode = e->opcode;
    insn.modrm = e->modrm;
    insn.opsize32 = !(e->flags & EF_O16);
    insn.protected_mode = true;
    insn.ip = 0x1234;
    insn.cs = 8;
    insn.ds = 0x10;
    insn.eflags = (uint32_t)run.flags_in;
    if (e->flags & EF_FXSAVE) {
        x87_fxsave(&ms, tm.bytes, true);
    } else if (e->flags & EF_FXRSTOR) {
        x87_fxrstor(&ms, tm.bytes, true);
    } else {
        res = x87_execute(&ms, &insn, &tm.ops);
    }

    e->runs++;
    total_runs++;
    rcpc_runs[rc][pc]++;
    if (sig == SIGILL || res == X87_UD) {
        if (sig == SIGILL && res == X87_UD) {
            e->ud++;
            return;
        }
        bad = true;
        what = "#UD disagreement";
        memset(&hs, 0, sizeof(hs));
        goto report;
    }
    if (sig != 0) {
        bad = true;
        what = "host trapped";
        memset(&hs, 0, sizeof(hs));
        goto report;
    }
    if (!in_domain(e, &in) || amd_fstp1_quirk(e, &in)) {
        e->skipped++;
        return;
    }
    state_from_image(&hs, run.out);
    if (tm.out_of_range) {
        bad = true;
        what = "memory access out of range";
    }
    /* Registers (all eight, by physical index). */
    for (i = 0; i < 8 && !bad; i++) {
        floatx80 a = hs.regs[i], b = ms.regs[i];
        if (a.mant != b.mant || a.sign_exp != b.sign_exp) {
            if ((e->flags & EF_TRANS) && fx80_ulp_distance(a, b) <= 1) {
                ulp1 = true;
            } else {
                bad = true;
                what = "register";
            }
        }
    }
    if (!bad && (hs.fcw != ms.fcw)) {
        bad = true;
        what = "FCW";
    }
    /* C1 of a transcendental reports the direction of the host's own
     * approximation, which is not correctly rounded: equal results can
     * come with different C1. */
    if (!bad && ((hs.fsw ^ ms.fsw) & ~((e->flags & EF_TRANS) ? 0x0200 : 0))) {
        bad = true;
        what = "FSW";
    }
    if (!bad && hs.ftw != ms.ftw) {
        bad = true;
        what = "FTW";
    }
    for (i = 0; i < 512 && !bad; i++) {
        if (run.mem[i] != tm.bytes[i] && !mem_byte_masked(e, i)) {
            bad = true;
            what = "memory";
        }
    }
    my_flags = insn.eflags_written ? insn.eflags_out : insn.eflags;
    if (!bad && ((run.flags_out ^ my_flags) & 0x8d5)) {
        bad = true;
        what = "EFLAGS";
    }
    if (!bad && (e->flags & EF_AX) && (!insn.ax_written || insn.ax_out != (uint16_t)run.rax_out)) {
        bad = true;
        what = "AX";
    }
    if (!bad && res != ((ms.fsw & 0x80) ? X87_FAULT_PENDING : X87_OK)) {
        bad = true;
        what = "result code";
    }
report:
    if (bad) {
        e->bad++;
        total_bad++;
        rcpc_bad[rc][pc]++;
        dump_case(e, &in, &run, &hs, &ms, what);
    } else if (ulp1) {
        e->ulp1++;
        if (getenv("X87_DIFF_SHOW_ULP")) {
            dump_case(e, &in, &run, &hs, &ms, "1 ulp");
        }
    } else {
        e->exact++;
    }
}

static void run_case(Rng *r, Enc *e)
{
    X87State in;
    uint8_t mem0[512];

    gen_state(r, &in, e);
    gen_memory(r, mem0, e, &in);
    compare_case(e, &in, mem0, 0x202 | (rng_next(r) & 0x8d5));
}

static unsigned long env_ulong(const char *name, unsigned long dflt)
{
    const char *v = getenv(name);
    return v && *v ? strtoul(v, NULL, 0) : dflt;
}

/* --- boundary-focused cases ----------------------------------------------
 * Random operands rarely produce results right at a rounding boundary, the
 * smallest normal, the largest finite value or an integer range limit.
 * These cases build operands whose exact results straddle them. */

static floatx80 mkx(bool sign, int32_t exp, uint64_t mant)
{
    floatx80 v;

    if (exp < 1) {
        /* denormal: shift the significand down */
        mant = 1 - exp >= 64 ? 0 : mant >> (1 - exp);
        exp = 0;
    }
    v.mant = mant;
    v.sign_exp = (uint16_t)((sign ? 0x8000 : 0) | (exp & 0x7fff));
    return v;
}

/* A significand around the rounding point of precision p: all ones at p
 * bits, the start of the binade, or an exact half-ulp tie, nudged by a
 * few units of 2^-63. */
static uint64_t boundary_mant(Rng *r, unsigned p)
{
    uint64_t ulp = p >= 64 ? 1 : 1ULL << (64 - p), m;
    uint64_t nudge = rng_below(r, 3);

    switch (rng_below(r, 4)) {
    case 0:
        m = (~0ULL & ~(ulp - 1)) - nudge;
        break;
    case 1:
        m = (1ULL << 63) + nudge;
        break;
    case 2:
        m = ((rng_next(r) | (1ULL << 63)) & ~(ulp - 1)) | (ulp >> 1);
        m = rng_below(r, 2) ? m + nudge : m - nudge;
        break;
    default:
        m = ~0ULL - nudge;
        break;
    }
    return m | (1ULL << 63);
}

static unsigned random_prec(Rng *r)
{
    static const unsigned p[3] = { 24, 53, 64 };
    return p[rng_below(r, 3)];
}

/* An exact value N/2 for a 64-bit N (FIST/FBSTP/FRNDINT limits). */
static floatx80 half_int(bool sign, uint64_t n)
{
    int sh = n ? __builtin_clzll(n) : 0;

    return n ? mkx(sign, 16383 + 63 - 1 - sh, n << sh) : mkx(sign, 0, 0);
}

typedef enum BoundKind {
    BK_MUL, BK_DIV, BK_ADD, BK_STORE32, BK_STORE64, BK_INT, BK_RNDINT, BK_SCALE,
} BoundKind;

static void boundary_state(Rng *r, X87State *s, uint8_t *mem, BoundKind k, Enc *e)
{
    /* Result exponents to aim at: the smallest normal, inside and at the
     * bottom of the denormals, the largest finite. */
    static const int32_t targets[5] = { 1, 0, -30, -62, 0x7ffe };
    int32_t t = targets[rng_below(r, 5)];
    unsigned p = random_prec(r), i;
    bool sa = rng_below(r, 2), sb = rng_below(r, 2);
    floatx80 a, b;
    uint16_t masks = rng_below(r, 3) ? 0x3f : (uint16_t)(0x07 | (rng_next(r) & 0x38));

    memset(s, 0, sizeof(*s));
    for (i = 0; i < 512; i++) {
        mem[i] = (uint8_t)rng_next(r);
    }
    s->fcw = (uint16_t)(0x40 | masks | (rng_next(r) & 0xf00));
    s->fsw = (uint16_t)(6 << 11);
    s->ftw = 0xffff;
    switch (k) {
    case BK_MUL:
        a = mkx(sa, 16383 - (int32_t)rng_below(r, 2), boundary_mant(r, p));
        b = mkx(sb, t + (int32_t)rng_below(r, 3), boundary_mant(r, p));
        break;
    case BK_DIV:
        a = mkx(sa, t + (int32_t)rng_below(r, 3), boundary_mant(r, p));
        b = mkx(sb, 16383 - (int32_t)rng_below(r, 2), boundary_mant(r, p));
        break;
    case BK_ADD:
        /* x plus about half an ulp of x at precision p */
        a = mkx(sa, t < 1 ? 1 : t, boundary_mant(r, p));
        b = mkx(rng_below(r, 2) ? sa : !sa, (t < 1 ? 1 : t) - (int32_t)p + (int32_t)rng_below(r, 3) - 1,
                boundary_mant(r, 64));
        break;
    case BK_STORE32:
    case BK_STORE64: {
        int32_t emin = k == BK_STORE32 ? 16383 - 126 : 16383 - 1022;
        int32_t emax = k == BK_STORE32 ? 16383 + 127 : 16383 + 1023;
        int32_t fp = k == BK_STORE32 ? 24 : 53;
        int32_t choice[4] = { emin, emin - 1, emin - fp + 1, emax };
        a = mkx(sa, choice[rng_below(r, 4)] + (int32_t)rng_below(r, 3) - 1, boundary_mant(r, (unsigned)fp));
        b = a;
        break;
    }
    case BK_INT: {
        static const uint64_t lim[4] = { 1ULL << 15, 1ULL << 31, 1000000000000000000ULL, 1ULL << 62 };
        uint64_t l = lim[rng_below(r, 4)];
        a = half_int(sa, 2 * l + rng_below(r, 7) - 3);
        if (rng_below(r, 4) == 0) {
            a = mkx(sa, 16383 + 62 + (int32_t)rng_below(r, 2), boundary_mant(r, 64));
        }
        b = a;
        break;
    }
    case BK_RNDINT:
        a = half_int(sa, rng_below(r, 2) ? rng_below(r, 64) : rng_next(r) >> rng_below(r, 64));
        b = a;
        break;
    default:                            /* BK_SCALE: ST0 * 2^ST1 near the limits */
        a = mkx(sa, 16383, boundary_mant(r, 64));
        b = half_int(t > 1000, 2 * (uint64_t)(t > 1000 ? t - 16383 : 16383 - t + (int32_t)rng_below(r, 70)));
        b.sign_exp = (uint16_t)(b.sign_exp ^ (t > 1000 ? 0 : 0x8000));
        break;
    }
    /* ST0 = a, ST1 = b (physical 6 and 7). */
    s->regs[6] = a;
    s->regs[7] = b;
    for (i = 6; i < 8; i++) {
        s->ftw = (uint16_t)((s->ftw & ~(3u << (2 * i))) | (test_tag_of(s->regs[i]) << (2 * i)));
    }
    (void)e;
}

static void test_boundaries(void **state)
{
    static const struct {
        BoundKind kind;
        uint8_t op, modrm;
    } forms[] = {
        { BK_MUL, 0xd8, 0xc9 },                 /* FMUL ST, ST(1) */
        { BK_DIV, 0xd8, 0xf1 },                 /* FDIV ST, ST(1) */
        { BK_ADD, 0xd8, 0xc1 },                 /* FADD ST, ST(1) */
        { BK_ADD, 0xd8, 0xe1 },                 /* FSUB ST, ST(1) */
        { BK_STORE32, 0xd9, 0x16 },             /* FST m32 */
        { BK_STORE64, 0xdd, 0x16 },             /* FST m64 */
        { BK_INT, 0xdf, 0x16 },                 /* FIST m16 */
        { BK_INT, 0xdb, 0x16 },                 /* FIST m32 */
        { BK_INT, 0xdf, 0x3e },                 /* FISTP m64 */
        { BK_INT, 0xdf, 0x36 },                 /* FBSTP */
        { BK_RNDINT, 0xd9, 0xfc },              /* FRNDINT */
        { BK_SCALE, 0xd9, 0xfd },               /* FSCALE */
    };
    unsigned long runs = env_ulong("X87_BOUNDARY_RUNS", 20000), k;
    Rng rng = { env_ulong("X87_DIFF_SEED", 0x87) * 0xD1B54A32D192ED03ULL | 1 };
    unsigned i, j;

    (void)state;
    if (!host_x87_available()) {
        skip();
    }
    build_encodings();
    total_runs = total_bad = 0;
    for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        Enc *e = NULL;
        for (j = 0; j < n_encs; j++) {
            if (encs[j].len == 2 && encs[j].bytes[0] == forms[i].op && encs[j].bytes[1] == forms[i].modrm) {
                e = &encs[j];
            }
        }
        assert_non_null(e);
        for (k = 0; k < runs; k++) {
            X87State in;
            uint8_t mem0[512];
            boundary_state(&rng, &in, mem0, forms[i].kind, e);
            compare_case(e, &in, mem0, 0x202);
        }
        printf("boundary %-12s %6lu runs %6lu exact %4lu mismatches\n", e->name, e->runs,
               e->exact, e->bad);
    }
    printf("x87 boundary differential: %lu cases, %lu mismatches\n", total_runs, total_bad);
    assert_int_equal(total_bad, 0);
}

static void test_differential(void **state)
{
    unsigned long runs = env_ulong("X87_DIFF_RUNS", 400000), k;
    Rng rng = { env_ulong("X87_DIFF_SEED", 0x87) * 0x9E3779B97F4A7C15ULL | 1 };
    unsigned i, rc, pc;
    const char *only;
    static const char *const rcn[4] = { "nearest", "down", "up", "zero" };
    static const char *const pcn[4] = { "24", "rsv", "53", "64" };

    (void)state;
    if (!host_x87_available()) {
        skip();
    }
    build_encodings();
    only = getenv("X87_DIFF_ONLY");
    for (k = 0; k < runs; k++) {
        Enc *e = &encs[rng_below(&rng, n_encs)];
        if (only && strcmp(e->name, only)) {
            continue;
        }
        run_case(&rng, e);
    }
    /* Per instruction, merging the ST(i) variants of one name. */
    printf("%-14s %8s %8s %6s %6s %6s %6s\n", "instruction", "runs", "exact", "1ulp",
           "undef", "#UD", "BAD");
    for (i = 0; i < n_encs; i++) {
        unsigned j;
        Enc sum = encs[i];
        bool first = true;
        for (j = 0; j < i; j++) {
            if (!strcmp(encs[j].name, encs[i].name)) {
                first = false;
            }
        }
        if (!first) {
            continue;
        }
        for (j = i + 1; j < n_encs; j++) {
            if (!strcmp(encs[j].name, encs[i].name)) {
                sum.runs += encs[j].runs;
                sum.exact += encs[j].exact;
                sum.ulp1 += encs[j].ulp1;
                sum.skipped += encs[j].skipped;
                sum.ud += encs[j].ud;
                sum.bad += encs[j].bad;
            }
        }
        printf("%-14s %8lu %8lu %6lu %6lu %6lu %6lu\n", sum.name, sum.runs, sum.exact,
               sum.ulp1, sum.skipped, sum.ud, sum.bad);
    }
    printf("rounding/precision: runs (mismatches)\n");
    for (rc = 0; rc < 4; rc++) {
        printf("  %-8s", rcn[rc]);
        for (pc = 0; pc < 4; pc++) {
            printf("  PC=%-3s %7lu (%lu)", pcn[pc], rcpc_runs[rc][pc], rcpc_bad[rc][pc]);
        }
        printf("\n");
    }
    printf("x87 differential: %lu cases, %lu mismatches\n", total_runs, total_bad);
    assert_int_equal(total_bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_differential),
        cmocka_unit_test(test_boundaries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
