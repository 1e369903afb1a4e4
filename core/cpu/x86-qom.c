/*
 * The x86 CPU as a device: its types (the abstract "x86-cpu" and one type
 * per model), GPIO lines, the "intc" link, realize/reset, and the CPUClass
 * methods the main loop calls.  The execution engine itself knows nothing
 * of this layer.
 *
 * Lines:
 *   in  "intr"   level, INTR from the interrupt controller
 *   in  "nmi"    edge (0 -> 1), NMI
 *   in  "init"   edge (0 -> 1), INIT (from a local APIC)
 *   in  "sipi"   a start-up IPI from the local APIC: level 0x100 | vector
 *                starts an application processor that waits for one
 *   in  "a20"    level, 1 = A20 gate enabled.  The CPU starts with it
 *                enabled, as QEMU and Bochs do: PC firmware expects to
 *                run its first code above 1 MiB aliased at F0000 either
 *                way, and a board that models the gate (8042 output port,
 *                port 92h) drives this line from reset on.
 *   in  "ignne"  level, IGNNE#: while high, FERR# is released
 *   out "ferr"   FERR#: an unmasked x87 exception is pending and CR0.NE=0
 *                (the PC wires it to IRQ13)
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/intc.h>
#include <cardcage/module.h>
#include <cardcage/property.h>
#include "cpu/x86-model.h"
#include "timer/clock-internal.h"


/* ---- GPIO inputs ---- */

static void x86_intr_in(void *opaque, int n, int level)
{
    CPUState *cs = CPU(opaque);
    if (level) {
        cpu_interrupt(cs, CPU_INTERRUPT_HARD);
    } else {
        cpu_reset_interrupt(cs, CPU_INTERRUPT_HARD);
    }
}

static void x86_nmi_in(void *opaque, int n, int level)
{
    X86CPU *cpu = X86_CPU(opaque);
    /* Edge-triggered: latch on the rising edge (SDM vol. 3A, 6.7). */
    if (level && !cpu->nmi_level) {
        cpu_interrupt(CPU(cpu), CPU_INTERRUPT_NMI);
    }
    cpu->nmi_level = level;
}

static void x86_init_in(void *opaque, int n, int level)
{
    X86CPU *cpu = X86_CPU(opaque);
    /* INIT is acted on at the next instruction boundary, on the rising
     * edge (the local APIC pulses it). */
    if (level && !cpu->init_level) {
        cpu_interrupt(CPU(cpu), CPU_INTERRUPT_INIT);
    }
    cpu->init_level = level;
}

/* A start-up IPI from the local APIC: level is 0x100 | the vector. */
static void x86_sipi_in(void *opaque, int n, int level)
{
    X86CPU *cpu = X86_CPU(opaque);
    CPUState *cs = CPU(cpu);
    if (!level) {
        return;
    }
    if ((cs->interrupt_request & CPU_INTERRUPT_INIT) && !cpu->env.cur_tb) {
        /* The INIT before it has not been taken yet (the CPU has not run
         * since): on hardware it acts at once, so take it now. */
        cs->interrupt_request &= ~CPU_INTERRUPT_INIT;
        x86_cpu_init_state(&cpu->env);
    }
    if (!x86_cpu_sipi(&cpu->env, level & 0xff)) {
        log_mask(LOG_GUEST_ERROR, "x86: CPU %d: start-up IPI (page 0x%02x) ignored: not "
                 "waiting for SIPI\n", cs->cpu_index, level & 0xff);
    }
}

static void x86_a20_in(void *opaque, int n, int level)
{
    X86CPU *cpu = X86_CPU(opaque);
    uint32_t mask = level ? 0xffffffffu : ~(1u << 20);
    if (mask != cpu->env.a20_mask) {
        cpu->env.a20_mask = mask;
        /* Every cached translation may now be wrong; leave the running
         * block (no chaining) and refill the TLB. */
        x86_tlb_flush(&cpu->env);
        cpu_interrupt(CPU(cpu), 0);
    }
}

static void x86_ignne_in(void *opaque, int n, int level)
{
    X86CPU *cpu = X86_CPU(opaque);
    cpu->env.ignne = level;
    if (level) {
        x86_set_ferr(&cpu->env, false);
    }
}

/* ---- memory map notifications ---- */

static void x86_map_changed(void *opaque)
{
    X86CPU *cpu = opaque;
    x86_tlb_flush(&cpu->env);
    cpu_interrupt(CPU(cpu), CPU_INTERRUPT_FLUSH);
}

