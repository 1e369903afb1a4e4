/*
 * The "user" netdev: user-mode networking through libslirp.  The guest sees
 * a virtual network (10.0.2.0/24 by default) with a gateway and host alias
 * at .2 (DHCP server, DNS forwarder at .3 that asks the host's resolver,
 * TFTP), and its connections go out through ordinary host sockets.
 *
 * libslirp does no I/O of its own: it asks which sockets to watch
 * (slirp_pollfds_fill) and is told what happened (slirp_pollfds_poll).
 * That is done by a GSource on the main loop's GMainContext: prepare
 * collects slirp's descriptors into the source's poll set and its
 * timeout, dispatch hands the results back, on every turn of the loop,
 * so slirp's TCP timers run too.  Its own timers (IPv6 router
 * advertisements) are host-clock timers.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <arpa/inet.h>
#include <slirp/libslirp.h>
#include <cardcage/log.h>
#include "net/net-internal.h"

typedef struct SlirpSource {
    GSource source;
    struct UserNet *u;
} SlirpSource;

/* One descriptor slirp has asked to watch, kept in the source's poll set
 * from one turn to the next (see source_prepare). */
typedef struct UserPoll {
    GPollFD pfd;                 /* no events while slirp does not ask for it */
    int fd;
    unsigned idle_turns;         /* turns in a row slirp did not ask for it */
} UserPoll;

typedef struct UserNet {
    Slirp *slirp;
    NetClient *nc;
    GSource *source;
    GHashTable *polls;           /* fd -> UserPoll *, each added to the source */
    GPtrArray *turn;             /* UserPoll *, in slirp's index order this turn */
    char *tftp, *bootfile, *hostname, *domain;
    char **dnssearch;
} UserNet;

/* ---- slirp's callbacks ---- */

static ssize_t user_send_packet(const void *buf, size_t len, void *opaque)
{
    UserNet *u = opaque;
    /* A frame for the guest.  When its queue is full it is lost, as on a
     * wire; slirp's TCP sends it again. */
    net_client_send(u->nc, buf, len);
    return (ssize_t)len;
}

static void user_guest_error(const char *msg, void *opaque)
{
    log_mask(LOG_GUEST_ERROR, "user netdev: %s\n", msg);
}

static int64_t user_clock_get_ns(void *opaque)
{
    return clock_get_ns(CC_CLOCK_REALTIME);
}

typedef struct UserTimer {
    Timer *t;
    SlirpTimerCb cb;
    void *cb_opaque;
    SlirpTimerId id;
    UserNet *u;
    bool by_id;
} UserTimer;

static void user_timer_fire(void *opaque)
{
    UserTimer *ut = opaque;
    if (ut->by_id) {
        slirp_handle_timer(ut->u->slirp, ut->id, ut->cb_opaque);
    } else {
        ut->cb(ut->cb_opaque);
    }
}

static void *user_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
    UserTimer *ut = g_new0(UserTimer, 1);
    ut->cb = cb;
    ut->cb_opaque = cb_opaque;
    ut->u = opaque;
    ut->t = timer_new_ns(CC_CLOCK_REALTIME, user_timer_fire, ut);
    return ut;
}

static void *user_timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
    UserTimer *ut = user_timer_new(NULL, cb_opaque, opaque);
    ut->id = id;
    ut->by_id = true;
    return ut;
}

static void user_timer_free(void *timer, void *opaque)
{
    UserTimer *ut = timer;
    timer_free(ut->t);
    g_free(ut);
}

/* expire_time is in milliseconds of the clock above. */
static void user_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
    UserTimer *ut = timer;
    timer_mod_ns(ut->t, expire_ms * 1000000);
}

static void user_register_fd(int fd, void *opaque)
{
}

#define POLL_IDLE_TURNS 256

/* slirp closes fd: its record leaves the poll set at the next prepare
 * (slirp may still ask for its results in this turn's dispatch, so the
 * record lives until then; a new socket may then reuse the number). */
static void user_unregister_fd(int fd, void *opaque)
{
    UserNet *u = opaque;
    UserPoll *p = g_hash_table_lookup(u->polls, GINT_TO_POINTER(fd));
    if (p) {
        p->pfd.events = 0;
        p->idle_turns = POLL_IDLE_TURNS;
    }
}

