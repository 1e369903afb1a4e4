/*
 * Unit tests of cirrus-vga, driven as a guest drives it: the VGA ports
 * with the extension registers, the 0xA0000 window, BAR0 (linear
 * framebuffer and BLT data port) and BAR1 (registers).  Every kind of
 * BLT is compared with a reference computed here from the same VRAM
 * contents; hostile BLTs at the edges of VRAM and with overflow-prone
 * parameters must change nothing at all; the hardware cursor and the
 * extended modes through the renderer.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>
#include "harness.h"

#define VRAM        (4u << 20)
#define BAR0        0xe0000000u
#define BAR1        0xe2000000u
#define BLT_DATA    (BAR0 + 0x1000000u)

static DeviceState *card;
static uint8_t *ref;        /* the reference VRAM */
static uint8_t *got;
static char log_path[64];

static void out8(uint16_t port, uint8_t v) { cpu_outb(port, v); }
static uint8_t in8(uint16_t port) { return cpu_inb(port); }
static void sr(uint8_t i, uint8_t v) { out8(0x3c4, i); out8(0x3c5, v); }
static uint8_t sr_get(uint8_t i) { out8(0x3c4, i); return in8(0x3c5); }
static void gr(uint8_t i, uint8_t v) { out8(0x3ce, i); out8(0x3cf, v); }
static uint8_t gr_get(uint8_t i) { out8(0x3ce, i); return in8(0x3cf); }
static void cr(uint8_t i, uint8_t v) { out8(0x3d4, i); out8(0x3d5, v); }
static uint8_t cr_get(uint8_t i) { out8(0x3d4, i); return in8(0x3d5); }

static AddressSpace *mem(void) { return address_space_memory(); }

static void vram_read(uint32_t off, void *buf, uint32_t len)
{
    address_space_read(mem(), BAR0 + off, buf, len);
}

static void vram_write(uint32_t off, const void *buf, uint32_t len)
{
    address_space_write(mem(), BAR0 + off, buf, len);
}

/* xorshift: the same pseudo-random VRAM in the card and in ref */
static uint32_t rng = 1;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static void randomise(uint32_t off, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        ref[off + i] = rnd();
    }
    vram_write(off, ref + off, len);
}

/* The whole VRAM equals the reference. */
static void assert_vram_is_ref(void)
{
    vram_read(0, got, VRAM);
    if (memcmp(got, ref, VRAM)) {
        for (uint32_t i = 0; i < VRAM; i++) {
            if (got[i] != ref[i]) {
                fail_msg("VRAM differs at %#x: %02x, expected %02x", i, got[i], ref[i]);
            }
        }
    }
}

static void sync_ref(void)
{
    vram_read(0, ref, VRAM);
}

static int log_count(const char *what)
{
    FILE *f = fopen(log_path, "r");
    int n = 0;
    char line[512];
    while (f && fgets(line, sizeof(line), f)) {
        n += strstr(line, what) != NULL;
    }
    if (f) {
        fclose(f);
    }
    return n;
}

/* ---- the BLT registers and a reference BLT ---- */

typedef struct Blt {
    uint32_t w, h, dp, sp, dst, src;
    uint8_t mode, rop, ext, skip;
    uint32_t fg, bg;
} Blt;

static void blt_program(const Blt *b)
{
    gr(0x20, (b->w - 1) & 0xff); gr(0x21, (b->w - 1) >> 8);
    gr(0x22, (b->h - 1) & 0xff); gr(0x23, (b->h - 1) >> 8);
    gr(0x24, b->dp & 0xff); gr(0x25, b->dp >> 8);
    gr(0x26, b->sp & 0xff); gr(0x27, b->sp >> 8);
    gr(0x28, b->dst & 0xff); gr(0x29, b->dst >> 8); gr(0x2a, b->dst >> 16);
    gr(0x2c, b->src & 0xff); gr(0x2d, b->src >> 8); gr(0x2e, b->src >> 16);
    gr(0x2f, b->skip);
    gr(0x30, b->mode); gr(0x32, b->rop); gr(0x33, b->ext);
    gr(0x00, b->bg); gr(0x10, b->bg >> 8); gr(0x12, b->bg >> 16); gr(0x14, b->bg >> 24);
    gr(0x01, b->fg); gr(0x11, b->fg >> 8); gr(0x13, b->fg >> 16); gr(0x15, b->fg >> 24);
}

static void blt_run(const Blt *b)
{
    blt_program(b);
    gr(0x31, 0x02);
}

static const uint8_t rops[16] = { 0x00, 0x05, 0x06, 0x09, 0x0b, 0x0d, 0x0e, 0x50,
                                  0x59, 0x6d, 0x90, 0x95, 0xad, 0xd0, 0xd6, 0xda };

/* The ROPs as truth tables of (s, d) bits: bit (2s + d) of the entry. */
static uint8_t ref_rop(uint8_t rop, uint8_t s, uint8_t d)
{
    static const struct { uint8_t code, table; } t[] = {
        { 0x00, 0x0 }, { 0x05, 0x8 }, { 0x06, 0xa }, { 0x09, 0x4 }, { 0x0b, 0x5 },
        { 0x0d, 0xc }, { 0x0e, 0xf }, { 0x50, 0x2 }, { 0x59, 0x6 }, { 0x6d, 0xe },
        { 0x90, 0x1 }, { 0x95, 0x9 }, { 0xad, 0xd }, { 0xd0, 0x3 }, { 0xd6, 0xb },
        { 0xda, 0x7 },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (t[i].code == rop) {
            uint8_t r = 0;
            for (int bit = 0; bit < 8; bit++) {
                unsigned sb = (s >> bit) & 1, db = (d >> bit) & 1;
                r |= ((t[i].table >> (2 * sb + db)) & 1) << bit;
            }
            return r;
        }
    }
    return d;
}

