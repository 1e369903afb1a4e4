#!/bin/sh
# Build examples/out-of-tree-plugin against the SDK as `meson install`
# installs it (headers and cardcage-plugin.pc, nothing from the source
# tree), then load the plugin into cardcage and use its device.
set -eu
BUILD=${CARDCAGE_BUILD_ROOT:?}
SRC=${CARDCAGE_SOURCE_ROOT:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

meson install -C "$BUILD" --destdir "$T/root" --no-rebuild --quiet >/dev/null
pc=$(find "$T/root" -name cardcage-plugin.pc | head -n 1)
[ -n "$pc" ] || { echo "FAIL: no cardcage-plugin.pc installed"; exit 1; }
# The staged install lives under $T/root: point the .pc files there.
prefix=$(sed -n 's/^prefix=//p' "$pc")
for f in "$(dirname "$pc")"/cardcage-*.pc; do
    sed -i "s|^prefix=.*|prefix=$T/root$prefix|" "$f"
done
[ -f "$(dirname "$pc")/cardcage-harness.pc" ] || { echo "FAIL: no cardcage-harness.pc"; exit 1; }

PKG_CONFIG_PATH=$(dirname "$pc") meson setup "$T/build" "$SRC/examples/out-of-tree-plugin" \
    >"$T/setup.log" 2>&1 || { cat "$T/setup.log"; echo "FAIL: meson setup"; exit 1; }
meson compile -C "$T/build" >"$T/compile.log" 2>&1 || {
    cat "$T/compile.log"; echo "FAIL: compile"; exit 1; }
so="$T/build/example-timer.so"
[ -f "$so" ] || { echo "FAIL: no example-timer.so"; exit 1; }

# It was compiled with the installed headers, not the tree's.
grep -q "$T/root" "$T/build/compile_commands.json" || {
    echo "FAIL: the example did not use the installed headers"; exit 1; }

# Its unit test, built with the installed harness alone, runs and passes
# (against the installed libcardcage).
lib=$(dirname "$(find "$T/root" -name 'libcardcage.so*' | head -n 1)")
LD_LIBRARY_PATH="$lib" meson test -C "$T/build" >"$T/test.log" 2>&1 || {
    cat "$T/test.log" "$T/build/meson-logs/testlog.txt"; echo "FAIL: the example's test"; exit 1; }
grep -q "^Ok: *1" "$T/test.log" || { cat "$T/test.log"; echo "FAIL: its test did not run"; exit 1; }
# Nothing core-internal: only the installed headers were on its include path.
grep -q "test-example-timer" "$T/build/compile_commands.json" || {
    echo "FAIL: the test was not built"; exit 1; }
if grep -q -- "-I$SRC" "$T/build/compile_commands.json"; then
    echo "FAIL: the example reached into the source tree"; exit 1
fi

list=$("$BUILD/cardcage" -L "$T/build" --list-plugins)
echo "$list" | grep -q "^example-timer  *1.0 " || {
    echo "$list"; echo "FAIL: the plugin is not listed"; exit 1; }
echo "$list" | grep -q "types: example-timer" || {
    echo "$list"; echo "FAIL: its type is not listed"; exit 1; }
help=$("$BUILD/cardcage" -L "$T/build" -device example-timer,help)
echo "$help" | grep -q "period=<uint8> (default: 0)" || {
    echo "$help"; echo "FAIL: its properties are not listed"; exit 1; }
echo "$help" | grep -q "from example-timer" || {
    echo "$help"; echo "FAIL: the device is not attributed to its plugin"; exit 1; }
echo "PASS: built and tested against the installed SDK, loaded, and its device listed"
