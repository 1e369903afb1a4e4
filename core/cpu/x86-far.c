/*
 * Far control transfers: JMP/CALL through code segments, call gates, task
 * gates and TSS descriptors, far RET and IRET, in real, virtual-8086 and
 * protected mode.  The checks and their order follow the "Operation"
 * sections of JMP, CALL, RET and IRET in the Intel SDM vol. 2, and
 * vol. 3A, 5.8 (privilege level checks when transferring program control).
 *
 * SPDX-License-Identifier: MIT
 */
#include "cpu/x86-internal.h"

void x86_load_inner_stack(CPUX86State *env, int dpl, uint32_t ext, uint16_t *pss,
                          uint32_t *pesp, SegmentCache *cache);

static bool in_pm(CPUX86State *env)
{
    return (env->cr[0] & CR0_PE) && !(env->eflags & VM_MASK);
}

static int desc_dpl(uint16_t flags)
{
    return (flags & DESC_DPL_MASK) >> DESC_DPL_SHIFT;
}

static void load_cs(CPUX86State *env, uint16_t sel, uint32_t lo, uint32_t hi, int cpl)
{
    x86_desc_set_accessed(env, sel, hi);
    env->cpl = cpl;
    x86_set_seg_cache(env, R_CS, (sel & 0xfffc) | cpl, x86_desc_base(lo, hi),
                      x86_desc_limit(lo, hi), x86_desc_flags(hi) | DESC_A);
    x86_update_hflags(env);
}

/* Read a descriptor for a selector that must not be null; #GP(sel) when
 * outside its table. */
static void read_desc_or_gp(CPUX86State *env, uint16_t sel, uint32_t *lo, uint32_t *hi)
{
    if ((sel & ~3u) == 0) {
        x86_raise_err(env, EXCP_GP, 0);
    }
    if (!x86_read_desc(env, sel, lo, hi)) {
        x86_raise_err(env, EXCP_GP, sel & 0xfffc);
    }
}

/* The checks on a code segment reached directly by JMP or CALL. */
static void check_direct_code(CPUX86State *env, uint16_t sel, uint16_t flags)
{
    int dpl = desc_dpl(flags), rpl = sel & 3;
    if (!(flags & DESC_CODE)) {
        x86_raise_err(env, EXCP_GP, sel & 0xfffc);
    }
    if (flags & DESC_C) {
        if (dpl > env->cpl) {
            x86_raise_err(env, EXCP_GP, sel & 0xfffc);
        }
    } else if (rpl > env->cpl || dpl != env->cpl) {
        x86_raise_err(env, EXCP_GP, sel & 0xfffc);
    }
    if (!(flags & DESC_P)) {
        x86_raise_err(env, EXCP_NP, sel & 0xfffc);
    }
}

/* Task switch through a task gate or TSS descriptor named by JMP/CALL. */
static void far_task(CPUX86State *env, uint16_t sel, uint32_t lo, uint32_t hi, int source,
                     uint32_t next_eip)
{
    uint16_t flags = x86_desc_flags(hi);
    int dpl = desc_dpl(flags);
    if (dpl < env->cpl || dpl < (sel & 3)) {
        x86_raise_err(env, EXCP_GP, sel & 0xfffc);
    }
    if (!(flags & DESC_P)) {
        x86_raise_err(env, EXCP_NP, sel & 0xfffc);
    }
    if ((flags & DESC_TYPE_MASK) == 5) {
        uint16_t tsel = lo >> 16;
        uint32_t tlo, thi;
        if ((tsel & 4) || !x86_read_desc(env, tsel, &tlo, &thi)) {
            x86_raise_err(env, EXCP_GP, tsel & 0xfffc);
        }
        x86_task_switch(env, tsel, tlo, thi, source, next_eip);
    } else {
        x86_task_switch(env, sel, lo, hi, source, next_eip);
    }
}

/* A call gate and the code segment it names (SDM vol. 2A, CALL and JMP,
 * "CALL-GATE"/"JMP through call gate").  JMP may only reach the current
 * privilege level. */
