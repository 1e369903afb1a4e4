/*
 * System and flag instructions: CLI/STI, PUSHF/POPF, the flag bit
 * instructions, port I/O with the IOPL and I/O permission bitmap checks,
 * descriptor-table registers, LDTR/TR, LAR/LSL/VERR/VERW/ARPL, control and
 * debug registers, TLB and cache control, CPUID, RDTSC, MSRs, SYSENTER/
 * SYSEXIT.  Semantics and checks from the Intel SDM vol. 2 instruction pages
 * and vol. 3A chapters 2, 5 and 20.
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/timer.h>
#include "cpu/x86-ops.h"

static inline int iopl(CPUX86State *env)
{
    return (env->eflags & IOPL_MASK) >> IOPL_SHIFT;
}

static inline bool real_or_vm(CPUX86State *env)
{
    return !(env->cr[0] & CR0_PE) || (env->eflags & VM_MASK);
}

/* Privileged instructions: #GP(0) unless CPL 0 (in virtual-8086 mode the
 * CPL is 3). */
static void require_cpl0(CPUX86State *env)
{
    if (env->cpl != 0) {
        x86_raise_err(env, EXCP_GP, 0);
    }
}

/* Instructions that exist only in protected mode raise #UD in real and
 * virtual-8086 mode. */
static void require_pm(CPUX86State *env)
{
    if (real_or_vm(env)) {
        x86_raise(env, EXCP_UD);
    }
}

static uint32_t rm_load16(CPUX86State *env, const X86Insn *in)
{
    if (in->flags & IF_MEM) {
        return x86_ld_seg(env, in->seg, x86_ea(env, in), 2);
    }
    return rd_reg(env, in->rm, 2);
}

/* SLDT/STR/SMSW and friends: a memory destination takes 16 bits, a
 * register destination the operand size. */
static void rm_store_sel(CPUX86State *env, const X86Insn *in, uint32_t v)
{
    if (in->flags & IF_MEM) {
        x86_st_seg(env, in->seg, x86_ea(env, in), v, 2);
    } else {
        wr_reg(env, in->rm, in->osz, in->osz == 4 ? v : (v & 0xffff));
    }
}

/* ---- interrupt flag and EFLAGS ---- */

static void check_iopl_sensitive(CPUX86State *env)
{
    /* CLI/STI/PUSHF/POPF need CPL <= IOPL in protected mode, IOPL 3 in
     * virtual-8086 mode (no VME/PVI: SDM vol. 3A, 20.2.7). */
    if ((env->cr[0] & CR0_PE) && env->cpl > iopl(env)) {
        x86_raise_err(env, EXCP_GP, 0);
    }
}

X86_HANDLER(x86_op_cli)
{
    check_iopl_sensitive(env);
    env->eflags &= ~IF_MASK;
}

X86_HANDLER(x86_op_sti)
{
    check_iopl_sensitive(env);
    if (!(env->eflags & IF_MASK)) {
        env->eflags |= IF_MASK;
        /* Interrupts are recognised after the next instruction (SDM
         * vol. 2B, STI). */
        env->inhibit_irq_at = x86_insns_now(env) + 1;
        if (env->cs->interrupt_request) {
            env->cs->exit_request = 1;
        }
    }
}

X86_HANDLER(x86_op_pushf)
{
    if ((env->eflags & VM_MASK) && iopl(env) != 3) {
        x86_raise_err(env, EXCP_GP, 0);
    }
    /* The image has VM and RF clear (SDM vol. 2B, PUSHF). */
    x86_push(env, x86_get_eflags(env) & ~(VM_MASK | RF_MASK), in->osz);
}

