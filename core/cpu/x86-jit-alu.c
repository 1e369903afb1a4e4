/*
 * The code generator: data operations (ALU, moves, shifts, multiply and
 * divide, stack and string instructions)
 * (see x86-jit.c and x86-jit-int.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include "cpu/x86-jit-int.h"

#ifdef X86_JIT_HOST

/* ---- instruction forms ---- */

/* Memory operands the flat fast path may address when the handler is
 * not specialised by kind: 32-bit addressing of DS, ES or SS in a block
 * compiled under HF_FLAT (what the decoder's MK_FLAT means). */
bool flat_operand(Jit *j, const X86Insn *in)
{
    return (j->tb->hflags & HF_FLAT) && !in->ashift &&
           (in->seg == R_DS || in->seg == R_ES || in->seg == R_SS);
}

bool is_fn(const X86Insn *in, X86Handler h)
{
    return in->fn == h;
}

/* Which ALU op (ADD OR AND SUB XOR CMP) and form; -1 if not native. */
enum { F_EG_R, F_GE_R, F_EI_R, F_GE_M, F_EG_M, F_EI_M, F_EG_RMW, F_EI_RMW, F_GE_S, F_EG_S,
       F_EI_S };

int alu_form(const X86Insn *in, int *op, int *size)
{
    for (int sz = 0; sz < 3; sz++) {
        for (int o = 0; o < 8; o++) {
            const X86Handler *row = x86_h_alu[o][sz];
            *op = o;
            *size = 1 << sz;
            if (in->fn == row[0]) return F_EG_R;
            if (in->fn == row[3]) return F_GE_R;
            if (in->fn == row[6]) return F_EI_R;
            if (in->fn == row[5]) return F_GE_M;
            if (o == 7 && in->fn == row[2]) return F_EG_M;      /* CMP [m], r: no write */
            if (o == 7 && in->fn == row[8]) return F_EI_M;
            if (o != 7 && in->fn == row[2]) return F_EG_RMW;    /* op [m], r */
            if (o != 7 && in->fn == row[8]) return F_EI_RMW;    /* op [m], imm */
            /* loads through a segment that is not flat (emit_seg_load) */
            if (sz == 2 && !in->ashift) {
                if (in->fn == row[4]) return F_GE_S;
                if (o == 7 && in->fn == row[1]) return F_EG_S;
                if (o == 7 && in->fn == row[7]) return F_EI_S;
            }
        }
    }
    return -1;
}

/* Operands narrower than 32 bits: the lazy flags hold them, and the
 * result, sign-extended to 32 bits (cc_set), so that the 32-bit formulas
 * of x86_compute_arith and the host compares of emit_cond give the
 * flags of the narrow operation. */

/* movsx hreg, low byte / word of hreg (size 1 or 2) */
static void sext_rr(Jit *j, int hreg, int size)
{
    if (size == 1) {
        op_rr_b(j, 0x0fbe, hreg, hreg);
    } else if (size == 2) {
        op_rr(j, false, 0x0fbf, hreg, hreg);
    }
}

/* hreg = guest register operand of the given size (r: a register index,
 * or a byte offset for size 1), sign-extended to 32 bits. */
static void ldsx(Jit *j, int hreg, int r, int size)
{
    if (size == 4) {
        ldg(j, hreg, r);
    } else if (size == 2) {
        opg(j, 0x0fbf, hreg, r);                     /* movsx hreg, r16 */
    } else {
        ldb(j, hreg, r);
        sext_rr(j, hreg, 1);
    }
}

/* guest register operand of the given size = low bits of hreg (not RCX) */
static void stsz(Jit *j, int r, int size, int hreg)
{
    if (size == 4) {
        stg(j, r, hreg);
    } else if (size == 2) {
        stw(j, r, hreg);
    } else {
        stb(j, r, hreg);
    }
}

/* An immediate truncated to the operand size and sign-extended. */
static uint32_t imm_sx(uint32_t imm, int size)
{
    return size == 1 ? (uint32_t)(int32_t)(int8_t)imm :
           size == 2 ? (uint32_t)(int32_t)(int16_t)imm : imm;
}

/* hreg = size bytes at linear EAX, sign-extended (as emit_load). */
static void emit_load_sx(Jit *j, const X86Insn *in, int size, int hreg)
{
    emit_load(j, in, size, hreg);
    sext_rr(j, hreg, size);
}

/* INC/DEC r32: CF comes from the flags before; ask the C side for it. */
static uint32_t jit_get_cf(CPUX86State *env)
{
    return x86_get_cf(env);
}

/* dst (RDI or a callee-saved register) = CF of flags set by an earlier
 * block or an interpreted instruction: the cases of x86_get_cf inline by
 * a dispatch on cc_op, the rest from the C side.  Clobbers RAX, RCX, RSI;
 * its branch arms load no guest register. */
static void emit_cf_dyn(Jit *j, int dst)
{
    uint8_t *done[5];
    int nd = 0;
    ld32(j, RAX, ENV_OFF(cc_op));
    ld32(j, RSI, ENV_OFF(cc_src1));
    alu_ri(j, 7, RAX, CC_OP_SUB);
    uint8_t *not_sub = jcc32(j, HC_NE);
    op_mem(j, false, 0x3b, RSI, ENV, ENV_OFF(cc_src2));   /* cmp src1, src2 */
    e8(j, 0x0f); e8(j, 0x92); e8(j, 0xc1);           /* setb cl */
    op_rr(j, false, 0x0fb6, dst, RCX);               /* movzx dst, cl */
    done[nd++] = jmp32(j);
    patch32(j, not_sub, j->p);
    alu_ri(j, 7, RAX, CC_OP_ADD);
    uint8_t *not_add = jcc32(j, HC_NE);
    op_mem(j, false, 0x39, RSI, ENV, ENV_OFF(cc_dst));    /* cmp dst, src1 */
    e8(j, 0x0f); e8(j, 0x92); e8(j, 0xc1);           /* setb cl */
    op_rr(j, false, 0x0fb6, dst, RCX);
    done[nd++] = jmp32(j);
    patch32(j, not_add, j->p);
    alu_ri(j, 7, RAX, CC_OP_INC);
    uint8_t *kept = jcc32(j, HC_E);
    alu_ri(j, 7, RAX, CC_OP_DEC);
    uint8_t *kept2 = jcc32(j, HC_E);
    alu_ri(j, 7, RAX, CC_OP_EFLAGS);
    uint8_t *not_eflags = jcc32(j, HC_NE);
    ld32(j, dst, ENV_OFF(eflags));                   /* CF is bit 0 */
    alu_ri(j, 4, dst, CC_C);
    done[nd++] = jmp32(j);
    patch32(j, not_eflags, j->p);
    alu_ri(j, 7, RAX, CC_OP_LOGIC);
    uint8_t *not_logic = jcc32(j, HC_NE);
    mov_ri(j, dst, 0);
    done[nd++] = jmp32(j);
    patch32(j, not_logic, j->p);
    op_rr(j, true, 0x89, ENV, RDI);
    call_abs(j, (const void *)jit_get_cf);
    mov_rr(j, dst, RAX);
    done[nd++] = jmp32(j);
    patch32(j, kept, j->p);
    patch32(j, kept2, j->p);
    ld32(j, dst, ENV_OFF(cc_src2));                  /* the CF INC/DEC kept */
    alu_ri(j, 4, dst, 1);
    for (int k = 0; k < nd; k++) {
        patch32(j, done[k], j->p);
    }
}

