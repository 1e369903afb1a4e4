/*
 * The AML encoder, byte for byte: package lengths, name strings, integers,
 * blocks, statements and resource descriptors, each against the encoding
 * the ACPI 6.4 specification (chapter 20, section 6.4) defines, and as
 * iasl compiles the same ASL.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <cardcage/acpi.h>
#include "acpi/aml-internal.h"

/* The node's encoding equals the n bytes given. */
static void check_bytes(Aml *aml, const uint8_t *want, size_t n)
{
    GByteArray *got = aml_serialize(aml);
    if (got->len != n || memcmp(got->data, want, n)) {
        for (guint i = 0; i < got->len; i++) {
            print_message("%02x ", got->data[i]);
        }
        print_message("\n");
    }
    assert_int_equal(got->len, n);
    assert_memory_equal(got->data, want, n);
    g_byte_array_unref(got);
}

#define CHECK(aml, ...) do {                                                 \
        static const uint8_t want_[] = { __VA_ARGS__ };                       \
        check_bytes((aml), want_, sizeof(want_));                             \
    } while (0)

static void check_pkglen(uint32_t value, bool block, const uint8_t *want, size_t n)
{
    GByteArray *b = g_byte_array_new();
    if (block) {
        aml_encode_block_len(b, value);
    } else {
        aml_encode_pkglen(b, value);
    }
    assert_int_equal(b->len, n);
    assert_memory_equal(b->data, want, n);
    g_byte_array_unref(b);
}

/* 20.2.4: one byte up to 63; then the low nibble in the lead byte, whose
 * bits 7:6 count the bytes that follow. */
static void test_pkglen(void **state)
{
    check_pkglen(0x3f, false, (const uint8_t[]){ 0x3f }, 1);
    check_pkglen(0x40, false, (const uint8_t[]){ 0x40, 0x04 }, 2);
    check_pkglen(0xfff, false, (const uint8_t[]){ 0x4f, 0xff }, 2);
    check_pkglen(0x1000, false, (const uint8_t[]){ 0x80, 0x00, 0x01 }, 3);
    check_pkglen(0x12345, false, (const uint8_t[]){ 0x85, 0x34, 0x12 }, 3);
    check_pkglen(0x123456, false, (const uint8_t[]){ 0xc6, 0x45, 0x23, 0x01 }, 4);
    /* A block's length counts its own bytes: a 62-byte body still fits one
     * byte (63), a 63-byte body needs two (65). */
    check_pkglen(62, true, (const uint8_t[]){ 0x3f }, 1);
    check_pkglen(63, true, (const uint8_t[]){ 0x41, 0x04 }, 2);
    /* 0xffd + 2 = 0xfff fits two bytes; 0xffe + 2 does not: three. */
    check_pkglen(0xffd, true, (const uint8_t[]){ 0x4f, 0xff }, 2);
    check_pkglen(0xffe, true, (const uint8_t[]){ 0x81, 0x00, 0x01 }, 3);
}

static void test_names(void **state)
{
    CHECK(aml_name("PCI0"), 'P', 'C', 'I', '0');
    CHECK(aml_name("_SB"), '_', 'S', 'B', '_');
    CHECK(aml_name("\\_SB"), 0x5c, '_', 'S', 'B', '_');
    CHECK(aml_name("\\_SB.PCI0"), 0x5c, 0x2e, '_', 'S', 'B', '_', 'P', 'C', 'I', '0');
    CHECK(aml_name("\\_SB.PCI0.ISA"), 0x5c, 0x2f, 3, '_', 'S', 'B', '_', 'P', 'C', 'I', '0',
          'I', 'S', 'A', '_');
    CHECK(aml_name("^^LNKA"), 0x5e, 0x5e, 'L', 'N', 'K', 'A');
    CHECK(aml_name("\\"), 0x5c, 0x00);
}

