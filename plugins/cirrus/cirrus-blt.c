/*
 * The CL-GD5446 BitBLT engine (TRM chapter "BitBLT Engine"; the
 * registers GR20-GR33 and their memory-mapped copies).
 *
 * A BLT writes `height` lines of `width` bytes at the destination, one
 * line every destination pitch; each byte is the raster operation (GR32)
 * of a source byte and the destination byte.  The source is
 *   - video memory: a rectangle at the source address and pitch, walked
 *     forward, or backward from the last byte (GR30 bit 0);
 *   - an 8x8 pattern (GR30 bit 6) at the source address, aligned to its
 *     size;
 *   - monochrome data expanded to the foreground/background colours
 *     (GR30 bit 7), opaque or transparent (bit 3: 0 bits leave the
 *     destination), packed or as an 8x8 one-bit pattern;
 *   - the foreground colour alone (GR33 bit 2, solid fill);
 *   - data the CPU writes (GR30 bit 2, system to screen), one line at a
 *     time: pixel lines padded to a doubleword, lines of bits to a byte
 *     (to a doubleword with GR33 bit 0).
 *
 * This is where the cirrus emulations of other projects had their memory
 * safety bugs, so the rule here is simple: before a single byte moves,
 * the lowest and highest byte the BLT would read and write are computed
 * in 64-bit arithmetic from the registers (whatever the pitch, direction,
 * width and height), and a BLT that reaches outside video memory (or
 * outside the line buffer) is refused whole and reported with
 * -d guest_errors.  Nothing is wrapped; afterwards each access is within
 * the checked range by construction.
 *
 * Bytes move one at a time in the order of the hardware, so overlapping
 * copies give what the chip (and QEMU) gives.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "cirrus-int.h"

/* The raster operations of GR32 (TRM table "BitBLT ROP codes"). */
static bool rop_known(uint8_t rop)
{
    switch (rop) {
    case 0x00: case 0x05: case 0x06: case 0x09: case 0x0b: case 0x0d: case 0x0e:
    case 0x50: case 0x59: case 0x6d: case 0x90: case 0x95: case 0xad: case 0xd0:
    case 0xd6: case 0xda:
        return true;
    default:
        return false;
    }
}

static inline uint8_t rop_apply(uint8_t rop, uint8_t s, uint8_t d)
{
    switch (rop) {
    case 0x00: return 0;                    /* black */
    case 0x05: return s & d;
    case 0x06: return d;                    /* no operation */
    case 0x09: return s & ~d;
    case 0x0b: return ~d;
    case 0x0d: return s;                    /* copy */
    case 0x0e: return 0xff;                 /* white */
    case 0x50: return ~s & d;
    case 0x59: return s ^ d;
    case 0x6d: return s | d;
    case 0x90: return ~(s | d);
    case 0x95: return ~(s ^ d);
    case 0xad: return s | ~d;
    case 0xd0: return ~s;
    case 0xd6: return ~s | d;
    default:   return ~(s & d);             /* 0xda */
    }
}

static unsigned pixel_bytes(const CirrusBlt *b)
{
    return ((b->mode >> BLT_PIXEL_WIDTH_SHIFT) & 3) + 1;
}

/* Bytes skipped at the left of every destination line (GR2F): bits 2:0
 * count pixels, but at 24 bpp bits 4:0 count bytes, except for
 * monochrome patterns and fills (as QEMU); the source bits of an
 * expansion skip as many pixels. */
static unsigned skip_bytes(const CirrusBlt *b)
{
    unsigned pw = pixel_bytes(b);
    bool mono_pattern = (b->mode & (BLT_PATTERN | BLT_COLOR_EXPAND)) ==
                        (BLT_PATTERN | BLT_COLOR_EXPAND);
    return pw == 3 && !mono_pattern ? (b->skip & 0x1f) : (b->skip & 7) * pw;
}

/* Pixels drawn on a line of a pixel-wise BLT (expansion, pattern, fill):
 * one at every pixel_bytes from the skip up to the width (the last may
 * end past the width, as on the chip). */
static uint32_t line_pixels(const CirrusBlt *b)
{
    unsigned pw = pixel_bytes(b), skip = skip_bytes(b);
    return b->width > skip ? (b->width - skip + pw - 1) / pw : 0;
}

