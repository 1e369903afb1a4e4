/*
 * cardcage-img create and resize.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "img.h"

bool img_parse_create_opts(BlockDriver *drv, const char *text, BlockOpts *opts,
                              bool *listed)
{
    *listed = false;
    if (!strcmp(text, "help") || !strcmp(text, "?")) {
        printf("Supported options of %s:\n", drv->format_name);
        for (int i = 0; drv->create_opts && drv->create_opts[i]; i++) {
            printf("  %-16s - %s\n", drv->create_opts[i],
                   drv->create_opts_help ? drv->create_opts_help[i] : "");
        }
        *listed = true;
        return true;
    }
    BlockOpts *o = block_opts_new();
    Error *err = NULL;
    if (!block_opts_parse(o, text, &err)) {
        img_report("-o", err);
        block_opts_free(o);
        return false;
    }
    for (unsigned i = 0; i < block_opts_count(o); i++) {
        const char *k = block_opts_key(o, i);
        bool known = false;
        for (int j = 0; drv->create_opts && drv->create_opts[j]; j++) {
            known |= !strcmp(k, drv->create_opts[j]);
        }
        if (!known) {
            img_error("-o: %s does not support the option '%s' (-o help lists them)",
                      drv->format_name, k);
            block_opts_free(o);
            return false;
        }
        block_opts_set(opts, k, block_opts_value(o, i));
    }
    block_opts_free(o);
    return true;
}

bool img_create_image(const char *file, BlockDriver *drv, BlockOpts *opts, bool quiet)
{
    if (!quiet) {
        printf("Formatting '%s', fmt=%s", file, drv->format_name);
        for (unsigned i = 0; i < block_opts_count(opts); i++) {
            printf(" %s=%s", block_opts_key(opts, i), block_opts_value(opts, i));
        }
        printf("\n");
        fflush(stdout);
    }
    Error *err = NULL;
    if (!bdrv_create(drv->format_name, file, opts, &err)) {
        img_report(file, err);
        return false;
    }
    return true;
}

static int run_create(int argc, char **argv)
{
    const char *fmt = "raw", *backing = NULL, *backing_fmt = NULL;
    GPtrArray *otexts = g_ptr_array_new();
    bool quiet = false, unsafe = false;
    int c, ret = 1;
    /* A negative size would read as an option: take it as the size, for
     * the message below. */
    const char *neg = NULL;
    if (argc > 2 && argv[argc - 1][0] == '-' && g_ascii_isdigit(argv[argc - 1][1])) {
        neg = argv[--argc];
    }
    while ((c = getopt(argc, argv, ":f:b:F:o:qu")) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'b': backing = optarg; break;
        case 'F': backing_fmt = optarg; break;
        case 'o': g_ptr_array_add(otexts, optarg); break;
        case 'q': quiet = true; break;
        case 'u': unsafe = true; break;
        default:
            g_ptr_array_free(otexts, TRUE);
            return img_bad_option(&img_verb_create, argc, argv);
        }
    }
    BlockOpts *opts = block_opts_new();
    module_call_init(MODULE_INIT_BLOCK);
    BlockDriver *drv = bdrv_find_format(fmt);
    if (!drv || !drv->create) {
        img_error("unknown format '%s' (raw and qcow2 can be created)", fmt);
        goto out;
    }
    for (guint i = 0; i < otexts->len; i++) {
        bool listed;
        if (!img_parse_create_opts(drv, otexts->pdata[i], opts, &listed)) {
            goto out;
        }
        if (listed) {
            ret = 0;
            goto out;
        }
    }
    if (optind >= argc) {
        ret = img_usage(&img_verb_create, false);
        goto out;
    }
    const char *file = argv[optind];
    if (neg) {
        img_error("%s: invalid size '%s' (a size cannot be negative)", file, neg);
        goto out;
    }
    if (optind + 2 < argc) {
        img_error("create: unexpected argument '%s'", argv[optind + 2]);
        goto out;
    }
    if (optind + 1 < argc) {
        uint64_t size;
        if (!img_parse_size(argv[optind + 1], &size)) {
            img_error("%s: invalid size '%s' (a number with an optional k, M, G, T, P or E "
                      "suffix)", file, argv[optind + 1]);
            goto out;
        }
        char *s = g_strdup_printf("%" G_GUINT64_FORMAT, IMG_ROUND_SECTOR(size));
        block_opts_set(opts, "size", s);
        g_free(s);
    }
    if (backing) {
        block_opts_set(opts, "backing_file", backing);
    }
    if (backing_fmt) {
        block_opts_set(opts, "backing_fmt", backing_fmt);
    }
    /* -o backing_file= and backing_fmt= count as -b and -F. */
    for (unsigned i = 0; i < block_opts_count(opts); i++) {
        if (!strcmp(block_opts_key(opts, i), "backing_file")) {
            backing = block_opts_value(opts, i);
        }
        if (!strcmp(block_opts_key(opts, i), "backing_fmt")) {
            backing_fmt = block_opts_value(opts, i);
        }
    }
    if (backing && !drv->supports_backing) {
        img_error("%s: format %s does not support backing files", file, drv->format_name);
        goto out;
    }
    if (backing && !unsafe) {
        /* The backing file must open (relative to the new image), and
         * gives the format when -F does not, and the size when none was
         * given. */
        char *path = img_path_combine(file, backing);
        BlockDriverState *b = img_open(path, backing_fmt, NULL, BDRV_O_NO_BACKING);
        g_free(path);
        if (!b) {
            goto out;
        }
        if (!backing_fmt) {
            block_opts_set(opts, "backing_fmt", img_format(b));
        }
        if (!block_opts_has(opts, "size")) {
            char *s = g_strdup_printf("%" G_GINT64_FORMAT, bdrv_getlength(b));
            block_opts_set(opts, "size", s);
            g_free(s);
        }
        bdrv_unref(b);
    }
    if (!block_opts_has(opts, "size")) {
        img_error("%s: no size given (and no backing file to take it from)", file);
        goto out;
    }
    ret = img_create_image(file, drv, opts, quiet) ? 0 : 1;
