/*
 * The block layer on real files in a temporary directory: options, the
 * file and raw drivers (offset/size windows, unaligned requests, reads
 * past the end), asynchronous requests completing on the (test-driven)
 * virtual clock and never inside the call, range and read-only errors,
 * image locking, -drive parsing and its error messages.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cardcage/block.h>
#include <cardcage/testing.h>
#include "block/block-backend.h"
#include "block-test-util.h"
#include "block/drive.h"
#include "block/aio.h"
#include "timer/clock-internal.h"

static BlockBackend *add(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *spec = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    Error *err = NULL;
    BlockBackend *blk = drive_add(spec, &err);
    if (!blk) {
        fail_msg("drive_add %s: %s", spec, error_get_pretty(err));
    }
    g_free(spec);
    return blk;
}

static char *add_error(const char *spec)
{
    Error *err = NULL;
    BlockBackend *blk = drive_add(spec, &err);
    assert_null(blk);
    assert_non_null(err);
    char *msg = g_strdup(error_get_pretty(err));
    error_free(err);
    return msg;
}

static void test_opts(void **state)
{
    BlockOpts *o = block_opts_new();
    Error *err = NULL;
    assert_true(block_opts_parse(o, "driver=raw,file.filename=a,,b,size=4k,x=on", &err));
    assert_string_equal(block_opts_get(o, "file.filename"), "a,b");
    uint64_t sz;
    assert_true(block_opts_get_size(o, "size", 0, &sz, &err));
    assert_int_equal(sz, 4096);
    BlockOpts *f = block_opts_extract_prefix(o, "file");
    assert_string_equal(block_opts_get(f, "filename"), "a,b");
    assert_false(block_opts_has(o, "file.filename"));
    assert_string_equal(block_opts_first_unused(o), "driver");
    block_opts_get(o, "driver");
    assert_string_equal(block_opts_first_unused(o), "x");
    bool b;
    assert_true(block_opts_get_bool(o, "x", false, &b, &err) && b);
    assert_null(block_opts_first_unused(o));
    block_opts_set(o, "y", "maybe");
    assert_false(block_opts_get_bool(o, "y", false, &b, &err));
    assert_non_null(strstr(error_get_pretty(err), "'y'"));
    error_free(err);
    block_opts_free(f);
    block_opts_free(o);
}

static void test_raw_sync(void **state)
{
    char *path = block_test_image("sync.img", 64 * 1024, 0x10);
    Error *err = NULL;
    BlockDriverState *bs = bdrv_open(path, NULL, NULL, BDRV_O_RDWR, &err);
    assert_non_null(bs);
    assert_string_equal(bdrv_driver(bs)->format_name, "raw");   /* probed */
    assert_int_equal(bdrv_getlength(bs), 64 * 1024);
    /* Unaligned write and read back across a sector boundary. */
    uint8_t w[700], r[700];
    memset(w, 0xAB, sizeof(w));
    assert_int_equal(bdrv_pwrite(bs, 300, w, sizeof(w)), 0);
    assert_int_equal(bdrv_pread(bs, 300, r, sizeof(r)), 0);
    assert_memory_equal(w, r, sizeof(r));
    /* Neighbours untouched. */
    uint8_t b;
    assert_int_equal(bdrv_pread(bs, 299, &b, 1), 0);
    assert_int_equal(b, 0x10);
    assert_int_equal(bdrv_pread(bs, 1000, &b, 1), 0);
    assert_int_equal(b, 0x11);
    /* Past the end: zeroes. */
    memset(r, 0xFF, sizeof(r));
    assert_int_equal(bdrv_pread(bs, 64 * 1024 - 100, r, 200), 0);
    for (int i = 100; i < 200; i++) {
        assert_int_equal(r[i], 0);
    }
    assert_int_equal(bdrv_flush(bs), 0);
    bdrv_unref(bs);

    /* The bytes are in the file. */
    gchar *contents;
    gsize len;
    assert_true(g_file_get_contents(path, &contents, &len, NULL));
    assert_memory_equal(contents + 300, w, sizeof(w));
    g_free(contents);

    /* A window: raw offset=/size=. */
    BlockOpts *o = block_opts_new();
    block_opts_set(o, "offset", "1024");
    block_opts_set(o, "size", "2048");
    bs = bdrv_open(path, "raw", o, 0, &err);
    block_opts_free(o);
    assert_non_null(bs);
    assert_int_equal(bdrv_getlength(bs), 2048);
    assert_int_equal(bdrv_pread(bs, 0, &b, 1), 0);
    assert_int_equal(b, 0x12);
    assert_int_equal(bdrv_pwrite(bs, 0, &b, 1), -EROFS);
    bdrv_unref(bs);
    g_free(path);
}

