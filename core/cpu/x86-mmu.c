/*
 * Paging and the software TLB.
 *
 * Linear addresses are translated by the 32-bit two-level page walk of the
 * SDM vol. 3A, 4.3 (4 KiB pages, and 4 MiB pages with CR4.PSE, whose PDE
 * bits 16:13 give physical address bits 35:32 with PSE-36), or with
 * CR4.PAE by the PAE walk of 4.4 (four PDPTEs loaded with CR3, 64-bit
 * entries, 2 MiB pages, the execute-disable bit under IA32_EFER.NXE), with
 * the protection rules of 4.6 (U/S, R/W, CR0.WP, XD), the reserved-bit
 * checks of 4.7 (#PF with RSVD) and the accessed/dirty bits of 4.8.  The
 * PAT bits of the entries select memory types, which mean nothing without
 * a cache: they are ignored.  Every physical address is masked with the
 * A20 gate.
 *
 * Physical addresses are 36 bits wide under PAE and PSE-36, but neither
 * board has anything at or above 4 GiB (RAM ends below the PCI hole): such
 * addresses are unassigned space, as the memory bus (64 bits wide) makes
 * them: loads read all ones, stores are dropped, and an instruction
 * fetched there raises #UD (the all-ones bytes decode as FF FF, an
 * undefined opcode; the code cache keys blocks by 32-bit physical
 * addresses, so no block is made there).
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
#define PTE_XD  (1ull << 63)      /* PAE: execute-disable (with EFER.NXE) */
/* PAE PDPTE reserved bits below MAXPHYADDR: 2:1 and 8:5 (table 4-8); bit
 * 63 is reserved in a PDPTE whatever NXE says. */
#define PDPTE_RSVD_LOW 0x1e6ull
/* A PAE 2 MiB PDE: bits 20:13 are reserved (bit 12 is PAT, table 4-9). */
#define PDE2M_RSVD     0x1fe000ull
/* A 32-bit 4 MiB PDE with PSE-36 (MAXPHYADDR 36): bits 16:13 are physical
 * address bits 35:32, bits 21:17 are reserved (table 4-4). */
#define PDE4M_RSVD36   0x3e0000u

/* #PF error code bits (SDM vol. 3A, 4.7). */
#define PFERR_P    0x1u
#define PFERR_W    0x2u
#define PFERR_U    0x4u
#define PFERR_RSVD 0x8u
#define PFERR_ID   0x10u

#define FOUR_GIB 0x100000000ull

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

/* The A20 gate on a physical address of up to 36 bits. */
static inline uint64_t a20(CPUX86State *env, uint64_t pa)
{
    return pa & (0xffffffff00000000ull | env->a20_mask);
}

/* Page-table entries may be anywhere in the 36-bit space under PAE and
 * PSE-36: below 4 GiB through the cache, above through the bus (which
 * reads all ones there: a present entry with reserved bits set). */
static uint32_t phys_ld32(CPUX86State *env, uint64_t pa)
{
    if (pa < FOUR_GIB) {
        return x86_phys_ld32(env, (uint32_t)pa);
    }
    return (uint32_t)address_space_ld(env->as, pa, 4, NULL);
}

static void phys_st32(CPUX86State *env, uint64_t pa, uint32_t val)
{
    if (pa < FOUR_GIB) {
        x86_phys_st32(env, (uint32_t)pa, val);
    } else {
        address_space_st(env->as, pa, val, 4, NULL);
    }
}

/* A 64-bit PAE entry (8-byte aligned, so within one page). */
static uint64_t phys_ld64(CPUX86State *env, uint64_t pa)
{
    return phys_ld32(env, pa) | ((uint64_t)phys_ld32(env, pa + 4) << 32);
}

/* ---- TLB maintenance ---- */

static void tlb_clear_entry(CPUX86State *env, int mmu, unsigned i)
{
    env->tlb[mmu][i].tag_read = TLB_INVALID;
    env->tlb[mmu][i].tag_write = TLB_INVALID;
    env->tlb_info[mmu][i].vpage = TLB_INVALID;
    env->tlb_info[mmu][i].flags = 0;
}

void x86_tlb_flush(CPUX86State *env)
{
    x86_jmp_cache_flush(env);
    for (int mmu = 0; mmu < 2; mmu++) {
        for (unsigned i = 0; i < X86_TLB_SIZE; i++) {
            tlb_clear_entry(env, mmu, i);
        }
    }
    memset(env->tlb_large, 0, sizeof(env->tlb_large));
    phys_cache_flush(env);
}

