/*
 * An IDE channel as the host sees it: the command block (eight registers
 * at 0x1F0/0x170 on a PC) and the control block (device control /
 * alternate status at 0x3F6/0x376), shared by a master and a slave that
 * both latch every task-file write and answer by the DEV bit; INTRQ;
 * soft reset.  ATA/ATAPI-6 chapter 7 (registers) and 9.2 (resets).
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "ide.h"

static inline IDEUnit *cur_unit(IDEChannel *ch)
{
    return &ch->unit[ch->cur];
}

static void update_irq(IDEChannel *ch)
{
    /* nIEN releases INTRQ (ATA-6 7.8): the line is high only while a
     * device has an interrupt pending and interrupts are enabled. */
    if (ch->set_irq) {
        ch->set_irq(ch->irq_opaque, ch->intrq && !(ch->devctl & CTL_NIEN));
    }
}

void ide_raise_irq(IDEUnit *u)
{
    u->ch->intrq = true;
    update_irq(u->ch);
}

static void lower_irq(IDEChannel *ch)
{
    ch->intrq = false;
    update_irq(ch);
}

/* ---- register reads ---- */

/* Register reads the selected device answers.  As QEMU's model (and what
 * libata's probing expects): with no device on the channel everything
 * reads 0; with device 1 selected but absent, device 0 answers 0 for
 * everything but Device/Head (ATA-6 9.16.1: device 0 responds for an
 * absent device 1). */
static bool answers(IDEChannel *ch)
{
    return ide_unit_present(cur_unit(ch));
}

uint32_t ide_ioport_read(IDEChannel *ch, unsigned reg, unsigned size)
{
    IDEUnit *u = cur_unit(ch);
    bool hob = ch->devctl & CTL_HOB;
    bool none = !ide_unit_present(&ch->unit[0]) && !ide_unit_present(&ch->unit[1]);

    if (reg == IDE_DATA) {
        if (!answers(ch) || !(u->status & ST_DRQ) ||
            (u->xfer != XFER_PIO_IN) || u->data_pos >= u->drq_end) {
            return size == 4 ? 0xffffffffu : size == 2 ? 0xffff : 0xff;
        }
        uint32_t n = MIN(size, u->drq_end - u->data_pos), v = 0;
        for (uint32_t i = 0; i < n; i++) {
            v |= (uint32_t)u->io_buffer[u->data_pos + i] << (8 * i);
        }
        u->data_pos += n;
        if (u->data_pos >= u->drq_end) {
            ide_pio_done_block(u);
        }
        return v;
    }
    if (reg == IDE_SELECT) {
        return none ? 0 : u->select;
    }
    if (!answers(ch)) {
        return 0;
    }
    switch (reg) {
    case IDE_ERROR_FEATURE:
        return hob ? u->hob_feature : u->error;
    case IDE_NSECTOR:
        return hob ? u->hob_nsector : u->nsector;
    case IDE_SECTOR:
        return hob ? u->hob_sector : u->sector;
    case IDE_LCYL:
        return hob ? u->hob_lcyl : u->lcyl;
    case IDE_HCYL:
        return hob ? u->hob_hcyl : u->hcyl;
    default:
        /* Reading Status acknowledges the interrupt (ATA-6 7.15). */
        lower_irq(ch);
        return u->status;
    }
}

uint8_t ide_altstatus_read(IDEChannel *ch)
{
    return answers(ch) ? cur_unit(ch)->status : 0;
}

/* ---- register writes ---- */

static void data_write(IDEChannel *ch, uint32_t val, unsigned size)
{
    IDEUnit *u = cur_unit(ch);
    if (!answers(ch) || !(u->status & ST_DRQ) ||
        (u->xfer != XFER_PIO_OUT && u->xfer != XFER_PACKET) || u->data_pos >= u->drq_end) {
        log_mask(LOG_GUEST_ERROR, "ide: data port write with no transfer open\n");
        return;
    }
    uint32_t n = MIN(size, u->drq_end - u->data_pos);
    for (uint32_t i = 0; i < n; i++) {
        u->io_buffer[u->data_pos + i] = val >> (8 * i);
    }
    u->data_pos += n;
    if (u->data_pos >= u->drq_end) {
        ide_pio_done_block(u);
    }
}

