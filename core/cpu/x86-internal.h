/*
 * The x86 execution engine, as its own files see it: decoded instructions,
 * translated blocks, the inline fast paths of memory access and the lazy
 * flags.  Not used outside core/cpu/.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_CPU_X86_INTERNAL_H
#define CORE_CPU_X86_INTERNAL_H

#include <string.h>
#include "cpu/x86-cpu.h"
#include "memory/memory-internal.h"
#include <cardcage/log.h>

#define X86_ALWAYS_INLINE static inline __attribute__((always_inline))
#define X86_NORETURN __attribute__((noreturn))

/* ------------------------------------------------------------------ */
/* Decoded instructions and blocks                                      */

typedef void (*X86Handler)(CPUX86State *env, const X86Insn *in);

/*
 * Threaded dispatch: every handler ends by jumping straight to the next
 * decoded instruction of its block (a tail call), until env->blk_end.  An
 * indirect jump at the end of each handler predicts much better than one
 * shared call site in a loop, and saves the call/return.  env->cur always
 * names the instruction being executed (faults and the icount clock read
 * it).  Without tail-call optimisation this is plain recursion, at most
 * TB_MAX_INSNS deep.
 */
#define X86_NEXT(env, in)                                   \
    do {                                                    \
        const X86Insn *next_ = (in) + 1;                    \
        if (cc_likely(next_ < (env)->blk_end)) {            \
            (env)->cur = next_;                             \
            next_->fn((env), next_);                        \
        } else {                                            \
            x86_block_end(env);                             \
        }                                                   \
    } while (0)

/* At the end of a block: continue straight into its chained successor
 * when nothing needs the execution loop's attention (x86-exec.c). */
void x86_block_end(CPUX86State *env);

/*
 * A handler with a fast path that needs no function call, so it runs
 * without a stack frame: `fast` is an expression that either completes the
 * instruction's work and yields true, or changes nothing and yields false,
 * in which case the complete (slow) version `slow` runs instead.  Both end
 * with X86_NEXT.
 */
#define X86_FAST_HANDLER(name, fast, slow)                                        \
    static void __attribute__((noinline)) name##_slow(CPUX86State *env,          \
                                                      const X86Insn *in)          \
    {                                                                             \
        slow;                                                                     \
        X86_NEXT(env, in);                                                        \
    }                                                                             \
    static void name(CPUX86State *env, const X86Insn *in)                         \
    {                                                                             \
        if (cc_unlikely(!(fast))) {                                               \
            name##_slow(env, in);                                                 \
            return;                                                               \
        }                                                                         \
        X86_NEXT(env, in);                                                        \
    }

/* Define a handler: its body may return early; X86_NEXT follows.  linkage
 * is `static` for a handler private to its file, empty for a shared one. */
#define X86_HANDLER_DEF(linkage, name)                                            \
    static inline __attribute__((always_inline)) void                            \
        name##_body(CPUX86State *env, const X86Insn *in);                         \
    linkage void name(CPUX86State *env, const X86Insn *in)                        \
    {                                                                             \
        name##_body(env, in);                                                     \
        X86_NEXT(env, in);                                                        \
    }                                                                             \
    static inline __attribute__((always_inline)) void                            \
        name##_body(CPUX86State *env, const X86Insn *in)

/* A handler private to its file, and one other files call. */
#define X86_SHANDLER(name) X86_HANDLER_DEF(static, name)
#define X86_HANDLER(name) X86_HANDLER_DEF(, name)

/* X86Insn.flags */
enum {
    IF_OSZ32  = 1 << 0,  /* operand size 32 (else 16; byte forms ignore it) */
    IF_ASZ32  = 1 << 1,  /* address size 32 */
    IF_REP    = 1 << 2,  /* F3 */
    IF_REPNE  = 1 << 3,  /* F2 */
    IF_LOCK   = 1 << 4,  /* F0 */
    IF_MEM    = 1 << 5,  /* ModRM names a memory operand */
    IF_SEGOVR = 1 << 6,  /* a segment override prefix was given */
};

/*
 * One decoded instruction.  The decoder fills what the handler needs:
 * register operands as indices into env->regs (for byte registers, as byte
 * offsets into env->regs: AL=0, CL=4, DL=8, BL=12, AH=1, CH=5, DH=9, BH=13),
 * the memory operand as base + (index << scale) + disp in segment seg, masked
 * to 16 bits when ashift is 16 (base/index 8 mean "none": regs[8] is 0).
 */
