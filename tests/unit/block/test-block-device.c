/*
 * The device side of the block layer: DEFINE_PROP_DRIVE resolving -drive
 * ids and -blockdev node-names, claiming (one device per drive), release
 * at unrealize; removable media through BlockDevOps driven by QMP eject,
 * blockdev-change-medium and the tray commands; query-block,
 * query-blockstats, block_resize; BLOCK_IO_ERROR-free happy path.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <json-c/json.h>
#include <cardcage/block.h>
#include <cardcage/device.h>
#include <cardcage/property.h>
#include <cardcage/qmp.h>
#include <cardcage/sysbus.h>
#include <cardcage/testing.h>
#include "block/block-backend.h"
#include "block-test-util.h"
#include "block/drive.h"

#define TYPE_TEST_CD "test-cd"

/* A CD drive as an ATAPI device would behave: the guest may lock the
 * tray; an eject request opens it unless locked. */
typedef struct TestCD {
    SysBusDevice parent;
    BlockBackend *blk;
    bool tray_open, locked, eject_requested;
    int media_loaded, media_removed, resized;
} TestCD;

static void cd_change_media(void *opaque, bool load)
{
    TestCD *s = opaque;
    if (load) {
        s->media_loaded++;
        s->tray_open = false;
        blk_notify_tray_moved(s->blk, false);
    } else {
        s->media_removed++;
    }
}

static void cd_eject_request(void *opaque, bool force)
{
    TestCD *s = opaque;
    s->eject_requested = true;
    if (!s->locked || force) {
        s->tray_open = true;
        blk_notify_tray_moved(s->blk, true);
    }
}

static bool cd_is_tray_open(void *opaque)
{
    return ((TestCD *)opaque)->tray_open;
}

static bool cd_is_locked(void *opaque)
{
    return ((TestCD *)opaque)->locked;
}

static void cd_resize(void *opaque)
{
    ((TestCD *)opaque)->resized++;
}

static const BlockDevOps cd_ops = {
    .change_media_cb = cd_change_media,
    .eject_request_cb = cd_eject_request,
    .is_tray_open = cd_is_tray_open,
    .is_medium_locked = cd_is_locked,
    .resize_cb = cd_resize,
};

static bool cd_realize(DeviceState *dev, Error **errp)
{
    TestCD *s = (TestCD *)dev;
    blk_set_dev_ops(s->blk, &cd_ops, s);
    return true;
}

static const Property cd_props[] = {
    DEFINE_PROP_DRIVE("drive", TestCD, blk, "the drive"),
    DEFINE_PROP_END_OF_LIST(),
};

static void cd_class_init(ObjectClass *k, void *data)
{
    device_class_set_props(DEVICE_CLASS(k), cd_props);
    DEVICE_CLASS(k)->realize = cd_realize;
}

static const TypeInfo cd_info = {
    .name = TYPE_TEST_CD,
    .parent = TYPE_SYS_BUS_DEVICE,
    .instance_size = sizeof(TestCD),
    .class_init = cd_class_init,
};

static TestCD *new_cd(const char *id, const char *drive, Error **errp)
{
    DeviceState *dev = device_new(TYPE_TEST_CD);
    device_set_id(dev, id);
    object_property_add_child(container_get(object_get_root(), "/machine/test"), id,
                              OBJECT(dev), &error_abort);
    object_unref(dev);
    if (!object_property_parse(OBJECT(dev), "drive", drive, errp) ||
        !device_realize(dev, sysbus_get_default(), errp)) {
        object_unparent(OBJECT(dev));
        return NULL;
    }
    return (TestCD *)dev;
}

static void del_cd(TestCD *cd)
{
    device_unrealize((DeviceState *)cd);
    object_unparent(OBJECT(cd));
}

static json_object *qmp(const char *cmd, const char *args_json)
{
    json_object *args = args_json ? json_tokener_parse(args_json) : NULL;
    Error *err = NULL;
    json_object *r = qmp_call(cmd, args, &err);
    json_object_put(args);
    if (!r) {
        fail_msg("%s %s: %s", cmd, args_json ? args_json : "", error_get_pretty(err));
    }
    return r;
}

static char *qmp_error(const char *cmd, const char *args_json)
{
    json_object *args = json_tokener_parse(args_json);
    Error *err = NULL;
    json_object *r = qmp_call(cmd, args, &err);
    json_object_put(args);
    assert_null(r);
    char *m = g_strdup(error_get_pretty(err));
    error_free(err);
    return m;
}

static json_object *find_block(json_object *list, const char *device)
{
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *b = json_object_array_get_idx(list, i);
        if (!strcmp(json_object_get_string(json_object_object_get(b, "device")), device)) {
            return b;
        }
    }
    return NULL;
}

