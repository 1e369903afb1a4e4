/*
 * The SDL2 window (-display sdl; the default when a desktop is there).
 *
 * Threads: none.  SDL's video calls are made on the main thread only.
 * SDL's event queue (keys, mouse, window events, the close button) is
 * drained when the X server's connection has something to read (a GLib
 * watch on its descriptor, so an idle window costs no wake-ups), and after
 * each draw, which may have read events off that connection into Xlib's
 * queue; on another video driver (Wayland) a GLib timeout drains it every
 * SDL_POLL_MS instead.  The title follows the run state through its change
 * notifier.  The picture is drawn from the display listener's calls, after
 * each refresh, for the regions the card reported redrawn; a refresh that
 * redrew nothing draws nothing.  So a paused machine draws nothing but
 * still answers its window.
 *
 * The picture: the console's surface is wrapped (not copied) in an SDL
 * surface of the same pixel format and blitted to the window's surface,
 * which SDL converts to the window's format.  At the guest's size (the
 * window follows each mode change) only the dirty rectangle is copied; a
 * window the user resized gets the whole picture scaled to it.
 *
 * Input: keys go to the guest as the physical keys they are (SDL's
 * scancodes are USB HID usages, which this file maps to PC scan codes), so
 * the guest's own layout applies and -k is not needed.  Ctrl+Alt+G grabs
 * and releases the pointer, as QEMU's; a click in the window grabs it too.
 * While grabbed, SDL's relative motion goes to the PS/2 mouse.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <glib-unix.h>
#include <SDL.h>
#include <SDL_syswm.h>
#include <cardcage/display.h>
#include <cardcage/input.h>
#include <cardcage/log.h>
#include <cardcage/system.h>
#include "cpu/cpu.h"
#include "main/runstate.h"
#include "ui/display-internal.h"
#include "ui/frontend.h"

/* Without a descriptor to watch (not X11): how often SDL's events are
 * read (ms); keys and pointer motion are passed on within this.  QEMU's
 * window reads them every 30 ms; at 10 ms the reading alone cost an idle
 * machine 1 % of a core. */
#define SDL_POLL_MS 30
/* Window size before the card has drawn anything. */
#define SDL_BLANK_WIDTH 640
#define SDL_BLANK_HEIGHT 480

LOG_CATEGORY(sdl_log, "sdl", "the SDL window: grabs, window events, mode changes");

typedef struct SdlUI {
    DisplayListener dl;
    SDL_Window *win;
    DisplaySurface *surface;         /* the console's */
    SDL_Surface *guest;              /* over surface->data */
    bool dirty;
    int dx0, dy0, dx1, dy1;          /* the redrawn rectangle since the last draw */
    guint poll_source;
    bool grabbed;
    unsigned buttons;
    const char *title_status;        /* what the title shows now */
    bool title_grabbed;
    uint8_t held[256];               /* qnums the window holds down */
} SdlUI;

static SdlUI sdl;

static void sdl_drain(void);

/* ---- the picture ---- */

static SDL_PixelFormatEnum sdl_format(DisplayPixelFormat f)
{
    switch (f) {
    case DISPLAY_FMT_XRGB8888: return SDL_PIXELFORMAT_RGB888;  /* 32-bit word, blue low */
    case DISPLAY_FMT_RGB888: return SDL_PIXELFORMAT_BGR24;     /* bytes blue, green, red */
    case DISPLAY_FMT_RGB565: return SDL_PIXELFORMAT_RGB565;
    case DISPLAY_FMT_XRGB1555: return SDL_PIXELFORMAT_RGB555;
    }
    return SDL_PIXELFORMAT_UNKNOWN;
}

