#!/usr/bin/env python3
"""Print the kernel modules NAME... need, dependencies first, one path per
line, reading each module's "depends=" entry from its .modinfo section (no
kmod needed on the host, and the host's kmod may not know the guest's
kernel).  Usage: kmods.py MODULES_DIR NAME...

MODULES_DIR is an extracted lib/modules/VERSION.  A name missing from the
tree (built into the kernel, or an alias such as a softdep's) is left out."""
import os
import struct
import sys


def modinfo(path):
    """The key=value strings of the ELF object's .modinfo section."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF":
        raise ValueError(f"{path}: not an ELF object")
    is64 = data[4] == 2
    order = "<" if data[5] == 1 else ">"
    if is64:
        shoff, = struct.unpack_from(order + "Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from(order + "HHH", data, 0x3A)
        fmt, name_at, off_at, size_at = order + "IIQQQQ", 0, 4, 5
    else:
        shoff, = struct.unpack_from(order + "I", data, 0x20)
        shentsize, shnum, shstrndx = struct.unpack_from(order + "HHH", data, 0x2E)
        fmt, name_at, off_at, size_at = order + "IIIIII", 0, 4, 5
    sections = [struct.unpack_from(fmt, data, shoff + i * shentsize) for i in range(shnum)]
    strtab = sections[shstrndx][off_at]
    for s in sections:
        start = strtab + s[name_at]
        if data[start:data.index(b"\0", start)] == b".modinfo":
            blob = data[s[off_at]:s[off_at] + s[size_at]]
            return [x.decode(errors="replace") for x in blob.split(b"\0") if x]
    return []


def main():
    moddir, names = sys.argv[1], sys.argv[2:]
    paths = {}
    for root, _, files in os.walk(moddir):
        for f in files:
            if f.endswith(".ko"):
                # Module names treat '-' and '_' alike.
                paths[f[:-3].replace("-", "_")] = os.path.join(root, f)
    done, out = set(), []

    def visit(name, chain):
        key = name.replace("-", "_")
        if key in done or key not in paths:
            return
        if key in chain:
            raise SystemExit(f"kmods: dependency loop through {key}")
        for entry in modinfo(paths[key]):
            if entry.startswith("depends="):
                for dep in filter(None, entry[len("depends="):].split(",")):
                    visit(dep, chain + [key])
        done.add(key)
        out.append(paths[key])

    for n in names:
        if n.replace("-", "_") not in paths:
            print(f"kmods: {n} is not a module of this kernel (built in?)", file=sys.stderr)
        visit(n, [])
    print("\n".join(out))


if __name__ == "__main__":
    main()
