#!/bin/sh
# Build examples/out-of-tree-plugin against the SDK of a plain build, with
# no `meson install`: PKG_CONFIG_PATH=<build>/meson-uninstalled finds
# cardcage-plugin-uninstalled.pc, whose flags name the tree's headers and
# whose plugindir is where the build's cardcage loads plugins from.
set -eu
BUILD=${CARDCAGE_BUILD_ROOT:?}
SRC=${CARDCAGE_SOURCE_ROOT:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export PKG_CONFIG_PATH="$BUILD/meson-uninstalled"

dir=$(pkg-config --variable=plugindir cardcage-plugin)
[ "$dir" = "$BUILD/plugins" ] || { echo "FAIL: plugindir is '$dir', not $BUILD/plugins"; exit 1; }
flags=$(pkg-config --cflags cardcage-plugin)
case "$flags" in
    *"-I$SRC/include "*"-I$BUILD/include"*) ;;
    *) echo "FAIL: cflags '$flags' do not name the tree's include directories"; exit 1 ;;
esac

meson setup "$T/build" "$SRC/examples/out-of-tree-plugin" >"$T/setup.log" 2>&1 || {
    cat "$T/setup.log"; echo "FAIL: meson setup"; exit 1; }
meson compile -C "$T/build" >"$T/compile.log" 2>&1 || {
    cat "$T/compile.log"; echo "FAIL: compile"; exit 1; }
[ -f "$T/build/example-timer.so" ] || { echo "FAIL: no example-timer.so"; exit 1; }
# Its abi.h is the build tree's (generated), its other headers the source tree's.
grep -q -- "-I$BUILD/include" "$T/build/compile_commands.json" || {
    echo "FAIL: not compiled against the build tree's SDK"; exit 1; }

# Its unit test, on the build tree's harness, runs and passes.
meson test -C "$T/build" >"$T/test.log" 2>&1 || {
    cat "$T/test.log" "$T/build/meson-logs/testlog.txt"; echo "FAIL: the example's test"; exit 1; }
grep -q "^Ok: *1" "$T/test.log" || { cat "$T/test.log"; echo "FAIL: its test did not run"; exit 1; }

help=$("$BUILD/cardcage" -L "$T/build" -device example-timer,help)
echo "$help" | grep -q "from example-timer" || {
    echo "$help"; echo "FAIL: the plugin's device is not available"; exit 1; }
echo "PASS: built and tested against the uninstalled SDK, and loaded"
