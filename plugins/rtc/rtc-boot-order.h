/*
 * The PC firmware's legacy boot order in CMOS, as QEMU's pc writes it and
 * SeaBIOS reads it (SeaBIOS src/boot.c, QEMU hw/i386/pc.c set_boot_dev):
 * register 3Dh holds the first device in bits 3-0 and the second in bits
 * 7-4, register 38h the third in bits 7-4; bit 0 of 38h set skips the
 * check for the 55AAh signature of a floppy's boot sector.  Device codes:
 * 1 floppy, 2 hard disk, 3 CD-ROM, 4 network (BEV), 0 none.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RTC_BOOT_ORDER_H
#define RTC_BOOT_ORDER_H

#include <stdbool.h>
#include <stdint.h>

#define CMOS_BOOT_FLAG1 0x38    /* third device, floppy signature check */
#define CMOS_BOOT_FLAG2 0x3d    /* first and second devices */

/* The two CMOS bytes for drive letters (QEMU's: a and b floppy, c hard
 * disk, d CD-ROM, n network; at most three, each once) and the floppy
 * signature check.  False, with *bad the offending letter (0: too many
 * letters), when the string is not one. */
bool rtc_boot_order_bytes(const char *drives, bool fd_bootchk, uint8_t *flag1,
                          uint8_t *flag2, char *bad);

#endif
