#!/usr/bin/env python3
"""The habits of QEMU users: the options scripts pass by habit are accepted
where they ask for what cardcage does and refused clearly where they ask for
more; options of features to come say so; Ctrl-C under -nographic reaches
the guest; -debugcon is port 0xE9; -monitor stdio shares the console
instead of dropping it; errors name the option that caused them."""
import os
import pty
import re
import subprocess
import sys
import tempfile
import termios
import time

import cctest
from cctest import BUILD, CARDCAGE, EXIT, check, console_session, run

EXIT_KERNEL = os.path.join(BUILD, "bench", "startup", "exit-kernel.bin")
HELLO = os.path.join(BUILD, "tests", "functional", "debugcon-hello.bin")


# Accepted: each asks for what cardcage does; the guest runs to its exit
# (status 1 from isa-debug-exit) with nothing on stderr.
ACCEPTED = [
    ["-smp", "1"], ["-smp", "cpus=1,sockets=1,cores=1,threads=1,maxcpus=1"],
    ["-accel", "tcg"], ["-accel", "tcg,thread=single"], ["-machine", "accel=tcg"],
    ["-M", "isapc,accel=tcg"], ["-nic", "none"], ["-net", "none"],
    ["-netdev", "user,id=n0"], ["-vga", "none"],
    ["-vga", "std"], ["-display", "none"], ["-display", "none,refresh-rate=60"], ["-name", "guest1"], ["-name", "guest=g,debug-threads=on"],
    ["-no-hpet"], ["-no-acpi"], ["-no-user-config"], ["-nodefaults"],
    ["-parallel", "none"], ["-monitor", "none"], ["-serial", "none"],
    ["-rtc", "base=utc,clock=vm,driftfix=none"], ["-rtc", "base=localtime"],
    # QEMU's boot order for the firmware; the -kernel started directly
    # runs all the same.
    ["-boot", "c"], ["-boot", "d"], ["-boot", "order=ab,once=n"],
    ["-boot", "order=cdn,once=d,menu=on,splash-time=500,reboot-timeout=-1,strict=on"],
    ["-boot", "menu=off,reboot-timeout=65535,kernel=direct"],
]

