/*
 * Log categories a plugin registers for itself: listed by -d help with the
 * plugin's name, enabled by name, and logging under them reaches -D.
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
#include "harness.h"

static char *listing(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    log_list_categories(f);
    fclose(f);
    return buf;
}

static void test_plugin_category(void **state)
{
    (void)state;
    uint64_t m = 0;
    Error *err = NULL;
    /* Unknown before the plugin loads... */
    assert_false(log_parse_mask("pit", &m, &err));
    assert_string_equal(error_get_pretty(err), "-d: unknown log item 'pit' (-d help lists them)");
    error_free(err);

    harness_load_plugin("pit");
    /* ...listed with its plugin once it has... */
    char *text = listing();
    assert_non_null(strstr(text, "  pit           changes of counter 0's output (the timer "
                                 "interrupt) (plugin pit)\n"));
    free(text);
    /* ...and a bit of its own, beside the core's. */
    uint64_t core = 0;
    assert_true(log_parse_mask("int", &core, NULL));
    assert_true(log_parse_mask("pit,int", &m, NULL));
    assert_true((m & core) == core);
    uint64_t pit_bit = m & ~core;
    assert_int_equal(__builtin_popcountll(pit_bit), 1);
    uint64_t all = 0;
    assert_true(log_parse_mask("all", &all, NULL));
    assert_true(all & pit_bit);
    /* A second registration of the name is refused (the bit stays 0). */
    assert_int_equal(log_register_category("pit", "again"), 0);

    /* Logging under it: counter 0's output changes reach the log file. */
    char path[] = "/tmp/cardcage-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_true(log_set_file(path, NULL));
    log_enabled_mask = pit_bit;
    DeviceState *pit = harness_create("i8254", "pit", NULL, NULL);
    harness_probe_output(pit, "irq", 0);
    cpu_outb(0x43, 0x34);           /* counter 0, LSB then MSB, mode 2 */
    cpu_outb(0x40, 10);
    cpu_outb(0x40, 0);
    harness_advance_ns(100000);     /* ~119 input clocks: some periods */
    log_enabled_mask = 0;
    gchar *log = NULL;
    assert_true(g_file_get_contents(path, &log, NULL, NULL));
    assert_non_null(strstr(log, "i8254: counter 0 OUT 0 at tick "));
    assert_non_null(strstr(log, "i8254: counter 0 OUT 1 at tick "));
    g_free(log);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plugin_category),
    };
    harness_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
