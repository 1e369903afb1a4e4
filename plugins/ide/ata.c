/*
 * The ATA command set of ide-hd, and the transfer engine both device
 * kinds share: PIO blocks through the data port, DMA through the
 * controller's bus master (one vectored block request straight over the
 * guest RAM its PRD table maps, io_buffer-sized chunks for the rest),
 * block requests in flight.
 * ATA/ATAPI-6 chapter 8 (commands), 9 (protocols).
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "ide.h"

bool ide_unit_present(const IDEUnit *u)
{
    return u->dev != NULL;
}

static inline uint32_t sector_size(IDEUnit *u)
{
    return u->dev->kind == IDE_CD ? CD_SECTOR_SIZE : IDE_SECTOR_SIZE;
}

static inline uint64_t nb_sectors(IDEUnit *u)
{
    return blk_nb_sectors(u->dev->blk);
}

/* The signature a device leaves after reset or diagnostics (ATA-6 9.12):
 * 01h/01h in Sector Count/Number, 0000h (ATA) or EB14h (PACKET) in the
 * cylinder registers; error 01h: no error detected. */
void ide_unit_reset_signature(IDEUnit *u)
{
    u->nsector = u->sector = 1;
    u->lcyl = u->hcyl = 0;
    u->select = 0;
    u->feature = 0;
    u->error = 0x01;
    u->status = ST_DRDY | ST_DSC;
    if (u->dev && u->dev->kind == IDE_CD) {
        u->lcyl = 0x14;
        u->hcyl = 0xeb;
        /* A packet device clears DRDY after reset (ATA-6 9.12). */
        u->status = 0;
    }
    u->xfer = XFER_NONE;
    u->data_pos = u->data_end = u->drq_end = 0;
}

void ide_cancel(IDEUnit *u)
{
    if (u->acb) {
        blk_aio_cancel(u->acb);
        u->acb = NULL;
    }
    ide_dma_unmap(u, false);
    u->pending = PEND_NONE;
    u->xfer = XFER_NONE;
    u->dma_stalled = false;
    u->remaining = u->chunk = 0;
    u->data_pos = u->data_end = u->drq_end = 0;
    u->atapi_bytes = 0;
    u->cd_fields = 0;
}

void ide_cmd_ok(IDEUnit *u)
{
    u->status = ST_DRDY | ST_DSC;
    u->xfer = XFER_NONE;
    ide_raise_irq(u);
}

static void cmd_error(IDEUnit *u, uint8_t err)
{
    u->error = err;
    u->status = ST_DRDY | ST_ERR;
    u->xfer = XFER_NONE;
    ide_raise_irq(u);
}

void ide_abort(IDEUnit *u)
{
    cmd_error(u, ER_ABRT);
}

void ide_padstr(uint8_t *dst, const char *src, int len)
{
    /* ATA strings: two characters per word, the first in the high byte
     * (ATA-6 3.2.9), space padded. */
    for (int i = 0; i < len; i++) {
        char c = *src ? *src++ : ' ';
        dst[i ^ 1] = c;
    }
}

static void put16(uint8_t *buf, int word, uint16_t v)
{
    buf[word * 2] = v;
    buf[word * 2 + 1] = v >> 8;
}

/* ---- block requests ---- */

static void rw_done(void *opaque, int ret);

static void issue(IDEUnit *u)
{
    BlockBackend *blk = u->dev->blk;
    uint64_t off = u->lba * sector_size(u);
    uint64_t len = (uint64_t)u->chunk * sector_size(u);
    switch (u->pending) {
    case PEND_READ:
        u->acb = u->dma_direct ? blk_aio_preadv(blk, off, u->dma_iov, u->dma_niov, rw_done, u)
                               : blk_aio_pread(blk, off, u->io_buffer, len, rw_done, u);
        break;
    case PEND_WRITE:
        u->acb = u->dma_direct ?
                 blk_aio_pwritev(blk, off, u->dma_iov, u->dma_niov, 0, rw_done, u) :
                 blk_aio_pwrite(blk, off, u->io_buffer, len, 0, rw_done, u);
        break;
    case PEND_FLUSH:
        u->acb = blk_aio_flush(blk, rw_done, u);
        break;
    case PEND_NONE:
        break;
    }
}

