/*
 * Parsing the command line.  Options take one dash as in QEMU (two are
 * accepted too); each is described once, in the table that drives both
 * parsing and -h.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/log.h>
#include <cardcage/object.h>
#include "main/options.h"
#include "util/keyval.h"
#include "ui/display-internal.h"
#include "ui/keymap.h"
#include "ui/vnc.h"

static bool set_string(char **field, const char *arg)
{
    g_free(*field);
    *field = g_strdup(arg);
    return true;
}

static void add_edit(Options *o, BoardEditKind kind, const char *spec)
{
    BoardEdit *e = g_new0(BoardEdit, 1);
    e->kind = kind;
    e->spec = g_strdup(spec);
    g_ptr_array_add(o->edits, e);
}

KeyVal *options_parse_list(const char *opt, const char *arg, const char *implied,
                           unsigned flags, const char *const *allowed, Error **errp)
{
    KeyVal *kv = keyval_parse(arg, implied, flags, errp);
    if (!kv) {
        error_prepend(errp, "-%s %s: ", opt, arg);
        return NULL;
    }
    const char *unknown = allowed ? keyval_find_unknown(kv, allowed) : NULL;
    if (unknown) {
        char *list = g_strjoinv(", ", (char **)allowed);
        error_setg(errp, "-%s %s: unknown key '%s' (expected %s)", opt, arg, unknown, list);
        g_free(list);
        keyval_free(kv);
        return NULL;
    }
    return kv;
}

static bool opt_help(Options *o, const char *arg, Error **errp)
{
    o->help = true;
    return true;
}

static bool opt_version(Options *o, const char *arg, Error **errp)
{
    o->version = true;
    return true;
}

static bool opt_list_plugins(Options *o, const char *arg, Error **errp)
{
    o->list_plugins = true;
    return true;
}

static bool check_machine_accel(const char *arg, const char *accel, Error **errp)
{
    char *opt = g_strdup_printf("-M %s", arg);
    bool ok = options_check_accel(opt, accel, errp);
    g_free(opt);
    return ok;
}

static bool opt_machine(Options *o, const char *arg, Error **errp)
{
    /* -M pc, -M type=pc, -M pc,accel=tcg,acpi=off; other machine options are the
     * board file's. */
    KeyVal *kv = keyval_parse(arg, "type", KEYVAL_HELP, errp);
    if (!kv) {
        error_prepend(errp, "-M %s: ", arg);
        return false;
    }
    static const char *const allowed[] = { "type", "accel", "acpi", "help", NULL };
    const char *unknown = keyval_find_unknown(kv, allowed);
    const char *name = keyval_get(kv, "type");
    const char *acpi = keyval_get(kv, "acpi");
    bool ok = false;
    if (acpi && strcmp(acpi, "on") && strcmp(acpi, "off") && strcmp(acpi, "auto")) {
        error_setg(errp, "-M %s: acpi=%s: expected on, off or auto", arg, acpi);
        keyval_free(kv);
        return false;
    }
    if (acpi) {
        /* acpi=off as QEMU's: no tables even where the board has them;
         * on and auto leave it to the board's "acpi". */
        o->no_acpi = !strcmp(acpi, "off");
    }
    if (unknown) {
        error_setg(errp, "-M %s: machine option '%s' is set in the board file or with -set "
                   "(expected -M NAME[,accel=tcg][,acpi=on|off] or -M FILE.json)", arg, unknown);
    } else if (keyval_get(kv, "accel") && !check_machine_accel(arg, keyval_get(kv, "accel"),
                                                               errp)) {
        /* the message is set */
    } else if (keyval_get(kv, "help") || (name && !strcmp(name, "help"))) {
        o->machine_help = ok = true;
    } else if (!name) {
        ok = true;               /* -machine accel=tcg or acpi=off: the board stays */
    } else {
        ok = set_string(&o->machine, name);
    }
    keyval_free(kv);
    return ok;
}

