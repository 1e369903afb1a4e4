/*
 * The raw CD-ROM sector of a Mode 1 data track, as a drive reads it off
 * the disc before error correction (ECMA-130, 2nd edition, 14.3 and
 * annexes A and B): 12 bytes of sync, a 4-byte header (the sector's
 * absolute address in BCD minutes/seconds/frames and the mode byte),
 * 2048 bytes of user data, a 4-byte EDC, 8 zero bytes, then 172 bytes of
 * P parity and 104 bytes of Q parity (the RSPC code).  A disc image holds
 * only the user data; READ CD asks for the rest, so it is rebuilt here.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "ide.h"

/* Byte offsets in the 2352-byte sector (ECMA-130 14.3, figure 10). */
#define OFF_HEADER 12
#define OFF_DATA   16
#define OFF_EDC    2064
#define OFF_P      2076
#define OFF_Q      2248

/* ---- GF(2^8) with the field generator x^8 + x^4 + x^3 + x^2 + 1 and
 * primitive element alpha = x (ECMA-130 annex A) ---- */

typedef struct GFTables {
    uint8_t exp[512];           /* alpha^i, doubled so a sum of logs needs no modulo */
    uint8_t log[256];
} GFTables;

static GFTables gf;

static void gf_init(void)
{
    if (gf.exp[0]) {
        return;
    }
    unsigned v = 1;
    for (int i = 0; i < 255; i++) {
        gf.exp[i] = gf.exp[i + 255] = v;
        gf.log[v] = i;
        v <<= 1;
        if (v & 0x100) {
            v ^= 0x11d;
        }
    }
    gf.exp[510] = gf.exp[0];
    gf.exp[511] = gf.exp[1];
}

static uint8_t gf_mul(uint8_t a, uint8_t b)
{
    return a && b ? gf.exp[gf.log[a] + gf.log[b]] : 0;
}

static uint8_t gf_div(uint8_t a, uint8_t b)
{
    /* b is never 0 here (the only divisor is 1 + alpha). */
    return a ? gf.exp[gf.log[a] + 255 - gf.log[b]] : 0;
}

/*
 * One RSPC code word over GF(2^8): n - 2 bytes of the sector, read from
 * base + k * step (k = 0..n-3, indices modulo wrap), and the two parity
 * bytes stored at par0 and par1.  The parity check matrix of both the P
 * (n = 26) and the Q code (n = 45) is
 *     [ 1          1          ...  1     1 ]
 *     [ alpha^n-1  alpha^n-2  ...  alpha 1 ]
 * so with S0 the sum of the data bytes and S1 = sum d_k alpha^(n-1-k),
 * the parity bytes p0, p1 (positions n-2, n-1) solve
 *     p0 + p1 = S0,  alpha p0 + p1 = S1   =>   p0 = (S0 + S1) / (1 + alpha).
 */
static void rspc_word(const uint8_t *v, unsigned base, unsigned step, unsigned wrap, unsigned n,
                      uint8_t *par0, uint8_t *par1)
{
    uint8_t s0 = 0, s1 = 0;
    unsigned idx = base;
    for (unsigned k = 0; k < n - 2; k++) {
        uint8_t d = v[idx];
        s0 ^= d;
        /* Horner: after the last data byte s1 holds sum d_k alpha^(n-2-k). */
        s1 = gf_mul(s1 ^ d, 2);
        idx += step;
        if (idx >= wrap) {
            idx -= wrap;
        }
    }
    s1 = gf_mul(s1, 2);                 /* the matrix row's alpha^(n-1-k) */
    uint8_t p0 = gf_div(s0 ^ s1, 3);
    *par0 = p0;
    *par1 = p0 ^ s0;
}

/*
 * The P and Q parity (ECMA-130 annex A).  The bytes from the header on
 * (offset 12) are 16-bit words, each with two byte planes (even and odd
 * offsets) coded separately.  P: 43 columns per plane of 24 words taken 43
 * words apart; its parity words follow the 1032 data words.  Q: 26
 * diagonals per plane of 43 words taken 44 words apart modulo 1118 (data
 * and P), its parity after P.
 */
static void rspc_encode(uint8_t *sector)
{
    uint8_t *v = sector + OFF_HEADER;
    for (unsigned plane = 0; plane < 2; plane++) {
        for (unsigned col = 0; col < 43; col++) {
            unsigned b = 2 * col + plane;
            rspc_word(v, b, 2 * 43, 2 * 1032, 26, &v[2 * 1032 + b], &v[2 * 1075 + b]);
        }
        for (unsigned diag = 0; diag < 26; diag++) {
            unsigned b = 2 * diag + plane;
            rspc_word(v, 2 * 43 * diag + plane, 2 * 44, 2 * 1118, 45,
                      &v[2 * 1118 + b], &v[2 * 1144 + b]);
        }
    }
}

/* ---- EDC (ECMA-130 annex B): a 32-bit CRC with the generator
 * (x^16 + x^15 + x^2 + 1)(x^16 + x^2 + x + 1), bits taken least
 * significant first, no preset and no final inversion; stored least
 * significant byte first. ---- */

#define EDC_POLY_REFLECTED 0xd8018001u     /* x^32+x^31+x^16+x^15+x^4+x^3+x+1, bit-reversed */

static uint32_t edc_table[256];

static void edc_init(void)
{
    if (edc_table[1]) {
        return;
    }
    for (unsigned i = 0; i < 256; i++) {
        uint32_t r = i;
        for (int k = 0; k < 8; k++) {
            r = r & 1 ? (r >> 1) ^ EDC_POLY_REFLECTED : r >> 1;
        }
        edc_table[i] = r;
    }
}

static uint32_t edc_compute(const uint8_t *p, size_t len)
{
    uint32_t r = 0;
    for (size_t i = 0; i < len; i++) {
        r = (r >> 8) ^ edc_table[(r ^ p[i]) & 0xff];
    }
    return r;
}

static uint8_t bcd(unsigned v)
{
    return (v / 10) << 4 | v % 10;
}

void cd_mode1_sector(uint8_t *out, uint32_t lba, const uint8_t *data, bool edc_ecc)
{
    /* Sync: 00h, ten FFh, 00h. */
    out[0] = 0x00;
    memset(out + 1, 0xff, 10);
    out[11] = 0x00;
    /* The absolute time of the sector: 2 s (150 frames) of pregap before
     * LBA 0 (ECMA-130 14.4.1); 75 frames a second. */
    uint32_t a = lba + 150;
    out[OFF_HEADER] = bcd(a / (60 * 75) % 100);
    out[OFF_HEADER + 1] = bcd(a / 75 % 60);
    out[OFF_HEADER + 2] = bcd(a % 75);
    out[OFF_HEADER + 3] = 0x01;             /* Mode 1 */
    if (out + OFF_DATA != data) {
        memmove(out + OFF_DATA, data, CD_SECTOR_SIZE);
    }
    if (!edc_ecc) {
        memset(out + OFF_EDC, 0, CD_RAW_SECTOR_SIZE - OFF_EDC);
        return;
    }
    edc_init();
    gf_init();
    uint32_t edc = edc_compute(out, OFF_EDC);
    out[OFF_EDC] = edc;
    out[OFF_EDC + 1] = edc >> 8;
    out[OFF_EDC + 2] = edc >> 16;
    out[OFF_EDC + 3] = edc >> 24;
    memset(out + OFF_EDC + 4, 0, 8);        /* intermediate field */
    rspc_encode(out);
}