void ide_restart(IDEUnit *u)
{
    if (!u->dev || u->pending == PEND_NONE || u->acb) {
        return;
    }
    if (u->dma_direct) {
        /* A direct DMA request: its mapping is not part of the state, and
         * guest RAM is not loaded yet when a restored channel comes here.
         * The engine still stands at the request's first byte: an empty
         * request, whose completion comes on the main loop once the
         * machine is whole, pumps the transfer again from there. */
        u->dma_direct = false;
        u->dma_niov = 0;
        u->chunk = 0;
    }
    if ((uint64_t)u->chunk * sector_size(u) > IDE_BUF_SIZE) {
        ide_cancel(u);
        ide_abort(u);
        return;
    }
    issue(u);
}

static void start_request(IDEUnit *u, IDEPending what, uint32_t chunk)
{
    u->chunk = chunk;
    u->pending = what;
    u->status = ST_BSY | ST_DRDY;
    issue(u);
}

/* ---- DMA ---- */

/* Our own registers must not be reached by our own DMA (a PRD table or a
 * buffer pointing at the bus master's BAR): the memory layer refuses
 * accesses to a device while its guard is engaged. */
static bool guard_engage(IDEUnit *u)
{
    MemReentrancyGuard *g = &u->ch->owner->mem_reentrancy_guard;
    bool was = g->engaged_in_io;
    g->engaged_in_io = true;
    return was;
}

static void guard_restore(IDEUnit *u, bool was)
{
    u->ch->owner->mem_reentrancy_guard.engaged_in_io = was;
}

static int64_t dma_rw(IDEUnit *u, uint8_t *buf, uint32_t len, bool to_memory)
{
    IDEChannel *ch = u->ch;
    bool was = guard_engage(u);
    int64_t r = ch->dma->rw(ch->dma_opaque, buf, len, to_memory);
    guard_restore(u, was);
    return r;
}

/* Start the next part of the transfer as one request straight over guest
 * RAM, as much of it as the PRD table maps there; false: nothing mapped,
 * the bounce path moves the next bytes (and reports what is wrong). */
static bool dma_start_direct(IDEUnit *u)
{
    IDEChannel *ch = u->ch;
    if (!ch->dma->map || (u->dev->kind == IDE_CD && u->cd_fields)) {
        /* READ CD formats each sector in io_buffer (headers, EDC): only
         * plain sectors go straight to memory. */
        return false;
    }
    uint32_t ss = sector_size(u);
    bool to_memory = u->xfer == XFER_DMA_IN;
    int n = 0;
    bool was = guard_engage(u);
    uint64_t got = ch->dma->map(ch->dma_opaque, (uint64_t)u->remaining * ss, ss, to_memory,
                                u->dma_iov, IDE_DMA_MAX_SEGS, &n);
    guard_restore(u, was);
    if (!got) {
        return false;
    }
    if (got % ss || got / ss > u->remaining || n <= 0 || n > IDE_DMA_MAX_SEGS) {
        /* A bus master breaking its promise: drop the mapping. */
        ch->dma->unmap(ch->dma_opaque, u->dma_iov, MIN(MAX(n, 0), IDE_DMA_MAX_SEGS), to_memory,
                       false);
        return false;
    }
    u->dma_direct = true;
    u->dma_niov = n;
    start_request(u, to_memory ? PEND_READ : PEND_WRITE, (uint32_t)(got / ss));
    return true;
}

void ide_dma_unmap(IDEUnit *u, bool commit)
{
    if (!u->dma_direct) {
        return;
    }
    IDEChannel *ch = u->ch;
    ch->dma->unmap(ch->dma_opaque, u->dma_iov, u->dma_niov, u->xfer == XFER_DMA_IN, commit);
    u->dma_direct = false;
    u->dma_niov = 0;
}

static void dma_finish(IDEUnit *u)
{
    IDEChannel *ch = u->ch;
    u->xfer = XFER_NONE;
    u->status = ST_DRDY | ST_DSC;
    if (u->dev->kind == IDE_CD) {
        u->nsector = IR_IO | IR_COD;
    }
    ch->dma->done(ch->dma_opaque);
    ide_raise_irq(u);
}