struct X86Insn {
    X86Handler fn;
    uint32_t eip;       /* EIP of the first byte (prefixes included) */
    uint32_t imm;       /* immediate, or the EIP a relative branch goes to */
    uint32_t disp;      /* displacement of the memory operand */
    uint16_t imm2;      /* second immediate: ENTER level, far selector, ModRM */
    uint8_t len;        /* length in bytes */
    uint8_t opc;        /* opcode byte (second byte for 0F xx) */
    uint8_t reg;        /* ModRM.reg as a register (index or byte offset) */
    uint8_t rm;         /* ModRM.rm register, or the base of the memory operand */
    uint8_t idx;        /* index register of the memory operand */
    uint8_t scale;      /* 0..3 */
    uint8_t seg;        /* segment of the memory operand (R_ES..R_GS) */
    uint8_t flags;      /* IF_* */
    uint8_t osz;        /* operand size in bytes: 1, 2 or 4 */
    uint8_t ashift;     /* 16 for 16-bit addressing, else 0 */
};

/* Mode bits that select how code decodes: part of a block's key. */
enum {
    HF_CS32 = 1 << 0,   /* CS.D: 32-bit default operand and address size */
    HF_PE   = 1 << 1,   /* CR0.PE */
    HF_VM   = 1 << 2,   /* EFLAGS.VM */
    HF_TF   = 1 << 3,   /* EFLAGS.TF: one instruction per block, then #DB */
    HF_CPL3 = 1 << 4,   /* CPL 3: code fetches are user accesses */
    HF_FLAT = 1 << 5,   /* protected mode with DS, ES, SS flat (MK_FLAT) */
};

#define TB_MAX_INSNS 128

/* Exit slots of a block: a chained block is entered without a lookup.
 * EXIT_INDIRECT is a near indirect transfer (JMP/CALL r/m, RET) with no
 * other effect on the CPU state: compiled code may look its target up in
 * the jump cache and go on; EXIT_NOCHAIN always returns to the loop. */
enum { EXIT_INDIRECT = -2, EXIT_NOCHAIN = -1, EXIT_TAKEN = 0, EXIT_NEXT = 1 };

struct X86TB {
    uint32_t pc;            /* linear address of the first byte */
    uint32_t cs_base;
    uint32_t eip;
    uint32_t hflags;
    uint32_t phys;          /* physical address of the first byte */
    uint32_t phys_page2;    /* physical page of the second page, or TLB_INVALID */
    uint32_t next_eip;      /* EIP after the last instruction */
    uint16_t ninsns;
    uint16_t size;          /* bytes of guest code */
    bool valid;
    bool cacheable;
    bool special;           /* not cacheable, or TF: the loop takes care */
    X86TB *hash_next;
    X86TB *page_next[2];    /* blocks on the same physical page */
    X86TB *jmp[2];          /* chained successors, by exit slot */
    X86Insn *insns;
    const X86Insn *insns_end;   /* insns + ninsns */
    /*
     * The seam for a code generator: a backend that compiles the decoded
     * instructions to host code stores the entry point here.  The loop
     * calls it instead of interpreting `insns` when it is set; it must
     * honour the same contract as the interpreter (env->cur on every
     * instruction that may fault or do I/O, env->eip/env->exit_slot on
     * exit, stop at env->blk_end).  NULL: interpret.
     */
    void (*host_code)(CPUX86State *env, X86TB *tb);
    uint32_t exec_count;        /* runs so far, for the code generator */
    uint32_t jit_cs_limit;      /* the CS limit host_code assumed */
    bool jit_tried;
    bool jit_pure;              /* interprets only plain data operations */
    /*
     * Direct links between compiled blocks (x86_jit_relink): the rel32 of
     * each chain exit's patchable jump (NULL: the exit has none), which
     * leads to the exit's stub call until jmp[slot] is compiled, then to
     * that block's jit_link entry.  The blocks whose jmp[] name this one
     * are threaded through jmp_in, as tagged pointers (block | slot), so
     * that invalidating this block undoes their jumps.
     */
    uint8_t *jit_site[2];
    uint8_t *jit_link;
    uintptr_t jmp_in;
    uintptr_t jmp_in_next[2];
};

/* The code generator behind host_code (x86-jit.c): compile a block that
 * has become hot; false when it cannot (no executable memory, full). */
bool x86_jit_compile(CPUX86State *env, X86TB *tb);
/* Forget all compiled code (with the code cache). */
void x86_jit_reset(CPUX86State *env);
/* Free a code cache's code buffer (NULL: none). */
void x86_jit_free(void *buf);
/* The next compiled block to jump to from compiled code, or NULL
 * (x86-exec.c). */
void *x86_jit_next(CPUX86State *env);
/* Point a's chain exit `slot` at its successor jmp[slot] when both are
 * compiled and the successor is valid, else back at the exit's stub call. */
void x86_jit_relink(X86TB *a, int slot);
/* a->jmp[slot] = b, recorded in b's incoming list (x86-tb.c). */
void x86_tb_set_jmp(X86TB *a, int slot, X86TB *b);
/* After tb is compiled: link its exits and the exits that name it. */
void x86_tb_relink_all(X86TB *tb);
/* The block for CS:EIP in the jump cache, or NULL (no translation). */
X86TB *x86_jmp_cache_lookup(CPUX86State *env);
#define JIT_THRESHOLD 8

/* -d jit-verify (x86-jit-verify.c): run a compiled block through the
 * interpreter and its host code, compare, keep the interpreter's result. */
