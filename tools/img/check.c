/*
 * cardcage-img check and compare, with qemu-img's messages and exit
 * codes (check: 0 clean, 1 not completed, 2 corruptions, 3 leaks, 63 the
 * format has no check; compare: 0 identical, 1 different, 2 error).
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include "img.h"

static void check_human(const BlockCheckResult *r, bool quiet)
{
    if (quiet) {
        return;
    }
    if (!r->corruptions && !r->leaks && !r->check_errors) {
        printf("No errors were found on the image.\n");
    } else {
        if (r->corruptions) {
            printf("\n%d errors were found on the image.\n"
                   "Data may be corrupted, or further writes to the image may corrupt it.\n",
                   r->corruptions);
        }
        if (r->leaks) {
            printf("\n%d leaked clusters were found on the image.\n"
                   "This means waste of disk space, but no harm to data.\n", r->leaks);
        }
        if (r->check_errors) {
            printf("\n%d internal errors have occurred during the check.\n",
                   r->check_errors);
        }
    }
    if (r->total_clusters && r->allocated_clusters) {
        printf("%" PRId64 "/%" PRId64 " = %0.2f%% allocated, %0.2f%% fragmented, "
               "%0.2f%% compressed clusters\n", r->allocated_clusters, r->total_clusters,
               r->allocated_clusters * 100.0 / r->total_clusters,
               r->fragmented_clusters * 100.0 / r->allocated_clusters,
               r->compressed_clusters * 100.0 / r->allocated_clusters);
    }
    if (r->image_end_offset) {
        printf("Image end offset: %" PRId64 "\n", r->image_end_offset);
    }
}

static void check_json(const char *file, const char *fmt, const BlockCheckResult *r)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "image-end-offset", json_object_new_int64(r->image_end_offset));
    /* Present when known and not zero, as qemu-img does it. */
    const struct { const char *key; int64_t v; } counts[] = {
        { "total-clusters", r->total_clusters },
        { "allocated-clusters", r->allocated_clusters },
        { "fragmented-clusters", r->fragmented_clusters },
        { "compressed-clusters", r->compressed_clusters },
    };
    for (size_t i = 0; r->total_clusters && i < G_N_ELEMENTS(counts); i++) {
        if (counts[i].v) {
            json_object_object_add(o, counts[i].key, json_object_new_int64(counts[i].v));
        }
    }
    json_object_object_add(o, "check-errors", json_object_new_int(r->check_errors));
    /* qemu-img leaves the counts out when they are zero. */
    if (r->corruptions) {
        json_object_object_add(o, "corruptions", json_object_new_int(r->corruptions));
    }
    if (r->leaks) {
        json_object_object_add(o, "leaks", json_object_new_int(r->leaks));
    }
    if (r->corruptions_fixed) {
        json_object_object_add(o, "corruptions-fixed",
                               json_object_new_int(r->corruptions_fixed));
    }
    if (r->leaks_fixed) {
        json_object_object_add(o, "leaks-fixed", json_object_new_int(r->leaks_fixed));
    }
    json_object_object_add(o, "filename", json_object_new_string(file));
    json_object_object_add(o, "format", json_object_new_string(fmt));
    printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                     JSON_C_TO_STRING_SPACED |
                                                     JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}

