/*
 * Integer arithmetic and logic: the eight ALU operations, TEST, INC/DEC,
 * NOT/NEG, shifts and rotates, multiplication and division, BCD
 * adjustments, bit tests and scans, double shifts, exchange-and-add and
 * compare-and-exchange.  Semantics and flag definitions from the Intel SDM
 * vol. 2 instruction pages.
 *
 * The hot forms are written once as always-inline bodies taking the
 * operation, the operand size and the operand kind (register or memory) as
 * constants, and instantiated per combination by the tables at the bottom,
 * so each handler is straight-line code.  A memory destination is written
 * before the flags are recorded: if the write faults, the instruction
 * restarts with the flags it started with.
 *
 * SPDX-License-Identifier: MIT
 */
#include "cpu/x86-ops.h"

/* ---- the eight ALU operations ---- */

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

X86_ALWAYS_INLINE uint32_t alu_result(int op, uint32_t a, uint32_t b, uint32_t cf)
{
    switch (op) {
    case ALU_ADD: return a + b;
    case ALU_OR:  return a | b;
    case ALU_ADC: return a + b + cf;
    case ALU_SBB: return a - b - cf;
    case ALU_AND: return a & b;
    case ALU_SUB: return a - b;
    case ALU_XOR: return a ^ b;
    default:      return a - b;      /* CMP */
    }
}

X86_ALWAYS_INLINE void alu_flags(CPUX86State *env, int op, uint32_t a, uint32_t b, uint32_t r,
                                 uint32_t cf, int size)
{
    switch (op) {
    case ALU_ADD:
        cc_set(env, CC_OP_ADD, a, b, r, size);
        break;
    case ALU_ADC:
        cc_set(env, cf ? CC_OP_ADC : CC_OP_ADD, a, b, r, size);
        break;
    case ALU_SBB:
        cc_set(env, cf ? CC_OP_SBB : CC_OP_SUB, a, b, r, size);
        break;
    case ALU_SUB:
    case ALU_CMP:
        cc_set(env, CC_OP_SUB, a, b, r, size);
        break;
    default:
        cc_logic(env, r, size);
        break;
    }
}

X86_ALWAYS_INLINE uint32_t alu_cf(CPUX86State *env, int op)
{
    return (op == ALU_ADC || op == ALU_SBB) ? x86_get_cf(env) : 0;
}

/* dst op= src where dst is the r/m operand (register or memory). */
X86_ALWAYS_INLINE void alu_rm(CPUX86State *env, const X86Insn *in, int op, int size, int mk,
                              uint32_t b)
{
    uint32_t cf = alu_cf(env, op);
    uint32_t a, r;
    if (mk == MK_REG) {
        a = rd_reg(env, in->rm, size);
        r = x86_trunc(alu_result(op, a, b, cf), size);
        if (op != ALU_CMP) {
            wr_reg(env, in->rm, size, r);
        }
    } else if (op == ALU_CMP) {
        a = x86_ld(env, x86_ea_lin(env, in, mk, size, false), size);
        r = x86_trunc(alu_result(op, a, b, cf), size);
    } else {
        uint32_t lin = x86_ea_lin(env, in, mk, size, true);
        uint8_t *p = x86_rmw_ptr(env, lin, size);
        if (cc_likely(p != NULL)) {
            a = x86_host_ld(p, size);
            r = x86_trunc(alu_result(op, a, b, cf), size);
            x86_host_st(p, r, size);
        } else {
            a = x86_ld(env, lin, size);
            r = x86_trunc(alu_result(op, a, b, cf), size);
            x86_st(env, lin, r, size);
        }
    }
    alu_flags(env, op, a, b, r, cf, size);
}

X86_ALWAYS_INLINE uint32_t src_rm(CPUX86State *env, const X86Insn *in, int size, int mk)
{
    if (mk == MK_REG) {
        return rd_reg(env, in->rm, size);
    }
    return x86_ld(env, x86_ea_lin(env, in, mk, size, false), size);
}

/* reg op= b (the r/m operand, already read) */
X86_ALWAYS_INLINE void alu_into_reg(CPUX86State *env, const X86Insn *in, int op, int size,
                                    uint32_t b)
{
    uint32_t cf = alu_cf(env, op);
    uint32_t a = rd_reg(env, in->reg, size);
    uint32_t r = x86_trunc(alu_result(op, a, b, cf), size);
    if (op != ALU_CMP) {
        wr_reg(env, in->reg, size, r);
    }
    alu_flags(env, op, a, b, r, cf, size);
}

/* reg op= r/m */
X86_ALWAYS_INLINE void alu_ge(CPUX86State *env, const X86Insn *in, int op, int size, int mk)
{
    alu_into_reg(env, in, op, size, src_rm(env, in, size, mk));
}

#define SZI(sz) ((sz) == 1 ? 0 : (sz) == 2 ? 1 : 2)

