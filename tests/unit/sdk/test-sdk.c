/*
 * Small SDK services: the byte-order helpers of bswap.h, the Ethernet
 * CRC-32 of net.h and the DMA address space a bus gives its devices.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include <cardcage/cardcage.h>
#include "memory/memory-internal.h"

static void test_byte_order(void **state)
{
    (void)state;
    /* An odd offset: the helpers take unaligned pointers. */
    uint8_t buf[9] = { 0xee, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };
    assert_int_equal(cc_ld_le16(buf + 1), 0x0201);
    assert_int_equal(cc_ld_be16(buf + 1), 0x0102);
    assert_int_equal(cc_ld_le32(buf + 1), 0x04030201u);
    assert_int_equal(cc_ld_be32(buf + 1), 0x01020304u);
    assert_true(cc_ld_le64(buf + 1) == 0x0807060504030201ull);
    assert_true(cc_ld_be64(buf + 1) == 0x0102030405060708ull);

    uint8_t out[9] = { 0 };
    cc_st_be32(out + 1, 0xa1b2c3d4u);
    assert_memory_equal(out + 1, ((uint8_t[]){ 0xa1, 0xb2, 0xc3, 0xd4 }), 4);
    cc_st_le16(out + 1, 0x1234);
    assert_memory_equal(out + 1, ((uint8_t[]){ 0x34, 0x12, 0xc3, 0xd4 }), 4);
    cc_st_le64(out + 1, 0x1122334455667788ull);
    assert_int_equal(out[1], 0x88);
    assert_int_equal(out[8], 0x11);
    cc_st_be64(out + 1, 0x1122334455667788ull);
    assert_int_equal(out[1], 0x11);
    assert_int_equal(out[8], 0x88);
    cc_st_be16(out, 0xabcd);
    assert_int_equal(out[0], 0xab);
    cc_st_le32(out, 0xdeadbeef);
    assert_int_equal(cc_ld_le32(out), 0xdeadbeefu);
    assert_int_equal(out[0], 0xef);
    assert_int_equal(out[4], 0x44);      /* the byte after the store is untouched */
}

/* ---- the Ethernet CRC-32 ---- */

/* MSB-first, bit by bit, as IEEE 802.3 3.2.9 describes the shift register
 * (bits of each octet in wire order, least significant first). */
static uint32_t crc_by_the_book(const uint8_t *p, size_t len)
{
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            bool in = (p[i] >> bit) & 1;
            bool carry = (crc >> 31) ^ in;
            crc = crc << 1 ^ (carry ? 0x04c11db7u : 0);
        }
    }
    return crc;
}

static void test_ether_crc(void **state)
{
    (void)state;
    /* The CRC-32 check value (the catalogue's "123456789"). */
    assert_int_equal(net_crc32_le((const uint8_t *)"123456789", 9), 0xcbf43926u);
    assert_int_equal(net_crc32_le(NULL, 0), 0);
    /* The 8390's and RTL8139's multicast hash: 01:00:5e:00:00:01 (all
     * hosts) lands on bit 0x1f of MAR. */
    static const uint8_t all_hosts[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
    assert_int_equal(net_crc32_be(all_hosts, 6) >> 26, 0x1f);
    uint8_t buf[61];
    uint32_t x = 12345;
    for (size_t len = 0; len <= sizeof(buf); len++) {
        assert_int_equal(net_crc32_be(buf, len), crc_by_the_book(buf, len));
        if (len < sizeof(buf)) {
            x = x * 1103515245u + 12345u;
            buf[len] = (uint8_t)(x >> 16);
        }
    }
}

/* ---- DMA address spaces ---- */

#define TYPE_TEST_ISA_DMA "test-isa-dma"

static const TypeInfo test_isa_dma_type = {
    .name = TYPE_TEST_ISA_DMA,
    .parent = TYPE_ISA_DEVICE,
    .instance_size = sizeof(ISADevice),
};

static void test_dma_address_space(void **state)
{
    (void)state;
    /* A device on no bus or the system bus: system memory. */
    DeviceState *bridge = device_new(TYPE_ISA_BRIDGE);
    assert_ptr_equal(device_dma_address_space(bridge), address_space_memory());
    assert_true(device_realize(bridge, NULL, NULL));
    assert_ptr_equal(device_dma_address_space(bridge), address_space_memory());

    /* ISA devices of the PC's bus: system memory too. */
    DeviceState *d1 = device_new(TYPE_TEST_ISA_DMA);
    assert_true(device_realize(d1, bus_find("isa"), NULL));
    assert_ptr_equal(device_dma_address_space(d1), address_space_memory());

    /* An ISA bus over a memory of its own: its devices reach that memory.
     * The regions outlive the test (the bus keeps pointing at them). */
    static MemoryRegion mem, ram, io;
    memory_region_init(&mem, NULL, "isa2-mem", 0x10000);
    memory_region_init(&io, NULL, "isa2-io", 0x10000);
    assert_true(memory_region_init_ram(&ram, NULL, "isa2-ram", 0x1000, NULL));
    memory_region_add_subregion(&mem, 0x2000, &ram);
    ISABus *bus = isa_bus_new(bridge, "isa2", &mem, &io);
    DeviceState *d2 = device_new(TYPE_TEST_ISA_DMA);
    assert_true(device_realize(d2, BUS(bus), NULL));
    AddressSpace *as = device_dma_address_space(d2);
    assert_ptr_not_equal(as, address_space_memory());
    assert_ptr_equal(device_dma_address_space(d2), as);     /* one per bus */
    uint8_t v = 0x5a;
    assert_int_equal(address_space_write(as, 0x2010, &v, 1), MEMTX_OK);
    assert_int_equal(((uint8_t *)memory_region_get_ram_ptr(&ram))[0x10], 0x5a);
    assert_int_equal(address_space_write(as, 0x4000, &v, 1), MEMTX_DECODE_ERROR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_byte_order),
        cmocka_unit_test(test_ether_crc),
        cmocka_unit_test(test_dma_address_space),
    };
    module_call_init(MODULE_INIT_QOM);
    memory_init();
    type_register_static(&test_isa_dma_type);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
