/*
 * The legacy boot order's CMOS bytes (rtc-boot-order.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include "rtc-boot-order.h"

#include <string.h>

#define BOOT_DEVICES_MAX 3

static int device_code(char letter)
{
    switch (letter) {
    case 'a':
    case 'b':
        return 1;       /* floppy */
    case 'c':
        return 2;       /* hard disk */
    case 'd':
        return 3;       /* CD-ROM */
    case 'n':
        return 4;       /* network */
    default:
        return -1;
    }
}

bool rtc_boot_order_bytes(const char *drives, bool fd_bootchk, uint8_t *flag1,
                          uint8_t *flag2, char *bad)
{
    uint8_t code[BOOT_DEVICES_MAX] = { 0 };
    size_t n = strlen(drives);
    *bad = 0;
    if (n > BOOT_DEVICES_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        int c = device_code(drives[i]);
        if (c < 0 || memchr(drives, drives[i], i)) {
            *bad = drives[i];
            return false;
        }
        code[i] = (uint8_t)c;
    }
    *flag2 = (uint8_t)(code[0] | code[1] << 4);
    *flag1 = (uint8_t)(code[2] << 4 | (fd_bootchk ? 0 : 1));
    return true;
}
