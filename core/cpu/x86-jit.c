/*
 * A template code generator for x86-64 hosts: the backend behind the
 * X86TB.host_code seam (see docs/architecture.md, "The x86 CPU").
 *
 * A block that has run JIT_THRESHOLD times is compiled from its decoded
 * instructions.  The common forms in flat protected mode (MOV, the ALU
 * operations and TEST of every size, LEA, MOVZX/MOVSX, IMUL, NOT/NEG,
 * shifts by an immediate or CL, INC/DEC, SETcc/CMOVcc, BT with an
 * immediate, PUSH/POP, LEAVE, CALL/RET, JMP, Jcc; see docs/architecture.md,
 * "The translator", for the exact list) become inline host code: the
 * guest registers a block uses most live in callee-saved host registers,
 * the lazy-flag fields stay in env (rbx), memory operands take the TLB
 * fast path inline and call the C slow paths out of line.
 * Every other instruction calls its interpreter handler, told to stop after
 * itself (blk_end), so the whole instruction set is covered and the
 * semantics stay in one place.
 *
 * The contract is the interpreter's: env->cur names the instruction that
 * may fault (set before every call out), a code write or a yielding REP
 * ends the block after the instruction (smc_hit/rep_restart), the taken
 * branch leaves env->eip and env->exit_slot, and the block ends through
 * x86_block_end, so chaining works the same.
 *
 * On hosts other than x86-64, or when no executable memory can be had,
 * nothing is compiled and the interpreter runs everything.
 *
 * This file has the fall-backs, the flag liveness pass, the choice of
 * host registers and the block; the emitters are in x86-jit-mem.c
 * (guest registers, memory operands, slow paths), x86-jit-alu.c (data
 * operations) and x86-jit-ctl.c (conditions, chaining, control
 * transfers), sharing x86-jit-int.h.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE             /* dladdr, for the fallback statistics */
#endif
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "cpu/x86-jit-int.h"
#include "util/log-internal.h"

#ifdef X86_JIT_HOST

/* Each CPU's code cache has its own buffer: flushing one CPU's blocks
 * must not take the host code of another's. */
static JitBuffer *jit_buffer(CPUX86State *env)
{
    void **slot = x86_code_cache_jit_slot(env);
    if (!*slot) {
        *slot = g_new0(JitBuffer, 1);
    }
    return *slot;
}

/* ---- the fall-back: one interpreted instruction ---- */

/*
 * Fallback statistics: with CARDCAGE_JIT_STATS set in the environment,
 * every interpreted instruction of a compiled block counts a run of its
 * handler, and the handlers run most are printed on stderr at exit
 * (which forms to compile next), as file and offset for `addr2line -f -e
 * FILE OFFSET`.  The counts are approximate with more
 * than one CPU (no atomic increments).
 */
#define JIT_STATS_SLOTS 1024

typedef struct JitStat {
    X86Handler fn;
    uint64_t runs;
} JitStat;

static JitStat jit_stats[JIT_STATS_SLOTS];
static int jit_stats_on = -1;

static int jit_stat_cmp(const void *a, const void *b)
{
    uint64_t x = ((const JitStat *)a)->runs, y = ((const JitStat *)b)->runs;
    return x < y ? 1 : x > y ? -1 : 0;
}

static void jit_stats_print(void)
{
    static JitStat sorted[JIT_STATS_SLOTS];
    uint64_t total = 0;
    memcpy(sorted, jit_stats, sizeof(sorted));
    qsort(sorted, JIT_STATS_SLOTS, sizeof(JitStat), jit_stat_cmp);
    for (int k = 0; k < JIT_STATS_SLOTS; k++) {
        total += sorted[k].runs;
    }
    fprintf(stderr, "x86-jit: %llu interpreted instructions in compiled blocks\n",
            (unsigned long long)total);
    for (int k = 0; k < 40 && sorted[k].runs; k++) {
        /* the handlers are not exported: file and offset, for addr2line -f */
        Dl_info info;
        if (dladdr((void *)sorted[k].fn, &info) && info.dli_fname) {
            fprintf(stderr, "  %12llu  %s 0x%tx\n", (unsigned long long)sorted[k].runs,
                    info.dli_fname, (char *)sorted[k].fn - (char *)info.dli_fbase);
        }
    }
}

/* The counter of in->fn's runs, or NULL when statistics are off (or the
 * table is full). */
