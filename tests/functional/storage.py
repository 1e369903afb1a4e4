#!/usr/bin/env python3
"""Storage from the guest's side: SeaBIOS boots the test media of
tests/guests/get-disk-guests.sh from an IDE disk or the IDE CD-ROM, and the
Linux test guest (init.sh's disk mode) lists its disks and CDs, reads them,
and writes a pattern to a second disk, which the test then finds in that
disk's image file, at the offset the guest wrote it, and nowhere else.

  hd-raw-pc       pc (PIIX3 IDE): raw boot disk (SYSLINUX) on the primary
                  master, blank raw data disk on the primary slave
  hd-raw-isapc    the same on isapc (ISA IDE ports, PIO)
  hd-qcow2-pc     boot disk and data disk in qcow2
  hd-backing-pc   the boot disk a fresh qcow2 overlay over the cached qcow2
  cd-pc           -cdrom with the ISOLINUX CD and -boot d, the data disk as
                  -hda (primary master)
  cd-isapc        the same on isapc
  boot-order      pc with a hard disk, a data disk and a CD: -boot c boots
                  the disk, then -boot d the CD, in a second process that
                  reads back what the first wrote to the data disk
  bootindex       the same devices as -device ide-hd/ide-cd with bootindex:
                  the CD's bootindex 1 and the disk's 2 boot the CD although
                  -boot c says the disk, then the reverse against -boot d
  hd-nbd-pc       the boot disk a copy of boot.raw that qemu-nbd serves on a
                  unix socket (-drive file=nbd+unix://...), the data disk raw
  hd-iscsi-pc     the boot disk a LUN that tgtd serves on 127.0.0.1
                  (-drive file=iscsi://...); needs root and tgt

Every case checks: the boot loader's banner and the kernel command line's
cardcage.boot= (what was booted), the disks' sizes, the md5 of the first
4 MiB of each disk against its image, the CD file's md5, DMA on the PIIX
(PIO on isapc), the pattern's md5 written and read back, and on the host:
the data image holds the pattern at 1 MiB and the rest of it is as before,
the boot image is unchanged (`qemu-img compare`/`check` for qcow2).

The same cases run on QEMU (`storage.py CASE --qemu`, or
CARDCAGE_TEST_EMULATOR=qemu, or =/path/to/qemu-system-i386) to show the
test itself is right; the command line is QEMU's on both, but for QEMU's
isapc CPU (`-cpu pentium2,-apic`: QEMU's isapc has no local APIC, its
default 486 cannot run the 686 kernel).  On cardcage a case skips (77) while
`cardcage -device help` lacks the IDE devices it needs.  Skips when the
media have not been built (tests/guests/get-disk-guests.sh), unless
CARDCAGE_REQUIRE_GUESTS=1."""
import contextlib
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cctest import BUILD, CARDCAGE, GUEST, check, status  # noqa: E402
from blockservers import iscsi_server, nbd_server, why_not_iscsi, why_not_nbd  # noqa: E402

MEDIA = os.path.join(os.path.dirname(GUEST), "disks")
TIMEOUT = 600
# SeaBIOS's POST and the boot loader's banner take a few seconds.
LOADER_TIMEOUT = 120
MIB = 1 << 20
BOOT_SECTORS = 64 * MIB // 512
DATA_SECTORS = 16 * MIB // 512
# init.sh's pattern: 2048 sectors from sector 2048, each naming itself.
PATTERN = b"".join(b"CARDCAGE-DATA sector %08d%482s\n" % (i, b"") for i in range(2048))
PATTERN_AT = MIB


def md5(data):
    return hashlib.md5(data).hexdigest()


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def skip(msg):
    print(f"SKIP: {msg}")
    sys.exit(77)


