/*
 * Unit tests of the IDE plugin driven as a driver would: piix3-ide on a PCI
 * bus with two disks on ide.0 and a CD-ROM on ide.1, isa-ide and mmio-ide
 * with a disk each.  IDENTIFY, PIO single/multiple, LBA28/48, CHS, DMA
 * with PRD tables (and hostile ones), ATAPI PIO with the byte count limit
 * and DMA, UNIT ATTENTION after a medium change, soft reset, bounds.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "harness.h"
#include "harness-vmstate.h"

#define RAM_BASE 0x100000u
#define RAM_SIZE 0x100000u
#define BMIBA    0xc000
#define P0       0x1f0       /* primary: disks */
#define C0       0x3f6
#define P1       0x170       /* secondary: the CD-ROM */
#define C1       0x376
#define ISA_CMD  0x1e8
#define ISA_CTL  0x3ee
#define MMIO_BASE 0xfe000000u
#define HD_SECTORS 2048      /* 1 MiB disks */
#define CD_SECTORS 64

static DeviceState *ctrl, *isa, *mmio;
static IRQProbe *irq0, *irq1;
static MemoryRegion ram;
static char *tmpdir, *hd0_path, *hd1_path, *cd_path, *cd2_path, *isa_path, *mmio_path;
static BlockBackend *hd0, *hd1;

/* ---- helpers ---- */

static void fill_image(const char *path, size_t size, uint8_t seed)
{
    uint8_t *buf = g_malloc(size);
    for (size_t i = 0; i < size; i++) {
        buf[i] = (uint8_t)(i / 512 * 7 + i + seed);
    }
    assert_true(g_file_set_contents(path, (char *)buf, size, NULL));
    g_free(buf);
}

static uint8_t expect_byte(size_t off, uint8_t seed)
{
    return (uint8_t)(off / 512 * 7 + off + seed);
}

static uint8_t inb(uint16_t p) { return cpu_inb(p); }
static uint16_t inw(uint16_t p) { return cpu_inw(p); }
static void outb(uint16_t p, uint8_t v) { cpu_outb(p, v); }
static void outw(uint16_t p, uint16_t v) { cpu_outw(p, v); }

/* Let the block layer complete what is in flight (a DMA transfer shows
 * DRQ, not BSY, so drain first), until BSY clears. */
static uint8_t wait_ready(uint16_t ctl)
{
    blk_drain_all();
    blk_drain_all();
    for (int i = 0; i < 1000; i++) {
        uint8_t st = inb(ctl);
        if (!(st & 0x80)) {
            return st;
        }
        blk_drain_all();
    }
    fail_msg("device stays busy");
    return 0;
}

static void select_dev(uint16_t base, int unit, uint8_t lba_bits)
{
    outb(base + 6, 0xa0 | 0x40 | (unit << 4) | lba_bits);
}

static void lba28(uint16_t base, int unit, uint32_t lba, uint8_t count)
{
    select_dev(base, unit, (lba >> 24) & 0xf);
    outb(base + 2, count);
    outb(base + 3, lba);
    outb(base + 4, lba >> 8);
    outb(base + 5, lba >> 16);
}

static void lba48(uint16_t base, int unit, uint64_t lba, uint16_t count)
{
    select_dev(base, unit, 0);
    outb(base + 2, count >> 8);
    outb(base + 3, lba >> 24);
    outb(base + 4, lba >> 32);
    outb(base + 5, lba >> 40);
    outb(base + 2, count);
    outb(base + 3, lba);
    outb(base + 4, lba >> 8);
    outb(base + 5, lba >> 16);
}

static void read_words(uint16_t base, uint16_t *buf, int n)
{
    for (int i = 0; i < n; i++) {
        buf[i] = inw(base);
    }
}

static void pci_cfg(uint32_t reg, uint32_t val, unsigned len)
{
    pci_config_write(PCI_DEVICE(ctrl), reg, val, len);
}

static void mem_st32(hwaddr a, uint32_t v)
{
    address_space_st(address_space_memory(), a, v, 4, NULL);
}

/* ---- set-up ---- */

/* A bus of dev by name (the harness's PCI bus hangs outside the tree
 * bus_find walks). */
static BusState *child_bus(DeviceState *dev, const char *name)
{
    for (GSList *l = dev->child_buses; l; l = l->next) {
        BusState *b = l->data;
        if (!strcmp(b->name, name)) {
            return b;
        }
    }
    fail_msg("no bus %s", name);
    return NULL;
}

static int group_setup(void **state)
{
    harness_init();
    harness_load_plugin("ide");
    /* The monitor commands (eject, blockdev-change-medium) the media test
     * uses, as the emulator registers them at start-up. */
    if (!qmp_command_exists("eject")) {
        module_call_init(MODULE_INIT_QAPI);
    }
    tmpdir = g_dir_make_tmp("test-ide-XXXXXX", NULL);
    hd0_path = g_build_filename(tmpdir, "hd0.img", NULL);
    hd1_path = g_build_filename(tmpdir, "hd1.img", NULL);
    cd_path = g_build_filename(tmpdir, "cd.iso", NULL);
    cd2_path = g_build_filename(tmpdir, "cd2.iso", NULL);
    isa_path = g_build_filename(tmpdir, "isa.img", NULL);
    mmio_path = g_build_filename(tmpdir, "mmio.img", NULL);
    fill_image(hd0_path, HD_SECTORS * 512, 0);
    fill_image(hd1_path, HD_SECTORS * 512, 0x55);
    fill_image(cd_path, CD_SECTORS * 2048, 0x33);
    fill_image(cd2_path, CD_SECTORS * 2048 * 2, 0x44);
    fill_image(isa_path, HD_SECTORS * 512, 0x11);
    fill_image(mmio_path, HD_SECTORS * 512, 0x22);

    assert_true(memory_region_init_ram(&ram, NULL, "ram", RAM_SIZE, &error_abort));
    memory_region_add_subregion(memory_get_system_memory(), RAM_BASE, &ram);

    char *o;
    o = g_strdup_printf("file=%s,format=raw,if=none,id=hd0", hd0_path);
    hd0 = drive_add(o, &error_abort);
    g_free(o);
    o = g_strdup_printf("file=%s,format=raw,if=none,id=hd1", hd1_path);
    hd1 = drive_add(o, &error_abort);
    g_free(o);
    o = g_strdup_printf("file=%s,format=raw,if=none,id=cd0,media=cdrom", cd_path);
    drive_add(o, &error_abort);
    g_free(o);
    o = g_strdup_printf("file=%s,format=raw,if=none,id=isahd", isa_path);
    drive_add(o, &error_abort);
    g_free(o);
    o = g_strdup_printf("file=%s,format=raw,if=none,id=mmiohd", mmio_path);
    drive_add(o, &error_abort);
    g_free(o);

    static const char *const ctrl_props[] = { "addr=1.1", NULL };
    ctrl = harness_create("piix3-ide", "ide", NULL, ctrl_props);
    static const char *const d0[] = { "drive=hd0", "unit=0", NULL };
    static const char *const d1[] = { "drive=hd1", "unit=1", "serial=SLAVE1", NULL };
    static const char *const c0[] = { "drive=cd0", NULL };
    harness_create("ide-hd", "hd0dev", child_bus(ctrl, "ide.0"), d0);
    harness_create("ide-hd", "hd1dev", child_bus(ctrl, "ide.0"), d1);
    harness_create("ide-cd", "cd0dev", child_bus(ctrl, "ide.1"), c0);
    irq0 = harness_probe_output(ctrl, "irq", 0);
    irq1 = harness_probe_output(ctrl, "irq", 1);
    /* BAR4 at BMIBA, I/O decode and bus mastering on. */
    pci_cfg(0x20, BMIBA | 1, 4);
    pci_cfg(PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MASTER, 2);

    static const char *const isa_props[] = { "iobase=0x1e8", "iobase2=0x3ee",
                                             "bus-name=isaide", NULL };
    isa = harness_create("isa-ide", "isaide", NULL, isa_props);
    static const char *const isa_d[] = { "drive=isahd", NULL };
    harness_create("ide-hd", "isahddev", bus_find("isaide"), isa_d);
    static const char *const mmio_props[] = { "shift=2", "drive-bus=-1", "bus-name=mmioide",
                                              NULL };
    mmio = harness_create("mmio-ide", "mmioide", NULL, mmio_props);
    assert_true(sysbus_mmio_map(SYS_BUS_DEVICE(mmio), 0, MMIO_BASE, 0, &error_abort));
    assert_true(sysbus_mmio_map(SYS_BUS_DEVICE(mmio), 1, MMIO_BASE + 0x100, 0, &error_abort));
    static const char *const mmio_d[] = { "drive=mmiohd", NULL };
    harness_create("ide-hd", "mmiohddev", bus_find("mmioide"), mmio_d);
    return 0;
}

static int group_teardown(void **state)
{
    const char *files[] = { hd0_path, hd1_path, cd_path, cd2_path, isa_path, mmio_path };
    for (unsigned i = 0; i < G_N_ELEMENTS(files); i++) {
        unlink(files[i]);
    }
    rmdir(tmpdir);
    return 0;
}

/* ---- ATA ---- */

