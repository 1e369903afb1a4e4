/*
 * The bare CPU of the differential CPU tests (flat32.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/module.h>
#include "cpu/x86-model.h"
#include "flat32.h"

void flat32_open(Flat32 *e, uint32_t mem_size)
{
    module_call_init(MODULE_INIT_QOM);
    MemoryRegion *root = g_new0(MemoryRegion, 1), *ram = g_new0(MemoryRegion, 1);
    memory_region_init(root, NULL, "flat32", UINT64_MAX);
    memory_region_init_ram(ram, NULL, "flat32.ram", mem_size, &error_abort);
    memory_region_add_subregion(root, 0, ram);
    AddressSpace *as = address_space_new(root, "flat32");
    e->mem = memory_region_get_ram_ptr(ram);
    e->mem_size = mem_size;
    e->cpu = X86_CPU(object_new(X86_DEFAULT_MODEL X86_CPU_MODEL_SUFFIX));
    e->env = &e->cpu->env;
    x86_env_init(e->env, CPU(e->cpu), as, address_space_io());
}

void flat32_tables(uint8_t *mem)
{
    /* GDT: null, flat code 0x08, flat data 0x10. */
    uint64_t gdt[3] = { 0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull };
    memcpy(mem + FLAT32_GDT, gdt, sizeof(gdt));
    /* IDT: 32 interrupt gates to the HLT stubs. */
    for (int v = 0; v < 32; v++) {
        uint32_t off = FLAT32_STUBS + v * 16;
        uint32_t lo = (0x08u << 16) | (off & 0xffff);
        uint32_t hi = (off & 0xffff0000u) | 0x8e00;
        memcpy(mem + FLAT32_IDT + v * 8, &lo, 4);
        memcpy(mem + FLAT32_IDT + v * 8 + 4, &hi, 4);
        mem[FLAT32_STUBS + v * 16] = 0xf4;
    }
}

int flat32_vector_of(uint32_t eip)
{
    if (eip > FLAT32_STUBS && eip <= FLAT32_STUBS + 32 * 16) {
        return (eip - 1 - FLAT32_STUBS) / 16;
    }
    return -1;
}

void flat32_run(Flat32 *e, uint32_t eip, const uint32_t regs[8], uint32_t eflags,
                uint32_t cr4, uint32_t max_code)
{
    CPUX86State *env = e->env;
    x86_tb_invalidate_phys(env, 0, max_code);
    x86_cpu_reset_state(env);
    X86Flat32State fs = { .eip = eip, .cs_sel = 0x08, .ds_sel = 0x10,
                          .gdt_base = FLAT32_GDT, .gdt_limit = 3 * 8 - 1 };
    memcpy(fs.regs, regs, sizeof(fs.regs));
    x86_cpu_load_flat32(e->cpu, &fs);
    env->cr[0] |= CR0_NE;
    env->cr[4] = cr4;
    env->idt.base = FLAT32_IDT;
    env->idt.limit = 32 * 8 - 1;
    x86_set_eflags(env, eflags, ~0u);
    CPUState *cs = env->cs;
    uint64_t start = cs->insns_executed;
    while (!cs->halted && cs->insns_executed - start < 100000) {
        x86_cpu_exec(env, 100000);
    }
}
