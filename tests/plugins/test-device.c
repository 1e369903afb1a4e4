/*
 * A plugin built only for the tests, loaded like any third-party plugin.
 *
 * "test-isa-device" has a static property of every kind, GPIO inputs and
 * outputs, a 4-port register block and implements "test-interface".
 * "test-sysbus-device" exports one MMIO region and one IRQ.  The MACHINE
 * and BLOCK entries register marker types, so tests can see when the
 * plugin's entries of each module list ran.
 *
 * Registers of test-isa-device (at iobase):
 *   +0  scratch: reads back what was written
 *   +1  write: drives out[0] with the value's bit 0; read: input levels
 *   +2  read: number of times any input line changed
 *   +3  read: the "level" property's low byte
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/cardcage.h>
#include "test-device.h"

typedef struct TestIsaState {
    ISADevice parent_obj;
    MemoryRegion io;
    IRQState *out[2];
    uint8_t scratch;
    uint8_t in_levels;
    uint8_t in_changes;
    /* properties */
    bool flag;
    int32_t level;
    uint16_t iobase;
    uint64_t bufsize;
    char *label;
    int mode;
    Object *peer;
} TestIsaState;

typedef struct TestSysbusState {
    SysBusDevice parent_obj;
    MemoryRegion mmio;
    IRQState *irq;
    uint32_t regs[4];
} TestSysbusState;

#define TEST_ISA(obj) OBJECT_CHECK(TestIsaState, (obj), TYPE_TEST_ISA_DEVICE)
#define TEST_SYSBUS(obj) OBJECT_CHECK(TestSysbusState, (obj), TYPE_TEST_SYSBUS_DEVICE)

/* ---- test-isa-device ---- */

static uint64_t test_isa_read(void *opaque, hwaddr addr, unsigned size)
{
    TestIsaState *s = opaque;
    switch (addr) {
    case 0: return s->scratch;
    case 1: return s->in_levels;
    case 2: return s->in_changes;
    default: return (uint8_t)s->level;
    }
}

static void test_isa_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    TestIsaState *s = opaque;
    if (addr == 0) {
        s->scratch = (uint8_t)val;
    } else if (addr == 1) {
        irq_set(s->out[0], val & 1);
    }
}

static const MemoryRegionOps test_isa_ops = {
    .read = test_isa_read,
    .write = test_isa_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static void test_isa_input(void *opaque, int n, int level)
{
    TestIsaState *s = TEST_ISA(opaque);
    uint8_t bit = 1u << (n & 7);
    uint8_t old = s->in_levels;
    s->in_levels = level ? (old | bit) : (old & ~bit);
    if (s->in_levels != old) {
        s->in_changes++;
    }
}

static void test_isa_init(Object *obj)
{
    TestIsaState *s = TEST_ISA(obj);
    device_init_gpio_in_named(DEVICE(obj), test_isa_input, "in", 4);
    device_init_gpio_out_named(DEVICE(obj), s->out, "out", 2);
}

static bool test_isa_realize(DeviceState *dev, Error **errp)
{
    TestIsaState *s = TEST_ISA(dev);
    if (s->mode == 3) {
        error_setg(errp, "mode 'broken' refuses to realize");
        return false;
    }
    memory_region_init_io(&s->io, OBJECT(dev), &test_isa_ops, s, "test-isa", 4);
    return isa_register_ioport(ISA_DEVICE(dev), &s->io, s->iobase, errp);
}

static void test_isa_reset(DeviceState *dev)
{
    TestIsaState *s = TEST_ISA(dev);
    s->scratch = 0xa5;
}

static int test_isa_answer(Object *obj)
{
    return 42 + TEST_ISA(obj)->level;
}

static const char *const test_modes[] = { "off", "on", "auto", "broken", NULL };

static const Property test_isa_properties[] = {
    DEFINE_PROP_BOOL("flag", TestIsaState, flag, false, "a boolean"),
    DEFINE_PROP_INT_RANGE("level", TestIsaState, level, PROP_FIELD_I32, 0, -10, 10,
                          "a signed integer from -10 to 10"),
    DEFINE_PROP_UINT16("iobase", TestIsaState, iobase, 0x300, "first of four I/O ports"),
    DEFINE_PROP_SIZE("bufsize", TestIsaState, bufsize, 64 * 1024, "a size"),
    DEFINE_PROP_STRING("label", TestIsaState, label, "none", "a string"),
    DEFINE_PROP_ENUM("mode", TestIsaState, mode, 2, test_modes, "TestMode", "an enum"),
    DEFINE_PROP_LINK("peer", TestIsaState, peer, TYPE_TEST_ISA_DEVICE,
                     "another test-isa-device"),
    DEFINE_PROP_END_OF_LIST(),
};

static void test_isa_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->desc = "test device with a property of every kind";
    dc->category = DEVICE_CATEGORY_DEBUG;
    dc->realize = test_isa_realize;
    dc->reset = test_isa_reset;
    device_class_set_props(dc, test_isa_properties);
    TestInterfaceClass *tic = (TestInterfaceClass *)object_class_dynamic_cast(
        klass, TYPE_TEST_INTERFACE);
    tic->answer = test_isa_answer;
}

