/*
 * The state-description check (see harness-vmstate.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "harness-vmstate.h"

/* Driving: enough accesses that every register of a small device is
 * written several times. */
#define DRIVE_STEPS     600
#define DRIVE_MAX_NS    20000      /* largest clock step between accesses */

static GHashTable *drivers;        /* type -> HarnessVMStateDriver */
static GHashTable *type_props;     /* type -> const char *const * */
static GHashTable *skipped;        /* type -> reason */

static GHashTable *table(GHashTable **t)
{
    if (!*t) {
        *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    }
    return *t;
}

void harness_vmstate_set_driver(const char *type, HarnessVMStateDriver fn)
{
    g_hash_table_insert(table(&drivers), g_strdup(type), (gpointer)fn);
}

void harness_vmstate_set_props(const char *type, const char *const *props)
{
    g_hash_table_insert(table(&type_props), g_strdup(type), (gpointer)props);
}

void harness_vmstate_skip(const char *type, const char *reason)
{
    g_hash_table_insert(table(&skipped), g_strdup(type), (gpointer)reason);
}

/* ---- the default driver ---- */

typedef struct OwnedRegion {
    AddressSpace *as;
    hwaddr addr;
    uint64_t size;
} OwnedRegion;

/* The I/O regions under root that dev owns, at their address in root. */
static void collect_regions(MemoryRegion *mr, hwaddr base, DeviceState *dev,
                            AddressSpace *as, GArray *out)
{
    if (!mr->enabled) {
        return;
    }
    if (mr->ops && !mr->ram && mr->owner == OBJECT(dev) && mr->size) {
        OwnedRegion r = { as, base, mr->size };
        g_array_append_val(out, r);
    }
    for (GList *l = mr->subregions.head; l; l = l->next) {
        MemoryRegion *sub = l->data;
        collect_regions(sub, base + sub->addr, dev, as, out);
    }
}

/* The input lines as "name" / count pairs, from device_gpio_describe. */
typedef struct InputList {
    char *name;                    /* NULL: the default lines */
    int count;
} InputList;

static GArray *input_lists(DeviceState *dev)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(InputList));
    char *text = device_gpio_describe(dev, false);
    char **items = g_strsplit(text, ", ", -1);
    for (char **it = items; *it; it++) {
        if (!strcmp(*it, "none")) {
            continue;
        }
        char *bracket = strchr(*it, '[');
        char *name = bracket ? g_strndup(*it, bracket - *it) : g_strdup(*it);
        if (!strcmp(name, "gpio-in")) {
            g_free(name);
            name = NULL;
        }
        InputList l = { name, device_gpio_count(dev, name, false) };
        if (l.count > 0) {
            g_array_append_val(out, l);
        } else {
            g_free(name);
        }
    }
    g_strfreev(items);
    g_free(text);
    return out;
}

static void input_lists_free(GArray *lists)
{
    for (guint i = 0; i < lists->len; i++) {
        g_free(g_array_index(lists, InputList, i).name);
    }
    g_array_free(lists, TRUE);
}

/* A PCI function's BARs decode only once programmed: put each at its own
 * address (I/O from 0xc000, memory from 0xe0000000, 16 MiB apart) and
 * turn decoding and bus mastering on, so its registers can be driven. */
static void program_pci_bars(PCIDevice *pci)
{
    uint32_t io = 0xc000, mem = 0xe0000000u;
    for (int n = 0; n < PCI_ROM_SLOT; n++) {
        PCIIORegion *r = &pci->io_regions[n];
        uint32_t off = PCI_BASE_ADDRESS_0 + 4 * n;
        if (!r->size) {
            continue;
        }
        if (r->type & PCI_BASE_ADDRESS_SPACE_IO) {
            pci_config_write(pci, off, io, 4);
            io += r->size > 0x100 ? (uint32_t)r->size : 0x100;
        } else {
            pci_config_write(pci, off, mem, 4);
            mem += 16u << 20;
        }
    }
    pci_config_write(pci, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
                     PCI_COMMAND_MASTER, 2);
}

