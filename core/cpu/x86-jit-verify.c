/*
 * -d jit-verify: the interpreter checks the code generator.  A compiled
 * block made only of inline host code (X86TB.jit_pure: no interpreted
 * instruction, so nothing that changes the mode, the TLB or does I/O) is
 * run twice from the same state: first by the interpreter, the reference,
 * then, after its memory writes are undone and the CPU state restored, by
 * its host code.  The registers, EIP, the exit taken, EFLAGS (as
 * materialised) and the list of memory writes must be the same; the first
 * difference is reported with the block's EIP and instructions, counted
 * in x86_jit_verify_failures, and the interpreter's result is kept.
 *
 * While the interpreter's run is checked, every store takes the slow path
 * (the write tags of the TLB are dropped, and x86_st_slow hands stores
 * here), so that each one is logged with the value it overwrote; the
 * compiled run keeps its fast paths, and must leave the same values at
 * those places (a stray store elsewhere is not seen).  A run that touches anything
 * but plain RAM (a device, a page holding code, a page-crossing store) or
 * that faults is not checked: it keeps the interpreter's result, which is
 * correct by definition.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include "cpu/x86-internal.h"
#include "util/log-internal.h"

#define VERIFY_MAX_WRITES 512

typedef struct VerifyWrite {
    uint32_t lin;
    uint32_t val;
    uint32_t old;
    uint32_t fin;           /* what the place held after the interpreter's run */
    uint8_t size;
    uint8_t *host;
} VerifyWrite;

struct X86VerifyLog {
    unsigned n;
    bool unverifiable;      /* touched something a second run must not */
    bool keep_tags;         /* the compiled run: later stores may take the fast path */
    VerifyWrite w[VERIFY_MAX_WRITES];
};

unsigned x86_jit_verify_failures;
static unsigned long verified_blocks;

/* Record a store to RAM at lin (through TLB entry e) with the value it
 * overwrites, so the checked run can be undone.  The caller checked that
 * the log has room. */
static VerifyWrite *log_write(X86VerifyLog *log, const X86TLBEntry *e, uint32_t lin,
                              uint32_t val, unsigned size)
{
    VerifyWrite *w = &log->w[log->n++];
    w->lin = lin;
    w->val = val;
    w->size = (uint8_t)size;
    w->host = (uint8_t *)(e->addend + lin);
    w->old = x86_host_ld(w->host, size);
    return w;
}

/* The store of a checked run (x86_st_slow while env->verify_log is set). */
void x86_jit_verify_store(CPUX86State *env, uint32_t lin, uint32_t val, unsigned size)
{
    X86VerifyLog *log = env->verify_log;
    if ((lin & 0xfff) + size <= 0x1000 && log->n < VERIFY_MAX_WRITES) {
        /* Fills the TLB for a write, faulting as the store would. */
        x86_probe_write(env, lin, size);
        X86TLBEntry *e = x86_tlb_entry(env, lin);
        if (e->tag_write != (lin & 0xfffff000u) && e->tag_read == (lin & 0xfffff000u)) {
            /* RAM whose entry has no write tag (the page holds code, or
             * the tag was dropped here and the lookup found the entry
             * present): logged, stored for real so that the code cache
             * sees it, and the tag dropped again if that store set it. */
            log_write(log, e, lin, val, size);
            env->verify_log = NULL;
            x86_st_slow(env, lin, val, size);
            env->verify_log = log;
            if (!log->keep_tags) {
                x86_tlb_entry(env, lin)->tag_write = TLB_INVALID;
            }
            return;
        }
        if (e->tag_write == (lin & 0xfffff000u)) {
            VerifyWrite *w = log_write(log, e, lin, val, size);
            x86_host_st(w->host, val, size);
            if (!log->keep_tags) {
                /* the next store to this page comes here too */
                e->tag_write = TLB_INVALID;
            }
            return;
        }
    }
    /* A device, code, or a store across pages: done for real, once. */
    log->unverifiable = true;
    env->verify_log = NULL;
    x86_st_slow(env, lin, val, size);
    env->verify_log = log;
}

/* A load that missed the TLB fill: plain RAM fills tag_read; anything
 * else (a device) must not be read twice.  The fill also sets the write
 * tag of a writable page: dropped again in the interpreter's run, or a
 * later store there (the store half of ADD [m], imm) would take the fast
 * path unlogged, survive the undo, and be done a second time by the
 * compiled run. */
void x86_jit_verify_load(CPUX86State *env, uint32_t lin, unsigned size)
{
    X86TLBEntry *e = x86_tlb_entry(env, lin);
    if ((lin & 0xfff) + size > 0x1000 || e->tag_read != (lin & 0xfffff000u)) {
        env->verify_log->unverifiable = true;
    }
    if (!env->verify_log->keep_tags) {
        e->tag_write = TLB_INVALID;
    }
}

/* After the interpreter's run: what each logged place holds now, the
 * last of overlapping writes included (a byte stored into a pushed
 * dword). */
static void note_final(X86VerifyLog *log)
{
    for (unsigned i = 0; i < log->n; i++) {
        log->w[i].fin = x86_host_ld(log->w[i].host, log->w[i].size);
    }
}

static void undo_writes(const X86VerifyLog *log)
{
    for (unsigned i = log->n; i-- > 0;) {
        x86_host_st(log->w[i].host, log->w[i].old, log->w[i].size);
    }
}

static void redo_writes(const X86VerifyLog *log)
{
    for (unsigned i = 0; i < log->n; i++) {
        x86_host_st(log->w[i].host, log->w[i].val, log->w[i].size);
    }
}

