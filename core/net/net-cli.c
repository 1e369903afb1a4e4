/*
 * The network options of the command line, once the board is loaded:
 *
 *   -netdev TYPE,id=ID,...          a backend (netdev.c)
 *   -nic TYPE[,model=M][,mac=MAC],...  a backend and a card on it in one go
 *   -nic none                       no card
 *   (none of -nic, -net, -netdev)   the board's default card, if it has one
 *   -net nic[,model=M][,macaddr=MAC][,netdev=ID]   the old form: a card on
 *   -net user|socket,...            hub 0 (or on netdev ID), backends on hub 0
 *   -object filter-dump,...         a pcap of a netdev's traffic (dump.c)
 *
 * A card is a board edit like -device MODEL,netdev=ID,mac=MAC, so it lands
 * on the board's PCI bus like any other card.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "board/board.h"
#include "net/net-cli.h"
#include "net/net-internal.h"

/* The card -nic and -net nic add without model= on a board whose options
 * name none ("-nic": {"model": ...}; pc names QEMU's e1000). */
#define NET_DEFAULT_MODEL "rtl8139"
/* The id of the netdev of the board's default card. */
#define NET_DEFAULT_NETDEV_ID "net0"
/* Board edit indexes after every -device of the command line. */
#define NET_EDIT_INDEX_BASE 100000

void net_options_init(NetOptions *no)
{
    no->netdevs = g_ptr_array_new_with_free_func(g_free);
    no->nics = g_ptr_array_new_with_free_func(g_free);
    no->nets = g_ptr_array_new_with_free_func(g_free);
    no->objects = g_ptr_array_new_with_free_func(g_free);
}

void net_options_free(NetOptions *no)
{
    g_ptr_array_unref(no->netdevs);
    g_ptr_array_unref(no->nics);
    g_ptr_array_unref(no->nets);
    g_ptr_array_unref(no->objects);
}

static bool is_help(const char *v)
{
    return v && (!strcmp(v, "help") || !strcmp(v, "?"));
}

bool net_options_want_help(const NetOptions *no, int *which)
{
    for (guint i = 0; i < no->netdevs->len; i++) {
        const char *s = g_ptr_array_index(no->netdevs, i);
        if (is_help(s)) {
            *which = NET_HELP_NETDEV;
            return true;
        }
    }
    for (guint i = 0; i < no->nics->len; i++) {
        const char *s = g_ptr_array_index(no->nics, i);
        if (is_help(s) || strstr(s, "model=help") || strstr(s, "model=?")) {
            *which = is_help(s) ? NET_HELP_NIC : NET_HELP_MODEL;
            return true;
        }
    }
    for (guint i = 0; i < no->nets->len; i++) {
        const char *s = g_ptr_array_index(no->nets, i);
        if (is_help(s) || strstr(s, "model=help") || strstr(s, "model=?")) {
            *which = is_help(s) ? NET_HELP_NETDEV : NET_HELP_MODEL;
            return true;
        }
    }
    return false;
}

void net_print_nic_models(FILE *out)
{
    fprintf(out, "Available NIC models:\n");
    GSList *classes = object_class_get_list(TYPE_DEVICE, false);
    for (GSList *l = classes; l; l = l->next) {
        DeviceClass *dc = DEVICE_CLASS(l->data);
        if (dc->category == DEVICE_CATEGORY_NETWORK && dc->user_creatable) {
            fprintf(out, "%s\n", object_class_get_name(l->data));
        }
    }
    g_slist_free(classes);
}

void net_print_help(FILE *out, int which)
{
    if (which == NET_HELP_MODEL) {
        net_print_nic_models(out);
        return;
    }
    net_print_backends(out);
    if (which == NET_HELP_NIC) {
        fprintf(out, "  none     no network card\n\n");
        net_print_nic_models(out);
    }
}

