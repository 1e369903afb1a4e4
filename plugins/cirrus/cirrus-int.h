/*
 * The Cirrus Logic CL-GD5446 on top of the standard VGA core
 * (plugins/vga): the extension registers, banked and linear video memory,
 * the BitBLT engine and the hardware cursor.
 *
 * Register names and bits follow Cirrus Logic's "CL-GD5446 Technical
 * Reference Manual" (second edition, 1996), chapters 8-10 (sequencer,
 * graphics controller and CRT controller extensions) and the BitBLT
 * chapter; the PCI function, BAR layout and reset values are those QEMU
 * 7.2's cirrus-vga presents (hw/display/cirrus_vga.c), so that its VGA BIOS
 * (vgabios-cirrus.bin) and guests' drivers see the same card.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef PLUGINS_CIRRUS_INT_H
#define PLUGINS_CIRRUS_INT_H

#include "vga-int.h"

/* The chip addresses 4 MiB (TRM, "Display Memory": 1, 2 or 4 MiB; QEMU's
 * 5446 has 4): vgamem_mb above that only sizes the VGA core's buffer. */
#define CIRRUS_VRAM_SIZE        (4u << 20)
#define CIRRUS_ID_5446          0xb8    /* CR27: device ID 0x2E in bits 7:2 */

/* SR6 key: writing 12h (bits 4, 2:0 compared) unlocks the extensions. */
#define SR6_UNLOCKED            0x12
#define SR6_LOCKED              0x0f
/* SR7 extended sequencer mode: bit 0 extended (linear) display memory,
 * bits 3:1 the pixel depth. */
#define SR7_EXTENDED            0x01
#define SR7_DEPTH_MASK          0x0e
/* SR12 graphics cursor attributes */
#define SR12_CURSOR_ENABLE      0x01
#define SR12_DAC_EXT_ACCESS     0x02    /* 3C9 reaches the cursor colours */
#define SR12_CURSOR_64          0x04
/* SR17 configuration readback and extended control */
#define SR17_MMIO_ENABLE        0x04
#define SR17_MMIO_LINEAR        0x40    /* with bit 2: at the top of the LFB */

/* GRB graphics controller mode extensions */
#define GRB_DUAL_BANK           0x01
#define GRB_BY8_ADDRESSING      0x02
#define GRB_EXT_WRITE_MODES     0x04
#define GRB_BY16_ADDRESSING     0x10    /* with bit 2: 16 bpp write modes 4/5 */
#define GRB_16K_GRANULARITY     0x20

/* GR30 BLT mode */
#define BLT_BACKWARDS           0x01
#define BLT_DST_SYSTEM          0x02
#define BLT_SRC_SYSTEM          0x04
#define BLT_TRANSPARENT         0x08
#define BLT_PIXEL_WIDTH_SHIFT   4       /* bits 5:4: 1, 2, 3 or 4 bytes */
#define BLT_PATTERN             0x40
#define BLT_COLOR_EXPAND        0x80
/* GR31 BLT start/status */
#define BLT_STATUS_BUSY         0x01
#define BLT_STATUS_START        0x02
#define BLT_STATUS_RESET        0x04
#define BLT_STATUS_PROGRESS     0x08
#define BLT_STATUS_AUTOSTART    0x80
/* GR33 BLT mode extensions */
#define BLTX_DWORD_GRANULARITY  0x01
#define BLTX_INVERT_EXPANSION   0x02
#define BLTX_SOLID_FILL         0x04

/* A line of system-memory source data: at most the 8 KiB a BLT width
 * (13 bits) can ask for. */
#define CIRRUS_BLTBUF_SIZE      8192

typedef struct CirrusState CirrusState;

typedef struct CirrusBlt {
    uint32_t width, height;         /* bytes a line, lines */
    uint32_t dst_pitch, src_pitch;
    uint32_t dst, src;              /* VRAM offsets */
    uint8_t mode, rop, ext;
    uint8_t skip;                   /* GR2F: left-edge pixels skipped */
    uint32_t fg, bg;
} CirrusBlt;

struct CirrusState {
    VGAState vga;
    uint32_t vram_size;             /* what the chip addresses */
    uint32_t addr_mask;
    /* sequencer and graphics controller: the full 8-bit indexes, the
     * extension registers (SR0-SR4, GR2-GR8 live in the VGA core) */
    uint8_t sr_index, sr[0x20];
    uint8_t gr_index, gr[0x40];     /* GR0/GR1 all 8 bits, GR5 7 bits */
    uint8_t hidden_dac, hidden_dac_reads;
    uint8_t cursor_palette[16 * 3]; /* entries 0 (background) and 15 (foreground) used */
    uint16_t cursor_x, cursor_y;

    /* a system-to-screen BLT collecting its source data */
    bool blt_feeding;
    CirrusBlt blt;
    uint32_t blt_line_bytes, blt_buf_pos, blt_lines_left, blt_next_dst;
    uint8_t blt_buf[CIRRUS_BLTBUF_SIZE];

    MemoryRegion ports;             /* 0x3B0-0x3DF, the VGA's with the extensions */
    MemoryRegion window;            /* 0xA0000-0xBFFFF */
    /* the card's hook: the linear framebuffer's fast path must follow
     * the modes that need the slow one */
    void (*memory_changed)(CirrusState *c);
    void *card;
};

/* cirrus-vga.c */
bool cirrus_init(CirrusState *c, Object *owner, Error **errp);
void cirrus_finalize(CirrusState *c);
void cirrus_reset(CirrusState *c);
bool cirrus_linear_fast(const CirrusState *c);
uint32_t cirrus_port_read(CirrusState *c, uint32_t port);
void cirrus_port_write(CirrusState *c, uint32_t port, uint32_t val);
uint32_t cirrus_linear_read(CirrusState *c, uint32_t addr);
void cirrus_linear_write(CirrusState *c, uint32_t addr, uint32_t val);
uint32_t cirrus_mmio_blt_read(CirrusState *c, uint32_t off);
void cirrus_mmio_blt_write(CirrusState *c, uint32_t off, uint32_t val);
extern const VMStateDescription vmstate_cirrus;

/* cirrus-blt.c */
void cirrus_blt_status_write(CirrusState *c, uint8_t val);
void cirrus_blt_start(CirrusState *c);
void cirrus_blt_feed(CirrusState *c, uint8_t val);
void cirrus_blt_abort(CirrusState *c);

#endif