X86_HANDLER(x86_op_popf)
{
    int size = in->osz;
    if ((env->eflags & VM_MASK) && iopl(env) != 3) {
        x86_raise_err(env, EXCP_GP, 0);
    }
    uint32_t esp = env->regs[R_ESP];
    uint32_t v = x86_ld_seg(env, R_SS, esp & env->sp_mask, size);
    /* What POPF may change (SDM vol. 2B, POPF, table "Effect of POPF"). */
    uint32_t mask = CC_ARITH | TF_MASK | DF_MASK | NT_MASK;
    if (size == 4) {
        mask |= AC_MASK | ID_MASK;
    }
    if (!(env->cr[0] & CR0_PE) || env->cpl == 0) {
        mask |= IOPL_MASK | IF_MASK;
    } else if (env->cpl <= iopl(env)) {
        mask |= IF_MASK;
    }
    if (env->eflags & VM_MASK) {
        mask &= ~IOPL_MASK;
    }
    bool if_was = env->eflags & IF_MASK;
    env->regs[R_ESP] = (esp & ~env->sp_mask) | ((esp + size) & env->sp_mask);
    x86_set_eflags(env, v, mask & (size == 2 ? 0xffffu : ~0u));
    env->eflags &= ~RF_MASK;
    env->exit_slot = EXIT_NOCHAIN;
    if (!if_was && (env->eflags & IF_MASK) && env->cs->interrupt_request) {
        env->cs->exit_request = 1;
    }
}

/* CLC STC CMC CLD STD (F8..FD except FA/FB) */
X86_HANDLER(x86_op_flagbit)
{
    x86_flags_materialize(env);
    switch (in->opc) {
    case 0xf5: env->eflags ^= CC_C; break;
    case 0xf8: env->eflags &= ~CC_C; break;
    case 0xf9: env->eflags |= CC_C; break;
    case 0xfc: env->eflags &= ~DF_MASK; break;
    case 0xfd: env->eflags |= DF_MASK; break;
    default: break;
    }
}

/* ---- port I/O ---- */

bool x86_io_allowed(CPUX86State *env, uint32_t port, unsigned size)
{
    if (!(env->cr[0] & CR0_PE)) {
        return true;
    }
    if (!(env->eflags & VM_MASK) && env->cpl <= iopl(env)) {
        return true;
    }
    /* The I/O permission bitmap of a 32-bit TSS (SDM vol. 1, 19.5.2):
     * every bit of the accessed ports must be clear. */
    int type = env->tr.flags & DESC_TYPE_MASK;
    if ((type != 9 && type != 11) || env->tr.limit < 0x67) {
        return false;
    }
    uint32_t base = x86_ld_kernel(env, env->tr.base + 0x66, 2);
    uint32_t off = base + port / 8;
    if (off + 1 > env->tr.limit) {
        return false;
    }
    uint32_t bits = x86_ld_kernel(env, env->tr.base + off, 2);
    uint32_t mask = ((1u << size) - 1) << (port & 7);
    return (bits & mask) == 0;
}

uint32_t x86_io_in(CPUX86State *env, uint32_t port, unsigned size)
{
    uint32_t v = (uint32_t)address_space_ld(env->io_as, port, size, NULL);
    if (log_enabled(LOG_IOPORT)) {
        log_printf("x86: in%c 0x%04x -> 0x%x\n", "bw?l"[size - 1], port, v);
    }
    return v;
}

void x86_io_out(CPUX86State *env, uint32_t port, uint32_t val, unsigned size)
{
    if (log_enabled(LOG_IOPORT)) {
        log_printf("x86: out%c 0x%04x <- 0x%x\n", "bw?l"[size - 1], port, val);
    }
    address_space_st(env->io_as, port, val, size, NULL);
}

/* E4..E7 (port in imm), EC..EF (port in DX) */
X86_HANDLER(x86_op_io)
{
    int size = in->osz;
    uint32_t port = (in->opc & 8) ? (env->regs[R_EDX] & 0xffff) : (in->imm & 0xff);
    if (!x86_io_allowed(env, port, size)) {
        x86_raise_err(env, EXCP_GP, 0);
    }
    if (in->opc & 2) {
        x86_io_out(env, port, rd_reg(env, 0, size), size);
    } else {
        wr_reg(env, 0, size, x86_io_in(env, port, size));
    }
}

/* ---- descriptor tables ---- */