/* The pattern's line stride in video memory: 8 pixels, 32 bytes at 24
 * bpp; and its size, to which its address is aligned. */
static uint32_t pattern_stride(unsigned pw)
{
    return pw >= 3 ? 32 : 8 * pw;
}

/* The first and last byte of `lines` lines of `width` bytes from `addr`,
 * `pitch` apart, walked forward or backward; false when any of them lies
 * outside [0, size). */
static bool span_ok(int64_t addr, int64_t pitch, int64_t width, int64_t lines, bool backward,
                    uint64_t size, int64_t *lo, int64_t *hi)
{
    if (width <= 0 || lines <= 0) {
        *lo = *hi = addr;
        return true;
    }
    int64_t far = (lines - 1) * pitch + (width - 1);
    if (backward) {
        *lo = addr - far;
        *hi = addr;
    } else {
        *lo = addr;
        *hi = addr + far;
    }
    return *lo >= 0 && *hi >= 0 && (uint64_t)*hi < size && (uint64_t)*lo < size;
}

static void refuse(CirrusState *c, const CirrusBlt *b, const char *why)
{
    log_mask(LOG_GUEST_ERROR,
             "cirrus: BLT refused (%s): mode %02x rop %02x %ux%u dst %06x/%u src %06x/%u\n",
             why, b->mode, b->rop, b->width, b->height, b->dst, b->dst_pitch, b->src,
             b->src_pitch);
}

static void blt_done(CirrusState *c)
{
    c->blt_feeding = false;
    c->gr[0x31] &= ~(BLT_STATUS_BUSY | BLT_STATUS_START | BLT_STATUS_PROGRESS);
    c->memory_changed(c);
}

/* ---- the drawing loops; every address was checked by the caller ---- */

/* A rectangle copy with the ROP, `lines` lines from src (in `sbase`). */
static void draw_copy(CirrusState *c, const CirrusBlt *b, uint32_t dst, const uint8_t *sbase,
                      int64_t src, int64_t src_pitch, uint32_t lines, bool backward)
{
    uint8_t *v = c->vga.vram_ptr;
    int64_t dir = backward ? -1 : 1;
    for (uint32_t y = 0; y < lines; y++) {
        int64_t d = dst + dir * (int64_t)y * b->dst_pitch;
        int64_t s = src + dir * (int64_t)y * src_pitch;
        for (uint32_t x = 0; x < b->width; x++) {
            v[d] = rop_apply(b->rop, sbase[s], v[d]);
            d += dir;
            s += dir;
        }
    }
}

static inline void put_pixel(CirrusState *c, const CirrusBlt *b, uint32_t at, uint32_t colour,
                             unsigned pw)
{
    uint8_t *v = c->vga.vram_ptr + at;
    for (unsigned i = 0; i < pw; i++) {
        v[i] = rop_apply(b->rop, (colour >> (8 * i)) & 0xff, v[i]);
    }
}

/* Colour expansion of packed bits: each line's bits start on a byte of
 * `bits` (line_bytes apart), the first used bit being the skip. */
static void draw_expand(CirrusState *c, const CirrusBlt *b, uint32_t dst, const uint8_t *bits,
                        uint32_t line_bytes, uint32_t lines)
{
    unsigned pw = pixel_bytes(b), skip = skip_bytes(b), first = skip / pw;
    uint32_t n = line_pixels(b);
    bool transparent = b->mode & BLT_TRANSPARENT;
    uint8_t invert = transparent && (b->ext & BLTX_INVERT_EXPANSION) ? 0xff : 0;
    uint32_t colour = invert ? b->bg : b->fg;
    for (uint32_t y = 0; y < lines; y++) {
        const uint8_t *line = bits + (size_t)y * line_bytes;
        uint32_t at = dst + y * b->dst_pitch + skip;
        for (uint32_t i = 0; i < n; i++, at += pw) {
            unsigned bit = first + i;
            bool on = ((line[bit / 8] ^ invert) >> (7 - bit % 8)) & 1;
            if (transparent) {
                if (on) {
                    put_pixel(c, b, at, colour, pw);
                }
            } else {
                put_pixel(c, b, at, on ? b->fg : b->bg, pw);
            }
        }
    }
}

