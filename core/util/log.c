/*
 * -d / -D diagnostic logging.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <cardcage/error.h>
#include <cardcage/log.h>

unsigned log_enabled_mask;
static FILE *log_file;

static const struct {
    const char *name;
    unsigned mask;
    const char *help;
} log_items[] = {
    { "unassigned",   LOG_UNASSIGNED,  "accesses to unassigned memory and I/O ports" },
    { "guest_errors", LOG_GUEST_ERROR, "the guest misusing a device or the memory bus" },
    { "unimp",        LOG_UNIMP,       "device features that are not modelled" },
    { "int",          LOG_INT,         "interrupts and exceptions" },
    { "cpu",          LOG_CPU,         "CPU state before each block" },
    { "exec",         LOG_EXEC,        "each block executed" },
    { "in_asm",       LOG_IN_ASM,      "guest code of each translated block" },
    { "cpu_reset",    LOG_CPU_RESET,   "CPU state at reset" },
    { "ioport",       LOG_IOPORT,      "every port access" },
    { "plugin",       LOG_PLUGIN,      "plugin loader decisions" },
    { "startup",      LOG_STARTUP,     "timestamps of the start-up phases" },
    { "trace",        LOG_TRACE_DEV,   "device-specific tracing" },
};

void log_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(log_file ? log_file : stderr, fmt, ap);
    va_end(ap);
}

bool log_parse_mask(const char *items, unsigned *mask, Error **errp)
{
    unsigned m = 0;
    char **parts = g_strsplit(items, ",", -1);
    bool ok = true;
    for (char **p = parts; *p; p++) {
        if (!**p) {
            continue;
        }
        if (!strcmp(*p, "all")) {
            for (size_t i = 0; i < CC_ARRAY_SIZE(log_items); i++) {
                m |= log_items[i].mask;
            }
            continue;
        }
        size_t i;
        for (i = 0; i < CC_ARRAY_SIZE(log_items); i++) {
            if (!strcmp(*p, log_items[i].name)) {
                m |= log_items[i].mask;
                break;
            }
        }
        if (i == CC_ARRAY_SIZE(log_items)) {
            error_setg(errp, "-d: unknown log item '%s' (-d help lists them)", *p);
            ok = false;
            break;
        }
    }
    g_strfreev(parts);
    if (ok) {
        *mask = m;
    }
    return ok;
}

void log_list_categories(FILE *out)
{
    fprintf(out, "Log items (-d item,...):\n");
    for (size_t i = 0; i < CC_ARRAY_SIZE(log_items); i++) {
        fprintf(out, "  %-13s %s\n", log_items[i].name, log_items[i].help);
    }
    fprintf(out, "  %-13s %s\n", "all", "every item above");
}

bool log_set_file(const char *path, Error **errp)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        error_setg_errno(errp, errno, "-D: cannot open log file '%s'", path);
        return false;
    }
    setvbuf(f, NULL, _IOLBF, 0);
    if (log_file) {
        fclose(log_file);
    }
    log_file = f;
    return true;
}