/* dst (RDI or a callee-saved register) = CF of the flags so far, 0 or 1:
 * inline when the producer is known in the block, else by emit_cf_dyn
 * (which may call out: emit it before anything else of the
 * instruction). */
static void emit_get_cf(Jit *j, int dst)
{
    switch (j->cc_known) {
    case CC_OP_SUB:
    case CC_OP_ADD:
        ld32(j, RSI, ENV_OFF(cc_src1));
        if (j->cc_known == CC_OP_SUB) {
            op_mem(j, false, 0x3b, RSI, ENV, ENV_OFF(cc_src2));   /* cmp esi, src2 */
        } else {
            op_mem(j, false, 0x39, RSI, ENV, ENV_OFF(cc_dst));    /* cmp dst, esi */
        }
        e8(j, 0x0f); e8(j, 0x92); e8(j, 0xc0);       /* setb al */
        op_rr(j, false, 0x0fb6, dst, RAX);           /* movzx dst, al */
        break;
    case CC_OP_LOGIC:
        mov_ri(j, dst, 0);
        break;
    case CC_OP_INC:
    case CC_OP_DEC:
        ld32(j, dst, ENV_OFF(cc_src2));              /* the CF INC/DEC kept */
        alu_ri(j, 4, dst, 1);
        break;
    default:
        emit_cf_dyn(j, dst);
        break;
    }
}

/* r8 = esi op edi, flags (ADC/SBB: plus/minus the carry in j->cf_tmp).
 * For a narrow size, ESI and EDI hold the operands sign-extended and R8
 * gets the result sign-extended. */
static void emit_alu_core(Jit *j, int op, int size)
{
    mov_rr(j, R8, RSI);
    if (op == 2 || op == 3) {
        int base = op == 2 ? 0 : 5;                  /* add / sub */
        alu_rr(j, base, R8, RDI);
        alu_rr(j, base, R8, j->cf_tmp);
        sext_rr(j, R8, size);
        if (j->flags_live) {
            /* CC_OP_ADC = CC_OP_ADD + 1, CC_OP_SBB = CC_OP_SUB + 1 */
            mov_rr(j, RCX, j->cf_tmp);
            alu_ri(j, 0, RCX, op == 2 ? CC_OP_ADD : CC_OP_SUB);
            st32(j, ENV_OFF(cc_op), RCX);
            st32(j, ENV_OFF(cc_dst), R8);
            st32(j, ENV_OFF(cc_src1), RSI);
            st32(j, ENV_OFF(cc_src2), RDI);
        }
        j->cc_known = -1;
        return;
    }
    alu_rr(j, op == 7 ? 5 : op, R8, RDI);
    if (op == 0 || op == 5 || op == 7) {
        sext_rr(j, R8, size);                        /* logic results stay sign-extended */
    }
    emit_flags(j, op == 0 ? CC_OP_ADD : (op == 5 || op == 7) ? CC_OP_SUB : CC_OP_LOGIC);
}

/* A memory source operand into reg, sign-extended to 64 bits: through a
 * segment that is not flat (its limit checked inline) or through the
 * flat TLB. */
static void emit_src_mem(Jit *j, const X86Insn *in, bool seg, int size, int reg)
{
    if (seg) {
        emit_seg_load(j, in, size, reg);
    } else {
        emit_ea(j, in, RAX);
        emit_load_sx(j, in, size, reg);
    }
}

/* The result (in R8) back to the destination register, unless the
 * operation is CMP (op 7), which only sets flags. */
static void alu_result(Jit *j, int op, int dst, int size)
{
    if (op != 7) {
        stsz(j, dst, size, R8);
    }
}

bool emit_alu(Jit *j, const X86Insn *in)
{
    int op, size;
    int form = alu_form(in, &op, &size);
    if (form < 0 || ((op == 2 || op == 3) && j->cf_tmp < 0)) {
        return false;
    }
    if (op == 2 || op == 3) {
        emit_get_cf(j, j->cf_tmp);                  /* first: it may call out */
    }
    switch (form) {
    case F_EG_R:      /* rm = rm op reg */
        ldsx(j, RSI, in->rm, size);
        ldsx(j, RDI, in->reg, size);
        emit_alu_core(j, op, size);
        alu_result(j, op, in->rm, size);
        break;
    case F_GE_R:      /* reg = reg op rm */
        ldsx(j, RSI, in->reg, size);
        ldsx(j, RDI, in->rm, size);
        emit_alu_core(j, op, size);
        alu_result(j, op, in->reg, size);
        break;
    case F_EI_R:      /* rm = rm op imm */
        ldsx(j, RSI, in->rm, size);
        mov_ri(j, RDI, imm_sx(in->imm, size));
        emit_alu_core(j, op, size);
        alu_result(j, op, in->rm, size);
        break;
    case F_GE_M:      /* reg = reg op [m] */
    case F_GE_S:
        emit_src_mem(j, in, form == F_GE_S, size, RDI);
        ldsx(j, RSI, in->reg, size);
        emit_alu_core(j, op, size);
        alu_result(j, op, in->reg, size);
        break;
    case F_EG_M:      /* cmp [m], reg */
    case F_EG_S:
        emit_src_mem(j, in, form == F_EG_S, size, RSI);
        ldsx(j, RDI, in->reg, size);
        emit_alu_core(j, op, size);
        break;
    case F_EI_M:      /* cmp [m], imm */
    case F_EI_S:
        emit_src_mem(j, in, form == F_EI_S, size, RSI);
        mov_ri(j, RDI, imm_sx(in->imm, size));
        emit_alu_core(j, op, size);
        break;
    default: {        /* op [m], reg / imm: in place through the write TLB */
        /* The operand first: the slow path skips everything up to
         * `resume`, so no guest register may be loaded in between. */
        if (form == F_EG_RMW) {
            ldsx(j, RDI, in->reg, size);
        } else {
            mov_ri(j, RDI, imm_sx(in->imm, size));
        }
        emit_ea(j, in, RAX);
        SlowPath *sp = emit_tlb(j, in, size, true);
        sp->kind = SLOW_INSN;
        op_mem(j, false, size == 1 ? 0x0fbe : size == 2 ? 0x0fbf : 0x8b, RSI, RDX, 0);
        emit_alu_core(j, op, size);
        if (size == 2) {
            e8(j, 0x66);
        }
        op_mem(j, false, size == 1 ? 0x88 : 0x89, R8, RDX, 0);   /* mov [rdx], r8b/w/d */
        sp->resume = j->p;
        break;
    }
    }
    return true;
}

/* MOV at 16 and 8 bits (x86_h_mov[1] and [0]): register, immediate and
 * flat memory forms, as emit_mov's 32-bit ones. */
