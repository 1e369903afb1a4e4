/*
 * Plugins that the loader must refuse, one per build of this file
 * (selected by -DBAD_KIND=...), a pair whose types depend on each other,
 * and a pair that each read their own descriptor.
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
#define KIND_UNDEFINED_FUNCTION 7
#define KIND_LOOP          8    /* two types, each the other's parent */
#define KIND_SMALL_INSTANCE 9
#define KIND_SMALL_CLASS   10
#define KIND_SELF_1        11   /* two good plugins, each reading its own descriptor */
#define KIND_SELF_2        12
#define KIND_ABI_OLD       13   /* built against the 1.x SDK (before state descriptions) */

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
typedef struct { SysBusDevice parent_obj; int extra; } DerivedState;
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

#elif BAD_KIND == KIND_UNDEFINED_FUNCTION
/* Calls a function nothing provides.  Bound lazily, it would load and kill
 * the emulator when the device first resets. */
void cardcage_no_such_function(void);
static void undefined_reset(DeviceState *dev) { cardcage_no_such_function(); }
static void undefined_class_init(ObjectClass *k, void *d)
{
    DEVICE_CLASS(k)->reset = undefined_reset;
}
static const TypeInfo t = { .name = "undefined-function-device", .parent = TYPE_DEVICE,
                            .class_init = undefined_class_init };
static void reg(void) { type_register_static(&t); }
type_init(reg)
CARDCAGE_PLUGIN(.name = "undefined-function", .version = "1",
                .description = "calls a function nobody provides", .license = "MIT");

#elif BAD_KIND == KIND_LOOP
/* Each type names the other as its parent. */
static const TypeInfo types[] = {
    { .name = "loop-a", .parent = "loop-b" },
    { .name = "loop-b", .parent = "loop-a" },
};
DEFINE_TYPES(types)
CARDCAGE_PLUGIN(.name = "loop", .version = "1",
                .description = "a parent chain that loops", .license = "MIT");

#elif BAD_KIND == KIND_SMALL_INSTANCE
static const TypeInfo t = { .name = "small-instance-device", .parent = TYPE_DEVICE,
                            .instance_size = sizeof(Object) };
static void reg(void) { type_register_static(&t); }
type_init(reg)
CARDCAGE_PLUGIN(.name = "small-instance", .version = "1",
                .description = "an instance struct smaller than its parent's",
                .license = "MIT");

#elif BAD_KIND == KIND_SMALL_CLASS
static const TypeInfo t = { .name = "small-class-device", .parent = TYPE_DEVICE,
                            .class_size = sizeof(ObjectClass) };
static void reg(void) { type_register_static(&t); }
type_init(reg)
CARDCAGE_PLUGIN(.name = "small-class", .version = "1",
                .description = "a class struct smaller than its parent's", .license = "MIT");

#elif BAD_KIND == KIND_SELF_1 || BAD_KIND == KIND_SELF_2
/* Two good plugins that both read their own descriptor: each must see its
 * own, not the first one loaded (which global binding would give both). */
#define SELF_NAME (BAD_KIND == KIND_SELF_1 ? "self-1" : "self-2")
extern const CardcagePluginInfo cardcage_plugin_info;
static void self_class_init(ObjectClass *k, void *d)
{
    /* Through a pointer the compiler cannot fold: the symbol as bound. */
    const CardcagePluginInfo *volatile me = &cardcage_plugin_info;
    DEVICE_CLASS(k)->desc = me->name;
}
static const TypeInfo t = { .name = BAD_KIND == KIND_SELF_1 ? "self-1-device" : "self-2-device",
                            .parent = TYPE_DEVICE, .class_init = self_class_init };
static void reg(void) { type_register_static(&t); }
type_init(reg)
CARDCAGE_PLUGIN(.name = SELF_NAME, .version = "1",
                .description = "reads its own descriptor", .license = "MIT");
#endif
