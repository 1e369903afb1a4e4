/*
 * The standard VGA's picture: text mode from the font in plane 2, the
 * 16-colour planar, CGA 4-colour and 256-colour graphics modes, and the
 * VBE packed-pixel modes, drawn into the display layer's surface.
 *
 * Geometry is the CRTC's (IBM VGA technical reference, CRT controller
 * registers): the picture is (CR1 + 1) character clocks wide and Vertical
 * Display End + 1 scan lines high, in dots, so mode 13h is 640x400 with
 * each pixel two dots wide and two lines high, as the monitor sees it (and
 * as QEMU's screendump draws it).  Colours go through the attribute
 * controller's palette (AR0-AR14) and the DAC, whose 6-bit levels are
 * widened to 8 bits by repeating the low bit twice as QEMU does, so the
 * pictures compare equal byte for byte.
 *
 * Only what changed is drawn: the VRAM pages the memory API's display
 * dirty log reports, the text cells that differ from the last frame, and
 * everything after a register change that moves the picture.  A refresh
 * of an unchanged screen reads the dirty bitmap and returns.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "vga-int.h"

/* Blinking (IBM VGA technical reference, CRT controller, Cursor Start
 * register and Attribute Mode Control bit 3): the cursor turns on or off
 * every 16 vertical frames, blinking characters every 32.  The frame rate
 * is the CRTC's timing (text_frame_ns); outside these bounds (a CRTC not
 * yet programmed) the blink keeps a 60 Hz frame. */
#define CURSOR_BLINK_FRAMES 16
#define FRAME_HZ_MIN 40
#define FRAME_HZ_MAX 120
#define FRAME_HZ_DEFAULT 60
/* The dot clocks Miscellaneous Output bits 3:2 select: 0 is 25.175 MHz
 * (640/320 dots), 1 is 28.322 MHz (720/360 dots); the others are
 * external or card-specific, taken as 25.175 MHz. */
#define DOT_CLOCK_25_HZ 25175000u
#define DOT_CLOCK_28_HZ 28322000u

enum { MODE_TEXT, MODE_GRAPHICS, MODE_BLANK };

/* ---- colours ---- */

uint32_t vga_c6to8(uint8_t v)
{
    v &= 0x3f;
    return (uint32_t)(v << 2) | ((v & 1) << 1) | (v & 1);
}

static uint32_t dac_rgb(const VGAState *s, unsigned index)
{
    const uint8_t *p = &s->palette[(index & s->pel_mask & 0xff) * 3];
    if (s->dac_8bit) {
        return (uint32_t)p[0] << 16 | p[1] << 8 | p[2];
    }
    return vga_c6to8(p[0]) << 16 | vga_c6to8(p[1]) << 8 | vga_c6to8(p[2]);
}

/* The 16 colours of the attribute palette: AR0-ARF give 6 bits, AR14
 * supplies bits 7:6 (and 5:4 when AR10 bit 7 selects it). */
static void palette16(const VGAState *s, uint32_t pal[16])
{
    for (unsigned i = 0; i < 16; i++) {
        unsigned v = s->ar[i];
        if (s->ar[0x10] & 0x80) {
            v = ((s->ar[0x14] & 0xf) << 4) | (v & 0xf);
        } else {
            v = ((s->ar[0x14] & 0xc) << 4) | (v & 0x3f);
        }
        pal[i] = dac_rgb(s, v);
    }
}

/* ---- what changed ---- */

static uint32_t fnv(uint32_t h, const void *data, size_t len)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++) {
        h = (h ^ p[i]) * 16777619u;
    }
    return h;
}

/* The pages of VRAM written since the last refresh (all of them while no
 * one tracks: a screendump). */
static void snapshot_dirty(VGAState *s)
{
    memory_region_dirty_snapshot_and_clear(&s->vram, 0, s->vram_size, MEMORY_DIRTY_DISPLAY,
                                           s->dirty_bits);
}

