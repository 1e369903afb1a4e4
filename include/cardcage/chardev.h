/*
 * cardcage plugin SDK: character backends.
 *
 * A character backend ("chardev") carries a byte stream between a device
 * (a UART, the debug console) and the host: stdio, a file, a TCP or unix
 * socket, a pty, or nothing.  Backends are created by the command line
 * (-chardev, -serial, -nographic) and found by id; a device names its
 * backend in a DEFINE_PROP_CHARDEV property (property.h), which the core
 * resolves and attaches.
 *
 * Input is delivered from the main loop: the device's can_read says how many
 * bytes it can take now, read hands them over.  A device whose FIFO was full
 * calls chardev_accept_input when it has room again.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_CHARDEV_H
#define CARDCAGE_CHARDEV_H

#include <cardcage/object.h>

#define TYPE_CHARDEV "chardev"

typedef struct Chardev Chardev;

typedef enum {
    CHARDEV_EVENT_OPENED,   /* a peer connected */
    CHARDEV_EVENT_CLOSED,   /* the peer went away */
    CHARDEV_EVENT_BREAK,    /* a serial break */
    /* ABI 1.1: on a multiplexed backend (-serial mon:stdio) the keyboard
     * moved to this frontend, or away from it (Ctrl-A c). */
    CHARDEV_EVENT_FOCUS_IN,
    CHARDEV_EVENT_FOCUS_OUT,
} ChardevEvent;

typedef int ChardevCanRead(void *opaque);
typedef void ChardevRead(void *opaque, const uint8_t *buf, int size);
typedef void ChardevEventHandler(void *opaque, ChardevEvent event);

/* NULL when no backend has that id. */
CC_API Chardev *chardev_find(const char *id);
CC_API const char *chardev_get_id(Chardev *chr);
/* Attach a device's handlers.  A backend takes one frontend, and fails if
 * another device already took it, unless it is multiplexed (-serial
 * mon:stdio): then up to CHARDEV_FRONTENDS_MAX share it, every frontend's
 * output goes out, and input goes to the one with the focus, which
 * Ctrl-A c moves (the first attached has it at first). */
#define CHARDEV_FRONTENDS_MAX 4
CC_API bool chardev_attach(Chardev *chr, ChardevCanRead *can_read, ChardevRead *read,
                           ChardevEventHandler *event, void *opaque, Error **errp);
/* ABI 2.0: a device names its backend in a DEFINE_PROP_CHARDEV property,
 * whose field is a Chardev * (NULL: no backend; writes are discarded).
 * The core resolves the id when the property is set (error: no such
 * backend), attaches the backend to the device just before its realize
 * (error: in use by another device) and detaches it after its unrealize.
 * In realize the device gives its handlers here; chr may be NULL, and any
 * handler may be NULL (an output-only device needs none). */
typedef struct DeviceState DeviceState;
CC_API void chardev_set_handlers(Chardev *chr, DeviceState *dev, ChardevCanRead *can_read,
                                 ChardevRead *read, ChardevEventHandler *event,
                                 void *opaque);
/* Detach every frontend. */
CC_API void chardev_detach(Chardev *chr);
/* ABI 1.1: detach the frontend attached with this opaque (a device's
 * unrealize on a backend it may share). */
CC_API void chardev_detach_frontend(Chardev *chr, void *opaque);
/* Write all of buf unless the host side is gone; returns bytes written. */
CC_API int chardev_write(Chardev *chr, const uint8_t *buf, int len);
CC_API void chardev_accept_input(Chardev *chr);
/* Host side connected (sockets); always true for stdio and files. */
CC_API bool chardev_is_connected(Chardev *chr);

#endif
