/*
 * piix3-ide: function 1 of the Intel 82371SB (PIIX3), the PCI IDE
 * controller (datasheet 290550, chapter 2.3 and 2.7): both channels in
 * legacy ("compatibility") mode at 1F0h-1F7h/3F6h on IRQ14 and
 * 170h-177h/376h on IRQ15, each decoded while bit 15 of its IDETIM
 * register is set, and bus-master DMA through BAR4 (BMIBA) with PRD
 * tables (SFF-8038i, "Programming Interface for Bus Master IDE
 * Controller" rev 1.0).
 *
 * Wiring: GPIO outputs "irq[0]" (primary, IRQ14) and "irq[1]" (secondary,
 * IRQ15).  The -drive if=ide drives of bus 0 and 1 become ide-hd/ide-cd
 * on its buses ide.0 and ide.1.
 *
 * IDETIM is preset to "decode enabled" for both channels at reset (what
 * SeaBIOS programs on QEMU's pc), so that a kernel started without
 * firmware finds the disks too; the legacy ports do not depend on the
 * command register's I/O enable (as in QEMU), the BAR does.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "ide.h"

#define TYPE_PIIX3_IDE "piix3-ide"

/* Configuration registers (290550 2.3). */
#define IDETIM_PRI  0x40         /* 16 bits each; bit 15 IDE decode enable */
#define IDETIM_SEC  0x42
#define IDETIM_IDE  0x8000
#define SIDETIM     0x44
#define BMIBA_BAR   4            /* BAR4 at 20h: 16 bytes of I/O */

/* Bus master registers per channel, at BMIBA + 8 * channel (SFF-8038i
 * 2.0, table 1; 290550 2.7). */
#define BM_CMD      0
#define BM_STATUS   2
#define BM_PRD      4
#define BM_CMD_START  0x01
#define BM_CMD_WRITE  0x08       /* bus master writes to memory (a device read) */
#define BM_ST_ACTIVE  0x01
#define BM_ST_ERROR   0x02       /* write 1 to clear */
#define BM_ST_IRQ     0x04       /* write 1 to clear */
#define BM_ST_DMA_CAP 0x60       /* drive 0/1 DMA capable, software-owned */
/* A PRD table may not cross a 64 KiB boundary (SFF-8038i 1.2): at most
 * 8192 entries of 8 bytes are read per start. */
#define PRD_MAX_ENTRIES 8192
#define PRD_EOT 0x80000000u

/* Where the engine stands in its PRD table: the next descriptor, the
 * bytes left of the current one and where they go, how many descriptors
 * it read since the start, whether the current one was the last. */
typedef struct PRDCursor {
    uint32_t prd, addr, len, entries;
    bool eot;
} PRDCursor;

typedef struct BMDMAState {
    struct PIIX3IDEState *s;
    int n;
    uint8_t cmd, status;
    uint32_t prd_table;
    uint32_t cur_prd, cur_addr, cur_len, entries;
    bool eot;
    /* Where the engine will stand once the mapped request completes (not
     * state: a restored request maps again). */
    PRDCursor mapped_end;
} BMDMAState;

typedef struct PIIX3IDEState {
    PCIDevice parent_obj;
    IDEChannel ch[2];
    BMDMAState bm[2];
    MemoryRegion cmd_io[2], ctl_io[2], bm_io;
    IRQState *irq[2];
} PIIX3IDEState;

#define PIIX3_IDE(obj) OBJECT_CHECK(PIIX3IDEState, (obj), TYPE_PIIX3_IDE)

static const uint16_t legacy_cmd[2] = { 0x1f0, 0x170 };
static const uint16_t legacy_ctl[2] = { 0x3f6, 0x376 };

/* ---- the bus master as the channel sees it ---- */

static bool bm_active(void *opaque)
{
    BMDMAState *bm = opaque;
    return bm->status & BM_ST_ACTIVE;
}

static void bm_stop(BMDMAState *bm, bool error)
{
    bm->status &= ~BM_ST_ACTIVE;
    if (error) {
        bm->status |= BM_ST_ERROR;
    }
}

