/*
 * The board's ACPI tables, built from what the machine holds once it is
 * complete: the CPUs from the core's CPU list, everything else from the
 * devices that implement TYPE_ACPI_DEVICE_IF.  The layout follows QEMU's
 * pc (hw/i386/acpi-build.c) so that SeaBIOS installs it unmodified: the
 * FACS first in etc/acpi/tables (64-byte aligned), then the DSDT, FADT
 * (revision 1), MADT, the devices' own tables and the RSDT; a revision 0
 * RSDP in etc/acpi/rsdp, placed in the F segment.
 *
 * Sections cited are of ACPI 1.0b for the FADT and FACS, which this
 * revision follows, and of ACPI 6.4 for the rest.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/acpi.h>
#include <cardcage/fwcfg.h>
#include <cardcage/system.h>
#include "acpi/acpi-internal.h"
#include "cpu/cpu.h"

/* ---- what the devices tell ---- */

static AcpiDeviceClass *acpi_class_of(Object *obj)
{
    return (AcpiDeviceClass *)object_class_dynamic_cast(object_get_class(obj),
                                                        TYPE_ACPI_DEVICE_IF);
}

static int collect(Object *obj, void *opaque)
{
    if (acpi_class_of(obj)) {
        g_ptr_array_add(opaque, obj);
    }
    return 0;
}

void acpi_gather(AcpiMachineInfo *info)
{
    memset(info, 0, sizeof(*info));
    info->devices = g_ptr_array_new();
    object_child_foreach_recursive(object_get_root(), collect, info->devices);
    for (guint i = 0; i < info->devices->len; i++) {
        Object *obj = g_ptr_array_index(info->devices, i);
        AcpiDeviceClass *dc = acpi_class_of(obj);
        if (dc->fadt_info) {
            dc->fadt_info(obj, &info->fadt);
        }
        if (dc->pci_host_info) {
            dc->pci_host_info(obj, &info->pci);
        }
        if (dc->pirq_info) {
            dc->pirq_info(obj, &info->pirq);
        }
    }
    if (info->pirq.n_irqs > ACPI_PIRQ_MAX_IRQS) {
        info->pirq.n_irqs = ACPI_PIRQ_MAX_IRQS;
    }
}

void acpi_machine_info_clear(AcpiMachineInfo *info)
{
    if (info->devices) {
        g_ptr_array_unref(info->devices);
    }
    memset(info, 0, sizeof(*info));
}

/* ---- FACS (ACPI 1.0b 5.2.6, Table 5-11) ---- */

#define FACS_SIZE 64

static void build_facs(AcpiBuilder *b)
{
    g_assert(b->tables->len == 0);       /* offset 0 of a 64-byte aligned file */
    GByteArray *t = b->tables;
    g_byte_array_append(t, (const uint8_t *)"FACS", 4);
    acpi_append_u32(t, FACS_SIZE);
    acpi_append_u32(t, 0);               /* hardware signature */
    acpi_append_u32(t, 0);               /* firmware waking vector */
    acpi_append_u32(t, 0);               /* global lock */
    acpi_append_u32(t, 0);               /* flags: no S4BIOS */
    while (t->len < FACS_SIZE) {
        acpi_append_u8(t, 0);
    }
}

/* ---- FADT, revision 1 (ACPI 1.0b 5.2.5, Table 5-7) ---- */

enum {
    FADT_FIRMWARE_CTRL = 36, FADT_DSDT = 40,
};
/* Flags (Table 5-8). */
#define FADT_F_WBINVD (1u << 0)
#define FADT_F_PROC_C1 (1u << 2)
#define FADT_F_SLP_BUTTON (1u << 5)      /* set: no fixed-feature sleep button */
#define FADT_F_RTC_S4 (1u << 7)
#define FADT_F_TMR_VAL_EXT (1u << 8)
/* Reserved in 1.0b, USE_PLATFORM_CLOCK from 2.0 on; QEMU's pc sets it in its
 * revision 1 FADT too. */
