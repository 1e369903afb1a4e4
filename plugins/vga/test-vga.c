/*
 * Unit tests of the standard VGA core through isa-vga and VGA, driven as a
 * guest drives them: the ports at 0x3C0-0x3DF and 0x1CE, the window at
 * 0xA0000, the PCI BARs.  Write modes 0-3, the latches, set/reset, the bit
 * mask, read modes 0/1, chain 4 and odd/even, the DAC, the VBE registers'
 * bounds, the renderer through a screendump, and every register index with
 * hostile values.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>
#include <cmocka.h>
#include "harness.h"

static DeviceState *vga;

static void out8(uint16_t port, uint8_t v) { cpu_outb(port, v); }
static uint8_t in8(uint16_t port) { return cpu_inb(port); }

static void sr(uint8_t i, uint8_t v) { out8(0x3c4, i); out8(0x3c5, v); }
static void gr(uint8_t i, uint8_t v) { out8(0x3ce, i); out8(0x3cf, v); }
static void cr(uint8_t i, uint8_t v) { out8(0x3d4, i); out8(0x3d5, v); }
static uint8_t gr_get(uint8_t i) { out8(0x3ce, i); return in8(0x3cf); }

static void ar(uint8_t i, uint8_t v)
{
    in8(0x3da);                 /* reset the flip-flop */
    out8(0x3c0, i);
    out8(0x3c0, v);
}

static void vbe(uint16_t i, uint16_t v) { cpu_outw(0x1ce, i); cpu_outw(0x1cf, v); }
static uint16_t vbe_get(uint16_t i) { cpu_outw(0x1ce, i); return cpu_inw(0x1cf); }

static uint8_t mem_rd(uint32_t off)
{
    return address_space_ld(address_space_memory(), 0xa0000 + off, 1, NULL);
}

static void mem_wr(uint32_t off, uint8_t v)
{
    address_space_st(address_space_memory(), 0xa0000 + off, v, 1, NULL);
}

/* Planar graphics (as mode 12h sets it up): colour I/O, all planes, no
 * chain 4, no odd/even, window A0000-AFFFF, write mode 0, no set/reset. */
static void planar(void)
{
    out8(0x3c2, 0x01);
    sr(2, 0x0f);
    sr(4, 0x06);
    gr(0, 0); gr(1, 0); gr(3, 0); gr(4, 0); gr(5, 0); gr(6, 0x05); gr(7, 0x0f); gr(8, 0xff);
}

/* The byte of plane p at offset off (read mode 0, read map select). */
static uint8_t plane(unsigned p, uint32_t off)
{
    uint8_t mode = gr_get(5);
    gr(5, mode & ~0x08);
    gr(4, p);
    uint8_t v = mem_rd(off);
    gr(5, mode);
    return v;
}

static int setup(void **state)
{
    harness_load_plugin("vga");
    static const char *const props[] = { "romfile=", NULL };
    vga = harness_create("isa-vga", "vga", NULL, props);
    return 0;
}

/* Power-on registers; VRAM keeps its contents over a reset, so the
 * start of it is cleared too. */
static void planar(void);
static int reset(void **state)
{
    device_cold_reset(vga);
    planar();
    for (uint32_t i = 0; i < 64; i++) {
        mem_wr(i, 0);
    }
    device_cold_reset(vga);
    return 0;
}

static void test_write_mode0_set_reset(void **state)
{
    planar();
    gr(1, 0x0f);                /* every plane from set/reset */
    gr(0, 0x05);                /* planes 0 and 2 set */
    mem_wr(0, 0x12);
    assert_int_equal(plane(0, 0), 0xff);
    assert_int_equal(plane(1, 0), 0x00);
    assert_int_equal(plane(2, 0), 0xff);
    assert_int_equal(plane(3, 0), 0x00);
    /* set/reset on plane 0 only; the others take the rotated data */
    gr(1, 0x01);
    gr(0, 0x00);
    gr(3, 0x04);                /* rotate right by 4 */
    mem_wr(1, 0x3c);
    assert_int_equal(plane(0, 1), 0x00);
    assert_int_equal(plane(1, 1), 0xc3);
    assert_int_equal(plane(3, 1), 0xc3);
}

