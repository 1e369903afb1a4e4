/*
 * Directed tests of the x87 instruction layer through x87_execute and a
 * fake X87Mem: stack faults, tags, the environment/state image layouts
 * (including the real-mode ones no 64-bit host can produce), BCD, integer
 * stores, FCOMI, unmasked exceptions, pointer registers, fault atomicity,
 * FXSAVE/FXRSTOR.  Expected values come from the Intel SDM (cited per
 * test) and, where marked, from measurements on hardware.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "x87-test-util.h"

/* Status word bits (SDM vol. 1 figure 8-4). */
#define IE 0x0001
#define DE 0x0002
#define ZE 0x0004
#define OE 0x0008
#define UE 0x0010
#define PE 0x0020
#define SF 0x0040
#define ES 0x0080
#define C0 0x0100
#define C1 0x0200
#define C2 0x0400
#define C3 0x4000
#define B 0x8000

typedef struct Fpu {
    X87State s;
    TestMem m;
    X87Insn in;
} Fpu;

static Fpu fpu;

static int setup(void **state)
{
    (void)state;
    x87_init(&fpu.s);
    tmem_init(&fpu.m);
    return 0;
}

/* Run one instruction; memory forms use modrm mod=00 (the effective
 * address is the core's business: the operand is at offset 0). */
static X87Result run(uint8_t opcode, uint8_t modrm)
{
    memset(&fpu.in, 0, sizeof(fpu.in));
    fpu.in.opcode = opcode;
    fpu.in.modrm = modrm;
    fpu.in.opsize32 = true;
    fpu.in.protected_mode = true;
    fpu.in.ip = 0x1000;
    fpu.in.cs = 0x08;
    fpu.in.dp = 0x2000;
    fpu.in.ds = 0x10;
    return x87_execute(&fpu.s, &fpu.in, &fpu.m.ops);
}

static X87Result run_mem(uint8_t opcode, unsigned reg)
{
    return run(opcode, (uint8_t)(reg << 3));
}

static floatx80 fx(bool sign, uint16_t exp, uint64_t mant)
{
    floatx80 v = { mant, (uint16_t)((sign ? 0x8000 : 0) | exp) };
    return v;
}

static void fld80(floatx80 v)
{
    le_put(fpu.m.bytes, v.mant, 8);
    le_put(fpu.m.bytes + 8, v.sign_exp, 2);
    assert_int_equal(run_mem(0xdb, 5), X87_OK);
}

static void fld_double(double d)
{
    uint64_t bits;

    memcpy(&bits, &d, 8);
    le_put(fpu.m.bytes, bits, 8);
    run_mem(0xdd, 0);
}

static double st_double(unsigned i)
{
    /* FST m64 of ST(i) via FLD ST(i) / FSTP m64 would change the stack;
     * convert the register directly (exact for the values used here). */
    floatx80 v = fpu.s.regs[(((fpu.s.fsw >> 11) & 7) + i) & 7];
    double d = (double)v.mant;
    int e = (v.sign_exp & 0x7fff) - 16383 - 63;
    while (e > 0) {
        d *= 2;
        e--;
    }
    while (e < 0) {
        d /= 2;
        e++;
    }
    return (v.sign_exp & 0x8000) ? -d : d;
}

static floatx80 st(unsigned i)
{
    return fpu.s.regs[(((fpu.s.fsw >> 11) & 7) + i) & 7];
}

static unsigned top(void)
{
    return (fpu.s.fsw >> 11) & 7;
}

static void set_fcw(uint16_t cw)
{
    le_put(fpu.m.bytes, cw, 2);
    run_mem(0xd9, 5);
}

static void assert_fx(floatx80 v, uint16_t se, uint64_t mant)
{
    if (v.sign_exp != se || v.mant != mant) {
        fail_msg("got %04x:%016llx, want %04x:%016llx", v.sign_exp,
                 (unsigned long long)v.mant, se, (unsigned long long)mant);
    }
}

/* Field by field: the structs have padding (floatx80 is 10 bytes in 16). */
static void assert_state_equal(const X87State *a, const X87State *b)
{
    unsigned i;

    assert_int_equal(a->fcw, b->fcw);
    assert_int_equal(a->fsw, b->fsw);
    assert_int_equal(a->ftw, b->ftw);
    assert_int_equal(a->fop, b->fop);
    assert_int_equal(a->fip, b->fip);
    assert_int_equal(a->fdp, b->fdp);
    assert_int_equal(a->fcs, b->fcs);
    assert_int_equal(a->fds, b->fds);
    for (i = 0; i < 8; i++) {
        assert_int_equal(a->regs[i].mant, b->regs[i].mant);
        assert_int_equal(a->regs[i].sign_exp, b->regs[i].sign_exp);
    }
}

/* --- tests -------------------------------------------------------------- */

static void test_init_state(void **state)
{
    (void)state;
    /* SDM vol. 3A table 9-1: FCW 037FH, FSW 0, FTW FFFFH after FNINIT. */
    assert_int_equal(fpu.s.fcw, 0x037f);
    assert_int_equal(fpu.s.fsw, 0);
    assert_int_equal(fpu.s.ftw, 0xffff);
    assert_int_equal(run_mem(0xd9, 7), X87_OK);            /* FNSTCW */
    assert_int_equal(le_get(fpu.m.bytes, 2), 0x037f);
    fld_double(1.0);
    assert_int_equal(run(0xdf, 0xe0), X87_OK);              /* FNSTSW AX */
    assert_true(fpu.in.ax_written);
    assert_int_equal(fpu.in.ax_out, 7 << 11);               /* TOP = 7 */
    assert_int_equal(run(0xdb, 0xe3), X87_OK);              /* FNINIT */
    assert_int_equal(fpu.s.fsw, 0);
    assert_int_equal(fpu.s.ftw, 0xffff);
}

