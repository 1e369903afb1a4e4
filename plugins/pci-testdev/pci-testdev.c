/*
 * pci-testdev: a PCI function for tests, with one BAR of each kind, INTx,
 * a DMA engine, MSI and an optional option ROM.  QEMU's pci-testdev ids
 * (Red Hat, 1b36:0005, class "other" 0x00ff) so that guests' drivers for
 * test devices bind; the register layout is cardcage's own:
 *
 *   BAR0  I/O, 256 bytes      the registers below
 *   BAR1  memory, 4 KiB       the same registers
 *   BAR2  memory, 64-bit prefetchable, 64 KiB of RAM (scratch)
 *
 *   0x00  magic, reads 0x54534554 ("TEST")
 *   0x04  INTx: 1 asserts the pin, 0 deasserts it
 *   0x08  DMA source address (low), 0x0c (high)
 *   0x10  DMA destination address (low), 0x14 (high)
 *   0x18  DMA length in bytes (at most PCI_TESTDEV_DMA_MAX)
 *   0x1c  DMA command: writing 1 copies length bytes from source to
 *         destination through the function's bus-master address space
 *   0x20  DMA status: 0 done, 1 refused (bus master off or a bus error),
 *         2 bad length
 *   0x24  MSI: writing n sends vector n
 *   0x28  scratch
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/cardcage.h>

#define TYPE_PCI_TESTDEV "pci-testdev"

#define PCI_TESTDEV_MAGIC     0x54534554u
#define PCI_TESTDEV_REGS      0x100
#define PCI_TESTDEV_DMA_MAX   0x10000u     /* one copy at most */
#define PCI_TESTDEV_RAM_SIZE  0x10000u

enum {
    REG_MAGIC = 0x00, REG_INTX = 0x04, REG_DMA_SRC = 0x08, REG_DMA_SRC_HI = 0x0c,
    REG_DMA_DST = 0x10, REG_DMA_DST_HI = 0x14, REG_DMA_LEN = 0x18, REG_DMA_CMD = 0x1c,
    REG_DMA_STATUS = 0x20, REG_MSI = 0x24, REG_SCRATCH = 0x28,
};

enum { DMA_OK = 0, DMA_REFUSED = 1, DMA_BAD_LENGTH = 2 };

typedef struct PCITestDevState {
    PCIDevice parent_obj;
    MemoryRegion io, mmio, ram;
    uint32_t intx;
    uint32_t dma_src, dma_src_hi, dma_dst, dma_dst_hi, dma_len;
    uint32_t dma_status;
    uint32_t scratch;
} PCITestDevState;

OBJECT_DECLARE_SIMPLE_TYPE(PCITestDevState, PCI_TESTDEV)

static void testdev_dma(PCITestDevState *s)
{
    PCIDevice *pci = PCI_DEVICE(s);
    if (s->dma_len > PCI_TESTDEV_DMA_MAX) {
        log_mask(LOG_GUEST_ERROR, "pci-testdev: DMA of %u bytes (at most %u)\n", s->dma_len,
                 PCI_TESTDEV_DMA_MAX);
        s->dma_status = DMA_BAD_LENGTH;
        return;
    }
    uint64_t src = (uint64_t)s->dma_src_hi << 32 | s->dma_src;
    uint64_t dst = (uint64_t)s->dma_dst_hi << 32 | s->dma_dst;
    uint8_t *buf = g_malloc(s->dma_len ? s->dma_len : 1);
    MemTxResult r = pci_dma_read(pci, src, buf, s->dma_len);
    if (r == MEMTX_OK) {
        r = pci_dma_write(pci, dst, buf, s->dma_len);
    }
    g_free(buf);
    s->dma_status = r == MEMTX_OK ? DMA_OK : DMA_REFUSED;
}

static uint64_t testdev_read(void *opaque, hwaddr addr, unsigned size)
{
    PCITestDevState *s = opaque;
    switch (addr) {
    case REG_MAGIC: return PCI_TESTDEV_MAGIC;
    case REG_INTX: return s->intx;
    case REG_DMA_SRC: return s->dma_src;
    case REG_DMA_SRC_HI: return s->dma_src_hi;
    case REG_DMA_DST: return s->dma_dst;
    case REG_DMA_DST_HI: return s->dma_dst_hi;
    case REG_DMA_LEN: return s->dma_len;
    case REG_DMA_STATUS: return s->dma_status;
    case REG_SCRATCH: return s->scratch;
    default: return 0;
    }
}

