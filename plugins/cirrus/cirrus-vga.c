/*
 * cirrus-vga: the CL-GD5446 as a PCI function, as QEMU 7.2 presents it:
 * ids 1013:00B8 (subsystem 1AF4:1100), class 0300, the VGA ports and window, and
 *
 *   BAR0  prefetchable memory, 32 MiB:
 *           0x0000000  the linear framebuffer (4 MiB); with SR17 bits 6
 *                      and 2 its last 256 bytes are the BLT registers
 *           0x1000000  the BLT data port (4 MiB): CPU data of a
 *                      system-to-screen BLT
 *   BAR1  memory, 4 KiB: 0x000-0x0FF the ports 0x3C0-0x3DF (and above,
 *         nothing), 0x100-0x1FF the BLT registers
 *   ROM   vgabios-cirrus.bin (SeaBIOS's VGA BIOS for this card)
 *
 * The register extensions (TRM chapters 8-10; see cirrus-int.h) sit in
 * front of the VGA core's handlers: indexes and registers the standard
 * VGA has go on to it, the rest are handled here.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "cirrus-int.h"

#define TYPE_CIRRUS_VGA "cirrus-vga"
#define BAR0_SIZE       0x2000000u
#define BAR0_BLT_DATA   0x1000000u
#define MMIO_SIZE       0x1000u
#define MMIO_BLT        0x100u
/* the BLT registers in the window when SR17 bit 2 is set (and bit 6 clear) */
#define WINDOW_MMIO     0x18000u

static bool unlocked(const CirrusState *c)
{
    return c->sr[6] == SR6_UNLOCKED;
}

static bool extended(const CirrusState *c)
{
    return c->sr[7] & SR7_EXTENDED;
}

/* The display depth (SR7 bits 3:1; the hidden DAC picks 5-5-5 or 5-6-5
 * for the 16-bit modes: TRM, "Hidden DAC Register"). */
static unsigned display_bpp(const CirrusState *c)
{
    switch (c->sr[7] & SR7_DEPTH_MASK) {
    case 0x02:                      /* 16 bpp, double VCLK */
    case 0x06:                      /* 16 bpp */
        return (c->hidden_dac & 0x0f) == 1 ? 16 : 15;
    case 0x04:
        return 24;
    case 0x08:
        return 32;
    default:
        return 8;
    }
}

/* The fast path of the linear framebuffer (VRAM mapped as RAM) holds
 * unless something must see each access: a BLT collecting CPU data, the
 * by-8/by-16 addressing, write modes 4 and 5, or the BLT registers at
 * the top of the framebuffer. */
bool cirrus_linear_fast(const CirrusState *c)
{
    unsigned wm = c->gr[5] & 7;
    return !c->blt_feeding && !(c->gr[0x0b] & (GRB_BY8_ADDRESSING | GRB_BY16_ADDRESSING)) &&
           !((wm == 4 || wm == 5) && (c->gr[0x0b] & GRB_EXT_WRITE_MODES)) &&
           (c->sr[0x17] & (SR17_MMIO_ENABLE | SR17_MMIO_LINEAR)) !=
               (SR17_MMIO_ENABLE | SR17_MMIO_LINEAR);
}

/* ---- sequencer ---- */

static uint32_t sr_read(CirrusState *c)
{
    uint8_t i = c->sr_index;
    if ((i & 0x1f) == 0x10 || (i & 0x1f) == 0x11) {
        return c->sr[i & 0x1f];     /* bits 7:5 of the index: the low position bits */
    }
    return i < 0x20 ? c->sr[i] : 0xff;
}

static void sr_write(CirrusState *c, uint8_t val)
{
    uint8_t i = c->sr_index;
    if (i == 6) {
        /* the key: 12h (bits 4 and 2:0 compared) unlocks */
        c->sr[6] = (val & 0x17) == SR6_UNLOCKED ? SR6_UNLOCKED : SR6_LOCKED;
        return;
    }
    if (!unlocked(c)) {
        log_mask(LOG_GUEST_ERROR, "cirrus: SR%02x write while locked\n", i);
        return;
    }
    switch (i & 0x1f) {
    case 0x10:                      /* cursor x: bits 10:3, index bits 7:5 bits 2:0 */
        c->sr[0x10] = val;
        c->cursor_x = (val << 3) | (i >> 5);
        return;
    case 0x11:
        c->sr[0x11] = val;
        c->cursor_y = (val << 3) | (i >> 5);
        return;
    }
    if (i >= 0x20) {
        log_mask(LOG_GUEST_ERROR, "cirrus: SR%02x does not exist\n", i);
        return;
    }
    switch (i) {
    case 0x07:
        c->sr[7] = val;
        c->vga.full_update = true;
        break;
    case 0x17:                      /* bits 5:3 are the bus type (PCI), read-only */
        c->sr[0x17] = (c->sr[0x17] & 0x38) | (val & 0xc7);
        break;
    default:
        c->sr[i] = val;
        break;
    }
    c->memory_changed(c);
}

