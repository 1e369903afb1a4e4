#!/usr/bin/env python3
"""Assemble a raw hard-disk image with a master boot record: the boot code
(SYSLINUX's mbr.bin), one active partition holding PART_IMAGE from sector
START, and zeros to SIZE_MIB.  Usage:
  mkdisk.py OUT SIZE_MIB MBR_CODE PART_IMAGE START TYPE
TYPE is the partition type byte (0x06: FAT16 of 32 MiB or more)."""
import os
import struct
import sys

SECTOR = 512
# The BIOS's translated geometry of a small disk (16 heads, 63 sectors a
# track): the CHS fields of the entry are only read by code without the
# INT 13h extensions; QEMU guesses the geometry from them, so keep them true.
HEADS, SECTORS = 16, 63


def chs(lba):
    """The 3-byte CHS of lba (MBR partition entry layout: head, then
    sector with cylinder bits 9:8 in its top two bits, then cylinder 7:0);
    past cylinder 1023 the conventional 1023/254/63."""
    c, rest = divmod(lba, HEADS * SECTORS)
    h, s = divmod(rest, SECTORS)
    if c > 1023:
        c, h, s = 1023, 254, 62
    return bytes([h, ((s + 1) & 0x3F) | ((c >> 2) & 0xC0), c & 0xFF])


def main():
    out, size_mib, code, part, start, ptype = sys.argv[1:7]
    start, ptype, total = int(start), int(ptype, 0), int(size_mib) << 20 >> 9
    with open(code, "rb") as f:
        boot = f.read()
    if len(boot) > 440:     # the code area ends at the disk signature
        raise SystemExit(f"mkdisk: {code} is {len(boot)} bytes, more than 440")
    psize = os.path.getsize(part)
    if psize % SECTOR or start + psize // SECTOR > total:
        raise SystemExit(f"mkdisk: {part} ({psize} bytes) does not fit from sector {start}")
    count = psize // SECTOR
    mbr = bytearray(SECTOR)
    mbr[:len(boot)] = boot
    mbr[440:444] = struct.pack("<I", 0xCA4DCA6E)        # disk signature
    entry = (bytes([0x80]) + chs(start) + bytes([ptype]) + chs(start + count - 1) +
             struct.pack("<II", start, count))
    mbr[446:462] = entry
    mbr[510:512] = b"\x55\xAA"
    with open(out, "wb") as o, open(part, "rb") as p:
        o.write(mbr)
        o.seek(start * SECTOR)
        while True:
            chunk = p.read(1 << 20)
            if not chunk:
                break
            o.write(chunk)
        o.truncate(total * SECTOR)


if __name__ == "__main__":
    main()
