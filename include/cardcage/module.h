/*
 * cardcage plugin SDK: module init lists.
 *
 * A file declares what it contributes with one of the *_init() macros at its
 * bottom.  Each expands to a constructor that runs when the object is loaded
 * (before main() for the core, at dlopen() time for a plugin) and only
 * appends the function to a list.  The core runs each list at a fixed point
 * of start-up (module_call_init), each entry exactly once:
 *
 *   QOM     first, before options are parsed: type registrations;
 *   MACHINE after options: machine (board) types;
 *   BLOCK   after the machine is selected: disk image formats;
 *   QAPI    monitor commands, run with MACHINE.
 *
 * Entries a plugin registers while it is being loaded are run right after
 * that plugin loads, for every list that has already been run, in list order.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_MODULE_H
#define CARDCAGE_MODULE_H

#include <cardcage/compiler.h>

typedef enum {
    MODULE_INIT_QOM,
    MODULE_INIT_MACHINE,
    MODULE_INIT_BLOCK,
    MODULE_INIT_QAPI,
    MODULE_INIT_MAX
} module_init_type;

CC_API void register_module_init(void (*fn)(void), module_init_type type);

/* Run every not-yet-run entry of a list, in registration order, and mark the
 * list as initialised (later entries then run as their plugin loads). */
CC_API void module_call_init(module_init_type type);

#define module_init(function, type)                                        \
    static void __attribute__((constructor)) do_cc_init_##function(void)  \
    {                                                                      \
        register_module_init(function, type);                             \
    }

#define type_init(function)    module_init(function, MODULE_INIT_QOM)
#define machine_init(function) module_init(function, MODULE_INIT_MACHINE)
#define block_init(function)   module_init(function, MODULE_INIT_BLOCK)
#define qapi_init(function)    module_init(function, MODULE_INIT_QAPI)

#endif
