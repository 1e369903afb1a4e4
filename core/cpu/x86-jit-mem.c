/*
 * The code generator: guest registers in host registers, memory operands
 * and their slow paths
 * (see x86-jit.c and x86-jit-int.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include "cpu/x86-jit-int.h"

#ifdef X86_JIT_HOST

const int guest_hregs[5] = { RBP, R12, R13, R14, R15 };

/* ---- guest registers in host registers ----
 *
 * A block keeps the guest registers it uses most in callee-saved host
 * registers (choose_hregs).  Each is loaded from env on its first use
 * (lazily, so only in the straight-line main code: a load inside a branch
 * arm would leave the other arm believing it done) and written back only
 * where something may read env: before every call that may fault or runs
 * an interpreter handler (env->cur's contract: a fault sees the guest
 * registers in env), and at every exit.  An interpreter handler may write
 * any guest register, so after one every register is reloaded from env on
 * its next use. */

/* The host register holding guest register r (loaded if it is not yet),
 * or -1 when r stays in env. */
int gh(Jit *j, int r)
{
    if (r >= 8 || j->hreg_of[r] < 0) {
        return -1;
    }
    int h = j->hreg_of[r];
    if (!(j->loaded & (1u << r))) {
        ld32(j, h, REG_OFF(r));
        j->loaded |= (uint8_t)(1u << r);
    }
    return h;
}

static void mark_dirty(Jit *j, int r)
{
    j->loaded |= (uint8_t)(1u << r);
    j->dirty |= (uint8_t)(1u << r);
}

/* hreg = guest register r */
void ldg(Jit *j, int hreg, int r)
{
    int h = gh(j, r);
    if (h < 0) {
        ld32(j, hreg, REG_OFF(r));
    } else if (h != hreg) {
        mov_rr(j, hreg, h);
    }
}

/* guest register r = hreg */
void stg(Jit *j, int r, int hreg)
{
    if (r >= 8 || j->hreg_of[r] < 0) {
        st32(j, REG_OFF(r), hreg);
        return;
    }
    int h = j->hreg_of[r];
    if (h != hreg) {
        mov_rr(j, h, hreg);
    }
    mark_dirty(j, r);
}

void stgi(Jit *j, int r, uint32_t imm)
{
    if (r >= 8 || j->hreg_of[r] < 0) {
        st32i(j, REG_OFF(r), imm);
        return;
    }
    mov_ri(j, j->hreg_of[r], imm);
    mark_dirty(j, r);
}

/* `opc hreg, guest r` for an opcode of the `reg, r/m` form (MOV 8B, the
 * ALU ops 03..3B, MOVZX 0FB7, ...). */
void opg(Jit *j, uint32_t opc, int hreg, int r)
{
    int h = gh(j, r);
    if (h < 0) {
        op_mem(j, false, opc, hreg, ENV, REG_OFF(r));
    } else {
        op_rr(j, false, opc, hreg, h);
    }
}

/* `opc /digit guest r` that writes r (SHL C1 /4, ADD 83 /0, ...); the
 * caller emits the immediate that follows. */
void rmwg(Jit *j, uint32_t opc, int digit, int r)
{
    int h = gh(j, r);
    if (h < 0) {
        op_mem(j, false, opc, digit, ENV, REG_OFF(r));
    } else {
        op_rr(j, false, opc, digit, h);
        mark_dirty(j, r);
    }
}

/* A register-register operation on byte registers: always with a REX
 * prefix, so that encodings 4..7 name SPL..DIL rather than AH..BH. */
void op_rr_b(Jit *j, uint32_t opcode, int reg, int rm)
{
    e8(j, 0x40 | ((reg & 8) ? 4 : 0) | ((rm & 8) ? 1 : 0));
    if (opcode > 0xff) {
        e8(j, opcode >> 8);
    }
    e8(j, opcode & 0xff);
    e8(j, 0xc0 | ((reg & 7) << 3) | (rm & 7));
}

/* hreg = byte register at byte offset o of env->regs (AL=0, AH=1, ...),
 * zero-extended. */
void ldb(Jit *j, int hreg, int o)
{
    int h = gh(j, o >> 2);
    if (h < 0) {
        op_mem(j, false, 0x0fb6, hreg, ENV, REGS_OFF + o);
        return;
    }
    if (o & 1) {
        mov_rr(j, hreg, h);
        rex(j, false, 0, 0, hreg);
        e8(j, 0xc1); e8(j, 0xe8 | (hreg & 7)); e8(j, 8);   /* shr hreg, 8 */
        op_rr_b(j, 0x0fb6, hreg, hreg);
    } else {
        op_rr_b(j, 0x0fb6, hreg, h);
    }
}

