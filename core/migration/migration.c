/*
 * The migration stream as a whole: its header, the order of its records,
 * the outgoing migration's state, and loading an incoming stream into the
 * machine just built.  See migration.h for the format.
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <string.h>
#include <cardcage/system.h>
#include <cardcage/block.h>
#include "cpu/cpu.h"
#include "main/runstate.h"
#include "migration/migration.h"
#include "module/plugin-loader.h"
#include "timer/clock-internal.h"

static MigrationInfo info;
static MigrationStatusHook *status_hook;
static void *status_hook_opaque;
static char *incoming_uri;
static bool incoming_pending;
static bool incoming_autostart;
/* The last stream header read said the guest was running at its save. */
static bool incoming_was_running = true;

static const char *const status_names[] = {
    [MIGRATION_STATUS_NONE] = "none",
    [MIGRATION_STATUS_SETUP] = "setup",
    [MIGRATION_STATUS_ACTIVE] = "active",
    [MIGRATION_STATUS_DEVICE] = "device",
    [MIGRATION_STATUS_COMPLETED] = "completed",
    [MIGRATION_STATUS_FAILED] = "failed",
    [MIGRATION_STATUS_CANCELLED] = "cancelled",
};

const char *migration_status_name(MigrationStatus st)
{
    return (unsigned)st < G_N_ELEMENTS(status_names) ? status_names[st] : "unknown";
}

void migration_set_status_hook(MigrationStatusHook *fn, void *opaque)
{
    status_hook = fn;
    status_hook_opaque = opaque;
}

static void set_status(MigrationStatus st)
{
    info.status = st;
    if (status_hook) {
        status_hook(st, status_hook_opaque);
    }
}

const MigrationInfo *migration_get_info(void)
{
    return &info;
}

bool migration_is_active(void)
{
    return info.status == MIGRATION_STATUS_SETUP || info.status == MIGRATION_STATUS_ACTIVE ||
           info.status == MIGRATION_STATUS_DEVICE;
}

void migration_set_incoming_uri(const char *uri, bool autostart)
{
    g_free(incoming_uri);
    incoming_uri = g_strdup(uri);
    incoming_pending = uri != NULL;
    incoming_autostart = autostart;
}

bool migration_incoming_autostart(void)
{
    return incoming_autostart && incoming_was_running;
}

const char *migration_incoming_uri(void)
{
    return incoming_uri;
}

bool migration_incoming_pending(void)
{
    return incoming_pending;
}

/* ---- the header ---- */

static uint8_t icount_code(void)
{
    return clock_icount_enabled() ? (uint8_t)(clock_icount_shift() + 1) : 0;
}

static bool save_header(VMStateStream *s, Error **errp)
{
    const GPtrArray *plugins = plugin_loaded();
    bool ok = vmstate_stream_put_u32(s, MIGRATION_MAGIC, errp) &&
              vmstate_stream_put_u32(s, MIGRATION_VERSION, errp) &&
              vmstate_stream_put_str(s, board_get_name() ? board_get_name() : "", errp) &&
              vmstate_stream_put_u64(s, board_ram_size(), errp) &&
              vmstate_stream_put_u32(s, (uint32_t)board_cpu_count(), errp) &&
              vmstate_stream_put_u32(s, plugins->len, errp);
    for (guint i = 0; ok && i < plugins->len; i++) {
        const LoadedPlugin *p = g_ptr_array_index(plugins, i);
        ok = vmstate_stream_put_str(s, p->name, errp) &&
             vmstate_stream_put_str(s, p->version ? p->version : "", errp);
    }
    CPUState *cpu = cpu_first();
    return ok && vmstate_stream_put_u8(s, icount_code(), errp) &&
           vmstate_stream_put_u8(s, cpu && !cpu->stopped, errp);
}

static const LoadedPlugin *find_plugin(const char *name)
{
    const GPtrArray *plugins = plugin_loaded();
    for (guint i = 0; i < plugins->len; i++) {
        const LoadedPlugin *p = g_ptr_array_index(plugins, i);
        if (!strcmp(p->name, name)) {
            return p;
        }
    }
    return NULL;
}

/* The stream must come from this board with the same RAM and every plugin
 * it used loaded here in the same version; otherwise the guest would wake
 * up on hardware it has never seen. */
