/*
 * Block nodes: the driver table, opening a node (format probing, the file
 * child, backing files) and the synchronous I/O entry points drivers and
 * the backend use, which align requests for the node's driver.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cardcage/block.h>
#include <cardcage/module.h>
#include "block/block-internal.h"
#include "module/plugin-loader.h"

static GPtrArray *drivers;   /* BlockDriver * */
static GPtrArray *nodes;     /* BlockDriverState *, every open node */
static unsigned node_counter;

/* ---- drivers ---- */

bool bdrv_register(BlockDriver *drv)
{
    if (!drv || !drv->format_name || !drv->open) {
        warn_report("block driver without a name or an open function refused");
        return false;
    }
    if (bdrv_find_format(drv->format_name)) {
        warn_report("block driver '%s' registered twice: the second is ignored",
                    drv->format_name);
        return false;
    }
    if (!drivers) {
        drivers = g_ptr_array_new();
    }
    g_ptr_array_add(drivers, drv);
    return true;
}

BlockDriver *bdrv_find_format(const char *format_name)
{
    for (guint i = 0; drivers && format_name && i < drivers->len; i++) {
        BlockDriver *drv = g_ptr_array_index(drivers, i);
        if (!strcmp(drv->format_name, format_name)) {
            return drv;
        }
    }
    return NULL;
}

GPtrArray *bdrv_all_drivers(void)
{
    if (!drivers) {
        drivers = g_ptr_array_new();
    }
    return drivers;
}

static BlockDriver *find_protocol(const char *scheme)
{
    for (guint i = 0; drivers && i < drivers->len; i++) {
        BlockDriver *drv = g_ptr_array_index(drivers, i);
        if (drv->is_protocol && drv->protocol_name && !strcmp(drv->protocol_name, scheme)) {
            return drv;
        }
    }
    return NULL;
}

char *bdrv_url_scheme(const char *filename)
{
    const char *p = strstr(filename, "://");
    if (!p || p == filename) {
        return NULL;
    }
    for (const char *c = filename; c < p; c++) {
        if (!g_ascii_isalnum(*c) && *c != '+' && *c != '-') {
            return NULL;
        }
    }
    return g_strndup(filename, p - filename);
}

/* ---- node accessors ---- */

void *bdrv_opaque(BlockDriverState *bs) { return bs->opaque; }
BlockDriver *bdrv_driver(BlockDriverState *bs) { return bs->drv; }
const char *bdrv_filename(BlockDriverState *bs) { return bs->filename ? bs->filename : ""; }
const char *bdrv_node_name(BlockDriverState *bs) { return bs->node_name; }
bool bdrv_is_read_only(BlockDriverState *bs) { return !(bs->open_flags & BDRV_O_RDWR); }
int bdrv_open_flags(BlockDriverState *bs) { return bs->open_flags; }
BlockDriverState *bdrv_file(BlockDriverState *bs) { return bs->file; }
BlockDriverState *bdrv_backing(BlockDriverState *bs) { return bs->backing; }
const char *bdrv_backing_filename(BlockDriverState *bs)
{
    return bs->backing_file ? bs->backing_file : "";
}
const char *bdrv_backing_format(BlockDriverState *bs)
{
    return bs->backing_format ? bs->backing_format : "";
}

void bdrv_set_request_alignment(BlockDriverState *bs, uint32_t request, uint32_t memory)
{
    bs->request_alignment = request && !(request & (request - 1)) ? request : 1;
    bs->memory_alignment = memory && !(memory & (memory - 1)) ? memory : 1;
}

uint32_t bdrv_request_alignment(BlockDriverState *bs) { return bs->request_alignment; }
uint32_t bdrv_memory_alignment(BlockDriverState *bs) { return bs->memory_alignment; }

char *bdrv_new_node_name(void)
{
    return g_strdup_printf("#block%u", node_counter++);
}

GPtrArray *bdrv_all_nodes(void)
{
    if (!nodes) {
        nodes = g_ptr_array_new();
    }
    return nodes;
}

BlockDriverState *bdrv_find_node(const char *node_name)
{
    for (guint i = 0; nodes && node_name && i < nodes->len; i++) {
        BlockDriverState *bs = g_ptr_array_index(nodes, i);
        if (!strcmp(bs->node_name, node_name)) {
            return bs;
        }
    }
    return NULL;
}

