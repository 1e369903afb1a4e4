#!/usr/bin/env python3
"""bench/startup: time from exec to the first guest instruction on the isapc
and pc boards (MACHINES, default "isapc pc") with every plugin loaded, and exec to exit for a guest that exits at
its first instruction, compared with qemu-system-i386 -accel tcg on the same
guest when it is installed.

Finds the build in $BUILD_DIR (default: ./build)."""
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

RUNS = int(os.environ.get("RUNS", "20"))
MACHINES = os.environ.get("MACHINES", "isapc pc").split()
build = os.environ.get("BUILD_DIR", "build")
cardcage = os.path.join(build, "cardcage")
kernel = os.path.join(build, "bench", "startup", "exit-kernel.bin")
for f in (cardcage, kernel):
    if not os.path.exists(f):
        sys.exit(f"bench/startup: {f} not found: build first (meson compile -C {build})")

FIRST = re.compile(r"first guest instruction at monotonic (\d+) ns")


def run_cardcage(machine):
    t0 = time.monotonic_ns()
    p = subprocess.run([cardcage, "-M", machine, "-display", "none", "-serial", "null",
                        "-d", "startup", "-kernel", kernel,
                        "-device", "isa-debug-exit,iobase=0xf4,iosize=4"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    t1 = time.monotonic_ns()
    m = FIRST.search(p.stderr)
    if p.returncode != 1 or not m:
        sys.exit(f"bench/startup: cardcage exited {p.returncode}:\n{p.stderr}")
    return (int(m.group(1)) - t0) / 1e6, (t1 - t0) / 1e6


def run_qemu(qemu, machine):
    t0 = time.monotonic_ns()
    p = subprocess.run([qemu, "-M", machine, "-accel", "tcg", "-display", "none",
                        "-serial", "null", "-monitor", "none", "-kernel", kernel,
                        *(["-vga", "none", "-net", "none"] if machine == "pc" else []),
                        "-device", "isa-debug-exit,iobase=0xf4,iosize=4"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    t1 = time.monotonic_ns()
    if p.returncode != 1:
        sys.exit(f"bench/startup: qemu exited {p.returncode}:\n{p.stderr}")
    return (t1 - t0) / 1e6


def describe(samples):
    return (f"median {statistics.median(samples):.2f} ms "
            f"(min {min(samples):.2f}, max {max(samples):.2f}, {len(samples)} runs)")


plugins = subprocess.run([cardcage, "--list-plugins"], capture_output=True,
                         text=True).stdout.count("\n    types:")
qemu = shutil.which("qemu-system-i386")
target = 20.0
for machine in MACHINES:
    run_cardcage(machine)      # warm the page cache
    first, total = zip(*(run_cardcage(machine) for _ in range(RUNS)))
    print(f"cardcage, {machine}, {plugins} plugins loaded")
    print(f"cardcage: exec -> first guest instruction: {describe(first)}")
    print(f"cardcage: exec -> exit: {describe(total)}")
    if qemu:
        # QEMU's pc adds a VGA and a NIC by default; cardcage's pc has neither.
        run_qemu(qemu, machine)
        qtotal = [run_qemu(qemu, machine) for _ in range(RUNS)]
        print(f"qemu-system-i386 -M {machine} -accel tcg: exec -> exit: {describe(qtotal)}")
        print(f"ratio cardcage/qemu (exec -> exit): "
              f"{statistics.median(total) / statistics.median(qtotal):.3f}")
    else:
        print("qemu-system-i386 not installed: no comparison (apt-get install qemu-system-x86)")
    verdict = "meets" if statistics.median(first) < target else "MISSES"
    print(f"{machine}: exec -> first guest instruction: {statistics.median(first):.2f} ms, "
          f"{verdict} the {target:.0f} ms target")
