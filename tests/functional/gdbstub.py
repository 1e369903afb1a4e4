#!/usr/bin/env python3
"""The gdb stub, driven with gdb's remote protocol by hand (no gdb needed):
-S -gdb unix:PATH on the isapc board with a small counting guest
(guest/gdb-target.asm).  Checks: gdb attaching finds the machine paused at
the entry point, the 'g' register file in gdb's i386 layout, software
breakpoints stop before the instruction and are stepped over on resume,
single steps, memory reads and writes by address, register writes, Ctrl-C
while the guest runs, monitor commands (info registers without XMM on the
SSE-less pentium2), and that malformed packets (bad
checksums, overlong packets, bad hex, huge lengths) get refusals, never a
crash.  Finally the debugger writes the guest's flag and the guest exits
through isa-debug-exit with status 67.

Then, on pc -cpu pentium3 with -smp 2 and the IPI guest (guest/smp-ipi.asm): the CPUs
are threads 1 and 2 (qfThreadInfo, T, qThreadExtraInfo), Hg selects whose
registers 'g' reads, and a breakpoint at the APs' start-up page stops with
a stop reply naming thread 2 once the BSP has sent its SIPI; an XMM1 that
gdb writes shows in the monitor's info registers as QEMU prints it."""
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

BUILD = os.environ["CARDCAGE_BUILD_ROOT"]
CARDCAGE = os.path.join(BUILD, "cardcage")
GUEST = os.path.join(BUILD, "tests", "functional", "gdb-target.bin")
ENTRY, LOOP, COUNTER, FLAG = 0x100020, 0x100040, 0x100100, 0x100104
failures = 0


def check(name, ok, detail=""):
    global failures
    print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f": {detail}" if not ok else ""))
    failures += not ok


class Rsp:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(10)
        self.s.connect(path)
        self.pending = b""

    def raw(self, data):
        self.s.sendall(data)

    def _byte(self):
        while not self.pending:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("stub closed the connection")
            self.pending += chunk
        b, self.pending = self.pending[:1], self.pending[1:]
        return b

    def ack(self):
        """The next acknowledgement character."""
        b = self._byte()
        while b not in (b"+", b"-"):
            b = self._byte()
        return b

    def packet(self):
        """The next packet's data (its checksum verified)."""
        while self._byte() != b"$":
            pass
        data = b""
        while (b := self._byte()) != b"#":
            data += b
        csum = int(self._byte() + self._byte(), 16)
        assert csum == sum(data) % 256, f"bad checksum from the stub on {data!r}"
        self.raw(b"+")
        return data.decode()

    def send(self, data):
        body = data.encode() if isinstance(data, str) else data
        self.raw(b"$" + body + b"#%02x" % (sum(body) % 256))
        return self.ack()

    def ask(self, data):
        assert self.send(data) == b"+"
        return self.packet()


def regs(rsp):
    g = bytes.fromhex(rsp.ask("g"))
    return g, struct.unpack_from("<16I", g)


def monitor(rsp, command):
    """A monitor command through qRcmd: its output, and whether it ended OK."""
    rsp.send("qRcmd," + command.encode().hex())
    text = ""
    while (p := rsp.packet()).startswith("O") and p != "OK":
        text += bytes.fromhex(p[1:]).decode()
    return text, p == "OK"