/* ---- opening ---- */

static BlockDriver *probe_format(BlockDriverState *file, Error **errp)
{
    uint8_t buf[BDRV_PROBE_SIZE];
    int64_t len = bdrv_getlength(file);
    int n = len < 0 ? 0 : (int)MIN((int64_t)sizeof(buf), len);
    memset(buf, 0, sizeof(buf));
    if (n > 0) {
        int ret = bdrv_pread(file, 0, buf, n);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "could not read image '%s' to probe its format",
                             bdrv_filename(file));
            return NULL;
        }
    }
    BlockDriver *best = NULL;
    int best_score = 0;
    for (guint i = 0; drivers && i < drivers->len; i++) {
        BlockDriver *drv = g_ptr_array_index(drivers, i);
        if (drv->probe && !drv->is_protocol) {
            int score = drv->probe(buf, n, bdrv_filename(file));
            if (score > best_score) {
                best = drv;
                best_score = score;
            }
        }
    }
    if (!best) {
        best = bdrv_find_format("raw");
    }
    if (!best) {
        error_setg(errp, "image '%s': no driver recognises its format", bdrv_filename(file));
    }
    return best;
}

static BlockDriverState *node_new(BlockDriver *drv, const char *filename, int flags,
                                  const char *node_name)
{
    BlockDriverState *bs = g_new0(BlockDriverState, 1);
    bs->refcnt = 1;
    bs->drv = drv;
    bs->opaque = g_malloc0(drv->instance_size ? drv->instance_size : 1);
    bs->filename = g_strdup(filename);
    bs->node_name_user = node_name && *node_name;
    bs->node_name = bs->node_name_user ? g_strdup(node_name) : bdrv_new_node_name();
    bs->open_flags = flags;
    bs->request_alignment = 1;
    bs->memory_alignment = 1;
    return bs;
}

static void node_free(BlockDriverState *bs)
{
    g_free(bs->opaque);
    g_free(bs->filename);
    g_free(bs->node_name);
    g_free(bs->backing_file);
    g_free(bs->backing_format);
    g_free(bs);
}

static bool node_name_ok(const char *name, Error **errp)
{
    if (!name || !*name) {
        return true;
    }
    if (!g_ascii_isalpha(name[0])) {
        error_setg(errp, "node-name '%s' must begin with a letter", name);
        return false;
    }
    for (const char *c = name; *c; c++) {
        if (!g_ascii_isalnum(*c) && !strchr("-._", *c)) {
            error_setg(errp, "node-name '%s' may hold only letters, digits, '-', '.', '_'",
                       name);
            return false;
        }
    }
    if (bdrv_find_node(name)) {
        error_setg(errp, "node-name '%s' is already in use", name);
        return false;
    }
    return true;
}

static int cache_flags(BlockOpts *opts, int flags, Error **errp)
{
    bool direct, no_flush;
    if (!block_opts_get_bool(opts, "cache.direct", !!(flags & BDRV_O_NOCACHE), &direct, errp) ||
        !block_opts_get_bool(opts, "cache.no-flush", !!(flags & BDRV_O_NO_FLUSH), &no_flush,
                             errp)) {
        return -1;
    }
    flags &= ~(BDRV_O_NOCACHE | BDRV_O_NO_FLUSH);
    return flags | (direct ? BDRV_O_NOCACHE : 0) | (no_flush ? BDRV_O_NO_FLUSH : 0);
}

/* The options a URL's protocol took while probing (not the ones every node
 * reads) move below "file.", where the format's file child finds them. */
static void pass_protocol_opts(BlockOpts *opts, const BlockOpts *probed)
{
    static const char *const generic[] = {
        "driver", "filename", "node-name", "read-only", "cache.direct", "cache.no-flush",
        "locking", NULL
    };
    BlockOpts *unused = block_opts_unused(probed);
    for (unsigned i = 0; i < block_opts_count(probed); i++) {
        const char *key = block_opts_key(probed, i);
        if (!g_strv_contains(generic, key) && !block_opts_has(unused, key)) {
            char *child_key = g_strconcat("file.", key, NULL);
            block_opts_rename(opts, key, child_key);
            g_free(child_key);
        }
    }
    block_opts_free(unused);
}