class Emulator:
    """The binary under test and what differs between cardcage and QEMU."""

    def __init__(self, choice):
        self.qemu = False
        if choice in (None, "", "cardcage"):
            self.path = CARDCAGE
        elif choice == "qemu":
            self.path = shutil.which("qemu-system-i386")
            if not self.path:
                skip("qemu-system-i386 not installed")
            self.qemu = True
        else:
            self.path = choice
            self.qemu = os.path.basename(choice).startswith("qemu")
        self.name = "qemu" if self.qemu else "cardcage"

    def machine_args(self, machine):
        args = ["-M", machine, "-m", "256", "-nographic", "-no-reboot"]
        if self.qemu and machine == "isapc":
            # QEMU's isapc: a 486 by default, and its Pentium II would
            # advertise a local APIC the board does not have (the kernel
            # then follows SeaBIOS's MP table into a missing I/O APIC).
            args += ["-cpu", "pentium2,-apic"]
        return args

    def missing_server(self, case):
        """Why a served-disk case cannot run here, or None."""
        if case == "hd-nbd-pc":
            why = why_not_nbd(BUILD)
            return None if self.qemu and why and "plugin" in why else why
        if case == "hd-iscsi-pc":
            why = why_not_iscsi(BUILD)
            if self.qemu:
                if why and "plugin" not in why:
                    return why
                # Debian builds QEMU's iscsi driver as a module of the
                # qemu-block-extra package, which drags in Ceph and Gluster.
                probe = subprocess.run([self.path, "-drive", "driver=iscsi,help"],
                                       stdin=subprocess.DEVNULL, capture_output=True,
                                       text=True, timeout=60)
                if probe.returncode:
                    return "this QEMU has no iscsi driver (Debian: qemu-block-extra)"
                return None
            return why
        return None

    def missing(self, machine, needs_cd):
        """Why this emulator cannot run the case yet, or None.  Only the
        devices are asked for: once they exist, a missing option (-drive,
        -hda, -cdrom, -boot c|d) or image format is a failure to see."""
        if self.qemu:
            return None
        p = subprocess.run([self.path, "-device", "help"], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=60)
        names = set(re.findall(r"^\s+(\S+)", p.stdout, re.M))
        want = ["piix3-ide" if machine == "pc" else "isa-ide", "ide-hd"]
        if needs_cd:
            want.append("ide-cd")
        lacking = [n for n in want if n not in names]
        if lacking:
            return f"cardcage has no {', '.join(lacking)} device yet (cardcage -device help)"
        return None


def qemu_img(*args):
    p = subprocess.run(["qemu-img", *args], stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=300)
    return p.returncode, p.stdout + p.stderr


def image_bytes(path, fmt, tmp):
    """The guest-visible content of an image."""
    if fmt == "raw":
        with open(path, "rb") as f:
            return f.read()
    out = os.path.join(tmp, os.path.basename(path) + ".as-raw")
    code, text = qemu_img("convert", "-f", fmt, "-O", "raw", path, out)
    if code:
        fail(f"qemu-img convert {path}: {text}")
    with open(out, "rb") as f:
        data = f.read()
    os.unlink(out)
    return data


class Disk:
    """An image given to the guest: path, format, role ("boot" or "data"),
    the IDE index it is attached at (0 primary master, 1 primary slave,
    2 secondary master, 3 secondary slave) and the option that does it."""

    def __init__(self, path, fmt, role, index, args):
        self.path, self.fmt, self.role, self.index, self.args = path, fmt, role, index, args
        self.sectors = BOOT_SECTORS if role == "boot" else DATA_SECTORS


# QEMU's -cdrom: IDE index 2, the secondary master.
CD_INDEX = 2


def where(index):
    """The libata port and device number of an IDE index: the primary
    channel is the first port (ata1) on the PIIX and on the ISA ports."""
    return f"ata{index // 2 + 1}", index % 2


def run_guest(cmd):
    """Run cmd with the serial console on a pipe until it exits; give up
    when no boot loader has spoken after LOADER_TIMEOUT s (the firmware
    found nothing to boot: SeaBIOS then waits for ever) or at TIMEOUT.
    Returns (exit status or None, console text, stderr text, why it was
    stopped or None)."""
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    chunks, errs = [], []
    readers = [threading.Thread(target=lambda f=f, into=into: into.extend(iter(
        lambda: f.read1(4096), b"")), daemon=True)
        for f, into in ((proc.stdout, chunks), (proc.stderr, errs))]
    for r in readers:
        r.start()
    t0 = time.monotonic()
    stopped = None
    while proc.poll() is None:
        now = time.monotonic() - t0
        if now > TIMEOUT:
            stopped = f"still running after {TIMEOUT} s"
        elif now > LOADER_TIMEOUT and not re.search(rb"(SYS|ISO)LINUX \d", b"".join(chunks)):
            stopped = f"no boot loader on the serial port after {LOADER_TIMEOUT} s"
        elif b"No bootable device" in b"".join(chunks):
            # SeaBIOS's last word, when its console is on the serial port
            # (QEMU's -nographic): nothing would come after it.
            stopped = "the firmware found no bootable device"
        if stopped:
            proc.kill()
            break
        time.sleep(0.2)
    proc.wait()
    for r in readers:
        r.join(10)
    out = b"".join(chunks).decode("utf-8", "replace").replace("\r", "")
    return proc.returncode if not stopped else None, out, \
        b"".join(errs).decode("utf-8", "replace"), stopped


