/*
 * The display layer (include/cardcage/display.h): surfaces, the consoles
 * cards own, the listeners front ends register and the refresh timer.
 *
 * Refresh is a timer on the virtual clock that is armed only while some
 * listener watches: a machine with no front end (-display none,
 * -nographic) never calls a card's update, and an idle screen under a
 * front end costs the card's look at its dirty bitmap.  The timer runs on
 * guest time so that a paused machine does not redraw and an -icount run
 * redraws at the same instructions each time.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/display.h>
#include <cardcage/memory.h>
#include <cardcage/timer.h>
#include "ui/display-internal.h"

#define DISPLAY_DEFAULT_HZ 30
#define DISPLAY_MAX_HZ 1000

struct DisplayConsole {
    int index;
    DeviceState *dev;
    const DisplayCardOps *ops;
    void *opaque;
    DisplaySurface *surface;
    GList *listeners;                /* DisplayListener * */
    const ConsoleTextCell *text;
    int text_cols, text_rows, cursor_x, cursor_y;
};

static GPtrArray *consoles;          /* DisplayConsole *, by index */
static int refresh_hz = DISPLAY_DEFAULT_HZ;
static Timer *refresh_timer;
static unsigned nr_listeners;

/* ---- surfaces ---- */

unsigned surface_bytes_per_pixel(DisplayPixelFormat fmt)
{
    switch (fmt) {
    case DISPLAY_FMT_XRGB8888: return 4;
    case DISPLAY_FMT_RGB888: return 3;
    case DISPLAY_FMT_RGB565:
    case DISPLAY_FMT_XRGB1555: return 2;
    }
    return 0;
}

static bool check_size(int width, int height, Error **errp)
{
    if (width <= 0 || height <= 0 || width > DISPLAY_MAX_SIDE || height > DISPLAY_MAX_SIDE) {
        error_setg(errp, "display surface %dx%d: each side must be 1 to %d pixels", width,
                   height, DISPLAY_MAX_SIDE);
        return false;
    }
    return true;
}

DisplaySurface *surface_create(int width, int height, Error **errp)
{
    if (!check_size(width, height, errp)) {
        return NULL;
    }
    uint8_t *data = g_try_malloc0((size_t)width * height * 4);
    if (!data) {
        error_setg(errp, "display surface %dx%d: out of host memory", width, height);
        return NULL;
    }
    DisplaySurface *s = g_new0(DisplaySurface, 1);
    *s = (DisplaySurface){ .width = width, .height = height, .stride = width * 4,
                           .format = DISPLAY_FMT_XRGB8888, .data = data, .owned = true };
    return s;
}

DisplaySurface *surface_create_from(int width, int height, int stride, DisplayPixelFormat fmt,
                                    uint8_t *data, Error **errp)
{
    unsigned bpp = surface_bytes_per_pixel(fmt);
    if (!check_size(width, height, errp)) {
        return NULL;
    }
    if (!bpp || !data || stride < (int64_t)width * bpp) {
        error_setg(errp, "display surface %dx%d: bad format or stride %d", width, height,
                   stride);
        return NULL;
    }
    DisplaySurface *s = g_new0(DisplaySurface, 1);
    *s = (DisplaySurface){ .width = width, .height = height, .stride = stride, .format = fmt,
                           .data = data, .owned = false };
    return s;
}

void surface_free(DisplaySurface *s)
{
    if (s) {
        if (s->owned) {
            g_free(s->data);
        }
        g_free(s);
    }
}

/* 5 or 6 bits widened to 8 by repeating the top bits, so full scale stays
 * full scale (0x1f -> 0xff). */
static uint32_t widen(uint32_t v, unsigned bits)
{
    return (v << (8 - bits)) | (v >> (2 * bits - 8));
}

