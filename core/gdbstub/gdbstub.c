/*
 * The gdb remote stub (-s, -gdb SPEC): gdb's remote serial protocol over
 * a character backend.  Each CPU is a thread (thread id = CPU index + 1,
 * as QEMU numbers them): qfThreadInfo lists them, Hg selects the one whose
 * registers and memory are read, Hc and vCont's ":TID" the one a step
 * steps, and a stop reply names the CPU that stopped.  Breakpoints hold
 * for every CPU.
 *
 * Protocol: "Debugging with GDB", appendix E "GDB Remote Serial Protocol".
 * A packet is $DATA#CS (CS: the modulo-256 sum of DATA in two hex digits),
 * acknowledged with '+' (or '-' to ask for it again) until the debugger
 * asks for QStartNoAckMode; a 0x03 byte while the guest runs is an
 * interrupt.  Supported: registers (g G p P, in gdb's i386 numbering, see
 * core/cpu/x86-gdb.c), memory by linear address (m M), continue and step
 * (c s C S vCont), software and hardware breakpoints (Z0/Z1 z0/z1: both
 * are kept in the CPU's table, guest memory is never patched), the thread
 * queries gdb insists on, detach (D), kill (k) and monitor commands
 * (qRcmd: `monitor info registers` from gdb runs cardcage's monitor).
 * Watchpoints and binary writes (X) are answered as unsupported, which
 * gdb handles by falling back.
 *
 * When gdb connects the machine pauses (as with QEMU); when it detaches
 * or goes away, breakpoints are dropped and the machine runs on.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>
#include <cardcage/system.h>
#include "chardev/chardev-internal.h"
#include "cpu/cpu.h"
#include "gdbstub/gdbstub.h"
#include "main/runstate.h"
#include "monitor/monitor.h"

/* The largest packet taken or sent (advertised as PacketSize). */
#define GDB_PACKET_MAX 4096
/* Signals in stop replies: SIGINT for an interrupt, SIGTRAP otherwise. */
#define GDB_SIGINT 2
#define GDB_SIGTRAP 5

typedef enum { RX_IDLE, RX_DATA, RX_CSUM_HI, RX_CSUM_LO } RxState;

typedef struct GdbStub {
    Chardev *chr;
    CPUState *cpu;        /* the first CPU: the machine's run state */
    CPUState *gcpu;       /* Hg: registers and memory */
    CPUState *ccpu;       /* Hc: what a step steps */
    RxState rx;
    char buf[GDB_PACKET_MAX + 1];
    size_t len;
    bool overflow;        /* the packet being read is too long: refuse it */
    uint8_t sum, csum;
    bool no_ack;
    bool running;         /* resumed by gdb: a stop is to be reported */
    GString *last;        /* the last packet sent, for a '-' */
} GdbStub;

static GdbStub *stub;

/* ---- sending ---- */

static void gdb_send_raw(GdbStub *g, const char *s, size_t n)
{
    chardev_write(g->chr, (const uint8_t *)s, (int)n);
}

static void gdb_send(GdbStub *g, const char *data)
{
    uint8_t sum = 0;
    for (const char *p = data; *p; p++) {
        sum += (uint8_t)*p;
    }
    g_string_printf(g->last, "$%s#%02x", data, sum);
    gdb_send_raw(g, g->last->str, g->last->len);
}

static void hex_append(GString *s, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        g_string_append_printf(s, "%02x", b[i]);
    }
}

static int hex_digit(char c)
{
    return g_ascii_xdigit_value(c);
}

/* Decode exactly n bytes of hex at s into out; false on a bad digit or a
 * length other than 2n. */