def session(args, run_fn, name, want_status):
    """Start cardcage -S -gdb with args, run run_fn on the connection, then
    check the exit status once gdb let the guest go."""
    with tempfile.TemporaryDirectory() as d:
        sock = os.path.join(d, "gdb")
        proc = subprocess.Popen([CARDCAGE, *args, "-S", "-display", "none", "-serial", "null",
                                 "-gdb", f"unix:{sock}",
                                 "-device", "isa-debug-exit,iobase=0xf4,iosize=4"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        for _ in range(200):
            if os.path.exists(sock):
                break
            time.sleep(0.05)
        try:
            run_fn(Rsp(sock))
        except (EOFError, OSError, AssertionError) as e:
            check(f"{name}the session ran to its end", False, repr(e))
        try:
            status = proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            status = None
        err = proc.stderr.read().decode(errors="replace")
        check(f"{name}the guest exits through isa-debug-exit once resumed",
              status == want_status, f"status {status}, stderr {err!r}")


SMP_GUEST = os.path.join(BUILD, "tests", "functional", "smp-ipi.bin")


def main():
    # The guest exits once the debugger has written its flag.
    session(["-M", "isapc", "-kernel", GUEST], run, "", 67)
    session(["-M", "pc", "-cpu", "pentium3", "-smp", "2", "-kernel", SMP_GUEST], run_smp, "smp: ", 1)
    sys.exit(1 if failures else 0)


def run_smp(rsp):
    check("smp: qfThreadInfo lists both CPUs", rsp.ask("qfThreadInfo") == "m01,02")
    check("smp: qsThreadInfo ends the list", rsp.ask("qsThreadInfo") == "l")
    check("smp: T2 is alive, T3 is not", rsp.ask("T2") == "OK" and rsp.ask("T3") == "E22")
    check("smp: Hg to an unknown thread is refused", rsp.ask("Hg5") == "E22")
    check("smp: Hg2 selects the second CPU", rsp.ask("Hg2") == "OK")
    _, r = regs(rsp)
    check("smp: ... which waits for SIPI at its reset state (F000:FFF0)",
          r[8] == 0xfff0 and r[10] == 0xf000, f"eip {r[8]:#x} cs {r[10]:#x}")
    info = bytes.fromhex(rsp.ask("qThreadExtraInfo,2")).decode()
    check("smp: qThreadExtraInfo describes it", info == "CPU#1 [halted]", info)
    check("smp: Hg1 selects the first again", rsp.ask("Hg1") == "OK")
    _, r = regs(rsp)
    check("smp: ... at the kernel's entry", r[8] != 0xfff0 and r[10] == 0x10,
          f"eip {r[8]:#x} cs {r[10]:#x}")
    # gdb register 33 is XMM1 (32bit-sse.xml), its bytes little-endian.
    check("smp: P writes XMM1", rsp.ask("P21=" + bytes(range(0, 256, 17)).hex()) == "OK")
    text, ok = monitor(rsp, "info registers")
    check("smp: info registers shows it as XMM01, high dword first, and MXCSR after reset",
          ok and "XMM01=ffeeddccbbaa998877665544" "33221100" in text and "MXCSR=00001f80" in text,
          repr(text))
    # The SIPI vector 0x08: the AP's first instruction is at 0800:0000.
    check("smp: Z0 at the start-up page", rsp.ask("Z0,8000,1") == "OK")
    stop = rsp.ask("c")
    check("smp: the AP stops there, reported as thread 2", stop == "T05thread:02;", stop)
    _, r = regs(rsp)
    check("smp: ... its registers: real mode at 0800:0000", r[8] == 0 and r[10] == 0x800,
          f"eip {r[8]:#x} cs {r[10]:#x}")
    check("smp: qC names the stopped thread", rsp.ask("qC") == "QC02")
    check("smp: z0 removes the breakpoint", rsp.ask("z0,8000,1") == "OK")
    rsp.send("vCont;c")


def run(rsp):
    check("qSupported advertises the packet size and no-ack mode",
          "PacketSize=1000" in rsp.ask("qSupported:multiprocess+;swbreak+"))
    check("'?' reports a stop (SIGTRAP)", rsp.ask("?").startswith("T05"))
    g, r = regs(rsp)
    check("'g' is gdb's i386 layout (16 dwords, 8 x 10-byte ST, 8 dwords, "
          "8 x 16-byte XMM, MXCSR)",
          len(g) == 16 * 4 + 8 * 10 + 8 * 4 + 8 * 16 + 4, f"{len(g)} bytes")
    mxcsr = struct.unpack_from("<I", g, len(g) - 4)[0]
    check("MXCSR reads as after reset (1F80)", mxcsr == 0x1F80, hex(mxcsr))
    check("attaching finds the CPU at the entry point", r[8] == ENTRY, hex(r[8]))
    check("... in flat 32-bit protected mode (CS 0x10, EFLAGS.IF clear)",
          r[10] == 0x10 and not r[9] & 0x200, f"cs {r[10]:#x} eflags {r[9]:#x}")
    # SDM vol. 3A, table 9-1: FCW is 0040H after RESET (037FH after FNINIT).
    fctrl = struct.unpack_from("<I", g, 144)[0]
    check("FCTRL reads the x87 control word of the reset state", fctrl == 0x40, hex(fctrl))

    check("Z0 sets a breakpoint", rsp.ask(f"Z0,{LOOP:x},1") == "OK")
    check("c runs to the breakpoint", rsp.ask("c").startswith("T05"))
    _, r = regs(rsp)
    check("... stopped before the loop's first instruction", r[8] == LOOP and r[1] == 0,
          f"eip {r[8]:#x} ecx {r[1]}")
    check("c again passes the breakpoint and stops there next time round",
          rsp.ask("c").startswith("T05"))
    _, r = regs(rsp)
    check("... one iteration later", r[8] == LOOP and r[1] == 1, f"eip {r[8]:#x} ecx {r[1]}")
    check("s steps one instruction", rsp.ask("s").startswith("T05"))
    _, r = regs(rsp)
    check("... INC ECX ran", r[8] == LOOP + 1 and r[1] == 2, f"eip {r[8]:#x} ecx {r[1]}")
    check("vCont;s steps too", rsp.ask("vCont;s:1").startswith("T05"))
    mem = rsp.ask(f"m{COUNTER:x},4")
    check("m reads the counter the guest stored", mem == "02000000", mem)
    check("p reads one register (ECX)", rsp.ask("p1") == "02000000")
    check("P writes one register", rsp.ask("P1=e8030000") == "OK" and rsp.ask("p1") == "e8030000")
    check("z0 removes the breakpoint", rsp.ask(f"z0,{LOOP:x},1") == "OK")

    # Run freely, then interrupt with Ctrl-C.
    assert rsp.send("c") == b"+"
    time.sleep(0.3)
    rsp.raw(b"\x03")
    check("Ctrl-C stops the running guest (SIGINT)", rsp.packet().startswith("T02"))
    count = struct.unpack("<I", bytes.fromhex(rsp.ask(f"m{COUNTER:x},4")))[0]
    # Any progress past the 1000 P wrote counts: on a loaded host 0.3 s may
    # be few time slices.
    check("... after it ran on from 1000", count > 1000, str(count))

    text, ok = monitor(rsp, "info status")
    check("qRcmd runs a monitor command", "VM status: paused" in text and ok, repr(text))
    text, ok = monitor(rsp, "info registers")
    check("info registers shows ECX and no XMM on a CPU without SSE (pentium2)",
          ok and "ECX=" in text and "XMM" not in text and "MXCSR" not in text, repr(text))

    # Hostile input: each gets a refusal, and the stub goes on.
    rsp.raw(b"$g#00")
    check("a bad checksum is refused with '-'", rsp.ack() == b"-")
    rsp.raw(b"$" + b"m" * 5000 + b"#%02x" % (sum(b"m" * 5000) % 256))
    check("an overlong packet is refused with '-'", rsp.ack() == b"-")
    check("bad hex in M is an error", rsp.ask(f"M{FLAG:x},4:zz").startswith("E"))
    check("M with too little data is an error", rsp.ask(f"M{FLAG:x},4:00").startswith("E"))
    check("a malformed m is an error", rsp.ask("m,").startswith("E"))
    big = rsp.ask("m100000,ffffffffffff")
    check("a huge m length is cut to the packet size", 0 < len(big) <= 4096, str(len(big)))
    check("a 17-digit address is an error", rsp.ask("m10000000000000000,4").startswith("E"))
    check("an unknown register is an error", rsp.ask("p99").startswith("E"))
    check("watchpoints are unsupported (empty reply)", rsp.ask(f"Z2,{FLAG:x},4") == "")
    check("an unknown packet gets the empty reply", rsp.ask("Xyz") == "")
    check("breakpoints beyond the table are refused",
          any(rsp.ask(f"Z0,{0x200000 + i:x},1") == "E22" for i in range(80)))
    for i in range(80):
        rsp.ask(f"z0,{0x200000 + i:x},1")
    check("the stub still answers", rsp.ask("?").startswith("T05"))

    check("M writes the flag", rsp.ask(f"M{FLAG:x},4:0df00d60") == "OK")
    check("m reads it back", rsp.ask(f"m{FLAG:x},4") == "0df00d60")
    rsp.send("c")


main()
