/*
 * The x86 CPU: its architectural state, as the rest of the core (the direct
 * kernel loader of the PC board, `info registers`, tests) may see it.
 *
 * The execution engine (decoder, block cache, TLB) keeps its own machinery in
 * CPUX86State too, but only the fields documented here are meant to be read
 * or written from outside core/cpu/.  Change registers only while the CPU is
 * not executing (before the main loop starts, or from a reset notifier), and
 * use the helpers below for anything that changes the mode, so that the
 * translated code and the TLB are kept consistent.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_CPU_X86_CPU_H
#define CORE_CPU_X86_CPU_H

#include <setjmp.h>
#include "cpu/cpu.h"
#include <cardcage/vmstate.h>
#include "cpu/x87/x87.h"

#define TYPE_X86_CPU "x86-cpu"
#define X86_CPU_MODEL_SUFFIX "-x86-cpu"

/* General registers, in encoding order (Intel SDM vol. 2A, table 2-2). */
enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI };
/* Segment registers, in encoding order (the sreg field of MOV Sreg). */
enum { R_ES, R_CS, R_SS, R_DS, R_FS, R_GS };

/* EFLAGS bits (Intel SDM vol. 1, 3.4.3). */
#define CC_C   0x0001u
#define CC_P   0x0004u
#define CC_A   0x0010u
#define CC_Z   0x0040u
#define CC_S   0x0080u
#define TF_MASK   0x0100u
#define IF_MASK   0x0200u
#define DF_MASK   0x0400u
#define CC_O   0x0800u
#define IOPL_MASK 0x3000u
#define IOPL_SHIFT 12
#define NT_MASK   0x4000u
#define RF_MASK   0x10000u
#define VM_MASK   0x20000u
#define AC_MASK   0x40000u
#define VIF_MASK  0x80000u
#define VIP_MASK  0x100000u
#define ID_MASK   0x200000u
#define CC_ARITH  (CC_C | CC_P | CC_A | CC_Z | CC_S | CC_O)

/* CR0 bits (SDM vol. 3A, 2.5). */
#define CR0_PE 0x00000001u
#define CR0_MP 0x00000002u
#define CR0_EM 0x00000004u
#define CR0_TS 0x00000008u
#define CR0_ET 0x00000010u
#define CR0_NE 0x00000020u
#define CR0_WP 0x00010000u
#define CR0_AM 0x00040000u
#define CR0_NW 0x20000000u
#define CR0_CD 0x40000000u
#define CR0_PG 0x80000000u

/* CR4 bits (SDM vol. 3A, 2.5). */
#define CR4_VME 0x0001u
#define CR4_PVI 0x0002u
#define CR4_TSD 0x0004u
#define CR4_DE  0x0008u
#define CR4_PSE 0x0010u
#define CR4_PAE 0x0020u
#define CR4_MCE 0x0040u
#define CR4_PGE 0x0080u
#define CR4_PCE 0x0100u
#define CR4_OSFXSR 0x0200u
#define CR4_OSXMMEXCPT 0x0400u

/* IA32_EFER bits (SDM vol. 3A, 2.2.1 and table 2-1 of vol. 4): only NXE
 * exists on a 32-bit processor with the execute-disable bit. */
#define EFER_NXE 0x800u

/* The MTRRs (SDM vol. 3A, 11.11): the fixed-range registers (one 64 KiB,
 * two 16 KiB and eight 4 KiB registers of eight ranges each) and eight
 * variable-range base/mask pairs, as MTRRcap reports. */
#define X86_MTRR_FIXED 11
#define X86_MTRR_VAR   8

/* Exception vectors (SDM vol. 3A, table 6-1). */
enum {
    EXCP_DE = 0, EXCP_DB = 1, EXCP_NMI = 2, EXCP_BP = 3, EXCP_OF = 4,
    EXCP_BR = 5, EXCP_UD = 6, EXCP_NM = 7, EXCP_DF = 8, EXCP_TS = 10,
    EXCP_NP = 11, EXCP_SS = 12, EXCP_GP = 13, EXCP_PF = 14, EXCP_MF = 16,
    EXCP_AC = 17, EXCP_MC = 18, EXCP_XM = 19,
};