static void test_stack_overflow(void **state)
{
    unsigned i;

    (void)state;
    for (i = 0; i < 8; i++) {
        assert_int_equal(run(0xd9, 0xe8), X87_OK);          /* FLD1 */
    }
    assert_int_equal(fpu.s.ftw, 0x0000);
    /* Ninth push: stack overflow, IE + SF with C1 = 1; masked, the real
     * indefinite is pushed (SDM vol. 1 8.5.1.1). */
    assert_int_equal(run(0xd9, 0xee), X87_OK);              /* FLDZ */
    assert_int_equal(fpu.s.fsw & (IE | SF | C1 | ES), IE | SF | C1);
    assert_int_equal(top(), 7);
    assert_fx(st(0), 0xffff, 0xc000000000000000ULL);
    /* Unmasked: nothing changes but the flags, and it is pending. */
    set_fcw(0x037e);
    assert_int_equal(run(0xdb, 0xe2), X87_OK);              /* FNCLEX */
    assert_int_equal(run(0xd9, 0xe8), X87_FAULT_PENDING);
    assert_int_equal(top(), 7);
    assert_int_equal(fpu.s.fsw & (IE | SF | C1 | ES | B), IE | SF | C1 | ES | B);
    assert_true(x87_exception_pending(&fpu.s));
}

static void test_stack_underflow(void **state)
{
    (void)state;
    fld_double(2.0);
    /* FADD ST(0), ST(3): ST(3) empty -> IE + SF, C1 = 0, masked result
     * the indefinite (SDM vol. 1 8.5.1.1). */
    fpu.s.fsw |= C1;
    assert_int_equal(run(0xd8, 0xc3), X87_OK);
    assert_int_equal(fpu.s.fsw & (IE | SF | C1), IE | SF);
    assert_fx(st(0), 0xffff, 0xc000000000000000ULL);
    /* Unmasked: ST(0) keeps its value. */
    run(0xdb, 0xe2);
    fld_double(3.0);
    set_fcw(0x037e);
    assert_int_equal(run(0xd8, 0xc5), X87_FAULT_PENDING);
    assert_true(st_double(0) == 3.0);
    /* FSTP m64 from an empty ST(0), masked: stores the double indefinite
     * FFF8000000000000 and pops (SDM vol. 2A FST). */
    run(0xdb, 0xe3);
    memset(fpu.m.bytes, 0x55, 16);
    assert_int_equal(run_mem(0xdd, 3), X87_OK);
    assert_int_equal(le_get(fpu.m.bytes, 8), 0xfff8000000000000ULL);
    assert_int_equal(fpu.s.fsw & (IE | SF), IE | SF);
    assert_int_equal(top(), 1);
}

static void test_tags(void **state)
{
    (void)state;
    /* Tags per SDM vol. 1 figure 8-7: 00 valid, 01 zero, 10 special
     * (NaN, infinity, denormal, unsupported), 11 empty.  Pushed in order,
     * so physical registers 7, 6, 5, ... */
    fld80(fx(false, 0x3fff, 1ULL << 63));                   /* R7: valid */
    fld80(fx(true, 0, 0));                                  /* R6: zero */
    fld80(fx(false, 0, 1));                                 /* R5: denormal */
    fld80(fx(false, 0x7fff, 1ULL << 63));                   /* R4: infinity */
    fld80(fx(false, 0x4000, 0x4000000000000000ULL));        /* R3: unnormal */
    assert_int_equal(fpu.s.ftw, 0x1abf);
    /* FFREE ST(1) empties R4; FINCSTP moves TOP without touching tags. */
    run(0xdd, 0xc1);
    assert_int_equal((fpu.s.ftw >> 8) & 3, 3);
    run(0xd9, 0xf7);
    assert_int_equal(top(), 4);
    assert_int_equal((fpu.s.ftw >> 6) & 3, 2);              /* R3 still in use */
    run(0xd9, 0xf6);                                        /* FDECSTP */
    assert_int_equal(top(), 3);
    /* FXCH with the empty ST(1): stack underflow; masked, the empty side
     * takes part as the indefinite (SDM vol. 2A FXCH). */
    run(0xd9, 0xc9);
    assert_int_equal(fpu.s.fsw & (IE | SF), IE | SF);
    assert_fx(st(0), 0xffff, 0xc000000000000000ULL);
    assert_fx(st(1), 0x4000, 0x4000000000000000ULL);
    /* FXAM (SDM vol. 2A table): NaN 001 with C1 = sign, unsupported 000,
     * empty 101. */
    run(0xdb, 0xe2);
    run(0xd9, 0xe5);
    assert_int_equal(fpu.s.fsw & (C3 | C2 | C1 | C0), C1 | C0);
    run(0xd9, 0xc9);
    run(0xd9, 0xe5);
    assert_int_equal(fpu.s.fsw & (C3 | C2 | C1 | C0), 0);
    run(0xdd, 0xc0);                                        /* FFREE ST(0) */
    run(0xd9, 0xe5);
    assert_int_equal(fpu.s.fsw & (C3 | C2 | C0), C3 | C0);
}

