/*
 * One Intel 8259A programmable interrupt controller, without its wiring.
 *
 * pic.c puts two of them together as the PC's cascade.  References are to
 * the Intel 8259A datasheet (order number 231468): "Initialization Command
 * Words", "Operation Command Words", and the mode descriptions.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef PIC_CHIP_H
#define PIC_CHIP_H

#include <stdbool.h>
#include <stdint.h>

typedef struct PICChip {
    uint8_t irr;            /* interrupt request register */
    uint8_t isr;            /* in-service register */
    uint8_t imr;            /* interrupt mask register (OCW1) */
    uint8_t input;          /* current levels of IR0..IR7 */
    uint8_t elcr;           /* inputs set to level trigger (ELCR) */
    uint8_t elcr_mask;      /* the ELCR bits that can be set */
    uint8_t base;           /* ICW2: T7..T3 of the vectors */
    uint8_t icw3;           /* master: inputs with a slave; slave: its id */
    uint8_t priority_add;   /* IR priority_add has the highest priority */
    uint8_t init_state;     /* 0 ready, else the ICW expected next: 2, 3 or 4 */
    bool icw4_needed;       /* ICW1 IC4 */
    bool single;            /* ICW1 SNGL */
    bool ltim;              /* ICW1 LTIM: every input level triggered */
    bool auto_eoi;          /* ICW4 AEOI */
    bool sfnm;              /* ICW4 SFNM */
    bool rotate_on_aeoi;    /* OCW2 R with AEOI */
    bool special_mask;      /* OCW3 SMM */
    bool poll;              /* OCW3 P: the next read is a poll */
    bool read_isr;          /* OCW3 RIS */
    bool is_master;
} PICChip;

/* Power-on state; elcr_mask and is_master are kept. */
void pic_chip_reset(PICChip *p);

void pic_chip_set_input(PICChip *p, int line, bool level);
void pic_chip_write_elcr(PICChip *p, uint8_t val);

/* The input the chip requests an interrupt for (its INT output is high),
 * or -1. */
int pic_chip_pending(const PICChip *p);
/* The interrupt acknowledge of input irq (as returned by pic_chip_pending):
 * IRR to ISR, or automatic EOI. */
void pic_chip_ack(PICChip *p, int irq);

/* A byte written to / read from A0 = 0 (even port) or A0 = 1. */
void pic_chip_write(PICChip *p, int a0, uint8_t val);
uint8_t pic_chip_read(PICChip *p, int a0);

#endif
