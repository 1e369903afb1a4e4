/*
 * The code generator: conditions, chaining and control transfers
 * (see x86-jit.c and x86-jit-int.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include "cpu/x86-jit-int.h"

#ifdef X86_JIT_HOST

/* ---- control transfers (the block's last instruction) ---- */

/* A branch target beyond CS's limit raises #GP on the branch: leave those
 * to the interpreter.  Compiled blocks run only under the CS they were
 * compiled for (x86_jit_compile records the limit it assumed). */
static bool target_ok(Jit *j, uint32_t target)
{
    return target <= j->cs_limit;
}

/* test cc_dst, cc_dst: R8 when it still holds it (in_regs), else from env */
static void emit_test_dst(Jit *j, bool in_regs)
{
    if (in_regs) {
        op_rr(j, false, 0x85, R8, R8);               /* test r8d, r8d */
        return;
    }
    ld32(j, RSI, ENV_OFF(cc_dst));
    op_rr(j, false, 0x85, RSI, RSI);                 /* test esi, esi */
}

/* Evaluate a condition into the host flags and return the host condition
 * for "taken", or -1 if it must ask the C side. */
static int emit_cond(Jit *j, int cond)
{
    int base = cond & ~1, neg = cond & 1;
    int hc = -1;
    /* right after the flag-setting instruction (a CMP or TEST before a
     * Jcc), its operands and result are still in registers: compare
     * those, not their copies in env */
    bool in_regs = j->cc_regs_at == j->p;
    /* but not where a slow path comes back (CMPXCHG's, after the whole
     * instruction in the interpreter): the registers are not set there */
    for (int k = 0; k < j->nslow && in_regs; k++) {
        in_regs = j->slow[k].resume != j->p;
    }
    switch (j->cc_known) {
    case CC_OP_SUB:
        switch (base) {
        case CC_COND_Z: hc = HC_E; break;
        case CC_COND_S: hc = HC_S; break;
        case CC_COND_B: hc = HC_B; break;
        case CC_COND_BE: hc = HC_BE; break;
        case CC_COND_L: hc = HC_L; break;
        case CC_COND_LE: hc = HC_LE; break;
        default: break;
        }
        if (hc >= 0) {
            if (base == CC_COND_Z || base == CC_COND_S) {
                emit_test_dst(j, in_regs);
            } else if (in_regs) {
                alu_rr(j, 7, RSI, RDI);              /* cmp esi, edi */
            } else {
                ld32(j, RSI, ENV_OFF(cc_src1));
                op_mem(j, false, 0x3b, RSI, ENV, ENV_OFF(cc_src2));
            }
        }
        break;
    case CC_OP_LOGIC:
    case CC_OP_ADD:
    case CC_OP_INC:
    case CC_OP_DEC:
        if (base == CC_COND_Z || base == CC_COND_S ||
            (j->cc_known == CC_OP_LOGIC && (base == CC_COND_LE || base == CC_COND_L))) {
            emit_test_dst(j, in_regs);
            hc = base == CC_COND_Z ? HC_E : base == CC_COND_S ? HC_S :
                 base == CC_COND_LE ? HC_LE : HC_L;
        }
        break;
    default:
        break;
    }
    if (hc < 0) {
        return -1;
    }
    return hc ^ neg;
}

static bool jit_cond_helper(CPUX86State *env, int cond)
{
    return x86_cond(env, cond);
}

/*
 * A condition whose producer is not known at translation time (it ran in
 * an earlier block or an interpreted instruction): dispatch on cc_op at
 * run time for the common cases, as x86_cond evaluates them (a SUB/CMP
 * producer; ZF/SF from cc_dst for every lazy producer; the flags already
 * in EFLAGS), and ask the C side for the rest.  Emits jumps to "taken"
 * (taken[]) and "not taken" (skip[]); at most 3 of each.
 */
