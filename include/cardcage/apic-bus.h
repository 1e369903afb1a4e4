/*
 * cardcage plugin SDK: the APIC bus, the path of interrupt messages between
 * local APICs, I/O APICs and MSI writes.
 *
 * On a P6 system the local APICs and the I/O APIC exchange messages on a
 * dedicated bus (Intel SDM vol. 3A, 10.6 and 10.11; 82093AA datasheet,
 * 2.3): an I/O APIC redirection entry, a local APIC's interrupt command
 * register (ICR) and a PCI device's MSI write all become one message with a
 * vector, a delivery mode and a destination.  The core holds the bus: local
 * APICs attach to it (implementing TYPE_APIC_BUS_CLIENT), senders call
 * apic_bus_send or apic_bus_send_msi, and the local APICs' EOIs of
 * level-triggered vectors are broadcast to the listeners (the I/O APICs'
 * remote IRR, 82093AA 3.2.4).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_APIC_BUS_H
#define CARDCAGE_APIC_BUS_H

#include <cardcage/object.h>

#define TYPE_APIC_BUS_CLIENT "apic-bus-client"

/* Delivery modes (SDM vol. 3A, 10.6.1, figure 10-12; the same encoding in
 * I/O APIC redirection entries and MSI data, 10.11.2). */
typedef enum APICDeliveryMode {
    APIC_DM_FIXED = 0,
    APIC_DM_LOWEST = 1,      /* lowest priority */
    APIC_DM_SMI = 2,
    APIC_DM_NMI = 4,
    APIC_DM_INIT = 5,
    APIC_DM_STARTUP = 6,     /* SIPI; the vector is the start page */
    APIC_DM_EXTINT = 7,
} APICDeliveryMode;

/* Destination shorthands of the ICR (10.6.1); messages from I/O APICs and
 * MSI always use APIC_SH_NONE. */
typedef enum APICShorthand {
    APIC_SH_NONE = 0,        /* the destination field */
    APIC_SH_SELF = 1,
    APIC_SH_ALL = 2,         /* all including self */
    APIC_SH_OTHERS = 3,      /* all excluding self */
} APICShorthand;

typedef struct APICMessage {
    uint8_t vector;
    uint8_t delivery_mode;   /* APICDeliveryMode */
    uint8_t dest;            /* the 8-bit destination field */
    bool dest_logical;       /* logical destination mode (10.6.2.2) */
    bool level;              /* level-triggered */
    bool assert;             /* level asserted (clear: INIT level de-assert) */
    uint8_t shorthand;       /* APICShorthand */
    Object *source;          /* the sending local APIC, for SELF/OTHERS; or NULL */
} APICMessage;

typedef struct APICBusClientClass {
    InterfaceClass parent_class;
    /* Whether the destination field in mode logical names this APIC
     * (10.6.2: physical ID, broadcast 0xF/0xFF, flat or cluster logical). */
    bool (*matches)(Object *obj, uint8_t dest, bool logical);
    /* Take a message addressed to this APIC. */
    void (*accept)(Object *obj, const APICMessage *m);
    /* The arbitration priority (10.6.2.4) for lowest-priority delivery;
     * NULL: all equal (the first match receives). */
    int (*arb_priority)(Object *obj);
} APICBusClientClass;

/* Attach a local APIC (an object implementing TYPE_APIC_BUS_CLIENT); false
 * (errp set) when it does not implement the interface. */
CC_API bool apic_bus_attach(Object *apic, Error **errp);
CC_API void apic_bus_detach(Object *apic);
/* Deliver m to the APICs it addresses: every match for fixed, NMI, INIT,
 * SIPI, SMI and ExtINT; the one of lowest arbitration priority for
 * lowest-priority delivery.  Returns how many accepted it (0: no APIC
 * accepted it, which a sending local APIC reports as a send accept error). */
CC_API int apic_bus_send(const APICMessage *m);

/* MSI (SDM vol. 3A, 10.11): an address in 0xFEE00000-0xFEEFFFFF with the
 * destination ID in bits 19:12, the destination mode in bit 2 (1: logical,
 * with the redirection hint in bit 3), and data with the vector in bits
 * 7:0, the delivery mode in 10:8, the level in 14, the trigger mode in 15.
 * False (nothing sent) for an address outside that window. */
#define APIC_MSI_BASE 0xfee00000u
#define APIC_MSI_SIZE 0x00100000u
CC_API bool apic_bus_send_msi(uint64_t addr, uint32_t data);

/* EOI of a level-triggered vector by a local APIC (10.8.5): every listener
 * (the I/O APICs) hears the vector. */
typedef void APICEOIListener(void *opaque, uint8_t vector);
CC_API void apic_bus_add_eoi_listener(APICEOIListener *fn, void *opaque);
CC_API void apic_bus_remove_eoi_listener(APICEOIListener *fn, void *opaque);
CC_API void apic_bus_broadcast_eoi(uint8_t vector);

/* The number of attached local APICs. */
CC_API int apic_bus_count(void);

#endif