static bool check_header(VMStateStream *s, Error **errp)
{
    uint32_t magic, version, nplugins;
    uint64_t ram;
    char *board = NULL;
    uint8_t icount;
    if (!vmstate_stream_get_u32(s, &magic, errp)) {
        return false;
    }
    if (magic != MIGRATION_MAGIC) {
        error_setg(errp, "not a cardcage migration stream (magic 0x%08x, expected 0x%08x)",
                   magic, MIGRATION_MAGIC);
        return false;
    }
    if (!vmstate_stream_get_u32(s, &version, errp)) {
        return false;
    }
    if (version != MIGRATION_VERSION) {
        error_setg(errp, "migration stream version %u; this cardcage reads version %u",
                   version, MIGRATION_VERSION);
        return false;
    }
    if (!vmstate_stream_get_str(s, &board, errp)) {
        return false;
    }
    const char *here = board_get_name() ? board_get_name() : "";
    if (strcmp(board, here)) {
        error_setg(errp, "the stream was saved on board '%s'; this machine is '%s'", board,
                   here);
        g_free(board);
        return false;
    }
    g_free(board);
    if (!vmstate_stream_get_u64(s, &ram, errp)) {
        return false;
    }
    if (ram != board_ram_size()) {
        error_setg(errp, "the stream has %" PRIu64 " MiB of RAM; this machine has %" PRIu64
                   " MiB (use the same -m)", ram >> 20, board_ram_size() >> 20);
        return false;
    }
    uint32_t ncpus;
    if (!vmstate_stream_get_u32(s, &ncpus, errp)) {
        return false;
    }
    if (ncpus != (uint32_t)board_cpu_count()) {
        error_setg(errp, "the stream has %u CPUs; this machine has %d (use the same -smp)",
                   ncpus, board_cpu_count());
        return false;
    }
    if (!vmstate_stream_get_u32(s, &nplugins, errp)) {
        return false;
    }
    for (uint32_t i = 0; i < nplugins; i++) {
        char *name = NULL, *pver = NULL;
        if (!vmstate_stream_get_str(s, &name, errp) || !vmstate_stream_get_str(s, &pver, errp)) {
            g_free(name);
            return false;
        }
        const LoadedPlugin *p = find_plugin(name);
        bool ok = p && !strcmp(p->version ? p->version : "", pver);
        if (!p) {
            error_setg(errp, "the stream needs plugin '%s' (version %s), which is not loaded",
                       name, pver);
        } else if (!ok) {
            error_setg(errp, "the stream was saved with plugin '%s' version %s; version %s "
                       "is loaded", name, pver, p->version);
        }
        g_free(name);
        g_free(pver);
        if (!ok) {
            return false;
        }
    }
    if (!vmstate_stream_get_u8(s, &icount, errp)) {
        return false;
    }
    if (icount != icount_code()) {
        error_setg(errp, "the stream was saved %s; this machine runs %s (use the same -icount)",
                   icount ? "with -icount" : "in real-time mode",
                   icount_code() ? "with -icount" : "in real-time mode");
        return false;
    }
    uint8_t running;
    if (!vmstate_stream_get_u8(s, &running, errp)) {
        return false;
    }
    if (running > 1) {
        error_setg(errp, "the stream's run state is %u (0 or 1 expected)", running);
        return false;
    }
    incoming_was_running = running;
    return true;
}

/* ---- saving ---- */

static bool save_clock_and_devices(VMStateStream *s, Error **errp)
{
    if (!vmstate_stream_put_u8(s, MIG_REC_CLOCK, errp) ||
        !vmstate_stream_put_u64(s, (uint64_t)clock_get_ns(CC_CLOCK_VIRTUAL), errp)) {
        return false;
    }
    /* The device state goes through a buffer so that its length can lead
     * it: a reader checks the whole stream's framing before it loads any
     * device. */
    VMStateStream *dev = vmstate_stream_new_buffer();
    bool ok = vmstate_save_machine(dev, errp);
    if (ok) {
        size_t len;
        const uint8_t *data = vmstate_stream_data(dev, &len);
        ok = vmstate_stream_put_u8(s, MIG_REC_DEVICES, errp) &&
             vmstate_stream_put_u64(s, len, errp) &&
             vmstate_stream_put_bytes(s, data, len, errp);
    }
    vmstate_stream_free(dev);
    return ok;
}

