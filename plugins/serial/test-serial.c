/*
 * Unit tests of isa-serial (16550A): registers after reset, the divisor
 * latch, transmit and word length, receive with backpressure, FIFO
 * trigger levels and the character timeout on the virtual clock, the
 * THR-empty interrupt as Linux probes it, OUT2 gating, interrupt priority,
 * loopback and modem status deltas, breaks, and a hostile register storm.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "harness.h"
#include "chardev/chardev-internal.h"

#define BASE 0x3f8
enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4,
       LSR = 5, MSR = 6, SCR = 7 };

/* 9600 baud (divisor 12), 8N1: 10 bits of 1/9600 s. */
#define CHAR_NS_9600 1041666

typedef struct Fixture {
    DeviceState *dev;
    Chardev *chr;
    IRQProbe *irq;
} Fixture;

static Fixture fx;

static uint8_t rd(int reg)
{
    return (uint8_t)cpu_inb(BASE + reg);
}

static void wr(int reg, uint8_t val)
{
    cpu_outb(BASE + reg, val);
}

static void pump(void)
{
    for (int i = 0; i < 10; i++) {
        g_main_context_iteration(NULL, FALSE);
    }
}

static void inject(const char *s)
{
    size_t n = strlen(s);
    assert_int_equal(chardev_ringbuf_inject(fx.chr, (const uint8_t *)s, n), n);
}

static size_t output(char *buf, size_t max)
{
    size_t n = chardev_ringbuf_read(fx.chr, (uint8_t *)buf, max - 1);
    buf[n] = '\0';
    return n;
}

static int group_setup(void **state)
{
    harness_load_plugin("serial");
    return 0;
}

static int setup(void **state)
{
    static int n;
    char id[16];
    snprintf(id, sizeof(id), "ser%d", n++);
    fx.chr = chardev_new_from_spec(id, "ringbuf", &error_abort);
    char *prop = g_strdup_printf("chardev=%s", id);
    const char *props[] = { "iobase=0x3f8", prop, NULL };
    fx.dev = harness_create("isa-serial", NULL, NULL, props);
    fx.irq = harness_probe_output(fx.dev, "irq", 0);
    g_free(prop);
    return 0;
}

static int teardown(void **state)
{
    device_unrealize(fx.dev);
    object_unref(fx.dev);
    assert_true(chardev_delete(chardev_get_id(fx.chr), &error_abort));
    return 0;
}

/* ---- registers ---- */

static void test_reset_state(void **state)
{
    assert_int_equal(rd(IIR), 0x01);
    assert_int_equal(rd(LSR), 0x60);
    assert_int_equal(rd(LCR), 0x00);
    assert_int_equal(rd(MCR), 0x00);
    assert_int_equal(rd(IER), 0x00);
    /* CTS, DSR and (connected backend) DCD; no deltas. */
    assert_int_equal(rd(MSR), 0xb0);
    assert_int_equal(rd(SCR), 0x00);
    assert_int_equal(fx.irq->level, 0);
    wr(LCR, 0x80);
    assert_int_equal(rd(DLL), 12);
    assert_int_equal(rd(DLM), 0);
}

static void test_divisor_latch(void **state)
{
    wr(LCR, 0x83);
    wr(DLL, 0x01);
    wr(DLM, 0x02);
    assert_int_equal(rd(DLL), 0x01);
    assert_int_equal(rd(DLM), 0x02);
    assert_int_equal(rd(LCR), 0x83);
    wr(LCR, 0x03);
    /* Offsets 0 and 1 are RBR/IER again; DLM's value didn't reach IER. */
    assert_int_equal(rd(IER), 0x00);
    wr(IER, 0xff);
    assert_int_equal(rd(IER), 0x0f);
    wr(LCR, 0x83);
    assert_int_equal(rd(DLM), 0x02);
}

