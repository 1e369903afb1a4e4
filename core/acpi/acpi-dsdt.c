/*
 * The DSDT of the board: the processors, the PCI root bridge with its
 * windows and interrupt routing, the PCI interrupt links over the router's
 * route registers, _S5, and whatever the devices append to \_SB.
 *
 * The PCI objects follow the ACPI 6.4 specification: PNP0A03 (a PCI bus),
 * _CRS (6.2.2), _PRT (6.2.13: Package {Address, Pin, Source, SourceIndex},
 * Address 0xSSSSFFFF for any function of slot SSSS), and PNP0C0F, the PCI
 * interrupt link device (6.2.13 example), with _STA/_PRS/_CRS/_SRS/_DIS.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <cardcage/object.h>
#include "acpi/acpi-internal.h"
#include "cpu/cpu.h"

/* The route registers (PIIX3 datasheet 2.2.12 "PIRQRC[A:D]"): bit 7
 * disables the routing, bits 3:0 name the ISA IRQ. */
#define PIRQ_DISABLE 0x80

/* _STA values (6.3.7): bit 0 present, 1 enabled, 2 shown in the UI, 3
 * functioning.  A link whose routing is off is present and functioning but
 * not enabled. */
#define STA_LINK_ENABLED 0x0b
#define STA_LINK_DISABLED 0x09

/* A Processor object per CPU, its id the MADT's processor id. */
static void build_cpus(Aml *sb)
{
    for (CPUState *cpu = cpu_first(); cpu; cpu = cpu_next(cpu)) {
        char name[8];
        snprintf(name, sizeof(name), "C%03X", cpu->cpu_index & 0xfff);
        /* No processor control block: C2/C3 are unsupported (the FADT
         * says so with latencies above 100 and 1000 us). */
        aml_append(sb, aml_processor(name, cpu->cpu_index, 0, 0));
    }
}

static Aml *pci_crs(const AcpiPciHostInfo *pci)
{
    Aml *crs = aml_resource_template();
    aml_append(crs, aml_word_bus_number(pci->bus_min, pci->bus_max));
    /* The configuration mechanism's ports are the bridge's own. */
    aml_append(crs, aml_io(pci->config_port, pci->config_port, 1, 8));
    for (unsigned i = 0; i < pci->n_io && i < ACPI_PCI_MAX_WINDOWS; i++) {
        aml_append(crs, aml_word_io(pci->io[i].base, pci->io[i].limit));
    }
    for (unsigned i = 0; i < pci->n_mem && i < ACPI_PCI_MAX_WINDOWS; i++) {
        const AcpiWindow *w = &pci->mem[i];
        if (w->limit > UINT32_MAX) {
            aml_append(crs, aml_qword_memory(w->base, w->limit, true));
        } else {
            aml_append(crs, aml_dword_memory(w->base, w->limit, true));
        }
    }
    return crs;
}

static const char *link_name(int link)
{
    static const char *const names[ACPI_PIRQ_LINKS] = { "LNKA", "LNKB", "LNKC", "LNKD" };
    return names[link & (ACPI_PIRQ_LINKS - 1)];
}

/* _PRT: every slot's four pins, as the router swizzles them. */
static Aml *pci_prt(const AcpiPirqInfo *pirq)
{
    Aml *prt = aml_package();
    for (int slot = 0; slot < 32; slot++) {
        for (int pin = 0; pin < 4; pin++) {
            Aml *e = aml_package();
            aml_append(e, aml_int(((uint32_t)slot << 16) | 0xffff));
            aml_append(e, aml_int(pin));
            aml_append(e, aml_name(link_name(pirq->link_of[slot][pin])));
            aml_append(e, aml_zero());
            aml_append(prt, e);
        }
    }
    return prt;
}

/* The router's function under PCI0, whose route registers the links read
 * and write through a PCI_Config region. */
static Aml *pirq_router(const AcpiPirqInfo *pirq)
{
    Aml *dev = aml_device("PIRR");
    aml_append(dev, aml_name_decl("_ADR", aml_int(((uint32_t)(pirq->devfn >> 3) << 16) |
                                                  (pirq->devfn & 7))));
    aml_append(dev, aml_operation_region("PRTR", AML_PCI_CONFIG, aml_int(pirq->route_reg),
                                         aml_int(ACPI_PIRQ_LINKS)));
    Aml *f = aml_field("PRTR", AML_BYTE_ACC, false, AML_PRESERVE);
    for (int i = 0; i < ACPI_PIRQ_LINKS; i++) {
        char name[5];
        snprintf(name, sizeof(name), "PRQ%d", i);
        aml_append(f, aml_named_field(name, 8));
    }
    aml_append(dev, f);
    return dev;
}

/* Helpers shared by the links: IQST(route) is the link's _STA, IQCR(route)
 * its current resource (an empty Interrupt when routing is off). */