static unsigned pw_of(const Blt *b) { return ((b->mode >> 4) & 3) + 1; }

/* GR2F: pixels; bytes at 24 bpp but for monochrome patterns and fills */
static unsigned skip_of(const Blt *b)
{
    bool mono = (b->mode & 0xc0) == 0xc0;
    return pw_of(b) == 3 && !mono ? (b->skip & 0x1f) : (b->skip & 7) * pw_of(b);
}

static void ref_pixel(const Blt *b, uint32_t at, uint32_t colour)
{
    for (unsigned k = 0; k < pw_of(b); k++) {
        ref[at + k] = ref_rop(b->rop, colour >> (8 * k), ref[at + k]);
    }
}

/* One line of expansion bits: pixel i (from the skip) takes bit skip+i. */
static void ref_expand_line(const Blt *b, uint32_t at, const uint8_t *bits, bool transparent,
                            bool invert)
{
    unsigned pw = pw_of(b);
    for (uint32_t x = skip_of(b), i = skip_of(b) / pw; x < b->w; x += pw, i++) {
        bool on = (bits[i / 8] >> (7 - i % 8)) & 1;
        if (transparent) {
            if (on != invert) {
                ref_pixel(b, at + x, invert ? b->bg : b->fg);
            }
        } else {
            ref_pixel(b, at + x, on ? b->fg : b->bg);
        }
    }
}

static void ref_blt(const Blt *b)
{
    unsigned pw = pw_of(b);
    bool transparent = b->mode & 0x08, invert = transparent && (b->ext & 0x02);
    if ((b->mode & 0xc0) == 0xc0 && (b->ext & 0x04)) {             /* solid fill */
        for (uint32_t y = 0; y < b->h; y++) {
            for (uint32_t x = skip_of(b); x < b->w; x += pw) {
                ref_pixel(b, b->dst + y * b->dp + x, b->fg);
            }
        }
    } else if ((b->mode & 0xc0) == 0xc0) {                        /* mono pattern */
        uint8_t pat[8];
        memcpy(pat, ref + (b->src & ~7u), 8);
        for (uint32_t y = 0; y < b->h; y++) {
            uint8_t row[2] = { pat[y & 7], pat[y & 7] };
            Blt one = *b;
            /* the pattern repeats every 8 pixels: expand 8 at a time */
            for (uint32_t x = skip_of(b), i = skip_of(b) / pw; x < b->w; x += pw, i++) {
                bool on = (row[0] >> (7 - i % 8)) & 1;
                if (transparent) {
                    if (on != invert) {
                        ref_pixel(&one, b->dst + y * b->dp + x, invert ? b->bg : b->fg);
                    }
                } else {
                    ref_pixel(&one, b->dst + y * b->dp + x, on ? b->fg : b->bg);
                }
            }
        }
    } else if (b->mode & 0x40) {                                  /* colour pattern */
        uint32_t stride = pw >= 3 ? 32 : 8 * pw, size = 8 * stride;
        const uint8_t *pat = ref + (b->src & ~(size - 1));
        uint8_t copy[256];
        memcpy(copy, pat, size);
        uint32_t skip = skip_of(b);
        for (uint32_t y = 0; y < b->h; y++) {
            for (uint32_t x = skip; x < b->w; x += pw) {
                for (unsigned k = 0; k < pw; k++) {
                    uint32_t at = b->dst + y * b->dp + x + k;
                    ref[at] = ref_rop(b->rop, copy[(y & 7) * stride + (x + k) % (8 * pw)],
                                      ref[at]);
                }
            }
        }
    } else if (b->mode & 0x80) {                                  /* expansion */
        uint32_t pixels = (b->w - skip_of(b) + pw - 1) / pw;
        uint32_t line = (skip_of(b) / pw + pixels + 7) / 8;
        for (uint32_t y = 0; y < b->h; y++) {
            uint8_t bits[1100];
            memcpy(bits, ref + b->src + y * line, line);
            ref_expand_line(b, b->dst + y * b->dp, bits, transparent, invert);
        }
    } else {                                                      /* copy */
        int dir = (b->mode & 1) ? -1 : 1;
        for (uint32_t y = 0; y < b->h; y++) {
            for (uint32_t x = 0; x < b->w; x++) {
                uint32_t d = b->dst + dir * (int32_t)(y * b->dp + x);
                uint32_t s = b->src + dir * (int32_t)(y * b->sp + x);
                ref[d] = ref_rop(b->rop, ref[s], ref[d]);
            }
        }
    }
}

static void check_blt(const Blt *b)
{
    ref_blt(b);
    blt_run(b);
    assert_int_equal(gr_get(0x31) & 0x03, 0);       /* done, not busy */
    assert_vram_is_ref();
}

/* ---- set-up ---- */

static int setup(void **state)
{
    harness_load_plugin("cirrus");
    static const char *const props[] = { "romfile=", "addr=2", NULL };
    card = harness_create("cirrus-vga", "cirrus", NULL, props);
    ref = g_malloc0(VRAM);
    got = g_malloc0(VRAM);
    snprintf(log_path, sizeof(log_path), "/tmp/test-cirrus-%d.log", (int)getpid());
    assert_true(log_set_file(log_path, NULL));
    log_enabled_mask |= LOG_GUEST_ERROR;
    return 0;
}

