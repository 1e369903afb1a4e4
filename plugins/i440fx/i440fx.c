/*
 * i440FX: the Intel 82441FX PCI and memory controller (PMC), as PCI
 * function 00.0 (datasheet 290549): its identity (8086:1237, host bridge,
 * revision 2), the map of the machine's RAM with the PCI hole and the
 * legacy windows, the PAM registers over 0xC0000-0xFFFFF (3.2.18) and the
 * SMRAM control register (3.2.23).  The configuration mechanism and the
 * bus are its host side's, i440FX-pcihost (i440fx-host.c).
 *
 * RAM: the board maps its RAM region ("ram") at 0; at realize the PMC
 * takes it over and maps the parts a PC sees, as on QEMU's pc:
 *   0x00000-0x9FFFF    RAM
 *   0xA0000-0xBFFFF    PCI (VGA), or RAM while SMRAM's D_OPEN is set
 *   0xC0000-0xFFFFF    PCI (the BIOS, option ROMs) or RAM per PAM segment
 *   1 MiB-top of RAM   RAM; the RAM must end below the PCI hole at
 *                      0xE0000000 (QEMU's lowmem limit for pc)
 *
 * Wiring and properties: none.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "pam.h"

#define TYPE_I440FX "i440FX"

/* Register offsets (290549, 3.2, table "PMC Configuration Space"). */
#define I440FX_PAM0        0x59     /* 0x59-0x5F: PAM0-PAM6 */
#define I440FX_PAM_COUNT   7
#define I440FX_SMRAM       0x72

/* SMRAM (3.2.23): bit 6 D_OPEN, 5 D_CLS, 4 D_LCK, 3 G_SMRAME, 2:0
 * C_BASE_SEG fixed at 010 (the 0xA0000 segment). */
#define SMRAM_D_OPEN       0x40
#define SMRAM_D_CLS        0x20
#define SMRAM_D_LCK        0x10
#define SMRAM_G_SMRAME     0x08
#define SMRAM_C_BASE_SEG   0x02

/* The segments: PAM0's high nibble is 0xF0000-0xFFFFF (its low nibble is
 * reserved); PAM1..PAM6 hold two 16 KiB segments each, low nibble first,
 * from 0xC0000 to 0xEFFFF (3.2.18, table "PAM Registers and Associated
 * Memory Segments"). */
#define PAM_SEGMENTS       13
#define PAM_BIOS_BASE      0xf0000
#define PAM_BIOS_SIZE      0x10000
#define PAM_EXP_BASE       0xc0000
#define PAM_EXP_SIZE       0x4000

#define LEGACY_BASE        0xa0000  /* VGA / SMRAM window */
#define LEGACY_SIZE        0x20000
#define HIGH_BASE          0x100000
#define PCI_HOLE_START     0xe0000000ull

#define RAM_REGION_NAME    "ram"    /* the board's (core/board) */

typedef struct I440FXState {
    PCIDevice parent_obj;
    MemoryRegion *ram;              /* the board's RAM, unmapped by us */
    MemoryRegion ram_low, ram_high; /* the parts of it seen directly */
    MemoryRegion smram;             /* 0xA0000-0xBFFFF as RAM (D_OPEN) */
    PAMSegment pam[PAM_SEGMENTS];
    bool mapped;
} I440FXState;

OBJECT_DECLARE_SIMPLE_TYPE(I440FXState, I440FX)

/* The nibble that controls segment i. */
static unsigned pam_mode(I440FXState *s, int i)
{
    const uint8_t *c = PCI_DEVICE(s)->config;
    if (i == 0) {
        return c[I440FX_PAM0] >> 4;
    }
    uint8_t reg = c[I440FX_PAM0 + 1 + (i - 1) / 2];
    return (i - 1) % 2 ? reg >> 4 : reg & 0xf;
}

/* Follow PAM and SMRAM; force: rebuild every segment (after reset or a
 * load), else only those whose mode changed. */
