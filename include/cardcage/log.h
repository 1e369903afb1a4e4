/*
 * cardcage plugin SDK: diagnostic logging selected with -d and sent to -D.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_LOG_H
#define CARDCAGE_LOG_H

#include <stdio.h>
#include <cardcage/compiler.h>
#include <cardcage/module.h>

/* The core's log categories; -d takes their names, comma separated.
 * Plugins add their own with LOG_CATEGORY (below). */
enum {
    LOG_UNASSIGNED  = 1u << 0,  /* "unassigned":  accesses to unmapped memory or ports */
    LOG_GUEST_ERROR = 1u << 1,  /* "guest_errors": the guest misused a device */
    LOG_UNIMP       = 1u << 2,  /* "unimp":        a device feature not modelled */
    LOG_INT         = 1u << 3,  /* "int":          interrupts and exceptions */
    LOG_CPU         = 1u << 4,  /* "cpu":          CPU state before each block */
    LOG_EXEC        = 1u << 5,  /* "exec":         each block executed */
    LOG_IN_ASM      = 1u << 6,  /* "in_asm":       guest code of each translated block */
    LOG_CPU_RESET   = 1u << 7,  /* "cpu_reset":    CPU state at reset */
    LOG_IOPORT      = 1u << 8,  /* "ioport":       every port access */
    LOG_PLUGIN      = 1u << 9,  /* "plugin":       the plugin loader's decisions */
    LOG_STARTUP     = 1u << 10, /* "startup":      timestamps of start-up phases */
};

CC_API extern uint64_t log_enabled_mask;

static inline bool log_enabled(uint64_t mask)
{
    return cc_unlikely((log_enabled_mask & mask) != 0);
}

/* Write to the log (stderr, or the -D file).  Cheap when disabled. */
CC_API void log_printf(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

#define log_mask(mask, ...)             \
    do {                                \
        if (log_enabled(mask)) {        \
            log_printf(__VA_ARGS__);    \
        }                               \
    } while (0)

/* Parse "-d" items ("unassigned,int"; "help" lists them).  Returns false and
 * sets errp on an unknown item. */
typedef struct Error Error;
CC_API bool log_parse_mask(const char *items, uint64_t *mask, Error **errp);
CC_API void log_list_categories(FILE *out);

/*
 * A category of the plugin's own, enabled with -d NAME and listed by
 * -d help with the plugin's name:
 *
 *     LOG_CATEGORY(pit_log, "pit", "8254 counter output changes");
 *     ...
 *     log_mask(pit_log, "pit: OUT %d\n", level);
 *
 * It is registered when the plugin loads.  A name already taken, or no
 * category left (the mask has 64 bits), leaves it 0: the plugin loads, with
 * a warning, and that logging stays off.  log_register_category returns the
 * category's mask bit, or 0 then.
 */
CC_API uint64_t log_register_category(const char *name, const char *help);

#define LOG_CATEGORY(var, name, help)                       \
    static uint64_t var;                                    \
    static void var##_log_register(void)                    \
    {                                                       \
        var = log_register_category(name, help);            \
    }                                                       \
    module_init(var##_log_register, MODULE_INIT_QOM)
CC_API bool log_set_file(const char *path, Error **errp);

#endif