/* 0F 01 /0../3: SGDT SIDT LGDT LIDT; the register is in imm2 (0..3). */
X86_HANDLER(x86_op_xdt)
{
    int op = in->imm2;
    DescTable *dt = (op & 1) ? &env->idt : &env->gdt;
    uint32_t off = x86_ea(env, in);
    uint32_t amask = (in->flags & IF_ASZ32) ? 0xffffffffu : 0xffffu;
    if (op >= 2) {
        if ((env->eflags & VM_MASK)) {
            x86_raise_err(env, EXCP_GP, 0);
        }
        require_cpl0(env);
        uint32_t lin = x86_lin_rd(env, in->seg, off, 2);
        uint32_t limit = x86_ld(env, lin, 2);
        uint32_t base = x86_ld_seg(env, in->seg, (off + 2) & amask, 4);
        if (!(in->flags & IF_OSZ32)) {
            base &= 0xffffff;   /* 24-bit base with a 16-bit operand */
        }
        dt->limit = limit;
        dt->base = base;
    } else {
        uint32_t lin = x86_lin_wr(env, in->seg, off, 2);
        x86_lin_wr(env, in->seg, (off + 2) & amask, 4);
        x86_st(env, lin, dt->limit, 2);
        uint32_t base = dt->base;
        if (!(in->flags & IF_OSZ32)) {
            base &= 0xffffff;
        }
        x86_st_seg(env, in->seg, (off + 2) & amask, base, 4);
    }
}

/* 0F 00 /0 SLDT, /1 STR */
X86_HANDLER(x86_op_sldt_str)
{
    require_pm(env);
    rm_store_sel(env, in, in->imm2 ? env->tr.sel : env->ldt.sel);
}

X86_HANDLER(x86_op_lldt)
{
    require_pm(env);
    require_cpl0(env);
    uint16_t sel = rm_load16(env, in);
    if ((sel & ~3u) == 0) {
        env->ldt.sel = sel;
        env->ldt.base = 0;
        env->ldt.limit = 0;
        env->ldt.flags = 0;
        return;
    }
    uint32_t lo, hi;
    if ((sel & 4) || !x86_read_desc(env, sel, &lo, &hi)) {
        x86_raise_err(env, EXCP_GP, sel & 0xfffc);
    }
    uint16_t flags = x86_desc_flags(hi);
    if ((flags & DESC_S) || (flags & DESC_TYPE_MASK) != 2) {
        x86_raise_err(env, EXCP_GP, sel & 0xfffc);
    }
    if (!(flags & DESC_P)) {
        x86_raise_err(env, EXCP_NP, sel & 0xfffc);
    }
    env->ldt.sel = sel;
    env->ldt.base = x86_desc_base(lo, hi);
    env->ldt.limit = x86_desc_limit(lo, hi);
    env->ldt.flags = flags;
}

X86_HANDLER(x86_op_ltr)
{
    require_pm(env);
    require_cpl0(env);
    uint16_t sel = rm_load16(env, in);
    if ((sel & ~3u) == 0) {
        x86_raise_err(env, EXCP_GP, 0);
    }
    uint32_t lo, hi;
    if ((sel & 4) || !x86_read_desc(env, sel, &lo, &hi)) {
        x86_raise_err(env, EXCP_GP, sel & 0xfffc);
    }
    uint16_t flags = x86_desc_flags(hi);
    int type = flags & DESC_TYPE_MASK;
    if ((flags & DESC_S) || (type != 1 && type != 9)) {
        x86_raise_err(env, EXCP_GP, sel & 0xfffc);
    }
    if (!(flags & DESC_P)) {
        x86_raise_err(env, EXCP_NP, sel & 0xfffc);
    }
    /* Mark it busy (SDM vol. 2A, LTR). */
    x86_st_kernel(env, env->gdt.base + (sel & ~7u) + 4, hi | 0x200, 4);
    env->tr.sel = sel;
    env->tr.base = x86_desc_base(lo, hi);
    env->tr.limit = x86_desc_limit(lo, hi);
    env->tr.flags = flags | 0x2;
}

/* The descriptor of sel if LAR/LSL/VERR/VERW may look at it (a valid
 * selector whose DPL the current CPL and the RPL may see). */
