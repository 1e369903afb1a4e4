/*
 * Image locking; see file-lock.h for the byte layout.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include "block/file-lock.h"

enum {
    LOCK_PERM_BASE = 100,     /* QEMU's RAW_LOCK_PERM_BASE */
    LOCK_SHARED_BASE = 200,   /* QEMU's RAW_LOCK_SHARED_BASE */
    PERM_CONSISTENT_READ = 1 << 0,
    PERM_WRITE = 1 << 1,
    PERM_WRITE_UNCHANGED = 1 << 2,
    PERM_RESIZE = 1 << 3,
    PERM_COUNT = 4,
    PERM_ALL = (1 << PERM_COUNT) - 1,
};

static const char *const perm_names[PERM_COUNT] = {
    "consistent read", "write", "write unchanged", "resize",
};

static int lock_byte(int fd, int off, short type)
{
    struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = off, .l_len = 1 };
    return fcntl(fd, F_OFD_SETLK, &fl) < 0 ? -errno : 0;
}

/* Does another open file description hold a lock on byte off? */
static bool byte_taken(int fd, int off)
{
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = off, .l_len = 1 };
    if (fcntl(fd, F_OFD_GETLK, &fl) < 0) {
        return false;
    }
    return fl.l_type != F_UNLCK;
}

static void unlock_all(int fd)
{
    for (int i = 0; i < PERM_COUNT; i++) {
        lock_byte(fd, LOCK_PERM_BASE + i, F_UNLCK);
        lock_byte(fd, LOCK_SHARED_BASE + i, F_UNLCK);
    }
}

bool file_lock_take(FileLock *l, int fd, bool writable, const char *path, Error **errp)
{
    /* A writer (a guest's disk) reads, writes and resizes and lets others
     * only read; a reader (a read-only drive, a backing file) reads and
     * lets others read and resize but not write behind its back, as
     * QEMU's defaults are. */
    unsigned perm = writable ? PERM_CONSISTENT_READ | PERM_WRITE | PERM_WRITE_UNCHANGED |
                               PERM_RESIZE
                             : PERM_CONSISTENT_READ;
    unsigned shared = writable ? PERM_CONSISTENT_READ | PERM_WRITE_UNCHANGED
                               : PERM_ALL & ~PERM_WRITE;
    memset(l, 0, sizeof(*l));
    l->fd = -1;
    /* Lock first, then look for conflicts: of two users starting at once
     * both may fail, never both succeed. */
    for (int i = 0; i < PERM_COUNT; i++) {
        int r = 0;
        if (perm & (1u << i)) {
            r = lock_byte(fd, LOCK_PERM_BASE + i, F_RDLCK);
        }
        if (!r && !(shared & (1u << i))) {
            r = lock_byte(fd, LOCK_SHARED_BASE + i, F_RDLCK);
        }
        if (r == -EINVAL || r == -ENOTSUP || r == -ENOLCK) {
            /* A filesystem without OFD locks: go on unlocked, as QEMU does
             * with locking=auto. */
            unlock_all(fd);
            return true;
        }
        if (r) {
            unlock_all(fd);
            error_setg(errp, "could not lock '%s': %s", path, g_strerror(-r));
            return false;
        }
    }
    for (int i = 0; i < PERM_COUNT; i++) {
        bool conflict = ((perm & (1u << i)) && byte_taken(fd, LOCK_SHARED_BASE + i)) ||
                        (!(shared & (1u << i)) && byte_taken(fd, LOCK_PERM_BASE + i));
        if (conflict) {
            unlock_all(fd);
            error_setg(errp, "image '%s' is in use by another process or drive (it holds "
                       "or refuses the \"%s\" lock); use one writer, or readonly=on on both, "
                       "or file.locking=off if you know better", path, perm_names[i]);
            return false;
        }
    }
    l->fd = fd;
    l->held = true;
    return true;
}

void file_lock_release(FileLock *l)
{
    if (l->held && l->fd >= 0) {
        unlock_all(l->fd);
    }
    l->held = false;
    l->fd = -1;
}