static bool opt_memory(Options *o, const char *arg, Error **errp)
{
    static const char *const allowed[] = { "size", NULL };
    KeyVal *kv = options_parse_list("m", arg, "size", 0, allowed, errp);
    if (!kv) {
        return false;
    }
    char *v = g_strdup(keyval_get(kv, "size") ? keyval_get(kv, "size") : "");
    keyval_free(kv);
    uint64_t size;
    /* A bare number means MiB, as in QEMU. */
    bool bare = *v && strspn(v, "0123456789") == strlen(v);
    bool ok = cc_parse_size(v, &size) && !(bare && size > (UINT64_MAX >> 20));
    g_free(v);
    if (!ok) {
        error_setg(errp, "-m %s: expected a RAM size such as 128, 128M or 1G", arg);
        return false;
    }
    if (bare) {
        size <<= 20;
    }
    if (!size) {
        error_setg(errp, "-m %s: the RAM size must not be zero", arg);
        return false;
    }
    o->ram_size = size;
    return true;
}

static bool opt_cpu(Options *o, const char *arg, Error **errp)
{
    if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
        o->cpu_help = true;
        return true;
    }
    return set_string(&o->cpu, arg);
}

static bool opt_device(Options *o, const char *arg, Error **errp)
{
    /* The syntax is checked here, so that its errors name -device; the
     * board applies the spec later (board_add_device_spec). */
    KeyVal *kv = options_parse_list("device", arg, "type", KEYVAL_HELP, NULL, errp);
    if (!kv) {
        return false;
    }
    const char *type = keyval_get(kv, "type");
    if (type && (!strcmp(type, "help") || !strcmp(type, "?"))) {
        o->device_help = true;
    } else if (keyval_get(kv, "help")) {
        g_free(o->device_type_help);
        o->device_type_help = g_strdup(type);
    } else {
        add_edit(o, EDIT_DEVICE, arg);
    }
    keyval_free(kv);
    return true;
}

static bool opt_set(Options *o, const char *arg, Error **errp)
{
    add_edit(o, EDIT_SET, arg);
    return true;
}

static bool opt_remove(Options *o, const char *arg, Error **errp)
{
    add_edit(o, EDIT_REMOVE, arg);
    return true;
}

void options_add_global(Options *o, const char *type, const char *prop, const char *value,
                        const char *origin)
{
    OptionGlobal *g = g_new0(OptionGlobal, 1);
    g->type = g_strdup(type);
    g->prop = g_strdup(prop);
    g->value = g_strdup(value);
    g->origin = g_strdup(origin);
    g_ptr_array_add(o->globals, g);
}

static void option_global_free(gpointer p)
{
    OptionGlobal *g = p;
    g_free(g->type);
    g_free(g->prop);
    g_free(g->value);
    g_free(g->origin);
    g_free(g);
}

/* -global TYPE.PROP=VALUE[,TYPE.PROP=VALUE...], or QEMU's long form
 * -global driver=TYPE,property=PROP,value=VALUE. */
static bool opt_global(Options *o, const char *arg, Error **errp)
{
    KeyVal *kv = keyval_parse(arg, NULL, 0, NULL);
    bool ok = kv != NULL;
    char *origin = g_strdup_printf("-global %s", arg);
    const char *driver = keyval_get(kv, "driver");
    if (ok && driver) {
        static const char *const long_form[] = { "driver", "property", "value", NULL };
        ok = !keyval_find_unknown(kv, long_form) && keyval_get(kv, "property") &&
             keyval_get(kv, "value");
        if (ok) {
            options_add_global(o, driver, keyval_get(kv, "property"), keyval_get(kv, "value"),
                               origin);
        }
    }
    for (guint i = 0; ok && !driver && i < keyval_count(kv); i++) {
        const char *key = keyval_key(kv, i);
        const char *dot = strchr(key, '.');
        ok = dot && dot != key && dot[1];
        if (ok) {
            char *type = g_strndup(key, dot - key);
            options_add_global(o, type, dot + 1, keyval_value(kv, i), origin);
            g_free(type);
        }
    }
    if (!ok) {
        error_setg(errp, "-global %s: expected TYPE.PROPERTY=VALUE", arg);
    }
    g_free(origin);
    keyval_free(kv);
    return ok;
}