/* slirp has room for more input from a socket.  slirp runs only on the
 * main loop's thread, which asks it afresh what to watch at its next
 * turn, so there is no poll in progress to interrupt; waking the context
 * would only end the CPU's next slice early (the input watcher sees the
 * wake-up). */
static void user_notify(void *opaque)
{
}

static const SlirpCb user_callbacks = {
    .send_packet = user_send_packet,
    .guest_error = user_guest_error,
    .clock_get_ns = user_clock_get_ns,
    .timer_new = user_timer_new,
    .timer_free = user_timer_free,
    .timer_mod = user_timer_mod,
    .register_poll_fd = user_register_fd,
    .unregister_poll_fd = user_unregister_fd,
    .notify = user_notify,
    .timer_new_opaque = user_timer_new_opaque,
};

/* ---- the GSource ----
 *
 * slirp says afresh on every turn which descriptors it wants watched and
 * for what.  Adding a descriptor to a GSource's poll set (and removing
 * one) wakes the context up, GLib's way of telling a poll in progress
 * about it; doing that for every descriptor on every turn would leave the
 * context's wake-up descriptor readable after each prepare, so an idle
 * loop would never sleep and the input watcher (core/main/io-watch.c)
 * would cut every CPU slice short.  So the poll records stay in the set
 * from turn to turn and only their events change (GLib reads them at each
 * query; a record's descriptor must not change, GLib keeps them sorted);
 * a descriptor slirp leaves out this turn is parked with no events, and
 * dropped from the set after POLL_IDLE_TURNS turns or when slirp
 * unregisters it. */

static int add_poll(int fd, int events, void *opaque)
{
    UserNet *u = opaque;
    UserPoll *p = g_hash_table_lookup(u->polls, GINT_TO_POINTER(fd));
    if (!p) {
        p = g_new0(UserPoll, 1);
        p->fd = fd;
        p->pfd.fd = fd;
        g_hash_table_insert(u->polls, GINT_TO_POINTER(fd), p);
        g_source_add_poll(u->source, &p->pfd);
    }
    gushort ev = 0;
    if (events & SLIRP_POLL_IN) {
        ev |= G_IO_IN;
    }
    if (events & SLIRP_POLL_OUT) {
        ev |= G_IO_OUT;
    }
    if (events & SLIRP_POLL_PRI) {
        ev |= G_IO_PRI;
    }
    if (events & SLIRP_POLL_ERR) {
        ev |= G_IO_ERR;
    }
    if (events & SLIRP_POLL_HUP) {
        ev |= G_IO_HUP;
    }
    p->pfd.events = ev;
    p->pfd.revents = 0;
    p->idle_turns = 0;
    g_ptr_array_add(u->turn, p);
    return (int)u->turn->len - 1;
}

static int get_revents(int idx, void *opaque)
{
    UserNet *u = opaque;
    if (idx < 0 || (guint)idx >= u->turn->len) {
        return 0;
    }
    gushort r = ((UserPoll *)g_ptr_array_index(u->turn, idx))->pfd.revents;
    return ((r & G_IO_IN) ? SLIRP_POLL_IN : 0) | ((r & G_IO_OUT) ? SLIRP_POLL_OUT : 0) |
           ((r & G_IO_PRI) ? SLIRP_POLL_PRI : 0) | ((r & G_IO_ERR) ? SLIRP_POLL_ERR : 0) |
           ((r & G_IO_HUP) ? SLIRP_POLL_HUP : 0);
}

static gboolean source_prepare(GSource *source, gint *timeout)
{
    UserNet *u = ((SlirpSource *)source)->u;
    /* Park every record (events 0); those slirp asks for again come back.
     * A record parked for long, unregistered, or reporting a hang-up or
     * error while parked (poll() reports those whatever the events, so
     * the loop would not sleep) leaves the set. */
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init(&it, u->polls);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        UserPoll *p = value;
        if (p->idle_turns >= POLL_IDLE_TURNS ||
            (!p->pfd.events && (p->pfd.revents & (G_IO_HUP | G_IO_ERR | G_IO_NVAL)))) {
            g_source_remove_poll(u->source, &p->pfd);
            g_hash_table_iter_remove(&it);
            continue;
        }
        p->pfd.events = 0;
        p->pfd.revents = 0;
        p->idle_turns++;
    }
    g_ptr_array_set_size(u->turn, 0);
    uint32_t ms = UINT32_MAX;
    slirp_pollfds_fill(u->slirp, &ms, add_poll, u);
    *timeout = ms == UINT32_MAX ? -1 : (gint)MIN(ms, (uint32_t)G_MAXINT);
    return FALSE;
}

