#!/usr/bin/env python3
"""Networking: the net layer, its backends and the rtl8139, e1000 and NE2000 cards.

  cli      no guest: -netdev help, -nic help, the errors of bad network
           options, info network and set_link through the monitor, the
           old -net nic -net user form, -nic none
  user     Linux (tests/guests/get-linux.sh, cardcage.test=net) on -M pc with
           -nic user,model=rtl8139: a DHCP lease from slirp, a DNS answer
           through slirp's forwarder, a file from an HTTP server of this test
           reached through the gateway 10.0.2.2 (md5 checked), a file the guest
           serves fetched through hostfwd (md5 checked), and the pcap that
           -object filter-dump wrote, read by tcpdump, showing the DHCP
           exchange; a file from slirp's TFTP server (tftp=, md5 checked); a
           guestfwd= connection reaching a host command
  user-e1000  the same with -device e1000 (Linux's e1000 driver)
  socket   two cardcage machines on -netdev socket (one listen=, one
           connect=) ping each other
  socket-e1000  the same with an e1000 on one side and an rtl8139 on the other
  pxe-e1000  -boot n with an e1000: its iPXE ROM (pxe-e1000.rom) gets a lease
           from slirp and fetches the boot file over TFTP (the pcap shows it)
  qemu     a cardcage machine and qemu-system-i386 on one socket link (QEMU's
           length framing) ping each other
  ne2k_pci Linux on -M pc with -nic user,model=ne2k_pci (driver ne2k-pci): DHCP,
           DNS, the HTTP download (md5) and the file served through hostfwd
           (md5), as in the user case
  ne2k_isa the same on -M isapc with -nic user,model=ne2k_isa (driver ne, given
           ne.io=0x300 ne.irq=9 on the kernel command line)
  socket-ne2k  an rtl8139 machine and an ne2k_pci machine on -netdev socket
           ping each other
  pxe-ne2k_pci  -boot n with an ne2k_pci (pxe-ne2k_pci.rom), as pxe-e1000
  rx-filter  no guest: QMP query-rx-filter for the rtl8139, e1000,
           ne2k_pci and ne2k_isa: each card's RxFilterInfo has the members,
           and member types, of the reply QEMU gives for its virtio-net-pci
           (the one card QEMU answers for), the card's MAC as main-mac; the
           list without a name; QEMU's errors for a name that is no client,
           not a card, and for a card that cannot say (a
           virtio-net-pci-less QEMU answers so for its e1000)
  flood    for the rtl8139, e1000 and ne2k_pci in turn: Linux on a static
           address, its card on -netdev socket,listen= whose peer is this
           test; once the interface is up, the test sends it thousands of
           malformed frames (runts, oversize up to 64 KiB, IPv4/TCP/UDP/ICMP/
           ARP headers whose lengths lie, VLAN tags on garbage, random bytes),
           then a stream length past the limit (the backend must drop the
           connection and listen again), reconnects and answers ARP and ICMP
           echo as a host: the guest's ping, which went unanswered during the
           flood, must then succeed; the emulator exits cleanly on Ctrl-A x
           with nothing on stderr (run it on the AddressSanitizer build too)
  tap      a tap interface made on the host (ip tuntap add, an address of a
           free 10.213.N.0/24) and -netdev tap,ifname=,script=no,downscript=no,
           vhost=off: the guest, on a static address, downloads a file from an
           HTTP server on the host's side of the tap (md5), pings it, and the
           host pings the guest and fetches the file the guest serves (md5).
           Skips where /dev/net/tun or CAP_NET_ADMIN is missing

DNS: slirp forwards to the host's resolver.  If the host's resolver answers
one of a few well-known names, the guest must get the same address;
otherwise (no Internet) the guest must get the resolver's NXDOMAIN answer,
which still proves the round trip through slirp.

Skips (77) when the guest has not been fetched (or its initramfs predates
the NIC modules), when tcpdump or qemu-system-i386 is missing for the test
that needs it, unless CARDCAGE_REQUIRE_GUESTS=1."""
import hashlib
import http.server
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import gzip

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cctest import CARDCAGE, INITRD, KERNEL, Guest, check, require_guest, status  # noqa: E402
from cctest import fail_now as fail, skip_unless_required as skip  # noqa: E402
from qmplib import QMP, free_port, running  # noqa: E402

# ACPI on (no acpi=off): the pc board's tables route the card's PCI
# interrupt; without them a directly started kernel finds no IRQ for INTA#.
# noapic: the 8259s, whose timer check does not fail on a loaded host.
APPEND = "console=ttyS0 noapic cardcage.test=net"


def require_net_guest():
    require_guest(fail)
    with gzip.open(INITRD, "rb") as f:
        if b"lib/modules/8139cp.ko" not in f.read():
            skip(f"{INITRD} has no NIC modules: run tests/guests/get-linux.sh again")


def console(g):
    """The guest's last console lines (not its stderr: reading that waits
    for the emulator to end)."""
    return "\n".join(line for _, line in g.lines[-40:])


def guest_cmd(append, *args, board="pc"):
    return [CARDCAGE, "-M", board, "-m", "256", "-nographic", "-no-reboot",
            "-kernel", KERNEL, "-initrd", INITRD, "-append", f"{APPEND} {append}", *args]


# ---- cli ----

