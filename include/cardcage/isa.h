/*
 * cardcage plugin SDK: the ISA bus.
 *
 * An ISA bus is created by a bridge device (the core's "isa-bridge" for an
 * ISA-only PC, later a PCI-to-ISA bridge) and is named "isa" by default.  Its
 * devices decode port I/O in the bus's I/O space (the system I/O space) and
 * memory in its memory space (system memory).  IRQ lines are ordinary GPIO
 * outputs of the devices, wired by the board to the interrupt controller.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_ISA_H
#define CARDCAGE_ISA_H

#include <cardcage/device.h>
#include <cardcage/memory.h>

#define TYPE_ISA_BUS    "isa-bus"
#define TYPE_ISA_DEVICE "isa-device"
#define TYPE_ISA_BRIDGE "isa-bridge"

typedef struct ISABus {
    BusState parent_obj;
    MemoryRegion *address_space;     /* ISA memory */
    MemoryRegion *address_space_io;  /* ISA port I/O */
    AddressSpace *dma_as;            /* over address_space, unless system memory */
} ISABus;

typedef struct ISADevice {
    DeviceState parent_obj;
} ISADevice;

#define ISA_BUS(obj) OBJECT_CHECK(ISABus, (obj), TYPE_ISA_BUS)
#define ISA_DEVICE(obj) OBJECT_CHECK(ISADevice, (obj), TYPE_ISA_DEVICE)

/* Create an ISA bus under parent over the given memory and I/O regions. */
CC_API ISABus *isa_bus_new(DeviceState *parent, const char *name, MemoryRegion *mem,
                           MemoryRegion *io);
CC_API ISABus *isa_device_get_bus(ISADevice *dev);
/* Map io at port start of the device's bus.  Refused (false, errp set)
 * when the ports run past 0xffff or overlap ports another device (or the
 * same one) registered: the message names both devices.  Realize returns
 * the error as it is; whatever the device mapped before is unmapped when
 * its realize fails. */
CC_API bool isa_register_ioport(ISADevice *dev, MemoryRegion *io, uint32_t start,
                                Error **errp);
/* The same for memory (the bus's memory space, system memory on a PC). */
CC_API bool isa_register_memory(ISADevice *dev, MemoryRegion *mr, hwaddr addr, Error **errp);
CC_API MemoryRegion *isa_address_space(ISADevice *dev);
CC_API MemoryRegion *isa_address_space_io(ISADevice *dev);

#endif