void ide_ioport_write(IDEChannel *ch, unsigned reg, uint32_t val, unsigned size)
{
    if (reg == IDE_DATA) {
        data_write(ch, val, size);
        return;
    }
    uint8_t v = val;
    if (reg != IDE_STATUS_CMD) {
        /* A write to a command block register clears HOB (ATA-6 7.8). */
        ch->devctl &= ~CTL_HOB;
    }
    /* Both devices latch task-file writes (ATA-6 7.1); a busy device
     * ignores them (the host "shall not" write them while BSY). */
    for (int i = 0; i < 2; i++) {
        IDEUnit *u = &ch->unit[i];
        if (reg != IDE_STATUS_CMD && reg != IDE_SELECT && (u->status & ST_BSY)) {
            continue;
        }
        switch (reg) {
        case IDE_ERROR_FEATURE:
            u->hob_feature = u->feature;
            u->feature = v;
            break;
        case IDE_NSECTOR:
            u->hob_nsector = u->nsector;
            u->nsector = v;
            break;
        case IDE_SECTOR:
            u->hob_sector = u->sector;
            u->sector = v;
            break;
        case IDE_LCYL:
            u->hob_lcyl = u->lcyl;
            u->lcyl = v;
            break;
        case IDE_HCYL:
            u->hob_hcyl = u->hcyl;
            u->hcyl = v;
            break;
        case IDE_SELECT:
            /* Bits 7 and 5 are obsolete and read back as written on most
             * drives; keep what the host wrote. */
            u->select = v;
            break;
        }
    }
    if (reg == IDE_SELECT) {
        if (!(cur_unit(ch)->status & ST_BSY)) {
            ch->cur = (v & SEL_DEV) ? 1 : 0;
        }
        return;
    }
    if (reg == IDE_STATUS_CMD) {
        IDEUnit *u = cur_unit(ch);
        if (!ide_unit_present(u)) {
            /* No device there: nobody executes it (ATA-6 9.16.1). */
            return;
        }
        /* A new command is ignored while busy or mid-transfer, except
         * DEVICE RESET for a packet device (ATA-6 8.10). */
        if ((u->status & (ST_BSY | ST_DRQ)) && !(v == 0x08 && u->dev->kind == IDE_CD)) {
            log_mask(LOG_GUEST_ERROR, "ide: command 0x%02x while busy ignored\n", v);
            return;
        }
        lower_irq(ch);
        ide_exec_cmd(u, v);
    }
}

/* ---- resets ---- */

static void soft_reset_unit(IDEUnit *u, bool assert)
{
    ide_cancel(u);
    if (assert) {
        u->status = ST_BSY;
        return;
    }
    ide_unit_reset_signature(u);
    u->mult_sectors = 0;
    u->sleeping = false;
    u->power = 0xff;
}

void ide_devctl_write(IDEChannel *ch, uint8_t val)
{
    bool was = ch->devctl & CTL_SRST, now = val & CTL_SRST;
    ch->devctl = val;
    if (!was && now) {
        /* SRST: both devices go busy until it is cleared (ATA-6 9.2). */
        for (int i = 0; i < 2; i++) {
            soft_reset_unit(&ch->unit[i], true);
        }
        ch->intrq = false;
    } else if (was && !now) {
        for (int i = 0; i < 2; i++) {
            soft_reset_unit(&ch->unit[i], false);
        }
        ch->cur = 0;
    }
    update_irq(ch);
}

