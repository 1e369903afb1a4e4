/*
 * The decoder: guest bytes to one X86Insn, with the handler chosen for the
 * exact operation, operand size and operand kind, so executing it needs no
 * further decoding.  Opcode maps, ModRM/SIB forms and prefixes follow the
 * Intel SDM vol. 2, chapter 2 and appendix A.  An opcode that does not
 * exist (or an invalid form, a LOCK where it is not allowed, a feature the
 * model does not have) decodes to a handler raising #UD, which is how the
 * hardware reports it.
 *
 * SPDX-License-Identifier: MIT
 */
#include "cpu/x86-sse.h"

/* CPUID.1:EDX feature bits the decoder checks (SDM vol. 2A, CPUID, table
 * 3-11). */
#define FEAT_FPU  (1u << 0)
#define FEAT_TSC  (1u << 4)
#define FEAT_MSR  (1u << 5)
#define FEAT_CX8  (1u << 8)
#define FEAT_SEP  (1u << 11)
#define FEAT_CMOV (1u << 15)
#define FEAT_FXSR (1u << 24)

#define MAX_INSN_LEN 15

typedef struct Dec {
    X86DecodeCtx *ctx;
    X86Insn *in;
    uint32_t pos;
    bool short_of_bytes;
    bool too_long;
    int seg_override;       /* -1: none */
    bool o32, a32;
    bool lock;
    int pfx;                /* mandatory prefix of the 0F map (PFX_*) */
    /* ModRM */
    int mod, reg, rm;
} Dec;

static uint32_t fetch(Dec *d, unsigned n)
{
    if (d->pos + n > MAX_INSN_LEN) {
        d->too_long = true;
        d->pos += n;
        return 0;
    }
    if (d->pos + n > d->ctx->avail) {
        d->short_of_bytes = true;
        d->pos += n;
        return 0;
    }
    const uint8_t *p = d->ctx->code + d->pos;
    d->pos += n;
    switch (n) {
    case 1: return p[0];
    case 2: return p[0] | (uint32_t)p[1] << 8;
    default: return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    }
}

static inline uint32_t fetch_imm(Dec *d, int size)
{
    return fetch(d, size);
}

static inline uint32_t fetch_simm8(Dec *d)
{
    return (uint32_t)(int32_t)(int8_t)fetch(d, 1);
}

/* Decode ModRM (and SIB/displacement); byte says whether register operands
 * are byte registers. */
static void decode_modrm(Dec *d, bool byte)
{
    X86Insn *in = d->in;
    uint32_t m = fetch(d, 1);
    d->mod = m >> 6;
    d->reg = (m >> 3) & 7;
    d->rm = m & 7;
    in->imm2 = m;
    in->reg = byte ? x86_breg(d->reg) : d->reg;
    if (d->mod == 3) {
        in->rm = byte ? x86_breg(d->rm) : d->rm;
        return;
    }
    in->flags |= IF_MEM;
    int seg = R_DS;
    in->rm = 8;
    in->idx = 8;
    in->scale = 0;
    in->disp = 0;
    if (!d->a32) {
        /* 16-bit forms (SDM vol. 2A, table 2-1). */
        static const uint8_t base16[8] = { R_EBX, R_EBX, R_EBP, R_EBP, R_ESI, R_EDI, R_EBP, R_EBX };
        static const uint8_t idx16[8] = { R_ESI, R_EDI, R_ESI, R_EDI, 8, 8, 8, 8 };
        in->ashift = 16;
        if (d->mod == 0 && d->rm == 6) {
            in->disp = fetch(d, 2);
        } else {
            in->rm = base16[d->rm];
            in->idx = idx16[d->rm];
            if (in->rm == R_EBP) {
                seg = R_SS;
            }
            if (d->mod == 1) {
                in->disp = fetch_simm8(d);
            } else if (d->mod == 2) {
                in->disp = fetch(d, 2);
            }
        }
    } else {
        /* 32-bit forms (SDM vol. 2A, tables 2-2 and 2-3). */
        in->ashift = 0;
        int base = d->rm;
        if (d->rm == 4) {
            uint32_t sib = fetch(d, 1);
            in->scale = sib >> 6;
            int index = (sib >> 3) & 7;
            in->idx = index == 4 ? 8 : index;
            base = sib & 7;
            if (base == 5 && d->mod == 0) {
                base = 8;
                in->disp = fetch(d, 4);
            }
        } else if (d->rm == 5 && d->mod == 0) {
            base = 8;
            in->disp = fetch(d, 4);
        }
        in->rm = base;
        if (base == R_ESP || base == R_EBP) {
            seg = R_SS;
        }
        if (d->mod == 1) {
            in->disp = fetch_simm8(d);
        } else if (d->mod == 2) {
            in->disp = fetch(d, 4);
        }
    }
    in->seg = d->seg_override >= 0 ? d->seg_override : seg;
}

