#!/usr/bin/env python3
"""Linux's DRM driver for each display card on pc: the cirrus driver on
-vga cirrus (`linux-drm.py cirrus`, meson's cirrus-linux) and the bochs
driver on the standard VGA's Bochs VBE interface (`linux-drm.py std`,
meson's bochs-linux).  The guest kernel (tests/guests/get-linux.sh's
Debian i386 kernel, from the shared cache, which this test does not
rebuild) loads the card's module and the DRM modules it needs from an
initramfs of this test's own (the modules taken from the cached kernel
package), brings up the DRM framebuffer console, writes a block of text to
it, and reports what the driver set up on the serial port.  Then:
- the kernel names the card: the driver as fb0's name, the mode it chose;
- a screendump is that mode's size (the drivers' 1024x768 default) and
  shows the text: light pixels in the text's rows, and the same picture
  again after the console is cleared and the text written once more
  (the renderer's dirty tracking follows the driver's writes);
- with qemu-system-i386 installed, the same guest on QEMU 7.2's pc with
  the same card gives the same picture, pixel for pixel;
- neither driver uses a blitter or a hardware cursor (both draw with the
  CPU into the linear framebuffer); cirrus's blitter has its own tests.
Skips (77) when the guest cache is absent, unless CARDCAGE_REQUIRE_GUESTS=1.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from cctest import CARDCAGE, check, scratch_dir, status  # noqa: E402
from screen import Machine, read_ppm  # noqa: E402

SRC = os.environ["CARDCAGE_SOURCE_ROOT"]
QEMU = shutil.which("qemu-system-i386")
CACHE = os.path.join(os.environ.get("CARDCAGE_GUEST_CACHE") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "cardcage", "guests"),
    "linux")

# card -> (-vga value, the kernel module, what fb0's name starts with)
CARDS = {"cirrus": ("cirrus", "cirrus", "cirrus"), "std": ("std", "bochs", "bochs")}

INIT = r"""#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /lib/modules/order.drm); do
    insmod /lib/modules/$m.ko || echo "DRM-ERROR: insmod $m"
