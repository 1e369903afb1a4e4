/*
 * The standard VGA's registers and video memory access (see vga-int.h for
 * the sources and the memory layout), and the Bochs VBE DISPI registers.
 *
 * Every index the guest writes is masked or checked against its array,
 * and every memory offset against the VRAM size, before it is used.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "vga-int.h"

/* Port offsets (IBM VGA register summary). */
enum {
    P_CRT_IM = 0x3b4, P_CRT_DM = 0x3b5, P_IS1_RM = 0x3ba,
    P_ATT_W = 0x3c0, P_ATT_R = 0x3c1, P_MIS_W = 0x3c2, P_VGA_EN = 0x3c3,
    P_SEQ_I = 0x3c4, P_SEQ_D = 0x3c5, P_PEL_MSK = 0x3c6, P_PEL_IR = 0x3c7,
    P_PEL_IW = 0x3c8, P_PEL_D = 0x3c9, P_FTC_R = 0x3ca, P_MIS_R = 0x3cc,
    P_GFX_I = 0x3ce, P_GFX_D = 0x3cf,
    P_CRT_IC = 0x3d4, P_CRT_DC = 0x3d5, P_IS1_RC = 0x3da,
};

/* The bits each sequencer and graphics register has (FreeVGA "Sequencer
 * Registers" and "Graphics Registers"); the rest read 0. */
static const uint8_t sr_mask[VGA_SR_COUNT] = {
    0x03,   /* SR0 reset: synchronous, asynchronous */
    0x3d,   /* SR1 clocking mode: 8/9 dot, shift load, dot clock/2, shift 4, screen off */
    0x0f,   /* SR2 map mask */
    0x3f,   /* SR3 character map select */
    0x0e,   /* SR4 memory mode: extended memory, odd/even disable, chain 4 */
    0x00, 0x00, 0x00,
};
static const uint8_t gr_mask[VGA_GR_COUNT] = {
    0x0f,   /* GR0 set/reset */
    0x0f,   /* GR1 enable set/reset */
    0x0f,   /* GR2 colour compare */
    0x1f,   /* GR3 data rotate: count, logical operation */
    0x03,   /* GR4 read map select */
    0x7b,   /* GR5 mode: write mode, read mode, host odd/even, shift reg, 256 colour */
    0x0f,   /* GR6 miscellaneous: graphics, chain odd/even, memory map */
    0x0f,   /* GR7 colour don't care */
    0xff,   /* GR8 bit mask */
};

/* Each bit of a 4-bit plane mask spread to a byte: 0b0101 -> 0x00ff00ff. */
static uint32_t expand4(unsigned v)
{
    uint32_t r = 0;
    for (int p = 0; p < 4; p++) {
        if (v & (1u << p)) {
            r |= 0xffu << (8 * p);
        }
    }
    return r;
}

/* ---- the VBE extension ---- */

static bool vbe_enabled(const VGAState *s)
{
    return s->vbe_regs[VBE_ENABLE] & VBE_ENABLED;
}

/* Bring the mode registers back into what VRAM can show, as the DISPI
 * interface has no way to refuse a value: width a multiple of 8 in
 * 8..VBE_MAX_XRES, a known depth (else 8), the virtual width at least
 * the width, the height and the offsets such that the picture lies in
 * VRAM.  Then compute the line length and the start address. */