def boot(emu, machine, disks, cdrom, order, tmp, name, extra=()):
    """Run the guest once; return the serial console text."""
    cmd = [emu.path, *emu.machine_args(machine)]
    for d in disks:
        cmd += d.args
    if cdrom:
        cmd += ["-cdrom", cdrom]
    cmd += extra
    cmd += ["-boot", order]
    print(f"     {name}: {' '.join(cmd)}")
    t0 = time.monotonic()
    code, out, err, stopped = run_guest(cmd)
    with open(os.path.join(tmp, name.replace(" ", "-") + ".log"), "w") as f:
        f.write(out + "\n--- stderr ---\n" + err)
    took = time.monotonic() - t0
    tail = "\n".join(out.splitlines()[-40:]) + "\n" + err[-1500:]
    check(f"{name}: the guest finished (CARDCAGE-DISK-DONE, reset, exit status 0) in "
          f"{took:.1f} s", code == 0 and "CARDCAGE-DISK-DONE" in out,
          f"{stopped or f'status {code}'}:\n{tail}")
    return out


def check_run(name, out, machine, expect_boot, disks, before, cd):
    """The guest's report against what the host knows."""
    loader = "ISOLINUX" if expect_boot == "cd" else "SYSLINUX"
    check(f"{name}: {loader} ran (its banner on the serial port)",
          re.search(rf"^{loader} \d", out, re.M) is not None)
    got = re.search(r"^CARDCAGE-BOOTED-FROM: (\S+)", out, re.M)
    check(f"{name}: booted from {expect_boot}", got is not None and got.group(1) == expect_boot,
          got.group(0) if got else "no CARDCAGE-BOOTED-FROM line")
    errors = re.findall(r"^CARDCAGE-ERROR: .*", out, re.M)
    check(f"{name}: no errors in the guest", not errors, "; ".join(errors))

    xfer = re.findall(r"^CARDCAGE-XFER: (\S+) (\S+) (\S+)", out, re.M)
    want_devs = len(disks) + (1 if cd else 0)
    check(f"{name}: libata found {want_devs} IDE device(s) at least",
          len(xfer) >= want_devs, str(xfer))
    if machine == "pc":
        # ata_piix sets up bus-master DMA when the drive offers a DMA mode.
        pio = [x for x in xfer if "DMA" not in x[2]]
        check(f"{name}: every IDE device on the PIIX uses DMA", not pio and xfer, str(xfer))
    else:
        check(f"{name}: ISA IDE in PIO", all("PIO" in x[2] for x in xfer) and xfer, str(xfer))

    blocks = {m.group(1): (int(m.group(2)), m.group(3), int(m.group(4)))
              for m in re.finditer(r"^CARDCAGE-BLOCK: (\w+) (\d+) (ata\d+) \d+:\d+:(\d+):\d+",
                                   out, re.M)}
    reads = dict(re.findall(r"^CARDCAGE-READ: (\S+) (\w+)", out, re.M))
    sizes = sorted(size for dev, (size, _, _) in blocks.items() if dev.startswith("sd"))
    want_sizes = sorted(d.sectors for d in disks)
    check(f"{name}: disks of {want_sizes} sectors", sizes == want_sizes, str(blocks))
    data_dev = None
    for d in disks:
        devs = [dev for dev, (size, _, _) in blocks.items()
                if dev.startswith("sd") and size == d.sectors]
        if len(devs) != 1:
            continue
        dev = devs[0]
        if d.role == "data":
            data_dev = dev
        port, unit = where(d.index)
        check(f"{name}: {dev} ({d.role} disk, IDE index {d.index}) is {port} device {unit}",
              blocks[dev][1:] == (port, unit), str(blocks[dev]))
        check(f"{name}: {dev} ({d.role} disk) reads as its image's first 4 MiB",
              reads.get(dev) == md5(before[d.path][:4 * MIB]), f"{reads.get(dev)}")

    if cd:
        cds = re.findall(r"^CARDCAGE-CD: (\S+) (\w+)", out, re.M)
        with open(os.path.join(MEDIA, "cd-data.bin"), "rb") as f:
            want = md5(f.read())
        check(f"{name}: the CD's cardcage/data.bin has the right md5",
              len(cds) == 1 and cds[0][1] == want, f"{cds}, want {want}")
        port, unit = where(CD_INDEX)
        check(f"{name}: the CD ({cds[0][0] if cds else '?'}) is {port} device {unit}",
              len(cds) == 1 and blocks.get(cds[0][0], (0,))[1:] == (port, unit), str(blocks))

    wrote = re.search(r"^CARDCAGE-DATA-WRITE: (\S+) (\w+)", out, re.M)
    back = re.search(r"^CARDCAGE-DATA-READBACK: (\S+) (\w+)", out, re.M)
    check(f"{name}: the guest wrote the pattern to the data disk ({data_dev})",
          wrote is not None and wrote.group(1) == data_dev and wrote.group(2) == md5(PATTERN),
          wrote.group(0) if wrote else "no CARDCAGE-DATA-WRITE line")
    check(f"{name}: and read it back from the disk",
          back is not None and back.group(1) == data_dev and back.group(2) == md5(PATTERN),
          back.group(0) if back else "no CARDCAGE-DATA-READBACK line")


