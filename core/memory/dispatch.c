/*
 * Guest accesses through an address space: RAM and ROM by copying, I/O
 * through the region's ops with access-size adjustment, unassigned space as
 * all ones.  address_space_ld/st are the path of every MMIO and port access
 * of the CPU: no allocation, no hashing, no locking below them.
 *
 * Byte order.  Guest values are little-endian (x86): byte i of a value of
 * an access at A is the byte at address A+i.  A DEVICE_BIG_ENDIAN region's
 * handlers see the value byte-swapped as a whole: in a handler word of s
 * bytes at W, the byte at address W+k is bits 8*(s-1-k) (little-endian
 * regions: bits 8*k).  When an access is split or widened, bytes are
 * matched by address, so a big-endian region split into byte accesses still
 * gives the guest the byte at A+i in bits 8*i.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/log.h>
#include "memory-internal.h"

/* ---- small helpers ---- */

static inline uint64_t size_mask(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (UINT64_C(1) << (size * 8)) - 1;
}

static inline uint64_t pow2floor(uint64_t v)
{
    return v ? UINT64_C(1) << (63 - __builtin_clzll(v)) : 0;
}

/* Little-endian loads and stores of 1..8 bytes of host memory; the usual
 * sizes compile to single moves. */
static inline uint64_t load_le(const uint8_t *p, unsigned size)
{
    uint16_t w;
    uint32_t l;
    uint64_t q;

    switch (size) {
    case 1: return p[0];
    case 2: memcpy(&w, p, 2); return GUINT16_FROM_LE(w);
    case 4: memcpy(&l, p, 4); return GUINT32_FROM_LE(l);
    case 8: memcpy(&q, p, 8); return GUINT64_FROM_LE(q);
    default:
        q = 0;
        for (unsigned i = size; i-- > 0;) {
            q = (q << 8) | p[i];
        }
        return q;
    }
}

static inline void store_le(uint8_t *p, uint64_t v, unsigned size)
{
    uint16_t w;
    uint32_t l;

    switch (size) {
    case 1: p[0] = (uint8_t)v; return;
    case 2: w = GUINT16_TO_LE((uint16_t)v); memcpy(p, &w, 2); return;
    case 4: l = GUINT32_TO_LE((uint32_t)v); memcpy(p, &l, 4); return;
    case 8: v = GUINT64_TO_LE(v); memcpy(p, &v, 8); return;
    default:
        for (unsigned i = 0; i < size; i++) {
            p[i] = (uint8_t)(v >> (8 * i));
        }
    }
}

static uint64_t bswap_n(uint64_t v, unsigned size)
{
    switch (size) {
    case 1: return v;
    case 2: return GUINT16_SWAP_LE_BE((uint16_t)v);
    case 4: return GUINT32_SWAP_LE_BE((uint32_t)v);
    default: return GUINT64_SWAP_LE_BE(v) >> (64 - 8 * size);
    }
}

/* 0 in an ops size field means 1 (min) or 4 (max); values are powers of
 * two and at most 8 (one uint64_t). */
static inline unsigned ops_min(unsigned v)
{
    return v ? (unsigned)pow2floor(MIN(v, 8u)) : 1;
}

static inline unsigned ops_max(unsigned v)
{
    return v ? (unsigned)pow2floor(MIN(v, 8u)) : 4;
}

/* ---- logging ---- */

static void log_unassigned(const AddressSpace *as, hwaddr addr, uint64_t len,
                           bool is_write, const uint8_t *data)
{
    if (!log_enabled(LOG_UNASSIGNED)) {
        return;
    }
    if (len <= 8) {
        uint64_t v = is_write ? load_le(data, (unsigned)len) : size_mask((unsigned)len);
        log_printf("%s: unassigned %s addr 0x%" PRIx64 " size %" PRIu64
                   " value 0x%" PRIx64 "\n", as->name, is_write ? "write" : "read",
                   addr, len, v);
    } else {
        log_printf("%s: unassigned %s addr 0x%" PRIx64 " size %" PRIu64 "\n",
                   as->name, is_write ? "write" : "read", addr, len);
    }
}

