#!/usr/bin/env python3
"""The command line: every bad option gives exit status 1 and one message;
the help outputs list what they should; -S starts paused and the monitor's
`cont` starts the CPU; -set swaps a device model."""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

import cctest
from cctest import BUILD, CARDCAGE, EXIT, check, console_session, run


BAD = [
    (["-frobnicate"], r"^cardcage: -frobnicate: unknown option \(cardcage -h lists the options\)$"),
    (["-m"], r"^cardcage: -m: requires an argument \(SIZE\)$"),
    (["-m", "lots"], r"^cardcage: -m lots: expected a RAM size such as 128, 128M or 1G$"),
    (["-m", "0"], r"^cardcage: -m 0: the RAM size must not be zero$"),
    (["-M", "nosuchboard"], r"^cardcage: -M nosuchboard: no such board \(-M help lists the boards\)$"),
    (["-M", "/nonexistent/b.json"], r"^cardcage: cannot read board file: .*nonexistent/b.json"),
    (["-M", "isapc,acpi=maybe"], r"^cardcage: -M isapc,acpi=maybe: acpi=maybe: expected on, off or auto$"),
    (["-d", "everything"], r"^cardcage: -d: unknown log item 'everything' \(-d help lists them\)$"),
    (["-icount", "shift=99"], r"^cardcage: -icount shift=99: expected shift=N with N from 0 to 10"),
    (["-global", "i8254"], r"^cardcage: -global i8254: expected TYPE\.PROPERTY=VALUE$"),
    (["-global", "i8254.colour=red"], r"^cardcage: -global i8254\.colour=red: device type 'i8254' has no property 'colour'$"),
    (["-L", "/nonexistent-dir"], r"^cardcage: -L /nonexistent-dir: no such directory$"),
    (["-cpu", "z80"], r"^cardcage: -cpu: unknown CPU model 'z80' \(-cpu help lists them\)$"),
    # -cpu goes through the common KEY=VALUE parser: its errors, and a
    # feature list that reaches the CPU model item by item.
    (["-cpu", "pentium2,"], r"^cardcage: -cpu pentium2,: empty item"),
    (["-cpu", "pentium2,+bogus"], r"^cardcage: -cpu \+bogus: unknown CPU feature 'bogus'"),
    (["-cpu", "pentium2,family=16"], r"^cardcage: -cpu family=16: .*family"),
    # A flag that CPUID has but cardcage does not implement is refused by
    # name (a model that has it just does not report it).
    (["-cpu", "pentium4,+vme"], r"^cardcage: -cpu \+vme: CPU feature 'vme' is not implemented by cardcage"),
    (["-set", "pit.type=nonexistent-timer"], r"^cardcage: command line: device 'pit': -set pit\.type=nonexistent-timer: unknown device type 'nonexistent-timer'"),
    (["-set", "pit.iobase=0x10000"], r"^cardcage: command line: device 'pit': -set pit\.iobase=0x10000: property 'iobase' of 'i8254': 65536 is out of range"),
    (["-device", "i8254,id=pit"], r"^cardcage: command line: -device i8254,id=pit: a device with id 'pit' already exists"),
    (["-device", "isa-serial,id=com3,iobase=0x3f8"], r"^cardcage: command line: device 'com3': -device isa-serial,id=com3,iobase=0x3f8: I/O ports 0x3f8-0x3ff of device 'com3' \(isa-serial\) overlap I/O ports 0x3f8-0x3ff of device 'com1' \(isa-serial\) \(region 'serial'\)$"),
    (["-serial", "tcp:nohost.invalid:x"], r"^cardcage: -serial tcp:nohost\.invalid:x: "),
    (["-gdb", "tcp:nohost.invalid:x"], r"^cardcage: -gdb tcp:nohost\.invalid:x: chardev 'gdb': "),
    (["-gdb"], r"^cardcage: -gdb: requires an argument \(SPEC\)$"),
    (["-boot", "order=z"], r"^cardcage: -boot order=z: order=z: 'z' is not a boot drive"),
    (["-boot", "kernel=bios"], r"^cardcage: -boot kernel=bios: kernel=bios: expected kernel=direct .* or kernel=firmware"),
    (["stray"], r"^cardcage: unexpected argument 'stray'"),
    (["-initrd", "/dev/null"], r"^cardcage: -initrd needs -kernel$"),
]