static void emit_cond_dyn(Jit *j, int cond, uint8_t **taken, int *nt, uint8_t **skip, int *ns)
{
    int base = cond & ~1, neg = cond & 1;
    uint8_t *helper[2] = { NULL, NULL };
    int nh = 0;
    /* EFLAGS: the conditions on one flag or an OR of flags */
    uint32_t mask = base == CC_COND_O ? CC_O : base == CC_COND_B ? CC_C :
                    base == CC_COND_Z ? CC_Z : base == CC_COND_BE ? (CC_C | CC_Z) :
                    base == CC_COND_S ? CC_S : base == CC_COND_P ? CC_P : 0;
    ld32(j, RAX, ENV_OFF(cc_op));
    if (base == CC_COND_Z || base == CC_COND_S) {
        alu_ri(j, 7, RAX, CC_OP_EFLAGS);
        uint8_t *eflags = jcc32(j, HC_E);
        ld32(j, RSI, ENV_OFF(cc_dst));
        op_rr(j, false, 0x85, RSI, RSI);             /* test esi, esi */
        taken[(*nt)++] = jcc32(j, (base == CC_COND_Z ? HC_E : HC_S) ^ neg);
        skip[(*ns)++] = jmp32(j);
        patch32(j, eflags, j->p);
    } else if (base == CC_COND_B || base == CC_COND_BE || base == CC_COND_L ||
               base == CC_COND_LE) {
        alu_ri(j, 7, RAX, CC_OP_SUB);
        helper[nh++] = jcc32(j, HC_NE);
        ld32(j, RSI, ENV_OFF(cc_src1));
        op_mem(j, false, 0x3b, RSI, ENV, ENV_OFF(cc_src2));   /* cmp src1, src2 */
        int hc = base == CC_COND_B ? HC_B : base == CC_COND_BE ? HC_BE :
                 base == CC_COND_L ? HC_L : HC_LE;
        taken[(*nt)++] = jcc32(j, hc ^ neg);
        skip[(*ns)++] = jmp32(j);
    }
    if (mask && (base == CC_COND_Z || base == CC_COND_S)) {
        /* here cc_op is CC_OP_EFLAGS */
        op_mem(j, false, 0xf7, 0, ENV, ENV_OFF(eflags));     /* test eflags, mask */
        e32(j, mask);
        taken[(*nt)++] = jcc32(j, HC_NE ^ neg);
        skip[(*ns)++] = jmp32(j);
    } else if (mask) {
        for (int k = 0; k < nh; k++) {
            patch32(j, helper[k], j->p);
        }
        nh = 0;
        alu_ri(j, 7, RAX, CC_OP_EFLAGS);
        helper[nh++] = jcc32(j, HC_NE);
        op_mem(j, false, 0xf7, 0, ENV, ENV_OFF(eflags));
        e32(j, mask);
        taken[(*nt)++] = jcc32(j, HC_NE ^ neg);
        skip[(*ns)++] = jmp32(j);
    }
    for (int k = 0; k < nh; k++) {
        patch32(j, helper[k], j->p);
    }
    if (base != CC_COND_Z && base != CC_COND_S) {
        op_rr(j, true, 0x89, ENV, RDI);
        mov_ri(j, RSI, cond);
        call_abs(j, (const void *)jit_cond_helper);
        e8(j, 0x84); e8(j, 0xc0);                    /* test al, al */
        skip[(*ns)++] = jcc32(j, HC_E);
        taken[(*nt)++] = jmp32(j);
    }
}

/* eax = condition cond (0 or 1) of the flags so far: one host compare
 * when the producer is known, else the run-time dispatch of Jcc.  Its
 * branch arms load no guest register. */
static void emit_cond_value(Jit *j, int cond)
{
    int hc = emit_cond(j, cond);
    if (hc >= 0) {
        e8(j, 0x0f); e8(j, 0x90 | hc); e8(j, 0xc0);  /* setcc al */
        op_rr(j, false, 0x0fb6, RAX, RAX);           /* movzx eax, al */
        return;
    }
    uint8_t *taken[4], *skip[4];
    int nt = 0, ns = 0;
    emit_cond_dyn(j, cond, taken, &nt, skip, &ns);
    for (int k = 0; k < nt; k++) {
        patch32(j, taken[k], j->p);
    }
    mov_ri(j, RAX, 1);
    uint8_t *join = jmp32(j);
    for (int k = 0; k < ns; k++) {
        patch32(j, skip[k], j->p);
    }
    mov_ri(j, RAX, 0);
    patch32(j, join, j->p);
}

