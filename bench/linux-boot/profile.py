#!/usr/bin/env python3
"""bench/linux-boot/profile.py: `perf record -g` of cardcage booting the
test Linux (tests/guests/get-linux.sh) on the pc board (-m 256) up to the
userspace marker, where cardcage is stopped; or with WHAT=work, of the
guest-timed workloads of bench/guest-work (cardcage.test=bench), from the
marker to their end (run get-linux.sh first so that the initramfs has
them), or with WHAT=work:NAME only the workload NAME (md5, loop, fork, gzip,
compile: from its START line to its result line); KERNEL_ARGS adds to the
kernel command line (nokaslr: guest addresses that /proc/kallsyms of
another boot names); then prints perf report's top symbols (TOP, default 25) by self
time, the translated code as one row; then that translated code by guest
function (cardcage names its blocks in /tmp/perf-PID.map, CARDCAGE_PERFMAP;
with WHAT=work the test initramfs prints the kernel's /proc/kallsyms first,
cardcage.kallsyms=1, and the kernel runs with nokaslr; user space and, for
the boot, the kernel show as one row per 4 KiB page).  Writes perf.data to $PERF_DATA
(default: a temporary directory).  Finds the build in $BUILD_DIR (default:
./build).  Needs perf and a perf_event_paranoid that allows user-space
sampling of one's own processes."""
import bisect
import os
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "functional"))
os.environ.setdefault("CARDCAGE_BUILD_ROOT", os.environ.get("BUILD_DIR", "build"))
from cctest import CARDCAGE, INITRD, KERNEL  # noqa: E402

MARKER = b"CARDCAGE-MARKER"


def main():
    if not shutil.which("perf"):
        sys.exit("bench/linux-boot/profile: perf not installed")
    for f in (CARDCAGE, KERNEL, INITRD):
        if not os.path.exists(f):
            sys.exit(f"bench/linux-boot/profile: {f} missing (build, and run "
                     "tests/guests/get-linux.sh)")
    data = os.environ.get("PERF_DATA") or os.path.join(tempfile.mkdtemp(), "perf.data")
    what = os.environ.get("WHAT", "boot")
    work = what.startswith("work")
    only = what[5:] if what.startswith("work:") else None
    append = ("console=ttyS0 nokaslr" +
              (" cardcage.test=bench cardcage.kallsyms=1" if work else "") +
              (" " + os.environ["KERNEL_ARGS"] if os.environ.get("KERNEL_ARGS") else ""))
    emu = subprocess.Popen([CARDCAGE, "-M", "pc", "-m", "256", "-nographic", "-no-reboot",
                            "-kernel", KERNEL, "-initrd", INITRD, "-append", append],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL,
                           env=dict(os.environ, CARDCAGE_PERFMAP="1"))

    def wait_for(text):
        out = b""
        while text not in out:
            chunk = emu.stdout.read1(65536)
            if not chunk:
                emu.kill()
                sys.exit(f"bench/linux-boot/profile: no {text.decode()}:\n"
                         + out[-2000:].decode(errors="replace"))
            out = out[-4096:] + chunk

    def perf():
        return subprocess.Popen(["perf", "record", "-g", "-o", data, "-p", str(emu.pid)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)

    # Boot: from the start (perf attaches within milliseconds) to the
    # marker.  Work: from the marker to the end of the workloads.
    rec = None if work else perf()
    syms = read_kallsyms(emu) if work else []
    wait_for(MARKER)
    if only:
        wait_for(b"CARDCAGE-BENCH-START: " + only.encode())
        rec = perf()
        wait_for(b"CARDCAGE-BENCH: " + only.encode())
    elif work:
        rec = perf()
        wait_for(b"CARDCAGE-BENCH-END")
    rec.send_signal(signal.SIGINT)      # perf writes the profile and ends
    rec.wait()
    emu.kill()
    emu.wait()
    rep = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "dso,symbol",
                          "--stdio", "-g", "none", "-n"], capture_output=True, text=True)
    # Translated guest code has no symbols: perf shows each address of the
    # anonymous executable mapping as its own row of the "[JIT]" object;
    # they are summed into one row, from the sample counts (-n: a row's
    # rounded percentage is 0.00 for most of them).
    rows = {}
    guest = {}
    for line in rep.stdout.splitlines():
        f = line.split()
        if not f or f[0].startswith("#") or not f[0].endswith("%"):
            continue
        samples = int(f[1])
        f = f[1:]
        if f[1] == "[JIT]":
            key = "(translated guest code, all blocks)"
            name = f[f.index("[.]") + 1] if "[.]" in f else ""
            if name.startswith("guest_"):
                pc = int(name[6:], 16)
                guest[pc] = guest.get(pc, 0) + samples
        else:
            i = f.index("[.]") if "[.]" in f else f.index("[k]")
            key = f"{f[i + 1]}  ({f[1]}{' kernel' if f[i] == '[k]' else ''})"
        rows[key] = rows.get(key, 0) + samples
    total = sum(rows.values()) or 1
    what = (f"the {only} workload of bench/guest-work" if only else
            "the workloads of bench/guest-work" if work else "Linux boot to the marker")
    print(f"perf profile of cardcage, {what} on pc ({data}), self time:")
    top = sorted(rows.items(), key=lambda kv: -kv[1])[:int(os.environ.get("TOP", "25"))]
    for key, n in top:
        print(f"  {100 * n / total:6.2f}%  {key}")
    perfmap = f"/tmp/perf-{emu.pid}.map"
    if os.path.exists(perfmap):
        os.unlink(perfmap)
    if not guest:
        return
    addrs = [a for a, _ in syms]
    funcs = {}
    for pc, n in guest.items():
        i = bisect.bisect_right(addrs, pc) - 1
        if pc >= 0xc0000000 and i >= 0:
            key = syms[i][1]
        else:
            key = f"{'kernel' if pc >= 0xc0000000 else 'user'} page {pc & ~0xfff:08x}"
        funcs[key] = funcs.get(key, 0) + n
    print("translated code by guest function (share of all samples):")
    for key, n in sorted(funcs.items(), key=lambda kv: -kv[1])[:int(os.environ.get("TOP", "25"))]:
        print(f"  {100 * n / total:6.2f}%  {key}")


def read_kallsyms(emu):
    """(address, name) of the guest kernel's text symbols, sorted, as the
    test initramfs prints them (cardcage.kallsyms=1) before its marker."""
    buf = b""
    while b"CARDCAGE-KALLSYMS-END" not in buf:
        chunk = emu.stdout.read1(1 << 20)
        if not chunk:
            sys.exit("bench/linux-boot/profile: no kernel symbols before the end of output "
                     "(run tests/guests/get-linux.sh for an initramfs that prints them)")
        buf += chunk
    text = buf.split(b"CARDCAGE-KALLSYMS-BEGIN", 1)[-1].split(b"CARDCAGE-KALLSYMS-END")[0]
    out = []
    for line in text.decode(errors="replace").splitlines():
        f = line.split()
        if len(f) >= 3 and f[1] in ("t", "T"):
            try:
                out.append((int(f[0], 16), f[2]))
            except ValueError:
                pass
    return sorted(out)


main()