def main():
    for args, rx in BAD:
        p = run("-M", "isapc", *args) if args[0] not in ("-M",) else run(*args)
        lines = [l for l in p.stderr.splitlines() if l.strip()]
        ok = p.returncode == 1 and len(lines) == 1 and re.search(rx, lines[0])
        check(f"bad option {' '.join(args)}", ok,
              f"status {p.returncode}, stderr {p.stderr!r}")

    p = run("-h")
    check("-h", p.returncode == 0 and "-icount shift=N" in p.stdout and "-device" in p.stdout)
    p = run("--version")
    check("--version", p.returncode == 0 and re.match(r"cardcage \d+\.\d+\.\d+ \(plugin ABI", p.stdout))
    p = run("-M", "help")
    check("-M help", p.returncode == 0 and re.search(r"^  isapc +ISA-only PC", p.stdout, re.M)
          and re.search(r"^  romtest ", p.stdout, re.M))
    p = run("-device", "help")
    check("-device help", p.returncode == 0 and
          re.search(r"^  i8254 +\[pit, bus isa-bus\]", p.stdout, re.M) and
          re.search(r"^  isa-serial +\[serial, bus isa-bus\]", p.stdout, re.M))
    p = run("-device", "i8254,help")
    check("-device i8254,help", p.returncode == 0 and "iobase=<uint16>" in p.stdout and
          "from pit" in p.stdout)
    p = run("-cpu", "help")
    check("-cpu help", p.returncode == 0 and
          all(re.search(rf"^  {m} ", p.stdout, re.M)
              for m in ("pentium2", "pentium3", "pentium4", "qemu32", "max")) and
          re.search(r"^  nx +execute disable", p.stdout, re.M))
    p = run("-d", "help")
    check("-d help", p.returncode == 0 and "unassigned" in p.stdout and
          re.search(r"^  pit +.*\(plugin pit\)$", p.stdout, re.M))
    p = run("--list-plugins")
    check("--list-plugins", p.returncode == 0 and re.search(r"^pit +\S+ +/", p.stdout, re.M)
          and "types: i8254" in p.stdout)

    # -S: paused until the monitor says cont; the guest then runs to its
    # debug-exit write.
    with tempfile.TemporaryDirectory() as d:
        kernel = os.path.join(BUILD, "bench", "startup", "exit-kernel.bin")
        mon = os.path.join(d, "mon")
        proc = subprocess.Popen([CARDCAGE, "-M", "isapc", "-S", "-display", "none",
                                 "-serial", "null", "-kernel", kernel, *EXIT,
                                 "-monitor", f"unix:{mon},server=on,wait=off"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        for _ in range(100):
            if os.path.exists(mon):
                break
            time.sleep(0.05)
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(5)
        s.connect(mon)

        def ask(cmd):
            s.sendall((cmd + "\n").encode())
            time.sleep(0.3)
            return s.recv(65536).decode(errors="replace")

        ask("")
        paused = ask("info status")
        check("-S starts paused", "VM status: paused" in paused, paused)
        time.sleep(0.5)
        check("-S stays paused", proc.poll() is None)
        ask("cont")
        try:
            status = proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            status = None
        check("cont runs the guest to its exit", status == 1, f"status {status}")
        s.close()

    # No -serial, no -monitor: serial0 and the monitor share stdio as with
    # QEMU's -nographic.  Ctrl-A c gives the monitor the keyboard, Ctrl-A x
    # ends the emulator with status 0.
    status, out, err = console_session(["-M", "isapc", "-S", "-nographic", "-kernel", kernel],
                                       (b"\x01c", b"info status\r", b"\x01x"))
    check("-nographic: Ctrl-A c reaches the monitor on stdio",
          "cardcage monitor" in out and "VM status: paused" in out, out)
    check("-nographic: Ctrl-A x exits with status 0", status == 0 and "terminated" in out,
          f"status {status}, {err!r}")

    # -boot kernel=firmware: SeaBIOS runs its POST, then cardcage's boot
    # ROM loads the kernel and starts it; it exits through isa-debug-exit.
    # Needs SeaBIOS (Debian's seabios package, which .ci/install-deps
    # installs); skipped where it is absent, except in CI.
    if any(os.path.exists(os.path.join(d, "bios.bin"))
           for d in ("/usr/share/seabios", "/usr/share/qemu")):
        p = run("-M", "isapc", "-boot", "kernel=firmware", "-nographic", "-kernel", kernel,
                *EXIT)
        check("-boot kernel=firmware: the BIOS starts the kernel through the boot ROM",
              p.returncode == 1 and "Booting from ROM" in p.stdout and not p.stderr,
              f"status {p.returncode}, stdout {p.stdout[-300:]!r}, stderr {p.stderr!r}")
    elif os.environ.get("CARDCAGE_REQUIRE_GUESTS"):
        check("-boot kernel=firmware: SeaBIOS is installed", False, "no bios.bin")
    else:
        print("skip -boot kernel=firmware: no SeaBIOS bios.bin (apt-get install seabios)")
    p = run("-M", "romtest", "-bios", kernel, "-boot", "kernel=firmware", "-kernel", kernel)
    check("-boot kernel=firmware on a board without fw-cfg is an error",
          p.returncode == 1 and "has no fw-cfg device" in p.stderr, p.stderr)

    # -set swaps a model: com2 becomes a post-port, keeping its id and bus;
    # the machine builds and the guest runs to its exit.
    kernel = os.path.join(BUILD, "bench", "startup", "exit-kernel.bin")
    p = run("-M", "isapc", "-set", "com2.type=post-port", "-set", "com2.chardev=",
            "-display", "none", "-serial", "null", "-kernel", kernel, *EXIT)
    check("-set swaps a model, and the old wiring no longer fits",
          p.returncode == 1 and "devices[6].irq.irq: 'com2' has no output irq[0]" in p.stderr,
          p.stderr)
    p = run("-M", "isapc", "-set", "com2.type=post-port", "-set", "com2.chardev=",
            "-set", "com2.irq.irq=", "-display", "none", "-serial", "null", "-kernel", kernel,
            *EXIT)
    check("-set swaps a model and unwires it (machine builds and runs)",
          p.returncode == 1 and not p.stderr, f"status {p.returncode}, {p.stderr}")
    p = run("-M", "isapc", "-set", "com2.type=post-port", "-set", "com2.irq=5",
            "-display", "none", "-serial", "null", "-kernel", kernel, *EXIT)
    check("-set of a property the new model lacks fails", p.returncode == 1 and
          "'post-port' has no property 'irq'" in p.stderr, p.stderr)
    sys.exit(cctest.status())


main()
