/*
 * Netdevs: the backends -netdev TYPE,id=ID,... creates, found by id from a
 * card's netdev property, each claimed by at most one card.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "net/net-internal.h"

static const NetBackend *const backends[] = {
    &net_backend_user,
    &net_backend_socket,
    &net_backend_tap,
    &net_backend_hubport,
};

static GPtrArray *netdevs;       /* NetClient *, the -netdev ones */

void net_print_backends(FILE *out)
{
    fprintf(out, "Available netdev backend types:\n");
    for (size_t i = 0; i < G_N_ELEMENTS(backends); i++) {
        fprintf(out, "  %-8s %s\n", backends[i]->type, backends[i]->help);
    }
}

static const NetBackend *find_backend(const char *type)
{
    for (size_t i = 0; i < G_N_ELEMENTS(backends); i++) {
        if (!strcmp(backends[i]->type, type)) {
            return backends[i];
        }
    }
    return NULL;
}

/* hostfwd and guestfwd may be given more than once (QEMU's syntax): the
 * repeats become hostfwd#2, hostfwd#3, ... before the one parser sees
 * them, which refuses other repeated keys. */
static char *number_repeats(const char *spec)
{
    GString *out = g_string_new(NULL);
    unsigned nhost = 0, nguest = 0;
    const char *p = spec;
    bool item_start = true;
    while (*p) {
        if (item_start) {
            unsigned *n = g_str_has_prefix(p, "hostfwd=") ? &nhost :
                          g_str_has_prefix(p, "guestfwd=") ? &nguest : NULL;
            if (n && ++*n > 1) {
                size_t klen = strchr(p, '=') - p;
                g_string_append_len(out, p, klen);
                g_string_append_printf(out, "#%u", *n);
                p += klen;
            }
            item_start = false;
        }
        if (p[0] == ',' && p[1] == ',') {
            g_string_append(out, ",,");
            p += 2;
            continue;
        }
        if (*p == ',') {
            item_start = true;
        }
        g_string_append_c(out, *p++);
    }
    return g_string_free(out, FALSE);
}

static bool key_allowed(const NetBackend *b, const char *key)
{
    if (!strcmp(key, "type") || !strcmp(key, "id")) {
        return true;
    }
    char *base = g_strdup(key);
    char *hash = strchr(base, '#');
    if (hash) {
        *hash = 0;
    }
    bool ok = false;
    for (const char *const *k = b->keys; *k && !ok; k++) {
        ok = !strcmp(*k, base);
    }
    g_free(base);
    return ok;
}

NetClient *net_netdev_add(const char *opt, const char *spec, Error **errp)
{
    char *numbered = number_repeats(spec);
    KeyVal *kv = keyval_parse(numbered, "type", 0, errp);
    g_free(numbered);
    if (!kv) {
        error_prepend(errp, "%s %s: ", opt, spec);
        return NULL;
    }
    NetClient *nc = NULL;
    const char *type = keyval_get(kv, "type");
    const char *id = keyval_get(kv, "id");
    const NetBackend *b = type ? find_backend(type) : NULL;
    if (!b) {
        error_setg(errp, "%s %s: %s netdev type '%s' (-netdev help lists them)", opt, spec,
                   type ? "no" : "missing", type ? type : "");
        goto out;
    }
    if (!id || !*id) {
        error_setg(errp, "%s %s: a netdev needs an id", opt, spec);
        goto out;
    }
    if (net_client_find(id)) {
        error_setg(errp, "%s %s: duplicate netdev id '%s'", opt, spec, id);
        goto out;
    }
    for (guint i = 0; i < keyval_count(kv); i++) {
        if (!key_allowed(b, keyval_key(kv, i))) {
            error_setg(errp, "%s %s: %s netdev has no option '%s'", opt, spec, type,
                       keyval_key(kv, i));
            goto out;
        }
    }
    nc = b->create(id, kv, errp);
    if (!nc) {
        error_prepend(errp, "%s %s: ", opt, spec);
        goto out;
    }
    if (!netdevs) {
        netdevs = g_ptr_array_new();
    }
    g_ptr_array_add(netdevs, nc);
out:
    keyval_free(kv);
    return nc;
}

NetClient *net_netdev_find(const char *id)
{
    for (guint i = 0; netdevs && i < netdevs->len; i++) {
        NetClient *nc = g_ptr_array_index(netdevs, i);
        if (!strcmp(nc->name, id)) {
            return nc;
        }
    }
    return NULL;
}

bool net_netdev_claim(NetClient *nc, Object *owner, Error **errp)
{
    if (nc->claimed_by && nc->claimed_by != owner) {
        DeviceState *d = DEVICE(nc->claimed_by);
        error_setg(errp, "netdev '%s' is already used by device '%s'", nc->name,
                   device_get_id(d) ? device_get_id(d) : object_get_typename(nc->claimed_by));
        return false;
    }
    if (nc->peer && !nc->claimed_by) {
        error_setg(errp, "netdev '%s' is already connected to '%s'", nc->name,
                   nc->peer->name);
        return false;
    }
    nc->claimed_by = owner;
    return true;
}

void net_netdev_release(NetClient *nc, Object *owner)
{
    if (nc->claimed_by == owner) {
        nc->claimed_by = NULL;
    }
}
