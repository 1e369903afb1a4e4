/*
 * The x86 CPU's state description: every architectural register (general,
 * segment registers with their descriptor caches, descriptor tables,
 * control and debug registers), the x87 with its control, status and tag
 * words, MXCSR and the XMM registers (the MMX registers are the x87's),
 * the MSRs, and the interrupt state (pending requests, HLT, the
 * MOV SS/STI shadow, NMI blocking, the A20 mask).  What the execution
 * engine derives from them (hflags, the segment check ranges, the TLB,
 * translated code) is rebuilt on load.
 *
 * SPDX-License-Identifier: MIT
 */
#include "cpu/x86-internal.h"

/* EFLAGS bits that exist on a P6 (Intel SDM vol. 1, 3.4.3): bit 1 always
 * reads 1; bits 3, 5, 15 and 22-31 are reserved (0). */
#define EFLAGS_FIXED1   0x00000002u
#define EFLAGS_DEFINED  (CC_ARITH | TF_MASK | IF_MASK | DF_MASK | IOPL_MASK | NT_MASK | \
                         RF_MASK | VM_MASK | AC_MASK | VIF_MASK | VIP_MASK | ID_MASK | \
                         EFLAGS_FIXED1)
/* Interrupt requests that are state; EXIT and FLUSH are the engine's. */
#define IRQ_REQUEST_STATE (CPU_INTERRUPT_HARD | CPU_INTERRUPT_NMI | CPU_INTERRUPT_INIT)
/* The A20 gate masks physical address bit 20 or nothing (x86-qom.c). */
#define A20_OPEN   0xffffffffu
#define A20_CLOSED (~(1u << 20))

