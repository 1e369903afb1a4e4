/*
 * The human monitor: QEMU-style commands typed on a character backend.
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include <cardcage/cardcage.h>
#include "block/block-hmp.h"
#include "board/board.h"
#include "chardev/chardev-internal.h"
#include "cpu/cpu.h"
#include "memory/memory-internal.h"
#include "module/plugin-loader.h"
#include "migration/savevm.h"
#include "monitor/monitor.h"
#include "net/net-internal.h"
#include "timer/clock-internal.h"

#define MONITOR_PROMPT "(cardcage) "
#define MONITOR_LINE_MAX 1024
#define XP_MAX_BYTES 4096
#define INFO_TOPICS "status, name, registers, mtree, flatview, qtree, pci, chardev, network, cpus, plugins, version, migrate, snapshots, block, blockstats, display, vnc"

typedef struct Monitor {
    Chardev *chr;
    char line[MONITOR_LINE_MAX];
    size_t len;
    bool last_was_cr;
    bool greeted;        /* the banner went out */
} Monitor;

typedef bool MonitorCommand(const char *args, GString *out);

/* ---- helpers ---- */

/* Run fn(FILE *) and append what it printed to out. */
static void capture(GString *out, void (*fn)(FILE *f, void *opaque), void *opaque)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f) {
        g_string_append(out, "error: out of memory\n");
        return;
    }
    fn(f, opaque);
    fclose(f);
    g_string_append_len(out, buf, size);
    free(buf);
}

/* Run a QMP command: the monitor's commands are views of QMP's.  On
 * failure the message goes to out as "error: ..." and NULL is returned. */
static json_object *monitor_qmp(const char *name, json_object *args, GString *out)
{
    Error *err = NULL;
    json_object *r = qmp_call(name, args, &err);
    json_object_put(args);
    if (err) {
        g_string_append_printf(out, "error: %s\n", error_get_pretty(err));
        error_free(err);
        json_object_put(r);
        return NULL;
    }
    return r;
}

static const char *member_str(json_object *o, const char *name)
{
    json_object *v = json_object_object_get(o, name);
    return v ? json_object_get_string(v) : "";
}

/* ---- info ---- */

/* QEMU's wording: "paused" for every stopped state, with the state when
 * it says more (prelaunch, debug). */
static bool info_status(GString *out)
{
    json_object *r = monitor_qmp("query-status", NULL, out);
    if (!r) {
        return false;
    }
    const char *status = member_str(r, "status");
    bool running = json_object_get_boolean(json_object_object_get(r, "running"));
    if (running || !strcmp(status, "paused")) {
        g_string_append_printf(out, "VM status: %s\n", running ? "running" : "paused");
    } else {
        g_string_append_printf(out, "VM status: paused (%s)\n", status);
    }
    json_object_put(r);
    return true;
}

/* QEMU prints the name, or nothing without -name. */
static bool info_name(GString *out)
{
    json_object *r = monitor_qmp("query-name", NULL, out);
    if (!r) {
        return false;
    }
    json_object *name = json_object_object_get(r, "name");
    if (name) {
        g_string_append_printf(out, "%s\n", json_object_get_string(name));
    }
    json_object_put(r);
    return true;
}

static bool info_chardev(GString *out)
{
    json_object *r = monitor_qmp("query-chardev", NULL, out);
    for (size_t i = 0; r && i < json_object_array_length(r); i++) {
        json_object *c = json_object_array_get_idx(r, i);
        g_string_append_printf(out, "%s: filename=%s\n", member_str(c, "label"),
                               member_str(c, "filename"));
    }
    json_object_put(r);
    return r != NULL;
}

static bool info_version(GString *out)
{
    json_object *r = monitor_qmp("query-version", NULL, out);
    if (r) {
        g_string_append_printf(out, "%s\n", member_str(r, "package"));
    }
    json_object_put(r);
    return r != NULL;
}

/* The CPU that info registers shows (QEMU's "cpu N"; the star of info
 * cpus). */
static int64_t selected_cpu;

