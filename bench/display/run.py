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
  sdl        -display sdl, the window on an Xvfb server (skipped without
             Xvfb; QEMU's needs its SDL module, Debian's qemu-system-gui);
             the X server's CPU time is printed beside the emulator's

The setups alternate between the emulators, RUNS times (default 3), and
the medians and their ratio are printed.  SETUPS=sdl,vnc-idle runs only
those; IDLE_ONLY=1 leaves out the redraw loop below.

Prints the CPU use in percent of one core and, for the client, the updates
and bytes it received.

Then the full-screen redraw: the Multiboot guest display-redraw.bin
(tests/functional/guest/display-redraw.asm) fills a 640x480x32 VBE screen
2000 times; the time between its REDRAW-START and REDRAW-END lines on COM1
is measured on both emulators, with nobody watching (-display none) and
with an RFB client asking for updates without pause.  The runs alternate
between the emulators (RUNS each, default 3); prints the medians and the
ratio cardcage/QEMU (lower is better; the bar is 1.0).
Skips (77) without qemu-system-i386.
"""
import os
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "functional"))
from rfbclient import RFBClient, RFBError  # noqa: E402
from qmplib import QMP  # noqa: E402
from xvfb import Xvfb  # noqa: E402

build = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CARDCAGE_BUILD_ROOT", "build")
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
CARDCAGE = os.path.join(build, "cardcage")
REDRAW = os.path.join(build, "tests", "functional", "display-redraw.bin")
RUNS = int(os.environ.get("RUNS", "3"))
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
            except RFBError:
                break               # the emulator ended
            self.updates += 1
            self.bytes += (self.c.rects - before)


def measure(name, argv, log, vnc_port, env=None, other_pid=None):
    """(% of a core the emulator used, a note, % of a core other_pid
    used meanwhile or None)."""
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, env=env)
    try:
        if not wait_log(log):
            return None
        time.sleep(1.0)
        reader = Reader(vnc_port) if vnc_port else None
        if reader:
            reader.start()
            time.sleep(0.5)
        o0 = cpu_seconds(other_pid) if other_pid else 0
        c0, t0 = cpu_seconds(p.pid), time.monotonic()
        time.sleep(seconds)
        c1, t1 = cpu_seconds(p.pid), time.monotonic()
        o1 = cpu_seconds(other_pid) if other_pid else 0
        extra = ""
        if reader:
            reader.stop = True
            reader.join(3)
            extra = f", client got {reader.updates} updates ({reader.bytes} rectangles)"
            reader.c.close()
        other = 100.0 * (o1 - o0) / (t1 - t0) if other_pid else None
        return 100.0 * (c1 - c0) / (t1 - t0), extra, other
    finally:
        p.kill()
        p.wait()


def read_until(p, text, out, timeout):
    """Reads P's stdout into OUT until TEXT shows; the time it did, or None."""
    end = time.monotonic() + timeout
    while text not in out[0]:
        left = end - time.monotonic()
        if left <= 0 or p.poll() is not None:
            return None
        r, _, _ = select.select([p.stdout], [], [], left)
        if r:
            chunk = os.read(p.stdout.fileno(), 4096)
            if not chunk:
                return None
            out[0] += chunk
    return time.monotonic()


def redraw(emu, watched, d):
    """Seconds of the guest's redraw loop, or None."""
    n = free_display()
    sock = os.path.join(d, f"{emu}.qmp")
    vnc = ["-vnc", f"127.0.0.1:{n}"] if watched else ["-display", "none"]
    common = ["-M", "pc", "-m", "64", "-S", "-kernel", REDRAW, "-serial", "stdio",
              "-qmp", f"unix:{sock},server=on,wait=off", *vnc]
    if emu == "cardcage":
        argv = [CARDCAGE, *common, "-nic", "none", "-boot", "kernel=firmware"]
    else:
        argv = [QEMU, "-accel", "tcg", *common, "-nodefaults", "-vga", "std",
                "-global", "apic-common.vapic=off",
                "-device", "isa-debug-exit,iobase=0xf4,iosize=4"]
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    reader = None
    try:
        q = QMP.connect_unix(sock)
        q.negotiate()
        if watched:
            reader = Reader(5900 + n)
            reader.start()
        q.cmd("cont")
        out = [b""]
        t0 = read_until(p, b"REDRAW-START", out, 120)
        t1 = read_until(p, b"REDRAW-END", out, 300) if t0 else None
        q.close()
        return (t1 - t0, reader.updates if reader else 0) if t1 else None
    finally:
        if reader:
            reader.stop = True
            reader.join(3)
            reader.c.close()
        p.kill()
        p.wait()