static void test_identify(void **state)
{
    uint16_t id[256];
    select_dev(P0, 0, 0);
    harness_probe_reset(irq0);
    outb(P0 + 7, 0xec);
    uint8_t st = wait_ready(C0);
    assert_int_equal(st & 0x89, 0x08);          /* DRQ, no BSY, no ERR */
    assert_int_equal(irq0->level, 1);
    inb(P0 + 7);                                /* status read acknowledges */
    assert_int_equal(irq0->level, 0);
    read_words(P0, id, 256);
    assert_int_equal(id[0], 0x0040);
    assert_int_equal(id[60] | id[61] << 16, HD_SECTORS);
    assert_int_equal(id[100], HD_SECTORS);
    assert_true(id[83] & (1 << 10));            /* LBA48 */
    assert_true(id[49] & (1 << 8));             /* DMA on the PIIX3 */
    assert_int_equal(id[63] & 7, 7);            /* MWDMA 0-2 */
    assert_int_equal(id[88], 0);                /* no UDMA on the PIIX3 */
    char model[41];
    for (int i = 0; i < 20; i++) {
        model[2 * i] = id[27 + i] >> 8;
        model[2 * i + 1] = id[27 + i];
    }
    model[40] = 0;
    assert_memory_equal(model, "CARDCAGE HARDDISK   ", 20);
    assert_int_equal(inb(P0 + 7) & 0x08, 0);    /* DRQ dropped after 256 words */
    /* The slave has the serial it was given. */
    select_dev(P0, 1, 0);
    outb(P0 + 7, 0xec);
    wait_ready(C0);
    read_words(P0, id, 256);
    assert_int_equal(id[10], ('S' << 8) | 'L');
}

static void test_absent_device(void **state)
{
    /* ide.1 has a master only: with the slave selected, status reads 0 and
     * commands go nowhere. */
    select_dev(P1, 1, 0);
    assert_int_equal(inb(P1 + 7), 0);
    outb(P1 + 7, 0xec);
    assert_int_equal(inb(C1), 0);
    assert_int_equal(inb(P1 + 6) & 0x10, 0x10);   /* Device/Head reads back */
    select_dev(P1, 0, 0);
    assert_int_equal(inb(P1 + 7) & 0x80, 0);
}

static void check_sectors(BlockBackend *blk, uint32_t lba, uint32_t n, const uint8_t *want)
{
    uint8_t *got = g_malloc(n * 512);
    assert_int_equal(blk_pread(blk, (uint64_t)lba * 512, got, n * 512), 0);
    assert_memory_equal(got, want, n * 512);
    g_free(got);
}

static void test_pio_multiple(void **state)
{
    /* SET MULTIPLE MODE 4, WRITE MULTIPLE 8 sectors (two DRQ blocks),
     * READ MULTIPLE them back. */
    uint8_t buf[8 * 512];
    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = (uint8_t)(i * 13 + 1);
    }
    select_dev(P0, 0, 0);
    outb(P0 + 2, 4);
    outb(P0 + 7, 0xc6);
    assert_int_equal(wait_ready(C0) & 0x01, 0);
    /* 3 is not a power of two: aborted. */
    outb(P0 + 2, 3);
    outb(P0 + 7, 0xc6);
    assert_int_equal(wait_ready(C0) & 0x01, 0x01);
    assert_int_equal(inb(P0 + 1), 0x04);

    harness_probe_reset(irq0);
    lba28(P0, 0, 100, 8);
    outb(P0 + 7, 0xc5);
    for (int blk = 0; blk < 2; blk++) {
        uint8_t st = wait_ready(C0);
        inb(P0 + 7);                            /* acknowledge */
        assert_int_equal(st & 0x09, 0x08);
        for (int i = 0; i < 4 * 256; i++) {
            outw(P0, buf[blk * 2048 + 2 * i] | buf[blk * 2048 + 2 * i + 1] << 8);
        }
    }
    uint8_t st = wait_ready(C0);
    assert_int_equal(st & 0x09, 0);
    assert_int_equal(irq0->rising, 2);          /* after block 1 and at the end */
    check_sectors(hd0, 100, 8, buf);

    lba28(P0, 0, 100, 8);
    outb(P0 + 7, 0xc4);
    uint8_t back[8 * 512];
    for (int blk = 0; blk < 2; blk++) {
        assert_int_equal(wait_ready(C0) & 0x09, 0x08);
        read_words(P0, (uint16_t *)(back + blk * 2048), 4 * 256);
    }
    assert_memory_equal(back, buf, sizeof(buf));
    assert_int_equal(inb(P0 + 7) & 0x08, 0);
}

static void test_lba48_and_bounds(void **state)
{
    /* READ SECTORS EXT of the last sector works; one past it is IDNF. */
    uint16_t w[256];
    lba48(P0, 1, HD_SECTORS - 1, 1);
    outb(P0 + 7, 0x24);
    assert_int_equal(wait_ready(C0) & 0x09, 0x08);
    read_words(P0, w, 256);
    assert_int_equal(w[0] & 0xff, expect_byte((HD_SECTORS - 1) * 512, 0x55));
    /* The HOB bit reads the previous values back. */
    lba48(P0, 1, 0x123456789aull, 1);
    outb(C0, 0x80);
    assert_int_equal(inb(P0 + 3), 0x34);
    assert_int_equal(inb(P0 + 4), 0x12);
    outb(C0, 0x00);
    assert_int_equal(inb(P0 + 3), 0x9a);
    outb(P0 + 7, 0x24);
    uint8_t st = wait_ready(C0);
    assert_int_equal(st & 0x09, 0x01);
    assert_true(inb(P0 + 1) & 0x10);            /* IDNF */
    /* 28-bit: a count running past the end */
    lba28(P0, 1, HD_SECTORS - 2, 4);
    outb(P0 + 7, 0x20);
    assert_int_equal(wait_ready(C0) & 0x01, 0x01);
    /* READ VERIFY inside the disk */
    lba28(P0, 1, 10, 0);                        /* 0: 256 sectors */
    outb(P0 + 7, 0x40);
    assert_int_equal(wait_ready(C0) & 0x09, 0);
}

static void test_chs(void **state)
{
    /* INITIALIZE DEVICE PARAMETERS: 4 heads, 17 sectors; CHS 1/2/3 is
     * LBA (1 * 4 + 2) * 17 + 2 = 104. */
    select_dev(P0, 1, 3);
    outb(P0 + 2, 17);
    outb(P0 + 7, 0x91);
    assert_int_equal(wait_ready(C0) & 0x01, 0);
    outb(P0 + 6, 0xa0 | 0x10 | 2);              /* CHS, slave, head 2 */
    outb(P0 + 2, 1);
    outb(P0 + 3, 3);
    outb(P0 + 4, 1);
    outb(P0 + 5, 0);
    outb(P0 + 7, 0x20);
    assert_int_equal(wait_ready(C0) & 0x09, 0x08);
    uint16_t w[256];
    read_words(P0, w, 256);
    assert_int_equal(w[0] & 0xff, expect_byte(104 * 512, 0x55));
    /* sector 0 does not exist in CHS */
    outb(P0 + 6, 0xa0 | 0x10);
    outb(P0 + 3, 0);
    outb(P0 + 7, 0x20);
    assert_int_equal(wait_ready(C0) & 0x01, 0x01);
}

static void test_misc_commands(void **state)
{
    select_dev(P0, 0, 0);
    /* SET FEATURES: MWDMA2 ok, UDMA refused (PIIX3), write cache off/on */
    outb(P0 + 1, 0x03);
    outb(P0 + 2, 0x22);
    outb(P0 + 7, 0xef);
    assert_int_equal(wait_ready(C0) & 0x01, 0);
    outb(P0 + 2, 0x42);
    outb(P0 + 7, 0xef);
    assert_int_equal(wait_ready(C0) & 0x01, 0x01);
    outb(P0 + 1, 0x82);
    outb(P0 + 7, 0xef);
    wait_ready(C0);
    assert_false(blk_enable_write_cache(hd0));
    outb(P0 + 1, 0x02);
    outb(P0 + 7, 0xef);
    wait_ready(C0);
    assert_true(blk_enable_write_cache(hd0));
    /* FLUSH CACHE EXT reaches the block layer and completes */
    harness_probe_reset(irq0);
    outb(P0 + 7, 0xea);
    assert_int_equal(wait_ready(C0) & 0x01, 0);
    assert_int_equal(irq0->rising, 1);
    /* power: STANDBY IMMEDIATE then CHECK POWER MODE says standby (0) */
    outb(P0 + 7, 0xe0);
    wait_ready(C0);
    outb(P0 + 2, 0x55);
    outb(P0 + 7, 0xe5);
    wait_ready(C0);
    assert_int_equal(inb(P0 + 2), 0x00);
    outb(P0 + 7, 0xe1);
    wait_ready(C0);
    outb(P0 + 7, 0xe5);
    wait_ready(C0);
    assert_int_equal(inb(P0 + 2), 0xff);
    /* EXECUTE DEVICE DIAGNOSTIC: signature, device 0 selected */
    outb(P0 + 7, 0x90);
    wait_ready(C0);
    assert_int_equal(inb(P0 + 1), 0x01);
    assert_int_equal(inb(P0 + 2), 0x01);
    assert_int_equal(inb(P0 + 4), 0x00);
    /* an unknown command aborts */
    outb(P0 + 7, 0xb0);
    assert_int_equal(wait_ready(C0) & 0x01, 0x01);
    assert_int_equal(inb(P0 + 1), 0x04);
}

