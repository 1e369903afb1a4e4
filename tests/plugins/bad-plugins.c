/*
 * Plugins that the loader must refuse, one per build of this file
 * (selected by -DBAD_KIND=...), and a pair that depend on each other.
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/cardcage.h>

#define KIND_NO_DESCRIPTOR 1
#define KIND_ABI_MISMATCH  2
#define KIND_DUPLICATE     3
#define KIND_DERIVED       4    /* parent type from KIND_BASE, loaded later */
#define KIND_BASE          5
#define KIND_ORPHAN        6    /* parent type nobody provides */
#define KIND_SYMBOL_USER   7    /* needs a data symbol from KIND_SYMBOL_PROVIDER */
#define KIND_SYMBOL_PROVIDER 8
#define KIND_ABI_OLD       9    /* built against the 1.x SDK (before state descriptions) */

#if BAD_KIND == KIND_NO_DESCRIPTOR
static const TypeInfo t = { .name = "no-descriptor-type", .parent = TYPE_DEVICE };
static void reg(void) { type_register_static(&t); }
type_init(reg)

#elif BAD_KIND == KIND_ABI_MISMATCH
static const TypeInfo t = { .name = "abi-mismatch-type", .parent = TYPE_DEVICE };
static void reg(void) { type_register_static(&t); }
type_init(reg)
/* Written out by hand: CARDCAGE_PLUGIN would record this SDK's ABI. */
CC_PLUGIN_EXPORT const CardcagePluginInfo cardcage_plugin_info = {
    .magic = CARDCAGE_PLUGIN_MAGIC,
    .abi_major = CARDCAGE_ABI_MAJOR + 1,
    .abi_minor = 0,
    .name = "abi-mismatch",
    .version = "1",
    .description = "built for a future ABI",
    .license = "MIT",
};

#elif BAD_KIND == KIND_ABI_OLD
static const TypeInfo t = { .name = "abi-old-type", .parent = TYPE_DEVICE };
static void reg(void) { type_register_static(&t); }
type_init(reg)
/* What CARDCAGE_PLUGIN recorded in the last 1.x SDK. */
CC_PLUGIN_EXPORT const CardcagePluginInfo cardcage_plugin_info = {
    .magic = CARDCAGE_PLUGIN_MAGIC,
    .abi_major = 1,
    .abi_minor = 1,
    .name = "abi-old",
    .version = "1",
    .description = "built against the cardcage 1 SDK",
    .license = "MIT",
};

#elif BAD_KIND == KIND_DUPLICATE
/* Registers a fresh type and then one the test plugin already has. */
static const TypeInfo types[] = {
    { .name = "duplicate-fresh-type", .parent = TYPE_DEVICE },
    { .name = "test-isa-device", .parent = TYPE_DEVICE },
};
DEFINE_TYPES(types)
CARDCAGE_PLUGIN(.name = "duplicate-type", .version = "1",
                .description = "registers a type name that is taken", .license = "MIT");

#elif BAD_KIND == KIND_DERIVED
typedef struct { DeviceState parent_obj; int extra; } DerivedState;
static const TypeInfo t = { .name = "derived-device", .parent = "base-device",
                            .instance_size = sizeof(DerivedState) };
static void reg(void) { type_register_static(&t); }
type_init(reg)
CARDCAGE_PLUGIN(.name = "a-derived", .version = "1",
                .description = "a type whose parent comes from a plugin loaded later",
                .license = "MIT");

#elif BAD_KIND == KIND_BASE
static void base_class_init(ObjectClass *k, void *d)
{
    DEVICE_CLASS(k)->desc = "base device from another plugin";
}
static const TypeInfo t = { .name = "base-device", .parent = TYPE_SYS_BUS_DEVICE,
                            .instance_size = sizeof(SysBusDevice),
                            .class_init = base_class_init };
static void reg(void) { type_register_static(&t); }
type_init(reg)
CARDCAGE_PLUGIN(.name = "b-base", .version = "1", .description = "provides base-device",
                .license = "MIT");

#elif BAD_KIND == KIND_ORPHAN
static const TypeInfo t = { .name = "orphan-device", .parent = "nonexistent-parent" };
static void reg(void) { type_register_static(&t); }
type_init(reg)
CARDCAGE_PLUGIN(.name = "orphan", .version = "1",
                .description = "a type whose parent nobody provides", .license = "MIT");

#elif BAD_KIND == KIND_SYMBOL_USER
/* A data reference is bound when the file is opened, so the first attempt
 * fails until the provider is loaded. */
extern int symbol_provider_value;
CC_PLUGIN_EXPORT int *symbol_user_ref = &symbol_provider_value;
CARDCAGE_PLUGIN(.name = "c-symbol-user", .version = "1",
                .description = "uses a symbol another plugin exports", .license = "MIT");

#elif BAD_KIND == KIND_SYMBOL_PROVIDER
CC_PLUGIN_EXPORT int symbol_provider_value = 7;
CARDCAGE_PLUGIN(.name = "d-symbol-provider", .version = "1",
                .description = "exports a symbol", .license = "MIT");
#endif