/* SETcc r/m8 (register or flat memory), CMOVcc r32, r32: *cond, and
 * whether it is SETcc; false if none. */
bool cc_use_form(const X86Insn *in, int *cond, bool *set)
{
    for (int c = 0; c < 16; c++) {
        *cond = c;
        *set = true;
        if (is_fn(in, x86_h_setcc[c][MK_REG]) || is_fn(in, x86_h_setcc[c][MK_FLAT])) {
            return true;
        }
        *set = false;
        if (is_fn(in, x86_h_cmov[c][1][MK_REG]) || is_fn(in, x86_h_cmov[c][1][MK_FLAT])) {
            return true;
        }
    }
    return false;
}

bool emit_cc_use(Jit *j, const X86Insn *in)
{
    int cond;
    bool set;
    if (!cc_use_form(in, &cond, &set)) {
        return false;
    }
    if (!set && (in->flags & IF_MEM)) {
        /* CMOVcc r32, [m]: the source is read whatever the condition (a
         * fault comes first), and kept across the condition's call out */
        emit_ea(j, in, RAX);
        emit_load(j, in, 4, RSI);
        spill_esi(j);
        emit_cond_value(j, cond);
        unspill(j, RSI);
        ldg(j, RDI, in->reg);
        e8(j, 0x85); e8(j, 0xc0);                    /* test eax, eax */
        op_rr(j, false, 0x0f45, RDI, RSI);           /* cmovne edi, esi */
        stg(j, in->reg, RDI);
        return true;
    }
    emit_cond_value(j, cond);
    if (set && (in->flags & IF_MEM)) {
        mov_rr(j, RSI, RAX);
        emit_ea(j, in, RAX);
        emit_store(j, in, 1, RSI);
    } else if (set) {
        stb(j, in->rm, RAX);
    } else {
        ldg(j, RSI, in->rm);
        ldg(j, RDI, in->reg);
        e8(j, 0x85); e8(j, 0xc0);                    /* test eax, eax */
        op_rr(j, false, 0x0f45, RDI, RSI);           /* cmovne edi, esi */
        stg(j, in->reg, RDI);
    }
    return true;
}

/* The checks that let compiled code run on into another block (or its own
 * start) without returning to the loop: no exit request, no store into
 * this block's code, chain budget left.  Each failing check jumps to a
 * location recorded in fails[]. */
static void emit_run_checks(Jit *j, uint8_t **fails, int *nf)
{
    cmp_mi(j, ENV, j->exit_req_off, 0);
    fails[(*nf)++] = jcc32(j, HC_NE);
    /* a store of this block into its own code ends the run here */
    op_mem(j, false, 0x80, 7, ENV, ENV_OFF(smc_hit));
    e8(j, 0);
    fails[(*nf)++] = jcc32(j, HC_NE);
    /* -d exec/-d cpu/jit-verify set the budget to 0: every block through
     * the loop */
    cmp_mi(j, ENV, ENV_OFF(chain_budget), 0);
    fails[(*nf)++] = jcc32(j, HC_LE);
}

/*
 * The exits of every block go through three stubs at the start of the
 * code buffer (emit_exit_stubs), called with the guest registers written
 * back and env->eip set.  Each returns RCX = the host code of the block
 * to continue in, with env switched to it and RDI = env; the caller then
 * pops its frame and jumps there (each exit keeps its own indirect jump,
 * which the host predicts by its site).  Or RCX = 0, with env->cur (and
 * for a chain slot env->exit_slot) set: the caller returns to the loop.
 * Inline, these checks and the jump-cache probe made some 200 bytes of
 * host code per exit, most of a small block's code; as stubs they are
 * shared by all (the blocks' code was some 900 bytes a block on a Linux
 * boot, three times QEMU's).
 */