static void test_soft_reset(void **state)
{
    /* Start a PIO read, reset mid-transfer: BSY while SRST, then the
     * signature and a working device. */
    lba28(P0, 0, 0, 4);
    outb(P0 + 7, 0x20);
    assert_int_equal(wait_ready(C0) & 0x08, 0x08);
    inw(P0);
    outb(C0, 0x04 | 0x02);                      /* SRST, nIEN */
    assert_int_equal(inb(C0) & 0x80, 0x80);
    outb(C0, 0x02);
    uint8_t st = wait_ready(C0);
    assert_int_equal(st & 0x49, 0x40);          /* DRDY, no DRQ, no ERR */
    assert_int_equal(inb(P0 + 2), 1);
    assert_int_equal(inb(P0 + 3), 1);
    /* the CD on the other channel is not reset by this one's SRST */
    /* interrupts are masked by nIEN */
    harness_probe_reset(irq0);
    outb(P0 + 7, 0xe5);
    wait_ready(C0);
    assert_int_equal(irq0->level, 0);
    outb(C0, 0x00);
    assert_int_equal(irq0->level, 1);
    inb(P0 + 7);
    /* the data port with no transfer open reads all ones */
    assert_int_equal(inw(P0), 0xffff);
    /* a command while busy is ignored */
    lba28(P0, 0, 0, 1);
    outb(P0 + 7, 0x20);
    outb(P0 + 7, 0xec);                         /* ignored: BSY */
    assert_int_equal(wait_ready(C0) & 0x08, 0x08);
    uint16_t w[256];
    read_words(P0, w, 256);
    assert_int_equal(w[0] & 0xff, expect_byte(0, 0));
}

/* ---- DMA ---- */

#define PRD 0x1000          /* offsets into RAM */
#define BUF 0x10000

static void bm_start(int ch, bool to_memory, uint32_t prd)
{
    uint16_t bm = BMIBA + 8 * ch;
    outb(bm, 0);
    outb(bm + 2, 0x06);                         /* clear IRQ and error */
    cpu_outl(bm + 4, prd);
    outb(bm, (to_memory ? 0x08 : 0) | 1);
}

static void test_dma(void **state)
{
    /* READ DMA of 24 sectors into two PRD entries (8 KiB + 4 KiB). */
    mem_st32(RAM_BASE + PRD, RAM_BASE + BUF);
    mem_st32(RAM_BASE + PRD + 4, 8192);
    mem_st32(RAM_BASE + PRD + 8, RAM_BASE + BUF + 0x8000);
    mem_st32(RAM_BASE + PRD + 12, 0x80000000u | 4096);
    lba28(P0, 1, 200, 24);
    harness_probe_reset(irq0);
    outb(P0 + 7, 0xc8);
    bm_start(0, true, RAM_BASE + PRD);
    assert_int_equal(wait_ready(C0) & 0x09, 0);
    uint8_t bst = inb(BMIBA + 2);
    assert_int_equal(bst & 0x07, 0x04);         /* interrupt, not active, no error */
    assert_int_equal(irq0->rising, 1);
    uint8_t got[8192];
    address_space_read(address_space_memory(), RAM_BASE + BUF, got, 8192);
    for (int i = 0; i < 8192; i++) {
        assert_int_equal(got[i], expect_byte(200 * 512 + i, 0x55));
    }
    address_space_read(address_space_memory(), RAM_BASE + BUF + 0x8000, got, 4096);
    for (int i = 0; i < 4096; i++) {
        assert_int_equal(got[i], expect_byte(216 * 512 + i, 0x55));
    }
    outb(BMIBA, 0);

    /* WRITE DMA EXT of 16 sectors from one entry. */
    for (int i = 0; i < 8192; i++) {
        got[i] = (uint8_t)(i ^ 0xa5);
    }
    address_space_write(address_space_memory(), RAM_BASE + BUF, got, 8192);
    mem_st32(RAM_BASE + PRD, RAM_BASE + BUF);
    mem_st32(RAM_BASE + PRD + 4, 0x80000000u | 8192);
    lba48(P0, 1, 300, 16);
    outb(P0 + 7, 0x35);
    bm_start(0, false, RAM_BASE + PRD);
    assert_int_equal(wait_ready(C0) & 0x09, 0);
    assert_int_equal(inb(BMIBA + 2) & 0x07, 0x04);
    outb(BMIBA, 0);
    check_sectors(hd1, 300, 16, got);
}

static void test_dma_hostile(void **state)
{
    /* The PRD table is shorter than the transfer: the engine stops with
     * neither Active nor Interrupt; a soft reset recovers. */
    mem_st32(RAM_BASE + PRD, RAM_BASE + BUF);
    mem_st32(RAM_BASE + PRD + 4, 0x80000000u | 512);
    lba28(P0, 0, 0, 4);
    outb(P0 + 7, 0xc8);
    bm_start(0, true, RAM_BASE + PRD);
    for (int i = 0; i < 10; i++) {
        blk_drain_all();
    }
    assert_int_equal(inb(BMIBA + 2) & 0x07, 0x00);
    outb(BMIBA, 0);
    outb(C0, 0x04);
    outb(C0, 0x00);
    assert_int_equal(wait_ready(C0) & 0x09, 0);

    /* A PRD table in unassigned space and one pointing data there: bus
     * error, the command aborts. */
    lba28(P0, 0, 0, 1);
    outb(P0 + 7, 0xc8);
    bm_start(0, true, 0xf0000000u);
    uint8_t st = wait_ready(C0);
    assert_int_equal(st & 0x01, 0x01);
    assert_int_equal(inb(BMIBA + 2) & 0x03, 0x02);
    outb(BMIBA, 0);
    mem_st32(RAM_BASE + PRD, 0xf0000000u);
    mem_st32(RAM_BASE + PRD + 4, 0x80000000u | 512);
    lba28(P0, 0, 0, 1);
    outb(P0 + 7, 0xc8);
    bm_start(0, true, RAM_BASE + PRD);
    assert_int_equal(wait_ready(C0) & 0x01, 0x01);
    assert_int_equal(inb(BMIBA + 2) & 0x02, 0x02);
    outb(BMIBA, 0);

    /* The table and the data pointing at the bus master's own registers
     * (mapped into memory space here through mmio-ide's window, which the
     * controller owns too): refused, no recursion. */
    mem_st32(RAM_BASE + PRD, MMIO_BASE);
    mem_st32(RAM_BASE + PRD + 4, 0x80000000u | 512);
    lba28(P0, 0, 0, 1);
    outb(P0 + 7, 0xc8);
    bm_start(0, true, RAM_BASE + PRD);
    wait_ready(C0);
    outb(BMIBA, 0);

    /* Bus mastering off: refused. */
    pci_cfg(PCI_COMMAND, PCI_COMMAND_IO, 2);
    mem_st32(RAM_BASE + PRD, RAM_BASE + BUF);
    lba28(P0, 0, 0, 1);
    outb(P0 + 7, 0xc8);
    bm_start(0, true, RAM_BASE + PRD);
    assert_int_equal(wait_ready(C0) & 0x01, 0x01);
    assert_int_equal(inb(BMIBA + 2) & 0x02, 0x02);
    outb(BMIBA, 0);
    pci_cfg(PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MASTER, 2);

    /* 8192 zero-count (64 KiB each) entries without EOT, for a 1-sector
     * read: one entry used, no runaway walk. */
    for (int i = 0; i < 16; i++) {
        mem_st32(RAM_BASE + PRD + 8 * i, RAM_BASE + BUF);
        mem_st32(RAM_BASE + PRD + 8 * i + 4, 0);
    }
    lba28(P0, 0, 0, 1);
    outb(P0 + 7, 0xc8);
    bm_start(0, true, RAM_BASE + PRD);
    assert_int_equal(wait_ready(C0) & 0x01, 0);
    assert_int_equal(inb(BMIBA + 2) & 0x07, 0x05);   /* PRD larger: still active */
    outb(BMIBA, 0);
}

/* Check RAM at off against the disk bytes from disk_off on (hd1's
 * pattern). */
static void check_ram(uint32_t off, size_t disk_off, size_t len)
{
    uint8_t got[1024];
    assert_true(len <= sizeof(got));
    address_space_read(address_space_memory(), RAM_BASE + off, got, len);
    for (size_t i = 0; i < len; i++) {
        assert_int_equal(got[i], expect_byte(disk_off + i, 0x55));
    }
}