typedef struct X86VerifyLog X86VerifyLog;
void x86_jit_verify_block(CPUX86State *env, X86TB *tb);
/* x86_st_slow/x86_ld_slow while a checked run logs its accesses. */
void x86_jit_verify_store(CPUX86State *env, uint32_t lin, uint32_t val, unsigned size);
void x86_jit_verify_load(CPUX86State *env, uint32_t lin, unsigned size);
/* Blocks whose two runs differed (the test runners fail on any). */
extern unsigned x86_jit_verify_failures;

/* ------------------------------------------------------------------ */
/* Exceptions                                                           */

/* Raise a fault on the current instruction (EIP is rewound to it). */
X86_NORETURN void x86_raise(CPUX86State *env, int vec);
X86_NORETURN void x86_raise_err(CPUX86State *env, int vec, uint32_t err);
/* #PF with CR2 and error code. */
X86_NORETURN void x86_raise_pf(CPUX86State *env, uint32_t lin, uint32_t err);
/* Leave the current block after the current instruction, resuming at
 * next_eip (used by instructions that must be followed by a lookup). */

/* Deliver an interrupt or exception now (vector, software INT n/INT3/INTO,
 * error code, the EIP to push).  May raise. */
void x86_do_interrupt(CPUX86State *env, int vec, bool is_soft, bool has_err,
                      uint32_t err, uint32_t next_eip);
bool x86_exception_has_error_code(int vec);

/* ------------------------------------------------------------------ */
/* Lazy flags                                                           */

/*
 * How the arithmetic flags are derived.  Values in cc_* are sign-extended
 * from the operation's size to 32 bits, which keeps ZF, SF, CF and the
 * signed/unsigned comparisons independent of the size: sign extension
 * preserves both the signed and the unsigned order of the values.
 */
enum {
    CC_OP_EFLAGS,   /* flags are in env->eflags */
    CC_OP_ADD,      /* dst = src1 + src2 */
    CC_OP_ADC,      /* dst = src1 + src2 + 1 (ADC with CF set) */
    CC_OP_SUB,      /* dst = src1 - src2 (also CMP, NEG with src1 = 0) */
    CC_OP_SBB,      /* dst = src1 - src2 - 1 */
    CC_OP_LOGIC,    /* CF = OF = AF = 0 */
    CC_OP_INC,      /* dst = src1 + 1, CF (src2) kept */
    CC_OP_DEC,      /* dst = src1 - 1, CF (src2) kept */
    CC_OP_DSTF,     /* ZF/SF/PF from dst, CF/OF/AF given in src1 */
};

uint32_t x86_compute_arith(CPUX86State *env);   /* CC_ARITH bits */
uint32_t x86_compute_cf(CPUX86State *env);      /* 0 or 1 */
bool x86_cond_slow(CPUX86State *env, int cond);
/* Make env->eflags hold every flag (cc_op becomes CC_OP_EFLAGS). */
void x86_flags_materialize(CPUX86State *env);
/* Set EFLAGS from a value, changing only the bits in mask (and keeping
 * bit 1 set, bits 3, 5, 15 clear). */
void x86_set_eflags(CPUX86State *env, uint32_t val, uint32_t mask);

X86_ALWAYS_INLINE int32_t x86_sext(uint32_t v, int size)
{
    return size == 1 ? (int32_t)(int8_t)v : size == 2 ? (int32_t)(int16_t)v : (int32_t)v;
}

X86_ALWAYS_INLINE uint32_t x86_trunc(uint32_t v, int size)
{
    return size == 1 ? (uint8_t)v : size == 2 ? (uint16_t)v : v;
}

X86_ALWAYS_INLINE void cc_set(CPUX86State *env, int op, uint32_t src1, uint32_t src2,
                              uint32_t dst, int size)
{
    env->cc_op = op;
    env->cc_src1 = x86_sext(src1, size);
    env->cc_src2 = x86_sext(src2, size);
    env->cc_dst = x86_sext(dst, size);
}

X86_ALWAYS_INLINE void cc_logic(CPUX86State *env, uint32_t dst, int size)
{
    env->cc_op = CC_OP_LOGIC;
    env->cc_dst = x86_sext(dst, size);
}

/* Flags given explicitly: ZF/SF/PF from dst (of the given size), the rest
 * (any of CF, OF, AF) from bits. */
X86_ALWAYS_INLINE void cc_dstf(CPUX86State *env, uint32_t dst, int size, uint32_t bits)
{
    env->cc_op = CC_OP_DSTF;
    env->cc_dst = x86_sext(dst, size);
    env->cc_src1 = bits;
}

X86_ALWAYS_INLINE uint32_t x86_get_cf(CPUX86State *env)
{
    uint32_t s1 = env->cc_src1, s2 = env->cc_src2, d = env->cc_dst;
    switch (env->cc_op) {
    case CC_OP_EFLAGS: return env->eflags & CC_C;
    case CC_OP_ADD: return d < s1;
    case CC_OP_SUB: return s1 < s2;
    case CC_OP_LOGIC: return 0;
    case CC_OP_INC:
    case CC_OP_DEC: return s2 & 1;
    default: return x86_compute_cf(env);
    }
}

