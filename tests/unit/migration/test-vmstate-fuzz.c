/*
 * The loader against hostile streams: a machine of every build plugin's
 * devices and a CPU, driven into some state and saved; then thousands of
 * mutations of that stream (bit flips, truncations, length and count
 * fields, section names, inserted, deleted and duplicated bytes and
 * sections, reordered sections) are loaded.  Each load either fails with an
 * error and leaves every device exactly as it was, or succeeds and every
 * section's values are then what the device saves back.
 *
 * CARDCAGE_FUZZ_ITERATIONS overrides the count (default 12000, and 1500
 * under AddressSanitizer, whose allocator maps and unmaps each round's
 * 600 KiB stream: 12000 rounds there took over 5 minutes).
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <cmocka.h>
#include <cardcage/bswap.h>
#include "harness-vmstate.h"
#include "module/plugin-loader.h"

#define SEED 0xf022

/* Where the fields of one section are in a stream. */
typedef struct SectionPos {
    size_t start;                 /* the tag byte */
    size_t type_len, id_len;      /* the length bytes of the two names */
    size_t instance, version, length;
    size_t payload, end;
    char *type, *id;
} SectionPos;

/* Parse a stream this build wrote (trusted) into its sections. */
static GArray *parse_sections(const uint8_t *d, size_t len)
{
    GArray *out = g_array_new(FALSE, TRUE, sizeof(SectionPos));
    size_t p = 8;
    while (p < len && d[p] == 1) {
        SectionPos s = { .start = p };
        p++;
        s.type_len = p;
        s.type = g_strndup((const char *)d + p + 1, d[p]);
        p += 1 + d[p];
        s.id_len = p;
        s.id = g_strndup((const char *)d + p + 1, d[p]);
        p += 1 + d[p];
        s.instance = p;
        s.version = p + 4;
        s.length = p + 8;
        uint32_t n = (uint32_t)d[p + 8] << 24 | d[p + 9] << 16 | d[p + 10] << 8 | d[p + 11];
        s.payload = p + 12;
        s.end = s.payload + n;
        p = s.end;
        g_array_append_val(out, s);
    }
    return out;
}

static void free_sections(GArray *a)
{
    for (guint i = 0; i < a->len; i++) {
        g_free(g_array_index(a, SectionPos, i).type);
        g_free(g_array_index(a, SectionPos, i).id);
    }
    g_array_free(a, TRUE);
}

static void put32(GByteArray *m, size_t at, uint32_t v)
{
    if (at + 4 <= m->len) {
        cc_st_be32(m->data + at, v);
    }
}

static void insert_bytes(GByteArray *m, guint at, const uint8_t *data, guint n)
{
    guint tail = m->len - at;
    g_byte_array_set_size(m, m->len + n);
    memmove(m->data + at + n, m->data + at, tail);
    memcpy(m->data + at, data, n);
}

static uint32_t interesting(GRand *rng, uint32_t near)
{
    static const uint32_t values[] = { 0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000,
                                       0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff };
    switch (g_rand_int_range(rng, 0, 3)) {
    case 0: return values[g_rand_int_range(rng, 0, CC_ARRAY_SIZE(values))];
    case 1: return near + (uint32_t)g_rand_int_range(rng, -3, 4);
    default: return g_rand_int(rng);
    }
}

