/*
 * cardcage-img commit and rebase: the verbs that move data along a
 * backing chain and rewrite an image's backing file name.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "img.h"

static int run_commit(int argc, char **argv)
{
    const char *fmt = NULL, *base_arg = NULL;
    bool quiet = false, progress = false, keep = false;
    int c;
    while ((c = getopt(argc, argv, ":f:b:t:dpq")) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'b': base_arg = optarg; break;
        case 't': break;        /* the cache mode: writes are flushed at the end anyway */
        case 'd': keep = true; break;
        case 'p': progress = true; break;
        case 'q': quiet = true; break;
        default: return img_bad_option(&img_verb_commit, argc, argv);
        }
    }
    if (argc - optind != 1) {
        return img_usage(&img_verb_commit, false);
    }
    const char *file = argv[optind];
    /* Find the base in the chain: its depth, file and format. */
    BlockDriverState *top = img_open(file, fmt, NULL, 0);
    if (!top) {
        return 1;
    }
    BlockDriverState *b = bdrv_backing(top);
    int depth = 1;
    if (!b) {
        img_error("%s: the image has no backing file to commit into", file);
        bdrv_unref(top);
        return 1;
    }
    for (; base_arg && b; b = bdrv_backing(b), depth++) {
        if (img_same_file(bdrv_filename(b), base_arg)) {
            break;
        }
    }
    if (!b) {
        img_error("%s: '%s' is not in the image's backing chain", file, base_arg);
        bdrv_unref(top);
        return 1;
    }
    char *base_file = g_strdup(bdrv_filename(b));
    char *base_fmt = g_strdup(img_format(b));
    char *top_fmt = g_strdup(img_format(top));
    bdrv_unref(top);
    /* -b implies -d (what the images between would hold is unclear), as
     * in qemu-img. */
    keep = keep || base_arg;

    int ret = 1;
    BlockOpts *bo = block_opts_new();
    block_opts_set(bo, "node-name", "commit-base");
    BlockDriverState *base = img_open(base_file, base_fmt, bo, BDRV_O_RDWR);
    uint8_t *buf = g_malloc(IMG_BUF_SIZE);
    top = NULL;
    if (!base) {
        goto out;
    }
    /* Reopen the top with the writable base in its chain. */
    GString *key = g_string_new("backing");
    for (int i = 1; i < depth; i++) {
        g_string_prepend(key, "backing.");
    }
    BlockOpts *to = block_opts_new();
    block_opts_set(to, key->str, "commit-base");
    g_string_free(key, TRUE);
    top = img_open(file, top_fmt, to, keep ? 0 : BDRV_O_RDWR);
    if (!top) {
        goto out;
    }
    int64_t len = bdrv_getlength(top), blen = bdrv_getlength(base);
    Error *err = NULL;
    if (blen >= 0 && len > blen && !bdrv_truncate(base, (uint64_t)len, NULL, &err)) {
        img_report(base_file, err);
        goto out;
    }
    ImgProgress pr;
    img_progress_start(&pr, progress && !quiet);
    for (uint64_t off = 0; off < (uint64_t)len;) {
        uint64_t n, m;
        int d;
        BlockDriverState *fl;
        int st = img_status_above(top, base, off, MIN((uint64_t)len - off,
                                                      (uint64_t)IMG_BUF_SIZE),
                                  &n, &d, &m, &fl);
        int r = st;
        if (st >= 0 && (st & BDRV_BLOCK_ALLOCATED)) {
            if (st & BDRV_BLOCK_ZERO) {
                r = bdrv_pwrite_zeroes(base, off, n, 0);
            } else {
                r = bdrv_pread(top, off, buf, n);
                if (r >= 0) {
                    r = bdrv_pwrite(base, off, buf, n);
                }
            }
        }
        if (r < 0) {
            img_error("%s: commit at %" PRIu64 ": %s", file, off, g_strerror(-r));
            goto out;
        }
        off += n;
        img_progress(&pr, off, (uint64_t)len);
    }
    img_progress_end(&pr);
    int r = bdrv_flush(base);
    if (r < 0) {
        img_error("%s: flush: %s", base_file, g_strerror(-r));
        goto out;
    }
    if (!keep) {
        r = bdrv_make_empty(top);
        if (r < 0 && r != -ENOTSUP) {
            img_error("%s: emptying after the commit: %s", file, g_strerror(-r));
            goto out;
        }
        r = bdrv_flush(top);
        if (r < 0) {
            img_error("%s: flush: %s", file, g_strerror(-r));
            goto out;
        }
    }
    if (!quiet) {
        printf("Image committed.\n");
    }
    ret = 0;
out:
    if (top) {
        bdrv_unref(top);
    }
    if (base) {
        bdrv_unref(base);
    }
    g_free(buf);
    g_free(base_file);
    g_free(base_fmt);
    g_free(top_fmt);
    return ret;
}

const ImgVerb img_verb_commit = {
    "commit", run_commit,
    "commit [-q] [-p] [-f FMT] [-b BASE] [-d] FILE",
    "  Write the data FILE holds over its backing file into it.\n"
    "  -b BASE   commit into BASE, a deeper image of the chain (implies -d)\n"
    "  -d        keep FILE's data (default: FILE is emptied afterwards)\n"
    "  -p        progress\n",
};