/* Condition codes of Jcc/SETcc/CMOVcc (SDM vol. 2, appendix B.1.4.7). */
enum { CC_COND_O, CC_COND_NO, CC_COND_B, CC_COND_AE, CC_COND_Z, CC_COND_NZ,
       CC_COND_BE, CC_COND_A, CC_COND_S, CC_COND_NS, CC_COND_P, CC_COND_NP,
       CC_COND_L, CC_COND_GE, CC_COND_LE, CC_COND_G };

/* Evaluate a condition; the frequent ones after CMP/SUB/TEST are inline. */
X86_ALWAYS_INLINE bool x86_cond(CPUX86State *env, int cond)
{
    uint32_t op = env->cc_op;
    bool r;
    switch (cond >> 1) {
    case CC_COND_Z >> 1:
        r = op == CC_OP_EFLAGS ? (env->eflags & CC_Z) != 0 : env->cc_dst == 0;
        break;
    case CC_COND_S >> 1:
        r = op == CC_OP_EFLAGS ? (env->eflags & CC_S) != 0 : (int32_t)env->cc_dst < 0;
        break;
    case CC_COND_B >> 1:
        if (op == CC_OP_SUB) {
            r = env->cc_src1 < env->cc_src2;
        } else {
            r = x86_get_cf(env);
        }
        break;
    case CC_COND_BE >> 1:
        if (op == CC_OP_SUB) {
            r = env->cc_src1 <= env->cc_src2;
        } else if (op == CC_OP_LOGIC) {
            r = env->cc_dst == 0;
        } else {
            return x86_cond_slow(env, cond);
        }
        break;
    case CC_COND_L >> 1:
        if (op == CC_OP_SUB) {
            r = (int32_t)env->cc_src1 < (int32_t)env->cc_src2;
        } else if (op == CC_OP_LOGIC) {
            r = (int32_t)env->cc_dst < 0;
        } else {
            return x86_cond_slow(env, cond);
        }
        break;
    case CC_COND_LE >> 1:
        if (op == CC_OP_SUB) {
            r = (int32_t)env->cc_src1 <= (int32_t)env->cc_src2;
        } else if (op == CC_OP_LOGIC) {
            r = (int32_t)env->cc_dst <= 0;
        } else {
            return x86_cond_slow(env, cond);
        }
        break;
    default:
        return x86_cond_slow(env, cond);
    }
    return r ^ (cond & 1);
}

/* ------------------------------------------------------------------ */
/* Registers                                                            */

X86_ALWAYS_INLINE uint32_t rd_reg(CPUX86State *env, int r, int size)
{
    if (size == 1) {
        return ((uint8_t *)env->regs)[r];
    } else if (size == 2) {
        return (uint16_t)env->regs[r];
    }
    return env->regs[r];
}

X86_ALWAYS_INLINE void wr_reg(CPUX86State *env, int r, int size, uint32_t v)
{
    if (size == 1) {
        ((uint8_t *)env->regs)[r] = (uint8_t)v;
    } else if (size == 2) {
        ((uint16_t *)env->regs)[r * 2] = (uint16_t)v;
    } else {
        env->regs[r] = v;
    }
}

/* Byte offset of byte register n (AL..BH) in env->regs. */
static inline int x86_breg(int n)
{
    return (n & 3) * 4 + (n >> 2);
}

/* ------------------------------------------------------------------ */
/* Segmentation                                                         */

/* Slow path of the segment check: raises #GP/#SS, or returns when the
 * access is allowed after all. */
void x86_seg_check_slow(CPUX86State *env, int seg, uint32_t off, unsigned size,
                        bool write);

X86_ALWAYS_INLINE uint32_t x86_lin_rd(CPUX86State *env, int seg, uint32_t off,
                                      unsigned size)
{
    const SegmentCache *s = &env->segs[seg];
    if (cc_unlikely(off < s->rlo || (uint64_t)off + (size - 1) > s->rhi)) {
        x86_seg_check_slow(env, seg, off, size, false);
    }
    return s->base + off;
}

X86_ALWAYS_INLINE uint32_t x86_lin_wr(CPUX86State *env, int seg, uint32_t off,
                                      unsigned size)
{
    const SegmentCache *s = &env->segs[seg];
    if (cc_unlikely(off < s->wlo || (uint64_t)off + (size - 1) > s->whi)) {
        x86_seg_check_slow(env, seg, off, size, true);
    }
    return s->base + off;
}

/* Recompute the fast-check fields of a segment from base/limit/flags. */
void x86_seg_update_checks(CPUX86State *env, int seg);
void x86_seg_cache_checks(SegmentCache *s, bool protected_mode);
/* Load a segment register in real or virtual-8086 mode (base = sel << 4). */
void x86_load_seg_real(CPUX86State *env, int seg, uint16_t sel);
/* Load a segment register as MOV/POP/LxS do, with the protected-mode
 * checks (SDM vol. 2B, MOV "Operation"); raises on failure. */
