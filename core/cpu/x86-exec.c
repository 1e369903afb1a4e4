/*
 * The execution loop: find (or translate) the block at CS:EIP, run its
 * decoded instructions, follow chained successors, and between blocks look
 * at interrupts and requests.  Faults unwind here (siglongjmp) and are
 * delivered with the double- and triple-fault rules of the SDM vol. 3A,
 * 6.15 (interrupt 8, table 6-5).
 *
 * Instruction counting is exact: the count advances by the instructions of
 * a block that completed, and x86_insns_now() adds the position inside the
 * running block, so a device that reads the icount clock during an I/O
 * access sees the right value.
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/intc.h>
#include <cardcage/system.h>
#include "cpu/x86-internal.h"
#include "timer/clock-internal.h"
#include "util/log-internal.h"

uint64_t x86_insns_now(CPUX86State *env)
{
    if (env->cur_tb) {
        return env->insns_base + (uint64_t)(env->cur - env->cur_tb->insns);
    }
    return env->cs->insns_executed;
}

/* Contributory exceptions (SDM vol. 3A, table 6-4). */
static bool contributory(int vec)
{
    return vec == EXCP_DE || vec == EXCP_TS || vec == EXCP_NP || vec == EXCP_SS ||
           vec == EXCP_GP;
}

static void triple_fault(CPUX86State *env)
{
    log_mask(LOG_INT | LOG_GUEST_ERROR, "x86: triple fault at %04x:%08x, requesting reset\n",
             env->segs[R_CS].sel, env->eip);
    env->shutdown = true;
    env->in_delivery = false;
    env->cs->halted = true;
    system_reset_request();
}

/* Deliver the fault recorded in env->exc_*.  Faults during the delivery
 * come back here (through the same siglongjmp) with in_delivery set. */
static void deliver_fault(CPUX86State *env)
{
    int vec = env->exc_vec;
    uint32_t err = env->exc_err;
    bool has_err = env->exc_has_err;
    if (env->in_delivery) {
        int first = env->first_exc;
        if (first == EXCP_DF) {
            if (contributory(vec) || vec == EXCP_PF) {
                triple_fault(env);
                return;
            }
        } else if ((contributory(first) && contributory(vec)) ||
                   (first == EXCP_PF && (contributory(vec) || vec == EXCP_PF))) {
            vec = EXCP_DF;
            err = 0;
            has_err = true;
        }
    }
    if (!(env->cr[0] & CR0_PE)) {
        has_err = false;        /* real mode pushes no error codes */
    }
    env->in_delivery = true;
    env->first_exc = vec;
    x86_do_interrupt(env, vec, false, has_err, err, env->eip);
    env->in_delivery = false;
}

/* Unwind from a fault: rewind to the faulting instruction. */
static void fault_unwind(CPUX86State *env)
{
    X86TB *tb = env->cur_tb;
    if (tb) {
        env->cs->insns_executed = env->insns_base + (uint64_t)(env->cur - tb->insns);
        env->eip = env->cur->eip;
        env->cur_tb = NULL;
    }
    env->rep_restart = false;
    env->verify_log = NULL;
    /* A fault in an instruction compiled code handed to the interpreter
     * leaves the compiled block for good: the flag that made that one
     * instruction return at once must not outlive it (it would keep every
     * interpreted block from chaining until the next fall-back). */
    env->jit_fallback = false;
}

static bool irq_deliverable(CPUX86State *env)
{
    CPUState *cs = env->cs;
    if ((cs->interrupt_request & CPU_INTERRUPT_NMI) && !env->nmi_blocked) {
        return true;
    }
    return (cs->interrupt_request & CPU_INTERRUPT_HARD) && (env->eflags & IF_MASK);
}

bool x86_cpu_has_work(CPUX86State *env)
{
    if (env->wait_sipi) {
        /* Only INIT and SIPI reach an AP waiting for SIPI (SDM vol. 3A,
         * 8.4.1); a SIPI starts it directly (x86_cpu_sipi). */
        return env->cs->interrupt_request & CPU_INTERRUPT_INIT;
    }
    return (env->cs->interrupt_request & CPU_INTERRUPT_INIT) ||
           (!env->shutdown && irq_deliverable(env));
}

