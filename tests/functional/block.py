#!/usr/bin/env python3
"""The block layer from a guest: the block-io guest (guest/block-io.asm)
drives the polled block-testdev disk of tests/plugins/block (a device and a
fault-injecting block driver, both from a plugin .so) to write, flush and
read back a sector.

- raw image, real-time and -icount: the data comes back and is in the file;
- -icount: the poll counts of every command are the same in two runs, one
  of them with a disk 20 ms slower per request (completions land at a fixed
  virtual latency, not when the host finishes);
- werror=stop with an injected ENOSPC: the machine stops with
  BLOCK_IO_ERROR, query-status says io-error, `cont` retries the write and
  the guest sees success; werror=report: the guest sees the error;
- the default werror (enospc): ENOSPC stops, never a silent loss;
- -snapshot leaves the image untouched; readonly=on fails the write;
- query-block and info block describe the drive."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmplib import QMP  # noqa: E402

BUILD = os.environ["CARDCAGE_BUILD_ROOT"]
CARDCAGE = os.path.join(BUILD, "cardcage")
GUEST = os.path.join(BUILD, "tests", "functional", "block-io.bin")
PLUGIN_DIR = os.path.join(BUILD, "tests", "plugins", "block")
PASS, FAILED, DIFFERS = 67, 5, 7
failures = 0


def check(name, ok, detail=""):
    global failures
    print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f": {detail}" if not ok else ""))
    failures += not ok


def argv(drive, tmp, *extra):
    return [CARDCAGE, "-M", "isapc", "-display", "none", "-serial", "null", "-no-reboot",
            "-L", PLUGIN_DIR, "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
            "-debugcon", f"file:{os.path.join(tmp, 'debugcon.txt')}",
            "-drive", drive, "-device", "block-testdev,drive=d0", *extra, "-kernel", GUEST]


def run(drive, tmp, *extra):
    try:
        p = subprocess.run(argv(drive, tmp, *extra), stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=60)
        status, err = p.returncode, p.stderr
    except subprocess.TimeoutExpired:
        status, err = None, "timeout"
    with open(os.path.join(tmp, "debugcon.txt")) as f:
        polls = f.read().split()
    return status, err, polls


def image(tmp, name="disk.img"):
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.write(bytes(64 * 1024))
    return path


PATTERN = bytes((i ^ 0x5a) & 0xff for i in range(512))


def sector(path, n):
    with open(path, "rb") as f:
        f.seek(n * 512)
        return f.read(512)


def test_plain(tmp):
    for mode, extra in (("real-time", ()), ("icount", ("-icount", "shift=0"))):
        img = image(tmp)
        status, err, polls = run(f"file={img},format=raw,if=none,id=d0", tmp, *extra)
        check(f"{mode}: write, flush, read back", status == PASS and not err.strip(),
              f"status {status}, stderr {err[-300:]!r}")
        check(f"{mode}: the sector is in the file", sector(img, 1) == PATTERN)
        check(f"{mode}: four commands reported", len(polls) == 4, polls)


def test_determinism(tmp):
    runs = []
    for delay in (0, 20000, 0):
        img = image(tmp)
        status, err, polls = run(
            f"file={img},format=test-faulty,delay-us={delay},if=none,id=d0", tmp,
            "-icount", "shift=0")
        runs.append((status, polls))
    check("icount: every run passes", all(s == PASS for s, _ in runs), runs)
    check("icount: the same poll counts whatever the disk's speed",
          runs[0][1] == runs[1][1] == runs[2][1] and len(runs[0][1]) == 4, runs)


def test_werror_stop(tmp):
    img = image(tmp)
    sock = os.path.join(tmp, "qmp.sock")
    p = subprocess.Popen(argv(f"file={img},format=test-faulty,fail-writes=1,if=none,id=d0,"
                              "werror=stop", tmp, "-S",
                              "-qmp", f"unix:{sock},server=on,wait=off"),
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    try:
        q = QMP.connect_unix(sock)
        q.negotiate()
        q.cmd("cont")   # started stopped (-S) so that no event is missed
        ev = q.wait_event("BLOCK_IO_ERROR", timeout=30)
        data = (ev or {}).get("data", {})
        check("werror=stop: BLOCK_IO_ERROR with action stop and nospace",
              data.get("device") == "d0" and data.get("action") == "stop" and
              data.get("operation") == "write" and data.get("nospace") is True, ev)
        st = q.cmd("query-status").get("return", {})
        check("werror=stop: the machine is stopped in io-error",
              st.get("status") == "io-error" and st.get("running") is False, st)
        blk = q.cmd("query-block").get("return", [])
        check("query-block: the drive, its io-status failed",
              len(blk) == 1 and blk[0].get("device") == "d0" and
              blk[0].get("io-status") == "failed" and
              blk[0].get("inserted", {}).get("drv") == "test-faulty", blk)
        hmp = q.cmd("human-monitor-command", {"command-line": "info block"})
        check("info block names the drive and its image",
              "d0 (" in hmp.get("return", "") and img in hmp.get("return", ""), hmp)
        check("cont", q.cmd("cont") == {"return": {}})
        status = p.wait(timeout=30)
        check("werror=stop: after cont the write is retried and the guest succeeds",
              status == PASS, f"status {status}, {p.stderr.read()[-300:]!r}")
        check("werror=stop: the data is in the file", sector(img, 1) == PATTERN)
        q.close()
    finally:
        if p.poll() is None:
            p.kill()
        p.wait()


def test_werror_report_and_default(tmp):
    img = image(tmp)
    status, _, _ = run(f"file={img},format=test-faulty,fail-writes=1,errno=EIO,if=none,id=d0,"
                       "werror=report", tmp)
    check("werror=report: the guest sees the error", status == FAILED, status)
    img = image(tmp)
    status, _, _ = run(f"file={img},format=test-faulty,fail-writes=1,errno=EIO,if=none,id=d0,"
                       "werror=ignore", tmp)
    check("werror=ignore: the guest is told it worked (and the data is not there)",
          status == DIFFERS, status)
    # The default werror=enospc: a full disk stops the machine.
    img = image(tmp)
    sock = os.path.join(tmp, "enospc.sock")
    p = subprocess.Popen(argv(f"file={img},format=test-faulty,fail-writes=1,if=none,id=d0",
                              tmp, "-S", "-qmp", f"unix:{sock},server=on,wait=off"),
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        q = QMP.connect_unix(sock)
        q.negotiate()
        q.cmd("cont")
        ev = q.wait_event("BLOCK_IO_ERROR", timeout=30)
        st = q.cmd("query-status").get("return", {})
        check("default werror: ENOSPC stops the machine (no failure, no loss)",
              ev is not None and ev["data"].get("action") == "stop" and
              st.get("status") == "io-error", (ev, st))
        q.cmd("cont")
        check("default werror: cont finishes the guest's work", p.wait(timeout=30) == PASS)
        check("default werror: the data is in the file", sector(img, 1) == PATTERN)
        q.close()
    finally:
        if p.poll() is None:
            p.kill()
        p.wait()


def test_snapshot_and_readonly(tmp):
    img = image(tmp)
    status, _, _ = run(f"file={img},format=raw,if=none,id=d0", tmp, "-snapshot")
    check("-snapshot: the guest reads its own writes", status == PASS, status)
    check("-snapshot: the image is untouched", sector(img, 1) == bytes(512))
    status, _, _ = run(f"file={img},format=raw,if=none,id=d0,readonly=on", tmp)
    check("readonly=on: the write fails", status == FAILED, status)


def test_bad_input(tmp):
    img = image(tmp)
    cases = [
        ("file=/nonexistent.img,if=none,id=d0", "could not open '/nonexistent.img'"),
        (f"file={img},format=qcow7,if=none,id=d0", "unknown format 'qcow7'"),
        (f"file={img},if=none,id=d0,cache=turbo", "option 'cache'"),
        (f"file={img},if=none,id=d0,frobnicate=1", "'frobnicate'"),
    ]
    for drive, needle in cases:
        p = subprocess.run(argv(drive, tmp), stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=30)
        lines = p.stderr.strip().splitlines()
        check(f"bad -drive {drive.split(',')[0]}...: one clear line",
              p.returncode == 1 and len(lines) == 1 and needle in lines[0] and
              lines[0].startswith("cardcage: -drive "), p.stderr)


def test_format_help():
    p = subprocess.run([CARDCAGE, "-L", PLUGIN_DIR, "-drive", "format=help"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    first = p.stdout.splitlines()[0].split() if p.stdout else []
    check("-drive format=help lists the core's and a plugin's drivers",
          p.returncode == 0 and first[:2] == ["Supported", "formats:"] and
          {"file", "raw", "test-faulty"} <= set(first[2:]), (p.returncode, p.stdout, p.stderr))


def test_qemu_locks(tmp):
    """Image locks in QEMU's byte layout: each refuses the other's second
    writer.  Skipped without QEMU's tools."""
    import shutil
    qemu_io, qemu = shutil.which("qemu-io"), shutil.which("qemu-system-i386")
    if not qemu_io or not qemu:
        print("skip QEMU lock interoperability: qemu-io or qemu-system-i386 not installed")
        return
    img = image(tmp)
    q = subprocess.Popen([qemu_io, "-f", "raw", img], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        # qemu-io prints its prompt once the image is open.
        q.stdin.write(b"length\n")
        q.stdin.flush()
        q.stdout.readline()
        p = subprocess.run(argv(f"file={img},format=raw,if=none,id=d0", tmp),
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
        check("a QEMU writer holds the image: cardcage refuses it",
              p.returncode == 1 and "in use" in p.stderr, p.stderr)
    finally:
        q.stdin.close()
        q.wait(timeout=10)
    sock = os.path.join(tmp, "lock.sock")
    c = subprocess.Popen(argv(f"file={img},format=raw,if=none,id=d0", tmp, "-S",
                              "-qmp", f"unix:{sock},server=on,wait=off"),
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        QMP.connect_unix(sock).close()   # started: the image is open
        try:
            r = subprocess.run([qemu, "-M", "isapc", "-nodefaults", "-display", "none", "-S",
                                "-drive", f"file={img},format=raw,if=ide"],
                               stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=20)
            out = (r.returncode, r.stderr)
        except subprocess.TimeoutExpired:
            out = (None, "QEMU started on the image cardcage holds")
        check("cardcage holds the image: QEMU is refused the write lock",
              out[0] not in (None, 0) and "lock" in out[1], out)
    finally:
        c.kill()
        c.wait()


with tempfile.TemporaryDirectory() as tmp:
    test_plain(tmp)
    test_determinism(tmp)
    test_werror_stop(tmp)
    test_werror_report_and_default(tmp)
    test_snapshot_and_readonly(tmp)
    test_bad_input(tmp)
    test_qemu_locks(tmp)
    test_format_help()
sys.exit(1 if failures else 0)