/* byte register at byte offset o = low byte of hreg (clobbers RCX for a
 * high byte held in a host register; hreg must not be RCX then). */
void stb(Jit *j, int o, int hreg)
{
    int h = gh(j, o >> 2);
    if (h < 0) {
        e8(j, 0x40 | ((hreg & 8) ? 4 : 0));         /* REX: SIL/DIL, not DH/BH */
        e8(j, 0x88);
        modrm_mem(j, hreg, ENV, REGS_OFF + o);
        return;
    }
    if (o & 1) {
        op_rr_b(j, 0x0fb6, RCX, hreg);                    /* movzx ecx, hreg8 */
        e8(j, 0xc1); e8(j, 0xe1); e8(j, 8);               /* shl ecx, 8 */
        alu_ri(j, 4, h, 0xffff00ffu);
        alu_rr(j, 1, h, RCX);
    } else {
        op_rr_b(j, 0x88, hreg, h);                        /* mov h8, hreg8 */
    }
    mark_dirty(j, o >> 2);
}

/* low word of guest register r = low word of hreg */
void stw(Jit *j, int r, int hreg)
{
    int h = gh(j, r);
    e8(j, 0x66);
    if (h < 0) {
        op_mem(j, false, 0x89, hreg, ENV, REG_OFF(r));
    } else {
        op_rr(j, false, 0x89, hreg, h);              /* mov h16, hreg16 */
        mark_dirty(j, r);
    }
}

/* Store the guest registers in `mask` from their host registers to env
 * (they must be loaded there). */
void emit_writeback(Jit *j, uint8_t mask)
{
    for (int r = 0; r < 8; r++) {
        if (mask & (1u << r)) {
            st32(j, REG_OFF(r), j->hreg_of[r]);
        }
    }
}

/* Before an interpreter handler: env gets every dirty register... */
void regs_sync(Jit *j)
{
    emit_writeback(j, j->dirty);
    j->dirty = 0;
}

/* ...and after it, env is the only copy. */
void regs_forget(Jit *j)
{
    j->loaded = 0;
    j->dirty = 0;
}

/* Host stack frame, the same for every block: RBX (env) and every host
 * register that may hold a guest register are pushed, and 8 bytes of
 * padding keep the stack 16-byte aligned for calls out (the return
 * address and six pushes are 56 bytes) and hold a value across a call
 * out (spill_esi). */
void emit_prologue(Jit *j)
{
    e8(j, 0x53);                                     /* push rbx */
    for (int k = 0; k < MAX_GUEST_HREGS; k++) {
        rex(j, false, 0, 0, guest_hregs[k]);
        e8(j, 0x50 | (guest_hregs[k] & 7));          /* push */
    }
    e8(j, 0x48); e8(j, 0x83); e8(j, 0xec); e8(j, 8); /* sub rsp, 8 */
}

void emit_epilogue(Jit *j)
{
    e8(j, 0x48); e8(j, 0x83); e8(j, 0xc4); e8(j, 8); /* add rsp, 8 */
    for (int k = MAX_GUEST_HREGS - 1; k >= 0; k--) {
        rex(j, false, 0, 0, guest_hregs[k]);
        e8(j, 0x58 | (guest_hregs[k] & 7));          /* pop */
    }
    e8(j, 0x5b);                                     /* pop rbx */
}

/* ---- guest operands ---- */

/* dst = effective address of a flat memory operand (dst is RAX or a
 * scratch register; clobbers RCX). */
void emit_ea(Jit *j, const X86Insn *in, int dst)
{
    bool base = in->rm != 8, index = in->idx != 8;
    if (!base && !index) {
        mov_ri(j, dst, in->disp);
        return;
    }
    int hb = -1, hi = -1;
    if (base) {
        hb = gh(j, in->rm);
        if (hb < 0) {
            ld32(j, dst, REG_OFF(in->rm));
            hb = dst;
        }
    }
    if (index) {
        hi = gh(j, in->idx);
        if (hi < 0) {
            ld32(j, RCX, REG_OFF(in->idx));
            hi = RCX;
        }
    } else if (!in->disp) {
        if (hb != dst) {
            mov_rr(j, dst, hb);
        }
        return;
    }
    /* lea dst32, [base + index << scale + disp32]: always with a SIB byte
     * (index 100 without REX.X: none), so RBP/R12/R13 need no special case */
    rex(j, false, dst, hi >= 0 ? hi : 0, hb >= 0 ? hb : 0);
    e8(j, 0x8d);
    e8(j, (base ? 0x84 : 0x04) | ((dst & 7) << 3));
    e8(j, (index ? in->scale << 6 : 0) | ((hi >= 0 ? hi & 7 : 4) << 3) |
          (base ? hb & 7 : 5));
    e32(j, in->disp);
}

