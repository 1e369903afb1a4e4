/*
 * Module lists: registration by constructor, run order, each entry once,
 * and entries that a plugin registers while it loads.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include <cardcage/cardcage.h>
#include "module/module-internal.h"
#include "module/plugin-loader.h"
#include "qom/type-internal.h"

static char order[64];

static void record(char c)
{
    size_t n = strlen(order);
    order[n] = c;
    order[n + 1] = '\0';
}

static void qom_a(void) { record('q'); }
static void qom_b(void) { record('Q'); }
static void machine_a(void) { record('m'); }
static void block_a(void) { record('b'); }
static void qapi_a(void) { record('a'); }

/* Registered by constructors before main(), like any core file's. */
type_init(qom_a)
type_init(qom_b)
machine_init(machine_a)
block_init(block_a)
qapi_init(qapi_a)

static char *plugin_path(void)
{
    return g_build_filename(g_getenv("CARDCAGE_BUILD_ROOT"), "tests", "plugins",
                            "test-device.so", NULL);
}

static void test_constructors_only_register(void **state)
{
    /* Nothing ran before its list was called. */
    assert_string_equal(order, "");
    assert_false(module_list_initialised(MODULE_INIT_QOM));
    assert_true(module_list_length(MODULE_INIT_QOM) >= 2);
}

static void test_order_and_run_once(void **state)
{
    module_call_init(MODULE_INIT_QOM);
    assert_string_equal(order, "qQ");         /* registration order */
    module_call_init(MODULE_INIT_QOM);
    assert_string_equal(order, "qQ");         /* never twice */
    module_call_init(MODULE_INIT_MACHINE);
    assert_string_equal(order, "qQm");
}

static void test_plugin_entries(void **state)
{
    /* QOM and MACHINE have run, BLOCK has not: the plugin's QOM and
     * MACHINE entries run as it loads, its BLOCK entry waits. */
    char *path = plugin_path();
    Error *err = NULL;
    const LoadedPlugin *p = plugin_load_file(path, &err);
    if (!p) {
        fail_msg("%s", error_get_pretty(err));
    }
    assert_true(type_exists("test-isa-device"));
    assert_true(type_exists("test-device-machine-marker"));
    assert_false(type_exists("test-device-block-marker"));
    module_call_init(MODULE_INIT_BLOCK);
    assert_true(type_exists("test-device-block-marker"));
    /* Types registered by a plugin's later entries belong to the plugin. */
    assert_string_equal(type_get_plugin(type_get_by_name("test-device-block-marker")),
                        "test-device");
    assert_string_equal(order, "qQmb");
    /* Calling the lists again runs none of the plugin's entries twice
     * (a second registration of a marker type would be refused loudly). */
    module_call_init(MODULE_INIT_QOM);
    module_call_init(MODULE_INIT_MACHINE);
    module_call_init(MODULE_INIT_BLOCK);
    assert_string_equal(order, "qQmb");
    module_call_init(MODULE_INIT_QAPI);
    assert_string_equal(order, "qQmba");
    g_free(path);
}

static void test_discarded_batch(void **state)
{
    /* A refused plugin's entries that had not run are forgotten. */
    int before = module_list_length(MODULE_INIT_BLOCK);
    module_batch_begin();
    register_module_init(block_a, MODULE_INIT_BLOCK);
    assert_int_equal(module_batch_count(), 1);
    module_batch_discard();
    module_batch_end();
    assert_int_equal(module_list_length(MODULE_INIT_BLOCK), before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constructors_only_register),
        cmocka_unit_test(test_order_and_run_once),
        cmocka_unit_test(test_plugin_entries),
        cmocka_unit_test(test_discarded_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
