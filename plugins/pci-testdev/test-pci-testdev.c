/*
 * Unit tests of the core's PCI support through pci-testdev, driven as a
 * guest would: configuration mechanism #1 at 0xCF8/0xCFC of pci-testhost,
 * the BARs in the I/O and memory spaces, INTx on the host's PIRQ outputs,
 * DMA and MSI into memory and onto a fake APIC bus client.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>
#include <cmocka.h>
#include "harness.h"
#include "harness-vmstate.h"

#define TESTDEV_SLOT 3
#define OTHER_SLOT   7           /* (7 + 0) % 4 == (3 + 0) % 4: the same PIRQ */
#define D0 PCI_DEVFN(TESTDEV_SLOT, 0)
#define D1 PCI_DEVFN(OTHER_SLOT, 0)

#define RAM_BASE 0x100000u
#define RAM_SIZE 0x40000u

static DeviceState *host, *dev0, *dev1;
static PCIBus *bus;
static MemoryRegion ram;

/* ---- configuration space through 0xCF8/0xCFC ---- */

static uint32_t cfg_read(int devfn, uint32_t reg, unsigned len)
{
    return harness_pci_cfg_read(devfn, reg, len);
}

static void cfg_write(int devfn, uint32_t reg, uint32_t val, unsigned len)
{
    harness_pci_cfg_write(devfn, reg, val, len);
}

static uint64_t mem_ld(hwaddr a, unsigned size)
{
    return address_space_ld(address_space_memory(), a, size, NULL);
}

static void mem_st(hwaddr a, uint64_t v, unsigned size)
{
    address_space_st(address_space_memory(), a, v, size, NULL);
}

static const char *const d0_props[] = { "addr=3", NULL };
static const char *const d1_props[] = { "addr=7", NULL };

static int group_setup(void **state)
{
    harness_load_plugin("pci-testdev");
    host = harness_create("pci-testhost", "host", NULL, NULL);
    bus = PCI_BUS(bus_find("pci.0"));
    dev0 = harness_create("pci-testdev", "d0", BUS(bus), d0_props);
    dev1 = harness_create("pci-testdev", "d1", BUS(bus), d1_props);
    assert_true(memory_region_init_ram(&ram, NULL, "test-ram", RAM_SIZE, &error_abort));
    memory_region_add_subregion(memory_get_system_memory(), RAM_BASE, &ram);
    return 0;
}

/* Each test starts from the power-on state of both functions. */
static int reset_devices(void **state)
{
    device_cold_reset(dev0);
    device_cold_reset(dev1);
    return 0;
}

/* ---- identity and the read-only parts of the header ---- */

static void test_ids(void **state)
{
    assert_int_equal(cfg_read(D0, PCI_VENDOR_ID, 4), 0x00051b36);
    assert_int_equal(cfg_read(D0, PCI_CLASS_PROG, 1), 0);
    assert_int_equal(cfg_read(D0, PCI_CLASS_DEVICE, 2), 0x00ff);
    assert_int_equal(cfg_read(D0, PCI_REVISION_ID, 1), 1);
    assert_int_equal(cfg_read(D0, PCI_HEADER_TYPE, 1), 0);
    assert_int_equal(cfg_read(D0, PCI_SUBSYSTEM_VENDOR_ID, 4), 0x11001af4);
    assert_int_equal(cfg_read(D0, PCI_INTERRUPT_PIN, 1), 1);
    /* An empty slot, a missing function, a disabled access: all ones. */
    assert_int_equal(cfg_read(PCI_DEVFN(5, 0), 0, 4), 0xffffffff);
    assert_int_equal(cfg_read(PCI_DEVFN(TESTDEV_SLOT, 1), 0, 4), 0xffffffff);
    assert_int_equal(cfg_read(PCI_DEVFN(TESTDEV_SLOT, 1), 0, 2), 0xffff);
    cpu_outl(0xcf8, (uint32_t)D0 << 8);
    assert_int_equal(cpu_inl(0xcfc), 0xffffffff);
    /* Bus 1 does not exist. */
    cpu_outl(0xcf8, 0x80010000u | (uint32_t)D0 << 8);
    assert_int_equal(cpu_inl(0xcfc), 0xffffffff);
    /* CONFIG_ADDRESS reads back what was latched (reserved bits 0). */
    cpu_outl(0xcf8, 0x8000180fu);
    assert_int_equal(cpu_inl(0xcf8), 0x8000180c);
}

