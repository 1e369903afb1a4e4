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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blockservers import iscsi_server, nbd_server, why_not_iscsi, why_not_nbd  # noqa: E402


if why_not_nbd(BUILD) and why_not_iscsi(BUILD):
    print(f"{why_not_nbd(BUILD)}; {why_not_iscsi(BUILD)}: skipped")
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
        with nbd_server(img, sock):
            status, err = run(tmp, *disk)
        check(f"{name}: write, flush, read back", status == PASS and not err.strip(),
              f"status {status}, stderr {err[-300:]!r}")
        check(f"{name}: the sector is in the served file", sector(img, 1) == PATTERN)

    t0 = time.monotonic()
    status, err = run(tmp, "-drive", f"file=nbd+unix:///disk?socket={sock},if=none,id=d0")
    lines = [ln for ln in err.splitlines() if ln.strip()]
    check("dead server: a start-up error of one line",
          status not in (None, 0, PASS) and len(lines) == 1 and "nbd" in lines[0],
          f"status {status}, stderr {err!r}")
    check("dead server: promptly", time.monotonic() - t0 < 20)
    print("dead server:", lines[0] if lines else "")


def test_iscsi(tmp):
    img = os.path.join(tmp, "lun.img")
    with open(img, "wb") as f:
        f.write(bytes(64 * 1024))
    try:
        with iscsi_server(img) as url:
            status, err = run(tmp, "-drive", f"file={url},format=raw,if=none,id=d0")
    except RuntimeError as e:
        check("tgtd: the target is set up", False, str(e))
        return
    check("-drive iscsi URL: write, flush, read back", status == PASS and not err.strip(),
          f"status {status}, stderr {err[-300:]!r}")
    check("-drive iscsi URL: the sector is in the LUN's file", sector(img, 1) == PATTERN)


with tempfile.TemporaryDirectory() as tmp:
    for name, why, fn in (("nbd", why_not_nbd(BUILD), test_nbd),
                          ("iscsi", why_not_iscsi(BUILD), test_iscsi)):
        if why:
            print(f"{name}: {why}: skipped")
        else:
            fn(tmp)
sys.exit(1 if failures else 0)
