/*
 * Kernel boot (-kernel/-initrd/-append): a Linux bzImage through the Linux
 * x86 boot protocol's 32-bit entry, or a Multiboot (version 1) image,
 * started directly without a BIOS, or (-boot kernel=firmware) by the BIOS
 * through cardcage's boot option ROM (boot-firmware.c).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_BOOT_H
#define CORE_BOOT_H

#include <cardcage/error.h>

struct CPUState;

typedef struct BootOptions {
    const char *kernel;
    const char *initrd;          /* NULL: none */
    const char *cmdline;         /* NULL: empty */
    bool via_firmware;           /* -boot kernel=firmware: the BIOS starts it */
} BootOptions;

/* A prepared image: what to copy where, and the register state to start
 * with.  Filled by the format's prepare function. */
typedef struct BootChunk {
    uint64_t addr;
    GBytes *data;                /* copied to addr; the rest up to fill is zeroed */
    uint64_t fill;               /* total bytes covered at addr (>= data size) */
} BootChunk;

typedef struct BootImage {
    GArray *chunks;              /* BootChunk */
    uint32_t entry;
    uint32_t regs[8];            /* EAX..EDI */
    const char *format;          /* "Linux bzImage" or "Multiboot" */
} BootImage;

/* Read and check the files now (every error before the machine starts), and
 * arrange for the images to be loaded and the CPU started at the entry
 * point at every system reset. */
bool boot_prepare(const BootOptions *opts, struct CPUState *cpu, Error **errp);

/* The formats; each returns 0 if the file is not of its format, 1 when it
 * prepared the image, -1 on error (errp set). */
int boot_linux_prepare(const BootOptions *opts, GBytes *kernel, uint64_t ram_size,
                       BootImage *img, Error **errp);
int boot_multiboot_prepare(const BootOptions *opts, GBytes *kernel, uint64_t ram_size,
                           BootImage *img, Error **errp);

/* Hand a prepared image to the board's firmware: the image goes to fw_cfg
 * with the option ROM that starts it after POST (boot-firmware.c). */
bool boot_via_firmware(const BootOptions *opts, const BootImage *img, Error **errp);

/* Helpers shared by the formats. */
void boot_image_add(BootImage *img, uint64_t addr, GBytes *data, uint64_t fill);
/* Drop the chunks and their data. */
void boot_image_release(BootImage *img);
/* Read a whole file (NULL and errp on failure; what names the role). */
GBytes *boot_read_file(const char *path, const char *what, Error **errp);

/* Where the loaders put their tables (below the 640 KiB of base memory,
 * clear of the real-mode IVT and BIOS data area at 0..0x4ff). */
#define BOOT_GDT_ADDR      0x5000
#define BOOT_GDT_SIZE      32        /* four descriptors (boot.c) */
/* The GDT and, after it, the boot ROM's scratch (rom/boot-rom.asm): kept
 * free of kernel images. */
#define BOOT_LOADER_AREA_SIZE 0x100
#define BOOT_PARAMS_ADDR   0x10000   /* Linux zero page / Multiboot info */
#define BOOT_CMDLINE_ADDR  0x20000
#define BOOT_CMDLINE_MAX   0x10000
#define BOOT_LOW_MEM_TOP   0x9fc00   /* 639 KiB: the top KiB is the EBDA */

#endif
