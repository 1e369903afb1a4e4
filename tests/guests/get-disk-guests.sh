#!/bin/sh
# Build the storage tests' media from the Linux test guest (get-linux.sh's
# Debian i386 kernel and busybox) and SYSLINUX/ISOLINUX boot code fetched
# with `apt-get download`; cached outside the source tree, in
#   ${CARDCAGE_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cardcage/guests}/disks
#
# Host tools (.ci/install-deps): syslinux (its installer), mtools,
# dosfstools, xorriso, qemu-utils.
#
# Prints the cache directory on success; it then holds
#   vmlinuz, initrd.gz    the kernel and an initramfs with the storage
#                         modules (init.sh's cardcage.test=disk mode)
#   boot.raw              64 MiB MBR disk, one active FAT16 partition from
#                         sector 2048 with SYSLINUX, kernel and initramfs;
#                         the kernel command line says cardcage.boot=hd
#   boot.qcow2            the same converted to qcow2
#   boot-overlay.qcow2    an empty qcow2 overlay whose backing file is
#                         boot.qcow2 (relative name)
#   boot.iso              El Torito CD (ISOLINUX, no emulation), the same
#                         kernel with cardcage.boot=cd, and cardcage/data.bin
#   cd-data.bin           that file, for its md5 on the host
#   data.raw              a blank 16 MiB second disk (copy it before use)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
LINUX=$("$HERE/get-linux.sh")
CACHE=${CARDCAGE_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cardcage/guests}/disks
mkdir -p "$CACHE"
cd "$CACHE"

# Rebuilt when any script that shapes the media changes, or the kernel.
stamp=$(cd "$HERE" && cat get-disk-guests.sh init.sh mkinitramfs.py kmods.py mkdisk.py \
            "$LINUX/.downloaded" | cksum)
if [ -s .stamp ] && [ "$(cat .stamp)" = "$stamp" ]; then
    echo "$CACHE"
    exit 0
fi

for tool in syslinux mcopy mmd mkfs.fat xorriso qemu-img; do
    command -v "$tool" >/dev/null 2>&1 || PATH=$PATH:/sbin:/usr/sbin
    command -v "$tool" >/dev/null 2>&1 ||
        { echo "get-disk-guests: $tool not found (run .ci/install-deps)" >&2; exit 1; }
done

# The boot code, from the same private i386 package lists get-linux.sh made
# (architecture-independent packages are in them too).
APT="$LINUX/apt"
OPTS="-o APT::Architecture=i386 -o APT::Architectures::=i386 \
      -o Dir::State::Lists=$APT/lists -o Dir::Cache=$APT/cache \
      -o Dir::State::status=/dev/null -o Debug::NoLocking=1"
if ! ls ./syslinux-common_*.deb ./isolinux_*.deb >/dev/null 2>&1; then
    # shellcheck disable=SC2086
    apt-cache $OPTS show syslinux-common >/dev/null 2>&1 || apt-get $OPTS update >&2 ||
        echo "get-disk-guests: apt-get update reported errors; going on" >&2
    # shellcheck disable=SC2086
    apt-get $OPTS download syslinux-common isolinux >&2
fi

# ldlinux.sys (inside the host's installer) and ldlinux.c32 (in the
# package) must come from the same SYSLINUX build, or the boot stops at
# "Failed to load ldlinux.c32".
common_deb=$(ls ./syslinux-common_*.deb | head -n 1)
want=$(dpkg-deb -f "$common_deb" Version)
if command -v dpkg-query >/dev/null 2>&1; then
    have=$(dpkg-query -W -f '${Version}' syslinux 2>/dev/null | sed 's/+b[0-9]*$//')
    if [ -n "$have" ] && [ "$have" != "$want" ]; then
        echo "get-disk-guests: the host's syslinux is $have, the downloaded boot code $want:" \
             "install syslinux $want (or remove $CACHE/*.deb to fetch the host's version)" >&2
        exit 1
    fi
fi

rm -rf work && mkdir -p work/deb work/kernel work/fat work/iso/isolinux work/iso/cardcage
for deb in ./syslinux-common_*.deb ./isolinux_*.deb; do
    dpkg-deb -x "$deb" work/deb
done
for deb in "$LINUX"/linux-image-*.deb "$LINUX"/busybox-static_*.deb; do
    dpkg-deb -x "$deb" work/kernel
done
BIOS=work/deb/usr/lib/syslinux/modules/bios
cp "$LINUX/vmlinuz" vmlinuz