static void info_reset(void)
{
    g_free(info.error_desc);
    memset(&info, 0, sizeof(info));
}

/*
 * The outgoing migration under way.  A live one is driven by the main
 * loop (migration_iterate) until the dirty RAM left is small enough to
 * send with the guest stopped.
 */
typedef struct Outgoing {
    int fd;
    GPid child;
    VMStateStream *s;
    MigrationRamLive *live;
    CPUState *cpu;
    bool was_running;
    bool stopped_by_us;
    int passes;
    int64_t t0, t_stop;
} Outgoing;

static Outgoing *out;

/* Stop the guest for the last part when a pass leaves at most this much
 * to send (a few ms of writing), or after this many passes of a guest
 * that dirties RAM faster than it can be sent. */
#define LIVE_STOP_PAGES 1024u
#define LIVE_MAX_PASSES 30
/* Host time one main-loop turn may spend sending RAM. */
#define LIVE_STEP_NS 3000000
#define LIVE_STEP_PAGES 256u

/* Close the channel and free; with ok false, the reason is in *err and
 * the guest runs again if it ran before. */
static void outgoing_end(bool ok, Error *err)
{
    Error *close_err = NULL;
    info.ram.transferred = vmstate_stream_tell(out->s);
    vmstate_stream_free(out->s);
    migration_ram_live_free(out->live);
    if (!migration_channel_close_out(out->fd, out->child, &close_err) && ok) {
        ok = false;
        err = close_err;
        close_err = NULL;
    }
    error_free(close_err);
    int64_t t1 = host_monotonic_ns();
    info.total_time_ms = (t1 - out->t0) / 1000000;
    if (out->t_stop) {
        info.downtime_ms = (t1 - out->t_stop) / 1000000;
    }
    if (ok) {
        runstate_set_stopped_state("postmigrate");
        g_free(out);
        out = NULL;
        set_status(MIGRATION_STATUS_COMPLETED);
        return;
    }
    info.error_desc = g_strdup(err ? error_get_pretty(err) : "cancelled");
    if (out->was_running && out->stopped_by_us) {
        runstate_vm_start(out->cpu);
    }
    g_free(out);
    out = NULL;
    set_status(err ? MIGRATION_STATUS_FAILED : MIGRATION_STATUS_CANCELLED);
    error_free(err);
}

/* Stop the guest and send the rest: the last RAM pass, clock, devices. */
static void outgoing_complete(void)
{
    Error *err = NULL;
    if (out->cpu && !out->cpu->stopped) {
        runstate_vm_stop(out->cpu);
        out->stopped_by_us = true;
    }
    /* Disk requests in flight complete now (their data and the devices'
     * completion state go into the stream; none is left to a worker). */
    blk_drain_all();
    out->t_stop = host_monotonic_ns();
    set_status(MIGRATION_STATUS_DEVICE);
    bool ok = (out->live ? migration_ram_live_finish(out->s, out->live, &info.ram, &err)
                         : migration_ram_save_all(out->s, &info.ram, &err)) &&
              save_clock_and_devices(out->s, &err) &&
              vmstate_stream_put_u8(out->s, MIG_REC_END, &err) &&
              vmstate_stream_flush(out->s, &err);
    outgoing_end(ok, err);
}

bool migration_start(const char *uri, Error **errp)
{
    if (migration_is_active()) {
        error_setg(errp, "a migration is already in progress");
        return false;
    }
    if (incoming_pending) {
        error_setg(errp, "the machine is waiting for an incoming migration");
        return false;
    }
    /* Refuse at once, before the guest is disturbed, when some device
     * cannot be saved. */
    if (!vmstate_machine_check(errp)) {
        return false;
    }
    int fd;
    GPid child;
    if (!migration_channel_open_out(uri, &fd, &child, errp)) {
        return false;
    }
    info_reset();
    out = g_new0(Outgoing, 1);
    out->fd = fd;
    out->child = child;
    out->t0 = host_monotonic_ns();
    out->cpu = cpu_first();
    out->was_running = out->cpu && !out->cpu->stopped;
    out->s = vmstate_stream_new_fd(fd);
    set_status(MIGRATION_STATUS_SETUP);
    info.ram.total = migration_ram_total();

    Error *err = NULL;
    if (!save_header(out->s, &err) || !migration_ram_save_table(out->s, &err)) {
        /* Accepted, then failed: it shows in query-migrate and the
         * MIGRATION event, as in QEMU. */
        outgoing_end(false, err);
        return true;
    }
    info.setup_time_ms = (host_monotonic_ns() - out->t0) / 1000000;
    if (!out->was_running) {
        /* Nothing changes RAM while the guest is stopped: one pass. */
        outgoing_complete();
        return true;
    }
    out->live = migration_ram_live_start();
    set_status(MIGRATION_STATUS_ACTIVE);
    return true;
}

