/*
 * post-port: a POST code display, the diagnostic card a PC firmware writes
 * its progress to (port 0x80 on PCs; test ROMs such as test386.asm let the
 * port be chosen, 0x190 on the romtest board).
 *
 * Every byte written is kept (reads return the last one, as the latch on a
 * POST card shows it) and, when a character backend is named, written to it
 * as a line "POST xx".  "exit-on" ends the emulator with status 0 when that
 * code is written: a test ROM signals success with its last POST code.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <cardcage/cardcage.h>

#define TYPE_POST_PORT "post-port"
#define POST_EXIT_NEVER 256   /* "exit-on" value meaning never */

typedef struct PostPortState {
    ISADevice parent_obj;
    MemoryRegion io;
    uint8_t last;
    uint32_t count;
    /* properties */
    Chardev *chr;                /* "chardev": output only, the core attaches it */
    uint16_t iobase;
    uint16_t exit_on;
} PostPortState;

OBJECT_DECLARE_SIMPLE_TYPE(PostPortState, POST_PORT)

LOG_CATEGORY(post_log, "postcode", "every POST code the firmware writes");

/* ---- guest access ---- */

static uint64_t post_read(void *opaque, hwaddr addr, unsigned size)
{
    return POST_PORT(opaque)->last;
}

static void post_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PostPortState *s = opaque;
    s->last = (uint8_t)val;
    s->count++;
    if (s->chr) {
        char line[16];
        int n = snprintf(line, sizeof(line), "POST %02X\n", s->last);
        chardev_write(s->chr, (const uint8_t *)line, n);
    }
    log_mask(post_log, "post-port: %02x\n", s->last);
    if (s->exit_on == s->last) {
        system_shutdown_request(0);
    }
}

static const MemoryRegionOps post_ops = {
    .read = post_read,
    .write = post_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    /* A POST card latches the low byte of any write. */
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* ---- reset and realize ---- */

static void post_reset(DeviceState *dev)
{
    PostPortState *s = POST_PORT(dev);
    s->last = 0;
    s->count = 0;
}

static bool post_realize(DeviceState *dev, Error **errp)
{
    PostPortState *s = POST_PORT(dev);
    memory_region_init_io(&s->io, OBJECT(dev), &post_ops, s, "post-port", 1);
    return isa_register_ioport(ISA_DEVICE(dev), &s->io, s->iobase, errp);
}

static void post_unrealize(DeviceState *dev)
{
    memory_region_finalize(&POST_PORT(dev)->io);
}

/* ---- properties and type ---- */

static const Property post_properties[] = {
    DEFINE_PROP_UINT16("iobase", PostPortState, iobase, 0x80, "the POST port"),
    DEFINE_PROP_CHARDEV("chardev", PostPortState, chr,
                        "backend that gets a line \"POST xx\" per code (none: not logged)"),
    DEFINE_PROP_UINT_RANGE("exit-on", PostPortState, exit_on, PROP_FIELD_U16,
                           POST_EXIT_NEVER, 0, POST_EXIT_NEVER,
                           "exit with status 0 when this code is written (256: never)"),
    DEFINE_PROP_END_OF_LIST(),
};

/* ---- state ---- */

static const VMStateDescription vmstate_post_port = {
    .name = TYPE_POST_PORT,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(last, PostPortState),
        VMSTATE_UINT32(count, PostPortState),
        VMSTATE_END_OF_LIST()
    },
};

static void post_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->desc = "POST code port: latches and logs the progress codes firmware writes";
    dc->vmsd = &vmstate_post_port;
    dc->category = DEVICE_CATEGORY_DEBUG;
    dc->realize = post_realize;
    dc->unrealize = post_unrealize;
    dc->reset = post_reset;
    device_class_set_props(dc, post_properties);
}

static const TypeInfo post_types[] = {
    {
        .name = TYPE_POST_PORT,
        .parent = TYPE_ISA_DEVICE,
        .instance_size = sizeof(PostPortState),
        .class_init = post_class_init,
    },
};

DEFINE_TYPES(post_types)

CARDCAGE_PLUGIN(
    .name = "postcode",
    .version = "1.0",
    .description = "post-port: POST code display for firmware and test ROMs",
    .license = "MIT",
);