static int run_check(int argc, char **argv)
{
    const char *fmt = NULL;
    bool json = false, quiet = false;
    int fix = 0;
    static const struct option longopts[] = {
        { "output", required_argument, NULL, 'O' },
        { "repair", required_argument, NULL, 'r' },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    while ((c = getopt_long(argc, argv, ":f:r:qU", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'O':
            if (!img_parse_output(optarg, &json)) {
                return 1;
            }
            break;
        case 'r':
            if (!strcmp(optarg, "leaks")) {
                fix = BDRV_FIX_LEAKS;
            } else if (!strcmp(optarg, "all")) {
                fix = BDRV_FIX_LEAKS | BDRV_FIX_ERRORS;
            } else {
                img_error("check: -r must be 'leaks' or 'all', not '%s'", optarg);
                return 1;
            }
            break;
        case 'q': quiet = true; break;
        case 'U': img_force_share = true; break;
        default: return img_bad_option(&img_verb_check, argc, argv);
        }
    }
    if (argc - optind != 1) {
        return img_usage(&img_verb_check, false);
    }
    const char *file = argv[optind];
    /* PROBE_ONLY: a dirty image is looked at as it is, not repaired on
     * open; the backing file is not needed to check an image. */
    BlockDriverState *bs = img_open(file, fmt, NULL, BDRV_O_PROBE_ONLY | BDRV_O_NO_BACKING |
                                                     (fix ? BDRV_O_RDWR : 0));
    if (!bs) {
        return 1;
    }
    BlockCheckResult r = { 0 };
    int ret = bdrv_check(bs, &r, fix);
    if (ret == -ENOTSUP) {
        img_error("%s: format %s does not support checks", file, img_format(bs));
        bdrv_unref(bs);
        return 63;
    }
    if (ret >= 0 && fix && (r.corruptions_fixed || r.leaks_fixed)) {
        if (!quiet && !json) {
            printf("The following inconsistencies were found and repaired:\n\n"
                   "    %d leaked clusters\n    %d corruptions\n\n"
                   "Double checking the fixed image now...\n", r.leaks_fixed,
                   r.corruptions_fixed);
        }
        BlockCheckResult again = { 0 };
        ret = bdrv_check(bs, &again, 0);
        again.leaks_fixed = r.leaks_fixed;
        again.corruptions_fixed = r.corruptions_fixed;
        r = again;
    }
    const char *f = img_format(bs);
    if (ret < 0) {
        img_error("%s: check failed: %s", file, g_strerror(-ret));
        bdrv_unref(bs);
        return 1;
    }
    if (json) {
        check_json(file, f, &r);
    } else {
        check_human(&r, quiet);
    }
    bdrv_unref(bs);
    if (r.check_errors) {
        return 1;
    }
    if (r.corruptions) {
        return 2;
    }
    return r.leaks ? 3 : 0;
}

const ImgVerb img_verb_check = {
    "check", run_check,
    "check [-q] [-f FMT] [--output=human|json] [-r leaks|all] FILE",
    "  -r leaks         repair leaked clusters; -r all: refcount errors too\n"
    "  --output=json    qemu-img's JSON (ImageCheck)\n"
    "  exit status: 0 clean, 1 check not completed, 2 corruptions, 3 leaks,\n"
    "  63 the format has no check\n",
};

/* ------------------------------------------------------------------ */

/* The first 512-byte sector of a and b (len bytes) that differs, or -1:
 * qemu-img compare reports mismatches at sector granularity. */
static int64_t first_diff(const uint8_t *a, const uint8_t *b, uint64_t len)
{
    if (!memcmp(a, b, len)) {
        return -1;
    }
    for (uint64_t i = 0; i < len; i += BDRV_SECTOR_SIZE) {
        uint64_t n = MIN((uint64_t)BDRV_SECTOR_SIZE, len - i);
        if (memcmp(a + i, b + i, n)) {
            return (int64_t)i;
        }
    }
    return -1;
}

static int64_t first_nonzero(const uint8_t *a, uint64_t len)
{
    for (uint64_t i = 0; i < len; i += BDRV_SECTOR_SIZE) {
        if (!img_is_zero(a + i, MIN((uint64_t)BDRV_SECTOR_SIZE, len - i))) {
            return (int64_t)i;
        }
    }
    return -1;
}

static int run_compare(int argc, char **argv)
{
    const char *fmt1 = NULL, *fmt2 = NULL;
    bool quiet = false, strict = false, progress = false;
    static const struct option longopts[] = {
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    while ((c = getopt_long(argc, argv, ":f:F:pqsU", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': fmt1 = optarg; break;
        case 'F': fmt2 = optarg; break;
        case 'p': progress = true; break;
        case 'q': quiet = true; break;
        case 's': strict = true; break;
        case 'U': img_force_share = true; break;
        default:
            img_bad_option(&img_verb_compare, argc, argv);
            return 2;
        }
    }
    if (argc - optind != 2) {
        img_usage(&img_verb_compare, false);
        return 2;
    }
    const char *f1 = argv[optind], *f2 = argv[optind + 1];
    if (!fmt2) {
        fmt2 = fmt1;
    }
    BlockDriverState *b1 = img_open(f1, fmt1, NULL, 0);
    BlockDriverState *b2 = b1 ? img_open(f2, fmt2, NULL, 0) : NULL;
    if (!b2) {
        if (b1) {
            bdrv_unref(b1);
        }
        return 2;
    }
    int64_t s1 = bdrv_getlength(b1), s2 = bdrv_getlength(b2);
    uint8_t *buf1 = g_malloc(IMG_BUF_SIZE), *buf2 = g_malloc(IMG_BUF_SIZE);
    ImgProgress pr;
    int ret = 0;
    if (s1 < 0 || s2 < 0) {
        img_error("%s: cannot get the image size", s1 < 0 ? f1 : f2);
        ret = 2;
        goto out;
    }
    if (strict && s1 != s2) {
        if (!quiet) {
            printf("Strict mode: Image size mismatch!\n");
        }
        ret = 1;
        goto out;
    }
    uint64_t common = (uint64_t)MIN(s1, s2), total = (uint64_t)MAX(s1, s2);
    img_progress_start(&pr, progress && !quiet);
    for (uint64_t off = 0; off < common && !ret;) {
        uint64_t p1, p2, m;
        int d;
        BlockDriverState *fl;
        int st1 = img_status_above(b1, NULL, off, MIN(common - off, (uint64_t)IMG_BUF_SIZE),
                                   &p1, &d, &m, &fl);
        int st2 = st1 < 0 ? st1 : img_status_above(b2, NULL, off, p1, &p2, &d, &m, &fl);
        if (st2 < 0) {
            img_error("block status at %" PRIu64 ": %s", off, g_strerror(-st2));
            ret = 2;
            break;
        }
        uint64_t n = MIN(p1, p2);
        bool a1 = st1 & BDRV_BLOCK_ALLOCATED, a2 = st2 & BDRV_BLOCK_ALLOCATED;
        bool z1 = st1 & BDRV_BLOCK_ZERO, z2 = st2 & BDRV_BLOCK_ZERO;
        if (strict && (a1 != a2 || z1 != z2)) {
            if (!quiet) {
                printf("Strict mode: Offset %" PRIu64 " block status mismatch!\n", off);
            }
            ret = 1;
            break;
        }
        if (!(z1 && z2)) {
            int r1 = z1 ? 0 : bdrv_pread(b1, off, buf1, n);
            int r2 = z2 ? 0 : bdrv_pread(b2, off, buf2, n);
            if (r1 < 0 || r2 < 0) {
                img_error("%s: read at %" PRIu64 ": %s", r1 < 0 ? f1 : f2, off,
                          g_strerror(-(r1 < 0 ? r1 : r2)));
                ret = 2;
                break;
            }
            int64_t at = z1 ? first_nonzero(buf2, n) : z2 ? first_nonzero(buf1, n)
                                                          : first_diff(buf1, buf2, n);
            if (at >= 0) {
                if (!quiet) {
                    printf("Content mismatch at offset %" PRIu64 "!\n", off + (uint64_t)at);
                }
                ret = 1;
                break;
            }
        }
        off += n;
        img_progress(&pr, off, total);
    }
    if (!ret && s1 != s2) {
        /* The longer image's tail must read as zeroes. */
        BlockDriverState *big = s1 > s2 ? b1 : b2;
        if (!quiet) {
            printf("Warning: Image size mismatch!\n");
        }
        for (uint64_t off = common; off < total && !ret;) {
            uint64_t n = MIN(total - off, (uint64_t)IMG_BUF_SIZE), m;
            int d;
            BlockDriverState *fl;
            int st = img_status_above(big, NULL, off, n, &n, &d, &m, &fl);
            if (st < 0 || (!(st & BDRV_BLOCK_ZERO) && bdrv_pread(big, off, buf1, n) < 0)) {
                img_error("%s: read at %" PRIu64 " failed", big == b1 ? f1 : f2, off);
                ret = 2;
                break;
            }
            int64_t at = st & BDRV_BLOCK_ZERO ? -1 : first_nonzero(buf1, n);
            if (at >= 0) {
                if (!quiet) {
                    printf("Content mismatch at offset %" PRIu64 "!\n", off + (uint64_t)at);
                }
                ret = 1;
            }
            off += n;
            img_progress(&pr, off, total);
        }
    }
    if (!ret) {
        img_progress_end(&pr);
        if (!quiet) {
            printf("Images are identical.\n");
        }
    } else if (pr.on) {
        putchar('\n');
    }
out:
    g_free(buf1);
    g_free(buf2);
    bdrv_unref(b1);
    bdrv_unref(b2);
    return ret;
}

const ImgVerb img_verb_compare = {
    "compare", run_compare,
    "compare [-q] [-p] [-s] [-f FMT] [-F FMT2] FILE1 FILE2",
    "  -s               strict: a size or allocation difference is a difference\n"
    "  -p               progress\n"
    "  exit status: 0 identical, 1 different (the first differing 512-byte sector's\n"
    "  offset is printed), 2 error\n",
};
