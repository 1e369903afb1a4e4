/*
 * IDE: what the controllers (piix3-ide, isa-ide, mmio-ide), the channel
 * (task file, PIO, the ATA command set) and the ATAPI command set share.
 *
 * A controller embeds one IDEChannel per channel.  The channel owns an
 * "IDE" bus ("ide.0", "ide.1" under piix3-ide) where ide-hd and ide-cd
 * devices plug in at unit 0 (master) or 1 (slave).  Register state, the
 * I/O buffer and the transfer in progress live in the channel's IDEUnit
 * (one per position) so that the controller's vmstate carries all of it.
 *
 * References: ATA/ATAPI-6 (T13/1410D rev 3b) and ATA/ATAPI-7 vol. 1
 * (T13/1532D); SCSI MMC-3 / SPC-3 for the packet commands; "Programming
 * Interface for Bus Master IDE Controller" rev 1.0 (SFF-8038i) for
 * bus-master DMA.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef IDE_H
#define IDE_H

#include <cardcage/cardcage.h>

#define TYPE_IDE_BUS    "IDE"
#define TYPE_IDE_DEVICE "ide-device"
#define TYPE_IDE_HD     "ide-hd"
#define TYPE_IDE_CD     "ide-cd"

/* Command block register offsets (ATA-6 7.1, table 20). */
enum {
    IDE_DATA = 0, IDE_ERROR_FEATURE = 1, IDE_NSECTOR = 2, IDE_SECTOR = 3,
    IDE_LCYL = 4, IDE_HCYL = 5, IDE_SELECT = 6, IDE_STATUS_CMD = 7,
};

/* Status register (ATA-6 7.15). */
#define ST_BSY  0x80
#define ST_DRDY 0x40
#define ST_DF   0x20
#define ST_DSC  0x10    /* seek complete (obsolete in ATA-6, set as drives do) */
#define ST_DRQ  0x08
#define ST_ERR  0x01

/* Error register (ATA-6 7.9). */
#define ER_UNC  0x40
#define ER_MC   0x20
#define ER_IDNF 0x10
#define ER_ABRT 0x04

/* Device/Head register (ATA-6 7.10): bit 4 DEV, bit 6 LBA; bits 7 and 5
 * obsolete, set by old hosts. */
#define SEL_DEV 0x10
#define SEL_LBA 0x40

/* Device Control register (ATA-6 7.8). */
#define CTL_HOB  0x80
#define CTL_SRST 0x04
#define CTL_NIEN 0x02

/* ATAPI interrupt reason in the Sector Count register (ATA-6 8.21.2). */
#define IR_COD 0x01
#define IR_IO  0x02

#define IDE_SECTOR_SIZE 512
#define CD_SECTOR_SIZE  2048
/* A whole CD sector as read off the disc: sync, header, data, EDC/ECC
 * (ECMA-130 14.3); READ CD adds up to 296 bytes of C2 error flags. */
#define CD_RAW_SECTOR_SIZE 2352
#define CD_C2_MAX       296
/* One I/O buffer per unit: the DMA chunk (128 ATA sectors, 32 CD
 * sectors), PIO blocks and ATAPI responses all fit. */
#define IDE_BUF_SIZE    65536
/* A DMA transfer whose PRD entries point at RAM goes to the block layer
 * as one vectored request straight over guest memory, up to this many
 * host segments (Linux's IOV_MAX, what one preadv takes); the rest, and
 * entries pointing anywhere else, go through io_buffer. */
#define IDE_DMA_MAX_SEGS 1024
/* Sectors of one command at most: 65536 (an LBA48 count of 0, ATA-6
 * 8.x "Sector Count"). */
#define IDE_MAX_SECTORS 65536
/* Sectors per READ/WRITE MULTIPLE block at most (IDENTIFY word 47). */
#define IDE_MAX_MULT    16

typedef enum IDEKind { IDE_ABSENT, IDE_HD, IDE_CD } IDEKind;

/* What the unit is doing. */
typedef enum IDEXfer {
    XFER_NONE,
    XFER_PIO_IN,        /* device to host through the data port */
    XFER_PIO_OUT,       /* host to device */
    XFER_PACKET,        /* receiving an ATAPI command packet */
    XFER_DMA_IN,        /* device to memory */
    XFER_DMA_OUT,       /* memory to device */
} IDEXfer;

/* The block request in flight, so that a restored machine can issue it
 * again (post_load) and a reset can cancel it. */