/*
 * The TLB fast path for a `size`-byte access at the linear address in EAX:
 * leaves the host pointer in RDX, or jumps to a slow path (recorded) that
 * performs the whole access through the C slow path and resumes after
 * `resume`.  Clobbers RCX, RDX.
 */
/* The index scaling below (the index shifted to a multiple of 16) and the
 * fields read (tag_read, tag_write, addend): a TLB entry that grows must
 * change it. */
_Static_assert(sizeof(X86TLBEntry) == 16, "emit_tlb scales the TLB index by 16");
_Static_assert(offsetof(CPUX86State, tlb) + sizeof(((CPUX86State *)0)->tlb) < 0x7fffffff,
               "emit_tlb reaches env->tlb with a 32-bit displacement");

/* op reg, [env + rcx + disp32]: a field of the TLB entry whose byte offset
 * in the table is in RCX. */
static void op_tlb(Jit *j, bool w, uint8_t opcode, int reg, int32_t disp)
{
    rex(j, w, reg, RCX, ENV);
    e8(j, opcode);
    e8(j, 0x84 | ((reg & 7) << 3));                  /* mod 10, rm 100: SIB + disp32 */
    e8(j, ((RCX & 7) << 3) | (ENV & 7));             /* scale 1, index rcx, base env */
    e32(j, (uint32_t)disp);
}

SlowPath *emit_tlb(Jit *j, const X86Insn *in, int size, bool write)
{
    if (j->nslow >= MAX_SLOW) {
        j->overflow = true;
        return &j->slow[0];
    }
    /* Between here and the slow path's resume point, the main line must
     * not change `loaded` or `dirty` (gh, stg): the slow path skips it. */
    SlowPath *sp = &j->slow[j->nslow++];
    sp->seg_patch[0] = sp->seg_patch[1] = NULL;
    sp->reload = 0;
    sp->in = in;
    sp->size = size;
    sp->dirty = j->dirty;
    /* The block's privilege level is part of its hflags (chaining and the
     * jump cache compare them), and env->tlb_cur is tlb[CPL == 3]
     * (x86_update_hflags): the table is known here, so the entry is
     * addressed from env directly, without loading tlb_cur.
     * ecx = ((lin >> 12) & mask) * 16 = (lin >> 8) & (mask << 4) */
    int32_t table = (j->tb->hflags & HF_CPL3) ? ENV_OFF(tlb[1]) : ENV_OFF(tlb[0]);
    mov_rr(j, RCX, RAX);
    e8(j, 0xc1); e8(j, 0xe9); e8(j, 8);             /* shr ecx, 8 */
    alu_ri(j, 4, RCX, (X86_TLB_SIZE - 1) << 4);      /* and ecx, mask << 4 */
    /* edx = lin & (page | size-1); cmp edx, tag */
    mov_rr(j, RDX, RAX);
    alu_ri(j, 4, RDX, 0xfffff000u | (size - 1));
    op_tlb(j, false, 0x3b, RDX, table + (write ? (int32_t)offsetof(X86TLBEntry, tag_write)
                                               : (int32_t)offsetof(X86TLBEntry, tag_read)));
    sp->jcc_patch = jcc32(j, HC_NE);
    /* rdx = addend + lin (rax holds the zero-extended linear address) */
    op_tlb(j, true, 0x8b, RDX, table + (int32_t)offsetof(X86TLBEntry, addend));
    rex(j, true, RDX, 0, RAX);
    e8(j, 0x01); e8(j, 0xc2);                        /* add rdx, rax */
    return sp;
}

/* ecx/r? = load size bytes (zero-extended) at linear EAX into hreg. */
void emit_load(Jit *j, const X86Insn *in, int size, int hreg)
{
    SlowPath *sp = emit_tlb(j, in, size, false);
    sp->kind = SLOW_LD;
    sp->dst_reg = hreg;
    /* mov/movzx hreg, [rdx] */
    if (size == 4) {
        op_mem(j, false, 0x8b, hreg, RDX, 0);
    } else {
        op_mem(j, false, size == 1 ? 0x0fb6 : 0x0fb7, hreg, RDX, 0);
    }
    sp->resume = j->p;
}

