/*
 * Mapping a device's region into its bus's space, with the checks every bus
 * needs: a region that runs past the end of the space or overlaps what
 * another device mapped there at the same priority is a configuration
 * error that would otherwise leave one device silently unreachable.
 *
 * SPDX-License-Identifier: MIT
 */
#include "device/device-internal.h"
#include "memory/memory-internal.h"

/* "device 'com1' (isa-serial)", or "a 'isa-serial'" without an id; "the
 * core" for a region without an owner. */
static char *describe_owner(Object *owner)
{
    if (!owner) {
        return g_strdup("the core");
    }
    DeviceState *d = (DeviceState *)object_dynamic_cast(owner, TYPE_DEVICE);
    const char *id = d ? device_get_id(d) : NULL;
    if (id) {
        return g_strdup_printf("device '%s' (%s)", id, object_get_typename(owner));
    }
    return g_strdup_printf("a '%s'", object_get_typename(owner));
}

bool device_map_region(DeviceState *dev, MemoryRegion *space, MemoryRegion *mr, hwaddr addr,
                       int priority, const char *what, Error **errp)
{
    uint64_t size = memory_region_size(mr);
    uint64_t room = memory_region_size(space);
    /* room UINT64_MAX is the whole 64-bit space: nothing runs past it. */
    if (room != UINT64_MAX && (size > room || addr > room - size)) {
        error_setg(errp, "%s 0x%" PRIx64 "-0x%" PRIx64 " (region '%s') run past the end of "
                   "the bus, 0x%" PRIx64, what, addr, addr + size - 1,
                   memory_region_name(mr), room - 1);
        return false;
    }
    MemoryRegion *other = memory_region_find_overlap(space, addr, size, priority);
    if (other && size) {
        char *me = describe_owner(OBJECT(dev));
        char *them = describe_owner(other->owner);
        error_setg(errp, "%s 0x%" PRIx64 "-0x%" PRIx64 " of %s overlap %s 0x%" PRIx64 "-0x%"
                   PRIx64 " of %s (region '%s')", what, addr, addr + size - 1, me, what,
                   other->addr, other->addr + (memory_region_size(other) - 1), them,
                   memory_region_name(other));
        g_free(me);
        g_free(them);
        return false;
    }
    memory_region_add_subregion_overlap(space, addr, mr, priority);
    return true;
}

