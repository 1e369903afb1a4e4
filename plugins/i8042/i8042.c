/*
 * i8042: the PC's 8042 keyboard controller with a PS/2 keyboard and a
 * PS/2 mouse attached (ps2-kbd.c, ps2-mouse.c).
 *
 * Wiring: property "iobase" (0x60: data port at iobase, status/command
 * port at iobase + 4); GPIO outputs "irq-kbd" (the board wires it to
 * pic.in[1]), "irq-mouse" (pic.in[12]) and "a20" (output port bit 1, to
 * the CPU's "a20" input).  A reset pulse on output port bit 0 (command
 * 0xFE, or 0xD1 with bit 0 clear) calls system_reset_request().  Keys and
 * mouse movement come from core/input (the controller registers as a
 * keyboard and mouse handler).
 *
 * Reference: IBM PS/2 Hardware Interface Technical Reference,
 * "Keyboard/Auxiliary Device Controller" (status register, command byte,
 * commands, output port); the IBM PC AT Technical Reference for the AT
 * controller commands.
 *
 * Model choices:
 *  - The output buffer is one byte, filled from three sources in order:
 *    the controller's own replies, the keyboard, the mouse.  A device
 *    whose interface is disabled (command byte bits 4/5) keeps its bytes.
 *    Reading port 0x60 empties the buffer and loads the next byte at once,
 *    so a guest handling one byte per interrupt sees a new edge on the
 *    IRQ line for each.
 *  - Translation (command byte bit 6) converts the keyboard's set 2 codes
 *    to set 1 as they leave the keyboard, as the 8042 does: F0 xx becomes
 *    (translated xx) | 0x80.  Bytes placed with 0xD2 are not translated.
 *  - The command byte comes out of reset as a PC BIOS leaves it after POST
 *    (0x45: translation, system flag, keyboard interrupt; IBM's AT BIOS
 *    writes this value), so a kernel started without firmware finds the
 *    translated set 2 keyboard it would find after POST.  Firmware that
 *    does run rewrites it.
 *  - Commands complete at once: the input buffer is never busy (status
 *    bit 1 reads 0) and there are no timeouts (bit 6 reads 0).
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "ps2.h"

#define TYPE_I8042 "i8042"

/* Status register (port 0x64 read). */
#define STAT_OBF      0x01      /* output buffer full */
#define STAT_IBF      0x02      /* input buffer full (never, here) */
#define STAT_SYS      0x04      /* system flag: POST passed */
#define STAT_CMD      0x08      /* last write was to the command port */
#define STAT_UNLOCKED 0x10      /* keyboard not inhibited by the keylock */
#define STAT_AUX_OBF  0x20      /* the output buffer holds mouse data */

/* Command byte (controller RAM byte 0). */
#define CTR_KBD_INT  0x01
#define CTR_AUX_INT  0x02
#define CTR_SYS      0x04
#define CTR_KBD_DIS  0x10
#define CTR_AUX_DIS  0x20
#define CTR_XLATE    0x40
#define CTR_RESET_VALUE (CTR_XLATE | CTR_SYS | CTR_KBD_INT)

/* Output port (commands 0xD0/0xD1). */
#define OUT_RESET    0x01       /* active low: 0 resets the CPU */
#define OUT_A20      0x02
#define OUT_KBD_OBF  0x10       /* IRQ1 line */
#define OUT_AUX_OBF  0x20       /* IRQ12 line */
/* Reset value: CPU running, A20 on, keyboard clock/data lines high. */
#define OUT_RESET_VALUE 0xcf

/* Input port (command 0xC0): bit 7 high = keyboard not inhibited. */
#define INPUT_PORT_VALUE 0x80