static void test_scratch(void **state)
{
    wr(SCR, 0x5a);
    assert_int_equal(rd(SCR), 0x5a);
    wr(SCR, 0xa5);
    assert_int_equal(rd(SCR), 0xa5);
}

/* ---- transmit ---- */

static void test_transmit_and_word_length(void **state)
{
    char out[64];
    wr(LCR, 0x03);
    wr(THR, 'H');
    wr(THR, 'i');
    assert_int_equal(rd(LSR) & 0x60, 0x60);
    assert_int_equal(output(out, sizeof(out)), 2);
    assert_string_equal(out, "Hi");
    /* 7-bit words: bit 7 is not sent; 5-bit words keep 5 bits. */
    wr(LCR, 0x02);
    wr(THR, 0xc1);
    wr(LCR, 0x00);
    wr(THR, 0xff);
    uint8_t raw[2];
    assert_int_equal(chardev_ringbuf_read(fx.chr, raw, 2), 2);
    assert_int_equal(raw[0], 0x41);
    assert_int_equal(raw[1], 0x1f);
}

/* ---- receive ---- */

static void test_receive_with_backpressure(void **state)
{
    wr(LCR, 0x03);
    inject("abc");
    /* No FIFO: the receiver holds one byte; the backend keeps the rest. */
    assert_int_equal(rd(LSR) & 0x01, 0x01);
    assert_int_equal(chardev_ringbuf_input_pending(fx.chr), 2);
    assert_int_equal(rd(RBR), 'a');
    assert_int_equal(rd(LSR) & 0x01, 0x00);
    pump();
    assert_int_equal(rd(LSR) & 0x03, 0x01);    /* data, and no overrun */
    assert_int_equal(rd(RBR), 'b');
    pump();
    assert_int_equal(rd(RBR), 'c');
    pump();
    assert_int_equal(rd(LSR) & 0x01, 0x00);
    assert_int_equal(rd(RBR), 0);
}

static void test_fifo_holds_sixteen(void **state)
{
    wr(LCR, 0x03);
    wr(FCR, 0x01);
    char in[41];
    for (int i = 0; i < 40; i++) {
        in[i] = (char)('A' + i % 26);
    }
    in[40] = 0;
    inject(in);
    assert_int_equal(chardev_ringbuf_input_pending(fx.chr), 24);
    for (int i = 0; i < 16; i++) {
        assert_int_equal(rd(LSR) & 0x03, 0x01);
        assert_int_equal(rd(RBR), in[i]);
    }
    assert_int_equal(rd(LSR) & 0x01, 0);
    pump();
    assert_int_equal(chardev_ringbuf_input_pending(fx.chr), 8);
    for (int i = 16; i < 32; i++) {
        assert_int_equal(rd(RBR), in[i]);
    }
    /* FCR bit 1 empties the receiver FIFO. */
    pump();
    assert_int_equal(rd(LSR) & 0x01, 0x01);
    wr(FCR, 0x03);
    assert_int_equal(rd(LSR) & 0x01, 0x00);
    assert_int_equal(chardev_ringbuf_input_pending(fx.chr), 0);
    /* Turning the FIFO off empties it too. */
    inject("more");
    assert_int_equal(rd(LSR) & 0x01, 0x01);
    wr(FCR, 0x00);
    assert_int_equal(rd(LSR) & 0x01, 0x00);
    assert_int_equal(rd(IIR) & 0xc0, 0x00);
}

