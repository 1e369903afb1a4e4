/*
 * The plugin loader: a good plugin, and every kind it must refuse (no
 * descriptor, another ABI, a type name already taken, not an ELF object, a
 * function nobody provides), with the refused plugin rolled back; a
 * directory scan where types depend on plugins that load later; a parent
 * type nobody provides, a parent chain that loops, structs smaller than
 * their parent's; plugins that each see their own descriptor.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <cardcage/cardcage.h>
#include "module/plugin-loader.h"
#include "qom/type-internal.h"

static char *plugins_dir;

static char *plugin(const char *name)
{
    return g_build_filename(plugins_dir, name, NULL);
}

static void expect_refused(const char *file, const char *reason)
{
    char *path = plugin(file);
    Error *err = NULL;
    assert_null(plugin_load_file(path, &err));
    assert_non_null(err);
    if (strcmp(error_get_pretty(err), reason)) {
        fail_msg("%s:\n  expected: %s\n  got:      %s", file, reason, error_get_pretty(err));
    }
    error_free(err);
    g_free(path);
}

static void test_good_plugin(void **state)
{
    char *path = plugin("test-device.so");
    Error *err = NULL;
    const LoadedPlugin *p = plugin_load_file(path, &err);
    assert_non_null(p);
    assert_string_equal(p->name, "test-device");
    assert_string_equal(p->version, "0.1");
    assert_string_equal(p->license, "MIT");
    /* It owns exactly the types its QOM entry registered (its MACHINE and
     * BLOCK entries have not run: those lists were not called here). */
    assert_int_equal(p->types->len, 3);
    assert_ptr_equal(plugin_find_by_type("test-isa-device"), p);
    assert_string_equal(type_get_plugin(type_get_by_name("test-isa-device")), "test-device");
    DeviceState *d = device_new("test-isa-device");
    assert_non_null(d);
    object_unref(d);
    /* Loading the same file again is not an error: it is the same plugin. */
    assert_ptr_equal(plugin_load_file(path, &err), p);
    g_free(path);
}

static void test_no_descriptor(void **state)
{
    expect_refused("no-descriptor.so", "no plugin descriptor: the file does not define "
                   "cardcage_plugin_info (declare it with CARDCAGE_PLUGIN(...))");
    /* Rolled back: its constructor's type_init never ran. */
    assert_false(type_exists("no-descriptor-type"));
}

static void test_abi_mismatch(void **state)
{
    char *reason = g_strdup_printf("built for plugin ABI %d.0, but this cardcage provides ABI "
                                   "%d.%d: it must be rebuilt against the cardcage %d SDK",
                                   CARDCAGE_ABI_MAJOR + 1, CARDCAGE_ABI_MAJOR,
                                   CARDCAGE_ABI_MINOR, CARDCAGE_ABI_MAJOR);
    expect_refused("abi-mismatch.so", reason);
    g_free(reason);
    assert_false(type_exists("abi-mismatch-type"));
}

/* A plugin built against the 1.x SDK (no state descriptions) is refused,
 * and told which SDK to rebuild against. */
static void test_abi_old(void **state)
{
    assert_int_equal(CARDCAGE_ABI_MAJOR, 2);
    /* The minor grows with every SDK addition: the message names it. */
    expect_refused("abi-old.so", "built for plugin ABI 1.1, but this cardcage provides ABI "
                   "2." G_STRINGIFY(CARDCAGE_ABI_MINOR) ": it must be rebuilt against the "
                   "cardcage 2 SDK");
    assert_false(type_exists("abi-old-type"));
}

static void test_duplicate_type(void **state)
{
    expect_refused("duplicate-type.so", "type 'test-isa-device' is already registered by "
                   "test-device");
    /* The type it registered before the clash is rolled back too, and the
     * original owner keeps its type. */
    assert_false(type_exists("duplicate-fresh-type"));
    assert_string_equal(type_get_plugin(type_get_by_name("test-isa-device")), "test-device");
}

static void test_not_elf(void **state)
{
    char *path = plugin("not-elf.so");
    Error *err = NULL;
    assert_null(plugin_load_file(path, &err));
    assert_true(g_str_has_prefix(error_get_pretty(err), "cannot be opened: "));
    assert_non_null(strstr(error_get_pretty(err), "not-elf.so"));
    error_free(err);
    g_free(path);
}

static void test_missing_file(void **state)
{
    expect_refused("does-not-exist.so", "cannot be opened: No such file or directory");
}