/*
 * A segment register: the visible selector and the descriptor cache
 * (SDM vol. 3A, 3.4.3).  `flags` holds bits 8..23 of the descriptor's high
 * dword (type, S, DPL, P, AVL, D/B, G) shifted down by 8.  `limit` is the
 * byte-granular limit.  The four check fields are derived from these
 * (x86_seg_update_checks): an access of `size` bytes at offset `off` is
 * allowed without further checks when rlo <= off and off + size - 1 <= rhi
 * (reads) or wlo/whi (writes), computed without 32-bit wrap-around; an
 * empty range (lo > hi) sends every access to the slow path, which works
 * out the exact fault.
 */
typedef struct SegmentCache {
    uint32_t base;
    uint32_t limit;
    uint16_t sel;
    uint16_t flags;
    uint32_t rlo, wlo;
    uint64_t rhi, whi;
} SegmentCache;

/* Descriptor attribute bits within SegmentCache.flags. */
#define DESC_TYPE_MASK  0x000f
#define DESC_S          0x0010   /* code/data (1) or system (0) */
#define DESC_DPL_SHIFT  5
#define DESC_DPL_MASK   0x0060
#define DESC_P          0x0080
#define DESC_AVL        0x1000
#define DESC_B          0x4000   /* D/B: 32-bit segment */
#define DESC_G          0x8000
/* Type bits for code/data segments (SDM vol. 3A, table 3-1). */
#define DESC_A          0x0001   /* accessed */
#define DESC_W          0x0002   /* data: writable */
#define DESC_R          0x0002   /* code: readable */
#define DESC_E          0x0004   /* data: expand-down */
#define DESC_C          0x0004   /* code: conforming */
#define DESC_CODE       0x0008

typedef struct DescTable {
    uint32_t base;
    uint16_t limit;
} DescTable;

/* One entry of the software TLB: linear page -> host memory.  The tags are
 * the linear page address, or TLB_INVALID; a read/write whose page and
 * alignment-masked address matches the tag goes straight to host memory at
 * addend + linear address. */
typedef struct X86TLBEntry {
    uint32_t tag_read;
    uint32_t tag_write;
    uintptr_t addend;
} X86TLBEntry;

/* What the slow path needs to know about an entry: the linear and physical
 * page it maps, and TLBI_* bits. */
typedef struct X86TLBInfo {
    uint32_t vpage;           /* linear page, or TLB_INVALID */
    uint64_t ppage;           /* physical page (A20 applied) */
    uint32_t flags;
} X86TLBInfo;

#define TLBI_WRITE   1u       /* paging allows writes and the dirty bit is set */
#define TLBI_GLOBAL  2u       /* from a global page (kept across CR3 loads) */
#define TLBI_LARGE   4u       /* part of a 4 MiB (or, under PAE, 2 MiB) page */
#define TLBI_NOEXEC  8u       /* execute-disable: no instruction fetch (XD) */

/* The jump cache is direct-mapped; an entry's index is the top bits of
 * the linear PC times a Fibonacci-hashing multiplier (Knuth, TAOCP vol. 3,
 * 6.4), which the code generator computes inline too.  The earlier index,
 * PC ^ (PC >> 12), sent every two addresses whose XOR is D * 0x1001 to the
 * same entry: pairs of hot targets four pages and four bytes apart in
 * busybox evicted each other on every iteration of a shell loop. */
#define X86_JMP_CACHE_BITS 16
#define X86_JMP_CACHE_SIZE (1u << X86_JMP_CACHE_BITS)
#define X86_JMP_CACHE_MUL 0x9e3779b1u
#define X86_TLB_BITS 10
#define X86_TLB_SIZE (1u << X86_TLB_BITS)
/* Never equal to a page-aligned address, nor to a TLB lookup's key
 * lin & (0xfffff000 | (size - 1)), whose bits 3..11 are always clear (1
 * was: an unaligned access at linear 1 of size 2 or 4 matched an empty
 * entry and went to its stale addend). */
#define TLB_INVALID  0x800u

