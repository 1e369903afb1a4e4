"""A small RFB (VNC) client for the tests, written from RFC 6143: the
3.8 handshake with no authentication or VNC authentication, raw
rectangles and the DesktopSize pseudo-encoding, key and pointer events.
DES for VNC authentication comes from the openssl command (its legacy
provider): Python has no DES of its own."""
import socket
import struct
import subprocess
import threading
import time

ENC_RAW = 0
ENC_DESKTOP_SIZE = -223


class RFBError(Exception):
    pass


def des_encrypt(key8, data):
    """DES-ECB of data (a multiple of 8 bytes) under key8, by openssl."""
    p = subprocess.run(["openssl", "enc", "-des-ecb", "-nopad", "-K", key8.hex(),
                        "-provider", "legacy", "-provider", "default"],
                       input=data, capture_output=True, timeout=10)
    if p.returncode != 0 or len(p.stdout) != len(data):
        raise RFBError("openssl des-ecb failed: " + p.stderr.decode(errors="replace"))
    return p.stdout


def vnc_key(password):
    """The DES key of a VNC password: 8 bytes, zero padded, each byte's
    bits reversed (RFC 6143 section 7.2.2, errata; what every VNC does)."""
    raw = password.encode()[:8].ljust(8, b"\0")
    return bytes(int(f"{b:08b}"[::-1], 2) for b in raw)


class RFBClient:
    def __init__(self, sock, timeout=20):
        self.s = sock
        self.s.settimeout(timeout)
        self.width = self.height = 0
        self.fb = bytearray()
        self.resizes = []
        self.rects = 0
        self.last_area = 0           # pixels in the last update's rectangles

    @classmethod
    def tcp(cls, port, host="127.0.0.1", timeout=20):
        return cls(socket.create_connection((host, port), timeout=timeout), timeout)

    @classmethod
    def unix(cls, path, timeout=20):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(path)
        return cls(s, timeout)

    def close(self):
        self.s.close()

    def recv(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise RFBError(f"connection closed after {len(buf)} of {n} bytes")
            buf += chunk
        return buf

    def handshake(self, password=None, shared=True):
        """Protocol version, security, ClientInit, ServerInit.  Raises
        RFBError (with the server's reason) when authentication fails."""
        version = self.recv(12)
        if not version.startswith(b"RFB 003."):
            raise RFBError(f"not an RFB server: {version!r}")
        self.s.sendall(b"RFB 003.008\n")
        n = self.recv(1)[0]
        if n == 0:
            reason = self.recv(struct.unpack(">I", self.recv(4))[0])
            raise RFBError("server refused: " + reason.decode(errors="replace"))
        types = self.recv(n)
        if 2 in types and password is not None:
            self.s.sendall(b"\x02")
            challenge = self.recv(16)
            self.s.sendall(des_encrypt(vnc_key(password), challenge))
        elif 1 in types:
            self.s.sendall(b"\x01")
        else:
            raise RFBError(f"no usable security type in {list(types)}")
        result = struct.unpack(">I", self.recv(4))[0]
        if result != 0:
            reason = b""
            try:
                reason = self.recv(struct.unpack(">I", self.recv(4))[0])
            except (RFBError, OSError):
                pass
            raise RFBError("authentication failed: " + reason.decode(errors="replace"))
        self.s.sendall(b"\x01" if shared else b"\x00")
        w, h = struct.unpack(">HH", self.recv(4))
        pf = self.recv(16)
        (self.bpp, self.depth, self.big_endian, self.true_colour, self.rmax, self.gmax,
         self.bmax, self.rshift, self.gshift, self.bshift) = struct.unpack(">BBBBHHHBBB", pf[:13])
        self.name = self.recv(struct.unpack(">I", self.recv(4))[0]).decode(errors="replace")
        self._resize(w, h)
        # 32-bit true colour, little endian, red in the low byte: what the
        # server sends by default too; set explicitly so the test knows.
        self.s.sendall(struct.pack(">B3xBBBBHHHBBB3x", 0, 32, 24, 0, 1, 255, 255, 255,
                                   0, 8, 16))
        encs = [ENC_RAW, ENC_DESKTOP_SIZE]
        self.s.sendall(struct.pack(">BxH", 2, len(encs)) +
                       b"".join(struct.pack(">i", e) for e in encs))

    def _resize(self, w, h):
        self.width, self.height = w, h
        self.fb = bytearray(w * h * 4)

    def request(self, incremental=True):
        self.s.sendall(struct.pack(">BBHHHH", 3, 1 if incremental else 0, 0, 0,
                                   self.width, self.height))

    def read_update(self):
        """Read server messages up to and including one FramebufferUpdate;
        returns the number of rectangles it had."""
        while True:
            t = self.recv(1)[0]
            if t == 0:
                break
            if t == 1:          # SetColourMapEntries
                _, first, n = struct.unpack(">BHH", self.recv(5))
                self.recv(6 * n)
            elif t == 2:        # Bell
                pass
            elif t == 3:        # ServerCutText
                self.recv(3)
                self.recv(struct.unpack(">I", self.recv(4))[0])
            else:
                raise RFBError(f"unexpected server message type {t}")
        _, n = struct.unpack(">BH", self.recv(3))
        self.last_area = 0
        for _ in range(n):
            x, y, w, h, enc = struct.unpack(">HHHHi", self.recv(12))
            if enc == ENC_DESKTOP_SIZE:
                self._resize(w, h)
                self.resizes.append((w, h))
            elif enc == ENC_RAW:
                self.last_area += w * h
                data = self.recv(w * h * 4)
                if x + w > self.width or y + h > self.height:
                    raise RFBError(f"rectangle {w}x{h}+{x}+{y} outside {self.width}x{self.height}")
                for row in range(h):
                    o = ((y + row) * self.width + x) * 4
                    self.fb[o:o + w * 4] = data[row * w * 4:(row + 1) * w * 4]
            else:
                raise RFBError(f"encoding {enc} not asked for")
            self.rects += 1
        return n

    def update(self, incremental=True, timeout=10):
        """Ask for an update and read it (a resize may need a second)."""
        self.s.settimeout(timeout)
        self.request(incremental)
        return self.read_update()

    def rgb(self):
        """The picture as packed RGB, as a binary PPM's pixels."""
        out = bytearray(self.width * self.height * 3)
        out[0::3] = self.fb[0::4]
        out[1::3] = self.fb[1::4]
        out[2::3] = self.fb[2::4]
        return bytes(out)

    def drain(self):
        """From now on read and drop whatever the server sends (in a
        thread), as a viewer that keeps reading does: a client that asked
        for updates and stops reading gets dropped by the server."""
        def run():
            try:
                while self.s.recv(65536):
                    pass
            except OSError:
                pass
        self.s.settimeout(None)
        threading.Thread(target=run, daemon=True).start()

    def key(self, keysym, down):
        self.s.sendall(struct.pack(">BBxxI", 4, 1 if down else 0, keysym))

    def tap(self, keysym, pause=0.05):
        self.key(keysym, True)
        time.sleep(pause)
        self.key(keysym, False)
        time.sleep(pause)

    def pointer(self, mask, x, y):
        self.s.sendall(struct.pack(">BBHH", 5, mask, x, y))