static void test_trigger_level_and_timeout(void **state)
{
    wr(LCR, 0x03);
    wr(FCR, 0x41);              /* FIFO on, trigger level 4 */
    wr(IER, 0x01);
    wr(MCR, 0x08);              /* OUT2: the IRQ reaches the bus */
    assert_int_equal(rd(IIR), 0xc1);
    inject("xyz");
    /* Below the trigger: no interrupt until four character times pass. */
    assert_int_equal(rd(IIR), 0xc1);
    assert_int_equal(fx.irq->level, 0);
    harness_advance_ns(4 * CHAR_NS_9600 - 1000);
    assert_int_equal(rd(IIR), 0xc1);
    harness_advance_ns(2000);
    assert_int_equal(rd(IIR), 0xcc);
    assert_int_equal(fx.irq->level, 1);
    /* A read clears the timeout and restarts its timer. */
    assert_int_equal(rd(RBR), 'x');
    assert_int_equal(rd(IIR), 0xc1);
    assert_int_equal(fx.irq->level, 0);
    harness_advance_ns(4 * CHAR_NS_9600 + 1000);
    assert_int_equal(rd(IIR), 0xcc);
    /* Reaching the trigger level is "data available". */
    inject("1234");
    assert_int_equal(rd(IIR), 0xc4);
    assert_int_equal(fx.irq->level, 1);
    /* The timeout's pace follows the baud rate: 115200 is 12 times
     * faster than 9600. */
    wr(FCR, 0x43);
    wr(LCR, 0x83);
    wr(DLL, 1);
    wr(LCR, 0x03);
    pump();
    while (rd(LSR) & 1) {
        rd(RBR);
        pump();
    }
    inject("q");
    harness_advance_ns(4 * CHAR_NS_9600 / 12 + 1000);
    assert_int_equal(rd(IIR), 0xcc);
}

/* ---- interrupts ---- */

static void test_thre_interrupt(void **state)
{
    wr(MCR, 0x08);
    wr(IER, 0x02);
    assert_int_equal(fx.irq->level, 1);
    /* Reading IIR that reports THRE clears it. */
    assert_int_equal(rd(IIR), 0x02);
    assert_int_equal(rd(IIR), 0x01);
    assert_int_equal(fx.irq->level, 0);
    /* Each write empties THR again at once: the interrupt comes back. */
    wr(THR, 'z');
    assert_int_equal(fx.irq->level, 1);
    assert_int_equal(rd(IIR), 0x02);
    /* Linux's start-up check: IER 0 then THRI again re-asserts it. */
    wr(IER, 0x00);
    assert_int_equal(rd(IIR), 0x01);
    wr(IER, 0x02);
    assert_int_equal(rd(IIR), 0x02);
    /* Writing IER with THRI already set does not make a new event. */
    wr(IER, 0x02);
    assert_int_equal(rd(IIR), 0x01);
}

static void test_out2_gates_irq(void **state)
{
    wr(IER, 0x02);
    assert_int_equal(rd(IIR) & 0x0f, 0x02);    /* pending inside the UART... */
    wr(IER, 0x00);
    wr(IER, 0x02);
    assert_int_equal(fx.irq->level, 0);        /* ...but not on the bus */
    wr(MCR, 0x08);
    assert_int_equal(fx.irq->level, 1);
    wr(MCR, 0x00);
    assert_int_equal(fx.irq->level, 0);
    /* Loopback forces the OUT2 pin inactive. */
    wr(MCR, 0x18);
    assert_int_equal(fx.irq->level, 0);
    wr(MCR, 0x08);
    assert_int_equal(fx.irq->level, 1);
}

static void test_priority_line_status_first(void **state)
{
    wr(LCR, 0x03);
    wr(MCR, 0x10);              /* loopback, FIFO off */
    wr(IER, 0x05);              /* line status and received data */
    wr(THR, 'x');
    wr(THR, 'y');               /* overruns the one-byte receiver */
    assert_int_equal(rd(IIR), 0x06);
    assert_int_equal(rd(LSR), 0x63);           /* DR, OE, THRE, TEMT */
    assert_int_equal(rd(IIR), 0x04);
    assert_int_equal(rd(LSR), 0x61);           /* OE was cleared by the read */
    /* Without a FIFO the newer byte overwrote the older. */
    assert_int_equal(rd(RBR), 'y');
    assert_int_equal(rd(IIR), 0x01);
    /* With the FIFO, the byte that doesn't fit is the one lost. */
    wr(FCR, 0x01);
    for (int i = 0; i < 17; i++) {
        wr(THR, (uint8_t)('a' + i));
    }
    assert_int_equal(rd(IIR), 0xc6);
    assert_int_equal(rd(LSR) & 0x02, 0x02);
    for (int i = 0; i < 16; i++) {
        assert_int_equal(rd(RBR), 'a' + i);
    }
    assert_int_equal(rd(LSR) & 0x03, 0x00);
}

