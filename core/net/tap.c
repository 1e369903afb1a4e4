/*
 * The "tap" netdev: frames to and from a Linux tap interface, so the host
 * (and whatever it routes or bridges to) is on the guest's segment.
 *
 *   ifname=NAME       the interface to attach to (made beforehand with
 *                     `ip tuntap add NAME mode tap`, or created now, which
 *                     needs CAP_NET_ADMIN); without it the kernel names one
 *   fd=N              an open /dev/net/tun descriptor already attached
 *   script=no, downscript=no, vhost=off
 *                     the only values taken: cardcage runs no scripts (set
 *                     the interface up and give it an address yourself) and
 *                     moves frames itself, without vhost-net
 *
 * The descriptor is non-blocking and watched by the main loop: frames are
 * read while the card's queue has room (the read watch is dropped while it
 * is full and comes back on peer_ready, so the kernel holds them, not us),
 * and a write the interface refuses for now (EAGAIN) leaves the frame in
 * this client's queue until the descriptor is writable again.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <linux/if_tun.h>
#include <glib-unix.h>
#include <cardcage/log.h>
#include "net/net-internal.h"

/* Frames read in one turn of the main loop: the CPU gets its slice back
 * even while the host floods the interface. */
#define TAP_READ_BUDGET 64

typedef struct TapNet {
    NetClient *nc;
    int fd;
    bool own_fd;                 /* opened here (closed at cleanup) */
    guint read_watch, write_watch;
    char ifname[IFNAMSIZ];
    uint8_t *rxbuf;
} TapNet;

static void tap_read_start(TapNet *t);

/* ---- card to host ---- */

static gboolean tap_writable(gint fd, GIOCondition cond, gpointer opaque)
{
    TapNet *t = opaque;
    t->write_watch = 0;
    net_client_receive_ready(t->nc);     /* the frames that waited, in order */
    return G_SOURCE_REMOVE;
}

static bool tap_can_receive(NetClient *nc)
{
    TapNet *t = nc->opaque;
    return t->write_watch == 0;          /* a refused frame waits first */
}

static ssize_t tap_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    TapNet *t = nc->opaque;
    for (;;) {
        ssize_t n = write(t->fd, buf, len);
        if (n >= 0) {
            return (ssize_t)len;         /* a tap write is one whole frame */
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN) {
            if (!t->write_watch) {
                t->write_watch = g_unix_fd_add(t->fd, G_IO_OUT, tap_writable, t);
            }
            return 0;                    /* stays in the queue */
        }
        /* The interface is down or gone (EIO), the frame malformed for it
         * (EINVAL): as on a cut wire, the frame is lost, counted. */
        nc->dropped++;
        return (ssize_t)len;
    }
}

/* ---- host to card ---- */

static gboolean tap_readable(gint fd, GIOCondition cond, gpointer opaque)
{
    TapNet *t = opaque;
    for (int i = 0; i < TAP_READ_BUDGET; i++) {
        if (t->nc->peer && !net_client_peer_has_room(t->nc)) {
            t->read_watch = 0;           /* peer_ready starts it again */
            return G_SOURCE_REMOVE;
        }
        ssize_t n = read(fd, t->rxbuf, NET_FRAME_MAX);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n == 0 || (n < 0 && errno == EAGAIN)) {
            break;                       /* all read for now */
        }
        if (n < 0) {
            /* Not a transient state: stop watching rather than spin. */
            warn_report("netdev '%s': reading tap interface '%s': %s; no more frames "
                        "from the host", t->nc->name, t->ifname, g_strerror(errno));
            t->read_watch = 0;
            return G_SOURCE_REMOVE;
        }
        net_client_send(t->nc, t->rxbuf, (size_t)n);
    }
    return G_SOURCE_CONTINUE;
}

static void tap_read_start(TapNet *t)
{
    if (!t->read_watch) {
        t->read_watch = g_unix_fd_add(t->fd, G_IO_IN, tap_readable, t);
    }
}

static void tap_peer_ready(NetClient *nc)
{
    tap_read_start(nc->opaque);
}

static void tap_cleanup(NetClient *nc)
{
    TapNet *t = nc->opaque;
    if (t->read_watch) {
        g_source_remove(t->read_watch);
    }
    if (t->write_watch) {
        g_source_remove(t->write_watch);
    }
    if (t->own_fd && t->fd >= 0) {
        close(t->fd);
    }
    g_free(t->rxbuf);
    g_free(t);
}

