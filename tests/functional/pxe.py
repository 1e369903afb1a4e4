#!/usr/bin/env python3
"""Network boot: SeaBIOS runs a card's iPXE option ROM (Debian's ipxe-qemu,
the ROMs QEMU uses), iPXE gets an address from slirp's DHCP server and
fetches the boot file from slirp's TFTP server (-netdev user,tftp=,bootfile=),
and the boot file, an iPXE script, fetches the test kernel and initramfs
(tests/guests/get-linux.sh) by TFTP and boots them to the initramfs's
userspace marker on the serial console.

Cases, each for every card model in MODELS (pxe.py CASE-MODEL):

  boot       -boot n with -nic user,model=MODEL,tftp=DIR,bootfile=boot.ipxe:
             SeaBIOS lists the ROM, iPXE's DHCP lease and the script's own
             line, the kernel command line the script built (with the MAC
             address iPXE filled in), the marker; prints the time to it
  order      -boot order=n with two cards; the one in the higher slot has
             bootindex=1 and a TFTP directory that does not exist, the other
             bootindex=2 and the real one: SeaBIOS tries the first, iPXE
             fails, SeaBIOS moves on to the second, whose script starts
             Linux (with that card's MAC address on its command line)
  bad        bad input, each run ending by itself (-no-reboot with
             -boot reboot-timeout=, so "No bootable device." reboots, and a
             reboot ends the emulator): a boot file that is not there, a
             TFTP directory that is not there, and -boot strict=on, where
             the second card (bootindex unset) is not tried after the first
             (bootindex=1) fails; and with -boot order=nd and the storage
             test's ISOLINUX CD (tests/guests/get-disk-guests.sh, left out
             when absent), SeaBIOS boots the CD once iPXE has failed
  installer  the Debian installer's netboot tree (tests/guests/get-netboot.sh)
             as slirp's TFTP directory, bootfile=pxelinux.0: iPXE loads
             PXELINUX, which reads the pxelinux.cfg/default this test writes
             (a temporary tree: the package's menu wants a VESA screen) and
             loads the installer's kernel and its 30 MB initrd by TFTP; the
             installer runs on the serial console (console=ttyS0, its plain
             text frontend) and reaches its first question, "Select a
             language"; answering it on the serial line brings the next
             ("Select your location").  Prints the time to each step.  Skips
             without the netboot tree, unless CARDCAGE_REQUIRE_GUESTS=1

`pxe.py CASE-MODEL --qemu` (or CARDCAGE_TEST_EMULATOR=qemu) runs the same
case on qemu-system-i386 -accel tcg with the same command line, showing the
test and the media are right; meson registers those as pxe-qemu-* in the
'qemu' suite.  On cardcage a case skips (77) while `cardcage -device help`
lacks the model (the card plugin is not there yet).  Skips when the guest
has not been fetched, unless CARDCAGE_REQUIRE_GUESTS=1.

Adding a card model is one line in MODELS; `pxe.py list` prints the cases
meson registers."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

# The card models (cardcage's and QEMU's -device name) and, for each, the
# option ROM its PCI function carries (Debian's ipxe-qemu) and the name
# iPXE's PCI id table gives the card ("net0: ... using NAME on ...").
MODELS = {
    "rtl8139": {"rom": "pxe-rtl8139.rom", "ipxe_name": "rtl8139"},
    "e1000": {"rom": "pxe-e1000.rom", "ipxe_name": "82540em"},
    "ne2k_pci": {"rom": "pxe-ne2k_pci.rom", "ipxe_name": "rtl8029"},
}
CASES = ("boot", "order", "bad", "installer")

if __name__ == "__main__" and sys.argv[1:] == ["list"]:
    print(" ".join(f"{c}-{m}" for c in CASES for m in MODELS))
    sys.exit(0)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cctest import (CARDCAGE, INITRD, KERNEL, NETBOOT, Guest, check,  # noqa: E402
                    require_netboot, status)

# Time limits, generous for a loaded machine: iPXE's DHCP takes a few
# seconds, the kernel and initramfs (7 MB) under one by TFTP, then Linux
# boots (some 20 s on an idle host).
MARKER_TIMEOUT = 300
END_TIMEOUT = 180
MARKER = r"CARDCAGE-MARKER: userspace is up"
# SeaBIOS's line when no boot entry is left (src/boot.c, boot_fail).
NO_BOOT = r"No bootable device"
APPEND = "console=ttyS0 noapic cardcage.test=workload"


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def skip(msg, guest=False):
    """Skip (77); a missing guest fails instead under CARDCAGE_REQUIRE_GUESTS=1."""
    if guest and os.environ.get("CARDCAGE_REQUIRE_GUESTS") == "1":
        fail(msg)
    print(f"SKIP: {msg}")
    sys.exit(77)


class Emulator:
    """cardcage or qemu-system-i386, with the same command line."""

    def __init__(self, choice):
        self.qemu = choice == "qemu" or (choice not in (None, "", "cardcage") and
                                         os.path.basename(choice).startswith("qemu"))
        if choice in (None, "", "cardcage"):
            self.path = CARDCAGE
        elif choice == "qemu":
            self.path = shutil.which("qemu-system-i386")
            if not self.path:
                skip("qemu-system-i386 not installed")
        else:
            self.path = choice
        self.name = "qemu" if self.qemu else "cardcage"

    def require_model(self, model):
        if self.qemu:
            return
        p = subprocess.run([self.path, "-device", "help"], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=60)
        if model not in re.findall(r"^\s+(\S+)", p.stdout, re.M):
            skip(f"cardcage has no {model} card yet (cardcage -device help)")

    def cmd(self, *args, mem=256):
        base = [self.path, "-M", "pc", "-m", str(mem), "-nographic", "-no-reboot"]
        if self.qemu:
            base += ["-accel", "tcg"]
        return base + list(args)


def tftp_tree(tmp):
    """A TFTP directory: the kernel, the initramfs and an iPXE script that
    boots them, putting the MAC address iPXE used on the command line."""
    d = os.path.join(tmp, "tftp")
    os.mkdir(d)
    shutil.copy(KERNEL, os.path.join(d, "vmlinuz"))
    shutil.copy(INITRD, os.path.join(d, "initramfs.cpio.gz"))
    with open(os.path.join(d, "boot.ipxe"), "w") as f:
        f.write("#!ipxe\n"
                "echo CARDCAGE-IPXE ip=${netX/ip} mac=${netX/mac}\n"
                f"kernel tftp://${{next-server}}/vmlinuz {APPEND} cardcage.pxe=${{netX/mac}}\n"
                "initrd tftp://${next-server}/initramfs.cpio.gz\n"
                "boot\n")
    return d


def transcript(g):
    return "\n".join(line for _, line in g.lines[-30:])


def mac(n):
    return f"52:54:00:12:34:{n:02x}"


def check_ipxe(g, label, out):
    """The steps every network boot starts with: SeaBIOS runs the card's
    ROM, iPXE gets its lease from slirp."""
    check(f"{label}: SeaBIOS runs the card's iPXE ROM",
          re.search(r"iPXE \(http://ipxe\.org\) 00:0[0-9a-f]\.0 ", out) is not None and
          "Booting from ROM" in out, transcript(g))
    check(f"{label}: iPXE's DHCP lease from slirp",
          re.search(r"net\d: 10\.0\.2\.15/255\.255\.255\.0 gw 10\.0\.2\.2", out) is not None,
          transcript(g))


def boot_to_marker(g, t0, label, expect_mac, until=MARKER):
    """Check each step of the network boot up to until (the userspace
    marker, or an earlier line); seconds from t0 to it, or None."""
    r = g.wait_for(until, MARKER_TIMEOUT)
    out = "\n".join(line for _, line in g.lines)
    check_ipxe(g, label, out)
    check(f"{label}: iPXE runs the boot file from TFTP",
          re.search(rf"CARDCAGE-IPXE ip=10\.0\.2\.15 mac={expect_mac}", out) is not None,
          transcript(g))
    if until != MARKER:
        check(f"{label}: Linux starts", r is not None, transcript(g))
        return None if r is None else r[0] - t0
    check(f"{label}: Linux has the command line the script built",
          re.search(rf"Kernel command line: .*cardcage\.pxe={expect_mac}", out) is not None,
          transcript(g))
    check(f"{label}: Linux reaches the userspace marker", r is not None, transcript(g))
    return None if r is None else r[0] - t0


def stop(g):
    if g.proc.poll() is None:
        g.proc.kill()
    g.finish(30)


def test_boot(emu, model, tmp):
    tftp = tftp_tree(tmp)
    t0 = time.monotonic()
    g = Guest(emu.cmd("-boot", "n", "-nic",
                      f"user,model={model},tftp={tftp},bootfile=boot.ipxe"))
    try:
        secs = boot_to_marker(g, t0, f"-boot n, {model}", mac(0x56))
        out = "\n".join(line for _, line in g.lines)
        check(f"iPXE drives the card as {MODELS[model]['ipxe_name']}",
              re.search(rf"using {re.escape(MODELS[model]['ipxe_name'])} on", out)
              is not None, transcript(g))
        if secs is not None:
            print(f"TIME {emu.name} pxe boot {model}: {secs:.2f} s from start to the marker")
    finally:
        stop(g)


def two_cards(model, bad_dir, good_dir, first_args, second_args):
    """Card A at slot 5 on a netdev serving bad_dir, card B at slot 4 on
    one serving good_dir.  SeaBIOS's own order would try slot 4 first; the
    bootindex values the caller gives decide instead."""
    return ["-netdev", f"user,id=a,tftp={bad_dir},bootfile=boot.ipxe",
            "-device", f"{model},netdev=a,addr=5,mac={mac(0xa)}{first_args}",
            "-netdev", f"user,id=b,tftp={good_dir},bootfile=boot.ipxe",
            "-device", f"{model},netdev=b,addr=4,mac={mac(0xb)}{second_args}"]


def test_order(emu, model, tmp):
    tftp = tftp_tree(tmp)
    missing = os.path.join(tmp, "no-such-dir")
    t0 = time.monotonic()
    g = Guest(emu.cmd("-boot", "order=n",
                      *two_cards(model, missing, tftp, ",bootindex=1", ",bootindex=2")))
    try:
        # The boot case follows Linux to userspace; here its start is enough.
        boot_to_marker(g, t0, "bootindex: the second card after the first fails", mac(0xb),
                       until=r"Kernel command line: .*cardcage\.pxe=" + mac(0xb))
        out = "\n".join(line for _, line in g.lines)
        a = out.find("iPXE (PCI 00:05.0) starting execution")
        b = out.find("iPXE (PCI 00:04.0) starting execution")
        check("bootindex=1 (slot 5) is tried before bootindex=2 (slot 4)",
              a >= 0 and b > a, transcript(g))
        check("iPXE on the first card fails to fetch its boot file",
              re.search(r"boot\.ipxe\.\.\. .*(No such file|not found|Error)", out[a:b], re.I)
              is not None or "No more network devices" in out[a:b], out[a:b][-2000:])
    finally:
        stop(g)


def run_to_end(emu, label, args):
    """Run until the emulator ends by itself; its console text."""
    t0 = time.monotonic()
    g = Guest(emu.cmd(*args))
    code = g.finish(END_TIMEOUT)
    out = "\n".join(line for _, line in g.lines)
    check(f"{label}: the emulator ends by itself (reboot-timeout, -no-reboot)",
          code is not None, f"still running after {END_TIMEOUT} s:\n" + transcript(g))
    print(f"     ({label}: ended after {time.monotonic() - t0:.1f} s, status {code})")
    return out


def test_bad(emu, model, tmp):
    tftp = tftp_tree(tmp)
    out = run_to_end(emu, "missing boot file", [
        "-boot", "order=n,reboot-timeout=1000",
        "-nic", f"user,model={model},tftp={tftp},bootfile=no-such-file.ipxe"])
    check("missing boot file: iPXE reports the failed download",
          re.search(r"no-such-file\.ipxe\.\.\. .*(No such file|not found|Error)", out, re.I)
          is not None, out[-3000:])
    check("missing boot file: SeaBIOS finds no bootable device", re.search(NO_BOOT, out)
          is not None, out[-3000:])
    check("missing boot file: Linux never starts", "Linux version" not in out, out[-3000:])

    out = run_to_end(emu, "missing TFTP directory", [
        "-boot", "order=n,reboot-timeout=1000",
        "-nic", f"user,model={model},tftp={tmp}/no-such-dir,bootfile=boot.ipxe"])
    check("missing TFTP directory: iPXE reports the failed download",
          re.search(r"boot\.ipxe\.\.\. .*(No such file|not found|Error)", out, re.I)
          is not None, out[-3000:])
    check("missing TFTP directory: SeaBIOS finds no bootable device",
          re.search(NO_BOOT, out) is not None, out[-3000:])

    # The next boot device: -boot order=nd with the storage test's
    # ISOLINUX CD (tests/guests/get-disk-guests.sh): after iPXE fails,
    # SeaBIOS boots the CD, whose loader prints its banner.
    iso = os.path.join(os.path.dirname(os.path.dirname(KERNEL)), "disks", "boot.iso")
    if os.path.exists(iso):
        t0 = time.monotonic()
        g = Guest(emu.cmd("-boot", "order=nd", "-cdrom", iso, "-nic",
                          f"user,model={model},tftp={tftp},bootfile=no-such-file.ipxe"))
        try:
            r = g.wait_for(r"ISOLINUX \d", MARKER_TIMEOUT)
            out = "\n".join(line for _, line in g.lines)
            rom = out.find("Booting from ROM")
            cd = out.find("Booting from DVD/CD")
            check("-boot order=nd: after iPXE fails, SeaBIOS boots the CD (ISOLINUX's banner)",
                  r is not None and 0 <= rom < cd, transcript(g))
            print(f"     (fallback to the CD: banner after {time.monotonic() - t0:.1f} s)")
        finally:
            stop(g)
    else:
        print(f"     (no {iso}: the fallback to a CD is not tried; run "
              "tests/guests/get-disk-guests.sh)")

    # strict=on: after the failing bootindex=1 card, SeaBIOS stops (the
    # bootorder file ends in HALT) instead of trying the good second card.
    out = run_to_end(emu, "-boot strict=on", [
        "-boot", "order=n,strict=on,reboot-timeout=1000",
        *two_cards(model, os.path.join(tmp, "no-such-dir"), tftp, ",bootindex=1", "")])
    check("strict=on: the bootindex=1 card is tried",
          "iPXE (PCI 00:05.0) starting execution" in out, out[-3000:])
    check("strict=on: the card without bootindex is not tried",
          "iPXE (PCI 00:04.0) starting execution" not in out and "Linux version" not in out,
          out[-3000:])
    check("strict=on: SeaBIOS finds no bootable device", re.search(NO_BOOT, out) is not None,
          out[-3000:])


# The installer's boot: the kernel and initrd by TFTP (some 36 MB in 1408
# byte blocks, one per round trip), a 30 MB initramfs to unpack, then the
# installer's own start (udev, the hardware scan): minutes on a loaded host.
INSTALLER_TIMEOUT = 900
# PXELINUX's configuration: its own messages on COM1 too (SERIAL), no menu
# or prompt, the installer on the serial console with the plain text
# frontend (DEBIAN_FRONTEND=text: questions as numbered lists, which a log
# can be read and answered in; the default newt frontend draws a full
# screen).  SAY proves PXELINUX read this file and not the package's.
# no_timer_check: see installer-cirrus.py (a loaded host can fail Linux's
# timer interrupt check, and the kernel panics).
PXELINUX_CFG = """SERIAL 0 115200
SAY CARDCAGE-PXELINUX: the test's pxelinux.cfg/default
PROMPT 0
TIMEOUT 0
DEFAULT install
LABEL install
  KERNEL debian-installer/i386/linux
  APPEND initrd=debian-installer/i386/initrd.gz console=ttyS0,115200n8 DEBIAN_FRONTEND=text \
