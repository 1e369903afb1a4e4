#!/usr/bin/env python3
"""Save and restore a running machine (migrate / -incoming) with Debian's
i386 kernel and the busybox workload (tests/guests/get-linux.sh):

  save-restore  a live save in the middle of the workload, the process
                killed, a new process restores it: the guest finishes with
                the right md5 and exit status 0
  icount        under -icount, a run stopped at a chosen virtual time (an
                exact instruction count), saved, killed and restored gives
                serial output byte-identical to a run that was never stopped
  cycles        100 saves and restores in a row, each in a new process, in
                one guest run; the workload still ends correctly
  bad-stream    truncated, corrupted, foreign and mismatched streams: one
                clear error each, exit status 1, never a crash
  stall         a tickless guest (TSC clocksource, so the PIT runs one-shot
                in mode 4) whose emulator the host stops for 0.3 s at a time
                in `sleep 5` still ends: the timer interrupt due in a stall
                arrives late but arrives.  A restored machine
                starting on a loaded host is late like this; migrate-cycles
                hung (no output, no exit) when it lost that interrupt
  display       the VGA text screen of isapc and pc booted from the storage
                tests' SYSLINUX disk, saved and restored into a stopped
                machine: the same picture

Skips (77) when the guest has not been fetched, unless
CARDCAGE_REQUIRE_GUESTS=1 (CI)."""
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cctest import APPEND, CARDCAGE, INITRD, KERNEL, MD5_64M_ZEROS, require_guest  # noqa: E402
from qmplib import QMP  # noqa: E402

TIMEOUT = 300


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


class Machine:
    """A cardcage whose first serial port goes to a file and whose QMP
    socket is a unix socket in the test's directory."""

    def __init__(self, tmp, name, extra=(), mem="256", incoming=None, board="isapc",
                 append=APPEND, boot=None):
        self.serial = os.path.join(tmp, name + ".serial")
        self.sock = os.path.join(tmp, name + ".qmp")
        # boot: the options that give the machine its software, instead of
        # the test kernel and initramfs.
        software = boot if boot is not None else ["-kernel", KERNEL, "-initrd", INITRD,
                                                  "-append", append]
        cmd = [CARDCAGE, "-M", board, "-m", mem, "-display", "none", "-no-reboot",
               *software,
               "-serial", "file:" + self.serial,
               "-qmp", f"unix:{self.sock},server=on,wait=off", *extra]
        if incoming:
            cmd += ["-incoming", incoming]
        self.cmd = cmd
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.qmp = None

    def connect(self):
        self.qmp = QMP.connect_unix(self.sock)
        self.qmp.negotiate()
        return self.qmp

    def output(self):
        try:
            with open(self.serial, "rb") as f:
                return f.read()
        except FileNotFoundError:
            return b""

    def wait_output(self, needle, timeout=TIMEOUT):
        end = time.monotonic() + timeout
        while needle not in self.output():
            if self.proc.poll() is not None:
                fail(f"the machine exited ({self.proc.returncode}) before {needle!r}: "
                     f"{self.proc.stderr.read().decode(errors='replace')}")
            if time.monotonic() > end:
                fail(f"no {needle!r} within {timeout}s")
            time.sleep(0.02)

    def migrate(self, path):
        """Save to path and wait for the end; returns query-migrate's reply."""
        try:
            r = self.qmp.cmd("migrate", {"uri": "file:" + path})
        except OSError as e:
            code = self.proc.wait(timeout=10)
            fail(f"migrate: {e}; the machine exited with {code}: {self.stderr()}")
        if r != {"return": {}}:
            fail(f"migrate: {r}")
        end = time.monotonic() + 60
        while True:
            info = self.qmp.cmd("query-migrate")["return"]
            if info.get("status") in ("completed", "failed", "cancelled"):
                break
            if time.monotonic() > end:
                fail(f"migration did not end: {info}")
            time.sleep(0.01)
        if info["status"] != "completed":
            fail(f"migration {info['status']}: {info.get('error-desc')}")
        status = self.qmp.cmd("query-status")["return"]["status"]
        if status != "postmigrate":
            fail(f"after migrate the machine is {status!r}, expected postmigrate")
        return info

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        if self.qmp:
            self.qmp.close()

    def stderr(self):
        """What the machine wrote to stderr (call once it has ended)."""
        return self.proc.stderr.read().decode(errors="replace")

    def hang_report(self):
        """The run state and registers of a machine that does not end,
        through its QMP socket, for the failure message."""
        try:
            q = self.qmp or self.connect()
            status = q.cmd("query-status")
            regs = q.cmd("human-monitor-command", {"command-line": "info registers"})
            return f"status {status.get('return')}; registers:\n{regs.get('return', regs)}"
        except (OSError, TimeoutError, ValueError, AttributeError) as e:
            return f"(QMP did not answer: {e!r})"

    def wait_exit(self, timeout=TIMEOUT):
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            report = self.hang_report()
            self.kill()
            fail(f"no exit within {timeout}s; serial: {self.output()[-500:]!r}; "
                 f"stderr: {self.stderr()[-2000:]!r}; {report}")
        if self.qmp:
            self.qmp.close()
        return self.proc.returncode


