/*
 * Boards: good boards (building, extend/override/remove, command-line
 * edits, wiring) and malformed ones, each with the exact message it must
 * produce.
 *
 * Every case builds its machine in a child process: a machine is global
 * state (the memory map, the device tree), and each case needs a fresh one.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <cardcage/cardcage.h>
#include "board/board.h"
#include "main/runstate.h"
#include "memory/memory-internal.h"
#include "module/plugin-loader.h"
#include "timer/clock-internal.h"

static char *tmpdir;

static char *write_board(const char *name, const char *json)
{
    char *path = g_build_filename(tmpdir, name, NULL);
    g_assert(g_file_set_contents(path, json, -1, NULL));
    return path;
}

/* What a case does in the child: load, apply edits, build; then run the
 * check (for good boards) and report.  The message (or "OK" or the check's
 * failure) comes back through a pipe. */
typedef bool BoardCheck(GString *why);

static char *run_case(const char *file, const char *const *edits, BoardCheck *check)
{
    int fds[2];
    g_assert(pipe(fds) == 0);
    pid_t pid = fork();
    g_assert(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        Error *err = NULL;
        GString *msg = g_string_new(NULL);
        Board *b = board_load(file, &err);
        for (const char *const *e = edits; b && e && *e; e++) {
            bool ok;
            if (g_str_has_prefix(*e, "-set ")) {
                ok = board_apply_set(b, *e + 5, &err);
            } else if (g_str_has_prefix(*e, "-device ")) {
                ok = board_add_device_spec(b, *e + 8, (int)(e - edits), &err);
            } else {
                ok = board_remove_device(b, *e + 8, "command line", *e, &err);
            }
            if (!ok) {
                break;
            }
        }
        BoardBuildOptions opts = { 0 };
        if (!err && board_build(b, &opts, &err)) {
            if (check && !check(msg)) {
                g_string_prepend(msg, "CHECK FAILED: ");
            } else {
                g_string_assign(msg, "OK");
            }
        }
        if (err) {
            g_string_assign(msg, error_get_pretty(err));
        }
        /* Show paths relative to the temporary directory. */
        char *prefix = g_strconcat(tmpdir, "/", NULL);
        char **parts = g_strsplit(msg->str, prefix, -1);
        char *joined = g_strjoinv("", parts);
        g_assert(write(fds[1], joined, strlen(joined)) == (ssize_t)strlen(joined));
        _exit(0);
    }
    close(fds[1]);
    GString *out = g_string_new(NULL);
    char buf[1024];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof(buf))) > 0) {
        g_string_append_len(out, buf, n);
    }
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status)) {
        g_string_printf(out, "child crashed (status 0x%x)", status);
    }
    return g_string_free(out, FALSE);
}

static void expect(const char *name, const char *json, const char *const *edits,
                   const char *expected)
{
    char *file = write_board(name, json);
    char *got = run_case(file, edits, NULL);
    if (strcmp(got, expected)) {
        fail_msg("board %s:\n  expected: %s\n  got:      %s", name, expected, got);
    }
    g_free(got);
    g_free(file);
}

#define ISA_PRELUDE "{\"type\": \"isa-bridge\", \"id\": \"isa\"}, "

/* ---- malformed boards: one message each, naming file, id and path ---- */

static void test_malformed_json(void **state)
{
    expect("m1.json", "{\n  \"devices\": [\n    {\"type\": \"x\",, }\n  ]\n}", NULL,
           "m1.json:3:18: malformed JSON: quoted object property name expected");
    expect("m2.json", "{\"devices\": []", NULL,
           "m2.json:1:15: malformed JSON: unexpected end of data");
    expect("m3.json", "{\"devices\": []} trailing", NULL,
           "m3.json:1:17: malformed JSON: unexpected text after the board object");
    expect("m4.json", "[1, 2]", NULL,
           "m4.json: a board file holds one JSON object, not a array");
}

