#!/usr/bin/env python3
"""Power cuts: a guest writes and flushes in a loop on the PIIX3 IDE disk
while the emulator is killed with SIGKILL at random instants.

  powercut.py CARDCAGE_IMG [--qemu] [--kills N] [--seed S]

The guest (guest/powercut.asm) writes sectors naming themselves, its
generation and its batch number, through PIO and DMA commands, sequential
runs and random LBAs over a 32 MiB disk, flushes after each batch and only
then prints which sectors are durable.  For each image (qcow2 with 64 KiB
clusters, with lazy_refcounts=on, with 512-byte clusters, and raw) the
emulator is started and killed N times (default 5: 20 kills), each run
continuing on the image the last one left, and after each kill:

- cardcage-img check and qemu-img check find no corruption (leaks allowed:
  exit 0 or 3; raw: 63, no checks).  A lazy-refcounts image killed while
  dirty may only have refcounts lower than the references to them, the
  staleness its dirty bit announces; repaired (on a copy) it is clean;
- every sector the guest reported durable holds that content or a later
  write of it, read through qemu-img convert; every other sector is zero
  or a whole record of the guest, no sector is newer than the header;
- one time in four a qcow2 image's leaks are then repaired (cardcage-img or
  qemu-img check -r leaks), so that later runs allocate those clusters
  again;
- at the end `cardcage-img check -r leaks` (-r all for a dirty lazy image)
  leaves qemu-img check clean and the data still there.

The seed is printed (POWERCUT_SEED or --seed repeats a run).  --qemu runs
the guest on qemu-system-i386 instead, showing the test is right.  Skips
(77) without qemu-img unless CARDCAGE_REQUIRE_GUESTS=1.  bench/powercut
runs the same with a thousand kills.
"""
import argparse
import itertools
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("CARDCAGE_BUILD_ROOT", "")
CARDCAGE = os.path.join(BUILD, "cardcage")
GUEST = os.path.join(BUILD, "bench", "powercut", "powercut.bin")
QEMU = shutil.which("qemu-system-i386")

SECTOR = 512
HDR_LBA, DATA_LBA = 0, 64           # guest/powercut.asm's layout
MAGIC = struct.unpack("<I", b"PCUT")[0]
HMAGIC = struct.unpack("<I", b"PCHD")[0]
QCOW2_INCOMPAT_DIRTY = 1            # qcow2 spec: incompatible_features bit 0
SIZE_MB = 32

# name, format, creation options
CONFIGS = [
    ("qcow2", "qcow2", "cluster_size=65536"),
    ("qcow2-lazy", "qcow2", "cluster_size=65536,lazy_refcounts=on"),
    ("qcow2-512", "qcow2", "cluster_size=512"),
    ("raw", "raw", None),
]


class Stats:
    def __init__(self):
        self.kills = 0
        self.checks_passed = 0
        self.failures = []
        self.batches = 0              # durable batches the guests reported
        self.sectors_verified = 0     # durable sectors found in place, summed over kills
        self.leak_kills = 0           # kills after which qemu-img check saw leaked clusters
        self.leaks_max = 0            # the most it saw on one image (they add up until repaired)
        self.leaks_repaired = 0
        self.dirty_repairs = 0        # dirty lazy-refcounts images repaired clean
        self.kill_seconds = []        # each kill's whole cycle: run, checks, verification

    def check(self, ok, what, detail=""):
        if ok:
            self.checks_passed += 1
        else:
            self.failures.append(what)
            print(f"FAIL {what}" + (f": {detail}" if detail else ""), flush=True)
        return ok


def run(*args, ok=(0,)):
    p = subprocess.run(list(args), stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=300)
    if ok is not None and p.returncode not in ok:
        raise RuntimeError("%s -> %d\n%s%s" % (" ".join(args), p.returncode, p.stdout,
                                               p.stderr))
    return p


def record(lba, gen, seq):
    """The 512 bytes the guest writes to lba in batch seq of generation gen."""
    return struct.pack("<128I", *itertools.chain.from_iterable(
        (MAGIC + k, lba, gen, seq) for k in range(32)))


ZERO = bytes(SECTOR)
LEAKS = re.compile(r"(\d+) leaked clusters were found")
REPAIRED = re.compile(r"found and repaired:\s*(\d+) leaked clusters")
# What stale lazy refcounts may look like: a count below the references, a
# copied flag on a cluster still counted 0 (qemu-img's messages).
STALE = re.compile(r"^ERROR cluster \d+ refcount=(\d+) reference=(\d+)$|"
                   r"^ERROR OFLAG_COPIED (?:L2|data) cluster: .* refcount=0$")