static PRDCursor cursor_get(const BMDMAState *bm)
{
    return (PRDCursor){ bm->cur_prd, bm->cur_addr, bm->cur_len, bm->entries, bm->eot };
}

static void cursor_set(BMDMAState *bm, const PRDCursor *c)
{
    bm->cur_prd = c->prd;
    bm->cur_addr = c->addr;
    bm->cur_len = c->len;
    bm->entries = c->entries;
    bm->eot = c->eot;
}

/* Read the next descriptor into c (whose current one is used up).
 * Returns 1, 0 when the table ended (EOT, or as many entries as one
 * 64 KiB table holds), -1 when the read failed (at is where). */
static int prd_next(BMDMAState *bm, PRDCursor *c, uint32_t *at)
{
    if (c->eot || c->entries >= PRD_MAX_ENTRIES) {
        return 0;
    }
    uint8_t prd[8];
    /* The table is dword aligned within its 64 KiB (SFF-8038i 2.0
     * "descriptor table pointer"). */
    *at = (bm->prd_table & 0xffff0000u) | (c->prd & 0xfffc);
    if (pci_dma_read(PCI_DEVICE(bm->s), *at, prd, 8) != MEMTX_OK) {
        return -1;
    }
    c->prd += 8;
    c->entries++;
    uint32_t addr = cc_ld_le32(prd), cnt = cc_ld_le32(prd + 4);
    /* Bit 0 of address and count are reserved; a count of 0 means 64 KiB
     * (SFF-8038i 1.2). */
    c->addr = addr & ~1u;
    c->len = (cnt & 0xfffe) ? (cnt & 0xfffe) : 0x10000;
    c->eot = cnt & PRD_EOT;
    return 1;
}

static int64_t bm_rw(void *opaque, uint8_t *buf, uint32_t len, bool to_memory)
{
    BMDMAState *bm = opaque;
    PCIDevice *pci = PCI_DEVICE(bm->s);
    PRDCursor c = cursor_get(bm);
    uint32_t moved = 0;
    while (moved < len) {
        if (!c.len) {
            uint32_t at;
            int r = prd_next(bm, &c, &at);
            if (r <= 0) {
                cursor_set(bm, &c);
                if (r < 0) {
                    log_mask(LOG_GUEST_ERROR, "piix3-ide: PRD read at 0x%x failed\n", at);
                }
                bm_stop(bm, r < 0);
                return r < 0 ? -1 : (int64_t)moved;
            }
        }
        uint32_t n = MIN(c.len, len - moved);
        MemTxResult r = to_memory ? pci_dma_write(pci, c.addr, buf + moved, n)
                                  : pci_dma_read(pci, c.addr, buf + moved, n);
        if (r != MEMTX_OK) {
            cursor_set(bm, &c);
            log_mask(LOG_GUEST_ERROR, "piix3-ide: DMA %s 0x%x+%u failed (bus master %s)\n",
                     to_memory ? "to" : "from", c.addr, n,
                     pci_get_word(pci->config + PCI_COMMAND) & PCI_COMMAND_MASTER ? "on" : "off");
            bm_stop(bm, true);
            return -1;
        }
        c.addr += n;
        c.len -= n;
        moved += n;
    }
    cursor_set(bm, &c);
    return moved;
}

