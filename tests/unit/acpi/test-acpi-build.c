/*
 * The machine's ACPI tables built from fake devices (an I/O APIC that adds
 * its MADT entry, an HPET that adds its own table, a power-management
 * device, a PCI host bridge and interrupt router, one that implements
 * nothing), installed by running the loader commands as SeaBIOS does, then
 * found and checked as an OS would: the RSDP by its scan of the F segment,
 * every table by its checksum, the pointers between them.  With iasl, the
 * DSDT must decompile without errors and hold the expected objects.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <cardcage/acpi.h>
#include <cardcage/module.h>
#include "acpi/acpi-internal.h"
#include "acpi/acpi-loader-exec.h"
#include "cpu/cpu.h"

/* ---- fake devices ---- */

#define TYPE_FAKE_IOAPIC "fake-ioapic"
#define TYPE_FAKE_HPET "fake-hpet"
#define TYPE_FAKE_PM "fake-pm"
#define TYPE_FAKE_PCI "fake-pci-host"
#define TYPE_FAKE_PLAIN "fake-acpi-plain"
#define TYPE_FAKE_OTHER "fake-not-acpi"

static void ioapic_madt(Object *obj, GByteArray *madt)
{
    acpi_madt_add_ioapic(madt, 0, 0xfec00000, 0);
}

static void hpet_tables(Object *obj, AcpiBuilder *b)
{
    /* IA-PC HPET Specification 1.0a, 3.2.4 "The ACPI 2.0 HPET Description
     * Table": the event timer block id, its base address, its number, the
     * minimum tick, the page protection. */
    GByteArray *t = acpi_table_begin("HPET", 1);
    acpi_append_u32(t, 0x8086a201);
    acpi_append_gas(t, 0, 64, 0, 0, 0xfed00000);
    acpi_append_u8(t, 0);
    acpi_append_u16(t, 128);
    acpi_append_u8(t, 0);
    acpi_builder_add_table(b, t);
}

static void hpet_aml(Object *obj, Aml *sb)
{
    Aml *d = aml_device("HPET");
    aml_append(d, aml_name_decl("_HID", aml_eisaid("PNP0103")));
    Aml *crs = aml_resource_template();
    aml_append(crs, aml_irq_no_flags(2));
    aml_append(d, aml_name_decl("_CRS", crs));
    aml_append(sb, d);
}

static void pm_fadt(Object *obj, AcpiFadtInfo *f)
{
    f->present = true;
    f->sci_irq = 9;
    f->smi_cmd = 0xb2;
    f->acpi_enable = 0xf1;
    f->acpi_disable = 0xf0;
    f->pm1a_evt_blk = 0x600;
    f->pm1a_cnt_blk = 0x604;
    f->pm_tmr_blk = 0x608;
    f->gpe0_blk = 0xafe0;
    f->gpe0_blk_len = 4;
}

static void pci_host(Object *obj, AcpiPciHostInfo *p)
{
    p->present = true;
    p->config_port = 0xcf8;
    p->bus_min = 0;
    p->bus_max = 0xff;
    p->io[p->n_io++] = (AcpiWindow){ 0x0000, 0x0cf7 };
    p->io[p->n_io++] = (AcpiWindow){ 0x0d00, 0xffff };
    p->mem[p->n_mem++] = (AcpiWindow){ 0xa0000, 0xbffff };
    p->mem[p->n_mem++] = (AcpiWindow){ 0x08000000, 0xfebfffff };
    p->mem[p->n_mem++] = (AcpiWindow){ 0x100000000ull, 0x8ffffffffull };
}

static void pci_pirq(Object *obj, AcpiPirqInfo *r)
{
    r->present = true;
    r->devfn = 1 << 3;
    r->route_reg = 0x60;
    r->irqs[0] = 5;
    r->irqs[1] = 10;
    r->irqs[2] = 11;
    r->n_irqs = 3;
    for (int slot = 0; slot < 32; slot++) {
        for (int pin = 0; pin < 4; pin++) {
            r->link_of[slot][pin] = (slot + pin - 1) & 3;    /* the PIIX's swizzle */
        }
    }
}

