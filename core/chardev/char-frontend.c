/*
 * Character backends, the frontend side: devices attach to a backend, write
 * to it and get its input (include/cardcage/chardev.h).
 *
 * A backend has one frontend, unless it is multiplexed (-serial mon:stdio,
 * and -nographic's default): then several frontends (a UART and the
 * monitor) share it as on QEMU.  Everything they write goes out; input goes
 * to the frontend with the focus, after the escape keys are taken out of
 * it.  The keys are QEMU's, so the habit carries over:
 *
 *   Ctrl-A h   list the keys
 *   Ctrl-A x   end the emulator (exit status 0)
 *   Ctrl-A c   move the focus to the next frontend (serial <-> monitor)
 *   Ctrl-A b   send a break to the focused frontend
 *   Ctrl-A Ctrl-A   a Ctrl-A for the focused frontend
 *
 * any other key after Ctrl-A is dropped.  So that Ctrl-A x works even when
 * the guest reads nothing, a multiplexed backend always accepts input: what
 * the focused frontend cannot take yet waits in a small buffer
 * (CHARDEV_MUX_BUF) until it calls chardev_accept_input.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <cardcage/system.h>
#include "chardev-internal.h"
#include "main/runstate.h"

/* Ctrl-A, QEMU's default escape character (its -echr). */
#define MUX_ESCAPE 0x01

static void detach_at(Chardev *chr, int i);

static ChardevFrontend *fe_focused(Chardev *chr)
{
    return chr->nfe > 0 ? &chr->fe[chr->focus] : NULL;
}

static void fe_send_event(ChardevFrontend *fe, ChardevEvent event)
{
    if (fe && fe->event) {
        fe->event(fe->opaque, event);
    }
}

void chardev_set_mux(Chardev *chr)
{
    chr->mux = true;
}

bool chardev_is_mux(Chardev *chr)
{
    return chr && chr->mux;
}

/* What the first frontend is, for "already in use by ...". */
static char *fe_user_text(const ChardevFrontend *fe)
{
    const char *name = fe->owner ? object_get_canonical_path_component(fe->owner) : NULL;
    return name ? g_strdup_printf("device '%s'", name) : g_strdup("another frontend");
}

/* A new frontend has its handlers: tell it what it missed. */
static void fe_greet(Chardev *chr, ChardevFrontend *fe)
{
    if (chardev_is_connected(chr)) {
        fe_send_event(fe, CHARDEV_EVENT_OPENED);
    }
    if (chr->mux && fe == fe_focused(chr)) {
        fe_send_event(fe, CHARDEV_EVENT_FOCUS_IN);
    }
    chardev_accept_input(chr);
}

static ChardevFrontend *fe_add(Chardev *chr, Object *owner, Error **errp)
{
    if (chr->nfe > 0 && !chr->mux) {
        char *user = fe_user_text(&chr->fe[0]);
        error_setg(errp, "chardev '%s' is already in use by %s", chr->id, user);
        g_free(user);
        return NULL;
    }
    if (chr->nfe >= CHARDEV_FRONTENDS_MAX) {
        error_setg(errp, "chardev '%s' already has %d frontends, the most it can share",
                   chr->id, CHARDEV_FRONTENDS_MAX);
        return NULL;
    }
    ChardevFrontend *fe = &chr->fe[chr->nfe++];
    *fe = (ChardevFrontend){ .owner = owner };
    return fe;
}

bool chardev_attach(Chardev *chr, ChardevCanRead *can_read, ChardevRead *read,
                    ChardevEventHandler *event, void *opaque, Error **errp)
{
    ChardevFrontend *fe = fe_add(chr, NULL, errp);
    if (!fe) {
        return false;
    }
    *fe = (ChardevFrontend){ can_read, read, event, opaque, NULL };
    fe_greet(chr, fe);
    return true;
}

bool chardev_claim(Chardev *chr, Object *owner, Error **errp)
{
    return fe_add(chr, owner, errp) != NULL;
}

static ChardevFrontend *fe_of_owner(Chardev *chr, Object *owner)
{
    for (int i = 0; chr && owner && i < chr->nfe; i++) {
        if (chr->fe[i].owner == owner) {
            return &chr->fe[i];
        }
    }
    return NULL;
}

void chardev_set_handlers(Chardev *chr, DeviceState *dev, ChardevCanRead *can_read,
                          ChardevRead *read, ChardevEventHandler *event, void *opaque)
{
    ChardevFrontend *fe = fe_of_owner(chr, OBJECT(dev));
    if (fe) {
        *fe = (ChardevFrontend){ can_read, read, event, opaque, OBJECT(dev) };
        fe_greet(chr, fe);
    }
}

void chardev_release(Chardev *chr, Object *owner)
{
    ChardevFrontend *fe = fe_of_owner(chr, owner);
    if (fe) {
        detach_at(chr, (int)(fe - chr->fe));
    }
}

static void detach_at(Chardev *chr, int i)
{
    bool had_focus = i == chr->focus;
    memmove(&chr->fe[i], &chr->fe[i + 1], (size_t)(chr->nfe - i - 1) * sizeof(chr->fe[0]));
    chr->nfe--;
    memset(&chr->fe[chr->nfe], 0, sizeof(chr->fe[0]));
    if (chr->focus > i || chr->focus >= chr->nfe) {
        chr->focus = chr->focus > 0 ? chr->focus - 1 : 0;
    }
    if (had_focus) {
        chr->mux_len = 0;     /* its input is nobody else's */
        if (chr->mux) {
            fe_send_event(fe_focused(chr), CHARDEV_EVENT_FOCUS_IN);
        }
    }
}

