/*
 * The terminal's text screen (-display curses), through ncurses.
 *
 * The card's text cells (console_set_text: code page 437 characters and
 * VGA attributes) are drawn as Unicode characters in the terminal's
 * colours after each refresh, only the rows the card reported changed;
 * the cursor follows the card's.  A graphics mode shows a one-line notice
 * instead.  Threads: none; the terminal is read from a watch on the main
 * loop's context.
 *
 * Keys: a terminal sends characters and escape sequences, not keys.
 * ncurses decodes the sequences of the cursor and function keys; each
 * character becomes the key (and Shift or AltGr) that types it on the
 * guest's layout (-k); control characters become Ctrl plus the letter,
 * and ESC followed at once by a character becomes Alt plus that key.  Each
 * key is pressed and released through the input layer's paced queue, so
 * pasted text does not overflow the guest's keyboard buffer.
 *
 * SPDX-License-Identifier: MIT
 */
#include <locale.h>
#include <string.h>
#include <unistd.h>
#include <glib-unix.h>
#include <curses.h>
#include <cardcage/display.h>
#include <cardcage/log.h>
#include "input/input-internal.h"
#include "main/runstate.h"
#include "ui/display-internal.h"
#include "ui/frontend.h"
#include "ui/keymap.h"

/* How long ncurses waits for the rest of an escape sequence (ms): a
 * terminal sends a sequence in one write, a person types slower. */
#define CURSES_ESC_DELAY_MS 25

LOG_CATEGORY(curses_log, "curses", "the curses text screen: modes, keys without a PC key");

typedef struct CursesUI {
    DisplayListener dl;
    bool started;
    guint stdin_watch;
    int dirty_y0, dirty_y1;          /* rows to redraw: [y0, y1) */
    bool graphics;                   /* the notice is on the screen */
    int notice_w, notice_h;
    bool colours;
    SCREEN *screen;
} CursesUI;

static CursesUI cui;

/* ---- characters and colours ---- */

/* Code page 437 (the VGA ROM font's character set, IBM PC Technical
 * Reference) as Unicode: the glyphs of the control codes, then 0x7f-0xff. */
static const char cp437_low[] =
    " ☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼";
static const char cp437_high[] =
    "⌂ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐"
    "└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■ ";

static wchar_t cp437[256];

static void cp437_init(void)
{
    const char *p = cp437_low;
    for (int i = 0; i < 0x20; i++, p = g_utf8_next_char(p)) {
        cp437[i] = g_utf8_get_char(p);
    }
    for (int i = 0x20; i < 0x7f; i++) {
        cp437[i] = i;
    }
    p = cp437_high;
    for (int i = 0x7f; i < 0x100; i++, p = g_utf8_next_char(p)) {
        cp437[i] = g_utf8_get_char(p);
    }
}

/* VGA's colour numbers (blue = 1, green = 2, red = 4) as curses's (red =
 * 1, green = 2, blue = 4). */
static const short vga_to_curses[8] = {
    COLOR_BLACK, COLOR_BLUE, COLOR_GREEN, COLOR_CYAN,
    COLOR_RED, COLOR_MAGENTA, COLOR_YELLOW, COLOR_WHITE,
};

/* Pair n holds foreground (n & 7) ^ 7 on background n >> 3, so that pair
 * 0, the terminal's default that cannot be changed, is light grey on
 * black, VGA's usual 0x07; 64 pairs fit the 64 a plain terminal has. */
static short pair_of(int fg, int bg)
{
    return (short)((bg << 3) | (fg ^ 7));
}

static void colours_init(void)
{
    cui.colours = has_colors() && start_color() == OK && COLORS >= 8 && COLOR_PAIRS >= 64;
    if (!cui.colours) {
        return;
    }
    for (int bg = 0; bg < 8; bg++) {
        for (int fg = 0; fg < 8; fg++) {
            short n = pair_of(fg, bg);
            if (n) {
                init_pair(n, vga_to_curses[fg], vga_to_curses[bg]);
            }
        }
    }
}

/* A VGA attribute (background << 4 | foreground) as curses attributes:
 * the bright foregrounds are bold; bit 7 (blink or bright background)
 * is left out, as a terminal has neither reliably. */
static attr_t attr_of(uint8_t a, short *pair)
{
    int fg = a & 7, bg = (a >> 4) & 7;
    attr_t at = (a & 8) ? A_BOLD : A_NORMAL;
    if (cui.colours) {
        *pair = pair_of(fg, bg);
    } else {
        *pair = 0;
        if (bg && !fg) {
            at |= A_REVERSE;
        }
    }
    return at;
}

/* ---- drawing ---- */