static void test_bit_mask_and_latches(void **state)
{
    planar();
    sr(2, 0x0f);
    mem_wr(0, 0xaa);            /* every plane 0xaa */
    (void)mem_rd(0);            /* latches = 0xaa x4 */
    gr(8, 0x0f);                /* only the low nibble from the data */
    mem_wr(0, 0x55);
    for (unsigned p = 0; p < 4; p++) {
        assert_int_equal(plane(p, 0), 0xa5);
    }
    /* the logical operations combine with the latches */
    gr(8, 0xff);
    (void)mem_rd(0);
    gr(3, 0x18);                /* XOR */
    mem_wr(0, 0xff);
    assert_int_equal(plane(2, 0), 0x5a);
    (void)mem_rd(0);
    gr(3, 0x08);                /* AND */
    mem_wr(0, 0x0f);
    assert_int_equal(plane(1, 0), 0x0a);
    (void)mem_rd(0);
    gr(3, 0x10);                /* OR */
    mem_wr(0, 0xf0);
    assert_int_equal(plane(3, 0), 0xfa);
}

static void test_write_mode1_copies_latches(void **state)
{
    planar();
    gr(1, 0x0f);
    gr(0, 0x09);
    mem_wr(10, 0);              /* planes 0 and 3 set */
    gr(1, 0);
    (void)mem_rd(10);
    gr(5, 0x01);
    mem_wr(20, 0x77);           /* the data is ignored */
    gr(5, 0x00);
    assert_int_equal(plane(0, 20), 0xff);
    assert_int_equal(plane(1, 20), 0x00);
    assert_int_equal(plane(3, 20), 0xff);
}

static void test_write_modes_2_and_3(void **state)
{
    planar();
    gr(5, 0x02);
    gr(8, 0xf0);
    (void)mem_rd(0);            /* latches 0 */
    mem_wr(0, 0x0a);            /* colour 1010: planes 1 and 3 */
    gr(5, 0x00);
    assert_int_equal(plane(0, 0), 0x00);
    assert_int_equal(plane(1, 0), 0xf0);
    assert_int_equal(plane(3, 0), 0xf0);
    /* write mode 3: set/reset colour through data AND bit mask */
    gr(5, 0x03);
    gr(0, 0x04);
    gr(8, 0x3c);
    (void)mem_rd(1);
    mem_wr(1, 0x0f);            /* 0x0f & 0x3c = 0x0c */
    gr(5, 0x00);
    assert_int_equal(plane(2, 1), 0x0c);
    assert_int_equal(plane(0, 1), 0x00);
}

static void test_read_mode1_compare(void **state)
{
    planar();
    gr(1, 0x0f);
    gr(0, 0x06);                /* colour 0110 at byte 0 */
    mem_wr(0, 0);
    gr(1, 0);
    gr(5, 0x08);                /* read mode 1 */
    gr(2, 0x06);
    gr(7, 0x0f);
    assert_int_equal(mem_rd(0), 0xff);
    gr(2, 0x07);
    assert_int_equal(mem_rd(0), 0x00);
    gr(7, 0x0e);                /* plane 0 don't care */
    assert_int_equal(mem_rd(0), 0xff);
}