/* Store size bytes of hreg (not RAX, RCX, RDX) at linear EAX. */
void emit_store(Jit *j, const X86Insn *in, int size, int hreg)
{
    SlowPath *sp = emit_tlb(j, in, size, true);
    sp->kind = SLOW_ST;
    sp->val_reg = hreg;
    if (size == 2) {
        e8(j, 0x66);
    }
    if (size == 1 && hreg < 8) {
        e8(j, 0x40);        /* REX, so that 6/7 mean SIL/DIL, not DH/BH */
    }
    op_mem(j, false, size == 1 ? 0x88 : 0x89, hreg, RDX, 0);
    sp->resume = j->p;
}

/* The slow path of emit_seg_load: the whole access as the handlers make
 * it (a segment limit violation faults here). */
static uint32_t jit_ld_seg(CPUX86State *env, const X86Insn *in, int size)
{
    return x86_ld(env, x86_ea_lin(env, in, MK_MEM, size, false), size);
}

/* hreg = size bytes (zero-extended) of a memory operand with 32-bit
 * addressing in a segment that is not flat (FS, GS, an override): the
 * offset checked against the segment's readable range inline, as
 * x86_ea_lin_fast does, then the TLB fast path on base + offset.  A
 * failed check or a TLB miss goes to jit_ld_seg out of line. */
void emit_seg_load(Jit *j, const X86Insn *in, int size, int hreg)
{
    emit_ea(j, in, RAX);
    op_mem(j, false, 0x3b, RAX, ENV, SEG_OFF(in->seg, rlo));   /* cmp eax, rlo */
    uint8_t *below = jcc32(j, HC_B);
    rex(j, true, RCX, 0, RAX);
    e8(j, 0x8d); e8(j, 0x48); e8(j, (uint8_t)(size - 1));      /* lea rcx, [rax + size-1] */
    op_mem(j, true, 0x3b, RCX, ENV, SEG_OFF(in->seg, rhi));    /* cmp rcx, rhi */
    uint8_t *above = jcc32(j, HC_A);
    op_mem(j, false, 0x03, RAX, ENV, SEG_OFF(in->seg, base));  /* add eax, base */
    SlowPath *sp = emit_tlb(j, in, size, false);
    sp->kind = SLOW_LD_SEG;
    sp->dst_reg = hreg;
    sp->seg_patch[0] = below;
    sp->seg_patch[1] = above;
    if (size == 4) {
        op_mem(j, false, 0x8b, hreg, RDX, 0);
    } else {
        op_mem(j, false, size == 1 ? 0x0fb6 : 0x0fb7, hreg, RDX, 0);
    }
    sp->resume = j->p;
}

/* The host pointer (RDX) for a read-modify-write of size bytes of a
 * memory operand: flat (MK_FLAT), or with 32-bit addressing through a
 * segment (MK_MEM: the offset checked against the segment's writable
 * range inline, as x86_ea_lin_fast does).  A failed check or a TLB miss
 * runs the whole instruction through its handler (SLOW_INSN), which
 * raises the fault if there is one. */
SlowPath *emit_rmw_tlb(Jit *j, const X86Insn *in, int size, int mk)
{
    emit_ea(j, in, RAX);
    uint8_t *below = NULL, *above = NULL;
    if (mk == MK_MEM) {
        op_mem(j, false, 0x3b, RAX, ENV, SEG_OFF(in->seg, wlo));   /* cmp eax, wlo */
        below = jcc32(j, HC_B);
        rex(j, true, RCX, 0, RAX);
        e8(j, 0x8d); e8(j, 0x48); e8(j, (uint8_t)(size - 1));      /* lea rcx, [rax + size-1] */
        op_mem(j, true, 0x3b, RCX, ENV, SEG_OFF(in->seg, whi));    /* cmp rcx, whi */
        above = jcc32(j, HC_A);
        op_mem(j, false, 0x03, RAX, ENV, SEG_OFF(in->seg, base));  /* add eax, base */
    }
    SlowPath *sp = emit_tlb(j, in, size, true);
    sp->kind = SLOW_INSN;
    sp->seg_patch[0] = below;
    sp->seg_patch[1] = above;
    return sp;
}

/* Call in->fn(env, in), its interpreter handler, with blk_end = in + 1
 * and jit_fallback set, so its X86_NEXT returns here at once. */
