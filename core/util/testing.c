/*
 * Hooks for plugins' unit tests (include/cardcage/testing.h): thin doors
 * into the core's start-up, clock, run state, ring-buffer backend and input
 * layer, so that a test built against the installed SDK needs no
 * core-internal header.
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/input.h>
#include <cardcage/testing.h>
#include "chardev/chardev-internal.h"
#include "main/runstate.h"
#include "memory/memory-internal.h"
#include "module/plugin-loader.h"
#include "timer/clock-internal.h"

static bool initialised;
static uint64_t fake_insns;     /* the virtual clock reads fake_insns ns */

static uint64_t fake_icount(void *opaque)
{
    return fake_insns;
}

void testing_init(void)
{
    if (initialised) {
        return;
    }
    initialised = true;
    module_call_init(MODULE_INIT_QOM);
    module_call_init(MODULE_INIT_BLOCK);
    memory_init();
    clock_configure(0);
    clock_set_icount_source(fake_icount, NULL);
    clock_vm_start();
}

void testing_clock_reclaim(void)
{
    testing_init();
    clock_set_icount_source(fake_icount, NULL);
}

bool testing_load_plugin(const char *path, Error **errp)
{
    testing_init();
    return plugin_load_file(path, errp) != NULL;
}

void testing_advance_ns(int64_t ns)
{
    testing_init();
    int64_t target = clock_get_ns(CC_CLOCK_VIRTUAL) + ns;
    for (;;) {
        int64_t d = timers_deadline_ns(CC_CLOCK_VIRTUAL);
        int64_t now = clock_get_ns(CC_CLOCK_VIRTUAL);
        if (d < 0 || now + d > target) {
            break;
        }
        fake_insns += d;
        timers_run_expired(CC_CLOCK_VIRTUAL);
    }
    fake_insns += target - clock_get_ns(CC_CLOCK_VIRTUAL);
    timers_run_expired(CC_CLOCK_VIRTUAL);
}

bool testing_take_reset_request(void)
{
    return runstate_take_reset_request();
}

bool testing_take_shutdown_request(int *exit_code)
{
    return runstate_take_shutdown_request(exit_code);
}

Chardev *testing_chardev_new(const char *id, Error **errp)
{
    return chardev_new_from_spec(id, "ringbuf", errp);
}

size_t testing_chardev_input(Chardev *chr, const void *buf, size_t len)
{
    return chardev_ringbuf_inject(chr, buf, len);
}

size_t testing_chardev_output(Chardev *chr, void *buf, size_t max)
{
    return chardev_ringbuf_read(chr, buf, max);
}

bool testing_send_key(const char *name, bool down)
{
    int qnum = input_qnum_from_name(name);
    if (qnum < 0) {
        return false;
    }
    input_send_key(qnum, down);
    return true;
}