static uint64_t *jit_stat_slot(const X86Insn *in)
{
    if (jit_stats_on < 0) {
        jit_stats_on = getenv("CARDCAGE_JIT_STATS") != NULL;
        if (jit_stats_on) {
            atexit(jit_stats_print);
        }
    }
    if (!jit_stats_on) {
        return NULL;
    }
    unsigned h = (unsigned)(((uintptr_t)in->fn >> 4) * 0x9e3779b1u) % JIT_STATS_SLOTS;
    for (unsigned n = 0; n < JIT_STATS_SLOTS; n++, h = (h + 1) % JIT_STATS_SLOTS) {
        if (jit_stats[h].fn == in->fn || !jit_stats[h].fn) {
            jit_stats[h].fn = in->fn;
            return &jit_stats[h].runs;
        }
    }
    return NULL;
}

/*
 * With CARDCAGE_PERFMAP set in the environment, every compiled block is
 * named in /tmp/perf-PID.map, the file `perf report` reads for code
 * without symbols (the format of the Linux perf tool's
 * tools/perf/Documentation/jit-interface.txt: start, size, name, in hex):
 * the name is the block's guest linear address, so a profile shows which
 * guest code the host time went to (bench/linux-boot/profile.py maps
 * those to the guest kernel's symbols).  A flush of the code cache reuses
 * the host addresses, so it empties the map (perf would otherwise name new
 * code after the oldest block at that address); with several CPUs that
 * drops the other CPUs' names too: profile a one-CPU machine.
 */
static FILE *jit_perfmap(void)
{
    static int on = -1;
    static FILE *f;
    if (on < 0) {
        on = getenv("CARDCAGE_PERFMAP") != NULL;
        if (on) {
            char path[64];
            snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
            f = fopen(path, "w");
            if (!f) {
                warn_report("CARDCAGE_PERFMAP: cannot write %s: %s", path, g_strerror(errno));
            }
        }
    }
    return f;
}

/* The exit stubs are named too, as one symbol. */
static void perfmap_stubs(const JitBuffer *jb)
{
    FILE *map = jit_perfmap();
    if (map) {
        fprintf(map, "%" PRIxPTR " %zx cardcage_jit_exit_stubs\n", (uintptr_t)jb->base,
                jb->stubs_end);
        fflush(map);
    }
}

/* Count a run of in's handler when statistics are on. */
static void emit_stat(Jit *j, const X86Insn *in)
{
    uint64_t *slot = jit_stat_slot(in);
    if (slot) {
        mov_ri64(j, RAX, (uintptr_t)slot);
        e8(j, 0x48); e8(j, 0xff); e8(j, 0x00);       /* inc qword [rax] */
    }
}

static void emit_fallback(Jit *j, const X86Insn *in, bool last)
{
    /* env->cur = in; env->blk_end = in + 1: the handler runs alone; its
     * X86_NEXT ends in x86_block_end, which returns at once while
     * jit_fallback is set. */
    regs_sync(j);
    emit_stat(j, in);
    set_cur(j, in);
    if (last) {
        /* What the loop presets for interpreted blocks: a branch handler
         * overwrites them. */
        st32i(j, ENV_OFF(eip), j->tb->next_eip);
        st32i(j, ENV_OFF(exit_slot), (uint32_t)EXIT_NEXT);
    }
    emit_handler_call(j, in);
    regs_forget(j);
    if (!last) {
        /* Stop here if the instruction wrote this block's code or is a
         * REP that yields. */
        op_mem(j, false, 0x0fb6, RAX, ENV, ENV_OFF(smc_hit));
        op_mem(j, false, 0x0a, RAX, ENV, ENV_OFF(rep_restart));   /* or al, [rep] */
        e8(j, 0x84); e8(j, 0xc0);
        patch32(j, jcc32(j, HC_NE), j->exit_stop);
    }
    j->cc_known = -1;
}

/* An interpreted instruction that only reads and writes registers, flags
 * and memory (no I/O, no mode, no control transfer): -d jit-verify may
 * run a block holding it twice. */
static bool in_table(const X86Insn *in, const X86Handler *t, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (in->fn == t[k]) {
            return true;
        }
    }
    return false;
}

