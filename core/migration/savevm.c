/*
 * savevm/loadvm/delvm: a snapshot named NAME in every writable qcow2
 * disk, the machine's state (migration_save_buffer's stream) stored in the
 * VM state area of the first of them (QEMU's bdrv_all_find_vmstate_bs
 * picks the same way).  The guest is stopped meanwhile and runs again
 * afterwards if it ran before.
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <string.h>
#include <cardcage/timer.h>
#include "block/block-internal.h"
#include "cpu/cpu.h"
#include "main/runstate.h"
#include "migration/migration.h"
#include "migration/savevm.h"
#include "timer/clock-internal.h"

/* Writable qcow2 nodes (backing nodes are read-only, so not among them). */
static GPtrArray *snapshot_nodes(void)
{
    GPtrArray *all = bdrv_all_nodes(), *out = g_ptr_array_new();
    for (guint i = 0; i < all->len; i++) {
        BlockDriverState *bs = all->pdata[i];
        if (bs->drv && !strcmp(bs->drv->format_name, "qcow2") && !bdrv_is_read_only(bs) &&
            bs->drv->snapshot_create) {
            g_ptr_array_add(out, bs);
        }
    }
    g_ptr_array_free(all, TRUE);
    return out;
}

static GPtrArray *nodes_or_error(Error **errp)
{
    GPtrArray *n = snapshot_nodes();
    if (!n->len) {
        error_setg(errp, "no writable qcow2 disk to keep a snapshot in (give one with "
                   "-drive file=X.qcow2,format=qcow2)");
        g_ptr_array_free(n, TRUE);
        return NULL;
    }
    return n;
}

static bool has_snapshot(BlockDriverState *bs, const char *name, BlockSnapshotInfo *found)
{
    BlockSnapshotInfo *l = NULL;
    int n = bdrv_snapshot_list(bs, &l);
    bool yes = false;
    for (int i = 0; i < n && !yes; i++) {
        if (!strcmp(l[i].name, name) || !strcmp(l[i].id_str, name)) {
            yes = true;
            if (found) {
                *found = l[i];
            }
        }
    }
    g_free(l);
    return yes;
}

bool savevm_save(const char *name, Error **errp)
{
    GPtrArray *nodes = nodes_or_error(errp);
    if (!nodes) {
        return false;
    }
    CPUState *cpu = cpu_first();
    bool was_running = cpu && !cpu->stopped;
    if (was_running) {
        runstate_vm_stop(cpu);
    }
    uint8_t *data = NULL;
    size_t len = 0;
    bool ok = migration_save_buffer(&data, &len, errp);
    for (guint i = 0; ok && i < nodes->len; i++) {
        BlockDriverState *bs = nodes->pdata[i];
        /* An existing snapshot of that name is replaced, as in QEMU. */
        if (name[0] && has_snapshot(bs, name, NULL)) {
            ok = bdrv_snapshot_delete(bs, name, errp);
        }
        BlockSnapshotInfo sn = { 0 };
        g_strlcpy(sn.name, name, sizeof(sn.name));
        sn.vm_clock_nsec = (uint64_t)clock_get_ns(CC_CLOCK_VIRTUAL);
        if (ok && i == 0) {
            int64_t r = bdrv_save_vmstate(bs, data, 0, (int64_t)len);
            if (r < 0) {
                error_setg_errno(errp, (int)-r, "savevm: writing the VM state to '%s'",
                                 bdrv_filename(bs));
                ok = false;
            }
            sn.vm_state_size = len;
        }
        ok = ok && bdrv_snapshot_create(bs, &sn, errp) && bdrv_flush(bs) >= 0;
    }
    g_free(data);
    g_ptr_array_free(nodes, TRUE);
    if (was_running) {
        runstate_vm_start(cpu);
    }
    return ok;
}