static void test_sub_dword(void **state)
{
    /* Bytes and words at every offset of the data window. */
    assert_int_equal(cfg_read(D0, 0, 1), 0x36);
    assert_int_equal(cfg_read(D0, 1, 1), 0x1b);
    assert_int_equal(cfg_read(D0, 2, 1), 0x05);
    assert_int_equal(cfg_read(D0, 3, 1), 0x00);
    assert_int_equal(cfg_read(D0, 1, 2), 0x051b);
    assert_int_equal(cfg_read(D0, 2, 2), 0x0005);
    cfg_write(D0, PCI_INTERRUPT_LINE, 0xab, 1);
    assert_int_equal(cfg_read(D0, PCI_INTERRUPT_LINE, 4) & 0xffff, 0x01ab);
    cfg_write(D0, PCI_LATENCY_TIMER, 0x40, 1);
    assert_int_equal(cfg_read(D0, PCI_CACHE_LINE_SIZE, 2), 0x4000);
    /* Past the header, in no capability: zeros, and writes are dropped. */
    cfg_write(D0, 0xfc, 0x12345678, 4);
    assert_int_equal(cfg_read(D0, 0xfc, 4), 0);
}

static void test_read_only_and_w1c(void **state)
{
    PCIDevice *d = PCI_DEVICE(dev0);
    cfg_write(D0, PCI_VENDOR_ID, 0xdeadbeef, 4);
    cfg_write(D0, PCI_CLASS_PROG, 0xffffffff, 4);
    cfg_write(D0, PCI_INTERRUPT_PIN, 3, 1);
    assert_int_equal(cfg_read(D0, PCI_VENDOR_ID, 4), 0x00051b36);
    assert_int_equal(cfg_read(D0, PCI_CLASS_DEVICE, 2), 0x00ff);
    assert_int_equal(cfg_read(D0, PCI_INTERRUPT_PIN, 1), 1);
    /* The command register keeps only the bits a function implements. */
    cfg_write(D0, PCI_COMMAND, 0xffff, 2);
    assert_int_equal(cfg_read(D0, PCI_COMMAND, 2), 0x0547);
    cfg_write(D0, PCI_COMMAND, 0, 2);
    /* Status: error bits are write-1-to-clear, the rest read-only. */
    pci_set_word(d->config + PCI_STATUS, pci_get_word(d->config + PCI_STATUS) | 0xf900);
    uint16_t st = cfg_read(D0, PCI_STATUS, 2);
    assert_int_equal(st & 0xf900, 0xf900);
    assert_true(st & PCI_STATUS_CAP_LIST);
    cfg_write(D0, PCI_STATUS, 0x2000, 2);        /* clears only bit 13 */
    assert_int_equal(cfg_read(D0, PCI_STATUS, 2) & 0xf900, 0xd900);
    cfg_write(D0, PCI_STATUS, 0xffff, 2);
    st = cfg_read(D0, PCI_STATUS, 2);
    assert_int_equal(st & 0xf900, 0);
    assert_true(st & PCI_STATUS_CAP_LIST);       /* not cleared by a 1 */
    /* The capability list: the MSI capability, read-only id and link. */
    uint8_t cap = cfg_read(D0, PCI_CAPABILITY_LIST, 1);
    assert_true(cap >= 0x40);
    assert_int_equal(cfg_read(D0, cap, 1), PCI_CAP_ID_MSI);
    cfg_write(D0, cap, 0x1111, 2);
    assert_int_equal(cfg_read(D0, cap, 1), PCI_CAP_ID_MSI);
    assert_int_equal(cfg_read(D0, cap + 1, 1), 0);
}

/* ---- BARs ---- */