/* Controller commands (port 0x64 write). */
enum {
    CMD_READ_RAM = 0x20,        /* 0x20-0x3F: read RAM byte n (0: command byte) */
    CMD_WRITE_RAM = 0x60,       /* 0x60-0x7F: write RAM byte n */
    CMD_PASSWORD_TEST = 0xa4,
    CMD_PASSWORD_LOAD = 0xa5,
    CMD_PASSWORD_ENABLE = 0xa6,
    CMD_AUX_DISABLE = 0xa7,
    CMD_AUX_ENABLE = 0xa8,
    CMD_AUX_TEST = 0xa9,
    CMD_SELF_TEST = 0xaa,
    CMD_KBD_TEST = 0xab,
    CMD_KBD_DISABLE = 0xad,
    CMD_KBD_ENABLE = 0xae,
    CMD_READ_INPUT = 0xc0,
    CMD_READ_OUTPUT = 0xd0,
    CMD_WRITE_OUTPUT = 0xd1,
    CMD_WRITE_KBD_OBUF = 0xd2,
    CMD_WRITE_AUX_OBUF = 0xd3,
    CMD_WRITE_AUX = 0xd4,
    CMD_DISABLE_A20 = 0xdd,     /* HP Vectra style */
    CMD_ENABLE_A20 = 0xdf,
    CMD_READ_TEST_INPUTS = 0xe0,
    CMD_PULSE_OUTPUT = 0xf0,    /* 0xF0-0xFF: pulse output bits with 0 in bits 0-3 */
};

#define SELF_TEST_OK 0x55
#define INTERFACE_TEST_OK 0x00
#define NO_PASSWORD 0xf1
#define RAM_SIZE 32

/* A controller reply, tagged with the interface it appears to come from. */
typedef struct CtrlReply {
    uint8_t byte;
    bool aux;
} CtrlReply;

#define CTRL_QUEUE_SIZE 4       /* a command yields at most one reply */

typedef struct I8042State {
    ISADevice parent_obj;
    MemoryRegion io_data;
    MemoryRegion io_cmd;
    IRQState *irq_kbd;
    IRQState *irq_mouse;
    IRQState *a20;
    void *input_handle;
    /* properties */
    uint16_t iobase;
    /* controller */
    uint8_t ram[RAM_SIZE];      /* ram[0] is the command byte */
    uint8_t status;             /* STAT_SYS, STAT_CMD; OBF bits derived */
    uint8_t outport;
    uint8_t pending;            /* command waiting for a data byte, or 0 */
    uint8_t obuf;
    bool obf;
    bool obf_aux;
    bool xlate_break;           /* translation swallowed an F0 */
    CtrlReply ctrl[CTRL_QUEUE_SIZE];
    unsigned ctrl_count;
    int irq_kbd_level;
    int irq_mouse_level;
    PS2Kbd kbd;
    PS2Mouse mouse;
} I8042State;

OBJECT_DECLARE_SIMPLE_TYPE(I8042State, I8042)

/* ---- output buffer and interrupts ---- */

static uint8_t ctr(const I8042State *s)
{
    return s->ram[0];
}

static void i8042_update_irq(I8042State *s)
{
    int kbd = s->obf && !s->obf_aux && (ctr(s) & CTR_KBD_INT);
    int mouse = s->obf && s->obf_aux && (ctr(s) & CTR_AUX_INT);
    if (kbd != s->irq_kbd_level) {
        s->irq_kbd_level = kbd;
        irq_set(s->irq_kbd, kbd);
    }
    if (mouse != s->irq_mouse_level) {
        s->irq_mouse_level = mouse;
        irq_set(s->irq_mouse, mouse);
    }
}

static void i8042_load(I8042State *s, uint8_t byte, bool aux)
{
    s->obuf = byte;
    s->obf = true;
    s->obf_aux = aux;
}

