/*
 * Multiboot (version 1) images (Multiboot Specification 0.6.96: 3.1 "OS
 * image format", 3.2 "Machine state", 3.3 "Boot information format").
 *
 * The image is loaded either by the header's address fields (flag 16) or,
 * without them, from its ELF32 program headers.  The initrd, if any, is
 * passed as the one boot module.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/cardcage.h>
#include "boot/boot.h"

#define MB_MAGIC            0x1badb002u   /* in the OS image header */
#define MB_BOOTLOADER_MAGIC 0x2badb002u   /* in EAX at entry */
#define MB_SEARCH_BYTES     8192          /* the header lies in the first 8 KiB */
#define MB_FLAG_PAGE_ALIGN  (1u << 0)
#define MB_FLAG_MEMORY      (1u << 1)
#define MB_FLAG_VIDEO       (1u << 2)
#define MB_FLAG_ADDRESS     (1u << 16)

/* Boot information flags and offsets (spec 3.3). */
#define MBI_MEM             (1u << 0)
#define MBI_CMDLINE         (1u << 2)
#define MBI_MODS            (1u << 3)
#define MBI_MMAP            (1u << 6)
#define MBI_LOADER_NAME     (1u << 9)
#define MBI_OFF_FLAGS       0
#define MBI_OFF_MEM_LOWER   4
#define MBI_OFF_MEM_UPPER   8
#define MBI_OFF_CMDLINE     16
#define MBI_OFF_MODS_COUNT  20
#define MBI_OFF_MODS_ADDR   24
#define MBI_OFF_MMAP_LENGTH 44
#define MBI_OFF_MMAP_ADDR   48
#define MBI_OFF_LOADER_NAME 64
/* Layout of our info block: the info struct, one module entry, the memory
 * map, then the strings. */
#define MBI_MOD_OFF         0x100
#define MBI_MMAP_OFF        0x200
#define MBI_STRINGS_OFF     0x400
#define MBI_BLOCK_SIZE      (MBI_STRINGS_OFF + BOOT_CMDLINE_MAX + 64)

#define ELF_PT_LOAD 1

