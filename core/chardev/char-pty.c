/*
 * The "pty" backend: a new pseudo-terminal; the guest's side is the master,
 * a terminal program opens the slave, whose path is printed on stderr
 * ("char device redirected to /dev/pts/N (label ID)", as QEMU prints it) and
 * returned by chardev_pty_path.
 *
 * The backend keeps the slave open itself, with the line discipline in raw
 * mode (no echo: an echo would feed the guest's output back to it).  So the
 * master never sees a hang-up when a terminal program comes and goes, and
 * output written while nobody is connected waits in the pty's buffer (then
 * in the bounded output queue, then is dropped).
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>
#include "char-fd.h"

typedef struct PtyChardev {
    FdChardev parent_obj;
    int master;
    int slave;
    char *path;
} PtyChardev;

#define PTY_CHARDEV(obj) OBJECT_CHECK(PtyChardev, (obj), TYPE_CHARDEV_PTY)

const char *chardev_pty_path(Chardev *chr)
{
    PtyChardev *p = (PtyChardev *)object_dynamic_cast(OBJECT(chr), TYPE_CHARDEV_PTY);
    return p ? p->path : NULL;
}

static void pty_flush(Chardev *chr, int timeout_ms)
{
    /* A pty nobody reads never drains: don't hold up the exit for it. */
    fd_channel_flush(&FD_CHARDEV(chr)->ch, MIN(timeout_ms, 100));
}

static bool pty_open(Chardev *chr, const ChardevOpts *opts, Error **errp)
{
    PtyChardev *p = PTY_CHARDEV(chr);
    p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (p->master < 0) {
        error_setg_errno(errp, errno, "can't open a pseudo-terminal");
        return false;
    }
    const char *name = NULL;
    if (grantpt(p->master) < 0 || unlockpt(p->master) < 0 || !(name = ptsname(p->master))) {
        error_setg_errno(errp, errno, "can't set up the pseudo-terminal");
        return false;
    }
    p->path = g_strdup(name);
    p->slave = open(p->path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (p->slave < 0) {
        error_setg_errno(errp, errno, "can't open %s", p->path);
        return false;
    }
    struct termios t;
    if (tcgetattr(p->slave, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(p->slave, TCSANOW, &t);
    }
    fcntl(p->master, F_SETFL, fcntl(p->master, F_GETFL) | O_NONBLOCK);
    fprintf(stderr, "char device redirected to %s (label %s)\n", p->path, chr->id);
    fd_channel_init(&FD_CHARDEV(p)->ch, chr, p->master, p->master, false);
    return true;
}

static void pty_init(Object *obj)
{
    PtyChardev *p = PTY_CHARDEV(obj);
    p->master = -1;
    p->slave = -1;
}

static void pty_finalize(Object *obj)
{
    PtyChardev *p = PTY_CHARDEV(obj);
    fd_channel_stop(&FD_CHARDEV(p)->ch);
    if (p->slave >= 0) {
        close(p->slave);
    }
    if (p->master >= 0) {
        close(p->master);
    }
    g_free(p->path);
}

static void pty_class_init(ObjectClass *oc, void *data)
{
    ChardevClass *cc = CHARDEV_CLASS(oc);
    cc->open = pty_open;
    cc->flush = pty_flush;
}

static const TypeInfo pty_types[] = {
    {
        .name = TYPE_CHARDEV_PTY,
        .parent = TYPE_CHARDEV_FD,
        .instance_size = sizeof(PtyChardev),
        .instance_init = pty_init,
        .instance_finalize = pty_finalize,
        .class_init = pty_class_init,
    },
};

DEFINE_TYPES(pty_types)
