"""What the functional tests share: where the emulator is, the test device
the user boards lack, a pass/fail tally, and a console session on stdio."""
import os
import subprocess
import time

BUILD = os.environ["CARDCAGE_BUILD_ROOT"]
CARDCAGE = os.path.join(BUILD, "cardcage")
# The boards a user boots have no test devices: the guests that end the
# emulator through isa-debug-exit (port 0xf4) get one here.
EXIT = ["-device", "isa-debug-exit,iobase=0xf4,iosize=4"]
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