static bool opt_libdir(Options *o, const char *arg, Error **errp)
{
    if (!g_file_test(arg, G_FILE_TEST_IS_DIR)) {
        error_setg(errp, "-L %s: no such directory", arg);
        return false;
    }
    g_ptr_array_add(o->lib_dirs, g_strdup(arg));
    return true;
}

static bool opt_bios(Options *o, const char *arg, Error **errp)
{
    return set_string(&o->bios, arg);
}

static bool opt_kernel(Options *o, const char *arg, Error **errp)
{
    return set_string(&o->kernel, arg);
}

static bool opt_initrd(Options *o, const char *arg, Error **errp)
{
    return set_string(&o->initrd, arg);
}

static bool opt_append(Options *o, const char *arg, Error **errp)
{
    return set_string(&o->append, arg);
}

static bool opt_nographic(Options *o, const char *arg, Error **errp)
{
    o->nographic = true;
    return true;
}

/* -display TYPE[,refresh-rate=HZ]: the front end (none, sdl, curses;
 * ui/frontend.c) and the display layer's refresh rate. */
static bool opt_display(Options *o, const char *arg, Error **errp)
{
    static const char *const allowed[] = { "type", "refresh-rate", NULL };
    KeyVal *kv = options_parse_list("display", arg, "type", 0, allowed, errp);
    if (!kv) {
        return false;
    }
    const char *type = keyval_get(kv, "type");
    const char *rate = keyval_get(kv, "refresh-rate");
    int64_t hz = 0;
    bool ok = display_set_frontend(type ? type : "none", errp);
    if (ok && rate && (!cc_parse_int64(rate, &hz) || hz < 1 || hz > 1000)) {
        error_setg(errp, "-display %s: refresh-rate=%s: expected 1 to 1000 (Hz)", arg, rate);
        ok = false;
    }
    ok = ok && (!rate || display_set_refresh_hz((int)hz, errp));
    keyval_free(kv);
    return ok;
}

/* -vnc :N|HOST:N|unix:PATH|none[,password=on|off]: checked now, listened
 * on once the machine is built (ui/vnc.c). */
static bool opt_vnc(Options *o, const char *arg, Error **errp)
{
    return vnc_configure(arg, errp);
}

/* -k LAYOUT|help: the guest's keyboard layout, for the front ends that
 * receive characters (VNC, curses; ui/keymap.c). */
static bool opt_keyboard(Options *o, const char *arg, Error **errp)
{
    if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
        o->keymap_help = true;
        return true;
    }
    return keymap_set_layout(arg, errp);
}

static bool opt_serial(Options *o, const char *arg, Error **errp)
{
    if (o->nb_serial >= MAX_SERIAL_PORTS) {
        error_setg(errp, "-serial %s: at most %d -serial options", arg, MAX_SERIAL_PORTS);
        return false;
    }
    o->serial[o->nb_serial++] = g_strdup(arg);
    return true;
}

static bool opt_chardev(Options *o, const char *arg, Error **errp)
{
    g_ptr_array_add(o->chardevs, g_strdup(arg));
    return true;
}

static void add_drive(Options *o, bool blockdev, char *spec, const char *opt,
                      const char *arg)
{
    DriveOpt *d = g_new0(DriveOpt, 1);
    d->blockdev = blockdev;
    d->spec = spec;
    d->origin = g_strdup_printf("-%s %s", opt, arg);
    g_ptr_array_add(o->drives, d);
}