static bool visible_desc(CPUX86State *env, uint16_t sel, uint32_t *lo, uint32_t *hi)
{
    if ((sel & ~3u) == 0 || !x86_read_desc(env, sel, lo, hi)) {
        return false;
    }
    uint16_t flags = x86_desc_flags(*hi);
    int dpl = (flags & DESC_DPL_MASK) >> DESC_DPL_SHIFT;
    bool conforming = (flags & DESC_S) && (flags & DESC_CODE) && (flags & DESC_C);
    return conforming || (dpl >= env->cpl && dpl >= (sel & 3));
}

static void set_zf(CPUX86State *env, bool z)
{
    x86_flags_materialize(env);
    env->eflags = (env->eflags & ~CC_Z) | (z ? CC_Z : 0);
}

/* 0F 02 LAR, 0F 03 LSL */
X86_HANDLER(x86_op_lar_lsl)
{
    require_pm(env);
    uint16_t sel = rm_load16(env, in);
    uint32_t lo, hi;
    bool lsl = in->opc == 0x03;
    bool ok = visible_desc(env, sel, &lo, &hi);
    if (ok && !(hi & 0x1000)) {
        /* System descriptors that have an access byte / limit to report
         * (SDM vol. 2A, LAR and LSL tables). */
        int type = (hi >> 8) & 0xf;
        static const bool lar_ok[16] = { [1] = 1, [2] = 1, [3] = 1, [4] = 1, [5] = 1,
                                         [9] = 1, [11] = 1, [12] = 1 };
        static const bool lsl_ok[16] = { [1] = 1, [2] = 1, [3] = 1, [9] = 1, [11] = 1 };
        ok = lsl ? lsl_ok[type] : lar_ok[type];
    }
    if (ok) {
        uint32_t v = lsl ? x86_desc_limit(lo, hi) : (hi & 0x00ffff00u);
        wr_reg(env, in->reg, in->osz, v);
    }
    set_zf(env, ok);
}

/* 0F 00 /4 VERR, /5 VERW */
X86_HANDLER(x86_op_verr_verw)
{
    require_pm(env);
    uint16_t sel = rm_load16(env, in);
    uint32_t lo, hi;
    bool ok = visible_desc(env, sel, &lo, &hi) && (hi & 0x1000);
    if (ok) {
        uint16_t flags = x86_desc_flags(hi);
        if (in->imm2 == 5) {
            ok = !(flags & DESC_CODE) && (flags & DESC_W);
        } else {
            ok = !(flags & DESC_CODE) || (flags & DESC_R);
        }
    }
    set_zf(env, ok);
}

X86_HANDLER(x86_op_arpl)
{
    require_pm(env);
    uint32_t src = rd_reg(env, in->reg, 2);
    uint32_t off = 0, dst;
    if (in->flags & IF_MEM) {
        off = x86_ea(env, in);
        dst = x86_ld_seg(env, in->seg, off, 2);
    } else {
        dst = rd_reg(env, in->rm, 2);
    }
    bool adjust = (dst & 3) < (src & 3);
    if (adjust) {
        dst = (dst & ~3u) | (src & 3);
        if (in->flags & IF_MEM) {
            /* Only a changed operand is written (a read-only segment is
             * fine otherwise: test386 checks it as the i386 behaves). */
            x86_st_seg(env, in->seg, off, dst, 2);
        } else {
            wr_reg(env, in->rm, 2, dst);
        }
    }
    set_zf(env, adjust);
}

/* ---- control and debug registers ---- */

X86_HANDLER(x86_op_smsw)
{
    rm_store_sel(env, in, env->cr[0]);
}

X86_HANDLER(x86_op_lmsw)
{
    if (env->cr[0] & CR0_PE) {
        require_cpl0(env);
    }
    uint32_t v = rm_load16(env, in);
    /* Only PE, MP, EM, TS; PE can be set but not cleared (SDM vol. 2A,
     * LMSW). */
    uint32_t cr0 = (env->cr[0] & ~0xeu) | (v & 0xf);
    cr0 |= env->cr[0] & CR0_PE;
    x86_write_cr(env, 0, cr0);
    env->exit_slot = EXIT_NOCHAIN;
}

