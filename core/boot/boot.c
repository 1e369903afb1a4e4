/*
 * Direct kernel boot: choose the format, then at every reset copy the image
 * into RAM and start the CPU in flat 32-bit protected mode at its entry.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/cardcage.h>
#include "boot/boot.h"
#include "cpu/x86-cpu.h"
#include "main/runstate.h"

/* Selectors the Linux boot protocol expects (__BOOT_CS, __BOOT_DS); the
 * Multiboot spec leaves them to the loader, so both use these. */
#define BOOT_CS 0x10
#define BOOT_DS 0x18

typedef struct BootState {
    BootImage img;
    X86CPU *cpu;
} BootState;

GBytes *boot_read_file(const char *path, const char *what, Error **errp)
{
    gchar *data;
    gsize len;
    GError *gerr = NULL;
    if (!g_file_get_contents(path, &data, &len, &gerr)) {
        error_setg(errp, "%s: %s", what, gerr->message);
        g_error_free(gerr);
        return NULL;
    }
    return g_bytes_new_take(data, len);
}

void boot_image_add(BootImage *img, uint64_t addr, GBytes *data, uint64_t fill)
{
    BootChunk c = { .addr = addr, .data = data ? g_bytes_ref(data) : NULL, .fill = fill };
    g_array_append_val(img->chunks, c);
}

/* A flat GDT: null, null, 4 GiB code (0x10), 4 GiB data (0x18)
 * (descriptor layout: Intel SDM vol. 3A, 3.4.5). */
static void write_gdt(void)
{
    static const uint64_t gdt[4] = {
        0,
        0,
        0x00cf9b000000ffffULL,   /* base 0, limit 4G, 32-bit, code execute/read, accessed */
        0x00cf93000000ffffULL,   /* base 0, limit 4G, 32-bit, data read/write, accessed */
    };
    _Static_assert(sizeof(gdt) == BOOT_GDT_SIZE, "BOOT_GDT_SIZE is the table's size");
    uint8_t raw[sizeof(gdt)];
    for (size_t i = 0; i < CC_ARRAY_SIZE(gdt); i++) {
        for (int b = 0; b < 8; b++) {
            raw[i * 8 + b] = (uint8_t)(gdt[i] >> (8 * b));
        }
    }
    address_space_write(address_space_memory(), BOOT_GDT_ADDR, raw, sizeof(raw));
}

static void boot_on_reset(void *opaque)
{
    BootState *s = opaque;
    AddressSpace *as = address_space_memory();
    for (guint i = 0; i < s->img.chunks->len; i++) {
        BootChunk *c = &g_array_index(s->img.chunks, BootChunk, i);
        gsize len = 0;
        const void *p = c->data ? g_bytes_get_data(c->data, &len) : NULL;
        if (len) {
            address_space_write(as, c->addr, p, len);
        }
        if (c->fill > len) {
            address_space_set(as, c->addr + len, 0, c->fill - len);
        }
    }
    write_gdt();
    X86Flat32State st = {
        .eip = s->img.entry,
        .cs_sel = BOOT_CS,
        .ds_sel = BOOT_DS,
        .gdt_base = BOOT_GDT_ADDR,
        .gdt_limit = BOOT_GDT_SIZE - 1,
    };
    memcpy(st.regs, s->img.regs, sizeof(st.regs));
    x86_cpu_load_flat32(s->cpu, &st);
}

void boot_image_release(BootImage *img)
{
    for (guint i = 0; i < img->chunks->len; i++) {
        BootChunk *c = &g_array_index(img->chunks, BootChunk, i);
        if (c->data) {
            g_bytes_unref(c->data);
        }
    }
    g_array_unref(img->chunks);
    img->chunks = NULL;
}

static void boot_state_free(BootState *s)
{
    boot_image_release(&s->img);
    g_free(s);
}

bool boot_prepare(const BootOptions *opts, CPUState *cpu, Error **errp)
{
    if (!cpu || !object_dynamic_cast(OBJECT(cpu), TYPE_X86_CPU)) {
        error_setg(errp, "-kernel: board '%s' has no x86 CPU to boot a kernel on",
                   board_get_name());
        return false;
    }
    GBytes *kernel = boot_read_file(opts->kernel, "-kernel", errp);
    if (!kernel) {
        return false;
    }
    BootState *s = g_new0(BootState, 1);
    s->cpu = X86_CPU(cpu);
    s->img.chunks = g_array_new(FALSE, TRUE, sizeof(BootChunk));
    uint64_t ram = board_ram_size();
    int r = boot_linux_prepare(opts, kernel, ram, &s->img, errp);
    if (r == 0) {
        r = boot_multiboot_prepare(opts, kernel, ram, &s->img, errp);
    }
    if (r == 0) {
        error_setg(errp, "-kernel %s: not a kernel cardcage can boot: neither a Linux "
                   "bzImage (no \"HdrS\" setup header at offset 0x202) nor a Multiboot "
                   "image (no Multiboot header in the first 8 KiB)", opts->kernel);
    }
    g_bytes_unref(kernel);
    if (r <= 0) {
        boot_state_free(s);
        return false;
    }
    /* Every chunk must lie inside RAM: the formats check what they place,
     * this is the last line of defence. */
    for (guint i = 0; i < s->img.chunks->len; i++) {
        BootChunk *c = &g_array_index(s->img.chunks, BootChunk, i);
        if (c->addr > ram || c->fill > ram - c->addr) {
            error_setg(errp, "-kernel %s: the %s image needs memory up to 0x%" G_GINT64_MODIFIER
                       "x, beyond the %" G_GINT64_MODIFIER "u MiB of RAM", opts->kernel,
                       s->img.format, c->addr + c->fill, ram >> 20);
            boot_state_free(s);
            return false;
        }
    }
    if (opts->via_firmware) {
        bool ok = boot_via_firmware(opts, &s->img, errp);
        boot_state_free(s);
        return ok;
    }
    system_add_reset_notifier(boot_on_reset, s);
    return true;
}