bool vga_range_dirty(const VGAState *s, uint64_t addr, uint64_t len)
{
    if (len == 0) {
        return false;
    }
    uint64_t first = addr / MEMORY_DIRTY_PAGE_SIZE;
    uint64_t last = (addr + len - 1) / MEMORY_DIRTY_PAGE_SIZE;
    uint64_t pages = s->vram_size / MEMORY_DIRTY_PAGE_SIZE;
    for (uint64_t p = first; p <= last; p++) {
        uint64_t q = p % pages;            /* the picture may wrap round VRAM */
        if (s->dirty_bits[q / 64] >> (q % 64) & 1) {
            return true;
        }
    }
    return false;
}

/* Consecutive redrawn lines of the same columns are reported as one
 * rectangle. */
typedef struct Band {
    int y0, n, w;
    int x0, x1;                      /* the columns of the band's lines */
} Band;

static void band_flush(VGAState *s, Band *b)
{
    if (b->n) {
        console_update(s->con, b->x0, b->y0, b->x1 - b->x0, b->n);
        b->n = 0;
    }
}

/* Line y redrawn from x0 to x1 (exclusive). */
static void band_add_span(VGAState *s, Band *b, int y, int x0, int x1)
{
    if (b->n && b->y0 + b->n == y && b->x0 == x0 && b->x1 == x1) {
        b->n++;
        return;
    }
    band_flush(s, b);
    b->y0 = y;
    b->n = 1;
    b->x0 = x0;
    b->x1 = x1;
}

static void band_add(VGAState *s, Band *b, int y)
{
    band_add_span(s, b, y, 0, b->w);
}

static bool resize(VGAState *s, int w, int h)
{
    DisplaySurface *old = console_surface(s->con);
    if (old && old->owned && old->width == w && old->height == h) {
        return false;
    }
    Error *err = NULL;
    if (!console_resize(s->con, w, h, &err)) {
        log_mask(LOG_GUEST_ERROR, "vga: %s\n", error_get_pretty(err));
        error_free(err);
    }
    return true;
}

static uint32_t *surface_line(VGAState *s, int y)
{
    DisplaySurface *d = console_surface(s->con);
    return (uint32_t *)(d->data + (size_t)y * d->stride);
}

int vga_vertical_display_end(const VGAState *s)
{
    return s->cr[0x12] | ((s->cr[0x07] & 0x02) << 7) | ((s->cr[0x07] & 0x40) << 3);
}

int vga_line_compare(const VGAState *s)
{
    return s->cr[0x18] | ((s->cr[0x07] & 0x10) << 4) | ((s->cr[0x09] & 0x40) << 3);
}

/* ---- text mode ---- */

typedef struct TextGeom {
    int cols, rows, cw, ch;
    bool dbl;
} TextGeom;

static void text_geometry(const VGAState *s, TextGeom *g)
{
    g->ch = (s->cr[0x09] & 0x1f) + 1;
    g->dbl = s->cr[0x09] & 0x80;
    g->cw = (s->sr[1] & 1) ? 8 : 9;
    if (s->sr[1] & 8) {
        g->cw = 16;               /* half dot clock: each dot twice (no 18-dot cells) */
    }
    g->cols = s->cr[0x01] + 1;
    g->rows = (vga_vertical_display_end(s) + 1) / (g->ch << g->dbl);
}

/* The glyph byte of character c at scan line `scan` of font map `map`
 * (Character Map Select, SR3: map A for attribute bit 3 set, B clear;
 * map n lies at plane 2 offset (n & 3) * 16 KiB + (n >> 2) * 8 KiB). */
static uint8_t glyph_line(const VGAState *s, unsigned map, unsigned c, unsigned scan)
{
    uint32_t base = (map & 3) * 0x4000 + (map >> 2) * 0x2000;
    uint64_t off = ((uint64_t)base + c * 32 + (scan & 31)) * 4 + 2;
    return off < s->vram_size ? s->vram_ptr[off] : 0;
}

typedef struct TextFrame {
    TextGeom g;
    uint32_t pal[16];
    unsigned cursor_addr;
    int cursor_start, cursor_end;
    bool cursor_on, blink_on, blink_enabled;
    unsigned map_a, map_b;
    uint32_t dwords_mask;
} TextFrame;