static void test_structure_errors(void **state)
{
    expect("s1.json", "{\"devicez\": []}", NULL,
           "s1.json: devicez: unknown key 'devicez' (expected one of: name, description, "
           "extend, cpu, ram, firmware, devices, remove, globals, options, acpi, comment)");
    expect("s2.json", "{\"devices\": {\"type\": \"x\"}}", NULL,
           "s2.json: devices: expected a list of devices, got a object");
    expect("s3.json", "{\"devices\": [{\"type\": \"isa-bridge\"}]}", NULL,
           "s3.json: devices[0]: the device has no \"id\" (every board device needs one, so "
           "that others can wire to it and boards can extend it)");
    expect("s4.json", "{\"devices\": [" ISA_PRELUDE "{\"type\": \"test-isa-device\", \"id\": "
           "\"isa\"}]}", NULL,
           "s4.json: device 'isa': devices[1].id: duplicate device id 'isa' (first used at "
           "devices[0])");
    expect("s5.json", "{\"devices\": [{\"id\": \"x1\"}]}", NULL,
           "s5.json: device 'x1': devices[0]: the device has no \"type\"");
    expect("s6.json", "{\"devices\": [{\"type\": \"isa-bridge\", \"id\": \"a b\"}]}", NULL,
           "s6.json: devices[0].id: 'a b' is not a valid device id (letters, digits, '-' "
           "and '_', at most 64)");
    expect("s7.json", "{\"devices\": [{\"type\": \"isa-bridge\", \"id\": \"isa\", "
           "\"iobase\": 5}]}", NULL,
           "s7.json: device 'isa': devices[0].iobase: unknown key 'iobase' (expected one of: "
           "type, id, bus, props, irq, mmio, per-cpu, comment)");
    expect("s8.json", "{\"devices\": [" ISA_PRELUDE "{\"type\": \"test-isa-device\", \"id\": "
           "\"t\", \"props\": {\"iobase\": [1]}}]}", NULL,
           "s8.json: device 't': devices[1].props.iobase: expected a string, number or "
           "boolean, got an array");
    expect("s9.json", "{\"ram\": \"lots\"}", NULL,
           "s9.json: ram: expected a RAM size (a number, or a string such as \"0xf0000\" or "
           "\"128M\"), got \"lots\"");
    expect("s10.json", "{\"cpu\": {\"model\": \"pentium2\", \"count\": 2}}", NULL,
           "s10.json: device 'cpu': cpu.count: 2 CPUs, but at most 1 (\"max\")");
    expect("s10b.json", "{\"cpu\": {\"model\": \"pentium2\", \"count\": 0}}", NULL,
           "s10b.json: device 'cpu': cpu.count: 0 CPUs: expected 1 to 255");
    expect("s10c.json", "{\"cpu\": {\"model\": \"pentium2\", \"max\": 256}}", NULL,
           "s10c.json: device 'cpu': cpu.max: 256 CPUs: expected 1 to 255");
    expect("s10d.json", "{\"cpu\": {\"model\": \"pentium2\", \"max\": \"4\"}}", NULL,
           "s10d.json: device 'cpu': cpu.max: expected a CPU count, got a string");
    expect("s10e.json", "{\"devices\": [{\"type\": \"isa-bridge\", \"id\": \"isa\", "
           "\"per-cpu\": 1}]}", NULL,
           "s10e.json: device 'isa': devices[0].per-cpu: expected true or false, got a number");
    expect("s11.json", "{\"acpi\": \"yes\"}", NULL,
           "s11.json: acpi: expected true or false, got a string");
}