static bool data_only(const X86Insn *in)
{
#define IN_TABLE(t) in_table(in, (const X86Handler *)(t), sizeof(t) / sizeof(X86Handler))
    return IN_TABLE(x86_h_alu) || IN_TABLE(x86_h_test) || IN_TABLE(x86_h_unary) ||
           IN_TABLE(x86_h_shift) || IN_TABLE(x86_h_imul) || IN_TABLE(x86_h_mov) ||
           IN_TABLE(x86_h_movx) || IN_TABLE(x86_h_cmov) || IN_TABLE(x86_h_setcc) ||
           IN_TABLE(x86_h_push_reg) || IN_TABLE(x86_h_pop_reg) || IN_TABLE(x86_h_push_imm);
#undef IN_TABLE
}

/* ---- the block ---- */

static bool emit_insn(Jit *j, const X86Insn *in)
{
    return emit_mov(j, in) || emit_alu(j, in) || emit_movx(j, in) || emit_test(j, in) ||
           emit_lea(j, in) || emit_stack(j, in) || emit_imul(j, in) || emit_shift(j, in) ||
           emit_incdec(j, in) || emit_notneg(j, in) || emit_cc_use(j, in) ||
           emit_shift_cl(j, in) || emit_shift_narrow(j, in) || emit_bt_imm(j, in) ||
           emit_rotate(j, in) || emit_nop(j, in) || emit_muldiv(j, in) || emit_xchg(j, in) ||
           emit_cmpxchg(j, in) || emit_shxd(j, in) || emit_pushf(j, in) ||
           emit_string(j, in) || emit_jcc(j, in) || emit_branch(j, in);
}

/*
 * Flag liveness over the block.  Which flags an instruction needs (R),
 * writes whole (W: CF, or all the others, as two groups) and whether it may
 * fault or leave the block in the middle (then every flag must be right
 * before it: a fault delivers EFLAGS, the loop resumes from env).  This
 * mirrors what emit_insn compiles inline; anything else is an interpreted
 * instruction, which may read every flag and fault.
 */
static void flag_use(const X86Insn *in, int live_after, int *w, int *r, bool *fault)
{
    int op, size;
    const X86Handler *m = x86_h_mov[2];
    *w = 0;
    *r = 0;
    *fault = (in->flags & IF_MEM) != 0;
    if (alu_form(in, &op, &size) >= 0 && (op == 2 || op == 3)) {
        *w = FL_ALL;
        *r = FL_CF;
        return;
    }
    if (alu_form(in, &op, &size) >= 0 || test_form(in, &size) >= 0 ||
        is_fn(in, x86_h_imul[0][1][MK_REG]) || is_fn(in, x86_h_imul[0][1][MK_FLAT]) ||
        is_fn(in, x86_h_imul[1][1][MK_REG]) || is_fn(in, x86_h_imul[1][1][MK_FLAT])) {
        *w = FL_ALL;
        return;
    }
    for (int k = 4; k <= 7; k++) {
        if (k != 6 && is_fn(in, x86_h_shift[k][2][MK_REG][0])) {
            *w = (in->imm & 31) ? FL_ALL : 0;
            return;
        }
    }
    int kind;
    if (shift_imm_form(in, &op, &size, &kind)) {
        *w = FL_ALL;
        return;
    }
    if (is_fn(in, x86_h_shift[0][2][MK_REG][0]) || is_fn(in, x86_h_shift[1][2][MK_REG][0])) {
        /* with live flags, the others are kept: EFLAGS is materialized */
        *r = live_after && (in->imm & 31) ? FL_ALL : 0;
        return;
    }
    int dec, mk;
    if (incdec_form(in, &size, &dec, &mk)) {
        *w = FL_REST;
        *r = FL_CF;
        return;
    }
    if (is_fn(in, x86_h_unary[2][2][MK_REG])) {
        return;                                      /* NOT: no flags */
    }
    int cond;
    bool set;
    if (cc_use_form(in, &cond, &set)) {
        *r = FL_ALL;
        return;
    }
    if (shift_cl_op(in) >= 0) {
        return;             /* a zero count keeps them all: writes none for sure */
    }
    if (is_fn(in, x86_op_bt_i) && in->osz == 4) {
        *r = FL_ALL;        /* EFLAGS materialized: the others kept */
        return;
    }
    if (is_fn(in, x86_h_unary[3][2][MK_REG])) {
        *w = FL_ALL;
        return;
    }
    if (is_fn(in, m[0]) || is_fn(in, m[1]) || is_fn(in, m[5]) || is_fn(in, m[6]) ||
        is_fn(in, m[7]) || is_fn(in, x86_h_mov[0][5]) || is_fn(in, x86_h_mov[0][6]) ||
        is_fn(in, x86_h_mov[0][0]) || is_fn(in, x86_h_mov[0][1]) ||
        is_fn(in, x86_h_mov[0][7]) || is_fn(in, x86_h_mov[1][0]) ||
        is_fn(in, x86_h_mov[1][1]) || is_fn(in, x86_h_mov[1][5]) ||
        is_fn(in, x86_h_mov[1][6]) || is_fn(in, x86_h_mov[1][7]) ||
        (is_fn(in, m[3]) && !in->ashift) ||
        (is_fn(in, x86_h_lea[1]) && !in->ashift)) {
        return;
    }
    for (int sx = 0; sx < 2; sx++) {
        for (int s16 = 0; s16 < 2; s16++) {
            const X86Handler *k = x86_h_movx[sx][s16][1];
            if (is_fn(in, k[MK_REG]) || is_fn(in, k[MK_FLAT])) {
                return;
            }
        }
    }
    if (is_fn(in, x86_h_push_reg[2]) || is_fn(in, x86_h_push_imm[2]) ||
        is_fn(in, x86_h_pop_reg[2])) {
        *fault = true;
        return;
    }
    if (is_fn(in, x86_op_nop)) {
        *fault = false;
        return;
    }
    *r = FL_ALL;
    *fault = true;
}

