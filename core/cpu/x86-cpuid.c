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
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <cardcage/error.h>
#include <cardcage/intc.h>
#include <cardcage/timer.h>
#include "cpu/x86-model.h"

/* Every flag -cpu knows by name (QEMU's names, so its command lines work),
 * implemented or not: x86_supported_features says which are. */
const X86Feature x86_features[] = {
    { "fpu",     X86_FEAT_1_EDX, 0,  "x87 FPU on chip" },
    { "vme",     X86_FEAT_1_EDX, 1,  "virtual-8086 mode extensions" },
    { "de",      X86_FEAT_1_EDX, 2,  "debugging extensions (CR4.DE)" },
    { "pse",     X86_FEAT_1_EDX, 3,  "4 MiB pages (CR4.PSE)" },
    { "tsc",     X86_FEAT_1_EDX, 4,  "time stamp counter (RDTSC)" },
    { "msr",     X86_FEAT_1_EDX, 5,  "RDMSR/WRMSR" },
    { "pae",     X86_FEAT_1_EDX, 6,  "physical address extension (CR4.PAE, 36-bit physical)" },
    { "mce",     X86_FEAT_1_EDX, 7,  "machine check exception" },
    { "cx8",     X86_FEAT_1_EDX, 8,  "CMPXCHG8B" },
    { "sep",     X86_FEAT_1_EDX, 11, "SYSENTER/SYSEXIT" },
    { "mtrr",    X86_FEAT_1_EDX, 12, "memory type range registers" },
    { "pge",     X86_FEAT_1_EDX, 13, "global pages (CR4.PGE)" },
    { "mca",     X86_FEAT_1_EDX, 14, "machine check architecture" },
    { "cmov",    X86_FEAT_1_EDX, 15, "CMOVcc, FCMOVcc, FCOMI" },
    { "pat",     X86_FEAT_1_EDX, 16, "page attribute table (IA32_PAT)" },
    { "pse36",   X86_FEAT_1_EDX, 17, "36-bit physical addresses in 4 MiB pages" },
    { "pn",      X86_FEAT_1_EDX, 18, "processor serial number" },
    { "clflush", X86_FEAT_1_EDX, 19, "CLFLUSH" },
    { "ds",      X86_FEAT_1_EDX, 21, "debug store" },
    { "acpi",    X86_FEAT_1_EDX, 22, "thermal monitor and clock control MSRs" },
    { "mmx",     X86_FEAT_1_EDX, 23, "MMX" },
    { "fxsr",    X86_FEAT_1_EDX, 24, "FXSAVE/FXRSTOR" },
    { "sse",     X86_FEAT_1_EDX, 25, "SSE" },
    { "sse2",    X86_FEAT_1_EDX, 26, "SSE2" },
    { "ss",      X86_FEAT_1_EDX, 27, "self snoop" },
    { "ht",      X86_FEAT_1_EDX, 28, "hyper-threading" },
    { "tm",      X86_FEAT_1_EDX, 29, "thermal monitor" },
    { "pbe",     X86_FEAT_1_EDX, 31, "pending break enable" },
    { "pni",     X86_FEAT_1_ECX, 0,  "SSE3 (also named sse3)" },
    { "sse3",    X86_FEAT_1_ECX, 0,  "SSE3" },
    { "monitor", X86_FEAT_1_ECX, 3,  "MONITOR/MWAIT" },
    { "ds-cpl",  X86_FEAT_1_ECX, 4,  "CPL-qualified debug store" },
    { "tm2",     X86_FEAT_1_ECX, 8,  "thermal monitor 2" },
    { "cid",     X86_FEAT_1_ECX, 10, "L1 context ID" },
    { "xtpr",    X86_FEAT_1_ECX, 14, "xTPR update control" },
    { "movbe",   X86_FEAT_1_ECX, 22, "MOVBE (load and store with a byte swap)" },
    { "nx",      X86_FEAT_8000_0001_EDX, 20, "execute disable (EFER.NXE, the XD bit of PAE)" },
    { "xd",      X86_FEAT_8000_0001_EDX, 20, "execute disable (same as nx)" },
    { NULL, 0, 0, NULL },
};

