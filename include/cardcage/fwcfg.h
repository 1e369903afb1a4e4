/*
 * cardcage plugin SDK: the firmware configuration interface seen from the
 * core (ABI 1.1).
 *
 * A device that gives firmware its configuration the way QEMU's fw_cfg
 * does implements this interface, so that the core can hand it data the
 * firmware is to find: the kernel loader's boot image (-boot
 * kernel=firmware) and the option ROM that starts it.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_FWCFG_H
#define CARDCAGE_FWCFG_H

#include <cardcage/object.h>

#define TYPE_FW_CFG_IF "fw-cfg-interface"

/* Items with fixed keys (QEMU's docs/specs/fw_cfg.rst, "Selector
 * Register"): the kernel's size and data. */
#define FW_CFG_KERNEL_SIZE 0x08
#define FW_CFG_KERNEL_DATA 0x11

typedef struct FwCfgInterfaceClass {
    InterfaceClass parent_class;
    /* A named file in the directory ("genroms/x.bin"); false with errp
     * set when the directory is full or the name is taken or too long. */
    bool (*add_file)(Object *obj, const char *name, const void *data, size_t len,
                     Error **errp);
    /* The item with a fixed key; false when the key is not one the device
     * lets the core set. */
    bool (*set_item)(Object *obj, uint16_t key, const void *data, size_t len, Error **errp);
} FwCfgInterfaceClass;

/*
 * A device the firmware boots from that sits below a controller (an IDE
 * disk or CD-ROM on a PCI IDE controller) and takes bootindex=N: the core
 * puts it in the fw_cfg "bootorder" file with the PCI functions given a
 * bootindex, lowest first, as its controller's path followed by the
 * device's part ("/pci@i0cf8/ide@1,1" + "/drive@1/disk@0"), the Open
 * Firmware path SeaBIOS builds for its own boot entries.  (ABI 2.4)
 */
#define TYPE_BOOT_DEVICE_IF "boot-device-interface"

typedef struct BootDeviceClass {
    InterfaceClass parent_class;
    /* The device's bootindex (-1: none) and, when it has one, in *suffix
     * its path below the controller (g_malloc'd, no leading '/'). */
    int32_t (*boot_index)(Object *obj, char **suffix);
} BootDeviceClass;

/* The board's firmware configuration device, or NULL when it has none. */
CC_API Object *fw_cfg_find(void);
CC_API bool fw_cfg_add_file(Object *obj, const char *name, const void *data, size_t len,
                            Error **errp);
CC_API bool fw_cfg_set_item(Object *obj, uint16_t key, const void *data, size_t len,
                            Error **errp);

#endif
