/*
 * Types of the test plugin, shared with the tests that use it.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef TESTS_PLUGINS_TEST_DEVICE_H
#define TESTS_PLUGINS_TEST_DEVICE_H

#include <cardcage/object.h>

#define TYPE_TEST_INTERFACE     "test-interface"
#define TYPE_TEST_ISA_DEVICE    "test-isa-device"
#define TYPE_TEST_SYSBUS_DEVICE "test-sysbus-device"

typedef struct TestInterfaceClass {
    InterfaceClass parent_class;
    int (*answer)(Object *obj);
} TestInterfaceClass;

#endif