static bool emit_mov_narrow(Jit *j, const X86Insn *in)
{
    for (int w = 1; w >= 0; w--) {
        const X86Handler *k = x86_h_mov[w];
        int size = w ? 2 : 1;
        if (is_fn(in, k[0])) {                  /* r = r */
            ldsx(j, RSI, in->reg, size);
            stsz(j, in->rm, size, RSI);
        } else if (is_fn(in, k[1])) {           /* r = imm */
            mov_ri(j, RSI, in->imm);
            stsz(j, in->rm, size, RSI);
        } else if (is_fn(in, k[6])) {           /* r = [m] flat */
            emit_ea(j, in, RAX);
            emit_load(j, in, size, RSI);
            stsz(j, in->reg, size, RSI);
        } else if (is_fn(in, k[5])) {           /* [m] = r flat */
            emit_ea(j, in, RAX);
            ldsx(j, RSI, in->reg, size);
            emit_store(j, in, size, RSI);
        } else if (is_fn(in, k[7])) {           /* [m] = imm flat */
            emit_ea(j, in, RAX);
            mov_ri(j, RSI, in->imm);
            emit_store(j, in, size, RSI);
        } else {
            continue;
        }
        return true;
    }
    return false;
}

bool emit_mov(Jit *j, const X86Insn *in)
{
    const X86Handler *m = x86_h_mov[2];
    if (is_fn(in, m[0])) {            /* rm = reg */
        ldg(j, RSI, in->reg);
        stg(j, in->rm, RSI);
    } else if (is_fn(in, m[1])) {     /* rm = imm */
        stgi(j, in->rm, in->imm);
    } else if (is_fn(in, m[6])) {     /* reg = [m] flat */
        emit_ea(j, in, RAX);
        emit_load(j, in, 4, RSI);
        stg(j, in->reg, RSI);
    } else if (is_fn(in, m[3]) && !in->ashift) {    /* reg = seg:[m] */
        emit_seg_load(j, in, 4, RSI);
        stg(j, in->reg, RSI);
    } else if (is_fn(in, m[5])) {     /* [m] = reg flat */
        emit_ea(j, in, RAX);
        ldg(j, RSI, in->reg);
        emit_store(j, in, 4, RSI);
    } else if (is_fn(in, m[7])) {     /* [m] = imm flat */
        emit_ea(j, in, RAX);
        mov_ri(j, RSI, in->imm);
        emit_store(j, in, 4, RSI);
    } else {
        return emit_mov_narrow(j, in);
    }
    return true;
}

bool emit_movx(Jit *j, const X86Insn *in)
{
    for (int sx = 0; sx < 2; sx++) {
        for (int s16 = 0; s16 < 2; s16++) {
            const X86Handler *k = x86_h_movx[sx][s16][1];
            int ssz = s16 ? 2 : 1;
            uint32_t opc = sx ? (s16 ? 0x0fbf : 0x0fbe) : (s16 ? 0x0fb7 : 0x0fb6);
            if (is_fn(in, k[MK_REG])) {
                /* movzx/movsx esi, byte/word register */
                if (ssz == 1) {
                    ldb(j, RSI, in->rm);
                    if (sx) {
                        op_rr_b(j, 0x0fbe, RSI, RSI);
                    }
                } else {
                    opg(j, opc, RSI, in->rm);
                }
                stg(j, in->reg, RSI);
                return true;
            }
            if (is_fn(in, k[MK_FLAT])) {
                emit_ea(j, in, RAX);
                emit_load(j, in, ssz, RSI);      /* zero-extended */
                if (sx) {
                    if (ssz == 1) {
                        e8(j, 0x40);                 /* SIL, not DH */
                    }
                    op_rr(j, false, ssz == 1 ? 0x0fbe : 0x0fbf, RSI, RSI);
                }
                stg(j, in->reg, RSI);
                return true;
            }
        }
    }
    return false;
}

/* TEST forms: 0 r/m, reg; 1 r/m, imm (register); 2 and 3 the same on flat
 * memory; -1 others. */
int test_form(const X86Insn *in, int *size)
{
    for (int sz = 0; sz < 3; sz++) {
        const X86Handler *t = x86_h_test[sz];
        *size = 1 << sz;
        if (is_fn(in, t[0])) return 0;
        if (is_fn(in, t[3])) return 1;
        if (is_fn(in, t[2])) return 2;
        if (is_fn(in, t[5])) return 3;
    }
    return -1;
}

bool emit_test(Jit *j, const X86Insn *in)
{
    int size;
    int form = test_form(in, &size);
    if (form < 0) {
        return false;
    }
    /* operands sign-extended, so their AND is too (see ldsx) */
    if (form >= 2) {
        emit_ea(j, in, RAX);
        emit_load_sx(j, in, size, R8);
    } else {
        ldsx(j, R8, in->rm, size);
    }
    if (form & 1) {
        alu_ri(j, 4, R8, imm_sx(in->imm, size));
    } else if (size == 4) {
        opg(j, 0x23, R8, in->reg);                   /* and r8d, reg */
    } else {
        ldsx(j, RSI, in->reg, size);
        alu_rr(j, 4, R8, RSI);
    }
    emit_flags(j, CC_OP_LOGIC);
    return true;
}

bool emit_lea(Jit *j, const X86Insn *in)
{
    if (!is_fn(in, x86_h_lea[1]) || in->ashift) {
        return false;
    }
    emit_ea(j, in, RAX);
    stg(j, in->reg, RAX);
    return true;
}

/* The lazy flags as CC_OP_DSTF: ZF/SF/PF from the result in dst, CF, OF
 * and AF as given in the host register cfof (x86-internal.h). */
static void store_flags_dstf(Jit *j, int dst, int cfof)
{
    st32i(j, ENV_OFF(cc_op), CC_OP_DSTF);
    st32(j, ENV_OFF(cc_dst), dst);
    st32(j, ENV_OFF(cc_src1), cfof);
}

bool emit_imul(Jit *j, const X86Insn *in)
{
    bool imm;
    int mk;
    if (is_fn(in, x86_h_imul[0][1][MK_REG])) { imm = false; mk = MK_REG; }
    else if (is_fn(in, x86_h_imul[0][1][MK_FLAT])) { imm = false; mk = MK_FLAT; }
    else if (is_fn(in, x86_h_imul[1][1][MK_REG])) { imm = true; mk = MK_REG; }
    else if (is_fn(in, x86_h_imul[1][1][MK_FLAT])) { imm = true; mk = MK_FLAT; }
    else {
        return false;
    }
    if (mk == MK_FLAT) {
        emit_ea(j, in, RAX);
        emit_load(j, in, 4, RDI);
    } else {
        ldg(j, RDI, in->rm);
    }
    if (imm) {
        mov_ri(j, RSI, in->imm);
    } else {
        ldg(j, RSI, in->reg);
    }
    /* 64-bit product of the sign-extended operands; CF=OF when it does not
     * fit in 32 bits. */
    op_rr(j, true, 0x63, RSI, RSI);                  /* movsxd rsi, esi */
    op_rr(j, true, 0x63, RDI, RDI);
    op_rr(j, true, 0x0faf, RSI, RDI);                /* imul rsi, rdi */
    op_rr(j, true, 0x63, R8, RSI);                   /* movsxd r8, esi */
    op_rr(j, true, 0x39, RSI, R8);                   /* cmp r8, rsi */
    e8(j, 0x0f); e8(j, 0x95); e8(j, 0xc1);            /* setne cl */
    op_rr(j, false, 0x0fb6, RCX, RCX);               /* movzx ecx, cl */
    /* ecx * (CF|OF) = ecx * 0x801 */
    rex(j, false, RCX, 0, RCX);
    e8(j, 0x69); e8(j, 0xc9); e32(j, CC_C | CC_O);    /* imul ecx, ecx, 0x801 */
    stg(j, in->reg, RSI);
    if (j->flags_live) {
        store_flags_dstf(j, RSI, RCX);
    }
    j->cc_known = -1;
    return true;
}

