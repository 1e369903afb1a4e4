/*
 * Hardware task switches (Intel SDM vol. 3A, 7.3 "Task switching"): JMP and
 * CALL to a TSS or task gate, interrupts through task gates, and IRET with
 * NT set.  Both TSS formats are supported: the 32-bit one (figure 7-2) and
 * the 80286 16-bit one (figure 7-11).
 *
 * SPDX-License-Identifier: MIT
 */
#include "cpu/x86-internal.h"

/* The state a TSS holds, in a format-independent form. */
typedef struct TaskState {
    uint32_t cr3, eip, eflags;
    uint32_t regs[8];
    uint16_t segs[6];
    uint16_t ldt;
    bool has_cr3;
} TaskState;

/* 32-bit TSS field offsets (SDM vol. 3A, figure 7-2). */
#define TSS32_CR3    0x1c
#define TSS32_EIP    0x20
#define TSS32_EFLAGS 0x24
#define TSS32_REGS   0x28
#define TSS32_SEGS   0x48
#define TSS32_LDT    0x60
/* 16-bit TSS field offsets (SDM vol. 3A, figure 7-11). */
#define TSS16_IP     0x0e
#define TSS16_FLAGS  0x10
#define TSS16_REGS   0x12
#define TSS16_SEGS   0x22   /* ES, CS, SS, DS */
#define TSS16_LDT    0x2a

static void tss_read(CPUX86State *env, uint32_t base, bool tss32, TaskState *t)
{
    memset(t, 0, sizeof(*t));
    if (tss32) {
        t->cr3 = x86_ld_kernel(env, base + TSS32_CR3, 4);
        t->has_cr3 = true;
        t->eip = x86_ld_kernel(env, base + TSS32_EIP, 4);
        t->eflags = x86_ld_kernel(env, base + TSS32_EFLAGS, 4);
        for (int i = 0; i < 8; i++) {
            t->regs[i] = x86_ld_kernel(env, base + TSS32_REGS + i * 4, 4);
        }
        for (int i = 0; i < 6; i++) {
            t->segs[i] = x86_ld_kernel(env, base + TSS32_SEGS + i * 4, 2);
        }
        t->ldt = x86_ld_kernel(env, base + TSS32_LDT, 2);
    } else {
        t->eip = x86_ld_kernel(env, base + TSS16_IP, 2);
        t->eflags = x86_ld_kernel(env, base + TSS16_FLAGS, 2);
        for (int i = 0; i < 8; i++) {
            /* A 16-bit TSS holds 16-bit registers (SDM vol. 3A, 7.6,
             * figure 7-11); the high halves are set to all ones, not kept
             * from the old task, as Bochs models the processor
             * (tests/cpu/guest/pm-task16.asm, cross-checked on Bochs
             * with ref-check.sh; QEMU keeps the old halves). */
            t->regs[i] = 0xffff0000u | x86_ld_kernel(env, base + TSS16_REGS + i * 2, 2);
        }
        for (int i = 0; i < 4; i++) {
            t->segs[i] = x86_ld_kernel(env, base + TSS16_SEGS + i * 2, 2);
        }
        t->ldt = x86_ld_kernel(env, base + TSS16_LDT, 2);
    }
}

static void tss_save(CPUX86State *env, uint32_t base, bool tss32, uint32_t eip,
                     uint32_t eflags)
{
    if (tss32) {
        x86_st_kernel(env, base + TSS32_EIP, eip, 4);
        x86_st_kernel(env, base + TSS32_EFLAGS, eflags, 4);
        for (int i = 0; i < 8; i++) {
            x86_st_kernel(env, base + TSS32_REGS + i * 4, env->regs[i], 4);
        }
        for (int i = 0; i < 6; i++) {
            x86_st_kernel(env, base + TSS32_SEGS + i * 4, env->segs[i].sel, 2);
        }
    } else {
        x86_st_kernel(env, base + TSS16_IP, eip, 2);
        x86_st_kernel(env, base + TSS16_FLAGS, eflags, 2);
        for (int i = 0; i < 8; i++) {
            x86_st_kernel(env, base + TSS16_REGS + i * 2, env->regs[i], 2);
        }
        for (int i = 0; i < 4; i++) {
            x86_st_kernel(env, base + TSS16_SEGS + i * 2, env->segs[i].sel, 2);
        }
    }
}