static gboolean source_check(GSource *source)
{
    /* Always: slirp's TCP timers run from slirp_pollfds_poll. */
    return TRUE;
}

static gboolean source_dispatch(GSource *source, GSourceFunc cb, gpointer data)
{
    UserNet *u = ((SlirpSource *)source)->u;
    slirp_pollfds_poll(u->slirp, 0, get_revents, u);
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs slirp_source_funcs = {
    .prepare = source_prepare,
    .check = source_check,
    .dispatch = source_dispatch,
};

/* ---- the client ---- */

static ssize_t user_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    UserNet *u = nc->opaque;
    slirp_input(u->slirp, buf, (int)len);
    return (ssize_t)len;
}

static void user_cleanup(NetClient *nc)
{
    UserNet *u = nc->opaque;
    if (u->source) {
        GHashTableIter it;
        gpointer key, value;
        g_hash_table_iter_init(&it, u->polls);
        while (g_hash_table_iter_next(&it, &key, &value)) {
            g_source_remove_poll(u->source, &((UserPoll *)value)->pfd);
        }
        g_source_destroy(u->source);
        g_source_unref(u->source);
        u->source = NULL;
    }
    if (u->slirp) {
        slirp_cleanup(u->slirp);
    }
    g_hash_table_destroy(u->polls);
    g_ptr_array_free(u->turn, TRUE);
    g_free(u->tftp);
    g_free(u->bootfile);
    g_free(u->hostname);
    g_free(u->domain);
    g_strfreev(u->dnssearch);
    g_free(u);
}

static const NetClientInfo user_info = {
    .type = "user",
    .receive = user_receive,
    .cleanup = user_cleanup,
};

/* ---- options ---- */

static bool parse_ipv4(const char *text, struct in_addr *a)
{
    return text && inet_pton(AF_INET, text, a) == 1;
}

/* net=ADDR[/MASK] with MASK a prefix length or a dotted mask. */
static bool parse_net(const char *text, struct in_addr *net, struct in_addr *mask,
                      Error **errp)
{
    char *addr = g_strdup(text);
    char *slash = strchr(addr, '/');
    bool ok = true;
    if (slash) {
        *slash++ = 0;
        int64_t bits;
        if (cc_parse_int64(slash, &bits) && bits >= 1 && bits <= 30) {
            mask->s_addr = htonl(~0u << (32 - bits));
        } else {
            ok = parse_ipv4(slash, mask);
        }
    } else {
        mask->s_addr = htonl(0xffffff00u);
    }
    ok = ok && parse_ipv4(addr, net);
    g_free(addr);
    if (!ok) {
        error_setg(errp, "net=%s: expected ADDRESS[/BITS] such as 10.0.2.0/24", text);
        return false;
    }
    net->s_addr &= mask->s_addr;
    return true;
}

/* [tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT */
static bool add_hostfwd(UserNet *u, const char *spec, struct in_addr guest_default,
                        Error **errp)
{
    char *s = g_strdup(spec), *p = s;
    bool udp = false, ok = false;
    if (g_str_has_prefix(p, "tcp:")) {
        p += 4;
    } else if (g_str_has_prefix(p, "udp:")) {
        p += 4;
        udp = true;
    }
    char *dash = strchr(p, '-');
    char *hcolon = strchr(p, ':');
    if (dash && hcolon && hcolon < dash) {
        *dash = 0;
        *hcolon = 0;
        char *guest = dash + 1, *gcolon = strchr(guest, ':');
        struct in_addr haddr = { .s_addr = INADDR_ANY }, gaddr = guest_default;
        int64_t hport, gport;
        if (gcolon) {
            *gcolon = 0;
            ok = (!*p || parse_ipv4(p, &haddr)) && (!*guest || parse_ipv4(guest, &gaddr)) &&
                 cc_parse_int64(hcolon + 1, &hport) && hport >= 0 && hport < 65536 &&
                 cc_parse_int64(gcolon + 1, &gport) && gport > 0 && gport < 65536;
        }
        if (ok && slirp_add_hostfwd(u->slirp, udp, haddr, (int)hport, gaddr, (int)gport) < 0) {
            error_setg(errp, "hostfwd=%s: can't forward host port %d (in use?)", spec,
                       (int)hport);
            g_free(s);
            return false;
        }
    }
    g_free(s);
    if (!ok) {
        error_setg(errp, "hostfwd=%s: expected [tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:"
                   "GUESTPORT", spec);
    }
    return ok;
}