BlockDriverState *bdrv_open_opts(const char *filename, const char *format, BlockOpts *opts,
                                 int flags, int backing_depth, Error **errp)
{
    BlockOpts *own = NULL;
    if (!opts) {
        opts = own = block_opts_new();
    }
    BlockDriverState *bs = NULL;
    const char *v;
    if ((v = block_opts_get(opts, "driver")) && *v) {
        format = v;
    }
    if ((v = block_opts_get(opts, "filename"))) {
        filename = v;
    }
    const char *node_name = block_opts_get(opts, "node-name");
    bool ro = !(flags & BDRV_O_RDWR);
    if (!block_opts_get_bool(opts, "read-only", ro, &ro, errp)) {
        goto out;
    }
    flags = ro ? flags & ~BDRV_O_RDWR : flags | BDRV_O_RDWR;
    flags = cache_flags(opts, flags, errp);
    if (flags < 0 || !node_name_ok(node_name, errp)) {
        goto out;
    }
    bool locking = !(flags & BDRV_O_NO_LOCK);
    if (block_opts_has(opts, "locking")) {
        const char *l = block_opts_get(opts, "locking");
        if (!strcmp(l, "auto") || !strcmp(l, "on")) {
            locking = true;
        } else if (!strcmp(l, "off")) {
            locking = false;
        } else {
            error_setg(errp, "option 'locking': '%s' is not on, off or auto", l);
            goto out;
        }
    }
    flags = locking ? flags & ~BDRV_O_NO_LOCK : flags | BDRV_O_NO_LOCK;

    BlockDriver *drv = NULL;
    if (format && *format) {
        drv = bdrv_find_format(format);
        if (!drv) {
            error_setg(errp, "unknown format '%s' (format=help lists them)", format);
            goto out;
        }
    } else if (filename) {
        char *scheme = bdrv_url_scheme(filename);
        BlockDriver *proto = scheme ? find_protocol(scheme) : NULL;
        if (scheme && !proto) {
            /* (else the probe below would open the same URL again) */
            error_setg(errp, "%s: unknown protocol '%s' (no block driver takes %s:// URLs)",
                       filename, scheme, scheme);
            g_free(scheme);
            goto out;
        }
        /* Probe: open the file child first (a URL through its protocol:
         * a qcow2 image an NBD server exports raw is qcow2, as QEMU finds
         * it), then choose.  A URL's probe gets the caller's options, which
         * may be the protocol's own (iscsi's initiator-name); those the
         * protocol took then go to the format's file child. */
        BlockOpts *probe_opts = proto ? block_opts_copy(opts) : NULL;
        BlockDriverState *file = bdrv_open_opts(filename, proto ? proto->format_name : "file",
                                                probe_opts, flags, 0, errp);
        g_free(scheme);
        if (file) {
            drv = probe_format(file, errp);
            bdrv_unref(file);
        }
        if (drv && probe_opts) {
            pass_protocol_opts(opts, probe_opts);
        }
        block_opts_free(probe_opts);
        if (!drv) {
            goto out;
        }
    } else {
        error_setg(errp, "no image: give file= or driver=");
        goto out;
    }
    /* A URL-scheme protocol (nbd, iscsi) may be addressed by its own
     * options instead (-blockdev driver=nbd,server.host=...); its open()
     * says what is missing. */
    if (drv->is_protocol && !drv->protocol_name && (!filename || !*filename) &&
        !block_opts_has(opts, "path")) {
        error_setg(errp, "driver '%s' needs a filename", drv->format_name);
        goto out;
    }
    if (backing_depth > BDRV_MAX_BACKING_DEPTH) {
        error_setg(errp, "backing chain deeper than %d at '%s' (does it loop?)",
                   BDRV_MAX_BACKING_DEPTH, filename ? filename : "?");
        goto out;
    }
    bs = node_new(drv, filename, flags, node_name);
    bs->backing_depth = backing_depth;
    /* A probed raw image: raw.c guards its first sector (see there). */
    bs->probed_raw = !(format && *format) && !strcmp(drv->format_name, "raw");
    if (!drv->is_protocol && !block_opts_has(opts, "filename") && filename) {
        /* bdrv_open_child takes the file child's name from here. */
        block_opts_set(opts, "filename", filename);
    }
    if (!drv->is_protocol) {
        block_opts_mark_used(opts, "filename");
    } else if (filename && !block_opts_has(opts, "filename")) {
        block_opts_set(opts, "filename", filename);
    }
    Error *local = NULL;
    if (!drv->open(bs, opts, flags, &local)) {
        if (!local) {
            error_setg(&local, "could not open '%s' as %s", filename ? filename : "",
                       drv->format_name);
        }
        error_propagate(errp, local);
        if (bs->backing) {
            bdrv_unref(bs->backing);
        }
        if (bs->file) {
            bdrv_unref(bs->file);
        }
        node_free(bs);
        bs = NULL;
        goto out;
    }
    if (!block_opts_check_all_used(opts, drv->format_name, errp)) {
        bs->refcnt = 1;
        g_ptr_array_add(bdrv_all_nodes(), bs);
        bdrv_unref(bs);
        bs = NULL;
        goto out;
    }
    if (!bs->filename && bs->file) {
        bs->filename = g_strdup(bdrv_filename(bs->file));
    }
    g_ptr_array_add(bdrv_all_nodes(), bs);
out:
    block_opts_free(own);
    return bs;
}

