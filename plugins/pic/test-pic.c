/*
 * Unit tests of the i8259 pair: the initialisation sequence, masking,
 * priority and rotation, the EOI commands, automatic EOI, edge and level
 * triggering through the ELCR, the cascade, spurious IRQ7 and IRQ15, poll
 * mode, special mask mode and special fully nested mode, all through the
 * ports and the interrupt-acknowledge interface the CPU uses.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "harness.h"

static DeviceState *pic;
static IRQProbe *intr;

static void line(int n, int level)
{
    IRQState *in = device_get_gpio_in_named(pic, "in", n);
    assert_non_null(in);
    irq_set(in, level);
}

static void pulse(int n)
{
    line(n, 1);
    line(n, 0);
}

static int ack(void)
{
    return interrupt_ack(OBJECT(pic));
}

static uint8_t read_isr(uint16_t port)
{
    cpu_outb(port, 0x0b);           /* OCW3: read ISR */
    uint8_t v = cpu_inb(port);
    cpu_outb(port, 0x0a);           /* back to IRR */
    return v;
}

static uint8_t read_irr(uint16_t port)
{
    cpu_outb(port, 0x0a);
    return cpu_inb(port);
}

/* The PC BIOS's programming: vectors 0x08 and 0x70, slave on IR2, 8086
 * mode, icw4 as given (0x01 normal, 0x03 AEOI, 0x11 SFNM), all unmasked. */
static void init_pair(uint8_t icw4)
{
    cpu_outb(0x20, 0x11);
    cpu_outb(0x21, 0x08);
    cpu_outb(0x21, 0x04);
    cpu_outb(0x21, icw4);
    cpu_outb(0xa0, 0x11);
    cpu_outb(0xa1, 0x70);
    cpu_outb(0xa1, 0x02);
    cpu_outb(0xa1, icw4 & ~0x10);
    cpu_outb(0x21, 0x00);
    cpu_outb(0xa1, 0x00);
}

static int group_setup(void **state)
{
    harness_load_plugin("pic");
    pic = harness_create("i8259", "pic", NULL, NULL);
    intr = harness_probe_output(pic, "intr", 0);
    return 0;
}

static int setup(void **state)
{
    for (int i = 0; i < 16; i++) {
        line(i, 0);
    }
    device_cold_reset(pic);
    harness_probe_reset(intr);
    return 0;
}

static void test_power_on_everything_masked(void **state)
{
    assert_int_equal(cpu_inb(0x21), 0xff);
    assert_int_equal(cpu_inb(0xa1), 0xff);
    line(0, 1);
    line(9, 1);
    assert_int_equal(intr->level, 0);
    assert_int_equal(read_irr(0x20), 0x01);    /* requested, but masked */
    assert_int_equal(read_irr(0xa0), 0x02);
}

static void test_init_sequence(void **state)
{
    cpu_outb(0x21, 0x5a);                   /* OCW1 before any ICW */
    assert_int_equal(cpu_inb(0x21), 0x5a);
    cpu_outb(0x20, 0x11);                   /* ICW1: edge, cascade, ICW4 */
    assert_int_equal(cpu_inb(0x21), 0x00);  /* ICW1 clears the IMR */
    cpu_outb(0x21, 0x33);                   /* ICW2: base 0x30 (low bits dropped) */
    cpu_outb(0x21, 0x04);                   /* ICW3 */
    assert_int_equal(cpu_inb(0x21), 0x00);  /* ICW3 is not the IMR */
    cpu_outb(0x21, 0x01);                   /* ICW4 */
    cpu_outb(0x21, 0xfe);                   /* OCW1 */
    assert_int_equal(cpu_inb(0x21), 0xfe);
    line(0, 1);
    assert_int_equal(intr->level, 1);
    assert_int_equal(ack(), 0x30);

    /* Without IC4 the sequence ends after ICW3. */
    cpu_outb(0x20, 0x10);
    cpu_outb(0x21, 0x48);
    cpu_outb(0x21, 0x04);
    cpu_outb(0x21, 0xf7);                   /* already OCW1 */
    assert_int_equal(cpu_inb(0x21), 0xf7);
    pulse(3);
    assert_int_equal(ack(), 0x4b);
    /* Single mode skips ICW3: ICW2, then ICW4, then OCW1. */
    cpu_outb(0x20, 0x13);
    cpu_outb(0x21, 0x50);
    cpu_outb(0x21, 0x01);
    cpu_outb(0x21, 0xfb);
    assert_int_equal(cpu_inb(0x21), 0xfb);
    /* In single mode IR2 is an ordinary input: its own vector. */
    cpu_outb(0xa0, 0x11);
    cpu_outb(0xa1, 0x70);
    cpu_outb(0xa1, 0x02);
    cpu_outb(0xa1, 0x01);
    cpu_outb(0xa1, 0x00);
    cpu_outb(0x21, 0x00);
    pulse(9);
    assert_int_equal(ack(), 0x52);
}

