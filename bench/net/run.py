#!/usr/bin/env python3
"""bench/net: network speed of each card, cardcage against qemu-system-i386
-accel tcg with the same card (when installed), the two interleaved round by
round so that a host busy with other work weighs on both alike.

The guest is the test Linux (tests/guests/get-linux.sh, cardcage.test=net
with cardcage.net.shell=1: the network comes up, then a shell on the serial
console takes the commands typed here).

  slirp  one machine on -netdev user:
           guest->host  the guest serves SIZE_KB of random data (busybox
                        httpd); the host fetches it through hostfwd
           host->guest  the guest's wget fetches SIZE_KB from an HTTP
                        server here through the gateway 10.0.2.2; timed
                        here from the request to the guest closing the
                        connection (it has read everything)
           ping         PINGS echoes to the gateway 10.0.2.2
           ping lo      PINGS echoes to the guest's own 127.0.0.1, in
                        turns with the gateway's: the part of an echo's
                        time that is the guest's own network stack and no
                        card's (it says whether a slower ping is the card
                        path or the CPU running the guest's kernel)
  socket two machines joined by -netdev socket (listen / connect), static
         addresses 10.0.3.1 and 10.0.3.2; each serves SIZE_KB:
           a->b, b->a   one machine's wget of the other's file, timed here
                        from the command to the shell's marker after it
           ping         PINGS echoes from b to a

Each figure is the median of every sample of all rounds; the ratio is
cardcage's median over QEMU's (throughput: higher is better, bar >= 0.8;
ping: lower is better, bar <= 1.25).

BASELINE=PATH adds another cardcage binary (an older build, say) as a
third column.  CARDS (default "e1000 rtl8139 ne2k_pci"), ROUNDS (default 3), SIZE_KB
(default 8192), FETCHES (slirp guest->host fetches a round, default 3),
PINGS (default 20, to each address), BACKENDS (default "slirp socket").
Finds the build in $BUILD_DIR (default: ./build)."""
import http.server
import os
import re
import shutil
import socket
import statistics
import sys
import threading
import time
import urllib.request

BUILD = os.path.abspath(os.environ.get("BUILD_DIR", "build"))
os.environ.setdefault("CARDCAGE_BUILD_ROOT", BUILD)
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "functional"))
from cctest import CARDCAGE, INITRD, KERNEL, Guest  # noqa: E402

CARDS = os.environ.get("CARDS", "e1000 rtl8139 ne2k_pci").split()
ROUNDS = int(os.environ.get("ROUNDS", "3"))
SIZE_KB = int(os.environ.get("SIZE_KB", "8192"))
FETCHES = int(os.environ.get("FETCHES", "3"))
PINGS = int(os.environ.get("PINGS", "20"))
BACKENDS = os.environ.get("BACKENDS", "slirp socket").split()
BASELINE = os.environ.get("BASELINE")
APPEND = "console=ttyS0 noapic cardcage.test=net cardcage.net.shell=1"
SIZE = SIZE_KB * 1024
BOOT_TIMEOUT = 600
XFER_TIMEOUT = 300


class BenchError(Exception):
    pass


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def is_qemu(emu):
    return "qemu" in os.path.basename(emu)


