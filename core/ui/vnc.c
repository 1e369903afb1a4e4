/*
 * The VNC front end, through libvncserver (RFB protocol 3.8, RFC 6143).
 *
 * Threads: none.  libvncserver can run its own listener and one thread
 * per client (rfbRunEventLoop in the background); cardcage does not use
 * that.  Its sockets are watched by the main loop's GLib context:
 *   - the listening socket is ours (so that a port in use or a bad path is
 *     a clear error at start-up, and unix sockets work); accept() hands the
 *     connection to libvncserver with rfbNewClient;
 *   - each client's socket gets a watch that calls rfbProcessEvents with
 *     no wait, which reads the client's messages (key, pointer, update
 *     requests) and sends what is due;
 *   - after each display refresh that changed something, rfbProcessEvents
 *     sends the changed regions to the clients that asked.
 * So libvncserver's framebuffer is read only on the main thread, between
 * the card's updates, and shutdown has no thread to join.
 *
 * The framebuffer libvncserver sends from is a shadow copy in its own
 * pixel layout (32 bits, 8 bits per colour), filled from the console's
 * surface, whatever its format, for the regions the card reported redrawn:
 * only those are marked modified, so only they are sent.  The display
 * listener is registered only while at least one client is connected:
 * with nobody connected the display layer does not even refresh.
 *
 * Keys arrive as X keysyms and become qnums (input.h) through the
 * layout of -k (keymap.c); the pointer arrives as absolute positions and goes to the PS/2
 * mouse as relative motion (the guest draws its own cursor, so the server
 * draws none).
 *
 * A client that stops reading blocks the main loop in libvncserver's
 * write for at most VNC_MAX_CLIENT_WAIT_MS, then is dropped.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <glib-unix.h>
#include <json-c/json.h>
#include <rfb/rfb.h>
#include <cardcage/display.h>
#include <cardcage/input.h>
#include <cardcage/log.h>
#include <cardcage/module.h>
#include <cardcage/qmp.h>
#include "input/input-internal.h"
#include "ui/display-internal.h"
#include "ui/keymap.h"
#include "ui/vnc.h"

/* RFB's display N is TCP port 5900 + N (RFC 6143 section 4). */
#define VNC_BASE_PORT 5900
/* Size of the picture before a card has drawn anything (and when the
 * machine has no display). */
#define VNC_BLANK_WIDTH 640
#define VNC_BLANK_HEIGHT 480
/* How long a write to a client that does not read may block, in ms. */
#define VNC_MAX_CLIENT_WAIT_MS 5000
/* VNC authentication uses at most 8 characters of the password (the DES
 * key, RFC 6143 section 7.2.2). */
#define VNC_PASSWORD_MAX 8

LOG_CATEGORY(vnc_log, "vnc", "the VNC server: clients, authentication, libvncserver's messages");

typedef enum VncFamily { VNC_FAMILY_IPV4, VNC_FAMILY_IPV6, VNC_FAMILY_UNIX } VncFamily;

typedef struct VncClient {
    rfbClientPtr cl;
    guint watch;
    char *host, *service;
    VncFamily family;
    int last_x, last_y;              /* -1: no pointer event yet */
    int last_mask;
    int known_w, known_h;            /* the picture size this client was told */
    uint8_t held[256];               /* qnums this client holds down */
} VncClient;

typedef struct VncServer {
    /* configuration (-vnc) */
    bool configured, none, unix_socket, auth;
    char *spec;
    char *host;                      /* NULL: every address */
    int display;                     /* port = VNC_BASE_PORT + display */
    char *path;                      /* unix:PATH */

    /* listening */
    int listen_fd;
    guint listen_watch;
    VncFamily family;
    char *bound_host, *bound_service;
    bool unlink_path;

    /* libvncserver */
    rfbScreenInfoPtr screen;
    uint8_t *fb;                     /* the shadow framebuffer, libvncserver's layout */
    int fb_w, fb_h;
    bool pending;                    /* regions marked since the last send */
    int in_events;                   /* inside rfbProcessEvents */

    /* the display */
    DisplayListener dl;
    bool listening_display;
    DisplaySurface *surface;         /* the console's, not ours */

    GList *clients;                  /* VncClient * */
    char password[VNC_PASSWORD_MAX + 1];
    bool password_set;
    uint64_t rects_marked;             /* regions copied and marked for sending */
} VncServer;