static void flag_liveness(Jit *j)
{
    const X86TB *tb = j->tb;
    int live = FL_ALL;              /* the successor may read any flag */
    for (int i = tb->ninsns - 1; i >= 0; i--) {
        int w, r;
        bool fault;
        j->live_after[i] = (uint8_t)live;
        flag_use(&tb->insns[i], live, &w, &r, &fault);
        live = fault ? FL_ALL : (live & ~w) | r;
    }
}

/*
 * Which guest registers live in host registers: those the block names at
 * least twice, the most used first, as many as there are host registers
 * for them.  The count is a heuristic (a byte register counts for its
 * dword; an instruction without a ModRM may count a register it does not
 * use): a wrong guess costs speed, never correctness, since every access
 * goes through gh/ldg/stg/ldb/stb.
 */
static void choose_hregs(Jit *j)
{
    const X86TB *tb = j->tb;
    int uses[8] = { 0 };
    bool carry_in = false;
    for (unsigned i = 0; i < tb->ninsns; i++) {
        const X86Insn *in = &tb->insns[i];
        int op, size;
        if (alu_form(in, &op, &size) >= 0 && (op == 2 || op == 3)) {
            carry_in = true;
        }
        int shift = in->osz == 1 ? 2 : 0;
        if (((unsigned)in->reg >> shift) < 8) {
            uses[in->reg >> shift]++;
        }
        if (in->flags & IF_MEM) {
            if (in->rm < 8) {
                uses[in->rm]++;
            }
            if (in->idx < 8) {
                uses[in->idx]++;
            }
        } else if (((unsigned)in->rm >> shift) < 8) {
            uses[in->rm >> shift]++;
        }
        if (is_fn(in, x86_h_push_reg[2]) || is_fn(in, x86_h_push_imm[2]) ||
            is_fn(in, x86_h_pop_reg[2]) || is_fn(in, x86_h_call_rel[2]) ||
            is_fn(in, x86_h_ret[0][2])) {
            uses[R_ESP] += 2;
        }
    }
    for (int r = 0; r < 8; r++) {
        j->hreg_of[r] = -1;
    }
    j->nsaved = 0;
    /* ADC/SBB keep their carry-in across the memory access in the last
     * of them */
    int nguest = carry_in ? MAX_GUEST_HREGS - 1 : MAX_GUEST_HREGS;
    while (j->nsaved < nguest) {
        int best = -1;
        for (int r = 0; r < 8; r++) {
            if (j->hreg_of[r] < 0 && uses[r] >= 2 && (best < 0 || uses[r] > uses[best])) {
                best = r;
            }
        }
        if (best < 0) {
            break;
        }
        int h = guest_hregs[j->nsaved];
        j->hreg_of[best] = (int8_t)h;
        j->saved[j->nsaved++] = h;
    }
    j->cf_tmp = -1;
    if (carry_in) {
        j->cf_tmp = guest_hregs[j->nsaved];
        j->saved[j->nsaved++] = j->cf_tmp;
    }
    j->loaded = 0;
    j->dirty = 0;
}

