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
#include "module/module-internal.h"
#include "util/log-internal.h"

uint64_t log_enabled_mask;
static FILE *log_file;

typedef struct LogItem {
    const char *name;
    uint64_t mask;
    const char *help;
    const char *owner;      /* the plugin that registered it (interned), or NULL */
} LogItem;

static const LogItem core_items[] = {
    { "unassigned",   LOG_UNASSIGNED,  "accesses to unassigned memory and I/O ports", NULL },
    { "guest_errors", LOG_GUEST_ERROR, "the guest misusing a device or the memory bus", NULL },
    { "unimp",        LOG_UNIMP,       "device features that are not modelled", NULL },
    { "int",          LOG_INT,         "interrupts and exceptions", NULL },
    { "cpu",          LOG_CPU,         "CPU state before each block", NULL },
    { "exec",         LOG_EXEC,        "each block executed", NULL },
    { "in_asm",       LOG_IN_ASM,      "guest code of each translated block", NULL },
    { "cpu_reset",    LOG_CPU_RESET,   "CPU state at reset", NULL },
    { "ioport",       LOG_IOPORT,      "every port access", NULL },
    { "plugin",       LOG_PLUGIN,      "plugin loader decisions", NULL },
    { "startup",      LOG_STARTUP,     "timestamps of the start-up phases", NULL },
    { "out_asm",      LOG_OUT_ASM,     "host code of each compiled x86 block, in hex "
                                       "(scripts/jit-disasm turns it into assembly)", NULL },
    { "jit-verify",   LOG_JIT_VERIFY,  "run each compiled x86 block also through the interpreter "
                                       "and report the first difference", NULL },
};

/* Categories plugins registered (LogItem *), with bits above the core's. */
static GPtrArray *plugin_items;
#define FIRST_PLUGIN_BIT 13

void log_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(log_file ? log_file : stderr, fmt, ap);
    va_end(ap);
}

static const LogItem *find_item(const char *name)
{
    for (size_t i = 0; i < CC_ARRAY_SIZE(core_items); i++) {
        if (!strcmp(name, core_items[i].name)) {
            return &core_items[i];
        }
    }
    for (guint i = 0; plugin_items && i < plugin_items->len; i++) {
        const LogItem *it = g_ptr_array_index(plugin_items, i);
        if (!strcmp(name, it->name)) {
            return it;
        }
    }
    return NULL;
}

static uint64_t all_items(void)
{
    uint64_t m = 0;
    for (size_t i = 0; i < CC_ARRAY_SIZE(core_items); i++) {
        m |= core_items[i].mask;
    }
    for (guint i = 0; plugin_items && i < plugin_items->len; i++) {
        m |= ((const LogItem *)g_ptr_array_index(plugin_items, i))->mask;
    }
    return m;
}

uint64_t log_register_category(const char *name, const char *help)
{
    const char *owner = module_current_owner();
    if (!name || !*name || !strcmp(name, "all") || !strcmp(name, "help")) {
        warn_report("plugin '%s': log category '%s' is not a usable name",
                    owner ? owner : "core", name ? name : "");
        return 0;
    }
    const LogItem *other = find_item(name);
    if (other) {
        warn_report("plugin '%s': log category '%s' is already registered by %s; its "
                    "logging stays off", owner ? owner : "core", name,
                    other->owner ? other->owner : "the core");
        return 0;
    }
    uint64_t used = all_items();
    unsigned bit = FIRST_PLUGIN_BIT;
    while (bit < 64 && (used & (1ull << bit))) {
        bit++;
    }
    if (bit == 64) {
        warn_report("plugin '%s': no log category left for '%s'; its logging stays off",
                    owner ? owner : "core", name);
        return 0;
    }
    if (!plugin_items) {
        plugin_items = g_ptr_array_new();
    }
    LogItem *it = g_new0(LogItem, 1);
    it->name = g_intern_string(name);
    it->help = g_intern_string(help ? help : "");
    it->mask = 1ull << bit;
    it->owner = owner ? g_intern_string(owner) : NULL;
    g_ptr_array_add(plugin_items, it);
    return it->mask;
}

void log_unregister_owner(const char *owner)
{
    for (guint i = plugin_items ? plugin_items->len : 0; i-- > 0;) {
        LogItem *it = g_ptr_array_index(plugin_items, i);
        if (!g_strcmp0(it->owner, owner)) {
            log_enabled_mask &= ~it->mask;
            g_ptr_array_remove_index(plugin_items, i);
            g_free(it);
        }
    }
}

/* Parse items; unknown ones are an error when errp is non-NULL and are
 * skipped otherwise. */
static bool parse_items(const char *items, uint64_t *mask, bool strict, Error **errp)
{
    uint64_t m = 0;
    char **parts = g_strsplit(items, ",", -1);
    bool ok = true;
    for (char **p = parts; *p; p++) {
        if (!**p) {
            continue;
        }
        if (!strcmp(*p, "all")) {
            m |= all_items();
            continue;
        }
        const LogItem *it = find_item(*p);
        if (it) {
            m |= it->mask;
        } else if (strict) {
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

bool log_parse_mask(const char *items, uint64_t *mask, Error **errp)
{
    return parse_items(items, mask, true, errp);
}

uint64_t log_parse_known(const char *items)
{
    uint64_t m = 0;
    parse_items(items, &m, false, NULL);
    return m;
}

void log_list_categories(FILE *out)
{
    fprintf(out, "Log items (-d item,...):\n");
    for (size_t i = 0; i < CC_ARRAY_SIZE(core_items); i++) {
        fprintf(out, "  %-13s %s\n", core_items[i].name, core_items[i].help);
    }
    for (guint i = 0; plugin_items && i < plugin_items->len; i++) {
        const LogItem *it = g_ptr_array_index(plugin_items, i);
        fprintf(out, "  %-13s %s (plugin %s)\n", it->name, it->help,
                it->owner ? it->owner : "core");
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
