#!/usr/bin/env python3
"""The same QMP session sent to qemu-system-i386 and to cardcage: every reply
and every event must have the same shape (the keys of its objects and the
JSON types of its values, arrays by the union of their elements), and
errors the same class, where the command exists in both.  The differences that remain are listed in
DIFFERENCES, each with its reason; a difference not listed fails the test,
and a listed one that no longer occurs is reported so the list stays true.
Skips (77) when qemu-system-i386 is not installed."""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmplib import QMP, running  # noqa: E402

BUILD = os.environ["CARDCAGE_BUILD_ROOT"]
CARDCAGE = os.path.join(BUILD, "cardcage")
SPIN = os.path.join(BUILD, "bench", "qmp", "spin.bin")


# (command, arguments or a function of what earlier replies told)
SESSION = [
    ("query-version", None),
    ("query-status", None),
    ("query-name", None),
    ("query-commands", None),
    ("query-machines", None),
    ("query-cpus-fast", None),
    ("query-chardev", None),
    ("cont", None),
    ("query-status", None),
    ("stop", None),
    ("qom-list", {"path": "/machine"}),
    ("qom-get", lambda st: {"path": st["debugcon"], "property": "iobase"}),
    ("qom-list", lambda st: {"path": st["cpu"]}),
    ("qom-get", {"path": "/no/such/object", "property": "x"}),
    ("qom-get", {"path": "/machine"}),
    ("qom-list-types", {"implements": "isa-device"}),
    ("qom-list-types", {"implements": "device", "abstract": True}),
    ("device-list-properties", {"typename": "isa-serial"}),
    ("device-list-properties", {"typename": "no-such-device"}),
    ("human-monitor-command", {"command-line": "info status"}),
    ("input-send-event", {"events": [{"type": "key", "data": {
        "down": True, "key": {"type": "qcode", "data": "a"}}}]}),
    ("cont", None),
    ("send-key", {"keys": [{"type": "qcode", "data": "shift"}], "hold-time": 5}),
    ("input-send-event", {"events": [{"type": "key", "data": {
        "down": True, "key": {"type": "qcode", "data": "a"}}}]}),
    ("no-such-command", None),
    ("query-status", {"unexpected": 1}),
    ("system_reset", None),
    ("system_powerdown", None),
    ("cont", None),
    ("quit", None),
]

# Where the shapes differ, by path (command/return..., or EVENT/...), and
# why.  "+key" is a key only cardcage sends, "-key" one only QEMU sends,
# "path: a!=b" a type that differs.
DIFFERENCES = {
    "greeting/QMP/capabilities[]":
        "QEMU offers the 'oob' capability; cardcage runs commands in order and offers none",
    "query-machines/return[]/-alias":
        "QEMU's versioned machine types have aliases (pc -> pc-i440fx-7.2); boards have none",
    "query-machines/return[]/-default-cpu-type":
        "a board names its CPU inside its file, read only when the board is built",
    "query-machines/return[]/-default-ram-id":
        "RAM is not a host memory backend that could be named",
    "query-machines/return[]/+acpi":
        "QEMU 7.2 does not have it yet (newer QEMU does): the boards have no ACPI",
    "query-machines/return[]/-acpi":
        "(the same member, seen from the other side on QEMU releases that send it)",
    "qom-list/return[]/+description":
        "cardcage describes every property, QEMU only some",
}


def shape(v):
    if isinstance(v, dict):
        return {k: shape(x) for k, x in v.items()}
    if isinstance(v, list):
        merged = None
        for x in v:
            merged = merge(merged, shape(x))
        return [merged]
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if v is None:
        return "null"
    return "string"


def merge(a, b):
    """The union of two shapes (arrays hold objects of varying members)."""
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, dict) and isinstance(b, dict):
        out = dict(a)
        for k, v in b.items():
            out[k] = merge(out.get(k), v)
        return out
    if isinstance(a, list) and isinstance(b, list):
        return [merge(a[0], b[0])]
    return "|".join(sorted(set(a.split("|")) | set(b.split("|"))))


