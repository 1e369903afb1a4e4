#!/usr/bin/env python3
"""cardcage-img convert vs qemu-img convert, same host, same run, same images.

  bench/img/run.py [BUILD_DIR] [MIB]

Makes a raw file of MIB (default 1024) MiB of data (random and compressible
blocks, ~10% zero holes), turns it into a qcow2 with qemu-img, then times
both directions with each tool:

  qcow2 -> raw    convert -O raw SRC.qcow2 OUT.raw
  raw -> qcow2    convert -f raw -O qcow2 SRC.raw OUT.qcow2

Whole processes are timed (open, copy, close), the tools taking turns, best
of 5 (RUNS=), the output deleted and the host's cache synced between runs.
Prints seconds and the ratio qemu-img time / cardcage-img time (>= 1:
cardcage-img is no slower), and the least CPU time (user + sys) each took,
which a busy host disturbs less than wall time.  Each output is checked
with `qemu-img compare` against the source, so a fast wrong copy cannot pass.
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

build = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CARDCAGE_BUILD_ROOT", "build")
mib = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
RUNS = int(os.environ.get("RUNS", "5"))
tool = os.path.abspath(os.path.join(build, "tools", "img", "cardcage-img"))
if not shutil.which("qemu-img"):
    print("SKIP qemu-img not installed (package qemu-utils)")
    sys.exit(77)
d = tempfile.mkdtemp(prefix="cardcage-bench-img-", dir=os.environ.get("TMPDIR", "/var/tmp"))


def path(n):
    return os.path.join(d, n)


def make_source():
    rnd = random.Random(7)
    step = 1 << 20
    with open(path("src.raw"), "wb") as f:
        f.truncate(mib << 20)
        for off in range(0, mib << 20, step):
            r = rnd.random()
            if r < 0.1:
                continue                       # a hole
            f.seek(off)
            if r < 0.55:
                f.write(os.urandom(step))      # incompressible
            else:                              # compressible text-like data
                line = b"cardcage %012d\n" % off
                f.write((line * (step // len(line) + 1))[:step])
    subprocess.run(["qemu-img", "convert", "-f", "raw", "-O", "qcow2", path("src.raw"),
                    path("src.qcow2")], check=True)


def timed(args, out):
    """(wall seconds, CPU seconds user+sys) of one whole process."""
    if os.path.exists(out):
        os.unlink(out)
    subprocess.run(["sync"])
    t = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    _, status, ru = os.wait4(proc.pid, 0)
    if status:
        print("FAIL %s -> %d" % (" ".join(args), status))
        sys.exit(1)
    return time.monotonic() - t, ru.ru_utime + ru.ru_stime


def verify(out, fmt, src, sfmt):
    r = subprocess.run(["qemu-img", "compare", "-f", fmt, "-F", sfmt, out, src],
                       stdout=subprocess.PIPE, text=True)
    if r.returncode:
        print("FAIL %s differs from %s: %s" % (out, src, r.stdout.strip()))
        sys.exit(1)


try:
    make_source()
    rows = [
        ("qcow2 -> raw", ["convert", "-O", "raw", path("src.qcow2"), path("out.raw")],
         path("out.raw"), "raw", path("src.qcow2"), "qcow2"),
        ("raw -> qcow2", ["convert", "-f", "raw", "-O", "qcow2", path("src.raw"),
                          path("out.qcow2")], path("out.qcow2"), "qcow2", path("src.raw"), "raw"),
    ]
    for name, args, out, fmt, src, sfmt in rows:
        # The two tools take turns, so a busy moment of the host falls on
        # both; the best of RUNS each.
        tc, tq = [], []
        for _ in range(RUNS):
            tc.append(timed([tool] + args, out))
            verify(out, fmt, src, sfmt)
            tq.append(timed(["qemu-img"] + args, out))
        (wc, cc), (wq, cq) = min(tc), min(tq)
        cpu_c, cpu_q = min(c for _, c in tc), min(c for _, c in tq)
        print("convert %s %d MiB: cardcage-img %.2f s, qemu-img %.2f s, ratio %.2f "
              "(qemu-img / cardcage-img wall time; >= 1: no slower); CPU %.2f s vs %.2f s"
              % (name, mib, wc, wq, wq / wc, cpu_c, cpu_q), flush=True)
finally:
    shutil.rmtree(d, ignore_errors=True)