void harness_vmstate_drive_default(DeviceState *dev, GRand *rng)
{
    static const unsigned sizes[] = { 1, 1, 1, 2, 4 };
    PCIDevice *pci = (PCIDevice *)object_dynamic_cast(OBJECT(dev), TYPE_PCI_DEVICE);
    if (pci) {
        program_pci_bars(pci);
    }
    GArray *regions = g_array_new(FALSE, FALSE, sizeof(OwnedRegion));
    collect_regions(memory_get_system_io(), 0, dev, address_space_io(), regions);
    collect_regions(memory_get_system_memory(), 0, dev, address_space_memory(), regions);
    GArray *inputs = input_lists(dev);
    for (int step = 0; step < DRIVE_STEPS; step++) {
        int what = g_rand_int_range(rng, 0, 10);
        if (what < 7 && regions->len) {
            OwnedRegion *r = &g_array_index(regions, OwnedRegion, g_rand_int_range(rng, 0, (gint32)regions->len));
            unsigned size = sizes[g_rand_int_range(rng, 0, CC_ARRAY_SIZE(sizes))];
            uint64_t span = r->size < (1u << 20) ? r->size : (1u << 20);
            hwaddr off = (hwaddr)g_rand_int_range(rng, 0, (gint32)span);
            MemTxResult res;
            if (g_rand_boolean(rng)) {
                uint64_t v = g_rand_int(rng);
                address_space_st(r->as, r->addr + off, v, size, &res);
            } else {
                address_space_ld(r->as, r->addr + off, size, &res);
            }
        } else if (what == 7 && pci) {
            /* Configuration space past the command register and BARs
             * (the scratch registers, capabilities), every size. */
            unsigned size = sizes[g_rand_int_range(rng, 0, CC_ARRAY_SIZE(sizes))];
            uint32_t off = (uint32_t)g_rand_int_range(rng, PCI_CACHE_LINE_SIZE, 256);
            if (off < PCI_BASE_ADDRESS_0 || off >= PCI_CAPABILITY_LIST) {
                pci_config_write(pci, off & ~(size - 1), g_rand_int(rng), size);
            }
        } else if (what < 9 && inputs->len) {
            InputList *l = &g_array_index(inputs, InputList, g_rand_int_range(rng, 0, (gint32)inputs->len));
            IRQState *in = device_get_gpio_in_named(dev, l->name, g_rand_int_range(rng, 0, l->count));
            irq_set(in, g_rand_boolean(rng));
        } else {
            harness_advance_ns(g_rand_int_range(rng, 0, DRIVE_MAX_NS));
        }
    }
    /* End with every input raised: a level or an edge most devices latch. */
    for (guint i = 0; i < inputs->len; i++) {
        InputList *l = &g_array_index(inputs, InputList, i);
        for (int n = 0; n < l->count; n++) {
            irq_set(device_get_gpio_in_named(dev, l->name, n), 1);
        }
    }
    input_lists_free(inputs);
    g_array_free(regions, TRUE);
}

/* ---- the check ---- */

/* Save dev as a section (with_header) or its payload alone (the section's
 * id differs between two instances of a type). */
static GBytes *save_device(DeviceState *dev, bool with_header, Error **errp)
{
    VMStateStream *w = vmstate_stream_new_buffer();
    GBytes *b = NULL;
    bool ok = with_header ? vmstate_save_device(w, dev, errp)
                          : vmstate_save(w, vmstate_device_vmsd(dev), dev, errp);
    if (ok) {
        size_t len;
        const uint8_t *d = vmstate_stream_data(w, &len);
        b = g_bytes_new(d, len);
    }
    vmstate_stream_free(w);
    return b;
}

static DeviceState *create(const char *type, Error **errp)
{
    const char *const *props = type_props ? g_hash_table_lookup(type_props, type) : NULL;
    DeviceState *dev = harness_try_create(type, NULL, NULL, props, errp);
    harness_clock_reclaim();
    return dev;
}

/* The offset of the first difference, for the message. */
static size_t first_difference(GBytes *a, GBytes *b)
{
    gsize la, lb;
    const uint8_t *pa = g_bytes_get_data(a, &la), *pb = g_bytes_get_data(b, &lb);
    size_t i = 0;
    while (i < la && i < lb && pa[i] == pb[i]) {
        i++;
    }
    return i;
}

static bool has_state(const VMStateDescription *vmsd)
{
    return (vmsd->fields && vmsd->fields[0].type != VMSTATE_TYPE_END) ||
           (vmsd->subsections && vmsd->subsections[0].vmsd);
}