static bool opt_drive(Options *o, const char *arg, Error **errp)
{
    /* -drive format=help lists the formats once the plugins (whose
     * drivers count too) are loaded. */
    KeyVal *kv = keyval_parse(arg, NULL, KEYVAL_LAST_WINS, NULL);
    const char *fmt = keyval_get(kv, "format");
    o->block_format_help |= fmt && (!strcmp(fmt, "help") || !strcmp(fmt, "?"));
    keyval_free(kv);
    add_drive(o, false, g_strdup(arg), "drive", arg);
    return true;
}

static bool opt_blockdev(Options *o, const char *arg, Error **errp)
{
    add_drive(o, true, g_strdup(arg), "blockdev", arg);
    return true;
}

/* -hda..-hdd and -cdrom: QEMU's shorthands for -drive file=FILE,index=N
 * (IDE: primary master, primary slave, secondary master, secondary
 * slave), media=cdrom for -cdrom on the secondary master. */
static bool opt_disk_short(Options *o, const char *opt, const char *arg, int index,
                           const char *media)
{
    /* A comma in the file name is written ",," in a -drive string. */
    char **parts = g_strsplit(arg, ",", -1);
    char *escaped = g_strjoinv(",,", parts);
    g_strfreev(parts);
    add_drive(o, false, g_strdup_printf("file=%s,index=%d,media=%s", escaped, index, media),
              opt, arg);
    g_free(escaped);
    return true;
}

static bool opt_hda(Options *o, const char *arg, Error **errp)
{
    return opt_disk_short(o, "hda", arg, 0, "disk");
}

static bool opt_hdb(Options *o, const char *arg, Error **errp)
{
    return opt_disk_short(o, "hdb", arg, 1, "disk");
}

static bool opt_hdc(Options *o, const char *arg, Error **errp)
{
    return opt_disk_short(o, "hdc", arg, 2, "disk");
}

static bool opt_hdd(Options *o, const char *arg, Error **errp)
{
    return opt_disk_short(o, "hdd", arg, 3, "disk");
}

static bool opt_cdrom(Options *o, const char *arg, Error **errp)
{
    return opt_disk_short(o, "cdrom", arg, 2, "cdrom");
}

static bool opt_snapshot(Options *o, const char *arg, Error **errp)
{
    o->snapshot = true;
    return true;
}

static bool opt_monitor(Options *o, const char *arg, Error **errp)
{
    if (!strcmp(arg, "none")) {
        g_free(o->monitor);
        o->monitor = NULL;
        return true;
    }
    return set_string(&o->monitor, arg);
}

static void add_monitor(Options *o, const char *spec, const char *id, bool control,
                        bool pretty)
{
    MonitorOpt *m = g_new0(MonitorOpt, 1);
    m->chardev_spec = g_strdup(spec);
    m->chardev_id = g_strdup(id);
    m->control = control;
    m->pretty = pretty;
    g_ptr_array_add(o->mons, m);
}

static bool opt_qmp(Options *o, const char *arg, Error **errp)
{
    add_monitor(o, arg, NULL, true, false);
    return true;
}

static bool opt_qmp_pretty(Options *o, const char *arg, Error **errp)
{
    add_monitor(o, arg, NULL, true, true);
    return true;
}

/* -mon chardev=ID[,mode=readline|control][,pretty=on|off] */
static bool opt_mon(Options *o, const char *arg, Error **errp)
{
    char **items = g_strsplit(arg, ",", -1);
    const char *id = NULL;
    bool control = false, pretty = false, ok = true;
    for (char **it = items; *it && ok; it++) {
        if (g_str_has_prefix(*it, "chardev=") && (*it)[8]) {
            id = *it + 8;
        } else if (!strcmp(*it, "mode=control") || !strcmp(*it, "mode=readline")) {
            control = !strcmp(*it, "mode=control");
        } else if (!g_str_has_prefix(*it, "pretty=") || !cc_parse_bool(*it + 7, &pretty)) {
            ok = false;
        }
    }
    if (!ok || !id) {
        error_setg(errp, "-mon %s: expected chardev=ID[,mode=readline|control][,pretty=on|off]",
                   arg);
    } else {
        add_monitor(o, NULL, id, control, pretty);
    }
    g_strfreev(items);
    return ok && id;
}

