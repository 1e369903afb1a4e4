/*
 * filter-dump: -object filter-dump,id=ID,netdev=NETDEV,file=PATH[,maxlen=N]
 * writes every frame the netdev sends or receives to a pcap file, the
 * classic libpcap format (tcpdump -r reads it): a 24-byte global header
 * (magic 0xa1b2c3d4, version 2.4, link type 1 = Ethernet), then per frame
 * a 16-byte record header (seconds, microseconds, captured length, length).
 * Times are the virtual clock's, so an -icount run dumps the same file.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <string.h>
#include "net/net-internal.h"
#include "util/keyval.h"

#define PCAP_MAGIC        0xa1b2c3d4u
#define PCAP_LINKTYPE_EN10MB 1
#define PCAP_DEFAULT_SNAPLEN 65536

struct NetDump {
    char *id;
    FILE *f;
    uint32_t snaplen;
    NetClient *nc;
    bool failed;
};

static GPtrArray *dumps;

static bool write_u32s(FILE *f, const uint32_t *v, size_t n)
{
    return fwrite(v, sizeof(*v), n, f) == n;
}

bool net_dump_add(const char *spec, Error **errp)
{
    static const char *const allowed[] = { "qom-type", "id", "netdev", "file", "maxlen",
                                           "queue", NULL };
    KeyVal *kv = keyval_parse(spec, "qom-type", 0, errp);
    if (!kv) {
        error_prepend(errp, "-object %s: ", spec);
        return false;
    }
    bool ok = false;
    const char *type = keyval_get(kv, "qom-type"), *id = keyval_get(kv, "id");
    const char *netdev = keyval_get(kv, "netdev"), *file = keyval_get(kv, "file");
    const char *maxlen = keyval_get(kv, "maxlen"), *unknown = keyval_find_unknown(kv, allowed);
    int64_t snap = PCAP_DEFAULT_SNAPLEN;
    NetClient *nc = netdev ? net_netdev_find(netdev) : NULL;
    if (!type || strcmp(type, "filter-dump")) {
        error_setg(errp, "-object %s: only filter-dump objects exist", spec);
    } else if (unknown) {
        error_setg(errp, "-object %s: filter-dump has no option '%s'", spec, unknown);
    } else if (!id || !file || !netdev) {
        error_setg(errp, "-object %s: filter-dump needs id=, netdev= and file=", spec);
    } else if (!nc) {
        error_setg(errp, "-object %s: no netdev '%s'", spec, netdev);
    } else if (maxlen && (!cc_parse_int64(maxlen, &snap) || snap < 1 || snap > NET_FRAME_MAX)) {
        error_setg(errp, "-object %s: maxlen=%s: expected 1 to %d", spec, maxlen,
                   NET_FRAME_MAX);
    } else {
        FILE *f = fopen(file, "wb");
        if (!f) {
            error_setg_errno(errp, errno, "-object %s: can't create '%s'", spec, file);
        } else {
            /* The global header (pcap-savefile(5)). */
            uint32_t hdr[6] = { PCAP_MAGIC, 2 | 4u << 16, 0, 0, (uint32_t)snap,
                                PCAP_LINKTYPE_EN10MB };
            NetDump *d = g_new0(NetDump, 1);
            d->id = g_strdup(id);
            d->f = f;
            d->snaplen = (uint32_t)snap;
            d->nc = nc;
            d->failed = !write_u32s(f, hdr, 6) || fflush(f) != 0;
            if (!dumps) {
                dumps = g_ptr_array_new();
            }
            g_ptr_array_add(dumps, d);
            nc->dumps = g_slist_append(nc->dumps, d);
            ok = true;
        }
    }
    keyval_free(kv);
    return ok;
}

void net_dump_packet(NetClient *nc, const uint8_t *buf, size_t len)
{
    for (GSList *l = nc->dumps; l; l = l->next) {
        NetDump *d = l->data;
        if (d->failed) {
            continue;
        }
        int64_t ns = clock_get_ns(CC_CLOCK_VIRTUAL);
        uint32_t caplen = len > d->snaplen ? d->snaplen : (uint32_t)len;
        uint32_t rec[4] = { (uint32_t)(ns / 1000000000), (uint32_t)(ns % 1000000000 / 1000),
                            caplen, (uint32_t)len };
        if (!write_u32s(d->f, rec, 4) || fwrite(buf, 1, caplen, d->f) != caplen ||
            fflush(d->f) != 0) {
            /* A full disk stops the dump, not the machine. */
            warn_report("filter-dump '%s': write failed; no more frames are dumped", d->id);
            d->failed = true;
        }
    }
}

void net_dump_close_all(void)
{
    for (guint i = 0; dumps && i < dumps->len; i++) {
        NetDump *d = g_ptr_array_index(dumps, i);
        fclose(d->f);
        g_free(d->id);
        g_free(d);
    }
    if (dumps) {
        g_ptr_array_free(dumps, TRUE);
        dumps = NULL;
    }
}
