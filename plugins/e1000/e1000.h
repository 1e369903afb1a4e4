/*
 * The Intel 82540EM Gigabit Ethernet controller as QEMU's "e1000"
 * presents it.  References: "PCI/PCI-X Family of Gigabit Ethernet
 * Controllers Software Developer's Manual" (Intel 317453, "SDM" below):
 * chapter 3 (receive and transmit descriptors), 5 (EEPROM), 13 (registers).
 *
 *   e1000.c     registers, EEPROM, PHY (MDIC), interrupts and their
 *               throttling, reset, the PCI function
 *   e1000-rx.c  the receive filter and the RX descriptor ring
 *   e1000-tx.c  the TX ring: legacy, context and data descriptors,
 *               checksum offload and TCP segmentation
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef E1000_H
#define E1000_H

#include <cardcage/cardcage.h>
#include "../shared/eeprom93c46.h"

#define TYPE_E1000 "e1000"

/* Register offsets in BAR0 (SDM 13.1, table 13-2). */
enum {
    E1000_CTRL = 0x0000,
    E1000_STATUS = 0x0008,
    E1000_EECD = 0x0010,
    E1000_EERD = 0x0014,
    E1000_CTRL_EXT = 0x0018,
    E1000_MDIC = 0x0020,
    E1000_VET = 0x0038,
    E1000_ICR = 0x00c0,
    E1000_ITR = 0x00c4,
    E1000_ICS = 0x00c8,
    E1000_IMS = 0x00d0,
    E1000_IMC = 0x00d8,
    E1000_RCTL = 0x0100,
    E1000_TCTL = 0x0400,
    E1000_LEDCTL = 0x0e00,
    E1000_PBA = 0x1000,
    E1000_RDBAL = 0x2800,
    E1000_RDBAH = 0x2804,
    E1000_RDLEN = 0x2808,
    E1000_RDH = 0x2810,
    E1000_RDT = 0x2818,
    E1000_RDTR = 0x2820,         /* RX packet delay timer (SDM 13.4.30) */
    E1000_RADV = 0x282c,         /* RX absolute delay timer (SDM 13.4.31) */
    E1000_TDBAL = 0x3800,
    E1000_TDBAH = 0x3804,
    E1000_TDLEN = 0x3808,
    E1000_TDH = 0x3810,
    E1000_TDT = 0x3818,
    E1000_TIDV = 0x3820,         /* TX interrupt delay (SDM 13.4.41) */
    E1000_TADV = 0x382c,         /* TX absolute delay (SDM 13.4.44) */
    E1000_STATS = 0x4000,        /* statistics, 0x4000-0x40ff, clear on read */
    E1000_STATS_END = 0x4100,
    E1000_RXCSUM = 0x5000,
    E1000_MTA = 0x5200,          /* multicast table, 128 x 32 bits */
    E1000_RA = 0x5400,           /* receive addresses, 16 x (RAL, RAH) */
    E1000_VFTA = 0x5600,         /* VLAN filter table, 128 x 32 bits */
    E1000_MANC = 0x5820,
    E1000_REGS_SIZE = 0x6000,    /* what is kept; the rest of BAR0 reads 0 */
};

/* Statistics registers the card counts (SDM 13.7). */
enum {
    E1000_MPC = 0x4010,          /* missed packets */
    E1000_PRC64 = 0x405c,        /* received, by size: 64, 65-127, ..., 1024-1522 */
    E1000_GPRC = 0x4074,         /* good packets received */
    E1000_BPRC = 0x4078,
    E1000_MPRC = 0x407c,
    E1000_GPTC = 0x4080,         /* good packets transmitted */
    E1000_GORCL = 0x4088,        /* good octets received, 64 bits */
    E1000_GOTCL = 0x4090,        /* good octets transmitted, 64 bits */
    E1000_RNBC = 0x40a0,         /* receive no buffers */
    E1000_ROC = 0x40ac,          /* receive oversize */
    E1000_TORL = 0x40c0,         /* total octets received */
    E1000_TOTL = 0x40c8,         /* total octets transmitted */
    E1000_TPR = 0x40d0,          /* total packets received */
    E1000_TPT = 0x40d4,          /* total packets transmitted */
    E1000_PTC64 = 0x40d8,        /* transmitted, by size */
    E1000_MPTC = 0x40f0,
    E1000_BPTC = 0x40f4,
    E1000_TSCTC = 0x40f8,        /* TCP segmentation contexts transmitted */
};

#define E1000_MMIO_SIZE 0x20000  /* BAR0: 128 KiB (SDM 4.1, table 4-2) */
#define E1000_IO_SIZE   0x40     /* BAR1: IOADDR, IODATA (SDM 13.2) */