static void test_bar_sizing(void **state)
{
    cfg_write(D0, PCI_BASE_ADDRESS_0, 0xffffffff, 4);
    assert_int_equal(cfg_read(D0, PCI_BASE_ADDRESS_0, 4), 0xffffff01);     /* 256 B I/O */
    cfg_write(D0, PCI_BASE_ADDRESS_0 + 4, 0xffffffff, 4);
    assert_int_equal(cfg_read(D0, PCI_BASE_ADDRESS_0 + 4, 4), 0xfffff000); /* 4 KiB mem */
    cfg_write(D0, PCI_BASE_ADDRESS_0 + 8, 0xffffffff, 4);
    cfg_write(D0, PCI_BASE_ADDRESS_0 + 12, 0xffffffff, 4);
    /* 64 KiB, 64-bit (type 10b), prefetchable: 0x0c in the low bits. */
    assert_int_equal(cfg_read(D0, PCI_BASE_ADDRESS_0 + 8, 4), 0xffff000c);
    assert_int_equal(cfg_read(D0, PCI_BASE_ADDRESS_0 + 12, 4), 0xffffffff);
    /* BARs 4 and 5 do not exist: hard-wired 0. */
    cfg_write(D0, PCI_BASE_ADDRESS_0 + 16, 0xffffffff, 4);
    assert_int_equal(cfg_read(D0, PCI_BASE_ADDRESS_0 + 16, 4), 0);
    /* No option ROM: the ROM BAR is 0 too. */
    cfg_write(D0, PCI_ROM_ADDRESS, 0xffffffff, 4);
    assert_int_equal(cfg_read(D0, PCI_ROM_ADDRESS, 4), 0);
    /* All ones with decoding on maps nothing. */
    cfg_write(D0, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    for (int n = 0; n < PCI_NUM_REGIONS; n++) {
        assert_true(pci_get_bar_addr(PCI_DEVICE(dev0), n) == PCI_BAR_UNMAPPED);
    }
}

static void test_bar_mapping(void **state)
{
    cfg_write(D0, PCI_BASE_ADDRESS_0, 0xc000, 4);
    cfg_write(D0, PCI_BASE_ADDRESS_0 + 4, 0xfe000000, 4);
    cfg_write(D0, PCI_BASE_ADDRESS_0 + 8, 0xfd000000, 4);
    cfg_write(D0, PCI_BASE_ADDRESS_0 + 12, 0, 4);
    /* Programmed but not enabled: nothing decodes. */
    assert_int_equal(cpu_inl(0xc000), 0xffffffff);
    assert_int_equal(mem_ld(0xfe000000, 4), 0xffffffff);
    cfg_write(D0, PCI_COMMAND, PCI_COMMAND_IO, 2);
    assert_int_equal(cpu_inl(0xc000), 0x54534554);
    assert_int_equal(mem_ld(0xfe000000, 4), 0xffffffff);
    cfg_write(D0, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    assert_int_equal(mem_ld(0xfe000000, 4), 0x54534554);
    /* The 64-bit prefetchable BAR is RAM. */
    mem_st(0xfd000010, 0xcafef00d, 4);
    assert_int_equal(mem_ld(0xfd000010, 4), 0xcafef00d);
    /* Both register BARs reach the same registers. */
    cpu_outl(0xc000 + 0x28, 0x1234);
    assert_int_equal(mem_ld(0xfe000028, 4), 0x1234);
    /* Moved: decodes at the new address only. */
    cfg_write(D0, PCI_BASE_ADDRESS_0 + 4, 0xfe100000, 4);
    assert_int_equal(mem_ld(0xfe000000, 4), 0xffffffff);
    assert_int_equal(mem_ld(0xfe100000, 4), 0x54534554);
    cfg_write(D0, PCI_BASE_ADDRESS_0, 0xc100, 4);
    assert_int_equal(cpu_inl(0xc000), 0xffffffff);
    assert_int_equal(cpu_inl(0xc100), 0x54534554);
    /* The 64-bit BAR above 4 GiB is past this bus's 32-bit reach only if
     * the space is smaller; system memory spans it, so it moves there. */
    cfg_write(D0, PCI_BASE_ADDRESS_0 + 12, 1, 4);
    assert_true(pci_get_bar_addr(PCI_DEVICE(dev0), 2) == 0x1fd000000ull);
    assert_int_equal(mem_ld(0xfd000010, 4), 0xffffffff);
    cfg_write(D0, PCI_BASE_ADDRESS_0 + 12, 0, 4);
    assert_int_equal(mem_ld(0xfd000010, 4), 0xcafef00d);
    /* Memory decode off unmaps the memory BARs, not the I/O one. */
    cfg_write(D0, PCI_COMMAND, PCI_COMMAND_IO, 2);
    assert_int_equal(mem_ld(0xfe100000, 4), 0xffffffff);
    assert_int_equal(cpu_inl(0xc100), 0x54534554);
    cfg_write(D0, PCI_COMMAND, 0, 2);
    assert_int_equal(cpu_inl(0xc100), 0xffffffff);
    /* An I/O BAR past 64 KiB does not decode. */
    cfg_write(D0, PCI_BASE_ADDRESS_0, 0x10000, 4);
    cfg_write(D0, PCI_COMMAND, PCI_COMMAND_IO, 2);
    assert_true(pci_get_bar_addr(PCI_DEVICE(dev0), 0) == PCI_BAR_UNMAPPED);
}

/* BARs of two functions, and a BAR and RAM, on top of each other: one
 * wins, nothing breaks, and each is back once moved apart. */
static void test_bar_overlap(void **state)
{
    cfg_write(D0, PCI_BASE_ADDRESS_0 + 4, 0xfe000000, 4);
    cfg_write(D1, PCI_BASE_ADDRESS_0 + 4, 0xfe000000, 4);
    cfg_write(D1, PCI_BASE_ADDRESS_0 + 8, 0xfe000000, 4);
    cfg_write(D0, PCI_BASE_ADDRESS_0, 0xc000, 4);
    cfg_write(D1, PCI_BASE_ADDRESS_0, 0xc000, 4);
    cfg_write(D0, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    cfg_write(D1, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    uint32_t v = mem_ld(0xfe000000, 4);
    assert_true(v == 0x54534554 || v == 0);      /* registers or the RAM BAR */
    assert_int_equal(cpu_inl(0xc000), 0x54534554);
    /* A BAR over the test's RAM. */
    mem_st(RAM_BASE, 0x11223344, 4);
    cfg_write(D0, PCI_BASE_ADDRESS_0 + 4, RAM_BASE, 4);
    /* RAM hides it (the host bridge keeps DRAM addresses). */
    assert_int_equal(mem_ld(RAM_BASE, 4), 0x11223344);
    /* An I/O BAR over the configuration ports is hidden too. */
    cfg_write(D1, PCI_BASE_ADDRESS_0, 0xcf8 & ~0xff, 4);
    assert_int_equal(cfg_read(D1, PCI_VENDOR_ID, 2), 0x1b36);
    cfg_write(D1, PCI_BASE_ADDRESS_0, 0xc000, 4);
    cfg_write(D0, PCI_BASE_ADDRESS_0 + 4, 0xfe200000, 4);
    assert_int_equal(mem_ld(RAM_BASE, 4), 0x11223344);
    cfg_write(D1, PCI_BASE_ADDRESS_0 + 8, 0xfd000000, 4);
    cfg_write(D1, PCI_BASE_ADDRESS_0, 0xc100, 4);
    cpu_outl(0xc000 + 0x28, 7);
    cpu_outl(0xc100 + 0x28, 9);
    assert_int_equal(mem_ld(0xfe200028, 4), 7);
    assert_int_equal(mem_ld(0xfe000028, 4), 9);
}

/* ---- INTx ---- */

static void test_intx_shared(void **state)
{
    IRQProbe *p = harness_probe_output(host, "pirq", 3);
    assert_int_equal(pci_swizzle_map_irq(PCI_DEVICE(dev0), 0), 3);
    assert_int_equal(pci_swizzle_map_irq(PCI_DEVICE(dev1), 0), 3);
    cfg_write(D0, PCI_BASE_ADDRESS_0, 0xc000, 4);
    cfg_write(D1, PCI_BASE_ADDRESS_0, 0xc100, 4);
    cfg_write(D0, PCI_COMMAND, PCI_COMMAND_IO, 2);
    cfg_write(D1, PCI_COMMAND, PCI_COMMAND_IO, 2);
    cpu_outl(0xc004, 1);
    assert_int_equal(p->level, 1);
    assert_true(cfg_read(D0, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
    assert_false(cfg_read(D1, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
    cpu_outl(0xc104, 1);
    assert_int_equal(p->level, 1);
    assert_int_equal(p->rising, 1);
    cpu_outl(0xc004, 0);                 /* d1 still holds the line */
    assert_int_equal(p->level, 1);
    assert_false(cfg_read(D0, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
    cpu_outl(0xc104, 0);
    assert_int_equal(p->level, 0);
    assert_int_equal(p->falling, 1);
    assert_int_equal(pci_bus_irq_level(bus, 3), 0);
}

static void test_intx_disable(void **state)
{
    IRQProbe *p = harness_probe_output(host, "pirq", 3);
    cfg_write(D0, PCI_BASE_ADDRESS_0, 0xc000, 4);
    cfg_write(D0, PCI_COMMAND, PCI_COMMAND_IO, 2);
    cpu_outl(0xc004, 1);
    assert_int_equal(p->level, 1);
    cfg_write(D0, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_INTX_DISABLE, 2);
    assert_int_equal(p->level, 0);
    /* The status bit still shows the pin. */
    assert_true(cfg_read(D0, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
    cpu_outl(0xc004, 0);
    cpu_outl(0xc004, 1);
    assert_int_equal(p->level, 0);
    cfg_write(D0, PCI_COMMAND, PCI_COMMAND_IO, 2);
    assert_int_equal(p->level, 1);
    /* Reset deasserts. */
    device_cold_reset(dev0);
    assert_int_equal(p->level, 0);
    assert_int_equal(pci_bus_irq_level(bus, 3), 0);
}

/* ---- DMA ---- */

static void start_dma(uint16_t io, uint32_t src, uint32_t dst, uint32_t len)
{
    cpu_outl(io + 0x08, src);
    cpu_outl(io + 0x0c, 0);
    cpu_outl(io + 0x10, dst);
    cpu_outl(io + 0x14, 0);
    cpu_outl(io + 0x18, len);
    cpu_outl(io + 0x1c, 1);
}

static void test_dma_bus_master(void **state)
{
    uint8_t *r = memory_region_get_ram_ptr(&ram);
    for (int i = 0; i < 256; i++) {
        r[i] = (uint8_t)(i * 7 + 1);
    }
    memset(r + 0x1000, 0, 256);
    cfg_write(D0, PCI_BASE_ADDRESS_0, 0xc000, 4);
    cfg_write(D0, PCI_COMMAND, PCI_COMMAND_IO, 2);
    /* Bus master off: refused, nothing written. */
    start_dma(0xc000, RAM_BASE, RAM_BASE + 0x1000, 256);
    assert_int_equal(cpu_inl(0xc020), 1);
    assert_int_equal(r[0x1000], 0);
    uint8_t b;
    assert_int_not_equal(pci_dma_read(PCI_DEVICE(dev0), RAM_BASE, &b, 1), MEMTX_OK);
    cfg_write(D0, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MASTER, 2);
    start_dma(0xc000, RAM_BASE, RAM_BASE + 0x1000, 256);
    assert_int_equal(cpu_inl(0xc020), 0);
    assert_memory_equal(r, r + 0x1000, 256);
    /* A length past the engine's limit is refused. */
    start_dma(0xc000, RAM_BASE, RAM_BASE + 0x2000, 0x10001);
    assert_int_equal(cpu_inl(0xc020), 2);
    /* Into its own registers: refused by the re-entrancy guard, no crash. */
    cfg_write(D0, PCI_BASE_ADDRESS_0 + 4, 0xfe000000, 4);
    cfg_write(D0, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
    start_dma(0xc000, RAM_BASE, 0xfe000000, 16);
    assert_int_equal(cpu_inl(0xc020), 1);
    /* Off again: refused again. */
    cfg_write(D0, PCI_COMMAND, PCI_COMMAND_IO, 2);
    start_dma(0xc000, RAM_BASE, RAM_BASE + 0x3000, 16);
    assert_int_equal(cpu_inl(0xc020), 1);
}

/* ---- MSI, through a fake local APIC on the APIC bus ---- */

#define TYPE_FAKE_APIC "test-fake-apic"

static GArray *msi_seen;           /* APICMessage */

static bool fake_matches(Object *obj, uint8_t dest, bool logical)
{
    return !logical && dest == 0;
}

static void fake_accept(Object *obj, const APICMessage *m)
{
    g_array_append_val(msi_seen, *m);
}

static void fake_apic_class_init(ObjectClass *klass, void *data)
{
    APICBusClientClass *k = (APICBusClientClass *)object_class_dynamic_cast(
        klass, TYPE_APIC_BUS_CLIENT);
    k->matches = fake_matches;
    k->accept = fake_accept;
}

static const TypeInfo fake_apic_type = {
    .name = TYPE_FAKE_APIC,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(Object),
    .class_init = fake_apic_class_init,
    .interfaces = (const InterfaceInfo[]) { { TYPE_APIC_BUS_CLIENT }, { NULL } },
};

static void test_msi(void **state)
{
    static Object *apic;
    if (!apic) {
        type_register_static(&fake_apic_type);
        apic = object_new(TYPE_FAKE_APIC);
        assert_true(apic_bus_attach(apic, &error_abort));
        msi_seen = g_array_new(FALSE, FALSE, sizeof(APICMessage));
    }
    g_array_set_size(msi_seen, 0);
    uint8_t cap = cfg_read(D0, PCI_CAPABILITY_LIST, 1);
    uint16_t flags = cfg_read(D0, cap + PCI_MSI_FLAGS, 2);
    assert_int_equal(flags, PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT | (2 << 1));
    cfg_write(D0, PCI_BASE_ADDRESS_0, 0xc000, 4);
    cfg_write(D0, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MASTER, 2);
    /* Destination APIC 0, physical; vector 0x40, fixed, edge. */
    cfg_write(D0, cap + 4, 0xfee00003, 4);       /* bits 1:0 are read-only 0 */
    assert_int_equal(cfg_read(D0, cap + 4, 4), 0xfee00000);
    cfg_write(D0, cap + 8, 0, 4);
    cfg_write(D0, cap + 0xc, 0x0040, 2);
    /* Not enabled yet: nothing. */
    cpu_outl(0xc024, 0);
    assert_int_equal(msi_seen->len, 0);
    /* Enable with 4 vectors (multiple message enable 2). */
    cfg_write(D0, cap + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE | (2 << 4), 2);
    cpu_outl(0xc024, 2);
    assert_int_equal(msi_seen->len, 1);
    assert_int_equal(g_array_index(msi_seen, APICMessage, 0).vector, 0x42);
    /* Vector 4 is not enabled. */
    cpu_outl(0xc024, 4);
    assert_int_equal(msi_seen->len, 1);
    /* Masked: held pending, sent on unmask. */
    cfg_write(D0, cap + 0x10, 0x2, 4);
    cpu_outl(0xc024, 1);
    assert_int_equal(msi_seen->len, 1);
    assert_int_equal(cfg_read(D0, cap + 0x14, 4), 0x2);
    cfg_write(D0, cap + 0x14, 0, 4);             /* pending bits are read-only */
    assert_int_equal(cfg_read(D0, cap + 0x14, 4), 0x2);
    cfg_write(D0, cap + 0x10, 0, 4);
    assert_int_equal(msi_seen->len, 2);
    assert_int_equal(g_array_index(msi_seen, APICMessage, 1).vector, 0x41);
    assert_int_equal(cfg_read(D0, cap + 0x14, 4), 0);
    /* Bus mastering off: the message is a DMA write and is refused. */
    cfg_write(D0, PCI_COMMAND, PCI_COMMAND_IO, 2);
    cpu_outl(0xc024, 0);
    assert_int_equal(msi_seen->len, 2);
    assert_true(msi_enabled(PCI_DEVICE(dev0)));
    device_cold_reset(dev0);
    assert_false(msi_enabled(PCI_DEVICE(dev0)));
}

/* ---- option ROM ---- */

static void test_rom(void **state)
{
    char path[] = "/tmp/cc-pci-romXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    uint8_t img[3000];
    for (size_t i = 0; i < sizeof(img); i++) {
        img[i] = (uint8_t)(i ^ 0x5a);
    }
    img[0] = 0x55;
    img[1] = 0xaa;
    assert_int_equal(write(fd, img, sizeof(img)), (ssize_t)sizeof(img));
    close(fd);
    char *prop = g_strdup_printf("romfile=%s", path);
    const char *props[] = { "addr=9", prop, NULL };
    DeviceState *d = harness_create("pci-testdev", "romdev", BUS(bus), props);
    int devfn = PCI_DEVFN(9, 0);
    /* 3000 bytes: a 4 KiB ROM BAR, with the enable bit writable. */
    cfg_write(devfn, PCI_ROM_ADDRESS, 0xffffffff, 4);
    assert_int_equal(cfg_read(devfn, PCI_ROM_ADDRESS, 4), 0xfffff001);
    cfg_write(devfn, PCI_ROM_ADDRESS, 0xfeb00000, 4);          /* not enabled */
    cfg_write(devfn, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    assert_int_equal(mem_ld(0xfeb00000, 2), 0xffff);
    cfg_write(devfn, PCI_ROM_ADDRESS, 0xfeb00001, 4);
    for (size_t i = 0; i < sizeof(img); i += 97) {
        assert_int_equal(mem_ld(0xfeb00000 + i, 1), img[i]);
    }
    /* The rest of the power of two reads 0; the guest cannot write it. */
    assert_int_equal(mem_ld(0xfeb00000 + 4000, 4), 0);
    mem_st(0xfeb00000, 0, 2);
    assert_int_equal(mem_ld(0xfeb00000, 2), 0xaa55);
    cfg_write(devfn, PCI_COMMAND, 0, 2);
    assert_int_equal(mem_ld(0xfeb00000, 2), 0xffff);
    harness_destroy(d);
    /* A missing file is one clear error. */
    const char *bad[] = { "addr=9", "romfile=no-such-rom.bin", NULL };
    Error *err = NULL;
    assert_null(harness_try_create("pci-testdev", "romdev2", BUS(bus), bad, &err));
    assert_non_null(strstr(error_get_pretty(err), "romfile 'no-such-rom.bin' not found"));
    error_free(err);
    /* And the slot it failed in is free again. */
    d = harness_create("pci-testdev", "romdev3", BUS(bus), (const char *[]){ "addr=9", NULL });
    harness_destroy(d);
    unlink(path);
    g_free(prop);
}

/* ---- slots and functions ---- */

static void expect_error(const char *id, const char *const *props, const char *text)
{
    Error *err = NULL;
    assert_null(harness_try_create("pci-testdev", id, BUS(bus), props, &err));
    if (!strstr(error_get_pretty(err), text)) {
        fail_msg("error '%s' does not say '%s'", error_get_pretty(err), text);
    }
    error_free(err);
}

static void test_slot_errors(void **state)
{
    expect_error("x1", (const char *[]){ "addr=3", NULL }, "already in use by 'd0'");
    expect_error("x2", (const char *[]){ "addr=20", NULL }, "out of range");
    expect_error("x3", (const char *[]){ "addr=3.8", NULL }, "out of range");
    expect_error("x4", (const char *[]){ "addr=zz", NULL }, "is not valid");
    expect_error("x5", (const char *[]){ "addr=3.1", NULL }, "not a multi-function device");
    /* Function 1 first, then a function 0 without multifunction. */
    DeviceState *f1 = harness_create("pci-testdev", "f1", BUS(bus),
                                     (const char *[]){ "addr=0a.1", NULL });
    expect_error("x6", (const char *[]){ "addr=0xa", NULL }, "must be a multi-function device");
    /* Function 1 alone is not seen: software scans function 0 first. */
    assert_int_equal(cfg_read(PCI_DEVFN(0xa, 1), 0, 4), 0xffffffff);
    DeviceState *f0 = harness_create("pci-testdev", "f0", BUS(bus),
                                     (const char *[]){ "addr=a.0", "multifunction=on", NULL });
    assert_int_equal(cfg_read(PCI_DEVFN(0xa, 0), PCI_HEADER_TYPE, 1), 0x80);
    assert_int_equal(cfg_read(PCI_DEVFN(0xa, 1), 0, 4), 0x00051b36);
    /* No addr: the first slot with no function in use. */
    DeviceState *a = harness_create("pci-testdev", "auto", BUS(bus), NULL);
    assert_int_equal(PCI_DEVICE(a)->devfn, PCI_DEVFN(0, 0));
    harness_destroy(a);
    harness_destroy(f0);
    harness_destroy(f1);
    assert_null(pci_bus_find_device(bus, PCI_DEVFN(0xa, 0)));
}

/* ---- a hostile guest ---- */

/* Random configuration accesses of every size at every port offset to
 * every function (present or not), with the BARs landing on each other,
 * on RAM and on the MSI window, and the registers poked wherever they
 * are: nothing crashes, and the identity survives. */
static void test_config_fuzz(void **state)
{
    GRand *rng = g_rand_new_with_seed(0x9c1f);
    static const unsigned sizes[] = { 1, 2, 4 };
    static const uint32_t places[] = { 0, RAM_BASE, 0xfee00000, 0xfe000000, 0xc000,
                                       0xffffffff, 0xfffffff0 };
    for (int i = 0; i < 20000; i++) {
        int devfn = g_rand_boolean(rng) ? (g_rand_boolean(rng) ? D0 : D1)
                                        : g_rand_int_range(rng, 0, 256);
        unsigned size = sizes[g_rand_int_range(rng, 0, 3)];
        uint32_t reg = (uint32_t)g_rand_int_range(rng, 0, 256);
        uint16_t port = 0xcfc + g_rand_int_range(rng, 0, 4);
        uint32_t v = g_rand_boolean(rng) ? g_rand_int(rng)
                                         : places[g_rand_int_range(rng, 0, G_N_ELEMENTS(places))];
        harness_pci_cfg_select(devfn, reg);
        switch (g_rand_int_range(rng, 0, 6)) {
        case 0:
            (void)(size == 1 ? cpu_inb(port) : size == 2 ? cpu_inw(port) : cpu_inl(port));
            break;
        case 1:
            if (size == 1) {
                cpu_outb(port, v);
            } else if (size == 2) {
                cpu_outw(port, v);
            } else {
                cpu_outl(port, v);
            }
            break;
        case 2:     /* a BAR or the command register, the likeliest damage */
            cfg_write(g_rand_boolean(rng) ? D0 : D1,
                      PCI_BASE_ADDRESS_0 + 4 * g_rand_int_range(rng, 0, 4), v, 4);
            break;
        case 3:
            cfg_write(g_rand_boolean(rng) ? D0 : D1, PCI_COMMAND, g_rand_int(rng) & 0x547, 2);
            break;
        case 4: {   /* the registers, wherever they are mapped now */
            uint32_t a = places[g_rand_int_range(rng, 0, G_N_ELEMENTS(places))] +
                         (g_rand_int_range(rng, 0, 0x30) & ~3);
            mem_st(a, g_rand_int_range(rng, 0, 3), 4);
            (void)mem_ld(a, size);
            break;
        }
        default:
            cpu_outl(0xc000 + (g_rand_int_range(rng, 0, 0x30) & ~3), g_rand_int_range(rng, 0, 5));
            break;
        }
    }
    g_rand_free(rng);
    assert_int_equal(cfg_read(D0, PCI_VENDOR_ID, 4), 0x00051b36);
    assert_int_equal(cfg_read(D1, PCI_VENDOR_ID, 4), 0x00051b36);
    device_cold_reset(dev0);
    device_cold_reset(dev1);
    assert_int_equal(pci_bus_irq_level(bus, 3), 0);
}

/* ---- state ---- */

static void test_state_restores_mappings(void **state)
{
    cfg_write(D0, PCI_BASE_ADDRESS_0, 0xc000, 4);
    cfg_write(D0, PCI_BASE_ADDRESS_0 + 4, 0xfe000000, 4);
    cfg_write(D0, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    cpu_outl(0xc028, 0x77);
    cpu_outl(0xc004, 1);
    VMStateStream *w = vmstate_stream_new_buffer();
    assert_true(vmstate_save_device(w, dev0, &error_abort));
    device_cold_reset(dev0);
    assert_int_equal(cpu_inl(0xc000), 0xffffffff);
    assert_int_equal(pci_bus_irq_level(bus, 3), 0);
    size_t len;
    const uint8_t *data = vmstate_stream_data(w, &len);
    VMStateStream *r = vmstate_stream_new_reader(data, len);
    assert_true(vmstate_load_device(r, dev0, &error_abort));
    vmstate_stream_free(r);
    assert_int_equal(cpu_inl(0xc028), 0x77);
    assert_int_equal(mem_ld(0xfe000000, 4), 0x54534554);
    assert_int_equal(pci_bus_irq_level(bus, 3), 1);
    /* Another card's identity in the stream is refused. */
    uint8_t *bad = g_memdup2(data, len);
    for (size_t i = 0; i + 4 <= len; i++) {
        if (bad[i] == 0x36 && bad[i + 1] == 0x1b && bad[i + 2] == 0x05 && bad[i + 3] == 0) {
            bad[i] = 0x86;                  /* vendor 0x1b86 */
            break;
        }
    }
    r = vmstate_stream_new_reader(bad, len);
    Error *err = NULL;
    assert_false(vmstate_load_device(r, dev0, &err));
    assert_non_null(strstr(error_get_pretty(err), "configuration byte 0x00"));
    error_free(err);
    vmstate_stream_free(r);
    g_free(bad);
    vmstate_stream_free(w);
    assert_int_equal(mem_ld(0xfe000000, 4), 0x54534554);
}

static void test_vmstate_check(void **state)
{
    static const char *const host_props[] = { "bus-name=pci-vmstate", NULL };
    harness_vmstate_set_props("pci-testhost", host_props);
    assert_int_equal(harness_vmstate_check_plugin("pci-testdev", 0x9c1), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_ids, reset_devices),
        cmocka_unit_test_setup(test_sub_dword, reset_devices),
        cmocka_unit_test_setup(test_read_only_and_w1c, reset_devices),
        cmocka_unit_test_setup(test_bar_sizing, reset_devices),
        cmocka_unit_test_setup(test_bar_mapping, reset_devices),
        cmocka_unit_test_setup(test_bar_overlap, reset_devices),
        cmocka_unit_test_setup(test_intx_shared, reset_devices),
        cmocka_unit_test_setup(test_intx_disable, reset_devices),
        cmocka_unit_test_setup(test_dma_bus_master, reset_devices),
        cmocka_unit_test_setup(test_msi, reset_devices),
        cmocka_unit_test_setup(test_rom, reset_devices),
        cmocka_unit_test_setup(test_slot_errors, reset_devices),
        cmocka_unit_test_setup(test_config_fuzz, reset_devices),
        cmocka_unit_test_setup(test_state_restores_mappings, reset_devices),
        cmocka_unit_test_setup(test_vmstate_check, reset_devices),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
