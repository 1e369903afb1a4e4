/*
 * The "file" backend: output to a file (path=, truncated unless
 * append=on), and optionally input from another (input-path=).
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include "char-fd.h"

typedef struct FileChardev {
    FdChardev parent_obj;
    int out_fd;
    int in_fd;
} FileChardev;

#define FILE_CHARDEV(obj) OBJECT_CHECK(FileChardev, (obj), TYPE_CHARDEV_FILE)

static bool file_open(Chardev *chr, const ChardevOpts *opts, Error **errp)
{
    FileChardev *f = FILE_CHARDEV(chr);
    const char *path = keyval_get(opts, "path");
    const char *in_path = keyval_get(opts, "input-path");
    bool append;
    if (!path || !*path) {
        error_setg(errp, "the file backend needs path=FILE");
        return false;
    }
    if (!keyval_get_bool(opts, "append", false, &append, errp)) {
        return false;
    }
    f->out_fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC),
                     0666);
    if (f->out_fd < 0) {
        error_setg_errno(errp, errno, "can't open '%s' for writing", path);
        return false;
    }
    if (in_path) {
        f->in_fd = open(in_path, O_RDONLY | O_CLOEXEC);
        if (f->in_fd < 0) {
            error_setg_errno(errp, errno, "can't open '%s' for reading", in_path);
            return false;
        }
    }
    fd_channel_init(&FD_CHARDEV(f)->ch, chr, f->in_fd, f->out_fd, false);
    return true;
}

static void file_init(Object *obj)
{
    FileChardev *f = FILE_CHARDEV(obj);
    f->out_fd = -1;
    f->in_fd = -1;
}

static void file_finalize(Object *obj)
{
    FileChardev *f = FILE_CHARDEV(obj);
    fd_channel_stop(&FD_CHARDEV(f)->ch);
    if (f->out_fd >= 0) {
        close(f->out_fd);
    }
    if (f->in_fd >= 0) {
        close(f->in_fd);
    }
}

static const char *const file_opt_names[] = { "path", "append", "input-path", NULL };

static void file_class_init(ObjectClass *oc, void *data)
{
    ChardevClass *cc = CHARDEV_CLASS(oc);
    cc->opt_names = file_opt_names;
    cc->open = file_open;
}

static const TypeInfo file_types[] = {
    {
        .name = TYPE_CHARDEV_FILE,
        .parent = TYPE_CHARDEV_FD,
        .instance_size = sizeof(FileChardev),
        .instance_init = file_init,
        .instance_finalize = file_finalize,
        .class_init = file_class_init,
    },
};

DEFINE_TYPES(file_types)
