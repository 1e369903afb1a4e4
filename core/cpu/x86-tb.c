/*
 * The code cache: translated blocks keyed by the physical address of their
 * first byte and the mode they were decoded in, and the per-page records
 * that let a write to guest code (by the CPU or by DMA) drop exactly the
 * blocks it changes.
 *
 * Each CPU has its own cache (and code buffer of the code generator), as
 * they run in turn and need no sharing; but code is coherent between them
 * (SDM vol. 3A, 8.1.3, cross-modifying code): a page counts as holding
 * code when any CPU's cache has code there, so every CPU's stores to it
 * take the slow path, and a write drops the blocks it overlaps in every
 * cache.
 *
 * Blocks and their decoded instructions live in two arenas that are only
 * ever emptied as a whole (x86_tb_flush, at a block boundary), so a block
 * that is invalidated while it runs, or while another block still chains
 * to it, stays readable: it is just marked invalid and unlinked.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <cardcage/error.h>
#include "cpu/x86-internal.h"

#define TB_HASH_BITS 16
#define TB_HASH_SIZE (1u << TB_HASH_BITS)
#define CODE_MAX_TBS (1u << 17)
#define CODE_MAX_INSNS (1u << 21)
/* Physical pages are tracked in a two-level table: 1024 x 1024 pages of
 * 4 KiB cover the 32-bit physical address space. */
#define L1_BITS 10
#define L2_BITS 10
/* Each page has a 64-bit map of which 64-byte chunks hold code. */
#define CHUNK_SHIFT 6

/* The filter of linear pages with blocks in the jump cache: one bit for
 * each of the 2^20 pages of the linear address space. */
#define JMP_VPAGES (1u << 20)
/* Entries a mapping change took out of the jump cache, kept for a cheap
 * second look (jmp_cache_unpark), by jump-cache index modulo JMP_PARKED. */
#define JMP_PARKED 8192u

typedef struct PageDesc {
    uintptr_t first;       /* tagged X86TB pointer: low bit = which page of it */
    uint64_t code_map;
} PageDesc;

struct X86CodeCache {
    X86TB *hash[TB_HASH_SIZE];
    X86TB *tbs;
    uint32_t ntbs;
    X86Insn *insns;
    uint32_t ninsns;
    PageDesc *l1[1u << L1_BITS];
    uint64_t generation;         /* bumped by every flush */
    /* The linear pages that blocks in env->jmp_cache may be on (INVLPG
     * of a page with no bit set leaves the jump cache alone, as does one
     * outside the 4 MiB regions with blocks on large pages), with a
     * summary of its non-zero words so that emptying it is cheap; and
     * which entries hold blocks on global pages (kept across a CR3 load),
     * of those that are filled.  The filter is exact: with page numbers
     * modulo 4096 instead, the INVLPGs of Linux's copy-on-write faults on
     * user pages hit the bits of kernel code 16 MiB apart, depending on
     * where KASLR put the kernel, and emptied the whole jump cache
     * 205 times in one run of 200 fork+exec. */
    uint64_t jmp_vpages[JMP_VPAGES / 64];
    uint64_t jmp_vpages_sum[JMP_VPAGES / 64 / 64];
    uint64_t jmp_global[X86_JMP_CACHE_SIZE / 64];
    uint64_t jmp_filled[X86_JMP_CACHE_SIZE / 64];   /* entries set by x86_tb_find */
    uint64_t jmp_large[1024 / 64];   /* the 4 MiB regions with blocks on large pages */
    X86TB *jmp_parked[JMP_PARKED];
    X86TB scratch;               /* a block that is not cached (MMIO code) */
    X86Insn scratch_insn;
    void *jit;                   /* the code generator's buffer (x86-jit.c) */
};

/* The CPUs whose caches are kept coherent, in realize order. */
#define X86_MAX_CPUS 256
static CPUX86State *coherent[X86_MAX_CPUS];
static unsigned ncoherent;

void x86_code_coherence_add(CPUX86State *env)
{
    for (unsigned i = 0; i < ncoherent; i++) {
        if (coherent[i] == env) {
            return;
        }
    }
    if (ncoherent < X86_MAX_CPUS) {
        coherent[ncoherent++] = env;
    }
}

void x86_code_coherence_remove(CPUX86State *env)
{
    for (unsigned i = 0; i < ncoherent; i++) {
        if (coherent[i] == env) {
            coherent[i] = coherent[--ncoherent];
            return;
        }
    }
}