static void test_dma_split(void **state)
{
    /* Sectors split across PRD entries (700 + 324 + 512 bytes): the
     * transfer goes straight into RAM along all three. */
    uint8_t zero[0x3000] = { 0 };
    address_space_write(address_space_memory(), RAM_BASE + BUF, zero, sizeof(zero));
    mem_st32(RAM_BASE + PRD, RAM_BASE + BUF);
    mem_st32(RAM_BASE + PRD + 4, 700);
    mem_st32(RAM_BASE + PRD + 8, RAM_BASE + BUF + 0x1000);
    mem_st32(RAM_BASE + PRD + 12, 324);
    mem_st32(RAM_BASE + PRD + 16, RAM_BASE + BUF + 0x2000);
    mem_st32(RAM_BASE + PRD + 20, 0x80000000u | 512);
    lba28(P0, 1, 50, 3);
    outb(P0 + 7, 0xc8);
    bm_start(0, true, RAM_BASE + PRD);
    assert_int_equal(wait_ready(C0) & 0x09, 0);
    assert_int_equal(inb(BMIBA + 2) & 0x07, 0x04);
    outb(BMIBA, 0);
    check_ram(BUF, 50 * 512, 700);
    check_ram(BUF + 0x1000, 50 * 512 + 700, 324);
    check_ram(BUF + 0x2000, 50 * 512 + 1024, 512);

    /* RAM for 700 bytes, then unassigned space: the whole sector in RAM
     * goes directly, the rest of the entry through the buffer from the
     * middle of it, then the bus error aborts the command. */
    address_space_write(address_space_memory(), RAM_BASE + BUF, zero, 1024);
    mem_st32(RAM_BASE + PRD, RAM_BASE + BUF);
    mem_st32(RAM_BASE + PRD + 4, 700);
    mem_st32(RAM_BASE + PRD + 8, 0xf0000000u);
    mem_st32(RAM_BASE + PRD + 12, 0x80000000u | 324);
    lba28(P0, 1, 60, 2);
    outb(P0 + 7, 0xc8);
    bm_start(0, true, RAM_BASE + PRD);
    assert_int_equal(wait_ready(C0) & 0x01, 0x01);
    assert_int_equal(inb(BMIBA + 2) & 0x03, 0x02);
    outb(BMIBA, 0);
    check_ram(BUF, 60 * 512, 700);

    /* WRITE DMA from two entries split mid-sector: the disk gets both. */
    uint8_t data[1024];
    for (int i = 0; i < 1024; i++) {
        data[i] = (uint8_t)(i * 3 + 1);
    }
    address_space_write(address_space_memory(), RAM_BASE + BUF, data, 300);
    address_space_write(address_space_memory(), RAM_BASE + BUF + 0x1000, data + 300, 724);
    mem_st32(RAM_BASE + PRD, RAM_BASE + BUF);
    mem_st32(RAM_BASE + PRD + 4, 300);
    mem_st32(RAM_BASE + PRD + 8, RAM_BASE + BUF + 0x1000);
    mem_st32(RAM_BASE + PRD + 12, 0x80000000u | 724);
    lba28(P0, 1, 400, 2);
    outb(P0 + 7, 0xca);
    bm_start(0, false, RAM_BASE + PRD);
    assert_int_equal(wait_ready(C0) & 0x09, 0);
    assert_int_equal(inb(BMIBA + 2) & 0x07, 0x04);
    outb(BMIBA, 0);
    check_sectors(hd1, 400, 2, data);
}

/* ---- ATAPI ---- */

static void packet(const uint8_t cdb[12], uint16_t limit, bool dma)
{
    select_dev(P1, 0, 0);
    outb(P1 + 1, dma ? 1 : 0);
    outb(P1 + 4, limit);
    outb(P1 + 5, limit >> 8);
    outb(P1 + 7, 0xa0);
    uint8_t st = wait_ready(C1);
    assert_int_equal(st & 0x08, 0x08);
    assert_int_equal(inb(P1 + 2) & 3, 1);       /* CoD: the packet */
    for (int i = 0; i < 6; i++) {
        outw(P1, cdb[2 * i] | cdb[2 * i + 1] << 8);
    }
}

/* Read a PIO data phase of up to max bytes; returns the byte count. */
static uint32_t pio_in(uint8_t *buf, uint32_t max, uint16_t limit)
{
    uint32_t n = 0;
    for (;;) {
        uint8_t st = wait_ready(C1);
        if (!(st & 0x08)) {
            return n;
        }
        assert_int_equal(inb(P1 + 2) & 3, 2);   /* IO, data */
        uint32_t len = inb(P1 + 4) | inb(P1 + 5) << 8;
        assert_true(len <= limit);
        for (uint32_t i = 0; i < len; i += 2) {
            uint16_t w = inw(P1);
            if (n + 1 < max) {
                buf[n] = w;
                buf[n + 1] = w >> 8;
            }
            n += 2;
        }
    }
}

static uint8_t atapi_status(void)
{
    return inb(P1 + 7);
}

static void test_atapi_identify(void **state)
{
    select_dev(P1, 0, 0);
    outb(P1 + 7, 0xec);                        /* aborted, with the signature */
    assert_int_equal(wait_ready(C1) & 0x01, 0x01);
    assert_int_equal(inb(P1 + 4), 0x14);
    assert_int_equal(inb(P1 + 5), 0xeb);
    outb(P1 + 7, 0xa1);
    wait_ready(C1);
    uint16_t id[256];
    read_words(P1, id, 256);
    assert_int_equal(id[0], 0x85c0);
}

static void test_atapi_commands(void **state)
{
    uint8_t buf[4096];
    static const uint8_t tur[12] = { 0x00 };
    packet(tur, 0, false);
    uint8_t st = wait_ready(C1);
    if (st & 1) {       /* a UNIT ATTENTION left from power-on is fine */
        packet(tur, 0, false);
        st = wait_ready(C1);
    }
    assert_int_equal(st & 0x09, 0);
    assert_int_equal(inb(P1 + 2) & 3, 3);       /* completed */

    static const uint8_t inq[12] = { 0x12, 0, 0, 0, 96 };
    packet(inq, 0xfffe, false);
    assert_int_equal(pio_in(buf, sizeof(buf), 0xfffe), 36);
    assert_int_equal(buf[0], 0x05);
    assert_memory_equal(buf + 8, "CARDCAGE", 8);

    static const uint8_t cap[12] = { 0x25 };
    packet(cap, 8, false);
    assert_int_equal(pio_in(buf, sizeof(buf), 8), 8);
    assert_int_equal(buf[3], CD_SECTORS - 1);
    assert_int_equal(buf[6], 0x08);             /* 2048 */

    /* READ(10) of 2 sectors with a byte count limit of 1000: DRQ blocks
     * of at most 1000 bytes. */
    static const uint8_t rd[12] = { 0x28, 0, 0, 0, 0, 5, 0, 0, 2 };
    packet(rd, 1000, false);
    assert_int_equal(pio_in(buf, sizeof(buf), 1000), 4096);
    for (int i = 0; i < 4096; i++) {
        assert_int_equal(buf[i], expect_byte(5 * 2048 + i, 0x33));
    }
    /* READ(12) over DMA */
    mem_st32(RAM_BASE + PRD, RAM_BASE + BUF);
    mem_st32(RAM_BASE + PRD + 4, 0x80000000u | 8192);
    static const uint8_t rd12[12] = { 0xa8, 0, 0, 0, 0, 9, 0, 0, 0, 3 };
    packet(rd12, 0, true);
    bm_start(1, true, RAM_BASE + PRD);
    assert_int_equal(wait_ready(C1) & 0x09, 0);
    assert_int_equal(inb(BMIBA + 8 + 2) & 0x04, 0x04);
    outb(BMIBA + 8, 0);
    uint8_t got[3 * 2048];
    address_space_read(address_space_memory(), RAM_BASE + BUF, got, sizeof(got));
    for (int i = 0; i < (int)sizeof(got); i++) {
        assert_int_equal(got[i], expect_byte(9 * 2048 + i, 0x33));
    }
    /* READ CD, user data */
    static const uint8_t rcd[12] = { 0xbe, 0, 0, 0, 0, 1, 0, 0, 1, 0x10 };
    packet(rcd, 0xfffe, false);
    assert_int_equal(pio_in(buf, sizeof(buf), 0xfffe), 2048);
    assert_int_equal(buf[0], expect_byte(2048, 0x33));
    /* past the end: LBA out of range */
    static const uint8_t bad[12] = { 0x28, 0, 0, 0, 0, CD_SECTORS - 1, 0, 0, 2 };
    packet(bad, 0xfffe, false);
    assert_int_equal(wait_ready(C1) & 0x01, 0x01);
    assert_int_equal(inb(P1 + 1) >> 4, 0x05);
    static const uint8_t sense[12] = { 0x03, 0, 0, 0, 18 };
    packet(sense, 0xfffe, false);
    assert_int_equal(pio_in(buf, sizeof(buf), 0xfffe), 18);
    assert_int_equal(buf[2], 0x05);
    assert_int_equal(buf[12], 0x21);
    /* READ TOC formats 0, 1, 2 */
    for (int f = 0; f < 3; f++) {
        uint8_t toc[12] = { 0x43, 0, (uint8_t)f, 0, 0, 0, 0, 0x10, 0 };
        packet(toc, 0xfffe, false);
        uint32_t n = pio_in(buf, sizeof(buf), 0xfffe);
        assert_int_equal(n, (uint32_t)(buf[0] << 8 | buf[1]) + 2);
        assert_int_equal(buf[2], 1);
    }
    /* allocation length shorter than the response: cut */
    static const uint8_t toc_short[12] = { 0x43, 0, 0, 0, 0, 0, 0, 0, 6 };
    packet(toc_short, 0xfffe, false);
    assert_int_equal(pio_in(buf, sizeof(buf), 0xfffe), 6);
    /* GET CONFIGURATION: current profile CD-ROM */
    static const uint8_t gc[12] = { 0x46, 0, 0, 0, 0, 0, 0, 0, 64 };
    packet(gc, 0xfffe, false);
    assert_true(pio_in(buf, sizeof(buf), 0xfffe) >= 8);
    assert_int_equal(buf[6] << 8 | buf[7], 0x0008);
    /* MODE SENSE(10) page 2A */
    static const uint8_t ms[12] = { 0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 64 };
    packet(ms, 0xfffe, false);
    assert_int_equal(pio_in(buf, sizeof(buf), 0xfffe), 28);
    assert_int_equal(buf[8], 0x2a);
    /* MECHANISM STATUS */
    static const uint8_t mech[12] = { 0xbd, 0, 0, 0, 0, 0, 0, 0, 0, 8 };
    packet(mech, 0xfffe, false);
    assert_int_equal(pio_in(buf, sizeof(buf), 0xfffe), 8);
    /* unknown opcode */
    static const uint8_t nope[12] = { 0xff };
    packet(nope, 0xfffe, false);
    assert_int_equal(wait_ready(C1) & 0x01, 0x01);
    (void)atapi_status();
}

