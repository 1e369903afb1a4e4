#!/usr/bin/env python3
"""Guest-level tests: Debian's i386 686 kernel with a busybox initramfs
(tests/guests/get-linux.sh) on the isapc board, PIC and PIT only.

  boot        real-time mode: the marker, the md5 of 64 MiB of zeros, the
              kernel's 8042, RTC and clocksource lines, `sleep 5` taking 5 s
              of host time (+-10 %), exit status 0 under -no-reboot
  icount      -icount twice: byte-identical serial output
  shell       `echo` typed through the serial backend into the busy box shell
  keys        key presses injected into the PS/2 keyboard (monitor sendkey)
              reach the guest's console
  bad-input   a truncated kernel (also cut inside its setup header), a
              kernel whose load address is below 1 MiB, a missing initrd, an
              initrd too large for RAM, a file that is no kernel: one clear
              error each, status 1

Skips (77) when the guest has not been fetched, unless
CARDCAGE_REQUIRE_GUESTS=1 (CI), where a missing guest fails."""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cctest import APPEND, CARDCAGE, INITRD, KERNEL, MD5_64M_ZEROS, Guest, require_guest  # noqa: E402

TIMEOUT = 600


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def base_cmd(extra_append="", *args):
    return [CARDCAGE, "-M", "isapc", "-m", "256", "-nographic", "-no-reboot",
            "-kernel", KERNEL, "-initrd", INITRD,
            "-append", (APPEND + " " + extra_append).strip(), *args]


def test_boot():
    g = Guest(base_cmd())
    t_start = time.monotonic()
    marker = g.wait_for(r"CARDCAGE-MARKER")
    if not marker:
        g.proc.kill()
        fail("no marker line:\n" + g.transcript())
    md5 = g.wait_for(r"CARDCAGE-MD5: ")
    if not md5 or MD5_64M_ZEROS not in md5[1]:
        fail(f"md5 of 64 MiB of zeros wrong or missing: {md5}")
    start = g.wait_for(r"CARDCAGE-SLEEP-START")
    end = g.wait_for(r"CARDCAGE-SLEEP-END")
    status = g.finish()
    if status != 0:
        fail(f"exit status {status}, expected 0 (-no-reboot):\n" + g.transcript())
    log = "\n".join(line for _, line in g.lines)
    for what, rx in (("8042 keyboard port", r"serio: i8042 KBD port at 0x60,0x64 irq 1"),
                     ("RTC setting the clock", r"rtc_cmos rtc_cmos: setting system clock to"),
                     ("clocksource in use", r"clocksource: Switched to clocksource \w+")):
        if not re.search(rx, log):
            fail(f"kernel log lacks the {what} ({rx})")
    if not start or not end:
        fail("sleep markers missing")
    slept = end[0] - start[0]
    if not 4.5 <= slept <= 5.5:
        fail(f"`sleep 5` took {slept:.2f} s of host time (allowed 4.5 to 5.5)")
    source = re.search(r"clocksource: Switched to clocksource (\w+)", log).group(1)
    print(f"boot: marker after {marker[0] - t_start:.2f} s, md5 right, clocksource {source}, "
          f"sleep 5 took {slept:.2f} s, exit 0")


def test_icount():
    outputs = []
    for run in range(2):
        cmd = base_cmd("", "-icount", "shift=2", "-rtc", "base=2024-01-01T00:00:00")
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=TIMEOUT)
        if p.returncode != 0 or b"CARDCAGE-DONE" not in p.stdout:
            fail(f"icount run {run} failed (status {p.returncode}):\n"
                 + p.stdout.decode(errors="replace")[-2000:]
                 + p.stderr.decode(errors="replace")[-2000:])
        outputs.append(p.stdout)
    if outputs[0] != outputs[1]:
        a, b = outputs[0].splitlines(), outputs[1].splitlines()
        diff = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        fail(f"icount runs differ at line {diff + 1}:\n  {a[diff:diff + 1]}\n  {b[diff:diff + 1]}")
    print(f"icount: two runs gave identical serial output ({len(outputs[0])} bytes)")