done
n=0
while [ ! -e /sys/class/graphics/fb0/name ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
echo "DRM-FB: $(cat /sys/class/graphics/fb0/name) $(cat /sys/class/graphics/fb0/virtual_size) $(cat /sys/class/graphics/fb0/bits_per_pixel)"
echo "DRM-CARDS: $(ls /sys/class/drm | tr '\n' ' ')"
dmesg | grep -i -E "cirrus|bochs|drm|fb|pci 0000:00:02" | sed 's/^/DRM-DMESG: /'
text() {
    printf '\033[2J\033[H' > /dev/tty1
    i=0
    while [ $i -lt 8 ]; do
        echo "CARDCAGE DRM FRAMEBUFFER CONSOLE LINE $i ##########################" > /dev/tty1
        i=$((i + 1))
    done
}
printf '\033[?25l' > /dev/tty1
text
sleep 1
echo "DRM-TEXT-1"
read -r go
text
sleep 1
echo "DRM-TEXT-2"
read -r go
reboot -f
"""


def build_initramfs(d, module):
    """The card's module and its dependencies from the cached kernel package, with
    busybox and the init above; returns the initramfs path."""
    kdeb = glob.glob(os.path.join(CACHE, "linux-image-*.deb"))
    bdeb = glob.glob(os.path.join(CACHE, "busybox-static*.deb"))
    if not kdeb or not bdeb:
        return None
    x = os.path.join(d, "x")
    os.makedirs(x)
    tar = subprocess.Popen(["tar", "-x", "-C", x, "--wildcards",
                            "./lib/modules/*/kernel/drivers/gpu/drm/*",
                            "./lib/modules/*/kernel/drivers/video/*",
                            "./lib/modules/*/kernel/drivers/i2c/*"],
                           stdin=subprocess.PIPE)
    subprocess.run(["dpkg-deb", "--fsys-tarfile", kdeb[0]], stdout=tar.stdin, check=True)
    tar.stdin.close()
    tar.wait()
    subprocess.run(["dpkg-deb", "-x", bdeb[0], x], check=True)
    moddir = glob.glob(os.path.join(x, "lib", "modules", "*"))[0]
    kos = subprocess.run([sys.executable, os.path.join(SRC, "tests", "guests", "kmods.py"),
                          moddir, module], capture_output=True, text=True,
                         check=True).stdout.split()
    order = os.path.join(d, "order.drm")
    with open(order, "w") as f:
        f.write("".join(os.path.basename(k)[:-3] + "\n" for k in kos))
    init = os.path.join(d, "init.sh")
    with open(init, "w") as f:
        f.write(INIT)
    out = os.path.join(d, "initramfs.cpio.gz")
    subprocess.run([sys.executable, os.path.join(SRC, "tests", "guests", "mkinitramfs.py"),
                    os.path.join(x, "bin", "busybox"), init, out,
                    f"lib/modules/order.drm={order}",
                    *[f"lib/modules/{os.path.basename(k)}={k}" for k in kos]], check=True)
    shutil.rmtree(x)
    return out


def light_rows(img):
    """Rows holding at least one light pixel (the console's text)."""
    w, h, px = img
    rows = []
    for y in range(h):
        line = px[y * w * 3:(y + 1) * w * 3]
        if any(line[i] > 0x80 for i in range(0, len(line), 3)):
            rows.append(y)
    return rows


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in CARDS:
        print(f"usage: {sys.argv[0]} {'|'.join(CARDS)}")
        return 2
    vga, module, fbname = CARDS[sys.argv[1]]
    vmlinuz = os.path.join(CACHE, "vmlinuz")
    if not os.path.exists(vmlinuz):
        if os.environ.get("CARDCAGE_REQUIRE_GUESTS") == "1":
            check("guest cache present (tests/guests/get-linux.sh)", False, CACHE)
            return status()
        print(f"SKIP: no guest kernel in {CACHE} (run tests/guests/get-linux.sh)")
        return 77
    with scratch_dir(f"cc-linux-drm-{vga}-") as d:
        initrd = build_initramfs(d, module)
        check(f"initramfs with {module}.ko built from the cached kernel package", initrd is not None)
        if not initrd:
            return status()
        t0 = time.monotonic()
        m = Machine([CARDCAGE, "-M", "pc", "-vga", vga, "-display", "none", "-no-reboot",
                     "-kernel", vmlinuz, "-initrd", initrd, "-boot", "kernel=firmware",
                     "-append", "console=ttyS0 quiet"], d)
        try:
            ok = m.wait_serial("DRM-TEXT-1", 90)
            print(f"cardcage: power-on to the DRM console's text in {time.monotonic() - t0:.1f} s")
            log = m.out.decode(errors="replace")
            check(f"the guest loads {module}.ko and writes to the DRM console", ok, log[-1500:])
            if not ok:
                return status()
            fb = re.search(r"DRM-FB: (\S+) (\d+),(\d+) (\d+)", log)
            check(f"fb0 is the {module} DRM driver's", fb is not None and
                  fb.group(1).startswith(fbname), log[-800:])
            check("no module failed to load", "DRM-ERROR" not in log, log[-800:])
            if not fb:
                return status()
            size = (int(fb.group(2)), int(fb.group(3)))
            r = m.qmp.cmd("screendump", {"filename": f"{d}/a.ppm"})
            check("screendump", r == {"return": {}}, str(r))
            a = read_ppm(f"{d}/a.ppm")
            check(f"the picture is the driver's mode {size[0]}x{size[1]}", a[:2] == size,
                  f"{a[:2]}")
            rows = light_rows(a)
            # 8 lines of text of a 16-line font at the top: light pixels in
            # rows 0-127 and not below (the console was cleared)
            check("the console's text shows (light pixels in its 8 text lines, none below)",
                  len(rows) > 40 and max(rows) < 8 * 16 and min(rows) < 16,
                  f"{len(rows)} rows, {rows[:3]}...{rows[-3:]}")
            m.proc.stdin.write(b"\n")
            m.proc.stdin.flush()
            ok = m.wait_serial("DRM-TEXT-2", 30)
            check("the guest redraws the console", ok)
            r = m.qmp.cmd("screendump", {"filename": f"{d}/b.ppm"})
            b = read_ppm(f"{d}/b.ppm")
            check("the redrawn console is the same picture", a == b,
                  f"{sum(1 for i in range(0, len(a[2]), 3) if a[2][i:i+3] != b[2][i:i+3])} "
                  f"pixels differ")
        finally:
            m.close()
        if QEMU:
            t0 = time.monotonic()
            q = Machine([QEMU, "-M", "pc", "-vga", vga, "-display", "none", "-nodefaults",
                         "-no-reboot", "-kernel", vmlinuz, "-initrd", initrd,
                         "-append", "console=ttyS0 quiet"], os.path.join(d, "q"))
            try:
                ok = q.wait_serial("DRM-TEXT-1", 90)
                print(f"QEMU: power-on to the DRM console's text in {time.monotonic() - t0:.1f} s")
                check("QEMU: the same guest reaches its console text", ok)
                if ok:
                    q.qmp.cmd("screendump", {"filename": f"{d}/q.ppm"})
                    c = read_ppm(f"{d}/q.ppm")
                    bad = (sum(1 for i in range(0, len(a[2]), 3) if a[2][i:i + 3] != c[2][i:i + 3])
                           if a[:2] == c[:2] else -1)
                    check("the picture is QEMU's, pixel for pixel", bad == 0,
                          f"{a[:2]} vs {c[:2]}, {bad} pixels differ")
            finally:
                q.close()
    return status()


if __name__ == "__main__":
    sys.exit(main())