typedef enum IDEPending {
    PEND_NONE,
    PEND_READ,          /* sectors into io_buffer */
    PEND_WRITE,         /* io_buffer to sectors */
    PEND_FLUSH,
} IDEPending;

typedef struct IDEChannel IDEChannel;
typedef struct IDEDevice IDEDevice;

typedef struct IDEUnit {
    IDEChannel *ch;
    IDEDevice *dev;              /* NULL: nothing at this position */
    int unit;
    /* Task file (ATA-6 7.x): each device keeps the values written to the
     * channel; hob_* the previous ones (48-bit commands, 7.8 HOB). */
    uint8_t feature, nsector, sector, lcyl, hcyl, select;
    uint8_t hob_feature, hob_nsector, hob_sector, hob_lcyl, hob_hcyl;
    uint8_t status, error, cmd;
    /* ATA */
    uint8_t mult_sectors;        /* SET MULTIPLE MODE; 0: disabled */
    uint16_t cur_heads, cur_secs;   /* INITIALIZE DEVICE PARAMETERS */
    uint8_t xfer_mode;           /* SET FEATURES 03h value */
    bool wce;                    /* volatile write cache enabled */
    uint8_t power;               /* CHECK POWER MODE answer: 0xff or 0x00 */
    bool sleeping;
    /* The transfer. */
    IDEXfer xfer;
    IDEPending pending;
    bool dma_stalled;            /* the PRD table ran out before the data */
    uint64_t lba;                /* next sector of the command */
    uint32_t remaining;          /* sectors after those in the buffer */
    uint32_t chunk;              /* sectors in the buffer (or in flight) */
    uint32_t drq_sectors;        /* sectors per PIO DRQ block */
    uint32_t data_pos, data_end; /* the PIO window in io_buffer */
    uint32_t drq_end;            /* end of the current DRQ block */
    /* ATAPI */
    uint8_t sense_key, asc, ascq;
    bool unit_attention;         /* a new medium: report it once */
    bool tray_open, tray_locked;
    uint8_t event;               /* GET EVENT STATUS media event code, 0: none */
    uint16_t byte_limit;         /* PACKET byte count limit */
    uint32_t atapi_bytes;        /* response bytes still to come after the buffer */
    uint8_t cd_fields;           /* READ CD byte 9 of the read in progress; 0: 2048-byte user data */
    /* MODE SELECT's changeable fields: the read/write error recovery
     * page's error recovery parameter and read retry count (bytes 2, 3). */
    uint8_t err_recovery, read_retry;
    bool atapi_dma;
    /* The request in flight reads or writes guest RAM directly through
     * dma_iov (the bus master's mapping, released at its completion or
     * cancel); the engine's PRD position moves past it only when it
     * completes.  Saved (a subsection) so that a restored machine maps
     * it again. */
    bool dma_direct;
    int dma_niov;
    struct iovec dma_iov[IDE_DMA_MAX_SEGS];
    BlockAIOCB *acb;
    uint8_t io_buffer[IDE_BUF_SIZE];
} IDEUnit;

/* A bus master (piix3-ide's BMDMA): moves bytes between buf and guest
 * memory along its PRD table. */
typedef struct IDEDMAOps {
    /* The guest started the engine (command register bit 0). */
    bool (*active)(void *opaque);
    /* Move len bytes; returns the bytes moved: fewer when the table ran
     * out, -1 on a bus error (the engine stopped and flagged it). */
    int64_t (*rw)(void *opaque, uint8_t *buf, uint32_t len, bool to_memory);
    /* Optional: map up to len bytes of RAM along the PRD table from where
     * the engine stands, without moving it, into at most max elements of
     * iov; returns the bytes mapped, a multiple of granule (whole
     * sectors), and *niov.  0 when the next bytes are not plain RAM (MMIO,
     * unassigned, bus mastering off), the table ended or cannot be read:
     * rw then moves them, with its errors. */
    uint64_t (*map)(void *opaque, uint64_t len, uint32_t granule, bool to_memory,
                    struct iovec *iov, int max, int *niov);
    /* Release a mapping; commit: its bytes moved (written to memory when
     * to_memory), the engine goes past them. */
    void (*unmap)(void *opaque, const struct iovec *iov, int niov, bool to_memory,
                  bool commit);
    /* The device finished its DMA command (interrupt follows). */
    void (*done)(void *opaque);
} IDEDMAOps;

