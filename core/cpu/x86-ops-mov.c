/*
 * Data movement: MOV in all its forms, MOVZX/MOVSX, LEA, XCHG, CMOVcc,
 * SETcc, the stack (PUSH/POP, PUSHA/POPA, ENTER/LEAVE), segment register
 * moves and loads of far pointers, XLAT, LAHF/SAHF, MOVBE.  Semantics from the
 * Intel SDM vol. 2 instruction pages.
 *
 * SPDX-License-Identifier: MIT
 */
#include "cpu/x86-ops.h"

X86_ALWAYS_INLINE uint32_t ea_rd(CPUX86State *env, const X86Insn *in, int size)
{
    return x86_lin_rd(env, in->seg, x86_ea(env, in), size);
}

X86_ALWAYS_INLINE uint32_t ea_wr(CPUX86State *env, const X86Insn *in, int size)
{
    return x86_lin_wr(env, in->seg, x86_ea(env, in), size);
}

/* ---- MOV ---- */

X86_ALWAYS_INLINE bool mov_ld_fast(CPUX86State *env, const X86Insn *in, int mk, int size)
{
    uint8_t *p = x86_operand_ptr(env, in, mk, size, false);
    if (!p) {
        return false;
    }
    wr_reg(env, in->reg, size, x86_host_ld(p, size));
    return true;
}

X86_ALWAYS_INLINE bool mov_st_fast(CPUX86State *env, const X86Insn *in, int mk, int size,
                                   uint32_t v)
{
    uint8_t *p = x86_operand_ptr(env, in, mk, size, true);
    if (!p) {
        return false;
    }
    x86_host_st(p, v, size);
    return true;
}

