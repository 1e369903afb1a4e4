/*
 * Runs a small bare-metal guest program on the x86 CPU and checks the state
 * it ends in.  Used by the protected-mode tests in tests/cpu/guest/.
 *
 *   guestrun BINARY SOURCE [--max-insns N] [--cpu MODEL[,+FEATURE...]] [--trace]
 *
 * BINARY is a flat image loaded at physical 0x10000; the CPU starts from
 * its reset state in real mode at 1000:0000 with 16 MiB of RAM in an
 * address space of its own.  Port 0xE9 prints the byte written to it.  The
 * program ends with HLT with interrupts off (or a triple fault).  Port 0xEA
 * stands in for an interrupt controller, for the tests of when interrupts
 * are recognised: a 16-bit write of (D << 8) | V raises INTR with vector V
 * once D more instructions have completed after the OUT (at once for D =
 * 0), and the CPU's acknowledge lowers it.  SOURCE is
 * the program's assembly text: every line of the form
 *
 *     ;! WHAT = VALUE
 *
 * is an expectation checked at the end, where WHAT is a register (eax ...
 * edi, eip, eflags, cs ... gs, cr0, cr2, cr3, cr4, cpl, ferr), mem8[ADDR],
 * mem16[ADDR], mem32[ADDR], "halted" or "shutdown" (0 or 1), and VALUE a
 * number (C syntax).  Exit status 0 when all hold, 1 otherwise.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cardcage/intc.h>
#include <cardcage/module.h>
#include "cpu/x86-internal.h"
#include "cpu/x86-model.h"
#include "util/log-internal.h"

#define RAM_SIZE (16u << 20)
#define LOAD_ADDR 0x10000u

typedef struct Guest {
    X86CPU *cpu;
    CPUX86State *env;
    uint8_t *ram;
    GString *console;
    int irq_vector;         /* port 0xEA: the vector INTR stands for */
    uint64_t irq_at;        /* raise INTR at this instruction count (0: no) */
} Guest;

static Guest *the_guest;

static int irq_port_ack(Object *obj)
{
    cpu_reset_interrupt(CPU(the_guest->cpu), CPU_INTERRUPT_HARD);
    return the_guest->irq_vector;
}

static void irq_port_class_init(ObjectClass *klass, void *data)
{
    InterruptAckClass *iac = OBJECT_CLASS_CHECK(InterruptAckClass, klass, TYPE_INTERRUPT_ACK);
    iac->ack = irq_port_ack;
}

static const TypeInfo irq_port_type = {
    .name = "guestrun-irq-port",
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(Object),
    .class_init = irq_port_class_init,
    .interfaces = (const InterfaceInfo[]) {
        { TYPE_INTERRUPT_ACK },
        { NULL },
    },
};

static void irq_port_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    Guest *g = opaque;
    unsigned delay = (val >> 8) & 0xff;
    g->irq_vector = val & 0xff;
    if (delay == 0) {
        cpu_interrupt(CPU(g->cpu), CPU_INTERRUPT_HARD);
    } else {
        /* The run loop raises it: end the slice at this block's end. */
        g->irq_at = x86_insns_now(g->env) + 1 + delay;
        cpu_interrupt(CPU(g->cpu), CPU_INTERRUPT_EXIT);
    }
}

static uint64_t irq_port_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static const MemoryRegionOps irq_port_ops = {
    .read = irq_port_read,
    .write = irq_port_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .impl = { .min_access_size = 2, .max_access_size = 2 },
};

static void e9_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    Guest *g = opaque;
    g_string_append_c(g->console, (char)val);
    putchar((int)val);
    fflush(stdout);
}

static uint64_t e9_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0xe9;
}