/* One mutation of the good stream s (its sections secs) into m. */
static int mutate(GRand *rng, GBytes *s, GArray *secs, GByteArray *m)
{
    gsize len;
    const uint8_t *d = g_bytes_get_data(s, &len);
    g_byte_array_set_size(m, 0);
    g_byte_array_append(m, d, (guint)len);
    const SectionPos *sec = &g_array_index(secs, SectionPos, g_rand_int_range(rng, 0, (gint32)secs->len));
    const SectionPos *other = &g_array_index(secs, SectionPos, g_rand_int_range(rng, 0, (gint32)secs->len));
    int kind = g_rand_int_range(rng, 0, 12);
    switch (kind) {
    case 0:             /* bit flips anywhere */
        for (int i = g_rand_int_range(rng, 1, 5); i > 0; i--) {
            m->data[g_rand_int_range(rng, 0, (gint32)m->len)] ^= 1u << g_rand_int_range(rng, 0, 8);
        }
        break;
    case 1:             /* a bit flip in one section's payload */
        if (sec->end > sec->payload) {
            m->data[g_rand_int_range(rng, (gint32)sec->payload, (gint32)sec->end)] ^=
                1u << g_rand_int_range(rng, 0, 8);
        }
        break;
    case 2:             /* truncation */
        g_byte_array_set_size(m, g_rand_int_range(rng, 0, (gint32)m->len));
        break;
    case 3: {           /* a payload word: counts, indices, enums, lengths */
        if (sec->end >= sec->payload + 4) {
            size_t at = g_rand_int_range(rng, (gint32)sec->payload, (gint32)(sec->end - 3));
            put32(m, at, interesting(rng, 0));
        }
        break;
    }
    case 4: {           /* a section header field */
        static const int which[] = { 0, 1, 2 };
        size_t at = which[g_rand_int_range(rng, 0, 3)] == 0 ? sec->instance
                  : g_rand_boolean(rng) ? sec->version : sec->length;
        put32(m, at, interesting(rng, (uint32_t)(sec->end - sec->payload)));
        break;
    }
    case 5: {           /* a name: random bytes, or another section's */
        size_t at = g_rand_boolean(rng) ? sec->type_len : sec->id_len;
        if (g_rand_boolean(rng)) {
            for (unsigned i = 0; i < m->data[at]; i++) {
                m->data[at + 1 + i] = (uint8_t)g_rand_int_range(rng, 0, 256);
            }
        } else {
            m->data[at] = (uint8_t)g_rand_int_range(rng, 0, 256);
        }
        break;
    }
    case 6: {           /* delete a chunk */
        guint at = g_rand_int_range(rng, 0, (gint32)m->len);
        guint n = g_rand_int_range(rng, 1, 64);
        g_byte_array_remove_range(m, at, MIN(n, m->len - at));
        break;
    }
    case 7: {           /* insert random bytes */
        guint at = g_rand_int_range(rng, 0, (gint32)m->len + 1);
        uint8_t junk[32];
        guint n = g_rand_int_range(rng, 1, sizeof(junk) + 1);
        for (guint i = 0; i < n; i++) {
            junk[i] = (uint8_t)g_rand_int_range(rng, 0, 256);
        }
        insert_bytes(m, at, junk, n);
        break;
    }
    case 8:             /* a section twice */
        insert_bytes(m, (guint)sec->end, d + sec->start, (guint)(sec->end - sec->start));
        break;
    case 9: {           /* a section dropped */
        g_byte_array_remove_range(m, (guint)sec->start, (guint)(sec->end - sec->start));
        break;
    }
    case 10:            /* two sections swapped (still a good stream) */
        if (sec->start < other->start) {
            GByteArray *t = g_byte_array_new();
            g_byte_array_append(t, d, (guint)sec->start);
            g_byte_array_append(t, d + other->start, (guint)(other->end - other->start));
            g_byte_array_append(t, d + sec->end, (guint)(other->start - sec->end));
            g_byte_array_append(t, d + sec->start, (guint)(sec->end - sec->start));
            g_byte_array_append(t, d + other->end, (guint)(len - other->end));
            g_byte_array_set_size(m, 0);
            g_byte_array_append(m, t->data, t->len);
            g_byte_array_free(t, TRUE);
        }
        break;
    default:            /* the magic or the format version */
        put32(m, g_rand_boolean(rng) ? 0 : 4, interesting(rng, 1));
        break;
    }
    return kind;
}

/* After a load that succeeded: every section of m holds what its device
 * saves now. */
static void check_loaded(const GByteArray *m, GBytes *now)
{
    gsize nlen;
    const uint8_t *nd = g_bytes_get_data(now, &nlen);
    GArray *got = parse_sections(m->data, m->len);
    GArray *have = parse_sections(nd, nlen);
    for (guint i = 0; i < got->len; i++) {
        const SectionPos *g = &g_array_index(got, SectionPos, i);
        const SectionPos *h = NULL;
        for (guint j = 0; j < have->len && !h; j++) {
            if (!strcmp(g_array_index(have, SectionPos, j).id, g->id)) {
                h = &g_array_index(have, SectionPos, j);
            }
        }
        assert_non_null(h);
        if (g->end - g->payload != h->end - h->payload ||
            memcmp(m->data + g->payload, nd + h->payload, g->end - g->payload)) {
            fail_msg("section %s was accepted but its device saves something else", g->id);
        }
    }
    free_sections(got);
    free_sections(have);
}

/* Types that need properties to sit beside the others: the chipset's PCI
 * host and ISA bridge each create a bus whose usual name the harness's
 * own bridges took. */
