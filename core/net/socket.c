/*
 * The "socket" netdev: frames over a host socket, so that two emulators
 * (cardcage or QEMU) share a network segment.
 *
 *   listen=[HOST]:PORT       TCP server; one peer at a time
 *   connect=HOST:PORT        TCP client
 *   udp=HOST:PORT,localaddr=HOST:PORT   UDP datagrams to HOST:PORT
 *   mcast=GROUP:PORT[,localaddr=ADDR]   UDP multicast group (every member hears all)
 *
 * On TCP each frame is preceded by its length as a 32-bit big-endian
 * number, QEMU's framing; on UDP a datagram is a frame.  A frame longer
 * than NET_FRAME_MAX ends the TCP connection (the stream cannot be in
 * step any more).  While the card's queue is full the socket is not read,
 * so the sender waits instead of frames being lost.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <glib-unix.h>
#include <cardcage/log.h>
#include "net/net-internal.h"

#define SOCKET_RXBUF (NET_FRAME_MAX + 4)
/* Bytes queued towards a TCP peer that reads slowly before frames are dropped. */
#define SOCKET_TXQ_MAX (4u << 20)

typedef struct SocketNet {
    NetClient *nc;
    int listen_fd;
    int fd;                      /* connected TCP socket, or the UDP socket */
    bool stream;
    guint listen_watch, read_watch, write_watch;
    struct sockaddr_in dgram_dst;
    uint8_t *rxbuf;
    size_t rxlen;
    GByteArray *txq;             /* unsent TCP bytes */
} SocketNet;

static void socket_read_start(SocketNet *s);

static void socket_close_conn(SocketNet *s);

/* ---- sending ---- */

static gboolean socket_writable(gint fd, GIOCondition cond, gpointer opaque)
{
    SocketNet *s = opaque;
    while (s->txq->len) {
        ssize_t n = send(fd, s->txq->data, s->txq->len, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            return G_SOURCE_CONTINUE;
        }
        if (n <= 0) {
            s->write_watch = 0;
            socket_close_conn(s);
            return G_SOURCE_REMOVE;
        }
        g_byte_array_remove_range(s->txq, 0, (guint)n);
    }
    s->write_watch = 0;
    return G_SOURCE_REMOVE;
}

static ssize_t socket_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    SocketNet *s = nc->opaque;
    if (s->fd < 0) {
        return (ssize_t)len;         /* no peer: the frame goes nowhere, as on a cut wire */
    }
    if (!s->stream) {
        sendto(s->fd, buf, len, 0, (struct sockaddr *)&s->dgram_dst, sizeof(s->dgram_dst));
        return (ssize_t)len;
    }
    if (s->txq->len + len + 4 > SOCKET_TXQ_MAX) {
        nc->dropped++;
        return (ssize_t)len;
    }
    uint8_t hdr[4] = { len >> 24, len >> 16, len >> 8, len };
    g_byte_array_append(s->txq, hdr, 4);
    g_byte_array_append(s->txq, buf, (guint)len);
    if (!s->write_watch) {
        /* Try at once; the watch finishes what the socket does not take. */
        if (socket_writable(s->fd, G_IO_OUT, s) == G_SOURCE_CONTINUE && s->fd >= 0) {
            s->write_watch = g_unix_fd_add(s->fd, G_IO_OUT, socket_writable, s);
        }
    }
    return (ssize_t)len;
}

/* ---- receiving ---- */