/* ------------------------------------------------------------------ */

static int run_rebase(int argc, char **argv)
{
    const char *fmt = NULL, *new_b = NULL, *new_fmt = NULL;
    bool quiet = false, progress = false, unsafe = false;
    int c;
    while ((c = getopt(argc, argv, ":f:F:b:t:T:upq")) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'F': new_fmt = optarg; break;
        case 'b': new_b = optarg; break;
        case 't': case 'T': break;
        case 'u': unsafe = true; break;
        case 'p': progress = true; break;
        case 'q': quiet = true; break;
        default: return img_bad_option(&img_verb_rebase, argc, argv);
        }
    }
    if (argc - optind != 1) {
        return img_usage(&img_verb_rebase, false);
    }
    const char *file = argv[optind];
    if (!new_b) {
        img_error("%s: rebase needs -b BACKING (-b \"\": no backing file)", file);
        return 1;
    }
    char *new_path = *new_b ? img_path_combine(file, new_b) : NULL;
    BlockDriverState *top = NULL, *nb = NULL;
    uint8_t *b1 = NULL, *b2 = NULL;
    int ret = 1;
    if (new_path && (!unsafe || !new_fmt) && access(new_path, F_OK) == 0) {
        nb = img_open(new_path, new_fmt, NULL, unsafe ? BDRV_O_NO_BACKING : 0);
        if (!nb) {
            goto out;
        }
    } else if (new_path && !unsafe) {
        img_error("%s: new backing file '%s': %s", file, new_path, g_strerror(ENOENT));
        goto out;
    }
    const char *nfmt = new_fmt ? new_fmt : nb ? img_format(nb) : NULL;
    top = img_open(file, fmt, NULL, BDRV_O_RDWR | (unsafe ? BDRV_O_NO_BACKING : 0));
    if (!top) {
        goto out;
    }
    if (!unsafe) {
        /* Every range the top does not hold itself must read the same
         * after the change: where the old and new backing files differ,
         * the old data is copied into the top first. */
        BlockDriverInfo bdi;
        bdrv_get_info(top, &bdi);
        uint64_t unit = bdi.cluster_size ? bdi.cluster_size : 65536;
        int64_t len = bdrv_getlength(top);
        b1 = g_malloc(IMG_BUF_SIZE);
        b2 = g_malloc(IMG_BUF_SIZE);
        ImgProgress pr;
        img_progress_start(&pr, progress && !quiet);
        for (uint64_t off = 0; off < (uint64_t)len;) {
            uint64_t n, m;
            BlockDriverState *fl;
            int st = bdrv_block_status(top, off, MIN((uint64_t)len - off,
                                                     (uint64_t)IMG_BUF_SIZE), &n, &m, &fl);
            if (st < 0) {
                img_error("%s: block status at %" PRIu64 ": %s", file, off, g_strerror(-st));
                goto out;
            }
            if (!(st & BDRV_BLOCK_ALLOCATED)) {
                int r = bdrv_pread(top, off, b1, n);
                if (r >= 0 && nb) {
                    r = bdrv_pread(nb, off, b2, n);
                } else if (r >= 0) {
                    memset(b2, 0, n);
                }
                for (uint64_t i = 0; r >= 0 && i < n;) {
                    /* Compare in the top's clusters, aligned. */
                    uint64_t u = MIN(unit - (off + i) % unit, n - i);
                    if (memcmp(b1 + i, b2 + i, u)) {
                        r = bdrv_pwrite(top, off + i, b1 + i, u);
                    }
                    i += u;
                }
                if (r < 0) {
                    img_error("%s: rebase at %" PRIu64 ": %s", file, off, g_strerror(-r));
                    goto out;
                }
            }
            off += n;
            img_progress(&pr, off, (uint64_t)len);
        }
        img_progress_end(&pr);
    }
    Error *err = NULL;
    if (!bdrv_change_backing_file(top, new_path ? new_b : NULL, nfmt, &err)) {
        img_report(file, err);
        goto out;
    }
    int r = bdrv_flush(top);
    if (r < 0) {
        img_error("%s: flush: %s", file, g_strerror(-r));
        goto out;
    }
    ret = 0;
out:
    if (top) {
        bdrv_unref(top);
    }
    if (nb) {
        bdrv_unref(nb);
    }
    g_free(b1);
    g_free(b2);
    g_free(new_path);
    return ret;
}

const ImgVerb img_verb_rebase = {
    "rebase", run_rebase,
    "rebase [-q] [-p] [-u] [-f FMT] [-F BACKING_FMT] -b BACKING FILE",
    "  Change FILE's backing file to BACKING (\"\": none), relative to FILE's directory.\n"
    "  Safe mode (the default): where the old and new backing files differ, the old\n"
    "  data is copied into FILE first, so what FILE reads does not change.\n"
    "  -u        unsafe: only rewrite the name (the old backing file need not exist)\n"
    "  -F FMT    the new backing file's format (default: probed)\n",
};