class Disk:
    """One image and what the guests said about it."""

    def __init__(self, tmp, name, fmt, opts, img_tool, emulator, size_mb=SIZE_MB):
        self.tmp, self.name, self.fmt, self.opts = tmp, name, fmt, opts
        self.img_tool, self.emulator = img_tool, emulator
        self.path = os.path.join(tmp, name + "." + fmt)
        self.log = os.path.join(tmp, name + ".log")
        self.raw = os.path.join(tmp, name + ".data")
        self.lazy = bool(opts and "lazy_refcounts=on" in opts)
        self.durable = {}       # lba -> (gen, seq) of the last durable write
        self.gen = 0            # the last generation a guest announced
        self.seen = {}          # lba -> the sector bytes last found valid there
        if fmt == "raw":
            with open(self.path, "wb") as f:
                f.truncate(size_mb << 20)
        else:
            run("qemu-img", "create", "-q", "-f", fmt, "-o", opts, self.path, f"{size_mb}M")
        self.sectors = (size_mb << 20) // SECTOR

    def argv(self):
        drive = f"file={self.path},format={self.fmt},if=ide,index=0,cache=writeback"
        common = ["-M", "pc", "-m", "32", "-display", "none", "-serial", "null",
                  "-debugcon", f"file:{self.log}", "-drive", drive, "-kernel", GUEST]
        if self.emulator == "qemu":
            return [QEMU, "-accel", "tcg", "-nodefaults", *common]
        return [CARDCAGE, "-nic", "none", *common]

    def run_and_kill(self, delay, early, st, what):
        """Start the guest, SIGKILL the emulator delay seconds after it
        announced its generation (early: after its start, whatever it is
        doing then: opening the image, repairing it, the header), and take in
        what the guest said was durable."""
        err_path = self.log + ".stderr"
        if os.path.exists(self.log):
            os.unlink(self.log)
        with open(err_path, "w") as err:
            p = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=err)
            started = early
            deadline = time.monotonic() + 60
            while not started and p.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
                try:
                    with open(self.log, "rb") as f:
                        started = b"\n" in f.read(64)
                except FileNotFoundError:
                    pass
            st.check(started, f"{what}: the guest started within 60 s")
            time.sleep(delay)
            alive = p.poll() is None
            p.send_signal(signal.SIGKILL)
            p.wait()
        with open(err_path, errors="replace") as f:
            stderr = f.read()
        st.check(alive, f"{what}: the emulator was still running when killed",
                 f"exit {p.returncode}: {stderr[-500:]}")
        try:
            with open(self.log, "rb") as f:
                text = f.read().decode("ascii", "replace")
        except FileNotFoundError:
            text = ""
        lines = text.split("\n")[:-1]        # a line cut by the kill counts for nothing
        gen, batches, bad = None, 0, []
        for line in lines:
            w = line.split()
            if w[:1] == ["GEN"] and len(w) == 2:
                gen = int(w[1], 16)
                st.check(gen > self.gen, f"{what}: the generation goes up",
                         f"{gen} after {self.gen}")
                self.gen = gen
            elif w[:1] == ["D"] and len(w) >= 4 and gen is not None:
                g, seq = int(w[1], 16), int(w[2], 16)
                if g != gen:
                    bad.append(line)
                for r in w[3:]:
                    lba, n = (int(x, 16) for x in r.split("+"))
                    if lba < DATA_LBA or lba + n > self.sectors:
                        bad.append(line)
                        continue
                    for s in range(lba, lba + n):
                        self.durable[s] = (g, seq)
                batches += 1
            else:
                bad.append(line)
        st.check(not bad, f"{what}: the guest's lines are well formed and report no error",
                 repr(bad[:3]))
        st.batches += batches
        return batches

    # ---- checks ----

    def dirty(self):
        if self.fmt != "qcow2":
            return False
        with open(self.path, "rb") as f:
            f.seek(72)
            return bool(struct.unpack(">Q", f.read(8))[0] & QCOW2_INCOMPAT_DIRTY)

    def check_image(self, st, what):
        """Both tools' checks; returns the leaks qemu-img saw."""
        dirty = self.dirty()
        if self.fmt == "raw":
            for tool in (self.img_tool, "qemu-img"):
                p = run(tool, "check", self.path, ok=None)
                st.check(p.returncode == 63, f"{what}: {os.path.basename(tool)} check says "
                         "raw has no checks", f"exit {p.returncode}")
            return 0
        st.check(not dirty or self.lazy, f"{what}: the dirty bit is set only with lazy "
                 "refcounts")
        leaks = 0
        for tool in (self.img_tool, "qemu-img"):
            name = os.path.basename(tool)
            p = run(tool, "check", self.path, ok=None)
            errors = [ln for ln in p.stdout.splitlines() if ln.startswith("ERROR")]
            if dirty:
                # Lazy refcounts are allowed to lag behind the references
                # (the dirty bit says so): no other error.
                stale = [STALE.match(ln) for ln in errors]
                ok = p.returncode in (0, 2, 3) and all(
                    m and (m.group(1) is None or int(m.group(1)) < int(m.group(2)))
                    for m in stale)
                st.check(ok, f"{what}: {name} check of the dirty lazy image finds only "
                         "stale refcounts", f"exit {p.returncode}\n{p.stdout[-1500:]}")
            else:
                st.check(p.returncode in (0, 3) and not errors,
                         f"{what}: {name} check finds no corruption",
                         f"exit {p.returncode}\n{p.stdout[-1500:]}{p.stderr[-500:]}")
            m = LEAKS.search(p.stdout)
            if tool == "qemu-img" and m:
                leaks = int(m.group(1))
        if dirty:
            # What the next open does (rebuild the refcounts), on a copy so
            # that the next run still meets the dirty image.
            copy = self.path + ".repaired"
            shutil.copyfile(self.path, copy)
            run(self.img_tool, "check", "-r", "all", copy, ok=None)
            p = run("qemu-img", "check", copy, ok=None)
            st.check(p.returncode == 0 and "No errors" in p.stdout,
                     f"{what}: the dirty lazy image repaired is clean for qemu-img",
                     f"exit {p.returncode}\n{p.stdout[-1500:]}")
            st.dirty_repairs += p.returncode == 0
            os.unlink(copy)
        return leaks

    def read_data(self):
        if self.fmt == "raw":
            src = self.path
        else:
            run("qemu-img", "convert", "-U", "-f", self.fmt, "-O", "raw", self.path, self.raw)
            src = self.raw
        with open(src, "rb") as f:
            return f.read()

    def verify(self, st, what):
        """Every durable sector holds its write or a later one; every other
        sector is zero or a whole record; none is newer than the header."""
        data = self.read_data()
        st.check(len(data) == self.sectors * SECTOR, f"{what}: the image keeps its size",
                 f"{len(data)} bytes")
        hdr_magic, hdr_gen = struct.unpack_from("<II", data, HDR_LBA * SECTOR)
        if self.gen:
            st.check(hdr_magic == HMAGIC and hdr_gen >= self.gen,
                     f"{what}: the header holds the last announced generation",
                     f"magic {hdr_magic:#x} generation {hdr_gen}, announced {self.gen}")
        lost, garbage, newer, verified = [], [], [], 0
        for lba in range(DATA_LBA, self.sectors):
            sec = data[lba * SECTOR:(lba + 1) * SECTOR]
            want = self.durable.get(lba)
            if sec == ZERO:
                if want:
                    lost.append((lba, want, "zero"))
                continue
            magic, at, gen, seq = struct.unpack_from("<IIII", sec)
            if self.seen.get(lba) != sec:
                if magic != MAGIC or at != lba or sec != record(lba, gen, seq):
                    garbage.append(lba)
                    if want:
                        lost.append((lba, want, "garbage"))
                    continue
                self.seen[lba] = sec
            if gen > hdr_gen:
                newer.append((lba, gen, hdr_gen))
            if want:
                if (gen, seq) < want:
                    lost.append((lba, want, (gen, seq)))
                else:
                    verified += 1
        st.check(not lost, f"{what}: every durable sector is there ({verified} checked)",
                 f"{len(lost)} lost, first {lost[:5]}")
        st.check(not garbage, f"{what}: every sector is zero or a whole guest record",
                 f"{len(garbage)} not, first at LBA {garbage[:5]}")
        st.check(not newer, f"{what}: no sector is newer than the header", repr(newer[:5]))
        st.sectors_verified += verified
        return verified

    def remove(self):
        for f in (self.path, self.log, self.log + ".stderr", self.raw):
            if os.path.exists(f):
                os.unlink(f)

    def repair_leaks(self, st, what, tool):
        """What an operator does after a crash: check -r leaks (with either
        tool), so that the next run allocates the released clusters again
        (a cluster that comes back must not show its old data)."""
        p = run(tool, "check", "-r", "leaks", self.path, ok=None)
        st.check(p.returncode == 0, f"{what}: {os.path.basename(tool)} check -r leaks ends "
                 "clean", f"exit {p.returncode}\n{p.stdout[-1500:]}{p.stderr[-500:]}")
        m = REPAIRED.search(p.stdout)
        if m:
            st.leaks_repaired += int(m.group(1))

    def finish(self, st):
        """check -r leaks (all for a dirty lazy image), then qemu-img is clean
        and the data still there."""
        if self.fmt == "raw":
            return
        fix = "all" if self.dirty() else "leaks"
        p = run(self.img_tool, "check", "-r", fix, self.path, ok=None)
        m = REPAIRED.search(p.stdout)
        st.check(p.returncode == 0, f"{self.name}: cardcage-img check -r {fix} ends clean",
                 f"exit {p.returncode}\n{p.stdout[-1500:]}{p.stderr[-500:]}")
        if m:
            st.leaks_repaired += int(m.group(1))
        q = run("qemu-img", "check", self.path, ok=None)
        st.check(q.returncode == 0 and "No errors" in q.stdout and not self.dirty(),
                 f"{self.name}: after the repair qemu-img check is clean",
                 f"exit {q.returncode}\n{q.stdout[-1500:]}")
        self.verify(st, f"{self.name} after the repair")