/* ---- graphics controller ---- */

static uint32_t gr_read(CirrusState *c)
{
    uint8_t i = c->gr_index;
    switch (i) {
    case 0x00: case 0x01: case 0x05:
        return c->gr[i];
    case 0x02: case 0x03: case 0x04: case 0x06: case 0x07: case 0x08:
        return vga_port_read(&c->vga, 0x3cf);
    default:
        return i < 0x40 ? c->gr[i] : 0xff;
    }
}

/* The registers behind the BLT (GR0/GR1 colours and up); also reached
 * through the memory-mapped registers. */
static void gr_ext_write(CirrusState *c, uint8_t i, uint8_t val)
{
    switch (i) {
    case 0x21: case 0x25: case 0x27:    /* width, pitches: 13 bits */
        c->gr[i] = val & 0x1f;
        break;
    case 0x23:                          /* height: 11 bits */
        c->gr[i] = val & 0x07;
        break;
    case 0x2a:                          /* destination: 22 bits */
        c->gr[i] = val & 0x3f;
        if (c->gr[0x31] & BLT_STATUS_AUTOSTART) {
            cirrus_blt_start(c);
        }
        break;
    case 0x2e:
        c->gr[i] = val & 0x3f;
        break;
    case 0x31:
        cirrus_blt_status_write(c, val);
        break;
    default:
        if (i < 0x40) {
            c->gr[i] = val;
        }
        break;
    }
}

static void gr_write(CirrusState *c, uint8_t val)
{
    uint8_t i = c->gr_index;
    switch (i) {
    case 0x00: case 0x01:           /* set/reset; all 8 bits: the BLT colours */
        c->gr[i] = val;
        vga_port_write(&c->vga, 0x3cf, val);
        return;
    case 0x05:                      /* bit 2: write modes 4 and 5 */
        c->gr[5] = val & 0x7f;
        vga_port_write(&c->vga, 0x3cf, val);
        c->memory_changed(c);
        return;
    case 0x02: case 0x03: case 0x04: case 0x06: case 0x07: case 0x08:
        vga_port_write(&c->vga, 0x3cf, val);
        return;
    }
    if (!unlocked(c)) {
        log_mask(LOG_GUEST_ERROR, "cirrus: GR%02x write while locked\n", i);
        return;
    }
    if (i >= 0x40) {
        log_mask(LOG_GUEST_ERROR, "cirrus: GR%02x does not exist\n", i);
        return;
    }
    gr_ext_write(c, i, val);
    if (i >= 0x09 && i <= 0x0b) {
        c->memory_changed(c);
    }
}

/* ---- CRT controller extensions (CR19-CR27) ---- */

static uint32_t cr_ext_read(CirrusState *c, uint8_t i)
{
    VGAState *s = &c->vga;
    switch (i) {
    case 0x19: case 0x1a: case 0x1b: case 0x1c: case 0x1d:
        return s->cr[i];
    case 0x22:                      /* graphics data latch of the read map */
        return (s->latch >> (8 * (s->gr[4] & 3))) & 0xff;
    case 0x24:                      /* attribute controller toggle */
        return s->ar_flip_flop ? 0x80 : 0;
    case 0x25:                      /* part status */
        return 0;
    case 0x26:                      /* attribute controller index */
        return s->ar_index & 0x3f;
    case 0x27:
        return CIRRUS_ID_5446;
    default:
        return 0xff;
    }
}

static void cr_ext_write(CirrusState *c, uint8_t i, uint8_t val)
{
    if (i >= 0x19 && i <= 0x1d && unlocked(c)) {
        c->vga.cr[i] = val;
        c->vga.full_update = true;
        return;
    }
    log_mask(LOG_GUEST_ERROR, "cirrus: CR%02x write ignored\n", i);
}

/* ---- ports ---- */

static bool is_crtc_data(uint32_t port)
{
    return port == 0x3b5 || port == 0x3d5;
}