/* Write a known state: TOP 6, two registers, pointers, FOP. */
static void known_state(void)
{
    x87_init(&fpu.s);
    fld_double(1.5);                                        /* R7 */
    fld_double(-0.0);                                       /* R6 */
    fpu.in.ip = 0;
    /* A non-control instruction with a memory operand sets FOP/FIP/FDP. */
    memset(&fpu.in, 0, sizeof(fpu.in));
    fpu.in.opcode = 0xdc;
    fpu.in.modrm = 0x15;                                    /* FCOM m64 */
    fpu.in.opsize32 = true;
    fpu.in.protected_mode = true;
    fpu.in.ip = 0x00005678;
    fpu.in.cs = 0x1234;
    fpu.in.dp = 0x00009abc;
    fpu.in.ds = 0x0def;
    le_put(fpu.m.bytes, 0, 8);                              /* + 0.0 */
    assert_int_equal(x87_execute(&fpu.s, &fpu.in, &fpu.m.ops), X87_OK);
    fpu.s.fsw |= C3 | C0;
}

static X87Result run_image(uint8_t opcode, unsigned reg, bool op32, bool pm)
{
    memset(&fpu.in, 0, sizeof(fpu.in));
    fpu.in.opcode = opcode;
    fpu.in.modrm = (uint8_t)(reg << 3);
    fpu.in.opsize32 = op32;
    fpu.in.protected_mode = pm;
    return x87_execute(&fpu.s, &fpu.in, &fpu.m.ops);
}

static void test_fsave_32bit_protected(void **state)
{
    const uint8_t *p = fpu.m.bytes;
    X87State before;
    unsigned i;

    (void)state;
    known_state();
    before = fpu.s;
    memset(fpu.m.bytes, 0xaa, sizeof(fpu.m.bytes));
    assert_int_equal(run_image(0xdd, 6, true, true), X87_OK);   /* FNSAVE */
    /* SDM vol. 1 figure 8-9: 28-byte environment, then ST0..ST7. */
    assert_int_equal(le_get(p + 0, 4), 0xffff037fu);
    assert_int_equal(le_get(p + 4, 2), before.fsw);
    assert_int_equal(le_get(p + 8, 2), 0x1fff);             /* R7 valid, R6 zero */
    assert_int_equal(le_get(p + 12, 4), 0x5678);
    assert_int_equal(le_get(p + 16, 2), 0x1234);
    assert_int_equal(le_get(p + 18, 2), 0x415);              /* FOP: DC 05 */
    assert_int_equal(le_get(p + 20, 4), 0x9abc);
    assert_int_equal(le_get(p + 24, 2), 0x0def);
    assert_int_equal(le_get(p + 36, 2), 0x8000);             /* ST0 = -0 */
    assert_int_equal(le_get(p + 28, 8), 0);
    assert_int_equal(le_get(p + 46, 2), 0x3fff);             /* ST1 = 1.5 */
    assert_int_equal(le_get(p + 38, 8), 0xc000000000000000ULL);
    assert_int_equal(p[108], 0xaa);                          /* nothing beyond */
    /* FNSAVE then re-initializes (SDM vol. 2A FSAVE). */
    assert_int_equal(fpu.s.fcw, 0x037f);
    assert_int_equal(fpu.s.ftw, 0xffff);
    assert_int_equal(fpu.s.fsw, 0);
    /* FRSTOR brings everything back. */
    assert_int_equal(run_image(0xdd, 4, true, true), X87_OK);
    assert_int_equal(fpu.s.fcw, before.fcw);
    assert_int_equal(fpu.s.fsw, before.fsw);
    assert_int_equal(fpu.s.ftw, before.ftw);
    assert_int_equal(fpu.s.fip, before.fip);
    assert_int_equal(fpu.s.fcs, before.fcs);
    assert_int_equal(fpu.s.fop, before.fop);
    assert_int_equal(fpu.s.fdp, before.fdp);
    assert_int_equal(fpu.s.fds, before.fds);
    for (i = 0; i < 8; i++) {
        assert_int_equal(fpu.s.regs[i].mant, before.regs[i].mant);
        assert_int_equal(fpu.s.regs[i].sign_exp, before.regs[i].sign_exp);
    }
}

static void test_env_16bit_protected(void **state)
{
    const uint8_t *p = fpu.m.bytes;

    (void)state;
    known_state();
    memset(fpu.m.bytes, 0xaa, sizeof(fpu.m.bytes));
    assert_int_equal(run_image(0xd9, 6, false, true), X87_OK);  /* FNSTENV */
    /* SDM vol. 1 figure 8-11: 14 bytes, no opcode. */
    assert_int_equal(le_get(p + 0, 2), 0x037f);
    assert_int_equal(le_get(p + 4, 2), 0x1fff);
    assert_int_equal(le_get(p + 6, 2), 0x5678);
    assert_int_equal(le_get(p + 8, 2), 0x1234);
    assert_int_equal(le_get(p + 10, 2), 0x9abc);
    assert_int_equal(le_get(p + 12, 2), 0x0def);
    assert_int_equal(p[14], 0xaa);
    /* FNSTENV masks all exceptions (SDM vol. 2A FSTENV). */
    assert_int_equal(fpu.s.fcw & 0x3f, 0x3f);
    /* FLDENV of a modified image: a new control word and pointers. */
    le_put(fpu.m.bytes + 0, 0x0c7f, 2);
    le_put(fpu.m.bytes + 6, 0x4321, 2);
    assert_int_equal(run_image(0xd9, 4, false, true), X87_OK);
    assert_int_equal(fpu.s.fcw, 0x0c7f);
    assert_int_equal(fpu.s.fip, 0x4321);
    assert_int_equal(fpu.s.fcs, 0x1234);
}