int bdrv_load_plugins(void)
{
    static int loaded = -1;
    if (loaded < 0) {
        plugin_add_default_dirs();
        loaded = plugin_load_all(true);
    }
    return loaded;
}

BlockDriverState *bdrv_open(const char *filename, const char *format, BlockOpts *options,
                            int flags, Error **errp)
{
    /* A tool opening images without the emulator's start-up gets the
     * built-in drivers all the same (a no-op once the list has run). */
    module_call_init(MODULE_INIT_BLOCK);
    return bdrv_open_opts(filename, format, options, flags, 0, errp);
}

BlockDriverState *bdrv_open_child(BlockDriverState *bs, BlockOpts *opts, const char *child,
                                  Error **errp)
{
    BlockOpts *sub = block_opts_extract_prefix(opts, child);
    int flags = bs->open_flags & ~BDRV_O_NO_BACKING;
    const char *ref = block_opts_get(opts, child);
    BlockDriverState *c = NULL;
    if (ref && *ref) {
        c = bdrv_find_node(ref);
        if (!c) {
            error_setg(errp, "%s: no block node named '%s'", child, ref);
        } else {
            bdrv_ref(c);
        }
    } else {
        const char *fname = NULL;
        if (!strcmp(child, "file") && !block_opts_has(sub, "filename")) {
            fname = block_opts_get(opts, "filename");
        }
        /* The file child of a path is "file", of a URL its protocol's
         * driver, unless CHILD.driver= says. */
        const char *fmt = NULL;
        if (!block_opts_has(sub, "driver") && fname && !strcmp(child, "file")) {
            char *scheme = bdrv_url_scheme(fname);
            fmt = scheme && find_protocol(scheme) ? find_protocol(scheme)->format_name
                                                  : "file";
            g_free(scheme);
        }
        if (!fname && !block_opts_has(sub, "filename") && !block_opts_has(sub, "driver")) {
            error_setg(errp, "%s: no file given for the %s child", bdrv_filename(bs), child);
        } else {
            c = bdrv_open_opts(fname, fmt, sub, flags, bs->backing_depth, errp);
        }
    }
    block_opts_free(sub);
    if (c && !strcmp(child, "file")) {
        bs->file = c;
        if (!bs->filename || !*bs->filename) {
            g_free(bs->filename);
            bs->filename = g_strdup(bdrv_filename(c));
        }
    }
    return c;
}

static char *backing_path(BlockDriverState *bs, const char *name)
{
    char *scheme = bdrv_url_scheme(name);
    bool as_is = g_path_is_absolute(name) || scheme || !bs->filename;
    g_free(scheme);
    if (as_is) {
        return g_strdup(name);
    }
    char *dir = g_path_get_dirname(bs->filename);
    char *p = g_build_filename(dir, name, NULL);
    g_free(dir);
    return p;
}

/* The images whose backing files are being opened, outermost first (a
 * backing file that is one of them makes a loop). */
static GPtrArray *opening_chain;

static char *canonical(const char *path)
{
    char *real = path ? realpath(path, NULL) : NULL;
    return real ? real : g_strdup(path ? path : "");
}

