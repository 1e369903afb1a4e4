/*
 * The Linux x86 boot protocol, 32-bit entry (linux/Documentation/arch/x86/
 * boot.rst: "The Real-Mode Kernel Header", "32-bit Boot Protocol", and
 * zero-page.rst for the boot_params layout).
 *
 * The protected-mode kernel is loaded at code32_start (1 MiB), the setup
 * header is copied into a zeroed boot_params ("zero page") with the command
 * line pointer, the initrd and an E820 memory map filled in, and the CPU
 * starts at code32_start with ESI pointing at boot_params.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/cardcage.h>
#include "boot/boot.h"

/* Setup header offsets in the bzImage file and in boot_params. */
#define HDR_SETUP_SECTS      0x1f1
#define HDR_SYSSIZE          0x1f4
#define HDR_BOOT_FLAG        0x1fe
#define HDR_JUMP             0x200
#define HDR_MAGIC            0x202   /* "HdrS" */
#define HDR_VERSION          0x206
#define HDR_TYPE_OF_LOADER   0x210
#define HDR_LOADFLAGS        0x211
#define HDR_CODE32_START     0x214
#define HDR_RAMDISK_IMAGE    0x218
#define HDR_RAMDISK_SIZE     0x21c
#define HDR_CMD_LINE_PTR     0x228
#define HDR_INITRD_ADDR_MAX  0x22c
#define HDR_CMDLINE_SIZE     0x238
#define HDR_PREF_ADDRESS     0x258
#define HDR_INIT_SIZE        0x260
/* The fields read before the setup size is known end with loadflags. */
#define HDR_EARLY_END        (HDR_LOADFLAGS + 1)
/* The protected-mode kernel runs from 1 MiB up (boot.rst, "loaded high"):
 * below are the loader's tables, conventional memory and the ISA hole. */
#define KERNEL_MIN_ADDR      0x100000u

/* boot_params fields outside the header (zero-page.rst). */
#define BP_ALT_MEM_K         0x1e0
#define BP_E820_ENTRIES      0x1e8
#define BP_E820_TABLE        0x2d0
#define BP_SIZE              0x1000

#define LOADFLAG_LOADED_HIGH 0x01
#define LOADER_TYPE_UNKNOWN  0xff    /* "undefined" boot loader id */
#define E820_RAM             1
#define E820_RESERVED        2
/* With -boot kernel=firmware, SeaBIOS keeps its high tables (the ACPI
 * tables of etc/table-loader among them) in the top of RAM: at most
 * BUILD_MAX_HIGHTABLE, 256 KiB (SeaBIOS src/config.h).  The initrd stays
 * below and the memory map reserves it, as QEMU keeps its initrd below its
 * ACPI data. */
#define FIRMWARE_HIGH_SIZE   0x40000u

static uint32_t rd32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static void wr64(uint8_t *p, uint64_t v)
{
    wr32(p, (uint32_t)v);
    wr32(p + 4, (uint32_t)(v >> 32));
}

static void e820_add(uint8_t *bp, uint64_t addr, uint64_t size, uint32_t type)
{
    uint8_t n = bp[BP_E820_ENTRIES];
    uint8_t *e = bp + BP_E820_TABLE + 20 * n;
    wr64(e, addr);
    wr64(e + 8, size);
    wr32(e + 16, type);
    bp[BP_E820_ENTRIES] = n + 1;
}

