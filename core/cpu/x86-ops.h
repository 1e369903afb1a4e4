/*
 * Instruction handlers of the x86 engine, as the decoder names them.
 * Specialised families are tables indexed by operation, size (0: 8-bit,
 * 1: 16-bit, 2: 32-bit, or 0: 16, 1: 32 where bytes do not apply) and
 * operand kind; the rest are single handlers that read the size and kind
 * from the decoded instruction.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_CPU_X86_OPS_H
#define CORE_CPU_X86_OPS_H

#include "cpu/x86-internal.h"

/* x86-ops-alu.c */
/* [op ADD OR ADC SBB AND SUB XOR CMP][size][form E,G / G,E / E,I * 3 + kind]
 * where kind is MK_REG, MK_MEM or MK_FLAT */
extern const X86Handler x86_h_alu[8][3][9];
/* [size][form E,G / E,I * 3 + kind] */
extern const X86Handler x86_h_test[3][6];
/* [INC DEC NOT NEG][size][kind] */
extern const X86Handler x86_h_unary[4][3][3];
/* [ROL ROR RCL RCR SHL SHR SAL SAR][size][kind][count imm/CL] */
extern const X86Handler x86_h_shift[8][3][3][2];
/* [two-operand / three-operand (imm)][16/32][kind] */
extern const X86Handler x86_h_imul[2][2][3];
void x86_op_mul(CPUX86State *env, const X86Insn *in);
void x86_op_imul1(CPUX86State *env, const X86Insn *in);
void x86_op_div(CPUX86State *env, const X86Insn *in);
void x86_op_idiv(CPUX86State *env, const X86Insn *in);
void x86_op_daa(CPUX86State *env, const X86Insn *in);
void x86_op_das(CPUX86State *env, const X86Insn *in);
void x86_op_aaa(CPUX86State *env, const X86Insn *in);
void x86_op_aas(CPUX86State *env, const X86Insn *in);
void x86_op_aam(CPUX86State *env, const X86Insn *in);
void x86_op_aad(CPUX86State *env, const X86Insn *in);
void x86_op_cbw(CPUX86State *env, const X86Insn *in);
void x86_op_cwd(CPUX86State *env, const X86Insn *in);
void x86_op_salc(CPUX86State *env, const X86Insn *in);
void x86_op_bt_r(CPUX86State *env, const X86Insn *in);
void x86_op_bt_i(CPUX86State *env, const X86Insn *in);
void x86_op_bsf(CPUX86State *env, const X86Insn *in);
void x86_op_shxd(CPUX86State *env, const X86Insn *in);
void x86_op_bswap(CPUX86State *env, const X86Insn *in);
void x86_op_xadd(CPUX86State *env, const X86Insn *in);
void x86_op_movbe(CPUX86State *env, const X86Insn *in);
void x86_op_cmpxchg(CPUX86State *env, const X86Insn *in);
void x86_op_cmpxchg8b(CPUX86State *env, const X86Insn *in);

/* x86-ops-mov.c */
/* [size][rm<-reg, rm<-imm, then store, load, mem<-imm for MK_MEM and for
 * MK_FLAT]: see MOV_* in x86-decode.c */
extern const X86Handler x86_h_mov[3][8];
/* [zx/sx][source 8/16][dest 16/32][kind] */
extern const X86Handler x86_h_movx[2][2][2][3];
extern const X86Handler x86_h_lea[2];
/* [cond][16/32][kind] */
extern const X86Handler x86_h_cmov[16][2][3];
/* [cond][kind] */
extern const X86Handler x86_h_setcc[16][3];
/* [16-bit, 32-bit, 32-bit on a flat stack] */
extern const X86Handler x86_h_push_reg[3];
extern const X86Handler x86_h_pop_reg[3];
extern const X86Handler x86_h_push_imm[3];
void x86_op_xchg(CPUX86State *env, const X86Insn *in);
void x86_op_push_rm(CPUX86State *env, const X86Insn *in);
void x86_op_pop_rm(CPUX86State *env, const X86Insn *in);
void x86_op_push_sreg(CPUX86State *env, const X86Insn *in);
void x86_op_pop_sreg(CPUX86State *env, const X86Insn *in);
void x86_op_mov_sreg_rm(CPUX86State *env, const X86Insn *in);
void x86_op_mov_rm_sreg(CPUX86State *env, const X86Insn *in);
void x86_op_lxs(CPUX86State *env, const X86Insn *in);
void x86_op_xlat(CPUX86State *env, const X86Insn *in);
void x86_op_lahf(CPUX86State *env, const X86Insn *in);
void x86_op_sahf(CPUX86State *env, const X86Insn *in);
void x86_op_pusha(CPUX86State *env, const X86Insn *in);
void x86_op_popa(CPUX86State *env, const X86Insn *in);
void x86_op_enter(CPUX86State *env, const X86Insn *in);
void x86_op_leave(CPUX86State *env, const X86Insn *in);

