/*
 * nbd: a block driver plugin, the client side of the Network Block Device
 * protocol, through libnbd.
 *
 *   -drive file=nbd://HOST[:PORT]/EXPORT
 *   -drive file=nbd+unix:///EXPORT?socket=PATH
 *   -blockdev driver=nbd,server.type=inet,server.host=H,server.port=P,export=E
 *   -blockdev driver=nbd,server.type=unix,server.path=PATH,export=E
 *
 * The block layer calls the I/O callbacks on a worker thread, so the
 * blocking libnbd calls never stall the CPU thread.  Connecting is done
 * with libnbd's asynchronous API and a deadline (connect-timeout=, seconds)
 * so that a server that accepts but never answers is an error, not a hang.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <libnbd.h>
#include <cardcage/cardcage.h>

/* The NBD protocol lets a server refuse requests over 32 MiB (NBD spec,
 * "Block size constraints": the default maximum payload). */
#define NBD_MAX_REQUEST (32u * 1024 * 1024)
#define NBD_DEFAULT_PORT "10809"      /* IANA-assigned NBD port */
#define NBD_DEFAULT_CONNECT_TIMEOUT 30

typedef struct NBDState {
    struct nbd_handle *h;
    int64_t size;
    uint32_t max_request;
    bool can_flush, can_trim, can_zero, can_fua;
} NBDState;

/* libnbd's errno for the last call on this thread, never 0. */
static int nbd_err(void)
{
    int e = nbd_get_errno();
    return e > 0 ? -e : -EIO;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Drive an asynchronous connect until the handshake is done, the server
 * fails it, or the deadline passes. */
static bool nbd_wait_connected(struct nbd_handle *h, const char *what, uint64_t timeout_s,
                               Error **errp)
{
    int64_t deadline = now_ms() + (int64_t)timeout_s * 1000;
    while (!nbd_aio_is_ready(h)) {
        if (nbd_aio_is_dead(h) || nbd_aio_is_closed(h)) {
            error_setg(errp, "nbd: %s: %s", what, nbd_get_error() ? nbd_get_error()
                                                                   : "connection closed");
            return false;
        }
        /* Back in option negotiation: the server refused the export
         * (NBD_OPT_GO answered with an error, NBD spec "Option types"). */
        if (nbd_aio_is_negotiating(h)) {
            error_setg(errp, "nbd: %s: the server refused the export%s%s", what,
                       nbd_get_error() ? ": " : "", nbd_get_error() ? nbd_get_error() : "");
            return false;
        }
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            error_setg(errp, "nbd: %s: no answer from the server in %" PRIu64 " s", what,
                       timeout_s);
            return false;
        }
        if (nbd_poll(h, (int)MIN(left, 1000)) < 0) {
            error_setg(errp, "nbd: %s: %s", what, nbd_get_error());
            return false;
        }
    }
    return true;
}

/* Start connecting from a URL (file=) or from the -blockdev server.* keys. */
static bool nbd_start_connect(struct nbd_handle *h, BlockOpts *opts, const char *url,
                              char **what, Error **errp)
{
    const char *type = block_opts_get(opts, "server.type");
    const char *host = block_opts_get(opts, "server.host");
    const char *port = block_opts_get(opts, "server.port");
    const char *path = block_opts_get(opts, "server.path");
    const char *export = block_opts_get(opts, "export");

    if (url && *url) {
        if (type || host || port || path || export) {
            error_setg(errp, "nbd: give either a URL or server.*/export options, not both");
            return false;
        }
        *what = g_strdup(url);
        if (nbd_aio_connect_uri(h, url) < 0) {
            error_setg(errp, "nbd: %s: %s", url, nbd_get_error());
            return false;
        }
        return true;
    }
    if (!type) {
        type = path ? "unix" : "inet";
    }
    if (nbd_set_export_name(h, export ? export : "") < 0) {
        error_setg(errp, "nbd: export '%s': %s", export, nbd_get_error());
        return false;
    }
    if (!strcmp(type, "inet")) {
        if (!host || !*host || path) {
            error_setg(errp, "nbd: server.type=inet needs server.host (and no server.path)");
            return false;
        }
        port = port && *port ? port : NBD_DEFAULT_PORT;
        *what = g_strdup_printf("%s:%s", host, port);
        if (nbd_aio_connect_tcp(h, host, port) < 0) {
            error_setg(errp, "nbd: %s: %s", *what, nbd_get_error());
            return false;
        }
    } else if (!strcmp(type, "unix")) {
        if (!path || !*path || host || port) {
            error_setg(errp, "nbd: server.type=unix needs server.path (and no host or port)");
            return false;
        }
        *what = g_strdup(path);
        if (nbd_aio_connect_unix(h, path) < 0) {
            error_setg(errp, "nbd: %s: %s", path, nbd_get_error());
            return false;
        }
    } else {
        error_setg(errp, "nbd: server.type must be inet or unix, not '%s'", type);
        return false;
    }
    return true;
}

