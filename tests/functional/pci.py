#!/usr/bin/env python3
"""PCI from the command line: cards put into slots with -device
TYPE,bus=pci.0,addr=N on a board with a PCI host bridge (pci-testhost),
`info pci` laid out as QEMU prints it, query-pci in QEMU's shape, one
clear error for each bad placement and for an unknown romfile, and a
card's option ROM run by SeaBIOS as QEMU's SeaBIOS runs it."""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import cctest
from cctest import BUILD, CARDCAGE, check, run

ROM = os.path.join(BUILD, "tests", "functional", "pci-option-rom.bin")
ROM_LINE = "pci-testdev option ROM ran"

HOST = ["-M", "isapc", "-nodefaults", "-S", "-device", "pci-testhost,id=host"]

BAD = [
    (["-device", "pci-testdev,bus=pci.0,addr=20"],
     r"PCI slot 0x20 of address '20' is out of range: a bus has slots 0 to 0x1f$"),
    (["-device", "pci-testdev,bus=pci.0,addr=5,id=a", "-device", "pci-testdev,bus=pci.0,addr=5,id=b"],
     r"device 'b': .*PCI slot 05\.0 of bus 'pci\.0' is already in use by 'a'$"),
    (["-device", "pci-testdev,bus=pci.0,addr=5,id=a", "-device", "pci-testdev,bus=pci.0,addr=5.1,id=b"],
     r"device 'b': .*function 0 of slot 05 \('a'\) is not a multi-function device"),
    (["-device", "pci-testdev,bus=pci.0,addr=6,id=r,romfile=no-such.rom"],
     r"device 'r': .*romfile 'no-such\.rom' not found \(searched: "),
    (["-device", "pci-testdev,bus=pci.9,id=n"], r"no bus named 'pci\.9'"),
]


def session(args, text):
    p = subprocess.run([CARDCAGE, *HOST, *args], input=text, capture_output=True, text=True,
                       timeout=30)
    return p.returncode, p.stdout, p.stderr


def firmware_log(cmd, log, timeout=20):
    """Run cmd until SeaBIOS has scanned the option ROMs (it then looks for
    a boot device forever) and return its debug log."""
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + timeout
    text = ""
    while time.time() < deadline:
        time.sleep(0.2)
        if os.path.exists(log):
            text = open(log, errors="replace").read()
            if "Booting from" in text or proc.poll() is not None:
                break
    proc.kill()
    proc.wait()
    return text


def option_rom(d):
    """SeaBIOS finds the card, sizes and maps its ROM BAR, and runs the ROM;
    QEMU's SeaBIOS does the same with the same image, when QEMU is here."""
    rom = os.path.join(d, "card.rom")
    data = bytearray(open(ROM, "rb").read())
    data[-1] = (-sum(data[:-1])) & 0xff
    open(rom, "wb").write(data)
    log = os.path.join(d, "seabios.log")
    text = firmware_log([CARDCAGE, "-M", "isapc", "-nodefaults", "-display", "none",
                         "-device", "pci-testhost,id=host",
                         "-device", f"pci-testdev,bus=pci.0,addr=3,id=t,romfile={rom}",
                         "-chardev", f"file,id=dbg,path={log}", "-set", "bios-debug.chardev=dbg"],
                        log)
    check("SeaBIOS maps the ROM BAR",
          "PCI: map device bdf=00:03.0  bar 6, addr febff000, size 00001000 [mem]" in text, text)
    check("SeaBIOS runs the option ROM",
          "Running option rom at c000:0003\n" + ROM_LINE in text, text)
    qemu = "qemu-system-i386"
    if subprocess.run(["sh", "-c", f"command -v {qemu}"], capture_output=True).returncode:
        print(f"skip QEMU comparison: no {qemu}")
        return
    qlog = os.path.join(d, "qemu.log")
    qtext = firmware_log([qemu, "-M", "pc", "-nodefaults", "-display", "none",
                          "-device", f"pci-testdev,romfile={rom}",
                          "-chardev", f"file,id=dbg,path={qlog}",
                          "-device", "isa-debugcon,iobase=0x402,chardev=dbg"], qlog)
    check("QEMU's SeaBIOS runs the same ROM the same way",
          "Running option rom at c000:0003\n" + ROM_LINE in qtext, qtext)