static void test_chain4_and_odd_even(void **state)
{
    planar();
    sr(4, 0x0e);                /* chain 4 */
    for (unsigned i = 0; i < 8; i++) {
        mem_wr(i, 0x10 + i);
    }
    for (unsigned i = 0; i < 8; i++) {
        assert_int_equal(mem_rd(i), 0x10 + i);
    }
    sr(4, 0x06);
    assert_int_equal(plane(2, 0), 0x12);    /* byte 2 was plane 2 of word 0 */
    assert_int_equal(plane(1, 1), 0x15);
    /* odd/even (text): even bytes to plane 0, odd ones to plane 1 */
    sr(4, 0x02);
    gr(5, 0x10);
    gr(6, 0x0e);                /* B8000-BFFFF, chain odd/even */
    address_space_st(address_space_memory(), 0xb8000, 0x1f41, 2, NULL);
    assert_int_equal(address_space_ld(address_space_memory(), 0xb8000, 2, NULL), 0x1f41);
    sr(4, 0x06);
    gr(5, 0x00);
    gr(6, 0x05);
    assert_int_equal(plane(0, 0), 0x41);
    assert_int_equal(plane(1, 0), 0x1f);
    /* out of the selected map: reads all ones, writes ignored */
    assert_int_equal(address_space_ld(address_space_memory(), 0xb0000, 1, NULL), 0xff);
}

static void test_dac(void **state)
{
    out8(0x3c8, 5);
    out8(0x3c9, 0x3f); out8(0x3c9, 0x20); out8(0x3c9, 0x01);
    out8(0x3c9, 0x02);          /* starts entry 6 */
    out8(0x3c7, 5);
    assert_int_equal(in8(0x3c7), 3);   /* DAC state: read mode */
    assert_int_equal(in8(0x3c9), 0x3f);
    assert_int_equal(in8(0x3c9), 0x20);
    assert_int_equal(in8(0x3c9), 0x01);
    assert_int_equal(in8(0x3c8), 6);
    /* the indexes wrap at 256 */
    out8(0x3c8, 255);
    for (int i = 0; i < 6; i++) {
        out8(0x3c9, 0x11);
    }
    assert_int_equal(in8(0x3c8), 1);
    out8(0x3c7, 0);
    assert_int_equal(in8(0x3c9), 0x11);
}

static void test_vbe_bounds(void **state)
{
    assert_int_equal(vbe_get(0), 0xb0c5);
    assert_int_equal(vbe_get(10), 8 * 1024 / 64);        /* 8 MiB of isa-vga */
    vbe(3, 32);
    vbe(1, 0xffff);
    vbe(2, 0xffff);
    vbe(4, 0x41);
    assert_int_equal(vbe_get(1), 16000);
    uint32_t line = vbe_get(6) * 4u;
    assert_true((uint32_t)vbe_get(2) * line <= 8u << 20);
    /* an offset that would reach past VRAM is dropped */
    vbe(9, 0xffff);
    assert_int_equal(vbe_get(9), 0);
    vbe(8, 0xffff);
    assert_true(vbe_get(8) <= 16000);
    /* a bad depth becomes 8, a bank number is masked to the VRAM */
    vbe(3, 13);
    assert_int_equal(vbe_get(3), 8);
    vbe(5, 0xffff);
    assert_int_equal(vbe_get(5), 127);
    mem_wr(0xffff, 0x5a);       /* the last byte of the last bank */
    assert_int_equal(mem_rd(0xffff), 0x5a);
    /* unknown indexes read 0 and take nothing */
    vbe(0x77, 0x1234);
    assert_int_equal(vbe_get(0x77), 0);
    /* the caps bit reports the maxima */
    vbe(4, 0x02);
    assert_int_equal(vbe_get(1), 16000);
    assert_int_equal(vbe_get(3), 32);
}

/* Mode 13h through the registers (IBM's mode table), DAC entry 7 set. */
static void set_mode13(void)
{
    out8(0x3c2, 0x63);
    sr(1, 0x01); sr(2, 0x0f); sr(4, 0x0e);
    gr(5, 0x40); gr(6, 0x05);
    static const uint8_t crtc[] = { 0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0xbf, 0x1f, 0x00, 0x41,
                                    0, 0, 0, 0, 0, 0, 0x9c, 0x0e, 0x8f, 0x28, 0x40, 0x96,
                                    0xb9, 0xa3, 0xff };
    cr(0x11, 0);
    for (unsigned i = 0; i < sizeof(crtc); i++) {
        cr(i, crtc[i]);
    }
    for (unsigned i = 0; i < 16; i++) {
        ar(i, i);
    }
    ar(0x10, 0x41); ar(0x12, 0x0f); ar(0x13, 0); ar(0x14, 0);
    out8(0x3c0, 0x20);          /* palette address source: screen on */
    out8(0x3c8, 7);
    out8(0x3c9, 0x3f); out8(0x3c9, 0x00); out8(0x3c9, 0x15);
}