# Refused, with one line naming the option and what is missing.
REFUSED = [
    (["-smp", "2"], r"^cardcage: -smp: 2 CPUs requested, but board 'isapc' takes at most 1$"),
    (["-smp", "1,maxcpus=2"], r"^cardcage: -smp: 2 CPUs requested, but board 'isapc' takes at most 1$"),
    (["-smp", "0"], r"^cardcage: -smp 0: cpus must be at least 1$"),
    (["-smp", "1000"], r"^cardcage: -smp: 1000 CPUs requested, but board 'isapc' takes at most 1$"),
    (["-smp", "100000"], r"^cardcage: -smp 100000: cpus=100000 is not a CPU count \(1 to 4096\)$"),
    (["-smp", "two"], r"^cardcage: -smp two: cpus=two is not a CPU count"),
    (["-smp", "4,sockets=3,cores=2,maxcpus=4"], r"^cardcage: -smp 4,sockets=3,cores=2,maxcpus=4: invalid CPU topology: sockets \(3\) \* dies \(1\) \* cores \(2\) \* threads \(1\) = 6, but maxcpus is 4$"),
    (["-smp", "8,sockets=2,cores=2"], r"^cardcage: -smp 8,sockets=2,cores=2: 8 CPUs, but maxcpus is 4"),
    (["-smp", "4,maxcpus=2"], r"^cardcage: -smp 4,maxcpus=2: invalid CPU topology: .* = 2, but maxcpus is 2$|^cardcage: -smp 4,maxcpus=2: 4 CPUs, but maxcpus is 2"),
    (["-smp", "2,bogus=1"], r"^cardcage: -smp 2,bogus=1: unknown key 'bogus'"),
    (["-enable-kvm"], r"^cardcage: -enable-kvm: cardcage runs guests on its own CPU emulator only \(accel=tcg\); 'kvm' is not available$"),
    (["-accel", "kvm"], r"^cardcage: -accel kvm: .*'kvm' is not available$"),
    (["-machine", "pc,accel=kvm"], r"^cardcage: -M pc,accel=kvm: .*'kvm' is not available$"),
    (["-M", "pc,usb=on"], r"^cardcage: -M pc,usb=on: machine option 'usb' is set in the board file or with -set"),
    (["-nic", "user,model=rtl8139"], r"^cardcage: command line: device 'rtl8139-\d+': .*plugs into a bus of type 'PCI'"),
    (["-vga", "vmware"], r"^cardcage: -vga vmware: that card is not available in cardcage yet \(available: std, cirrus, none\)$"),
    (["-vga", "nonsense"], r"^cardcage: -vga nonsense: unknown card \(available: std, cirrus, none\)$"),
    (["-display", "sdl"], r"^cardcage: -display sdl: only 'none' is available"),
    (["-display", "none,refresh-rate=0"], r"^cardcage: -display none,refresh-rate=0: refresh-rate=0: expected 1 to 1000"),
    # Disks exist now: a missing image is one line naming the option and file.
    (["-hda", "disk.img"], r"^cardcage: -hda disk.img: could not open 'disk.img': No such file or directory$"),
    (["-cdrom", "x.iso"], r"^cardcage: -cdrom x.iso: could not open 'x.iso': No such file or directory$"),
    (["-drive", "file=x.img,if=ide"], r"^cardcage: -drive file=x.img,if=ide: could not open 'x.img': No such file or directory$"),
    (["-fda", "f.img"], r"^cardcage: -fda: cardcage has no floppy disks yet$"),
    (["-spice", "port=5930"], r"^cardcage: -spice: cardcage has no display yet$"),
    (["-vnc", "0"], r"^cardcage: -vnc 0: expected :N, HOST:N"),
    (["-usb"], r"^cardcage: -usb: cardcage has no USB yet$"),
    (["-rtc", "base=garbage"], r"^cardcage: -rtc base=garbage: .*device 'rtc'.*base 'garbage'"),
    (["-rtc", "base=utc,clock=host"], r"^cardcage: -rtc base=utc,clock=host: cardcage's RTC follows the virtual clock"),
    (["-rtc", "clock=vm"], r"^cardcage: -rtc clock=vm: expected base="),
    (["-global", "mc146818rtc.base=never"], r"^cardcage: -global mc146818rtc\.base=never: .*device 'rtc'"),
    (["-boot", "x"], r"^cardcage: -boot x: order=x: 'x' is not a boot drive \(a, b floppy, c hard disk, d CD-ROM, n network\)$"),
    (["-boot", "order=c,once=e"], r"^cardcage: -boot order=c,once=e: once=e: 'e' is not a boot drive"),
    (["-boot", "cc"], r"^cardcage: -boot cc: order=cc: drive 'c' given twice$"),
    (["-boot", "cdna"], r"^cardcage: -boot cdna: order=cdna: expected 1 to 3 drive letters"),
    (["-boot", "order="], r"^cardcage: -boot order=: order=: expected 1 to 3 drive letters"),
    (["-boot", "c,bogus=1"], r"^cardcage: -boot c,bogus=1: unknown key 'bogus' \(expected order, once, menu,"),
    (["-boot", "menu=maybe"], r"^cardcage: -boot menu=maybe: .*'menu'.*'maybe'"),
    (["-boot", "strict=2"], r"^cardcage: -boot strict=2: .*'strict'"),
    (["-boot", "splash-time=-1"], r"^cardcage: -boot splash-time=-1: splash-time=-1: expected milliseconds from 0 to 65535$"),
    (["-boot", "reboot-timeout=65536"], r"^cardcage: -boot reboot-timeout=65536: reboot-timeout=65536: expected milliseconds from -1 to 65535$"),
    (["-boot", "reboot-timeout=5s"], r"^cardcage: -boot reboot-timeout=5s: reboot-timeout=5s: expected milliseconds"),
    (["-boot", "kernel=bios"], r"^cardcage: -boot kernel=bios: kernel=bios: expected kernel=direct"),
    (["-global", "mc146818rtc.boot-order=cz"], r"^cardcage: -global mc146818rtc\.boot-order=cz: .*boot-order 'cz': 'z' is not a boot drive"),
    (["-device", "isa-serial,iobase=0x3e8,chardev=serial0"], r"^cardcage: command line: .*-device isa-serial,iobase=0x3e8,chardev=serial0: chardev 'serial0' is already in use by device 'com1'$"),
    (["-device", "isa-serial,iobase=0x3e8,chardev=nope"], r"^cardcage: command line: .*: no character backend 'nope'$"),
    (["-device", "isa-debugcon,id=dc,iobase=0x61"], r"^cardcage: command line: device 'dc': .*I/O ports 0x61-0x61 of device 'dc' \(isa-debugcon\) overlap I/O ports 0x61-0x61 of device 'pit' \(i8254\)"),
    (["-device", "isa-serial,,x"], r"^cardcage: -device isa-serial,,x: 'isa-serial,x' is not KEY=VALUE|^cardcage: command line: .*unknown device type 'isa-serial,x'"),
    (["-device", "isa-serial,iobase=1,iobase=2"], r"^cardcage: -device isa-serial,iobase=1,iobase=2: 'iobase' is given twice$"),
    (["-serial", "null", "-serial", "null", "-serial", "null", "-serial", "null", "-serial", "null"],
     r"^cardcage: -serial null: at most 4 -serial options$"),
]


