/*
 * ide-cd's packet commands: the PACKET protocol (ATA/ATAPI-6 8.21, 9.8
 * PIO and 9.9 DMA) and the MMC-3 / SPC-3 commands a CD-ROM drive answers.
 * Every response is built in the unit's I/O buffer and cut to the
 * command's allocation length; sector reads go through the transfer
 * engine of ata.c in chunks of the buffer's size.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "ide.h"

/* Sense keys and additional sense codes (SPC-3 4.5.6, table 27 and
 * annex D). */
#define SK_NOT_READY       0x02
#define SK_MEDIUM_ERROR    0x03
#define SK_ILLEGAL_REQUEST 0x05
#define SK_UNIT_ATTENTION  0x06
#define ASC_READ_ERROR             0x11
#define ASC_INVALID_OPCODE         0x20
#define ASC_LBA_OUT_OF_RANGE       0x21
#define ASC_INVALID_FIELD          0x24
#define ASC_SAVING_NOT_SUPPORTED   0x39
#define ASC_MEDIUM_CHANGED         0x28
#define ASC_MEDIUM_NOT_PRESENT     0x3a
#define ASC_REMOVAL_PREVENTED      0x53
#define ASC_ILLEGAL_MODE_FOR_TRACK 0x64

/* The largest CD image (as QEMU's limit for a CD profile) — above it the
 * drive reports a DVD. */
#define CD_MAX_SECTORS (80 * 60 * 75)

static inline uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static inline uint16_t be16(const uint8_t *p)
{
    return p[0] << 8 | p[1];
}

static inline void st_be16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static inline void st_be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

static bool has_medium(IDEUnit *u)
{
    return !u->tray_open && blk_is_inserted(u->dev->blk);
}

static uint32_t total_cd_sectors(IDEUnit *u)
{
    return has_medium(u) ? MIN(blk_getlength(u->dev->blk) / CD_SECTOR_SIZE, UINT32_MAX) : 0;
}

/* ---- completion ---- */

static void atapi_ok(IDEUnit *u)
{
    u->status = ST_DRDY | ST_DSC;
    u->nsector = IR_IO | IR_COD;     /* command completed (ATA-6 9.8) */
    u->xfer = XFER_NONE;
    ide_raise_irq(u);
}

static void check_condition(IDEUnit *u, uint8_t key, uint8_t asc, uint8_t ascq)
{
    u->sense_key = key;
    u->asc = asc;
    u->ascq = ascq;
    /* Error register of a packet command: the sense key in bits 7:4 and
     * ABRT (ATA-6 8.21.5). */
    u->error = key << 4 | ER_ABRT;
    u->status = ST_DRDY | ST_ERR;
    u->nsector = IR_IO | IR_COD;
    u->xfer = XFER_NONE;
    u->remaining = 0;
    ide_raise_irq(u);
}

static void not_ready(IDEUnit *u)
{
    /* 3A/02: tray open; 3A/01: tray closed, no disc. */
    check_condition(u, SK_NOT_READY, ASC_MEDIUM_NOT_PRESENT, u->tray_open ? 0x02 : 0x01);
}

/* Send len bytes of io_buffer (already cut to the allocation length). */
static void send_buffer(IDEUnit *u, uint32_t len)
{
    u->remaining = 0;
    u->data_pos = 0;
    u->data_end = MIN(len, IDE_BUF_SIZE);
    if (!u->data_end) {
        atapi_ok(u);
        return;
    }
    if (u->atapi_dma) {
        u->xfer = XFER_DMA_IN;
        u->status = ST_DRDY | ST_DSC | ST_DRQ;
        ide_dma_pump(u);
        return;
    }
    u->xfer = XFER_PIO_IN;
    atapi_pio_next(u);
}

/* Offer the next PIO block of data_pos..data_end, at most the byte count
 * limit the host set (0: 0xFFFE), with interrupt reason IREASON. */
static void pio_block(IDEUnit *u, uint8_t ireason, IDEXfer xfer)
{
    uint32_t limit = u->byte_limit ? u->byte_limit : 0xfffe;
    uint32_t n = u->data_end - u->data_pos;
    if (n > limit) {
        /* An odd limit is rounded down while more data follows; a limit
         * of 1 still moves a word, so a block never has length 0. */
        n = MAX(limit & ~1u, 2u);
    }
    u->drq_end = u->data_pos + n;
    u->lcyl = n;
    u->hcyl = n >> 8;
    u->nsector = ireason;
    u->xfer = xfer;
    u->status = ST_DRDY | ST_DSC | ST_DRQ;
    ide_raise_irq(u);
}