/* A mode 13h picture through the renderer: pixel (x, y) of 320x200 is
 * the 2x2 dots at (2x, 2y) of the 640x400 picture. */
static void test_render_mode13(void **state)
{
    set_mode13();
    mem_wr(10 * 320 + 3, 7);
    DisplayConsole *con = console_find_by_device("vga");
    assert_non_null(con);
    display_refresh_now(con, true);
    DisplaySurface *s = console_surface(con);
    assert_non_null(s);
    assert_int_equal(s->width, 640);
    assert_int_equal(s->height, 400);
    uint32_t want = 0xff << 16 | 0x00 << 8 | 0x57;     /* 6 bits to 8: 0x15 -> 0x57 */
    assert_int_equal(surface_get_rgb(s, 6, 20), want);
    assert_int_equal(surface_get_rgb(s, 7, 21), want);
    assert_int_equal(surface_get_rgb(s, 8, 20), 0);
    /* a screendump writes the same picture */
    char path[] = "/tmp/test-vga-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_true(display_screendump(con, path, DISPLAY_IMAGE_PPM, &error_abort));
    gchar *data;
    gsize len;
    assert_true(g_file_get_contents(path, &data, &len, NULL));
    assert_int_equal(len, 15 + 640 * 400 * 3);
    assert_memory_equal(data, "P6\n640 400\n255\n", 15);
    const uint8_t *px = (const uint8_t *)data + 15 + (20 * 640 + 6) * 3;
    assert_int_equal(px[0], 0xff);
    assert_int_equal(px[2], 0x57);
    g_free(data);
    assert_true(display_screendump(con, path, DISPLAY_IMAGE_PNG, &error_abort));
    assert_true(g_file_get_contents(path, &data, &len, NULL));
    assert_memory_equal(data, "\x89PNG", 4);
    g_free(data);
    unlink(path);
}

/* Every port and register index with every value, then a picture: no
 * crash, no out-of-bounds access (the ASan build checks), a sane size. */
static void test_hostile_registers(void **state)
{
    uint32_t seed = 12345;
    for (int round = 0; round < 10000; round++) {
        seed = seed * 1103515245u + 12345u;
        uint16_t port = 0x3b0 + (seed >> 8) % 0x30;
        uint8_t v = seed >> 20;
        if ((seed >> 4) % 7 == 0) {
            vbe((seed >> 9) % 16, (uint16_t)(seed >> 13));
        } else if ((seed >> 4) % 5 == 0) {
            mem_wr((seed >> 11) & 0x1ffff, v);
        } else if ((seed >> 4) % 3 == 0) {
            (void)mem_rd((seed >> 11) & 0x1ffff);
        } else if (seed & 1) {
            out8(port, v);
        } else {
            (void)in8(port);
        }
        if (round % 1000 == 0) {
            display_refresh_now(NULL, round % 2000 == 0);
        }
    }
    for (unsigned i = 0; i < 256; i++) {
        for (unsigned v = 0; v < 256; v += 15) {
            sr(i, v); gr(i, v); cr(i, v); ar(i, v);
        }
        if (i % 16 == 0) {
            display_refresh_now(NULL, false);
        }
    }
    DisplaySurface *s = console_surface(console_find_by_device("vga"));
    assert_true(!s || (s->width <= DISPLAY_MAX_SIDE && s->height <= DISPLAY_MAX_SIDE));
}

/* A front end watching: the refresh timer runs on the virtual clock, an
 * unchanged screen reports nothing, a write reports the lines it touched,
 * and with no one watching there is no dirty log. */
