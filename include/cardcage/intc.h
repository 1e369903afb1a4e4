/*
 * cardcage plugin SDK: interrupt acknowledge.
 *
 * An interrupt controller that drives a CPU's INTR line implements this
 * interface; the CPU holds a link to it ("intc" property) and calls
 * interrupt_ack when it accepts the interrupt, the equivalent of the INTA bus
 * cycles, to learn the vector.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_INTC_H
#define CARDCAGE_INTC_H

#include <cardcage/object.h>

#define TYPE_INTERRUPT_ACK "interrupt-ack"

typedef struct InterruptAckClass {
    InterfaceClass parent_class;
    /* Acknowledge the highest-priority pending request; return its vector
     * (0..255).  A controller with nothing pending returns its spurious
     * vector, as the hardware does. */
    int (*ack)(Object *obj);
} InterruptAckClass;

/* -1 when obj does not implement the interface. */
CC_API int interrupt_ack(Object *obj);

#endif