/* The next DRQ block of a PIO data phase: at most the byte count limit
 * (even when more follows, ATA-6 8.21.? "byte count limit"). */
void atapi_pio_next(IDEUnit *u)
{
    if (u->data_pos >= u->data_end) {
        if (u->remaining) {
            uint32_t n = MIN(u->remaining, atapi_chunk_sectors(u));
            u->remaining -= n;
            u->chunk = n;
            u->pending = PEND_READ;
            u->status = ST_BSY | ST_DRDY;
            u->acb = NULL;
            ide_restart(u);
            return;
        }
        atapi_ok(u);
        return;
    }
    pio_block(u, IR_IO, XFER_PIO_IN);
}

/* Parameter data (MODE SELECT) lands after the CDB, which stays at the
 * start of the buffer until the command runs. */
#define PARAM_OFF 16

static void receive_params(IDEUnit *u, uint32_t len)
{
    u->remaining = 0;
    u->data_pos = PARAM_OFF;
    u->data_end = PARAM_OFF + len;
    if (u->atapi_dma) {
        u->xfer = XFER_DMA_OUT;
        u->status = ST_DRDY | ST_DSC | ST_DRQ;
        ide_dma_pump(u);
        return;
    }
    atapi_pio_out_next(u);
}

void atapi_pio_out_next(IDEUnit *u)
{
    if (u->data_pos >= u->data_end) {
        atapi_data_out_done(u);
        return;
    }
    pio_block(u, 0, XFER_PIO_OUT);  /* data, host to device (ATA-6 8.21.2) */
}

void atapi_read_done(IDEUnit *u, int ret)
{
    if (ret < 0) {
        check_condition(u, SK_MEDIUM_ERROR, ASC_READ_ERROR, 0);
        return;
    }
    u->data_pos = 0;
    u->data_end = atapi_format_chunk(u);
    u->lba += u->chunk;
    atapi_pio_next(u);
}

/* ---- READ CD's sector formats (MMC-3 6.19) ---- */

/* Byte 9, the main channel selection (MMC-3 table 253). */
#define RCD_SYNC    0x80
#define RCD_HEADERS 0x60    /* 01b header, 10b subheader, 11b all headers */
#define RCD_HEADER  0x20    /* set in codes 01b and 11b */
#define RCD_USER    0x10
#define RCD_EDC_ECC 0x08
#define RCD_C2      0x06    /* 01b C2 error flags, 10b and the block error byte */

/* The fields of a Mode 1 sector in disc order (ECMA-130 14.3): sync,
 * header, user data, EDC/intermediate/P/Q; a Mode 1 sector has no
 * subheader, so asking for it adds nothing.  A drive returns only a run
 * of adjacent fields, and sync only with the header: MMC-3 table 255
 * marks the other combinations illegal. */
int atapi_read_cd_frame(uint8_t fields, uint32_t *start, uint32_t *main_len)
{
    static const struct { uint8_t bit; uint16_t off, len; } parts[] = {
        { RCD_SYNC, 0, 12 },
        { RCD_HEADER, 12, 4 },
        { RCD_USER, 16, CD_SECTOR_SIZE },
        { RCD_EDC_ECC, 16 + CD_SECTOR_SIZE, CD_RAW_SECTOR_SIZE - 16 - CD_SECTOR_SIZE },
    };
    int first = -1, last = -1;
    for (int i = 0; i < 4; i++) {
        if (fields & parts[i].bit) {
            if (last >= 0 && last != i - 1) {
                return -1;                  /* a gap */
            }
            if (first < 0) {
                first = i;
            }
            last = i;
        }
    }
    if ((fields & RCD_SYNC) && !(fields & RCD_HEADER)) {
        return -1;
    }
    uint32_t c2 = (fields & RCD_C2) >> 1;
    if (c2 == 3 || (fields & 1)) {
        return -1;                          /* reserved */
    }
    uint32_t off = first < 0 ? 0 : parts[first].off;
    uint32_t len = first < 0 ? 0 : parts[last].off + parts[last].len - off;
    if (start) {
        *start = off;
    }
    if (main_len) {
        *main_len = len;
    }
    /* C2 error flags: one bit per byte of the 2352 (294 bytes), and for
     * 10b the OR of them and a pad byte (MMC-3 6.19.2.7). */
    return len + (c2 == 1 ? 294 : c2 == 2 ? 296 : 0);
}

