/*
 * ACPI without firmware: a kernel started directly (-kernel without
 * -boot kernel=firmware) has no SeaBIOS to run the loader commands, so the
 * core runs them itself, placing every file in the F segment
 * (0xF0000-0xFFFFF).  That is where an OS scans for the RSDP (ACPI 6.4
 * 5.2.5.1), and the memory map of the direct Linux boot reserves it
 * (core/boot/linux.c), so the kernel keeps its hands off the tables.  The
 * firmware image that may sit there is not run in this mode.
 *
 * The MP specification's tables follow them in the same segment
 * (mptable.c), made from the placed MADT, for a kernel told acpi=off.
 *
 * The placed bytes are written at every system reset, after the devices'
 * reset, as the kernel images are.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/acpi.h>
#include <cardcage/memory.h>
#include <cardcage/system.h>
#include "acpi/acpi-loader-exec.h"
#include "memory/memory-internal.h"

#define DIRECT_BASE 0xf0000u
#define DIRECT_SIZE 0x10000u

typedef struct AcpiDirect {
    uint8_t image[DIRECT_SIZE];   /* 0xF0000-0xFFFFF as the loader left it */
    uint32_t used;
} AcpiDirect;

/* Both zones from the same 64 KiB, bottom up. */
static uint8_t *direct_allocate(void *opaque, const char *file, uint32_t size, uint32_t align,
                                uint8_t zone, uint64_t *addr, Error **errp)
{
    AcpiDirect *d = opaque;
    uint64_t at = ((uint64_t)d->used + align - 1) & ~((uint64_t)align - 1);
    if (at > DIRECT_SIZE || size > DIRECT_SIZE - at) {
        error_setg(errp, "%s (%u bytes) does not fit in 0xF0000-0xFFFFF", file, size);
        return NULL;
    }
    d->used = at + size;
    *addr = DIRECT_BASE + at;
    return d->image + at;
}

/* The placed MADT: an "APIC" table whose length fits and whose bytes sum
 * to zero (the loader has patched and checksummed it). */
static const uint8_t *find_madt(const AcpiDirect *d, uint32_t *len)
{
    for (uint32_t at = 0; at + 36 <= d->used; at++) {
        const uint8_t *p = d->image + at;
        uint32_t l = p[4] | p[5] << 8 | p[6] << 16 | (uint32_t)p[7] << 24;
        if (!memcmp(p, "APIC", 4) && l >= 36 && l <= d->used - at &&
            acpi_checksum(p, l) == 0) {
            *len = l;
            return p;
        }
    }
    return NULL;
}

/* The MP tables after the ACPI files, 16-byte aligned (MP spec 4.1). */
static bool place_mptable(AcpiDirect *d, Error **errp)
{
    uint32_t len;
    const uint8_t *madt = find_madt(d, &len);
    if (!madt) {
        return true;        /* no MADT, no APICs to describe */
    }
    uint32_t at = (d->used + 15) & ~15u;
    GByteArray *mp = g_byte_array_new();
    bool made = acpi_mptable_from_madt(madt, len, DIRECT_BASE + at, mp);
    if (made && (at > DIRECT_SIZE || mp->len > DIRECT_SIZE - at)) {
        error_setg(errp, "the MP tables (%u bytes) do not fit in 0xF0000-0xFFFFF", mp->len);
        g_byte_array_free(mp, TRUE);
        return false;
    }
    if (made) {
        memcpy(d->image + at, mp->data, mp->len);
        d->used = at + mp->len;
    }
    g_byte_array_free(mp, TRUE);
    return true;
}

/* Written as a loader writes: into RAM, or into the firmware image where
 * the board maps it read-only there (the i440FX's PAM shows the BIOS ROM
 * at 0xF0000 after reset).  That firmware is not run in this mode, and
 * the guest reads the tables from that ROM as from RAM. */
static bool direct_on_reset_write(AcpiDirect *d)
{
    return address_space_write_rom(address_space_memory(), DIRECT_BASE, d->image,
                                   d->used) == MEMTX_OK;
}

static void direct_on_reset(void *opaque)
{
    direct_on_reset_write(opaque);
}

bool acpi_place_direct(const AcpiBuilder *b, Error **errp)
{
    AcpiDirect *d = g_new0(AcpiDirect, 1);
    AcpiLoaderFile files[] = {
        { .name = ACPI_TABLES_FILE, .data = b->tables->data, .size = b->tables->len },
        { .name = ACPI_RSDP_FILE, .data = b->rsdp->data, .size = b->rsdp->len },
    };
    AcpiLoaderTarget t = { direct_allocate, d };
    if (!acpi_loader_execute(b->loader->data, b->loader->len, files, G_N_ELEMENTS(files), &t,
                             errp)) {
        g_free(d);
        return false;
    }
    if (!place_mptable(d, errp)) {
        g_free(d);
        return false;
    }
    /* The area must be memory (RAM or ROM) the guest reads back: I/O or
     * nothing there would leave no tables, silently. */
    direct_on_reset_write(d);
    uint8_t *check = g_malloc(d->used);
    address_space_read(address_space_memory(), DIRECT_BASE, check, d->used);
    bool same = !memcmp(check, d->image, d->used);
    g_free(check);
    if (!same) {
        error_setg(errp, "0xF0000-0xFFFFF is not writable on this board: no ACPI tables for "
                   "the directly started kernel");
        g_free(d);
        return false;
    }
    system_add_reset_notifier(direct_on_reset, d);
    return true;
}