def check_workload_end(text, what):
    if f"CARDCAGE-MD5: {MD5_64M_ZEROS}".encode() not in text:
        fail(f"{what}: no correct md5 line in {text[-800:]!r}")
    if b"CARDCAGE-DONE" not in text:
        fail(f"{what}: the workload did not finish: {text[-800:]!r}")


def resume(tmp, name, state, before, what, **kw):
    """Restore state in a new machine, which must resume (not boot again)
    and finish the workload with exit status 0; its output."""
    b = Machine(tmp, name, incoming="file:" + state, **kw)
    code = b.wait_exit()
    after = b.output()
    if code != 0:
        fail(f"the restored machine exited with {code}: "
             f"{b.proc.stderr.read().decode(errors='replace')}")
    if b"CARDCAGE-MARKER" in after:
        fail("the restored machine booted again instead of resuming")
    check_workload_end(before + after, what)
    return after


def test_save_restore(tmp):
    a = Machine(tmp, "a")
    a.wait_output(b"CARDCAGE-MARKER")
    a.connect()
    # Into the md5 of 64 MiB: the guest is busy writing pipe buffers.
    time.sleep(0.5)
    state = os.path.join(tmp, "state")
    info = a.migrate(state)
    before = a.output()
    a.kill()
    if b"CARDCAGE-DONE" in before:
        fail("the workload had already ended when it was saved")
    after = resume(tmp, "b", state, before, "restored run")
    ram = info["ram"]
    print(f"saved live in {info['total-time']} ms (downtime {info['downtime']} ms, "
          f"{info['ram']['dirty-sync-count']} passes), stream {os.path.getsize(state)} bytes, "
          f"{ram['normal']} pages sent, {ram['duplicate']} zero pages; "
          f"resumed with {len(after)} bytes of output; md5 right, exit 0")


def test_smp(tmp):
    """A running pc -smp 2 (ACPI, both local APICs in use) saved in the
    middle of its workload and resumed by another process: every CPU and
    every local APIC comes back, and the workload ends right."""
    smp = ["-smp", "2"]
    a = Machine(tmp, "sa", smp, board="pc", append="console=ttyS0")
    a.wait_output(b"CARDCAGE-MARKER")
    if b"smp: Brought up 1 node, 2 CPUs" not in a.output():
        fail(f"the guest did not bring up 2 CPUs: {a.output()[-1500:]!r}")
    a.connect()
    time.sleep(0.5)
    state = os.path.join(tmp, "sstate")
    a.migrate(state)
    before = a.output()
    a.kill()
    if b"CARDCAGE-DONE" in before:
        fail("the workload had already ended when it was saved")
    expect_refusal(tmp, "smp-count", "file:" + state, "2 CPUs; this machine has 4",
                   extra=["-smp", "4"], board="pc")
    after = resume(tmp, "sb", state, before, "restored -smp 2 run", extra=smp, board="pc",
                   append="console=ttyS0")
    print(f"-smp 2 saved while running and resumed: md5 right, exit 0 "
          f"({len(after)} bytes of output after the restore)")