static uint64_t bm_map(void *opaque, uint64_t len, uint32_t granule, bool to_memory,
                       struct iovec *iov, int max, int *niov)
{
    BMDMAState *bm = opaque;
    AddressSpace *as = pci_get_address_space(PCI_DEVICE(bm->s));
    PRDCursor c = cursor_get(bm);
    /* The state after the last whole granule mapped: what is kept. */
    PRDCursor cut_at = c;
    int n = 0, cut_n = 0;
    uint64_t got = 0, cut_got = 0, cut_last = 0;
    while (got < len && n < max) {
        if (!c.len) {
            uint32_t at;
            if (prd_next(bm, &c, &at) <= 0) {
                break;     /* the bounce path reports it */
            }
        }
        hwaddr l = MIN((uint64_t)c.len, len - got);
        void *p = address_space_map_direct(as, c.addr, &l, to_memory);
        if (!p) {
            break;
        }
        iov[n++] = (struct iovec){ p, l };
        uint64_t before = got;
        got += l;
        c.addr += l;
        c.len -= l;
        uint64_t whole = got - got % granule;
        if (whole > before) {
            /* A granule boundary in this piece: cut there. */
            cut_n = n;
            cut_last = l - (got - whole);
            cut_got = whole;
            cut_at = c;
            cut_at.addr -= got - whole;
            cut_at.len += got - whole;
        }
    }
    if (!cut_got) {
        *niov = 0;
        return 0;
    }
    iov[cut_n - 1].iov_len = cut_last;
    *niov = cut_n;
    bm->mapped_end = cut_at;
    return cut_got;
}

static void bm_unmap(void *opaque, const struct iovec *iov, int niov, bool to_memory,
                     bool commit)
{
    BMDMAState *bm = opaque;
    AddressSpace *as = pci_get_address_space(PCI_DEVICE(bm->s));
    for (int i = 0; i < niov; i++) {
        address_space_unmap(as, iov[i].iov_base, iov[i].iov_len, to_memory,
                            commit && to_memory ? iov[i].iov_len : 0);
    }
    if (commit) {
        cursor_set(bm, &bm->mapped_end);
    }
}

static void bm_done(void *opaque)
{
    BMDMAState *bm = opaque;
    /* Active stays set while the table has room left (SFF-8038i 3.1,
     * "Interrupt 1, Active 1": the PRD was larger than the transfer). */
    if (bm->eot && !bm->cur_len) {
        bm->status &= ~BM_ST_ACTIVE;
    }
}

static const IDEDMAOps bm_ops = {
    .active = bm_active,
    .rw = bm_rw,
    .map = bm_map,
    .unmap = bm_unmap,
    .done = bm_done,
};

/* ---- the bus master's registers (BAR4) ---- */

static uint64_t bm_read(void *opaque, hwaddr addr, unsigned size)
{
    PIIX3IDEState *s = opaque;
    BMDMAState *bm = &s->bm[(addr >> 3) & 1];
    unsigned off = addr & 7;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++, off++) {
        uint8_t b;
        switch (off) {
        case BM_CMD:
            b = bm->cmd;
            break;
        case BM_STATUS:
            b = bm->status;
            break;
        case BM_PRD: case BM_PRD + 1: case BM_PRD + 2: case BM_PRD + 3:
            b = bm->prd_table >> (8 * (off - BM_PRD));
            break;
        default:
            b = 0;
        }
        v |= (uint64_t)b << (8 * i);
    }
    return v;
}

static void bm_write_cmd(BMDMAState *bm, uint8_t val)
{
    IDEChannel *ch = &bm->s->ch[bm->n];
    bool was = bm->cmd & BM_CMD_START, now = val & BM_CMD_START;
    bm->cmd = val & (BM_CMD_START | BM_CMD_WRITE);
    if (!was && now) {
        bm->status |= BM_ST_ACTIVE;
        bm->cur_prd = bm->prd_table;
        bm->cur_len = 0;
        bm->entries = 0;
        bm->eot = false;
        ide_channel_dma_changed(ch, true);
    } else if (was && !now) {
        bm->status &= ~BM_ST_ACTIVE;
        ide_channel_dma_changed(ch, false);
    }
}

static void bm_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PIIX3IDEState *s = opaque;
    BMDMAState *bm = &s->bm[(addr >> 3) & 1];
    unsigned off = addr & 7;
    for (unsigned i = 0; i < size; i++, off++) {
        uint8_t b = val >> (8 * i);
        switch (off) {
        case BM_CMD:
            bm_write_cmd(bm, b);
            break;
        case BM_STATUS:
            bm->status = (bm->status & ~(BM_ST_DMA_CAP | (b & (BM_ST_ERROR | BM_ST_IRQ)))) |
                         (b & BM_ST_DMA_CAP);
            break;
        case BM_PRD: case BM_PRD + 1: case BM_PRD + 2: case BM_PRD + 3: {
            unsigned sh = 8 * (off - BM_PRD);
            bm->prd_table = (bm->prd_table & ~(0xffu << sh)) | ((uint32_t)b << sh);
            bm->prd_table &= ~3u;      /* dword aligned */
            break;
        }
        }
    }
}