static void vbe_fixup(VGAState *s)
{
    uint16_t *r = s->vbe_regs;
    if (!vbe_enabled(s)) {
        return;
    }
    unsigned bits;
    switch (r[VBE_BPP]) {
    case 4: case 8: case 16: case 24: case 32:
        bits = r[VBE_BPP];
        break;
    case 15:
        bits = 16;
        break;
    default:
        r[VBE_BPP] = 8;
        bits = 8;
        break;
    }
    r[VBE_XRES] = MIN(MAX(r[VBE_XRES] & ~7u, 8u), VBE_MAX_XRES);
    r[VBE_VIRT_WIDTH] = MIN(r[VBE_VIRT_WIDTH] & ~7u, VBE_MAX_XRES);
    r[VBE_VIRT_WIDTH] = MAX(r[VBE_VIRT_WIDTH], r[VBE_XRES]);
    uint32_t line = r[VBE_VIRT_WIDTH] * bits / 8;
    uint32_t maxy = MIN(s->vram_size / line, 0xffffu);
    r[VBE_YRES] = MIN(MAX(r[VBE_YRES], 1u), MIN((uint32_t)VBE_MAX_YRES, maxy));
    r[VBE_X_OFFSET] = MIN(r[VBE_X_OFFSET], VBE_MAX_XRES);
    r[VBE_Y_OFFSET] = MIN(r[VBE_Y_OFFSET], VBE_MAX_YRES);
    uint64_t start = (uint64_t)r[VBE_X_OFFSET] * bits / 8 + (uint64_t)r[VBE_Y_OFFSET] * line;
    if (start + (uint64_t)r[VBE_YRES] * line > s->vram_size) {
        r[VBE_Y_OFFSET] = 0;
        start = (uint64_t)r[VBE_X_OFFSET] * bits / 8;
        if (start + (uint64_t)r[VBE_YRES] * line > s->vram_size) {
            r[VBE_X_OFFSET] = 0;
            start = 0;
        }
    }
    r[VBE_VIRT_HEIGHT] = maxy;
    s->vbe_line_offset = line;
    s->vbe_start_addr = (uint32_t)start & ~3u;
}

/* Entering a VBE mode also programs the VGA part as Bochs' BIOS expects:
 * graphics, the 64 KiB window at 0xA0000, no CGA addressing, no double
 * scan, chain 4 with every plane (packed pixels) or planar for 4 bpp. */
static void vbe_enable(VGAState *s, uint32_t val)
{
    uint16_t *r = s->vbe_regs;
    r[VBE_VIRT_WIDTH] = r[VBE_X_OFFSET] = r[VBE_Y_OFFSET] = 0;
    r[VBE_ENABLE] |= VBE_ENABLED;
    vbe_fixup(s);
    if (!(val & VBE_NOCLEARMEM)) {
        uint64_t len = MIN((uint64_t)r[VBE_YRES] * s->vbe_line_offset, s->vram_size);
        memset(s->vram_ptr, 0, len);
        memory_region_set_dirty(&s->vram, 0, len);
    }
    s->gr[6] = (s->gr[6] & ~0x0c) | 0x05;
    s->cr[0x17] |= 3;
    s->cr[0x13] = s->vbe_line_offset >> 3;
    s->cr[0x01] = (r[VBE_XRES] >> 3) - 1;
    unsigned h = r[VBE_YRES] - 1;
    s->cr[0x12] = h;
    s->cr[0x07] = (s->cr[0x07] & ~0x42) | ((h >> 7) & 0x02) | ((h >> 3) & 0x40);
    s->cr[0x18] = 0xff;                    /* line compare at 1023: no split */
    s->cr[0x07] |= 0x10;
    s->cr[0x09] |= 0x40;
    unsigned shift;
    if (r[VBE_BPP] == 4) {
        shift = 0;
        s->sr[1] &= ~8;
    } else {
        shift = 2;
        s->sr[4] |= 0x08;
        s->sr[2] |= 0x0f;
    }
    s->gr[5] = (s->gr[5] & ~0x60) | (shift << 5);
    s->cr[0x09] &= ~0x9f;
}

uint32_t vbe_data_read(VGAState *s)
{
    if (s->vbe_index == VBE_VIDEO_MEMORY_64K) {
        return s->vram_size >> 16;
    }
    if (s->vbe_index >= VBE_REG_COUNT) {
        return 0;
    }
    if (s->vbe_regs[VBE_ENABLE] & VBE_GETCAPS) {
        switch (s->vbe_index) {
        case VBE_XRES: return VBE_MAX_XRES;
        case VBE_YRES: return VBE_MAX_YRES;
        case VBE_BPP: return VBE_MAX_BPP;
        }
    }
    return s->vbe_regs[s->vbe_index];
}

