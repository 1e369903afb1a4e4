/*
 * Unit tests of the i8042 controller and its PS/2 keyboard and mouse: the
 * command byte, self tests, Linux's probe sequence, keyboard commands,
 * scan code sets 1/2/3 and translation, the output port (A20 and reset),
 * interrupts, disabled interfaces, mouse modes and packets, the wheel
 * detection, bounded queues and a hostile register storm.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "harness.h"
#include "main/runstate.h"
#include "input/input-internal.h"

#define DATA 0x60
#define STATUS 0x64

static DeviceState *dev;
static IRQProbe *irq_kbd, *irq_mouse, *a20;

static uint8_t st(void)
{
    return (uint8_t)cpu_inb(STATUS);
}

static void cmd(uint8_t c)
{
    cpu_outb(STATUS, c);
}

static void wdata(uint8_t v)
{
    cpu_outb(DATA, v);
}

static uint8_t rdata(void)
{
    return (uint8_t)cpu_inb(DATA);
}

/* Read every byte waiting (at most max, which must not be reached). */
static int drain(uint8_t *buf, int max)
{
    int n = 0;
    while (st() & 0x01) {
        assert_true(n < max);
        buf[n++] = rdata();
    }
    return n;
}

#define EXPECT(...)                                                          \
    do {                                                                     \
        const uint8_t want_[] = { __VA_ARGS__ };                             \
        uint8_t got_[64];                                                    \
        int n_ = drain(got_, 64);                                            \
        if (n_ != (int)sizeof(want_) || memcmp(got_, want_, n_)) {           \
            char *g_ = g_strnfill(0, 0);                                     \
            for (int i_ = 0; i_ < n_; i_++) {                                \
                char *t_ = g_strdup_printf("%s %02x", g_, got_[i_]);         \
                g_free(g_);                                                  \
                g_ = t_;                                                     \
            }                                                                \
            fail_msg("line %d: got [%s ] (%d bytes), want %zu bytes",        \
                     __LINE__, g_, n_, sizeof(want_));                       \
        }                                                                    \
    } while (0)

#define EXPECT_NOTHING() assert_int_equal(st() & 0x01, 0)

static int group_setup(void **state)
{
    harness_load_plugin("i8042");
    dev = harness_create("i8042", "kbc", NULL, NULL);
    irq_kbd = harness_probe_output(dev, "irq-kbd", 0);
    irq_mouse = harness_probe_output(dev, "irq-mouse", 0);
    a20 = harness_probe_output(dev, "a20", 0);
    return 0;
}

static int setup(void **state)
{
    device_cold_reset(dev);
    harness_probe_reset(irq_kbd);
    harness_probe_reset(irq_mouse);
    harness_probe_reset(a20);
    int code;
    runstate_take_reset_request();
    runstate_take_shutdown_request(&code);
    return 0;
}

/* ---- controller ---- */

static void test_reset_state(void **state)
{
    /* System flag, not inhibited, nothing buffered. */
    assert_int_equal(st(), 0x14);
    cmd(0x20);
    assert_int_equal(st() & 0x29, 0x09);       /* OBF, keyboard data, last write a command */
    EXPECT(0x45);
    assert_int_equal(a20->level, 1);
    assert_int_equal(irq_kbd->level, 0);
    cmd(0xd0);
    EXPECT(0xcf);
    cmd(0xc0);
    EXPECT(0x80);
}

static void test_self_tests(void **state)
{
    cmd(0xaa);
    EXPECT(0x55);
    cmd(0xab);
    EXPECT(0x00);
    cmd(0xa9);
    EXPECT(0x00);
    cmd(0xa4);
    EXPECT(0xf1);
    cmd(0xe0);
    EXPECT(0x00);
    /* The self test sets the system flag even if the command byte lacks it. */
    cmd(0x60);
    wdata(0x01);
    assert_int_equal(st() & 0x04, 0x00);
    cmd(0xaa);
    EXPECT(0x55);
    assert_int_equal(st() & 0x04, 0x04);
}

static void test_controller_ram(void **state)
{
    cmd(0x65);
    wdata(0x5a);
    cmd(0x25);
    EXPECT(0x5a);
    cmd(0x7f);
    wdata(0xa5);
    cmd(0x3f);
    EXPECT(0xa5);
    /* The command byte's bit 2 is the status system flag. */
    cmd(0x60);
    wdata(0x41);
    assert_int_equal(st() & 0x04, 0x00);
    cmd(0x20);
    EXPECT(0x41);
}