void ide_channel_reset(IDEChannel *ch)
{
    ch->devctl = 0;
    ch->cur = 0;
    ch->intrq = false;
    for (int i = 0; i < 2; i++) {
        soft_reset_unit(&ch->unit[i], false);
        /* A reset brings back the write cache of the -drive cache mode
         * (a guest may have turned it off with SET FEATURES). */
        ch->unit[i].wce = ch->unit[i].dev && ch->unit[i].dev->wce_default;
        ch->unit[i].xfer_mode = 0;
        ch->unit[i].err_recovery = ch->unit[i].read_retry = 0;
        if (ch->unit[i].dev) {
            blk_set_enable_write_cache(ch->unit[i].dev->blk, ch->unit[i].wce);
        }
    }
    update_irq(ch);
}

void ide_channel_dma_changed(IDEChannel *ch, bool started)
{
    for (int i = 0; i < 2; i++) {
        IDEUnit *u = &ch->unit[i];
        if (u->xfer != XFER_DMA_IN && u->xfer != XFER_DMA_OUT) {
            continue;
        }
        if (started) {
            ide_dma_pump(u);
        } else if (u->acb) {
            /* The host stopped the engine mid-transfer: drop the chunk in
             * flight; a restart begins it again (and the PRD table from
             * its start). */
            blk_aio_cancel(u->acb);
            u->acb = NULL;
            u->pending = PEND_NONE;
            ide_dma_unmap(u, false);
        }
    }
}

/* ---- the controllers' register windows (opaque: the IDEChannel) ---- */

static uint64_t cmd_read(void *opaque, hwaddr addr, unsigned size)
{
    return ide_ioport_read(opaque, addr & 7, size);
}

static void cmd_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    ide_ioport_write(opaque, addr & 7, val, size);
}

const MemoryRegionOps ide_cmd_ops = {
    .read = cmd_read,
    .write = cmd_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

static uint64_t ctl_read(void *opaque, hwaddr addr, unsigned size)
{
    return addr == 0 ? ide_altstatus_read(opaque) : 0xff;
}

static void ctl_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    if (addr == 0) {
        ide_devctl_write(opaque, val);
    }
}

