/*
 * isa-serial: a 16550A UART (National Semiconductor PC16550D) as on the
 * PC's COM ports.
 *
 * Wiring: property "iobase" (0x3f8 for COM1, 0x2f8, 0x3e8, 0x2e8), property
 * "chardev" (the id of the character backend), GPIO output "irq" (the board
 * wires COM1 to pic.in[4], COM2 to pic.in[3]).
 *
 * Model choices:
 *  - Transmission is instant: a byte written to THR goes to the backend at
 *    once, so THR and the transmitter are always empty again by the next
 *    access (LSR THRE and TEMT read 1) and the THR-empty interrupt re-arms
 *    after every write.  Linux's 8250 driver, polling or interrupt driven,
 *    and BIOS/DOS polling loops never wait.  The TX FIFO is therefore
 *    never observed holding anything.
 *  - Reception takes bytes from the backend only while the receiver has
 *    room (16 bytes with the FIFOs on, 1 without): the backend keeps the
 *    rest (chardev_accept_input when the guest reads), so host input is
 *    never lost to an overrun.  Overruns (OE) still happen in loopback,
 *    where the guest feeds its own receiver.
 *  - The character timeout (FIFO mode) is timed on the virtual clock from
 *    the programmed line format and divisor (1.8432 MHz input clock).
 *  - On a PC the UART's IRQ pin reaches the bus only while the OUT2 pin is
 *    active, so the "irq" output is (interrupt pending && MCR.OUT2), and it
 *    is off in loopback, where the datasheet forces the modem-control pins
 *    to their inactive state.
 *  - Modem status seen from the host side: CTS and DSR asserted, DCD
 *    asserted while the backend is connected (a socket with a peer; always
 *    for stdio, files, ptys), RI never.
 *  - A break from the backend (CHARDEV_EVENT_BREAK) arrives as a 0x00
 *    character flagged BI and FE.  A break the guest sends (LCR bit 6) is
 *    seen only in loopback.
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/cardcage.h>

#define TYPE_ISA_SERIAL "isa-serial"

/* Register offsets (PC16550D datasheet, Table II "Summary of Registers"). */
enum {
    REG_RBR_THR_DLL = 0,
    REG_IER_DLM = 1,
    REG_IIR_FCR = 2,
    REG_LCR = 3,
    REG_MCR = 4,
    REG_LSR = 5,
    REG_MSR = 6,
    REG_SCR = 7,
};

/* Interrupt Enable Register bits. */
#define IER_ERBFI 0x01          /* received data available */
#define IER_ETBEI 0x02          /* transmitter holding register empty */
#define IER_ELSI  0x04          /* receiver line status */
#define IER_EDSSI 0x08          /* modem status */
#define IER_MASK  0x0f          /* bits 4-7 are always 0 */

/* Interrupt Identification Register (datasheet Table IV, priority order). */
#define IIR_NO_INT  0x01
#define IIR_RLS     0x06        /* 1st: overrun, parity, framing, break */
#define IIR_RDA     0x04        /* 2nd: data at the trigger level */
#define IIR_CTI     0x0c        /* 2nd: character timeout (FIFO mode) */
#define IIR_THRE    0x02        /* 3rd: THR empty */
#define IIR_MSI     0x00        /* 4th: modem status */
#define IIR_FIFO_ON 0xc0        /* bits 6-7 set when FCR bit 0 is set */

/* FIFO Control Register bits. */
#define FCR_ENABLE   0x01
#define FCR_RX_RESET 0x02
#define FCR_TX_RESET 0x04
#define FCR_TRIGGER_SHIFT 6

/* Line Control Register bits. */
#define LCR_WLS_MASK 0x03       /* word length 5 + n */
#define LCR_STB      0x04       /* 2 stop bits (1.5 with 5-bit words) */
#define LCR_PEN      0x08       /* parity enable */
#define LCR_BREAK    0x40
#define LCR_DLAB     0x80

/* Modem Control Register bits. */
#define MCR_DTR  0x01
#define MCR_RTS  0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1f           /* bits 5-7 are always 0 */

