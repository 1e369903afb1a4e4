/*
 * A harness for unit tests of devices and plugins: the core without a
 * board, a virtual clock the test advances by hand, and probes on IRQ lines;
 * with <cardcage/testing.h>, the hooks for reset and shutdown requests,
 * character backends and keys.  Installed as <cardcage/harness.h> (link
 * with pkg-config cardcage-harness, and cmocka) for tests of plugins built
 * outside the tree.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_HARNESS_H
#define CARDCAGE_HARNESS_H

#include <cardcage/cardcage.h>
#include <cardcage/testing.h>

/* Run the QOM list, create the memory roots and put the virtual clock
 * under the test's control (it advances only through harness_advance_ns).
 * Idempotent. */
void harness_init(void);

/* Load a plugin by path (one with a '/'), or by name from the build tree
 * ($CARDCAGE_BUILD_ROOT/plugins/<name>/<name>.so).  Fails the test on error. */
void harness_load_plugin(const char *name_or_path);

/* Give the virtual clock back to the harness (a CPU that was realized took
 * it over as its instruction counter). */
void harness_clock_reclaim(void);

/* Load every plugin the build made (<build>/plugins/<name>/<name>.so);
 * returns how many. */
int harness_load_build_plugins(void);

/* Unrealize dev, take it out of the tree and drop the reference
 * harness_create returned. */
void harness_destroy(DeviceState *dev);

/* The ISA bus "isa" (an isa-bridge is created on first use). */
ISABus *harness_isa_bus(void);

/* The PCI bus for PCI devices created without a bus: "pci.0" when a host
 * bridge made one, else a bus of the harness's own (BARs decode into the
 * system memory and I/O spaces, INTx lines are only counted:
 * pci_bus_irq_level). */
PCIBus *harness_pci_bus(void);

/* Create, configure and realize a device.  props is a NULL-terminated
 * list of "name=value" strings.  bus NULL means the ISA bus for ISA
 * devices, harness_pci_bus() for PCI devices and the system bus
 * otherwise.  Fails the test on error. */
DeviceState *harness_create(const char *type, const char *id, BusState *bus,
                            const char *const *props);
/* Same, returning NULL and the error instead of failing. */
DeviceState *harness_try_create(const char *type, const char *id, BusState *bus,
                                const char *const *props, Error **errp);

/* Advance the virtual clock by ns, running timers at their deadlines in
 * order (the clock reads each timer's deadline while it runs). */
void harness_advance_ns(int64_t ns);
int64_t harness_now_ns(void);

/* Configuration mechanism #1 as a guest drives it: CONFIG_ADDRESS at
 * 0xCF8 (bus 0, devfn, the dword of reg), then len bytes (1, 2 or 4) at
 * 0xCFC + (reg & 3).  For tests of PCI functions behind a host bridge. */
void harness_pci_cfg_select(int devfn, uint32_t reg);     /* the 0xCF8 write alone */
uint32_t harness_pci_cfg_read(int devfn, uint32_t reg, unsigned len);
void harness_pci_cfg_write(int devfn, uint32_t reg, uint32_t val, unsigned len);

/* An IRQ input that records what it is driven with. */
typedef struct IRQProbe {
    IRQState *irq;
    int level;
    int rising;     /* 0 -> 1 transitions seen */
    int falling;    /* 1 -> 0 transitions seen */
    int calls;
} IRQProbe;
IRQProbe *harness_probe_new(void);
void harness_probe_reset(IRQProbe *p);
/* Wire output name[n] of dev to a new probe. */
IRQProbe *harness_probe_output(DeviceState *dev, const char *name, int n);

#endif