def test_shell():
    g = Guest(base_cmd("cardcage.test=shell"))
    if not g.wait_for(r"CARDCAGE-SHELL-READY"):
        g.proc.kill()
        fail("no shell:\n" + g.transcript())
    time.sleep(0.5)
    # The answer differs from what was typed, so the echo of the typing
    # cannot pass for it.
    g.send("echo hel''lo $((6*7))\n")
    got = g.wait_for(r"^hello 42$", timeout=60)
    g.send("reboot -f\n")
    status = g.finish()
    if not got:
        fail("the shell did not answer 'hello 42':\n" + g.transcript())
    if status != 0:
        fail(f"exit status {status}")
    print("shell: typed `echo hel''lo $((6*7))`, read back 'hello 42'")


def monitor_command(path, cmd):
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(path)
        s.sendall((cmd + "\n").encode())
        time.sleep(0.3)


def test_keys():
    with tempfile.TemporaryDirectory() as d:
        mon = os.path.join(d, "mon.sock")
        g = Guest(base_cmd("cardcage.test=keys", "-monitor", f"unix:{mon},server=on,wait=off"))
        if not g.wait_for(r"CARDCAGE-KEYS-READY"):
            g.proc.kill()
            fail("keys mode did not start:\n" + g.transcript())
        time.sleep(0.5)
        for key in ("c", "a", "g", "e", "ret"):
            monitor_command(mon, f"sendkey {key}")
        got = g.wait_for(r"CARDCAGE-KEYS: cage$", timeout=60)
        for key in ("q", "u", "i", "t", "ret"):
            monitor_command(mon, f"sendkey {key}")
        status = g.finish(120)
        if not got:
            fail("typed 'cage' on the PS/2 keyboard, the guest did not see it:\n"
                 + g.transcript())
        if status != 0:
            fail(f"exit status {status}")
    print("keys: 'cage' typed on the PS/2 keyboard came back from the guest")


def test_bad_input():
    with tempfile.TemporaryDirectory() as d:
        truncated = os.path.join(d, "truncated")
        with open(KERNEL, "rb") as f, open(truncated, "wb") as o:
            o.write(f.read(200000))
        header_only = os.path.join(d, "header-only")
        with open(KERNEL, "rb") as f, open(header_only, "wb") as o:
            o.write(f.read(0x208))          # "HdrS" and the version, no more
        low = os.path.join(d, "low")
        with open(KERNEL, "rb") as f:
            image = bytearray(f.read())
        image[0x214:0x218] = (0x10000).to_bytes(4, "little")   # code32_start
        with open(low, "wb") as o:
            o.write(image)
        notkernel = os.path.join(d, "notkernel")
        with open(notkernel, "wb") as o:
            o.write(b"\x7fELF" + b"\0" * 60000)
        huge = os.path.join(d, "huge")
        with open(huge, "wb") as o:
            o.truncate(48 << 20)
        cases = [
            ("truncated kernel", [CARDCAGE, "-M", "isapc", "-kernel", truncated],
             r"truncated bzImage"),
            ("header cut short", [CARDCAGE, "-M", "isapc", "-kernel", header_only],
             r"truncated bzImage"),
            ("kernel below 1 MiB", [CARDCAGE, "-M", "isapc", "-kernel", low],
             r"code32_start 0x10000 is below 1 MiB"),
            ("missing initrd", [CARDCAGE, "-M", "isapc", "-kernel", KERNEL, "-initrd",
                                os.path.join(d, "nope")], r"-initrd: .*nope"),
            ("initrd too large", [CARDCAGE, "-M", "isapc", "-m", "48", "-kernel", KERNEL,
                                  "-initrd", huge], r"-initrd .*do not fit"),
            ("not a kernel", [CARDCAGE, "-M", "isapc", "-kernel", notkernel],
             r"not a kernel cardcage can boot"),
        ]
        for name, cmd, rx in cases:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=60)
            lines = [l for l in p.stderr.splitlines() if l.strip()]
            if p.returncode != 1 or len(lines) != 1 or not re.search(rx, lines[0]):
                fail(f"{name}: status {p.returncode}, stderr:\n{p.stderr}")
            print(f"bad-input: {name}: {lines[0]}")


TESTS = {"boot": test_boot, "icount": test_icount, "shell": test_shell, "keys": test_keys,
         "bad-input": test_bad_input}

if __name__ == "__main__":
    require_guest(fail)
    TESTS[sys.argv[1]]()