def redraw_bench(d):
    if not os.path.exists(REDRAW):
        print(f"redraw: {REDRAW} is not built; skipped")
        return
    for watched in (False, True):
        times = {"cardcage": [], "qemu": []}
        updates = {"cardcage": [], "qemu": []}
        for _ in range(RUNS):
            for emu in ("cardcage", "qemu"):
                r = redraw(emu, watched, d)
                if r is None:
                    print(f"redraw {emu}: the guest did not finish its loop")
                    continue
                times[emu].append(r[0])
                updates[emu].append(r[1])
        if not times["cardcage"] or not times["qemu"]:
            continue
        mc, mq = statistics.median(times["cardcage"]), statistics.median(times["qemu"])
        label = "vnc-client" if watched else "unwatched"
        extra = ""
        if watched:
            extra = (f"; client updates cardcage {statistics.median(updates['cardcage'])}"
                     f", qemu {statistics.median(updates['qemu'])}")
        print(f"redraw {label:10} cardcage {mc:6.2f} s  qemu {mq:6.2f} s  ratio {mc / mq:.2f}"
              f"  (2000 frames of 640x480x32, medians of {RUNS}{extra})", flush=True)


def idle_argv(emu, setup, log, n, xvfb):
    """The command line and environment of one idle-screen run."""
    front = {"none": ["-display", "none"],
             "vnc-idle": ["-display", "none", "-vnc", f"127.0.0.1:{n}"],
             "vnc-client": ["-display", "none", "-vnc", f"127.0.0.1:{n}"],
             "sdl": ["-display", "sdl"]}[setup]
    env = xvfb.env() if setup == "sdl" else None
    if emu == "cardcage":
        return [CARDCAGE, "-M", "pc", *front, "-chardev", f"file,id=bios,path={log}",
                "-set", "bios-debug.chardev=bios"], env
    return [QEMU, "-M", "pc", "-accel", "tcg", *front, "-nodefaults",
            "-vga", "std", "-global", "apic-common.vapic=off",
            "-chardev", f"file,id=bios,path={log}",
            "-device", "isa-debugcon,iobase=0x402,chardev=bios"], env


def qemu_has_sdl():
    p = subprocess.run([QEMU, "-display", "help"], capture_output=True, text=True, timeout=30)
    return "\nsdl" in p.stdout


def idle_bench(d, xvfb):
    setups = ["none", "vnc-idle", "vnc-client"] + (["sdl"] if xvfb else [])
    if os.environ.get("SETUPS"):
        setups = [x for x in os.environ["SETUPS"].split(",") if x in setups]
    for setup in setups:
        use = {"cardcage": [], "qemu": []}
        xuse = {"cardcage": [], "qemu": []}
        extra = {}
        for i in range(RUNS):
            for emu in ("cardcage", "qemu"):
                if setup == "sdl" and emu == "qemu" and not qemu_has_sdl():
                    continue
                log = os.path.join(d, f"{emu}-{setup}-{i}.log")
                n = free_display()
                argv, env = idle_argv(emu, setup, log, n, xvfb)
                xpid = xvfb.proc.pid if setup == "sdl" else None
                r = measure(f"{emu} {setup}", argv, log,
                            5900 + n if setup == "vnc-client" else None, env, xpid)
                if r is None:
                    print(f"{emu:9} {setup:11} did not reach the boot screen", flush=True)
                    continue
                use[emu].append(r[0])
                extra[emu] = r[1]
                if r[2] is not None:
                    xuse[emu].append(r[2])
        line = f"idle {setup:11}"
        for emu in ("cardcage", "qemu"):
            if use[emu]:
                line += f"  {emu} {statistics.median(use[emu]):5.2f} %"
                if xuse[emu]:
                    line += f" (+Xvfb {statistics.median(xuse[emu]):4.2f} %)"
            else:
                line += f"  {emu}   n/a"
        if use["cardcage"] and use["qemu"] and statistics.median(use["qemu"]) > 0:
            line += f"  ratio {statistics.median(use['cardcage']) / statistics.median(use['qemu']):.2f}"
        print(f"{line}  (% of a core, medians of {RUNS}){extra.get('cardcage', '')}", flush=True)


def main():
    if not QEMU:
        print("SKIP qemu-system-i386 not installed")
        return 77
    d = tempfile.mkdtemp(prefix="cardcage-bench-display-")
    xvfb = None
    try:
        if shutil.which("Xvfb"):
            xvfb = Xvfb(d)
        else:
            print("sdl: Xvfb not installed; skipped")
        idle_bench(d, xvfb)
        if os.environ.get("IDLE_ONLY") != "1":
            redraw_bench(d)
    finally:
        if xvfb:
            xvfb.close()
        shutil.rmtree(d, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