static void i440fx_update_map(I440FXState *s, bool force)
{
    if (!s->mapped) {
        return;
    }
    for (int i = 0; i < PAM_SEGMENTS; i++) {
        unsigned mode = pam_mode(s, i) & (PAM_RE | PAM_WE);
        if (force || mode != s->pam[i].mode) {
            pam_segment_set_mode(&s->pam[i], mode);
        }
    }
    memory_region_set_enabled(&s->smram,
                              PCI_DEVICE(s)->config[I440FX_SMRAM] & SMRAM_D_OPEN);
}

static bool ranges_overlap(uint32_t a, unsigned alen, uint32_t b, unsigned blen)
{
    return a < b + blen && b < a + alen;
}

static void i440fx_config_write(PCIDevice *d, uint32_t addr, uint32_t val, unsigned len)
{
    I440FXState *s = I440FX(d);
    uint8_t old_smram = d->config[I440FX_SMRAM];
    pci_default_write_config(d, addr, val, len);
    if (ranges_overlap(addr, len, I440FX_SMRAM, 1)) {
        uint8_t v = d->config[I440FX_SMRAM];
        /* 3.2.23: once D_LCK is set, D_LCK and G_SMRAME keep their value
         * and D_OPEN reads 0 until reset. */
        if (old_smram & SMRAM_D_LCK) {
            v = (v & ~(SMRAM_D_LCK | SMRAM_G_SMRAME)) |
                (old_smram & (SMRAM_D_LCK | SMRAM_G_SMRAME));
        }
        if (v & SMRAM_D_LCK) {
            v &= ~SMRAM_D_OPEN;
        }
        d->config[I440FX_SMRAM] = v;
    }
    if (ranges_overlap(addr, len, I440FX_PAM0, I440FX_PAM_COUNT) ||
        ranges_overlap(addr, len, I440FX_SMRAM, 1)) {
        i440fx_update_map(s, false);
    }
}

static void i440fx_reset(PCIDevice *d)
{
    /* 3.2.18, 3.2.23: PAM 00h (everything on PCI: the BIOS ROM runs),
     * SMRAM 02h. */
    memset(d->config + I440FX_PAM0, 0, I440FX_PAM_COUNT);
    d->config[I440FX_SMRAM] = SMRAM_C_BASE_SEG;
    i440fx_update_map(I440FX(d), true);
}

typedef struct RamSearch {
    MemoryRegion *found;
} RamSearch;

static void find_ram(MemoryRegion *mr, void *opaque)
{
    RamSearch *r = opaque;
    if (!r->found && !strcmp(memory_region_name(mr), RAM_REGION_NAME)) {
        r->found = mr;
    }
}

