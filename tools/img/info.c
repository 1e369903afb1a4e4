/*
 * cardcage-img info and map.  The JSON has qemu-img's field names and
 * types (QAPI ImageInfo and MapEntry), so scripts written for one read
 * the other.
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include "img.h"

static void print_json(json_object *o)
{
    printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                     JSON_C_TO_STRING_SPACED |
                                                     JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* "compat: 1.1, lazy refcounts: false, refcount bits: 16" into
 * {"compat": "1.1", "lazy-refcounts": false, "refcount-bits": 16}: the
 * driver's BlockDriverInfo.format_specific, with qemu's key spelling. */
static json_object *format_specific_json(const char *text)
{
    json_object *d = json_object_new_object();
    char **items = g_strsplit(text, ", ", -1);
    for (char **it = items; *it; it++) {
        char *colon = strstr(*it, ": ");
        if (!colon) {
            continue;
        }
        char *key = g_strndup(*it, (gsize)(colon - *it));
        g_strdelimit(key, " ", '-');
        const char *val = colon + 2;
        char *end;
        gint64 n = g_ascii_strtoll(val, &end, 10);
        json_object *v;
        if (!strcmp(val, "true") || !strcmp(val, "false")) {
            v = json_object_new_boolean(!strcmp(val, "true"));
        } else if (*val && !*end) {
            v = json_object_new_int64(n);
        } else {
            v = json_object_new_string(val);
        }
        json_object_object_add(d, key, v);
        g_free(key);
    }
    g_strfreev(items);
    return d;
}

static json_object *snapshot_json(const BlockSnapshotInfo *sn)
{
    json_object *o = json_object_new_object();
    if (sn->icount_valid) {
        json_object_object_add(o, "icount", json_object_new_int64((int64_t)sn->icount));
    }
    json_object_object_add(o, "vm-clock-nsec",
                           json_object_new_int64((int64_t)(sn->vm_clock_nsec % 1000000000)));
    json_object_object_add(o, "name", json_object_new_string(sn->name));
    json_object_object_add(o, "date-sec", json_object_new_int64(sn->date_sec));
    json_object_object_add(o, "date-nsec", json_object_new_int64(sn->date_nsec));
    json_object_object_add(o, "vm-clock-sec",
                           json_object_new_int64((int64_t)(sn->vm_clock_nsec / 1000000000)));
    json_object_object_add(o, "id", json_object_new_string(sn->id_str));
    json_object_object_add(o, "vm-state-size", json_object_new_int64((int64_t)sn->vm_state_size));
    return o;
}

void img_print_snapshots(const BlockSnapshotInfo *l, int n)
{
    printf("%-9s %-16s %8s%20s%13s%11s\n", "ID", "TAG", "VM SIZE", "DATE", "VM CLOCK",
           "ICOUNT");
    for (int i = 0; i < n; i++) {
        char date[32] = "", clock[32], icount[32] = "";
        time_t t = l[i].date_sec;
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
        uint64_t ms = l[i].vm_clock_nsec / 1000000;
        snprintf(clock, sizeof(clock), "%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64 ".%03" PRIu64,
                 ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, ms % 1000);
        if (l[i].icount_valid) {
            snprintf(icount, sizeof(icount), "%" PRIu64, l[i].icount);
        }
        char *vs = img_size_to_str(l[i].vm_state_size);
        printf("%-9s %-16s %8s%20s%13s%11s\n", l[i].id_str, l[i].name, vs, date, clock,
               icount);
        g_free(vs);
    }
}

typedef struct ImageInfo {
    char *filename, *format;
    int64_t virtual_size, actual_size;
    BlockDriverInfo bdi;
    bool has_info;
    bool dirty_known;            /* the dirty flag is shown (qemu-img's rule) */
    char *backing, *full_backing, *backing_fmt;
    BlockSnapshotInfo *snapshots;
    int nb_snapshots;
} ImageInfo;

static void image_info_free(ImageInfo *ii)
{
    g_free(ii->filename);
    g_free(ii->format);
    g_free(ii->backing);
    g_free(ii->full_backing);
    g_free(ii->backing_fmt);
    g_free(ii->snapshots);
}

/* One image, opened without its backing file (a missing backing file
 * does not hide the image's own information, as in qemu-img). */
