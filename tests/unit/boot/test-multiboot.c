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
    put32(ph + 8, paddr);               /* p_vaddr */
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
    boot_image_release(&img);
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

/* A Multiboot image by the header's address fields: the flat binary
 * loaded at load_addr, started at entry. */
static GBytes *make_flat(uint32_t load_addr, uint32_t entry)
{
    uint8_t *f = g_malloc0(0x100);
    put32(f + 0x00, 0x1badb002u);
    put32(f + 0x04, 0x10000);           /* flag 16: the address fields */
    put32(f + 0x08, (uint32_t)-(0x1badb002u + 0x10000));
    put32(f + 0x0c, load_addr);         /* header_addr: the file's start */
    put32(f + 0x10, load_addr);         /* load_addr */
    put32(f + 0x14, 0);                 /* load_end_addr: the whole file */
    put32(f + 0x18, 0);                 /* bss_end_addr */
    put32(f + 0x1c, entry);
    return g_bytes_new_take(f, 0x100);
}

typedef struct Prepared {
    int r;
    char *msg;
    BootImage img;
} Prepared;

static void prepare_opts(Prepared *p, GBytes *k, const BootOptions *o)
{
    p->img = (BootImage){ .chunks = g_array_new(FALSE, TRUE, sizeof(BootChunk)) };
    Error *err = NULL;
    p->r = boot_multiboot_prepare(o, k, RAM, &p->img, &err);
    p->msg = err ? g_strdup(error_get_pretty(err)) : NULL;
    error_free(err);
    g_bytes_unref(k);
}

static void prepared_free(Prepared *p)
{
    boot_image_release(&p->img);
    g_free(p->msg);
}

/* The entry point must lie in what is loaded: in the image loaded by the
 * address fields, in an ELF segment's bytes (e_entry is virtual: it is
 * translated through the segment holding it). */
static void test_entry(void **state)
{
    BootOptions o = { .kernel = "test.bin" };
    Prepared p;
    prepare_opts(&p, make_flat(0x100000, 0x100020), &o);
    assert_int_equal(p.r, 1);
    assert_int_equal(p.img.entry, 0x100020);
    prepared_free(&p);
    static const uint32_t bad[] = { 0x0fffff, 0x100100, 0xa0000, 0xfffffff0u, 0 };
    for (size_t i = 0; i < CC_ARRAY_SIZE(bad); i++) {
        prepare_opts(&p, make_flat(0x100000, bad[i]), &o);
        assert_int_equal(p.r, -1);
        assert_non_null(strstr(p.msg, "entry_addr"));
        prepared_free(&p);
    }
    /* ELF: entry outside every segment; a higher-half kernel (vaddr
     * 0xc0100000 at paddr 0x100000) starts at the physical address. */
    GBytes *k = make_elf(0x100000, 0x1000);
    uint8_t *f = g_bytes_unref_to_data(k, &(gsize){ 0 });
    put32(f + 24, 0x200000);
    prepare_opts(&p, g_bytes_new_take(f, 0x200), &o);
    assert_int_equal(p.r, -1);
    assert_non_null(strstr(p.msg, "entry point 0x200000"));
    prepared_free(&p);
    k = make_elf(0x100000, 0x1000);
    f = g_bytes_unref_to_data(k, &(gsize){ 0 });
    put32(f + 0x40 + 8, 0xc0100000u);   /* p_vaddr */
    put32(f + 24, 0xc0100004u);         /* e_entry */
    prepare_opts(&p, g_bytes_new_take(f, 0x200), &o);
    assert_int_equal(p.r, 1);
    assert_int_equal(p.img.entry, 0x100004);
    prepared_free(&p);
}

/* The boot information's strings (spec 3.3): the command line begins with
 * the kernel's file name, as GRUB and QEMU pass it; the module's string is
 * the initrd's file name. */
static const char *mbi_string(const Prepared *p, uint32_t offset_field)
{
    BootChunk *info = &g_array_index(p->img.chunks, BootChunk, p->img.chunks->len - 1);
    assert_int_equal(info->addr, BOOT_PARAMS_ADDR);
    gsize len;
    const uint8_t *b = g_bytes_get_data(info->data, &len);
    uint32_t at = b[offset_field] | b[offset_field + 1] << 8 | b[offset_field + 2] << 16 |
                  (uint32_t)b[offset_field + 3] << 24;
    assert_true(at >= BOOT_PARAMS_ADDR && at - BOOT_PARAMS_ADDR < len);
    return (const char *)b + (at - BOOT_PARAMS_ADDR);
}

static void test_cmdline(void **state)
{
    Prepared p;
    BootOptions o = { .kernel = "/boot/kernel.elf", .cmdline = "console=ttyS0 quiet" };
    prepare_opts(&p, make_flat(0x100000, 0x100000), &o);
    assert_int_equal(p.r, 1);
    assert_string_equal(mbi_string(&p, 16), "/boot/kernel.elf console=ttyS0 quiet");
    assert_string_equal(mbi_string(&p, 64), "cardcage");
    prepared_free(&p);
    /* No -append: the file name alone. */
    o.cmdline = NULL;
    prepare_opts(&p, make_flat(0x100000, 0x100000), &o);
    assert_string_equal(mbi_string(&p, 16), "/boot/kernel.elf");
    prepared_free(&p);
    /* The module carries the initrd's name. */
    char path[] = "/tmp/cardcage-mb-XXXXXX";
    int fd = g_mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "module", 6), 6);
    close(fd);
    o.initrd = path;
    prepare_opts(&p, make_flat(0x100000, 0x100000), &o);
    assert_int_equal(p.r, 1);
    const uint8_t *b = g_bytes_get_data(
        g_array_index(p.img.chunks, BootChunk, p.img.chunks->len - 1).data, NULL);
    uint32_t mod = b[24] | b[25] << 8 | b[26] << 16 | (uint32_t)b[27] << 24;
    assert_int_equal(mod, BOOT_PARAMS_ADDR + 0x100);
    uint32_t s = b[0x108] | b[0x109] << 8 | b[0x10a] << 16 | (uint32_t)b[0x10b] << 24;
    assert_string_equal((const char *)b + (s - BOOT_PARAMS_ADDR), path);
    prepared_free(&p);
    unlink(path);
    /* Too long with the name: a clear error. */
    char *longline = g_strnfill(BOOT_CMDLINE_MAX + 64, 'x');
    o.initrd = NULL;
    o.cmdline = longline;
    prepare_opts(&p, make_flat(0x100000, 0x100000), &o);
    assert_int_equal(p.r, -1);
    assert_non_null(strstr(p.msg, "at most"));
    prepared_free(&p);
    g_free(longline);
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
        cmocka_unit_test(test_entry),
        cmocka_unit_test(test_cmdline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