static void test_env_real_mode(void **state)
{
    const uint8_t *p = fpu.m.bytes;

    (void)state;
    /* Real mode stores 20-bit (16-bit format) or 32-bit linear pointers:
     * 1234:5678 -> 179B8, 0DEF:9ABC -> 179AC (SDM vol. 1 figures 8-10,
     * 8-12), with the opcode beside the high bits. */
    known_state();
    memset(fpu.m.bytes, 0xaa, sizeof(fpu.m.bytes));
    assert_int_equal(run_image(0xd9, 6, true, false), X87_OK);
    assert_int_equal(le_get(p + 12, 2), 0x79b8);
    assert_int_equal(le_get(p + 16, 4), 0x415 | (0x0001u << 12));
    assert_int_equal(le_get(p + 20, 2), 0x79ac);
    assert_int_equal(le_get(p + 24, 4), 0x0001u << 12);
    /* Loading it back in real mode yields the same linear pointers. */
    assert_int_equal(run_image(0xd9, 4, true, false), X87_OK);
    assert_int_equal(fpu.s.fip + ((uint32_t)fpu.s.fcs << 4), 0x179b8);
    assert_int_equal(fpu.s.fdp + ((uint32_t)fpu.s.fds << 4), 0x179ac);
    assert_int_equal(fpu.s.fop, 0x415);

    known_state();
    memset(fpu.m.bytes, 0xaa, sizeof(fpu.m.bytes));
    assert_int_equal(run_image(0xdd, 6, false, false), X87_OK);    /* FNSAVE 16 */
    assert_int_equal(le_get(p + 6, 2), 0x79b8);
    assert_int_equal(le_get(p + 8, 2), 0x415 | (0x1 << 12));
    assert_int_equal(le_get(p + 10, 2), 0x79ac);
    assert_int_equal(le_get(p + 12, 2), 0x1 << 12);
    assert_int_equal(le_get(p + 14 + 8, 2), 0x8000);                /* ST0 = -0 */
    assert_int_equal(le_get(p + 24 + 8, 2), 0x3fff);                /* ST1 = 1.5 */
    assert_int_equal(p[94], 0xaa);
    assert_int_equal(run_image(0xdd, 4, false, false), X87_OK);    /* FRSTOR 16 */
    assert_int_equal(fpu.s.ftw, 0x1fff);
    assert_true(st_double(1) == 1.5);
    assert_int_equal(fpu.s.fip, 0x179b8);
}

static void test_fldenv_tags_and_pending(void **state)
{
    (void)state;
    /* FLDENV takes only "empty" from the tag word; an image with a flag
     * set and unmasked makes it pending (SDM vol. 2A FLDENV). */
    fld_double(0.0);
    run_mem(0xd9, 6);                                       /* FNSTENV */
    le_put(fpu.m.bytes + 8, 0x3fff, 2);                      /* R7 "valid" */
    le_put(fpu.m.bytes + 0, 0x037b, 2);                      /* ZE unmasked */
    le_put(fpu.m.bytes + 4, (7 << 11) | ZE, 2);
    assert_int_equal(run_mem(0xd9, 4), X87_FAULT_PENDING);
    assert_int_equal(fpu.s.ftw, 0x7fff);                     /* zero after all */
    assert_int_equal(fpu.s.fsw & (ES | B), ES | B);
}

static void test_bcd(void **state)
{
    static const uint8_t bcd_in[10] = { 0x78, 0x56, 0x34, 0x12, 0x90, 0x78, 0x56, 0x34, 0x12, 0x80 };
    static const uint8_t indef[10] = { 0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff };

    (void)state;
    /* FBLD -123456789012345678 (SDM vol. 1 4.7). */
    memcpy(fpu.m.bytes, bcd_in, 10);
    assert_int_equal(run_mem(0xdf, 4), X87_OK);
    assert_true(st_double(0) == -123456789012345678.0);
    /* FBSTP stores it back exactly, after probing all 10 bytes. */
    memset(fpu.m.bytes, 0, 16);
    fpu.m.probes = 0;
    fpu.m.wrote_before_probe = false;
    assert_int_equal(run_mem(0xdf, 6), X87_OK);
    assert_memory_equal(fpu.m.bytes, bcd_in, 10);
    assert_int_equal(fpu.m.probed_len, 10);
    assert_false(fpu.m.wrote_before_probe);
    assert_int_equal(top(), 0);
    /* 10^18 does not fit: IE, the BCD indefinite (SDM vol. 1 table 4-9). */
    fld_double(1e18);
    assert_int_equal(run_mem(0xdf, 6), X87_OK);
    assert_memory_equal(fpu.m.bytes, indef, 10);
    assert_int_equal(fpu.s.fsw & IE, IE);
    /* -2.5 rounds to even per RC: -2, inexact. */
    run(0xdb, 0xe3);
    fld_double(-2.5);
    assert_int_equal(run_mem(0xdf, 6), X87_OK);
    assert_int_equal(fpu.m.bytes[0], 0x02);
    assert_int_equal(fpu.m.bytes[9], 0x80);
    assert_int_equal(fpu.s.fsw & (PE | IE | C1), PE);
}