/* Line Status Register bits. */
#define LSR_DR   0x01
#define LSR_OE   0x02
#define LSR_PE   0x04
#define LSR_FE   0x08
#define LSR_BI   0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LSR_RXFE 0x80           /* an error somewhere in the RX FIFO */
#define LSR_CHAR_ERRORS (LSR_PE | LSR_FE | LSR_BI)

/* Modem Status Register: deltas in bits 0-3, line states in bits 4-7. */
#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_CTS  0x10
#define MSR_DSR  0x20
#define MSR_RI   0x40
#define MSR_DCD  0x80
#define MSR_DELTAS 0x0f

#define UART_FIFO_SIZE 16       /* PC16550D: 16-byte FIFOs */
#define UART_CLOCK_HZ 1843200   /* the PC's crystal: 115200 baud x 16 */
/* The character timeout fires after four character times without a read
 * or a new character (datasheet, "FIFO Interrupt Mode Operation"). */
#define TIMEOUT_CHARS 4
/* After reset the divisor latch holds whatever; this gives 9600 baud. */
#define RESET_DIVISOR 12

/* RX trigger levels selected by FCR bits 6-7. */
static const uint8_t rx_trigger_levels[4] = { 1, 4, 8, 14 };

typedef struct SerialState {
    ISADevice parent_obj;
    MemoryRegion io;
    IRQState *irq;
    Timer *timeout_timer;
    /* properties */
    Chardev *chr;                /* "chardev": NULL, output is discarded */
    uint16_t iobase;
    /* registers */
    uint16_t divisor;
    uint8_t ier;
    uint8_t lcr;
    uint8_t mcr;
    uint8_t scr;
    uint8_t fcr;              /* FIFO enable and trigger bits as written */
    uint8_t msr;              /* line states and sticky deltas */
    bool overrun;             /* LSR OE, sticky until LSR is read */
    /* receiver: a ring of bytes, each with its PE/FE/BI flags */
    uint8_t rx_data[UART_FIFO_SIZE];
    uint8_t rx_flags[UART_FIFO_SIZE];
    unsigned rx_head;
    unsigned rx_count;
    /* pending interrupt conditions that are events, not levels */
    bool thr_ipending;
    bool timeout_ipending;
    bool host_connected;
    int irq_level;
} SerialState;

OBJECT_DECLARE_SIMPLE_TYPE(SerialState, ISA_SERIAL)

/* ---- derived state ---- */

static bool fifo_enabled(const SerialState *s)
{
    return s->fcr & FCR_ENABLE;
}

static unsigned rx_capacity(const SerialState *s)
{
    return fifo_enabled(s) ? UART_FIFO_SIZE : 1;
}

static unsigned rx_trigger(const SerialState *s)
{
    return fifo_enabled(s) ? rx_trigger_levels[s->fcr >> FCR_TRIGGER_SHIFT] : 1;
}

/* Nanoseconds one character takes on the line: start bit, 5-8 data bits,
 * optional parity, 1, 1.5 or 2 stop bits (datasheet, "Line Control
 * Register"), at UART_CLOCK_HZ / (16 * divisor) bits per second. */
static int64_t char_time_ns(const SerialState *s)
{
    unsigned half_bits = 2 * (1 + 5 + (s->lcr & LCR_WLS_MASK) + !!(s->lcr & LCR_PEN));
    if (s->lcr & LCR_STB) {
        half_bits += (s->lcr & LCR_WLS_MASK) == 0 ? 3 : 4;
    } else {
        half_bits += 2;
    }
    /* A divisor of 0 does not run the baud generator; time it as the
     * slowest rate (65536) so the arithmetic stays finite. */
    uint64_t div = s->divisor ? s->divisor : 0x10000;
    return (int64_t)muldiv64(half_bits * div * 16, NANOSECONDS_PER_SECOND, UART_CLOCK_HZ * 2);
}

static uint8_t word_mask(const SerialState *s)
{
    return (uint8_t)(0xff >> (3 - (s->lcr & LCR_WLS_MASK)));
}

/* The modem input lines as the UART sees them: from the host side, or in
 * loopback from its own outputs (DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD;
 * datasheet, "Modem Control Register"). */