/* One scan line of the cell (ch, attr) at x in line. */
static void draw_cell_line(const VGAState *s, const TextFrame *f, uint32_t *line,
                           unsigned cell_addr, uint8_t c, uint8_t attr, int scan)
{
    unsigned fgi = attr & 0xf, bgi = attr >> 4;
    if (f->blink_enabled) {
        bgi &= 7;
        if ((attr & 0x80) && !f->blink_on) {
            fgi = bgi;
        }
    }
    unsigned map = (attr & 0x08) ? f->map_a : f->map_b;
    uint8_t bits = glyph_line(s, map, c, scan);
    /* The underline: attribute 1 in the foreground bits with background 0
     * (monochrome text), on the scan line the Underline Location sets. */
    if ((attr & 0x77) == 0x01 && scan == (s->cr[0x14] & 0x1f)) {
        bits = 0xff;
    }
    bool cursor = f->cursor_on && cell_addr == f->cursor_addr && scan >= f->cursor_start &&
                  scan <= f->cursor_end;
    if (cursor) {
        bits = 0xff;
    }
    uint32_t fg = f->pal[fgi & s->ar[0x12] & 0xf], bg = f->pal[bgi & s->ar[0x12] & 0xf];
    int dot = f->g.cw == 16 ? 2 : 1;
    for (int i = 0; i < 8; i++) {
        uint32_t v = (bits & (0x80 >> i)) ? fg : bg;
        for (int k = 0; k < dot; k++) {
            line[i * dot + k] = v;
        }
    }
    if (f->g.cw == 9) {
        /* The 9th dot repeats the 8th for the line graphics characters
         * C0h-DFh when AR10 bit 2 says so, and is background otherwise. */
        bool dup = cursor || ((s->ar[0x10] & 0x04) && c >= 0xc0 && c <= 0xdf);
        line[8] = dup && (bits & 1) ? fg : bg;
    }
}

/* The length of one vertical frame: Horizontal Total (CR0 + 5 character
 * clocks of 8 or 9 dots, SR1 bit 0) times Vertical Total (CR6 with CR7
 * bits 0 and 5 as bits 8 and 9, + 2 lines), at the dot clock Miscellaneous
 * Output selects, halved by SR1 bit 3.  Mode 3: 900 x 449 dots at 28.322
 * MHz, 70.1 Hz. */
static int64_t text_frame_ns(const VGAState *s)
{
    uint64_t clock_hz = ((s->msr >> 2) & 3) == 1 ? DOT_CLOCK_28_HZ : DOT_CLOCK_25_HZ;
    if (s->sr[1] & 8) {
        clock_hz /= 2;
    }
    uint64_t dots = (uint64_t)(s->cr[0x00] + 5) * ((s->sr[1] & 1) ? 8 : 9);
    uint64_t lines = (s->cr[0x06] | (s->cr[0x07] & 0x01) << 8 | (s->cr[0x07] & 0x20) << 4) + 2;
    uint64_t ns = dots * lines * NANOSECONDS_PER_SECOND / clock_hz;
    if (ns < NANOSECONDS_PER_SECOND / FRAME_HZ_MAX || ns > NANOSECONDS_PER_SECOND / FRAME_HZ_MIN) {
        ns = NANOSECONDS_PER_SECOND / FRAME_HZ_DEFAULT;
    }
    return (int64_t)ns;
}

