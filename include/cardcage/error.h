/*
 * cardcage plugin SDK: errors as values.
 *
 * Functions that can fail take an `Error **errp` as their last argument and
 * return false (or NULL) on failure, having set *errp.  errp may be NULL
 * (the caller does not care why) or &error_abort (the caller asserts success:
 * a failure is a programming error and aborts with the message).  Library
 * code never exits: it hands the Error to the place that can report it.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_ERROR_H
#define CARDCAGE_ERROR_H

#include <cardcage/compiler.h>

typedef struct Error Error;

/* Pass &error_abort to assert that a call succeeds. */
CC_API extern Error *error_abort;

/* Set *errp to a new error with a printf-style message.  If errp is NULL the
 * message is dropped; if *errp is already set the new error is dropped (the
 * first error wins). */
CC_API void error_setg(Error **errp, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Like error_setg with ": <strerror(errno_value)>" appended. */
CC_API void error_setg_errno(Error **errp, int errno_value, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/* Prefix the message of *errp (if set) with a printf-style string. */
CC_API void error_prepend(Error **errp, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Append a hint, printed by error_report_err after the message, in
 * parentheses on the same line. */
CC_API void error_append_hint(Error **errp, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Move src into *dst (freeing src if dst is NULL or already set). */
CC_API void error_propagate(Error **dst, Error *src);

CC_API const char *error_get_pretty(const Error *err);
CC_API const char *error_get_hint(const Error *err);   /* NULL when none */
CC_API Error *error_copy(const Error *err);
CC_API void error_free(Error *err);

/* Print "cardcage: <message>" (and any hint) on stderr and free err. */
CC_API void error_report_err(Error *err);
CC_API void error_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
CC_API void warn_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* Set *errp from a GError (which is freed). */
CC_API void error_from_gerror(Error **errp, GError *gerr);

#endif