def kill_cycle(disk, rnd, st, n, max_delay, verbose=True):
    """One run of the guest killed at a random instant (one in five from the
    start of the emulator, the others into the guest's writing), and every
    check."""
    t0 = time.monotonic()
    early = rnd.random() < 0.2
    delay = rnd.uniform(0, max_delay)
    what = f"{disk.name} kill {n} {delay:.2f} s after " + ("the start" if early else
                                                          "the guest's first line")
    fails = len(st.failures)
    batches = disk.run_and_kill(delay, early, st, what)
    st.kills += 1
    leaks = disk.check_image(st, what)
    st.leak_kills += leaks > 0
    st.leaks_max = max(st.leaks_max, leaks)
    verified = disk.verify(st, what)
    repaired = ""
    if disk.fmt != "raw" and not disk.dirty() and rnd.random() < 0.25:
        tool = rnd.choice([disk.img_tool, "qemu-img"])
        disk.repair_leaks(st, what, tool)
        repaired = f", {os.path.basename(tool)} check -r leaks"
    st.kill_seconds.append(time.monotonic() - t0)
    if verbose:
        ok = len(st.failures) == fails
        print(f"{'ok  ' if ok else 'FAIL'} {what}: {batches} batches durable, {verified} "
              f"durable sectors in place, {leaks} leaked clusters"
              + (", dirty" if disk.dirty() else "") + repaired, flush=True)
    # Durable batches per second of the guest's writing, when it wrote long
    # enough to say.
    return batches / delay if not early and delay >= 0.2 else None