static int teardown(void **state)
{
    unlink(log_path);
    g_free(ref);
    g_free(got);
    return 0;
}

static int reset(void **state)
{
    device_cold_reset(card);
    PCIDevice *pci = PCI_DEVICE(card);     /* the BARs where the firmware would put them */
    pci_config_write(pci, 0x10, BAR0, 4);
    pci_config_write(pci, 0x14, BAR1, 4);
    pci_config_write(pci, 0x04, 0x0003, 2);
    out8(0x3c2, 0x01);          /* colour ports */
    sr(6, 0x12);
    return 0;
}

/* ---- registers ---- */

static void test_pci_ids_and_bars(void **state)
{
    PCIDevice *pci = PCI_DEVICE(card);
    assert_int_equal(pci_config_read(pci, 0, 4), 0x00b81013);
    assert_int_equal(pci_config_read(pci, 0x0a, 2), 0x0300);
    assert_int_equal(pci_config_read(pci, 0x2c, 4), 0x11001af4);
    assert_int_equal(pci_config_read(pci, 0x10, 4), BAR0 | 0x8);    /* prefetchable */
    pci_config_write(pci, 0x10, 0xffffffff, 4);
    assert_int_equal(pci_config_read(pci, 0x10, 4), 0xfe000008);    /* 32 MiB */
    pci_config_write(pci, 0x10, BAR0, 4);
    pci_config_write(pci, 0x14, 0xffffffff, 4);
    assert_int_equal(pci_config_read(pci, 0x14, 4), 0xfffff000);    /* 4 KiB */
    pci_config_write(pci, 0x14, BAR1, 4);
    /* BAR1: the ports at 0 (0x3C4 = SR index), the BLT registers at 0x100 */
    address_space_st(mem(), BAR1 + 0x04, 0x07, 1, NULL);
    address_space_st(mem(), BAR1 + 0x05, 0x01, 1, NULL);
    assert_int_equal(sr_get(7), 0x01);
    address_space_st(mem(), BAR1 + 0x100 + 0x1a, 0x59, 1, NULL);
    assert_int_equal(gr_get(0x32), 0x59);
}

static void test_unlock_and_ids(void **state)
{
    sr(6, 0x00);
    assert_int_equal(sr_get(6), 0x0f);
    sr(7, 0x01);                            /* locked: ignored */
    assert_int_equal(sr_get(7), 0x00);
    gr(0x09, 0x12);
    assert_int_equal(gr_get(0x09), 0x00);
    sr(6, 0x92);                            /* bits 4, 2:0 compared */
    assert_int_equal(sr_get(6), 0x12);
    sr(7, 0x01);
    assert_int_equal(sr_get(7), 0x01);
    assert_int_equal(cr_get(0x27), 0xb8);   /* CL-GD5446 */
    out8(0x3c4, 0x17);
    assert_int_equal(in8(0x3c4), 0x17);     /* the whole index reads back */
    sr(0x17, 0xff);                         /* bus type bits 5:3 read-only (PCI) */
    assert_int_equal(sr_get(0x17), 0xc7 | 0x20);
    assert_int_equal(sr_get(0x15), 0x04);   /* 4 MiB */
    /* the cursor position: bits 2:0 in the index */
    sr(0x10 | (5 << 5), 0x12);
    assert_int_equal(sr_get(0x10), 0x12);
    /* GR0/GR1 keep 8 bits for the BLT; the VGA sees the low 4 */
    gr(0x00, 0xa5);
    assert_int_equal(gr_get(0x00), 0xa5);
    /* BLT registers keep their defined bits */
    gr(0x21, 0xff); gr(0x23, 0xff); gr(0x2a, 0xff);
    assert_int_equal(gr_get(0x21), 0x1f);
    assert_int_equal(gr_get(0x23), 0x07);
    assert_int_equal(gr_get(0x2a), 0x3f);
    /* CR1B/CR1D store; past CR27 nothing */
    cr(0x1b, 0x1d);
    assert_int_equal(cr_get(0x1b), 0x1d);
    cr(0x30, 0x55);
    assert_int_equal(cr_get(0x30), 0xff);
}

static void test_hidden_dac(void **state)
{
    out8(0x3c6, 0xff);                      /* PEL mask */
    for (int i = 0; i < 4; i++) {
        assert_int_equal(in8(0x3c6), 0xff);
    }
    out8(0x3c6, 0xc1);                      /* the fifth access: hidden DAC */
    for (int i = 0; i < 4; i++) {
        in8(0x3c6);
    }
    assert_int_equal(in8(0x3c6), 0xc1);
    /* another DAC port in between restarts the count */
    in8(0x3c6); in8(0x3c6); in8(0x3c6);
    in8(0x3c8);
    in8(0x3c6);
    assert_int_equal(in8(0x3c6), 0xff);     /* the PEL mask, not the hidden DAC */
    /* the cursor colours behind SR12 bit 1 */
    sr(0x12, 0x02);
    out8(0x3c8, 0x0f);
    out8(0x3c9, 0x3f); out8(0x3c9, 0x00); out8(0x3c9, 0x15);
    out8(0x3c7, 0x0f);
    assert_int_equal(in8(0x3c9), 0x3f);
    assert_int_equal(in8(0x3c9), 0x00);
    assert_int_equal(in8(0x3c9), 0x15);
    sr(0x12, 0x00);
    out8(0x3c7, 0x0f);
    assert_int_equal(in8(0x3c9), 0x00);     /* the normal palette entry 15 */
}