static inline int szi(int size)
{
    return size == 1 ? 0 : size == 2 ? 1 : 2;
}

static inline bool mem(Dec *d)
{
    return d->mod != 3;
}

/* The operand kind (MK_*) of the decoded r/m operand. */
static int mk(Dec *d)
{
    if (d->mod == 3) {
        return MK_REG;
    }
    int seg = d->in->seg;
    bool flat_seg = seg == R_DS || seg == R_ES || seg == R_SS;
    return (d->ctx->hflags & HF_FLAT) && d->a32 && flat_seg ? MK_FLAT : MK_MEM;
}

/* Stack handler variant: 16-bit, 32-bit, 32-bit on a flat stack. */
static int stk(Dec *d, int osz)
{
    return osz == 2 ? 0 : (d->ctx->hflags & HF_FLAT) ? 2 : 1;
}

/* Columns of x86_h_mov. */
enum { MOV_RR, MOV_RI, MOV_ST, MOV_LD, MOV_MI };
static int mov_col(int op, int kind)
{
    return op + (kind == MK_FLAT ? 3 : 0);
}

static void set_ud(X86Insn *in)
{
    in->fn = x86_op_raise_ud;
}

/* Which instructions may carry LOCK (SDM vol. 2A, LOCK): only these with a
 * memory destination. */
static bool lock_ok(Dec *d, bool twobyte, uint8_t op)
{
    if (!mem(d)) {
        return false;
    }
    if (!twobyte) {
        if (op < 0x40 && (op & 7) < 2) {
            return (op >> 3) != 7;            /* not CMP */
        }
        switch (op) {
        case 0x80: case 0x81: case 0x82: case 0x83:
            return d->reg != 7;
        case 0x86: case 0x87:
            return true;
        case 0xf6: case 0xf7:
            return d->reg == 2 || d->reg == 3;
        case 0xfe: case 0xff:
            return d->reg <= 1;
        default:
            return false;
        }
    }
    switch (op) {
    case 0xab: case 0xb3: case 0xbb: case 0xb0: case 0xb1: case 0xc0: case 0xc1:
        return true;
    case 0xba:
        return d->reg >= 5;
    case 0xc7:
        return d->reg == 1;
    default:
        return false;
    }
}

/* An MMX/SSE encoding: ModRM, the table entry for the mandatory prefix,
 * and an imm8 where the entry has one (x86-sse-table.c). */
static void decode_sse(Dec *d, uint8_t op)
{
    X86Insn *in = d->in;
    decode_modrm(d, false);
    in->reg = d->reg;
    const X86SseOp *e = x86_sse_lookup(d->ctx->env, op, d->pfx, d->reg, mem(d));
    if (!e) {
        set_ud(in);
        return;
    }
    uint32_t imm = (e->flags & OPF_IMM) ? fetch(d, 1) : 0;
    in->imm = (uint32_t)(e - x86_sse_ops) << 8 | imm;
    in->fn = x86_op_sse;
}