int boot_linux_prepare(const BootOptions *opts, GBytes *kernel, uint64_t ram_size,
                       BootImage *img, Error **errp)
{
    gsize len;
    const uint8_t *k = g_bytes_get_data(kernel, &len);
    if (len < HDR_MAGIC + 4 || memcmp(k + HDR_MAGIC, "HdrS", 4)) {
        return 0;
    }
    const char *kname = opts->kernel;
    if (len < HDR_EARLY_END) {
        error_setg(errp, "-kernel %s: truncated bzImage: %zu bytes, not even the whole "
                   "setup header", kname, (size_t)len);
        return -1;
    }
    uint16_t version = k[HDR_VERSION] | k[HDR_VERSION + 1] << 8;
    if (version < 0x0204) {
        error_setg(errp, "-kernel %s: Linux boot protocol %x.%02x is too old (2.04 or later "
                   "is needed)", kname, version >> 8, version & 0xff);
        return -1;
    }
    if (!(k[HDR_LOADFLAGS] & LOADFLAG_LOADED_HIGH)) {
        error_setg(errp, "-kernel %s: a zImage (loaded below 1 MiB) is not supported; use a "
                   "bzImage", kname);
        return -1;
    }
    unsigned setup_sects = k[HDR_SETUP_SECTS] ? k[HDR_SETUP_SECTS] : 4;
    size_t setup_size = (setup_sects + 1) * 512;
    uint64_t syssize = (uint64_t)rd32(k + HDR_SYSSIZE) * 16;
    if (len < setup_size || len - setup_size < syssize || syssize == 0) {
        error_setg(errp, "-kernel %s: truncated bzImage: its header describes %zu bytes of "
                   "setup and %" G_GUINT64_FORMAT " of kernel, the file has %zu bytes",
                   kname, setup_size, syssize, (size_t)len);
        return -1;
    }
    if (ram_size < 16 << 20) {
        error_setg(errp, "-kernel %s: a Linux kernel needs at least 16 MiB of RAM here, "
                   "the board has %" G_GUINT64_FORMAT " KiB", kname, ram_size >> 10);
        return -1;
    }
    /* Where the kernel's RAM ends: below the firmware's high tables when
     * the firmware runs first. */
    uint64_t ram_top = opts->via_firmware ? ram_size - FIRMWARE_HIGH_SIZE : ram_size;

    uint32_t code32 = rd32(k + HDR_CODE32_START);
    uint64_t kernel_size = len - setup_size;
    if (code32 < KERNEL_MIN_ADDR) {
        error_setg(errp, "-kernel %s: code32_start 0x%x is below 1 MiB, where the loader's "
                   "tables and the ISA hole are: a bzImage runs from 1 MiB up", kname, code32);
        return -1;
    }
    /* How far the kernel may spread while decompressing (boot protocol
     * 2.10+: init_size from pref_address); older ones: a generous guess. */
    uint64_t kernel_end = (uint64_t)code32 + kernel_size * 4;
    if (version >= 0x020a) {
        uint64_t pref = (uint64_t)rd32(k + HDR_PREF_ADDRESS) |
                        (uint64_t)rd32(k + HDR_PREF_ADDRESS + 4) << 32;
        uint64_t base = MAX((uint64_t)code32, pref);
        kernel_end = MAX((uint64_t)code32 + kernel_size, base + rd32(k + HDR_INIT_SIZE));
    }
    if (kernel_end > ram_size) {
        error_setg(errp, "-kernel %s: the kernel needs memory up to %" G_GUINT64_FORMAT
                   " MiB while it starts, the board has %" G_GUINT64_FORMAT " MiB", kname,
                   (kernel_end + (1 << 20) - 1) >> 20, ram_size >> 20);
        return -1;
    }

    const char *cmdline = opts->cmdline ? opts->cmdline : "";
    uint32_t cmdline_max = version >= 0x0206 ? rd32(k + HDR_CMDLINE_SIZE) : 255;
    cmdline_max = MIN(cmdline_max, (uint32_t)BOOT_CMDLINE_MAX - 1);
    if (strlen(cmdline) > cmdline_max) {
        error_setg(errp, "-append: the command line has %zu characters, this kernel takes "
                   "at most %u", strlen(cmdline), cmdline_max);
        return -1;
    }

    uint8_t *bp = g_malloc0(BP_SIZE);
    /* The header runs from 0x1f1 to the end given by the jump's offset. */
    size_t hdr_end = MIN((size_t)HDR_JUMP + 2 + k[HDR_JUMP + 1], (size_t)BP_E820_TABLE);
    hdr_end = MIN(hdr_end, setup_size);
    memcpy(bp + HDR_SETUP_SECTS, k + HDR_SETUP_SECTS, hdr_end - HDR_SETUP_SECTS);
    bp[HDR_TYPE_OF_LOADER] = LOADER_TYPE_UNKNOWN;
    wr32(bp + HDR_CMD_LINE_PTR, BOOT_CMDLINE_ADDR);

    if (opts->initrd) {
        GBytes *initrd = boot_read_file(opts->initrd, "-initrd", errp);
        if (!initrd) {
            g_free(bp);
            return -1;
        }
        gsize ilen = g_bytes_get_size(initrd);
        uint64_t max = rd32(k + HDR_INITRD_ADDR_MAX);
        uint64_t top = MIN(max + 1, ram_top);
        uint64_t start = ilen <= top ? (top - ilen) & ~0xfffULL : 0;
        if (ilen > top || start < kernel_end) {
            error_setg(errp, "-initrd %s: %zu bytes do not fit between the kernel (which needs "
                       "memory up to 0x%" G_GINT64_MODIFIER "x) and the highest address the "
                       "kernel accepts for it (0x%" G_GINT64_MODIFIER "x, with %"
                       G_GUINT64_FORMAT " MiB of RAM): use a smaller initrd or more -m",
                       opts->initrd, (size_t)ilen, kernel_end, top - 1, ram_size >> 20);
            g_bytes_unref(initrd);
            g_free(bp);
            return -1;
        }
        wr32(bp + HDR_RAMDISK_IMAGE, (uint32_t)start);
        wr32(bp + HDR_RAMDISK_SIZE, (uint32_t)ilen);
        boot_image_add(img, start, initrd, ilen);
        g_bytes_unref(initrd);
    }

    /* Memory map: base memory below the EBDA, the BIOS area reserved, and
     * everything from 1 MiB up (E820 as a PC BIOS reports it). */
    e820_add(bp, 0, BOOT_LOW_MEM_TOP, E820_RAM);
    e820_add(bp, BOOT_LOW_MEM_TOP, 0xa0000 - BOOT_LOW_MEM_TOP, E820_RESERVED);
    e820_add(bp, 0xf0000, 0x10000, E820_RESERVED);
    e820_add(bp, 0x100000, ram_top - 0x100000, E820_RAM);
    if (ram_top < ram_size) {
        e820_add(bp, ram_top, ram_size - ram_top, E820_RESERVED);
    }
    wr32(bp + BP_ALT_MEM_K, (uint32_t)MIN((ram_top - 0x100000) >> 10, (uint64_t)UINT32_MAX));

    GBytes *params = g_bytes_new_take(bp, BP_SIZE);
    boot_image_add(img, BOOT_PARAMS_ADDR, params, BP_SIZE);
    g_bytes_unref(params);
    GBytes *cl = g_bytes_new(cmdline, strlen(cmdline) + 1);
    boot_image_add(img, BOOT_CMDLINE_ADDR, cl, strlen(cmdline) + 1);
    g_bytes_unref(cl);
    GBytes *pm = g_bytes_new_from_bytes(kernel, setup_size, kernel_size);
    boot_image_add(img, code32, pm, kernel_size);
    g_bytes_unref(pm);

    img->entry = code32;
    img->regs[6] = BOOT_PARAMS_ADDR;     /* ESI: boot_params; EBX, EBP, EDI zero */
    img->format = "Linux bzImage";
    return 1;
}
