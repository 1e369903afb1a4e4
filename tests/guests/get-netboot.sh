#!/bin/sh
# Fetch the Debian installer's i386 netboot tree (the package
# debian-installer-12-netboot-i386, architecture all) with `apt-get
# download`, from the same private i386 package lists get-linux.sh made;
# cached outside the source tree, in
#   ${CARDCAGE_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cardcage/guests}/netboot
#
# Prints the cache directory on success; its tftp/ is the text-frontend
# netboot tree as a TFTP server serves it, symbolic links resolved:
#   tftp/pxelinux.0, tftp/ldlinux.c32          PXELINUX and its core module
#   tftp/pxelinux.cfg/default                  the installer's own boot menu
#   tftp/debian-installer/i386/linux           the installer's kernel
#   tftp/debian-installer/i386/initrd.gz       its initrd (some 30 MB)
#   tftp/debian-installer/i386/boot-screens/   the menu's files and modules
# and version.info the image's version line.  The tests copy the tree and
# write their own pxelinux.cfg/default.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
LINUX=$("$HERE/get-linux.sh")
CACHE=${CARDCAGE_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cardcage/guests}/netboot
PKG=debian-installer-12-netboot-i386
mkdir -p "$CACHE"
cd "$CACHE"

# Extracted again when this script or the downloaded package changes.
stamp() { { cat "$HERE/get-netboot.sh"; ls ./"$PKG"_*.deb 2>/dev/null; } | cksum; }
if [ -s .stamp ] && [ "$(cat .stamp)" = "$(stamp)" ] && [ -s tftp/pxelinux.0 ]; then
    echo "$CACHE"
    exit 0
fi

APT="$LINUX/apt"
OPTS="-o APT::Architecture=i386 -o APT::Architectures::=i386 \
      -o Dir::State::Lists=$APT/lists -o Dir::Cache=$APT/cache \
      -o Dir::State::status=/dev/null -o Debug::NoLocking=1"
if ! ls ./"$PKG"_*.deb >/dev/null 2>&1; then
    # shellcheck disable=SC2086
    apt-cache $OPTS show "$PKG" >/dev/null 2>&1 || apt-get $OPTS update >&2 ||
        echo "get-netboot: apt-get update reported errors; going on" >&2
    # shellcheck disable=SC2086
    apt-get $OPTS download "$PKG" >&2
fi
deb=$(ls ./"$PKG"_*.deb | head -n 1)

# Only the text frontend's tree (the gtk one is the same installer with a
# graphical frontend, some 40 MB more).
rm -rf work tftp && mkdir work
dpkg-deb --fsys-tarfile "$deb" |
    tar -x -C work --wildcards './usr/lib/debian-installer/images/*/i386/text'
text=$(ls -d work/usr/lib/debian-installer/images/*/i386/text | head -n 1)
for f in pxelinux.0 ldlinux.c32 pxelinux.cfg/default debian-installer/i386/linux \
         debian-installer/i386/initrd.gz; do
    [ -s "$text/$f" ] || { echo "get-netboot: $deb has no text/$f" >&2; exit 1; }
done
# -L: the package links pxelinux.0, ldlinux.c32 and pxelinux.cfg at the
# top to their places under debian-installer/i386; a copy the tests make
# must not depend on links.
cp -rL "$text" tftp
cp tftp/version.info version.info
rm -rf work
stamp > .stamp
echo "$CACHE"