def test_icount(tmp):
    # 20 s of virtual time: the kernel is booting and has printed much
    # of its log (the marker comes at about 32 s with shift=3).
    stop_ns = 20_000_000_000
    ic = ["-icount", "shift=3", "-rtc", "base=2020-01-01T00:00:00"]
    # The reference runs at the same time, never stopped, with nothing
    # but its command line.
    ref = Machine(tmp, "ref", ic)
    a = Machine(tmp, "ia", ic + ["-S"])
    q = a.connect()
    if q.cmd("x-stop-at", {"ns": stop_ns}) != {"return": {}}:
        fail("x-stop-at refused")
    q.cmd("cont")
    if not q.wait_event("STOP", TIMEOUT):
        fail("no STOP at the chosen time")
    state = os.path.join(tmp, "istate")
    a.migrate(state)
    first = a.output()
    a.kill()
    b = Machine(tmp, "ib", ic, incoming="file:" + state)
    # Saved while stopped (x-stop-at), so the restored machine waits
    # "paused", as QEMU does, until it is told to go on.
    qb = b.connect()
    end = time.monotonic() + 60
    while (st := qb.cmd("query-status")["return"]["status"]) == "inmigrate":
        if time.monotonic() > end:
            fail("the restored machine is still inmigrate after 60 s")
        time.sleep(0.01)
    if st != "paused":
        fail(f"a machine saved stopped is {st!r} after its restore, expected paused")
    qb.cmd("cont")
    if b.wait_exit() != 0:
        fail(f"restored icount run failed: {b.proc.stderr.read().decode(errors='replace')}")
    second = b.output()
    if ref.wait_exit() != 0:
        fail("reference run failed")
    whole = ref.output()
    if not first or not second:
        fail(f"one half is empty ({len(first)} + {len(second)} bytes): the stop point is "
             "not inside the run")
    if first + second != whole:
        n = next((i for i, (x, y) in enumerate(zip(first + second, whole)) if x != y),
                 min(len(first + second), len(whole)))
        fail(f"output differs at byte {n} (saved at byte {len(first)}): "
             f"{(first + second)[n - 40:n + 80]!r} vs {whole[n - 40:n + 80]!r}")
    check_workload_end(whole, "icount run")
    print(f"icount: saved at virtual {stop_ns / 1e9:.1f} s after {len(first)} bytes of "
          f"output; {len(first)} + {len(second)} bytes identical to the {len(whole)} bytes "
          "of a run never stopped")


def test_cycles(tmp, n=100):
    rng = random.Random(8)
    # The guest runs about 0.1 s per cycle (the pause before the save, the
    # save, the restore): some 10 s in all, which outlasted the default
    # workload's md5, loop and 5 s sleep once the CPU got faster.  A 20 s
    # sleep keeps all 100 cycles inside one run.
    append = APPEND + " cardcage.sleep=20"
    m = Machine(tmp, "c0", mem="128", append=append)
    m.wait_output(b"CARDCAGE-MARKER")
    m.connect()
    text = b""
    total_ms = 0
    done = 0
    for i in range(1, n + 1):
        time.sleep(rng.uniform(0.02, 0.12))
        state = os.path.join(tmp, f"cycle{i % 2}")
        info = m.migrate(state)
        total_ms += info["total-time"]
        done = i
        text += m.output()
        m.kill()
        m = Machine(tmp, f"c{i}", mem="128", incoming="file:" + state, append=append)
        if i == n:
            break
        while not os.path.exists(m.sock) and m.proc.poll() is None:
            time.sleep(0.005)
        if m.proc.poll() is not None:
            break       # it ended (or failed): judged below
        m.connect()
    code = m.wait_exit()
    text += m.output()
    if code != 0:
        fail(f"after {done} cycles the machine exited with {code}: "
             f"{m.proc.stderr.read().decode(errors='replace')}")
    if done < n:
        fail(f"the workload ended after {done} of {n} cycles")
    check_workload_end(text, f"{n} cycles")
    print(f"{done} saves and restores, migrate took {total_ms / done:.1f} ms on average; "
          "md5 right, exit 0")


def test_stall(tmp):
    # Whether Linux calibrates the TSC against the PIT depends on host
    # timing; given its rate it always does, takes the TSC as clocksource,
    # goes high-resolution and programs the PIT one-shot (mode 4).
    m = Machine(tmp, "s", append=APPEND + " tsc_early_khz=1000000 tsc=reliable")
    # In `sleep 5` the guest is idle: the PIT's strobe is the only thing
    # that wakes it (a busy guest reprograms the PIT when it next idles,
    # which hides a lost strobe).  Each stall is past the PIT's 100 ms
    # catch-up limit.
    m.wait_output(b"CARDCAGE-SLEEP-START")
    for _ in range(5):
        time.sleep(0.3)
        m.proc.send_signal(signal.SIGSTOP)
        time.sleep(0.3)
        m.proc.send_signal(signal.SIGCONT)
    code = m.wait_exit()
    text = m.output()
    if code != 0:
        fail(f"the stalled machine exited with {code}: {m.stderr()}")
    check_workload_end(text, "the stalled machine")
    if b"clocksource tsc" not in text:
        fail("the guest did not use the TSC (so its PIT was not one-shot): "
             f"{text[-400:]!r}")
    print("5 host stalls of 0.3 s in a tickless guest's sleep 5: it ended, md5 right, exit 0")


