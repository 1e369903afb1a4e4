/*
 * Where a migration stream goes and comes from: "file:PATH" and
 * "exec:CMD" (a shell command fed the stream on its standard input, or
 * whose standard output is the stream), as QEMU's migration URIs.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "migration/migration.h"

static const char *uri_rest(const char *uri, const char *scheme)
{
    size_t n = strlen(scheme);
    return strncmp(uri, scheme, n) == 0 ? uri + n : NULL;
}

static bool uri_unknown(const char *uri, Error **errp)
{
    error_setg(errp, "migration URI '%s' is not supported (use file:PATH or exec:COMMAND)",
               uri);
    return false;
}

static bool spawn_shell(const char *cmd, bool to_child, int *fd, GPid *child, Error **errp)
{
    char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)cmd, NULL };
    GError *gerr = NULL;
    int in_fd = -1, out_fd = -1;
    if (!g_spawn_async_with_pipes(NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                  child, to_child ? &in_fd : NULL,
                                  to_child ? NULL : &out_fd, NULL, &gerr)) {
        error_setg(errp, "exec:%s: %s", cmd, gerr->message);
        g_error_free(gerr);
        return false;
    }
    *fd = to_child ? in_fd : out_fd;
    return true;
}

/* Reap an exec: command; its failure fails the migration. */
static bool wait_child(GPid child, const char *what, Error **errp)
{
    int status;
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) {
            error_setg_errno(errp, errno, "%s: waiting for the command", what);
            return false;
        }
    }
    g_spawn_close_pid(child);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        return true;
    }
    if (WIFEXITED(status)) {
        error_setg(errp, "%s: the command exited with status %d", what, WEXITSTATUS(status));
    } else {
        error_setg(errp, "%s: the command was killed by signal %d", what,
                   WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    }
    return false;
}

bool migration_channel_open_out(const char *uri, int *fd, GPid *child, Error **errp)
{
    const char *rest;
    *child = 0;
    if ((rest = uri_rest(uri, "file:"))) {
        *fd = open(rest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (*fd < 0) {
            error_setg_errno(errp, errno, "cannot create '%s'", rest);
            return false;
        }
        return true;
    }
    if ((rest = uri_rest(uri, "exec:"))) {
        return spawn_shell(rest, true, fd, child, errp);
    }
    return uri_unknown(uri, errp);
}

bool migration_channel_close_out(int fd, GPid child, Error **errp)
{
    bool ok = true;
    /* A file's data must be on its way to the disk before we call the
     * save done (close reports delayed write errors on some file
     * systems). */
    if (close(fd) != 0 && errno != EINTR) {
        error_setg_errno(errp, errno, "closing the migration stream");
        ok = false;
    }
    if (child) {
        Error *err = NULL;
        if (!wait_child(child, "exec", &err)) {
            if (ok) {
                error_propagate(errp, err);
            } else {
                error_free(err);
            }
            ok = false;
        }
    }
    return ok;
}

/* Read a pipe to its end straight into in->data: address space for the
 * longest acceptable stream is reserved at once (only the pages written
 * cost memory), so the stream is never copied as a growing buffer would
 * be, nor faulted in twice. */
static bool read_fd_all(int fd, uint64_t limit, MigrationInput *in, const char *what,
                        Error **errp)
{
    size_t cap = (size_t)MIN(limit + 1, (uint64_t)SIZE_MAX / 2);
    uint8_t *p = mmap(NULL, cap, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        error_setg_errno(errp, errno, "%s: cannot reserve %zu bytes for the stream", what, cap);
        return false;
    }
#ifdef MADV_HUGEPAGE
    madvise(p, cap, MADV_HUGEPAGE);
#endif
#ifdef F_SETPIPE_SZ
    /* A larger pipe means fewer wake-ups of writer and reader; a
     * refusal (not a pipe, or over the host's limit) changes nothing. */
    fcntl(fd, F_SETPIPE_SZ, 1 << 20);
#endif
    in->data = p;
    in->map_len = cap;
    in->mapped = true;
    in->len = 0;
    for (;;) {
        /* One byte more than the limit may arrive: that is how a stream
         * that is too long is told from one exactly at the limit. */
        ssize_t n = read(fd, p + in->len, MIN(cap - in->len, (size_t)1 << 20));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            error_setg_errno(errp, errno, "%s: reading the stream", what);
            return false;
        }
        if (n == 0) {
            return true;
        }
        in->len += (size_t)n;
        if (in->len > limit) {
            error_setg(errp, "%s: the stream is longer than %" PRIu64
                       " bytes, more than this machine's state can be", what, limit);
            return false;
        }
    }
}

bool migration_channel_read_all(const char *uri, uint64_t limit, MigrationInput *in,
                                Error **errp)
{
    const char *rest;
    memset(in, 0, sizeof(*in));
    if ((rest = uri_rest(uri, "file:"))) {
        int fd = open(rest, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0) {
            error_setg_errno(errp, errno, "cannot open '%s'", rest);
            if (fd >= 0) {
                close(fd);
            }
            return false;
        }
        if (!S_ISREG(st.st_mode)) {
            /* A pipe or device: read it like a command's output. */
            bool ok = read_fd_all(fd, limit, in, rest, errp);
            close(fd);
            if (!ok) {
                migration_input_free(in);
            }
            return ok;
        }
        if ((uint64_t)st.st_size > limit) {
            error_setg(errp, "'%s' has %" PRIu64 " bytes, more than this machine's state "
                       "can be (%" PRIu64 ")", rest, (uint64_t)st.st_size, limit);
            close(fd);
            return false;
        }
        in->len = (size_t)st.st_size;
        if (in->len) {
            /* MAP_POPULATE: the loader reads every byte (twice: once to check,
             * once to apply); faulting the file in one call costs far less
             * than a fault per page. */
            void *p = mmap(NULL, in->len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
            if (p == MAP_FAILED) {
                error_setg_errno(errp, errno, "cannot map '%s'", rest);
                close(fd);
                return false;
            }
            in->data = p;
            in->map_len = in->len;
            in->mapped = true;
        }
        close(fd);
        return true;
    }
    if ((rest = uri_rest(uri, "exec:"))) {
        int fd;
        GPid child;
        if (!spawn_shell(rest, false, &fd, &child, errp)) {
            return false;
        }
        bool ok = read_fd_all(fd, limit, in, uri, errp);
        close(fd);
        Error *err = NULL;
        if (!wait_child(child, uri, ok ? errp : &err)) {
            ok = false;
        }
        error_free(err);
        if (!ok) {
            migration_input_free(in);
        }
        return ok;
    }
    return uri_unknown(uri, errp);
}

void migration_input_free(MigrationInput *in)
{
    if (in->mapped) {
        munmap((void *)in->data, in->map_len);
    } else {
        g_free((void *)in->data);
    }
    memset(in, 0, sizeof(*in));
}