static void link_helpers(Aml *sb)
{
    Aml *m = aml_method("IQST", 1, false);
    Aml *cond = aml_if(aml_and(aml_int(PIRQ_DISABLE), aml_arg(0), NULL));
    aml_append(cond, aml_return(aml_int(STA_LINK_DISABLED)));
    aml_append(m, cond);
    aml_append(m, aml_return(aml_int(STA_LINK_ENABLED)));
    aml_append(sb, m);

    m = aml_method("IQCR", 1, true);
    Aml *rt = aml_resource_template();
    const uint32_t none = 0;
    aml_append(rt, aml_interrupt(true, false, true, &none, 1));
    aml_append(m, aml_name_decl("PRR0", rt));
    /* The first interrupt number of an extended interrupt descriptor
     * (6.4.3.6) is at byte 5. */
    aml_append(m, aml_create_dword_field(aml_name("PRR0"), aml_int(5), "PRRI"));
    cond = aml_if(aml_lless(aml_arg(0), aml_int(PIRQ_DISABLE)));
    aml_append(cond, aml_store(aml_and(aml_arg(0), aml_int(0x0f), NULL), aml_name("PRRI")));
    aml_append(m, cond);
    aml_append(m, aml_return(aml_name("PRR0")));
    aml_append(sb, m);
}

static Aml *pirq_link(const AcpiPirqInfo *pirq, int link)
{
    char reg[32];
    snprintf(reg, sizeof(reg), "\\_SB.PCI0.PIRR.PRQ%d", link);
    Aml *dev = aml_device(link_name(link));
    aml_append(dev, aml_name_decl("_HID", aml_eisaid("PNP0C0F")));
    aml_append(dev, aml_name_decl("_UID", aml_int(link)));
    Aml *prs = aml_resource_template();
    aml_append(prs, aml_interrupt(true, false, true, pirq->irqs, pirq->n_irqs));
    aml_append(dev, aml_name_decl("_PRS", prs));

    Aml *m = aml_method("_STA", 0, false);
    aml_append(m, aml_return(aml_call("IQST", 1, aml_name(reg))));
    aml_append(dev, m);

    m = aml_method("_DIS", 0, false);
    aml_append(m, aml_or(aml_name(reg), aml_int(PIRQ_DISABLE), aml_name(reg)));
    aml_append(dev, m);

    m = aml_method("_CRS", 0, false);
    aml_append(m, aml_return(aml_call("IQCR", 1, aml_name(reg))));
    aml_append(dev, m);

    m = aml_method("_SRS", 1, true);
    aml_append(m, aml_create_dword_field(aml_arg(0), aml_int(5), "PRRI"));
    aml_append(m, aml_store(aml_name("PRRI"), aml_name(reg)));
    aml_append(dev, m);
    return dev;
}

Aml *acpi_build_dsdt_aml(const AcpiMachineInfo *info)
{
    Aml *top = aml_list();
    Aml *sb = aml_scope("\\_SB");
    build_cpus(sb);
    if (info->pci.present) {
        Aml *pci0 = aml_device("PCI0");
        aml_append(pci0, aml_name_decl("_HID", aml_eisaid("PNP0A03")));
        aml_append(pci0, aml_name_decl("_ADR", aml_zero()));
        aml_append(pci0, aml_name_decl("_UID", aml_zero()));
        aml_append(pci0, aml_name_decl("_CRS", pci_crs(&info->pci)));
        if (info->pirq.present) {
            aml_append(pci0, aml_name_decl("_PRT", pci_prt(&info->pirq)));
            aml_append(pci0, pirq_router(&info->pirq));
        }
        aml_append(sb, pci0);
        if (info->pirq.present && info->pirq.n_irqs) {
            link_helpers(sb);
            for (int i = 0; i < ACPI_PIRQ_LINKS; i++) {
                aml_append(sb, pirq_link(&info->pirq, i));
            }
        }
    }
    for (guint i = 0; i < info->devices->len; i++) {
        Object *obj = g_ptr_array_index(info->devices, i);
        AcpiDeviceClass *dc = (AcpiDeviceClass *)
            object_class_dynamic_cast(object_get_class(obj), TYPE_ACPI_DEVICE_IF);
        if (dc->build_aml) {
            dc->build_aml(obj, sb);
        }
    }
    aml_append(top, sb);

    if (info->fadt.present) {
        /* \_S5 (7.4.2.4): the SLP_TYP values for PM1a and PM1b, then two
         * reserved. */
        Aml *s5 = aml_package();
        aml_append(s5, aml_int(info->fadt.slp_typ_s5));
        aml_append(s5, aml_int(info->fadt.slp_typ_s5));
        aml_append(s5, aml_zero());
        aml_append(s5, aml_zero());
        aml_append(top, aml_name_decl("_S5", s5));
    }
    return top;
}