/* ---- memory ---- */

static void test_banks_and_linear(void **state)
{
    sr(7, 0x01);                            /* extended: banked window */
    gr(0x06, 0x05);
    uint8_t v = 0x5a;
    /* single bank, 4 KiB granularity: A0000 -> 0x9000 * ... */
    gr(0x0b, 0x00);
    gr(0x09, 0x13);                         /* offset 0x13000 */
    address_space_st(mem(), 0xa0010, v, 1, NULL);
    assert_int_equal(address_space_ld(mem(), BAR0 + 0x13010, 1, NULL), v);
    /* the second half of a single bank follows the first */
    address_space_st(mem(), 0xa8000, 0x66, 1, NULL);
    assert_int_equal(address_space_ld(mem(), BAR0 + 0x13000 + 0x8000, 1, NULL), 0x66);
    /* dual banks, 16 KiB granularity: A8000 through GRA */
    gr(0x0b, 0x21);
    gr(0x09, 0x02);
    gr(0x0a, 0x05);
    address_space_st(mem(), 0xa8004, 0x77, 1, NULL);
    assert_int_equal(address_space_ld(mem(), BAR0 + 5 * 0x4000 + 4, 1, NULL), 0x77);
    address_space_st(mem(), BAR0 + 2 * 0x4000 + 9, 0x88, 1, NULL);
    assert_int_equal(address_space_ld(mem(), 0xa0009, 1, NULL), 0x88);
    /* a bank past VRAM: reads 0xff, writes go nowhere */
    gr(0x0b, 0x20);
    gr(0x09, 0xff);                         /* 0xff * 16 KiB = 4 MiB - 16 KiB: in */
    address_space_st(mem(), 0xa0000, 0x99, 1, NULL);
    assert_int_equal(address_space_ld(mem(), BAR0 + VRAM - 0x4000, 1, NULL), 0x99);
    address_space_st(mem(), 0xa8000, 0x11, 1, NULL);   /* 4 MiB + 16 KiB: out */
    assert_int_equal(address_space_ld(mem(), 0xa8000, 1, NULL), 0xff);
    /* not extended: the standard VGA's planes */
    sr(7, 0x00);
    sr(4, 0x0e); sr(2, 0x0f);               /* chain 4 */
    address_space_st(mem(), 0xa0001, 0x42, 1, NULL);
    assert_int_equal(address_space_ld(mem(), BAR0 + 1, 1, NULL), 0x42);
}

/* VRAM as it is (the linear framebuffer scales addresses too while
 * by-8/by-16 addressing is on). */
static void plain_read(uint32_t off, uint8_t *buf, uint32_t len)
{
    uint8_t grb = gr_get(0x0b), gr5 = gr_get(0x05);
    gr(0x0b, 0);
    gr(0x05, 0);
    vram_read(off, buf, len);
    gr(0x0b, grb);
    gr(0x05, gr5);
}

static void test_write_modes_4_and_5(void **state)
{
    sr(7, 0x01);
    gr(0x06, 0x05);
    memset(ref, 0x33, 64);
    vram_write(0, ref, 64);
    gr(0x01, 0xf1); gr(0x00, 0x0b); gr(0x11, 0xf2); gr(0x10, 0x0c);
    /* mode 4, 8 bpp: by-8 addressing, 1 bits take the foreground */
    gr(0x0b, 0x06);
    gr(0x05, 0x04);
    address_space_st(mem(), 0xa0001, 0xa0, 1, NULL);
    plain_read(0, got, 24);
    static const uint8_t m4[8] = { 0xf1, 0x33, 0xf1, 0x33, 0x33, 0x33, 0x33, 0x33 };
    assert_memory_equal(got + 8, m4, 8);
    assert_int_equal(got[7], 0x33);
    assert_int_equal(got[16], 0x33);
    /* reads scale the same way */
    assert_int_equal(address_space_ld(mem(), 0xa0001, 1, NULL), 0xf1);
    /* mode 5, 16 bpp: 0 bits take the background */
    gr(0x0b, 0x14);
    gr(0x05, 0x05);
    address_space_st(mem(), 0xa0002, 0x81, 1, NULL);
    plain_read(32, got, 16);
    assert_int_equal(got[0], 0xf1);
    assert_int_equal(got[1], 0xf2);
    assert_int_equal(got[2], 0x0b);
    assert_int_equal(got[3], 0x0c);
    assert_int_equal(got[14], 0xf1);
    assert_int_equal(got[15], 0xf2);
    /* the same through the linear framebuffer (its slow path now) */
    address_space_st(mem(), BAR0 + 3, 0x01, 1, NULL);
    plain_read(48, got, 4);
    assert_int_equal(got[0], 0x0b);
    /* the last byte of VRAM by 16: the 16 bytes at the very end */
    address_space_st(mem(), BAR0 + VRAM / 16 - 1, 0xff, 1, NULL);
    plain_read(VRAM - 16, got, 16);
    assert_int_equal(got[0], 0xf1);
    assert_int_equal(got[15], 0xf2);
    /* and past it, by-16 addresses wrap inside VRAM, never beyond */
    address_space_st(mem(), BAR0 + VRAM - 1, 0x80, 1, NULL);
    plain_read(VRAM - 16, got, 16);
    assert_int_equal(got[0], 0xf1);
}

/* ---- the BLT engine against the reference ---- */