void vbe_data_write(VGAState *s, uint32_t val)
{
    val &= 0xffff;
    switch (s->vbe_index) {
    case VBE_ID:
        if (val >= VBE_ID0 && val <= VBE_ID5) {
            s->vbe_regs[VBE_ID] = val;
        }
        break;
    case VBE_XRES: case VBE_YRES: case VBE_BPP: case VBE_VIRT_WIDTH:
    case VBE_X_OFFSET: case VBE_Y_OFFSET:
        s->vbe_regs[s->vbe_index] = val;
        vbe_fixup(s);
        break;
    case VBE_BANK: {
        /* Banks of 64 KiB; 4 bpp modes address a quarter (planar). */
        uint32_t banks = s->vram_size >> 16;
        if (s->vbe_regs[VBE_BPP] == 4) {
            banks >>= 2;
        }
        val &= banks - 1;
        s->vbe_regs[VBE_BANK] = val;
        s->bank_offset = val << 16;
        break;
    }
    case VBE_ENABLE:
        if ((val & VBE_ENABLED) && !vbe_enabled(s)) {
            vbe_enable(s, val);
        } else if (!(val & VBE_ENABLED)) {
            s->bank_offset = 0;
        }
        s->dac_8bit = val & VBE_8BIT_DAC;
        s->vbe_regs[VBE_ENABLE] = val;
        s->full_update = true;
        break;
    default:
        break;
    }
}

/* ---- I/O ports ---- */

/* A port of the other CRTC address (mono 0x3Bx while Misc Output selects
 * colour, and the reverse) decodes nothing. */
bool vga_port_ignored(const VGAState *s, uint32_t port)
{
    if (s->msr & 1) {
        return port >= 0x3b0 && port <= 0x3bf;
    }
    return port >= 0x3d0 && port <= 0x3df;
}

uint32_t vga_port_read(VGAState *s, uint32_t port)
{
    if (vga_port_ignored(s, port)) {
        return 0xff;
    }
    switch (port) {
    case P_ATT_W:
        return s->ar_flip_flop ? 0 : s->ar_index;
    case P_ATT_R: {
        unsigned i = s->ar_index & 0x1f;
        return i < VGA_AR_COUNT ? s->ar[i] : 0;
    }
    case P_MIS_W:
        /* Input Status #0: bit 4, the switch sense, reads 1 with a colour
         * monitor attached (what BIOSes probe for). */
        return 0x10;
    case P_VGA_EN:
        return s->vga_enable;
    case P_SEQ_I:
        return s->sr_index;
    case P_SEQ_D:
        return s->sr[s->sr_index & (VGA_SR_COUNT - 1)];
    case P_PEL_MSK:
        return s->pel_mask;
    case P_PEL_IR:
        return s->dac_state;
    case P_PEL_IW:
        return s->dac_write_index;
    case P_PEL_D: {
        uint32_t v = s->palette[s->dac_read_index * 3 + s->dac_sub_index];
        if (++s->dac_sub_index == 3) {
            s->dac_sub_index = 0;
            s->dac_read_index++;          /* uint8_t: wraps at 256 */
        }
        return v;
    }
    case P_FTC_R:
        return s->fcr;
    case P_MIS_R:
        return s->msr;
    case P_GFX_I:
        return s->gr_index;
    case P_GFX_D:
        return s->gr[s->gr_index & (VGA_GR_COUNT - 1)];
    case P_CRT_IM: case P_CRT_IC:
        return s->cr_index;
    case P_CRT_DM: case P_CRT_DC:
        return s->cr[s->cr_index];
    case P_IS1_RM: case P_IS1_RC:
        /* Input Status #1 toggles display enable and vertical retrace on
         * every read, so loops waiting for either end at once (QEMU does
         * the same); the read also resets the attribute flip-flop. */
        s->st01 ^= 0x09;
        s->ar_flip_flop = false;
        return s->st01;
    default:
        return 0xff;
    }
}