def monitor(args, commands, timeout=20):
    p = subprocess.run([CARDCAGE, "-M", "pc", "-nodefaults", "-S", "-monitor", "stdio", *args],
                       input="".join(c + "\n" for c in commands) + "quit\n",
                       capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def test_cli():
    p = subprocess.run([CARDCAGE, "-netdev", "help"], capture_output=True, text=True)
    check("-netdev help lists user and socket",
          p.returncode == 0 and "user" in p.stdout and "socket" in p.stdout, p.stdout)
    check("-netdev help lists tap", "tap " in p.stdout, p.stdout)
    p = subprocess.run([CARDCAGE, "-nic", "help"], capture_output=True, text=True)
    check("-nic help lists rtl8139", p.returncode == 0 and "rtl8139" in p.stdout, p.stdout)
    p = subprocess.run([CARDCAGE, "-nic", "user,model=help"], capture_output=True, text=True)
    check("-nic model=help lists the cards", p.returncode == 0 and
          all(m in p.stdout for m in ("rtl8139", "ne2k_pci", "ne2k_isa")), p.stdout)
    bad = [
        (["-netdev", "nosuch,id=a"], r"no netdev type 'nosuch'"),
        (["-netdev", "user"], r"a netdev needs an id"),
        (["-netdev", "user,id=a", "-netdev", "user,id=a"], r"duplicate netdev id 'a'"),
        (["-netdev", "user,id=a,bogus=1"], r"user netdev has no option 'bogus'"),
        (["-netdev", "user,id=a,hostfwd=tcp::x-:22"], r"hostfwd=tcp::x-:22: expected"),
        (["-netdev", "user,id=a,net=300.0.0.0/8"], r"net=300\.0\.0\.0/8: expected"),
        (["-netdev", "socket,id=a"], r"exactly one of listen=, connect="),
        (["-netdev", "socket,id=a,connect=127.0.0.1:1"], r"can't connect to 127\.0\.0\.1:1"),
        (["-netdev", "socket,id=a,mcast=10.0.0.1:5000"], r"not a multicast group"),
        (["-netdev", "tap,id=a,script=/etc/qemu-ifup"],
         r"script=/etc/qemu-ifup: cardcage runs no interface scripts; give script=no .*"
         r"supported: ifname=, fd=, script=no, downscript=no, vhost=off"),
        (["-netdev", "tap,id=a,downscript=/etc/qemu-ifdown"],
         r"downscript=/etc/qemu-ifdown: cardcage runs no interface scripts"),
        (["-netdev", "tap,id=a,script=no,vhost=on"],
         r"vhost=on: vhost-net is not supported.*vhost=off"),
        (["-netdev", "tap,id=a,ifname=0123456789abcdefg"], r"ifname=.*: not an interface name"),
        (["-netdev", "tap,id=a,fd=999"], r"fd=999: not an open file descriptor"),
        (["-netdev", "tap,id=a,br=br0"], r"tap netdev has no option 'br'"),
        (["-device", "rtl8139,netdev=nope"], r"no netdev 'nope'"),
        (["-device", "rtl8139,mac=01:00:00:00:00:01,romfile="], r"multicast address"),
        (["-device", "rtl8139,mac=zz,romfile="], r"MAC address 'zz'"),
        (["-netdev", "user,id=a", "-device", "rtl8139,netdev=a,romfile=",
          "-device", "rtl8139,netdev=a,romfile="], r"netdev 'a' is already used"),
        (["-object", "filter-dump,id=f,netdev=zz,file=/tmp/x"], r"no netdev 'zz'"),
        (["-object", "iothread,id=x"], r"only filter-dump objects"),
        (["-device", "ne2k_isa,irq=16"], r"irq=16: an ISA IRQ is 0 to 15"),
        (["-device", "ne2k_isa,iobase=0x3f8"], r"overlap|in use|already"),
        (["-device", "rtl8139,romfile=,bootindex=1,id=n1",
          "-device", "rtl8139,romfile=,bootindex=1,id=n2"],
         r"bootindex=1 is given to both '(n1' and 'n2|n2' and 'n1)'"),
        (["-device", "rtl8139,romfile=,bootindex=-2"],
         r"'bootindex' of 'rtl8139': -2 is out of range"),
    ]
    for args, rx in bad:
        p = subprocess.run([CARDCAGE, "-M", "pc", "-nodefaults", "-S", *args],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=20)
        lines = p.stderr.strip().splitlines()
        check(f"error for {' '.join(args)}",
              p.returncode == 1 and len(lines) == 1 and re.search(rx, lines[0]),
              p.stderr)
    # info network and set_link: the card and its backend, link down shown.
    code, out, err = monitor(["-nic", "user,model=rtl8139,id=u0",
                              "-netdev", "socket,id=s0,listen=127.0.0.1:0"],
                             ["info network", "set_link u0 off", "info network",
                              "set_link nosuch on"])
    check("info network shows the pair", re.search(
        r"rtl8139\.0: index=0,type=nic,model=rtl8139,macaddr=52:54:00:12:34:56\n"
        r" \\ u0: index=0,type=user,net=10\.0\.2\.0,restrict=off\n", out) is not None, out)
    check("set_link reaches both ends", re.search(
        r"rtl8139\.0: .*\(link down\)\n \\ u0: .*\(link down\)", out) is not None, out)
    check("set_link of an unknown name fails", "Device 'nosuch' not found" in out, out)
    check("unconnected netdev listed", "s0: index=0,type=socket" in out, out)
    # The old form: a card and slirp on hub 0.
    code, out, err = monitor(["-net", "nic,model=rtl8139,macaddr=52:54:00:aa:bb:cc",
                              "-net", "user"], ["info network"])
    check("-net nic -net user on a hub",
          code == 0 and "macaddr=52:54:00:aa:bb:cc" in out and "type=hubport" in out and
          "type=user" in out, out + err)
    code, out, err = monitor(["-nic", "none"], ["info network"])
    check("-nic none: no card", code == 0 and "rtl8139" not in out, out + err)
    check("-nic help lists e1000", "e1000" in subprocess.run(
        [CARDCAGE, "-nic", "help"], capture_output=True, text=True).stdout)
    # pc's default card, as QEMU's: an e1000 at 00:03.0 on a user netdev,
    # unless the command line names a network or -nodefaults.
    def pc(*args):
        p = subprocess.run([CARDCAGE, "-M", "pc", "-S", "-serial", "null", "-monitor", "stdio",
                            *args], input="info network\ninfo pci\nquit\n",
                           capture_output=True, text=True, timeout=20)
        return p.returncode, p.stdout + p.stderr
    code, out = pc()
    check("pc: a default e1000 on a user netdev", code == 0 and re.search(
        r"e1000\.0: index=0,type=nic,model=e1000,macaddr=52:54:00:12:34:56\n"
        r" \\ net0: index=0,type=user", out) is not None, out)
    check("pc: the default e1000 at 00:03.0", re.search(
        r"device +3, function 0:\n +Ethernet controller: PCI device 8086:100e", out)
          is not None, out)
    for args in (["-nic", "none"], ["-nodefaults"], ["-net", "none"]):
        code, out = pc(*args)
        check(f"pc {' '.join(args)}: no card", code == 0 and "type=nic" not in out and
              "Ethernet" not in out, out)
    code, out = pc("-nic", "user,model=rtl8139")
    check("pc -nic user,model=rtl8139: the rtl8139 instead, at 00:03.0",
          code == 0 and "e1000" not in out and re.search(
              r"device +3, function 0:\n +Ethernet controller: PCI device 10ec:8139", out)
          is not None, out)
    code, out = pc("-nic", "user")
    check("pc -nic user: an e1000 (the board's model)",
          code == 0 and "model=e1000,macaddr=52:54:00:12:34:56" in out, out)
    code, out = pc("-net", "nic", "-net", "user")
    check("pc -net nic -net user: an e1000 on hub 0",
          code == 0 and "model=e1000" in out and "type=hubport" in out, out)


# ---- user ----

class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def dns_addresses(reply):
    """The IPv4 addresses of the A records of a DNS reply (RFC 1035, 4.1)."""
    if len(reply) < 12 or reply[3] & 0xf:
        return []
    qd, an = struct.unpack(">HH", reply[4:8])
    pos = 12

    def skip_name(pos):
        while pos < len(reply):
            n = reply[pos]
            if n & 0xc0 == 0xc0:
                return pos + 2
            pos += 1 + n
            if n == 0:
                return pos
        return pos
    for _ in range(qd):
        pos = skip_name(pos) + 4
    out = []
    for _ in range(an):
        pos = skip_name(pos)
        if pos + 10 > len(reply):
            break
        rtype, _, _, rdlen = struct.unpack(">HHIH", reply[pos:pos + 10])
        pos += 10
        if rtype == 1 and rdlen == 4:
            out.append(socket.inet_ntoa(reply[pos:pos + 4]))
        pos += rdlen
    return out


def host_dns_answer(names):
    """The first name the host's resolver (the nameserver slirp forwards to)
    answers with addresses, and those addresses; else (None, [])."""
    try:
        ns = [line.split()[1] for line in open("/etc/resolv.conf")
              if line.startswith("nameserver")][0]
    except (OSError, IndexError):
        return None, []
    for name in names:
        q = struct.pack(">HHHHHH", 0x4343, 0x0100, 1, 0, 0, 0)
        q += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
        q += struct.pack(">HH", 1, 1)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(3)
        try:
            s.sendto(q, (ns, 53))
            addrs = dns_addresses(s.recv(1500))
        except OSError:
            addrs = []
        finally:
            s.close()
        if addrs:
            return name, addrs
    return None, []


def test_user(model="rtl8139"):
    require_net_guest()
    tmp = tempfile.mkdtemp(prefix="cc-net-")
    try:
        payload = os.urandom(300 * 1024 + 17)
        with open(os.path.join(tmp, "file.bin"), "wb") as f:
            f.write(payload)
        want = hashlib.md5(payload).hexdigest()
        handler = lambda *a, **k: QuietHandler(*a, directory=tmp, **k)  # noqa: E731
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        hport = httpd.server_address[1]
        fwd = free_port()
        name, addrs = host_dns_answer(["debian.org", "deb.debian.org", "example.com"])
        dns_name = name or "cardcage-no-such-name.invalid"
        pcap = os.path.join(tmp, "dump.pcap")
        tftp_data = os.urandom(70 * 1024 + 5)
        os.mkdir(os.path.join(tmp, "tftp"))
        with open(os.path.join(tmp, "tftp", "boot.bin"), "wb") as f:
            f.write(tftp_data)
        with open(os.path.join(tmp, "hello.txt"), "w") as f:
            f.write("hello from the host command\n")
        g = Guest(guest_cmd(f"cardcage.net.dns={dns_name} "
                            f"cardcage.net.get=http://10.0.2.2:{hport}/file.bin "
                            "cardcage.net.tftp=boot.bin cardcage.net.nc=10.0.2.100:4321 "
                            "cardcage.net.serve=204800 cardcage.net.hold=60",
                            "-netdev", f"user,id=n0,hostfwd=tcp:127.0.0.1:{fwd}-:80,"
                            f"tftp={tmp}/tftp,guestfwd=tcp:10.0.2.100:4321-cmd:cat "
                            f"{tmp}/hello.txt",
                            "-device", f"{model},netdev=n0",
                            "-object", f"filter-dump,id=f0,netdev=n0,file={pcap}"))
        r = g.wait_for(r"CARDCAGE-DHCP: ip=")
        check("DHCP lease from slirp", r is not None and
              "ip=10.0.2.15 router=10.0.2.2 dns=10.0.2.3" in r[1], console(g))
        r = g.wait_for(r"CARDCAGE-(NET-READY|SERVE-MD5)")
        dns = "\n".join(line for _, line in g.lines if "CARDCAGE-DNS" in line)
        if name:
            check(f"DNS: {name} resolves to one of {addrs}", any(a in dns for a in addrs), dns)
        else:
            check("DNS: the host resolver's answer comes back through slirp (NXDOMAIN, "
                  "no Internet here)", "NXDOMAIN" in dns and "10.0.2.3" in dns, dns)
        r = g.wait_for(r"CARDCAGE-GET-MD5:")
        check("HTTP download through 10.0.2.2 has the right md5",
              r is not None and r[1].split()[-1] == want, console(g))
        r = g.wait_for(r"CARDCAGE-TFTP-MD5:")
        check("TFTP from slirp (tftp=) has the right md5",
              r is not None and r[1].split()[-1] == hashlib.md5(tftp_data).hexdigest(),
              console(g))
        r = g.wait_for(r"CARDCAGE-NC:")
        check("guestfwd= reaches the host command",
              r is not None and r[1].endswith("hello from the host command"), console(g))
        r = g.wait_for(r"CARDCAGE-SERVE-MD5:")
        served = None
        if r:
            # Straight to the forwarded port, whatever proxy the environment names.
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            for _ in range(20):
                try:
                    with opener.open(f"http://127.0.0.1:{fwd}/served.bin", timeout=20) as resp:
                        served = resp.read()
                    break
                except OSError as e:
                    print(f"     (fetch through hostfwd: {e}; trying again)")
                    time.sleep(0.5)
        check("the guest's file fetched through hostfwd has the right md5",
              served is not None and len(served) == 204800 and
              hashlib.md5(served).hexdigest() == r[1].split()[-1],
              f"got {len(served) if served is not None else None} bytes; " + console(g))
        # Ctrl-A x on the console quits cleanly: the dump ends on a whole frame.
        g.send("\x01x")
        if g.finish(30) is None:
            check("the emulator quits on Ctrl-A x", False)
        httpd.shutdown()
        if shutil.which("tcpdump"):
            p = subprocess.run(["tcpdump", "-n", "-r", pcap], capture_output=True, text=True)
            check("tcpdump reads the filter-dump pcap: the DHCP exchange",
                  p.returncode == 0 and
                  re.search(r"0\.0\.0\.0\.68 > 255\.255\.255\.255\.67: BOOTP/DHCP, Request",
                            p.stdout) and
                  re.search(r"10\.0\.2\.2\.67 > .*68: BOOTP/DHCP, Reply", p.stdout),
                  f"status {p.returncode}: {p.stderr}\n{p.stdout[:2000]}")
        else:
            skip("tcpdump is not installed (Debian package tcpdump)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---- the other cards on user networking ----

# Card model -> (board, kernel module that must be in the initramfs, extra
# kernel arguments).  The ISA NE2000 is not probed: its driver is told where
# it is (init.sh hands MODULE.PARAM= arguments to insmod).
CARDS = {
    "ne2k_pci": ("pc", "ne2k-pci", ""),
    "ne2k_isa": ("isapc", "ne", "ne.io=0x300 ne.irq=9"),
}


def test_card(model):
    board, module, args = CARDS[model]
    require_net_guest()
    with gzip.open(INITRD, "rb") as f:
        if f"lib/modules/{module}.ko".encode() not in f.read():
            skip(f"{INITRD} has no {module}.ko: run tests/guests/get-linux.sh again")
    tmp = tempfile.mkdtemp(prefix="cc-net-")
    try:
        payload = os.urandom(300 * 1024 + 17)
        with open(os.path.join(tmp, "file.bin"), "wb") as f:
            f.write(payload)
        want = hashlib.md5(payload).hexdigest()
        handler = lambda *a, **k: QuietHandler(*a, directory=tmp, **k)  # noqa: E731
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        hport = httpd.server_address[1]
        fwd = free_port()
        name, addrs = host_dns_answer(["debian.org", "deb.debian.org", "example.com"])
        dns_name = name or "cardcage-no-such-name.invalid"
        start = time.monotonic()
        g = Guest(guest_cmd(f"{args} cardcage.net.dns={dns_name} "
                            f"cardcage.net.get=http://10.0.2.2:{hport}/file.bin "
                            "cardcage.net.serve=204800 cardcage.net.hold=60",
                            "-nic", f"user,model={model},hostfwd=tcp:127.0.0.1:{fwd}-:80",
                            board=board))
        r = g.wait_for(r"CARDCAGE-DHCP: ip=|CARDCAGE-NET-FAIL")
        check(f"{model} on {board}: DHCP lease from slirp", r is not None and
              "ip=10.0.2.15 router=10.0.2.2 dns=10.0.2.3" in r[1], console(g))
        r = g.wait_for(r"CARDCAGE-(NET-READY|SERVE-MD5)")
        dns = "\n".join(line for _, line in g.lines if "CARDCAGE-DNS" in line)
        if name:
            check(f"{model}: DNS: {name} resolves to one of {addrs}",
                  any(a in dns for a in addrs), dns)
        else:
            check(f"{model}: DNS: the host resolver's answer comes back through slirp "
                  "(NXDOMAIN, no Internet here)", "NXDOMAIN" in dns and "10.0.2.3" in dns, dns)
        r = g.wait_for(r"CARDCAGE-GET-MD5:")
        check(f"{model}: HTTP download through 10.0.2.2 has the right md5",
              r is not None and r[1].split()[-1] == want, console(g))
        got_at = time.monotonic()
        r = g.wait_for(r"CARDCAGE-SERVE-MD5:")
        served = None
        if r:
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            for _ in range(20):
                try:
                    with opener.open(f"http://127.0.0.1:{fwd}/served.bin", timeout=20) as resp:
                        served = resp.read()
                    break
                except OSError as e:
                    print(f"     (fetch through hostfwd: {e}; trying again)")
                    time.sleep(0.5)
        check(f"{model}: the guest's file fetched through hostfwd has the right md5",
              served is not None and len(served) == 204800 and
              hashlib.md5(served).hexdigest() == r[1].split()[-1],
              f"got {len(served) if served is not None else None} bytes; " + console(g))
        print(f"     {model}: boot to download done {got_at - start:.1f} s, "
              f"all done {time.monotonic() - start:.1f} s")
        g.send("\x01x")
        if g.finish(30) is None:
            check("the emulator quits on Ctrl-A x", False)
        httpd.shutdown()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---- socket ----

def ping_pair(cmd_a, cmd_b, label):
    a = Guest(cmd_a)
    time.sleep(0.5)
    b = Guest(cmd_b)
    ra = a.wait_for(r"CARDCAGE-(PING-OK|NET-FAIL)")
    rb = b.wait_for(r"CARDCAGE-(PING-OK|NET-FAIL)")
    check(f"{label}: A pings B", ra is not None and "PING-OK" in ra[1], console(a))
    check(f"{label}: B pings A", rb is not None and "PING-OK" in rb[1], console(b))
    for g in (a, b):
        g.proc.kill()
        g.finish(30)


def test_socket(model_a="rtl8139", model_b="rtl8139"):
    require_net_guest()
    port = free_port()
    ping_pair(guest_cmd("cardcage.net.ip=10.0.0.1 cardcage.net.ping=10.0.0.2 "
                        "cardcage.net.hold=30",
                        "-netdev", f"socket,id=s,listen=127.0.0.1:{port}",
                        "-device", f"{model_a},netdev=s"),
              guest_cmd("cardcage.net.ip=10.0.0.2 cardcage.net.ping=10.0.0.1 "
                        "cardcage.net.hold=30",
                        "-netdev", f"socket,id=s,connect=127.0.0.1:{port}",
                        "-device", f"{model_b},netdev=s,mac=52:54:00:12:34:57"),
              f"two cardcage machines ({model_a} and {model_b})")


def test_qemu():
    require_net_guest()
    qemu = shutil.which("qemu-system-i386")
    if not qemu:
        skip("qemu-system-i386 is not installed")
    port = free_port()
    qcmd = [qemu, "-M", "pc", "-m", "256", "-nographic", "-no-reboot", "-kernel", KERNEL,
            "-initrd", INITRD, "-append",
            f"{APPEND} cardcage.net.ip=10.0.0.2 cardcage.net.ping=10.0.0.1 "
            "cardcage.net.hold=30",
            "-netdev", f"socket,id=s,connect=127.0.0.1:{port}",
            "-device", "rtl8139,netdev=s,mac=52:54:00:12:34:57"]
    ping_pair(guest_cmd("cardcage.net.ip=10.0.0.1 cardcage.net.ping=10.0.0.2 "
                        "cardcage.net.hold=30",
                        "-netdev", f"socket,id=s,listen=127.0.0.1:{port}",
                        "-device", "rtl8139,netdev=s"),
              qcmd, "cardcage and QEMU")


# ---- PXE ----

def test_pxe(model):
    """-boot n: the card's iPXE ROM asks slirp's DHCP for a lease and fetches
    the boot file over TFTP; the pcap of the card's netdev shows both."""
    if not shutil.which("tcpdump"):
        skip("tcpdump is not installed (Debian package tcpdump)")
    tmp = tempfile.mkdtemp(prefix="cc-pxe-")
    try:
        os.mkdir(os.path.join(tmp, "tftp"))
        with open(os.path.join(tmp, "tftp", "boot.bin"), "wb") as f:
            f.write(os.urandom(3000))
        pcap = os.path.join(tmp, "pxe.pcap")
        p = subprocess.Popen([CARDCAGE, "-M", "pc", "-display", "none", "-serial", "null",
                              "-boot", "n", "-netdev",
                              f"user,id=n0,tftp={tmp}/tftp,bootfile=boot.bin",
                              "-device", f"{model},netdev=n0",
                              "-object", f"filter-dump,id=f0,netdev=n0,file={pcap}"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        out = ""
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and p.poll() is None:
            time.sleep(1)
            if os.path.exists(pcap):
                out = subprocess.run(["tcpdump", "-n", "-r", pcap], capture_output=True,
                                     text=True).stdout
                if "DATA block 2" in out:
                    break
        p.kill()
        p.wait()
        check(f"{model} PXE: iPXE's DHCP request from the card's MAC",
              "BOOTP/DHCP, Request from 52:54:00:12:34:56" in out, out[:3000])
        check(f"{model} PXE: the boot file requested and received over TFTP",
              'RRQ "boot.bin"' in out and "DATA block 2" in out, out[:3000])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---- flood ----

GUEST_MAC = bytes.fromhex("525400123456")
HOST_MAC = bytes.fromhex("020000000001")


def ip_checksum(data):
    return icmp_checksum(data)


def ipv4(src, dst, proto, payload, ihl=5, tot=None, frag=0, ttl=64):
    hdr = struct.pack(">BBHHHBBH4s4s", 0x40 | ihl, 0, 20 + len(payload) if tot is None else tot,
                      0x4343, frag, ttl, proto, 0, socket.inet_aton(src), socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack(">H", ip_checksum(hdr)) + hdr[12:]
    return hdr + payload


def eth(dst, src, etype, payload):
    return dst + src + struct.pack(">H", etype) + payload


def malformed_frames(rng, guest_ip, host_ip, count):
    """count frames that lie about their lengths, or are too short, too long
    or garbage, aimed at the guest (its MAC, broadcast, multicast)."""
    bcast = b"\xff" * 6
    dests = [GUEST_MAC, GUEST_MAC, bcast, bytes.fromhex("01005e000001")]

    def rnd(n):
        return bytes(rng.getrandbits(8) for _ in range(n))

    def ip_lies(dst):
        body = rnd(rng.randrange(0, 64))
        kinds = [
            lambda: ipv4(host_ip, guest_ip, 6, body, ihl=rng.randrange(0, 5)),
            lambda: ipv4(host_ip, guest_ip, 17, body, ihl=15)[:20 + len(body)],
            lambda: ipv4(host_ip, guest_ip, 1, body, tot=rng.choice([0, 1, 19, 65535])),
            lambda: ipv4(host_ip, guest_ip, 6, struct.pack(">HHIIBBHHH", 1234, 80, 1, 0,
                                                          rng.choice([0, 0x10, 0xf0]), 0x02,
                                                          512, 0, 0) + body),
            lambda: ipv4(host_ip, guest_ip, 17, struct.pack(">HHHH", 1234, 7,
                                                           rng.choice([0, 3, 65535]), 0) + body),
            lambda: ipv4(host_ip, guest_ip, 1, b"\x08\x00" + body[:2]),
            lambda: ipv4(host_ip, guest_ip, 1, b"\x08\x00\x00\x00" + body,
                         frag=rng.choice([0x2000, 0x1fff, 0x3fff])),
            lambda: ipv4(host_ip, guest_ip, rng.randrange(256), body)[:rng.randrange(1, 40)],
        ]
        return eth(dst, HOST_MAC, 0x0800, rng.choice(kinds)())

    def other(dst):
        kinds = [
            lambda: eth(dst, HOST_MAC, 0x0806, struct.pack(">HHBBH", 1, 0x0800,
                                                          rng.choice([0, 6, 255]),
                                                          rng.choice([0, 4, 255]), 1) +
                        rnd(rng.randrange(0, 30))),
            lambda: eth(dst, HOST_MAC, 0x8100, struct.pack(">H", rng.getrandbits(16)) +
                        struct.pack(">H", rng.choice([0x8100, 0x0800, 0x86dd])) +
                        rnd(rng.randrange(0, 100))),
            lambda: eth(dst, HOST_MAC, 0x86dd, b"\x60\0\0\0" +
                        struct.pack(">HBB", rng.choice([0, 65535]), 58, 255) +
                        rnd(rng.randrange(0, 60))),
            lambda: dst + rnd(rng.randrange(0, 2000)),
        ]
        return rng.choice(kinds)()

    sizes = [0, 1, 6, 12, 13, 14, 1515, 1518, 1519, 1523, 1530, 4096, 9000, 16383, 16384,
             16385, 32768, 65535, 65536]
    for i in range(count):
        dst = rng.choice(dests)
        k = i % 8
        if k == 0:
            n = rng.choice(sizes)
            f = (dst + HOST_MAC + b"\x08\x00" + rnd(min(n, 64)) * (n // 64 + 1))[:n]
        elif k < 5:
            f = ip_lies(dst)
        else:
            f = other(dst)
        yield f[:65536]


class FramePeer:
    """The test's end of a -netdev socket,listen= stream: QEMU's framing
    (a 32-bit big-endian length, then the frame)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.frames = []
        self.closed = False
        self.answer = None
        threading.Thread(target=self._read, daemon=True).start()

    def send(self, frame):
        self.sock.sendall(struct.pack(">I", len(frame)) + frame)

    def _read(self):
        buf = b""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                self.closed = True
                return
            buf += chunk
            while len(buf) >= 4 and len(buf) >= 4 + struct.unpack(">I", buf[:4])[0]:
                n = struct.unpack(">I", buf[:4])[0]
                frame, buf = buf[4:4 + n], buf[4 + n:]
                if self.answer:
                    self.answer(self, frame)

    def close(self):
        self.sock.close()


def answer_as_host(host_ip):
    """A responder for FramePeer: ARP for host_ip, ICMP echo to it."""
    hip = socket.inet_aton(host_ip)

    def answer(peer, f):
        if len(f) < 42:
            return
        etype = struct.unpack(">H", f[12:14])[0]
        if etype == 0x0806 and f[20:22] == b"\0\1" and f[38:42] == hip:
            arp = struct.pack(">HHBBH", 1, 0x0800, 6, 4, 2) + HOST_MAC + hip + f[22:28] + f[28:32]
            peer.send(eth(f[6:12], HOST_MAC, 0x0806, arp).ljust(60, b"\0"))
        elif etype == 0x0800 and f[23] == 1 and f[30:34] == hip:
            ihl = (f[14] & 0xf) * 4
            tot = struct.unpack(">H", f[16:18])[0]
            icmp = f[14 + ihl:14 + tot]
            if len(icmp) >= 8 and icmp[0] == 8:
                reply = b"\0\0\0\0" + icmp[4:]
                reply = reply[:2] + struct.pack(">H", icmp_checksum(reply)) + reply[4:]
                src = socket.inet_ntoa(f[26:30])
                peer.send(eth(f[6:12], HOST_MAC, 0x0800, ipv4(host_ip, src, 1, reply)))
    return answer


def test_flood():
    require_net_guest()
    import random
    for model in ("rtl8139", "e1000", "ne2k_pci"):
        port = free_port()
        guest_ip, host_ip = "10.9.0.2", "10.9.0.1"
        g = Guest(guest_cmd(f"cardcage.net.ip={guest_ip} cardcage.net.ping={host_ip} "
                            "cardcage.net.hold=60",
                            "-netdev", f"socket,id=s,listen=127.0.0.1:{port}",
                            "-device", f"{model},netdev=s"))
        peer = None
        try:
            r = g.wait_for(r"CARDCAGE-NET-IP|CARDCAGE-NET-FAIL")
            up = r is not None and "NET-IP" in r[1]
            check(f"{model}: the guest's interface is up", up, console(g))
            if not up:
                continue
            peer = FramePeer(port)
            rng = random.Random(f"flood-{model}")
            sent = 0
            start = time.monotonic()
            for f in malformed_frames(rng, guest_ip, host_ip, 20000):
                peer.send(f)
                sent += 1
            took = time.monotonic() - start
            # A length past what the backend takes (NET_FRAME_MAX): it ends
            # the connection and listens again.
            peer.sock.sendall(struct.pack(">I", 0x7fffffff) + b"\0" * 64)
            end = time.monotonic() + 20
            while not peer.closed and time.monotonic() < end:
                time.sleep(0.1)
            check(f"{model}: {sent} malformed frames in {took:.1f} s; the backend drops "
                  "a stream whose frame length is past its limit", peer.closed)
            peer.close()
            peer = FramePeer(port)
            peer.answer = answer_as_host(host_ip)
            r = g.wait_for(r"CARDCAGE-PING-OK|CARDCAGE-NET-FAIL: no answer", timeout=120)
            check(f"{model}: after the flood the guest's ping is answered", r is not None and
                  "PING-OK" in r[1], console(g))
            g.send("\x01x")
            code = g.finish(30)
            err = g.proc.stderr.read().decode(errors="replace")
            # Only the backend's word on the stream it dropped.
            other = [line for line in err.splitlines() if line.strip() and
                     "the peer sent a frame of 2147483647 bytes; disconnecting" not in line]
            check(f"{model}: the emulator exits cleanly, nothing else on stderr",
                  g.proc.returncode == 0 and not other, f"status {g.proc.returncode}: "
                  f"{err[-2000:]}")
        finally:
            if peer:
                peer.close()
            if g.proc.poll() is None:
                g.proc.kill()
                g.finish(30)


# ---- query-rx-filter ----

def qmp_query(argv, queries):
    """Run argv with a QMP server; the replies to the queries (name, args)."""
    port = free_port()
    with running(argv + ["-qmp", f"tcp:127.0.0.1:{port},server=on,wait=off"]) as p:
        q = QMP.connect_tcp(port)
        try:
            q.negotiate()
            return [q.cmd(name, args) for name, args in queries]
        finally:
            q.close()


def member_types(info):
    return {k: type(v).__name__ for k, v in info.items()}


def test_rx_filter():
    queries = [("query-rx-filter", None), ("query-rx-filter", {"name": "nic0"}),
               ("query-rx-filter", {"name": "n0"}), ("query-rx-filter", {"name": "nosuch"})]
    qemu = shutil.which("qemu-system-i386")
    want = None
    if qemu:
        r = qmp_query([qemu, "-M", "pc", "-nodefaults", "-display", "none", "-S",
                       "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0,id=nic0",
                       "-netdev", "user,id=n1", "-device", "e1000,netdev=n1,id=nic1"],
                      queries + [("query-rx-filter", {"name": "nic1"})])
        want = member_types(r[1]["return"][0])
        qemu_errors = [x.get("error", {}).get("desc") for x in r[2:]]
        check("QEMU: errors for no card, no client, a card that cannot say",
              qemu_errors == ["net client(n0) isn't a NIC", "invalid net client name: nosuch",
                              "net client(nic1) doesn't support rx-filter querying"],
              qemu_errors)
    else:
        print("     (qemu-system-i386 is not installed: the members are checked against "
              "QEMU's RxFilterInfo schema only)")
    # QEMU's RxFilterInfo (qapi/net.json), for when QEMU is not here.
    schema = {"name": "str", "promiscuous": "bool", "multicast": "str", "unicast": "str",
              "vlan": "str", "broadcast-allowed": "bool", "multicast-overflow": "bool",
              "unicast-overflow": "bool", "main-mac": "str", "vlan-table": "list",
              "unicast-table": "list", "multicast-table": "list"}
    if want is not None:
        check("QEMU's virtio-net reply has RxFilterInfo's members", want == schema, want)
    for model, board, mac in (("rtl8139", "pc", "52:54:00:12:34:60"),
                              ("e1000", "pc", "52:54:00:12:34:61"),
                              ("ne2k_pci", "pc", "52:54:00:12:34:62"),
                              ("ne2k_isa", "isapc", "52:54:00:12:34:63")):
        r = qmp_query([CARDCAGE, "-M", board, "-nodefaults", "-display", "none", "-S",
                       "-netdev", "user,id=n0", "-device",
                       f"{model},netdev=n0,id=nic0,mac={mac}" +
                       (",romfile=" if model != "ne2k_isa" else "")], queries)
        lst = r[0].get("return")
        check(f"{model}: query-rx-filter lists the card",
              isinstance(lst, list) and len(lst) == 1 and lst[0]["name"] == f"{model}.0", r[0])
        info = (r[1].get("return") or [{}])[0]
        check(f"{model}: RxFilterInfo with QEMU's members and types",
              member_types(info) == schema, member_types(info))
        check(f"{model}: main-mac is the card's address, broadcast closed before a driver",
              info.get("main-mac") == mac and info.get("broadcast-allowed") is False, info)
        errors = [x.get("error", {}).get("desc") for x in r[2:]]
        check(f"{model}: QEMU's errors for no card and no client",
              errors == ["net client(n0) isn't a NIC", "invalid net client name: nosuch"],
              errors)


# ---- tap ----

def icmp_checksum(data):
    if len(data) & 1:
        data += b"\0"
    s = sum(struct.unpack(f">{len(data) // 2}H", data))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def host_ping(addr, tries=10):
    """An ICMP echo from the host to addr (a raw socket: the test runs with
    CAP_NET_RAW where it has CAP_NET_ADMIN); the round trip in ms, or None."""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.settimeout(1)
    ident = os.getpid() & 0xffff
    try:
        for seq in range(tries):
            payload = os.urandom(32)
            hdr = struct.pack(">BBHHH", 8, 0, 0, ident, seq)
            pkt = struct.pack(">BBHHH", 8, 0, icmp_checksum(hdr + payload), ident, seq) + payload
            t0 = time.monotonic()
            s.sendto(pkt, (addr, 0))
            end = t0 + 1
            while time.monotonic() < end:
                try:
                    data, src = s.recvfrom(2048)
                except socket.timeout:
                    break
                ihl = (data[0] & 0xf) * 4
                typ, _, _, rid, rseq = struct.unpack(">BBHHH", data[ihl:ihl + 8])
                if src[0] == addr and typ == 0 and rid == ident and rseq == seq and \
                        data[ihl + 8:] == payload:
                    return (time.monotonic() - t0) * 1000
    finally:
        s.close()
    return None


def ip(*args):
    return subprocess.run(["ip", *args], capture_output=True, text=True)


def make_tap():
    """A tap interface with a free 10.213.N.1/24, up: (name, host address,
    guest address), or a skip saying what is missing."""
    if not os.path.exists("/dev/net/tun"):
        skip("/dev/net/tun does not exist here (no tun/tap support)")
    if not shutil.which("ip"):
        skip("the ip command (Debian package iproute2) is not installed")
    name = f"cctap{os.getpid() % 1000000}"
    p = ip("tuntap", "add", "dev", name, "mode", "tap")
    if p.returncode != 0:
        if "Operation not permitted" in p.stderr or "EPERM" in p.stderr:
            skip(f"making a tap interface needs CAP_NET_ADMIN: {p.stderr.strip()}")
        fail(f"ip tuntap add {name}: {p.stderr.strip()}")
    used = ip("-4", "-o", "addr").stdout
    for n in range(os.getpid() % 200, os.getpid() % 200 + 200):
        net = f"10.213.{n % 250 + 1}."
        if net not in used:
            break
    for args in (("addr", "add", net + "1/24", "dev", name), ("link", "set", name, "up")):
        p = ip(*args)
        if p.returncode != 0:
            ip("link", "del", name)
            fail(f"ip {' '.join(args)}: {p.stderr.strip()}")
    return name, net + "1", net + "2"


def test_tap(model="e1000"):
    require_net_guest()
    name, host_addr, guest_addr = make_tap()
    tmp = tempfile.mkdtemp(prefix="cc-tap-")
    try:
        payload = os.urandom(300 * 1024 + 17)
        with open(os.path.join(tmp, "file.bin"), "wb") as f:
            f.write(payload)
        handler = lambda *a, **k: QuietHandler(*a, directory=tmp, **k)  # noqa: E731
        httpd = http.server.ThreadingHTTPServer((host_addr, 0), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        hport = httpd.server_address[1]
        qport = free_port()
        g = Guest(guest_cmd(f"cardcage.net.ip={guest_addr} "
                            f"cardcage.net.get=http://{host_addr}:{hport}/file.bin "
                            f"cardcage.net.serve=204800 cardcage.net.ping={host_addr} "
                            "cardcage.net.hold=60",
                            "-netdev", f"tap,id=t0,ifname={name},script=no,downscript=no,"
                            "vhost=off", "-device", f"{model},netdev=t0,id=nic0",
                            "-qmp", f"tcp:127.0.0.1:{qport},server=on,wait=off"))
        r = g.wait_for(r"CARDCAGE-GET-MD5:|CARDCAGE-NET-FAIL")
        check(f"tap ({model}): HTTP download from the host's side of the tap has the right md5",
              r is not None and r[1].split()[-1] == hashlib.md5(payload).hexdigest(),
              console(g))
        r = g.wait_for(r"CARDCAGE-PING-OK|CARDCAGE-NET-FAIL: no answer")
        check(f"tap ({model}): the guest pings the host", r is not None and "PING-OK" in r[1],
              console(g))
        rtt = host_ping(guest_addr)
        check(f"tap ({model}): the host pings the guest", rtt is not None)
        r = g.wait_for(r"CARDCAGE-SERVE-MD5:")
        served = None
        if r:
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            try:
                with opener.open(f"http://{guest_addr}/served.bin", timeout=30) as resp:
                    served = resp.read()
            except OSError as e:
                print(f"     (fetch from the guest: {e})")
        check(f"tap ({model}): the host fetches the guest's file (md5)",
              served is not None and len(served) == 204800 and
              hashlib.md5(served).hexdigest() == r[1].split()[-1],
              f"got {len(served) if served is not None else None} bytes; " + console(g))
        # The filter Linux's driver programmed, as query-rx-filter shows it:
        # broadcast on, the multicast groups it joined hashed in, not
        # promiscuous.
        q = QMP.connect_tcp(qport)
        q.negotiate()
        info = q.cmd("query-rx-filter", {"name": "nic0"}).get("return", [{}])[0]
        q.close()
        check(f"tap ({model}): query-rx-filter shows the driver's filter",
              info.get("broadcast-allowed") is True and info.get("promiscuous") is False and
              info.get("multicast") == "normal" and info.get("unicast") == "normal" and
              info.get("main-mac") == "52:54:00:12:34:56", info)
        # (-qmp takes the monitor off stdio, as in QEMU: no Ctrl-A x here.)
        g.proc.kill()
        g.finish(30)
        httpd.shutdown()
    finally:
        ip("link", "del", name)
        shutil.rmtree(tmp, ignore_errors=True)


TESTS = {"cli": test_cli, "user": test_user, "socket": test_socket, "qemu": test_qemu,
         "user-e1000": lambda: test_user("e1000"),
         "socket-e1000": lambda: test_socket("e1000", "rtl8139"),
         "pxe-e1000": lambda: test_pxe("e1000"),
         "ne2k_pci": lambda: test_card("ne2k_pci"), "ne2k_isa": lambda: test_card("ne2k_isa"),
         "socket-ne2k": lambda: test_socket("rtl8139", "ne2k_pci"),
         "pxe-ne2k_pci": lambda: test_pxe("ne2k_pci"),
         "tap": test_tap, "rx-filter": test_rx_filter, "flood": test_flood}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in TESTS:
        fail(f"usage: net.py {'|'.join(TESTS)}")
    TESTS[sys.argv[1]]()
    sys.exit(status())
