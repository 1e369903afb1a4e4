/*
 * File-descriptor plumbing shared by the stdio, file, socket and pty
 * backends: reading with flow control and writing that never blocks.
 *
 * Reading: a GLib fd source on the default GMainContext is installed only
 * while the frontend can take bytes.  Each wake-up reads at most what
 * can_read allows; when can_read says 0 the source is removed, and
 * chardev_accept_input (-> fd_channel_update_read) installs it again.  So a
 * guest that stops reading its UART leaves the bytes in the host's buffer
 * (the peer sees backpressure) and the emulator does not spin.
 *
 * Writing: try the fd now (poll for POLLOUT with no wait, then write at
 * most PIPE_BUF bytes at a time, so even a blocking pipe or terminal
 * cannot block us); what is left goes to a queue of at most
 * CHARDEV_OUTQ_MAX bytes (or the Chardev.outq_max a frontend set) that a
 * G_IO_OUT source drains; when it empties, reading is offered again.  When the queue is
 * full, the emulator waits up to CHARDEV_STALL_MS for the reader to make
 * room, so a reader that is merely slow loses nothing; a reader that
 * leaves the queue full that long is marked stalled, and its output is
 * dropped (and counted in Chardev.dropped) without further waits until it
 * has emptied the queue.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_CHARDEV_CHAR_FD_H
#define CORE_CHARDEV_CHAR_FD_H

#include "chardev-internal.h"

typedef struct FdChannel FdChannel;

struct FdChannel {
    Chardev *chr;
    int in_fd;               /* -1: no input */
    int out_fd;              /* -1: output is discarded */
    bool is_socket;          /* use send(MSG_NOSIGNAL): no SIGPIPE */
    guint in_watch;          /* 0 when not reading */
    guint out_watch;         /* 0 when the queue is empty */
    GByteArray *outq;
    bool stalled;            /* the reader let the queue fill: don't wait */
    /* Input reached end of file or failed (in_fd is now -1), or output
     * failed for good, e.g. EPIPE (out_fd is now -1).  NULL: carry on with
     * the other direction. */
    void (*on_hangup)(FdChannel *ch);
};

/* Start using in_fd / out_fd (either may be -1); does not own them.  The
 * channel must have been set up by the FdChardev instance_init. */
void fd_channel_init(FdChannel *ch, Chardev *chr, int in_fd, int out_fd, bool is_socket);
/* Remove the sources and drop queued output; the fds stay open (the
 * channel can be started again with fd_channel_init). */
void fd_channel_stop(FdChannel *ch);
/* fd_channel_stop and free the queue. */
void fd_channel_destroy(FdChannel *ch);
/* Install the read source if the frontend can take input. */
void fd_channel_update_read(FdChannel *ch);
/* See above; returns the bytes accepted (written or queued). */
int fd_channel_write(FdChannel *ch, const uint8_t *buf, int len);
/* Write out the queue, waiting at most timeout_ms in total. */
void fd_channel_flush(FdChannel *ch, int timeout_ms);

/* The abstract backend over an FdChannel: its class methods write,
 * input_ready and flush go to the channel, so the stdio, file, pty and
 * socket backends only open (and close) their fds. */
#define TYPE_CHARDEV_FD "chardev-fd"

typedef struct FdChardev {
    Chardev parent_obj;
    FdChannel ch;
} FdChardev;

#define FD_CHARDEV(obj) OBJECT_CHECK(FdChardev, (obj), TYPE_CHARDEV_FD)

#endif
