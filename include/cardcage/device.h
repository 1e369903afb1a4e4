/*
 * cardcage plugin SDK: devices and buses.
 *
 * A device is an object with a life cycle:
 *
 *     dev = device_new("i8254");              instance_init: defaults
 *     object_property_parse(OBJECT(dev), ...) properties from board/-device
 *     device_realize(dev, bus, &err);         realize: map regions, timers
 *     ...  device_cold_reset / system reset   reset: power-on register state
 *     device_unrealize(dev);                  undo realize
 *
 * A bus connects devices to a parent device (the system bus has none).
 * System reset walks the tree from the system bus: each device is reset,
 * then the buses it owns, depth first.
 *
 * GPIO lines.  A device declares named inputs (IRQState handlers it owns)
 * and named outputs (IRQState pointers it drives with irq_set); the board
 * wires "pit.out[0]" to "pic.in[0]".  An output wired to several inputs
 * fans out through a splitter.  The unnamed default lines have name NULL and
 * print as "gpio-in"/"gpio-out".
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_DEVICE_H
#define CARDCAGE_DEVICE_H

#include <cardcage/object.h>
#include <cardcage/irq.h>
#include <cardcage/property.h>
#include <cardcage/memory.h>
#include <cardcage/vmstate.h>

#define TYPE_DEVICE "device"
#define TYPE_BUS    "bus"

typedef struct DeviceState DeviceState;
typedef struct BusState BusState;
typedef struct BusClass BusClass;
typedef struct NamedGPIOList NamedGPIOList;
typedef struct VMStateDescription VMStateDescription;

typedef bool (*DeviceRealize)(DeviceState *dev, Error **errp);
typedef void (*DeviceUnrealize)(DeviceState *dev);
typedef void (*DeviceReset)(DeviceState *dev);

typedef enum DeviceCategory {
    DEVICE_CATEGORY_MISC,
    DEVICE_CATEGORY_BRIDGE,
    DEVICE_CATEGORY_CPU,
    DEVICE_CATEGORY_INTC,     /* interrupt controllers */
    DEVICE_CATEGORY_TIMER,
    DEVICE_CATEGORY_INPUT,
    DEVICE_CATEGORY_SERIAL,
    DEVICE_CATEGORY_STORAGE,
    DEVICE_CATEGORY_NETWORK,
    DEVICE_CATEGORY_DISPLAY,
    DEVICE_CATEGORY_SOUND,
    DEVICE_CATEGORY_DEBUG,
    DEVICE_CATEGORY_MAX
} DeviceCategory;

struct DeviceClass {
    ObjectClass parent_class;
    const char *desc;            /* one line, for -device help */
    DeviceCategory category;
    const char *bus_type;        /* the bus it plugs into; NULL: none/system */
    bool user_creatable;         /* may be added with -device (default true) */
    const Property *props_;      /* set by device_class_set_props */
    DeviceRealize realize;
    DeviceUnrealize unrealize;
    DeviceReset reset;
    /* The state saved and restored (include/cardcage/vmstate.h).  NULL:
     * inherited from the parent class; a realized device whose class
     * chain has none cannot be saved. */
    const VMStateDescription *vmsd;
};

/* Set by the memory layer around a device's I/O handlers, so that a device
 * whose DMA lands on its own registers is refused instead of recursing. */
typedef struct MemReentrancyGuard {
    bool engaged_in_io;
} MemReentrancyGuard;

struct DeviceState {
    Object parent_obj;
    char *id;                    /* the board/-device id, or NULL */
    bool realized;
    BusState *parent_bus;
    GSList *child_buses;         /* BusState * */
    GSList *gpios;               /* NamedGPIOList * */
    MemReentrancyGuard mem_reentrancy_guard;
};

struct BusClass {
    ObjectClass parent_class;
    /* Called when dev is plugged in, before its realize; may refuse. */
    bool (*check_address)(BusState *bus, DeviceState *dev, Error **errp);
    /* A one-line address for `info qtree` ("iobase 0x40"); g_free it. */
    char *(*get_dev_path)(DeviceState *dev);
    /* The memory a device on this bus reaches by DMA (NULL: system memory).
     * A PCI bus answers with a view gated by the device's bus-master bit. */
    AddressSpace *(*get_dma_as)(BusState *bus, DeviceState *dev);
};