static void test_icw1_resets_edge_sense(void **state)
{
    line(4, 1);                             /* held high through the init */
    init_pair(0x01);
    assert_int_equal(intr->level, 0);       /* needs a new rising edge */
    line(4, 0);
    line(4, 1);
    assert_int_equal(intr->level, 1);
    assert_int_equal(ack(), 0x0c);
}

static void test_masking(void **state)
{
    init_pair(0x01);
    cpu_outb(0x21, 0x08);                   /* mask IRQ3 */
    pulse(3);
    assert_int_equal(intr->level, 0);
    assert_int_equal(read_irr(0x20), 0x08); /* the request waits in IRR */
    cpu_outb(0x21, 0x00);
    assert_int_equal(intr->level, 1);
    assert_int_equal(ack(), 0x0b);
    assert_int_equal(intr->level, 0);
    /* Masking the slave's line hides it from the master too. */
    cpu_outb(0xa1, 0x10);
    pulse(12);
    assert_int_equal(intr->level, 0);
    cpu_outb(0xa1, 0x00);
    assert_int_equal(intr->level, 1);
    assert_int_equal(ack(), 0x74);
    /* Masking the cascade input on the master hides every slave line. */
    cpu_outb(0x20, 0x20);
    cpu_outb(0xa0, 0x20);
    cpu_outb(0x21, 0x04);
    pulse(8);
    assert_int_equal(intr->level, 0);
}

static void test_fixed_priority_and_nesting(void **state)
{
    init_pair(0x01);
    pulse(5);
    pulse(3);
    assert_int_equal(ack(), 0x0b);          /* 3 beats 5 */
    assert_int_equal(read_isr(0x20), 0x08);
    assert_int_equal(intr->level, 0);       /* 5 waits for 3's EOI */
    pulse(1);
    assert_int_equal(intr->level, 1);       /* 1 nests above 3 */
    assert_int_equal(ack(), 0x09);
    assert_int_equal(read_isr(0x20), 0x0a);
    cpu_outb(0x20, 0x20);                   /* non-specific EOI: clears 1 */
    assert_int_equal(read_isr(0x20), 0x08);
    assert_int_equal(intr->level, 0);
    cpu_outb(0x20, 0x20);                   /* clears 3 */
    assert_int_equal(intr->level, 1);
    assert_int_equal(ack(), 0x0d);
    cpu_outb(0x20, 0x20);
    assert_int_equal(read_isr(0x20), 0);
    /* The slave's lines rank between IRQ1 and IRQ3 (behind IR2). */
    pulse(3);
    pulse(15);
    assert_int_equal(ack(), 0x77);
}

static void test_specific_eoi(void **state)
{
    init_pair(0x01);
    pulse(6);
    assert_int_equal(ack(), 0x0e);
    pulse(4);
    assert_int_equal(ack(), 0x0c);
    assert_int_equal(read_isr(0x20), 0x50);
    cpu_outb(0x20, 0x66);                   /* specific EOI for 6, not the highest */
    assert_int_equal(read_isr(0x20), 0x10);
    cpu_outb(0x20, 0x61);                   /* EOI for a level not in service */
    assert_int_equal(read_isr(0x20), 0x10);
    cpu_outb(0x20, 0x64);
    assert_int_equal(read_isr(0x20), 0x00);
}

