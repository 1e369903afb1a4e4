/*
 * Helpers shared by the memory unit tests: a private address space per
 * test, a register-file device that records every handler call, and
 * capture of the -d log.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MEM_TEST_UTIL_H
#define MEM_TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <cardcage/cardcage.h>
#include "memory/memory-internal.h"

/* A 64 KiB root container and an address space over it. */
typedef struct TestSpace {
    MemoryRegion root;
    AddressSpace *as;
} TestSpace;

TestSpace *test_space_new(void);
void test_space_free(TestSpace *ts);

typedef struct TestAccess {
    bool is_write;
    hwaddr addr;
    unsigned size;
    uint64_t val;
} TestAccess;

/*
 * An I/O region over a byte array: a handler read of size s at a returns
 * regs[a..a+s) composed in the region's byte order, a write stores them
 * back.  Every handler call is recorded.  ops.endianness/valid/impl come
 * from the template given to test_dev_init.
 */
typedef struct TestDev {
    MemoryRegion mr;
    MemoryRegionOps ops;
    uint8_t regs[64];
    TestAccess log[32];
    int nlog;
    /* Called inside the handler (after recording), for re-entrancy tests. */
    void (*on_access)(struct TestDev *d, bool is_write, hwaddr addr);
    void *user;
} TestDev;

void test_dev_init(TestDev *d, Object *owner, const char *name, uint64_t size,
                   const MemoryRegionOps *tmpl);
void test_dev_fill(TestDev *d);   /* regs[i] = 0x10 + i */

/* Log capture into a temporary file.  log_capture_start sets the mask;
 * log_capture_take returns what was logged since (g_free it) and starts
 * afresh. */
void log_capture_start(unsigned mask);
char *log_capture_take(void);
void log_capture_stop(void);

/* Flat-view inspection: the name of the region at addr and its offset, or
 * NULL when unassigned. */
const char *flat_name_at(AddressSpace *as, hwaddr addr, hwaddr *offset);

#endif
