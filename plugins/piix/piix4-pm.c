/*
 * PIIX4_PM: function 3 of the Intel 82371AB PIIX4 (datasheet 290562),
 * power management, as on QEMU's pc (where it sits at 01.3 beside a
 * PIIX3):
 *
 *   PMBA (40h) and PMREGMISC (80h) bit 0 map the 64-byte PM I/O block
 *   (chapter 11 "Power Management Registers", the ACPI fixed registers):
 *     +00h PMSTS   status, write 1 to clear: TMROF, GBL, PWRBTN, RTC, WAK
 *     +02h PMEN    enables for the same
 *     +04h PMCNTRL SCI_EN; SUS_TYP (12:10) and SUS_EN (13): SUS_EN with
 *                  type 0 (the S5 of QEMU's DSDT) powers the machine off
 *     +08h PMTMR   the 24-bit ACPI timer, 3.579545 MHz on the virtual clock
 *     +0Ch..3Fh    general purpose and global registers: stored only
 *   the SCI (output "sci", level, IRQ9 on the PC) is PMSTS & PMEN while
 *   SCI_EN is set; the power button (QMP system_powerdown) sets PWRBTN;
 *   APM control/status at 0xB2/0xB3: writing the ACPI enable (F1h) or
 *   disable (F0h) value there sets or clears SCI_EN, as QEMU's FADT says;
 *   SMBBA (90h) and SMBHSTCFG (D2h) bit 0 map the SMBus host controller
 *   (piix4-smbus.c).
 *
 * SMM: the CPU has none, so DEVACTB's APMC_EN (5Bh bit 1) reads set from
 * reset as on QEMU's pc without SMM: SeaBIOS takes it for "SMM set up
 * already" and skips its relocation, which would wait for an SMI forever.
 *
 * Properties for the ACPI tables: "sci-irq" (9), "acpi-enable" (0xF1),
 * "acpi-disable" (0xF0), "pm-base" (0x600): the base the firmware programs
 * in PMBA (SeaBIOS does 0x600 when QEMU's etc/table-loader is there).
 * "pm-preset" (off): reset with PMBA = pm-base and the PM I/O space on, as
 * the firmware leaves it, for a kernel started without firmware (-kernel
 * without -boot kernel=firmware), which would otherwise find no PM block
 * at the FADT's address; the 82371AB itself resets PMBA to 1.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/acpi.h>
#include "piix4-smbus.h"

#define TYPE_PIIX4_PM "PIIX4_PM"

/* Configuration registers (290562 11.? table "Power Management PCI
 * Configuration Registers (Function 3)"). */
#define PIIX4_PMBA        0x40      /* bits 15:6 base, bit 0 reads 1 (I/O) */
#define PIIX4_DEVACTB     0x58
#define PIIX4_APMC_EN_BYTE 0x5b     /* DEVACTB bit 25: APMC_EN */
#define PIIX4_APMC_EN     0x02
#define PIIX4_PMREGMISC   0x80      /* bit 0: PM I/O space enable */
#define PIIX4_SMBBA       0x90      /* bits 15:4 base, bit 0 reads 1 */
#define PIIX4_SMBHSTCFG   0xd2      /* bit 0: SMBus host enable */

#define PM_IO_SIZE        64

/* The PM I/O block (290562 11.2). */
#define PMSTS             0x00
#define PMEN              0x02
#define PMCNTRL           0x04
#define PMTMR             0x08
#define PM_TMROF          (1u << 0)
#define PM_GBL            (1u << 5)
#define PM_PWRBTN         (1u << 8)
#define PM_RTC            (1u << 10)
#define PM_WAK            (1u << 15)
#define PMSTS_W1C         (PM_TMROF | (1u << 4) | PM_GBL | PM_PWRBTN | PM_RTC | \
                           (1u << 11) | PM_WAK)
