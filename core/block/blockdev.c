/*
 * -blockdev: a node graph from KEY=VALUE,... or a JSON object
 * ({"driver":"qcow2","node-name":"d0","file":{"driver":"file","filename":"a.qcow2"}}),
 * nested objects flattened to dotted keys ("file.filename") as the
 * key=value form writes them.  A device names the top node by node-name
 * (drive=d0); the backend it gets is created then.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <json-c/json.h>
#include "block/drive.h"

static bool flatten(BlockOpts *o, const char *prefix, json_object *obj, Error **errp)
{
    json_object_object_foreach(obj, key, val) {
        char *k = prefix ? g_strdup_printf("%s.%s", prefix, key) : g_strdup(key);
        bool ok = true;
        switch (json_object_get_type(val)) {
        case json_type_object:
            ok = flatten(o, k, val, errp);
            break;
        case json_type_string:
            block_opts_set(o, k, json_object_get_string(val));
            break;
        case json_type_boolean:
            block_opts_set(o, k, json_object_get_boolean(val) ? "on" : "off");
            break;
        case json_type_int:
            block_opts_set(o, k, json_object_to_json_string(val));
            break;
        case json_type_null:
            /* "backing": null means no backing file. */
            block_opts_set(o, k, "null");
            break;
        default:
            error_setg(errp, "-blockdev: option '%s' has an unsupported JSON type", k);
            ok = false;
        }
        g_free(k);
        if (!ok) {
            return false;
        }
    }
    return true;
}

bool blockdev_add(const char *spec, Error **errp)
{
    module_call_init(MODULE_INIT_BLOCK);
    BlockOpts *o = block_opts_new();
    bool ok;
    if (spec[strspn(spec, " \t")] == '{') {
        enum json_tokener_error jerr;
        json_object *obj = json_tokener_parse_verbose(spec, &jerr);
        if (!obj || !json_object_is_type(obj, json_type_object)) {
            error_setg(errp, "-blockdev: not a JSON object: %s",
                       obj ? "not an object" : json_tokener_error_desc(jerr));
            json_object_put(obj);
            block_opts_free(o);
            return false;
        }
        ok = flatten(o, NULL, obj, errp);
        json_object_put(obj);
    } else {
        ok = block_opts_parse(o, spec, errp);
    }
    if (ok && !block_opts_has(o, "driver")) {
        error_setg(errp, "-blockdev: driver= is missing");
        ok = false;
    }
    if (ok && !block_opts_has(o, "node-name")) {
        error_setg(errp, "-blockdev: node-name= is missing (a device names the node by it)");
        ok = false;
    }
    if (ok) {
        /* The node stays open with the reference bdrv_open returns: the
         * command line holds it for the life of the process. */
        ok = bdrv_open(NULL, NULL, o, BDRV_O_RDWR, errp) != NULL;
    }
    block_opts_free(o);
    return ok;
}