static void text_frame(VGAState *s, TextFrame *f)
{
    text_geometry(s, &f->g);
    palette16(s, f->pal);
    unsigned start = s->cr[0x0c] << 8 | s->cr[0x0d];
    f->cursor_addr = (s->cr[0x0e] << 8 | s->cr[0x0f]);
    f->cursor_start = s->cr[0x0a] & 0x1f;
    f->cursor_end = MIN(s->cr[0x0b] & 0x1f, f->g.ch - 1);
    int64_t now = clock_get_ns(CC_CLOCK_VIRTUAL);
    if (now >= s->cursor_blink_time) {
        s->cursor_blink_time = now + CURSOR_BLINK_FRAMES * text_frame_ns(s);
        s->cursor_phase = !s->cursor_phase;
        s->blink_count++;
    }
    f->cursor_on = !(s->cr[0x0a] & 0x20) && s->cursor_phase &&
                   f->cursor_end >= f->cursor_start && f->cursor_start < f->g.ch;
    f->blink_enabled = s->ar[0x10] & 0x08;
    f->blink_on = !(s->blink_count & 2);
    unsigned v = s->sr[3];
    f->map_a = ((v >> 5) & 1) << 2 | ((v >> 2) & 3);
    f->map_b = ((v >> 4) & 1) << 2 | (v & 3);
    f->dwords_mask = s->vram_size / 4 - 1;
    (void)start;
}

/* The visible cells, row by row, for text front ends (the cells of the
 * frame have a column more, for panning). */
static void publish_text(VGAState *s, const TextFrame *f, const unsigned *row_addr, int nrows,
                         int ncols, bool changed)
{
    int cols = f->g.cols, rows = MIN(f->g.rows, nrows);
    if (!s->text || s->text_cols != cols || s->text_rows != rows) {
        g_free(s->text);
        s->text = g_new0(ConsoleTextCell, (size_t)cols * rows);
        s->text_cols = cols;
        s->text_rows = rows;
    }
    int cx = -1, cy = -1;
    for (int r = 0; r < rows; r++) {
        memcpy(&s->text[(size_t)r * cols], &s->cells[(size_t)r * ncols],
               (size_t)cols * sizeof(ConsoleTextCell));
        if (f->cursor_addr >= row_addr[r] && f->cursor_addr < row_addr[r] + (unsigned)cols) {
            cx = (int)(f->cursor_addr - row_addr[r]);
            cy = r;
        }
    }
    console_set_text(s->con, cols, rows, s->text, cx, cy);
    if (changed) {
        console_text_update(s->con, 0, 0, cols, rows);
    }
}