static void test_integers(void **state)
{
    CHECK(aml_int(0), 0x00);
    CHECK(aml_int(1), 0x01);
    CHECK(aml_int(UINT64_MAX), 0xff);
    CHECK(aml_zero(), 0x00);
    CHECK(aml_one(), 0x01);
    CHECK(aml_ones(), 0xff);
    CHECK(aml_int(2), 0x0a, 0x02);
    CHECK(aml_int(0xff), 0x0a, 0xff);
    CHECK(aml_int(0x100), 0x0b, 0x00, 0x01);
    CHECK(aml_int(0xcf8), 0x0b, 0xf8, 0x0c);
    CHECK(aml_int(0x10000), 0x0c, 0x00, 0x00, 0x01, 0x00);
    CHECK(aml_int(0xfee00000), 0x0c, 0x00, 0x00, 0xe0, 0xfe);
    CHECK(aml_int(0x100000000ull), 0x0e, 0, 0, 0, 0, 1, 0, 0, 0);
    CHECK(aml_string("ab"), 0x0d, 'a', 'b', 0);
    CHECK(aml_arg(0), 0x68);
    CHECK(aml_arg(6), 0x6e);
    CHECK(aml_local(7), 0x67);
}

/* EISAID("PNP0A03") is the dword 0x030AD041 (the compressed id stored
 * big-endian), as every DSDT's PCI root shows. */
static void test_eisaid(void **state)
{
    CHECK(aml_eisaid("PNP0A03"), 0x0c, 0x41, 0xd0, 0x0a, 0x03);
    CHECK(aml_eisaid("PNP0C0F"), 0x0c, 0x41, 0xd0, 0x0c, 0x0f);
    assert_null(aml_eisaid("PNP0A0"));
    assert_null(aml_eisaid("pnp0A03"));
    assert_null(aml_eisaid("PNP0A0G"));
}

static void test_blocks(void **state)
{
    /* Method (_STA, 0, NotSerialized) { Return (0x0F) } */
    Aml *m = aml_method("_STA", 0, false);
    aml_append(m, aml_return(aml_int(0x0f)));
    CHECK(m, 0x14, 0x09, '_', 'S', 'T', 'A', 0x00, 0xa4, 0x0a, 0x0f);
    /* Method (IQCR, 1, Serialized) {} */
    CHECK(aml_method("IQCR", 1, true), 0x14, 0x06, 'I', 'Q', 'C', 'R', 0x09);
    /* Name (_S5, Package () { Zero, Zero }) */
    Aml *p = aml_package();
    aml_append(p, aml_zero());
    aml_append(p, aml_zero());
    CHECK(aml_name_decl("_S5", p), 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x00, 0x00);
    /* Device (PCI0) { Name (_ADR, Zero) } */
    Aml *d = aml_device("PCI0");
    aml_append(d, aml_name_decl("_ADR", aml_zero()));
    CHECK(d, 0x5b, 0x82, 0x0b, 'P', 'C', 'I', '0', 0x08, '_', 'A', 'D', 'R', 0x00);
    /* Scope (\_SB) {} */
    CHECK(aml_scope("\\_SB"), 0x10, 0x06, 0x5c, '_', 'S', 'B', '_');
    /* If (LLess (Arg0, 0x80)) { Return (One) } Else { Return (Zero) } */
    Aml *list = aml_list();
    Aml *i = aml_if(aml_lless(aml_arg(0), aml_int(0x80)));
    aml_append(i, aml_return(aml_one()));
    aml_append(list, i);
    Aml *e = aml_else();
    aml_append(e, aml_return(aml_zero()));
    aml_append(list, e);
    CHECK(list, 0xa0, 0x07, 0x95, 0x68, 0x0a, 0x80, 0xa4, 0x01, 0xa1, 0x03, 0xa4, 0x00);
    /* Processor (C000, 0x00, 0x00000000, 0x00) {} */
    CHECK(aml_processor("C000", 0, 0, 0), 0x5b, 0x83, 0x0b, 'C', '0', '0', '0', 0x00,
          0, 0, 0, 0, 0x00);
    /* Buffer () { 1, 2 } */
    CHECK(aml_buffer((const uint8_t[]){ 1, 2 }, 2), 0x11, 0x05, 0x0a, 0x02, 1, 2);
}