static void nbd_close_handle(NBDState *s)
{
    if (s->h) {
        nbd_shutdown(s->h, 0);
        nbd_close(s->h);
        s->h = NULL;
    }
}

static bool nbd_drv_open(BlockDriverState *bs, BlockOpts *opts, int flags, Error **errp)
{
    NBDState *s = bdrv_opaque(bs);
    const char *url = block_opts_get(opts, "filename");
    uint64_t timeout;
    g_autofree char *what = NULL;

    if (!block_opts_get_uint(opts, "connect-timeout", NBD_DEFAULT_CONNECT_TIMEOUT, &timeout,
                             errp)) {
        return false;
    }
    if (timeout == 0 || timeout > 3600) {
        error_setg(errp, "nbd: connect-timeout must be 1..3600 seconds");
        return false;
    }
    s->h = nbd_create();
    if (!s->h) {
        error_setg(errp, "nbd: %s", nbd_get_error());
        return false;
    }
    /* A file= URL names a server, never a local program or file. */
    nbd_set_uri_allow_local_file(s->h, false);
    if (!nbd_start_connect(s->h, opts, url, &what, errp) ||
        !nbd_wait_connected(s->h, what, timeout, errp)) {
        nbd_close_handle(s);
        return false;
    }
    s->size = nbd_get_size(s->h);
    if (s->size < 0) {
        error_setg(errp, "nbd: %s: %s", what, nbd_get_error());
        nbd_close_handle(s);
        return false;
    }
    if ((flags & BDRV_O_RDWR) && nbd_is_read_only(s->h) == 1) {
        error_setg(errp, "nbd: %s: the export is read-only (use readonly=on)", what);
        nbd_close_handle(s);
        return false;
    }
    s->can_flush = nbd_can_flush(s->h) == 1;
    s->can_trim = nbd_can_trim(s->h) == 1;
    s->can_zero = nbd_can_zero(s->h) == 1;
    s->can_fua = nbd_can_fua(s->h) == 1;
    int64_t max = nbd_get_block_size(s->h, LIBNBD_SIZE_MAXIMUM);
    s->max_request = max > 0 && max < NBD_MAX_REQUEST ? (uint32_t)max : NBD_MAX_REQUEST;
    int64_t min = nbd_get_block_size(s->h, LIBNBD_SIZE_MINIMUM);
    if (min > 1 && min <= 65536 && !(min & (min - 1))) {
        bdrv_set_request_alignment(bs, (uint32_t)min, 1);
    }
    return true;
}

static void nbd_drv_close(BlockDriverState *bs)
{
    nbd_close_handle(bdrv_opaque(bs));
}

/* Walk the iovec in pieces no larger than the server's maximum. */
static int nbd_rw(NBDState *s, bool write, uint64_t offset, struct iovec *iov, int niov,
                  uint32_t cmd_flags)
{
    for (int i = 0; i < niov; i++) {
        uint8_t *p = iov[i].iov_base;
        size_t left = iov[i].iov_len;
        while (left) {
            size_t n = MIN(left, s->max_request);
            int r = write ? nbd_pwrite(s->h, p, n, offset, cmd_flags)
                          : nbd_pread(s->h, p, n, offset, 0);
            if (r < 0) {
                return nbd_err();
            }
            p += n;
            offset += n;
            left -= n;
        }
    }
    return 0;
}