/* SHL/SHR/SAR r32, imm (count known, 1..31). */
bool emit_shift(Jit *j, const X86Insn *in)
{
    int op = -1;
    static const int ops[] = { 4, 5, 7 };
    for (unsigned k = 0; k < 3; k++) {
        if (is_fn(in, x86_h_shift[ops[k]][2][MK_REG][0])) {
            op = ops[k];
        }
    }
    if (op < 0) {
        return false;
    }
    unsigned c = in->imm & 31;
    if (c == 0) {
        return true;                                 /* nothing, not even flags */
    }
    if (!j->flags_live) {
        /* shl/shr/sar dword [env + rm], c */
        rmwg(j, 0xc1, op, in->rm);
        e8(j, (uint8_t)c);
        j->cc_known = -1;
        return true;
    }
    ldg(j, RSI, in->rm);
    /* CF: the last bit shifted out; computed on a copy. */
    mov_rr(j, RCX, RSI);
    if (op == 4) {
        /* CF = bit (32 - c) of a */
        e8(j, 0xc1); e8(j, 0xe9); e8(j, (uint8_t)(32 - c));      /* shr ecx, 32-c */
    } else if (op == 5) {
        if (c > 1) { e8(j, 0xc1); e8(j, 0xe9); e8(j, (uint8_t)(c - 1)); }
    } else {
        if (c > 1) { e8(j, 0xc1); e8(j, 0xf9); e8(j, (uint8_t)(c - 1)); }   /* sar ecx */
    }
    /* edx = bit after shift by c-1: MSB for SHR's OF */
    mov_rr(j, RDX, RCX);
    alu_ri(j, 4, RCX, 1);                            /* ecx = CF */
    /* result */
    rex(j, false, 0, 0, RSI);
    e8(j, 0xc1); e8(j, 0xc0 | ((op == 4 ? 4 : op) << 3) | (RSI & 7)); e8(j, (uint8_t)c);
    stg(j, in->rm, RSI);
    if (op == 4) {
        /* OF = MSB(result) ^ CF */
        mov_rr(j, RDX, RSI);
        e8(j, 0xc1); e8(j, 0xea); e8(j, 31);         /* shr edx, 31 */
        alu_rr(j, 6, RDX, RCX);                      /* xor edx, ecx */
    } else if (op == 5) {
        e8(j, 0xc1); e8(j, 0xea); e8(j, 31);         /* OF = MSB before the last step */
    } else {
        alu_rr(j, 6, RDX, RDX);                      /* SAR: OF = 0 */
    }
    /* src1 = CF | OF << 11 */
    e8(j, 0xc1); e8(j, 0xe2); e8(j, 11);             /* shl edx, 11 */
    alu_rr(j, 1, RCX, RDX);                          /* or ecx, edx */
    store_flags_dstf(j, RSI, RCX);
    j->cc_known = -1;
    return true;
}

/* SHL/SHR/SAR by an immediate of a byte or word register, or of a byte,
 * word or dword in flat memory (emit_shift has r32), with a count below
 * the operand's width (the rest, and a zero count, which still reads
 * memory, go to the handler). */
bool shift_imm_form(const X86Insn *in, int *op, int *size, int *mk)
{
    static const int ops[] = { 4, 5, 6, 7 };
    for (int sz = 0; sz < 3; sz++) {
        for (int kind = MK_REG; kind <= MK_FLAT; kind += MK_FLAT - MK_REG) {
            for (unsigned k = 0; k < CC_ARRAY_SIZE(ops); k++) {
                if ((sz < 2 || kind == MK_FLAT) &&
                    is_fn(in, x86_h_shift[ops[k]][sz][kind][0])) {
                    unsigned c = in->imm & 31;
                    *op = ops[k] == 6 ? 4 : ops[k];  /* SAL is SHL */
                    *size = 1 << sz;
                    *mk = kind;
                    return c && c < 8u << sz;
                }
            }
        }
    }
    return false;
}

bool emit_shift_narrow(Jit *j, const X86Insn *in)
{
    int op, size, mk;
    if (!shift_imm_form(in, &op, &size, &mk)) {
        return false;
    }
    unsigned c = in->imm & 31, bits = 8u * (unsigned)size;
    SlowPath *sp = NULL;
    /* esi = the operand, sign-extended for SAR, else zero-extended */
    if (mk == MK_REG) {
        ldsx(j, RSI, in->rm, size);
        if (op != 7) {
            alu_ri(j, 4, RSI, size == 1 ? 0xff : 0xffff);
        }
    } else {
        /* in place through the write TLB; a miss runs the handler */
        emit_ea(j, in, RAX);
        sp = emit_tlb(j, in, size, true);
        sp->kind = SLOW_INSN;
        uint32_t ld = size == 4 ? 0x8b : op == 7 ? (size == 1 ? 0x0fbe : 0x0fbf) :
                      (size == 1 ? 0x0fb6 : 0x0fb7);
        op_mem(j, false, ld, RSI, RDX, 0);
    }
    /* The flags as shift_calc gives them: CF the last bit shifted out, OF
     * what the last 1-bit step sets. */
    mov_rr(j, RAX, RSI);
    if (op == 4) {
        e8(j, 0xc1); e8(j, 0xe8); e8(j, (uint8_t)(bits - c));      /* shr eax, bits-c */
    } else if (c > 1) {
        e8(j, 0xc1); e8(j, op == 7 ? 0xf8 : 0xe8); e8(j, (uint8_t)(c - 1));   /* sar/shr */
    }
    mov_rr(j, RDI, RAX);
    alu_ri(j, 4, RDI, 1);                            /* edi = CF */
    if (op == 5) {
        e8(j, 0xc1); e8(j, 0xe8); e8(j, (uint8_t)(bits - 1));      /* OF = MSB before */
        alu_ri(j, 4, RAX, 1);
    } else if (op == 7) {
        alu_rr(j, 6, RAX, RAX);                      /* SAR: OF = 0 */
    }
    rex(j, false, 0, 0, RSI);
    e8(j, 0xc1); e8(j, 0xc0 | (op << 3) | (RSI & 7)); e8(j, (uint8_t)c);
    sext_rr(j, RSI, size);                           /* the result as cc_dst holds it */
    if (op == 4) {
        mov_rr(j, RAX, RSI);
        e8(j, 0xc1); e8(j, 0xe8); e8(j, 31);         /* shr eax, 31 */
        alu_rr(j, 6, RAX, RDI);                      /* OF = MSB(result) ^ CF */
    }
    e8(j, 0xc1); e8(j, 0xe0); e8(j, 11);             /* shl eax, 11: OF */
    alu_rr(j, 1, RAX, RDI);
    if (sp) {
        if (size == 2) {
            e8(j, 0x66);
        } else if (size == 1) {
            e8(j, 0x40);                             /* SIL, not DH */
        }
        op_mem(j, false, size == 1 ? 0x88 : 0x89, RSI, RDX, 0);
    } else {
        stsz(j, in->rm, size, RSI);
    }
    if (j->flags_live) {
        store_flags_dstf(j, RSI, RAX);
    }
    if (sp) {
        sp->resume = j->p;
    }
    j->cc_known = -1;
    return true;
}

