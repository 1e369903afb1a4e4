/*
 * cardcage plugin SDK: the plugin descriptor.
 *
 * Every plugin .so declares itself exactly once, at file scope:
 *
 *     CARDCAGE_PLUGIN(
 *         .name        = "pit",
 *         .version     = "1.0",
 *         .description = "Intel 8254 programmable interval timer",
 *         .license     = "MIT",
 *     );
 *
 * The loader refuses a file without a descriptor, or one built against
 * another ABI major (the macro records the SDK's own CARDCAGE_ABI_MAJOR).
 * A plugin whose types need types from another plugin (a PCI NIC needs the
 * PCI device type) may list them in .requires; the loader then reports a
 * missing provider by name instead of failing at object creation.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_PLUGIN_H
#define CARDCAGE_PLUGIN_H

#include <cardcage/compiler.h>
#include <cardcage/abi.h>

#define CARDCAGE_PLUGIN_MAGIC 0x43414745u   /* "CAGE" */

typedef struct CardcagePluginInfo {
    uint32_t magic;              /* CARDCAGE_PLUGIN_MAGIC */
    uint16_t abi_major;          /* CARDCAGE_ABI_MAJOR at build time */
    uint16_t abi_minor;          /* CARDCAGE_ABI_MINOR at build time */
    const char *name;            /* short name, unique among plugins */
    const char *version;         /* the plugin's own version string */
    const char *description;     /* one line */
    const char *license;         /* SPDX identifier */
    const char *const *requires; /* NULL-terminated type names, or NULL */
} CardcagePluginInfo;

/* The symbol name the loader looks up. */
#define CARDCAGE_PLUGIN_SYMBOL "cardcage_plugin_info"

#define CARDCAGE_PLUGIN(...)                                                \
    CC_PLUGIN_EXPORT const CardcagePluginInfo cardcage_plugin_info = {      \
        .magic = CARDCAGE_PLUGIN_MAGIC,                                     \
        .abi_major = CARDCAGE_ABI_MAJOR,                                    \
        .abi_minor = CARDCAGE_ABI_MINOR,                                    \
        __VA_ARGS__                                                         \
    }

/* The name of the loaded plugin that registered the type typename, or NULL
 * when the core registered it (or no type has that name).  Tests use it to
 * pick a plugin's own types out of the type table. */
CC_API const char *plugin_name_of_type(const char *typename);

#endif
