"""What the functional tests share: where the emulator is, the test device
the user boards lack, the Linux test guest, a pass/fail tally, and a console
session on stdio."""
import os
import subprocess
import sys
import time

BUILD = os.environ["CARDCAGE_BUILD_ROOT"]
CARDCAGE = os.path.join(BUILD, "cardcage")
# The boards a user boots have no test devices: the guests that end the
# emulator through isa-debug-exit (port 0xf4) get one here.
EXIT = ["-device", "isa-debug-exit,iobase=0xf4,iosize=4"]

# Debian's kernel and the busybox initramfs (tests/guests/get-linux.sh).
GUEST = os.path.join(os.environ.get("CARDCAGE_GUEST_CACHE",
                                    os.path.join(os.environ.get("XDG_CACHE_HOME",
                                                                os.path.expanduser("~/.cache")),
                                                 "cardcage", "guests")), "linux")
KERNEL = os.path.join(GUEST, "vmlinuz")
INITRD = os.path.join(GUEST, "initramfs.cpio.gz")
APPEND = "console=ttyS0 noapic nolapic acpi=off"
# What the workload's `dd if=/dev/zero bs=1M count=64 | md5sum` prints.
MD5_64M_ZEROS = "7f614da9329cd3aebf59b91aadc30bf0"


def require_guest(fail):
    """Skip (77) when the guest has not been fetched, unless
    CARDCAGE_REQUIRE_GUESTS=1 (CI), where fail(msg) is called."""
    if os.path.exists(KERNEL) and os.path.exists(INITRD):
        return
    msg = f"guest not fetched ({GUEST}): run tests/guests/get-linux.sh"
    if os.environ.get("CARDCAGE_REQUIRE_GUESTS") == "1":
        fail(msg)
    print(f"SKIP: {msg}")
    sys.exit(77)


_failures = 0


def check(name, ok, detail=""):
    global _failures
    print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f": {detail}" if not ok else ""))
    _failures += not ok


def status():
    """The exit status for the test: 1 if any check failed."""
    return 1 if _failures else 0


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