static void test_fist_overflow(void **state)
{
    (void)state;
    /* FIST m16 of 32767.5: rounds (to even) to 32768, out of range: IE and
     * the integer indefinite 8000H (SDM vol. 2A FIST). */
    fld_double(32767.5);
    le_put(fpu.m.bytes, 0x1111, 2);
    assert_int_equal(run_mem(0xdf, 2), X87_OK);
    assert_int_equal(le_get(fpu.m.bytes, 2), 0x8000);
    assert_int_equal(fpu.s.fsw & (IE | PE), IE);
    /* Round toward zero makes it fit: 32767, inexact, not rounded up. */
    run(0xdb, 0xe2);
    set_fcw(0x0f7f);
    assert_int_equal(run_mem(0xdf, 2), X87_OK);
    assert_int_equal(le_get(fpu.m.bytes, 2), 32767);
    assert_int_equal(fpu.s.fsw & (IE | PE | C1), PE);
    /* -32768.9 toward zero: -32768, fits. */
    fld_double(-32768.9);
    assert_int_equal(run_mem(0xdf, 3), X87_OK);               /* FISTP */
    assert_int_equal(le_get(fpu.m.bytes, 2), 0x8000);
    assert_int_equal(fpu.s.fsw & IE, 0);
    /* FISTP m64 of 2^63: invalid; -2^63 is fine. */
    fld80(fx(false, 16383 + 63, 1ULL << 63));
    assert_int_equal(run_mem(0xdf, 7), X87_OK);
    assert_int_equal(le_get(fpu.m.bytes, 8), 0x8000000000000000ULL);
    assert_int_equal(fpu.s.fsw & IE, IE);
    run(0xdb, 0xe2);
    fld80(fx(true, 16383 + 63, 1ULL << 63));
    le_put(fpu.m.bytes, 0, 8);
    assert_int_equal(run_mem(0xdf, 7), X87_OK);
    assert_int_equal(le_get(fpu.m.bytes, 8), 0x8000000000000000ULL);
    assert_int_equal(fpu.s.fsw & IE, 0);
    /* Unmasked IE: nothing stored, nothing popped (SDM vol. 1 8.5.1.2). */
    set_fcw(0x037e);
    fld_double(1e10);
    le_put(fpu.m.bytes, 0x2222, 2);
    assert_int_equal(run_mem(0xdf, 3), X87_FAULT_PENDING);
    assert_int_equal(le_get(fpu.m.bytes, 2), 0x2222);
    assert_true(st_double(0) == 1e10);
}

static void test_fcomi(void **state)
{
    static const struct {
        double a, b;
        uint32_t flags;                 /* ZF PF CF */
    } cases[] = {
        { 2.0, 1.0, 0 },
        { 1.0, 2.0, 0x001 },
        { -0.0, 0.0, 0x040 },
    };
    unsigned i;

    (void)state;
    for (i = 0; i < 3; i++) {
        x87_init(&fpu.s);
        fld_double(cases[i].b);
        fld_double(cases[i].a);
        memset(&fpu.in, 0, sizeof(fpu.in));
        fpu.in.opcode = 0xdb;
        fpu.in.modrm = 0xf1;                                /* FCOMI ST, ST(1) */
        fpu.in.eflags = 0x8d5 | 0x202 | 0x400;              /* all set + DF */
        assert_int_equal(x87_execute(&fpu.s, &fpu.in, &fpu.m.ops), X87_OK);
        assert_true(fpu.in.eflags_written);
        /* ZF PF CF per SDM vol. 2A FCOMI table, OF SF AF cleared, the rest
         * preserved. */
        assert_int_equal(fpu.in.eflags_out, 0x602 | cases[i].flags);
    }
    /* Unordered: FUCOMI with a QNaN sets ZF PF CF without IE; FCOMIP sets
     * IE and pops. */
    x87_init(&fpu.s);
    fld80(fx(false, 0x7fff, 0xc000000000000001ULL));
    fld_double(1.0);
    fpu.in.eflags = 0x202;
    memset(&fpu.in, 0, sizeof(fpu.in));
    fpu.in.opcode = 0xdb;
    fpu.in.modrm = 0xe9;
    x87_execute(&fpu.s, &fpu.in, &fpu.m.ops);
    assert_int_equal(fpu.in.eflags_out & 0x45, 0x45);
    assert_int_equal(fpu.s.fsw & IE, 0);
    memset(&fpu.in, 0, sizeof(fpu.in));
    fpu.in.opcode = 0xdf;
    fpu.in.modrm = 0xf1;
    x87_execute(&fpu.s, &fpu.in, &fpu.m.ops);
    assert_int_equal(fpu.in.eflags_out & 0x45, 0x45);
    assert_int_equal(fpu.s.fsw & IE, IE);
    assert_int_equal(top(), 7);
}

static void test_fcom_condition_codes(void **state)
{
    (void)state;
    /* FCOM: C3 C2 C0 = 000 >, 001 <, 100 =, 111 unordered (SDM vol. 2A). */
    fld_double(1.0);
    fld_double(5.0);
    run(0xd8, 0xd1);
    assert_int_equal(fpu.s.fsw & (C3 | C2 | C0), 0);
    run(0xd9, 0xc9);                                        /* FXCH */
    run(0xd8, 0xd1);
    assert_int_equal(fpu.s.fsw & (C3 | C2 | C0), C0);
    run(0xd9, 0xe4);                                        /* FTST: 1 > 0 */
    assert_int_equal(fpu.s.fsw & (C3 | C2 | C0), 0);
    run(0xde, 0xd9);                                        /* FCOMPP */
    assert_int_equal(top(), 0);
    assert_int_equal(fpu.s.ftw, 0xffff);
}