/* Hand complete frames of rxbuf to the card; false when it must wait. */
static bool socket_deliver_stream(SocketNet *s)
{
    size_t off = 0;
    bool ok = true;
    while (s->rxlen - off >= 4) {
        uint8_t *p = s->rxbuf + off;
        uint32_t len = (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
        if (len > NET_FRAME_MAX) {
            warn_report("netdev '%s': the peer sent a frame of %u bytes; disconnecting",
                        s->nc->name, len);
            s->rxlen = 0;
            socket_close_conn(s);
            return false;
        }
        if (s->rxlen - off - 4 < len) {
            break;
        }
        if (!net_client_peer_has_room(s->nc) && s->nc->peer) {
            ok = false;
            break;
        }
        net_client_send(s->nc, p + 4, len);
        off += 4 + len;
    }
    memmove(s->rxbuf, s->rxbuf + off, s->rxlen - off);
    s->rxlen -= off;
    return ok;
}

static gboolean socket_readable(gint fd, GIOCondition cond, gpointer opaque)
{
    SocketNet *s = opaque;
    if (s->nc->peer && !net_client_peer_has_room(s->nc)) {
        s->read_watch = 0;               /* peer_ready starts it again */
        return G_SOURCE_REMOVE;
    }
    if (!s->stream) {
        ssize_t n = recv(fd, s->rxbuf, SOCKET_RXBUF, 0);
        if (n > 0) {
            net_client_send(s->nc, s->rxbuf, (size_t)n);
        }
        return G_SOURCE_CONTINUE;
    }
    ssize_t n = recv(fd, s->rxbuf + s->rxlen, SOCKET_RXBUF - s->rxlen, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return G_SOURCE_CONTINUE;
    }
    if (n <= 0) {
        s->read_watch = 0;
        socket_close_conn(s);
        return G_SOURCE_REMOVE;
    }
    s->rxlen += (size_t)n;
    if (!socket_deliver_stream(s)) {
        if (s->fd >= 0) {
            s->read_watch = 0;
            return G_SOURCE_REMOVE;
        }
        return G_SOURCE_REMOVE;      /* closed: the watch is gone with it */
    }
    return G_SOURCE_CONTINUE;
}

static void socket_read_start(SocketNet *s)
{
    if (s->fd >= 0 && !s->read_watch) {
        s->read_watch = g_unix_fd_add(s->fd, G_IO_IN, socket_readable, s);
    }
}

static void socket_peer_ready(NetClient *nc)
{
    SocketNet *s = nc->opaque;
    if (s->stream && s->fd >= 0 && !socket_deliver_stream(s)) {
        return;
    }
    socket_read_start(s);
}

/* ---- connections ---- */

static gboolean socket_accept(gint fd, GIOCondition cond, gpointer opaque);

static void socket_close_conn(SocketNet *s)
{
    if (s->read_watch) {
        g_source_remove(s->read_watch);
        s->read_watch = 0;
    }
    if (s->write_watch) {
        g_source_remove(s->write_watch);
        s->write_watch = 0;
    }
    if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
    s->rxlen = 0;
    if (s->txq) {
        g_byte_array_set_size(s->txq, 0);
    }
    net_client_set_info(s->nc, "%s", s->listen_fd >= 0 ? "listening" : "disconnected");
    if (s->listen_fd >= 0 && !s->listen_watch) {
        s->listen_watch = g_unix_fd_add(s->listen_fd, G_IO_IN, socket_accept, s);
    }
}

static void socket_connected(SocketNet *s, int fd, const char *what)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    s->fd = fd;
    net_client_set_info(s->nc, "%s", what);
    socket_read_start(s);
}

static gboolean socket_accept(gint fd, GIOCondition cond, gpointer opaque)
{
    SocketNet *s = opaque;
    struct sockaddr_in peer;
    socklen_t plen = sizeof(peer);
    int c = accept4(fd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
    if (c < 0) {
        return G_SOURCE_CONTINUE;
    }
    s->listen_watch = 0;
    char buf[64];
    g_snprintf(buf, sizeof(buf), "connection from %s:%d", inet_ntoa(peer.sin_addr),
               ntohs(peer.sin_port));
    socket_connected(s, c, buf);
    return G_SOURCE_REMOVE;
}

/* HOST:PORT (HOST may be empty: any address, or localhost to connect). */
static bool parse_host_port(const char *text, struct sockaddr_in *sa, bool passive,
                            Error **errp)
{
    char *s = g_strdup(text);
    char *colon = strrchr(s, ':');
    int64_t port;
    bool ok = colon && cc_parse_int64(colon + 1, &port) && port >= 0 && port < 65536;
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    if (ok) {
        *colon = 0;
        sa->sin_port = htons((uint16_t)port);
        if (!*s) {
            sa->sin_addr.s_addr = htonl(passive ? INADDR_ANY : INADDR_LOOPBACK);
        } else if (inet_pton(AF_INET, s, &sa->sin_addr) != 1) {
            struct addrinfo hints = { .ai_family = AF_INET }, *res = NULL;
            ok = getaddrinfo(s, NULL, &hints, &res) == 0 && res;
            if (ok) {
                sa->sin_addr = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
            }
            if (res) {
                freeaddrinfo(res);
            }
        }
    }
    if (!ok) {
        error_setg(errp, "'%s': expected HOST:PORT", text);
    }
    g_free(s);
    return ok;
}

static void socket_cleanup(NetClient *nc)
{
    SocketNet *s = nc->opaque;
    socket_close_conn(s);
    if (s->listen_watch) {
        g_source_remove(s->listen_watch);
    }
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
    }
    if (s->txq) {
        g_byte_array_free(s->txq, TRUE);
    }
    g_free(s->rxbuf);
    g_free(s);
}

static const NetClientInfo socket_info = {
    .type = "socket",
    .receive = socket_receive,
    .peer_ready = socket_peer_ready,
    .cleanup = socket_cleanup,
};

