/*
 * -boot: QEMU's boot options for the PC firmware, and cardcage's kernel=.
 *
 *   -boot [order=]DRIVES[,once=DRIVES][,menu=on|off][,splash-time=MS]
 *         [,reboot-timeout=MS][,strict=on|off][,kernel=direct|firmware]
 *
 * The drive letters are QEMU's for the PC: a and b the floppy, c the first
 * hard disk, d the first CD-ROM, n the network; at most three, each once
 * (the CMOS bytes SeaBIOS reads have room for three, QEMU's pc.c
 * set_boot_dev).  The order and once= go to the board's RTC as properties
 * (it writes the CMOS bytes at reset); menu, splash-time and
 * reboot-timeout go to fw_cfg once the board is built (boot_options_apply).
 *
 * SPDX-License-Identifier: MIT
 */
#include "options.h"
#include "core/util/keyval.h"
#include "pci/pci-internal.h"
#include <cardcage/bswap.h>
#include <cardcage/fwcfg.h>
#include <cardcage/error.h>
#include <stdlib.h>
#include <string.h>

/* QEMU's limit for splash-time and reboot-timeout: SeaBIOS reads the
 * first as 16 bits (etc/boot-menu-wait), QEMU caps the second the same. */
#define BOOT_TIME_MAX 0xffff
/* fw_cfg.rst, "Selector Register": the legacy boot-menu item, which
 * SeaBIOS reads as etc/show-boot-menu. */
#define FW_CFG_BOOT_MENU 0x0e
#define PC_BOOT_DEVICES_MAX 3

static bool check_drives(const char *arg, const char *key, const char *drives,
                         Error **errp)
{
    size_t n = strlen(drives);
    if (n == 0 || n > PC_BOOT_DEVICES_MAX) {
        error_setg(errp, "-boot %s: %s=%s: expected 1 to %d drive letters (a, b floppy, "
                   "c hard disk, d CD-ROM, n network)", arg, key, drives, PC_BOOT_DEVICES_MAX);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!strchr("abcdn", drives[i])) {
            error_setg(errp, "-boot %s: %s=%s: '%c' is not a boot drive (a, b floppy, "
                       "c hard disk, d CD-ROM, n network)", arg, key, drives, drives[i]);
            return false;
        }
        if (memchr(drives, drives[i], i)) {
            error_setg(errp, "-boot %s: %s=%s: drive '%c' given twice", arg, key, drives,
                       drives[i]);
            return false;
        }
    }
    return true;
}

static bool get_time(const KeyVal *kv, const char *arg, const char *key, long min, int *out,
                     Error **errp)
{
    const char *v = keyval_get(kv, key);
    if (!v) {
        return true;
    }
    char *end;
    long t = strtol(v, &end, 10);
    if (!*v || *end || t < min || t > BOOT_TIME_MAX) {
        error_setg(errp, "-boot %s: %s=%s: expected milliseconds from %ld to %d", arg, key,
                   v, min, BOOT_TIME_MAX);
        return false;
    }
    *out = (int)t;
    return true;
}

bool options_parse_boot(Options *o, const char *arg, Error **errp)
{
    static const char *const keys[] = {
        "order", "once", "menu", "splash-time", "reboot-timeout", "strict", "kernel", NULL
    };
    KeyVal *kv = options_parse_list("boot", arg, "order", KEYVAL_LAST_WINS, keys, errp);
    if (!kv) {
        return false;
    }
    const char *order = keyval_get(kv, "order"), *once = keyval_get(kv, "once");
    const char *kernel = keyval_get(kv, "kernel");
    bool ok = (!order || check_drives(arg, "order", order, errp)) &&
              (!once || check_drives(arg, "once", once, errp));
    if (ok && kernel && strcmp(kernel, "firmware") && strcmp(kernel, "direct")) {
        error_setg(errp, "-boot %s: kernel=%s: expected kernel=direct (start -kernel at its "
                   "entry point, the default) or kernel=firmware (let the BIOS start it "
                   "after POST)", arg, kernel);
        ok = false;
    }
    bool menu = o->boot_menu, strict = o->boot_strict;
    if (ok && (!keyval_get_bool(kv, "menu", menu, &menu, errp) ||
               !keyval_get_bool(kv, "strict", strict, &strict, errp))) {
        error_prepend(errp, "-boot %s: ", arg);
        ok = false;
    }
    int splash = o->boot_splash_time, reboot = o->boot_reboot_timeout;
    ok = ok && get_time(kv, arg, "splash-time", 0, &splash, errp) &&
         get_time(kv, arg, "reboot-timeout", -1, &reboot, errp);
    if (ok) {
        if (order) {
            g_free(o->boot_order);
            o->boot_order = g_strdup(order);
        }
        if (once) {
            g_free(o->boot_once);
            o->boot_once = g_strdup(once);
        }
        if (kernel) {
            o->kernel_via_firmware = !strcmp(kernel, "firmware");
        }
        o->boot_menu = menu;
        o->boot_strict = strict;
        o->boot_splash_time = splash;
        o->boot_reboot_timeout = reboot;
    }
    keyval_free(kv);
    return ok;
}

/* The fw_cfg items QEMU's fw_cfg gives every PC (hw/nvram/fw_cfg.c:
 * FW_CFG_BOOT_MENU always, etc/boot-menu-wait only with splash-time,
 * etc/boot-fail-wait always, -1 by default: SeaBIOS then says "No
 * bootable device." and waits instead of rebooting every 60 s). */
bool boot_options_apply(const Options *o, Error **errp)
{
    Object *fwcfg = fw_cfg_find();
    if (!fwcfg) {
        return true;
    }
    uint8_t menu[2], wait[2], fail[4];
    cc_st_le16(menu, o->boot_menu);
    cc_st_le32(fail, (uint32_t)o->boot_reboot_timeout);
    bool ok = fw_cfg_set_item(fwcfg, FW_CFG_BOOT_MENU, menu, sizeof(menu), errp) &&
              fw_cfg_add_file(fwcfg, "etc/boot-fail-wait", fail, sizeof(fail), errp);
    if (ok && o->boot_splash_time >= 0) {
        cc_st_le16(wait, (uint16_t)o->boot_splash_time);
        ok = fw_cfg_add_file(fwcfg, "etc/boot-menu-wait", wait, sizeof(wait), errp);
    }
    /* The bootorder file: -boot kernel=firmware's ROM first, as QEMU
     * gives its linuxboot ROM bootindex 0 (else a bootable disk would win
     * over the BEV); strict=on ends it with HALT, where SeaBIOS stops
     * instead of trying the devices not named.  One path a line, then a
     * NUL, as QEMU writes it. */
    GString *bootorder = g_string_new(NULL);
    if (o->kernel && o->kernel_via_firmware) {
        g_string_append(bootorder, "/rom@genroms/cardcage-boot.bin\n");
    }
    /* Then the devices given bootindex=, lowest first.  SeaBIOS gives
     * these lines priorities 1, 2, ..., ahead of what the CMOS order
     * (-boot order=) ranks (101 and up), so a bootindex wins over it. */
    ok = ok && pci_boot_order(bootorder, errp);
    if (o->boot_strict) {
        g_string_append(bootorder, "HALT\n");
    }
    if (ok && bootorder->len) {
        ok = fw_cfg_add_file(fwcfg, "bootorder", bootorder->str, bootorder->len + 1, errp);
    }
    g_string_free(bootorder, TRUE);
    return ok;
}
