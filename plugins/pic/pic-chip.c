/*
 * One 8259A (see pic-chip.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/log.h>
#include "pic-chip.h"

/* ICW1 (A0 = 0, D4 = 1) and OCW3 (A0 = 0, D4 D3 = 01) markers. */
#define ICW1_MARK       0x10
#define ICW1_IC4        0x01
#define ICW1_SNGL       0x02
#define ICW1_LTIM       0x08
#define OCW3_MASK       0x18
#define OCW3_MARK       0x08
#define OCW3_RIS        0x01
#define OCW3_RR         0x02
#define OCW3_P          0x04
#define OCW3_SMM        0x20
#define OCW3_ESMM       0x40
#define ICW4_UPM        0x01
#define ICW4_AEOI       0x02
#define ICW4_SFNM       0x10

/* OCW2 commands, bits R SL EOI. */
enum {
    OCW2_CLEAR_ROTATE_AEOI = 0,
    OCW2_NONSPECIFIC_EOI = 1,
    OCW2_NOP = 2,
    OCW2_SPECIFIC_EOI = 3,
    OCW2_SET_ROTATE_AEOI = 4,
    OCW2_ROTATE_NONSPECIFIC_EOI = 5,
    OCW2_SET_PRIORITY = 6,
    OCW2_ROTATE_SPECIFIC_EOI = 7,
};

static bool level_triggered(const PICChip *p, int line)
{
    return p->ltim || (p->elcr & (1u << line));
}

/* 0 for the highest priority input present in mask, 8 when empty. */
static int priority_of(const PICChip *p, uint8_t mask)
{
    if (!mask) {
        return 8;
    }
    int prio = 0;
    while (!(mask & (1u << ((prio + p->priority_add) & 7)))) {
        prio++;
    }
    return prio;
}

static int irq_of(const PICChip *p, int prio)
{
    return (prio + p->priority_add) & 7;
}

void pic_chip_reset(PICChip *p)
{
    uint8_t elcr_mask = p->elcr_mask;
    bool master = p->is_master;
    *p = (PICChip) {
        .elcr_mask = elcr_mask,
        .is_master = master,
        /* Undefined until ICW1 on the chip; we start every input masked
         * so nothing reaches the CPU with an unprogrammed vector, and with
         * the PC's cascade wiring (slave on IR2). */
        .imr = 0xff,
        .icw3 = master ? 0x04 : 0x02,
    };
}

void pic_chip_set_input(PICChip *p, int line, bool level)
{
    uint8_t mask = 1u << (line & 7);
    if (level_triggered(p, line)) {
        p->irr = level ? p->irr | mask : p->irr & ~mask;
    } else if (level && !(p->input & mask)) {
        /* Edge: a request is latched on the rising edge and stays until
         * acknowledged (devices pulse their lines). */
        p->irr |= mask;
    }
    p->input = level ? p->input | mask : p->input & ~mask;
}

void pic_chip_write_elcr(PICChip *p, uint8_t val)
{
    p->elcr = val & p->elcr_mask;
    /* Level-triggered requests follow their lines from now on. */
    uint8_t level = p->ltim ? 0xff : p->elcr;
    p->irr = (p->irr & ~level) | (p->input & level);
}

int pic_chip_pending(const PICChip *p)
{
    uint8_t req = p->irr & ~p->imr;
    if (p->special_mask) {
        /* Special mask mode: every unmasked level not itself in service
         * may interrupt, lower as well as higher (datasheet, "Special
         * Mask Mode"). */
        int prio = priority_of(p, req & ~p->isr);
        return prio == 8 ? -1 : irq_of(p, prio);
    }
    int prio = priority_of(p, req);
    if (prio == 8) {
        return -1;
    }
    int cur = priority_of(p, p->isr);
    if (prio < cur) {
        return irq_of(p, prio);
    }
    /* Special fully nested mode: a slave's input may interrupt again
     * while it is in service, for the slave's higher-priority requests. */
    if (p->is_master && p->sfnm && prio == cur && (p->icw3 & (1u << irq_of(p, prio)))) {
        return irq_of(p, prio);
    }
    return -1;
}

void pic_chip_ack(PICChip *p, int irq)
{
    uint8_t mask = 1u << (irq & 7);
    if (!p->auto_eoi) {
        p->isr |= mask;
    } else if (p->rotate_on_aeoi) {
        p->priority_add = (irq + 1) & 7;
    }
    /* The first INTA resets the IRR bit; a level-triggered input still
     * high sets it again. */
    p->irr &= ~mask;
    if (level_triggered(p, irq) && (p->input & mask)) {
        p->irr |= mask;
    }
}

