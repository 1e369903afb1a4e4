/*
 * cardcage plugin SDK: the memory bus.
 *
 * A MemoryRegion is one of:
 *   RAM        host memory the guest reads and writes directly;
 *   ROM        host memory the guest reads; guest writes are ignored;
 *   I/O        a device's registers: accesses call its MemoryRegionOps;
 *   container  holds subregions, mapped at offsets with priorities;
 *   alias      a window onto a range of another region.
 *
 * Subregions are mapped at an offset inside a container.  Where two overlap,
 * the one with the higher priority is seen; two siblings that overlap at the
 * *same* priority are a configuration error, reported by
 * memory_region_check_overlaps (the board loader calls it after realizing
 * each device).  Unassigned space reads as all ones and ignores writes
 * (-d unassigned logs both).
 *
 * An AddressSpace is a root region seen through a flattened view: a sorted
 * array of ranges rebuilt only when the map changes, so a lookup costs
 * O(log n).  There are two: system memory (64-bit API, 32-bit physical for
 * now) and the 64 KiB I/O port space.
 *
 * Access sizes.  `valid` says which accesses the *guest* may make (others are
 * refused as if unassigned, and logged under guest_errors); `impl` says which
 * the *handlers* can take.  An access outside impl's sizes is split into
 * several (a 4-byte read of a 1-byte region is four reads at consecutive
 * addresses, assembled little-endian, or big-endian for DEVICE_BIG_ENDIAN
 * regions) or widened to impl.min_access_size (a narrower write is passed
 * zero-extended; a narrower read extracts its bytes).  0 in a min/max means
 * 1/4 bytes.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_MEMORY_H
#define CARDCAGE_MEMORY_H

#include <cardcage/object.h>

typedef struct MemoryRegion MemoryRegion;
typedef struct MemoryRegionOps MemoryRegionOps;
typedef struct AddressSpace AddressSpace;
typedef struct FlatView FlatView;
typedef struct MemoryDirtyMap MemoryDirtyMap;

typedef enum {
    DEVICE_NATIVE_ENDIAN,   /* the guest's: little-endian on x86 */
    DEVICE_LITTLE_ENDIAN,
    DEVICE_BIG_ENDIAN,
} device_endian;

typedef enum {
    MEMTX_OK = 0,
    MEMTX_ERROR = 1 << 0,         /* device or bus error */
    MEMTX_DECODE_ERROR = 1 << 1,  /* nothing mapped there */
    MEMTX_ACCESS_ERROR = 1 << 2,  /* refused: bad size, or DMA re-entrancy */
} MemTxResult;

struct MemoryRegionOps {
    uint64_t (*read)(void *opaque, hwaddr addr, unsigned size);
    void (*write)(void *opaque, hwaddr addr, uint64_t data, unsigned size);
    device_endian endianness;
    struct {
        unsigned min_access_size;  /* 0 = 1 */
        unsigned max_access_size;  /* 0 = 4 */
        bool unaligned;            /* the guest may access unaligned */
    } valid;
    struct {
        unsigned min_access_size;  /* 0 = 1 */
        unsigned max_access_size;  /* 0 = 4 */
        bool unaligned;            /* the handler takes unaligned accesses */
    } impl;
};

typedef enum {
    MR_KIND_CONTAINER,
    MR_KIND_RAM,
    MR_KIND_ROM,
    MR_KIND_IO,
    MR_KIND_ALIAS,
} MemoryRegionKind;

/*
 * The struct is embedded in device state; treat its fields as private and
 * use the functions below.
 */
struct MemoryRegion {
    MemoryRegionKind kind;
    Object *owner;               /* the device that owns it (re-entrancy guard) */
    char *name;
    uint64_t size;               /* UINT64_MAX means 2^64 */
    const MemoryRegionOps *ops;
    void *opaque;
    uint8_t *ram;                /* RAM/ROM backing, page aligned */
    bool ram_owned;
    bool enabled;
    bool readonly;               /* RAM (or an alias's window) made read-only */
    bool rom_device;             /* ROM read directly, writes go to ops */
    MemoryRegion *container;     /* where it is mapped, or NULL */
    hwaddr addr;                 /* offset in container */
    int priority;
    MemoryRegion *alias;
    hwaddr alias_offset;
    GQueue subregions;           /* MemoryRegion*, sorted by priority, highest first */
    bool mapped;
    MemoryDirtyMap *dirty;       /* RAM: the dirty bitmaps of the tracking clients */
};

/* ---- construction (owner may be NULL; the region keeps no reference) ---- */

CC_API void memory_region_init(MemoryRegion *mr, Object *owner, const char *name,
                               uint64_t size);
CC_API void memory_region_init_io(MemoryRegion *mr, Object *owner,
                                  const MemoryRegionOps *ops, void *opaque,
                                  const char *name, uint64_t size);