static bool backing_chain_has(const char *path)
{
    char *c = canonical(path);
    bool found = false;
    for (guint i = 0; opening_chain && i < opening_chain->len; i++) {
        found |= !strcmp(g_ptr_array_index(opening_chain, i), c);
    }
    g_free(c);
    return found;
}

bool bdrv_open_backing(BlockDriverState *bs, BlockOpts *opts, const char *filename,
                       const char *format, Error **errp)
{
    g_free(bs->backing_file);
    g_free(bs->backing_format);
    bs->backing_file = g_strdup(filename ? filename : "");
    bs->backing_format = g_strdup(format ? format : "");
    BlockOpts *sub = block_opts_extract_prefix(opts, "backing");
    const char *ref = block_opts_get(opts, "backing");
    bool ok = true;
    if (bs->open_flags & BDRV_O_NO_BACKING) {
        goto out;
    }
    if (ref) {
        if (!*ref || !strcmp(ref, "null")) {
            goto out;
        }
        BlockDriverState *b = bdrv_find_node(ref);
        if (!b) {
            error_setg(errp, "backing: no block node named '%s'", ref);
            ok = false;
            goto out;
        }
        bs->backing = bdrv_ref(b);
        goto out;
    }
    if ((!filename || !*filename) && !block_opts_has(sub, "driver") &&
        !block_opts_has(sub, "file.filename") && !block_opts_has(sub, "filename")) {
        goto out;
    }
    char *path = filename && *filename ? backing_path(bs, filename) : NULL;
    if (path && bs->filename && !strcmp(path, bs->filename)) {
        error_setg(errp, "image '%s' names itself as its backing file", bs->filename);
        g_free(path);
        ok = false;
        goto out;
    }
    if (path && backing_chain_has(path)) {
        error_setg(errp, "the backing chain of '%s' loops back to '%s'",
                   (char *)g_ptr_array_index(opening_chain, 0), path);
        g_free(path);
        ok = false;
        goto out;
    }
    const char *fmt = format && *format ? format : NULL;
    if (block_opts_has(sub, "driver")) {
        fmt = NULL;
    }
    Error *local = NULL;
    if (!opening_chain) {
        opening_chain = g_ptr_array_new_with_free_func(g_free);
    }
    g_ptr_array_add(opening_chain, canonical(bs->filename));
    bs->backing = bdrv_open_opts(path, fmt, sub,
                                 bs->open_flags & ~(BDRV_O_RDWR | BDRV_O_NO_BACKING),
                                 bs->backing_depth + 1, &local);
    g_ptr_array_remove_index(opening_chain, opening_chain->len - 1);
    if (!bs->backing) {
        /* Name the image whose backing file failed, once: the innermost
         * message already says what is wrong with which file. */
        bool named = g_str_has_prefix(error_get_pretty(local), "backing file of") ||
                     g_str_has_prefix(error_get_pretty(local), "the backing chain");
        error_propagate(errp, local);
        if (!named) {
            error_prepend(errp, "backing file of '%s': ", bdrv_filename(bs));
        }
        ok = false;
    }
    g_free(path);
out:
    block_opts_free(sub);
    return ok;
}

BlockDriverState *bdrv_ref(BlockDriverState *bs)
{
    bs->refcnt++;
    return bs;
}

void bdrv_unref(BlockDriverState *bs)
{
    if (!bs || --bs->refcnt > 0) {
        return;
    }
    if (!bdrv_is_read_only(bs)) {
        bdrv_flush(bs);
    }
    if (bs->drv->close) {
        bs->drv->close(bs);
    }
    if (nodes) {
        g_ptr_array_remove(nodes, bs);
    }
    if (bs->backing) {
        bdrv_unref(bs->backing);
    }
    if (bs->file) {
        bdrv_unref(bs->file);
    }
    node_free(bs);
}

/* ---- I/O ---- */

static uint64_t iov_size(const struct iovec *iov, int niov)
{
    uint64_t n = 0;
    for (int i = 0; i < niov; i++) {
        n += iov[i].iov_len;
    }
    return n;
}

/* Copy between a flat buffer and an iovec, starting at byte skip of the
 * iovec. */