#define F(name) (1u << X86_FEAT_##name)
enum { X86_FEAT_FPU = 0, X86_FEAT_VME = 1, X86_FEAT_DE = 2, X86_FEAT_PSE = 3,
       X86_FEAT_TSC = 4, X86_FEAT_MSR = 5, X86_FEAT_PAE = 6, X86_FEAT_MCE = 7,
       X86_FEAT_CX8 = 8, X86_FEAT_APIC = 9, X86_FEAT_SEP = 11, X86_FEAT_MTRR = 12,
       X86_FEAT_PGE = 13, X86_FEAT_MCA = 14, X86_FEAT_CMOV = 15, X86_FEAT_PAT = 16,
       X86_FEAT_PSE36 = 17, X86_FEAT_CLFLUSH = 19, X86_FEAT_DS = 21, X86_FEAT_ACPI = 22,
       X86_FEAT_MMX = 23, X86_FEAT_FXSR = 24, X86_FEAT_SSE = 25, X86_FEAT_SSE2 = 26,
       X86_FEAT_SS = 27, X86_FEAT_HT = 28, X86_FEAT_TM = 29, X86_FEAT_PBE = 31 };
/* CPUID.1:ECX and CPUID.80000001H:EDX */
#define ECX_SSE3    (1u << 0)
#define ECX_MONITOR (1u << 3)
#define ECX_DSCPL   (1u << 4)
#define ECX_TM2     (1u << 8)
#define ECX_CID     (1u << 10)
#define ECX_XTPR    (1u << 14)
#define ECX_MOVBE   X86_CPUID_ECX_MOVBE
#define EXT2_NX     X86_CPUID_EXT2_NX

/*
 * What this CPU implements.  A model's flags outside this are not
 * reported, and "+name" of one is refused with a message saying so.  (The
 * APIC flag is the board's: CPUID reports it when a local APIC is
 * attached.)
 */
const uint32_t x86_supported_features[X86_FEAT_WORDS] = {
    [X86_FEAT_1_EDX] = F(FPU) | F(PSE) | F(TSC) | F(MSR) | F(PAE) | F(CX8) | F(SEP) |
                       F(MTRR) | F(PGE) | F(CMOV) | F(PAT) | F(PSE36) | F(CLFLUSH) |
                       F(MMX) | F(FXSR) | F(SSE) | F(SSE2),
    [X86_FEAT_1_ECX] = ECX_SSE3 | ECX_MOVBE,
    [X86_FEAT_8000_0001_EDX] = EXT2_NX,
};

/* Family/model/stepping as in CPUID.1:EAX (SDM vol. 2A, figure 3-6). */
#define VERSION(family, model, stepping) (((family) << 8) | ((model) << 4) | (stepping))

/* The Pentium III (Katmai) flags: the P6 set with PAE, MTRR, PAT, PSE-36,
 * MMX and SSE (Intel's "Processor Identification and the CPUID
 * Instruction", AP-485, table 5-5). */
#define P3_EDX (F(FPU) | F(VME) | F(DE) | F(PSE) | F(TSC) | F(MSR) | F(PAE) | F(MCE) | \
                F(CX8) | F(SEP) | F(MTRR) | F(PGE) | F(MCA) | F(CMOV) | F(PAT) |       \
                F(PSE36) | F(MMX) | F(FXSR) | F(SSE))

