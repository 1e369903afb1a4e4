/*
 * The plugin loader.
 *
 * For each *.so found in the plugin directories (built-in, then
 * $CARDCAGE_PLUGIN_PATH, then each -L DIR; files sorted by name in each):
 *
 *   1. g_module_open: the plugin's constructors append its init entries to
 *      the module lists (a fresh "batch");
 *   2. the descriptor (CARDCAGE_PLUGIN) is checked: present, magic, ABI
 *      major equal, ABI minor not newer than ours, a name not yet taken;
 *   3. the batch's entries for lists that already ran (QOM at least) run
 *      now, with the type table recording the plugin as owner of the types
 *      it registers; a type name that is already taken refuses the plugin;
 *   4. once every file is loaded, each plugin's types must have their whole
 *      ancestry, and its `requires` types must exist.  This is what lets a
 *      plugin derive from another plugin's type whatever the load order.
 *
 * A refused plugin is rolled back (its types removed, its pending entries
 * dropped, the module closed) and reported with one line; the rest load.
 *
 * Files are opened with every symbol resolved at once (not lazily), so a
 * plugin calling a function the SDK does not provide is refused here,
 * naming the symbol, instead of killing the emulator at the first call; and
 * with local binding, so that what one plugin defines (every plugin defines
 * cardcage_plugin_info) never becomes visible to the others: plugins share
 * types, never symbols.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gmodule.h>
#include <cardcage/log.h>
#include <cardcage/plugin.h>
#include "cardcage-config.h"
#include "module/module-internal.h"
#include "module/plugin-loader.h"
#include "qom/type-internal.h"
#include "util/log-internal.h"

static GPtrArray *dirs;          /* char * */
static GPtrArray *loaded;        /* LoadedPlugin * */
static GPtrArray *refusals;      /* PluginRefusal * */
static GHashTable *loaded_paths; /* realpath -> LoadedPlugin * */

static void ensure_tables(void)
{
    if (!dirs) {
        dirs = g_ptr_array_new_with_free_func(g_free);
        loaded = g_ptr_array_new();
        refusals = g_ptr_array_new();
        loaded_paths = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    }
}

bool cardcage_running_from_build_tree(void)
{
    static int cached = -1;
    if (cached < 0) {
        char *exe = realpath("/proc/self/exe", NULL);
        char *root = realpath(CARDCAGE_BUILD_ROOT, NULL);
        cached = exe && root && g_str_has_prefix(exe, root) && exe[strlen(root)] == '/';
        free(exe);
        free(root);
    }
    return cached;
}

const char *plugin_builtin_dir(void)
{
    return cardcage_running_from_build_tree() ? CARDCAGE_BUILD_ROOT "/plugins"
                                              : CARDCAGE_PLUGIN_DIR;
}

void plugin_add_dir(const char *dir)
{
    ensure_tables();
    for (guint i = 0; i < dirs->len; i++) {
        if (!strcmp(g_ptr_array_index(dirs, i), dir)) {
            return;
        }
    }
    g_ptr_array_add(dirs, g_strdup(dir));
}

void plugin_add_default_dirs(void)
{
    plugin_add_dir(plugin_builtin_dir());
    const char *env = g_getenv("CARDCAGE_PLUGIN_PATH");
    if (env) {
        char **parts = g_strsplit(env, ":", -1);
        for (char **p = parts; *p; p++) {
            if (**p) {
                plugin_add_dir(*p);
            }
        }
        g_strfreev(parts);
    }
}

const GPtrArray *plugin_dirs(void)
{
    ensure_tables();
    return dirs;
}

char *plugin_dirs_text(void)
{
    ensure_tables();
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < dirs->len; i++) {
        g_string_append_printf(s, "%s%s", i ? ", " : "", (char *)g_ptr_array_index(dirs, i));
    }
    if (!dirs->len) {
        g_string_append(s, "(none)");
    }
    return g_string_free(s, FALSE);
}

const GPtrArray *plugin_loaded(void)
{
    ensure_tables();
    return loaded;
}

const GPtrArray *plugin_refusals(void)
{
    ensure_tables();
    return refusals;
}

static LoadedPlugin *find_by_name(const char *name)
{
    for (guint i = 0; i < loaded->len; i++) {
        LoadedPlugin *p = g_ptr_array_index(loaded, i);
        if (!strcmp(p->name, name)) {
            return p;
        }
    }
    return NULL;
}

/* A plugin's MACHINE and BLOCK entries may register types after it
 * loaded: read the list afresh. */
static void refresh_types(LoadedPlugin *p)
{
    g_ptr_array_unref(p->types);
    p->types = type_list_owned_by(p->name);
}

