/*
 * -smp [cpus=]N[,maxcpus=M][,sockets=S][,dies=1][,cores=C][,threads=T]:
 * how many CPUs start, how many the machine could hold, and their topology,
 * with QEMU's rules (its documentation of -smp, "CPU topology"): omitted
 * values are computed from the given ones, preferring cores over sockets
 * (as QEMU's machine types since 6.2 do), threads default to 1, and
 * the product sockets * dies * cores * threads must equal maxcpus, which
 * must be at least cpus.  Whether the board can take that many is checked
 * when it is built (its "cpu" "max").
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "main/options.h"
#include "util/keyval.h"

/* Above this, no board could ever take them (8-bit APIC IDs); checked
 * here so that the products below cannot overflow. */
#define SMP_PARSE_LIMIT 4096

enum { SMP_CPUS, SMP_MAX, SMP_SOCKETS, SMP_DIES, SMP_CORES, SMP_THREADS, SMP_N };

static const char *const smp_keys[] = { "cpus", "maxcpus", "sockets", "dies", "cores",
                                        "threads", NULL };

static bool smp_values(const char *arg, uint64_t v[SMP_N], Error **errp)
{
    KeyVal *kv = options_parse_list("smp", arg, "cpus", 0, smp_keys, errp);
    if (!kv) {
        return false;
    }
    bool ok = true;
    for (int i = 0; ok && i < SMP_N; i++) {
        const char *text = keyval_get(kv, smp_keys[i]);
        v[i] = 0;
        if (!text) {
            continue;
        }
        if (!cc_parse_uint64(text, &v[i]) || v[i] > SMP_PARSE_LIMIT) {
            error_setg(errp, "-smp %s: %s=%s is not a CPU count (1 to %d)", arg, smp_keys[i],
                       text, SMP_PARSE_LIMIT);
            ok = false;
        } else if (v[i] == 0) {
            error_setg(errp, "-smp %s: %s must be at least 1", arg, smp_keys[i]);
            ok = false;
        }
    }
    keyval_free(kv);
    return ok;
}

bool options_parse_smp(Options *o, const char *arg, Error **errp)
{
    uint64_t v[SMP_N];
    if (!smp_values(arg, v, errp)) {
        return false;
    }
    uint64_t cpus = v[SMP_CPUS], max = v[SMP_MAX], sockets = v[SMP_SOCKETS];
    uint64_t dies = v[SMP_DIES] ? v[SMP_DIES] : 1, cores = v[SMP_CORES];
    uint64_t threads = v[SMP_THREADS] ? v[SMP_THREADS] : 1;
    /* QEMU: maxcpus defaults to cpus; an omitted topology value takes what
     * is left, cores first. */
    if (!cpus && !max && (!sockets || !cores)) {
        cpus = 1;
    }
    uint64_t total = max ? max : cpus;
    if (!total) {
        total = sockets * dies * cores * threads;
    }
    if (!cores) {
        if (!sockets) {
            sockets = 1;
            cores = total / (dies * threads);
            cores = cores ? cores : 1;
        } else {
            cores = total / (sockets * dies * threads);
            cores = cores ? cores : 1;
        }
    } else if (!sockets) {
        sockets = total / (dies * cores * threads);
        sockets = sockets ? sockets : 1;
    }
    uint64_t product = sockets * dies * cores * threads;
    if (!max) {
        max = product;
    }
    if (!cpus) {
        cpus = max;
    }
    if (product != max) {
        error_setg(errp, "-smp %s: invalid CPU topology: sockets (%" G_GUINT64_FORMAT
                   ") * dies (%" G_GUINT64_FORMAT ") * cores (%" G_GUINT64_FORMAT
                   ") * threads (%" G_GUINT64_FORMAT ") = %" G_GUINT64_FORMAT
                   ", but maxcpus is %" G_GUINT64_FORMAT, arg, sockets, dies, cores,
                   threads, product, max);
        return false;
    }
    if (cpus > max) {
        error_setg(errp, "-smp %s: %" G_GUINT64_FORMAT " CPUs, but maxcpus is %"
                   G_GUINT64_FORMAT " (it must be at least the CPU count)", arg, cpus, max);
        return false;
    }
    if (max > SMP_PARSE_LIMIT) {
        error_setg(errp, "-smp %s: %" G_GUINT64_FORMAT " CPUs is more than any board takes",
                   arg, max);
        return false;
    }
    o->smp_cpus = (int)cpus;
    o->smp_max = (int)max;
    o->smp_sockets = (int)sockets;
    o->smp_cores = (int)(cores * dies);
    o->smp_threads = (int)threads;
    return true;
}
