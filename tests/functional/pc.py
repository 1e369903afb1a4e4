#!/usr/bin/env python3
"""The pc board (i440FX, PIIX3, PIIX4 PM, I/O APIC, HPET, ACPI):

  seabios         SeaBIOS's 256 KiB build POSTs (debug port 0x402 to a
                  file) and finds every PCI function; its lines about the
                  PCI functions, the PM base, the RAM and the boot agree
                  with qemu-system-i386 -M pc -nodefaults (when installed),
                  but for the differences listed in EXPECTED
  linux-direct    the Linux test guest, started directly, with ACPI and the
                  APICs: the PCI functions, IO-APIC interrupts, the clock
                  source, the HPET; poweroff in the guest ends cardcage
                  with status 0
  linux-firmware  the same started by SeaBIOS (-boot kernel=firmware), shut
                  down by QMP's system_powerdown (the ACPI power button)

Hostile configuration accesses on this board: io-fuzz.py.  The linux parts
skip (77) when the guest has not been fetched, unless
CARDCAGE_REQUIRE_GUESTS=1."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cctest import CARDCAGE, INITRD, KERNEL, check, require_guest, status  # noqa: E402
from qmplib import QMP  # noqa: E402

BIOS_END = re.compile(r"No bootable device|Boot failed")

# What differs from QEMU's pc, and why.
EXPECTED = {
    # The PIIX3's IDE function comes in a later issue.
    "PCI: init bdf=00:01.1 id=8086:7010": "qemu only: no IDE function yet",
    "PCI: map device bdf=00:01.1  bar 4, addr 0000c000, size 00000010 [io]":
        "qemu only: the IDE function's BAR",
    "PCI: IO: c000 - c00f": "qemu only: the IDE BAR is the only I/O BAR",
    "PCI: IO: c000 - bfff": "cardcage only: no I/O BAR at all without IDE",
    "Found 4 PCI devices (max PCI bus is 00)": "qemu only: with IDE",
    "Found 3 PCI devices (max PCI bus is 00)": "cardcage only: without IDE",
    # Not the chipset's: QEMU's pc stores -boot's order in CMOS 0x3D/0x38
    # (hard disk first), cardcage's RTC leaves them 0, so SeaBIOS tries the
    # floppy first (and fails: no drive).
    "Booting from Floppy...": "cardcage only: boot order from CMOS",
}


def bios_lines(log):
    """The lines about PCI functions, RAM and the boot."""
    keep = re.compile(r"^(PCI: (init|map device|IO:|32:)|Found \d+ PCI|qemu/e820:|"
                      r"Running on QEMU|Moving pm_base|Using pmtimer|PIIX3/PIIX4 init|"
                      r"  \d: [0-9a-f]+ - [0-9a-f]+ = 1 RAM|Booting from)")
    return [l.rstrip() for l in log.splitlines() if keep.search(l)]


def run_until(cmd, path, timeout=60):
    """Run cmd until the file at path shows the end of SeaBIOS's boot."""
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        text = open(path, errors="replace").read() if os.path.exists(path) else ""
        if BIOS_END.search(text):
            break
    proc.kill()
    err = proc.communicate()[1].decode(errors="replace")
    return (open(path, errors="replace").read() if os.path.exists(path) else ""), err