/* ---- READ CD: raw sectors checked against ECMA-130's definitions ---- */

/* GF(2^8) product by shift and add, modulo x^8+x^4+x^3+x^2+1: the test's
 * own arithmetic, independent of the device's tables. */
static uint8_t gf_mul_slow(uint8_t a, uint8_t b)
{
    unsigned r = 0, x = a;
    for (int i = 0; i < 8; i++) {
        if (b & (1 << i)) {
            r ^= x;
        }
        x <<= 1;
        if (x & 0x100) {
            x ^= 0x11d;
        }
    }
    return r;
}

/* A code word of the RSPC code is in the code when both syndromes vanish:
 * sum c_i = 0 and sum c_i alpha^(n-1-i) = 0 (ECMA-130 annex A). */
static void check_codeword(const uint8_t *c, int n, const char *what, int idx)
{
    uint8_t s0 = 0, s1 = 0;
    for (int i = 0; i < n; i++) {
        uint8_t a = 1;
        for (int k = 0; k < n - 1 - i; k++) {
            a = gf_mul_slow(a, 2);
        }
        s0 ^= c[i];
        s1 ^= gf_mul_slow(c[i], a);
    }
    if (s0 || s1) {
        fail_msg("%s word %d: syndromes %02x %02x", what, idx, s0, s1);
    }
}

/* A Mode 1 raw sector of the test CD at lba: sync, BCD header, the
 * image's data, EDC (CRC computed bit by bit) and the P and Q code words
 * (taken by their definition's word indices). */
static void check_raw_sector(const uint8_t *raw, uint32_t lba)
{
    static const uint8_t sync[12] = { 0, 0xff, 0xff, 0xff, 0xff, 0xff,
                                      0xff, 0xff, 0xff, 0xff, 0xff, 0 };
    assert_memory_equal(raw, sync, 12);
    uint32_t a = lba + 150;
    unsigned m = a / 4500, sec = a / 75 % 60, f = a % 75;
    assert_int_equal(raw[12], (m / 10) << 4 | m % 10);
    assert_int_equal(raw[13], (sec / 10) << 4 | sec % 10);
    assert_int_equal(raw[14], (f / 10) << 4 | f % 10);
    assert_int_equal(raw[15], 1);
    for (int i = 0; i < 2048; i++) {
        if (raw[16 + i] != expect_byte(lba * 2048 + i, 0x33)) {
            fail_msg("sector %u byte %d", lba, i);
        }
    }
    /* EDC over bytes 0-2063: x^32+x^31+x^16+x^15+x^4+x^3+x+1, LSB first */
    uint32_t crc = 0;
    for (int i = 0; i < 2064; i++) {
        crc ^= raw[i];
        for (int b = 0; b < 8; b++) {
            crc = (crc >> 1) ^ ((crc & 1) ? 0xd8018001u : 0);
        }
    }
    assert_int_equal(raw[2064] | raw[2065] << 8 | raw[2066] << 16 | (uint32_t)raw[2067] << 24,
                     crc);
    for (int i = 2068; i < 2076; i++) {
        assert_int_equal(raw[i], 0);
    }
    /* Word k is bytes 12 + 2k and 13 + 2k; P columns Np: words 43 Mp + Np
     * (Mp 0..25); Q diagonals Nq: words (44 Mq + 43 Nq) mod 1118 (Mq
     * 0..42), then 1118 + Nq and 1144 + Nq. */
    uint8_t w[45];
    for (int plane = 0; plane < 2; plane++) {
        for (int np = 0; np < 43; np++) {
            for (int mp = 0; mp < 26; mp++) {
                w[mp] = raw[12 + 2 * (43 * mp + np) + plane];
            }
            check_codeword(w, 26, "P", np);
        }
        for (int nq = 0; nq < 26; nq++) {
            for (int mq = 0; mq < 43; mq++) {
                w[mq] = raw[12 + 2 * ((44 * mq + 43 * nq) % 1118) + plane];
            }
            w[43] = raw[12 + 2 * (1118 + nq) + plane];
            w[44] = raw[12 + 2 * (1144 + nq) + plane];
            check_codeword(w, 45, "Q", nq);
        }
    }
}

/* A packet that must fail with the sense key and ASC given. */
static void expect_sense(const uint8_t cdb[12], uint8_t key, uint8_t asc)
{
    uint8_t sb[18];
    packet(cdb, 0xfffe, false);
    assert_int_equal(wait_ready(C1) & 0x09, 0x01);
    assert_int_equal(inb(P1 + 1) >> 4, key);
    static const uint8_t sense[12] = { 0x03, 0, 0, 0, 18 };
    packet(sense, 0xfffe, false);
    assert_int_equal(pio_in(sb, sizeof(sb), 0xfffe), 18);
    assert_int_equal(sb[2], key);
    assert_int_equal(sb[12], asc);
}

static void read_cd_cdb(uint8_t cdb[12], uint8_t type, uint32_t lba, uint32_t n, uint8_t sel)
{
    memset(cdb, 0, 12);
    cdb[0] = 0xbe;
    cdb[1] = type << 2;
    cdb[2] = lba >> 24;
    cdb[3] = lba >> 16;
    cdb[4] = lba >> 8;
    cdb[5] = lba;
    cdb[6] = n >> 16;
    cdb[7] = n >> 8;
    cdb[8] = n;
    cdb[9] = sel;
}

