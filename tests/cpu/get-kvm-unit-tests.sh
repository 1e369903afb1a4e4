#!/bin/sh
# Build kvm-unit-tests' i386 programs for tests/cpu/run-kvm-unit-tests
# (meson test cpu-kvm-unit-tests) from a kvm-unit-tests source tree you
# already have (a clone of the project's repository, or a release
# tarball unpacked): kvm-unit-tests is GPL and is not part of this tree,
# and nothing is downloaded here.
#
#   tests/cpu/get-kvm-unit-tests.sh SRC_DIR
#
# Builds out of the source tree (./configure --arch=i386 && make, run in
# a directory of its own, so an x86_64 build in SRC_DIR is left alone), in
#   ${CARDCAGE_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cardcage/guests}/kvm-unit-tests-i386
# and prints that directory; then
#   KVM_UNIT_TESTS_DIR=$(tests/cpu/get-kvm-unit-tests.sh SRC_DIR) \
#       meson test -C build cpu-kvm-unit-tests --print-errorlogs
# Needs a gcc that targets i386 with -m32 (Debian: gcc-multilib), make,
# and binutils.
set -eu
if [ $# -ne 1 ] || [ ! -x "$1/configure" ] || [ ! -d "$1/x86" ]; then
    echo "usage: $0 KVM_UNIT_TESTS_SOURCE_DIR (a kvm-unit-tests tree: configure, x86/)" >&2
    exit 2
fi
SRC=$(cd "$1" && pwd)
OUT=${CARDCAGE_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cardcage/guests}/kvm-unit-tests-i386

# A compiler that cannot build 32-bit code fails late and obscurely in
# make: check first.
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'int f(void) { return 0; }' > "$probe/t.c"
if ! ${CC:-gcc} -m32 -c -o "$probe/t.o" "$probe/t.c" 2>"$probe/err"; then
    echo "get-kvm-unit-tests: ${CC:-gcc} -m32 cannot build i386 code (install gcc-multilib):" >&2
    cat "$probe/err" >&2
    exit 1
fi

mkdir -p "$OUT"
cd "$OUT"
"$SRC/configure" --arch=i386 >&2
make -j"$(nproc)" >&2
[ -f x86/emulator.flat ] || { echo "get-kvm-unit-tests: no x86/emulator.flat in $OUT" >&2; exit 1; }
echo "$OUT"