static const MemoryRegionOps bm_io_ops = {
    .read = bm_read,
    .write = bm_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

/* ---- interrupts ---- */

static void channel_irq(void *opaque, int level)
{
    BMDMAState *bm = opaque;
    if (level) {
        /* The bus master latches the device's interrupt (SFF-8038i 2.0). */
        bm->status |= BM_ST_IRQ;
    }
    irq_set(bm->s->irq[bm->n], level);
}

/* ---- legacy decode ---- */

static void update_decode(PIIX3IDEState *s)
{
    PCIDevice *d = PCI_DEVICE(s);
    for (int i = 0; i < 2; i++) {
        bool on = pci_get_word(d->config + (i ? IDETIM_SEC : IDETIM_PRI)) & IDETIM_IDE;
        memory_region_set_enabled(&s->cmd_io[i], on);
        memory_region_set_enabled(&s->ctl_io[i], on);
    }
}

static void piix3_ide_config_write(PCIDevice *d, uint32_t addr, uint32_t val, unsigned len)
{
    pci_default_write_config(d, addr, val, len);
    if (addr < IDETIM_SEC + 2 && addr + len > IDETIM_PRI) {
        update_decode(PIIX3_IDE(d));
    }
}

/* ---- reset, realize ---- */

static void piix3_ide_reset(PCIDevice *d)
{
    PIIX3IDEState *s = PIIX3_IDE(d);
    pci_set_word(d->config + IDETIM_PRI, IDETIM_IDE);
    pci_set_word(d->config + IDETIM_SEC, IDETIM_IDE);
    d->config[SIDETIM] = 0;
    for (int i = 0; i < 2; i++) {
        ide_channel_reset(&s->ch[i]);
        s->bm[i].cmd = 0;
        s->bm[i].status = 0;
        s->bm[i].prd_table = 0;
        s->bm[i].cur_len = 0;
        s->bm[i].eot = false;
        s->bm[i].entries = 0;
    }
    update_decode(s);
}

static void piix3_ide_init(Object *obj)
{
    PIIX3IDEState *s = PIIX3_IDE(obj);
    device_init_gpio_out_named(DEVICE(obj), s->irq, "irq", 2);
}

static void unmap_legacy(PIIX3IDEState *s);

static bool piix3_ide_realize(PCIDevice *d, Error **errp)
{
    PIIX3IDEState *s = PIIX3_IDE(d);
    MemoryRegion *io = d->bus->address_space_io;
    /* IDETIM and SIDETIM are the guest's (290550 2.3.6-2.3.7). */
    pci_set_word(d->wmask + IDETIM_PRI, 0xf377);
    pci_set_word(d->wmask + IDETIM_SEC, 0xf377);
    d->wmask[SIDETIM] = 0xff;
    memory_region_init_io(&s->bm_io, OBJECT(d), &bm_io_ops, s, "piix3-ide-bmdma", 16);
    pci_register_bar(d, BMIBA_BAR, PCI_BASE_ADDRESS_SPACE_IO, &s->bm_io);
    for (int i = 0; i < 2; i++) {
        g_autofree char *name = ide_bus_name(NULL, i);
        s->bm[i].s = s;
        s->bm[i].n = i;
        ide_channel_init(&s->ch[i], DEVICE(d), name, channel_irq, &s->bm[i]);
        s->ch[i].index = i;
        ide_channel_set_dma(&s->ch[i], &bm_ops, &s->bm[i]);
        memory_region_init_io(&s->cmd_io[i], OBJECT(d), &ide_cmd_ops, &s->ch[i],
                              i ? "ide1-cmd" : "ide0-cmd", 8);
        memory_region_init_io(&s->ctl_io[i], OBJECT(d), &ide_ctl_ops, &s->ch[i],
                              i ? "ide1-ctl" : "ide0-ctl", 1);
        memory_region_add_subregion(io, legacy_cmd[i], &s->cmd_io[i]);
        memory_region_add_subregion(io, legacy_ctl[i], &s->ctl_io[i]);
    }
    for (int i = 0; i < 2; i++) {
        if (!ide_channel_add_drives(&s->ch[i], i, errp)) {
            /* The core calls exit only after a realize that worked. */
            unmap_legacy(s);
            return false;
        }
    }
    return true;
}

static void unmap_legacy(PIIX3IDEState *s)
{
    for (int i = 0; i < 2; i++) {
        memory_region_finalize(&s->cmd_io[i]);
        memory_region_finalize(&s->ctl_io[i]);
    }
}

static void piix3_ide_exit(PCIDevice *d)
{
    PIIX3IDEState *s = PIIX3_IDE(d);
    unmap_legacy(s);
    memory_region_finalize(&s->bm_io);
}

/* ---- state ---- */

static bool bm_post_load(void *opaque, int version_id, Error **errp)
{
    BMDMAState *bm = opaque;
    if (bm->cur_len > 0x10000 || bm->entries > PRD_MAX_ENTRIES) {
        error_setg(errp, "piix3-ide: PRD state out of range");
        return false;
    }
    return true;
}

static const VMStateDescription vmstate_bmdma = {
    .name = "piix3-ide-bmdma",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = bm_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(cmd, BMDMAState),
        VMSTATE_UINT8(status, BMDMAState),
        VMSTATE_UINT32(prd_table, BMDMAState),
        VMSTATE_UINT32(cur_prd, BMDMAState),
        VMSTATE_UINT32(cur_addr, BMDMAState),
        VMSTATE_UINT32(cur_len, BMDMAState),
        VMSTATE_UINT32(entries, BMDMAState),
        VMSTATE_BOOL(eot, BMDMAState),
        VMSTATE_END_OF_LIST()
    },
};