void bdrv_iov_copy(const struct iovec *iov, int niov, uint64_t skip, void *buf,
                   uint64_t bytes, bool to_iov)
{
    uint8_t *p = buf;
    for (int i = 0; i < niov && bytes; i++) {
        if (skip >= iov[i].iov_len) {
            skip -= iov[i].iov_len;
            continue;
        }
        uint64_t n = MIN(iov[i].iov_len - skip, bytes);
        if (to_iov) {
            memcpy((uint8_t *)iov[i].iov_base + skip, p, n);
        } else {
            memcpy(p, (uint8_t *)iov[i].iov_base + skip, n);
        }
        p += n;
        bytes -= n;
        skip = 0;
    }
}

int bdrv_iov_slice(const struct iovec *iov, int niov, uint64_t skip, uint64_t bytes,
                   struct iovec *out)
{
    int n = 0;
    for (int i = 0; i < niov && bytes; i++) {
        if (skip >= iov[i].iov_len) {
            skip -= iov[i].iov_len;
            continue;
        }
        uint64_t len = MIN(iov[i].iov_len - skip, bytes);
        out[n++] = (struct iovec){ (uint8_t *)iov[i].iov_base + skip, len };
        bytes -= len;
        skip = 0;
    }
    return n;
}

void bdrv_iov_zero(const struct iovec *iov, int niov, uint64_t skip, uint64_t bytes)
{
    for (int i = 0; i < niov && bytes; i++) {
        if (skip >= iov[i].iov_len) {
            skip -= iov[i].iov_len;
            continue;
        }
        uint64_t len = MIN(iov[i].iov_len - skip, bytes);
        memset((uint8_t *)iov[i].iov_base + skip, 0, len);
        bytes -= len;
        skip = 0;
    }
}

static bool iov_aligned(const struct iovec *iov, int niov, uint32_t mem)
{
    for (int i = 0; i < niov; i++) {
        if (((uintptr_t)iov[i].iov_base | iov[i].iov_len) & (mem - 1)) {
            return false;
        }
    }
    return true;
}

static void *bounce_alloc(BlockDriverState *bs, uint64_t bytes)
{
    return g_aligned_alloc0(1, bytes ? bytes : 1, MAX(bs->memory_alignment, sizeof(void *)));
}

static int driver_read(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                       struct iovec *iov, int niov, int flags)
{
    if (!bs->drv->preadv) {
        return -ENOTSUP;
    }
    bs->rd_bytes += bytes;
    return bs->drv->preadv(bs, offset, bytes, iov, niov, flags);
}

int bdrv_preadv(BlockDriverState *bs, uint64_t offset, uint64_t bytes, struct iovec *iov,
                int niov, int flags)
{
    if (!bs || !bs->drv) {
        return -ENOMEDIUM;
    }
    if (iov_size(iov, niov) < bytes || offset + bytes < offset) {
        return -EINVAL;
    }
    if (!bytes) {
        return 0;
    }
    int64_t len = bdrv_getlength(bs);
    if (len < 0) {
        return (int)len;
    }
    /* The part past the end reads as zeroes. */
    uint64_t in = offset >= (uint64_t)len ? 0 : MIN(bytes, (uint64_t)len - offset);
    int ret = 0;
    uint32_t ra = bs->request_alignment;
    if (in && !((offset | in) & (ra - 1)) && iov_aligned(iov, niov, bs->memory_alignment)) {
        ret = driver_read(bs, offset, in, iov, niov, flags);
    } else if (in) {
        uint64_t start = offset & ~(uint64_t)(ra - 1);
        uint64_t end = (offset + in + ra - 1) & ~(uint64_t)(ra - 1);
        uint8_t *b = bounce_alloc(bs, end - start);
        struct iovec biov = { b, end - start };
        ret = driver_read(bs, start, end - start, &biov, 1, flags);
        if (ret >= 0) {
            bdrv_iov_copy(iov, niov, 0, b + (offset - start), in, true);
        }
        g_aligned_free(b);
    }
    if (ret >= 0 && in < bytes) {
        bdrv_iov_zero(iov, niov, in, bytes - in);
    }
    return ret < 0 ? ret : 0;
}