static void fake_class_init(ObjectClass *klass, void *data)
{
    AcpiDeviceClass *ac = (AcpiDeviceClass *)object_class_dynamic_cast(klass,
                                                                       TYPE_ACPI_DEVICE_IF);
    const char *name = object_class_get_name(klass);
    if (!strcmp(name, TYPE_FAKE_IOAPIC)) {
        ac->build_madt = ioapic_madt;
    } else if (!strcmp(name, TYPE_FAKE_HPET)) {
        ac->build_tables = hpet_tables;
        ac->build_aml = hpet_aml;
    } else if (!strcmp(name, TYPE_FAKE_PM)) {
        ac->fadt_info = pm_fadt;
    } else if (!strcmp(name, TYPE_FAKE_PCI)) {
        ac->pci_host_info = pci_host;
        ac->pirq_info = pci_pirq;
    }
}

static const InterfaceInfo acpi_ifs[] = { { TYPE_ACPI_DEVICE_IF }, { NULL } };

static const TypeInfo fake_types[] = {
    { .name = TYPE_FAKE_IOAPIC, .parent = TYPE_OBJECT, .class_init = fake_class_init,
      .interfaces = acpi_ifs },
    { .name = TYPE_FAKE_HPET, .parent = TYPE_OBJECT, .class_init = fake_class_init,
      .interfaces = acpi_ifs },
    { .name = TYPE_FAKE_PM, .parent = TYPE_OBJECT, .class_init = fake_class_init,
      .interfaces = acpi_ifs },
    { .name = TYPE_FAKE_PCI, .parent = TYPE_OBJECT, .class_init = fake_class_init,
      .interfaces = acpi_ifs },
    { .name = TYPE_FAKE_PLAIN, .parent = TYPE_OBJECT, .class_init = fake_class_init,
      .interfaces = acpi_ifs },
    { .name = TYPE_FAKE_OTHER, .parent = TYPE_OBJECT },
};

static void add_device(const char *type, const char *name)
{
    Object *o = object_new(type);
    assert_true(object_property_add_child(object_get_root(), name, o, NULL));
    object_unref(o);
}

/* ---- a guest memory and the loader run into it ---- */

#define MEM_SIZE (2u << 20)
#define FSEG_BASE 0xe0000u
#define HIGH_BASE 0x100000u

typedef struct GuestMem {
    uint8_t *ram;
    uint32_t fseg_next, high_next;
} GuestMem;

static uint8_t *mem_allocate(void *opaque, const char *file, uint32_t size, uint32_t align,
                             uint8_t zone, uint64_t *addr, Error **errp)
{
    GuestMem *m = opaque;
    uint32_t *next = zone == ACPI_LOADER_ZONE_FSEG ? &m->fseg_next : &m->high_next;
    uint32_t end = zone == ACPI_LOADER_ZONE_FSEG ? 0x100000 : MEM_SIZE;
    uint32_t at = (*next + align - 1) & ~(align - 1);
    if (at + size > end) {
        error_setg(errp, "no room for %s", file);
        return NULL;
    }
    *next = at + size;
    *addr = at;
    return m->ram + at;
}

typedef struct Built {
    AcpiBuilder *b;
    GuestMem mem;
    uint32_t rsdp;
} Built;

static uint32_t rd32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--) {
        s += *p++;
    }
    return s;
}

