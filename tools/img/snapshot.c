/*
 * cardcage-img snapshot: list, create, apply and delete internal
 * snapshots (qcow2).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>
#include "img.h"

static int run_snapshot(int argc, char **argv)
{
    const char *fmt = NULL, *name = NULL;
    char action = 0;
    bool quiet = false;
    static const struct option longopts[] = {
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    while ((c = getopt_long(argc, argv, ":f:la:c:d:qU", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'l': case 'a': case 'c': case 'd':
            if (action) {
                img_error("snapshot: give one of -l, -a, -c, -d");
                return 1;
            }
            action = (char)c;
            name = c == 'l' ? NULL : optarg;
            break;
        case 'q': quiet = true; break;
        case 'U': img_force_share = true; break;
        default: return img_bad_option(&img_verb_snapshot, argc, argv);
        }
    }
    if (argc - optind != 1) {
        return img_usage(&img_verb_snapshot, false);
    }
    if (!action) {
        action = 'l';
    }
    const char *file = argv[optind];
    if (name && !*name) {
        img_error("%s: a snapshot needs a name", file);
        return 1;
    }
    BlockDriverState *bs = img_open(file, fmt, NULL, action == 'l' ? 0 : BDRV_O_RDWR);
    if (!bs) {
        return 1;
    }
    Error *err = NULL;
    bool ok = true;
    switch (action) {
    case 'l': {
        BlockSnapshotInfo *l = NULL;
        int n = bdrv_snapshot_list(bs, &l);
        if (n < 0) {
            img_error("%s: format %s does not support snapshots", file, img_format(bs));
            ok = false;
        } else if (n > 0 && !quiet) {
            printf("Snapshot list:\n");
            img_print_snapshots(l, n);
        }
        g_free(l);
        break;
    }
    case 'c': {
        BlockSnapshotInfo sn = { 0 };
        if (strlen(name) >= sizeof(sn.name)) {
            img_error("%s: snapshot name '%.32s...' is too long", file, name);
            ok = false;
            break;
        }
        BlockSnapshotInfo *l = NULL;
        int n = bdrv_snapshot_list(bs, &l);
        for (int i = 0; i < n; i++) {
            if (!strcmp(l[i].name, name)) {
                img_error("%s: a snapshot named '%s' exists already", file, name);
                ok = false;
            }
        }
        g_free(l);
        g_strlcpy(sn.name, name, sizeof(sn.name));
        ok = ok && bdrv_snapshot_create(bs, &sn, &err);
        break;
    }
    case 'a':
        ok = bdrv_snapshot_goto(bs, name, &err);
        break;
    case 'd':
        ok = bdrv_snapshot_delete(bs, name, &err);
        break;
    }
    if (!ok && err) {
        static const char *const what[] = { ['a'] = "apply", ['c'] = "create",
                                            ['d'] = "delete" };
        img_error("%s: could not %s snapshot '%s': %s", file, what[(int)action], name,
                  error_get_pretty(err));
        error_free(err);
    }
    int r = ok && action != 'l' ? bdrv_flush(bs) : 0;
    if (r < 0) {
        img_error("%s: flush: %s", file, g_strerror(-r));
        ok = false;
    }
    bdrv_unref(bs);
    return ok ? 0 : 1;
}

const ImgVerb img_verb_snapshot = {
    "snapshot", run_snapshot,
    "snapshot [-q] [-f FMT] [-l | -a NAME | -c NAME | -d NAME] FILE",
    "  -l        list the internal snapshots (the default)\n"
    "  -c NAME   create a snapshot of the current disk\n"
    "  -a NAME   apply (revert the disk to) a snapshot, by name or id\n"
    "  -d NAME   delete a snapshot, by name or id\n",
};