/* SHL/SHR/SAR r32, CL: the count is known only at run time; a zero count
 * changes no flag, so the flags are recorded only for a non-zero one. */
int shift_cl_op(const X86Insn *in)
{
    static const int ops[] = { 4, 5, 6, 7 };
    for (unsigned k = 0; k < CC_ARRAY_SIZE(ops); k++) {
        if (is_fn(in, x86_h_shift[ops[k]][2][MK_REG][1])) {
            return ops[k] == 6 ? 4 : ops[k];         /* SAL is SHL */
        }
    }
    return -1;
}

bool emit_shift_cl(Jit *j, const X86Insn *in)
{
    int op = shift_cl_op(in);
    if (op < 0) {
        return false;
    }
    ldg(j, RCX, R_ECX);
    alu_ri(j, 4, RCX, 31);                           /* and ecx, 31 */
    ldg(j, RSI, in->rm);
    mov_rr(j, RDX, RSI);                             /* rdx = the operand, zero-extended */
    rex(j, false, 0, 0, RSI);
    e8(j, 0xd3); e8(j, 0xc0 | (op << 3) | (RSI & 7));    /* shl/shr/sar esi, cl */
    stg(j, in->rm, RSI);
    j->cc_known = -1;
    if (!j->flags_live) {
        return true;
    }
    e8(j, 0x85); e8(j, 0xc9);                        /* test ecx, ecx */
    uint8_t *zero = jcc32(j, HC_E);
    /* The flags as shift_calc gives them, from a 64-bit copy: CF is the
     * last bit shifted out, OF what the last 1-bit step would set. */
    if (op == 4) {
        e8(j, 0x48); e8(j, 0xd3); e8(j, 0xe2);       /* shl rdx, cl: CF = bit 32 */
        e8(j, 0x48); e8(j, 0x89); e8(j, 0xd0);       /* mov rax, rdx */
        e8(j, 0x48); e8(j, 0xc1); e8(j, 0xe8); e8(j, 32);   /* shr rax, 32 */
        alu_ri(j, 4, RAX, 1);
        mov_rr(j, RDX, RSI);
        e8(j, 0xc1); e8(j, 0xea); e8(j, 31);         /* shr edx, 31 */
        alu_rr(j, 6, RDX, RAX);                      /* OF = MSB(result) ^ CF */
    } else {
        if (op == 7) {
            e8(j, 0x48); e8(j, 0x63); e8(j, 0xd2);   /* movsxd rdx, edx */
        }
        e8(j, 0x48); e8(j, 0x01); e8(j, 0xd2);       /* add rdx, rdx */
        e8(j, 0x48); e8(j, 0xd3); e8(j, op == 7 ? 0xfa : 0xea);   /* sar/shr rdx, cl */
        mov_rr(j, RAX, RDX);
        alu_ri(j, 4, RAX, 1);                        /* CF = bit count-1 of a */
        if (op == 5) {
            /* OF = MSB of a >> (count - 1): bit 31 of rdx */
            e8(j, 0x48); e8(j, 0xc1); e8(j, 0xea); e8(j, 31);   /* shr rdx, 31 */
            alu_ri(j, 4, RDX, 1);
        } else {
            alu_rr(j, 6, RDX, RDX);                  /* SAR: OF = 0 */
        }
    }
    e8(j, 0xc1); e8(j, 0xe2); e8(j, 11);             /* shl edx, 11: OF */
    alu_rr(j, 1, RAX, RDX);
    store_flags_dstf(j, RSI, RAX);
    patch32(j, zero, j->p);
    return true;
}

/* Make env->eflags hold every flag: out of line only when it does not. */
static void emit_materialize(Jit *j)
{
    cmp_mi(j, ENV, ENV_OFF(cc_op), CC_OP_EFLAGS);
    uint8_t *done = jcc32(j, HC_E);
    op_rr(j, true, 0x89, ENV, RDI);
    call_abs(j, (const void *)x86_flags_materialize);
    patch32(j, done, j->p);
}

/* BT/BTS/BTR/BTC r/m32, imm8 (0F BA /4../7): CF = the bit, the other
 * flags kept (EFLAGS materialized, as bit_test does).  An immediate bit
 * offset stays within the operand. */
bool emit_bt_imm(Jit *j, const X86Insn *in)
{
    if (!is_fn(in, x86_op_bt_i) || in->osz != 4 ||
        ((in->flags & IF_MEM) && !flat_operand(j, in))) {
        return false;
    }
    int op = in->imm2 & 3;                           /* BT BTS BTR BTC */
    unsigned bit = in->imm & 31;
    emit_materialize(j);                             /* first: a call */
    SlowPath *sp = NULL;
    if (!(in->flags & IF_MEM)) {
        ldg(j, RSI, in->rm);
    } else if (!op) {
        emit_ea(j, in, RAX);
        emit_load(j, in, 4, RSI);
    } else {
        /* in place through the write TLB; a miss runs the handler */
        emit_ea(j, in, RAX);
        sp = emit_tlb(j, in, 4, true);
        sp->kind = SLOW_INSN;
        op_mem(j, false, 0x8b, RSI, RDX, 0);        /* mov esi, [rdx] */
    }
    mov_rr(j, RDI, RSI);
    e8(j, 0xc1); e8(j, 0xef); e8(j, (uint8_t)bit);   /* shr edi, bit */
    alu_ri(j, 4, RDI, 1);                            /* edi = CF */
    if (op) {
        static const int alu[] = { 0, 1, 4, 6 };     /* -, or, and, xor */
        mov_ri(j, R8, op == 2 ? ~(1u << bit) : 1u << bit);
        alu_rr(j, alu[op], RSI, R8);
        if (sp) {
            op_mem(j, false, 0x89, RSI, RDX, 0);    /* mov [rdx], esi */
        }
    }
    op_mem(j, false, 0x83, 4, ENV, ENV_OFF(eflags)); /* and eflags, ~CF */
    e8(j, (uint8_t)~CC_C);
    op_mem(j, false, 0x09, RDI, ENV, ENV_OFF(eflags));   /* or eflags, edi */
    if (sp) {
        sp->resume = j->p;
    } else if (op) {
        stg(j, in->rm, RSI);
    }
    j->cc_known = -1;
    return true;
}

/* ROL/ROR r32, imm.  They change only CF and OF (SDM vol. 2B, ROL/ROR),
 * so with live flags EFLAGS is materialized first (out of line when the
 * lazy fields hold them) and CF/OF are set in it as the interpreter does
 * (shift_calc: OF as the last 1-bit step would set it). */