const X86CPUModel x86_models[] = {
    {
        .name = "486",
        .desc = "Intel 486DX4 (FPU, CPUID)",
        .version = VERSION(4, 8, 0),
        .features = { [X86_FEAT_1_EDX] = F(FPU) },
    },
    {
        .name = "pentium",
        .desc = "Intel Pentium P54C (TSC, MSR, CMPXCHG8B, 4 MiB pages)",
        .version = VERSION(5, 2, 11),
        .features = { [X86_FEAT_1_EDX] = F(FPU) | F(PSE) | F(TSC) | F(MSR) | F(CX8) },
    },
    {
        .name = "pentium2",
        .desc = "Intel Pentium II Deschutes (P6: CMOV, SYSENTER, global pages, FXSR)",
        .version = VERSION(6, 5, 2),
        .features = { [X86_FEAT_1_EDX] = F(FPU) | F(PSE) | F(TSC) | F(MSR) | F(CX8) |
                                         F(SEP) | F(PGE) | F(CMOV) | F(FXSR) },
    },
    {
        .name = "pentium3",
        .desc = "Intel Pentium III Katmai (P6 with PAE, PSE-36, PAT, MTRRs, MMX, SSE)",
        .version = VERSION(6, 7, 3),
        .features = { [X86_FEAT_1_EDX] = P3_EDX },
        .level = 3,
    },
    {
        /* A Prescott with the XD bit and without EM64T (the 5x0J
         * parts): family 15, model 4, stepping 1. */
        .name = "pentium4",
        .desc = "Intel Pentium 4 Prescott (NetBurst: NX, CLFLUSH, SSE2, SSE3)",
        .version = VERSION(15, 4, 1),
        .features = {
            [X86_FEAT_1_EDX] = P3_EDX | F(CLFLUSH) | F(DS) | F(ACPI) | F(SSE2) | F(SS) |
                               F(HT) | F(TM) | F(PBE),
            [X86_FEAT_1_ECX] = ECX_SSE3 | ECX_MONITOR | ECX_DSCPL | ECX_CID | ECX_XTPR,
            [X86_FEAT_8000_0001_EDX] = EXT2_NX,
        },
        .level = 5,
        .xlevel = 0x80000008,
        .model_id = "Intel(R) Pentium(R) 4 CPU 3.20GHz",
    },
    {
        /* QEMU's default for qemu-system-i386 (target/i386/cpu.c):
         * level 4, family 6 model 6 stepping 3, the P6 flags QEMU calls
         * PPRO_FEATURES (with PAE, PAT, MMX, SSE, SSE2, no MTRR, no
         * PSE-36), SSE3, extended leaves to 80000004H and no NX. */
        .name = "qemu32",
        .desc = "QEMU Virtual CPU, QEMU's default for qemu-system-i386",
        .version = VERSION(6, 6, 3),
        .features = {
            [X86_FEAT_1_EDX] = F(FPU) | F(DE) | F(PSE) | F(TSC) | F(MSR) | F(MCE) | F(CX8) |
                               F(PGE) | F(CMOV) | F(PAT) | F(FXSR) | F(MMX) | F(SSE) |
                               F(SSE2) | F(PAE) | F(SEP),
            [X86_FEAT_1_ECX] = ECX_SSE3,
        },
        .level = 4,
        .xlevel = 0x80000004,
        .model_id = "QEMU Virtual CPU version 2.5+",
    },
    {
        .name = "max",
        .desc = "every feature cardcage implements, as a Pentium 4",
        .version = VERSION(15, 4, 1),
        .features = { ~0u, ~0u, ~0u },
        .level = 5,
        .xlevel = 0x80000008,
        .model_id = "cardcage max CPU",
    },
    { .name = NULL },
};

static uint32_t *feature_word(CPUX86State *env, int word)
{
    switch (word) {
    case X86_FEAT_1_ECX: return &env->cpuid_ext_features;
    case X86_FEAT_8000_0001_EDX: return &env->cpuid_ext2_features;
    default: return &env->cpuid_features;
    }
}

/* The brand string's 4-byte piece i (0..11) of leaves 80000002H..4. */
static uint32_t brand_dword(CPUX86State *env, int i)
{
    uint32_t v = 0;
    for (int k = 3; k >= 0; k--) {
        v = (v << 8) | (uint8_t)env->model_id[i * 4 + k];
    }
    return v;
}