def check_images(name, disks, before, tmp):
    """On the host: the pattern where the guest wrote it in the data image,
    every other byte of every image as it was."""
    for d in disks:
        now = image_bytes(d.path, d.fmt, tmp)
        was = before[d.path]
        if d.role == "data":
            want = was[:PATTERN_AT] + PATTERN + was[PATTERN_AT + len(PATTERN):]
            expect = "the pattern at 1 MiB, the rest as before"
        else:
            want = was
            expect = "unchanged"
        if now == want:
            check(f"{name}: {os.path.basename(d.path)} ({d.role}) on the host: {expect}", True)
        else:
            diff = next((i for i in range(0, min(len(now), len(want)), 512)
                         if now[i:i + 512] != want[i:i + 512]), min(len(now), len(want)))
            check(f"{name}: {os.path.basename(d.path)} ({d.role}) on the host: {expect}", False,
                  f"first difference in sector {diff // 512}: {now[diff:diff + 40]!r}, "
                  f"size {len(now)} (want {len(want)})")
        if d.fmt == "qcow2":
            code, text = qemu_img("check", d.path)
            check(f"{name}: qemu-img check {os.path.basename(d.path)}", code == 0, text)


def media(name):
    return os.path.join(MEDIA, name)


def require_media():
    want = ["boot.raw", "boot.qcow2", "boot.iso", "data.raw", "cd-data.bin"]
    missing = [m for m in want if not os.path.exists(media(m))]
    if not missing:
        return
    msg = f"storage media not built ({MEDIA}): run tests/guests/get-disk-guests.sh"
    if os.environ.get("CARDCAGE_REQUIRE_GUESTS") == "1":
        fail(msg)
    skip(msg)


def drive(path, fmt, index):
    return ["-drive", f"file={path},format={fmt},if=ide,index={index}"]


def bootindex_args(disks, cd, cd_first):
    """The disks and the CD as -drive if=none and -device ide-hd/ide-cd at
    their IDE positions, with bootindex 1 and 2 on the CD and the boot
    disk (the CD first when cd_first); the data disk has none."""
    hd_i, cd_i = (2, 1) if cd_first else (1, 2)
    args = []
    for n, d in enumerate(disks):
        bus, unit = divmod(d.index, 2)
        boot_i = f",bootindex={hd_i}" if d.role == "boot" else ""
        args += ["-drive", f"file={d.path},format={d.fmt},if=none,id=disk{n}",
                 "-device", f"ide-hd,drive=disk{n},bus=ide.{bus},unit={unit}{boot_i}"]
    bus, unit = divmod(CD_INDEX, 2)
    args += ["-drive", f"file={cd},format=raw,if=none,id=cd,media=cdrom,readonly=on",
             "-device", f"ide-cd,drive=cd,bus=ide.{bus},unit={unit},bootindex={cd_i}"]
    return args