/* A small cache of guest-physical pages to host pointers for the CPU's own
 * non-TLB accesses (page-table walks, descriptor tables, the TSS). */
#define X86_PHYS_CACHE_SIZE 64
typedef struct X86PhysCacheEntry {
    uint32_t page;            /* physical page address, or TLB_INVALID */
    uint8_t *host_read;
    uint8_t *host_write;
    MemoryRegion *mr;         /* with host_write: the RAM region and the */
    hwaddr offset;            /* page's offset in it (dirty tracking) */
} X86PhysCacheEntry;

/* An XMM register (SDM vol. 1, 10.2.2), viewed as any of the packed
 * element types; the 64-bit MMX forms use its low half. */
typedef union X86Xmm {
    uint8_t b[16];
    uint16_t w[8];
    uint32_t d[4];
    uint64_t q[2];
    int8_t sb[16];
    int16_t sw[8];
    int32_t sd[4];
    int64_t sq[2];
} X86Xmm;

/* MXCSR (SDM vol. 1, 10.2.3, figure 10-3). */
#define MXCSR_IE   0x0001u
#define MXCSR_DE   0x0002u
#define MXCSR_ZE   0x0004u
#define MXCSR_OE   0x0008u
#define MXCSR_UE   0x0010u
#define MXCSR_PE   0x0020u
#define MXCSR_FLAGS 0x003fu
#define MXCSR_DAZ  0x0040u
#define MXCSR_MASK_SHIFT 7     /* IM..PM in bits 7..12 */
#define MXCSR_RC_SHIFT 13      /* rounding control, bits 13..14 */
#define MXCSR_FZ   0x8000u
/* The bits this CPU implements (DAZ included): MXCSR_MASK of FXSAVE. */
#define MXCSR_VALID 0xffffu

typedef struct X86Insn X86Insn;
typedef struct X86TB X86TB;
typedef struct X86CodeCache X86CodeCache;