static bool info_cpus(GString *out)
{
    json_object *r = monitor_qmp("query-cpus-fast", NULL, out);
    for (size_t i = 0; r && i < json_object_array_length(r); i++) {
        json_object *c = json_object_array_get_idx(r, i);
        int64_t idx = json_object_get_int64(json_object_object_get(c, "cpu-index"));
        g_string_append_printf(out, "%sCPU #%s: thread_id=%s\n",
                               idx == selected_cpu ? "* " : "  ",
                               member_str(c, "cpu-index"), member_str(c, "thread-id"));
    }
    json_object_put(r);
    return r != NULL;
}

/* cpu N: select the CPU of info registers, as QEMU's monitor. */
static bool cmd_cpu(const char *args, GString *out)
{
    int64_t n;
    if (!cc_parse_int64(args, &n)) {
        g_string_append(out, "cpu: expected a CPU index (info cpus lists them)\n");
        return false;
    }
    json_object *r = monitor_qmp("query-cpus-fast", NULL, out);
    bool found = false;
    for (size_t i = 0; r && i < json_object_array_length(r); i++) {
        json_object *c = json_object_array_get_idx(r, i);
        found |= json_object_get_int64(json_object_object_get(c, "cpu-index")) == n;
    }
    json_object_put(r);
    if (!found) {
        g_string_append_printf(out, "invalid CPU index %" PRId64 "\n", n);
        return false;
    }
    selected_cpu = n;
    return true;
}


/* x-query-mtree, one address space after the other. */
static void print_mtree(FILE *f, void *opaque)
{
    json_object *spaces = opaque;
    for (size_t i = 0; i < json_object_array_length(spaces); i++) {
        json_object *as = json_object_array_get_idx(spaces, i);
        fprintf(f, "address-space: %s\n", member_str(as, "name"));
        memory_format_tree(f, json_object_object_get(as, "root"));
    }
}

static void print_flatview(FILE *f, void *opaque)
{
    memory_print_flatview(f, address_space_memory());
    memory_print_flatview(f, address_space_io());
}

static void print_plugins(FILE *f, void *opaque)
{
    plugin_print_list(f);
}

/* x-query-qtree's bus, indented by depth. */
static void print_qtree_bus(GString *out, json_object *bus, int indent)
{
    g_string_append_printf(out, "%*sbus: %s\n%*s  type %s\n", indent, "",
                           member_str(bus, "name"), indent, "", member_str(bus, "type"));
    json_object *devices = json_object_object_get(bus, "devices");
    for (size_t i = 0; i < json_object_array_length(devices); i++) {
        json_object *d = json_object_array_get_idx(devices, i);
        g_string_append_printf(out, "%*sdev: %s, id \"%s\"\n", indent + 2, "",
                               member_str(d, "type"), member_str(d, "id"));
        json_object *props = json_object_object_get(d, "props");
        for (size_t j = 0; j < json_object_array_length(props); j++) {
            json_object *p = json_object_array_get_idx(props, j);
            json_object *v = json_object_object_get(p, "value");
            g_string_append_printf(out, "%*s%s = %s\n", indent + 4, "", member_str(p, "name"),
                                   v ? json_object_get_string(v) : "?");
        }
        json_object *buses = json_object_object_get(d, "buses");
        for (size_t j = 0; j < json_object_array_length(buses); j++) {
            print_qtree_bus(out, json_object_array_get_idx(buses, j), indent + 4);
        }
    }
}

/* x-query-registers: a line per group, "NAME=hex" with the register's
 * width in digits, texts as they are. */
static bool info_registers(GString *out)
{
    json_object *a = json_object_new_object();
    json_object_object_add(a, "cpu-index", json_object_new_int64(selected_cpu));
    json_object *r = monitor_qmp("x-query-registers", a, out);
    json_object *groups = r ? json_object_object_get(r, "groups") : NULL;
    for (size_t i = 0; i < json_object_array_length(groups); i++) {
        json_object *g = json_object_array_get_idx(groups, i);
        json_object *gname = json_object_object_get(g, "name");
        json_object *regs = json_object_object_get(g, "registers");
        if (gname) {
            g_string_append_printf(out, "%-3s ", json_object_get_string(gname));
        }
        for (size_t j = 0; j < json_object_array_length(regs); j++) {
            json_object *reg = json_object_array_get_idx(regs, j);
            json_object *text = json_object_object_get(reg, "text");
            g_string_append_printf(out, "%s%s=", j ? " " : "", member_str(reg, "name"));
            if (text) {
                g_string_append(out, json_object_get_string(text));
            } else {
                int digits = (json_object_get_int(json_object_object_get(reg, "bits")) + 3) / 4;
                g_string_append_printf(out, "%0*" PRIx64, digits, json_object_get_uint64(
                                           json_object_object_get(reg, "value")));
            }
        }
        g_string_append_c(out, '\n');
    }
    json_object_put(r);
    return r != NULL;
}