def main():
    for args, rx in BAD:
        p = run(*HOST, *args)
        lines = [l for l in p.stderr.splitlines() if l.strip()]
        ok = p.returncode == 1 and len(lines) == 1 and re.search(rx, lines[0])
        check(f"bad placement {' '.join(args)}", ok, f"status {p.returncode}, stderr {p.stderr!r}")

    # The same from a board file: the error names the file, the device and
    # the JSON path.
    with tempfile.TemporaryDirectory() as d:
        option_rom(d)
        board = os.path.join(d, "pcib.json")
        with open(board, "w") as f:
            json.dump({"extend": "isapc", "devices": [
                {"type": "pci-testhost", "id": "host"},
                {"type": "pci-testdev", "id": "c1", "bus": "pci.0", "props": {"addr": "5"}},
                {"type": "pci-testdev", "id": "c2", "bus": "pci.0",
                 "props": {"addr": "5.1"}}]}, f)
        p = run("-M", board, "-nodefaults", "-S")
        lines = [l for l in p.stderr.splitlines() if l.strip()]
        check("board: second function without multifunction",
              p.returncode == 1 and len(lines) == 1 and
              re.search(r"pcib\.json: device 'c2': devices\[\d+\].*not a multi-function", lines[0]),
              p.stderr)

    cards = ["-device", "pci-testdev,bus=pci.0,addr=5,id=t5",
             "-device", "pci-testdev,bus=pci.0,addr=1f.0,id=mf,multifunction=on",
             "-device", "pci-testdev,bus=pci.0,addr=1f.3,id=mf3",
             "-device", "pci-testdev,id=auto"]
    code, out, err = session(cards + ["-monitor", "stdio"], "info pci\nquit\n")
    check("info pci runs", code == 0, f"status {code}, {err!r}")
    expect_t5 = ("  Bus  0, device   5, function 0:\n"
                 "    Class 0255: PCI device 1b36:0005\n"
                 "      PCI subsystem 1af4:1100\n"
                 "      IRQ 0, pin A\n"
                 "      BAR0: I/O at 0xffffffffffffffff [0x00fe].\n"
                 "      BAR1: 32 bit memory at 0xffffffffffffffff [0x00000ffe].\n"
                 "      BAR2: 64 bit prefetchable memory at 0xffffffffffffffff [0x0000fffe].\n"
                 "      id \"t5\"\n")
    check("info pci: QEMU's layout", expect_t5 in out, out)
    check("info pci: automatic slot 0", "  Bus  0, device   0, function 0:" in out and
          'id "auto"' in out, out)
    check("info pci: multi-function slot 31",
          "device  31, function 0:" in out and "device  31, function 3:" in out, out)

    qmp = ('{"execute": "qmp_capabilities"}\n{"execute": "query-pci"}\n'
           '{"execute": "quit"}\n')
    code, out, err = session(cards + ["-qmp", "stdio"], qmp)
    replies = [json.loads(l) for l in out.splitlines() if l.strip().startswith("{")]
    pci = [r["return"] for r in replies if isinstance(r.get("return"), list)]
    ok = bool(pci) and len(pci[0]) == 1 and pci[0][0]["bus"] == 0
    check("query-pci: one bus", ok, out)
    if ok:
        devs = {(d["slot"], d["function"]): d for d in pci[0][0]["devices"]}
        t5 = devs.get((5, 0), {})
        check("query-pci: the card in slot 5",
              t5.get("qdev_id") == "t5" and t5.get("id") == {"device": 5, "vendor": 0x1b36,
              "subsystem": 0x1100, "subsystem-vendor": 0x1af4} and
              t5.get("class_info") == {"class": 255} and t5.get("irq_pin") == 1 and
              t5.get("irq") == 0, json.dumps(t5))
        regions = t5.get("regions", [])
        check("query-pci: regions", [(r["bar"], r["type"], r["size"]) for r in regions] ==
              [(0, "io", 256), (1, "memory", 4096), (2, "memory", 65536)] and
              regions[2]["prefetch"] and regions[2]["mem_type_64"] and
              not regions[1]["mem_type_64"] and "prefetch" not in regions[0],
              json.dumps(regions))
        check("query-pci: every function", sorted(devs) == [(0, 0), (5, 0), (31, 0), (31, 3)],
              str(sorted(devs)))
    return cctest.status()


if __name__ == "__main__":
    sys.exit(main())