/* ---- loopback and modem lines ---- */

static void test_loopback(void **state)
{
    char out[8];
    wr(LCR, 0x03);
    wr(MCR, 0x1a);              /* LOOP | OUT2 | RTS: Linux's probe value */
    assert_int_equal(rd(MSR) & 0xf0, 0x90);    /* CTS and DCD */
    wr(THR, 0x55);
    assert_int_equal(rd(RBR), 0x55);
    assert_int_equal(output(out, sizeof(out)), 0);
    /* Host input waits while the serial input is disconnected. */
    inject("h");
    assert_int_equal(rd(LSR) & 0x01, 0x00);
    assert_int_equal(chardev_ringbuf_input_pending(fx.chr), 1);
    wr(MCR, 0x0b);
    pump();
    assert_int_equal(rd(RBR), 'h');
    wr(THR, 'o');
    assert_int_equal(output(out, sizeof(out)), 1);
    assert_string_equal(out, "o");
}

static void test_modem_status_deltas(void **state)
{
    wr(MCR, 0x10);
    rd(MSR);                     /* entering loopback changed lines: clear */
    assert_int_equal(rd(MSR), 0x00);
    wr(MCR, 0x11);               /* DTR -> DSR */
    assert_int_equal(rd(MSR), 0x22);           /* DSR, DDSR */
    assert_int_equal(rd(MSR), 0x20);           /* the delta is read once */
    wr(MCR, 0x15);               /* OUT1 -> RI: the leading edge sets no delta */
    assert_int_equal(rd(MSR), 0x60);
    wr(MCR, 0x11);               /* RI's trailing edge: TERI */
    assert_int_equal(rd(MSR), 0x24);
    wr(MCR, 0x13);               /* RTS -> CTS */
    assert_int_equal(rd(MSR), 0x31);
    wr(IER, 0x08);
    wr(MCR, 0x1b);               /* OUT2 -> DCD: a modem-status interrupt */
    assert_int_equal(rd(IIR), 0x00);
    assert_int_equal(rd(MSR), 0xb8);
    assert_int_equal(rd(IIR), 0x01);
}

static void test_break_from_host(void **state)
{
    wr(LCR, 0x03);
    wr(FCR, 0x01);
    inject("a");
    chardev_fe_event(fx.chr, CHARDEV_EVENT_BREAK);
    /* The top character 'a' is clean, but the FIFO holds an error. */
    assert_int_equal(rd(LSR), 0xe1);
    assert_int_equal(rd(RBR), 'a');
    assert_int_equal(rd(LSR), 0xf9);           /* RXFE, BI, FE, DR + THRE/TEMT */
    assert_int_equal(rd(LSR), 0x61);           /* reported once */
    assert_int_equal(rd(RBR), 0x00);
}

static void test_disconnect_drops_dcd(void **state)
{
    wr(IER, 0x08);
    wr(MCR, 0x08);
    chardev_fe_event(fx.chr, CHARDEV_EVENT_CLOSED);
    assert_int_equal(fx.irq->level, 1);
    assert_int_equal(rd(MSR), 0x38);           /* CTS, DSR, DDCD */
    assert_int_equal(fx.irq->level, 0);
    chardev_fe_event(fx.chr, CHARDEV_EVENT_OPENED);
    assert_int_equal(rd(MSR), 0xb8);
}

/* ---- configuration and hostile input ---- */

