#!/usr/bin/env python3
"""bench/guest-work: the guest-timed workloads of the test initramfs
(tests/guests/init.sh, cardcage.test=bench) on cardcage and on
qemu-system-i386 -accel tcg, both on the pc board with the same kernel,
initramfs and -m 256, and the resident memory of both emulators at the
userspace marker.

The workloads (md5sum of 32 MiB from /dev/zero, a 20,000-iteration shell
loop, 200 fork+exec of /bin/true, gzip of 1 MiB of text, and a
compile-like awk tokenizer | sort | uniq -c | sort over ~120 KiB of
C-like source) are each timed by the guest's clock (/proc/uptime, 10 ms
ticks).  The host also times each one, from the arrival of its START line
on the serial console to the arrival of its result line, so that a guest
clock running slow or fast shows as a guest/host ratio away from 1; and
reads the emulator's CPU time (user + system, /proc/PID/stat) at the same
two moments, which is what the workload cost the host whatever else the
machine runs.

Memory: VmRSS and VmHWM from /proc/PID/status when the marker line
arrives.  With MEM_ONLY=1 the emulator is killed there and the workloads
are skipped (a quick memory-only run).

BASELINE=PATH adds another cardcage binary (an older build, say), run in
the same rounds, and a table of this build's times over the baseline's.

RUNS runs each (default 5), cardcage and QEMU interleaved; medians, and the
ratio cardcage/QEMU per workload against the bar 0.8 (issue 13).  Runs
tests/guests/get-linux.sh first, which rebuilds the initramfs when init.sh
changed (it honours CARDCAGE_GUEST_CACHE).  Finds the build in $BUILD_DIR
(default: ./build)."""
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "..")
RUNS = int(os.environ.get("RUNS", "5"))
BUILD = os.environ.get("BUILD_DIR", "build")
CARDCAGE = os.path.join(BUILD, "cardcage")
MEM_ONLY = os.environ.get("MEM_ONLY") == "1"
MEM_MB = 256
APPEND = "console=ttyS0 cardcage.test=bench"
WORKLOADS = ["md5", "loop", "fork", "gzip", "compile"]
BAR = 0.8
MARKER = b"CARDCAGE-MARKER"
START = re.compile(rb"CARDCAGE-BENCH-START: (\w+)")
RESULT = re.compile(rb"CARDCAGE-BENCH: (\w+) ([0-9.]+) ([0-9.]+) (\S+)")
END = b"CARDCAGE-BENCH-END"


def guest_files():
    """The kernel and initramfs, get-linux.sh making sure the initramfs
    has the bench mode of the current init.sh."""
    p = subprocess.run(["sh", os.path.join(SRC, "tests", "guests", "get-linux.sh")],
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"bench/guest-work: tests/guests/get-linux.sh failed:\n{p.stderr[-2000:]}")
    cache = p.stdout.strip().splitlines()[-1]
    return os.path.join(cache, "vmlinuz"), os.path.join(cache, "initramfs.cpio.gz")


def commands(kernel, initrd):
    # QEMU's pc adds a VGA and a NIC by default; cardcage's pc has neither.
    # pentium2 is the closest QEMU model to cardcage's CPU (as bench/linux-boot).
    return {
        "cardcage": [CARDCAGE, "-M", "pc", "-m", str(MEM_MB), "-nographic", "-no-reboot",
                     "-kernel", kernel, "-initrd", initrd, "-append", APPEND],
        "qemu": ["qemu-system-i386", "-M", "pc", "-cpu", "pentium2", "-accel", "tcg",
                 "-m", str(MEM_MB), "-display", "none", "-serial", "stdio", "-monitor", "none",
                 "-vga", "none", "-net", "none", "-no-reboot", "-kernel", kernel,
                 "-initrd", initrd, "-append", APPEND],
    }


def memory(pid):
    """VmRSS and VmHWM of pid in MiB."""
    got = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, val = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                got[key] = int(val.split()[0]) / 1024
    return got["VmRSS"], got["VmHWM"]


