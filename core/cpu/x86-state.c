/*
 * The x86 CPU's architectural state: the reset state, the flat 32-bit state
 * the boot loaders hand over, and the register dump.
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <cardcage/intc.h>
#include "cpu/x86-internal.h"

X86CPU *x86_env_cpu(CPUX86State *env)
{
    return container_of(env, X86CPU, env);
}

/* Descriptor attributes of the segments the reset state and the flat boot
 * state use: present, accessed, read/write data or execute/read code. */
#define FLAGS_DATA16 (DESC_P | DESC_S | DESC_W | DESC_A)
#define FLAGS_CODE16 (DESC_P | DESC_S | DESC_CODE | DESC_R | DESC_A)
#define FLAGS_DATA32 (FLAGS_DATA16 | DESC_B | DESC_G)
#define FLAGS_CODE32 (FLAGS_CODE16 | DESC_B | DESC_G)

void x86_cpu_reset_state(CPUX86State *env)
{
    CPUState *cs = env->cs;
    memset(env->regs, 0, sizeof(env->regs));
    /* EDX holds the processor signature after reset (SDM vol. 3A,
     * 9.1.4). */
    env->regs[R_EDX] = env->cpuid_version;
    env->eip = 0xfff0;
    env->eflags = 0x2;
    env->cc_op = CC_OP_EFLAGS;
    env->cc_dst = env->cc_src1 = env->cc_src2 = 0;
    memset(env->cr, 0, sizeof(env->cr));
    env->cr[0] = 0x60000010u;       /* CD, NW, ET (table 9-1) */
    env->cpl = 0;
    for (int s = 0; s < 6; s++) {
        env->segs[s].sel = 0;
        env->segs[s].base = 0;
        env->segs[s].limit = 0xffff;
        env->segs[s].flags = FLAGS_DATA16;
    }
    env->segs[R_CS].sel = 0xf000;
    env->segs[R_CS].base = 0xffff0000u;
    env->segs[R_CS].flags = FLAGS_CODE16;
    env->gdt.base = env->idt.base = 0;
    env->gdt.limit = env->idt.limit = 0xffff;
    env->ldt = (SegmentCache){ .limit = 0xffff, .flags = DESC_P | 2 };
    env->tr = (SegmentCache){ .limit = 0xffff, .flags = DESC_P | 11 };
    memset(env->dr, 0, sizeof(env->dr));
    env->dr[6] = 0xffff0ff0u;
    env->dr[7] = 0x400;
    env->sysenter_cs = env->sysenter_esp = env->sysenter_eip = 0;
    x86_msr_reset(env);
    memset(env->pdpte, 0, sizeof(env->pdpte));
    /* The x87 after RESET (not FINIT): FCW 0040, FTW all "zero" (table
     * 9-1). */
    x87_init(&env->fpu);
    env->fpu.fcw = 0x0040;
    env->fpu.ftw = 0x5555;
    /* MXCSR 1F80 (all exceptions masked, round to nearest) and XMM0..7
     * zero after RESET (table 9-1). */
    env->mxcsr = 0x1f80;
    memset(env->xmm, 0, sizeof(env->xmm));
    env->ferr = false;
    if (env->ferr_irq) {
        irq_set(env->ferr_irq, 0);
    }
    env->nmi_blocked = false;
    env->in_delivery = false;
    env->shutdown = false;
    env->wait_sipi = false;
    env->rep_restart = false;
    env->smc_hit = false;
    env->cur_tb = NULL;
    env->inhibit_irq_at = UINT64_MAX;
    if (cs) {
        cs->halted = false;
        cs->interrupt_request &= ~(CPU_INTERRUPT_NMI | CPU_INTERRUPT_INIT);
    }
    x86_update_hflags(env);
    for (int s = 0; s < 6; s++) {
        x86_seg_update_checks(env, s);
    }
    if (env->code) {
        x86_tlb_flush(env);
    }
    /* The TSC restarts from 0. */
    env->tsc_offset = 0;
    env->tsc_offset = -(int64_t)x86_get_tsc(env);
}

void x86_cpu_init_state(CPUX86State *env)
{
    X87State fpu = env->fpu;
    uint32_t mxcsr = env->mxcsr;
    X86Xmm xmm[8];
    memcpy(xmm, env->xmm, sizeof(xmm));
    bool ferr = env->ferr;
    int64_t tsc_offset = env->tsc_offset;
    uint32_t se_cs = env->sysenter_cs, se_esp = env->sysenter_esp;
    uint32_t se_eip = env->sysenter_eip;
    /* INIT keeps the MTRRs and the PAT (SDM vol. 3A, 11.11.5 and
     * 11.12.4); EFER is cleared as after RESET. */
    uint64_t pat = env->pat, deftype = env->mtrr_deftype, misc = env->misc_enable;
    uint64_t fixed[X86_MTRR_FIXED], var[X86_MTRR_VAR * 2];
    memcpy(fixed, env->mtrr_fixed, sizeof(fixed));
    memcpy(var, env->mtrr_var, sizeof(var));
    x86_cpu_reset_state(env);
    env->pat = pat;
    env->mtrr_deftype = deftype;
    env->misc_enable = misc;
    memcpy(env->mtrr_fixed, fixed, sizeof(fixed));
    memcpy(env->mtrr_var, var, sizeof(var));
    env->fpu = fpu;
    env->mxcsr = mxcsr;
    memcpy(env->xmm, xmm, sizeof(xmm));
    env->tsc_offset = tsc_offset;
    env->sysenter_cs = se_cs;
    env->sysenter_esp = se_esp;
    env->sysenter_eip = se_eip;
    if (ferr) {
        x86_set_ferr(env, true);
    }
    x86_cpu_enter_wait_sipi(env);
}

