#!/usr/bin/env python3
"""The window and the terminal front ends, as a person sees them.

  sdl          pc with SeaBIOS waiting at its boot menu prompt (-boot menu=on) under Xvfb, no
               -display: with $DISPLAY set the window is the default
               (query-display-options says sdl); its title names the
               machine (-name) and its run state, and changes on QMP stop
               and cont; the window's picture (xwd) equals the screendump
               pixel for pixel at the guest's size; Escape typed into the
               window (xdotool) opens SeaBIOS's boot menu.  Without
               $DISPLAY the default is no display, and -display sdl is a
               clear error.
  curses       the same firmware with -display curses in a tmux pane of
               80x25: the pane's text (capture-pane) equals the VGA text
               memory at 0xB8000 row by row, the terminal's cursor is the
               BIOS's (its data area at 0x450); Escape, Up, F1, Ctrl-C,
               Alt-x and '!' typed in the pane (send-keys) reach the
               keyboard as their PC keys with the right modifiers (-d
               input); the vga-draw guest's mode 13h and mode 12h show
               the one-line notice with their sizes; stdio taken by curses
               refuses -serial stdio.
  curses-keys  Linux on isapc reading a line on tty1 under -display curses:
               text, the Left arrow, Ctrl-U (kill the line), Alt-x and F1
               typed in the terminal reach it as the PC keys (the guest's
               console turns them into their escape sequences); suite
               slow, a Linux boot.

Skips (77) when Xvfb, xwd, xwininfo, xdotool (sdl) or tmux (curses) is
missing or cardcage was built without SDL or ncurses, and when the Linux
guest is absent (curses-keys); under CARDCAGE_REQUIRE_GUESTS=1 (CI, which
installs them) each of these fails instead."""
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cctest import (APPEND, CARDCAGE, EXIT, INITRD, KERNEL, check,  # noqa: E402
                    require_guest, scratch_dir, status)
from cctest import skip_unless_required as skip_or_fail  # noqa: E402
from qmplib import QMP  # noqa: E402
from vga import GUEST as VGA_DRAW, read_ppm  # noqa: E402
from xvfb import Xvfb  # noqa: E402

# SeaBIOS waits this long (ms) for Escape at "Press ESC for boot menu.".
SPLASH_MS = "60000"
FIRMWARE = ["-M", "pc", "-nic", "none", "-boot", f"menu=on,splash-time={SPLASH_MS}"]


def require_tools(*tools):
    missing = [t for t in tools if not shutil.which(t)]
    if missing:
        skip_or_fail(f"{', '.join(missing)} not installed")


def require_frontend(name):
    """Skip when this cardcage was built without the front end."""
    p = subprocess.run([CARDCAGE, "-display", name, "-M", "help"], capture_output=True,
                       text=True, timeout=30, env=dict(os.environ, DISPLAY=""))
    if "built without" in p.stderr:
        skip_or_fail(p.stderr.strip())


def hmp(q, line):
    return q.cmd("human-monitor-command", {"command-line": line}).get("return", "")


def read_phys(q, addr, length):
    """Guest memory through the monitor's xp (at most 4096 bytes)."""
    out = bytearray()
    for line in hmp(q, f"xp 0x{addr:x} {length}").splitlines():
        out += bytes(int(b, 16) for b in line.split(":", 1)[1].split())
    return bytes(out)


def vga_text(q, cols=80, rows=25):
    """The text screen in VGA memory (page 0 at 0xB8000: character,
    attribute), as strings of code page 437 characters."""
    mem = read_phys(q, 0xB8000, cols * rows * 2)
    return [mem[r * cols * 2:(r + 1) * cols * 2:2].decode("cp437") for r in range(rows)]


def bios_cursor(q):
    """Page 0's cursor in the BIOS data area (0x450: column, row)."""
    b = read_phys(q, 0x450, 2)
    return b[0], b[1]


def wait_until(fn, timeout=60, step=0.2):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r = fn()
        if r:
            return r
        time.sleep(step)
    return None


def input_events(path, kind):
    """The "-d input" log's key or mouse events, oldest first."""
    if not os.path.exists(path):
        return []
    return [line.split("input: ", 1)[1].strip() for line in open(path, errors="replace")
            if line.startswith("input: " + kind)]


def on_screen(q, text):
    return any(text in row for row in vga_text(q))