static void test_rotation(void **state)
{
    init_pair(0x01);
    /* Rotate on non-specific EOI: the level just served becomes lowest. */
    pulse(3);
    assert_int_equal(ack(), 0x0b);
    cpu_outb(0x20, 0xa0);
    pulse(1);
    pulse(4);
    assert_int_equal(ack(), 0x0c);          /* order 4 5 6 7 0 1 2 3 */
    cpu_outb(0x20, 0x20);
    assert_int_equal(ack(), 0x09);
    cpu_outb(0x20, 0x20);

    /* Set priority: IR6 lowest, so IR7 highest and IR0 next. */
    cpu_outb(0x20, 0xc6);
    pulse(1);
    pulse(0);
    assert_int_equal(ack(), 0x08);
    pulse(7);
    assert_int_equal(ack(), 0x0f);          /* 7 nests above 0 */
    assert_int_equal(read_isr(0x20), 0x81);
    /* Non-specific EOI clears the highest priority in service: 7, in
     * this order, although 0 is in service too. */
    cpu_outb(0x20, 0x20);
    assert_int_equal(read_isr(0x20), 0x01);
    /* Rotate on specific EOI: EOI 0 and make 0 lowest. */
    cpu_outb(0x20, 0xe0);
    assert_int_equal(read_isr(0x20), 0x00);
    pulse(0);
    pulse(1);
    assert_int_equal(ack(), 0x09);
}

static void test_automatic_eoi(void **state)
{
    init_pair(0x03);
    pulse(3);
    assert_int_equal(ack(), 0x0b);
    assert_int_equal(read_isr(0x20), 0);    /* no ISR bit */
    pulse(3);
    assert_int_equal(intr->level, 1);       /* the same level again at once */
    assert_int_equal(ack(), 0x0b);
    pulse(12);
    assert_int_equal(ack(), 0x74);
    assert_int_equal(read_isr(0x20), 0);
    assert_int_equal(read_isr(0xa0), 0);
    /* Rotate in AEOI mode. */
    cpu_outb(0x20, 0x80);
    pulse(5);
    assert_int_equal(ack(), 0x0d);
    pulse(1);
    pulse(6);
    assert_int_equal(ack(), 0x0e);          /* 5 became lowest: 6 first */
    cpu_outb(0x20, 0x00);                   /* stop rotating */
    assert_int_equal(ack(), 0x09);
}

static void test_edge_and_level_via_elcr(void **state)
{
    init_pair(0x01);
    cpu_outb(0x4d0, 0xff);
    cpu_outb(0x4d1, 0xff);
    assert_int_equal(cpu_inb(0x4d0), 0xf8);    /* IRQ 0-2 always edge */
    assert_int_equal(cpu_inb(0x4d1), 0xde);    /* IRQ 8 and 13 always edge */
    cpu_outb(0x4d0, 0x00);
    cpu_outb(0x4d1, 0x04);                     /* IRQ10 level */

    /* Edge (IRQ11): latched by the rising edge, kept after the line falls;
     * a line held high asks once. */
    line(11, 1);
    line(11, 0);
    assert_int_equal(intr->level, 1);
    assert_int_equal(ack(), 0x73);
    cpu_outb(0xa0, 0x20);
    cpu_outb(0x20, 0x20);
    line(11, 1);
    assert_int_equal(ack(), 0x73);
    cpu_outb(0xa0, 0x20);
    cpu_outb(0x20, 0x20);
    assert_int_equal(intr->level, 0);          /* still high, no new edge */
    line(11, 0);

    /* Level (IRQ10): the slave's request follows the line. */
    line(10, 1);
    assert_int_equal(intr->level, 1);
    assert_int_equal(read_irr(0xa0), 0x04);
    line(10, 0);
    assert_int_equal(read_irr(0xa0), 0);
    /* The master latched the cascade's rising edge, so the CPU still sees
     * INTR and the slave, with nothing left, answers IRQ15's spurious
     * vector. */
    assert_int_equal(intr->level, 1);
    assert_int_equal(ack(), 0x77);
    cpu_outb(0x20, 0x20);
    assert_int_equal(intr->level, 0);
    line(10, 1);
    assert_int_equal(ack(), 0x72);
    cpu_outb(0xa0, 0x20);
    cpu_outb(0x20, 0x20);
    assert_int_equal(intr->level, 1);          /* still high: asks again */
    assert_int_equal(ack(), 0x72);
    line(10, 0);
    cpu_outb(0xa0, 0x20);
    cpu_outb(0x20, 0x20);
    assert_int_equal(intr->level, 0);

    /* ICW1 LTIM makes every input of that chip level triggered. */
    cpu_outb(0x20, 0x19);
    cpu_outb(0x21, 0x08);
    cpu_outb(0x21, 0x04);
    cpu_outb(0x21, 0x01);
    line(5, 1);
    assert_int_equal(intr->level, 1);
    line(5, 0);
    assert_int_equal(intr->level, 0);
}

