/*
 * Segmentation: descriptor caches, their fast access checks, and loading
 * segment registers in real, virtual-8086 and protected mode.
 *
 * References: Intel SDM vol. 3A, 3.4 (segment selectors and descriptors),
 * 5.5 to 5.7 (privilege levels and checks for data and stack segments),
 * and vol. 2B, MOV/POP "Operation" for the exact order of the checks.
 *
 * SPDX-License-Identifier: MIT
 */
#include "cpu/x86-internal.h"

uint32_t x86_desc_base(uint32_t lo, uint32_t hi)
{
    return (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000u);
}

uint32_t x86_desc_limit(uint32_t lo, uint32_t hi)
{
    uint32_t limit = (lo & 0xffff) | (hi & 0x000f0000u);
    if (hi & 0x00800000u) {
        /* G: the limit counts 4 KiB units (SDM vol. 3A, 3.4.5). */
        limit = (limit << 12) | 0xfff;
    }
    return limit;
}

void x86_seg_cache_checks(SegmentCache *s, bool protected_mode)
{
    uint32_t lo = 0, hi = s->limit;
    bool readable = true, writable = true;
    bool code = (s->flags & DESC_S) && (s->flags & DESC_CODE);
    if (protected_mode) {
        if (!(s->flags & DESC_P) || !(s->flags & DESC_S)) {
            readable = writable = false;     /* null or unusable */
        } else if (code) {
            readable = (s->flags & DESC_R) != 0;
            writable = false;
        } else {
            writable = (s->flags & DESC_W) != 0;
        }
    }
    if (!code && (s->flags & DESC_E) && (s->flags & DESC_S)) {
        /* Expand-down: valid offsets are limit+1 .. 64K-1 or 4G-1
         * depending on B (SDM vol. 3A, 3.4.5.1). */
        lo = s->limit + 1;
        hi = (s->flags & DESC_B) ? 0xffffffffu : 0xffffu;
        if (lo == 0) {
            readable = writable = false;
        }
    }
    /* A segment that reaches 4 GiB lets an access wrap around the top of
     * the offset space (Bochs does the same); anything smaller faults when
     * an access runs past the limit, wrap or not (test386 checks
     * [-1] against a 640 KiB limit). */
    uint64_t hi64 = hi == 0xffffffffu ? 0xffffffffull + 7 : hi;
    s->rlo = readable ? lo : 1;
    s->rhi = readable ? hi64 : 0;
    s->wlo = writable ? lo : 1;
    s->whi = writable ? hi64 : 0;
}

void x86_seg_update_checks(CPUX86State *env, int seg)
{
    bool pm = (env->cr[0] & CR0_PE) && !(env->eflags & VM_MASK);
    x86_seg_cache_checks(&env->segs[seg], pm);
}

void x86_seg_check_slow(CPUX86State *env, int seg, uint32_t off, unsigned size, bool write)
{
    const SegmentCache *s = &env->segs[seg];
    uint64_t end = (uint64_t)off + size - 1;
    uint32_t lo = write ? s->wlo : s->rlo;
    uint64_t hi = write ? s->whi : s->rhi;
    if (lo <= hi && off >= lo && end <= hi) {
        return;
    }
    /* Stack-segment limit violations are #SS, others #GP; both with error
     * code 0 (SDM vol. 3A, 6.15, interrupts 12 and 13).  A null selector
     * used in DS..GS is #GP(0) too. */
    x86_raise_err(env, seg == R_SS ? EXCP_SS : EXCP_GP, 0);
}

/* Base 0, readable and writable at every offset, 32-bit: an effective
 * address is the linear address with no check needed. */
static bool seg_is_flat(const SegmentCache *s)
{
    return s->base == 0 && s->rlo == 0 && s->rhi >= 0xffffffffu && s->wlo == 0 &&
           s->whi >= 0xffffffffu && (s->flags & DESC_B);
}

void x86_update_hflags(CPUX86State *env)
{
    uint32_t hf = 0;
    bool vm = (env->eflags & VM_MASK) != 0;
    if (env->cr[0] & CR0_PE) {
        hf |= HF_PE;
    }
    if (vm) {
        hf |= HF_VM;
    } else if (env->segs[R_CS].flags & DESC_B) {
        hf |= HF_CS32;
    }
    if (env->eflags & TF_MASK) {
        hf |= HF_TF;
    }
    if (env->cpl == 3) {
        hf |= HF_CPL3;
    }
    if ((hf & HF_PE) && !vm && seg_is_flat(&env->segs[R_DS]) &&
        seg_is_flat(&env->segs[R_ES]) && seg_is_flat(&env->segs[R_SS])) {
        hf |= HF_FLAT;
    }
    env->hflags = hf;
    env->sp_mask = (!vm && (env->segs[R_SS].flags & DESC_B)) ? 0xffffffffu : 0xffffu;
    env->tlb_cur = env->tlb[env->cpl == 3 ? 1 : 0];
}

