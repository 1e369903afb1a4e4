#!/usr/bin/env python3
"""The Debian installer on pc -vga cirrus, seen and driven as a person
would: its netboot kernel and initrd (tests/guests/get-netboot.sh) started
with -kernel/-initrd, no serial console, so Linux's cirrus DRM driver
brings up a 1024x768 framebuffer and the installer draws its text frontend
there with bterm (BOGL's terminal, the unifont font).  Then:

- the screendump is read back as text: each 8x16 cell is matched against
  the installer's own font (lib/unifont.bgf, read from the initrd), so the
  test sees the words on the screen, not a reference picture: the title
  "[!!] Select a language", the question, and the language list with
  English highlighted (the one list row whose background differs);
- Down typed through the VNC server (-vnc unix:, our RFB client) moves the
  highlight to Esperanto, and the screendump after it differs from the one
  before in exactly those two text rows;
- Up brings the first picture back, pixel for pixel.

`installer-cirrus.py --qemu` (or CARDCAGE_TEST_EMULATOR=qemu) runs the same
on qemu-system-i386 (meson's installer-cirrus-qemu, suites 'qemu' and
'slow'), showing the test is right.  Skips (77) without the netboot tree,
unless CARDCAGE_REQUIRE_GUESTS=1."""
import gzip
import os
import shutil
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cctest import CARDCAGE, DI_INITRD, DI_KERNEL, check, require_netboot, status  # noqa: E402
from rfbclient import RFBClient  # noqa: E402
from screen import Machine, read_ppm  # noqa: E402
from vga import diff_rows  # noqa: E402

# Power-on to the language menu: the 30 MB initramfs to unpack, udev, the
# hardware scan; some 4 minutes on a loaded 2-core host.
MENU_TIMEOUT = 900
# X keysyms (RFC 6143 section 7.5.4).
XK_UP, XK_DOWN = 0xff52, 0xff54
TITLE = "[!!] Select a language"
# no_timer_check: Linux's check that the timer interrupt arrives within a
# busy-wait loop fails when a loaded host stops the emulator for a while,
# and the kernel panics ("IO-APIC + timer doesn't work!": seen on QEMU);
# what a virtual machine's kernel is told anyway.
APPEND = "quiet no_timer_check"


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def initrd_member(path, name):
    """The bytes of one file in a gzipped newc cpio archive (the
    installer's initrd), or None."""
    data = gzip.open(path).read()
    off = 0
    while off + 110 <= len(data):
        if data[off:off + 6] != b"070701":
            off += 1        # the zero padding between concatenated archives
            continue
        size = int(data[off + 54:off + 62], 16)
        namesize = int(data[off + 94:off + 102], 16)
        member = data[off + 110:off + 110 + namesize - 1].decode("utf-8", "replace")
        start = (off + 110 + namesize + 3) & ~3
        if member == name:
            return data[start:start + size]
        off = (start + size + 3) & ~3
    return None


def bogl_font(data):
    """The 8-pixel-wide glyphs of a BOGL font file (.bgf: "BGF1", then
    BOGL's struct bogl_font as an i386 program has it in memory, its
    pointers made offsets into the file): {16 row bytes: character}, the
    lowest code point kept where glyphs look alike (Latin before Cyrillic),
    and the glyph height."""
    if data[:4] != b"BGF1":
        raise ValueError("not a BOGL font")
    _name, height, mask, offsets, index, content, _default = struct.unpack_from("<7I", data, 4)

    def word(o):
        return struct.unpack_from("<I", data, o)[0]
    glyphs = {}
    for low in range(mask + 1):
        i = word(offsets + 4 * low)
        # Each chain: (code point's high bits | width, content index)
        # pairs, ended by 0.
        while word(index + 4 * i):
            char_width = word(index + 4 * i)
            width, code = char_width & mask, (char_width & ~mask) | low
            if width == 8:
                at = content + 4 * word(index + 4 * (i + 1))
                rows = bytes(word(at + 4 * r) >> 24 for r in range(height))
                if rows not in glyphs or code < ord(glyphs[rows]):
                    glyphs[rows] = chr(code)
            i += 2
    return glyphs, height