static uint8_t modem_lines(const SerialState *s)
{
    if (s->mcr & MCR_LOOP) {
        return (s->mcr & MCR_DTR ? MSR_DSR : 0) | (s->mcr & MCR_RTS ? MSR_CTS : 0) |
               (s->mcr & MCR_OUT1 ? MSR_RI : 0) | (s->mcr & MCR_OUT2 ? MSR_DCD : 0);
    }
    return MSR_CTS | MSR_DSR | (s->host_connected ? MSR_DCD : 0);
}

static bool line_status_error(const SerialState *s)
{
    return s->overrun || (s->rx_count && (s->rx_flags[s->rx_head] & LSR_CHAR_ERRORS));
}

/* The highest-priority pending interrupt, as IIR bits 0-3 (Table IV). */
static uint8_t pending_interrupt(const SerialState *s)
{
    if ((s->ier & IER_ELSI) && line_status_error(s)) {
        return IIR_RLS;
    }
    if (s->ier & IER_ERBFI) {
        if (s->rx_count >= rx_trigger(s)) {
            return IIR_RDA;
        }
        if (s->timeout_ipending && s->rx_count) {
            return IIR_CTI;
        }
    }
    if ((s->ier & IER_ETBEI) && s->thr_ipending) {
        return IIR_THRE;
    }
    if ((s->ier & IER_EDSSI) && (s->msr & MSR_DELTAS)) {
        return IIR_MSI;
    }
    return IIR_NO_INT;
}

static void serial_update_irq(SerialState *s)
{
    bool gate = (s->mcr & MCR_OUT2) && !(s->mcr & MCR_LOOP);
    int level = gate && pending_interrupt(s) != IIR_NO_INT;
    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(s->irq, level);
    }
}

/* Recompute MSR's line bits, latching deltas for the lines that changed
 * (TERI only on RI's trailing edge). */
static void serial_update_msr(SerialState *s)
{
    uint8_t now = modem_lines(s);
    uint8_t changed = (uint8_t)((s->msr ^ now) & 0xf0);
    uint8_t deltas = 0;
    if (changed & MSR_CTS) {
        deltas |= MSR_DCTS;
    }
    if (changed & MSR_DSR) {
        deltas |= MSR_DDSR;
    }
    if ((changed & MSR_RI) && !(now & MSR_RI)) {
        deltas |= MSR_TERI;
    }
    if (changed & MSR_DCD) {
        deltas |= MSR_DDCD;
    }
    s->msr = (uint8_t)(now | (s->msr & MSR_DELTAS) | deltas);
}

/* ---- receiver ---- */

static void rx_timeout_rearm(SerialState *s)
{
    if (fifo_enabled(s) && s->rx_count) {
        timer_mod_ns(s->timeout_timer,
                     clock_get_ns(CC_CLOCK_VIRTUAL) + TIMEOUT_CHARS * char_time_ns(s));
    } else {
        timer_del(s->timeout_timer);
    }
}

static void rx_clear(SerialState *s)
{
    s->rx_head = 0;
    s->rx_count = 0;
    s->timeout_ipending = false;
    timer_del(s->timeout_timer);
}

static void serial_receive_byte(SerialState *s, uint8_t byte, uint8_t flags)
{
    byte &= word_mask(s);
    if (s->rx_count >= rx_capacity(s)) {
        /* Overrun (datasheet, LSR bit 1): with the FIFO on, the new
         * character is lost; without it, it overwrites RBR. */
        s->overrun = true;
        if (!fifo_enabled(s)) {
            s->rx_data[s->rx_head] = byte;
            s->rx_flags[s->rx_head] = flags;
        }
    } else {
        unsigned tail = (s->rx_head + s->rx_count) % UART_FIFO_SIZE;
        s->rx_data[tail] = byte;
        s->rx_flags[tail] = flags;
        s->rx_count++;
    }
    /* A new character restarts the timeout, unless it already fired. */
    if (!s->timeout_ipending) {
        rx_timeout_rearm(s);
    }
    serial_update_irq(s);
}