void emit_handler_call(Jit *j, const X86Insn *in)
{
    mov_ri64(j, RSI, (uintptr_t)(in + 1));
    st64(j, ENV_OFF(blk_end), RSI);
    st8i(j, ENV_OFF(jit_fallback), 1);
    op_rr(j, true, 0x89, ENV, RDI);
    mov_ri64(j, RSI, (uintptr_t)in);
    call_abs(j, (const void *)in->fn);
    st8i(j, ENV_OFF(jit_fallback), 0);
}

/* Run one instruction through its interpreter handler (env->cur = in,
 * env->blk_end = in + 1: its X86_NEXT ends in x86_block_end, which
 * returns at once while jit_fallback is set), then stop the block if it
 * wrote this block's code or is a REP that yields. */
static void emit_interp_call(Jit *j, const X86Insn *in, uint8_t dirty)
{
    emit_writeback(j, dirty);
    set_cur(j, in);
    emit_handler_call(j, in);
    op_mem(j, false, 0x0fb6, RAX, ENV, ENV_OFF(smc_hit));
    op_mem(j, false, 0x0a, RAX, ENV, ENV_OFF(rep_restart));   /* or al, [rep] */
    e8(j, 0x84); e8(j, 0xc0);
    patch32(j, jcc32(j, HC_NE), j->exit_stop);
}

void emit_slow_paths(Jit *j)
{
    for (int i = 0; i < j->nslow; i++) {
        SlowPath *sp = &j->slow[i];
        patch32(j, sp->jcc_patch, j->p);
        for (int k = 0; k < 2; k++) {
            patch32(j, sp->seg_patch[k], j->p);
        }
        if (sp->kind == SLOW_LD_SEG) {
            emit_writeback(j, sp->dirty);            /* the access may fault */
            set_cur(j, sp->in);
            op_rr(j, true, 0x89, ENV, RDI);          /* mov rdi, rbx */
            mov_ri64(j, RSI, (uintptr_t)sp->in);
            mov_ri(j, RDX, sp->size);
            call_abs(j, (const void *)jit_ld_seg);
            if (sp->dst_reg != RAX) {
                mov_rr(j, sp->dst_reg, RAX);
            }
            patch32(j, jmp32(j), sp->resume);
            continue;
        }
        if (sp->kind == SLOW_INSN) {
            /* read-modify-write of memory: the host registers stay valid,
             * but for those the handler writes (XCHG, CMPXCHG), which the
             * main line holds in their host registers from here on */
            emit_interp_call(j, sp->in, sp->dirty);
            for (int r = 0; r < 8; r++) {
                if ((sp->reload & (1u << r)) && j->hreg_of[r] >= 0) {
                    ld32(j, j->hreg_of[r], REG_OFF(r));
                }
            }
            patch32(j, jmp32(j), sp->resume);
            continue;
        }
        emit_writeback(j, sp->dirty);                /* the access may fault */
        if (sp->kind == SLOW_ST) {
            mov_rr(j, RDX, sp->val_reg);             /* the value, before RSI is reused */
        }
        mov_rr(j, RSI, RAX);                         /* the linear address */
        set_cur(j, sp->in);                          /* the access may fault */
        op_rr(j, true, 0x89, ENV, RDI);              /* mov rdi, rbx */
        if (sp->kind == SLOW_LD) {
            mov_ri(j, RDX, sp->size);
            call_abs(j, (const void *)x86_ld_slow);
            if (sp->dst_reg != RAX) {
                mov_rr(j, sp->dst_reg, RAX);
            }
        } else {
            mov_ri(j, RCX, sp->size);
            call_abs(j, (const void *)x86_st_slow);
            /* A write to this block's own code ends it here. */
            op_mem(j, false, 0x80, 7, ENV, ENV_OFF(smc_hit));    /* cmp byte [], 0 */
            e8(j, 0);
            patch32(j, jcc32(j, HC_NE), j->exit_stop);
        }
        patch32(j, jmp32(j), sp->resume);
    }
}

/* ---- lazy flags ---- */

/* Flags of a 32-bit operation whose operands are in ESI (src1), EDI (src2)
 * and result in R8. */
void emit_flags(Jit *j, int op)
{
    if (!j->flags_live) {
        j->cc_known = -1;
        return;
    }
    st32i(j, ENV_OFF(cc_op), op);
    st32(j, ENV_OFF(cc_dst), R8);
    if (op != CC_OP_LOGIC) {
        st32(j, ENV_OFF(cc_src1), RSI);
        st32(j, ENV_OFF(cc_src2), RDI);
    }
    j->cc_known = op;
    j->cc_regs_at = j->p;
}

#endif
