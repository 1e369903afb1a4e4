/*
 * Backends from command-line text: QEMU's -serial specs ("tcp:...",
 * "file:...") and -chardev option strings ("socket,id=x,port=...").
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "chardev-internal.h"

/* Remove key from opts and hand its value over (g_free it); "" when it was
 * absent.  The implied first item of a spec is not a backend option. */
static bool chardev_take(ChardevOpts *opts, const char *key, char **out)
{
    const char *v = keyval_get(opts, key);
    *out = g_strdup(v ? v : "");
    keyval_remove(opts, key);
    return true;
}

/* The old -serial flags: "nowait" is wait=off; "server" parses as
 * server=on already. */
static void chardev_spec_legacy_flags(ChardevOpts *opts)
{
    if (keyval_remove(opts, "nowait")) {
        keyval_set(opts, "wait", "off");
    }
}

/* "HOST:PORT" (HOST may be empty or a bracketed IPv6 address). */
static bool chardev_split_host_port(const char *addr, ChardevOpts *opts, Error **errp)
{
    const char *colon = strrchr(addr, ':');
    if (!colon || !colon[1]) {
        error_setg(errp, "'%s' is not HOST:PORT", addr);
        return false;
    }
    char *host = g_strndup(addr, colon - addr);
    size_t hl = strlen(host);
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = '\0';
    }
    keyval_set(opts, "host", host);
    keyval_set(opts, "port", colon + 1);
    g_free(host);
    return true;
}

Chardev *chardev_new_from_spec(const char *id, const char *spec, Error **errp)
{
    if (g_str_has_prefix(spec, "mon:")) {
        /* QEMU's "mon:SPEC": the backend is shared with the monitor. */
        if (g_str_has_prefix(spec + 4, "mon:")) {
            error_setg(errp, "'%s': 'mon:' once only", spec);
            return NULL;
        }
        /* On a shared terminal Ctrl-C is the guest's (byte 0x03), as in
         * QEMU's -nographic: the emulator ends with Ctrl-A x. */
        Chardev *chr;
        if (!strcmp(spec + 4, "stdio")) {
            ChardevOpts *opts = keyval_new();
            keyval_set(opts, "signal", "off");
            chr = chardev_new(id, "stdio", opts, errp);
            keyval_free(opts);
        } else {
            chr = chardev_new_from_spec(id, spec + 4, errp);
        }
        if (chr) {
            chardev_set_mux(chr);
        }
        return chr;
    }
    static const char *const plain[] = { "null", "stdio", "pty", "ringbuf", NULL };
    for (const char *const *p = plain; *p; p++) {
        if (!strcmp(spec, *p)) {
            return chardev_new(id, *p, NULL, errp);
        }
    }
    ChardevOpts *opts = NULL;
    Chardev *chr = NULL;
    char *addr = NULL;
    if (g_str_has_prefix(spec, "file:")) {
        opts = keyval_new();
        if (!spec[5]) {
            error_setg(errp, "'file:' needs a path");
        } else {
            /* The path is taken whole: a file name may contain commas. */
            keyval_set(opts, "path", spec + 5);
            chr = chardev_new(id, "file", opts, errp);
        }
    } else if (g_str_has_prefix(spec, "tcp:")) {
        opts = keyval_parse(spec + 4, "addr", KEYVAL_BARE_FLAGS, errp);
        if (opts && chardev_take(opts, "addr", &addr) &&
            chardev_split_host_port(addr, opts, errp)) {
            chardev_spec_legacy_flags(opts);
            chr = chardev_new(id, "socket", opts, errp);
        }
    } else if (g_str_has_prefix(spec, "unix:")) {
        opts = keyval_parse(spec + 5, "addr", KEYVAL_BARE_FLAGS, errp);
        if (opts && chardev_take(opts, "addr", &addr)) {
            if (!*addr) {
                error_setg(errp, "'unix:' needs a path");
            } else {
                keyval_set(opts, "path", addr);
                chardev_spec_legacy_flags(opts);
                chr = chardev_new(id, "socket", opts, errp);
            }
        }
    } else {
        error_setg(errp, "unknown character device spec '%s'", spec);
        error_append_hint(errp, "use null, stdio, pty, ringbuf, file:PATH, "
                          "tcp:HOST:PORT[,server=on][,wait=off] or "
                          "unix:PATH[,server=on][,wait=off]\n");
    }
    g_free(addr);
    keyval_free(opts);
    return chr;
}

Chardev *chardev_new_from_opts(const char *optstr, Error **errp)
{
    ChardevOpts *opts = keyval_parse(optstr, "backend", KEYVAL_BARE_FLAGS, errp);
    char *backend = NULL;
    Chardev *chr = NULL;
    if (opts && chardev_take(opts, "backend", &backend)) {
        const char *id = keyval_get(opts, "id");
        if (!*backend) {
            error_setg(errp, "-chardev needs a backend first: 'socket,id=...'");
        } else if (!id) {
            error_setg(errp, "-chardev %s needs an id=", backend);
        } else {
            char *id_copy = g_strdup(id);
            chardev_spec_legacy_flags(opts);
            chr = chardev_new(id_copy, backend, opts, errp);
            g_free(id_copy);
        }
    }
    g_free(backend);
    keyval_free(opts);
    return chr;
}