static void testdev_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PCITestDevState *s = opaque;
    uint32_t v = (uint32_t)val;
    switch (addr) {
    case REG_INTX:
        s->intx = v & 1;
        pci_set_irq(PCI_DEVICE(s), s->intx);
        break;
    case REG_DMA_SRC: s->dma_src = v; break;
    case REG_DMA_SRC_HI: s->dma_src_hi = v; break;
    case REG_DMA_DST: s->dma_dst = v; break;
    case REG_DMA_DST_HI: s->dma_dst_hi = v; break;
    case REG_DMA_LEN: s->dma_len = v; break;
    case REG_DMA_CMD:
        if (v & 1) {
            testdev_dma(s);
        }
        break;
    case REG_MSI:
        msi_notify(PCI_DEVICE(s), v);
        break;
    case REG_SCRATCH: s->scratch = v; break;
    default:
        log_mask(LOG_GUEST_ERROR, "pci-testdev: write 0x%x to register 0x%x\n", v,
                 (unsigned)addr);
        break;
    }
}

/* Dword registers; narrower accesses are widened (a byte write zero-
 * extends, as documented in memory.h). */
static const MemoryRegionOps testdev_ops = {
    .read = testdev_read,
    .write = testdev_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

static void testdev_reset(PCIDevice *pci)
{
    PCITestDevState *s = PCI_TESTDEV(pci);
    s->intx = 0;
    s->dma_src = s->dma_src_hi = s->dma_dst = s->dma_dst_hi = s->dma_len = 0;
    s->dma_status = DMA_OK;
    s->scratch = 0;
}

static bool testdev_realize(PCIDevice *pci, Error **errp)
{
    PCITestDevState *s = PCI_TESTDEV(pci);
    pci->config[PCI_INTERRUPT_PIN] = 1;          /* INTA# */
    /* Four vectors, 64-bit address, per-vector masking: every MSI feature.
     * First, so that a failure leaves nothing to undo. */
    if (!msi_init(pci, 0, 4, true, true, errp)) {
        return false;
    }
    if (!memory_region_init_ram(&s->ram, OBJECT(s), "pci-testdev-ram", PCI_TESTDEV_RAM_SIZE,
                                errp)) {
        return false;
    }
    memory_region_init_io(&s->io, OBJECT(s), &testdev_ops, s, "pci-testdev-io",
                          PCI_TESTDEV_REGS);
    memory_region_init_io(&s->mmio, OBJECT(s), &testdev_ops, s, "pci-testdev-mmio", 4096);
    pci_register_bar(pci, 0, PCI_BASE_ADDRESS_SPACE_IO, &s->io);
    pci_register_bar(pci, 1, PCI_BASE_ADDRESS_SPACE_MEMORY, &s->mmio);
    pci_register_bar(pci, 2, PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_64 |
                     PCI_BASE_ADDRESS_MEM_PREFETCH, &s->ram);
    return true;
}

static void testdev_exit(PCIDevice *pci)
{
    PCITestDevState *s = PCI_TESTDEV(pci);
    memory_region_finalize(&s->io);
    memory_region_finalize(&s->mmio);
    memory_region_finalize(&s->ram);
}

static const VMStateDescription vmstate_pci_testdev = {
    .name = TYPE_PCI_TESTDEV,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, PCITestDevState),
        VMSTATE_UINT32(intx, PCITestDevState),
        VMSTATE_UINT32(dma_src, PCITestDevState),
        VMSTATE_UINT32(dma_src_hi, PCITestDevState),
        VMSTATE_UINT32(dma_dst, PCITestDevState),
        VMSTATE_UINT32(dma_dst_hi, PCITestDevState),
        VMSTATE_UINT32(dma_len, PCITestDevState),
        VMSTATE_UINT32_MAX(dma_status, PCITestDevState, DMA_BAD_LENGTH),
        VMSTATE_UINT32(scratch, PCITestDevState),
        VMSTATE_END_OF_LIST()
    },
};

static void testdev_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
    dc->desc = "PCI test function: I/O, 32-bit and 64-bit BARs, INTx, DMA, MSI, option ROM";
    dc->category = DEVICE_CATEGORY_MISC;
    dc->vmsd = &vmstate_pci_testdev;
    k->vendor_id = 0x1b36;       /* Red Hat, as QEMU's pci-testdev */
    k->device_id = 0x0005;
    k->class_id = 0x00ff;        /* "other" (PCI Code and ID Assignment, class 0xff) */
    k->revision = 1;
    k->subsystem_vendor_id = 0x1af4;
    k->subsystem_id = 0x1100;
    k->realize = testdev_realize;
    k->exit = testdev_exit;
    k->reset = testdev_reset;
}

static const TypeInfo pci_testdev_types[] = {
    {
        .name = TYPE_PCI_TESTDEV,
        .parent = TYPE_PCI_DEVICE,
        .instance_size = sizeof(PCITestDevState),
        .class_init = testdev_class_init,
    },
};

DEFINE_TYPES(pci_testdev_types)
