/*
 * The CMOS file: the RTC's 128 bytes kept on the host across runs.
 *
 * The file is a raw image of exactly 128 bytes, index 0 first (the format
 * Bochs' "cmosimage" option also uses).  It is opened (or created) and
 * locked when the RTC is realized and stays open; every byte the guest
 * changes is written through at once, so the file is current at every
 * moment, whether the emulator exits cleanly, is killed or crashes.  No
 * exit hook is needed.  On unrealize the whole image is written once more
 * (with the clock registers as they stand) and the file closed.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RTC_CMOS_FILE_H
#define RTC_CMOS_FILE_H

#include <cardcage/error.h>

#define CMOS_FILE_SIZE 128

typedef struct CMOSFile {
    int fd;                 /* -1 when there is no file */
    char *path;
    bool warned;            /* a failed write was reported once */
} CMOSFile;

/* Open path, locking it against a second emulator.  If it exists, it must
 * be a regular file of exactly CMOS_FILE_SIZE bytes, which are read into
 * image (*loaded set); if not, it is created with image's contents. */
bool cmos_file_open(CMOSFile *f, const char *path, uint8_t *image, bool *loaded,
                    Error **errp);
/* Write bytes [off, off + len) of the image through to the file. */
void cmos_file_write(CMOSFile *f, unsigned off, const uint8_t *data, unsigned len);
/* Write the whole image and close. */
void cmos_file_close(CMOSFile *f, const uint8_t *image);

#endif
