#!/usr/bin/env python3
"""Sequential qcow2 throughput: cardcage's block layer vs QEMU's, same host, same run.

  bench/qcow2/run.py [BUILD_DIR] [MIB]

Writes MIB (default 256) MiB sequentially in 1 MiB requests into a fresh qcow2 (64 KiB
clusters), flushes, then reads it back: through cardcage's driver
(tests/unit/block/qcow2-tool seqbench) and through QEMU's (qemu-img bench, writeback
cache, same request size).  Both are timed as whole processes: open, the requests, the
closing flush.  Prints MB/s
and the ratio cardcage/QEMU (higher is better for cardcage).  Best of 3 runs each.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

build = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CARDCAGE_BUILD_ROOT", "build")
mib = int(sys.argv[2]) if len(sys.argv) > 2 else 256
tool = os.path.join(build, "tests", "unit", "block", "qcow2-tool")
if not shutil.which("qemu-img"):
    print("SKIP qemu-img not installed (package qemu-utils)")
    sys.exit(77)
d = tempfile.mkdtemp(prefix="cardcage-bench-qcow2-")
img = os.path.join(d, "b.qcow2")


def fresh():
    if os.path.exists(img):
        os.unlink(img)
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", img, "%dM" % mib], check=True)


def timed(args):
    t = time.monotonic()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - t


try:
    ours_w, ours_r, q_w, q_r = 0.0, 0.0, 0.0, 0.0
    mb = mib * 1048576 / 1e6
    for _ in range(3):
        fresh()
        ours_w = max(ours_w, mb / timed([tool, "seqbench", img, str(mib), "write"]))
        ours_r = max(ours_r, mb / timed([tool, "seqbench", img, str(mib), "read"]))
        fresh()
        q_w = max(q_w, mb / timed(["qemu-img", "bench", "-q", "-f", "qcow2", "-t", "writeback",
                                   "-w", "-c", str(mib), "-s", "1M", img]))
        q_r = max(q_r, mb / timed(["qemu-img", "bench", "-q", "-f", "qcow2", "-t", "writeback",
                                   "-c", str(mib), "-s", "1M", img]))
    print("sequential write %d MiB: cardcage %.0f MB/s, qemu-img %.0f MB/s, ratio %.2f"
          % (mib, ours_w, q_w, ours_w / q_w))
    print("sequential read  %d MiB: cardcage %.0f MB/s, qemu-img %.0f MB/s, ratio %.2f"
          % (mib, ours_r, q_r, ours_r / q_r))
finally:
    shutil.rmtree(d, ignore_errors=True)
