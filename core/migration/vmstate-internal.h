/*
 * The state engine's entry points for the rest of core/migration.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_MIGRATION_VMSTATE_INTERNAL_H
#define CORE_MIGRATION_VMSTATE_INTERNAL_H

#include <cardcage/vmstate.h>

/* Load without restoring on failure (the caller keeps a backup).  _exact
 * also requires the stream to be consumed to its end. */
bool vmstate_load_raw(VMStateStream *s, const VMStateDescription *vmsd, void *opaque,
                      int version_id, Error **errp);
bool vmstate_load_exact(VMStateStream *s, const VMStateDescription *vmsd, void *opaque,
                        int version_id, Error **errp);
/* vmstate_load, optionally _exact. */
bool vmstate_load_guarded(VMStateStream *s, const VMStateDescription *vmsd, void *opaque,
                          int version_id, bool exact, Error **errp);
/* Load a backup written by vmstate_save of this build (a failure is a
 * bug and is reported as a critical warning). */
void vmstate_restore_backup(const VMStateDescription *vmsd, void *opaque,
                            VMStateStream *backup);

#endif