static void draw(bool full)
{
    SDL_Surface *ws = SDL_GetWindowSurface(sdl.win);
    if (!ws) {
        return;
    }
    if (!sdl.guest) {
        SDL_FillRect(ws, NULL, SDL_MapRGB(ws->format, 0, 0, 0));
        SDL_UpdateWindowSurface(sdl.win);
        return;
    }
    if (!full && !sdl.dirty) {
        return;                      /* an unchanged screen costs nothing */
    }
    if (ws->w == sdl.guest->w && ws->h == sdl.guest->h) {
        SDL_Rect r = { 0, 0, ws->w, ws->h };
        if (!full) {
            r = (SDL_Rect){ sdl.dx0, sdl.dy0, sdl.dx1 - sdl.dx0, sdl.dy1 - sdl.dy0 };
        }
        SDL_Rect dst = r;
        SDL_BlitSurface(sdl.guest, &r, ws, &dst);
        SDL_UpdateWindowSurfaceRects(sdl.win, &r, 1);
    } else {
        SDL_BlitScaled(sdl.guest, NULL, ws, NULL);
        SDL_UpdateWindowSurface(sdl.win);
    }
    sdl.dirty = false;
}

static void sdl_surface_changed(DisplayListener *dl, DisplaySurface *surface)
{
    if (sdl.guest) {
        SDL_FreeSurface(sdl.guest);
        sdl.guest = NULL;
    }
    sdl.surface = surface;
    if (!surface) {
        return;
    }
    sdl.guest = SDL_CreateRGBSurfaceWithFormatFrom(surface->data, surface->width,
                                                   surface->height,
                                                   SDL_BITSPERPIXEL(sdl_format(surface->format)),
                                                   surface->stride,
                                                   sdl_format(surface->format));
    if (!sdl.guest) {
        log_mask(sdl_log, "sdl: cannot wrap the %dx%d picture: %s\n", surface->width,
                 surface->height, SDL_GetError());
        return;
    }
    SDL_SetSurfaceBlendMode(sdl.guest, SDL_BLENDMODE_NONE);
    int w, h;
    SDL_GetWindowSize(sdl.win, &w, &h);
    if (w != surface->width || h != surface->height) {
        /* A new mode: the window takes the guest's size (1:1), as QEMU's. */
        SDL_SetWindowSize(sdl.win, surface->width, surface->height);
        log_mask(sdl_log, "sdl: window %dx%d\n", surface->width, surface->height);
    }
    draw(true);
    sdl_drain();
}

static void sdl_region_updated(DisplayListener *dl, int x, int y, int w, int h)
{
    if (!sdl.dirty) {
        sdl.dx0 = x;
        sdl.dy0 = y;
        sdl.dx1 = x + w;
        sdl.dy1 = y + h;
        sdl.dirty = true;
        return;
    }
    sdl.dx0 = MIN(sdl.dx0, x);
    sdl.dy0 = MIN(sdl.dy0, y);
    sdl.dx1 = MAX(sdl.dx1, x + w);
    sdl.dy1 = MAX(sdl.dy1, y + h);
}

static void sdl_refreshed(DisplayListener *dl)
{
    if (sdl.dirty) {
        draw(false);
        sdl_drain();
    }
}

static const DisplayListenerOps sdl_listener_ops = {
    .name = "sdl",
    .surface_changed = sdl_surface_changed,
    .region_updated = sdl_region_updated,
    .refreshed = sdl_refreshed,
};

/* ---- the title ---- */

/* "cardcage (NAME) [STATE]": -name, or the board; the run state as
 * query-status names it (running, paused, prelaunch, debug...). */
static void update_title(bool force)
{
    const char *status = runstate_status_name(cpu_first());
    if (!force && status == sdl.title_status && sdl.grabbed == sdl.title_grabbed) {
        return;
    }
    sdl.title_status = status;
    sdl.title_grabbed = sdl.grabbed;
    const char *name = runstate_guest_name() ? runstate_guest_name() : board_get_name();
    char *title = g_strdup_printf("cardcage (%s) [%s]%s", name ? name : "?", status,
                                  sdl.grabbed ? " - Press Ctrl+Alt+G to release grab" : "");
    SDL_SetWindowTitle(sdl.win, title);
    g_free(title);
}