static int driver_write(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                        struct iovec *iov, int niov, int flags)
{
    if (!bs->drv->pwritev) {
        return -ENOTSUP;
    }
    bs->wr_bytes += bytes;
    int ret = bs->drv->pwritev(bs, offset, bytes, iov, niov, flags & ~BDRV_REQ_FUA);
    if (ret >= 0 && (flags & BDRV_REQ_FUA)) {
        ret = bdrv_flush(bs);
    }
    return ret < 0 ? ret : 0;
}

int bdrv_pwritev(BlockDriverState *bs, uint64_t offset, uint64_t bytes, struct iovec *iov,
                 int niov, int flags)
{
    if (!bs || !bs->drv) {
        return -ENOMEDIUM;
    }
    if (bdrv_is_read_only(bs)) {
        return -EROFS;
    }
    if (iov_size(iov, niov) < bytes || offset + bytes < offset) {
        return -EINVAL;
    }
    if (!bytes) {
        return 0;
    }
    uint32_t ra = bs->request_alignment;
    if (!((offset | bytes) & (ra - 1)) && iov_aligned(iov, niov, bs->memory_alignment)) {
        return driver_write(bs, offset, bytes, iov, niov, flags);
    }
    /* Read-modify-write of the aligned range around the request. */
    uint64_t start = offset & ~(uint64_t)(ra - 1);
    uint64_t end = (offset + bytes + ra - 1) & ~(uint64_t)(ra - 1);
    uint8_t *b = bounce_alloc(bs, end - start);
    struct iovec biov = { b, end - start };
    int ret = 0;
    if (start != offset || end != offset + bytes) {
        ret = bdrv_preadv(bs, start, end - start, &biov, 1, 0);
    }
    if (ret >= 0) {
        bdrv_iov_copy(iov, niov, 0, b + (offset - start), bytes, false);
        ret = driver_write(bs, start, end - start, &biov, 1, flags);
    }
    g_aligned_free(b);
    return ret;
}

int bdrv_pread(BlockDriverState *bs, uint64_t offset, void *buf, uint64_t bytes)
{
    struct iovec iov = { buf, bytes };
    return bdrv_preadv(bs, offset, bytes, &iov, 1, 0);
}

int bdrv_pwrite(BlockDriverState *bs, uint64_t offset, const void *buf, uint64_t bytes)
{
    struct iovec iov = { (void *)buf, bytes };
    return bdrv_pwritev(bs, offset, bytes, &iov, 1, 0);
}

int bdrv_pwrite_sync(BlockDriverState *bs, uint64_t offset, const void *buf, uint64_t bytes)
{
    int ret = bdrv_pwrite(bs, offset, buf, bytes);
    return ret < 0 ? ret : bdrv_flush(bs);
}

int bdrv_pwrite_zeroes(BlockDriverState *bs, uint64_t offset, uint64_t bytes, int flags)
{
    if (!bs || !bs->drv) {
        return -ENOMEDIUM;
    }
    if (bdrv_is_read_only(bs)) {
        return -EROFS;
    }
    uint32_t ra = bs->request_alignment;
    if (bs->drv->pwrite_zeroes && !((offset | bytes) & (ra - 1))) {
        int ret = bs->drv->pwrite_zeroes(bs, offset, bytes, flags);
        if (ret != -ENOTSUP) {
            return ret;
        }
    }
    if (flags & BDRV_REQ_NO_FALLBACK) {
        return -ENOTSUP;
    }
    /* Fall back to writing zeroes, a bounded buffer at a time. */
    const uint64_t chunk = 1 << 20;
    uint8_t *z = bounce_alloc(bs, MIN(bytes, chunk));
    int ret = 0;
    while (bytes && ret >= 0) {
        uint64_t n = MIN(bytes, chunk);
        struct iovec iov = { z, n };
        ret = bdrv_pwritev(bs, offset, n, &iov, 1, 0);
        offset += n;
        bytes -= n;
    }
    g_aligned_free(z);
    return ret;
}

int bdrv_pdiscard(BlockDriverState *bs, uint64_t offset, uint64_t bytes)
{
    if (!bs || !bs->drv) {
        return -ENOMEDIUM;
    }
    if (bdrv_is_read_only(bs)) {
        return -EROFS;
    }
    /* Discard is advisory: a driver without it ignores it. */
    return bs->drv->pdiscard ? bs->drv->pdiscard(bs, offset, bytes) : 0;
}

