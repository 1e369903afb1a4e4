/*
 * Board directories and machine types: each board file found becomes a
 * machine type "<name>-machine" in the MACHINE module list, which -M uses.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/cardcage.h>
#include "cardcage-config.h"
#include "board/board.h"
#include "module/plugin-loader.h"

static GPtrArray *dirs;

const GPtrArray *board_dirs(void)
{
    if (!dirs) {
        dirs = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(dirs, g_strdup(cardcage_running_from_build_tree()
                                       ? CARDCAGE_SOURCE_ROOT "/machines"
                                       : CARDCAGE_MACHINE_DIR));
        const char *env = g_getenv("CARDCAGE_MACHINE_PATH");
        if (env) {
            char **parts = g_strsplit(env, ":", -1);
            for (char **p = parts; *p; p++) {
                if (**p) {
                    g_ptr_array_add(dirs, g_strdup(*p));
                }
            }
            g_strfreev(parts);
        }
    }
    return dirs;
}

char *board_find_file(const char *name)
{
    const GPtrArray *d = board_dirs();
    /* Later directories override earlier ones, as a user's own board of a
     * built-in name is meant to replace it. */
    for (guint i = d->len; i-- > 0;) {
        char *path = g_strdup_printf("%s/%s.json", (char *)g_ptr_array_index(d, i), name);
        if (g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
            return path;
        }
        g_free(path);
    }
    return NULL;
}

static void machine_class_init(ObjectClass *klass, void *data)
{
    MachineClass *mc = (MachineClass *)klass;
    char *file = data;
    if (!file) {
        return;     /* the abstract base */
    }
    mc->board_file = file;
    char *base = g_path_get_basename(file);
    base[strlen(base) - strlen(".json")] = '\0';
    mc->board_name = base;
    /* The description is read now, so -M help needs no second pass; a
     * broken file still lists, with the reason. */
    Error *err = NULL;
    Board *b = board_load(file, &err);
    if (b) {
        mc->description = g_strdup(b->description ? b->description : "");
        board_free(b);
    } else {
        mc->description = g_strdup_printf("(unusable: %s)", error_get_pretty(err));
        error_free(err);
    }
}

static void register_board(const char *file)
{
    char *base = g_path_get_basename(file);
    base[strlen(base) - strlen(".json")] = '\0';
    char *tname = g_strdup_printf("%s-machine", base);
    g_free(base);
    if (type_exists(tname)) {
        g_free(tname);
        return;    /* an earlier directory had a board of this name */
    }
    /* The type table copies the TypeInfo (keeping its strings: the name
     * is interned, the file name is the class data for good). */
    const TypeInfo ti = {
        .name = g_intern_string(tname),
        .parent = TYPE_MACHINE,
        .class_size = sizeof(MachineClass),
        .class_init = machine_class_init,
        .class_data = g_strdup(file),
    };
    type_register_static(&ti);
    g_free(tname);
}

/* g_ptr_array_sort passes pointers to the elements. */
static gint path_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void board_register_machine_types(void)
{
    static const TypeInfo machine_base = {
        .name = TYPE_MACHINE,
        .parent = TYPE_OBJECT,
        .abstract = true,
        .class_size = sizeof(MachineClass),
        .class_init = machine_class_init,
    };
    if (!type_exists(TYPE_MACHINE)) {
        type_register_static(&machine_base);
    }
    const GPtrArray *d = board_dirs();
    /* Later directories win: register them first. */
    for (guint i = d->len; i-- > 0;) {
        GDir *dir = g_dir_open(g_ptr_array_index(d, i), 0, NULL);
        if (!dir) {
            continue;
        }
        GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
        const char *n;
        while ((n = g_dir_read_name(dir))) {
            if (g_str_has_suffix(n, ".json") && strlen(n) > strlen(".json")) {
                g_ptr_array_add(names, g_build_filename(g_ptr_array_index(d, i), n, NULL));
            }
        }
        g_dir_close(dir);
        g_ptr_array_sort(names, path_cmp);
        for (guint j = 0; j < names->len; j++) {
            register_board(g_ptr_array_index(names, j));
        }
        g_ptr_array_unref(names);
    }
}

machine_init(board_register_machine_types)

const char *machine_find_board_file(const char *name)
{
    char *tname = g_strdup_printf("%s-machine", name);
    ObjectClass *oc = object_class_by_name(tname);
    g_free(tname);
    return oc && object_class_dynamic_cast(oc, TYPE_MACHINE) ? ((MachineClass *)oc)->board_file
                                                             : NULL;
}

void board_print_list(FILE *out)
{
    GSList *list = object_class_get_list(TYPE_MACHINE, false);
    fprintf(out, "Supported machines (boards, from %s", (char *)g_ptr_array_index(board_dirs(), 0));
    for (guint i = 1; i < board_dirs()->len; i++) {
        fprintf(out, ", %s", (char *)g_ptr_array_index(board_dirs(), i));
    }
    fprintf(out, "):\n");
    for (GSList *l = list; l; l = l->next) {
        MachineClass *mc = l->data;
        fprintf(out, "  %-12s %s%s\n", mc->board_name, mc->description,
                !strcmp(mc->board_name, "pc") ? " (default)" : "");
    }
    if (!list) {
        fprintf(out, "  (none found)\n");
    }
    fprintf(out, "A board file may also be given by path: -M path/to/board.json\n");
    g_slist_free(list);
}
