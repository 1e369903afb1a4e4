#!/usr/bin/env python3
"""Power cuts, a thousand times: tests/functional/powercut.py's cycle (the
powercut guest writing and flushing on the PIIX3 IDE disk, the emulator
killed with SIGKILL at a random instant, then cardcage-img check, qemu-img
check and every sector the guest said was durable) KILLS times.

  bench/powercut/run.py [BUILD_DIR]   (KILLS=N, default 1000; ROUND=N kills on
                                       one image before a fresh one, default 25;
                                       SEED=N; MAX_DELAY=seconds, default 1.0;
                                       QEMU_EVERY=N, default 10, 0: none)

Images take turns (qcow2 64 KiB clusters, lazy_refcounts=on, 512-byte
clusters, raw); each lives ROUND kills, so that clusters keep being
allocated, then `check -r leaks` must leave qemu-img check clean.  Every
QEMU_EVERY-th kill the same cycle also runs on qemu-system-i386, on an image
of its own, interleaved so that host noise hits both alike: the ratio of the
median durable batches per second (each a few writes and a FLUSH CACHE,
counted from the guest's first line to the kill) says how fast each
emulator's guest makes data durable.  Prints the counts (kills, checks
passed and failed, durable sectors verified, leaks seen and repaired) and
the time per kill.  Exit 1 on any failed check.
"""
import os
import random
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", ".."))
BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1
                        else os.environ.get("BUILD_DIR", os.path.join(SRC, "build")))
os.environ.setdefault("CARDCAGE_BUILD_ROOT", BUILD)
sys.path.insert(0, os.path.join(SRC, "tests", "functional"))
import powercut as pc  # noqa: E402

KILLS = int(os.environ.get("KILLS", "1000"))
ROUND = int(os.environ.get("ROUND", "25"))
MAX_DELAY = float(os.environ.get("MAX_DELAY", "1.0"))
QEMU_EVERY = int(os.environ.get("QEMU_EVERY", "10")) if pc.QEMU else 0
IMG_TOOL = os.path.join(BUILD, "tools", "img", "cardcage-img")


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def summary(label, st, rates, wall):
    per = median(st.kill_seconds)
    print(f"{label}: {st.kills} kills, {st.checks_passed} checks passed, "
          f"{len(st.failures)} failed")
    print(f"  {st.batches} durable batches reported, {st.sectors_verified} durable sectors "
          "verified in place (summed over kills)")
    print(f"  leaked clusters after {st.leak_kills} kills (at most {st.leaks_max} on one "
          f"image), {st.leaks_repaired} repaired by check -r; {st.dirty_repairs} dirty "
          "lazy-refcounts images repaired clean")
    print(f"  time per kill: median {per:.2f} s, mean {wall / max(st.kills, 1):.2f} s "
          f"(run, checks, verification); {median(rates):.1f} durable batches/s (median)")


def main():
    why = pc.prerequisites("cardcage")
    if why:
        print(f"SKIP: {why}")
        return 77
    seed = int(os.environ.get("SEED", "0")) or random.SystemRandom().randrange(1, 1 << 31)
    print(f"seed {seed} (SEED={seed} repeats it); {KILLS} kills, {ROUND} per image, "
          f"QEMU every {QEMU_EVERY or 'never'}", flush=True)
    rnd = random.Random(seed)
    st, qst = pc.Stats(), pc.Stats()
    rates, qrates = [], []
    walls = [0.0, 0.0]
    tmp = tempfile.mkdtemp(prefix="cardcage-bench-powercut-")
    disk = qdisk = None
    t_start = time.monotonic()
    try:
        for n in range(KILLS):
            if n % ROUND == 0:
                if disk:
                    disk.finish(st)
                    disk.remove()
                name, fmt, opts = pc.CONFIGS[(n // ROUND) % len(pc.CONFIGS)]
                disk = pc.Disk(tmp, name, fmt, opts, IMG_TOOL, "cardcage")
                if QEMU_EVERY:
                    if qdisk:
                        qdisk.finish(qst)
                        qdisk.remove()
                    qdisk = pc.Disk(tmp, "qemu-" + name, fmt, opts, IMG_TOOL, "qemu")
                print(f"[{time.monotonic() - t_start:6.0f} s] kill {n}: a fresh {name} image; so "
                      f"far {st.checks_passed} checks passed, {len(st.failures)} failed, "
                      f"{st.sectors_verified} durable sectors verified, {st.leaks_repaired} "
                      f"leaks repaired, {median(st.kill_seconds):.2f} s per kill (median); "
                      f"QEMU {qst.kills} kills, {len(qst.failures)} failed", flush=True)
            t = time.monotonic()
            rate = pc.kill_cycle(disk, rnd, st, n % ROUND + 1, MAX_DELAY, verbose=False)
            walls[0] += time.monotonic() - t
            if rate is not None:
                rates.append(rate)
            if QEMU_EVERY and n % QEMU_EVERY == 0:
                t = time.monotonic()
                rate = pc.kill_cycle(qdisk, rnd, qst, n % ROUND + 1, MAX_DELAY, verbose=False)
                walls[1] += time.monotonic() - t
                if rate is not None:
                    qrates.append(rate)
        disk.finish(st)
        if qdisk:
            qdisk.finish(qst)
    except RuntimeError as e:
        st.check(False, "a tool failed", str(e))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    summary("cardcage", st, rates, walls[0])
    if QEMU_EVERY:
        summary("qemu-system-i386", qst, qrates, walls[1])
        if rates and qrates and median(qrates) > 0:
            print(f"durable batches/s, cardcage/QEMU (ratio of medians): "
                  f"{median(rates) / median(qrates):.2f}")
    for what in st.failures[:20] + qst.failures[:20]:
        print("FAILED:", what)
    print(f"seed {seed}; {time.monotonic() - t_start:.0f} s in all")
    return 1 if st.failures or qst.failures else 0


if __name__ == "__main__":
    sys.exit(main())
