/*
 * Exceptions and interrupt delivery.
 *
 * A fault unwinds to the execution loop (x86_raise*), which rewinds EIP to
 * the faulting instruction and delivers it.  Delivery follows the SDM
 * vol. 3A, 6.12 (gates, privilege changes, the stack frame) and vol. 2A,
 * "INT n/INTO/INT3/INT1 Operation" for the order of checks and the error
 * codes; real mode uses the interrupt vector table (vol. 3A, 20.1.4).
 *
 * SPDX-License-Identifier: MIT
 */
#include "cpu/x86-internal.h"

bool x86_exception_has_error_code(int vec)
{
    /* SDM vol. 3A, table 6-1: #DF, #TS, #NP, #SS, #GP, #PF, #AC. */
    switch (vec) {
    case EXCP_DF: case EXCP_TS: case EXCP_NP: case EXCP_SS:
    case EXCP_GP: case EXCP_PF: case EXCP_AC:
        return true;
    default:
        return false;
    }
}

void x86_raise_err(CPUX86State *env, int vec, uint32_t err)
{
    env->exc_vec = vec;
    env->exc_err = err;
    env->exc_has_err = x86_exception_has_error_code(vec);
    siglongjmp(env->jmp_env, 1);
}

void x86_raise(CPUX86State *env, int vec)
{
    x86_raise_err(env, vec, 0);
}

void x86_raise_pf(CPUX86State *env, uint32_t lin, uint32_t err)
{
    env->cr[2] = lin;
    x86_raise_err(env, EXCP_PF, err);
}

/* ---- stacks of control transfers ---- */

void x86_stack_from_cache(CPUX86State *env, X86Stack *st, const SegmentCache *ss, uint32_t sp,
                          int cpl, uint32_t err)
{
    SegmentCache tmp = *ss;
    bool pm = (env->cr[0] & CR0_PE) && !(env->eflags & VM_MASK);
    x86_seg_cache_checks(&tmp, pm);
    st->base = tmp.base;
    st->mask = (pm && (tmp.flags & DESC_B)) ? 0xffffffffu : 0xffffu;
    st->lo = tmp.wlo;
    st->hi = tmp.whi;
    st->sp = sp;
    st->mmu = cpl == 3 ? 1 : 0;
    st->vec = EXCP_SS;
    st->err = err;
}

static uint32_t stack_lin(CPUX86State *env, X86Stack *st, uint32_t sp, unsigned size)
{
    uint32_t off = sp & st->mask;
    if (off < st->lo || (uint64_t)off + size - 1 > st->hi) {
        x86_raise_err(env, st->vec, st->err);
    }
    return st->base + off;
}

void x86_stack_push(CPUX86State *env, X86Stack *st, uint32_t val, unsigned size)
{
    st->sp = (st->sp & ~st->mask) | ((st->sp - size) & st->mask);
    x86_st_mmu(env, stack_lin(env, st, st->sp, size), val, size, st->mmu);
}

uint32_t x86_stack_peek(CPUX86State *env, X86Stack *st, uint32_t at, unsigned size)
{
    uint32_t sp = (st->sp & ~st->mask) | ((st->sp + at) & st->mask);
    return x86_ld_mmu(env, stack_lin(env, st, sp, size), size, st->mmu);
}

uint32_t x86_stack_pop(CPUX86State *env, X86Stack *st, unsigned size)
{
    uint32_t v = x86_ld_mmu(env, stack_lin(env, st, st->sp, size), size, st->mmu);
    st->sp = (st->sp & ~st->mask) | ((st->sp + size) & st->mask);
    return v;
}

void x86_stack_commit(CPUX86State *env, const X86Stack *st)
{
    env->regs[R_ESP] = (env->regs[R_ESP] & ~st->mask) | (st->sp & st->mask);
}

/* ---- the TSS's inner stacks ---- */

/* SS:ESP for privilege level dpl from the current TSS (SDM vol. 3A, 7.2.1,
 * figures 7-2 and 7-11); #TS when the TSS is too short. */
static void tss_inner_stack(CPUX86State *env, int dpl, uint16_t *ss, uint32_t *esp)
{
    int type = env->tr.flags & DESC_TYPE_MASK;
    bool tss32 = type & 8;
    uint32_t pos = tss32 ? 4 + dpl * 8 : 2 + dpl * 4;
    uint32_t size = tss32 ? 8 : 4;
    if (!(env->tr.flags & DESC_P)) {
        x86_raise_err(env, EXCP_TS, env->tr.sel & 0xfffc);
    }
    if (pos + size - 1 > env->tr.limit) {
        x86_raise_err(env, EXCP_TS, env->tr.sel & 0xfffc);
    }
    if (tss32) {
        *esp = x86_ld_kernel(env, env->tr.base + pos, 4);
        *ss = x86_ld_kernel(env, env->tr.base + pos + 4, 2);
    } else {
        *esp = x86_ld_kernel(env, env->tr.base + pos, 2);
        *ss = x86_ld_kernel(env, env->tr.base + pos + 2, 2);
    }
}

