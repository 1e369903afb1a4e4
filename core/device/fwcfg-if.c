/*
 * The firmware configuration interface (include/cardcage/fwcfg.h): how the
 * core finds the board's fw_cfg device and hands it data.
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/fwcfg.h>
#include <cardcage/module.h>

Object *fw_cfg_find(void)
{
    bool ambiguous = false;
    Object *obj = object_resolve_path_type("", TYPE_FW_CFG_IF, &ambiguous);
    return ambiguous ? NULL : obj;
}

static FwCfgInterfaceClass *fw_cfg_class(Object *obj, Error **errp)
{
    ObjectClass *c = obj ? object_class_dynamic_cast(object_get_class(obj), TYPE_FW_CFG_IF)
                         : NULL;
    if (!c) {
        error_setg(errp, "no firmware configuration device");
    }
    return (FwCfgInterfaceClass *)c;
}

bool fw_cfg_add_file(Object *obj, const char *name, const void *data, size_t len,
                     Error **errp)
{
    FwCfgInterfaceClass *fc = fw_cfg_class(obj, errp);
    return fc && fc->add_file(obj, name, data, len, errp);
}

bool fw_cfg_set_item(Object *obj, uint16_t key, const void *data, size_t len, Error **errp)
{
    FwCfgInterfaceClass *fc = fw_cfg_class(obj, errp);
    return fc && fc->set_item(obj, key, data, len, errp);
}

static const TypeInfo fw_cfg_if_types[] = {
    {
        .name = TYPE_FW_CFG_IF,
        .parent = TYPE_INTERFACE,
        .class_size = sizeof(FwCfgInterfaceClass),
    },
    {
        .name = TYPE_BOOT_DEVICE_IF,
        .parent = TYPE_INTERFACE,
        .class_size = sizeof(BootDeviceClass),
    },
};

DEFINE_TYPES(fw_cfg_if_types)
