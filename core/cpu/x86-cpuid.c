/*
 * CPU models, CPUID, feature selection (-cpu MODEL,+feat,-feat) and the
 * model-specific registers the CPU implements.
 *
 * Only features that are implemented can be advertised; the list below is
 * the whole of what CPUID may report (Intel SDM vol. 2A, CPUID, table 3-11
 * for the bit positions).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>
#include <cardcage/error.h>
#include <cardcage/intc.h>
#include <cardcage/timer.h>
#include "cpu/x86-model.h"

const X86Feature x86_features[] = {
    { "fpu",  0,  "x87 FPU on chip" },
    { "pse",  3,  "4 MiB pages (CR4.PSE)" },
    { "tsc",  4,  "time stamp counter (RDTSC)" },
    { "msr",  5,  "RDMSR/WRMSR" },
    { "cx8",  8,  "CMPXCHG8B" },
    { "sep",  11, "SYSENTER/SYSEXIT" },
    { "pge",  13, "global pages (CR4.PGE)" },
    { "cmov", 15, "CMOVcc, FCMOVcc, FCOMI" },
    { "mmx",  23, "MMX" },
    { "fxsr", 24, "FXSAVE/FXRSTOR" },
    { "sse",  25, "SSE (XMM registers, MXCSR; needs fxsr)" },
    { "sse2", 26, "SSE2" },
    { "sse3", 32, "SSE3 (CPUID.1:ECX bit 0)" },
    { NULL, 0, NULL },
};

/* Features the CPUID bit layout has but this CPU does not implement: named
 * so that "-cpu pentium2,+mmx" says why it is refused. */
static const char *const unimplemented[] = {
    "vme", "de", "pae", "mce", "mtrr", "mca", "pat", "pse36", "psn",
    "clflush", "ds", "acpi", "ss", "ht", "tm", "pbe", NULL,
};

#define F(name) (1u << X86_FEAT_##name)
enum { X86_FEAT_FPU = 0, X86_FEAT_PSE = 3, X86_FEAT_TSC = 4, X86_FEAT_MSR = 5,
       X86_FEAT_CX8 = 8, X86_FEAT_APIC = 9, X86_FEAT_SEP = 11, X86_FEAT_PGE = 13, X86_FEAT_CMOV = 15,
       X86_FEAT_FXSR = 24 };

/* Family/model/stepping as in CPUID.1:EAX (SDM vol. 2A, figure 3-6). */
#define VERSION(family, model, stepping) (((family) << 8) | ((model) << 4) | (stepping))

const X86CPUModel x86_models[] = {
    {
        .name = "486",
        .desc = "Intel 486DX4 (FPU, CPUID)",
        .version = VERSION(4, 8, 0),
        .features = F(FPU),
    },
    {
        .name = "pentium",
        .desc = "Intel Pentium P54C (TSC, MSR, CMPXCHG8B, 4 MiB pages)",
        .version = VERSION(5, 2, 11),
        .features = F(FPU) | F(PSE) | F(TSC) | F(MSR) | F(CX8),
    },
    {
        .name = "pentium2",
        .desc = "Intel Pentium II Deschutes (P6: CMOV, SYSENTER, global pages, FXSR)",
        .version = VERSION(6, 5, 2),
        .features = F(FPU) | F(PSE) | F(TSC) | F(MSR) | F(CX8) | F(SEP) | F(PGE) |
                    F(CMOV) | F(FXSR),
    },
    { .name = NULL },
};

void x86_cpuid(CPUX86State *env, uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c,
               uint32_t *d)
{
    /* A leaf above the highest one returns the highest basic leaf (SDM
     * vol. 2A, CPUID, "If a value entered for CPUID.EAX is higher than the
     * maximum input value..."). */
    if (leaf > env->cpuid_level) {
        leaf = env->cpuid_level;
    }
    switch (leaf) {
    case 0:
        *a = env->cpuid_level;
        memcpy(b, env->vendor, 4);
        memcpy(d, env->vendor + 4, 4);
        memcpy(c, env->vendor + 8, 4);
        break;
    default:
        *a = env->cpuid_version;
        /* EBX[31:24]: the initial APIC ID, which the board makes the CPU's
         * index (SDM vol. 2A, CPUID, table 3-8; QEMU reports it for every
         * model, and SMP guests read it). */
        *b = leaf == 1 && env->cs ? (uint32_t)env->cs->cpu_index << 24 : 0;
        *c = env->cpuid_features_ecx;
        *d = env->cpuid_features | (x86_has_apic(env) ? F(APIC) : 0);
        break;
    }
}