/* x86-ops-ctl.c */
extern const X86Handler x86_h_jcc[16];
extern const X86Handler x86_h_call_rel[3];
/* [imm16][16-bit, 32-bit, 32-bit flat] */
extern const X86Handler x86_h_ret[2][3];
void x86_op_jmp(CPUX86State *env, const X86Insn *in);
void x86_op_jmp_ind(CPUX86State *env, const X86Insn *in);
void x86_op_call_ind(CPUX86State *env, const X86Insn *in);
void x86_op_loop(CPUX86State *env, const X86Insn *in);
void x86_op_jmp_far(CPUX86State *env, const X86Insn *in);
void x86_op_call_far(CPUX86State *env, const X86Insn *in);
void x86_op_jmp_far_ind(CPUX86State *env, const X86Insn *in);
void x86_op_call_far_ind(CPUX86State *env, const X86Insn *in);
void x86_op_retf(CPUX86State *env, const X86Insn *in);
void x86_op_iret(CPUX86State *env, const X86Insn *in);
void x86_op_int(CPUX86State *env, const X86Insn *in);
void x86_op_int3(CPUX86State *env, const X86Insn *in);
void x86_op_into(CPUX86State *env, const X86Insn *in);
void x86_op_int1(CPUX86State *env, const X86Insn *in);
void x86_op_hlt(CPUX86State *env, const X86Insn *in);
void x86_op_bound(CPUX86State *env, const X86Insn *in);

/* x86-ops-str.c */
void x86_op_movs(CPUX86State *env, const X86Insn *in);
void x86_op_cmps(CPUX86State *env, const X86Insn *in);
void x86_op_stos(CPUX86State *env, const X86Insn *in);
void x86_op_lods(CPUX86State *env, const X86Insn *in);
void x86_op_scas(CPUX86State *env, const X86Insn *in);
void x86_op_ins(CPUX86State *env, const X86Insn *in);
void x86_op_outs(CPUX86State *env, const X86Insn *in);

/* x86-ops-sys.c */
void x86_op_cli(CPUX86State *env, const X86Insn *in);
void x86_op_sti(CPUX86State *env, const X86Insn *in);
void x86_op_pushf(CPUX86State *env, const X86Insn *in);
void x86_op_popf(CPUX86State *env, const X86Insn *in);
void x86_op_flagbit(CPUX86State *env, const X86Insn *in);
void x86_op_io(CPUX86State *env, const X86Insn *in);
void x86_op_xdt(CPUX86State *env, const X86Insn *in);
void x86_op_sldt_str(CPUX86State *env, const X86Insn *in);
void x86_op_lldt(CPUX86State *env, const X86Insn *in);
void x86_op_ltr(CPUX86State *env, const X86Insn *in);
void x86_op_lar_lsl(CPUX86State *env, const X86Insn *in);
void x86_op_verr_verw(CPUX86State *env, const X86Insn *in);
void x86_op_arpl(CPUX86State *env, const X86Insn *in);
void x86_op_smsw(CPUX86State *env, const X86Insn *in);
void x86_op_lmsw(CPUX86State *env, const X86Insn *in);
void x86_op_clts(CPUX86State *env, const X86Insn *in);
void x86_op_mov_cr(CPUX86State *env, const X86Insn *in);
void x86_op_mov_dr(CPUX86State *env, const X86Insn *in);
void x86_op_invlpg(CPUX86State *env, const X86Insn *in);
void x86_op_cache(CPUX86State *env, const X86Insn *in);
void x86_op_clflush(CPUX86State *env, const X86Insn *in);
void x86_op_cpuid(CPUX86State *env, const X86Insn *in);
void x86_op_rdtsc(CPUX86State *env, const X86Insn *in);
void x86_op_rdpmc(CPUX86State *env, const X86Insn *in);
void x86_op_rdmsr(CPUX86State *env, const X86Insn *in);
void x86_op_wrmsr(CPUX86State *env, const X86Insn *in);
void x86_op_sysenter(CPUX86State *env, const X86Insn *in);
void x86_op_sysexit(CPUX86State *env, const X86Insn *in);
void x86_op_nop(CPUX86State *env, const X86Insn *in);
void x86_op_pause(CPUX86State *env, const X86Insn *in);

/* x86-ops-fpu.c */
void x86_op_fpu(CPUX86State *env, const X86Insn *in);
void x86_op_fwait(CPUX86State *env, const X86Insn *in);
void x86_op_fxsave(CPUX86State *env, const X86Insn *in);

#endif