static void draw_text(VGAState *s, bool full)
{
    TextFrame f;
    text_frame(s, &f);
    TextGeom *g = &f.g;
    if (g->cols * g->rows <= 1) {
        return;
    }
    int width = g->cols * g->cw, height = g->rows * (g->ch << g->dbl);
    full |= resize(s, width, height);
    if (!console_surface(s->con)) {
        return;
    }
    uint32_t sig = fnv(2166136261u, f.pal, sizeof(f.pal));
    uint8_t regs[] = { s->cr[0x01], s->cr[0x07], s->cr[0x08], s->cr[0x09], s->cr[0x0a],
                       s->cr[0x0b], s->cr[0x0c],
                       s->cr[0x0d], s->cr[0x12], s->cr[0x13], s->cr[0x14], s->cr[0x18],
                       s->sr[1], s->sr[3], s->ar[0x10], s->ar[0x12], s->ar[0x13] };
    sig = fnv(sig, regs, sizeof(regs));
    full |= sig != s->last_sig || s->plane2_dirty || s->full_update;
    s->last_sig = sig;
    s->plane2_dirty = false;
    s->full_update = false;

    /* Cells of the frame: one row per character row, plus one for the
     * row after the split; cols + 1 cells each (panning shows a part of
     * the next cell). */
    int nrows = g->rows + 1, ncols = g->cols + 1;
    if (!s->cells || s->cells_cols != ncols || s->cells_rows != nrows) {
        g_free(s->cells);
        s->cells = g_new0(ConsoleTextCell, (size_t)ncols * nrows);
        s->cells_cols = ncols;
        s->cells_rows = nrows;
        full = true;
    }
    uint32_t *buf = g_new(uint32_t, (size_t)ncols * 16);
    /* The cells of each row that changed: columns span0[r] to span1[r]
     * (exclusive); none while span1[r] is 0. */
    int *span0 = g_new(int, nrows), *span1 = g_new0(int, nrows);
    unsigned *row_addr = g_new0(unsigned, nrows);

    int lc = vga_line_compare(s);
    unsigned line_offset = s->cr[0x13] * 2;        /* in character cells */
    unsigned addr = s->cr[0x0c] << 8 | s->cr[0x0d];
    int row = 0, scan = s->cr[0x08] & 0x1f, rep = 0;
    unsigned pan_reg = s->ar[0x13] & 0xf;
    int pan = g->cw == 9 ? (pan_reg < 8 ? (int)pan_reg + 1 : 0) : (int)(pan_reg & 7);
    bool text_full = full;

    /* First pass: the cells of each row, compared with the last frame
     * where VRAM was written since (the dirty log; the picture's
     * registers are in the signature, so an unwritten row holds the cells
     * it held); the cursor's cells when it moved or blinked, blinking
     * characters when their phase turned. */
    int cursor = f.cursor_on ? (int)f.cursor_addr : -1;
    bool cursor_moved = cursor != s->last_cursor;
    bool blink_flipped = f.blink_on != s->last_blink_on;
    s->last_blink_on = f.blink_on;
    {
        unsigned a = addr;
        int r = 0, sc = scan, rp = 0;
        row_addr[0] = a;
        for (int y = 0; y < height && r < nrows; y++) {
            if (y == lc + 1 && y > 0) {
                a = 0;
                sc = 0;
                rp = 0;
                if (++r >= nrows) {
                    break;
                }
                row_addr[r] = a;
                continue;
            }
            if (++rp > g->dbl) {
                rp = 0;
                if (++sc >= g->ch) {
                    sc = 0;
                    a += line_offset;
                    if (++r >= nrows) {
                        break;
                    }
                    row_addr[r] = a;
                }
            }
        }
        for (r = 0; r < nrows; r++) {
            ConsoleTextCell *cells = &s->cells[(size_t)r * ncols];
            span0[r] = ncols;
            /* The row's character and attribute bytes: planes 0 and 1 of
             * ncols dwords, which may wrap round VRAM. */
            bool written = full || vga_range_dirty(s, (uint64_t)(row_addr[r] & f.dwords_mask) * 4,
                                                   (uint64_t)ncols * 4);
            if (!written && !blink_flipped && !cursor_moved) {
                continue;
            }
            for (int c = 0; c < ncols; c++) {
                uint32_t d = (row_addr[r] + c) & f.dwords_mask;
                ConsoleTextCell cell = { s->vram_ptr[d * 4], s->vram_ptr[d * 4 + 1] };
                bool blinking = f.blink_enabled && (cell.attr & 0x80) && blink_flipped;
                int a = (int)(row_addr[r] + c);
                if (full || cell.ch != cells[c].ch || cell.attr != cells[c].attr ||
                    blinking || (cursor_moved && (a == cursor || a == s->last_cursor))) {
                    span0[r] = MIN(span0[r], c);
                    span1[r] = c + 1;
                }
                cells[c] = cell;
            }
        }
    }

    /* Second pass: draw the scan lines of the changed rows. */
    Band band = { .w = width };
    for (int y = 0; y < height; y++) {
        if (y == lc + 1 && y > 0) {
            addr = 0;
            scan = 0;
            rep = 0;
            row++;
            if (s->ar[0x10] & 0x20) {
                pan = 0;               /* pixel panning mode: the split does not pan */
            }
        }
        if (row >= nrows) {
            break;
        }
        if (span1[row]) {
            /* The changed cells only (a blinking cursor is one cell); the
             * dots of cell c start at c * cw - pan on the line. */
            const ConsoleTextCell *cells = &s->cells[(size_t)row * ncols];
            int cw = g->cw, c0 = span0[row], c1 = span1[row];
            for (int c = c0; c < c1; c++) {
                draw_cell_line(s, &f, buf + c * cw, row_addr[row] + c, cells[c].ch,
                               cells[c].attr, scan);
            }
            int x0 = MAX(c0 * cw - pan, 0), x1 = MIN(c1 * cw - pan, width);
            if (x1 > x0) {
                memcpy(surface_line(s, y) + x0, buf + pan + x0, (size_t)(x1 - x0) * 4);
                band_add_span(s, &band, y, x0, x1);
            }
        }
        if (++rep > g->dbl) {
            rep = 0;
            if (++scan >= g->ch) {
                scan = 0;
                addr += line_offset;
                row++;
            }
        }
    }
    band_flush(s, &band);
    s->last_cursor = cursor;
    bool changed = text_full;
    for (int r = 0; r < nrows; r++) {
        changed |= span1[r] != 0;
    }
    publish_text(s, &f, row_addr, nrows, ncols, changed);
    g_free(buf);
    g_free(span0);
    g_free(span1);
    g_free(row_addr);
}