/* Fill an empty output buffer from the next source that has a byte. */
static void i8042_refill(I8042State *s)
{
    while (!s->obf) {
        if (s->ctrl_count) {
            CtrlReply r = s->ctrl[0];
            s->ctrl_count--;
            for (unsigned i = 0; i < s->ctrl_count; i++) {
                s->ctrl[i] = s->ctrl[i + 1];
            }
            i8042_load(s, r.byte, r.aux);
        } else if (s->kbd.q.count && !(ctr(s) & CTR_KBD_DIS)) {
            uint8_t b = ps2_queue_pop(&s->kbd.q);
            if (!(ctr(s) & CTR_XLATE)) {
                i8042_load(s, b, false);
            } else if (b == 0xf0) {
                s->xlate_break = true;      /* folded into the next byte */
            } else {
                i8042_load(s, ps2_translate(b) | (s->xlate_break ? 0x80 : 0), false);
                s->xlate_break = false;
            }
        } else if (s->mouse.q.count && !(ctr(s) & CTR_AUX_DIS)) {
            i8042_load(s, ps2_queue_pop(&s->mouse.q), true);
            ps2_mouse_poll(&s->mouse);
        } else {
            break;
        }
    }
    i8042_update_irq(s);
}

static void i8042_reply(I8042State *s, uint8_t byte, bool aux)
{
    if (s->ctrl_count < CTRL_QUEUE_SIZE) {
        s->ctrl[s->ctrl_count].byte = byte;
        s->ctrl[s->ctrl_count].aux = aux;
        s->ctrl_count++;
    }
    i8042_refill(s);
}

/* ---- output port ---- */

static void i8042_write_outport(I8042State *s, uint8_t val)
{
    bool a20_changed = (val ^ s->outport) & OUT_A20;
    s->outport = val;
    if (a20_changed) {
        irq_set(s->a20, !!(val & OUT_A20));
    }
    if (!(val & OUT_RESET)) {
        /* The reset line is active low: the CPU is reset. */
        system_reset_request();
    }
}

static uint8_t i8042_read_outport(I8042State *s)
{
    uint8_t v = s->outport & (uint8_t)~(OUT_KBD_OBF | OUT_AUX_OBF);
    v |= s->irq_kbd_level ? OUT_KBD_OBF : 0;
    v |= s->irq_mouse_level ? OUT_AUX_OBF : 0;
    return v;
}

/* ---- commands ---- */

static void i8042_set_ctr(I8042State *s, uint8_t val)
{
    s->ram[0] = val;
    /* The status register's system flag follows command byte bit 2. */
    s->status = (uint8_t)((s->status & ~STAT_SYS) | (val & CTR_SYS));
    i8042_refill(s);        /* an interface may have been enabled */
}

static void i8042_command(I8042State *s, uint8_t cmd)
{
    if (cmd >= CMD_READ_RAM && cmd < CMD_READ_RAM + RAM_SIZE) {
        i8042_reply(s, s->ram[cmd - CMD_READ_RAM], false);
        return;
    }
    if (cmd >= CMD_WRITE_RAM && cmd < CMD_WRITE_RAM + RAM_SIZE) {
        s->pending = cmd;
        return;
    }
    if (cmd >= CMD_PULSE_OUTPUT) {
        /* Bits 0-3 with a 0 are pulsed low; only bit 0 (reset) matters. */
        if (!(cmd & OUT_RESET)) {
            system_reset_request();
        }
        return;
    }
    switch (cmd) {
    case CMD_PASSWORD_TEST:
        i8042_reply(s, NO_PASSWORD, false);
        break;
    case CMD_PASSWORD_LOAD:
    case CMD_WRITE_OUTPUT:
    case CMD_WRITE_KBD_OBUF:
    case CMD_WRITE_AUX_OBUF:
    case CMD_WRITE_AUX:
        s->pending = cmd;
        break;
    case CMD_PASSWORD_ENABLE:
        break;              /* no password is ever installed */
    case CMD_AUX_DISABLE:
        i8042_set_ctr(s, ctr(s) | CTR_AUX_DIS);
        break;
    case CMD_AUX_ENABLE:
        i8042_set_ctr(s, ctr(s) & (uint8_t)~CTR_AUX_DIS);
        break;
    case CMD_AUX_TEST:
    case CMD_KBD_TEST:
        i8042_reply(s, INTERFACE_TEST_OK, false);
        break;
    case CMD_SELF_TEST:
        s->status |= STAT_SYS;
        i8042_reply(s, SELF_TEST_OK, false);
        break;
    case CMD_KBD_DISABLE:
        i8042_set_ctr(s, ctr(s) | CTR_KBD_DIS);
        break;
    case CMD_KBD_ENABLE:
        i8042_set_ctr(s, ctr(s) & (uint8_t)~CTR_KBD_DIS);
        break;
    case CMD_READ_INPUT:
        i8042_reply(s, INPUT_PORT_VALUE, false);
        break;
    case CMD_READ_OUTPUT:
        i8042_reply(s, i8042_read_outport(s), false);
        break;
    case CMD_DISABLE_A20:
        i8042_write_outport(s, s->outport & (uint8_t)~OUT_A20);
        break;
    case CMD_ENABLE_A20:
        i8042_write_outport(s, s->outport | OUT_A20);
        break;
    case CMD_READ_TEST_INPUTS:
        i8042_reply(s, 0x00, false);
        break;
    default:
        log_mask(LOG_UNIMP, "i8042: command 0x%02x not modelled\n", cmd);
        break;
    }
}