static uint32_t frame_size(IDEUnit *u)
{
    int n = u->cd_fields ? atapi_read_cd_frame(u->cd_fields, NULL, NULL) : 0;
    return n > 0 ? n : CD_SECTOR_SIZE;
}

uint32_t atapi_chunk_sectors(IDEUnit *u)
{
    /* The 2048-byte sectors are read into the buffer, then formatted in
     * place: both must fit. */
    return IDE_BUF_SIZE / MAX(frame_size(u), (uint32_t)CD_SECTOR_SIZE);
}

uint32_t atapi_format_chunk(IDEUnit *u)
{
    uint32_t n = MIN(u->chunk, atapi_chunk_sectors(u));
    uint32_t start = 0, main_len = 0;
    int f = u->cd_fields ? atapi_read_cd_frame(u->cd_fields, &start, &main_len) : 0;
    if (f <= 0) {
        return n * CD_SECTOR_SIZE;
    }
    uint32_t frame = f;
    bool ecc = start + main_len > 16 + CD_SECTOR_SIZE;
    uint8_t raw[CD_RAW_SECTOR_SIZE + CD_C2_MAX];
    /* No read errors: every C2 flag and the block error byte are zero. */
    memset(raw + CD_RAW_SECTOR_SIZE, 0, CD_C2_MAX);
    /* Sector i's output lies at i * frame, its data at i * 2048: growing
     * frames are laid from the last sector back, shrinking ones from the
     * first, so no data is overwritten before it is used. */
    bool grow = frame >= CD_SECTOR_SIZE;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = grow ? n - 1 - k : k;
        cd_mode1_sector(raw, u->lba + i, u->io_buffer + i * CD_SECTOR_SIZE, ecc);
        uint8_t *dst = u->io_buffer + i * frame;
        memcpy(dst, raw + start, main_len);
        memcpy(dst + main_len, raw + CD_RAW_SECTOR_SIZE, frame - main_len);
    }
    return n * frame;
}