static void test_unmasked_pending(void **state)
{
    (void)state;
    /* Unmask ZE; 1/0 raises it: ES and B set, destination unchanged
     * (SDM vol. 1 8.5.3), X87_FAULT_PENDING for the core. */
    set_fcw(0x037b);
    fld_double(0.0);
    fld_double(1.0);
    assert_int_equal(run(0xd8, 0xf1), X87_FAULT_PENDING);   /* FDIV ST, ST(1) */
    assert_int_equal(fpu.s.fsw & (ZE | ES | B), ZE | ES | B);
    assert_true(st_double(0) == 1.0);
    assert_true(x87_exception_pending(&fpu.s));
    /* FNCLEX clears the flags and the summary. */
    assert_int_equal(run(0xdb, 0xe2), X87_OK);
    assert_false(x87_exception_pending(&fpu.s));
    /* Masked, the same division gives +inf. */
    set_fcw(0x037f);
    run(0xd8, 0xf1);
    assert_fx(st(0), 0x7fff, 1ULL << 63);
    /* Unmasking a flag already set makes it pending at once (SDM vol. 2A
     * FLDCW). */
    assert_int_equal(fpu.s.fsw & ZE, ZE);
    le_put(fpu.m.bytes, 0x037b, 2);
    assert_int_equal(run_mem(0xd9, 5), X87_FAULT_PENDING);
    /* An unmasked overflow on a register delivers the result with the
     * exponent reduced by 24576 (SDM vol. 1 8.5.4). */
    x87_init(&fpu.s);
    set_fcw(0x0377);
    fld80(fx(false, 0x7000, 1ULL << 63));
    run(0xd8, 0xc8);                                        /* FMUL ST, ST */
    assert_fx(st(0), 0x7000 * 2 - 16383 - 24576, 1ULL << 63);
    assert_int_equal(fpu.s.fsw & (OE | ES), OE | ES);
}

static void test_denormal_operand(void **state)
{
    (void)state;
    /* DE unmasked: FADD with a denormal operand is not performed. */
    set_fcw(0x037d);
    fld80(fx(false, 0, 0x0000000000001000ULL));
    fld_double(1.0);
    assert_int_equal(run(0xd8, 0xc1), X87_FAULT_PENDING);
    assert_true(st_double(0) == 1.0);
    assert_int_equal(fpu.s.fsw & (DE | ES), DE | ES);
    /* Masked: performed, DE and PE reported. */
    run(0xdb, 0xe2);
    set_fcw(0x037f);
    assert_int_equal(run(0xd8, 0xc1), X87_OK);
    assert_int_equal(fpu.s.fsw & (DE | PE), DE | PE);
}

static void test_pointers(void **state)
{
    (void)state;
    /* FOP/FIP/FDP follow the last non-control instruction (SDM vol. 1
     * 8.1.8, 8.1.9); control instructions leave them alone; register
     * forms leave FDP alone. */
    fld_double(2.0);
    assert_int_equal(fpu.s.fop, 0x500);                      /* DD 00 */
    assert_int_equal(fpu.s.fip, 0x1000);
    assert_int_equal(fpu.s.fdp, 0x2000);
    assert_int_equal(fpu.s.fds, 0x10);
    fpu.in.ip = 0;
    memset(&fpu.in, 0, sizeof(fpu.in));
    fpu.in.opcode = 0xd9;
    fpu.in.modrm = 0xe1;                                    /* FABS */
    fpu.in.ip = 0x3000;
    fpu.in.dp = 0x4000;
    x87_execute(&fpu.s, &fpu.in, &fpu.m.ops);
    assert_int_equal(fpu.s.fop, 0x1e1);
    assert_int_equal(fpu.s.fip, 0x3000);
    assert_int_equal(fpu.s.fdp, 0x2000);
    run_mem(0xd9, 7);                                       /* FNSTCW */
    assert_int_equal(fpu.s.fop, 0x1e1);
    assert_int_equal(fpu.s.fip, 0x3000);
}

static jmp_buf fault_jmp;

static void test_fault_leaves_state(void **state)
{
    X87State before;
    static const struct {
        uint8_t opcode, reg;
        unsigned size;
    } stores[] = {
        { 0xdd, 6, 108 },                                   /* FNSAVE */
        { 0xdb, 7, 10 },                                    /* FSTP m80 */
        { 0xdf, 6, 10 },                                    /* FBSTP */
        { 0xd9, 6, 28 },                                    /* FNSTENV */
        { 0xdd, 3, 8 },                                     /* FSTP m64 */
    };
    /* volatile: live across the longjmp below */
    volatile unsigned i;

    (void)state;
    for (i = 0; i < sizeof(stores) / sizeof(stores[0]); i++) {
        x87_init(&fpu.s);
        tmem_init(&fpu.m);
        fld_double(12.0);
        before = fpu.s;
        /* The last byte of the destination faults (the core longjmps out
         * of probe_write/write): nothing may have been written and the
         * FPU state must be unchanged. */
        memset(fpu.m.bytes, 0x77, sizeof(fpu.m.bytes));
        fpu.m.fault_at = (int)stores[i].size - 1;
        fpu.m.fault_jmp = &fault_jmp;
        fpu.m.writes = 0;
        if (setjmp(fault_jmp) == 0) {
            run_mem(stores[i].opcode, stores[i].reg);
            fail_msg("store %02x /%u did not fault", stores[i].opcode, stores[i].reg);
        }
        assert_int_equal(fpu.m.writes, 0);
        assert_state_equal(&fpu.s, &before);
    }
}