static void draw_rows(DisplayConsole *con, int y0, int y1)
{
    int cols, rows;
    const ConsoleTextCell *cells = console_get_text(con, &cols, &rows);
    if (!cells) {
        return;
    }
    int w = MIN(cols, COLS), h = MIN(rows, LINES);
    for (int y = MAX(y0, 0); y < MIN(y1, h); y++) {
        for (int x = 0; x < w; x++) {
            const ConsoleTextCell *c = &cells[(size_t)y * cols + x];
            wchar_t wc[2] = { cp437[c->ch], 0 };
            short pair;
            attr_t at = attr_of(c->attr, &pair);
            cchar_t cc;
            setcchar(&cc, wc, at, pair, NULL);
            mvadd_wch(y, x, &cc);
        }
    }
}

static void draw_notice(DisplaySurface *s)
{
    erase();
    mvprintw(0, 0, "cardcage: the guest is in a graphics mode (%dx%d); -display curses "
             "shows text modes only (screendump or -vnc show the picture)",
             s ? s->width : 0, s ? s->height : 0);
    cui.notice_w = s ? s->width : 0;
    cui.notice_h = s ? s->height : 0;
    curs_set(0);
}

static void place_cursor(DisplayConsole *con)
{
    int x, y;
    console_get_cursor(con, &x, &y);
    if (x >= 0 && y >= 0 && x < COLS && y < LINES) {
        move(y, x);
        curs_set(1);
    } else {
        curs_set(0);
    }
}

static void redraw(bool full)
{
    DisplayConsole *con = cui.dl.con;
    if (!con) {
        return;
    }
    int cols, rows;
    if (!console_get_text(con, &cols, &rows)) {
        DisplaySurface *s = console_surface(con);
        if (!s) {
            return;                  /* the card has not drawn yet */
        }
        int w = s ? s->width : 0, h = s ? s->height : 0;
        if (full || !cui.graphics || w != cui.notice_w || h != cui.notice_h) {
            draw_notice(s);
            cui.graphics = true;
            refresh();
        }
        return;
    }
    if (cui.graphics || full) {
        erase();
        cui.graphics = false;
        cui.dirty_y0 = 0;
        cui.dirty_y1 = rows;
    }
    if (cui.dirty_y1 > cui.dirty_y0) {
        draw_rows(con, cui.dirty_y0, cui.dirty_y1);
        cui.dirty_y0 = cui.dirty_y1 = 0;
    }
    place_cursor(con);
    refresh();
}

static void curses_text_updated(DisplayListener *dl, int x, int y, int w, int h)
{
    if (cui.dirty_y1 <= cui.dirty_y0) {
        cui.dirty_y0 = y;
        cui.dirty_y1 = y + h;
    } else {
        cui.dirty_y0 = MIN(cui.dirty_y0, y);
        cui.dirty_y1 = MAX(cui.dirty_y1, y + h);
    }
}

static void curses_surface_changed(DisplayListener *dl, DisplaySurface *surface)
{
    /* A mode change: everything is drawn again after the refresh. */
    cui.dirty_y0 = 0;
    cui.dirty_y1 = INT_MAX;
}

static void curses_refreshed(DisplayListener *dl)
{
    redraw(false);
}

static const DisplayListenerOps curses_listener_ops = {
    .name = "curses",
    .surface_changed = curses_surface_changed,
    .text_updated = curses_text_updated,
    .refreshed = curses_refreshed,
};

/* ---- keys ---- */

enum {
    QNUM_CTRL = 0x1d,
    QNUM_ALT = 0x38,
};

static void tap(int qnum, bool ctrl, bool alt, bool shift, bool altgr)
{
    const int mods[4] = { ctrl ? QNUM_CTRL : 0, alt ? QNUM_ALT : 0,
                          shift ? KEYMAP_QNUM_SHIFT_L : 0, altgr ? KEYMAP_QNUM_ALTGR : 0 };
    for (int i = 0; i < 4; i++) {
        if (mods[i]) {
            input_queue_key(mods[i], true);
        }
    }
    input_queue_key(qnum, true);
    input_queue_key(qnum, false);
    for (int i = 4; i-- > 0;) {
        if (mods[i]) {
            input_queue_key(mods[i], false);
        }
    }
}

/* ncurses's key codes (curses.h) of the keys that are no character. */
static const struct {
    int code;
    uint8_t qnum;
    bool shift;
} curses_keys[] = {
    { KEY_UP, 0xc8, false }, { KEY_DOWN, 0xd0, false }, { KEY_LEFT, 0xcb, false }, { KEY_RIGHT, 0xcd, false },
    { KEY_HOME, 0xc7, false }, { KEY_END, 0xcf, false }, { KEY_PPAGE, 0xc9, false }, { KEY_NPAGE, 0xd1, false },
    { KEY_IC, 0xd2, false }, { KEY_DC, 0xd3, false }, { KEY_BACKSPACE, 0x0e, false }, { KEY_ENTER, 0x1c, false },
    { KEY_BTAB, 0x0f, true }, { KEY_SR, 0xc8, true }, { KEY_SF, 0xd0, true },
    { KEY_SLEFT, 0xcb, true }, { KEY_SRIGHT, 0xcd, true },
    { KEY_SHOME, 0xc7, true }, { KEY_SEND, 0xcf, true },
};

