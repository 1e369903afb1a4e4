/*
 * pc-testdev: the small test device kvm-unit-tests' x86 programs expect
 * (it sits beside isa-debug-exit at 0xf4, which ends the run).
 *
 *   0xE0-0xE3   a 32-bit scratch register: any write stores the value
 *               (zero-extended), any read returns it.  realmode's "pio"
 *               tests and emulator's string I/O tests (rep outsb / rep
 *               insb) use it.
 *   0xE8        a byte scratch register.
 *   0x2000+n    writing v sets line n (0-23) of GPIO output "irq" to v != 0
 *               (lib/x86/apic.c set_irq_line, used by the ioapic test).
 *   0xFF000000  64 KiB of memory behind MMIO handlers ("IORAM" of
 *               x86/ioram.h): reads and writes of 1, 2, 4 and 8 bytes, so
 *               the CPU's instructions run against emulated MMIO (emulator,
 *               cmpxchg8b).
 *
 * Left out: port 0xE4 (QEMU flushes a guest page's host mapping there, a
 * KVM shadow-MMU test; nothing in the i386 programs named uses it) and the
 * fw_cfg interface at 0x510 that lib/x86 reads for the RAM size and CPU
 * count (a separate device; the tests also take them from the environment).
 *
 * Wiring: properties "iobase" (0xe0), "irq-port" (0x2000), "iomem-base"
 * (0xff000000); GPIO output "irq" with 24 lines.
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <string.h>
#include <cardcage/cardcage.h>

#define TYPE_PC_TESTDEV "pc-testdev"

#define TESTDEV_DATA_OFFSET 0        /* 32-bit register at iobase */
#define TESTDEV_BYTE_OFFSET 8        /* byte register at iobase + 8 */
#define TESTDEV_IO_SIZE 9
#define TESTDEV_IRQS 24              /* the I/O APIC's input count */
#define TESTDEV_IOMEM_SIZE 0x10000   /* IORAM_LEN in x86/ioram.h */

typedef struct TestdevState {
    ISADevice parent_obj;
    MemoryRegion io;
    MemoryRegion irq_io;
    MemoryRegion iomem;
    IRQState *irq[TESTDEV_IRQS];
    uint16_t iobase;
    uint16_t irq_port;
    uint64_t iomem_base;
    uint32_t data;
    uint8_t byte;
    uint8_t ram[TESTDEV_IOMEM_SIZE];
} TestdevState;

OBJECT_DECLARE_SIMPLE_TYPE(TestdevState, PC_TESTDEV)

/* ---- the scratch ports ---- */

static uint64_t testdev_io_read(void *opaque, hwaddr addr, unsigned size)
{
    TestdevState *s = opaque;
    return addr >= TESTDEV_BYTE_OFFSET ? s->byte : s->data;
}

static void testdev_io_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    TestdevState *s = opaque;
    if (addr >= TESTDEV_BYTE_OFFSET) {
        s->byte = (uint8_t)val;
    } else {
        s->data = (uint32_t)val;
    }
}

static const MemoryRegionOps testdev_io_ops = {
    .read = testdev_io_read,
    .write = testdev_io_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
};

/* ---- IRQ lines ---- */

static uint64_t testdev_irq_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void testdev_irq_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    TestdevState *s = opaque;
    if (addr < TESTDEV_IRQS) {
        irq_set(s->irq[addr], val != 0);
    }
}

static const MemoryRegionOps testdev_irq_ops = {
    .read = testdev_irq_read,
    .write = testdev_irq_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* ---- IORAM ---- */

static uint64_t testdev_iomem_read(void *opaque, hwaddr addr, unsigned size)
{
    TestdevState *s = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size && addr + i < TESTDEV_IOMEM_SIZE; i++) {
        v |= (uint64_t)s->ram[addr + i] << (8 * i);
    }
    return v;
}

static void testdev_iomem_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    TestdevState *s = opaque;
    for (unsigned i = 0; i < size && addr + i < TESTDEV_IOMEM_SIZE; i++) {
        s->ram[addr + i] = (uint8_t)(val >> (8 * i));
    }
}

