/*
 * The EDID block the PCI VGA shows at the start of BAR2, as QEMU's "VGA"
 * does (edid=on): Linux's bochs DRM driver reads it there and takes the
 * monitor's preferred mode from it instead of its own 1024x768 default.
 *
 * The layout is VESA's E-EDID standard, release A revision 2 (EDID 1.4),
 * section 3; the section numbers below are that document's.  The monitor
 * is made up: 100 dots per inch, sRGB, a preferred mode of xres x yres at
 * 60 Hz with reduced blanking (the fixed blanking of VESA's CVT
 * reduced-blanking timings: a 160-pixel horizontal blank, at least 460 us
 * of vertical blank), and the usual lower modes as established and
 * standard timings.
 *
 * SPDX-License-Identifier: MIT
 */
#include "vga-edid.h"

#include <string.h>

/* CVT reduced blanking (VESA CVT 1.2, section 3.4): horizontal blank,
 * front porch and sync width in pixels; vertical front porch and the
 * shortest vertical blank. */
#define RB_H_BLANK      160
#define RB_H_FRONT      48
#define RB_H_SYNC       32
#define RB_V_FRONT      3
#define RB_V_BLANK_US   460
#define REFRESH_HZ      60
#define DPI             100

/* 3.11.1: a detailed timing's pixel clock is 16 bits in 10 kHz units. */
#define MAX_CLOCK_10KHZ 65535u

typedef struct Timing {
    uint32_t hblank, vblank, vsync, clock_10khz;
} Timing;

/* CVT 1.2 table 3-2: the vertical sync width says the aspect ratio. */
static uint32_t vsync_lines(uint32_t x, uint32_t y)
{
    if (x * 3 == y * 4) {
        return 4;
    }
    if (x * 9 == y * 16) {
        return 5;
    }
    if (x * 10 == y * 16) {
        return 6;
    }
    if (x * 4 == y * 5) {
        return 7;
    }
    return 10;
}

static Timing timing_for(uint32_t x, uint32_t y)
{
    Timing t = { .hblank = RB_H_BLANK, .vsync = vsync_lines(x, y) };
    /* The vertical blank: at least 460 us of a 60 Hz frame, whose line
     * time is 1 / (60 * vtotal); solved for the blank lines with the
     * active lines given: blank >= 460e-6 * 60 * (y + blank). */
    uint64_t num = (uint64_t)RB_V_BLANK_US * REFRESH_HZ * y;
    uint64_t den = 1000000u - (uint64_t)RB_V_BLANK_US * REFRESH_HZ;
    t.vblank = (uint32_t)((num + den - 1) / den);
    if (t.vblank < RB_V_FRONT + t.vsync + 6) {     /* CVT's minimum back porch: 6 */
        t.vblank = RB_V_FRONT + t.vsync + 6;
    }
    uint64_t hz = (uint64_t)(x + t.hblank) * (y + t.vblank) * REFRESH_HZ;
    t.clock_10khz = (uint32_t)((hz + 5000) / 10000);
    return t;
}

bool vga_edid_check(uint32_t xres, uint32_t yres, Error **errp)
{
    /* 3.11.1: active and blank sizes are 12-bit fields. */
    if (xres < 640 || xres > 4095 - RB_H_BLANK || yres < 480 || yres > 4000) {
        error_setg(errp, "EDID mode %ux%u: expected 640x480 to %ux4000", xres, yres,
                   4095 - RB_H_BLANK);
        return false;
    }
    if (timing_for(xres, yres).clock_10khz > MAX_CLOCK_10KHZ) {
        error_setg(errp, "EDID mode %ux%u: its pixel clock at %u Hz exceeds the 655.35 MHz "
                   "an EDID detailed timing can hold", xres, yres, REFRESH_HZ);
        return false;
    }
    return true;
}