unsigned x86_cpu_count(void)
{
    return ncoherent;
}

CPUX86State *x86_cpu_env(unsigned i)
{
    return i < ncoherent ? coherent[i] : NULL;
}

void **x86_code_cache_jit_slot(CPUX86State *env)
{
    return &env->code->jit;
}

X86CodeCache *x86_code_cache_new(void)
{
    X86CodeCache *cc = g_new0(X86CodeCache, 1);
    cc->tbs = g_new0(X86TB, CODE_MAX_TBS);
    cc->insns = g_new0(X86Insn, CODE_MAX_INSNS);
    return cc;
}

void x86_code_cache_free(X86CodeCache *cc)
{
    if (!cc) {
        return;
    }
    for (unsigned i = 0; i < (1u << L1_BITS); i++) {
        g_free(cc->l1[i]);
    }
    g_free(cc->tbs);
    g_free(cc->insns);
    x86_jit_free(cc->jit);
    g_free(cc);
}

static PageDesc *page_find(X86CodeCache *cc, uint32_t page, bool alloc)
{
    uint32_t pn = page >> 12;
    PageDesc **l2 = &cc->l1[pn >> L2_BITS];
    if (!*l2) {
        if (!alloc) {
            return NULL;
        }
        *l2 = g_new0(PageDesc, 1u << L2_BITS);
    }
    return &(*l2)[pn & ((1u << L2_BITS) - 1)];
}

uint64_t x86_code_generation(CPUX86State *env)
{
    return env->code->generation;
}

void x86_tb_flush(CPUX86State *env)
{
    X86CodeCache *cc = env->code;
    if (cc->ntbs == 0) {
        /* Nothing translated since the last flush (the first reset): the
         * hash and the page maps are still clear, and touching them would
         * only fault their pages in. */
        cc->generation++;
        x86_jmp_cache_flush(env);
        x86_tlb_flush(env);
        return;
    }
    memset(cc->hash, 0, sizeof(cc->hash));
    for (unsigned i = 0; i < (1u << L1_BITS); i++) {
        if (cc->l1[i]) {
            memset(cc->l1[i], 0, sizeof(PageDesc) << L2_BITS);
        }
    }
    cc->ntbs = 0;
    cc->ninsns = 0;
    cc->generation++;
    x86_jmp_cache_flush(env);
    /* The arena's blocks are gone: nothing parked may come back. */
    memset(cc->jmp_parked, 0, sizeof(cc->jmp_parked));
    x86_jit_reset(env);
    /* Pages lost their code: fast writes may go there again. */
    x86_tlb_flush(env);
}

/*
 * The linear address is part of the hash, not only of the key: the same
 * physical code mapped at many linear addresses (the vDSO at a new random
 * base in every process, which Linux's fork+exec makes hundreds of) would
 * otherwise pile up in one chain, one block per address.
 */
static inline uint32_t tb_hash(uint32_t phys, uint32_t pc, uint32_t hflags)
{
    uint32_t h = phys * 0x9e3779b1u ^ (pc * 0xc2b2ae35u + hflags) * 0x85ebca6bu;
    return h >> (32 - TB_HASH_BITS);
}

/* Bytes of the block on its first page, and on its second. */
static void tb_extent(const X86TB *tb, uint32_t *len1, uint32_t *len2)
{
    uint32_t room = 0x1000 - (tb->phys & 0xfff);
    *len1 = tb->size < room ? tb->size : room;
    *len2 = tb->size - *len1;
}

static uint64_t chunk_bits(uint32_t off, uint32_t len)
{
    if (len == 0) {
        return 0;
    }
    uint32_t first = off >> CHUNK_SHIFT, last = (off + len - 1) >> CHUNK_SHIFT;
    uint64_t hi = last >= 63 ? ~0ull : ((1ull << (last + 1)) - 1);
    return hi & ~((1ull << first) - 1);
}

static void page_add_tb(CPUX86State *env, uint32_t page, X86TB *tb, int n, uint32_t off,
                        uint32_t len)
{
    PageDesc *pd = page_find(env->code, page, true);
    bool had_code = pd->code_map != 0;
    tb->page_next[n] = (X86TB *)pd->first;
    pd->first = (uintptr_t)tb | n;
    pd->code_map |= chunk_bits(off, len);
    if (!had_code) {
        x86_tlb_protect_code_page(env, page);
        for (unsigned i = 0; i < ncoherent; i++) {
            if (coherent[i] != env) {
                x86_tlb_protect_code_page(coherent[i], page);
            }
        }
    }
}