/* tcp:[SERVER]:PORT-cmd:COMMAND or tcp:[SERVER]:PORT-unix:PATH: the guest's
 * connections to SERVER:PORT reach a command's stdin/stdout or a unix
 * socket. */
static bool add_guestfwd(UserNet *u, const char *spec, struct in_addr host, Error **errp)
{
    char *s = g_strdup(spec), *p = s;
    bool ok = false;
    if (g_str_has_prefix(p, "tcp:")) {
        p += 4;
    }
    char *dash = strchr(p, '-');
    char *colon = strchr(p, ':');
    struct in_addr server = host;
    int64_t port = 0;
    if (dash && colon && colon < dash) {
        *dash = 0;
        *colon = 0;
        ok = (!*p || parse_ipv4(p, &server)) && cc_parse_int64(colon + 1, &port) &&
             port > 0 && port < 65536;
        const char *target = dash + 1;
        if (ok && g_str_has_prefix(target, "cmd:")) {
            ok = slirp_add_exec(u->slirp, target + 4, &server, (int)port) >= 0;
        } else if (ok && g_str_has_prefix(target, "unix:")) {
            ok = slirp_add_unix(u->slirp, target + 5, &server, (int)port) >= 0;
        } else {
            ok = false;
        }
    }
    g_free(s);
    if (!ok) {
        error_setg(errp, "guestfwd=%s: expected tcp:[SERVER]:PORT-cmd:COMMAND or "
                   "tcp:[SERVER]:PORT-unix:PATH", spec);
    }
    return ok;
}

static bool get_addr(KeyVal *kv, const char *key, struct in_addr *a, Error **errp)
{
    const char *v = keyval_get(kv, key);
    if (v && !parse_ipv4(v, a)) {
        error_setg(errp, "%s=%s: expected an IPv4 address", key, v);
        return false;
    }
    return true;
}

static bool in_net(struct in_addr a, struct in_addr net, struct in_addr mask)
{
    return (a.s_addr & mask.s_addr) == net.s_addr;
}

/* fec0::N, in QEMU's default IPv6 prefix for the user netdev. */
static struct in6_addr ipv6_default(uint8_t n)
{
    struct in6_addr a = { .s6_addr = { 0xfe, 0xc0 } };
    a.s6_addr[15] = n;
    return a;
}

