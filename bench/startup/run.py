#!/usr/bin/env python3
"""bench/startup: time from exec to the first guest instruction on the isapc
board with every plugin loaded, and exec to exit for a guest that exits at
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
build = os.environ.get("BUILD_DIR", "build")
cardcage = os.path.join(build, "cardcage")
kernel = os.path.join(build, "bench", "startup", "exit-kernel.bin")
for f in (cardcage, kernel):
    if not os.path.exists(f):
        sys.exit(f"bench/startup: {f} not found: build first (meson compile -C {build})")

FIRST = re.compile(r"first guest instruction at monotonic (\d+) ns")


def run_cardcage():
    t0 = time.monotonic_ns()
    p = subprocess.run([cardcage, "-M", "isapc", "-display", "none", "-serial", "null",
                        "-d", "startup", "-kernel", kernel,
                        "-device", "isa-debug-exit,iobase=0xf4,iosize=4"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    t1 = time.monotonic_ns()
    m = FIRST.search(p.stderr)
    if p.returncode != 1 or not m:
        sys.exit(f"bench/startup: cardcage exited {p.returncode}:\n{p.stderr}")
    return (int(m.group(1)) - t0) / 1e6, (t1 - t0) / 1e6


def run_qemu(qemu):
    t0 = time.monotonic_ns()
    p = subprocess.run([qemu, "-M", "isapc", "-accel", "tcg", "-display", "none",
                        "-serial", "null", "-monitor", "none", "-kernel", kernel,
                        "-device", "isa-debug-exit,iobase=0xf4,iosize=4"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    t1 = time.monotonic_ns()
    if p.returncode != 1:
        sys.exit(f"bench/startup: qemu exited {p.returncode}:\n{p.stderr}")
    return (t1 - t0) / 1e6


def describe(samples):
    return (f"median {statistics.median(samples):.2f} ms "
            f"(min {min(samples):.2f}, max {max(samples):.2f}, {len(samples)} runs)")


run_cardcage()      # warm the page cache
first, total = zip(*(run_cardcage() for _ in range(RUNS)))
plugins = subprocess.run([cardcage, "--list-plugins"], capture_output=True,
                         text=True).stdout.count("\n    types:")
print(f"cardcage, isapc, {plugins} plugins loaded")
print(f"cardcage: exec -> first guest instruction: {describe(first)}")
print(f"cardcage: exec -> exit: {describe(total)}")
qemu = shutil.which("qemu-system-i386")
if qemu:
    run_qemu(qemu)
    qtotal = [run_qemu(qemu) for _ in range(RUNS)]
    print(f"qemu-system-i386 -accel tcg: exec -> exit: {describe(qtotal)}")
    print(f"ratio cardcage/qemu (exec -> exit): "
          f"{statistics.median(total) / statistics.median(qtotal):.3f}")
else:
    print("qemu-system-i386 not installed: no comparison (apt-get install qemu-system-x86)")
target = 20.0
verdict = "meets" if statistics.median(first) < target else "MISSES"
print(f"exec -> first guest instruction: {statistics.median(first):.2f} ms, "
      f"{verdict} the {target:.0f} ms target")
