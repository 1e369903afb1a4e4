/*
 * cardcage plugin SDK: devices on the system bus.
 *
 * A system-bus device exports MMIO regions by index (sysbus_init_mmio) and
 * interrupt outputs (sysbus_init_irq, the GPIO output list "irq"); the board
 * maps regions ("mmio": ["0xfec00000"]) and wires the outputs.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_SYSBUS_H
#define CARDCAGE_SYSBUS_H

#include <cardcage/device.h>
#include <cardcage/memory.h>

#define TYPE_SYSTEM_BUS     "system-bus"
#define TYPE_SYS_BUS_DEVICE "sys-bus-device"
#define SYSBUS_MMIO_MAX 32
#define SYSBUS_IRQ_NAME "irq"

typedef struct SysBusDevice {
    DeviceState parent_obj;
    int num_mmio;
    struct {
        hwaddr addr;             /* where mapped, or (hwaddr)-1 */
        MemoryRegion *memory;
    } mmio[SYSBUS_MMIO_MAX];
    int num_irq;
} SysBusDevice;

#define SYS_BUS_DEVICE(obj) OBJECT_CHECK(SysBusDevice, (obj), TYPE_SYS_BUS_DEVICE)

/* Export mr as the next MMIO index (at most SYSBUS_MMIO_MAX). */
CC_API void sysbus_init_mmio(SysBusDevice *dev, MemoryRegion *mr);
CC_API int sysbus_mmio_count(SysBusDevice *dev);
CC_API MemoryRegion *sysbus_mmio_get_region(SysBusDevice *dev, int n);
/* Map MMIO index n into system memory at addr (remapping if mapped). */
CC_API bool sysbus_mmio_map(SysBusDevice *dev, int n, hwaddr addr, int priority,
                            Error **errp);
/* Export *p as the next output of the "irq" list. */
CC_API void sysbus_init_irq(SysBusDevice *dev, IRQState **p);

#endif