static bool collect(const char *file, const char *fmt, ImageInfo *ii)
{
    BlockDriverState *bs = img_open(file, fmt, NULL, BDRV_O_NO_BACKING | BDRV_O_PROBE_ONLY);
    if (!bs) {
        return false;
    }
    memset(ii, 0, sizeof(*ii));
    ii->filename = g_strdup(file);
    ii->format = g_strdup(img_format(bs));
    ii->virtual_size = bdrv_getlength(bs);
    if (ii->virtual_size > 0) {
        ii->virtual_size = (int64_t)IMG_ROUND_SECTOR(ii->virtual_size);
    }
    ii->actual_size = bdrv_get_allocated_size(bs);
    ii->has_info = bdrv_get_info(bs, &ii->bdi);
    /* qemu-img shows the dirty flag when the format answers (qcow2), or
     * for raw when its protocol does: host files do, network protocols
     * (nbd, iscsi) do not. */
    BlockDriverState *proto = bdrv_driver(bs)->is_protocol ? bs : bdrv_file(bs);
    ii->dirty_known = ii->has_info ||
                      (proto && !strcmp(bdrv_driver(proto)->format_name, "file"));
    const char *b = bdrv_backing_filename(bs);
    if (b && *b) {
        ii->backing = g_strdup(b);
        ii->full_backing = img_path_combine(file, b);
        const char *bf = bdrv_backing_format(bs);
        ii->backing_fmt = bf && *bf ? g_strdup(bf) : NULL;
    }
    int n = bdrv_snapshot_list(bs, &ii->snapshots);
    ii->nb_snapshots = n > 0 ? n : 0;
    bdrv_unref(bs);
    return true;
}

static json_object *info_json(const ImageInfo *ii)
{
    json_object *o = json_object_new_object();
    if (ii->backing_fmt) {
        json_object_object_add(o, "backing-filename-format",
                               json_object_new_string(ii->backing_fmt));
    }
    if (ii->nb_snapshots) {
        json_object *a = json_object_new_array();
        for (int i = 0; i < ii->nb_snapshots; i++) {
            json_object_array_add(a, snapshot_json(&ii->snapshots[i]));
        }
        json_object_object_add(o, "snapshots", a);
    }
    json_object_object_add(o, "virtual-size", json_object_new_int64(ii->virtual_size));
    json_object_object_add(o, "filename", json_object_new_string(ii->filename));
    if (ii->has_info && ii->bdi.cluster_size) {
        json_object_object_add(o, "cluster-size",
                               json_object_new_int64(ii->bdi.cluster_size));
    }
    json_object_object_add(o, "format", json_object_new_string(ii->format));
    if (ii->actual_size >= 0) {
        json_object_object_add(o, "actual-size", json_object_new_int64(ii->actual_size));
    }
    if (ii->has_info && ii->bdi.format_specific[0]) {
        json_object *fs = json_object_new_object();
        json_object_object_add(fs, "type", json_object_new_string(ii->format));
        json_object_object_add(fs, "data", format_specific_json(ii->bdi.format_specific));
        json_object_object_add(o, "format-specific", fs);
    }
    if (ii->backing) {
        json_object_object_add(o, "full-backing-filename",
                               json_object_new_string(ii->full_backing));
        json_object_object_add(o, "backing-filename", json_object_new_string(ii->backing));
    }
    if (ii->dirty_known) {
        json_object_object_add(o, "dirty-flag",
                               json_object_new_boolean(ii->has_info && ii->bdi.is_dirty));
    }
    return o;
}

