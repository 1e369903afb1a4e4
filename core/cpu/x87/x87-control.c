/*
 * x87 control instructions: FLDCW/FNSTCW/FNSTSW, the environment and
 * state images of FLDENV/FNSTENV/FRSTOR/FNSAVE in their four layouts,
 * FNINIT/FNCLEX, and FXSAVE/FXRSTOR's x87 part.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>
#include "x87-internal.h"

/* FNINIT: control word 0x037F (all masked, 64-bit precision, nearest),
 * status 0, all empty, pointers 0; registers keep their contents (SDM
 * vol. 2A FINIT, vol. 3A table 9-1). */
static void fninit(X87State *s)
{
    s->fcw = 0x037f;
    s->fsw = 0;
    s->ftw = 0xffff;
    s->fop = 0;
    s->fip = s->fdp = 0;
    s->fcs = s->fds = 0;
}

void x87_init(X87State *s)
{
    memset(s, 0, sizeof(*s));
    fninit(s);
}

bool x87_exception_pending(const X87State *s)
{
    return (s->fsw & FSW_ES) != 0;
}

/* Reserved control-word bits: 6 reads as 1, 7 and 13..15 as 0 (as
 * measured; FNINIT's 0x037F has bit 6 set). */
static uint16_t fcw_value(uint32_t v)
{
    return (uint16_t)((v & 0x1f3f) | 0x0040);
}

X87Result x87_fldcw(X87Ctx *c)
{
    c->s->fcw = fcw_value((uint32_t)x87_read(c, 0, 2));
    /* Unmasking a flag that is already set makes it pending (SDM vol. 2A
     * FLDCW). */
    x87_update_es(c->s);
    return X87_OK;
}

X87Result x87_fnstcw(X87Ctx *c)
{
    x87_write(c, 0, c->s->fcw, 2);
    return X87_OK;
}

X87Result x87_fnstsw(X87Ctx *c)
{
    if (c->insn->modrm >= 0xc0) {
        c->insn->ax_out = c->s->fsw;     /* DF E0 FNSTSW AX */
        c->insn->ax_written = true;
    } else {
        x87_write(c, 0, c->s->fsw, 2);
    }
    return X87_OK;
}

X87Result x87_db_group(X87Ctx *c)
{
    switch (c->insn->modrm) {
    case 0xe2:                          /* FNCLEX */
        c->s->fsw &= (uint16_t)~(FX_ALL_EXC | FSW_SF | FSW_ES | FSW_B);
        return X87_OK;
    case 0xe3:                          /* FNINIT */
        fninit(c->s);
        return X87_OK;
    default:
        /* E0 FNENI, E1 FNDISI, E4 FNSETPM: 8087/80287 controls, no
         * operation since the 80387 (SDM vol. 2A, FNOP notes). */
        return X87_OK;
    }
}

X87Result x87_nop(X87Ctx *c)
{
    return X87_OK;
}

/* --- the environment image ---------------------------------------------
 * Layouts of SDM vol. 1 figures 8-9..8-12.  32-bit formats are 28 bytes,
 * 16-bit formats 14; real-mode formats store 20/32-bit linear pointers
 * (segment * 16 + offset) split around the opcode. */

static unsigned env_size(bool op32)
{
    return op32 ? 28 : 14;
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v);
    put16(p + 2, v >> 16);
}