static void tb_unlink_page(X86CodeCache *cc, uint32_t page, X86TB *tb, int n)
{
    PageDesc *pd = page_find(cc, page, false);
    if (!pd) {
        return;
    }
    uintptr_t *pp = &pd->first;
    while (*pp) {
        X86TB *t = (X86TB *)(*pp & ~(uintptr_t)1);
        int tn = *pp & 1;
        if (t == tb && tn == n) {
            *pp = (uintptr_t)t->page_next[tn];
            break;
        }
        pp = (uintptr_t *)&t->page_next[tn];
    }
}

static void page_rebuild_map(PageDesc *pd, uint32_t page)
{
    uint64_t map = 0;
    for (uintptr_t p = pd->first; p;) {
        X86TB *t = (X86TB *)(p & ~(uintptr_t)1);
        int n = p & 1;
        uint32_t len1, len2;
        tb_extent(t, &len1, &len2);
        if (n == 0) {
            map |= chunk_bits(t->phys & 0xfff, len1);
        } else {
            map |= chunk_bits(0, len2);
        }
        p = (uintptr_t)t->page_next[n];
    }
    (void)page;
    pd->code_map = map;
}

/* The blocks whose chain exits name tb (jmp[slot] == tb), through the
 * tagged incoming list: fn(block, slot) for each.  A block's entry in the
 * list is only rewritten (x86_tb_set_jmp) once the block it named is
 * invalid, and an invalid block's list is never walked again, so every
 * list walked is intact. */
static void tb_for_each_incoming(X86TB *tb, void (*fn)(X86TB *, int))
{
    for (uintptr_t p = tb->jmp_in; p;) {
        X86TB *a = (X86TB *)(p & ~(uintptr_t)1);
        int slot = (int)(p & 1);
        p = a->jmp_in_next[slot];
        if (a->jmp[slot] == tb) {
            fn(a, slot);
        }
    }
}

void x86_tb_set_jmp(X86TB *a, int slot, X86TB *b)
{
    a->jmp[slot] = b;
    a->jmp_in_next[slot] = b->jmp_in;
    b->jmp_in = (uintptr_t)a | (uintptr_t)slot;
    x86_jit_relink(a, slot);
}

void x86_tb_relink_all(X86TB *tb)
{
    for (int slot = 0; slot < 2; slot++) {
        if (tb->jmp[slot]) {
            x86_jit_relink(tb, slot);
        }
    }
    if (tb->valid) {
        tb_for_each_incoming(tb, x86_jit_relink);
    }
}

static void tb_invalidate(CPUX86State *env, X86TB *tb)
{
    X86CodeCache *cc = env->code;
    if (!tb->valid) {
        return;
    }
    tb->valid = false;
    X86TB **pp = &cc->hash[tb_hash(tb->phys, tb->pc, tb->hflags)];
    while (*pp) {
        if (*pp == tb) {
            *pp = tb->hash_next;
            break;
        }
        pp = &(*pp)->hash_next;
    }
    tb_unlink_page(cc, tb->phys & 0xfffff000u, tb, 0);
    if (tb->phys_page2 != TLB_INVALID) {
        tb_unlink_page(cc, tb->phys_page2, tb, 1);
    }
    /* compiled blocks that jump straight into this one go back to their
     * stubs, which check validity */
    tb_for_each_incoming(tb, x86_jit_relink);
    if (tb == env->cur_tb) {
        /* The running block changed under itself: finish the current
         * instruction, then look up fresh code (SDM vol. 3A, 8.1.3). */
        env->blk_end = env->cur + 1;
        env->smc_hit = true;
    }
}

static bool cache_page_has_code(CPUX86State *env, uint32_t phys_page)
{
    PageDesc *pd = page_find(env->code, phys_page, false);
    return pd && pd->code_map;
}

static bool cache_has_code(CPUX86State *env, uint32_t pa, uint32_t len)
{
    PageDesc *pd = page_find(env->code, pa & 0xfffff000u, false);
    if (!pd || !pd->code_map) {
        return false;
    }
    uint32_t off = pa & 0xfff;
    if (off + len > 0x1000) {
        len = 0x1000 - off;
    }
    return (pd->code_map & chunk_bits(off, len)) != 0;
}