/* ---- keyboard ---- */

/* USB HID usages (SDL scancodes; HID Usage Tables 1.12, section 10) to
 * qnums (the PC scan code set 1 make code, + 0x80 for E0-prefixed keys). */
static const uint8_t scancode_qnum[SDL_NUM_SCANCODES] = {
    [SDL_SCANCODE_A] = 0x1e, [SDL_SCANCODE_B] = 0x30, [SDL_SCANCODE_C] = 0x2e,
    [SDL_SCANCODE_D] = 0x20, [SDL_SCANCODE_E] = 0x12, [SDL_SCANCODE_F] = 0x21,
    [SDL_SCANCODE_G] = 0x22, [SDL_SCANCODE_H] = 0x23, [SDL_SCANCODE_I] = 0x17,
    [SDL_SCANCODE_J] = 0x24, [SDL_SCANCODE_K] = 0x25, [SDL_SCANCODE_L] = 0x26,
    [SDL_SCANCODE_M] = 0x32, [SDL_SCANCODE_N] = 0x31, [SDL_SCANCODE_O] = 0x18,
    [SDL_SCANCODE_P] = 0x19, [SDL_SCANCODE_Q] = 0x10, [SDL_SCANCODE_R] = 0x13,
    [SDL_SCANCODE_S] = 0x1f, [SDL_SCANCODE_T] = 0x14, [SDL_SCANCODE_U] = 0x16,
    [SDL_SCANCODE_V] = 0x2f, [SDL_SCANCODE_W] = 0x11, [SDL_SCANCODE_X] = 0x2d,
    [SDL_SCANCODE_Y] = 0x15, [SDL_SCANCODE_Z] = 0x2c,
    [SDL_SCANCODE_1] = 0x02, [SDL_SCANCODE_2] = 0x03, [SDL_SCANCODE_3] = 0x04,
    [SDL_SCANCODE_4] = 0x05, [SDL_SCANCODE_5] = 0x06, [SDL_SCANCODE_6] = 0x07,
    [SDL_SCANCODE_7] = 0x08, [SDL_SCANCODE_8] = 0x09, [SDL_SCANCODE_9] = 0x0a,
    [SDL_SCANCODE_0] = 0x0b,
    [SDL_SCANCODE_RETURN] = 0x1c, [SDL_SCANCODE_ESCAPE] = 0x01,
    [SDL_SCANCODE_BACKSPACE] = 0x0e, [SDL_SCANCODE_TAB] = 0x0f, [SDL_SCANCODE_SPACE] = 0x39,
    [SDL_SCANCODE_MINUS] = 0x0c, [SDL_SCANCODE_EQUALS] = 0x0d,
    [SDL_SCANCODE_LEFTBRACKET] = 0x1a, [SDL_SCANCODE_RIGHTBRACKET] = 0x1b,
    [SDL_SCANCODE_BACKSLASH] = 0x2b, [SDL_SCANCODE_NONUSHASH] = 0x2b,
    [SDL_SCANCODE_SEMICOLON] = 0x27, [SDL_SCANCODE_APOSTROPHE] = 0x28,
    [SDL_SCANCODE_GRAVE] = 0x29, [SDL_SCANCODE_COMMA] = 0x33, [SDL_SCANCODE_PERIOD] = 0x34,
    [SDL_SCANCODE_SLASH] = 0x35, [SDL_SCANCODE_CAPSLOCK] = 0x3a,
    [SDL_SCANCODE_F1] = 0x3b, [SDL_SCANCODE_F2] = 0x3c, [SDL_SCANCODE_F3] = 0x3d,
    [SDL_SCANCODE_F4] = 0x3e, [SDL_SCANCODE_F5] = 0x3f, [SDL_SCANCODE_F6] = 0x40,
    [SDL_SCANCODE_F7] = 0x41, [SDL_SCANCODE_F8] = 0x42, [SDL_SCANCODE_F9] = 0x43,
    [SDL_SCANCODE_F10] = 0x44, [SDL_SCANCODE_F11] = 0x57, [SDL_SCANCODE_F12] = 0x58,
    [SDL_SCANCODE_PRINTSCREEN] = 0xb7, [SDL_SCANCODE_SCROLLLOCK] = 0x46,
    [SDL_SCANCODE_PAUSE] = 0xc6, [SDL_SCANCODE_INSERT] = 0xd2, [SDL_SCANCODE_HOME] = 0xc7,
    [SDL_SCANCODE_PAGEUP] = 0xc9, [SDL_SCANCODE_DELETE] = 0xd3, [SDL_SCANCODE_END] = 0xcf,
    [SDL_SCANCODE_PAGEDOWN] = 0xd1, [SDL_SCANCODE_RIGHT] = 0xcd, [SDL_SCANCODE_LEFT] = 0xcb,
    [SDL_SCANCODE_DOWN] = 0xd0, [SDL_SCANCODE_UP] = 0xc8,
    [SDL_SCANCODE_NUMLOCKCLEAR] = 0x45, [SDL_SCANCODE_KP_DIVIDE] = 0xb5,
    [SDL_SCANCODE_KP_MULTIPLY] = 0x37, [SDL_SCANCODE_KP_MINUS] = 0x4a,
    [SDL_SCANCODE_KP_PLUS] = 0x4e, [SDL_SCANCODE_KP_ENTER] = 0x9c,
    [SDL_SCANCODE_KP_1] = 0x4f, [SDL_SCANCODE_KP_2] = 0x50, [SDL_SCANCODE_KP_3] = 0x51,
    [SDL_SCANCODE_KP_4] = 0x4b, [SDL_SCANCODE_KP_5] = 0x4c, [SDL_SCANCODE_KP_6] = 0x4d,
    [SDL_SCANCODE_KP_7] = 0x47, [SDL_SCANCODE_KP_8] = 0x48, [SDL_SCANCODE_KP_9] = 0x49,
    [SDL_SCANCODE_KP_0] = 0x52, [SDL_SCANCODE_KP_PERIOD] = 0x53,
    [SDL_SCANCODE_NONUSBACKSLASH] = 0x56, [SDL_SCANCODE_APPLICATION] = 0xdd,
    [SDL_SCANCODE_KP_EQUALS] = 0x59,
    [SDL_SCANCODE_LCTRL] = 0x1d, [SDL_SCANCODE_LSHIFT] = 0x2a, [SDL_SCANCODE_LALT] = 0x38,
    [SDL_SCANCODE_LGUI] = 0xdb, [SDL_SCANCODE_RCTRL] = 0x9d, [SDL_SCANCODE_RSHIFT] = 0x36,
    [SDL_SCANCODE_RALT] = 0xb8, [SDL_SCANCODE_RGUI] = 0xdc,
};