/* A byte written to port 0x60. */
static void i8042_data(I8042State *s, uint8_t val)
{
    uint8_t cmd = s->pending;
    s->pending = 0;
    if (cmd >= CMD_WRITE_RAM && cmd < CMD_WRITE_RAM + RAM_SIZE) {
        if (cmd == CMD_WRITE_RAM) {
            i8042_set_ctr(s, val);
        } else {
            s->ram[cmd - CMD_WRITE_RAM] = val;
        }
        return;
    }
    switch (cmd) {
    case CMD_PASSWORD_LOAD:
        /* The password ends with a 0 byte; it is not kept. */
        if (val) {
            s->pending = cmd;
        }
        break;
    case CMD_WRITE_OUTPUT:
        i8042_write_outport(s, val);
        break;
    case CMD_WRITE_KBD_OBUF:
        i8042_reply(s, val, false);
        break;
    case CMD_WRITE_AUX_OBUF:
        i8042_reply(s, val, true);
        break;
    case CMD_WRITE_AUX:
        ps2_mouse_write(&s->mouse, val);
        i8042_refill(s);
        break;
    default:
        /* To the keyboard.  The controller's firmware enables the
         * keyboard interface when it sends a byte there. */
        ps2_kbd_write(&s->kbd, val);
        s->ram[0] &= (uint8_t)~CTR_KBD_DIS;
        i8042_refill(s);
        break;
    }
}

/* ---- guest access ---- */

static uint64_t i8042_data_read(void *opaque, hwaddr addr, unsigned size)
{
    I8042State *s = opaque;
    uint8_t val = s->obuf;      /* an empty buffer reads its last value */
    if (s->obf) {
        s->obf = false;
        s->obf_aux = false;
        i8042_update_irq(s);
        i8042_refill(s);
    }
    return val;
}

static void i8042_data_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    I8042State *s = opaque;
    s->status &= (uint8_t)~STAT_CMD;
    i8042_data(s, (uint8_t)val);
}

static uint64_t i8042_status_read(void *opaque, hwaddr addr, unsigned size)
{
    I8042State *s = opaque;
    uint8_t st = s->status | STAT_UNLOCKED;
    st |= s->obf ? STAT_OBF : 0;
    st |= s->obf && s->obf_aux ? STAT_AUX_OBF : 0;
    return st;
}

static void i8042_cmd_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    I8042State *s = opaque;
    s->status |= STAT_CMD;
    s->pending = 0;             /* a new command replaces one waiting for data */
    i8042_command(s, (uint8_t)val);
}

