#!/usr/bin/env python3
"""The standard VGA's pictures against QEMU's, pixel for pixel.

1. seabios: pc and isapc with no disk, stopped at SeaBIOS's "No bootable
   device" screen (text mode 3 drawn by SeaBIOS's VGA BIOS: vgabios-stdvga.bin
   on the PCI VGA, vgabios-isavga.bin on isa-vga), on cardcage and on
   qemu-system-i386 with the same board and card.
2. draw: the guest guest/vga-draw.asm, started by SeaBIOS on both (cardcage
   -boot kernel=firmware), stops at six stages: the text screen the
   firmware left, mode 13h, mode 12h, VBE 1024x768x32, Mode X (320x240
   unchained) and Mode X scrolled through the CRTC start address; a
   screendump of each is compared.
3. screendump as PNG and the QMP/monitor surface (query-consoles).
4. cirrus: SeaBIOS's screen as in 1 with vgabios-cirrus.bin on pc and isapc -vga
   cirrus, and the guest guest/cirrus-blt.asm: BLTs of every kind on a
   1024x768 8 bpp screen whose DAC gives each byte value a colour of its
   own, compared after each group (the video memory byte for byte).

Differences allowed, and why:
- seabios: none.  Both give SeaBIOS the same boot configuration (the CMOS
  boot order, etc/boot-fail-wait -1: "No bootable device." and no retry);
  QEMU's kvmvapic option ROM, which SeaBIOS would try as a hard disk
  before the floppy, is turned off on QEMU's pc (cardcage has none).
Everything else must be identical.
Skips (77) when qemu-system-i386 is not installed.
"""
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from cctest import CARDCAGE, EXIT, check, status  # noqa: E402

check_ = check
from screen import Machine, read_ppm  # noqa: E402,F401

BUILD = os.environ["CARDCAGE_BUILD_ROOT"]
GUEST = os.path.join(BUILD, "tests", "functional", "vga-draw.bin")
BLT_GUEST = os.path.join(BUILD, "tests", "functional", "cirrus-blt.bin")
QEMU = shutil.which("qemu-system-i386")