static void release_keys(void)
{
    for (int q = 0; q < 256; q++) {
        if (sdl.held[q]) {
            sdl.held[q] = 0;
            input_send_key(q, false);
        }
    }
    if (sdl.buttons) {
        sdl.buttons = 0;
        input_send_mouse(0, 0, 0, 0);
    }
}

static void set_grab(bool on)
{
    sdl.grabbed = on;
    SDL_SetRelativeMouseMode(on ? SDL_TRUE : SDL_FALSE);
    SDL_SetWindowGrab(sdl.win, on ? SDL_TRUE : SDL_FALSE);
    log_mask(sdl_log, "sdl: pointer %s\n", on ? "grabbed" : "released");
    update_title(false);
}

static void key_event(const SDL_KeyboardEvent *ev)
{
    bool down = ev->type == SDL_KEYDOWN;
    /* The modifiers when this key went down (SDL_GetModState would be
     * those after every event already queued). */
    uint16_t mod = ev->keysym.mod;
    if (down && ev->keysym.scancode == SDL_SCANCODE_G && (mod & KMOD_CTRL) &&
        (mod & KMOD_ALT)) {
        set_grab(!sdl.grabbed);
        return;
    }
    unsigned sc = ev->keysym.scancode;
    int qnum = sc < SDL_NUM_SCANCODES ? scancode_qnum[sc] : 0;
    if (!qnum) {
        log_mask(sdl_log, "sdl: scancode %u has no PC key\n", sc);
        return;
    }
    if (!down && !sdl.held[qnum]) {
        return;                      /* the G of the grab combo, or pressed elsewhere */
    }
    sdl.held[qnum] = down;
    input_send_key(qnum, down);
}