bool emit_rotate(Jit *j, const X86Insn *in)
{
    int op;
    if (is_fn(in, x86_h_shift[0][2][MK_REG][0])) {
        op = 0;
    } else if (is_fn(in, x86_h_shift[1][2][MK_REG][0])) {
        op = 1;
    } else {
        return false;
    }
    unsigned c = in->imm & 31;
    if (!c) {
        return true;                                 /* no change, not even flags */
    }
    if (!j->flags_live) {
        rmwg(j, 0xc1, op, in->rm);                   /* rol/ror rm, c */
        e8(j, (uint8_t)c);
        return true;
    }
    emit_materialize(j);
    ldg(j, RSI, in->rm);
    rex(j, false, 0, 0, RSI);
    e8(j, 0xc1); e8(j, 0xc0 | (op << 3) | (RSI & 7)); e8(j, (uint8_t)c);   /* rol/ror esi, c */
    stg(j, in->rm, RSI);
    mov_rr(j, RCX, RSI);
    mov_rr(j, RDX, RSI);
    if (op == 0) {
        /* CF = bit 0, OF = bit 31 ^ CF */
        alu_ri(j, 4, RCX, 1);
        e8(j, 0xc1); e8(j, 0xea); e8(j, 31);         /* shr edx, 31 */
        alu_rr(j, 6, RDX, RCX);
    } else {
        /* CF = bit 31, OF = bit 31 ^ bit 30 */
        e8(j, 0xc1); e8(j, 0xe9); e8(j, 31);         /* shr ecx, 31 */
        alu_rr(j, 0, RDX, RDX);                      /* edx = r << 1 */
        alu_rr(j, 6, RDX, RSI);
        e8(j, 0xc1); e8(j, 0xea); e8(j, 31);         /* shr edx, 31 */
    }
    e8(j, 0xc1); e8(j, 0xe2); e8(j, 11);             /* shl edx, 11: OF */
    alu_rr(j, 1, RCX, RDX);
    op_mem(j, false, 0x81, 4, ENV, ENV_OFF(eflags)); /* and eflags, ~(CF|OF) */
    e32(j, ~(uint32_t)(CC_C | CC_O));
    op_mem(j, false, 0x09, RCX, ENV, ENV_OFF(eflags));   /* or eflags, ecx */
    j->cc_known = -1;
    return true;
}

/* Which INC/DEC form: *size, *dec, *mk (MK_REG, MK_FLAT, or MK_MEM with
 * 32-bit addressing); false if none. */
bool incdec_form(const X86Insn *in, int *size, int *dec, int *mk)
{
    for (int sz = 0; sz < 3; sz++) {
        for (int d = 0; d < 2; d++) {
            const X86Handler *k = x86_h_unary[d][sz];
            *size = 1 << sz;
            *dec = d;
            if (is_fn(in, k[MK_REG])) {
                *mk = MK_REG;
                return true;
            }
            if (is_fn(in, k[MK_FLAT])) {
                *mk = MK_FLAT;
                return true;
            }
            if (is_fn(in, k[MK_MEM]) && !in->ashift) {
                *mk = MK_MEM;              /* through a segment: emit_rmw_tlb */
                return true;
            }
        }
    }
    return false;
}

/* edi = the CF INC/DEC keep (0 or 1).  Touches no guest register (its
 * branch arms load none). */
static void emit_kept_cf(Jit *j)
{
    emit_get_cf(j, RDI);
}

/* Flags of INC/DEC: esi = operand, edi = kept CF, r8 = result, both
 * sign-extended. */
static void emit_incdec_flags(Jit *j, int dec)
{
    st32(j, ENV_OFF(cc_src1), RSI);
    st32(j, ENV_OFF(cc_src2), RDI);
    st32(j, ENV_OFF(cc_dst), R8);
    st32i(j, ENV_OFF(cc_op), dec ? CC_OP_DEC : CC_OP_INC);
}

bool emit_incdec(Jit *j, const X86Insn *in)
{
    int size, dec, mk;
    if (!incdec_form(in, &size, &dec, &mk)) {
        return false;
    }
    /* The flags INC/DEC write (all but CF) unread: none stored, and the
     * lazy fields keep describing the CF they leave as it was (cc_known
     * stays, but for a memory operand, whose slow path's handler stores
     * them). */
    bool live = j->rest_live;
    if (mk == MK_REG && size == 4 && !live) {
        /* add/sub r32, 1 in place */
        rmwg(j, 0x83, dec ? 5 : 0, in->rm);
        e8(j, 1);
        return true;
    }
    if (live) {
        emit_kept_cf(j);                             /* first: it may call out */
    }
    if (mk == MK_REG) {
        ldsx(j, RSI, in->rm, size);
        mov_rr(j, R8, RSI);
        alu_ri(j, dec ? 5 : 0, R8, 1);
        sext_rr(j, R8, size);
        stsz(j, in->rm, size, R8);
    } else {
        /* in place through the write TLB; a miss runs the whole
         * instruction through its handler (flags included) */
        SlowPath *sp = emit_rmw_tlb(j, in, size, mk);
        op_mem(j, false, size == 1 ? 0x0fbe : size == 2 ? 0x0fbf : 0x8b, RSI, RDX, 0);
        mov_rr(j, R8, RSI);
        alu_ri(j, dec ? 5 : 0, R8, 1);
        if (size == 2) {
            e8(j, 0x66);
        }
        op_mem(j, false, size == 1 ? 0x88 : 0x89, R8, RDX, 0);   /* mov [rdx], r8b/w/d */
        if (live) {
            sext_rr(j, R8, size);
            emit_incdec_flags(j, dec);
        }
        sp->resume = j->p;
        j->cc_known = live ? (dec ? CC_OP_DEC : CC_OP_INC) : -1;
        return true;
    }
    if (live) {
        emit_incdec_flags(j, dec);
        j->cc_known = dec ? CC_OP_DEC : CC_OP_INC;
    }
    return true;
}

/* NOT r32 (no flags) and NEG r32 (the flags of 0 - r). */
bool emit_notneg(Jit *j, const X86Insn *in)
{
    bool neg;
    if (is_fn(in, x86_h_unary[2][2][MK_REG])) {
        neg = false;
    } else if (is_fn(in, x86_h_unary[3][2][MK_REG])) {
        neg = true;
    } else {
        return false;
    }
    if (!neg || !j->flags_live) {
        rmwg(j, 0xf7, neg ? 3 : 2, in->rm);          /* not/neg rm */
        if (neg) {
            j->cc_known = -1;
        }
        return true;
    }
    ldg(j, RDI, in->rm);
    alu_rr(j, 6, RSI, RSI);                          /* esi = 0 */
    emit_alu_core(j, 5, 4);                          /* r8 = 0 - edi, flags of SUB */
    stg(j, in->rm, R8);
    return true;
}

/* PUSH/POP on the flat 32-bit stack.  ESP changes only after the memory
 * access, so a fault there leaves it as it was. */
void emit_esp_adjust(Jit *j, int8_t delta)
{
    rmwg(j, 0x83, 0, R_ESP);                         /* add esp, delta */
    e8(j, (uint8_t)delta);
}

/* Push the value in hreg (not RAX, RCX, RDX). */
void emit_push_value(Jit *j, const X86Insn *in, int hreg)
{
    ldg(j, RAX, R_ESP);
    alu_ri(j, 5, RAX, 4);
    emit_store(j, in, 4, hreg);
    emit_esp_adjust(j, -4);
}