static void build_and_install(Built *out)
{
    AcpiMachineInfo info;
    acpi_gather(&info);
    out->b = acpi_builder_new();
    acpi_build_all(out->b, &info);
    acpi_machine_info_clear(&info);
    out->mem.ram = g_malloc0(MEM_SIZE);
    out->mem.fseg_next = FSEG_BASE;
    out->mem.high_next = HIGH_BASE;
    AcpiLoaderFile files[] = {
        { .name = ACPI_TABLES_FILE, .data = out->b->tables->data, .size = out->b->tables->len },
        { .name = ACPI_RSDP_FILE, .data = out->b->rsdp->data, .size = out->b->rsdp->len },
    };
    AcpiLoaderTarget t = { mem_allocate, &out->mem };
    Error *err = NULL;
    bool ok = acpi_loader_execute(out->b->loader->data, out->b->loader->len, files, 2, &t,
                                  &err);
    if (!ok) {
        fail_msg("%s", error_get_pretty(err));
    }
    /* The OS's search (ACPI 6.4 5.2.5.1): 16-byte boundaries of
     * 0xE0000-0xFFFFF, the signature and a zero checksum of 20 bytes. */
    out->rsdp = 0;
    for (uint32_t a = FSEG_BASE; a < 0x100000; a += 16) {
        if (!memcmp(out->mem.ram + a, "RSD PTR ", 8) && !sum(out->mem.ram + a, 20)) {
            out->rsdp = a;
            break;
        }
    }
    assert_int_not_equal(out->rsdp, 0);
}

static void built_free(Built *b)
{
    acpi_builder_free(b->b);
    g_free(b->mem.ram);
}

/* The table at addr: its signature, a length within memory and a zero
 * checksum. */
static const uint8_t *table_at(const Built *b, uint32_t addr, const char *sig)
{
    assert_true(addr >= HIGH_BASE && addr + ACPI_TABLE_HEADER_SIZE <= MEM_SIZE);
    const uint8_t *t = b->mem.ram + addr;
    assert_memory_equal(t, sig, 4);
    uint32_t len = rd32(t + 4);
    assert_true(len >= ACPI_TABLE_HEADER_SIZE && addr + len <= MEM_SIZE);
    assert_int_equal(sum(t, len), 0);
    assert_memory_equal(t + 10, ACPI_OEM_ID, 6);
    assert_memory_equal(t + 16, ACPI_OEM_TABLE_ID, 8);
    return t;
}

/* The RSDT's entry with this signature, or 0. */
static uint32_t find_table(const Built *b, const char *sig)
{
    const uint8_t *rsdp = b->mem.ram + b->rsdp;
    assert_int_equal(rsdp[15], 0);                          /* revision 0 */
    const uint8_t *rsdt = table_at(b, rd32(rsdp + 16), "RSDT");
    uint32_t n = (rd32(rsdt + 4) - ACPI_TABLE_HEADER_SIZE) / 4;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t a = rd32(rsdt + ACPI_TABLE_HEADER_SIZE + 4 * i);
        assert_true(a >= HIGH_BASE && a + 4 <= MEM_SIZE);
        if (!memcmp(b->mem.ram + a, sig, 4)) {
            return a;
        }
    }
    return 0;
}

/* The MADT's entries of a type, as a list of their offsets. */
static int madt_entries(const uint8_t *madt, uint8_t type, uint32_t *at, int max)
{
    int n = 0;
    uint32_t len = rd32(madt + 4);
    for (uint32_t o = 44; o + 2 <= len; o += madt[o + 1]) {
        assert_true(madt[o + 1] >= 2);
        if (madt[o] == type && n < max) {
            at[n++] = o;
        }
    }
    return n;
}

static void dsdt_bytes(const Built *b, const uint8_t **dsdt, uint32_t *len)
{
    const uint8_t *facp = table_at(b, find_table(b, "FACP"), "FACP");
    *dsdt = table_at(b, rd32(facp + 40), "DSDT");
    *len = rd32(*dsdt + 4);
}

static bool contains(const uint8_t *hay, size_t n, const char *needle)
{
    return memmem(hay, n, needle, strlen(needle)) != NULL;
}

/* ---- tests ---- */

/* Only a device that implements nothing, and one that is no ACPI device:
 * the tables describe the CPUs and nothing more. */
