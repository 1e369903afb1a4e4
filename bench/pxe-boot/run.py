#!/usr/bin/env python3
"""bench/pxe-boot: a network boot on the pc machine, cardcage against
qemu-system-i386 -accel tcg in the same run, RUNS runs each (default 3),
interleaved: -boot n with -nic user,model=MODEL (MODELS, default rtl8139),
slirp's TFTP serving an iPXE script, the test kernel and the initramfs
(tests/guests/get-linux.sh), as tests/functional/pxe.py boots them.

For each emulator: the median time from start to each milestone on the
serial console (SeaBIOS runs the ROM, iPXE has its DHCP lease, the script
has arrived, the kernel and initramfs have arrived, the userspace marker),
and the ratio cardcage/QEMU of each.

Finds the build in $BUILD_DIR (default: ./build)."""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

RUNS = int(os.environ.get("RUNS", "3"))
MODELS = os.environ.get("MODELS", "rtl8139").split(",")
BUILD = os.environ.get("BUILD_DIR", "build")
CARDCAGE = os.path.join(BUILD, "cardcage")
CACHE = os.environ.get("CARDCAGE_GUEST_CACHE",
                       os.path.join(os.environ.get("XDG_CACHE_HOME",
                                                   os.path.expanduser("~/.cache")),
                                    "cardcage", "guests"))
KERNEL = os.path.join(CACHE, "linux", "vmlinuz")
INITRD = os.path.join(CACHE, "linux", "initramfs.cpio.gz")
APPEND = "console=ttyS0 noapic cardcage.test=workload"
# The milestones, in the order they appear on the console.
STEPS = [
    ("rom", rb"Booting from ROM"),
    ("dhcp", rb"net\d: 10\.0\.2\.15/"),
    ("script", rb"CARDCAGE-IPXE"),
    ("files", rb"initramfs\.cpio\.gz\.\.\. ok"),
    ("marker", rb"CARDCAGE-MARKER"),
]
TIMEOUT = 600


def tftp_tree(tmp):
    d = os.path.join(tmp, "tftp")
    os.mkdir(d)
    shutil.copy(KERNEL, os.path.join(d, "vmlinuz"))
    shutil.copy(INITRD, os.path.join(d, "initramfs.cpio.gz"))
    with open(os.path.join(d, "boot.ipxe"), "w") as f:
        f.write("#!ipxe\necho CARDCAGE-IPXE\n"
                f"kernel tftp://${{next-server}}/vmlinuz {APPEND}\n"
                "initrd tftp://${next-server}/initramfs.cpio.gz\nboot\n")
    return d


def command(name, model, tftp):
    nic = ["-nic", f"user,model={model},tftp={tftp},bootfile=boot.ipxe"]
    if name == "cardcage":
        return [CARDCAGE, "-M", "pc", "-m", "256", "-nographic", "-no-reboot", "-boot", "n",
                *nic]
    return ["qemu-system-i386", "-M", "pc", "-accel", "tcg", "-m", "256", "-nographic",
            "-no-reboot", "-boot", "n", *nic]


def run(cmd):
    """Seconds from start to each milestone."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    out = b""
    seen = {}
    try:
        while len(seen) < len(STEPS) and time.monotonic() - t0 < TIMEOUT:
            chunk = p.stdout.read1(65536)
            if not chunk:
                break
            out += chunk
            now = time.monotonic() - t0
            for name, rx in STEPS:
                if name not in seen and re.search(rx, out):
                    seen[name] = now
    finally:
        p.kill()
        p.wait()
    if len(seen) < len(STEPS):
        sys.exit(f"bench/pxe-boot: {cmd[0]} did not reach {[n for n, _ in STEPS if n not in seen]}"
                 f":\n{out[-2000:].decode(errors='replace')}")
    return seen


def main():
    for f in (CARDCAGE, KERNEL, INITRD):
        if not os.path.exists(f):
            sys.exit(f"bench/pxe-boot: {f} missing (build, and run tests/guests/get-linux.sh)")
    names = ["cardcage"] + (["qemu"] if shutil.which("qemu-system-i386") else [])
    tmp = tempfile.mkdtemp(prefix="cc-bench-pxe-")
    try:
        tftp = tftp_tree(tmp)
        for model in MODELS:
            results = {n: [] for n in names}
            for _ in range(RUNS):
                for n in names:    # interleaved, so load on the machine hits both
                    results[n].append(run(command(n, model, tftp)))
            med = {n: {s: statistics.median(r[s] for r in results[n]) for s, _ in STEPS}
                   for n in names}
            for n in names:
                steps = ", ".join(f"{s} {med[n][s]:6.2f}" for s, _ in STEPS)
                m = [r["marker"] for r in results[n]]
                print(f"{model:8s} {n:9s} median s from start: {steps} "
                      f"(marker min {min(m):.2f}, max {max(m):.2f}; {RUNS} runs)")
            if "qemu" in med:
                ratios = ", ".join(f"{s} {med['cardcage'][s] / med['qemu'][s]:.2f}"
                                   for s, _ in STEPS)
                print(f"{model:8s} ratio cardcage/qemu: {ratios}")
            else:
                print("qemu-system-i386 not installed: no comparison")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


main()