static MemTxResult unassigned_buffer(const AddressSpace *as, hwaddr addr, uint8_t *buf,
                                     uint64_t len, bool is_write)
{
    log_unassigned(as, addr, len, is_write, buf);
    if (!is_write) {
        memset(buf, 0xff, len);
    }
    return MEMTX_DECODE_ERROR;
}

static MemTxResult readonly_write(const AddressSpace *as, const MemoryRegion *mr,
                                  hwaddr addr, uint64_t len)
{
    log_mask(LOG_GUEST_ERROR, "%s: write of %" PRIu64 " bytes at 0x%" PRIx64
             " to read-only region '%s' ignored\n", as->name, len, addr, mr->name);
    return MEMTX_OK;
}

/* ---- handler calls with access-size adjustment ---- */

static inline uint64_t handler_read(const MemoryRegionOps *ops, void *opaque, hwaddr addr,
                                    unsigned size)
{
    /* A register without a read handler floats high, like an undriven
     * ISA data bus. */
    return ops->read ? ops->read(opaque, addr, size) & size_mask(size) : size_mask(size);
}

static inline void handler_write(const MemoryRegionOps *ops, void *opaque, hwaddr addr,
                                 uint64_t val, unsigned size)
{
    if (ops->write) {
        ops->write(opaque, addr, val & size_mask(size), size);
    }
}

/*
 * The general case: cover [addr, addr+size) with handler words of s bytes
 * (aligned to s unless the handler takes unaligned accesses) and move each
 * byte between the guest value and the word by address.  Bytes of a word
 * outside the access are read and dropped, or written as zero.
 */
static void io_access_words(const MemoryRegionOps *ops, void *opaque, hwaddr addr,
                            unsigned size, uint64_t *val, bool is_write, unsigned s)
{
    bool be = ops->endianness == DEVICE_BIG_ENDIAN;
    hwaddr first = ops->impl.unaligned ? addr : addr & ~(hwaddr)(s - 1);
    hwaddr last = addr + (size - 1);
    uint64_t result = 0;

    for (hwaddr w = first;; w += s) {
        hwaddr lo = MAX(w, addr);
        hwaddr hi = (last - w < s) ? last : w + (s - 1);
        uint64_t word = is_write ? 0 : handler_read(ops, opaque, w, s);
        for (hwaddr b = lo; b <= hi; b++) {
            unsigned k = (unsigned)(b - w), j = (unsigned)(b - addr);
            unsigned word_shift = be ? 8 * (s - 1 - k) : 8 * k;
            if (is_write) {
                word |= ((*val >> (8 * j)) & 0xff) << word_shift;
            } else {
                result |= ((word >> word_shift) & 0xff) << (8 * j);
            }
        }
        if (is_write) {
            handler_write(ops, opaque, w, word, s);
        }
        if (hi == last) {
            break;
        }
    }
    if (!is_write) {
        *val = result;
    }
}

static void io_access_adjusted(const MemoryRegionOps *ops, void *opaque, hwaddr addr,
                               unsigned size, uint64_t *val, bool is_write)
{
    unsigned min = ops_min(ops->impl.min_access_size);
    unsigned max = MAX(ops_max(ops->impl.max_access_size), min);
    unsigned s = MIN(MAX(size, min), max);

    if (cc_likely(s == size && (ops->impl.unaligned || (addr & (s - 1)) == 0))) {
        bool be = ops->endianness == DEVICE_BIG_ENDIAN;
        if (is_write) {
            handler_write(ops, opaque, addr, be ? bswap_n(*val, size) : *val, size);
        } else {
            uint64_t v = handler_read(ops, opaque, addr, size);
            *val = be ? bswap_n(v, size) : v;
        }
        return;
    }
    io_access_words(ops, opaque, addr, size, val, is_write, s);
}

static bool access_valid(const MemoryRegionOps *ops, hwaddr offset, unsigned size)
{
    unsigned min = ops_min(ops->valid.min_access_size);
    unsigned max = ops_max(ops->valid.max_access_size);
    if (size < min || size > max) {
        return false;
    }
    return ops->valid.unaligned || (offset & (size - 1)) == 0;
}

/* One access of size bytes (1..8) at addr, inside fr, to an I/O region or
 * a ROM device's write side. */
