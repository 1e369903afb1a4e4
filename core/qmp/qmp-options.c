/*
 * -qmp, -qmp-pretty and -mon at start-up: create the backends -qmp names
 * and put a QMP session or a human monitor on each.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "chardev/chardev-internal.h"
#include "main/options.h"
#include "monitor/monitor.h"
#include "qmp/qmp-internal.h"

bool qmp_specs_use_stdio(GPtrArray *mons)
{
    for (guint i = 0; mons && i < mons->len; i++) {
        const MonitorOpt *m = g_ptr_array_index(mons, i);
        if (m->chardev_spec && !strcmp(m->chardev_spec, "stdio")) {
            return true;
        }
    }
    return false;
}

bool qmp_start_from_options(GPtrArray *mons, Error **errp)
{
    int n = 0;
    for (guint i = 0; mons && i < mons->len; i++) {
        const MonitorOpt *m = g_ptr_array_index(mons, i);
        char *id = m->chardev_id ? g_strdup(m->chardev_id) : g_strdup_printf("qmp%d", n++);
        bool ok = true;
        if (m->chardev_spec && !chardev_new_from_spec(id, m->chardev_spec, errp)) {
            error_prepend(errp, "-qmp %s: ", m->chardev_spec);
            ok = false;
        }
        if (ok) {
            ok = m->control ? qmp_monitor_start(id, m->pretty, errp) : monitor_start(id, errp);
            if (!ok && !m->chardev_spec) {
                error_prepend(errp, "-mon chardev=%s: ", id);
            }
        }
        g_free(id);
        if (!ok) {
            return false;
        }
    }
    return true;
}