const MemoryRegionOps ide_ctl_ops = {
    .read = ctl_read,
    .write = ctl_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* ---- set-up ---- */

void ide_channel_init(IDEChannel *ch, DeviceState *owner, const char *bus_name,
                      void (*set_irq)(void *, int), void *opaque)
{
    ch->owner = owner;
    ch->set_irq = set_irq;
    ch->irq_opaque = opaque;
    for (int i = 0; i < 2; i++) {
        ch->unit[i].ch = ch;
        ch->unit[i].unit = i;
        ch->unit[i].power = 0xff;
    }
    ch->bus = bus_new(TYPE_IDE_BUS, owner, bus_name);
    IDE_BUS(ch->bus)->ch = ch;
}

char *ide_bus_name(const char *given, int preferred)
{
    /* QEMU numbers every IDE bus "ide.N"; a controller asks for its own
     * number and gets the first free one when that is taken (several
     * controllers in a test harness, say). */
    if (given) {
        return g_strdup(given);
    }
    char *name = g_strdup_printf("ide.%d", MAX(preferred, 0));
    for (int n = 0; bus_find(name); n++) {
        g_free(name);
        name = g_strdup_printf("ide.%d", n);
    }
    return name;
}

void ide_channel_set_dma(IDEChannel *ch, const IDEDMAOps *ops, void *opaque)
{
    ch->dma = ops;
    ch->dma_opaque = opaque;
}

bool ide_channel_add_drives(IDEChannel *ch, int drive_bus, Error **errp)
{
    for (int unit = 0; unit < 2 && drive_bus >= 0; unit++) {
        BlockBackend *blk = board_drive_get(IF_IDE, drive_bus, unit);
        if (!blk) {
            continue;
        }
        const char *type = blk_get_media(blk) == BLOCK_MEDIA_CDROM ? TYPE_IDE_CD : TYPE_IDE_HD;
        DeviceState *dev = device_new_checked(type, errp);
        if (!dev) {
            return false;
        }
        char unit_s[4];
        snprintf(unit_s, sizeof(unit_s), "%d", unit);
        if (!object_property_parse(OBJECT(dev), "drive", blk_name(blk), errp) ||
            !object_property_parse(OBJECT(dev), "unit", unit_s, errp) ||
            !device_realize(dev, ch->bus, errp)) {
            object_unref(OBJECT(dev));
            return false;
        }
        object_unref(OBJECT(dev));
    }
    return true;
}

/* ---- state ---- */

static bool unit_post_load(void *opaque, int version_id, Error **errp)
{
    IDEUnit *u = opaque;
    if (u->data_end > IDE_BUF_SIZE || u->drq_end > u->data_end || u->data_pos > u->drq_end ||
        u->chunk > (u->dma_direct ? IDE_MAX_SECTORS : IDE_BUF_SIZE / IDE_SECTOR_SIZE) ||
        u->pending > PEND_FLUSH || u->xfer > XFER_DMA_OUT) {
        error_setg(errp, "ide: transfer window %u/%u/%u out of the buffer", u->data_pos,
                   u->drq_end, u->data_end);
        return false;
    }
    if (u->dma_direct && ((u->xfer != XFER_DMA_IN && u->xfer != XFER_DMA_OUT) ||
                          (u->pending != PEND_READ && u->pending != PEND_WRITE) ||
                          u->cd_fields)) {
        error_setg(errp, "ide: a direct DMA request outside a DMA transfer");
        return false;
    }
    /* The mapping itself is not state: a restart maps again. */
    u->dma_niov = 0;
    if (atapi_read_cd_frame(u->cd_fields, NULL, NULL) < 0 ||
        (u->cd_fields && u->dev && u->chunk > atapi_chunk_sectors(u))) {
        error_setg(errp, "ide: READ CD fields 0x%02x with %u sectors in the buffer",
                   u->cd_fields, u->chunk);
        return false;
    }
    if (u->xfer != XFER_NONE && !u->dev) {
        error_setg(errp, "ide: a transfer on an absent unit");
        return false;
    }
    u->acb = NULL;
    return true;
}

static bool unit_dma_direct_needed(void *opaque)
{
    return ((IDEUnit *)opaque)->dma_direct;
}

static const VMStateDescription vmstate_ide_unit_dma_direct = {
    .name = "ide-unit/dma-direct",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_BOOL(dma_direct, IDEUnit),
        VMSTATE_END_OF_LIST()
    },
};

/* READ CD's sector format, only while such a read runs (streams from
 * before it have none: a plain read). */
static bool read_cd_needed(void *opaque)
{
    return ((IDEUnit *)opaque)->cd_fields != 0;
}

static const VMStateDescription vmstate_ide_unit_read_cd = {
    .name = "ide-unit/read-cd",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(cd_fields, IDEUnit),
        VMSTATE_END_OF_LIST()
    },
};

/* The error recovery page's values, once MODE SELECT changed them. */
static bool mode_page1_needed(void *opaque)
{
    IDEUnit *u = opaque;
    return u->err_recovery || u->read_retry;
}

static const VMStateDescription vmstate_ide_unit_mode_page1 = {
    .name = "ide-unit/mode-page-1",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(err_recovery, IDEUnit),
        VMSTATE_UINT8(read_retry, IDEUnit),
        VMSTATE_END_OF_LIST()
    },
};

static void unit_pre_load(void *opaque)
{
    IDEUnit *u = opaque;
    /* Streams without the subsections: none of these. */
    u->cd_fields = 0;
    u->err_recovery = u->read_retry = 0;
    u->dma_direct = false;
}

