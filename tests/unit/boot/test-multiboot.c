/*
 * The Multiboot loader's placement rules: ELF segments (and images loaded
 * by the header's address fields) may lie in conventional memory below
 * 640 KiB or above 1 MiB, never in the ISA hole, outside RAM, or over the
 * tables the loader writes itself; a module goes above 1 MiB.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <cardcage/cardcage.h>
#include "boot/boot.h"

#define RAM (16u << 20)

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* A minimal i386 ELF with a Multiboot header (flags 0) and one PT_LOAD
 * segment of 16 bytes in the file at paddr, memsz bytes in memory. */
static GBytes *make_elf(uint32_t paddr, uint32_t memsz)
{
    uint8_t *f = g_malloc0(0x200);
    memcpy(f, "\x7f" "ELF", 4);
    f[4] = 1;                           /* ELFCLASS32 */
    f[5] = 1;                           /* little endian */
    put16(f + 18, 3);                   /* EM_386 */
    put32(f + 24, paddr);               /* e_entry */
    put32(f + 28, 0x40);                /* e_phoff */
    put16(f + 42, 32);                  /* e_phentsize */
    put16(f + 44, 1);                   /* e_phnum */
    uint8_t *ph = f + 0x40;
    put32(ph, 1);                       /* PT_LOAD */
    put32(ph + 4, 0x100);               /* p_offset */
    put32(ph + 12, paddr);
    put32(ph + 16, 16);                 /* p_filesz */
    put32(ph + 20, memsz);
    put32(f + 0x80, 0x1badb002u);       /* the Multiboot header */
    put32(f + 0x84, 0);
    put32(f + 0x88, (uint32_t)-0x1badb002);
    return g_bytes_new_take(f, 0x200);
}

/* 1 on success, -1 with the error text in *msg. */
static int prepare(uint32_t paddr, uint32_t memsz, const char *initrd, char **msg)
{
    GBytes *k = make_elf(paddr, memsz);
    BootOptions o = { .kernel = "test.elf", .initrd = initrd };
    BootImage img = { .chunks = g_array_new(FALSE, TRUE, sizeof(BootChunk)) };
    Error *err = NULL;
    int r = boot_multiboot_prepare(&o, k, RAM, &img, &err);
    *msg = err ? g_strdup(error_get_pretty(err)) : NULL;
    if (err) {
        error_free(err);
    }
    if (r > 0 && initrd) {
        /* the module is the chunk after the segment */
        BootChunk *mod = &g_array_index(img.chunks, BootChunk, 1);
        assert_true(mod->addr >= 0x100000);
    }
    for (guint i = 0; i < img.chunks->len; i++) {
        BootChunk *c = &g_array_index(img.chunks, BootChunk, i);
        if (c->data) {
            g_bytes_unref(c->data);
        }
    }
    g_array_unref(img.chunks);
    g_bytes_unref(k);
    return r;
}

static void expect_ok(uint32_t paddr, uint32_t memsz)
{
    char *msg;
    int r = prepare(paddr, memsz, NULL, &msg);
    if (r != 1) {
        fail_msg("0x%x+0x%x refused: %s", paddr, memsz, msg ? msg : "?");
    }
    g_free(msg);
}

static void expect_refused(uint32_t paddr, uint32_t memsz, const char *words)
{
    char *msg;
    assert_int_equal(prepare(paddr, memsz, NULL, &msg), -1);
    assert_non_null(msg);
    if (!strstr(msg, words)) {
        fail_msg("message '%s' lacks '%s'", msg, words);
    }
    g_free(msg);
}

static void test_placement(void **state)
{
    expect_ok(0x100000, 0x1000);            /* above 1 MiB, as before */
    expect_ok(0x8000, 0x6000);              /* realmode.flat's place */
    expect_ok(0x21000, 0xa0000 - 0x21000);  /* up to 640 KiB */
    expect_ok(RAM - 0x1000, 0x1000);        /* the last page of RAM */

    expect_refused(0x9f000, 0x2000, "ISA hole");
    expect_refused(0xc0000, 0x10, "ISA hole");
    expect_refused(0xffff0, 0x20, "ISA hole");
    expect_refused(0x0, 0x200000, "ISA hole");
    expect_refused(RAM - 0x1000, 0x1001, "past the end of RAM");
    expect_refused(0xfffff000u, 0x2000, "past the end of RAM");
    expect_refused(0x5000, 0x10, "boot GDT");
    expect_refused(0x4ff0, 0x20, "boot GDT");
    expect_refused(0x10400, 0x10, "Multiboot information");
    expect_refused(0x8000, 0x10000, "Multiboot information");
}

static void test_module_above_1m(void **state)
{
    char path[] = "/tmp/cardcage-mb-XXXXXX";
    int fd = g_mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "module", 6), 6);
    close(fd);
    char *msg;
    assert_int_equal(prepare(0x8000, 0x1000, path, &msg), 1);
    g_free(msg);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_placement),
        cmocka_unit_test(test_module_above_1m),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