#define PM_SCI_EVENTS     (PM_TMROF | PM_GBL | PM_PWRBTN | PM_RTC)
#define PMCNTRL_SCI_EN    (1u << 0)
#define PMCNTRL_SUS_TYP_SHIFT 10
#define PMCNTRL_SUS_TYP   (7u << PMCNTRL_SUS_TYP_SHIFT)
#define PMCNTRL_SUS_EN    (1u << 13)
#define SUS_TYP_S5        0         /* QEMU's DSDT: _S5 = 0 */

/* ACPI 1.0 4.7.3.3: the PM timer runs at 3.579545 MHz, 24 bits here. */
#define PM_TIMER_HZ       3579545u
#define PM_TIMER_MASK     0xffffffu
#define PM_TIMER_MSB      0x800000u

#define APM_IO_BASE       0xb2      /* APMC, then APMS (290562 9.?) */

typedef struct PIIX4PMState {
    PCIDevice parent_obj;
    MemoryRegion pm_io, apm_io;
    PIIX4SMBus smb;
    IRQState *sci;
    Timer *tmr_overflow;
    uint16_t sts, en, cnt;
    uint8_t other[PM_IO_SIZE];      /* +0Ch..3Fh, stored */
    uint8_t apmc, apms;
    bool pm_mapped;
    uint8_t sci_irq, acpi_enable, acpi_disable;
    uint16_t pm_base;
    bool pm_preset;
    bool smm_enabled;
} PIIX4PMState;

OBJECT_DECLARE_SIMPLE_TYPE(PIIX4PMState, PIIX4_PM)

LOG_CATEGORY(pm_log, "piix4-pm", "PIIX4 power management: SCI, sleep requests");

/* ---- the SCI and the timer ---- */

static void pm_update_sci(PIIX4PMState *s)
{
    int level = (s->cnt & PMCNTRL_SCI_EN) && (s->sts & s->en & PM_SCI_EVENTS);
    irq_set(s->sci, level);
}

static uint64_t pm_ticks(int64_t ns)
{
    return muldiv64((uint64_t)ns, PM_TIMER_HZ, 1000000000u);
}

/* The next time the timer's bit 23 toggles (TMROF_STS, 11.2.1). */
static void pm_arm_overflow(PIIX4PMState *s)
{
    uint64_t next = (pm_ticks(clock_get_ns(CC_CLOCK_VIRTUAL)) | (PM_TIMER_MSB - 1)) + 1;
    /* The first nanosecond whose tick count reaches next. */
    uint64_t ns = muldiv64(next, 1000000000u, PM_TIMER_HZ);
    while (pm_ticks((int64_t)ns) < next) {
        ns++;
    }
    timer_mod_ns(s->tmr_overflow, (int64_t)ns);
}

static void pm_overflow(void *opaque)
{
    PIIX4PMState *s = opaque;
    s->sts |= PM_TMROF;
    pm_update_sci(s);
    pm_arm_overflow(s);
}

/* ---- the PM I/O block ---- */

static void pm_sleep(PIIX4PMState *s, unsigned typ)
{
    if (typ == SUS_TYP_S5) {
        log_mask(pm_log, "piix4-pm: S5, powering off\n");
        system_shutdown_request(0);
    } else {
        log_mask(LOG_UNIMP, "piix4-pm: sleep type %u (only S5 = 0 is implemented)\n", typ);
    }
}

static uint64_t pm_read(void *opaque, hwaddr addr, unsigned size)
{
    PIIX4PMState *s = opaque;
    uint8_t view[PM_IO_SIZE];
    memcpy(view, s->other, sizeof(view));
    cc_st_le16(view + PMSTS, s->sts);
    cc_st_le16(view + PMEN, s->en);
    cc_st_le16(view + PMCNTRL, s->cnt & ~PMCNTRL_SUS_EN);
    cc_st_le32(view + PMTMR, pm_ticks(clock_get_ns(CC_CLOCK_VIRTUAL)) & PM_TIMER_MASK);
    uint64_t v = 0;
    for (unsigned i = 0; i < size && addr + i < PM_IO_SIZE; i++) {
        v |= (uint64_t)view[addr + i] << (8 * i);
    }
    return v;
}