static void info_human(const ImageInfo *ii)
{
    char *vs = img_size_to_str((uint64_t)ii->virtual_size);
    printf("image: %s\nfile format: %s\nvirtual size: %s (%" PRId64 " bytes)\n",
           ii->filename, ii->format, vs, ii->virtual_size);
    g_free(vs);
    if (ii->actual_size >= 0) {
        char *as = img_size_to_str((uint64_t)ii->actual_size);
        printf("disk size: %s\n", as);
        g_free(as);
    } else {
        printf("disk size: unavailable\n");
    }
    if (ii->has_info && ii->bdi.cluster_size) {
        printf("cluster_size: %u\n", ii->bdi.cluster_size);
    }
    if (ii->has_info && ii->bdi.is_dirty) {
        printf("cleanly shut down: no\n");
    }
    if (ii->backing) {
        printf("backing file: %s", ii->backing);
        if (strcmp(ii->backing, ii->full_backing)) {
            printf(" (actual path: %s)", ii->full_backing);
        }
        printf("\n");
        if (ii->backing_fmt) {
            printf("backing file format: %s\n", ii->backing_fmt);
        }
    }
    if (ii->nb_snapshots) {
        printf("Snapshot list:\n");
        img_print_snapshots(ii->snapshots, ii->nb_snapshots);
    }
    if (ii->has_info && ii->bdi.format_specific[0]) {
        printf("Format specific information:\n");
        char **items = g_strsplit(ii->bdi.format_specific, ", ", -1);
        for (char **it = items; *it; it++) {
            printf("    %s\n", *it);
        }
        g_strfreev(items);
    }
}

