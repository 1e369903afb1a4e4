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

/*
 * The local APIC as the CPU sees it.  A local APIC sits between the CPU and
 * the rest of the system: it drives the CPU's INTR (and NMI, INIT) lines,
 * answers INTA through TYPE_INTERRUPT_ACK like any interrupt controller, and
 * holds the IA32_APIC_BASE MSR (Intel SDM vol. 3A, 10.4.4), which the CPU's
 * RDMSR/WRMSR of MSR 0x1B reach through this interface.  A CPU whose "intc"
 * link names an object implementing it has an on-chip APIC: CPUID.1:EDX.APIC
 * reports it while the APIC is globally enabled (SDM vol. 3A, 10.4.3).
 */
#define TYPE_LOCAL_APIC_IF "local-apic-interface"

/* IA32_APIC_BASE bits (SDM vol. 3A, figure 10-5). */
#define LOCAL_APIC_BASE_BSP     (1u << 8)
#define LOCAL_APIC_BASE_ENABLE  (1u << 11)
#define LOCAL_APIC_BASE_ADDR    0xfffff000u

typedef struct LocalAPICClass {
    InterfaceClass parent_class;
    /* The IA32_APIC_BASE value. */
    uint64_t (*get_base)(Object *obj);
    /* Write IA32_APIC_BASE; false when val sets reserved bits (the CPU
     * raises #GP(0)). */
    bool (*set_base)(Object *obj, uint64_t val);
} LocalAPICClass;

/* false when obj is NULL or not a local APIC. */
CC_API bool local_apic_get_base(Object *obj, uint64_t *val);
/* false when obj is not a local APIC or refuses the value. */
CC_API bool local_apic_set_base(Object *obj, uint64_t val);

#endif