/* A body of 100 bytes takes a two-byte package length. */
static void test_long_block(void **state)
{
    Aml *s = aml_scope("S");
    static const uint8_t zeros[91];
    aml_append(s, aml_buffer(zeros, sizeof(zeros)));
    GByteArray *b = aml_serialize(s);
    /* Body: name 4, buffer 0x11 + pkglen 2 + 0x0a 0x5b + 91 = 96 -> 100. */
    assert_int_equal(b->len, 1 + 2 + 100);
    assert_int_equal(b->data[0], 0x10);
    assert_int_equal(b->data[1], 0x40 | (102 & 0xf));
    assert_int_equal(b->data[2], 102 >> 4);
    assert_int_equal(b->data[7], 0x11);
    assert_int_equal(b->data[8], 0x40 | (95 & 0xf));
    assert_int_equal(b->data[9], 95 >> 4);
    g_byte_array_unref(b);
}

static void test_statements(void **state)
{
    CHECK(aml_store(aml_arg(0), aml_local(0)), 0x70, 0x68, 0x60);
    /* And (Arg0, 0x80): no target is the NullName. */
    CHECK(aml_and(aml_arg(0), aml_int(0x80), NULL), 0x7b, 0x68, 0x0a, 0x80, 0x00);
    CHECK(aml_or(aml_name("PRQ0"), aml_int(0x80), aml_name("PRQ0")), 0x7d,
          'P', 'R', 'Q', '0', 0x0a, 0x80, 'P', 'R', 'Q', '0');
    CHECK(aml_shiftleft(aml_one(), aml_arg(1), aml_local(1)), 0x79, 0x01, 0x69, 0x61);
    CHECK(aml_shiftright(aml_local(0), aml_int(2), NULL), 0x7a, 0x60, 0x0a, 0x02, 0x00);
    CHECK(aml_add(aml_local(0), aml_one(), aml_local(0)), 0x72, 0x60, 0x01, 0x60);
    CHECK(aml_lequal(aml_arg(0), aml_zero()), 0x93, 0x68, 0x00);
    CHECK(aml_lgreater(aml_arg(0), aml_zero()), 0x94, 0x68, 0x00);
    CHECK(aml_lnot(aml_arg(0)), 0x92, 0x68);
    CHECK(aml_notify(aml_name("\\_SB.PWRB"), aml_int(0x80)), 0x86, 0x5c, 0x2e,
          '_', 'S', 'B', '_', 'P', 'W', 'R', 'B', 0x0a, 0x80);
    CHECK(aml_create_dword_field(aml_arg(0), aml_int(5), "PRRI"), 0x8a, 0x68, 0x0a, 0x05,
          'P', 'R', 'R', 'I');
    CHECK(aml_call("IQST", 1, aml_name("PRQ0")), 'I', 'Q', 'S', 'T', 'P', 'R', 'Q', '0');
    CHECK(aml_call("FOO", 0), 'F', 'O', 'O', '_');
}

static void test_regions_and_fields(void **state)
{
    /* OperationRegion (PRTR, PCI_Config, 0x60, 0x04) */
    CHECK(aml_operation_region("PRTR", AML_PCI_CONFIG, aml_int(0x60), aml_int(4)),
          0x5b, 0x80, 'P', 'R', 'T', 'R', 0x02, 0x0a, 0x60, 0x0a, 0x04);
    CHECK(aml_operation_region("PMIO", AML_SYSTEM_IO, aml_int(0x600), aml_int(0x40)),
          0x5b, 0x80, 'P', 'M', 'I', 'O', 0x01, 0x0b, 0x00, 0x06, 0x0a, 0x40);
    /* Field (PRTR, ByteAcc, NoLock, Preserve) { PRQ0, 8, Offset (2), PRQ2, 8 } */
    Aml *f = aml_field("PRTR", AML_BYTE_ACC, false, AML_PRESERVE);
    aml_append(f, aml_named_field("PRQ0", 8));
    aml_append(f, aml_reserved_field(8));
    aml_append(f, aml_named_field("PRQ2", 8));
    CHECK(f, 0x5b, 0x81, 0x12, 'P', 'R', 'T', 'R', 0x01, 'P', 'R', 'Q', '0', 0x08,
          0x00, 0x08, 'P', 'R', 'Q', '2', 0x08);
    /* Field (PMIO, DWordAcc, Lock, WriteAsZeros) { A, 256 }: a two-byte
     * bit count. */
    f = aml_field("PMIO", AML_DWORD_ACC, true, AML_WRITE_AS_ZEROS);
    aml_append(f, aml_named_field("A", 256));
    CHECK(f, 0x5b, 0x81, 0x0c, 'P', 'M', 'I', 'O', 0x53, 'A', '_', '_', '_', 0x40, 0x10);
}

