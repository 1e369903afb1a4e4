/*
 * A plugin built only for the tests: a block driver and a device, both
 * registered from a plugin .so as a third party's would be.
 *
 * Driver "test-faulty": a format over its file child passing requests
 * through, except that the first fail-writes=N writes fail with
 * errno=ENOSPC (or EIO), and each request sleeps delay-us=N first (a slow
 * disk, for the icount determinism test).
 *
 * Device "block-testdev" (ISA, iobase=0x600 by default, drive=ID): a
 * one-sector disk controller a guest drives by polling:
 *   +0  w32  sector number (LBA)
 *   +4  w8   command: 0 rewind the buffer index, 1 read the sector into
 *            the buffer, 2 write the buffer to it, 3 flush; ignored while busy
 *       r8   status: bit 0 busy, bit 1 the last command failed
 *   +8  r/w8 the next byte of the 512-byte buffer (the index wraps)
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <string.h>
#include <cardcage/cardcage.h>

/* ---- the driver ---- */

typedef struct FaultyState {
    uint64_t fail_writes;
    uint64_t delay_us;
    int err;
} FaultyState;

static bool faulty_open(BlockDriverState *bs, BlockOpts *opts, int flags, Error **errp)
{
    FaultyState *s = bdrv_opaque(bs);
    if (!block_opts_get_uint(opts, "fail-writes", 0, &s->fail_writes, errp) ||
        !block_opts_get_uint(opts, "delay-us", 0, &s->delay_us, errp)) {
        return false;
    }
    const char *e = block_opts_get(opts, "errno");
    s->err = !e || !strcmp(e, "ENOSPC") ? ENOSPC : EIO;
    return bdrv_open_child(bs, opts, "file", errp) != NULL;
}

static int faulty_preadv(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                         struct iovec *iov, int niov, int flags)
{
    FaultyState *s = bdrv_opaque(bs);
    if (s->delay_us) {
        g_usleep(s->delay_us);
    }
    return bdrv_preadv(bdrv_file(bs), offset, bytes, iov, niov, flags);
}

static int faulty_pwritev(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                          struct iovec *iov, int niov, int flags)
{
    FaultyState *s = bdrv_opaque(bs);
    if (s->delay_us) {
        g_usleep(s->delay_us);
    }
    if (s->fail_writes) {
        s->fail_writes--;
        return -s->err;
    }
    return bdrv_pwritev(bdrv_file(bs), offset, bytes, iov, niov, flags);
}

static BlockDriver faulty_driver = {
    .format_name = "test-faulty",
    .description = "tests: a pass-through format with injected write errors",
    .instance_size = sizeof(FaultyState),
    .open = faulty_open,
    .preadv = faulty_preadv,
    .pwritev = faulty_pwritev,
};

static void faulty_register(void)
{
    bdrv_register(&faulty_driver);
}
block_init(faulty_register)

/* ---- the device ---- */

#define TYPE_BLOCK_TESTDEV "block-testdev"
#define SECTOR 512

typedef struct BlockTestDev {
    ISADevice parent_obj;
    MemoryRegion io;
    BlockBackend *blk;
    uint16_t iobase;
    uint32_t lba;
    uint8_t buf[SECTOR];
    uint32_t index;
    bool busy, failed;
    BlockAIOCB *acb;
} BlockTestDev;

#define BLOCK_TESTDEV(obj) OBJECT_CHECK(BlockTestDev, (obj), TYPE_BLOCK_TESTDEV)

static void testdev_done(void *opaque, int ret)
{
    BlockTestDev *s = opaque;
    s->acb = NULL;
    s->busy = false;
    s->failed = ret < 0;
}

static void testdev_command(BlockTestDev *s, uint8_t cmd)
{
    uint64_t off = (uint64_t)s->lba * SECTOR;
    switch (cmd) {
    case 0:
        s->index = 0;
        return;
    case 1:
        s->acb = blk_aio_pread(s->blk, off, s->buf, SECTOR, testdev_done, s);
        break;
    case 2:
        s->acb = blk_aio_pwrite(s->blk, off, s->buf, SECTOR, 0, testdev_done, s);
        break;
    case 3:
        s->acb = blk_aio_flush(s->blk, testdev_done, s);
        break;
    default:
        s->failed = true;
        return;
    }
    s->busy = true;
}

static uint64_t testdev_read(void *opaque, hwaddr addr, unsigned size)
{
    BlockTestDev *s = opaque;
    switch (addr) {
    case 4:
        return (s->busy ? 1 : 0) | (s->failed ? 2 : 0);
    case 8:
        /* The buffer belongs to the request while busy. */
        return s->busy ? 0xff : s->buf[s->index++ % SECTOR];
    default:
        return 0;
    }
}

static void testdev_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    BlockTestDev *s = opaque;
    if (s->busy) {
        return;
    }
    switch (addr) {
    case 0:
        s->lba = (uint32_t)val;
        break;
    case 4:
        testdev_command(s, (uint8_t)val);
        break;
    case 8:
        s->buf[s->index++ % SECTOR] = (uint8_t)val;
        break;
    }
}

static const MemoryRegionOps testdev_ops = {
    .read = testdev_read,
    .write = testdev_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

static void testdev_reset(DeviceState *dev)
{
    BlockTestDev *s = BLOCK_TESTDEV(dev);
    if (s->acb) {
        blk_aio_cancel(s->acb);
        s->acb = NULL;
    }
    s->busy = s->failed = false;
    s->index = 0;
    s->lba = 0;
}

static bool testdev_realize(DeviceState *dev, Error **errp)
{
    BlockTestDev *s = BLOCK_TESTDEV(dev);
    if (!s->blk) {
        error_setg(errp, "block-testdev needs drive=ID");
        return false;
    }
    memory_region_init_io(&s->io, OBJECT(dev), &testdev_ops, s, "block-testdev", 12);
    return isa_register_ioport(ISA_DEVICE(dev), &s->io, s->iobase, errp);
}

static const Property testdev_properties[] = {
    DEFINE_PROP_DRIVE("drive", BlockTestDev, blk, "the disk"),
    DEFINE_PROP_UINT16("iobase", BlockTestDev, iobase, 0x600, "first of the 12 ports"),
    DEFINE_PROP_END_OF_LIST(),
};

static void testdev_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->realize = testdev_realize;
    dc->reset = testdev_reset;
    device_class_set_props(dc, testdev_properties);
}

static const TypeInfo testdev_info = {
    .name = TYPE_BLOCK_TESTDEV,
    .parent = TYPE_ISA_DEVICE,
    .instance_size = sizeof(BlockTestDev),
    .class_init = testdev_class_init,
};

static void testdev_register(void)
{
    type_register_static(&testdev_info);
}
type_init(testdev_register)

CARDCAGE_PLUGIN(
    .name = "block-testdev",
    .version = "0.1",
    .description = "tests: a polled one-sector disk and a fault-injecting block driver",
    .license = "MIT",
);
