#!/usr/bin/env python3
"""Several CPUs (-smp) on the pc board:

  ipi             a small guest (guest/smp-ipi.asm) with -smp 2, 4 and 8
                  starts the APs with INIT-SIPI-SIPI and sends IPIs of
                  every kind (fixed physical, logical flat, the three
                  shorthands, NMI, lowest priority, INIT + SIPI again): what
                  each CPU counted is what the local APIC's rules say; and
                  an AP sees the code the BSP rewrote after the AP ran it
                  (cross-modifying code); QMP's query-cpus-fast gives each
                  CPU its socket, core and thread as -smp's topology says,
                  and x-query-registers shows an AP waiting for its SIPI
  icount          the same guest with -smp 2 under -icount, and Linux with
                  -smp 2 under -icount: two runs give the same output
  linux-direct    Linux started directly on -M pc -smp 4 (ACPI, APICs):
                  /proc/cpuinfo lists 4 processors, nproc says 4, and 4
                  md5sums pinned one to each CPU (taskset) all give the
                  md5 of the zeros they read, each on its CPU
  linux-firmware  the same, started by SeaBIOS (-boot kernel=firmware)
  mptable         Linux started directly on -smp 2 with acpi=off finds the
                  MP specification's table (core/acpi/mptable.c) and brings
                  up both CPUs from it

The linux parts skip (77) when the guest has not been fetched, unless
CARDCAGE_REQUIRE_GUESTS=1."""
import hashlib
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cctest import BUILD, CARDCAGE, EXIT, INITRD, KERNEL, check, require_guest, status  # noqa: E402
from pc import Console  # noqa: E402
from qmplib import QMP  # noqa: E402

IPI_GUEST = os.path.join(BUILD, "tests", "functional", "smp-ipi.bin")