bool harness_vmstate_check_type(const char *type, uint32_t seed, Error **errp)
{
    harness_init();
    ObjectClass *oc = object_class_by_name(type);
    if (!oc || !object_class_dynamic_cast(oc, TYPE_DEVICE)) {
        error_setg(errp, "%s: not a device type", type);
        return false;
    }
    const VMStateDescription *vmsd = DEVICE_CLASS(oc)->vmsd;
    if (!vmsd) {
        error_setg(errp, "%s: no state description (DeviceClass.vmsd)", type);
        return false;
    }
    GBytes *section = NULL, *driven = NULL, *reset = NULL, *again = NULL;
    bool ok = false;
    DeviceState *a = create(type, errp);
    if (!a) {
        error_prepend(errp, "%s: ", type);
        return false;
    }
    GRand *rng = g_rand_new_with_seed(seed ^ g_str_hash(type));
    HarnessVMStateDriver drive = drivers ? g_hash_table_lookup(drivers, type) : NULL;
    (drive ? drive : harness_vmstate_drive_default)(a, rng);
    g_rand_free(rng);
    section = save_device(a, true, errp);
    driven = section ? save_device(a, false, errp) : NULL;
    harness_destroy(a);
    if (!driven) {
        goto out;
    }
    DeviceState *b = create(type, errp);
    if (!b) {
        goto out;
    }
    reset = save_device(b, false, errp);
    VMStateStream *r = vmstate_stream_new_reader(g_bytes_get_data(section, NULL),
                                                 g_bytes_get_size(section));
    bool loaded = reset && vmstate_load_device(r, b, errp);
    vmstate_stream_free(r);
    if (loaded) {
        again = save_device(b, false, errp);
    }
    harness_destroy(b);
    if (!again) {
        goto out;
    }
    if (!g_bytes_equal(driven, again)) {
        error_setg(errp, "saved %zu bytes, after loading them into a fresh device it saves "
                   "%zu bytes, first difference at byte %zu", g_bytes_get_size(driven),
                   g_bytes_get_size(again), first_difference(driven, again));
        goto out;
    }
    if (has_state(vmsd) && g_bytes_equal(driven, reset)) {
        error_setg(errp, "the driver left the device in its reset state (give it a "
                   "driver with harness_vmstate_set_driver)");
        goto out;
    }
    ok = true;
out:
    if (!ok) {
        error_prepend(errp, "%s: ", type);
    }
    if (section) {
        g_bytes_unref(section);
    }
    if (driven) {
        g_bytes_unref(driven);
    }
    if (reset) {
        g_bytes_unref(reset);
    }
    if (again) {
        g_bytes_unref(again);
    }
    return ok;
}

static gint str_ptr_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The concrete device types of plugin_name, or of everything. */
static GPtrArray *types_to_check(const char *plugin_name)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    GSList *all = object_class_get_list(TYPE_DEVICE, false);
    for (GSList *l = all; l; l = l->next) {
        const char *name = object_class_get_name(l->data);
        const char *owner = plugin_name_of_type(name);
        if (plugin_name && (!owner || strcmp(owner, plugin_name))) {
            continue;
        }
        g_ptr_array_add(out, g_strdup(name));
    }
    g_slist_free(all);
    g_ptr_array_sort(out, str_ptr_cmp);
    return out;
}

int harness_vmstate_check_plugin(const char *plugin_name, uint32_t seed)
{
    harness_init();
    GPtrArray *types = types_to_check(plugin_name);
    GString *failures = g_string_new(NULL);
    int passed = 0;
    for (guint i = 0; i < types->len; i++) {
        const char *type = types->pdata[i];
        const char *why = skipped ? g_hash_table_lookup(skipped, type) : NULL;
        if (why) {
            print_message("vmstate: %s skipped: %s\n", type, why);
            continue;
        }
        Error *err = NULL;
        gint64 t0 = g_get_monotonic_time();
        bool ok = harness_vmstate_check_type(type, seed, &err);
        if (g_getenv("HARNESS_VMSTATE_VERBOSE")) {
            print_message("vmstate: %s %s (%" G_GINT64_FORMAT " us)\n", type, ok ? "ok" : "FAILED",
                          g_get_monotonic_time() - t0);
        }
        if (ok) {
            passed++;
        } else {
            g_string_append_printf(failures, "\n  %s", error_get_pretty(err));
            error_free(err);
        }
    }
    if (!types->len) {
        g_string_append_printf(failures, "\n  no device types found for %s",
                               plugin_name ? plugin_name : "the core and the plugins");
    }
    g_ptr_array_free(types, TRUE);
    if (failures->len) {
        fail_msg("state description check:%s", failures->str);
    }
    g_string_free(failures, TRUE);
    return passed;
}

GBytes *harness_vmstate_save_machine(void)
{
    VMStateStream *w = vmstate_stream_new_buffer();
    Error *err = NULL;
    if (!vmstate_save_machine(w, &err)) {
        fail_msg("%s", error_get_pretty(err));
    }
    size_t len;
    const uint8_t *d = vmstate_stream_data(w, &len);
    GBytes *b = g_bytes_new(d, len);
    vmstate_stream_free(w);
    return b;
}

bool harness_vmstate_load_machine(const uint8_t *data, size_t len, Error **errp)
{
    VMStateStream *r = vmstate_stream_new_reader(data, len);
    bool ok = vmstate_load_machine(r, errp);
    vmstate_stream_free(r);
    return ok;
}