/* What Linux's i8042 driver does at boot (i8042_controller_init and
 * i8042_check_aux), with the interrupts it waits for. */
static void test_linux_probe_sequence(void **state)
{
    uint8_t junk[64];
    drain(junk, 64);
    cmd(0x20);
    EXPECT(0x45);
    cmd(0x20);
    EXPECT(0x45);
    /* Keylock not active. */
    assert_int_equal(st() & 0x10, 0x10);
    /* Keyboard disabled and its interrupt off while probing. */
    cmd(0x60);
    wdata((0x45 | 0x10) & ~0x01);
    /* AUX loopback: the byte comes back marked as mouse data. */
    cmd(0xd3);
    wdata(0x5a);
    assert_int_equal(st() & 0x21, 0x21);
    assert_int_equal(irq_mouse->rising, 0);    /* AUX interrupt still off */
    EXPECT(0x5a);
    /* The AUX interrupt delivery test. */
    cmd(0x60);
    wdata(0x54 | 0x02);
    cmd(0xd3);
    wdata(0xa5);
    assert_int_equal(irq_mouse->rising, 1);
    assert_int_equal(st() & 0x21, 0x21);
    assert_int_equal(rdata(), 0xa5);
    assert_int_equal(irq_mouse->level, 0);
    /* Bit toggles of 0xA7/0xA8 show in the command byte. */
    cmd(0xa7);
    cmd(0x20);
    EXPECT(0x76);
    cmd(0xa8);
    cmd(0x20);
    EXPECT(0x56);
    /* Keyboard identified through the translating controller. */
    cmd(0x60);
    wdata(0x47);
    harness_probe_reset(irq_kbd);
    wdata(0xf2);
    EXPECT(0xfa, 0xab, 0x41);
    assert_int_equal(irq_kbd->rising, 3);
}

/* ---- keyboard commands ---- */

static void test_keyboard_commands(void **state)
{
    cmd(0x60);
    wdata(0x05);            /* no translation: the keyboard's own bytes */
    wdata(0xf2);
    EXPECT(0xfa, 0xab, 0x83);
    wdata(0xee);
    EXPECT(0xee);
    wdata(0xed);
    EXPECT(0xfa);
    wdata(0x07);
    EXPECT(0xfa);
    wdata(0xf3);
    wdata(0x20);
    EXPECT(0xfa, 0xfa);
    wdata(0xf0);
    wdata(0x00);
    EXPECT(0xfa, 0xfa, 0x02);
    wdata(0xf0);
    wdata(0x07);            /* no such set: resend, parameter still awaited */
    EXPECT(0xfa, 0xfe);
    wdata(0x03);
    EXPECT(0xfa);
    wdata(0xf0);
    wdata(0x00);
    EXPECT(0xfa, 0xfa, 0x03);
    /* A command where a parameter was expected runs as a command. */
    wdata(0xed);
    wdata(0xee);
    EXPECT(0xfa, 0xee);
    wdata(0x01);            /* not a command */
    EXPECT(0xfe);
    wdata(0xfe);            /* resend: the last byte sent */
    EXPECT(0xfe);
    wdata(0xff);
    EXPECT(0xfa, 0xaa);
    wdata(0xf0);
    wdata(0x00);
    EXPECT(0xfa, 0xfa, 0x02);   /* reset went back to set 2 */
    /* Set-3 key type commands are acknowledged with their key lists. */
    wdata(0xfb);
    wdata(0x1c);
    wdata(0x29);
    wdata(0xf8);
    EXPECT(0xfa, 0xfa, 0xfa, 0xfa);
}

static void test_translated_scan_set_query(void **state)
{
    wdata(0xf0);
    wdata(0x00);
    EXPECT(0xfa, 0xfa, 0x41);   /* set 2 as seen through translation */
}

static void test_scanning_enable_disable(void **state)
{
    wdata(0xf5);
    EXPECT(0xfa);
    input_send_key(0x1e, true);
    EXPECT_NOTHING();
    wdata(0xf4);
    EXPECT(0xfa);
    input_send_key(0x1e, true);
    EXPECT(0x1e);
}

/* ---- keys ---- */

