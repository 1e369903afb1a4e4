/*
 * cardcage plugin SDK: compiler helpers shared by every SDK header.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_COMPILER_H
#define CARDCAGE_COMPILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

/* Marks a function or variable as part of the exported SDK.  libcardcage is
 * built with -fvisibility=hidden; only CC_API symbols leave the library. */
#define CC_API __attribute__((visibility("default")))

/* Marks a symbol a plugin exports to the loader (the plugin descriptor).
 * Every plugin defines the same name: "protected" keeps each plugin's own
 * references (AddressSanitizer's registration of its globals) bound to its
 * own copy, not to the first plugin loaded, which ASan reports as an ODR
 * violation; the loader finds each copy through its module's handle. */
#define CC_PLUGIN_EXPORT __attribute__((visibility("protected"), used))

#define cc_likely(x)   __builtin_expect(!!(x), 1)
#define cc_unlikely(x) __builtin_expect(!!(x), 0)

#ifndef container_of
#define container_of(ptr, type, member) \
    ((type *)((char *)(ptr) - offsetof(type, member)))
#endif

#define CC_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Guest physical addresses are 64-bit in the API, whatever the CPU uses. */
typedef uint64_t hwaddr;
#define HWADDR_PRIx PRIx64

#endif
