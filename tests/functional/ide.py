#!/usr/bin/env python3
"""IDE with Linux: Debian's i386 kernel (tests/guests/get-linux.sh) with an
initramfs built here from its ATA/SCSI modules and tests/guests/init-disk.sh.

  pc-positions     pc (piix3-ide, ata_piix): raw data disks at all four
                   positions (primary/secondary master/slave).  Each image
                   is random data tagged CCTARGET<id> in its first bytes; the
                   guest writes 1 MiB of a pattern naming the id it read at
                   1 MiB of the same disk and reads it back.  The host then
                   checks every image: the pattern with ITS OWN id at 1 MiB,
                   zeroes where the timed dd wrote, and every other byte as
                   before (a write landing on the wrong unit shows).  Linux
                   must run the disks in multiword DMA 2 (/sys/class/ata_device/*/xfer_mode).
  isapc-positions  the same on isapc (two isa-ide, pata_legacy, PIO).
  pc-cd            -hda plus -cdrom with a data file: /dev/sr0 reads the
                   file's first 1 MiB with the right md5 (ATAPI over DMA).
  isapc-cd         the same on isapc (ATAPI over PIO).

Prints the guest's O_DIRECT dd figures.  Skips (77) when the guest has not
been fetched, unless CARDCAGE_REQUIRE_GUESTS=1."""
import glob
import hashlib
import os
import random
import re
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cctest import APPEND, CARDCAGE, GUEST, KERNEL, check, require_guest, status  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
GUESTS = os.path.join(HERE, "..", "guests")
MODULES = ["crct10dif_common", "crct10dif_generic", "crc-t10dif", "crc64",
           "crc64_rocksoft_generic", "crc64-rocksoft", "t10-pi", "scsi_common", "scsi_mod",
           "sd_mod", "cdrom", "sr_mod", "isofs", "libata", "ata_piix", "pata_legacy"]
MiB = 1 << 20
IMG = 24 * MiB
DD_MB = 16
POSITIONS = [(0, 0, "pri-mast"), (0, 1, "pri-slav"), (1, 0, "sec-mast"), (1, 1, "sec-slav")]
TIMEOUT = 600


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def build_initramfs(tmp):
    debs = glob.glob(os.path.join(GUEST, "linux-image-*.deb"))
    bbs = glob.glob(os.path.join(GUEST, "busybox-static*.deb"))
    if not debs or not bbs:
        msg = f"kernel/busybox packages not in {GUEST}: run tests/guests/get-linux.sh"
        if os.environ.get("CARDCAGE_REQUIRE_GUESTS") == "1":
            fail(msg)
        print(f"SKIP: {msg}")
        sys.exit(77)
    x = os.path.join(tmp, "x")
    for d in (debs[0], bbs[0]):
        subprocess.run(["dpkg-deb", "-x", d, x], check=True)
    mods = []
    for m in MODULES:
        found = glob.glob(os.path.join(x, "lib", "modules", "*", "**", m + ".ko"), recursive=True)
        if not found:
            fail(f"module {m} not in {debs[0]}")
        mods.append(found[0])
    out = os.path.join(tmp, "initramfs-disk.cpio.gz")
    subprocess.run([sys.executable, os.path.join(GUESTS, "mkinitramfs.py"),
                    os.path.join(x, "bin", "busybox"), os.path.join(GUESTS, "init-disk.sh"),
                    out, *mods], check=True)
    return out


def make_disk(path, ident, seed):
    data = bytearray(random.Random(seed).randbytes(IMG))
    tag = b"CCTARGET" + ident.encode()
    data[0:len(tag)] = tag
    with open(path, "wb") as f:
        f.write(data)
    return data