static void test_device_errors(void **state)
{
    char *d1 = g_strdup_printf("d1.json: device 't': devices[0].type: unknown device type "
                           "'test-isa-devise' (plugin directories searched: %s); did you "
                           "mean 'test-isa-device'?", (char *)g_ptr_array_index(
                               (GPtrArray *)plugin_dirs(), 0));
    expect("d1.json", "{\"devices\": [{\"type\": \"test-isa-devise\", \"id\": \"t\"}]}", NULL,
           d1);
    g_free(d1);
    expect("d2.json", "{\"devices\": [" ISA_PRELUDE "{\"type\": \"test-isa-device\", \"id\": "
           "\"t\", \"props\": {\"colour\": \"red\"}}]}", NULL,
           "d2.json: device 't': devices[1].props.colour: 'test-isa-device' has no property "
           "'colour' (its properties: bufsize, flag, iobase, label, level, mode, peer)");
    expect("d3.json", "{\"devices\": [" ISA_PRELUDE "{\"type\": \"test-isa-device\", \"id\": "
           "\"t\", \"props\": {\"iobase\": \"zz\"}}]}", NULL,
           "d3.json: device 't': devices[1].props.iobase: property 'iobase' of "
           "'test-isa-device': 'zz' is not valid: expected a non-negative integer");
    expect("d4.json", "{\"devices\": [" ISA_PRELUDE "{\"type\": \"test-isa-device\", \"id\": "
           "\"t\", \"props\": {\"iobase\": 70000}}]}", NULL,
           "d4.json: device 't': devices[1].props.iobase: property 'iobase' of "
           "'test-isa-device': 70000 is out of range: expected an integer from 0 to 65535");
    expect("d5.json", "{\"devices\": [" ISA_PRELUDE "{\"type\": \"test-isa-device\", \"id\": "
           "\"t\", \"props\": {\"flag\": 1}}]}", NULL,
           "d5.json: device 't': devices[1].props.flag: property 'flag' of "
           "'test-isa-device': expected bool, got 1");
    expect("d6.json", "{\"devices\": [" ISA_PRELUDE "{\"type\": \"test-isa-device\", \"id\": "
           "\"t\", \"props\": {\"mode\": \"sideways\"}}]}", NULL,
           "d6.json: device 't': devices[1].props.mode: property 'mode' of "
           "'test-isa-device': 'sideways' is not one of off|on|auto|broken");
    expect("d7.json", "{\"devices\": [{\"type\": \"test-isa-device\", \"id\": \"t\"}]}", NULL,
           "d7.json: device 't': devices[0]: a 'test-isa-device' plugs into a bus of type "
           "'isa-bus', and no device listed before it provides one (an ISA device needs an "
           "'isa-bridge' earlier in the board)");
    expect("d8.json", "{\"devices\": [" ISA_PRELUDE "{\"type\": \"test-isa-device\", \"id\": "
           "\"t\", \"bus\": \"pci.0\"}]}", NULL,
           "d8.json: device 't': devices[1].bus: no bus named 'pci.0' (buses so far: "
           "sysbus, isa; a bus exists once the device that provides it is listed before)");
    expect("d9.json", "{\"devices\": [" ISA_PRELUDE "{\"type\": \"test-isa-device\", \"id\": "
           "\"t\", \"props\": {\"mode\": \"broken\"}}]}", NULL,
           "d9.json: device 't': devices[1]: mode 'broken' refuses to realize");
    expect("d10.json", "{\"devices\": [" ISA_PRELUDE "{\"type\": \"test-isa-device\", \"id\": "
           "\"t\", \"props\": {\"peer\": \"nobody\"}}]}", NULL,
           "d10.json: device 't': devices[1].props.peer: property 'peer': no object 'nobody'");
    expect("d11.json", "{\"devices\": [" ISA_PRELUDE "{\"type\": \"test-isa-device\", \"id\": "
           "\"t\", \"mmio\": [\"0xfe000000\"]}]}", NULL,
           "d11.json: device 't': devices[1].mmio[0]: only system-bus devices have MMIO "
           "regions to map; a 'test-isa-device' maps its own");
    expect("d12.json", "{\"devices\": [{\"type\": \"test-sysbus-device\", \"id\": \"s\", "
           "\"mmio\": [{\"index\": 3, \"addr\": \"0xfe000000\"}]}]}", NULL,
           "d12.json: device 's': devices[0].mmio[0]: 's' has no MMIO region 3 (it has 1)");
}