def cpu_time(pid):
    """User + system CPU seconds of pid so far."""
    with open(f"/proc/{pid}/stat") as f:
        # Fields after the parenthesised command name; utime and stime are
        # fields 14 and 15 (proc(5)).
        rest = f.read().rpartition(")")[2].split()
    return (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")


def run(cmd):
    """One boot: {"mem": (rss, hwm) at the marker, "guest": {name: s},
    "host": {name: s}}."""
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    out = b""
    res = {"mem": None, "guest": {}, "host": {}, "cpu": {}, "sums": {}}
    started = {}
    seen = 0          # how far out has been scanned for whole lines
    try:
        while True:
            chunk = p.stdout.read1(65536)
            now = time.monotonic()
            if not chunk:
                break
            out += chunk
            while True:
                nl = out.find(b"\n", seen)
                if nl < 0:
                    break
                line = out[seen:nl]
                seen = nl + 1
                if res["mem"] is None and MARKER in line:
                    res["mem"] = memory(p.pid)
                    if MEM_ONLY:
                        p.kill()
                m = START.search(line)
                if m:
                    started[m.group(1).decode()] = (now, cpu_time(p.pid))
                m = RESULT.search(line)
                if m:
                    name = m.group(1).decode()
                    res["guest"][name] = float(m.group(3)) - float(m.group(2))
                    t0, c0 = started.get(name, (now, cpu_time(p.pid)))
                    res["host"][name] = now - t0
                    res["cpu"][name] = cpu_time(p.pid) - c0
                    res["sums"][name] = m.group(4).decode()
    finally:
        if p.poll() is None:
            p.kill()
        p.wait()
    if res["mem"] is None or (not MEM_ONLY and END not in out):
        sys.exit(f"bench/guest-work: {cmd[0]} did not finish (status {p.returncode}):\n"
                 f"{out[-2000:].decode(errors='replace')}")
    return res


def median_of(runs, key, name):
    return statistics.median(r[key][name] for r in runs)


def main():
    if not os.path.exists(CARDCAGE):
        sys.exit(f"bench/guest-work: {CARDCAGE} missing: build first")
    if not shutil.which("qemu-system-i386"):
        print("bench/guest-work: skipped (qemu-system-i386 not installed)")
        return
    cmds = commands(*guest_files())
    baseline = os.environ.get("BASELINE")
    if baseline:
        cmds["baseline"] = [baseline] + cmds["cardcage"][1:]
    runs = {n: [] for n in cmds}
    for i in range(RUNS):
        for n, cmd in cmds.items():     # interleaved, so load on the machine hits both
            runs[n].append(run(cmd))
            print(f"run {i + 1}/{RUNS} {n} done", file=sys.stderr, flush=True)
    # Both emulators must have done the same work.
    if not MEM_ONLY:
        for name in WORKLOADS:
            sums = {r["sums"].get(name) for rs in runs.values() for r in rs}
            if len(sums) != 1:
                sys.exit(f"bench/guest-work: {name} results differ between runs: {sums}")
    print(f"resident memory at the marker, pc board, -m {MEM_MB}, medians of {RUNS} runs:")
    mem = {}
    for n, rs in runs.items():
        mem[n] = (statistics.median(r["mem"][0] for r in rs),
                  statistics.median(r["mem"][1] for r in rs))
        print(f"  {n:9s} VmRSS {mem[n][0]:7.1f} MiB  VmHWM {mem[n][1]:7.1f} MiB")
    print(f"  ratio cardcage/qemu: VmRSS {mem['cardcage'][0] / mem['qemu'][0]:.2f}, "
          f"VmHWM {mem['cardcage'][1] / mem['qemu'][1]:.2f} (bar: at most 1.00)")
    if MEM_ONLY:
        return
    print(f"guest-timed workloads, medians of {RUNS} interleaved runs (guest s = the "
          "guest's /proc/uptime, (host) = the host's wall clock; ratio = guest-timed "
          "cardcage/qemu; host CPU = the emulator's user+system time):")
    print(f"  {'workload':8s} {'cardcage':>9s} {'(host)':>8s} {'qemu':>9s} {'(host)':>8s}"
          f" {'ratio':>6s}  bar {BAR}  host CPU: {'cardcage':>8s} {'qemu':>8s} {'ratio':>6s}")
    for name in WORKLOADS:
        c = median_of(runs["cardcage"], "guest", name)
        q = median_of(runs["qemu"], "guest", name)
        ch = median_of(runs["cardcage"], "host", name)
        qh = median_of(runs["qemu"], "host", name)
        ratio = c / q if q else float("inf")
        verdict = "meets" if ratio <= BAR else "misses"
        cc = median_of(runs["cardcage"], "cpu", name)
        qc = median_of(runs["qemu"], "cpu", name)
        print(f"  {name:8s} {c:8.2f}s {ch:7.2f}s {q:8.2f}s {qh:7.2f}s {ratio:6.2f}  {verdict:6s}"
              f"           {cc:7.2f}s {qc:7.2f}s {cc / qc if qc else float('inf'):6.2f}")
    if baseline:
        print(f"against the baseline {baseline} (guest-timed; lower ratio: this build is faster):")
        for name in WORKLOADS:
            c = median_of(runs["cardcage"], "guest", name)
            b = median_of(runs["baseline"], "guest", name)
            print(f"  {name:8s} {c:8.2f}s baseline {b:8.2f}s  ratio {c / b if b else float('inf'):6.2f}")
    for n, rs in runs.items():
        g = sum(sum(r["guest"].values()) for r in rs)
        h = sum(sum(r["host"].values()) for r in rs)
        print(f"  guest clock honesty, {n}: guest/host time over all workloads {g / h:.3f}")


main()
