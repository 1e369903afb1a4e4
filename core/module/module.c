/*
 * The four module init lists (QOM, MACHINE, BLOCK, QAPI).
 *
 * Constructors append entries; module_call_init runs the entries of a list
 * that have not run yet and marks the list initialised.  From then on,
 * entries a plugin adds are run by the loader right after the plugin loads.
 * Each entry runs exactly once.
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/module.h>
#include "module/module-internal.h"
#include "qom/type-internal.h"

typedef struct ModuleEntry {
    void (*init)(void);
    unsigned batch;          /* 0: the core; otherwise the loading batch */
    const char *owner;       /* the plugin of that batch (interned), or NULL */
    bool done;
} ModuleEntry;

typedef struct ModuleList {
    GArray *entries;         /* ModuleEntry */
    bool initialised;
} ModuleList;

static ModuleList lists[MODULE_INIT_MAX];
static unsigned current_batch;
static const char *current_owner;
static unsigned next_batch = 1;

static ModuleList *find_list(module_init_type type)
{
    ModuleList *l = &lists[type];
    if (!l->entries) {
        l->entries = g_array_new(FALSE, TRUE, sizeof(ModuleEntry));
    }
    return l;
}

void register_module_init(void (*fn)(void), module_init_type type)
{
    if ((unsigned)type >= MODULE_INIT_MAX) {
        return;
    }
    ModuleEntry e = { .init = fn, .batch = current_batch, .owner = current_owner };
    g_array_append_val(find_list(type)->entries, e);
}

/* Run not-yet-run entries of a list (of one batch, or all when batch is
 * ~0).  Entries may register further entries while running; the loop picks
 * them up because it re-reads the length. */
static void run_list(module_init_type type, unsigned batch)
{
    ModuleList *l = find_list(type);
    for (guint i = 0; i < l->entries->len; i++) {
        ModuleEntry *e = &g_array_index(l->entries, ModuleEntry, i);
        if (!e->done && (batch == ~0u || e->batch == batch)) {
            e->done = true;
            if (e->owner && batch == ~0u) {
                /* A plugin's entry of a list that runs after it loaded:
                 * the types it registers still belong to the plugin. */
                type_registration_begin(e->owner);
                const char *outer = current_owner;
                current_owner = e->owner;
                e->init();
                current_owner = outer;
                Error *err = NULL;
                if (!type_registration_end(&err)) {
                    warn_report("plugin '%s': %s", e->owner, error_get_pretty(err));
                    error_free(err);
                }
            } else {
                e->init();
            }
        }
    }
}

void module_call_init(module_init_type type)
{
    if ((unsigned)type >= MODULE_INIT_MAX) {
        return;
    }
    find_list(type)->initialised = true;
    run_list(type, ~0u);
}

bool module_list_initialised(module_init_type type)
{
    return find_list(type)->initialised;
}

int module_list_length(module_init_type type)
{
    return find_list(type)->entries->len;
}

void module_batch_begin(void)
{
    current_batch = next_batch++;
    current_owner = NULL;
}

void module_batch_set_owner(const char *owner)
{
    current_owner = g_intern_string(owner);
    /* Entries the plugin's constructors registered before its descriptor
     * was read belong to it too. */
    for (int t = 0; t < MODULE_INIT_MAX; t++) {
        ModuleList *l = find_list(t);
        for (guint i = 0; i < l->entries->len; i++) {
            ModuleEntry *e = &g_array_index(l->entries, ModuleEntry, i);
            if (e->batch == current_batch) {
                e->owner = current_owner;
            }
        }
    }
}

void module_batch_run_ready(void)
{
    static const module_init_type order[] = {
        MODULE_INIT_QOM, MODULE_INIT_MACHINE, MODULE_INIT_BLOCK, MODULE_INIT_QAPI,
    };
    unsigned batch = current_batch;
    for (size_t i = 0; i < CC_ARRAY_SIZE(order); i++) {
        if (find_list(order[i])->initialised) {
            run_list(order[i], batch);
        }
    }
}

void module_batch_discard(void)
{
    for (int t = 0; t < MODULE_INIT_MAX; t++) {
        ModuleList *l = find_list(t);
        for (guint i = l->entries->len; i-- > 0;) {
            ModuleEntry *e = &g_array_index(l->entries, ModuleEntry, i);
            if (e->batch == current_batch && !e->done) {
                g_array_remove_index(l->entries, i);
            }
        }
    }
}

int module_batch_count(void)
{
    int n = 0;
    for (int t = 0; t < MODULE_INIT_MAX; t++) {
        ModuleList *l = find_list(t);
        for (guint i = 0; i < l->entries->len; i++) {
            n += g_array_index(l->entries, ModuleEntry, i).batch == current_batch;
        }
    }
    return n;
}

const char *module_current_owner(void)
{
    return current_owner;
}

void module_batch_end(void)
{
    current_batch = 0;
    current_owner = NULL;
}