static VncServer vnc = { .listen_fd = -1 };

/* ---- libvncserver's messages go to the -d vnc log ---- */

static void vnc_log_printf(const char *fmt, ...)
{
    if (!log_enabled(vnc_log)) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    char *s = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    log_printf("vnc: %s%s", s, g_str_has_suffix(s, "\n") ? "" : "\n");
    g_free(s);
}

/* ---- the shadow framebuffer ---- */

static inline uint32_t pack_rgb(const rfbPixelFormat *f, uint32_t rgb)
{
    return ((rgb >> 16) & 0xff) << f->redShift | ((rgb >> 8) & 0xff) << f->greenShift |
           (rgb & 0xff) << f->blueShift;
}

/* 5 or 6 bits widened to 8 by repeating the top bits (0x1f -> 0xff), as
 * the display layer's surface_get_rgb does. */
static inline uint32_t widen(uint32_t v, unsigned bits)
{
    return (v << (8 - bits)) | (v >> (2 * bits - 8));
}

/* Copy the rectangle from the console's surface into the shadow
 * framebuffer (clipped to both). */
static void convert_rect(int x, int y, int w, int h)
{
    const DisplaySurface *s = vnc.surface;
    if (!s || !vnc.fb) {
        return;
    }
    int x1 = MIN(x + w, MIN(s->width, vnc.fb_w)), y1 = MIN(y + h, MIN(s->height, vnc.fb_h));
    x = MAX(x, 0);
    y = MAX(y, 0);
    if (x >= x1 || y >= y1) {
        return;
    }
    const rfbPixelFormat *f = &vnc.screen->serverFormat;
    unsigned bpp = surface_bytes_per_pixel(s->format);
    for (int row = y; row < y1; row++) {
        const uint8_t *src = s->data + (size_t)row * s->stride + (size_t)x * bpp;
        uint32_t *dst = (uint32_t *)(vnc.fb + ((size_t)row * vnc.fb_w + x) * 4);
        int n = x1 - x;
        switch (s->format) {
        case DISPLAY_FMT_XRGB8888:
            for (int i = 0; i < n; i++, src += 4) {
                dst[i] = pack_rgb(f, src[0] | src[1] << 8 | src[2] << 16);
            }
            break;
        case DISPLAY_FMT_RGB888:
            for (int i = 0; i < n; i++, src += 3) {
                dst[i] = pack_rgb(f, src[0] | src[1] << 8 | src[2] << 16);
            }
            break;
        case DISPLAY_FMT_RGB565:
            for (int i = 0; i < n; i++, src += 2) {
                uint32_t v = src[0] | src[1] << 8;
                dst[i] = pack_rgb(f, widen(v >> 11, 5) << 16 | widen((v >> 5) & 0x3f, 6) << 8 |
                                     widen(v & 0x1f, 5));
            }
            break;
        case DISPLAY_FMT_XRGB1555:
            for (int i = 0; i < n; i++, src += 2) {
                uint32_t v = src[0] | src[1] << 8;
                dst[i] = pack_rgb(f, widen((v >> 10) & 0x1f, 5) << 16 |
                                     widen((v >> 5) & 0x1f, 5) << 8 | widen(v & 0x1f, 5));
            }
            break;
        }
    }
    rfbMarkRectAsModified(vnc.screen, x, y, x1, y1);
    vnc.pending = true;
    vnc.rects_marked++;
}

/* A framebuffer of this size (zeroed), handed to libvncserver, which
 * tells the clients that support it of the new size (the NewFBSize
 * pseudo-encoding). */