typedef struct GateTarget {
    uint16_t csel;
    uint32_t off;
    uint32_t clo, chi;
    uint16_t cflags;
    int nparams;
    bool gate32;
} GateTarget;

static void read_call_gate(CPUX86State *env, uint16_t sel, uint32_t lo, uint32_t hi,
                           bool jmp, GateTarget *g)
{
    uint16_t flags = x86_desc_flags(hi);
    int dpl = desc_dpl(flags);
    if (dpl < env->cpl || dpl < (sel & 3)) {
        x86_raise_err(env, EXCP_GP, sel & 0xfffc);
    }
    if (!(flags & DESC_P)) {
        x86_raise_err(env, EXCP_NP, sel & 0xfffc);
    }
    g->gate32 = (flags & DESC_TYPE_MASK) == 12;
    g->csel = lo >> 16;
    g->off = (hi & 0xffff0000u) | (lo & 0xffff);
    if (!g->gate32) {
        g->off &= 0xffff;
    }
    g->nparams = hi & 0x1f;
    read_desc_or_gp(env, g->csel, &g->clo, &g->chi);
    g->cflags = x86_desc_flags(g->chi);
    int cdpl = desc_dpl(g->cflags);
    bool conforming = g->cflags & DESC_C;
    if (!(g->cflags & DESC_S) || !(g->cflags & DESC_CODE) || cdpl > env->cpl ||
        (jmp && !conforming && cdpl != env->cpl)) {
        x86_raise_err(env, EXCP_GP, g->csel & 0xfffc);
    }
    if (!(g->cflags & DESC_P)) {
        x86_raise_err(env, EXCP_NP, g->csel & 0xfffc);
    }
}

void x86_far_jmp(CPUX86State *env, uint16_t sel, uint32_t off, uint32_t next_eip)
{
    if (!in_pm(env)) {
        x86_load_seg_real(env, R_CS, sel);
        env->eip = off;
        return;
    }
    uint32_t lo, hi;
    read_desc_or_gp(env, sel, &lo, &hi);
    uint16_t flags = x86_desc_flags(hi);
    if (flags & DESC_S) {
        check_direct_code(env, sel, flags);
        if (off > x86_desc_limit(lo, hi)) {
            x86_raise_err(env, EXCP_GP, 0);
        }
        load_cs(env, sel, lo, hi, env->cpl);
        env->eip = off;
        return;
    }
    int type = flags & DESC_TYPE_MASK;
    switch (type) {
    case 4: case 12: {            /* call gate */
        GateTarget g;
        read_call_gate(env, sel, lo, hi, true, &g);
        if (g.off > x86_desc_limit(g.clo, g.chi)) {
            x86_raise_err(env, EXCP_GP, 0);
        }
        load_cs(env, g.csel, g.clo, g.chi, env->cpl);
        env->eip = g.off;
        return;
    }
    case 5: case 1: case 9:       /* task gate, available TSS */
        far_task(env, sel, lo, hi, TS_JMP, next_eip);
        return;
    default:
        x86_raise_err(env, EXCP_GP, sel & 0xfffc);
    }
}

