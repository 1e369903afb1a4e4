/*
 * -display: which front end shows the machine (frontend.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>
#include <cardcage/log.h>
#include "cardcage-config.h"
#include "ui/display-internal.h"
#include "ui/frontend.h"

static char *requested;             /* -display's type; NULL: not given */
static const char *running;         /* the front end started; NULL: none */

bool display_set_frontend(const char *name, Error **errp)
{
    bool known = !strcmp(name, "none") || !strcmp(name, "sdl") || !strcmp(name, "curses");
    if (!known) {
        error_setg(errp, "-display %s: expected none, sdl or curses", name);
        return false;
    }
#if !CONFIG_SDL
    if (!strcmp(name, "sdl")) {
        error_setg(errp, "-display sdl: this cardcage was built without SDL2 (install "
                   "libsdl2-dev and build again)");
        return false;
    }
#endif
#if !CONFIG_CURSES
    if (!strcmp(name, "curses")) {
        error_setg(errp, "-display curses: this cardcage was built without ncurses (install "
                   "libncurses-dev and build again)");
        return false;
    }
#endif
    g_free(requested);
    requested = g_strdup(name);
    return true;
}

const char *display_frontend(void)
{
    return running ? running : "none";
}

bool display_frontend_owns_terminal(void)
{
    return requested && !strcmp(requested, "curses");
}

static bool desktop_present(void)
{
    const char *x = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY");
    return (x && *x) || (w && *w);
}

bool display_frontend_start(bool nographic, Error **errp)
{
    if (nographic && requested && strcmp(requested, "none")) {
        error_setg(errp, "-nographic cannot be used with -display %s (-nographic is "
                   "-display none with the serial port on the terminal)", requested);
        return false;
    }
    if (!requested) {
#if CONFIG_SDL
        /* A machine with no display card has nothing to show. */
        if (!nographic && desktop_present() && console_find(0)) {
            Error *err = NULL;
            if (sdl_display_start(&err)) {
                running = "sdl";
            } else {
                warn_report("no window (%s); running without a display: -display none "
                            "or -nographic says so", error_get_pretty(err));
                error_free(err);
            }
        }
#endif
        return true;
    }
#if CONFIG_SDL
    if (!strcmp(requested, "sdl")) {
        if (!sdl_display_start(errp)) {
            return false;
        }
        running = "sdl";
    }
#endif
#if CONFIG_CURSES
    if (!strcmp(requested, "curses")) {
        if (!curses_display_start(errp)) {
            return false;
        }
        running = "curses";
    }
#endif
    return true;
}

void display_frontend_cleanup(void)
{
#if CONFIG_SDL
    if (running && !strcmp(running, "sdl")) {
        sdl_display_cleanup();
    }
#endif
#if CONFIG_CURSES
    if (running && !strcmp(running, "curses")) {
        curses_display_cleanup();
    }
#endif
    running = NULL;
    g_clear_pointer(&requested, g_free);
}