def expect_refusal(tmp, name, incoming, needle, extra=(), mem="256", board="isapc"):
    m = Machine(tmp, name, extra, mem=mem, incoming=incoming, board=board)
    try:
        m.proc.wait(60)
    except subprocess.TimeoutExpired:
        m.kill()
        fail(f"{name}: a bad stream did not end the machine")
    err = m.proc.stderr.read().decode(errors="replace")
    lines = [ln for ln in err.splitlines() if ln.startswith("cardcage:")]
    if m.proc.returncode != 1 or len(lines) != 1 or needle not in lines[0]:
        fail(f"{name}: expected status 1 and one 'cardcage:' line with {needle!r}, got "
             f"{m.proc.returncode}: {err!r}")
    return lines[0]


def test_bad_stream(tmp):
    good = Machine(tmp, "g", ["-S"])
    good.connect()
    state = os.path.join(tmp, "good")
    good.migrate(state)
    good.kill()
    data = open(state, "rb").read()
    cases = 0

    def variant(name, blob, needle, **kw):
        nonlocal cases
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(blob)
        expect_refusal(tmp, name, "file:" + path, needle, **kw)
        cases += 1

    variant("empty", b"", "truncated")
    variant("garbage", b"GIF89a" + bytes(100), "not a cardcage migration stream")
    variant("truncated", data[:len(data) // 2], "truncated")
    variant("version", data[:4] + b"\0\0\0\x63" + data[8:], "version 99")
    variant("trailing", data + b"x", "garbage after the end")
    expect_refusal(tmp, "missing", "file:" + os.path.join(tmp, "nonexistent"), "cannot open")
    cases += 1
    expect_refusal(tmp, "mem", "file:" + state, "MiB of RAM", mem="128")
    cases += 1
    expect_refusal(tmp, "board", "file:" + state, "board 'isapc'", board="pc")
    cases += 1
    expect_refusal(tmp, "icount", "file:" + state, "-icount", extra=["-icount", "shift=3"])
    cases += 1
    expect_refusal(tmp, "scheme", "tcp:127.0.0.1:1", "not supported")
    cases += 1
    # Flipped bytes anywhere: an error or a machine that runs, never a crash.
    rng = random.Random(1)
    crashes = 0
    for i in range(20):
        blob = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            blob[rng.randrange(len(blob))] ^= 1 << rng.randrange(8)
        path = os.path.join(tmp, f"flip{i}")
        open(path, "wb").write(blob)
        m = Machine(tmp, f"flip{i}", ["-S"], incoming="file:" + path)
        time.sleep(0.2)
        rc = m.proc.poll()
        if rc is None:
            m.kill()
        elif rc < 0 or rc > 1:
            crashes += 1
            print(f"flip {i}: status {rc}: {m.proc.stderr.read()[-400:]!r}")
    if crashes:
        fail(f"{crashes} corrupted streams crashed the emulator")
    print(f"bad streams: {cases} refused with a clear error, 20 bit-flipped streams "
          "without a crash")


def test_savevm(tmp):
    """savevm in the middle of the workload into a qcow2 disk, the process
    killed, a new process started with -loadvm finishes the workload; qemu-img
    lists the snapshot and finds the image clean."""
    if not shutil.which("qemu-img"):
        if os.environ.get("CARDCAGE_REQUIRE_GUESTS") == "1":
            fail("qemu-img not installed (package qemu-utils)")
        print("SKIP qemu-img not installed (package qemu-utils)")
        sys.exit(77)
    img = os.path.join(tmp, "disk.qcow2")
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", img, "16M"], check=True)
    drive = ["-drive", f"file={img},format=qcow2,if=none,id=d0"]
    a = Machine(tmp, "sa", drive)
    a.wait_output(b"CARDCAGE-MARKER")
    a.connect()
    time.sleep(0.5)
    r = a.qmp.cmd("snapshot-save", {"job-id": "s", "tag": "mid", "vmstate": "d0",
                                    "devices": ["d0"]})
    before = a.output()
    if r != {"return": {}}:
        fail(f"snapshot-save: {r}")
    a.kill()
    if b"CARDCAGE-DONE" in before:
        fail("the workload had already ended when it was saved")
    listing = subprocess.run(["qemu-img", "snapshot", "-l", img], stdout=subprocess.PIPE,
                             text=True, check=True).stdout
    if "mid" not in listing:
        fail(f"qemu-img snapshot -l does not list it: {listing}")
    chk = subprocess.run(["qemu-img", "check", img], stdout=subprocess.PIPE, text=True)
    if chk.returncode != 0:
        fail(f"qemu-img check after savevm: {chk.stdout}")
    b = Machine(tmp, "sb", drive + ["-loadvm", "mid"])
    code = b.wait_exit()
    after = b.output()
    if code != 0:
        fail(f"the machine started with -loadvm exited with {code}: "
             f"{b.proc.stderr.read().decode(errors='replace')}")
    if b"CARDCAGE-MARKER" in after:
        fail("-loadvm booted again instead of resuming")
    check_workload_end(before + after, "-loadvm run")
    print(f"savevm into qcow2 mid-workload, -loadvm in a new process finished it "
          f"({listing.strip().splitlines()[-1]})")


def screendump(m, path):
    r = m.qmp.cmd("screendump", {"filename": path})
    if r != {"return": {}}:
        fail(f"screendump: {r}")
    with open(path, "rb") as f:
        return f.read()


def test_display(tmp):
    """The card's state and its VRAM travel: the VGA text screen (the
    font in plane 2, the attributes, the cursor) of a machine booted by
    SeaBIOS and SYSLINUX from the storage tests' disk (a -kernel boot has
    no VGA console) is the same picture after a restore, on isapc
    (isa-vga) and pc (VGA)."""
    disk = os.path.join(os.path.dirname(os.path.dirname(KERNEL)), "disks", "boot.raw")
    if not os.path.exists(disk):
        msg = f"no {disk}: run tests/guests/get-disk-guests.sh"
        if os.environ.get("CARDCAGE_REQUIRE_GUESTS") == "1":
            fail(msg)
        print(f"SKIP: {msg}")
        sys.exit(77)
    boot = ["-drive", f"file={disk},format=raw,if=ide,snapshot=on"]
    for board in ("isapc", "pc"):
        a = Machine(tmp, f"d-{board}-a", board=board, boot=boot)
        # SYSLINUX's banner: SeaBIOS's and the loader's text are on screen.
        a.wait_output(b"SYSLINUX")
        a.connect()
        a.qmp.cmd("stop")
        before = screendump(a, os.path.join(tmp, f"{board}-a.ppm"))
        state = os.path.join(tmp, f"d-{board}-state")
        a.migrate(state)
        a.kill()
        b = Machine(tmp, f"d-{board}-b", ["-S"], board=board, boot=boot,
                    incoming="file:" + state)
        for _ in range(500):
            if os.path.exists(b.sock):
                break
            time.sleep(0.02)
        b.connect()
        end = time.monotonic() + 60
        while b.qmp.cmd("query-status")["return"]["status"] != "paused":
            if time.monotonic() > end:
                fail(f"{board}: the restored machine never reached 'paused'")
            time.sleep(0.02)
        after = screendump(b, os.path.join(tmp, f"{board}-b.ppm"))
        b.kill()
        # Text on the screen (SeaBIOS's and SYSLINUX's): not one colour.
        if len(set(before[64:])) < 2:
            fail(f"{board}: the saved screen is blank")
        if before != after:
            fail(f"{board}: the screen after the restore differs from the one saved "
                 f"({len(before)} and {len(after)} bytes)")
        print(f"{board}: the VGA text screen is identical after the restore "
              f"({len(before)} bytes of PPM)")


def main():
    require_guest(fail)
    tests = {"save-restore": test_save_restore, "icount": test_icount, "smp": test_smp,
             "cycles": test_cycles, "bad-stream": test_bad_stream, "stall": test_stall,
             "savevm": test_savevm, "display": test_display}
    which = sys.argv[1:] or list(tests)
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    for name in which:
        tmp = tempfile.mkdtemp(prefix="cardcage-migrate-", dir=base)
        try:
            tests[name](tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print("PASS")


if __name__ == "__main__":
    main()
