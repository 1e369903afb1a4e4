/*
 * BlockOpts: the flat options dictionary nodes are opened with.
 *
 * Keys keep their insertion order (messages and query output follow the
 * command line) and a "used" mark, so that a key no driver read can be
 * reported by name after open.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/object.h>
#include "block/block-internal.h"
#include "util/keyval.h"

typedef struct BlockOpt {
    char *key;
    char *value;
    bool used;
} BlockOpt;

struct BlockOpts {
    GArray *items;   /* BlockOpt */
};

static void opt_clear(gpointer p)
{
    BlockOpt *o = p;
    g_free(o->key);
    g_free(o->value);
}

BlockOpts *block_opts_new(void)
{
    BlockOpts *opts = g_new0(BlockOpts, 1);
    opts->items = g_array_new(FALSE, TRUE, sizeof(BlockOpt));
    g_array_set_clear_func(opts->items, opt_clear);
    return opts;
}

void block_opts_free(BlockOpts *opts)
{
    if (opts) {
        g_array_unref(opts->items);
        g_free(opts);
    }
}

static BlockOpt *find(const BlockOpts *opts, const char *key)
{
    for (guint i = 0; opts && i < opts->items->len; i++) {
        BlockOpt *o = &g_array_index(opts->items, BlockOpt, i);
        if (!strcmp(o->key, key)) {
            return o;
        }
    }
    return NULL;
}

void block_opts_set(BlockOpts *opts, const char *key, const char *value)
{
    BlockOpt *o = find(opts, key);
    if (o) {
        g_free(o->value);
        o->value = g_strdup(value ? value : "");
        o->used = false;
        return;
    }
    BlockOpt n = { g_strdup(key), g_strdup(value ? value : ""), false };
    g_array_append_val(opts->items, n);
}

bool block_opts_parse(BlockOpts *opts, const char *text, Error **errp)
{
    KeyVal *kv = keyval_parse(text, NULL, KEYVAL_LAST_WINS, errp);
    if (!kv) {
        return false;
    }
    for (guint i = 0; i < keyval_count(kv); i++) {
        block_opts_set(opts, keyval_key(kv, i), keyval_value(kv, i));
    }
    keyval_free(kv);
    return true;
}

bool block_opts_has(const BlockOpts *opts, const char *key)
{
    return find(opts, key) != NULL;
}

const char *block_opts_get(BlockOpts *opts, const char *key)
{
    BlockOpt *o = find(opts, key);
    if (!o) {
        return NULL;
    }
    o->used = true;
    return o->value;
}

void block_opts_mark_used(BlockOpts *opts, const char *key)
{
    block_opts_get(opts, key);
}

bool block_opts_get_bool(BlockOpts *opts, const char *key, bool def, bool *out,
                         Error **errp)
{
    const char *v = block_opts_get(opts, key);
    if (!v) {
        *out = def;
        return true;
    }
    if (!cc_parse_bool(v, out)) {
        error_setg(errp, "option '%s': '%s' is not on or off", key, v);
        return false;
    }
    return true;
}

bool block_opts_get_size(BlockOpts *opts, const char *key, uint64_t def, uint64_t *out,
                         Error **errp)
{
    const char *v = block_opts_get(opts, key);
    if (!v) {
        *out = def;
        return true;
    }
    if (!cc_parse_size(v, out)) {
        error_setg(errp, "option '%s': '%s' is not a size (bytes, or with k, M, G, T)",
                   key, v);
        return false;
    }
    return true;
}

bool block_opts_get_uint(BlockOpts *opts, const char *key, uint64_t def, uint64_t *out,
                         Error **errp)
{
    const char *v = block_opts_get(opts, key);
    if (!v) {
        *out = def;
        return true;
    }
    if (!cc_parse_uint64(v, out)) {
        error_setg(errp, "option '%s': '%s' is not a number", key, v);
        return false;
    }
    return true;
}

BlockOpts *block_opts_extract_prefix(BlockOpts *opts, const char *prefix)
{
    BlockOpts *sub = block_opts_new();
    char *dotted = g_str_has_suffix(prefix, ".") ? g_strdup(prefix)
                                                 : g_strconcat(prefix, ".", NULL);
    size_t plen = strlen(dotted);
    for (guint i = 0; opts && i < opts->items->len;) {
        BlockOpt *o = &g_array_index(opts->items, BlockOpt, i);
        if (!strncmp(o->key, dotted, plen) && o->key[plen]) {
            block_opts_set(sub, o->key + plen, o->value);
            g_array_remove_index(opts->items, i);
        } else {
            i++;
        }
    }
    g_free(dotted);
    return sub;
}

unsigned block_opts_count(const BlockOpts *opts)
{
    return opts ? opts->items->len : 0;
}

const char *block_opts_key(const BlockOpts *opts, unsigned i)
{
    return i < block_opts_count(opts) ? g_array_index(opts->items, BlockOpt, i).key : NULL;
}

const char *block_opts_value(const BlockOpts *opts, unsigned i)
{
    return i < block_opts_count(opts) ? g_array_index(opts->items, BlockOpt, i).value : NULL;
}

BlockOpts *block_opts_copy(const BlockOpts *opts)
{
    BlockOpts *c = block_opts_new();
    for (unsigned i = 0; i < block_opts_count(opts); i++) {
        block_opts_set(c, block_opts_key(opts, i), block_opts_value(opts, i));
    }
    return c;
}

const char *block_opts_first_unused(const BlockOpts *opts)
{
    for (guint i = 0; opts && i < opts->items->len; i++) {
        BlockOpt *o = &g_array_index(opts->items, BlockOpt, i);
        if (!o->used) {
            return o->key;
        }
    }
    return NULL;
}

bool block_opts_check_all_used(const BlockOpts *opts, const char *what, Error **errp)
{
    const char *k = block_opts_first_unused(opts);
    if (k) {
        error_setg(errp, "%s does not support the option '%s'", what, k);
        return false;
    }
    return true;
}

void block_opts_rename(BlockOpts *opts, const char *key, const char *new_key)
{
    BlockOpt *o = find(opts, key);
    if (o && !find(opts, new_key)) {
        g_free(o->key);
        o->key = g_strdup(new_key);
    }
}

BlockOpts *block_opts_unused(const BlockOpts *opts)
{
    BlockOpts *c = block_opts_new();
    for (guint i = 0; opts && i < opts->items->len; i++) {
        BlockOpt *o = &g_array_index(opts->items, BlockOpt, i);
        if (!o->used) {
            block_opts_set(c, o->key, o->value);
        }
    }
    return c;
}
