"""What the display tests share: a machine with its COM1 on our pipes and
QMP on a socket, and reading the binary PPM pictures `screendump` writes."""
import os
import re
import select
import subprocess
import time

from qmplib import QMP


def read_ppm(path):
    """(width, height, RGB bytes) of a binary PPM with maxval 255."""
    data = open(path, "rb").read()
    m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", data)
    if not m:
        raise ValueError(f"{path}: not a binary PPM")
    w, h = int(m.group(1)), int(m.group(2))
    px = data[m.end():]
    if len(px) != w * h * 3:
        raise ValueError(f"{path}: {len(px)} bytes of pixels for {w}x{h}")
    return w, h, px


class Machine:
    """An emulator with its COM1 on our pipes and QMP on a socket in D."""

    def __init__(self, argv, d, name="machine"):
        os.makedirs(d, exist_ok=True)
        self.sock = os.path.join(d, name + ".qmp")
        self.proc = subprocess.Popen(argv + ["-serial", "stdio", "-qmp",
                                             f"unix:{self.sock},server=on,wait=off"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.out = b""
        self.qmp = QMP.connect_unix(self.sock)
        self.qmp.negotiate()

    def wait_serial(self, text, timeout=60):
        end = time.monotonic() + timeout
        while text.encode() not in self.out:
            left = end - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                return False
            r, _, _ = select.select([self.proc.stdout], [], [], left)
            if r:
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    return False
                self.out += chunk
        return True

    def send(self, b):
        self.proc.stdin.write(b)
        self.proc.stdin.flush()

    def dump(self, path, fmt="ppm"):
        r = self.qmp.cmd("screendump", {"filename": path, "format": fmt})
        return r == {"return": {}}, r

    def close(self):
        try:
            self.qmp.cmd("quit")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.qmp.close()