static void test_aio(void **state)
{
    char *path = block_test_image("aio.img", 16 * 512, 0);
    BlockBackend *blk = add("file=%s,format=raw,if=none,id=aio0", path);
    assert_int_equal(blk_nb_sectors(blk), 16);
    uint8_t buf[1024], rb[1024];
    memset(buf, 0x5A, sizeof(buf));
    BlockTestDone w = { 0 }, r = { 0 }, f = { 0 };
    blk_aio_pwrite(blk, 2048, buf, sizeof(buf), 0, block_test_done, &w);
    /* Never completed inside the call. */
    assert_int_equal(w.calls, 0);
    testing_advance_ns(BLK_ICOUNT_LATENCY_NS);
    assert_int_equal(w.calls, 1);
    assert_int_equal(w.ret, 0);
    blk_aio_pread(blk, 2048, rb, sizeof(rb), block_test_done, &r);
    blk_aio_flush(blk, block_test_done, &f);
    assert_int_equal(r.calls + f.calls, 0);
    /* Completions land at the fixed virtual latency, not before. */
    testing_advance_ns(BLK_ICOUNT_LATENCY_NS - 1);
    assert_int_equal(r.calls, 0);
    testing_advance_ns(1);
    assert_int_equal(r.calls, 1);
    assert_int_equal(f.calls, 1);
    assert_int_equal(r.ret, 0);
    assert_memory_equal(buf, rb, sizeof(rb));

    /* Past the end: -EIO, through the callback. */
    BlockTestDone e = { 0 };
    blk_aio_pread(blk, 16 * 512 - 512, rb, 1024, block_test_done, &e);
    assert_int_equal(e.calls, 0);
    blk_drain(blk);
    assert_int_equal(e.calls, 1);
    assert_int_equal(e.ret, -EIO);

    /* Cancelled: the callback never runs. */
    BlockTestDone c = { 0 };
    BlockAIOCB *acb = blk_aio_pread(blk, 0, rb, 512, block_test_done, &c);
    blk_aio_cancel(acb);
    testing_advance_ns(BLK_ICOUNT_LATENCY_NS * 2);
    assert_int_equal(c.calls, 0);

    /* Synchronous helpers. */
    assert_int_equal(blk_pread(blk, 2048, rb, 512), 0);
    assert_memory_equal(buf, rb, 512);
    drive_del(blk);
    assert_null(blk_by_name("aio0"));
    g_free(path);
}

static void test_readonly_and_lock(void **state)
{
    char *path = block_test_image("lock.img", 4096, 0);
    BlockBackend *a = add("file=%s,format=raw,if=none,id=lk0", path);
    char *spec = g_strdup_printf("file=%s,format=raw,if=none,id=lk1", path);
    char *msg = add_error(spec);
    assert_non_null(strstr(msg, "in use"));
    g_free(msg);
    g_free(spec);
    /* A reader is refused while a writer has it (it would not see a
     * consistent image). */
    spec = g_strdup_printf("file=%s,format=raw,if=none,id=lk2,readonly=on", path);
    msg = add_error(spec);
    g_free(msg);
    drive_del(a);
    /* Writer gone: two readers share it. */
    BlockBackend *r1 = add("%s", spec);
    BlockBackend *r2 = add("file=%s,format=raw,if=none,id=lk3,readonly=on", path);
    assert_true(blk_is_read_only(r1));
    BlockTestDone d = { 0 };
    uint8_t b[512] = { 0 };
    blk_aio_pwrite(r1, 0, b, 512, 0, block_test_done, &d);
    blk_drain(r1);
    assert_int_equal(d.ret, -EROFS);
    drive_del(r1);
    drive_del(r2);
    /* locking off: a second writer is let in. */
    a = add("file=%s,format=raw,if=none,id=lk4,file.locking=off", path);
    BlockBackend *b2 = add("file=%s,format=raw,if=none,id=lk5,file.locking=off", path);
    drive_del(a);
    drive_del(b2);
    g_free(spec);
    g_free(path);
}

