/*
 * Screendumps: a console's picture, freshly redrawn, as a binary PPM
 * (Netpbm "P6", maxval 255, as QEMU writes it) or a PNG (libpng, 8-bit
 * RGB).  The file is written under a temporary name and renamed, so a
 * reader never sees half a picture.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <png.h>
#include <cardcage/display.h>

/* One line of the surface as packed 8-bit RGB. */
static void surface_line_rgb(const DisplaySurface *s, int y, uint8_t *out)
{
    for (int x = 0; x < s->width; x++) {
        uint32_t c = surface_get_rgb(s, x, y);
        out[3 * x] = c >> 16;
        out[3 * x + 1] = c >> 8;
        out[3 * x + 2] = c;
    }
}

static bool write_ppm(FILE *f, const DisplaySurface *s)
{
    uint8_t *line = g_malloc((size_t)s->width * 3);
    bool ok = fprintf(f, "P6\n%d %d\n255\n", s->width, s->height) > 0;
    for (int y = 0; ok && y < s->height; y++) {
        surface_line_rgb(s, y, line);
        ok = fwrite(line, 3, s->width, f) == (size_t)s->width;
    }
    g_free(line);
    return ok;
}

static bool write_png(FILE *f, const DisplaySurface *s, Error **errp)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    uint8_t *volatile line = NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        error_setg(errp, "libpng: out of memory");
        return false;
    }
    /* libpng reports its errors by longjmp to here. */
    if (setjmp(png_jmpbuf(png))) {
        g_free(line);
        png_destroy_write_struct(&png, &info);
        error_setg(errp, "libpng failed to write the image");
        return false;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, s->width, s->height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    line = g_malloc((size_t)s->width * 3);
    for (int y = 0; y < s->height; y++) {
        surface_line_rgb(s, y, line);
        png_write_row(png, line);
    }
    png_write_end(png, NULL);
    g_free(line);
    png_destroy_write_struct(&png, &info);
    return true;
}

bool display_screendump(DisplayConsole *con, const char *path, DisplayImageFormat fmt,
                        Error **errp)
{
    display_refresh_now(con, true);
    DisplaySurface *s = console_surface(con);
    if (!s) {
        error_setg(errp, "the display has no picture yet (the card drew nothing)");
        return false;
    }
    char *tmp = g_strdup_printf("%s.tmp-XXXXXX", path);
    int fd = g_mkstemp(tmp);
    if (fd >= 0) {
        /* mkstemp makes the file private; a screendump gets the usual
         * permissions of a new file, as QEMU's does. */
        mode_t mask = umask(0);
        umask(mask);
        fchmod(fd, 0666 & ~mask);
    }
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f) {
        error_setg(errp, "could not open '%s': %s", path, g_strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        g_free(tmp);
        return false;
    }
    Error *err = NULL;
    bool ok = fmt == DISPLAY_IMAGE_PNG ? write_png(f, s, &err) : write_ppm(f, s);
    ok = (fclose(f) == 0) && ok;
    if (ok && rename(tmp, path) != 0) {
        error_setg(errp, "could not write '%s': %s", path, g_strerror(errno));
        ok = false;
    } else if (!ok) {
        if (err) {
            error_propagate(errp, err);
        } else {
            error_setg(errp, "could not write '%s': %s", path, g_strerror(errno));
        }
    }
    if (!ok) {
        unlink(tmp);
    }
    g_free(tmp);
    return ok;
}