static bool info_qtree(GString *out)
{
    json_object *r = monitor_qmp("x-query-qtree", NULL, out);
    if (r) {
        print_qtree_bus(out, r, 0);
    }
    json_object_put(r);
    return r != NULL;
}

static int64_t member_int(json_object *o, const char *name)
{
    return json_object_get_int64(json_object_object_get(o, name));
}

/* QEMU's hmp_info_pci layout, line for line, from query-pci. */
static void print_pci_device(GString *out, json_object *d)
{
    json_object *cls = json_object_object_get(d, "class_info");
    json_object *id = json_object_object_get(d, "id");
    json_object *desc = json_object_object_get(cls, "desc");
    g_string_append_printf(out, "  Bus %2" PRId64 ", device %3" PRId64 ", function %" PRId64
                           ":\n    ", member_int(d, "bus"), member_int(d, "slot"),
                           member_int(d, "function"));
    if (desc) {
        g_string_append(out, json_object_get_string(desc));
    } else {
        /* Decimal, as QEMU prints it ("Class 0255" for 0xff). */
        g_string_append_printf(out, "Class %04" PRId64, member_int(cls, "class"));
    }
    g_string_append_printf(out, ": PCI device %04" PRIx64 ":%04" PRIx64 "\n",
                           member_int(id, "vendor"), member_int(id, "device"));
    g_string_append_printf(out, "      PCI subsystem %04" PRIx64 ":%04" PRIx64 "\n",
                           member_int(id, "subsystem-vendor"), member_int(id, "subsystem"));
    if (json_object_object_get(d, "irq")) {
        g_string_append_printf(out, "      IRQ %" PRId64 ", pin %c\n", member_int(d, "irq"),
                               (char)('A' + member_int(d, "irq_pin") - 1));
    }
    json_object *regions = json_object_object_get(d, "regions");
    for (size_t i = 0; i < json_object_array_length(regions); i++) {
        json_object *r = json_object_array_get_idx(regions, i);
        uint64_t addr = json_object_get_uint64(json_object_object_get(r, "address"));
        uint64_t size = (uint64_t)member_int(r, "size");
        g_string_append_printf(out, "      BAR%" PRId64 ": ", member_int(r, "bar"));
        if (!strcmp(member_str(r, "type"), "io")) {
            g_string_append_printf(out, "I/O at 0x%04" PRIx64 " [0x%04" PRIx64 "].\n", addr,
                                   addr + size - 1);
        } else {
            bool is64 = json_object_get_boolean(json_object_object_get(r, "mem_type_64"));
            bool pref = json_object_get_boolean(json_object_object_get(r, "prefetch"));
            g_string_append_printf(out, "%d bit%s memory at 0x%08" PRIx64 " [0x%08" PRIx64
                                   "].\n", is64 ? 64 : 32, pref ? " prefetchable" : "",
                                   addr, addr + size - 1);
        }
    }
    g_string_append_printf(out, "      id \"%s\"\n", member_str(d, "qdev_id"));
}

static bool info_pci(GString *out)
{
    json_object *r = monitor_qmp("query-pci", NULL, out);
    for (size_t b = 0; r && b < json_object_array_length(r); b++) {
        json_object *devs = json_object_object_get(json_object_array_get_idx(r, b), "devices");
        for (size_t i = 0; i < json_object_array_length(devs); i++) {
            print_pci_device(out, json_object_array_get_idx(devs, i));
        }
    }
    json_object_put(r);
    return r != NULL;
}

static bool info_migrate(GString *out);
static bool info_snapshots(GString *out);