bool x86_page_has_code(CPUX86State *env, uint32_t phys_page)
{
    if (cache_page_has_code(env, phys_page)) {
        return true;
    }
    for (unsigned i = 0; i < ncoherent; i++) {
        if (coherent[i] != env && cache_page_has_code(coherent[i], phys_page)) {
            return true;
        }
    }
    return false;
}

bool x86_phys_has_code(CPUX86State *env, uint32_t pa, uint32_t len)
{
    if (cache_has_code(env, pa, len)) {
        return true;
    }
    for (unsigned i = 0; i < ncoherent; i++) {
        if (coherent[i] != env && cache_has_code(coherent[i], pa, len)) {
            return true;
        }
    }
    return false;
}

static void invalidate_page_range(CPUX86State *env, uint32_t page, uint32_t off, uint32_t len)
{
    PageDesc *pd = page_find(env->code, page, false);
    if (!pd || !(pd->code_map & chunk_bits(off, len))) {
        return;
    }
    uint32_t start = page + off, end = page + off + len;
    uintptr_t p = pd->first;
    while (p) {
        X86TB *t = (X86TB *)(p & ~(uintptr_t)1);
        int n = p & 1;
        p = (uintptr_t)t->page_next[n];
        uint32_t len1, len2, s, e;
        tb_extent(t, &len1, &len2);
        if (n == 0) {
            s = t->phys;
            e = t->phys + len1;
        } else {
            s = t->phys_page2;
            e = t->phys_page2 + len2;
        }
        if (s < end && start < e) {
            tb_invalidate(env, t);
        }
    }
    page_rebuild_map(pd, page);
}

static void cache_invalidate_phys(CPUX86State *env, uint32_t pa, uint32_t len)
{
    while (len) {
        uint32_t page = pa & 0xfffff000u, off = pa & 0xfff;
        uint32_t n = 0x1000 - off;
        if (n > len) {
            n = len;
        }
        invalidate_page_range(env, page, off, n);
        pa += n;
        len -= n;
    }
}

void x86_tb_invalidate_phys(CPUX86State *env, uint32_t pa, uint32_t len)
{
    cache_invalidate_phys(env, pa, len);
    for (unsigned i = 0; i < ncoherent; i++) {
        if (coherent[i] != env) {
            cache_invalidate_phys(coherent[i], pa, len);
        }
    }
}

/* ---- translation ---- */

/* Read up to n bytes of code at physical pa into buf (any memory type). */
static void read_code_bytes(CPUX86State *env, uint32_t pa, uint8_t *buf, uint32_t n)
{
    const uint8_t *host = x86_phys_code_ptr(env, pa);
    if (host) {
        memcpy(buf, host + (pa & 0xfff), n);
    } else {
        address_space_read(env->as, pa, buf, n);
    }
}

static X86TB *tb_alloc(X86CodeCache *cc)
{
    if (cc->ntbs >= CODE_MAX_TBS || cc->ninsns + TB_MAX_INSNS > CODE_MAX_INSNS) {
        return NULL;
    }
    X86TB *tb = &cc->tbs[cc->ntbs++];
    memset(tb, 0, sizeof(*tb));
    tb->insns = &cc->insns[cc->ninsns];
    return tb;
}

/*
 * Decode the block at the current CS:EIP, whose first byte is at physical
 * address phys.  Faults (a #PF on the second page of a first instruction
 * that crosses pages) are raised as the fetch would raise them; a #GP for
 * an instruction that runs past the CS limit or is too long is raised by
 * the decoded instruction itself when it executes.
 */
