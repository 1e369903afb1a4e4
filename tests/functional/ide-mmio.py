#!/usr/bin/env python3
"""mmio-ide on the mmio-ide-test board: a small Multiboot guest
(guest/mmio-ide.asm) identifies the disk through the MMIO registers, writes
a sector, reads a sector the host prepared and the written one back; the
host then finds the pattern at LBA 5 of the image and nothing else
changed.  Also: the board refuses a drive on the bus it has no channel for."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cctest import BUILD, CARDCAGE, check, status  # noqa: E402

GUEST = os.path.join(BUILD, "tests", "functional", "mmio-ide.bin")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        img = os.path.join(tmp, "disk.img")
        data = bytearray(os.urandom(1 << 20))
        data[6 * 512:7 * 512] = b"\xc5" * 512
        with open(img, "wb") as f:
            f.write(data)
        p = subprocess.run([CARDCAGE, "-M", "mmio-ide-test", "-display", "none", "-kernel", GUEST,
                            "-drive", f"file={img},format=raw,if=ide,index=0"],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
        check("guest identified, wrote and read back over mmio-ide (status 67)",
              p.returncode == 67, f"status {p.returncode}, stderr {p.stderr[-500:]!r}")
        got = open(img, "rb").read()
        want = bytearray(data)
        want[5 * 512:6 * 512] = bytes((i & 0xff) ^ 0x3c for i in range(512))
        check("the image holds the pattern at LBA 5 and is otherwise unchanged", got == want)
        p = subprocess.run([CARDCAGE, "-M", "mmio-ide-test", "-display", "none", "-kernel", GUEST,
                            "-drive", f"file={img},format=raw,if=ide,index=2"],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
        check("a drive on IDE bus 1, which the board lacks, is refused",
              p.returncode == 1 and "no device of this board" in p.stderr, p.stderr[-300:])
    return status()


if __name__ == "__main__":
    sys.exit(main())