static void test_ud_and_nowait(void **state)
{
    static const uint8_t ud[][2] = {
        { 0xdb, 0x08 }, { 0xdd, 0x08 }, { 0xdf, 0x08 },     /* FISTTP: SSE3 */
        { 0xd9, 0x08 }, { 0xdb, 0x20 }, { 0xdd, 0x28 },     /* reserved /r */
        { 0xd9, 0xd1 }, { 0xd9, 0xe2 }, { 0xd9, 0xef }, { 0xda, 0xe8 },
        { 0xdb, 0xe5 }, { 0xdb, 0xf8 }, { 0xdd, 0xf0 }, { 0xde, 0xd8 },
        { 0xdf, 0xe1 }, { 0xdf, 0xf8 },
    };
    X87State before;
    unsigned i;

    (void)state;
    fld_double(1.0);
    before = fpu.s;
    for (i = 0; i < sizeof(ud) / sizeof(ud[0]); i++) {
        assert_int_equal(run(ud[i][0], ud[i][1]), X87_UD);
        assert_state_equal(&fpu.s, &before);
    }
    /* The no-wait forms (SDM vol. 2A: FNINIT, FNCLEX, FNSTSW, FNSTCW,
     * FNSTENV, FNSAVE; FNENI/FNDISI/FNSETPM); FNOP does wait. */
    assert_true(x87_is_nowait(0xdb, 0xe3));
    assert_true(x87_is_nowait(0xdb, 0xe2));
    assert_true(x87_is_nowait(0xdf, 0xe0));
    assert_true(x87_is_nowait(0xdd, 0x38));
    assert_true(x87_is_nowait(0xd9, 0x38));
    assert_true(x87_is_nowait(0xd9, 0x30));
    assert_true(x87_is_nowait(0xdd, 0x30));
    assert_true(x87_is_nowait(0xdb, 0xe4));
    assert_false(x87_is_nowait(0xd9, 0xd0));
    assert_false(x87_is_nowait(0xd9, 0x28));                /* FLDCW waits */
    assert_false(x87_is_nowait(0xdd, 0x20));                /* FRSTOR */
    assert_false(x87_is_nowait(0xde, 0xc1));
}

static void test_fxsave(void **state)
{
    uint8_t area[160];
    X87State back;

    (void)state;
    known_state();
    memset(area, 0x99, sizeof(area));
    x87_fxsave(&fpu.s, area, true);
    /* SDM vol. 2A FXSAVE table: abridged tag (1 = in use), registers in
     * stack order at 32 + 16 i. */
    assert_int_equal(le_get(area, 2), 0x037f);
    assert_int_equal(area[4], 0xc0);
    assert_int_equal(le_get(area + 6, 2), 0x415);
    assert_int_equal(le_get(area + 8, 4), 0x5678);
    assert_int_equal(le_get(area + 12, 2), 0x1234);
    assert_int_equal(le_get(area + 16, 4), 0x9abc);
    assert_int_equal(le_get(area + 20, 2), 0x0def);
    assert_int_equal(le_get(area + 24, 4), 0x99999999u);    /* MXCSR: the core's */
    assert_int_equal(le_get(area + 40, 2), 0x8000);
    assert_int_equal(le_get(area + 56, 2), 0x3fff);
    x87_init(&back);
    x87_fxrstor(&back, area, true);
    /* The full tags are recomputed: R7 valid, R6 zero. */
    assert_int_equal(back.ftw, 0x1fff);
    back.ftw = fpu.s.ftw;
    assert_state_equal(&back, &fpu.s);
}

static void test_constants_rounding(void **state)
{
    static const struct {
        uint8_t low;
        uint16_t rc;
        uint16_t se;
        uint64_t mant;
    } k[] = {
        /* pi = C90FDAA22168C234 C4C6...: up rounds to ...235 */
        { 0xeb, 0x0000, 0x4000, 0xc90fdaa22168c235ULL },
        { 0xeb, 0x0400, 0x4000, 0xc90fdaa22168c234ULL },
        { 0xeb, 0x0800, 0x4000, 0xc90fdaa22168c235ULL },
        { 0xeb, 0x0c00, 0x4000, 0xc90fdaa22168c234ULL },
        /* log10(2) = 9A209A84FBCFF798 8F89...: nearest rounds up */
        { 0xec, 0x0000, 0x3ffd, 0x9a209a84fbcff799ULL },
        { 0xec, 0x0c00, 0x3ffd, 0x9a209a84fbcff798ULL },
        /* log2(10) = D49A784BCD1B8AFE 492B...: nearest rounds down */
        { 0xe9, 0x0000, 0x4000, 0xd49a784bcd1b8afeULL },
        { 0xe9, 0x0800, 0x4000, 0xd49a784bcd1b8affULL },
    };
    unsigned i;

    (void)state;
    for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
        x87_init(&fpu.s);
        set_fcw((uint16_t)(0x037f | k[i].rc));
        run(0xd9, k[i].low);
        assert_fx(st(0), k[i].se, k[i].mant);
        /* No precision exception and C1 = 0 (SDM vol. 2A FLD1/FLDPI...). */
        assert_int_equal(fpu.s.fsw & (PE | C1), 0);
    }
}

static void test_precision_control(void **state)
{
    static const struct {
        uint16_t pc;
        uint64_t mant;
        uint16_t c1;
    } k[] = {
        { 0x0000, 0xaaaaab0000000000ULL, C1 },              /* 24 bits: up */
        { 0x0200, 0xaaaaaaaaaaaaa800ULL, 0 },               /* 53 bits: down */
        { 0x0300, 0xaaaaaaaaaaaaaaabULL, C1 },              /* 64 bits: up */
    };
    unsigned i;

    (void)state;
    /* 2/3 at each precision, rounded to nearest (SDM vol. 1 8.1.5.2). */
    for (i = 0; i < 3; i++) {
        x87_init(&fpu.s);
        set_fcw((uint16_t)(0x007f | k[i].pc));
        fld_double(3.0);
        fld_double(2.0);
        run(0xd8, 0xf1);                                    /* FDIV ST, ST(1) */
        assert_fx(st(0), 0x3ffe, k[i].mant);
        assert_int_equal(fpu.s.fsw & (PE | C1), PE | k[i].c1);
    }
}