static void test_nothing_contributed(void **state)
{
    Built b;
    build_and_install(&b);
    const uint8_t *facp = table_at(&b, find_table(&b, "FACP"), "FACP");
    assert_int_equal(rd32(facp + 4), 116);                  /* revision 1 */
    assert_int_equal(facp[8], 1);
    assert_int_equal(rd32(facp + 56), 0);                   /* no PM1a event block */
    const uint8_t *madt = table_at(&b, find_table(&b, "APIC"), "APIC");
    uint32_t at[8];
    assert_int_equal(madt_entries(madt, 0, at, 8), 2);
    assert_int_equal(madt_entries(madt, 1, at, 8), 0);
    assert_int_equal(madt_entries(madt, 2, at, 8), 0);      /* no overrides without I/O APIC */
    assert_int_equal(find_table(&b, "HPET"), 0);
    const uint8_t *dsdt;
    uint32_t len;
    dsdt_bytes(&b, &dsdt, &len);
    assert_false(contains(dsdt, len, "PCI0"));
    assert_false(contains(dsdt, len, "_S5_"));
    assert_true(contains(dsdt, len, "C000"));
    assert_true(contains(dsdt, len, "C001"));
    built_free(&b);
}

static void add_machine_devices(void)
{
    static bool added;
    if (!added) {
        add_device(TYPE_FAKE_IOAPIC, "ioapic");
        add_device(TYPE_FAKE_HPET, "hpet");
        add_device(TYPE_FAKE_PM, "pm");
        add_device(TYPE_FAKE_PCI, "i440fx");
        added = true;
    }
}

static void test_tables(void **state)
{
    add_machine_devices();
    Built b;
    build_and_install(&b);
    /* The FADT: the PM device's blocks and SCI, pointers to FACS and DSDT. */
    const uint8_t *facp = table_at(&b, find_table(&b, "FACP"), "FACP");
    uint32_t facs = rd32(facp + 36);
    assert_int_equal(facs % 64, 0);
    assert_memory_equal(b.mem.ram + facs, "FACS", 4);
    assert_int_equal(rd32(b.mem.ram + facs + 4), 64);
    assert_int_equal(facp[46] | facp[47] << 8, 9);          /* SCI_INT */
    assert_int_equal(rd32(facp + 48), 0xb2);
    assert_int_equal(facp[52], 0xf1);
    assert_int_equal(rd32(facp + 56), 0x600);
    assert_int_equal(rd32(facp + 64), 0x604);
    assert_int_equal(rd32(facp + 76), 0x608);
    assert_int_equal(rd32(facp + 80), 0xafe0);
    assert_int_equal(facp[88], 4);
    assert_int_equal(facp[89], 2);
    assert_int_equal(facp[91], 4);
    assert_int_equal(facp[92], 4);
    assert_int_equal(rd32(facp + 112) & (1u << 4), 0);      /* fixed power button */

    /* The MADT: two CPUs, the I/O APIC, IRQ0 -> GSI 2, the SCI and the
     * link IRQs level-triggered active high, NMI on LINT1. */
    const uint8_t *madt = table_at(&b, find_table(&b, "APIC"), "APIC");
    assert_int_equal(rd32(madt + 36), 0xfee00000);
    assert_int_equal(rd32(madt + 40), 1);
    uint32_t at[16];
    assert_int_equal(madt_entries(madt, 0, at, 16), 2);
    assert_int_equal(madt[at[1] + 2], 1);
    assert_int_equal(madt[at[1] + 3], 1);
    assert_int_equal(madt_entries(madt, 1, at, 16), 1);
    assert_int_equal(rd32(madt + at[0] + 4), 0xfec00000);
    int n = madt_entries(madt, 2, at, 16);
    assert_int_equal(n, 5);
    const uint8_t want_src[] = { 0, 5, 9, 10, 11 };
    for (int i = 0; i < n; i++) {
        const uint8_t *e = madt + at[i];
        assert_int_equal(e[3], want_src[i]);
        assert_int_equal(rd32(e + 4), i ? want_src[i] : 2);
        assert_int_equal(e[8] | e[9] << 8, i ? 0x000d : 0);
    }
    assert_int_equal(madt_entries(madt, 4, at, 16), 1);
    assert_int_equal(madt[at[0] + 2], 0xff);
    assert_int_equal(madt[at[0] + 5], 1);

    /* The HPET's own table. */
    uint32_t hpet = find_table(&b, "HPET");
    assert_int_not_equal(hpet, 0);
    assert_int_equal(rd32(table_at(&b, hpet, "HPET") + 4), 56);

    /* The DSDT's objects, by their names in the byte stream. */
    const uint8_t *dsdt;
    uint32_t len;
    dsdt_bytes(&b, &dsdt, &len);
    const char *names[] = { "PCI0", "_PRT", "LNKA", "LNKD", "_S5_", "PRQ3", "HPET", "_SRS" };
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        assert_true(contains(dsdt, len, names[i]));
    }
    built_free(&b);
}

