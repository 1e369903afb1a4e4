/*
 * iscsi: a block driver plugin, an iSCSI initiator through libiscsi.
 *
 *   -drive file=iscsi://[USER[%PASSWORD]@]HOST[:PORT]/TARGET-IQN/LUN
 *          [,initiator-name=IQN][,header-digest=none|crc32c|...][,timeout=S]
 *
 * The LUN is a SCSI block device (SBC-3): its size comes from READ
 * CAPACITY(16), data moves with READ(16)/WRITE(16), a flush is
 * SYNCHRONIZE CACHE(10) over the whole medium, a discard is UNMAP when the
 * LUN says it provisions thinly (READ CAPACITY(16) LBPME).  The block layer
 * calls these blocking callbacks on a worker thread, never on the CPU's.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <string.h>
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
#include <cardcage/cardcage.h>

/* An IQN (RFC 3720 3.2.6.3.1) under the reserved .invalid domain: the
 * default when initiator-name= is not given. */
#define ISCSI_DEFAULT_INITIATOR "iqn.2026-12.invalid.cardcage:initiator"
/* Largest single transfer: 1 MiB, well under what targets accept
 * (tgt's MaxBurstLength default is 256 KiB, libiscsi splits into bursts). */
#define ISCSI_MAX_TRANSFER (1u << 20)
#define ISCSI_DEFAULT_LOGIN_TIMEOUT 30

typedef struct IscsiState {
    struct iscsi_context *ctx;
    int lun;
    uint32_t block_size;
    uint64_t num_blocks;
    bool can_unmap;
} IscsiState;

/* A finished task's result as an errno (SPC-4 4.5.6 sense keys). */
static int task_errno(IscsiState *s, struct scsi_task *task)
{
    if (!task) {
        return -EIO;   /* transport failure: no status at all */
    }
    int ret = 0;
    if (task->status != SCSI_STATUS_GOOD) {
        switch (task->sense.key) {
        case SCSI_SENSE_DATA_PROTECTION:
            ret = -EROFS;
            break;
        case SCSI_SENSE_ILLEGAL_REQUEST:
            ret = -EINVAL;
            break;
        default:
            ret = -EIO;
        }
    }
    return ret;
}

/* libiscsi's message, made one line (it may hold several). */
static bool iscsi_fail(IscsiState *s, Error **errp, const char *what, const char *url)
{
    g_autofree char *msg = g_strdup(iscsi_get_error(s->ctx));
    g_strstrip(msg);
    for (char *p = msg; *p; p++) {
        if (*p == '\n') {
            *p = ' ';
        }
    }
    error_setg(errp, "iscsi: %s: %s: %s", url, what, *msg ? msg : "failed");
    return false;
}

static bool iscsi_read_capacity(IscsiState *s, const char *url, Error **errp)
{
    struct scsi_task *task = iscsi_readcapacity16_sync(s->ctx, s->lun);
    if (!task || task->status != SCSI_STATUS_GOOD) {
        if (task) {
            scsi_free_scsi_task(task);
        }
        return iscsi_fail(s, errp, "READ CAPACITY(16)", url);
    }
    struct scsi_readcapacity16 *rc = scsi_datain_unmarshall(task);
    bool ok = rc != NULL;
    if (ok) {
        s->block_size = rc->block_length;
        s->num_blocks = rc->returned_lba + 1;
        s->can_unmap = rc->lbpme;
    }
    scsi_free_scsi_task(task);
    if (!ok) {
        error_setg(errp, "iscsi: %s: READ CAPACITY(16): a reply that does not parse", url);
        return false;
    }
    /* The layer aligns to the block size: a power of two, 512..64 KiB. */
    if (s->block_size < 512 || s->block_size > 65536 ||
        (s->block_size & (s->block_size - 1))) {
        error_setg(errp, "iscsi: %s: unsupported block size %u", url, s->block_size);
        return false;
    }
    return true;
}

/* The LUN is write-protected: the WP bit (7) of the device-specific
 * parameter in the MODE SENSE(6) header (SBC-3 6.4.1).  A target that does
 * not answer MODE SENSE counts as writable (its writes then fail with
 * DATA PROTECTION if it is not). */
static bool iscsi_write_protected(IscsiState *s)
{
    struct scsi_task *task = iscsi_modesense6_sync(s->ctx, s->lun, 1, SCSI_MODESENSE_PC_CURRENT,
                                                   SCSI_MODEPAGE_RETURN_ALL_PAGES, 0, 255);
    bool wp = false;
    if (task && task->status == SCSI_STATUS_GOOD) {
        struct scsi_mode_sense *ms = scsi_datain_unmarshall(task);
        wp = ms && (ms->device_specific_parameter & 0x80);
    }
    if (task) {
        scsi_free_scsi_task(task);
    }
    return wp;
}

