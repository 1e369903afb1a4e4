/*
 * The run-state commands and events of QMP (QEMU's qapi/run-state.json):
 * query-status, stop, cont, system_reset, system_powerdown, quit, and the
 * STOP, RESUME, RESET, SHUTDOWN and POWERDOWN events that runstate.c
 * emits.  The human monitor's stop, cont, system_reset, quit and
 * info status call these.
 *
 * SPDX-License-Identifier: MIT
 */
#include <json-c/json.h>
#include <cardcage/module.h>
#include <cardcage/qmp.h>
#include <cardcage/system.h>
#include "board/board.h"
#include "cpu/cpu.h"
#include "main/runstate.h"
#include "migration/migration.h"

static CPUState *machine_cpu(Error **errp)
{
    CPUState *cpu = board_get_cpu();
    if (!cpu) {
        error_setg(errp, "the machine has no CPU");
    }
    return cpu;
}

static json_object *query_status(json_object *args, Error **errp)
{
    CPUState *cpu = board_get_cpu();
    json_object *r = json_object_new_object();
    json_object_object_add(r, "status", json_object_new_string(runstate_status_name(cpu)));
    /* QEMU's -singlestep (one instruction per block), which cardcage has
     * no use for: always false. */
    json_object_object_add(r, "singlestep", json_object_new_boolean(false));
    json_object_object_add(r, "running", json_object_new_boolean(cpu && !cpu->stopped));
    return r;
}

static json_object *stop(json_object *args, Error **errp)
{
    CPUState *cpu = machine_cpu(errp);
    if (!cpu) {
        return NULL;
    }
    runstate_vm_stop(cpu);
    return qmp_ok();
}

static json_object *cont(json_object *args, Error **errp)
{
    CPUState *cpu = machine_cpu(errp);
    if (!cpu) {
        return NULL;
    }
    if (migration_incoming_pending()) {
        /* QEMU's words: running now would run the fresh machine, which
         * the incoming state is about to replace. */
        error_setg(errp, "Guest is waiting for an incoming migration");
        return NULL;
    }
    runstate_vm_start(cpu);
    return qmp_ok();
}

static json_object *system_reset(json_object *args, Error **errp)
{
    runstate_reset_request(SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
    return qmp_ok();
}

/* The ACPI power button: a power management device (PIIX4 PM) hears it
 * through its powerdown notifier; the ISA boards have none, so, as on
 * QEMU's isapc, only the event is sent. */
static json_object *system_powerdown(json_object *args, Error **errp)
{
    system_powerdown_request();
    qmp_event_emit("POWERDOWN", NULL);
    return qmp_ok();
}

static json_object *quit(json_object *args, Error **errp)
{
    runstate_shutdown_request(0, SHUTDOWN_CAUSE_HOST_QMP_QUIT);
    return qmp_ok();
}

static const QmpCommandInfo runstate_commands[] = {
    { "query-status", NULL, "StatusInfo", query_status },
    { "stop", NULL, NULL, stop },
    { "cont", NULL, NULL, cont },
    { "system_reset", NULL, NULL, system_reset },
    { "system_powerdown", NULL, NULL, system_powerdown },
    { "quit", NULL, NULL, quit },
};

static const QmpEventInfo runstate_events[] = {
    { "STOP", NULL },
    { "RESUME", NULL },
    { "RESET", "guest:bool reason:str" },
    { "SHUTDOWN", "guest:bool reason:str" },
    { "POWERDOWN", NULL },
};

static void runstate_qmp_register(void)
{
    for (size_t i = 0; i < CC_ARRAY_SIZE(runstate_commands); i++) {
        qmp_register_command(&runstate_commands[i], &error_abort);
    }
    for (size_t i = 0; i < CC_ARRAY_SIZE(runstate_events); i++) {
        qmp_register_event(&runstate_events[i], &error_abort);
    }
}
qapi_init(runstate_qmp_register)