static void ar_write(VGAState *s, uint32_t val)
{
    if (!s->ar_flip_flop) {
        /* bit 5: palette address source (0 blanks the screen) */
        s->ar_index = val & 0x3f;
        s->ar_flip_flop = true;
        s->full_update = true;
        return;
    }
    unsigned i = s->ar_index & 0x1f;
    if (i < 0x10) {
        s->ar[i] = val & 0x3f;
    } else if (i == 0x10) {                 /* mode control: bit 4 reserved */
        s->ar[i] = val & ~0x10;
    } else if (i == 0x11) {                 /* overscan colour */
        s->ar[i] = val;
    } else if (i == 0x12) {                 /* colour plane enable */
        s->ar[i] = val & 0x3f;
    } else if (i == 0x13 || i == 0x14) {    /* pel panning, colour select */
        s->ar[i] = val & 0x0f;
    }
    s->ar_flip_flop = false;
    s->full_update = true;
}

static void cr_write(VGAState *s, uint32_t val)
{
    /* CR11 bit 7 protects CR0-CR7, except CR7's line compare bit 4. */
    if ((s->cr[0x11] & 0x80) && s->cr_index <= 7) {
        if (s->cr_index == 7) {
            s->cr[7] = (s->cr[7] & ~0x10) | (val & 0x10);
        }
        return;
    }
    s->cr[s->cr_index] = val;
}

void vga_port_write(VGAState *s, uint32_t port, uint32_t val)
{
    val &= 0xff;
    if (vga_port_ignored(s, port)) {
        return;
    }
    switch (port) {
    case P_ATT_W:
        ar_write(s, val);
        break;
    case P_MIS_W:
        s->msr = val & ~0x10;
        break;
    case P_VGA_EN:
        s->vga_enable = val & 1;
        break;
    case P_SEQ_I:
        s->sr_index = val & (VGA_SR_COUNT - 1);
        break;
    case P_SEQ_D:
        s->sr[s->sr_index] = val & sr_mask[s->sr_index];
        break;
    case P_PEL_MSK:
        s->pel_mask = val;
        s->full_update = true;
        break;
    case P_PEL_IR:
        s->dac_read_index = val;
        s->dac_sub_index = 0;
        s->dac_state = 3;
        break;
    case P_PEL_IW:
        s->dac_write_index = val;
        s->dac_sub_index = 0;
        s->dac_state = 0;
        break;
    case P_PEL_D:
        s->dac_cache[s->dac_sub_index] = val;
        if (++s->dac_sub_index == 3) {
            memcpy(&s->palette[s->dac_write_index * 3], s->dac_cache, 3);
            s->dac_sub_index = 0;
            s->dac_write_index++;         /* uint8_t: wraps at 256 */
        }
        break;
    case P_GFX_I:
        s->gr_index = val & (VGA_GR_COUNT - 1);
        break;
    case P_GFX_D:
        s->gr[s->gr_index] = val & gr_mask[s->gr_index];
        break;
    case P_CRT_IM: case P_CRT_IC:
        s->cr_index = val;
        break;
    case P_CRT_DM: case P_CRT_DC:
        cr_write(s, val);
        break;
    case P_IS1_RM: case P_IS1_RC:
        s->fcr = val & 0x10;
        break;
    default:
        break;
    }
}

static uint64_t port_read(void *opaque, hwaddr addr, unsigned size)
{
    return vga_port_read(opaque, VGA_PORT_BASE + (uint32_t)addr);
}

static void port_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    vga_port_write(opaque, VGA_PORT_BASE + (uint32_t)addr, (uint32_t)val);
}

/* Byte registers; a 16-bit OUT to an index port writes index and data
 * (split little-endian by the memory core), as on hardware. */