static NetClient *user_create(const char *id, KeyVal *kv, Error **errp)
{
    struct in_addr net = { htonl(0x0a000200u) }, mask = { htonl(0xffffff00u) };
    bool restrict_ = false, ipv4 = true, ipv6 = true;
    if (keyval_get(kv, "net") && !parse_net(keyval_get(kv, "net"), &net, &mask, errp)) {
        return NULL;
    }
    /* QEMU's defaults inside net: host .2, DNS .3, DHCP from .15. */
    struct in_addr host = { net.s_addr | htonl(2) }, dns = { net.s_addr | htonl(3) };
    struct in_addr dhcp = { net.s_addr | htonl(15) };
    if (!get_addr(kv, "host", &host, errp) || !get_addr(kv, "dns", &dns, errp) ||
        !get_addr(kv, "dhcpstart", &dhcp, errp) ||
        !keyval_get_bool(kv, "restrict", false, &restrict_, errp) ||
        !keyval_get_bool(kv, "ipv4", true, &ipv4, errp) ||
        !keyval_get_bool(kv, "ipv6", true, &ipv6, errp)) {
        return NULL;
    }
    if (!ipv4) {
        error_setg(errp, "ipv4=off: the user netdev needs IPv4 (ipv6=off is possible)");
        return NULL;
    }
    if (!in_net(host, net, mask) || !in_net(dns, net, mask) || !in_net(dhcp, net, mask)) {
        error_setg(errp, "host=, dns= and dhcpstart= must lie inside the net= network");
        return NULL;
    }
    if (host.s_addr == dns.s_addr) {
        error_setg(errp, "host= and dns= must differ");
        return NULL;
    }
    const char *tftp = keyval_get(kv, "tftp");
    if (tftp && !g_file_test(tftp, G_FILE_TEST_IS_DIR)) {
        /* Not an error, as in QEMU: the directory may be made after the
         * machine starts, and until then the guest's requests fail the
         * way a network boot from an empty server does (the firmware
         * moves on to its next boot device). */
        warn_report("tftp=%s: no such directory (yet): TFTP requests fail until it exists",
                    tftp);
    }

    UserNet *u = g_new0(UserNet, 1);
    u->polls = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    u->turn = g_ptr_array_new();
    u->tftp = g_strdup(tftp);
    u->bootfile = g_strdup(keyval_get(kv, "bootfile"));
    u->hostname = g_strdup(keyval_get(kv, "hostname"));
    u->domain = g_strdup(keyval_get(kv, "domainname"));
    if (keyval_get(kv, "dnssearch")) {
        u->dnssearch = g_strsplit(keyval_get(kv, "dnssearch"), ":", -1);
    }
    SlirpConfig cfg = {
        .version = 4,
        .restricted = restrict_,
        .in_enabled = true,
        .vnetwork = net,
        .vnetmask = mask,
        .vhost = host,
        /* IPv6 on by default, as QEMU has it: slirp sends router
         * advertisements for fec0::/64, with itself at fec0::2 and DNS at
         * fec0::3 (QEMU's defaults).  Firmware that configures both
         * families before it boots (iPXE) waits out its IPv6 router
         * solicitations without them. */
        .in6_enabled = ipv6,
        .vprefix_addr6 = ipv6_default(0),
        .vprefix_len = 64,
        .vhost6 = ipv6_default(2),
        .vnameserver6 = ipv6_default(3),
        .vhostname = u->hostname,
        .tftp_server_name = NULL,
        .tftp_path = u->tftp,
        .bootfile = u->bootfile,
        .vdhcp_start = dhcp,
        .vnameserver = dns,
        .vdnssearch = (const char **)u->dnssearch,
        .vdomainname = u->domain,
    };
    NetClient *nc = net_client_new(&user_info, "user", id, u);
    u->nc = nc;
    u->slirp = slirp_new(&cfg, &user_callbacks, u);
    if (!u->slirp) {
        error_setg(errp, "libslirp refused the configuration");
        net_client_free(nc);
        return NULL;
    }
    for (guint i = 0; i < keyval_count(kv); i++) {
        const char *k = keyval_key(kv, i), *v = keyval_value(kv, i);
        bool ok = true;
        if (g_str_has_prefix(k, "hostfwd")) {
            ok = add_hostfwd(u, v, dhcp, errp);
        } else if (g_str_has_prefix(k, "guestfwd")) {
            ok = add_guestfwd(u, v, host, errp);
        }
        if (!ok) {
            net_client_free(nc);
            return NULL;
        }
    }
    char netbuf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &net, netbuf, sizeof(netbuf));
    net_client_set_info(nc, "net=%s,restrict=%s", netbuf, restrict_ ? "on" : "off");
    SlirpSource *src = (SlirpSource *)g_source_new(&slirp_source_funcs, sizeof(SlirpSource));
    src->u = u;
    u->source = &src->source;
    /* GLib takes a source that cannot recurse out of the poll set while it
     * dispatches and puts it back after, waking the context up twice per
     * descriptor; this one dispatches on every turn (source_check), so
     * that would leave the context always woken.  Its dispatch never runs
     * the main loop, so there is nothing to guard against. */
    g_source_set_can_recurse(u->source, TRUE);
    g_source_attach(u->source, NULL);
    return nc;
}

static const char *const user_keys[] = {
    "net", "host", "dns", "dhcpstart", "restrict", "ipv4", "ipv6", "hostname", "domainname",
    "dnssearch", "tftp", "bootfile", "hostfwd", "guestfwd", NULL,
};

const NetBackend net_backend_user = {
    .type = "user",
    .help = "user-mode networking (libslirp): DHCP, DNS, TFTP, hostfwd, guestfwd",
    .keys = user_keys,
    .create = user_create,
};