static bool opt_debugcon(Options *o, const char *arg, Error **errp)
{
    return set_string(&o->debugcon, arg);
}

static bool opt_log(Options *o, const char *arg, Error **errp)
{
    if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
        o->log_help = true;
        return true;
    }
    /* Checked after the plugins load: they add categories of their own. */
    return set_string(&o->log_items, arg);
}

static bool opt_logfile(Options *o, const char *arg, Error **errp)
{
    return set_string(&o->log_file, arg);
}

static bool opt_stopped(Options *o, const char *arg, Error **errp)
{
    o->start_stopped = true;
    return true;
}

static bool opt_boot(Options *o, const char *arg, Error **errp)
{
    return options_parse_boot(o, arg, errp);
}

static bool opt_gdb(Options *o, const char *arg, Error **errp)
{
    return set_string(&o->gdb, arg);
}

static bool opt_gdb_default(Options *o, const char *arg, Error **errp)
{
    /* QEMU's -s: gdb's usual port. */
    return set_string(&o->gdb, "tcp::1234");
}

static bool opt_no_reboot(Options *o, const char *arg, Error **errp)
{
    o->no_reboot = true;
    return true;
}

static bool opt_icount(Options *o, const char *arg, Error **errp)
{
    KeyVal *kv = keyval_parse(arg, "shift", 0, NULL);
    static const char *const allowed[] = { "shift", NULL };
    int64_t shift;
    bool ok = kv && !keyval_find_unknown(kv, allowed) &&
              cc_parse_int64(keyval_get(kv, "shift"), &shift) && shift >= 0 && shift <= 10;
    keyval_free(kv);
    if (!ok) {
        error_setg(errp, "-icount %s: expected shift=N with N from 0 to 10 (virtual time "
                   "advances 2^N ns per instruction)", arg);
        return false;
    }
    o->icount_shift = (int)shift;
    return true;
}

/* -rtc base=...: the board says which device type it sets
 * (cardcage-main.c).  clock=vm and driftfix=none, QEMU's defaults, are
 * what cardcage's RTC does (it follows the virtual clock and delivers
 * every tick) and are accepted; other values are refused. */
static bool opt_rtc(Options *o, const char *arg, Error **errp)
{
    KeyVal *kv = keyval_parse(arg, NULL, 0, NULL);
    static const char *const allowed[] = { "base", "clock", "driftfix", NULL };
    const char *clock = keyval_get(kv, "clock"), *drift = keyval_get(kv, "driftfix");
    bool ok = kv && !keyval_find_unknown(kv, allowed) && keyval_get(kv, "base") &&
              *keyval_get(kv, "base");
    bool same = (!clock || !strcmp(clock, "vm")) && (!drift || !strcmp(drift, "none"));
    keyval_free(kv);
    if (ok && !same) {
        error_setg(errp, "-rtc %s: cardcage's RTC follows the virtual clock without drift "
                   "correction (clock=vm, driftfix=none)", arg);
        return false;
    }
    if (!ok) {
        error_setg(errp, "-rtc %s: expected base=utc, base=localtime or "
                   "base=YYYY-MM-DDTHH:MM:SS", arg);
        return false;
    }
    return set_string(&o->rtc, arg);
}

static bool opt_incoming(Options *o, const char *arg, Error **errp)
{
    return set_string(&o->incoming, arg);
}

static bool opt_loadvm(Options *o, const char *arg, Error **errp)
{
    return set_string(&o->loadvm, arg);
}

static bool opt_netdev(Options *o, const char *arg, Error **errp)
{
    g_ptr_array_add(o->net.netdevs, g_strdup(arg));
    return true;
}

static bool opt_nic(Options *o, const char *arg, Error **errp)
{
    g_ptr_array_add(o->net.nics, g_strdup(arg));
    return true;
}

static bool opt_net(Options *o, const char *arg, Error **errp)
{
    g_ptr_array_add(o->net.nets, g_strdup(arg));
    return true;
}

