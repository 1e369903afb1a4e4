/*
 * Paging and the software TLB.
 *
 * Linear addresses are translated by the 32-bit two-level page walk of the
 * SDM vol. 3A, 4.3 (4 KiB pages, and 4 MiB pages with CR4.PSE), with the
 * protection rules of 4.6 (U/S, R/W, CR0.WP) and the accessed/dirty bits of
 * 4.8.  Every physical address is masked with the A20 gate.
 *
 * The TLB is direct-mapped, one array for supervisor and one for user
 * accesses (the permission outcome differs).  An entry gives a host pointer
 * for RAM/ROM pages; its write tag is set only when paging allows the write,
 * the dirty bit is already set and the page is RAM holding no translated
 * code and already dirty for every client tracking dirty pages (see
 * memory.h), so the inline fast path needs one compare.  Everything else
 * (MMIO, ROM writes, unassigned space, writes to code pages, the first
 * write to a page clean for a tracker, accesses that cross a page) comes
 * here, and the store marks the page dirty.
 *
 * SPDX-License-Identifier: MIT
 */
#include "cpu/x86-internal.h"

#define PAGE_MASK 0xfffff000u

/* Page-table entry bits (SDM vol. 3A, tables 4-5 and 4-6). */
#define PTE_P   0x001u
#define PTE_W   0x002u
#define PTE_U   0x004u
#define PTE_A   0x020u
#define PTE_D   0x040u
#define PTE_PS  0x080u
#define PTE_G   0x100u

/* #PF error code bits (SDM vol. 3A, 4.7). */
#define PFERR_P 0x1u
#define PFERR_W 0x2u
#define PFERR_U 0x4u

enum { ACC_READ, ACC_WRITE, ACC_FETCH };

static inline int cur_mmu(CPUX86State *env)
{
    return env->cpl == 3 ? 1 : 0;
}

/* ---- physical memory for the CPU's own accesses ---- */

static X86PhysCacheEntry *phys_cache_get(CPUX86State *env, uint32_t pa)
{
    uint32_t page = pa & PAGE_MASK;
    X86PhysCacheEntry *c = &env->phys_cache[(page >> 12) % X86_PHYS_CACHE_SIZE];
    if (c->page != page) {
        MemoryPageInfo info;
        address_space_page_info(env->as, page, 4096, &info);
        c->page = page;
        c->host_read = info.host_read;
        c->host_write = info.host_write;
        c->mr = info.mr;
        c->offset = info.offset;
    }
    return c;
}

static void phys_cache_flush(CPUX86State *env)
{
    for (int i = 0; i < X86_PHYS_CACHE_SIZE; i++) {
        env->phys_cache[i].page = TLB_INVALID;
    }
}

uint32_t x86_phys_ld32(CPUX86State *env, uint32_t pa)
{
    X86PhysCacheEntry *c = phys_cache_get(env, pa);
    if (c->host_read && (pa & 0xfff) <= 0xffc) {
        uint32_t v;
        memcpy(&v, c->host_read + (pa & 0xfff), 4);
        return v;
    }
    return (uint32_t)address_space_ld(env->as, pa, 4, NULL);
}

void x86_phys_st32(CPUX86State *env, uint32_t pa, uint32_t val)
{
    X86PhysCacheEntry *c = phys_cache_get(env, pa);
    if (c->host_write && (pa & 0xfff) <= 0xffc) {
        if (cc_unlikely(x86_phys_has_code(env, pa, 4))) {
            x86_tb_invalidate_phys(env, pa, 4);
        }
        memcpy(c->host_write + (pa & 0xfff), &val, 4);
        memory_dirty_mark(c->mr, c->offset + (pa & 0xfff), 4);
        return;
    }
    address_space_st(env->as, pa, val, 4, NULL);
}

/* ---- TLB maintenance ---- */

static void tlb_clear_entry(CPUX86State *env, int mmu, unsigned i)
{
    env->tlb[mmu][i].tag_read = TLB_INVALID;
    env->tlb[mmu][i].tag_write = TLB_INVALID;
    env->tlb_info[mmu][i].vpage = TLB_INVALID;
    env->tlb_info[mmu][i].flags = 0;
}