static const VMStateDescription vmstate_ide_unit = {
    .name = "ide-unit",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_load = unit_pre_load,
    .post_load = unit_post_load,
    .subsections = (const VMStateSubsection[]) {
        { &vmstate_ide_unit_read_cd, read_cd_needed },
        { &vmstate_ide_unit_mode_page1, mode_page1_needed },
        { &vmstate_ide_unit_dma_direct, unit_dma_direct_needed },
        { NULL }
    },
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(feature, IDEUnit),
        VMSTATE_UINT8(nsector, IDEUnit),
        VMSTATE_UINT8(sector, IDEUnit),
        VMSTATE_UINT8(lcyl, IDEUnit),
        VMSTATE_UINT8(hcyl, IDEUnit),
        VMSTATE_UINT8(select, IDEUnit),
        VMSTATE_UINT8(hob_feature, IDEUnit),
        VMSTATE_UINT8(hob_nsector, IDEUnit),
        VMSTATE_UINT8(hob_sector, IDEUnit),
        VMSTATE_UINT8(hob_lcyl, IDEUnit),
        VMSTATE_UINT8(hob_hcyl, IDEUnit),
        VMSTATE_UINT8(status, IDEUnit),
        VMSTATE_UINT8(error, IDEUnit),
        VMSTATE_UINT8(cmd, IDEUnit),
        VMSTATE_UINT8_MAX(mult_sectors, IDEUnit, IDE_MAX_MULT),
        VMSTATE_UINT16(cur_heads, IDEUnit),
        VMSTATE_UINT16(cur_secs, IDEUnit),
        VMSTATE_UINT8(xfer_mode, IDEUnit),
        VMSTATE_BOOL(wce, IDEUnit),
        VMSTATE_UINT8(power, IDEUnit),
        VMSTATE_BOOL(sleeping, IDEUnit),
        VMSTATE_ENUM(xfer, IDEUnit, XFER_DMA_OUT),
        VMSTATE_ENUM(pending, IDEUnit, PEND_FLUSH),
        VMSTATE_BOOL(dma_stalled, IDEUnit),
        VMSTATE_UINT64(lba, IDEUnit),
        VMSTATE_UINT32(remaining, IDEUnit),
        VMSTATE_UINT32(chunk, IDEUnit),
        VMSTATE_UINT32_MAX(drq_sectors, IDEUnit, IDE_MAX_MULT),
        VMSTATE_UINT32(data_pos, IDEUnit),
        VMSTATE_UINT32(data_end, IDEUnit),
        VMSTATE_UINT32(drq_end, IDEUnit),
        VMSTATE_UINT8(sense_key, IDEUnit),
        VMSTATE_UINT8(asc, IDEUnit),
        VMSTATE_UINT8(ascq, IDEUnit),
        VMSTATE_BOOL(unit_attention, IDEUnit),
        VMSTATE_BOOL(tray_open, IDEUnit),
        VMSTATE_BOOL(tray_locked, IDEUnit),
        VMSTATE_UINT8(event, IDEUnit),
        VMSTATE_UINT16(byte_limit, IDEUnit),
        VMSTATE_UINT32(atapi_bytes, IDEUnit),
        VMSTATE_BOOL(atapi_dma, IDEUnit),
        VMSTATE_BUFFER(io_buffer, IDEUnit),
        VMSTATE_END_OF_LIST()
    },
};

static bool channel_post_load(void *opaque, int version_id, Error **errp)
{
    IDEChannel *ch = opaque;
    if (ch->cur > 1) {
        error_setg(errp, "ide: selected unit %u", ch->cur);
        return false;
    }
    update_irq(ch);
    /* A request that was in flight when the state was saved (the block
     * layer drained it, but its successor may have been issued) starts
     * again. */
    for (int i = 0; i < 2; i++) {
        ide_restart(&ch->unit[i]);
    }
    return true;
}

const VMStateDescription vmstate_ide_channel = {
    .name = "ide-channel",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = channel_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT_ARRAY(unit, IDEChannel, 2, vmstate_ide_unit, IDEUnit),
        VMSTATE_UINT8_MAX(cur, IDEChannel, 1),
        VMSTATE_UINT8(devctl, IDEChannel),
        VMSTATE_BOOL(intrq, IDEChannel),
        VMSTATE_END_OF_LIST()
    },
};
