/*
 * x87_execute: decode an escape instruction (D8..DF) and run its handler
 * on a working copy of the FPU state.  The opcode map is Intel SDM vol. 2A
 * appendix A.5 (tables A-7..A-22), plus the aliases every P6 executes
 * (D9 D8+i FSTP, DC D0/D8+i FCOM/FCOMP, DD C8+i FXCH, DE D0+i FCOMP,
 * DF C0+i FFREEP, DF C8+i FXCH, DF D0/D8+i FSTP).  FISTTP (DB/DD/DF /1)
 * is SSE3: #UD unless the core says the CPU has it.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stddef.h>
#include "x87-internal.h"

typedef struct X87Op {
    X87Handler fn;
    /* Control instructions leave FIP/FCS/FOP/FDP/FDS alone (SDM vol. 1
     * 8.1.8). */
    bool control;
} X87Op;

#define ARITH { x87_arith_mem, false }
#define LOAD { x87_load_mem, false }
#define STORE { x87_store_mem, false }
#define UD { NULL, false }

/* Memory forms, [opcode & 7][reg]. */
static const X87Op mem_ops[8][8] = {
    /* D8 */ { ARITH, ARITH, ARITH, ARITH, ARITH, ARITH, ARITH, ARITH },
    /* D9 */ { LOAD, UD, STORE, STORE, { x87_fldenv, true }, { x87_fldcw, true },
               { x87_fnstenv, true }, { x87_fnstcw, true } },
    /* DA */ { ARITH, ARITH, ARITH, ARITH, ARITH, ARITH, ARITH, ARITH },
    /* DB */ { LOAD, UD, STORE, STORE, UD, LOAD, UD, STORE },
    /* DC */ { ARITH, ARITH, ARITH, ARITH, ARITH, ARITH, ARITH, ARITH },
    /* DD */ { LOAD, UD, STORE, STORE, { x87_frstor, true }, UD,
               { x87_fnsave, true }, { x87_fnstsw, true } },
    /* DE */ { ARITH, ARITH, ARITH, ARITH, ARITH, ARITH, ARITH, ARITH },
    /* DF */ { LOAD, UD, STORE, STORE, LOAD, LOAD, STORE, STORE },
};

#define AREG { x87_arith_reg, false }
#define CREG { x87_compare_reg, false }
#define FCMOV { x87_fcmov, false }
#define COMI { x87_comi, false }
#define FXCH { x87_fxch, false }
#define FSTST { x87_fst_st, false }
#define D9GRP { x87_d9_group, false }

/* Register forms, [opcode & 7][reg]; rows with holes are refined in
 * reg_op(). */
static const X87Op reg_ops[8][8] = {
    /* D8 */ { AREG, AREG, CREG, CREG, AREG, AREG, AREG, AREG },
    /* D9 */ { { x87_fld_st, false }, FXCH, { x87_nop, false }, FSTST,
               D9GRP, D9GRP, D9GRP, D9GRP },
    /* DA */ { FCMOV, FCMOV, FCMOV, FCMOV, UD, { x87_compare_pp, false }, UD, UD },
    /* DB */ { FCMOV, FCMOV, FCMOV, FCMOV, { x87_db_group, true }, COMI, COMI, UD },
    /* DC */ { AREG, AREG, CREG, CREG, AREG, AREG, AREG, AREG },
    /* DD */ { { x87_ffree, false }, FXCH, FSTST, FSTST, CREG, CREG, UD, UD },
    /* DE */ { AREG, AREG, CREG, { x87_compare_pp, false }, AREG, AREG, AREG, AREG },
    /* DF */ { { x87_ffree, false }, FXCH, FSTST, FSTST, { x87_fnstsw, true }, COMI,
               COMI, UD },
};

