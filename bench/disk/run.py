#!/usr/bin/env python3
"""Guest disk speed on the PIIX3 IDE: cardcage against qemu-system-i386
-accel tcg, same host, same run, same images.

  bench/disk/run.py [BUILD_DIR]      (RUNS=N, default 3; MB=N, default 256)

For each format (raw, qcow2) and each emulator, Debian's i386 kernel with
the disk initramfs of tests/functional/ide.py (tests/guests/init-disk.sh)
boots on `pc` with one data disk on the primary master, and the guest times
`dd` of MB MiB with O_DIRECT, written then read, 1 MiB requests, on its own
clock (both emulators run the guest clock at host speed).  Then the boot to
the Linux marker from the SYSLINUX disk of tests/guests/get-disk-guests.sh
(SeaBIOS, the boot loader, the kernel and initramfs read over IDE).  Prints
MB/s and seconds, medians of RUNS, and the ratios cardcage/QEMU: for
throughput higher is better, for the boot lower is better.  Runs alternate
between the emulators so that host noise hits both alike.
"""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", ".."))
BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1
                        else os.environ.get("BUILD_DIR", os.path.join(SRC, "build")))
os.environ.setdefault("CARDCAGE_BUILD_ROOT", BUILD)
sys.path.insert(0, os.path.join(SRC, "tests", "functional"))
import ide  # noqa: E402
from cctest import APPEND, CARDCAGE, GUEST, KERNEL  # noqa: E402

RUNS = int(os.environ.get("RUNS", "3"))
MB = int(os.environ.get("MB", "256"))
QEMU = shutil.which("qemu-system-i386")
MEDIA = os.path.join(os.path.dirname(GUEST), "disks")
MiB = 1 << 20


def skip(msg):
    print(f"SKIP: {msg}")
    sys.exit(77)


def emulators():
    ems = [("cardcage", [CARDCAGE])]
    if QEMU:
        ems.append(("qemu", [QEMU, "-accel", "tcg"]))
    return ems


def make_image(tmp, fmt):
    """A data disk of MB + 8 MiB tagged CCTARGET (init-disk.sh times dd on
    the first tagged disk, from 4 MiB on)."""
    raw = os.path.join(tmp, "data.raw")
    with open(raw, "wb") as f:
        f.write(b"CCTARGETbench000")
        f.truncate((MB + 8) * MiB)
    if fmt == "raw":
        return raw
    q = os.path.join(tmp, "data.qcow2")
    subprocess.run(["qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw, q], check=True)
    os.unlink(raw)
    return q


def dd_run(emu, initrd, img, fmt):
    cmd = [*emu, "-M", "pc", "-m", "256", "-nographic", "-no-reboot",
           "-kernel", KERNEL, "-initrd", initrd,
           "-append", f"{APPEND} cardcage.ata=ata_piix cardcage.mb={MB}",
           "-drive", f"file={img},format={fmt},if=ide,index=0,cache=writeback"]
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       errors="replace", timeout=1200)
    m = re.search(r"CARDCAGE-DD: \S+ (\d+) MiB write ([\d.]+)\.\.([\d.]+) s read "
                  r"([\d.]+)\.\.([\d.]+) s", p.stdout)
    if not m:
        raise RuntimeError(f"{cmd[0]}: no CARDCAGE-DD line:\n{p.stdout[-2000:]}{p.stderr[-500:]}")
    mb = int(m.group(1)) * MiB / 1e6
    return (mb / max(float(m.group(3)) - float(m.group(2)), 1e-3),
            mb / max(float(m.group(5)) - float(m.group(4)), 1e-3))


def boot_run(emu, tmp):
    """Seconds from exec to the Linux marker, booted by SYSLINUX from IDE."""
    disk = os.path.join(tmp, "boot.raw")
    shutil.copyfile(os.path.join(MEDIA, "boot.raw"), disk)
    cmd = [*emu, "-M", "pc", "-m", "256", "-nographic", "-no-reboot",
           "-drive", f"file={disk},format=raw,if=ide,index=0"]
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    took = None
    try:
        buf = b""
        while time.monotonic() - t0 < 600:
            chunk = p.stdout.read1(4096)
            if not chunk:
                break
            buf += chunk
            if b"CARDCAGE-MARKER" in buf:
                took = time.monotonic() - t0
                break
    finally:
        p.kill()
        p.wait()
    if took is None:
        raise RuntimeError(f"{cmd[0]}: no marker from the IDE boot:\n{buf[-2000:]!r}")
    return took


def main():
    if not os.path.exists(KERNEL):
        skip(f"guest not fetched ({GUEST}): run tests/guests/get-linux.sh")
    if not shutil.which("qemu-img"):
        skip("qemu-img not installed (package qemu-utils)")
    if not QEMU:
        print("note: qemu-system-i386 not installed; cardcage's figures only")
    res = {}
    with tempfile.TemporaryDirectory(prefix="cardcage-bench-disk-") as tmp:
        initrd = ide.build_initramfs(tmp)
        for fmt in ("raw", "qcow2"):
            for _ in range(RUNS):
                for name, emu in emulators():
                    img = make_image(tmp, fmt)
                    w, r = dd_run(emu, initrd, img, fmt)
                    res.setdefault((name, fmt, "write"), []).append(w)
                    res.setdefault((name, fmt, "read"), []).append(r)
                    os.unlink(img)
        have_boot = os.path.exists(os.path.join(MEDIA, "boot.raw"))
        if have_boot:
            for _ in range(RUNS):
                for name, emu in emulators():
                    res.setdefault((name, "boot", "s"), []).append(boot_run(emu, tmp))
        else:
            print(f"note: no {MEDIA}/boot.raw (tests/guests/get-disk-guests.sh): no boot row")
    med = {k: statistics.median(v) for k, v in res.items()}
    print(f"bench/disk: guest dd O_DIRECT {MB} MiB, 1 MiB requests, PIIX3 IDE on pc, "
          f"medians of {RUNS}")
    print(f"{'':14}{'cardcage':>12}{'qemu':>12}{'ratio':>8}")
    for fmt in ("raw", "qcow2"):
        for op in ("write", "read"):
            c = med[("cardcage", fmt, op)]
            q = med.get(("qemu", fmt, op))
            ratio = f"{c / q:8.2f}" if q else f"{'-':>8}"
            print(f"{fmt + ' ' + op:14}{c:9.1f} MB/s{(q or 0):7.1f} MB/s{ratio}"
                  .replace(" 0.0 MB/s", "     -   "))
    if ("cardcage", "boot", "s") in med:
        c = med[("cardcage", "boot", "s")]
        q = med.get(("qemu", "boot", "s"))
        ratio = f"{c / q:8.2f}" if q else f"{'-':>8}"
        print(f"{'IDE boot':14}{c:10.2f} s {(q or 0):9.2f} s {ratio}  (to the marker; lower is better)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
