/*
 * query-cpus-fast (QEMU's qapi/machine.json): the CPUs with their index,
 * QOM path, host thread and topology.  cardcage runs every CPU on the
 * main loop's thread, so that is the thread reported.
 *
 * SPDX-License-Identifier: MIT
 */
#include <unistd.h>
#include <sys/syscall.h>
#include <json-c/json.h>
#include <cardcage/module.h>
#include <cardcage/qmp.h>
#include "cpu/cpu.h"

static json_object *query_cpus_fast(json_object *args, Error **errp)
{
    json_object *list = json_object_new_array();
    for (CPUState *cpu = cpu_first(); cpu; cpu = cpu_next(cpu)) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "thread-id", json_object_new_int64(syscall(SYS_gettid)));
        /* One socket, one core, one thread per CPU (no -smp topology). */
        json_object *props = json_object_new_object();
        json_object_object_add(props, "core-id", json_object_new_int64(0));
        json_object_object_add(props, "thread-id", json_object_new_int64(0));
        json_object_object_add(props, "socket-id", json_object_new_int64(cpu->cpu_index));
        json_object_object_add(o, "props", props);
        char *path = object_get_canonical_path(OBJECT(cpu));
        json_object_object_add(o, "qom-path", json_object_new_string(path ? path : ""));
        g_free(path);
        json_object_object_add(o, "cpu-index", json_object_new_int64(cpu->cpu_index));
        json_object_object_add(o, "target", json_object_new_string("i386"));
        json_object_array_add(list, o);
    }
    return list;
}

static const QmpCommandInfo cpu_command = {
    "query-cpus-fast", NULL, "[CpuInfoFast]", query_cpus_fast,
};

static void cpu_qmp_register(void)
{
    qmp_register_command(&cpu_command, &error_abort);
}
qapi_init(cpu_qmp_register)