/* ---- graphics modes ---- */

/* len bytes of VRAM from addr, wrapping at its end (into tmp then). */
static const uint8_t *vram_span(const VGAState *s, uint64_t addr, uint32_t len, uint8_t *tmp)
{
    addr &= s->vram_size - 1;
    if (addr + len <= s->vram_size) {
        return s->vram_ptr + addr;
    }
    for (uint32_t i = 0; i < len; i++) {
        tmp[i] = s->vram_ptr[(addr + i) & (s->vram_size - 1)];
    }
    return tmp;
}

/* 16-colour planar: each 32-bit word gives 8 pixels, bit 7 of each plane
 * first; the Colour Plane Enable register masks the 4-bit values. */
static void line_planar(const VGAState *s, const uint32_t pal[16], const uint8_t *src,
                        int pixels, uint32_t *out, int dot)
{
    unsigned enable = s->ar[0x12] & 0xf;
    for (int x = 0; x < pixels; x++) {
        const uint8_t *w = src + (x / 8) * 4;
        unsigned bit = 7 - (x & 7), v = 0;
        for (int p = 0; p < 4; p++) {
            v |= ((w[p] >> bit) & 1) << p;
        }
        for (int k = 0; k < dot; k++) {
            out[x * dot + k] = pal[v & enable];
        }
    }
}

/* CGA 4-colour (Shift Register Interleave, GR5 bit 5): the byte of plane 0
 * gives pixels 0-3 and that of plane 1 pixels 4-7 of each word, two bits
 * each, high bits first; planes 2 and 3 add bits 2 and 3 likewise. */
static void line_cga(const VGAState *s, const uint32_t pal[16], const uint8_t *src,
                     int pixels, uint32_t *out, int dot)
{
    unsigned enable = s->ar[0x12] & 0xf;
    for (int x = 0; x < pixels; x++) {
        const uint8_t *w = src + (x / 8) * 4;
        unsigned half = (x & 7) >> 2, shift = 6 - 2 * (x & 3);
        unsigned v = ((w[half] >> shift) & 3) | (((w[2 + half] >> shift) & 3) << 2);
        for (int k = 0; k < dot; k++) {
            out[x * dot + k] = pal[v & enable];
        }
    }
}

static void line_256(const uint32_t pal[256], const uint8_t *src, int pixels, uint32_t *out,
                     int dot)
{
    for (int x = 0; x < pixels; x++) {
        for (int k = 0; k < dot; k++) {
            out[x * dot + k] = pal[src[x]];
        }
    }
}

static void line_direct(unsigned bpp, const uint8_t *src, int pixels, uint32_t *out)
{
    for (int x = 0; x < pixels; x++) {
        uint32_t v, r, g, b;
        switch (bpp) {
        case 15:
            v = src[2 * x] | src[2 * x + 1] << 8;
            r = (v >> 10) & 0x1f; g = (v >> 5) & 0x1f; b = v & 0x1f;
            out[x] = (r << 3 | r >> 2) << 16 | (g << 3 | g >> 2) << 8 | (b << 3 | b >> 2);
            break;
        case 16:
            v = src[2 * x] | src[2 * x + 1] << 8;
            r = v >> 11; g = (v >> 5) & 0x3f; b = v & 0x1f;
            out[x] = (r << 3 | r >> 2) << 16 | (g << 2 | g >> 4) << 8 | (b << 3 | b >> 2);
            break;
        case 24:
            out[x] = src[3 * x] | src[3 * x + 1] << 8 | src[3 * x + 2] << 16;
            break;
        default:
            out[x] = (src[4 * x] | src[4 * x + 1] << 8 | src[4 * x + 2] << 16) & 0xffffff;
            break;
        }
    }
}