static int run_info(int argc, char **argv)
{
    const char *fmt = NULL;
    bool json = false, chain = false;
    static const struct option longopts[] = {
        { "output", required_argument, NULL, 'O' },
        { "backing-chain", no_argument, NULL, 'B' },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    while ((c = getopt_long(argc, argv, ":f:U", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'O':
            if (!img_parse_output(optarg, &json)) {
                return 1;
            }
            break;
        case 'B': chain = true; break;
        case 'U': img_force_share = true; break;
        default: return img_bad_option(&img_verb_info, argc, argv);
        }
    }
    if (argc - optind != 1) {
        return img_usage(&img_verb_info, false);
    }
    char *file = g_strdup(argv[optind]);
    char *f = fmt ? g_strdup(fmt) : NULL;
    json_object *arr = chain && json ? json_object_new_array() : NULL;
    GPtrArray *seen = g_ptr_array_new_with_free_func(g_free);
    int ret = 0;
    for (int depth = 0; file; depth++) {
        char *real = realpath(file, NULL);
        for (guint i = 0; real && i < seen->len; i++) {
            if (!strcmp(seen->pdata[i], real)) {
                img_error("%s: the backing chain loops back to '%s'", argv[optind], file);
                ret = 1;
            }
        }
        if (ret || depth > 64) {
            if (!ret) {
                img_error("%s: backing chain deeper than 64", argv[optind]);
            }
            free(real);
            ret = 1;
            break;
        }
        if (real) {
            g_ptr_array_add(seen, g_strdup(real));
            free(real);
        }
        ImageInfo ii;
        if (!collect(file, f, &ii)) {
            ret = 1;
            break;
        }
        if (json) {
            json_object *o = info_json(&ii);
            if (arr) {
                json_object_array_add(arr, o);
            } else {
                print_json(o);
                json_object_put(o);
            }
        } else {
            if (depth) {
                printf("\n");
            }
            info_human(&ii);
        }
        g_free(file);
        g_free(f);
        file = chain ? g_steal_pointer(&ii.full_backing) : NULL;
        f = chain && ii.backing_fmt ? g_strdup(ii.backing_fmt) : NULL;
        image_info_free(&ii);
    }
    if (arr) {
        if (!ret) {
            print_json(arr);
        }
        json_object_put(arr);
    }
    g_free(file);
    g_free(f);
    g_ptr_array_free(seen, TRUE);
    return ret;
}

const ImgVerb img_verb_info = {
    "info", run_info,
    "info [-f FMT] [--output=human|json] [--backing-chain] [-U] FILE",
    "  -f FMT           the image's format (default: probed)\n"
    "  --output=json    qemu-img's JSON (ImageInfo)\n"
    "  --backing-chain  every image of the backing chain, top first\n"
    "  -U               force share: no lock, to look at an image a machine is using\n",
};

/* ------------------------------------------------------------------ */

typedef struct MapEntry {
    uint64_t start, length, offset;
    int depth;
    bool present, zero, data, has_offset;
    const char *file;
} MapEntry;

static bool map_mergeable(const MapEntry *a, const MapEntry *b)
{
    return a->depth == b->depth && a->present == b->present && a->zero == b->zero &&
           a->data == b->data && a->has_offset == b->has_offset &&
           (!a->has_offset || (a->offset + a->length == b->offset &&
                               !strcmp(a->file, b->file)));
}

static void map_print(const MapEntry *e, bool json, bool first)
{
    if (json) {
        printf("%s{ \"start\": %" PRIu64 ", \"length\": %" PRIu64 ", \"depth\": %d, "
               "\"present\": %s, \"zero\": %s, \"data\": %s",
               first ? "[" : ",\n", e->start, e->length, e->depth,
               e->present ? "true" : "false", e->zero ? "true" : "false",
               e->data ? "true" : "false");
        if (e->has_offset) {
            printf(", \"offset\": %" PRIu64, e->offset);
        }
        printf("}");
    } else if (e->data && !e->zero) {
        printf("%#-16" PRIx64 "%#-16" PRIx64 "%#-16" PRIx64 "%s\n", e->start, e->length,
               e->offset, e->file);
    }
}

static int run_map(int argc, char **argv)
{
    const char *fmt = NULL;
    bool json = false;
    uint64_t start = 0, max_len = UINT64_MAX;
    static const struct option longopts[] = {
        { "output", required_argument, NULL, 'O' },
        { "start-offset", required_argument, NULL, 's' },
        { "max-length", required_argument, NULL, 'l' },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    while ((c = getopt_long(argc, argv, ":f:U", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'O':
            if (!img_parse_output(optarg, &json)) {
                return 1;
            }
            break;
        case 's':
        case 'l':
            if (!img_parse_size(optarg, c == 's' ? &start : &max_len)) {
                img_error("map: invalid %s '%s'", c == 's' ? "--start-offset" : "--max-length",
                          optarg);
                return 1;
            }
            break;
        case 'U': img_force_share = true; break;
        default: return img_bad_option(&img_verb_map, argc, argv);
        }
    }
    if (argc - optind != 1) {
        return img_usage(&img_verb_map, false);
    }
    const char *file = argv[optind];
    BlockDriverState *bs = img_open(file, fmt, NULL, 0);
    if (!bs) {
        return 1;
    }
    int64_t len = bdrv_getlength(bs);
    uint64_t end = len < 0 ? 0 : (uint64_t)len;
    if (max_len < end - MIN(start, end)) {
        end = start + max_len;
    }
    if (!json) {
        printf("%-16s%-16s%-16s%s\n", "Offset", "Length", "Mapped to", "File");
    }
    MapEntry cur = { 0 };
    bool have = false, first = true;
    int ret = 0;
    for (uint64_t off = start; off < end;) {
        uint64_t pnum = 0, map = 0;
        int depth = 0;
        BlockDriverState *f = NULL;
        int st = img_status_above(bs, NULL, off, MIN(end - off, (uint64_t)1 << 30), &pnum,
                                  &depth, &map, &f);
        if (st < 0) {
            img_error("%s: block status at %" PRIu64 ": %s", file, off, g_strerror(-st));
            ret = 1;
            break;
        }
        MapEntry e = {
            .start = off, .length = pnum, .depth = depth,
            .present = (st & BDRV_BLOCK_ALLOCATED) != 0,
            .zero = (st & BDRV_BLOCK_ZERO) != 0, .data = (st & BDRV_BLOCK_DATA) != 0,
            .has_offset = (st & BDRV_BLOCK_OFFSET_VALID) && f,
            .offset = map, .file = f ? bdrv_filename(f) : "",
        };
        if (!json && e.data && !e.has_offset) {
            /* A human map names places in files: compressed data has none. */
            img_error("%s: contains compressed clusters, which have no place in a file to "
                      "show (--output=json shows them)", file);
            ret = 1;
            break;
        }
        if (have && map_mergeable(&cur, &e)) {
            cur.length += e.length;
        } else {
            if (have) {
                map_print(&cur, json, first);
                first = false;
            }
            cur = e;
            have = true;
        }
        off += pnum;
    }
    if (have && !ret) {
        map_print(&cur, json, first);
        first = false;
    }
    if (json) {
        printf(first ? "[]\n" : "]\n");
    }
    bdrv_unref(bs);
    return ret;
}

const ImgVerb img_verb_map = {
    "map", run_map,
    "map [-f FMT] [--output=human|json] [--start-offset=OFF] [--max-length=LEN] FILE",
    "  --output=json    every range with its depth in the backing chain, whether it is\n"
    "                   present, zero, data, and its offset in the file\n"
    "  (human)          the ranges with data and where they are in which file\n",
};