const MemoryRegionOps vga_port_ops = {
    .read = port_read,
    .write = port_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 2 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static uint64_t vbe_port_read(void *opaque, hwaddr addr, unsigned size)
{
    VGAState *s = opaque;
    return addr == 0 ? s->vbe_index : vbe_data_read(s);
}

static void vbe_port_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    VGAState *s = opaque;
    if (addr == 0) {
        s->vbe_index = val;
    } else {
        vbe_data_write(s, (uint32_t)val);
    }
}

/* 16-bit registers: index at 0x1CE, data at 0x1CF (and 0x1D0, which old
 * Bochs BIOSes used). */
const MemoryRegionOps vbe_port_ops = {
    .read = vbe_port_read,
    .write = vbe_port_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 2, .unaligned = true },
    .impl = { .min_access_size = 2, .max_access_size = 2, .unaligned = true },
};

/* ---- video memory through the 0xA0000 window ---- */

/* The window offset (0..0x1FFFF) as an offset in the memory the graphics
 * controller's memory map (GR6 bits 3:2) selects, or -1 outside it. */
static int64_t window_offset(const VGAState *s, uint32_t addr)
{
    addr &= VGA_WINDOW_SIZE - 1;
    switch ((s->gr[6] >> 2) & 3) {
    case 0:                                    /* A0000-BFFFF, 128 KiB */
        return addr;
    case 1:                                    /* A0000-AFFFF, 64 KiB (+ VBE bank) */
        return addr < 0x10000 ? (int64_t)addr + s->bank_offset : -1;
    case 2:                                    /* B0000-B7FFF, 32 KiB */
        return addr >= 0x10000 && addr < 0x18000 ? (int64_t)addr - 0x10000 : -1;
    default:                                   /* B8000-BFFFF, 32 KiB */
        return addr >= 0x18000 ? (int64_t)addr - 0x18000 : -1;
    }
}

uint32_t vga_mem_read(VGAState *s, uint32_t addr)
{
    int64_t a = window_offset(s, addr);
    if (a < 0) {
        return 0xff;
    }
    if (s->sr[4] & 0x08) {
        /* chain 4: the two low address bits pick the plane */
        return a < s->vram_size ? s->vram_ptr[a] : 0xff;
    }
    if (s->gr[5] & 0x10) {
        /* odd/even: address bit 0 picks plane 0/1 (2/3 with GR4 bit 1) */
        uint64_t off = ((uint64_t)(a & ~1) << 1) | (s->gr[4] & 2) | (a & 1);
        return off < s->vram_size ? s->vram_ptr[off] : 0xff;
    }
    if ((uint64_t)a * 4 >= s->vram_size) {
        return 0xff;
    }
    s->latch = cc_ld_le32(s->vram_ptr + a * 4);
    if (!(s->gr[5] & 0x08)) {
        return (s->latch >> (8 * (s->gr[4] & 3))) & 0xff;   /* read mode 0 */
    }
    /* read mode 1: 1 where every plane not "don't care" matches the
     * colour compare register */
    uint32_t diff = (s->latch ^ expand4(s->gr[2])) & expand4(s->gr[7]);
    diff |= diff >> 16;
    diff |= diff >> 8;
    return ~diff & 0xff;
}

static uint32_t rotate8(uint32_t v, unsigned n)
{
    n &= 7;
    return ((v >> n) | (v << (8 - n))) & 0xff;
}