static bool opt_object(Options *o, const char *arg, Error **errp)
{
    g_ptr_array_add(o->net.objects, g_strdup(arg));
    return true;
}

static const OptionDef option_defs[] = {
    { "h", NULL, opt_help, "print this help and exit" },
    { "help", NULL, opt_help, NULL },
    { "version", NULL, opt_version, "print the version and exit" },
    { "list-plugins", NULL, opt_list_plugins,
      "list the plugins loaded, their versions and the types each registered" },
    { "M", "NAME|FILE.json|help", opt_machine,
      "the board: a board name, a board file, or help to list them (default: pc)" },
    { "machine", "NAME|FILE.json|help", opt_machine, NULL },
    { "m", "SIZE", opt_memory, "RAM size: 128 (MiB), 128M, 1G" },
    { "cpu", "MODEL[,+feat,-feat]|help", opt_cpu, "CPU model and features" },
    { "smp", "[cpus=]N[,maxcpus=M][,sockets=S][,cores=C][,threads=T]", options_parse_smp,
      "CPUs (up to the board's \"max\": pc 255, isapc 1) and their topology" },
    { "device", "TYPE[,id=ID][,bus=BUS][,PROP=VAL][,irq.OUT=DEV.IN[N]]|help|TYPE,help",
      opt_device, "add a device to the board; help lists types, TYPE,help its properties" },
    { "set", "ID.PROP=VALUE", opt_set,
      "change a board device's property; ID.type=TYPE swaps its model" },
    { "remove", "ID", opt_remove, "remove a device from the board" },
    { "global", "TYPE.PROP=VALUE", opt_global, "default a property of every device of TYPE" },
    { "L", "DIR", opt_libdir, "add a directory of plugins and firmware" },
    { "bios", "FILE", opt_bios, "the firmware image of the board's \"bios\" entry" },
    { "kernel", "FILE", opt_kernel, "boot this Linux bzImage or Multiboot kernel directly" },
    { "initrd", "FILE", opt_initrd, "initial RAM disk for -kernel" },
    { "append", "CMDLINE", opt_append, "kernel command line for -kernel" },
    { "boot", "[order=]DRIVES[,once=DRIVES][,menu=on|off][,splash-time=MS]"
      "[,reboot-timeout=MS][,strict=on|off][,kernel=direct|firmware]", opt_boot,
      "start -kernel directly (default) or through the board's BIOS, as QEMU does" },
    { "nographic", NULL, opt_nographic, "no display: the first serial port on stdio" },
    { "display", "sdl|curses|none[,refresh-rate=HZ]", opt_display,
      "display front end: a window, the terminal's text screen, or none (the default is "
      "the window when $DISPLAY or $WAYLAND_DISPLAY is set; screendump works with any)" },
    { "k", "LAYOUT|help", opt_keyboard,
      "the guest's keyboard layout for VNC and curses: en-us (default), de, fr, gb" },
    { "vnc", ":N|HOST:N|unix:PATH|none[,password=on|off]", opt_vnc,
      "VNC server on port 5900+N (every address for :N) or a unix socket; "
      "password=on: VNC authentication, the password set by set_password" },
    { "serial", "SPEC", opt_serial,
      "backend of the next serial port: stdio, null, file:PATH, pty, "
      "mon:SPEC (shared with the monitor: Ctrl-A c switches, Ctrl-A x quits), "
      "tcp:HOST:PORT[,server=on,wait=off], unix:PATH[,server=on,wait=off]" },
    { "chardev", "BACKEND,id=ID[,opts]", opt_chardev, "create a character backend" },
    { "drive", "file=FILE[,format=raw|...][,if=ide|none][,index=N][,media=disk|cdrom]"
      "[,cache=MODE][,readonly=on][,snapshot=on][,werror=,rerror=][,id=ID]", opt_drive,
      "add a drive (format=help lists the formats); see docs/block.md" },
    { "blockdev", "driver=FMT,node-name=NAME[,file.driver=file,file.filename=FILE]|JSON",
      opt_blockdev, "add a block node, for -device ...,drive=NAME" },
    { "hda", "FILE", opt_hda, "the IDE primary master disk (as -drive file=FILE,index=0)" },
    { "hdb", "FILE", opt_hdb, "the IDE primary slave disk (index=1)" },
    { "hdc", "FILE", opt_hdc, "the IDE secondary master disk (index=2)" },
    { "hdd", "FILE", opt_hdd, "the IDE secondary slave disk (index=3)" },
    { "cdrom", "FILE", opt_cdrom, "the IDE CD-ROM (index=2,media=cdrom)" },
    { "snapshot", NULL, opt_snapshot,
      "writes go to a temporary overlay, the images are left unchanged" },
    { "monitor", "SPEC", opt_monitor, "the monitor's backend (as -serial)" },
    { "qmp", "SPEC", opt_qmp, "a QMP server on a new backend (as -serial), e.g. "
      "tcp:127.0.0.1:4444,server=on,wait=off, unix:PATH,server=on,wait=off, stdio" },
    { "qmp-pretty", "SPEC", opt_qmp_pretty, "as -qmp, with indented replies" },
    { "mon", "chardev=ID[,mode=readline|control][,pretty=on|off]", opt_mon,
      "a human monitor (readline, the default) or QMP (control) on a -chardev" },
    { "debugcon", "SPEC", opt_debugcon,
      "the debug console, QEMU's port 0xE9 unless the board says otherwise (SPEC as -serial)" },
    { "d", "ITEM[,ITEM]|help", opt_log, "log items (-d help lists them)" },
    { "D", "FILE", opt_logfile, "write the log to FILE instead of stderr" },
    { "S", NULL, opt_stopped, "do not start the CPU (the monitor's 'cont' starts it)" },
    { "gdb", "SPEC", opt_gdb,
      "wait for gdb on SPEC: tcp::PORT, tcp:HOST:PORT, unix:PATH, or a port" },
    { "s", NULL, opt_gdb_default, "shorthand for -gdb tcp::1234" },
    { "no-reboot", NULL, opt_no_reboot, "exit with status 0 when the guest resets" },
    { "icount", "shift=N", opt_icount,
      "deterministic mode: virtual time advances 2^N ns per instruction" },
    { "rtc", "base=utc|localtime|DATE", opt_rtc, "start time of the RTC" },
    { "incoming", "file:PATH|exec:CMD|defer", opt_incoming,
      "start from a saved machine (migrate's stream); defer: wait for migrate-incoming" },
    { "netdev", "TYPE,id=ID[,...]|help", opt_netdev,
      "a network backend: user (slirp: hostfwd=, guestfwd=, tftp=, restrict=, net=), "
      "socket (listen=, connect=, udp=, mcast=), hubport (hubid=)" },
    { "nic", "TYPE[,model=M][,mac=MAC][,...]|none|help", opt_nic,
      "a network card on a new backend of TYPE (model=help lists the cards)" },
    { "net", "nic[,model=M][,macaddr=MAC]|user|socket[,...]|none", opt_net,
      "the old form: cards and backends meet on hub 0 (vlan=N)" },
    { "object", "filter-dump,id=ID,netdev=ID,file=PATH", opt_object,
      "write a netdev's frames to a pcap file" },
    { "loadvm", "NAME", opt_loadvm, "start from internal snapshot NAME of the qcow2 disks (savevm)" },
};