static void test_resources(void **state)
{
    /* ResourceTemplate () { IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08) } */
    Aml *rt = aml_resource_template();
    aml_append(rt, aml_io(0xcf8, 0xcf8, 1, 8));
    CHECK(rt, 0x11, 0x0d, 0x0a, 0x0a, 0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08,
          0x79, 0x00);
    CHECK(aml_resource_template(), 0x11, 0x05, 0x0a, 0x02, 0x79, 0x00);
    CHECK(aml_fixed_io(0x60, 1), 0x4b, 0x60, 0x00, 0x01);
    /* Memory32Fixed (ReadOnly, 0xFED00000, 0x400) and ReadWrite */
    CHECK(aml_memory32_fixed(0xfed00000, 0x400, false), 0x86, 0x09, 0x00, 0x00,
          0x00, 0x00, 0xd0, 0xfe, 0x00, 0x04, 0x00, 0x00);
    CHECK(aml_memory32_fixed(0xfee00000, 0x1000, true), 0x86, 0x09, 0x00, 0x01,
          0x00, 0x00, 0xe0, 0xfe, 0x00, 0x10, 0x00, 0x00);
    CHECK(aml_irq_no_flags(4), 0x22, 0x10, 0x00);
    CHECK(aml_irq_no_flags(12), 0x22, 0x00, 0x10);
    /* Interrupt (ResourceConsumer, Level, ActiveHigh, Shared) { 5, 10, 11 } */
    const uint32_t irqs[] = { 5, 10, 11 };
    CHECK(aml_interrupt(true, false, true, irqs, 3), 0x89, 0x0e, 0x00, 0x09, 0x03,
          5, 0, 0, 0, 10, 0, 0, 0, 11, 0, 0, 0);
    /* Interrupt (ResourceConsumer, Edge, ActiveLow, Exclusive) { 9 } */
    CHECK(aml_interrupt(false, true, false, &irqs[0], 1), 0x89, 0x06, 0x00, 0x07, 0x01,
          5, 0, 0, 0);
    /* WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
     * 0x0000, 0x0000, 0x00FF, 0x0000, 0x0100) */
    CHECK(aml_word_bus_number(0, 0xff), 0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00,
          0, 0, 0, 0, 0xff, 0, 0, 0, 0x00, 0x01);
    /* WordIO (..., EntireRange, 0x0000, 0x0D00, 0xFFFF, 0x0000, 0xF300) */
    CHECK(aml_word_io(0xd00, 0xffff), 0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03,
          0, 0, 0x00, 0x0d, 0xff, 0xff, 0, 0, 0x00, 0xf3);
    /* DWordMemory (..., Cacheable, ReadWrite, 0, 0xA0000, 0xBFFFF, 0, 0x20000) */
    CHECK(aml_dword_memory(0xa0000, 0xbffff, true), 0x87, 0x17, 0x00, 0x00, 0x0c, 0x03,
          0, 0, 0, 0, 0x00, 0x00, 0x0a, 0x00, 0xff, 0xff, 0x0b, 0x00, 0, 0, 0, 0,
          0x00, 0x00, 0x02, 0x00);
    GByteArray *q = aml_serialize(aml_qword_memory(0x100000000ull, 0x17fffffffull, false));
    assert_int_equal(q->len, 46);
    assert_int_equal(q->data[0], 0x8a);
    assert_int_equal(q->data[1], 43);
    assert_int_equal(q->data[5], 0x01);               /* NonCacheable, ReadWrite */
    assert_int_equal(q->data[14 + 4], 1);             /* minimum, bit 32 */
    assert_int_equal(q->data[38 + 3], 0x80);          /* length 0x80000000 */
    assert_int_equal(q->data[38 + 4], 0);
    g_byte_array_unref(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pkglen),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_eisaid),
        cmocka_unit_test(test_blocks),
        cmocka_unit_test(test_long_block),
        cmocka_unit_test(test_statements),
        cmocka_unit_test(test_regions_and_fields),
        cmocka_unit_test(test_resources),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
