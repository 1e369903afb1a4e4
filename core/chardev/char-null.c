/*
 * The "null" backend: output vanishes, input never comes.
 *
 * SPDX-License-Identifier: MIT
 */
#include "chardev-internal.h"

static int null_write(Chardev *chr, const uint8_t *buf, int len)
{
    return len;
}

static void null_class_init(ObjectClass *oc, void *data)
{
    CHARDEV_CLASS(oc)->write = null_write;
}

static const TypeInfo null_types[] = {
    {
        .name = TYPE_CHARDEV_NULL,
        .parent = TYPE_CHARDEV,
        .class_init = null_class_init,
    },
};

DEFINE_TYPES(null_types)
