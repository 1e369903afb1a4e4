/*
 * The RTL8139C+ (Realtek RTL8139C+ datasheet 1.6 and its programming
 * guide): state and the pieces the files of the card share.
 *
 *   rtl8139.c        registers, interrupts, the timer, reset, the PCI function
 *   rtl8139-normal.c the RTL8139 ("C") mode: the RX ring buffer, four TX descriptors
 *   rtl8139-cplus.c  C+ mode: TX and RX descriptor rings with offload
 *   rtl8139-filter.c which frames the receive mode takes
 *   ../shared/eeprom93c46.c  the serial EEPROM holding the MAC address
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RTL8139_H
#define RTL8139_H

#include <cardcage/cardcage.h>
#include "../shared/eeprom93c46.h"

#define TYPE_RTL8139 "rtl8139"

/* Register offsets (datasheet section 6, "Register Descriptions"). */
enum {
    RTL_IDR0 = 0x00,             /* MAC address, 6 bytes */
    RTL_MAR0 = 0x08,             /* multicast filter, 8 bytes */
    RTL_TSD0 = 0x10,             /* TX status of descriptor 0..3 (C mode) */
    RTL_DTCCR = 0x10,            /* C+: dump tally counter command, 64 bits */
    RTL_TSAD0 = 0x20,            /* TX start address of descriptor 0..3 (C mode) */
    RTL_TNPDS = 0x20,            /* C+: TX normal-priority descriptor ring, 64 bits */
    RTL_THPDS = 0x28,            /* C+: TX high-priority descriptor ring, 64 bits */
    RTL_RBSTART = 0x30,          /* RX buffer start (C mode) */
    RTL_CR = 0x37,               /* command */
    RTL_CAPR = 0x38,             /* current address of packet read */
    RTL_CBR = 0x3a,              /* current buffer address (write pointer) */
    RTL_IMR = 0x3c,
    RTL_ISR = 0x3e,
    RTL_TCR = 0x40,              /* TX configuration */
    RTL_RCR = 0x44,              /* RX configuration */
    RTL_TCTR = 0x48,             /* timer count */
    RTL_MPC = 0x4c,              /* missed packet counter */
    RTL_9346CR = 0x50,
    RTL_CONFIG0 = 0x51,
    RTL_CONFIG1 = 0x52,
    RTL_TIMERINT = 0x54,
    RTL_MSR = 0x58,              /* media status */
    RTL_CONFIG3 = 0x59,
    RTL_CONFIG4 = 0x5a,
    RTL_MULINT = 0x5c,
    RTL_TSAD = 0x60,             /* TX status of all descriptors */
    RTL_BMCR = 0x62,             /* MII basic mode control */
    RTL_BMSR = 0x64,             /* MII basic mode status */
    RTL_ANAR = 0x66,
    RTL_ANLPAR = 0x68,
    RTL_ANER = 0x6a,
    RTL_CONFIG5 = 0xd8,
    RTL_TPPOLL = 0xd9,           /* C+: TX poll */
    RTL_RSVD_DA = 0xda,          /* 0xda-0xdf reserved on the 8139C+ (the
                                  * 8169 has its RX max size, RMS, at 0xda) */
    RTL_RSVD_DF = 0xdf,
    RTL_CPCR = 0xe0,             /* C+ command */
    RTL_RDSAR = 0xe4,            /* C+: RX descriptor ring, 64 bits */
    RTL_REGS_SIZE = 0x100,
};

/* CR bits */
#define CR_BUFE   0x01           /* RX buffer empty (read only) */
#define CR_TE     0x04
#define CR_RE     0x08
#define CR_RST    0x10

/* ISR/IMR bits */
#define INT_ROK      0x0001
#define INT_RER      0x0002
#define INT_TOK      0x0004
#define INT_TER      0x0008
#define INT_RXOVW    0x0010      /* C mode: RX buffer overflow; C+: RX descriptor unavailable */
#define INT_LINKCHG  0x0020
#define INT_FOVW     0x0040
#define INT_TDU      0x0080      /* C+: TX descriptor unavailable */
#define INT_SWINT    0x0100
#define INT_TIMEOUT  0x4000
#define INT_SERR     0x8000
#define INT_ALL      0xe1ff