/*
 * The block boundary: requests and interrupts.  Returns true when exec
 * must return to the main loop.
 */
static bool handle_events(CPUX86State *env)
{
    CPUState *cs = env->cs;
    bool shadow = cs->insns_executed == env->inhibit_irq_at;
    /* A debugger's single step runs the next instruction, not an interrupt
     * handler (as QEMU's gdbstub does by default); a halted CPU still
     * wakes. */
    bool irqs = !cs->singlestep || cs->halted;
    cs->exit_request = 0;
    if (cs->interrupt_request & CPU_INTERRUPT_FLUSH) {
        cs->interrupt_request &= ~CPU_INTERRUPT_FLUSH;
        x86_tb_flush(env);
    }
    if (cs->interrupt_request & CPU_INTERRUPT_INIT) {
        /* INIT from the local APIC: the CPU restarts at the reset vector
         * (also out of a shutdown), keeping x87 state and MSRs. */
        cs->interrupt_request &= ~CPU_INTERRUPT_INIT;
        x86_cpu_init_state(env);
        return false;
    }
    if (env->wait_sipi) {
        return true;
    }
    if (shadow && irq_deliverable(env)) {
        /* MOV SS/STI shadow: one more instruction first. */
        cs->exit_request = 1;
    } else if (irqs && (cs->interrupt_request & CPU_INTERRUPT_NMI) && !env->nmi_blocked) {
        cs->interrupt_request &= ~CPU_INTERRUPT_NMI;
        cs->halted = false;
        env->nmi_blocked = true;
        env->in_delivery = true;
        env->first_exc = EXCP_NMI;
        x86_do_interrupt(env, EXCP_NMI, false, false, 0, env->eip);
        env->in_delivery = false;
    } else if (irqs && (cs->interrupt_request & CPU_INTERRUPT_HARD) &&
               (env->eflags & IF_MASK)) {
        int vec = env->intc ? interrupt_ack(env->intc) : -1;
        cs->halted = false;
        if (vec >= 0) {
            /* An external interrupt is benign for #DF purposes: a fault
             * while delivering it is delivered on its own. */
            env->first_exc = -1;
            x86_do_interrupt(env, vec, false, false, 0, env->eip);
        }
    }
    if (cs->interrupt_request & CPU_INTERRUPT_EXIT) {
        cs->interrupt_request &= ~CPU_INTERRUPT_EXIT;
        return true;
    }
    return __atomic_exchange_n(&cs->kick, 0, __ATOMIC_SEQ_CST) != 0;
}

/* Single-step trap after an instruction that ran with TF set (SDM
 * vol. 3A, 17.3.1.4). */
static void single_step_trap(CPUX86State *env)
{
    env->dr[6] |= 0x4000;        /* BS */
    env->in_delivery = true;
    env->first_exc = EXCP_DB;
    x86_do_interrupt(env, EXCP_DB, false, false, 0, env->eip);
    env->in_delivery = false;
}

/* Blocks that may run one after the other without returning to the loop:
 * bounds the recursion when a handler's tail call is not optimised. */
#define CHAIN_BUDGET 32

/* Make `next` the running block, `base` instructions into the slice
 * (what the loop does before running a block). */
static inline void enter_block(CPUX86State *env, X86TB *next, uint64_t base)
{
    env->insns_base = base;
    env->cur_tb = next;
    env->eip = next->next_eip;
    env->exit_slot = EXIT_NEXT;
    env->blk_end = next->insns_end;
    env->cur = next->insns;
}

void x86_block_end(CPUX86State *env)
{
    if (env->jit_fallback) {
        return;
    }
    X86TB *tb = env->cur_tb;
    int slot = env->exit_slot;
    /* Only a block that ran to its end (not cut short by the icount limit,
     * a write to its own code or a yielding REP) may be followed; special
     * blocks are never chained (jmp[] stays NULL). */
    if (slot < 0 || env->blk_end != tb->insns_end || env->rep_restart || env->smc_hit ||
        --env->chain_budget <= 0) {
        return;
    }
    X86TB *next = tb->jmp[slot];
    uint64_t base = env->insns_base + tb->ninsns;
    if (!next || !next->valid || env->cs->exit_request ||
        base + next->ninsns > env->exec_limit) {
        return;
    }
    enter_block(env, next, base);
    if (next->host_code && next->jit_cs_limit == env->segs[R_CS].limit) {
        next->host_code(env, next);
        return;
    }
    next->exec_count++;
    next->insns->fn(env, next->insns);
}