/* Resolved when opened, not at the first call (which would kill us). */
static void test_undefined_function(void **state)
{
    expect_refused("undefined-function.so", "it uses 'cardcage_no_such_function', which "
                   "neither cardcage's SDK nor the libraries it links provide (undefined "
                   "symbol)");
    assert_false(type_exists("undefined-function-device"));
}

/* Symbols stay local to each plugin: both define cardcage_plugin_info and
 * each reads its own. */
static void test_symbols_stay_local(void **state)
{
    static const char *const names[] = { "self-1", "self-2" };
    for (int i = 0; i < 2; i++) {
        char *file = g_strdup_printf("%s.so", names[i]);
        char *path = plugin(file);
        Error *err = NULL;
        assert_non_null(plugin_load_file(path, &err));
        g_free(path);
        g_free(file);
    }
    for (int i = 0; i < 2; i++) {
        char *type = g_strdup_printf("%s-device", names[i]);
        DeviceClass *dc = DEVICE_CLASS(object_class_by_name(type));
        assert_string_equal(dc->desc, names[i]);
        g_free(type);
    }
}

/* Scan a directory holding plugins whose types and symbols depend on each
 * other in the wrong alphabetical order, plus one that can never load. */
static void test_scan_resolves_dependencies(void **state)
{
    char *dir = g_dir_make_tmp("cardcage-plugins-XXXXXX", NULL);
    static const char *const files[] = {
        "a-derived.so", "b-base.so", "orphan.so", "not-elf.so", "loop.so",
        "small-instance.so", "small-class.so",
    };
    for (size_t i = 0; i < CC_ARRAY_SIZE(files); i++) {
        char *src = plugin(files[i]);
        char *dst = g_build_filename(dir, files[i], NULL);
        assert_int_equal(symlink(src, dst), 0);
        g_free(src);
        g_free(dst);
    }
    unsigned refused_before = plugin_refusals()->len;
    unsigned loaded_before = plugin_loaded()->len;
    plugin_add_dir(dir);
    plugin_load_all(true);
    /* a-derived (parent from b-base, loaded after it) and b-base. */
    assert_int_equal(plugin_loaded()->len - loaded_before, 2);
    assert_true(type_exists("derived-device"));
    DeviceState *d = device_new("derived-device");
    assert_non_null(object_dynamic_cast(OBJECT(d), "base-device"));
    object_unref(d);
    /* The others are refused, one line each, and their types are gone. */
    static const struct {
        const char *file, *reason, *type;
    } want[] = {
        { "orphan.so", "type 'orphan-device' derives from 'nonexistent-parent', which no "
          "loaded plugin or the core provides", "orphan-device" },
        { "loop.so", "the parent chain of type 'loop-a' loops (loop-a -> loop-b -> loop-a)",
          "loop-a" },
        { "small-instance.so", "type 'small-instance-device' declares an instance size of ",
          "small-instance-device" },
        { "small-class.so", "type 'small-class-device' declares a class size of ",
          "small-class-device" },
        { "not-elf.so", "cannot be opened: ", NULL },
    };
    const GPtrArray *r = plugin_refusals();
    assert_int_equal(r->len - refused_before, CC_ARRAY_SIZE(want));
    for (size_t k = 0; k < CC_ARRAY_SIZE(want); k++) {
        bool seen = false;
        for (guint i = refused_before; i < r->len; i++) {
            PluginRefusal *pr = g_ptr_array_index(r, i);
            if (g_str_has_suffix(pr->path, want[k].file)) {
                if (!g_str_has_prefix(pr->reason, want[k].reason)) {
                    fail_msg("%s: %s", want[k].file, pr->reason);
                }
                seen = true;
            }
        }
        assert_true(seen);
        assert_true(!want[k].type || !type_exists(want[k].type));
    }
    assert_false(type_exists("loop-b"));
    char *cmd = g_strdup_printf("rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    g_free(cmd);
    g_free(dir);
}

static int setup(void **state)
{
    plugins_dir = g_build_filename(g_getenv("CARDCAGE_BUILD_ROOT"), "tests", "plugins", NULL);
    module_call_init(MODULE_INIT_QOM);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_plugin),
        cmocka_unit_test(test_no_descriptor),
        cmocka_unit_test(test_abi_mismatch),
        cmocka_unit_test(test_abi_old),
        cmocka_unit_test(test_duplicate_type),
        cmocka_unit_test(test_not_elf),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_undefined_function),
        cmocka_unit_test(test_symbols_stay_local),
        cmocka_unit_test(test_scan_resolves_dependencies),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