static void test_keys_translated(void **state)
{
    input_send_key(0x1e, true);
    input_send_key(0x1e, false);
    EXPECT(0x1e, 0x9e);
    input_send_key(0xc8, true);     /* up arrow */
    input_send_key(0xc8, false);
    EXPECT(0xe0, 0x48, 0xe0, 0xc8);
    input_send_key(0xc6, true);     /* Pause: make only */
    input_send_key(0xc6, false);
    EXPECT(0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5);
    input_send_key(0xb7, true);     /* Print Screen */
    input_send_key(0xb7, false);
    EXPECT(0xe0, 0x2a, 0xe0, 0x37, 0xe0, 0xb7, 0xe0, 0xaa);
    input_send_key(0x41, true);     /* F7: set 2 code 0x83 */
    EXPECT(0x41);
}

static void test_keys_raw_sets(void **state)
{
    cmd(0x60);
    wdata(0x05);                    /* translation off */
    input_send_key(0x1e, true);
    input_send_key(0x1e, false);
    EXPECT(0x1c, 0xf0, 0x1c);
    input_send_key(0xc8, false);
    EXPECT(0xe0, 0xf0, 0x75);
    input_send_key(0x41, true);
    EXPECT(0x83);
    input_send_key(0xc6, true);
    EXPECT(0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77);
    wdata(0xf0);
    wdata(0x01);
    EXPECT(0xfa, 0xfa);
    input_send_key(0x1e, true);
    input_send_key(0x9d, false);    /* right Ctrl */
    EXPECT(0x1e, 0xe0, 0x9d);
    wdata(0xf0);
    wdata(0x03);
    EXPECT(0xfa, 0xfa);
    input_send_key(0x1e, true);
    input_send_key(0xc8, true);
    input_send_key(0xc8, false);
    input_send_key(0xc6, true);
    EXPECT(0x1c, 0x63, 0xf0, 0x63, 0x62);
}

/* Every key's set 2 codes, translated by the controller, are its set 1
 * codes: the translation table and the set 2 table agree. */
static void test_translation_matches_set1(void **state)
{
    int keys = 0;
    for (int q = 1; q <= 0xff; q++) {
        if ((q & 0x7f) == 0 || q == 0xc6 || q == 0xb7) {
            continue;
        }
        input_send_key(q, true);
        input_send_key(q, false);
        uint8_t got[16];
        int n = drain(got, 16);
        if (n == 0) {
            continue;               /* no set 2 code for this qnum */
        }
        keys++;
        uint8_t want[4];
        int m = 0;
        if (q & 0x80) {
            want[m++] = 0xe0;
        }
        want[m++] = (uint8_t)(q & 0x7f);
        if (q & 0x80) {
            want[m++] = 0xe0;
        }
        want[m++] = (uint8_t)(q | 0x80);
        if (n != m || memcmp(got, want, m)) {
            fail_msg("qnum 0x%02x: got %d bytes %02x %02x", q, n, got[0], got[1]);
        }
    }
    /* Every set 1 code 0x01-0x7F has a set 2 code, with and without E0. */
    assert_int_equal(keys, 2 * 127 - 2);
}

/* ---- interrupts and interfaces ---- */

static void test_irq_per_byte(void **state)
{
    input_send_key(0x1e, true);
    input_send_key(0x1e, false);
    assert_int_equal(irq_kbd->level, 1);
    assert_int_equal(irq_kbd->rising, 1);
    assert_int_equal(rdata(), 0x1e);
    /* The next byte is loaded at once: a new edge. */
    assert_int_equal(irq_kbd->falling, 1);
    assert_int_equal(irq_kbd->rising, 2);
    assert_int_equal(rdata(), 0x9e);
    assert_int_equal(irq_kbd->level, 0);
    /* With the interrupt disabled, data is there but the line stays low. */
    cmd(0x60);
    wdata(0x44);
    input_send_key(0x1e, true);
    assert_int_equal(st() & 0x01, 0x01);
    assert_int_equal(irq_kbd->level, 0);
    /* Enabling it with data waiting raises it. */
    cmd(0x60);
    wdata(0x45);
    assert_int_equal(irq_kbd->level, 1);
}

static void test_disabled_interfaces_hold_data(void **state)
{
    cmd(0xad);
    input_send_key(0x1e, true);
    EXPECT_NOTHING();
    cmd(0xae);
    EXPECT(0x1e);
    wdata(0xf4);                    /* a byte to the keyboard enables it too */
    EXPECT(0xfa);
    cmd(0xad);
    wdata(0xee);
    EXPECT(0xee);
    cmd(0x20);
    EXPECT(0x45);
    /* Mouse side. */
    cmd(0xd4);
    wdata(0xf4);
    EXPECT(0xfa);
    cmd(0xa7);
    input_send_mouse(1, 0, 0, 0);
    EXPECT_NOTHING();
    cmd(0xa8);
    EXPECT(0x08, 0x01, 0x00);
}

