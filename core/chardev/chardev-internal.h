/*
 * Character backends: the core's side (the SDK side is
 * include/cardcage/chardev.h).
 *
 * A backend is an object of a subtype of TYPE_CHARDEV, created by the
 * command line (-chardev, -serial, -nographic) or a test, kept under the
 * container /chardevs by id, and opened from a list of options.  The
 * backends:
 *
 *   null     discards output, never has input
 *   stdio    the emulator's stdin/stdout; raw mode on a terminal
 *   file     path=FILE [append=on|off] [input-path=FILE]
 *   socket   host=H port=P | path=P, [server=on|off] [wait=on|off] [nodelay=on|off]
 *   pty      a new pseudo-terminal; its slave path is printed
 *   ringbuf  in memory [size=N]: tests read the output and inject input
 *
 * Input is read from GLib's default GMainContext, only while the frontend
 * says it can take bytes (can_read > 0).  Output never blocks the emulator
 * for long: what the host side cannot take at once waits in a queue of at
 * most CHARDEV_OUTQ_MAX bytes, flushed from the main loop; when that is
 * full the emulator gives the reader CHARDEV_STALL_MS to make room, then
 * drops output (and counts it) until the reader has caught up.  See
 * char-fd.h.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_CHARDEV_INTERNAL_H
#define CORE_CHARDEV_INTERNAL_H

#include <cardcage/chardev.h>
#include <cardcage/module.h>
#include "util/keyval.h"

/* Output a host reader has not taken yet, per backend (see char-fd.c). */
#define CHARDEV_OUTQ_MAX (64 * 1024)
/* How long a full queue waits for its reader before output is dropped. */
#define CHARDEV_STALL_MS 100

/* ---- options ---- */

/* "key=value" pairs, in order, from a -chardev string or a spec: the
 * command line's one list type (util/keyval.h). */
typedef KeyVal ChardevOpts;

/* ---- objects ---- */

typedef struct ChardevFrontend {
    ChardevCanRead *can_read;
    ChardevRead *read;
    ChardevEventHandler *event;
    void *opaque;
    /* The device that claimed the backend through its chardev property
     * (NULL: the monitor, gdb, a test), for chardev_set_handlers and the
     * "in use by" message. */
    Object *owner;
} ChardevFrontend;

/* Input a multiplexed backend took while its focused frontend had no room. */
#define CHARDEV_MUX_BUF 32

struct Chardev {
    Object parent_obj;
    char *id;
    /* The frontends: one, unless multiplexed (char-frontend.c). */
    ChardevFrontend fe[CHARDEV_FRONTENDS_MAX];
    int nfe;
    int focus;           /* the frontend that gets input */
    bool mux;
    bool mux_escape;     /* the last byte was the escape key */
    uint8_t mux_buf[CHARDEV_MUX_BUF];
    int mux_len;
    uint64_t dropped;    /* output bytes the host side did not take */
    /* The output queue's bound; 0 is CHARDEV_OUTQ_MAX.  A frontend whose
     * messages must never be cut (QMP) raises it and holds back its own
     * input while output is pending instead. */
    size_t outq_max;
};

typedef struct ChardevClass {
    ObjectClass parent_class;
    /* The option names open accepts (besides "id"), NULL-terminated. */
    const char *const *opt_names;
    bool (*open)(Chardev *chr, const ChardevOpts *opts, Error **errp);
    /* Take up to len bytes; return how many were accepted (written or
     * queued).  Never blocks. */
    int (*write)(Chardev *chr, const uint8_t *buf, int len);
    /* The frontend may take input now (attached, or room again). */
    void (*input_ready)(Chardev *chr);
    /* NULL: always connected. */
    bool (*is_connected)(Chardev *chr);
    /* Push out queued output, waiting at most timeout_ms (at exit). */
    void (*flush)(Chardev *chr, int timeout_ms);
    /* Output bytes queued and not yet taken by the host side; NULL: 0. */
    size_t (*pending)(Chardev *chr);
} ChardevClass;

#define CHARDEV(obj) OBJECT_CHECK(Chardev, (obj), TYPE_CHARDEV)
#define CHARDEV_CLASS(klass) OBJECT_CLASS_CHECK(ChardevClass, (klass), TYPE_CHARDEV)
#define CHARDEV_GET_CLASS(obj) OBJECT_GET_CLASS(ChardevClass, (obj), TYPE_CHARDEV)