def make_disks(case, tmp, servers):
    """The case's images, fresh in tmp (the cached ones stay pristine);
    a served boot disk's server joins the ExitStack servers."""
    data_raw = os.path.join(tmp, "data.raw")
    shutil.copyfile(media("data.raw"), data_raw)
    if case in ("hd-nbd-pc", "hd-iscsi-pc"):
        boot_raw = os.path.join(tmp, "boot.raw")
        shutil.copyfile(media("boot.raw"), boot_raw)
        if case == "hd-nbd-pc":
            url = servers.enter_context(nbd_server(boot_raw, os.path.join(tmp, "nbd.sock")))
        else:
            url = servers.enter_context(iscsi_server(boot_raw))
        return [Disk(boot_raw, "raw", "boot", 0,
                     ["-drive", f"file={url},format=raw,if=ide,index=0"]),
                Disk(data_raw, "raw", "data", 1, drive(data_raw, "raw", 1))]
    if case == "bootindex":
        boot_raw = os.path.join(tmp, "boot.raw")
        shutil.copyfile(media("boot.raw"), boot_raw)
        # run_case attaches them (bootindex_args).
        return [Disk(boot_raw, "raw", "boot", 0, []), Disk(data_raw, "raw", "data", 1, [])]
    if case in ("hd-raw-pc", "hd-raw-isapc", "boot-order"):
        boot_raw = os.path.join(tmp, "boot.raw")
        shutil.copyfile(media("boot.raw"), boot_raw)
        return [Disk(boot_raw, "raw", "boot", 0, drive(boot_raw, "raw", 0)),
                Disk(data_raw, "raw", "data", 1, drive(data_raw, "raw", 1))]
    if case == "hd-qcow2-pc":
        boot_q = os.path.join(tmp, "boot.qcow2")
        shutil.copyfile(media("boot.qcow2"), boot_q)
        data_q = os.path.join(tmp, "data.qcow2")
        code, text = qemu_img("create", "-q", "-f", "qcow2", data_q, "16M")
        if code:
            fail(f"qemu-img create: {text}")
        return [Disk(boot_q, "qcow2", "boot", 0, drive(boot_q, "qcow2", 0)),
                Disk(data_q, "qcow2", "data", 1, drive(data_q, "qcow2", 1))]
    if case == "hd-backing-pc":
        overlay = os.path.join(tmp, "overlay.qcow2")
        code, text = qemu_img("create", "-q", "-f", "qcow2", "-b", media("boot.qcow2"),
                              "-F", "qcow2", overlay)
        if code:
            fail(f"qemu-img create: {text}")
        return [Disk(overlay, "qcow2", "boot", 0, drive(overlay, "qcow2", 0)),
                Disk(data_raw, "raw", "data", 1, drive(data_raw, "raw", 1))]
    if case in ("cd-pc", "cd-isapc"):
        # QEMU's -hda: the first IDE disk, format probed (raw).
        return [Disk(data_raw, "raw", "data", 0, ["-hda", data_raw])]
    raise KeyError(case)


CASES = {
    # case: (machine, boot order, CD attached)
    "hd-raw-pc": ("pc", "c", False),
    "hd-raw-isapc": ("isapc", "c", False),
    "hd-qcow2-pc": ("pc", "c", False),
    "hd-backing-pc": ("pc", "c", False),
    "cd-pc": ("pc", "d", True),
    "cd-isapc": ("isapc", "d", True),
    "boot-order": ("pc", "c", True),
    "bootindex": ("pc", "c", True),
    "hd-nbd-pc": ("pc", "c", False),
    "hd-iscsi-pc": ("pc", "c", False),
}


def run_case(emu, case):
    machine, order, has_cd = CASES[case]
    why = emu.missing(machine, has_cd) or emu.missing_server(case)
    if why:
        skip(why)
    require_media()
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as servers:
        disks = make_disks(case, tmp, servers)
        cd = media("boot.iso") if has_cd else None
        # (-boot order, what boots, the -cdrom option, further options)
        if case == "boot-order":
            runs = [("c", "hd", cd, []), ("d", "cd", cd, [])]
        elif case == "bootindex":
            # bootindex against the -boot order, both ways
            runs = [("c", "cd", None, bootindex_args(disks, cd, True)),
                    ("d", "hd", None, bootindex_args(disks, cd, False))]
        else:
            runs = [(order, "cd" if order == "d" else "hd", cd, [])]
        for o, expect, cdrom, extra in runs:
            name = f"{emu.name} {case}" + (f" -boot {o}" if len(runs) > 1 else "")
            # What each image holds before this run (the second run of
            # boot-order starts from the first's pattern).
            before = {d.path: image_bytes(d.path, d.fmt, tmp) for d in disks}
            out = boot(emu, machine, disks, cdrom, o, tmp, name, extra)
            check_run(name, out, machine, expect, disks, before, cd)
            check_images(name, disks, before, tmp)
        if case == "hd-backing-pc":
            code, text = qemu_img("compare", "-f", "qcow2", "-F", "raw", disks[0].path,
                                  media("boot.raw"))
            check(f"{emu.name} {case}: qemu-img compare overlay boot.raw: identical",
                  code == 0, text)


def main():
    args = sys.argv[1:]
    choice = os.environ.get("CARDCAGE_TEST_EMULATOR")
    cases = []
    for a in args:
        if a == "--qemu":
            choice = "qemu"
        elif a.startswith("--emulator="):
            choice = a.split("=", 1)[1]
        elif a in CASES:
            cases.append(a)
        else:
            fail(f"usage: storage.py [--qemu|--emulator=PATH] CASE... (cases: {', '.join(CASES)})")
    emu = Emulator(choice)
    for case in cases or list(CASES):
        run_case(emu, case)
    return status()


if __name__ == "__main__":
    sys.exit(main())