static void test_write_output_buffers(void **state)
{
    cmd(0xd2);
    wdata(0x42);
    assert_int_equal(st() & 0x21, 0x01);
    assert_int_equal(irq_kbd->level, 1);
    EXPECT(0x42);
    cmd(0x60);
    wdata(0x47);
    cmd(0xd3);
    wdata(0x43);
    assert_int_equal(st() & 0x21, 0x21);
    assert_int_equal(irq_mouse->level, 1);
    EXPECT(0x43);
}

static void test_password_bytes_are_swallowed(void **state)
{
    cmd(0xa5);
    wdata('p');
    wdata('w');
    wdata(0);
    EXPECT_NOTHING();
    wdata(0xee);                    /* the keyboard is reachable again */
    EXPECT(0xee);
}

/* ---- output port ---- */

static void test_output_port_a20_and_reset(void **state)
{
    cmd(0xd1);
    wdata(0xcd);                    /* A20 off */
    assert_int_equal(a20->level, 0);
    assert_false(runstate_take_reset_request());
    cmd(0xd0);
    EXPECT(0xcd);
    cmd(0xdf);
    assert_int_equal(a20->level, 1);
    cmd(0xdd);
    assert_int_equal(a20->level, 0);
    cmd(0xd1);
    wdata(0xcf);
    assert_int_equal(a20->level, 1);
    /* Bit 0 low resets the CPU. */
    cmd(0xd1);
    wdata(0xce);
    assert_true(runstate_take_reset_request());
    cmd(0xd1);
    wdata(0xcf);
    /* Pulse commands: only a 0 in bit 0 pulses the reset line. */
    cmd(0xff);
    cmd(0xf1);
    assert_false(runstate_take_reset_request());
    cmd(0xfe);
    assert_true(runstate_take_reset_request());
    cmd(0xf0);
    assert_true(runstate_take_reset_request());
    /* Reading the output port shows the IRQ lines: the key waiting in the
     * output buffer holds IRQ1 high (bit 4). */
    input_send_key(0x1e, true);
    cmd(0xd0);
    EXPECT(0x1e, 0xdf);
}

/* ---- mouse ---- */

static void aux(uint8_t b)
{
    cmd(0xd4);
    wdata(b);
}

static void test_mouse_stream(void **state)
{
    cmd(0x60);
    wdata(0x47);                    /* both interrupts */
    aux(0xff);
    EXPECT(0xfa, 0xaa, 0x00);
    aux(0xf2);
    EXPECT(0xfa, 0x00);
    input_send_mouse(5, 5, 0, 0);   /* disabled: nothing reported */
    EXPECT_NOTHING();
    aux(0xf4);
    EXPECT(0xfa);
    harness_probe_reset(irq_mouse);
    input_send_mouse(10, 5, 0, INPUT_BUTTON_LEFT);
    assert_int_equal(irq_mouse->rising, 1);
    /* Left, Y negative (host down is PS/2 down), X 10, Y -5. */
    EXPECT(0x29, 0x0a, 0xfb);
    input_send_mouse(-3, -2, 0, INPUT_BUTTON_LEFT | INPUT_BUTTON_RIGHT |
                     INPUT_BUTTON_MIDDLE);
    EXPECT(0x1f, 0xfd, 0x02);
    /* A button change alone is a packet. */
    input_send_mouse(0, 0, 0, 0);
    EXPECT(0x08, 0x00, 0x00);
    /* The 9-bit counters saturate and flag the overflow. */
    input_send_mouse(600, -300, 0, 0);
    EXPECT(0xc8, 0xff, 0xff);
    input_send_mouse(-256, 0, 0, 0);
    EXPECT(0x18, 0x00, 0x00);
    /* The wheel is not reported by a standard mouse. */
    input_send_mouse(0, 0, 3, 0);
    EXPECT_NOTHING();
    /* Scaling 2:1 in stream mode. */
    aux(0xe7);
    EXPECT(0xfa);
    input_send_mouse(4, 0, 0, 0);
    EXPECT(0x08, 0x06, 0x00);
    aux(0xe6);
    EXPECT(0xfa);
    input_send_mouse(4, 0, 0, 0);
    EXPECT(0x08, 0x04, 0x00);
}

