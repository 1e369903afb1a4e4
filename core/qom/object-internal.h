/*
 * Object internals shared between the files of core/qom.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_QOM_OBJECT_INTERNAL_H
#define CORE_QOM_OBJECT_INTERNAL_H

#include <cardcage/object.h>

/* Release and remove every instance property (children included). */
void object_property_del_all(Object *obj);

#endif
