#!/usr/bin/env python3
"""ACPI tables reach the guest: the test kernel, on a board that extends
isapc with "acpi": true, finds the RSDP and every table cardcage built

  firmware    -boot kernel=firmware: SeaBIOS runs etc/table-loader
  direct      -kernel alone: the core runs the loader commands itself and
              the RSDP lies in 0xF0000-0xFFFFF
  off         -no-acpi and -M BOARD,acpi=off: no RSDP; isapc itself has none

Each run stops once the kernel has printed its command line (after it has
looked for the tables).  Skips (77) when the guest has not been fetched,
unless CARDCAGE_REQUIRE_GUESTS=1."""
import os
import re
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cctest import CARDCAGE, INITRD, KERNEL, check, require_guest, status  # noqa: E402

APPEND = "console=ttyS0 noapic nolapic"
TIMEOUT = 300


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def kernel_log(machine, *args):
    """The serial console up to the kernel's command line (or TIMEOUT)."""
    cmd = [CARDCAGE, "-M", machine, "-m", "128", "-nographic", "-no-reboot",
           "-kernel", KERNEL, "-initrd", INITRD, "-append", APPEND, *args]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    lines = []
    timer = threading.Timer(TIMEOUT, proc.kill)
    timer.start()
    for raw in proc.stdout:
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        lines.append(line)
        if "Kernel command line:" in line:
            break
    timer.cancel()
    proc.kill()
    proc.wait()
    return "\n".join(lines), proc.stderr.read().decode(errors="replace")


TABLES = ("RSDT", "FACP", "DSDT", "FACS", "APIC")


def check_tables(name, log, err):
    rsdp = re.search(r"ACPI: RSDP 0x([0-9A-F]+) 000014 \(v00 CRDCGE\)", log)
    check(f"{name}: RSDP found", rsdp is not None, log[-2000:] + err)
    for sig in TABLES:
        check(f"{name}: {sig} found", re.search(rf"ACPI: {sig} 0x[0-9A-F]+ ", log) is not None)
    return int(rsdp.group(1), 16) if rsdp else None


def main():
    require_guest(fail)
    with tempfile.TemporaryDirectory() as tmp:
        board = os.path.join(tmp, "acpi-isapc.json")
        with open(board, "w") as f:
            f.write('{ "name": "acpi-isapc", "extend": "isapc", "acpi": true }\n')

        log, err = kernel_log(board, "-boot", "kernel=firmware")
        check_tables("firmware", log, err)

        log, err = kernel_log(board)
        rsdp = check_tables("direct", log, err)
        check("direct: RSDP in the F segment", rsdp is not None and 0xf0000 <= rsdp < 0x100000,
              f"at {rsdp}")

        for name, machine, extra in (("-no-acpi", board, ["-no-acpi"]),
                                     ("acpi=off", board + ",acpi=off", []),
                                     ("isapc", "isapc", [])):
            log, err = kernel_log(machine, *extra)
            check(f"{name}: the kernel started", "Kernel command line:" in log, log[-2000:] + err)
            check(f"{name}: no RSDP", "ACPI: RSDP" not in log)
    return status()


if __name__ == "__main__":
    sys.exit(main())