static bool socket_open_stream(SocketNet *s, const char *listen_at, const char *connect_to,
                               Error **errp)
{
    struct sockaddr_in sa;
    const char *what = listen_at ? listen_at : connect_to;
    if (!parse_host_port(what, &sa, listen_at != NULL, errp)) {
        return false;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error_setg_errno(errp, errno, "can't create a socket");
        return false;
    }
    if (listen_at) {
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
            error_setg_errno(errp, errno, "can't listen on %s", listen_at);
            close(fd);
            return false;
        }
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        s->listen_fd = fd;
        s->listen_watch = g_unix_fd_add(fd, G_IO_IN, socket_accept, s);
        net_client_set_info(s->nc, "listening on %s", listen_at);
        return true;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        error_setg_errno(errp, errno, "can't connect to %s", connect_to);
        close(fd);
        return false;
    }
    char buf[80];
    g_snprintf(buf, sizeof(buf), "connected to %s", connect_to);
    socket_connected(s, fd, buf);
    return true;
}

static bool socket_open_dgram(SocketNet *s, const char *udp, const char *mcast,
                              const char *localaddr, Error **errp)
{
    struct sockaddr_in dst, local;
    if (!parse_host_port(udp ? udp : mcast, &dst, false, errp)) {
        return false;
    }
    if (mcast && !IN_MULTICAST(ntohl(dst.sin_addr.s_addr))) {
        error_setg(errp, "mcast=%s: not a multicast group address", mcast);
        return false;
    }
    if (udp && !localaddr) {
        error_setg(errp, "udp= needs localaddr=HOST:PORT to receive on");
        return false;
    }
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error_setg_errno(errp, errno, "can't create a socket");
        return false;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (udp) {
        if (!parse_host_port(localaddr, &local, true, errp)) {
            close(fd);
            return false;
        }
    } else {
        /* Every member binds the group's port; the group is joined on
         * localaddr's interface (default: any). */
        memset(&local, 0, sizeof(local));
        local.sin_family = AF_INET;
        local.sin_port = dst.sin_port;
        local.sin_addr.s_addr = htonl(INADDR_ANY);
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    }
    if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
        error_setg_errno(errp, errno, "can't bind the socket");
        close(fd);
        return false;
    }
    if (mcast) {
        struct ip_mreq mreq = { .imr_multiaddr = dst.sin_addr };
        mreq.imr_interface.s_addr = htonl(INADDR_ANY);
        if (localaddr && inet_pton(AF_INET, localaddr, &mreq.imr_interface) != 1) {
            error_setg(errp, "localaddr=%s: expected an IPv4 address", localaddr);
            close(fd);
            return false;
        }
        unsigned char loop = 1;
        if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0 ||
            setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof(loop)) < 0 ||
            setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq.imr_interface,
                       sizeof(mreq.imr_interface)) < 0) {
            error_setg_errno(errp, errno, "can't join multicast group %s", mcast);
            close(fd);
            return false;
        }
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    s->dgram_dst = dst;
    s->fd = fd;
    net_client_set_info(s->nc, "%s=%s", udp ? "udp" : "mcast", udp ? udp : mcast);
    socket_read_start(s);
    return true;
}

static NetClient *socket_create(const char *id, KeyVal *kv, Error **errp)
{
    const char *listen_at = keyval_get(kv, "listen"), *connect_to = keyval_get(kv, "connect");
    const char *udp = keyval_get(kv, "udp"), *mcast = keyval_get(kv, "mcast");
    const char *localaddr = keyval_get(kv, "localaddr");
    int modes = !!listen_at + !!connect_to + !!udp + !!mcast;
    if (modes != 1) {
        error_setg(errp, "a socket netdev takes exactly one of listen=, connect=, udp=, "
                   "mcast=");
        return NULL;
    }
    if (localaddr && !udp && !mcast) {
        error_setg(errp, "localaddr= goes with udp= or mcast=");
        return NULL;
    }
    SocketNet *s = g_new0(SocketNet, 1);
    s->fd = -1;
    s->listen_fd = -1;
    s->stream = listen_at || connect_to;
    s->rxbuf = g_malloc(SOCKET_RXBUF);
    s->txq = g_byte_array_new();
    NetClient *nc = net_client_new(&socket_info, "socket", id, s);
    s->nc = nc;
    bool ok = s->stream ? socket_open_stream(s, listen_at, connect_to, errp)
                        : socket_open_dgram(s, udp, mcast, localaddr, errp);
    if (!ok) {
        net_client_free(nc);
        return NULL;
    }
    return nc;
}

static const char *const socket_keys[] = { "listen", "connect", "udp", "mcast", "localaddr",
                                           NULL };

const NetBackend net_backend_socket = {
    .type = "socket",
    .help = "frames over TCP (listen=, connect=) or UDP (udp=, mcast=) to another emulator",
    .keys = socket_keys,
    .create = socket_create,
};