void x86_load_seg(CPUX86State *env, int seg, uint16_t sel);
/* Set a segment cache from raw descriptor words (also used for far
 * transfers). */
void x86_set_seg_cache(CPUX86State *env, int seg, uint16_t sel, uint32_t base,
                       uint32_t limit, uint16_t flags);
/* Recompute hflags, sp_mask and the TLB in use from the current state. */
void x86_update_hflags(CPUX86State *env);

/* Fetch the 8-byte descriptor for a selector from the GDT/LDT; false (no
 * fault) when the selector is outside its table. */
bool x86_read_desc(CPUX86State *env, uint16_t sel, uint32_t *lo, uint32_t *hi);
void x86_desc_set_accessed(CPUX86State *env, uint16_t sel, uint32_t hi);
uint32_t x86_desc_base(uint32_t lo, uint32_t hi);
uint32_t x86_desc_limit(uint32_t lo, uint32_t hi);
static inline uint16_t x86_desc_flags(uint32_t hi)
{
    return (hi >> 8) & 0xf0ff;
}

/* ------------------------------------------------------------------ */
/* Memory: linear addresses through the software TLB                    */

uint32_t x86_ld_slow(CPUX86State *env, uint32_t lin, unsigned size);
void x86_st_slow(CPUX86State *env, uint32_t lin, uint32_t val, unsigned size);
/* Host pointer to size bytes at lin for reading and writing (one page), or
 * NULL when they must go through the slow path. */
uint8_t *x86_rmw_ptr_slow(CPUX86State *env, uint32_t lin, unsigned size);

X86_ALWAYS_INLINE X86TLBEntry *x86_tlb_entry(CPUX86State *env, uint32_t lin)
{
    return &env->tlb_cur[(lin >> 12) & (X86_TLB_SIZE - 1)];
}