/*
 * Check and read the stack segment of an inner privilege level dpl
 * (interrupts and calls through gates).  Errors are #TS(ss) except "not
 * present", which is #SS(ss) (SDM vol. 2A, CALL and INT n "Operation").
 */
void x86_load_inner_stack(CPUX86State *env, int dpl, uint32_t ext, uint16_t *pss,
                          uint32_t *pesp, SegmentCache *cache);
void x86_load_inner_stack(CPUX86State *env, int dpl, uint32_t ext, uint16_t *pss,
                          uint32_t *pesp, SegmentCache *cache)
{
    uint16_t ss;
    uint32_t esp, lo, hi;
    tss_inner_stack(env, dpl, &ss, &esp);
    if ((ss & ~3u) == 0) {
        x86_raise_err(env, EXCP_TS, ext);
    }
    if ((ss & 3) != dpl || !x86_read_desc(env, ss, &lo, &hi)) {
        x86_raise_err(env, EXCP_TS, (ss & 0xfffc) | ext);
    }
    uint16_t flags = x86_desc_flags(hi);
    if (((flags & DESC_DPL_MASK) >> DESC_DPL_SHIFT) != dpl || !(flags & DESC_S) ||
        (flags & DESC_CODE) || !(flags & DESC_W)) {
        x86_raise_err(env, EXCP_TS, (ss & 0xfffc) | ext);
    }
    if (!(flags & DESC_P)) {
        x86_raise_err(env, EXCP_SS, (ss & 0xfffc) | ext);
    }
    x86_desc_set_accessed(env, ss, hi);
    cache->sel = ss;
    cache->base = x86_desc_base(lo, hi);
    cache->limit = x86_desc_limit(lo, hi);
    cache->flags = flags | DESC_A;
    *pss = ss;
    *pesp = esp;
}

/* ---- delivery ---- */

static void do_interrupt_real(CPUX86State *env, int vec, uint32_t next_eip)
{
    if ((uint32_t)vec * 4 + 3 > env->idt.limit) {
        x86_raise_err(env, EXCP_GP, vec * 8 + 2);
    }
    uint32_t ent = x86_ld_kernel(env, env->idt.base + vec * 4, 4);
    X86Stack st;
    x86_stack_from_cache(env, &st, &env->segs[R_SS], env->regs[R_ESP], 0, 0);
    x86_stack_push(env, &st, x86_get_eflags(env), 2);
    x86_stack_push(env, &st, env->segs[R_CS].sel, 2);
    x86_stack_push(env, &st, next_eip, 2);
    x86_stack_commit(env, &st);
    x86_load_seg_real(env, R_CS, ent >> 16);
    env->eip = ent & 0xffff;
    x86_set_eflags(env, 0, IF_MASK | TF_MASK | AC_MASK | RF_MASK);
}