static const NetClientInfo tap_info = {
    .type = "tap",
    .can_receive = tap_can_receive,
    .receive = tap_receive,
    .peer_ready = tap_peer_ready,
    .cleanup = tap_cleanup,
};

/* ---- creation ---- */

/* Attach to (or create) the interface: a tap (Ethernet frames), without
 * the 4-byte packet information header (linux/if_tun.h, IFF_NO_PI). */
static int tap_open(const char *ifname, char *name_out, Error **errp)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        error_setg_errno(errp, errno, "can't open /dev/net/tun%s",
                         errno == ENOENT ? " (no tun/tap support on this host)" : "");
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (ifname) {
        g_strlcpy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name));
    }
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int e = errno;
        error_setg_errno(errp, e, "can't attach to tap interface '%s'%s",
                         ifname ? ifname : "(new)",
                         e == EPERM ? ": creating one needs CAP_NET_ADMIN; make it first "
                         "with 'ip tuntap add NAME mode tap user USER'" :
                         e == EBUSY ? ": it is in use, or not a tap without packet "
                         "information (ip tuntap add NAME mode tap)" : "");
        close(fd);
        return -1;
    }
    g_strlcpy(name_out, ifr.ifr_name, IFNAMSIZ);
    return fd;
}

/* script= and downscript= take "no" only (or nothing); vhost= "off" only. */
static bool tap_check_unsupported(KeyVal *kv, Error **errp)
{
    static const char *const scripts[] = { "script", "downscript" };
    for (size_t i = 0; i < G_N_ELEMENTS(scripts); i++) {
        const char *v = keyval_get(kv, scripts[i]);
        if (v && *v && strcmp(v, "no")) {
            error_setg(errp, "%s=%s: cardcage runs no interface scripts; give %s=no and "
                       "configure the interface yourself (supported: ifname=, fd=, "
                       "script=no, downscript=no, vhost=off)", scripts[i], v, scripts[i]);
            return false;
        }
    }
    const char *vhost = keyval_get(kv, "vhost");
    if (vhost && strcmp(vhost, "off") && strcmp(vhost, "no") && strcmp(vhost, "false")) {
        error_setg(errp, "vhost=%s: vhost-net is not supported; frames go through "
                   "cardcage's main loop (supported: ifname=, fd=, script=no, "
                   "downscript=no, vhost=off)", vhost);
        return false;
    }
    return true;
}

static NetClient *tap_create(const char *id, KeyVal *kv, Error **errp)
{
    const char *ifname = keyval_get(kv, "ifname"), *fdstr = keyval_get(kv, "fd");
    if (!tap_check_unsupported(kv, errp)) {
        return NULL;
    }
    if (ifname && (!*ifname || strlen(ifname) >= IFNAMSIZ || strchr(ifname, '/'))) {
        error_setg(errp, "ifname=%s: not an interface name (1 to %d characters, no '/')",
                   ifname, IFNAMSIZ - 1);
        return NULL;
    }
    if (ifname && fdstr) {
        error_setg(errp, "ifname= and fd= exclude each other");
        return NULL;
    }
    TapNet *t = g_new0(TapNet, 1);
    if (fdstr) {
        int64_t fd;
        if (!cc_parse_int64(fdstr, &fd) || fd < 0 || fd > INT32_MAX ||
            fcntl((int)fd, F_GETFD) < 0) {
            error_setg(errp, "fd=%s: not an open file descriptor", fdstr);
            g_free(t);
            return NULL;
        }
        t->fd = (int)fd;
        g_strlcpy(t->ifname, "", sizeof(t->ifname));
    } else {
        t->fd = tap_open(ifname, t->ifname, errp);
        if (t->fd < 0) {
            g_free(t);
            return NULL;
        }
        t->own_fd = true;
    }
    fcntl(t->fd, F_SETFL, fcntl(t->fd, F_GETFL) | O_NONBLOCK);
    t->rxbuf = g_malloc(NET_FRAME_MAX);
    NetClient *nc = net_client_new(&tap_info, "tap", id, t);
    t->nc = nc;
    if (fdstr) {
        net_client_set_info(nc, "fd=%s", fdstr);
    } else {
        net_client_set_info(nc, "ifname=%s,script=no,downscript=no", t->ifname);
    }
    tap_read_start(t);
    return nc;
}

static const char *const tap_keys[] = { "ifname", "fd", "script", "downscript", "vhost",
                                        NULL };

const NetBackend net_backend_tap = {
    .type = "tap",
    .help = "frames to a host tap interface (ifname=, fd=; script=no, vhost=off)",
    .keys = tap_keys,
    .create = tap_create,
};