static const VMStateDescription vmstate_x86_segment = {
    .name = "x86-segment",
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(base, SegmentCache),
        VMSTATE_UINT32(limit, SegmentCache),
        VMSTATE_UINT16(sel, SegmentCache),
        VMSTATE_UINT16(flags, SegmentCache),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_x86_dtable = {
    .name = "x86-dtable",
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(base, DescTable),
        VMSTATE_UINT16(limit, DescTable),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_floatx80 = {
    .name = "floatx80",
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(mant, floatx80),
        VMSTATE_UINT16(sign_exp, floatx80),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_x87 = {
    .name = "x87",
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT_ARRAY(regs, X87State, 8, vmstate_floatx80, floatx80),
        VMSTATE_UINT16(fcw, X87State),
        VMSTATE_UINT16(fsw, X87State),
        VMSTATE_UINT16(ftw, X87State),
        VMSTATE_UINT16(fop, X87State),
        VMSTATE_UINT32(fip, X87State),
        VMSTATE_UINT32(fdp, X87State),
        VMSTATE_UINT16(fcs, X87State),
        VMSTATE_UINT16(fds, X87State),
        VMSTATE_END_OF_LIST()
    },
};

static void x86_cpu_pre_save(void *opaque)
{
    X86CPU *cpu = opaque;
    CPUState *cs = CPU(cpu);
    cpu->vms.eflags = x86_get_eflags(&cpu->env);
    cpu->vms.interrupt_request = cs->interrupt_request & IRQ_REQUEST_STATE;
    /* The engine checks the shadow at block boundaries against the
     * instruction count (x86-exec.c, handle_events). */
    cpu->vms.irq_shadow = cs->insns_executed == cpu->env.inhibit_irq_at;
}

static bool x86_cpu_check(const X86CPU *cpu, Error **errp)
{
    const CPUX86State *env = &cpu->env;
    if ((cpu->vms.eflags & ~EFLAGS_DEFINED) || !(cpu->vms.eflags & EFLAGS_FIXED1)) {
        error_setg(errp, "EFLAGS 0x%08x: reserved bits wrong", cpu->vms.eflags);
        return false;
    }
    if (cpu->vms.interrupt_request & ~IRQ_REQUEST_STATE) {
        error_setg(errp, "interrupt requests 0x%x: unknown bits",
                   cpu->vms.interrupt_request);
        return false;
    }
    if (env->a20_mask != A20_OPEN && env->a20_mask != A20_CLOSED) {
        error_setg(errp, "A20 mask 0x%08x is neither open nor closed", env->a20_mask);
        return false;
    }
    if (env->mxcsr & ~MXCSR_VALID) {
        error_setg(errp, "MXCSR 0x%08x: reserved bits set", env->mxcsr);
        return false;
    }
    if (env->regs[8]) {
        error_setg(errp, "the zero register holds 0x%x", env->regs[8]);
        return false;
    }
    return true;
}

static void x86_cpu_pre_load(void *opaque)
{
    X86CPU *cpu = opaque;
    /* A stream without the paging MSRs (from before they existed): the
     * state after RESET. */
    x86_msr_reset(&cpu->env);
    memset(cpu->env.pdpte, 0, sizeof(cpu->env.pdpte));
}

static bool x86_cpu_post_load(void *opaque, int version_id, Error **errp)
{
    X86CPU *cpu = opaque;
    CPUState *cs = CPU(cpu);
    CPUX86State *env = &cpu->env;
    if (!x86_cpu_check(cpu, errp) || !x86_msr_state_check(env, errp)) {
        return false;
    }
    env->eflags = cpu->vms.eflags;
    env->cc_op = CC_OP_EFLAGS;
    cs->interrupt_request = (cs->interrupt_request & ~IRQ_REQUEST_STATE) |
                            cpu->vms.interrupt_request;
    env->inhibit_irq_at = cpu->vms.irq_shadow ? cs->insns_executed : UINT64_MAX;
    env->cur_tb = NULL;
    env->in_delivery = false;
    env->rep_restart = false;
    env->smc_hit = false;
    /* What the engine derives: the mode bits, the segment check ranges,
     * and (flushed) the TLB and the translated code, which belong to the
     * memory and mappings of before. */
    x86_update_hflags(env);
    for (int s = 0; s < 6; s++) {
        x86_seg_update_checks(env, s);
    }
    if (env->code) {
        x86_tb_flush(env);
    }
    cpu_interrupt(cs, 0);
    return true;
}

/* EFER, the PAT, the MTRRs, IA32_MISC_ENABLE and the PDPTEs that PAE
 * paging loaded with CR3 (which may differ from the PDPT in memory). */
static const VMStateDescription vmstate_x86_paging_msrs = {
    .name = "x86-cpu/paging-msrs",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(env.efer, X86CPU),
        VMSTATE_UINT64(env.pat, X86CPU),
        VMSTATE_UINT64(env.mtrr_deftype, X86CPU),
        VMSTATE_UINT64_ARRAY(env.mtrr_fixed, X86CPU, X86_MTRR_FIXED),
        VMSTATE_UINT64_ARRAY(env.mtrr_var, X86CPU, 2 * X86_MTRR_VAR),
        VMSTATE_UINT64(env.misc_enable, X86CPU),
        VMSTATE_UINT64_ARRAY(env.pdpte, X86CPU, 4),
        VMSTATE_END_OF_LIST()
    },
};

/* The CPUID model and features are the configuration (-cpu), the same on
 * the machine that loads the state. */
const VMStateDescription vmstate_x86_cpu = {
    .name = "x86-cpu",
    .version_id = 3,
    .minimum_version_id = 1,
    .pre_save = x86_cpu_pre_save,
    .pre_load = x86_cpu_pre_load,
    .post_load = x86_cpu_post_load,
    .subsections = (const VMStateSubsection[]) {
        { &vmstate_x86_paging_msrs, NULL },
        { NULL }
    },
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32_ARRAY(env.regs, X86CPU, 9),
        VMSTATE_UINT32(env.eip, X86CPU),
        VMSTATE_UINT32(vms.eflags, X86CPU),
        VMSTATE_STRUCT_ARRAY(env.segs, X86CPU, 6, vmstate_x86_segment, SegmentCache),
        VMSTATE_STRUCT(env.ldt, X86CPU, vmstate_x86_segment, SegmentCache),
        VMSTATE_STRUCT(env.tr, X86CPU, vmstate_x86_segment, SegmentCache),
        VMSTATE_STRUCT(env.gdt, X86CPU, vmstate_x86_dtable, DescTable),
        VMSTATE_STRUCT(env.idt, X86CPU, vmstate_x86_dtable, DescTable),
        VMSTATE_UINT32_ARRAY(env.cr, X86CPU, 5),
        VMSTATE_UINT32_ARRAY(env.dr, X86CPU, 8),
        VMSTATE_INT_RANGE(env.cpl, X86CPU, 0, 3),
        VMSTATE_UINT32(env.a20_mask, X86CPU),
        /* MSRs */
        VMSTATE_INT64(env.tsc_offset, X86CPU),
        VMSTATE_UINT32(env.sysenter_cs, X86CPU),
        VMSTATE_UINT32(env.sysenter_esp, X86CPU),
        VMSTATE_UINT32(env.sysenter_eip, X86CPU),
        /* x87 and MXCSR, FERR#/IGNNE# */
        VMSTATE_STRUCT(env.fpu, X86CPU, vmstate_x87, X87State),
        VMSTATE_UINT32(env.mxcsr, X86CPU),
        VMSTATE_BOOL(env.ferr, X86CPU),
        VMSTATE_BOOL(env.ignne, X86CPU),
        /* interrupt state */
        VMSTATE_UINT32(vms.interrupt_request, X86CPU),
        VMSTATE_BOOL(parent_obj.halted, X86CPU),
        VMSTATE_BOOL(vms.irq_shadow, X86CPU),
        VMSTATE_BOOL(env.nmi_blocked, X86CPU),
        VMSTATE_BOOL(env.shutdown, X86CPU),
        VMSTATE_BOOL(nmi_level, X86CPU),
        VMSTATE_BOOL(init_level, X86CPU),
        /* version 2: an AP waiting for its start-up IPI (-smp) */
        VMSTATE_BOOL_V(env.wait_sipi, X86CPU, 2),
        /* version 3: XMM0..7 (SSE), 128 bytes little-endian */
        VMSTATE_BUFFER_V(env.xmm, X86CPU, 3),
        VMSTATE_END_OF_LIST()
    },
};
