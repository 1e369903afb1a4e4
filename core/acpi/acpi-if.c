/*
 * The interface through which devices contribute to the ACPI tables
 * (include/cardcage/acpi.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/acpi.h>
#include <cardcage/module.h>

static const TypeInfo acpi_if_types[] = {
    {
        .name = TYPE_ACPI_DEVICE_IF,
        .parent = TYPE_INTERFACE,
        .class_size = sizeof(AcpiDeviceClass),
    },
};

DEFINE_TYPES(acpi_if_types)