void migration_cancel(void)
{
    if (out) {
        outgoing_end(false, NULL);
    }
}

bool migration_iterate(void)
{
    if (!out || !out->live || info.status != MIGRATION_STATUS_ACTIVE) {
        return false;
    }
    if (out->cpu && out->cpu->stopped && !out->stopped_by_us) {
        /* Stopped meanwhile (stop, the debugger): nothing changes RAM,
         * so finish now. */
        outgoing_complete();
        return false;
    }
    int64_t t_end = host_monotonic_ns() + LIVE_STEP_NS;
    do {
        Error *err = NULL;
        bool pass_done;
        if (!migration_ram_live_step(out->s, out->live, LIVE_STEP_PAGES, &pass_done, &info.ram,
                                     &err)) {
            outgoing_end(false, err);
            return false;
        }
        if (pass_done) {
            out->passes++;
            /* The guest is stopped for the pass that starts here when it
             * is short: migration_ram_live_finish sends it and what the
             * guest wrote before it stopped. */
            uint64_t pending = migration_ram_live_next_pass(out->live, &info.ram);
            if (pending <= LIVE_STOP_PAGES || out->passes >= LIVE_MAX_PASSES) {
                outgoing_complete();
                return false;
            }
            break;      /* let the guest run before the next pass */
        }
    } while (host_monotonic_ns() < t_end);
    info.total_time_ms = (host_monotonic_ns() - out->t0) / 1000000;
    info.ram.transferred = vmstate_stream_tell(out->s);
    return true;
}

/* ---- loading ---- */

/*
 * Walk the records after the header.  With apply false nothing changes:
 * every record's framing and bounds are checked and the device payload is
 * located.  With apply true the records are applied in order; the caller
 * has already loaded the devices.
 */
static bool walk_records(VMStateStream *s, MigrationRamTable **table, bool apply,
                         const uint8_t **devices, size_t *devices_len, int64_t *vclock,
                         Error **errp)
{
    bool have_end = false, have_clock = false;
    *devices = NULL;
    while (!have_end) {
        uint8_t tag;
        if (!vmstate_stream_get_u8(s, &tag, errp)) {
            return false;
        }
        switch (tag) {
        case MIG_REC_RAM_TABLE:
            if (*table) {
                error_setg(errp, "the stream has two RAM tables");
                return false;
            }
            *table = migration_ram_load_table(s, errp);
            if (!*table) {
                return false;
            }
            if (apply) {
                migration_ram_clear_all(*table);
            }
            break;
        case MIG_REC_RAM_PAGES:
        case MIG_REC_RAM_ZERO:
            if (!*table) {
                error_setg(errp, "RAM pages before the RAM table");
                return false;
            }
            if (!migration_ram_load_record(s, tag, *table, apply, errp)) {
                return false;
            }
            break;
        case MIG_REC_CLOCK: {
            uint64_t v;
            if (!vmstate_stream_get_u64(s, &v, errp)) {
                return false;
            }
            if ((int64_t)v < 0) {
                error_setg(errp, "the stream's virtual clock is negative");
                return false;
            }
            *vclock = (int64_t)v;
            have_clock = true;
            break;
        }
        case MIG_REC_DEVICES: {
            uint64_t len;
            if (*devices) {
                error_setg(errp, "the stream has two device sections");
                return false;
            }
            if (!vmstate_stream_get_u64(s, &len, errp)) {
                return false;
            }
            if (len > vmstate_stream_remaining(s)) {
                error_setg(errp, "the device section claims %" PRIu64 " bytes; %zu are left",
                           len, vmstate_stream_remaining(s));
                return false;
            }
            *devices = vmstate_stream_get_span(s, (size_t)len, errp);
            *devices_len = (size_t)len;
            break;
        }
        case MIG_REC_END:
            have_end = true;
            break;
        default:
            error_setg(errp, "unknown record type %u at offset %" PRIu64, tag,
                       vmstate_stream_tell(s) - 1);
            return false;
        }
    }
    if (!*table || !have_clock || !*devices) {
        error_setg(errp, "the stream ends without its %s",
                   !*table ? "RAM table" : !have_clock ? "clock" : "device state");
        return false;
    }
    if (vmstate_stream_remaining(s)) {
        error_setg(errp, "%zu bytes of garbage after the end of the stream",
                   vmstate_stream_remaining(s));
        return false;
    }
    return true;
}