static void test_mouse_status_and_settings(void **state)
{
    aux(0xe9);
    EXPECT(0xfa, 0x00, 0x02, 100);
    aux(0xf3);
    aux(40);
    aux(0xe8);
    aux(3);
    aux(0xe7);
    aux(0xf4);
    EXPECT(0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa);
    input_send_mouse(0, 0, 0, INPUT_BUTTON_RIGHT);
    EXPECT(0x0a, 0x00, 0x00);
    aux(0xe9);
    EXPECT(0xfa, 0x31, 0x03, 40);   /* enabled, 2:1, right button */
    aux(0xe8);
    aux(9);                         /* no such resolution: resend it */
    EXPECT(0xfa, 0xfe);
    aux(1);
    EXPECT(0xfa);
    aux(0xe8);
    aux(0xf6);                      /* a command aborts the wait: defaults */
    EXPECT(0xfa, 0xfa);
    aux(0xe9);
    EXPECT(0xfa, 0x01, 0x02, 100);
    aux(0x42);                      /* not a command */
    EXPECT(0xfe);
    aux(0xfe);
    EXPECT(0xfe);
}

static void test_mouse_remote_and_wrap(void **state)
{
    aux(0xf4);
    aux(0xf0);
    EXPECT(0xfa, 0xfa);
    input_send_mouse(7, -1, 0, 0);
    EXPECT_NOTHING();               /* remote mode: only on request */
    aux(0xeb);
    EXPECT(0xfa, 0x08, 0x07, 0x01);
    aux(0xeb);
    EXPECT(0xfa, 0x08, 0x00, 0x00);
    aux(0xea);
    EXPECT(0xfa);
    aux(0xee);
    EXPECT(0xfa);
    aux(0x12);
    aux(0xf4);
    EXPECT(0x12, 0xf4);             /* wrap echoes, even commands */
    aux(0xec);
    EXPECT(0xfa);
    aux(0xf2);
    EXPECT(0xfa, 0x00);
}

static void set_rate(uint8_t r)
{
    aux(0xf3);
    aux(r);
}

static void test_wheel_detection(void **state)
{
    set_rate(200);
    set_rate(100);
    set_rate(80);
    aux(0xf2);
    EXPECT(0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0x03);
    aux(0xf4);
    EXPECT(0xfa);
    input_send_mouse(1, 0, 2, 0);
    EXPECT(0x08, 0x01, 0x00, 0x02);
    input_send_mouse(0, 0, -20, 0);     /* the wheel counter holds -8..7 */
    EXPECT(0x08, 0x00, 0x00, 0xf8);
    set_rate(200);
    set_rate(200);
    set_rate(80);
    aux(0xf2);
    EXPECT(0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0x04);
    input_send_mouse(0, 0, -1, 0);
    EXPECT(0x08, 0x00, 0x00, 0x0f);
    aux(0xff);
    EXPECT(0xfa, 0xaa, 0x00);
    aux(0xf2);
    EXPECT(0xfa, 0x00);
}

/* ---- bounds ---- */

static void test_keyboard_queue_drops(void **state)
{
    cmd(0xad);
    for (int i = 0; i < 10000; i++) {
        input_send_key(0x1e, (i & 1) == 0);
    }
    cmd(0xae);
    uint8_t got[512];
    int n = drain(got, 512);
    /* Bounded; what came through is whole key events, then the overrun
     * code (0x00 in set 2, translated to 0xFF). */
    assert_true(n <= 256);
    assert_true(n > 16);
    assert_int_equal(got[n - 1], 0xff);
    for (int i = 0; i < n - 1; i++) {
        assert_int_equal(got[i], (i & 1) ? 0x9e : 0x1e);
    }
    /* Room again: keys flow. */
    input_send_key(0x30, true);
    EXPECT(0x30);
    /* A command still gets its answer with the event space full. */
    cmd(0xad);
    for (int i = 0; i < 1000; i++) {
        input_send_key(0x1e, true);
    }
    wdata(0xee);
    uint8_t all[512];
    n = drain(all, 512);
    assert_int_equal(all[n - 1], 0xee);
}

