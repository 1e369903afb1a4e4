/*
 * File-descriptor plumbing for backends (see char-fd.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib-unix.h>
#include "char-fd.h"

/* One read per wake-up takes at most this much. */
#define FD_READ_CHUNK 4096

static void fd_channel_remove_watches(FdChannel *ch)
{
    if (ch->in_watch) {
        g_source_remove(ch->in_watch);
        ch->in_watch = 0;
    }
    if (ch->out_watch) {
        g_source_remove(ch->out_watch);
        ch->out_watch = 0;
    }
}

/* Input reached its end: stop reading; output goes on (stdin at EOF does
 * not end stdout) unless the backend's on_hangup decides otherwise. */
static void fd_channel_input_ended(FdChannel *ch)
{
    ch->in_fd = -1;
    if (ch->on_hangup) {
        ch->on_hangup(ch);
    }
}

/* Output failed for good (EPIPE, a closed peer): drop what is queued. */
static void fd_channel_output_failed(FdChannel *ch)
{
    if (ch->out_watch) {
        g_source_remove(ch->out_watch);
        ch->out_watch = 0;
    }
    ch->chr->dropped += ch->outq->len;
    g_byte_array_set_size(ch->outq, 0);
    ch->out_fd = -1;
    if (ch->on_hangup) {
        ch->on_hangup(ch);
    }
}

/* ---- reading ---- */

static gboolean fd_channel_readable(gint fd, GIOCondition cond, gpointer opaque)
{
    FdChannel *ch = opaque;
    int room = chardev_fe_can_read(ch->chr);
    if (room <= 0) {
        /* The frontend is full: stop polling until chardev_accept_input. */
        ch->in_watch = 0;
        return G_SOURCE_REMOVE;
    }
    uint8_t buf[FD_READ_CHUNK];
    ssize_t n = read(fd, buf, MIN((size_t)room, sizeof(buf)));
    if (n > 0) {
        chardev_fe_deliver(ch->chr, buf, (int)n);
        return G_SOURCE_CONTINUE;
    }
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) {
        return G_SOURCE_CONTINUE;
    }
    /* End of file or a hard error: this source is finished. */
    ch->in_watch = 0;
    fd_channel_input_ended(ch);
    return G_SOURCE_REMOVE;
}

void fd_channel_update_read(FdChannel *ch)
{
    if (ch->in_fd < 0 || ch->in_watch || chardev_fe_can_read(ch->chr) <= 0) {
        return;
    }
    /* NVAL too: a closed fd must end the input, not make poll spin. */
    ch->in_watch = g_unix_fd_add(ch->in_fd, G_IO_IN | G_IO_HUP | G_IO_ERR | G_IO_NVAL,
                                 fd_channel_readable, ch);
}

/* ---- writing ---- */

/* Write what the fd takes without waiting.  Returns the bytes written, or
 * -1 when the fd is broken. */
static ssize_t fd_write_now(FdChannel *ch, const uint8_t *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        struct pollfd p = { .fd = ch->out_fd, .events = POLLOUT };
        int r = poll(&p, 1, 0);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        if (p.revents & (POLLERR | POLLNVAL)) {
            return -1;
        }
        if (!(p.revents & POLLOUT)) {
            break;
        }
        /* POLLOUT on a pipe promises PIPE_BUF bytes of room: a write no
         * larger than that cannot block even on a blocking fd. */
        size_t chunk = MIN(len - done, (size_t)PIPE_BUF);
        ssize_t n = ch->is_socket ? send(ch->out_fd, buf + done, chunk, MSG_NOSIGNAL)
                                  : write(ch->out_fd, buf + done, chunk);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                break;
            }
            return -1;
        }
        done += (size_t)n;
    }
    return (ssize_t)done;
}

static size_t fd_outq_max(const FdChannel *ch)
{
    return ch->chr->outq_max ? ch->chr->outq_max : CHARDEV_OUTQ_MAX;
}