static const MemoryRegionOps e9_ops = {
    .read = e9_read,
    .write = e9_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static bool value_of(Guest *g, const char *what, uint64_t *out)
{
    static const char *const gpr[] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
    static const char *const sreg[] = { "es", "cs", "ss", "ds", "fs", "gs" };
    CPUX86State *env = g->env;
    for (int i = 0; i < 8; i++) {
        if (!strcmp(what, gpr[i])) {
            *out = env->regs[i];
            return true;
        }
    }
    for (int i = 0; i < 6; i++) {
        if (!strcmp(what, sreg[i])) {
            *out = env->segs[i].sel;
            return true;
        }
    }
    unsigned long addr;
    char kind[8];
    if (sscanf(what, "mem%7[0-9][%li]", kind, (long *)&addr) == 2) {
        int bits = atoi(kind);
        if ((bits != 8 && bits != 16 && bits != 32) || addr + bits / 8 > RAM_SIZE) {
            return false;
        }
        uint32_t v = 0;
        memcpy(&v, g->ram + addr, bits / 8);
        *out = v;
        return true;
    }
    if (!strcmp(what, "eip")) {
        *out = env->eip;
    } else if (!strcmp(what, "eflags")) {
        *out = x86_get_eflags(env);
    } else if (!strcmp(what, "cr0") || !strcmp(what, "cr2") || !strcmp(what, "cr3") ||
               !strcmp(what, "cr4")) {
        *out = env->cr[what[2] - '0'];
    } else if (!strcmp(what, "cpl")) {
        *out = env->cpl;
    } else if (!strcmp(what, "ferr")) {
        *out = env->ferr;
    } else if (!strcmp(what, "halted")) {
        *out = env->cs->halted && !env->shutdown;
    } else if (!strcmp(what, "shutdown")) {
        *out = env->shutdown;
    } else {
        return false;
    }
    return true;
}

/* Check every ";! WHAT = VALUE" line of the source; returns failures, or
 * -1 when the source has no expectation at all. */
static int check_expectations(Guest *g, const char *src_path)
{
    char *text;
    if (!g_file_get_contents(src_path, &text, NULL, NULL)) {
        fprintf(stderr, "guestrun: cannot read %s\n", src_path);
        return -1;
    }
    int checks = 0, failures = 0;
    char **lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        const char *p = strstr(*l, ";!");
        if (!p) {
            continue;
        }
        char what[64];
        char value[64];
        if (sscanf(p + 2, " %63[^= ] = %63s", what, value) != 2) {
            printf("BAD   expectation line: %s\n", *l);
            failures++;
            continue;
        }
        uint64_t want = strtoull(value, NULL, 0), got;
        checks++;
        if (!value_of(g, what, &got)) {
            printf("BAD   unknown item '%s'\n", what);
            failures++;
        } else if (got != want) {
            printf("FAIL  %s = 0x%" PRIx64 ", expected 0x%" PRIx64 "\n", what, got, want);
            failures++;
        } else {
            printf("ok    %s = 0x%" PRIx64 "\n", what, got);
        }
    }
    g_strfreev(lines);
    g_free(text);
    return checks ? failures : -1;
}

