/*
 * fw-cfg: QEMU's firmware configuration interface, so firmware and test
 * programs written for QEMU (SeaBIOS, kvm-unit-tests) learn the machine's
 * RAM size and CPU count the way they expect.
 *
 * The interface (QEMU's docs/specs/fw_cfg.rst, which SeaBIOS and
 * kvm-unit-tests follow):
 *   iobase+0  16-bit selector (write): the item to read, offset reset to 0
 *   iobase+1  8-bit data (read): the next byte of the item, 0 past its end
 *   iobase+4  64-bit DMA address, big-endian, in two 32-bit halves; writing
 *             the low half (iobase+8) runs the DMA command at that address
 * Items: 0x0000 signature "QEMU", 0x0001 features (bit 0 port interface,
 * bit 1 DMA), 0x0003 RAM size, 0x0004 no-graphics, 0x0005 CPU count,
 * 0x000f maximum CPU count, 0x0019 the file directory, and files from 0x0020
 * ("etc/e820").  Unknown items read as zeros.
 *
 * A DMA command is 16 big-endian bytes in guest memory: control (bit 0
 * error, 1 read, 2 skip, 3 select with the item in bits 16-31, 4 write),
 * length, address.  The device clears control when done, or leaves only the
 * error bit.  Every length and address the guest gives is checked; transfers
 * go through address_space_read/write, so a command that points into this
 * device's own registers fails instead of recursing.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/cardcage.h>

#define TYPE_FW_CFG_IO "fw-cfg"

/* Item keys (fw_cfg.rst, "Selector Register"). */
enum {
    FW_CFG_SIGNATURE = 0x00,
    FW_CFG_ID = 0x01,
    FW_CFG_UUID = 0x02,
    FW_CFG_RAM_SIZE = 0x03,
    FW_CFG_NOGRAPHIC = 0x04,
    FW_CFG_NB_CPUS = 0x05,
    FW_CFG_MAX_CPUS = 0x0f,
    FW_CFG_FILE_DIR = 0x19,
    FW_CFG_FILE_FIRST = 0x20,
    FW_CFG_ITEMS = 0x40,        /* room for 32 files */
};
#define FW_CFG_FEATURE_PORT 0x1
#define FW_CFG_FEATURE_DMA  0x2
#define FW_CFG_FILE_NAME_LEN 56
#define FW_CFG_DMA_ERROR  0x01
#define FW_CFG_DMA_READ   0x02
#define FW_CFG_DMA_SKIP   0x04
#define FW_CFG_DMA_SELECT 0x08
#define FW_CFG_DMA_WRITE  0x10
/* "QEMU CFG" read back from the DMA address register tells firmware that
 * DMA exists (fw_cfg.rst, "DMA Address Register"). */
#define FW_CFG_DMA_SIGNATURE 0x51454d5520434647ULL
#define E820_RAM 1
/* The unit in which a zero fill checks that it still writes memory. */
#define FW_CFG_DMA_PAGE 4096u

typedef struct FwCfgItem {
    uint8_t *data;
    uint32_t len;
} FwCfgItem;

typedef struct FwCfgState {
    ISADevice parent_obj;
    MemoryRegion io;
    FwCfgItem items[FW_CFG_ITEMS];
    uint16_t cur;
    uint32_t offset;
    uint64_t dma_addr;
    int nfiles;
    /* properties */
    uint16_t iobase;
    bool dma;
    uint16_t cpus;
    bool nographic;
    bool irq0_override;
} FwCfgState;

OBJECT_DECLARE_SIMPLE_TYPE(FwCfgState, FW_CFG_IO)

/* ---- the items ---- */

static void item_set(FwCfgState *s, uint16_t key, const void *data, uint32_t len)
{
    FwCfgItem *it = &s->items[key];
    g_free(it->data);
    it->data = g_memdup2(data, len);
    it->len = len;
}

static void item_set_le(FwCfgState *s, uint16_t key, uint64_t v, int n)
{
    uint8_t b[8];
    cc_st_le64(b, v);       /* its first n bytes are the n-byte value */
    item_set(s, key, b, n);
}

/* Add a file and rebuild the directory (fw_cfg.rst, "FW_CFG_FILE_DIR"):
 * a big-endian count, then per file size (BE32), select (BE16), two
 * reserved bytes and a 56-byte NUL-padded name. */
