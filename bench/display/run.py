#!/usr/bin/env python3
"""Host CPU the display costs on an idle text screen, cardcage against QEMU.

  bench/display/run.py [BUILD_DIR] [SECONDS]

Both emulators run the pc board with the standard VGA to SeaBIOS's "No
bootable device." screen (text mode 3, the CPU halted, the cursor
blinking), then the emulator's CPU time (user + system, /proc/PID/stat) is
measured over SECONDS (default 10) of wall time in three setups:

  none       -display none, no VNC: nobody looks at the screen
  vnc-idle   -vnc 127.0.0.1:N, no client connected
  vnc-client -vnc, one RFB client (tests/functional/rfbclient.py, raw
             encoding) asking for incremental updates without pause

Prints the CPU use in percent of one core and, for the client, the updates
and bytes it received.  Skips (77) without qemu-system-i386.
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "functional"))
from rfbclient import RFBClient  # noqa: E402

build = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CARDCAGE_BUILD_ROOT", "build")
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
CARDCAGE = os.path.join(build, "cardcage")
QEMU = shutil.which("qemu-system-i386")
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK      # utime, stime


def free_display():
    for n in range(70, 400):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", 5900 + n))
            return n
        except OSError:
            continue
        finally:
            s.close()
    raise RuntimeError("no free port")


def wait_log(path, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if os.path.exists(path) and b"No bootable device" in open(path, "rb").read():
            return True
        time.sleep(0.2)
    return False


class Reader(threading.Thread):
    """Incremental updates, one after the other, until told to stop."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.c = RFBClient.tcp(port)
        self.c.handshake()
        self.c.update(incremental=False)
        self.updates = self.bytes = 0
        self.stop = False

    def run(self):
        while not self.stop:
            before = self.c.rects
            try:
                self.c.update(incremental=True, timeout=1)
            except (socket.timeout, OSError):
                continue
            self.updates += 1
            self.bytes += (self.c.rects - before)


def measure(name, argv, log, vnc_port):
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        if not wait_log(log):
            return None
        time.sleep(1.0)
        reader = Reader(vnc_port) if vnc_port else None
        if reader:
            reader.start()
            time.sleep(0.5)
        c0, t0 = cpu_seconds(p.pid), time.monotonic()
        time.sleep(seconds)
        c1, t1 = cpu_seconds(p.pid), time.monotonic()
        extra = ""
        if reader:
            reader.stop = True
            reader.join(3)
            extra = f", client got {reader.updates} updates ({reader.bytes} rectangles)"
            reader.c.close()
        return 100.0 * (c1 - c0) / (t1 - t0), extra
    finally:
        p.kill()
        p.wait()


def main():
    if not QEMU:
        print("SKIP qemu-system-i386 not installed")
        return 77
    d = tempfile.mkdtemp(prefix="cardcage-bench-display-")
    results = []
    try:
        for emu in ("cardcage", "qemu"):
            for setup in ("none", "vnc-idle", "vnc-client"):
                log = os.path.join(d, f"{emu}-{setup}.log")
                n = free_display()
                vnc = [] if setup == "none" else ["-vnc", f"127.0.0.1:{n}"]
                if emu == "cardcage":
                    argv = [CARDCAGE, "-M", "pc", "-display", "none", *vnc,
                            "-chardev", f"file,id=bios,path={log}",
                            "-set", "bios-debug.chardev=bios"]
                else:
                    argv = [QEMU, "-M", "pc", "-accel", "tcg", "-display", "none", "-nodefaults",
                            "-vga", "std", "-global", "apic-common.vapic=off", *vnc,
                            "-chardev", f"file,id=bios,path={log}",
                            "-device", "isa-debugcon,iobase=0x402,chardev=bios"]
                r = measure(f"{emu} {setup}", argv, log,
                            5900 + n if setup == "vnc-client" else None)
                if r is None:
                    print(f"{emu:9} {setup:11} did not reach the boot screen")
                    continue
                results.append((emu, setup, r[0]))
                print(f"{emu:9} {setup:11} {r[0]:6.2f} % of a core{r[1]}", flush=True)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
