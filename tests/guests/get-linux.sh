#!/bin/sh
# Fetch Debian's i386 Linux kernel (686 flavour) and busybox with
# `apt-get download`, and build the initramfs the guest-level tests boot.
# Everything is cached outside the source tree, in
#   ${CARDCAGE_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cardcage/guests}/linux
# and the host's apt configuration is left alone (a private state directory
# holds the i386 package lists).
#
# Prints the cache directory on success; it then holds vmlinuz and
# initramfs.cpio.gz, and vmlinuz-686-pae, the kernel of the 686-pae
# flavour (PAE paging, NX) that boots the same initramfs (whose network
# modules are the 686 kernel's and do not load there).  The initramfs
# carries the kernel modules of the network cards the tests use
# (lib/modules/NAME.ko; init.sh loads them).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${CARDCAGE_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cardcage/guests}/linux
mkdir -p "$CACHE"
cd "$CACHE"

APT="$CACHE/apt"
mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial"
OPTS="-o APT::Architecture=i386 -o APT::Architectures::=i386 \
      -o Dir::State::Lists=$APT/lists -o Dir::Cache=$APT/cache \
      -o Dir::State::status=/dev/null -o Debug::NoLocking=1"

# The image a linux-image-FLAVOUR metapackage depends on.
resolve_image() {
    # shellcheck disable=SC2086
    apt-cache $OPTS depends "linux-image-$1" |
        sed -n "s/^ *Depends: \(linux-image-[0-9].*-$1\)\$/\1/p" | head -n 1
}

# The 686-pae kernel: only its vmlinuz is kept (from pae/, apart from the
# 686 packages that the initramfs is made of).
if [ ! -s vmlinuz-686-pae ]; then
    # shellcheck disable=SC2086
    apt-get $OPTS update >&2 || echo "get-linux: apt-get update reported errors; going on" >&2
    image=$(resolve_image 686-pae)
    [ -n "$image" ] || { echo "get-linux: cannot resolve linux-image-686-pae" >&2; exit 1; }
    rm -rf pae && mkdir pae
    # shellcheck disable=SC2086
    (cd pae && apt-get $OPTS download "$image" >&2)
    mkdir pae/extract
    dpkg-deb -x pae/*.deb pae/extract
    cp "$(ls pae/extract/boot/vmlinuz-* | head -n 1)" vmlinuz-686-pae.tmp
    mv vmlinuz-686-pae.tmp vmlinuz-686-pae
    rm -rf pae
fi

# The initramfs is rebuilt when init.sh, this script or its helpers change.
SUM=$(cat "$HERE/init.sh" "$HERE/get-linux.sh" "$HERE/mkinitramfs.py" "$HERE/kmods.py" | cksum)
if [ -s vmlinuz ] && [ -s initramfs.cpio.gz ] && [ -s .init.sum ] &&
   [ "$(cat .init.sum)" = "$SUM" ]; then
    echo "$CACHE"
    exit 0
fi

if [ ! -s .downloaded ]; then
    # A partial failure (one index out of sync) is fine as long as the two
    # packages resolve below.
    # shellcheck disable=SC2086
    apt-get $OPTS update >&2 || echo "get-linux: apt-get update reported errors; going on" >&2
    # linux-image-686 is a metapackage: download the image it depends on.
    image=$(resolve_image 686)
    [ -n "$image" ] || { echo "get-linux: cannot resolve linux-image-686" >&2; exit 1; }
    rm -f ./*.deb
    # shellcheck disable=SC2086
    apt-get $OPTS download "$image" busybox-static >&2
    echo "$image" > .downloaded
fi

rm -rf extract && mkdir extract
for deb in ./*.deb; do
    dpkg-deb -x "$deb" extract
done
cp "$(ls extract/boot/vmlinuz-* | head -n 1)" vmlinuz
# The network cards' drivers and the modules they need, dependencies first
# (kmods.py); init.sh's net mode loads lib/modules/order.net in its order.
# A driver built into the kernel has no .ko and is left out.
moddir=$(ls -d extract/lib/modules/* | head -n 1)
EXTRA=
: > order.net
for ko in $(python3 "$HERE/kmods.py" "$moddir" 8139cp 8139too ne2k-pci ne e1000); do
    name=$(basename "$ko" .ko)
    if ! grep -qx "$name" order.net; then
        echo "$name" >> order.net
        EXTRA="$EXTRA lib/modules/$name.ko=$ko"
    fi
done
# shellcheck disable=SC2086
python3 "$HERE/mkinitramfs.py" extract/bin/busybox "$HERE/init.sh" initramfs.cpio.gz \
    lib/modules/order.net=order.net $EXTRA
rm -f order.net
echo "$SUM" > .init.sum
rm -rf extract
echo "$CACHE"