static const MemoryRegionOps testdev_iomem_ops = {
    .read = testdev_iomem_read,
    .write = testdev_iomem_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
};

/* ---- reset ---- */

static void testdev_reset(DeviceState *dev)
{
    TestdevState *s = PC_TESTDEV(dev);
    s->data = 0;
    s->byte = 0;
    memset(s->ram, 0, sizeof(s->ram));
}

/* ---- realize ---- */

static bool testdev_realize(DeviceState *dev, Error **errp)
{
    TestdevState *s = PC_TESTDEV(dev);
    if (s->iomem_base & 0xfff || s->iomem_base > (1ull << 32) - TESTDEV_IOMEM_SIZE) {
        error_setg(errp, "iomem-base 0x%" PRIx64 " must be page aligned and below 4 GiB",
                   s->iomem_base);
        return false;
    }
    memory_region_init_io(&s->io, OBJECT(dev), &testdev_io_ops, s, "pc-testdev",
                          TESTDEV_IO_SIZE);
    memory_region_init_io(&s->irq_io, OBJECT(dev), &testdev_irq_ops, s, "pc-testdev-irq",
                          TESTDEV_IRQS);
    memory_region_init_io(&s->iomem, OBJECT(dev), &testdev_iomem_ops, s, "pc-testdev-iomem",
                          TESTDEV_IOMEM_SIZE);
    return isa_register_ioport(ISA_DEVICE(dev), &s->io, s->iobase, errp) &&
           isa_register_ioport(ISA_DEVICE(dev), &s->irq_io, s->irq_port, errp) &&
           isa_register_memory(ISA_DEVICE(dev), &s->iomem, s->iomem_base, errp);
}

static void testdev_unrealize(DeviceState *dev)
{
    TestdevState *s = PC_TESTDEV(dev);
    memory_region_finalize(&s->io);
    memory_region_finalize(&s->irq_io);
    memory_region_finalize(&s->iomem);
}

static void testdev_instance_init(Object *obj)
{
    device_init_gpio_out_named(DEVICE(obj), PC_TESTDEV(obj)->irq, "irq", TESTDEV_IRQS);
}

/* ---- properties and type ---- */

static const Property testdev_properties[] = {
    DEFINE_PROP_UINT16("iobase", TestdevState, iobase, 0xe0,
                       "32-bit scratch port (the byte register is at iobase + 8)"),
    DEFINE_PROP_UINT16("irq-port", TestdevState, irq_port, 0x2000,
                       "first of 24 ports that set the IRQ lines"),
    DEFINE_PROP_UINT64("iomem-base", TestdevState, iomem_base, 0xff000000,
                       "physical address of the 64 KiB MMIO memory"),
    DEFINE_PROP_END_OF_LIST(),
};

/* ---- state ---- */

/* The IRQ lines' levels are kept by the devices they drive. */
static const VMStateDescription vmstate_testdev = {
    .name = TYPE_PC_TESTDEV,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(data, TestdevState),
        VMSTATE_UINT8(byte, TestdevState),
        VMSTATE_BUFFER(ram, TestdevState),
        VMSTATE_END_OF_LIST()
    },
};

static void testdev_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->desc = "kvm-unit-tests test device: scratch ports, IRQ lines, MMIO memory";
    dc->vmsd = &vmstate_testdev;
    dc->category = DEVICE_CATEGORY_DEBUG;
    dc->realize = testdev_realize;
    dc->unrealize = testdev_unrealize;
    dc->reset = testdev_reset;
    device_class_set_props(dc, testdev_properties);
}

static const TypeInfo testdev_types[] = {
    {
        .name = TYPE_PC_TESTDEV,
        .parent = TYPE_ISA_DEVICE,
        .instance_size = sizeof(TestdevState),
        .instance_init = testdev_instance_init,
        .class_init = testdev_class_init,
    },
};

DEFINE_TYPES(testdev_types)

CARDCAGE_PLUGIN(
    .name = "testdev",
    .version = "1.0",
    .description = "pc-testdev: the test device of kvm-unit-tests",
    .license = "MIT",
);