uint32_t surface_get_rgb(const DisplaySurface *s, int x, int y)
{
    if (!s || x < 0 || y < 0 || x >= s->width || y >= s->height) {
        return 0;
    }
    const uint8_t *p = s->data + (size_t)y * s->stride + (size_t)x *
                       surface_bytes_per_pixel(s->format);
    uint32_t v;
    switch (s->format) {
    case DISPLAY_FMT_XRGB8888:
        return (p[0] | p[1] << 8 | p[2] << 16) & 0xffffff;
    case DISPLAY_FMT_RGB888:
        return p[0] | p[1] << 8 | p[2] << 16;
    case DISPLAY_FMT_RGB565:
        v = p[0] | p[1] << 8;
        return widen(v >> 11, 5) << 16 | widen((v >> 5) & 0x3f, 6) << 8 | widen(v & 0x1f, 5);
    case DISPLAY_FMT_XRGB1555:
        v = p[0] | p[1] << 8;
        return widen((v >> 10) & 0x1f, 5) << 16 | widen((v >> 5) & 0x1f, 5) << 8 |
               widen(v & 0x1f, 5);
    }
    return 0;
}

/* ---- refresh ---- */

static void refresh_arm(void)
{
    if (refresh_timer && nr_listeners) {
        timer_mod_ns(refresh_timer,
                     clock_get_ns(CC_CLOCK_VIRTUAL) + NANOSECONDS_PER_SECOND / refresh_hz);
    }
}

static void console_refresh(DisplayConsole *con, bool full)
{
    if (full && con->ops->invalidate) {
        con->ops->invalidate(con->opaque);
    }
    if (con->ops->update) {
        con->ops->update(con->opaque);
    }
    for (GList *l = con->listeners; l; l = l->next) {
        DisplayListener *dl = l->data;
        if (dl->ops->refreshed) {
            dl->ops->refreshed(dl);
        }
    }
}

static void refresh_tick(void *opaque)
{
    for (guint i = 0; consoles && i < consoles->len; i++) {
        DisplayConsole *con = g_ptr_array_index(consoles, i);
        if (con->listeners) {
            console_refresh(con, false);
        }
    }
    refresh_arm();
}

void display_refresh_now(DisplayConsole *con, bool full)
{
    if (con) {
        console_refresh(con, full);
        return;
    }
    for (guint i = 0; consoles && i < consoles->len; i++) {
        console_refresh(g_ptr_array_index(consoles, i), full);
    }
}

bool display_set_refresh_hz(int hz, Error **errp)
{
    if (hz < 1 || hz > DISPLAY_MAX_HZ) {
        error_setg(errp, "display refresh rate %d Hz: expected 1 to %d", hz, DISPLAY_MAX_HZ);
        return false;
    }
    refresh_hz = hz;
    refresh_arm();
    return true;
}

int display_refresh_hz(void)
{
    return refresh_hz;
}

/* ---- consoles ---- */

DisplayConsole *console_new(DeviceState *dev, const DisplayCardOps *ops, void *opaque)
{
    if (!consoles) {
        consoles = g_ptr_array_new();
    }
    DisplayConsole *con = g_new0(DisplayConsole, 1);
    con->index = (int)consoles->len;
    con->dev = dev;
    con->ops = ops;
    con->opaque = opaque;
    con->cursor_x = con->cursor_y = -1;
    g_ptr_array_add(consoles, con);
    return con;
}

void console_free(DisplayConsole *con)
{
    if (!con) {
        return;
    }
    while (con->listeners) {
        display_listener_unregister(con->listeners->data);
    }
    g_ptr_array_remove(consoles, con);
    for (guint i = 0; i < consoles->len; i++) {
        ((DisplayConsole *)g_ptr_array_index(consoles, i))->index = (int)i;
    }
    surface_free(con->surface);
    g_free(con);
}

DisplaySurface *console_surface(DisplayConsole *con)
{
    return con->surface;
}

void console_set_surface(DisplayConsole *con, DisplaySurface *surface)
{
    if (con->surface != surface) {
        surface_free(con->surface);
        con->surface = surface;
    }
    for (GList *l = con->listeners; l; l = l->next) {
        DisplayListener *dl = l->data;
        if (dl->ops->surface_changed) {
            dl->ops->surface_changed(dl, surface);
        }
    }
}

bool console_resize(DisplayConsole *con, int width, int height, Error **errp)
{
    DisplaySurface *s = con->surface;
    if (s && s->owned && s->width == width && s->height == height &&
        s->format == DISPLAY_FMT_XRGB8888) {
        return true;
    }
    DisplaySurface *n = surface_create(width, height, errp);
    if (!n) {
        return false;
    }
    console_set_surface(con, n);
    return true;
}