static MemTxResult io_access(AddressSpace *as, const FlatRange *fr, hwaddr addr,
                             uint64_t *val, unsigned size, bool is_write)
{
    /* Copy what is needed: a handler may change the map and free fr. */
    MemoryRegion *mr = fr->mr;
    const MemoryRegionOps *ops = mr->ops;
    MemReentrancyGuard *guard = fr->guard;
    hwaddr offset = fr->offset_in_region + (addr - fr->start);

    if (!ops) {
        uint8_t bytes[8];
        store_le(bytes, *val, size);
        MemTxResult r = unassigned_buffer(as, addr, bytes, size, is_write);
        *val = load_le(bytes, size);
        return r;
    }
    if (!access_valid(ops, offset, size)) {
        log_mask(LOG_GUEST_ERROR, "%s: invalid %s of size %u at 0x%" PRIx64
                 " (region '%s' offset 0x%" PRIx64 ") refused\n", as->name,
                 is_write ? "write" : "read", size, addr, mr->name, offset);
        if (!is_write) {
            *val = size_mask(size);
        }
        return MEMTX_ACCESS_ERROR;
    }
    if (guard) {
        if (guard->engaged_in_io) {
            log_mask(LOG_GUEST_ERROR, "DMA re-entrancy blocked: %s %s of size %u at 0x%"
                     PRIx64 " into region '%s' while its device is handling an access\n",
                     as->name, is_write ? "write" : "read", size, addr, mr->name);
            if (!is_write) {
                *val = size_mask(size);
            }
            return MEMTX_ACCESS_ERROR;
        }
        guard->engaged_in_io = true;
    }
    io_access_adjusted(ops, mr->opaque, offset, size, val, is_write);
    if (guard) {
        guard->engaged_in_io = false;
    }
    return MEMTX_OK;
}

/* One access that lies entirely inside fr. */
static MemTxResult flat_range_access(AddressSpace *as, const FlatRange *fr, hwaddr addr,
                                     uint64_t *val, unsigned size, bool is_write)
{
    if (fr->host) {
        uint8_t *p = fr->host + (addr - fr->start);
        if (!is_write) {
            *val = load_le(p, size);
            return MEMTX_OK;
        }
        if (!fr->readonly) {
            store_le(p, *val, size);
            memory_notify_ram_write(as, fr, addr, size);
            return MEMTX_OK;
        }
        if (!fr->mr->rom_device) {
            return readonly_write(as, fr->mr, addr, size);
        }
    }
    return io_access(as, fr, addr, val, size, is_write);
}

/* The largest access the guest could make at offset with at most len
 * bytes: within valid.max, aligned unless valid.unaligned, a power of 2. */
static unsigned io_chunk_size(const MemoryRegionOps *ops, hwaddr offset, uint64_t len)
{
    uint64_t n = MIN(len, (uint64_t)(ops ? ops_max(ops->valid.max_access_size) : 8));
    if (ops && !ops->valid.unaligned && offset) {
        n = MIN(n, offset & -offset);
    }
    return (unsigned)pow2floor(n);
}

/* ---- the API ---- */

MemTxResult address_space_rw(AddressSpace *as, hwaddr addr, void *buf, hwaddr len,
                             bool is_write)
{
    uint8_t *p = buf;
    MemTxResult r = MEMTX_OK;

    while (len > 0) {
        /* Looked up afresh each time: a handler may have changed the map. */
        FlatView *fv = as->current_map;
        const FlatRange *fr = flatview_lookup_cached(fv, addr);
        uint64_t l;

        if (!fr) {
            unsigned next = flatview_next_index(fv, addr);
            uint64_t gap = next < fv->nr ? fv->ranges[next].start - addr
                                         : (addr ? (uint64_t)0 - addr : UINT64_MAX);
            l = MIN(len, gap);
            r |= unassigned_buffer(as, addr, p, l, is_write);
        } else {
            l = MIN(len, flat_range_remaining(fr, addr));
            if (fr->host && (!is_write || !fr->readonly)) {
                uint8_t *host = fr->host + (addr - fr->start);
                if (is_write) {
                    memcpy(host, p, l);
                    memory_notify_ram_write(as, fr, addr, l);
                } else {
                    memcpy(p, host, l);
                }
            } else if (is_write && fr->readonly && !fr->mr->rom_device) {
                r |= readonly_write(as, fr->mr, addr, l);
            } else {
                hwaddr offset = fr->offset_in_region + (addr - fr->start);
                unsigned n = io_chunk_size(fr->mr->ops, offset, l);
                uint64_t v = is_write ? load_le(p, n) : 0;
                r |= io_access(as, fr, addr, &v, n, is_write);
                if (!is_write) {
                    store_le(p, v, n);
                }
                l = n;
            }
        }
        p += l;
        len -= l;
        addr += l;
        if (len > 0 && addr == 0) {
            /* Wrapped past 2^64: nothing is there. */
            r |= unassigned_buffer(as, addr, p, len, is_write);
            break;
        }
    }
    return r;
}