#define FADT_F_USE_PLATFORM_CLOCK (1u << 15)
/* Latencies above 100 and 1000 us say C2 and C3 are unsupported. */
#define FADT_NO_C2_C3_LATENCY 0x0fff

static uint32_t build_fadt(AcpiBuilder *b, const AcpiFadtInfo *pm, uint32_t facs,
                           uint32_t dsdt)
{
    GByteArray *t = acpi_table_begin("FACP", 1);
    acpi_append_u32(t, facs);            /* patched by the loader */
    acpi_append_u32(t, dsdt);
    acpi_append_u8(t, 1);                /* INT_MODEL: multiple APIC */
    acpi_append_u8(t, 0);
    acpi_append_u16(t, pm->sci_irq);
    acpi_append_u32(t, pm->smi_cmd);
    acpi_append_u8(t, pm->acpi_enable);
    acpi_append_u8(t, pm->acpi_disable);
    acpi_append_u8(t, 0);                /* S4BIOS_REQ */
    acpi_append_u8(t, 0);
    acpi_append_u32(t, pm->pm1a_evt_blk);
    acpi_append_u32(t, 0);               /* PM1b_EVT_BLK */
    acpi_append_u32(t, pm->pm1a_cnt_blk);
    acpi_append_u32(t, 0);               /* PM1b_CNT_BLK */
    acpi_append_u32(t, 0);               /* PM2_CNT_BLK */
    acpi_append_u32(t, pm->pm_tmr_blk);
    acpi_append_u32(t, pm->gpe0_blk);
    acpi_append_u32(t, 0);               /* GPE1_BLK */
    /* Block lengths (Table 5-7): PM1 event 4 bytes, control 2, timer 4. */
    acpi_append_u8(t, pm->pm1a_evt_blk ? 4 : 0);
    acpi_append_u8(t, pm->pm1a_cnt_blk ? 2 : 0);
    acpi_append_u8(t, 0);                /* PM2_CNT_LEN */
    acpi_append_u8(t, pm->pm_tmr_blk ? 4 : 0);
    acpi_append_u8(t, pm->gpe0_blk ? pm->gpe0_blk_len : 0);
    acpi_append_u8(t, 0);                /* GPE1_BLK_LEN */
    acpi_append_u8(t, 0);                /* GPE1_BASE */
    acpi_append_u8(t, 0);
    acpi_append_u16(t, FADT_NO_C2_C3_LATENCY);
    acpi_append_u16(t, FADT_NO_C2_C3_LATENCY);
    acpi_append_u16(t, 0);               /* FLUSH_SIZE */
    acpi_append_u16(t, 0);               /* FLUSH_STRIDE */
    acpi_append_u8(t, 0);                /* DUTY_OFFSET */
    acpi_append_u8(t, 0);                /* DUTY_WIDTH */
    acpi_append_u8(t, 0);                /* DAY_ALRM */
    acpi_append_u8(t, 0);                /* MON_ALRM */
    acpi_append_u8(t, pm->rtc_century);
    acpi_append_u8(t, 0);
    acpi_append_u8(t, 0);
    acpi_append_u8(t, 0);
    /* The power button is the fixed feature (PWR_BUTTON clear). */
    acpi_append_u32(t, FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_SLP_BUTTON | FADT_F_RTC_S4 |
                       FADT_F_USE_PLATFORM_CLOCK | (pm->tmr_val_ext ? FADT_F_TMR_VAL_EXT : 0));
    g_assert(t->len == 116);
    const uint32_t ptrs[] = { FADT_FIRMWARE_CTRL, FADT_DSDT };
    return acpi_builder_add(b, t, ptrs, 2, true);
}

/* ---- MADT (ACPI 6.4 5.2.12) ---- */

#define MADT_LOCAL_APIC_ADDRESS 0xfee00000u   /* Intel SDM vol. 3 10.4.1 */
#define MADT_PCAT_COMPAT 1u                   /* 8259s present (Table 5.20) */
#define MADT_ENTRIES 44
enum { MADT_LOCAL_APIC = 0, MADT_IOAPIC = 1, MADT_ISO = 2, MADT_LOCAL_APIC_NMI = 4 };