static bool file_add(FwCfgState *s, const char *name, const void *data, uint32_t len,
                     Error **errp)
{
    if (s->nfiles >= FW_CFG_ITEMS - FW_CFG_FILE_FIRST) {
        error_setg(errp, "fw-cfg: no room for file '%s' (%d files at most)", name,
                   FW_CFG_ITEMS - FW_CFG_FILE_FIRST);
        return false;
    }
    if (strlen(name) >= FW_CFG_FILE_NAME_LEN) {
        error_setg(errp, "fw-cfg: file name '%s' is longer than %d characters", name,
                   FW_CFG_FILE_NAME_LEN - 1);
        return false;
    }
    for (int i = 0; i < s->nfiles; i++) {
        if (!strncmp((const char *)s->items[FW_CFG_FILE_DIR].data + 4 + 64 * i + 8, name,
                     FW_CFG_FILE_NAME_LEN)) {
            error_setg(errp, "fw-cfg: there is a file '%s' already", name);
            return false;
        }
    }
    uint16_t key = FW_CFG_FILE_FIRST + s->nfiles++;
    item_set(s, key, data, len);
    uint32_t dirlen = 4 + 64 * s->nfiles;
    uint8_t *dir = g_malloc0(dirlen);
    cc_st_be32(dir, s->nfiles);
    for (int i = 0; i < s->nfiles; i++) {
        uint8_t *e = dir + 4 + 64 * i;
        cc_st_be32(e, s->items[FW_CFG_FILE_FIRST + i].len);
        cc_st_be16(e + 4, FW_CFG_FILE_FIRST + i);
        if (i == s->nfiles - 1) {
            g_strlcpy((char *)e + 8, name, FW_CFG_FILE_NAME_LEN);
        } else {
            memcpy(e + 8, s->items[FW_CFG_FILE_DIR].data + 4 + 64 * i + 8,
                   FW_CFG_FILE_NAME_LEN);
        }
    }
    item_set(s, FW_CFG_FILE_DIR, dir, dirlen);
    g_free(dir);
    return true;
}

static void fill_items(FwCfgState *s)
{
    uint64_t ram = board_ram_size();
    item_set(s, FW_CFG_SIGNATURE, "QEMU", 4);
    item_set_le(s, FW_CFG_ID, FW_CFG_FEATURE_PORT | (s->dma ? FW_CFG_FEATURE_DMA : 0), 4);
    uint8_t uuid[16] = { 0 };
    item_set(s, FW_CFG_UUID, uuid, sizeof(uuid));
    item_set_le(s, FW_CFG_RAM_SIZE, ram, 8);
    item_set_le(s, FW_CFG_NOGRAPHIC, s->nographic, 2);
    /* The CPUs that start, and how many the machine could hold (SeaBIOS
     * counts the APs that answer its SIPI against the first, and sizes
     * its MP table and MADT by the second). */
    uint16_t cpus = s->cpus ? s->cpus : (uint16_t)board_cpu_count();
    uint16_t max = s->cpus ? s->cpus : (uint16_t)board_cpu_max();
    item_set_le(s, FW_CFG_NB_CPUS, cpus, 2);
    item_set_le(s, FW_CFG_MAX_CPUS, max, 2);
    /* etc/e820: the RAM the board has, as 20-byte little-endian entries
     * (address, length, type); firmware adds the holes it knows. */
    uint8_t e820[20] = { 0 };
    cc_st_le64(e820 + 8, ram);
    cc_st_le32(e820 + 16, E820_RAM);
    file_add(s, "etc/e820", e820, sizeof(e820), &error_abort);
    if (s->irq0_override) {
        /* The board wires the PIT's IRQ0 to I/O APIC pin 2.  QEMU says so
         * with its 32-bit legacy item FW_CFG_IRQ0_OVERRIDE, which SeaBIOS
         * reads as the file of this name (and then routes IRQ0 to pin 2
         * in its MP table and MADT); the file reaches it the same way. */
        uint8_t one[4];
        cc_st_le32(one, 1);
        file_add(s, "etc/irq0-override", one, sizeof(one), &error_abort);
    }
}

/* ---- the data path ---- */

static void select_item(FwCfgState *s, uint16_t key)
{
    s->cur = key;
    s->offset = 0;
}

static const FwCfgItem *cur_item(FwCfgState *s)
{
    return s->cur < FW_CFG_ITEMS ? &s->items[s->cur] : NULL;
}

static uint8_t read_byte(FwCfgState *s)
{
    const FwCfgItem *it = cur_item(s);
    if (!it || s->offset >= it->len) {
        return 0;
    }
    return it->data[s->offset++];
}