void x86_jmp_cache_flush(CPUX86State *env)
{
    memset(env->jmp_cache, 0, sizeof(env->jmp_cache));
}

void x86_tlb_flush(CPUX86State *env)
{
    x86_jmp_cache_flush(env);
    for (int mmu = 0; mmu < 2; mmu++) {
        for (unsigned i = 0; i < X86_TLB_SIZE; i++) {
            tlb_clear_entry(env, mmu, i);
        }
    }
    env->tlb_has_large = false;
    phys_cache_flush(env);
}

/* A CR3 load: keep global pages when CR4.PGE is on (SDM vol. 3A, 4.10.4.1). */
static void tlb_flush_nonglobal(CPUX86State *env)
{
    x86_jmp_cache_flush(env);
    if (!(env->cr[4] & CR4_PGE)) {
        x86_tlb_flush(env);
        return;
    }
    for (int mmu = 0; mmu < 2; mmu++) {
        for (unsigned i = 0; i < X86_TLB_SIZE; i++) {
            if (!(env->tlb_info[mmu][i].flags & TLBI_GLOBAL)) {
                tlb_clear_entry(env, mmu, i);
            }
        }
    }
}

void x86_tlb_flush_page(CPUX86State *env, uint32_t lin)
{
    x86_jmp_cache_flush(env);
    uint32_t page = lin & PAGE_MASK;
    unsigned i = (page >> 12) & (X86_TLB_SIZE - 1);
    for (int mmu = 0; mmu < 2; mmu++) {
        if (env->tlb_info[mmu][i].vpage == page) {
            tlb_clear_entry(env, mmu, i);
        }
    }
    if (env->tlb_has_large) {
        /* INVLPG of an address in a 4 MiB page drops the whole page, which
         * the TLB holds as up to 1024 small entries. */
        for (int mmu = 0; mmu < 2; mmu++) {
            for (unsigned j = 0; j < X86_TLB_SIZE; j++) {
                X86TLBInfo *t = &env->tlb_info[mmu][j];
                if ((t->flags & TLBI_LARGE) && (t->vpage >> 22) == (page >> 22)) {
                    tlb_clear_entry(env, mmu, j);
                }
            }
        }
    }
}

/* A dirty tracker cleared pages: writes to them must take the slow path
 * that marks them again. */
void x86_tlb_drop_write_tags(CPUX86State *env)
{
    for (int mmu = 0; mmu < 2; mmu++) {
        for (unsigned i = 0; i < X86_TLB_SIZE; i++) {
            env->tlb[mmu][i].tag_write = TLB_INVALID;
        }
    }
}

void x86_tlb_protect_code_page(CPUX86State *env, uint32_t phys_page)
{
    for (int mmu = 0; mmu < 2; mmu++) {
        for (unsigned i = 0; i < X86_TLB_SIZE; i++) {
            if (env->tlb_info[mmu][i].vpage != TLB_INVALID &&
                env->tlb_info[mmu][i].ppage == phys_page) {
                env->tlb[mmu][i].tag_write = TLB_INVALID;
            }
        }
    }
}

/* ---- the page walk ---- */

typedef struct Translation {
    uint32_t pa;        /* physical address (A20 applied) */
    uint32_t flags;     /* TLBI_* */
} Translation;

/*
 * Translate lin for an access of kind acc made at user (CPL 3, not an
 * implicit supervisor access) or supervisor level.  Sets accessed and, for
 * writes, dirty bits.  Raises #PF.
 */
