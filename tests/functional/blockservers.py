"""Network block servers the tests talk to, none of them ours: qemu-nbd
(package qemu-utils) exporting an image on a unix socket, and tgtd (package
tgt, as root) exporting it as an iSCSI LUN on 127.0.0.1.  Each server is a
context manager yielding the URL cardcage's -drive file= (and QEMU's) takes,
and is stopped on the way out.  why_not_*() say why a server cannot be used
here, or None."""
import contextlib
import os
import shutil
import socket
import subprocess
import time

SBIN = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
IQN = "iqn.2026-12.invalid.cardcage:guest"


def why_not_nbd(build):
    if not shutil.which("qemu-nbd"):
        return "qemu-nbd is not installed (package qemu-utils)"
    if not os.path.exists(os.path.join(build, "plugins", "nbd", "nbd.so")):
        return "the nbd plugin was not built (libnbd-dev missing)"
    return None


def why_not_iscsi(build):
    if not shutil.which("tgtd", path=SBIN) or not shutil.which("tgtadm", path=SBIN):
        return "tgtd is not installed (package tgt)"
    if os.geteuid() != 0:
        return "tgtd needs root"
    if not os.path.exists(os.path.join(build, "plugins", "iscsi", "iscsi.so")):
        return "the iscsi plugin was not built (libiscsi-dev missing)"
    return None


def _listening(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@contextlib.contextmanager
def nbd_server(img, sock, fmt="raw", export="disk", tcp=False):
    """qemu-nbd serving img as `export` on the unix socket sock (persistent,
    up to 4 clients); yields the nbd+unix URL.  tcp=True: on a free port of
    127.0.0.1 instead (sock unused), yielding the nbd:// URL."""
    port = free_port() if tcp else None
    where = ["-b", "127.0.0.1", "-p", str(port)] if tcp else ["-k", sock]
    srv = subprocess.Popen(["qemu-nbd", "-t", "-e", "4", "-f", fmt, "-x", export, *where, img],
                           stdin=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if (tcp and _listening(port)) or (not tcp and os.path.exists(sock)):
                break
            time.sleep(0.05)
        else:
            raise RuntimeError("qemu-nbd did not start")
        yield (f"nbd://127.0.0.1:{port}/{export}" if tcp
               else f"nbd+unix:///{export}?socket={sock}")
    finally:
        srv.terminate()
        srv.wait()
        if not tcp and os.path.exists(sock):
            os.unlink(sock)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tgtadm(ctl, *args):
    return subprocess.run([shutil.which("tgtadm", path=SBIN), "-C", str(ctl), "--lld", "iscsi",
                           *args], capture_output=True, text=True).returncode == 0


@contextlib.contextmanager
def iscsi_server(img):
    """tgtd on a free port of 127.0.0.1 (its own control port, so several
    can run), img as LUN 1 of target IQN open to every initiator; yields the
    iscsi:// URL."""
    port, ctl = free_port(), 1000 + os.getpid() % 30000
    srv = subprocess.Popen([shutil.which("tgtd", path=SBIN), "-f", "-C", str(ctl), "--iscsi",
                            f"portal=127.0.0.1:{port}"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if _tgtadm(ctl, "--op", "new", "--mode", "target", "--tid", "1", "-T", IQN):
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("tgtd did not start")
        if not (_tgtadm(ctl, "--op", "new", "--mode", "logicalunit", "--tid", "1", "--lun", "1",
                        "-b", img) and
                _tgtadm(ctl, "--op", "bind", "--mode", "target", "--tid", "1", "-I", "ALL")):
            raise RuntimeError("tgtadm could not export the image")
        yield f"iscsi://127.0.0.1:{port}/{IQN}/1"
    finally:
        srv.kill()   # tgtd ignores SIGTERM while it has targets; nothing to save
        srv.wait()