static void drive_opt_free(gpointer p)
{
    DriveOpt *d = p;
    g_free(d->spec);
    g_free(d->origin);
    g_free(d);
}

static void monitor_opt_free(gpointer p)
{
    MonitorOpt *m = p;
    g_free(m->chardev_spec);
    g_free(m->chardev_id);
    g_free(m);
}

void options_init(Options *o)
{
    memset(o, 0, sizeof(*o));
    o->edits = g_ptr_array_new();
    o->globals = g_ptr_array_new_with_free_func(option_global_free);
    o->lib_dirs = g_ptr_array_new_with_free_func(g_free);
    o->chardevs = g_ptr_array_new_with_free_func(g_free);
    o->drives = g_ptr_array_new_with_free_func(drive_opt_free);
    o->mons = g_ptr_array_new_with_free_func(monitor_opt_free);
    o->icount_shift = -1;
    o->boot_splash_time = -1;
    o->boot_reboot_timeout = -1;
    net_options_init(&o->net);
}

void options_free(Options *o)
{
    for (guint i = 0; i < o->edits->len; i++) {
        BoardEdit *e = g_ptr_array_index(o->edits, i);
        g_free(e->spec);
        g_free(e);
    }
    g_ptr_array_unref(o->edits);
    g_ptr_array_unref(o->globals);
    g_ptr_array_unref(o->lib_dirs);
    g_ptr_array_unref(o->chardevs);
    g_ptr_array_unref(o->drives);
    g_ptr_array_unref(o->mons);
    for (int i = 0; i < o->nb_serial; i++) {
        g_free(o->serial[i]);
    }
    g_free(o->log_items);
    g_free(o->machine);
    g_free(o->cpu);
    g_free(o->bios);
    g_free(o->kernel);
    g_free(o->initrd);
    g_free(o->append);
    g_free(o->boot_order);
    g_free(o->boot_once);
    g_free(o->monitor);
    g_free(o->gdb);
    g_free(o->debugcon);
    g_free(o->log_file);
    g_free(o->rtc);
    g_free(o->vga);
    g_free(o->name);
    g_free(o->incoming);
    g_free(o->loadvm);
    g_free(o->device_type_help);
    net_options_free(&o->net);
}