typedef struct Watch {
    DisplayListener dl;
    int surfaces, regions, refreshes, y0, y1, x0, x1;
} Watch;

static void w_surface(DisplayListener *dl, DisplaySurface *s)
{
    ((Watch *)dl->opaque)->surfaces++;
}

static void w_region(DisplayListener *dl, int x, int y, int w, int h)
{
    Watch *wt = dl->opaque;
    wt->regions++;
    wt->y0 = MIN(wt->y0, y);
    wt->y1 = MAX(wt->y1, y + h);
    wt->x0 = MIN(wt->x0, x);
    wt->x1 = MAX(wt->x1, x + w);
}

static void watch_clear(Watch *w)
{
    w->regions = 0;
    w->x0 = w->y0 = 1 << 30;
    w->x1 = w->y1 = 0;
}

static void w_refreshed(DisplayListener *dl)
{
    ((Watch *)dl->opaque)->refreshes++;
}

static const DisplayListenerOps watch_ops = {
    .name = "test", .surface_changed = w_surface, .region_updated = w_region,
    .refreshed = w_refreshed,
};

static void test_listener_and_dirty_log(void **state)
{
    set_mode13();
    Watch w = { .dl = { .ops = &watch_ops }, .y0 = 1 << 30, .x0 = 1 << 30 };
    w.dl.opaque = &w;
    assert_false(memory_dirty_tracking(MEMORY_DIRTY_DISPLAY));
    assert_true(display_listener_register(&w.dl, console_find_by_device("vga"), &error_abort));
    assert_true(memory_dirty_tracking(MEMORY_DIRTY_DISPLAY));
    int64_t frame = NANOSECONDS_PER_SECOND / display_refresh_hz();
    harness_advance_ns(frame);
    assert_int_equal(w.refreshes, 1);
    assert_true(w.regions > 0);             /* the first picture: all of it */
    assert_int_equal(w.y0, 0);
    assert_int_equal(w.y1, 400);
    w.regions = 0;
    harness_advance_ns(3 * frame);
    assert_int_equal(w.refreshes, 4);
    assert_int_equal(w.regions, 0);         /* nothing changed, nothing drawn */
    w.y0 = 1 << 30;
    w.y1 = 0;
    mem_wr(150 * 320 + 10, 7);              /* line 150 (dots 300-301), in page 11 */
    harness_advance_ns(frame);
    assert_true(w.regions > 0);
    /* the lines of that page only: bytes 45056-49151, lines 140-153 */
    assert_int_equal(w.y0, 280);
    assert_int_equal(w.y1, 308);
    display_listener_unregister(&w.dl);
    assert_false(memory_dirty_tracking(MEMORY_DIRTY_DISPLAY));
    int before = w.refreshes;
    harness_advance_ns(10 * frame);
    assert_int_equal(w.refreshes, before);
}

/* Mode 3 as the VGA BIOS sets it (IBM VGA technical reference, the
 * register values of mode 3+): 80x25 cells of 9x16 dots, 70 Hz. */
static void set_text_mode3(void)
{
    out8(0x3c2, 0x67);
    sr(1, 0x00); sr(2, 0x03); sr(3, 0x00); sr(4, 0x02);
    gr(5, 0x10); gr(6, 0x0e);
    static const uint8_t crtc[] = { 0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f,
                                    0x0d, 0x0e, 0x00, 0x00, 0x00, 0x51, 0x9c, 0x0e, 0x8f, 0x28,
                                    0x1f, 0x96, 0xb9, 0xa3, 0xff };
    cr(0x11, 0);
    for (unsigned i = 0; i < sizeof(crtc); i++) {
        cr(i, crtc[i]);
    }
    for (unsigned i = 0; i < 16; i++) {
        ar(i, i);
    }
    ar(0x10, 0x0c); ar(0x12, 0x0f); ar(0x13, 0x08); ar(0x14, 0);
    out8(0x3c0, 0x20);
}

