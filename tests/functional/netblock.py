#!/usr/bin/env python3
"""The nbd and iscsi plugins from a guest, through the emulator's command line: the
block-io guest (guest/block-io.asm) writes, flushes and reads back a sector
of the block-testdev disk whose drive is an NBD export served by qemu-nbd
from a raw file, named by -drive file=nbd+unix://... and by -blockdev
driver=nbd,server.*; the sector is then in the host's file.  A dead server
is one clear line at start-up, promptly.  The same guest on an iSCSI LUN
served by tgtd (as root).  Each part skips, saying why, without its server
(qemu-utils, tgt), root (tgtd) or plugin (libnbd-dev, libiscsi-dev)."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

BUILD = os.environ["CARDCAGE_BUILD_ROOT"]
CARDCAGE = os.path.join(BUILD, "cardcage")
GUEST = os.path.join(BUILD, "tests", "functional", "block-io.bin")
PLUGIN_DIR = os.path.join(BUILD, "tests", "plugins", "block")
PASS = 67
PATTERN = bytes((i ^ 0x5a) & 0xff for i in range(512))
failures = 0

SBIN = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])


def why_not_nbd():
    if not shutil.which("qemu-nbd"):
        return "qemu-nbd is not installed (package qemu-utils)"
    if not os.path.exists(os.path.join(BUILD, "plugins", "nbd", "nbd.so")):
        return "the nbd plugin was not built (libnbd-dev missing)"
    return None


def why_not_iscsi():
    if not shutil.which("tgtd", path=SBIN) or not shutil.which("tgtadm", path=SBIN):
        return "tgtd is not installed (package tgt)"
    if os.geteuid() != 0:
        return "tgtd needs root"
    if not os.path.exists(os.path.join(BUILD, "plugins", "iscsi", "iscsi.so")):
        return "the iscsi plugin was not built (libiscsi-dev missing)"
    return None


if why_not_nbd() and why_not_iscsi():
    print(f"{why_not_nbd()}; {why_not_iscsi()}: skipped")
    sys.exit(77)


def check(name, ok, detail=""):
    global failures
    print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f": {detail}" if not ok else ""))
    failures += not ok


def run(tmp, *disk):
    argv = [CARDCAGE, "-M", "isapc", "-display", "none", "-serial", "null", "-no-reboot",
            "-L", PLUGIN_DIR, "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
            "-debugcon", f"file:{os.path.join(tmp, 'debugcon.txt')}",
            *disk, "-device", "block-testdev,drive=d0", "-kernel", GUEST]
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=60)
        return p.returncode, p.stderr
    except subprocess.TimeoutExpired:
        return None, "timeout"


def serve(tmp, img, sock):
    srv = subprocess.Popen(["qemu-nbd", "-t", "-e", "4", "-f", "raw", "-x", "disk",
                            "-k", sock, img], stdin=subprocess.DEVNULL)
    for _ in range(200):
        if os.path.exists(sock):
            return srv
        time.sleep(0.05)
    srv.kill()
    raise RuntimeError("qemu-nbd did not start")


def sector(path, n):
    with open(path, "rb") as f:
        f.seek(n * 512)
        return f.read(512)


def test_nbd(tmp):
    img = os.path.join(tmp, "disk.img")
    sock = os.path.join(tmp, "nbd.sock")
    for name, disk in (
            ("-drive nbd+unix URL", ["-drive",
                                     f"file=nbd+unix:///disk?socket={sock},if=none,id=d0"]),
            ("-blockdev driver=nbd", ["-blockdev",
                                      f"driver=nbd,node-name=d0,server.type=unix,"
                                      f"server.path={sock},export=disk"])):
        with open(img, "wb") as f:
            f.write(bytes(64 * 1024))
        srv = serve(tmp, img, sock)
        try:
            status, err = run(tmp, *disk)
        finally:
            srv.terminate()
            srv.wait()
        check(f"{name}: write, flush, read back", status == PASS and not err.strip(),
              f"status {status}, stderr {err[-300:]!r}")
        check(f"{name}: the sector is in the served file", sector(img, 1) == PATTERN)
        os.unlink(sock) if os.path.exists(sock) else None

    t0 = time.monotonic()
    status, err = run(tmp, "-drive", f"file=nbd+unix:///disk?socket={sock},if=none,id=d0")
    lines = [ln for ln in err.splitlines() if ln.strip()]
    check("dead server: a start-up error of one line",
          status not in (None, 0, PASS) and len(lines) == 1 and "nbd" in lines[0],
          f"status {status}, stderr {err!r}")
    check("dead server: promptly", time.monotonic() - t0 < 20)
    print("dead server:", lines[0] if lines else "")


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tgtadm(ctl, *args):
    return subprocess.run([shutil.which("tgtadm", path=SBIN), "-C", str(ctl), "--lld", "iscsi",
                           *args], capture_output=True, text=True).returncode == 0


def test_iscsi(tmp):
    img = os.path.join(tmp, "lun.img")
    with open(img, "wb") as f:
        f.write(bytes(64 * 1024))
    port, ctl = free_port(), 1000 + os.getpid() % 30000
    iqn = "iqn.2026-12.invalid.cardcage:guest"
    srv = subprocess.Popen([shutil.which("tgtd", path=SBIN), "-f", "-C", str(ctl), "--iscsi",
                            f"portal=127.0.0.1:{port}"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if tgtadm(ctl, "--op", "new", "--mode", "target", "--tid", "1", "-T", iqn):
                break
            time.sleep(0.1)
        ok = (tgtadm(ctl, "--op", "new", "--mode", "logicalunit", "--tid", "1", "--lun", "1",
                     "-b", img) and
              tgtadm(ctl, "--op", "bind", "--mode", "target", "--tid", "1", "-I", "ALL"))
        check("tgtd: the target is set up", ok)
        status, err = run(tmp, "-drive", f"file=iscsi://127.0.0.1:{port}/{iqn}/1,format=raw,"
                          "if=none,id=d0")
        check("-drive iscsi URL: write, flush, read back", status == PASS and not err.strip(),
              f"status {status}, stderr {err[-300:]!r}")
        check("-drive iscsi URL: the sector is in the LUN's file", sector(img, 1) == PATTERN)
    finally:
        srv.kill()   # tgtd ignores SIGTERM while it has targets; nothing to save
        srv.wait()


with tempfile.TemporaryDirectory() as tmp:
    for name, why, fn in (("nbd", why_not_nbd(), test_nbd),
                          ("iscsi", why_not_iscsi(), test_iscsi)):
        if why:
            print(f"{name}: {why}: skipped")
        else:
            fn(tmp)
sys.exit(1 if failures else 0)