/* The loader's commands: 128 bytes each, ALLOCATE of both files, the RSDP
 * in the F segment, every file named NUL-terminated. */
static void test_loader_format(void **state)
{
    add_machine_devices();
    AcpiMachineInfo info;
    acpi_gather(&info);
    AcpiBuilder *b = acpi_builder_new();
    acpi_build_all(b, &info);
    acpi_machine_info_clear(&info);
    assert_int_equal(b->loader->len % 128, 0);
    const uint8_t *e = b->loader->data;
    assert_int_equal(rd32(e), ACPI_LOADER_ALLOCATE);
    assert_string_equal((const char *)e + 4, ACPI_TABLES_FILE);
    assert_int_equal(rd32(e + 60), 64);
    assert_int_equal(e[64], ACPI_LOADER_ZONE_HIGH);
    int allocs = 0, ptrs = 0, sums = 0;
    for (guint at = 0; at < b->loader->len; at += 128) {
        e = b->loader->data + at;
        switch (rd32(e)) {
        case ACPI_LOADER_ALLOCATE:
            allocs++;
            if (!strcmp((const char *)e + 4, ACPI_RSDP_FILE)) {
                assert_int_equal(e[64], ACPI_LOADER_ZONE_FSEG);
                assert_int_equal(rd32(e + 60), 16);
            }
            break;
        case ACPI_LOADER_ADD_POINTER:
            ptrs++;
            assert_int_equal(e[4 + 112 + 4], 4);
            break;
        case ACPI_LOADER_ADD_CHECKSUM:
            sums++;
            break;
        default:
            fail();
        }
    }
    /* FADT 2, RSDT 3 (FADT, MADT, HPET), RSDP 1; checksums of DSDT, FADT,
     * MADT, HPET, RSDT and RSDP. */
    assert_int_equal(allocs, 2);
    assert_int_equal(ptrs, 6);
    assert_int_equal(sums, 6);
    acpi_builder_free(b);
}