# The initramfs: busybox, init.sh, and the modules for IDE disks and CDs.
# The modules in order.common are loaded in that order; init.sh picks the
# controller driver (ata_piix for the PIIX's PCI function, pata_legacy for
# the ISA ports) itself.
moddir=$(ls -d work/kernel/lib/modules/*/ | head -n 1)
python3 "$HERE/kmods.py" "$moddir" libata sd_mod sr_mod isofs > work/common.list
extra=""
: > work/order.common
while read -r ko; do
    name=$(basename "$ko")
    extra="$extra lib/modules/$name=$ko"
    echo "${name%.ko}" >> work/order.common
done < work/common.list
for m in ata_piix ata_generic pata_legacy; do
    ko=$(python3 "$HERE/kmods.py" "$moddir" "$m" | tail -n 1)
    case "$ko" in */"$m".ko) extra="$extra lib/modules/$m.ko=$ko" ;;
                  *) echo "get-disk-guests: no $m.ko in the kernel package" >&2; exit 1 ;; esac
done
# shellcheck disable=SC2086
python3 "$HERE/mkinitramfs.py" work/kernel/bin/busybox "$HERE/init.sh" initrd.gz \
    lib/modules/order.common=work/order.common $extra

# The kernel command line: init.sh's disk mode, and where we booted from.
# panic=-1 turns a failed test into a reset, which -no-reboot ends.
cmdline="console=ttyS0 panic=-1 cardcage.test=disk"
cfg() {
    # SERIAL 0: the boot loader's own messages go to COM1 as well.
    printf 'SERIAL 0 115200\nPROMPT 0\nTIMEOUT 0\nDEFAULT linux\nLABEL linux\n'
    printf '  KERNEL /vmlinuz\n  INITRD /initrd.gz\n  APPEND %s cardcage.boot=%s\n' "$cmdline" "$1"
}

# a) The hard disk: a FAT16 partition of 63 MiB from sector 2048 (1 MiB,
# as partitioning tools align), SYSLINUX in its boot sector and root.
export MTOOLS_SKIP_CHECK=1
part=work/part.img
rm -f "$part"
mkfs.fat -C -F 16 -h 2048 -n CARDCAGE -i CA4DCA6E --invariant "$part" $((63 * 1024)) >/dev/null
cfg hd > work/fat/syslinux.cfg
cp vmlinuz initrd.gz "$BIOS/ldlinux.c32" work/fat/
mcopy -i "$part" -m work/fat/* ::/
syslinux --install "$part"
python3 "$HERE/mkdisk.py" boot.raw 64 work/deb/usr/lib/syslinux/mbr/mbr.bin "$part" 2048 0x06

# b) qcow2, and an overlay on it.
rm -f boot.qcow2 boot-overlay.qcow2
qemu-img convert -f raw -O qcow2 boot.raw boot.qcow2
qemu-img create -q -f qcow2 -b boot.qcow2 -F qcow2 boot-overlay.qcow2

# c) The CD: ISOLINUX as a no-emulation El Torito image (4 sectors loaded,
# the boot info table patched in, as ISOLINUX requires), and a file whose
# md5 the guest prints: 1 MiB, every 32-byte line naming its own offset.
python3 -c '
import sys
sys.stdout.buffer.write(b"".join(b"CARDCAGE-CD offset %012d\n" % i for i in range(0, 1 << 20, 32)))
' > cd-data.bin
cp cd-data.bin work/iso/cardcage/data.bin
cp vmlinuz initrd.gz work/iso/
cp work/deb/usr/lib/ISOLINUX/isolinux.bin "$BIOS/ldlinux.c32" work/iso/isolinux/
cfg cd > work/iso/isolinux/isolinux.cfg
rm -f boot.iso
xorriso -as mkisofs -quiet -o boot.iso -R -V CARDCAGE_CD \
    -b isolinux/isolinux.bin -c isolinux/boot.cat \
    -no-emul-boot -boot-load-size 4 -boot-info-table work/iso 2>&1 >&2 |
    grep -v -e '^xorriso : NOTE' -e '^xorriso [0-9.]* : RockRidge' -e '^$' >&2 || true
[ -s boot.iso ] || { echo "get-disk-guests: xorriso made no ISO" >&2; exit 1; }

# d) A blank second disk.
rm -f data.raw
truncate -s 16M data.raw

rm -rf work
echo "$stamp" > .stamp
echo "$CACHE"