/* One byte: the registers' bytes are independent except that SUS_EN acts
 * on the SUS_TYP written with it (both in PMCNTRL's high byte). */
static void pm_write_byte(PIIX4PMState *s, hwaddr addr, uint8_t v)
{
    unsigned shift = 8 * (addr & 1);
    switch (addr & ~(hwaddr)1) {
    case PMSTS:
        s->sts &= ~(((uint16_t)v << shift) & PMSTS_W1C);
        break;
    case PMEN:
        s->en = (s->en & ~(0xff << shift)) | (uint16_t)(v << shift);
        s->en &= PM_SCI_EVENTS;
        break;
    case PMCNTRL: {
        uint16_t cnt = (s->cnt & ~(0xff << shift)) | (uint16_t)(v << shift);
        s->cnt = cnt & ~PMCNTRL_SUS_EN;
        if (cnt & PMCNTRL_SUS_EN) {
            pm_sleep(s, (cnt & PMCNTRL_SUS_TYP) >> PMCNTRL_SUS_TYP_SHIFT);
        }
        break;
    }
    case PMTMR:
    case PMTMR + 2:
        break;                      /* read-only */
    default:
        s->other[addr] = v;
        break;
    }
}

static void pm_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PIIX4PMState *s = opaque;
    for (unsigned i = 0; i < size && addr + i < PM_IO_SIZE; i++) {
        pm_write_byte(s, addr + i, (uint8_t)(val >> (8 * i)));
    }
    pm_update_sci(s);
}

static const MemoryRegionOps pm_ops = {
    .read = pm_read,
    .write = pm_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

/* ---- APM control and status ---- */

static uint64_t apm_read(void *opaque, hwaddr addr, unsigned size)
{
    PIIX4PMState *s = opaque;
    return addr == 0 ? s->apmc : s->apms;
}

static void apm_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PIIX4PMState *s = opaque;
    if (addr == 1) {
        s->apms = (uint8_t)val;
        return;
    }
    s->apmc = (uint8_t)val;
    /* What the SMI handler would do for the OS's ACPI enable request. */
    if (s->apmc == s->acpi_enable) {
        s->cnt |= PMCNTRL_SCI_EN;
    } else if (s->apmc == s->acpi_disable) {
        s->cnt &= ~PMCNTRL_SCI_EN;
    }
    pm_update_sci(s);
}