static void test_cascade(void **state)
{
    init_pair(0x01);
    pulse(12);
    assert_int_equal(intr->level, 1);
    assert_int_equal(read_irr(0x20), 0x04);    /* on the master's IR2 */
    assert_int_equal(ack(), 0x74);
    assert_int_equal(read_isr(0x20), 0x04);
    assert_int_equal(read_isr(0xa0), 0x10);
    /* While IR2 is in service on the master, a higher slave line waits. */
    pulse(9);
    assert_int_equal(intr->level, 0);
    cpu_outb(0xa0, 0x20);                      /* slave EOI */
    assert_int_equal(intr->level, 0);          /* the master's IR2 still in service */
    cpu_outb(0x20, 0x20);
    assert_int_equal(intr->level, 1);
    assert_int_equal(ack(), 0x71);
}

static void test_spurious_irq7_and_irq15(void **state)
{
    init_pair(0x01);
    /* Nothing pending: IR7 of the master, nothing put in service. */
    assert_int_equal(ack(), 0x0f);
    assert_int_equal(read_isr(0x20), 0);
    /* A level request that went away before the acknowledge. */
    cpu_outb(0x4d0, 0x20);
    line(5, 1);
    assert_int_equal(intr->level, 1);
    line(5, 0);
    assert_int_equal(ack(), 0x0f);
    assert_int_equal(read_isr(0x20), 0);
    /* The master latched the slave's request, which the slave then lost:
     * the slave answers with its IR7 and no ISR bit; the master's IR2 is
     * in service. */
    pulse(12);
    cpu_outb(0xa1, 0x10);
    assert_int_equal(ack(), 0x77);
    assert_int_equal(read_isr(0xa0), 0);
    assert_int_equal(read_isr(0x20), 0x04);
    cpu_outb(0x20, 0x20);
    assert_int_equal(read_isr(0x20), 0);
}

static void test_poll_mode(void **state)
{
    init_pair(0x01);
    cpu_outb(0x20, 0x0c);                   /* OCW3 poll */
    assert_int_equal(cpu_inb(0x20), 0x00);  /* nothing requesting */
    pulse(6);
    cpu_outb(0x20, 0x0c);
    assert_int_equal(cpu_inb(0x20), 0x86);  /* I bit and level 6 */
    assert_int_equal(read_isr(0x20), 0x40); /* the read was the acknowledge */
    assert_int_equal(intr->level, 0);
    /* Poll is one-shot: the next read is the IRR again. */
    pulse(6);
    assert_int_equal(cpu_inb(0x20), 0x40);
    cpu_outb(0x20, 0x20);
    /* The slave through its own poll. */
    cpu_outb(0x21, 0xff);                   /* the master is not interested */
    pulse(14);
    cpu_outb(0xa0, 0x0c);
    assert_int_equal(cpu_inb(0xa1), 0x86);  /* either port answers a poll */
    assert_int_equal(read_isr(0xa0), 0x40);
}