void chardev_detach_frontend(Chardev *chr, void *opaque)
{
    for (int i = 0; chr && i < chr->nfe; i++) {
        if (chr->fe[i].opaque == opaque) {
            detach_at(chr, i);
            return;
        }
    }
}

void chardev_detach(Chardev *chr)
{
    if (!chr) {
        return;
    }
    memset(chr->fe, 0, sizeof(chr->fe));
    chr->nfe = 0;
    chr->focus = 0;
    chr->mux_len = 0;
    chr->mux_escape = false;
}

int chardev_write(Chardev *chr, const uint8_t *buf, int len)
{
    if (!chr || len <= 0) {
        return 0;
    }
    ChardevClass *cc = CHARDEV_GET_CLASS(chr);
    if (!cc->write) {
        return len;
    }
    return cc->write(chr, buf, len);
}

bool chardev_is_connected(Chardev *chr)
{
    if (!chr) {
        return false;
    }
    ChardevClass *cc = CHARDEV_GET_CLASS(chr);
    return cc->is_connected ? cc->is_connected(chr) : true;
}

/* ---- input to the focused frontend ---- */

static int fe_room(ChardevFrontend *fe)
{
    if (!fe || !fe->can_read || !fe->read) {
        return 0;
    }
    int n = fe->can_read(fe->opaque);
    return n > 0 ? n : 0;
}

/* Hand the multiplexer's buffer to the focused frontend, as far as it can
 * take it. */
static void mux_flush(Chardev *chr)
{
    ChardevFrontend *fe = fe_focused(chr);
    int n;
    if (!fe || !fe->read) {
        chr->mux_len = 0;     /* a frontend that reads nothing (debugcon) */
        return;
    }
    while (chr->mux_len > 0 && (n = fe_room(fe)) > 0) {
        n = MIN(n, chr->mux_len);
        fe->read(fe->opaque, chr->mux_buf, n);
        chr->mux_len -= n;
        memmove(chr->mux_buf, chr->mux_buf + n, (size_t)chr->mux_len);
    }
}

void chardev_accept_input(Chardev *chr)
{
    if (!chr || chr->nfe == 0) {
        return;
    }
    if (chr->mux) {
        mux_flush(chr);
    }
    ChardevClass *cc = CHARDEV_GET_CLASS(chr);
    if (cc->input_ready) {
        cc->input_ready(chr);
    }
}

int chardev_fe_can_read(Chardev *chr)
{
    if (chr->mux) {
        /* A frontend without a read handler (debugcon) takes nothing, but
         * the escape keys still work. */
        mux_flush(chr);
        return chr->nfe > 0 ? CHARDEV_MUX_BUF - chr->mux_len : 0;
    }
    return fe_room(fe_focused(chr));
}

static void mux_puts(Chardev *chr, const char *s)
{
    chardev_write(chr, (const uint8_t *)s, (int)strlen(s));
}

static void mux_switch_focus(Chardev *chr)
{
    if (chr->nfe < 2) {
        return;
    }
    fe_send_event(fe_focused(chr), CHARDEV_EVENT_FOCUS_OUT);
    chr->mux_len = 0;
    chr->focus = (chr->focus + 1) % chr->nfe;
    fe_send_event(fe_focused(chr), CHARDEV_EVENT_FOCUS_IN);
}

/* The key after Ctrl-A. */
static void mux_escape(Chardev *chr, uint8_t ch)
{
    switch (ch) {
    case 'h':
    case '?':
        mux_puts(chr, "\r\n"
                 "C-a h    print this help\r\n"
                 "C-a x    exit emulator\r\n"
                 "C-a b    send break\r\n"
                 "C-a c    switch between console and monitor\r\n"
                 "C-a C-a  sends C-a\r\n");
        break;
    case 'x':
        mux_puts(chr, "\r\ncardcage: terminated (C-a x)\r\n");
        runstate_shutdown_request(0, SHUTDOWN_CAUSE_HOST_UI);
        break;
    case 'b':
        fe_send_event(fe_focused(chr), CHARDEV_EVENT_BREAK);
        break;
    case 'c':
        mux_switch_focus(chr);
        break;
    default:
        break;
    }
}

void chardev_fe_deliver(Chardev *chr, const uint8_t *buf, int len)
{
    if (!chr->mux) {
        ChardevFrontend *fe = fe_focused(chr);
        if (fe && fe->read && len > 0) {
            fe->read(fe->opaque, buf, len);
        }
        return;
    }
    for (int i = 0; i < len; i++) {
        uint8_t ch = buf[i];
        if (chr->mux_escape) {
            chr->mux_escape = false;
            if (ch != MUX_ESCAPE) {
                mux_escape(chr, ch);
                continue;
            }
        } else if (ch == MUX_ESCAPE) {
            chr->mux_escape = true;
            continue;
        }
        /* The backend was told it may send this much: there is room. */
        if (chr->mux_len < CHARDEV_MUX_BUF) {
            chr->mux_buf[chr->mux_len++] = ch;
        }
        if (chr->mux_len == CHARDEV_MUX_BUF) {
            mux_flush(chr);
        }
    }
    mux_flush(chr);
}

void chardev_fe_event(Chardev *chr, ChardevEvent event)
{
    if (event == CHARDEV_EVENT_BREAK || !chr->mux) {
        fe_send_event(fe_focused(chr), event);
        return;
    }
    for (int i = 0; i < chr->nfe; i++) {
        fe_send_event(&chr->fe[i], event);
    }
}