void vga_mem_write(VGAState *s, uint32_t addr, uint32_t val)
{
    int64_t a = window_offset(s, addr);
    val &= 0xff;
    if (a < 0) {
        return;
    }
    if (s->sr[4] & 0x08) {
        unsigned plane = a & 3;
        if ((s->sr[2] & (1u << plane)) && a < s->vram_size) {
            s->vram_ptr[a] = val;
            s->plane2_dirty |= plane == 2;
            memory_region_set_dirty(&s->vram, a, 1);
        }
        return;
    }
    if (s->gr[5] & 0x10) {
        unsigned plane = (s->gr[4] & 2) | (a & 1);
        uint64_t off = ((uint64_t)(a & ~1) << 1) | plane;
        if ((s->sr[2] & (1u << plane)) && off < s->vram_size) {
            s->vram_ptr[off] = val;
            s->plane2_dirty |= plane == 2;
            memory_region_set_dirty(&s->vram, off, 1);
        }
        return;
    }
    if ((uint64_t)a * 4 >= s->vram_size) {
        return;
    }
    uint32_t v, bit_mask = s->gr[8];
    switch (s->gr[5] & 3) {
    case 0:     /* rotated data, planes with set/reset enabled take set/reset */
        v = rotate8(val, s->gr[3]) * 0x01010101u;
        v = (v & ~expand4(s->gr[1])) | (expand4(s->gr[0]) & expand4(s->gr[1]));
        break;
    case 1:     /* the latches as they are */
        v = s->latch;
        bit_mask = 0xff;
        goto store;
    case 2:     /* bits 3:0 of the data fill each plane */
        v = expand4(val & 0xf);
        break;
    default:    /* 3: set/reset through the rotated data ANDed with the bit mask */
        bit_mask &= rotate8(val, s->gr[3]);
        v = expand4(s->gr[0]);
        break;
    }
    switch ((s->gr[3] >> 3) & 3) {
    case 1: v &= s->latch; break;
    case 2: v |= s->latch; break;
    case 3: v ^= s->latch; break;
    default: break;
    }
    bit_mask *= 0x01010101u;
    v = (v & bit_mask) | (s->latch & ~bit_mask);
store:;
    uint32_t mask = expand4(s->sr[2]);
    uint32_t old = cc_ld_le32(s->vram_ptr + a * 4);
    cc_st_le32(s->vram_ptr + a * 4, (old & ~mask) | (v & mask));
    s->plane2_dirty |= (s->sr[2] & 4) != 0;
    memory_region_set_dirty(&s->vram, a * 4, 4);
}

static uint64_t window_read(void *opaque, hwaddr addr, unsigned size)
{
    return vga_mem_read(opaque, (uint32_t)addr);
}

static void window_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    vga_mem_write(opaque, (uint32_t)addr, (uint32_t)val);
}