static void test_realize_errors(void **state)
{
    Error *err = NULL;
    const char *no_backend[] = { "iobase=0x2f8", "chardev=nonesuch", NULL };
    assert_null(harness_try_create("isa-serial", NULL, NULL, no_backend, &err));
    assert_non_null(strstr(error_get_pretty(err), "nonesuch"));
    error_free(err);
    err = NULL;
    /* fx.chr is taken by the fixture's UART. */
    char *prop = g_strdup_printf("chardev=%s", chardev_get_id(fx.chr));
    const char *taken[] = { "iobase=0x2f8", prop, NULL };
    assert_null(harness_try_create("isa-serial", NULL, NULL, taken, &err));
    assert_non_null(strstr(error_get_pretty(err), "in use"));
    error_free(err);
    g_free(prop);
    err = NULL;
    const char *past_end[] = { "iobase=0xfffc", NULL };
    assert_null(harness_try_create("isa-serial", NULL, NULL, past_end, &err));
    error_free(err);
    /* Without a backend, output is discarded and nothing is received. */
    const char *bare[] = { "iobase=0x2f8", NULL };
    DeviceState *d = harness_create("isa-serial", NULL, NULL, bare);
    cpu_outb(0x2f8, 'x');
    assert_int_equal(cpu_inb(0x2fd), 0x60);
    device_unrealize(d);
    object_unref(d);
}

static void test_hostile_storm(void **state)
{
    GRand *r = g_rand_new_with_seed(4);
    static const uint8_t iir_ids[] = { 0x01, 0x06, 0x04, 0x0c, 0x02, 0x00 };
    for (int i = 0; i < 200000; i++) {
        int reg = g_rand_int_range(r, 0, 8);
        switch (g_rand_int_range(r, 0, 8)) {
        case 0: case 1: case 2:
            wr(reg, (uint8_t)g_rand_int(r));
            break;
        case 3:
            cpu_outw(BASE + reg, g_rand_int(r));
            break;
        case 4: {
            uint8_t junk[8];
            int n = g_rand_int_range(r, 1, 8);
            for (int j = 0; j < n; j++) {
                junk[j] = (uint8_t)g_rand_int(r);
            }
            chardev_ringbuf_inject(fx.chr, junk, n);
            break;
        }
        case 5:
            harness_advance_ns(g_rand_int_range(r, 0, 5000000));
            pump();
            break;
        default: {
            uint8_t v = rd(reg);
            uint8_t lcr = rd(LCR);
            if (reg == IIR) {
                assert_int_equal(v & 0x30, 0);
                assert_non_null(memchr(iir_ids, v & 0x0f, sizeof(iir_ids)));
            } else if (reg == LSR) {
                assert_int_equal(v & 0x60, 0x60);
            } else if (reg == IER && !(lcr & 0x80)) {
                assert_int_equal(v & 0xf0, 0);
            } else if (reg == MCR) {
                assert_int_equal(v & 0xe0, 0);
            }
            break;
        }
        }
        if (i % 1000 == 0) {
            uint8_t sink[4096];
            chardev_ringbuf_read(fx.chr, sink, sizeof(sink));
        }
    }
    /* Still a working UART afterwards: reset and talk. */
    device_cold_reset(fx.dev);
    assert_int_equal(rd(IIR), 0x01);
    assert_int_equal(rd(LSR) & 0x61, 0x60);
    uint8_t sink[65536];
    chardev_ringbuf_read(fx.chr, sink, sizeof(sink));
    wr(LCR, 0x03);
    wr(THR, '!');
    assert_int_equal(chardev_ringbuf_read(fx.chr, sink, 2), 1);
    assert_int_equal(sink[0], '!');
    g_rand_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reset_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_divisor_latch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scratch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transmit_and_word_length, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receive_with_backpressure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_holds_sixteen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trigger_level_and_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thre_interrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out2_gates_irq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_priority_line_status_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loopback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_modem_status_deltas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_break_from_host, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disconnect_drops_dcd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_realize_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_storm, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
