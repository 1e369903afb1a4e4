/*
 * The human monitor: QEMU-style commands typed on a character backend.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>
#include <cardcage/cardcage.h>
#include "cardcage-config.h"
#include "board/board.h"
#include "chardev/chardev-internal.h"
#include "cpu/cpu.h"
#include "input/input-internal.h"
#include "memory/memory-internal.h"
#include "main/runstate.h"
#include "module/plugin-loader.h"
#include "monitor/monitor.h"
#include "timer/clock-internal.h"

#define MONITOR_PROMPT "(cardcage) "
#define MONITOR_LINE_MAX 1024
#define SENDKEY_DEFAULT_HOLD_MS 100
#define XP_MAX_BYTES 4096

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

static CPUState *monitor_cpu(GString *out)
{
    CPUState *cpu = board_get_cpu();
    if (!cpu) {
        g_string_append(out, "error: the machine has no CPU\n");
    }
    return cpu;
}

/* ---- info ---- */

static void print_registers(FILE *f, void *opaque)
{
    CPUState *cpu = opaque;
    CPU_GET_CLASS(cpu)->dump_state(cpu, f);
}

static void print_mtree(FILE *f, void *opaque)
{
    fprintf(f, "address-space: memory\n");
    memory_print_tree(f, memory_get_system_memory());
    fprintf(f, "address-space: I/O\n");
    memory_print_tree(f, memory_get_system_io());
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

typedef struct QtreeCtx {
    GString *out;
    int indent;
} QtreeCtx;

static int qtree_device(DeviceState *dev, void *opaque);

static void qtree_bus(BusState *bus, QtreeCtx *c)
{
    g_string_append_printf(c->out, "%*sbus: %s\n%*s  type %s\n", c->indent, "", bus->name,
                           c->indent, "", object_get_typename(OBJECT(bus)));
    c->indent += 2;
    bus_foreach_device(bus, qtree_device, c);
    c->indent -= 2;
}

static int qtree_device(DeviceState *dev, void *opaque)
{
    QtreeCtx *c = opaque;
    g_string_append_printf(c->out, "%*sdev: %s, id \"%s\"\n", c->indent + 2, "",
                           object_get_typename(OBJECT(dev)), dev->id ? dev->id : "");
    GPtrArray *props = object_property_list(OBJECT(dev));
    for (guint i = 0; i < props->len; i++) {
        ObjectProperty *p = g_ptr_array_index(props, i);
        if (p->kind == PROP_KIND_CHILD || !p->get) {
            continue;
        }
        char *v = object_property_print(OBJECT(dev), p->name, NULL);
        g_string_append_printf(c->out, "%*s%s = %s\n", c->indent + 4, "", p->name,
                               v ? v : "?");
        g_free(v);
    }
    g_ptr_array_unref(props);
    c->indent += 4;
    for (GSList *l = dev->child_buses; l; l = l->next) {
        qtree_bus(l->data, c);
    }
    c->indent -= 4;
    return 0;
}

static bool cmd_info(const char *args, GString *out)
{
    if (!strcmp(args, "status")) {
        CPUState *cpu = board_get_cpu();
        g_string_append_printf(out, "VM status: %s\n",
                               !cpu ? "no CPU" : cpu->stopped ? "paused"
                               : cpu->halted ? "running (CPU halted)" : "running");
    } else if (!strcmp(args, "registers")) {
        CPUState *cpu = monitor_cpu(out);
        if (!cpu) {
            return false;
        }
        capture(out, print_registers, cpu);
    } else if (!strcmp(args, "mtree")) {
        capture(out, print_mtree, NULL);
    } else if (!strcmp(args, "flatview")) {
        capture(out, print_flatview, NULL);
    } else if (!strcmp(args, "qtree")) {
        QtreeCtx c = { out, 0 };
        qtree_bus(sysbus_get_default(), &c);
    } else if (!strcmp(args, "plugins")) {
        capture(out, print_plugins, NULL);
    } else if (!strcmp(args, "version")) {
        g_string_append_printf(out, "cardcage %s\n", CARDCAGE_VERSION);
    } else {
        g_string_append(out, "info: expected one of status, registers, mtree, flatview, "
                        "qtree, plugins, version\n");
        return false;
    }
    return true;
}

/* ---- run control ---- */

static bool cmd_cont(const char *args, GString *out)
{
    CPUState *cpu = monitor_cpu(out);
    runstate_vm_start(cpu);
    return cpu != NULL;
}

static bool cmd_stop(const char *args, GString *out)
{
    CPUState *cpu = monitor_cpu(out);
    runstate_vm_stop(cpu);
    return cpu != NULL;
}

static bool cmd_system_reset(const char *args, GString *out)
{
    system_reset_request();
    return true;
}

static bool cmd_quit(const char *args, GString *out)
{
    system_shutdown_request(0);
    return true;
}

/* ---- input ---- */

typedef struct KeyRelease {
    Timer *timer;
    int keys[16];
    int n;
} KeyRelease;

static void release_keys(void *opaque)
{
    KeyRelease *r = opaque;
    for (int i = r->n; i-- > 0;) {
        input_send_key(r->keys[i], false);
    }
    timer_free(r->timer);
    g_free(r);
}

/* sendkey ctrl-alt-delete [hold_ms]: press the keys in order, release them
 * in reverse after hold_ms of host time. */
static bool cmd_sendkey(const char *args, GString *out)
{
    char **words = g_strsplit(args, " ", 2);
    bool ok = false;
    int64_t hold = SENDKEY_DEFAULT_HOLD_MS;
    if (!words[0] || !*words[0]) {
        g_string_append(out, "sendkey: expected KEY[-KEY...] [HOLD_MS]\n");
        goto out;
    }
    if (words[1] && (!cc_parse_int64(g_strstrip(words[1]), &hold) || hold < 0 ||
                     hold > 10000)) {
        g_string_append_printf(out, "sendkey: '%s' is not a hold time in ms (0 to 10000)\n",
                               words[1]);
        goto out;
    }
    KeyRelease *r = g_new0(KeyRelease, 1);
    Error *err = NULL;
    r->n = input_parse_combo(words[0], r->keys, CC_ARRAY_SIZE(r->keys), &err);
    if (r->n < 0) {
        g_string_append_printf(out, "sendkey: %s\n", error_get_pretty(err));
        error_free(err);
        g_free(r);
        goto out;
    }
    for (int i = 0; i < r->n; i++) {
        input_send_key(r->keys[i], true);
    }
    r->timer = timer_new_ns(CC_CLOCK_REALTIME, release_keys, r);
    timer_mod_ns(r->timer, clock_get_ns(CC_CLOCK_REALTIME) + hold * 1000000);
    ok = true;
out:
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

static bool cmd_help(const char *args, GString *out);

static const struct {
    const char *name;
    MonitorCommand *fn;
    const char *help;
} commands[] = {
    { "help", cmd_help, "help                  this list" },
    { "info", cmd_info, "info WHAT             status, registers, mtree, flatview, qtree, "
                        "plugins, version" },
    { "cont", cmd_cont, "cont | c              start or resume the CPU" },
    { "c", cmd_cont, NULL },
    { "stop", cmd_stop, "stop                  pause the machine" },
    { "system_reset", cmd_system_reset, "system_reset          reset the machine" },
    { "sendkey", cmd_sendkey, "sendkey KEYS [MS]     press keys, e.g. sendkey ctrl-alt-delete" },
    { "xp", cmd_xp, "xp ADDR [LEN]         dump physical memory" },
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

/* On a backend shared with a serial port (-serial mon:stdio), the monitor
 * greets when Ctrl-A c gives it the keyboard. */
static void monitor_event(void *opaque, ChardevEvent event)
{
    Monitor *m = opaque;
    if (event == CHARDEV_EVENT_FOCUS_IN) {
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
    if (!chardev_is_mux(chr)) {
        m->greeted = true;
        monitor_puts(m, monitor_banner, strlen(monitor_banner));
    }
    return true;
}