static void start_read(IDEUnit *u, uint32_t lba, uint32_t count, uint8_t fields)
{
    uint32_t total = total_cd_sectors(u);
    if (lba > total || count > total - lba) {
        check_condition(u, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
        return;
    }
    /* User data alone is what READ(10) sends. */
    u->cd_fields = fields == RCD_USER ? 0 : fields;
    if (!count || atapi_read_cd_frame(fields, NULL, NULL) <= 0) {
        atapi_ok(u);                        /* nothing selected: nothing to send */
        return;
    }
    u->lba = lba;
    u->remaining = count;
    u->chunk = 0;
    u->data_pos = u->data_end = 0;
    if (u->atapi_dma) {
        u->xfer = XFER_DMA_IN;
        u->status = ST_DRDY | ST_DSC | ST_DRQ;
        ide_dma_pump(u);
    } else {
        u->xfer = XFER_PIO_IN;
        atapi_pio_next(u);
    }
}

/* READ CD and READ CD MSF: the same fields, the range as an LBA and a
 * count or as start and end (exclusive) MSF addresses, binary. */
static void read_cd(IDEUnit *u, const uint8_t *cdb)
{
    uint8_t fields = cdb[9];
    uint32_t lba, count;
    /* Expected sector type, byte 1 bits 4:2 (MMC-3 table 252): any (0) or
     * Mode 1 (2) match a data disc; CD-DA and the Mode 2 kinds do not. */
    unsigned type = cdb[1] >> 2 & 7;
    if (type > 5 || (cdb[10] & 7) || atapi_read_cd_frame(fields, NULL, NULL) < 0) {
        /* reserved type; sub-channel data (none kept); an illegal field
         * combination */
        check_condition(u, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
        return;
    }
    if (type != 0 && type != 2) {
        check_condition(u, SK_ILLEGAL_REQUEST, ASC_ILLEGAL_MODE_FOR_TRACK, 0);
        return;
    }
    if (cdb[0] == 0xbe) {
        lba = be32(cdb + 2);
        count = cdb[6] << 16 | cdb[7] << 8 | cdb[8];
    } else {
        const uint8_t *s = cdb + 3, *e = cdb + 6;
        if (s[1] >= 60 || s[2] >= 75 || e[1] >= 60 || e[2] >= 75) {
            check_condition(u, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
            return;
        }
        uint32_t a = (s[0] * 60 + s[1]) * 75 + s[2], b = (e[0] * 60 + e[1]) * 75 + e[2];
        if (a > b) {
            check_condition(u, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
            return;
        }
        if (a < 150) {
            /* the lead-in/pregap before LBA 0 holds no data here */
            check_condition(u, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
            return;
        }
        lba = a - 150;
        count = b - a;
    }
    start_read(u, lba, count, fields);
}

/* ---- the PACKET command ---- */

void atapi_packet_cmd(IDEUnit *u)
{
    /* Features bit 0: DMA; the cylinder registers: the byte count limit
     * (ATA-6 8.21). */
    u->atapi_dma = u->feature & 1;
    if (u->atapi_dma && !u->ch->dma) {
        ide_abort(u);
        return;
    }
    u->byte_limit = u->hcyl << 8 | u->lcyl;
    u->xfer = XFER_PACKET;
    u->data_pos = 0;
    u->data_end = u->drq_end = 12;
    u->nsector = IR_COD;
    u->status = ST_DRDY | ST_DSC | ST_DRQ;
    /* DRQ without an interrupt: IDENTIFY PACKET word 0 bits 6:5 = 10b. */
}

/* ---- responses ---- */

static uint32_t inquiry(IDEUnit *u, uint8_t *p)
{
    memset(p, 0, 36);
    p[0] = 0x05;            /* CD/DVD device (SPC-3 table 82) */
    p[1] = 0x80;            /* removable */
    p[2] = 0x00;
    p[3] = 0x21;            /* ATAPI-style response format 1 (MMC, SPC-3 6.4.2) */
    p[4] = 31;              /* additional length */
    memcpy(p + 8, "CARDCAGE", 8);
    memcpy(p + 16, "CD-ROM          ", 16);
    memcpy(p + 32, "1.0 ", 4);
    return 36;
}

static uint32_t request_sense(IDEUnit *u, uint8_t *p)
{
    /* Fixed format sense data (SPC-3 4.5.3, table 26). */
    memset(p, 0, 18);
    p[0] = 0x70;
    p[2] = u->sense_key;
    p[7] = 10;
    p[12] = u->asc;
    p[13] = u->ascq;
    u->sense_key = u->asc = u->ascq = 0;
    return 18;
}

static void lba_to_msf(uint8_t *p, uint32_t lba)
{
    lba += 150;             /* 2 s lead-in (MMC-3 4.2.3) */
    p[0] = lba / (60 * 75);
    p[1] = (lba / 75) % 60;
    p[2] = lba % 75;
}

static void put_addr(uint8_t *p, uint32_t lba, bool msf)
{
    if (msf) {
        p[0] = 0;
        lba_to_msf(p + 1, lba);
    } else {
        st_be32(p, lba);
    }
}

/* READ TOC/PMA/ATIP (MMC-3 6.25): a single data track. */
static int read_toc(IDEUnit *u, const uint8_t *cdb, uint8_t *p)
{
    bool msf = cdb[1] & 2;
    int format = cdb[2] & 0x0f;
    if (!format) {
        format = cdb[9] >> 6;       /* the older place of the format field */
    }
    uint32_t total = total_cd_sectors(u);
    uint8_t start = cdb[6];
    int len;
    switch (format) {
    case 0:                 /* formatted TOC */
        if (start > 1 && start != 0xaa) {
            return -1;
        }
        p[2] = 1;
        p[3] = 1;
        len = 4;
        if (start <= 1) {
            uint8_t *d = p + len;
            memset(d, 0, 8);
            d[1] = 0x14;    /* ADR 1, data track */
            d[2] = 1;
            put_addr(d + 4, 0, msf);
            len += 8;
        }
        uint8_t *d = p + len;
        memset(d, 0, 8);
        d[1] = 0x14;
        d[2] = 0xaa;        /* lead-out */
        put_addr(d + 4, total, msf);
        len += 8;
        break;
    case 1:                 /* multi-session information */
        memset(p, 0, 12);
        p[2] = 1;
        p[3] = 1;
        p[5] = 0x14;
        p[6] = 1;
        put_addr(p + 8, 0, msf);
        len = 12;
        break;
    case 2: {               /* raw TOC: A0, A1, A2 and track 1 (MMC-3 table 237) */
        static const uint8_t points[4] = { 0xa0, 0xa1, 0xa2, 0x01 };
        p[2] = 1;
        p[3] = 1;
        len = 4;
        for (int i = 0; i < 4; i++) {
            uint8_t *e = p + len;
            memset(e, 0, 11);
            e[0] = 1;       /* session */
            e[1] = 0x14;
            e[3] = points[i];
            if (points[i] == 0xa0) {
                e[8] = 1;   /* first track */
            } else if (points[i] == 0xa1) {
                e[8] = 1;   /* last track */
            } else if (points[i] == 0xa2) {
                lba_to_msf(e + 8, total);
            } else {
                lba_to_msf(e + 8, 0);
            }
            len += 11;
        }
        break;
    }
    default:
        return -1;
    }
    st_be16(p, len - 2);
    return len;
}

static uint32_t get_configuration(IDEUnit *u, const uint8_t *cdb, uint8_t *p)
{
    /* MMC-3 5.2 / 6.6: the profile list, Core and Removable Medium. */
    uint32_t total = total_cd_sectors(u);
    uint16_t current = !has_medium(u) ? 0 : total > CD_MAX_SECTORS ? 0x0010 : 0x0008;
    int rt = cdb[1] & 3;
    uint16_t first = be16(cdb + 2);
    uint32_t len = 8;
    memset(p, 0, 64);
    st_be16(p + 6, current);
    struct { uint16_t code; uint8_t n; uint8_t data[12]; } feats[] = {
        { 0x0000, 8, { 0x00, 0x10, current == 0x10, 0, 0x00, 0x08, current == 0x08, 0 } },
        { 0x0001, 8, { 0, 0, 0, 2, 0, 0, 0, 0 } },     /* Core: ATAPI interface */
        { 0x0003, 4, { 0x29, 0, 0, 0 } },              /* tray, eject, lock */
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(feats); i++) {
        if (feats[i].code < first || (rt == 2 && feats[i].code != first)) {
            continue;
        }
        uint8_t *f = p + len;
        st_be16(f, feats[i].code);
        f[2] = 0x03 | (i == 1 ? 0x04 : 0);     /* persistent, current (version) */
        f[3] = feats[i].n;
        memcpy(f + 4, feats[i].data, feats[i].n);
        len += 4 + feats[i].n;
    }
    st_be32(p, len - 4);
    return len;
}

static int event_status(IDEUnit *u, const uint8_t *cdb, uint8_t *p)
{
    /* GET EVENT STATUS NOTIFICATION, polled only (MMC-3 6.5). */
    if (!(cdb[1] & 1)) {
        return -1;
    }
    memset(p, 0, 8);
    p[3] = 0x10;                /* supported: media class */
    if (!(cdb[4] & 0x10)) {
        p[2] = 0x80;            /* no event available */
        st_be16(p, 2);
        return 4;
    }
    p[2] = 0x04;                /* media class */
    p[4] = u->event;
    p[5] = (has_medium(u) ? 2 : 0) | (u->tray_open ? 1 : 0);
    u->event = 0;
    st_be16(p, 6);
    return 8;
}

/* Mode pages (MMC-3 6.3), as values of page control pc: 0 current, 1
 * the mask of changeable bits, 2 defaults.  Returns the page's length
 * with its 2-byte header, 0 for a page the drive does not have. */
#define MODE_PAGE_MAX 20
static uint32_t mode_page(IDEUnit *u, int page, int pc, uint8_t *q)
{
    memset(q, 0, MODE_PAGE_MAX);
    switch (page) {
    case 0x01:
        /* Read/write error recovery, the 6-byte form of SFF-8020i / MMC-1
         * (MMC-3 6.3.4 lengthens it with write fields a CD-ROM lacks).
         * The error recovery parameter and read retry count are
         * changeable: with no media errors they change nothing else. */
        q[0] = 0x01;
        q[1] = 6;
        if (pc == 1) {
            q[2] = 0xff;
            q[3] = 0xff;
        } else if (pc == 0) {
            q[2] = u->err_recovery;
            q[3] = u->read_retry;
        }
        return 8;
    case 0x2a:
        /* Capabilities and mechanical status (MMC-3 6.3.11): read only. */
        q[0] = 0x2a;
        q[1] = 0x12;
        if (pc == 1) {
            return 20;
        }
        q[2] = 0x03;            /* reads CD-R, CD-RW */
        q[4] = 0x71;            /* audio play, multi session, mode 2 forms */
        q[5] = 0x1f;            /* CD-DA commands, accurate stream */
        /* lock (0), lock state (1), eject (3), tray loader (5:7 = 001b) */
        q[6] = 0x29 | (pc == 0 && u->tray_locked ? 0x02 : 0);
        q[7] = 0x03;
        st_be16(q + 8, 706);    /* max speed, kB/s (4x) */
        st_be16(q + 10, 2);     /* volume levels */
        st_be16(q + 12, 512);   /* buffer, KiB */
        st_be16(q + 14, 706);
        return 20;
    }
    return 0;
}

static int mode_sense(IDEUnit *u, const uint8_t *cdb, uint8_t *p)
{
    int pc = cdb[2] >> 6, page = cdb[2] & 0x3f;
    if (pc == 3) {
        return -2;              /* saved values */
    }
    static const uint8_t pages[] = { 0x01, 0x2a };
    uint32_t len = 8;
    memset(p, 0, 8);
    p[2] = has_medium(u) ? 0x01 : 0x70;    /* medium type: data CD / door open */
    for (unsigned i = 0; i < sizeof(pages); i++) {
        if (page == pages[i] || page == 0x3f) {
            len += mode_page(u, pages[i], pc, p + len);
        }
    }
    if (len == 8) {
        return -1;
    }
    st_be16(p, len - 2);
    return len;
}

/* MODE SELECT(10)'s parameter list (SPC-3 6.11, 7.4): the 8-byte header,
 * an optional block descriptor, then pages as MODE SENSE reports them.
 * Every page is checked before any is applied.  Returns the ASC of the
 * check condition, 0 when accepted. */
#define ASC_PARAM_LIST_LENGTH  0x1a
#define ASC_INVALID_FIELD_PARAM 0x26

static uint8_t mode_select(IDEUnit *u, const uint8_t *d, uint32_t len)
{
    if (len < 8) {
        return ASC_PARAM_LIST_LENGTH;
    }
    /* Mode data length is reserved here, the medium type ignored (a
     * host echoes MODE SENSE's); a block descriptor may only repeat the
     * drive's 2048-byte blocks. */
    uint32_t bdl = be16(d + 6), pos = 8 + bdl;
    if (bdl != 0 && bdl != 8) {
        return ASC_INVALID_FIELD_PARAM;
    }
    if (pos > len) {
        return ASC_PARAM_LIST_LENGTH;
    }
    if (bdl && (d[8 + 5] << 16 | d[8 + 6] << 8 | d[8 + 7]) != CD_SECTOR_SIZE) {
        return ASC_INVALID_FIELD_PARAM;
    }
    for (int apply = 0; apply < 2; apply++) {
        for (uint32_t at = pos; at < len;) {
            if (len - at < 2) {
                return ASC_PARAM_LIST_LENGTH;
            }
            const uint8_t *pg = d + at;
            uint8_t cur[MODE_PAGE_MAX], mask[MODE_PAGE_MAX];
            /* PS is reserved in MODE SELECT; no page has subpages (SPF). */
            uint32_t n = (pg[0] & 0xc0) ? 0 : mode_page(u, pg[0] & 0x3f, 0, cur);
            if (!n || pg[1] != n - 2) {
                return ASC_INVALID_FIELD_PARAM;
            }
            if (len - at < n) {
                return ASC_PARAM_LIST_LENGTH;
            }
            mode_page(u, pg[0] & 0x3f, 1, mask);
            for (uint32_t k = 2; k < n; k++) {
                if ((pg[k] ^ cur[k]) & ~mask[k]) {
                    return ASC_INVALID_FIELD_PARAM;
                }
            }
            if (apply && (pg[0] & 0x3f) == 0x01) {
                u->err_recovery = pg[2];
                u->read_retry = pg[3];
            }
            at += n;
        }
    }
    return 0;
}

static uint32_t mechanism_status(IDEUnit *u, uint8_t *p)
{
    memset(p, 0, 8);            /* MMC-3 6.9: no changer, idle */
    p[1] = u->tray_open ? 0x10 : 0;
    return 8;
}

/* ---- dispatch ---- */

/* Commands that report a pending UNIT ATTENTION rather than run (SPC-3
 * 5.9.7: INQUIRY and REQUEST SENSE never do; MMC adds GET CONFIGURATION
 * and GET EVENT STATUS NOTIFICATION). */
static bool ua_exempt(uint8_t op)
{
    return op == 0x12 || op == 0x03 || op == 0x46 || op == 0x4a;
}

/* Commands that need a medium. */
static bool needs_medium(uint8_t op)
{
    return op == 0x00 || op == 0x25 || op == 0x28 || op == 0xa8 || op == 0xbe ||
           op == 0xb9 || op == 0x43 || op == 0x2b || op == 0x51;
}

static void tray_move(IDEUnit *u, bool open)
{
    if (u->tray_open != open) {
        u->tray_open = open;
        blk_notify_tray_moved(u->dev->blk, open);
    }
}

void atapi_exec(IDEUnit *u)
{
    uint8_t cdb[12];
    memcpy(cdb, u->io_buffer, 12);
    uint8_t *p = u->io_buffer;
    uint8_t op = cdb[0];
    int len;

    if (u->unit_attention && !ua_exempt(op)) {
        u->unit_attention = false;
        check_condition(u, SK_UNIT_ATTENTION, ASC_MEDIUM_CHANGED, 0);
        return;
    }
    if (needs_medium(op) && !has_medium(u)) {
        not_ready(u);
        return;
    }
    switch (op) {
    case 0x00:                  /* TEST UNIT READY */
    case 0x2b:                  /* SEEK(10) */
    case 0xbb:                  /* SET CD SPEED */
        atapi_ok(u);
        return;
    case 0x03:                  /* REQUEST SENSE */
        len = request_sense(u, p);
        send_buffer(u, MIN((uint32_t)len, cdb[4]));
        return;
    case 0x12:                  /* INQUIRY */
        len = inquiry(u, p);
        send_buffer(u, MIN((uint32_t)len, be16(cdb + 3)));
        return;
    case 0x1b: {                /* START STOP UNIT (MMC-3 6.37) */
        bool loej = cdb[4] & 2, start = cdb[4] & 1;
        if (loej) {
            if (!start && u->tray_locked) {
                check_condition(u, SK_ILLEGAL_REQUEST, ASC_REMOVAL_PREVENTED, 0x02);
                return;
            }
            tray_move(u, !start);
        }
        atapi_ok(u);
        return;
    }
    case 0x1e:                  /* PREVENT ALLOW MEDIUM REMOVAL */
        u->tray_locked = cdb[4] & 1;
        blk_notify_medium_locked(u->dev->blk, u->tray_locked);
        atapi_ok(u);
        return;
    case 0x25: {                /* READ CAPACITY */
        uint32_t total = total_cd_sectors(u);
        st_be32(p, total ? total - 1 : 0);
        st_be32(p + 4, CD_SECTOR_SIZE);
        send_buffer(u, 8);
        return;
    }
    case 0x28:                  /* READ(10) */
        start_read(u, be32(cdb + 2), be16(cdb + 7), RCD_USER);
        return;
    case 0xa8:                  /* READ(12) */
        start_read(u, be32(cdb + 2), be32(cdb + 6), RCD_USER);
        return;
    case 0xbe:                  /* READ CD (MMC-3 6.19) */
    case 0xb9:                  /* READ CD MSF (MMC-3 6.20) */
        read_cd(u, cdb);
        return;
    case 0x43:                  /* READ TOC/PMA/ATIP */
        len = read_toc(u, cdb, p);
        if (len < 0) {
            check_condition(u, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
            return;
        }
        send_buffer(u, MIN((uint32_t)len, be16(cdb + 7)));
        return;
    case 0x46:                  /* GET CONFIGURATION */
        len = get_configuration(u, cdb, p);
        send_buffer(u, MIN((uint32_t)len, be16(cdb + 7)));
        return;
    case 0x4a:                  /* GET EVENT STATUS NOTIFICATION */
        len = event_status(u, cdb, p);
        if (len < 0) {
            check_condition(u, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
            return;
        }
        send_buffer(u, MIN((uint32_t)len, be16(cdb + 7)));
        return;
    case 0x5a:                  /* MODE SENSE(10) */
        len = mode_sense(u, cdb, p);
        if (len < 0) {
            check_condition(u, SK_ILLEGAL_REQUEST,
                            len == -2 ? ASC_SAVING_NOT_SUPPORTED : ASC_INVALID_FIELD, 0);
            return;
        }
        send_buffer(u, MIN((uint32_t)len, be16(cdb + 7)));
        return;
    case 0x55: {                /* MODE SELECT(10) (SPC-3 6.11) */
        uint32_t n = be16(cdb + 7);
        /* Page format (PF) is the only format; pages cannot be saved (SP). */
        /* The longest list that means anything is 44 bytes (header, block
         * descriptor, both pages); one that does not fit the buffer after
         * the CDB is refused before its data phase. */
        if (!(cdb[1] & 0x10) || (cdb[1] & 0x01) || n > IDE_BUF_SIZE - PARAM_OFF) {
            check_condition(u, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
            return;
        }
        if (!n) {
            atapi_ok(u);
            return;
        }
        receive_params(u, n);
        return;
    }
    case 0xbd:                  /* MECHANISM STATUS */
        len = mechanism_status(u, p);
        send_buffer(u, MIN((uint32_t)len, be16(cdb + 8)));
        return;
    case 0x51:                  /* READ DISC INFORMATION (MMC-3 6.22) */
        memset(p, 0, 34);
        st_be16(p, 32);
        p[2] = 0x0e;            /* last session complete, disc finalized */
        p[3] = 1;
        p[4] = 1;
        p[5] = 1;
        p[6] = 1;
        send_buffer(u, MIN(34u, be16(cdb + 7)));
        return;
    }
    check_condition(u, SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE, 0);
}

/* The data-out phase ended: run the command with its parameters. */
void atapi_data_out_done(IDEUnit *u)
{
    const uint8_t *cdb = u->io_buffer;
    uint32_t len = u->data_end > PARAM_OFF ? u->data_end - PARAM_OFF : 0;
    u->xfer = XFER_NONE;
    u->data_pos = u->data_end = u->drq_end = 0;
    if (cdb[0] != 0x55) {
        check_condition(u, SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE, 0);
        return;
    }
    uint8_t asc = mode_select(u, u->io_buffer + PARAM_OFF, len);
    if (asc) {
        check_condition(u, SK_ILLEGAL_REQUEST, asc, 0);
        return;
    }
    atapi_ok(u);
}

/* ---- IDENTIFY PACKET DEVICE (ATA-6 8.16, table 30) ---- */

static void put16(uint8_t *buf, int word, uint16_t v)
{
    buf[word * 2] = v;
    buf[word * 2 + 1] = v >> 8;
}

void atapi_identify(IDEUnit *u)
{
    IDEDevice *d = u->dev;
    uint8_t *p = u->io_buffer;
    bool dma = u->ch->dma != NULL;
    memset(p, 0, 512);
    /* ATAPI (15:14 = 10b), CD-ROM (12:8 = 05h), removable (7), DRQ within
     * 50 us of PACKET (6:5 = 10b), 12-byte packets (1:0 = 00b). */
    put16(p, 0, 0x85c0);
    ide_padstr(p + 20, d->serial, 20);
    ide_padstr(p + 46, d->ver, 8);
    ide_padstr(p + 54, d->model, 40);
    put16(p, 49, (1 << 9) | (dma ? 1 << 8 : 0));   /* LBA, DMA */
    put16(p, 53, 0x0003);
    if (dma) {
        uint16_t sel = (u->xfer_mode >> 3) == 4 ? 1 << (8 + (u->xfer_mode & 7)) : 0;
        put16(p, 63, 0x0007 | sel);
    }
    put16(p, 64, 0x0003);
    put16(p, 65, 120);
    put16(p, 66, 120);
    put16(p, 67, 120);
    put16(p, 68, 120);
    put16(p, 80, 0x00f0);
    put16(p, 82, (1 << 14) | (1 << 4));       /* NOP, PACKET */
    put16(p, 83, 1 << 14);
    put16(p, 84, 1 << 14);
    put16(p, 85, (1 << 14) | (1 << 4));
    put16(p, 87, 1 << 14);
}

/* ---- removable media (the block layer's BlockDevOps) ---- */

void atapi_media_changed(IDEUnit *u, bool load)
{
    if (load) {
        /* A new disc and the tray closed: report it once (MMC-3 media
         * event 2 "new media", UNIT ATTENTION 28/00). */
        tray_move(u, false);
        u->event = 2;
        u->unit_attention = true;
    } else {
        tray_move(u, true);
        u->event = 3;           /* media removal */
    }
}

void atapi_eject_request(IDEUnit *u, bool force)
{
    if (u->tray_locked && !force) {
        u->event = 1;           /* eject request, for the guest to honour */
        return;
    }
    if (force) {
        u->tray_locked = false;
    }
    tray_move(u, true);
}