void x86_set_seg_cache(CPUX86State *env, int seg, uint16_t sel, uint32_t base,
                       uint32_t limit, uint16_t flags)
{
    SegmentCache *s = &env->segs[seg];
    s->sel = sel;
    s->base = base;
    s->limit = limit;
    s->flags = flags;
    x86_seg_update_checks(env, seg);
    if (seg != R_FS && seg != R_GS) {
        x86_update_hflags(env);
    }
}

void x86_load_seg_real(CPUX86State *env, int seg, uint16_t sel)
{
    SegmentCache *s = &env->segs[seg];
    if (env->eflags & VM_MASK) {
        /* Virtual-8086 mode: 64 KiB read/write segments at privilege 3
         * (SDM vol. 3A, 20.1.1). */
        x86_set_seg_cache(env, seg, sel, (uint32_t)sel << 4, 0xffff,
                          DESC_P | DESC_S | (3 << DESC_DPL_SHIFT) | DESC_W | DESC_A);
    } else {
        /* Real mode changes only the selector and base; the limit and
         * attributes left by protected mode stay ("unreal mode"). */
        x86_set_seg_cache(env, seg, sel, (uint32_t)sel << 4, s->limit, s->flags);
    }
}

bool x86_read_desc(CPUX86State *env, uint16_t sel, uint32_t *lo, uint32_t *hi)
{
    uint32_t base, limit;
    if (sel & 4) {
        if (!(env->ldt.flags & DESC_P)) {
            return false;
        }
        base = env->ldt.base;
        limit = env->ldt.limit;
    } else {
        base = env->gdt.base;
        limit = env->gdt.limit;
    }
    uint32_t index = sel & ~7u;
    if (index + 7 > limit) {
        return false;
    }
    *lo = x86_ld_kernel(env, base + index, 4);
    *hi = x86_ld_kernel(env, base + index + 4, 4);
    return true;
}

void x86_desc_set_accessed(CPUX86State *env, uint16_t sel, uint32_t hi)
{
    if (hi & 0x100) {
        return;
    }
    uint32_t base = (sel & 4) ? env->ldt.base : env->gdt.base;
    x86_st_kernel(env, base + (sel & ~7u) + 4, hi | 0x100, 4);
}

void x86_load_seg(CPUX86State *env, int seg, uint16_t sel)
{
    if (!(env->cr[0] & CR0_PE) || (env->eflags & VM_MASK)) {
        x86_load_seg_real(env, seg, sel);
        return;
    }
    uint32_t lo, hi;
    int rpl = sel & 3, cpl = env->cpl;
    uint32_t err = sel & 0xfffc;
    if ((sel & ~3u) == 0) {
        if (seg == R_SS) {
            x86_raise_err(env, EXCP_GP, 0);
        }
        /* A null selector may be loaded into DS..GS; using it faults. */
        x86_set_seg_cache(env, seg, sel, 0, 0, 0);
        return;
    }
    if (!x86_read_desc(env, sel, &lo, &hi)) {
        x86_raise_err(env, EXCP_GP, err);
    }
    uint16_t flags = x86_desc_flags(hi);
    int dpl = (flags & DESC_DPL_MASK) >> DESC_DPL_SHIFT;
    if (!(flags & DESC_S)) {
        x86_raise_err(env, EXCP_GP, err);
    }
    if (seg == R_SS) {
        if (rpl != cpl || (flags & DESC_CODE) || !(flags & DESC_W) || dpl != cpl) {
            x86_raise_err(env, EXCP_GP, err);
        }
        if (!(flags & DESC_P)) {
            x86_raise_err(env, EXCP_SS, err);
        }
    } else {
        if ((flags & DESC_CODE) && !(flags & DESC_R)) {
            x86_raise_err(env, EXCP_GP, err);
        }
        /* Data and non-conforming code: DPL >= max(CPL, RPL). */
        if (!((flags & DESC_CODE) && (flags & DESC_C)) && (rpl > dpl || cpl > dpl)) {
            x86_raise_err(env, EXCP_GP, err);
        }
        if (!(flags & DESC_P)) {
            x86_raise_err(env, EXCP_NP, err);
        }
    }
    x86_desc_set_accessed(env, sel, hi);
    x86_set_seg_cache(env, seg, sel, x86_desc_base(lo, hi), x86_desc_limit(lo, hi),
                      flags | DESC_A);
}