uint32_t cirrus_port_read(CirrusState *c, uint32_t port)
{
    VGAState *s = &c->vga;
    if (vga_port_ignored(s, port)) {
        return 0xff;
    }
    if (port >= 0x3c7 && port <= 0x3c9) {
        c->hidden_dac_reads = 0;
    }
    switch (port) {
    case 0x3c4:
        return c->sr_index;
    case 0x3c5:
        return c->sr_index < 5 ? vga_port_read(s, port) : sr_read(c);
    case 0x3c6:
        /* four reads of the PEL mask, and the fifth is the hidden DAC */
        if (c->hidden_dac_reads == 4) {
            c->hidden_dac_reads = 0;
            return c->hidden_dac;
        }
        c->hidden_dac_reads++;
        return s->pel_mask;
    case 0x3c9:
        if (c->sr[0x12] & SR12_DAC_EXT_ACCESS) {
            uint32_t v = c->cursor_palette[(s->dac_read_index & 0x0f) * 3 + s->dac_sub_index];
            if (++s->dac_sub_index == 3) {
                s->dac_sub_index = 0;
                s->dac_read_index++;
            }
            return v;
        }
        break;
    case 0x3ce:
        return c->gr_index;
    case 0x3cf:
        return gr_read(c);
    default:
        if (is_crtc_data(port) && s->cr_index > 0x18) {
            return cr_ext_read(c, s->cr_index);
        }
        break;
    }
    return vga_port_read(s, port);
}

void cirrus_port_write(CirrusState *c, uint32_t port, uint32_t val)
{
    VGAState *s = &c->vga;
    val &= 0xff;
    if (vga_port_ignored(s, port)) {
        return;
    }
    if (port >= 0x3c7 && port <= 0x3c9) {
        c->hidden_dac_reads = 0;
    }
    switch (port) {
    case 0x3c4:
        c->sr_index = val;
        break;
    case 0x3c5:
        if (c->sr_index >= 5) {
            sr_write(c, val);
            return;
        }
        break;
    case 0x3c6:
        if (c->hidden_dac_reads == 4) {
            c->hidden_dac = val;
            c->hidden_dac_reads = 0;
            s->full_update = true;
            return;
        }
        c->hidden_dac_reads = 0;
        break;
    case 0x3c9:
        if (c->sr[0x12] & SR12_DAC_EXT_ACCESS) {
            c->cursor_palette[(s->dac_write_index & 0x0f) * 3 + s->dac_sub_index] = val & 0x3f;
            if (++s->dac_sub_index == 3) {
                s->dac_sub_index = 0;
                s->dac_write_index++;
            }
            s->full_update = true;
            return;
        }
        break;
    case 0x3ce:
        c->gr_index = val;
        break;
    case 0x3cf:
        gr_write(c, val);
        return;
    default:
        if (is_crtc_data(port) && s->cr_index > 0x18) {
            cr_ext_write(c, s->cr_index, val);
            return;
        }
        break;
    }
    vga_port_write(s, port, val);
}

static uint64_t port_read(void *opaque, hwaddr addr, unsigned size)
{
    return cirrus_port_read(opaque, VGA_PORT_BASE + (uint32_t)addr);
}

static void port_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    cirrus_port_write(opaque, VGA_PORT_BASE + (uint32_t)addr, (uint32_t)val);
}