static void do_interrupt_pm(CPUX86State *env, int vec, bool is_soft, bool has_err,
                            uint32_t err, uint32_t next_eip)
{
    uint32_t ext = is_soft ? 0 : 1;
    uint32_t idt_err = vec * 8 + 2 + ext;
    if ((uint32_t)vec * 8 + 7 > env->idt.limit) {
        x86_raise_err(env, EXCP_GP, idt_err);
    }
    uint32_t lo = x86_ld_kernel(env, env->idt.base + vec * 8, 4);
    uint32_t hi = x86_ld_kernel(env, env->idt.base + vec * 8 + 4, 4);
    int type = (hi >> 8) & 0x1f;
    int gdpl = (hi >> 13) & 3;
    switch (type) {
    case 5:                 /* task gate */
    case 6: case 7:         /* 16-bit interrupt/trap gate */
    case 14: case 15:       /* 32-bit interrupt/trap gate */
        break;
    default:
        x86_raise_err(env, EXCP_GP, idt_err);
    }
    if (is_soft && gdpl < env->cpl) {
        x86_raise_err(env, EXCP_GP, vec * 8 + 2);
    }
    if (!(hi & 0x8000)) {
        x86_raise_err(env, EXCP_NP, idt_err);
    }
    if (type == 5) {
        uint16_t tsel = lo >> 16;
        uint32_t tlo, thi;
        if ((tsel & 4) || !x86_read_desc(env, tsel, &tlo, &thi)) {
            x86_raise_err(env, EXCP_GP, (tsel & 0xfffc) | ext);
        }
        x86_task_switch(env, tsel, tlo, thi, TS_INT, next_eip);
        if (has_err) {
            /* The error code goes on the new task's stack. */
            bool tss32 = env->tr.flags & 8;
            x86_push(env, err, tss32 ? 4 : 2);
        }
        return;
    }
    bool gate32 = type & 8;
    uint16_t sel = lo >> 16;
    uint32_t off = (hi & 0xffff0000u) | (lo & 0xffff);
    if (!gate32) {
        off &= 0xffff;
    }
    uint32_t clo, chi;
    if ((sel & ~3u) == 0) {
        x86_raise_err(env, EXCP_GP, ext);
    }
    if (!x86_read_desc(env, sel, &clo, &chi)) {
        x86_raise_err(env, EXCP_GP, (sel & 0xfffc) | ext);
    }
    uint16_t cflags = x86_desc_flags(chi);
    int cdpl = (cflags & DESC_DPL_MASK) >> DESC_DPL_SHIFT;
    if (!(cflags & DESC_S) || !(cflags & DESC_CODE) || cdpl > env->cpl) {
        x86_raise_err(env, EXCP_GP, (sel & 0xfffc) | ext);
    }
    if (!(cflags & DESC_P)) {
        x86_raise_err(env, EXCP_NP, (sel & 0xfffc) | ext);
    }
    bool vm = env->eflags & VM_MASK;
    bool inner = !(cflags & DESC_C) && cdpl < env->cpl;
    int new_cpl = inner ? cdpl : env->cpl;
    if (vm && (!inner || cdpl != 0)) {
        /* From virtual-8086 mode only to a privilege-0 handler. */
        x86_raise_err(env, EXCP_GP, (sel & 0xfffc) | ext);
    }
    uint32_t climit = x86_desc_limit(clo, chi);
    X86Stack st;
    SegmentCache new_ss = env->segs[R_SS];
    uint16_t new_ss_sel = 0;
    uint32_t new_esp = 0;
    if (inner) {
        x86_load_inner_stack(env, cdpl, ext, &new_ss_sel, &new_esp, &new_ss);
        x86_stack_from_cache(env, &st, &new_ss, new_esp, new_cpl, (new_ss_sel & 0xfffc) | ext);
        /* The frame is written with protected-mode rules even when coming
         * from virtual-8086 mode. */
        st.mask = (new_ss.flags & DESC_B) ? 0xffffffffu : 0xffffu;
        SegmentCache tmp = new_ss;
        x86_seg_cache_checks(&tmp, true);
        st.lo = tmp.wlo;
        st.hi = tmp.whi;
    } else {
        x86_stack_from_cache(env, &st, &env->segs[R_SS], env->regs[R_ESP], new_cpl, 0);
    }
    unsigned sz = gate32 ? 4 : 2;
    if (off > climit) {
        x86_raise_err(env, EXCP_GP, 0);
    }
    if (inner) {
        if (vm) {
            x86_stack_push(env, &st, env->segs[R_GS].sel, sz);
            x86_stack_push(env, &st, env->segs[R_FS].sel, sz);
            x86_stack_push(env, &st, env->segs[R_DS].sel, sz);
            x86_stack_push(env, &st, env->segs[R_ES].sel, sz);
        }
        x86_stack_push(env, &st, env->segs[R_SS].sel, sz);
        x86_stack_push(env, &st, env->regs[R_ESP], sz);
    }
    x86_stack_push(env, &st, x86_get_eflags(env), sz);
    x86_stack_push(env, &st, env->segs[R_CS].sel, sz);
    x86_stack_push(env, &st, next_eip, sz);
    if (has_err) {
        x86_stack_push(env, &st, err, sz);
    }
    /* Commit. */
    x86_desc_set_accessed(env, sel, chi);
    uint32_t clear = TF_MASK | VM_MASK | RF_MASK | NT_MASK;
    if (!(type & 1)) {
        clear |= IF_MASK;   /* interrupt gate (SDM vol. 3A, 6.12.1.3) */
    }
    x86_set_eflags(env, 0, clear);
    if (inner) {
        if (vm) {
            for (int s = R_ES; s <= R_GS; s++) {
                if (s != R_CS && s != R_SS) {
                    x86_set_seg_cache(env, s, 0, 0, 0, 0);
                }
            }
        }
        env->cpl = new_cpl;
        new_ss.sel = (new_ss_sel & 0xfffc) | new_cpl;
        x86_set_seg_cache(env, R_SS, new_ss.sel, new_ss.base, new_ss.limit, new_ss.flags);
        env->regs[R_ESP] = new_esp;
    }
    x86_stack_commit(env, &st);
    env->cpl = new_cpl;
    x86_set_seg_cache(env, R_CS, (sel & 0xfffc) | new_cpl, x86_desc_base(clo, chi), climit,
                      cflags | DESC_A);
    for (int s = 0; s < 6; s++) {
        x86_seg_update_checks(env, s);
    }
    env->eip = off;
}

void x86_do_interrupt(CPUX86State *env, int vec, bool is_soft, bool has_err, uint32_t err,
                      uint32_t next_eip)
{
    if (log_enabled(LOG_INT)) {
        log_printf("x86: %s %d (0x%02x) err %x at %04x:%08x cpl %d eflags %08x\n",
                   is_soft ? "int" : "exception/irq", vec, vec, err,
                   env->segs[R_CS].sel, env->eip, env->cpl, x86_get_eflags(env));
    }
    if (env->cr[0] & CR0_PE) {
        do_interrupt_pm(env, vec, is_soft, has_err, err, next_eip);
    } else {
        do_interrupt_real(env, vec, next_eip);
    }
}