/* A CR3 load: keep global pages when CR4.PGE is on (SDM vol. 3A, 4.10.4.1). */
static void tlb_flush_nonglobal(CPUX86State *env)
{
    if (!(env->cr[4] & CR4_PGE)) {
        x86_tlb_flush(env);
        return;
    }
    x86_jmp_cache_flush_nonglobal(env);
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
    uint32_t page = lin & PAGE_MASK;
    unsigned i = (page >> 12) & (X86_TLB_SIZE - 1);
    for (int mmu = 0; mmu < 2; mmu++) {
        if (env->tlb_info[mmu][i].vpage == page) {
            tlb_clear_entry(env, mmu, i);
        }
    }
    if (env->tlb_large[page >> 28] & (1ull << ((page >> 22) % 64))) {
        /* INVLPG of an address in a 4 MiB (PAE: 2 MiB, which lies within
         * one 4 MiB region) page drops the whole page, which the TLB holds
         * as small entries.  A change of CR4.PAE flushes everything, so
         * every large entry has the size of the current mode.  The region
         * bits are cleared by a full flush only: a stale one costs a scan. */
        int shift = (env->cr[4] & CR4_PAE) ? 21 : 22;
        for (int mmu = 0; mmu < 2; mmu++) {
            for (unsigned j = 0; j < X86_TLB_SIZE; j++) {
                X86TLBInfo *t = &env->tlb_info[mmu][j];
                if ((t->flags & TLBI_LARGE) && (t->vpage >> shift) == (page >> shift)) {
                    tlb_clear_entry(env, mmu, j);
                }
            }
        }
    }
    x86_jmp_cache_flush_page(env, lin);
}

bool x86_code_page_global(CPUX86State *env, uint32_t lin, bool *large)
{
    uint32_t page = lin & PAGE_MASK;
    const X86TLBInfo *t = &env->tlb_info[cur_mmu(env)][(page >> 12) & (X86_TLB_SIZE - 1)];
    bool hit = t->vpage == page;
    /* Not in the TLB: say large, the cautious answer for INVLPG. */
    *large = !hit || (t->flags & TLBI_LARGE);
    return hit && (t->flags & TLBI_GLOBAL);
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
    uint64_t pa;        /* physical address (A20 applied) */
    uint32_t flags;     /* TLBI_* */
} Translation;

/* Protection of the leaf whose combined U/S and R/W bits are rights
 * (SDM vol. 3A, 4.6.1), and execute-disable; raises #PF(err | P). */
static void check_rights(CPUX86State *env, uint32_t lin, int acc, bool user, uint32_t rights,
                         bool xd, uint32_t err)
{
    bool wp = (env->cr[0] & CR0_WP) != 0;
    if ((user && !(rights & PTE_U)) ||
        (acc == ACC_WRITE && !(rights & PTE_W) && (user || wp)) ||
        (acc == ACC_FETCH && xd)) {
        x86_raise_pf(env, lin, err | PFERR_P);
    }
}

/* The TLBI_* flags of a successful walk: the write tag only once the
 * dirty bit is set (so the first write comes back here to set it). */
static uint32_t leaf_flags(CPUX86State *env, bool user, uint64_t leaf, uint32_t rights, bool xd)
{
    uint32_t flags = 0;
    if ((leaf & PTE_D) && ((rights & PTE_W) || (!user && !(env->cr[0] & CR0_WP)))) {
        flags |= TLBI_WRITE;
    }
    if ((leaf & PTE_G) && (env->cr[4] & CR4_PGE)) {
        flags |= TLBI_GLOBAL;
    }
    if (xd) {
        flags |= TLBI_NOEXEC;
    }
    return flags;
}

/*
 * The PAE walk (SDM vol. 3A, 4.4): PDPTE (from the registers CR3 loaded),
 * PDE, PTE, each 64 bits.  Bits MAXPHYADDR..62 of a present PDE or PTE,
 * and bit 63 while EFER.NXE is clear, are reserved: #PF with RSVD.
 */
