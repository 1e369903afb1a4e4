/*
 * The human monitor's block commands: `info block`, `info blockstats`,
 * `eject`, `change`, `block_resize`, formatted from the QMP results as
 * QEMU's monitor prints them.
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <string.h>
#include <json-c/json.h>
#include <cardcage/object.h>
#include <cardcage/qmp.h>
#include "block/block-hmp.h"

static json_object *call(const char *name, json_object *args, GString *out)
{
    Error *err = NULL;
    json_object *r = qmp_call(name, args, &err);
    json_object_put(args);
    if (!r) {
        g_string_append_printf(out, "error: %s\n", err ? error_get_pretty(err) : "failed");
        error_free(err);
    }
    return r;
}

static const char *str(json_object *o, const char *k)
{
    json_object *v = json_object_object_get(o, k);
    return v ? json_object_get_string(v) : "";
}

static bool flag(json_object *o, const char *k)
{
    json_object *v = json_object_object_get(o, k);
    return v && json_object_get_boolean(v);
}

static const char *cache_mode(json_object *cache)
{
    bool wb = flag(cache, "writeback"), direct = flag(cache, "direct");
    if (flag(cache, "no-flush")) {
        return "writeback, ignore flushes";
    }
    return wb ? (direct ? "writeback, direct" : "writeback")
              : (direct ? "writethrough, direct" : "writethrough");
}

bool hmp_info_block(const char *args, GString *out)
{
    json_object *r = call("query-block", NULL, out);
    if (!r) {
        return false;
    }
    for (size_t i = 0; i < json_object_array_length(r); i++) {
        json_object *b = json_object_array_get_idx(r, i);
        json_object *ins = json_object_object_get(b, "inserted");
        if (i) {
            g_string_append_c(out, '\n');
        }
        if (ins && !*str(b, "device")) {
            /* A -blockdev node a device took: QEMU names it by its node. */
            g_string_append_printf(out, "%s: %s (%s%s)\n", str(ins, "node-name"),
                                   str(ins, "file"), str(ins, "drv"),
                                   flag(ins, "ro") ? ", read-only" : "");
        } else if (ins) {
            g_string_append_printf(out, "%s (%s): %s (%s%s)\n", str(b, "device"),
                                   str(ins, "node-name"), str(ins, "file"), str(ins, "drv"),
                                   flag(ins, "ro") ? ", read-only" : "");
        } else {
            g_string_append_printf(out, "%s: [not inserted]\n", str(b, "device"));
        }
        if (json_object_object_get(b, "qdev")) {
            g_string_append_printf(out, "    Attached to:      %s\n", str(b, "qdev"));
        }
        if (flag(b, "removable")) {
            g_string_append_printf(out, "    Removable device: %slocked, tray %s\n",
                                   flag(b, "locked") ? "" : "not ",
                                   flag(b, "tray_open") ? "open" : "closed");
        }
        if (ins) {
            g_string_append_printf(out, "    Cache mode:       %s\n",
                                   cache_mode(json_object_object_get(ins, "cache")));
            if (json_object_object_get(ins, "backing_file")) {
                g_string_append_printf(out, "    Backing file:     %s (chain depth: %s)\n",
                                       str(ins, "backing_file"),
                                       str(ins, "backing_file_depth"));
            }
        }
        if (strcmp(str(b, "io-status"), "ok")) {
            g_string_append_printf(out, "    I/O status:       %s\n", str(b, "io-status"));
        }
    }
    json_object_put(r);
    return true;
}

bool hmp_info_blockstats(const char *args, GString *out)
{
    json_object *r = call("query-blockstats", NULL, out);
    if (!r) {
        return false;
    }
    static const char *const keys[] = {
        "rd_bytes", "wr_bytes", "rd_operations", "wr_operations", "flush_operations",
        "wr_total_time_ns", "rd_total_time_ns", "flush_total_time_ns", "rd_merged",
        "wr_merged",
    };
    for (size_t i = 0; i < json_object_array_length(r); i++) {
        json_object *e = json_object_array_get_idx(r, i);
        json_object *st = json_object_object_get(e, "stats");
        const char *dev = str(e, "device");
        g_string_append_printf(out, "%s:", *dev ? dev : str(e, "node-name"));
        for (unsigned k = 0; k < G_N_ELEMENTS(keys); k++) {
            g_string_append_printf(out, " %s=%s", keys[k], str(st, keys[k]));
        }
        g_string_append_c(out, '\n');
    }
    json_object_put(r);
    return true;
}

bool hmp_eject(const char *args, GString *out)
{
    bool force = false;
    if (g_str_has_prefix(args, "-f ")) {
        force = true;
        args += 3;
        while (*args == ' ') {
            args++;
        }
    }
    if (!*args) {
        g_string_append(out, "eject: expected [-f] DEVICE\n");
        return false;
    }
    json_object *a = json_object_new_object();
    json_object_object_add(a, "device", json_object_new_string(args));
    json_object_object_add(a, "force", json_object_new_boolean(force));
    json_object *r = call("eject", a, out);
    json_object_put(r);
    return r != NULL;
}

bool hmp_change(const char *args, GString *out)
{
    char **w = g_strsplit_set(args, " \t", -1);
    GPtrArray *words = g_ptr_array_new();
    for (char **p = w; *p; p++) {
        if (**p) {
            g_ptr_array_add(words, *p);
        }
    }
    bool ok = false;
    if (words->len < 2 || words->len > 3) {
        g_string_append(out, "change: expected DEVICE FILE [FORMAT]\n");
    } else {
        json_object *a = json_object_new_object();
        json_object_object_add(a, "device", json_object_new_string(words->pdata[0]));
        json_object_object_add(a, "filename", json_object_new_string(words->pdata[1]));
        if (words->len == 3) {
            json_object_object_add(a, "format", json_object_new_string(words->pdata[2]));
        }
        json_object *r = call("blockdev-change-medium", a, out);
        ok = r != NULL;
        json_object_put(r);
    }
    g_ptr_array_free(words, TRUE);
    g_strfreev(w);
    return ok;
}

bool hmp_block_resize(const char *args, GString *out)
{
    char **w = g_strsplit(args, " ", 2);
    uint64_t size;
    bool ok = false;
    if (!w[0] || !w[1] || !cc_parse_size(g_strstrip(w[1]), &size)) {
        g_string_append(out, "block_resize: expected DEVICE SIZE (bytes, or with k, M, G)\n");
    } else {
        json_object *a = json_object_new_object();
        json_object_object_add(a, "device", json_object_new_string(w[0]));
        json_object_object_add(a, "size", json_object_new_int64((int64_t)size));
        json_object *r = call("block_resize", a, out);
        ok = r != NULL;
        json_object_put(r);
    }
    g_strfreev(w);
    return ok;
}