/* What the entries so far hold: an I/O APIC, and which ISA IRQs have an
 * override.  Entries are walked by their length byte. */
static bool madt_scan(const GByteArray *t, uint16_t *overridden)
{
    bool ioapic = false;
    for (guint at = MADT_ENTRIES; at + 2 <= t->len && t->data[at + 1] >= 2;
         at += t->data[at + 1]) {
        if (t->data[at] == MADT_IOAPIC) {
            ioapic = true;
        } else if (t->data[at] == MADT_ISO && at + 4 <= t->len && t->data[at + 3] < 16) {
            *overridden |= 1u << t->data[at + 3];
        }
    }
    return ioapic;
}

static void build_madt(AcpiBuilder *b, const AcpiMachineInfo *info)
{
    GByteArray *t = acpi_table_begin("APIC", 1);
    acpi_append_u32(t, MADT_LOCAL_APIC_ADDRESS);
    acpi_append_u32(t, MADT_PCAT_COMPAT);
    for (CPUState *cpu = cpu_first(); cpu; cpu = cpu_next(cpu)) {
        /* Processor Local APIC (5.2.12.2): processor id as the DSDT's
         * Processor object, APIC id, flags bit 0 enabled. */
        acpi_append_u8(t, MADT_LOCAL_APIC);
        acpi_append_u8(t, 8);
        acpi_append_u8(t, cpu->cpu_index);
        acpi_append_u8(t, cpu->cpu_index);
        acpi_append_u32(t, 1);
    }
    for (guint i = 0; i < info->devices->len; i++) {
        Object *obj = g_ptr_array_index(info->devices, i);
        AcpiDeviceClass *dc = acpi_class_of(obj);
        if (dc->build_madt) {
            dc->build_madt(obj, t);
        }
    }
    uint16_t overridden = 0;
    if (madt_scan(t, &overridden)) {
        /* With an I/O APIC, ISA IRQ n is GSI n but for the timer, whose
         * IRQ0 is wired to pin 2 (MultiProcessor Spec 1.4 5.3; QEMU's pc
         * does the same); the SCI and the PCI link IRQs are level-triggered,
         * active high (ACPI 6.4 5.2.12.5 and 4.8.2.2). */
        if (!(overridden & 1)) {
            acpi_madt_add_irq_override(t, 0, 2, 0);
        }
        uint16_t level = 0;
        if (info->fadt.present && info->fadt.sci_irq < 16) {
            level |= 1u << info->fadt.sci_irq;
        }
        for (unsigned i = 0; info->pirq.present && i < info->pirq.n_irqs; i++) {
            if (info->pirq.irqs[i] < 16) {
                level |= 1u << info->pirq.irqs[i];
            }
        }
        for (int irq = 1; irq < 16; irq++) {
            if ((level & (1u << irq)) && !(overridden & (1u << irq))) {
                acpi_madt_add_irq_override(t, irq, irq, ACPI_MADT_LEVEL_HIGH);
            }
        }
    }
    /* Local APIC NMI (5.2.12.7): every processor (0xff), LINT1, as the
     * MP spec's virtual-wire board wires NMI. */
    acpi_append_u8(t, MADT_LOCAL_APIC_NMI);
    acpi_append_u8(t, 6);
    acpi_append_u8(t, 0xff);
    acpi_append_u16(t, 0);
    acpi_append_u8(t, 1);
    acpi_builder_add_table(b, t);
}

/* ---- RSDT (5.2.7) and RSDP (5.2.5.3, revision 0: 20 bytes) ---- */