static uint8_t serial_read_rbr(SerialState *s)
{
    if (!s->rx_count) {
        return 0;
    }
    uint8_t byte = s->rx_data[s->rx_head];
    s->rx_flags[s->rx_head] = 0;
    s->rx_head = (s->rx_head + 1) % UART_FIFO_SIZE;
    s->rx_count--;
    /* Reading a character clears the timeout and restarts its timer. */
    s->timeout_ipending = false;
    rx_timeout_rearm(s);
    serial_update_irq(s);
    chardev_accept_input(s->chr);
    return byte;
}

static void serial_timeout(void *opaque)
{
    SerialState *s = opaque;
    if (fifo_enabled(s) && s->rx_count) {
        s->timeout_ipending = true;
        serial_update_irq(s);
    }
}

static uint8_t serial_read_lsr(SerialState *s)
{
    uint8_t lsr = LSR_THRE | LSR_TEMT;
    if (fifo_enabled(s)) {
        for (unsigned i = 0; i < s->rx_count; i++) {
            if (s->rx_flags[(s->rx_head + i) % UART_FIFO_SIZE] & LSR_CHAR_ERRORS) {
                lsr |= LSR_RXFE;
            }
        }
    }
    if (s->rx_count) {
        lsr |= LSR_DR | (s->rx_flags[s->rx_head] & LSR_CHAR_ERRORS);
        /* The error bits of the character at the top are reported once. */
        s->rx_flags[s->rx_head] = 0;
    }
    if (s->overrun) {
        lsr |= LSR_OE;
        s->overrun = false;
    }
    serial_update_irq(s);
    return lsr;
}

/* ---- transmitter ---- */

static void serial_write_thr(SerialState *s, uint8_t byte)
{
    byte &= word_mask(s);
    if (s->mcr & MCR_LOOP) {
        serial_receive_byte(s, byte, 0);
    } else {
        chardev_write(s->chr, &byte, 1);
    }
    /* Instant transmission: THR is empty again, which is an event. */
    s->thr_ipending = true;
    serial_update_irq(s);
}

/* ---- guest access ---- */

static uint64_t serial_read(void *opaque, hwaddr addr, unsigned size)
{
    SerialState *s = opaque;
    switch (addr & 7) {
    case REG_RBR_THR_DLL:
        return (s->lcr & LCR_DLAB) ? (s->divisor & 0xff) : serial_read_rbr(s);
    case REG_IER_DLM:
        return (s->lcr & LCR_DLAB) ? (s->divisor >> 8) : s->ier;
    case REG_IIR_FCR: {
        uint8_t iir = pending_interrupt(s);
        /* Reading IIR while it reports THR empty clears that interrupt. */
        if (iir == IIR_THRE) {
            s->thr_ipending = false;
            serial_update_irq(s);
        }
        return iir | (fifo_enabled(s) ? IIR_FIFO_ON : 0);
    }
    case REG_LCR:
        return s->lcr;
    case REG_MCR:
        return s->mcr;
    case REG_LSR:
        return serial_read_lsr(s);
    case REG_MSR: {
        uint8_t msr = s->msr;
        s->msr &= (uint8_t)~MSR_DELTAS;
        serial_update_irq(s);
        return msr;
    }
    default:
        return s->scr;
    }
}

static void serial_write_fcr(SerialState *s, uint8_t val)
{
    bool was_on = fifo_enabled(s);
    bool on = val & FCR_ENABLE;
    /* Other FCR bits are programmed only together with bit 0, and turning
     * the FIFOs on or off empties them (datasheet, "FIFO Control
     * Register"). */
    if (on != was_on || (on && (val & FCR_RX_RESET))) {
        rx_clear(s);
        s->overrun = false;
    }
    s->fcr = on ? (uint8_t)(val & (FCR_ENABLE | (3 << FCR_TRIGGER_SHIFT))) : 0;
    serial_update_irq(s);
    chardev_accept_input(s->chr);
}