def diff_rows(a, b, row_h):
    """The text rows (row_h lines each) where the two pictures differ."""
    (w, h, pa), (_, _, pb) = a, b
    rows = set()
    line = w * 3
    for y in range(h):
        if pa[y * line:(y + 1) * line] != pb[y * line:(y + 1) * line]:
            rows.add(y // row_h)
    return sorted(rows)


def wait_screen_settles(m, path, timeout=60):
    """Screendumps until two in a row, 0.5 s apart, are the same and show
    "No bootable device"; the text is read from VRAM-free pixels by
    comparing pictures only, so the marker is checked on the serial-free
    debug log instead: here we just wait for a stable picture."""
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        ok, r = m.dump(path)
        if not ok:
            return None
        cur = open(path, "rb").read()
        if cur == last:
            return cur
        last = cur
        time.sleep(1.0)
    return None


def test_seabios(d, board, card="std"):
    name = board if card == "std" else f"{board}-{card}"
    d = os.path.join(d, name)
    os.makedirs(d, exist_ok=True)
    # QEMU runs with -nodefaults (no network card and so no iPXE banner on
    # the screen): cardcage leaves out pc's default e1000 the same way.
    cc = Machine([CARDCAGE, "-M", board, "-vga", card, "-display", "none", "-nic", "none",
                  "-chardev",
                  f"file,id=bios,path={d}/cc.log", "-set", "bios-debug.chardev=bios"], d, "cc")
    # QEMU's pc gives SeaBIOS its kvmvapic option ROM, which SeaBIOS
    # lists as a hard disk (a legacy ROM's BCV) and so tries before the
    # floppy; cardcage has no vapic, so QEMU's is turned off.
    vapic = ["-global", "apic-common.vapic=off"] if board == "pc" else []
    q = Machine([QEMU, "-M", board, "-display", "none", "-nodefaults", "-vga", card, *vapic,
                 "-chardev", f"file,id=bios,path={d}/q.log",
                 "-device", "isa-debugcon,iobase=0x402,chardev=bios"], d, "q")
    check = lambda what, ok, detail="": check_(f"{name} {what}", ok, detail)  # noqa: E731
    try:
        def wait_log(path):
            end = time.monotonic() + 60
            while time.monotonic() < end:
                if os.path.exists(path) and b"No bootable device" in open(path, "rb").read():
                    return True
                time.sleep(0.2)
            return False
        ok = wait_log(f"{d}/cc.log") and wait_log(f"{d}/q.log")
        check("seabios: both reach 'No bootable device'", ok)
        if not ok:
            return
        time.sleep(0.5)
        for m in (cc, q):
            m.qmp.cmd("stop")
        ok1, r1 = cc.dump(f"{d}/cc.ppm")
        ok2, r2 = q.dump(f"{d}/q.ppm")
        check("seabios: screendump on both", ok1 and ok2, f"{r1} {r2}")
        if not (ok1 and ok2):
            return
        a, b = read_ppm(f"{d}/cc.ppm"), read_ppm(f"{d}/q.ppm")
        check("seabios: same size (720x400, 80x25 cells of 9x16)", a[:2] == b[:2] == (720, 400),
              f"{a[:2]} vs {b[:2]}")
        if a[:2] != b[:2]:
            return
        rows = diff_rows(a, b, 16)
        check("seabios: the screens are identical in pixels (text, font, colours, cursor)",
              rows == [], f"differing rows {rows}")
    finally:
        cc.close()
        q.close()


def test_draw(d):
    # QEMU runs with -nodefaults: no network card, no iPXE banner on the
    # text screen; cardcage leaves out pc's default e1000 the same way.
    cc = Machine([CARDCAGE, "-M", "pc", "-display", "none", "-nic", "none", "-kernel", GUEST,
                  "-boot", "kernel=firmware", *EXIT], d, "dcc")
    q = Machine([QEMU, "-M", "pc", "-display", "none", "-nodefaults", "-vga", "std",
                 "-kernel", GUEST, "-device", "isa-debug-exit,iobase=0xf4,iosize=4"], d, "dq")
    try:
        for stage, what, size in (("A", "text screen at the guest's start", (720, 400)),
                                  ("B", "mode 13h", (640, 400)),
                                  ("C", "mode 12h", (640, 480)),
                                  ("D", "VBE 1024x768x32", (1024, 768)),
                                  ("E", "Mode X (320x240 unchained)", (640, 480)),
                                  ("F", "Mode X scrolled by the start address", (640, 480))):
            ok = cc.wait_serial(f"VGA-STAGE {stage}") and q.wait_serial(f"VGA-STAGE {stage}")
            check(f"draw {stage}: both guests reach the stage", ok,
                  (cc.out[-200:] + b" / " + q.out[-200:]).decode(errors="replace"))
            if not ok:
                return
            ok1, r1 = cc.dump(f"{d}/cc-{stage}.ppm")
            ok2, r2 = q.dump(f"{d}/q-{stage}.ppm")
            check(f"draw {stage}: screendumps", ok1 and ok2, f"{r1} {r2}")
            a, b = read_ppm(f"{d}/cc-{stage}.ppm"), read_ppm(f"{d}/q-{stage}.ppm")
            check(f"draw {stage}: {what} is {size[0]}x{size[1]} on both", a[:2] == b[:2] == size,
                  f"{a[:2]} vs {b[:2]}")
            if a[:2] == b[:2]:
                bad = sum(1 for i in range(0, len(a[2]), 3) if a[2][i:i + 3] != b[2][i:i + 3])
                check(f"draw {stage}: {what} identical pixel for pixel", bad == 0,
                      f"{bad} pixels differ (see {d})")
            if stage == "D":
                ok, r = cc.dump(f"{d}/cc-D.png", "png")
                png = open(f"{d}/cc-D.png", "rb").read(8) if ok else b""
                check("draw D: screendump format=png writes a PNG", png == b"\x89PNG\r\n\x1a\n",
                      str(r))
                info = cc.qmp.cmd("query-consoles")
                c = info.get("return", {}).get("consoles", [{}])[0]
                check("query-consoles: the VGA at 1024x768",
                      c.get("device") == "vga" and c.get("width") == 1024 and
                      c.get("height") == 768, str(info))
            cc.send(b"n")
            q.send(b"n")
    finally:
        cc.close()
        q.close()


# Where cardcage and QEMU differ on purpose: QEMU has the raster
# operations 90h and DAh swapped (it computes NOT S OR NOT D for 90h and
# NOT S AND NOT D for DAh); the CL-GD5446's table (and Bochs) has 90h NOT
# (S OR D) and DAh NOT (S AND D), as the codes' structure says (D0h is NOT
# S of 0Dh S, swapping the nibbles complements S: 09h S AND NOT D gives
# 90h NOT S AND NOT D).  The guest's two BLTs with each are the rectangles
# (x, y, width, height) below, from the stage named on.
def rop_rects():
    rects = []
    for i in (10, 15):                      # 90h and DAh in the guest's ROP order
        x, y = (i % 8) * 100, 64 + (i // 8) * 20
        rects.append(("B", x, y, 40, 12))
        rects.append(("C", x, 192 + (i // 8) * 20, 40, 12))
    return rects


def test_cirrus_blt(d):
    """guest/cirrus-blt.asm on pc -vga cirrus: a 1024x768 8 bpp screen in
    which each byte of video memory has a colour of its own, after each
    group of BLTs, against QEMU's."""
    allowed = rop_rects()
    last = None
    d = os.path.join(d, "blt")
    os.makedirs(d, exist_ok=True)
    cc = Machine([CARDCAGE, "-M", "pc", "-vga", "cirrus", "-display", "none",
                  "-kernel", BLT_GUEST, "-boot", "kernel=firmware", *EXIT], d, "bcc")
    q = Machine([QEMU, "-M", "pc", "-display", "none", "-nodefaults", "-vga", "cirrus",
                 "-kernel", BLT_GUEST, "-device", "isa-debug-exit,iobase=0xf4,iosize=4"], d, "bq")
    stages = (("A", "the filled screen"), ("B", "forward copies, 16 ROPs"),
              ("C", "backward and overlapping copies"), ("D", "colour expansion"),
              ("E", "patterns and solid fills"), ("F", "system-to-screen BLTs"))
    try:
        for stage, what in stages:
            ok = cc.wait_serial(f"BLT-STAGE {stage}") and q.wait_serial(f"BLT-STAGE {stage}")
            check(f"cirrus blt {stage}: both guests reach the stage", ok,
                  (cc.out[-200:] + b" / " + q.out[-200:]).decode(errors="replace"))
            if not ok:
                return
            ok1, r1 = cc.dump(f"{d}/cc-{stage}.ppm")
            ok2, r2 = q.dump(f"{d}/q-{stage}.ppm")
            check(f"cirrus blt {stage}: screendumps", ok1 and ok2, f"{r1} {r2}")
            a, b = read_ppm(f"{d}/cc-{stage}.ppm"), read_ppm(f"{d}/q-{stage}.ppm")
            ok = a[:2] == b[:2] == (1024, 768)
            check(f"cirrus blt {stage}: 1024x768 on both", ok, f"{a[:2]} vs {b[:2]}")
            if ok:
                rects = [r[1:] for r in allowed if r[0] <= stage]
                bad, named = [], 0
                for i in range(0, len(a[2]), 3):
                    if a[2][i:i + 3] != b[2][i:i + 3]:
                        x, y = (i // 3) % 1024, (i // 3) // 1024
                        if any(rx <= x < rx + rw and ry <= y < ry + rh
                               for rx, ry, rw, rh in rects):
                            named += 1
                        else:
                            bad.append((x, y))
                where = f" first at {bad[0]}" if bad else ""
                check(f"cirrus blt {stage}: {what}: identical pixel for pixel "
                      f"(but for the ROPs 90h/DAh QEMU swaps: {named} pixels)", not bad,
                      f"{len(bad)} pixels differ{where} (see {d})")
                if stage >= "B":
                    check(f"cirrus blt {stage}: the 90h/DAh rectangles do differ from QEMU's",
                          named > 0)
                    check(f"cirrus blt {stage}: the BLTs changed the picture", a[2] != last)
                last = a[2]
            cc.send(b"n")
            q.send(b"n")
    finally:
        cc.close()
        q.close()


def main():
    if not QEMU:
        print("SKIP: qemu-system-i386 not installed")
        return 77
    keep = os.environ.get("CARDCAGE_VGA_KEEP")
    d = keep or tempfile.mkdtemp(prefix="cc-vga-")
    os.makedirs(d, exist_ok=True)
    try:
        which = sys.argv[1] if len(sys.argv) > 1 else "all"
        if which in ("seabios", "all"):
            test_seabios(d, "pc")       # VGA, vgabios-stdvga.bin as its PCI option ROM
            test_seabios(d, "isapc")    # isa-vga, vgabios-isavga.bin through fw_cfg
        if which in ("cirrus", "all"):
            test_seabios(d, "pc", "cirrus")   # cirrus-vga, vgabios-cirrus.bin
            test_seabios(d, "isapc", "cirrus")    # isa-cirrus-vga, the same BIOS via fw_cfg
            test_cirrus_blt(d)
        if which in ("draw", "all"):
            test_draw(d)
    finally:
        if not keep and status() == 0:
            shutil.rmtree(d, ignore_errors=True)
        elif status():
            print(f"pictures kept in {d}")
    return status()


if __name__ == "__main__":
    sys.exit(main())