bool savevm_load(const char *name, Error **errp)
{
    GPtrArray *nodes = nodes_or_error(errp);
    if (!nodes) {
        return false;
    }
    BlockDriverState *first = nodes->pdata[0];
    BlockSnapshotInfo sn;
    bool ok = true;
    if (!has_snapshot(first, name, &sn)) {
        error_setg(errp, "snapshot '%s' does not exist in '%s'", name, bdrv_filename(first));
        ok = false;
    } else if (!sn.vm_state_size) {
        error_setg(errp, "snapshot '%s' has no VM state (a disk-only snapshot)", name);
        ok = false;
    } else if (sn.vm_state_size > (1ull << 40)) {
        error_setg(errp, "snapshot '%s': VM state of %" PRIu64 " bytes is too large", name,
                   sn.vm_state_size);
        ok = false;
    }
    for (guint i = 1; ok && i < nodes->len; i++) {
        if (!has_snapshot(nodes->pdata[i], name, NULL)) {
            error_setg(errp, "snapshot '%s' does not exist in '%s'", name,
                       bdrv_filename(nodes->pdata[i]));
            ok = false;
        }
    }
    if (!ok) {
        g_ptr_array_free(nodes, TRUE);
        return false;
    }
    CPUState *cpu = cpu_first();
    bool was_running = cpu && !cpu->stopped;
    if (was_running) {
        runstate_vm_stop(cpu);
    }
    blk_drain_all();
    for (guint i = 0; ok && i < nodes->len; i++) {
        ok = bdrv_snapshot_goto(nodes->pdata[i], name, errp);
    }
    uint8_t *data = ok ? g_try_malloc(sn.vm_state_size) : NULL;
    if (ok && !data) {
        error_setg(errp, "loadvm: no memory for %" PRIu64 " bytes of VM state",
                   sn.vm_state_size);
        ok = false;
    }
    if (ok) {
        int64_t r = bdrv_load_vmstate(first, data, 0, (int64_t)sn.vm_state_size);
        if (r < 0) {
            error_setg_errno(errp, (int)-r, "loadvm: reading the VM state");
            ok = false;
        }
    }
    ok = ok && migration_load_buffer(data, sn.vm_state_size, errp);
    g_free(data);
    g_ptr_array_free(nodes, TRUE);
    if (was_running) {
        runstate_vm_start(cpu);
    }
    return ok;
}

bool savevm_delete(const char *name, Error **errp)
{
    GPtrArray *nodes = nodes_or_error(errp);
    if (!nodes) {
        return false;
    }
    bool ok = true, any = false;
    for (guint i = 0; ok && i < nodes->len; i++) {
        if (has_snapshot(nodes->pdata[i], name, NULL)) {
            any = true;
            ok = bdrv_snapshot_delete(nodes->pdata[i], name, errp);
        }
    }
    if (ok && !any) {
        error_setg(errp, "snapshot '%s' not found", name);
        ok = false;
    }
    g_ptr_array_free(nodes, TRUE);
    return ok;
}

bool savevm_info(GString *out, Error **errp)
{
    GPtrArray *nodes = nodes_or_error(errp);
    if (!nodes) {
        return false;
    }
    BlockSnapshotInfo *l = NULL;
    int n = bdrv_snapshot_list(nodes->pdata[0], &l);
    if (n <= 0) {
        g_string_append(out, "There is no snapshot available.\n");
    } else {
        g_string_append_printf(out, "List of snapshots present on all disks:\n"
                               "ID        TAG               VM SIZE                DATE"
                               "     VM CLOCK     ICOUNT\n");
        for (int i = 0; i < n; i++) {
            GDateTime *dt = g_date_time_new_from_unix_local(l[i].date_sec);
            char *date = dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M:%S") : g_strdup("");
            unsigned long long ns = l[i].vm_clock_nsec;
            g_string_append_printf(out, "%-9s %-17s %7" PRIu64 " KiB %s %02llu:%02llu:%02llu.%03llu\n",
                                   l[i].id_str, l[i].name, l[i].vm_state_size / 1024, date,
                                   ns / 3600000000000ull, ns / 60000000000ull % 60,
                                   ns / 1000000000ull % 60, ns / 1000000ull % 1000);
            g_free(date);
            if (dt) {
                g_date_time_unref(dt);
            }
        }
    }
    g_free(l);
    g_ptr_array_free(nodes, TRUE);
    return true;
}