/* An 8x8 pattern: colour (stride bytes a line) or one bit a pixel (8
 * bytes), starting at pattern line `row0`. */
static void draw_pattern(CirrusState *c, const CirrusBlt *b, uint32_t dst, const uint8_t *pat,
                         uint32_t stride, unsigned row0)
{
    unsigned pw = pixel_bytes(b), skip = skip_bytes(b);
    uint32_t n = line_pixels(b);
    bool expand = b->mode & BLT_COLOR_EXPAND;
    bool transparent = b->mode & BLT_TRANSPARENT;
    uint8_t invert = transparent && (b->ext & BLTX_INVERT_EXPANSION) ? 0xff : 0;
    uint32_t tcolour = invert ? b->bg : b->fg;
    for (uint32_t y = 0; y < b->height; y++) {
        unsigned row = (row0 + y) & 7;
        uint32_t at = dst + y * b->dst_pitch + skip;
        for (uint32_t i = 0; i < n; i++, at += pw) {
            uint32_t x = skip + i * pw;          /* byte in the line */
            if (expand) {
                unsigned px = (x / pw) & 7;
                bool on = ((pat[row] ^ invert) >> (7 - px)) & 1;
                if (transparent) {
                    if (on) {
                        put_pixel(c, b, at, tcolour, pw);
                    }
                } else {
                    put_pixel(c, b, at, on ? b->fg : b->bg, pw);
                }
            } else {
                const uint8_t *p = pat + row * stride + x % (8 * pw);
                uint8_t *v = c->vga.vram_ptr + at;
                for (unsigned k = 0; k < pw; k++) {
                    v[k] = rop_apply(b->rop, p[k], v[k]);
                }
            }
        }
    }
}

static void draw_fill(CirrusState *c, const CirrusBlt *b, uint32_t dst)
{
    unsigned pw = pixel_bytes(b), skip = skip_bytes(b);
    uint32_t n = line_pixels(b);
    for (uint32_t y = 0; y < b->height; y++) {
        uint32_t at = dst + y * b->dst_pitch + skip;
        for (uint32_t i = 0; i < n; i++, at += pw) {
            put_pixel(c, b, at, b->fg, pw);
        }
    }
}

/* ---- starting a BLT ---- */

/* Bytes of the destination a line touches: the width, or for pixel-wise
 * BLTs up to the end of the last pixel. */
static uint32_t dst_line_span(const CirrusBlt *b, bool pixelwise)
{
    if (!pixelwise) {
        return b->width;
    }
    uint32_t n = line_pixels(b);
    return n ? skip_bytes(b) + n * pixel_bytes(b) : 0;
}

static void latch_registers(CirrusState *c, CirrusBlt *b)
{
    const uint8_t *g = c->gr;
    b->width = (g[0x20] | (g[0x21] << 8)) + 1;
    b->height = (g[0x22] | (g[0x23] << 8)) + 1;
    b->dst_pitch = g[0x24] | (g[0x25] << 8);
    b->src_pitch = g[0x26] | (g[0x27] << 8);
    b->dst = (g[0x28] | (g[0x29] << 8) | (g[0x2a] << 16)) & c->addr_mask;
    b->src = (g[0x2c] | (g[0x2d] << 8) | (g[0x2e] << 16)) & c->addr_mask;
    b->skip = g[0x2f];
    b->mode = g[0x30];
    b->rop = g[0x32];
    b->ext = g[0x33];
    /* colours: GR0/GR1 then GR10/11, GR12/13, GR14/15 for the wider depths */
    unsigned pw = pixel_bytes(b);
    uint32_t fg = g[0x01] | (g[0x11] << 8) | (g[0x13] << 16) | ((uint32_t)g[0x15] << 24);
    uint32_t bg = g[0x00] | (g[0x10] << 8) | (g[0x12] << 16) | ((uint32_t)g[0x14] << 24);
    uint32_t mask = pw == 4 ? 0xffffffffu : (1u << (8 * pw)) - 1;
    b->fg = fg & mask;
    b->bg = bg & mask;
}

