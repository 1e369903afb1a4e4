/*
 * String instructions: MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS, with and
 * without REP/REPE/REPNE (SDM vol. 2, each instruction and "REP/REPE/
 * REPZ/REPNE/REPNZ").  Registers are updated after every element, so a
 * fault in the middle leaves a state from which the instruction restarts,
 * as on the hardware.  Long repeats yield when an event is pending (the
 * instruction is resumed later, SDM vol. 3A, 6.6), and runs of MOVS/STOS
 * over RAM pages in the TLB are done in bulk.
 *
 * SPDX-License-Identifier: MIT
 */
#include "cpu/x86-ops.h"

typedef struct StrCtx {
    int size;
    uint32_t amask;
    int32_t delta;
} StrCtx;

static void str_init(CPUX86State *env, const X86Insn *in, StrCtx *c)
{
    c->size = in->osz;
    c->amask = (in->flags & IF_ASZ32) ? 0xffffffffu : 0xffffu;
    c->delta = (env->eflags & DF_MASK) ? -c->size : c->size;
}

static inline void advance(CPUX86State *env, int reg, const StrCtx *c, int32_t by)
{
    uint32_t v = env->regs[reg];
    env->regs[reg] = (v & ~c->amask) | ((v + by) & c->amask);
}

static inline uint32_t count_reg(CPUX86State *env, const StrCtx *c)
{
    return env->regs[R_ECX] & c->amask;
}

/* Ask the loop to run this instruction again from where it stopped. */
static void rep_yield(CPUX86State *env, const X86Insn *in)
{
    env->eip = in->eip;
    env->rep_restart = true;
    env->blk_end = env->cur + 1;
    env->exit_slot = EXIT_NOCHAIN;
}

static inline bool should_yield(CPUX86State *env)
{
    return cc_unlikely(env->cs->exit_request);
}

/* Count n elements done out of cx; true when the instruction must stop
 * here and resume later because an event is pending. */
static bool rep_done(CPUX86State *env, const X86Insn *in, const StrCtx *c, uint32_t cx,
                     uint32_t n)
{
    env->regs[R_ECX] = (env->regs[R_ECX] & ~c->amask) | ((cx - n) & c->amask);
    if (should_yield(env) && cx - n) {
        rep_yield(env, in);
        return true;
    }
    return false;
}

/* Host pointer for n bytes at lin for reading or writing when the whole
 * range is in one RAM page in the TLB; NULL otherwise. */
static uint8_t *bulk_ptr(CPUX86State *env, uint32_t lin, uint32_t n, bool write)
{
    X86TLBEntry *e = x86_tlb_entry(env, lin);
    uint32_t page = lin & 0xfffff000u;
    if ((write ? e->tag_write : e->tag_read) != page || (lin & 0xfff) + n > 0x1000) {
        return NULL;
    }
    return (uint8_t *)(e->addend + lin);
}

/* How many elements from offset off (forward) stay within the segment's
 * limit, the address-size wrap and the page. */
static uint32_t fwd_room(CPUX86State *env, int seg, uint32_t off, uint32_t lin,
                         const StrCtx *c, bool write)
{
    const SegmentCache *s = &env->segs[seg];
    uint32_t lo = write ? s->wlo : s->rlo;
    uint64_t hi = write ? s->whi : s->rhi;
    if (off < lo || off > hi) {
        return 0;
    }
    uint64_t room = hi - off + 1;
    uint64_t wrap = (uint64_t)c->amask - off + 1;
    uint64_t page = 0x1000 - (lin & 0xfff);
    if (wrap < room) {
        room = wrap;
    }
    if (page < room) {
        room = page;
    }
    return (uint32_t)(room / c->size);
}

static void movs_one(CPUX86State *env, const X86Insn *in, const StrCtx *c)
{
    uint32_t v = x86_ld_seg(env, in->seg, env->regs[R_ESI] & c->amask, c->size);
    x86_st_seg(env, R_ES, env->regs[R_EDI] & c->amask, v, c->size);
    advance(env, R_ESI, c, c->delta);
    advance(env, R_EDI, c, c->delta);
}

X86_HANDLER(x86_op_movs)
{
    StrCtx c;
    str_init(env, in, &c);
    if (!(in->flags & (IF_REP | IF_REPNE))) {
        movs_one(env, in, &c);
        return;
    }
    uint32_t cx;
    while ((cx = count_reg(env, &c)) != 0) {
        if (c.delta > 0) {
            uint32_t si = env->regs[R_ESI] & c.amask, di = env->regs[R_EDI] & c.amask;
            uint32_t sl = env->segs[in->seg].base + si, dl = env->segs[R_ES].base + di;
            uint32_t n = fwd_room(env, in->seg, si, sl, &c, false);
            uint32_t m = fwd_room(env, R_ES, di, dl, &c, true);
            n = n < m ? n : m;
            n = n < cx ? n : cx;
            if (n > 1) {
                uint32_t bytes = n * c.size;
                uint8_t *s = bulk_ptr(env, sl, bytes, false);
                uint8_t *d = bulk_ptr(env, dl, bytes, true);
                /* Element-by-element forward copy equals memmove unless
                 * the destination starts inside the source run. */
                if (s && d && (d <= s || d >= s + bytes)) {
                    memmove(d, s, bytes);
                    advance(env, R_ESI, &c, bytes);
                    advance(env, R_EDI, &c, bytes);
                    if (rep_done(env, in, &c, cx, n)) {
                        return;
                    }
                    continue;
                }
            }
        }
        movs_one(env, in, &c);
        if (rep_done(env, in, &c, cx, 1)) {
            return;
        }
    }
}