# ---- sdl ----

def read_xwd(data):
    """(width, height, RGB bytes) of an X window dump of a TrueColor visual
    (XWDFileHeader of X11's XWDFile.h: 25 big-endian 32-bit fields, the
    window name, the colour map, then the pixels)."""
    import struct
    f = struct.unpack(">25I", data[:100])
    header_size, width, height, byte_order = f[0], f[4], f[5], f[7]
    bpp, bpl, rmask, gmask, bmask, ncolors = f[11], f[12], f[14], f[15], f[16], f[19]
    off = header_size + ncolors * 12
    step = bpp // 8
    order = "little" if byte_order == 0 else "big"
    shifts = [(m & -m).bit_length() - 1 for m in (rmask, gmask, bmask)]
    px = bytearray()
    for y in range(height):
        row = data[off + y * bpl:off + y * bpl + width * step]
        for x in range(width):
            v = int.from_bytes(row[x * step:(x + 1) * step], order)
            px += bytes(((v & m) >> s) & 0xff for m, s in zip((rmask, gmask, bmask), shifts))
    return width, height, bytes(px)


def find_window(x, name):
    for w in x.windows():
        if w[1].startswith(f"cardcage ({name})"):
            return w
    return None


def test_sdl(d):
    require_tools("Xvfb", "xwd", "xwininfo", "xdotool")
    require_frontend("sdl")
    x = Xvfb(d)
    qmp_path = os.path.join(d, "sdl.qmp")
    ilog = os.path.join(d, "sdl-input.log")
    # libdbus's global tables, which SDL leaves allocated at exit, are not
    # leaks of ours (lsan-sdl.supp says why): an ASan build's LeakSanitizer
    # is told so for this process only.
    env = x.env()
    supp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lsan-sdl.supp")
    env["LSAN_OPTIONS"] = ":".join(filter(None, [env.get("LSAN_OPTIONS"),
                                                 f"suppressions={supp}"]))
    proc = subprocess.Popen([CARDCAGE, *FIRMWARE, "-name", "fe-test", "-serial", "null",
                             "-d", "input", "-D", ilog,
                             "-qmp", f"unix:{qmp_path},server=on,wait=off"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=open(f"{d}/sdl.err", "w"), env=env)
    q = None
    try:
        q = QMP.connect_unix(qmp_path)
        q.negotiate()
        r = q.cmd("query-display-options").get("return", {})
        check("sdl: with $DISPLAY set and no -display, the window is the default",
              r.get("type") == "sdl", str(r))
        ok = wait_until(lambda: on_screen(q, "Press ESC for boot menu"))
        check("sdl: SeaBIOS asks for ESC", ok, "\n".join(vga_text(q)))
        if not ok:
            return
        win = wait_until(lambda: find_window(x, "fe-test"), timeout=10)
        check("sdl: a window titled 'cardcage (fe-test) [running]'",
              win and win[1] == "cardcage (fe-test) [running]", str(x.windows()))
        if not win:
            return
        q.cmd("stop")
        paused = wait_until(lambda: (find_window(x, "fe-test") or [0, ""])[1]
                            == "cardcage (fe-test) [paused]", timeout=10)
        check("sdl: QMP stop: the title says paused", paused, str(x.windows()))
        ok, r = True, q.cmd("screendump", {"filename": f"{d}/sdl.ppm"})
        w, h, px = read_ppm(f"{d}/sdl.ppm")
        # The window shows what the last refresh drew: wait for it to catch
        # up with the screendump (a refresh may still be on its way).
        got = None
        for _ in range(20):
            win = find_window(x, "fe-test")
            dump = x.run("xwd", "-silent", "-id", win[0]).stdout
            got = read_xwd(dump)
            if got == (w, h, px):
                break
            time.sleep(0.3)
        bad = sum(1 for i in range(0, len(px), 3) if got[2][i:i + 3] != px[i:i + 3]) \
            if got[:2] == (w, h) else -1
        check(f"sdl: the window ({got[0]}x{got[1]}) is the screendump ({w}x{h}) pixel for "
              "pixel", got == (w, h, px) and len(set(px)) > 1, f"{bad} pixels differ")
        q.cmd("cont")
        running = wait_until(lambda: (find_window(x, "fe-test") or [0, ""])[1]
                             == "cardcage (fe-test) [running]", timeout=10)
        check("sdl: QMP cont: the title says running", running, str(x.windows()))
        # Keys typed into the window (XTEST, to the focused window) reach
        # the input layer as the PC keys: Escape 0x01, Up 0xE0 48, F1 0x3b.
        x.run("xdotool", "windowfocus", "--sync", win[0])
        x.run("xdotool", "key", "--delay", "50", "Escape", "Up", "F1")
        want = ["key 0x01 down", "key 0x01 up", "key 0xc8 down", "key 0xc8 up",
                "key 0x3b down", "key 0x3b up"]
        got = wait_until(lambda: (lambda k: k if k[:len(want)] == want else None)(
            input_events(ilog, "key")), timeout=10)
        check("sdl: Escape, Up and F1 typed into the window reach the keyboard as their PC "
              "keys", got is not None, str(input_events(ilog, "key")))
        # Ctrl+Alt+G grabs the pointer (the title says how to let go), and
        # motion then goes to the mouse as relative motion.
        x.run("xdotool", "key", "ctrl+alt+g")
        grabbed = wait_until(lambda: "Press Ctrl+Alt+G to release grab" in
                             (find_window(x, "fe-test") or [0, ""])[1], timeout=10)
        check("sdl: Ctrl+Alt+G grabs the pointer and the title says so", grabbed,
              str(x.windows()))
        keys_after = input_events(ilog, "key")[len(want):]
        check("sdl: the G of the grab key does not reach the guest",
              not any(k.startswith("key 0x22") for k in keys_after), str(keys_after))
        x.run("xdotool", "mousemove_relative", "--sync", "--", "15", "10")
        moved = wait_until(lambda: [m for m in input_events(ilog, "mouse")
                                    if m != "mouse 0 0 0 buttons 0x0"], timeout=10)
        check("sdl: pointer motion while grabbed reaches the mouse as relative motion",
              moved, str(input_events(ilog, "mouse")))
        x.run("xdotool", "key", "ctrl+alt+g")
        released = wait_until(lambda: (find_window(x, "fe-test") or [0, ""])[1]
                              == "cardcage (fe-test) [running]", timeout=10)
        check("sdl: Ctrl+Alt+G again releases it", released, str(x.windows()))
        q.cmd("quit")
        proc.wait(timeout=30)
        check("sdl: quit: status 0", proc.returncode == 0, str(proc.returncode))
    finally:
        if q:
            q.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        x.close()
    # No desktop: no window by default, and -display sdl says why.
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    p = subprocess.Popen([CARDCAGE, "-M", "pc", "-nic", "none", "-S", "-serial", "null",
                          "-qmp", f"unix:{qmp_path},server=on,wait=off"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, env=env)
    try:
        q = QMP.connect_unix(qmp_path)
        q.negotiate()
        r = q.cmd("query-display-options").get("return", {})
        check("sdl: without $DISPLAY the default is no display", r.get("type") == "none", str(r))
        q.cmd("quit")
        q.close()
        p.wait(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    r = subprocess.run([CARDCAGE, "-M", "pc", "-display", "sdl", "-serial", "null"],
                       capture_output=True, text=True, timeout=30, env=env)
    check("sdl: -display sdl without a desktop: one clear error",
          r.returncode == 1 and "-display sdl: cannot open a window: no desktop" in r.stderr,
          r.stderr)
    r = subprocess.run([CARDCAGE, "-nographic", "-display", "sdl"], capture_output=True,
                       text=True, timeout=30, env=env)
    check("sdl: -nographic with -display sdl is refused",
          r.returncode == 1 and "-nographic cannot be used with -display sdl" in r.stderr,
          r.stderr)


# ---- curses ----

class Tmux:
    """A tmux server of our own (its socket in d) with one detached pane."""
    count = 0

    def __init__(self, d, argv, cols=80, rows=25):
        # A socket of its own each: the last server may still be leaving.
        Tmux.count += 1
        self.sock = os.path.join(d, f"tmux{Tmux.count}.sock")
        env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8")
        env.pop("TMUX", None)
        err = os.path.join(d, f"curses{Tmux.count}.err")
        cmd = " ".join(_quote(a) for a in argv) + f" 2>{_quote(err)}; sleep 60"
        subprocess.run(["tmux", "-S", self.sock, "-f", "/dev/null", "new-session", "-d", "-s",
                        "cc", "-x", str(cols), "-y", str(rows), cmd], check=True, env=env,
                       timeout=30)

    def tmux(self, *args):
        return subprocess.run(["tmux", "-S", self.sock, *args], capture_output=True,
                              text=True, timeout=30)

    def lines(self):
        return self.tmux("capture-pane", "-p", "-t", "cc").stdout.split("\n")

    def cursor(self):
        out = self.tmux("display-message", "-p", "-t", "cc", "#{cursor_x} #{cursor_y}").stdout
        x, y = out.split()
        return int(x), int(y)

    def keys(self, *keys):
        self.tmux("send-keys", "-t", "cc", *keys)

    def close(self):
        self.tmux("kill-server")


def _quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def same_text(pane, vga):
    """The pane's rows and the VGA rows, trailing blanks aside."""
    a = [r.rstrip() for r in pane[:len(vga)]]
    b = [r.replace("\0", " ").rstrip() for r in vga]
    return a == b


def test_curses(d):
    require_tools("tmux")
    require_frontend("curses")
    qmp_path = os.path.join(d, "curses.qmp")
    ilog = os.path.join(d, "curses-input.log")
    t = Tmux(d, [CARDCAGE, *FIRMWARE, "-display", "curses", "-serial", "null",
                 "-d", "input", "-D", ilog, "-qmp", f"unix:{qmp_path},server=on,wait=off"])
    q = None
    try:
        q = wait_until(lambda: _connect(qmp_path), timeout=20)
        check("curses: cardcage runs in the pane with QMP", q is not None,
              "\n".join(t.lines()))
        if not q:
            return
        r = q.cmd("query-display-options").get("return", {})
        check("curses: query-display-options says curses", r.get("type") == "curses", str(r))
        ok = wait_until(lambda: on_screen(q, "Press ESC for boot menu"))
        check("curses: SeaBIOS asks for ESC", ok, "\n".join(vga_text(q)))
        if not ok:
            return
        q.cmd("stop")
        # The screendump runs a refresh, which the pane follows too (a
        # stopped machine's clock runs no refresh of its own).
        q.cmd("screendump", {"filename": f"{d}/curses.ppm"})
        vga = vga_text(q)
        pane = wait_until(lambda: (lambda p: p if same_text(p, vga) else None)(t.lines()),
                          timeout=5)
        check("curses: the pane shows the VGA text screen row for row (capture-pane equals "
              "the text at 0xB8000)", pane is not None and any(r.strip() for r in vga),
              "pane:\n" + "\n".join(t.lines()) + "\nvga:\n" + "\n".join(vga))
        check("curses: the terminal's cursor is the BIOS's", t.cursor() == bios_cursor(q),
              f"pane {t.cursor()}, BIOS {bios_cursor(q)}")
        q.cmd("cont")
        # Keys typed in the terminal: each becomes its PC key, pressed and
        # released, with the modifiers the terminal's character implies.
        for k in ("Escape", "Up", "F1", "C-c", "M-x", "!"):
            t.keys(k)
            time.sleep(0.3)
        want = ["key 0x01 down", "key 0x01 up",                      # Escape
                "key 0xc8 down", "key 0xc8 up",                      # Up (E0 48)
                "key 0x3b down", "key 0x3b up",                      # F1
                "key 0x1d down", "key 0x2e down", "key 0x2e up", "key 0x1d up",  # Ctrl+C
                "key 0x38 down", "key 0x2d down", "key 0x2d up", "key 0x38 up",  # Alt+X
                "key 0x2a down", "key 0x02 down", "key 0x02 up", "key 0x2a up"]  # Shift+1
        got = wait_until(lambda: (lambda k: k if k == want else None)(
            input_events(ilog, "key")), timeout=10)
        check("curses: Escape, Up, F1, Ctrl-C, Alt-x and '!' typed in the terminal reach the "
              "keyboard as their PC keys", got is not None, str(input_events(ilog, "key")))
        q.cmd("quit")
    finally:
        if q:
            q.close()
        t.close()
    curses_graphics(d)
    r = subprocess.run([CARDCAGE, "-display", "curses", "-serial", "stdio"], capture_output=True,
                       text=True, timeout=30)
    check("curses: -serial stdio with -display curses: one clear error",
          r.returncode == 1 and "draws on the terminal" in r.stderr, r.stderr)


def curses_graphics(d):
    """The vga-draw guest (COM1 on a socket) from text mode into mode 13h
    and mode 12h: the pane shows the one-line notice with each size."""
    import socket
    com1 = os.path.join(d, "com1.sock")
    t = Tmux(d, [CARDCAGE, "-M", "pc", "-display", "curses", "-kernel", VGA_DRAW,
                 "-boot", "kernel=firmware", *EXIT, "-serial", f"unix:{com1},server=on,wait=off"])
    s = None
    try:
        s = wait_until(lambda: _connect_sock(com1), timeout=20)
        got = b""

        def stage(letter):
            nonlocal got
            end = time.monotonic() + 60
            while f"VGA-STAGE {letter}".encode() not in got and time.monotonic() < end:
                s.settimeout(max(0.1, end - time.monotonic()))
                try:
                    chunk = s.recv(4096)
                except socket.timeout:
                    break
                if not chunk:
                    break
                got += chunk
            return f"VGA-STAGE {letter}".encode() in got

        # The guest waits for a byte on COM1 after each stage.
        check("curses: the vga-draw guest reaches its text stage", stage("A"), repr(got[-200:]))
        for letter, size in (("B", "640x400"), ("C", "640x480")):
            s.sendall(b"n")
            ok = stage(letter)
            notice = f"the guest is in a graphics mode ({size}); -display curses shows text"
            shown = ok and wait_until(lambda: notice in "".join(t.lines()), timeout=10)
            check(f"curses: a graphics mode ({size}) shows the one-line notice", shown,
                  "\n".join(t.lines()) + repr(got[-200:]))
    finally:
        if s:
            s.close()
        t.close()


def _connect_sock(path):
    import socket
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
        return s
    except OSError:
        s.close()
        return None


def _connect(path):
    try:
        q = QMP.connect_unix(path)
        q.negotiate()
        return q
    except OSError:
        return None


# Keys typed in the terminal and the line the guest reads on tty1: Linux's
# console turns Left into ESC [ D and F1 into ESC [ [ A, Alt-x into ESC x,
# and Ctrl-U kills what was typed before it.
CURSES_KEYS = [["-l", "junk"], ["C-u"], ["-l", "ab"], ["Left"], ["-l", "X"], ["M-x"], ["F1"],
               ["-l", "Z!"]]
CURSES_LINE = "ab\x1b[DX\x1bx\x1b[[AZ!"


def test_curses_keys(d):
    require_tools("tmux")
    require_frontend("curses")
    require_guest()
    serial = os.path.join(d, "serial.log")
    t = Tmux(d, [CARDCAGE, "-M", "isapc", "-m", "256", "-display", "curses", "-no-reboot",
                 "-kernel", KERNEL, "-initrd", INITRD, "-boot", "kernel=firmware",
                 "-append", APPEND + " cardcage.test=keys", "-serial", f"file:{serial}"])
    try:
        def log():
            return open(serial, errors="replace").read() if os.path.exists(serial) else ""
        ok = wait_until(lambda: "CARDCAGE-KEYS-READY" in log(), timeout=120)
        check("curses-keys: the guest reads tty1", ok, log()[-2000:])
        if not ok:
            return
        time.sleep(0.5)
        for keys in CURSES_KEYS:
            t.keys(*keys)
            time.sleep(0.2)
        t.keys("Enter")
        m = wait_until(lambda: re.search(r"CARDCAGE-KEYS: (.*)\r?\n", log()), timeout=60)
        line = m.group(1).rstrip("\r") if m else None
        check("curses-keys: text, Ctrl-U, Left, Alt-x, F1 and Shift typed in the terminal "
              f"reach the guest ({CURSES_LINE!r})", line == CURSES_LINE, repr(line))
        t.keys("-l", "quit")
        t.keys("Enter")
        ok = wait_until(lambda: "CARDCAGE-KEYS: quit" in log(), timeout=60)
        check("curses-keys: 'quit' typed in the terminal reaches the guest", ok, log()[-500:])
    finally:
        t.close()


def main():
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    with scratch_dir("cc-fe-") as d:
        for name, fn in (("sdl", test_sdl), ("curses", test_curses),
                         ("curses-keys", test_curses_keys)):
            if which in (name, "all"):
                fn(d)
    return status()


if __name__ == "__main__":
    sys.exit(main())