/* A BLT whose source is video memory (or none), done at once. */
static void blt_video(CirrusState *c, CirrusBlt *b)
{
    uint64_t size = c->vram_size;
    unsigned pw = pixel_bytes(b);
    bool solid = (b->mode & (BLT_PATTERN | BLT_COLOR_EXPAND)) ==
                 (BLT_PATTERN | BLT_COLOR_EXPAND) && (b->ext & BLTX_SOLID_FILL);
    bool pixelwise = b->mode & (BLT_PATTERN | BLT_COLOR_EXPAND);
    bool backward = !pixelwise && (b->mode & BLT_BACKWARDS);
    int64_t dlo, dhi, slo, shi;
    if (!span_ok(b->dst, b->dst_pitch, dst_line_span(b, pixelwise), b->height, backward, size,
                 &dlo, &dhi)) {
        refuse(c, b, "destination outside video memory");
        return;
    }
    if (solid) {
        draw_fill(c, b, b->dst);
    } else if (b->mode & BLT_PATTERN) {
        uint32_t stride = (b->mode & BLT_COLOR_EXPAND) ? 1 : pattern_stride(pw);
        uint32_t bytes = stride * 8;
        uint32_t src = b->src & ~(bytes - 1);
        if (!span_ok(src, 0, bytes, 1, false, size, &slo, &shi)) {
            refuse(c, b, "pattern outside video memory");
            return;
        }
        draw_pattern(c, b, b->dst, c->vga.vram_ptr + src, stride, 0);
    } else if (b->mode & BLT_COLOR_EXPAND) {
        uint32_t n = line_pixels(b);
        uint32_t line_bytes = (skip_bytes(b) / pw + n + 7) / 8;
        if (!span_ok(b->src, line_bytes, line_bytes, b->height, false, size, &slo, &shi)) {
            refuse(c, b, "source outside video memory");
            return;
        }
        draw_expand(c, b, b->dst, c->vga.vram_ptr + b->src, line_bytes, b->height);
    } else {
        if (!span_ok(b->src, b->src_pitch, b->width, b->height, backward, size, &slo, &shi)) {
            refuse(c, b, "source outside video memory");
            return;
        }
        draw_copy(c, b, b->dst, c->vga.vram_ptr, b->src, b->src_pitch, b->height, backward);
    }
    if (dhi >= dlo) {
        memory_region_set_dirty(&c->vga.vram, dlo, dhi - dlo + 1);
    }
}

/* A system-to-screen BLT: work out how much data a line takes and wait
 * for it (cirrus_blt_feed). */
static bool blt_system_begin(CirrusState *c, CirrusBlt *b)
{
    unsigned pw = pixel_bytes(b);
    bool pixelwise = b->mode & (BLT_PATTERN | BLT_COLOR_EXPAND);
    int64_t lo, hi;
    if (!span_ok(b->dst, b->dst_pitch, dst_line_span(b, pixelwise), b->height, false,
                 c->vram_size, &lo, &hi)) {
        refuse(c, b, "destination outside video memory");
        return false;
    }
    uint32_t bytes, lines;
    if (b->mode & BLT_PATTERN) {
        bytes = (b->mode & BLT_COLOR_EXPAND) ? 8 : 64 * pw;   /* the whole pattern */
        lines = 1;
    } else if (b->mode & BLT_COLOR_EXPAND) {
        /* a line of bits starts on a byte, or on a doubleword with GR33
         * bit 0 */
        bytes = (skip_bytes(b) / pw + line_pixels(b) + 7) / 8;
        if (b->ext & BLTX_DWORD_GRANULARITY) {
            bytes = (bytes + 3) & ~3u;
        }
        lines = b->height;
    } else {
        /* a line of pixels always ends on a doubleword */
        bytes = (b->width + 3) & ~3u;
        lines = b->height;
    }
    if (bytes == 0 || bytes > CIRRUS_BLTBUF_SIZE) {
        refuse(c, b, "source line larger than the BLT buffer");
        return false;
    }
    c->blt_line_bytes = bytes;
    c->blt_lines_left = lines;
    c->blt_buf_pos = 0;
    c->blt_next_dst = b->dst;
    c->blt_feeding = true;
    c->gr[0x31] |= BLT_STATUS_BUSY | BLT_STATUS_PROGRESS;
    c->memory_changed(c);
    return true;
}