def run_ipi(n, *extra):
    p = subprocess.run([CARDCAGE, "-M", "pc", "-smp", str(n), "-display", "none",
                        "-serial", "null", *EXIT, "-debugcon", "stdio", *extra,
                        "-kernel", IPI_GUEST], capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def parse(out):
    vals = {}
    for m in re.finditer(r"^SMP-(\w+)((?: [0-9a-f]+)+)$", out, re.M):
        vals[m.group(1)] = [int(x, 16) for x in m.group(2).split()]
    return vals


def expected(n):
    """What the local APIC's rules make each CPU count (SDM vol. 3A, 10.6)."""
    fixed = [1] + [0] * (n - 1)              # all-including-self reaches the BSP
    for i in range(1, n):
        fixed[i] = 1 + 1 + 1                 # physical, all-excluding-self, all
        fixed[i] += 1 if i in (1, 3) else 0  # logical flat 0x0A: logical bits 1 and 3
    nmi = [0] * n
    nmi[2 if n > 2 else 1] = 1
    return {"CPUS": [n], "APS": [n - 1], "IDS": [((1 << n) - 1) & ~1], "FIXED": fixed,
            "SELF": [1], "NMI": nmi, "REINIT": [n], "ICRBUSY": [0],
            "XMOD": [0x11111111, 0x22222222]}


def test_ipi():
    for n in (2, 4, 8):
        rc, out, err = run_ipi(n)
        v = parse(out)
        check(f"ipi -smp {n}: the guest ran to its end", rc == 1 and "WAIT" in v,
              out[-1500:] + err[-500:])
        for key, want in expected(n).items():
            check(f"ipi -smp {n}: {key} {want}", v.get(key) == want, f"got {v.get(key)}")
        lowest = v.get("LOWEST", [])
        check(f"ipi -smp {n}: one AP took the lowest-priority IPI",
              len(lowest) == n and sum(lowest) == 1 and lowest[0] == 0, f"got {lowest}")


def test_topology():
    with tempfile.TemporaryDirectory() as d:
        sock = os.path.join(d, "qmp")
        p = subprocess.Popen([CARDCAGE, "-M", "pc", "-smp", "4,sockets=2,cores=1,threads=2",
                              "-S", "-display", "none", "-serial", "null",
                              "-qmp", f"unix:{sock},server=on,wait=off"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        try:
            q = QMP.connect_unix(sock)
            q.negotiate()
            cpus = q.cmd("query-cpus-fast")["return"]
            got = [(c["cpu-index"], c["props"]["socket-id"], c["props"]["core-id"],
                    c["props"]["thread-id"], c["qom-path"]) for c in cpus]
            want = [(0, 0, 0, 0, "/machine/cpu"), (1, 0, 0, 1, "/machine/cpu1"),
                    (2, 1, 0, 0, "/machine/cpu2"), (3, 1, 0, 1, "/machine/cpu3")]
            check("topology: query-cpus-fast follows -smp 4,sockets=2,cores=1,threads=2",
                  got == want, f"got {got}")
            regs = q.cmd("x-query-registers", {"cpu-index": 3})["return"]
            state = [r.get("text") for g in regs["groups"] for r in g["registers"]
                     if r.get("name") == "state"]
            check("topology: CPU 3 waits for its SIPI", state == ["wait-for-sipi"], str(state))
            q.close()
        finally:
            p.kill()
            p.wait()


def test_icount():
    outs = [run_ipi(2, "-icount", "shift=0") for _ in range(2)]
    check("icount: the IPI guest with -smp 2 ran", all(o[0] == 1 for o in outs),
          outs[0][1][-800:] + outs[0][2][-500:])
    check("icount: the IPI guest gives the same output twice", outs[0][1] == outs[1][1],
          f"{outs[0][1]!r} vs {outs[1][1]!r}")
    require_guest(lambda msg: check("icount: Linux guest present", False, msg))
    runs = []
    for _ in range(2):
        p = subprocess.run([CARDCAGE, "-M", "pc", "-smp", "2", "-m", "256", "-nographic",
                            "-no-reboot", "-icount", "shift=2",
                            "-rtc", "base=2024-01-01T00:00:00", "-kernel", KERNEL,
                            "-initrd", INITRD, "-append", "console=ttyS0"],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=800)
        runs.append(p)
    ok = all(p.returncode == 0 and b"CARDCAGE-DONE" in p.stdout for p in runs)
    check("icount: Linux -smp 2 ran its workload twice", ok,
          runs[0].stdout.decode(errors="replace")[-1500:] +
          runs[0].stderr.decode(errors="replace")[-500:])
    two = b"smp: Brought up 1 node, 2 CPUs" in runs[0].stdout
    check("icount: Linux brought up 2 CPUs", two)
    a, b = runs[0].stdout.splitlines(), runs[1].stdout.splitlines()
    diff = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), None)
    check("icount: Linux -smp 2 gives byte-identical serial output twice",
          runs[0].stdout == runs[1].stdout,
          f"first difference at line {diff}: {a[diff:diff + 1]} vs {b[diff:diff + 1]}"
          if diff is not None else "lengths differ")


# Four md5sums of 8 MiB of zeros, each pinned to one CPU; each reports the
# CPU its last process ran on (field 39 of /proc/self/stat).
WORKLOAD = ("nproc | sed 's/^/NPROC /'; grep -c ^processor /proc/cpuinfo | sed 's/^/CPUINFO /'; "
            "for i in 0 1 2 3; do taskset -c $i sh -c 'dd if=/dev/zero bs=1048576 count=8 "
            "2>/dev/null | md5sum | sed \"s/ .*//;s/^/MD5 /\"; "
            "echo ONCPU $(cut -d\" \" -f39 /proc/self/stat)' > /tmp/w$i & done; wait; "
            "for i in 0 1 2 3; do echo W$i $(cat /tmp/w$i); done; echo WORK''DONE\n")


def test_linux(mode):
    require_guest(lambda msg: check("linux: guest present", False, msg))
    boot = ["-boot", "kernel=firmware"] if mode == "firmware" else []
    g = Console([CARDCAGE, "-M", "pc", "-smp", "4", "-m", "256", "-nographic", "-no-reboot",
                 *boot, "-kernel", KERNEL, "-initrd", INITRD,
                 "-append", "console=ttyS0 cardcage.test=shell"])
    name = f"linux {mode} -smp 4"
    try:
        ready = g.wait_for(r"CARDCAGE-SHELL-READY", timeout=600)
        check(f"{name}: shell", bool(ready), g.text[-3000:])
        if not ready:
            return
        check(f"{name}: the kernel brought up 4 CPUs",
              "smp: Brought up 1 node, 4 CPUs" in g.text, g.text[-3000:])
        g.send(WORKLOAD)
        done = g.wait_for(r"^WORKDONE", timeout=300)
        check(f"{name}: workload finished", bool(done), g.text[-2000:])
        if not done:
            return
        text = g.text
        nproc = re.search(r"^NPROC (\d+)", text, re.M)
        cpuinfo = re.search(r"^CPUINFO (\d+)", text, re.M)
        check(f"{name}: nproc says 4", bool(nproc) and nproc.group(1) == "4", text[-1500:])
        check(f"{name}: /proc/cpuinfo lists 4 processors",
              bool(cpuinfo) and cpuinfo.group(1) == "4", text[-1500:])
        want = hashlib.md5(bytes(8 << 20)).hexdigest()
        for i in range(4):
            m = re.search(rf"^W{i} MD5 (\w+) ONCPU (\d+)", text, re.M)
            check(f"{name}: md5sum {i} is right and ran on CPU {i}",
                  bool(m) and m.group(1) == want and m.group(2) == str(i),
                  m.group(0) if m else text[-1500:])
        g.send("poweroff -f\n")
        try:
            rc = g.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            rc = None
        check(f"{name}: poweroff ends cardcage with status 0", rc == 0, f"status {rc}")
    finally:
        if g.proc.poll() is None:
            g.proc.kill()


def test_mptable():
    require_guest(lambda msg: check("mptable: guest present", False, msg))
    g = Console([CARDCAGE, "-M", "pc", "-smp", "2", "-m", "256", "-nographic", "-no-reboot",
                 "-kernel", KERNEL, "-initrd", INITRD,
                 "-append", "console=ttyS0 acpi=off cardcage.test=shell"])
    try:
        ready = g.wait_for(r"CARDCAGE-SHELL-READY", timeout=600)
        check("mptable: shell", bool(ready), g.text[-3000:])
        check("mptable: the kernel found the MP table", "Intel MultiProcessor Specification "
              "v1.4" in g.text and "MPTABLE: OEM ID: CARDCAGE" in g.text, g.text[-3000:])
        check("mptable: ... and brought up both CPUs from it",
              "smp: Brought up 1 node, 2 CPUs" in g.text, g.text[-3000:])
        check("mptable: the I/O APIC is in it", "IOAPIC[0]: apic_id 2" in g.text)
    finally:
        g.proc.kill()


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else "ipi"
    if what == "ipi":
        test_ipi()
        test_topology()
    elif what == "icount":
        test_icount()
    elif what == "linux-direct":
        test_linux("direct")
    elif what == "linux-firmware":
        test_linux("firmware")
    elif what == "mptable":
        test_mptable()
    else:
        sys.exit(f"unknown test {what}")
    sys.exit(status())


main()