typedef struct CPUX86State {
    /* ---- architectural state ---- */
    /* regs[8] is always 0: a decoded memory operand with no base or index
     * register names it, so address arithmetic needs no branch. */
    uint32_t regs[9];
    uint32_t eip;
    /* EFLAGS.  The arithmetic flags (CC_ARITH) are valid here only when
     * cc_op == CC_OP_EFLAGS; otherwise they are computed lazily from the
     * cc_* fields (x86_get_eflags gives the full value). */
    uint32_t eflags;
    uint32_t cc_op, cc_dst, cc_src1, cc_src2;
    SegmentCache segs[6];
    SegmentCache ldt, tr;
    DescTable gdt, idt;
    uint32_t cr[5];
    uint32_t dr[8];
    int cpl;
    uint32_t a20_mask;         /* applied to every physical address */

    /* MSRs (SDM vol. 4) */
    int64_t tsc_offset;        /* TSC = virtual ns * tsc_mhz / 1000 + offset */
    uint32_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t efer;             /* IA32_EFER: NXE */
    uint64_t pat;              /* IA32_PAT: memory types only (no caches) */
    uint64_t mtrr_deftype;     /* IA32_MTRR_DEF_TYPE */
    uint64_t mtrr_fixed[X86_MTRR_FIXED];
    uint64_t mtrr_var[X86_MTRR_VAR * 2];   /* PhysBase0, PhysMask0, ... */
    uint64_t misc_enable;      /* IA32_MISC_ENABLE (family 15) */
    /* The four PDPTEs of PAE paging, loaded from the PDPT that CR3 names
     * when PAE paging is entered or CR3 is loaded under it (SDM vol. 3A,
     * 4.4.1): walks use these, not the PDPT in memory. */
    uint64_t pdpte[4];

    /* x87 and the SSE control register saved by FXSAVE */
    X87State fpu;
    uint32_t mxcsr;
    X86Xmm xmm[8];             /* XMM0..XMM7 (SSE); MMX uses fpu.regs */
    bool ferr;                 /* FERR# output level */
    bool ignne;                /* IGNNE# input level */

    /* CPUID: model-specific values, filled from the model and -cpu */
    char vendor[13];
    uint32_t cpuid_version;    /* leaf 1 EAX: stepping, model, family */
    uint32_t cpuid_features;   /* leaf 1 EDX */
    uint32_t cpuid_ext_features;   /* leaf 1 ECX */
    uint32_t cpuid_ext2_features;  /* leaf 0x80000001 EDX */
    uint32_t cpuid_level;      /* highest basic leaf */
    uint32_t cpuid_xlevel;     /* highest extended leaf, or 0 for none */
    char model_id[49];         /* the brand string of 0x80000002..4 */
    uint32_t tsc_mhz;          /* nominal TSC frequency */
    bool fpu_present;

    /* ---- hidden state of the execution engine (core/cpu only) ---- */
    uint32_t hflags;           /* mode bits of the block key (HF_*) */
    uint32_t sp_mask;          /* 0xffff or 0xffffffff: SS.B */
    X86TLBEntry *tlb_cur;      /* tlb[0] (supervisor) or tlb[1] (CPL 3) */
    X86TLBEntry tlb[2][X86_TLB_SIZE];
    X86TLBInfo tlb_info[2][X86_TLB_SIZE];
    /* The 4 MiB linear regions (bit lin >> 22) where the TLB may hold
     * entries of large pages: an INVLPG elsewhere (Linux's are for user
     * pages and kmaps, its large pages map the kernel) skips the scan. */
    uint64_t tlb_large[1024 / 64];
    X86PhysCacheEntry phys_cache[X86_PHYS_CACHE_SIZE];

    CPUState *cs;              /* the generic CPU this state belongs to */
    AddressSpace *as;          /* system memory */
    AddressSpace *io_as;       /* port I/O */
    Object *intc;              /* interrupt controller (INTA), or NULL */
    IRQState *ferr_irq;        /* FERR# output */

    /* Execution bookkeeping. */
    sigjmp_buf jmp_env;        /* faults unwind to the execution loop */
    const X86Insn *cur;        /* instruction being executed */
    X86TB *cur_tb;             /* block being executed, or NULL */
    const X86Insn *blk_end;    /* stop the block before this instruction */
    uint64_t exec_limit;       /* instruction count at which exec() stops */
    int chain_budget;          /* blocks that may still follow without a return */
    bool jit_fallback;         /* compiled code runs one interpreted instruction */
    int exit_slot;             /* which chain slot the block left by */
    uint64_t inhibit_irq_at;   /* no interrupt at this instruction count */
    uint64_t insns_base;       /* insns_executed at the start of the block */
    /* Elements done by REP string instructions, each of which counts as
     * one instruction: the real-time clock's pacing counts them too (see
     * x86_icount_source). */
    uint64_t rep_elems;
    /* rep_elems at which the slice's budget is spent in elements: a long
     * REP then ends the slice (x86-ops-str.c should_yield); never in
     * icount mode, whose slices count instructions only. */
    uint64_t rep_elems_stop;
    bool nmi_blocked;          /* between NMI delivery and the next IRET */
    int exc_nest;              /* exception delivery nesting, for #DF */
    int first_exc;             /* the exception being delivered */
    bool in_delivery;          /* delivering an exception */
    bool smc_hit;              /* the current block's code was written */
    struct X86VerifyLog *verify_log;   /* -d jit-verify: stores of a checked run */
    bool rep_restart;          /* the current instruction yields and resumes */
    uint32_t sse_pre, sse_post; /* MXCSR flags of the SSE instruction running:
                                 * pre- and post-computation (SDM vol. 1, 11.5.1) */
    int exc_vec;               /* the fault being raised */
    uint32_t exc_err;
    bool exc_has_err;
    bool shutdown;             /* triple fault: wait for the reset */
    bool wait_sipi;            /* an AP after RESET or INIT: waits for a SIPI */
    X86CodeCache *code;        /* translated blocks */
    /* Blocks by linear address of their first byte, for indirect jumps
     * and returns: valid while the TLB is (emptied with it). */
    X86TB *jmp_cache[X86_JMP_CACHE_SIZE];
} CPUX86State;

