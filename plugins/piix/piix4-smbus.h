/*
 * The PIIX4's SMBus host controller (datasheet 290562, "SMBus
 * Controller", I/O registers at SMBBA): a bus with no devices on it.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef PIIX4_SMBUS_H
#define PIIX4_SMBUS_H

#include <cardcage/cardcage.h>

#define PIIX4_SMBUS_IO_SIZE 16

typedef struct PIIX4SMBus {
    MemoryRegion io;
    bool mapped;
    uint8_t regs[PIIX4_SMBUS_IO_SIZE];
} PIIX4SMBus;

void piix4_smbus_init(PIIX4SMBus *smb, Object *owner);
void piix4_smbus_finalize(PIIX4SMBus *smb);
void piix4_smbus_reset(PIIX4SMBus *smb);
/* Decode the registers at base (I/O) while enabled. */
void piix4_smbus_map(PIIX4SMBus *smb, bool enabled, uint32_t base);

extern const VMStateDescription vmstate_piix4_smbus;

#endif