int main(int argc, char **argv)
{
    const char *bin = NULL, *src = NULL, *model = X86_DEFAULT_MODEL;
    uint64_t max_insns = 50000000;
    bool trace = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--max-insns") && i + 1 < argc) {
            max_insns = strtoull(argv[++i], NULL, 0);
        } else if (!strcmp(argv[i], "--cpu") && i + 1 < argc) {
            model = argv[++i];
        } else if (!strcmp(argv[i], "--trace")) {
            trace = true;
        } else if (!strcmp(argv[i], "--jit-verify")) {
            /* every compiled block also interpreted and compared */
            log_enabled_mask |= LOG_JIT_VERIFY;
        } else if (!bin) {
            bin = argv[i];
        } else if (!src) {
            src = argv[i];
        } else {
            bin = NULL;
            break;
        }
    }
    if (!bin || !src) {
        fprintf(stderr, "usage: guestrun BINARY SOURCE [--max-insns N] [--cpu MODEL] "
                "[--trace] [--jit-verify]\n");
        return 2;
    }
    gchar *image;
    gsize image_len;
    if (!g_file_get_contents(bin, &image, &image_len, NULL) ||
        image_len > RAM_SIZE - LOAD_ADDR) {
        fprintf(stderr, "guestrun: cannot load %s\n", bin);
        return 2;
    }

    Guest g = { .console = g_string_new(NULL) };
    module_call_init(MODULE_INIT_QOM);
    MemoryRegion *root = g_new0(MemoryRegion, 1), *ram = g_new0(MemoryRegion, 1);
    memory_region_init(root, NULL, "guest", UINT64_MAX);
    memory_region_init_ram(ram, NULL, "guest.ram", RAM_SIZE, &error_abort);
    memory_region_add_subregion(root, 0, ram);
    AddressSpace *as = address_space_new(root, "guest");
    MemoryRegion *e9 = g_new0(MemoryRegion, 1);
    memory_region_init_io(e9, NULL, &e9_ops, &g, "debugcon", 1);
    memory_region_add_subregion(memory_get_system_io(), 0xe9, e9);
    the_guest = &g;
    type_register_static(&irq_port_type);
    MemoryRegion *irq_port = g_new0(MemoryRegion, 1);
    memory_region_init_io(irq_port, NULL, &irq_port_ops, &g, "irq-port", 2);
    memory_region_add_subregion(memory_get_system_io(), 0xea, irq_port);
    g.ram = memory_region_get_ram_ptr(ram);
    memcpy(g.ram + LOAD_ADDR, image, image_len);
    g_free(image);

    /* MODEL[,FEATURE...]: the features as -cpu takes them. */
    char **parts = g_strsplit(model, ",", -1);
    char *type = g_strconcat(parts[0], X86_CPU_MODEL_SUFFIX, NULL);
    Object *obj = object_new_checked(type, NULL);
    g_free(type);
    if (!obj) {
        fprintf(stderr, "guestrun: unknown CPU model %s\n", parts[0]);
        return 2;
    }
    g.cpu = X86_CPU(obj);
    g.env = &g.cpu->env;
    for (int i = 1; parts[i]; i++) {
        Error *err = NULL;
        if (!x86_cpu_parse_feature_item(g.env, parts[i], &err)) {
            fprintf(stderr, "guestrun: %s\n", error_get_pretty(err));
            error_free(err);
            return 2;
        }
    }
    g_strfreev(parts);
    x86_env_init(g.env, CPU(g.cpu), as, address_space_io());
    x86_cpu_reset_state(g.env);
    x86_load_seg_real(g.env, R_CS, LOAD_ADDR >> 4);
    g.env->eip = 0;
    g.env->intc = object_new(irq_port_type.name);

    CPUState *cs = CPU(g.cpu);
    while (!cs->halted && !g.env->shutdown && cs->insns_executed < max_insns) {
        int64_t budget = trace ? 1 : 100000;
        if (g.irq_at && cs->insns_executed >= g.irq_at) {
            g.irq_at = 0;
            cpu_interrupt(cs, CPU_INTERRUPT_HARD);
        } else if (g.irq_at) {
            budget = MIN(budget, (int64_t)(g.irq_at - cs->insns_executed));
        }
        x86_cpu_exec(g.env, budget);
        if (trace) {
            fprintf(stderr, "%08" PRIx64 ": %04x:%08x\n", cs->insns_executed,
                    g.env->segs[R_CS].sel, g.env->eip);
        }
    }
    printf("\n-- after %" PRIu64 " instructions:\n", cs->insns_executed);
    x86_cpu_dump_state(g.env, stdout);
    if (cs->halted && (g.env->eflags & IF_MASK) && !g.env->shutdown) {
        printf("FAIL  halted with interrupts enabled (nothing will wake it)\n");
    }
    int failures = check_expectations(&g, src);
    if (failures < 0) {
        printf("FAIL  %s has no ';!' expectations\n", src);
        return 1;
    }
    if (x86_jit_verify_failures) {
        printf("FAIL  %u compiled block(s) differ from the interpreter (-d jit-verify)\n",
               x86_jit_verify_failures);
        failures++;
    }
    printf("%s: %d expectation(s) failed\n", src, failures);
    return failures ? 1 : 0;
}