static void set_busy(CPUX86State *env, uint16_t sel, bool busy)
{
    uint32_t addr = env->gdt.base + (sel & ~7u) + 4;
    uint32_t hi = x86_ld_kernel(env, addr, 4);
    /* Bit 1 of the type is B (SDM vol. 3A, 7.2.2). */
    hi = busy ? (hi | 0x200) : (hi & ~0x200u);
    x86_st_kernel(env, addr, hi, 4);
}

/* Load a segment register of the new task with the checks of SDM vol. 3A,
 * 7.3 step 13; errors are #TS(sel) except not-present (#NP, #SS for SS). */
static void task_load_seg(CPUX86State *env, int seg, uint16_t sel)
{
    uint32_t lo, hi;
    int rpl = sel & 3;
    if ((sel & ~3u) == 0) {
        if (seg == R_SS || seg == R_CS) {
            x86_raise_err(env, EXCP_TS, 0);
        }
        x86_set_seg_cache(env, seg, sel, 0, 0, 0);
        return;
    }
    if (!x86_read_desc(env, sel, &lo, &hi)) {
        x86_raise_err(env, EXCP_TS, sel & 0xfffc);
    }
    uint16_t flags = x86_desc_flags(hi);
    int dpl = (flags & DESC_DPL_MASK) >> DESC_DPL_SHIFT;
    if (!(flags & DESC_S)) {
        x86_raise_err(env, EXCP_TS, sel & 0xfffc);
    }
    if (seg == R_CS) {
        if (!(flags & DESC_CODE) || ((flags & DESC_C) ? dpl > rpl : dpl != rpl)) {
            x86_raise_err(env, EXCP_TS, sel & 0xfffc);
        }
    } else if (seg == R_SS) {
        if ((flags & DESC_CODE) || !(flags & DESC_W) || dpl != env->cpl || rpl != env->cpl) {
            x86_raise_err(env, EXCP_TS, sel & 0xfffc);
        }
    } else {
        if ((flags & DESC_CODE) && !(flags & DESC_R)) {
            x86_raise_err(env, EXCP_TS, sel & 0xfffc);
        }
        if (!((flags & DESC_CODE) && (flags & DESC_C)) && (dpl < env->cpl || dpl < rpl)) {
            x86_raise_err(env, EXCP_TS, sel & 0xfffc);
        }
    }
    if (!(flags & DESC_P)) {
        x86_raise_err(env, seg == R_SS ? EXCP_SS : EXCP_NP, sel & 0xfffc);
    }
    x86_desc_set_accessed(env, sel, hi);
    x86_set_seg_cache(env, seg, sel, x86_desc_base(lo, hi), x86_desc_limit(lo, hi),
                      flags | DESC_A);
}