/* Zero-filled RAM. Fails cleanly when the host can't provide it. */
CC_API bool memory_region_init_ram(MemoryRegion *mr, Object *owner, const char *name,
                                   uint64_t size, Error **errp);
/* RAM over caller-provided memory (not freed with the region). */
CC_API void memory_region_init_ram_ptr(MemoryRegion *mr, Object *owner, const char *name,
                                       uint64_t size, void *ptr);
CC_API bool memory_region_init_rom(MemoryRegion *mr, Object *owner, const char *name,
                                   uint64_t size, Error **errp);
/* Reads come from the ROM's memory; writes go to ops (flash, shadowing). */
CC_API bool memory_region_init_rom_device(MemoryRegion *mr, Object *owner,
                                          const MemoryRegionOps *ops, void *opaque,
                                          const char *name, uint64_t size, Error **errp);
CC_API void memory_region_init_alias(MemoryRegion *mr, Object *owner, const char *name,
                                     MemoryRegion *orig, hwaddr offset, uint64_t size);
/* Unmaps from its container and frees the backing and subregion list. */
CC_API void memory_region_finalize(MemoryRegion *mr);

/* ---- mapping ---- */

CC_API void memory_region_add_subregion(MemoryRegion *mr, hwaddr offset,
                                        MemoryRegion *subregion);
CC_API void memory_region_add_subregion_overlap(MemoryRegion *mr, hwaddr offset,
                                                MemoryRegion *subregion, int priority);
CC_API void memory_region_del_subregion(MemoryRegion *mr, MemoryRegion *subregion);
CC_API void memory_region_set_address(MemoryRegion *mr, hwaddr addr);
CC_API void memory_region_set_enabled(MemoryRegion *mr, bool enabled);
/* RAM, or an alias: the guest's writes through it are ignored. */
CC_API void memory_region_set_readonly(MemoryRegion *mr, bool readonly);
CC_API void memory_region_set_size(MemoryRegion *mr, uint64_t size);
CC_API void memory_region_set_alias_offset(MemoryRegion *mr, hwaddr offset);

/* Group several map changes into one rebuild of the flat views. */
CC_API void memory_region_transaction_begin(void);
CC_API void memory_region_transaction_commit(void);

/* Report the first pair of siblings in the tree under root that overlap at
 * the same priority: "region 'a' [0x...-0x...] overlaps region 'b'
 * [0x...-0x...] at priority 0".  Returns false and sets errp if found. */
CC_API bool memory_region_check_overlaps(MemoryRegion *root, Error **errp);

/* ---- queries ---- */

CC_API const char *memory_region_name(const MemoryRegion *mr);
CC_API uint64_t memory_region_size(const MemoryRegion *mr);
CC_API bool memory_region_is_ram(const MemoryRegion *mr);
CC_API bool memory_region_is_rom(const MemoryRegion *mr);
/* Host pointer to the backing of a RAM/ROM region (NULL otherwise). */
CC_API void *memory_region_get_ram_ptr(MemoryRegion *mr);
/* Report that the device changed [addr, addr+size) of this RAM behind the
 * bus's back (through memory_region_get_ram_ptr): cached translations of
 * code there are dropped and the pages are marked dirty for every client. */
CC_API void memory_region_set_dirty(MemoryRegion *mr, hwaddr addr, hwaddr size);

/* ---- dirty tracking ----
 *
 * Each client asks which pages of RAM (MEMORY_DIRTY_PAGE_SIZE bytes, counted
 * from the start of the RAM region) were written since it last looked, by
 * anyone: the CPU's stores, DMA through address_space_write/map, and devices
 * that call memory_region_set_dirty after writing through a host pointer.
 *
 * memory_dirty_start(client) begins tracking with every page dirty (the
 * client has never looked); memory_region_dirty_snapshot_and_clear() then
 * hands over and clears the bits of a range.  Migration does:
 *
 *     memory_dirty_start(MEMORY_DIRTY_MIGRATION);
 *     repeat:  memory_foreach_ram(address_space_memory(), fn, ...) where fn
 *              snapshots-and-clears the whole region and sends the pages
 *              whose bits are set; stop when few are left, stop the guest,
 *              do a last pass;
 *     memory_dirty_stop(MEMORY_DIRTY_MIGRATION);
 *
 * Tracking is free while no client tracks (the CPU's fast store path is
 * unchanged); while one does, the first CPU write to each clean page takes
 * the CPU's slow path once.  Call from the main loop. */

typedef enum MemoryDirtyClient {
    MEMORY_DIRTY_CODE,          /* the translator's cached code */
    MEMORY_DIRTY_DISPLAY,       /* a display's framebuffer */
    MEMORY_DIRTY_MIGRATION,     /* live migration's RAM passes */
    MEMORY_DIRTY_CLIENTS
} MemoryDirtyClient;