/* env->cur = the last instruction of env->cur_tb (where a block that
 * leaves at its end says it stopped). */
static void emit_cur_last(Jit *j)
{
    op_mem(j, true, 0x8b, RDX, ENV, ENV_OFF(cur_tb));
    op_mem(j, true, 0x8b, RDX, RDX, (int32_t)offsetof(X86TB, insns_end));
    e8(j, 0x48); e8(j, 0x81); e8(j, 0xea); e32(j, (uint32_t)sizeof(X86Insn)); /* sub rdx, n */
    st64(j, ENV_OFF(cur), RDX);
}

/* Continue into the compiled block whose X86TB is in RAX (the block that
 * ends, env->cur_tb, in RSI) when it is valid, compiled for this CS, no
 * request is pending and the budgets allow (what x86_jit_next checks):
 * count the block that ends, switch env to the next, return its host
 * code in RCX.  Every failing check jumps to a location recorded in
 * fails[]. */
static void emit_enter(Jit *j, uint8_t **fails, int *nf)
{
    op_mem(j, false, 0x80, 7, RAX, (int32_t)offsetof(X86TB, valid));
    e8(j, 0);
    fails[(*nf)++] = jcc32(j, HC_E);
    op_mem(j, true, 0x8b, RCX, RAX, (int32_t)offsetof(X86TB, host_code));
    e8(j, 0x48); e8(j, 0x85); e8(j, 0xc9);           /* test rcx, rcx */
    fails[(*nf)++] = jcc32(j, HC_E);
    emit_run_checks(j, fails, nf);
    op_mem(j, false, 0x8b, RDX, RAX, (int32_t)offsetof(X86TB, jit_cs_limit));
    op_mem(j, false, 0x3b, RDX, ENV, CS_OFF(limit));
    fails[(*nf)++] = jcc32(j, HC_NE);
    /* budget: insns_base + this block + the next <= exec_limit */
    op_mem(j, false, 0x0fb7, RSI, RSI, (int32_t)offsetof(X86TB, ninsns));
    op_mem(j, true, 0x03, RSI, ENV, ENV_OFF(insns_base));
    op_mem(j, false, 0x0fb7, RDX, RAX, (int32_t)offsetof(X86TB, ninsns));
    op_rr(j, true, 0x01, RSI, RDX);                  /* add rdx, rsi */
    op_mem(j, true, 0x3b, RDX, ENV, ENV_OFF(exec_limit));
    fails[(*nf)++] = jcc32(j, HC_A);
    /* commit: count this block, switch to the next */
    st64(j, ENV_OFF(insns_base), RSI);
    st64(j, ENV_OFF(cur_tb), RAX);
    op_rr(j, true, 0x89, ENV, RDI);                  /* mov rdi, rbx */
    e8(j, 0xc3);                                     /* ret */
}

/*
 * The jump-cache probe of x86_jmp_cache_lookup, inline: RAX = the block
 * for CS.base + env->eip in env->jmp_cache when its key matches (pc,
 * CS base, hflags); a miss jumps to a location recorded in fails[].  The
 * jump cache is emptied with the TLB, so a hit is a block whose pages are
 * mapped as they were when it was translated: safe to enter from any page.
 */
