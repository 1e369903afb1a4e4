/*
 * A fake local APIC on the APIC bus (<cardcage/apic-bus.h>) for unit tests:
 * it answers to a physical ID and to flat logical destinations, has a fixed
 * arbitration priority and records the messages it accepts.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef FAKE_APIC_H
#define FAKE_APIC_H

#include <cardcage/cardcage.h>

#define TYPE_FAKE_APIC "fake-apic"
#define FAKE_APIC_LOG 16

typedef struct FakeAPIC {
    Object parent_obj;
    uint8_t id;                     /* physical ID; 0xFF is the broadcast */
    uint8_t logical;                /* flat-model logical ID (one bit each) */
    int prio;                       /* arbitration priority */
    int count;                      /* messages accepted since the last clear */
    APICMessage log[FAKE_APIC_LOG]; /* the first FAKE_APIC_LOG of them */
} FakeAPIC;

/* Create one and attach it to the APIC bus. */
FakeAPIC *fake_apic_new(uint8_t id, uint8_t logical, int prio);
/* Detach it and free it. */
void fake_apic_free(FakeAPIC *f);
void fake_apic_clear(FakeAPIC *f);
/* The last message recorded (the test fails if there was none). */
const APICMessage *fake_apic_last(const FakeAPIC *f);

#endif
