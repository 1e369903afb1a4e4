/*
 * The APIC bus (include/cardcage/apic-bus.h): the attached local APICs, the
 * routing of a message to the ones it addresses, MSI decoding and the EOI
 * broadcast to the I/O APICs.
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/apic-bus.h>
#include <cardcage/log.h>
#include <cardcage/module.h>

static GPtrArray *apics;        /* Object *, in attach order (APIC ID order on a board) */

typedef struct EOIListener {
    APICEOIListener *fn;
    void *opaque;
} EOIListener;
static GArray *eoi_listeners;   /* EOIListener */

static APICBusClientClass *client_class(Object *obj)
{
    return (APICBusClientClass *)object_class_dynamic_cast(object_get_class(obj),
                                                            TYPE_APIC_BUS_CLIENT);
}

bool apic_bus_attach(Object *apic, Error **errp)
{
    APICBusClientClass *c = apic ? client_class(apic) : NULL;
    if (!c || !c->matches || !c->accept) {
        error_setg(errp, "'%s' is not an APIC bus client",
                   apic ? object_get_typename(apic) : "(null)");
        return false;
    }
    if (!apics) {
        apics = g_ptr_array_new();
    }
    if (!g_ptr_array_find(apics, apic, NULL)) {
        g_ptr_array_add(apics, apic);
    }
    return true;
}

void apic_bus_detach(Object *apic)
{
    if (apics) {
        g_ptr_array_remove(apics, apic);
    }
}

int apic_bus_count(void)
{
    return apics ? (int)apics->len : 0;
}

static bool addressed(Object *apic, const APICMessage *m)
{
    switch (m->shorthand) {
    case APIC_SH_SELF:
        return apic == m->source;
    case APIC_SH_ALL:
        return true;
    case APIC_SH_OTHERS:
        return apic != m->source;
    default:
        return client_class(apic)->matches(apic, m->dest, m->dest_logical);
    }
}

int apic_bus_send(const APICMessage *m)
{
    if (!apics || !apics->len) {
        return 0;
    }
    if (m->delivery_mode == APIC_DM_LOWEST) {
        /* One receiver: the lowest arbitration priority among those
         * addressed, the first attached on a tie (10.6.2.4 leaves the tie
         * to the bus arbitration ID; attach order stands in for it).  The
         * "all excluding self" shorthand arbitrates too (table 10-3 lists
         * it as valid with lowest priority on the P6 family). */
        Object *best = NULL;
        int best_prio = 0;
        for (guint i = 0; i < apics->len; i++) {
            Object *a = g_ptr_array_index(apics, i);
            if (!addressed(a, m)) {
                continue;
            }
            APICBusClientClass *c = client_class(a);
            int prio = c->arb_priority ? c->arb_priority(a) : 0;
            if (!best || prio < best_prio) {
                best = a;
                best_prio = prio;
            }
        }
        if (best) {
            client_class(best)->accept(best, m);
            return 1;
        }
        return 0;
    }
    /* Fixed and the rest: every APIC addressed.  Collect first, since an
     * accept (INIT) may change what an APIC answers to. */
    Object *to[apics->len];
    guint n = 0;
    for (guint i = 0; i < apics->len; i++) {
        Object *a = g_ptr_array_index(apics, i);
        if (addressed(a, m)) {
            to[n++] = a;
        }
    }
    for (guint i = 0; i < n; i++) {
        client_class(to[i])->accept(to[i], m);
    }
    return (int)n;
}

bool apic_bus_send_msi(uint64_t addr, uint32_t data)
{
    if (addr < APIC_MSI_BASE || addr >= (uint64_t)APIC_MSI_BASE + APIC_MSI_SIZE) {
        return false;
    }
    /* SDM vol. 3A, 10.11.1 (address) and 10.11.2 (data). */
    APICMessage m = {
        .vector = data & 0xff,
        .delivery_mode = (data >> 8) & 7,
        .dest = (addr >> 12) & 0xff,
        .dest_logical = (addr >> 2) & 1,
        .level = (data >> 15) & 1,
        .assert = true,
        .shorthand = APIC_SH_NONE,
    };
    if (m.delivery_mode == 3 || m.delivery_mode == APIC_DM_STARTUP) {
        /* Reserved for MSI (10.11.2: only fixed, lowest priority, SMI,
         * NMI, INIT and ExtINT). */
        log_mask(LOG_GUEST_ERROR, "apic-bus: MSI with reserved delivery mode %u ignored\n",
                 m.delivery_mode);
        return true;
    }
    if (!apic_bus_send(&m)) {
        log_mask(LOG_GUEST_ERROR, "apic-bus: MSI to %s destination 0x%02x reached no APIC\n",
                 m.dest_logical ? "logical" : "physical", m.dest);
    }
    return true;
}

void apic_bus_add_eoi_listener(APICEOIListener *fn, void *opaque)
{
    if (!eoi_listeners) {
        eoi_listeners = g_array_new(FALSE, FALSE, sizeof(EOIListener));
    }
    EOIListener l = { fn, opaque };
    g_array_append_val(eoi_listeners, l);
}

void apic_bus_remove_eoi_listener(APICEOIListener *fn, void *opaque)
{
    for (guint i = 0; eoi_listeners && i < eoi_listeners->len; i++) {
        EOIListener *l = &g_array_index(eoi_listeners, EOIListener, i);
        if (l->fn == fn && l->opaque == opaque) {
            g_array_remove_index(eoi_listeners, i);
            return;
        }
    }
}

void apic_bus_broadcast_eoi(uint8_t vector)
{
    for (guint i = 0; eoi_listeners && i < eoi_listeners->len; i++) {
        EOIListener *l = &g_array_index(eoi_listeners, EOIListener, i);
        l->fn(l->opaque, vector);
    }
}

static const TypeInfo apic_bus_client_info = {
    .name = TYPE_APIC_BUS_CLIENT,
    .parent = TYPE_INTERFACE,
    .class_size = sizeof(APICBusClientClass),
};

static void apic_bus_register_types(void)
{
    type_register_static(&apic_bus_client_info);
}

type_init(apic_bus_register_types)