static void emit_jmp_cache_probe(Jit *j, uint8_t **fails, int *nf)
{
    ld32(j, RDX, CS_OFF(base));                      /* edx = pc (CS.base + EIP) */
    op_mem(j, false, 0x03, RDX, ENV, ENV_OFF(eip));
    e8(j, 0x69); e8(j, 0xca); e32(j, X86_JMP_CACHE_MUL);   /* imul ecx, edx, MUL */
    e8(j, 0xc1); e8(j, 0xe9); e8(j, 32 - X86_JMP_CACHE_BITS); /* shr ecx, 32 - BITS */
    /* mov rax, [rbx + rcx * 8 + jmp_cache] */
    e8(j, 0x48); e8(j, 0x8b); e8(j, 0x84); e8(j, 0xcb); e32(j, (uint32_t)ENV_OFF(jmp_cache));
    e8(j, 0x48); e8(j, 0x85); e8(j, 0xc0);           /* test rax, rax */
    fails[(*nf)++] = jcc32(j, HC_E);
    op_mem(j, false, 0x3b, RDX, RAX, (int32_t)offsetof(X86TB, pc));
    fails[(*nf)++] = jcc32(j, HC_NE);
    ld32(j, RCX, CS_OFF(base));
    op_mem(j, false, 0x3b, RCX, RAX, (int32_t)offsetof(X86TB, cs_base));
    fails[(*nf)++] = jcc32(j, HC_NE);
    ld32(j, RCX, ENV_OFF(hflags));
    op_mem(j, false, 0x3b, RCX, RAX, (int32_t)offsetof(X86TB, hflags));
    fails[(*nf)++] = jcc32(j, HC_NE);
}

/* The stubs, emitted once at the start of each code buffer. */
void emit_exit_stubs(Jit *j, JitStubs *stubs)
{
    uint8_t *fails[24];
    int nf = 0;

    /* link_fail: a linked jump's checks failed (emit_link_entry), EDX =
     * the slot the block that ends left by; on to exit_stop. */
    stubs->link_fail = j->p;
    st32(j, ENV_OFF(exit_slot), RDX);
    emit_cur_last(j);
    /* exit_stop: jumped to with env->cur set and the guest registers in
     * env; the loop works out where the block stopped.  Every block has
     * the same frame. */
    stubs->exit_stop = j->p;
    emit_epilogue(j);
    e8(j, 0xc3);                                     /* ret */

    /* chain: EDI = the slot.  The chained successor (tb->jmp[slot]) or,
     * none being set, the jump cache's block for the new EIP (a block on
     * another page, never chained).  Failing: exit_slot = the slot. */
    stubs->chain = j->p;
    op_mem(j, true, 0x8b, RSI, ENV, ENV_OFF(cur_tb));
    /* mov rax, [rsi + rdi * 8 + jmp] */
    e8(j, 0x48); e8(j, 0x8b); e8(j, 0x84); e8(j, 0xfe); e32(j, (uint32_t)offsetof(X86TB, jmp));
    e8(j, 0x48); e8(j, 0x85); e8(j, 0xc0);           /* test rax, rax */
    uint8_t *chained = jcc32(j, HC_NE);
    emit_jmp_cache_probe(j, fails, &nf);
    patch32(j, chained, j->p);
    emit_enter(j, fails, &nf);
    for (int k = 0; k < nf; k++) {
        patch32(j, fails[k], j->p);
    }
    st32(j, ENV_OFF(exit_slot), RDI);
    emit_cur_last(j);
    e8(j, 0x31); e8(j, 0xc9);                        /* xor ecx, ecx */
    e8(j, 0xc3);                                     /* ret */

    /* indirect: the jump cache's block for the new EIP; failing, the
     * full lookup of x86_jit_next (as after an interpreted instruction,
     * below). */
    nf = 0;
    stubs->indirect = j->p;
    op_mem(j, true, 0x8b, RSI, ENV, ENV_OFF(cur_tb));
    emit_jmp_cache_probe(j, fails, &nf);
    emit_enter(j, fails, &nf);
    /* interp: an interpreted last instruction; a near indirect transfer
     * says so in exit_slot and probes the jump cache as above. */
    stubs->interp = j->p;
    cmp_mi(j, ENV, ENV_OFF(exit_slot), (uint32_t)EXIT_INDIRECT);
    patch32(j, jcc32(j, HC_E), stubs->indirect);
    for (int k = 0; k < nf; k++) {
        patch32(j, fails[k], j->p);
    }
    emit_cur_last(j);
    /* x86_jit_next(env), with the stack 16-byte aligned: the block's
     * frame is, and the call to this stub pushed 8 bytes */
    e8(j, 0x48); e8(j, 0x83); e8(j, 0xec); e8(j, 8); /* sub rsp, 8 */
    op_rr(j, true, 0x89, ENV, RDI);                  /* mov rdi, rbx */
    call_abs(j, (const void *)x86_jit_next);
    e8(j, 0x48); e8(j, 0x83); e8(j, 0xc4); e8(j, 8); /* add rsp, 8 */
    op_rr(j, true, 0x89, RAX, RCX);                  /* mov rcx, rax */
    op_rr(j, true, 0x89, ENV, RDI);                  /* mov rdi, rbx */
    e8(j, 0xc3);                                     /* ret */
}

