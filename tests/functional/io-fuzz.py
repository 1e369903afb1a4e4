#!/usr/bin/env python3
"""Whole-machine fuzz: the io-fuzz guest (guest/io-fuzz.asm) makes 300000
random port and MMIO accesses of every size to every device of the isapc,
pc boards, and on pc configuration accesses to every PCI function (a
pci-testdev, an rtl8139, an e1000 and an ne2k_pci network card on user netdevs among
them; on isapc an ne2k_isa at 0x300) that move BARs onto each other, RAM and the APICs, with several seeds, in real-time and in icount mode.  The
emulator must run it to its end (isa-debug-exit, status 67): no crash, no
hang, no assertion, whatever the guest writes.  Some real-time runs switch
the timers' minimum periods off, so that a timer the fuzz programs may fall
due at every turn of the main loop: the CPU must progress all the same, on
a slow host as on a fast one (the timeout only catches a CPU that stopped).

The IDE mode (-append "SEED ide") aims three accesses in four at the IDE
channels: two disks and a CD-ROM (scratch images of zeroes), task files,
commands, ATAPI packets, soft resets, and on pc the PIIX3's bus master with
PRD tables that point at RAM, at themselves and at unassigned space, with
zero-length (64 KiB), looping-free and EOT-less entries, started and
stopped mid-transfer.

The BLT mode (-append "SEED blt", on pc with -vga cirrus) aims three
accesses in four at the cirrus-vga's BitBLT engine: its registers with
random addresses, pitches, sizes, directions, ROPs and modes, BLT starts,
and CPU data through the window.

The NIC modes (-append "SEED nic-rtl8139", "nic-e1000", "nic-ne2k_pci", on
pc with that card at 00:05.0 on a UDP socket netdev that hands every frame
the card sends back to it) aim three accesses in four at the card: random
register accesses (most at the registers that matter), random descriptors
with zero, huge and random lengths pointing into its rings, at the ring
itself, at its own registers, at unassigned space and at the top of the
32-bit space, heads and tails past the ring, transmits, and on the NE2000
remote DMA bursts past its RAM."""
import os
import socket
import subprocess
import sys
import tempfile

BUILD = os.environ["CARDCAGE_BUILD_ROOT"]
CARDCAGE = os.path.join(BUILD, "cardcage")
GUEST = os.path.join(BUILD, "tests", "functional", "io-fuzz.bin")
SEEDS = ["1", "cafe", "2545f491", "deadbeef", "7", "80000001"]
IDE_SEEDS = ["1de", "5eed1de", "c0ffee", "12345678"]
BLT_SEEDS = ["b17", "c1a55", "5446", "feedface"]
# Card -> seeds of its NIC mode (the e1000's rings of up to 64K descriptors
# make its runs the longest: one seed).
NIC_SEEDS = {"rtl8139": ["8139", "c0de"], "e1000": ["e1000"], "ne2k_pci": ["8029", "beef"]}
scratch = tempfile.TemporaryDirectory()
IDE_DRIVES = []
for i, (name, size) in enumerate((("hd0", 4 << 20), ("hd1", 1 << 20), ("cd", 1 << 20))):
    path = os.path.join(scratch.name, name + ".img")
    with open(path, "wb") as f:
        f.truncate(size)
    media = ",media=cdrom" if name == "cd" else ""
    IDE_DRIVES += ["-drive", f"file={path},format=raw,if=ide,index={i}{media}"]


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# The pc board's HPET: its minimum period goes with the others.
HPET = ("pc",)
failures = 0

runs = [(board, i, seed, "") for board in ("isapc", "pc") for i, seed in enumerate(SEEDS)]
runs += [(board, i, seed, "ide") for board in ("isapc", "pc") for i, seed in enumerate(IDE_SEEDS)]
runs += [("pc", i, seed, "blt") for i, seed in enumerate(BLT_SEEDS)]
runs += [("pc", i, seed, f"nic-{card}") for card, seeds in NIC_SEEDS.items()
         for i, seed in enumerate(seeds)]
for board, i, seed, what in runs:
    ide = what == "ide"
    blt = what == "blt"
    nic = what[4:] if what.startswith("nic-") else None
    if True:
        extra = ["-icount", "shift=3"] if i % 2 else []
        if i % 4 == 2:
            extra = ["-global", "i8254.min-period-ns=0"] + (
                ["-global", "apic.min-period-ns=0"] if board != "isapc" else []) + (
                ["-global", "hpet.min-period-ns=0"] if board in HPET else [])
        # A PCI card with every kind of BAR and a ROM for the fuzz's
        # configuration accesses to move around, and three network cards (their
        # registers in I/O and memory BARs, their option ROMs; the e1000's
        # TX ring runs when the fuzz hits TDT).
        pci = (["-device", "pci-testdev", "-nic", "user,model=rtl8139",
                "-nic", "user,model=e1000", "-nic", "user,model=ne2k_pci"]
               if board != "isapc" and not what else [])
        if nic:
            # The card alone, its frames coming back to it over UDP.
            port = free_udp_port()
            pci = ["-nic", "none", "-netdev",
                   f"socket,id=n0,udp=127.0.0.1:{port},localaddr=127.0.0.1:{port}",
                   "-device", f"{nic},netdev=n0,addr=5,romfile="]
        if board == "isapc" and not what:
            pci = ["-nic", "user,model=ne2k_isa"]
        cmd = [CARDCAGE, "-M", board, "-display", "none", "-serial", "null", "-no-reboot",
               *extra, "-kernel", GUEST, "-append", seed + (f" {what}" if what else ""),
               "-device", "isa-debug-exit,iobase=0xf4,iosize=4", *pci,
               *(IDE_DRIVES if ide else []), *(["-vga", "cirrus"] if blt else [])]
        try:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=120)
            status, err = p.returncode, p.stderr
        except subprocess.TimeoutExpired:
            status, err = None, "timeout (hang)"
        ok = status == 67 and not err.strip()
        mode = ("icount" if "-icount" in extra else "real-time") + (
            ", no minimum periods" if "-global" in extra else "") + (", IDE" if ide else "") + (
            ", cirrus BLT" if blt else "") + (f", {nic}" if nic else "")
        print(f"{'ok  ' if ok else 'FAIL'} {board} seed {seed} ({mode})" +
              ("" if ok else f": status {status}, stderr {err[-500:]!r}"))
        failures += not ok
sys.exit(1 if failures else 0)