/* 3.11.1, table 3.21: the 18-byte detailed timing descriptor. */
static void put_detailed_timing(uint8_t *d, uint32_t x, uint32_t y)
{
    Timing t = timing_for(x, y);
    uint32_t hsync_off = RB_H_FRONT, hsync_w = RB_H_SYNC;
    uint32_t vsync_off = RB_V_FRONT, vsync_w = t.vsync;
    uint32_t wmm = x * 254 / (DPI * 10), hmm = y * 254 / (DPI * 10);
    d[0] = t.clock_10khz & 0xff;
    d[1] = t.clock_10khz >> 8;
    d[2] = x & 0xff;
    d[3] = t.hblank & 0xff;
    d[4] = (uint8_t)(((x >> 8) & 0xf) << 4 | ((t.hblank >> 8) & 0xf));
    d[5] = y & 0xff;
    d[6] = t.vblank & 0xff;
    d[7] = (uint8_t)(((y >> 8) & 0xf) << 4 | ((t.vblank >> 8) & 0xf));
    d[8] = hsync_off & 0xff;
    d[9] = hsync_w & 0xff;
    d[10] = (uint8_t)((vsync_off & 0xf) << 4 | (vsync_w & 0xf));
    d[11] = (uint8_t)(((hsync_off >> 8) & 3) << 6 | ((hsync_w >> 8) & 3) << 4 |
                      ((vsync_off >> 4) & 3) << 2 | ((vsync_w >> 4) & 3));
    d[12] = wmm & 0xff;
    d[13] = hmm & 0xff;
    d[14] = (uint8_t)(((wmm >> 8) & 0xf) << 4 | ((hmm >> 8) & 0xf));
    /* Table 3.22: digital separate sync; reduced blanking's polarities are
     * horizontal positive, vertical negative (CVT 1.2, 3.4). */
    d[17] = 0x18 | 0x02;
}

/* 3.10.3: display descriptors start with 00 00 00, a tag, 00. */
static void put_text_descriptor(uint8_t *d, uint8_t tag, const char *text)
{
    d[3] = tag;
    size_t n = strlen(text);
    if (n > 13) {
        n = 13;
    }
    memcpy(d + 5, text, n);
    /* 3.10.3.4: a string shorter than 13 bytes ends with 0Ah, then 20h. */
    for (size_t i = n; i < 13; i++) {
        d[5 + i] = i == n ? 0x0a : 0x20;
    }
}

/* 3.10.3.3: range limits: the frequencies the made-up monitor takes,
 * wide enough for every mode listed (the standard timings' DMT versions
 * have more blanking, so a higher clock, than the reduced-blanking
 * preferred mode: a quarter more covers them). */
static void put_range_limits(uint8_t *d, uint32_t x, const Timing *t)
{
    uint32_t hkhz = (t->clock_10khz * 10 + (x + t->hblank) - 1) / (x + t->hblank);
    uint32_t mhz10 = (t->clock_10khz * 5 / 4 + 999) / 1000;    /* 10 MHz units */
    d[3] = 0xfd;
    d[5] = 50;                              /* vertical, Hz */
    d[6] = 125;
    d[7] = 28;                              /* horizontal, kHz */
    d[8] = (uint8_t)(hkhz > 160 ? (hkhz > 255 ? 255 : hkhz) : 160);
    d[9] = (uint8_t)(mhz10 > 255 ? 255 : mhz10);
    d[10] = 0x01;                           /* range limits only, no formula */
    d[11] = 0x0a;
    memset(d + 12, 0x20, 6);
}

/* 3.9: a standard timing, two bytes: (width / 8) - 31, then the aspect
 * ratio in bits 7-6 (00 16:10, 01 4:3, 10 5:4, 11 16:9) and the refresh
 * rate minus 60. */
static const struct { uint16_t x, y; uint8_t aspect; } standard_modes[] = {
    { 1152, 864, 1 }, { 1280, 720, 3 }, { 1280, 960, 1 }, { 1280, 1024, 2 },
    { 1440, 900, 0 }, { 1600, 1200, 1 }, { 1680, 1050, 0 }, { 1920, 1080, 3 },
};