static void fb_resize(int w, int h)
{
    if (vnc.fb && w == vnc.fb_w && h == vnc.fb_h) {
        return;
    }
    uint8_t *old = vnc.fb;
    vnc.fb = g_malloc0((size_t)w * h * 4);
    vnc.fb_w = w;
    vnc.fb_h = h;
    rfbNewFramebuffer(vnc.screen, (char *)vnc.fb, w, h, 8, 3, 4);
    for (GList *l = vnc.clients; l; l = l->next) {
        VncClient *c = l->data;
        if (c->cl->useNewFBSize) {
            c->known_w = w;
            c->known_h = h;
        }
    }
    vnc.pending = true;
    g_free(old);
    log_mask(vnc_log, "vnc: framebuffer %dx%d\n", w, h);
}

/* Send what is due, unless libvncserver is already doing so (a refresh
 * run from inside one of its callbacks). */
static void vnc_pump(void)
{
    if (!vnc.screen || vnc.in_events) {
        return;
    }
    vnc.in_events++;
    rfbProcessEvents(vnc.screen, 0);
    vnc.in_events--;
}

/* ---- the display listener ---- */

static void vnc_surface_changed(DisplayListener *dl, DisplaySurface *surface)
{
    vnc.surface = surface;
    if (!surface) {
        return;
    }
    fb_resize(surface->width, surface->height);
    convert_rect(0, 0, surface->width, surface->height);
}

static void vnc_region_updated(DisplayListener *dl, int x, int y, int w, int h)
{
    convert_rect(x, y, w, h);
}

static void vnc_refreshed(DisplayListener *dl)
{
    if (vnc.pending && !vnc.in_events) {
        vnc.pending = false;
        vnc_pump();
    }
}

static const DisplayListenerOps vnc_listener_ops = {
    .name = "vnc",
    .surface_changed = vnc_surface_changed,
    .region_updated = vnc_region_updated,
    .refreshed = vnc_refreshed,
};

/* The first client arrived: watch the console (which hands over its
 * surface at once) and draw it now, so that a stopped machine shows its
 * picture too. */
static void display_watch(void)
{
    if (vnc.listening_display) {
        return;
    }
    vnc.dl.ops = &vnc_listener_ops;
    Error *err = NULL;
    if (!display_listener_register(&vnc.dl, NULL, &err)) {
        /* No display card: the clients see a blank screen. */
        log_mask(vnc_log, "vnc: %s\n", error_get_pretty(err));
        error_free(err);
        return;
    }
    vnc.listening_display = true;
    display_refresh_now(vnc.dl.con, true);
}

static void display_unwatch(void)
{
    if (vnc.listening_display) {
        display_listener_unregister(&vnc.dl);
        vnc.listening_display = false;
        vnc.surface = NULL;
    }
}

/* ---- keyboard ---- */

static void client_key(VncClient *c, int qnum, bool down)
{
    if (down) {
        c->held[qnum] = 1;
    } else if (!c->held[qnum]) {
        return;                      /* a release of a key this client never pressed */
    } else {
        c->held[qnum] = 0;
    }
    input_send_key(qnum, down);
}

static void vnc_key_event(rfbBool down, rfbKeySym keysym, rfbClientPtr cl)
{
    VncClient *c = cl->clientData;
    KeymapKey k;
    if (!c || !keymap_from_keysym(keysym, &k) || k.qnum <= 0 || k.qnum > 0xff) {
        log_mask(vnc_log, "vnc: keysym 0x%x has no key on the %s layout\n", (unsigned)keysym,
                 keymap_layout());
        return;
    }
    bool shift_held = c->held[KEYMAP_QNUM_SHIFT_L] || c->held[KEYMAP_QNUM_SHIFT_R];
    /* A character that needs Shift or AltGr on the guest's layout (-k),
     * sent without the client holding it (scripted clients send keysym
     * "exclam" bare; a client whose own layout differs sends "at" with
     * no AltGr): press the modifier around it.  Letters are left alone:
     * their case is the guest's Caps Lock's. */
    bool letter = keysym < 0x100 && g_unichar_isalpha(keysym);
    bool fake_shift = down && k.shift && !shift_held && !letter;
    bool fake_altgr = down && k.altgr && !c->held[KEYMAP_QNUM_ALTGR];
    if (fake_shift) {
        input_send_key(KEYMAP_QNUM_SHIFT_L, true);
    }
    if (fake_altgr) {
        input_send_key(KEYMAP_QNUM_ALTGR, true);
    }
    client_key(c, k.qnum, down);
    if (fake_altgr) {
        input_send_key(KEYMAP_QNUM_ALTGR, false);
    }
    if (fake_shift) {
        input_send_key(KEYMAP_QNUM_SHIFT_L, false);
    }
}

