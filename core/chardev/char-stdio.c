/*
 * The "stdio" backend: the emulator's own stdin and stdout.
 *
 * On a terminal, stdin is put in raw mode so each key reaches the guest at
 * once and unchanged (no line editing, no echo: the guest echoes, no CR/NL
 * translation, no XON/XOFF); output processing (OPOST) stays on, so the
 * emulator's own messages on stderr keep their line breaks.  The settings
 * are restored when the backend is closed and, as a last resort, at exit.
 *
 * Ctrl-C: with signal=on (the default, as QEMU's -serial stdio) ISIG stays
 * on, so Ctrl-C, Ctrl-Z and Ctrl-\ act on the emulator; the main loop is
 * expected to turn SIGINT/SIGTERM into an orderly shutdown so the terminal
 * is restored.  With signal=off (what -nographic wants) they are passed to
 * the guest as bytes 0x03, 0x1a, 0x1c.  There is no ^A escape prefix.
 *
 * Only one stdio backend can exist at a time.  When stdin is not a
 * terminal (a pipe, a file, /dev/null) it is read as it is until its end;
 * the end of input does not end output.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>
#include "char-fd.h"

static Chardev *stdio_owner;     /* the one open stdio backend */
static bool stdio_termios_saved;
static struct termios stdio_saved_termios;

static void stdio_restore_terminal(void)
{
    if (stdio_termios_saved) {
        tcsetattr(STDIN_FILENO, TCSANOW, &stdio_saved_termios);
        stdio_termios_saved = false;
    }
}

static void stdio_set_raw(bool keep_signals)
{
    struct termios t;
    if (tcgetattr(STDIN_FILENO, &t) < 0) {
        return;
    }
    stdio_saved_termios = t;
    stdio_termios_saved = true;
    static bool atexit_done;
    if (!atexit_done) {
        atexit(stdio_restore_terminal);
        atexit_done = true;
    }
    /* POSIX termios: no break/parity/CR-NL/flow-control processing on
     * input, no canonical mode, echo or extensions; 8-bit characters. */
    t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_oflag |= OPOST;
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | IEXTEN);
    if (!keep_signals) {
        t.c_lflag &= ~(tcflag_t)ISIG;
    }
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

static bool stdio_open(Chardev *chr, const ChardevOpts *opts, Error **errp)
{
    bool signals;
    if (stdio_owner) {
        error_setg(errp, "stdio is already used by another chardev");
        return false;
    }
    if (!chardev_opts_get_bool(opts, "signal", true, &signals, errp)) {
        return false;
    }
    if (isatty(STDIN_FILENO)) {
        stdio_set_raw(signals);
    }
    stdio_owner = chr;
    fd_channel_init(&FD_CHARDEV(chr)->ch, chr, STDIN_FILENO, STDOUT_FILENO, false);
    return true;
}

static void stdio_finalize(Object *obj)
{
    if (stdio_owner == CHARDEV(obj)) {
        fd_channel_stop(&FD_CHARDEV(obj)->ch);
        stdio_restore_terminal();
        stdio_owner = NULL;
    }
}

static const char *const stdio_opt_names[] = { "signal", NULL };

static void stdio_class_init(ObjectClass *oc, void *data)
{
    ChardevClass *cc = CHARDEV_CLASS(oc);
    cc->opt_names = stdio_opt_names;
    cc->open = stdio_open;
}

static const TypeInfo stdio_types[] = {
    {
        .name = TYPE_CHARDEV_STDIO,
        .parent = TYPE_CHARDEV_FD,
        .instance_finalize = stdio_finalize,
        .class_init = stdio_class_init,
    },
};

DEFINE_TYPES(stdio_types)
