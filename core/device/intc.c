/*
 * The interfaces between an interrupt controller and the CPU: interrupt
 * acknowledge, and the local APIC's IA32_APIC_BASE MSR.
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

static LocalAPICClass *local_apic_class(Object *obj)
{
    ObjectClass *c = obj ? object_class_dynamic_cast(object_get_class(obj),
                                                     TYPE_LOCAL_APIC_IF) : NULL;
    return (LocalAPICClass *)c;
}

bool local_apic_get_base(Object *obj, uint64_t *val)
{
    LocalAPICClass *lc = local_apic_class(obj);
    if (!lc || !lc->get_base) {
        return false;
    }
    *val = lc->get_base(obj);
    return true;
}

bool local_apic_set_base(Object *obj, uint64_t val)
{
    LocalAPICClass *lc = local_apic_class(obj);
    return lc && lc->set_base && lc->set_base(obj, val);
}

static const TypeInfo interrupt_ack_info = {
    .name = TYPE_INTERRUPT_ACK,
    .parent = TYPE_INTERFACE,
    .class_size = sizeof(InterruptAckClass),
};

static const TypeInfo local_apic_info = {
    .name = TYPE_LOCAL_APIC_IF,
    .parent = TYPE_INTERFACE,
    .class_size = sizeof(LocalAPICClass),
};

static void intc_register_types(void)
{
    type_register_static(&interrupt_ack_info);
    type_register_static(&local_apic_info);
}

type_init(intc_register_types)