loglevel=6 no_timer_check ---
"""
ANSI = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z@]|[()][0-9A-B]|[=>c78])")


def netboot_tree(tmp):
    """A TFTP directory serving the installer's netboot tree with the
    test's own pxelinux.cfg/default: links to the cached files (libslirp
    opens them by name), and a pxelinux.cfg directory of its own."""
    d = os.path.join(tmp, "tftp")
    os.mkdir(d)
    for name in os.listdir(NETBOOT):
        if name != "pxelinux.cfg":
            os.symlink(os.path.join(NETBOOT, name), os.path.join(d, name))
    os.mkdir(os.path.join(d, "pxelinux.cfg"))
    with open(os.path.join(d, "pxelinux.cfg", "default"), "w") as f:
        f.write(PXELINUX_CFG)
    return d


def plain(g):
    """The console text so far without terminal control sequences (SeaBIOS's
    serial console positions the cursor; the installer runs under screen)."""
    with g.cond:
        raw = bytes(g.raw)
    return ANSI.sub("", raw.decode("utf-8", "replace")).replace("\r", "")


def wait_plain(g, pattern, timeout):
    """Whether pattern shows in plain(g) within timeout seconds."""
    rx = re.compile(pattern)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if rx.search(plain(g)):
            return True
        if g.proc.poll() is not None:
            return rx.search(plain(g)) is not None
        time.sleep(0.5)
    return False


def test_installer(emu, model, tmp):
    tftp = netboot_tree(tmp)
    label = f"installer, {model}"
    t0 = time.monotonic()
    # 512 MiB: with less the installer may start in its low-memory mode,
    # whose notice comes before the language question.
    g = Guest(emu.cmd("-boot", "n", "-nic", f"user,model={model},tftp={tftp},bootfile=pxelinux.0",
                      mem=512))
    times = {}
    try:
        steps = [
            ("nbp", "iPXE loads pxelinux.0 from slirp's TFTP",
             r"pxelinux\.0 : \d+ bytes \[PXE-NBP\]", 300),
            ("cfg", "PXELINUX starts and reads the test's configuration",
             r"CARDCAGE-PXELINUX: the test's pxelinux\.cfg/default", 120),
            ("kernel", "PXELINUX loads the installer's kernel",
             r"Loading debian-installer/i386/linux[^\n]*\.\s*o+k+", 300),
            ("initrd", "PXELINUX loads the installer's 30 MB initrd",
             r"Loading debian-installer/i386/initrd\.gz[^\n]*\.\s*o+k+", 600),
            ("linux", "the installer's Linux starts on the serial console",
             r"Linux version \S+", 300),
            ("menu", "the installer reaches its first question on the serial console",
             r"Select a language\n-+\n(.*\n)*.*Choose the language to be used for the "
             r"installation process(.*\n)*.*Prompt: '\?' for help", INSTALLER_TIMEOUT),
        ]
        for key, name, pattern, timeout in steps:
            ok = wait_plain(g, pattern, timeout)
            check(f"{label}: {name}", ok, plain(g)[-2500:])
            if not ok:
                return
            times[key] = time.monotonic() - t0
            if key == "nbp":
                check_ipxe(g, label, plain(g))
        out = plain(g)
        check(f"{label}: the language list offers English", re.search(
            r"\d+: English", out) is not None, out[-1500:])
        # English is the list's default: Return takes it.
        g.send("\r")
        ok = wait_plain(g, r"Select your location\n", 300)
        check(f"{label}: an answer typed on the serial line brings the next question",
              ok, plain(g)[-1500:])
        print(f"TIME {emu.name} installer {model}: pxelinux.0 at {times['nbp']:.1f} s, "
              f"kernel and initrd by TFTP {times['initrd'] - times['cfg']:.1f} s, "
              f"Linux at {times['linux']:.1f} s, first question at {times['menu']:.1f} s")
    finally:
        stop(g)


TESTS = {"boot": test_boot, "order": test_order, "bad": test_bad, "installer": test_installer}


def main():
    args = sys.argv[1:]
    choice = os.environ.get("CARDCAGE_TEST_EMULATOR")
    if "--qemu" in args:
        args.remove("--qemu")
        choice = "qemu"
    case, _, model = args[0].partition("-") if len(args) == 1 else ("", "", "")
    if case not in TESTS or model not in MODELS:
        fail(f"usage: pxe.py CASE-MODEL [--qemu] | list  (CASE: {', '.join(CASES)}; "
             f"MODEL: {', '.join(MODELS)})")
    emu = Emulator(choice)
    if case == "installer":
        require_netboot(fail)
    elif not (os.path.exists(KERNEL) and os.path.exists(INITRD)):
        skip(f"guest not fetched ({os.path.dirname(KERNEL)}): run tests/guests/get-linux.sh",
             guest=True)
    emu.require_model(model)
    rom = os.path.join("/usr/lib/ipxe/qemu", MODELS[model]["rom"])
    if not os.path.exists(rom):
        skip(f"{rom} missing (Debian package ipxe-qemu)")
    tmp = tempfile.mkdtemp(prefix="cc-pxe-")
    try:
        TESTS[case](emu, model, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(status())


if __name__ == "__main__":
    main()