/*
 * A block's link entry, before its prologue: where the chain exits of
 * other blocks jump once linked (x86_jit_relink), still in their frame,
 * with ESI = the instruction count of the block that ends and EDX = the
 * slot it left by.  It checks what the chain stub checks (emit_enter),
 * with this block's CS limit, size and X86TB as constants, so that a
 * linked exit reads no X86TB and makes no call: then counts the block
 * that ends, switches env to this one and falls into the prologue.  A
 * failing check leaves through the link_fail stub, as the chain stub's
 * failure does.
 */
void emit_link_entry(Jit *j)
{
    uint8_t *fails[8];
    int nf = 0;
    emit_run_checks(j, fails, &nf);
    cmp_mi(j, ENV, CS_OFF(limit), j->cs_limit);
    fails[nf++] = jcc32(j, HC_NE);
    /* budget: insns_base + the block that ends + this one <= exec_limit */
    op_mem(j, true, 0x8b, RAX, ENV, ENV_OFF(insns_base));
    op_rr(j, true, 0x01, RSI, RAX);                  /* add rax, rsi */
    op_mem(j, true, 0x8d, RCX, RAX, j->tb->ninsns);  /* lea rcx, [rax + n] */
    op_mem(j, true, 0x3b, RCX, ENV, ENV_OFF(exec_limit));
    fails[nf++] = jcc32(j, HC_A);
    st64(j, ENV_OFF(insns_base), RAX);
    mov_ri64(j, RCX, (uintptr_t)j->tb);
    st64(j, ENV_OFF(cur_tb), RCX);
    /* This block's epilogue and then its prologue, as the chain stub's
     * callers do: jumping past them into the body (the frame is the same)
     * made the Linux workloads slower, see docs/architecture.md. */
    op_rr(j, true, 0x89, ENV, RDI);                  /* mov rdi, rbx */
    emit_epilogue(j);
    for (int k = 0; k < nf; k++) {
        patch32(j, fails[k], j->stubs->link_fail);
    }
}

/* Call an exit stub, then continue in the block it returns (RCX) or
 * return to the loop (RCX = 0). */
static void emit_stub_exit(Jit *j, const uint8_t *stub)
{
    call_rel(j, stub);
    e8(j, 0x48); e8(j, 0x85); e8(j, 0xc9);           /* test rcx, rcx */
    patch32(j, jcc32(j, HC_E), j->exit_stop);
    emit_epilogue(j);
    e8(j, 0xff); e8(j, 0xe1);                        /* jmp rcx */
}

/* The taken branch of a block to its own start (a loop in one block):
 * when the block may run again (what emit_enter checks of a successor;
 * the same block needs no check of its host code or CS limit, which
 * nothing inside it changes), count it and continue at loop_head with
 * the guest registers still in their host registers (dirty ones written
 * back, those not loaded loaded: the state the loop head assumes).
 * Otherwise fall through to the ordinary exit that follows. */