const LoadedPlugin *plugin_find_by_type(const char *typename)
{
    ensure_tables();
    for (guint i = 0; i < loaded->len; i++) {
        LoadedPlugin *p = g_ptr_array_index(loaded, i);
        refresh_types(p);
        for (guint j = 0; j < p->types->len; j++) {
            if (!strcmp(g_ptr_array_index(p->types, j), typename)) {
                return p;
            }
        }
    }
    return NULL;
}

const char *plugin_name_of_type(const char *typename)
{
    const LoadedPlugin *p = plugin_find_by_type(typename);
    return p ? p->name : NULL;
}

static bool check_descriptor(const CardcagePluginInfo *info, Error **errp)
{
    if (info->magic != CARDCAGE_PLUGIN_MAGIC) {
        error_setg(errp, "its plugin descriptor is damaged (bad magic 0x%08x)", info->magic);
        return false;
    }
    if (info->abi_major != CARDCAGE_ABI_MAJOR) {
        error_setg(errp, "built for plugin ABI %u.%u, but this cardcage provides ABI %d.%d: "
                   "it must be rebuilt against the cardcage %d SDK", info->abi_major,
                   info->abi_minor, CARDCAGE_ABI_MAJOR, CARDCAGE_ABI_MINOR, CARDCAGE_ABI_MAJOR);
        return false;
    }
    if (info->abi_minor > CARDCAGE_ABI_MINOR) {
        error_setg(errp, "needs plugin ABI %u.%u, newer than this cardcage's %d.%d",
                   info->abi_major, info->abi_minor, CARDCAGE_ABI_MAJOR, CARDCAGE_ABI_MINOR);
        return false;
    }
    if (!info->name || !*info->name) {
        error_setg(errp, "its plugin descriptor has no name");
        return false;
    }
    LoadedPlugin *other = find_by_name(info->name);
    if (other) {
        error_setg(errp, "a plugin named '%s' is already loaded from %s", info->name,
                   other->path);
        return false;
    }
    return true;
}

static GModule *open_module(const char *path, Error **errp)
{
    GModule *mod = g_module_open(path, G_MODULE_BIND_LOCAL);
    if (!mod) {
        const char *why = g_module_error();
        /* The dynamic linker says "FILE: undefined symbol: NAME". */
        const char *sym = why ? strstr(why, "undefined symbol: ") : NULL;
        if (sym) {
            error_setg(errp, "it uses '%s', which neither cardcage's SDK nor the libraries "
                       "it links provide (undefined symbol)",
                       sym + strlen("undefined symbol: "));
        } else {
            error_setg(errp, "cannot be opened: %s", why ? why : "unknown error");
        }
    }
    return mod;
}

LoadedPlugin *plugin_load_file(const char *path, Error **errp)
{
    ensure_tables();
    char *real = realpath(path, NULL);
    if (!real) {
        error_setg_errno(errp, errno, "cannot be opened");
        return NULL;
    }
    LoadedPlugin *same = g_hash_table_lookup(loaded_paths, real);
    if (same) {
        /* The same file reached through two directories: not an error. */
        log_mask(LOG_PLUGIN, "plugin: %s is %s, already loaded\n", path, same->path);
        free(real);
        return same;
    }

    module_batch_begin();
    GModule *mod = open_module(path, errp);
    if (!mod) {
        module_batch_discard();
        module_batch_end();
        free(real);
        return NULL;
    }
    gpointer sym = NULL;
    if (!g_module_symbol(mod, CARDCAGE_PLUGIN_SYMBOL, &sym) || !sym) {
        error_setg(errp, "no plugin descriptor: the file does not define "
                   CARDCAGE_PLUGIN_SYMBOL " (declare it with CARDCAGE_PLUGIN(...))");
        goto refuse;
    }
    const CardcagePluginInfo *info = sym;
    if (!check_descriptor(info, errp)) {
        goto refuse;
    }

    module_batch_set_owner(info->name);
    type_registration_begin(info->name);
    module_batch_run_ready();
    if (!type_registration_end(errp)) {
        type_unregister_owner(info->name);
        log_unregister_owner(info->name);
        goto refuse;
    }

    LoadedPlugin *p = g_new0(LoadedPlugin, 1);
    p->path = g_strdup(path);
    p->name = g_strdup(info->name);
    p->version = g_strdup(info->version ? info->version : "?");
    p->description = g_strdup(info->description ? info->description : "");
    p->license = g_strdup(info->license ? info->license : "unknown");
    p->requires = info->requires;
    p->types = type_list_owned_by(info->name);
    g_ptr_array_add(loaded, p);
    g_hash_table_insert(loaded_paths, real, p);
    module_batch_end();
    /* Plugins stay mapped for the life of the process: their types and
     * functions are referenced from everywhere. */
    g_module_make_resident(mod);
    log_mask(LOG_PLUGIN, "plugin: loaded %s (%s %s, %u types)\n", path, p->name, p->version,
             p->types->len);
    return p;

refuse:
    module_batch_discard();
    module_batch_end();
    g_module_close(mod);
    free(real);
    return NULL;
}