static const MemoryRegionOps cirrus_port_ops = {
    .read = port_read,
    .write = port_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 2 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* ---- the memory-mapped BLT registers (TRM, "Memory-Mapped I/O") ---- */

/* Offset -> graphics controller index; 0xff: nothing there. */
static uint8_t mmio_gr_index(uint32_t off)
{
    static const uint8_t map[0x22] = {
        0x00, 0x10, 0x12, 0x14,     /* 00: background colour */
        0x01, 0x11, 0x13, 0x15,     /* 04: foreground colour */
        0x20, 0x21, 0x22, 0x23,     /* 08: width, height */
        0x24, 0x25, 0x26, 0x27,     /* 0C: destination and source pitch */
        0x28, 0x29, 0x2a, 0xff,     /* 10: destination address */
        0x2c, 0x2d, 0x2e, 0x2f,     /* 14: source address, left-edge skip */
        0x30, 0xff, 0x32, 0x33,     /* 18: mode, ROP, mode extensions */
        0x34, 0x35, 0xff, 0xff,     /* 1C: transparent colour */
        0x38, 0x39,                 /* 20: transparent colour mask */
    };
    if (off < sizeof(map)) {
        return map[off];
    }
    return off == 0x40 ? 0x31 : 0xff;   /* 40: status / start */
}

uint32_t cirrus_mmio_blt_read(CirrusState *c, uint32_t off)
{
    uint8_t i = mmio_gr_index(off);
    return i == 0xff ? 0xff : c->gr[i];
}

void cirrus_mmio_blt_write(CirrusState *c, uint32_t off, uint32_t val)
{
    uint8_t i = mmio_gr_index(off);
    if (i == 0xff) {
        log_mask(LOG_GUEST_ERROR, "cirrus: BLT register offset %#x does not exist\n", off);
        return;
    }
    if (i <= 1) {
        vga_port_write(&c->vga, 0x3ce, i);
        vga_port_write(&c->vga, 0x3cf, val & 0xff);
        vga_port_write(&c->vga, 0x3ce, c->gr_index);
    }
    gr_ext_write(c, i, val & 0xff);
}

/* ---- video memory: banked window and linear framebuffer ---- */

/* Apply GRB's by-8 / by-16 addressing (each CPU byte is 8 pixels of 1 or
 * 2 bytes in write modes 4/5) and bring the result into VRAM. */
static uint32_t scaled(const CirrusState *c, uint32_t a)
{
    if ((c->gr[0x0b] & (GRB_BY16_ADDRESSING | GRB_EXT_WRITE_MODES)) ==
        (GRB_BY16_ADDRESSING | GRB_EXT_WRITE_MODES)) {
        a <<= 4;
    } else if (c->gr[0x0b] & GRB_BY8_ADDRESSING) {
        a <<= 3;
    }
    return a & c->addr_mask;
}

/* Write modes 4 and 5 (GR5 bits 2:0, with GRB bit 2): each bit of the
 * CPU byte is a pixel, 1 the foreground colour (GR1, GR11), 0 left alone
 * (mode 4) or the background (GR0, GR10; mode 5). */
static void write_mode45(CirrusState *c, uint32_t a, uint8_t val)
{
    bool wide = (c->gr[0x0b] & GRB_BY16_ADDRESSING) != 0;
    unsigned pw = wide ? 2 : 1;
    unsigned mode = c->gr[5] & 7;
    uint8_t *v = c->vga.vram_ptr;
    if ((uint64_t)a + 8 * pw > c->vram_size) {
        return;                     /* cannot happen: a is aligned to 8 * pw */
    }
    for (unsigned x = 0; x < 8; x++, val <<= 1) {
        uint8_t *d = v + a + x * pw;
        if (val & 0x80) {
            d[0] = c->gr[0x01];
            if (wide) {
                d[1] = c->gr[0x11];
            }
        } else if (mode == 5) {
            d[0] = c->gr[0x00];
            if (wide) {
                d[1] = c->gr[0x10];
            }
        }
    }
    memory_region_set_dirty(&c->vga.vram, a, 8 * pw);
}

static void vram_write(CirrusState *c, uint32_t a, uint8_t val)
{
    unsigned mode = c->gr[5] & 7;
    if ((mode == 4 || mode == 5) && (c->gr[0x0b] & GRB_EXT_WRITE_MODES)) {
        write_mode45(c, a, val);
        return;
    }
    c->vga.vram_ptr[a] = val;
    memory_region_set_dirty(&c->vga.vram, a, 1);
}

/* The VRAM offset of window address addr (0..0xFFFF): two 32 KiB banks
 * (GRB bit 0) or one of 64 KiB, offset by GR9/GRA in 4 or 16 KiB units
 * (TRM, GR9-GRB).  -1: past the end of VRAM. */
static int64_t bank_address(const CirrusState *c, uint32_t addr)
{
    unsigned bank = addr >> 15;
    uint32_t off = addr & 0x7fff;
    uint32_t reg = (c->gr[0x0b] & GRB_DUAL_BANK) ? c->gr[0x09 + bank] : c->gr[0x09];
    uint64_t base = (uint64_t)reg << ((c->gr[0x0b] & GRB_16K_GRANULARITY) ? 14 : 12);
    if (!(c->gr[0x0b] & GRB_DUAL_BANK) && bank) {
        base += 0x8000;
    }
    if (base + off >= c->vram_size) {
        return -1;
    }
    return scaled(c, (uint32_t)(base + off));
}

static bool window_mmio(const CirrusState *c, uint32_t addr)
{
    return addr >= WINDOW_MMIO && addr < WINDOW_MMIO + 0x100 &&
           (c->sr[0x17] & (SR17_MMIO_ENABLE | SR17_MMIO_LINEAR)) == SR17_MMIO_ENABLE;
}

static uint64_t window_read(void *opaque, hwaddr addr, unsigned size)
{
    CirrusState *c = opaque;
    uint32_t a = (uint32_t)addr;
    if (!extended(c)) {
        return vga_mem_read(&c->vga, a);
    }
    if (a < 0x10000) {
        int64_t off = bank_address(c, a);
        return off < 0 ? 0xff : c->vga.vram_ptr[off];
    }
    return window_mmio(c, a) ? cirrus_mmio_blt_read(c, a - WINDOW_MMIO) : 0xff;
}

static void window_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    CirrusState *c = opaque;
    uint32_t a = (uint32_t)addr;
    if (!extended(c)) {
        vga_mem_write(&c->vga, a, (uint32_t)val);
        return;
    }
    if (a < 0x10000) {
        if (c->blt_feeding) {
            cirrus_blt_feed(c, val);
            return;
        }
        int64_t off = bank_address(c, a);
        if (off >= 0) {
            vram_write(c, (uint32_t)off, val);
        }
    } else if (window_mmio(c, a)) {
        cirrus_mmio_blt_write(c, a - WINDOW_MMIO, (uint32_t)val);
    }
}

