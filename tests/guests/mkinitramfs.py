#!/usr/bin/env python3
"""Write a gzip'd newc cpio initramfs holding a static busybox, its applet
links and /init (no cpio or root needed), and any further files given as
DEST=SRC (DEST a path in the initramfs; its directories are made) or as
MODULE.ko (put in /lib/modules/ by file name, for the init script to insmod).
Usage: mkinitramfs.py BUSYBOX INIT OUT [DEST=SRC | MODULE.ko]..."""
import os
import gzip
import subprocess
import sys

busybox, init, out = sys.argv[1:4]
extra = [a.split("=", 1) if "=" in a else ["lib/modules/" + os.path.basename(a), a]
         for a in sys.argv[4:]]
entries = []        # (name, mode, data)


def add(name, mode, data=b""):
    entries.append((name, mode, data))


for d in ("bin", "sbin", "dev", "proc", "sys", "tmp", "etc", "root"):
    add(d, 0o040755)
add("bin/busybox", 0o100755, open(busybox, "rb").read())


def applet_table(path):
    """The applet names busybox keeps as one run of NUL-terminated strings
    in sorted order, "[" and "[[" first (its applet_names table), read from
    the binary; [] when no such run is found."""
    data = open(path, "rb").read()
    i = data.find(b"[\0[[\0")
    if i < 0:
        return []
    names = data[i:data.find(b"\0\0", i)].split(b"\0")
    ok = all(n and all(0x21 <= c < 0x7f for c in n) for n in names)
    return [n.decode() for n in names] if ok and names == sorted(names) else []


applets = subprocess.run(["sh", "-c", f"'{busybox}' --list 2>/dev/null || true"],
                         capture_output=True, text=True).stdout.split()
if not applets:
    # A host that cannot run the i386 busybox (not x86, or a kernel without
    # 32-bit support): the table in the binary.  Without the links,
    # init.sh's workloads that exec /bin/true, gzip or awk only print
    # "not found", and bench/guest-work times that instead.
    applets = applet_table(busybox)
if not applets:
    # The tests only need these.
    applets = ["sh", "mount", "echo", "cat", "dd", "md5sum", "sleep", "reboot",
               "date", "cut", "uname", "dmesg", "setsid", "cttyhack", "grep", "seq",
               "true", "gzip", "awk", "sort", "uniq", "head", "wc", "tr", "ifconfig",
               "udhcpc", "insmod"]
for a in applets:
    if a != "busybox":
        add(f"bin/{a}", 0o120777, b"busybox")
add("dev/console", 0o020600)    # a character device; major/minor set below
add("init", 0o100755, open(init, "rb").read())
made = {name for name, _, _ in entries}
for dest, src in extra:
    dest = dest.strip("/")
    parts = dest.split("/")
    for i in range(1, len(parts)):
        d = "/".join(parts[:i])
        if d not in made:
            add(d, 0o040755)
            made.add(d)
    add(dest, 0o100644, open(src, "rb").read())


def header(ino, name, mode, size, rdev=(0, 0)):
    fields = [ino, mode, 0, 0, 1, 0, size, 0, 0, rdev[0], rdev[1], len(name) + 1, 0]
    return b"070701" + b"".join(b"%08X" % f for f in fields)


def pad4(n):
    return b"\0" * ((4 - n % 4) % 4)


buf = bytearray()
for ino, (name, mode, data) in enumerate(entries, 1):
    rdev = (5, 1) if name == "dev/console" else (0, 0)
    nb = name.encode() + b"\0"
    buf += header(ino, name, mode, len(data), rdev) + nb
    buf += pad4(110 + len(nb))
    buf += data + pad4(len(data))
nb = b"TRAILER!!!\0"
buf += header(0, "TRAILER!!!", 0, 0) + nb + pad4(110 + len(nb))
# Written beside and renamed over, so a test booting the old one (the
# cache is shared) never reads a half-written file.
with open(out + ".tmp", "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9,
                                                    mtime=0) as f:
    f.write(bytes(buf))
os.replace(out + ".tmp", out)