/*
 * The on-chip local APIC is a device of the board (the CPU's "intc" link
 * names it), not a -cpu feature.  CPUID.1:EDX.APIC reports it only while it
 * is there and globally enabled: "when IA32_APIC_BASE[11] is set to 0 ...
 * the CPUID feature flag for the APIC is also set to 0" (SDM vol. 3A,
 * 10.4.3).  The Pentium (P54C) was the first with an on-chip APIC; a 486
 * never reports one (and has no MSRs to reach it).
 */
bool x86_has_apic(CPUX86State *env)
{
    uint64_t base;
    int family = (env->cpuid_version >> 8) & 0xf;
    return family >= 5 && (env->cpuid_features & F(MSR)) &&
           local_apic_get_base(env->intc, &base) && (base & LOCAL_APIC_BASE_ENABLE);
}

/* MSR numbers (SDM vol. 4, table 2-2 and the P6 family table). */
#define MSR_P5_MC_ADDR      0x000
#define MSR_P5_MC_TYPE      0x001
#define MSR_TSC             0x010
#define MSR_PLATFORM_ID     0x017
#define MSR_APIC_BASE       0x01b
#define MSR_BIOS_SIGN_ID    0x08b
#define MSR_SYSENTER_CS     0x174
#define MSR_SYSENTER_ESP    0x175
#define MSR_SYSENTER_EIP    0x176

/* The SYSENTER MSR msr, or NULL (not one, or no SEP). */
static uint32_t *sysenter_msr(CPUX86State *env, uint32_t msr)
{
    if (!(env->cpuid_features & F(SEP))) {
        return NULL;
    }
    switch (msr) {
    case MSR_SYSENTER_CS: return &env->sysenter_cs;
    case MSR_SYSENTER_ESP: return &env->sysenter_esp;
    case MSR_SYSENTER_EIP: return &env->sysenter_eip;
    default: return NULL;
    }
}

bool x86_rdmsr(CPUX86State *env, uint32_t msr, uint64_t *val)
{
    int family = (env->cpuid_version >> 8) & 0xf;
    switch (msr) {
    case MSR_TSC:
        *val = x86_get_tsc(env);
        return true;
    case MSR_P5_MC_ADDR:
    case MSR_P5_MC_TYPE:
        *val = 0;
        return true;
    case MSR_PLATFORM_ID:
    case MSR_BIOS_SIGN_ID:
        /* Microcode revision 0; readable on the P6 family. */
        *val = 0;
        return family >= 6;
    case MSR_APIC_BASE:
        /* Held by the local APIC, if the CPU has one (#GP otherwise). */
        return family >= 5 && local_apic_get_base(env->intc, val);
    default: {
        uint32_t *p = sysenter_msr(env, msr);
        if (p) {
            *val = *p;
        }
        return p != NULL;
    }
    }
}

bool x86_wrmsr(CPUX86State *env, uint32_t msr, uint64_t val)
{
    int family = (env->cpuid_version >> 8) & 0xf;
    switch (msr) {
    case MSR_TSC:
        /* Writing the TSC moves its offset from virtual time. */
        env->tsc_offset = 0;
        env->tsc_offset = (int64_t)(val - x86_get_tsc(env));
        return true;
    case MSR_P5_MC_ADDR:
    case MSR_P5_MC_TYPE:
        return true;
    case MSR_BIOS_SIGN_ID:
        /* Writing 0 before CPUID(1) asks for the microcode revision. */
        return family >= 6;
    case MSR_APIC_BASE:
        /* The APIC refuses reserved bits; relocating or disabling it
         * changes the memory map, which flushes the TLB. */
        return family >= 5 && local_apic_set_base(env->intc, val);
    default: {
        uint32_t *p = sysenter_msr(env, msr);
        if (p) {
            *p = (uint32_t)val;
        }
        return p != NULL;
    }
    }
}

void x86_cpu_apply_model(CPUX86State *env, const X86CPUModel *m)
{
    memcpy(env->vendor, "GenuineIntel", 13);
    env->cpuid_version = m->version;
    env->cpuid_features = m->features;
    env->cpuid_features_ecx = m->features_ecx;
    env->cpuid_level = 1;
    env->tsc_mhz = X86_TSC_MHZ;
}

static const X86Feature *feature_by_name(const char *name)
{
    for (const X86Feature *f = x86_features; f->name; f++) {
        if (!strcmp(f->name, name)) {
            return f;
        }
    }
    return NULL;
}