static const MemoryRegionOps cirrus_window_ops = {
    .read = window_read,
    .write = window_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static bool linear_mmio(const CirrusState *c, uint32_t addr)
{
    uint32_t top = c->vram_size - 0x100;
    return (c->sr[0x17] & (SR17_MMIO_ENABLE | SR17_MMIO_LINEAR)) ==
               (SR17_MMIO_ENABLE | SR17_MMIO_LINEAR) && (addr & top) == top;
}

uint32_t cirrus_linear_read(CirrusState *c, uint32_t addr)
{
    addr &= c->addr_mask;
    if (linear_mmio(c, addr)) {
        return cirrus_mmio_blt_read(c, addr & 0xff);
    }
    return c->vga.vram_ptr[scaled(c, addr)];
}

void cirrus_linear_write(CirrusState *c, uint32_t addr, uint32_t val)
{
    addr &= c->addr_mask;
    if (linear_mmio(c, addr)) {
        cirrus_mmio_blt_write(c, addr & 0xff, val);
    } else if (c->blt_feeding) {
        cirrus_blt_feed(c, val);
    } else {
        vram_write(c, scaled(c, addr), val);
    }
}

/* ---- the picture: extended modes and the hardware cursor ---- */

static void cursor_sig_and_dirty(CirrusState *c, GfxFrame *f)
{
    uint32_t h = 2166136261u;
    uint32_t v[] = { c->cursor_x, c->cursor_y, c->sr[0x12], c->sr[0x13] };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        h = (h ^ v[i]) * 16777619u;
    }
    for (size_t i = 0; i < sizeof(c->cursor_palette); i++) {
        h = (h ^ c->cursor_palette[i]) * 16777619u;
    }
    f->ext_sig = h;
    /* the cursor patterns: the last 16 KiB of VRAM (TRM, SR13) */
    if ((c->sr[0x12] & SR12_CURSOR_ENABLE) &&
        vga_range_dirty(&c->vga, c->vram_size - 0x4000, 0x4000)) {
        c->vga.full_update = true;
    }
}

static bool cirrus_gfx_frame(VGAState *s, GfxFrame *f)
{
    CirrusState *c = s->ext_opaque;
    cursor_sig_and_dirty(c, f);
    if (!extended(c)) {
        return false;
    }
    const uint8_t *cr = s->cr;
    unsigned bpp = display_bpp(c);
    f->width = (cr[0x01] + 1) * 8;
    f->height = vga_vertical_display_end(s) + 1;
    if (cr[0x1a] & 0x01) {
        f->height *= 2;             /* interlaced: each field a half */
    }
    /* start address: CRC/CRD, CR1B bits 0, 3:2 and CR1D bit 7 (bits
     * 16-19), in doublewords; offset: CR13 and CR1B bit 4, in 8 bytes */
    uint32_t start = (cr[0x0c] << 8) | cr[0x0d] | ((cr[0x1b] & 0x01) << 16) |
                     ((cr[0x1b] & 0x0c) << 15) | ((cr[0x1d] & 0x80) << 12);
    f->start = start * 4;
    f->line_offset = (cr[0x13] | ((cr[0x1b] & 0x10) << 4)) * 8;
    f->lc = vga_line_compare(s);
    f->repeat = ((cr[0x09] & 0x1f) + 1) << (cr[0x09] >> 7);
    f->src_pixels = f->width;
    f->dot = 1;
    if (bpp == 8) {
        f->kind = 2;
        f->bytes = f->width;
    } else {
        f->kind = 3;
        f->bpp = bpp;
        f->bytes = f->width * ((bpp + 7) / 8);
    }
    return true;
}

static uint32_t cursor_colour(const CirrusState *c, unsigned entry)
{
    const uint8_t *p = &c->cursor_palette[entry * 3];
    return vga_c6to8(p[0]) << 16 | vga_c6to8(p[1]) << 8 | vga_c6to8(p[2]);
}

/* The 32x32 or 64x64 two-plane cursor (TRM, SR12/SR13): plane 0 and
 * plane 1 bits 00 transparent, 10 (plane 0 set) inverts the screen, 01
 * the background colour (cursor palette 0), 11 the foreground (15). */