/* RCR bits */
#define RCR_AAP   0x01           /* accept all physical addresses */
#define RCR_APM   0x02           /* accept our physical address */
#define RCR_AM    0x04           /* accept multicast (through MAR) */
#define RCR_AB    0x08           /* accept broadcast */
#define RCR_WRAP  0x80           /* 1: let a frame run past the buffer end */
#define RCR_RBLEN_SHIFT 11       /* buffer 8K << RBLEN, plus 16 bytes */

/* TSD bits */
#define TSD_SIZE_MASK 0x1fff
#define TSD_OWN   0x2000         /* 1: DMA of the frame to the FIFO done */
#define TSD_TUN   0x4000
#define TSD_TOK   0x8000
#define TSD_TABT  0x40000000u

/* C+ command register */
#define CPCR_TX_ENB   0x0001
#define CPCR_RX_ENB   0x0002
#define CPCR_RX_CHKSUM 0x0020    /* check received checksums (C+ RX status PID, IPF...) */

/* 9346CR: mode in bits 7:6, the EEPROM's pins below */
#define EE_MODE_SHIFT 6
#define EE_MODE_PROGRAM 2
#define EE_MODE_CONFIG  3
#define EE_CS  0x08
#define EE_SK  0x04
#define EE_DI  0x02
#define EE_DO  0x01

/* The C+ descriptor rings hold at most 64 descriptors each (datasheet,
 * "Transmit/Receive Descriptor"): an index never goes further, so a ring
 * without an end-of-ring bit cannot run away. */
#define CP_RING_MAX 64
/* A C+ frame gathered from TX descriptors: at most a large-send frame. */
#define CP_TX_FRAME_MAX 65536
/* C mode: a TX descriptor moves at most 1792 bytes (TSD SIZE, datasheet 6). */
#define C_TX_FRAME_MAX 1792
/* Frames longer than this are "long" and not received (RX status LONG). */
#define RX_FRAME_MAX 4096

typedef struct RTL8139State {
    PCIDevice parent_obj;
    MemoryRegion io, mmio;
    NetClient *netdev;
    char *mac_prop;
    MACAddr macaddr;
    NetClient *nic;

    uint8_t regs[RTL_REGS_SIZE]; /* plain storage of the registers */
    uint16_t isr;
    uint32_t cbr;                /* RX ring write offset (C mode) */
    uint32_t cp_tx_index, cp_rx_index;
    int64_t tctr_base_ns;        /* virtual time at which TCTR was 0 */
    Timer *timer;                /* TCTR reaching TimerInt */
    Eeprom93c46 eeprom;

    uint8_t *tx_frame;           /* C+: frame being gathered */
    uint32_t tx_frame_len;
    uint32_t tx_frame_flags;     /* opts1 of its first descriptor */
    bool tx_frame_bad;           /* discard it at its last descriptor */
    bool in_tx;                  /* re-entrancy: a TX started from a TX */
    bool rx_stalled;             /* C+: RDU raised, no RX descriptor since */
} RTL8139State;

OBJECT_DECLARE_SIMPLE_TYPE(RTL8139State, RTL8139)

/* rtl8139.c */
uint32_t rtl_reg32(RTL8139State *s, unsigned off);
uint16_t rtl_reg16(RTL8139State *s, unsigned off);
void rtl_set_reg32(RTL8139State *s, unsigned off, uint32_t v);
void rtl_raise(RTL8139State *s, uint16_t bits);
bool rtl_cplus_mode(RTL8139State *s);

/* rtl8139-filter.c: whether the receive mode takes a frame to dest */
bool rtl_rx_accept(RTL8139State *s, const uint8_t *frame, size_t len);
void rtl_query_rx_filter(NetClient *nc, NetRxFilter *f);

/* rtl8139-normal.c */
bool rtl_normal_can_receive(RTL8139State *s);
ssize_t rtl_normal_receive(RTL8139State *s, const uint8_t *buf, size_t len);
void rtl_normal_transmit(RTL8139State *s, unsigned n);
uint8_t rtl_normal_cr_bufe(RTL8139State *s);

/* rtl8139-cplus.c */
ssize_t rtl_cplus_receive(RTL8139State *s, const uint8_t *buf, size_t len);
bool rtl_cplus_can_receive(RTL8139State *s);
void rtl_cplus_transmit(RTL8139State *s);
void rtl_cplus_dump_tally(RTL8139State *s);

#endif
