/*
 * The x86 CPU's registers as data, for x-query-registers (cpu-qmp.c) and
 * so for the human monitor's info registers: groups of named registers,
 * each a value with its width in bits, or a text where a number would not
 * say it (the EFLAGS letters, the 80-bit x87 stack).
 *
 * SPDX-License-Identifier: MIT
 */
#include <json-c/json.h>
#include "cpu/x86-internal.h"
#include "cpu/x86-sse.h"
#include "cpu/x87/x87-internal.h"

static void reg(json_object *regs, const char *name, uint64_t value, int bits)
{
    json_object *r = json_object_new_object();
    json_object_object_add(r, "name", json_object_new_string(name));
    json_object_object_add(r, "value", json_object_new_uint64(value));
    json_object_object_add(r, "bits", json_object_new_int(bits));
    json_object_array_add(regs, r);
}

static void text(json_object *regs, const char *name, const char *value)
{
    json_object *r = json_object_new_object();
    json_object_object_add(r, "name", json_object_new_string(name));
    json_object_object_add(r, "text", json_object_new_string(value));
    json_object_array_add(regs, r);
}

/* A new group (name NULL: printed without one); returns its registers. */
static json_object *group(json_object *groups, const char *name)
{
    json_object *g = json_object_new_object();
    json_object_object_add(g, "name", name ? json_object_new_string(name) : NULL);
    json_object *regs = json_object_new_array();
    json_object_object_add(g, "registers", regs);
    json_object_array_add(groups, g);
    return regs;
}

static void segment(json_object *groups, const char *name, const SegmentCache *s)
{
    json_object *r = group(groups, name);
    reg(r, "sel", s->sel, 16);
    reg(r, "base", s->base, 32);
    reg(r, "limit", s->limit, 32);
    reg(r, "flags", s->flags, 16);
}

static void x87_registers(json_object *groups, const X87State *s)
{
    json_object *r = group(groups, "FPU");
    reg(r, "FCW", s->fcw, 16);
    reg(r, "FSW", s->fsw, 16);
    reg(r, "FTW", x87_full_tags(s), 16);
    reg(r, "TOP", x87_top(s), 4);
    reg(r, "FOP", s->fop, 12);
    reg(r, "FCS", s->fcs, 16);
    reg(r, "FIP", s->fip, 32);
    reg(r, "FDS", s->fds, 16);
    reg(r, "FDP", s->fdp, 32);
    r = group(groups, NULL);
    for (unsigned i = 0; i < 8; i++) {
        floatx80 v = x87_st(s, i);
        char name[8], value[32];
        snprintf(name, sizeof(name), "ST%u", i);
        /* '-' marks an empty register (its tag says so). */
        snprintf(value, sizeof(value), "%c%04x:%016" PRIx64, x87_empty(s, i) ? '-' : ' ',
                 v.sign_exp, (uint64_t)v.mant);
        text(r, name, value);
    }
}

/* MXCSR and XMM0-7 as QEMU's info registers shows them: each register
 * in 32 hex digits, most significant dword first, two to a line. */
static void sse_registers(json_object *groups, const CPUX86State *env)
{
    json_object *r = group(groups, NULL);
    reg(r, "MXCSR", env->mxcsr, 32);
    for (unsigned i = 0; i < 8; i++) {
        const X86Xmm *x = &env->xmm[i];
        char name[8], value[40];
        if (i % 2 == 0) {
            r = group(groups, NULL);
        }
        snprintf(name, sizeof(name), "XMM%02u", i);
        snprintf(value, sizeof(value), "%08" PRIx32 "%08" PRIx32 "%08" PRIx32 "%08" PRIx32,
                 x->d[3], x->d[2], x->d[1], x->d[0]);
        text(r, name, value);
    }
}

json_object *x86_cpu_query_registers(CPUX86State *env)
{
    static const char *const gpr[8] = { "EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI" };
    static const char *const seg_names[6] = { "ES", "CS", "SS", "DS", "FS", "GS" };
    json_object *groups = json_object_new_array();
    json_object *r = group(groups, NULL);
    for (int i = 0; i < 8; i++) {
        reg(r, gpr[i], env->regs[i], 32);
    }
    uint32_t fl = x86_get_eflags(env);
    r = group(groups, NULL);
    reg(r, "EIP", env->eip, 32);
    reg(r, "EFL", fl, 32);
    char letters[] = {
        '[', fl & DF_MASK ? 'D' : '-', fl & CC_O ? 'O' : '-', fl & CC_S ? 'S' : '-',
        fl & CC_Z ? 'Z' : '-', fl & CC_A ? 'A' : '-', fl & CC_P ? 'P' : '-',
        fl & CC_C ? 'C' : '-', ']', '\0',
    };
    text(r, "flags", letters);
    reg(r, "CPL", env->cpl, 4);
    reg(r, "A20", (env->a20_mask >> 20) & 1, 4);
    if ((env->cs && env->cs->halted) || env->shutdown) {
        text(r, "state", env->shutdown ? "shutdown" : env->wait_sipi ? "wait-for-sipi" : "halted");
    }
    for (int s = 0; s < 6; s++) {
        segment(groups, seg_names[s], &env->segs[s]);
    }
    segment(groups, "LDT", &env->ldt);
    segment(groups, "TR", &env->tr);
    r = group(groups, "GDT");
    reg(r, "base", env->gdt.base, 32);
    reg(r, "limit", env->gdt.limit, 16);
    r = group(groups, "IDT");
    reg(r, "base", env->idt.base, 32);
    reg(r, "limit", env->idt.limit, 16);
    r = group(groups, NULL);
    reg(r, "CR0", env->cr[0], 32);
    reg(r, "CR2", env->cr[2], 32);
    reg(r, "CR3", env->cr[3], 32);
    reg(r, "CR4", env->cr[4], 32);
    if (env->cpuid_ext2_features & X86_CPUID_EXT2_NX) {
        reg(r, "EFER", env->efer, 64);
    }
    reg(r, "DR6", env->dr[6], 32);
    reg(r, "DR7", env->dr[7], 32);
    if (env->fpu_present) {
        x87_registers(groups, &env->fpu);
    }
    if (env->cpuid_features & CPUID_EDX_SSE) {
        sse_registers(groups, env);
    }
    return groups;
}
