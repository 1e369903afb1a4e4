/*
 * The interrupt-acknowledge interface between an interrupt controller and
 * the CPU.
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/intc.h>
#include <cardcage/module.h>

int interrupt_ack(Object *obj)
{
    ObjectClass *ic = obj ? object_class_dynamic_cast(object_get_class(obj),
                                                      TYPE_INTERRUPT_ACK) : NULL;
    if (!ic) {
        return -1;
    }
    InterruptAckClass *iac = (InterruptAckClass *)ic;
    return iac->ack ? iac->ack(obj) & 0xff : -1;
}

static const TypeInfo interrupt_ack_info = {
    .name = TYPE_INTERRUPT_ACK,
    .parent = TYPE_INTERFACE,
    .class_size = sizeof(InterruptAckClass),
};

static void intc_register_types(void)
{
    type_register_static(&interrupt_ack_info);
}

type_init(intc_register_types)