/* Check the whole stream, load the devices, and only then write RAM and
 * the clock: a stream that fails anywhere leaves the machine as it was. */
static bool load_pass(const MigrationInput *in, Error **errp)
{
    VMStateStream *s = vmstate_stream_new_reader(in->data, in->len);
    MigrationRamTable *table = NULL;
    const uint8_t *devices;
    size_t devices_len = 0;
    int64_t vclock = 0;
    bool ok = check_header(s, errp) &&
              walk_records(s, &table, false, &devices, &devices_len, &vclock, errp);
    if (ok) {
        /* Devices first: they are the part that can still refuse, and a
         * refusal restores them, so RAM and clock are only touched once
         * everything was accepted. */
        VMStateStream *ds = vmstate_stream_new_reader(devices, devices_len);
        ok = vmstate_load_machine(ds, errp);
        if (ok && vmstate_stream_remaining(ds)) {
            error_setg(errp, "%zu bytes left over after the device state",
                       vmstate_stream_remaining(ds));
            ok = false;
        }
        vmstate_stream_free(ds);
        if (ok) {
            migration_ram_table_free(table);
            table = NULL;
            vmstate_stream_free(s);
            s = vmstate_stream_new_reader(in->data, in->len);
            ok = check_header(s, errp) &&
                 walk_records(s, &table, true, &devices, &devices_len, &vclock, errp);
            g_assert(ok);   /* the same bytes passed the same checks above */
            clock_set_virtual_ns(vclock);
        }
    }
    migration_ram_table_free(table);
    vmstate_stream_free(s);
    return ok;
}

bool migration_incoming(const char *uri, Error **errp)
{
    /* Four times RAM leaves room for several live passes over all of it;
     * a longer stream cannot have come from this machine. */
    uint64_t limit = migration_ram_total() * 4 + (64u << 20);
    MigrationInput in;
    if (!migration_channel_read_all(uri, limit, &in, errp)) {
        return false;
    }
    bool ok = load_pass(&in, errp);
    migration_input_free(&in);
    if (ok) {
        incoming_pending = false;
        /* Loaded and not yet running: QEMU says "paused" here (-S, or
         * until the caller starts it). */
        runstate_set_stopped_state("paused");
    }
    return ok;
}

/* ---- whole-machine state in memory (savevm/loadvm, savevm.c) ---- */

bool migration_save_buffer(uint8_t **data, size_t *len, Error **errp)
{
    if (migration_is_active()) {
        error_setg(errp, "a migration is in progress");
        return false;
    }
    if (!vmstate_machine_check(errp)) {
        return false;
    }
    blk_drain_all();
    VMStateStream *s = vmstate_stream_new_buffer();
    MigrationStats st = { 0 };
    bool ok = save_header(s, errp) && migration_ram_save_table(s, errp) &&
              migration_ram_save_all(s, &st, errp) && save_clock_and_devices(s, errp) &&
              vmstate_stream_put_u8(s, MIG_REC_END, errp);
    if (ok) {
        const uint8_t *d = vmstate_stream_data(s, len);
        *data = g_memdup2(d, *len);
    }
    vmstate_stream_free(s);
    return ok;
}

bool migration_load_buffer(const uint8_t *data, size_t len, Error **errp)
{
    MigrationInput in = { .data = data, .len = len };
    return load_pass(&in, errp);
}