static void build_rsdt(AcpiBuilder *b, uint32_t *rsdt_at)
{
    GByteArray *t = acpi_table_begin("RSDT", 1);
    uint32_t *ptrs = g_new(uint32_t, b->rsdt->len ? b->rsdt->len : 1);
    for (guint i = 0; i < b->rsdt->len; i++) {
        ptrs[i] = t->len;
        acpi_append_u32(t, g_array_index(b->rsdt, uint32_t, i));
    }
    *rsdt_at = acpi_builder_add(b, t, ptrs, b->rsdt->len, false);
    g_free(ptrs);
}

enum { RSDP_CHECKSUM = 8, RSDP_RSDT = 16, RSDP_SIZE = 20 };

static void build_rsdp(AcpiBuilder *b, uint32_t rsdt)
{
    GByteArray *t = b->rsdp;
    g_byte_array_append(t, (const uint8_t *)"RSD PTR ", 8);
    acpi_append_u8(t, 0);                /* checksum: the loader's */
    g_byte_array_append(t, (const uint8_t *)ACPI_OEM_ID, 6);
    acpi_append_u8(t, 0);                /* revision 0: ACPI 1.0 */
    acpi_append_u32(t, rsdt);
    g_assert(t->len == RSDP_SIZE);
    acpi_loader_allocate(b->loader, ACPI_RSDP_FILE, 16, ACPI_LOADER_ZONE_FSEG);
    acpi_loader_add_pointer(b->loader, ACPI_RSDP_FILE, RSDP_RSDT, 4, ACPI_TABLES_FILE);
    acpi_loader_add_checksum(b->loader, ACPI_RSDP_FILE, RSDP_CHECKSUM, 0, RSDP_SIZE);
}

void acpi_build_all(AcpiBuilder *b, const AcpiMachineInfo *info)
{
    /* 64: the FACS's alignment (ACPI 1.0b 5.2.6). */
    acpi_loader_allocate(b->loader, ACPI_TABLES_FILE, 64, ACPI_LOADER_ZONE_HIGH);
    build_facs(b);
    GByteArray *dsdt = acpi_table_begin("DSDT", 1);
    acpi_append_aml(dsdt, acpi_build_dsdt_aml(info));
    uint32_t dsdt_at = acpi_builder_add(b, dsdt, NULL, 0, false);
    build_fadt(b, &info->fadt, 0, dsdt_at);
    build_madt(b, info);
    for (guint i = 0; i < info->devices->len; i++) {
        Object *obj = g_ptr_array_index(info->devices, i);
        AcpiDeviceClass *dc = acpi_class_of(obj);
        if (dc->build_tables) {
            dc->build_tables(obj, b);
        }
    }
    uint32_t rsdt_at;
    build_rsdt(b, &rsdt_at);
    build_rsdp(b, rsdt_at);
}

/* ---- handing them over ---- */

static bool acpi_direct_kernel;

static void acpi_install(void *opaque)
{
    AcpiMachineInfo info;
    acpi_gather(&info);
    AcpiBuilder *b = acpi_builder_new();
    acpi_build_all(b, &info);
    Object *fwcfg = fw_cfg_find();
    Error *err = NULL;
    if (acpi_direct_kernel) {
        if (!acpi_place_direct(b, &err)) {
            error_prepend(&err, "ACPI: ");
            error_report_err(err);
        }
    } else if (!fwcfg) {
        warn_report("ACPI: the board has no firmware configuration device: the tables "
                    "are not installed");
    } else if (!fw_cfg_add_file(fwcfg, ACPI_TABLES_FILE, b->tables->data, b->tables->len,
                                &err) ||
               !fw_cfg_add_file(fwcfg, ACPI_RSDP_FILE, b->rsdp->data, b->rsdp->len, &err) ||
               !fw_cfg_add_file(fwcfg, ACPI_LOADER_FILE, b->loader->data, b->loader->len,
                                &err)) {
        error_prepend(&err, "ACPI: ");
        error_report_err(err);
    }
    acpi_builder_free(b);
    acpi_machine_info_clear(&info);
}

void acpi_setup(bool direct_kernel)
{
    acpi_direct_kernel = direct_kernel;
    system_add_init_done_notifier(acpi_install, NULL);
}
