"""A small QMP client for the functional tests and bench/qmp: line-framed
JSON over a socket or a pair of pipes, events kept aside as they arrive."""
import json
import os
import select
import socket
import time


class QMPError(Exception):
    pass


class QMP:
    def __init__(self, rfd, wfd, closer=None):
        self.rfd, self.wfd, self.closer = rfd, wfd, closer
        self.buf = b""
        self.events = []

    @classmethod
    def connect_tcp(cls, port, timeout=10):
        return cls._connect(lambda: socket.create_connection(("127.0.0.1", port)), timeout)

    @classmethod
    def connect_unix(cls, path, timeout=10):
        def c():
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            return s
        return cls._connect(c, timeout)

    @classmethod
    def _connect(cls, make, timeout):
        end = time.monotonic() + timeout
        while True:
            try:
                s = make()
                break
            except OSError:
                if time.monotonic() > end:
                    raise
                time.sleep(0.05)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1) if s.family != socket.AF_UNIX else None
        return cls(s.fileno(), s.fileno(), s)

    def close(self):
        if self.closer:
            self.closer.close()

    def send_raw(self, data):
        if isinstance(data, str):
            data = data.encode()
        while data:
            n = os.write(self.wfd, data)
            data = data[n:]

    def recv_msg(self, timeout=10):
        """The next JSON message (reply or event), or None at EOF."""
        end = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError("no QMP message within %ss" % timeout)
            r, _, _ = select.select([self.rfd], [], [], left)
            if not r:
                continue
            chunk = os.read(self.rfd, 65536)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def recv_reply(self, timeout=10):
        """The next reply, keeping events that come first in self.events."""
        while True:
            m = self.recv_msg(timeout)
            if m is None or "event" not in m:
                return m
            self.events.append(m)

    def cmd(self, name, args=None, **extra):
        req = {"execute": name}
        if args is not None:
            req["arguments"] = args
        req.update(extra)
        self.send_raw(json.dumps(req) + "\n")
        return self.recv_reply()

    def negotiate(self):
        greeting = self.recv_msg()
        r = self.cmd("qmp_capabilities")
        if r != {"return": {}}:
            raise QMPError(f"negotiation failed: {r}")
        return greeting

    def wait_event(self, name, timeout=10):
        """The first event of that name, from those kept or still to come."""
        end = time.monotonic() + timeout
        while True:
            for i, e in enumerate(self.events):
                if e["event"] == name:
                    return self.events.pop(i)
            left = end - time.monotonic()
            if left <= 0:
                return None
            try:
                m = self.recv_msg(left)
            except TimeoutError:
                return None
            if m is None:
                return None
            if "event" in m:
                self.events.append(m)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