static void test_overlap_and_wiring_errors(void **state)
{
    expect("o1.json", "{\"devices\": [" ISA_PRELUDE
           "{\"type\": \"test-isa-device\", \"id\": \"t1\", \"props\": {\"iobase\": 768}}, "
           "{\"type\": \"test-isa-device\", \"id\": \"t2\", \"props\": {\"iobase\": \"0x302\"}}"
           "]}", NULL,
           "o1.json: device 't2': devices[2]: I/O ports 0x302-0x305 of device 't2' "
           "(test-isa-device) overlap I/O ports 0x300-0x303 of device 't1' "
           "(test-isa-device) (region 'test-isa')");
    expect("o2.json", "{\"devices\": [{\"type\": \"test-sysbus-device\", \"id\": \"s1\", "
           "\"mmio\": [\"0xfe000000\"]}, {\"type\": \"test-sysbus-device\", \"id\": \"s2\", "
           "\"mmio\": [\"0xfe000800\"]}]}", NULL,
           "o2.json: device 's2': devices[1].mmio[0]: addresses 0xfe000800-0xfe0017ff of "
           "device 's2' (test-sysbus-device) overlap addresses 0xfe000000-0xfe000fff of "
           "device 's1' (test-sysbus-device) (region 'test-sysbus')");
    expect("w1.json", "{\"devices\": [" ISA_PRELUDE
           "{\"type\": \"test-isa-device\", \"id\": \"t1\", \"irq\": {\"out\": "
           "\"t2.in[0]\"}}, {\"type\": \"test-isa-device\", \"id\": \"t2\", \"props\": "
           "{\"iobase\": \"0x310\"}, \"irq\": {\"out[1]\": \"t1.in[9]\"}}]}", NULL,
           "w1.json: device 't2': devices[2].irq.out[1]: 't1.in[9]': 't1' has no input in[9] "
           "(its inputs: in[0..3])");
    expect("w2.json", "{\"devices\": [" ISA_PRELUDE
           "{\"type\": \"test-isa-device\", \"id\": \"t1\", \"irq\": {\"out\": "
           "\"pic.in[0]\"}}]}", NULL,
           "w2.json: device 't1': devices[1].irq.out: 'pic.in[0]': no device 'pic' to wire to");
    expect("w3.json", "{\"devices\": [" ISA_PRELUDE
           "{\"type\": \"test-isa-device\", \"id\": \"t1\", \"irq\": {\"irq\": "
           "\"t1.in[0]\"}}]}", NULL,
           "w3.json: device 't1': devices[1].irq.irq: 't1' has no output irq[0] (outputs: "
           "out[0..1])");
    expect("w4.json", "{\"devices\": [" ISA_PRELUDE
           "{\"type\": \"test-isa-device\", \"id\": \"t1\", \"irq\": {\"out\": "
           "\"t1\"}}]}", NULL,
           "w4.json: device 't1': devices[1].irq.out: 't1' is not an input: expected "
           "DEVICE.INPUT or DEVICE.INPUT[N], such as \"pic.in[4]\"");
}

static void test_firmware_and_extend_errors(void **state)
{
    char *fw_dirs = g_strjoinv(", ", (char **)board_firmware_dirs());
    char *msg = g_strdup_printf("f1.json: firmware[0].file: firmware file 'nonexistent.bin' "
                                "not found (searched: %s)", fw_dirs);
    expect("f1.json", "{\"firmware\": [{\"id\": \"bios\", \"file\": \"nonexistent.bin\", "
           "\"at\": \"top\"}]}", NULL, msg);
    g_free(msg);
    g_free(fw_dirs);
    expect("f2.json", "{\"firmware\": [{\"file\": \"x.bin\"}]}", NULL,
           "f2.json: firmware[0]: missing \"at\" (an address, or \"top\" for an image that "
           "ends at 4 GiB)");
    expect("e1.json", "{\"extend\": \"no-such-board\"}", NULL,
           "e1.json: extend: no board 'no-such-board' to extend");
    g_free(write_board("cyc-b.json", "{\"extend\": \"cyc-a.json\"}"));
    char *a = write_board("cyc-a.json", "{\"extend\": \"cyc-b.json\"}");
    char *got = run_case(a, NULL, NULL);
    assert_non_null(strstr(got, "cyc-b.json: extend: boards extend each other in a cycle: "));
    g_free(got);
    g_free(a);
    expect("e2.json", "{\"remove\": [\"ghost\"]}", NULL,
           "e2.json: remove[0]: no device 'ghost' to remove");
    expect("r1.json", "{\"ram\": {\"size\": \"8G\", \"max\": \"1G\"}}", NULL,
           "8G RAM requested, but board 'r1' takes from 1M to 1G");
}