static const MemoryRegionOps apm_ops = {
    .read = apm_read,
    .write = apm_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 2 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* ---- configuration space ---- */

static void pm_update_io(PIIX4PMState *s)
{
    PCIDevice *d = PCI_DEVICE(s);
    MemoryRegion *io = memory_get_system_io();
    bool on = d->config[PIIX4_PMREGMISC] & 1;
    uint32_t base = pci_get_long(d->config + PIIX4_PMBA) & 0xffc0;
    if (s->pm_mapped) {
        memory_region_del_subregion(io, &s->pm_io);
        s->pm_mapped = false;
    }
    if (on) {
        memory_region_add_subregion(io, base, &s->pm_io);
        s->pm_mapped = true;
    }
    piix4_smbus_map(&s->smb, d->config[PIIX4_SMBHSTCFG] & 1,
                    pci_get_long(d->config + PIIX4_SMBBA) & 0xfff0);
}

static void pm_config_write(PCIDevice *d, uint32_t addr, uint32_t val, unsigned len)
{
    pci_default_write_config(d, addr, val, len);
    pm_update_io(PIIX4_PM(d));
}

static void pm_reset(PCIDevice *d)
{
    PIIX4PMState *s = PIIX4_PM(d);
    /* 290562: PMBA and SMBBA read 1 in bit 0 (I/O space); the rest 0. */
    pci_set_long(d->config + PIIX4_PMBA, (s->pm_preset ? s->pm_base : 0) | 1);
    pci_set_long(d->config + PIIX4_DEVACTB, 0);
    if (!s->smm_enabled) {
        d->config[PIIX4_APMC_EN_BYTE] = PIIX4_APMC_EN;
    }
    d->config[PIIX4_PMREGMISC] = s->pm_preset ? 1 : 0;
    pci_set_long(d->config + PIIX4_SMBBA, 1);
    d->config[PIIX4_SMBHSTCFG] = 0;
    s->sts = s->en = s->cnt = 0;
    memset(s->other, 0, sizeof(s->other));
    s->apmc = s->apms = 0;
    piix4_smbus_reset(&s->smb);
    pm_update_io(s);
    pm_update_sci(s);
}

/* ---- the power button ---- */

static void pm_powerdown(void *opaque)
{
    PIIX4PMState *s = opaque;
    s->sts |= PM_PWRBTN;
    pm_update_sci(s);
}

static void pm_init(Object *obj)
{
    PIIX4PMState *s = PIIX4_PM(obj);
    device_init_gpio_out_named(DEVICE(obj), &s->sci, "sci", 1);
}

static bool pm_realize(PCIDevice *d, Error **errp)
{
    PIIX4PMState *s = PIIX4_PM(d);
    if (s->pm_base & (PM_IO_SIZE - 1)) {
        error_setg(errp, "pm-base 0x%x: PMBA holds a 64-byte aligned base (bits 15:6)",
                   s->pm_base);
        return false;
    }
    /* 290562: the registers firmware programs. */
    pci_set_long(d->wmask + PIIX4_PMBA, 0xffc0);
    pci_set_long(d->wmask + PIIX4_DEVACTB, 0xffffffff);
    d->wmask[PIIX4_PMREGMISC] = 0x01;
    pci_set_long(d->wmask + PIIX4_SMBBA, 0xfff0);
    d->wmask[PIIX4_SMBHSTCFG] = 0x0f;
    /* INTA# as on QEMU (its SMBus interrupt); the SCI has its own pin. */
    d->config[PCI_INTERRUPT_PIN] = 1;
    memory_region_init_io(&s->pm_io, OBJECT(d), &pm_ops, s, "piix4-pm", PM_IO_SIZE);
    memory_region_init_io(&s->apm_io, OBJECT(d), &apm_ops, s, "apm", 2);
    memory_region_add_subregion(memory_get_system_io(), APM_IO_BASE, &s->apm_io);
    piix4_smbus_init(&s->smb, OBJECT(d));
    s->tmr_overflow = timer_new_ns(CC_CLOCK_VIRTUAL, pm_overflow, s);
    pm_arm_overflow(s);
    system_add_powerdown_notifier(pm_powerdown, s);
    return true;
}

static void pm_exit(PCIDevice *d)
{
    PIIX4PMState *s = PIIX4_PM(d);
    system_remove_powerdown_notifier(pm_powerdown, s);
    timer_free(s->tmr_overflow);
    s->tmr_overflow = NULL;
    memory_region_finalize(&s->pm_io);
    s->pm_mapped = false;
    memory_region_finalize(&s->apm_io);
    piix4_smbus_finalize(&s->smb);
}

/* ---- ACPI ---- */

/* The FADT's power-management registers (ACPI 1.0b 5.2.5): the SCI, the
 * APM control port that takes the enable/disable values, PM1a event and
 * control and the 24-bit PM timer at pm-base, and SLP_TYP 0 for S5
 * (PMCNTRL's SUS_TYP that powers off, see pm_sleep).  No GPE0 block: the
 * general purpose registers at +0Ch are only stored, not the status and
 * enable pairs an OS would clear and arm. */
static void pm_fadt_info(Object *obj, AcpiFadtInfo *info)
{
    PIIX4PMState *s = PIIX4_PM(obj);
    info->present = true;
    info->sci_irq = s->sci_irq;
    info->smi_cmd = APM_IO_BASE;
    info->acpi_enable = s->acpi_enable;
    info->acpi_disable = s->acpi_disable;
    info->pm1a_evt_blk = s->pm_base + PMSTS;
    info->pm1a_cnt_blk = s->pm_base + PMCNTRL;
    info->pm_tmr_blk = s->pm_base + PMTMR;
    info->tmr_val_ext = false;
    info->slp_typ_s5 = SUS_TYP_S5;
}

static bool pm_post_load(void *opaque, int version_id, Error **errp)
{
    PIIX4PMState *s = opaque;
    pm_update_io(s);
    pm_arm_overflow(s);
    return true;
}

static const Property pm_properties[] = {
    DEFINE_PROP_UINT8("sci-irq", PIIX4PMState, sci_irq, 9,
                      "ISA IRQ the board wires the SCI to (for the ACPI tables' FADT)"),
    DEFINE_PROP_UINT8("acpi-enable", PIIX4PMState, acpi_enable, 0xf1,
                      "value written to 0xB2 that sets SCI_EN (FADT ACPI_ENABLE)"),
    DEFINE_PROP_UINT8("acpi-disable", PIIX4PMState, acpi_disable, 0xf0,
                      "value written to 0xB2 that clears SCI_EN (FADT ACPI_DISABLE)"),
    DEFINE_PROP_UINT16("pm-base", PIIX4PMState, pm_base, 0x600,
                       "PM I/O base the firmware programs in PMBA (the FADT's PM blocks)"),
    DEFINE_PROP_BOOL("pm-preset", PIIX4PMState, pm_preset, false,
                     "on: PMBA = pm-base and PM I/O enabled from reset, for a kernel "
                     "started without firmware"),
    DEFINE_PROP_BOOL("smm-enabled", PIIX4PMState, smm_enabled, false,
                     "off: APMC_EN reads set, so firmware skips SMM set-up (no SMM CPU)"),
    DEFINE_PROP_END_OF_LIST(),
};

static const VMStateDescription vmstate_piix4_pm = {
    .name = TYPE_PIIX4_PM,
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = pm_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, PIIX4PMState),
        VMSTATE_UINT16(sts, PIIX4PMState),
        VMSTATE_UINT16(en, PIIX4PMState),
        VMSTATE_UINT16(cnt, PIIX4PMState),
        VMSTATE_UINT8_ARRAY(other, PIIX4PMState, PM_IO_SIZE),
        VMSTATE_UINT8(apmc, PIIX4PMState),
        VMSTATE_UINT8(apms, PIIX4PMState),
        VMSTATE_STRUCT(smb, PIIX4PMState, vmstate_piix4_smbus, PIIX4SMBus),
        VMSTATE_END_OF_LIST()
    },
};

