/*
 * Shared by the x87 instruction handlers: the execution context, register
 * stack and tag helpers, and exception reporting into the status word.
 *
 * For memory forms every handler works on a copy of the FPU state (ctx->s)
 * that x87_execute commits only when the handler returns: a memory access
 * that faults (the core longjmps out of X87Mem.read/write) leaves the
 * architectural state untouched.  Register forms cannot fault and work in
 * place.  Handlers never fail with #UD: the decoder rejects those
 * encodings before anything changes.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_CPU_X87_INTERNAL_H
#define CORE_CPU_X87_INTERNAL_H

#include "x87.h"
#include "fx80.h"

/* Status word fields (SDM vol. 1 8.1.3, figure 8-4). */
#define FSW_C0 0x0100
#define FSW_C1 0x0200
#define FSW_C2 0x0400
#define FSW_C3 0x4000
#define FSW_CC (FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)
#define FSW_SF 0x0040
#define FSW_ES 0x0080
#define FSW_B 0x8000
#define FSW_TOP_SHIFT 11
#define FSW_TOP_MASK 0x3800

/* Tag values (SDM vol. 1 8.1.7, figure 8-7). */
enum {
    TAG_VALID = 0,
    TAG_ZERO = 1,
    TAG_SPECIAL = 2,
    TAG_EMPTY = 3,
};

typedef struct X87Ctx {
    X87State *s;                /* for memory forms: a working copy */
    X87Insn *insn;
    const X87Mem *mem;
    unsigned reg;               /* modrm bits 5..3 */
    unsigned rm;                /* modrm bits 2..0 (ST(i) of register forms) */
} X87Ctx;

typedef X87Result (*X87Handler)(X87Ctx *c);

static inline unsigned x87_top(const X87State *s)
{
    return (s->fsw >> FSW_TOP_SHIFT) & 7;
}

static inline unsigned x87_phys(const X87State *s, unsigned i)
{
    return (x87_top(s) + i) & 7;
}

static inline unsigned x87_tag(const X87State *s, unsigned phys)
{
    return (s->ftw >> (2 * phys)) & 3;
}

static inline bool x87_empty(const X87State *s, unsigned i)
{
    return x87_tag(s, x87_phys(s, i)) == TAG_EMPTY;
}

static inline floatx80 x87_st(const X87State *s, unsigned i)
{
    return s->regs[x87_phys(s, i)];
}

static inline uint64_t x87_read(X87Ctx *c, uint32_t off, unsigned size)
{
    return c->mem->read(c->mem->cpu, off, size);
}

static inline void x87_write(X87Ctx *c, uint32_t off, uint64_t val, unsigned size)
{
    c->mem->write(c->mem->cpu, off, val, size);
}

/* x87-stack.c */
unsigned x87_tag_of(floatx80 v);
void x87_set_tag(X87State *s, unsigned phys, unsigned tag);
void x87_set_top(X87State *s, unsigned top);
void x87_set_st(X87State *s, unsigned i, floatx80 v);  /* value and tag */
void x87_pop(X87State *s);
/* Push v.  On stack overflow (ST(7) in use) raises IE/SF with C1 = 1 and,
 * masked, pushes the real indefinite instead; returns false when nothing
 * was pushed (unmasked). */
bool x87_push(X87State *s, floatx80 v);
/* True when pushing would overflow; raises the stack fault (IE, SF, C1=1)
 * and, if IE is masked, pushes the indefinite. */
bool x87_push_overflows(X87State *s);
/* Stack underflow (reading an empty register): IE, SF, C1 = 0.  Returns
 * true when IE is masked, i.e. the instruction goes on with the real
 * indefinite as its result. */
bool x87_underflow(X87State *s);
/* Merge exception flags into FSW and update ES/B (SDM vol. 1 8.1.3.2):
 * ES (and B, its copy since the 80387) summarize unmasked flags. */
static inline void x87_raise(X87State *s, unsigned flags)
{
    s->fsw |= (uint16_t)(flags & (FX_ALL_EXC | FX_SF));
    if (s->fsw & ~s->fcw & FX_ALL_EXC) {
        s->fsw |= FSW_ES | FSW_B;
    }
}
/* Recompute ES/B from the sticky flags and masks (after FLDCW, FLDENV,
 * FRSTOR, FXRSTOR). */
void x87_update_es(X87State *s);
static inline void x87_set_c1(X87State *s, bool v)
{
    s->fsw = (uint16_t)((s->fsw & ~FSW_C1) | (v ? FSW_C1 : 0));
}
void x87_set_cc(X87State *s, uint16_t cc);   /* C3..C0 in FSW positions */
/* An Fx80Env from FCW: rounding, precision control (SDM vol. 1 8.1.5.2:
 * 00 = 24 bits, 10 = 53 bits, 11 = 64 bits; 01 reserved, taken as 64 as
 * measured), masks. */
static inline Fx80Env x87_env(const X87State *s)
{
    unsigned pc = (s->fcw >> 8) & 3;
    Fx80Env e = {
        .rc = (s->fcw >> 10) & 3,
        .prec = pc == 0 ? 24 : pc == 2 ? 53 : 64,
        .masks = s->fcw & FX_ALL_EXC,
    };
    return e;
}
/* Report an operation's exceptions; returns true when the result may be
 * delivered (no unmasked IE, ZE or DE: SDM vol. 1 4.9.2), and sets C1 from
 * the rounding direction. */
bool x87_deliver(X87State *s, const Fx80Env *e);
/* Tags recomputed from register contents for every non-empty register
 * (FLDENV/FRSTOR/FXRSTOR and the saved images, SDM vol. 1 8.1.7). */
uint16_t x87_full_tags(const X87State *s);

/* Handler groups (x87-arith.c, x87-ldst.c, x87-control.c). */
X87Result x87_arith_mem(X87Ctx *c);        /* D8, DA, DC, DE memory forms */
X87Result x87_arith_reg(X87Ctx *c);        /* D8, DC, DE register forms */
X87Result x87_compare_reg(X87Ctx *c);      /* FCOM/FCOMP/FUCOM* ST(i) */
X87Result x87_compare_pp(X87Ctx *c);       /* FCOMPP, FUCOMPP */
X87Result x87_comi(X87Ctx *c);             /* FCOMI, FUCOMI(P), FCOMIP */
X87Result x87_fcmov(X87Ctx *c);
X87Result x87_d9_group(X87Ctx *c);         /* D9 E0..FF */

X87Result x87_load_mem(X87Ctx *c);
X87Result x87_store_mem(X87Ctx *c);
X87Result x87_fld_st(X87Ctx *c);
X87Result x87_fst_st(X87Ctx *c);
X87Result x87_fxch(X87Ctx *c);
X87Result x87_ffree(X87Ctx *c);

X87Result x87_fldcw(X87Ctx *c);
X87Result x87_fnstcw(X87Ctx *c);
X87Result x87_fnstsw(X87Ctx *c);
X87Result x87_fldenv(X87Ctx *c);
X87Result x87_fnstenv(X87Ctx *c);
X87Result x87_frstor(X87Ctx *c);
X87Result x87_fnsave(X87Ctx *c);
X87Result x87_db_group(X87Ctx *c);         /* DB E0..E4 */
X87Result x87_nop(X87Ctx *c);

#endif
