/*
 * Address spaces: the system memory and I/O port roots, and any private
 * ones a test or device creates; plus the port I/O shorthands.
 *
 * SPDX-License-Identifier: MIT
 */
#include "memory-internal.h"

static MemoryRegion system_memory;
static MemoryRegion system_io;
static AddressSpace *as_memory;
static AddressSpace *as_io;

/* The x86 I/O port space is 64 KiB (Intel SDM vol. 1, 18.3 "I/O Address
 * Space"). */
#define IO_SPACE_SIZE 0x10000

void memory_init(void)
{
    if (as_memory) {
        return;
    }
    /* UINT64_MAX is the region convention for a full 2^64 bytes. */
    memory_region_init(&system_memory, NULL, "system", UINT64_MAX);
    memory_region_init(&system_io, NULL, "io", IO_SPACE_SIZE);
    as_memory = address_space_new(&system_memory, "memory");
    as_io = address_space_new(&system_io, "io");
}

MemoryRegion *memory_get_system_memory(void)
{
    memory_init();
    return &system_memory;
}

MemoryRegion *memory_get_system_io(void)
{
    memory_init();
    return &system_io;
}

AddressSpace *address_space_memory(void)
{
    memory_init();
    return as_memory;
}

AddressSpace *address_space_io(void)
{
    memory_init();
    return as_io;
}

AddressSpace *address_space_new(MemoryRegion *root, const char *name)
{
    AddressSpace *as = g_new0(AddressSpace, 1);
    as->name = g_strdup(name ? name : "anonymous");
    as->root = root;
    as->current_map = flatview_render(root);
    address_space_register(as);
    return as;
}

void address_space_destroy(AddressSpace *as)
{
    if (!as) {
        return;
    }
    g_return_if_fail(as != as_memory && as != as_io);
    address_space_unregister(as);
    flatview_unref(as->current_map);
    g_free(as->bounce_buffer);
    g_free(as->name);
    g_free(as);
}

/* ---- port I/O ---- */

uint32_t cpu_inb(uint16_t port)
{
    return (uint32_t)address_space_ld(address_space_io(), port, 1, NULL);
}

uint32_t cpu_inw(uint16_t port)
{
    return (uint32_t)address_space_ld(address_space_io(), port, 2, NULL);
}

uint32_t cpu_inl(uint16_t port)
{
    return (uint32_t)address_space_ld(address_space_io(), port, 4, NULL);
}

void cpu_outb(uint16_t port, uint32_t val)
{
    address_space_st(address_space_io(), port, val & 0xff, 1, NULL);
}

void cpu_outw(uint16_t port, uint32_t val)
{
    address_space_st(address_space_io(), port, val & 0xffff, 2, NULL);
}

void cpu_outl(uint16_t port, uint32_t val)
{
    address_space_st(address_space_io(), port, val, 4, NULL);
}