static void test_blt_copy_every_rop(void **state)
{
    rng = 7;
    randomise(0, 0x40000);
    sync_ref();
    for (int i = 0; i < 16; i++) {
        Blt f = { .w = 37, .h = 9, .dp = 100, .sp = 64, .dst = 0x10000 + i * 1000,
                  .src = 0x20000 + i * 17, .mode = 0x00, .rop = rops[i] };
        check_blt(&f);
        Blt b = f;
        b.mode = 0x01;                      /* backward: from the last byte */
        b.dst = 0x30000 + i * 1000 + 8 * 100 + 36;
        b.src = 0x38000 + 8 * 64 + 36;
        check_blt(&b);
    }
    /* overlapping copies, the way a scroll does them */
    Blt up = { .w = 200, .h = 20, .dp = 256, .sp = 256, .dst = 0x1000, .src = 0x1000 + 3 * 256,
               .rop = 0x0d };
    check_blt(&up);
    Blt down = { .w = 200, .h = 20, .dp = 256, .sp = 256, .dst = 0x9000 + 19 * 256 + 199,
                 .src = 0x9000 + 16 * 256 + 199, .mode = 0x01, .rop = 0x0d };
    check_blt(&down);
}

static void test_blt_expansion(void **state)
{
    rng = 11;
    randomise(0, 0x40000);
    for (unsigned pw = 1; pw <= 4; pw++) {
        for (unsigned t = 0; t < 3; t++) {          /* opaque, transparent, inverted */
            Blt b = { .w = 45 * pw, .h = 7, .dp = 400, .src = 0x30000 + pw * 0x100,
                      .dst = 0x1000 + (pw * 3 + t) * 0x1000, .rop = t == 1 ? 0x59 : 0x0d,
                      .mode = 0x80 | ((pw - 1) << 4) | (t ? 0x08 : 0),
                      .ext = t == 2 ? 0x02 : 0, .skip = t == 1 ? 3 : 0,
                      .fg = 0x12345678, .bg = 0x9abcdef0 };
            b.fg &= pw == 4 ? 0xffffffff : (1u << (8 * pw)) - 1;
            b.bg &= pw == 4 ? 0xffffffff : (1u << (8 * pw)) - 1;
            check_blt(&b);
        }
    }
}

static void test_blt_patterns_and_fill(void **state)
{
    rng = 13;
    randomise(0, 0x40000);
    for (unsigned pw = 1; pw <= 4; pw++) {
        uint32_t mask = pw == 4 ? 0xffffffff : (1u << (8 * pw)) - 1;
        Blt p = { .w = 40 * pw, .h = 19, .dp = 512, .src = 0x38000 + 0x27,
                  .dst = 0x2000 + pw * 0x4000, .rop = 0x6d, .mode = 0x40 | ((pw - 1) << 4) };
        check_blt(&p);
        Blt m = { .w = 33 * pw, .h = 11, .dp = 300, .src = 0x38400 + 5,
                  .dst = 0x20000 + pw * 0x4000, .rop = 0x0d,
                  .mode = 0xc0 | ((pw - 1) << 4), .fg = 0xa1b2c3d4 & mask,
                  .bg = 0x01020304 & mask, .skip = 2 };
        check_blt(&m);
        m.mode |= 0x08;                    /* transparent */
        m.dst += 0x1000;
        check_blt(&m);
        Blt f = { .w = 21 * pw, .h = 5, .dp = 200, .dst = 0x30000 + pw * 0x1000, .rop = 0x0d,
                  .mode = 0xc0 | ((pw - 1) << 4), .ext = 0x04, .fg = 0xcafebabe & mask };
        check_blt(&f);
    }
}

/* System-to-screen: the CPU writes each line's data, padded to a
 * doubleword, to the BLT data port (BAR0 + 16 MiB) or the window. */
static void test_blt_system_to_screen(void **state)
{
    rng = 17;
    randomise(0, 0x40000);
    Blt b = { .w = 13, .h = 6, .dp = 64, .dst = 0x5000, .mode = 0x04, .rop = 0x59 };
    uint8_t data[6][16];
    for (int y = 0; y < 6; y++) {
        for (int x = 0; x < 16; x++) {
            data[y][x] = rnd();
        }
        for (int x = 0; x < 13; x++) {
            uint32_t at = b.dst + y * 64 + x;
            ref[at] = ref_rop(0x59, data[y][x], ref[at]);
        }
    }
    blt_run(&b);
    assert_int_equal(gr_get(0x31) & 0x01, 0x01);    /* busy: waiting for data */
    for (int y = 0; y < 6; y++) {
        for (int x = 0; x < 16; x += 4) {
            address_space_st(mem(), BLT_DATA + x, cc_ld_le32(&data[y][x]), 4, NULL);
        }
    }
    assert_int_equal(gr_get(0x31) & 0x01, 0);
    assert_vram_is_ref();
    /* more data than declared goes nowhere */
    address_space_st(mem(), BLT_DATA, 0xffffffff, 4, NULL);
    assert_vram_is_ref();

    /* colour expansion through the window in an extended mode, 16 bpp */
    sr(7, 0x01);
    Blt e = { .w = 2 * 20, .h = 3, .dp = 128, .dst = 0x7000, .mode = 0x94, .rop = 0x0d,
              .fg = 0xbeef, .bg = 0x1234 };
    uint8_t bits[3][4];
    for (int y = 0; y < 3; y++) {
        for (int i = 0; i < 4; i++) {
            bits[y][i] = rnd();
        }
        ref_expand_line(&e, e.dst + y * 128, bits[y], false, false);
    }
    blt_run(&e);
    for (int y = 0; y < 3; y++) {
        for (int i = 0; i < 3; i++) {       /* 20 bits: 3 bytes */
            address_space_st(mem(), 0xa0000 + i, bits[y][i], 1, NULL);
        }
    }
    assert_int_equal(gr_get(0x31) & 0x01, 0);
    assert_vram_is_ref();
    /* with doubleword granularity (GR33 bit 0) each line takes 4 */
    e.ext = 0x01;
    e.dst = 0x7800;
    e.mode |= 0x08;                         /* and transparent */
    for (int y = 0; y < 3; y++) {
        ref_expand_line(&e, e.dst + y * 128, bits[y], true, false);
    }
    blt_run(&e);
    for (int y = 0; y < 3; y++) {
        address_space_st(mem(), BLT_DATA, cc_ld_le32(bits[y]), 4, NULL);
    }
    assert_int_equal(gr_get(0x31) & 0x01, 0);
    assert_vram_is_ref();
}