/* info display: the consoles (query-consoles). */
static bool info_display(GString *out)
{
    json_object *r = monitor_qmp("query-consoles", NULL, out);
    if (!r) {
        return false;
    }
    json_object *list = json_object_object_get(r, "consoles");
    g_string_append_printf(out, "refresh %s Hz, %s watching\n", member_str(r, "refresh-rate"),
                           member_str(r, "listeners"));
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *c = json_object_array_get_idx(list, i);
        json_object *cols = json_object_object_get(c, "text-cols");
        g_string_append_printf(out, "console %s: %s (%s) %sx%s", member_str(c, "index"),
                               member_str(c, "device"), member_str(c, "type"),
                               member_str(c, "width"), member_str(c, "height"));
        if (cols) {
            g_string_append_printf(out, ", text %sx%s", member_str(c, "text-cols"),
                                   member_str(c, "text-rows"));
        }
        g_string_append_c(out, '\n');
    }
    json_object_put(r);
    return true;
}

/* info vnc: QEMU's layout (query-vnc). */
static bool info_vnc(GString *out)
{
    json_object *r = monitor_qmp("query-vnc", NULL, out);
    if (!r) {
        return false;
    }
    if (!json_object_get_boolean(json_object_object_get(r, "enabled"))) {
        g_string_append(out, "Server: disabled\n");
        json_object_put(r);
        return true;
    }
    const char *family = member_str(r, "family");
    if (!strcmp(family, "unix")) {
        g_string_append_printf(out, "Server: %s (unix)\n", member_str(r, "host"));
    } else {
        g_string_append_printf(out, "Server: %s:%s (%s)\n", member_str(r, "host"),
                               member_str(r, "service"), family);
    }
    g_string_append_printf(out, "    Auth: %s\n", member_str(r, "auth"));
    g_string_append_printf(out, "    Screen: %sx%s\n", member_str(r, "width"),
                           member_str(r, "height"));
    json_object *clients = json_object_object_get(r, "clients");
    size_t n = json_object_array_length(clients);
    if (!n) {
        g_string_append(out, "  Clients: none\n");
    }
    for (size_t i = 0; i < n; i++) {
        json_object *c = json_object_array_get_idx(clients, i);
        if (!strcmp(member_str(c, "family"), "unix")) {
            g_string_append_printf(out, "  Client: %s (unix)\n", member_str(c, "host"));
        } else {
            g_string_append_printf(out, "  Client: %s:%s (%s)\n", member_str(c, "host"),
                                   member_str(c, "service"), member_str(c, "family"));
        }
    }
    json_object_put(r);
    return true;
}

static bool cmd_info(const char *args, GString *out)
{
    if (!strcmp(args, "status")) {
        return info_status(out);
    } else if (!strcmp(args, "chardev")) {
        return info_chardev(out);
    } else if (!strcmp(args, "network")) {
        net_info(out);
    } else if (!strcmp(args, "name")) {
        return info_name(out);
    } else if (!strcmp(args, "cpus")) {
        return info_cpus(out);
    } else if (!strcmp(args, "registers")) {
        return info_registers(out);
    } else if (!strcmp(args, "mtree")) {
        json_object *r = monitor_qmp("x-query-mtree", NULL, out);
        if (r) {
            capture(out, print_mtree, r);
        }
        json_object_put(r);
        return r != NULL;
    } else if (!strcmp(args, "flatview")) {
        capture(out, print_flatview, NULL);
    } else if (!strcmp(args, "qtree")) {
        return info_qtree(out);
    } else if (!strcmp(args, "pci")) {
        return info_pci(out);
    } else if (!strcmp(args, "plugins")) {
        capture(out, print_plugins, NULL);
    } else if (!strcmp(args, "version")) {
        return info_version(out);
    } else if (!strcmp(args, "migrate")) {
        return info_migrate(out);
    } else if (!strcmp(args, "snapshots")) {
        return info_snapshots(out);
    } else if (!strcmp(args, "block")) {
        return hmp_info_block("", out);
    } else if (!strcmp(args, "blockstats")) {
        return hmp_info_blockstats("", out);
    } else if (!strcmp(args, "display")) {
        return info_display(out);
    } else if (!strcmp(args, "vnc")) {
        return info_vnc(out);
    } else {
        g_string_append(out, "info: expected one of " INFO_TOPICS "\n");
        return false;
    }
    return true;
}

/* ---- run control, through QMP ---- */