out:
    block_opts_free(opts);
    g_ptr_array_free(otexts, TRUE);
    return ret;
}

const ImgVerb img_verb_create = {
    "create", run_create,
    "create [-q] [-f FMT] [-b BACKING [-F BACKING_FMT]] [-u] [-o OPTIONS] FILE [SIZE]",
    "  -f FMT          raw (default) or qcow2\n"
    "  -b BACKING      backing file (relative names are relative to FILE's directory)\n"
    "  -F BACKING_FMT  its format (default: probed)\n"
    "  -u              do not open the backing file (SIZE is then required)\n"
    "  -o OPTIONS      KEY=VALUE,... of the format (-o help lists them): qcow2 takes\n"
    "                  cluster_size, compat (0.10 or 1.1), lazy_refcounts, preallocation\n"
    "                  (off, metadata, falloc, full), refcount_bits\n"
    "  -q              quiet\n",
};

/* ------------------------------------------------------------------ */

static int run_resize(int argc, char **argv)
{
    const char *fmt = NULL, *prealloc = NULL;
    bool quiet = false, shrink = false;
    static const struct option longopts[] = {
        { "shrink", no_argument, NULL, 's' },
        { "preallocation", required_argument, NULL, 'P' },
        { NULL, 0, NULL, 0 },
    };
    /* A size like -1G would read as an option: take it off first, as
     * qemu-img does. */
    const char *size_arg = NULL;
    if (argc > 2 && argv[argc - 1][0] == '-' && g_ascii_isdigit(argv[argc - 1][1])) {
        size_arg = argv[--argc];
    }
    int c;
    while ((c = getopt_long(argc, argv, ":f:q", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'q': quiet = true; break;
        case 's': shrink = true; break;
        case 'P': prealloc = optarg; break;
        default: return img_bad_option(&img_verb_resize, argc, argv);
        }
    }
    if (!size_arg) {
        if (argc - optind != 2) {
            return img_usage(&img_verb_resize, false);
        }
        size_arg = argv[argc - 1];
        argc--;
    } else if (argc - optind != 1) {
        return img_usage(&img_verb_resize, false);
    }
    const char *file = argv[optind];
    int rel = 0;
    const char *num = size_arg;
    if (*num == '+' || *num == '-') {
        rel = *num == '+' ? 1 : -1;
        num++;
    }
    uint64_t size;
    if (!img_parse_size(num, &size)) {
        img_error("%s: invalid size '%s' (a number with an optional k, M, G, T, P or E "
                  "suffix, or +SIZE / -SIZE)", file, size_arg);
        return 1;
    }
    BlockDriverState *bs = img_open(file, fmt, NULL, BDRV_O_RDWR | BDRV_O_NO_BACKING);
    if (!bs) {
        return 1;
    }
    int ret = 1;
    int64_t cur = bdrv_getlength(bs);
    uint64_t want = size;
    if (rel > 0) {
        want = (uint64_t)cur + size;
    } else if (rel < 0) {
        if (size > (uint64_t)cur) {
            img_error("%s: cannot shrink %" G_GINT64_FORMAT " bytes by %" G_GUINT64_FORMAT,
                      file, cur, size);
            goto out;
        }
        want = (uint64_t)cur - size;
    }
    want = IMG_ROUND_SECTOR(want);
    if (want < (uint64_t)cur && !shrink) {
        img_error("%s: shrinking from %" G_GINT64_FORMAT " to %" G_GUINT64_FORMAT
                  " bytes loses data: give --shrink to do it", file, cur, want);
        goto out;
    }
    if (prealloc && want < (uint64_t)cur) {
        img_error("%s: --preallocation applies to growing only", file);
        goto out;
    }
    Error *err = NULL;
    if (!bdrv_truncate(bs, want, prealloc, &err)) {
        img_report(file, err);
        goto out;
    }
    int r = bdrv_flush(bs);
    if (r < 0) {
        img_error("%s: flush: %s", file, g_strerror(-r));
        goto out;
    }
    if (!quiet) {
        printf("Image resized.\n");
    }
    ret = 0;
out:
    bdrv_unref(bs);
    return ret;
}

const ImgVerb img_verb_resize = {
    "resize", run_resize,
    "resize [-q] [-f FMT] [--shrink] [--preallocation=MODE] FILE [+|-]SIZE",
    "  SIZE            the new size, or +SIZE / -SIZE relative to the current one\n"
    "  --shrink        allow making the image smaller (data past the end is lost)\n"
    "  --preallocation off, metadata, falloc or full, for the new area\n"
    "  -f FMT          the image's format (default: probed)\n"
    "  -q              quiet\n",
};