static int nbd_drv_preadv(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                          struct iovec *iov, int niov, int flags)
{
    return nbd_rw(bdrv_opaque(bs), false, offset, iov, niov, 0);
}

static int nbd_drv_pwritev(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                           struct iovec *iov, int niov, int flags)
{
    NBDState *s = bdrv_opaque(bs);
    int r = nbd_rw(s, true, offset, iov, niov,
                   (flags & BDRV_REQ_FUA) && s->can_fua ? LIBNBD_CMD_FLAG_FUA : 0);
    if (r == 0 && (flags & BDRV_REQ_FUA) && !s->can_fua && s->can_flush) {
        r = nbd_flush(s->h, 0) < 0 ? nbd_err() : 0;
    }
    return r;
}

static int nbd_drv_flush(BlockDriverState *bs)
{
    NBDState *s = bdrv_opaque(bs);
    if (!s->can_flush) {
        return 0;   /* the server writes through: nothing to flush */
    }
    return nbd_flush(s->h, 0) < 0 ? nbd_err() : 0;
}

static int nbd_drv_pdiscard(BlockDriverState *bs, uint64_t offset, uint64_t bytes)
{
    NBDState *s = bdrv_opaque(bs);
    if (!s->can_trim) {
        return -ENOTSUP;
    }
    while (bytes) {
        uint64_t n = MIN(bytes, s->max_request);
        if (nbd_trim(s->h, n, offset, 0) < 0) {
            return nbd_err();
        }
        offset += n;
        bytes -= n;
    }
    return 0;
}

static int nbd_drv_pwrite_zeroes(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                                 int flags)
{
    NBDState *s = bdrv_opaque(bs);
    if (!s->can_zero) {
        return -ENOTSUP;
    }
    /* NO_HOLE unless the caller allows unmapping (NBD spec, WRITE_ZEROES). */
    uint32_t f = (flags & BDRV_REQ_MAY_UNMAP) ? 0 : LIBNBD_CMD_FLAG_NO_HOLE;
    if ((flags & BDRV_REQ_FUA) && s->can_fua) {
        f |= LIBNBD_CMD_FLAG_FUA;
    }
    while (bytes) {
        uint64_t n = MIN(bytes, s->max_request);
        if (nbd_zero(s->h, n, offset, f) < 0) {
            return nbd_err();
        }
        offset += n;
        bytes -= n;
    }
    return 0;
}

static int64_t nbd_drv_getlength(BlockDriverState *bs)
{
    return ((NBDState *)bdrv_opaque(bs))->size;
}

#define NBD_DRIVER(fmt, scheme, desc) {                 \
    .format_name = fmt,                                 \
    .instance_size = sizeof(NBDState),                  \
    .description = desc,                                \
    .is_protocol = true,                                \
    .protocol_name = scheme,                            \
    .open = nbd_drv_open,                               \
    .close = nbd_drv_close,                             \
    .preadv = nbd_drv_preadv,                           \
    .pwritev = nbd_drv_pwritev,                         \
    .flush = nbd_drv_flush,                             \
    .pdiscard = nbd_drv_pdiscard,                       \
    .pwrite_zeroes = nbd_drv_pwrite_zeroes,             \
    .getlength = nbd_drv_getlength,                     \
}

/* One driver per URL scheme (the layer maps a scheme to one driver);
 * -blockdev uses driver=nbd for both transports. */
static BlockDriver nbd_drivers[] = {
    NBD_DRIVER("nbd", "nbd", "NBD client (nbd://HOST:PORT/EXPORT, libnbd)"),
    NBD_DRIVER("nbd+unix", "nbd+unix", "NBD client on a unix socket (nbd+unix:///EXPORT?socket=PATH)"),
};

static void nbd_register(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(nbd_drivers); i++) {
        bdrv_register(&nbd_drivers[i]);
    }
}
block_init(nbd_register)

CARDCAGE_PLUGIN(
    .name = "nbd",
    .version = "0.1",
    .description = "NBD client block driver (libnbd)",
    .license = "MIT",
);