static bool add_card(Board *b, const char *model, const char *netdev, const char *mac,
                     const char *origin, unsigned *edits, Error **errp)
{
    GString *spec = g_string_new(model ? model
                                 : b->nic_model ? b->nic_model : NET_DEFAULT_MODEL);
    g_string_append_printf(spec, ",netdev=%s", netdev);
    if (mac) {
        g_string_append_printf(spec, ",mac=%s", mac);
    }
    bool ok = board_add_device_spec(b, spec->str, NET_EDIT_INDEX_BASE + (int)(*edits)++, errp);
    if (!ok) {
        error_prepend(errp, "%s: ", origin);
    }
    g_string_free(spec, TRUE);
    return ok;
}

/* SPEC with the keys in drop removed (they are the card's, not the
 * backend's), and id=ID put in. */
static char *backend_spec(KeyVal *kv, const char *const *drop, const char *id)
{
    GString *s = g_string_new(keyval_get(kv, "type"));
    g_string_append_printf(s, ",id=%s", id);
    for (guint i = 0; i < keyval_count(kv); i++) {
        const char *k = keyval_key(kv, i);
        bool skip = !strcmp(k, "type") || !strcmp(k, "id");
        for (const char *const *d = drop; *d && !skip; d++) {
            skip = !strcmp(k, *d);
        }
        if (skip) {
            continue;
        }
        char **v = g_strsplit(keyval_value(kv, i), ",", -1);
        char *escaped = g_strjoinv(",,", v);
        g_strfreev(v);
        /* hostfwd#2 was the parser's name for a repeat: back to hostfwd. */
        char *key = g_strdup(k), *hash = strchr(key, '#');
        if (hash) {
            *hash = 0;
        }
        g_string_append_printf(s, ",%s=%s", key, escaped);
        g_free(key);
        g_free(escaped);
    }
    return g_string_free(s, FALSE);
}

static KeyVal *parse_netlist(const char *opt, const char *spec, Error **errp)
{
    /* Repeats of hostfwd/guestfwd are allowed: keyval refuses a repeated
     * key, so parse with the netdev layer's numbering. */
    GString *numbered = g_string_new(NULL);
    unsigned nh = 0, ng = 0;
    char **items = g_strsplit(spec, ",", -1);
    for (char **it = items; *it; it++) {
        if (numbered->len) {
            g_string_append_c(numbered, ',');
        }
        if (g_str_has_prefix(*it, "hostfwd=") && ++nh > 1) {
            g_string_append_printf(numbered, "hostfwd#%u%s", nh, *it + 7);
        } else if (g_str_has_prefix(*it, "guestfwd=") && ++ng > 1) {
            g_string_append_printf(numbered, "guestfwd#%u%s", ng, *it + 8);
        } else {
            g_string_append(numbered, *it);
        }
    }
    g_strfreev(items);
    KeyVal *kv = keyval_parse(numbered->str, "type", 0, errp);
    g_string_free(numbered, TRUE);
    if (!kv) {
        error_prepend(errp, "%s %s: ", opt, spec);
    }
    return kv;
}

static bool setup_nic(Board *b, const char *spec, unsigned n, unsigned *edits, Error **errp)
{
    KeyVal *kv = parse_netlist("-nic", spec, errp);
    if (!kv) {
        return false;
    }
    bool ok = true;
    const char *type = keyval_get(kv, "type");
    if (type && !strcmp(type, "none")) {
        keyval_free(kv);
        return true;
    }
    char *origin = g_strdup_printf("-nic %s", spec);
    char *id = keyval_get(kv, "id") ? g_strdup(keyval_get(kv, "id"))
                                    : g_strdup_printf("__nic%u", n);
    static const char *const card_keys[] = { "model", "mac", NULL };
    char *bspec = backend_spec(kv, card_keys, id);
    ok = net_netdev_add("-nic", bspec, errp) &&
         add_card(b, keyval_get(kv, "model"), id, keyval_get(kv, "mac"), origin, edits, errp);
    g_free(bspec);
    g_free(id);
    g_free(origin);
    keyval_free(kv);
    return ok;
}