static void pae_walk(CPUX86State *env, uint32_t lin, int acc, bool user, Translation *t)
{
    bool write = acc == ACC_WRITE;
    bool nxe = (env->efer & EFER_NXE) != 0;
    uint32_t err = (write ? PFERR_W : 0) | (user ? PFERR_U : 0) |
                   (acc == ACC_FETCH && nxe ? PFERR_ID : 0);
    int m = x86_maxphyaddr(env);
    uint64_t addr_mask = ((1ull << m) - 1) & ~0xfffull;
    uint64_t rsvd = ((~0ull << m) & ~PTE_XD) | (nxe ? 0 : PTE_XD);

    uint64_t pdpte = env->pdpte[lin >> 30];
    if (!(pdpte & PTE_P)) {
        x86_raise_pf(env, lin, err);
    }
    if (pdpte & (PDPTE_RSVD_LOW | (~0ull << m))) {
        /* Only a task switch loads PDPTEs unchecked (MOV CR raises #GP). */
        x86_raise_pf(env, lin, err | PFERR_P | PFERR_RSVD);
    }
    uint64_t pde_addr = a20(env, (pdpte & addr_mask) | ((lin >> 18) & 0xff8));
    uint64_t pde = phys_ld64(env, pde_addr);
    if (!(pde & PTE_P)) {
        x86_raise_pf(env, lin, err);
    }
    if (pde & rsvd) {
        x86_raise_pf(env, lin, err | PFERR_P | PFERR_RSVD);
    }
    if (pde & PTE_PS) {
        /* 2 MiB page, whatever CR4.PSE says (4.4.2). */
        if (pde & PDE2M_RSVD) {
            x86_raise_pf(env, lin, err | PFERR_P | PFERR_RSVD);
        }
        bool xd = nxe && (pde & PTE_XD);
        check_rights(env, lin, acc, user, (uint32_t)pde, xd, err);
        uint32_t npde = (uint32_t)pde | PTE_A | (write ? PTE_D : 0);
        if (npde != (uint32_t)pde) {
            phys_st32(env, pde_addr, npde);
        }
        t->pa = a20(env, (pde & addr_mask & ~0x1fffffull) | (lin & 0x1ff000u));
        t->flags = TLBI_LARGE | leaf_flags(env, user, npde, (uint32_t)pde, xd);
        return;
    }
    uint64_t pte_addr = a20(env, (pde & addr_mask) | ((lin >> 9) & 0xff8));
    uint64_t pte = phys_ld64(env, pte_addr);
    if (!(pte & PTE_P)) {
        x86_raise_pf(env, lin, err);
    }
    if (pte & rsvd) {
        x86_raise_pf(env, lin, err | PFERR_P | PFERR_RSVD);
    }
    uint32_t both = (uint32_t)pde & (uint32_t)pte;
    bool xd = nxe && ((pde | pte) & PTE_XD);
    check_rights(env, lin, acc, user, both, xd, err);
    if (!(pde & PTE_A)) {
        phys_st32(env, pde_addr, (uint32_t)pde | PTE_A);
    }
    uint32_t npte = (uint32_t)pte | PTE_A | (write ? PTE_D : 0);
    if (npte != (uint32_t)pte) {
        phys_st32(env, pte_addr, npte);
    }
    t->pa = a20(env, (pte & addr_mask) | (lin & 0xfff));
    t->flags = leaf_flags(env, user, npte, both, xd);
}

/*
 * Translate lin for an access of kind acc made at user (CPL 3, not an
 * implicit supervisor access) or supervisor level.  Sets accessed and, for
 * writes, dirty bits.  Raises #PF.
 */