static void test_claim(void **state)
{
    char *img = block_test_image("claim.iso", 8192, 0);
    char *spec = g_strdup_printf("file=%s,if=none,id=cd0,media=cdrom,format=raw", img);
    assert_non_null(drive_add(spec, &error_abort));
    Error *err = NULL;
    TestCD *a = new_cd("cda", "cd0", &error_abort);
    assert_ptr_equal(blk_get_attached_dev(a->blk), (DeviceState *)a);
    assert_null(new_cd("cdb", "cd0", &err));
    assert_non_null(strstr(error_get_pretty(err), "in use by device 'cda'"));
    error_free(err);
    err = NULL;
    assert_null(new_cd("cdc", "nosuch", &err));
    assert_non_null(strstr(error_get_pretty(err), "nosuch"));
    error_free(err);
    /* A -blockdev node by node-name. */
    char *bd = g_strdup_printf("{\"driver\":\"raw\",\"node-name\":\"n0\",\"read-only\":true,"
                               "\"file\":{\"driver\":\"file\",\"filename\":\"%s\"}}", img);
    assert_true(blockdev_add(bd, &error_abort));
    TestCD *b = new_cd("cdn", "n0", &error_abort);
    assert_int_equal(blk_getlength(b->blk), 8192);
    assert_true(blk_is_read_only(b->blk));
    del_cd(a);
    del_cd(b);
    /* Released: another device may take it now. */
    a = new_cd("cdd", "cd0", &error_abort);
    del_cd(a);
    g_free(bd);
    g_free(spec);
    g_free(img);
}

static void test_media(void **state)
{
    char *one = block_test_image("one.iso", 4096, 0);
    char *two = block_test_image("two.iso", 8192, 0);
    char *spec = g_strdup_printf("file=%s,if=none,id=cd1,media=cdrom,format=raw", one);
    BlockBackend *blk = drive_add(spec, &error_abort);
    TestCD *cd = new_cd("cd1dev", "cd1", &error_abort);

    json_object *r = qmp("query-block", NULL);
    json_object *b = find_block(r, "cd1");
    assert_non_null(b);
    assert_true(json_object_get_boolean(json_object_object_get(b, "removable")));
    assert_false(json_object_get_boolean(json_object_object_get(b, "tray_open")));
    assert_non_null(json_object_object_get(b, "inserted"));
    json_object_put(r);

    /* Locked by the guest: eject asks it and fails, as QEMU's does. */
    cd->locked = true;
    char *m = qmp_error("eject", "{\"device\":\"cd1\"}");
    assert_non_null(strstr(m, "is locked"));
    g_free(m);
    assert_true(cd->eject_requested);
    assert_true(blk_is_inserted(blk));
    /* force opens it anyway. */
    json_object_put(qmp("eject", "{\"device\":\"cd1\",\"force\":true}"));
    assert_true(cd->tray_open);
    assert_false(blk_is_inserted(blk));
    assert_int_equal(cd->media_removed, 1);
    assert_int_equal(blk_getlength(blk), 0);
    cd->locked = false;

    /* A request with no medium: -ENOMEDIUM through the callback. */
    uint8_t buf[512];
    assert_int_equal(blk_pread(blk, 0, buf, 512), -ENOMEDIUM);

    /* change-medium: a new disc, tray closed, the device told. */
    char *args = g_strdup_printf("{\"device\":\"cd1\",\"filename\":\"%s\",\"format\":\"raw\"}",
                                 two);
    json_object_put(qmp("blockdev-change-medium", args));
    assert_true(blk_is_inserted(blk));
    assert_int_equal(blk_getlength(blk), 8192);
    assert_int_equal(cd->media_loaded, 1);
    assert_false(cd->tray_open);
    g_free(args);

    /* by qdev id */
    json_object_put(qmp("blockdev-open-tray", "{\"id\":\"cd1dev\"}"));
    assert_true(cd->tray_open);

    m = qmp_error("eject", "{\"device\":\"nosuch\"}");
    assert_non_null(strstr(m, "not found"));
    g_free(m);
    del_cd(cd);
    drive_del(blk);
    g_free(spec);
    g_free(one);
    g_free(two);
}

static void write_done(void *opaque, int ret)
{
    *(int *)opaque = ret + 1;
}

static void test_stats_and_resize(void **state)
{
    char *img = block_test_image("disk.img", 64 * 1024, 0);
    char *spec = g_strdup_printf("file=%s,if=none,id=hd9,format=raw", img);
    BlockBackend *blk = drive_add(spec, &error_abort);
    uint8_t buf[4096] = { 0 };
    int done = 0;
    blk_aio_pwrite(blk, 8192, buf, sizeof(buf), 0, write_done, &done);
    blk_drain(blk);
    assert_int_equal(done, 1);
    json_object *r = qmp("query-blockstats", NULL);
    json_object *e = find_block(r, "hd9");
    json_object *st = json_object_object_get(e, "stats");
    assert_int_equal(json_object_get_int64(json_object_object_get(st, "wr_bytes")), 4096);
    assert_int_equal(json_object_get_int64(json_object_object_get(st, "wr_operations")), 1);
    assert_int_equal(json_object_get_int64(json_object_object_get(st, "wr_highest_offset")),
                     12288);
    json_object_put(r);
    json_object_put(qmp("block_resize", "{\"device\":\"hd9\",\"size\":131072}"));
    assert_int_equal(blk_getlength(blk), 131072);
    r = qmp("query-named-block-nodes", NULL);
    assert_true(json_object_array_length(r) >= 2);   /* raw and its file */
    json_object_put(r);
    drive_del(blk);
    g_free(spec);
    g_free(img);
}

static int setup(void **state)
{
    testing_init();
    module_call_init(MODULE_INIT_QAPI);
    type_register_static(&cd_info);
    return block_test_tmpdir_create() ? 0 : -1;
}

static int teardown(void **state)
{
    return block_test_tmpdir_remove() ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_claim),
        cmocka_unit_test(test_media),
        cmocka_unit_test(test_stats_and_resize),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