def test_seabios():
    with tempfile.TemporaryDirectory() as d:
        cc_log = os.path.join(d, "cc.log")
        log, err = run_until([CARDCAGE, "-M", "pc", "-nodefaults", "-display", "none",
                              "-chardev", f"file,id=bios,path={cc_log}",
                              "-set", "bios-debug.chardev=bios"], cc_log)
        ok = bool(BIOS_END.search(log))
        check("seabios: POST reaches the boot", ok, log[-1500:] + err[-500:])
        if not ok:
            return
        ours = bios_lines(log)
        for want in ("Running on QEMU (i440fx)",
                     "PCI: init bdf=00:00.0 id=8086:1237",
                     "PCI: init bdf=00:01.0 id=8086:7000",
                     "PCI: init bdf=00:01.3 id=8086:7113",
                     "PIIX3/PIIX4 init: elcr=00 0c",
                     "qemu/e820: addr 0x0000000000000000 len 0x0000000008000000 [RAM]",
                     "Moving pm_base to 0x600", "Using pmtimer, ioport 0x608"):
            check(f"seabios: '{want}'", want in ours, "\n".join(ours))
        qemu = shutil.which("qemu-system-i386")
        if not qemu:
            print("SKIP comparison: qemu-system-i386 not installed")
            return
        q_log = os.path.join(d, "q.log")
        qlog, _ = run_until([qemu, "-M", "pc", "-nodefaults", "-display", "none", "-m", "128",
                             "-chardev", f"file,id=d,path={q_log}",
                             "-device", "isa-debugcon,iobase=0x402,chardev=d"], q_log)
        theirs = bios_lines(qlog)
        if not theirs:
            print("SKIP comparison: QEMU's SeaBIOS printed nothing")
            return
        only_ours = [l for l in ours if l not in theirs and l not in EXPECTED]
        only_theirs = [l for l in theirs if l not in ours and l not in EXPECTED]
        # The RAM lines of the final e820 map end where the ACPI tables
        # start: compare the first RAM entries only.
        ram = re.compile(r"^  \d: ")
        only_ours = [l for l in only_ours if not (ram.match(l) and l.startswith("  3:"))]
        only_theirs = [l for l in only_theirs if not (ram.match(l) and l.startswith("  3:"))]
        check("seabios: PCI, RAM and boot lines agree with QEMU's pc",
              not only_ours and not only_theirs,
              f"cardcage only: {only_ours}; qemu only: {only_theirs}")
        for l in sorted(set(theirs) ^ set(ours)):
            if l in EXPECTED:
                print(f"     known difference: {l!r}: {EXPECTED[l]}")