/* The memory-mapped registers (BAR1 + 0x100, and B8000 with SR17 bit 2)
 * start BLTs too; GR31 bit 7 starts one on the write of GR2A. */
static void test_blt_mmio_and_autostart(void **state)
{
    rng = 19;
    randomise(0, 0x20000);
    Blt b = { .w = 16, .h = 4, .dp = 32, .sp = 32, .dst = 0x8000, .src = 0x100, .rop = 0x0d };
    ref_blt(&b);
    uint32_t base = BAR1 + 0x100;
    address_space_st(mem(), base + 0x08, ((b.h - 1) << 16) | (b.w - 1), 4, NULL);
    address_space_st(mem(), base + 0x0c, (b.sp << 16) | b.dp, 4, NULL);
    address_space_st(mem(), base + 0x14, b.src, 4, NULL);
    address_space_st(mem(), base + 0x18, 0, 1, NULL);
    address_space_st(mem(), base + 0x1a, b.rop, 1, NULL);
    address_space_st(mem(), base + 0x1b, 0, 1, NULL);
    address_space_st(mem(), base + 0x10, b.dst, 4, NULL);
    address_space_st(mem(), base + 0x40, 0x02, 1, NULL);
    assert_vram_is_ref();
    /* through the window, autostart on the destination's high byte */
    sr(0x17, 0x04);
    sr(7, 0x01);
    Blt a = b;
    a.dst = 0x9000;
    a.rop = 0x0b;
    ref_blt(&a);
    address_space_st(mem(), 0xb8000 + 0x40, 0x80, 1, NULL);
    address_space_st(mem(), 0xb8000 + 0x1a, a.rop, 1, NULL);
    address_space_st(mem(), 0xb8000 + 0x10, a.dst & 0xffff, 2, NULL);
    address_space_st(mem(), 0xb8000 + 0x12, a.dst >> 16, 1, NULL);
    assert_vram_is_ref();
}

/* ---- hostile BLTs: refused whole, nothing outside VRAM, nothing at all ---- */

static void test_blt_hostile(void **state)
{
    rng = 23;
    randomise(0, VRAM);
    int before = log_count("BLT refused");
    static const Blt bad[] = {
        /* destination runs past the end */
        { .w = 200, .h = 1, .dst = VRAM - 100, .src = 0, .rop = 0x0d },
        /* pitch * height past the end, from 0 */
        { .w = 1, .h = 2048, .dp = 8191, .dst = 0, .src = 0, .sp = 0, .rop = 0x0d },
        /* the largest width and height there are */
        { .w = 8192, .h = 2048, .dp = 8191, .sp = 8191, .dst = 0, .src = 0, .rop = 0x0d },
        /* backward from near the start: would go below 0 */
        { .w = 100, .h = 1, .dst = 50, .src = 0x100000, .mode = 0x01, .rop = 0x0d },
        { .w = 1, .h = 3, .dp = 0x1000, .dst = 0x1fff, .src = 0x100000, .mode = 0x01,
          .rop = 0x0d },
        /* backward with the source below 0 */
        { .w = 64, .h = 4, .dp = 64, .sp = 64, .dst = 0x100000, .src = 10, .mode = 0x01,
          .rop = 0x0d },
        /* the source past the end */
        { .w = 64, .h = 2, .sp = 8191, .dp = 64, .dst = 0, .src = VRAM - 8000, .rop = 0x0d },
        /* expansion source past the end */
        { .w = 8192, .h = 100, .dp = 8192 - 1, .dst = 0, .src = VRAM - 200, .mode = 0x80,
          .rop = 0x0d },
        /* 32 bpp expansion whose last pixel ends past the end */
        { .w = 8, .h = 1, .dst = VRAM - 6, .src = 0, .mode = 0xb0, .rop = 0x0d },
        /* a pattern fill past the end */
        { .w = 64, .h = 2, .dp = 8191, .dst = VRAM - 8191, .src = 0, .mode = 0x40,
          .rop = 0x0d },
        /* a solid fill past the end */
        { .w = 4, .h = 2048, .dp = 4096, .dst = 0, .mode = 0xc0, .ext = 0x04, .rop = 0x0d },
        /* an unknown ROP */
        { .w = 4, .h = 1, .dst = 0, .src = 4, .rop = 0x42 },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        blt_run(&bad[i]);
        assert_int_equal(gr_get(0x31) & 0x03, 0);
        assert_vram_is_ref();
    }
    assert_int_equal(log_count("BLT refused") - before, (int)(sizeof(bad) / sizeof(bad[0])));

    /* a system-to-screen BLT whose destination runs past the end does
     * not start: the data that follows is ignored */
    Blt s = { .w = 64, .h = 8, .dp = 8191, .dst = VRAM - 64 - 8191 * 6, .mode = 0x04,
              .rop = 0x0d };
    blt_run(&s);
    assert_int_equal(gr_get(0x31) & 0x01, 0);
    for (int i = 0; i < 64 * 8; i += 4) {
        address_space_st(mem(), BLT_DATA + i, 0x01020304, 4, NULL);
    }
    assert_vram_is_ref();

    /* the legal edges: the last bytes of VRAM, forward and backward to 0 */
    Blt edge = { .w = 100, .h = 2, .dp = 100, .sp = 100, .dst = VRAM - 200, .src = 0x1000,
                 .rop = 0x0d };
    check_blt(&edge);
    Blt back = { .w = 100, .h = 2, .dp = 100, .sp = 100, .dst = 199, .src = 0x2000,
                 .mode = 0x01, .rop = 0x59 };
    check_blt(&back);
    Blt pat = { .w = 32, .h = 1, .dst = 0x3000, .src = VRAM - 1, .mode = 0x70, .rop = 0x0d };
    check_blt(&pat);                       /* the pattern: the last 256 bytes */
}