static X86TB *tb_translate(CPUX86State *env, uint32_t pc, uint32_t phys)
{
    X86CodeCache *cc = env->code;
    const SegmentCache *cs_seg = &env->segs[R_CS];
    const uint8_t *page_host = x86_phys_code_ptr(env, phys);
    X86TB *tb = NULL;
    if (page_host) {
        tb = tb_alloc(cc);
        if (!tb) {
            x86_tb_flush(env);
            tb = tb_alloc(cc);
        }
    }
    if (!tb) {
        tb = &cc->scratch;
        memset(tb, 0, sizeof(*tb));
        tb->insns = &cc->scratch_insn;
    }
    tb->pc = pc;
    tb->cs_base = cs_seg->base;
    tb->eip = env->eip;
    tb->hflags = env->hflags;
    tb->phys = phys;
    tb->phys_page2 = TLB_INVALID;
    tb->cacheable = tb != &cc->scratch;
    unsigned max_insns = tb->cacheable ? TB_MAX_INSNS : 1;
    if (env->hflags & HF_TF) {
        max_insns = 1;
    }

    X86DecodeCtx ctx = { .env = env, .hflags = env->hflags };
    uint32_t eip = env->eip;
    uint32_t size = 0;
    uint8_t buf[16];
    unsigned n = 0;
    while (n < max_insns) {
        X86Insn *in = &tb->insns[n];
        if (size && ((phys + size) & 0xfff) == 0) {
            break;              /* the next instruction starts a new page */
        }
        uint32_t page_left = 0x1000 - ((phys + size) & 0xfff);
        /* Bytes within the CS limit: offsets eip..limit. */
        uint64_t lim_left = (uint64_t)cs_seg->limit - eip + 1;
        if (eip > cs_seg->limit) {
            lim_left = 0;
        }
        uint32_t avail = page_left < lim_left ? page_left : (uint32_t)lim_left;
        if (page_host) {
            ctx.code = page_host + ((phys + size) & 0xfff);
        } else {
            uint32_t k = avail < 15 ? avail : 15;
            read_code_bytes(env, phys + size, buf, k);
            ctx.code = buf;
        }
        ctx.avail = avail;
        ctx.eip = eip;
        bool ends = false;
        int r = x86_decode(&ctx, in, &ends);
        if (r == 0) {
            if (n > 0) {
                break;          /* let the next block deal with it */
            }
            uint32_t want = lim_left < 15 ? (uint32_t)lim_left : 15;
            if (want > page_left) {
                /* Crosses into the next page: fetch it (may #PF). */
                uint32_t phys2 = x86_translate_code(env, pc + page_left) & 0xfffff000u;
                read_code_bytes(env, phys, buf, page_left);
                read_code_bytes(env, phys2, buf + page_left, want - page_left);
                ctx.code = buf;
                ctx.avail = want;
                r = x86_decode(&ctx, in, &ends);
                tb->phys_page2 = phys2;
                ends = true;
            }
            if (r == 0) {
                /* The instruction runs past the CS limit: #GP(0) when it
                 * executes (SDM vol. 3A, 6.15, interrupt 13). */
                memset(in, 0, sizeof(*in));
                in->fn = x86_op_raise_gp0;
                in->eip = eip;
                tb->phys_page2 = TLB_INVALID;
                n = 1;
                size = 1;
                break;
            }
        }
        if (r < 0) {
            ends = true;    /* the decoder emitted a raising handler */
        }
        size += in->len;
        eip += in->len;
        n++;
        if (ends || tb->phys_page2 != TLB_INVALID) {
            break;
        }
    }
    tb->ninsns = n;
    tb->insns_end = tb->insns + n;
    tb->size = size;
    tb->special = !tb->cacheable || (tb->hflags & HF_TF);
    tb->next_eip = env->hflags & HF_CS32 ? eip : (eip & 0xffff);
    if (tb->insns[n - 1].len == 0) {
        tb->next_eip = tb->insns[n - 1].eip;
    }
    if (log_enabled(LOG_IN_ASM)) {
        log_printf("x86: translated block %08x (phys %08x) %u insns %u bytes\n",
                   pc, phys, n, size);
    }
    if (!tb->cacheable) {
        return tb;
    }
    cc->ninsns += n;
    tb->valid = true;
    uint32_t h = tb_hash(phys, pc, tb->hflags);
    tb->hash_next = cc->hash[h];
    cc->hash[h] = tb;
    uint32_t len1, len2;
    tb_extent(tb, &len1, &len2);
    page_add_tb(env, phys & 0xfffff000u, tb, 0, phys & 0xfff, len1);
    if (tb->phys_page2 != TLB_INVALID) {
        page_add_tb(env, tb->phys_page2, tb, 1, 0, len2);
    }
    return tb;
}

static inline unsigned jmp_cache_index(uint32_t pc)
{
    return (pc * X86_JMP_CACHE_MUL) >> (32 - X86_JMP_CACHE_BITS);
}