static bool i440fx_realize(PCIDevice *d, Error **errp)
{
    I440FXState *s = I440FX(d);
    MemoryRegion *sys = memory_get_system_memory();

    RamSearch r = { NULL };
    memory_foreach_ram(address_space_memory(), find_ram, &r);
    /* The board maps "ram" at 0 of system memory (core/board). */
    if (!r.found || r.found->container != sys || r.found->addr != 0) {
        error_setg(errp, "i440FX needs the machine's RAM region '%s' mapped at 0",
                   RAM_REGION_NAME);
        return false;
    }
    uint64_t size = memory_region_size(r.found);
    if (size <= HIGH_BASE || size > PCI_HOLE_START) {
        error_setg(errp, "i440FX maps from 1 MiB to 3.5 GiB of RAM below the PCI hole at "
                   "0x%llx; the machine has %" PRIu64 " bytes", PCI_HOLE_START, size);
        return false;
    }

    /* 290549 3.2.18: the PAM registers' defined bits; 3.2.23: SMRAM's. */
    d->wmask[I440FX_PAM0] = 0x30;
    memset(d->wmask + I440FX_PAM0 + 1, 0x33, I440FX_PAM_COUNT - 1);
    d->wmask[I440FX_SMRAM] = SMRAM_D_OPEN | SMRAM_D_CLS | SMRAM_D_LCK | SMRAM_G_SMRAME;

    for (int i = 0; i < PAM_SEGMENTS; i++) {
        hwaddr start = i ? PAM_EXP_BASE + (hwaddr)(i - 1) * PAM_EXP_SIZE : PAM_BIOS_BASE;
        uint64_t len = i ? PAM_EXP_SIZE : PAM_BIOS_SIZE;
        if (!pam_segment_init(&s->pam[i], OBJECT(d), r.found, sys, start, len, errp)) {
            while (--i >= 0) {
                pam_segment_finalize(&s->pam[i]);
            }
            return false;
        }
    }
    s->ram = r.found;
    memory_region_transaction_begin();
    memory_region_del_subregion(sys, s->ram);
    memory_region_init_alias(&s->ram_low, OBJECT(d), "ram-low", s->ram, 0, LEGACY_BASE);
    memory_region_add_subregion(sys, 0, &s->ram_low);
    memory_region_init_alias(&s->ram_high, OBJECT(d), "ram-below-4g", s->ram, HIGH_BASE,
                             size - HIGH_BASE);
    memory_region_add_subregion(sys, HIGH_BASE, &s->ram_high);
    memory_region_init_alias(&s->smram, OBJECT(d), "smram-open", s->ram, LEGACY_BASE,
                             LEGACY_SIZE);
    memory_region_set_enabled(&s->smram, false);
    memory_region_add_subregion_overlap(sys, LEGACY_BASE, &s->smram, 2);
    memory_region_transaction_commit();
    s->mapped = true;
    return true;
}

/* Give the RAM back to the board as it found it. */
static void i440fx_exit(PCIDevice *d)
{
    I440FXState *s = I440FX(d);
    if (!s->mapped) {
        return;
    }
    MemoryRegion *sys = memory_get_system_memory();
    memory_region_transaction_begin();
    for (int i = 0; i < PAM_SEGMENTS; i++) {
        pam_segment_finalize(&s->pam[i]);
    }
    memory_region_finalize(&s->ram_low);
    memory_region_finalize(&s->ram_high);
    memory_region_finalize(&s->smram);
    memory_region_add_subregion(sys, 0, s->ram);
    memory_region_transaction_commit();
    s->mapped = false;
}

static bool i440fx_post_load(void *opaque, int version_id, Error **errp)
{
    i440fx_update_map(I440FX(opaque), true);
    return true;
}

static const VMStateDescription vmstate_i440fx = {
    .name = TYPE_I440FX,
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = i440fx_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, I440FXState),
        VMSTATE_END_OF_LIST()
    },
};

static void i440fx_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
    dc->desc = "Intel 82441FX PMC: host bridge function, RAM map, PAM shadowing, SMRAM";
    dc->category = DEVICE_CATEGORY_BRIDGE;
    dc->vmsd = &vmstate_i440fx;
    /* 290549 3.2.1-3.2.5: VID 8086h, DID 1237h, class 06h/00h; QEMU
     * reports revision 02h. */
    k->vendor_id = 0x8086;
    k->device_id = 0x1237;
    k->class_id = 0x0600;
    k->revision = 0x02;
    /* QEMU's subsystem ids on every function (Red Hat/Qumranet 1AF4h,
     * 1100h): SeaBIOS tells QEMU's i440FX by them (qemu_detect). */
    k->subsystem_vendor_id = 0x1af4;
    k->subsystem_id = 0x1100;
    k->realize = i440fx_realize;
    k->exit = i440fx_exit;
    k->reset = i440fx_reset;
    k->config_write = i440fx_config_write;
}

static const TypeInfo i440fx_types[] = {
    {
        .name = TYPE_I440FX,
        .parent = TYPE_PCI_DEVICE,
        .instance_size = sizeof(I440FXState),
        .class_init = i440fx_class_init,
    },
};

DEFINE_TYPES(i440fx_types)