/* ---- test-sysbus-device ---- */

static uint64_t test_sysbus_read(void *opaque, hwaddr addr, unsigned size)
{
    TestSysbusState *s = opaque;
    return s->regs[(addr >> 2) & 3];
}

static void test_sysbus_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    TestSysbusState *s = opaque;
    s->regs[(addr >> 2) & 3] = (uint32_t)val;
    if (addr == 0) {
        irq_set(s->irq, val & 1);
    }
}

static const MemoryRegionOps test_sysbus_ops = {
    .read = test_sysbus_read,
    .write = test_sysbus_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

static bool test_sysbus_realize(DeviceState *dev, Error **errp)
{
    TestSysbusState *s = TEST_SYSBUS(dev);
    memory_region_init_io(&s->mmio, OBJECT(dev), &test_sysbus_ops, s, "test-sysbus", 0x1000);
    sysbus_init_mmio(SYS_BUS_DEVICE(dev), &s->mmio);
    sysbus_init_irq(SYS_BUS_DEVICE(dev), &s->irq);
    return true;
}

static void test_sysbus_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->desc = "test device with one MMIO region and one IRQ";
    dc->category = DEVICE_CATEGORY_DEBUG;
    dc->realize = test_sysbus_realize;
}

static const InterfaceInfo test_isa_interfaces[] = {
    { TYPE_TEST_INTERFACE },
    { NULL },
};

static const TypeInfo test_types[] = {
    {
        .name = TYPE_TEST_INTERFACE,
        .parent = TYPE_INTERFACE,
        .class_size = sizeof(TestInterfaceClass),
    }, {
        .name = TYPE_TEST_ISA_DEVICE,
        .parent = TYPE_ISA_DEVICE,
        .instance_size = sizeof(TestIsaState),
        .instance_init = test_isa_init,
        .class_init = test_isa_class_init,
        .interfaces = test_isa_interfaces,
    }, {
        .name = TYPE_TEST_SYSBUS_DEVICE,
        .parent = TYPE_SYS_BUS_DEVICE,
        .instance_size = sizeof(TestSysbusState),
        .class_init = test_sysbus_class_init,
    },
};

DEFINE_TYPES(test_types)

static void test_machine_entry(void)
{
    static const TypeInfo marker = { .name = "test-device-machine-marker",
                                     .parent = TYPE_OBJECT };
    type_register_static(&marker);
}

static void test_block_entry(void)
{
    static const TypeInfo marker = { .name = "test-device-block-marker",
                                     .parent = TYPE_OBJECT };
    type_register_static(&marker);
}

machine_init(test_machine_entry)
block_init(test_block_entry)

CARDCAGE_PLUGIN(
    .name = "test-device",
    .version = "0.1",
    .description = "devices for cardcage's own tests",
    .license = "MIT",
);
