/*
 * The standard VGA core shared by the PCI card (VGA) and the ISA card
 * (isa-vga): registers, video memory and the Bochs VBE (DISPI) extension.
 *
 * Register names and bits follow IBM's "VGA and XGA Technical Reference"
 * (register descriptions of the sequencer, CRT controller, graphics
 * controller, attribute controller and DAC) as summarised by FreeVGA
 * (http://www.osdever.net/FreeVGA/vga/vga.htm).  The DISPI interface is
 * Bochs' (vbe.h of the Bochs VGA BIOS) as QEMU implements it.
 *
 * Video memory is held with the four planes interleaved: byte 4 * a + p
 * is byte a of plane p.  Then a latched access is one 32-bit word, the
 * chain-4 view of mode 13h is plain linear memory, and the VBE linear
 * framebuffer is the same bytes seen directly.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef PLUGINS_VGA_INT_H
#define PLUGINS_VGA_INT_H

#include <cardcage/cardcage.h>

/* Port numbers (the colour CRTC at 0x3Dx, the mono one at 0x3Bx: Misc
 * Output bit 0 picks). */
#define VGA_PORT_BASE       0x3b0
#define VGA_PORT_COUNT      0x30
#define VBE_PORT_BASE       0x1ce   /* index; data at 0x1cf (and 0x1d0) */
#define VBE_PORT_COUNT      3
#define VGA_WINDOW_BASE     0xa0000
#define VGA_WINDOW_SIZE     0x20000

#define VGA_SR_COUNT        8
#define VGA_GR_COUNT        16
#define VGA_CR_COUNT        256     /* CR index is 8 bits; 0x00-0x18 exist */
#define VGA_AR_COUNT        0x15

/* Bochs VBE DISPI registers (vbe.h). */
enum {
    VBE_ID, VBE_XRES, VBE_YRES, VBE_BPP, VBE_ENABLE, VBE_BANK, VBE_VIRT_WIDTH,
    VBE_VIRT_HEIGHT, VBE_X_OFFSET, VBE_Y_OFFSET, VBE_VIDEO_MEMORY_64K, VBE_REG_COUNT
};
#define VBE_ID0             0xb0c0
#define VBE_ID5             0xb0c5
#define VBE_ENABLED         0x01
#define VBE_GETCAPS         0x02
#define VBE_8BIT_DAC        0x20
#define VBE_LFB_ENABLED     0x40
#define VBE_NOCLEARMEM      0x80
#define VBE_MAX_XRES        16000
#define VBE_MAX_YRES        12000
#define VBE_MAX_BPP         32

#define VGA_VRAM_MIN        (1u << 20)
#define VGA_VRAM_MAX        (256u << 20)
#define VGA_MAX_WIDTH       VBE_MAX_XRES
#define VGA_MAX_HEIGHT      VBE_MAX_YRES

typedef struct VGAState VGAState;

/* What one graphics frame reads from VRAM and how (vga-draw.c). */
typedef struct GfxFrame {
    int width, height;        /* dots */
    int src_pixels;           /* pixels read per line */
    int dot;                  /* dots per pixel */
    uint32_t bytes;           /* bytes read per line */
    uint32_t start, line_offset;
    int lc, repeat;
    unsigned kind;            /* 0 planar, 1 cga, 2 256-colour, 3 direct */
    unsigned bpp;             /* kind 3: 15, 16, 24 or 32 */
    int pan;
    uint32_t ext_sig;         /* an extension's state the picture depends on */
} GfxFrame;

/* Hooks through which a card built on this core (plugins/cirrus) adds
 * its own modes and a hardware cursor to the standard picture. */
typedef struct VGAExtensionOps {
    /* A graphics mode the standard registers do not describe: fill f and
     * return true, or return false for the standard decoding.  Called
     * after the dirty snapshot (vga_range_dirty works). */
    bool (*gfx_frame)(VGAState *s, GfxFrame *f);
    /* Draw over the finished display line y (width dots, XRGB8888). */
    void (*overlay)(VGAState *s, int y, uint32_t *line, int width);
} VGAExtensionOps;

