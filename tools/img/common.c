/*
 * cardcage-img: what the verbs share (img.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "img.h"

void img_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("cardcage-img: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void img_report(const char *file, Error *err)
{
    const char *msg = err ? error_get_pretty(err) : "failed";
    /* The layer's messages usually name the file already. */
    if (file && !strstr(msg, file)) {
        img_error("%s: %s", file, msg);
    } else {
        img_error("%s", msg);
    }
    if (err) {
        error_free(err);
    }
}

int img_usage(const ImgVerb *v, bool to_stdout)
{
    if (!to_stdout) {
        img_error("usage: cardcage-img %s (cardcage-img %s --help for more)", v->synopsis,
                  v->name);
        return 1;
    }
    printf("usage: cardcage-img %s\n\n%s", v->synopsis, v->help);
    return 0;
}

void img_getopt_reset(void)
{
    optind = 0;     /* glibc: 0 re-initialises getopt completely */
    opterr = 0;
}

int img_bad_option(const ImgVerb *v, int argc, char **argv)
{
    const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
    if (optopt && strchr("fFObobBtlcadrSo", optopt) && arg[0] == '-' &&
        arg[1] == optopt && !arg[2]) {
        img_error("%s: option '-%c' needs a value", v->name, optopt);
    } else if (optopt) {
        img_error("%s: unknown option '-%c'", v->name, optopt);
    } else {
        img_error("%s: unknown option '%s'", v->name, arg);
    }
    return 1;
}

bool img_parse_size(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+' || g_ascii_isspace(*s)) {
        return false;
    }
    char *end;
    errno = 0;
    uint64_t whole = g_ascii_strtoull(s, &end, 10);
    if (errno || end == s) {
        return false;
    }
    double frac = 0;
    if (*end == '.') {
        char *fend;
        frac = g_ascii_strtod(end, &fend);
        if (fend == end + 1) {
            return false;
        }
        end = fend;
    }
    unsigned shift = 0;
    switch (*end) {
    case '\0': case 'b': case 'B': break;
    case 'k': case 'K': shift = 10; break;
    case 'm': case 'M': shift = 20; break;
    case 'g': case 'G': shift = 30; break;
    case 't': case 'T': shift = 40; break;
    case 'p': case 'P': shift = 50; break;
    case 'e': case 'E': shift = 60; break;
    default: return false;
    }
    if (*end && end[1]) {
        return false;
    }
    if (frac != 0 && !shift) {
        return false;          /* a fraction of a byte */
    }
    if (shift && whole > ((uint64_t)INT64_MAX >> shift)) {
        return false;
    }
    uint64_t v = whole << shift;
    if (frac != 0) {
        v += (uint64_t)(frac * (double)(1ull << shift));
    }
    if (v > INT64_MAX) {
        return false;
    }
    *out = v;
    return true;
}