static const char *const *type_props(const char *type)
{
    static const char *const i440fx_host[] = { "bus-name=pci-i440fx", NULL };
    static const char *const piix3[] = { "isa-bus-name=isa-piix3", "multifunction=on", NULL };
    /* The ISA NE2000 wires its IRQ to the board's 'pic' by itself; here is
     * none, so its output stays unwired. */
    static const char *const ne2k_isa[] = { "irq=-1", NULL };
    if (!strcmp(type, "i440FX-pcihost")) {
        return i440fx_host;
    }
    if (!strcmp(type, "ne2k_isa")) {
        return ne2k_isa;
    }
    return strcmp(type, "PIIX3") ? NULL : piix3;
}

static void build_machine(void)
{
    assert_true(harness_load_build_plugins() >= 13);
    /* The machine's RAM as a board maps it (the i440FX takes it over). */
    static MemoryRegion ram;
    assert_true(memory_region_init_ram(&ram, NULL, "ram", 2 << 20, &error_abort));
    memory_region_add_subregion(memory_get_system_memory(), 0, &ram);
    harness_create("pentium2-x86-cpu", "cpu", NULL, NULL);
    harness_clock_reclaim();
    /* One device of each plugin type, driven away from reset (fw_cfg is
     * left alone: random DMA would run for long). */
    GSList *all = object_class_get_list(TYPE_DEVICE, false);
    GRand *rng = g_rand_new_with_seed(SEED);
    for (GSList *l = all; l; l = l->next) {
        const char *type = object_class_get_name(l->data);
        /* isa-vga and isa-cirrus-vga decode the legacy VGA ports and window
         * as VGA does (one VGA per machine, as on a PC); VGA and cirrus-vga
         * cover the state they share. */
        if (!plugin_find_by_type(type) || !strcmp(type, "isa-vga") ||
            !strcmp(type, "isa-cirrus-vga")) {
            continue;
        }
        /* Devices on a controller's own bus (ide-hd, ide-cd on "IDE") need
         * that controller and a drive; their registers and transfers are
         * the controller's state, fuzzed with it. */
        const char *bus_type = DEVICE_CLASS(l->data)->bus_type;
        if (bus_type && !strcmp(bus_type, "IDE")) {
            continue;
        }
        DeviceState *dev = harness_create(type, type, NULL, type_props(type));
        if (strcmp(type, "fw-cfg")) {
            harness_vmstate_drive_default(dev, rng);
        }
    }
    g_rand_free(rng);
    g_slist_free(all);
}

static void test_fuzz_load(void **state)
{
    build_machine();
    GBytes *good = harness_vmstate_save_machine();
    gsize glen;
    const uint8_t *gd = g_bytes_get_data(good, &glen);
    GArray *secs = parse_sections(gd, glen);
    assert_true(secs->len >= 15);

    const char *env = g_getenv("CARDCAGE_FUZZ_ITERATIONS");
#ifdef __SANITIZE_ADDRESS__
    int iterations = env ? atoi(env) : 1500;
#else
    int iterations = env ? atoi(env) : 12000;
#endif
    GRand *rng = g_rand_new_with_seed(SEED);
    GByteArray *m = g_byte_array_new();
    int refused = 0, accepted = 0, by_kind[12] = { 0 };
    for (int it = 0; it < iterations; it++) {
        int kind = mutate(rng, good, secs, m);
        Error *err = NULL;
        bool ok = harness_vmstate_load_machine(m->data, m->len, &err);
        GBytes *now = harness_vmstate_save_machine();
        if (!ok) {
            /* A one-line error, and nothing changed. */
            assert_non_null(err);
            assert_null(strchr(error_get_pretty(err), '\n'));
            if (!g_bytes_equal(now, good)) {
                fail_msg("iteration %d (mutation %d): the load failed (%s) but the machine "
                         "changed", it, kind, error_get_pretty(err));
            }
            error_free(err);
            refused++;
            by_kind[kind]++;
        } else {
            check_loaded(m, now);
            accepted++;
            /* Back to the good state for the next round. */
            if (!harness_vmstate_load_machine(gd, glen, &err)) {
                fail_msg("reloading the good stream: %s", error_get_pretty(err));
            }
            GBytes *back = harness_vmstate_save_machine();
            assert_true(g_bytes_equal(back, good));
            g_bytes_unref(back);
        }
        g_bytes_unref(now);
    }
    print_message("fuzz: %d streams, %d refused, %d accepted; refused by mutation:", iterations,
                  refused, accepted);
    for (int k = 0; k < 12; k++) {
        print_message(" %d", by_kind[k]);
    }
    print_message("\n");
    /* Most mutations must be caught, and every kind must be caught somewhere. */
    assert_true(refused > iterations / 2);
    g_byte_array_free(m, TRUE);
    g_rand_free(rng);
    free_sections(secs);
    g_bytes_unref(good);
}