static void cirrus_overlay(VGAState *s, int y, uint32_t *line, int width)
{
    CirrusState *c = s->ext_opaque;
    if (!(c->sr[0x12] & SR12_CURSOR_ENABLE)) {
        return;
    }
    bool big = c->sr[0x12] & SR12_CURSOR_64;
    int size = big ? 64 : 32;
    int row = y - c->cursor_y;
    if (row < 0 || row >= size || c->cursor_x >= width) {
        return;
    }
    uint32_t base = c->vram_size - 0x4000, plane1;
    if (big) {
        base += (c->sr[0x13] & 0x3c) * 256 + row * 16;
        plane1 = 8;
    } else {
        base += (c->sr[0x13] & 0x3f) * 256 + row * 4;
        plane1 = 128;
    }
    const uint8_t *p0 = c->vga.vram_ptr + base, *p1 = p0 + plane1;
    uint32_t bg = cursor_colour(c, 0), fg = cursor_colour(c, 15);
    int n = MIN(size, width - c->cursor_x);
    uint32_t *d = line + c->cursor_x;
    for (int x = 0; x < n; x++) {
        unsigned b0 = (p0[x >> 3] >> (7 - (x & 7))) & 1;
        unsigned b1 = (p1[x >> 3] >> (7 - (x & 7))) & 1;
        switch (b0 | b1 << 1) {
        case 1: d[x] ^= 0xffffff; break;
        case 2: d[x] = bg; break;
        case 3: d[x] = fg; break;
        default: break;
        }
    }
}

static const VGAExtensionOps cirrus_ext_ops = {
    .gfx_frame = cirrus_gfx_frame,
    .overlay = cirrus_overlay,
};

/* ---- reset, state, set-up (shared by the cards) ---- */

void cirrus_reset(CirrusState *c)
{
    vga_common_reset(&c->vga);
    c->sr_index = c->gr_index = 0;
    memset(c->sr, 0, sizeof(c->sr));
    memset(c->gr, 0, sizeof(c->gr));
    /* QEMU's 5446 power-on values: locked, 4 MiB of 64-bit wide memory
     * on a PCI bus, the fastest memory timing */
    c->sr[0x06] = SR6_LOCKED;
    c->sr[0x0f] = 0x98;
    c->sr[0x15] = 0x04;
    c->sr[0x17] = 0x20;
    c->sr[0x1f] = 0x2d;
    c->gr[0x18] = 0x0f;
    c->hidden_dac = 0;
    c->hidden_dac_reads = 0;
    memset(c->cursor_palette, 0, sizeof(c->cursor_palette));
    c->cursor_x = c->cursor_y = 0;
    memset(&c->blt, 0, sizeof(c->blt));
    c->blt_feeding = false;
    c->blt_line_bytes = c->blt_buf_pos = c->blt_lines_left = c->blt_next_dst = 0;
    c->memory_changed(c);
}

static bool cirrus_post_load(void *opaque, int version_id, Error **errp)
{
    CirrusState *c = opaque;
    /* Bound what the stream says as the guest's writes are bound. */
    c->gr[0x21] &= 0x1f; c->gr[0x23] &= 0x07; c->gr[0x25] &= 0x1f; c->gr[0x27] &= 0x1f;
    c->gr[0x2a] &= 0x3f; c->gr[0x2e] &= 0x3f;
    c->cursor_x &= 0x7ff;
    c->cursor_y &= 0x7ff;
    c->hidden_dac_reads %= 5;
    if (c->blt_line_bytes > CIRRUS_BLTBUF_SIZE || c->blt_buf_pos >= c->blt_line_bytes ||
        c->blt_next_dst >= c->vram_size) {
        c->blt_feeding = false;
        c->blt_line_bytes = c->blt_buf_pos = c->blt_lines_left = 0;
    }
    c->blt.dst &= c->addr_mask;
    c->blt.src &= c->addr_mask;
    c->vga.full_update = true;
    c->memory_changed(c);
    return true;
}

static const VMStateDescription vmstate_cirrus_blt = {
    .name = "cirrus-blt",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(width, CirrusBlt),
        VMSTATE_UINT32(height, CirrusBlt),
        VMSTATE_UINT32(dst_pitch, CirrusBlt),
        VMSTATE_UINT32(src_pitch, CirrusBlt),
        VMSTATE_UINT32(dst, CirrusBlt),
        VMSTATE_UINT32(src, CirrusBlt),
        VMSTATE_UINT8(mode, CirrusBlt),
        VMSTATE_UINT8(rop, CirrusBlt),
        VMSTATE_UINT8(ext, CirrusBlt),
        VMSTATE_UINT8(skip, CirrusBlt),
        VMSTATE_UINT32(fg, CirrusBlt),
        VMSTATE_UINT32(bg, CirrusBlt),
        VMSTATE_END_OF_LIST()
    },
};