static void dma_error(IDEUnit *u)
{
    IDEChannel *ch = u->ch;
    ch->dma->done(ch->dma_opaque);
    if (u->dev->kind == IDE_CD) {
        u->nsector = IR_IO | IR_COD;
    }
    ide_abort(u);
}

/* Move what has to move now; returns false when the transfer stopped
 * (error or PRD table exhausted). */
static bool dma_move(IDEUnit *u, uint8_t *buf, uint32_t len, bool to_memory)
{
    int64_t moved = dma_rw(u, buf, len, to_memory);
    if (moved < 0) {
        dma_error(u);
        return false;
    }
    if (moved < len) {
        /* The PRD table is shorter than the transfer: the engine stopped
         * with neither Active nor Interrupt (SFF-8038i 1.0, 3.1 "status
         * register"); the device keeps DRQ until the host resets it. */
        log_mask(LOG_GUEST_ERROR, "ide: PRD table shorter than the transfer\n");
        u->dma_stalled = true;
        return false;
    }
    return true;
}

void ide_dma_pump(IDEUnit *u)
{
    IDEChannel *ch = u->ch;
    if (u->acb || u->pending != PEND_NONE || u->dma_stalled || !ch->dma ||
        !ch->dma->active(ch->dma_opaque)) {
        return;
    }
    if (u->remaining == 0) {
        /* An ATAPI response from the buffer or parameter data into it, or
         * the end of the data. */
        bool out = u->xfer == XFER_DMA_OUT;
        if (u->data_pos < u->data_end) {
            uint32_t n = u->data_end - u->data_pos;
            if (!dma_move(u, u->io_buffer + u->data_pos, n, !out)) {
                return;
            }
            u->data_pos = u->data_end;
        }
        if (out && u->dev->kind == IDE_CD) {
            /* The parameter list is in: the command runs and completes. */
            ch->dma->done(ch->dma_opaque);
            atapi_data_out_done(u);
            return;
        }
        dma_finish(u);
        return;
    }
    if (dma_start_direct(u)) {
        u->status = ST_DRDY | ST_DSC | ST_DRQ;
        return;
    }
    uint32_t per_chunk = u->dev->kind == IDE_CD ? atapi_chunk_sectors(u)
                                                : IDE_BUF_SIZE / sector_size(u);
    uint32_t n = MIN(u->remaining, per_chunk);
    if (u->xfer == XFER_DMA_OUT) {
        if (!dma_move(u, u->io_buffer, n * sector_size(u), false)) {
            return;
        }
        start_request(u, PEND_WRITE, n);
    } else {
        start_request(u, PEND_READ, n);
    }
    u->status = ST_DRDY | ST_DSC | ST_DRQ;
}

/* The bytes a chunk read into io_buffer gives the host: a CD's sectors
 * leave in READ CD's format. */
static uint32_t dma_chunk_bytes(IDEUnit *u)
{
    return u->dev->kind == IDE_CD ? atapi_format_chunk(u) : u->chunk * sector_size(u);
}

static void dma_chunk_done(IDEUnit *u, bool was_read)
{
    if (u->dma_direct) {
        ide_dma_unmap(u, true);
    } else if (was_read && !dma_move(u, u->io_buffer, dma_chunk_bytes(u), true)) {
        return;
    }
    u->lba += u->chunk;
    u->remaining -= u->chunk;
    u->chunk = 0;
    ide_dma_pump(u);
}

static void start_dma(IDEUnit *u, bool to_device)
{
    if (!u->ch->dma) {
        /* A controller without a bus master (ISA, MMIO): IDENTIFY said
         * DMA is not supported. */
        ide_abort(u);
        return;
    }
    u->xfer = to_device ? XFER_DMA_OUT : XFER_DMA_IN;
    u->dma_stalled = false;
    u->data_pos = u->data_end = u->drq_end = 0;
    u->status = ST_DRDY | ST_DSC | ST_DRQ;
    ide_dma_pump(u);
}

/* ---- PIO ---- */

static void pio_read_next(IDEUnit *u)
{
    uint32_t n = MIN(u->remaining, u->drq_sectors);
    u->remaining -= n;
    u->xfer = XFER_PIO_IN;
    start_request(u, PEND_READ, n);
}