static bool jit_buffer_init(JitBuffer *jb)
{
    if (jb->base || jb->failed) {
        return jb->base != NULL;
    }
    void *p = mmap(NULL, JIT_BUFFER_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        log_mask(LOG_UNIMP, "x86: no executable memory for the code generator: "
                 "interpreting everything\n");
        jb->failed = true;
        return false;
    }
    jb->base = p;
    jb->size = JIT_BUFFER_SIZE;
    jb->used = 0;
    /* slow paths are about a fifth of the code (a Linux boot) */
    jb->cold_start = jb->cold_used = JIT_BUFFER_SIZE - JIT_BUFFER_SIZE / 4;
    return true;
}

void x86_jit_reset(CPUX86State *env)
{
    JitBuffer *jb = *x86_code_cache_jit_slot(env);
    if (jb) {
        jb->used = jb->stubs_end;
        jb->cold_used = jb->cold_start;
        FILE *map = jit_perfmap();
        if (map && ftruncate(fileno(map), 0) == 0) {
            rewind(map);
            perfmap_stubs(jb);
        }
    }
}

void x86_jit_free(void *buf)
{
    JitBuffer *jb = buf;
    if (jb && jb->base) {
        munmap(jb->base, jb->size);
    }
    g_free(jb);
}

/* -d out_asm: the block's host code (its main line, then its slow paths)
 * in hex, 32 bytes a line, each line led by its host address, for
 * scripts/jit-disasm to disassemble. */
static void log_hex(const uint8_t *start, size_t len)
{
    for (size_t off = 0; off < len; off += 32) {
        char hex[65];
        size_t n = len - off < 32 ? len - off : 32;
        for (size_t k = 0; k < n; k++) {
            snprintf(hex + 2 * k, 3, "%02x", start[off + k]);
        }
        log_printf("  %p %s\n", (const void *)(start + off), hex);
    }
}

static void log_host_code(const X86TB *tb, const uint8_t *start, size_t len, const void *entry,
                          const char *what)
{
    log_printf("x86: %s of block %08x: %u insns, %zu bytes at %p, entry %p\n", what, tb->pc,
               tb->ninsns, len, (const void *)start, entry);
    log_hex(start, len);
}

/* The exit stubs at the start of the buffer (emit_exit_stubs), emitted
 * with the first block: j has exit_req_off set and nothing else yet. */
static bool emit_stubs(JitBuffer *jb, Jit *j)
{
    j->p = jb->base;
    j->end = jb->base + jb->cold_start;
    emit_exit_stubs(j, &jb->stubs);
    if (j->overflow) {
        return false;
    }
    jb->stubs_end = ((size_t)(j->p - jb->base) + 15) & ~(size_t)15;
    if (log_enabled(LOG_OUT_ASM)) {
        log_printf("x86: host code of the exit stubs: %zu bytes at %p\n",
                   (size_t)(j->p - jb->base), (void *)jb->base);
        log_hex(jb->base, (size_t)(j->p - jb->base));
    }
    jb->used = jb->stubs_end;
    perfmap_stubs(jb);
    return true;
}

