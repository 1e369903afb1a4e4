/*
 * The plugin loader: finds *.so files in the plugin directories, opens them
 * with GModule, checks their descriptor and runs what they registered.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_PLUGIN_LOADER_H
#define CORE_PLUGIN_LOADER_H

#include <cardcage/error.h>

typedef struct LoadedPlugin {
    char *path;
    char *name;
    char *version;
    char *description;
    char *license;
    GPtrArray *types;        /* char *: the type names it registered */
    const char *const *requires;  /* from the descriptor (the plugin stays mapped) */
} LoadedPlugin;

typedef struct PluginRefusal {
    char *path;
    char *reason;
} PluginRefusal;

/* The directory of the plugins that ship with this cardcage: the build
 * tree's plugins/ when running from the build tree, else the installed
 * <libdir>/cardcage/plugins. */
const char *plugin_builtin_dir(void);
/* True when the running program lives in the build tree. */
bool cardcage_running_from_build_tree(void);

/* Directories are scanned in the order added; plugin_add_default_dirs adds
 * the built-in directory and then each directory of $CARDCAGE_PLUGIN_PATH. */
void plugin_add_default_dirs(void);
void plugin_add_dir(const char *dir);
/* The directories, in scan order (for error messages). */
const GPtrArray *plugin_dirs(void);
/* "dir1, dir2, dir3" (g_free it). */
char *plugin_dirs_text(void);

/* Scan every directory and load every plugin; refused files are reported
 * on stderr (one line each, unless quiet) and kept in plugin_refusals().
 * Returns the number of plugins loaded. */
int plugin_load_all(bool quiet);
/* Load one file.  NULL with errp set (the reason, without the path) when
 * refused. */
LoadedPlugin *plugin_load_file(const char *path, Error **errp);

const GPtrArray *plugin_loaded(void);      /* LoadedPlugin * */
const GPtrArray *plugin_refusals(void);    /* PluginRefusal * */
/* The plugin that registered typename, or NULL (the core). */
const LoadedPlugin *plugin_find_by_type(const char *typename);
void plugin_print_list(FILE *out);

#endif