/* Fast paths of the memory forms (see X86_FAST_HANDLER). */
X86_ALWAYS_INLINE bool alu_rm_fast(CPUX86State *env, const X86Insn *in, int op, int size,
                                   int mk, uint32_t b)
{
    uint8_t *p = x86_operand_ptr(env, in, mk, size, op != ALU_CMP);
    if (!p) {
        return false;
    }
    uint32_t cf = alu_cf(env, op);
    uint32_t a = x86_host_ld(p, size);
    uint32_t r = x86_trunc(alu_result(op, a, b, cf), size);
    if (op != ALU_CMP) {
        x86_host_st(p, r, size);
    }
    alu_flags(env, op, a, b, r, cf, size);
    return true;
}

X86_ALWAYS_INLINE bool alu_ge_fast(CPUX86State *env, const X86Insn *in, int op, int size, int mk)
{
    uint8_t *p = x86_operand_ptr(env, in, mk, size, false);
    if (!p) {
        return false;
    }
    alu_into_reg(env, in, op, size, x86_host_ld(p, size));
    return true;
}

#define ALU_DEFS_R(op, sz)                                                                \
    X86_SHANDLER(alu_eg_r_##op##_##sz)                                                    \
    { alu_rm(env, in, op, sz, MK_REG, rd_reg(env, in->reg, sz)); }                        \
    X86_SHANDLER(alu_ge_r_##op##_##sz) { alu_ge(env, in, op, sz, MK_REG); }               \
    X86_SHANDLER(alu_ei_r_##op##_##sz)                                                    \
    { alu_rm(env, in, op, sz, MK_REG, x86_trunc(in->imm, sz)); }
#define ALU_DEFS_M(op, sz, k, mk)                                                         \
    X86_FAST_HANDLER(alu_eg_##k##_##op##_##sz,                                            \
                     alu_rm_fast(env, in, op, sz, mk, rd_reg(env, in->reg, sz)),          \
                     alu_rm(env, in, op, sz, mk, rd_reg(env, in->reg, sz)))               \
    X86_FAST_HANDLER(alu_ge_##k##_##op##_##sz, alu_ge_fast(env, in, op, sz, mk),          \
                     alu_ge(env, in, op, sz, mk))                                         \
    X86_FAST_HANDLER(alu_ei_##k##_##op##_##sz,                                            \
                     alu_rm_fast(env, in, op, sz, mk, x86_trunc(in->imm, sz)),            \
                     alu_rm(env, in, op, sz, mk, x86_trunc(in->imm, sz)))
#define ALU_DEFS_KINDS(op, sz) \
    ALU_DEFS_R(op, sz) ALU_DEFS_M(op, sz, m, MK_MEM) ALU_DEFS_M(op, sz, f, MK_FLAT)
#define ALU_DEFS_SIZES(op) ALU_DEFS_KINDS(op, 1) ALU_DEFS_KINDS(op, 2) ALU_DEFS_KINDS(op, 4)
ALU_DEFS_SIZES(0) ALU_DEFS_SIZES(1) ALU_DEFS_SIZES(2) ALU_DEFS_SIZES(3)
ALU_DEFS_SIZES(4) ALU_DEFS_SIZES(5) ALU_DEFS_SIZES(6) ALU_DEFS_SIZES(7)

#define ALU_ROW(op, sz) { alu_eg_r_##op##_##sz, alu_eg_m_##op##_##sz, alu_eg_f_##op##_##sz, \
                          alu_ge_r_##op##_##sz, alu_ge_m_##op##_##sz, alu_ge_f_##op##_##sz, \
                          alu_ei_r_##op##_##sz, alu_ei_m_##op##_##sz, alu_ei_f_##op##_##sz }
#define ALU_OP(op) { ALU_ROW(op, 1), ALU_ROW(op, 2), ALU_ROW(op, 4) }

const X86Handler x86_h_alu[8][3][9] = {
    ALU_OP(0), ALU_OP(1), ALU_OP(2), ALU_OP(3), ALU_OP(4), ALU_OP(5), ALU_OP(6), ALU_OP(7),
};

/* ---- TEST ---- */

X86_ALWAYS_INLINE void test_op(CPUX86State *env, const X86Insn *in, int size, int mk, bool imm)
{
    uint32_t a = src_rm(env, in, size, mk);
    uint32_t b = imm ? in->imm : rd_reg(env, in->reg, size);
    cc_logic(env, x86_trunc(a & b, size), size);
}

X86_ALWAYS_INLINE bool test_fast(CPUX86State *env, const X86Insn *in, int size, int mk, bool imm)
{
    uint8_t *p = x86_operand_ptr(env, in, mk, size, false);
    if (!p) {
        return false;
    }
    uint32_t b = imm ? in->imm : rd_reg(env, in->reg, size);
    cc_logic(env, x86_trunc(x86_host_ld(p, size) & b, size), size);
    return true;
}

#define TEST_DEFS_R(sz)                                                                   \
    X86_SHANDLER(test_eg_r_##sz) { test_op(env, in, sz, MK_REG, false); }                 \
    X86_SHANDLER(test_ei_r_##sz) { test_op(env, in, sz, MK_REG, true); }
#define TEST_DEFS_M(sz, k, mk)                                                            \
    X86_FAST_HANDLER(test_eg_##k##_##sz, test_fast(env, in, sz, mk, false),               \
                     test_op(env, in, sz, mk, false))                                     \
    X86_FAST_HANDLER(test_ei_##k##_##sz, test_fast(env, in, sz, mk, true),                \
                     test_op(env, in, sz, mk, true))
#define TEST_DEFS_KINDS(sz) TEST_DEFS_R(sz) TEST_DEFS_M(sz, m, MK_MEM) TEST_DEFS_M(sz, f, MK_FLAT)
TEST_DEFS_KINDS(1) TEST_DEFS_KINDS(2) TEST_DEFS_KINDS(4)

#define TEST_ROW(sz) { test_eg_r_##sz, test_eg_m_##sz, test_eg_f_##sz, \
                       test_ei_r_##sz, test_ei_m_##sz, test_ei_f_##sz }
const X86Handler x86_h_test[3][6] = { TEST_ROW(1), TEST_ROW(2), TEST_ROW(4) };

/* ---- unary: INC, DEC, NOT, NEG ---- */

enum { UN_INC, UN_DEC, UN_NOT, UN_NEG };

X86_ALWAYS_INLINE uint32_t unary_result(int op, uint32_t a)
{
    switch (op) {
    case UN_INC: return a + 1;
    case UN_DEC: return a - 1;
    case UN_NOT: return ~a;
    default:     return -a;
    }
}

X86_ALWAYS_INLINE void unary_op(CPUX86State *env, const X86Insn *in, int op, int size, int mk)
{
    /* INC/DEC keep CF: read it before anything changes. */
    uint32_t cf = (op == UN_INC || op == UN_DEC) ? x86_get_cf(env) : 0;
    uint32_t a, r;
    if (mk == MK_REG) {
        a = rd_reg(env, in->rm, size);
        r = x86_trunc(unary_result(op, a), size);
        wr_reg(env, in->rm, size, r);
    } else {
        uint32_t lin = x86_ea_lin(env, in, mk, size, true);
        uint8_t *p = x86_rmw_ptr(env, lin, size);
        if (cc_likely(p != NULL)) {
            a = x86_host_ld(p, size);
            r = x86_trunc(unary_result(op, a), size);
            x86_host_st(p, r, size);
        } else {
            a = x86_ld(env, lin, size);
            r = x86_trunc(unary_result(op, a), size);
            x86_st(env, lin, r, size);
        }
    }
    switch (op) {
    case UN_INC:
        cc_set(env, CC_OP_INC, a, cf, r, size);
        env->cc_src2 = cf;
        break;
    case UN_DEC:
        cc_set(env, CC_OP_DEC, a, cf, r, size);
        env->cc_src2 = cf;
        break;
    case UN_NEG:
        cc_set(env, CC_OP_SUB, 0, a, r, size);
        break;
    default:
        break;          /* NOT changes no flags */
    }
}

#define UN_DEFS(op, sz, k, mk) \
    X86_SHANDLER(un_##k##_##op##_##sz) { unary_op(env, in, op, sz, mk); }
#define UN_DEFS_KINDS(op, sz) UN_DEFS(op, sz, r, MK_REG) UN_DEFS(op, sz, m, MK_MEM) \
    UN_DEFS(op, sz, f, MK_FLAT)
#define UN_DEFS_SIZES(op) UN_DEFS_KINDS(op, 1) UN_DEFS_KINDS(op, 2) UN_DEFS_KINDS(op, 4)
UN_DEFS_SIZES(0) UN_DEFS_SIZES(1) UN_DEFS_SIZES(2) UN_DEFS_SIZES(3)

#define UN_ROW(op, sz) { un_r_##op##_##sz, un_m_##op##_##sz, un_f_##op##_##sz }
#define UN_OP(op) { UN_ROW(op, 1), UN_ROW(op, 2), UN_ROW(op, 4) }
const X86Handler x86_h_unary[4][3][3] = { UN_OP(0), UN_OP(1), UN_OP(2), UN_OP(3) };

/* ---- shifts and rotates (group 2) ---- */

enum { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };

/*
 * Shift or rotate a by count (already masked to 5 bits, non-zero).  Returns
 * the result; *flags gets CF and OF, *all says whether SF/ZF/PF follow
 * the result (shifts) or stay (rotates).  The OF of a multi-bit shift or
 * rotate is undefined (SDM vol. 2B, SAL/SAR/SHL/SHR and RCL/RCR/ROL/ROR);
 * we give the value the last of count 1-bit steps would set, which is what
 * the 80286 recorded in the SingleStepTests does.
 */
X86_ALWAYS_INLINE uint32_t shift_calc(CPUX86State *env, int op, uint32_t a, unsigned count,
                                      int size, uint32_t *flags)
{
    unsigned bits = size * 8;
    uint32_t mask = size == 4 ? 0xffffffffu : ((1u << bits) - 1);
    uint32_t msb = 1u << (bits - 1);
    uint32_t r, cf, of;
    switch (op) {
    case SH_ROL: {
        unsigned c = count & (bits - 1);
        r = c ? ((a << c) | (a >> (bits - c))) & mask : a;
        cf = r & 1;
        of = ((r & msb) != 0) ^ cf;
        break;
    }
    case SH_ROR: {
        unsigned c = count & (bits - 1);
        r = c ? ((a >> c) | (a << (bits - c))) & mask : a;
        cf = (r & msb) != 0;
        of = ((r ^ (r << 1)) & msb) != 0;
        break;
    }
    case SH_RCL: {
        unsigned c = size == 4 ? count : count % (bits + 1);
        uint64_t v = ((uint64_t)x86_get_cf(env) << bits) | a;   /* bits+1 wide */
        if (c) {
            v = (v << c) | (v >> (bits + 1 - c));
        }
        r = (uint32_t)v & mask;
        cf = (v >> bits) & 1;
        of = ((r & msb) != 0) ^ cf;
        break;
    }
    case SH_RCR: {
        unsigned c = size == 4 ? count : count % (bits + 1);
        uint64_t v = ((uint64_t)x86_get_cf(env) << bits) | a;
        if (c) {
            v = (v >> c) | (v << (bits + 1 - c));
        }
        r = (uint32_t)v & mask;
        cf = (v >> bits) & 1;
        /* The last 1-bit step sets OF to MSB XOR next bit of the result. */
        of = ((r ^ (r << 1)) & msb) != 0;
        break;
    }
    case SH_SHL:
    case SH_SAL: {
        uint64_t v = (uint64_t)a << count;
        r = (uint32_t)v & mask;
        cf = (v >> bits) & 1;
        of = ((r & msb) != 0) ^ cf;
        break;
    }
    case SH_SHR: {
        uint64_t v = a;
        cf = (v >> (count - 1)) & 1;
        r = (uint32_t)(v >> count) & mask;
        /* OF is the MSB before the last 1-bit step. */
        of = ((v >> (count - 1)) & msb) != 0;
        break;
    }
    default: {  /* SAR */
        int64_t v = x86_sext(a, size);
        cf = (v >> (count - 1)) & 1;
        r = (uint32_t)(v >> count) & mask;
        of = 0;
        break;
    }
    }
    *flags = (cf ? CC_C : 0) | (of ? CC_O : 0);
    return r;
}

X86_ALWAYS_INLINE void shift_op(CPUX86State *env, const X86Insn *in, int op, int size, int mk,
                                bool by_cl)
{
    unsigned count = (by_cl ? env->regs[R_ECX] : in->imm) & 0x1f;
    uint32_t a, r, f;
    if (mk == MK_REG) {
        if (!count) {
            return;
        }
        a = rd_reg(env, in->rm, size);
        r = shift_calc(env, op, a, count, size, &f);
        wr_reg(env, in->rm, size, r);
    } else {
        uint32_t lin = x86_ea_lin(env, in, mk, size, true);
        if (!count) {
            x86_ld(env, lin, size);
            return;
        }
        uint8_t *p = x86_rmw_ptr(env, lin, size);
        if (cc_likely(p != NULL)) {
            a = x86_host_ld(p, size);
            r = shift_calc(env, op, a, count, size, &f);
            x86_host_st(p, r, size);
        } else {
            a = x86_ld(env, lin, size);
            r = shift_calc(env, op, a, count, size, &f);
            x86_st(env, lin, r, size);
        }
    }
    if (op <= SH_RCR) {
        /* Rotates change only CF and OF. */
        x86_flags_materialize(env);
        env->eflags = (env->eflags & ~(CC_C | CC_O)) | f;
    } else {
        cc_dstf(env, r, size, f);
    }
}

#define SH_DEFS(op, sz, k, mk)                                                            \
    X86_SHANDLER(sh_##k##i_##op##_##sz) { shift_op(env, in, op, sz, mk, false); }         \
    X86_SHANDLER(sh_##k##c_##op##_##sz) { shift_op(env, in, op, sz, mk, true); }
#define SH_DEFS_KINDS(op, sz) SH_DEFS(op, sz, r, MK_REG) SH_DEFS(op, sz, m, MK_MEM) \
    SH_DEFS(op, sz, f, MK_FLAT)
#define SH_DEFS_SIZES(op) SH_DEFS_KINDS(op, 1) SH_DEFS_KINDS(op, 2) SH_DEFS_KINDS(op, 4)
SH_DEFS_SIZES(0) SH_DEFS_SIZES(1) SH_DEFS_SIZES(2) SH_DEFS_SIZES(3)
SH_DEFS_SIZES(4) SH_DEFS_SIZES(5) SH_DEFS_SIZES(6) SH_DEFS_SIZES(7)

#define SH_ROW(op, sz) { { sh_ri_##op##_##sz, sh_rc_##op##_##sz }, \
                         { sh_mi_##op##_##sz, sh_mc_##op##_##sz }, \
                         { sh_fi_##op##_##sz, sh_fc_##op##_##sz } }
#define SH_OP(op) { SH_ROW(op, 1), SH_ROW(op, 2), SH_ROW(op, 4) }
const X86Handler x86_h_shift[8][3][3][2] = {
    SH_OP(0), SH_OP(1), SH_OP(2), SH_OP(3), SH_OP(4), SH_OP(5), SH_OP(6), SH_OP(7),
};

/* ---- multiplication and division (group 3 /4../7, IMUL forms) ---- */

static uint32_t rm_read(CPUX86State *env, const X86Insn *in, int size)
{
    if (in->flags & IF_MEM) {
        return x86_ld(env, x86_ea_lin(env, in, MK_MEM, size, false), size);
    }
    return rd_reg(env, in->rm, size);
}

X86_HANDLER(x86_op_mul)
{
    int size = in->osz;
    uint32_t b = rm_read(env, in, size);
    uint32_t lo, hi;
    if (size == 1) {
        uint32_t r = (env->regs[R_EAX] & 0xff) * b;
        wr_reg(env, R_EAX, 2, r);
        lo = r & 0xff;
        hi = r >> 8;
    } else if (size == 2) {
        uint32_t r = (env->regs[R_EAX] & 0xffff) * b;
        wr_reg(env, R_EAX, 2, r);
        wr_reg(env, R_EDX, 2, r >> 16);
        lo = r & 0xffff;
        hi = r >> 16;
    } else {
        uint64_t r = (uint64_t)env->regs[R_EAX] * b;
        env->regs[R_EAX] = (uint32_t)r;
        env->regs[R_EDX] = (uint32_t)(r >> 32);
        lo = (uint32_t)r;
        hi = (uint32_t)(r >> 32);
    }
    cc_dstf(env, lo, size, hi ? (CC_C | CC_O) : 0);
}

X86_HANDLER(x86_op_imul1)
{
    int size = in->osz;
    int32_t b = x86_sext(rm_read(env, in, size), size);
    uint32_t lo;
    bool ovf;
    if (size == 1) {
        int32_t r = (int8_t)env->regs[R_EAX] * b;
        wr_reg(env, R_EAX, 2, r);
        lo = r & 0xff;
        ovf = r != (int8_t)r;
    } else if (size == 2) {
        int32_t r = (int16_t)env->regs[R_EAX] * b;
        wr_reg(env, R_EAX, 2, r);
        wr_reg(env, R_EDX, 2, (uint32_t)r >> 16);
        lo = r & 0xffff;
        ovf = r != (int16_t)r;
    } else {
        int64_t r = (int64_t)(int32_t)env->regs[R_EAX] * b;
        env->regs[R_EAX] = (uint32_t)r;
        env->regs[R_EDX] = (uint32_t)((uint64_t)r >> 32);
        lo = (uint32_t)r;
        ovf = r != (int32_t)r;
    }
    cc_dstf(env, lo, size, ovf ? (CC_C | CC_O) : 0);
}

X86_ALWAYS_INLINE void imul_rr(CPUX86State *env, const X86Insn *in, int size, int mk, bool imm)
{
    int32_t a = imm ? (int32_t)in->imm : x86_sext(rd_reg(env, in->reg, size), size);
    int32_t b = x86_sext(src_rm(env, in, size, mk), size);
    int64_t r = (int64_t)a * b;
    uint32_t lo = x86_trunc((uint32_t)r, size);
    wr_reg(env, in->reg, size, lo);
    cc_dstf(env, lo, size, r != x86_sext(lo, size) ? (CC_C | CC_O) : 0);
}

#define IMUL_DEFS(sz, k, mk)                                                              \
    X86_SHANDLER(imul2_##k##_##sz) { imul_rr(env, in, sz, mk, false); }                  \
    X86_SHANDLER(imul3_##k##_##sz) { imul_rr(env, in, sz, mk, true); }
#define IMUL_DEFS_KINDS(sz) IMUL_DEFS(sz, r, MK_REG) IMUL_DEFS(sz, m, MK_MEM) \
    IMUL_DEFS(sz, f, MK_FLAT)
IMUL_DEFS_KINDS(2) IMUL_DEFS_KINDS(4)
/* [imm form][16/32][operand kind] */
const X86Handler x86_h_imul[2][2][3] = {
    { { imul2_r_2, imul2_m_2, imul2_f_2 }, { imul2_r_4, imul2_m_4, imul2_f_4 } },
    { { imul3_r_2, imul3_m_2, imul3_f_2 }, { imul3_r_4, imul3_m_4, imul3_f_4 } },
};

X86_HANDLER(x86_op_div)
{
    int size = in->osz;
    uint32_t b = rm_read(env, in, size);
    if (b == 0) {
        x86_raise(env, EXCP_DE);
    }
    if (size == 1) {
        uint32_t n = env->regs[R_EAX] & 0xffff;
        uint32_t q = n / b, r = n % b;
        if (q > 0xff) {
            x86_raise(env, EXCP_DE);
        }
        wr_reg(env, R_EAX, 2, (r << 8) | q);
    } else if (size == 2) {
        uint32_t n = ((env->regs[R_EDX] & 0xffff) << 16) | (env->regs[R_EAX] & 0xffff);
        uint32_t q = n / b, r = n % b;
        if (q > 0xffff) {
            x86_raise(env, EXCP_DE);
        }
        wr_reg(env, R_EAX, 2, q);
        wr_reg(env, R_EDX, 2, r);
    } else {
        uint64_t n = ((uint64_t)env->regs[R_EDX] << 32) | env->regs[R_EAX];
        uint64_t q = n / b, r = n % b;
        if (q > 0xffffffffu) {
            x86_raise(env, EXCP_DE);
        }
        env->regs[R_EAX] = (uint32_t)q;
        env->regs[R_EDX] = (uint32_t)r;
    }
}

X86_HANDLER(x86_op_idiv)
{
    int size = in->osz;
    int64_t b = x86_sext(rm_read(env, in, size), size);
    if (b == 0) {
        x86_raise(env, EXCP_DE);
    }
    int64_t n, q, r;
    if (size == 1) {
        n = (int16_t)env->regs[R_EAX];
    } else if (size == 2) {
        n = (int32_t)(((env->regs[R_EDX] & 0xffff) << 16) | (env->regs[R_EAX] & 0xffff));
    } else {
        n = (int64_t)(((uint64_t)env->regs[R_EDX] << 32) | env->regs[R_EAX]);
    }
    if (size == 4 && n == INT64_MIN && b == -1) {
        x86_raise(env, EXCP_DE);
    }
    q = n / b;
    r = n % b;
    if (q != x86_sext((uint32_t)q, size) || (size == 4 && (q > INT32_MAX || q < INT32_MIN))) {
        x86_raise(env, EXCP_DE);
    }
    if (size == 1) {
        wr_reg(env, R_EAX, 2, ((r & 0xff) << 8) | (q & 0xff));
    } else if (size == 2) {
        wr_reg(env, R_EAX, 2, (uint32_t)q);
        wr_reg(env, R_EDX, 2, (uint32_t)r);
    } else {
        env->regs[R_EAX] = (uint32_t)q;
        env->regs[R_EDX] = (uint32_t)r;
    }
}

/* ---- BCD (SDM vol. 2A: DAA, DAS, AAA, AAS, AAM, AAD) ---- */

static uint32_t cur_af(CPUX86State *env)
{
    return x86_compute_arith(env) & CC_A;
}

X86_HANDLER(x86_op_daa)
{
    uint32_t al = env->regs[R_EAX] & 0xff, old_al = al;
    uint32_t old_cf = x86_get_cf(env), f = 0;
    if ((al & 0x0f) > 9 || cur_af(env)) {
        al += 6;
        f |= CC_A;
        if (old_cf || al > 0xff) {
            f |= CC_C;
        }
    }
    if (old_al > 0x99 || old_cf) {
        al += 0x60;
        f |= CC_C;
    }
    wr_reg(env, 0, 1, al);
    cc_dstf(env, al & 0xff, 1, f);
}

X86_HANDLER(x86_op_das)
{
    uint32_t al = env->regs[R_EAX] & 0xff, old_al = al;
    uint32_t old_cf = x86_get_cf(env), f = 0;
    if ((al & 0x0f) > 9 || cur_af(env)) {
        f |= CC_A;
        if (old_cf || al < 6) {
            f |= CC_C;
        }
        al -= 6;
    }
    if (old_al > 0x99 || old_cf) {
        al -= 0x60;
        f |= CC_C;
    }
    wr_reg(env, 0, 1, al);
    cc_dstf(env, al & 0xff, 1, f);
}

static void ascii_adjust(CPUX86State *env, bool sub)
{
    uint32_t ax = env->regs[R_EAX] & 0xffff, f = 0;
    if ((ax & 0x0f) > 9 || cur_af(env)) {
        /* SDM vol. 2A: AAA "AX <- AX + 106H", AAS "AX <- AX - 6;
         * AH <- AH - 1" (the borrow of AL reaches AH). */
        if (sub) {
            ax = (ax - 6) & 0xffff;
            ax = (ax & 0xff) | ((((ax >> 8) - 1) & 0xff) << 8);
        } else {
            ax += 0x106;
        }
        f = CC_A | CC_C;
    }
    ax &= 0xff0f;
    wr_reg(env, R_EAX, 2, ax);
    cc_dstf(env, ax & 0xff, 1, f);
}

X86_HANDLER(x86_op_aaa)
{
    ascii_adjust(env, false);
}

X86_HANDLER(x86_op_aas)
{
    ascii_adjust(env, true);
}

X86_HANDLER(x86_op_aam)
{
    uint32_t base = in->imm & 0xff;
    if (base == 0) {
        x86_raise(env, EXCP_DE);
    }
    uint32_t al = env->regs[R_EAX] & 0xff;
    uint32_t ax = ((al / base) << 8) | (al % base);
    wr_reg(env, R_EAX, 2, ax);
    cc_dstf(env, ax & 0xff, 1, 0);
}

X86_HANDLER(x86_op_aad)
{
    uint32_t base = in->imm & 0xff;
    uint32_t al = env->regs[R_EAX] & 0xff, ah = (env->regs[R_EAX] >> 8) & 0xff;
    uint32_t r = (al + ah * base) & 0xff;
    wr_reg(env, R_EAX, 2, r);
    cc_dstf(env, r, 1, 0);
}

/* ---- sign extension, SALC ---- */

X86_HANDLER(x86_op_cbw)
{
    if (in->flags & IF_OSZ32) {
        env->regs[R_EAX] = (int32_t)(int16_t)env->regs[R_EAX];
    } else {
        wr_reg(env, R_EAX, 2, (uint32_t)(int32_t)(int8_t)env->regs[R_EAX]);
    }
}

X86_HANDLER(x86_op_cwd)
{
    if (in->flags & IF_OSZ32) {
        env->regs[R_EDX] = (int32_t)env->regs[R_EAX] < 0 ? 0xffffffffu : 0;
    } else {
        wr_reg(env, R_EDX, 2, (int16_t)env->regs[R_EAX] < 0 ? 0xffff : 0);
    }
}

X86_HANDLER(x86_op_salc)
{
    /* Undocumented D6: AL = CF ? FF : 00, flags unchanged. */
    wr_reg(env, 0, 1, x86_get_cf(env) ? 0xff : 0);
}

/* ---- bit tests (BT/BTS/BTR/BTC), scans (BSF/BSR) ---- */

static void bit_test(CPUX86State *env, const X86Insn *in, int op, int32_t bitoff)
{
    int size = in->osz;
    unsigned bits = size * 8;
    uint32_t a, r, bit;
    x86_flags_materialize(env);
    if (!(in->flags & IF_MEM)) {
        bit = (uint32_t)bitoff & (bits - 1);
        a = rd_reg(env, in->rm, size);
        r = op == 1 ? a | (1u << bit) : op == 2 ? a & ~(1u << bit) : a ^ (1u << bit);
        if (op) {
            wr_reg(env, in->rm, size, r);
        }
    } else {
        /* A register bit offset addresses memory beyond the operand
         * (SDM vol. 2A, BT: "bit string" addressing). */
        uint32_t off = x86_ea(env, in);
        int32_t unit = bitoff >> (size == 2 ? 4 : 5);
        off += (uint32_t)(unit * (int32_t)size);
        if (!(in->flags & IF_ASZ32)) {
            off &= 0xffff;
        }
        bit = (uint32_t)bitoff & (bits - 1);
        if (op) {
            uint32_t lin = x86_lin_wr(env, in->seg, off, size);
            a = x86_ld(env, lin, size);
            r = op == 1 ? a | (1u << bit) : op == 2 ? a & ~(1u << bit) : a ^ (1u << bit);
            x86_st(env, lin, r, size);
        } else {
            a = x86_ld(env, x86_lin_rd(env, in->seg, off, size), size);
        }
    }
    env->eflags = (env->eflags & ~CC_C) | ((a >> bit) & 1);
}

/* 0F A3/AB/B3/BB: bit offset in a register (signed, may reach outside the
 * operand in memory). */
X86_HANDLER(x86_op_bt_r)
{
    static const int ops[4] = { 0, 1, 2, 3 };  /* A3 BT, AB BTS, B3 BTR, BB BTC */
    int size = in->osz;
    int32_t off = x86_sext(rd_reg(env, in->reg, size), size);
    bit_test(env, in, ops[(in->opc >> 3) & 3], off);
}

/* 0F BA /4../7: immediate bit offset, taken modulo the operand size. */
X86_HANDLER(x86_op_bt_i)
{
    int size = in->osz;
    bit_test(env, in, in->imm2 & 3, in->imm & (size * 8 - 1));
}

X86_HANDLER(x86_op_bsf)
{
    int size = in->osz;
    uint32_t v = rm_read(env, in, size);
    x86_flags_materialize(env);
    if (v == 0) {
        /* Destination unchanged (undefined per the SDM; P6 keeps it). */
        env->eflags |= CC_Z;
        return;
    }
    env->eflags &= ~CC_Z;
    wr_reg(env, in->reg, size, (in->opc == 0xbc) ? __builtin_ctz(v) : 31 - __builtin_clz(v));
}

/* ---- SHLD/SHRD ---- */

X86_HANDLER(x86_op_shxd)
{
    int size = in->osz;
    bool right = in->opc >= 0xac;
    bool by_cl = in->opc & 1;
    unsigned count = (by_cl ? env->regs[R_ECX] : in->imm) & 0x1f;
    unsigned bits = size * 8;
    uint32_t src = rd_reg(env, in->reg, size);
    uint32_t lin = 0, a;
    if (in->flags & IF_MEM) {
        lin = x86_lin_wr(env, in->seg, x86_ea(env, in), size);
        a = x86_ld(env, lin, size);
    } else {
        a = rd_reg(env, in->rm, size);
    }
    if (count == 0) {
        return;
    }
    uint64_t r;
    uint32_t cf, res;
    if (size == 4) {
        if (!right) {
            r = (((uint64_t)a << 32) | src) << count;
            res = (uint32_t)(r >> 32);
            cf = (a >> (32 - count)) & 1;
        } else {
            r = (((uint64_t)src << 32) | a) >> count;
            res = (uint32_t)r;
            cf = (a >> (count - 1)) & 1;
        }
    } else {
        /* 16-bit with a count above 16 is undefined; the P6 shifts a
         * 48-bit dest:src:dest pattern, which this reproduces. */
        uint64_t pat;
        if (!right) {
            pat = ((uint64_t)a << 32) | ((uint64_t)src << 16) | a;
            r = pat << count;
            res = (uint32_t)(r >> 32) & 0xffff;
            cf = (uint32_t)(pat >> (48 - count)) & 1;
        } else {
            pat = ((uint64_t)a << 32) | ((uint64_t)src << 16) | a;
            r = pat >> count;
            res = (uint32_t)r & 0xffff;
            cf = (uint32_t)(pat >> (count - 1)) & 1;
        }
    }
    (void)bits;
    uint32_t of = ((res ^ a) >> (size * 8 - 1)) & 1;
    if (in->flags & IF_MEM) {
        x86_st(env, lin, res, size);
    } else {
        wr_reg(env, in->rm, size, res);
    }
    cc_dstf(env, res, size, (cf ? CC_C : 0) | (of ? CC_O : 0));
}

/* ---- BSWAP, XADD, CMPXCHG, CMPXCHG8B ---- */

X86_HANDLER(x86_op_bswap)
{
    if (in->flags & IF_OSZ32) {
        env->regs[in->rm] = __builtin_bswap32(env->regs[in->rm]);
    } else {
        /* Undefined for 16-bit operands; the P6 clears the register's
         * low word. */
        wr_reg(env, in->rm, 2, 0);
    }
}

X86_HANDLER(x86_op_xadd)
{
    int size = in->osz;
    uint32_t b = rd_reg(env, in->reg, size);
    uint32_t a, r;
    if (in->flags & IF_MEM) {
        uint32_t lin = x86_lin_wr(env, in->seg, x86_ea(env, in), size);
        a = x86_ld(env, lin, size);
        r = x86_trunc(a + b, size);
        x86_st(env, lin, r, size);
        wr_reg(env, in->reg, size, a);
    } else {
        a = rd_reg(env, in->rm, size);
        r = x86_trunc(a + b, size);
        wr_reg(env, in->reg, size, a);
        wr_reg(env, in->rm, size, r);
    }
    cc_set(env, CC_OP_ADD, a, b, r, size);
}

X86_HANDLER(x86_op_cmpxchg)
{
    int size = in->osz;
    uint32_t acc = rd_reg(env, 0, size)   /* AL/AX/EAX */;
    uint32_t src = rd_reg(env, in->reg, size);
    uint32_t a;
    if (in->flags & IF_MEM) {
        /* The destination is always written (SDM vol. 2A, CMPXCHG): with
         * its own value when the comparison fails. */
        uint32_t lin = x86_lin_wr(env, in->seg, x86_ea(env, in), size);
        a = x86_ld(env, lin, size);
        x86_st(env, lin, a == acc ? src : a, size);
    } else {
        a = rd_reg(env, in->rm, size);
        if (a == acc) {
            wr_reg(env, in->rm, size, src);
        }
    }
    if (a != acc) {
        wr_reg(env, 0, size, a);
    }
    cc_set(env, CC_OP_SUB, acc, a, x86_trunc(acc - a, size), size);
}

X86_HANDLER(x86_op_cmpxchg8b)
{
    uint32_t off = x86_ea(env, in);
    uint32_t lin = x86_lin_wr(env, in->seg, off, 8);
    uint32_t lo = x86_ld(env, lin, 4);
    uint32_t hi = x86_ld(env, lin + 4, 4);
    x86_flags_materialize(env);
    x86_probe_write(env, lin, 8);
    if (lo == env->regs[R_EAX] && hi == env->regs[R_EDX]) {
        x86_st(env, lin, env->regs[R_EBX], 4);
        x86_st(env, lin + 4, env->regs[R_ECX], 4);
        env->eflags |= CC_Z;
    } else {
        x86_st(env, lin, lo, 4);
        x86_st(env, lin + 4, hi, 4);
        env->regs[R_EAX] = lo;
        env->regs[R_EDX] = hi;
        env->eflags &= ~CC_Z;
    }
}
