/*
 * Keyboard layouts for -k (keymap.h): the character each key of the main
 * block types, plain, with Shift and with AltGr, on the PC 101/102-key
 * keyboard as the layouts of the X keyboard configuration and the national
 * standards (DIN 2137 for de, the AZERTY of NF Z71-300's predecessor for
 * fr, BS 4822 for gb) place them.
 *
 * A layout is a few rows of keys with consecutive scan codes (set 1: the
 * digit row starts at 0x02, the Q row at 0x10, the A row at 0x1e, the Z
 * row at 0x2c), written as UTF-8 strings of one character per key; a
 * space means the key types nothing at that level.  The keys that are
 * dead keys on a layout (the next key gets the accent) are listed apart:
 * the dead keysym maps to them, and so does the spacing accent when the
 * layout has no other key for it.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <glib.h>
#include "ui/keymap.h"

enum { LEVEL_PLAIN, LEVEL_SHIFT, LEVEL_ALTGR, LEVELS };

typedef struct KeyRow {
    uint8_t first;               /* scan code of the row's first key */
    const char *level[LEVELS];   /* NULL: no character at that level */
} KeyRow;

typedef struct DeadKey {
    uint8_t qnum;
    uint8_t level;
    uint32_t keysym;             /* dead_grave, dead_acute, ... */
} DeadKey;

#define MAX_ROWS 8
#define MAX_DEAD 4

typedef struct Layout {
    const char *name;
    const char *description;
    KeyRow rows[MAX_ROWS];
    DeadKey dead[MAX_DEAD];
} Layout;

/* X keysyms of the dead accents (keysymdef.h). */
#define XK_dead_grave      0xfe50
#define XK_dead_acute      0xfe51
#define XK_dead_circumflex 0xfe52
#define XK_dead_tilde      0xfe53
#define XK_dead_diaeresis  0xfe57

static const Layout layouts[] = {
    { "en-us", "English (US)", {
        { 0x29, { "`", "~" } },
        { 0x02, { "1234567890-=", "!@#$%^&*()_+" } },
        { 0x10, { "qwertyuiop[]", "QWERTYUIOP{}" } },
        { 0x1e, { "asdfghjkl;'", "ASDFGHJKL:\"" } },
        { 0x2b, { "\\", "|" } },
        { 0x2c, { "zxcvbnm,./", "ZXCVBNM<>?" } },
    }, { { 0 } } },
    { "gb", "English (UK)", {
        { 0x29, { "`", "¬", "¦" } },
        { 0x02, { "1234567890-=", "!\"£$%^&*()_+", "   €" } },
        { 0x10, { "qwertyuiop[]", "QWERTYUIOP{}" } },
        { 0x1e, { "asdfghjkl;'", "ASDFGHJKL:@" } },
        { 0x2b, { "#", "~" } },
        { 0x56, { "\\", "|" } },
        { 0x2c, { "zxcvbnm,./", "ZXCVBNM<>?" } },
    }, { { 0 } } },
    { "de", "German (QWERTZ)", {
        { 0x29, { "^", "°" } },
        { 0x02, { "1234567890ß´", "!\"§$%&/()=?`", " ²³   {[]}\\" } },
        { 0x10, { "qwertzuiopü+", "QWERTZUIOPÜ*", "@ €        ~" } },
        { 0x1e, { "asdfghjklöä", "ASDFGHJKLÖÄ" } },
        { 0x2b, { "#", "'" } },
        { 0x56, { "<", ">", "|" } },
        { 0x2c, { "yxcvbnm,.-", "YXCVBNM;:_", "      µ" } },
    }, {
        { 0x29, LEVEL_PLAIN, XK_dead_circumflex },
        { 0x0d, LEVEL_PLAIN, XK_dead_acute },
        { 0x0d, LEVEL_SHIFT, XK_dead_grave },
    } },
    { "fr", "French (AZERTY)", {
        { 0x29, { "²" } },
        { 0x02, { "&é\"'(-è_çà)=", "1234567890°+", " ~#{[|`\\^@]}" } },
        { 0x10, { "azertyuiop^$", "AZERTYUIOP¨£", "  €        ¤" } },
        { 0x1e, { "qsdfghjklmù", "QSDFGHJKLM%" } },
        { 0x2b, { "*", "µ" } },
        { 0x56, { "<", ">" } },
        { 0x2c, { "wxcvbn,;:!", "WXCVBN?./§" } },
    }, {
        { 0x1a, LEVEL_PLAIN, XK_dead_circumflex },
        { 0x1a, LEVEL_SHIFT, XK_dead_diaeresis },
    } },
};

static const Layout *current = &layouts[0];