#define MOV_DEFS(sz)                                                                      \
    X86_SHANDLER(mov_rr_##sz) { wr_reg(env, in->rm, sz, rd_reg(env, in->reg, sz)); }     \
    X86_SHANDLER(mov_ri_##sz) { wr_reg(env, in->rm, sz, in->imm); }                       \
    MOV_MEM_DEFS(sz, m, MK_MEM) MOV_MEM_DEFS(sz, f, MK_FLAT)
#define MOV_MEM_DEFS(sz, k, mk)                                                           \
    X86_FAST_HANDLER(mov_st##k##_##sz, mov_st_fast(env, in, mk, sz, rd_reg(env, in->reg, sz)), \
        x86_st(env, x86_ea_lin(env, in, mk, sz, true), rd_reg(env, in->reg, sz), sz))     \
    X86_FAST_HANDLER(mov_ld##k##_##sz, mov_ld_fast(env, in, mk, sz),                      \
        wr_reg(env, in->reg, sz, x86_ld(env, x86_ea_lin(env, in, mk, sz, false), sz)))    \
    X86_FAST_HANDLER(mov_mi##k##_##sz, mov_st_fast(env, in, mk, sz, in->imm),             \
        x86_st(env, x86_ea_lin(env, in, mk, sz, true), in->imm, sz))
MOV_DEFS(1) MOV_DEFS(2) MOV_DEFS(4)

#define MOV_ROW(sz) { mov_rr_##sz, mov_ri_##sz, mov_stm_##sz, mov_ldm_##sz, mov_mim_##sz, \
                      mov_stf_##sz, mov_ldf_##sz, mov_mif_##sz }
const X86Handler x86_h_mov[3][8] = { MOV_ROW(1), MOV_ROW(2), MOV_ROW(4) };

/* ---- MOVZX / MOVSX: [sign][source 8/16][dest 16/32][kind] ---- */

X86_ALWAYS_INLINE void movx(CPUX86State *env, const X86Insn *in, bool sx, int ssz, int dsz,
                            int mk)
{
    uint32_t v = mk != MK_REG ? x86_ld(env, x86_ea_lin(env, in, mk, ssz, false), ssz)
                              : rd_reg(env, in->rm, ssz);
    if (sx) {
        v = (uint32_t)x86_sext(v, ssz);
    }
    wr_reg(env, in->reg, dsz, v);
}

X86_ALWAYS_INLINE bool movx_fast(CPUX86State *env, const X86Insn *in, bool sx, int ssz, int dsz,
                                 int mk)
{
    uint8_t *p = x86_operand_ptr(env, in, mk, ssz, false);
    if (!p) {
        return false;
    }
    uint32_t v = x86_host_ld(p, ssz);
    wr_reg(env, in->reg, dsz, sx ? (uint32_t)x86_sext(v, ssz) : v);
    return true;
}

#define MOVX_DEFS(sx, ssz, dsz)                                                           \
    X86_SHANDLER(movx_r_##sx##_##ssz##_##dsz) { movx(env, in, sx, ssz, dsz, MK_REG); }    \
    X86_FAST_HANDLER(movx_m_##sx##_##ssz##_##dsz, movx_fast(env, in, sx, ssz, dsz, MK_MEM), \
                     movx(env, in, sx, ssz, dsz, MK_MEM))                                 \
    X86_FAST_HANDLER(movx_f_##sx##_##ssz##_##dsz, movx_fast(env, in, sx, ssz, dsz, MK_FLAT), \
                     movx(env, in, sx, ssz, dsz, MK_FLAT))
MOVX_DEFS(0, 1, 2) MOVX_DEFS(0, 1, 4) MOVX_DEFS(0, 2, 2) MOVX_DEFS(0, 2, 4)
MOVX_DEFS(1, 1, 2) MOVX_DEFS(1, 1, 4) MOVX_DEFS(1, 2, 2) MOVX_DEFS(1, 2, 4)

#define MOVX_PAIR(sx, ssz, dsz) { movx_r_##sx##_##ssz##_##dsz, movx_m_##sx##_##ssz##_##dsz, \
                                  movx_f_##sx##_##ssz##_##dsz }
const X86Handler x86_h_movx[2][2][2][3] = {
    { { MOVX_PAIR(0, 1, 2), MOVX_PAIR(0, 1, 4) }, { MOVX_PAIR(0, 2, 2), MOVX_PAIR(0, 2, 4) } },
    { { MOVX_PAIR(1, 1, 2), MOVX_PAIR(1, 1, 4) }, { MOVX_PAIR(1, 2, 2), MOVX_PAIR(1, 2, 4) } },
};

/* ---- LEA ---- */

X86_SHANDLER(lea_2)
{
    wr_reg(env, in->reg, 2, x86_ea(env, in));
}

X86_SHANDLER(lea_4)
{
    env->regs[in->reg] = x86_ea(env, in);
}

const X86Handler x86_h_lea[2] = { lea_2, lea_4 };

/* ---- XCHG ---- */

X86_HANDLER(x86_op_xchg)
{
    int size = in->osz;
    uint32_t r = rd_reg(env, in->reg, size);
    if (in->flags & IF_MEM) {
        uint32_t lin = ea_wr(env, in, size);
        uint32_t m = x86_ld(env, lin, size);
        x86_st(env, lin, r, size);
        wr_reg(env, in->reg, size, m);
    } else {
        uint32_t m = rd_reg(env, in->rm, size);
        wr_reg(env, in->rm, size, r);
        wr_reg(env, in->reg, size, m);
    }
}

/* ---- MOVBE ---- */

static uint32_t byte_swap(uint32_t v, int size)
{
    return size == 4 ? __builtin_bswap32(v) : __builtin_bswap16((uint16_t)v);
}

/* imm2 0: the register from memory (0F 38 F0), 1: memory from the
 * register (0F 38 F1); always a memory operand (the decoder sees to it). */
X86_HANDLER(x86_op_movbe)
{
    int size = in->osz;
    if (in->imm2) {
        x86_st(env, ea_wr(env, in, size), byte_swap(rd_reg(env, in->reg, size), size), size);
    } else {
        wr_reg(env, in->reg, size, byte_swap(x86_ld(env, ea_rd(env, in, size), size), size));
    }
}

/* ---- CMOVcc, SETcc ---- */

X86_ALWAYS_INLINE void cmov(CPUX86State *env, const X86Insn *in, int cond, int size, int mk)
{
    /* The source is read whatever the condition (SDM vol. 2A, CMOVcc). */
    uint32_t v = mk != MK_REG ? x86_ld(env, x86_ea_lin(env, in, mk, size, false), size)
                              : rd_reg(env, in->rm, size);
    if (x86_cond(env, cond)) {
        wr_reg(env, in->reg, size, v);
    }
}

X86_ALWAYS_INLINE void setcc(CPUX86State *env, const X86Insn *in, int cond, int mk)
{
    uint32_t v = x86_cond(env, cond);
    if (mk != MK_REG) {
        x86_st(env, x86_ea_lin(env, in, mk, 1, true), v, 1);
    } else {
        wr_reg(env, in->rm, 1, v);
    }
}

#define CC_DEFS_K(c, k, mk)                                                               \
    X86_SHANDLER(cmov_##k##2_##c) { cmov(env, in, c, 2, mk); }                            \
    X86_SHANDLER(cmov_##k##4_##c) { cmov(env, in, c, 4, mk); }                            \
    X86_SHANDLER(set_##k##_##c) { setcc(env, in, c, mk); }
#define CC_DEFS(c) CC_DEFS_K(c, r, MK_REG) CC_DEFS_K(c, m, MK_MEM) CC_DEFS_K(c, f, MK_FLAT)
CC_DEFS(0) CC_DEFS(1) CC_DEFS(2) CC_DEFS(3) CC_DEFS(4) CC_DEFS(5) CC_DEFS(6) CC_DEFS(7)
CC_DEFS(8) CC_DEFS(9) CC_DEFS(10) CC_DEFS(11) CC_DEFS(12) CC_DEFS(13) CC_DEFS(14) CC_DEFS(15)

#define CMOV_ROW(c) { { cmov_r2_##c, cmov_m2_##c, cmov_f2_##c }, \
                      { cmov_r4_##c, cmov_m4_##c, cmov_f4_##c } }
const X86Handler x86_h_cmov[16][2][3] = {
    CMOV_ROW(0), CMOV_ROW(1), CMOV_ROW(2), CMOV_ROW(3), CMOV_ROW(4), CMOV_ROW(5),
    CMOV_ROW(6), CMOV_ROW(7), CMOV_ROW(8), CMOV_ROW(9), CMOV_ROW(10), CMOV_ROW(11),
    CMOV_ROW(12), CMOV_ROW(13), CMOV_ROW(14), CMOV_ROW(15),
};
#define SET_ROW(c) { set_r_##c, set_m_##c, set_f_##c }
const X86Handler x86_h_setcc[16][3] = {
    SET_ROW(0), SET_ROW(1), SET_ROW(2), SET_ROW(3), SET_ROW(4), SET_ROW(5), SET_ROW(6),
    SET_ROW(7), SET_ROW(8), SET_ROW(9), SET_ROW(10), SET_ROW(11), SET_ROW(12), SET_ROW(13),
    SET_ROW(14), SET_ROW(15),
};

/* ---- PUSH / POP ---- */

X86_SHANDLER(push_r2)
{
    x86_push(env, rd_reg(env, in->rm, 2), 2);
}

X86_SHANDLER(push_r4)
{
    x86_push(env, env->regs[in->rm], 4);
}

X86_SHANDLER(pop_r2)
{
    uint32_t v = x86_pop(env, 2);
    wr_reg(env, in->rm, 2, v);
}

X86_SHANDLER(pop_r4)
{
    uint32_t v = x86_pop(env, 4);
    env->regs[in->rm] = v;
}

/* Flat 32-bit stack: the fast paths touch only the TLB. */
X86_ALWAYS_INLINE bool push_flat_fast(CPUX86State *env, uint32_t v)
{
    uint32_t esp = env->regs[R_ESP] - 4;
    uint8_t *p = x86_tlb_ptr(env, esp, 4, true);
    if (!p) {
        return false;
    }
    x86_host_st(p, v, 4);
    env->regs[R_ESP] = esp;
    return true;
}

X86_ALWAYS_INLINE bool pop_flat_fast(CPUX86State *env, int reg)
{
    uint32_t esp = env->regs[R_ESP];
    uint8_t *p = x86_tlb_ptr(env, esp, 4, false);
    if (!p) {
        return false;
    }
    uint32_t v = x86_host_ld(p, 4);
    env->regs[R_ESP] = esp + 4;
    env->regs[reg] = v;
    return true;
}

X86_FAST_HANDLER(push_r4f, push_flat_fast(env, env->regs[in->rm]),
                 x86_push_flat(env, env->regs[in->rm]))
X86_FAST_HANDLER(pop_r4f, pop_flat_fast(env, in->rm),
                 uint32_t v = x86_pop_flat(env); env->regs[in->rm] = v)
X86_FAST_HANDLER(push_i4f, push_flat_fast(env, in->imm), x86_push_flat(env, in->imm))

X86_SHANDLER(push_i2)
{
    x86_push(env, in->imm, 2);
}

X86_SHANDLER(push_i4)
{
    x86_push(env, in->imm, 4);
}

/* [16-bit, 32-bit, 32-bit on a flat stack] */
const X86Handler x86_h_push_reg[3] = { push_r2, push_r4, push_r4f };
const X86Handler x86_h_pop_reg[3] = { pop_r2, pop_r4, pop_r4f };
const X86Handler x86_h_push_imm[3] = { push_i2, push_i4, push_i4f };

X86_HANDLER(x86_op_push_rm)
{
    int size = in->osz;
    uint32_t v = (in->flags & IF_MEM) ? x86_ld(env, ea_rd(env, in, size), size)
                                       : rd_reg(env, in->rm, size);
    x86_push(env, v, size);
}

X86_HANDLER(x86_op_pop_rm)
{
    int size = in->osz;
    uint32_t old = env->regs[R_ESP];
    uint32_t v = x86_pop(env, size);
    if (in->flags & IF_MEM) {
        /* The address is computed with ESP already incremented (SDM
         * vol. 2B, POP); undo the increment if the store faults. */
        uint32_t nsp = env->regs[R_ESP];
        uint32_t off = x86_ea(env, in);
        env->regs[R_ESP] = old;
        x86_st(env, x86_lin_wr(env, in->seg, off, size), v, size);
        env->regs[R_ESP] = nsp;
    } else {
        wr_reg(env, in->rm, size, v);
    }
}

/* PUSH Sreg: a 32-bit push writes only the selector's 16 bits on the P6
 * and later (SDM vol. 2B, PUSH). */
X86_HANDLER(x86_op_push_sreg)
{
    int size = in->osz;
    uint16_t sel = env->segs[in->reg].sel;
    if (size == 2) {
        x86_push(env, sel, 2);
        return;
    }
    uint32_t esp = env->regs[R_ESP];
    uint32_t nsp = (esp - 4) & env->sp_mask;
    x86_lin_wr(env, R_SS, nsp, 4);
    x86_st_seg(env, R_SS, nsp, sel, 2);
    env->regs[R_ESP] = (esp & ~env->sp_mask) | nsp;
}

/* The instruction after MOV SS/POP SS runs before any interrupt (SDM
 * vol. 3A, 6.8.3). */
static void inhibit_irq(CPUX86State *env)
{
    env->inhibit_irq_at = x86_insns_now(env) + 1;
}

X86_HANDLER(x86_op_pop_sreg)
{
    int size = in->osz;
    uint32_t esp = env->regs[R_ESP];
    /* The stack size of the pop is the old SS's, even for POP SS (test386
     * checks it: a 32-bit POP SS from a 16-bit stack moves only SP). */
    uint32_t mask = env->sp_mask;
    uint32_t v = x86_ld_seg(env, R_SS, esp & mask, size);
    x86_load_seg(env, in->reg, v);
    env->regs[R_ESP] = (esp & ~mask) | ((esp + size) & mask);
    if (in->reg == R_SS) {
        inhibit_irq(env);
    }
}

X86_HANDLER(x86_op_mov_sreg_rm)
{
    uint32_t v = (in->flags & IF_MEM) ? x86_ld(env, ea_rd(env, in, 2), 2)
                                       : rd_reg(env, in->rm, 2);
    x86_load_seg(env, in->reg, v);
    if (in->reg == R_SS) {
        inhibit_irq(env);
    }
}

X86_HANDLER(x86_op_mov_rm_sreg)
{
    uint16_t sel = env->segs[in->reg].sel;
    if (in->flags & IF_MEM) {
        x86_st(env, ea_wr(env, in, 2), sel, 2);
    } else {
        /* 32-bit register destination: zero-extended on the P6. */
        wr_reg(env, in->rm, in->osz, sel);
    }
}

/* LDS/LES/LFS/LGS/LSS: the segment register is in imm2. */
X86_HANDLER(x86_op_lxs)
{
    int size = in->osz;
    uint32_t off = x86_ea(env, in);
    uint32_t lin = x86_lin_rd(env, in->seg, off, size + 2);
    uint32_t v = x86_ld(env, lin, size);
    uint16_t sel = x86_ld(env, lin + size, 2);
    x86_load_seg(env, in->imm2, sel);
    wr_reg(env, in->reg, size, v);
    if (in->imm2 == R_SS) {
        inhibit_irq(env);
    }
}

X86_HANDLER(x86_op_xlat)
{
    uint32_t off = (env->regs[R_EBX] + (env->regs[R_EAX] & 0xff)) &
                   ((in->flags & IF_ASZ32) ? 0xffffffffu : 0xffffu);
    wr_reg(env, 0, 1, x86_ld_seg(env, in->seg, off, 1));
}

X86_HANDLER(x86_op_lahf)
{
    wr_reg(env, 1 /* AH */, 1, x86_get_eflags(env) & 0xff);
}

X86_HANDLER(x86_op_sahf)
{
    uint32_t ah = (env->regs[R_EAX] >> 8) & 0xff;
    x86_set_eflags(env, ah, CC_S | CC_Z | CC_A | CC_P | CC_C);
}

/* ---- PUSHA/POPA, ENTER/LEAVE ---- */

X86_HANDLER(x86_op_pusha)
{
    int size = in->osz;
    X86Stack st;
    x86_stack_from_cache(env, &st, &env->segs[R_SS], env->regs[R_ESP], env->cpl, 0);
    for (int r = R_EAX; r <= R_EDI; r++) {
        x86_stack_push(env, &st, env->regs[r], size);
    }
    x86_stack_commit(env, &st);
}

X86_HANDLER(x86_op_popa)
{
    int size = in->osz;
    X86Stack st;
    uint32_t v[8];
    x86_stack_from_cache(env, &st, &env->segs[R_SS], env->regs[R_ESP], env->cpl, 0);
    for (int r = R_EDI; r >= R_EAX; r--) {
        v[r] = x86_stack_pop(env, &st, size);
    }
    for (int r = R_EAX; r <= R_EDI; r++) {
        if (r != R_ESP) {
            wr_reg(env, r, size, v[r]);
        }
    }
    x86_stack_commit(env, &st);
}

X86_HANDLER(x86_op_enter)
{
    int size = in->osz;
    unsigned level = in->imm2 & 31;
    uint32_t alloc = in->imm & 0xffff;
    X86Stack st;
    x86_stack_from_cache(env, &st, &env->segs[R_SS], env->regs[R_ESP], env->cpl, 0);
    x86_stack_push(env, &st, env->regs[R_EBP], size);
    uint32_t frame = st.sp;
    if (level) {
        uint32_t bp = env->regs[R_EBP];
        for (unsigned i = 1; i < level; i++) {
            bp = (bp & ~st.mask) | ((bp - size) & st.mask);
            uint32_t v = x86_ld_seg(env, R_SS, bp & st.mask, size);
            x86_stack_push(env, &st, v, size);
        }
        x86_stack_push(env, &st, frame, size);
    }
    /* "ENTER causes a page fault whenever a write using the final value of
     * the stack pointer would do so" (SDM vol. 2A, ENTER). */
    uint32_t nsp = (st.sp & ~st.mask) | ((st.sp - alloc) & st.mask);
    x86_probe_write(env, x86_lin_wr(env, R_SS, nsp & st.mask, 1), 1);
    st.sp = nsp;
    wr_reg(env, R_EBP, size, frame);
    x86_stack_commit(env, &st);
}

X86_HANDLER(x86_op_leave)
{
    int size = in->osz;
    uint32_t bp = env->regs[R_EBP] & env->sp_mask;
    uint32_t v = x86_ld_seg(env, R_SS, bp, size);
    env->regs[R_ESP] = (env->regs[R_ESP] & ~env->sp_mask) | ((bp + size) & env->sp_mask);
    wr_reg(env, R_EBP, size, v);
}