struct BusState {
    Object parent_obj;
    DeviceState *parent;         /* NULL for the system bus */
    char *name;                  /* "isa", "pci.0" */
    GQueue children;             /* DeviceState *, in plug order */
    bool realized;
};

OBJECT_DECLARE_TYPE(DeviceState, DeviceClass, DEVICE)
#define BUS(obj) OBJECT_CHECK(BusState, (obj), TYPE_BUS)
#define BUS_CLASS(klass) OBJECT_CLASS_CHECK(BusClass, (klass), TYPE_BUS)
#define BUS_GET_CLASS(obj) OBJECT_GET_CLASS(BusClass, (obj), TYPE_BUS)

/* ---- life cycle ---- */

/* NULL (errp set) for an unknown, abstract or non-device type. */
CC_API DeviceState *device_new_checked(const char *typename, Error **errp);
CC_API DeviceState *device_new(const char *typename);
/* The address space dev's DMA goes to: the view of memory its bus gives it
 * (system memory for system-bus and ISA devices).  Use it, not
 * address_space_memory(), for every access a device makes on its own. */
CC_API AddressSpace *device_dma_address_space(DeviceState *dev);
/* Plug into bus (NULL: the system bus) and realize.  On failure the device
 * is unplugged again and errp says why. */
CC_API bool device_realize(DeviceState *dev, BusState *bus, Error **errp);
CC_API void device_unrealize(DeviceState *dev);
/* Reset dev, then every device on its child buses. */
CC_API void device_cold_reset(DeviceState *dev);
CC_API void bus_cold_reset(BusState *bus);
CC_API const char *device_get_id(const DeviceState *dev);
CC_API void device_set_id(DeviceState *dev, const char *id);

/* ---- buses ---- */

/* Create a bus of type typename owned by parent (NULL: no parent) and
 * named name (NULL: "<parent id>.0"). */
CC_API BusState *bus_new(const char *typename, DeviceState *parent, const char *name);
/* The system bus, root of the device tree. */
CC_API BusState *sysbus_get_default(void);
/* Find a bus by name anywhere under the system bus. */
CC_API BusState *bus_find(const char *name);
CC_API DeviceState *bus_find_device(BusState *bus, const char *id);
/* Find a realized device by id anywhere in the tree. */
CC_API DeviceState *device_find_by_id(const char *id);
CC_API int bus_foreach_device(BusState *bus, int (*fn)(DeviceState *dev, void *opaque),
                              void *opaque);

/* ---- GPIO / IRQ lines ---- */

CC_API void device_init_gpio_in_named(DeviceState *dev, IRQHandler handler,
                                      const char *name, int n);
static inline void device_init_gpio_in(DeviceState *dev, IRQHandler handler, int n)
{
    device_init_gpio_in_named(dev, handler, NULL, n);
}
/* pins[0..n-1] are the device's output pointers; connecting an output
 * stores the target input there. */
CC_API void device_init_gpio_out_named(DeviceState *dev, IRQState **pins,
                                       const char *name, int n);
static inline void device_init_gpio_out(DeviceState *dev, IRQState **pins, int n)
{
    device_init_gpio_out_named(dev, pins, NULL, n);
}
/* NULL when there is no such line. */
CC_API IRQState *device_get_gpio_in_named(DeviceState *dev, const char *name, int n);
static inline IRQState *device_get_gpio_in(DeviceState *dev, int n)
{
    return device_get_gpio_in_named(dev, NULL, n);
}
/* Wire output name[n] to input.  A second connection of the same output
 * fans out.  Fails when the output does not exist. */
CC_API bool device_connect_gpio_out_named(DeviceState *dev, const char *name, int n,
                                          IRQState *input, Error **errp);
static inline bool device_connect_gpio_out(DeviceState *dev, int n, IRQState *input,
                                           Error **errp)
{
    return device_connect_gpio_out_named(dev, NULL, n, input, errp);
}
/* Number of lines in a named input (is_out false) or output list; -1 when
 * there is none of that name. */
CC_API int device_gpio_count(DeviceState *dev, const char *name, bool is_out);
/* The names of a device's GPIO lists, for error messages and help:
 * "in[16], intr, a20" style.  g_free the result. */
CC_API char *device_gpio_describe(DeviceState *dev, bool is_out);

/* Parse "name[n]" / "name" (index 0) / "[n]" (the default line).  Sets
 * *name to a g_malloc'd string or NULL for the default line. */
CC_API bool device_parse_gpio_ref(const char *text, char **name, int *n, Error **errp);

#endif