static void page_walk(CPUX86State *env, uint32_t lin, int acc, bool user, Translation *t)
{
    bool write = acc == ACC_WRITE;
    uint32_t err = (write ? PFERR_W : 0) | (user ? PFERR_U : 0);
    uint32_t pde_addr = ((env->cr[3] & PAGE_MASK) | ((lin >> 20) & 0xffc)) & env->a20_mask;
    uint32_t pde = x86_phys_ld32(env, pde_addr);
    if (!(pde & PTE_P)) {
        x86_raise_pf(env, lin, err);
    }
    bool wp = (env->cr[0] & CR0_WP) != 0;
    if ((pde & PTE_PS) && (env->cr[4] & CR4_PSE)) {
        /* 4 MiB page: the PDE is the leaf (SDM vol. 3A, 4.3, table 4-4). */
        if ((user && !(pde & PTE_U)) || (write && !(pde & PTE_W) && (user || wp))) {
            x86_raise_pf(env, lin, err | PFERR_P);
        }
        uint32_t npde = pde | PTE_A | (write ? PTE_D : 0);
        if (npde != pde) {
            x86_phys_st32(env, pde_addr, npde);
        }
        t->pa = ((pde & 0xffc00000u) | (lin & 0x3ff000u)) & env->a20_mask;
        t->flags = TLBI_LARGE;
        if ((npde & PTE_D) && ((pde & PTE_W) || (!user && !wp))) {
            t->flags |= TLBI_WRITE;
        }
        if ((pde & PTE_G) && (env->cr[4] & CR4_PGE)) {
            t->flags |= TLBI_GLOBAL;
        }
        return;
    }
    uint32_t pte_addr = ((pde & PAGE_MASK) | ((lin >> 10) & 0xffc)) & env->a20_mask;
    uint32_t pte = x86_phys_ld32(env, pte_addr);
    if (!(pte & PTE_P)) {
        /* Accessed bits are set only by a walk that succeeds (as the
         * i386 does, and test386 and Bochs check). */
        x86_raise_pf(env, lin, err);
    }
    /* The effective rights are the most restrictive of both levels
     * (SDM vol. 3A, 4.6.1). */
    uint32_t both = pde & pte;
    if ((user && !(both & PTE_U)) || (write && !(both & PTE_W) && (user || wp))) {
        x86_raise_pf(env, lin, err | PFERR_P);
    }
    if (!(pde & PTE_A)) {
        x86_phys_st32(env, pde_addr, pde | PTE_A);
    }
    uint32_t npte = pte | PTE_A | (write ? PTE_D : 0);
    if (npte != pte) {
        x86_phys_st32(env, pte_addr, npte);
    }
    t->pa = ((pte & PAGE_MASK) | (lin & 0xfff)) & env->a20_mask;
    t->flags = 0;
    if ((npte & PTE_D) && ((both & PTE_W) || (!user && !wp))) {
        t->flags |= TLBI_WRITE;
    }
    if ((pte & PTE_G) && (env->cr[4] & CR4_PGE)) {
        t->flags |= TLBI_GLOBAL;
    }
}

static void translate(CPUX86State *env, uint32_t lin, int acc, int mmu, Translation *t)
{
    if (env->cr[0] & CR0_PG) {
        page_walk(env, lin, acc, mmu == 1, t);
    } else {
        t->pa = lin & env->a20_mask;
        t->flags = TLBI_WRITE;
    }
}

/* Fill the entry for lin; returns it. */
static unsigned tlb_fill(CPUX86State *env, uint32_t lin, int acc, int mmu)
{
    Translation t;
    translate(env, lin, acc, mmu, &t);
    uint32_t vpage = lin & PAGE_MASK;
    uint32_t ppage = t.pa & PAGE_MASK;
    unsigned i = (vpage >> 12) & (X86_TLB_SIZE - 1);
    X86TLBEntry *e = &env->tlb[mmu][i];
    X86TLBInfo *info = &env->tlb_info[mmu][i];
    MemoryPageInfo mp;
    address_space_page_info(env->as, ppage, 4096, &mp);
    info->vpage = vpage;
    info->ppage = ppage;
    info->flags = t.flags;
    if (t.flags & TLBI_LARGE) {
        env->tlb_has_large = true;
    }
    if (mp.host_read) {
        e->addend = (uintptr_t)mp.host_read - vpage;
        e->tag_read = vpage;
    } else {
        e->addend = 0;
        e->tag_read = TLB_INVALID;
    }
    if (mp.host_write && mp.host_write == mp.host_read && (t.flags & TLBI_WRITE) &&
        !x86_page_has_code(env, ppage) && memory_dirty_page_all(mp.mr, mp.offset)) {
        e->tag_write = vpage;
    } else {
        e->tag_write = TLB_INVALID;
    }
    return i;
}

