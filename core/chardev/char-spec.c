/*
 * Backends from command-line text: QEMU's -serial specs ("tcp:...",
 * "file:...") and -chardev option strings ("socket,id=x,port=...").
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "chardev-internal.h"

/* Split "a=1,b=x,,y,c" at single commas (",," is a literal comma) into
 * opts; a bare word becomes word=on.  The first item is returned in *first
 * (g_free it) instead of being added when first is not NULL. */
static bool chardev_parse_list(const char *text, ChardevOpts *opts, char **first,
                               Error **errp)
{
    GString *item = g_string_new(NULL);
    bool is_first = true;
    const char *p = text;
    for (;;) {
        if (*p == ',' && p[1] == ',') {
            g_string_append_c(item, ',');
            p += 2;
            continue;
        }
        if (*p && *p != ',') {
            g_string_append_c(item, *p++);
            continue;
        }
        if (is_first && first) {
            *first = g_strdup(item->str);
        } else if (item->len == 0) {
            error_setg(errp, "empty option in '%s'", text);
            g_string_free(item, TRUE);
            return false;
        } else {
            char *eq = strchr(item->str, '=');
            if (eq) {
                *eq = '\0';
                chardev_opts_set(opts, item->str, eq + 1);
            } else {
                chardev_opts_set(opts, item->str, "on");
            }
        }
        is_first = false;
        g_string_truncate(item, 0);
        if (!*p) {
            break;
        }
        p++;
    }
    g_string_free(item, TRUE);
    return true;
}

/* The old -serial flags: "nowait" is wait=off; "server" parses as
 * server=on already. */
static void chardev_spec_legacy_flags(ChardevOpts *opts)
{
    if (chardev_opts_remove(opts, "nowait")) {
        chardev_opts_set(opts, "wait", "off");
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
    chardev_opts_set(opts, "host", host);
    chardev_opts_set(opts, "port", colon + 1);
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
        Chardev *chr = chardev_new_from_spec(id, spec + 4, errp);
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
    ChardevOpts *opts = chardev_opts_new();
    Chardev *chr = NULL;
    char *addr = NULL;
    if (g_str_has_prefix(spec, "file:")) {
        if (!spec[5]) {
            error_setg(errp, "'file:' needs a path");
        } else {
            /* The path is taken whole: a file name may contain commas. */
            chardev_opts_set(opts, "path", spec + 5);
            chr = chardev_new(id, "file", opts, errp);
        }
    } else if (g_str_has_prefix(spec, "tcp:")) {
        if (chardev_parse_list(spec + 4, opts, &addr, errp) &&
            chardev_split_host_port(addr, opts, errp)) {
            chardev_spec_legacy_flags(opts);
            chr = chardev_new(id, "socket", opts, errp);
        }
    } else if (g_str_has_prefix(spec, "unix:")) {
        if (chardev_parse_list(spec + 5, opts, &addr, errp)) {
            if (!*addr) {
                error_setg(errp, "'unix:' needs a path");
            } else {
                chardev_opts_set(opts, "path", addr);
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
    chardev_opts_free(opts);
    return chr;
}

Chardev *chardev_new_from_opts(const char *optstr, Error **errp)
{
    ChardevOpts *opts = chardev_opts_new();
    char *backend = NULL;
    Chardev *chr = NULL;
    if (chardev_parse_list(optstr, opts, &backend, errp)) {
        const char *id = chardev_opts_get(opts, "id");
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
    chardev_opts_free(opts);
    return chr;
}