static void serial_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    SerialState *s = opaque;
    uint8_t val = (uint8_t)data;
    switch (addr & 7) {
    case REG_RBR_THR_DLL:
        if (s->lcr & LCR_DLAB) {
            s->divisor = (uint16_t)((s->divisor & 0xff00) | val);
        } else {
            serial_write_thr(s, val);
        }
        break;
    case REG_IER_DLM:
        if (s->lcr & LCR_DLAB) {
            s->divisor = (uint16_t)((s->divisor & 0x00ff) | (val << 8));
        } else {
            /* Enabling the THR-empty interrupt while THR is empty (it
             * always is here) raises it at once, as a 16550 does; Linux's
             * 8250 driver checks for this at start-up. */
            if ((val & IER_ETBEI) && !(s->ier & IER_ETBEI)) {
                s->thr_ipending = true;
            }
            s->ier = val & IER_MASK;
            serial_update_irq(s);
        }
        break;
    case REG_IIR_FCR:
        serial_write_fcr(s, val);
        break;
    case REG_LCR: {
        bool break_on = (val & LCR_BREAK) && !(s->lcr & LCR_BREAK);
        s->lcr = val;
        /* A break sent in loopback reaches our own receiver. */
        if (break_on && (s->mcr & MCR_LOOP)) {
            serial_receive_byte(s, 0, LSR_BI | LSR_FE);
        }
        break;
    }
    case REG_MCR: {
        bool was_loop = s->mcr & MCR_LOOP;
        s->mcr = val & MCR_MASK;
        serial_update_msr(s);
        serial_update_irq(s);
        if (was_loop && !(s->mcr & MCR_LOOP)) {
            chardev_accept_input(s->chr);   /* the host line is back */
        }
        break;
    }
    case REG_LSR:
    case REG_MSR:
        /* Read-only in practice (factory test registers): ignored. */
        break;
    default:
        s->scr = val;
        break;
    }
}