static void print_block(CPUX86State *env, const X86TB *tb)
{
    const uint8_t *code = x86_phys_code_ptr(env, tb->phys);
    for (unsigned i = 0; i < tb->ninsns; i++) {
        const X86Insn *in = &tb->insns[i];
        log_printf("  %08x:", in->eip);
        uint32_t off = (tb->phys & 0xfff) + (in->eip - tb->eip);
        for (unsigned k = 0; code && k < in->len && off + k < 0x1000; k++) {
            log_printf(" %02x", code[off + k]);     /* code: the page's first byte */
        }
        log_printf("\n");
    }
}

/* The first difference between the interpreter's state and writes (ref,
 * rlog) and the host code's (env, jlog), or NULL. */
static const char *compare(CPUX86State *ref, const X86VerifyLog *rlog, CPUX86State *env,
                           const X86VerifyLog *jlog, char *buf, size_t len)
{
    static const char *const names[8] = { "eax", "ecx", "edx", "ebx",
                                          "esp", "ebp", "esi", "edi" };
    for (int r = 0; r < 8; r++) {
        if (ref->regs[r] != env->regs[r]) {
            snprintf(buf, len, "%s: interpreter %08x, compiled %08x", names[r], ref->regs[r],
                     env->regs[r]);
            return buf;
        }
    }
    if (ref->eip != env->eip || ref->exit_slot != env->exit_slot) {
        snprintf(buf, len, "eip/exit: interpreter %08x/%d, compiled %08x/%d", ref->eip,
                 ref->exit_slot, env->eip, env->exit_slot);
        return buf;
    }
    uint32_t fr = x86_get_eflags(ref), fj = x86_get_eflags(env);
    if (fr != fj) {
        snprintf(buf, len, "eflags: interpreter %08x, compiled %08x", fr, fj);
        return buf;
    }
    /* What the interpreter left in memory, the compiled code must have
     * left too. */
    for (unsigned i = 0; i < rlog->n; i++) {
        const VerifyWrite *a = &rlog->w[i];
        uint32_t got = x86_host_ld(a->host, a->size);
        if (got != a->fin) {
            snprintf(buf, len, "memory [%08x]/%u: interpreter %08x, compiled %08x", a->lin,
                     a->size, a->fin, got);
            return buf;
        }
    }
    (void)jlog;
    return NULL;
}

/*
 * Run tb (set up by the loop as for tb->host_code, with no chaining) both
 * ways.  Faults of the interpreter's run unwind as usual (fault_unwind
 * clears verify_log).
 */
/* The state both runs start from and are compared by: all of env but the
 * jump cache, its last member, a cache of lookups as large as the rest
 * many times over, which must also stay as the flushes of either run left
 * it, in step with its filters in the code cache. */
#define ENV_STATE_SIZE offsetof(CPUX86State, jmp_cache)
_Static_assert(offsetof(CPUX86State, jmp_cache) + sizeof(((CPUX86State *)0)->jmp_cache) ==
               sizeof(CPUX86State), "the jump cache is the last member of CPUX86State");

void x86_jit_verify_block(CPUX86State *env, X86TB *tb)
{
    static CPUX86State before, ref;
    static X86VerifyLog rlog, jlog;
    if (!tb->jit_pure) {
        tb->host_code(env, tb);
        return;
    }
    memcpy(&before, env, ENV_STATE_SIZE);
    rlog.n = 0;
    rlog.unverifiable = false;
    rlog.keep_tags = false;
    x86_tlb_drop_write_tags(env);
    env->verify_log = &rlog;
    tb->insns->fn(env, tb->insns);
    env->verify_log = NULL;
    if (rlog.unverifiable || env->smc_hit || env->rep_restart ||
        env->cur != tb->insns_end - 1) {
        return;
    }
    memcpy(&ref, env, ENV_STATE_SIZE);
    note_final(&rlog);
    undo_writes(&rlog);
    /* The compiled run with the TLB as it was: its inline stores take
     * their fast path (checked by what they leave in memory), the rest
     * come through x86_jit_verify_store. */
    memcpy(env, &before, ENV_STATE_SIZE);
    jlog.n = 0;
    jlog.unverifiable = false;
    jlog.keep_tags = true;

    sigjmp_buf saved;
    memcpy(&saved, &env->jmp_env, sizeof(saved));
    const char *diff;
    char buf[160];
    if (sigsetjmp(env->jmp_env, 0) == 0) {
        env->verify_log = &jlog;
        tb->host_code(env, tb);
        env->verify_log = NULL;
        diff = jlog.unverifiable ? "the compiled code touched a device or code"
                                 : compare(&ref, &rlog, env, &jlog, buf, sizeof(buf));
    } else {
        env->verify_log = NULL;
        snprintf(buf, sizeof(buf), "the compiled code raised vector %d", env->exc_vec);
        diff = buf;
    }
    memcpy(&env->jmp_env, &saved, sizeof(saved));
    verified_blocks++;
    if (!(verified_blocks & (verified_blocks - 1))) {
        /* at powers of two: shows the check runs, without flooding */
        log_printf("x86: jit-verify checked %lu blocks\n", verified_blocks);
    }
    if (!diff) {
        return;
    }
    x86_jit_verify_failures++;
    log_printf("x86: jit-verify: block %08x (cs:eip %04x:%08x, %u insns): %s\n", tb->pc,
               env->segs[R_CS].sel, tb->eip, tb->ninsns, diff);
    print_block(env, tb);
    /* Keep the reference: the interpreter's state and memory. */
    undo_writes(&jlog);
    redo_writes(&rlog);
    memcpy(&saved, &env->jmp_env, sizeof(saved));
    memcpy(env, &ref, ENV_STATE_SIZE);
    memcpy(&env->jmp_env, &saved, sizeof(saved));
}