static void test_special_mask_mode(void **state)
{
    init_pair(0x01);
    pulse(3);
    assert_int_equal(ack(), 0x0b);
    pulse(5);
    assert_int_equal(intr->level, 0);       /* blocked by 3 in service */
    cpu_outb(0x21, 0x08);                   /* mask 3 */
    cpu_outb(0x20, 0x68);                   /* OCW3: set special mask */
    assert_int_equal(intr->level, 1);       /* lower priorities enabled */
    assert_int_equal(ack(), 0x0d);
    /* In special mask mode, 5 in service does not block 6 either. */
    pulse(6);
    assert_int_equal(ack(), 0x0e);
    cpu_outb(0x20, 0x48);                   /* reset special mask */
    pulse(7);
    assert_int_equal(intr->level, 0);
    cpu_outb(0x20, 0x63);
    cpu_outb(0x20, 0x65);
    cpu_outb(0x20, 0x66);
    assert_int_equal(intr->level, 1);
    assert_int_equal(ack(), 0x0f);
}

static void test_special_fully_nested(void **state)
{
    init_pair(0x11);                        /* master SFNM */
    pulse(12);
    assert_int_equal(ack(), 0x74);
    pulse(9);                               /* higher on the slave */
    assert_int_equal(intr->level, 1);       /* passes the master's IR2 in service */
    assert_int_equal(ack(), 0x71);
    assert_int_equal(read_isr(0xa0), 0x12);
    /* A lower slave line still waits for the slave's EOI. */
    pulse(13);
    assert_int_equal(intr->level, 0);
    /* A master line below IR2 is still blocked by IR2 in service. */
    pulse(4);
    assert_int_equal(intr->level, 0);
}

static void test_cascade_line_from_outside_is_ignored(void **state)
{
    init_pair(0x01);
    line(2, 1);
    assert_int_equal(intr->level, 0);
    assert_int_equal(read_irr(0x20), 0);
    line(2, 0);
}

static void test_interface_and_names(void **state)
{
    assert_int_equal(device_gpio_count(pic, "in", false), 16);
    assert_int_equal(device_gpio_count(pic, "intr", true), 1);
    assert_non_null(object_dynamic_cast(OBJECT(pic), TYPE_INTERRUPT_ACK));
}

/* A realize that fails after mapping some ports leaves none of them mapped:
 * the same ports can be used by the next device. */
static void test_failed_realize_unmaps_its_ports(void **state)
{
    const char *clash[] = { "iobase-master=0x720", "iobase-slave=0x721", "elcr=off", NULL };
    Error *err = NULL;
    assert_null(harness_try_create("i8259", "pic-bad", NULL, clash, &err));
    assert_string_equal(error_get_pretty(err),
                        "I/O ports 0x721-0x722 of device 'pic-bad' (i8259) overlap I/O ports "
                        "0x720-0x721 of device 'pic-bad' (i8259) (region 'i8259-master')");
    error_free(err);
    assert_int_equal(cpu_inb(0x720), 0xff);
    const char *fine[] = { "iobase-master=0x720", "iobase-slave=0x724", "elcr=off", NULL };
    assert_non_null(harness_try_create("i8259", "pic-good", NULL, fine, NULL));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup(fn, setup)
    const struct CMUnitTest tests[] = {
        T(test_power_on_everything_masked),
        T(test_init_sequence),
        T(test_icw1_resets_edge_sense),
        T(test_masking),
        T(test_fixed_priority_and_nesting),
        T(test_specific_eoi),
        T(test_rotation),
        T(test_automatic_eoi),
        T(test_edge_and_level_via_elcr),
        T(test_cascade),
        T(test_spurious_irq7_and_irq15),
        T(test_poll_mode),
        T(test_special_mask_mode),
        T(test_special_fully_nested),
        T(test_cascade_line_from_outside_is_ignored),
        T(test_interface_and_names),
        T(test_failed_realize_unmaps_its_ports),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