def one_line_error(p, rx):
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    return p.returncode == 1 and len(lines) == 1 and re.search(rx, lines[0])


def main():
    for args in ACCEPTED:
        p = run("-M", "isapc", "-serial", "null", *args, "-kernel", EXIT_KERNEL, *EXIT)
        check(f"accepted: {' '.join(args)}", p.returncode == 1 and not p.stderr.strip(),
              f"status {p.returncode}, stderr {p.stderr!r}")
    for args, rx in REFUSED:
        p = run("-M", "isapc", "-serial", "null", "-kernel", EXIT_KERNEL, *args)
        check(f"refused: {' '.join(args)}", one_line_error(p, rx),
              f"status {p.returncode}, stderr {p.stderr!r}")
    p = run("-M", "pc", "-serial", "null", "-smp", "1000", "-kernel", EXIT_KERNEL)
    check("-smp 1000 on pc: more than its 255", one_line_error(
        p, r"^cardcage: -smp: 1000 CPUs requested, but board 'pc' takes at most 255$"),
        f"status {p.returncode}, stderr {p.stderr!r}")
    p = run("-M", "romtest", "-rtc", "base=utc")
    check("-rtc on a board without an RTC names -rtc",
          one_line_error(p, r"^cardcage: -rtc base=utc: board 'romtest' has no RTC"), p.stderr)
    p = run("-M", "romtest", "-boot", "d")
    check("-boot d on a board without an RTC names -boot",
          one_line_error(p, r"^cardcage: -boot d: board 'romtest' has no RTC"), p.stderr)

    # -device TYPE,help lists the IRQ/GPIO lines with their counts.
    p = run("-device", "i8259,help")
    check("-device i8259,help lists its lines", p.returncode == 0 and
          "IRQ/GPIO inputs: in[0..15] (16 lines)" in p.stdout and
          "IRQ/GPIO outputs: intr (1 line)" in p.stdout, p.stdout)
    p = run("-device", "mc146818rtc,help")
    check("-device mc146818rtc,help lists its lines", p.returncode == 0 and
          "IRQ/GPIO inputs: irq-enable (1 line)" in p.stdout and
          "IRQ/GPIO outputs: irq (1 line), nmi-mask (1 line)" in p.stdout, p.stdout)

    # -debugcon is QEMU's port 0xE9.
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "e9.txt")
        p = run("-M", "isapc", "-serial", "null", "-debugcon", f"file:{out}", "-kernel", HELLO,
                *EXIT)
        got = open(out).read() if os.path.exists(out) else None
        check("-debugcon file: gets what the guest writes to port 0xE9",
              p.returncode == 1 and got == "hello 0xe9\n", f"status {p.returncode}, {got!r}, "
              f"{p.stderr!r}")
        p = run("-M", "pc", "-serial", "null", "-kernel", HELLO, *EXIT)
        check("without -debugcon, port 0xE9 is not decoded", p.returncode == 1 and
              not p.stderr.strip(), p.stderr)

    # Ctrl-C under -nographic: the terminal is raw with ISIG off, so ^C is
    # byte 0x03 for the guest and the emulator lives on; Ctrl-A x ends it.
    master, slave = pty.openpty()
    proc = subprocess.Popen([CARDCAGE, "-M", "isapc", "-S", "-nographic",
                             "-kernel", EXIT_KERNEL, *EXIT],
                            stdin=slave, stdout=slave, stderr=subprocess.PIPE)
    # Raw mode comes with the stdio backend, early in start-up.
    for _ in range(50):
        lflag = termios.tcgetattr(slave)[3]
        if not lflag & termios.ISIG:
            break
        time.sleep(0.1)
    check("-nographic: the terminal is raw without signals (ISIG off)",
          not (lflag & termios.ISIG) and not (lflag & termios.ICANON), f"lflag {lflag:#x}")
    os.write(master, b"\x03")
    time.sleep(0.5)
    check("-nographic: Ctrl-C does not end the emulator", proc.poll() is None,
          f"status {proc.poll()}")
    os.write(master, b"\x01x")
    try:
        status = proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        status = None
    check("-nographic: Ctrl-A x ends it with status 0", status == 0, f"status {status}")
    os.close(slave)
    os.close(master)

    # -nographic -monitor stdio and -serial stdio -monitor stdio: the
    # monitor shares the console (Ctrl-A c) instead of taking it.
    for extra in (["-monitor", "stdio"], ["-serial", "stdio", "-monitor", "stdio"]):
        status, out, err = console_session(
            ["-M", "isapc", "-S", "-nographic", *extra, "-kernel", EXIT_KERNEL, *EXIT],
            (b"\x01c", b"info qtree\r", b"\x01x"))
        # The monitor answers, and the first UART is on the same terminal.
        check(f"-nographic {' '.join(extra)}: Ctrl-A c reaches the monitor on stdio",
              status == 0 and "cardcage monitor" in out and "chardev = serial0" in out,
              f"status {status}, stdout {out[-400:]!r}, stderr {err!r}")
        # ...and the guest's first UART still writes to the terminal.
        p = run("-M", "isapc", "-nographic", *extra, "-kernel", HELLO, *EXIT)
        check(f"-nographic {' '.join(extra)}: the serial console is not dropped",
              p.returncode == 1 and "hello serial" in p.stdout,
              f"status {p.returncode}, stdout {p.stdout!r}, stderr {p.stderr!r}")

    # -no-hpet drops the HPET that pc's "options" name, and its ACPI table
    # with it; on isapc (no HPET) it is accepted above and changes nothing.
    for extra, want in (([], True), (["-no-hpet"], False)):
        status, out, err = console_session(
            ["-M", "pc", "-S", "-nographic", "-monitor", "stdio", *extra, "-kernel",
             EXIT_KERNEL, *EXIT], (b"\x01c", b"info qtree\r", b"\x01x"))
        check(f"-M pc {' '.join(extra)}: the HPET is {'there' if want else 'gone'}",
              status == 0 and "cardcage monitor" in out and
              ("dev: hpet, id \"hpet\"" in out) == want,
              f"status {status}, stdout {out[-600:]!r}, stderr {err!r}")
    sys.exit(cctest.status())


main()
