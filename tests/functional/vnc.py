#!/usr/bin/env python3
"""The VNC server (-vnc) with clients nobody here wrote, and our own.

  snapshot  pc at SeaBIOS's "No bootable device" text screen, stopped:
            vncsnapshot (the Debian package, a TightVNC-based client) takes
            the picture with the encodings it has (raw, hextile, zlib,
            corre, rre; not tight, see test_snapshot); each is the
            screendump of the same moment, pixel for pixel up to JPEG's
            rounding (vncsnapshot writes only JPEG, decoded by djpeg: every
            colour within 4 levels); our RFB client's raw picture equals the
            screendump exactly; running again, only the blinking cursor's
            rows are sent; with the client gone nothing watches the
            display.  query-vnc and info vnc.
  resize    the vga-draw guest through text mode, mode 13h, mode 12h and VBE
            1024x768x32, watched by our client (incremental updates once it
            knows the size): the client is told each new size (DesktopSize) and its
            picture equals the screendump at each stage.
  keys      Linux on isapc reading a line on tty1 (the VGA console), VNC on
            a unix socket with two clients at once: keys typed through the
            first (Shift held as a real client does, and a shifted
            character sent bare) come back from the guest; both clients'
            pictures equal the screendump; the pointer's motion and buttons
            events of the second client do not disturb the typing; the
            socket is removed at exit.
  layouts   -k de: the same guest with keysyms typed as on a German keyboard
            (z, y, /, -, ö, #, Shift+Z) comes back as the keys in those
            places on the US keymap the guest uses (y, z, &, /, ;, \, Y):
            each keysym became the German layout's key, with the Shift it
            needs pressed for it (suite slow: a second Linux boot).
  password  password=on: refused before any password is set; QMP
            change-vnc-password and set_password, the monitor's
            set_password; the right password in, the wrong one out (our
            client and vncsnapshot's -passwd file).
  pointer   the mouse-report guest (turns the PS/2 mouse on through the
            8042 and writes each byte it sends to the debug console):
            pointer events of our client on a unix socket arrive as PS/2
            packets: a move of (+10, -5) pixels as dx 10, dy 5 (PS/2's y
            grows upwards), the left button pressed and released as
            packets with and then without bit 0, each packet with bit 3
            set.  `vnc.py pointer --qemu` runs it on qemu-system-i386,
            showing the test is right.
  busy      the display-redraw guest (2000 full 640x480x32 frames, each
            one REP STOSD, and no read of any clock) watched by our client
            asking for incremental updates without pause: updates keep
            coming while it draws, at least half as many as the 30 Hz
            refresh gives over the loop's host time.  (Each REP counted as
            one instruction of the clock's pacing, and a slice of the CPU
            was counted in instructions: the refresh timer fell due 0 to 2
            times in the 0.3 s loop.)
  bad-input malformed -vnc options and a port in use: one clear error each;
            clients sending garbage, a huge cut text, or leaving in the
            middle of an update do not hurt the machine.

Skips (77) when vncsnapshot or djpeg is missing (snapshot), the
Linux guest is absent (keys, layouts; not under CARDCAGE_REQUIRE_GUESTS=1)."""
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cctest import (APPEND, CARDCAGE, EXIT, INITRD, KERNEL, check,  # noqa: E402
                    require_guest, scratch_dir, status)
from qmplib import QMP  # noqa: E402
from rfbclient import RFBClient, RFBError, des_encrypt  # noqa: E402
from screen import Machine, read_ppm  # noqa: E402
from vga import GUEST as VGA_DRAW  # noqa: E402

VNCSNAPSHOT = shutil.which("vncsnapshot")
REDRAW = os.path.join(os.path.dirname(VGA_DRAW), "display-redraw.bin")


def free_display():
    """A VNC display number whose port (5900 + N) is free now."""
    for n in range(40, 400):
        s = socket.socket()
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", 5900 + n))
            return n
        except OSError:
            continue
        finally:
            s.close()
    raise RuntimeError("no free VNC port")


