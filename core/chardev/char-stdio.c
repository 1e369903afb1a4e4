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
 * on, so Ctrl-C, Ctrl-Z and Ctrl-\ act on the emulator.  So that a signal
 * that kills the emulator does not leave the terminal raw, SIGINT, SIGQUIT,
 * SIGTERM and SIGHUP, where nobody else handles them, get a handler that
 * restores the terminal and then dies of the signal as before.  With
 * signal=off the keys reach the guest as bytes 0x03, 0x1a, 0x1c (the way to
 * stop the emulator is then the monitor).  There is no ^A escape prefix.
 *
 * Only one stdio backend can exist at a time.  When stdin is not a
 * terminal (a pipe, a file, /dev/null) it is read as it is until its end;
 * the end of input does not end output.
 *
 * SPDX-License-Identifier: MIT
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>
#include "char-fd.h"

static Chardev *stdio_owner;     /* the one open stdio backend */
static volatile sig_atomic_t stdio_termios_saved;
static struct termios stdio_saved_termios;

static void stdio_restore_terminal(void)
{
    if (stdio_termios_saved) {
        tcsetattr(STDIN_FILENO, TCSANOW, &stdio_saved_termios);
        stdio_termios_saved = false;
    }
}

/* Restore the terminal, then let the signal do what it would have done. */
static void stdio_fatal_signal(int sig)
{
    if (stdio_termios_saved) {
        tcsetattr(STDIN_FILENO, TCSANOW, &stdio_saved_termios);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void stdio_catch_fatal_signals(void)
{
    static const int sigs[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP };
    for (size_t i = 0; i < CC_ARRAY_SIZE(sigs); i++) {
        struct sigaction old;
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL &&
            !(old.sa_flags & SA_SIGINFO)) {
            struct sigaction sa = { .sa_handler = stdio_fatal_signal };
            sigemptyset(&sa.sa_mask);
            sigaction(sigs[i], &sa, NULL);
        }
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
        stdio_catch_fatal_signals();
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
    if (!keyval_get_bool(opts, "signal", true, &signals, errp)) {
        return false;
    }
    if (isatty(STDIN_FILENO)) {
        stdio_set_raw(signals);
    }
    stdio_owner = chr;
    /* A closed stdin or stdout (started with <&- or >&-) is no channel. */
    int in = fcntl(STDIN_FILENO, F_GETFD) < 0 ? -1 : STDIN_FILENO;
    int out = fcntl(STDOUT_FILENO, F_GETFD) < 0 ? -1 : STDOUT_FILENO;
    fd_channel_init(&FD_CHARDEV(chr)->ch, chr, in, out, false);
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
