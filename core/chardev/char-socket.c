/*
 * The "socket" backend: a TCP (host=, port=) or unix (path=) stream socket,
 * as a server (server=on) or a client.  The byte stream is passed raw
 * (telnet=off, the only value accepted, is taken for QEMU command lines).
 *
 * Server: listens and takes one client at a time; while a client is
 * connected further ones wait in the listen backlog, and when it leaves
 * the next is accepted.  wait=on (QEMU's default for a server) makes the
 * emulator wait at start-up for the first client; wait=off starts at once.
 * Client: connects once at start-up (an error if it can't); there is no
 * reconnection.  A unix server removes a stale socket file at its path
 * before binding (only a socket, never another kind of file) and removes
 * its own when closed.
 *
 * While no peer is connected, output is dropped (chardev_write returns 0);
 * a connected peer that reads slowly gets up to CHARDEV_OUTQ_MAX bytes
 * queued, then drops (char-fd.c).  The frontend sees CHARDEV_EVENT_OPENED
 * and CHARDEV_EVENT_CLOSED as peers come and go.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>
#include <glib-unix.h>
#include "char-fd.h"

typedef struct SocketChardev {
    FdChardev parent_obj;
    bool server;
    bool nodelay;
    bool is_unix;
    char *unix_path;       /* bound path, unlinked at close (server) */
    int listen_fd;
    guint listen_watch;
    int conn_fd;
} SocketChardev;

#define SOCKET_CHARDEV(obj) OBJECT_CHECK(SocketChardev, (obj), TYPE_CHARDEV_SOCKET)

static void socket_listen_start(SocketChardev *s);

/* ---- the connection ---- */

static void socket_disconnect(SocketChardev *s)
{
    if (s->conn_fd < 0) {
        return;
    }
    fd_channel_stop(&FD_CHARDEV(s)->ch);
    close(s->conn_fd);
    s->conn_fd = -1;
    chardev_fe_event(CHARDEV(s), CHARDEV_EVENT_CLOSED);
    if (s->server) {
        socket_listen_start(s);
    }
}

static void socket_hangup(FdChannel *ch)
{
    socket_disconnect(SOCKET_CHARDEV(ch->chr));
}

static void socket_connected(SocketChardev *s, int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (!s->is_unix && s->nodelay) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    s->conn_fd = fd;
    FdChannel *ch = &FD_CHARDEV(s)->ch;
    ch->on_hangup = socket_hangup;
    fd_channel_init(ch, CHARDEV(s), fd, fd, true);
    chardev_fe_event(CHARDEV(s), CHARDEV_EVENT_OPENED);
}

static bool socket_is_connected(Chardev *chr)
{
    return SOCKET_CHARDEV(chr)->conn_fd >= 0;
}

/* ---- listening ---- */

static gboolean socket_accept_ready(gint fd, GIOCondition cond, gpointer opaque)
{
    SocketChardev *s = opaque;
    int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0) {
        return G_SOURCE_CONTINUE;   /* EAGAIN, ECONNABORTED: try again later */
    }
    /* One client at a time: stop listening until it goes. */
    s->listen_watch = 0;
    socket_connected(s, c);
    return G_SOURCE_REMOVE;
}

static void socket_listen_start(SocketChardev *s)
{
    if (s->listen_fd >= 0 && !s->listen_watch) {
        s->listen_watch = g_unix_fd_add(s->listen_fd, G_IO_IN, socket_accept_ready, s);
    }
}

/* ---- addresses ---- */

static int socket_unix_address(const char *path, struct sockaddr_un *sun, Error **errp)
{
    memset(sun, 0, sizeof(*sun));
    sun->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sun->sun_path)) {
        error_setg(errp, "unix socket path '%s' is longer than %zu bytes", path,
                   sizeof(sun->sun_path) - 1);
        return -1;
    }
    strcpy(sun->sun_path, path);
    return 0;
}

static int socket_open_unix(SocketChardev *s, const char *path, Error **errp)
{
    struct sockaddr_un sun;
    if (socket_unix_address(path, &sun, errp) < 0) {
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error_setg_errno(errp, errno, "can't create a unix socket");
        return -1;
    }
    if (s->server) {
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
            unlink(path);
        }
        if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 1) < 0) {
            error_setg_errno(errp, errno, "can't listen on unix socket '%s'", path);
            close(fd);
            return -1;
        }
        s->unix_path = g_strdup(path);
    } else if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
        error_setg_errno(errp, errno, "can't connect to unix socket '%s'", path);
        close(fd);
        return -1;
    }
    return fd;
}