static void test_atapi_read_cd(void **state)
{
    static uint8_t buf[32 * 2648];
    uint8_t cdb[12];

    /* Raw sectors (sync, header, data, EDC/ECC) over PIO, with a byte
     * count limit that splits sectors across DRQ blocks. */
    read_cd_cdb(cdb, 0, 3, 2, 0xf8);
    packet(cdb, 1000, false);
    assert_int_equal(pio_in(buf, sizeof(buf), 1000), 2 * 2352);
    check_raw_sector(buf, 3);
    check_raw_sector(buf + 2352, 4);
    /* the same with the expected sector type Mode 1 */
    read_cd_cdb(cdb, 2, 60, 1, 0xf8);
    packet(cdb, 0xfffe, false);
    assert_int_equal(pio_in(buf, sizeof(buf), 0xfffe), 2352);
    check_raw_sector(buf, 60);

    /* 30 raw sectors over DMA: more than one buffer's worth (27). */
    mem_st32(RAM_BASE + PRD, RAM_BASE + BUF);
    mem_st32(RAM_BASE + PRD + 4, 0x80000000u | 0);     /* 64 KiB */
    mem_st32(RAM_BASE + PRD, RAM_BASE + BUF);
    mem_st32(RAM_BASE + PRD + 4, 0);
    mem_st32(RAM_BASE + PRD + 8, RAM_BASE + BUF + 0x10000);
    mem_st32(RAM_BASE + PRD + 12, 0x80000000u | (30 * 2352 - 0x10000));
    read_cd_cdb(cdb, 0, 20, 30, 0xf8);
    packet(cdb, 0, true);
    bm_start(1, true, RAM_BASE + PRD);
    assert_int_equal(wait_ready(C1) & 0x09, 0);
    assert_int_equal(inb(BMIBA + 8 + 2) & 0x07, 0x04);   /* done, no error */
    outb(BMIBA + 8, 0);
    address_space_read(address_space_memory(), RAM_BASE + BUF, buf, 30 * 2352);
    for (int i = 0; i < 30; i++) {
        check_raw_sector(buf + i * 2352, 20 + i);
    }

    /* Every other legal field selection is a slice of the raw sector,
     * plus C2 error flags (all zero: no errors) when asked: check each
     * against the raw sector read above (LBA 20). */
    static uint8_t raw[2352];
    memcpy(raw, buf, sizeof(raw));
    static const struct { uint8_t sel; uint32_t off, len, c2; } sl[] = {
        { 0x10, 16, 2048, 0 },      /* user data */
        { 0x50, 16, 2048, 0 },      /* subheader (none in Mode 1) + user data */
        { 0x30, 12, 2052, 0 },      /* header + user data */
        { 0x70, 12, 2052, 0 },      /* all headers + user data */
        { 0x38, 12, 2340, 0 },      /* header + user data + EDC/ECC */
        { 0x18, 16, 2336, 0 },      /* user data + EDC/ECC (Linux's 2336) */
        { 0x58, 16, 2336, 0 },
        { 0x08, 2064, 288, 0 },     /* EDC/ECC */
        { 0x20, 12, 4, 0 },         /* header */
        { 0xa0, 0, 16, 0 },         /* sync + header */
        { 0xb0, 0, 2064, 0 },       /* sync + header + user data */
        { 0xf0, 0, 2064, 0 },
        { 0x12, 16, 2048, 294 },    /* user data + C2 flags */
        { 0xfc, 0, 2352, 296 },     /* raw + C2 flags + block error byte */
        { 0x02, 0, 0, 294 },        /* C2 flags only */
    };
    for (unsigned k = 0; k < G_N_ELEMENTS(sl); k++) {
        uint32_t frame = sl[k].len + sl[k].c2;
        read_cd_cdb(cdb, 0, 20, 3, sl[k].sel);
        packet(cdb, 0xfffe, false);
        uint32_t got = pio_in(buf, sizeof(buf), 0xfffe);
        if (got != 3 * frame) {
            fail_msg("selection 0x%02x: %u bytes, want %u", sl[k].sel, got, 3 * frame);
        }
        assert_memory_equal(buf, raw + sl[k].off, sl[k].len);
        for (uint32_t i = 0; i < sl[k].c2; i++) {
            assert_int_equal(buf[sl[k].len + i], 0);
        }
        if (sl[k].len == 2048) {                /* the next sectors' data */
            for (int i = 0; i < 2048; i++) {
                assert_int_equal(buf[2 * frame + i], expect_byte(22 * 2048 + i, 0x33));
            }
        }
    }
    /* Nothing selected: the command completes with no data. */
    read_cd_cdb(cdb, 0, 20, 3, 0x00);
    packet(cdb, 0xfffe, false);
    assert_int_equal(pio_in(buf, sizeof(buf), 0xfffe), 0);
    assert_int_equal(inb(P1 + 7) & 0x09, 0);

    /* READ CD MSF: 00:02:05 to 00:02:07 (end exclusive) is LBA 5 and 6. */
    static const uint8_t msf[12] = { 0xb9, 0, 0, 0, 2, 5, 0, 2, 7, 0xf8 };
    packet(msf, 0xfffe, false);
    assert_int_equal(pio_in(buf, sizeof(buf), 0xfffe), 2 * 2352);
    check_raw_sector(buf, 5);
    check_raw_sector(buf + 2352, 6);
    static const uint8_t msf_user[12] = { 0xb9, 0, 0, 0, 2, 60, 0, 2, 62, 0x10 };
    packet(msf_user, 0xfffe, false);
    assert_int_equal(pio_in(buf, sizeof(buf), 0xfffe), 2 * 2048);
    for (int i = 0; i < 2 * 2048; i++) {
        assert_int_equal(buf[i], expect_byte(60 * 2048 + i, 0x33));
    }

    /* Refused: field combinations with a gap or sync without the header,
     * sub-channel data, reserved and mismatching sector types, ranges
     * past the medium or before LBA 0, a reversed MSF range. */
    static const uint8_t bad_sel[] = { 0x28, 0x68, 0x80, 0x88, 0x90, 0x98, 0xa8, 0xc0,
                                       0xd0, 0xe8, 0x16, 0x11 };
    for (unsigned k = 0; k < sizeof(bad_sel); k++) {
        read_cd_cdb(cdb, 0, 0, 1, bad_sel[k]);
        expect_sense(cdb, 0x05, 0x24);
    }
    read_cd_cdb(cdb, 0, 0, 1, 0x10);
    cdb[10] = 1;                                /* raw P-W sub-channel */
    expect_sense(cdb, 0x05, 0x24);
    read_cd_cdb(cdb, 6, 0, 1, 0x10);            /* reserved type */
    expect_sense(cdb, 0x05, 0x24);
    read_cd_cdb(cdb, 1, 0, 1, 0xf8);            /* CD-DA on a data disc */
    expect_sense(cdb, 0x05, 0x64);
    read_cd_cdb(cdb, 4, 0, 1, 0x10);            /* Mode 2 Form 1 */
    expect_sense(cdb, 0x05, 0x64);
    read_cd_cdb(cdb, 0, CD_SECTORS - 2, 3, 0xf8);
    expect_sense(cdb, 0x05, 0x21);
    read_cd_cdb(cdb, 0, 0xffffffffu, 1, 0xf8);
    expect_sense(cdb, 0x05, 0x21);
    read_cd_cdb(cdb, 0, 0, 0xffffff, 0xf8);
    expect_sense(cdb, 0x05, 0x21);
    static const uint8_t msf_rev[12] = { 0xb9, 0, 0, 0, 2, 7, 0, 2, 5, 0xf8 };
    expect_sense(msf_rev, 0x05, 0x24);
    static const uint8_t msf_leadin[12] = { 0xb9, 0, 0, 0, 1, 0, 0, 2, 5, 0xf8 };
    expect_sense(msf_leadin, 0x05, 0x21);
    static const uint8_t msf_bad_f[12] = { 0xb9, 0, 0, 0, 2, 75, 0, 3, 0, 0xf8 };
    expect_sense(msf_bad_f, 0x05, 0x24);
    static const uint8_t msf_past[12] = { 0xb9, 0, 0, 0, 2, 0, 0, 2, CD_SECTORS + 1, 0xf8 };
    expect_sense(msf_past, 0x05, 0x21);
    /* A READ(10) after them is plain 2048-byte data again. */
    static const uint8_t rd[12] = { 0x28, 0, 0, 0, 0, 7, 0, 0, 1 };
    packet(rd, 0xfffe, false);
    assert_int_equal(pio_in(buf, sizeof(buf), 0xfffe), 2048);
    assert_int_equal(buf[100], expect_byte(7 * 2048 + 100, 0x33));
}

/* A READ CD saved in the middle: the rest, and the sectors read after the
 * load (a second buffer's worth), come in the same raw format. */
static void read_words_into(uint8_t *buf, uint32_t bytes)
{
    for (uint32_t i = 0; i < bytes; i += 2) {
        uint16_t w = inw(P1);
        buf[i] = w;
        buf[i + 1] = w >> 8;
    }
}

static void test_atapi_read_cd_vmstate(void **state)
{
    static uint8_t first[30 * 2352], again[30 * 2352];
    uint8_t cdb[12];
    read_cd_cdb(cdb, 0, 30, 30, 0xf8);
    packet(cdb, 0xfffe, false);
    assert_int_equal(wait_ready(C1) & 0x09, 0x08);
    uint32_t block = inb(P1 + 4) | inb(P1 + 5) << 8;
    assert_int_equal(block, 27 * 2352);         /* a buffer of raw sectors */
    read_words_into(first, 1000);
    VMStateStream *s = vmstate_stream_new_buffer();
    Error *err = NULL;
    if (!vmstate_save_device(s, ctrl, &err)) {
        fail_msg("save: %s", error_get_pretty(err));
    }
    read_words_into(first + 1000, block - 1000);
    assert_int_equal(pio_in(first + block, sizeof(first) - block, 0xfffe), 3 * 2352);
    for (int i = 0; i < 30; i++) {
        check_raw_sector(first + i * 2352, 30 + i);
    }
    size_t len;
    const uint8_t *data = vmstate_stream_data(s, &len);
    VMStateStream *r = vmstate_stream_new_reader(data, len);
    if (!vmstate_load_device(r, ctrl, &err)) {
        fail_msg("load: %s", error_get_pretty(err));
    }
    vmstate_stream_free(r);
    vmstate_stream_free(s);
    read_words_into(again + 1000, block - 1000);
    assert_int_equal(pio_in(again + block, sizeof(again) - block, 0xfffe), 3 * 2352);
    assert_memory_equal(again + 1000, first + 1000, sizeof(first) - 1000);
}

/* ---- MODE SELECT(10) ---- */

/* A packet with a PIO data-out phase: send len bytes of params in DRQ
 * blocks of at most limit bytes; returns the final status. */
static uint8_t packet_out(const uint8_t cdb[12], const uint8_t *params, uint32_t len,
                          uint16_t limit)
{
    packet(cdb, limit, false);
    uint32_t sent = 0;
    for (;;) {
        uint8_t st = wait_ready(C1);
        if (!(st & 0x08)) {
            return st;
        }
        assert_int_equal(inb(P1 + 2) & 3, 0);   /* data, host to device */
        uint32_t n = inb(P1 + 4) | inb(P1 + 5) << 8;
        assert_true(n <= limit && n > 0);
        for (uint32_t i = 0; i < n; i += 2, sent += 2) {
            outw(P1, (sent < len ? params[sent] : 0) |
                     (sent + 1 < len ? params[sent + 1] : 0) << 8);
        }
        assert_true(sent <= len + 1);
    }
}