static void emit_self_loop(Jit *j)
{
    const X86TB *tb = j->tb;
    uint8_t *fails[8];
    int nf = 0;
    mov_ri64(j, RAX, (uintptr_t)tb);
    op_mem(j, false, 0x80, 7, RAX, (int32_t)offsetof(X86TB, valid));
    e8(j, 0);
    fails[nf++] = jcc32(j, HC_E);
    emit_run_checks(j, fails, &nf);
    /* budget: insns_base + this block twice <= exec_limit */
    op_mem(j, true, 0x8b, RDX, ENV, ENV_OFF(insns_base));
    e8(j, 0x48); e8(j, 0x81); e8(j, 0xc2); e32(j, 2u * tb->ninsns);   /* add rdx, 2n */
    op_mem(j, true, 0x3b, RDX, ENV, ENV_OFF(exec_limit));
    fails[nf++] = jcc32(j, HC_A);
    e8(j, 0x48); e8(j, 0x81); e8(j, 0xea); e32(j, tb->ninsns);        /* sub rdx, n */
    st64(j, ENV_OFF(insns_base), RDX);
    emit_writeback(j, j->dirty);
    for (int r = 0; r < 8; r++) {
        if (j->hreg_of[r] >= 0 && !(j->loaded & (1u << r))) {
            ld32(j, j->hreg_of[r], REG_OFF(r));
        }
    }
    patch32(j, jmp32(j), j->loop_head);
    for (int k = 0; k < nf; k++) {
        patch32(j, fails[k], j->p);
    }
}

/* A taken direct branch to target: to the block's own start without
 * leaving it when it may (emit_self_loop), else by chain slot EXIT_TAKEN. */
static void emit_taken_exit(Jit *j, uint32_t target)
{
    if (j->loop_head && target == j->tb->insns[0].eip) {
        emit_self_loop(j);
    }
    st32i(j, ENV_OFF(eip), target);
    emit_chain_exit(j, EXIT_TAKEN);
}

/* The block is done and leaves by chain slot `slot` (env->eip stored):
 * continue straight into the chained block's host code when it exists,
 * or else into the block the jump cache has for the new EIP, when it may
 * run; otherwise return to the loop, saying which slot was taken. */
void emit_chain_exit(Jit *j, int slot)
{
    emit_writeback(j, j->dirty);
    if (!j->site[slot]) {
        /* the jump x86_jit_relink points at the successor's link entry;
         * unlinked, it goes on to the stub call below */
        mov_ri(j, RSI, j->tb->ninsns);
        mov_ri(j, RDX, (uint32_t)slot);
        j->site[slot] = jmp32(j);
    }
    mov_ri(j, RDI, (uint32_t)slot);
    emit_stub_exit(j, j->stubs->chain);
}

/* The block is done and left by an indirect transfer or an interpreted
 * instruction (env->eip and env->exit_slot set): the next block comes from
 * the jump cache, probed in the stub, for a near indirect transfer
 * (`indirect`: known to be one at translation time), else from
 * x86_jit_next. */
void emit_dyn_exit(Jit *j, bool indirect)
{
    emit_writeback(j, j->dirty);
    emit_stub_exit(j, indirect ? j->stubs->indirect : j->stubs->interp);
}

/* Which Jcc rel (its condition), or -1. */
int jcc_cond(const X86Insn *in)
{
    for (int c = 0; c < 16; c++) {
        if (is_fn(in, x86_h_jcc[c])) {
            return c;
        }
    }
    return -1;
}

bool emit_jcc(Jit *j, const X86Insn *in)
{
    int cond = jcc_cond(in);
    if (cond < 0 || !target_ok(j, in->imm)) {
        return false;
    }
    int hc = emit_cond(j, cond);
    uint8_t *skip[4], *taken[4];
    int ns = 0, nt = 0;
    if (hc >= 0) {
        skip[ns++] = jcc32(j, hc ^ 1);              /* not taken: skip */
    } else {
        emit_cond_dyn(j, cond, taken, &nt, skip, &ns);
    }
    for (int k = 0; k < nt; k++) {
        patch32(j, taken[k], j->p);
    }
    emit_taken_exit(j, in->imm);
    for (int k = 0; k < ns; k++) {
        patch32(j, skip[k], j->p);
    }
    st32i(j, ENV_OFF(eip), j->tb->next_eip);
    emit_chain_exit(j, EXIT_NEXT);
    j->exits_done = true;
    return true;
}

/* The end of a near indirect transfer whose target is in ESI and was
 * found within CS's limit (else `bad` jumps here with the registers in
 * `dirty_at_bad` not yet written back): EIP = target, then on through the
 * jump cache.  Out of the limit, the interpreter's handler raises #GP. */