int bdrv_flush(BlockDriverState *bs)
{
    if (!bs || !bs->drv) {
        return 0;
    }
    if (bs->drv->flush) {
        return bs->drv->flush(bs);
    }
    int ret = bs->file ? bdrv_flush(bs->file) : 0;
    return ret;
}

int64_t bdrv_getlength(BlockDriverState *bs)
{
    if (!bs || !bs->drv) {
        return -ENOMEDIUM;
    }
    if (bs->drv->getlength) {
        return bs->drv->getlength(bs);
    }
    return bs->file ? bdrv_getlength(bs->file) : -ENOTSUP;
}

int64_t bdrv_get_allocated_size(BlockDriverState *bs)
{
    if (!bs || !bs->drv) {
        return -ENOMEDIUM;
    }
    if (bs->drv->get_allocated_size) {
        return bs->drv->get_allocated_size(bs);
    }
    return bs->file ? bdrv_get_allocated_size(bs->file) : -ENOTSUP;
}

bool bdrv_truncate(BlockDriverState *bs, uint64_t offset, const char *prealloc, Error **errp)
{
    if (!bs || !bs->drv) {
        error_setg(errp, "no medium");
        return false;
    }
    if (bdrv_is_read_only(bs)) {
        error_setg(errp, "image '%s' is read-only", bdrv_filename(bs));
        return false;
    }
    if (!bs->drv->truncate) {
        error_setg(errp, "format %s cannot be resized", bs->drv->format_name);
        return false;
    }
    return bs->drv->truncate(bs, offset, prealloc, errp);
}

int bdrv_block_status(BlockDriverState *bs, uint64_t offset, uint64_t bytes, uint64_t *pnum,
                      uint64_t *map, BlockDriverState **file)
{
    if (!bs || !bs->drv) {
        return -ENOMEDIUM;
    }
    if (bs->drv->block_status) {
        return bs->drv->block_status(bs, offset, bytes, pnum, map, file);
    }
    *pnum = bytes;
    *map = offset;
    *file = bs->drv->is_protocol ? bs : bs->file;
    return BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED | (*file ? BDRV_BLOCK_OFFSET_VALID : 0);
}

bool bdrv_change_backing_file(BlockDriverState *bs, const char *backing_file,
                              const char *backing_fmt, Error **errp)
{
    if (!bs || !bs->drv || !bs->drv->change_backing_file) {
        error_setg(errp, "format '%s' of '%s' has no backing file to change",
                   bs && bs->drv ? bs->drv->format_name : "?", bs ? bdrv_filename(bs) : "");
        return false;
    }
    if (!bs->drv->change_backing_file(bs, backing_file, backing_fmt, errp)) {
        return false;
    }
    g_free(bs->backing_file);
    g_free(bs->backing_format);
    bs->backing_file = g_strdup(backing_file ? backing_file : "");
    bs->backing_format = g_strdup(backing_file && backing_fmt ? backing_fmt : "");
    return true;
}

int bdrv_make_empty(BlockDriverState *bs)
{
    if (!bs || !bs->drv) {
        return -ENOMEDIUM;
    }
    return bs->drv->make_empty ? bs->drv->make_empty(bs) : -ENOTSUP;
}

bool bdrv_get_info(BlockDriverState *bs, BlockDriverInfo *bdi)
{
    memset(bdi, 0, sizeof(*bdi));
    return bs && bs->drv && bs->drv->get_info && bs->drv->get_info(bs, bdi);
}

bool bdrv_create_file(const char *filename, uint64_t size, Error **errp)
{
    BlockOpts *o = block_opts_new();
    char *s = g_strdup_printf("%" G_GUINT64_FORMAT, size);
    block_opts_set(o, "size", s);
    bool ok = bdrv_create("file", filename, o, errp);
    g_free(s);
    block_opts_free(o);
    return ok;
}

bool bdrv_create(const char *drv_name, const char *filename, BlockOpts *opts, Error **errp)
{
    module_call_init(MODULE_INIT_BLOCK);
    BlockDriver *drv = bdrv_find_format(drv_name);
    if (!drv) {
        error_setg(errp, "unknown format '%s'", drv_name);
        return false;
    }
    if (!drv->create) {
        error_setg(errp, "format '%s' does not support image creation", drv_name);
        return false;
    }
    return drv->create(filename, opts, errp);
}