static const OptionDef *find_option(const char *name)
{
    for (size_t i = 0; i < CC_ARRAY_SIZE(option_defs); i++) {
        if (!strcmp(option_defs[i].name, name)) {
            return &option_defs[i];
        }
    }
    return NULL;
}

bool options_parse(Options *o, int argc, char **argv, Error **errp)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || !a[1]) {
            error_setg(errp, "unexpected argument '%s' (disk images are not supported yet; "
                       "cardcage -h lists the options)", a);
            return false;
        }
        const char *name = a + 1 + (a[1] == '-');
        const OptionDef *def = find_option(name);
        if (!def) {
            def = options_find_habit(name);
        }
        if (!def && options_refuse_lacking(name, errp)) {
            return false;
        }
        if (!def) {
            error_setg(errp, "%s: unknown option (cardcage -h lists the options)", a);
            return false;
        }
        const char *arg = NULL;
        if (def->arg) {
            if (i + 1 >= argc) {
                error_setg(errp, "%s: requires an argument (%s)", a, def->arg);
                return false;
            }
            arg = argv[++i];
        }
        if (!def->handler(o, arg, errp)) {
            return false;
        }
    }
    return true;
}

void options_print_help(FILE *out)
{
    fprintf(out, "usage: cardcage [options]\n\n"
                 "cardcage is a PC emulator whose devices are plugins and whose machines are "
                 "JSON boards.\n\n");
    for (size_t i = 0; i < CC_ARRAY_SIZE(option_defs); i++) {
        const OptionDef *d = &option_defs[i];
        if (!d->help) {
            continue;
        }
        char *left = g_strdup_printf("-%s%s%s", d->name, d->arg ? " " : "", d->arg ? d->arg : "");
        if (strlen(left) > 26) {
            fprintf(out, "  %s\n  %-26s %s\n", left, "", d->help);
        } else {
            fprintf(out, "  %-26s %s\n", left, d->help);
        }
        g_free(left);
    }
    options_print_habits(out);
    fprintf(out, "\nEnvironment: CARDCAGE_PLUGIN_PATH and CARDCAGE_MACHINE_PATH add "
                 "directories (colon-separated) of plugins and boards.\n");
}