static void test_fprem(void **state)
{
    (void)state;
    /* 7 FPREM 2: quotient 3 (011): C0 = Q2 = 0, C3 = Q1 = 1, C1 = Q0 = 1,
     * remainder 1 (SDM vol. 2A FPREM). */
    fld_double(2.0);
    fld_double(7.0);
    run(0xd9, 0xf8);
    assert_true(st_double(0) == 1.0);
    assert_int_equal(fpu.s.fsw & (C0 | C1 | C2 | C3), C3 | C1);
    /* 7 FPREM1 2: quotient 3.5 rounds to 4 (100), remainder -1. */
    run(0xdd, 0xd8);
    fld_double(7.0);
    run(0xd9, 0xf5);
    assert_true(st_double(0) == -1.0);
    assert_int_equal(fpu.s.fsw & (C0 | C1 | C2 | C3), C0);
    /* 2^100 FPREM 3: partial, C2 = 1, and the exponent difference drops to
     * a multiple of 32 (N = 32 + 100 mod 32 = 36: down to 64; measured). */
    x87_init(&fpu.s);
    fld_double(3.0);
    fld80(fx(false, 16383 + 100, 1ULL << 63));
    run(0xd9, 0xf8);
    assert_int_equal(fpu.s.fsw & C2, C2);
    assert_true((st(0).sign_exp & 0x7fff) - 16383 <= 64 + 1);
    assert_true((st(0).sign_exp & 0x7fff) - 16383 > 32);
    /* Iterating until C2 = 0 gives the exact 2^100 mod 3 = 1. */
    while (fpu.s.fsw & C2) {
        run(0xd9, 0xf8);
    }
    assert_true(st_double(0) == 1.0);
}

static void test_trig_range(void **state)
{
    (void)state;
    /* |x| >= 2^63: C2 = 1, operand unchanged, no push (SDM vol. 2A FSIN,
     * FPTAN). */
    fld80(fx(false, 16383 + 63, 1ULL << 63));
    run(0xd9, 0xfe);
    assert_int_equal(fpu.s.fsw & C2, C2);
    assert_fx(st(0), 16383 + 63, 1ULL << 63);
    run(0xd9, 0xf2);
    assert_int_equal(fpu.s.fsw & C2, C2);
    assert_int_equal(top(), 7);
    /* FPTAN of 0.5: tan in ST(1), 1.0 pushed; tan(0.5) rounded to nearest
     * is 0x3FFE 8BDA6A1D93F1E6CB... checked against the double value. */
    x87_init(&fpu.s);
    fld_double(0.5);
    run(0xd9, 0xf2);
    assert_int_equal(fpu.s.fsw & C2, 0);
    assert_int_equal(top(), 6);
    assert_true(st_double(0) == 1.0);
    assert_true(st_double(1) > 0.54630248984379 && st_double(1) < 0.54630248984380);
    /* FSINCOS of 0: sin = +0 in ST(1), cos = 1 on top. */
    x87_init(&fpu.s);
    fld_double(0.0);
    run(0xd9, 0xfb);
    assert_true(st_double(0) == 1.0);
    assert_fx(st(1), 0, 0);
}

static void test_dump(void **state)
{
    char buf[512];
    FILE *f;

    (void)state;
    fld_double(1.0);
    f = fmemopen(buf, sizeof(buf), "w");
    assert_non_null(f);
    x87_dump(&fpu.s, f);
    fclose(f);
    assert_non_null(strstr(buf, "FCW=037f"));
    assert_non_null(strstr(buf, "TOP=7"));
    assert_non_null(strstr(buf, "ST0= 3fff:8000000000000000"));
    assert_non_null(strstr(buf, "ST1=-"));
    assert_non_null(strchr(buf, '\n'));
    assert_null(strchr(strchr(buf, '\n') + 1, '\n'));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_init_state, setup),
        cmocka_unit_test_setup(test_stack_overflow, setup),
        cmocka_unit_test_setup(test_stack_underflow, setup),
        cmocka_unit_test_setup(test_tags, setup),
        cmocka_unit_test_setup(test_fsave_32bit_protected, setup),
        cmocka_unit_test_setup(test_env_16bit_protected, setup),
        cmocka_unit_test_setup(test_env_real_mode, setup),
        cmocka_unit_test_setup(test_fldenv_tags_and_pending, setup),
        cmocka_unit_test_setup(test_bcd, setup),
        cmocka_unit_test_setup(test_fist_overflow, setup),
        cmocka_unit_test_setup(test_fcomi, setup),
        cmocka_unit_test_setup(test_fcom_condition_codes, setup),
        cmocka_unit_test_setup(test_unmasked_pending, setup),
        cmocka_unit_test_setup(test_denormal_operand, setup),
        cmocka_unit_test_setup(test_pointers, setup),
        cmocka_unit_test_setup(test_fault_leaves_state, setup),
        cmocka_unit_test_setup(test_ud_and_nowait, setup),
        cmocka_unit_test_setup(test_fxsave, setup),
        cmocka_unit_test_setup(test_constants_rounding, setup),
        cmocka_unit_test_setup(test_precision_control, setup),
        cmocka_unit_test_setup(test_fprem, setup),
        cmocka_unit_test_setup(test_trig_range, setup),
        cmocka_unit_test_setup(test_dump, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