static const MemoryRegionOps serial_ops = {
    .read = serial_read,
    .write = serial_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* ---- the backend ---- */

static int serial_can_read(void *opaque)
{
    SerialState *s = opaque;
    if (s->mcr & MCR_LOOP) {
        return 0;   /* the serial input is disconnected in loopback */
    }
    return (int)(rx_capacity(s) - s->rx_count);
}

static void serial_chr_read(void *opaque, const uint8_t *buf, int size)
{
    SerialState *s = opaque;
    for (int i = 0; i < size; i++) {
        serial_receive_byte(s, buf[i], 0);
    }
}

static void serial_chr_event(void *opaque, ChardevEvent event)
{
    SerialState *s = opaque;
    switch (event) {
    case CHARDEV_EVENT_OPENED:
    case CHARDEV_EVENT_CLOSED:
        s->host_connected = event == CHARDEV_EVENT_OPENED;
        serial_update_msr(s);
        serial_update_irq(s);
        break;
    case CHARDEV_EVENT_BREAK:
        if (!(s->mcr & MCR_LOOP)) {
            serial_receive_byte(s, 0, LSR_BI | LSR_FE);
        }
        break;
    default:
        break;      /* focus changes on a shared backend mean nothing here */
    }
}

/* ---- reset ---- */

static void serial_reset(DeviceState *dev)
{
    SerialState *s = ISA_SERIAL(dev);
    s->divisor = RESET_DIVISOR;
    s->ier = 0;
    s->lcr = 0;
    s->mcr = 0;
    s->scr = 0;
    s->fcr = 0;
    s->overrun = false;
    s->thr_ipending = false;
    rx_clear(s);
    s->msr = modem_lines(s);       /* no deltas after reset */
    s->irq_level = 0;
    irq_set(s->irq, 0);
    chardev_accept_input(s->chr);
}

/* ---- realize ---- */

static bool serial_realize(DeviceState *dev, Error **errp)
{
    SerialState *s = ISA_SERIAL(dev);
    /* The core attached the backend the "chardev" property names. */
    chardev_set_handlers(s->chr, dev, serial_can_read, serial_chr_read, serial_chr_event, s);
    s->host_connected = chardev_is_connected(s->chr);
    s->timeout_timer = timer_new_ns(CC_CLOCK_VIRTUAL, serial_timeout, s);
    memory_region_init_io(&s->io, OBJECT(dev), &serial_ops, s, "serial", 8);
    return isa_register_ioport(ISA_DEVICE(dev), &s->io, s->iobase, errp);
}

static void serial_unrealize(DeviceState *dev)
{
    SerialState *s = ISA_SERIAL(dev);
    timer_free(s->timeout_timer);
    s->timeout_timer = NULL;
    memory_region_finalize(&s->io);
}

static void serial_instance_init(Object *obj)
{
    SerialState *s = ISA_SERIAL(obj);
    device_init_gpio_out_named(DEVICE(obj), &s->irq, "irq", 1);
}

/* ---- properties and type ---- */

static const Property serial_properties[] = {
    DEFINE_PROP_UINT16("iobase", SerialState, iobase, 0x3f8,
                       "first of the 8 I/O ports (COM1 0x3f8, COM2 0x2f8, COM3 0x3e8, COM4 0x2e8)"),
    DEFINE_PROP_CHARDEV("chardev", SerialState, chr,
                        "id of the character backend (none: output is discarded)"),
    DEFINE_PROP_END_OF_LIST(),
};

/* ---- state ---- */

static bool serial_post_load(void *opaque, int version_id, Error **errp)
{
    SerialState *s = opaque;
    if (s->rx_count > rx_capacity(s)) {
        error_setg(errp, "%u bytes in a receiver that holds %u", s->rx_count, rx_capacity(s));
        return false;
    }
    if ((s->ier & ~IER_MASK) || (s->mcr & ~MCR_MASK)) {
        error_setg(errp, "IER 0x%02x / MCR 0x%02x set bits that are always 0", s->ier, s->mcr);
        return false;
    }
    return true;
}

/* host_connected follows the backend of the machine that loads the state;
 * the IRQ output's level is kept by the device it drives (irq_level is our
 * copy). */
static const VMStateDescription vmstate_serial = {
    .name = TYPE_ISA_SERIAL,
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = serial_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT16(divisor, SerialState),
        VMSTATE_UINT8(ier, SerialState),
        VMSTATE_UINT8(lcr, SerialState),
        VMSTATE_UINT8(mcr, SerialState),
        VMSTATE_UINT8(scr, SerialState),
        VMSTATE_UINT8(fcr, SerialState),
        VMSTATE_UINT8(msr, SerialState),
        VMSTATE_BOOL(overrun, SerialState),
        VMSTATE_UINT8_ARRAY(rx_data, SerialState, UART_FIFO_SIZE),
        VMSTATE_UINT8_ARRAY(rx_flags, SerialState, UART_FIFO_SIZE),
        VMSTATE_UINT32_INDEX(rx_head, SerialState, UART_FIFO_SIZE),
        VMSTATE_UINT32_MAX(rx_count, SerialState, UART_FIFO_SIZE),
        VMSTATE_BOOL(thr_ipending, SerialState),
        VMSTATE_BOOL(timeout_ipending, SerialState),
        VMSTATE_INT_RANGE(irq_level, SerialState, 0, 1),
        VMSTATE_TIMER(timeout_timer, SerialState),
        VMSTATE_END_OF_LIST()
    },
};

static void serial_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->desc = "16550A UART with 16-byte FIFOs (a PC COM port)";
    dc->vmsd = &vmstate_serial;
    dc->category = DEVICE_CATEGORY_SERIAL;
    dc->realize = serial_realize;
    dc->unrealize = serial_unrealize;
    dc->reset = serial_reset;
    device_class_set_props(dc, serial_properties);
}

static const TypeInfo serial_types[] = {
    {
        .name = TYPE_ISA_SERIAL,
        .parent = TYPE_ISA_DEVICE,
        .instance_size = sizeof(SerialState),
        .instance_init = serial_instance_init,
        .class_init = serial_class_init,
    },
};

DEFINE_TYPES(serial_types)

CARDCAGE_PLUGIN(
    .name = "serial",
    .version = "1.0",
    .description = "isa-serial: 16550A UART",
    .license = "MIT",
);