static void test_drive_errors(void **state)
{
    char *path = block_test_image("err.img", 4096, 0);
    struct {
        const char *spec;
        const char *needle;
    } cases[] = {
        { "file=/nonexistent/x.img,if=none,id=e0", "/nonexistent/x.img" },
        { "file=%s,format=nosuch,if=none,id=e1", "unknown format 'nosuch'" },
        { "file=%s,if=none,id=e2,bogus=1", "'bogus'" },
        { "file=%s,if=none,id=e3,cache=fast", "option 'cache'" },
        { "file=%s,if=none,id=e4,werror=explode", "option 'werror'" },
        { "file=%s,if=none", "id=" },
        { "file=%s,if=scsi2,id=e6", "option 'if'" },
        { "file=%s,index=9", "index" },
        { "file=%s,if=none,id=e8,readonly=perhaps", "readonly" },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *spec = g_strdup_printf(cases[i].spec, path);
        char *msg = add_error(spec);
        if (!strstr(msg, cases[i].needle)) {
            fail_msg("%s: '%s' does not mention '%s'", spec, msg, cases[i].needle);
        }
        g_free(msg);
        g_free(spec);
    }
    g_free(path);
}

static void test_blockdev_errors(void **state)
{
    char *path = block_test_image("bd.img", 4096, 0);
    struct {
        const char *spec;
        const char *needle;
    } cases[] = {
        { "[1,2]", "KEY=VALUE" },
        { "{\"driver\":", "not a JSON object" },
        { "{\"driver\":\"raw\",\"node-name\":\"x\",\"file\":[1]}", "unsupported JSON" },
        { "{\"node-name\":\"x\"}", "driver=" },
        { "driver=raw,file.filename=%s", "node-name=" },
        { "driver=raw,node-name=1abc,file.filename=%s", "must begin with a letter" },
        { "driver=raw,node-name=a b,file.filename=%s", "may hold only" },
        { "driver=nosuch,node-name=q,file.filename=%s", "unknown format" },
        { "driver=raw,node-name=q,file.filename=%s,size=lots", "option 'size'" },
        { "driver=raw,node-name=q,file.filename=%s,offset=99999999", "past the end" },
        { "driver=raw,node-name=q,file.driver=file", "needs" },
        { "driver=raw,node-name=q,file=nosuchnode", "no block node named 'nosuchnode'" },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *spec = g_strdup_printf(cases[i].spec, path);
        Error *err = NULL;
        assert_false(blockdev_add(spec, &err));
        assert_non_null(err);
        if (!strstr(error_get_pretty(err), cases[i].needle)) {
            fail_msg("%s: '%s' does not mention '%s'", spec, error_get_pretty(err),
                     cases[i].needle);
        }
        assert_null(strchr(error_get_pretty(err), '\n'));
        error_free(err);
        g_free(spec);
    }
    /* A node-name taken twice. */
    char *ok = g_strdup_printf("driver=raw,node-name=twice,read-only=on,file.filename=%s", path);
    assert_true(blockdev_add(ok, &error_abort));
    Error *err = NULL;
    assert_false(blockdev_add(ok, &err));
    assert_non_null(strstr(error_get_pretty(err), "already in use"));
    error_free(err);
    g_free(ok);
    /* Geometry half given, numbers out of range. */
    const char *drives[] = {
        "file=%s,if=none,id=g0,cyls=100", "file=%s,if=none,id=g1,heads=99,cyls=1,secs=1",
        "file=%s,if=none,id=g2,trans=sideways", "file=%s,if=ide,bus=7",
        "file=%s,if=ide,unit=2", "file=%s,index=1,unit=1", "file=%s,if=none,id=g3,discard=maybe",
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(drives); i++) {
        char *spec = g_strdup_printf(drives[i], path);
        char *msg = add_error(spec);
        g_free(msg);
        g_free(spec);
    }
    g_free(path);
}

