/*
 * The x86 CPU seen by a debugger: gdb's i386 register file, memory by
 * linear address through the page tables without side effects, and the
 * program counter for breakpoints (core/gdbstub speaks the protocol).
 *
 * gdb's remote numbering for i386 (its default target description, the
 * one used when a stub sends none; gdb/features/i386/32bit-core.xml):
 *   0-7    EAX ECX EDX EBX ESP EBP ESI EDI   (4 bytes each, little-endian)
 *   8, 9   EIP, EFLAGS
 *   10-15  CS SS DS ES FS GS                 (4 bytes: the selector)
 *   16-23  ST0..ST7                          (10 bytes: the 80-bit value)
 *   24-31  FCTRL FSTAT FTAG FISEG FIOFF FOSEG FOOFF FOP (4 bytes each)
 *   32-39  XMM0..XMM7                        (16 bytes each; 32bit-sse.xml)
 *   40     MXCSR                             (4 bytes)
 * A CPU model without SSE shows its (zero) XMM registers and MXCSR all the
 * same: the layout is the one gdb assumes, whatever the model.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/bswap.h>
#include "cpu/x86-internal.h"

enum {
    GDB_EIP = 8, GDB_EFLAGS = 9, GDB_SEG0 = 10, GDB_ST0 = 16, GDB_FCTRL = 24,
    GDB_XMM0 = 32, GDB_MXCSR = 40, GDB_NUM_REGS = 41,
};

/* gdb's segment order (CS SS DS ES FS GS) in ours (ES CS SS DS FS GS). */
static const int gdb_seg[6] = { R_CS, R_SS, R_DS, R_ES, R_FS, R_GS };

static void put32(GByteArray *out, uint32_t v)
{
    uint8_t b[4];
    cc_st_le32(b, v);
    g_byte_array_append(out, b, 4);
}

static uint32_t get32(const uint8_t *b)
{
    return cc_ld_le32(b);
}

/* The x87 control registers in gdb's order (FSTAT carries TOP). */
static uint32_t fpu_ctl_get(const X87State *f, int i)
{
    const uint32_t v[8] = { f->fcw, f->fsw, f->ftw, f->fcs, f->fip, f->fds, f->fdp, f->fop };
    return v[i & 7];
}

static bool x86_gdb_read_reg(CPUState *cs, int n, GByteArray *out)
{
    CPUX86State *env = &X86_CPU(cs)->env;
    if (n < 0 || n >= GDB_NUM_REGS) {
        return false;
    }
    if (n < 8) {
        put32(out, env->regs[n]);
    } else if (n == GDB_EIP) {
        put32(out, env->eip);
    } else if (n == GDB_EFLAGS) {
        x86_flags_materialize(env);
        put32(out, env->eflags);
    } else if (n < GDB_ST0) {
        put32(out, env->segs[gdb_seg[n - GDB_SEG0]].sel);
    } else if (n < GDB_FCTRL) {
        /* ST(i) is physical register (TOP + i) mod 8 (SDM vol. 1, 8.1.2). */
        int top = (env->fpu.fsw >> 11) & 7;
        const floatx80 *r = &env->fpu.regs[(top + n - GDB_ST0) & 7];
        uint8_t b[10];
        for (int i = 0; i < 8; i++) {
            b[i] = (uint8_t)(r->mant >> (8 * i));
        }
        b[8] = (uint8_t)r->sign_exp;
        b[9] = (uint8_t)(r->sign_exp >> 8);
        g_byte_array_append(out, b, 10);
    } else if (n < GDB_XMM0) {
        put32(out, fpu_ctl_get(&env->fpu, n - GDB_FCTRL));
    } else if (n < GDB_MXCSR) {
        uint8_t b[16];
        const X86Xmm *x = &env->xmm[n - GDB_XMM0];
        for (int i = 0; i < 4; i++) {
            cc_st_le32(b + 4 * i, x->d[i]);
        }
        g_byte_array_append(out, b, 16);
    } else {
        put32(out, env->mxcsr);
    }
    return true;
}

/* A selector written by the debugger: loaded without the checks of MOV
 * (the debugger may put the CPU in any state the hardware could be in). */
