#!/usr/bin/env python3
"""Timers due at every turn of the main loop must not stop the CPU: the
timer-storm guest (guest/timer-storm.asm) programs the local APIC's timer
at a 10 ns period and the 8254's counter 0 at 1.7 us, and counts down two
loops, one with interrupts off, one taking the APIC's.  With the devices'
minimum periods switched off (every timer then due at every turn) and with
them on, in real-time and icount mode, the guest must reach its end
(isa-debug-exit, status 67).  The timeout only catches a CPU that makes no
progress at all: the guest needs well under a second on any host."""
import os
import subprocess
import sys

BUILD = os.environ["CARDCAGE_BUILD_ROOT"]
CARDCAGE = os.path.join(BUILD, "cardcage")
GUEST = os.path.join(BUILD, "tests", "functional", "timer-storm.bin")
NO_MIN = ["-global", "apic.min-period-ns=0", "-global", "i8254.min-period-ns=0"]
failures = 0

for name, extra in (("no minimum periods, real-time", NO_MIN),
                    ("no minimum periods, icount", NO_MIN + ["-icount", "shift=0"]),
                    ("default minimum periods, real-time", [])):
    cmd = [CARDCAGE, "-M", "pc", "-display", "none", "-serial", "null", "-no-reboot",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
           *extra, "-kernel", GUEST]
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=30)
        status, err = p.returncode, p.stderr
    except subprocess.TimeoutExpired:
        status, err = None, "timeout: the CPU made no progress"
    ok = status == 67 and not err.strip()
    print(f"{'ok  ' if ok else 'FAIL'} {name}" +
          ("" if ok else f": status {status}, stderr {err[-500:]!r}"))
    failures += not ok
sys.exit(1 if failures else 0)
