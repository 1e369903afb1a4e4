/*
 * query-cpus-fast (QEMU's qapi/machine.json): the CPUs with their index,
 * QOM path, host thread and topology (-smp's sockets, cores and threads:
 * CPU i is thread i % threads of core i / threads % cores of socket
 * i / (cores * threads), as QEMU numbers them).  cardcage runs every CPU
 * on the main loop's thread, so that is the thread reported.
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <json-c/json.h>
#include <cardcage/module.h>
#include <cardcage/qmp.h>
#include "cpu/cpu.h"
#include "main/runstate.h"

static json_object *query_cpus_fast(json_object *args, Error **errp)
{
    json_object *list = json_object_new_array();
    for (CPUState *cpu = cpu_first(); cpu; cpu = cpu_next(cpu)) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "thread-id", json_object_new_int64(syscall(SYS_gettid)));
        int cores, threads, i = cpu->cpu_index;
        board_get_cpu_topology(&cores, &threads);
        json_object *props = json_object_new_object();
        json_object_object_add(props, "core-id", json_object_new_int64(i / threads % cores));
        json_object_object_add(props, "thread-id", json_object_new_int64(i % threads));
        json_object_object_add(props, "socket-id",
                               json_object_new_int64(i / (cores * threads)));
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

/* cardcage's own (QEMU's info registers is HMP only): the registers of
 * one CPU, the first by default. */
static json_object *query_registers(json_object *args, Error **errp)
{
    json_object *index = json_object_object_get(args, "cpu-index");
    CPUState *cpu = cpu_first();
    while (cpu && index && cpu->cpu_index != json_object_get_int64(index)) {
        cpu = cpu_next(cpu);
    }
    if (!cpu) {
        error_setg(errp, index ? "no CPU with index %" PRId64 : "the machine has no CPU",
                   index ? json_object_get_int64(index) : 0);
        return NULL;
    }
    CPUClass *cc = CPU_GET_CLASS(cpu);
    if (!cc->query_registers) {
        error_setg(errp, "CPU type '%s' cannot report its registers",
                   object_get_typename(OBJECT(cpu)));
        return NULL;
    }
    json_object *r = json_object_new_object();
    json_object_object_add(r, "cpu-index", json_object_new_int64(cpu->cpu_index));
    json_object_object_add(r, "groups", cc->query_registers(cpu));
    return r;
}

static const QmpCommandInfo cpu_commands[] = {
    { "query-cpus-fast", NULL, "[CpuInfoFast]", query_cpus_fast },
    { "x-query-registers", "?cpu-index:int", "CpuRegisters", query_registers },
};

static void cpu_qmp_register(void)
{
    for (size_t i = 0; i < CC_ARRAY_SIZE(cpu_commands); i++) {
        qmp_register_command(&cpu_commands[i], &error_abort);
    }
}
qapi_init(cpu_qmp_register)