/* ---- pointer ---- */

/* RFB's button mask (RFC 6143 section 7.5.5): bit 0 left, 1 middle,
 * 2 right, 3 wheel up, 4 wheel down. */
static void vnc_pointer_event(int mask, int x, int y, rfbClientPtr cl)
{
    VncClient *c = cl->clientData;
    if (!c) {
        return;
    }
    int dx = c->last_x < 0 ? 0 : x - c->last_x;
    int dy = c->last_y < 0 ? 0 : y - c->last_y;
    int dz = 0;
    if ((mask & 8) && !(c->last_mask & 8)) {
        dz--;
    }
    if ((mask & 16) && !(c->last_mask & 16)) {
        dz++;
    }
    unsigned buttons = (mask & 1 ? INPUT_BUTTON_LEFT : 0) |
                       (mask & 2 ? INPUT_BUTTON_MIDDLE : 0) |
                       (mask & 4 ? INPUT_BUTTON_RIGHT : 0);
    bool buttons_changed = (mask & 7) != (c->last_mask & 7);
    c->last_x = x;
    c->last_y = y;
    c->last_mask = mask;
    if (dx || dy || dz || buttons_changed) {
        input_send_mouse(dx, dy, dz, buttons);
    }
}

/* ---- authentication ---- */

/* VNC authentication (RFC 6143 section 7.2.2): the client's response is
 * the 16-byte challenge DES-encrypted with the password as key.  No
 * password set yet (password=on, before set_password) refuses everyone,
 * as QEMU does. */
static rfbBool vnc_check_password(rfbClientPtr cl, const char *response, int len)
{
    if (!vnc.password_set || len != CHALLENGESIZE) {
        log_mask(vnc_log, "vnc: %s: refused (%s)\n", cl->host,
                 vnc.password_set ? "bad response" : "no password set");
        return FALSE;
    }
    unsigned char expect[CHALLENGESIZE];
    memcpy(expect, cl->authChallenge, CHALLENGESIZE);
    rfbEncryptBytes(expect, vnc.password);
    bool ok = memcmp(expect, response, CHALLENGESIZE) == 0;
    log_mask(vnc_log, "vnc: %s: password %s\n", cl->host, ok ? "accepted" : "refused");
    return ok;
}

/* ---- clients ---- */

static gboolean client_ready(gint fd, GIOCondition cond, gpointer opaque)
{
    vnc_pump();
    return G_SOURCE_CONTINUE;
}

/* A client told of one size (ServerInit) that enables NewFBSize only
 * after the screen changed size has missed libvncserver's notice, which
 * goes only to the clients that had it enabled at the time: tell it with
 * its next update. */
static void vnc_update_request(rfbClientPtr cl, rfbFramebufferUpdateRequestMsg *msg)
{
    VncClient *c = cl->clientData;
    if (!c || (c->known_w == vnc.fb_w && c->known_h == vnc.fb_h)) {
        return;
    }
    if (cl->useNewFBSize) {
        cl->newFBSizePending = TRUE;
        c->known_w = vnc.fb_w;
        c->known_h = vnc.fb_h;
    }
}