void x86_far_call(CPUX86State *env, uint16_t sel, uint32_t off, bool o32, uint32_t next_eip)
{
    unsigned sz = o32 ? 4 : 2;
    if (!in_pm(env)) {
        X86Stack st;
        x86_stack_from_cache(env, &st, &env->segs[R_SS], env->regs[R_ESP], env->cpl, 0);
        x86_stack_push(env, &st, env->segs[R_CS].sel, sz);
        x86_stack_push(env, &st, next_eip, sz);
        x86_stack_commit(env, &st);
        x86_load_seg_real(env, R_CS, sel);
        env->eip = off;
        return;
    }
    uint32_t lo, hi;
    read_desc_or_gp(env, sel, &lo, &hi);
    uint16_t flags = x86_desc_flags(hi);
    if (flags & DESC_S) {
        check_direct_code(env, sel, flags);
        X86Stack st;
        x86_stack_from_cache(env, &st, &env->segs[R_SS], env->regs[R_ESP], env->cpl, 0);
        x86_stack_push(env, &st, env->segs[R_CS].sel, sz);
        x86_stack_push(env, &st, next_eip, sz);
        if (off > x86_desc_limit(lo, hi)) {
            x86_raise_err(env, EXCP_GP, 0);
        }
        x86_stack_commit(env, &st);
        load_cs(env, sel, lo, hi, env->cpl);
        env->eip = off;
        return;
    }
    int type = flags & DESC_TYPE_MASK;
    if (type == 5 || type == 1 || type == 9) {
        far_task(env, sel, lo, hi, TS_CALL, next_eip);
        return;
    }
    if (type != 4 && type != 12) {
        x86_raise_err(env, EXCP_GP, sel & 0xfffc);
    }
    GateTarget g;
    read_call_gate(env, sel, lo, hi, false, &g);
    unsigned gsz = g.gate32 ? 4 : 2;
    uint16_t csel = g.csel;
    uint32_t goff = g.off, clo = g.clo, chi = g.chi;
    uint16_t cflags = g.cflags;
    int cdpl = desc_dpl(cflags);
    int nparams = g.nparams;
    uint32_t climit = x86_desc_limit(clo, chi);
    if (!(cflags & DESC_C) && cdpl < env->cpl) {
        /* To a more privileged level: switch stacks and copy the
         * parameters (SDM vol. 3A, 5.8.5). */
        uint16_t ss_sel;
        uint32_t esp;
        SegmentCache new_ss;
        x86_load_inner_stack(env, cdpl, 0, &ss_sel, &esp, &new_ss);
        X86Stack nst, ost;
        x86_stack_from_cache(env, &nst, &new_ss, esp, cdpl, ss_sel & 0xfffc);
        x86_stack_from_cache(env, &ost, &env->segs[R_SS], env->regs[R_ESP], env->cpl, 0);
        x86_stack_push(env, &nst, env->segs[R_SS].sel, gsz);
        x86_stack_push(env, &nst, env->regs[R_ESP], gsz);
        for (int i = nparams - 1; i >= 0; i--) {
            x86_stack_push(env, &nst, x86_stack_peek(env, &ost, i * gsz, gsz), gsz);
        }
        x86_stack_push(env, &nst, env->segs[R_CS].sel, gsz);
        x86_stack_push(env, &nst, next_eip, gsz);
        if (goff > climit) {
            x86_raise_err(env, EXCP_GP, 0);
        }
        env->cpl = cdpl;
        x86_set_seg_cache(env, R_SS, (ss_sel & 0xfffc) | cdpl, new_ss.base, new_ss.limit,
                          new_ss.flags);
        env->regs[R_ESP] = esp;
        x86_stack_commit(env, &nst);
        load_cs(env, csel, clo, chi, cdpl);
    } else {
        X86Stack st;
        x86_stack_from_cache(env, &st, &env->segs[R_SS], env->regs[R_ESP], env->cpl, 0);
        x86_stack_push(env, &st, env->segs[R_CS].sel, gsz);
        x86_stack_push(env, &st, next_eip, gsz);
        if (goff > climit) {
            x86_raise_err(env, EXCP_GP, 0);
        }
        x86_stack_commit(env, &st);
        load_cs(env, csel, clo, chi, env->cpl);
    }
    env->eip = goff;
}

/* On a return to an outer level, data segments the new level may not use
 * become null (SDM vol. 2B, RET "Operation", RETURN-TO-OUTER-PRIVILEGE). */
static void invalidate_data_segs(CPUX86State *env)
{
    static const int segs[] = { R_ES, R_DS, R_FS, R_GS };
    for (unsigned i = 0; i < CC_ARRAY_SIZE(segs); i++) {
        SegmentCache *s = &env->segs[segs[i]];
        bool conforming_code = (s->flags & DESC_CODE) && (s->flags & DESC_C);
        if ((s->sel & ~3u) == 0 && !(s->flags & DESC_P)) {
            continue;
        }
        if (!conforming_code && desc_dpl(s->flags) < env->cpl) {
            x86_set_seg_cache(env, segs[i], 0, 0, 0, 0);
        }
    }
}

