/*
 * savevm/loadvm/delvm/info snapshots (monitor, QMP, -loadvm): internal
 * snapshots of every writable qcow2 disk, with the machine's state (the
 * migration stream) in the VM state area of the first one, as QEMU does.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_MIGRATION_SAVEVM_H
#define CORE_MIGRATION_SAVEVM_H

#include <glib.h>
#include <cardcage/block.h>
#include <cardcage/error.h>

bool savevm_save(const char *name, Error **errp);
bool savevm_load(const char *name, Error **errp);
bool savevm_delete(const char *name, Error **errp);
/* The snapshots of the first writable qcow2 disk, as `info snapshots`
 * prints them. */
bool savevm_info(GString *out, Error **errp);

#endif