/* The entry for lin, valid for the access (filled when needed). */
static unsigned tlb_lookup(CPUX86State *env, uint32_t lin, int acc, int mmu)
{
    uint32_t vpage = lin & PAGE_MASK;
    unsigned i = (vpage >> 12) & (X86_TLB_SIZE - 1);
    X86TLBInfo *info = &env->tlb_info[mmu][i];
    if (info->vpage == vpage && (acc != ACC_WRITE || (info->flags & TLBI_WRITE))) {
        return i;
    }
    return tlb_fill(env, lin, acc, mmu);
}

uint32_t x86_translate_code(CPUX86State *env, uint32_t lin)
{
    int mmu = cur_mmu(env);
    unsigned i = tlb_lookup(env, lin, ACC_FETCH, mmu);
    return env->tlb_info[mmu][i].ppage | (lin & 0xfff);
}

const uint8_t *x86_phys_code_ptr(CPUX86State *env, uint32_t pa)
{
    MemoryPageInfo mp;
    address_space_page_info(env->as, pa & PAGE_MASK, 4096, &mp);
    return mp.host_read;
}

bool x86_debug_translate(CPUX86State *env, uint32_t lin, uint32_t *pa)
{
    if (!(env->cr[0] & CR0_PG)) {
        *pa = lin & env->a20_mask;
        return true;
    }
    uint32_t pde = x86_phys_ld32(env, ((env->cr[3] & PAGE_MASK) | ((lin >> 20) & 0xffc)) &
                                      env->a20_mask);
    if (!(pde & PTE_P)) {
        return false;
    }
    if ((pde & PTE_PS) && (env->cr[4] & CR4_PSE)) {
        *pa = ((pde & 0xffc00000u) | (lin & 0x3fffffu)) & env->a20_mask;
        return true;
    }
    uint32_t pte = x86_phys_ld32(env, ((pde & PAGE_MASK) | ((lin >> 10) & 0xffc)) &
                                      env->a20_mask);
    if (!(pte & PTE_P)) {
        return false;
    }
    *pa = ((pte & PAGE_MASK) | (lin & 0xfff)) & env->a20_mask;
    return true;
}

/* ---- slow paths of loads and stores ---- */

static uint32_t ld_mmu(CPUX86State *env, uint32_t lin, unsigned size, int mmu);

static uint32_t ld_page(CPUX86State *env, uint32_t lin, unsigned size, int mmu)
{
    unsigned i = tlb_lookup(env, lin, ACC_READ, mmu);
    X86TLBEntry *e = &env->tlb[mmu][i];
    if (e->tag_read == (lin & PAGE_MASK)) {
        return x86_host_ld((const uint8_t *)(e->addend + lin), size);
    }
    hwaddr pa = env->tlb_info[mmu][i].ppage | (lin & 0xfff);
    return (uint32_t)address_space_ld(env->as, pa, size, NULL);
}

static uint32_t ld_mmu(CPUX86State *env, uint32_t lin, unsigned size, int mmu)
{
    if (cc_unlikely((lin & 0xfff) + size > 0x1000)) {
        /* Crosses a page: byte by byte, little-endian. */
        uint32_t v = 0;
        for (unsigned k = 0; k < size; k++) {
            v |= ld_page(env, lin + k, 1, mmu) << (8 * k);
        }
        return v;
    }
    return ld_page(env, lin, size, mmu);
}

static void st_page(CPUX86State *env, uint32_t lin, uint32_t val, unsigned size, int mmu)
{
    unsigned i = tlb_lookup(env, lin, ACC_WRITE, mmu);
    X86TLBEntry *e = &env->tlb[mmu][i];
    if (e->tag_write == (lin & PAGE_MASK)) {
        x86_host_st((uint8_t *)(e->addend + lin), val, size);
        return;
    }
    uint32_t pa = env->tlb_info[mmu][i].ppage | (lin & 0xfff);
    X86PhysCacheEntry *c = phys_cache_get(env, pa);
    if (c->host_write) {
        /* RAM holding translated code, or a page clean for a dirty
         * tracker: drop the code it overwrites, mark the page, then let
         * later writes take the fast path if no code is left. */
        if (x86_phys_has_code(env, pa, size)) {
            x86_tb_invalidate_phys(env, pa, size);
        }
        x86_host_st(c->host_write + (pa & 0xfff), val, size);
        memory_dirty_mark(c->mr, c->offset + (pa & 0xfff), size);
        if (!x86_page_has_code(env, pa & PAGE_MASK) && e->tag_read == (lin & PAGE_MASK) &&
            memory_dirty_page_all(c->mr, c->offset)) {
            e->tag_write = lin & PAGE_MASK;
        }
        return;
    }
    address_space_st(env->as, pa, val, size, NULL);
}