static bool piix3_ide_post_load(void *opaque, int version_id, Error **errp)
{
    update_decode(opaque);
    return true;
}

static const VMStateDescription vmstate_piix3_ide = {
    .name = TYPE_PIIX3_IDE,
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = piix3_ide_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, PIIX3IDEState),
        VMSTATE_STRUCT_ARRAY(bm, PIIX3IDEState, 2, vmstate_bmdma, BMDMAState),
        VMSTATE_STRUCT_ARRAY(ch, PIIX3IDEState, 2, vmstate_ide_channel, IDEChannel),
        VMSTATE_END_OF_LIST()
    },
};

static void piix3_ide_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
    dc->desc = "Intel 82371SB PIIX3 function 1: IDE controller with bus-master DMA";
    dc->category = DEVICE_CATEGORY_STORAGE;
    dc->vmsd = &vmstate_piix3_ide;
    /* 290550 2.3.1-2.3.5: 8086h/7010h, class 01h/01h (IDE), programming
     * interface 80h (bus master capable, both channels in compatibility
     * mode, not switchable). */
    k->vendor_id = 0x8086;
    k->device_id = 0x7010;
    k->class_id = 0x0101;
    k->prog_if = 0x80;
    k->subsystem_vendor_id = 0x1af4;
    k->subsystem_id = 0x1100;
    k->realize = piix3_ide_realize;
    k->exit = piix3_ide_exit;
    k->reset = piix3_ide_reset;
    k->config_write = piix3_ide_config_write;
}

static const TypeInfo piix3_ide_types[] = {
    {
        .name = TYPE_PIIX3_IDE,
        .parent = TYPE_PCI_DEVICE,
        .instance_size = sizeof(PIIX3IDEState),
        .instance_init = piix3_ide_init,
        .class_init = piix3_ide_class_init,
    },
};

DEFINE_TYPES(piix3_ide_types)
