#!/usr/bin/env python3
"""bench/qmp: QMP round-trip latency of query-status while a CPU-bound guest
runs (spin.bin, a firmware image that never halts), median and p99 over
SAMPLES round trips (default 2000), on cardcage and on qemu-system-i386
-accel tcg with the same image in the same run, when QEMU is installed.
The bar (issue 8) is a median under 1 ms.

Finds the build in $BUILD_DIR (default: ./build)."""
import os
import shutil
import statistics
import subprocess
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "tests", "functional"))
from qmplib import QMP, free_port  # noqa: E402

SAMPLES = int(os.environ.get("SAMPLES", "2000"))
WARMUP = 100
build = os.environ.get("BUILD_DIR", "build")
cardcage = os.path.join(build, "cardcage")
rom = os.path.join(build, "bench", "qmp", "spin.bin")
for f in (cardcage, rom):
    if not os.path.exists(f):
        sys.exit(f"bench/qmp: {f} not found: build first (meson compile -C {build})")


def measure(argv, port):
    p = subprocess.Popen(argv + ["-qmp", f"tcp:127.0.0.1:{port},server=on,wait=off"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    try:
        q = QMP.connect_tcp(port)
        q.negotiate()
        req = b'{"execute": "query-status"}\n'
        samples = []
        for i in range(WARMUP + SAMPLES):
            t0 = time.perf_counter_ns()
            q.send_raw(req)
            r = q.recv_reply()
            t1 = time.perf_counter_ns()
            if not r or r.get("return", {}).get("status") != "running":
                sys.exit(f"bench/qmp: {argv[0]}: unexpected reply {r}")
            if i >= WARMUP:
                samples.append((t1 - t0) / 1e6)
        try:
            q.cmd("quit")
        except OSError:
            pass        # QEMU may close before its reply is read
        q.close()
        p.wait(10)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def describe(name, med, p99):
    print(f"{name:28s} median {med:.3f} ms, p99 {p99:.3f} ms ({SAMPLES} round trips)")


med, p99 = measure([cardcage, "-M", "romtest", "-bios", rom, "-display", "none",
                    "-serial", "null"], free_port())
print("QMP query-status round trip while the guest spins")
describe("cardcage", med, p99)
qemu = shutil.which("qemu-system-i386")
if qemu:
    qmed, qp99 = measure([qemu, "-M", "isapc", "-accel", "tcg", "-bios", rom, "-display",
                          "none", "-serial", "null", "-monitor", "none"], free_port())
    describe("qemu-system-i386 -accel tcg", qmed, qp99)
    print(f"ratio cardcage/qemu: median {med / qmed:.2f}, p99 {p99 / qp99:.2f}")
else:
    print("qemu-system-i386 not installed: no comparison")
print(f"bar (median under 1 ms): {'met' if med < 1.0 else 'NOT met'}")
