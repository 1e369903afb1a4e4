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

typedef struct X86Feature {
    const char *name;
    int bit;                    /* in CPUID.1:EDX; 32 + n: bit n of CPUID.1:ECX */
    const char *desc;
} X86Feature;

typedef struct X86CPUModel {
    const char *name;
    const char *desc;
    uint32_t version;           /* CPUID.1:EAX */
    uint32_t features;          /* CPUID.1:EDX */
    uint32_t features_ecx;      /* CPUID.1:ECX */
} X86CPUModel;

extern const X86Feature x86_features[];   /* NULL-terminated */
extern const X86CPUModel x86_models[];    /* NULL-terminated */

void x86_cpu_apply_model(CPUX86State *env, const X86CPUModel *m);
bool x86_cpu_parse_feature_item(CPUX86State *env, const char *item, Error **errp);
void x86_cpu_list_models(FILE *out);

#endif