static void pm_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
    AcpiDeviceClass *ac = (AcpiDeviceClass *)object_class_dynamic_cast(klass,
                                                                       TYPE_ACPI_DEVICE_IF);
    dc->desc = "Intel 82371AB PIIX4 function 3: ACPI power management, PM timer, SMBus";
    dc->category = DEVICE_CATEGORY_MISC;
    dc->vmsd = &vmstate_piix4_pm;
    device_class_set_props(dc, pm_properties);
    /* 290562: VID 8086h, DID 7113h, class 06h/80h (other bridge), revision
     * 03h as on QEMU. */
    k->vendor_id = 0x8086;
    k->device_id = 0x7113;
    k->class_id = 0x0680;
    k->revision = 0x03;
    /* QEMU's subsystem ids on every function (Red Hat/Qumranet 1AF4h,
     * 1100h): SeaBIOS tells QEMU's i440FX by them (qemu_detect). */
    k->subsystem_vendor_id = 0x1af4;
    k->subsystem_id = 0x1100;
    k->realize = pm_realize;
    k->exit = pm_exit;
    k->reset = pm_reset;
    k->config_write = pm_config_write;
    ac->fadt_info = pm_fadt_info;
}

static const TypeInfo piix4_pm_types[] = {
    {
        .name = TYPE_PIIX4_PM,
        .parent = TYPE_PCI_DEVICE,
        .instance_size = sizeof(PIIX4PMState),
        .instance_init = pm_init,
        .class_init = pm_class_init,
        .interfaces = (const InterfaceInfo[]) { { TYPE_ACPI_DEVICE_IF }, { NULL } },
    },
};

DEFINE_TYPES(piix4_pm_types)