static bool run_qmp(const char *name, json_object *args, GString *out)
{
    json_object *r = monitor_qmp(name, args, out);
    json_object_put(r);
    return r != NULL;
}

static bool cmd_cont(const char *args, GString *out)
{
    return run_qmp("cont", NULL, out);
}

static bool cmd_stop(const char *args, GString *out)
{
    return run_qmp("stop", NULL, out);
}

static bool cmd_system_reset(const char *args, GString *out)
{
    return run_qmp("system_reset", NULL, out);
}

static bool cmd_system_powerdown(const char *args, GString *out)
{
    return run_qmp("system_powerdown", NULL, out);
}

static bool cmd_quit(const char *args, GString *out)
{
    return run_qmp("quit", NULL, out);
}

/* ---- input ---- */

/* sendkey ctrl-alt-delete [hold_ms]: QMP's send-key with the names as
 * qcodes. */
static bool cmd_sendkey(const char *args, GString *out)
{
    char **words = g_strsplit(args, " ", 2);
    bool ok = false;
    int64_t hold = -1;
    if (!words[0] || !*words[0]) {
        g_string_append(out, "sendkey: expected KEY[-KEY...] [HOLD_MS]\n");
    } else if (words[1] && !cc_parse_int64(g_strstrip(words[1]), &hold)) {
        g_string_append_printf(out, "sendkey: '%s' is not a hold time in ms\n", words[1]);
    } else {
        json_object *a = json_object_new_object();
        json_object *keys = json_object_new_array();
        char **names = g_strsplit(words[0], "-", -1);
        for (char **n = names; *n; n++) {
            json_object *kv = json_object_new_object();
            json_object_object_add(kv, "type", json_object_new_string("qcode"));
            json_object_object_add(kv, "data", json_object_new_string(*n));
            json_object_array_add(keys, kv);
        }
        g_strfreev(names);
        json_object_object_add(a, "keys", keys);
        if (hold >= 0) {
            json_object_object_add(a, "hold-time", json_object_new_int64(hold));
        }
        ok = run_qmp("send-key", a, out);
    }
    g_strfreev(words);
    return ok;
}

/* ---- memory ---- */

static bool cmd_xp(const char *args, GString *out)
{
    char **words = g_strsplit(args, " ", -1);
    uint64_t addr, len = 64;
    bool ok = words[0] && cc_parse_uint64(words[0], &addr) &&
              (!words[1] || cc_parse_size(words[1], &len)) && len && len <= XP_MAX_BYTES;
    g_strfreev(words);
    if (!ok) {
        g_string_append_printf(out, "xp: expected ADDR [LEN] (a physical address, and up to "
                               "%d bytes)\n", XP_MAX_BYTES);
        return false;
    }
    uint8_t buf[XP_MAX_BYTES];
    address_space_read(address_space_memory(), addr, buf, len);
    for (uint64_t i = 0; i < len; i += 16) {
        g_string_append_printf(out, "%08" G_GINT64_MODIFIER "x:", addr + i);
        for (uint64_t j = i; j < MIN(i + 16, len); j++) {
            g_string_append_printf(out, " %02x", buf[j]);
        }
        g_string_append_c(out, '\n');
    }
    return true;
}

/* ---- migration ---- */

static bool info_migrate(GString *out)
{
    json_object *r = monitor_qmp("query-migrate", NULL, out);
    if (!r) {
        return false;
    }
    json_object *st = json_object_object_get(r, "status");
    if (!st) {
        g_string_append(out, "Migration status: none\n");
    } else {
        g_string_append_printf(out, "Migration status: %s\n", json_object_get_string(st));
        g_string_append_printf(out, "total time: %s ms\n", member_str(r, "total-time"));
        if (json_object_object_get(r, "downtime")) {
            g_string_append_printf(out, "downtime: %s ms\n", member_str(r, "downtime"));
        }
        json_object *ram = json_object_object_get(r, "ram");
        int64_t kib[3] = {
            json_object_get_int64(json_object_object_get(ram, "transferred")) >> 10,
            json_object_get_int64(json_object_object_get(ram, "remaining")) >> 10,
            json_object_get_int64(json_object_object_get(ram, "total")) >> 10,
        };
        g_string_append_printf(out, "transferred ram: %" PRId64 " kbytes\n"
                               "remaining ram: %" PRId64 " kbytes\n"
                               "total ram: %" PRId64 " kbytes\n", kib[0], kib[1], kib[2]);
        g_string_append_printf(out, "duplicate: %s pages\nnormal: %s pages\n",
                               member_str(ram, "duplicate"), member_str(ram, "normal"));
        if (json_object_object_get(r, "error-desc")) {
            g_string_append_printf(out, "error: %s\n", member_str(r, "error-desc"));
        }
    }
    json_object_put(r);
    return true;
}