class Console:
    """cardcage with its serial console on our pipes."""

    def __init__(self, cmd):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.text = ""
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            chunk = self.proc.stdout.read1(4096)
            with self.cond:
                if not chunk:
                    self.cond.notify_all()
                    return
                self.text += chunk.decode("utf-8", "replace")
                self.cond.notify_all()

    def wait_for(self, pattern, timeout=300):
        rx = re.compile(pattern, re.M)
        deadline = time.monotonic() + timeout
        with self.cond:
            while not rx.search(self.text):
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    return None
                self.cond.wait(min(left, 1.0))
            return rx.search(self.text)

    def send(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()


# In the guest: list the PCI functions, the interrupt controller and the
# clock source, and whether ACPI's interpreter is on (its SCI line).
PROBE = ("for d in /sys/bus/pci/devices/*; do echo PCIDEV ${d##*/} $(cat $d/vendor "
         "$d/device $d/class); done; grep -c IO-APIC /proc/interrupts | sed 's/^/IOAPIC-LINES /'; "
         "echo CLOCKSOURCE $(cat /sys/devices/system/clocksource/clocksource0/"
         "current_clocksource); grep -q acpi /proc/interrupts && echo ACPI-SCI; "
         "echo PROBE''DONE\n")
# What the button driver and acpid would do, without the modules the
# initramfs lacks (button, evdev): set PWRBTN_EN in PM1a_EN (0x602, the
# FADT's PM1a event block + 2) through /dev/port, and power off once the
# kernel's SCI handler has counted a fixed power button event.
BUTTON = "/sys/firmware/acpi/interrupts/ff_pwr_btn"
POWER_BUTTON = ("printf '\\000\\001' | dd of=/dev/port bs=1 seek=1538 count=2 2>/dev/null; "
                f"read n rest < {BUTTON}; echo BUTTON $n $rest; "
                f"(while read n rest < {BUTTON} && [ $n = 0 ]; do sleep 0.2; done; "
                "echo GUEST-POWEROFF; poweroff -f) &\n")


def test_linux(mode):
    """The test guest on pc with ACPI, the local APIC and the I/O APIC on
    (no noapic/nolapic/acpi=off): started directly (-kernel) or by SeaBIOS
    (-boot kernel=firmware).  It ends with poweroff in the guest (direct)
    or QMP's system_powerdown through the ACPI power button (firmware):
    exit status 0 either way."""
    require_guest(lambda msg: check("linux: guest present", False, msg))
    with tempfile.TemporaryDirectory() as d:
        sock = os.path.join(d, "qmp.sock")
        boot = ["-boot", "kernel=firmware"] if mode == "firmware" else []
        g = Console([CARDCAGE, "-M", "pc", "-m", "256", "-nographic", "-no-reboot", *boot,
                     "-qmp", f"unix:{sock},server=on,wait=off",
                     "-kernel", KERNEL, "-initrd", INITRD,
                     "-append", "console=ttyS0 cardcage.test=shell"])
        name = f"linux {mode}"
        ready = g.wait_for(r"CARDCAGE-SHELL-READY")
        check(f"{name}: shell", bool(ready), g.text[-3000:])
        if not ready:
            g.proc.kill()
            return
        time.sleep(0.5)
        g.send(PROBE)
        done = g.wait_for(r"^PROBEDONE", timeout=60)
        check(f"{name}: probed", bool(done), g.text[-2000:])
        devs = dict((m.group(1), m.group(2)) for m in
                    re.finditer(r"^PCIDEV (\S+) (0x\w+ 0x\w+ 0x\w+)", g.text, re.M))
        for bdf, ids in (("0000:00:00.0", "0x8086 0x1237 0x060000"),
                         ("0000:00:01.0", "0x8086 0x7000 0x060100"),
                         ("0000:00:01.3", "0x8086 0x7113 0x068000")):
            check(f"{name}: {bdf} is {ids}", devs.get(bdf) == ids, str(devs))
        check(f"{name}: ACPI interpreter enabled", "ACPI: Interpreter enabled" in g.text and
              "ACPI-SCI" in g.text, g.text[-3000:])
        check(f"{name}: interrupts through the I/O APIC",
              "ACPI: Using IOAPIC for interrupt routing" in g.text and
              re.search(r"^IOAPIC-LINES [1-9]", g.text, re.M) is not None, g.text[-3000:])
        src = re.search(r"^CLOCKSOURCE (\S+)", g.text, re.M)
        check(f"{name}: clocksource hpet or tsc", src is not None and
              src.group(1) in ("hpet", "tsc"), src.group(1) if src else g.text[-1000:])
        check(f"{name}: HPET from its ACPI table", "ACPI: HPET id: 0x8086a201 base: 0xfed00000"
              in g.text)
        if mode == "direct":
            g.send("poweroff -f\n")
        else:
            g.send(POWER_BUTTON)
            check(f"{name}: power button enabled, no event yet",
                  bool(g.wait_for(r"^BUTTON 0 ", timeout=30)), g.text[-1000:])
            time.sleep(0.5)
            q = QMP.connect_unix(sock)
            q.negotiate()
            r = q.cmd("system_powerdown")
            ev = q.wait_event("SHUTDOWN", timeout=60)
            check(f"{name}: system_powerdown: the guest powers off (SHUTDOWN guest-shutdown)",
                  r == {"return": {}} and ev is not None and
                  ev.get("data", {}).get("reason") == "guest-shutdown" and
                  "GUEST-POWEROFF" in g.text, f"{r} {ev} {g.text[-1000:]}")
            q.close()
        try:
            code = g.proc.wait(60)
        except subprocess.TimeoutExpired:
            g.proc.kill()
            code = None
        check(f"{name}: exit status 0 after the guest's power-off", code == 0,
              f"status {code}: {g.text[-1500:]}")


if __name__ == "__main__":
    which = sys.argv[1:] or ["seabios", "linux-direct", "linux-firmware"]
    if "seabios" in which:
        test_seabios()
    for mode in ("direct", "firmware"):
        if f"linux-{mode}" in which:
            test_linux(mode)
    sys.exit(status())