static void pio_write_open(IDEUnit *u)
{
    uint32_t n = MIN(u->remaining, u->drq_sectors);
    u->remaining -= n;
    u->chunk = n;
    u->xfer = XFER_PIO_OUT;
    u->data_pos = 0;
    u->data_end = u->drq_end = n * IDE_SECTOR_SIZE;
    u->status = ST_DRDY | ST_DSC | ST_DRQ;
}

/* The host emptied or filled the current DRQ block. */
void ide_pio_done_block(IDEUnit *u)
{
    switch (u->xfer) {
    case XFER_PACKET:
        atapi_exec(u);
        break;
    case XFER_PIO_IN:
        if (u->dev->kind == IDE_CD) {
            atapi_pio_next(u);
        } else if (u->remaining) {
            pio_read_next(u);
        } else {
            /* No interrupt after the last block of a PIO read (ATA-6
             * 9.7). */
            u->status = ST_DRDY | ST_DSC;
            u->xfer = XFER_NONE;
        }
        break;
    case XFER_PIO_OUT:
        if (u->dev->kind == IDE_CD) {
            atapi_pio_out_next(u);
        } else {
            start_request(u, PEND_WRITE, u->chunk);
        }
        break;
    default:
        break;
    }
}

static void rw_done(void *opaque, int ret)
{
    IDEUnit *u = opaque;
    IDEPending what = u->pending;
    u->acb = NULL;
    u->pending = PEND_NONE;
    if (ret < 0) {
        log_mask(LOG_GUEST_ERROR, "ide: %s failed: %d\n", what == PEND_WRITE ? "write" :
                 what == PEND_READ ? "read" : "flush", ret);
        if (u->xfer == XFER_DMA_IN || u->xfer == XFER_DMA_OUT) {
            ide_dma_unmap(u, false);
            u->ch->dma->done(u->ch->dma_opaque);
        }
        u->remaining = 0;
        if (u->dev->kind == IDE_CD) {
            u->xfer = XFER_NONE;
            atapi_read_done(u, ret);     /* reports the medium error */
            return;
        }
        cmd_error(u, what == PEND_READ ? ER_UNC : ER_ABRT);
        return;
    }
    switch (u->xfer) {
    case XFER_DMA_IN:
    case XFER_DMA_OUT:
        dma_chunk_done(u, what == PEND_READ);
        return;
    case XFER_PIO_IN:
        if (u->dev->kind == IDE_CD) {
            atapi_read_done(u, 0);
            return;
        }
        u->lba += u->chunk;
        u->data_pos = 0;
        u->data_end = u->drq_end = u->chunk * IDE_SECTOR_SIZE;
        u->status = ST_DRDY | ST_DSC | ST_DRQ;
        ide_raise_irq(u);
        return;
    case XFER_PIO_OUT:
        u->lba += u->chunk;
        if (u->remaining) {
            pio_write_open(u);
            ide_raise_irq(u);
        } else {
            ide_cmd_ok(u);
        }
        return;
    default:
        /* FLUSH CACHE */
        ide_cmd_ok(u);
        return;
    }
}

/* ---- addressing ---- */

/* The first sector of a command from the task file: LBA48 (ATA-6 6.2.1),
 * LBA28 or CHS through the current geometry.  false: CHS out of range. */
static bool get_lba(IDEUnit *u, bool lba48, uint64_t *lba)
{
    if (lba48) {
        *lba = (uint64_t)u->hob_hcyl << 40 | (uint64_t)u->hob_lcyl << 32 |
               (uint64_t)u->hob_sector << 24 | (uint32_t)u->hcyl << 16 | u->lcyl << 8 |
               u->sector;
        return true;
    }
    if (u->select & SEL_LBA) {
        *lba = (uint32_t)(u->select & 0x0f) << 24 | (uint32_t)u->hcyl << 16 |
               u->lcyl << 8 | u->sector;
        return true;
    }
    uint32_t cyl = u->hcyl << 8 | u->lcyl, head = u->select & 0x0f, sect = u->sector;
    if (!u->cur_heads || !u->cur_secs || sect == 0 || sect > u->cur_secs ||
        head >= u->cur_heads) {
        return false;
    }
    *lba = ((uint64_t)cyl * u->cur_heads + head) * u->cur_secs + sect - 1;
    return true;
}