void x86_cpuid(CPUX86State *env, uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c,
               uint32_t *d)
{
    /* A leaf above the highest one, basic or extended, returns the highest
     * basic leaf (SDM vol. 2A, CPUID, "If a value entered for CPUID.EAX is
     * higher than the maximum input value..."). */
    if (leaf >= 0x80000000u ? leaf > env->cpuid_xlevel : leaf > env->cpuid_level) {
        leaf = env->cpuid_level;
    }
    *a = *b = *c = *d = 0;
    switch (leaf) {
    case 0:
        *a = env->cpuid_level;
        memcpy(b, env->vendor, 4);
        memcpy(d, env->vendor + 4, 4);
        memcpy(c, env->vendor + 8, 4);
        break;
    case 1:
        *a = env->cpuid_version;
        /* EBX[31:24]: the initial APIC ID, which the board makes the CPU's
         * index (SDM vol. 2A, CPUID, table 3-8; QEMU reports it for every
         * model, and SMP guests read it). */
        *b = env->cs ? (uint32_t)env->cs->cpu_index << 24 : 0;
        /* EBX[15:8]: the CLFLUSH line size in 8-byte units, valid with the
         * CLFLUSH flag: 64 bytes, as the Pentium 4 and QEMU report. */
        if (env->cpuid_features & F(CLFLUSH)) {
            *b |= 8u << 8;
        }
        *c = env->cpuid_ext_features;
        *d = env->cpuid_features | (x86_has_apic(env) ? F(APIC) : 0);
        break;
    case 2:
        /* Cache descriptors: AL = 1 (one call gives all), and none (0 is
         * the null descriptor): there is no cache. */
        *a = 1;
        break;
    case 0x80000000u:
        *a = env->cpuid_xlevel;
        break;
    case 0x80000001u:
        *d = env->cpuid_ext2_features;
        break;
    case 0x80000002u: case 0x80000003u: case 0x80000004u: {
        int i = (int)(leaf - 0x80000002u) * 4;
        *a = brand_dword(env, i);
        *b = brand_dword(env, i + 1);
        *c = brand_dword(env, i + 2);
        *d = brand_dword(env, i + 3);
        break;
    }
    case 0x80000008u:
        /* Physical and linear address sizes (SDM vol. 2A, CPUID, table
         * 3-8): MAXPHYADDR and 32. */
        *a = (uint32_t)x86_maxphyaddr(env) | (32u << 8);
        break;
    default:
        /* Leaves 3 (serial number), 4 (cache parameters: type 0, no more
         * caches), 5 (MONITOR sizes), 80000005H..7H: all zero. */
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
#define MSR_MTRRCAP         0x0fe
#define MSR_MISC_ENABLE     0x1a0
#define MSR_MTRR_PHYSBASE0  0x200   /* ..0x20f: base/mask pairs */
#define MSR_MTRR_FIX64K     0x250
#define MSR_MTRR_FIX16K_80  0x258
#define MSR_MTRR_FIX16K_A0  0x259
#define MSR_MTRR_FIX4K_C0   0x268   /* ..0x26f */
#define MSR_PAT             0x277
#define MSR_MTRR_DEF_TYPE   0x2ff
#define MSR_EFER            0xc0000080u

/* IA32_MTRRCAP (SDM vol. 3A, 11.11.1): VCNT 8 variable ranges, FIX
 * (fixed ranges), WC (write-combining); read-only. */
#define MTRRCAP_VALUE       (X86_MTRR_VAR | (1u << 8) | (1u << 10))
/* IA32_MTRR_DEF_TYPE: the type in 7:0, FE (10), E (11). */
#define MTRR_DEF_DEFINED    0xcffull
/* IA32_MISC_ENABLE of a Pentium 4 (SDM vol. 4, table 2-2): fast strings
 * (0), branch trace storage unavailable (11), PEBS unavailable (12).
 * Performance monitoring (7) reads 0: there are no counters, and Linux
 * then leaves the NetBurst PMU alone. */
#define MISC_ENABLE_RESET   ((1ull << 0) | (1ull << 11) | (1ull << 12))
/* Bits a write changes: fast strings.  The others (among them XD
 * disable, bit 34, which Linux clears) keep their value. */
#define MISC_ENABLE_WRITABLE (1ull << 0)

/* Memory types an MTRR may hold: UC 0, WC 1, WT 4, WP 5, WB 6 (SDM
 * vol. 3A, table 11-8); 2, 3 and 7 and above are reserved. */
static bool mtrr_type_ok(uint64_t t)
{
    return t == 0 || t == 1 || (t >= 4 && t <= 6);
}

/* Every byte of a fixed-range MTRR is a type of its own. */
static bool mtrr_fixed_ok(uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        if (!mtrr_type_ok((v >> (8 * i)) & 0xff)) {
            return false;
        }
    }
    return true;
}

/* The PAT's eight entries (SDM vol. 3A, 11.12.2, table 11-10): UC, WC,
 * WT, WP, WB, UC-; 2 and 3 and bits 3..7 of each byte are reserved. */
static bool pat_ok(uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        uint64_t t = (v >> (8 * i)) & 0xff;
        if (t == 2 || t == 3 || t > 7) {
            return false;
        }
    }
    return true;
}

/* The fixed-range MTRR msr as an index into env->mtrr_fixed, or -1. */
static int mtrr_fixed_index(uint32_t msr)
{
    if (msr == MSR_MTRR_FIX64K) {
        return 0;
    }
    if (msr == MSR_MTRR_FIX16K_80 || msr == MSR_MTRR_FIX16K_A0) {
        return 1 + (int)(msr - MSR_MTRR_FIX16K_80);
    }
    if (msr >= MSR_MTRR_FIX4K_C0 && msr < MSR_MTRR_FIX4K_C0 + 8) {
        return 3 + (int)(msr - MSR_MTRR_FIX4K_C0);
    }
    return -1;
}

