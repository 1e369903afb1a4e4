/*
 * The generic CPU device, the type every CPU model derives from.  The main
 * loop only knows this interface; core/cpu/x86* implements it.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_CPU_H
#define CORE_CPU_H

#include <stdio.h>
#include <cardcage/device.h>
#include <cardcage/memory.h>

#define TYPE_CPU "cpu"

/* Bits of CPUState.interrupt_request. */
enum {
    CPU_INTERRUPT_HARD  = 1 << 0,   /* INTR line is high */
    CPU_INTERRUPT_NMI   = 1 << 1,   /* NMI edge latched */
    CPU_INTERRUPT_EXIT  = 1 << 2,   /* leave the execution loop */
    CPU_INTERRUPT_FLUSH = 1 << 3,   /* drop translated code and the TLB */
    CPU_INTERRUPT_INIT  = 1 << 4,   /* INIT edge latched (from the local APIC) */
};

#define CPU_MAX_BREAKPOINTS 64

typedef struct CPUState {
    DeviceState parent_obj;
    int cpu_index;
    bool halted;                    /* HLT: waiting for an interrupt */
    bool stopped;                   /* paused by the debugger/monitor */
    uint32_t interrupt_request;     /* CPU_INTERRUPT_* */
    volatile int exit_request;      /* leave exec() at the next block boundary */
    /* Set (atomically, with exit_request) by another thread to make exec
     * return at the next block boundary: host I/O is waiting. */
    int kick;
    uint64_t insns_executed;        /* since creation; drives icount */
    AddressSpace *as;               /* system memory as this CPU sees it */

    /* The debugger's controls (core/gdbstub).  Breakpoints are linear
     * addresses of instructions; exec stops before running one (except
     * the one at bp_resume_pc, once, so that a resumed CPU gets past the
     * breakpoint it stopped at).  With singlestep exec runs one
     * instruction (no interrupt is taken unless the CPU is halted) and
     * then stops.  A stop sets debug_stop; the main loop pauses the
     * machine and tells the debugger. */
    uint64_t breakpoints[CPU_MAX_BREAKPOINTS];
    int nbreakpoints;
    bool singlestep;
    bool debug_stop;
    bool bp_resume;
    uint64_t bp_resume_pc;
} CPUState;

typedef struct CPUClass {
    DeviceClass parent_class;
    /* Run at most max_insns instructions; return how many ran.  Returns
     * early when the CPU halts, exit_request is set, or a reset/shutdown
     * is requested.  insns_executed must be exact when it returns (and
     * during an I/O access, see cpu_sync_icount). */
    int64_t (*exec)(CPUState *cpu, int64_t max_insns);
    /* True when a halted CPU has something to do (a deliverable
     * interrupt). */
    bool (*has_work)(CPUState *cpu);
    void (*dump_state)(CPUState *cpu, FILE *out);
    /* The registers for x-query-registers: an array of groups
     * {"name": str|null, "registers": [{"name", "value", "bits"} or
     * {"name", "text"}]}. */
    struct json_object *(*query_registers)(CPUState *cpu);
    /* Instructions executed so far, exact even in the middle of a block
     * (called from device handlers through the icount clock). */
    uint64_t (*get_insns)(CPUState *cpu);
    /* Set a property from a -cpu feature list item ("+sse", "-pse",
     * "family=6"). */
    bool (*parse_feature)(CPUState *cpu, const char *item, Error **errp);
    /* Print models and features for -cpu help. */
    void (*list)(FILE *out);
    /* Suffix of model type names: "-x86-cpu". */
    const char *model_suffix;

    /* For the debugger.  gdb's remote register file: append register n
     * (gdb's numbering for the architecture) to out; false when there is
     * no such register.  Write one from len bytes (target order). */
    bool (*gdb_read_reg)(CPUState *cpu, int n, GByteArray *out);
    bool (*gdb_write_reg)(CPUState *cpu, int n, const uint8_t *buf, size_t len);
    /* Registers in gdb's 'g' packet (0..n-1). */
    int gdb_num_regs;
    /* Read or write guest memory at a virtual address as the CPU sees it
     * now, with no side effect on the CPU (no fault, no accessed bits);
     * false when part of the range is not mapped. */
    bool (*debug_rw)(CPUState *cpu, uint64_t vaddr, uint8_t *buf, size_t len, bool write);
    /* The linear address of the next instruction (breakpoints). */
    uint64_t (*get_pc)(CPUState *cpu);
} CPUClass;

#define CPU(obj) OBJECT_CHECK(CPUState, (obj), TYPE_CPU)
#define CPU_CLASS(klass) OBJECT_CLASS_CHECK(CPUClass, (klass), TYPE_CPU)
#define CPU_GET_CLASS(obj) OBJECT_GET_CLASS(CPUClass, (obj), TYPE_CPU)

/* Raise/clear bits of interrupt_request (also sets exit_request so a
 * running CPU notices at the next block boundary). */
void cpu_interrupt(CPUState *cpu, uint32_t mask);
void cpu_reset_interrupt(CPUState *cpu, uint32_t mask);

/* The class of model "model" under abstract CPU type base ("x86-cpu"),
 * i.e. type "<model><suffix>"; NULL when unknown or abstract. */
ObjectClass *cpu_class_by_model(const char *base, const char *model);

/* Breakpoints at linear addresses (the debugger's).  Insert fails when
 * the table is full; inserting one twice keeps one.  Remove returns false
 * when there was none. */
bool cpu_breakpoint_insert(CPUState *cpu, uint64_t pc);
bool cpu_breakpoint_remove(CPUState *cpu, uint64_t pc);
void cpu_breakpoint_remove_all(CPUState *cpu);
/* True when pc holds a breakpoint. */
bool cpu_breakpoint_at(const CPUState *cpu, uint64_t pc);

/* The CPU the main loop runs now (NULL between slices); see
 * cpu_current_index in <cardcage/system.h>. */
void cpu_set_current(CPUState *cpu);
CPUState *cpu_current(void);
/* The CPU of index n, or NULL. */
CPUState *cpu_by_index(int n);

/* CPUs in creation order. */
CPUState *cpu_first(void);
CPUState *cpu_next(CPUState *cpu);
void cpu_list_add(CPUState *cpu);
void cpu_list_remove(CPUState *cpu);

#endif
