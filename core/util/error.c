/*
 * Errors as values: the Error object and its reporting.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cardcage/error.h>

struct Error {
    char *msg;
    GString *hint;
};

/* A distinct address: callers pass &error_abort to assert success. */
Error *error_abort;

static bool is_abort(Error **errp)
{
    return errp == &error_abort;
}

static void error_abort_now(Error *err)
{
    fprintf(stderr, "cardcage: unexpected error: %s\n", err->msg);
    abort();
}

static void error_setv(Error **errp, int errno_value, const char *fmt, va_list ap)
{
    if (!errp) {
        return;
    }
    if (*errp && !is_abort(errp)) {
        return;     /* the first error wins */
    }
    Error *err = g_new0(Error, 1);
    err->msg = g_strdup_vprintf(fmt, ap);
    if (errno_value) {
        char *full = g_strdup_printf("%s: %s", err->msg, g_strerror(errno_value));
        g_free(err->msg);
        err->msg = full;
    }
    if (is_abort(errp)) {
        error_abort_now(err);
    }
    *errp = err;
}

void error_setg(Error **errp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_setv(errp, 0, fmt, ap);
    va_end(ap);
}

void error_setg_errno(Error **errp, int errno_value, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_setv(errp, errno_value, fmt, ap);
    va_end(ap);
}

void error_prepend(Error **errp, const char *fmt, ...)
{
    if (!errp || !*errp || is_abort(errp)) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    char *prefix = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    char *full = g_strconcat(prefix, (*errp)->msg, NULL);
    g_free(prefix);
    g_free((*errp)->msg);
    (*errp)->msg = full;
}

void error_append_hint(Error **errp, const char *fmt, ...)
{
    if (!errp || !*errp || is_abort(errp)) {
        return;
    }
    Error *err = *errp;
    if (!err->hint) {
        err->hint = g_string_new(NULL);
    }
    va_list ap;
    va_start(ap, fmt);
    g_string_append_vprintf(err->hint, fmt, ap);
    va_end(ap);
}

void error_propagate(Error **dst, Error *src)
{
    if (!src) {
        return;
    }
    if (is_abort(dst)) {
        error_abort_now(src);
    }
    if (dst && !*dst) {
        *dst = src;
    } else {
        error_free(src);
    }
}

const char *error_get_pretty(const Error *err)
{
    return err->msg;
}

const char *error_get_hint(const Error *err)
{
    return err->hint ? err->hint->str : NULL;
}

Error *error_copy(const Error *err)
{
    Error *copy = g_new0(Error, 1);
    copy->msg = g_strdup(err->msg);
    if (err->hint) {
        copy->hint = g_string_new(err->hint->str);
    }
    return copy;
}

void error_free(Error *err)
{
    if (err) {
        g_free(err->msg);
        if (err->hint) {
            g_string_free(err->hint, TRUE);
        }
        g_free(err);
    }
}

void error_report_err(Error *err)
{
    if (!err) {
        return;
    }
    /* One message, one line: a hint follows in parentheses, its own line
     * breaks made "; ". */
    GString *line = g_string_new(NULL);
    g_string_printf(line, "cardcage: %s", err->msg);
    if (err->hint) {
        char *hint = g_strstrip(g_strdup(err->hint->str));
        if (*hint) {
            char **parts = g_strsplit(hint, "\n", -1);
            char *joined = g_strjoinv("; ", parts);
            g_string_append_printf(line, " (%s)", joined);
            g_free(joined);
            g_strfreev(parts);
        }
        g_free(hint);
    }
    fprintf(stderr, "%s\n", line->str);
    g_string_free(line, TRUE);
    error_free(err);
}

void error_report(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("cardcage: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void warn_report(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("cardcage: warning: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void error_from_gerror(Error **errp, GError *gerr)
{
    if (gerr) {
        error_setg(errp, "%s", gerr->message);
        g_error_free(gerr);
    }
}