static uint32_t get_count(IDEUnit *u, bool lba48)
{
    /* 0 means 256 (28-bit) or 65536 sectors (48-bit): ATA-6 8.x "Sector
     * Count" of each read/write command. */
    if (lba48) {
        uint32_t n = u->hob_nsector << 8 | u->nsector;
        return n ? n : 65536;
    }
    return u->nsector ? u->nsector : 256;
}

/* Checks the range; on success u->lba/remaining are set. */
static bool setup_range(IDEUnit *u, bool lba48)
{
    uint64_t lba;
    uint32_t n = get_count(u, lba48);
    if (!get_lba(u, lba48, &lba) || lba > nb_sectors(u) || n > nb_sectors(u) - lba) {
        /* ID not found: the address is past the end (ATA-6 7.9). */
        cmd_error(u, ER_IDNF | ER_ABRT);
        return false;
    }
    u->lba = lba;
    u->remaining = n;
    u->chunk = 0;
    return true;
}

/* ---- IDENTIFY DEVICE (ATA-6 8.15, table 27) ---- */

static void ata_identify(IDEUnit *u)
{
    IDEDevice *d = u->dev;
    uint8_t *p = u->io_buffer;
    uint64_t n = nb_sectors(u);
    uint32_t n28 = MIN(n, 0x0fffffffu);
    bool dma = u->ch->dma != NULL;
    memset(p, 0, 512);
    put16(p, 0, 0x0040);                    /* fixed device */
    put16(p, 1, d->cyls);
    put16(p, 3, d->heads);
    put16(p, 6, d->secs);
    ide_padstr(p + 20, d->serial, 20);      /* words 10-19 */
    ide_padstr(p + 46, d->ver, 8);          /* words 23-26 */
    ide_padstr(p + 54, d->model, 40);       /* words 27-46 */
    put16(p, 47, 0x8000 | IDE_MAX_MULT);    /* READ/WRITE MULTIPLE up to 16 */
    /* Capabilities: IORDY supported (11), LBA (9), DMA (8). */
    put16(p, 49, (1 << 11) | (1 << 9) | (dma ? 1 << 8 : 0));
    put16(p, 50, 0x4000);
    put16(p, 51, 0x0200);                   /* PIO mode 2 timing (obsolete word) */
    put16(p, 53, 0x0007 & ~4);              /* words 54-58 and 64-70 valid; no UDMA */
    uint32_t cur_cyls = u->cur_heads && u->cur_secs ?
                        MIN(n / (u->cur_heads * u->cur_secs), 65535) : 0;
    put16(p, 54, cur_cyls);
    put16(p, 55, u->cur_heads);
    put16(p, 56, u->cur_secs);
    uint32_t cur_cap = cur_cyls * u->cur_heads * u->cur_secs;
    put16(p, 57, cur_cap);
    put16(p, 58, cur_cap >> 16);
    put16(p, 59, u->mult_sectors ? 0x100 | u->mult_sectors : 0);
    put16(p, 60, n28);
    put16(p, 61, n28 >> 16);
    if (dma) {
        /* The PIIX3 does multiword DMA modes 0-2 and no Ultra DMA
         * (82371SB datasheet 2.7): bits 2:0 supported, 10:8 selected. */
        uint16_t sel = (u->xfer_mode >> 3) == 4 ? 1 << (8 + (u->xfer_mode & 7)) : 0;
        put16(p, 63, 0x0007 | sel);
    }
    put16(p, 64, 0x0003);                   /* PIO modes 3 and 4 */
    put16(p, 65, 120);                      /* cycle times, ns */
    put16(p, 66, 120);
    put16(p, 67, 120);
    put16(p, 68, 120);
    put16(p, 80, 0x00f0);                   /* ATA/ATAPI-4 to -7 */
    /* Supported: NOP (14), write cache (5), power management (3); 48-bit
     * (10), FLUSH CACHE (12), FLUSH CACHE EXT (13), bit 14 must be 1. */
    put16(p, 82, (1 << 14) | (1 << 5) | (1 << 3));
    put16(p, 83, (1 << 14) | (1 << 13) | (1 << 12) | (1 << 10));
    put16(p, 84, 1 << 14);
    put16(p, 85, (1 << 14) | (u->wce ? 1 << 5 : 0) | (1 << 3));
    put16(p, 86, (1 << 13) | (1 << 12) | (1 << 10));
    put16(p, 87, 1 << 14);
    put16(p, 100, n);
    put16(p, 101, n >> 16);
    put16(p, 102, n >> 32);
    put16(p, 103, n >> 48);
}