static void test_command_line_errors(void **state)
{
    static const char *const e1[] = { "-set t1.iobase", NULL };
    static const char *const e2[] = { "-set nobody.iobase=1", NULL };
    static const char *const e3[] = { "-device test-isa-device,id=t1", NULL };
    static const char *const e4[] = { "-set t1.type=test-isa-devize", NULL };
    static const char *const e5[] = { "-device test-isa-device,id=t2,iobase=1,iobase=2",
                                      NULL };
    static const char *const e6[] = { "-set t1.iobase=1,", NULL };
    const char *json = "{\"devices\": [" ISA_PRELUDE
                       "{\"type\": \"test-isa-device\", \"id\": \"t1\"}]}";
    expect("c1.json", json, e1, "command line: -set t1.iobase: 't1.iobase' is not "
           "KEY=VALUE; expected -set ID.PROPERTY=VALUE (or ID.type=TYPE)");
    expect("c2.json", json, e2, "command line: -set nobody.iobase=1: the board has no "
           "device 'nobody'");
    expect("c3.json", json, e3, "command line: -device test-isa-device,id=t1: a device with "
           "id 't1' already exists (use -set t1.PROP=VALUE to change it)");
    char *msg = g_strdup_printf("command line: device 't1': -set t1.type=test-isa-devize: "
                                "unknown device type 'test-isa-devize' (plugin directories "
                                "searched: %s); did you mean 'test-isa-device'?",
                                (char *)g_ptr_array_index((GPtrArray *)plugin_dirs(), 0));
    expect("c4.json", json, e4, msg);
    expect("c5.json", json, e5, "command line: -device test-isa-device,id=t2,iobase=1,"
           "iobase=2: 'iobase' is given twice; expected -device TYPE[,id=ID][,bus=BUS]"
           "[,PROP=VALUE...]");
    expect("c6.json", json, e6, "command line: -set t1.iobase=1,: empty item in "
           "'t1.iobase=1,' (a trailing comma, or ',,' where one comma was meant?); "
           "expected -set ID.PROPERTY=VALUE (or ID.type=TYPE)");
    g_free(msg);
}

/* ---- good boards ---- */

static bool check_base(GString *why)
{
    /* t1 at 0x300 with level 5 from the base board; its out[0] wired to
     * t2.in[1] (fan-out to t2.in[2] added by the extending board). */
    if (cpu_inb(0x303) != 5) {
        g_string_printf(why, "t1 level reads %u", cpu_inb(0x303));
        return false;
    }
    cpu_outb(0x301, 1);
    if (cpu_inb(0x311) != 0x06) {
        g_string_printf(why, "t2 input levels are 0x%x, expected 0x06", cpu_inb(0x311));
        return false;
    }
    cpu_outb(0x301, 0);
    if (cpu_inb(0x311) != 0 || cpu_inb(0x312) != 4) {
        g_string_printf(why, "t2 after lowering: levels 0x%x changes %u", cpu_inb(0x311),
                        cpu_inb(0x312));
        return false;
    }
    Object *t1 = object_resolve_path("/machine/isa/t1", NULL);
    if (!t1 || object_property_get_int(t1, "level", NULL) != 5) {
        g_string_printf(why, "/machine/isa/t1 missing or wrong");
        return false;
    }
    char *label = object_property_get_str(t1, "label", NULL);
    bool ok = label && !strcmp(label, "child");
    g_string_printf(why, "label is %s", label ? label : "(null)");
    g_free(label);
    if (!ok) {
        return false;
    }
    if (object_resolve_path("/machine/isa/gone", NULL)) {
        g_string_printf(why, "removed device still exists");
        return false;
    }
    Object *t2 = object_resolve_path("t2", NULL);
    if (object_property_get_link(t2, "peer", NULL) != t1) {
        g_string_printf(why, "t2.peer does not point to t1");
        return false;
    }
    /* The sysbus device is mapped and its region answers. */
    address_space_st(address_space_memory(), 0xfe000004, 0x12345678, 4, NULL);
    if (address_space_ld(address_space_memory(), 0xfe000004, 4, NULL) != 0x12345678) {
        g_string_printf(why, "sysbus MMIO does not answer");
        return false;
    }
    return true;
}