static const MemoryRegionOps i8042_data_ops = {
    .read = i8042_data_read,
    .write = i8042_data_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static const MemoryRegionOps i8042_cmd_ops = {
    .read = i8042_status_read,
    .write = i8042_cmd_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* ---- input from the host ---- */

static void i8042_key(void *opaque, int qnum, bool down)
{
    I8042State *s = opaque;
    ps2_kbd_key(&s->kbd, qnum, down);
    i8042_refill(s);
}

static void i8042_mouse(void *opaque, int dx, int dy, int dz, unsigned buttons)
{
    I8042State *s = opaque;
    ps2_mouse_event(&s->mouse, dx, dy, dz, buttons);
    i8042_refill(s);
}

static const InputHandler i8042_input = {
    .name = "i8042",
    .key = i8042_key,
    .mouse = i8042_mouse,
};

/* ---- reset ---- */

static void i8042_reset(DeviceState *dev)
{
    I8042State *s = I8042(dev);
    memset(s->ram, 0, sizeof(s->ram));
    s->ram[0] = CTR_RESET_VALUE;
    s->status = CTR_RESET_VALUE & CTR_SYS;
    s->outport = OUT_RESET_VALUE;
    s->pending = 0;
    s->obuf = 0;
    s->obf = false;
    s->obf_aux = false;
    s->xlate_break = false;
    s->ctrl_count = 0;
    ps2_kbd_reset(&s->kbd);
    ps2_mouse_reset(&s->mouse);
    s->irq_kbd_level = 0;
    s->irq_mouse_level = 0;
    irq_set(s->irq_kbd, 0);
    irq_set(s->irq_mouse, 0);
    irq_set(s->a20, 1);
}

/* ---- realize ---- */

static bool i8042_realize(DeviceState *dev, Error **errp)
{
    I8042State *s = I8042(dev);
    memory_region_init_io(&s->io_data, OBJECT(dev), &i8042_data_ops, s, "i8042-data", 1);
    memory_region_init_io(&s->io_cmd, OBJECT(dev), &i8042_cmd_ops, s, "i8042-cmd", 1);
    if (!isa_register_ioport(ISA_DEVICE(dev), &s->io_data, s->iobase, errp) ||
        !isa_register_ioport(ISA_DEVICE(dev), &s->io_cmd, (uint32_t)s->iobase + 4, errp)) {
        return false;
    }
    s->input_handle = input_register(&i8042_input, s);
    return true;
}

static void i8042_unrealize(DeviceState *dev)
{
    I8042State *s = I8042(dev);
    input_unregister(s->input_handle);
    s->input_handle = NULL;
    memory_region_finalize(&s->io_data);
    memory_region_finalize(&s->io_cmd);
}

static void i8042_instance_init(Object *obj)
{
    I8042State *s = I8042(obj);
    device_init_gpio_out_named(DEVICE(obj), &s->irq_kbd, "irq-kbd", 1);
    device_init_gpio_out_named(DEVICE(obj), &s->irq_mouse, "irq-mouse", 1);
    device_init_gpio_out_named(DEVICE(obj), &s->a20, "a20", 1);
}

/* ---- properties and type ---- */

static const Property i8042_properties[] = {
    DEFINE_PROP_UINT16("iobase", I8042State, iobase, 0x60,
                       "data port; the status/command port is iobase + 4"),
    DEFINE_PROP_END_OF_LIST(),
};

/* ---- state ---- */

static const VMStateDescription vmstate_ps2_queue = {
    .name = "ps2-queue",
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8_ARRAY(data, PS2Queue, PS2_QUEUE_SIZE),
        VMSTATE_UINT32_INDEX(head, PS2Queue, PS2_QUEUE_SIZE),
        VMSTATE_UINT32_MAX(count, PS2Queue, PS2_QUEUE_SIZE),
        VMSTATE_UINT8(last_sent, PS2Queue),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_ps2_kbd = {
    .name = "ps2-kbd",
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT(q, PS2Kbd, vmstate_ps2_queue, PS2Queue),
        VMSTATE_UINT8_MAX(scancode_set, PS2Kbd, 3),   /* 0 before the first reset */
        VMSTATE_BOOL(scanning, PS2Kbd),
        VMSTATE_BOOL(overrun, PS2Kbd),
        VMSTATE_UINT8(leds, PS2Kbd),
        VMSTATE_UINT8(typematic, PS2Kbd),
        VMSTATE_UINT8(param_cmd, PS2Kbd),
        VMSTATE_END_OF_LIST()
    },
};

/* The movement counters saturate at the packet's field widths (9-bit X/Y,
 * 4-bit Z: IntelliMouse Explorer data packet). */
static const VMStateDescription vmstate_ps2_mouse = {
    .name = "ps2-mouse",
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT(q, PS2Mouse, vmstate_ps2_queue, PS2Queue),
        VMSTATE_UINT8(mode, PS2Mouse),
        VMSTATE_UINT8_MAX(resolution, PS2Mouse, 3),
        VMSTATE_UINT8(sample_rate, PS2Mouse),
        VMSTATE_UINT8_MAX(type, PS2Mouse, 4),
        VMSTATE_BOOL(wrap, PS2Mouse),
        VMSTATE_UINT8(param_cmd, PS2Mouse),
        VMSTATE_UINT8_ARRAY(rate_history, PS2Mouse, 3),
        VMSTATE_INT_RANGE(dx, PS2Mouse, -256, 255),
        VMSTATE_INT_RANGE(dy, PS2Mouse, -256, 255),
        VMSTATE_INT_RANGE(dz, PS2Mouse, -8, 7),
        VMSTATE_UINT8(overflow, PS2Mouse),
        VMSTATE_UINT32(buttons, PS2Mouse),
        VMSTATE_UINT32(reported_buttons, PS2Mouse),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_ctrl_reply = {
    .name = "i8042-reply",
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(byte, CtrlReply),
        VMSTATE_BOOL(aux, CtrlReply),
        VMSTATE_END_OF_LIST()
    },
};

static bool i8042_post_load(void *opaque, int version_id, Error **errp)
{
    I8042State *s = opaque;
    if (s->mouse.type != 0 && s->mouse.type != 3 && s->mouse.type != 4) {
        error_setg(errp, "mouse type %u is none of 0, 3, 4", s->mouse.type);
        return false;
    }
    return true;
}

/* The IRQ and A20 outputs' levels are kept by the devices they drive
 * (irq_*_level are our copies). */
static const VMStateDescription vmstate_i8042 = {
    .name = TYPE_I8042,
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = i8042_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8_ARRAY(ram, I8042State, RAM_SIZE),
        VMSTATE_UINT8(status, I8042State),
        VMSTATE_UINT8(outport, I8042State),
        VMSTATE_UINT8(pending, I8042State),
        VMSTATE_UINT8(obuf, I8042State),
        VMSTATE_BOOL(obf, I8042State),
        VMSTATE_BOOL(obf_aux, I8042State),
        VMSTATE_BOOL(xlate_break, I8042State),
        VMSTATE_STRUCT_ARRAY(ctrl, I8042State, CTRL_QUEUE_SIZE, vmstate_ctrl_reply, CtrlReply),
        VMSTATE_UINT32_MAX(ctrl_count, I8042State, CTRL_QUEUE_SIZE),
        VMSTATE_INT_RANGE(irq_kbd_level, I8042State, 0, 1),
        VMSTATE_INT_RANGE(irq_mouse_level, I8042State, 0, 1),
        VMSTATE_STRUCT(kbd, I8042State, vmstate_ps2_kbd, PS2Kbd),
        VMSTATE_STRUCT(mouse, I8042State, vmstate_ps2_mouse, PS2Mouse),
        VMSTATE_END_OF_LIST()
    },
};

static void i8042_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->desc = "8042 keyboard controller with a PS/2 keyboard and mouse";
    dc->vmsd = &vmstate_i8042;
    dc->category = DEVICE_CATEGORY_INPUT;
    dc->realize = i8042_realize;
    dc->unrealize = i8042_unrealize;
    dc->reset = i8042_reset;
    device_class_set_props(dc, i8042_properties);
}

static const TypeInfo i8042_types[] = {
    {
        .name = TYPE_I8042,
        .parent = TYPE_ISA_DEVICE,
        .instance_size = sizeof(I8042State),
        .instance_init = i8042_instance_init,
        .class_init = i8042_class_init,
    },
};

DEFINE_TYPES(i8042_types)

CARDCAGE_PLUGIN(
    .name = "i8042",
    .version = "1.0",
    .description = "i8042: 8042 keyboard controller, PS/2 keyboard and mouse",
    .license = "MIT",
);