static bool gfx_frame(VGAState *s, GfxFrame *f)
{
    unsigned shift = (s->gr[5] >> 5) & 3;
    bool vbe = s->vbe_regs[VBE_ENABLE] & VBE_ENABLED;
    memset(f, 0, sizeof(*f));
    f->dot = 1;
    if (s->ext && s->ext->gfx_frame && s->ext->gfx_frame(s, f)) {
        return f->width > 0 && f->height > 0 && f->width <= VGA_MAX_WIDTH &&
               f->height <= VGA_MAX_HEIGHT && f->src_pixels * f->dot == f->width;
    }
    if (vbe) {
        f->width = s->vbe_regs[VBE_XRES];
        f->height = s->vbe_regs[VBE_YRES];
        f->start = s->vbe_start_addr;
        f->line_offset = s->vbe_line_offset;
        f->lc = INT32_MAX;
        f->repeat = 1;
        f->bpp = s->vbe_regs[VBE_BPP];
    } else {
        f->width = (s->cr[0x01] + 1) * 8;
        f->height = vga_vertical_display_end(s) + 1;
        f->start = (s->cr[0x0c] << 8 | s->cr[0x0d]) * 4;
        f->line_offset = s->cr[0x13] << 3;
        f->lc = vga_line_compare(s);
        bool dbl = s->cr[0x09] & 0x80;
        f->repeat = shift == 1 ? 1 + dbl : ((s->cr[0x09] & 0x1f) + 1) << dbl;
    }
    if (shift <= 1 && (!vbe || f->bpp == 4)) {
        f->kind = shift;
        f->src_pixels = f->width;
        if (s->sr[1] & 8) {
            f->dot = 2;             /* half dot clock: each pixel two dots */
        }
        f->bytes = f->width / 2;
        f->pan = s->ar[0x13] & 7;
    } else if (!vbe || f->bpp == 8) {
        f->kind = 2;
        if (vbe) {
            f->src_pixels = f->width;
            f->bytes = f->width;
        } else {
            /* 256 colours: one byte per pixel, each pixel two dots */
            f->src_pixels = f->width / 2;
            f->dot = 2;
            f->bytes = f->width / 2;
            f->pan = (s->ar[0x13] >> 1) & 3;
        }
    } else {
        f->kind = 3;
        f->src_pixels = f->width;
        f->bytes = f->width * ((f->bpp + 7) / 8);
    }
    f->width = f->src_pixels * f->dot;
    return f->width > 0 && f->height > 0 && f->width <= VGA_MAX_WIDTH &&
           f->height <= VGA_MAX_HEIGHT;
}

