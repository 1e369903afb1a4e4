/*
 * query-machines (QEMU's qapi/machine.json): one entry per board file
 * found, as -M help lists them.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <json-c/json.h>
#include <cardcage/module.h>
#include <cardcage/qmp.h>
#include "board/board.h"

/* The board -M uses when none is named (core/main/cardcage-main.c). */
#define DEFAULT_BOARD "pc"

static json_object *query_machines(json_object *args, Error **errp)
{
    json_object *list = json_object_new_array();
    GSList *classes = object_class_get_list(TYPE_MACHINE, false);
    for (GSList *l = classes; l; l = l->next) {
        MachineClass *mc = l->data;
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(mc->board_name));
        if (!strcmp(mc->board_name, DEFAULT_BOARD)) {
            json_object_object_add(o, "is-default", json_object_new_boolean(true));
        }
        /* One CPU, no hotplug, no NUMA, no ACPI: the boards are ISA PCs. */
        json_object_object_add(o, "cpu-max", json_object_new_int64(1));
        json_object_object_add(o, "hotpluggable-cpus", json_object_new_boolean(false));
        json_object_object_add(o, "numa-mem-supported", json_object_new_boolean(false));
        json_object_object_add(o, "deprecated", json_object_new_boolean(false));
        json_object_object_add(o, "acpi", json_object_new_boolean(false));
        json_object_array_add(list, o);
    }
    g_slist_free(classes);
    return list;
}

static const QmpCommandInfo machine_command = {
    "query-machines", NULL, "[MachineInfo]", query_machines,
};

static void machine_qmp_register(void)
{
    qmp_register_command(&machine_command, &error_abort);
}
qapi_init(machine_qmp_register)