X86_HANDLER(x86_op_clts)
{
    require_cpl0(env);
    env->cr[0] &= ~CR0_TS;
}

/* 0F 20 (read) / 0F 22 (write) CRn; reg is the CR number, rm the GPR. */
X86_HANDLER(x86_op_mov_cr)
{
    int cr = in->reg;
    if (cr == 1 || cr > 4) {
        x86_raise(env, EXCP_UD);
    }
    require_cpl0(env);
    if (in->opc == 0x20) {
        env->regs[in->rm] = env->cr[cr];
        return;
    }
    uint32_t v = env->regs[in->rm];
    /* Whether the write leaves PAE paging on and makes the CPU load the
     * PDPTEs (SDM vol. 3A, 4.4.1): a present one with a reserved bit set
     * is #GP(0), and the register keeps its value. */
    bool pdptes = false;
    switch (cr) {
    case 0:
        /* PG without PE, or NW without CD: #GP(0) (SDM vol. 3A, 2.5). */
        if (((v & CR0_PG) && !(v & CR0_PE)) || ((v & CR0_NW) && !(v & CR0_CD))) {
            x86_raise_err(env, EXCP_GP, 0);
        }
        pdptes = (v & CR0_PG) && (env->cr[4] & CR4_PAE) &&
                 ((v ^ env->cr[0]) & (CR0_PG | CR0_CD | CR0_NW));
        break;
    case 3:
        pdptes = x86_pae_paging(env);
        break;
    case 4: {
        uint32_t allowed = CR4_TSD | CR4_PCE;
        if (env->cpuid_features & (1u << 3)) {
            allowed |= CR4_PSE;
        }
        if (env->cpuid_features & (1u << 2)) {
            allowed |= CR4_DE;
        }
        if (env->cpuid_features & X86_CPUID_PAE) {
            allowed |= CR4_PAE;
        }
        if (env->cpuid_features & (1u << 13)) {
            allowed |= CR4_PGE;
        }
        if (env->cpuid_features & (1u << 24)) {
            allowed |= CR4_OSFXSR;
        }
        /* CR4.OSXMMEXCPT exists with SSE (SDM vol. 3A, 2.5). */
        if (env->cpuid_features & (1u << 25)) {
            allowed |= CR4_OSXMMEXCPT;
        }
        if (v & ~allowed) {
            x86_raise_err(env, EXCP_GP, 0);
        }
        pdptes = (env->cr[0] & CR0_PG) && (v & CR4_PAE) &&
                 ((v ^ env->cr[4]) & (CR4_PAE | CR4_PSE | CR4_PGE));
        break;
    }
    default:
        break;
    }
    if (pdptes && !x86_pae_load_pdptes(env, cr == 3 ? v : env->cr[3])) {
        x86_raise_err(env, EXCP_GP, 0);
    }
    x86_write_cr(env, cr, v);
    env->exit_slot = EXIT_NOCHAIN;
}

/* 0F 21 (read) / 0F 23 (write) DRn. */
X86_HANDLER(x86_op_mov_dr)
{
    int dr = in->reg;
    if (dr == 4 || dr == 5) {
        /* Aliases of DR6/DR7 unless CR4.DE (SDM vol. 3A, 17.2.2). */
        if (env->cr[4] & CR4_DE) {
            x86_raise(env, EXCP_UD);
        }
        dr += 2;
    }
    require_cpl0(env);
    if (in->opc == 0x21) {
        env->regs[in->rm] = env->dr[dr];
        return;
    }
    uint32_t v = env->regs[in->rm];
    if (dr == 6) {
        v = (v & 0xe00f) | 0xffff0ff0u;
    } else if (dr == 7) {
        v = (v & 0xffff2fffu) | 0x400;
    }
    env->dr[dr] = v;
}