void vga_edid_build(uint8_t edid[VGA_EDID_SIZE], uint32_t xres, uint32_t yres)
{
    memset(edid, 0, VGA_EDID_SIZE);
    /* 3.3: the header */
    static const uint8_t header[8] = { 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00 };
    memcpy(edid, header, sizeof(header));
    /* 3.4: vendor "CCG" (three 5-bit letters, A = 1, big-endian), product
     * 0x1111 (the card's device id), no serial, model year 2026. */
    uint16_t vendor = (uint16_t)(('C' - '@') << 10 | ('C' - '@') << 5 | ('G' - '@'));
    edid[8] = vendor >> 8;
    edid[9] = vendor & 0xff;
    edid[10] = 0x11;
    edid[11] = 0x11;
    edid[16] = 0xff;                        /* week FFh: the year is the model year */
    edid[17] = 2026 - 1990;
    /* 3.5: EDID 1.4 */
    edid[18] = 1;
    edid[19] = 4;
    /* 3.6: digital input, 8 bits per colour; the size in cm; gamma 2.2
     * stored as 100 * (gamma - 1); sRGB default colour space, preferred
     * timing is native, RGB 4:4:4. */
    edid[20] = 0x80 | 0x20;
    edid[21] = (uint8_t)((xres * 254 / DPI + 50) / 100);
    edid[22] = (uint8_t)((yres * 254 / DPI + 50) / 100);
    edid[23] = 220 - 100;
    edid[24] = 0x04 | 0x02;
    /* 3.7: chromaticity of sRGB (IEC 61966-2-1): red, green, blue and white
     * x and y as 10-bit binary fractions (value * 1024). */
    static const uint16_t chroma[8] = {
        655, 338,       /* red 0.640, 0.330 */
        307, 614,       /* green 0.300, 0.600 */
        154, 61,        /* blue 0.150, 0.060 */
        320, 337,       /* white D65 0.3127, 0.3290 */
    };
    edid[25] = (uint8_t)((chroma[0] & 3) << 6 | (chroma[1] & 3) << 4 |
                         (chroma[2] & 3) << 2 | (chroma[3] & 3));
    edid[26] = (uint8_t)((chroma[4] & 3) << 6 | (chroma[5] & 3) << 4 |
                         (chroma[6] & 3) << 2 | (chroma[7] & 3));
    for (int i = 0; i < 8; i++) {
        edid[27 + i] = (uint8_t)(chroma[i] >> 2);
    }
    /* 3.8, table 3.19: established timings 640x480, 800x600 and 1024x768
     * at 60 Hz, those that fit the preferred mode. */
    if (xres >= 640 && yres >= 480) {
        edid[35] |= 0x20;
    }
    if (xres >= 800 && yres >= 600) {
        edid[35] |= 0x01;
    }
    if (xres >= 1024 && yres >= 768) {
        edid[36] |= 0x08;
    }
    /* 3.9: up to eight standard timings; unused ones are 01h 01h. */
    int n = 0;
    for (size_t i = 0; i < sizeof(standard_modes) / sizeof(standard_modes[0]); i++) {
        if (standard_modes[i].x <= xres && standard_modes[i].y <= yres) {
            edid[38 + 2 * n] = (uint8_t)(standard_modes[i].x / 8 - 31);
            edid[39 + 2 * n] = (uint8_t)(standard_modes[i].aspect << 6 | (REFRESH_HZ - 60));
            n++;
        }
    }
    for (; n < 8; n++) {
        edid[38 + 2 * n] = 0x01;
        edid[39 + 2 * n] = 0x01;
    }
    /* 3.10: four 18-byte descriptors: the preferred mode first (1.4
     * requires it), the range limits, the name, and a dummy (tag 10h). */
    put_detailed_timing(edid + 54, xres, yres);
    Timing t = timing_for(xres, yres);
    put_range_limits(edid + 72, xres, &t);
    put_text_descriptor(edid + 90, 0xfc, "cardcage");
    edid[108 + 3] = 0x10;
    /* 3.12: no extension blocks; the checksum makes the 128 bytes sum to 0. */
    edid[126] = 0;
    uint8_t sum = 0;
    for (int i = 0; i < VGA_EDID_SIZE - 1; i++) {
        sum = (uint8_t)(sum + edid[i]);
    }
    edid[127] = (uint8_t)(0x100 - sum);
}