static void vnc_client_gone(rfbClientPtr cl)
{
    VncClient *c = cl->clientData;
    if (!c) {
        return;
    }
    cl->clientData = NULL;
    for (int q = 0; q < 256; q++) {
        if (c->held[q]) {
            input_send_key(q, false);
        }
    }
    if (c->last_mask & 7) {
        input_send_mouse(0, 0, 0, 0);
    }
    if (c->watch) {
        g_source_remove(c->watch);
    }
    log_mask(vnc_log, "vnc: client %s%s%s gone\n", c->host, *c->service ? ":" : "",
             c->service);
    vnc.clients = g_list_remove(vnc.clients, c);
    g_free(c->host);
    g_free(c->service);
    g_free(c);
    if (!vnc.clients) {
        display_unwatch();
    }
}

static enum rfbNewClientAction vnc_new_client(rfbClientPtr cl)
{
    VncClient *c = g_new0(VncClient, 1);
    c->cl = cl;
    c->last_x = c->last_y = -1;
    c->family = vnc.family;
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    char host[NI_MAXHOST] = "", serv[NI_MAXSERV] = "";
    if (vnc.family != VNC_FAMILY_UNIX &&
        getpeername(cl->sock, (struct sockaddr *)&ss, &len) == 0 &&
        getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), serv, sizeof(serv),
                    NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
        c->family = ss.ss_family == AF_INET6 ? VNC_FAMILY_IPV6 : VNC_FAMILY_IPV4;
    } else if (vnc.family == VNC_FAMILY_UNIX) {
        g_strlcpy(host, vnc.path, sizeof(host));
    }
    c->host = g_strdup(host);
    c->service = g_strdup(serv);
    cl->clientData = c;
    cl->clientGoneHook = vnc_client_gone;
    cl->clientFramebufferUpdateRequestHook = vnc_update_request;
    c->known_w = vnc.fb_w;
    c->known_h = vnc.fb_h;
    c->watch = g_unix_fd_add(cl->sock, G_IO_IN | G_IO_HUP | G_IO_ERR, client_ready, NULL);
    vnc.clients = g_list_append(vnc.clients, c);
    log_mask(vnc_log, "vnc: client %s%s%s connected (%u now)\n", c->host, *serv ? ":" : "",
             serv, g_list_length(vnc.clients));
    return RFB_CLIENT_ACCEPT;
}

static gboolean listen_ready(gint fd, GIOCondition cond, gpointer opaque)
{
    int s = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (s < 0) {
        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
            log_mask(vnc_log, "vnc: accept: %s\n", g_strerror(errno));
        }
        return G_SOURCE_CONTINUE;
    }
    /* Watch the display first, so that the new client is told the size
     * of the picture as it is now. */
    display_watch();
    vnc.in_events++;
    rfbClientPtr cl = rfbNewClient(vnc.screen, s);
    vnc.in_events--;
    if (!vnc.clients) {
        display_unwatch();
    }
    if (cl && cl->clientData) {
        vnc_pump();
    }
    return G_SOURCE_CONTINUE;
}

/* ---- -vnc ---- */

