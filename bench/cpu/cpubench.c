/*
 * The CPU benchmark: runs the bare-metal guest bench/cpu/bench.asm on the
 * x86 CPU for a fixed number of instructions and prints guest instructions
 * per host second.
 *
 *   cpubench IMAGE [--insns N] [--mix int|fpu|mem]
 *
 * The guest runs with 32 MiB of RAM, through the same exec() path and in
 * slices of the same size as under the emulator's main loop.  The first
 * 20 million instructions warm up the translation cache and are not
 * timed.  The last line is "<mix>: N MIPS".
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cardcage/module.h>
#include "cpu/x86-internal.h"
#include "cpu/x86-model.h"

#define RAM_SIZE (32u << 20)
#define LOAD_ADDR 0x10000u
#define MIX_ADDR 0x500u
#define WARMUP_INSNS 20000000ull
#define SLICE (8u << 20)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *image = NULL, *mix = "int";
    uint64_t insns = 500000000ull;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--insns") && i + 1 < argc) {
            insns = strtoull(argv[++i], NULL, 0);
        } else if (!strcmp(argv[i], "--mix") && i + 1 < argc) {
            mix = argv[++i];
        } else if (!image) {
            image = argv[i];
        } else {
            image = NULL;
            break;
        }
    }
    if (!image || (strcmp(mix, "int") && strcmp(mix, "fpu") && strcmp(mix, "mem"))) {
        fprintf(stderr, "usage: cpubench IMAGE [--insns N] [--mix int|fpu|mem]\n");
        return 2;
    }
    gchar *data;
    gsize len;
    if (!g_file_get_contents(image, &data, &len, NULL) || len > 0x80000) {
        fprintf(stderr, "cpubench: cannot load %s\n", image);
        return 2;
    }
    module_call_init(MODULE_INIT_QOM);
    MemoryRegion *root = g_new0(MemoryRegion, 1), *ram = g_new0(MemoryRegion, 1);
    memory_region_init(root, NULL, "bench", UINT64_MAX);
    if (!memory_region_init_ram(ram, NULL, "bench.ram", RAM_SIZE, NULL)) {
        fprintf(stderr, "cpubench: no memory\n");
        return 1;
    }
    memory_region_add_subregion(root, 0, ram);
    AddressSpace *as = address_space_new(root, "bench");
    uint8_t *mem = memory_region_get_ram_ptr(ram);
    memcpy(mem + LOAD_ADDR, data, len);
    g_free(data);
    mem[MIX_ADDR] = !strcmp(mix, "fpu") ? 1 : !strcmp(mix, "mem") ? 2 : 0;

    X86CPU *cpu = X86_CPU(object_new(X86_DEFAULT_MODEL X86_CPU_MODEL_SUFFIX));
    CPUX86State *env = &cpu->env;
    CPUState *cs = CPU(cpu);
    x86_env_init(env, cs, as, address_space_io());
    x86_cpu_reset_state(env);
    x86_load_seg_real(env, R_CS, LOAD_ADDR >> 4);
    env->eip = 0;

    while (cs->insns_executed < WARMUP_INSNS && !cs->halted && !env->shutdown) {
        x86_cpu_exec(env, SLICE);
    }
    uint64_t start = cs->insns_executed;
    double t0 = now_s();
    while (cs->insns_executed - start < insns && !cs->halted && !env->shutdown) {
        uint64_t left = insns - (cs->insns_executed - start);
        x86_cpu_exec(env, left < SLICE ? left : SLICE);
    }
    double dt = now_s() - t0;
    uint64_t ran = cs->insns_executed - start;
    if (cs->halted || env->shutdown) {
        fprintf(stderr, "cpubench: the guest stopped (%s) at %04x:%08x\n",
                env->shutdown ? "shutdown" : "halted", env->segs[R_CS].sel, env->eip);
        return 1;
    }
    printf("cpu benchmark, %s mix: %" PRIu64 " guest instructions in %.3f s\n", mix, ran, dt);
    printf("%s: %.0f MIPS\n", mix, ran / dt / 1e6);
    return 0;
}