/*
 * Called by compiled code at the end of a block that ran whole: the next
 * block's host code when it can run straight away (chained, or found in
 * the jump cache after an indirect transfer, compiled, within the
 * instruction budget, no request pending), with env set up for it; NULL
 * to return to the loop.
 */
void *x86_jit_next(CPUX86State *env)
{
    X86TB *tb = env->cur_tb;
    int slot = env->exit_slot;
    X86TB *next;
    /* As x86_block_end: only after a block that ran whole, wrote none of
     * its own code and left no REP half done, by a chain slot or a plain
     * indirect transfer (anything else, HLT, STI, a far transfer, a mode
     * change, returns to the loop). */
    if (env->cs->exit_request || env->rep_restart || env->smc_hit || env->chain_budget <= 0 ||
        (slot < 0 && slot != EXIT_INDIRECT)) {
        return NULL;
    }
    if (slot >= 0) {
        next = tb->jmp[slot];
    } else {
        next = x86_jmp_cache_lookup(env);
    }
    uint64_t base = env->insns_base + tb->ninsns;
    if (!next || !next->valid || !next->host_code ||
        next->jit_cs_limit != env->segs[R_CS].limit || base + next->ninsns > env->exec_limit) {
        return NULL;
    }
    enter_block(env, next, base);
    return (void *)next->host_code;
}

/* The debugger's breakpoints in the first n instructions of tb: how many
 * may run before one (0: stop before the first).  The breakpoint the CPU
 * was resumed from is passed once. */
static unsigned breakpoint_cut(CPUX86State *env, const X86TB *tb, unsigned n)
{
    CPUState *cs = env->cs;
    for (unsigned i = 0; i < n; i++) {
        uint32_t pc = tb->cs_base + tb->insns[i].eip;
        if (i == 0 && cs->bp_resume) {
            cs->bp_resume = false;
            if (pc == cs->bp_resume_pc) {
                continue;
            }
        }
        if (cpu_breakpoint_at(cs, pc)) {
            return i;
        }
    }
    return n;
}

/* Run blocks until the limit, a halt or an exit request.  A fault leaves
 * through siglongjmp to x86_cpu_exec, which calls this again. */
