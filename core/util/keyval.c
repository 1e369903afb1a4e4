/*
 * KEY=VALUE,... option strings (see keyval.h for the syntax).
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "util/keyval.h"

KeyVal *keyval_new(void)
{
    KeyVal *kv = g_new0(KeyVal, 1);
    kv->keys = g_ptr_array_new_with_free_func(g_free);
    kv->values = g_ptr_array_new_with_free_func(g_free);
    return kv;
}

void keyval_free(KeyVal *kv)
{
    if (kv) {
        g_ptr_array_unref(kv->keys);
        g_ptr_array_unref(kv->values);
        g_free(kv);
    }
}

static int keyval_index(const KeyVal *kv, const char *key)
{
    for (guint i = 0; kv && i < kv->keys->len; i++) {
        if (!strcmp(g_ptr_array_index(kv->keys, i), key)) {
            return (int)i;
        }
    }
    return -1;
}

void keyval_set(KeyVal *kv, const char *key, const char *value)
{
    int i = keyval_index(kv, key);
    if (i >= 0) {
        g_free(kv->values->pdata[i]);
        kv->values->pdata[i] = g_strdup(value);
        return;
    }
    g_ptr_array_add(kv->keys, g_strdup(key));
    g_ptr_array_add(kv->values, g_strdup(value));
}

bool keyval_remove(KeyVal *kv, const char *key)
{
    int i = keyval_index(kv, key);
    if (i < 0) {
        return false;
    }
    g_ptr_array_remove_index(kv->keys, (guint)i);
    g_ptr_array_remove_index(kv->values, (guint)i);
    return true;
}

const char *keyval_get(const KeyVal *kv, const char *key)
{
    int i = keyval_index(kv, key);
    return i >= 0 ? g_ptr_array_index(kv->values, i) : NULL;
}

bool keyval_get_bool(const KeyVal *kv, const char *key, bool def, bool *out, Error **errp)
{
    const char *v = keyval_get(kv, key);
    if (!v) {
        *out = def;
        return true;
    }
    if (!cc_parse_bool(v, out)) {
        error_setg(errp, "option '%s' takes on or off, not '%s'", key, v);
        return false;
    }
    return true;
}

guint keyval_count(const KeyVal *kv)
{
    return kv->keys->len;
}

const char *keyval_key(const KeyVal *kv, guint i)
{
    return g_ptr_array_index(kv->keys, i);
}

const char *keyval_value(const KeyVal *kv, guint i)
{
    return g_ptr_array_index(kv->values, i);
}

const char *keyval_find_unknown(const KeyVal *kv, const char *const *allowed)
{
    for (guint i = 0; i < kv->keys->len; i++) {
        const char *const *a = allowed;
        while (*a && strcmp(*a, keyval_key(kv, i))) {
            a++;
        }
        if (!*a) {
            return keyval_key(kv, i);
        }
    }
    return NULL;
}

/* One item, with ",," already turned into ','.  `raw` is its text as
 * written, for the messages. */
static bool keyval_add_item(KeyVal *kv, const char *item, const char *raw, bool first,
                            const char *implied_key, unsigned flags, Error **errp)
{
    const char *eq = strchr(item, '=');
    char *key;
    const char *value;
    if (!*item) {
        error_setg(errp, "empty item in '%s' (a trailing comma, or ',,' where one comma "
                   "was meant?)", raw);
        return false;
    }
    if (eq == item) {
        error_setg(errp, "'%s' has no key before '='", item);
        return false;
    }
    if (eq) {
        key = g_strndup(item, eq - item);
        value = eq + 1;
    } else if (first && implied_key) {
        key = g_strdup(implied_key);
        value = item;
    } else if ((flags & KEYVAL_HELP) && (!strcmp(item, "help") || !strcmp(item, "?"))) {
        key = g_strdup("help");
        value = "on";
    } else if (flags & KEYVAL_BARE_FLAGS) {
        key = g_strdup(item);
        value = "on";
    } else {
        error_setg(errp, "'%s' is not KEY=VALUE", item);
        return false;
    }
    bool ok = true;
    if (keyval_index(kv, key) >= 0 && !(flags & KEYVAL_LAST_WINS)) {
        error_setg(errp, "'%s' is given twice", key);
        ok = false;
    } else {
        keyval_set(kv, key, value);
    }
    g_free(key);
    return ok;
}

KeyVal *keyval_parse(const char *text, const char *implied_key, unsigned flags, Error **errp)
{
    KeyVal *kv = keyval_new();
    GString *item = g_string_new(NULL);
    bool first = true;
    const char *p = text;
    for (;;) {
        if (*p == ',' && p[1] == ',') {
            g_string_append_c(item, ',');
            p += 2;
            continue;
        }
        if (*p && *p != ',') {
            g_string_append_c(item, *p++);
            continue;
        }
        if (!keyval_add_item(kv, item->str, text, first, implied_key, flags, errp)) {
            keyval_free(kv);
            kv = NULL;
            break;
        }
        first = false;
        g_string_truncate(item, 0);
        if (!*p++) {
            break;
        }
    }
    g_string_free(item, TRUE);
    return kv;
}