bool keymap_set_layout(const char *name, Error **errp)
{
    /* QEMU's name of the US layout is en-us; "us" is what X calls it. */
    const char *want = !strcmp(name, "us") ? "en-us" : name;
    for (size_t i = 0; i < G_N_ELEMENTS(layouts); i++) {
        if (!strcmp(layouts[i].name, want)) {
            current = &layouts[i];
            return true;
        }
    }
    GString *names = g_string_new(NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(layouts); i++) {
        g_string_append_printf(names, "%s%s", i ? ", " : "", layouts[i].name);
    }
    error_setg(errp, "-k %s: unknown keyboard layout (cardcage has %s; -k help lists them)",
               name, names->str);
    g_string_free(names, TRUE);
    return false;
}

const char *keymap_layout(void)
{
    return current->name;
}

void keymap_print_layouts(FILE *out)
{
    fprintf(out, "Keyboard layouts (-k):\n");
    for (size_t i = 0; i < G_N_ELEMENTS(layouts); i++) {
        fprintf(out, "  %-6s %s%s\n", layouts[i].name, layouts[i].description,
                &layouts[i] == &layouts[0] ? " (default)" : "");
    }
}

/* ---- lookups ---- */

static bool is_dead(const Layout *l, int qnum, int level)
{
    for (size_t i = 0; i < MAX_DEAD && l->dead[i].keysym; i++) {
        if (l->dead[i].qnum == qnum && l->dead[i].level == level) {
            return true;
        }
    }
    return false;
}

/* The key typing ch at some level; dead keys only when want_dead. */
static bool find_char(const Layout *l, uint32_t ch, bool want_dead, KeymapKey *key)
{
    for (int level = 0; level < LEVELS; level++) {
        for (size_t r = 0; r < MAX_ROWS && l->rows[r].first; r++) {
            const char *p = l->rows[r].level[level];
            for (int i = 0; p && *p; i++, p = g_utf8_next_char(p)) {
                int qnum = l->rows[r].first + i;
                if (g_utf8_get_char(p) == ch && ch != ' ' &&
                    is_dead(l, qnum, level) == want_dead) {
                    *key = (KeymapKey){ .qnum = qnum, .shift = level == LEVEL_SHIFT,
                                        .altgr = level == LEVEL_ALTGR };
                    return true;
                }
            }
        }
    }
    return false;
}

/* Keys that are the same on every layout. */
static const struct {
    uint32_t ch;
    uint8_t qnum;
} fixed_chars[] = {
    { ' ', 0x39 }, { '\n', 0x1c }, { '\r', 0x1c }, { '\t', 0x0f }, { '\b', 0x0e },
    { 0x7f, 0x0e }, { 0x1b, 0x01 },
};

bool keymap_from_char(uint32_t ch, KeymapKey *key)
{
    for (size_t i = 0; i < G_N_ELEMENTS(fixed_chars); i++) {
        if (fixed_chars[i].ch == ch) {
            *key = (KeymapKey){ .qnum = fixed_chars[i].qnum };
            return true;
        }
    }
    /* A character the layout types only with a dead key (de's '^') gets
     * that key: the guest shows it after the next key, as on the real
     * keyboard. */
    return find_char(current, ch, false, key) || find_char(current, ch, true, key);
}

/* X keysyms (X11 keysymdef.h) of the keys that are no character, and
 * their qnums (the scan code set 1 make code, + 0x80 for E0-prefixed keys;
 * see input.h). */