static void write_icw1(PICChip *p, uint8_t val)
{
    /* ADI (bit 2) and A7..A5 (bits 7..5) only matter in 8080 mode.
     * ICW1: the edge sense circuit is reset (a new rising edge is needed),
     * the IMR cleared, IR7 gets the lowest priority, special mask mode and
     * the ICW4 functions cleared, status read set to IRR.  ISR is cleared
     * too, as other PC emulators do, so a re-initialisation cannot leave a
     * level stuck in service. */
    uint8_t level = (val & ICW1_LTIM) ? 0xff : p->elcr;
    p->irr = p->input & level;
    p->isr = 0;
    p->imr = 0;
    p->priority_add = 0;
    p->special_mask = false;
    p->read_isr = false;
    p->poll = false;
    p->auto_eoi = false;
    p->sfnm = false;
    p->rotate_on_aeoi = false;
    p->icw4_needed = val & ICW1_IC4;
    p->single = val & ICW1_SNGL;
    p->ltim = val & ICW1_LTIM;
    p->init_state = 2;
}

static void write_ocw2(PICChip *p, uint8_t val)
{
    int level = val & 7;
    int prio;
    switch (val >> 5) {
    case OCW2_CLEAR_ROTATE_AEOI:
        p->rotate_on_aeoi = false;
        break;
    case OCW2_SET_ROTATE_AEOI:
        p->rotate_on_aeoi = true;
        break;
    case OCW2_NONSPECIFIC_EOI:
    case OCW2_ROTATE_NONSPECIFIC_EOI:
        prio = priority_of(p, p->isr);
        if (prio != 8) {
            int irq = irq_of(p, prio);
            p->isr &= ~(1u << irq);
            if ((val >> 5) == OCW2_ROTATE_NONSPECIFIC_EOI) {
                p->priority_add = (irq + 1) & 7;
            }
        }
        break;
    case OCW2_SPECIFIC_EOI:
        p->isr &= ~(1u << level);
        break;
    case OCW2_ROTATE_SPECIFIC_EOI:
        p->isr &= ~(1u << level);
        p->priority_add = (level + 1) & 7;
        break;
    case OCW2_SET_PRIORITY:
        p->priority_add = (level + 1) & 7;     /* IR level becomes the lowest */
        break;
    default:            /* OCW2_NOP */
        break;
    }
}

static void write_ocw3(PICChip *p, uint8_t val)
{
    if (val & OCW3_RR) {
        p->read_isr = val & OCW3_RIS;
    }
    if (val & OCW3_P) {
        p->poll = true;
    }
    if (val & OCW3_ESMM) {
        p->special_mask = val & OCW3_SMM;
    }
}

void pic_chip_write(PICChip *p, int a0, uint8_t val)
{
    if (!a0) {
        if (val & ICW1_MARK) {
            write_icw1(p, val);
        } else if ((val & OCW3_MASK) == OCW3_MARK) {
            write_ocw3(p, val);
        } else {
            write_ocw2(p, val);
        }
        return;
    }
    switch (p->init_state) {
    case 2:
        p->base = val & 0xf8;
        p->init_state = !p->single ? 3 : (p->icw4_needed ? 4 : 0);
        break;
    case 3:
        p->icw3 = val;
        p->init_state = p->icw4_needed ? 4 : 0;
        break;
    case 4:
        if (!(val & ICW4_UPM)) {
            log_mask(LOG_UNIMP, "i8259: ICW4 selects 8080/8085 mode; x86 mode kept\n");
        }
        p->auto_eoi = val & ICW4_AEOI;
        p->sfnm = val & ICW4_SFNM;
        p->init_state = 0;
        break;
    default:
        p->imr = val;   /* OCW1 */
        break;
    }
}

uint8_t pic_chip_read(PICChip *p, int a0)
{
    if (p->poll) {
        /* Poll: this read is the interrupt acknowledge; the byte is I
         * (bit 7) and the highest priority level requesting (bits 2..0). */
        p->poll = false;
        int irq = pic_chip_pending(p);
        if (irq < 0) {
            return 0;
        }
        pic_chip_ack(p, irq);
        return 0x80 | irq;
    }
    if (a0) {
        return p->imr;
    }
    return p->read_isr ? p->isr : p->irr;
}