static void test_ide_slots(void **state)
{
    char *a = block_test_image("hda.img", 4096, 0);
    char *c = block_test_image("cd.iso", 4096, 0);
    BlockBackend *hda = add("file=%s,index=0,media=disk", a);
    BlockBackend *cd = add("file=%s,index=2,media=cdrom", c);
    assert_ptr_equal(board_drive_get(IF_IDE, 0, 0), hda);
    assert_ptr_equal(board_drive_get(IF_IDE, 1, 0), cd);
    assert_null(board_drive_get(IF_IDE, 0, 1));
    assert_string_equal(blk_name(hda), "ide0-hd0");
    assert_string_equal(blk_name(cd), "ide1-cd0");
    assert_int_equal(blk_get_media(cd), BLOCK_MEDIA_CDROM);
    assert_true(blk_is_read_only(cd));
    assert_int_equal(board_drive_get_max_bus(IF_IDE), 1);
    Error *err = NULL;
    assert_false(drive_check_orphans(&err));
    assert_non_null(strstr(error_get_pretty(err), "ide0-hd0"));
    error_free(err);
    drive_del(hda);
    drive_del(cd);
    g_free(a);
    g_free(c);
}

/* ---- a driver for the tests: raw over its file, with injected faults
 * and a slow mode, registered through the SDK as a plugin would ---- */

static struct {
    int fail_writes;      /* this many next writes fail with fail_errno */
    int fail_reads;
    int fail_errno;
    int flushes;
    unsigned delay_us;    /* each request sleeps this long (a slow disk) */
    GThread *last_thread; /* where the last request ran */
} inject;

static bool inject_open(BlockDriverState *bs, BlockOpts *opts, int flags, Error **errp)
{
    return bdrv_open_child(bs, opts, "file", errp) != NULL;
}

static int inject_preadv(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                         struct iovec *iov, int niov, int flags)
{
    inject.last_thread = g_thread_self();
    if (inject.delay_us) {
        g_usleep(inject.delay_us);
    }
    if (inject.fail_reads > 0) {
        inject.fail_reads--;
        return -inject.fail_errno;
    }
    return bdrv_preadv(bdrv_file(bs), offset, bytes, iov, niov, flags);
}

static int inject_pwritev(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                          struct iovec *iov, int niov, int flags)
{
    inject.last_thread = g_thread_self();
    if (inject.delay_us) {
        g_usleep(inject.delay_us);
    }
    if (inject.fail_writes > 0) {
        inject.fail_writes--;
        return -inject.fail_errno;
    }
    return bdrv_pwritev(bdrv_file(bs), offset, bytes, iov, niov, flags);
}

static int inject_flush(BlockDriverState *bs)
{
    inject.flushes++;
    return bdrv_flush(bdrv_file(bs));
}

static BlockDriver inject_driver = {
    .format_name = "test-inject",
    .instance_size = 1,
    .open = inject_open,
    .preadv = inject_preadv,
    .pwritev = inject_pwritev,
    .flush = inject_flush,
};