/* Random register values and starts: nothing outside VRAM, no crash
 * (under the sanitizers this is the check). */
static void test_blt_random_registers(void **state)
{
    rng = 29;
    for (int i = 0; i < 4000; i++) {
        uint8_t idx = 0x20 + rnd() % 0x1a;
        if (idx == 0x31) {
            idx = 0x30;
        }
        /* mostly short BLTs, so that the test stays fast; sometimes the
         * tallest there are */
        gr(idx, idx == 0x23 && rnd() % 8 ? 0 : rnd());
        if (rnd() % 8 == 0) {
            gr(0x31, 0x00);
            gr(0x31, 0x02);
            for (int k = rnd() % 64; k > 0; k--) {
                address_space_st(mem(), BLT_DATA, rnd(), 4, NULL);
            }
        }
    }
    gr(0x31, 0x04);
    gr(0x31, 0x00);                         /* reset: nothing in progress */
    assert_int_equal(gr_get(0x31) & 0x01, 0);
}

/* Every extension index with hostile values through the ports. */
static void test_hostile_registers(void **state)
{
    for (unsigned i = 0; i < 256; i++) {
        for (unsigned v = 0; v < 256; v += 51) {
            sr(i, v);
            sr(6, 0x12);
            if (i != 0x31) {
                gr(i, v);
            }
            cr(i, v);
            (void)sr_get(i); (void)gr_get(i); (void)cr_get(i);
        }
    }
    gr(0x31, 0x04);
    gr(0x31, 0x00);
    DisplayConsole *con = console_find_by_device("cirrus");
    display_refresh_now(con, true);
}

/* ---- the picture ---- */

/* An extended mode of 64x32 pixels at `depth` (SR7) with hidden DAC hd. */
static void ext_mode(uint8_t sr7, uint8_t hd, unsigned bytes_pp)
{
    sr(7, sr7);
    for (int i = 0; i < 4; i++) {
        in8(0x3c6);
    }
    out8(0x3c6, hd);
    gr(0x06, 0x05);
    gr(0x05, 0x40);
    cr(0x11, 0x00);
    cr(0x01, 64 / 8 - 1);
    cr(0x12, 31);
    cr(0x07, 0x00);
    cr(0x09, 0x00);
    cr(0x17, 0xc3);
    cr(0x18, 0xff);
    cr(0x07, 0x10);
    cr(0x13, (64 * bytes_pp / 8) & 0xff);
    cr(0x1b, ((64 * bytes_pp / 8) >> 4) & 0x10);
    cr(0x0c, 0);
    cr(0x0d, 0);
    in8(0x3da);
    out8(0x3c0, 0x20);
}

static DisplaySurface *refresh(void)
{
    DisplayConsole *con = console_find_by_device("cirrus");
    display_refresh_now(con, true);
    return console_surface(con);
}

static void test_extended_modes(void **state)
{
    /* 8 bpp through the DAC */
    ext_mode(0x01, 0, 1);
    out8(0x3c8, 7);
    out8(0x3c9, 0x3f); out8(0x3c9, 0x00); out8(0x3c9, 0x15);
    address_space_st(mem(), BAR0 + 5 * 64 + 9, 7, 1, NULL);
    DisplaySurface *s = refresh();
    assert_int_equal(s->width, 64);
    assert_int_equal(s->height, 32);
    assert_int_equal(surface_get_rgb(s, 9, 5), 0xff0057);    /* 6-bit levels widened */
    /* 16 bpp 5-6-5 (hidden DAC 0xC1) and 5-5-5 (0xF0) */
    ext_mode(0x07, 0xc1, 2);
    address_space_st(mem(), BAR0 + (3 * 64 + 4) * 2, 0xf800, 2, NULL);
    assert_int_equal(surface_get_rgb(refresh(), 4, 3), 0xff0000);
    ext_mode(0x07, 0xf0, 2);
    address_space_st(mem(), BAR0 + (3 * 64 + 4) * 2, 0x03e0, 2, NULL);
    assert_int_equal(surface_get_rgb(refresh(), 4, 3), 0x00ff00);
    /* 24 and 32 bpp */
    ext_mode(0x05, 0, 3);
    static const uint8_t bgr[3] = { 0x56, 0x34, 0x12 };
    vram_write((2 * 64 + 1) * 3, bgr, 3);
    assert_int_equal(surface_get_rgb(refresh(), 1, 2), 0x123456);
    ext_mode(0x09, 0, 4);
    address_space_st(mem(), BAR0 + (2 * 64 + 1) * 4, 0x00abcdef, 4, NULL);
    assert_int_equal(surface_get_rgb(refresh(), 1, 2), 0xabcdef);
    /* the start address bits of CR1B/CR1D: 0x10000 doublewords */
    cr(0x1b, 0x01 | 0x10 * ((64 * 4 / 8) >> 8));
    address_space_st(mem(), BAR0 + 0x40000 + 4 * 3, 0x00445566, 4, NULL);
    assert_int_equal(surface_get_rgb(refresh(), 3, 0), 0x445566);
}