/* Byte accesses; wider ones are split (the latches take each byte). */
const MemoryRegionOps vga_window_ops = {
    .read = window_read,
    .write = window_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* ---- reset, state, set-up ---- */

void vga_common_reset(VGAState *s)
{
    s->sr_index = s->gr_index = s->cr_index = s->ar_index = 0;
    memset(s->sr, 0, sizeof(s->sr));
    memset(s->gr, 0, sizeof(s->gr));
    memset(s->cr, 0, sizeof(s->cr));
    memset(s->ar, 0, sizeof(s->ar));
    s->ar_flip_flop = false;
    s->msr = s->fcr = s->st01 = 0;
    s->vga_enable = 1;
    s->dac_state = s->dac_sub_index = s->dac_read_index = s->dac_write_index = 0;
    memset(s->dac_cache, 0, sizeof(s->dac_cache));
    memset(s->palette, 0, sizeof(s->palette));
    s->pel_mask = 0xff;
    s->dac_8bit = false;
    s->latch = 0;
    s->vbe_index = 0;
    memset(s->vbe_regs, 0, sizeof(s->vbe_regs));
    s->vbe_regs[VBE_ID] = VBE_ID5;
    s->vbe_start_addr = s->vbe_line_offset = s->bank_offset = 0;
    s->full_update = true;
    s->plane2_dirty = true;
    s->last_mode = -1;
    s->last_cursor = -1;
    s->cursor_phase = false;
    s->cursor_blink_time = 0;
    s->blink_count = 0;
}

static bool vga_post_load(void *opaque, int version_id, Error **errp)
{
    VGAState *s = opaque;
    /* Bound what the stream says as a guest write would be bound. */
    s->sr_index &= VGA_SR_COUNT - 1;
    s->gr_index &= VGA_GR_COUNT - 1;
    s->dac_sub_index %= 3;
    vbe_fixup(s);
    s->bank_offset = MIN(s->bank_offset, s->vram_size - 0x10000);
    s->full_update = true;
    return true;
}

const VMStateDescription vmstate_vga_common = {
    .name = "vga-common",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = vga_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(sr_index, VGAState),
        VMSTATE_UINT8_ARRAY(sr, VGAState, VGA_SR_COUNT),
        VMSTATE_UINT8(gr_index, VGAState),
        VMSTATE_UINT8_ARRAY(gr, VGAState, VGA_GR_COUNT),
        VMSTATE_UINT8(cr_index, VGAState),
        VMSTATE_UINT8_ARRAY(cr, VGAState, VGA_CR_COUNT),
        VMSTATE_UINT8(ar_index, VGAState),
        VMSTATE_UINT8_ARRAY(ar, VGAState, VGA_AR_COUNT),
        VMSTATE_BOOL(ar_flip_flop, VGAState),
        VMSTATE_UINT8(msr, VGAState),
        VMSTATE_UINT8(fcr, VGAState),
        VMSTATE_UINT8(st01, VGAState),
        VMSTATE_UINT8(vga_enable, VGAState),
        VMSTATE_UINT8(dac_state, VGAState),
        VMSTATE_UINT8(dac_sub_index, VGAState),
        VMSTATE_UINT8(dac_read_index, VGAState),
        VMSTATE_UINT8(dac_write_index, VGAState),
        VMSTATE_UINT8_ARRAY(dac_cache, VGAState, 3),
        VMSTATE_UINT8(pel_mask, VGAState),
        VMSTATE_UINT8_ARRAY(palette, VGAState, 768),
        VMSTATE_BOOL(dac_8bit, VGAState),
        VMSTATE_UINT32(latch, VGAState),
        VMSTATE_UINT16(vbe_index, VGAState),
        VMSTATE_UINT16_ARRAY(vbe_regs, VGAState, VBE_REG_COUNT),
        VMSTATE_UINT32(bank_offset, VGAState),
        VMSTATE_END_OF_LIST()
    },
};

bool vga_common_init(VGAState *s, Object *owner, Error **errp)
{
    uint32_t mb = s->vram_size_mb;
    if (mb < VGA_VRAM_MIN >> 20 || mb > VGA_VRAM_MAX >> 20 || (mb & (mb - 1))) {
        error_setg(errp, "vgamem_mb=%u: expected a power of two from %u to %u", mb,
                   VGA_VRAM_MIN >> 20, VGA_VRAM_MAX >> 20);
        return false;
    }
    s->owner = owner;
    s->vram_size = mb << 20;
    if (!memory_region_init_ram(&s->vram, owner, "vga.vram", s->vram_size, errp)) {
        return false;
    }
    s->vram_ptr = memory_region_get_ram_ptr(&s->vram);
    s->dirty_bits = g_new0(uint64_t, (s->vram_size / MEMORY_DIRTY_PAGE_SIZE + 63) / 64);
    memory_region_init_io(&s->window, owner, &vga_window_ops, s, "vga-lowmem",
                          VGA_WINDOW_SIZE);
    memory_region_init_io(&s->ports, owner, &vga_port_ops, s, "vga", VGA_PORT_COUNT);
    memory_region_init_io(&s->vbe_ports, owner, &vbe_port_ops, s, "vbe", VBE_PORT_COUNT);
    s->con = console_new(DEVICE(owner), &vga_display_ops, s);
    vga_common_reset(s);
    return true;
}

void vga_common_finalize(VGAState *s)
{
    console_free(s->con);
    s->con = NULL;
    memory_region_finalize(&s->window);
    memory_region_finalize(&s->ports);
    memory_region_finalize(&s->vbe_ports);
    memory_region_finalize(&s->vram);
    g_free(s->dirty_bits);
    g_free(s->cells);
    g_free(s->text);
    s->dirty_bits = NULL;
    s->cells = NULL;
    s->text = NULL;
}