const VMStateDescription vmstate_cirrus = {
    .name = "cirrus",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = cirrus_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT(vga, CirrusState, vmstate_vga_common, VGAState),
        VMSTATE_UINT8(sr_index, CirrusState),
        VMSTATE_UINT8_ARRAY(sr, CirrusState, 0x20),
        VMSTATE_UINT8(gr_index, CirrusState),
        VMSTATE_UINT8_ARRAY(gr, CirrusState, 0x40),
        VMSTATE_UINT8(hidden_dac, CirrusState),
        VMSTATE_UINT8(hidden_dac_reads, CirrusState),
        VMSTATE_UINT8_ARRAY(cursor_palette, CirrusState, 16 * 3),
        VMSTATE_UINT16(cursor_x, CirrusState),
        VMSTATE_UINT16(cursor_y, CirrusState),
        VMSTATE_BOOL(blt_feeding, CirrusState),
        VMSTATE_STRUCT(blt, CirrusState, vmstate_cirrus_blt, CirrusBlt),
        VMSTATE_UINT32(blt_line_bytes, CirrusState),
        VMSTATE_UINT32(blt_buf_pos, CirrusState),
        VMSTATE_UINT32(blt_lines_left, CirrusState),
        VMSTATE_UINT32(blt_next_dst, CirrusState),
        /* only the CPU data collected so far (often none) */
        VMSTATE_UINT8_VARRAY_UINT32(blt_buf, CirrusState, blt_buf_pos),
        VMSTATE_END_OF_LIST()
    },
};

static void no_memory_hook(CirrusState *c)
{
}

bool cirrus_init(CirrusState *c, Object *owner, Error **errp)
{
    uint32_t mb = c->vga.vram_size_mb;
    if (mb != 4 && mb != 8 && mb != 16) {
        /* QEMU's rule: the chip's 4 MiB, or 8/16 for old command lines */
        error_setg(errp, "vgamem_mb=%u: expected 4, 8 or 16", mb);
        return false;
    }
    if (!c->memory_changed) {
        c->memory_changed = no_memory_hook;
    }
    if (!vga_common_init(&c->vga, owner, errp)) {
        return false;
    }
    c->vram_size = CIRRUS_VRAM_SIZE;
    c->addr_mask = CIRRUS_VRAM_SIZE - 1;
    c->vga.ext = &cirrus_ext_ops;
    c->vga.ext_opaque = c;
    memory_region_init_io(&c->ports, owner, &cirrus_port_ops, c, "cirrus", VGA_PORT_COUNT);
    memory_region_init_io(&c->window, owner, &cirrus_window_ops, c, "cirrus-lowmem",
                          VGA_WINDOW_SIZE);
    cirrus_reset(c);
    return true;
}

void cirrus_finalize(CirrusState *c)
{
    memory_region_finalize(&c->ports);
    memory_region_finalize(&c->window);
    vga_common_finalize(&c->vga);
}

/* ---- the PCI card ---- */

typedef struct PCICirrusState {
    PCIDevice parent_obj;
    CirrusState cirrus;
    MemoryRegion bar0;              /* container */
    MemoryRegion linear_io;         /* the framebuffer, access by access */
    MemoryRegion linear_vram;       /* the framebuffer as RAM: the fast path */
    MemoryRegion blt_io;            /* the BLT data port */
    MemoryRegion mmio;              /* BAR1 */
    bool mapped;
    bool fast;                      /* linear_vram enabled */
} PCICirrusState;

OBJECT_DECLARE_SIMPLE_TYPE(PCICirrusState, CIRRUS_VGA)

static uint64_t linear_io_read(void *opaque, hwaddr addr, unsigned size)
{
    return cirrus_linear_read(opaque, (uint32_t)addr);
}

static void linear_io_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    cirrus_linear_write(opaque, (uint32_t)addr, (uint32_t)val);
}

static const MemoryRegionOps linear_io_ops = {
    .read = linear_io_read,
    .write = linear_io_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static uint64_t blt_io_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0xff;
}

static void blt_io_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    cirrus_blt_feed(opaque, (uint8_t)val);
}

static const MemoryRegionOps blt_io_ops = {
    .read = blt_io_read,
    .write = blt_io_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static uint64_t mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    CirrusState *c = opaque;
    if (addr >= MMIO_BLT) {
        return cirrus_mmio_blt_read(c, (uint32_t)(addr - MMIO_BLT));
    }
    return cirrus_port_read(c, 0x3c0 + (uint32_t)addr);
}

static void mmio_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    CirrusState *c = opaque;
    if (addr >= MMIO_BLT) {
        cirrus_mmio_blt_write(c, (uint32_t)(addr - MMIO_BLT), (uint32_t)val);
    } else {
        cirrus_port_write(c, 0x3c0 + (uint32_t)addr, (uint32_t)val);
    }
}