struct VGAState {
    Object *owner;
    const VGAExtensionOps *ext;     /* NULL for the standard VGA */
    void *ext_opaque;
    MemoryRegion vram;              /* RAM: the planes, and the LFB */
    uint8_t *vram_ptr;
    uint32_t vram_size;             /* bytes, a power of two */
    uint32_t vram_size_mb;          /* property */
    MemoryRegion window;            /* 0xA0000-0xBFFFF */
    MemoryRegion ports;             /* 0x3B0-0x3DF */
    MemoryRegion vbe_ports;         /* 0x1CE-0x1D0 */

    /* sequencer, graphics controller, CRTC, attribute controller */
    uint8_t sr_index, sr[VGA_SR_COUNT];
    uint8_t gr_index, gr[VGA_GR_COUNT];
    uint8_t cr_index, cr[VGA_CR_COUNT];
    uint8_t ar_index, ar[VGA_AR_COUNT];
    bool ar_flip_flop;              /* false: next 0x3C0 write is the index */
    uint8_t msr;                    /* Miscellaneous Output */
    uint8_t fcr;                    /* Feature Control */
    uint8_t st01;                   /* Input Status #1 */
    uint8_t vga_enable;             /* 0x3C3 */
    /* DAC */
    uint8_t dac_state;              /* 0: write mode, 3: read mode (0x3C7) */
    uint8_t dac_sub_index;          /* 0..2: R, G, B */
    uint8_t dac_read_index, dac_write_index;
    uint8_t dac_cache[3];
    uint8_t pel_mask;
    uint8_t palette[768];
    bool dac_8bit;
    /* the latches of the four planes */
    uint32_t latch;
    /* VBE */
    uint16_t vbe_index;
    uint16_t vbe_regs[VBE_REG_COUNT];
    uint32_t vbe_start_addr;        /* bytes */
    uint32_t vbe_line_offset;       /* bytes */
    uint32_t bank_offset;           /* bytes, the 64 KiB window's bank */

    /* display */
    DisplayConsole *con;
    bool full_update;
    bool plane2_dirty;              /* the font may have changed */
    uint32_t last_sig;              /* hash of what the mode's picture depends on */
    uint64_t *dirty_bits;           /* one bit per 4 KiB page of VRAM */
    int64_t cursor_blink_time;      /* virtual ns of the next cursor blink */
    bool cursor_phase;
    unsigned blink_count;
    ConsoleTextCell *cells;         /* text mode: the cells drawn last */
    int cells_cols, cells_rows;
    ConsoleTextCell *text;          /* the visible cells, published to front ends */
    int text_cols, text_rows;
    int last_cursor;                /* the cursor cell drawn last, -1: none */
    bool last_blink_on;
    int last_mode;                  /* -1 none, 0 text, 1 graphics, 2 blank */
};

/* vga-core.c */
bool vga_common_init(VGAState *s, Object *owner, Error **errp);
void vga_common_finalize(VGAState *s);
void vga_common_reset(VGAState *s);
extern const MemoryRegionOps vga_port_ops, vga_window_ops, vbe_port_ops;
uint32_t vga_port_read(VGAState *s, uint32_t port);
void vga_port_write(VGAState *s, uint32_t port, uint32_t val);
uint32_t vbe_data_read(VGAState *s);
void vbe_data_write(VGAState *s, uint32_t val);
uint32_t vga_mem_read(VGAState *s, uint32_t addr);
void vga_mem_write(VGAState *s, uint32_t addr, uint32_t val);
bool vga_port_ignored(const VGAState *s, uint32_t port);
extern const VMStateDescription vmstate_vga_common;

/* vga-draw.c */
extern const DisplayCardOps vga_display_ops;
bool vga_range_dirty(const VGAState *s, uint64_t addr, uint64_t len);

/* The VGA BIOS of an ISA card (vga-isa-rom.c): handed to SeaBIOS through
 * fw_cfg, or mapped at 0xC0000 on a board without fw_cfg. */
typedef struct VGAISARom {
    MemoryRegion rom;
    bool mapped;
} VGAISARom;

bool vga_isa_rom_load(VGAISARom *r, ISADevice *dev, const char *romfile,
                      const char *default_romfile, Error **errp);
void vga_isa_rom_unload(VGAISARom *r, ISADevice *dev);
uint32_t vga_c6to8(uint8_t v);
int vga_vertical_display_end(const VGAState *s);
int vga_line_compare(const VGAState *s);

#endif