static void test_werror(void **state)
{
    char *path = block_test_image("werr.img", 8192, 0);
    BlockBackend *rep = add("file=%s,format=test-inject,if=none,id=w0,werror=report,"
                            "file.locking=off", path);
    BlockBackend *ign = add("file=%s,format=test-inject,if=none,id=w1,werror=ignore,"
                            "file.locking=off", path);
    BlockBackend *stp = add("file=%s,format=test-inject,if=none,id=w2,werror=stop,"
                            "rerror=stop,file.locking=off", path);
    BlockBackend *nsp = add("file=%s,format=test-inject,if=none,id=w3,file.locking=off", path);
    uint8_t buf[512];
    memset(buf, 0x77, sizeof(buf));
    BlockTestDone d = { 0 };

    inject.fail_errno = EIO;
    inject.fail_writes = 1;
    blk_aio_pwrite(rep, 0, buf, 512, 0, block_test_done, &d);
    blk_drain(rep);
    assert_int_equal(d.ret, -EIO);
    assert_int_equal(rep->stats.failed_ops[BLK_AIO_WRITE], 1);

    d = (BlockTestDone){ 0 };
    inject.fail_writes = 1;
    blk_aio_pwrite(ign, 0, buf, 512, 0, block_test_done, &d);
    blk_drain(ign);
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.ret, 0);

    /* stop: held, not completed, until `cont`; then retried and done. */
    d = (BlockTestDone){ 0 };
    inject.fail_errno = ENOSPC;
    inject.fail_writes = 1;
    blk_aio_pwrite(stp, 512, buf, 512, 0, block_test_done, &d);
    testing_advance_ns(BLK_ICOUNT_LATENCY_NS * 3);
    assert_int_equal(d.calls, 0);
    assert_non_null(stp->stopped);
    blk_resume_stopped();
    assert_null(stp->stopped);
    testing_advance_ns(BLK_ICOUNT_LATENCY_NS);
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.ret, 0);
    uint8_t rb[512];
    assert_int_equal(blk_pread(stp, 512, rb, 512), 0);
    assert_memory_equal(rb, buf, 512);

    /* A held request the device cancels (a reset) is not run again. */
    d = (BlockTestDone){ 0 };
    inject.fail_errno = EIO;
    inject.fail_writes = 1;
    uint8_t other[512];
    memset(other, 0x99, sizeof(other));
    BlockAIOCB *held = blk_aio_pwrite(stp, 1024, other, 512, 0, block_test_done, &d);
    testing_advance_ns(BLK_ICOUNT_LATENCY_NS);
    assert_non_null(stp->stopped);
    blk_aio_cancel(held);
    blk_resume_stopped();
    blk_drain(stp);
    assert_int_equal(d.calls, 0);
    assert_int_equal(blk_pread(stp, 1024, rb, 512), 0);
    assert_int_equal(rb[0], 0x02);   /* the image's byte: the write never ran */

    /* rerror=stop too. */
    d = (BlockTestDone){ 0 };
    inject.fail_errno = EIO;
    inject.fail_reads = 1;
    blk_aio_pread(stp, 0, rb, 512, block_test_done, &d);
    testing_advance_ns(BLK_ICOUNT_LATENCY_NS);
    assert_int_equal(d.calls, 0);
    blk_resume_stopped();
    testing_advance_ns(BLK_ICOUNT_LATENCY_NS);
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.ret, 0);

    /* The default werror=enospc: ENOSPC stops, other errors report.  A
     * full disk is never a silent loss. */
    d = (BlockTestDone){ 0 };
    inject.fail_errno = ENOSPC;
    inject.fail_writes = 1;
    blk_aio_pwrite(nsp, 0, buf, 512, 0, block_test_done, &d);
    testing_advance_ns(BLK_ICOUNT_LATENCY_NS);
    assert_int_equal(d.calls, 0);
    assert_non_null(nsp->stopped);
    blk_resume_stopped();
    blk_drain(nsp);
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.ret, 0);
    d = (BlockTestDone){ 0 };
    inject.fail_errno = EIO;
    inject.fail_writes = 1;
    blk_aio_pwrite(nsp, 0, buf, 512, 0, block_test_done, &d);
    blk_drain(nsp);
    assert_int_equal(d.ret, -EIO);

    drive_del(rep);
    drive_del(ign);
    drive_del(stp);
    drive_del(nsp);
    g_free(path);
}

/* A probed raw image refuses a write that would make it probe as another
 * format (the test registers one whose magic is "TESTFMT!"). */
static int magic_probe(const uint8_t *buf, int size, const char *filename)
{
    return size >= 8 && !memcmp(buf, "TESTFMT!", 8) ? 100 : 0;
}

/* The format: "TESTFMT!", then at byte 8 the NUL-terminated name of a
 * backing file (may be empty); the guest's data is the backing file's
 * (a format that stores nothing of its own, enough to exercise chains). */