static gboolean fd_channel_writable(gint fd, GIOCondition cond, gpointer opaque)
{
    FdChannel *ch = opaque;
    ssize_t n = fd_write_now(ch, ch->outq->data, ch->outq->len);
    if (n < 0) {
        ch->out_watch = 0;     /* GLib removes this source on return */
        fd_channel_output_failed(ch);
        return G_SOURCE_REMOVE;
    }
    g_byte_array_remove_range(ch->outq, 0, (guint)n);
    if (ch->outq->len == 0) {
        ch->out_watch = 0;
        ch->stalled = false;
        /* A frontend may hold back input until its output is out. */
        fd_channel_update_read(ch);
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

/* Write queued output until at most `target` bytes are left or timeout_ms
 * pass.  Returns false if the fd broke. */
static bool fd_channel_drain(FdChannel *ch, size_t target, int timeout_ms)
{
    int64_t deadline = g_get_monotonic_time() + (int64_t)timeout_ms * 1000;
    while (ch->out_fd >= 0 && ch->outq->len > target) {
        int64_t left_ms = (deadline - g_get_monotonic_time()) / 1000;
        if (left_ms <= 0) {
            break;
        }
        struct pollfd p = { .fd = ch->out_fd, .events = POLLOUT };
        int r = poll(&p, 1, (int)left_ms);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        ssize_t n = fd_write_now(ch, ch->outq->data, ch->outq->len);
        if (n < 0) {
            return false;
        }
        g_byte_array_remove_range(ch->outq, 0, (guint)n);
    }
    if (ch->outq->len == 0) {
        ch->stalled = false;
    }
    return true;
}

int fd_channel_write(FdChannel *ch, const uint8_t *buf, int len)
{
    size_t total = len > 0 ? (size_t)len : 0, done = 0;
    while (done < total && ch->out_fd >= 0) {
        if (ch->outq->len == 0) {
            ssize_t n = fd_write_now(ch, buf + done, total - done);
            if (n < 0) {
                fd_channel_output_failed(ch);
                break;
            }
            done += (size_t)n;
        }
        size_t queue = MIN(total - done, fd_outq_max(ch) - MIN(ch->outq->len, fd_outq_max(ch)));
        if (queue) {
            g_byte_array_append(ch->outq, buf + done, (guint)queue);
            done += queue;
            if (!ch->out_watch) {
                ch->out_watch = g_unix_fd_add(ch->out_fd,
                                              G_IO_OUT | G_IO_ERR | G_IO_HUP | G_IO_NVAL,
                                              fd_channel_writable, ch);
            }
        }
        if (done == total || ch->stalled) {
            break;
        }
        /* The queue is full and bytes are left.  A slow reader gets
         * CHARDEV_STALL_MS to make room before anything is dropped; one
         * that makes too little in that time is not waited for again
         * until it has emptied the queue. */
        size_t max = fd_outq_max(ch);
        size_t want = MIN(total - done, max);
        if (!fd_channel_drain(ch, max - want, CHARDEV_STALL_MS)) {
            fd_channel_output_failed(ch);
            break;
        }
        ch->stalled = max - MIN(ch->outq->len, max) < want;
    }
    ch->chr->dropped += total - done;
    return (int)done;
}

void fd_channel_flush(FdChannel *ch, int timeout_ms)
{
    fd_channel_drain(ch, 0, timeout_ms);
}

/* ---- life cycle ---- */

void fd_channel_init(FdChannel *ch, Chardev *chr, int in_fd, int out_fd, bool is_socket)
{
    ch->chr = chr;
    ch->in_fd = in_fd;
    ch->out_fd = out_fd;
    ch->is_socket = is_socket;
    ch->in_watch = 0;
    ch->out_watch = 0;
    g_byte_array_set_size(ch->outq, 0);
    fd_channel_update_read(ch);
}

void fd_channel_stop(FdChannel *ch)
{
    fd_channel_remove_watches(ch);
    if (ch->outq) {
        g_byte_array_set_size(ch->outq, 0);
    }
    ch->in_fd = -1;
    ch->out_fd = -1;
}

void fd_channel_destroy(FdChannel *ch)
{
    fd_channel_stop(ch);
    if (ch->outq) {
        g_byte_array_free(ch->outq, TRUE);
        ch->outq = NULL;
    }
}

/* ---- the abstract fd backend ---- */

static int fd_chardev_write(Chardev *chr, const uint8_t *buf, int len)
{
    return fd_channel_write(&FD_CHARDEV(chr)->ch, buf, len);
}

static void fd_chardev_input_ready(Chardev *chr)
{
    fd_channel_update_read(&FD_CHARDEV(chr)->ch);
}

static void fd_chardev_flush(Chardev *chr, int timeout_ms)
{
    fd_channel_flush(&FD_CHARDEV(chr)->ch, timeout_ms);
}

static size_t fd_chardev_pending(Chardev *chr)
{
    FdChannel *ch = &FD_CHARDEV(chr)->ch;
    return ch->outq ? ch->outq->len : 0;
}

static void fd_chardev_init(Object *obj)
{
    FdChannel *ch = &FD_CHARDEV(obj)->ch;
    ch->chr = CHARDEV(obj);
    ch->in_fd = -1;
    ch->out_fd = -1;
    ch->outq = g_byte_array_new();
}

static void fd_chardev_finalize(Object *obj)
{
    fd_channel_destroy(&FD_CHARDEV(obj)->ch);
}

static void fd_chardev_class_init(ObjectClass *oc, void *data)
{
    ChardevClass *cc = CHARDEV_CLASS(oc);
    cc->write = fd_chardev_write;
    cc->input_ready = fd_chardev_input_ready;
    cc->flush = fd_chardev_flush;
    cc->pending = fd_chardev_pending;
}

static const TypeInfo fd_chardev_types[] = {
    {
        .name = TYPE_CHARDEV_FD,
        .parent = TYPE_CHARDEV,
        .abstract = true,
        .instance_size = sizeof(FdChardev),
        .instance_init = fd_chardev_init,
        .instance_finalize = fd_chardev_finalize,
        .class_init = fd_chardev_class_init,
    },
};

DEFINE_TYPES(fd_chardev_types)
