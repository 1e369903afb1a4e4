/*
 * Unit tests of isa-debugcon: bytes reach the backend in order, reads
 * return the readback value, wider writes send only their low byte, the
 * backend is taken exclusively, and bad configurations are refused.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "harness.h"
#include "chardev/chardev-internal.h"

static int group_setup(void **state)
{
    harness_load_plugin("debugcon");
    return 0;
}

static void test_output_and_readback(void **state)
{
    Chardev *chr = chardev_new_from_spec("dc1", "ringbuf", &error_abort);
    const char *props[] = { "chardev=dc1", NULL };
    DeviceState *dev = harness_create("isa-debugcon", NULL, NULL, props);
    const char *msg = "SeaBIOS\n";
    for (const char *p = msg; *p; p++) {
        cpu_outb(0xe9, (uint8_t)*p);
    }
    uint8_t out[32];
    assert_int_equal(chardev_ringbuf_read(chr, out, sizeof(out)), 8);
    assert_memory_equal(out, msg, 8);
    assert_int_equal(cpu_inb(0xe9), 0xe9);
    /* A 16-bit write: the low byte goes to the console, the high byte to
     * port 0xea, which is not ours. */
    cpu_outw(0xe9, 0x4241);
    assert_int_equal(chardev_ringbuf_read(chr, out, sizeof(out)), 1);
    assert_int_equal(out[0], 0x41);
    device_unrealize(dev);
    object_unref(dev);
    assert_true(chardev_delete("dc1", &error_abort));
}

static void test_seabios_port_and_custom_readback(void **state)
{
    Chardev *chr = chardev_new_from_spec("dc2", "ringbuf", &error_abort);
    const char *props[] = { "iobase=0x402", "chardev=dc2", "readback=0x5a", NULL };
    DeviceState *dev = harness_create("isa-debugcon", NULL, NULL, props);
    cpu_outb(0x402, 'x');
    assert_int_equal(cpu_inb(0x402), 0x5a);
    uint8_t out[4];
    assert_int_equal(chardev_ringbuf_read(chr, out, sizeof(out)), 1);
    assert_int_equal(out[0], 'x');
    /* The backend is taken. */
    Error *err = NULL;
    assert_false(chardev_attach(chr, NULL, NULL, NULL, NULL, &err));
    error_free(err);
    device_unrealize(dev);
    object_unref(dev);
    assert_true(chardev_delete("dc2", &error_abort));
}

static void test_without_backend_and_errors(void **state)
{
    const char *none[] = { "iobase=0x500", NULL };
    DeviceState *dev = harness_create("isa-debugcon", NULL, NULL, none);
    for (int i = 0; i < 1000; i++) {
        cpu_outb(0x500, (uint8_t)i);     /* discarded, harmlessly */
    }
    assert_int_equal(cpu_inb(0x500), 0xe9);
    device_unrealize(dev);
    object_unref(dev);
    Error *err = NULL;
    const char *missing[] = { "chardev=nosuch", NULL };
    assert_null(harness_try_create("isa-debugcon", NULL, NULL, missing, &err));
    assert_non_null(strstr(error_get_pretty(err), "nosuch"));
    error_free(err);
    err = NULL;
    const char *bad[] = { "readback=0x100", NULL };
    assert_null(harness_try_create("isa-debugcon", NULL, NULL, bad, &err));
    error_free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_output_and_readback),
        cmocka_unit_test(test_seabios_port_and_custom_readback),
        cmocka_unit_test(test_without_backend_and_errors),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