static void send_identify(IDEUnit *u, void (*fill)(IDEUnit *))
{
    fill(u);
    u->remaining = 0;
    u->xfer = XFER_PIO_IN;
    u->data_pos = 0;
    u->data_end = u->drq_end = 512;
    u->status = ST_DRDY | ST_DSC | ST_DRQ;
    ide_raise_irq(u);
}

/* ---- SET FEATURES (ATA-6 8.37) ---- */

static void set_features(IDEUnit *u)
{
    switch (u->feature) {
    case 0x02:      /* enable write cache */
    case 0x82:      /* disable write cache */
        if (u->dev->kind != IDE_HD) {
            break;
        }
        u->wce = u->feature == 0x02;
        blk_set_enable_write_cache(u->dev->blk, u->wce);
        ide_cmd_ok(u);
        return;
    case 0x03: {    /* set transfer mode from the Sector Count value (table 39) */
        uint8_t mode = u->nsector, kind = mode >> 3, n = mode & 7;
        bool ok = (kind == 0 && n <= 1) ||           /* PIO default */
                  (kind == 1 && n <= 4) ||           /* PIO flow control mode n */
                  (kind == 4 && n <= 2 && u->ch->dma);   /* multiword DMA n */
        if (!ok) {
            break;
        }
        u->xfer_mode = mode;
        ide_cmd_ok(u);
        return;
    }
    case 0x55: case 0xaa:   /* read look-ahead off/on */
    case 0x66: case 0xcc:   /* reverting to power-on defaults off/on */
    case 0x31: case 0x95: case 0x05: case 0x85:   /* media status, APM: accepted */
        ide_cmd_ok(u);
        return;
    }
    ide_abort(u);
}

/* ---- command dispatch ---- */

static void ata_rw(IDEUnit *u, bool lba48, bool write, int mode)
{
    /* mode: 0 PIO single sector, 1 PIO multiple, 2 DMA */
    if (mode == 1 && !u->mult_sectors) {
        /* READ/WRITE MULTIPLE before SET MULTIPLE MODE (ATA-6 8.26). */
        ide_abort(u);
        return;
    }
    if (!setup_range(u, lba48)) {
        return;
    }
    u->drq_sectors = mode == 1 ? u->mult_sectors : 1;
    if (mode == 2) {
        start_dma(u, write);
    } else if (write) {
        pio_write_open(u);
    } else {
        pio_read_next(u);
    }
}

static void ata_verify(IDEUnit *u, bool lba48)
{
    /* READ VERIFY: the sectors exist and are readable; data stays in the
     * device.  A raw or qcow2 image cannot have unreadable sectors. */
    if (setup_range(u, lba48)) {
        u->remaining = 0;
        ide_cmd_ok(u);
    }
}

static void exec_diagnostic(IDEUnit *u)
{
    /* Both devices run it; device 0 reports (ATA-6 8.11). */
    IDEChannel *ch = u->ch;
    for (int i = 0; i < 2; i++) {
        if (ch->unit[i].dev) {
            ide_cancel(&ch->unit[i]);
            ide_unit_reset_signature(&ch->unit[i]);
        }
    }
    ch->cur = 0;
    ide_raise_irq(&ch->unit[0]);
}