/* Text mode: the cells reach the console for text front ends. */
static void test_text_cells(void **state)
{
    set_text_mode3();
    address_space_st(address_space_memory(), 0xb8000 + 2 * (80 + 2), 0x1e41, 2, NULL);
    DisplayConsole *con = console_find_by_device("vga");
    display_refresh_now(con, true);
    int cols, rows;
    const ConsoleTextCell *cells = console_get_text(con, &cols, &rows);
    assert_non_null(cells);
    assert_int_equal(cols, 80);
    assert_int_equal(rows, 25);
    assert_int_equal(cells[80 + 2].ch, 'A');
    assert_int_equal(cells[80 + 2].attr, 0x1e);
    DisplaySurface *s = console_surface(con);
    assert_int_equal(s->width, 720);
    assert_int_equal(s->height, 400);
}

/* An idle text screen under a front end: the cursor turns on and off
 * every 16 frames of the mode's own timing (mode 3: 900 x 449 dots at
 * 28.322 MHz, 70.08 Hz, so every 228.3 ms), and each blink redraws that
 * one 9x16 cell, nothing else; between blinks nothing is drawn. */
static void test_text_cursor_blink(void **state)
{
    set_text_mode3();
    cr(0x0e, 0x00); cr(0x0f, 80 + 2);           /* the cursor at column 2, row 1 */
    Watch w = { .dl = { .ops = &watch_ops } };
    w.dl.opaque = &w;
    watch_clear(&w);
    assert_true(display_listener_register(&w.dl, console_find_by_device("vga"), &error_abort));
    int64_t frame = NANOSECONDS_PER_SECOND / display_refresh_hz();
    harness_advance_ns(frame);
    assert_int_equal(w.y1, 400);                /* the first picture: all of it */
    int64_t blink_ns = 16 * (INT64_C(900) * 449 * NANOSECONDS_PER_SECOND / 28322000);
    for (int n = 0; n < 3; n++) {
        watch_clear(&w);
        int64_t waited = 0;
        while (w.regions == 0 && waited < NANOSECONDS_PER_SECOND) {
            harness_advance_ns(frame);
            waited += frame;
        }
        /* The blink shows at the first refresh after it (30 Hz). */
        assert_true(waited >= blink_ns && waited <= blink_ns + frame);
        assert_int_equal(w.x0, 2 * 9);
        assert_int_equal(w.x1, 3 * 9);
        assert_int_equal(w.y0, 16);
        assert_int_equal(w.y1, 32);
    }
    display_listener_unregister(&w.dl);
}

/* Line compare splits the screen: after display line LC the picture
 * starts again at address 0; the start address scrolls the top part. */
static void test_split_screen(void **state)
{
    set_mode13();
    mem_wr(0, 7);                           /* line 0, pixel 0 */
    mem_wr(10 * 320 + 1, 7);                /* line 10, pixel 1 */
    cr(0x0c, (10 * 320 / 4) >> 8);          /* start at line 10 (in 32-bit words) */
    cr(0x0d, (10 * 320 / 4) & 0xff);
    cr(0x18, 199);                          /* split after display line 199 */
    cr(0x07, 0x0f);                         /* (line compare bit 8 clear) */
    cr(0x09, 0x01);                         /* (bit 9 clear; two lines a pixel) */
    DisplayConsole *con = console_find_by_device("vga");
    display_refresh_now(con, true);
    DisplaySurface *s = console_surface(con);
    uint32_t c7 = 0xff0057;
    assert_int_equal(surface_get_rgb(s, 2, 0), c7);       /* line 10 at the top */
    assert_int_equal(surface_get_rgb(s, 0, 0), 0);
    assert_int_equal(surface_get_rgb(s, 0, 200), c7);     /* line 0 after the split */
    assert_int_equal(surface_get_rgb(s, 2, 200), 0);
}

/* A romfile that is not there fails realize cleanly: the same card can
 * be created again at the same ports and window. */