static uint32_t rd32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(const uint8_t *p)
{
    return p[0] | p[1] << 8;
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

/* Where a Multiboot image may be placed.  The spec leaves the load
 * address to the image; like QEMU we take any RAM the guest can use without
 * a BIOS: conventional memory below 640 KiB (real-mode test programs link at
 * 0x8000) and everything above 1 MiB.  The ISA hole (VGA memory, option and
 * BIOS ROMs at 0xA0000-0xFFFFF) is not RAM the loader may write, and the
 * loader's own tables (the GDT, the boot information block with the
 * command line and module list) must not be overwritten by the image. */
#define CONV_MEM_END 0xa0000u
#define HIGH_MEM_START 0x100000u

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

/* Check that [addr, addr + size) may receive part of the image; what names
 * it in the error ("ELF segment 1", "Multiboot image"). */
static bool check_placement(const char *name, const char *what, uint64_t addr, uint64_t size,
                            uint64_t ram, Error **errp)
{
    uint64_t end = addr + size;
    if (end > ram) {
        error_setg(errp, "-kernel %s: %s at 0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER
                   "x runs past the end of RAM (%" G_GINT64_MODIFIER "u MiB)", name, what,
                   addr, end, ram >> 20);
        return false;
    }
    if (overlaps(addr, size, CONV_MEM_END, HIGH_MEM_START - CONV_MEM_END)) {
        error_setg(errp, "-kernel %s: %s at 0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER
                   "x overlaps the ISA hole (video memory and ROMs at 0xa0000-0xfffff); "
                   "it must lie below 640 KiB or above 1 MiB", name, what, addr, end);
        return false;
    }
    static const struct { uint64_t addr, len; const char *what; } loader[] = {
        { BOOT_GDT_ADDR, BOOT_LOADER_AREA_SIZE, "the boot GDT (and the boot ROM's scratch)" },
        { BOOT_PARAMS_ADDR, MBI_BLOCK_SIZE,
          "the Multiboot information (with the command line and module list)" },
    };
    for (size_t i = 0; i < CC_ARRAY_SIZE(loader); i++) {
        if (overlaps(addr, size, loader[i].addr, loader[i].len)) {
            error_setg(errp, "-kernel %s: %s at 0x%" G_GINT64_MODIFIER "x-0x%"
                       G_GINT64_MODIFIER "x overlaps %s, which the loader places at 0x%"
                       G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x", name, what, addr,
                       end, loader[i].what, loader[i].addr, loader[i].addr + loader[i].len);
            return false;
        }
    }
    return true;
}

/* Load by the header's address fields (spec 3.1.3). */
static bool load_by_address(const char *name, const uint8_t *k, gsize len, GBytes *kernel,
                            size_t hdr_off, const uint8_t *h, uint64_t ram, BootImage *img,
                            uint64_t *end, Error **errp)
{
    uint32_t header_addr = rd32(h + 12), load_addr = rd32(h + 16);
    uint32_t load_end = rd32(h + 20), bss_end = rd32(h + 24), entry = rd32(h + 28);
    if (load_addr > header_addr || header_addr - load_addr > hdr_off) {
        error_setg(errp, "-kernel %s: Multiboot header_addr 0x%x and load_addr 0x%x do not "
                   "fit the header's place in the file", name, header_addr, load_addr);
        return false;
    }
    size_t file_off = hdr_off - (header_addr - load_addr);
    uint64_t size = load_end ? (uint64_t)load_end - load_addr : len - file_off;
    if (load_end && (load_end < load_addr || size > len - file_off)) {
        error_setg(errp, "-kernel %s: Multiboot load_end_addr 0x%x runs past the end of "
                   "the file", name, load_end);
        return false;
    }
    uint64_t fill = bss_end && bss_end > load_addr + size ? bss_end - load_addr : size;
    if (!check_placement(name, "the Multiboot image", load_addr, fill, ram, errp)) {
        return false;
    }
    if (entry < load_addr || entry - load_addr >= size) {
        error_setg(errp, "-kernel %s: Multiboot entry_addr 0x%x lies outside the image "
                   "loaded at 0x%x-0x%" G_GINT64_MODIFIER "x", name, entry, load_addr,
                   load_addr + size);
        return false;
    }
    GBytes *part = g_bytes_new_from_bytes(kernel, file_off, size);
    boot_image_add(img, load_addr, part, fill);
    g_bytes_unref(part);
    img->entry = entry;
    *end = load_addr + fill;
    return true;
}

/* Load from ELF32 program headers (spec 3.1.3, flag 16 clear). */
static bool load_elf(const char *name, const uint8_t *k, gsize len, GBytes *kernel,
                     uint64_t ram, BootImage *img, uint64_t *end, Error **errp)
{
    /* ELF header: e_ident, e_type, e_machine (3 = i386), e_entry, e_phoff,
     * e_phentsize, e_phnum (System V ABI, ELF32 "ELF Header"). */
    if (len < 52 || memcmp(k, "\x7f" "ELF", 4) || k[4] != 1 || k[5] != 1 ||
        rd16(k + 18) != 3) {
        error_setg(errp, "-kernel %s: a Multiboot image without address fields must be a "
                   "32-bit little-endian i386 ELF file", name);
        return false;
    }
    uint32_t phoff = rd32(k + 28);
    uint16_t phentsize = rd16(k + 42), phnum = rd16(k + 44);
    if (phentsize < 32 || phoff > len || (uint64_t)phnum * phentsize > len - phoff) {
        error_setg(errp, "-kernel %s: ELF program headers run past the end of the file",
                   name);
        return false;
    }
    *end = 0;
    int loaded = 0;
    uint32_t e_entry = rd32(k + 24);
    bool entry_found = false, phys_entry_found = false;
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = k + phoff + (size_t)i * phentsize;
        if (rd32(ph) != ELF_PT_LOAD) {
            continue;
        }
        uint32_t off = rd32(ph + 4), vaddr = rd32(ph + 8), paddr = rd32(ph + 12);
        uint32_t filesz = rd32(ph + 16), memsz = rd32(ph + 20);
        if (off > len || filesz > len - off || memsz < filesz) {
            error_setg(errp, "-kernel %s: ELF segment %u lies outside the file", name, i);
            return false;
        }
        char what[32];
        g_snprintf(what, sizeof(what), "ELF segment %u", i);
        if (!check_placement(name, what, paddr, memsz, ram, errp)) {
            return false;
        }
        GBytes *part = g_bytes_new_from_bytes(kernel, off, filesz);
        boot_image_add(img, paddr, part, memsz);
        g_bytes_unref(part);
        *end = MAX(*end, (uint64_t)paddr + memsz);
        loaded++;
        /* e_entry is a virtual address: it runs (paging off) at the
         * physical address of the segment that holds its bytes, so a
         * kernel linked at a higher virtual address starts.  An entry
         * that only matches a physical range is taken as physical. */
        if (!entry_found && e_entry >= vaddr && e_entry - vaddr < filesz) {
            img->entry = paddr + (e_entry - vaddr);
            entry_found = true;
        } else if (!entry_found && !phys_entry_found && e_entry >= paddr &&
                   e_entry - paddr < filesz) {
            phys_entry_found = true;
        }
    }
    if (!entry_found && phys_entry_found) {
        img->entry = e_entry;
        entry_found = true;
    }
    if (!loaded) {
        error_setg(errp, "-kernel %s: the ELF file has no loadable segment", name);
        return false;
    }
    if (!entry_found) {
        error_setg(errp, "-kernel %s: the ELF entry point 0x%x lies in no loaded segment",
                   name, e_entry);
        return false;
    }
    return true;
}