/* Zero-fill len bytes at addr for a read past an item's end, a page at a
 * time, stopping at the first page that is not all memory: a length of up
 * to 4 GiB aimed at unassigned space then costs one page, not seconds of
 * emulated bus errors.  The error bit tells the guest (fw_cfg.rst, "DMA
 * Interface": "the error bit is set if an error occurred"). */
static bool dma_zero_fill(AddressSpace *as, uint64_t addr, uint64_t len)
{
    while (len > 0) {
        uint64_t n = MIN(len, FW_CFG_DMA_PAGE - (addr & (FW_CFG_DMA_PAGE - 1)));
        if (address_space_set(as, addr, 0, n) != MEMTX_OK) {
            return false;
        }
        addr += n;
        len -= n;
    }
    return true;
}

/* Run the DMA command at s->dma_addr. */
static void dma_run(FwCfgState *s)
{
    AddressSpace *as = device_dma_address_space(DEVICE(s));
    uint8_t cmd[16];
    if (address_space_read(as, s->dma_addr, cmd, sizeof(cmd)) != MEMTX_OK) {
        log_mask(LOG_GUEST_ERROR, "fw-cfg: DMA command at 0x%" G_GINT64_MODIFIER "x "
                 "unreadable\n", s->dma_addr);
        return;
    }
    uint32_t control = cc_ld_be32(cmd), length = cc_ld_be32(cmd + 4);
    uint64_t addr = cc_ld_be64(cmd + 8);
    bool error = false;
    if (control & FW_CFG_DMA_SELECT) {
        select_item(s, control >> 16);
    }
    if (control & FW_CFG_DMA_WRITE) {
        error = true;              /* no item here is writable */
    } else if (control & (FW_CFG_DMA_READ | FW_CFG_DMA_SKIP)) {
        const FwCfgItem *it = cur_item(s);
        uint32_t avail = it && s->offset < it->len ? it->len - s->offset : 0;
        uint32_t n = MIN(length, avail);
        if ((control & FW_CFG_DMA_READ) && n &&
            address_space_write(as, addr, it->data + s->offset, n) != MEMTX_OK) {
            error = true;
        }
        /* Past the item's end a read gives zeros (fw_cfg.rst). */
        if ((control & FW_CFG_DMA_READ) && !error && length > n &&
            !dma_zero_fill(as, addr + n, length - n)) {
            error = true;
        }
        s->offset += n;
    }
    uint8_t done[4];
    cc_st_be32(done, error ? FW_CFG_DMA_ERROR : 0);
    address_space_write(as, s->dma_addr, done, sizeof(done));
}

static uint64_t fwcfg_read(void *opaque, hwaddr addr, unsigned size)
{
    FwCfgState *s = opaque;
    if (addr == 1 && size == 1) {
        return read_byte(s);
    }
    if (addr >= 4 && addr < 12 && s->dma) {
        /* The DMA register reads back the signature, big-endian. */
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i++) {
            unsigned byte = (unsigned)(addr - 4) + i;
            v |= (uint64_t)((FW_CFG_DMA_SIGNATURE >> (8 * (7 - byte))) & 0xff) << (8 * i);
        }
        return v;
    }
    return 0;
}

static void fwcfg_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    FwCfgState *s = opaque;
    if (addr == 0 && size == 2) {
        select_item(s, (uint16_t)val);
        return;
    }
    if (!s->dma || addr < 4 || addr + size > 12) {
        log_mask(LOG_GUEST_ERROR, "fw-cfg: write of %u bytes at +%u ignored\n", size,
                 (unsigned)addr);
        return;
    }
    /* The register holds a big-endian address: the guest's byte i of the
     * register is bits 63-8i..56-8i. */
    for (unsigned i = 0; i < size; i++) {
        unsigned byte = (unsigned)(addr - 4) + i;
        unsigned shift = 8 * (7 - byte);
        s->dma_addr = (s->dma_addr & ~(0xffULL << shift)) |
                      (((val >> (8 * i)) & 0xff) << shift);
    }
    if (addr + size == 12) {
        /* Writing the low half starts the command. */
        dma_run(s);
        s->dma_addr = 0;
    }
}