struct IDEChannel {
    DeviceState *owner;
    BusState *bus;
    IDEUnit unit[2];
    uint8_t index;               /* the controller's channel number: the firmware path's drive@N */
    uint8_t cur;                 /* selected unit (DEV bit) */
    uint8_t devctl;
    bool intrq;                  /* a device asserts INTRQ */
    void (*set_irq)(void *opaque, int level);
    void *irq_opaque;
    const IDEDMAOps *dma;
    void *dma_opaque;
};

typedef struct IDEBus {
    BusState parent_obj;
    IDEChannel *ch;
} IDEBus;

struct IDEDevice {
    DeviceState parent_obj;
    BlockBackend *blk;
    int32_t unit;                /* -1: the first free position */
    char *serial, *model, *ver;
    uint32_t cyls, heads, secs;  /* default geometry */
    int32_t bootindex;           /* place in the firmware's boot order; -1: none */
    IDEKind kind;
    bool wce_default;            /* the -drive cache mode's write cache */
    IDEUnit *u;
};

#define IDE_BUS(obj) OBJECT_CHECK(IDEBus, (obj), TYPE_IDE_BUS)
#define IDE_DEVICE(obj) OBJECT_CHECK(IDEDevice, (obj), TYPE_IDE_DEVICE)

/* channel.c */
void ide_channel_init(IDEChannel *ch, DeviceState *owner, const char *bus_name,
                      void (*set_irq)(void *, int), void *opaque);
/* The name for a channel's bus: given (a bus-name property), else
 * "ide.<preferred>" or the first free "ide.N". */
char *ide_bus_name(const char *given, int preferred);
void ide_channel_set_dma(IDEChannel *ch, const IDEDMAOps *ops, void *opaque);
bool ide_channel_add_drives(IDEChannel *ch, int drive_bus, Error **errp);
void ide_channel_reset(IDEChannel *ch);
uint32_t ide_ioport_read(IDEChannel *ch, unsigned reg, unsigned size);
void ide_ioport_write(IDEChannel *ch, unsigned reg, uint32_t val, unsigned size);
uint8_t ide_altstatus_read(IDEChannel *ch);
void ide_devctl_write(IDEChannel *ch, uint8_t val);
/* The bus master was started or stopped. */
void ide_channel_dma_changed(IDEChannel *ch, bool started);
extern const VMStateDescription vmstate_ide_channel;
extern const MemoryRegionOps ide_cmd_ops, ide_ctl_ops;

/* ata.c: the ATA command set and the transfer engine */
bool ide_unit_present(const IDEUnit *u);
void ide_unit_reset_signature(IDEUnit *u);
void ide_exec_cmd(IDEUnit *u, uint8_t cmd);
void ide_raise_irq(IDEUnit *u);
void ide_cmd_ok(IDEUnit *u);
void ide_abort(IDEUnit *u);
void ide_pio_done_block(IDEUnit *u);
void ide_cancel(IDEUnit *u);
void ide_dma_pump(IDEUnit *u);
void ide_dma_unmap(IDEUnit *u, bool commit);
void ide_restart(IDEUnit *u);
void ide_padstr(uint8_t *dst, const char *src, int len);

/* atapi.c */
void atapi_packet_cmd(IDEUnit *u);
void atapi_exec(IDEUnit *u);
void atapi_pio_next(IDEUnit *u);
/* The next DRQ block of a packet command's data-out phase (MODE SELECT's
 * parameter list), or the command itself once all has come. */
void atapi_pio_out_next(IDEUnit *u);
void atapi_data_out_done(IDEUnit *u);
void atapi_read_done(IDEUnit *u, int ret);
void atapi_identify(IDEUnit *u);
void atapi_media_changed(IDEUnit *u, bool load);
void atapi_eject_request(IDEUnit *u, bool force);
/* The sectors of a read that fit the buffer at once, and the bytes they
 * make once formatted (READ CD's fields) from the 2048-byte sectors
 * just read into io_buffer at u->lba. */
uint32_t atapi_chunk_sectors(IDEUnit *u);
uint32_t atapi_format_chunk(IDEUnit *u);
/* READ CD byte 9: bytes per sector on a Mode 1 disc (0: none selected),
 * -1 when the combination is not allowed. */
int atapi_read_cd_frame(uint8_t fields, uint32_t *start, uint32_t *main_len);

/* cd-sector.c: the 2352-byte Mode 1 sector of data at lba, with EDC and
 * ECC when asked (else those bytes are zero); data may be out + 16. */
void cd_mode1_sector(uint8_t *out, uint32_t lba, const uint8_t *data, bool edc_ecc);

#endif
