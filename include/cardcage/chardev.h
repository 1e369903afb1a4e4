/*
 * cardcage plugin SDK: character backends.
 *
 * A character backend ("chardev") carries a byte stream between a device
 * (a UART, the debug console) and the host: stdio, a file, a TCP or unix
 * socket, a pty, or nothing.  Backends are created by the command line
 * (-chardev, -serial, -nographic) and found by id; a device names its
 * backend in a DEFINE_PROP_CHARDEV property.
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
} ChardevEvent;

typedef int ChardevCanRead(void *opaque);
typedef void ChardevRead(void *opaque, const uint8_t *buf, int size);
typedef void ChardevEventHandler(void *opaque, ChardevEvent event);

/* NULL when no backend has that id. */
CC_API Chardev *chardev_find(const char *id);
CC_API const char *chardev_get_id(Chardev *chr);
/* Attach a device's handlers (only one frontend per backend; fails if
 * another device already took it). */
CC_API bool chardev_attach(Chardev *chr, ChardevCanRead *can_read, ChardevRead *read,
                           ChardevEventHandler *event, void *opaque, Error **errp);
CC_API void chardev_detach(Chardev *chr);
/* Write all of buf unless the host side is gone; returns bytes written. */
CC_API int chardev_write(Chardev *chr, const uint8_t *buf, int len);
CC_API void chardev_accept_input(Chardev *chr);
/* Host side connected (sockets); always true for stdio and files. */
CC_API bool chardev_is_connected(Chardev *chr);

#endif