static void test_extend_override_remove(void **state)
{
    g_free(write_board("base.json",
                "{\"name\": \"base\", \"description\": \"a base board\", \"ram\": \"16M\", "
                "\"devices\": [" ISA_PRELUDE
                "{\"type\": \"test-isa-device\", \"id\": \"t1\", \"props\": {\"level\": 5, "
                "\"label\": \"base\"}, \"irq\": {\"out\": \"t2.in[1]\"}}, "
                "{\"type\": \"test-isa-device\", \"id\": \"gone\", \"props\": {\"iobase\": "
                "\"0x320\"}}, "
                "{\"type\": \"test-isa-device\", \"id\": \"t2\", \"props\": {\"iobase\": "
                "\"0x310\", \"peer\": \"t1\"}}]}"));
    char *child = write_board("child.json",
                              "{\"extend\": \"base.json\", \"remove\": [\"gone\"], "
                              "\"devices\": [{\"id\": \"t1\", \"props\": {\"label\": "
                              "\"child\"}, \"irq\": {\"out\": [\"t2.in[1]\", \"t2.in[2]\"]}}, "
                              "{\"type\": \"test-sysbus-device\", \"id\": \"s\", \"mmio\": "
                              "[\"0xfe000000\"]}]}");
    char *got = run_case(child, NULL, check_base);
    assert_string_equal(got, "OK");
    g_free(got);
    g_free(child);
}

static bool check_swapped(GString *why)
{
    Object *t = object_resolve_path("t1", NULL);
    if (!t || strcmp(object_get_typename(t), "test-sysbus-device")) {
        g_string_printf(why, "t1 is %s", t ? object_get_typename(t) : "missing");
        return false;
    }
    Object *n = object_resolve_path("extra", NULL);
    if (!n || object_property_get_uint(n, "iobase", NULL) != 0x340 ||
        object_property_get_int(n, "level", NULL) != -2) {
        g_string_printf(why, "-device extra not built as asked");
        return false;
    }
    return true;
}

static void test_command_line_edits(void **state)
{
    static const char *const edits[] = {
        "-set t1.type=test-sysbus-device",
        "-device test-isa-device,id=extra,bus=isa,iobase=0x340,level=-2,irq.out=extra.in[0]",
        "-remove gone",
        NULL,
    };
    char *file = write_board("edit.json", "{\"devices\": [" ISA_PRELUDE
                             "{\"type\": \"test-isa-device\", \"id\": \"t1\"}, "
                             "{\"type\": \"test-isa-device\", \"id\": \"gone\"}]}");
    char *got = run_case(file, edits, check_swapped);
    assert_string_equal(got, "OK");
    g_free(got);
    g_free(file);
}

static void test_machine_types(void **state)
{
    /* Every board file of the board directories is a machine type. */
    assert_non_null(machine_find_board_file("isapc"));
    assert_null(machine_find_board_file("no-such-board"));
}

static int setup(void **state)
{
    tmpdir = g_dir_make_tmp("cardcage-board-XXXXXX", NULL);
    g_assert(tmpdir);
    const char *root = g_getenv("CARDCAGE_BUILD_ROOT");
    g_assert(root);
    module_call_init(MODULE_INIT_QOM);
    char *dir = g_build_filename(root, "tests", "plugins", NULL);
    plugin_add_dir(plugin_builtin_dir());
    char *path = g_build_filename(dir, "test-device.so", NULL);
    Error *err = NULL;
    if (!plugin_load_file(path, &err)) {
        fail_msg("%s", error_get_pretty(err));
    }
    g_free(path);
    g_free(dir);
    module_call_init(MODULE_INIT_MACHINE);
    module_call_init(MODULE_INIT_BLOCK);
    board_add_firmware_dir(tmpdir);
    clock_configure(-1);
    memory_init();
    return 0;
}

static int teardown(void **state)
{
    char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);
    g_assert(system(cmd) == 0);
    g_free(cmd);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed_json),
        cmocka_unit_test(test_structure_errors),
        cmocka_unit_test(test_device_errors),
        cmocka_unit_test(test_overlap_and_wiring_errors),
        cmocka_unit_test(test_firmware_and_extend_errors),
        cmocka_unit_test(test_command_line_errors),
        cmocka_unit_test(test_extend_override_remove),
        cmocka_unit_test(test_command_line_edits),
        cmocka_unit_test(test_machine_types),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
