/*
 * The CMOS file (rtc-cmos-file.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "rtc-cmos-file.h"

static bool read_all(int fd, uint8_t *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t r = pread(fd, buf + done, len - done, (off_t)done);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return false;
        }
        done += (size_t)r;
    }
    return true;
}

static bool write_all(int fd, const uint8_t *buf, size_t len, off_t off)
{
    size_t done = 0;
    while (done < len) {
        ssize_t r = pwrite(fd, buf + done, len - done, off + (off_t)done);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return false;
        }
        done += (size_t)r;
    }
    return true;
}

static bool check_and_read(int fd, const char *path, uint8_t *image, Error **errp)
{
    struct stat st;
    if (fstat(fd, &st) < 0) {
        error_setg_errno(errp, errno, "CMOS file '%s'", path);
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        error_setg(errp, "CMOS file '%s' is not a regular file", path);
        return false;
    }
    if (st.st_size != CMOS_FILE_SIZE) {
        error_setg(errp, "CMOS file '%s' is %lld bytes long; a CMOS image is exactly %d bytes",
                   path, (long long)st.st_size, CMOS_FILE_SIZE);
        error_append_hint(errp, "Remove it to start with a fresh CMOS.\n");
        return false;
    }
    if (!read_all(fd, image, CMOS_FILE_SIZE)) {
        error_setg_errno(errp, errno ? errno : EIO, "CMOS file '%s': reading", path);
        return false;
    }
    return true;
}

bool cmos_file_open(CMOSFile *f, const char *path, uint8_t *image, bool *loaded,
                    Error **errp)
{
    f->fd = -1;
    f->warned = false;
    *loaded = false;
    bool created = false;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        created = fd >= 0;
    }
    if (fd < 0) {
        error_setg_errno(errp, errno, "CMOS file '%s'", path);
        return false;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        error_setg(errp, "CMOS file '%s' is in use by another process", path);
        close(fd);
        return false;
    }
    if (created) {
        if (!write_all(fd, image, CMOS_FILE_SIZE, 0)) {
            error_setg_errno(errp, errno ? errno : EIO, "CMOS file '%s': writing", path);
            close(fd);
            unlink(path);
            return false;
        }
    } else if (!check_and_read(fd, path, image, errp)) {
        close(fd);
        return false;
    } else {
        *loaded = true;
    }
    f->fd = fd;
    f->path = g_strdup(path);
    return true;
}

void cmos_file_write(CMOSFile *f, unsigned off, const uint8_t *data, unsigned len)
{
    if (f->fd < 0 || off >= CMOS_FILE_SIZE || len > CMOS_FILE_SIZE - off) {
        return;
    }
    if (!write_all(f->fd, data, len, off) && !f->warned) {
        f->warned = true;
        warn_report("CMOS file '%s': writing failed (%s); CMOS changes may be lost",
                    f->path, g_strerror(errno));
    }
}

void cmos_file_close(CMOSFile *f, const uint8_t *image)
{
    if (f->fd < 0) {
        return;
    }
    cmos_file_write(f, 0, image, CMOS_FILE_SIZE);
    close(f->fd);
    f->fd = -1;
    g_free(f->path);
    f->path = NULL;
}