/* ---- pointer ---- */

static unsigned sdl_button_bit(uint8_t button)
{
    switch (button) {
    case SDL_BUTTON_LEFT: return INPUT_BUTTON_LEFT;
    case SDL_BUTTON_MIDDLE: return INPUT_BUTTON_MIDDLE;
    case SDL_BUTTON_RIGHT: return INPUT_BUTTON_RIGHT;
    }
    return 0;
}

static void button_event(const SDL_MouseButtonEvent *ev)
{
    if (!sdl.grabbed) {
        /* The first click takes the pointer; the guest does not see it. */
        if (ev->type == SDL_MOUSEBUTTONDOWN && ev->button == SDL_BUTTON_LEFT) {
            set_grab(true);
        }
        return;
    }
    unsigned bit = sdl_button_bit(ev->button);
    unsigned buttons = ev->type == SDL_MOUSEBUTTONDOWN ? sdl.buttons | bit : sdl.buttons & ~bit;
    if (buttons != sdl.buttons) {
        sdl.buttons = buttons;
        input_send_mouse(0, 0, 0, buttons);
    }
}

/* ---- events ---- */

static void window_event(const SDL_WindowEvent *ev)
{
    switch (ev->event) {
    case SDL_WINDOWEVENT_EXPOSED:
    case SDL_WINDOWEVENT_SIZE_CHANGED:
        draw(true);
        break;
    case SDL_WINDOWEVENT_FOCUS_LOST:
        /* Keys held while the focus left would stay down in the guest. */
        release_keys();
        if (sdl.grabbed) {
            set_grab(false);
        }
        break;
    }
}

static void sdl_drain(void)
{
    SDL_Event ev;
    while (SDL_PollEvent(&ev)) {
        switch (ev.type) {
        case SDL_QUIT:
            /* The window's close button quits, as QEMU's does. */
            runstate_shutdown_request(0, SHUTDOWN_CAUSE_HOST_UI);
            break;
        case SDL_KEYDOWN:
        case SDL_KEYUP:
            key_event(&ev.key);
            break;
        case SDL_MOUSEMOTION:
            if (sdl.grabbed && (ev.motion.xrel || ev.motion.yrel)) {
                input_send_mouse(ev.motion.xrel, ev.motion.yrel, 0, sdl.buttons);
            }
            break;
        case SDL_MOUSEBUTTONDOWN:
        case SDL_MOUSEBUTTONUP:
            button_event(&ev.button);
            break;
        case SDL_MOUSEWHEEL:
            /* SDL: y > 0 is away from the user; input.h: dz > 0 towards. */
            if (sdl.grabbed && ev.wheel.y) {
                input_send_mouse(0, 0, -ev.wheel.y, sdl.buttons);
            }
            break;
        case SDL_WINDOWEVENT:
            window_event(&ev.window);
            break;
        }
    }
}

static gboolean sdl_poll(gpointer opaque)
{
    sdl_drain();
    return G_SOURCE_CONTINUE;
}