void x86_cpu_enter_wait_sipi(CPUX86State *env)
{
    uint64_t base;
    /* Without a local APIC there is one processor, the BSP. */
    if (env->cs && local_apic_get_base(env->intc, &base) && !(base & LOCAL_APIC_BASE_BSP)) {
        env->wait_sipi = true;
        env->cs->halted = true;
    }
}

bool x86_cpu_sipi(CPUX86State *env, uint8_t vector)
{
    if (!env->wait_sipi) {
        return false;
    }
    env->wait_sipi = false;
    env->segs[R_CS].sel = (uint16_t)vector << 8;
    env->segs[R_CS].base = (uint32_t)vector << 12;
    env->eip = 0;
    x86_seg_update_checks(env, R_CS);
    x86_update_hflags(env);
    if (env->cs) {
        env->cs->halted = false;
    }
    return true;
}

void x86_cpu_load_flat32(X86CPU *cpu, const X86Flat32State *st)
{
    CPUX86State *env = &cpu->env;
    for (int r = 0; r < 8; r++) {
        env->regs[r] = st->regs[r];
    }
    env->eip = st->eip;
    env->eflags = 0x2;
    env->cc_op = CC_OP_EFLAGS;
    env->cr[0] = (env->cr[0] & ~(CR0_PG | CR0_CD | CR0_NW)) | CR0_PE | CR0_ET;
    env->cpl = 0;
    env->gdt.base = st->gdt_base;
    env->gdt.limit = st->gdt_limit;
    for (int s = 0; s < 6; s++) {
        env->segs[s].sel = st->ds_sel;
        env->segs[s].base = 0;
        env->segs[s].limit = 0xffffffffu;
        env->segs[s].flags = FLAGS_DATA32;
    }
    env->segs[R_CS].sel = st->cs_sel;
    env->segs[R_CS].flags = FLAGS_CODE32;
    env->a20_mask = 0xffffffffu;
    x86_update_hflags(env);
    for (int s = 0; s < 6; s++) {
        x86_seg_update_checks(env, s);
    }
    x86_tlb_flush(env);
}

static void dump_seg(FILE *out, const char *name, const SegmentCache *s)
{
    fprintf(out, "%-3s=%04x %08x %08x %04x\n", name, s->sel, s->base, s->limit, s->flags);
}

void x86_cpu_dump_state(CPUX86State *env, FILE *out)
{
    static const char *const seg_names[6] = { "ES", "CS", "SS", "DS", "FS", "GS" };
    uint32_t fl = x86_get_eflags(env);
    fprintf(out, "EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n", env->regs[R_EAX],
            env->regs[R_EBX], env->regs[R_ECX], env->regs[R_EDX]);
    fprintf(out, "ESI=%08x EDI=%08x EBP=%08x ESP=%08x\n", env->regs[R_ESI],
            env->regs[R_EDI], env->regs[R_EBP], env->regs[R_ESP]);
    fprintf(out, "EIP=%08x EFL=%08x [%c%c%c%c%c%c%c] CPL=%d A20=%d%s%s\n", env->eip, fl,
            fl & DF_MASK ? 'D' : '-', fl & CC_O ? 'O' : '-', fl & CC_S ? 'S' : '-',
            fl & CC_Z ? 'Z' : '-', fl & CC_A ? 'A' : '-', fl & CC_P ? 'P' : '-',
            fl & CC_C ? 'C' : '-', env->cpl, (env->a20_mask >> 20) & 1,
            env->cs && env->cs->halted ? " HLT" : "", env->shutdown ? " SHUTDOWN" : "");
    for (int s = 0; s < 6; s++) {
        dump_seg(out, seg_names[s], &env->segs[s]);
    }
    dump_seg(out, "LDT", &env->ldt);
    dump_seg(out, "TR", &env->tr);
    fprintf(out, "GDT=     %08x %08x\nIDT=     %08x %08x\n", env->gdt.base, env->gdt.limit,
            env->idt.base, env->idt.limit);
    fprintf(out, "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n", env->cr[0], env->cr[2], env->cr[3],
            env->cr[4]);
    if (env->cpuid_ext2_features & X86_CPUID_EXT2_NX) {
        fprintf(out, "EFER=%016" PRIx64 "\n", env->efer);
    }
    fprintf(out, "DR6=%08x DR7=%08x\n", env->dr[6], env->dr[7]);
    if (env->fpu_present) {
        x87_dump(&env->fpu, out);
    }
    /* SSE (CPUID.1:EDX bit 25): MXCSR and XMM0..7, high dword first. */
    if (env->cpuid_features & (1u << 25)) {
        fprintf(out, "MXCSR=%08x\n", env->mxcsr);
        for (int i = 0; i < 8; i++) {
            const X86Xmm *x = &env->xmm[i];
            fprintf(out, "XMM%d=%08x%08x%08x%08x%c", i, x->d[3], x->d[2], x->d[1], x->d[0],
                    (i & 1) ? '\n' : ' ');
        }
    }
}

/* Set up an engine state without the device layer (the CPU device calls
 * this from instance_init; tests may too). */
void x86_env_init(CPUX86State *env, CPUState *cs, AddressSpace *as, AddressSpace *io_as)
{
    env->cs = cs;
    env->as = as;
    env->io_as = io_as;
    env->a20_mask = 0xffffffffu;
    if (!env->code) {
        env->code = x86_code_cache_new();
    }
    env->tlb_cur = env->tlb[0];
    x86_tlb_flush(env);
}