static void page_walk(CPUX86State *env, uint32_t lin, int acc, bool user, Translation *t)
{
    if (env->cr[4] & CR4_PAE) {
        pae_walk(env, lin, acc, user, t);
        return;
    }
    bool write = acc == ACC_WRITE;
    uint32_t err = (write ? PFERR_W : 0) | (user ? PFERR_U : 0);
    uint32_t pde_addr = ((env->cr[3] & PAGE_MASK) | ((lin >> 20) & 0xffc)) & env->a20_mask;
    uint32_t pde = x86_phys_ld32(env, pde_addr);
    if (!(pde & PTE_P)) {
        x86_raise_pf(env, lin, err);
    }
    if ((pde & PTE_PS) && (env->cr[4] & CR4_PSE)) {
        /* 4 MiB page: the PDE is the leaf (SDM vol. 3A, 4.3, table 4-4). */
        uint64_t high = 0;
        if (env->cpuid_features & X86_CPUID_PSE36) {
            if (pde & PDE4M_RSVD36) {
                x86_raise_pf(env, lin, err | PFERR_P | PFERR_RSVD);
            }
            high = (uint64_t)((pde >> 13) & 0xf) << 32;
        }
        check_rights(env, lin, acc, user, pde, false, err);
        uint32_t npde = pde | PTE_A | (write ? PTE_D : 0);
        if (npde != pde) {
            x86_phys_st32(env, pde_addr, npde);
        }
        t->pa = a20(env, high | (pde & 0xffc00000u) | (lin & 0x3ff000u));
        t->flags = TLBI_LARGE | leaf_flags(env, user, npde, pde, false);
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
    check_rights(env, lin, acc, user, both, false, err);
    if (!(pde & PTE_A)) {
        x86_phys_st32(env, pde_addr, pde | PTE_A);
    }
    uint32_t npte = pte | PTE_A | (write ? PTE_D : 0);
    if (npte != pte) {
        x86_phys_st32(env, pte_addr, npte);
    }
    t->pa = ((pte & PAGE_MASK) | (lin & 0xfff)) & env->a20_mask;
    t->flags = leaf_flags(env, user, npte, both, false);
}

/* The four PDPTEs of the PDPT at cr3 (bits 31:5, SDM vol. 3A, 4.4.1);
 * false when a present one has a reserved bit set. */
static bool read_pdptes(CPUX86State *env, uint32_t cr3, uint64_t out[4])
{
    uint64_t rsvd = PDPTE_RSVD_LOW | (~0ull << x86_maxphyaddr(env));
    bool ok = true;
    for (int i = 0; i < 4; i++) {
        out[i] = phys_ld64(env, a20(env, (cr3 & 0xffffffe0u) + 8u * i));
        if ((out[i] & PTE_P) && (out[i] & rsvd)) {
            ok = false;
        }
    }
    return ok;
}

bool x86_pae_load_pdptes(CPUX86State *env, uint32_t cr3)
{
    uint64_t p[4];
    if (!read_pdptes(env, cr3, p)) {
        return false;
    }
    memcpy(env->pdpte, p, sizeof(p));
    return true;
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
    uint64_t ppage = t.pa & ~0xfffull;
    unsigned i = (vpage >> 12) & (X86_TLB_SIZE - 1);
    X86TLBEntry *e = &env->tlb[mmu][i];
    X86TLBInfo *info = &env->tlb_info[mmu][i];
    MemoryPageInfo mp = { 0 };
    if (ppage < FOUR_GIB) {
        /* Above 4 GiB nothing is mapped: no host page, the slow path. */
        address_space_page_info(env->as, ppage, 4096, &mp);
    }
    info->vpage = vpage;
    info->ppage = ppage;
    info->flags = t.flags;
    if (t.flags & TLBI_LARGE) {
        env->tlb_large[vpage >> 28] |= 1ull << ((vpage >> 22) % 64);
    }
    if (mp.host_read) {
        e->addend = (uintptr_t)mp.host_read - vpage;
        e->tag_read = vpage;
    } else {
        e->addend = 0;
        e->tag_read = TLB_INVALID;
    }
    if (mp.host_write && mp.host_write == mp.host_read && (t.flags & TLBI_WRITE) &&
        !x86_page_has_code(env, (uint32_t)ppage) && memory_dirty_page_all(mp.mr, mp.offset)) {
        e->tag_write = vpage;
    } else {
        e->tag_write = TLB_INVALID;
    }
    return i;
}

/* The entry for lin, valid for the access (filled when needed): a write
 * needs the write right (and the dirty bit), a fetch a page without XD. */
static unsigned tlb_lookup(CPUX86State *env, uint32_t lin, int acc, int mmu)
{
    uint32_t vpage = lin & PAGE_MASK;
    unsigned i = (vpage >> 12) & (X86_TLB_SIZE - 1);
    X86TLBInfo *info = &env->tlb_info[mmu][i];
    uint32_t need = acc == ACC_WRITE ? TLBI_WRITE : 0;
    uint32_t deny = acc == ACC_FETCH ? TLBI_NOEXEC : 0;
    if (info->vpage == vpage && (info->flags & (need | deny)) == need) {
        return i;
    }
    return tlb_fill(env, lin, acc, mmu);
}

uint32_t x86_translate_code(CPUX86State *env, uint32_t lin)
{
    int mmu = cur_mmu(env);
    unsigned i = tlb_lookup(env, lin, ACC_FETCH, mmu);
    uint64_t ppage = env->tlb_info[mmu][i].ppage;
    if (ppage >= FOUR_GIB) {
        /* Nothing is there (see the top of this file). */
        x86_raise(env, EXCP_UD);
    }
    return (uint32_t)ppage | (lin & 0xfff);
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
    uint64_t p;
    if (env->cr[4] & CR4_PAE) {
        uint64_t mask = ((1ull << x86_maxphyaddr(env)) - 1) & ~0xfffull;
        uint64_t pdpte = env->pdpte[lin >> 30];
        if (!(pdpte & PTE_P)) {
            return false;
        }
        uint64_t pde = phys_ld64(env, a20(env, (pdpte & mask) | ((lin >> 18) & 0xff8)));
        if (!(pde & PTE_P)) {
            return false;
        }
        if (pde & PTE_PS) {
            p = (pde & mask & ~0x1fffffull) | (lin & 0x1fffffu);
        } else {
            uint64_t pte = phys_ld64(env, a20(env, (pde & mask) | ((lin >> 9) & 0xff8)));
            if (!(pte & PTE_P)) {
                return false;
            }
            p = (pte & mask) | (lin & 0xfff);
        }
    } else {
        uint32_t pde = x86_phys_ld32(env, ((env->cr[3] & PAGE_MASK) | ((lin >> 20) & 0xffc)) &
                                          env->a20_mask);
        if (!(pde & PTE_P)) {
            return false;
        }
        if ((pde & PTE_PS) && (env->cr[4] & CR4_PSE)) {
            uint64_t high = (env->cpuid_features & X86_CPUID_PSE36)
                                ? (uint64_t)((pde >> 13) & 0xf) << 32 : 0;
            p = high | (pde & 0xffc00000u) | (lin & 0x3fffffu);
        } else {
            uint32_t pte = x86_phys_ld32(env, ((pde & PAGE_MASK) | ((lin >> 10) & 0xffc)) &
                                              env->a20_mask);
            if (!(pte & PTE_P)) {
                return false;
            }
            p = (pte & PAGE_MASK) | (lin & 0xfff);
        }
    }
    p = a20(env, p);
    if (p >= FOUR_GIB) {
        return false;
    }
    *pa = (uint32_t)p;
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
    hwaddr pa64 = env->tlb_info[mmu][i].ppage | (lin & 0xfff);
    if (pa64 >= FOUR_GIB) {
        address_space_st(env->as, pa64, val, size, NULL);
        return;
    }
    uint32_t pa = (uint32_t)pa64;
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

void x86_probe_read(CPUX86State *env, uint32_t lin)
{
    tlb_lookup(env, lin, ACC_READ, cur_mmu(env));
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
    bool reload_pdptes = false;
    switch (cr) {
    case 0:
        /* ET is hardwired to 1 on the i486 and later (SDM vol. 3A, 2.5). */
        val |= CR0_ET;
        env->cr[0] = val;
        if ((old ^ val) & (CR0_PG | CR0_WP | CR0_PE)) {
            x86_tlb_flush(env);
        }
        reload_pdptes = (old ^ val) & (CR0_PG | CR0_CD | CR0_NW);
        x86_update_hflags(env);
        break;
    case 2:
        env->cr[2] = val;
        break;
    case 3:
        env->cr[3] = val;
        tlb_flush_nonglobal(env);
        reload_pdptes = true;
        break;
    case 4:
        env->cr[4] = val;
        if ((old ^ val) & (CR4_PSE | CR4_PGE | CR4_PAE)) {
            x86_tlb_flush(env);
        }
        reload_pdptes = (old ^ val) & (CR4_PSE | CR4_PGE | CR4_PAE);
        break;
    default:
        break;
    }
    /* The PDPTEs are loaded when PAE paging is entered, on CR3 loads
     * under it, and when the paging bits change (SDM vol. 3A, 4.4.1).
     * MOV to CR has checked them already; a task switch loads them as
     * they are (the walk then faults on reserved bits). */
    if (reload_pdptes && x86_pae_paging(env)) {
        read_pdptes(env, env->cr[3], env->pdpte);
    }
}
