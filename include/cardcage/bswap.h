/*
 * cardcage plugin SDK: loads and stores of little- and big-endian values at
 * any (unaligned) address, for descriptors, tables and DMA structures that
 * have a byte order of their own (fw_cfg's big-endian DMA command, the
 * little-endian boot protocol fields).  The host's byte order does not
 * matter; the compiler turns each into one move (and a byte swap).
 *
 *   cc_ld_le16(p) cc_ld_le32(p) cc_ld_le64(p)   read  from p
 *   cc_ld_be16(p) cc_ld_be32(p) cc_ld_be64(p)
 *   cc_st_le16(p, v) ... cc_st_be64(p, v)       write v to p
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_BSWAP_H
#define CARDCAGE_BSWAP_H

#include <stdint.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define CC_HOST_BIG_ENDIAN 1
#else
#define CC_HOST_BIG_ENDIAN 0
#endif

/* One load and one store per width; le converts when the host is big-endian,
 * be when it is little-endian. */
#define CC_BSWAP_DEFINE(bits, order, swap_if)                                     \
    static inline uint##bits##_t cc_ld_##order##bits(const void *p)              \
    {                                                                             \
        uint##bits##_t v;                                                         \
        memcpy(&v, p, sizeof(v));                                                 \
        return (swap_if) ? __builtin_bswap##bits(v) : v;                          \
    }                                                                             \
    static inline void cc_st_##order##bits(void *p, uint##bits##_t v)            \
    {                                                                             \
        v = (swap_if) ? __builtin_bswap##bits(v) : v;                             \
        memcpy(p, &v, sizeof(v));                                                 \
    }

CC_BSWAP_DEFINE(16, le, CC_HOST_BIG_ENDIAN)
CC_BSWAP_DEFINE(32, le, CC_HOST_BIG_ENDIAN)
CC_BSWAP_DEFINE(64, le, CC_HOST_BIG_ENDIAN)
CC_BSWAP_DEFINE(16, be, !CC_HOST_BIG_ENDIAN)
CC_BSWAP_DEFINE(32, be, !CC_HOST_BIG_ENDIAN)
CC_BSWAP_DEFINE(64, be, !CC_HOST_BIG_ENDIAN)

#undef CC_BSWAP_DEFINE

#endif
