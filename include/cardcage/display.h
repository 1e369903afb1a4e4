/*
 * cardcage plugin SDK: the display layer (ABI 2.2).
 *
 * Between display cards and whatever shows their picture (a screendump, a
 * front end: VNC, a window, curses).  A card creates one console and draws
 * into the console's surface; front ends register listeners on a console and
 * are told when the surface changes size or format, which regions were
 * redrawn and (in text mode) which character cells changed.
 *
 *     static const DisplayCardOps my_ops = { .update = my_update,
 *                                            .invalidate = my_invalidate };
 *     realize:  s->con = console_new(DEVICE(s), &my_ops, s);
 *     my_update (called at the refresh rate, only while someone watches):
 *               ask the memory API which VRAM pages changed
 *               (memory_region_dirty_snapshot_and_clear(..., MEMORY_DIRTY_DISPLAY, ...)),
 *               redraw the lines they hold into console_surface(s->con),
 *               console_update(s->con, x, y, w, h) for each redrawn band;
 *               on a mode change console_resize() or console_set_surface() first.
 *
 * Refresh runs on a timer of the virtual clock at display_refresh_hz()
 * (default 30, -display ...,refresh-rate=N) while at least one listener is
 * registered, and not at all otherwise: with -display none or -nographic
 * an idle card costs nothing.  The layer starts the MEMORY_DIRTY_DISPLAY
 * client while it refreshes and stops it when the last listener leaves.
 * A screendump runs one full update on its own (invalidate, then update).
 *
 * Pixel formats are little-endian words as in host memory on x86:
 * XRGB8888 (blue in the lowest byte), RGB888 (3 bytes: blue, green, red),
 * RGB565, XRGB1555.  A console's own surface (console_resize) is XRGB8888;
 * a card may instead hand a surface over its VRAM in any of the formats
 * (console_set_surface with surface_create_from), so a linear framebuffer
 * mode needs no copy.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_DISPLAY_H
#define CARDCAGE_DISPLAY_H

#include <cardcage/device.h>

typedef enum DisplayPixelFormat {
    DISPLAY_FMT_XRGB8888,
    DISPLAY_FMT_RGB888,
    DISPLAY_FMT_RGB565,
    DISPLAY_FMT_XRGB1555,
} DisplayPixelFormat;

/* Largest surface the layer accepts (each side), and the bytes per pixel
 * of a format (0 for an unknown one). */
#define DISPLAY_MAX_SIDE 16384
CC_API unsigned surface_bytes_per_pixel(DisplayPixelFormat fmt);

typedef struct DisplaySurface {
    int width, height;
    int stride;                  /* bytes from one line to the next */
    DisplayPixelFormat format;
    uint8_t *data;
    bool owned;                  /* data is the surface's own (freed with it) */
} DisplaySurface;

/* A zeroed XRGB8888 surface; NULL (errp set) when a side is 0 or larger
 * than DISPLAY_MAX_SIDE or the host has no memory. */
CC_API DisplaySurface *surface_create(int width, int height, Error **errp);
/* A surface over memory the caller owns (VRAM): the caller guarantees
 * height * stride bytes at data stay valid while the surface is in use.
 * NULL (errp set) on a bad size, format or a stride shorter than a line. */
CC_API DisplaySurface *surface_create_from(int width, int height, int stride,
                                           DisplayPixelFormat fmt, uint8_t *data,
                                           Error **errp);
CC_API void surface_free(DisplaySurface *s);
/* The pixel at (x, y) as 0xRRGGBB (0 outside the surface). */
CC_API uint32_t surface_get_rgb(const DisplaySurface *s, int x, int y);

/* ---- consoles: what a card owns ---- */

typedef struct DisplayConsole DisplayConsole;

/* A character cell of a text screen, for text front ends (curses). */
typedef struct ConsoleTextCell {
    uint8_t ch;                  /* code page 437 */
    uint8_t attr;                /* VGA attribute: background << 4 | foreground */
} ConsoleTextCell;

typedef struct DisplayCardOps {
    /* Redraw what changed since the last call into the surface and report
     * it with console_update. */
    void (*update)(void *opaque);
    /* Forget what was drawn: the next update redraws everything. */
    void (*invalidate)(void *opaque);
} DisplayCardOps;

/* A new console for dev (its id names the console in screendump's
 * "device"); consoles are numbered from 0 in creation order. */
CC_API DisplayConsole *console_new(DeviceState *dev, const DisplayCardOps *ops, void *opaque);
/* Remove it (the card is unrealized): listeners are detached. */
CC_API void console_free(DisplayConsole *con);
CC_API DisplaySurface *console_surface(DisplayConsole *con);
/* Replace the surface (taken over; the old one is freed) and tell the
 * listeners. */
CC_API void console_set_surface(DisplayConsole *con, DisplaySurface *surface);
/* Give the console an XRGB8888 surface of its own of this size, unless it
 * already has one; false (errp set) on a bad size. */
CC_API bool console_resize(DisplayConsole *con, int width, int height, Error **errp);
/* The card redrew the rectangle (clipped to the surface). */
CC_API void console_update(DisplayConsole *con, int x, int y, int w, int h);
/* Text mode: the card's cells (cols * rows, row by row; NULL when not in
 * text mode) and the cursor (-1, -1 when hidden).  The array belongs to
 * the card and stays valid until the next call. */
CC_API void console_set_text(DisplayConsole *con, int cols, int rows,
                             const ConsoleTextCell *cells, int cursor_x, int cursor_y);
/* Text mode: the cells of the rectangle changed. */
CC_API void console_text_update(DisplayConsole *con, int x, int y, int w, int h);

/* ---- front ends ---- */

typedef struct DisplayListener DisplayListener;
typedef struct DisplayListenerOps {
    const char *name;
    void (*surface_changed)(DisplayListener *dl, DisplaySurface *surface);
    void (*region_updated)(DisplayListener *dl, int x, int y, int w, int h);
    void (*text_updated)(DisplayListener *dl, int x, int y, int w, int h);
    /* After every refresh (the front end flushes its updates). */
    void (*refreshed)(DisplayListener *dl);
} DisplayListenerOps;

struct DisplayListener {
    const DisplayListenerOps *ops;
    DisplayConsole *con;         /* set by display_listener_register */
    void *opaque;
};

/* Watch con (NULL: console 0); refresh runs while any listener is there.
 * false (errp set) when there is no such console. */
CC_API bool display_listener_register(DisplayListener *dl, DisplayConsole *con,
                                      Error **errp);
CC_API void display_listener_unregister(DisplayListener *dl);

/* Console index (from 0), or the one of the device with this id; NULL
 * when there is none. */
CC_API DisplayConsole *console_find(int index);
CC_API DisplayConsole *console_find_by_device(const char *id);
/* The text cells of a console (NULL when not in text mode). */
CC_API const ConsoleTextCell *console_get_text(DisplayConsole *con, int *cols, int *rows);

/* Refresh rate in Hz (1..1000); false (errp set) outside it. */
CC_API bool display_set_refresh_hz(int hz, Error **errp);
CC_API int display_refresh_hz(void);
/* Run one refresh of con now (all consoles when NULL), whether or not
 * anyone watches: the screendump's and the tests' way in. */
CC_API void display_refresh_now(DisplayConsole *con, bool full);

typedef enum DisplayImageFormat {
    DISPLAY_IMAGE_PPM,
    DISPLAY_IMAGE_PNG,
} DisplayImageFormat;

/* Write con's picture, freshly redrawn, to path. */
CC_API bool display_screendump(DisplayConsole *con, const char *path, DisplayImageFormat fmt,
                               Error **errp);

#endif