static void x86_code_written(void *opaque, hwaddr addr, hwaddr len)
{
    X86CPU *cpu = opaque;
    if (addr > 0xffffffffu) {
        return;
    }
    if (len > 0x100000000ull - addr) {
        len = 0x100000000ull - addr;
    }
    while (len) {
        uint32_t chunk = len > 0x10000000 ? 0x10000000 : (uint32_t)len;
        x86_tb_invalidate_phys(&cpu->env, (uint32_t)addr, chunk);
        addr += chunk;
        len -= chunk;
    }
}

static void x86_dirty_cleared(void *opaque)
{
    for (unsigned i = 0; i < x86_cpu_count(); i++) {
        x86_tlb_drop_write_tags(x86_cpu_env(i));
    }
}

/* The icount clock counts the instructions of all CPUs, as QEMU's does:
 * they run in turn, so virtual time moves with whichever runs.  In
 * real-time mode the same count paces the clock (at most a microsecond
 * per instruction since the guest last looked, core/timer/clock.c), and
 * there each element of a REP string instruction counts: a guest that
 * fills a 640x480x32 screen with one REP STOSD per frame (0.1 ms of host
 * time each) otherwise saw its clock, and the display refresh timer on
 * it, run at a hundredth of the host's speed. */
static uint64_t x86_icount_source(void *opaque)
{
    bool paced = !clock_icount_enabled();
    uint64_t sum = 0;
    for (unsigned i = 0; i < x86_cpu_count(); i++) {
        CPUX86State *env = x86_cpu_env(i);
        sum += x86_insns_now(env) + (paced ? env->rep_elems : 0);
    }
    return sum;
}

/* ---- CPUClass methods ---- */

static int64_t x86_cpu_exec_cb(CPUState *cs, int64_t max_insns)
{
    return x86_cpu_exec(&X86_CPU(cs)->env, max_insns);
}

static bool x86_cpu_has_work_cb(CPUState *cs)
{
    return x86_cpu_has_work(&X86_CPU(cs)->env);
}

static void x86_cpu_dump_cb(CPUState *cs, FILE *out)
{
    x86_cpu_dump_state(&X86_CPU(cs)->env, out);
}

static struct json_object *x86_cpu_query_registers_cb(CPUState *cs)
{
    return x86_cpu_query_registers(&X86_CPU(cs)->env);
}

static uint64_t x86_cpu_get_insns(CPUState *cs)
{
    return x86_insns_now(&X86_CPU(cs)->env);
}

static bool x86_cpu_parse_feature(CPUState *cs, const char *item, Error **errp)
{
    X86CPU *cpu = X86_CPU(cs);
    if (DEVICE(cs)->realized) {
        error_setg(errp, "CPU features cannot change once the CPU is running");
        return false;
    }
    if (!x86_cpu_parse_feature_item(&cpu->env, item, errp)) {
        return false;
    }
    cpu->env.fpu_present = cpu->env.cpuid_features & 1;
    return true;
}

/* ---- life cycle ---- */

static void x86_cpu_instance_init(Object *obj)
{
    X86CPU *cpu = X86_CPU(obj);
    X86CPUClass *xcc = X86_CPU_GET_CLASS(obj);
    CPUX86State *env = &cpu->env;
    x86_env_init(env, CPU(obj), address_space_memory(), address_space_io());
    if (xcc->model) {
        x86_cpu_apply_model(env, xcc->model);
    }
    env->fpu_present = env->cpuid_features & 1;
    device_init_gpio_in_named(DEVICE(obj), x86_intr_in, "intr", 1);
    device_init_gpio_in_named(DEVICE(obj), x86_nmi_in, "nmi", 1);
    device_init_gpio_in_named(DEVICE(obj), x86_init_in, "init", 1);
    device_init_gpio_in_named(DEVICE(obj), x86_sipi_in, "sipi", 1);
    device_init_gpio_in_named(DEVICE(obj), x86_a20_in, "a20", 1);
    device_init_gpio_in_named(DEVICE(obj), x86_ignne_in, "ignne", 1);
    device_init_gpio_out_named(DEVICE(obj), &cpu->ferr_out, "ferr", 1);
    x86_cpu_reset_state(env);
}

static bool x86_cpu_realize(DeviceState *dev, Error **errp)
{
    X86CPU *cpu = X86_CPU(dev);
    CPUX86State *env = &cpu->env;
    env->intc = cpu->intc_link;
    env->ferr_irq = cpu->ferr_out;
    cpu->map_listener = memory_add_map_listener(x86_map_changed, cpu);
    memory_set_code_write_hook(x86_code_written, cpu);
    memory_set_dirty_clear_hook(x86_dirty_cleared, cpu);
    cpu_list_add(CPU(dev));
    x86_code_coherence_add(env);
    clock_set_icount_source(x86_icount_source, cpu);
    x86_pause_yields = x86_cpu_count() > 1;
    x86_cpu_reset_state(env);
    x86_cpu_enter_wait_sipi(env);
    return true;
}