def pattern(ident):
    line = f"CARDCAGE-PATTERN-{ident}\n".encode()
    return (line * (MiB // len(line) + 1))[:MiB]


def boot(board, initrd, ata, drives, log):
    cmd = [CARDCAGE, "-M", board, "-m", "256", "-nographic", "-no-reboot",
           "-kernel", KERNEL, "-initrd", initrd,
           "-append", f"{APPEND} cardcage.ata={ata} cardcage.mb={DD_MB}", *drives]
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           errors="replace", timeout=TIMEOUT)
        out = p.stdout + p.stderr
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") + "\n<timeout>"
    with open(log, "w") as f:
        f.write(out)
    return out


def dd_figures(name, out):
    m = re.search(r"CARDCAGE-DD: (\S+) (\d+) MiB write ([\d.]+)\.\.([\d.]+) s read "
                  r"([\d.]+)\.\.([\d.]+) s", out)
    if not m:
        check(f"{name}: dd timings printed", False, "no CARDCAGE-DD line")
        return
    mb = int(m.group(2))
    w = float(m.group(4)) - float(m.group(3))
    r = float(m.group(6)) - float(m.group(5))
    print(f"     {name}: guest dd O_DIRECT {mb} MiB: write {mb / max(w, 0.01):.1f} MB/s, "
          f"read {mb / max(r, 0.01):.1f} MB/s (guest clock)")


def positions(tmp, board, initrd, ata, results):
    imgs, want = {}, {}
    drives = []
    for i, (bus, unit, ident) in enumerate(POSITIONS):
        path = os.path.join(tmp, f"{board}-{ident}.img")
        want[ident] = make_disk(path, ident, hash((board, ident)) & 0xffff)
        imgs[ident] = path
        drives += ["-drive", f"file={path},format=raw,if=ide,bus={bus},unit={unit}"]
    out = boot(board, initrd, ata, drives, os.path.join(tmp, f"{board}-positions.log"))
    results[board] = (out, imgs, want)


def check_positions(board, out, imgs, want):
    name = f"{board}-positions"
    check(f"{name}: guest finished", "CARDCAGE-DONE" in out, out[-2000:])
    blocks = re.findall(r"CARDCAGE-BLOCK: (sd\w+) sectors=(\d+)", out)
    check(f"{name}: Linux sees 4 disks of {IMG // 512} sectors",
          len(blocks) == 4 and all(int(s) == IMG // 512 for _, s in blocks), str(blocks))
    rb = dict((i, r) for _, i, r in re.findall(r"CARDCAGE-READBACK: (\S+) (\S+) (\S+)", out))
    timed = re.search(r"CARDCAGE-DD: (\S+)", out)
    timed_dev = timed.group(1) if timed else None
    timed_id = None
    for dev, ident, _ in re.findall(r"CARDCAGE-READBACK: (\S+) (\S+) (\S+)", out):
        if dev == timed_dev:
            timed_id = ident
    for _, _, ident in POSITIONS:
        check(f"{name}: {ident}: guest read back its pattern", rb.get(ident) == "ok",
              str(rb))
        data = open(imgs[ident], "rb").read()
        exp = bytearray(want[ident])
        exp[MiB:2 * MiB] = pattern(ident)
        if ident == timed_id:
            exp[4 * MiB:(4 + DD_MB) * MiB] = bytes(DD_MB * MiB)
        ok = data == bytes(exp)
        detail = ""
        if not ok:
            first = next(i for i in range(len(data)) if data[i] != exp[i])
            detail = (f"first difference at byte {first:#x}: {data[first:first + 24]!r}, "
                      f"expected {bytes(exp[first:first + 24])!r}")
        check(f"{name}: {ident}: image holds its own pattern at 1 MiB, the rest unchanged",
              ok, detail)
    dd_figures(name, out)


def cd_run(tmp, board, initrd, ata, results):
    hd = os.path.join(tmp, f"{board}-cdhd.img")
    make_disk(hd, "cd-hd000", 7)
    iso = os.path.join(tmp, f"{board}-cd.bin")
    data = random.Random(11).randbytes(3 * MiB)
    with open(iso, "wb") as f:
        f.write(data)
    out = boot(board, initrd, ata, ["-drive", f"file={hd},format=raw,if=ide,index=0",
                                    "-cdrom", iso], os.path.join(tmp, f"{board}-cd.log"))
    results[board + "-cd"] = (out, hashlib.md5(data[:MiB]).hexdigest())


def main():
    require_guest(fail)
    with tempfile.TemporaryDirectory() as tmp:
        initrd = build_initramfs(tmp)
        results = {}
        runs = [threading.Thread(target=positions, args=(tmp, "pc", initrd, "ata_piix", results)),
                threading.Thread(target=positions,
                                 args=(tmp, "isapc", initrd, "pata_legacy", results))]
        for t in runs:
            t.start()
        for t in runs:
            t.join()
        for board in ("pc", "isapc"):
            check_positions(board, *results[board])
        pc_out = results["pc"][0]
        xfer = re.findall(r"CARDCAGE-XFER: (\S+) (\S+)", pc_out)
        check("pc-positions: libata runs the 4 PIIX3 disks in MWDMA2 (sysfs xfer_mode)",
              len(xfer) == 4 and all(m == "XFER_MW_DMA_2" for _, m in xfer), str(xfer))
        runs = [threading.Thread(target=cd_run, args=(tmp, "pc", initrd, "ata_piix", results)),
                threading.Thread(target=cd_run,
                                 args=(tmp, "isapc", initrd, "pata_legacy", results))]
        for t in runs:
            t.start()
        for t in runs:
            t.join()
        for board in ("pc", "isapc"):
            out, md5 = results[board + "-cd"]
            check(f"{board}-cd: Linux sees the CD-ROM (sr0)", "CARDCAGE-BLOCK: sr0" in out,
                  out[-2000:])
            m = re.search(r"CARDCAGE-CD: (\w+)", out)
            check(f"{board}-cd: /dev/sr0 reads the disc (md5 of 1 MiB)",
                  m is not None and m.group(1) == md5, m.group(0) if m else "no CD line")
        if status():
            for log in sorted(glob.glob(os.path.join(tmp, "*.log"))):
                print(f"---- {os.path.basename(log)} (tail)")
                print(open(log).read()[-3000:])
    return status()


if __name__ == "__main__":
    sys.exit(main())
