#!/usr/bin/env python3
"""Guest disk speed on the PIIX3 IDE: cardcage against qemu-system-i386
-accel tcg, same host, same run, same images.

  bench/disk/run.py [BUILD_DIR]      (RUNS=N, default 3; MB=N, default 256;
                                      READS=N, default 4)

For each format (raw, qcow2) and each emulator, Debian's i386 kernel with
the disk initramfs of tests/functional/ide.py (tests/guests/init-disk.sh)
boots on `pc` with one data disk on the primary master, and the guest times
`dd` of MB MiB with O_DIRECT, written once then read READS times in a row,
1 MiB requests, on its own clock (/proc/uptime).  A read of 256 MiB takes
0.1-0.3 s, a few dozen ticks of that 10 ms clock, so one read alone is too
coarse a figure: READS reads of the same MB make it one of a second or more.
The guest's clock (both emulators give this kernel the PIT clocksource) may
lag the host's when the emulator is starved of CPU and timer ticks are
lost: the host's seconds for the same dd runs are taken from the arrival
of the guest's markers on the serial console, and the "guest/host clock"
row shows the ratio, so that a figure inflated by a slow guest clock shows.
Then the boot to
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
import threading
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
READS = int(os.environ.get("READS", "4"))
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
    """(write MB/s, read MB/s, guest seconds / host seconds over the dd runs)."""
    cmd = [*emu, "-M", "pc", "-m", "256", "-nographic", "-no-reboot",
           "-kernel", KERNEL, "-initrd", initrd,
           "-append", f"{APPEND} cardcage.ata=ata_piix cardcage.mb={MB} cardcage.reads={READS}",
           "-drive", f"file={img},format={fmt},if=ide,index=0,cache=writeback"]
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    out, m, begin, end = b"", None, None, None
    # A guest that hangs prints nothing more: kill it after 20 minutes.
    watchdog = threading.Timer(1200, p.kill)
    watchdog.start()
    try:
        for line in p.stdout:
            out += line
            if b"CARDCAGE-DD-BEGIN" in line:
                begin = time.monotonic()
            m = re.search(rb"CARDCAGE-DD: \S+ (\d+) MiB write ([\d.]+)\.\.([\d.]+) s read "
                          rb"([\d.]+)\.\.([\d.]+) s x(\d+)", line)
            if m:
                end = time.monotonic()
                break
    finally:
        watchdog.cancel()
        p.kill()
        p.wait()
    if not m or begin is None:
        raise RuntimeError(f"{cmd[0]}: no CARDCAGE-DD line:\n"
                           f"{out[-2000:].decode(errors='replace')}")
    mb = int(m.group(1)) * MiB / 1e6
    t = [float(g) for g in m.groups()[1:5]]
    return (mb / max(t[1] - t[0], 1e-3), mb * int(m.group(6)) / max(t[3] - t[2], 1e-3),
            (t[3] - t[0]) / max(end - begin, 1e-3))


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
                    w, r, clk = dd_run(emu, initrd, img, fmt)
                    res.setdefault((name, fmt, "write"), []).append(w)
                    res.setdefault((name, fmt, "read"), []).append(r)
                    res.setdefault((name, "clock", "ratio"), []).append(clk)
                    os.unlink(img)
        have_boot = os.path.exists(os.path.join(MEDIA, "boot.raw"))
        if have_boot:
            for _ in range(RUNS):
                for name, emu in emulators():
                    res.setdefault((name, "boot", "s"), []).append(boot_run(emu, tmp))
        else:
            print(f"note: no {MEDIA}/boot.raw (tests/guests/get-disk-guests.sh): no boot row")
    med = {k: statistics.median(v) for k, v in res.items()}
    print(f"bench/disk: guest dd O_DIRECT {MB} MiB (read {READS} times), 1 MiB requests, "
          f"PIIX3 IDE on pc, medians of {RUNS}")
    print(f"{'':14}{'cardcage':>12}{'qemu':>12}{'ratio':>8}")
    for fmt in ("raw", "qcow2"):
        for op in ("write", "read"):
            c = med[("cardcage", fmt, op)]
            q = med.get(("qemu", fmt, op))
            ratio = f"{c / q:8.2f}" if q else f"{'-':>8}"
            print(f"{fmt + ' ' + op:14}{c:9.1f} MB/s{(q or 0):7.1f} MB/s{ratio}"
                  .replace(" 0.0 MB/s", "     -   "))
    c = med[("cardcage", "clock", "ratio")]
    q = med.get(("qemu", "clock", "ratio"))
    print(f"{'guest/host clock':17}{c:6.2f}{'':6}{(q or 0):6.2f}   (guest seconds per host second "
          f"over the dd runs; 1 = no lost time)")
    if ("cardcage", "boot", "s") in med:
        c = med[("cardcage", "boot", "s")]
        q = med.get(("qemu", "boot", "s"))
        ratio = f"{c / q:8.2f}" if q else f"{'-':>8}"
        print(f"{'IDE boot':14}{c:10.2f} s {(q or 0):9.2f} s {ratio}  (to the marker; lower is better)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
