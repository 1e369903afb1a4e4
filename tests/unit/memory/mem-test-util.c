/*
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <unistd.h>
#include "mem-test-util.h"

TestSpace *test_space_new(void)
{
    TestSpace *ts = g_new0(TestSpace, 1);
    memory_region_init(&ts->root, NULL, "root", 0x10000);
    ts->as = address_space_new(&ts->root, "test");
    return ts;
}

void test_space_free(TestSpace *ts)
{
    address_space_destroy(ts->as);
    memory_region_finalize(&ts->root);
    g_free(ts);
}

static uint64_t dev_compose(const TestDev *d, hwaddr addr, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        unsigned shift = d->ops.endianness == DEVICE_BIG_ENDIAN ? 8 * (size - 1 - i) : 8 * i;
        v |= (uint64_t)d->regs[addr + i] << shift;
    }
    return v;
}

static void dev_record(TestDev *d, bool is_write, hwaddr addr, unsigned size, uint64_t val)
{
    assert_true(addr + size <= sizeof(d->regs));
    assert_true(d->nlog < (int)CC_ARRAY_SIZE(d->log));
    d->log[d->nlog++] = (TestAccess){ is_write, addr, size, val };
}

static uint64_t dev_read(void *opaque, hwaddr addr, unsigned size)
{
    TestDev *d = opaque;
    uint64_t v = dev_compose(d, addr, size);
    dev_record(d, false, addr, size, v);
    if (d->on_access) {
        d->on_access(d, false, addr);
    }
    return v;
}

static void dev_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    TestDev *d = opaque;
    dev_record(d, true, addr, size, val);
    for (unsigned i = 0; i < size; i++) {
        unsigned shift = d->ops.endianness == DEVICE_BIG_ENDIAN ? 8 * (size - 1 - i) : 8 * i;
        d->regs[addr + i] = (uint8_t)(val >> shift);
    }
    if (d->on_access) {
        d->on_access(d, true, addr);
    }
}

void test_dev_init(TestDev *d, Object *owner, const char *name, uint64_t size,
                   const MemoryRegionOps *tmpl)
{
    memset(d, 0, sizeof(*d));
    if (tmpl) {
        d->ops = *tmpl;
    }
    d->ops.read = dev_read;
    d->ops.write = dev_write;
    memory_region_init_io(&d->mr, owner, &d->ops, d, name, size);
}

void test_dev_fill(TestDev *d)
{
    for (unsigned i = 0; i < sizeof(d->regs); i++) {
        d->regs[i] = (uint8_t)(0x10 + i);
    }
}

static char *capture_path;

void log_capture_start(unsigned mask)
{
    if (!capture_path) {
        int fd = g_file_open_tmp("cc-memtest-XXXXXX.log", &capture_path, NULL);
        assert_true(fd >= 0);
        close(fd);
    }
    assert_true(log_set_file(capture_path, NULL));
    log_enabled_mask = mask;
}

char *log_capture_take(void)
{
    char *text = NULL;
    assert_true(g_file_get_contents(capture_path, &text, NULL, NULL));
    assert_true(log_set_file(capture_path, NULL));
    return text;
}

void log_capture_stop(void)
{
    log_enabled_mask = 0;
    if (capture_path) {
        assert_true(log_set_file("/dev/null", NULL));
        unlink(capture_path);
        g_free(capture_path);
        capture_path = NULL;
    }
}

const char *flat_name_at(AddressSpace *as, hwaddr addr, hwaddr *offset)
{
    const FlatRange *fr = flatview_lookup(as->current_map, addr);
    if (!fr) {
        return NULL;
    }
    if (offset) {
        *offset = fr->offset_in_region + (addr - fr->start);
    }
    return fr->mr->name;
}