static void mode_select_cdb(uint8_t cdb[12], uint16_t len)
{
    memset(cdb, 0, 12);
    cdb[0] = 0x55;
    cdb[1] = 0x10;                              /* PF */
    cdb[7] = len >> 8;
    cdb[8] = len;
}

/* MODE SENSE(10) of one page with page control pc into buf; returns the
 * length. */
static uint32_t mode_sense_page(uint8_t page, uint8_t pc, uint8_t *buf, uint32_t max)
{
    uint8_t cdb[12] = { 0x5a, 0, (uint8_t)(pc << 6 | page), 0, 0, 0, 0, 0, 255 };
    packet(cdb, 0xfffe, false);
    return pio_in(buf, max, 0xfffe);
}

static void expect_mode_select(const uint8_t *params, uint32_t len, uint8_t asc)
{
    uint8_t cdb[12], sb[18];
    mode_select_cdb(cdb, len);
    uint8_t st = packet_out(cdb, params, len, 0xfffe);
    if (!asc) {
        assert_int_equal(st & 0x01, 0);
        assert_int_equal(inb(P1 + 2) & 3, 3);
        return;
    }
    assert_int_equal(st & 0x01, 0x01);
    static const uint8_t sense[12] = { 0x03, 0, 0, 0, 18 };
    packet(sense, 0xfffe, false);
    pio_in(sb, sizeof(sb), 0xfffe);
    assert_int_equal(sb[2], 0x05);
    assert_int_equal(sb[12], asc);
}

static void test_atapi_mode_select(void **state)
{
    uint8_t cur[256], mask[256], def[256], prm[64];
    /* What MODE SENSE reports comes back unchanged: accepted. */
    uint32_t n = mode_sense_page(0x3f, 0, cur, sizeof(cur));
    assert_int_equal(n, 8 + 8 + 20);
    memcpy(prm, cur, n);
    prm[0] = prm[1] = 0;                        /* mode data length: reserved */
    expect_mode_select(prm, n, 0);
    /* Changeable: page 1's bytes 2 and 3, nothing in page 2A. */
    assert_int_equal(mode_sense_page(0x01, 1, mask, sizeof(mask)), 16);
    assert_int_equal(mask[8], 0x01);
    assert_int_equal(mask[10], 0xff);
    assert_int_equal(mask[11], 0xff);
    assert_int_equal(mode_sense_page(0x2a, 1, mask, sizeof(mask)), 28);
    for (int i = 10; i < 28; i++) {
        assert_int_equal(mask[i], 0);
    }
    /* Set the read retry count over PIO in 4-byte DRQ blocks and the
     * error recovery parameter, read them back, then over DMA. */
    uint8_t p1[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 6, 0x04, 9 };
    uint8_t cdb[12];
    mode_select_cdb(cdb, 16);
    assert_int_equal(packet_out(cdb, p1, 16, 4) & 0x01, 0);
    assert_int_equal(mode_sense_page(0x01, 0, cur, sizeof(cur)), 16);
    assert_int_equal(cur[10], 0x04);
    assert_int_equal(cur[11], 9);
    mode_sense_page(0x01, 2, def, sizeof(def));
    assert_int_equal(def[11], 0);               /* defaults unchanged */
    p1[11] = 3;
    address_space_write(address_space_memory(), RAM_BASE + BUF, p1, 16);
    mem_st32(RAM_BASE + PRD, RAM_BASE + BUF);
    mem_st32(RAM_BASE + PRD + 4, 0x80000000u | 16);
    packet(cdb, 0, true);
    bm_start(1, false, RAM_BASE + PRD);
    assert_int_equal(wait_ready(C1) & 0x09, 0);
    assert_int_equal(inb(BMIBA + 8 + 2) & 0x07, 0x04);
    outb(BMIBA + 8, 0);
    mode_sense_page(0x01, 0, cur, sizeof(cur));
    assert_int_equal(cur[11], 3);

    /* Page 2A's fields are not changeable: max speed changed. */
    n = mode_sense_page(0x2a, 0, cur, sizeof(cur));
    memcpy(prm, cur, n);
    prm[8 + 9] ^= 1;
    expect_mode_select(prm, n, 0x26);
    /* A refused list changes nothing, even its valid first page. */
    uint8_t two[36];
    memcpy(two, p1, 16);
    two[11] = 7;
    memcpy(two + 16, cur + 8, 20);
    two[16 + 4] ^= 0x80;
    expect_mode_select(two, 36, 0x26);
    mode_sense_page(0x01, 0, cur, sizeof(cur));
    assert_int_equal(cur[11], 3);
    /* Page 1 with a wrong length, an unknown page, PS and SPF set. */
    uint8_t bad[16];
    memcpy(bad, p1, 16);
    bad[9] = 10;
    expect_mode_select(bad, 16, 0x26);
    memcpy(bad, p1, 16);
    bad[8] = 0x0e;
    expect_mode_select(bad, 16, 0x26);
    memcpy(bad, p1, 16);
    bad[8] = 0x81;
    expect_mode_select(bad, 16, 0x26);
    memcpy(bad, p1, 16);
    bad[8] = 0x41;
    expect_mode_select(bad, 16, 0x26);
    /* Lengths: shorter than the header; a page cut by the list; a
     * block descriptor past the list; a lone byte after a page. */
    expect_mode_select(p1, 6, 0x1a);
    expect_mode_select(p1, 12, 0x1a);
    uint8_t bd[16] = { 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0x08, 0 };
    expect_mode_select(bd, 12, 0x1a);
    expect_mode_select(bd, 16, 0);              /* 2048-byte blocks: accepted */
    bd[14] = 0x02;                              /* 512-byte blocks */
    expect_mode_select(bd, 16, 0x26);
    bd[7] = 4;                                  /* descriptor length 4 */
    expect_mode_select(bd, 16, 0x26);
    uint8_t tail[17];
    memcpy(tail, p1, 16);
    tail[16] = 0x01;
    expect_mode_select(tail, 17, 0x1a);
    /* The CDB: without PF, or with SP, refused before any data. */
    mode_select_cdb(cdb, 16);
    cdb[1] = 0x00;
    expect_sense(cdb, 0x05, 0x24);
    cdb[1] = 0x11;
    expect_sense(cdb, 0x05, 0x24);
    /* A zero-length list is no change. */
    mode_select_cdb(cdb, 0);
    packet(cdb, 0xfffe, false);
    assert_int_equal(wait_ready(C1) & 0x09, 0);
    /* The longest list the buffer takes: read in whole and refused (an
     * unknown page 0); a longer one refused at once. */
    static uint8_t big[65536 - 16];
    expect_mode_select(big, sizeof(big), 0x26);
    mode_select_cdb(cdb, sizeof(big) + 1);
    expect_sense(cdb, 0x05, 0x24);
    /* A hard reset restores the defaults. */
    device_cold_reset(ctrl);
    pci_cfg(0x20, BMIBA | 1, 4);
    pci_cfg(PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MASTER, 2);
    wait_ready(C1);
    static const uint8_t tur[12] = { 0 };
    for (int i = 0; i < 2; i++) {               /* a UNIT ATTENTION may come first */
        packet(tur, 0, false);
        wait_ready(C1);
    }
    mode_sense_page(0x01, 0, cur, sizeof(cur));
    assert_int_equal(cur[11], 0);
}

static json_object *qmp(const char *cmd, const char *args_json)
{
    json_object *args = args_json ? json_tokener_parse(args_json) : NULL;
    Error *err = NULL;
    json_object *r = qmp_call(cmd, args, &err);
    json_object_put(args);
    if (!r) {
        fail_msg("%s: %s", cmd, error_get_pretty(err));
    }
    return r;
}

static void test_atapi_media_change(void **state)
{
    uint8_t buf[64];
    /* The guest locks the tray; a monitor eject is then only a request
     * the guest sees as a media event. */
    static const uint8_t lock[12] = { 0x1e, 0, 0, 0, 1 };
    packet(lock, 0, false);
    assert_int_equal(wait_ready(C1) & 0x01, 0);
    Error *err = NULL;
    json_object *args = json_tokener_parse("{\"device\":\"cd0\"}");
    json_object *r = qmp_call("eject", args, &err);
    json_object_put(args);
    assert_null(r);
    if (!strstr(error_get_pretty(err), "locked")) {
        fail_msg("eject: %s", error_get_pretty(err));
    }
    error_free(err);
    static const uint8_t gesn[12] = { 0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8 };
    packet(gesn, 0xfffe, false);
    assert_int_equal(pio_in(buf, sizeof(buf), 0xfffe), 8);
    assert_int_equal(buf[4], 1);                /* eject request */
    /* the guest ejects while locked: refused */
    static const uint8_t eject[12] = { 0x1b, 0, 0, 0, 0x02 };
    packet(eject, 0, false);
    assert_int_equal(wait_ready(C1) & 0x01, 0x01);
    static const uint8_t unlock[12] = { 0x1e, 0, 0, 0, 0 };
    packet(unlock, 0, false);
    wait_ready(C1);
    packet(eject, 0, false);
    assert_int_equal(wait_ready(C1) & 0x01, 0);
    /* tray open: not ready, medium not present */
    static const uint8_t tur[12] = { 0x00 };
    packet(tur, 0, false);
    assert_int_equal(wait_ready(C1) & 0x01, 0x01);
    assert_int_equal(inb(P1 + 1) >> 4, 0x02);

    /* A new disc from the monitor: UNIT ATTENTION once, then ready, with
     * the new capacity. */
    char *a = g_strdup_printf("{\"device\":\"cd0\",\"filename\":\"%s\",\"format\":\"raw\"}",
                              cd2_path);
    json_object_put(qmp("blockdev-change-medium", a));
    g_free(a);
    packet(tur, 0, false);
    assert_int_equal(wait_ready(C1) & 0x01, 0x01);
    assert_int_equal(inb(P1 + 1) >> 4, 0x06);
    static const uint8_t sense[12] = { 0x03, 0, 0, 0, 18 };
    packet(sense, 0xfffe, false);
    pio_in(buf, sizeof(buf), 0xfffe);
    assert_int_equal(buf[2], 0x06);
    assert_int_equal(buf[12], 0x28);
    packet(tur, 0, false);
    assert_int_equal(wait_ready(C1) & 0x01, 0);
    static const uint8_t cap[12] = { 0x25 };
    packet(cap, 8, false);
    pio_in(buf, sizeof(buf), 8);
    assert_int_equal(buf[3], 2 * CD_SECTORS - 1);
}

