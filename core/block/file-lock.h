/*
 * Image locking with open file description (OFD) locks, in the byte
 * layout QEMU uses, so cardcage and QEMU see each other's locks: a user
 * holds a shared lock on byte 100+i for each permission i it has, and on
 * byte 200+i for each permission it does not let others have.
 * Permissions: 0 consistent read, 1 write, 2 write unchanged, 3 resize.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_BLOCK_FILE_LOCK_H
#define CORE_BLOCK_FILE_LOCK_H

#include <stdbool.h>
#include <cardcage/error.h>

typedef struct FileLock {
    int fd;          /* the locked descriptor, or -1 / 0 when none taken */
    bool held;
} FileLock;

/* Take the locks of a reader (writable false) or writer on fd.  Another
 * writer, or a reader that does not share writing while we want to write,
 * is refused with an error naming path. */
bool file_lock_take(FileLock *l, int fd, bool writable, const char *path, Error **errp);
void file_lock_release(FileLock *l);

#endif
