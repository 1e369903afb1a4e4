/*
 * The block layer's QMP events and its part in the machine's run state:
 * BLOCK_IO_ERROR (with werror/rerror), DEVICE_TRAY_MOVED, and the pause
 * for a stopped request.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <string.h>
#include <json-c/json.h>
#include <cardcage/device.h>
#include <cardcage/qmp.h>
#include "block/aio.h"
#include "board/board.h"
#include "main/runstate.h"

static const char *qdev_path(BlockBackend *blk)
{
    if (!blk->dev) {
        return NULL;
    }
    const char *id = device_get_id(blk->dev);
    return id;
}

void blk_emit_io_error(BlockBackend *blk, bool is_write, BlockErrorAction action, int err)
{
    json_object *d = json_object_new_object();
    const char *qdev = qdev_path(blk);
    json_object_object_add(d, "device", json_object_new_string(blk->is_blockdev ? ""
                                                                                 : blk->name));
    if (qdev) {
        json_object_object_add(d, "qom-path", json_object_new_string(qdev));
    }
    if (blk->root) {
        json_object_object_add(d, "node-name", json_object_new_string(bdrv_node_name(blk->root)));
    }
    json_object_object_add(d, "operation", json_object_new_string(is_write ? "write" : "read"));
    /* QEMU's action names: report, ignore, stop. */
    const char *a = action == BLOCK_ERROR_STOP ? "stop"
                    : action == BLOCK_ERROR_IGNORE ? "ignore" : "report";
    json_object_object_add(d, "action", json_object_new_string(a));
    json_object_object_add(d, "nospace", json_object_new_boolean(err == ENOSPC));
    json_object_object_add(d, "reason", json_object_new_string(g_strerror(err)));
    qmp_event_emit("BLOCK_IO_ERROR", d);
}

void blk_emit_tray_moved(BlockBackend *blk, bool open)
{
    json_object *d = json_object_new_object();
    json_object_object_add(d, "device", json_object_new_string(blk->is_blockdev ? ""
                                                                                 : blk->name));
    const char *qdev = qdev_path(blk);
    json_object_object_add(d, "id", json_object_new_string(qdev ? qdev : ""));
    json_object_object_add(d, "tray-open", json_object_new_boolean(open));
    qmp_event_emit("DEVICE_TRAY_MOVED", d);
}

void blk_vm_stop_for_error(void)
{
    struct CPUState *cpu = board_get_cpu();
    if (cpu) {
        runstate_vm_stop(cpu);
        runstate_set_stopped_state("io-error");
    }
}

static const QmpEventInfo block_events[] = {
    { "BLOCK_IO_ERROR", "device:str ?node-name:str operation:str action:str ?nospace:bool "
                        "reason:str" },
    { "DEVICE_TRAY_MOVED", "device:str id:str tray-open:bool" },
};

static void block_events_qapi(void)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(block_events); i++) {
        qmp_register_event(&block_events[i], &error_abort);
    }
}
qapi_init(block_events_qapi)