static void test_hardware_cursor(void **state)
{
    ext_mode(0x09, 0, 4);
    uint8_t zero[256] = { 0 };
    vram_write(0, zero, 256);
    for (int y = 0; y < 32; y++) {
        for (int x = 0; x < 64; x++) {
            address_space_st(mem(), BAR0 + (y * 64 + x) * 4, 0x00102030, 4, NULL);
        }
    }
    /* colours: background (0) and foreground (15) */
    sr(0x12, 0x02);
    out8(0x3c8, 0x00);
    out8(0x3c9, 0x3f); out8(0x3c9, 0x00); out8(0x3c9, 0x00);
    out8(0x3c8, 0x0f);
    out8(0x3c9, 0x00); out8(0x3c9, 0x00); out8(0x3c9, 0x3f);
    /* 32x32 pattern 1: row 2, plane 0 0xA0 and plane 1 0x60 -> pixels
     * 0 inverted, 1 background, 2 foreground */
    uint32_t pat = VRAM - 0x4000 + 1 * 256;
    vram_write(pat, zero, 256);
    address_space_st(mem(), BAR0 + pat + 2 * 4, 0xa0, 1, NULL);
    address_space_st(mem(), BAR0 + pat + 128 + 2 * 4, 0x60, 1, NULL);
    sr(0x13, 1);
    sr(0x10 | (2 << 5), 1);                 /* x = 10 */
    sr(0x11 | (3 << 5), 0);                 /* y = 3 */
    sr(0x12, 0x01);
    DisplaySurface *s = refresh();
    assert_int_equal(surface_get_rgb(s, 10, 5), 0x102030 ^ 0xffffff);
    assert_int_equal(surface_get_rgb(s, 11, 5), 0xff0000);
    assert_int_equal(surface_get_rgb(s, 12, 5), 0x0000ff);
    assert_int_equal(surface_get_rgb(s, 13, 5), 0x102030);
    assert_int_equal(surface_get_rgb(s, 10, 4), 0x102030);
    /* moving it redraws both places */
    sr(0x10, 2);                            /* x = 16 */
    s = refresh();
    assert_int_equal(surface_get_rgb(s, 10, 5), 0x102030);
    assert_int_equal(surface_get_rgb(s, 16, 5), 0x102030 ^ 0xffffff);
    /* 64x64: pattern 1 (SR13 bits 5:2), 16 bytes a line, planes 8 apart;
     * partly off the right edge */
    uint32_t big = VRAM - 0x4000 + 4 * 256;
    uint8_t ones[16];
    memset(ones, 0, 8);
    memset(ones + 8, 0xff, 8);
    vram_write(big, zero, 256);
    vram_write(big + 16 * 1, ones, 16);     /* row 1: all foreground? plane 1 only: background */
    sr(0x13, 0x04);
    sr(0x12, 0x05);
    sr(0x10, 6);                            /* x = 48: 16 visible */
    sr(0x11, 0);
    s = refresh();
    assert_int_equal(surface_get_rgb(s, 48, 1), 0xff0000);
    assert_int_equal(surface_get_rgb(s, 63, 1), 0xff0000);
    assert_int_equal(surface_get_rgb(s, 47, 1), 0x102030);
    assert_int_equal(surface_get_rgb(s, 48, 0), 0x102030);
    sr(0x12, 0x00);
    assert_int_equal(surface_get_rgb(refresh(), 48, 1), 0x102030);
}

static void test_vgamem_values(void **state)
{
    static const char *const bad[] = { "romfile=", "vgamem_mb=2", "addr=5", NULL };
    Error *err = NULL;
    assert_null(harness_try_create("cirrus-vga", "c2", NULL, bad, &err));
    assert_non_null(strstr(error_get_pretty(err), "4, 8 or 16"));
    error_free(err);
}

int main(void)
{
    harness_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_pci_ids_and_bars, reset),
        cmocka_unit_test_setup(test_unlock_and_ids, reset),
        cmocka_unit_test_setup(test_hidden_dac, reset),
        cmocka_unit_test_setup(test_banks_and_linear, reset),
        cmocka_unit_test_setup(test_write_modes_4_and_5, reset),
        cmocka_unit_test_setup(test_blt_copy_every_rop, reset),
        cmocka_unit_test_setup(test_blt_expansion, reset),
        cmocka_unit_test_setup(test_blt_patterns_and_fill, reset),
        cmocka_unit_test_setup(test_blt_system_to_screen, reset),
        cmocka_unit_test_setup(test_blt_mmio_and_autostart, reset),
        cmocka_unit_test_setup(test_blt_hostile, reset),
        cmocka_unit_test_setup(test_blt_random_registers, reset),
        cmocka_unit_test_setup(test_hostile_registers, reset),
        cmocka_unit_test_setup(test_extended_modes, reset),
        cmocka_unit_test_setup(test_hardware_cursor, reset),
        cmocka_unit_test_setup(test_vgamem_values, reset),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