static void __attribute__((noinline)) exec_blocks(CPUX86State *env, uint64_t limit)
{
    CPUState *cs = env->cs;
    X86TB *last_tb = NULL;
    int last_slot = EXIT_NOCHAIN;
    uint64_t executed = cs->insns_executed;

    for (;;) {
        if (cc_unlikely(cs->exit_request)) {
            last_slot = EXIT_NOCHAIN;
            if (handle_events(env)) {
                return;
            }
            executed = cs->insns_executed;
        }
        if (cc_unlikely(cs->halted || executed >= limit)) {
            return;
        }
        X86TB *tb;
        if (last_slot >= 0 && last_tb->jmp[last_slot] && last_tb->jmp[last_slot]->valid) {
            tb = last_tb->jmp[last_slot];
        } else {
            uint64_t gen = x86_code_generation(env);
            tb = x86_tb_find(env);
            /* Chain only within one page of guest code: the page's
             * mapping was just verified by this lookup (see
             * docs/architecture.md, "The x86 CPU"). */
            if (last_slot >= 0 && last_tb->valid && !tb->special &&
                gen == x86_code_generation(env) &&
                (last_tb->pc & 0xfffff000u) == (tb->pc & 0xfffff000u) &&
                last_tb->phys_page2 == TLB_INVALID && tb->phys_page2 == TLB_INVALID) {
                x86_tb_set_jmp(last_tb, last_slot, tb);
            }
        }

        if (cc_unlikely(log_enabled(LOG_EXEC | LOG_CPU))) {
            /* -d exec / -d cpu: every block, so no chaining past it. */
            log_printf("x86: exec %04x:%08x (linear %08x, %u insns)\n", env->segs[R_CS].sel,
                       env->eip, tb->pc, tb->ninsns);
            if (log_enabled(LOG_CPU)) {
                x86_cpu_dump_state(env, stderr);
            }
            last_slot = EXIT_NOCHAIN;
        }
        uint64_t left = limit - executed;
        if (cc_unlikely(executed == env->inhibit_irq_at) && irq_deliverable(env)) {
            /* The instruction after STI, MOV SS or POP SS (each ends its
             * block) runs alone, and the waiting interrupt comes right
             * after it, not a block later (SDM vol. 3A, 6.8.3; vol. 2B,
             * STI). */
            left = 1;
        }
        unsigned n = tb->ninsns <= left ? tb->ninsns : (unsigned)left;
        if (cc_unlikely(cs->nbreakpoints)) {
            n = breakpoint_cut(env, tb, n);
            if (n == 0) {
                cs->debug_stop = true;
                return;
            }
            last_slot = EXIT_NOCHAIN;
        }
        const X86Insn *in = tb->insns;
        env->cur_tb = tb;
        env->insns_base = executed;
        env->eip = tb->next_eip;
        env->exit_slot = EXIT_NEXT;
        env->blk_end = in + n;
        env->cur = in;
        /* -d exec, -d cpu and the debugger see every block. */
        env->chain_budget = log_enabled(LOG_EXEC | LOG_CPU | LOG_JIT_VERIFY) ||
                            cs->nbreakpoints ? 0 : CHAIN_BUDGET;
        /* -d jit-verify compiles every block at once, to check them all. */
        if (!tb->host_code &&
            ++tb->exec_count >= (log_enabled(LOG_JIT_VERIFY) ? 1 : JIT_THRESHOLD) &&
            !tb->jit_tried && !tb->special) {
            tb->jit_tried = true;
            x86_jit_compile(env, tb);
        }
        /* Compiled code runs whole blocks only, under the CS it assumed. */
        if (tb->host_code && n == tb->ninsns && tb->jit_cs_limit == env->segs[R_CS].limit) {
            if (cc_unlikely(log_enabled(LOG_JIT_VERIFY))) {
                x86_jit_verify_block(env, tb);
            } else {
                tb->host_code(env, tb);
            }
        } else {
            in->fn(env, in);      /* runs to the block's end (X86_NEXT) */
        }
        /* Chained blocks may have run: continue from the last one. */
        tb = env->cur_tb;
        executed = env->insns_base;
        unsigned done = (unsigned)(env->cur - tb->insns) + 1;
        env->cur_tb = NULL;
        last_slot = env->exit_slot;
        last_tb = tb;
        if (cc_unlikely(done != tb->ninsns || env->rep_restart || env->smc_hit ||
                        tb->special)) {
            if (env->rep_restart) {
                env->rep_restart = false;
                done--;
            } else if (done < tb->ninsns) {
                env->eip = tb->insns[done].eip;
            }
            env->smc_hit = false;
            last_slot = EXIT_NOCHAIN;
            if ((tb->hflags & HF_TF) && done == tb->ninsns) {
                executed += done;
                cs->insns_executed = executed;
                single_step_trap(env);
                continue;
            }
        }
        executed += done;
        cs->insns_executed = executed;
    }
}

int64_t x86_cpu_exec(CPUX86State *env, int64_t max_insns)
{
    CPUState *cs = env->cs;
    const uint64_t start = cs->insns_executed;
    const uint64_t limit = start + (uint64_t)max_insns;
    env->rep_elems_stop = clock_icount_enabled() ? UINT64_MAX
                                                 : env->rep_elems + (uint64_t)max_insns;

    if (env->shutdown && !(cs->interrupt_request & CPU_INTERRUPT_INIT)) {
        return 0;
    }
    if (cs->halted && x86_cpu_has_work(env)) {
        cs->exit_request = 1;
    }
    if (sigsetjmp(env->jmp_env, 0)) {
        /* A fault, from anywhere below. */
        fault_unwind(env);
        deliver_fault(env);
        if (env->shutdown || cs->singlestep) {
            /* A step that faulted stops at the handler, as on hardware
             * with TF. */
            cs->debug_stop |= cs->singlestep;
            return (int64_t)(cs->insns_executed - start);
        }
    }
    env->exec_limit = limit;
    exec_blocks(env, limit);
    if (cs->singlestep && cs->insns_executed != start) {
        cs->debug_stop = true;
    }
    return (int64_t)(cs->insns_executed - start);
}