MemTxResult address_space_read(AddressSpace *as, hwaddr addr, void *buf, hwaddr len)
{
    return address_space_rw(as, addr, buf, len, false);
}

MemTxResult address_space_write(AddressSpace *as, hwaddr addr, const void *buf, hwaddr len)
{
    /* The write path never stores through buf. */
    return address_space_rw(as, addr, (void *)buf, len, true);
}

MemTxResult address_space_write_rom(AddressSpace *as, hwaddr addr, const void *buf,
                                    hwaddr len)
{
    const uint8_t *p = buf;
    MemTxResult r = MEMTX_OK;
    while (len) {
        const FlatRange *fr = flatview_lookup(as->current_map, addr);
        uint64_t n = fr ? MIN(flat_range_remaining(fr, addr), len) : 1;
        if (fr && fr->host) {
            memcpy(fr->host + (addr - fr->start), p, n);
            memory_notify_region_write(fr->mr, fr->offset_in_region + (addr - fr->start), n);
        } else {
            r = MEMTX_DECODE_ERROR;
        }
        addr += n;
        p += n;
        len -= n;
    }
    return r;
}

/* One guest access of 1, 2, 4 or 8 bytes: straight to its range when it
 * fits in one, else byte-wise through address_space_rw (which splits at
 * range boundaries). */
static MemTxResult single_access(AddressSpace *as, hwaddr addr, uint64_t *val,
                                 unsigned size, bool is_write)
{
    const FlatRange *fr = flatview_lookup_cached(as->current_map, addr);
    if (cc_likely(fr && flat_range_remaining(fr, addr) >= size)) {
        return flat_range_access(as, fr, addr, val, size, is_write);
    }
    uint8_t bytes[8];
    store_le(bytes, *val, size);
    MemTxResult r = address_space_rw(as, addr, bytes, size, is_write);
    *val = load_le(bytes, size);
    return r;
}

static inline bool access_size_ok(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

uint64_t address_space_ld(AddressSpace *as, hwaddr addr, unsigned size, MemTxResult *result)
{
    uint64_t val = 0;
    g_return_val_if_fail(access_size_ok(size), 0);
    MemTxResult r = single_access(as, addr, &val, size, false);
    if (result) {
        *result = r;
    }
    return val;
}

void address_space_st(AddressSpace *as, hwaddr addr, uint64_t val, unsigned size,
                      MemTxResult *result)
{
    g_return_if_fail(access_size_ok(size));
    val &= size_mask(size);
    MemTxResult r = single_access(as, addr, &val, size, true);
    if (result) {
        *result = r;
    }
}

MemTxResult address_space_set(AddressSpace *as, hwaddr addr, uint8_t c, hwaddr len)
{
    uint8_t chunk[256];
    MemTxResult r = MEMTX_OK;

    memset(chunk, c, sizeof(chunk));
    while (len > 0) {
        const FlatRange *fr = flatview_lookup_cached(as->current_map, addr);
        hwaddr n;
        if (fr && fr->host && !fr->readonly) {
            /* Writable RAM: fill it in place, however large. */
            n = MIN(len, flat_range_remaining(fr, addr));
            memset(fr->host + (addr - fr->start), c, n);
            memory_notify_ram_write(as, fr, addr, n);
        } else {
            n = MIN(len, (hwaddr)sizeof(chunk));
            r |= address_space_write(as, addr, chunk, n);
        }
        addr += n;
        len -= n;
        if (len > 0 && addr == 0) {
            /* Wrapped past 2^64: nothing is there. */
            r |= MEMTX_DECODE_ERROR;
            break;
        }
    }
    return r;
}
