/*
 * The migration commands of QMP (QEMU's qapi/migration.json): migrate,
 * migrate-incoming, migrate_cancel, query-migrate and the MIGRATION event;
 * and savevm/loadvm/delvm/query of snapshots, which need a qcow2 disk.
 * The human monitor's migrate, migrate_incoming, migrate_cancel and info
 * migrate call these.
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <string.h>
#include <json-c/json.h>
#include <cardcage/module.h>
#include <cardcage/qmp.h>
#include <cardcage/timer.h>
#include "cpu/cpu.h"
#include "main/runstate.h"
#include "migration/migration.h"
#include "migration/savevm.h"

static json_object *query_migrate(json_object *args, Error **errp)
{
    const MigrationInfo *mi = migration_get_info();
    json_object *r = json_object_new_object();
    if (mi->status == MIGRATION_STATUS_NONE) {
        /* QEMU answers {} before the first migration. */
        return r;
    }
    json_object_object_add(r, "status",
                           json_object_new_string(migration_status_name(mi->status)));
    json_object_object_add(r, "setup-time", json_object_new_int64(mi->setup_time_ms));
    json_object_object_add(r, "total-time", json_object_new_int64(mi->total_time_ms));
    if (mi->status == MIGRATION_STATUS_COMPLETED) {
        json_object_object_add(r, "downtime", json_object_new_int64(mi->downtime_ms));
    } else if (migration_is_active()) {
        json_object_object_add(r, "expected-downtime", json_object_new_int64(300));
    }
    json_object *ram = json_object_new_object();
    const MigrationStats *st = &mi->ram;
    json_object_object_add(ram, "transferred", json_object_new_int64((int64_t)st->transferred));
    json_object_object_add(ram, "remaining", json_object_new_int64((int64_t)st->remaining));
    json_object_object_add(ram, "total", json_object_new_int64((int64_t)st->total));
    json_object_object_add(ram, "duplicate", json_object_new_int64((int64_t)st->duplicate));
    json_object_object_add(ram, "normal", json_object_new_int64((int64_t)st->normal));
    json_object_object_add(ram, "normal-bytes", json_object_new_int64((int64_t)st->normal_bytes));
    json_object_object_add(ram, "dirty-sync-count",
                           json_object_new_int64((int64_t)st->dirty_sync_count));
    json_object_object_add(ram, "page-size", json_object_new_int64(MIGRATION_PAGE_SIZE));
    double secs = mi->total_time_ms > 0 ? mi->total_time_ms / 1000.0 : 0;
    json_object_object_add(ram, "mbps",
                           json_object_new_double(secs > 0 ? st->transferred * 8 / 1e6 / secs
                                                           : 0));
    json_object_object_add(r, "ram", ram);
    if (mi->status == MIGRATION_STATUS_FAILED && mi->error_desc) {
        json_object_object_add(r, "error-desc", json_object_new_string(mi->error_desc));
    }
    return r;
}

static bool refuse_flag(json_object *args, const char *name, const char *why, Error **errp)
{
    json_object *v = json_object_object_get(args, name);
    if (v && json_object_get_boolean(v)) {
        error_setg(errp, "%s", why);
        return false;
    }
    return true;
}

static json_object *migrate(json_object *args, Error **errp)
{
    if (!refuse_flag(args, "blk", "block migration needs disks, which cardcage has not yet",
                     errp) ||
        !refuse_flag(args, "inc", "block migration needs disks, which cardcage has not yet",
                     errp) ||
        !refuse_flag(args, "resume", "there is no paused postcopy migration to resume",
                     errp)) {
        return NULL;
    }
    const char *uri = json_object_get_string(json_object_object_get(args, "uri"));
    return migration_start(uri, errp) ? qmp_ok() : NULL;
}

