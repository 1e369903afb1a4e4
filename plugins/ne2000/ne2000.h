/*
 * The NE2000: a National Semiconductor DP8390 network interface
 * controller (DP8390D datasheet, "NIC Core") behind the NE2000's ASIC:
 * 16 KiB of buffer RAM reached through remote DMA on a data port, a
 * station address PROM and a reset port.  Shared by both card types:
 *
 *   ne2000-core.c  the DP8390 registers, remote DMA, receive into the ring,
 *                  transmit, the filters and interrupts
 *   ne2000.c       ne2k_pci (RTL8029AS as QEMU presents it) and ne2k_isa
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef NE2000_H
#define NE2000_H

#include <cardcage/cardcage.h>

/* The card's port window (NE2000 design): 0x00-0x0F the DP8390 registers,
 * 0x10-0x17 the data port of the remote DMA, 0x18-0x1F the reset port. */
#define NE2K_IO_SIZE     0x20
#define NE2K_DATA_PORT   0x10
#define NE2K_RESET_PORT  0x18

/* The NE2000's local memory map as the DP8390 addresses it: the station
 * address PROM at 0x0000-0x001F, 16 KiB of buffer RAM at 0x4000-0x7FFF
 * (pages 0x40-0x7F); nothing answers elsewhere. */
#define NE2K_PROM_SIZE   0x20
#define NE2K_RAM_START   0x4000
#define NE2K_RAM_SIZE    0x4000
#define NE2K_RAM_END     (NE2K_RAM_START + NE2K_RAM_SIZE)
#define NE2K_PAGE        256
#define NE2K_PAGE_FIRST  (NE2K_RAM_START / NE2K_PAGE)    /* 0x40 */
#define NE2K_PAGE_END    (NE2K_RAM_END / NE2K_PAGE)      /* 0x80 */

/* CR, the command register (datasheet, "Command Register (CR)"). */
#define CR_STP   0x01            /* stop */
#define CR_STA   0x02            /* start */
#define CR_TXP   0x04            /* transmit packet */
#define CR_RD_MASK   0x38        /* remote DMA command RD2..RD0 */
#define CR_RD_READ   0x08
#define CR_RD_WRITE  0x10
#define CR_RD_SEND   0x18        /* send packet: read the frame at BNRY */
#define CR_RD_ABORT  0x20        /* abort/complete remote DMA */
#define CR_PS_SHIFT  6           /* register page PS1..PS0 */

/* ISR and IMR (datasheet, "Interrupt Status Register (ISR)"). */
#define ISR_PRX  0x01            /* packet received */
#define ISR_PTX  0x02            /* packet transmitted */
#define ISR_RXE  0x04            /* receive error */
#define ISR_TXE  0x08            /* transmit error */
#define ISR_OVW  0x10            /* overwrite warning: the ring could not take a frame */
#define ISR_CNT  0x20            /* a tally counter's top bit set */
#define ISR_RDC  0x40            /* remote DMA complete */
#define ISR_RST  0x80            /* reset status (not an interrupt) */
#define ISR_INTS 0x7f

/* RCR (datasheet, "Receive Configuration Register (RCR)"). */
#define RCR_SEP  0x01            /* save errored packets */
#define RCR_AR   0x02            /* accept runt packets */
#define RCR_AB   0x04            /* accept broadcast */
#define RCR_AM   0x08            /* accept multicast (MAR hash) */
#define RCR_PRO  0x10            /* promiscuous physical */
#define RCR_MON  0x20            /* monitor: check, do not buffer */

/* TCR (datasheet, "Transmit Configuration Register (TCR)"). */
#define TCR_CRC  0x01            /* inhibit CRC */
#define TCR_LB   0x06            /* loopback mode LB1..LB0 */

/* DCR (datasheet, "Data Configuration Register (DCR)"). */
#define DCR_WTS  0x01            /* word-wide DMA transfers */

/* TSR and RSR (datasheet, "Transmit/Receive Status Register"). */
#define TSR_PTX  0x01            /* packet transmitted */
#define TSR_ABT  0x08            /* transmit aborted */
#define RSR_PRX  0x01            /* packet received intact */
#define RSR_MPA  0x10            /* missed packet */
#define RSR_PHY  0x20            /* multicast or broadcast address */
#define RSR_DIS  0x40            /* receiver disabled (monitor mode) */

/* Ethernet frames the card buffers: at least 60 bytes (shorter ones are
 * padded, as the sender's MAC does on a wire), at most 1518 (a tagged
 * frame without its CRC); the 4-byte ring header comes in front. */
#define NE2K_FRAME_MIN   60
#define NE2K_FRAME_MAX   1518
#define NE2K_RX_HDR      4
#define NE2K_CRC_LEN     4

typedef struct NE2000State {
    DeviceState *owner;
    NetClient *nic;
    MACAddr macaddr;
    /* The card's interrupt line: the PCI INTA# or the ISA IRQ output. */
    void (*set_irq)(void *opaque, int level);
    void *irq_opaque;

    uint8_t cr;
    uint8_t pstart, pstop;       /* receive ring, pages [pstart, pstop) */
    uint8_t bnry;                /* boundary: the driver's read point */
    uint8_t curr;                /* current page: the next frame goes here */
    uint8_t tpsr;                /* transmit page start */
    uint16_t tbcr;               /* transmit byte count */
    uint16_t rsar;               /* remote DMA address */
    uint16_t rbcr;               /* remote DMA byte count */
    uint8_t isr, imr;
    uint8_t rcr, tcr, dcr;
    uint8_t tsr, rsr;
    uint8_t ncr;                 /* collisions of the last transmit (always 0) */
    uint8_t cntr[3];             /* tallies: alignment, CRC, missed packets */
    uint8_t par[6];              /* physical address (page 1) */
    uint8_t mar[8];              /* multicast hash (page 1) */
    uint8_t page3[16];           /* RTL8029 page 3: plain storage */
    uint8_t prom[NE2K_PROM_SIZE];
    uint8_t ram[NE2K_RAM_SIZE];
    bool rx_waiting;             /* a frame was refused for want of room */
} NE2000State;

extern const MemoryRegionOps ne2k_io_ops;
extern const VMStateDescription vmstate_ne2000_core;

/* Fill the PROM from macaddr and create the card's net client. */
void ne2k_core_init(NE2000State *s, DeviceState *owner, NetClient *peer);
void ne2k_core_cleanup(NE2000State *s);
/* Power-on state (also the reset port's, which keeps the registers a
 * driver programs). */
void ne2k_core_reset(NE2000State *s);
/* After a migration: drive the interrupt line from ISR/IMR. */
void ne2k_core_post_load(NE2000State *s);

/* The port window, for the device types' MemoryRegionOps (ne2k_io_ops
 * wraps these with the NE2000State as opaque). */
uint64_t ne2k_io_read(NE2000State *s, unsigned addr, unsigned size);
void ne2k_io_write(NE2000State *s, unsigned addr, uint64_t val, unsigned size);

#endif