static const MemoryRegionOps mmio_ops = {
    .read = mmio_read,
    .write = mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static void pci_memory_changed(CirrusState *c)
{
    PCICirrusState *s = c->card;
    bool fast = cirrus_linear_fast(c);
    if (s && s->mapped && fast != s->fast) {
        memory_region_set_enabled(&s->linear_vram, fast);
        s->fast = fast;
    }
}

static void pci_cirrus_reset(PCIDevice *pci)
{
    cirrus_reset(&CIRRUS_VGA(pci)->cirrus);
}

static bool pci_cirrus_realize(PCIDevice *pci, Error **errp)
{
    PCICirrusState *s = CIRRUS_VGA(pci);
    CirrusState *c = &s->cirrus;
    c->card = s;
    c->memory_changed = pci_memory_changed;
    if (!cirrus_init(c, OBJECT(s), errp)) {
        return false;
    }
    memory_region_init(&s->bar0, OBJECT(s), "cirrus-pci-bar0", BAR0_SIZE);
    memory_region_init_io(&s->linear_io, OBJECT(s), &linear_io_ops, c, "cirrus-linear-io",
                          c->vram_size);
    memory_region_init_alias(&s->linear_vram, OBJECT(s), "cirrus-linear-vram", &c->vga.vram, 0,
                             c->vram_size);
    memory_region_init_io(&s->blt_io, OBJECT(s), &blt_io_ops, c, "cirrus-bitblt-mmio",
                          0x400000);
    memory_region_add_subregion(&s->bar0, 0, &s->linear_io);
    memory_region_add_subregion_overlap(&s->bar0, 0, &s->linear_vram, 1);
    memory_region_add_subregion(&s->bar0, BAR0_BLT_DATA, &s->blt_io);
    memory_region_init_io(&s->mmio, OBJECT(s), &mmio_ops, c, "cirrus-mmio", MMIO_SIZE);
    pci_register_bar(pci, 0, PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_PREFETCH,
                     &s->bar0);
    pci_register_bar(pci, 1, PCI_BASE_ADDRESS_SPACE_MEMORY, &s->mmio);
    memory_region_transaction_begin();
    memory_region_add_subregion_overlap(memory_get_system_memory(), VGA_WINDOW_BASE, &c->window,
                                        1);
    memory_region_add_subregion(memory_get_system_io(), VGA_PORT_BASE, &c->ports);
    memory_region_transaction_commit();
    s->mapped = true;
    s->fast = true;
    pci_memory_changed(c);
    return true;
}

static void pci_cirrus_exit(PCIDevice *pci)
{
    PCICirrusState *s = CIRRUS_VGA(pci);
    CirrusState *c = &s->cirrus;
    if (s->mapped) {
        memory_region_transaction_begin();
        memory_region_del_subregion(memory_get_system_memory(), &c->window);
        memory_region_del_subregion(memory_get_system_io(), &c->ports);
        memory_region_transaction_commit();
        s->mapped = false;
    }
    memory_region_finalize(&s->mmio);
    memory_region_finalize(&s->blt_io);
    memory_region_finalize(&s->linear_vram);
    memory_region_finalize(&s->linear_io);
    memory_region_finalize(&s->bar0);
    cirrus_finalize(c);
}

static const Property pci_cirrus_properties[] = {
    DEFINE_PROP_UINT32("vgamem_mb", PCICirrusState, cirrus.vga.vram_size_mb, 4,
                       "video memory in MiB (4, 8 or 16; the chip addresses 4)"),
    DEFINE_PROP_END_OF_LIST(),
};

static const VMStateDescription vmstate_pci_cirrus = {
    .name = TYPE_CIRRUS_VGA,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, PCICirrusState),
        VMSTATE_STRUCT(cirrus, PCICirrusState, vmstate_cirrus, CirrusState),
        VMSTATE_END_OF_LIST()
    },
};

static void pci_cirrus_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
    dc->desc = "Cirrus Logic CL-GD5446 (PCI)";
    dc->category = DEVICE_CATEGORY_DISPLAY;
    dc->vmsd = &vmstate_pci_cirrus;
    device_class_set_props(dc, pci_cirrus_properties);
    k->vendor_id = 0x1013;          /* Cirrus Logic */
    k->device_id = 0x00b8;          /* CL-GD5446 */
    k->class_id = 0x0300;           /* display controller, VGA-compatible */
    /* QEMU's subsystem ids, which Linux's cirrus DRM driver insists on
     * (it binds to the emulated chip only) */
    k->subsystem_vendor_id = 0x1af4;
    k->subsystem_id = 0x1100;
    k->romfile = "vgabios-cirrus.bin";
    k->realize = pci_cirrus_realize;
    k->exit = pci_cirrus_exit;
    k->reset = pci_cirrus_reset;
}

static const TypeInfo cirrus_types[] = {
    {
        .name = TYPE_CIRRUS_VGA,
        .parent = TYPE_PCI_DEVICE,
        .instance_size = sizeof(PCICirrusState),
        .class_init = pci_cirrus_class_init,
    },
};

DEFINE_TYPES(cirrus_types)

CARDCAGE_PLUGIN(
    .name = "cirrus",
    .version = "1.0",
    .description = "cirrus-vga: the Cirrus Logic CL-GD5446 with its BitBLT engine",
    .license = "MIT",
);