def wait_bios_log(path, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if os.path.exists(path) and b"No bootable device" in open(path, "rb").read():
            return True
        time.sleep(0.2)
    return False


def client_picture_matches(c, ppm, tries=20):
    """Incremental updates until the client's picture is the screendump's
    (the server sends changes as the display refreshes)."""
    w, h, px = read_ppm(ppm)
    for _ in range(tries):
        if (c.width, c.height) == (w, h) and c.rgb() == px:
            return True, ""
        try:
            c.update(incremental=(c.width, c.height) == (w, h), timeout=2)
        except socket.timeout:
            pass
    bad = -1
    if (c.width, c.height) == (w, h):
        got = c.rgb()
        bad = sum(1 for i in range(0, len(px), 3) if got[i:i + 3] != px[i:i + 3])
    return False, (f"client {c.width}x{c.height}, screendump {w}x{h}, {bad} pixels differ, "
                   f"resizes {c.resizes}, rects {c.rects}")


# JPEG at quality 100 rounds each colour by a level or two (1 measured on
# SeaBIOS's screen); a wrong pixel is off by far more.
JPEG_TOLERANCE = 4


def read_ppm_bytes(data):
    m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", data)
    return int(m.group(1)), int(m.group(2)), data[m.end():]


def jpeg_pixels(path):
    p = subprocess.run(["djpeg", "-ppm", path], capture_output=True, timeout=30)
    return p.stdout if p.returncode == 0 else None


def test_snapshot(d):
    if not (VNCSNAPSHOT and shutil.which("djpeg")):
        print("SKIP: vncsnapshot or djpeg (libjpeg-turbo-progs) not installed")
        sys.exit(77)
    n = free_display()
    m = Machine([CARDCAGE, "-M", "pc", "-display", "none", "-vnc", f"127.0.0.1:{n}",
                 "-chardev", f"file,id=bios,path={d}/bios.log",
                 "-set", "bios-debug.chardev=bios"], d, "snap")
    try:
        ok = wait_bios_log(f"{d}/bios.log")
        check("snapshot: SeaBIOS reaches 'No bootable device'", ok)
        if not ok:
            return
        time.sleep(0.5)
        m.qmp.cmd("stop")
        ok, r = m.dump(f"{d}/dump.ppm")
        check("snapshot: screendump", ok, str(r))
        w, h, px = read_ppm(f"{d}/dump.ppm")
        check("snapshot: the screen is SeaBIOS's 720x400 text screen, not blank",
              (w, h) == (720, 400) and len(set(px)) > 1, f"{w}x{h}")
        # vncsnapshot writes only JPEG (quality 100 here): its picture is
        # the screendump's up to the encoder's rounding, a few levels per
        # colour; a wrong pixel (a cursor, a glyph, a colour) is off by far
        # more.  Not tight: vncsnapshot 1.2a keeps waiting for rectangles
        # after libvncserver's tight update of a screen that then stays
        # still (a running guest's next change completes it), so it cannot
        # take a picture of a stopped machine that way.
        for enc in ("raw", "hextile", "zlib", "corre", "rre"):
            out = f"{d}/vnc-{enc}.jpg"
            p = subprocess.run([VNCSNAPSHOT, "-quiet", "-nojpeg", "-quality", "100",
                                "-encodings", enc, f"127.0.0.1:{n}", out],
                               capture_output=True, timeout=60)
            got = jpeg_pixels(out) if p.returncode == 0 else None
            if got is None:
                check(f"snapshot: vncsnapshot ({enc}) takes a picture", False,
                      f"status {p.returncode} {p.stderr.decode(errors='replace')[-300:]}")
                continue
            gw, gh, gpx = read_ppm_bytes(got)
            worst = max(abs(a - b) for a, b in zip(gpx, px)) if (gw, gh) == (w, h) else 256
            check(f"snapshot: vncsnapshot ({enc}) equals the screendump pixel for pixel "
                  f"(JPEG rounding: every colour within {JPEG_TOLERANCE})",
                  worst <= JPEG_TOLERANCE, f"{gw}x{gh}, worst difference {worst}")
        c = RFBClient.tcp(5900 + n)
        c.handshake()
        check("snapshot: our client sees 720x400 at once", (c.width, c.height) == (720, 400),
              f"{c.width}x{c.height}")
        c.update(incremental=False)
        check("snapshot: our client's raw picture equals the screendump exactly",
              c.rgb() == px)
        info = m.qmp.cmd("query-vnc").get("return", {})
        check("query-vnc: enabled, 127.0.0.1, port, ipv4, auth none, one client",
              info.get("enabled") is True and info.get("host") == "127.0.0.1" and
              info.get("service") == str(5900 + n) and info.get("family") == "ipv4" and
              info.get("auth") == "none" and len(info.get("clients", [])) == 1 and
              info["clients"][0].get("host") == "127.0.0.1", str(info))
        hmp = m.qmp.cmd("human-monitor-command", {"command-line": "info vnc"})
        text = hmp.get("return", "")
        check("info vnc: server address and the client",
              f"127.0.0.1:{5900 + n} (ipv4)" in text and "Client: 127.0.0.1:" in text, text)
        # Running again: the screen only changes where the cursor blinks,
        # and only the rows the card redrew are sent (it reports whole
        # text rows: two of the 25 here), not the screen.
        m.qmp.cmd("cont")
        areas = []
        end = time.monotonic() + 3
        while time.monotonic() < end:
            try:
                c.update(incremental=True, timeout=1)
                areas.append(c.last_area)
            except socket.timeout:
                pass
        check("snapshot: on the idle screen only the redrawn rows are sent (the blinking "
              "cursor's), under a tenth of the screen", areas and max(areas) <= 720 * 400 // 10,
              f"update areas {areas[:10]}")
        c.close()
        # Nobody connected: the display layer stops watching (no refresh).
        deadline = time.monotonic() + 5
        listeners = None
        while time.monotonic() < deadline:
            listeners = m.qmp.cmd("query-consoles").get("return", {}).get("listeners")
            if listeners == 0 and not m.qmp.cmd("query-vnc")["return"]["clients"]:
                break
            time.sleep(0.1)
        check("snapshot: with every client gone nothing watches the display", listeners == 0,
              f"listeners {listeners}")
    finally:
        m.close()


def test_resize(d):
    n = free_display()
    m = Machine([CARDCAGE, "-M", "pc", "-display", "none", "-vnc", f":{n}",
                 "-kernel", VGA_DRAW, "-boot", "kernel=firmware", *EXIT], d, "resize")
    c = None
    try:
        c = RFBClient.tcp(5900 + n)
        c.handshake()
        check("resize: connected through -vnc :N (every address)", c.width > 0)
        for stage, what, size in (("A", "text mode", (720, 400)),
                                  ("B", "mode 13h", (640, 400)),
                                  ("C", "mode 12h", (640, 480)),
                                  ("D", "VBE 1024x768x32", (1024, 768))):
            ok = m.wait_serial(f"VGA-STAGE {stage}")
            check(f"resize {stage}: the guest reaches the stage", ok, m.out[-200:].decode(errors="replace"))
            if not ok:
                return
            m.qmp.cmd("stop")
            ok, r = m.dump(f"{d}/stage-{stage}.ppm")
            check(f"resize {stage}: screendump", ok, str(r))
            same, detail = client_picture_matches(c, f"{d}/stage-{stage}.ppm")
            check(f"resize {stage}: {what}: the client is {size[0]}x{size[1]} and its picture "
                  "is the screendump's", same and (c.width, c.height) == size, detail)
            m.qmp.cmd("cont")
            m.send(b"n")
        sizes = [s for s in c.resizes]
        check("resize: the client was told each new size (DesktopSize)",
              all(s in sizes for s in ((640, 400), (640, 480), (1024, 768))), str(sizes))
    finally:
        if c:
            c.close()
        m.close()


def test_busy(d):
    n = free_display()
    m = Machine([CARDCAGE, "-M", "pc", "-m", "64", "-display", "none", "-vnc",
                 f"127.0.0.1:{n}", "-nic", "none", "-kernel", REDRAW, "-boot",
                 "kernel=firmware", *EXIT], d, "busy")
    c = None
    stamps = []
    done = threading.Event()

    def read_updates():
        while not done.is_set():
            try:
                c.update(incremental=True, timeout=1)
            except (socket.timeout, OSError):
                continue
            except RFBError:
                return              # the guest ended the machine
            stamps.append(time.monotonic())

    reader = None
    try:
        c = RFBClient.tcp(5900 + n)
        c.handshake()
        c.update(incremental=False)
        reader = threading.Thread(target=read_updates, daemon=True)
        reader.start()
        started = m.wait_serial("REDRAW-START")
        t0 = time.monotonic()
        ended = started and m.wait_serial("REDRAW-END", timeout=120)
        t1 = time.monotonic()
        check("busy: the guest redraws its 2000 frames", ended,
              m.out[-200:].decode(errors="replace"))
        if not ended:
            return
        during = sum(1 for t in stamps if t0 <= t <= t1)
        want = max(3, int(30 * (t1 - t0) / 2))
        check(f"busy: {during} updates in the {t1 - t0:.2f} s of the redraw loop "
              f"(want {want}: half of the 30 Hz refresh)", during >= want)
    finally:
        done.set()
        if reader:
            reader.join(3)
        if c:
            c.close()
        m.close()


def keysyms(text):
    """(keysym, needs Shift held) for each character, US layout."""
    shifted = '~!@#$%^&*()_+{}|:"<>?'
    out = []
    for ch in text:
        if ch == "\n":
            out.append((0xff0d, False))
        else:
            out.append((ord(ch), ch in shifted or ch.isupper()))
    return out


def type_text(c, text, hold_shift=True):
    for ks, shift in keysyms(text):
        if shift and hold_shift:
            c.key(0xffe1, True)
        c.tap(ks)
        if shift and hold_shift:
            c.key(0xffe1, False)


def keys_guest(path, qmp_path, *extra):
    """Linux on isapc echoing the lines typed on tty1 (the VGA console)
    to the serial port, VNC on the unix socket path."""
    from cctest import Guest
    # Through SeaBIOS (-boot kernel=firmware), so that the VGA BIOS sets
    # text mode and the kernel's console on tty1 is on the screen.
    return Guest([CARDCAGE, "-M", "isapc", "-m", "256", "-nographic", "-no-reboot",
                  "-kernel", KERNEL, "-initrd", INITRD, "-boot", "kernel=firmware",
                  "-append", APPEND + " cardcage.test=keys", *extra,
                  "-vnc", f"unix:{path}", "-qmp", f"unix:{qmp_path},server=on,wait=off"])


# -k de: keysyms as a German keyboard types them, and what Linux with its
# default US keymap makes of the keys they become (the US key in the same
# place): QWERTZ's z is US y, its '/' Shift+7 ('&'), '-' US '/', 'ö' US
# ';', '#' US '\'; a 'Z' with Shift held is US 'Y'.
LAYOUT_DE_TYPED = [(ord("z"), False), (ord("y"), False), (ord("/"), False), (ord("-"), False),
                   (0xf6, False), (ord("#"), False), (ord("Z"), True)]
LAYOUT_DE_SEEN = "yz&/;\\Y"


def test_layouts(d):
    require_guest()
    path = os.path.join(d, "vnc.sock")
    qmp_path = os.path.join(d, "layouts.qmp")
    g = keys_guest(path, qmp_path, "-k", "de")
    c = None
    try:
        if not g.wait_for(r"CARDCAGE-KEYS-READY"):
            g.proc.kill()
            check("layouts: the guest reads tty1", False, g.transcript())
            return
        c = RFBClient.unix(path)
        c.handshake()
        time.sleep(0.5)
        for ks, shift in LAYOUT_DE_TYPED:
            if shift:
                c.key(0xffe1, True)
            c.tap(ks)
            if shift:
                c.key(0xffe1, False)
        type_text(c, "\n")
        got = g.wait_for(r"CARDCAGE-KEYS: ", timeout=60)
        line = got[1].split("CARDCAGE-KEYS: ", 1)[1].rstrip("\r\n") if got else None
        check("layouts: under -k de the keysyms z y / - ö # Z reach the guest as the German "
              f"keyboard's keys (US keymap: {LAYOUT_DE_SEEN!r})", line == LAYOUT_DE_SEEN,
              f"got {line!r}")
        try:
            type_text(c, "quit\n")
        except OSError:
            pass
        check("layouts: the guest quits", g.finish(120) == 0)
    finally:
        if c:
            c.close()
        if g.proc.poll() is None:
            g.proc.kill()
            g.proc.wait()


def test_keys(d):
    require_guest()
    path = os.path.join(d, "vnc.sock")
    qmp_path = os.path.join(d, "keys.qmp")
    g = keys_guest(path, qmp_path)
    c1 = c2 = None
    try:
        if not g.wait_for(r"CARDCAGE-KEYS-READY"):
            g.proc.kill()
            check("keys: the guest reads tty1", False, g.transcript())
            return
        c1, c2 = RFBClient.unix(path), RFBClient.unix(path)
        c1.handshake()
        c2.handshake()
        q = QMP.connect_unix(qmp_path)
        q.negotiate()
        info = q.cmd("query-vnc")["return"]
        check("keys: two clients at once on the unix socket",
              info.get("family") == "unix" and len(info.get("clients", [])) == 2, str(info))
        time.sleep(0.5)
        # ':' with Shift held (as a real client sends it), '!' bare.
        type_text(c1, "vnc:42")
        c1.tap(ord("!"))
        type_text(c1, "\n")
        got = g.wait_for(r"CARDCAGE-KEYS: vnc:42!$", timeout=60)
        check("keys: 'vnc:42!' typed through VNC came back from the guest", got is not None,
              "" if got else "\n".join(line for _, line in g.lines[-20:]))
        time.sleep(0.5)
        q.cmd("stop")
        r = q.cmd("screendump", {"filename": f"{d}/keys.ppm"})
        same1, d1 = client_picture_matches(c1, f"{d}/keys.ppm")
        same2, d2 = client_picture_matches(c2, f"{d}/keys.ppm")
        check("keys: both clients' pictures equal the screendump of the Linux console",
              r == {"return": {}} and same1 and same2, f"{r} {d1} / {d2}")
        w, h, px = read_ppm(f"{d}/keys.ppm")
        check("keys: the console is VGA text mode (720x400) with something on it",
              (w, h) == (720, 400) and len(set(px)) > 1, f"{w}x{h}")
        q.cmd("cont")
        # Requests may still be outstanding: read what comes from here on.
        c1.drain()
        c2.drain()
        # Pointer events from the second client while the first types.
        c2.pointer(0, 100, 100)
        c2.pointer(1, 110, 95)
        c2.pointer(0, 110, 95)
        hmp = q.cmd("human-monitor-command", {"command-line": "info vnc"}).get("return", "")
        check("info vnc: the unix socket and its clients",
              f"{path} (unix)" in hmp and hmp.count("Client:") == 2, hmp)
        # The guest powers off on Return's press: its release may find the
        # emulator gone.
        try:
            type_text(c1, "quit\n")
        except OSError:
            pass
        status_ = g.finish(120)
        check("keys: the guest quits on 'quit' typed through VNC, status 0", status_ == 0,
              str(status_))
        check("keys: the unix socket is removed at exit", not os.path.exists(path))
        q.close()
    finally:
        for c in (c1, c2):
            if c:
                c.close()
        if g.proc.poll() is None:
            g.proc.kill()
            g.proc.wait()


def vncpasswd_file(path, password):
    """The file vncpasswd writes: the password DES-encrypted under VNC's
    fixed key (the one every vncpasswd uses, 23 82 107 6 35 78 88 7)."""
    # VNC's DES takes each key byte's bits in reverse order (vnc_key).
    key = bytes(int(f"{b:08b}"[::-1], 2) for b in (23, 82, 107, 6, 35, 78, 88, 7))
    with open(path, "wb") as f:
        f.write(des_encrypt(key, password.encode()[:8].ljust(8, b"\0")))


def try_login(port, password):
    c = RFBClient.tcp(port)
    try:
        c.handshake(password=password)
        c.update(incremental=False)
        return True, ""
    except (RFBError, OSError) as e:
        return False, str(e)
    finally:
        c.close()


def test_password(d):
    n = free_display()
    port = 5900 + n
    m = Machine([CARDCAGE, "-M", "pc", "-display", "none", "-vnc", f"127.0.0.1:{n},password=on"],
                d, "pw")
    try:
        info = m.qmp.cmd("query-vnc")["return"]
        check("password: query-vnc says auth vnc", info.get("auth") == "vnc", str(info))
        ok, why = try_login(port, "")
        check("password: no password set yet: every login refused", not ok, why)
        r = m.qmp.cmd("change-vnc-password", {"password": "s3cret"})
        check("password: change-vnc-password", r == {"return": {}}, str(r))
        ok, why = try_login(port, "s3cret")
        check("password: the right password is accepted", ok, why)
        ok, why = try_login(port, "wrong")
        check("password: a wrong password is refused", not ok and "failed" in why, why)
        r = m.qmp.cmd("set_password", {"protocol": "vnc", "password": "other"})
        check("password: set_password (QMP)", r == {"return": {}}, str(r))
        ok1, _ = try_login(port, "s3cret")
        ok2, why = try_login(port, "other")
        check("password: set_password replaces it", not ok1 and ok2, why)
        r = m.qmp.cmd("human-monitor-command", {"command-line": "set_password vnc hmp-pw"})
        ok, why = try_login(port, "hmp-pw")
        check("password: the monitor's set_password vnc PASS", ok and r.get("return") == "",
              f"{r} {why}")
        r = m.qmp.cmd("set_password", {"protocol": "spice", "password": "x"})
        check("password: set_password for spice is refused",
              "error" in r and "vnc" in r["error"]["desc"], str(r))
        if VNCSNAPSHOT:
            vncpasswd_file(f"{d}/good.pw", "hmp-pw")
            vncpasswd_file(f"{d}/bad.pw", "nope")
            p1 = subprocess.run([VNCSNAPSHOT, "-quiet", "-passwd", f"{d}/good.pw",
                                 f"127.0.0.1:{n}", f"{d}/pw.jpg"], capture_output=True,
                                timeout=60)
            p2 = subprocess.run([VNCSNAPSHOT, "-quiet", "-passwd", f"{d}/bad.pw",
                                 f"127.0.0.1:{n}", f"{d}/pw-bad.jpg"], capture_output=True,
                                timeout=60)
            check("password: vncsnapshot with the right password file takes a picture",
                  p1.returncode == 0 and os.path.getsize(f"{d}/pw.jpg") > 0,
                  p1.stderr.decode(errors="replace")[-300:])
            check("password: vncsnapshot with a wrong one fails",
                  p2.returncode != 0 and not os.path.exists(f"{d}/pw-bad.jpg"),
                  str(p2.returncode))
    finally:
        m.close()
    # Without password=on there is no password to set.
    n = free_display()
    m = Machine([CARDCAGE, "-M", "pc", "-display", "none", "-vnc", f"127.0.0.1:{n}"], d, "nopw")
    try:
        r = m.qmp.cmd("change-vnc-password", {"password": "x"})
        check("password: change-vnc-password without password=on is refused",
              "error" in r and "password=on" in r["error"]["desc"], str(r))
    finally:
        m.close()


def test_bad_input(d):
    for spec, rx in ((":x", r"^cardcage: -vnc :x: expected :N, HOST:N"),
                     ("5900", r"^cardcage: -vnc 5900: expected :N, HOST:N"),
                     (":70000", r"^cardcage: -vnc :70000: expected :N.*N from 0 to 59635"),
                     (":-1", r"^cardcage: -vnc :-1: expected :N"),
                     (":0,bogus=1", r"^cardcage: -vnc :0,bogus=1: unknown option 'bogus'"),
                     (":0,password=maybe", r"^cardcage: -vnc :0,password=maybe: password=maybe: expected on or off"),
                     ("unix:", r"^cardcage: -vnc unix:: the socket path must be 1 to 107 characters"),
                     ("unix:" + "x" * 200, r"the socket path must be 1 to 107"),
                     ("no.such.host.invalid:0", r"^cardcage: -vnc no\.such\.host\.invalid:0: cannot resolve 'no\.such\.host\.invalid'")):
        p = subprocess.run([CARDCAGE, "-M", "pc", "-display", "none", "-vnc", spec],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
        check(f"bad-input: -vnc {spec[:30]} refused with a clear error",
              p.returncode == 1 and re.search(rx, p.stderr.strip(), re.M) is not None and
              "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1,
              f"status {p.returncode}: {p.stderr.strip()[:300]}")
    p = subprocess.run([CARDCAGE, "-M", "pc", "-display", "none", "-vnc", ":1", "-vnc", ":2"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    check("bad-input: two -vnc refused", p.returncode == 1 and "only one -vnc" in p.stderr,
          p.stderr)
    # A port in use.
    n = free_display()
    busy = socket.socket()
    busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    busy.bind(("127.0.0.1", 5900 + n))
    busy.listen(1)
    p = subprocess.run([CARDCAGE, "-M", "pc", "-display", "none", "-vnc", f"127.0.0.1:{n}"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    busy.close()
    check("bad-input: a port in use is a clear error naming it",
          p.returncode == 1 and re.search(rf"^cardcage: -vnc 127\.0\.0\.1:{n}: cannot listen on "
                                          rf"127\.0\.0\.1 port {5900 + n} \(display {n}\): "
                                          r"Address already in use$", p.stderr.strip()) is not None,
          f"status {p.returncode}: {p.stderr.strip()}")
    # A unix path that exists already.
    taken = os.path.join(d, "taken")
    open(taken, "w").close()
    p = subprocess.run([CARDCAGE, "-M", "pc", "-display", "none", "-vnc", f"unix:{taken}"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    check("bad-input: a unix path in use is a clear error",
          p.returncode == 1 and "cannot listen on the unix socket" in p.stderr and
          os.path.exists(taken), p.stderr.strip())

    # Hostile clients against a running machine.
    n = free_display()
    port = 5900 + n
    m = Machine([CARDCAGE, "-M", "pc", "-display", "none", "-vnc", f"127.0.0.1:{n}"], d, "hostile")
    try:
        time.sleep(1)
        # Garbage instead of a protocol version.
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.recv(12)
        s.sendall(os.urandom(4096))
        s.close()
        # Garbage after the handshake: unknown message types.
        c = RFBClient.tcp(port)
        c.handshake()
        c.s.sendall(bytes([0xee]) + os.urandom(2000))
        c.close()
        # A cut text claiming 1 GiB (libvncserver refuses more than 1 MiB).
        c = RFBClient.tcp(port)
        c.handshake()
        c.s.sendall(struct.pack(">BxxxI", 6, 1 << 30) + b"x" * 1000)
        time.sleep(0.3)
        c.close()
        # Leaving in the middle of a full update of a large screen.
        c = RFBClient.tcp(port)
        c.handshake()
        for _ in range(5):
            c.request(incremental=False)
        c.s.shutdown(socket.SHUT_RDWR)
        c.close()
        # Half a key event, then gone.
        c = RFBClient.tcp(port)
        c.handshake()
        c.s.sendall(b"\x04\x01")
        c.close()
        time.sleep(0.5)
        r = m.qmp.cmd("query-status")
        check("bad-input: the machine still runs after hostile clients",
              r.get("return", {}).get("status") == "running", str(r))
        ok, why = try_login(port, None)
        check("bad-input: and a well-behaved client still gets a picture", ok, why)
        deadline = time.monotonic() + 5
        left = None
        while time.monotonic() < deadline:
            left = m.qmp.cmd("query-vnc")["return"].get("clients")
            if left == []:
                break
            time.sleep(0.1)
        check("bad-input: every hostile client was dropped", left == [], str(left))
    finally:
        m.close()
    check("bad-input: the emulator exits cleanly after them", m.proc.returncode == 0,
          f"status {m.proc.returncode} {m.proc.stderr.read().decode(errors='replace')[-500:]}")


MOUSE_REPORT = os.path.join(os.environ.get("CARDCAGE_BUILD_ROOT", "build"), "tests",
                            "functional", "mouse-report.bin")


def ps2_packets(text):
    """The three-byte packets in the mouse-report guest's output, as
    (buttons, dx, dy) with the 9-bit signed motion of byte 0's sign bits
    (IBM PS/2 technical reference, pointing device data report)."""
    out = []
    for line in text.splitlines():
        b = [int(x, 16) for x in line.split()]
        if len(b) != 3:
            continue
        dx = b[1] - (256 if b[0] & 0x10 else 0)
        dy = b[2] - (256 if b[0] & 0x20 else 0)
        out.append((b[0], dx, dy))
    return out


def test_pointer(d, qemu=False):
    name = "qemu" if qemu else "cardcage"
    emu = shutil.which("qemu-system-i386") if qemu else CARDCAGE
    if not emu:
        print("SKIP: qemu-system-i386 not installed")
        return
    sock = os.path.join(d, f"pointer-{name}.sock")
    log = os.path.join(d, f"pointer-{name}.log")
    argv = [emu, "-M", "pc", "-display", "none", "-vnc", f"unix:{sock}",
            "-kernel", MOUSE_REPORT, "-debugcon", f"file:{log}"]
    argv += ["-accel", "tcg", "-nodefaults"] if qemu else ["-nic", "none"]
    m = Machine(argv, d, f"pointer-{name}")
    c = None
    try:
        def guest_said(text, timeout=30):
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                if os.path.exists(log) and text in open(log, errors="replace").read():
                    return True
                time.sleep(0.1)
            return False
        ok = guest_said("MOUSE-READY")
        check(f"pointer {name}: the guest turned the PS/2 mouse on", ok)
        if not ok:
            return
        c = RFBClient.unix(sock)
        c.handshake()
        # The first event only places the pointer; the motion is the
        # difference to it.
        steps = [(0, 100, 100), (0, 110, 95), (1, 110, 95), (0, 110, 95)]
        for mask, x, y in steps:
            c.pointer(mask, x, y)
            time.sleep(0.2)

        def packets():
            text = open(log, errors="replace").read().split("MOUSE-READY", 1)[1]
            return ps2_packets(text)
        end = time.monotonic() + 20
        while time.monotonic() < end and sum(1 for p in packets() if p[0] & 1) == 0:
            time.sleep(0.1)
        time.sleep(0.5)
        got = packets()
        check(f"pointer {name}: every packet has byte 0's bit 3 set",
              got and all(p[0] & 0x08 for p in got), str(got))
        check(f"pointer {name}: the move of (+10, -5) pixels is dx 10, dy 5 (y up)",
              (sum(p[1] for p in got), sum(p[2] for p in got)) == (10, 5), str(got))
        buttons = [p[0] & 7 for p in got]
        pressed = buttons.index(1) if 1 in buttons else -1
        check(f"pointer {name}: the left button pressed, then released",
              pressed >= 0 and 0 in buttons[pressed + 1:], str(got))
    finally:
        if c:
            c.close()
        m.close()


def main():
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    if which == "pointer" and "--qemu" in sys.argv[2:]:
        d = tempfile.mkdtemp(prefix="cc-vnc-")
        test_pointer(d, qemu=True)
        shutil.rmtree(d, ignore_errors=True)
        return status()
    with scratch_dir("cc-vnc-") as d:
        for name, fn in (("snapshot", test_snapshot), ("resize", test_resize),
                         ("keys", test_keys), ("layouts", test_layouts),
                         ("password", test_password), ("pointer", test_pointer),
                         ("busy", test_busy),
                         ("bad-input", test_bad_input)):
            if which in (name, "all"):
                fn(d)
    return status()


if __name__ == "__main__":
    sys.exit(main())