static bool iscsi_drv_open(BlockDriverState *bs, BlockOpts *opts, int flags, Error **errp)
{
    IscsiState *s = bdrv_opaque(bs);
    const char *url = block_opts_get(opts, "filename");
    const char *initiator = block_opts_get(opts, "initiator-name");
    const char *digest = block_opts_get(opts, "header-digest");
    uint64_t timeout;
    struct iscsi_url *iu = NULL;

    if (!url || !*url) {
        error_setg(errp, "iscsi: give file=iscsi://HOST[:PORT]/TARGET-IQN/LUN");
        return false;
    }
    if (!block_opts_get_uint(opts, "timeout", 0, &timeout, errp)) {
        return false;
    }
    if (timeout > 3600) {
        error_setg(errp, "iscsi: timeout must be 0 (none) .. 3600 seconds");
        return false;
    }
    s->ctx = iscsi_create_context(initiator && *initiator ? initiator
                                                          : ISCSI_DEFAULT_INITIATOR);
    if (!s->ctx) {
        error_setg(errp, "iscsi: cannot create an iSCSI context");
        return false;
    }
    iu = iscsi_parse_full_url(s->ctx, url);
    if (!iu) {
        iscsi_fail(s, errp, "not an iSCSI URL", url);
        goto fail;
    }
    s->lun = iu->lun;
    enum iscsi_header_digest hd = ISCSI_HEADER_DIGEST_NONE_CRC32C;
    if (digest) {
        if (!strcmp(digest, "none")) {
            hd = ISCSI_HEADER_DIGEST_NONE;
        } else if (!strcmp(digest, "crc32c")) {
            hd = ISCSI_HEADER_DIGEST_CRC32C;
        } else if (!strcmp(digest, "none-crc32c")) {
            hd = ISCSI_HEADER_DIGEST_NONE_CRC32C;
        } else if (!strcmp(digest, "crc32c-none")) {
            hd = ISCSI_HEADER_DIGEST_CRC32C_NONE;
        } else {
            error_setg(errp, "iscsi: header-digest must be none, crc32c, none-crc32c "
                       "or crc32c-none, not '%s'", digest);
            goto fail;
        }
    }
    if (iscsi_set_targetname(s->ctx, iu->target) ||
        iscsi_set_session_type(s->ctx, ISCSI_SESSION_NORMAL) ||
        iscsi_set_header_digest(s->ctx, hd) ||
        (iu->user[0] && iscsi_set_initiator_username_pwd(s->ctx, iu->user, iu->passwd))) {
        iscsi_fail(s, errp, "session parameters", url);
        goto fail;
    }
    /* A target that accepts the connection but never answers the login
     * is an error after the deadline, not a hang; then timeout= (0: none)
     * for every command. */
    iscsi_set_timeout(s->ctx, timeout ? (int)timeout : ISCSI_DEFAULT_LOGIN_TIMEOUT);
    /* A dead target fails the requests instead of reconnecting forever. */
    iscsi_set_reconnect_max_retries(s->ctx, 3);
    if (iscsi_full_connect_sync(s->ctx, iu->portal, iu->lun) != 0) {
        g_autofree char *what = g_strdup_printf("login at %s", iu->portal);
        iscsi_fail(s, errp, what, url);
        goto fail;
    }
    iscsi_set_timeout(s->ctx, (int)timeout);
    if (!iscsi_read_capacity(s, url, errp)) {
        goto fail;
    }
    if ((flags & BDRV_O_RDWR) && iscsi_write_protected(s)) {
        error_setg(errp, "iscsi: %s: the LUN is write-protected (use readonly=on)", url);
        goto fail;
    }
    bdrv_set_request_alignment(bs, s->block_size, 1);
    iscsi_destroy_url(iu);
    return true;

fail:
    if (iu) {
        iscsi_destroy_url(iu);
    }
    iscsi_destroy_context(s->ctx);
    s->ctx = NULL;
    return false;
}

static void iscsi_drv_close(BlockDriverState *bs)
{
    IscsiState *s = bdrv_opaque(bs);
    if (s->ctx) {
        iscsi_logout_sync(s->ctx);
        iscsi_destroy_context(s->ctx);
        s->ctx = NULL;
    }
}

/* One flat, block-aligned range in transfers of at most ISCSI_MAX_TRANSFER. */
static int iscsi_rw_flat(IscsiState *s, bool write, uint64_t offset, uint8_t *buf,
                         uint64_t bytes, bool fua)
{
    uint32_t max = ISCSI_MAX_TRANSFER / s->block_size * s->block_size;
    while (bytes) {
        uint32_t n = (uint32_t)MIN(bytes, max);
        uint64_t lba = offset / s->block_size;
        struct scsi_task *task;
        if (write) {
            task = iscsi_write16_sync(s->ctx, s->lun, lba, buf, n, s->block_size,
                                      0, 0, fua, 0, 0);
        } else {
            task = iscsi_read16_sync(s->ctx, s->lun, lba, n, s->block_size, 0, 0, 0, 0, 0);
        }
        int r = task_errno(s, task);
        if (r == 0 && !write) {
            if ((uint32_t)task->datain.size != n) {
                r = -EIO;   /* a short read: the target lost data */
            } else {
                memcpy(buf, task->datain.data, n);
            }
        }
        if (task) {
            scsi_free_scsi_task(task);
        }
        if (r < 0) {
            return r;
        }
        buf += n;
        offset += n;
        bytes -= n;
    }
    return 0;
}