/* Malformed commands are refused, not obeyed. */
static void test_loader_refuses(void **state)
{
    uint8_t data[64] = { 0 };
    AcpiLoaderFile files[] = { { .name = "a", .data = data, .size = sizeof(data) } };
    GuestMem mem = { g_malloc0(MEM_SIZE), FSEG_BASE, HIGH_BASE };
    AcpiLoaderTarget t = { mem_allocate, &mem };
    Error *err = NULL;

    GByteArray *l = g_byte_array_new();
    acpi_loader_add_checksum(l, "a", 0, 0, 64);
    assert_false(acpi_loader_execute(l->data, l->len, files, 1, &t, &err));  /* not allocated */
    error_free(err);
    err = NULL;
    files[0].host = NULL;

    g_byte_array_set_size(l, 0);
    acpi_loader_allocate(l, "a", 16, ACPI_LOADER_ZONE_HIGH);
    acpi_loader_add_pointer(l, "a", 62, 4, "a");
    assert_false(acpi_loader_execute(l->data, l->len, files, 1, &t, &err));  /* past the end */
    error_free(err);
    err = NULL;
    files[0].host = NULL;

    g_byte_array_set_size(l, 0);
    acpi_loader_allocate(l, "b", 16, ACPI_LOADER_ZONE_HIGH);
    assert_false(acpi_loader_execute(l->data, l->len, files, 1, &t, &err));  /* no such file */
    error_free(err);
    err = NULL;

    g_byte_array_set_size(l, 0);
    acpi_loader_allocate(l, "a", 3, ACPI_LOADER_ZONE_HIGH);
    assert_false(acpi_loader_execute(l->data, l->len, files, 1, &t, &err));  /* alignment */
    error_free(err);
    err = NULL;

    g_byte_array_set_size(l, 0);
    acpi_loader_allocate(l, "a", 16, ACPI_LOADER_ZONE_HIGH);
    memset(l->data + 4, 'x', ACPI_LOADER_FILESZ);                          /* no NUL */
    assert_false(acpi_loader_execute(l->data, l->len, files, 1, &t, &err));
    error_free(err);
    err = NULL;

    assert_false(acpi_loader_execute(l->data, 100, files, 1, &t, &err));    /* cut short */
    error_free(err);
    err = NULL;

    g_byte_array_set_size(l, 0);
    acpi_loader_allocate(l, "a", 16, ACPI_LOADER_ZONE_HIGH);
    acpi_loader_add_checksum(l, "a", 64, 0, 64);
    assert_false(acpi_loader_execute(l->data, l->len, files, 1, &t, &err));  /* offset */
    error_free(err);
    g_byte_array_unref(l);
    g_free(mem.ram);
}

/* Damaged command lists (bytes changed at random in a real one) are run
 * or refused, never obeyed outside the files: the allocator bounds every
 * placement, the run stays inside the copies. */
static void test_loader_damaged(void **state)
{
    add_machine_devices();
    AcpiMachineInfo info;
    acpi_gather(&info);
    AcpiBuilder *b = acpi_builder_new();
    acpi_build_all(b, &info);
    acpi_machine_info_clear(&info);
    GRand *rnd = g_rand_new_with_seed(9);
    GuestMem mem = { g_malloc0(MEM_SIZE), 0, 0 };
    int refused = 0;
    for (int round = 0; round < 3000; round++) {
        GByteArray *l = g_byte_array_new();
        g_byte_array_append(l, b->loader->data, b->loader->len);
        int flips = g_rand_int_range(rnd, 1, 8);
        for (int i = 0; i < flips; i++) {
            l->data[g_rand_int_range(rnd, 0, l->len)] = g_rand_int_range(rnd, 0, 256);
        }
        AcpiLoaderFile files[] = {
            { .name = ACPI_TABLES_FILE, .data = b->tables->data, .size = b->tables->len },
            { .name = ACPI_RSDP_FILE, .data = b->rsdp->data, .size = b->rsdp->len },
        };
        mem.fseg_next = FSEG_BASE;
        mem.high_next = HIGH_BASE;
        AcpiLoaderTarget t = { mem_allocate, &mem };
        Error *err = NULL;
        if (!acpi_loader_execute(l->data, l->len, files, 2, &t, &err)) {
            refused++;
            error_free(err);
        }
        g_byte_array_unref(l);
    }
    /* Most damage lands in names, sizes and offsets, which are checked. */
    assert_true(refused > 100);
    g_free(mem.ram);
    g_rand_free(rnd);
    acpi_builder_free(b);
}

/* iasl decompiles every table; the DSDT without errors, with the objects
 * an OS looks for. */