/* The MTRR state msr names, or NULL (not an MTRR, or no MTRRs). */
static uint64_t *mtrr_reg(CPUX86State *env, uint32_t msr)
{
    if (!(env->cpuid_features & F(MTRR))) {
        return NULL;
    }
    if (msr == MSR_MTRR_DEF_TYPE) {
        return &env->mtrr_deftype;
    }
    if (msr >= MSR_MTRR_PHYSBASE0 && msr < MSR_MTRR_PHYSBASE0 + 2 * X86_MTRR_VAR) {
        return &env->mtrr_var[msr - MSR_MTRR_PHYSBASE0];
    }
    int i = mtrr_fixed_index(msr);
    return i >= 0 ? &env->mtrr_fixed[i] : NULL;
}

/* Whether val may be written to the MTRR msr: reserved bits clear and
 * valid types (SDM vol. 3A, 11.11.2: #GP otherwise). */
static bool mtrr_write_ok(CPUX86State *env, uint32_t msr, uint64_t val)
{
    /* Bits MAXPHYADDR..63 of the variable ranges are reserved. */
    uint64_t above = ~0ull << x86_maxphyaddr(env);
    if (msr == MSR_MTRR_DEF_TYPE) {
        return !(val & ~MTRR_DEF_DEFINED) && mtrr_type_ok(val & 0xff);
    }
    if (msr >= MSR_MTRR_PHYSBASE0 && msr < MSR_MTRR_PHYSBASE0 + 2 * X86_MTRR_VAR) {
        if ((msr - MSR_MTRR_PHYSBASE0) & 1) {
            /* PhysMask: the mask from bit 12, V in bit 11. */
            return !(val & (above | 0x7ffull));
        }
        /* PhysBase: the type in 7:0, the base from bit 12. */
        return !(val & (above | 0xf00ull)) && mtrr_type_ok(val & 0xff);
    }
    return mtrr_fixed_ok(val);
}

void x86_msr_reset(CPUX86State *env)
{
    /* The PAT's power-up value: WB, WT, UC-, UC twice (SDM vol. 3A,
     * 11.12.4); MTRRs disabled and zero; EFER zero. */
    env->pat = 0x0007040600070406ull;
    env->mtrr_deftype = 0;
    memset(env->mtrr_fixed, 0, sizeof(env->mtrr_fixed));
    memset(env->mtrr_var, 0, sizeof(env->mtrr_var));
    env->efer = 0;
    env->misc_enable = MISC_ENABLE_RESET;
}

bool x86_msr_state_check(CPUX86State *env, Error **errp)
{
    if (env->efer & ~(uint64_t)EFER_NXE) {
        error_setg(errp, "IA32_EFER 0x%" PRIx64 ": reserved bits set", env->efer);
        return false;
    }
    if (!pat_ok(env->pat)) {
        error_setg(errp, "IA32_PAT 0x%" PRIx64 ": reserved memory type", env->pat);
        return false;
    }
    uint32_t msr[1 + X86_MTRR_FIXED + 2 * X86_MTRR_VAR];
    uint64_t val[1 + X86_MTRR_FIXED + 2 * X86_MTRR_VAR];
    int n = 0;
    msr[n] = MSR_MTRR_DEF_TYPE;
    val[n++] = env->mtrr_deftype;
    for (int i = 0; i < 2 * X86_MTRR_VAR; i++) {
        msr[n] = MSR_MTRR_PHYSBASE0 + i;
        val[n++] = env->mtrr_var[i];
    }
    static const uint32_t fixed[X86_MTRR_FIXED] = {
        MSR_MTRR_FIX64K, MSR_MTRR_FIX16K_80, MSR_MTRR_FIX16K_A0,
        MSR_MTRR_FIX4K_C0, MSR_MTRR_FIX4K_C0 + 1, MSR_MTRR_FIX4K_C0 + 2,
        MSR_MTRR_FIX4K_C0 + 3, MSR_MTRR_FIX4K_C0 + 4, MSR_MTRR_FIX4K_C0 + 5,
        MSR_MTRR_FIX4K_C0 + 6, MSR_MTRR_FIX4K_C0 + 7,
    };
    for (int i = 0; i < X86_MTRR_FIXED; i++) {
        msr[n] = fixed[i];
        val[n++] = env->mtrr_fixed[i];
    }
    for (int i = 0; i < n; i++) {
        if (!mtrr_write_ok(env, msr[i], val[i])) {
            error_setg(errp, "MTRR 0x%x = 0x%" PRIx64 ": reserved bits or memory type",
                       msr[i], val[i]);
            return false;
        }
    }
    return true;
}