/* CTRL (SDM 13.4.1) */
#define CTRL_SLU     (1u << 6)
#define CTRL_RST     (1u << 26)
#define CTRL_VME     (1u << 30)
#define CTRL_PHY_RST (1u << 31)

/* STATUS (SDM 13.4.2): full duplex, link up, 1000 Mb/s, and the
 * "GIO master enable" bit QEMU's card shows. */
#define STATUS_FD      (1u << 0)
#define STATUS_LU      (1u << 1)
#define STATUS_SPEED_1000 (2u << 6)
#define STATUS_ASDV_1000  (2u << 8)
#define STATUS_GIO_MASTER (1u << 19)

/* EECD (SDM 13.4.3) */
#define EECD_SK   (1u << 0)
#define EECD_CS   (1u << 1)
#define EECD_DI   (1u << 2)
#define EECD_DO   (1u << 3)
#define EECD_FWE  (3u << 4)
#define EECD_REQ  (1u << 6)
#define EECD_GNT  (1u << 7)
#define EECD_PRES (1u << 8)

/* EERD (SDM 13.4.4, 82540: START bit 0, DONE bit 4, address 15:8, data 31:16) */
#define EERD_START (1u << 0)
#define EERD_DONE  (1u << 4)

/* MDIC (SDM 13.4.7) */
#define MDIC_DATA_MASK 0xffffu
#define MDIC_REG_SHIFT 16
#define MDIC_PHY_SHIFT 21
#define MDIC_OP_WRITE  (1u << 26)
#define MDIC_OP_READ   (2u << 26)
#define MDIC_READY     (1u << 28)
#define MDIC_INT_EN    (1u << 29)
#define MDIC_ERROR     (1u << 30)
#define E1000_PHY_ADDR 1         /* the internal PHY answers at address 1 */

/* ICR/ICS/IMS/IMC bits (SDM 13.4.17) */
#define ICR_TXDW   0x00000001u   /* TX descriptor written back */
#define ICR_TXQE   0x00000002u   /* TX queue empty */
#define ICR_LSC    0x00000004u   /* link status change */
#define ICR_RXSEQ  0x00000008u
#define ICR_RXDMT0 0x00000010u   /* RX descriptors below the threshold */
#define ICR_RXO    0x00000040u   /* receiver overrun */
#define ICR_RXT0   0x00000080u   /* receiver timer: a frame arrived */
#define ICR_MDAC   0x00000200u   /* MDI/O access complete */
#define ICR_TXD_LOW 0x00008000u
#define ICR_ALL    0x0001f6dfu   /* the bits the 82540EM implements */

/* RCTL (SDM 13.4.22) */
#define RCTL_EN    (1u << 1)
#define RCTL_SBP   (1u << 2)
#define RCTL_UPE   (1u << 3)     /* unicast promiscuous */
#define RCTL_MPE   (1u << 4)     /* multicast promiscuous */
#define RCTL_LPE   (1u << 5)     /* long packets */
#define RCTL_RDMTS_SHIFT 8
#define RCTL_MO_SHIFT    12
#define RCTL_BAM   (1u << 15)    /* accept broadcast */
#define RCTL_BSIZE_SHIFT 16
#define RCTL_VFE   (1u << 18)    /* VLAN filter enable */
#define RCTL_BSEX  (1u << 25)
#define RCTL_SECRC (1u << 26)    /* strip the CRC */

/* TCTL (SDM 13.4.33) */
#define TCTL_EN    (1u << 1)

/* RAH (SDM 13.5.2) */
#define RAH_AV     (1u << 31)    /* address valid */

/* RXCSUM: packet checksum start, IP and TCP/UDP checksum offload. */
#define RXCSUM_PCSS_MASK 0xffu
#define RXCSUM_IPOFL (1u << 8)
#define RXCSUM_TUOFL (1u << 9)

/* The delay registers RDTR, RADV, TIDV, TADV count 1.024 us in bits 15:0;
 * FPD (bit 31 of RDTR and TIDV) makes the delay expire now. */
#define E1000_DELAY_UNIT_NS 1024
#define E1000_DELAY_MASK    0xffffu
#define E1000_DELAY_FPD     (1u << 31)

/* Both rings: 16-byte descriptors; xDLEN counts bytes, a multiple of 128
 * (SDM 13.4.28: bits 6:0 ignored), at most bits 19:0. */
#define E1000_DESC_SIZE 16
#define E1000_RING_LEN_MASK 0x000fff80u

