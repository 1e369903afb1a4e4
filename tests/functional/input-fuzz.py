#!/usr/bin/env python3
"""Bad input never crashes the emulator: mutated board files (values of the
wrong type, out of range or absurd, keys removed or added, devices
duplicated, the JSON text itself broken), mutated kernels (the bzImage
setup header and the Multiboot header changed at random), and random
command-line options.  Every run must either start the guest (which then
runs to its exit, or is stopped after a few seconds: a mutated kernel may
spin) or stop with exit status 1 and exactly one error line on stderr,
"cardcage: ...".  Never a signal, never a second line.  The mutations come
from a fixed seed, so a failure names a reproducible case."""
import copy
import json
import os
import random
import signal
import subprocess
import sys
import tempfile

BUILD = os.environ["CARDCAGE_BUILD_ROOT"]
SOURCE = os.environ["CARDCAGE_SOURCE_ROOT"]
CARDCAGE = os.path.join(BUILD, "cardcage")
GUEST = os.path.join(BUILD, "tests", "functional", "io-fuzz.bin")
BOARD = os.path.join(SOURCE, "machines", "isapc.json")
# The guest ends the emulator through isa-debug-exit, which isapc lacks.
EXIT = ["-device", "isa-debug-exit,iobase=0xf4,iosize=4"]
LINUX = os.path.join(os.path.expanduser("~"), ".cache", "cardcage", "guests", "linux",
                     "vmlinuz")
rng = random.Random(20261124)
timeouts = {}
failures = 0
runs = 0

WEIRD = [None, True, False, 0, -1, 1, 7, 255, 65535, 65536, 2**31, 2**32, 2**63, 2**64,
         -2**63, 1.5, "", "x", "0x", "0x3f8", "128M", "-5", "1e9", "99999999999999999999",
         "pic.in[99]", "nosuch.in[0]", "cpu.intr", "../../../etc/passwd", "\u00e9\u0000",
         [], [1, 2], {}, {"a": 1}, "a" * 5000]


def run(args, what, timeout=2):
    """Run cardcage; check the outcome is a clean one."""
    global failures, runs
    runs += 1
    try:
        p = subprocess.run([CARDCAGE, *args], stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=timeout)
        status, err = p.returncode, p.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired:
        timeouts[what.split(" ")[0]] = timeouts.get(what.split(" ")[0], 0) + 1
        return            # the guest runs: not a crash
    lines = [l for l in err.splitlines() if l.strip()]
    bad = None
    if status < 0:
        bad = f"killed by {signal.Signals(-status).name}"
    elif status == 1 and lines and (len(lines) != 1 or not lines[0].startswith("cardcage: ")):
        bad = f"status 1 with {len(lines)} stderr lines"
    elif status != 0 and status % 2 == 0:
        # 0: a reset under -no-reboot; odd: isa-debug-exit's (value << 1) | 1
        # (the fuzz guest may hit a debug-exit a mutation moved) or 1, an
        # error.
        bad = f"status {status}"
    if bad:
        failures += 1
        print(f"FAIL {what}: {bad}: {err[-400:]!r}")


def mutate_value(v):
    choice = rng.random()
    if choice < 0.6:
        return copy.deepcopy(rng.choice(WEIRD))
    if isinstance(v, str) and v:
        i = rng.randrange(len(v))
        return v[:i] + rng.choice("x0[].,:-\"\\") + v[i + 1:]
    if isinstance(v, int) and not isinstance(v, bool):
        return v + rng.choice([-1, 1, 0x10000, -0x10000, 2**32])
    return copy.deepcopy(rng.choice(WEIRD))


def paths(node, prefix=()):
    """Every (container, key) in a JSON tree."""
    out = []
    if isinstance(node, dict):
        for k, v in node.items():
            out.append((node, k))
            out += paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.append((node, i))
            out += paths(v, prefix + (i,))
    return out


def mutate_board(board):
    b = copy.deepcopy(board)
    for _ in range(rng.randint(1, 3)):
        places = paths(b)
        container, key = rng.choice(places)
        op = rng.random()
        if op < 0.6:
            container[key] = mutate_value(container[key])
        elif op < 0.75:
            del container[key]
        elif op < 0.85 and isinstance(container, list):
            container.insert(rng.randrange(len(container) + 1), copy.deepcopy(container[key]))
        elif isinstance(container, dict):
            container[rng.choice(["bogus", "props", "irq", "bus", "type", "id", "extend",
                                  "size", "at", "aliases"])] = mutate_value(None)
    return b


def main():
    with open(BOARD) as f:
        board = json.load(f)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "fuzz.json")
        base = ["-M", path, "-display", "none", "-serial", "null", "-no-reboot", *EXIT,
                "-L", os.path.join(SOURCE, "machines")]
        # Boards: structured mutations, then the text itself broken.
        for i in range(150):
            with open(path, "w") as f:
                json.dump(mutate_board(board), f)
            run(base + ["-kernel", GUEST, "-append", "1"], f"board mutation {i}")
        text = json.dumps(board, indent=1)
        for i in range(50):
            t = list(text)
            for _ in range(rng.randint(1, 4)):
                j = rng.randrange(len(t))
                t[j] = rng.choice('{}[]":,\\0a-\x00\xff')
            with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write("".join(t))
            run(base + ["-kernel", GUEST, "-append", "1"], f"board text mutation {i}")

        # Kernels: the Multiboot header of the test guest, and (when the
        # downloaded guest is there) the bzImage setup header.
        kernels = [(GUEST, 0, 48)]
        if os.path.exists(LINUX):
            kernels.append((LINUX, 0x1f0, 0x280))
        else:
            print("SKIP bzImage mutations: no downloaded kernel (tests/guests/get-linux.sh)")
        kpath = os.path.join(d, "kernel")
        for src, lo, hi in kernels:
            data = open(src, "rb").read()
            for i in range(60):
                k = bytearray(data)
                for _ in range(rng.randint(1, 4)):
                    k[rng.randrange(lo, hi)] = rng.randrange(256)
                if rng.random() < 0.2:
                    k = k[:rng.randrange(len(k))]
                with open(kpath, "wb") as f:
                    f.write(k)
                run(["-M", "isapc", "-display", "none", "-serial", "null", "-no-reboot", *EXIT,
                     "-m", rng.choice(["16", "64", "256"]), "-kernel", kpath, "-append", "1"],
                    f"kernel mutation {os.path.basename(src)} {i}", timeout=1)

        # The command line: real options with random arguments.
        opts = ["-m", "-M", "-cpu", "-device", "-global", "-set", "-remove", "-serial",
                "-chardev", "-monitor", "-d", "-icount", "-rtc", "-gdb", "-bios", "-append",
                "-L", "-debugcon"]
        for i in range(120):
            args = []
            for _ in range(rng.randint(1, 3)):
                o = rng.choice(opts)
                a = mutate_value(rng.choice(["isapc", "pentium2,+pse", "i8254,id=x",
                                             "com1.iobase=0x3f8", "null", "shift=3",
                                             "base=utc", "tcp::0", "64M"]))
                args += [o, str(a).replace("\0", "")]
            run(["-display", "none", "-serial", "null", "-no-reboot", *EXIT, *args,
                 "-kernel", GUEST, "-append", "1"], f"options {args!r}"[:300])
    print(f"{runs} runs, {failures} failures; still running after the time limit "
          f"(a guest spinning, not a failure): {timeouts}")
    sys.exit(1 if failures else 0)


main()