class Machine:
    """One emulator booted into the net shell; run() types a command and
    waits for the marker the shell prints after it."""

    def __init__(self, emu, card, netdev, extra_append="", mac=None):
        self.name = f"{emu} {card} ({netdev.split(',')[0]})"
        dev = f"{card},netdev=n0" + (f",mac={mac}" if mac else "")
        cmd = [emu, "-M", "pc", "-m", "256", "-nographic", "-no-reboot", "-kernel", KERNEL,
               "-initrd", INITRD, "-append", f"{APPEND} {extra_append}".strip(),
               "-netdev", netdev, "-device", dev]
        if is_qemu(emu):
            cmd[1:1] = ["-accel", "tcg"]
        self.guest = Guest(cmd)
        self.seq = 0

    def fail(self, msg):
        """Stop the machine and raise msg with the end of its console."""
        self.stop()
        raise BenchError(f"{self.name}: {msg}:\n{self.guest.transcript()}")

    def wait_ready(self):
        r = self.guest.wait_for(r"CARDCAGE-(SHELL-READY|NET-FAIL)", timeout=BOOT_TIMEOUT)
        if r is None or "SHELL-READY" not in r[1]:
            self.fail("no network")
        # The shell's prompt comes after the marker; let it settle.
        time.sleep(1)

    def run(self, command, timeout=XFER_TIMEOUT):
        """Type command; return (host time typed, host time of the marker,
        the lines printed in between)."""
        self.seq += 1
        # The echoed command line holds $((N+0)), the marker line the number.
        marker = f"CCBENCH-{self.seq}-END"
        with self.guest.cond:
            first = len(self.guest.lines)
        t0 = time.monotonic()
        self.guest.send(f"{command}; echo CCBENCH-$(({self.seq}+0))-END\n")
        r = self.guest.wait_for(rf"^{marker}$", timeout=timeout)
        if r is None:
            self.fail(f"'{command}' did not finish")
        with self.guest.cond:
            lines = [line for _, line in self.guest.lines[first:]]
        return t0, r[0], lines

    def ping(self, addr, count=PINGS):
        _, _, lines = self.run(f"ping -c {max(count, 1)} -i 0.2 {addr}",
                               timeout=count + 60)
        rtts = [float(m.group(1)) for line in lines
                for m in [re.search(r"time=([0-9.]+) ms", line)] if m]
        if not rtts:
            self.fail(f"no ping answer from {addr}")
        return rtts

    def fetch_seconds(self, url):
        t0, t1, lines = self.run(f"wget -q -O /dev/null {url} && echo CCBENCH-GOT")
        if not any(line == "CCBENCH-GOT" for line in lines):
            self.fail(f"wget {url} failed")
        return t1 - t0

    def stop(self):
        self.guest.proc.kill()
        self.guest.finish(30)


class Source(http.server.BaseHTTPRequestHandler):
    """Serves SIZE bytes and records how long the client took to read them
    all: from the request until the client closes its end."""
    payload = os.urandom(SIZE)
    times = []

    def do_GET(self):
        t0 = time.monotonic()
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.payload)))
        self.end_headers()
        self.wfile.write(self.payload)
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_WR)
        self.connection.settimeout(XFER_TIMEOUT)
        while self.connection.recv(65536):
            pass
        Source.times.append(time.monotonic() - t0)

    def log_message(self, *args):
        pass