bool emit_stack(Jit *j, const X86Insn *in)
{
    if (is_fn(in, x86_h_push_reg[2])) {
        int h = gh(j, in->rm);
        if (h < 0) {
            ldg(j, RSI, in->rm);
            h = RSI;
        }
        emit_push_value(j, in, h);
        return true;
    }
    if (is_fn(in, x86_h_push_imm[2])) {
        mov_ri(j, RSI, in->imm);
        emit_push_value(j, in, RSI);
        return true;
    }
    if (is_fn(in, x86_h_pop_reg[2])) {
        ldg(j, RAX, R_ESP);
        emit_load(j, in, 4, RSI);
        emit_esp_adjust(j, 4);
        stg(j, in->rm, RSI);                         /* POP ESP: the value wins */
        return true;
    }
    if (!(j->tb->hflags & HF_FLAT) || in->osz != 4) {
        return false;                                /* below: the flat 32-bit stack */
    }
    if (is_fn(in, x86_op_push_rm) &&
        (!(in->flags & IF_MEM) || flat_operand(j, in))) {
        /* PUSH r/m32: the operand is read with ESP as it was */
        emit_rm32_load(j, in, RSI);
        emit_push_value(j, in, RSI);
        return true;
    }
    if (is_fn(in, x86_op_leave)) {
        /* LEAVE: EBP = [EBP], ESP = EBP + 4; nothing changes if the
         * load faults */
        ldg(j, RAX, R_EBP);
        emit_load(j, in, 4, RSI);
        ldg(j, RDI, R_EBP);                          /* the slow path reuses RAX */
        alu_ri(j, 0, RDI, 4);
        stg(j, R_ESP, RDI);
        stg(j, R_EBP, RSI);
        return true;
    }
    return false;
}

/* ---- multiplication, division, exchanges, double shifts ---- */

/* The 8 bytes of padding at the bottom of the frame (emit_prologue): a
 * value kept across a call out, which clobbers every scratch register. */
void spill_esi(Jit *j)
{
    e8(j, 0x89); e8(j, 0x34); e8(j, 0x24);           /* mov [rsp], esi */
}

void unspill(Jit *j, int hreg)
{
    rex(j, false, hreg, 0, 0);
    e8(j, 0x8b); e8(j, 0x04 | ((hreg & 7) << 3)); e8(j, 0x24);   /* mov hreg, [rsp] */
}

/* A 32-bit r/m source operand of a register or of flat memory into hreg
 * (RSI, RDI or R8); false when the operand is in another segment. */
bool rm32_ok(Jit *j, const X86Insn *in)
{
    return in->osz == 4 && (!(in->flags & IF_MEM) || flat_operand(j, in));
}

void emit_rm32_load(Jit *j, const X86Insn *in, int hreg)
{
    if (in->flags & IF_MEM) {
        emit_ea(j, in, RAX);
        emit_load(j, in, 4, hreg);
    } else {
        ldg(j, hreg, in->rm);
    }
}

/* ecx = CF|OF (0x801) when the host's CF is set, else 0 */
static void emit_cfof_from_host(Jit *j)
{
    e8(j, 0x0f); e8(j, 0x92); e8(j, 0xc1);            /* setb cl */
    op_rr(j, false, 0x0fb6, RCX, RCX);               /* movzx ecx, cl */
    rex(j, false, RCX, 0, RCX);
    e8(j, 0x69); e8(j, 0xc9); e32(j, CC_C | CC_O);    /* imul ecx, ecx, 0x801 */
}

/* MUL, IMUL and DIV r/m32 (F7 /4, /5, /6) on EDX:EAX.  MUL and IMUL set
 * CF = OF when the high half is significant (the host's multiply says
 * so the same way), ZF/SF/PF from the low half as x86_op_mul does.  DIV
 * changes no flag; a zero divisor or a quotient beyond 32 bits (EDX >=
 * the divisor) runs the handler, which raises #DE for this instruction. */
bool emit_muldiv(Jit *j, const X86Insn *in)
{
    int digit;
    if (is_fn(in, x86_op_mul)) {
        digit = 4;
    } else if (is_fn(in, x86_op_imul1)) {
        digit = 5;
    } else if (is_fn(in, x86_op_div)) {
        digit = 6;
    } else {
        return false;
    }
    if (!rm32_ok(j, in)) {
        return false;
    }
    emit_rm32_load(j, in, RDI);
    ldg(j, RAX, R_EAX);
    if (digit == 6) {
        ldg(j, RDX, R_EDX);
        /* the registers the fault path reads must be in env as they are */
        gh(j, R_EAX);
        gh(j, R_EDX);
        e8(j, 0x85); e8(j, 0xff);                    /* test edi, edi */
        uint8_t *zero = jcc32(j, HC_E);
        alu_rr(j, 7, RDX, RDI);                      /* cmp edx, edi */
        uint8_t *big = jcc32(j, HC_AE);
        uint8_t *go = jmp32(j);
        patch32(j, zero, j->p);
        patch32(j, big, j->p);
        emit_writeback(j, j->dirty);
        set_cur(j, in);
        emit_handler_call(j, in);                    /* raises #DE */
        patch32(j, jmp32(j), j->exit_stop);
        patch32(j, go, j->p);
    }
    rex(j, false, 0, 0, RDI);
    e8(j, 0xf7); e8(j, 0xc0 | (digit << 3) | (RDI & 7));   /* mul/imul/div edi */
    if (digit != 6) {
        emit_cfof_from_host(j);
    }
    stg(j, R_EAX, RAX);
    stg(j, R_EDX, RDX);
    if (digit != 6) {
        store_flags_dstf(j, RAX, RCX);
        j->cc_known = -1;
    }
    return true;
}

/* XCHG r32, r/m32 (flat memory in place through the write TLB; a miss
 * runs the handler, whose register write the slow path reloads). */
bool emit_xchg(Jit *j, const X86Insn *in)
{
    if (!is_fn(in, x86_op_xchg) || !rm32_ok(j, in)) {
        return false;
    }
    if (!(in->flags & IF_MEM)) {
        ldg(j, RSI, in->reg);
        ldg(j, RDI, in->rm);
        stg(j, in->rm, RSI);
        stg(j, in->reg, RDI);
        return true;
    }
    ldg(j, RSI, in->reg);
    gh(j, in->reg);                                  /* loaded before the slow path's skip */
    emit_ea(j, in, RAX);
    SlowPath *sp = emit_tlb(j, in, 4, true);
    sp->kind = SLOW_INSN;
    sp->reload = (uint8_t)(1u << in->reg);
    op_mem(j, false, 0x8b, RDI, RDX, 0);             /* mov edi, [rdx] */
    op_mem(j, false, 0x89, RSI, RDX, 0);             /* mov [rdx], esi */
    stg(j, in->reg, RDI);
    sp->resume = j->p;
    return true;
}

/* CMPXCHG r/m32, r32: the flags of CMP EAX, dest; dest = src when equal,
 * else EAX = dest (EAX = dest holds in both cases, first, so that a
 * destination that is EAX ends as the source).  Memory is always
 * written, as the handler does. */