/*
 * The jump cache is keyed by linear address, so a change of the mapping of
 * a block's page makes its entry stale.  Linux changes mappings of data
 * pages all the time (INVLPG after kmap, copy-on-write, page-table pages)
 * and switches CR3 at every context switch with its own code on global
 * pages: emptying the whole cache each time made the block lookup the top
 * of a Linux boot profile.  So an INVLPG concerns only the entries of that
 * page (or of the large page around it), and a CR3 load only those whose
 * page was mapped non-global.  A block on two pages counts as being on
 * both: INVLPG of either drops it, and it survives a CR3 load only when
 * both were global.
 *
 * The cache is large (X86_JMP_CACHE_BITS) so that the cross-page targets
 * of a shell's interpreter loop and the kernel's system-call paths fit
 * with few collisions; emptying it clears only the entries that are set
 * (jmp_filled), not the whole array.
 */
static void jmp_cache_clear_filled(CPUX86State *env, bool keep_global)
{
    X86CodeCache *cc = env->code;
    for (unsigned w = 0; w < X86_JMP_CACHE_SIZE / 64; w++) {
        uint64_t drop = cc->jmp_filled[w];
        if (keep_global) {
            drop &= ~cc->jmp_global[w];
        }
        cc->jmp_filled[w] &= ~drop;
        while (drop) {
            unsigned j = w * 64 + (unsigned)__builtin_ctzll(drop);
            cc->jmp_parked[j % JMP_PARKED] = env->jmp_cache[j];
            env->jmp_cache[j] = NULL;
            drop &= drop - 1;
        }
    }
}

void x86_jmp_cache_flush(CPUX86State *env)
{
    X86CodeCache *cc = env->code;
    if (!cc) {
        memset(env->jmp_cache, 0, sizeof(env->jmp_cache));
        return;
    }
    jmp_cache_clear_filled(env, false);
    for (unsigned w = 0; w < JMP_VPAGES / 64 / 64; w++) {
        for (uint64_t m = cc->jmp_vpages_sum[w]; m; m &= m - 1) {
            cc->jmp_vpages[w * 64 + (unsigned)__builtin_ctzll(m)] = 0;
        }
        cc->jmp_vpages_sum[w] = 0;
    }
    memset(cc->jmp_global, 0, sizeof(cc->jmp_global));
    memset(cc->jmp_large, 0, sizeof(cc->jmp_large));
}

void x86_jmp_cache_flush_page(CPUX86State *env, uint32_t lin)
{
    X86CodeCache *cc = env->code;
    if (!cc) {
        memset(env->jmp_cache, 0, sizeof(env->jmp_cache));
        return;
    }
    /* INVLPG of any address in a large page drops the whole large page
     * (SDM vol. 3A, 4.10.4.1), even where the TLB no longer holds it. */
    uint32_t v = lin >> 12, r = lin >> 22;
    if ((cc->jmp_vpages[v / 64] & (1ull << (v % 64))) ||
        (cc->jmp_large[r / 64] & (1ull << (r % 64)))) {
        x86_jmp_cache_flush(env);
    }
}

void x86_jmp_cache_flush_nonglobal(CPUX86State *env)
{
    if (!env->code) {
        memset(env->jmp_cache, 0, sizeof(env->jmp_cache));
        return;
    }
    /* Linux loads CR3 at every context switch: visit only the entries
     * that are filled and not global.  The page filter keeps its bits:
     * the global entries are still there, and a stale bit only costs a
     * flush that was not needed. */
    jmp_cache_clear_filled(env, true);
}

/* Record in the filters that the jump cache holds a block on the linear
 * page of lin; false when that page is not global. */
static bool jmp_cache_note_page(CPUX86State *env, uint32_t lin)
{
    X86CodeCache *cc = env->code;
    uint32_t v = lin >> 12;
    bool large;
    cc->jmp_vpages[v / 64] |= 1ull << (v % 64);
    cc->jmp_vpages_sum[v / 4096] |= 1ull << (v / 64 % 64);
    bool global = x86_code_page_global(env, lin, &large);
    if (large) {
        cc->jmp_large[lin >> 28] |= 1ull << ((lin >> 22) % 64);
    }
    return global;
}

/* Put tb in the jump cache at index j (it was just looked up or
 * translated, so the TLB maps its pages as the block was made from). */