/* IA32_EFER exists on a 32-bit processor when it has the XD bit. */
static bool has_efer(CPUX86State *env)
{
    return env->cpuid_ext2_features & EXT2_NX;
}

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
    case MSR_MTRRCAP:
        *val = MTRRCAP_VALUE;
        return (env->cpuid_features & F(MTRR)) != 0;
    case MSR_PAT:
        *val = env->pat;
        return (env->cpuid_features & F(PAT)) != 0;
    case MSR_EFER:
        *val = env->efer;
        return has_efer(env);
    case MSR_MISC_ENABLE:
        *val = env->misc_enable;
        return family == 15;
    default: {
        uint64_t *m = mtrr_reg(env, msr);
        if (m) {
            *val = *m;
            return true;
        }
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
    case MSR_PAT:
        /* Memory types are bookkeeping only (there is no cache), so a
         * change needs no flush. */
        if (!(env->cpuid_features & F(PAT)) || !pat_ok(val)) {
            return false;
        }
        env->pat = val;
        return true;
    case MSR_EFER:
        /* Only NXE; the TLB holds execute permissions, which NXE changes
         * (SDM vol. 3A, 4.1.3). */
        if (!has_efer(env) || (val & ~(uint64_t)EFER_NXE)) {
            return false;
        }
        if ((val ^ env->efer) & EFER_NXE) {
            x86_tlb_flush(env);
        }
        env->efer = val;
        return true;
    case MSR_MISC_ENABLE:
        if (family != 15) {
            return false;
        }
        env->misc_enable = (env->misc_enable & ~MISC_ENABLE_WRITABLE) |
                           (val & MISC_ENABLE_WRITABLE);
        return true;
    case MSR_MTRRCAP:
        return false;
    default: {
        uint64_t *m = mtrr_reg(env, msr);
        if (m) {
            if (!mtrr_write_ok(env, msr, val)) {
                return false;
            }
            *m = val;
            return true;
        }
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
    for (int w = 0; w < X86_FEAT_WORDS; w++) {
        *feature_word(env, w) = m->features[w] & x86_supported_features[w];
    }
    env->cpuid_level = m->level ? m->level : 1;
    env->cpuid_xlevel = m->xlevel;
    g_strlcpy(env->model_id, m->model_id ? m->model_id : "", sizeof(env->model_id));
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
        error_setg(errp, "unknown CPU feature '%s' (-cpu help lists them)", name);
        g_free(name);
        return false;
    }
    uint32_t bit = 1u << f->bit;
    if (on && !(x86_supported_features[f->word] & bit)) {
        error_setg(errp, "CPU feature '%s' is not implemented by cardcage", name);
        g_free(name);
        return false;
    }
    g_free(name);
    uint32_t *word = feature_word(env, f->word);
    *word = on ? (*word | bit) : (*word & ~bit);
    if (f->word == X86_FEAT_8000_0001_EDX && on && env->cpuid_xlevel < 0x80000001u) {
        /* The flag is in an extended leaf, which must then exist. */
        env->cpuid_xlevel = 0x80000001u;
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
        if (x86_supported_features[f->word] & (1u << f->bit)) {
            fprintf(out, "  %-10s %s\n", f->name, f->desc);
        }
    }
    fprintf(out, "\nNot implemented (a model that has them does not report them):\n ");
    for (const X86Feature *f = x86_features; f->name; f++) {
        if (!(x86_supported_features[f->word] & (1u << f->bit))) {
            fprintf(out, " %s", f->name);
        }
    }
    fprintf(out, "\n");
    fprintf(out, "\nProperties (-cpu MODEL,name=value):\n"
            "  family=N, model=N, stepping=N  the CPUID signature (0..15 each)\n"
            "  vendor=STRING                  the 12-character CPUID vendor\n"
            "  tsc-mhz=N                      the nominal TSC frequency (default %u)\n",
            X86_TSC_MHZ);
}
