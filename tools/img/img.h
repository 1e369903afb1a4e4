/*
 * cardcage-img: qemu-img's verbs on the block layer (docs/block.md,
 * "cardcage-img").  One file per group of verbs:
 *
 *   main.c      dispatch, --help
 *   common.c    sizes, opening images, status through backing chains,
 *               progress bar, messages
 *   create.c    create, resize
 *   info.c      info, map
 *   check.c     check, compare
 *   convert.c   convert
 *   snapshot.c  snapshot
 *   chain.c     commit, rebase
 *
 * Every verb returns its exit status; errors are one line on stderr
 * ("cardcage-img: FILE: what is wrong").
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef TOOLS_IMG_H
#define TOOLS_IMG_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <cardcage/block.h>

/* Image sizes are whole 512-byte sectors, as qemu-img makes and sees them
 * (a size of 1000 becomes 1024; a raw file of 1000 bytes is 1024 long to
 * convert and info). */
#define IMG_ROUND_SECTOR(x) (((uint64_t)(x) + BDRV_SECTOR_SIZE - 1) & \
                             ~(uint64_t)(BDRV_SECTOR_SIZE - 1))

/* The I/O unit of the copying verbs: big requests, few syscalls. */
#define IMG_BUF_SIZE (2u << 20)

typedef struct ImgVerb {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *synopsis;     /* "create [-f FMT] ... FILE [SIZE]" */
    const char *help;         /* the options, one per line */
} ImgVerb;

extern const ImgVerb img_verb_create, img_verb_resize, img_verb_info, img_verb_map,
                     img_verb_check, img_verb_compare, img_verb_convert,
                     img_verb_snapshot, img_verb_commit, img_verb_rebase;

/* ---- messages ---- */
void img_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* err's message after "FILE: " (when file is not NULL); frees err. */
void img_report(const char *file, Error *err);
/* The verb's usage, on stdout (--help) or as a one-line hint on stderr. */
int img_usage(const ImgVerb *v, bool to_stdout);
/* Reset getopt for a verb's argv (argv[0] is the verb). */
void img_getopt_reset(void);
/* The message for a bad option getopt returned ('?' or ':'). */
int img_bad_option(const ImgVerb *v, int argc, char **argv);

/* ---- values ---- */
/* qemu-img's sizes: a number with an optional k/K, M, G, T, P, E suffix
 * (powers of 1024; a fraction with a suffix: 1.5G) or B for bytes. */
bool img_parse_size(const char *s, uint64_t *out);
/* qemu's size_to_str: "8 MiB", "332 KiB", "1.5 GiB". */
char *img_size_to_str(uint64_t v);
/* qemu's path_combine: name relative to the directory of base. */
char *img_path_combine(const char *base, const char *name);

/* ---- images ---- */
/* -U (--force-share): open read-only images without taking a lock, so an
 * image a running machine holds can be looked at (as qemu-img -U). */
extern bool img_force_share;
/* Open, printing the error (naming the file) on failure. */
BlockDriverState *img_open(const char *file, const char *fmt, BlockOpts *opts, int flags);
/* The format driver's name of a node ("qcow2", "raw"). */
const char *img_format(BlockDriverState *bs);

/*
 * The block status of [off, off+bytes) through the backing chain of bs,
 * down to (not into) base (NULL: the whole chain): BDRV_BLOCK_* flags with
 * ALLOCATED meaning "some node above base holds it", *depth the index of
 * the node that answered (0: bs itself), map and file as bdrv_block_status
 * gives them.  Ranges past the end of a backing node read as zeroes.
 */
int img_status_above(BlockDriverState *bs, BlockDriverState *base, uint64_t off,
                     uint64_t bytes, uint64_t *pnum, int *depth, uint64_t *map,
                     BlockDriverState **file);

/* Is buf all zeroes? */
bool img_is_zero(const uint8_t *buf, size_t len);

/* Same file (device and inode)?  false when either does not exist. */
bool img_same_file(const char *a, const char *b);

/* ---- shared by verbs ---- */
/* Parse -o text into opts, refusing keys the format's create() does not
 * take (BlockDriver.create_opts); "help" lists them and sets *listed. */
bool img_parse_create_opts(BlockDriver *drv, const char *text, BlockOpts *opts, bool *listed);
/* Create FILE with drv from opts (size and -o options), printing qemu-img's
 * "Formatting ..." line unless quiet (create, convert). */
bool img_create_image(const char *file, BlockDriver *drv, BlockOpts *opts, bool quiet);
/* qemu's snapshot table (bdrv_snapshot_dump): info and snapshot -l. */
void img_print_snapshots(const BlockSnapshotInfo *l, int n);

/* ---- progress ---- */
typedef struct ImgProgress {
    bool on;
    int last;       /* hundredths of a percent last shown */
} ImgProgress;
void img_progress_start(ImgProgress *p, bool on);
void img_progress(ImgProgress *p, uint64_t done, uint64_t total);
void img_progress_end(ImgProgress *p);

/* ---- --output= ---- */
/* "human" or "json"; false (message printed) for anything else. */
bool img_parse_output(const char *arg, bool *json);

#endif