#define MEMORY_DIRTY_PAGE_SIZE 4096u

/* Start tracking (every page dirty); a no-op when already tracking. */
CC_API void memory_dirty_start(MemoryDirtyClient client);
/* Stop tracking and forget the client's bits. */
CC_API void memory_dirty_stop(MemoryDirtyClient client);
CC_API bool memory_dirty_tracking(MemoryDirtyClient client);
/* Whether the page of RAM region mr holding offset was written since the
 * client's last snapshot (true while the client does not track). */
CC_API bool memory_region_dirty_get(MemoryRegion *mr, hwaddr offset,
                                    MemoryDirtyClient client);
/* Copy the client's bits of the pages holding [offset, offset+size) of mr
 * into bitmap (bit k of word k/64 = page offset/MEMORY_DIRTY_PAGE_SIZE + k;
 * the caller provides ceil(pages/64) words) and clear them.  Returns the
 * number of dirty pages.  Not tracking: every page reported dirty. */
CC_API uint64_t memory_region_dirty_snapshot_and_clear(MemoryRegion *mr, hwaddr offset,
                                                       hwaddr size, MemoryDirtyClient client,
                                                       uint64_t *bitmap);
/* Call fn once for every RAM region mapped in as (aliases included once). */
CC_API void memory_foreach_ram(AddressSpace *as, void (*fn)(MemoryRegion *mr, void *opaque),
                               void *opaque);

/* ---- the two address spaces ---- */

CC_API MemoryRegion *memory_get_system_memory(void);
CC_API MemoryRegion *memory_get_system_io(void);
CC_API AddressSpace *address_space_memory(void);
CC_API AddressSpace *address_space_io(void);

/* A new address space over root (for tests, or a device's private bus). */
CC_API AddressSpace *address_space_new(MemoryRegion *root, const char *name);
CC_API void address_space_destroy(AddressSpace *as);

/* ---- accesses (DMA and everything that is not the CPU's fast path) ----
 *
 * Reads of unassigned space fill with 0xff and return MEMTX_DECODE_ERROR.
 * An access that would enter an I/O region of a device that is itself in
 * the middle of handling an access (a device DMAing into its own registers)
 * is refused with MEMTX_ACCESS_ERROR instead of recursing.  Writes into RAM
 * that holds translated code invalidate that code. */
CC_API MemTxResult address_space_read(AddressSpace *as, hwaddr addr, void *buf,
                                      hwaddr len);
CC_API MemTxResult address_space_write(AddressSpace *as, hwaddr addr, const void *buf,
                                       hwaddr len);
CC_API MemTxResult address_space_rw(AddressSpace *as, hwaddr addr, void *buf, hwaddr len,
                                    bool is_write);
/* Single little-endian accesses of 1, 2, 4 or 8 bytes. */
CC_API uint64_t address_space_ld(AddressSpace *as, hwaddr addr, unsigned size,
                                 MemTxResult *result);
CC_API void address_space_st(AddressSpace *as, hwaddr addr, uint64_t val, unsigned size,
                             MemTxResult *result);
/* Fill len bytes with c. */
CC_API MemTxResult address_space_set(AddressSpace *as, hwaddr addr, uint8_t c, hwaddr len);

/* Map [addr, addr+*plen) for direct access.  For RAM, returns a host pointer
 * and may shorten *plen to the contiguous part.  For anything else returns a
 * bounce buffer (one at a time per address space; NULL if busy) whose
 * contents are read in now (is_write false) or written out at unmap.  Every
 * map must be unmapped with the length actually accessed. */
CC_API void *address_space_map(AddressSpace *as, hwaddr addr, hwaddr *plen, bool is_write);
/* The direct part of address_space_map: a host pointer into RAM (or ROM
 * when !is_write) for [addr, addr+*plen), *plen shortened to the
 * contiguous part; NULL (and *plen 0) for anything else, never a bounce
 * buffer, so a caller can hand the pointer to another thread and fall back
 * to address_space_read/write itself.  Unmap with address_space_unmap
 * (which reports DMA writes to the translated-code and dirty trackers).
 * Since ABI 2.5. */
CC_API void *address_space_map_direct(AddressSpace *as, hwaddr addr, hwaddr *plen,
                                      bool is_write);
CC_API void address_space_unmap(AddressSpace *as, void *buffer, hwaddr len, bool is_write,
                                hwaddr access_len);

/* Port I/O shorthands on address_space_io(). */
CC_API uint32_t cpu_inb(uint16_t port);
CC_API uint32_t cpu_inw(uint16_t port);
CC_API uint32_t cpu_inl(uint16_t port);
CC_API void cpu_outb(uint16_t port, uint32_t val);
CC_API void cpu_outw(uint16_t port, uint32_t val);
CC_API void cpu_outl(uint16_t port, uint32_t val);

#endif