static bool magic_open(BlockDriverState *bs, BlockOpts *opts, int flags, Error **errp)
{
    BlockDriverState *file = bdrv_open_child(bs, opts, "file", errp);
    if (!file) {
        return false;
    }
    char hdr[256] = { 0 };
    if (bdrv_pread(file, 0, hdr, sizeof(hdr) - 1) < 0) {
        error_setg(errp, "cannot read the header");
        return false;
    }
    return bdrv_open_backing(bs, opts, hdr + 8, NULL, errp);
}

static int magic_preadv(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                        struct iovec *iov, int niov, int flags)
{
    if (!bdrv_backing(bs)) {
        return -EIO;
    }
    return bdrv_preadv(bdrv_backing(bs), offset, bytes, iov, niov, flags);
}

static int64_t magic_getlength(BlockDriverState *bs)
{
    return bdrv_backing(bs) ? bdrv_getlength(bdrv_backing(bs)) : 0;
}

static BlockDriver magic_driver = {
    .format_name = "test-magic",
    .instance_size = 1,
    .supports_backing = true,
    .probe = magic_probe,
    .open = magic_open,
    .preadv = magic_preadv,
    .getlength = magic_getlength,
};

static void write_magic(const char *path, const char *backing)
{
    char hdr[512] = "TESTFMT!";
    g_strlcpy(hdr + 8, backing, sizeof(hdr) - 8);
    g_assert(g_file_set_contents(path, hdr, sizeof(hdr), NULL));
}

static void test_backing_chain(void **state)
{
    char *base = block_test_image("base.raw", 8192, 0x30);
    char *mid = block_test_image("mid.img", 512, 0);
    char *top = block_test_image("top.img", 512, 0);
    /* Relative names resolve against the image's directory. */
    write_magic(mid, "base.raw");
    write_magic(top, "mid.img");
    Error *err = NULL;
    BlockDriverState *bs = bdrv_open(top, NULL, NULL, 0, &err);
    assert_non_null(bs);
    assert_string_equal(bdrv_driver(bs)->format_name, "test-magic");
    assert_string_equal(bdrv_backing_filename(bs), "mid.img");
    assert_non_null(bdrv_backing(bdrv_backing(bs)));
    assert_string_equal(bdrv_driver(bdrv_backing(bdrv_backing(bs)))->format_name, "raw");
    assert_true(bdrv_is_read_only(bdrv_backing(bs)));
    uint8_t b;
    assert_int_equal(bdrv_pread(bs, 1024, &b, 1), 0);
    assert_int_equal(b, 0x32);
    bdrv_unref(bs);
    /* backing=null: no backing file opened. */
    BlockOpts *o = block_opts_new();
    block_opts_set(o, "backing", "null");
    bs = bdrv_open(top, NULL, o, 0, &err);
    block_opts_free(o);
    assert_null(bdrv_backing(bs));
    bdrv_unref(bs);
    /* A loop (top -> mid -> top) and a self-reference are refused. */
    write_magic(mid, "top.img");
    bs = bdrv_open(top, NULL, NULL, 0, &err);
    assert_null(bs);
    assert_non_null(strstr(error_get_pretty(err), "loop"));
    error_free(err);
    err = NULL;
    write_magic(top, "top.img");
    bs = bdrv_open(top, NULL, NULL, 0, &err);
    assert_null(bs);
    assert_non_null(strstr(error_get_pretty(err), "itself"));
    error_free(err);
    /* A missing backing file names both files. */
    err = NULL;
    write_magic(top, "gone.img");
    bs = bdrv_open(top, NULL, NULL, 0, &err);
    assert_null(bs);
    assert_non_null(strstr(error_get_pretty(err), "gone.img"));
    assert_non_null(strstr(error_get_pretty(err), "top.img"));
    error_free(err);
    g_free(base);
    g_free(mid);
    g_free(top);
}

