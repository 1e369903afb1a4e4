#!/usr/bin/env python3
"""Debian's 686-pae kernel (tests/guests/get-linux.sh fetches it beside the
686 one) on the pc board: PAE paging with the NX bit.

  nx      -cpu pentium4: the kernel reaches the test initramfs's marker and
          says "NX (Execute Disable) protection: active"; uname names the
          686-pae flavour; /proc/cpuinfo lists pae and nx; the CPU's own
          registers (QMP x-query-registers) show CR0.PG, CR4.PAE and
          EFER.NXE while the guest runs
  no-nx   -cpu pentium4,-nx: the same kernel says NX is missing, and
          the CPU has no EFER (PAE paging all the same)

Poweroff in the guest ends cardcage with status 0.

Skips (77) when the guest has not been fetched, unless
CARDCAGE_REQUIRE_GUESTS=1 (CI), where a missing guest fails."""
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cctest import (CARDCAGE, GUEST, INITRD, Guest, check, skip_unless_required,  # noqa: E402
                    status)
from qmplib import QMP  # noqa: E402

KERNEL_PAE = os.path.join(GUEST, "vmlinuz-686-pae")
CR0_PG = 1 << 31
CR4_PAE = 1 << 5
EFER_NXE = 1 << 11


def registers(sock):
    """The CPU's registers by name, from QMP x-query-registers."""
    q = QMP.connect_unix(sock)
    q.negotiate()
    r = q.cmd("x-query-registers")
    q.close()
    regs = {}
    for group in r.get("return", {}).get("groups", []):
        if group.get("name") is None:       # the ungrouped ones: CRn, EFER
            regs.update((reg["name"], reg.get("value")) for reg in group["registers"])
    return regs, r


def boot(cpu, nx):
    name = f"-cpu {cpu}"
    with tempfile.TemporaryDirectory() as d:
        sock = os.path.join(d, "qmp.sock")
        g = Guest([CARDCAGE, "-M", "pc", "-m", "256", "-nographic", "-no-reboot", "-cpu", cpu,
                   "-qmp", f"unix:{sock},server=on,wait=off",
                   "-kernel", KERNEL_PAE, "-initrd", INITRD,
                   "-append", "console=ttyS0 cardcage.test=shell"])
        t0 = time.monotonic()
        marker = g.wait_for(r"CARDCAGE-MARKER")
        ready = marker and g.wait_for(r"CARDCAGE-SHELL-READY", timeout=60)
        if not ready:
            g.proc.kill()
            check(f"{name}: the marker and a shell", False, g.transcript())
            return
        check(f"{name}: the marker and a shell", True)
        check(f"{name}: the 686-pae kernel", "-686-pae" in marker[1], marker[1])
        log = "\n".join(line for _, line in g.lines)
        # arch/x86/mm/setup_nx.c: "NX (Execute Disable) protection: active",
        # or "Notice: NX (Execute Disable) protection missing in CPU!".
        want = r"NX \(Execute Disable\) protection: active" if nx else \
            r"NX \(Execute Disable\) protection missing in CPU"
        line = re.search(r".*NX \(Execute Disable\) protection.*", log)
        check(f"{name}: the kernel says NX is {'active' if nx else 'missing'}",
              line is not None and re.search(want, line.group(0)) is not None,
              line.group(0) if line else "no NX line in the log")
        regs, raw = registers(sock)
        cr0, cr4, efer = regs.get("CR0", 0), regs.get("CR4", 0), regs.get("EFER", 0)
        check(f"{name}: CR0.PG and CR4.PAE are set",
              bool(cr0 & CR0_PG) and bool(cr4 & CR4_PAE), f"CR0 {cr0:#x} CR4 {cr4:#x}")
        # Without NX there is no IA32_EFER at all on a 32-bit part.
        check(f"{name}: EFER.NXE {'set' if nx else 'absent'}",
              ("EFER" in regs and bool(efer & EFER_NXE)) if nx else "EFER" not in regs,
              f"{raw}")
        time.sleep(0.3)
        g.send("grep -m1 '^flags' /proc/cpuinfo | sed 's/^/CPUFLAGS /'\n")
        flags = g.wait_for(r"^CPUFLAGS flags", timeout=60)
        words = flags[1].split() if flags else []
        check(f"{name}: /proc/cpuinfo lists pae{' and nx' if nx else ', not nx'}",
              "pae" in words and ("nx" in words) == nx, flags[1] if flags else "no flags line")
        g.send("poweroff -f\n")
        code = g.finish(60)
        check(f"{name}: exit status 0 after poweroff", code == 0, f"status {code}")
        print(f"{name}: marker after {marker[0] - t0:.1f} s")


if __name__ == "__main__":
    if not (os.path.exists(KERNEL_PAE) and os.path.exists(INITRD)):
        skip_unless_required(f"the 686-pae kernel not fetched ({KERNEL_PAE}): "
                             "run tests/guests/get-linux.sh")
    which = sys.argv[1:] or ["nx", "no-nx"]
    if "nx" in which:
        boot("pentium4", True)
    if "no-nx" in which:
        boot("pentium4,-nx", False)
    sys.exit(status())