static X87Op reg_op(uint8_t opcode, uint8_t modrm)
{
    static const X87Op ud = UD;
    X87Op op = reg_ops[opcode & 7][(modrm >> 3) & 7];

    switch ((opcode << 8) | modrm) {
    case 0xd9d0:                        /* FNOP; D9 D1..D7 are #UD */
    case 0xdae9:                        /* FUCOMPP; rest of DA E8 row #UD */
    case 0xded9:                        /* FCOMPP; rest of DE D8 row #UD */
    case 0xdfe0:                        /* FNSTSW AX; DF E1..E7 #UD */
        return op;
    default:
        break;
    }
    switch ((opcode << 8) | (modrm & 0xf8)) {
    case 0xd9d0:
    case 0xdae8:
    case 0xded8:
    case 0xdfe0:
        return ud;
    case 0xdbe0:
        /* DB E0..E4: FNENI, FNDISI, FNCLEX, FNINIT, FNSETPM. */
        return (modrm & 7) <= 4 ? op : ud;
    case 0xd9e0:
        /* D9 E2, E3, E6, E7 are holes in the FCHS..FXAM row. */
        return (modrm & 2) ? ud : op;
    case 0xd9e8:
        return modrm == 0xef ? ud : op;
    default:
        return op;
    }
}

bool x87_is_nowait(uint8_t opcode, uint8_t modrm)
{
    if (modrm >= 0xc0) {
        /* DF E0 FNSTSW AX; DB E0..E4 FNENI/FNDISI/FNCLEX/FNINIT/FNSETPM. */
        return (opcode == 0xdf && modrm == 0xe0) ||
               (opcode == 0xdb && modrm >= 0xe0 && modrm <= 0xe4);
    }
    switch ((opcode << 3) | ((modrm >> 3) & 7)) {
    case (0xd9 << 3) | 6:               /* FNSTENV */
    case (0xd9 << 3) | 7:               /* FNSTCW */
    case (0xdd << 3) | 6:               /* FNSAVE */
    case (0xdd << 3) | 7:               /* FNSTSW m16 */
        return true;
    default:
        return false;
    }
}

X87Result x87_execute(X87State *s, X87Insn *insn, const X87Mem *mem)
{
    X87Ctx c;
    X87State work;
    X87Op op;
    X87Result r;
    bool is_mem = insn->modrm < 0xc0;

    insn->eflags_written = false;
    insn->ax_written = false;
    if (insn->opcode < 0xd8 || insn->opcode > 0xdf) {
        return X87_UD;
    }
    op = is_mem ? mem_ops[insn->opcode & 7][(insn->modrm >> 3) & 7]
                : reg_op(insn->opcode, insn->modrm);
    if (is_mem && insn->sse3 && ((insn->modrm >> 3) & 7) == 1 &&
        (insn->opcode == 0xdb || insn->opcode == 0xdd || insn->opcode == 0xdf)) {
        op = (X87Op)STORE;              /* FISTTP */
    }
    if (!op.fn) {
        return X87_UD;
    }
    /* Memory forms run on a copy: a faulting access must leave the FPU as
     * it was. */
    if (is_mem) {
        work = *s;
        c.s = &work;
    } else {
        c.s = s;
    }
    c.insn = insn;
    c.mem = mem;
    c.reg = (insn->modrm >> 3) & 7;
    c.rm = insn->modrm & 7;
    if (!op.control) {
        /* FOP: the low 3 bits of the first opcode byte and the modrm byte
         * (SDM vol. 1 8.1.9). */
        c.s->fop = (uint16_t)(((insn->opcode & 7) << 8) | insn->modrm);
        c.s->fip = insn->ip;
        c.s->fcs = insn->cs;
        if (is_mem) {
            c.s->fdp = insn->dp;
            c.s->fds = insn->ds;
        }
    }
    r = op.fn(&c);
    if (is_mem) {
        *s = work;
    }
    if (r == X87_OK && (s->fsw & FSW_ES)) {
        r = X87_FAULT_PENDING;
    }
    return r;
}