void console_update(DisplayConsole *con, int x, int y, int w, int h)
{
    DisplaySurface *s = con->surface;
    if (!s) {
        return;
    }
    int x1 = MIN(MAX(x + w, 0), s->width), y1 = MIN(MAX(y + h, 0), s->height);
    x = MIN(MAX(x, 0), s->width);
    y = MIN(MAX(y, 0), s->height);
    if (x1 <= x || y1 <= y) {
        return;
    }
    for (GList *l = con->listeners; l; l = l->next) {
        DisplayListener *dl = l->data;
        if (dl->ops->region_updated) {
            dl->ops->region_updated(dl, x, y, x1 - x, y1 - y);
        }
    }
}

void console_set_text(DisplayConsole *con, int cols, int rows, const ConsoleTextCell *cells,
                      int cursor_x, int cursor_y)
{
    con->text = cells;
    con->text_cols = cells ? cols : 0;
    con->text_rows = cells ? rows : 0;
    con->cursor_x = cursor_x;
    con->cursor_y = cursor_y;
}

void console_text_update(DisplayConsole *con, int x, int y, int w, int h)
{
    for (GList *l = con->listeners; l; l = l->next) {
        DisplayListener *dl = l->data;
        if (dl->ops->text_updated) {
            dl->ops->text_updated(dl, x, y, w, h);
        }
    }
}

const ConsoleTextCell *console_get_text(DisplayConsole *con, int *cols, int *rows)
{
    *cols = con->text_cols;
    *rows = con->text_rows;
    return con->text;
}

void console_get_cursor(DisplayConsole *con, int *x, int *y)
{
    *x = con->text ? con->cursor_x : -1;
    *y = con->text ? con->cursor_y : -1;
}

DisplayConsole *console_find(int index)
{
    if (!consoles || index < 0 || index >= (int)consoles->len) {
        return NULL;
    }
    return g_ptr_array_index(consoles, index);
}

DisplayConsole *console_find_by_device(const char *id)
{
    for (guint i = 0; consoles && i < consoles->len; i++) {
        DisplayConsole *con = g_ptr_array_index(consoles, i);
        const char *dev_id = con->dev ? device_get_id(con->dev) : NULL;
        if (dev_id && !strcmp(dev_id, id)) {
            return con;
        }
    }
    return NULL;
}

int console_index(DisplayConsole *con)
{
    return con->index;
}

DeviceState *console_device(DisplayConsole *con)
{
    return con->dev;
}

int console_count(void)
{
    return consoles ? (int)consoles->len : 0;
}

int display_listener_count(void)
{
    return (int)nr_listeners;
}

/* ---- listeners ---- */

bool display_listener_register(DisplayListener *dl, DisplayConsole *con, Error **errp)
{
    if (!con) {
        con = console_find(0);
    }
    if (!con) {
        error_setg(errp, "display '%s': the machine has no display console",
                   dl->ops && dl->ops->name ? dl->ops->name : "?");
        return false;
    }
    dl->con = con;
    con->listeners = g_list_append(con->listeners, dl);
    if (nr_listeners++ == 0) {
        /* Someone watches: start the dirty log, so the next refresh draws
         * all (every page starts dirty) and later ones only what changed. */
        memory_dirty_start(MEMORY_DIRTY_DISPLAY);
        if (!refresh_timer) {
            refresh_timer = timer_new_ns(CC_CLOCK_VIRTUAL, refresh_tick, NULL);
        }
        refresh_arm();
    }
    if (con->ops->invalidate) {
        con->ops->invalidate(con->opaque);
    }
    if (dl->ops->surface_changed && con->surface) {
        dl->ops->surface_changed(dl, con->surface);
    }
    return true;
}

void display_listener_unregister(DisplayListener *dl)
{
    DisplayConsole *con = dl->con;
    if (!con || !g_list_find(con->listeners, dl)) {
        return;
    }
    con->listeners = g_list_remove(con->listeners, dl);
    dl->con = NULL;
    if (--nr_listeners == 0) {
        memory_dirty_stop(MEMORY_DIRTY_DISPLAY);
        if (refresh_timer) {
            timer_del(refresh_timer);
        }
    }
}