def compare(path, q, c, diffs):
    if isinstance(q, dict) and isinstance(c, dict):
        for k in sorted(set(q) | set(c)):
            if k not in c:
                diffs.append(f"{path}/-{k}")
            elif k not in q:
                diffs.append(f"{path}/+{k}")
            else:
                compare(f"{path}/{k}", q[k], c[k], diffs)
    elif isinstance(q, list) and isinstance(c, list):
        if q[0] is not None and c[0] is not None:
            compare(path + "[]", q[0], c[0], diffs)
        elif q[0] != c[0]:
            diffs.append(path + "[]")
    elif isinstance(q, str) and isinstance(c, str):
        # Arrays of mixed values: each side's types must be the other's,
        # or a part of them (the elements differ, not their kinds).
        qs, cs = set(q.split("|")), set(c.split("|"))
        if not (qs <= cs or cs <= qs):
            diffs.append(f"{path}: {q}!={c}")
    elif q != c:
        diffs.append(f"{path}: {q}!={c}")


def run_session(argv, sockpath, paths):
    state = dict(paths)
    replies = []
    with running(argv + ["-qmp", f"unix:{sockpath},server=on,wait=off"]) as p:
        q = QMP.connect_unix(sockpath)
        greeting = q.negotiate()
        for name, args in SESSION:
            if callable(args):
                args = args(state)
            r = q.cmd(name, args)
            if r is None:
                raise RuntimeError(f"{argv[0]}: connection closed at {name}")
            replies.append((name, r))
            if name == "query-cpus-fast":
                state["cpu"] = r["return"][0]["qom-path"]
        q.wait_event("SHUTDOWN", timeout=5)
        q.close()
        p.wait(10)
    return greeting, replies, q.events


def main():
    qemu = shutil.which("qemu-system-i386")
    if not qemu:
        print("qemu-system-i386 not installed: skipped")
        return 77
    common = ["-display", "none", "-serial", "null", "-S", "-bios", SPIN]
    with tempfile.TemporaryDirectory() as tmp:
        # QEMU's isapc has no debug console: one is added where romtest
        # has its own.
        qg, qr, qe = run_session([qemu, "-M", "isapc", "-accel", "tcg", "-monitor", "none",
                                  "-chardev", "null,id=dc", "-device",
                                  "isa-debugcon,id=dbg,chardev=dc,iobase=0xe9", *common],
                                 os.path.join(tmp, "q.sock"),
                                 {"debugcon": "/machine/peripheral/dbg"})
        cg, cr, ce = run_session([CARDCAGE, "-M", "romtest", *common],
                                 os.path.join(tmp, "c.sock"),
                                 {"debugcon": "/machine/isa/debugcon"})
    diffs = []
    compare("greeting", shape(qg), shape(cg), diffs)
    for (name, q), (_, c) in zip(qr, cr):
        compare(name, shape(q), shape(c), diffs)
        # Errors must also agree on their class.
        qc, cc = q.get("error", {}).get("class"), c.get("error", {}).get("class")
        if qc != cc and qc and cc:
            diffs.append(f"{name}/error/class: {qc}!={cc}")
    qev, cev = {}, {}
    for e in qe:
        qev[e["event"]] = merge(qev.get(e["event"]), shape(e))
    for e in ce:
        cev[e["event"]] = merge(cev.get(e["event"]), shape(e))
    for name in sorted(set(qev) | set(cev)):
        if name not in cev or name not in qev:
            diffs.append(f"{name}: only {'QEMU' if name in qev else 'cardcage'} sent it")
        else:
            compare(name, qev[name], cev[name], diffs)

    failures = 0
    for d in sorted(set(diffs)):
        if d in DIFFERENCES:
            print(f"ok   known difference {d}: {DIFFERENCES[d]}")
        else:
            print(f"FAIL unexplained difference {d}")
            failures += 1
    for d in sorted(set(DIFFERENCES) - set(diffs)):
        print(f"note listed difference {d} did not occur with this QEMU")
    print(f"{len(qr)} replies and {len(qe)} events compared; {failures} unexplained differences")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