def prerequisites(emulator):
    """None when all is there; else why not."""
    if not shutil.which("qemu-img"):
        return "qemu-img not installed (package qemu-utils)"
    if emulator == "qemu" and not QEMU:
        return "qemu-system-i386 not installed"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("img_tool", help="cardcage-img")
    ap.add_argument("--qemu", action="store_true", help="run the guest on qemu-system-i386")
    ap.add_argument("--kills", type=int, default=5, help="kills per image (4 images)")
    ap.add_argument("--seed", type=int,
                    default=int(os.environ.get("POWERCUT_SEED", "0")) or None)
    args = ap.parse_args()
    emulator = "qemu" if args.qemu else "cardcage"
    why = prerequisites(emulator)
    if why:
        if os.environ.get("CARDCAGE_REQUIRE_GUESTS") == "1":
            print("FAIL " + why)
            return 1
        print("SKIP: " + why)
        return 77
    seed = args.seed or random.SystemRandom().randrange(1, 1 << 31)
    print(f"seed {seed} (POWERCUT_SEED={seed} repeats it)", flush=True)
    rnd = random.Random(seed)
    st = Stats()
    tmp = tempfile.mkdtemp(prefix="cardcage-powercut-")
    try:
        for name, fmt, opts in CONFIGS:
            disk = Disk(tmp, name, fmt, opts, args.img_tool, emulator)
            for n in range(1, args.kills + 1):
                kill_cycle(disk, rnd, st, n, max_delay=1.0)
            disk.finish(st)
    except RuntimeError as e:
        st.check(False, "a tool failed", str(e))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{st.kills} kills, {st.checks_passed} checks passed, {len(st.failures)} failed; "
          f"{st.batches} durable batches, {st.sectors_verified} durable sectors verified; "
          f"leaks after {st.leak_kills} kills (at most {st.leaks_max} clusters), "
          f"{st.leaks_repaired} repaired; "
          f"{st.dirty_repairs} dirty lazy images repaired clean (seed {seed})")
    return 1 if st.failures or not st.batches else 0


if __name__ == "__main__":
    sys.exit(main())
