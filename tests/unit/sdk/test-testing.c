/*
 * The test hooks of <cardcage/testing.h>, used as an out-of-tree plugin's
 * test would: nothing here includes a core-internal header.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include <cardcage/cardcage.h>
#include <cardcage/testing.h>

static void test_requests(void **state)
{
    (void)state;
    int code = -1;
    assert_false(testing_take_reset_request());
    assert_false(testing_take_shutdown_request(&code));
    system_reset_request();
    assert_true(testing_take_reset_request());
    assert_false(testing_take_reset_request());     /* taken: cleared */
    system_shutdown_request(5);
    assert_true(testing_take_shutdown_request(&code));
    assert_int_equal(code, 5);
}

static char fe_got[64];
static int fe_len;
static int fe_room = 16;

static int fe_can_read(void *opaque)
{
    return fe_room;
}

static void fe_read(void *opaque, const uint8_t *buf, int size)
{
    memcpy(fe_got + fe_len, buf, size);
    fe_len += size;
    fe_room -= size;
}

static void test_chardev(void **state)
{
    (void)state;
    Chardev *chr = testing_chardev_new("tc0", &error_abort);
    assert_true(chardev_attach(chr, fe_can_read, fe_read, NULL, NULL, &error_abort));
    /* What the test types reaches the device as host input. */
    assert_int_equal(testing_chardev_input(chr, "hello", 5), 5);
    assert_int_equal(fe_len, 5);
    assert_memory_equal(fe_got, "hello", 5);

    chardev_write(chr, (const uint8_t *)"out", 3);
    char buf[8];
    assert_int_equal(testing_chardev_output(chr, buf, sizeof(buf)), 3);
    assert_memory_equal(buf, "out", 3);
    assert_int_equal(testing_chardev_output(chr, buf, sizeof(buf)), 0);
    Error *err = NULL;
    assert_null(testing_chardev_new("tc0", &err));  /* the id is taken */
    error_free(err);
}

static int keys[8], nkeys;

static void on_key(void *opaque, int qnum, bool down)
{
    keys[nkeys++] = down ? qnum : -qnum;
}

static void test_keys(void **state)
{
    (void)state;
    static const InputHandler h = { .name = "test", .key = on_key };
    void *handle = input_register(&h, NULL);
    assert_true(testing_send_key("a", true));
    assert_true(testing_send_key("a", false));
    assert_false(testing_send_key("no-such-key", true));
    assert_int_equal(nkeys, 2);
    assert_int_equal(keys[0], input_qnum_from_name("a"));
    assert_int_equal(keys[1], -input_qnum_from_name("a"));
    input_unregister(handle);
}

static void tick(void *opaque)
{
    (*(int *)opaque)++;
}

static void test_clock(void **state)
{
    (void)state;
    int fired = 0;
    int64_t t0 = clock_get_ns(CC_CLOCK_VIRTUAL);
    Timer *t = timer_new_ns(CC_CLOCK_VIRTUAL, tick, &fired);
    timer_mod_ns(t, t0 + 1000);
    testing_advance_ns(999);
    assert_int_equal(fired, 0);
    testing_advance_ns(1);
    assert_int_equal(fired, 1);
    assert_int_equal(clock_get_ns(CC_CLOCK_VIRTUAL), t0 + 1000);
    timer_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests),
        cmocka_unit_test(test_chardev),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_clock),
    };
    testing_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
