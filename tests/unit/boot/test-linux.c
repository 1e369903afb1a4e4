/*
 * The Linux boot protocol loader's checks of the file (linux/Documentation/
 * arch/x86/boot.rst): a file cut short anywhere, even inside the setup
 * header, is refused before anything past its end is read, and the
 * protected-mode kernel must go from 1 MiB up and fit in RAM.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include <cardcage/cardcage.h>
#include "boot/boot.h"

#define RAM (64u << 20)
#define SETUP_SIZE (5 * 512)     /* setup_sects 4, plus the boot sector */
#define KERNEL_SIZE 0x1000

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

/* A bzImage of boot protocol 2.15 whose protected-mode part (KERNEL_SIZE
 * bytes) goes to code32, cut to len bytes; the cut is a copy of exactly
 * len bytes, so that a read past it is an out-of-bounds read. */
static GBytes *make_bzimage(uint32_t code32, size_t len)
{
    uint8_t *f = g_malloc0(SETUP_SIZE + KERNEL_SIZE);
    f[0x1f1] = 4;                               /* setup_sects */
    put32(f + 0x1f4, KERNEL_SIZE / 16);         /* syssize */
    memcpy(f + 0x202, "HdrS", 4);
    f[0x206] = 0x0f;                            /* version 2.15 */
    f[0x207] = 0x02;
    f[0x211] = 0x01;                            /* loadflags: LOADED_HIGH */
    put32(f + 0x214, code32);                   /* code32_start */
    put32(f + 0x22c, 0x7fffffff);               /* initrd_addr_max */
    put32(f + 0x238, 2047);                     /* cmdline_size */
    put32(f + 0x258, code32);                   /* pref_address */
    put32(f + 0x260, KERNEL_SIZE);              /* init_size */
    GBytes *b = g_bytes_new(f, len);
    g_free(f);
    return b;
}

static int prepare(GBytes *k, char **msg, uint32_t *entry)
{
    BootOptions o = { .kernel = "bzImage" };
    BootImage img = { .chunks = g_array_new(FALSE, TRUE, sizeof(BootChunk)) };
    Error *err = NULL;
    int r = boot_linux_prepare(&o, k, RAM, &img, &err);
    *msg = err ? g_strdup(error_get_pretty(err)) : NULL;
    error_free(err);
    *entry = img.entry;
    boot_image_release(&img);
    g_bytes_unref(k);
    return r;
}

static void expect_refused(uint32_t code32, size_t len, const char *words)
{
    char *msg;
    uint32_t entry;
    assert_int_equal(prepare(make_bzimage(code32, len), &msg, &entry), -1);
    assert_non_null(msg);
    if (!strstr(msg, words)) {
        fail_msg("message '%s' lacks '%s'", msg, words);
    }
    g_free(msg);
}

static void test_whole_image(void **state)
{
    char *msg;
    uint32_t entry;
    assert_int_equal(prepare(make_bzimage(0x100000, SETUP_SIZE + KERNEL_SIZE), &msg, &entry),
                     1);
    assert_null(msg);
    assert_int_equal(entry, 0x100000);
}

/* Every length from the magic on: either not a bzImage at all (no room for
 * "HdrS") or a truncated one, never a read past the end (AddressSanitizer
 * checks the reads; the messages are checked here). */
static void test_truncated(void **state)
{
    for (size_t len = 0x206; len < SETUP_SIZE + KERNEL_SIZE; len++) {
        expect_refused(0x100000, len, "truncated bzImage");
    }
    char *msg;
    uint32_t entry;
    assert_int_equal(prepare(make_bzimage(0x100000, 0x205), &msg, &entry), 0);
    assert_null(msg);
}

static void test_impossible_addresses(void **state)
{
    expect_refused(0, SETUP_SIZE + KERNEL_SIZE, "below 1 MiB");
    expect_refused(0x10000, SETUP_SIZE + KERNEL_SIZE, "below 1 MiB");   /* boot_params */
    expect_refused(0xa0000, SETUP_SIZE + KERNEL_SIZE, "below 1 MiB");   /* the ISA hole */
    expect_refused(0xfffff, SETUP_SIZE + KERNEL_SIZE, "below 1 MiB");
    expect_refused(RAM - 0x800, SETUP_SIZE + KERNEL_SIZE, "the board has 64 MiB");
    expect_refused(0xfffff000u, SETUP_SIZE + KERNEL_SIZE, "the board has 64 MiB");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_image),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_impossible_addresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