/* migrate [-d] URI: -d (detach) is QEMU's, and the default here. */
static bool cmd_migrate(const char *args, GString *out)
{
    if (g_str_has_prefix(args, "-d ")) {
        args += 3;
    }
    if (!*args) {
        g_string_append(out, "migrate: expected a URI (file:PATH or exec:COMMAND)\n");
        return false;
    }
    json_object *a = json_object_new_object();
    json_object_object_add(a, "uri", json_object_new_string(args));
    if (!run_qmp("migrate", a, out)) {
        return false;
    }
    /* The monitor waits for the outcome, as QEMU's does without -d. */
    json_object *r = monitor_qmp("query-migrate", NULL, out);
    const char *st = r ? member_str(r, "status") : "";
    bool ok = strcmp(st, "failed") != 0;
    if (!ok) {
        g_string_append_printf(out, "migrate: %s\n", member_str(r, "error-desc"));
    }
    json_object_put(r);
    return ok;
}

static bool cmd_migrate_incoming(const char *args, GString *out)
{
    json_object *a = json_object_new_object();
    json_object_object_add(a, "uri", json_object_new_string(args));
    return run_qmp("migrate-incoming", a, out);
}

static bool cmd_migrate_cancel(const char *args, GString *out)
{
    return run_qmp("migrate_cancel", NULL, out);
}

/* savevm, loadvm, delvm and info snapshots: internal snapshots of the
 * qcow2 disks (core/migration/savevm.c). */
static bool snapshot_result(bool ok, Error *err, GString *out)
{
    if (!ok) {
        g_string_append_printf(out, "Error: %s\n", error_get_pretty(err));
        error_free(err);
    }
    return ok;
}

static bool cmd_savevm(const char *args, GString *out)
{
    Error *err = NULL;
    return snapshot_result(savevm_save(args, &err), err, out);
}

static bool cmd_loadvm(const char *args, GString *out)
{
    Error *err = NULL;
    return snapshot_result(savevm_load(args, &err), err, out);
}

static bool cmd_delvm(const char *args, GString *out)
{
    Error *err = NULL;
    return snapshot_result(savevm_delete(args, &err), err, out);
}

static bool info_snapshots(GString *out)
{
    Error *err = NULL;
    return snapshot_result(savevm_info(out, &err), err, out);
}

/* screendump FILE [format=ppm|png | -f FORMAT] [device=ID | ID]: QEMU's
 * HMP syntax (-f FORMAT, then the device) and key=value alike. */
static bool cmd_screendump(const char *args, GString *out)
{
    char **words = g_strsplit(args, " ", -1);
    const char *file = NULL, *format = NULL, *device = NULL;
    bool ok = true;
    for (char **w = words; *w && ok; w++) {
        if (!**w) {
            continue;
        } else if (!strcmp(*w, "-f") && w[1]) {
            format = *++w;
        } else if (g_str_has_prefix(*w, "format=")) {
            format = *w + 7;
        } else if (g_str_has_prefix(*w, "device=")) {
            device = *w + 7;
        } else if (!file) {
            file = *w;
        } else if (!device) {
            device = *w;
        } else {
            ok = false;
        }
    }
    if (!file || !ok) {
        g_string_append(out, "screendump: expected FILE [format=ppm|png] [device=ID]\n");
        g_strfreev(words);
        return false;
    }
    json_object *a = json_object_new_object();
    json_object_object_add(a, "filename", json_object_new_string(file));
    if (format) {
        json_object_object_add(a, "format", json_object_new_string(format));
    }
    if (device) {
        json_object_object_add(a, "device", json_object_new_string(device));
    }
    g_strfreev(words);
    return run_qmp("screendump", a, out);
}

/* set_password vnc PASSWORD [keep] (QEMU's HMP; its action argument is
 * "keep" for VNC). */