static void st_mmu(CPUX86State *env, uint32_t lin, uint32_t val, unsigned size, int mmu)
{
    if (cc_unlikely((lin & 0xfff) + size > 0x1000)) {
        /* Check both pages before writing anything, so a fault on the
         * second leaves memory unchanged. */
        tlb_lookup(env, lin, ACC_WRITE, mmu);
        tlb_lookup(env, (lin + size - 1), ACC_WRITE, mmu);
        for (unsigned k = 0; k < size; k++) {
            st_page(env, lin + k, (val >> (8 * k)) & 0xff, 1, mmu);
        }
        return;
    }
    st_page(env, lin, val, size, mmu);
}

uint32_t x86_ld_slow(CPUX86State *env, uint32_t lin, unsigned size)
{
    uint32_t v = ld_mmu(env, lin, size, cur_mmu(env));
    if (cc_unlikely(env->verify_log)) {
        x86_jit_verify_load(env, lin, size);
    }
    return v;
}

void x86_st_slow(CPUX86State *env, uint32_t lin, uint32_t val, unsigned size)
{
    if (cc_unlikely(env->verify_log)) {
        x86_jit_verify_store(env, lin, val, size);
        return;
    }
    st_mmu(env, lin, val, size, cur_mmu(env));
}

uint8_t *x86_rmw_ptr_slow(CPUX86State *env, uint32_t lin, unsigned size)
{
    /* -d jit-verify logs every store: load and store separately */
    if ((lin & 0xfff) + size > 0x1000 || env->verify_log) {
        return NULL;
    }
    int mmu = cur_mmu(env);
    /* A write access: faults as the write of the operand would. */
    unsigned i = tlb_lookup(env, lin, ACC_WRITE, mmu);
    X86TLBEntry *e = &env->tlb[mmu][i];
    if (e->tag_write == (lin & PAGE_MASK)) {
        return (uint8_t *)(e->addend + lin);
    }
    return NULL;
}

uint32_t x86_ld_mmu(CPUX86State *env, uint32_t lin, unsigned size, int mmu)
{
    return ld_mmu(env, lin, size, mmu);
}

void x86_st_mmu(CPUX86State *env, uint32_t lin, uint32_t val, unsigned size, int mmu)
{
    st_mmu(env, lin, val, size, mmu);
}

uint32_t x86_ld_kernel(CPUX86State *env, uint32_t lin, unsigned size)
{
    return ld_mmu(env, lin, size, 0);
}

void x86_st_kernel(CPUX86State *env, uint32_t lin, uint32_t val, unsigned size)
{
    st_mmu(env, lin, val, size, 0);
}

void x86_probe_write(CPUX86State *env, uint32_t lin, unsigned size)
{
    int mmu = cur_mmu(env);
    tlb_lookup(env, lin, ACC_WRITE, mmu);
    if ((lin & 0xfff) + size > 0x1000) {
        tlb_lookup(env, lin + size - 1, ACC_WRITE, mmu);
    }
}

/* ---- control registers ---- */

void x86_write_cr(CPUX86State *env, int cr, uint32_t val)
{
    uint32_t old = env->cr[cr];
    switch (cr) {
    case 0:
        /* ET is hardwired to 1 on the i486 and later (SDM vol. 3A, 2.5). */
        val |= CR0_ET;
        env->cr[0] = val;
        if ((old ^ val) & (CR0_PG | CR0_WP | CR0_PE)) {
            x86_tlb_flush(env);
        }
        x86_update_hflags(env);
        break;
    case 2:
        env->cr[2] = val;
        break;
    case 3:
        env->cr[3] = val;
        tlb_flush_nonglobal(env);
        break;
    case 4:
        env->cr[4] = val;
        if ((old ^ val) & (CR4_PSE | CR4_PGE | CR4_PAE)) {
            x86_tlb_flush(env);
        }
        break;
    default:
        break;
    }
}