static uint32_t get16(const uint8_t *p)
{
    return p[0] | ((uint32_t)p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
    return get16(p) | (get16(p + 2) << 16);
}

static void env_build(const X87State *s, bool op32, bool pm, uint8_t *img)
{
    uint32_t ip = s->fip, dp = s->fdp;

    if (!pm) {
        ip += (uint32_t)s->fcs << 4;
        dp += (uint32_t)s->fds << 4;
    }
    memset(img, 0, env_size(op32));
    if (op32) {
        /* The unused upper halves of the first three words read as ones
         * (as hardware stores them). */
        put32(img + 0, 0xffff0000u | s->fcw);
        put32(img + 4, 0xffff0000u | s->fsw);
        put32(img + 8, 0xffff0000u | x87_full_tags(s));
        if (pm) {
            put32(img + 12, ip);
            put32(img + 16, s->fcs | ((uint32_t)(s->fop & 0x7ff) << 16));
            put32(img + 20, dp);
            put32(img + 24, 0xffff0000u | s->fds);
        } else {
            put32(img + 12, 0xffff0000u | (ip & 0xffff));
            put32(img + 16, (s->fop & 0x7ff) | ((ip >> 16) << 12));
            put32(img + 20, 0xffff0000u | (dp & 0xffff));
            put32(img + 24, (dp >> 16) << 12);
        }
    } else {
        put16(img + 0, s->fcw);
        put16(img + 2, s->fsw);
        put16(img + 4, x87_full_tags(s));
        if (pm) {
            put16(img + 6, ip);
            put16(img + 8, s->fcs);
            put16(img + 10, dp);
            put16(img + 12, s->fds);
        } else {
            put16(img + 6, ip);
            put16(img + 8, (s->fop & 0x7ff) | (((ip >> 16) & 0xf) << 12));
            put16(img + 10, dp);
            put16(img + 12, ((dp >> 16) & 0xf) << 12);
        }
    }
}

static void env_load(X87State *s, bool op32, bool pm, const uint8_t *img)
{
    uint16_t tags;
    unsigned p;

    if (op32) {
        s->fcw = fcw_value(get32(img + 0));
        s->fsw = (uint16_t)get32(img + 4);
        tags = (uint16_t)get32(img + 8);
        if (pm) {
            s->fip = get32(img + 12);
            s->fcs = (uint16_t)get32(img + 16);
            s->fop = (get32(img + 16) >> 16) & 0x7ff;
            s->fdp = get32(img + 20);
            s->fds = (uint16_t)get32(img + 24);
        } else {
            s->fip = (get32(img + 12) & 0xffff) | ((get32(img + 16) >> 12) << 16);
            s->fop = get32(img + 16) & 0x7ff;
            s->fdp = (get32(img + 20) & 0xffff) | ((get32(img + 24) >> 12) << 16);
            s->fcs = s->fds = 0;
        }
    } else {
        s->fcw = fcw_value(get16(img + 0));
        s->fsw = (uint16_t)get16(img + 2);
        tags = (uint16_t)get16(img + 4);
        if (pm) {
            s->fip = get16(img + 6);
            s->fcs = (uint16_t)get16(img + 8);
            s->fdp = get16(img + 10);
            s->fds = (uint16_t)get16(img + 12);
        } else {
            s->fip = get16(img + 6) | ((get16(img + 8) >> 12) << 16);
            s->fop = get16(img + 8) & 0x7ff;
            s->fdp = get16(img + 10) | ((get16(img + 12) >> 12) << 16);
            s->fcs = s->fds = 0;
        }
    }
    /* Only "empty" is taken from the image; other tags follow the register
     * contents (SDM vol. 1 8.1.7). */
    for (p = 0; p < 8; p++) {
        x87_set_tag(s, p, ((tags >> (2 * p)) & 3) == TAG_EMPTY ? TAG_EMPTY
                                                           : x87_tag_of(s->regs[p]));
    }
    x87_update_es(s);
}

/* Bytes to and from the guest, in 4-byte pieces (2-byte tail). */
static void write_image(X87Ctx *c, const uint8_t *img, unsigned len)
{
    unsigned off;

    c->mem->probe_write(c->mem->cpu, 0, len);
    for (off = 0; off + 4 <= len; off += 4) {
        x87_write(c, off, get32(img + off), 4);
    }
    if (off < len) {
        x87_write(c, off, get16(img + off), 2);
    }
}

static void read_image(X87Ctx *c, uint8_t *img, unsigned len)
{
    unsigned off;

    for (off = 0; off + 4 <= len; off += 4) {
        put32(img + off, (uint32_t)x87_read(c, off, 4));
    }
    if (off < len) {
        put16(img + off, (uint32_t)x87_read(c, off, 2));
    }
}

/* The 8 registers after the environment, ST(0) first, 10 bytes each. */
#define SAVE_REGS_BYTES 80

static void regs_build(const X87State *s, uint8_t *img)
{
    unsigned i;

    for (i = 0; i < 8; i++) {
        floatx80 v = x87_st(s, i);
        put32(img + 10 * i, (uint32_t)v.mant);
        put32(img + 10 * i + 4, (uint32_t)(v.mant >> 32));
        put16(img + 10 * i + 8, v.sign_exp);
    }
}

static void regs_load(X87State *s, const uint8_t *img)
{
    unsigned i;

    for (i = 0; i < 8; i++) {
        floatx80 *r = &s->regs[x87_phys(s, i)];
        r->mant = get32(img + 10 * i) | ((uint64_t)get32(img + 10 * i + 4) << 32);
        r->sign_exp = (uint16_t)get16(img + 10 * i + 8);
    }
}

X87Result x87_fnstenv(X87Ctx *c)
{
    uint8_t img[28];
    bool op32 = c->insn->opsize32;

    env_build(c->s, op32, c->insn->protected_mode, img);
    write_image(c, img, env_size(op32));
    /* FNSTENV then masks every exception (SDM vol. 2A FSTENV), which
     * clears the pending summary ES/B. */
    c->s->fcw |= FX_ALL_EXC;
    x87_update_es(c->s);
    return X87_OK;
}

X87Result x87_fldenv(X87Ctx *c)
{
    uint8_t img[28];
    bool op32 = c->insn->opsize32;

    read_image(c, img, env_size(op32));
    env_load(c->s, op32, c->insn->protected_mode, img);
    return X87_OK;
}

X87Result x87_fnsave(X87Ctx *c)
{
    uint8_t img[28 + SAVE_REGS_BYTES];
    bool op32 = c->insn->opsize32;
    unsigned n = env_size(op32);

    env_build(c->s, op32, c->insn->protected_mode, img);
    regs_build(c->s, img + n);
    write_image(c, img, n + SAVE_REGS_BYTES);
    fninit(c->s);
    return X87_OK;
}

X87Result x87_frstor(X87Ctx *c)
{
    uint8_t img[28 + SAVE_REGS_BYTES];
    bool op32 = c->insn->opsize32;
    unsigned n = env_size(op32);

    read_image(c, img, n + SAVE_REGS_BYTES);
    /* Registers first: the tags are recomputed from them, and the loaded
     * TOP decides which physical register each ST(i) is. */
    c->s->fsw = (uint16_t)get16(img + (op32 ? 4 : 2));
    regs_load(c->s, img + n);
    env_load(c->s, op32, c->insn->protected_mode, img);
    return X87_OK;
}

/* --- FXSAVE / FXRSTOR (SDM vol. 2A FXSAVE, table 3-53) ---------------- */

void x87_fxsave(const X87State *s, uint8_t area[160], bool opsize32)
{
    unsigned i, p;
    uint8_t ftw = 0;

    /* The layout is the same for both operand sizes outside 64-bit mode;
     * opsize32 is accepted for symmetry with the other images. */
    (void)opsize32;
    for (p = 0; p < 8; p++) {
        if (x87_tag(s, p) != TAG_EMPTY) {
            ftw |= (uint8_t)(1u << p);   /* abridged tag: 1 = in use */
        }
    }
    memset(area, 0, 24);
    memset(area + 32, 0, 128);
    put16(area + 0, s->fcw);
    put16(area + 2, s->fsw);
    area[4] = ftw;
    put16(area + 6, s->fop & 0x7ff);
    put32(area + 8, s->fip);
    put16(area + 12, s->fcs);
    put32(area + 16, s->fdp);
    put16(area + 20, s->fds);
    for (i = 0; i < 8; i++) {
        floatx80 v = x87_st(s, i);
        put32(area + 32 + 16 * i, (uint32_t)v.mant);
        put32(area + 36 + 16 * i, (uint32_t)(v.mant >> 32));
        put16(area + 40 + 16 * i, v.sign_exp);
    }
}

void x87_fxrstor(X87State *s, const uint8_t area[160], bool opsize32)
{
    unsigned i, p;
    uint8_t ftw = area[4];

    (void)opsize32;
    s->fcw = fcw_value(get16(area + 0));
    s->fsw = (uint16_t)get16(area + 2);
    s->fop = (uint16_t)(get16(area + 6) & 0x7ff);
    s->fip = get32(area + 8);
    s->fcs = (uint16_t)get16(area + 12);
    s->fdp = get32(area + 16);
    s->fds = (uint16_t)get16(area + 20);
    for (i = 0; i < 8; i++) {
        floatx80 *r = &s->regs[x87_phys(s, i)];
        r->mant = get32(area + 32 + 16 * i) | ((uint64_t)get32(area + 36 + 16 * i) << 32);
        r->sign_exp = (uint16_t)get16(area + 40 + 16 * i);
    }
    for (p = 0; p < 8; p++) {
        x87_set_tag(s, p, (ftw >> p) & 1 ? x87_tag_of(s->regs[p]) : TAG_EMPTY);
    }
    x87_update_es(s);
}

void x87_dump(const X87State *s, void *file)
{
    FILE *f = file;
    unsigned i;

    fprintf(f, "FCW=%04x FSW=%04x FTW=%04x TOP=%u FOP=%03x FIP=%04x:%08x FDP=%04x:%08x",
            s->fcw, s->fsw, x87_full_tags(s), x87_top(s), s->fop, s->fcs, s->fip,
            s->fds, s->fdp);
    for (i = 0; i < 8; i++) {
        floatx80 v = x87_st(s, i);
        fprintf(f, " ST%u=%c%04x:%016llx", i, x87_empty(s, i) ? '-' : ' ',
                v.sign_exp, (unsigned long long)v.mant);
    }
    fputc('\n', f);
}