static void test_iasl(void **state)
{
    char *iasl = g_find_program_in_path("iasl");
    if (!iasl) {
        print_message("iasl is not installed (package acpica-tools): skipped\n");
        skip();
    }
    add_machine_devices();
    Built b;
    build_and_install(&b);
    const uint8_t *dsdt;
    uint32_t len;
    dsdt_bytes(&b, &dsdt, &len);
    char *dir = g_dir_make_tmp("acpi-XXXXXX", NULL);
    assert_non_null(dir);
    struct { const char *name; const uint8_t *data; uint32_t len; } tables[] = {
        { "dsdt", dsdt, len },
        { "facp", table_at(&b, find_table(&b, "FACP"), "FACP"), 116 },
        { "apic", table_at(&b, find_table(&b, "APIC"), "APIC"), 0 },
        { "hpet", table_at(&b, find_table(&b, "HPET"), "HPET"), 56 },
    };
    tables[2].len = rd32(tables[2].data + 4);
    for (size_t i = 0; i < G_N_ELEMENTS(tables); i++) {
        char *aml = g_strdup_printf("%s/%s.aml", dir, tables[i].name);
        char *dsl = g_strdup_printf("%s/%s.dsl", dir, tables[i].name);
        assert_true(g_file_set_contents(aml, (const char *)tables[i].data, tables[i].len,
                                        NULL));
        char *argv[] = { iasl, "-d", aml, NULL };
        char *out = NULL, *errout = NULL;
        int status = -1;
        assert_true(g_spawn_sync(dir, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &errout,
                                 &status, NULL));
        if (!g_spawn_check_wait_status(status, NULL) || strstr(out, "rror") ||
            strstr(errout, "rror")) {
            print_message("%s\n%s\n", out, errout);
            fail_msg("iasl -d %s failed", tables[i].name);
        }
        char *text = NULL;
        assert_true(g_file_get_contents(dsl, &text, NULL, NULL));
        if (i == 0) {
            /* What it decompiled compiles again. */
            char *argv_c[] = { iasl, "-p", aml, dsl, NULL };
            assert_true(g_spawn_sync(dir, argv_c, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                                     &status, NULL));
            assert_true(g_spawn_check_wait_status(status, NULL));
            const char *want[] = {
                "Scope (\\_SB)", "Device (PCI0)", "EisaId (\"PNP0A03\")", "Name (_PRT,",
                "Device (LNKA)", "EisaId (\"PNP0C0F\")", "Method (_SRS, 1, Serialized)",
                "OperationRegion (PRTR, PCI_Config, 0x60, 0x04)", "Name (_S5, Package",
                "Processor (C001, 0x01,", "WordBusNumber (ResourceProducer",
                "QWordMemory (ResourceProducer", "Interrupt (ResourceConsumer, Level, "
                "ActiveHigh, Shared, ,, )", "Device (HPET)",
            };
            for (size_t w = 0; w < G_N_ELEMENTS(want); w++) {
                if (!strstr(text, want[w])) {
                    print_message("%s", text);
                    fail_msg("the DSDT lacks '%s'", want[w]);
                }
            }
        }
        g_free(text);
        g_free(out);
        g_free(errout);
        unlink(dsl);
        unlink(aml);
        g_free(aml);
        g_free(dsl);
    }
    rmdir(dir);
    g_free(dir);
    g_free(iasl);
    built_free(&b);
}

static int setup(void **state)
{
    module_call_init(MODULE_INIT_QOM);
    type_register_static_array(fake_types, G_N_ELEMENTS(fake_types));
    static CPUState cpus[2];
    cpu_list_add(&cpus[0]);
    cpu_list_add(&cpus[1]);
    add_device(TYPE_FAKE_PLAIN, "plain");
    add_device(TYPE_FAKE_OTHER, "other");
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nothing_contributed),
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_loader_format),
        cmocka_unit_test(test_loader_refuses),
        cmocka_unit_test(test_loader_damaged),
        cmocka_unit_test(test_iasl),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