/* Checks on the CS popped by RET/IRET in protected mode; returns its
 * descriptor. */
static void check_return_cs(CPUX86State *env, uint16_t sel, uint32_t *lo, uint32_t *hi)
{
    read_desc_or_gp(env, sel, lo, hi);
    uint16_t flags = x86_desc_flags(*hi);
    int rpl = sel & 3, dpl = desc_dpl(flags);
    if (!(flags & DESC_S) || !(flags & DESC_CODE) || rpl < env->cpl) {
        x86_raise_err(env, EXCP_GP, sel & 0xfffc);
    }
    if ((flags & DESC_C) ? dpl > rpl : dpl != rpl) {
        x86_raise_err(env, EXCP_GP, sel & 0xfffc);
    }
    if (!(flags & DESC_P)) {
        x86_raise_err(env, EXCP_NP, sel & 0xfffc);
    }
}

/* Checks on the SS popped by a return to an outer level. */
static void check_return_ss(CPUX86State *env, uint16_t ss, int rpl, uint32_t *lo, uint32_t *hi)
{
    read_desc_or_gp(env, ss, lo, hi);
    uint16_t flags = x86_desc_flags(*hi);
    if ((ss & 3) != rpl || !(flags & DESC_S) || (flags & DESC_CODE) || !(flags & DESC_W) ||
        desc_dpl(flags) != rpl) {
        x86_raise_err(env, EXCP_GP, ss & 0xfffc);
    }
    if (!(flags & DESC_P)) {
        x86_raise_err(env, EXCP_SS, ss & 0xfffc);
    }
}

/* Common tail of RETF and IRET to protected mode: st holds the stack after
 * CS:EIP (and EFLAGS) were popped. */
static void return_pm(CPUX86State *env, X86Stack *st, uint16_t sel, uint32_t eip,
                      uint16_t extra, unsigned sz, bool is_iret, uint32_t new_flags)
{
    uint32_t lo, hi;
    check_return_cs(env, sel, &lo, &hi);
    int rpl = sel & 3;
    uint32_t limit = x86_desc_limit(lo, hi);
    if (rpl > env->cpl) {
        st->sp = (st->sp & ~st->mask) | ((st->sp + extra) & st->mask);
        uint32_t new_esp = x86_stack_pop(env, st, sz);
        uint16_t ss = x86_stack_pop(env, st, sz);
        uint32_t slo, shi;
        if ((ss & ~3u) == 0) {
            x86_raise_err(env, EXCP_GP, 0);
        }
        check_return_ss(env, ss, rpl, &slo, &shi);
        if (eip > limit) {
            x86_raise_err(env, EXCP_GP, 0);
        }
        if (is_iret) {
            x86_set_eflags(env, new_flags, ~0u);
        }
        load_cs(env, sel, lo, hi, rpl);
        x86_desc_set_accessed(env, ss, shi);
        x86_set_seg_cache(env, R_SS, ss, x86_desc_base(slo, shi), x86_desc_limit(slo, shi),
                          x86_desc_flags(shi) | DESC_A);
        uint32_t mask = (x86_desc_flags(shi) & DESC_B) ? 0xffffffffu : 0xffffu;
        uint32_t esp = sz == 2 ? (new_esp & 0xffff) : new_esp;
        esp += extra;
        env->regs[R_ESP] = (env->regs[R_ESP] & ~mask) | (esp & mask);
        invalidate_data_segs(env);
    } else {
        if (eip > limit) {
            x86_raise_err(env, EXCP_GP, 0);
        }
        st->sp = (st->sp & ~st->mask) | ((st->sp + extra) & st->mask);
        if (is_iret) {
            x86_set_eflags(env, new_flags, ~0u);
        }
        x86_stack_commit(env, st);
        load_cs(env, sel, lo, hi, env->cpl);
    }
    env->eip = eip;
}