static const MemoryRegionOps fwcfg_ops = {
    .read = fwcfg_read,
    .write = fwcfg_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

/* ---- reset, realize, type ---- */

static void fwcfg_reset(DeviceState *dev)
{
    FwCfgState *s = FW_CFG_IO(dev);
    select_item(s, FW_CFG_SIGNATURE);
    s->dma_addr = 0;
}

static bool fwcfg_realize(DeviceState *dev, Error **errp)
{
    FwCfgState *s = FW_CFG_IO(dev);
    fill_items(s);
    memory_region_init_io(&s->io, OBJECT(dev), &fwcfg_ops, s, "fw-cfg", s->dma ? 12 : 2);
    return isa_register_ioport(ISA_DEVICE(dev), &s->io, s->iobase, errp);
}

static void fwcfg_unrealize(DeviceState *dev)
{
    FwCfgState *s = FW_CFG_IO(dev);
    for (int i = 0; i < FW_CFG_ITEMS; i++) {
        g_free(s->items[i].data);
        s->items[i].data = NULL;
        s->items[i].len = 0;
    }
    s->nfiles = 0;
    memory_region_finalize(&s->io);
}

/* ---- the core's side (include/cardcage/fwcfg.h) ---- */

static bool fwcfg_if_add_file(Object *obj, const char *name, const void *data, size_t len,
                              Error **errp)
{
    if (len > UINT32_MAX) {
        error_setg(errp, "fw-cfg: file '%s' is too large", name);
        return false;
    }
    return file_add(FW_CFG_IO(obj), name, data, (uint32_t)len, errp);
}

/* The legacy kernel items (fw_cfg.rst: 0x07-0x18, kernel address to the
 * setup data) are the ones the core may set. */
static bool fwcfg_if_set_item(Object *obj, uint16_t key, const void *data, size_t len,
                              Error **errp)
{
    if (key < 0x07 || key > 0x18 || len > UINT32_MAX) {
        error_setg(errp, "fw-cfg: item 0x%x cannot be set by the core", key);
        return false;
    }
    item_set(FW_CFG_IO(obj), key, data, (uint32_t)len);
    return true;
}

static const Property fwcfg_properties[] = {
    DEFINE_PROP_UINT16("iobase", FwCfgState, iobase, 0x510, "selector port (data at +1)"),
    DEFINE_PROP_BOOL("dma", FwCfgState, dma, true, "the DMA interface at iobase+4"),
    DEFINE_PROP_UINT16("cpus", FwCfgState, cpus, 0,
                       "CPU count reported (0: the board's, from -smp)"),
    DEFINE_PROP_BOOL("nographic", FwCfgState, nographic, true, "no display reported"),
    DEFINE_PROP_BOOL("irq0-override", FwCfgState, irq0_override, false,
                     "tell the firmware that IRQ0 is on I/O APIC pin 2 (etc/irq0-override)"),
    DEFINE_PROP_END_OF_LIST(),
};

/* ---- state ---- */

/* The items come from the board and the boot options, which the machine
 * that loads the state rebuilds; the guest's position in them is the
 * state.  cur and offset are checked on every access, so any value is
 * safe. */
static const VMStateDescription vmstate_fwcfg = {
    .name = TYPE_FW_CFG_IO,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT16(cur, FwCfgState),
        VMSTATE_UINT32(offset, FwCfgState),
        VMSTATE_UINT64(dma_addr, FwCfgState),
        VMSTATE_END_OF_LIST()
    },
};

static void fwcfg_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->desc = "firmware configuration interface (QEMU's fw_cfg, port and DMA)";
    dc->vmsd = &vmstate_fwcfg;
    dc->category = DEVICE_CATEGORY_MISC;
    dc->realize = fwcfg_realize;
    dc->unrealize = fwcfg_unrealize;
    dc->reset = fwcfg_reset;
    device_class_set_props(dc, fwcfg_properties);
    FwCfgInterfaceClass *fc = OBJECT_CLASS_CHECK(FwCfgInterfaceClass, klass, TYPE_FW_CFG_IF);
    fc->add_file = fwcfg_if_add_file;
    fc->set_item = fwcfg_if_set_item;
}

static const TypeInfo fwcfg_types[] = {
    {
        .name = TYPE_FW_CFG_IO,
        .parent = TYPE_ISA_DEVICE,
        .instance_size = sizeof(FwCfgState),
        .class_init = fwcfg_class_init,
        .interfaces = (const InterfaceInfo[]) { { TYPE_FW_CFG_IF }, { NULL } },
    },
};

DEFINE_TYPES(fwcfg_types)

CARDCAGE_PLUGIN(
    .name = "fwcfg",
    .version = "1.0",
    .description = "fw-cfg: QEMU's firmware configuration interface",
    .license = "MIT",
);