void ide_exec_cmd(IDEUnit *u, uint8_t cmd)
{
    u->cmd = cmd;
    u->error = 0;
    bool cd = u->dev->kind == IDE_CD;
    if (u->sleeping && cmd != 0x08) {
        /* Sleep: only a reset wakes the device (ATA-6 8.40). */
        return;
    }
    /* Commands both kinds take. */
    switch (cmd) {
    case 0x90:
        exec_diagnostic(u);
        return;
    case 0xef:
        set_features(u);
        return;
    case 0xe0: case 0xe2: case 0x94: case 0x96:   /* STANDBY (IMMEDIATE) */
        u->power = 0x00;
        ide_cmd_ok(u);
        return;
    case 0xe1: case 0xe3: case 0x95: case 0x97:   /* IDLE (IMMEDIATE) */
        u->power = 0xff;
        ide_cmd_ok(u);
        return;
    case 0xe5: case 0x98:                          /* CHECK POWER MODE */
        u->nsector = u->power;
        ide_cmd_ok(u);
        return;
    case 0xe6: case 0x99:                          /* SLEEP */
        ide_cmd_ok(u);
        u->sleeping = true;
        return;
    case 0x00:                                     /* NOP: always aborts */
        ide_abort(u);
        return;
    }
    if (cd) {
        switch (cmd) {
        case 0x08:                                 /* DEVICE RESET (8.10) */
            ide_cancel(u);
            ide_unit_reset_signature(u);
            u->sleeping = false;
            return;
        case 0xa0:
            atapi_packet_cmd(u);
            return;
        case 0xa1:
            send_identify(u, atapi_identify);
            return;
        case 0xec:
            /* IDENTIFY DEVICE on a packet device aborts with the packet
             * signature in place (ATA-6 8.15.? and 9.12). */
            u->lcyl = 0x14;
            u->hcyl = 0xeb;
            u->nsector = u->sector = 1;
            ide_abort(u);
            return;
        }
        ide_abort(u);
        return;
    }
    switch (cmd) {
    case 0xec:
        send_identify(u, ata_identify);
        return;
    case 0x20: case 0x21: ata_rw(u, false, false, 0); return;   /* READ SECTORS */
    case 0x24: ata_rw(u, true, false, 0); return;               /* READ SECTORS EXT */
    case 0x30: case 0x31: ata_rw(u, false, true, 0); return;    /* WRITE SECTORS */
    case 0x34: ata_rw(u, true, true, 0); return;                /* WRITE SECTORS EXT */
    case 0xc4: ata_rw(u, false, false, 1); return;              /* READ MULTIPLE */
    case 0x29: ata_rw(u, true, false, 1); return;               /* READ MULTIPLE EXT */
    case 0xc5: ata_rw(u, false, true, 1); return;               /* WRITE MULTIPLE */
    case 0x39: ata_rw(u, true, true, 1); return;                /* WRITE MULTIPLE EXT */
    case 0xc8: case 0xc9: ata_rw(u, false, false, 2); return;   /* READ DMA */
    case 0x25: ata_rw(u, true, false, 2); return;               /* READ DMA EXT */
    case 0xca: case 0xcb: ata_rw(u, false, true, 2); return;    /* WRITE DMA */
    case 0x35: ata_rw(u, true, true, 2); return;                /* WRITE DMA EXT */
    case 0x40: case 0x41: ata_verify(u, false); return;         /* READ VERIFY */
    case 0x42: ata_verify(u, true); return;                     /* READ VERIFY EXT */
    case 0xc6:                                                  /* SET MULTIPLE MODE */
        /* 0 disables; otherwise a power of two up to word 47's maximum
         * (ATA-6 8.39). */
        if (u->nsector > IDE_MAX_MULT || (u->nsector & (u->nsector - 1))) {
            ide_abort(u);
        } else {
            u->mult_sectors = u->nsector;
            ide_cmd_ok(u);
        }
        return;
    case 0x91:                                   /* INITIALIZE DEVICE PARAMETERS */
        /* Heads: Device/Head bits 3:0 plus one; sectors per track: Sector
         * Count (ATA-6 8.16).  0 sectors is refused. */
        if (!u->nsector) {
            ide_abort(u);
            return;
        }
        u->cur_heads = (u->select & 0x0f) + 1;
        u->cur_secs = u->nsector;
        ide_cmd_ok(u);
        return;
    case 0xe7: case 0xea:                        /* FLUSH CACHE (EXT) */
        u->xfer = XFER_NONE;
        start_request(u, PEND_FLUSH, 0);
        return;
    case 0x70:                                   /* SEEK */
    case 0x10: case 0x11: case 0x12: case 0x13:  /* RECALIBRATE (obsolete) */
    case 0x14: case 0x15: case 0x16: case 0x17:
    case 0x18: case 0x19: case 0x1a: case 0x1b:
    case 0x1c: case 0x1d: case 0x1e: case 0x1f:
        ide_cmd_ok(u);
        return;
    }
    log_mask(LOG_UNIMP, "ide: ATA command 0x%02x not supported\n", cmd);
    ide_abort(u);
}