/* Frames: an untagged maximum, a tagged one (SDM 3.2.2), a floor. */
#define ETH_ALEN 6
#define ETH_HLEN 14
#define ETH_ZLEN 60
#define ETH_FCS_LEN 4
#define ETH_MAX_FRAME 1518
#define ETH_MAX_VLAN_FRAME 1522
#define VLAN_HLEN 4
/* Long packets (RCTL.LPE) on the 82540EM: up to 16 KiB (SDM 3.2.2). */
#define E1000_RX_LONG_MAX 16384
/* A frame gathered from TX descriptors: at most a 64 KiB TSO payload and
 * its headers (the 82540EM's PAYLEN can say more: refused). */
#define E1000_TX_FRAME_MAX (65536 + 256)

typedef struct E1000TxContext {
    uint8_t ipcss, ipcso, tucss, tucso;
    uint16_t ipcse, tucse;
    uint32_t paylen;
    uint8_t tucmd;
    uint8_t hdrlen;
    uint16_t mss;
} E1000TxContext;

typedef struct E1000State {
    PCIDevice parent_obj;
    MemoryRegion mmio, io;
    NetClient *netdev;
    char *mac_prop;
    MACAddr macaddr;
    NetClient *nic;

    uint32_t regs[E1000_REGS_SIZE / 4];
    uint16_t phy[32];
    Eeprom93c46 eeprom;
    uint32_t ioaddr;             /* BAR1's IOADDR */

    bool irq_level;
    int64_t itr_next_ns;         /* virtual time before which no new assertion */
    Timer *itr_timer;
    /* Interrupt delays: the packet and absolute timers of each direction,
     * whose expiry raises RXT0 or TXDW (SDM 3.2.7.1, 13.4.41-44). */
    Timer *rdtr_timer, *radv_timer, *tidv_timer, *tadv_timer;

    E1000TxContext ctx;          /* the last context descriptor */
    uint8_t *tx_frame;           /* the frame being gathered */
    uint32_t tx_len;
    uint8_t tx_popts;            /* its first data descriptor's POPTS */
    uint8_t tx_cmd;              /* its first descriptor's command byte */
    uint16_t tx_vlan;            /* its last descriptor's special field */
    bool tx_legacy;              /* gathered from legacy descriptors */
    uint8_t tx_css, tx_cso;      /* legacy checksum start and offset */
    bool tx_bad;                 /* drop it at its last descriptor */
    bool in_tx;                  /* re-entrancy guard */
    bool rx_stalled;             /* RXO raised, no RX descriptor since */
} E1000State;

OBJECT_DECLARE_SIMPLE_TYPE(E1000State, E1000)

static inline uint32_t e1000_reg(E1000State *s, unsigned off)
{
    return s->regs[off / 4];
}

static inline void e1000_set_reg(E1000State *s, unsigned off, uint32_t v)
{
    s->regs[off / 4] = v;
}

/* A statistics counter: saturating, as the SDM says of them all (13.7). */
static inline void e1000_stat_add(E1000State *s, unsigned off, uint32_t n)
{
    uint32_t v = s->regs[off / 4];
    s->regs[off / 4] = v + n < v ? UINT32_MAX : v + n;
}

/* A 64-bit counter in two registers (low, high). */
static inline void e1000_stat_add64(E1000State *s, unsigned off, uint64_t n)
{
    uint64_t v = (uint64_t)s->regs[off / 4 + 1] << 32 | s->regs[off / 4];
    v = v + n < v ? UINT64_MAX : v + n;
    s->regs[off / 4] = (uint32_t)v;
    s->regs[off / 4 + 1] = (uint32_t)(v >> 32);
}

/* The size bucket (64, 65-127, 128-255, 256-511, 512-1023, 1024-1522)
 * of a frame of len bytes with its CRC, as an offset from PRC64/PTC64. */
unsigned e1000_size_bucket(size_t len);

/* e1000.c */
void e1000_raise(E1000State *s, uint32_t bits);
/* A frame went to the RX ring: true when the RX delay timers will raise
 * RXT0; false when the caller raises it now (no delay: RDTR is 0). */
bool e1000_rx_delay(E1000State *s);
/* TX descriptors were written back: true when the TX delay timers will
 * raise TXDW (every one asked for the delay, IDE, and TIDV is set); false
 * when the caller raises it now (which stops those timers). */
bool e1000_tx_delay(E1000State *s, bool wanted);
uint64_t e1000_ring_base(E1000State *s, unsigned bal);
uint32_t e1000_ring_count(E1000State *s, unsigned len_reg);

/* e1000-rx.c */
bool e1000_rx_accept(E1000State *s, const uint8_t *buf, size_t len);
bool e1000_can_receive(NetClient *nc);
ssize_t e1000_receive(NetClient *nc, const uint8_t *buf, size_t len);
void e1000_query_rx_filter(NetClient *nc, NetRxFilter *f);

/* e1000-tx.c */
void e1000_transmit(E1000State *s);
void e1000_tx_reset(E1000State *s);

#endif
