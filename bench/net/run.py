#!/usr/bin/env python3
"""bench/net: network speed of each card over user-mode networking (slirp),
cardcage against qemu-system-i386 -accel tcg with the same card in the same
run (when installed):

  guest->host  the test Linux guest (tests/guests/get-linux.sh,
               cardcage.test=net) serves SIZE_KB of random data with busybox
               httpd; the host fetches it through hostfwd (best of FETCHES)
  ping         the guest's ping to the slirp gateway 10.0.2.2 (one echo,
               after the link is up)

CARDS (default "e1000 rtl8139"), SIZE_KB (default 8192), FETCHES (default 3).
Finds the build in $BUILD_DIR (default: ./build)."""
import os
import re
import shutil
import socket
import sys
import time
import urllib.request

BUILD = os.path.abspath(os.environ.get("BUILD_DIR", "build"))
os.environ.setdefault("CARDCAGE_BUILD_ROOT", BUILD)
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "functional"))
from cctest import CARDCAGE, INITRD, KERNEL, Guest  # noqa: E402

CARDS = os.environ.get("CARDS", "e1000 rtl8139").split()
SIZE_KB = int(os.environ.get("SIZE_KB", "8192"))
FETCHES = int(os.environ.get("FETCHES", "3"))
APPEND = "console=ttyS0 noapic cardcage.test=net"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def measure(emu, card):
    port = free_port()
    cmd = [emu, "-M", "pc", "-m", "256", "-nographic", "-no-reboot", "-kernel", KERNEL,
           "-initrd", INITRD, "-append",
           f"{APPEND} cardcage.net.serve={SIZE_KB * 1024} cardcage.net.ping=10.0.2.2 "
           "cardcage.net.hold=600",
           "-netdev", f"user,id=n0,hostfwd=tcp:127.0.0.1:{port}-:80",
           "-device", f"{card},netdev=n0"]
    if "qemu" in os.path.basename(emu):
        cmd[1:1] = ["-accel", "tcg"]
    g = Guest(cmd)
    try:
        r = g.wait_for(r"CARDCAGE-(PING-OK|NET-FAIL)", timeout=300)
        if r is None or "PING-OK" not in r[1]:
            sys.exit(f"bench/net: {emu} with {card}: no network:\n" +
                     "\n".join(line for _, line in g.lines[-30:]))
        m = re.search(r"time=([0-9.]+) ms", r[1])
        rtt = float(m.group(1)) if m else float("nan")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        best = None
        for _ in range(FETCHES):
            t0 = time.monotonic()
            with opener.open(f"http://127.0.0.1:{port}/served.bin", timeout=300) as resp:
                n = len(resp.read())
            dt = time.monotonic() - t0
            if n != SIZE_KB * 1024:
                sys.exit(f"bench/net: {emu} with {card}: fetched {n} bytes")
            best = dt if best is None else min(best, dt)
        return n / best / 1e6, rtt
    finally:
        g.proc.kill()
        g.finish(30)


def main():
    for f in (CARDCAGE, KERNEL, INITRD):
        if not os.path.exists(f):
            sys.exit(f"bench/net: {f} not found (build first; tests/guests/get-linux.sh)")
    qemu = shutil.which("qemu-system-i386")
    print(f"bench/net: guest->host over slirp ({SIZE_KB} KiB, best of {FETCHES}) and ping "
          "RTT to 10.0.2.2")
    print(f"{'card':10} {'emulator':10} {'MB/s':>8} {'ratio':>6} {'ping ms':>8}")
    for card in CARDS:
        cc = measure(CARDCAGE, card)
        q = measure(qemu, card) if qemu else None
        print(f"{card:10} {'cardcage':10} {cc[0]:8.2f} {'':>6} {cc[1]:8.2f}")
        if q:
            print(f"{card:10} {'qemu':10} {q[0]:8.2f} {cc[0] / q[0]:6.2f} {q[1]:8.2f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
