/*
 * The state-description check of the device test harness: every device
 * type must describe its state (DeviceClass.vmsd), and a device driven into
 * some non-reset state must survive save, load into a fresh instance and
 * save again byte for byte.  An out-of-tree plugin's tests run the same
 * check on their own types with harness_vmstate_check_plugin(); installed
 * with <cardcage/harness.h> (pkg-config cardcage-harness).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_HARNESS_VMSTATE_H
#define CARDCAGE_HARNESS_VMSTATE_H

#include <cardcage/harness.h>

/* Drives dev (realized, freshly reset) away from its reset state.  rng is
 * seeded per type, so a failure reproduces. */
typedef void (*HarnessVMStateDriver)(DeviceState *dev, GRand *rng);

/* The default driver: pseudo-random reads and writes of 1, 2 and 4 bytes
 * to every I/O port and MMIO region the device owns, toggles of its GPIO
 * inputs, and small advances of the virtual clock, interleaved. */
void harness_vmstate_drive_default(DeviceState *dev, GRand *rng);

/* Per type: a driver instead of the default one (a device whose registers
 * start work that random values would make endless, say), and the
 * properties ("name=value", NULL-terminated, kept by reference) it is
 * created with.  A type can also be skipped, with the reason (it is then
 * listed as skipped, never silently). */
void harness_vmstate_set_driver(const char *type, HarnessVMStateDriver fn);
void harness_vmstate_set_props(const char *type, const char *const *props);
void harness_vmstate_skip(const char *type, const char *reason);

/*
 * Check one type: create it, drive it, save it; unrealize it; create a
 * fresh one, save its reset state, load the first one's state into it and
 * save again.  False (errp says why, naming the type) when the type has no
 * description, when the two saves differ, or when a type that has state
 * saves its reset state after being driven (the driver did not reach it).
 */
bool harness_vmstate_check_type(const char *type, uint32_t seed, Error **errp);

/* Check every concrete device type registered by the plugin named
 * plugin_name (NULL: every device type of the core and of every loaded
 * plugin).  Fails the running cmocka test with every failure listed;
 * returns how many types passed. */
int harness_vmstate_check_plugin(const char *plugin_name, uint32_t seed);

/* The whole machine's device state (vmstate_save_machine); fails the
 * running test if it cannot be saved. */
GBytes *harness_vmstate_save_machine(void);
/* Load data[0..len) with vmstate_load_machine. */
bool harness_vmstate_load_machine(const uint8_t *data, size_t len, Error **errp);

#endif