static int socket_open_tcp(SocketChardev *s, const char *host, const char *port,
                           Error **errp)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC,
        .ai_socktype = SOCK_STREAM,
        .ai_flags = s->server ? AI_PASSIVE : 0,
    }, *res = NULL;
    if (host && !*host) {
        host = NULL;     /* "tcp::4444": every local address */
    }
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        error_setg(errp, "can't resolve '%s:%s': %s", host ? host : "", port,
                   gai_strerror(rc));
        return -1;
    }
    int fd = -1, err = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        if (s->server) {
            int one = 1;
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
            if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1) == 0) {
                break;
            }
        } else if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            break;
        }
        err = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        error_setg_errno(errp, err, "can't %s tcp:%s:%s", s->server ? "listen on" : "connect to",
                         host ? host : "", port);
    }
    return fd;
}

char *chardev_socket_listen_address(Chardev *chr)
{
    SocketChardev *s = (SocketChardev *)object_dynamic_cast(OBJECT(chr), TYPE_CHARDEV_SOCKET);
    if (!s || s->listen_fd < 0) {
        return NULL;
    }
    if (s->is_unix) {
        return g_strdup_printf("unix:%s", s->unix_path);
    }
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    char host[NI_MAXHOST], port[NI_MAXSERV];
    if (getsockname(s->listen_fd, (struct sockaddr *)&ss, &len) < 0 ||
        getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), port, sizeof(port),
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        return NULL;
    }
    return g_strdup_printf("tcp:%s:%s", host, port);
}

/* ---- open and close ---- */

static bool socket_open(Chardev *chr, const ChardevOpts *opts, Error **errp)
{
    SocketChardev *s = SOCKET_CHARDEV(chr);
    const char *path = keyval_get(opts, "path");
    const char *host = keyval_get(opts, "host");
    const char *port = keyval_get(opts, "port");
    bool wait, telnet;
    if (!keyval_get_bool(opts, "server", false, &s->server, errp) ||
        !keyval_get_bool(opts, "wait", true, &wait, errp) ||
        !keyval_get_bool(opts, "nodelay", true, &s->nodelay, errp) ||
        !keyval_get_bool(opts, "telnet", false, &telnet, errp)) {
        return false;
    }
    if (telnet) {
        error_setg(errp, "telnet=on is not supported (the stream is passed raw)");
        return false;
    }
    if (path && (host || port)) {
        error_setg(errp, "give either path= (unix) or host= and port= (tcp), not both");
        return false;
    }
    if (!path && !port) {
        error_setg(errp, "the socket backend needs path= or port=");
        return false;
    }
    s->is_unix = path != NULL;
    int fd = s->is_unix ? socket_open_unix(s, path, errp)
                        : socket_open_tcp(s, host ? host : "", port, errp);
    if (fd < 0) {
        return false;
    }
    if (!s->server) {
        socket_connected(s, fd);
        return true;
    }
    s->listen_fd = fd;
    if (wait) {
        char *addr = chardev_socket_listen_address(chr);
        fprintf(stderr, "cardcage: waiting for a connection on %s\n", addr ? addr : "?");
        g_free(addr);
        int c;
        do {
            c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        } while (c < 0 && errno == EINTR);
        if (c < 0) {
            error_setg_errno(errp, errno, "accepting a connection");
            return false;
        }
        socket_connected(s, c);
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (s->conn_fd < 0) {
        socket_listen_start(s);
    }
    return true;
}

static void socket_init(Object *obj)
{
    SocketChardev *s = SOCKET_CHARDEV(obj);
    s->listen_fd = -1;
    s->conn_fd = -1;
}

static void socket_finalize(Object *obj)
{
    SocketChardev *s = SOCKET_CHARDEV(obj);
    fd_channel_stop(&FD_CHARDEV(s)->ch);
    if (s->conn_fd >= 0) {
        close(s->conn_fd);
    }
    if (s->listen_watch) {
        g_source_remove(s->listen_watch);
    }
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
    }
    if (s->unix_path) {
        unlink(s->unix_path);
        g_free(s->unix_path);
    }
}

static const char *const socket_opt_names[] = {
    "host", "port", "path", "server", "wait", "nodelay", "telnet", NULL
};

static void socket_class_init(ObjectClass *oc, void *data)
{
    ChardevClass *cc = CHARDEV_CLASS(oc);
    cc->opt_names = socket_opt_names;
    cc->open = socket_open;
    cc->is_connected = socket_is_connected;
}

static const TypeInfo socket_types[] = {
    {
        .name = TYPE_CHARDEV_SOCKET,
        .parent = TYPE_CHARDEV_FD,
        .instance_size = sizeof(SocketChardev),
        .instance_init = socket_init,
        .instance_finalize = socket_finalize,
        .class_init = socket_class_init,
    },
};

DEFINE_TYPES(socket_types)