static json_object *migrate_incoming(json_object *args, Error **errp)
{
    if (!migration_incoming_pending()) {
        error_setg(errp, "'-incoming' was not specified on the command line");
        return NULL;
    }
    if (strcmp(migration_incoming_uri(), "defer")) {
        error_setg(errp, "The incoming migration has already been started");
        return NULL;
    }
    const char *uri = json_object_get_string(json_object_object_get(args, "uri"));
    if (!migration_incoming(uri, errp)) {
        return NULL;
    }
    if (migration_incoming_autostart()) {
        runstate_vm_start(cpu_first());
    }
    return qmp_ok();
}

static json_object *migrate_cancel(json_object *args, Error **errp)
{
    migration_cancel();
    return qmp_ok();
}

/* Internal snapshots (savevm.c).  QEMU runs these as jobs; here they
 * complete before the reply (the machine is stopped meanwhile). */
static const char *tag_arg(json_object *args)
{
    json_object *v = json_object_object_get(args, "tag");
    return v ? json_object_get_string(v) : "";
}

static json_object *snapshot_save(json_object *args, Error **errp)
{
    return savevm_save(tag_arg(args), errp) ? qmp_ok() : NULL;
}

static json_object *snapshot_load(json_object *args, Error **errp)
{
    return savevm_load(tag_arg(args), errp) ? qmp_ok() : NULL;
}

static json_object *snapshot_delete(json_object *args, Error **errp)
{
    return savevm_delete(tag_arg(args), errp) ? qmp_ok() : NULL;
}

/*
 * x-stop-at: stop the machine when the virtual clock reaches ns.  Under
 * -icount the virtual clock counts instructions, so this stops at an exact
 * instruction count: a save taken there and restored must give the same
 * guest output as a run never stopped (tests/functional/migrate.py).
 */
static Timer *stop_timer;

static void stop_at_fire(void *opaque)
{
    runstate_vm_stop(cpu_first());
}

static json_object *stop_at(json_object *args, Error **errp)
{
    int64_t ns = json_object_get_int64(json_object_object_get(args, "ns"));
    if (ns <= clock_get_ns(CC_CLOCK_VIRTUAL)) {
        error_setg(errp, "virtual time %" PRId64 " ns has passed (it is %" PRId64 " ns)", ns,
                   clock_get_ns(CC_CLOCK_VIRTUAL));
        return NULL;
    }
    if (!stop_timer) {
        stop_timer = timer_new_ns(CC_CLOCK_VIRTUAL, stop_at_fire, NULL);
    }
    timer_mod_ns(stop_timer, ns);
    return qmp_ok();
}

static const QmpCommandInfo migration_commands[] = {
    { .name = "x-stop-at", .args = "ns:int", .handler = stop_at },
    { .name = "migrate", .args = "uri:str ?blk:bool ?inc:bool ?detach:bool ?resume:bool",
      .handler = migrate },
    { .name = "migrate-incoming", .args = "uri:str", .handler = migrate_incoming },
    { .name = "migrate_cancel", .handler = migrate_cancel },
    { .name = "query-migrate", .returns = "MigrationInfo", .handler = query_migrate },
    { .name = "snapshot-save", .args = "job-id:str tag:str vmstate:str devices:array",
      .handler = snapshot_save },
    { .name = "snapshot-load", .args = "job-id:str tag:str vmstate:str devices:array",
      .handler = snapshot_load },
    { .name = "snapshot-delete", .args = "job-id:str tag:str devices:array",
      .handler = snapshot_delete },
};

static const QmpEventInfo migration_event = { .name = "MIGRATION", .data = "status:str" };

static void emit_status(MigrationStatus st, void *opaque)
{
    json_object *data = json_object_new_object();
    json_object_object_add(data, "status", json_object_new_string(migration_status_name(st)));
    qmp_event_emit("MIGRATION", data);
}

static void migration_qapi(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(migration_commands); i++) {
        qmp_register_command(&migration_commands[i], &error_abort);
    }
    qmp_register_event(&migration_event, &error_abort);
    migration_set_status_hook(emit_status, NULL);
}

qapi_init(migration_qapi)