/* Specific hostile streams, each refused with the device and field named. */
static void expect_error(GBytes *good, void (*edit)(GByteArray *m, GArray *secs),
                         const char *needle)
{
    gsize len;
    const uint8_t *d = g_bytes_get_data(good, &len);
    GByteArray *m = g_byte_array_new();
    g_byte_array_append(m, d, (guint)len);
    GArray *secs = parse_sections(d, len);
    edit(m, secs);
    Error *err = NULL;
    if (harness_vmstate_load_machine(m->data, m->len, &err)) {
        fail_msg("a stream that should fail with '%s' loaded", needle);
    }
    if (!strstr(error_get_pretty(err), needle)) {
        fail_msg("expected '%s' in: %s", needle, error_get_pretty(err));
    }
    GBytes *now = harness_vmstate_save_machine();
    assert_true(g_bytes_equal(now, good));
    g_bytes_unref(now);
    error_free(err);
    free_sections(secs);
    g_byte_array_free(m, TRUE);
}

static const SectionPos *find(GArray *secs, const char *type)
{
    for (guint i = 0; i < secs->len; i++) {
        const SectionPos *s = &g_array_index(secs, SectionPos, i);
        if (!strcmp(s->type, type)) {
            return s;
        }
    }
    fail_msg("no section of type %s", type);
    return NULL;
}

static void bad_magic(GByteArray *m, GArray *s) { m->data[0] = 'X'; }
static void bad_version(GByteArray *m, GArray *s) { put32(m, 4, 7); }
static void truncated(GByteArray *m, GArray *s) { g_byte_array_set_size(m, m->len - 40); }
static void unknown_device(GByteArray *m, GArray *s)
{
    const SectionPos *p = find(s, "i8254");
    m->data[p->id_len + 1 + m->data[p->id_len] - 2] = 'X';   /* .../device[NX */
}
static void section_version(GByteArray *m, GArray *s) { put32(m, find(s, "i8259")->version, 9); }
/* The PS/2 keyboard queue's head.  The i8042 payload: ram[32] (a u32
 * count and 32 bytes), 7 bytes of controller state, the reply queue (a
 * count, its description's version (4) and 4 replies of 2 bytes, each
 * nested structure closed by its empty subsection list: 3 bytes), its
 * count (4), the two IRQ levels (8); then the keyboard (its version, 4)
 * and its queue (its version, 4): data[256] (4 + 256 bytes), then the
 * head. */
static void ps2_head(GByteArray *m, GArray *s)
{
    size_t at = find(s, "i8042")->payload + 36 + 7 + 20 + 4 + 8 + 4 + 4 + 260;
    put32(m, at, 256);
}
static void serial_count(GByteArray *m, GArray *s)
{
    /* divisor 2, six registers 6, overrun 1, two arrays 2 * 20, head 4. */
    put32(m, find(s, "isa-serial")->payload + 2 + 6 + 1 + 40 + 4, 17);
}
static void payload_length(GByteArray *m, GArray *s)
{
    const SectionPos *p = find(s, "port92");
    put32(m, p->length, (uint32_t)(p->end - p->payload + 1));
}

static void test_hostile_streams(void **state)
{
    GBytes *good = harness_vmstate_save_machine();
    expect_error(good, bad_magic, "bad magic");
    expect_error(good, bad_version, "format version 7");
    expect_error(good, truncated, "truncated");
    expect_error(good, unknown_device, "X]' (i8254): no such device in this machine");
    expect_error(good, section_version, "i8259: stream version 9");
    expect_error(good, ps2_head, "i8042.kbd: ps2-kbd.q: ps2-queue.head: value 256 is past "
                 "the bound 255");
    expect_error(good, serial_count, "isa-serial.rx_count: value 17 is past the bound 16");
    expect_error(good, payload_length, "device state: bad section tag");
    g_bytes_unref(good);
}

int main(void)
{
    /* Each round saves the whole machine (about 600 KiB) and frees it.
     * With glibc's default trim and mmap thresholds those pages went back
     * to the kernel and were faulted in again every round, or not,
     * depending only on the heap's layout (which plugins were loaded):
     * the same run took 4x longer when it did.  Keep them. */
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_MMAP_THRESHOLD, 16 << 20);
    harness_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fuzz_load),
        cmocka_unit_test(test_hostile_streams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