void x86_far_ret(CPUX86State *env, bool o32, uint16_t extra)
{
    unsigned sz = o32 ? 4 : 2;
    X86Stack st;
    x86_stack_from_cache(env, &st, &env->segs[R_SS], env->regs[R_ESP], env->cpl, 0);
    uint32_t eip = x86_stack_pop(env, &st, sz);
    uint16_t sel = x86_stack_pop(env, &st, sz);
    if (!in_pm(env)) {
        st.sp = (st.sp & ~st.mask) | ((st.sp + extra) & st.mask);
        x86_stack_commit(env, &st);
        x86_load_seg_real(env, R_CS, sel);
        env->eip = eip;
        return;
    }
    return_pm(env, &st, sel, eip, extra, sz, false, 0);
}

/* The EFLAGS bits IRET/POPF may change (SDM vol. 2A, IRET and POPF). */
static uint32_t iret_flags_mask(CPUX86State *env, bool o32)
{
    uint32_t mask = CC_ARITH | TF_MASK | DF_MASK | NT_MASK;
    if (o32) {
        mask |= RF_MASK | AC_MASK | ID_MASK;
    }
    if (env->cpl <= (int)((env->eflags & IOPL_MASK) >> IOPL_SHIFT)) {
        mask |= IF_MASK;
    }
    if (env->cpl == 0) {
        mask |= IOPL_MASK;
        if (o32) {
            mask |= VIF_MASK | VIP_MASK;
        }
    }
    return mask;
}

/* IRET from protected mode to virtual-8086 mode (SDM vol. 2A, IRET,
 * RETURN-TO-VIRTUAL-8086-MODE). */
static void iret_to_vm86(CPUX86State *env, X86Stack *st, uint16_t sel, uint32_t eip,
                         uint32_t flags)
{
    uint32_t esp = x86_stack_pop(env, st, 4);
    uint16_t ss = x86_stack_pop(env, st, 4);
    uint16_t es = x86_stack_pop(env, st, 4);
    uint16_t ds = x86_stack_pop(env, st, 4);
    uint16_t fs = x86_stack_pop(env, st, 4);
    uint16_t gs = x86_stack_pop(env, st, 4);
    x86_set_eflags(env, flags, ~0u);
    env->cpl = 3;
    x86_load_seg_real(env, R_CS, sel);
    x86_load_seg_real(env, R_SS, ss);
    x86_load_seg_real(env, R_ES, es);
    x86_load_seg_real(env, R_DS, ds);
    x86_load_seg_real(env, R_FS, fs);
    x86_load_seg_real(env, R_GS, gs);
    env->regs[R_ESP] = esp;
    env->eip = eip & 0xffff;
    x86_update_hflags(env);
}