static void jmp_cache_fill(CPUX86State *env, unsigned j, X86TB *tb)
{
    X86CodeCache *cc = env->code;
    uint64_t bit = 1ull << (j % 64);
    /* The block this one evicts gets a second chance among the parked:
     * two hot targets with the same index then take turns in the jump
     * cache without a walk of the hash table. */
    if (env->jmp_cache[j] && env->jmp_cache[j] != tb) {
        cc->jmp_parked[j % JMP_PARKED] = env->jmp_cache[j];
    }
    env->jmp_cache[j] = tb;
    if (!tb) {
        cc->jmp_filled[j / 64] &= ~bit;
        return;
    }
    cc->jmp_filled[j / 64] |= bit;
    bool global = jmp_cache_note_page(env, tb->pc);
    if (tb->phys_page2 != TLB_INVALID) {
        /* Evaluated for its filter bits even when the first page is not
         * global. */
        bool global2 = jmp_cache_note_page(env, (tb->pc & 0xfffff000u) + 0x1000);
        global = global && global2;
    }
    if (global) {
        cc->jmp_global[j / 64] |= bit;
    } else {
        cc->jmp_global[j / 64] &= ~bit;
    }
}

X86TB *x86_jmp_cache_lookup(CPUX86State *env)
{
    uint32_t cs_base = env->segs[R_CS].base;
    uint32_t pc = cs_base + env->eip;
    X86TB *tb = env->jmp_cache[jmp_cache_index(pc)];
    if (tb && tb->pc == pc && tb->cs_base == cs_base && tb->hflags == env->hflags && tb->valid) {
        return tb;
    }
    return NULL;
}

/* Whether tb, whose first byte is at phys (the current translation of its
 * linear address), has its second page, if any, mapped as when it was
 * made. */
static bool tb_second_page_holds(CPUX86State *env, const X86TB *tb)
{
    return tb->phys_page2 == TLB_INVALID ||
           (x86_translate_code(env, (tb->pc & 0xfffff000u) + 0x1000) & 0xfffff000u) ==
               tb->phys_page2;
}

static X86TB *tb_find_slow(CPUX86State *env, uint32_t pc, uint32_t cs_base, uint32_t hflags,
                           uint32_t phys)
{
    for (X86TB *tb = env->code->hash[tb_hash(phys, pc, hflags)]; tb; tb = tb->hash_next) {
        if (tb->phys == phys && tb->pc == pc && tb->cs_base == cs_base &&
            tb->hflags == hflags && tb_second_page_holds(env, tb)) {
            return tb;
        }
    }
    return tb_translate(env, pc, phys);
}

/*
 * The block parked at jump-cache index j, when it is the one for pc in the
 * current mapping: a CR3 load takes every non-global block out of the jump
 * cache (the code generator trusts what it finds there), but after a
 * context switch most of them map as before (a parent and its forked
 * child share their code pages) and come back here after one translation
 * of their address, without the walk of the hash table, whose buckets and
 * blocks are cold in the host's caches by then: that walk was the top of a
 * profile of Linux's fork+exec.
 */
static X86TB *jmp_cache_unpark(CPUX86State *env, unsigned j, uint32_t pc, uint32_t cs_base,
                               uint32_t hflags, uint32_t phys)
{
    X86TB *tb = env->code->jmp_parked[j % JMP_PARKED];
    if (tb && tb->valid && tb->pc == pc && tb->phys == phys && tb->cs_base == cs_base &&
        tb->hflags == hflags && tb_second_page_holds(env, tb)) {
        return tb;
    }
    return NULL;
}

X86TB *x86_tb_find(CPUX86State *env)
{
    uint32_t cs_base = env->segs[R_CS].base;
    uint32_t pc = cs_base + env->eip;
    uint32_t hflags = env->hflags;
    unsigned j = jmp_cache_index(pc);
    X86TB *tb = x86_jmp_cache_lookup(env);
    if (cc_likely(tb != NULL)) {
        return tb;
    }
    uint32_t phys = x86_translate_code(env, pc);
    tb = jmp_cache_unpark(env, j, pc, cs_base, hflags, phys);
    if (!tb) {
        tb = tb_find_slow(env, pc, cs_base, hflags, phys);
    }
    jmp_cache_fill(env, j, tb->cacheable ? tb : NULL);
    return tb;
}