/* Copy between a scattered request and the bounce buffer. */
static void iov_copy(struct iovec *iov, int niov, uint8_t *buf, uint64_t bytes, bool to_buf)
{
    for (int i = 0; i < niov && bytes; i++) {
        size_t n = MIN(iov[i].iov_len, bytes);
        if (to_buf) {
            memcpy(buf, iov[i].iov_base, n);
        } else {
            memcpy(iov[i].iov_base, buf, n);
        }
        buf += n;
        bytes -= n;
    }
}

/* A scattered request goes through one bounce buffer: iovec pieces need
 * not be block multiples, SCSI transfers are. */
static int iscsi_rw(IscsiState *s, bool write, uint64_t offset, uint64_t bytes,
                    struct iovec *iov, int niov, bool fua)
{
    if (niov == 1) {
        return iscsi_rw_flat(s, write, offset, iov[0].iov_base, bytes, fua);
    }
    uint8_t *bounce = g_malloc(bytes);
    if (write) {
        iov_copy(iov, niov, bounce, bytes, true);
    }
    int r = iscsi_rw_flat(s, write, offset, bounce, bytes, fua);
    if (r == 0 && !write) {
        iov_copy(iov, niov, bounce, bytes, false);
    }
    g_free(bounce);
    return r;
}

static int iscsi_drv_preadv(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                            struct iovec *iov, int niov, int flags)
{
    return iscsi_rw(bdrv_opaque(bs), false, offset, bytes, iov, niov, false);
}

static int iscsi_drv_pwritev(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                             struct iovec *iov, int niov, int flags)
{
    return iscsi_rw(bdrv_opaque(bs), true, offset, bytes, iov, niov,
                    flags & BDRV_REQ_FUA);
}

static int iscsi_drv_flush(BlockDriverState *bs)
{
    IscsiState *s = bdrv_opaque(bs);
    /* LBA 0 and 0 blocks: the whole medium (SBC-3 5.22). */
    struct scsi_task *task = iscsi_synchronizecache10_sync(s->ctx, s->lun, 0, 0, 0, 0);
    int r = task_errno(s, task);
    if (task) {
        scsi_free_scsi_task(task);
    }
    return r;
}

static int iscsi_drv_pdiscard(BlockDriverState *bs, uint64_t offset, uint64_t bytes)
{
    IscsiState *s = bdrv_opaque(bs);
    if (!s->can_unmap) {
        return -ENOTSUP;
    }
    /* A discard is advisory: only whole blocks are unmapped. */
    uint64_t first = (offset + s->block_size - 1) / s->block_size;
    uint64_t end = (offset + bytes) / s->block_size;
    while (first < end) {
        /* One descriptor's count is 32 bits (SBC-3 5.28.2). */
        struct unmap_list l = { .lba = first, .num = (uint32_t)MIN(end - first, 1u << 30) };
        struct scsi_task *task = iscsi_unmap_sync(s->ctx, s->lun, 0, 0, &l, 1);
        int r = task_errno(s, task);
        if (task) {
            scsi_free_scsi_task(task);
        }
        if (r == -EINVAL) {
            s->can_unmap = false;   /* the target does not take UNMAP after all */
            return -ENOTSUP;
        }
        if (r < 0) {
            return r;
        }
        first += l.num;
    }
    return 0;
}

static int64_t iscsi_drv_getlength(BlockDriverState *bs)
{
    IscsiState *s = bdrv_opaque(bs);
    return (int64_t)(s->num_blocks * s->block_size);
}

static BlockDriver iscsi_driver = {
    .format_name = "iscsi",
    .instance_size = sizeof(IscsiState),
    .description = "iSCSI initiator (iscsi://HOST[:PORT]/TARGET-IQN/LUN, libiscsi)",
    .is_protocol = true,
    .protocol_name = "iscsi",
    .open = iscsi_drv_open,
    .close = iscsi_drv_close,
    .preadv = iscsi_drv_preadv,
    .pwritev = iscsi_drv_pwritev,
    .flush = iscsi_drv_flush,
    .pdiscard = iscsi_drv_pdiscard,
    .getlength = iscsi_drv_getlength,
};

static void iscsi_register(void)
{
    bdrv_register(&iscsi_driver);
}
block_init(iscsi_register)

CARDCAGE_PLUGIN(
    .name = "iscsi",
    .version = "0.1",
    .description = "iSCSI initiator block driver (libiscsi)",
    .license = "MIT",
);