static void test_probed_raw_guard(void **state)
{
    char *path = block_test_image("probe.img", 4096, 0);
    bdrv_register(&magic_driver);
    Error *err = NULL;
    BlockDriverState *bs = bdrv_open(path, NULL, NULL, BDRV_O_RDWR, &err);
    assert_string_equal(bdrv_driver(bs)->format_name, "raw");
    uint8_t sec[512] = "TESTFMT!";
    assert_int_equal(bdrv_pwrite(bs, 0, sec, 512), -EPERM);
    assert_int_equal(bdrv_pwrite(bs, 512, sec, 512), 0);   /* elsewhere: fine */
    bdrv_unref(bs);
    /* format=raw given: the user knows. */
    bs = bdrv_open(path, "raw", NULL, BDRV_O_RDWR, &err);
    assert_int_equal(bdrv_pwrite(bs, 0, sec, 512), 0);
    bdrv_unref(bs);
    /* And now it probes as the other format. */
    bs = bdrv_open(path, NULL, NULL, 0, &err);
    assert_string_equal(bdrv_driver(bs)->format_name, "test-magic");
    bdrv_unref(bs);
    g_free(path);
}

static void test_cache_modes(void **state)
{
    char *path = block_test_image("cache.img", 8192, 0);
    uint8_t buf[512] = { 1 };
    struct {
        const char *mode;
        int flushes_per_write;   /* writes flushed before completion */
        bool guest_flush_reaches_disk;
    } cases[] = {
        { "writeback", 0, true }, { "writethrough", 1, true }, { "unsafe", 0, true },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        BlockBackend *blk = add("file=%s,format=test-inject,if=none,id=c%u,cache=%s", path, i,
                                cases[i].mode);
        inject.flushes = 0;
        BlockTestDone d = { 0 };
        blk_aio_pwrite(blk, 0, buf, 512, 0, block_test_done, &d);
        blk_drain(blk);
        assert_int_equal(inject.flushes, cases[i].flushes_per_write);
        blk_aio_flush(blk, block_test_done, &d);
        blk_drain(blk);
        assert_int_equal(inject.flushes, cases[i].flushes_per_write + 1);
        /* The guest turns its write cache off: every write flushes. */
        blk_set_enable_write_cache(blk, false);
        blk_aio_pwrite(blk, 0, buf, 512, 0, block_test_done, &d);
        blk_drain(blk);
        assert_int_equal(inject.flushes, cases[i].flushes_per_write + 2);
        assert_int_equal(d.calls, 3);
        drive_del(blk);
    }
    /* cache=none opens with O_DIRECT (where the filesystem has it) and
     * still reads and writes unaligned guest buffers through bounces. */
    Error *err = NULL;
    char *spec = g_strdup_printf("file=%s,format=raw,if=none,id=cnone,cache=none", path);
    BlockBackend *blk = drive_add(spec, &err);
    g_free(spec);
    if (!blk) {
        assert_non_null(strstr(error_get_pretty(err), "O_DIRECT"));
        error_free(err);
    } else {
        uint8_t *odd = g_malloc(700);
        memset(odd, 0x3C, 700);
        BlockTestDone d = { 0 };
        blk_aio_pwrite(blk, 100, odd + 1, 600, 0, block_test_done, &d);
        blk_drain(blk);
        assert_int_equal(d.ret, 0);
        uint8_t back[600];
        assert_int_equal(blk_pread(blk, 100, back, 600), 0);
        assert_memory_equal(back, odd + 1, 600);
        g_free(odd);
        drive_del(blk);
    }
    g_free(path);
}

/* The worker runs requests off the calling thread, and under icount the
 * completion lands at issue + latency whatever the disk's speed. */
static void test_icount_determinism(void **state)
{
    char *path = block_test_image("det.img", 8192, 0);
    BlockBackend *blk = add("file=%s,format=test-inject,if=none,id=det", path);
    uint8_t buf[512];
    int64_t landed[2];
    for (int run = 0; run < 2; run++) {
        inject.delay_us = run ? 30000 : 0;   /* a slow disk the second time */
        BlockTestDone d = { 0 };
        int64_t t0 = clock_get_ns(CC_CLOCK_VIRTUAL);
        blk_aio_pread(blk, 0, buf, 512, block_test_done, &d);
        int64_t step = 1000;
        while (!d.calls) {
            testing_advance_ns(step);
        }
        landed[run] = clock_get_ns(CC_CLOCK_VIRTUAL) - t0;
        assert_true(inject.last_thread != g_thread_self());
    }
    inject.delay_us = 0;
    assert_int_equal(landed[0], landed[1]);
    assert_int_equal(landed[0], BLK_ICOUNT_LATENCY_NS);
    drive_del(blk);
    g_free(path);
}