bool vnc_configure(const char *spec, Error **errp)
{
    if (vnc.configured) {
        error_setg(errp, "-vnc %s: only one -vnc may be given (the first was -vnc %s)", spec,
                   vnc.spec);
        return false;
    }
    char **items = g_strsplit(spec, ",", -1);
    const char *addr = items[0];
    bool ok = true, auth = false;
    for (char **it = items + 1; ok && *it; it++) {
        if (g_str_has_prefix(*it, "password=")) {
            if (!cc_parse_bool(*it + 9, &auth)) {
                error_setg(errp, "-vnc %s: password=%s: expected on or off", spec, *it + 9);
                ok = false;
            }
        } else if (!strcmp(*it, "password")) {
            auth = true;
        } else {
            char *key = g_strndup(*it, strcspn(*it, "="));
            error_setg(errp, "-vnc %s: unknown option '%s' (cardcage's -vnc takes "
                       "password=on|off)", spec, key);
            g_free(key);
            ok = false;
        }
    }
    char *host = NULL, *path = NULL;
    int64_t display = 0;
    bool none = false, is_unix = false;
    if (ok && !strcmp(addr, "none")) {
        none = true;
    } else if (ok && g_str_has_prefix(addr, "unix:")) {
        is_unix = true;
        path = g_strdup(addr + 5);
        if (!*path || strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
            error_setg(errp, "-vnc %s: the socket path must be 1 to %zu characters", spec,
                       sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
            ok = false;
        }
    } else if (ok) {
        const char *colon = strrchr(addr, ':');
        if (!colon || !cc_parse_int64(colon + 1, &display) || display < 0 ||
            display > 65535 - VNC_BASE_PORT) {
            error_setg(errp, "-vnc %s: expected :N, HOST:N (display N, port %d+N, N from 0 to "
                       "%d), unix:PATH or none", spec, VNC_BASE_PORT, 65535 - VNC_BASE_PORT);
            ok = false;
        } else if (colon > addr) {
            /* "[::1]:0" has the IPv6 address in brackets. */
            if (addr[0] == '[' && colon[-1] == ']') {
                host = g_strndup(addr + 1, colon - addr - 2);
            } else {
                host = g_strndup(addr, colon - addr);
            }
            if (!*host) {
                error_setg(errp, "-vnc %s: empty host", spec);
                ok = false;
            }
        }
    }
    g_strfreev(items);
    if (!ok) {
        g_free(host);
        g_free(path);
        return false;
    }
    vnc.configured = true;
    vnc.spec = g_strdup(spec);
    vnc.none = none;
    vnc.unix_socket = is_unix;
    vnc.auth = auth;
    vnc.host = host;
    vnc.path = path;
    vnc.display = (int)display;
    return true;
}

static int listen_unix(Error **errp)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    g_strlcpy(sa.sun_path, vnc.path, sizeof(sa.sun_path));
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 8) < 0) {
        error_setg(errp, "-vnc %s: cannot listen on the unix socket %s: %s", vnc.spec,
                   vnc.path, g_strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    vnc.unlink_path = true;
    vnc.family = VNC_FAMILY_UNIX;
    vnc.bound_host = g_strdup(vnc.path);
    vnc.bound_service = g_strdup("");
    return fd;
}

/* Bind and listen on the first address of res that takes it; -1 (*err
 * the last errno) when none does. */
static int listen_first(const struct addrinfo *res, int *err)
{
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                        ai->ai_protocol);
        if (fd < 0) {
            *err = errno;
            continue;
        }
        int one = 1, zero = 0;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (ai->ai_family == AF_INET6 && !vnc.host) {
            /* Every address: the IPv6 socket takes IPv4 too. */
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
        }
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 8) < 0) {
            *err = errno;
            close(fd);
            continue;
        }
        vnc.family = ai->ai_family == AF_INET6 ? VNC_FAMILY_IPV6 : VNC_FAMILY_IPV4;
        char h[NI_MAXHOST] = "";
        getnameinfo(ai->ai_addr, ai->ai_addrlen, h, sizeof(h), NULL, 0, NI_NUMERICHOST);
        vnc.bound_host = g_strdup(h);
        return fd;
    }
    return -1;
}