static void draw_graphics(VGAState *s, bool full)
{
    GfxFrame f;
    if (!gfx_frame(s, &f)) {
        return;
    }
    full |= resize(s, f.width, f.height);
    if (!console_surface(s->con)) {
        return;
    }
    uint32_t pal[256];
    if (f.kind <= 1) {
        palette16(s, pal);
    } else {
        for (unsigned i = 0; i < 256; i++) {
            pal[i] = dac_rgb(s, i);
        }
    }
    uint32_t sig = fnv(2166136261u, pal, f.kind <= 1 ? 64 : sizeof(pal));
    sig = fnv(sig, &f, sizeof(f));
    uint8_t regs[] = { s->cr[0x17], s->ar[0x10], s->ar[0x12], s->sr[1] };
    sig = fnv(sig, regs, sizeof(regs));
    full |= sig != s->last_sig || s->full_update;
    s->last_sig = sig;
    s->full_update = false;

    /* extra words for the panning's lead-in */
    uint32_t read = f.bytes + 16;
    uint8_t *tmp = g_malloc(read);
    uint32_t *line = g_new(uint32_t, (size_t)f.width + 64);
    Band band = { .w = f.width };
    uint32_t addr1 = f.start;
    int y1 = 0, run = f.repeat - 1, pan = f.pan;
    for (int y = 0; y < f.height; y++) {
        uint32_t addr = addr1;
        if (f.kind != 3 && !(s->cr[0x17] & 1)) {
            /* CGA addressing: row scan bit 0 replaces address bit 13 */
            unsigned sh = 14 + ((s->cr[0x17] >> 6) & 1);
            addr = (addr & ~(1u << sh)) | ((y1 & 1) << sh);
        }
        if (f.kind != 3 && !(s->cr[0x17] & 2)) {
            /* Hercules addressing: row scan bit 1 replaces address bit 14 */
            addr = (addr & ~0x8000u) | ((y1 & 2) << 14);
        }
        if (full || vga_range_dirty(s, addr, read)) {
            const uint8_t *src = vram_span(s, addr, read, tmp);
            uint32_t *out = surface_line(s, y);
            uint32_t *dst = pan ? line : out;
            int n = f.src_pixels + (pan ? 8 : 0);
            switch (f.kind) {
            case 0: line_planar(s, pal, src, n, dst, f.dot); break;
            case 1: line_cga(s, pal, src, n, dst, f.dot); break;
            case 2: line_256(pal, src, n, dst, f.dot); break;
            default: line_direct(f.bpp, src, f.src_pixels, dst); break;
            }
            if (pan) {
                memcpy(out, line + pan * f.dot, (size_t)f.width * 4);
            }
            if (s->ext && s->ext->overlay) {
                s->ext->overlay(s, y, out, f.width);
            }
            band_add(s, &band, y);
        }
        if (run-- == 0) {
            unsigned mask = (s->cr[0x17] & 3) ^ 3;
            if (f.kind == 3 || (y1 & mask) == mask) {
                addr1 += f.line_offset;
            }
            y1++;
            run = f.repeat - 1;
        }
        if (y == f.lc) {
            addr1 = 0;
            if (s->ar[0x10] & 0x20) {
                pan = 0;
            }
        }
    }
    band_flush(s, &band);
    console_set_text(s->con, 0, 0, NULL, -1, -1);
    g_free(tmp);
    g_free(line);
}

static void draw_blank(VGAState *s, bool full)
{
    DisplaySurface *d = console_surface(s->con);
    if (!d) {
        resize(s, 640, 480);
        d = console_surface(s->con);
    }
    if (!full || !d) {
        return;
    }
    for (int y = 0; y < d->height; y++) {
        memset(d->data + (size_t)y * d->stride, 0, (size_t)d->width * 4);
    }
    console_update(s->con, 0, 0, d->width, d->height);
    console_set_text(s->con, 0, 0, NULL, -1, -1);
}

static void vga_update(void *opaque)
{
    VGAState *s = opaque;
    int mode;
    if (!(s->ar_index & 0x20)) {
        mode = MODE_BLANK;               /* palette address source 0: the screen is off */
    } else {
        mode = (s->gr[6] & 1) ? MODE_GRAPHICS : MODE_TEXT;
    }
    bool full = mode != s->last_mode;
    if (full) {
        s->cursor_blink_time = clock_get_ns(CC_CLOCK_VIRTUAL);
    }
    s->last_mode = mode;
    snapshot_dirty(s);
    switch (mode) {
    case MODE_TEXT:
        draw_text(s, full);
        break;
    case MODE_GRAPHICS:
        draw_graphics(s, full);
        break;
    default:
        draw_blank(s, full || s->full_update);
        s->full_update = false;
        break;
    }
}

static void vga_invalidate(void *opaque)
{
    VGAState *s = opaque;
    s->full_update = true;
}

const DisplayCardOps vga_display_ops = {
    .update = vga_update,
    .invalidate = vga_invalidate,
};