static bool decode_0f(Dec *d, uint8_t op, bool *ends)
{
    X86Insn *in = d->in;
    CPUX86State *env = d->ctx->env;
    uint32_t feat = env->cpuid_features;
    int osz = d->o32 ? 4 : 2;
    int family = (env->cpuid_version >> 8) & 0xf;
    in->osz = osz;
    switch (op) {
    case 0x00:
        decode_modrm(d, false);
        in->imm2 = d->reg;
        switch (d->reg) {
        case 0: case 1: in->fn = x86_op_sldt_str; break;
        case 2: in->fn = x86_op_lldt; break;
        case 3: in->fn = x86_op_ltr; break;
        case 4: case 5: in->fn = x86_op_verr_verw; break;
        default: set_ud(in); break;
        }
        return true;
    case 0x01:
        decode_modrm(d, false);
        in->imm2 = d->reg;
        switch (d->reg) {
        case 0: case 1: case 2: case 3:
            if (!mem(d)) {
                set_ud(in);
            } else {
                in->fn = x86_op_xdt;
            }
            break;
        case 4: in->fn = x86_op_smsw; break;
        case 6: in->fn = x86_op_lmsw; *ends = true; break;
        case 7:
            if (!mem(d)) {
                set_ud(in);
            } else {
                in->fn = x86_op_invlpg;
                *ends = true;
            }
            break;
        default: set_ud(in); break;
        }
        return true;
    case 0x02: case 0x03:
        decode_modrm(d, false);
        in->fn = x86_op_lar_lsl;
        return true;
    case 0x06:
        in->fn = x86_op_clts;
        return true;
    case 0x08: case 0x09:
        in->fn = x86_op_cache;
        return true;
    case 0x0b:
        set_ud(in);
        return true;
    case 0x18: case 0x19: case 0x1a: case 0x1b: case 0x1c: case 0x1d: case 0x1e: case 0x1f:
        /* Hint NOPs with a ModRM operand (P6 family, SDM vol. 2B, NOP). */
        decode_modrm(d, false);
        in->fn = family >= 6 ? x86_op_nop : x86_op_raise_ud;
        return true;
    case 0x20: case 0x21: case 0x22: case 0x23:
        /* MOV to/from CR/DR: the ModRM is always a register form
         * (mod is ignored, SDM vol. 2B, MOV Control Registers). */
        d->pos += 0;
        {
            uint32_t m = fetch(d, 1);
            in->reg = (m >> 3) & 7;
            in->rm = m & 7;
        }
        in->fn = (op & 1) ? x86_op_mov_dr : x86_op_mov_cr;
        if (op == 0x22) {
            *ends = true;
        }
        return true;
    case 0x30:
        in->fn = (feat & FEAT_MSR) ? x86_op_wrmsr : x86_op_raise_ud;
        return true;
    case 0x31:
        in->fn = (feat & FEAT_TSC) ? x86_op_rdtsc : x86_op_raise_ud;
        return true;
    case 0x32:
        in->fn = (feat & FEAT_MSR) ? x86_op_rdmsr : x86_op_raise_ud;
        return true;
    case 0x33:
        in->fn = family >= 6 ? x86_op_rdpmc : x86_op_raise_ud;
        return true;
    case 0x34: case 0x35:
        in->fn = !(feat & FEAT_SEP) ? x86_op_raise_ud :
                 op == 0x34 ? x86_op_sysenter : x86_op_sysexit;
        *ends = true;
        return true;
    case 0x38:
        /* The three-byte map: of it only MOVBE (0F 38 F0 load, F1 store;
         * SDM vol. 2B, MOVBE), memory operands only, and not with F2,
         * which makes it CRC32 (SSE4.2, not implemented). */
        op = fetch(d, 1);
        in->opc = op;
        decode_modrm(d, false);
        if ((op == 0xf0 || op == 0xf1) && mem(d) && d->pfx != PFX_F2 &&
            (env->cpuid_ext_features & X86_CPUID_ECX_MOVBE)) {
            in->imm2 = op & 1;
            in->fn = x86_op_movbe;
        } else {
            set_ud(in);
        }
        return true;
    case 0x40 ... 0x4f:
        decode_modrm(d, false);
        in->fn = (feat & FEAT_CMOV) ? x86_h_cmov[op & 15][osz == 4][mk(d)] : x86_op_raise_ud;
        return true;
    case 0x80 ... 0x8f: {
        uint32_t rel = d->o32 ? fetch(d, 4) : (uint32_t)(int32_t)(int16_t)fetch(d, 2);
        in->imm = rel;
        in->fn = x86_h_jcc[op & 15];
        *ends = true;
        return false;   /* relative: the caller finishes the target */
    }
    case 0x90 ... 0x9f:
        decode_modrm(d, true);
        in->fn = x86_h_setcc[op & 15][mk(d)];
        return true;
    case 0xa0: case 0xa8:
        in->reg = op == 0xa0 ? R_FS : R_GS;
        in->fn = x86_op_push_sreg;
        return true;
    case 0xa1: case 0xa9:
        in->reg = op == 0xa1 ? R_FS : R_GS;
        in->fn = x86_op_pop_sreg;
        *ends = true;
        return true;
    case 0xa2:
        in->fn = x86_op_cpuid;
        return true;
    case 0xa3: case 0xab: case 0xb3: case 0xbb:
        decode_modrm(d, false);
        in->fn = x86_op_bt_r;
        return true;
    case 0xa4: case 0xa5: case 0xac: case 0xad:
        decode_modrm(d, false);
        if (!(op & 1)) {
            in->imm = fetch(d, 1);
        }
        in->fn = x86_op_shxd;
        return true;
    case 0x77:
        in->fn = (feat & CPUID_EDX_MMX) ? x86_op_emms : x86_op_raise_ud;
        return true;
    case 0xae:
        decode_modrm(d, false);
        in->imm2 = d->reg;
        if ((d->reg == 0 || d->reg == 1) && mem(d) && (feat & FEAT_FXSR)) {
            in->fn = x86_op_fxsave;
        } else if (d->reg == 7 && mem(d) && (feat & X86_CPUID_CLFLUSH)) {
            in->fn = x86_op_clflush;
        } else if ((d->reg == 2 || d->reg == 3) && mem(d) && (feat & CPUID_EDX_SSE)) {
            in->fn = d->reg == 2 ? x86_op_ldmxcsr : x86_op_stmxcsr;
        } else if (!mem(d) && ((d->reg == 7 && (feat & CPUID_EDX_SSE)) ||
                               ((d->reg == 5 || d->reg == 6) && (feat & CPUID_EDX_SSE2)))) {
            /* SFENCE, LFENCE, MFENCE: one CPU at a time runs and its
             * accesses are in program order, so they are already done. */
            in->fn = x86_op_nop;
        } else {
            set_ud(in);
        }
        return true;
    case 0xaf:
        decode_modrm(d, false);
        in->fn = x86_h_imul[0][osz == 4][mk(d)];
        return true;
    case 0xb0: case 0xb1:
        decode_modrm(d, op == 0xb0);
        in->osz = op == 0xb0 ? 1 : osz;
        in->fn = x86_op_cmpxchg;
        return true;
    case 0xb2: case 0xb4: case 0xb5:
        decode_modrm(d, false);
        in->imm2 = op == 0xb2 ? R_SS : op == 0xb4 ? R_FS : R_GS;
        in->fn = mem(d) ? x86_op_lxs : x86_op_raise_ud;
        *ends = true;
        return true;
    case 0xb6: case 0xb7: case 0xbe: case 0xbf: {
        int ssz = (op & 1) ? 2 : 1;
        decode_modrm(d, ssz == 1);
        /* The destination is a full register index whatever the source. */
        in->reg = d->reg;
        in->fn = x86_h_movx[op >= 0xbe][ssz == 2][osz == 4][mk(d)];
        return true;
    }
    case 0xba:
        decode_modrm(d, false);
        in->imm = fetch(d, 1);
        if (d->reg < 4) {
            set_ud(in);
        } else {
            in->imm2 = d->reg - 4;
            in->fn = x86_op_bt_i;
        }
        return true;
    case 0xbc: case 0xbd:
        decode_modrm(d, false);
        in->fn = x86_op_bsf;
        return true;
    case 0xc0: case 0xc1:
        decode_modrm(d, op == 0xc0);
        in->osz = op == 0xc0 ? 1 : osz;
        in->fn = x86_op_xadd;
        return true;
    case 0xc7:
        decode_modrm(d, false);
        in->fn = (d->reg == 1 && mem(d) && (feat & FEAT_CX8)) ? x86_op_cmpxchg8b
                                                               : x86_op_raise_ud;
        return true;
    case 0xc8 ... 0xcf:
        in->rm = op & 7;
        in->fn = x86_op_bswap;
        return true;
    default:
        if (x86_sse_opcode(op)) {
            decode_sse(d, op);
        } else {
            set_ud(in);
        }
        return true;
    }
}