X86_ALWAYS_INLINE uint32_t x86_host_ld(const uint8_t *p, unsigned size)
{
    if (size == 1) {
        return *p;
    } else if (size == 2) {
        uint16_t v;
        memcpy(&v, p, 2);
        return v;
    }
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

X86_ALWAYS_INLINE void x86_host_st(uint8_t *p, uint32_t val, unsigned size)
{
    if (size == 1) {
        *p = (uint8_t)val;
    } else if (size == 2) {
        uint16_t v = (uint16_t)val;
        memcpy(p, &v, 2);
    } else {
        memcpy(p, &val, 4);
    }
}

X86_ALWAYS_INLINE uint32_t x86_ld(CPUX86State *env, uint32_t lin, unsigned size)
{
    X86TLBEntry *e = x86_tlb_entry(env, lin);
    if (cc_likely(e->tag_read == (lin & (0xfffff000u | (size - 1))))) {
        return x86_host_ld((const uint8_t *)(e->addend + lin), size);
    }
    return x86_ld_slow(env, lin, size);
}

X86_ALWAYS_INLINE void x86_st(CPUX86State *env, uint32_t lin, uint32_t val, unsigned size)
{
    X86TLBEntry *e = x86_tlb_entry(env, lin);
    if (cc_likely(e->tag_write == (lin & (0xfffff000u | (size - 1))))) {
        x86_host_st((uint8_t *)(e->addend + lin), val, size);
        return;
    }
    x86_st_slow(env, lin, val, size);
}

/* For read-modify-write operands: a host pointer when the fast path
 * applies, NULL otherwise (then load and store separately). */
X86_ALWAYS_INLINE uint8_t *x86_rmw_ptr(CPUX86State *env, uint32_t lin, unsigned size)
{
    X86TLBEntry *e = x86_tlb_entry(env, lin);
    if (cc_likely(e->tag_write == (lin & (0xfffff000u | (size - 1))))) {
        return (uint8_t *)(e->addend + lin);
    }
    return x86_rmw_ptr_slow(env, lin, size);
}

/* Segment-relative accesses: the check, then the TLB. */
X86_ALWAYS_INLINE uint32_t x86_ld_seg(CPUX86State *env, int seg, uint32_t off, unsigned size)
{
    return x86_ld(env, x86_lin_rd(env, seg, off, size), size);
}

X86_ALWAYS_INLINE void x86_st_seg(CPUX86State *env, int seg, uint32_t off, uint32_t val,
                                  unsigned size)
{
    x86_st(env, x86_lin_wr(env, seg, off, size), val, size);
}

/* Accesses made by the CPU itself at supervisor level whatever the CPL
 * (descriptor tables, the TSS: SDM vol. 3A, 4.6.1 "implicit supervisor
 * accesses"). */
uint32_t x86_ld_kernel(CPUX86State *env, uint32_t lin, unsigned size);
/* Loads and stores at an explicit privilege: mmu 0 supervisor, 1 user. */
uint32_t x86_ld_mmu(CPUX86State *env, uint32_t lin, unsigned size, int mmu);
void x86_st_mmu(CPUX86State *env, uint32_t lin, uint32_t val, unsigned size, int mmu);
void x86_st_kernel(CPUX86State *env, uint32_t lin, uint32_t val, unsigned size);

/* Probe that [lin, lin+size) may be written (faults now if not). */
void x86_probe_write(CPUX86State *env, uint32_t lin, unsigned size);
/* Probe that the byte at lin may be read (faults now if not), without
 * reading it: CLFLUSH. */
void x86_probe_read(CPUX86State *env, uint32_t lin);

/* Physical memory, for page walks and the like (A20 applied by caller). */
uint32_t x86_phys_ld32(CPUX86State *env, uint32_t pa);
void x86_phys_st32(CPUX86State *env, uint32_t pa, uint32_t val);

/* TLB maintenance (these also empty the jump cache, which is indexed by
 * linear address). */
void x86_tlb_flush(CPUX86State *env);
void x86_tlb_flush_page(CPUX86State *env, uint32_t lin);
/* The jump cache (x86-tb.c): emptied whole; or of the blocks that may lie
 * in lin's page or in the large page around it (INVLPG); or of the blocks
 * not on global pages (a CR3 load with CR4.PGE). */
void x86_jmp_cache_flush(CPUX86State *env);
void x86_jmp_cache_flush_page(CPUX86State *env, uint32_t lin);
void x86_jmp_cache_flush_nonglobal(CPUX86State *env);
/* Whether the TLB maps lin's page, for the current privilege, as global;
 * *large when it maps it with a large page (or does not map it). */
bool x86_code_page_global(CPUX86State *env, uint32_t lin, bool *large);
/* Drop fast write entries that map the physical page (it now holds code). */
void x86_tlb_protect_code_page(CPUX86State *env, uint32_t phys_page);
void x86_tlb_drop_write_tags(CPUX86State *env);
/* Translate a linear address for an instruction fetch: the physical
 * address, raising #PF as a fetch would. */
uint32_t x86_translate_code(CPUX86State *env, uint32_t lin);
/* Host pointer for reading the physical page holding pa, or NULL. */
const uint8_t *x86_phys_code_ptr(CPUX86State *env, uint32_t pa);
/* Linear -> physical without side effects (debugger); false if unmapped
 * or mapped at or above 4 GiB, where neither board has anything. */
bool x86_debug_translate(CPUX86State *env, uint32_t lin, uint32_t *pa);
/* Load the four PDPTEs from the PDPT at cr3 (SDM vol. 3A, 4.4.1); false,
 * loading nothing, when a present one has a reserved bit set (the MOV to
 * CR0/CR3/CR4 then raises #GP(0)). */
bool x86_pae_load_pdptes(CPUX86State *env, uint32_t cr3);
/* Whether PAE paging is on (CR0.PG and CR4.PAE). */
static inline bool x86_pae_paging(const CPUX86State *env)
{
    return (env->cr[0] & CR0_PG) && (env->cr[4] & CR4_PAE);
}

/* ------------------------------------------------------------------ */
/* Stack                                                                */

X86_ALWAYS_INLINE void x86_push(CPUX86State *env, uint32_t val, unsigned size)
{
    uint32_t esp = env->regs[R_ESP];
    uint32_t nsp = esp - size;
    x86_st_seg(env, R_SS, nsp & env->sp_mask, val, size);
    env->regs[R_ESP] = (esp & ~env->sp_mask) | (nsp & env->sp_mask);
}

X86_ALWAYS_INLINE uint32_t x86_pop(CPUX86State *env, unsigned size)
{
    uint32_t esp = env->regs[R_ESP];
    uint32_t v = x86_ld_seg(env, R_SS, esp & env->sp_mask, size);
    env->regs[R_ESP] = (esp & ~env->sp_mask) | ((esp + size) & env->sp_mask);
    return v;
}

/* 32-bit pushes and pops on a flat stack (HF_FLAT: SS base 0, 4 GiB,
 * 32-bit). */
X86_ALWAYS_INLINE void x86_push_flat(CPUX86State *env, uint32_t val)
{
    uint32_t esp = env->regs[R_ESP] - 4;
    x86_st(env, esp, val, 4);
    env->regs[R_ESP] = esp;
}

X86_ALWAYS_INLINE uint32_t x86_pop_flat(CPUX86State *env)
{
    uint32_t esp = env->regs[R_ESP];
    uint32_t v = x86_ld(env, esp, 4);
    env->regs[R_ESP] = esp + 4;
    return v;
}

/* A stack being built or unwound by a control transfer (interrupts, far
 * calls and returns), so that nothing is committed before every access has
 * succeeded.  Offsets outside [lo, hi] raise vec(err). */
typedef struct X86Stack {
    uint32_t base;
    uint32_t mask;      /* 0xffff or 0xffffffff */
    uint32_t lo;        /* valid offsets (writes): lo .. hi */
    uint64_t hi;
    uint32_t sp;        /* the full ESP value */
    int mmu;            /* 0 supervisor, 1 user */
    int vec;
    uint32_t err;
} X86Stack;

void x86_stack_from_cache(CPUX86State *env, X86Stack *st, const SegmentCache *ss, uint32_t sp,
                          int cpl, uint32_t err);
void x86_stack_push(CPUX86State *env, X86Stack *st, uint32_t val, unsigned size);
uint32_t x86_stack_pop(CPUX86State *env, X86Stack *st, unsigned size);
uint32_t x86_stack_peek(CPUX86State *env, X86Stack *st, uint32_t at, unsigned size);
/* ESP after committing st to the current SS (high bits kept for 16-bit). */
void x86_stack_commit(CPUX86State *env, const X86Stack *st);

/* ------------------------------------------------------------------ */
/* Effective addresses                                                  */

X86_ALWAYS_INLINE uint32_t x86_ea(CPUX86State *env, const X86Insn *in)
{
    uint32_t a = env->regs[in->rm] + (env->regs[in->idx] << in->scale) + in->disp;
    return a & (0xffffffffu >> in->ashift);
}

/* How an instruction reaches its r/m operand: a register, memory through
 * a segment (base and limit checked), or memory through a flat segment
 * (base 0, limit 4 GiB, read/write, in a block decoded with HF_FLAT: the
 * effective address is the linear address). */
enum { MK_REG = 0, MK_MEM = 1, MK_FLAT = 2 };

X86_ALWAYS_INLINE uint32_t x86_ea_lin(CPUX86State *env, const X86Insn *in, int mk,
                                      unsigned size, bool write)
{
    if (mk == MK_FLAT) {
        return env->regs[in->rm] + (env->regs[in->idx] << in->scale) + in->disp;
    }
    uint32_t off = x86_ea(env, in);
    return write ? x86_lin_wr(env, in->seg, off, size) : x86_lin_rd(env, in->seg, off, size);
}

/* Fast-path pieces for X86_FAST_HANDLER: no calls, false on a miss. */
X86_ALWAYS_INLINE bool x86_ea_lin_fast(CPUX86State *env, const X86Insn *in, int mk,
                                       unsigned size, bool write, uint32_t *lin)
{
    if (mk == MK_FLAT) {
        *lin = env->regs[in->rm] + (env->regs[in->idx] << in->scale) + in->disp;
        return true;
    }
    uint32_t off = x86_ea(env, in);
    const SegmentCache *s = &env->segs[in->seg];
    uint32_t lo = write ? s->wlo : s->rlo;
    uint64_t hi = write ? s->whi : s->rhi;
    if (off < lo || (uint64_t)off + (size - 1) > hi) {
        return false;
    }
    *lin = s->base + off;
    return true;
}

/* Host pointer for size bytes at lin when the TLB has them (read: readable
 * page; write: fast-writable RAM), else NULL. */
X86_ALWAYS_INLINE uint8_t *x86_tlb_ptr(CPUX86State *env, uint32_t lin, unsigned size,
                                       bool write)
{
    X86TLBEntry *e = x86_tlb_entry(env, lin);
    uint32_t tag = write ? e->tag_write : e->tag_read;
    if (tag != (lin & (0xfffff000u | (size - 1)))) {
        return NULL;
    }
    return (uint8_t *)(e->addend + lin);
}

/* The operand's host pointer on the fast path, or NULL. */
X86_ALWAYS_INLINE uint8_t *x86_operand_ptr(CPUX86State *env, const X86Insn *in, int mk,
                                           unsigned size, bool write)
{
    uint32_t lin;
    if (!x86_ea_lin_fast(env, in, mk, size, write, &lin)) {
        return NULL;
    }
    return x86_tlb_ptr(env, lin, size, write);
}

/* ------------------------------------------------------------------ */
/* The translator and the code cache                                    */

X86CodeCache *x86_code_cache_new(void);
/* Bumped by every x86_tb_flush: pointers to blocks from before are stale. */
uint64_t x86_code_generation(CPUX86State *env);
void x86_code_cache_free(X86CodeCache *cc);
/* Where the code cache of env keeps its code generator's buffer. */
void **x86_code_cache_jit_slot(CPUX86State *env);
/* The CPUs whose code caches are kept coherent (every realized CPU): a
 * write to code through one drops the blocks in all. */
void x86_code_coherence_add(CPUX86State *env);
void x86_code_coherence_remove(CPUX86State *env);
unsigned x86_cpu_count(void);
CPUX86State *x86_cpu_env(unsigned i);
/* Drop every block (at a block boundary only). */
void x86_tb_flush(CPUX86State *env);
/* The block for the current CS:EIP and mode, translating it if needed. */
X86TB *x86_tb_find(CPUX86State *env);
/* Invalidate blocks with code in physical [pa, pa+len). */
void x86_tb_invalidate_phys(CPUX86State *env, uint32_t pa, uint32_t len);
/* True when the physical page holds translated code at [pa, pa+len). */
bool x86_phys_has_code(CPUX86State *env, uint32_t pa, uint32_t len);
bool x86_page_has_code(CPUX86State *env, uint32_t phys_page);

typedef struct X86DecodeCtx {
    CPUX86State *env;
    const uint8_t *code;     /* bytes at eip */
    uint32_t avail;          /* bytes that may be read from code */
    uint32_t eip;
    uint32_t hflags;
} X86DecodeCtx;

/* Decode one instruction.  Returns 1 when done, 0 when more bytes than
 * ctx->avail are needed, -1 for an instruction longer than 15 bytes (#GP).
 * *ends_block says the block must end after it. */
int x86_decode(X86DecodeCtx *ctx, X86Insn *in, bool *ends_block);

/* Handlers that decoding needs to name directly. */
void x86_op_raise_ud(CPUX86State *env, const X86Insn *in);
void x86_op_raise_gp0(CPUX86State *env, const X86Insn *in);

/* ------------------------------------------------------------------ */
/* Misc                                                                 */

bool x86_io_allowed(CPUX86State *env, uint32_t port, unsigned size);
uint32_t x86_io_in(CPUX86State *env, uint32_t port, unsigned size);
void x86_io_out(CPUX86State *env, uint32_t port, uint32_t val, unsigned size);
uint64_t x86_get_tsc(CPUX86State *env);
void x86_cpuid(CPUX86State *env, uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c,
               uint32_t *d);
bool x86_rdmsr(CPUX86State *env, uint32_t msr, uint64_t *val);
bool x86_wrmsr(CPUX86State *env, uint32_t msr, uint64_t val);
/* A local APIC is attached (the "intc" link) and globally enabled. */
bool x86_has_apic(CPUX86State *env);
/* Feature flags the model reports (CPUID bit numbers, SDM vol. 2A,
 * CPUID, tables 3-10 and 3-11). */
#define X86_CPUID_PAE     (1u << 6)
#define X86_CPUID_MTRR    (1u << 12)
#define X86_CPUID_PAT     (1u << 16)
#define X86_CPUID_PSE36   (1u << 17)
#define X86_CPUID_CLFLUSH (1u << 19)
#define X86_CPUID_EXT2_NX (1u << 20)
#define X86_CPUID_ECX_MOVBE (1u << 22)   /* CPUID.1:ECX */
/* MAXPHYADDR (SDM vol. 3A, 4.1.4): 36 bits with PAE or PSE-36 (and no
 * CPUID leaf 80000008H saying otherwise), 32 without. */
static inline int x86_maxphyaddr(const CPUX86State *env)
{
    return (env->cpuid_features & (X86_CPUID_PAE | X86_CPUID_PSE36)) ? 36 : 32;
}
/* The MSRs' state at RESET (MTRRs, PAT, EFER; SDM vol. 3A, table 9-1);
 * INIT keeps them. */
void x86_msr_reset(CPUX86State *env);
/* Whether the MSR state holds only what WRMSR could have written (a loaded
 * state description). */
bool x86_msr_state_check(CPUX86State *env, Error **errp);
/* Write CR0/CR3/CR4 with their side effects (TLB, mode). */
void x86_write_cr(CPUX86State *env, int cr, uint32_t val);
/* Request that the current block stops and the loop re-examines the state
 * (mode change by a device, SMC). */
void x86_set_ferr(CPUX86State *env, bool level);
X86CPU *x86_env_cpu(CPUX86State *env);
/* PAUSE ends the CPU's slice (set while there is more than one CPU). */
extern bool x86_pause_yields;
/* Set up the engine state (code cache, TLB, address spaces); the CPU
 * device does it in instance_init. */
void x86_env_init(CPUX86State *env, CPUState *cs, AddressSpace *as, AddressSpace *io_as);
/* The engine entry points the CPU class wraps (x86-exec.c). */
int64_t x86_cpu_exec(CPUX86State *env, int64_t max_insns);
bool x86_cpu_has_work(CPUX86State *env);
uint64_t x86_insns_now(CPUX86State *env);

/* Far control transfers and task switches (x86-far.c, x86-task.c). */
void x86_far_jmp(CPUX86State *env, uint16_t sel, uint32_t off, uint32_t next_eip);
void x86_far_call(CPUX86State *env, uint16_t sel, uint32_t off, bool o32,
                  uint32_t next_eip);
void x86_far_ret(CPUX86State *env, bool o32, uint16_t extra);
void x86_iret(CPUX86State *env, bool o32);
enum { TS_JMP, TS_CALL, TS_IRET, TS_INT };
void x86_task_switch(CPUX86State *env, uint16_t sel, uint32_t lo, uint32_t hi, int source,
                     uint32_t next_eip);
void x86_sysenter(CPUX86State *env);
void x86_sysexit(CPUX86State *env);

#endif
