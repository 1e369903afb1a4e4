/*
 * Logging, as the core's start-up and plugin loader see it.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_UTIL_LOG_INTERNAL_H
#define CORE_UTIL_LOG_INTERNAL_H

#include <cardcage/log.h>

/* The mask of the items in "-d ITEMS" known now, unknown ones skipped: what
 * can be enabled before the plugins (and their categories) load. */
uint64_t log_parse_known(const char *items);

/* Core categories that are not part of the SDK. */
enum {
    LOG_JIT_VERIFY = 1u << 11,  /* "jit-verify": check compiled blocks against the interpreter */
    LOG_OUT_ASM    = 1u << 12,  /* "out_asm": host code of each compiled block */
};
/* Drop the categories a refused plugin registered. */
void log_unregister_owner(const char *owner);

#endif