class Screen:
    """A screendump read as a grid of 8xH character cells: the text and
    each cell's background colour (None where a cell holds no glyph of the
    font: wide characters, the scroll bar)."""

    def __init__(self, img, font):
        glyphs, h = font
        self.img = img
        w, height, px = img
        self.text, self.bg = [], []
        for cy in range(height // h):
            line, bgs = [], []
            for cx in range(w // 8):
                rows = []
                for y in range(h):
                    o = ((cy * h + y) * w + cx * 8) * 3
                    seg = px[o:o + 24]
                    rows.append([seg[i:i + 3] for i in range(0, 24, 3)])
                colours = {c for r in rows for c in r}
                ch, bg = "\0", None
                if len(colours) == 1:
                    ch, bg = " ", rows[0][0]
                elif len(colours) == 2:
                    a, b = colours
                    for fg, back in ((a, b), (b, a)):
                        key = bytes(sum(0x80 >> i for i, c in enumerate(r) if c == fg)
                                    for r in rows)
                        if key in glyphs:
                            ch, bg = glyphs[key], back
                            break
                line.append(ch)
                bgs.append(bg)
            self.text.append("".join(line))
            self.bg.append(bgs)

    def find(self, s):
        """(row, column) of the first s on the screen, or None."""
        for y, line in enumerate(self.text):
            x = line.find(s)
            if x >= 0:
                return y, x
        return None

    def highlighted(self):
        """The language list's rows ("NAME - NATIVE NAME") and the one
        whose background differs from the others': (rows, (row, text))."""
        rows = []
        for y, line in enumerate(self.text):
            # Without the dialog's frame and the list's scroll bar.
            stripped = line.strip("│ \0").rstrip("▒▮↑↓ \0")
            if " - " in stripped:
                x = line.index(stripped[0])
                rows.append((y, x, " ".join(stripped.split())))
        colours = {}
        for y, x, _ in rows:
            colours.setdefault(self.bg[y][x], []).append((y, x))
        odd = [v for v in colours.values() if len(v) == 1]
        if len(odd) != 1 or len(rows) < 3:
            return rows, None
        y = odd[0][0][0]
        return rows, (y, next(t for r, _, t in rows if r == y))

    def dump(self):
        return "\n".join(line.replace("\0", "#").rstrip() for line in self.text)


LAST_SEEN = {}


def stable_screen(m, d, name, font, timeout, unlike=None):
    """Screendumps every 2 s until two in a row are equal, show the
    language menu's title and differ from the picture unlike: that Screen,
    or None (LAST_SEEN["text"] then holds the last picture's text)."""
    end = time.monotonic() + timeout
    last = None
    i = 0
    while time.monotonic() < end and m.proc.poll() is None:
        path = os.path.join(d, f"{name}-{i % 2}.ppm")
        i += 1
        ok, r = m.dump(path)
        if not ok:
            fail(f"screendump: {r}")
        cur = open(path, "rb").read()
        if cur == last:
            img = read_ppm(path)
            if unlike is None or img[2] != unlike[2]:
                screen = Screen(img, font)
                if screen.find(TITLE):
                    return screen
                LAST_SEEN["text"] = screen.dump()
        last = cur
        time.sleep(2)
    return None


def main():
    args = sys.argv[1:]
    qemu = "--qemu" in args or os.environ.get("CARDCAGE_TEST_EMULATOR") == "qemu"
    require_netboot(fail)
    emu = shutil.which("qemu-system-i386") if qemu else CARDCAGE
    if not emu:
        print("SKIP: qemu-system-i386 not installed")
        return 77
    name = "qemu" if qemu else "cardcage"
    bgf = initrd_member(DI_INITRD, "lib/unifont.bgf")
    check("the installer's initrd has its terminal font (lib/unifont.bgf)", bgf is not None)
    if bgf is None:
        return status()
    font = bogl_font(bgf)
    d = tempfile.mkdtemp(prefix="cc-installer-cirrus-")
    vnc = os.path.join(d, "vnc.sock")
    # No NIC (the installer would look for a network only after the
    # language).  Through the firmware, as a person's machine starts and
    # as QEMU always does (cardcage: -boot kernel=firmware; its boot ROM
    # reads the 36 MB of kernel and initrd from fw_cfg's data port a byte
    # at a time, about a minute; QEMU's uses fw_cfg DMA).  Started directly
    # instead, the installer does reach its menu (its picture is in VRAM),
    # but the screen stays 8x1: no VGA BIOS has set up the card (Misc Output
    # still 0, so the CRTC sits at 0x3B4 and the DRM driver's CRTC writes to
    # 0x3D4 are not decoded), which Linux's cirrus driver does not redo.
    argv = [emu, "-M", "pc", "-m", "512", "-vga", "cirrus", "-nic", "none", "-display", "none",
            "-no-reboot", "-kernel", DI_KERNEL, "-initrd", DI_INITRD, "-append", APPEND,
            "-vnc", f"unix:{vnc}"]
    argv += ["-accel", "tcg"] if qemu else ["-boot", "kernel=firmware"]
    t0 = time.monotonic()
    m = Machine(argv, d, name)
    c = None
    try:
        s1 = stable_screen(m, d, "menu", font, MENU_TIMEOUT)
        check(f"{name}: the installer's language menu on the cirrus framebuffer "
              f"(\"{TITLE}\" read from the screendump)", s1 is not None,
              "the last steady picture's text:\n" + LAST_SEEN.get("text", "(none)"))
        if s1 is None:
            return status()
        print(f"TIME {name} installer on cirrus: power-on to the language menu "
              f"{time.monotonic() - t0:.1f} s")
        w, h, _ = s1.img
        check(f"{name}: the cirrus DRM driver's 1024x768 mode", (w, h) == (1024, 768), f"{w}x{h}")
        check(f"{name}: the question's text", s1.find(
            "Choose the language to be used for the installation process") is not None, s1.dump())
        rows, hl = s1.highlighted()
        check(f"{name}: the list of languages, English highlighted",
              hl is not None and hl[1] == "English - English" and len(rows) > 20,
              f"{hl} of {len(rows)} rows\n{s1.dump()}")
        if hl is None:
            return status()
        c = RFBClient.unix(vnc)
        c.handshake()
        c.tap(XK_DOWN)
        s2 = stable_screen(m, d, "down", font, 180, unlike=s1.img)
        check(f"{name}: Down through VNC changes the picture", s2 is not None)
        if s2 is None:
            return status()
        hl2 = s2.highlighted()[1]
        check(f"{name}: the highlight moves to the next language",
              hl2 is not None and hl2[0] == hl[0] + 1 and hl2[1] == "Esperanto - Esperanto",
              f"{hl2}\n{s2.dump()}")
        changed = diff_rows(s1.img, s2.img, 16)
        check(f"{name}: the picture changes in exactly those two text rows",
              changed == [hl[0], hl[0] + 1], f"rows {changed}, list row {hl[0]}")
        c.tap(XK_UP)
        s3 = stable_screen(m, d, "up", font, 180, unlike=s2.img)
        check(f"{name}: Up brings back the first picture, pixel for pixel",
              s3 is not None and s3.img[2] == s1.img[2],
              f"rows {diff_rows(s1.img, s3.img, 16)} differ; highlight {s3.highlighted()[1]}"
              if s3 else "the picture did not change")
    finally:
        if c:
            c.close()
        m.close()
        shutil.rmtree(d, ignore_errors=True)
    return status()


if __name__ == "__main__":
    sys.exit(main())
