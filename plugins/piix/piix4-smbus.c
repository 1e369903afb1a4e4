/*
 * The PIIX4's SMBus host controller with nothing on the bus: firmware and
 * drivers that probe it find the registers, and every transaction they
 * start ends at once with DEV_ERR, as when no slave acknowledges its
 * address (290562, SMBus host status register, bit 2).  The completion
 * interrupt is not modelled.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "piix4-smbus.h"

/* Host registers (290562, "SMBus I/O Space Registers"). */
#define SMBHSTSTS   0x00    /* bit 0 HOST_BUSY; bits 1-4 INTR, DEV_ERR,
                             * BUS_ERR, FAILED: write 1 to clear */
#define SMBHSTCNT   0x02    /* bit 6 START, bit 1 KILL */
#define SMBBLKDAT   0x07
#define HSTSTS_W1C  0x1e
#define HSTSTS_DEV_ERR 0x04
#define HSTSTS_FAILED  0x10
#define HSTCNT_KILL    0x02
#define HSTCNT_START   0x40

static uint64_t smbus_read(void *opaque, hwaddr addr, unsigned size)
{
    PIIX4SMBus *smb = opaque;
    if (addr >= PIIX4_SMBUS_IO_SIZE) {
        return 0xff;
    }
    return smb->regs[addr];
}

static void smbus_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PIIX4SMBus *smb = opaque;
    uint8_t v = (uint8_t)val;
    switch (addr) {
    case SMBHSTSTS:
        smb->regs[SMBHSTSTS] &= ~(v & HSTSTS_W1C);
        break;
    case SMBHSTCNT:
        /* START and KILL act and read back 0. */
        smb->regs[SMBHSTCNT] = v & ~(HSTCNT_START | HSTCNT_KILL);
        if (v & HSTCNT_KILL) {
            smb->regs[SMBHSTSTS] |= HSTSTS_FAILED;
        } else if (v & HSTCNT_START) {
            smb->regs[SMBHSTSTS] |= HSTSTS_DEV_ERR;
        }
        break;
    default:
        if (addr < PIIX4_SMBUS_IO_SIZE) {
            smb->regs[addr] = v;
        }
        break;
    }
}

static const MemoryRegionOps smbus_ops = {
    .read = smbus_read,
    .write = smbus_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

void piix4_smbus_init(PIIX4SMBus *smb, Object *owner)
{
    memory_region_init_io(&smb->io, owner, &smbus_ops, smb, "piix4-smbus",
                          PIIX4_SMBUS_IO_SIZE);
    smb->mapped = false;
}

void piix4_smbus_finalize(PIIX4SMBus *smb)
{
    memory_region_finalize(&smb->io);
    smb->mapped = false;
}

void piix4_smbus_reset(PIIX4SMBus *smb)
{
    memset(smb->regs, 0, sizeof(smb->regs));
}

void piix4_smbus_map(PIIX4SMBus *smb, bool enabled, uint32_t base)
{
    MemoryRegion *io = memory_get_system_io();
    if (smb->mapped) {
        memory_region_del_subregion(io, &smb->io);
        smb->mapped = false;
    }
    if (enabled) {
        memory_region_add_subregion(io, base, &smb->io);
        smb->mapped = true;
    }
}

const VMStateDescription vmstate_piix4_smbus = {
    .name = "piix4-smbus",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8_ARRAY(regs, PIIX4SMBus, PIIX4_SMBUS_IO_SIZE),
        VMSTATE_END_OF_LIST()
    },
};