char *img_size_to_str(uint64_t v)
{
    static const char *const suffix[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
    int e;
    /* The unit is the largest power of 1024 with the value at least
     * 1000/1024 of it, as qemu's size_to_str picks it. */
    frexp((double)v / (1000.0 / 1024.0), &e);
    int i = (e - 1) / 10;
    if (i < 0) {
        i = 0;
    }
    if (i > 6) {
        i = 6;
    }
    return g_strdup_printf("%0.3g %s", (double)v / (double)(1ull << (i * 10)), suffix[i]);
}

char *img_path_combine(const char *base, const char *name)
{
    if (!name || !*name || g_path_is_absolute(name) || strstr(name, "://")) {
        return g_strdup(name ? name : "");
    }
    const char *slash = strrchr(base, '/');
    if (!slash) {
        return g_strdup(name);
    }
    return g_strdup_printf("%.*s%s", (int)(slash - base + 1), base, name);
}

bool img_force_share;

BlockDriverState *img_open(const char *file, const char *fmt, BlockOpts *opts, int flags)
{
    if (img_force_share && !(flags & BDRV_O_RDWR)) {
        flags |= BDRV_O_NO_LOCK;
    }
    Error *err = NULL;
    if (access(file, F_OK) < 0 && !strstr(file, "://")) {
        img_error("%s: could not open: %s", file, g_strerror(errno));
        block_opts_free(opts);
        return NULL;
    }
    if (strstr(file, "://")) {
        /* nbd://, nbd+unix://, iscsi://: the drivers cardcage loads as
         * plugins. */
        bdrv_load_plugins();
    }
    BlockDriverState *bs = bdrv_open(file, fmt, opts, flags, &err);
    block_opts_free(opts);
    if (!bs) {
        img_report(file, err);
    }
    return bs;
}

bool img_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

const char *img_format(BlockDriverState *bs)
{
    return bdrv_driver(bs)->format_name;
}

int img_status_above(BlockDriverState *bs, BlockDriverState *base, uint64_t off,
                     uint64_t bytes, uint64_t *pnum, int *depth, uint64_t *map,
                     BlockDriverState **file)
{
    int d = 0;
    for (BlockDriverState *n = bs; n && n != base; n = bdrv_backing(n), d++) {
        int64_t len = bdrv_getlength(n);
        if (len < 0) {
            return (int)len;
        }
        *depth = d;
        if (off >= (uint64_t)len) {
            /* Past this node's end: zeroes, decided here. */
            *pnum = bytes;
            return BDRV_BLOCK_ZERO | (d == 0 ? BDRV_BLOCK_ALLOCATED : 0);
        }
        uint64_t n_bytes = MIN(bytes, (uint64_t)len - off);
        *map = 0;
        *file = NULL;
        int st = bdrv_block_status(n, off, n_bytes, pnum, map, file);
        if (st < 0) {
            return st;
        }
        if (*pnum == 0 || *pnum > n_bytes) {
            *pnum = n_bytes;
        }
        if ((st & (BDRV_BLOCK_OFFSET_VALID | BDRV_BLOCK_ZERO)) == BDRV_BLOCK_OFFSET_VALID &&
            *file && *file != n) {
            /* Data mapped to a hole of the file below (preallocated
             * metadata, a sparse raw file) reads as zeroes: say so, as
             * qemu's block status does, so copies skip it. */
            uint64_t fpnum = 0, fmap = 0;
            BlockDriverState *ff = NULL;
            int fst = bdrv_block_status(*file, *map, *pnum, &fpnum, &fmap, &ff);
            if (fst >= 0 && (fst & BDRV_BLOCK_ZERO) && fpnum > 0) {
                st |= BDRV_BLOCK_ZERO;
                *pnum = MIN(*pnum, fpnum);
            }
        }
        if (st & BDRV_BLOCK_ALLOCATED) {
            return st;
        }
        bytes = *pnum;
        if (!bdrv_backing(n) || bdrv_backing(n) == base) {
            /* Unallocated with nothing below: zeroes. */
            return st;
        }
    }
    *depth = d;
    *pnum = bytes;
    return BDRV_BLOCK_ZERO;
}

bool img_is_zero(const uint8_t *buf, size_t len)
{
    /* Check the first 16 bytes, then compare the buffer with itself
     * shifted: memcmp runs at memory speed. */
    size_t head = MIN(len, (size_t)16);
    for (size_t i = 0; i < head; i++) {
        if (buf[i]) {
            return false;
        }
    }
    return len <= 16 || !memcmp(buf, buf + 16, len - 16);
}

void img_progress_start(ImgProgress *p, bool on)
{
    p->on = on;
    p->last = -1;
    img_progress(p, 0, 1);
}

void img_progress(ImgProgress *p, uint64_t done, uint64_t total)
{
    if (!p->on) {
        return;
    }
    int now = total ? (int)((double)done * 10000.0 / (double)total) : 10000;
    if (now > 10000) {
        now = 10000;
    }
    /* Redraw every 1%, as qemu-img does, so a pipe is not flooded. */
    if (p->last >= 0 && now / 100 == p->last / 100 && now != 10000) {
        return;
    }
    if (now == p->last) {
        return;
    }
    p->last = now;
    printf("    (%d.%02d/100%%)\r", now / 100, now % 100);
    fflush(stdout);
}

void img_progress_end(ImgProgress *p)
{
    if (p->on) {
        img_progress(p, 1, 1);
        putchar('\n');
        fflush(stdout);
    }
}

bool img_parse_output(const char *arg, bool *json)
{
    if (!strcmp(arg, "json")) {
        *json = true;
    } else if (!strcmp(arg, "human")) {
        *json = false;
    } else {
        img_error("--output must be 'human' or 'json', not '%s'", arg);
        return false;
    }
    return true;
}