static bool cmd_set_password(const char *args, GString *out)
{
    char **w = g_strsplit_set(args, " \t", -1);
    guint n = g_strv_length(w);
    bool ok = n == 2 || (n == 3 && !strcmp(w[2], "keep"));
    if (!ok) {
        g_string_append(out, "set_password: expected vnc PASSWORD [keep]\n");
    } else {
        json_object *a = json_object_new_object();
        json_object_object_add(a, "protocol", json_object_new_string(w[0]));
        json_object_object_add(a, "password", json_object_new_string(w[1]));
        ok = run_qmp("set_password", a, out);
    }
    g_strfreev(w);
    return ok;
}

/* set_link NAME on|off */
static bool cmd_set_link(const char *args, GString *out)
{
    char **w = g_strsplit_set(args, " \t", -1);
    bool up = false, ok = g_strv_length(w) == 2 && cc_parse_bool(w[1], &up);
    if (!ok) {
        g_string_append(out, "set_link: expected NAME on|off\n");
    } else {
        json_object *a = json_object_new_object();
        json_object_object_add(a, "name", json_object_new_string(w[0]));
        json_object_object_add(a, "up", json_object_new_boolean(up));
        ok = run_qmp("set_link", a, out);
    }
    g_strfreev(w);
    return ok;
}

static bool cmd_help(const char *args, GString *out);

static const struct {
    const char *name;
    MonitorCommand *fn;
    const char *help;
} commands[] = {
    { "help", cmd_help, "help                  this list" },
    { "info", cmd_info, "info WHAT             " INFO_TOPICS },
    { "cont", cmd_cont, "cont | c              start or resume the CPU" },
    { "cpu", cmd_cpu, "cpu N                 the CPU info registers shows" },
    { "c", cmd_cont, NULL },
    { "stop", cmd_stop, "stop                  pause the machine" },
    { "system_reset", cmd_system_reset, "system_reset          reset the machine" },
    { "system_powerdown", cmd_system_powerdown,
      "system_powerdown      send the power button event" },
    { "sendkey", cmd_sendkey, "sendkey KEYS [MS]     press keys, e.g. sendkey ctrl-alt-delete" },
    { "screendump", cmd_screendump,
      "screendump FILE [format=ppm|png] [device=ID]  save the screen as PPM or PNG" },
    { "set_password", cmd_set_password,
      "set_password vnc PASSWORD  the VNC password (-vnc ...,password=on)" },
    { "set_link", cmd_set_link, "set_link NAME on|off  plug or pull a network card's cable" },
    { "xp", cmd_xp, "xp ADDR [LEN]         dump physical memory" },
    { "migrate", cmd_migrate, "migrate [-d] URI      save the machine to file:PATH or exec:CMD" },
    { "migrate_incoming", cmd_migrate_incoming,
      "migrate_incoming URI  load the machine (after -incoming defer)" },
    { "migrate_cancel", cmd_migrate_cancel, "migrate_cancel        stop a migration" },
    { "savevm", cmd_savevm, "savevm TAG            save the machine in the qcow2 disks" },
    { "loadvm", cmd_loadvm, "loadvm TAG            restore the machine from snapshot TAG" },
    { "delvm", cmd_delvm, "delvm TAG             delete snapshot TAG" },
    { "eject", hmp_eject, "eject [-f] DEVICE     open a CD drive's tray, removing its medium" },
    { "change", hmp_change, "change DEVICE FILE [FMT]  put FILE in a CD drive" },
    { "block_resize", hmp_block_resize, "block_resize DEVICE SIZE  grow or shrink a disk image" },
    { "quit", cmd_quit, "quit | q              exit the emulator" },
    { "q", cmd_quit, NULL },
};

static bool cmd_help(const char *args, GString *out)
{
    for (size_t i = 0; i < CC_ARRAY_SIZE(commands); i++) {
        if (commands[i].help) {
            g_string_append_printf(out, "%s\n", commands[i].help);
        }
    }
    return true;
}

