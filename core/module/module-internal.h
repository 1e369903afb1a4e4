/*
 * Module lists, as the plugin loader drives them.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_MODULE_INTERNAL_H
#define CORE_MODULE_INTERNAL_H

#include <cardcage/module.h>

/* Entries registered from now until module_batch_end() belong to one batch
 * (one plugin being loaded). */
void module_batch_begin(void);
/* The plugin the batch belongs to: its entries that run later (when their
 * list is called) register types on the plugin's behalf. */
void module_batch_set_owner(const char *owner);
/* Run the batch's entries for every list that module_call_init has already
 * run, in list order (QOM, MACHINE, BLOCK, QAPI). */
void module_batch_run_ready(void);
/* Forget the batch's entries that have not run (a refused plugin). */
void module_batch_discard(void);
void module_batch_end(void);
/* The plugin whose entries are being registered or run, or NULL. */
const char *module_current_owner(void);
/* How many entries a batch registered (for the loader's report). */
int module_batch_count(void);

bool module_list_initialised(module_init_type type);
/* Entries of a list, run or not (for tests). */
int module_list_length(module_init_type type);

#endif
