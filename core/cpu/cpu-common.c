/*
 * The generic CPU type: the abstract "cpu" device every CPU model derives
 * from, the list of CPUs, interrupt requests, the debugger's breakpoints,
 * and finding a model's class.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/module.h>
#include <cardcage/system.h>
#include "cpu/cpu.h"

static GList *cpus;

void cpu_interrupt(CPUState *cpu, uint32_t mask)
{
    cpu->interrupt_request |= mask;
    cpu->exit_request = 1;
}

void cpu_reset_interrupt(CPUState *cpu, uint32_t mask)
{
    cpu->interrupt_request &= ~mask;
}

/* ---- breakpoints ---- */

bool cpu_breakpoint_at(const CPUState *cpu, uint64_t pc)
{
    for (int i = 0; i < cpu->nbreakpoints; i++) {
        if (cpu->breakpoints[i] == pc) {
            return true;
        }
    }
    return false;
}

bool cpu_breakpoint_insert(CPUState *cpu, uint64_t pc)
{
    if (cpu_breakpoint_at(cpu, pc)) {
        return true;
    }
    if (cpu->nbreakpoints >= CPU_MAX_BREAKPOINTS) {
        return false;
    }
    cpu->breakpoints[cpu->nbreakpoints++] = pc;
    /* A running CPU may be inside a chain of blocks: make it look. */
    cpu->exit_request = 1;
    return true;
}

bool cpu_breakpoint_remove(CPUState *cpu, uint64_t pc)
{
    for (int i = 0; i < cpu->nbreakpoints; i++) {
        if (cpu->breakpoints[i] == pc) {
            cpu->breakpoints[i] = cpu->breakpoints[--cpu->nbreakpoints];
            return true;
        }
    }
    return false;
}

void cpu_breakpoint_remove_all(CPUState *cpu)
{
    cpu->nbreakpoints = 0;
}

ObjectClass *cpu_class_by_model(const char *base, const char *model)
{
    ObjectClass *bc = object_class_by_name(base);
    if (!bc || !model || !object_class_dynamic_cast(bc, TYPE_CPU)) {
        return NULL;
    }
    const char *suffix = CPU_CLASS(bc)->model_suffix;
    char *name = g_strconcat(model, suffix ? suffix : "", NULL);
    ObjectClass *oc = object_class_by_name(name);
    g_free(name);
    if (!oc || object_class_is_abstract(oc) || !object_class_dynamic_cast(oc, base)) {
        return NULL;
    }
    return oc;
}

static CPUState *current;

void cpu_set_current(CPUState *cpu)
{
    current = cpu;
}

CPUState *cpu_current(void)
{
    return current;
}

int cpu_current_index(void)
{
    return current ? current->cpu_index : 0;
}

CPUState *cpu_by_index(int n)
{
    for (GList *l = cpus; l; l = l->next) {
        if (((CPUState *)l->data)->cpu_index == n) {
            return l->data;
        }
    }
    return NULL;
}

CPUState *cpu_first(void)
{
    return cpus ? cpus->data : NULL;
}

CPUState *cpu_next(CPUState *cpu)
{
    GList *l = g_list_find(cpus, cpu);
    return l && l->next ? l->next->data : NULL;
}

void cpu_list_add(CPUState *cpu)
{
    if (g_list_find(cpus, cpu)) {
        return;
    }
    cpu->cpu_index = (int)g_list_length(cpus);
    cpus = g_list_append(cpus, cpu);
}

void cpu_list_remove(CPUState *cpu)
{
    cpus = g_list_remove(cpus, cpu);
}

static void cpu_instance_init(Object *obj)
{
    CPUState *cpu = CPU(obj);
    cpu->halted = false;
    cpu->stopped = false;
    cpu->interrupt_request = 0;
    cpu->exit_request = 0;
    cpu->insns_executed = 0;
    cpu->as = address_space_memory();
}

static void cpu_instance_finalize(Object *obj)
{
    cpu_list_remove(CPU(obj));
}

static void cpu_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);
    dc->category = DEVICE_CATEGORY_CPU;
    /* The board creates the CPU; -device cannot add one. */
    dc->user_creatable = false;
}

static const TypeInfo cpu_types[] = {
    {
        .name = TYPE_CPU,
        .parent = TYPE_DEVICE,
        .abstract = true,
        .instance_size = sizeof(CPUState),
        .instance_init = cpu_instance_init,
        .instance_finalize = cpu_instance_finalize,
        .class_size = sizeof(CPUClass),
        .class_init = cpu_class_init,
    },
};

DEFINE_TYPES(cpu_types)