static bool gdb_load_seg(CPUX86State *env, int seg, uint16_t sel)
{
    if (!(env->cr[0] & CR0_PE) || (env->eflags & VM_MASK)) {
        x86_load_seg_real(env, seg, sel);
        return true;
    }
    uint32_t lo, hi;
    if ((sel & 0xfffc) == 0) {
        if (seg == R_CS || seg == R_SS) {
            return false;
        }
        x86_set_seg_cache(env, seg, sel, 0, 0, 0);
        return true;
    }
    if (!x86_read_desc(env, sel, &lo, &hi)) {
        return false;
    }
    x86_set_seg_cache(env, seg, sel, x86_desc_base(lo, hi), x86_desc_limit(lo, hi),
                      x86_desc_flags(hi));
    if (seg == R_CS) {
        env->cpl = sel & 3;
    }
    return true;
}

static bool x86_gdb_write_reg(CPUState *cs, int n, const uint8_t *buf, size_t len)
{
    CPUX86State *env = &X86_CPU(cs)->env;
    size_t want = n >= GDB_ST0 && n < GDB_FCTRL ? 10 :
                  n >= GDB_XMM0 && n < GDB_MXCSR ? 16 : 4;
    if (n < 0 || n >= GDB_NUM_REGS || len < want) {
        return false;
    }
    uint32_t v = get32(buf);
    if (n < 8) {
        env->regs[n] = v;
    } else if (n == GDB_EIP) {
        env->eip = v;
    } else if (n == GDB_EFLAGS) {
        x86_flags_materialize(env);
        x86_set_eflags(env, v, 0xffffffffu);
        x86_update_hflags(env);
    } else if (n < GDB_ST0) {
        int seg = gdb_seg[n - GDB_SEG0];
        if (env->segs[seg].sel != (uint16_t)v) {
            if (!gdb_load_seg(env, seg, (uint16_t)v)) {
                return false;
            }
            x86_update_hflags(env);
        }
    } else if (n < GDB_FCTRL) {
        int top = (env->fpu.fsw >> 11) & 7;
        floatx80 *r = &env->fpu.regs[(top + n - GDB_ST0) & 7];
        r->mant = 0;
        for (int i = 0; i < 8; i++) {
            r->mant |= (uint64_t)buf[i] << (8 * i);
        }
        r->sign_exp = (uint16_t)(buf[8] | buf[9] << 8);
    } else if (n >= GDB_XMM0 && n < GDB_MXCSR) {
        for (int i = 0; i < 4; i++) {
            env->xmm[n - GDB_XMM0].d[i] = get32(buf + 4 * i);
        }
    } else if (n == GDB_MXCSR) {
        /* Reserved bits would make the next FXSAVE/FXRSTOR pair fault. */
        if (v & ~MXCSR_VALID) {
            return false;
        }
        env->mxcsr = v;
    } else {
        X87State *f = &env->fpu;
        switch (n - GDB_FCTRL) {
        case 0: f->fcw = (uint16_t)v; break;
        case 1: f->fsw = (uint16_t)v; break;
        case 2: f->ftw = (uint16_t)v; break;
        case 3: f->fcs = (uint16_t)v; break;
        case 4: f->fip = v; break;
        case 5: f->fds = (uint16_t)v; break;
        case 6: f->fdp = v; break;
        default: f->fop = (uint16_t)(v & 0x7ff); break;
        }
    }
    /* Translated blocks assume the state they were entered with. */
    cs->exit_request = 1;
    return true;
}

static bool x86_debug_rw(CPUState *cs, uint64_t vaddr, uint8_t *buf, size_t len, bool write)
{
    CPUX86State *env = &X86_CPU(cs)->env;
    while (len > 0) {
        uint32_t lin = (uint32_t)vaddr, pa;
        size_t chunk = MIN(len, (size_t)(4096 - (lin & 4095)));
        if (vaddr > UINT32_MAX || !x86_debug_translate(env, lin, &pa)) {
            return false;
        }
        MemTxResult r = write ? address_space_write(cs->as, pa, buf, chunk)
                              : address_space_read(cs->as, pa, buf, chunk);
        if (r != MEMTX_OK) {
            return false;
        }
        vaddr += chunk;
        buf += chunk;
        len -= chunk;
    }
    return true;
}

static uint64_t x86_get_pc(CPUState *cs)
{
    CPUX86State *env = &X86_CPU(cs)->env;
    return (uint32_t)(env->segs[R_CS].base + env->eip);
}

void x86_cpu_gdb_class_init(CPUClass *cc)
{
    cc->gdb_read_reg = x86_gdb_read_reg;
    cc->gdb_write_reg = x86_gdb_write_reg;
    cc->gdb_num_regs = GDB_NUM_REGS;
    cc->debug_rw = x86_debug_rw;
    cc->get_pc = x86_get_pc;
}