bool emit_cmpxchg(Jit *j, const X86Insn *in)
{
    if (!is_fn(in, x86_op_cmpxchg) || !rm32_ok(j, in)) {
        return false;
    }
    ldg(j, R9, in->reg);                             /* the source */
    SlowPath *sp = NULL;
    if (in->flags & IF_MEM) {
        gh(j, R_EAX);                                /* loaded before the skip */
        emit_ea(j, in, RAX);
        sp = emit_tlb(j, in, 4, true);
        sp->kind = SLOW_INSN;
        sp->reload = 1u << R_EAX;
        op_mem(j, false, 0x8b, RDI, RDX, 0);         /* mov edi, [rdx] */
    } else {
        ldg(j, RDI, in->rm);
    }
    ldg(j, RSI, R_EAX);
    mov_rr(j, R10, RDI);
    alu_rr(j, 7, RSI, RDI);                          /* cmp eax, dest */
    op_rr(j, false, 0x0f44, R10, R9);                /* cmove r10d, r9d */
    if (sp) {
        op_mem(j, false, 0x89, R10, RDX, 0);         /* mov [rdx], r10d */
    }
    stg(j, R_EAX, RDI);
    if (!sp) {
        stg(j, in->rm, R10);
    }
    mov_rr(j, R8, RSI);
    alu_rr(j, 5, R8, RDI);                           /* r8 = eax - dest */
    bool live = j->flags_live;
    j->flags_live = true;                            /* the slow path's handler sets them */
    emit_flags(j, CC_OP_SUB);
    j->flags_live = live;
    if (sp) {
        sp->resume = j->p;
    }
    return true;
}

/* SHLD/SHRD r/m32, r32, imm8/CL (0F A4/A5/AC/AD): the host's double
 * shift gives the result and CF; OF as x86_op_shxd has it (the MSB
 * changed).  A zero count changes nothing, not even the flags; by an
 * immediate zero on memory (which still checks the access) the handler
 * runs. */
bool emit_shxd(Jit *j, const X86Insn *in)
{
    if (!is_fn(in, x86_op_shxd) || !rm32_ok(j, in)) {
        return false;
    }
    bool right = in->opc >= 0xac, by_cl = in->opc & 1;
    unsigned c = in->imm & 31;
    if (!by_cl && !c) {
        if (in->flags & IF_MEM) {
            return false;
        }
        return true;
    }
    if (by_cl) {
        ldg(j, RCX, R_ECX);
        alu_ri(j, 4, RCX, 31);                       /* and ecx, 31 */
    }
    ldg(j, RDI, in->reg);
    SlowPath *sp = NULL;
    if (in->flags & IF_MEM) {
        mov_rr(j, R9, RCX);                          /* emit_tlb clobbers RCX */
        emit_ea(j, in, RAX);
        sp = emit_tlb(j, in, 4, true);
        sp->kind = SLOW_INSN;
        mov_rr(j, RCX, R9);
        op_mem(j, false, 0x8b, RSI, RDX, 0);         /* mov esi, [rdx] */
    } else {
        ldg(j, RSI, in->rm);
    }
    uint8_t *zero = NULL;
    if (by_cl) {
        e8(j, 0x85); e8(j, 0xc9);                    /* test ecx, ecx */
        zero = jcc32(j, HC_E);
    }
    mov_rr(j, R8, RSI);                              /* the operand before */
    /* shld/shrd esi, edi, imm8 / cl */
    op_rr(j, false, (right ? 0x0fac : 0x0fa4) | by_cl, RDI, RSI);
    if (!by_cl) {
        e8(j, (uint8_t)c);
    }
    e8(j, 0x0f); e8(j, 0x92); e8(j, 0xc0);           /* setb al */
    op_rr(j, false, 0x0fb6, RAX, RAX);               /* movzx eax, al: CF */
    alu_rr(j, 6, R8, RSI);                           /* the bits changed */
    e8(j, 0x41); e8(j, 0xc1); e8(j, 0xe8); e8(j, 31);   /* shr r8d, 31 */
    e8(j, 0x41); e8(j, 0xc1); e8(j, 0xe0); e8(j, 11);   /* shl r8d, 11: OF */
    alu_rr(j, 1, RAX, R8);
    if (sp) {
        op_mem(j, false, 0x89, RSI, RDX, 0);         /* mov [rdx], esi */
    } else {
        stg(j, in->rm, RSI);
    }
    store_flags_dstf(j, RSI, RAX);
    if (zero) {
        patch32(j, zero, j->p);
    }
    if (sp) {
        sp->resume = j->p;
    }
    j->cc_known = -1;
    return true;
}

/* PUSHFD on the flat 32-bit stack outside virtual-8086 mode (where IOPL
 * would matter): EFLAGS materialized (a call out only when the lazy
 * fields hold the flags), the image without VM and RF as x86_op_pushf
 * pushes it. */
bool emit_pushf(Jit *j, const X86Insn *in)
{
    if (!is_fn(in, x86_op_pushf) || in->osz != 4 || !(j->tb->hflags & HF_FLAT) ||
        (j->tb->hflags & HF_VM)) {
        return false;
    }
    emit_materialize(j);
    ld32(j, RSI, ENV_OFF(eflags));
    alu_ri(j, 4, RSI, ~(uint32_t)(VM_MASK | RF_MASK));
    emit_push_value(j, in, RSI);
    j->cc_known = -1;
    return true;
}

/* Guest register r += the step of a string instruction of `size` bytes:
 * +size, or -size when EFLAGS.DF is set (DF is always in env->eflags). */
static void emit_str_step(Jit *j, int r, int size)
{
    ld32(j, RCX, ENV_OFF(eflags));
    e8(j, 0xc1); e8(j, 0xe9); e8(j, 10);             /* shr ecx, 10: DF */
    alu_ri(j, 4, RCX, 1);
    rex(j, false, 0, 0, RCX);
    e8(j, 0xf7); e8(j, 0xd9);                        /* neg ecx: 0 or -1 */
    alu_ri(j, 4, RCX, (uint32_t)(-2 * size));        /* 0 or -2 * size */
    alu_ri(j, 0, RCX, (uint32_t)size);               /* +size or -size */
    rmwg(j, 0x01, RCX, r);                           /* add r, ecx */
}

/* Single (not REP) MOVS, STOS and LODS with 32-bit addressing of flat
 * segments: the element through the TLB fast path, then ESI/EDI stepped
 * by DF (a fault leaves them as they were). */
bool emit_string(Jit *j, const X86Insn *in)
{
    bool movs = is_fn(in, x86_op_movs), stos = is_fn(in, x86_op_stos),
         lods = is_fn(in, x86_op_lods);
    if ((!movs && !stos && !lods) || (in->flags & (IF_REP | IF_REPNE)) ||
        !(in->flags & IF_ASZ32) || !(j->tb->hflags & HF_FLAT) ||
        (!stos && in->seg != R_DS && in->seg != R_ES && in->seg != R_SS)) {
        return false;
    }
    int size = in->osz;
    if (!stos) {
        ldg(j, RAX, R_ESI);
        emit_load(j, in, size, RSI);
    } else if (size == 1) {
        ldb(j, RSI, 0);
    } else {
        ldg(j, RSI, R_EAX);
    }
    if (lods) {
        stsz(j, size == 1 ? 0 : R_EAX, size, RSI);
        emit_str_step(j, R_ESI, size);
        return true;
    }
    ldg(j, RAX, R_EDI);
    emit_store(j, in, size, RSI);
    if (movs) {
        emit_str_step(j, R_ESI, size);
    }
    emit_str_step(j, R_EDI, size);
    return true;
}

/* NOP (90, 0F 1F /0): nothing.  PAUSE (F3 90) is another handler. */
bool emit_nop(Jit *j, const X86Insn *in)
{
    (void)j;
    return is_fn(in, x86_op_nop);
}

#endif