/* Real-time mode: completion through the main loop's GLib context. */
static void test_realtime_completion(void **state)
{
    char *path = block_test_image("rt.img", 8192, 0);
    BlockBackend *blk = add("file=%s,format=test-inject,if=none,id=rt", path);
    clock_configure(-1);
    clock_vm_start();
    uint8_t buf[512];
    BlockTestDone d = { 0 };
    inject.delay_us = 2000;
    blk_aio_pread(blk, 0, buf, 512, block_test_done, &d);
    assert_int_equal(d.calls, 0);
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    while (!d.calls && g_get_monotonic_time() < deadline) {
        g_main_context_iteration(NULL, TRUE);
    }
    inject.delay_us = 0;
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.ret, 0);
    assert_true(inject.last_thread != g_thread_self());
    /* Cancel while queued behind a slow request: never called back. */
    inject.delay_us = 20000;
    BlockTestDone a = { 0 }, c = { 0 };
    blk_aio_pread(blk, 0, buf, 512, block_test_done, &a);
    BlockAIOCB *acb = blk_aio_pread(blk, 512, buf, 512, block_test_done, &c);
    blk_aio_cancel(acb);
    blk_drain(blk);
    inject.delay_us = 0;
    assert_int_equal(a.calls, 1);
    assert_int_equal(c.calls, 0);
    drive_del(blk);
    /* Back to the harness's clock for the tests after this one. */
    clock_configure(0);
    testing_clock_reclaim();
    clock_vm_start();
    g_free(path);
}

static void test_snapshot_overlay(void **state)
{
    char *path = block_test_image("snap.img", 64 * 1024, 0x40);
    gchar *before;
    gsize len;
    assert_true(g_file_get_contents(path, &before, &len, NULL));
    BlockBackend *blk = add("file=%s,format=raw,if=none,id=snap,snapshot=on", path);
    assert_false(blk_is_read_only(blk));
    uint8_t w[3000], r[3000];
    memset(w, 0xE1, sizeof(w));
    /* Unaligned, across clusters. */
    assert_int_equal(blk_pwrite(blk, 4000, w, sizeof(w), 0), 0);
    assert_int_equal(blk_pread(blk, 4000, r, sizeof(r)), 0);
    assert_memory_equal(w, r, sizeof(r));
    /* Around it, the image's bytes. */
    assert_int_equal(blk_pread(blk, 3990, r, 10), 0);
    assert_memory_equal(r, before + 3990, 10);
    assert_int_equal(blk_pread(blk, 7000, r, 200), 0);
    assert_memory_equal(r, before + 7000, 200);
    /* A second writer may open the image meanwhile?  No: the image is
     * only read under the overlay, so another reader may share it. */
    drive_del(blk);
    gchar *after;
    assert_true(g_file_get_contents(path, &after, &len, NULL));
    assert_memory_equal(before, after, len);
    g_free(before);
    g_free(after);
    g_free(path);
}

static int setup(void **state)
{
    testing_init();
    bdrv_register(&inject_driver);
    return block_test_tmpdir_create() ? 0 : -1;
}

static int teardown(void **state)
{
    return block_test_tmpdir_remove() ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opts),
        cmocka_unit_test(test_raw_sync),
        cmocka_unit_test(test_aio),
        cmocka_unit_test(test_readonly_and_lock),
        cmocka_unit_test(test_drive_errors),
        cmocka_unit_test(test_blockdev_errors),
        cmocka_unit_test(test_ide_slots),
        cmocka_unit_test(test_werror),
        cmocka_unit_test(test_probed_raw_guard),
        cmocka_unit_test(test_backing_chain),
        cmocka_unit_test(test_cache_modes),
        cmocka_unit_test(test_icount_determinism),
        cmocka_unit_test(test_realtime_completion),
        cmocka_unit_test(test_snapshot_overlay),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