/* Backend type names are "chardev-<backend>". */
#define TYPE_CHARDEV_NULL    "chardev-null"
#define TYPE_CHARDEV_STDIO   "chardev-stdio"
#define TYPE_CHARDEV_FILE    "chardev-file"
#define TYPE_CHARDEV_SOCKET  "chardev-socket"
#define TYPE_CHARDEV_PTY     "chardev-pty"
#define TYPE_CHARDEV_RINGBUF "chardev-ringbuf"

/* Create backend `backend` ("file", "socket", ...) with this id, open it
 * with opts and register it.  Fails on an unknown backend or option, a bad
 * or taken id, or when the host resource can't be opened. */
Chardev *chardev_new(const char *id, const char *backend, const ChardevOpts *opts,
                     Error **errp);

/* QEMU's -serial style specs: "null", "stdio", "pty", "ringbuf",
 * "file:PATH", "tcp:[HOST]:PORT[,server=on][,wait=off][,nodelay=on]",
 * "unix:PATH[,server=on][,wait=off]" (the old "server" and "nowait" flags
 * are taken too). */
Chardev *chardev_new_from_spec(const char *id, const char *spec, Error **errp);

/* -chardev's "backend,id=ID,key=value,..." (",," stands for a comma inside
 * a value; a bare key means key=on). */
Chardev *chardev_new_from_opts(const char *optstr, Error **errp);

/* Remove the backend with that id (closing it); false if there is none or
 * a device is still attached. */
bool chardev_delete(const char *id, Error **errp);

/* Flush every backend's pending output (bounded wait) and restore the
 * terminal; for the end of main(). */
void chardev_cleanup_all(void);

/* Let several frontends share chr, with QEMU's escape keys (Ctrl-A h for
 * the list).  Before any frontend attaches. */
void chardev_set_mux(Chardev *chr);
bool chardev_is_mux(Chardev *chr);
/* A device's chardev property (core/device/backend-prop.c): claim the
 * backend for owner with no handlers yet (chardev_set_handlers gives them
 * in the device's realize); give it up (unrealize). */
bool chardev_claim(Chardev *chr, Object *owner, Error **errp);
void chardev_release(Chardev *chr, Object *owner);
/* The ids of the multiplexed backends, sorted (g_slist_free_full with
 * g_free). */
GSList *chardev_list_mux_ids(void);

/* Call the backend's frontend, if any (for backend code); on a multiplexed
 * backend, the one with the focus, after the escape keys are taken out. */
int chardev_fe_can_read(Chardev *chr);
void chardev_fe_deliver(Chardev *chr, const uint8_t *buf, int len);
void chardev_fe_event(Chardev *chr, ChardevEvent event);

/* ---- ringbuf (tests, the monitor) ---- */

/* Take up to max bytes of what the frontend wrote, oldest first. */
size_t chardev_ringbuf_read(Chardev *chr, uint8_t *buf, size_t max);
/* Bytes waiting to be read. */
size_t chardev_ringbuf_count(Chardev *chr);
/* Queue bytes for the frontend: delivered at once as far as can_read
 * allows, the rest when the frontend calls chardev_accept_input (from the
 * main context).  Returns how many were queued (the input queue holds at
 * most the ring's size). */
size_t chardev_ringbuf_inject(Chardev *chr, const uint8_t *buf, size_t len);
/* Bytes injected but not yet taken by the frontend. */
size_t chardev_ringbuf_input_pending(Chardev *chr);

/* ---- pty ---- */

/* The slave's path ("/dev/pts/3"), or NULL for another backend. */
const char *chardev_pty_path(Chardev *chr);

/* ---- socket ---- */

/* The address a listening socket is bound to, as "tcp:HOST:PORT" or
 * "unix:PATH" (port 0 asks the OS for a free one); NULL when chr is not a
 * server.  g_free it. */
char *chardev_socket_listen_address(Chardev *chr);

/* Bytes of output dropped so far because the host side did not take them. */
uint64_t chardev_dropped_bytes(Chardev *chr);
/* Output queued for the host side and not yet taken. */
size_t chardev_output_pending(Chardev *chr);
/* Let up to max bytes of output wait for a slow reader (see outq_max). */
void chardev_set_output_limit(Chardev *chr, size_t max);

#endif