/* The CPU device: the generic CPU, with the x86 state. */
typedef struct X86CPU {
    CPUState parent_obj;
    CPUX86State env;
    IRQState *ferr_out;        /* GPIO output "ferr" (FERR#, to IRQ13) */
    Object *intc_link;         /* link property "intc" */
    bool nmi_level;            /* last level seen on "nmi" (edge detection) */
    bool init_level;           /* last level seen on "init" */
    void *map_listener;
    /* Derived state as the state description saves it, filled by its
     * pre_save (x86-vmstate.c): EFLAGS with the lazy flags folded in, the
     * interrupt requests that are state (not EXIT/FLUSH), and whether the
     * next instruction is in a MOV SS/STI shadow. */
    struct {
        uint32_t eflags;
        uint32_t interrupt_request;
        bool irq_shadow;
    } vms;
} X86CPU;

typedef struct X86CPUClass {
    CPUClass parent_class;
    const struct X86CPUModel *model;   /* NULL for the abstract type */
} X86CPUClass;

#define X86_CPU(obj) OBJECT_CHECK(X86CPU, (obj), TYPE_X86_CPU)
#define X86_CPU_CLASS(klass) OBJECT_CLASS_CHECK(X86CPUClass, (klass), TYPE_X86_CPU)
#define X86_CPU_GET_CLASS(obj) OBJECT_GET_CLASS(X86CPUClass, (obj), TYPE_X86_CPU)

/*
 * The state a 32-bit boot protocol hands over (Linux boot protocol, "32-bit
 * boot protocol"; Multiboot 1 spec, 3.2 "Machine state"): protected mode
 * with paging off, CS a flat 4 GiB execute/read code segment and DS, ES, FS,
 * GS, SS flat read/write data segments, all DPL 0 and 32-bit, interrupts
 * off, A20 enabled.  The GDT register is set to gdt_base/gdt_limit: the
 * caller writes descriptors for cs_sel and ds_sel there (flat code and data)
 * if the guest may reload its segments from it; the descriptor caches are
 * loaded here directly, so the guest runs even before it has a GDT.
 */
typedef struct X86Flat32State {
    uint32_t eip;
    uint32_t regs[8];          /* EAX..EDI in encoding order (R_EAX...) */
    uint16_t cs_sel, ds_sel;   /* e.g. 0x10 and 0x18 for Linux (__BOOT_CS/DS) */
    uint32_t gdt_base;
    uint16_t gdt_limit;
} X86Flat32State;

void x86_cpu_load_flat32(X86CPU *cpu, const X86Flat32State *st);

/* EFLAGS with the lazily computed arithmetic flags folded in. */
uint32_t x86_get_eflags(CPUX86State *env);

/* The architectural reset state (SDM vol. 3A, 9.1.1, table 9-1):
 * CS F000 with base FFFF0000, EIP FFF0, EDX the CPUID signature, CR0
 * 60000010, EFLAGS 2, descriptor tables at 0 with limit FFFF. */
void x86_cpu_reset_state(CPUX86State *env);

/* INIT (SDM vol. 3A, 9.1, table 9-1): the reset state, except that the
 * x87 and SSE state, the MSRs (TSC, SYSENTER) are kept. */
void x86_cpu_init_state(CPUX86State *env);
/* After RESET or INIT, an application processor (its local APIC's
 * IA32_APIC_BASE.BSP clear) waits for a start-up IPI instead of running
 * (SDM vol. 3A, 8.4.1). */
void x86_cpu_enter_wait_sipi(CPUX86State *env);
/* A start-up IPI: an AP waiting for one starts in real mode at
 * vector:0000 (SDM vol. 3A, 8.4.4.1); false when it was not waiting. */
bool x86_cpu_sipi(CPUX86State *env, uint8_t vector);

/* Print the registers (`info registers`, -d cpu). */
void x86_cpu_dump_state(CPUX86State *env, FILE *out);
/* The registers as groups for x-query-registers (x86-qmp.c). */
struct json_object *x86_cpu_query_registers(CPUX86State *env);

/* The CPU's state description (x86-vmstate.c). */
extern const VMStateDescription vmstate_x86_cpu;

/* Fill in the debugger's CPUClass methods (x86-gdb.c). */
void x86_cpu_gdb_class_init(CPUClass *cc);

#endif