X86_HANDLER(x86_op_stos)
{
    StrCtx c;
    str_init(env, in, &c);
    uint32_t v = rd_reg(env, 0, c.size);
    if (!(in->flags & (IF_REP | IF_REPNE))) {
        x86_st_seg(env, R_ES, env->regs[R_EDI] & c.amask, v, c.size);
        advance(env, R_EDI, &c, c.delta);
        return;
    }
    uint32_t cx;
    while ((cx = count_reg(env, &c)) != 0) {
        if (c.delta > 0) {
            uint32_t di = env->regs[R_EDI] & c.amask;
            uint32_t dl = env->segs[R_ES].base + di;
            uint32_t n = fwd_room(env, R_ES, di, dl, &c, true);
            n = n < cx ? n : cx;
            uint8_t *d = n > 1 ? bulk_ptr(env, dl, n * c.size, true) : NULL;
            if (d) {
                if (c.size == 1) {
                    memset(d, (int)v, n);
                } else {
                    for (uint32_t k = 0; k < n; k++) {
                        x86_host_st(d + k * c.size, v, c.size);
                    }
                }
                advance(env, R_EDI, &c, n * c.size);
                if (rep_done(env, in, &c, cx, n)) {
                    return;
                }
                continue;
            }
        }
        x86_st_seg(env, R_ES, env->regs[R_EDI] & c.amask, v, c.size);
        advance(env, R_EDI, &c, c.delta);
        if (rep_done(env, in, &c, cx, 1)) {
            return;
        }
    }
}

X86_HANDLER(x86_op_lods)
{
    StrCtx c;
    str_init(env, in, &c);
    bool rep = in->flags & (IF_REP | IF_REPNE);
    uint32_t cx;
    if (!rep) {
        wr_reg(env, 0, c.size, x86_ld_seg(env, in->seg, env->regs[R_ESI] & c.amask, c.size));
        advance(env, R_ESI, &c, c.delta);
        return;
    }
    while ((cx = count_reg(env, &c)) != 0) {
        wr_reg(env, 0, c.size, x86_ld_seg(env, in->seg, env->regs[R_ESI] & c.amask, c.size));
        advance(env, R_ESI, &c, c.delta);
        if (rep_done(env, in, &c, cx, 1)) {
            return;
        }
    }
}

/* CMPS and SCAS: REPE stops when ZF=0, REPNE when ZF=1. */
static void cmp_string(CPUX86State *env, const X86Insn *in, bool scas)
{
    StrCtx c;
    str_init(env, in, &c);
    bool rep = in->flags & (IF_REP | IF_REPNE);
    bool repne = (in->flags & IF_REPNE) && !(in->flags & IF_REP);
    for (;;) {
        uint32_t cx = count_reg(env, &c);
        if (rep && cx == 0) {
            return;
        }
        uint32_t a, b;
        if (scas) {
            a = rd_reg(env, 0, c.size);
        } else {
            a = x86_ld_seg(env, in->seg, env->regs[R_ESI] & c.amask, c.size);
        }
        b = x86_ld_seg(env, R_ES, env->regs[R_EDI] & c.amask, c.size);
        if (!scas) {
            advance(env, R_ESI, &c, c.delta);
        }
        advance(env, R_EDI, &c, c.delta);
        cc_set(env, CC_OP_SUB, a, b, x86_trunc(a - b, c.size), c.size);
        if (!rep) {
            return;
        }
        env->regs[R_ECX] = (env->regs[R_ECX] & ~c.amask) | ((cx - 1) & c.amask);
        if (cx - 1 == 0 || ((a == b) == repne)) {
            return;
        }
        if (should_yield(env)) {
            rep_yield(env, in);
            return;
        }
    }
}

X86_HANDLER(x86_op_cmps)
{
    cmp_string(env, in, false);
}

X86_HANDLER(x86_op_scas)
{
    cmp_string(env, in, true);
}

/* INS and OUTS: one port, checked once (SDM vol. 1, 19.5). */
static void io_string(CPUX86State *env, const X86Insn *in, bool out)
{
    StrCtx c;
    str_init(env, in, &c);
    uint32_t port = env->regs[R_EDX] & 0xffff;
    bool rep = in->flags & (IF_REP | IF_REPNE);
    if (rep && count_reg(env, &c) == 0) {
        return;
    }
    if (!x86_io_allowed(env, port, c.size)) {
        x86_raise_err(env, EXCP_GP, 0);
    }
    for (;;) {
        uint32_t cx = count_reg(env, &c);
        if (rep && cx == 0) {
            return;
        }
        if (out) {
            uint32_t v = x86_ld_seg(env, in->seg, env->regs[R_ESI] & c.amask, c.size);
            x86_io_out(env, port, v, c.size);
            advance(env, R_ESI, &c, c.delta);
        } else {
            /* The destination is checked before the port is read, so a
             * fault does not lose the input (SDM vol. 2A, INS). */
            uint32_t lin = x86_lin_wr(env, R_ES, env->regs[R_EDI] & c.amask, c.size);
            x86_probe_write(env, lin, c.size);
            x86_st(env, lin, x86_io_in(env, port, c.size), c.size);
            advance(env, R_EDI, &c, c.delta);
        }
        if (!rep) {
            return;
        }
        if (rep_done(env, in, &c, cx, 1)) {
            return;
        }
    }
}

X86_HANDLER(x86_op_ins)
{
    io_string(env, in, false);
}

X86_HANDLER(x86_op_outs)
{
    io_string(env, in, true);
}