def start_source():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Source)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def bench_slirp(emu, card, src, results):
    port = free_port()
    m = Machine(emu, card, f"user,id=n0,hostfwd=tcp:127.0.0.1:{port}-:80",
                f"cardcage.net.serve={SIZE}")
    try:
        m.wait_ready()
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        for _ in range(FETCHES):
            t0 = time.monotonic()
            with opener.open(f"http://127.0.0.1:{port}/served.bin",
                             timeout=XFER_TIMEOUT) as resp:
                n = len(resp.read())
            dt = time.monotonic() - t0
            if n != SIZE:
                raise BenchError(f"{m.name}: fetched {n} bytes of {SIZE}")
            results.setdefault("slirp g->h MB/s", []).append(SIZE / dt / 1e6)
        for _ in range(FETCHES):
            Source.times.clear()
            m.fetch_seconds(f"http://10.0.2.2:{src.server_address[1]}/x")
            # The guest's shell may print its marker before slirp has passed
            # wget's close on to the server's socket: give that a moment.
            deadline = time.monotonic() + 10
            while not Source.times and time.monotonic() < deadline:
                time.sleep(0.05)
            if len(Source.times) != 1:
                raise BenchError(f"{m.name}: the host's server saw {len(Source.times)} "
                                 "finished requests")
            results.setdefault("slirp h->g MB/s", []).append(SIZE / Source.times[0] / 1e6)
        # In turns, so that a host busier at one moment weighs on both.
        for _ in range(2):
            results.setdefault("slirp ping ms", []).extend(m.ping("10.0.2.2", PINGS // 2))
            results.setdefault("slirp ping lo ms", []).extend(m.ping("127.0.0.1", PINGS // 2))
    finally:
        m.stop()


def bench_socket(emu, card, results):
    port = free_port()
    a = Machine(emu, card, f"socket,id=n0,listen=127.0.0.1:{port}",
                f"cardcage.net.ip=10.0.3.1 cardcage.net.serve={SIZE}", "52:54:00:12:34:a1")
    b = None
    try:
        time.sleep(1)                    # a listens before b connects
        b = Machine(emu, card, f"socket,id=n0,connect=127.0.0.1:{port}",
                    f"cardcage.net.ip=10.0.3.2 cardcage.net.serve={SIZE}",
                    "52:54:00:12:34:b2")
        a.wait_ready()
        b.wait_ready()
        for _ in range(FETCHES):
            dt = b.fetch_seconds("http://10.0.3.1/served.bin")
            results.setdefault("socket a->b MB/s", []).append(SIZE / dt / 1e6)
            dt = a.fetch_seconds("http://10.0.3.2/served.bin")
            results.setdefault("socket b->a MB/s", []).append(SIZE / dt / 1e6)
        results.setdefault("socket ping ms", []).extend(b.ping("10.0.3.1"))
    finally:
        a.stop()
        if b:
            b.stop()


def main():
    for f in (CARDCAGE, KERNEL, INITRD):
        if not os.path.exists(f):
            sys.exit(f"bench/net: {f} not found (build first; tests/guests/get-linux.sh)")
    qemu = shutil.which("qemu-system-i386")
    emus = [CARDCAGE] + ([BASELINE] if BASELINE else []) + ([qemu] if qemu else [])
    src = start_source()
    # results[card][emu][metric] = samples
    results = {c: {e: {} for e in emus} for c in CARDS}
    failures = 0
    print(f"bench/net: {', '.join(CARDS)}; {ROUNDS} rounds of {', '.join(BACKENDS)}; "
          f"{SIZE_KB} KiB transfers, {PINGS} pings", flush=True)
    for rnd in range(ROUNDS):
        for card in CARDS:
            # Alternate which emulator goes first, round by round.
            for emu in (emus if rnd % 2 == 0 else emus[::-1]):
                for backend in BACKENDS:
                    try:
                        if backend == "slirp":
                            bench_slirp(emu, card, src, results[card][emu])
                        elif backend == "socket":
                            bench_socket(emu, card, results[card][emu])
                    except BenchError as e:
                        # Reported, and the table is made from what was measured.
                        failures += 1
                        print(f"bench/net: {backend}: {e}", flush=True)
        print(f"bench/net: round {rnd + 1} of {ROUNDS} done", flush=True)
    src.shutdown()
    print(f"{'card':9} {'metric':18} {'cardcage':>9} {'qemu':>9} {'ratio':>6}  bar" +
          ("   baseline  ratio" if BASELINE else ""))
    for card in CARDS:
        cc = results[card][CARDCAGE]
        for metric in cc:
            mc = statistics.median(cc[metric])
            line = f"{card:9} {metric:18} {mc:9.2f}"
            if qemu and results[card][qemu].get(metric):
                mq = statistics.median(results[card][qemu][metric])
                ratio = mc / mq
                ok = ratio <= 1.25 if metric.endswith(" ms") else ratio >= 0.8
                # The loopback echo is no card's: shown, not held to a bar.
                bar = "-    " if " lo " in metric else "ok   " if ok else "UNDER"
                line += f" {mq:9.2f} {ratio:6.2f}  {bar}"
                if BASELINE and results[card][BASELINE].get(metric):
                    mb = statistics.median(results[card][BASELINE][metric])
                    line += f" {mb:9.2f} {mb / mq:6.2f}"
            print(line)
    sys.stdout.flush()
    if failures:
        sys.exit(f"bench/net: {failures} runs failed (above)")


if __name__ == "__main__":
    main()
