/*
 * String instructions: MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS, with and
 * without REP/REPE/REPNE (SDM vol. 2, each instruction and "REP/REPE/
 * REPZ/REPNE/REPNZ").  Registers are updated after every element, so a
 * fault in the middle leaves a state from which the instruction restarts,
 * as on the hardware.  Long repeats yield when an event is pending (the
 * instruction is resumed later, SDM vol. 3A, 6.6), and runs of MOVS, STOS,
 * CMPS and SCAS over RAM pages in the TLB are done in bulk, a page at a
 * time, in either direction (bulk_run).
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
    if (cc_unlikely(env->rep_elems >= env->rep_elems_stop)) {
        /* The slice was sized in instructions and this one instruction
         * has done as many elements: end the slice, so that timers (the
         * display refresh) and host I/O are not held up for the seconds a
         * run of frame-sized REP STOSDs would take. */
        env->rep_elems_stop = UINT64_MAX;
        cpu_interrupt(env->cs, CPU_INTERRUPT_EXIT);
    }
    return cc_unlikely(env->cs->exit_request);
}

/* Count n elements done out of cx; true when the instruction must stop
 * here and resume later because an event is pending. */
static bool rep_done(CPUX86State *env, const X86Insn *in, const StrCtx *c, uint32_t cx,
                     uint32_t n)
{
    env->regs[R_ECX] = (env->regs[R_ECX] & ~c->amask) | ((cx - n) & c->amask);
    env->rep_elems += n;
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

/* How many elements from offset off down (DF=1) stay within the
 * segment's limit, the address size and the page of the first. */
static uint32_t bwd_room(CPUX86State *env, int seg, uint32_t off, uint32_t lin,
                         const StrCtx *c, bool write)
{
    const SegmentCache *s = &env->segs[seg];
    uint32_t lo = write ? s->wlo : s->rlo;
    uint64_t hi = write ? s->whi : s->rhi;
    uint64_t top = (uint64_t)off + (uint32_t)c->size - 1;
    if (off < lo || top > hi || top > c->amask || (lin & 0xfff) + (uint32_t)c->size > 0x1000) {
        return 0;
    }
    /* Offsets off, off - size, ... down to lo (never below 0: no wrap). */
    uint32_t by_seg = (off - lo) / (uint32_t)c->size + 1;
    uint32_t by_page = (lin & 0xfff) / (uint32_t)c->size + 1;
    return by_seg < by_page ? by_seg : by_page;
}

/*
 * The run of elements a REP string instruction can take in bulk from the
 * one at seg:reg on, in the direction of DF: within the segment, the
 * address size, one page, and RAM the TLB maps for this access (so pages
 * holding translated code, which have no fast write entry, MMIO and
 * unmapped pages all go element by element, which detects self-modifying
 * code, reaches devices and faults with the registers of the element that
 * faulted).  Returns the count, at most max, and in *first the host
 * address of the first element; 0 when there is no such run.
 */
static uint32_t bulk_run(CPUX86State *env, int seg, int reg, const StrCtx *c, bool write,
                         uint32_t max, uint8_t **first)
{
    uint32_t off = env->regs[reg] & c->amask;
    uint32_t lin = env->segs[seg].base + off;
    uint32_t n = c->delta > 0 ? fwd_room(env, seg, off, lin, c, write)
                              : bwd_room(env, seg, off, lin, c, write);
    n = n < max ? n : max;
    if (n == 0) {
        return 0;
    }
    uint32_t back = c->delta > 0 ? 0 : (n - 1) * (uint32_t)c->size;
    uint8_t *low = bulk_ptr(env, lin - back, n * (uint32_t)c->size, write);
    if (!low) {
        return 0;
    }
    *first = low + back;
    return n;
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
        uint8_t *s, *d;
        uint32_t n = cx > 1 ? bulk_run(env, in->seg, R_ESI, &c, false, cx, &s) : 0;
        n = n > 1 ? bulk_run(env, R_ES, R_EDI, &c, true, n, &d) : 0;
        if (n > 1) {
            uint32_t bytes = n * c.size;
            if (c.delta < 0) {
                s -= bytes - c.size;        /* the lowest element */
                d -= bytes - c.size;
            }
            /* Element-by-element copying equals memmove unless the
             * destination starts inside the source run, after its first
             * element in the direction of the copy. */
            if (c.delta > 0 ? (d <= s || d >= s + bytes) : (d >= s || d + bytes <= s)) {
                memmove(d, s, bytes);
                advance(env, R_ESI, &c, (int32_t)n * c.delta);
                advance(env, R_EDI, &c, (int32_t)n * c.delta);
                if (rep_done(env, in, &c, cx, n)) {
                    return;
                }
                continue;
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
        uint8_t *d;
        uint32_t n = cx > 1 ? bulk_run(env, R_ES, R_EDI, &c, true, cx, &d) : 0;
        if (n > 1) {
            if (c.delta < 0) {
                d -= (n - 1) * c.size;      /* the lowest element */
            }
            if (c.size == 1) {
                memset(d, (int)v, n);
            } else {
                for (uint32_t k = 0; k < n; k++) {
                    x86_host_st(d + k * c.size, v, c.size);
                }
            }
            advance(env, R_EDI, &c, (int32_t)n * c.delta);
            if (rep_done(env, in, &c, cx, n)) {
                return;
            }
            continue;
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

/* A run of REPE/REPNE CMPS or SCAS elements in RAM, compared on the host
 * (see bulk_run).  Registers and flags are left as after the last element
 * compared.  Returns true when the instruction is over (the condition
 * ended it, ECX reached 0, or it yields to an event); false to go on. */
static bool cmp_bulk(CPUX86State *env, const X86Insn *in, const StrCtx *c, bool scas,
                     bool repne, uint32_t cx)
{
    uint8_t *s = NULL, *d;
    uint32_t n = cx;
    if (!scas) {
        n = bulk_run(env, in->seg, R_ESI, c, false, n, &s);
    }
    n = n > 1 ? bulk_run(env, R_ES, R_EDI, c, false, n, &d) : 0;
    if (n <= 1) {
        return false;
    }
    uint32_t a = scas ? rd_reg(env, 0, c->size) : 0, b = 0, k = 0;
    bool stop = false;
    while (k < n && !stop) {
        if (!scas) {
            a = x86_host_ld(s + (int32_t)k * c->delta, c->size);
        }
        b = x86_host_ld(d + (int32_t)k * c->delta, c->size);
        k++;
        stop = (a == b) == repne;
    }
    if (!scas) {
        advance(env, R_ESI, c, (int32_t)k * c->delta);
    }
    advance(env, R_EDI, c, (int32_t)k * c->delta);
    cc_set(env, CC_OP_SUB, a, b, x86_trunc(a - b, c->size), c->size);
    env->regs[R_ECX] = (env->regs[R_ECX] & ~c->amask) | ((cx - k) & c->amask);
    env->rep_elems += k;
    if (stop || cx == k) {
        return true;
    }
    if (should_yield(env)) {
        rep_yield(env, in);
        return true;
    }
    return false;
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
        if (rep && cx > 1 && cmp_bulk(env, in, &c, scas, repne, cx)) {
            return;
        }
        if (rep && count_reg(env, &c) != cx) {
            continue;       /* a run was taken: look again from there */
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
