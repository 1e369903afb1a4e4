/*
 * The type table, as the plugin loader and `-device help` see it.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_QOM_TYPE_INTERNAL_H
#define CORE_QOM_TYPE_INTERNAL_H

#include <cardcage/object.h>

/* Types registered between begin and end are owned by plugin `owner`
 * (NULL: the core).  end() returns false, with the first registration
 * failure in errp, if any type of that batch could not be registered. */
void type_registration_begin(const char *owner);
bool type_registration_end(Error **errp);

/* Remove every type owned by owner (a refused plugin).  Only legal while
 * none of them has been instantiated. */
void type_unregister_owner(const char *owner);

/* Names of the types owned by owner, sorted (g_ptr_array_unref it). */
GPtrArray *type_list_owned_by(const char *owner);

/* Check that every type owned by owner has its whole parent chain and all
 * its interfaces registered; on failure errp names the type and what is
 * missing. */
bool type_check_ancestry(const char *owner, Error **errp);

/* The type table, for tests that register types of their own. */
Type type_get_by_name(const char *name);

/* Used by object.c to build instances. */
bool type_prepare(Type ti);                 /* build the class; false if ancestry is missing */
bool type_is_abstract(Type ti);
ObjectClass *type_get_class(Type ti);
size_t type_object_size(Type ti);
void type_run_instance_init(Type ti, Object *obj);       /* parents first */
void type_run_instance_post_init(Type ti, Object *obj);  /* parents first */
void type_run_instance_finalize(Type ti, Object *obj);   /* children first */

#endif