int boot_multiboot_prepare(const BootOptions *opts, GBytes *kernel, uint64_t ram_size,
                           BootImage *img, Error **errp)
{
    gsize len;
    const uint8_t *k = g_bytes_get_data(kernel, &len);
    const uint8_t *h = NULL;
    size_t hdr_off = 0;
    for (size_t off = 0; off + 12 <= MIN(len, (gsize)MB_SEARCH_BYTES); off += 4) {
        if (rd32(k + off) == MB_MAGIC &&
            (uint32_t)(rd32(k + off) + rd32(k + off + 4) + rd32(k + off + 8)) == 0) {
            h = k + off;
            hdr_off = off;
            break;
        }
    }
    if (!h) {
        return 0;
    }
    const char *name = opts->kernel;
    uint32_t flags = rd32(h + 4);
    /* Bits 0-15 are requirements: refuse what we cannot honour. */
    if (flags & 0xfff8) {
        error_setg(errp, "-kernel %s: Multiboot header requires features 0x%x that this "
                   "loader does not know", name, flags & 0xffff);
        return -1;
    }
    if (flags & MB_FLAG_VIDEO) {
        error_setg(errp, "-kernel %s: the Multiboot image requires a video mode, and "
                   "cardcage has no display yet", name);
        return -1;
    }
    uint64_t end;
    bool ok;
    if (flags & MB_FLAG_ADDRESS) {
        if (hdr_off + 32 > len) {
            error_setg(errp, "-kernel %s: truncated Multiboot header", name);
            return -1;
        }
        ok = load_by_address(name, k, len, kernel, hdr_off, h, ram_size, img, &end, errp);
    } else {
        ok = load_elf(name, k, len, kernel, ram_size, img, &end, errp);
    }
    if (!ok) {
        return -1;
    }

    uint8_t *mbi = g_malloc0(MBI_BLOCK_SIZE);
    uint32_t base = BOOT_PARAMS_ADDR;
    uint32_t info_flags = MBI_MEM | MBI_CMDLINE | MBI_MMAP | MBI_LOADER_NAME;
    wr32(mbi + MBI_OFF_MEM_LOWER, BOOT_LOW_MEM_TOP >> 10);
    wr32(mbi + MBI_OFF_MEM_UPPER, (uint32_t)MIN((ram_size - 0x100000) >> 10,
                                               (uint64_t)UINT32_MAX));
    /* The command line starts with the kernel's file name, as GRUB
     * ("kernel FILE ARGS") and QEMU pass it; kernels parse it that way. */
    char *cmdline = opts->cmdline && *opts->cmdline
                        ? g_strdup_printf("%s %s", name, opts->cmdline)
                        : g_strdup(name);
    /* The module's string is the initrd's file name (GRUB: "module FILE"). */
    const char *mod_name = opts->initrd ? opts->initrd : "";
    static const char loader_name[] = "cardcage";
    size_t cl = strlen(cmdline), ml = strlen(mod_name);
    if (cl + 1 + ml + 1 + sizeof(loader_name) > MBI_BLOCK_SIZE - MBI_STRINGS_OFF) {
        error_setg(errp, "-append: the command line (with the kernel's and the initrd's "
                   "file names) has %zu characters, at most %zu fit", cl + ml,
                   (size_t)(MBI_BLOCK_SIZE - MBI_STRINGS_OFF - 2 - sizeof(loader_name)));
        g_free(cmdline);
        g_free(mbi);
        return -1;
    }
    uint32_t cmdline_off = MBI_STRINGS_OFF, mod_name_off = cmdline_off + cl + 1;
    uint32_t loader_name_off = mod_name_off + ml + 1;
    memcpy(mbi + cmdline_off, cmdline, cl + 1);
    memcpy(mbi + mod_name_off, mod_name, ml + 1);
    memcpy(mbi + loader_name_off, loader_name, sizeof(loader_name));
    g_free(cmdline);
    wr32(mbi + MBI_OFF_CMDLINE, base + cmdline_off);
    wr32(mbi + MBI_OFF_LOADER_NAME, base + loader_name_off);

    /* Memory map entries: size (20, not counting itself), base, length, type. */
    static const struct { uint64_t addr, len; uint32_t type; } map[] = {
        { 0, BOOT_LOW_MEM_TOP, 1 },
        { BOOT_LOW_MEM_TOP, 0xa0000 - BOOT_LOW_MEM_TOP, 2 },
        { 0xf0000, 0x10000, 2 },
    };
    uint8_t *m = mbi + MBI_MMAP_OFF;
    for (size_t i = 0; i <= CC_ARRAY_SIZE(map); i++) {
        wr32(m, 20);
        if (i < CC_ARRAY_SIZE(map)) {
            wr64(m + 4, map[i].addr);
            wr64(m + 12, map[i].len);
            wr32(m + 20, map[i].type);
        } else {
            wr64(m + 4, 0x100000);
            wr64(m + 12, ram_size - 0x100000);
            wr32(m + 20, 1);
        }
        m += 24;
    }
    wr32(mbi + MBI_OFF_MMAP_LENGTH, (uint32_t)(m - (mbi + MBI_MMAP_OFF)));
    wr32(mbi + MBI_OFF_MMAP_ADDR, base + MBI_MMAP_OFF);

    if (opts->initrd) {
        GBytes *mod = boot_read_file(opts->initrd, "-initrd", errp);
        if (!mod) {
            g_free(mbi);
            return -1;
        }
        /* The module goes after the image, and never below 1 MiB: an
         * image in conventional memory ends below the loader's tables. */
        uint64_t start = (MAX(end, (uint64_t)HIGH_MEM_START) + 0xfff) & ~0xfffULL;
        gsize mlen = g_bytes_get_size(mod);
        if (start + mlen > ram_size) {
            error_setg(errp, "-initrd %s: %zu bytes do not fit in RAM after the kernel "
                       "(which ends at 0x%" G_GINT64_MODIFIER "x)", opts->initrd,
                       (size_t)mlen, end);
            g_bytes_unref(mod);
            g_free(mbi);
            return -1;
        }
        boot_image_add(img, start, mod, mlen);
        g_bytes_unref(mod);
        uint8_t *me = mbi + MBI_MOD_OFF;
        wr32(me, (uint32_t)start);
        wr32(me + 4, (uint32_t)(start + mlen));
        wr32(me + 8, base + mod_name_off);
        wr32(mbi + MBI_OFF_MODS_COUNT, 1);
        wr32(mbi + MBI_OFF_MODS_ADDR, base + MBI_MOD_OFF);
        info_flags |= MBI_MODS;
    }
    wr32(mbi + MBI_OFF_FLAGS, info_flags);
    GBytes *info = g_bytes_new_take(mbi, MBI_BLOCK_SIZE);
    boot_image_add(img, base, info, MBI_BLOCK_SIZE);
    g_bytes_unref(info);

    img->regs[0] = MB_BOOTLOADER_MAGIC;   /* EAX */
    img->regs[3] = base;                  /* EBX: the boot information */
    /* ESP is undefined for a Multiboot OS (spec 3.2), but guests written
     * against QEMU's loader push before they set their own: give them the
     * free conventional memory below 0x7C00, as a BIOS boot leaves it,
     * rather than 0, whose first push would land in the firmware ROM at
     * the top of 4 GiB (read-only behind the i440FX). */
    img->regs[4] = 0x7c00;                /* ESP */
    img->format = "Multiboot";
    return 1;
}