/* The line in the buffer is complete: draw it (or the whole BLT, for a
 * pattern).  The destination was checked for the whole BLT at the start;
 * each line is checked again against its own span all the same. */
static void blt_system_line(CirrusState *c)
{
    CirrusBlt *b = &c->blt;
    unsigned pw = pixel_bytes(b);
    int64_t lo, hi;
    if (b->mode & BLT_PATTERN) {
        bool pixelwise = true;
        if (!span_ok(b->dst, b->dst_pitch, dst_line_span(b, pixelwise), b->height, false,
                     c->vram_size, &lo, &hi)) {
            refuse(c, b, "destination outside video memory");
            blt_done(c);
            return;
        }
        uint32_t stride = (b->mode & BLT_COLOR_EXPAND) ? 1 : 8 * pw;
        draw_pattern(c, b, b->dst, c->blt_buf, stride, b->src & 7);
        c->blt_lines_left = 0;
    } else {
        bool pixelwise = b->mode & BLT_COLOR_EXPAND;
        CirrusBlt one = *b;
        one.height = 1;
        if (!span_ok(c->blt_next_dst, 0, dst_line_span(b, pixelwise), 1, false, c->vram_size,
                     &lo, &hi)) {
            refuse(c, b, "destination outside video memory");
            blt_done(c);
            return;
        }
        if (pixelwise) {
            draw_expand(c, &one, c->blt_next_dst, c->blt_buf, c->blt_line_bytes, 1);
        } else {
            draw_copy(c, &one, c->blt_next_dst, c->blt_buf, 0, 0, 1, false);
        }
        c->blt_next_dst += b->dst_pitch;
        c->blt_lines_left--;
    }
    if (hi >= lo) {
        memory_region_set_dirty(&c->vga.vram, lo, hi - lo + 1);
    }
    c->blt_buf_pos = 0;
    if (c->blt_lines_left == 0) {
        blt_done(c);
    }
}

void cirrus_blt_feed(CirrusState *c, uint8_t val)
{
    if (!c->blt_feeding || c->blt_buf_pos >= c->blt_line_bytes ||
        c->blt_line_bytes > CIRRUS_BLTBUF_SIZE) {
        return;
    }
    c->blt_buf[c->blt_buf_pos++] = val;
    if (c->blt_buf_pos == c->blt_line_bytes) {
        blt_system_line(c);
    }
}

void cirrus_blt_start(CirrusState *c)
{
    CirrusBlt *b = &c->blt;
    latch_registers(c, b);
    c->gr[0x31] |= BLT_STATUS_BUSY;
    if (!rop_known(b->rop)) {
        refuse(c, b, "unknown raster operation");
        blt_done(c);
        return;
    }
    if (b->mode & BLT_DST_SYSTEM) {
        log_mask(LOG_UNIMP, "cirrus: screen-to-system BLT not modelled (as on QEMU)\n");
        blt_done(c);
        return;
    }
    if (b->mode & BLT_SRC_SYSTEM) {
        bool solid = (b->mode & (BLT_PATTERN | BLT_COLOR_EXPAND)) ==
                     (BLT_PATTERN | BLT_COLOR_EXPAND) && (b->ext & BLTX_SOLID_FILL);
        if (!solid) {
            if (!blt_system_begin(c, b)) {
                blt_done(c);
            }
            return;
        }
    }
    blt_video(c, b);
    blt_done(c);
}

void cirrus_blt_abort(CirrusState *c)
{
    c->blt_buf_pos = 0;
    c->blt_lines_left = 0;
    blt_done(c);
}

/* GR31: a 0->1 edge of Start begins a BLT, a 1->0 edge of Reset stops
 * one (TRM, GR31). */
void cirrus_blt_status_write(CirrusState *c, uint8_t val)
{
    uint8_t old = c->gr[0x31];
    c->gr[0x31] = (val & ~(BLT_STATUS_BUSY | BLT_STATUS_PROGRESS)) |
                  (old & (BLT_STATUS_BUSY | BLT_STATUS_PROGRESS));
    if ((old & BLT_STATUS_RESET) && !(val & BLT_STATUS_RESET)) {
        cirrus_blt_abort(c);
    } else if (!(old & BLT_STATUS_START) && (val & BLT_STATUS_START)) {
        cirrus_blt_start(c);
    }
}