static void x86_cpu_unrealize(DeviceState *dev)
{
    X86CPU *cpu = X86_CPU(dev);
    if (cpu->map_listener) {
        memory_remove_map_listener(cpu->map_listener);
        cpu->map_listener = NULL;
    }
    x86_code_coherence_remove(&cpu->env);
    cpu_list_remove(CPU(dev));
    x86_pause_yields = x86_cpu_count() > 1;
    if (x86_cpu_count()) {
        /* The hooks serve every CPU: hand them to one that stays. */
        X86CPU *other = X86_CPU(x86_env_cpu(x86_cpu_env(0)));
        memory_set_code_write_hook(x86_code_written, other);
        memory_set_dirty_clear_hook(x86_dirty_cleared, other);
        clock_set_icount_source(x86_icount_source, other);
    } else {
        memory_set_code_write_hook(NULL, NULL);
        memory_set_dirty_clear_hook(NULL, NULL);
        clock_set_icount_source(NULL, NULL);
    }
}

static void x86_cpu_reset(DeviceState *dev)
{
    X86CPU *cpu = X86_CPU(dev);
    cpu->env.intc = cpu->intc_link;
    cpu->env.ferr_irq = cpu->ferr_out;
    x86_cpu_reset_state(&cpu->env);
    x86_cpu_enter_wait_sipi(&cpu->env);
    if (log_enabled(LOG_CPU_RESET)) {
        log_printf("x86: CPU reset\n");
        x86_cpu_dump_state(&cpu->env, stderr);
    }
}

static void x86_cpu_finalize(Object *obj)
{
    X86CPU *cpu = X86_CPU(obj);
    x86_code_cache_free(cpu->env.code);
    cpu->env.code = NULL;
}

static const Property x86_cpu_properties[] = {
    DEFINE_PROP_LINK("intc", X86CPU, intc_link, TYPE_INTERRUPT_ACK,
                     "the interrupt controller asked for the vector (INTA) when "
                     "INTR is accepted; a local APIC also holds MSR IA32_APIC_BASE"),
    DEFINE_PROP_END_OF_LIST(),
};

static void x86_cpu_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);
    CPUClass *cc = CPU_CLASS(oc);
    dc->desc = "x86 CPU";
    dc->vmsd = &vmstate_x86_cpu;
    dc->realize = x86_cpu_realize;
    dc->unrealize = x86_cpu_unrealize;
    dc->reset = x86_cpu_reset;
    device_class_set_props(dc, x86_cpu_properties);
    cc->exec = x86_cpu_exec_cb;
    cc->has_work = x86_cpu_has_work_cb;
    cc->dump_state = x86_cpu_dump_cb;
    cc->query_registers = x86_cpu_query_registers_cb;
    cc->get_insns = x86_cpu_get_insns;
    cc->parse_feature = x86_cpu_parse_feature;
    cc->list = x86_cpu_list_models;
    cc->model_suffix = X86_CPU_MODEL_SUFFIX;
    x86_cpu_gdb_class_init(cc);
}

static void x86_cpu_model_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);
    X86CPUClass *xcc = X86_CPU_CLASS(oc);
    xcc->model = data;
    dc->desc = xcc->model->desc;
}

#define MODEL_TYPE(idx, tname)                                                 \
    {                                                                          \
        .name = tname X86_CPU_MODEL_SUFFIX,                                    \
        .parent = TYPE_X86_CPU,                                                \
        .class_init = x86_cpu_model_class_init,                                \
        .class_data = (void *)&x86_models[idx],                                \
    }

static const TypeInfo x86_cpu_types[] = {
    {
        .name = TYPE_X86_CPU,
        .parent = TYPE_CPU,
        .abstract = true,
        .instance_size = sizeof(X86CPU),
        .instance_init = x86_cpu_instance_init,
        .instance_finalize = x86_cpu_finalize,
        .class_size = sizeof(X86CPUClass),
        .class_init = x86_cpu_class_init,
    },
    /* Same order as x86_models[] (x86-cpuid.c). */
    MODEL_TYPE(0, "486"),
    MODEL_TYPE(1, "pentium"),
    MODEL_TYPE(2, "pentium2"),
    MODEL_TYPE(3, "pentium3"),
    MODEL_TYPE(4, "pentium4"),
    MODEL_TYPE(5, "qemu32"),
    MODEL_TYPE(6, "max"),
};

DEFINE_TYPES(x86_cpu_types)