void x86_task_switch(CPUX86State *env, uint16_t sel, uint32_t lo, uint32_t hi, int source,
                     uint32_t next_eip)
{
    uint16_t flags = x86_desc_flags(hi);
    int type = flags & DESC_TYPE_MASK;
    bool tss32 = type & 8;
    uint32_t limit = x86_desc_limit(lo, hi);
    uint32_t base = x86_desc_base(lo, hi);

    if (log_enabled(LOG_INT)) {
        log_printf("x86: task switch to %04x (%s) from %04x\n", sel,
                   source == TS_JMP ? "jmp" : source == TS_CALL ? "call" :
                   source == TS_IRET ? "iret" : "int", env->tr.sel);
    }
    /* The new TSS must be available (busy for IRET), present and large
     * enough: 0x67 for 32-bit, 0x2b for 16-bit (SDM vol. 3A, 7.2.2). */
    if (source == TS_IRET) {
        if ((type & 7) != 3) {
            x86_raise_err(env, EXCP_TS, sel & 0xfffc);
        }
    } else if ((type & 7) != 1) {
        x86_raise_err(env, EXCP_GP, sel & 0xfffc);
    }
    if (!(flags & DESC_P)) {
        x86_raise_err(env, EXCP_NP, sel & 0xfffc);
    }
    if (limit < (tss32 ? 0x67u : 0x2bu)) {
        x86_raise_err(env, EXCP_TS, sel & 0xfffc);
    }
    bool old32 = env->tr.flags & 8;
    uint32_t old_limit_min = old32 ? 0x5fu : 0x29u;
    if (env->tr.limit < old_limit_min) {
        x86_raise_err(env, EXCP_TS, env->tr.sel & 0xfffc);
    }

    /* Read the new task's state first: a fault here leaves the old task
     * untouched. */
    TaskState nt;
    tss_read(env, base, tss32, &nt);
    if (source == TS_CALL || source == TS_INT) {
        x86_probe_write(env, base, 2);
    }

    /* Save the old task. */
    uint32_t old_flags = x86_get_eflags(env);
    if (source == TS_IRET) {
        old_flags &= ~NT_MASK;
    }
    tss_save(env, env->tr.base, old32, next_eip, old_flags);
    if (source == TS_JMP || source == TS_IRET) {
        set_busy(env, env->tr.sel, false);
    }
    if (source == TS_CALL || source == TS_INT) {
        x86_st_kernel(env, base, env->tr.sel, 2);
        nt.eflags |= NT_MASK;
    }
    if (source != TS_IRET) {
        set_busy(env, sel, true);
    }

    /* Switch TR (SDM vol. 3A, 7.3 steps 10-11) and set CR0.TS. */
    env->tr.sel = sel;
    env->tr.base = base;
    env->tr.limit = limit;
    env->tr.flags = flags | 0x2;      /* busy */
    env->cr[0] |= CR0_TS;

    /* Load the new state.  From here, faults belong to the new task. */
    if (nt.has_cr3 && (env->cr[0] & CR0_PG)) {
        x86_write_cr(env, 3, nt.cr3);
    }
    memcpy(env->regs, nt.regs, sizeof(nt.regs));
    env->eip = nt.eip;
    /* All of EFLAGS comes from the TSS; a 16-bit one has only FLAGS, so the
     * high half (VM, RF, AC, ID, ...) is cleared, not kept from the old
     * task: a 16-bit task never starts in virtual-8086 mode. */
    x86_set_eflags(env, nt.eflags, ~0u);
    /* Selectors first, without their descriptors, so a fault while
     * loading them shows the new task's values (7.3 step 12). */
    for (int i = 0; i < 6; i++) {
        env->segs[i].sel = nt.segs[i];
    }
    env->ldt.sel = nt.ldt;

    if (env->eflags & VM_MASK) {
        env->cpl = 3;
        for (int i = 0; i < 6; i++) {
            x86_load_seg_real(env, i, nt.segs[i]);
        }
    } else {
        env->cpl = nt.segs[R_CS] & 3;
    }
    x86_update_hflags(env);

    /* LDT: a GDT selector of an LDT descriptor, or null. */
    if ((nt.ldt & ~3u) == 0) {
        env->ldt.base = 0;
        env->ldt.limit = 0;
        env->ldt.flags = 0;
    } else {
        uint32_t llo, lhi;
        if ((nt.ldt & 4) || !x86_read_desc(env, nt.ldt, &llo, &lhi)) {
            x86_raise_err(env, EXCP_TS, nt.ldt & 0xfffc);
        }
        uint16_t lflags = x86_desc_flags(lhi);
        if ((lflags & DESC_S) || (lflags & DESC_TYPE_MASK) != 2) {
            x86_raise_err(env, EXCP_TS, nt.ldt & 0xfffc);
        }
        if (!(lflags & DESC_P)) {
            x86_raise_err(env, EXCP_TS, nt.ldt & 0xfffc);
        }
        env->ldt.base = x86_desc_base(llo, lhi);
        env->ldt.limit = x86_desc_limit(llo, lhi);
        env->ldt.flags = lflags;
    }

    if (!(env->eflags & VM_MASK)) {
        task_load_seg(env, R_CS, nt.segs[R_CS]);
        task_load_seg(env, R_SS, nt.segs[R_SS]);
        task_load_seg(env, R_DS, nt.segs[R_DS]);
        task_load_seg(env, R_ES, nt.segs[R_ES]);
        if (tss32) {
            task_load_seg(env, R_FS, nt.segs[R_FS]);
            task_load_seg(env, R_GS, nt.segs[R_GS]);
        } else {
            x86_set_seg_cache(env, R_FS, 0, 0, 0, 0);
            x86_set_seg_cache(env, R_GS, 0, 0, 0, 0);
        }
    }
    for (int i = 0; i < 6; i++) {
        x86_seg_update_checks(env, i);
    }
    x86_update_hflags(env);
    if (env->eip > env->segs[R_CS].limit) {
        x86_raise_err(env, EXCP_GP, 0);
    }
}