static void test_mouse_queue_bounded(void **state)
{
    aux(0xf4);
    EXPECT(0xfa);
    cmd(0xa7);
    for (int i = 0; i < 100000; i++) {
        input_send_mouse(1000, -1000, 0, (unsigned)(i & 7));
    }
    input_send_mouse(INT32_MAX, INT32_MIN, INT32_MAX, 0);
    input_send_mouse(INT32_MIN, INT32_MAX, INT32_MIN, 0);
    cmd(0xa8);
    uint8_t got[600];
    int n = drain(got, 600);
    /* The queue's event space, then one packet for what the counters
     * still held once there was room. */
    assert_true(n <= 256);
    assert_int_equal(n % 3, 0);
    for (int i = 0; i < n; i += 3) {
        assert_int_equal(got[i] & 0x08, 0x08);
    }
    /* The last packet: both counters saturated at -256 (host +Y is PS/2
     * -Y), both overflow bits. */
    assert_int_equal(got[n - 3], 0xf8);
    assert_int_equal(got[n - 2], 0x00);
    assert_int_equal(got[n - 1], 0x00);
    aux(0xf5);
    EXPECT(0xfa);
}

/* Text typed through core/input's paced queue reaches the guest whole,
 * however long, when the guest reads as the events come. */
static void test_paced_typing_arrives_whole(void **state)
{
    GString *text = g_string_new(NULL);
    for (int i = 0; i < 20; i++) {
        g_string_append(text, "echo Hello, World! $((6*7)) | tr a-z A-Z\n");
    }
    assert_true(input_type_text(text->str, &error_abort));
    GByteArray *want = g_byte_array_new();
    for (const char *c = text->str; *c; c++) {
        bool shift;
        uint8_t q = (uint8_t)input_qnum_for_char(*c, &shift);
        uint8_t make_break[2] = { q, (uint8_t)(q | 0x80) };
        if (shift) {
            g_byte_array_append(want, (const uint8_t[]){ 0x2a }, 1);
        }
        g_byte_array_append(want, make_break, 2);
        if (shift) {
            g_byte_array_append(want, (const uint8_t[]){ 0xaa }, 1);
        }
    }
    GByteArray *got = g_byte_array_new();
    while (input_queue_pending() || (st() & 0x01)) {
        harness_advance_ns(INPUT_QUEUE_INTERVAL_NS);
        while (st() & 0x01) {
            uint8_t b = rdata();
            g_byte_array_append(got, &b, 1);
        }
        assert_true(got->len <= want->len);
    }
    assert_int_equal(got->len, want->len);
    assert_memory_equal(got->data, want->data, want->len);
    g_byte_array_free(want, TRUE);
    g_byte_array_free(got, TRUE);
    g_string_free(text, TRUE);
}

static void test_hostile_storm(void **state)
{
    GRand *r = g_rand_new_with_seed(42);
    for (int i = 0; i < 300000; i++) {
        switch (g_rand_int_range(r, 0, 7)) {
        case 0:
            cmd((uint8_t)g_rand_int(r));
            break;
        case 1:
        case 2:
            wdata((uint8_t)g_rand_int(r));
            break;
        case 3:
            input_send_key(g_rand_int_range(r, -2, 0x102), g_rand_boolean(r));
            break;
        case 4:
            input_send_mouse(g_rand_int_range(r, -600, 600), g_rand_int_range(r, -600, 600),
                             g_rand_int_range(r, -20, 20), g_rand_int_range(r, 0, 8));
            break;
        case 5:
            rdata();
            break;
        default: {
            uint8_t s = st();
            assert_int_equal(s & 0x02, 0);           /* never busy */
            if (s & 0x20) {
                assert_int_equal(s & 0x01, 0x01);    /* AUX data implies OBF */
            }
            break;
        }
        }
    }
    runstate_take_reset_request();
    /* Still a working controller. */
    device_cold_reset(dev);
    cmd(0xaa);
    EXPECT(0x55);
    wdata(0xf2);
    EXPECT(0xfa, 0xab, 0x41);
    g_rand_free(r);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, NULL)
    const struct CMUnitTest tests[] = {
        T(test_reset_state),
        T(test_self_tests),
        T(test_controller_ram),
        T(test_linux_probe_sequence),
        T(test_keyboard_commands),
        T(test_translated_scan_set_query),
        T(test_scanning_enable_disable),
        T(test_keys_translated),
        T(test_keys_raw_sets),
        T(test_translation_matches_set1),
        T(test_irq_per_byte),
        T(test_disabled_interfaces_hold_data),
        T(test_write_output_buffers),
        T(test_password_bytes_are_swallowed),
        T(test_output_port_a20_and_reset),
        T(test_mouse_stream),
        T(test_mouse_status_and_settings),
        T(test_mouse_remote_and_wrap),
        T(test_wheel_detection),
        T(test_keyboard_queue_drops),
        T(test_mouse_queue_bounded),
        T(test_paced_typing_arrives_whole),
        T(test_hostile_storm),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