static void test_missing_bios(void **state)
{
    static const char *const bad[] = { "romfile=/nonexistent/vgabios.bin", NULL };
    static const char *const good[] = { "romfile=", NULL };
    harness_destroy(vga);
    Error *err = NULL;
    assert_null(harness_try_create("isa-vga", "vga2", NULL, bad, &err));
    assert_non_null(strstr(error_get_pretty(err), "not found"));
    error_free(err);
    assert_null(console_find_by_device("vga2"));
    vga = harness_create("isa-vga", "vga", NULL, good);
}

/* The PCI card: ids, BAR0 is the framebuffer, BAR2 the registers. */
static void test_pci_card(void **state)
{
    static const char *const props[] = { "romfile=", "addr=2", NULL };
    harness_destroy(vga);
    DeviceState *d = harness_create("VGA", "pcivga", NULL, props);
    PCIDevice *pci = PCI_DEVICE(d);
    assert_int_equal(pci_config_read(pci, 0, 4), 0x11111234);
    assert_int_equal(pci_config_read(pci, 0x0a, 2), 0x0300);
    pci_config_write(pci, 0x10, 0xe0000000, 4);
    pci_config_write(pci, 0x18, 0xe1000000, 4);
    pci_config_write(pci, 0x04, 0x0003, 2);
    assert_int_equal(pci_config_read(pci, 0x10, 4), 0xe0000008);
    /* DISPI through BAR2, the pixels through BAR0 */
    AddressSpace *as = address_space_memory();
    address_space_st(as, 0xe1000500 + 2 * 4, 0, 2, NULL);
    address_space_st(as, 0xe1000500 + 2 * 1, 64, 2, NULL);
    address_space_st(as, 0xe1000500 + 2 * 2, 32, 2, NULL);
    address_space_st(as, 0xe1000500 + 2 * 3, 32, 2, NULL);
    address_space_st(as, 0xe1000500 + 2 * 4, 0x41, 2, NULL);
    address_space_st(as, 0xe1000400, 0x20, 1, NULL);   /* 0x3C0: screen on */
    assert_int_equal(address_space_ld(as, 0xe1000500 + 2 * 1, 2, NULL), 64);
    assert_int_equal(address_space_ld(as, 0xe1000604, 4, NULL), 0x1e1e1e1e);
    address_space_st(as, 0xe0000000 + (5 * 64 + 9) * 4, 0x00123456, 4, NULL);
    DisplayConsole *con = console_find_by_device("pcivga");
    display_refresh_now(con, true);
    DisplaySurface *s = console_surface(con);
    assert_int_equal(s->width, 64);
    assert_int_equal(s->height, 32);
    assert_int_equal(surface_get_rgb(s, 9, 5), 0x123456);
    harness_destroy(d);
    static const char *const iprops[] = { "romfile=", NULL };
    vga = harness_create("isa-vga", "vga", NULL, iprops);
}

/* The 128-byte EDID block through BAR2, in dwords as Linux reads it. */
static void read_edid(AddressSpace *as, uint64_t bar2, uint8_t *e)
{
    for (int i = 0; i < 128; i += 4) {
        uint32_t v = (uint32_t)address_space_ld(as, bar2 + (uint64_t)i, 4, NULL);
        memcpy(e + i, &v, 4);
    }
}

static DeviceState *make_pci_vga(const char *const *props)
{
    DeviceState *d = harness_create("VGA", "pcivga", NULL, props);
    if (d) {
        PCIDevice *pci = PCI_DEVICE(d);
        pci_config_write(pci, 0x18, 0xe1000000, 4);
        pci_config_write(pci, 0x04, 0x0002, 2);
    }
    return d;
}

/* The EDID block Linux's bochs driver reads: a valid header and checksum,
 * the preferred mode from the properties (QEMU's 1280x800 by default),
 * zeros with edid=off, and a clear error for a mode EDID cannot hold. */