static void refuse(const char *path, const char *reason, bool quiet)
{
    PluginRefusal *r = g_new0(PluginRefusal, 1);
    r->path = g_strdup(path);
    r->reason = g_strdup(reason);
    g_ptr_array_add(refusals, r);
    if (!quiet) {
        error_report("plugin %s refused: %s", path, reason);
    }
}

/* g_ptr_array_sort passes pointers to the elements. */
static gint path_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static GPtrArray *list_so_files(const char *dir)
{
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    GDir *d = g_dir_open(dir, 0, NULL);
    if (!d) {
        return files;
    }
    const char *name;
    while ((name = g_dir_read_name(d))) {
        char *full = g_build_filename(dir, name, NULL);
        if (g_str_has_suffix(name, ".so") && g_file_test(full, G_FILE_TEST_IS_REGULAR)) {
            g_ptr_array_add(files, full);
            continue;
        }
        /* The build tree keeps each plugin in plugins/<name>/<name>.so. */
        if (g_file_test(full, G_FILE_TEST_IS_DIR) && !g_str_has_prefix(name, ".")) {
            char *inner = g_strdup_printf("%s/%s.so", full, name);
            if (g_file_test(inner, G_FILE_TEST_IS_REGULAR)) {
                g_ptr_array_add(files, inner);
            } else {
                g_free(inner);
            }
        }
        g_free(full);
    }
    g_dir_close(d);
    g_ptr_array_sort(files, path_cmp);
    return files;
}

/* After everything is loaded: every plugin's types must be complete. */
static void check_ancestry(bool quiet)
{
    for (guint i = 0; i < loaded->len;) {
        LoadedPlugin *p = g_ptr_array_index(loaded, i);
        Error *err = NULL;
        bool ok = type_check_ancestry(p->name, &err);
        for (const char *const *req = p->requires; ok && req && *req; req++) {
            if (!type_exists(*req)) {
                error_setg(&err, "it requires type '%s', which no loaded plugin or the "
                           "core provides", *req);
                ok = false;
            }
        }
        if (ok) {
            i++;
            continue;
        }
        type_unregister_owner(p->name);
        log_unregister_owner(p->name);
        refuse(p->path, error_get_pretty(err), quiet);
        error_free(err);
        g_ptr_array_remove_index(loaded, i);
        /* Removing a plugin may break another's ancestry: start over. */
        i = 0;
    }
}

int plugin_load_all(bool quiet)
{
    ensure_tables();
    for (guint i = 0; i < dirs->len; i++) {
        GPtrArray *files = list_so_files(g_ptr_array_index(dirs, i));
        for (guint j = 0; j < files->len; j++) {
            const char *path = g_ptr_array_index(files, j);
            Error *err = NULL;
            if (!plugin_load_file(path, &err)) {
                refuse(path, error_get_pretty(err), quiet);
                error_free(err);
            }
        }
        g_ptr_array_unref(files);
    }
    check_ancestry(quiet);
    return loaded->len;
}

void plugin_print_list(FILE *out)
{
    ensure_tables();
    if (!loaded->len) {
        char *d = plugin_dirs_text();
        fprintf(out, "No plugins loaded (searched: %s)\n", d);
        g_free(d);
        return;
    }
    for (guint i = 0; i < loaded->len; i++) {
        LoadedPlugin *p = g_ptr_array_index(loaded, i);
        refresh_types(p);
        fprintf(out, "%-14s %-8s %s\n", p->name, p->version, p->path);
        fprintf(out, "    %s (%s)\n", p->description, p->license);
        fprintf(out, "    types:");
        for (guint j = 0; j < p->types->len; j++) {
            fprintf(out, " %s", (char *)g_ptr_array_index(p->types, j));
        }
        fprintf(out, "%s\n", p->types->len ? "" : " (none)");
    }
    for (guint i = 0; i < refusals->len; i++) {
        PluginRefusal *r = g_ptr_array_index(refusals, i);
        fprintf(out, "refused: %s: %s\n", r->path, r->reason);
    }
}