/* F1..F10 are 0x3b..0x44, F11 and F12 0x57, 0x58 (scan code set 1). */
static int fkey_qnum(int n)
{
    return n <= 10 ? 0x3a + n : 0x56 + (n - 10);
}

static void special_key(int code, bool alt)
{
    /* Terminals report Shift+F1..F12 as F13..F24 (xterm's convention). */
    if (code >= KEY_F(1) && code <= KEY_F(24)) {
        int n = code - KEY_F0;
        tap(fkey_qnum(n > 12 ? n - 12 : n), false, alt, n > 12, false);
        return;
    }
    if (code == KEY_RESIZE) {
        redraw(true);
        return;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(curses_keys); i++) {
        if (curses_keys[i].code == code) {
            tap(curses_keys[i].qnum, false, alt, curses_keys[i].shift, false);
            return;
        }
    }
    log_mask(curses_log, "curses: key code %d has no PC key\n", code);
}

static void char_key(wint_t ch, bool alt)
{
    KeymapKey k;
    /* Control characters: Ctrl and the letter (Ctrl-A is 1), except the
     * ones that are keys of their own (Tab, Return, Backspace, Escape). */
    if (ch >= 1 && ch <= 26 && ch != '\t' && ch != '\r' && ch != '\n' && ch != '\b') {
        if (keymap_from_char('a' + ch - 1, &k)) {
            tap(k.qnum, true, alt, false, false);
        }
        return;
    }
    if (ch == 0) {                   /* Ctrl-Space (or Ctrl-@) */
        tap(0x39, true, alt, false, false);
        return;
    }
    if (!keymap_from_char(ch, &k)) {
        log_mask(curses_log, "curses: U+%04X has no key on the %s layout\n", (unsigned)ch,
                 keymap_layout());
        return;
    }
    tap(k.qnum, false, alt, k.shift, k.altgr);
}

static gboolean stdin_ready(gint fd, GIOCondition cond, gpointer opaque)
{
    if (cond & (G_IO_HUP | G_IO_ERR)) {
        /* The terminal is gone: so is the person using it. */
        runstate_shutdown_request(0, SHUTDOWN_CAUSE_HOST_SIGNAL);
        cui.stdin_watch = 0;
        return G_SOURCE_REMOVE;
    }
    wint_t ch;
    int r;
    while ((r = get_wch(&ch)) != ERR) {
        bool alt = false;
        if (r == OK && ch == 0x1b) {
            /* ESC and, in the same burst, another character: Alt+that. */
            wint_t next;
            int r2 = get_wch(&next);
            if (r2 == ERR) {
                tap(0x01, false, false, false, false);
                continue;
            }
            alt = true;
            r = r2;
            ch = next;
        }
        if (r == KEY_CODE_YES) {
            special_key((int)ch, alt);
        } else {
            char_key(ch, alt);
        }
    }
    return G_SOURCE_CONTINUE;
}

/* ---- start and stop ---- */

bool curses_display_start(Error **errp)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        error_setg(errp, "-display curses: standard input and output must be a terminal");
        return false;
    }
    /* Unicode output (the code page 437 glyphs) in the terminal's
     * encoding. */
    setlocale(LC_CTYPE, "");
    cp437_init();
    cui.screen = newterm(NULL, stdout, stdin);
    if (!cui.screen) {
        error_setg(errp, "-display curses: the terminal (TERM=%s) is not one ncurses knows",
                   g_getenv("TERM") ? g_getenv("TERM") : "");
        return false;
    }
    set_term(cui.screen);
    cui.started = true;
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    /* Draw even while keys wait to be read: ncurses would otherwise put
     * off an update whenever input is pending. */
    typeahead(-1);
    set_escdelay(CURSES_ESC_DELAY_MS);
    colours_init();
    cui.dl.ops = &curses_listener_ops;
    if (!display_listener_register(&cui.dl, NULL, errp)) {
        error_prepend(errp, "-display curses: ");
        curses_display_cleanup();
        return false;
    }
    redraw(true);
    cui.stdin_watch = g_unix_fd_add(STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR, stdin_ready,
                                    NULL);
    return true;
}

void curses_display_cleanup(void)
{
    if (!cui.started) {
        return;
    }
    if (cui.stdin_watch) {
        g_source_remove(cui.stdin_watch);
        cui.stdin_watch = 0;
    }
    display_listener_unregister(&cui.dl);
    endwin();
    delscreen(cui.screen);
    cui.screen = NULL;
    cui.started = false;
}