static void test_pci_edid(void **state)
{
    (void)state;
    harness_destroy(vga);
    AddressSpace *as = address_space_memory();
    static const uint8_t header[8] = { 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0 };
    static const struct { const char *x, *y; unsigned w, h; } modes[] = {
        { NULL, NULL, 1280, 800 }, { "xres=1920", "yres=1080", 1920, 1080 },
        { "xres=640", "yres=480", 640, 480 },
    };
    for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
        const char *const props[] = { "romfile=", "addr=2", modes[m].x, modes[m].y, NULL };
        DeviceState *d = make_pci_vga(props);
        assert_non_null(d);
        uint8_t e[128];
        read_edid(as, 0xe1000000, e);
        assert_memory_equal(e, header, 8);
        uint8_t sum = 0;
        for (int i = 0; i < 128; i++) {
            sum = (uint8_t)(sum + e[i]);
        }
        assert_int_equal(sum, 0);
        assert_int_equal(e[18], 1);                         /* version 1.4 */
        assert_int_equal(e[19], 4);
        /* the preferred mode: the first detailed timing, at byte 54
         * (VESA E-EDID 1.4, 3.10.2 and 3.11.1) */
        unsigned w = e[56] | (e[58] >> 4) << 8, h = e[59] | (e[61] >> 4) << 8;
        assert_int_equal(w, modes[m].w);
        assert_int_equal(h, modes[m].h);
        unsigned hblank = e[57] | (e[58] & 0xf) << 8, vblank = e[60] | (e[61] & 0xf) << 8;
        unsigned clock = (e[54] | e[55] << 8) * 10000u;
        double hz = (double)clock / ((w + hblank) * (h + vblank));
        assert_true(hz > 59.5 && hz < 60.5);
        assert_int_equal(e[126], 0);                        /* no extensions */
        /* a byte read across the block's end and past it */
        assert_int_equal(address_space_ld(as, 0xe1000000 + 127, 1, NULL), e[127]);
        assert_int_equal(address_space_ld(as, 0xe1000000 + 128, 4, NULL), 0);
        harness_destroy(d);
    }
    static const char *const off[] = { "romfile=", "addr=2", "edid=off", NULL };
    DeviceState *d = make_pci_vga(off);
    assert_int_equal(address_space_ld(as, 0xe1000000, 4, NULL), 0);
    assert_int_equal(address_space_ld(as, 0xe1000004, 4, NULL), 0);
    harness_destroy(d);
    Error *err = NULL;
    static const char *const big[] = { "romfile=", "addr=2", "xres=9000", NULL };
    assert_null(harness_try_create("VGA", "pcivga", NULL, big, &err));
    assert_non_null(strstr(error_get_pretty(err), "EDID mode 9000x800"));
    error_free(err);
    static const char *const iprops[] = { "romfile=", NULL };
    vga = harness_create("isa-vga", "vga", NULL, iprops);
}

int main(void)
{
    harness_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_write_mode0_set_reset, reset),
        cmocka_unit_test_setup(test_bit_mask_and_latches, reset),
        cmocka_unit_test_setup(test_write_mode1_copies_latches, reset),
        cmocka_unit_test_setup(test_write_modes_2_and_3, reset),
        cmocka_unit_test_setup(test_read_mode1_compare, reset),
        cmocka_unit_test_setup(test_chain4_and_odd_even, reset),
        cmocka_unit_test_setup(test_dac, reset),
        cmocka_unit_test_setup(test_vbe_bounds, reset),
        cmocka_unit_test_setup(test_render_mode13, reset),
        cmocka_unit_test_setup(test_listener_and_dirty_log, reset),
        cmocka_unit_test_setup(test_text_cells, reset),
        cmocka_unit_test_setup(test_text_cursor_blink, reset),
        cmocka_unit_test_setup(test_split_screen, reset),
        cmocka_unit_test_setup(test_missing_bios, reset),
        cmocka_unit_test_setup(test_hostile_registers, reset),
        cmocka_unit_test_setup(test_pci_card, reset),
        cmocka_unit_test_setup(test_pci_edid, reset),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