/* FCMOVcc and F(U)COMI(P) are P6 additions, present with CMOV (SDM
 * vol. 2A, FCMOVcc: "CPUID.01H:EDX.CMOV[bit 15] and FPU[bit 0]"). */
static bool fpu_needs_cmov(uint8_t op, uint8_t modrm)
{
    if (modrm < 0xc0) {
        return false;
    }
    return ((op == 0xda || op == 0xdb) && modrm < 0xe0) ||
           ((op == 0xdb || op == 0xdf) && modrm >= 0xe8 && modrm < 0xf8);
}

int x86_decode(X86DecodeCtx *ctx, X86Insn *in, bool *ends_block)
{
    Dec d = { .ctx = ctx, .in = in, .seg_override = -1 };
    bool cs32 = ctx->hflags & HF_CS32;
    bool rep = false, repne = false;
    memset(in, 0, sizeof(*in));
    in->eip = ctx->eip;
    in->rm = 8;
    in->idx = 8;
    *ends_block = false;

    /* Prefixes. */
    uint8_t op;
    bool osz_pfx = false, asz_pfx = false;
    for (;;) {
        op = fetch(&d, 1);
        if (d.short_of_bytes || d.too_long) {
            break;
        }
        switch (op) {
        case 0x26: d.seg_override = R_ES; continue;
        case 0x2e: d.seg_override = R_CS; continue;
        case 0x36: d.seg_override = R_SS; continue;
        case 0x3e: d.seg_override = R_DS; continue;
        case 0x64: d.seg_override = R_FS; continue;
        case 0x65: d.seg_override = R_GS; continue;
        case 0x66: osz_pfx = true; continue;
        case 0x67: asz_pfx = true; continue;
        case 0xf0: d.lock = true; continue;
        case 0xf2: repne = true; rep = false; continue;
        case 0xf3: rep = true; repne = false; continue;
        default: break;
        }
        break;
    }
    d.pfx = repne ? PFX_F2 : rep ? PFX_F3 : osz_pfx ? PFX_66 : PFX_NONE;
    d.o32 = cs32 ^ osz_pfx;
    d.a32 = cs32 ^ asz_pfx;
    in->flags = (d.o32 ? IF_OSZ32 : 0) | (d.a32 ? IF_ASZ32 : 0) | (rep ? IF_REP : 0) |
                (repne ? IF_REPNE : 0) | (d.lock ? IF_LOCK : 0) |
                (d.seg_override >= 0 ? IF_SEGOVR : 0);
    in->seg = d.seg_override >= 0 ? d.seg_override : R_DS;
    in->ashift = d.a32 ? 0 : 16;
    d.mod = 3;

    int osz = d.o32 ? 4 : 2;
    bool twobyte = false;
    bool relative = false;      /* in->imm holds a displacement to resolve */
    bool done = true;
    CPUX86State *env = ctx->env;
    in->osz = osz;

    if (d.short_of_bytes || d.too_long) {
        goto out;
    }
    in->opc = op;
    if (op == 0x0f) {
        op = fetch(&d, 1);
        in->opc = op;
        twobyte = true;
        relative = !decode_0f(&d, op, ends_block);
        goto out;
    }

    switch (op) {
    case 0x00 ... 0x3f:
        if ((op & 7) < 6) {
            int aluop = op >> 3, form = op & 7;
            int size = (form & 1) ? osz : 1;
            in->osz = size;
            if (form < 4) {
                decode_modrm(&d, size == 1);
                in->fn = x86_h_alu[aluop][szi(size)][(form < 2 ? 0 : 3) + mk(&d)];
            } else {
                in->rm = 0;     /* AL / eAX */
                in->imm = fetch_imm(&d, size);
                in->fn = x86_h_alu[aluop][szi(size)][6];
            }
            break;
        }
        switch (op) {
        case 0x06: case 0x0e: case 0x16: case 0x1e:
            in->reg = op >> 3;
            in->fn = x86_op_push_sreg;
            break;
        case 0x07: case 0x17: case 0x1f:
            in->reg = op >> 3;
            in->fn = x86_op_pop_sreg;
            *ends_block = true;     /* the block's mode (HF_FLAT) may change */
            break;
        case 0x27: in->fn = x86_op_daa; break;
        case 0x2f: in->fn = x86_op_das; break;
        case 0x37: in->fn = x86_op_aaa; break;
        case 0x3f: in->fn = x86_op_aas; break;
        default: set_ud(in); break;    /* 0F handled above; prefixes consumed */
        }
        break;
    case 0x40 ... 0x4f:
        in->rm = op & 7;
        in->fn = x86_h_unary[op >= 0x48][szi(osz)][MK_REG];
        break;
    case 0x50 ... 0x57:
        in->rm = op & 7;
        in->fn = x86_h_push_reg[stk(&d, osz)];
        break;
    case 0x58 ... 0x5f:
        in->rm = op & 7;
        in->fn = x86_h_pop_reg[stk(&d, osz)];
        break;
    case 0x60:
        in->fn = x86_op_pusha;
        break;
    case 0x61:
        in->fn = x86_op_popa;
        break;
    case 0x62:
        decode_modrm(&d, false);
        in->fn = mem(&d) ? x86_op_bound : x86_op_raise_ud;
        break;
    case 0x63:
        decode_modrm(&d, false);
        in->fn = x86_op_arpl;
        break;
    case 0x68:
        in->imm = fetch_imm(&d, osz);
        in->fn = x86_h_push_imm[stk(&d, osz)];
        break;
    case 0x6a:
        in->imm = fetch_simm8(&d);
        in->fn = x86_h_push_imm[stk(&d, osz)];
        break;
    case 0x69: case 0x6b:
        decode_modrm(&d, false);
        in->imm = op == 0x69 ? (osz == 4 ? fetch(&d, 4) : (uint32_t)(int32_t)(int16_t)fetch(&d, 2))
                             : fetch_simm8(&d);
        in->fn = x86_h_imul[1][osz == 4][mk(&d)];
        break;
    case 0x6c: case 0x6d:
        in->osz = (op & 1) ? osz : 1;
        in->fn = x86_op_ins;
        break;
    case 0x6e: case 0x6f:
        in->osz = (op & 1) ? osz : 1;
        in->fn = x86_op_outs;
        break;
    case 0x70 ... 0x7f:
        in->imm = fetch_simm8(&d);
        in->fn = x86_h_jcc[op & 15];
        relative = true;
        *ends_block = true;
        break;
    case 0x80: case 0x81: case 0x82: case 0x83: {
        int size = (op & 1) ? osz : 1;
        in->osz = size;
        decode_modrm(&d, size == 1);
        in->imm = op == 0x81 ? fetch_imm(&d, size) : fetch_simm8(&d);
        in->fn = x86_h_alu[d.reg][szi(size)][6 + mk(&d)];
        break;
    }
    case 0x84: case 0x85: {
        int size = (op & 1) ? osz : 1;
        in->osz = size;
        decode_modrm(&d, size == 1);
        in->fn = x86_h_test[szi(size)][mk(&d)];
        break;
    }
    case 0x86: case 0x87: {
        int size = (op & 1) ? osz : 1;
        in->osz = size;
        decode_modrm(&d, size == 1);
        in->fn = x86_op_xchg;
        break;
    }
    case 0x88: case 0x89: case 0x8a: case 0x8b: {
        int size = (op & 1) ? osz : 1;
        in->osz = size;
        decode_modrm(&d, size == 1);
        if (!mem(&d)) {
            if (op & 2) {
                /* reg <- rm: the register-register handler writes rm. */
                uint8_t t = in->reg;
                in->reg = in->rm;
                in->rm = t;
            }
            in->fn = x86_h_mov[szi(size)][MOV_RR];
        } else {
            in->fn = x86_h_mov[szi(size)][mov_col((op & 2) ? MOV_LD : MOV_ST, mk(&d))];
        }
        break;
    }
    case 0x8c:
        decode_modrm(&d, false);
        in->reg = d.reg;
        in->fn = d.reg > 5 ? x86_op_raise_ud : x86_op_mov_rm_sreg;
        break;
    case 0x8d:
        decode_modrm(&d, false);
        in->fn = mem(&d) ? x86_h_lea[osz == 4] : x86_op_raise_ud;
        break;
    case 0x8e:
        decode_modrm(&d, false);
        in->reg = d.reg;
        in->fn = (d.reg > 5 || d.reg == R_CS) ? x86_op_raise_ud : x86_op_mov_sreg_rm;
        *ends_block = true;
        break;
    case 0x8f:
        decode_modrm(&d, false);
        in->fn = d.reg == 0 ? x86_op_pop_rm : x86_op_raise_ud;
        break;
    case 0x90:
        /* F3 90 is PAUSE, the spin-wait hint (SDM vol. 2B, PAUSE): it ends
         * its block so that it may yield to the other CPUs. */
        in->fn = (in->flags & IF_REP) ? x86_op_pause : x86_op_nop;
        *ends_block |= (in->flags & IF_REP) != 0;
        break;
    case 0x91 ... 0x97:
        in->reg = R_EAX;
        in->rm = op & 7;
        in->fn = x86_op_xchg;
        break;
    case 0x98: in->fn = x86_op_cbw; break;
    case 0x99: in->fn = x86_op_cwd; break;
    case 0x9a:
        in->imm = fetch_imm(&d, osz);
        in->imm2 = fetch(&d, 2);
        in->fn = x86_op_call_far;
        *ends_block = true;
        break;
    case 0x9b: in->fn = x86_op_fwait; break;
    case 0x9c: in->fn = x86_op_pushf; break;
    case 0x9d: in->fn = x86_op_popf; *ends_block = true; break;
    case 0x9e: in->fn = x86_op_sahf; break;
    case 0x9f: in->fn = x86_op_lahf; break;
    case 0xa0: case 0xa1: case 0xa2: case 0xa3: {
        int size = (op & 1) ? osz : 1;
        in->osz = size;
        in->disp = fetch(&d, d.a32 ? 4 : 2);
        in->flags |= IF_MEM;
        in->reg = 0;
        d.mod = 0;
        in->fn = x86_h_mov[szi(size)][mov_col((op & 2) ? MOV_ST : MOV_LD, mk(&d))];
        break;
    }
    case 0xa4: case 0xa5:
        in->osz = (op & 1) ? osz : 1;
        in->fn = x86_op_movs;
        break;
    case 0xa6: case 0xa7:
        in->osz = (op & 1) ? osz : 1;
        in->fn = x86_op_cmps;
        break;
    case 0xa8: case 0xa9: {
        int size = (op & 1) ? osz : 1;
        in->osz = size;
        in->rm = 0;
        in->imm = fetch_imm(&d, size);
        in->fn = x86_h_test[szi(size)][3 + MK_REG];
        break;
    }
    case 0xaa: case 0xab:
        in->osz = (op & 1) ? osz : 1;
        in->fn = x86_op_stos;
        break;
    case 0xac: case 0xad:
        in->osz = (op & 1) ? osz : 1;
        in->fn = x86_op_lods;
        break;
    case 0xae: case 0xaf:
        in->osz = (op & 1) ? osz : 1;
        in->fn = x86_op_scas;
        break;
    case 0xb0 ... 0xb7:
        in->rm = x86_breg(op & 7);
        in->imm = fetch(&d, 1);
        in->osz = 1;
        in->fn = x86_h_mov[0][MOV_RI];
        break;
    case 0xb8 ... 0xbf:
        in->rm = op & 7;
        in->imm = fetch_imm(&d, osz);
        in->fn = x86_h_mov[szi(osz)][MOV_RI];
        break;
    case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
        int size = (op & 1) ? osz : 1;
        in->osz = size;
        decode_modrm(&d, size == 1);
        bool by_cl = op == 0xd2 || op == 0xd3;
        if (op <= 0xc1) {
            in->imm = fetch(&d, 1);
        } else {
            in->imm = 1;
        }
        in->fn = x86_h_shift[d.reg][szi(size)][mk(&d)][by_cl];
        break;
    }
    case 0xc2:
        in->imm = fetch(&d, 2);
        in->fn = x86_h_ret[1][stk(&d, osz)];
        *ends_block = true;
        break;
    case 0xc3:
        in->fn = x86_h_ret[0][stk(&d, osz)];
        *ends_block = true;
        break;
    case 0xc4: case 0xc5:
        decode_modrm(&d, false);
        in->imm2 = op == 0xc4 ? R_ES : R_DS;
        in->fn = mem(&d) ? x86_op_lxs : x86_op_raise_ud;
        *ends_block = true;
        break;
    case 0xc6: case 0xc7: {
        int size = (op & 1) ? osz : 1;
        in->osz = size;
        decode_modrm(&d, size == 1);
        in->imm = fetch_imm(&d, size);
        if (d.reg != 0) {
            set_ud(in);
        } else {
            in->fn = mem(&d) ? x86_h_mov[szi(size)][mov_col(MOV_MI, mk(&d))] : x86_h_mov[szi(size)][MOV_RI];
        }
        break;
    }
    case 0xc8:
        in->imm = fetch(&d, 2);
        in->imm2 = fetch(&d, 1);
        in->fn = x86_op_enter;
        break;
    case 0xc9: in->fn = x86_op_leave; break;
    case 0xca:
        in->imm = fetch(&d, 2);
        in->fn = x86_op_retf;
        *ends_block = true;
        break;
    case 0xcb: in->fn = x86_op_retf; *ends_block = true; break;
    case 0xcc: in->fn = x86_op_int3; *ends_block = true; break;
    case 0xcd:
        in->imm = fetch(&d, 1);
        in->fn = x86_op_int;
        *ends_block = true;
        break;
    case 0xce: in->fn = x86_op_into; *ends_block = true; break;
    case 0xcf: in->fn = x86_op_iret; *ends_block = true; break;
    case 0xd4: in->imm = fetch(&d, 1); in->fn = x86_op_aam; break;
    case 0xd5: in->imm = fetch(&d, 1); in->fn = x86_op_aad; break;
    case 0xd6: in->fn = x86_op_salc; break;
    case 0xd7: in->fn = x86_op_xlat; break;
    case 0xd8 ... 0xdf:
        decode_modrm(&d, false);
        in->fn = x86_op_fpu;
        if (fpu_needs_cmov(op, in->imm2) && !(env->cpuid_features & FEAT_CMOV)) {
            set_ud(in);
        }
        break;
    case 0xe0: case 0xe1: case 0xe2: case 0xe3:
        in->imm = fetch_simm8(&d);
        in->fn = x86_op_loop;
        relative = true;
        *ends_block = true;
        break;
    case 0xe4: case 0xe5: case 0xe6: case 0xe7:
        in->imm = fetch(&d, 1);
        in->osz = (op & 1) ? osz : 1;
        in->fn = x86_op_io;
        break;
    case 0xec: case 0xed: case 0xee: case 0xef:
        in->osz = (op & 1) ? osz : 1;
        in->fn = x86_op_io;
        break;
    case 0xe8:
        in->imm = osz == 4 ? fetch(&d, 4) : (uint32_t)(int32_t)(int16_t)fetch(&d, 2);
        in->fn = x86_h_call_rel[stk(&d, osz)];
        relative = true;
        *ends_block = true;
        break;
    case 0xe9:
        in->imm = osz == 4 ? fetch(&d, 4) : (uint32_t)(int32_t)(int16_t)fetch(&d, 2);
        in->fn = x86_op_jmp;
        relative = true;
        *ends_block = true;
        break;
    case 0xea:
        in->imm = fetch_imm(&d, osz);
        in->imm2 = fetch(&d, 2);
        in->fn = x86_op_jmp_far;
        *ends_block = true;
        break;
    case 0xeb:
        in->imm = fetch_simm8(&d);
        in->fn = x86_op_jmp;
        relative = true;
        *ends_block = true;
        break;
    case 0xf1: in->fn = x86_op_int1; *ends_block = true; break;
    case 0xf4: in->fn = x86_op_hlt; *ends_block = true; break;
    case 0xf5: case 0xf8: case 0xf9: case 0xfc: case 0xfd:
        in->fn = x86_op_flagbit;
        break;
    case 0xfa: in->fn = x86_op_cli; break;
    case 0xfb:
        in->fn = x86_op_sti;
        /* The shadow: the loop runs the next instruction alone when an
         * interrupt waits (x86-exec.c, exec_blocks). */
        *ends_block = true;
        break;
    case 0xf6: case 0xf7: {
        int size = (op & 1) ? osz : 1;
        in->osz = size;
        decode_modrm(&d, size == 1);
        switch (d.reg) {
        case 0: case 1:
            in->imm = fetch_imm(&d, size);
            in->fn = x86_h_test[szi(size)][3 + mk(&d)];
            break;
        case 2: in->fn = x86_h_unary[2][szi(size)][mk(&d)]; break;
        case 3: in->fn = x86_h_unary[3][szi(size)][mk(&d)]; break;
        case 4: in->fn = x86_op_mul; break;
        case 5: in->fn = x86_op_imul1; break;
        case 6: in->fn = x86_op_div; break;
        default: in->fn = x86_op_idiv; break;
        }
        break;
    }
    case 0xfe:
        in->osz = 1;
        decode_modrm(&d, true);
        in->fn = d.reg <= 1 ? x86_h_unary[d.reg][0][mk(&d)] : x86_op_raise_ud;
        break;
    case 0xff:
        decode_modrm(&d, false);
        switch (d.reg) {
        case 0: case 1: in->fn = x86_h_unary[d.reg][szi(osz)][mk(&d)]; break;
        case 2: in->fn = x86_op_call_ind; *ends_block = true; break;
        case 3:
            in->fn = mem(&d) ? x86_op_call_far_ind : x86_op_raise_ud;
            *ends_block = true;
            break;
        case 4: in->fn = x86_op_jmp_ind; *ends_block = true; break;
        case 5:
            in->fn = mem(&d) ? x86_op_jmp_far_ind : x86_op_raise_ud;
            *ends_block = true;
            break;
        case 6: in->fn = x86_op_push_rm; break;
        default: set_ud(in); break;
        }
        break;
    default:
        set_ud(in);
        break;
    }

out:
    (void)done;
    if (d.too_long) {
        /* More than 15 bytes: #GP(0) (SDM vol. 2A, 2.3.11). */
        memset(in, 0, sizeof(*in));
        in->eip = ctx->eip;
        in->fn = x86_op_raise_gp0;
        *ends_block = true;
        return -1;
    }
    if (d.short_of_bytes) {
        return 0;
    }
    in->len = d.pos;
    if (d.lock && !lock_ok(&d, twobyte, op)) {
        in->fn = x86_op_raise_ud;
    }
    if (relative) {
        uint32_t target = ctx->eip + d.pos + in->imm;
        in->imm = d.o32 ? target : (target & 0xffff);
    }
    if (in->fn == x86_op_raise_ud) {
        *ends_block = true;
    }
    return 1;
}
