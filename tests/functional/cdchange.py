#!/usr/bin/env python3
"""A CD-ROM medium change seen by Linux: the guest (ide.py's initramfs,
init-disk.sh's cdchange mode) mounts the ISO in /dev/sr0 and prints the
md5 of a file on it; the host then opens the tray with QMP `eject` and
puts a second ISO in with `blockdev-change-medium`, and checks the
DEVICE_TRAY_MOVED events (open, then closed); the guest, which keeps
mounting the drive, sees the medium change (UNIT ATTENTION, GET EVENT
STATUS) and prints the second ISO's file with its md5.

  --qemu   runs the same on qemu-system-i386, showing the test is right.

Skips (77) when the guest has not been fetched or xorriso is missing,
unless CARDCAGE_REQUIRE_GUESTS=1."""
import hashlib
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cctest import APPEND, CARDCAGE, KERNEL, check, require_guest, status  # noqa: E402
from cctest import fail_now as fail, skip_unless_required as skip  # noqa: E402
from ide import build_initramfs  # noqa: E402
from qmplib import QMP, running  # noqa: E402

TIMEOUT = 120
# QEMU's name for -cdrom's drive: the secondary master.
CD = "ide1-cd0"


def make_iso(tmp, ident, seed):
    """An ISO 9660 image with /id (its number) and /data.bin (random
    bytes); returns its path and the md5 of data.bin."""
    root = os.path.join(tmp, f"iso{ident}")
    os.makedirs(root)
    data = random.Random(seed).randbytes(300 * 1024 + seed)
    with open(os.path.join(root, "data.bin"), "wb") as f:
        f.write(data)
    with open(os.path.join(root, "id"), "w") as f:
        f.write(f"{ident}\n")
    path = os.path.join(tmp, f"cd{ident}.iso")
    p = subprocess.run(["xorriso", "-as", "mkisofs", "-quiet", "-o", path, "-R",
                        "-V", f"CARDCAGE_CD{ident}", root],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    if p.returncode or not os.path.exists(path):
        fail(f"xorriso: {p.stderr}")
    return path, hashlib.md5(data).hexdigest()


class Console:
    """The guest's serial console (stdout) gathered by a thread."""

    def __init__(self, f):
        self.text = b""
        self.lock = threading.Lock()
        self.t = threading.Thread(target=self._read, args=(f,), daemon=True)
        self.t.start()

    def _read(self, f):
        for chunk in iter(lambda: f.read1(4096), b""):
            with self.lock:
                self.text += chunk

    def wait(self, pattern, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                m = re.search(pattern, self.text.decode("utf-8", "replace"), re.M)
            if m:
                return m
            time.sleep(0.05)
        return None

    def tail(self):
        with self.lock:
            return self.text.decode("utf-8", "replace")[-3000:]


def main():
    args = sys.argv[1:]
    emulator = CARDCAGE
    if "--qemu" in args:
        emulator = shutil.which("qemu-system-i386")
        if not emulator:
            print("SKIP: qemu-system-i386 not installed")
            return 77
    name = "qemu" if "--qemu" in args else "cardcage"
    require_guest(fail)
    if not shutil.which("xorriso"):
        skip("xorriso not installed (Debian package xorriso)")
    with tempfile.TemporaryDirectory() as tmp:
        initrd = build_initramfs(tmp)
        iso1, md5_1 = make_iso(tmp, 1, 1)
        iso2, md5_2 = make_iso(tmp, 2, 2)
        sock = os.path.join(tmp, "qmp.sock")
        cmd = [emulator, "-M", "pc", "-m", "256", "-nographic", "-no-reboot",
               "-kernel", KERNEL, "-initrd", initrd,
               "-append", f"{APPEND} cardcage.ata=ata_piix cardcage.cdchange=1",
               "-cdrom", iso1, "-qmp", f"unix:{sock},server=on,wait=off"]
        print(f"     {' '.join(cmd)}")
        t0 = time.monotonic()
        with running(cmd, stdout=subprocess.PIPE) as proc:
            con = Console(proc.stdout)
            qmp = QMP.connect_unix(sock)
            qmp.negotiate()
            m = con.wait(r"^CARDCAGE-CDFILE: 1 (\w+)", TIMEOUT)
            print(f"     first ISO read after {time.monotonic() - t0:.1f} s")
            check(f"{name}: the guest read data.bin of the first ISO",
                  m is not None and m.group(1) == md5_1,
                  m.group(0) if m else con.tail())
            if not m:
                return status()
            # The guest locks the tray while it has the disc mounted: a
            # refused eject is tried again (it unmounts every turn).
            for _ in range(200):
                r = qmp.cmd("eject", {"device": CD})
                if "return" in r:
                    break
                time.sleep(0.05)
            check(f"{name}: eject", "return" in r, str(r))
            ev = qmp.wait_event("DEVICE_TRAY_MOVED")
            check(f"{name}: DEVICE_TRAY_MOVED tray-open true after eject",
                  ev is not None and ev["data"].get("tray-open") is True, str(ev))
            r = qmp.cmd("blockdev-change-medium",
                        {"device": CD, "filename": iso2, "format": "raw"})
            check(f"{name}: blockdev-change-medium", "return" in r, str(r))
            ev = qmp.wait_event("DEVICE_TRAY_MOVED")
            check(f"{name}: DEVICE_TRAY_MOVED tray-open false after the new medium",
                  ev is not None and ev["data"].get("tray-open") is False, str(ev))
            m = con.wait(r"^CARDCAGE-CDFILE: 2 (\w+)", TIMEOUT)
            print(f"     second ISO read after {time.monotonic() - t0:.1f} s")
            check(f"{name}: the guest read data.bin of the second ISO",
                  m is not None and m.group(1) == md5_2,
                  m.group(0) if m else con.tail())
            done = con.wait(r"^CARDCAGE-DONE", 30)
            check(f"{name}: the guest finished in {time.monotonic() - t0:.1f} s",
                  done is not None, con.tail())
            qmp.close()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                pass
    return status()


if __name__ == "__main__":
    sys.exit(main())