static bool parse_num(const char *text, uint32_t max, uint32_t *out, const char *what,
                      Error **errp)
{
    uint64_t v;
    if (!cc_parse_uint64(text, &v) || v > max) {
        error_setg(errp, "%s must be a number from 0 to %u, not '%s'", what, max, text);
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

bool x86_cpu_parse_feature_item(CPUX86State *env, const char *item, Error **errp)
{
    const char *eq = strchr(item, '=');
    bool on;
    char *name;
    if (item[0] == '+' || item[0] == '-') {
        on = item[0] == '+';
        name = g_strdup(item + 1);
    } else if (eq) {
        name = g_strndup(item, eq - item);
        const char *val = eq + 1;
        bool ok = true;
        uint32_t n;
        if (!strcmp(name, "family")) {
            /* Families above 15 would need the extended family field. */
            ok = parse_num(val, 15, &n, "family", errp);
            if (ok) {
                env->cpuid_version = (env->cpuid_version & ~0xf00u) | (n << 8);
            }
        } else if (!strcmp(name, "model")) {
            ok = parse_num(val, 15, &n, "model", errp);
            if (ok) {
                env->cpuid_version = (env->cpuid_version & ~0xf0u) | (n << 4);
            }
        } else if (!strcmp(name, "stepping")) {
            ok = parse_num(val, 15, &n, "stepping", errp);
            if (ok) {
                env->cpuid_version = (env->cpuid_version & ~0xfu) | n;
            }
        } else if (!strcmp(name, "tsc-mhz")) {
            ok = parse_num(val, 100000, &n, "tsc-mhz", errp) && n > 0;
            if (ok) {
                env->tsc_mhz = n;
            } else if (errp && !*errp) {
                error_setg(errp, "tsc-mhz must be at least 1");
            }
        } else if (!strcmp(name, "vendor")) {
            if (strlen(val) != 12) {
                error_setg(errp, "vendor must be exactly 12 characters, not '%s'", val);
                ok = false;
            } else {
                memcpy(env->vendor, val, 13);
            }
        } else if (feature_by_name(name)) {
            if (!cc_parse_bool(val, &on)) {
                error_setg(errp, "'%s' takes on or off, not '%s'", name, val);
                ok = false;
            } else {
                g_free(name);
                name = NULL;
                char buf[64];
                g_snprintf(buf, sizeof(buf), "%c%.*s", on ? '+' : '-', (int)(eq - item), item);
                return x86_cpu_parse_feature_item(env, buf, errp);
            }
        } else {
            error_setg(errp, "unknown CPU property '%s' (-cpu help lists them)", name);
            ok = false;
        }
        g_free(name);
        return ok;
    } else {
        on = true;
        name = g_strdup(item);
    }
    const X86Feature *f = feature_by_name(name);
    if (!f && !strcmp(name, "apic")) {
        error_setg(errp, "the APIC flag is not a -cpu feature: CPUID reports it when the "
                   "board gives the CPU a local APIC (-M pc)");
        g_free(name);
        return false;
    }
    if (!f) {
        for (const char *const *u = unimplemented; *u; u++) {
            if (!strcmp(*u, name)) {
                error_setg(errp, "CPU feature '%s' is not implemented by cardcage", name);
                g_free(name);
                return false;
            }
        }
        error_setg(errp, "unknown CPU feature '%s' (-cpu help lists them)", name);
        g_free(name);
        return false;
    }
    g_free(name);
    uint32_t *word = f->bit >= 32 ? &env->cpuid_features_ecx : &env->cpuid_features;
    if (on) {
        *word |= 1u << (f->bit & 31);
    } else {
        *word &= ~(1u << (f->bit & 31));
    }
    return true;
}

void x86_cpu_list_models(FILE *out)
{
    fprintf(out, "Available x86 CPU models (-cpu MODEL):\n");
    for (const X86CPUModel *m = x86_models; m->name; m++) {
        fprintf(out, "  %-10s %s%s\n", m->name, m->desc,
                !strcmp(m->name, X86_DEFAULT_MODEL) ? " (default)" : "");
    }
    fprintf(out, "\nFeatures (-cpu MODEL,+feat,-feat or feat=on|off):\n");
    for (const X86Feature *f = x86_features; f->name; f++) {
        fprintf(out, "  %-10s %s\n", f->name, f->desc);
    }
    fprintf(out, "\nProperties (-cpu MODEL,name=value):\n"
            "  family=N, model=N, stepping=N  the CPUID signature (0..15 each)\n"
            "  vendor=STRING                  the 12-character CPUID vendor\n"
            "  tsc-mhz=N                      the nominal TSC frequency (default %u)\n",
            X86_TSC_MHZ);
}
