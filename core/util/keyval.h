/*
 * KEY=VALUE,... option strings: the one parser behind -device, -chardev,
 * -set, -global, -machine and every later option that takes a list.
 *
 * The syntax is QEMU's:
 *
 *   - items are separated by single commas; ",," is a literal comma, in a
 *     key or a value ("path=a,,b" is path "a,b");
 *   - an item is KEY=VALUE, split at its first '=' (a value may contain
 *     '='); "KEY=" is an empty value;
 *   - the first item may be a bare VALUE when the caller names an implied
 *     key: "-device isa-serial,..." is type=isa-serial;
 *   - with KEYVAL_BARE_FLAGS a bare word is WORD=on ("server"), and with
 *     KEYVAL_HELP a bare "help" or "?" is help=on;
 *   - an empty item (a trailing comma), an empty key, and a bare word
 *     the flags do not allow are errors; so is a key given twice, unless
 *     KEYVAL_LAST_WINS.
 *
 * Errors name the offending item but not the option: the caller prefixes
 * "-device SPEC: ".
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_UTIL_KEYVAL_H
#define CORE_UTIL_KEYVAL_H

#include <cardcage/object.h>

/* An ordered list of KEY=VALUE pairs with unique keys. */
typedef struct KeyVal {
    GPtrArray *keys;     /* char * */
    GPtrArray *values;   /* char * */
} KeyVal;

enum {
    KEYVAL_BARE_FLAGS = 1 << 0,  /* a bare word is WORD=on */
    KEYVAL_HELP = 1 << 1,        /* a bare "help" or "?" is help=on */
    KEYVAL_LAST_WINS = 1 << 2,   /* a repeated key replaces the earlier value */
};

KeyVal *keyval_new(void);
void keyval_free(KeyVal *kv);
/* implied_key: the key of a bare first item, or NULL. */
KeyVal *keyval_parse(const char *text, const char *implied_key, unsigned flags,
                     Error **errp);

/* A later set of the same key replaces the earlier value in place. */
void keyval_set(KeyVal *kv, const char *key, const char *value);
/* False when the key was not there. */
bool keyval_remove(KeyVal *kv, const char *key);
/* NULL when absent (or kv is NULL). */
const char *keyval_get(const KeyVal *kv, const char *key);
/* on/off (and the other cc_parse_bool spellings); def when absent. */
bool keyval_get_bool(const KeyVal *kv, const char *key, bool def, bool *out,
                     Error **errp);
guint keyval_count(const KeyVal *kv);
const char *keyval_key(const KeyVal *kv, guint i);
const char *keyval_value(const KeyVal *kv, guint i);
/* The first key not in allowed (NULL-terminated), or NULL. */
const char *keyval_find_unknown(const KeyVal *kv, const char *const *allowed);

#endif