/* -net: cards and backends meet on a hub (vlan=N picks it; default 0). */
static bool setup_net(Board *b, const char *spec, unsigned n, unsigned *edits, Error **errp)
{
    KeyVal *kv = parse_netlist("-net", spec, errp);
    if (!kv) {
        return false;
    }
    const char *type = keyval_get(kv, "type");
    const char *vlan = keyval_get(kv, "vlan");
    int64_t hub = 0;
    bool ok = true;
    char *origin = g_strdup_printf("-net %s", spec);
    if (vlan && (!cc_parse_int64(vlan, &hub) || hub < 0 || hub > 1024)) {
        error_setg(errp, "%s: vlan=%s: expected a hub number", origin, vlan);
        ok = false;
    } else if (!type || !strcmp(type, "none")) {
        /* nothing */
    } else if (!strcmp(type, "nic")) {
        static const char *const allowed[] = { "type", "model", "macaddr", "netdev", "vlan",
                                               "name", "id", NULL };
        const char *unknown = keyval_find_unknown(kv, allowed);
        const char *netdev = keyval_get(kv, "netdev");
        char *port = NULL;
        if (unknown) {
            error_setg(errp, "%s: -net nic has no option '%s'", origin, unknown);
            ok = false;
        } else if (!netdev) {
            port = g_strdup_printf("__net%u", n);
            char *pspec = g_strdup_printf("hubport,id=%s,hubid=%d", port, (int)hub);
            ok = net_netdev_add("-net", pspec, errp) != NULL;
            g_free(pspec);
        }
        ok = ok && add_card(b, keyval_get(kv, "model"), netdev ? netdev : port,
                            keyval_get(kv, "macaddr"), origin, edits, errp);
        g_free(port);
    } else {
        static const char *const drop[] = { "vlan", "name", NULL };
        char *id = keyval_get(kv, "id") ? g_strdup(keyval_get(kv, "id"))
                                        : g_strdup_printf("__net%u", n);
        char *bspec = backend_spec(kv, drop, id);
        NetClient *nc = net_netdev_add("-net", bspec, errp);
        if (nc) {
            char *pname = g_strdup_printf("__net%u.port", n);
            NetClient *hp = net_hub_add_port((int)hub, pname, errp);
            g_free(pname);
            nc->peer = hp;
            hp->peer = nc;
        }
        ok = nc != NULL;
        g_free(bspec);
        g_free(id);
    }
    g_free(origin);
    keyval_free(kv);
    return ok;
}

/* QEMU's default NIC: a board whose options give "-nic": {"default": SPEC}
 * gets -nic SPEC when the command line has no network options of its own
 * (-nic, -net, -netdev) and no -nodefaults. */
static bool setup_default_nic(Board *b, const NetOptions *no, unsigned *edits, Error **errp)
{
    if (!b->nic_default || no->no_defaults || no->nics->len || no->nets->len ||
        no->netdevs->len) {
        return true;
    }
    char *spec = strstr(b->nic_default, "id=")
                     ? g_strdup(b->nic_default)
                     : g_strdup_printf("%s,id=%s", b->nic_default, NET_DEFAULT_NETDEV_ID);
    bool ok = setup_nic(b, spec, 0, edits, errp);
    if (!ok) {
        error_prepend(errp, "board '%s': the default network card: ", b->name);
    }
    g_free(spec);
    return ok;
}

bool net_setup(Board *b, const NetOptions *no, Error **errp)
{
    unsigned edits = 0;
    if (!setup_default_nic(b, no, &edits, errp)) {
        return false;
    }
    for (guint i = 0; i < no->netdevs->len; i++) {
        const char *spec = g_ptr_array_index(no->netdevs, i);
        if (!net_netdev_add("-netdev", spec, errp)) {
            return false;
        }
    }
    for (guint i = 0; i < no->nics->len; i++) {
        if (!setup_nic(b, g_ptr_array_index(no->nics, i), i, &edits, errp)) {
            return false;
        }
    }
    for (guint i = 0; i < no->nets->len; i++) {
        if (!setup_net(b, g_ptr_array_index(no->nets, i), i, &edits, errp)) {
            return false;
        }
    }
    for (guint i = 0; i < no->objects->len; i++) {
        if (!net_dump_add(g_ptr_array_index(no->objects, i), errp)) {
            return false;
        }
    }
    return true;
}