bool monitor_execute(const char *line, GString *out)
{
    char *copy = g_strstrip(g_strdup(line));
    if (!*copy) {
        g_free(copy);
        return true;
    }
    char *args = copy + strcspn(copy, " \t");
    if (*args) {
        *args++ = '\0';
        args = g_strstrip(args);
    }
    bool ok = false, found = false;
    for (size_t i = 0; i < CC_ARRAY_SIZE(commands); i++) {
        if (!strcmp(commands[i].name, copy)) {
            ok = commands[i].fn(args, out);
            found = true;
            break;
        }
    }
    if (!found) {
        g_string_append_printf(out, "unknown command: '%s' (help lists them)\n", copy);
    }
    g_free(copy);
    return ok;
}

/* ---- the line editor on the backend ---- */

static void monitor_puts(Monitor *m, const char *s, size_t len)
{
    chardev_write(m->chr, (const uint8_t *)s, (int)len);
}

static int monitor_can_read(void *opaque)
{
    return MONITOR_LINE_MAX;
}

static void monitor_read(void *opaque, const uint8_t *buf, int size)
{
    Monitor *m = opaque;
    for (int i = 0; i < size; i++) {
        uint8_t ch = buf[i];
        if (ch == '\n' && m->last_was_cr) {
            m->last_was_cr = false;
            continue;     /* CR LF is one end of line */
        }
        m->last_was_cr = ch == '\r';
        if (ch == '\r' || ch == '\n') {
            monitor_puts(m, "\r\n", 2);
            m->line[m->len] = '\0';
            GString *out = g_string_new(NULL);
            monitor_execute(m->line, out);
            /* Terminals in raw mode need CR LF. */
            GString *crlf = g_string_new(NULL);
            for (gsize j = 0; j < out->len; j++) {
                if (out->str[j] == '\n') {
                    g_string_append_c(crlf, '\r');
                }
                g_string_append_c(crlf, out->str[j]);
            }
            monitor_puts(m, crlf->str, crlf->len);
            g_string_free(crlf, TRUE);
            g_string_free(out, TRUE);
            m->len = 0;
            monitor_puts(m, MONITOR_PROMPT, strlen(MONITOR_PROMPT));
        } else if (ch == 0x7f || ch == 0x08) {
            if (m->len) {
                m->len--;
                monitor_puts(m, "\b \b", 3);
            }
        } else if (ch >= 0x20 && ch < 0x7f && m->len + 1 < MONITOR_LINE_MAX) {
            m->line[m->len++] = (char)ch;
            monitor_puts(m, (const char *)&ch, 1);
        }
    }
}

static const char monitor_banner[] = "cardcage monitor - type 'help' for more information\r\n"
                                     MONITOR_PROMPT;

/* The monitor greets each client that connects; on a backend shared with a
 * serial port (-serial mon:stdio), when Ctrl-A c gives it the keyboard. */
static void monitor_event(void *opaque, ChardevEvent event)
{
    Monitor *m = opaque;
    if (event == CHARDEV_EVENT_OPENED && !chardev_is_mux(m->chr)) {
        /* Each client of a socket gets the banner, as in QEMU. */
        monitor_puts(m, monitor_banner, strlen(monitor_banner));
        m->greeted = true;
    } else if (event == CHARDEV_EVENT_FOCUS_IN) {
        if (!m->greeted) {
            m->greeted = true;
            monitor_puts(m, "\r\n", 2);
            monitor_puts(m, monitor_banner, strlen(monitor_banner));
        } else {
            monitor_puts(m, "\r\n" MONITOR_PROMPT, strlen("\r\n" MONITOR_PROMPT));
        }
    }
}

/* Every monitor started: they live as long as their backends. */
static GPtrArray *monitors;

void monitor_cleanup_all(void)
{
    if (monitors) {
        g_ptr_array_unref(monitors);
        monitors = NULL;
    }
}

bool monitor_start(const char *chardev_id, Error **errp)
{
    Chardev *chr = chardev_find(chardev_id);
    if (!chr) {
        error_setg(errp, "monitor: no character backend '%s'", chardev_id);
        return false;
    }
    Monitor *m = g_new0(Monitor, 1);
    m->chr = chr;
    if (!chardev_attach(chr, monitor_can_read, monitor_read, monitor_event, m, errp)) {
        g_free(m);
        return false;
    }
    if (!monitors) {
        monitors = g_ptr_array_new_with_free_func(g_free);
    }
    g_ptr_array_add(monitors, m);
    return true;
}