void x86_iret(CPUX86State *env, bool o32)
{
    unsigned sz = o32 ? 4 : 2;
    env->nmi_blocked = false;
    if ((env->cr[0] & CR0_PE) && !(env->eflags & VM_MASK) && (env->eflags & NT_MASK)) {
        /* Return from a nested task: to the TSS named by the back link
         * (SDM vol. 3A, 7.3). */
        uint16_t link = x86_ld_kernel(env, env->tr.base, 2);
        uint32_t lo, hi;
        if ((link & 4) || !x86_read_desc(env, link, &lo, &hi)) {
            x86_raise_err(env, EXCP_TS, link & 0xfffc);
        }
        int type = (hi >> 8) & 0x1f;
        if (type != 3 && type != 11) {
            x86_raise_err(env, EXCP_TS, link & 0xfffc);
        }
        x86_task_switch(env, link, lo, hi, TS_IRET, env->eip);
        return;
    }
    X86Stack st;
    x86_stack_from_cache(env, &st, &env->segs[R_SS], env->regs[R_ESP], env->cpl, 0);
    uint32_t eip = x86_stack_pop(env, &st, sz);
    uint16_t sel = x86_stack_pop(env, &st, sz);
    uint32_t flags = x86_stack_pop(env, &st, sz);
    if (!(env->cr[0] & CR0_PE)) {
        /* Real mode: every flag but VM, VIF, VIP may change. */
        uint32_t mask = o32 ? (0x3f7fd5u & ~(VM_MASK | VIF_MASK | VIP_MASK)) : 0xffffu;
        x86_stack_commit(env, &st);
        x86_load_seg_real(env, R_CS, sel);
        env->eip = o32 ? eip : (eip & 0xffff);
        x86_set_eflags(env, flags, mask & ~RF_MASK);
        return;
    }
    if (env->eflags & VM_MASK) {
        /* Virtual-8086 mode without VME: IOPL-sensitive (SDM vol. 3A,
         * 20.2.7); IOPL itself cannot change. */
        if (((env->eflags & IOPL_MASK) >> IOPL_SHIFT) != 3) {
            x86_raise_err(env, EXCP_GP, 0);
        }
        uint32_t mask = (o32 ? 0x3f7fd5u : 0xffffu) &
                        ~(VM_MASK | VIF_MASK | VIP_MASK | IOPL_MASK | RF_MASK);
        x86_stack_commit(env, &st);
        x86_load_seg_real(env, R_CS, sel);
        env->eip = o32 ? eip : (eip & 0xffff);
        x86_set_eflags(env, flags, mask);
        return;
    }
    if (o32 && (flags & VM_MASK) && env->cpl == 0) {
        iret_to_vm86(env, &st, sel, eip, flags);
        return;
    }
    uint32_t mask = iret_flags_mask(env, o32);
    uint32_t nflags = (x86_get_eflags(env) & ~mask) | (flags & mask);
    if (!o32) {
        eip &= 0xffff;
    }
    return_pm(env, &st, sel, eip, 0, sz, true, nflags);
}

/* SYSENTER/SYSEXIT (SDM vol. 2B): flat segments derived from
 * IA32_SYSENTER_CS. */
void x86_sysenter(CPUX86State *env)
{
    uint16_t cs = env->sysenter_cs;
    if (!(env->cr[0] & CR0_PE) || (cs & 0xfffc) == 0) {
        x86_raise_err(env, EXCP_GP, 0);
    }
    x86_set_eflags(env, 0, VM_MASK | IF_MASK | RF_MASK);
    env->cpl = 0;
    x86_set_seg_cache(env, R_CS, cs & 0xfffc, 0, 0xffffffffu,
                      DESC_G | DESC_B | DESC_P | DESC_S | DESC_CODE | DESC_R | DESC_A);
    x86_set_seg_cache(env, R_SS, (cs + 8) & 0xfffc, 0, 0xffffffffu,
                      DESC_G | DESC_B | DESC_P | DESC_S | DESC_W | DESC_A);
    for (int s = 0; s < 6; s++) {
        x86_seg_update_checks(env, s);
    }
    x86_update_hflags(env);
    env->regs[R_ESP] = env->sysenter_esp;
    env->eip = env->sysenter_eip;
}

void x86_sysexit(CPUX86State *env)
{
    uint16_t cs = env->sysenter_cs;
    if (!(env->cr[0] & CR0_PE) || (env->eflags & VM_MASK) || env->cpl != 0 ||
        (cs & 0xfffc) == 0) {
        x86_raise_err(env, EXCP_GP, 0);
    }
    env->cpl = 3;
    x86_set_seg_cache(env, R_CS, ((cs + 16) & 0xfffc) | 3, 0, 0xffffffffu,
                      DESC_G | DESC_B | DESC_P | DESC_S | (3 << DESC_DPL_SHIFT) | DESC_CODE |
                      DESC_R | DESC_A);
    x86_set_seg_cache(env, R_SS, ((cs + 24) & 0xfffc) | 3, 0, 0xffffffffu,
                      DESC_G | DESC_B | DESC_P | DESC_S | (3 << DESC_DPL_SHIFT) | DESC_W |
                      DESC_A);
    for (int s = 0; s < 6; s++) {
        x86_seg_update_checks(env, s);
    }
    x86_update_hflags(env);
    env->regs[R_ESP] = env->regs[R_ECX];
    env->eip = env->regs[R_EDX];
}
