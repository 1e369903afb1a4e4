#!/bin/sh
# Build examples/out-of-tree-plugin against the SDK as `meson install`
# installs it (headers and cardcage-plugin.pc, nothing from the source
# tree), run its unit test, then load the plugin into cardcage and use its
# device.
. "$(dirname "$0")/out-of-tree-lib.sh"

oot_build "$SRC/examples/out-of-tree-plugin" test-example-timer
[ -f "$OOT_BUILD/example-timer.so" ] || { echo "FAIL: no example-timer.so"; exit 1; }

list=$("$BUILD/cardcage" -L "$OOT_BUILD" --list-plugins)
echo "$list" | grep -q "^example-timer  *1.0 " || {
    echo "$list"; echo "FAIL: the plugin is not listed"; exit 1; }
echo "$list" | grep -q "types: example-timer" || {
    echo "$list"; echo "FAIL: its type is not listed"; exit 1; }
help=$("$BUILD/cardcage" -L "$OOT_BUILD" -device example-timer,help)
echo "$help" | grep -q "period=<uint8> (default: 0)" || {
    echo "$help"; echo "FAIL: its properties are not listed"; exit 1; }
echo "$help" | grep -q "from example-timer" || {
    echo "$help"; echo "FAIL: the device is not attributed to its plugin"; exit 1; }
echo "PASS: built and tested against the installed SDK, loaded, and its device listed"