static gboolean sdl_fd_ready(gint fd, GIOCondition cond, gpointer opaque)
{
    sdl_drain();
    return G_SOURCE_CONTINUE;
}

static void sdl_runstate_changed(void *opaque)
{
    update_title(false);
}

/* The X server connection's descriptor, or -1 (another video driver). */
static int sdl_x11_fd(void)
{
#if defined(SDL_VIDEO_DRIVER_X11)
    SDL_SysWMinfo info;
    SDL_VERSION(&info.version);
    if (SDL_GetWindowWMInfo(sdl.win, &info) && info.subsystem == SDL_SYSWM_X11 &&
        info.info.x11.display) {
        return ConnectionNumber(info.info.x11.display);
    }
#endif
    return -1;
}

/* ---- start and stop ---- */

bool sdl_display_start(Error **errp)
{
    /* cardcage handles SIGINT and SIGTERM itself. */
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    /* A window manager's compositor may keep running. */
    SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
    /* The window surface as the video driver's own framebuffer (X11:
     * shared-memory images, only the rectangles updated are sent), not a
     * texture through a 3D renderer: that presents the whole window for
     * every update, and without a GPU (Mesa's llvmpipe, as under Xvfb)
     * its threads cost an idle text screen more than the rest of the
     * machine. */
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    /* Without a desktop SDL would fall back to drivers that show nothing
     * (offscreen) or take over the console; SDL_VIDEODRIVER still picks
     * one on purpose. */
    const char *x = g_getenv("DISPLAY"), *wl = g_getenv("WAYLAND_DISPLAY");
    if (!(x && *x) && !(wl && *wl) && !g_getenv("SDL_VIDEODRIVER")) {
        error_setg(errp, "-display sdl: cannot open a window: no desktop ($DISPLAY and "
                   "$WAYLAND_DISPLAY are not set)");
        return false;
    }
    if (SDL_Init(SDL_INIT_VIDEO) < 0) {
        error_setg(errp, "-display sdl: cannot open a window: %s", SDL_GetError());
        return false;
    }
    sdl.win = SDL_CreateWindow("cardcage", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED,
                               SDL_BLANK_WIDTH, SDL_BLANK_HEIGHT, SDL_WINDOW_RESIZABLE);
    if (!sdl.win) {
        error_setg(errp, "-display sdl: cannot create the window: %s", SDL_GetError());
        SDL_Quit();
        return false;
    }
    update_title(true);
    sdl.dl.ops = &sdl_listener_ops;
    if (!display_listener_register(&sdl.dl, NULL, errp)) {
        error_prepend(errp, "-display sdl: ");
        SDL_DestroyWindow(sdl.win);
        sdl.win = NULL;
        SDL_Quit();
        return false;
    }
    draw(true);
    int fd = sdl_x11_fd();
    if (fd >= 0) {
        sdl.poll_source = g_unix_fd_add(fd, G_IO_IN, sdl_fd_ready, NULL);
    } else {
        sdl.poll_source = g_timeout_add(SDL_POLL_MS, sdl_poll, NULL);
    }
    runstate_add_change_notifier(sdl_runstate_changed, NULL);
    sdl_drain();
    log_mask(sdl_log, "sdl: events read %s\n", fd >= 0 ? "when the X connection is readable"
                                                        : "every " G_STRINGIFY(SDL_POLL_MS) " ms");
    return true;
}

void sdl_display_cleanup(void)
{
    if (!sdl.win) {
        return;
    }
    if (sdl.poll_source) {
        g_source_remove(sdl.poll_source);
        sdl.poll_source = 0;
    }
    runstate_remove_change_notifier(sdl_runstate_changed, NULL);
    display_listener_unregister(&sdl.dl);
    if (sdl.guest) {
        SDL_FreeSurface(sdl.guest);
        sdl.guest = NULL;
    }
    SDL_DestroyWindow(sdl.win);
    sdl.win = NULL;
    SDL_Quit();
}