static void emit_indirect_exit(Jit *j, const X86Insn *in, uint8_t *bad, uint8_t dirty_at_bad)
{
    st32(j, ENV_OFF(eip), RSI);
    st32i(j, ENV_OFF(exit_slot), (uint32_t)EXIT_INDIRECT);
    emit_dyn_exit(j, true);
    patch32(j, bad, j->p);
    emit_writeback(j, dirty_at_bad);
    set_cur(j, in);
    op_rr(j, true, 0x89, ENV, RDI);
    mov_ri64(j, RSI, (uintptr_t)in);
    call_abs(j, (const void *)in->fn);
    regs_forget(j);
    emit_dyn_exit(j, false);
    j->exits_done = true;
}

bool emit_branch(Jit *j, const X86Insn *in)
{
    if (is_fn(in, x86_op_jmp) && target_ok(j, in->imm)) {
        emit_taken_exit(j, in->imm);
        j->exits_done = true;
        return true;
    }
    if (is_fn(in, x86_h_call_rel[2]) && target_ok(j, in->imm)) {
        mov_ri(j, RSI, in->eip + in->len);
        emit_push_value(j, in, RSI);
        st32i(j, ENV_OFF(eip), in->imm);
        emit_chain_exit(j, EXIT_TAKEN);
        j->exits_done = true;
        return true;
    }
    if (is_fn(in, x86_h_ret[0][2])) {
        ldg(j, RAX, R_ESP);
        emit_load(j, in, 4, RSI);
        /* The target must be within CS's limit; out of it, the
         * interpreter's RET raises #GP. */
        op_mem(j, false, 0x3b, RSI, ENV, (int32_t)(offsetof(CPUX86State, segs) +
                                                    R_CS * sizeof(SegmentCache) +
                                                    offsetof(SegmentCache, limit)));
        uint8_t *bad = jcc32(j, HC_A);
        uint8_t dirty_at_bad = j->dirty;
        emit_esp_adjust(j, 4);
        emit_indirect_exit(j, in, bad, dirty_at_bad);
        return true;
    }
    if (is_fn(in, x86_op_loop) && in->opc == 0xe2 && (in->flags & IF_ASZ32) &&
        target_ok(j, in->imm)) {
        /* LOOP: ECX - 1, taken while not zero; no flag changes */
        rmwg(j, 0x83, 5, R_ECX);                     /* sub ecx, 1 */
        e8(j, 1);
        uint8_t *skip = jcc32(j, HC_E);
        emit_taken_exit(j, in->imm);
        patch32(j, skip, j->p);
        st32i(j, ENV_OFF(eip), j->tb->next_eip);
        emit_chain_exit(j, EXIT_NEXT);
        j->exits_done = true;
        return true;
    }
    if (is_fn(in, x86_op_call_ind) && (j->tb->hflags & HF_FLAT) && rm32_ok(j, in)) {
        /* CALL r/m32 on the flat stack: the target checked against CS's
         * limit before the push (out of it, the handler raises #GP with
         * nothing pushed), kept across the push's slow path */
        emit_rm32_load(j, in, RSI);
        op_mem(j, false, 0x3b, RSI, ENV, CS_OFF(limit));   /* cmp esi, CS limit */
        uint8_t *bad = jcc32(j, HC_A);
        uint8_t dirty_at_bad = j->dirty;
        spill_esi(j);
        mov_ri(j, RDI, in->eip + in->len);
        emit_push_value(j, in, RDI);
        unspill(j, RSI);
        emit_indirect_exit(j, in, bad, dirty_at_bad);
        return true;
    }
    if (is_fn(in, x86_op_jmp_ind) && in->osz == 4 &&
        (!(in->flags & IF_MEM) || flat_operand(j, in))) {
        emit_rm32_load(j, in, RSI);
        op_mem(j, false, 0x3b, RSI, ENV, CS_OFF(limit));   /* cmp esi, CS limit */
        uint8_t *bad = jcc32(j, HC_A);
        emit_indirect_exit(j, in, bad, j->dirty);
        return true;
    }
    return false;
}

#endif
