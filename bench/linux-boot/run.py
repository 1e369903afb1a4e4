#!/usr/bin/env python3
"""bench/linux-boot: Debian's i386 686 kernel with the test initramfs
(tests/guests/get-linux.sh), on cardcage and on qemu-system-i386 -accel tcg,
on the isapc machine (noapic nolapic acpi=off) and on the pc machine (ACPI,
the local APIC and the I/O APIC, the HPET), and on pc with -smp 4 (cardcage
runs the four CPUs in turn on one thread; QEMU's -accel tcg runs them as it
does by default, which on an x86-64 host is a thread per CPU), each
against QEMU's same machine in the same run: time from
start to the userspace marker and to exit, RUNS runs each (default 5),
medians and the ratio cardcage/QEMU.

Finds the build in $BUILD_DIR (default: ./build)."""
import os
import shutil
import statistics
import subprocess
import sys
import time

RUNS = int(os.environ.get("RUNS", "5"))
BUILD = os.environ.get("BUILD_DIR", "build")
CARDCAGE = os.path.join(BUILD, "cardcage")
CACHE = os.environ.get("CARDCAGE_GUEST_CACHE",
                       os.path.join(os.environ.get("XDG_CACHE_HOME",
                                                   os.path.expanduser("~/.cache")),
                                    "cardcage", "guests"))
KERNEL = os.path.join(CACHE, "linux", "vmlinuz")
INITRD = os.path.join(CACHE, "linux", "initramfs.cpio.gz")
# Each row: the machine, its kernel command line, and extra options for
# both emulators.
ROWS = {
    "isapc": ("isapc", "console=ttyS0 noapic nolapic acpi=off", []),
    "pc": ("pc", "console=ttyS0", []),
    "pc-smp4": ("pc", "console=ttyS0", ["-smp", "4"]),
}
MARKER = b"CARDCAGE-MARKER"
DONE = b"CARDCAGE-DONE"


def commands(row):
    machine, append, both = ROWS[row]
    # QEMU's pc adds a VGA and a NIC by default; cardcage's pc has neither.
    extra = ["-vga", "none", "-net", "none"] if machine == "pc" else []
    return {
        "cardcage": [CARDCAGE, "-M", machine, *both, "-m", "256", "-nographic", "-no-reboot",
                     "-kernel", KERNEL, "-initrd", INITRD, "-append", append],
        "qemu": ["qemu-system-i386", "-M", machine, *both, "-cpu", "pentium2", "-accel", "tcg",
                 "-m", "256", "-display", "none", "-serial", "stdio", "-monitor", "none",
                 *extra, "-no-reboot", "-kernel", KERNEL, "-initrd", INITRD,
                 "-append", append],
    }


def run(cmd):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    marker = None
    out = b""
    while True:
        chunk = p.stdout.read1(65536)
        if not chunk:
            break
        out += chunk
        if marker is None and MARKER in out:
            marker = time.monotonic() - t0
    p.wait()
    total = time.monotonic() - t0
    if marker is None or DONE not in out:
        sys.exit(f"bench/linux-boot: {cmd[0]} did not finish the workload "
                 f"(status {p.returncode}):\n{out[-2000:].decode(errors='replace')}")
    return marker, total


def main():
    for f in (CARDCAGE, KERNEL, INITRD):
        if not os.path.exists(f):
            sys.exit(f"bench/linux-boot: {f} missing (build, and run tests/guests/get-linux.sh)")
    names = ["cardcage"] + (["qemu"] if shutil.which("qemu-system-i386") else [])
    only = os.environ.get("ROWS")
    for machine in ROWS:
        if only and machine not in only.split(","):
            continue
        cmds = commands(machine)
        results = {n: [] for n in names}
        for _ in range(RUNS):
            for n in names:        # interleaved, so load on the machine hits both
                results[n].append(run(cmds[n]))
        med = {}
        for n in names:
            m = [r[0] for r in results[n]]
            t = [r[1] for r in results[n]]
            med[n] = (statistics.median(m), statistics.median(t))
            print(f"{machine:7s} {n:9s} to marker: median {med[n][0]:6.2f} s (min {min(m):.2f}, "
                  f"max {max(m):.2f}); to exit: median {med[n][1]:6.2f} s (min {min(t):.2f}, "
                  f"max {max(t):.2f}); {RUNS} runs")
        if "qemu" in med:
            print(f"{machine:7s} ratio cardcage/qemu: to marker "
                  f"{med['cardcage'][0] / med['qemu'][0]:.2f}, "
                  f"to exit {med['cardcage'][1] / med['qemu'][1]:.2f}")
        else:
            print("qemu-system-i386 not installed: no comparison (apt-get install "
                  "qemu-system-x86)")


main()