bool x86_jit_compile(CPUX86State *env, X86TB *tb)
{
    JitBuffer *jb = jit_buffer(env);
    if (!jit_buffer_init(jb) || tb->special) {
        return false;
    }
    size_t room = JIT_MAX_BLOCK_CODE + (size_t)tb->ninsns * 512;
    if (jb->cold_start - jb->used < room || jb->size - jb->cold_used < room) {
        return false;       /* full until the next flush of the code cache */
    }
    static Jit jit;
    Jit *j = &jit;
    memset(j, 0, offsetof(Jit, slow));
    j->nslow = 0;
    j->tb = tb;
    j->cs_limit = env->segs[R_CS].limit;
    /* exit_request is read at a fixed distance from env: the CPU state
     * must be the one embedded in its X86CPU. */
    if (env->cs != CPU(x86_env_cpu(env))) {
        return false;
    }
    j->exit_req_off = (int32_t)offsetof(CPUState, exit_request) -
                      (int32_t)offsetof(X86CPU, env);
    if (!jb->stubs_end && !emit_stubs(jb, j)) {
        return false;
    }
    j->stubs = &jb->stubs;
    tb->jit_cs_limit = j->cs_limit;
    j->p = jb->base + jb->used;
    j->end = jb->base + jb->cold_start;
    j->cc_known = -1;
    j->exit_stop = jb->stubs.exit_stop;
    uint8_t *start = j->p;

    choose_hregs(j);
    emit_link_entry(j);
    /* Prologue: env in rbx; the guest registers chosen are loaded into
     * their host registers on first use. */
    uint8_t *entry = j->p;
    emit_prologue(j);
    op_rr(j, true, 0x89, RDI, ENV);                  /* mov rbx, rdi */

    /* A block that may loop to its own start loads its guest registers
     * at once: the back edge (emit_self_loop) keeps them loaded. */
    const X86Insn *last_in = &tb->insns[tb->ninsns - 1];
    if (last_in->imm == tb->insns[0].eip &&
        (is_fn(last_in, x86_op_jmp) || is_fn(last_in, x86_op_loop) || jcc_cond(last_in) >= 0)) {
        for (int r = 0; r < 8; r++) {
            if (j->hreg_of[r] >= 0) {
                ld32(j, j->hreg_of[r], REG_OFF(r));
                j->loaded |= (uint8_t)(1u << r);
            }
        }
        j->loop_head = j->p;
    }

    flag_liveness(j);
    bool last_native = false, pure = true;
    for (unsigned i = 0; i < tb->ninsns && !j->overflow; i++) {
        const X86Insn *in = &tb->insns[i];
        bool last = i + 1 == tb->ninsns;
        j->flags_live = j->live_after[i] != 0;
        j->rest_live = (j->live_after[i] & FL_REST) != 0;
        last_native = emit_insn(j, in);
        if (!last_native) {
            pure = pure && data_only(in);
            emit_fallback(j, in, last);
        }
    }
    if (!j->exits_done) {
        if (last_native) {
            /* The block ended for its size or a page end: fall through. */
            st32i(j, ENV_OFF(eip), tb->next_eip);
            emit_chain_exit(j, EXIT_NEXT);
        } else {
            emit_dyn_exit(j, false);
        }
    }
    /* the slow paths go to the cold region */
    uint8_t *hot_end = j->p;
    j->p = jb->base + jb->cold_used;
    j->end = jb->base + jb->size;
    uint8_t *cold = j->p;
    emit_slow_paths(j);
    if (j->overflow) {
        return false;
    }
    jb->used = ((size_t)(hot_end - jb->base) + 15) & ~(size_t)15;
    jb->cold_used = (size_t)(j->p - jb->base);
    tb->host_code = (void (*)(CPUX86State *, X86TB *))entry;
    tb->jit_pure = pure;
    tb->jit_link = start;
    tb->jit_site[0] = j->site[0];
    tb->jit_site[1] = j->site[1];
    x86_tb_relink_all(tb);
    FILE *map = jit_perfmap();
    if (map) {
        fprintf(map, "%" PRIxPTR " %tx guest_%08x\n", (uintptr_t)start, hot_end - start, tb->pc);
        if (j->p > cold) {
            fprintf(map, "%" PRIxPTR " %tx guest_%08x_slow\n", (uintptr_t)cold, j->p - cold,
                    tb->pc);
        }
        fflush(map);
    }
    if (log_enabled(LOG_IN_ASM)) {
        log_printf("x86: compiled block %08x: %u insns, %zu bytes of host code "
                   "(and %zu of slow paths)\n", tb->pc, tb->ninsns, (size_t)(hot_end - start),
                   (size_t)(j->p - cold));
    }
    if (log_enabled(LOG_OUT_ASM)) {
        log_host_code(tb, start, (size_t)(hot_end - start), entry, "host code");
        log_host_code(tb, cold, (size_t)(j->p - cold), entry, "slow paths");
    }
    return true;
}

/* The jump at a chain exit's site: to the successor's link entry when
 * the successor is compiled and valid, else 0 (on to the stub call that
 * follows it).  Only ever to the successor of jmp[slot], which is on the
 * same page of guest code (see exec_blocks). */
void x86_jit_relink(X86TB *a, int slot)
{
    uint8_t *site = a->jit_site[slot];
    if (!site) {
        return;
    }
    const X86TB *b = a->jmp[slot];
    uint8_t *to = b && b->valid && b->jit_link ? b->jit_link : site + 4;
    int32_t rel = (int32_t)(to - (site + 4));
    memcpy(site, &rel, 4);
}

#else

void x86_jit_relink(X86TB *a, int slot)
{
    (void)a;
    (void)slot;
}

bool x86_jit_compile(CPUX86State *env, X86TB *tb)
{
    return false;
}

void x86_jit_reset(CPUX86State *env)
{
}

void x86_jit_free(void *buf)
{
}

#endif
