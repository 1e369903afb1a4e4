"""What the functional tests share: where the emulator is, the test device
the user boards lack, the Linux test guest, a pass/fail tally, and a console
session on stdio."""
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

BUILD = os.environ["CARDCAGE_BUILD_ROOT"]
CARDCAGE = os.path.join(BUILD, "cardcage")
# The boards a user boots have no test devices: the guests that end the
# emulator through isa-debug-exit (port 0xf4) get one here.
EXIT = ["-device", "isa-debug-exit,iobase=0xf4,iosize=4"]

# Where tests/guests/get-*.sh cache what they fetch.
GUEST_CACHE = os.environ.get("CARDCAGE_GUEST_CACHE",
                             os.path.join(os.environ.get("XDG_CACHE_HOME",
                                                         os.path.expanduser("~/.cache")),
                                          "cardcage", "guests"))
# Debian's kernel and the busybox initramfs (tests/guests/get-linux.sh).
GUEST = os.path.join(GUEST_CACHE, "linux")
KERNEL = os.path.join(GUEST, "vmlinuz")
INITRD = os.path.join(GUEST, "initramfs.cpio.gz")
# The Debian installer's netboot tree (tests/guests/get-netboot.sh), as a
# TFTP server serves it: pxelinux.0 at its top, the installer's kernel and
# initrd under debian-installer/i386/.
NETBOOT = os.path.join(GUEST_CACHE, "netboot", "tftp")
DI_KERNEL = os.path.join(NETBOOT, "debian-installer", "i386", "linux")
DI_INITRD = os.path.join(NETBOOT, "debian-installer", "i386", "initrd.gz")
APPEND = "console=ttyS0 noapic nolapic acpi=off"
# What the workload's `dd if=/dev/zero bs=1M count=64 | md5sum` prints.
MD5_64M_ZEROS = "7f614da9329cd3aebf59b91aadc30bf0"


def fail_now(msg):
    """End the test at once, failed."""
    print(f"FAIL: {msg}")
    sys.exit(1)


def skip_unless_required(msg, fail=fail_now):
    """Skip (77) for something missing here (a guest, a tool, a host
    feature), unless CARDCAGE_REQUIRE_GUESTS=1 (CI), where fail(msg) is
    called instead."""
    if os.environ.get("CARDCAGE_REQUIRE_GUESTS") == "1":
        fail(msg)
    print(f"SKIP: {msg}")
    sys.exit(77)


def require_guest(fail=fail_now):
    """Skip (77) when the guest has not been fetched (see skip_unless_required)."""
    if os.path.exists(KERNEL) and os.path.exists(INITRD):
        return
    skip_unless_required(f"guest not fetched ({GUEST}): run tests/guests/get-linux.sh", fail)


def require_netboot(fail=fail_now):
    """As require_guest, for the installer's netboot tree."""
    if all(os.path.exists(os.path.join(NETBOOT, f)) for f in ("pxelinux.0", "ldlinux.c32")) \
            and os.path.exists(DI_KERNEL) and os.path.exists(DI_INITRD):
        return
    skip_unless_required(f"installer netboot tree not fetched ({NETBOOT}): "
                         "run tests/guests/get-netboot.sh", fail)


_failures = 0


def check(name, ok, detail=""):
    global _failures
    print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f": {detail}" if not ok else ""))
    _failures += not ok


def status():
    """The exit status for the test: 1 if any check failed."""
    return 1 if _failures else 0


@contextlib.contextmanager
def scratch_dir(prefix):
    """A temporary directory for a test's files: removed when every check
    passed, kept (and its path printed) when one failed, to look into."""
    d = tempfile.mkdtemp(prefix=prefix)
    try:
        yield d
    finally:
        if status() == 0:
            shutil.rmtree(d, ignore_errors=True)
        else:
            print(f"files kept in {d}")


def run(*args, timeout=30):
    return subprocess.run([CARDCAGE, *args], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout)


def console_session(args, keys):
    """Run cardcage with stdin and stdout on pipes, type each of keys with a
    pause, and return (exit status or None on a hang, stdout text, stderr)."""
    proc = subprocess.Popen([CARDCAGE, *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.5)
    for k in keys:
        proc.stdin.write(k)
        proc.stdin.flush()
        time.sleep(0.3)
    try:
        out, err = proc.communicate(timeout=10)
        code = proc.returncode
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        code = None
    return code, out.decode(errors="replace"), err


# How long a guest may take to print what a test waits for.
GUEST_TIMEOUT = 600


class Guest:
    """A running cardcage whose serial console is our stdin/stdout pipe;
    every line is kept with the host time it arrived."""

    def __init__(self, cmd):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.lines = []
        self.raw = bytearray()
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        buf = b""
        while True:
            chunk = self.proc.stdout.read1(4096)
            if not chunk:
                break
            now = time.monotonic()
            with self.cond:
                self.raw += chunk
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    self.lines.append((now, line.decode("utf-8", "replace").rstrip("\r")))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_for(self, pattern, timeout=GUEST_TIMEOUT):
        """The first (time, line) matching pattern, waiting for it."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for t, line in self.lines:
                    if rx.search(line):
                        return t, line
                if self.proc.poll() is not None and not self.reader.is_alive():
                    return None
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(min(left, 1.0))

    def send(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def finish(self, timeout=GUEST_TIMEOUT):
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None
        self.reader.join(5)
        return self.proc.returncode

    def transcript(self):
        return "\n".join(line for _, line in self.lines[-40:]) + "\n" + \
            self.proc.stderr.read().decode("utf-8", "replace")[-2000:]