static int listen_tcp(Error **errp)
{
    char port[16];
    g_snprintf(port, sizeof(port), "%d", VNC_BASE_PORT + vnc.display);
    /* No host: every address, as QEMU's -vnc :N: a dual-stack IPv6 socket,
     * or IPv4 alone on a host without IPv6. */
    static const int any_families[] = { AF_INET6, AF_INET };
    int fd = -1, err = EADDRNOTAVAIL, rc = 0;
    for (size_t i = 0; fd < 0 && i < (vnc.host ? 1 : G_N_ELEMENTS(any_families)); i++) {
        struct addrinfo hints = { .ai_family = vnc.host ? AF_UNSPEC : any_families[i],
                                  .ai_socktype = SOCK_STREAM,
                                  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
        struct addrinfo *res = NULL;
        rc = getaddrinfo(vnc.host, port, &hints, &res);
        if (!rc) {
            fd = listen_first(res, &err);
            freeaddrinfo(res);
        }
    }
    if (rc && fd < 0) {
        error_setg(errp, "-vnc %s: cannot resolve '%s': %s", vnc.spec,
                   vnc.host ? vnc.host : "", gai_strerror(rc));
        return -1;
    }
    if (fd < 0) {
        error_setg(errp, "-vnc %s: cannot listen on %s port %s (display %d): %s", vnc.spec,
                   vnc.host ? vnc.host : "every address", port, vnc.display, g_strerror(err));
        return -1;
    }
    vnc.bound_service = g_strdup(port);
    return fd;
}

bool vnc_start(Error **errp)
{
    if (!vnc.configured || vnc.none || vnc.screen) {
        return true;
    }
    int fd = vnc.unix_socket ? listen_unix(errp) : listen_tcp(errp);
    if (fd < 0) {
        return false;
    }
    rfbLog = vnc_log_printf;
    rfbErr = vnc_log_printf;
    rfbMaxClientWait = VNC_MAX_CLIENT_WAIT_MS;
    vnc.screen = rfbGetScreen(NULL, NULL, VNC_BLANK_WIDTH, VNC_BLANK_HEIGHT, 8, 3, 4);
    if (!vnc.screen) {
        error_setg(errp, "-vnc %s: libvncserver could not set up its screen", vnc.spec);
        close(fd);
        return false;
    }
    rfbScreenInfoPtr sc = vnc.screen;
    vnc.fb_w = VNC_BLANK_WIDTH;
    vnc.fb_h = VNC_BLANK_HEIGHT;
    vnc.fb = g_malloc0((size_t)vnc.fb_w * vnc.fb_h * 4);
    sc->frameBuffer = (char *)vnc.fb;
    sc->desktopName = "cardcage";
    /* Our own socket; libvncserver listens on none (no TCP, no HTTP). */
    sc->port = 0;
    sc->ipv6port = 0;
    sc->autoPort = FALSE;
    sc->httpDir = NULL;
    /* Send at once: the refresh rate already paces the updates. */
    sc->deferUpdateTime = 0;
    /* Several viewers share the screen; a new one never disconnects the
     * others. */
    sc->alwaysShared = TRUE;
    /* The guest draws its own cursor. */
    sc->cursor = NULL;
    sc->kbdAddEvent = vnc_key_event;
    sc->ptrAddEvent = vnc_pointer_event;
    sc->newClientHook = vnc_new_client;
    if (vnc.auth) {
        sc->authPasswdData = &vnc;
        sc->passwordCheck = vnc_check_password;
    }
    rfbInitServer(sc);
    vnc.listen_fd = fd;
    vnc.listen_watch = g_unix_fd_add(fd, G_IO_IN, listen_ready, NULL);
    log_mask(vnc_log, "vnc: listening on %s%s%s\n", vnc.bound_host,
             *vnc.bound_service ? " port " : "", vnc.bound_service);
    return true;
}

void vnc_cleanup(void)
{
    if (vnc.screen) {
        /* Closes every client (their gone hooks remove the watches and
         * release the keys they held); nothing runs in the background. */
        rfbShutdownServer(vnc.screen, TRUE);
        rfbScreenCleanup(vnc.screen);
        vnc.screen = NULL;
    }
    display_unwatch();
    if (vnc.listen_watch) {
        g_source_remove(vnc.listen_watch);
        vnc.listen_watch = 0;
    }
    if (vnc.listen_fd >= 0) {
        close(vnc.listen_fd);
        vnc.listen_fd = -1;
    }
    if (vnc.unlink_path) {
        unlink(vnc.path);
        vnc.unlink_path = false;
    }
    g_clear_pointer(&vnc.fb, g_free);
    g_clear_pointer(&vnc.spec, g_free);
    g_clear_pointer(&vnc.host, g_free);
    g_clear_pointer(&vnc.path, g_free);
    g_clear_pointer(&vnc.bound_host, g_free);
    g_clear_pointer(&vnc.bound_service, g_free);
    vnc.configured = false;
}

/* ---- QMP: query-vnc, change-vnc-password, set_password ---- */

static const char *family_name(VncFamily f)
{
    switch (f) {
    case VNC_FAMILY_IPV4: return "ipv4";
    case VNC_FAMILY_IPV6: return "ipv6";
    case VNC_FAMILY_UNIX: return "unix";
    }
    return "unknown";
}

/* QEMU's VncInfo (qapi/ui.json), with cardcage's picture size (width,
 * height) and the count of redrawn regions copied for the clients
 * (regions-updated). */
static json_object *qmp_query_vnc(json_object *args, Error **errp)
{
    json_object *r = json_object_new_object();
    json_object_object_add(r, "enabled", json_object_new_boolean(vnc.screen != NULL));
    if (!vnc.screen) {
        return r;
    }
    json_object_object_add(r, "host", json_object_new_string(vnc.bound_host));
    json_object_object_add(r, "service", json_object_new_string(vnc.bound_service));
    json_object_object_add(r, "family", json_object_new_string(family_name(vnc.family)));
    json_object_object_add(r, "auth", json_object_new_string(vnc.auth ? "vnc" : "none"));
    json_object *list = json_object_new_array();
    for (GList *l = vnc.clients; l; l = l->next) {
        VncClient *c = l->data;
        json_object *o = json_object_new_object();
        json_object_object_add(o, "host", json_object_new_string(c->host));
        json_object_object_add(o, "service", json_object_new_string(c->service));
        json_object_object_add(o, "family", json_object_new_string(family_name(c->family)));
        json_object_object_add(o, "websocket", json_object_new_boolean(false));
        json_object_array_add(list, o);
    }
    json_object_object_add(r, "clients", list);
    json_object_object_add(r, "width", json_object_new_int(vnc.fb_w));
    json_object_object_add(r, "height", json_object_new_int(vnc.fb_h));
    json_object_object_add(r, "regions-updated",
                           json_object_new_int64((int64_t)vnc.rects_marked));
    return r;
}

static bool set_vnc_password(const char *password, Error **errp)
{
    if (!vnc.screen) {
        error_setg(errp, "There is no VNC server (start cardcage with -vnc)");
        return false;
    }
    if (!vnc.auth) {
        error_setg(errp, "Could not set password: the VNC server has no password "
                   "authentication (start it with -vnc ...,password=on)");
        return false;
    }
    g_strlcpy(vnc.password, password, sizeof(vnc.password));
    vnc.password_set = true;
    return true;
}

static const char *member_str(json_object *o, const char *name)
{
    json_object *v;
    return json_object_object_get_ex(o, name, &v) ? json_object_get_string(v) : NULL;
}

static json_object *qmp_change_vnc_password(json_object *args, Error **errp)
{
    return set_vnc_password(member_str(args, "password"), errp) ? qmp_ok() : NULL;
}

static json_object *qmp_set_password(json_object *args, Error **errp)
{
    const char *protocol = member_str(args, "protocol");
    const char *connected = member_str(args, "connected");
    if (strcmp(protocol, "vnc")) {
        error_setg(errp, "set_password: protocol '%s': cardcage has only 'vnc'", protocol);
        return NULL;
    }
    /* QEMU: VNC takes only "keep" (the clients connected stay). */
    if (connected && strcmp(connected, "keep")) {
        error_setg(errp, "set_password: connected=%s: VNC only takes 'keep'", connected);
        return NULL;
    }
    return set_vnc_password(member_str(args, "password"), errp) ? qmp_ok() : NULL;
}

static const QmpCommandInfo vnc_cmds[] = {
    { .name = "query-vnc", .returns = "VncInfo", .handler = qmp_query_vnc },
    { .name = "change-vnc-password", .args = "password:str",
      .handler = qmp_change_vnc_password },
    { .name = "set_password",
      .args = "protocol:str password:str ?connected:str ?display:str",
      .handler = qmp_set_password },
};

static void vnc_qapi(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(vnc_cmds); i++) {
        qmp_register_command(&vnc_cmds[i], &error_abort);
    }
}
qapi_init(vnc_qapi)