/* ---- isa-ide and mmio-ide ---- */

static void test_isa_ide(void **state)
{
    uint16_t id[256];
    outb(ISA_CMD + 6, 0xa0);
    outb(ISA_CMD + 7, 0xec);
    wait_ready(ISA_CTL);
    read_words(ISA_CMD, id, 256);
    assert_int_equal(id[0], 0x0040);
    assert_int_equal(id[49] & (1 << 8), 0);     /* no DMA without a bus master */
    /* DMA commands abort */
    outb(ISA_CMD + 2, 1);
    outb(ISA_CMD + 7, 0xc8);
    assert_int_equal(wait_ready(ISA_CTL) & 0x01, 0x01);
    /* LBA 7 through PIO */
    outb(ISA_CMD + 6, 0xe0);
    outb(ISA_CMD + 2, 1);
    outb(ISA_CMD + 3, 7);
    outb(ISA_CMD + 4, 0);
    outb(ISA_CMD + 5, 0);
    outb(ISA_CMD + 7, 0x20);
    wait_ready(ISA_CTL);
    read_words(ISA_CMD, id, 256);
    assert_int_equal(id[0] & 0xff, expect_byte(7 * 512, 0x11));
}

static uint8_t mm_rd(unsigned reg)
{
    return address_space_ld(address_space_memory(), MMIO_BASE + (reg << 2), 1, NULL);
}

static void mm_wr(unsigned reg, uint8_t v)
{
    address_space_st(address_space_memory(), MMIO_BASE + (reg << 2), v, 1, NULL);
}

static uint8_t mm_alt(void)
{
    return address_space_ld(address_space_memory(), MMIO_BASE + 0x100, 1, NULL);
}

static void test_mmio_ide(void **state)
{
    IRQProbe *p = harness_probe_output(mmio, "irq", 0);
    /* write sector 3, read it back */
    mm_wr(6, 0xe0);
    mm_wr(2, 1);
    mm_wr(3, 3);
    mm_wr(4, 0);
    mm_wr(5, 0);
    mm_wr(7, 0x30);
    assert_int_equal(mm_rd(7) & 0x08, 0x08);
    for (int i = 0; i < 256; i++) {
        address_space_st(address_space_memory(), MMIO_BASE, 0x1234 + i, 2, NULL);
    }
    for (int i = 0; i < 100 && (mm_alt() & 0x80); i++) {
        blk_drain_all();
    }
    assert_int_equal(p->level, 1);
    assert_int_equal(mm_rd(7) & 0x09, 0);
    assert_int_equal(p->level, 0);
    mm_wr(7, 0x20);
    for (int i = 0; i < 100 && (mm_alt() & 0x80); i++) {
        blk_drain_all();
    }
    for (int i = 0; i < 256; i++) {
        assert_int_equal(address_space_ld(address_space_memory(), MMIO_BASE, 2, NULL),
                         0x1234 + i);
    }
    /* the control register at its own window */
    address_space_st(address_space_memory(), MMIO_BASE + 0x100, 0x04, 1, NULL);
    assert_int_equal(mm_rd(7) & 0x80, 0x80);
    address_space_st(address_space_memory(), MMIO_BASE + 0x100, 0x00, 1, NULL);
    assert_int_equal(mm_rd(7) & 0x80, 0);
}

/* ---- state: a PIO read and a DMA read saved mid-way ---- */

static void test_vmstate_midtransfer(void **state)
{
    /* isa-ide (in the device tree the machine state walks): read 2
     * sectors, take 100 words, save; finish and reset; restore: the rest
     * comes again from where it was. */
    outb(ISA_CMD + 6, 0xe0);
    outb(ISA_CMD + 2, 2);
    outb(ISA_CMD + 3, 40);
    outb(ISA_CMD + 4, 0);
    outb(ISA_CMD + 5, 0);
    outb(ISA_CMD + 7, 0x20);
    wait_ready(ISA_CTL);
    uint16_t w[512];
    read_words(ISA_CMD, w, 100);
    GBytes *saved = harness_vmstate_save_machine();
    read_words(ISA_CMD, w + 100, 156);
    wait_ready(ISA_CTL);
    read_words(ISA_CMD, w + 256, 256);
    uint8_t st_after = inb(ISA_CMD + 7);
    for (int i = 0; i < 512; i++) {
        assert_int_equal(w[i] & 0xff, expect_byte(40 * 512 + 2 * i, 0x11));
    }
    outb(ISA_CTL, 0x04);
    outb(ISA_CTL, 0x00);
    Error *err = NULL;
    gsize len;
    const uint8_t *data = g_bytes_get_data(saved, &len);
    if (!harness_vmstate_load_machine(data, len, &err)) {
        fail_msg("load: %s", error_get_pretty(err));
    }
    uint16_t again[412];
    read_words(ISA_CMD, again, 156);
    wait_ready(ISA_CTL);
    read_words(ISA_CMD, again + 156, 256);
    assert_memory_equal(again, w + 100, sizeof(again));
    assert_int_equal(inb(ISA_CMD + 7), st_after);
    g_bytes_unref(saved);
}

static void test_vmstate_direct_dma(void **state)
{
    /* A READ DMA straight into RAM, saved while its request is in flight
     * (the engine still at its first entry); finished, reset; restored:
     * it maps the PRD table again from there and completes. */
    uint8_t zero[8192] = { 0 };
    address_space_write(address_space_memory(), RAM_BASE + BUF, zero, sizeof(zero));
    mem_st32(RAM_BASE + PRD, RAM_BASE + BUF);
    mem_st32(RAM_BASE + PRD + 4, 0x80000000u | 8192);
    lba28(P0, 1, 100, 16);
    outb(P0 + 7, 0xc8);
    bm_start(0, true, RAM_BASE + PRD);
    VMStateStream *w = vmstate_stream_new_buffer();
    Error *err = NULL;
    if (!vmstate_save_device(w, ctrl, &err)) {
        fail_msg("save: %s", error_get_pretty(err));
    }
    gsize len;
    const uint8_t *data = vmstate_stream_data(w, &len);
    assert_int_equal(wait_ready(C0) & 0x09, 0);
    outb(BMIBA, 0);
    outb(C0, 0x04);
    outb(C0, 0x00);
    wait_ready(C0);
    address_space_write(address_space_memory(), RAM_BASE + BUF, zero, sizeof(zero));
    VMStateStream *r = vmstate_stream_new_reader(data, len);
    if (!vmstate_load_device(r, ctrl, &err)) {
        fail_msg("load: %s", error_get_pretty(err));
    }
    vmstate_stream_free(r);
    vmstate_stream_free(w);
    assert_int_equal(wait_ready(C0) & 0x09, 0);
    assert_int_equal(inb(BMIBA + 2) & 0x07, 0x04);
    outb(BMIBA, 0);
    check_ram(BUF, 100 * 512, 1024);
    check_ram(BUF + 7168, 100 * 512 + 7168, 1024);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identify),
        cmocka_unit_test(test_absent_device),
        cmocka_unit_test(test_pio_multiple),
        cmocka_unit_test(test_lba48_and_bounds),
        cmocka_unit_test(test_chs),
        cmocka_unit_test(test_misc_commands),
        cmocka_unit_test(test_soft_reset),
        cmocka_unit_test(test_dma),
        cmocka_unit_test(test_dma_hostile),
        cmocka_unit_test(test_dma_split),
        cmocka_unit_test(test_atapi_identify),
        cmocka_unit_test(test_atapi_commands),
        cmocka_unit_test(test_atapi_read_cd),
        cmocka_unit_test(test_atapi_read_cd_vmstate),
        cmocka_unit_test(test_atapi_mode_select),
        cmocka_unit_test(test_atapi_media_change),
        cmocka_unit_test(test_isa_ide),
        cmocka_unit_test(test_mmio_ide),
        cmocka_unit_test(test_vmstate_midtransfer),
        cmocka_unit_test(test_vmstate_direct_dma),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