X86_HANDLER(x86_op_invlpg)
{
    require_cpl0(env);
    uint32_t lin = env->segs[in->seg].base + x86_ea(env, in);
    x86_tlb_flush_page(env, lin);
    env->exit_slot = EXIT_NOCHAIN;
}

/* 0F AE /7 CLFLUSH m8: no cache to flush, but the operand is checked as
 * a byte read would be (segment limit, #PF; SDM vol. 2A, CLFLUSH), with
 * no access to the memory itself (it may be MMIO). */
X86_HANDLER(x86_op_clflush)
{
    x86_probe_read(env, x86_lin_rd(env, in->seg, x86_ea(env, in), 1));
}

/* INVD, WBINVD: no caches to manage. */
X86_HANDLER(x86_op_cache)
{
    require_cpl0(env);
}

/* ---- identification, time stamp, MSRs ---- */

X86_HANDLER(x86_op_cpuid)
{
    uint32_t a, b, c, d;
    x86_cpuid(env, env->regs[R_EAX], &a, &b, &c, &d);
    env->regs[R_EAX] = a;
    env->regs[R_EBX] = b;
    env->regs[R_ECX] = c;
    env->regs[R_EDX] = d;
}

uint64_t x86_get_tsc(CPUX86State *env)
{
    uint64_t ns = (uint64_t)clock_get_ns(CC_CLOCK_VIRTUAL);
    return muldiv64(ns, env->tsc_mhz, 1000) + (uint64_t)env->tsc_offset;
}

X86_HANDLER(x86_op_rdtsc)
{
    if ((env->cr[4] & CR4_TSD) && env->cpl != 0 && (env->cr[0] & CR0_PE)) {
        x86_raise_err(env, EXCP_GP, 0);
    }
    uint64_t t = x86_get_tsc(env);
    env->regs[R_EAX] = (uint32_t)t;
    env->regs[R_EDX] = (uint32_t)(t >> 32);
}

X86_HANDLER(x86_op_rdpmc)
{
    /* Two counters that never count (no events are modelled). */
    if ((!(env->cr[4] & CR4_PCE) && env->cpl != 0) || env->regs[R_ECX] > 1) {
        x86_raise_err(env, EXCP_GP, 0);
    }
    env->regs[R_EAX] = 0;
    env->regs[R_EDX] = 0;
}

X86_HANDLER(x86_op_rdmsr)
{
    require_cpl0(env);
    uint64_t v;
    if (!x86_rdmsr(env, env->regs[R_ECX], &v)) {
        x86_raise_err(env, EXCP_GP, 0);
    }
    env->regs[R_EAX] = (uint32_t)v;
    env->regs[R_EDX] = (uint32_t)(v >> 32);
}

X86_HANDLER(x86_op_wrmsr)
{
    require_cpl0(env);
    uint64_t v = ((uint64_t)env->regs[R_EDX] << 32) | env->regs[R_EAX];
    if (!x86_wrmsr(env, env->regs[R_ECX], v)) {
        x86_raise_err(env, EXCP_GP, 0);
    }
}

X86_HANDLER(x86_op_sysenter)
{
    x86_sysenter(env);
    env->exit_slot = EXIT_NOCHAIN;
}

X86_HANDLER(x86_op_sysexit)
{
    x86_sysexit(env);
    env->exit_slot = EXIT_NOCHAIN;
}

/* ---- the rest ---- */

X86_HANDLER(x86_op_nop)
{
}

bool x86_pause_yields;

/* PAUSE in a spin loop: the lock or flag it waits for belongs to another
 * CPU, which only runs when this one gives up its slice (QEMU's TCG does
 * the same in its round-robin mode). */
X86_HANDLER(x86_op_pause)
{
    if (x86_pause_yields) {
        env->exit_slot = EXIT_NOCHAIN;
        cpu_interrupt(env->cs, CPU_INTERRUPT_EXIT);
    }
}

X86_HANDLER(x86_op_raise_ud)
{
    x86_raise(env, EXCP_UD);
}

X86_HANDLER(x86_op_raise_gp0)
{
    x86_raise_err(env, EXCP_GP, 0);
}