static bool hex_decode(const char *s, uint8_t *out, size_t n)
{
    if (strlen(s) != 2 * n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return false;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/* A hex number at *p, up to a delimiter; false when there is none or it
 * overflows 64 bits. */
static bool hex_number(const char **p, uint64_t *v)
{
    const char *s = *p;
    uint64_t x = 0;
    int d, digits = 0;
    while ((d = hex_digit(*s)) >= 0) {
        if (++digits > 16) {
            return false;
        }
        x = x << 4 | (uint64_t)d;
        s++;
    }
    if (!digits) {
        return false;
    }
    *v = x;
    *p = s;
    return true;
}

static int gdb_tid(CPUState *cpu)
{
    return cpu->cpu_index + 1;
}

/* The CPU of a thread id in hex; -1 ("all") and 0 ("any") give dflt;
 * NULL when there is no such thread. */
static CPUState *gdb_thread_cpu(const char *hex, CPUState *dflt)
{
    if (!strcmp(hex, "-1") || !strcmp(hex, "0")) {
        return dflt;
    }
    char *end;
    unsigned long tid = strtoul(hex, &end, 16);
    if (!*hex || *end || tid == 0 || tid > 0x10000) {
        return NULL;
    }
    return cpu_by_index((int)tid - 1);
}

static void gdb_stop_reply(GdbStub *g, int sig, CPUState *cpu)
{
    char r[48];
    g->gcpu = cpu;
    snprintf(r, sizeof(r), "T%02xthread:%02x;", sig, gdb_tid(cpu));
    gdb_send(g, r);
}

/* ---- run control ---- */

static void gdb_resume(GdbStub *g, bool step, CPUState *step_cpu)
{
    for (CPUState *cpu = cpu_first(); cpu; cpu = cpu_next(cpu)) {
        cpu->singlestep = step && cpu == step_cpu;
        /* Step over a breakpoint at the current instruction. */
        cpu->bp_resume = true;
        cpu->bp_resume_pc = CPU_GET_CLASS(cpu)->get_pc(cpu);
    }
    g->running = true;
    runstate_vm_start(g->cpu);
}

/* The main loop's report: a breakpoint or the end of a step. */
static void gdb_debug_stopped(CPUState *cpu)
{
    GdbStub *g = stub;
    cpu->singlestep = false;
    if (g && g->running) {
        g->running = false;
        gdb_stop_reply(g, GDB_SIGTRAP, cpu);
    }
}

static void gdb_forget(GdbStub *g)
{
    for (CPUState *cpu = cpu_first(); cpu; cpu = cpu_next(cpu)) {
        cpu_breakpoint_remove_all(cpu);
        cpu->singlestep = false;
    }
    g->gcpu = g->ccpu = g->cpu;
    g->running = false;
}

/* ---- packets ---- */

static void gdb_read_regs(GdbStub *g, GString *reply)
{
    CPUClass *cc = CPU_GET_CLASS(g->gcpu);
    GByteArray *b = g_byte_array_new();
    for (int i = 0; i < cc->gdb_num_regs; i++) {
        cc->gdb_read_reg(g->gcpu, i, b);
    }
    hex_append(reply, b->data, b->len);
    g_byte_array_unref(b);
}

static bool gdb_write_regs(GdbStub *g, const char *hex)
{
    CPUClass *cc = CPU_GET_CLASS(g->gcpu);
    size_t n = strlen(hex) / 2, off = 0;
    uint8_t *all = g_malloc(n + 1);
    bool ok = hex_decode(hex, all, n);
    for (int i = 0; ok && i < cc->gdb_num_regs && off < n; i++) {
        /* Each register's size is what reading it gives. */
        GByteArray *b = g_byte_array_new();
        cc->gdb_read_reg(g->gcpu, i, b);
        size_t sz = b->len;
        g_byte_array_unref(b);
        if (off + sz > n) {
            break;        /* gdb may send fewer registers than it could */
        }
        ok = cc->gdb_write_reg(g->gcpu, i, all + off, sz);
        off += sz;
    }
    g_free(all);
    return ok;
}

static void gdb_read_mem(GdbStub *g, const char *args, GString *reply)
{
    uint64_t addr, len;
    if (!hex_number(&args, &addr) || *args++ != ',' || !hex_number(&args, &len) || *args) {
        g_string_assign(reply, "E01");
        return;
    }
    /* The reply is two hex digits a byte. */
    len = MIN(len, (uint64_t)(GDB_PACKET_MAX - 8) / 2);
    uint8_t *b = g_malloc(len + 1);
    if (CPU_GET_CLASS(g->gcpu)->debug_rw(g->gcpu, addr, b, len, false)) {
        hex_append(reply, b, len);
    } else {
        g_string_assign(reply, "E14");
    }
    g_free(b);
}

static void gdb_write_mem(GdbStub *g, const char *args, GString *reply)
{
    uint64_t addr, len;
    if (!hex_number(&args, &addr) || *args++ != ',' || !hex_number(&args, &len) ||
        *args++ != ':' || len > GDB_PACKET_MAX) {
        g_string_assign(reply, "E01");
        return;
    }
    uint8_t *b = g_malloc(len + 1);
    if (!hex_decode(args, b, len)) {
        g_string_assign(reply, "E01");
    } else if (CPU_GET_CLASS(g->gcpu)->debug_rw(g->gcpu, addr, b, len, true)) {
        g_string_assign(reply, "OK");
    } else {
        g_string_assign(reply, "E14");
    }
    g_free(b);
}

/* Z/z: type 0 (software) and 1 (hardware) breakpoints. */
static void gdb_breakpoint(GdbStub *g, bool insert, const char *args, GString *reply)
{
    uint64_t type, addr, kind;
    if (!hex_number(&args, &type) || *args++ != ',' || !hex_number(&args, &addr) ||
        *args++ != ',' || !hex_number(&args, &kind)) {
        g_string_assign(reply, "E01");
        return;
    }
    if (type > 1) {
        return;           /* watchpoints: unsupported (empty reply) */
    }
    bool ok = true;
    for (CPUState *cpu = cpu_first(); cpu; cpu = cpu_next(cpu)) {
        if (insert) {
            ok &= cpu_breakpoint_insert(cpu, addr);
        } else {
            cpu_breakpoint_remove(cpu, addr);
        }
    }
    g_string_assign(reply, ok ? "OK" : "E22");
}

/* qRcmd,HEX: a monitor command; its output goes back in O packets. */
static void gdb_monitor(GdbStub *g, const char *hex, GString *reply)
{
    size_t n = strlen(hex) / 2;
    char *cmd = g_malloc0(n + 1);
    if (!hex_decode(hex, (uint8_t *)cmd, n)) {
        g_string_assign(reply, "E01");
        g_free(cmd);
        return;
    }
    GString *out = g_string_new(NULL);
    monitor_execute(cmd, out);
    for (gsize off = 0; off < out->len;) {
        gsize chunk = MIN(out->len - off, (gsize)(GDB_PACKET_MAX - 8) / 2);
        GString *o = g_string_new("O");
        hex_append(o, (const uint8_t *)out->str + off, chunk);
        gdb_send(g, o->str);
        g_string_free(o, TRUE);
        off += chunk;
    }
    g_string_free(out, TRUE);
    g_free(cmd);
    g_string_assign(reply, "OK");
}

/* vCont;ACTION[:TID][;ACTION...]: a step (s, S) of one thread steps that
 * CPU while the others run; otherwise everything continues. */
static bool gdb_vcont(GdbStub *g, const char *args)
{
    bool any = false;
    CPUState *step = NULL;
    gchar **actions = g_strsplit(args, ";", -1);
    for (gchar **a = actions; *a; a++) {
        if (a == actions) {
            if (**a) {
                break;          /* vCont must be followed by ';' */
            }
            continue;
        }
        char act = (*a)[0];
        const char *colon = strchr(*a, ':');
        CPUState *cpu = colon ? gdb_thread_cpu(colon + 1, g->ccpu) : g->ccpu;
        if ((act != 'c' && act != 'C' && act != 's' && act != 'S') || !cpu) {
            any = false;
            break;
        }
        any = true;
        if ((act == 's' || act == 'S') && !step) {
            step = cpu;
        }
    }
    g_strfreev(actions);
    if (!any) {
        return false;
    }
    gdb_resume(g, step != NULL, step);
    return true;
}

/* qThreadExtraInfo: what info cpus would say of the CPU. */
static void gdb_thread_info(GdbStub *g, const char *hex, GString *reply)
{
    CPUState *cpu = gdb_thread_cpu(hex, NULL);
    if (!cpu) {
        g_string_assign(reply, "E22");
        return;
    }
    char *text = g_strdup_printf("CPU#%d [%s]", cpu->cpu_index,
                                 cpu->halted ? "halted" : "running");
    hex_append(reply, (const uint8_t *)text, strlen(text));
    g_free(text);
}

/* Handle one packet; false when the reply is sent later (a resume). */
static bool gdb_handle(GdbStub *g, const char *p, GString *reply)
{
    CPUClass *cc = CPU_GET_CLASS(g->gcpu);
    switch (p[0]) {
    case '?':
        g_string_printf(reply, "T%02xthread:%02x;", GDB_SIGTRAP, gdb_tid(g->gcpu));
        return true;
    case 'g':
        gdb_read_regs(g, reply);
        return true;
    case 'G':
        g_string_assign(reply, gdb_write_regs(g, p + 1) ? "OK" : "E01");
        return true;
    case 'p': {
        const char *a = p + 1;
        uint64_t n;
        GByteArray *b = g_byte_array_new();
        if (hex_number(&a, &n) && !*a && n < (uint64_t)cc->gdb_num_regs &&
            cc->gdb_read_reg(g->gcpu, (int)n, b)) {
            hex_append(reply, b->data, b->len);
        } else {
            g_string_assign(reply, "E14");
        }
        g_byte_array_unref(b);
        return true;
    }
    case 'P': {
        const char *a = p + 1;
        uint64_t n;
        uint8_t v[16];
        const char *eq = strchr(p, '=');
        size_t vl = eq ? strlen(eq + 1) / 2 : 0;
        bool ok = hex_number(&a, &n) && a == eq && vl <= sizeof(v) &&
                  hex_decode(eq + 1, v, vl) && n < (uint64_t)cc->gdb_num_regs &&
                  cc->gdb_write_reg(g->gcpu, (int)n, v, vl);
        g_string_assign(reply, ok ? "OK" : "E14");
        return true;
    }
    case 'm':
        gdb_read_mem(g, p + 1, reply);
        return true;
    case 'M':
        gdb_write_mem(g, p + 1, reply);
        return true;
    case 'c':
    case 'C':
        gdb_resume(g, false, NULL);
        return false;
    case 's':
    case 'S':
        gdb_resume(g, true, g->ccpu);
        return false;
    case 'Z':
    case 'z':
        gdb_breakpoint(g, p[0] == 'Z', p + 1, reply);
        return true;
    case 'H': {
        /* Hg: the thread of g, m, p...; Hc: the thread of c and s. */
        CPUState *cpu = p[1] ? gdb_thread_cpu(p + 2, p[1] == 'g' ? g->gcpu : g->ccpu)
                             : NULL;
        if (cpu && p[1] == 'g') {
            g->gcpu = cpu;
        } else if (cpu && p[1] == 'c') {
            g->ccpu = cpu;
        }
        g_string_assign(reply, cpu && (p[1] == 'g' || p[1] == 'c') ? "OK" : "E22");
        return true;
    }
    case 'T':
        g_string_assign(reply, gdb_thread_cpu(p + 1, NULL) ? "OK" : "E22");
        return true;
    case 'D':
        gdb_forget(g);
        gdb_send(g, "OK");
        runstate_vm_start(g->cpu);
        return false;
    case 'k':
        gdb_forget(g);
        system_shutdown_request(0);
        return false;
    case 'v':
        if (!strcmp(p, "vCont?")) {
            g_string_assign(reply, "vCont;c;C;s;S");
        } else if (g_str_has_prefix(p, "vCont") && gdb_vcont(g, p + 5)) {
            return false;
        }
        return true;
    case 'q':
        if (g_str_has_prefix(p, "qSupported")) {
            g_string_printf(reply, "PacketSize=%x;QStartNoAckMode+;vContSupported+",
                            GDB_PACKET_MAX);
        } else if (!strcmp(p, "qC")) {
            g_string_printf(reply, "QC%02x", gdb_tid(g->gcpu));
        } else if (!strcmp(p, "qAttached")) {
            g_string_assign(reply, "1");
        } else if (!strcmp(p, "qfThreadInfo")) {
            g_string_assign(reply, "m");
            for (CPUState *cpu = cpu_first(); cpu; cpu = cpu_next(cpu)) {
                g_string_append_printf(reply, "%s%02x", cpu == cpu_first() ? "" : ",",
                                       gdb_tid(cpu));
            }
        } else if (g_str_has_prefix(p, "qThreadExtraInfo,")) {
            gdb_thread_info(g, p + 17, reply);
        } else if (!strcmp(p, "qsThreadInfo")) {
            g_string_assign(reply, "l");
        } else if (!strcmp(p, "qOffsets")) {
            g_string_assign(reply, "Text=0;Data=0;Bss=0");
        } else if (g_str_has_prefix(p, "qSymbol")) {
            g_string_assign(reply, "OK");
        } else if (g_str_has_prefix(p, "qRcmd,")) {
            gdb_monitor(g, p + 6, reply);
        }
        return true;
    case 'Q':
        if (!strcmp(p, "QStartNoAckMode")) {
            /* The OK is still acknowledged; nothing after it. */
            gdb_send(g, "OK");
            g->no_ack = true;
            return false;
        }
        return true;
    default:
        return true;      /* unsupported: the empty reply */
    }
}

static void gdb_packet(GdbStub *g)
{
    g->buf[g->len] = '\0';
    if (g->running) {
        /* Only an interrupt makes sense while the guest runs; gdb does not
         * send anything else then. */
        return;
    }
    GString *reply = g_string_new(NULL);
    if (gdb_handle(g, g->buf, reply)) {
        gdb_send(g, reply->str);
    }
    g_string_free(reply, TRUE);
}

/* ---- input ---- */

static int gdb_can_read(void *opaque)
{
    return GDB_PACKET_MAX;
}

static void gdb_rx_byte(GdbStub *g, uint8_t ch)
{
    switch (g->rx) {
    case RX_IDLE:
        if (ch == '$') {
            g->rx = RX_DATA;
            g->len = 0;
            g->sum = 0;
            g->overflow = false;
        } else if (ch == 0x03 && g->running) {
            g->running = false;
            for (CPUState *cpu = cpu_first(); cpu; cpu = cpu_next(cpu)) {
                cpu->singlestep = false;
            }
            runstate_vm_stop(g->cpu);
            gdb_stop_reply(g, GDB_SIGINT, g->gcpu);
        } else if (ch == '-' && g->last->len) {
            gdb_send_raw(g, g->last->str, g->last->len);
        }
        break;            /* '+' and noise between packets */
    case RX_DATA:
        if (ch == '#') {
            g->rx = RX_CSUM_HI;
        } else {
            g->sum += ch;
            if (g->len < GDB_PACKET_MAX) {
                g->buf[g->len++] = (char)ch;
            } else {
                g->overflow = true;
            }
        }
        break;
    case RX_CSUM_HI:
    case RX_CSUM_LO: {
        int d = hex_digit((char)ch);
        if (d < 0) {
            g->rx = RX_IDLE;
            gdb_send_raw(g, "-", 1);
            break;
        }
        if (g->rx == RX_CSUM_HI) {
            g->csum = (uint8_t)(d << 4);
            g->rx = RX_CSUM_LO;
            break;
        }
        g->csum |= (uint8_t)d;
        g->rx = RX_IDLE;
        if (g->csum != g->sum || g->overflow) {
            gdb_send_raw(g, "-", 1);
            break;
        }
        if (!g->no_ack) {
            gdb_send_raw(g, "+", 1);
        }
        gdb_packet(g);
        break;
    }
    }
}

static void gdb_read(void *opaque, const uint8_t *buf, int size)
{
    for (int i = 0; i < size; i++) {
        gdb_rx_byte(opaque, buf[i]);
    }
}

static void gdb_event(void *opaque, ChardevEvent event)
{
    GdbStub *g = opaque;
    if (event == CHARDEV_EVENT_OPENED) {
        /* A debugger attaching finds the machine paused, as with QEMU. */
        g->rx = RX_IDLE;
        g->no_ack = false;
        g_string_truncate(g->last, 0);
        gdb_forget(g);
        runstate_vm_stop(g->cpu);
    } else if (event == CHARDEV_EVENT_CLOSED) {
        gdb_forget(g);
        runstate_vm_start(g->cpu);
    }
}

/* ---- start ---- */

char *gdbstub_normalize_spec(const char *spec)
{
    /* "-gdb 1234" and "-gdb tcp::1234" listen without waiting for gdb, as
     * QEMU's do. */
    if (spec[0] && strspn(spec, "0123456789") == strlen(spec)) {
        return g_strdup_printf("tcp::%s,server=on,wait=off", spec);
    }
    if ((g_str_has_prefix(spec, "tcp:") || g_str_has_prefix(spec, "unix:")) &&
        !strstr(spec, "server")) {
        return g_strdup_printf("%s,server=on,wait=off", spec);
    }
    return g_strdup(spec);
}

bool gdbstub_start(const char *spec, CPUState *cpu, Error **errp)
{
    if (!cpu) {
        error_setg(errp, "-gdb: this board has no CPU to debug");
        return false;
    }
    CPUClass *cc = CPU_GET_CLASS(cpu);
    if (!cc->gdb_read_reg || !cc->debug_rw || !cc->get_pc) {
        error_setg(errp, "-gdb: the CPU model has no debugger support");
        return false;
    }
    char *full = gdbstub_normalize_spec(spec);
    Chardev *chr = chardev_new_from_spec("gdb", full, errp);
    g_free(full);
    if (!chr) {
        error_prepend(errp, "-gdb %s: ", spec);
        return false;
    }
    GdbStub *g = g_new0(GdbStub, 1);
    g->chr = chr;
    g->cpu = g->gcpu = g->ccpu = cpu;
    g->last = g_string_new(NULL);
    if (!chardev_attach(chr, gdb_can_read, gdb_read, gdb_event, g, errp)) {
        g_string_free(g->last, TRUE);
        g_free(g);
        return false;
    }
    stub = g;
    runstate_set_debug_handler(gdb_debug_stopped);
    return true;
}
