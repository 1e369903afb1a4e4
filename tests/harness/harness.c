/*
 * Device test harness (see harness.h).  Built on the SDK alone (the hooks
 * of <cardcage/testing.h>), so it is installed for tests outside the tree.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "harness.h"

static ISABus *isa_bus;

void harness_init(void)
{
    testing_init();
}

void harness_clock_reclaim(void)
{
    testing_clock_reclaim();
}

void harness_load_plugin(const char *name_or_path)
{
    harness_init();
    char *path;
    if (strchr(name_or_path, '/')) {
        path = g_strdup(name_or_path);
    } else {
        const char *root = g_getenv("CARDCAGE_BUILD_ROOT");
        assert_non_null(root);
        path = g_strdup_printf("%s/plugins/%s/%s.so", root, name_or_path, name_or_path);
    }
    Error *err = NULL;
    if (!testing_load_plugin(path, &err)) {
        fail_msg("loading plugin %s: %s", path, error_get_pretty(err));
    }
    g_free(path);
}

int harness_load_build_plugins(void)
{
    const char *root = g_getenv("CARDCAGE_BUILD_ROOT");
    assert_non_null(root);
    char *dir = g_build_filename(root, "plugins", NULL);
    GDir *d = g_dir_open(dir, 0, NULL);
    assert_non_null(d);
    int n = 0;
    for (const char *name; (name = g_dir_read_name(d));) {
        char *so = g_strdup_printf("%s/%s/%s.so", dir, name, name);
        if (g_file_test(so, G_FILE_TEST_EXISTS)) {
            harness_load_plugin(so);
            n++;
        }
        g_free(so);
    }
    g_dir_close(d);
    g_free(dir);
    return n;
}

void harness_destroy(DeviceState *dev)
{
    device_unrealize(dev);
    object_unparent(OBJECT(dev));
    object_unref(dev);
    /* A CPU takes over the icount clock while it exists. */
    harness_clock_reclaim();
}

ISABus *harness_isa_bus(void)
{
    harness_init();
    if (!isa_bus) {
        DeviceState *bridge = harness_create(TYPE_ISA_BRIDGE, "isa-bridge", NULL, NULL);
        isa_bus = ISA_BUS(bridge->child_buses->data);
    }
    return isa_bus;
}

PCIBus *harness_pci_bus(void)
{
    static PCIBus *own;
    harness_init();
    BusState *b = bus_find("pci.0");
    if (b && object_dynamic_cast(OBJECT(b), TYPE_PCI_BUS)) {
        return PCI_BUS(b);
    }
    if (!own) {
        own = pci_bus_new(NULL, "harness-pci", NULL, NULL);
    }
    return own;
}

DeviceState *harness_try_create(const char *type, const char *id, BusState *bus,
                                const char *const *props, Error **errp)
{
    harness_init();
    DeviceState *dev = device_new_checked(type, errp);
    if (!dev) {
        return NULL;
    }
    if (id) {
        device_set_id(dev, id);
    }
    for (const char *const *p = props; p && *p; p++) {
        const char *eq = strchr(*p, '=');
        g_assert(eq);
        char *name = g_strndup(*p, eq - *p);
        bool ok = object_property_parse(OBJECT(dev), name, eq + 1, errp);
        g_free(name);
        if (!ok) {
            object_unref(dev);
            return NULL;
        }
    }
    if (!bus && object_dynamic_cast(OBJECT(dev), TYPE_ISA_DEVICE)) {
        bus = BUS(harness_isa_bus());
    } else if (!bus && object_dynamic_cast(OBJECT(dev), TYPE_PCI_DEVICE)) {
        bus = BUS(harness_pci_bus());
    }
    if (!device_realize(dev, bus, errp)) {
        object_unref(dev);
        return NULL;
    }
    device_cold_reset(dev);
    return dev;
}

DeviceState *harness_create(const char *type, const char *id, BusState *bus,
                            const char *const *props)
{
    Error *err = NULL;
    DeviceState *dev = harness_try_create(type, id, bus, props, &err);
    if (!dev) {
        fail_msg("creating %s: %s", type, error_get_pretty(err));
    }
    return dev;
}

int64_t harness_now_ns(void)
{
    return clock_get_ns(CC_CLOCK_VIRTUAL);
}

void harness_advance_ns(int64_t ns)
{
    testing_advance_ns(ns);
}

static void probe_handler(void *opaque, int n, int level)
{
    IRQProbe *p = opaque;
    level = level != 0;
    if (level && !p->level) {
        p->rising++;
    } else if (!level && p->level) {
        p->falling++;
    }
    p->level = level;
    p->calls++;
}

/* Every probe lives as long as the test program: devices keep pointers to
 * the probes wired to their outputs, so a probe must outlast them; the list
 * keeps them reachable (a test need not free its probes). */
static GPtrArray *probes;

IRQProbe *harness_probe_new(void)
{
    IRQProbe *p = g_new0(IRQProbe, 1);
    p->irq = irq_allocate(probe_handler, p, 0);
    if (!probes) {
        probes = g_ptr_array_new();
    }
    g_ptr_array_add(probes, p);
    return p;
}

void harness_probe_reset(IRQProbe *p)
{
    p->rising = p->falling = p->calls = 0;
}

IRQProbe *harness_probe_output(DeviceState *dev, const char *name, int n)
{
    IRQProbe *p = harness_probe_new();
    Error *err = NULL;
    if (!device_connect_gpio_out_named(dev, name, n, p->irq, &err)) {
        fail_msg("wiring probe: %s", error_get_pretty(err));
    }
    return p;
}

/* ---- configuration mechanism #1 (PCI 3.0, 3.2.2.3.2) ---- */

void harness_pci_cfg_select(int devfn, uint32_t reg)
{
    /* Enable (bit 31), bus 0, devfn in bits 15:8, the register's dword. */
    cpu_outl(0xcf8, 0x80000000u | (uint32_t)(devfn & 0xff) << 8 | (reg & 0xfc));
}

uint32_t harness_pci_cfg_read(int devfn, uint32_t reg, unsigned len)
{
    harness_pci_cfg_select(devfn, reg);
    uint16_t port = 0xcfc + (reg & 3);
    return len == 1 ? cpu_inb(port) : len == 2 ? cpu_inw(port) : cpu_inl(port);
}

void harness_pci_cfg_write(int devfn, uint32_t reg, uint32_t val, unsigned len)
{
    harness_pci_cfg_select(devfn, reg);
    uint16_t port = 0xcfc + (reg & 3);
    if (len == 1) {
        cpu_outb(port, (uint8_t)val);
    } else if (len == 2) {
        cpu_outw(port, (uint16_t)val);
    } else {
        cpu_outl(port, val);
    }
}
