/*
 * x86 CPU models and features (x86-cpuid.c), shared with the QOM glue.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_CPU_X86_MODEL_H
#define CORE_CPU_X86_MODEL_H

#include "cpu/x86-internal.h"

/* The nominal TSC frequency in MHz: the TSC counts virtual nanoseconds
 * times this over 1000, so with the default of 1000 it reads as a 1 GHz
 * part whatever the host speed (and exactly reproducibly under -icount). */
#define X86_TSC_MHZ 1000
#define X86_DEFAULT_MODEL "pentium2"

/* The CPUID registers that hold feature flags. */
enum {
    X86_FEAT_1_EDX,             /* CPUID.1:EDX */
    X86_FEAT_1_ECX,             /* CPUID.1:ECX */
    X86_FEAT_8000_0001_EDX,     /* CPUID.80000001H:EDX */
    X86_FEAT_WORDS,
};

typedef struct X86Feature {
    const char *name;
    int word;                   /* X86_FEAT_* */
    int bit;
    const char *desc;
} X86Feature;

/*
 * A model is defined with the flags of the part it names; what CPUID
 * reports is that filtered by what this CPU implements
 * (x86_supported_features), so a model gains a feature when it is
 * implemented, and never advertises one before.
 */
typedef struct X86CPUModel {
    const char *name;
    const char *desc;
    uint32_t version;           /* CPUID.1:EAX */
    uint32_t features[X86_FEAT_WORDS];
    uint32_t level;             /* highest basic leaf (0 means 1) */
    uint32_t xlevel;            /* highest extended leaf, 0 for none */
    const char *model_id;       /* brand string (with xlevel >= 0x80000004) */
} X86CPUModel;

extern const X86Feature x86_features[];   /* NULL-terminated */
extern const X86CPUModel x86_models[];    /* NULL-terminated */
extern const uint32_t x86_supported_features[X86_FEAT_WORDS];

void x86_cpu_apply_model(CPUX86State *env, const X86CPUModel *m);
bool x86_cpu_parse_feature_item(CPUX86State *env, const char *item, Error **errp);
void x86_cpu_list_models(FILE *out);

#endif