static const struct {
    uint32_t keysym;
    uint8_t qnum;
} keysym_keys[] = {
    { 0xff08, 0x0e },   /* BackSpace */
    { 0xff09, 0x0f },   /* Tab */
    { 0xfe20, 0x0f },   /* ISO_Left_Tab (Shift+Tab) */
    { 0xff0d, 0x1c },   /* Return */
    { 0xff13, 0xc6 },   /* Pause */
    { 0xff14, 0x46 },   /* Scroll_Lock */
    { 0xff15, 0x54 },   /* Sys_Req */
    { 0xff1b, 0x01 },   /* Escape */
    { 0xff50, 0xc7 },   /* Home */
    { 0xff51, 0xcb },   /* Left */
    { 0xff52, 0xc8 },   /* Up */
    { 0xff53, 0xcd },   /* Right */
    { 0xff54, 0xd0 },   /* Down */
    { 0xff55, 0xc9 },   /* Page_Up */
    { 0xff56, 0xd1 },   /* Page_Down */
    { 0xff57, 0xcf },   /* End */
    { 0xff61, 0xb7 },   /* Print */
    { 0xff63, 0xd2 },   /* Insert */
    { 0xff67, 0xdd },   /* Menu */
    { 0xff7f, 0x45 },   /* Num_Lock */
    { 0xff8d, 0x9c },   /* KP_Enter */
    { 0xff95, 0x47 },   /* KP_Home */
    { 0xff96, 0x4b },   /* KP_Left */
    { 0xff97, 0x48 },   /* KP_Up */
    { 0xff98, 0x4d },   /* KP_Right */
    { 0xff99, 0x50 },   /* KP_Down */
    { 0xff9a, 0x49 },   /* KP_Page_Up */
    { 0xff9b, 0x51 },   /* KP_Page_Down */
    { 0xff9c, 0x4f },   /* KP_End */
    { 0xff9d, 0x4c },   /* KP_Begin */
    { 0xff9e, 0x52 },   /* KP_Insert */
    { 0xff9f, 0x53 },   /* KP_Delete */
    { 0xffaa, 0x37 },   /* KP_Multiply */
    { 0xffab, 0x4e },   /* KP_Add */
    { 0xffac, 0x53 },   /* KP_Separator */
    { 0xffad, 0x4a },   /* KP_Subtract */
    { 0xffae, 0x53 },   /* KP_Decimal */
    { 0xffaf, 0xb5 },   /* KP_Divide */
    { 0xffb0, 0x52 }, { 0xffb1, 0x4f }, { 0xffb2, 0x50 }, { 0xffb3, 0x51 },  /* KP_0..3 */
    { 0xffb4, 0x4b }, { 0xffb5, 0x4c }, { 0xffb6, 0x4d }, { 0xffb7, 0x47 },  /* KP_4..7 */
    { 0xffb8, 0x48 }, { 0xffb9, 0x49 },                                      /* KP_8, 9 */
    { 0xffbd, 0x59 },   /* KP_Equal */
    { 0xffbe, 0x3b }, { 0xffbf, 0x3c }, { 0xffc0, 0x3d }, { 0xffc1, 0x3e },  /* F1..F4 */
    { 0xffc2, 0x3f }, { 0xffc3, 0x40 }, { 0xffc4, 0x41 }, { 0xffc5, 0x42 },  /* F5..F8 */
    { 0xffc6, 0x43 }, { 0xffc7, 0x44 }, { 0xffc8, 0x57 }, { 0xffc9, 0x58 },  /* F9..F12 */
    { 0xffe1, 0x2a },   /* Shift_L */
    { 0xffe2, 0x36 },   /* Shift_R */
    { 0xffe3, 0x1d },   /* Control_L */
    { 0xffe4, 0x9d },   /* Control_R */
    { 0xffe5, 0x3a },   /* Caps_Lock */
    { 0xffe7, 0xdb },   /* Meta_L */
    { 0xffe8, 0xdc },   /* Meta_R */
    { 0xffe9, 0x38 },   /* Alt_L */
    { 0xffea, 0xb8 },   /* Alt_R */
    { 0xffeb, 0xdb },   /* Super_L */
    { 0xffec, 0xdc },   /* Super_R */
    { 0xfe03, 0xb8 },   /* ISO_Level3_Shift (AltGr) */
    { 0xffff, 0xd3 },   /* Delete */
};

/* The spacing character of each dead accent, for a layout whose key for
 * it is not dead (en-us's '^' is Shift+6). */
static const struct {
    uint32_t keysym, spacing;
} dead_spacing[] = {
    { XK_dead_grave, '`' }, { XK_dead_acute, 0xb4 }, { XK_dead_circumflex, '^' },
    { XK_dead_tilde, '~' }, { XK_dead_diaeresis, 0xa8 },
};

/* X's keysym for the euro sign predates the Unicode keysyms. */
#define XK_EuroSign 0x20ac

bool keymap_from_keysym(uint32_t keysym, KeymapKey *key)
{
    for (size_t i = 0; i < G_N_ELEMENTS(keysym_keys); i++) {
        if (keysym_keys[i].keysym == keysym) {
            *key = (KeymapKey){ .qnum = keysym_keys[i].qnum };
            return true;
        }
    }
    for (size_t i = 0; i < G_N_ELEMENTS(dead_spacing); i++) {
        if (dead_spacing[i].keysym != keysym) {
            continue;
        }
        for (size_t d = 0; d < MAX_DEAD && current->dead[d].keysym; d++) {
            if (current->dead[d].keysym == keysym) {
                *key = (KeymapKey){ .qnum = current->dead[d].qnum,
                                    .shift = current->dead[d].level == LEVEL_SHIFT,
                                    .altgr = current->dead[d].level == LEVEL_ALTGR };
                return true;
            }
        }
        return find_char(current, dead_spacing[i].spacing, false, key);
    }
    /* Latin-1 keysyms are the character itself; 0x01000000 + U is any
     * Unicode character (keysymdef.h). */
    if ((keysym >= 0x20 && keysym <= 0x7e) || (keysym >= 0xa0 && keysym <= 0xff)) {
        return keymap_from_char(keysym, key);
    }
    if (keysym == XK_EuroSign) {
        return keymap_from_char(0x20ac, key);
    }
    if (keysym >= 0x01000100 && keysym <= 0x0110ffff) {
        return keymap_from_char(keysym - 0x01000000, key);
    }
    return false;
}
